//! 市级收件 in the window: the receiving library, batches taken in, the whole city.

use std::path::PathBuf;

use baosong::api::{FolderReceived, MailSummary, ReplyDraft, ReplyQueued};
use baosong::city::reply::ReplyKind;
use baosong::city::{CityStatus, ReceivedWork};
use baosong::library::LibraryInfo;
use baosong::office::OfficeInput;
use tauri::State;

use super::SharedSession;
use super::shared::{Result, with_session};

#[tauri::command]
pub async fn create_city_library(
    state: State<'_, SharedSession>,
    path: String,
    office: OfficeInput,
) -> Result<LibraryInfo> {
    with_session(state, move |s| s.create_city(&PathBuf::from(path), &office)).await
}

#[tauri::command]
pub async fn city_status(state: State<'_, SharedSession>) -> Result<CityStatus> {
    with_session(state, |s| s.city_status(baosong::api::clock()?)).await
}

#[tauri::command]
pub async fn city_works(
    state: State<'_, SharedSession>,
    office: Option<String>,
    category: Option<String>,
) -> Result<Vec<ReceivedWork>> {
    with_session(state, move |s| {
        s.city_works(office.as_deref(), category.as_deref())
    })
    .await
}

/// 从文件夹收入: one exported package folder (a stick).
#[tauri::command]
pub async fn receive_folder(
    state: State<'_, SharedSession>,
    path: String,
) -> Result<FolderReceived> {
    with_session(state, move |s| s.receive_folder(&PathBuf::from(path))).await
}

/// 发送回执 / 发送补正通知's confirmation: the words of the answer to received batch
/// `batch_id` and where it goes (or the message already queued).
#[tauri::command]
pub async fn city_reply_draft(
    state: State<'_, SharedSession>,
    batch_id: i64,
    kind: ReplyKind,
) -> Result<ReplyDraft> {
    with_session(state, move |s| s.city_reply_draft(batch_id, kind)).await
}

/// 发送回执 / 发送补正通知: queued in the outbox once per batch version and kind, to `to` or
/// else the batch's sender; the background sender sends it.
#[tauri::command]
pub async fn city_reply(
    state: State<'_, SharedSession>,
    batch_id: i64,
    kind: ReplyKind,
    to: Option<String>,
) -> Result<ReplyQueued> {
    with_session(state, move |s| s.city_reply(batch_id, kind, to.as_deref())).await
}

/// 收取邮件: the inbox and junk folder over IMAP, read-only.
#[tauri::command]
pub async fn receive_imap(state: State<'_, SharedSession>) -> Result<MailSummary> {
    with_session(state, |s| s.receive_imap_summary()).await
}
