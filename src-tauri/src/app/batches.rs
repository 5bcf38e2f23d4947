//! 报送: batches — the draft, making one, listing, deleting, its mail plan and its export.

use baosong::api::{BatchCreated, MailPlanView};
use baosong::batch::ExportReport;
use baosong::batch::{Batch, BatchRequest, BatchSummary, Draft};
use baosong::package::attachments::PlanOptions;
use baosong::progress::Progress;
use tauri::State;
use tauri::ipc::Channel;

use super::shared::{Result, blocking, to_window, with_session};
use super::{SharedJobs, SharedSession};

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
) -> Result<MailPlanView> {
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
        let mut send = to_window(on_progress);
        baosong::api::export_batch(&job, id, std::path::Path::new(&dest), &mut send)
    })
    .await
}
