//! 发件箱: sending a batch, the outbox's messages and their resolutions, and the background
//! sender's thread (its policy — when to look, when to send — is `baosong::mail::worker`).

use baosong::api::SendReport;
use baosong::library::{OutboxHold, OutboxMessage, Resolution};
use baosong::mail::send::FlushReport;
use baosong::progress::{Progress, REPORT_EVERY, throttled};
use tauri::State;
use tauri::ipc::Channel;

use super::events;
use super::shared::{Result, blocking, open_with_system, to_window, with_session};
use super::{SharedJobs, SharedSession};

/// Queues batch `id` and sends it, reporting each message's bytes on `on_progress`.
#[tauri::command]
pub async fn send_batch(
    state: State<'_, SharedSession>,
    jobs: State<'_, SharedJobs>,
    job: u64,
    id: i64,
    on_progress: Channel<Progress>,
) -> Result<SendReport> {
    let jobs = jobs.inner().clone();
    let job = with_session(state, move |s| s.start_job_as(&jobs, job)).await?;
    blocking(move || {
        let mut send = to_window(on_progress);
        baosong::api::send_batch(&job, id, None, None, &Default::default(), &mut send)
    })
    .await
}

#[tauri::command]
pub async fn list_outbox(state: State<'_, SharedSession>) -> Result<Vec<OutboxMessage>> {
    with_session(state, |s| s.outbox()).await
}

/// Why the outbox does not send by itself (a library opened elsewhere, or paused), if so.
#[tauri::command]
pub async fn outbox_hold(state: State<'_, SharedSession>) -> Result<Option<OutboxHold>> {
    with_session(state, |s| s.outbox_hold()).await
}

/// 继续发送 (`resume`) or 暂停自动发送.
#[tauri::command]
pub async fn set_outbox_paused(
    state: State<'_, SharedSession>,
    paused: bool,
) -> Result<Option<OutboxHold>> {
    with_session(state, move |s| {
        if paused {
            s.pause_outbox()?;
        } else {
            s.resume_outbox()?;
        }
        s.outbox_hold()
    })
    .await
}

/// 立即重试: sends what is waiting now.
#[tauri::command]
pub async fn flush_outbox(
    state: State<'_, SharedSession>,
    jobs: State<'_, SharedJobs>,
    job: u64,
    on_progress: Channel<Progress>,
) -> Result<FlushReport> {
    let jobs = jobs.inner().clone();
    let job = with_session(state, move |s| s.start_job_as(&jobs, job)).await?;
    blocking(move || {
        let mut send = to_window(on_progress);
        baosong::api::flush_outbox(&job, &mut send)
    })
    .await
}

/// 打开附件文件夹: a message's attachments in the file manager, for sending it by hand
/// through webmail where the office network blocks SMTP.
#[tauri::command]
pub async fn open_message_folder(state: State<'_, SharedSession>, id: i64) -> Result<()> {
    let folder = with_session(state, move |s| {
        let lib = s.library()?;
        let m = lib.outbox_message(id)?;
        Ok(m.folder_path(lib.root())?)
    })
    .await?;
    open_with_system(&folder, |e| {
        format!("无法打开文件夹：{e}。附件在资料库中：{}", folder.display())
    })
}

/// 调小后重新计划: the batch's messages planned again, smaller (after a 552).
#[tauri::command]
pub async fn replan_batch(
    state: State<'_, SharedSession>,
    jobs: State<'_, SharedJobs>,
    job: u64,
    id: i64,
    max_message_bytes: Option<u64>,
) -> Result<Vec<OutboxMessage>> {
    let jobs = jobs.inner().clone();
    let job = with_session(state, move |s| s.start_job_as(&jobs, job)).await?;
    blocking(move || baosong::api::replan_batch(&job, id, max_message_bytes)).await
}

#[tauri::command]
pub async fn resolve_message(
    state: State<'_, SharedSession>,
    id: i64,
    how: Resolution,
) -> Result<OutboxMessage> {
    with_session(state, move |s| s.resolve_message(id, how)).await
}

/// Sends what is due in the background: the outbox goes out when the line is back, without
/// the clerk having to press anything. Every minute it looks (on its own connection, under
/// the library's send lock, so it never races the window's own sending); when it sends and
/// what holds it back is `mail::worker`'s to decide.
pub fn start_outbox_worker(session: SharedSession, app: tauri::AppHandle) {
    std::thread::spawn(move || {
        let jobs = baosong::jobs::Jobs::new();
        let every =
            baosong::mail::worker::every(std::env::var("BAOSONG_OUTBOX_EVERY_S").ok().as_deref());
        loop {
            std::thread::sleep(every);
            let job = {
                let guard = session.lock().unwrap_or_else(|p| p.into_inner());
                guard.start_job(&jobs)
            };
            let Ok(job) = job else { continue };
            let Ok(mut lib) = job.open() else { continue };
            let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
            // The 发件箱 shows the background send live, and looks again when it ends.
            let mut report = throttled(REPORT_EVERY, |p: &Progress| {
                events::OUTBOX_PROGRESS.emit(&app, p);
            });
            // Failures are recorded in the outbox, where the window shows them.
            let sent = baosong::mail::worker::round(
                &mut lib,
                &now,
                &baosong::api::secrets(),
                &mut report,
                &job.cancel,
            );
            if sent.is_some() {
                events::OUTBOX_CHANGED.emit(&app, &());
            }
        }
    });
}
