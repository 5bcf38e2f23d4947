//! `#[tauri::command]` adapters. Each locks the session on a blocking thread (file copies and
//! SQLite waits never run on the UI's thread) and returns the core's result unchanged.

use std::path::PathBuf;

use baosong::api::{ApiError, PathCheck, Session, Startup};
use baosong::campaign::{self, Campaign};
use baosong::dashboard::Dashboard;
use baosong::library::recent::RecentLibrary;
use baosong::library::{Entry, EntryFilter, EntryInput, LibraryInfo, OfficeInput, Review};
use chrono::NaiveDate;
use tauri::State;

use super::SharedSession;

type Result<T> = std::result::Result<T, ApiError>;

fn internal(message: impl Into<String>) -> ApiError {
    ApiError {
        code: "app.internal".into(),
        message: message.into(),
        fields: Vec::new(),
    }
}

/// Runs `f` with the session on a blocking thread.
async fn with_session<T, F>(state: State<'_, SharedSession>, f: F) -> Result<T>
where
    T: Send + 'static,
    F: FnOnce(&mut Session) -> Result<T> + Send + 'static,
{
    let shared = state.inner().clone();
    tauri::async_runtime::spawn_blocking(move || {
        // A panic while holding the lock must not lock the clerk out for the rest of the day.
        let mut session = shared
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        f(&mut session)
    })
    .await
    .map_err(|e| internal(format!("后台任务意外中止：{e}。请重试。")))?
}

fn paths(files: Vec<String>) -> Vec<PathBuf> {
    files.into_iter().map(PathBuf::from).collect()
}

#[tauri::command]
pub async fn startup(state: State<'_, SharedSession>) -> Result<Startup> {
    with_session(state, |s| Ok(s.startup())).await
}

#[tauri::command]
pub async fn pick_folder(window: tauri::Window, title: String) -> Result<Option<String>> {
    let picked = rfd::AsyncFileDialog::new()
        .set_title(title)
        .set_parent(&window)
        .pick_folder()
        .await;
    Ok(picked.map(|f| f.path().display().to_string()))
}

#[tauri::command]
pub async fn pick_files(window: tauri::Window) -> Result<Vec<String>> {
    let picked = rfd::AsyncFileDialog::new()
        .set_title("选择作品文件")
        .add_filter(
            "作品文件",
            &[
                "mp4", "mov", "m4v", "mp3", "m4a", "wav", "flac", "jpg", "jpeg", "png", "doc",
                "docx", "pdf",
            ],
        )
        .add_filter("所有文件", &["*"])
        .set_parent(&window)
        .pick_files()
        .await
        .unwrap_or_default();
    Ok(picked
        .iter()
        .map(|f| f.path().display().to_string())
        .collect())
}

#[tauri::command]
pub async fn create_library(
    state: State<'_, SharedSession>,
    path: String,
    office: OfficeInput,
) -> Result<LibraryInfo> {
    with_session(state, move |s| s.create(&PathBuf::from(path), &office)).await
}

#[tauri::command]
pub async fn open_library(state: State<'_, SharedSession>, path: String) -> Result<LibraryInfo> {
    with_session(state, move |s| s.open(&PathBuf::from(path))).await
}

#[tauri::command]
pub async fn close_library(state: State<'_, SharedSession>) -> Result<()> {
    with_session(state, |s| {
        s.close();
        Ok(())
    })
    .await
}

#[tauri::command]
pub async fn forget_recent(
    state: State<'_, SharedSession>,
    path: String,
) -> Result<Vec<RecentLibrary>> {
    with_session(state, move |s| Ok(s.forget_recent(&path))).await
}

#[tauri::command]
pub async fn campaign(state: State<'_, SharedSession>) -> Result<Campaign> {
    with_session(state, |s| s.campaign()).await
}

#[tauri::command]
pub fn campaign_by_id(id: String) -> Result<Campaign> {
    Ok(campaign::embedded_by_id(&id)?)
}

#[tauri::command]
pub async fn update_office(
    state: State<'_, SharedSession>,
    office: OfficeInput,
) -> Result<LibraryInfo> {
    with_session(state, move |s| s.update_office(&office)).await
}

#[tauri::command]
pub async fn list_entries(
    state: State<'_, SharedSession>,
    filter: EntryFilter,
) -> Result<Vec<Entry>> {
    with_session(state, move |s| s.entries(&filter)).await
}

#[tauri::command]
pub async fn get_entry(state: State<'_, SharedSession>, id: i64) -> Result<Entry> {
    with_session(state, move |s| s.entry(id)).await
}

#[tauri::command]
pub async fn add_entry(
    state: State<'_, SharedSession>,
    input: EntryInput,
    files: Vec<String>,
) -> Result<Entry> {
    with_session(state, move |s| s.add_entry(&input, &paths(files))).await
}

#[tauri::command]
pub async fn update_entry(
    state: State<'_, SharedSession>,
    id: i64,
    input: EntryInput,
) -> Result<Entry> {
    with_session(state, move |s| s.update_entry(id, &input)).await
}

#[tauri::command]
pub async fn attach_files(
    state: State<'_, SharedSession>,
    id: i64,
    files: Vec<String>,
) -> Result<Entry> {
    with_session(state, move |s| s.attach_files(id, &paths(files))).await
}

#[tauri::command]
pub async fn delete_entry(state: State<'_, SharedSession>, id: i64) -> Result<()> {
    with_session(state, move |s| s.delete_entry(id)).await
}

#[tauri::command]
pub async fn restore_entry(state: State<'_, SharedSession>, id: i64) -> Result<Entry> {
    with_session(state, move |s| s.restore_entry(id)).await
}

#[tauri::command]
pub async fn check_files(
    state: State<'_, SharedSession>,
    category: Option<String>,
    files: Vec<String>,
) -> Result<Vec<PathCheck>> {
    with_session(state, move |s| {
        s.check_paths(category.as_deref(), &paths(files))
    })
    .await
}

#[tauri::command]
pub async fn set_review(state: State<'_, SharedSession>, id: i64, review: Review) -> Result<Entry> {
    with_session(state, move |s| s.set_review(id, &review)).await
}

#[tauri::command]
pub async fn dashboard(state: State<'_, SharedSession>) -> Result<Dashboard> {
    with_session(state, |s| s.dashboard(baosong::api::clock()?)).await
}

#[tauri::command]
pub async fn switch_campaign(
    state: State<'_, SharedSession>,
    campaign_id: String,
    unit_type: Option<String>,
) -> Result<LibraryInfo> {
    with_session(state, move |s| {
        s.switch_campaign(&campaign_id, unit_type.as_deref())
    })
    .await
}

#[tauri::command]
pub async fn mark_deadline(
    state: State<'_, SharedSession>,
    deadline_id: String,
    done_on: Option<NaiveDate>,
) -> Result<Dashboard> {
    with_session(state, move |s| {
        s.mark_deadline(&deadline_id, done_on)?;
        s.dashboard(baosong::api::clock()?)
    })
    .await
}
