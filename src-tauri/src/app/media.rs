//! A stored work in the window: its thumbnail, playing it through the asset protocol, and
//! handing it to the system's own player.

use baosong::library::ThumbInfo;
use tauri::{Manager, State};

use super::SharedSession;
use super::shared::{Result, blocking, open_with_system, with_session};

/// Lets the webview load the stored works and thumbnails of the library at `root` through the
/// asset protocol — those two folders only (never the catalog); the scope starts empty.
fn allow_library(app: &tauri::AppHandle, root: &std::path::Path) {
    let scope = app.asset_protocol_scope();
    for sub in ["files", "thumbs"] {
        if let Err(e) = scope.allow_directory(root.join(sub), true) {
            eprintln!("asset scope: {e}");
        }
    }
}

/// A stored file's thumbnail, made (once) outside the session so the list stays responsive.
#[tauri::command]
pub async fn thumbnail(
    app: tauri::AppHandle,
    state: State<'_, SharedSession>,
    file_id: i64,
) -> Result<ThumbInfo> {
    let (root, sha, stored) = with_session(state, move |s| s.thumbnail_source(file_id)).await?;
    allow_library(&app, &root);
    blocking(move || Ok(baosong::library::thumbnail_at(&root, &sha, &stored))).await
}

/// The absolute path of a stored file, for playing it in the window; allows its library in
/// the asset scope.
#[tauri::command]
pub async fn media_path(
    app: tauri::AppHandle,
    state: State<'_, SharedSession>,
    file_id: i64,
) -> Result<String> {
    let (root, _, stored) = with_session(state, move |s| s.thumbnail_source(file_id)).await?;
    allow_library(&app, &root);
    Ok(stored.display().to_string())
}

/// Opens a stored file in the system's own player or viewer — only a known media kind, under
/// its kind's extension; anything else is shown in its folder (see `library::Openable`).
#[tauri::command]
pub async fn open_file(state: State<'_, SharedSession>, file_id: i64) -> Result<()> {
    let stored = match with_session(state, move |s| s.openable(file_id)).await? {
        baosong::library::Openable::File(p) | baosong::library::Openable::Folder(p) => p,
    };
    open_with_system(&stored, |e| {
        format!(
            "无法用系统程序打开此文件：{e}。可在资料库文件夹中找到它：{}",
            stored.display()
        )
    })
}
