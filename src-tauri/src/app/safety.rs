//! The window's 资料库安全: backups and restore, 未编目文件, the trash and the 体检 — thin
//! adapters over `api::Session` (see `api/safety.rs`).

use std::path::PathBuf;

use baosong::api;
use baosong::library::{self, BackupInfo, DoctorReport, ImportItem, RestoreReport, UnlistedFile};
use tauri::State;

use super::SharedSession;
use super::shared::{Result, with_session};

#[tauri::command]
pub async fn list_backups(state: State<'_, SharedSession>) -> Result<Vec<BackupInfo>> {
    with_session(state, |s| s.backups()).await
}

/// 立即备份, optionally also to a second folder (a stick).
#[tauri::command]
pub async fn create_backup(
    state: State<'_, SharedSession>,
    copy_to: Option<String>,
) -> Result<BackupInfo> {
    with_session(state, move |s| {
        s.backup(copy_to.map(PathBuf::from).as_deref())
    })
    .await
}

#[tauri::command]
pub async fn restore_backup(state: State<'_, SharedSession>, id: String) -> Result<RestoreReport> {
    with_session(state, move |s| s.restore_backup(&id)).await
}

#[tauri::command]
pub async fn unlisted_files(state: State<'_, SharedSession>) -> Result<Vec<UnlistedFile>> {
    with_session(state, |s| s.unlisted_files()).await
}

/// 重新登记: one entry per unlisted file.
#[tauri::command]
pub async fn adopt_unlisted(
    state: State<'_, SharedSession>,
    paths: Vec<String>,
    category: String,
) -> Result<Vec<ImportItem>> {
    with_session(state, move |s| s.adopt_unlisted(&paths, &category)).await
}

#[tauri::command]
pub async fn trash_unlisted(state: State<'_, SharedSession>, paths: Vec<String>) -> Result<u32> {
    with_session(state, move |s| s.trash_unlisted(&paths)).await
}

#[tauri::command]
pub async fn run_doctor(
    state: State<'_, SharedSession>,
    full: bool,
    repair: bool,
) -> Result<DoctorReport> {
    with_session(state, move |s| s.doctor(full, repair)).await
}

/// The backups of a folder whose catalog is missing (no library is open then).
#[tauri::command]
pub async fn backups_in(path: String) -> Result<Vec<BackupInfo>> {
    Ok(library::backups_in(&PathBuf::from(path)))
}

/// Puts a backup in place of a missing catalog, then opens the library.
#[tauri::command]
pub async fn restore_missing_catalog(
    state: State<'_, SharedSession>,
    path: String,
    id: String,
) -> Result<library::LibraryInfo> {
    with_session(state, move |s| {
        let dir = PathBuf::from(path);
        api::restore_missing_catalog(&dir, &id)?;
        s.open(&dir)
    })
    .await
}
