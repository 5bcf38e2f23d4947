//! The library's trash: stored files the app took out of the store, kept in
//! `trash/<day>/files/<shard>/<sha256>.<ext>` — the same relative path they had, under the day
//! they were moved — so they can be listed and put back. Nothing here deletes: the trash is
//! kept until the clerk empties it herself (at least 30 days, by the campaign's rhythm a season).
//! A move is a rename inside the library folder, so it is instant and cannot half-happen.

use std::fs;
use std::path::Path;

use serde::Serialize;
use ts_rs::TS;

use crate::safe_path;

pub const TRASH_DIR: &str = "trash";

/// One file in the trash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct TrashItem {
    /// The day it was moved (YYYY-MM-DD), which is also its folder in `trash/`.
    pub day: String,
    /// Where it lived in the store, and returns to.
    pub stored_path: String,
    #[ts(type = "number")]
    pub size: u64,
}

/// Moves the stored file `stored_path` to today's trash folder. Ok(false) when it is not there
/// (or is not a regular file: a link is never moved or followed).
pub fn put(root: &Path, stored_path: &str, today: &str) -> std::io::Result<bool> {
    let from = match super::store::resolve(root, stored_path) {
        Ok(p) => p,
        Err(_) => return Ok(false),
    };
    if !fs::symlink_metadata(&from).is_ok_and(|m| m.is_file()) {
        return Ok(false);
    }
    let rel = format!("{TRASH_DIR}/{today}/{stored_path}");
    let to = safe_path::join_inside(root, &rel).map_err(std::io::Error::other)?;
    if let Some(dir) = to.parent() {
        fs::create_dir_all(dir)?;
    }
    if to.exists() {
        // The same content was trashed earlier today; the store's copy is identical. Keep both
        // rather than delete: the newer copy goes beside it.
        let beside = to.with_extension(format!(
            "{}.{}",
            to.extension().and_then(|e| e.to_str()).unwrap_or("bin"),
            chrono::Utc::now().timestamp_millis()
        ));
        fs::rename(&from, beside)?;
    } else {
        fs::rename(&from, &to)?;
    }
    Ok(true)
}

/// Everything in the trash, oldest day first.
pub fn list(root: &Path) -> Vec<TrashItem> {
    let mut out = Vec::new();
    let trash = root.join(TRASH_DIR);
    if safe_path::is_link(&trash) {
        return out;
    }
    for day in read_dirs(&trash) {
        let Some(day_name) = day.file_name().and_then(|n| n.to_str()).map(str::to_owned) else {
            continue;
        };
        for shard in read_dirs(&day.join("files")) {
            let Some(shard_name) = shard
                .file_name()
                .and_then(|n| n.to_str())
                .map(str::to_owned)
            else {
                continue;
            };
            for item in fs::read_dir(&shard).into_iter().flatten().flatten() {
                let Ok(meta) = item.metadata() else { continue };
                if !item.file_type().is_ok_and(|t| t.is_file()) {
                    continue;
                }
                let name = item.file_name().to_string_lossy().into_owned();
                let stored_path = format!("files/{shard_name}/{name}");
                if safe_path::check_stored_path(&stored_path).is_ok() {
                    out.push(TrashItem {
                        day: day_name.clone(),
                        stored_path,
                        size: meta.len(),
                    });
                }
            }
        }
    }
    out.sort_by(|a, b| (&a.day, &a.stored_path).cmp(&(&b.day, &b.stored_path)));
    out
}

/// Puts a trashed file back where it was in the store. Ok(false) when the store already has it
/// (the trashed copy then stays where it is) or the trash does not.
pub fn restore(root: &Path, item: &TrashItem) -> std::io::Result<bool> {
    safe_path::check_stored_path(&item.stored_path).map_err(std::io::Error::other)?;
    safe_path::check_name(&item.day).map_err(std::io::Error::other)?;
    let from = safe_path::join_inside(
        root,
        &format!("{TRASH_DIR}/{}/{}", item.day, item.stored_path),
    )
    .map_err(std::io::Error::other)?;
    let to = super::store::resolve(root, &item.stored_path).map_err(std::io::Error::other)?;
    if !fs::symlink_metadata(&from).is_ok_and(|m| m.is_file()) || fs::symlink_metadata(&to).is_ok()
    {
        return Ok(false);
    }
    if let Some(dir) = to.parent() {
        fs::create_dir_all(dir)?;
    }
    fs::rename(from, to)?;
    Ok(true)
}

/// The sub-folders of `dir` that are real folders (links are skipped), sorted.
fn read_dirs(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out: Vec<_> = fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| e.path())
        .collect();
    out.sort();
    out
}
