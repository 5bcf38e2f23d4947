//! Taking in a season's files at once: single files, many files or whole folders.
//!
//! Each file is copied into the store and hashed in the same read (see `store`), then gets its
//! own transaction: the entry, its file row and the audit row commit together after the file
//! has landed, so an import killed at any moment leaves whole entries and nothing half-made
//! (the next open sweeps what it left in the store). Content already in the library is
//! recognised by its SHA-256 whatever its name, and the caller's [`OnDuplicate`] decides what
//! happens; each decision is reported with the entry that already holds the content.
//!
//! Free space is checked before the first byte is copied. An unreadable file or a stick pulled
//! mid-copy fails that file only; everything imported before it stays.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::entries::{insert_entry, insert_file};
use super::store::{self, StoredFile};
use super::{Library, LibraryError, audit, now};
use crate::checks::Verdict;
use crate::entry::EntryFields;
use crate::fsx::human_size;
use crate::fsx::io_reason;
use crate::progress::Progress;
use crate::validate::{self, FieldError};

/// What to do with a file whose content the library already holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "kebab-case")]
pub enum OnDuplicate {
    /// Leave it out; the report names the entry that has it.
    #[default]
    Skip,
    /// Record it as another source of the file already held (另经…收到), no new entry.
    Link,
    /// Make a separate entry anyway (two units really sent the same film).
    Keep,
}

/// The settings of one import.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct ImportOptions {
    /// 子项目 id every new entry gets.
    pub category: String,
    /// 推荐单位 every new entry gets (may be empty).
    pub unit: String,
    pub on_duplicate: OnDuplicate,
}

/// What happened to one file.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum ImportOutcome {
    /// A new entry.
    Added {
        #[ts(type = "number")]
        entry_id: i64,
        /// None when the entry committed but could not be read back to judge it: the file is
        /// imported all the same, and the entry shows its verdict when opened.
        verdict: Option<Verdict>,
    },
    /// The content is already in entry `existing_entry_id`; `action` says what was done.
    Duplicate {
        #[ts(type = "number")]
        existing_entry_id: i64,
        existing_title: String,
        action: OnDuplicate,
        /// The new entry, when the file was kept as its own entry.
        #[ts(type = "number | null")]
        entry_id: Option<i64>,
    },
    /// Not imported; why, in Chinese.
    Failed { reason: String },
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct ImportItem {
    pub path: String,
    /// Empty when the file could not be read.
    pub sha256: String,
    #[ts(type = "number")]
    pub size: u64,
    pub outcome: ImportOutcome,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, TS)]
pub struct ImportReport {
    pub items: Vec<ImportItem>,
    pub added: u32,
    pub duplicates: u32,
    pub failed: u32,
    /// Stopped by the clerk; `items` holds what was done before.
    pub cancelled: bool,
}

/// Files the store should never take in: system litter and Office lock files.
fn is_litter(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    name.starts_with('.')
        || name.starts_with("~$")
        || matches!(name.as_str(), "thumbs.db" | "desktop.ini" | "__macosx")
}

/// The files under `paths`, folders walked recursively, in a stable order. Unreadable folders
/// become failed items rather than stopping the walk.
pub fn collect_files(paths: &[PathBuf]) -> (Vec<(PathBuf, u64)>, Vec<ImportItem>) {
    fn walk(path: &Path, files: &mut Vec<(PathBuf, u64)>, failed: &mut Vec<ImportItem>) {
        // Nothing is followed: a link inside a folder can point back up (and loop forever) or
        // out of the stick; a pipe or a device never ends. Each is named in the report.
        match std::fs::symlink_metadata(path) {
            Ok(m) if m.file_type().is_symlink() => failed.push(failed_item(
                path,
                "这是一个链接（快捷方式），为安全起见未跟随；请直接选择它指向的文件".into(),
            )),
            Ok(m) if m.is_dir() => match std::fs::read_dir(path) {
                Ok(list) => {
                    let mut children: Vec<PathBuf> = list.flatten().map(|e| e.path()).collect();
                    children.sort();
                    for child in children.iter().filter(|c| !is_litter(c)) {
                        walk(child, files, failed);
                    }
                }
                Err(e) => failed.push(failed_item(
                    path,
                    format!("无法打开文件夹：{}", io_reason(&e)),
                )),
            },
            Ok(m) if m.is_file() => files.push((path.to_path_buf(), m.len())),
            Ok(_) => failed.push(failed_item(path, store::NOT_A_FILE.into())),
            Err(e) => failed.push(failed_item(path, format!("无法读取：{}", io_reason(&e)))),
        }
    }
    let mut files = Vec::new();
    let mut failed = Vec::new();
    for p in paths {
        walk(p, &mut files, &mut failed);
    }
    // The same file named twice (a folder and a file inside it) is taken once.
    let mut seen = std::collections::HashSet::new();
    files.retain(|(p, _)| seen.insert(p.clone()));
    (files, failed)
}

fn failed_item(path: &Path, reason: String) -> ImportItem {
    ImportItem {
        path: path.display().to_string(),
        sha256: String::new(),
        size: 0,
        outcome: ImportOutcome::Failed { reason },
    }
}

/// The title a file gives its new entry: its name without the extension.
fn title_of(path: &Path) -> String {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().trim().to_owned())
        .unwrap_or_default();
    let title: String = stem.chars().take(100).collect();
    if title.is_empty() {
        "未命名作品".to_owned()
    } else {
        title
    }
}

/// Room kept free on the disk beyond the files themselves (the catalog, its journal).
const SPARE_BYTES: u64 = 32 * 1024 * 1024;

/// Adds the speed and the time left to an import's [`Progress`]; every report goes out (the
/// faces thin them with [`crate::progress::throttled`]).
struct Meter<'a> {
    progress: Progress,
    started: Instant,
    send: &'a mut dyn FnMut(&Progress),
}

impl Meter<'_> {
    fn update(&mut self) {
        let elapsed = self.started.elapsed().as_secs_f64();
        let p = &mut self.progress;
        if elapsed > 0.2 && p.done_bytes > 0 {
            let speed = p.done_bytes as f64 / elapsed;
            p.bytes_per_second = Some(speed);
            p.seconds_left = Some(p.total_bytes.saturating_sub(p.done_bytes) as f64 / speed);
        }
        (self.send)(&self.progress);
    }
}

impl Library {
    /// Imports every file under `paths` as a new entry of `options.category`; see the module
    /// documentation. `progress` is called as bytes are copied; setting `cancel` stops the
    /// import between chunks (the file being copied is dropped, earlier ones stay).
    pub fn import_files(
        &mut self,
        paths: &[PathBuf],
        options: &ImportOptions,
        progress: &mut dyn FnMut(&Progress),
        cancel: &AtomicBool,
    ) -> Result<ImportReport, LibraryError> {
        let campaign = self.campaign()?;
        let mut errors = Vec::new();
        let category = options.category.trim();
        if campaign.category(category).is_none() {
            errors.push(FieldError::new(
                "category",
                format!("请选择作品类别，可选：{}", campaign.category_choices()),
            ));
        }
        let unit = validate::optional(&mut errors, "unit", "推荐单位", &options.unit, 60);
        if !errors.is_empty() {
            return Err(LibraryError::Invalid(errors));
        }

        let (files, failed) = collect_files(paths);
        let bytes_total: u64 = files.iter().map(|(_, size)| size).sum();
        if let Ok(have) = fs4::available_space(&self.root)
            && have < bytes_total.saturating_add(SPARE_BYTES)
        {
            return Err(LibraryError::DiskFull {
                need: human_size(bytes_total),
                have: human_size(have),
            });
        }

        let mut report = ImportReport {
            failed: failed.len() as u32,
            items: failed,
            ..ImportReport::default()
        };
        let mut meter = Meter {
            progress: Progress {
                phase: "导入".to_owned(),
                total_files: files.len() as u32,
                total_bytes: bytes_total,
                ..Progress::default()
            },
            started: Instant::now(),
            send: progress,
        };
        let _importing = store::begin_import(&self.root)?;
        for (path, size) in &files {
            if cancel.load(Ordering::Relaxed) {
                report.cancelled = true;
                break;
            }
            meter.progress.current = path.display().to_string();
            meter.update();
            let before = meter.progress.done_bytes;
            let stored = store::import_with(&self.root, path, &mut |n| {
                meter.progress.done_bytes += n;
                meter.update();
                !cancel.load(Ordering::Relaxed)
            });
            // Count the file's declared size, whatever was read, so the bar ends at 100 %.
            meter.progress.done_bytes = before + size;
            let item = match stored {
                Err(LibraryError::Cancelled) => {
                    report.cancelled = true;
                    break;
                }
                Err(e) => ImportItem {
                    path: path.display().to_string(),
                    sha256: String::new(),
                    size: *size,
                    outcome: ImportOutcome::Failed {
                        reason: e.to_string(),
                    },
                },
                Ok(stored) => {
                    // A catalog error (a long lock by another program) fails this file only;
                    // the report still lists everything done before and after it.
                    let outcome = self
                        .take_in(path, &stored, category, &unit, options.on_duplicate)
                        .unwrap_or_else(|e| ImportOutcome::Failed {
                            reason: e.to_string(),
                        });
                    ImportItem {
                        path: path.display().to_string(),
                        sha256: stored.sha256,
                        size: stored.size,
                        outcome,
                    }
                }
            };
            match item.outcome {
                ImportOutcome::Added { .. } => report.added += 1,
                ImportOutcome::Duplicate { .. } => report.duplicates += 1,
                ImportOutcome::Failed { .. } => report.failed += 1,
            }
            report.items.push(item);
            meter.progress.done_files += 1;
            meter.update();
        }
        Ok(report)
    }

    /// Catalogs one stored file in its own transaction.
    pub(super) fn take_in(
        &mut self,
        source: &Path,
        stored: &StoredFile,
        category: &str,
        unit: &str,
        on_duplicate: OnDuplicate,
    ) -> Result<ImportOutcome, LibraryError> {
        let campaign_id = self.office()?.campaign_id;
        let at = now();
        // IMMEDIATE: the duplicate check and the insert are one step, so the window and the CLI
        // importing the same folder at once cannot both add the same content.
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let existing: Option<(i64, i64, String)> = tx
            .query_row(
                "SELECT f.id, e.id, e.title FROM files f JOIN entries e ON e.id = f.entry_id
                 WHERE f.sha256 = ?1 AND e.deleted_at IS NULL ORDER BY e.id LIMIT 1",
                [&stored.sha256],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        let outcome = match (existing, on_duplicate) {
            (Some((_, entry_id, title)), OnDuplicate::Skip) => ImportOutcome::Duplicate {
                existing_entry_id: entry_id,
                existing_title: title,
                action: OnDuplicate::Skip,
                entry_id: None,
            },
            (Some((file_id, entry_id, title)), OnDuplicate::Link) => {
                let name = source
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                tx.execute(
                    "INSERT INTO file_sources (file_id, original_name, original_path, added_at)
                     VALUES (?1, ?2, ?3, ?4)",
                    params![file_id, name, source.display().to_string(), at],
                )?;
                audit(
                    &tx,
                    self.actor,
                    "file.link",
                    Some(entry_id),
                    &serde_json::json!({"path": source.display().to_string(), "sha256": stored.sha256}),
                )?;
                ImportOutcome::Duplicate {
                    existing_entry_id: entry_id,
                    existing_title: title,
                    action: OnDuplicate::Link,
                    entry_id: None,
                }
            }
            (existing, _) => {
                let input = EntryFields {
                    category: category.to_owned(),
                    title: title_of(source),
                    unit: unit.to_owned(),
                    ..EntryFields::default()
                };
                let id = insert_entry(&tx, &campaign_id, &input, &at)?;
                insert_file(&tx, id, source, stored, &at)?;
                let mut detail = serde_json::to_value(&input).unwrap_or_default();
                detail["files"] = serde_json::json!([
                    {"path": source.display().to_string(), "sha256": stored.sha256}
                ]);
                audit(&tx, self.actor, "entry.import", Some(id), &detail)?;
                match existing {
                    Some((_, existing_id, title)) => ImportOutcome::Duplicate {
                        existing_entry_id: existing_id,
                        existing_title: title,
                        action: OnDuplicate::Keep,
                        entry_id: Some(id),
                    },
                    None => ImportOutcome::Added {
                        entry_id: id,
                        verdict: None, // judged below, after the commit
                    },
                }
            }
        };
        tx.commit()?;
        // From here on the file is imported, whatever happens: a read-back that fails (a
        // damaged row, a disk error) only leaves its verdict unknown, never reports it failed
        // (the clerk would import it again and get a duplicate).
        Ok(match outcome {
            ImportOutcome::Added { entry_id, .. } => ImportOutcome::Added {
                entry_id,
                verdict: self.entry(entry_id).ok().map(|e| e.verdict),
            },
            other => other,
        })
    }
}
