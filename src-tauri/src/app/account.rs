//! 发件邮箱: the sending account, its write-only 授权码 and 测试连接.

use baosong::account::AccountInput;
use baosong::api::AccountView;
use tauri::State;

use super::shared::{Result, blocking, with_session};
use super::{SharedJobs, SharedSession};

#[tauri::command]
pub async fn account_view(state: State<'_, SharedSession>) -> Result<AccountView> {
    with_session(state, |s| s.account_view()).await
}

/// Saves the sending account; `secret` (the 授权码) is write-only: no command returns it.
#[tauri::command]
pub async fn set_account(
    state: State<'_, SharedSession>,
    input: AccountInput,
    secret: Option<String>,
) -> Result<AccountView> {
    with_session(state, move |s| s.set_account(&input, secret.as_deref())).await
}

/// 测试连接, on its own connection to the library (a slow server must not freeze the window).
#[tauri::command]
pub async fn test_account(
    state: State<'_, SharedSession>,
    jobs: State<'_, SharedJobs>,
) -> Result<AccountView> {
    let jobs = jobs.inner().clone();
    let job = with_session(state, move |s| s.start_job(&jobs)).await?;
    blocking(move || baosong::api::test_account(&job)).await
}
