//! 作品: the catalog's entries — list, add, edit, review, delete and restore, bulk changes,
//! checking files before they are added, and the Excel export of the list.

use baosong::api::PathCheck;
use baosong::entry::{Entry, EntryFields, EntryFilter, Review};
use baosong::library::BulkChange;
use tauri::State;

use super::SharedSession;
use super::shared::{Result, paths, with_session};

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
    input: EntryFields,
    files: Vec<String>,
) -> Result<Entry> {
    with_session(state, move |s| s.add_entry(&input, &paths(files))).await
}

#[tauri::command]
pub async fn update_entry(
    state: State<'_, SharedSession>,
    id: i64,
    input: EntryFields,
) -> Result<Entry> {
    with_session(state, move |s| s.update_entry(id, &input)).await
}

/// The entry drawer's save: data, new files and review judged together, one transaction.
#[tauri::command]
pub async fn save_entry(
    state: State<'_, SharedSession>,
    id: i64,
    input: EntryFields,
    files: Vec<String>,
    review: Option<Review>,
) -> Result<Entry> {
    with_session(state, move |s| {
        s.save_entry(id, &input, &paths(files), review.as_ref())
    })
    .await
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
pub async fn bulk_update(
    state: State<'_, SharedSession>,
    ids: Vec<i64>,
    change: BulkChange,
) -> Result<usize> {
    with_session(state, move |s| s.bulk_update(&ids, &change)).await
}

/// Asks where to save the catalog and writes it there as .xlsx; None when the clerk cancels.
#[tauri::command]
pub async fn export_xlsx(
    window: tauri::Window,
    state: State<'_, SharedSession>,
    filter: EntryFilter,
) -> Result<Option<usize>> {
    let picked = rfd::AsyncFileDialog::new()
        .set_title("导出作品清单")
        .set_file_name("作品清单.xlsx")
        .add_filter("Excel 工作簿", &["xlsx"])
        .set_parent(&window)
        .save_file()
        .await;
    let Some(file) = picked else {
        return Ok(None);
    };
    let path = file.path().to_path_buf();
    with_session(state, move |s| s.export_xlsx(&path, &filter).map(Some)).await
}
