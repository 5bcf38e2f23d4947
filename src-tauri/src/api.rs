//! The services both faces of the app call: the window's commands (`src/app/`) and the CLI.
//! Everything here is plain Rust; the shapes that cross to the UI are generated to TypeScript
//! from these types (see `bindings.rs`).

use crate::progress::Progress;
use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate, Utc};

use serde::Serialize;
use ts_rs::TS;

use crate::batch::ExportReport;
use crate::batch::{Batch, BatchRequest, BatchSummary, Draft, LeftOut};
use crate::campaign::{self, Campaign, Level, Severity};
use crate::checks::{self, FileCheck, Finding};
use crate::dashboard::{self, Dashboard};
use crate::entry::{Entry, EntryFilter, EntryInput, EntrySort, Review};
use crate::jobs::{Job, Jobs};
use crate::library::{
    self, Actor, ImportOptions, ImportProgress, ImportReport, Library, LibraryError, LibraryInfo,
    recent,
};
use crate::media::{self, MediaFacts};
use crate::office::OfficeInput;
use crate::package::attachments::{self as parts, PlanOptions};
use crate::registration::{self, Sheet};

mod error;
mod safety;
pub use error::ApiError;
pub use safety::restore_missing_catalog;

/// The clock of the window and the CLI (`BAOSONG_NOW` when set; see
/// [`crate::clock::now_from_env`]).
pub fn clock() -> Result<DateTime<Utc>, ApiError> {
    crate::clock::now_from_env().map_err(|message| ApiError::input("input.clock", message))
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
                message: format!("无法打开文件：{}", crate::fsx::io_reason(&e)),
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
        let local = crate::clock::local_time(&batch.created_at, lib.campaign()?.zone());
        let extras = parts::first_extras(lib.root(), &batch, &local).map_err(ApiError::from)?;
        let plan = parts::plan_batch(&batch, options, &extras)
            .map_err(|e| ApiError::new("plan.too_small", e.to_string()))?;
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
    let local = crate::clock::local_time(&batch.created_at, lib.campaign()?.zone());
    let extras = parts::first_extras(job.root(), &batch, &local).map_err(ApiError::from)?;
    let plan = parts::plan_batch(&batch, options, &extras)
        .map_err(|e| ApiError::new("plan.too_small", e.to_string()))?;
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
    .map_err(ApiError::from)
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
    let local = crate::clock::local_time(&batch.created_at, zone);
    let report = crate::package::export(job.root(), &batch, dest, &local, progress, &job.cancel)
        .map_err(ApiError::from)?;
    lib.record_export(id, &report)?;
    Ok(report)
}

/// The user's credential stores (the file fallback lives in the config folder).
pub fn secrets() -> crate::mail::secret::SecretStore {
    crate::mail::secret::SecretStore::new(&library::recent::config_dir())
}

/// The sending account as the settings page shows it: never the secret, only whether one is
/// stored.
#[derive(Debug, Clone, Serialize, TS)]
pub struct AccountView {
    pub account: Option<crate::account::Account>,
    pub has_secret: bool,
    /// The message limit the plan uses and where it comes from.
    #[ts(type = "number")]
    pub limit: u64,
    pub limit_source: crate::account::LimitSource,
    /// Where to get a 授权码 for this provider.
    pub secret_help: Option<String>,
    /// The refused login that stops sending until the 授权码 is replaced.
    pub auth_failed: Option<String>,
    pub presets: Vec<crate::account::Preset>,
    /// Set after a save when no system credential store answered: the secret is in a file
    /// only this user can read (say so once).
    pub stored_in_file: bool,
}

impl Session {
    pub fn account_view(&self) -> Result<AccountView, ApiError> {
        let lib = self.library()?;
        let account = lib.mail_account()?;
        let (limit, limit_source) = account.as_ref().map(|a| a.message_limit()).unwrap_or((
            crate::package::attachments::DEFAULT_MAX_MESSAGE_BYTES,
            crate::account::LimitSource::Default,
        ));
        Ok(AccountView {
            has_secret: account
                .as_ref()
                .is_some_and(|a| secrets().has(&a.secret_key())),
            secret_help: account
                .as_ref()
                .and_then(|a| crate::account::preset(&a.preset))
                .map(|p| p.secret_help.to_owned()),
            auth_failed: lib.auth_failed()?,
            account,
            limit,
            limit_source,
            presets: crate::account::PRESETS.to_vec(),
            stored_in_file: false,
        })
    }

    /// Saves the account and, when given, its 授权码 (write-only: it is never read back out).
    /// A new 授权码 lifts the stop a refused login put on sending.
    pub fn set_account(
        &mut self,
        input: &crate::account::AccountInput,
        secret: Option<&str>,
    ) -> Result<AccountView, ApiError> {
        let office = self.library()?.office()?;
        let account = crate::account::resolve(input, &office.name)
            .map_err(|fields| ApiError::from(LibraryError::Invalid(fields)))?;
        let store = secrets();
        let lib = self.library_mut()?;
        let old = lib.mail_account()?;
        let mut stored_in_file = false;
        if let Some(secret) = secret.map(str::trim).filter(|s| !s.is_empty()) {
            let kind = store
                .set(&account.secret_key(), secret)
                .map_err(|e| ApiError::new("mail.secret", e.to_string()))?;
            stored_in_file = kind == crate::mail::secret::StoreKind::File;
        } else if let Some(old) = &old
            && old.secret_key() != account.secret_key()
            && old.address == account.address
            && old.host == account.host
            && let Ok(Some(s)) = store.get(&old.secret_key())
        {
            // The same mailbox on the same server with another port or security keeps its
            // secret; a changed host or address asks for the 授权码 again, so a stored 授权码
            // is never handed to another server.
            let _ = store.set(&account.secret_key(), &s);
        }
        lib.set_mail_account(&account)?;
        if secret.is_some() {
            lib.requeue_permanent("mail.auth")?;
        }
        let mut view = self.account_view()?;
        view.stored_in_file = stored_in_file;
        Ok(view)
    }

    /// Writes batch `id`'s sent log (发送记录) as .xlsx to `path` (temporary file + rename).
    pub fn export_sent_log(&self, id: i64, path: &Path) -> Result<usize, ApiError> {
        let lib = self.library()?;
        let batch = lib.batch(id)?;
        let messages = lib.batch_messages(id)?;
        let zone = lib.campaign()?.zone();
        let local = |t: &str| crate::clock::local_time(t, zone);
        let bytes = crate::mail::log::xlsx(&batch, &messages, &local)
            .map_err(|e| ApiError::new("file.write", format!("无法生成发送记录：{e}")))?;
        crate::fsx::write_atomic(path, &bytes).map_err(|e| {
            ApiError::from(LibraryError::Write {
                path: path.to_path_buf(),
                reason: crate::fsx::io_reason(&e),
            })
        })?;
        Ok(messages.len())
    }

    pub fn outbox(&self) -> Result<Vec<crate::library::OutboxMessage>, ApiError> {
        Ok(self.library()?.outbox()?)
    }

    /// The clerk settles an uncertain message: 已送达 or 重新发送.
    pub fn resolve_message(
        &mut self,
        id: i64,
        how: crate::library::Resolution,
    ) -> Result<crate::library::OutboxMessage, ApiError> {
        let lib = self.library_mut()?;
        lib.resolve_message(id, how)?;
        Ok(lib.outbox_message(id)?)
    }
}

/// 测试连接 as a job: connect, EHLO, AUTH; the server's SIZE is remembered.
pub fn test_account(job: &Job) -> Result<AccountView, ApiError> {
    let mut lib = job.open()?;
    match crate::mail::send::test_account(&mut lib, &secrets()) {
        Ok(_) => {}
        Err(crate::mail::send::TestError::Send(e)) => return Err(e.into()),
        Err(crate::mail::send::TestError::Failed(f)) => {
            return Err(ApiError::new(f.code, f.message));
        }
    }
    let mut session = Session::new(None, Actor::Cli);
    session.library = Some(lib);
    session.account_view()
}

/// What `send` did: the batch's messages (queued now or before), the .eml copies, and how the
/// sending went.
#[derive(Debug, Clone, Serialize, TS)]
pub struct SendReport {
    #[ts(type = "number")]
    pub batch_id: i64,
    pub emls: Vec<String>,
    pub flush: crate::mail::send::FlushReport,
}

/// Queues batch `id` (planned under the account's limit) and sends what is due, as a job.
pub fn send_batch(
    job: &Job,
    id: i64,
    to: Option<&str>,
    eml_dir: Option<&Path>,
    progress: &mut dyn FnMut(&crate::mail::send::SendProgress),
) -> Result<SendReport, ApiError> {
    let mut lib = job.open()?;
    crate::mail::send::queue_batch(&mut lib, id, to, &job.cancel)?;
    let emls = match eml_dir {
        Some(dir) => crate::mail::send::save_emls(&lib, id, dir)?
            .into_iter()
            .map(|p| p.display().to_string())
            .collect(),
        None => Vec::new(),
    };
    let flush = crate::mail::send::flush(&mut lib, &secrets(), progress, &job.cancel)?;
    Ok(SendReport {
        batch_id: id,
        emls,
        flush,
    })
}

/// 调小后重新计划: plans batch `id` again under `max_message_bytes` and replaces its messages
/// (only while none has gone out; see [`crate::mail::send::replan_batch`]), as a job.
pub fn replan_batch(
    job: &Job,
    id: i64,
    max_message_bytes: Option<u64>,
) -> Result<Vec<crate::library::OutboxMessage>, ApiError> {
    let mut lib = job.open()?;
    Ok(crate::mail::send::replan_batch(
        &mut lib,
        id,
        max_message_bytes,
        &job.cancel,
    )?)
}

/// Sends what is due now (retries included), as a job.
pub fn flush_outbox(
    job: &Job,
    progress: &mut dyn FnMut(&crate::mail::send::SendProgress),
) -> Result<crate::mail::send::FlushReport, ApiError> {
    let mut lib = job.open()?;
    lib.retry_now()?;
    Ok(crate::mail::send::flush(
        &mut lib,
        &secrets(),
        progress,
        &job.cancel,
    )?)
}

/// The PDF bytes of `document`; `tick` sees each work of a contact sheet (see
/// [`crate::print::documents::Tick`]).
fn make_document(
    lib: &Library,
    document: &PrintRequest,
    tick: &mut crate::print::documents::Tick<'_>,
) -> Result<Vec<u8>, ApiError> {
    use crate::print::documents::{self, SheetSource};
    match document {
        PrintRequest::ContactSheet {
            batch,
            filter,
            all,
            layout,
        } => {
            let source = match batch {
                Some(id) => SheetSource::Batch(*id),
                None => SheetSource::Catalog { filter, all: *all },
            };
            let layout = match layout.as_str() {
                "3x4" => crate::print::Layout::Grid3x4,
                "4x5" => crate::print::Layout::Grid4x5,
                other => {
                    return Err(ApiError::input(
                        "print.layout",
                        format!("不认识的版式“{other}”：每页可排 3x4 或 4x5 格。"),
                    ));
                }
            };
            // A BAOSONG_NOW that does not parse dates the sheet today, as it always has.
            let now = clock().unwrap_or_else(|_| Utc::now());
            documents::contact_sheet(lib, &source, layout, now, tick).map_err(ApiError::from)
        }
        PrintRequest::Summary { batch } => documents::summary(lib, *batch).map_err(ApiError::from),
        PrintRequest::SentLog { batch } => documents::sent_log(lib, *batch).map_err(ApiError::from),
    }
}

fn write_print(path: &Path, bytes: &[u8]) -> Result<(), ApiError> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| {
            ApiError::from(LibraryError::Write {
                path: dir.to_path_buf(),
                reason: crate::fsx::io_reason(&e),
            })
        })?;
    }
    crate::fsx::write_atomic(path, bytes).map_err(|e| {
        ApiError::from(LibraryError::Write {
            path: path.to_path_buf(),
            reason: crate::fsx::io_reason(&e),
        })
    })
}

/// Makes a printed document and writes it to `path` (temporary file + rename).
pub fn print_document(
    session: &Session,
    document: &PrintRequest,
    path: &Path,
) -> Result<PrintReport, ApiError> {
    let bytes = make_document(session.library()?, document, &mut |_, _| true)?;
    write_print(path, &bytes)?;
    Ok(PrintReport {
        path: path.display().to_string(),
        bytes: bytes.len() as u64,
    })
}

/// Where the window keeps the documents it made: `<library>/prints/<name>.pdf`, the name made
/// safe for every file system (the window passes the clerk-facing title, e.g. 作品小样-第1批).
pub fn print_path(root: &Path, name: &str) -> PathBuf {
    let file = crate::naming::safe_component(name, 80);
    root.join("prints").join(format!("{file}.pdf"))
}

/// The window's print step, as a job: makes the document, writes it to [`print_path`] and
/// renders its first page for the preview (`preview_width` pixels wide).
pub fn prepare_print(
    job: &Job,
    document: &PrintRequest,
    name: &str,
    preview_width: u32,
    progress: &mut dyn FnMut(&Progress),
) -> Result<PrintPreview, ApiError> {
    use base64::Engine as _;
    let lib = job.open()?;
    let mut report = |phase: &str, done: usize, total: usize| {
        progress(&Progress {
            phase: phase.to_owned(),
            done_files: done as u32,
            total_files: total as u32,
            ..Progress::default()
        });
    };
    let bytes = make_document(&lib, document, &mut |done, total| {
        report("准备缩略图", done, total);
        !job.cancel.is_cancelled()
    })?;
    report("生成预览", 0, 1);
    let path = print_path(job.root(), name);
    write_print(&path, &bytes)?;
    let preview = crate::print::preview::first_page(&bytes, preview_width)
        .map_err(|e| ApiError::new("print.preview", e.to_string()))?;
    report("生成预览", 1, 1);
    Ok(PrintPreview {
        name: path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default(),
        path: path.display().to_string(),
        bytes: bytes.len() as u64,
        pages: preview.pages as u32,
        width: preview.width,
        height: preview.height,
        image: format!(
            "data:image/png;base64,{}",
            base64::engine::general_purpose::STANDARD.encode(&preview.png)
        ),
    })
}

/// 另存为: copies a document the window made ([`print_path`] of `name`) to `dest`, by a
/// temporary file beside `dest` and a rename, so a full disk leaves no half file there.
pub fn save_print(root: &Path, name: &str, dest: &Path) -> Result<PrintReport, ApiError> {
    let source = print_path(root, name);
    let bytes = std::fs::read(&source).map_err(|e| {
        ApiError::new(
            "print.missing",
            format!(
                "找不到刚才生成的文件（{}）：{}。请重新生成后再保存。",
                source.display(),
                crate::fsx::io_reason(&e)
            ),
        )
    })?;
    write_print(dest, &bytes)?;
    Ok(PrintReport {
        path: dest.display().to_string(),
        bytes: bytes.len() as u64,
    })
}

/// The width of a written preview (`print … --preview`): A4 at 100 dpi.
pub const PREVIEW_WIDTH: u32 = 827;

/// Writes the first page of the PDF at `pdf` as a PNG at `png` (the window's preview, for the
/// CLI and for checking it against other renderers).
pub fn write_preview(pdf: &Path, png: &Path) -> Result<(), ApiError> {
    let bytes = std::fs::read(pdf).map_err(|e| {
        ApiError::new(
            "print.missing",
            format!("无法读取 {}：{}", pdf.display(), crate::fsx::io_reason(&e)),
        )
    })?;
    let preview = crate::print::preview::first_page(&bytes, PREVIEW_WIDTH)
        .map_err(|e| ApiError::new("print.preview", e.to_string()))?;
    write_print(png, &preview.png)
}

/// Which document to print.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize, Serialize, TS)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum PrintRequest {
    /// 作品小样: a batch's works, or the catalog's selected works (one category or all;
    /// `all` also takes works not recommended).
    ContactSheet {
        #[ts(type = "number | null")]
        batch: Option<i64>,
        /// Which works of the catalog (ignored with `batch`): the works list's filter.
        #[serde(default)]
        filter: EntryFilter,
        all: bool,
        /// `3x4` or `4x5`.
        layout: String,
    },
    /// 报送汇总表 of a batch.
    Summary {
        #[ts(type = "number")]
        batch: i64,
    },
    /// 发送记录 of a batch.
    SentLog {
        #[ts(type = "number")]
        batch: i64,
    },
}

/// A document the window made, with its first page to show before 打开 or 另存为.
#[derive(Debug, Clone, Serialize, TS)]
pub struct PrintPreview {
    /// The file's name in the library's `prints/` folder, without `.pdf`; pass it back to
    /// open or save the document.
    pub name: String,
    pub path: String,
    #[ts(type = "number")]
    pub bytes: u64,
    pub pages: u32,
    /// The preview image's size in pixels.
    pub width: u32,
    pub height: u32,
    /// The first page as a `data:image/png;base64,…` URL.
    pub image: String,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct PrintReport {
    pub path: String,
    #[ts(type = "number")]
    pub bytes: u64,
}
