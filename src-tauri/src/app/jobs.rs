//! The window's long jobs, each under an id the window chose so that 取消 reaches it.

use tauri::State;

use super::SharedJobs;

/// Asks the job `job` (an import, an export) to stop at its next safe point.
#[tauri::command]
pub fn cancel_job(jobs: State<'_, SharedJobs>, job: u64) {
    jobs.cancel_as(job);
}
