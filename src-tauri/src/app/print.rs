//! 打印: the three documents made as a job, previewed, opened in the system's PDF viewer and
//! saved elsewhere.

use baosong::api::{ApiError, PrintPreview, PrintReport, PrintRequest};
use baosong::progress::Progress;
use tauri::State;
use tauri::ipc::Channel;

use super::shared::{Result, blocking, open_with_system, to_window, with_session};
use super::{SharedJobs, SharedSession};

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
        let mut send = to_window(on_progress);
        baosong::api::prepare_print(&job, &request, &name, width, &mut send)
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
    open_with_system(&path, |e| {
        format!(
            "无法用系统程序打开 PDF：{e}。文件在资料库的 prints 文件夹中：{}",
            path.display()
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
