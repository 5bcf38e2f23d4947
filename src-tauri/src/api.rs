//! The services both faces of the app call: the window's commands (`src/app/`) and the CLI.
//! Everything here is plain Rust; the shapes that cross to the UI are generated to TypeScript
//! from these types (see `bindings.rs`).

use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate, Utc};

use serde::Serialize;
use ts_rs::TS;

use crate::batch::package::ExportReport;
use crate::batch::parts::{self, PlanOptions};
use crate::batch::{Batch, BatchRequest, BatchSummary, Draft, LeftOut};
use crate::campaign::{self, Campaign, CampaignError, Level, Severity};
use crate::checks::{self, FileCheck, Finding};
use crate::dashboard::{self, Dashboard};
use crate::jobs::{Job, Jobs, Progress};
use crate::library::{
    self, Actor, Entry, EntryFilter, EntryInput, EntrySort, FieldError, ImportOptions,
    ImportProgress, ImportReport, Library, LibraryError, LibraryInfo, OfficeInput, Review, recent,
};
use crate::media::{self, MediaFacts};
use crate::registration::{self, Sheet, SheetError};

/// An error as the UI receives it: a stable code for code, a Chinese message for the clerk,
/// and per-field messages for forms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ApiError {
    pub code: String,
    pub message: String,
    pub fields: Vec<FieldError>,
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ApiError {}

impl From<LibraryError> for ApiError {
    fn from(e: LibraryError) -> Self {
        let fields = match &e {
            LibraryError::Invalid(f) => f.clone(),
            _ => Vec::new(),
        };
        ApiError {
            code: e.code().to_owned(),
            message: e.to_string(),
            fields,
        }
    }
}

impl From<SheetError> for ApiError {
    fn from(e: SheetError) -> Self {
        LibraryError::Sheet(e).into()
    }
}

impl From<CampaignError> for ApiError {
    fn from(e: CampaignError) -> Self {
        ApiError {
            code: e.code().to_owned(),
            message: e.to_string(),
            fields: Vec::new(),
        }
    }
}

impl ApiError {
    fn no_library() -> Self {
        ApiError {
            code: "library.none_open".into(),
            message: "还没有打开资料库，请先新建或打开一个资料库。".into(),
            fields: Vec::new(),
        }
    }
}

/// The clock of the window and the CLI (`BAOSONG_NOW` when set; see
/// [`dashboard::now_from_env`]).
pub fn clock() -> Result<DateTime<Utc>, ApiError> {
    dashboard::now_from_env().map_err(|message| ApiError {
        code: "input.clock".into(),
        message,
        fields: Vec::new(),
    })
}

/// A file judged before it is added (the entry form shows this as soon as a file is picked).
#[derive(Debug, Clone, Serialize, TS)]
pub struct PathCheck {
    pub path: String,
    /// None when the file could not be opened at all.
    pub facts: Option<MediaFacts>,
    pub check: FileCheck,
}

/// Reads a file's facts and judges them for `category` of `campaign`.
pub fn check_path(campaign: &Campaign, category: Option<&str>, path: &Path) -> PathCheck {
    let category = category.and_then(|c| campaign.category(c));
    match media::probe(path) {
        Ok(facts) => PathCheck {
            path: path.display().to_string(),
            check: checks::check_file(&facts, campaign, category),
            facts: Some(facts),
        },
        Err(e) => PathCheck {
            path: path.display().to_string(),
            facts: None,
            check: FileCheck::from_findings(vec![Finding {
                rule: "file-readable".into(),
                severity: Severity::Error,
                message: format!("无法打开文件：{}", library::io_reason(&e)),
                actual: None,
                expected: None,
            }]),
        },
    }
}

/// A campaign as a picker lists it.
#[derive(Debug, Clone, Serialize, TS)]
pub struct CampaignSummary {
    pub id: String,
    pub name: String,
    pub short_name: String,
    pub level: Level,
}

/// What the window needs to draw its first screen.
#[derive(Debug, Clone, Serialize, TS)]
pub struct Startup {
    /// The open library, if one could be opened; otherwise the window shows first-run setup.
    pub library: Option<LibraryInfo>,
    /// Why the last library could not be reopened, if it could not.
    pub problem: Option<ApiError>,
    pub default_location: String,
    pub recent: Vec<recent::RecentLibrary>,
    pub campaigns: Vec<CampaignSummary>,
    pub default_campaign: String,
}

pub fn campaign_summaries() -> Vec<CampaignSummary> {
    campaign::embedded()
        .into_iter()
        .map(|c| CampaignSummary {
            id: c.id,
            name: c.name,
            short_name: c.short_name,
            level: c.level,
        })
        .collect()
}

/// One user's working state: which library is open. The window holds one behind a mutex.
#[derive(Debug)]
pub struct Session {
    library: Option<Library>,
    /// Where recent libraries are remembered; `None` remembers nothing (the CLI).
    config_dir: Option<PathBuf>,
    actor: Actor,
    problem: Option<ApiError>,
}

impl Session {
    pub fn new(config_dir: Option<PathBuf>, actor: Actor) -> Self {
        Session {
            library: None,
            config_dir,
            actor,
            problem: None,
        }
    }

    /// Opens the library the clerk worked in last (or `preferred`), quietly: a library that
    /// cannot be opened becomes `Startup::problem`, never a crash.
    pub fn resume(&mut self, preferred: Option<&Path>) {
        let candidate = preferred
            .map(Path::to_path_buf)
            .or_else(|| self.recent().first().map(|r| PathBuf::from(&r.path)));
        if let Some(path) = candidate
            && let Err(e) = self.open(&path)
        {
            self.problem = Some(e);
        }
    }

    pub fn startup(&self) -> Startup {
        Startup {
            library: self.library.as_ref().and_then(|l| l.info().ok()),
            problem: self.problem.clone(),
            default_location: library::default_location().display().to_string(),
            recent: self.recent(),
            campaigns: campaign_summaries(),
            default_campaign: campaign::DEFAULT_CAMPAIGN_ID.to_owned(),
        }
    }

    pub fn library(&self) -> Result<&Library, ApiError> {
        self.library.as_ref().ok_or_else(ApiError::no_library)
    }

    pub fn library_mut(&mut self) -> Result<&mut Library, ApiError> {
        self.library.as_mut().ok_or_else(ApiError::no_library)
    }

    fn recent(&self) -> Vec<recent::RecentLibrary> {
        self.config_dir
            .as_deref()
            .map(recent::load)
            .unwrap_or_default()
    }

    fn remember(&self, lib: &Library) {
        if let Some(dir) = &self.config_dir {
            let office = lib.office().map(|o| o.name).unwrap_or_default();
            recent::remember(dir, lib.root(), &office);
        }
    }

    pub fn open(&mut self, path: &Path) -> Result<LibraryInfo, ApiError> {
        let lib = Library::open(path, self.actor)?;
        let info = lib.info()?;
        self.remember(&lib);
        self.library = Some(lib);
        self.problem = None;
        Ok(info)
    }

    pub fn create(&mut self, path: &Path, office: &OfficeInput) -> Result<LibraryInfo, ApiError> {
        let lib = Library::create(path, office, self.actor)?;
        let info = lib.info()?;
        self.remember(&lib);
        self.library = Some(lib);
        self.problem = None;
        Ok(info)
    }

    pub fn close(&mut self) {
        self.library = None;
    }

    pub fn forget_recent(&self, path: &str) -> Vec<recent::RecentLibrary> {
        if let Some(dir) = &self.config_dir {
            recent::forget(dir, path);
        }
        self.recent()
    }

    pub fn info(&self) -> Result<LibraryInfo, ApiError> {
        Ok(self.library()?.info()?)
    }

    pub fn campaign(&self) -> Result<Campaign, ApiError> {
        Ok(self.library()?.campaign()?)
    }

    pub fn update_office(&mut self, office: &OfficeInput) -> Result<LibraryInfo, ApiError> {
        let lib = self.library_mut()?;
        lib.update_office(office)?;
        let info = lib.info()?;
        self.remember(self.library()?);
        Ok(info)
    }

    pub fn entries(&self, filter: &EntryFilter) -> Result<Vec<Entry>, ApiError> {
        Ok(self.library()?.entries(filter, EntrySort::Newest)?)
    }

    pub fn entry(&self, id: i64) -> Result<Entry, ApiError> {
        Ok(self.library()?.entry(id)?)
    }

    pub fn add_entry(&mut self, input: &EntryInput, files: &[PathBuf]) -> Result<Entry, ApiError> {
        Ok(self.library_mut()?.add_entry(input, files)?)
    }

    pub fn update_entry(&mut self, id: i64, input: &EntryInput) -> Result<Entry, ApiError> {
        Ok(self.library_mut()?.update_entry(id, input)?)
    }

    /// The entry drawer's save: data, new files and review in one transaction.
    pub fn save_entry(
        &mut self,
        id: i64,
        input: &EntryInput,
        files: &[PathBuf],
        review: Option<&Review>,
    ) -> Result<Entry, ApiError> {
        Ok(self
            .library_mut()?
            .save_entry(id, Some(input), files, review)?)
    }

    pub fn attach_files(&mut self, id: i64, files: &[PathBuf]) -> Result<Entry, ApiError> {
        Ok(self.library_mut()?.attach_files(id, files)?)
    }

    pub fn delete_entry(&mut self, id: i64) -> Result<(), ApiError> {
        Ok(self.library_mut()?.delete_entry(id)?)
    }

    /// Checks files against the open library's campaign, before they are added.
    pub fn check_paths(
        &self,
        category: Option<&str>,
        paths: &[PathBuf],
    ) -> Result<Vec<PathCheck>, ApiError> {
        let campaign = self.campaign()?;
        Ok(paths
            .iter()
            .map(|p| check_path(&campaign, category, p))
            .collect())
    }

    pub fn set_review(&mut self, id: i64, review: &Review) -> Result<Entry, ApiError> {
        Ok(self.library_mut()?.set_review(id, review)?)
    }

    pub fn restore_entry(&mut self, id: i64) -> Result<Entry, ApiError> {
        Ok(self.library_mut()?.restore_entry(id)?)
    }

    /// The dashboard of the open library at `now`.
    pub fn dashboard(&self, now: DateTime<Utc>) -> Result<Dashboard, ApiError> {
        let lib = self.library()?;
        let office = lib.office()?;
        let campaign = lib.campaign()?;
        let entries = lib.entries(&EntryFilter::default(), EntrySort::Newest)?;
        let marks = lib.deadline_marks()?;
        Ok(dashboard::compute(&dashboard::Inputs {
            campaign: &campaign,
            office: &office,
            entries: &entries,
            marks: &marks,
            now,
        }))
    }

    /// Moves the office to another campaign; see [`Library::switch_campaign`].
    pub fn switch_campaign(
        &mut self,
        campaign_id: &str,
        unit_type: Option<&str>,
    ) -> Result<LibraryInfo, ApiError> {
        let lib = self.library_mut()?;
        lib.switch_campaign(campaign_id, unit_type)?;
        Ok(lib.info()?)
    }

    /// Marks a deadline of the active campaign 已报送 on `done_on` (or clears it).
    pub fn mark_deadline(
        &mut self,
        deadline_id: &str,
        done_on: Option<NaiveDate>,
    ) -> Result<(), ApiError> {
        Ok(self.library_mut()?.mark_deadline(deadline_id, done_on)?)
    }

    /// Applies one change to many entries at once; see [`Library::bulk_update`].
    pub fn bulk_update(
        &mut self,
        ids: &[i64],
        change: &library::BulkChange,
    ) -> Result<usize, ApiError> {
        Ok(self.library_mut()?.bulk_update(ids, change)?)
    }

    /// What a thumbnail needs, taken quickly so the picture is made outside the session:
    /// (library folder, content hash, stored file).
    pub fn thumbnail_source(&self, file_id: i64) -> Result<(PathBuf, String, PathBuf), ApiError> {
        let lib = self.library()?;
        let (sha, path) = lib.stored_file(file_id)?;
        Ok((lib.root().to_path_buf(), sha, path))
    }

    /// Reads a registration sheet without planning it: its columns and suggested mapping, for
    /// a correction before [`Session::import_sheet`]. Needs no library.
    pub fn read_sheet(&self, path: &Path) -> Result<Sheet, ApiError> {
        Ok(registration::read(path)?)
    }

    /// Imports (or, dry, previews) a registration sheet; see [`Library::import_sheet`].
    pub fn import_sheet(
        &mut self,
        path: &Path,
        options: &library::SheetImportOptions,
    ) -> Result<library::SheetImport, ApiError> {
        Ok(self.library_mut()?.import_sheet(path, options)?)
    }

    /// Writes the entries `filter` selects to an .xlsx file; returns the row count.
    pub fn export_xlsx(&self, path: &Path, filter: &EntryFilter) -> Result<usize, ApiError> {
        Ok(self.library()?.export_xlsx(path, filter)?)
    }

    /// The open library's folder (a long import opens its own connection to it, so the
    /// window keeps working while the files are copied).
    pub fn library_root(&self) -> Result<PathBuf, ApiError> {
        Ok(self.library()?.root().to_path_buf())
    }

    /// Imports files and folders; see [`Library::import_files`].
    pub fn import_files(
        &mut self,
        paths: &[PathBuf],
        options: &ImportOptions,
        progress: &mut dyn FnMut(&ImportProgress),
        cancel: &std::sync::atomic::AtomicBool,
    ) -> Result<ImportReport, ApiError> {
        Ok(self
            .library_mut()?
            .import_files(paths, options, progress, cancel)?)
    }

    /// What a batch made now would hold (nothing is written).
    pub fn batch_draft(
        &self,
        request: &BatchRequest,
        now: DateTime<Utc>,
    ) -> Result<Draft, ApiError> {
        Ok(self.library()?.batch_draft(request, now)?)
    }

    /// Makes a batch of the ready works; the blocked ones stay out and are reported.
    pub fn create_batch(
        &mut self,
        request: &BatchRequest,
        now: DateTime<Utc>,
    ) -> Result<BatchCreated, ApiError> {
        let (batch, draft) = self.library_mut()?.create_batch(request, now)?;
        Ok(BatchCreated {
            warnings: batch.header.warnings.clone(),
            left_out: batch.header.left_out.clone(),
            already_sent: draft.already_sent,
            batch,
        })
    }

    pub fn batches(&self) -> Result<Vec<BatchSummary>, ApiError> {
        Ok(self.library()?.batches()?)
    }

    pub fn batch(&self, id: i64) -> Result<Batch, ApiError> {
        Ok(self.library()?.batch(id)?)
    }

    pub fn delete_batch(&mut self, id: i64) -> Result<(), ApiError> {
        Ok(self.library_mut()?.delete_batch(id)?)
    }

    /// The messages batch `id` goes out in (nothing is written).
    pub fn plan_batch(&self, id: i64, options: &PlanOptions) -> Result<BatchPlan, ApiError> {
        let lib = self.library()?;
        let batch = lib.batch(id)?;
        let local = crate::batch::local_time(&batch.created_at, lib.campaign()?.zone());
        let extras = parts::first_extras(&batch, &local).map_err(package_error)?;
        let plan = parts::plan_batch(&batch, options, &extras).map_err(|e| ApiError {
            code: "plan.too_small".into(),
            message: e.to_string(),
            fields: Vec::new(),
        })?;
        Ok(BatchPlan::new(&batch, options, plan))
    }

    /// Registers a long job on the open library (it will use its own connection).
    pub fn start_job(&self, jobs: &std::sync::Arc<Jobs>) -> Result<Job, ApiError> {
        Ok(jobs.start(self.library()?.root(), self.actor))
    }

    /// [`Session::start_job`] under an id the window chose, so it can cancel it by that id.
    pub fn start_job_as(&self, jobs: &std::sync::Arc<Jobs>, id: u64) -> Result<Job, ApiError> {
        Ok(jobs.start_as(id, self.library()?.root(), self.actor))
    }
}

/// A batch just made, with what stayed out and what only warned.
#[derive(Debug, Clone, Serialize, TS)]
pub struct BatchCreated {
    pub batch: Batch,
    pub warnings: Vec<String>,
    pub left_out: Vec<LeftOut>,
    pub already_sent: Vec<LeftOut>,
}

/// A batch's message plan as the window and `batch plan --json` show it.
#[derive(Debug, Clone, Serialize, TS)]
pub struct BatchPlan {
    #[ts(type = "number")]
    pub batch_id: i64,
    pub label: String,
    /// The limit used and where it came from: `option` (given) or `default` (QQ 邮箱's 70 MiB).
    #[ts(type = "number")]
    pub max_message_bytes: u64,
    pub limit_source: String,
    pub messages: Vec<crate::batch::plan::Message>,
    /// Files that travel another way (另行传送), with their SHA-256 for the cover letter.
    pub separate: Vec<crate::batch::plan::SeparateFile>,
    /// Every work file is in exactly one message (or in `separate`): the counts say so.
    pub files: u32,
    pub volumes: u32,
}

impl BatchPlan {
    fn new(batch: &Batch, options: &PlanOptions, plan: crate::batch::plan::Plan) -> Self {
        use crate::batch::plan::Content;
        let volumes = plan
            .messages
            .iter()
            .flat_map(|m| m.attachments.iter())
            .filter(|a| matches!(a.content, Content::Volume { .. }))
            .count();
        BatchPlan {
            batch_id: batch.id,
            label: batch.label(),
            max_message_bytes: plan.max_message_bytes,
            limit_source: if options.max_message_bytes.is_some() {
                "option".into()
            } else {
                "default".into()
            },
            messages: plan.messages,
            separate: plan.separate,
            files: u32::try_from(batch.files().count()).unwrap_or(u32::MAX),
            volumes: u32::try_from(volumes).unwrap_or(u32::MAX),
        }
    }
}

fn package_error(e: crate::batch::package::PackageError) -> ApiError {
    ApiError::from(LibraryError::from(e))
}

/// Writes the attachments of batch `id`'s messages under `dest` as a job (see
/// [`parts::write_attachments`]); returns the folder and every file written.
pub fn write_attachments(
    job: &Job,
    id: i64,
    options: &PlanOptions,
    dest: &Path,
    progress: &mut dyn FnMut(&Progress),
) -> Result<(PathBuf, Vec<parts::WrittenAttachment>), ApiError> {
    let lib = job.open()?;
    let batch = lib.batch(id)?;
    let local = crate::batch::local_time(&batch.created_at, lib.campaign()?.zone());
    let extras = parts::first_extras(&batch, &local).map_err(package_error)?;
    let plan = parts::plan_batch(&batch, options, &extras).map_err(|e| ApiError {
        code: "plan.too_small".into(),
        message: e.to_string(),
        fields: Vec::new(),
    })?;
    parts::write_attachments(
        job.root(),
        &parts::Attachments {
            batch: &batch,
            plan: &plan,
            packing: options.packing,
            extras: &extras,
        },
        dest,
        progress,
        &job.cancel,
    )
    .map_err(package_error)
}

/// Exports batch `id` into the folder `dest` as a job: its own connection, its cancel token,
/// progress through `progress`; the session stays free meanwhile.
pub fn export_batch(
    job: &Job,
    id: i64,
    dest: &Path,
    progress: &mut dyn FnMut(&Progress),
) -> Result<ExportReport, ApiError> {
    let mut lib = job.open()?;
    let batch = lib.batch(id)?;
    let zone = lib.campaign()?.zone();
    let local = crate::batch::local_time(&batch.created_at, zone);
    let report =
        crate::batch::package::export(job.root(), &batch, dest, &local, progress, &job.cancel)
            .map_err(|e| ApiError::from(LibraryError::from(e)))?;
    lib.record_export(id, &report)?;
    Ok(report)
}
