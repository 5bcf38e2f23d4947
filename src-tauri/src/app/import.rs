//! Taking works in: files and folders, and 报名表, each as a job on its own connection.

use std::path::PathBuf;

use baosong::library::{ImportOptions, ImportReport, SheetImport, SheetImportOptions};
use baosong::progress::Progress;
use tauri::State;
use tauri::ipc::Channel;

use super::shared::{Result, blocking, paths, to_window, with_session};
use super::{SharedJobs, SharedSession};

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
    on_progress: Channel<Progress>,
) -> Result<ImportReport> {
    let jobs = jobs.inner().clone();
    let job = with_session(state, move |s| s.start_job_as(&jobs, job)).await?;
    blocking(move || {
        let mut lib = job.open()?;
        let mut send = to_window(on_progress);
        Ok(lib.import_files(&paths(files), &options, &mut send, job.cancel.flag())?)
    })
    .await
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
