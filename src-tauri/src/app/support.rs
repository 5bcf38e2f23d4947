//! 关于 and 导出诊断信息 (see `baosong::diagnostics`), and the log folder.

use baosong::diagnostics::{self, About, DiagnosticsReport};
use tauri::State;

use super::SharedSession;
use super::shared::{Result, open_with_system, with_session};

/// 关于: the core's facts and the window's web engine.
#[tauri::command]
pub async fn about(state: State<'_, SharedSession>) -> Result<About> {
    with_session(state, |s| Ok(with_webview(s.about()))).await
}

/// 导出诊断信息: the zip goes to the Documents folder (no dialog to get lost in); the window
/// shows where and offers to open the folder.
#[tauri::command]
pub async fn export_diagnostics(state: State<'_, SharedSession>) -> Result<DiagnosticsReport> {
    with_session(state, |s| {
        let dest = diagnostics::default_folder()
            .join(diagnostics::default_file_name(chrono::Local::now()));
        s.export_diagnostics(&dest, &with_webview(s.about()))
    })
    .await
}

/// 打开日志文件夹.
#[tauri::command]
pub async fn open_log_folder() -> Result<()> {
    let dir = baosong::logs::log_dir();
    let _ = std::fs::create_dir_all(&dir);
    open_with_system(&dir, |e| {
        format!("无法打开日志文件夹（{e}），它在 {}", dir.display())
    })
}

/// 打开所在文件夹 after an export: the folder the zips go to.
#[tauri::command]
pub async fn open_diagnostics_folder() -> Result<()> {
    let dir = diagnostics::default_folder();
    open_with_system(&dir, |e| {
        format!("无法打开文件夹（{e}），诊断信息在 {}", dir.display())
    })
}

fn with_webview(mut about: About) -> About {
    about.webview = tauri::webview_version().ok().map(|v| {
        let engine = if cfg!(windows) {
            "WebView2"
        } else if cfg!(target_os = "macos") {
            "WKWebView"
        } else {
            "WebKitGTK"
        };
        format!("{engine} {v}")
    });
    about
}
