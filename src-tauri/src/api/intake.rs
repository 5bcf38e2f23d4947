//! Taking works in: a file judged before it is added, files and folders imported as a job,
//! and the 报名表 read and applied.

use std::path::{Path, PathBuf};

use serde::Serialize;
use ts_rs::TS;

use super::{ApiError, Session};
use crate::campaign::{Campaign, Severity};
use crate::checks::{self, FileCheck, Finding};
use crate::library::{self, ImportOptions, ImportReport};
use crate::media::{self, MediaFacts};
use crate::progress::Progress;
use crate::registration::{self, Sheet};

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

impl Session {
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
        let report = self.library_mut()?.import_sheet(path, options)?;
        tracing::info!(
            sheet = %path.display(),
            dry_run = report.dry_run,
            created = report.created,
            skipped = report.skipped.len(),
            "registration sheet imported"
        );
        Ok(report)
    }

    /// Imports files and folders; see [`Library::import_files`].
    pub fn import_files(
        &mut self,
        paths: &[PathBuf],
        options: &ImportOptions,
        progress: &mut dyn FnMut(&Progress),
        cancel: &std::sync::atomic::AtomicBool,
    ) -> Result<ImportReport, ApiError> {
        let report = self
            .library_mut()?
            .import_files(paths, options, progress, cancel)?;
        tracing::info!(
            sources = paths.len(),
            added = report.added,
            duplicates = report.duplicates,
            failed = report.failed,
            cancelled = report.cancelled,
            "files imported"
        );
        for item in &report.items {
            if let library::ImportOutcome::Failed { reason } = &item.outcome {
                tracing::warn!(file = %item.path, "not imported: {reason}");
            }
        }
        Ok(report)
    }
}
