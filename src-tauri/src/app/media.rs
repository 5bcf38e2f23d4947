//! A stored work in the window: its thumbnail (through the asset protocol), its bytes for
//! the window's player, and handing it to the system's own player.

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
    let source = with_session(state, move |s| s.thumbnail_source(file_id)).await?;
    thumbnail_of(&app, source).await
}

/// Makes (or finds) the thumbnail of a stored file off the session, with its library allowed
/// in the asset scope.
async fn thumbnail_of(
    app: &tauri::AppHandle,
    (root, sha, stored): (std::path::PathBuf, String, std::path::PathBuf),
) -> Result<ThumbInfo> {
    allow_library(app, &root);
    blocking(move || Ok(baosong::library::thumbnail_at(&root, &sha, &stored))).await
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

/// A received file's thumbnail (市级收件), made once like a district's.
#[tauri::command]
pub async fn received_thumbnail(
    app: tauri::AppHandle,
    state: State<'_, SharedSession>,
    file_id: i64,
) -> Result<ThumbInfo> {
    let source = with_session(state, move |s| s.received_file_source(file_id)).await?;
    thumbnail_of(&app, source).await
}

/// A stored work's bytes for the window's player (WebKitGTK cannot play from the asset
/// protocol; the window plays them from memory), up to `PLAY_IN_WINDOW_MAX`.
#[tauri::command]
pub async fn media_bytes(
    state: State<'_, SharedSession>,
    file_id: i64,
) -> Result<tauri::ipc::Response> {
    let (_, _, stored) = with_session(state, move |s| s.thumbnail_source(file_id)).await?;
    bytes_for_player(stored).await
}

/// A received file's verified bytes for the window's player.
#[tauri::command]
pub async fn received_media_bytes(
    state: State<'_, SharedSession>,
    file_id: i64,
) -> Result<tauri::ipc::Response> {
    let (_, _, stored) = with_session(state, move |s| s.received_file_source(file_id)).await?;
    bytes_for_player(stored).await
}

async fn bytes_for_player(stored: std::path::PathBuf) -> Result<tauri::ipc::Response> {
    blocking(move || baosong::api::playable_bytes(&stored).map(tauri::ipc::Response::new)).await
}
