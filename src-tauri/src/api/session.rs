//! The session: one user's working state — which library is open, the recent list, the
//! startup screen — and the library's lifecycle (open, create, close, the office).

use std::path::{Path, PathBuf};

use serde::Serialize;
use ts_rs::TS;

use super::ApiError;
use crate::campaign::{self, Campaign, Level};
use crate::jobs::{Job, Jobs};
use crate::library::{self, Actor, Library, LibraryInfo, recent};
use crate::office::OfficeInput;

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
    pub(super) library: Option<Library>,
    /// Where recent libraries are remembered; `None` remembers nothing (the CLI).
    pub(super) config_dir: Option<PathBuf>,
    pub(super) actor: Actor,
    pub(super) problem: Option<ApiError>,
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
        let lib = Library::open(path, self.actor)
            .map_err(ApiError::from)
            .inspect_err(|e| {
            tracing::warn!(path = %path.display(), code = %e.code, "library not opened: {}", e.message);
        })?;
        let info = lib.info()?;
        log_opened("library opened", &info);
        self.remember(&lib);
        self.library = Some(lib);
        self.problem = None;
        Ok(info)
    }

    pub fn create(&mut self, path: &Path, office: &OfficeInput) -> Result<LibraryInfo, ApiError> {
        let lib = Library::create(path, office, self.actor)?;
        let info = lib.info()?;
        log_opened("library created", &info);
        self.adopt(lib);
        Ok(info)
    }

    /// Makes `lib` the open library and remembers it.
    pub(super) fn adopt(&mut self, lib: Library) {
        self.remember(&lib);
        self.library = Some(lib);
        self.problem = None;
    }

    pub fn close(&mut self) {
        if let Some(lib) = self.library.take() {
            tracing::info!(path = %lib.root().display(), "library closed");
        }
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

    /// The open library's folder (a long import opens its own connection to it, so the
    /// window keeps working while the files are copied).
    pub fn library_root(&self) -> Result<PathBuf, ApiError> {
        Ok(self.library()?.root().to_path_buf())
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

pub(super) fn log_opened(what: &str, info: &LibraryInfo) {
    tracing::info!(
        path = %info.path,
        schema = info.schema_version,
        office = info.office.as_ref().map(|o| o.name.as_str()),
        campaign = info.office.as_ref().map(|o| o.campaign_id.as_str()),
        entries = info.entry_count,
        "{what}"
    );
}
