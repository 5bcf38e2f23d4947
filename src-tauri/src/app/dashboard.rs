//! 概览: quotas, deadlines and blockers at the clock's instant, and the 已报送 marks.

use baosong::dashboard::Dashboard;
use chrono::NaiveDate;
use tauri::State;

use super::SharedSession;
use super::shared::{Result, with_session};

#[tauri::command]
pub async fn dashboard(state: State<'_, SharedSession>) -> Result<Dashboard> {
    with_session(state, |s| s.dashboard(baosong::api::clock()?)).await
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
