//! Printed documents: the contact sheet, the 汇总表 and the 发送记录 as PDFs, written, previewed
//! and saved.

use std::path::{Path, PathBuf};

use chrono::Utc;

use serde::Serialize;
use ts_rs::TS;

use super::{ApiError, Session, clock};
use crate::entry::EntryFilter;
use crate::jobs::Job;
use crate::library::{Library, LibraryError};
use crate::progress::Progress;

/// The PDF bytes of `document`; `tick` sees each work of a contact sheet (see
/// [`crate::print::documents::Tick`]).
fn make_document(
    lib: &Library,
    document: &PrintRequest,
    tick: &mut crate::print::documents::Tick<'_>,
) -> Result<Vec<u8>, ApiError> {
    use crate::print::documents::{self, SheetSource};
    match document {
        PrintRequest::ContactSheet {
            batch,
            filter,
            all,
            layout,
        } => {
            let source = match batch {
                Some(id) => SheetSource::Batch(*id),
                None => SheetSource::Catalog { filter, all: *all },
            };
            let layout = match layout.as_str() {
                "3x4" => crate::print::Layout::Grid3x4,
                "4x5" => crate::print::Layout::Grid4x5,
                other => {
                    return Err(ApiError::input(
                        "print.layout",
                        format!("不认识的版式“{other}”：每页可排 3x4 或 4x5 格。"),
                    ));
                }
            };
            // A BAOSONG_NOW that does not parse dates the sheet today, as it always has.
            let now = clock().unwrap_or_else(|_| Utc::now());
            documents::contact_sheet(lib, &source, layout, now, tick).map_err(ApiError::from)
        }
        PrintRequest::Summary { batch } => documents::summary(lib, *batch).map_err(ApiError::from),
        PrintRequest::SentLog { batch } => documents::sent_log(lib, *batch).map_err(ApiError::from),
    }
}

fn write_print(path: &Path, bytes: &[u8]) -> Result<(), ApiError> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| {
            ApiError::from(LibraryError::Write {
                path: dir.to_path_buf(),
                reason: crate::fsx::io_reason(&e),
            })
        })?;
    }
    crate::fsx::write_atomic(path, bytes).map_err(|e| {
        ApiError::from(LibraryError::Write {
            path: path.to_path_buf(),
            reason: crate::fsx::io_reason(&e),
        })
    })?;
    tracing::info!(path = %path.display(), bytes = bytes.len(), "document written");
    Ok(())
}

/// Makes a printed document and writes it to `path` (temporary file + rename).
pub fn print_document(
    session: &Session,
    document: &PrintRequest,
    path: &Path,
) -> Result<PrintReport, ApiError> {
    let bytes = make_document(session.library()?, document, &mut |_, _| true)?;
    write_print(path, &bytes)?;
    Ok(PrintReport {
        path: path.display().to_string(),
        bytes: bytes.len() as u64,
    })
}

/// Where the window keeps the documents it made: `<library>/prints/<name>.pdf`, the name made
/// safe for every file system (the window passes the clerk-facing title, e.g. 作品小样-第1批).
pub fn print_path(root: &Path, name: &str) -> PathBuf {
    let file = crate::naming::safe_component(name, 80);
    root.join("prints").join(format!("{file}.pdf"))
}

/// The window's print step, as a job: makes the document, writes it to [`print_path`] and
/// renders its first page for the preview (`preview_width` pixels wide).
pub fn prepare_print(
    job: &Job,
    document: &PrintRequest,
    name: &str,
    preview_width: u32,
    progress: &mut dyn FnMut(&Progress),
) -> Result<PrintPreview, ApiError> {
    use base64::Engine as _;
    let lib = job.open()?;
    let mut report = |phase: &str, done: usize, total: usize| {
        progress(&Progress {
            phase: phase.to_owned(),
            done_files: done as u32,
            total_files: total as u32,
            ..Progress::default()
        });
    };
    let bytes = make_document(&lib, document, &mut |done, total| {
        report("准备缩略图", done, total);
        !job.cancel.is_cancelled()
    })?;
    report("生成预览", 0, 1);
    let path = print_path(job.root(), name);
    write_print(&path, &bytes)?;
    let preview = crate::print::preview::first_page(&bytes, preview_width)
        .map_err(|e| ApiError::new("print.preview", e.to_string()))?;
    report("生成预览", 1, 1);
    Ok(PrintPreview {
        name: path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default(),
        path: path.display().to_string(),
        bytes: bytes.len() as u64,
        pages: preview.pages as u32,
        width: preview.width,
        height: preview.height,
        image: format!(
            "data:image/png;base64,{}",
            base64::engine::general_purpose::STANDARD.encode(&preview.png)
        ),
    })
}

/// 另存为: copies a document the window made ([`print_path`] of `name`) to `dest`, by a
/// temporary file beside `dest` and a rename, so a full disk leaves no half file there.
pub fn save_print(root: &Path, name: &str, dest: &Path) -> Result<PrintReport, ApiError> {
    let source = print_path(root, name);
    let bytes = std::fs::read(&source).map_err(|e| {
        ApiError::new(
            "print.missing",
            format!(
                "找不到刚才生成的文件（{}）：{}。请重新生成后再保存。",
                source.display(),
                crate::fsx::io_reason(&e)
            ),
        )
    })?;
    write_print(dest, &bytes)?;
    Ok(PrintReport {
        path: dest.display().to_string(),
        bytes: bytes.len() as u64,
    })
}

/// The width of a written preview (`print … --preview`): A4 at 100 dpi.
pub const PREVIEW_WIDTH: u32 = 827;

/// Writes the first page of the PDF at `pdf` as a PNG at `png` (the window's preview, for the
/// CLI and for checking it against other renderers).
pub fn write_preview(pdf: &Path, png: &Path) -> Result<(), ApiError> {
    let bytes = std::fs::read(pdf).map_err(|e| {
        ApiError::new(
            "print.missing",
            format!("无法读取 {}：{}", pdf.display(), crate::fsx::io_reason(&e)),
        )
    })?;
    let preview = crate::print::preview::first_page(&bytes, PREVIEW_WIDTH)
        .map_err(|e| ApiError::new("print.preview", e.to_string()))?;
    write_print(png, &preview.png)
}

/// Which document to print.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize, Serialize, TS)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum PrintRequest {
    /// 作品小样: a batch's works, or the catalog's selected works (one category or all;
    /// `all` also takes works not recommended).
    ContactSheet {
        #[ts(type = "number | null")]
        batch: Option<i64>,
        /// Which works of the catalog (ignored with `batch`): the works list's filter.
        #[serde(default)]
        filter: EntryFilter,
        all: bool,
        /// `3x4` or `4x5`.
        layout: String,
    },
    /// 报送汇总表 of a batch.
    Summary {
        #[ts(type = "number")]
        batch: i64,
    },
    /// 发送记录 of a batch.
    SentLog {
        #[ts(type = "number")]
        batch: i64,
    },
}

/// A document the window made, with its first page to show before 打开 or 另存为.
#[derive(Debug, Clone, Serialize, TS)]
pub struct PrintPreview {
    /// The file's name in the library's `prints/` folder, without `.pdf`; pass it back to
    /// open or save the document.
    pub name: String,
    pub path: String,
    #[ts(type = "number")]
    pub bytes: u64,
    pub pages: u32,
    /// The preview image's size in pixels.
    pub width: u32,
    pub height: u32,
    /// The first page as a `data:image/png;base64,…` URL.
    pub image: String,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct PrintReport {
    pub path: String,
    #[ts(type = "number")]
    pub bytes: u64,
}
