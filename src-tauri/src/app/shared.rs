//! What every command file shares: the error type the window receives, and the two ways a
//! command leaves the UI's thread — with the session for a moment, or without it for long work.

use std::path::{Path, PathBuf};

use baosong::api::{ApiError, Session};
use baosong::progress::{Progress, REPORT_EVERY, throttled};
use tauri::State;
use tauri::ipc::Channel;

use super::SharedSession;

pub(super) type Result<T> = std::result::Result<T, ApiError>;

pub(super) fn internal(message: impl Into<String>) -> ApiError {
    error("app.internal", message)
}

fn error(code: &str, message: impl Into<String>) -> ApiError {
    ApiError::new(code, message)
}

/// Hands `path` to the system's own program (player, PDF viewer, file manager); `why` says in
/// Chinese what could not be opened and where the clerk finds it herself (`{e}`: the reason).
pub(super) fn open_with_system(
    path: &Path,
    why: impl FnOnce(&std::io::Error) -> String,
) -> Result<()> {
    open::that_detached(path).map_err(|e| error("file.open", why(&e)))
}

/// Runs `f` with the session on a blocking thread.
pub(super) async fn with_session<T, F>(state: State<'_, SharedSession>, f: F) -> Result<T>
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
        logged(f(&mut session))
    })
    .await
    .map_err(|e| internal(format!("后台任务意外中止：{e}。请重试。")))?
}

/// Runs long work on a blocking thread, without the session.
pub(super) async fn blocking<T, F>(f: F) -> Result<T>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T> + Send + 'static,
{
    tauri::async_runtime::spawn_blocking(move || logged(f()))
        .await
        .map_err(|e| internal(format!("后台任务意外中止：{e}。请重试。")))?
}

/// An error the window is about to show goes into the log with its code first.
fn logged<T>(result: Result<T>) -> Result<T> {
    if let Err(e) = &result {
        if e.input {
            tracing::info!(code = %e.code, "refused: {}", e.message);
        } else {
            tracing::warn!(code = %e.code, "failed: {}", e.message);
        }
    }
    result
}

/// A job's progress to the window at most ten times a second (see
/// [`baosong::progress::throttled`]). A closed window cannot take it; the job goes on.
pub(super) fn to_window(channel: Channel<Progress>) -> impl FnMut(&Progress) {
    throttled(REPORT_EVERY, move |p: &Progress| {
        let _ = channel.send(p.clone());
    })
}

pub(super) fn paths(files: Vec<String>) -> Vec<PathBuf> {
    files.into_iter().map(PathBuf::from).collect()
}
