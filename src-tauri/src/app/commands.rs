//! `#[tauri::command]` adapters. Each locks the session on a blocking thread (file copies and
//! SQLite waits never run on the UI's thread) and returns the core's result unchanged.

use baosong::progress::Progress;
use std::path::PathBuf;

use baosong::account::AccountInput;
use baosong::api::{
    AccountView, ApiError, BatchCreated, BatchPlan, PathCheck, SendReport, Session, Startup,
};
use baosong::api::{PrintPreview, PrintReport, PrintRequest};
use baosong::batch::ExportReport;
use baosong::batch::{Batch, BatchRequest, BatchSummary, Draft};
use baosong::campaign::{self, Campaign};
use baosong::dashboard::Dashboard;
use baosong::entry::{Entry, EntryFilter, EntryInput, Review};
use baosong::library::recent::RecentLibrary;
use baosong::library::{
    BulkChange, ImportOptions, ImportProgress, ImportReport, LibraryInfo, SheetImport,
    SheetImportOptions, ThumbInfo,
};
use baosong::library::{OutboxHold, OutboxMessage, Resolution};
use baosong::mail::send::{FlushReport, SendProgress};
use baosong::office::OfficeInput;
use baosong::package::attachments::PlanOptions;
use chrono::NaiveDate;
use tauri::ipc::Channel;
use tauri::{Manager, State};

use super::{SharedJobs, SharedSession};

type Result<T> = std::result::Result<T, ApiError>;

fn internal(message: impl Into<String>) -> ApiError {
    ApiError::new("app.internal", message)
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
        f(&mut session)
    })
    .await
    .map_err(|e| internal(format!("后台任务意外中止：{e}。请重试。")))?
}

fn paths(files: Vec<String>) -> Vec<PathBuf> {
    files.into_iter().map(PathBuf::from).collect()
}

#[tauri::command]
pub async fn startup(state: State<'_, SharedSession>) -> Result<Startup> {
    with_session(state, |s| Ok(s.startup())).await
}

#[tauri::command]
pub async fn pick_folder(window: tauri::Window, title: String) -> Result<Option<String>> {
    let picked = rfd::AsyncFileDialog::new()
        .set_title(title)
        .set_parent(&window)
        .pick_folder()
        .await;
    Ok(picked.map(|f| f.path().display().to_string()))
}

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
pub async fn create_library(
    state: State<'_, SharedSession>,
    path: String,
    office: OfficeInput,
) -> Result<LibraryInfo> {
    with_session(state, move |s| s.create(&PathBuf::from(path), &office)).await
}

#[tauri::command]
pub async fn open_library(state: State<'_, SharedSession>, path: String) -> Result<LibraryInfo> {
    with_session(state, move |s| s.open(&PathBuf::from(path))).await
}

#[tauri::command]
pub async fn close_library(state: State<'_, SharedSession>) -> Result<()> {
    with_session(state, |s| {
        s.close();
        Ok(())
    })
    .await
}

#[tauri::command]
pub async fn forget_recent(
    state: State<'_, SharedSession>,
    path: String,
) -> Result<Vec<RecentLibrary>> {
    with_session(state, move |s| Ok(s.forget_recent(&path))).await
}

#[tauri::command]
pub async fn campaign(state: State<'_, SharedSession>) -> Result<Campaign> {
    with_session(state, |s| s.campaign()).await
}

#[tauri::command]
pub fn campaign_by_id(id: String) -> Result<Campaign> {
    Ok(campaign::embedded_by_id(&id)?)
}

#[tauri::command]
pub async fn update_office(
    state: State<'_, SharedSession>,
    office: OfficeInput,
) -> Result<LibraryInfo> {
    with_session(state, move |s| s.update_office(&office)).await
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
    input: EntryInput,
    files: Vec<String>,
) -> Result<Entry> {
    with_session(state, move |s| s.add_entry(&input, &paths(files))).await
}

#[tauri::command]
pub async fn update_entry(
    state: State<'_, SharedSession>,
    id: i64,
    input: EntryInput,
) -> Result<Entry> {
    with_session(state, move |s| s.update_entry(id, &input)).await
}

/// The entry drawer's save: data, new files and review judged together, one transaction.
#[tauri::command]
pub async fn save_entry(
    state: State<'_, SharedSession>,
    id: i64,
    input: EntryInput,
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
pub async fn dashboard(state: State<'_, SharedSession>) -> Result<Dashboard> {
    with_session(state, |s| s.dashboard(baosong::api::clock()?)).await
}

#[tauri::command]
pub async fn switch_campaign(
    state: State<'_, SharedSession>,
    campaign_id: String,
    unit_type: Option<String>,
) -> Result<LibraryInfo> {
    with_session(state, move |s| {
        s.switch_campaign(&campaign_id, unit_type.as_deref())
    })
    .await
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

/// Imports files and folders, sending progress on `on_progress`. The import is a job with its
/// own connection to the library (so the session, and the window, stay free while it copies)
/// and its own cancel token, under the id `job` the window chose.
#[tauri::command]
pub async fn import_files(
    state: State<'_, SharedSession>,
    jobs: State<'_, SharedJobs>,
    job: u64,
    files: Vec<String>,
    options: ImportOptions,
    on_progress: Channel<ImportProgress>,
) -> Result<ImportReport> {
    let jobs = jobs.inner().clone();
    let job = with_session(state, move |s| s.start_job_as(&jobs, job)).await?;
    blocking(move || {
        let mut lib = job.open()?;
        let mut send = |p: &ImportProgress| {
            // A closed window cannot take progress; the import goes on regardless.
            let _ = on_progress.send(p.clone());
        };
        Ok(lib.import_files(&paths(files), &options, &mut send, job.cancel.flag())?)
    })
    .await
}

/// Asks the job `job` (an import, an export) to stop at its next safe point.
#[tauri::command]
pub fn cancel_job(jobs: State<'_, SharedJobs>, job: u64) {
    jobs.cancel_as(job);
}

/// Runs long work on a blocking thread, without the session.
async fn blocking<T, F>(f: F) -> Result<T>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T> + Send + 'static,
{
    tauri::async_runtime::spawn_blocking(f)
        .await
        .map_err(|e| internal(format!("后台任务意外中止：{e}。请重试。")))?
}

#[tauri::command]
pub async fn bulk_update(
    state: State<'_, SharedSession>,
    ids: Vec<i64>,
    change: BulkChange,
) -> Result<usize> {
    with_session(state, move |s| s.bulk_update(&ids, &change)).await
}

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
    tauri::async_runtime::spawn_blocking(move || {
        baosong::library::thumbnail_at(&root, &sha, &stored)
    })
    .await
    .map_err(|e| internal(format!("后台任务意外中止：{e}。请重试。")))
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
    open::that_detached(&stored).map_err(|e| {
        ApiError::new(
            "file.open",
            format!(
                "无法用系统程序打开此文件：{e}。可在资料库文件夹中找到它：{}",
                stored.display()
            ),
        )
    })
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

#[tauri::command]
pub async fn pick_sheet(window: tauri::Window) -> Result<Option<String>> {
    let picked = rfd::AsyncFileDialog::new()
        .set_title("选择报名表")
        .add_filter(
            "报名表（Excel、CSV）",
            &["xlsx", "xls", "csv", "xlsm", "et"],
        )
        .add_filter("所有文件", &["*"])
        .set_parent(&window)
        .pick_file()
        .await;
    Ok(picked.map(|f| f.path().display().to_string()))
}

/// Previews (`options.dry_run`) or imports a registration sheet, as a job on its own
/// connection: a preview hashes every matched file, which must not freeze the window.
#[tauri::command]
pub async fn import_sheet(
    state: State<'_, SharedSession>,
    jobs: State<'_, SharedJobs>,
    path: String,
    options: SheetImportOptions,
) -> Result<SheetImport> {
    let jobs = jobs.inner().clone();
    let job = with_session(state, move |s| s.start_job(&jobs)).await?;
    blocking(move || Ok(job.open()?.import_sheet(&PathBuf::from(path), &options)?)).await
}

#[tauri::command]
pub async fn batch_draft(state: State<'_, SharedSession>, request: BatchRequest) -> Result<Draft> {
    with_session(state, move |s| {
        s.batch_draft(&request, baosong::api::clock()?)
    })
    .await
}

#[tauri::command]
pub async fn create_batch(
    state: State<'_, SharedSession>,
    request: BatchRequest,
) -> Result<BatchCreated> {
    with_session(state, move |s| {
        s.create_batch(&request, baosong::api::clock()?)
    })
    .await
}

#[tauri::command]
pub async fn list_batches(state: State<'_, SharedSession>) -> Result<Vec<BatchSummary>> {
    with_session(state, |s| s.batches()).await
}

#[tauri::command]
pub async fn get_batch(state: State<'_, SharedSession>, id: i64) -> Result<Batch> {
    with_session(state, move |s| s.batch(id)).await
}

#[tauri::command]
pub async fn delete_batch(state: State<'_, SharedSession>, id: i64) -> Result<()> {
    with_session(state, move |s| s.delete_batch(id)).await
}

#[tauri::command]
pub async fn plan_batch(
    state: State<'_, SharedSession>,
    id: i64,
    options: PlanOptions,
) -> Result<BatchPlan> {
    with_session(state, move |s| s.plan_batch(id, &options)).await
}

/// Exports batch `id` into the folder `dest` as the job `job`, with progress on `on_progress`.
#[tauri::command]
pub async fn export_batch(
    state: State<'_, SharedSession>,
    jobs: State<'_, SharedJobs>,
    job: u64,
    id: i64,
    dest: String,
    on_progress: Channel<Progress>,
) -> Result<ExportReport> {
    let jobs = jobs.inner().clone();
    let job = with_session(state, move |s| s.start_job_as(&jobs, job)).await?;
    blocking(move || {
        let mut last = std::time::Instant::now();
        let mut send = |p: &Progress| {
            // Ten reports a second are enough for a progress bar.
            if last.elapsed() >= std::time::Duration::from_millis(100)
                || p.done_files == p.total_files
            {
                last = std::time::Instant::now();
                let _ = on_progress.send(p.clone());
            }
        };
        baosong::api::export_batch(&job, id, std::path::Path::new(&dest), &mut send)
    })
    .await
}

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

/// Queues batch `id` and sends it, reporting each message's bytes on `on_progress`.
#[tauri::command]
pub async fn send_batch(
    state: State<'_, SharedSession>,
    jobs: State<'_, SharedJobs>,
    job: u64,
    id: i64,
    on_progress: Channel<SendProgress>,
) -> Result<SendReport> {
    let jobs = jobs.inner().clone();
    let job = with_session(state, move |s| s.start_job_as(&jobs, job)).await?;
    blocking(move || {
        let mut send = throttled(on_progress);
        baosong::api::send_batch(&job, id, None, None, &mut send)
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
    on_progress: Channel<SendProgress>,
) -> Result<FlushReport> {
    let jobs = jobs.inner().clone();
    let job = with_session(state, move |s| s.start_job_as(&jobs, job)).await?;
    blocking(move || {
        let mut send = throttled(on_progress);
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
    open::that_detached(&folder).map_err(|e| {
        ApiError::new(
            "file.open",
            format!("无法打开文件夹：{e}。附件在资料库中：{}", folder.display()),
        )
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

/// Progress at most ten times a second (a 70 MB upload reports every 64 KiB).
fn throttled(channel: Channel<SendProgress>) -> impl FnMut(&SendProgress) {
    let mut last: Option<(std::time::Instant, String)> = None;
    move |p: &SendProgress| {
        let due = match &last {
            Some((t, phase)) => {
                t.elapsed() >= std::time::Duration::from_millis(100) || *phase != p.phase
            }
            None => true,
        };
        if due || p.bytes_done == p.bytes_total {
            last = Some((std::time::Instant::now(), p.phase.clone()));
            let _ = channel.send(p.clone());
        }
    }
}

/// Sends what is due in the background: the outbox goes out when the line is back, without
/// the clerk having to press anything. Every minute it looks (on its own connection, under
/// the library's send lock, so it never races the window's own sending).
pub fn start_outbox_worker(session: SharedSession, app: tauri::AppHandle) {
    use tauri::Emitter as _;
    std::thread::spawn(move || {
        let jobs = baosong::jobs::Jobs::new();
        // Every minute; `BAOSONG_OUTBOX_EVERY_S` shortens it (the window's tests).
        let every = std::env::var("BAOSONG_OUTBOX_EVERY_S")
            .ok()
            .and_then(|s| s.parse::<u64>().ok())
            .filter(|s| *s > 0)
            .unwrap_or(60);
        loop {
            std::thread::sleep(std::time::Duration::from_secs(every));
            let job = {
                let guard = session.lock().unwrap_or_else(|p| p.into_inner());
                guard.start_job(&jobs)
            };
            let Ok(job) = job else { continue };
            let due = job
                .open()
                .and_then(|lib| {
                    let now =
                        chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
                    Ok(lib.next_due(&now)?.is_some()
                        && lib.auth_failed()?.is_none()
                        && lib.outbox_hold()?.is_none())
                })
                .unwrap_or(false);
            if due {
                // The 发件箱 shows the background send live, and looks again when it ends.
                let mut last = std::time::Instant::now();
                let mut report = |p: &baosong::mail::send::SendProgress| {
                    if last.elapsed() >= std::time::Duration::from_millis(200)
                        || p.bytes_done == p.bytes_total
                    {
                        last = std::time::Instant::now();
                        let _ = app.emit(OUTBOX_PROGRESS, p);
                    }
                };
                // Failures are recorded in the outbox, where the window shows them.
                let _ = job.open().map(|mut lib| {
                    baosong::mail::send::flush(
                        &mut lib,
                        &baosong::api::secrets(),
                        &mut report,
                        &job.cancel,
                    )
                });
                let _ = app.emit(OUTBOX_CHANGED, ());
            }
        }
    });
}

/// Events of the background sender: a [`baosong::mail::send::SendProgress`] while it sends,
/// then `outbox-changed` when it has finished a round.
pub const OUTBOX_PROGRESS: &str = "outbox-progress";
pub const OUTBOX_CHANGED: &str = "outbox-changed";

/// Makes a document into the library's `prints/` folder and renders its first page, as a job
/// (a contact sheet may first have to make thumbnails): the window shows the preview, then
/// offers 打开 and 另存为.
#[tauri::command]
pub async fn prepare_print(
    state: State<'_, SharedSession>,
    jobs: State<'_, SharedJobs>,
    job: u64,
    request: PrintRequest,
    name: String,
    width: u32,
    on_progress: Channel<Progress>,
) -> Result<PrintPreview> {
    let jobs = jobs.inner().clone();
    let job = with_session(state, move |s| s.start_job_as(&jobs, job)).await?;
    blocking(move || {
        baosong::api::prepare_print(&job, &request, &name, width, &mut |p| {
            let _ = on_progress.send(p.clone());
        })
    })
    .await
}

/// 打开: the document in the system's PDF viewer, which prints it.
#[tauri::command]
pub async fn open_print(state: State<'_, SharedSession>, name: String) -> Result<()> {
    let path = with_session(state, move |s| {
        Ok(baosong::api::print_path(&s.library_root()?, &name))
    })
    .await?;
    if !path.exists() {
        return Err(ApiError::new(
            "print.missing",
            "找不到刚才生成的文件，请重新生成。",
        ));
    }
    open::that_detached(&path).map_err(|e| {
        ApiError::new(
            "file.open",
            format!(
                "无法用系统程序打开 PDF：{e}。文件在资料库的 prints 文件夹中：{}",
                path.display()
            ),
        )
    })
}

/// 另存为: asks where, then copies the document there; None when the clerk cancels.
#[tauri::command]
pub async fn save_print(
    window: tauri::Window,
    state: State<'_, SharedSession>,
    name: String,
) -> Result<Option<PrintReport>> {
    let picked = rfd::AsyncFileDialog::new()
        .set_title("另存为")
        .set_file_name(format!("{name}.pdf"))
        .add_filter("PDF 文档", &["pdf"])
        .set_parent(&window)
        .save_file()
        .await;
    let Some(file) = picked else {
        return Ok(None);
    };
    let dest = file.path().to_path_buf();
    with_session(state, move |s| {
        baosong::api::save_print(&s.library_root()?, &name, &dest).map(Some)
    })
    .await
}
