//! 市级收件 in the window: the receiving library, batches taken in, the whole city.

use std::path::PathBuf;

use baosong::api::{CityExport, FolderReceived, MailSummary, ReplyDraft, ReplyQueued};
use baosong::city::reply::ReplyKind;
use baosong::city::{CityStatus, ReceivedWork};
use baosong::library::LibraryInfo;
use baosong::office::OfficeInput;
use baosong::progress::Progress;
use tauri::State;
use tauri::ipc::Channel;

use super::shared::{Result, blocking, to_window, with_session};
use super::{SharedJobs, SharedSession};

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

/// 收取邮件: the inbox and junk folder over IMAP, read-only, as a job on its own connection
/// (the window stays free), its progress message by message on `on_progress`.
#[tauri::command]
pub async fn receive_imap(
    state: State<'_, SharedSession>,
    jobs: State<'_, SharedJobs>,
    job: u64,
    on_progress: Channel<Progress>,
) -> Result<MailSummary> {
    let jobs = jobs.inner().clone();
    let job = with_session(state, move |s| s.start_job_as(&jobs, job)).await?;
    blocking(move || {
        let mut send = to_window(on_progress);
        baosong::api::receive_imap(&job, &mut send)
    })
    .await
}

/// 导出全市汇总: the 全市汇总表 (xlsx and PDF) and a 全市作品小样 per category into the folder
/// `dest`, as the job `job` (the contact sheets may first have to make thumbnails), with
/// progress on `on_progress`; dated by the window's clock.
#[tauri::command]
pub async fn export_city(
    state: State<'_, SharedSession>,
    jobs: State<'_, SharedJobs>,
    job: u64,
    dest: String,
    on_progress: Channel<Progress>,
) -> Result<CityExport> {
    let jobs = jobs.inner().clone();
    let (job, now) = with_session(state, move |s| {
        Ok((s.start_job_as(&jobs, job)?, baosong::api::clock()?))
    })
    .await?;
    blocking(move || {
        let mut send = to_window(on_progress);
        baosong::api::export_city(&job, &PathBuf::from(dest), now, &mut send)
    })
    .await
}
