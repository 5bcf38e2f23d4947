//! Writing a batch's package to a folder (a USB stick, or for upload by hand).
//!
//! ```text
//! 金平区总工会-汕头好网民2023-第1批/
//!   01-诵读/01-金平区某单位-张三-我的祖国.mp3
//!   02-微视频/…
//!   报送汇总表.xlsx   manifest.json   SHA256SUMS.txt   说明.txt
//! ```
//!
//! The package is written under a temporary name beside its final place and renamed only when
//! every file is in, fsynced, read back and its SHA-256 compared with the batch's; a failure
//! or a cancel removes the temporary, and a stick pulled out mid-way leaves no folder under the
//! final name. Free space is checked before the first byte.

use std::fs::{self, File};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use crate::fsx;
use crate::fsx::{human_size, io_reason};
use crate::progress::{CancelToken, Progress};

pub mod attachments;
pub mod summary_table;

use crate::batch::{Batch, ExportReport, manifest};

pub const SUMMARY_FILE: &str = "报送汇总表.xlsx";
pub const MANIFEST_FILE: &str = "manifest.json";
pub const SUMS_FILE: &str = "SHA256SUMS.txt";
pub const README_FILE: &str = "说明.txt";
pub const SHEET_PDF: &str = "作品小样.pdf";
pub const SUMMARY_PDF: &str = "报送汇总表.pdf";

use crate::digest::CHUNK;

#[derive(Debug, thiserror::Error)]
pub enum PackageError {
    #[error("找不到导出位置“{0}”：请插好U盘或选择另一个文件夹。")]
    NoDestination(PathBuf),
    #[error(
        "磁盘空间不足：这批作品共需 {need}，“{dest}”只剩 {have}。请换一个更大的U盘或清理空间；未写入任何文件。"
    )]
    DiskFull {
        dest: PathBuf,
        need: String,
        have: String,
    },
    #[error("无法写入“{path}”：{reason}。未留下不完整的报送包，请检查U盘后重试。")]
    Write { path: PathBuf, reason: String },
    #[error("无法读取资料库中的作品文件“{name}”：{reason}。请在“作品”中重新添加此文件。")]
    Read { name: String, reason: String },
    #[error(
        "资料库中的作品文件“{name}”与制作批次时不一致（SHA-256 不同），可能已损坏。请重新添加此文件后再制作批次。"
    )]
    SourceChanged { name: String },
    #[error(
        "写入后读回的“{name}”与原文件不一致，U盘可能有问题。未留下不完整的报送包，请换一个U盘重试。"
    )]
    Mismatch { name: String },
    #[error("无法生成报送汇总表：{0}")]
    Summary(String),
    #[error(
        "无法生成邮件附件：{0}。请重新发送这个批次；如反复出现，请导出报送包后用网页邮箱手动发送。"
    )]
    Attachments(String),
    #[error("已取消导出，未留下不完整的报送包。")]
    Cancelled,
    #[error(transparent)]
    Plan(#[from] crate::batch::plan::PlanError),
    #[error("批次记录中的{0}，未读写任何文件。资料库可能来自他人或已被改动，请运行“资料库体检”。")]
    UnsafePath(#[from] crate::safe_path::UnsafePath),
}

impl crate::coded::Coded for PackageError {
    fn code(&self) -> &'static str {
        match self {
            PackageError::NoDestination(_) => "export.no_destination",
            PackageError::DiskFull { .. } => "disk.full",
            PackageError::Write { .. } => "file.write",
            PackageError::Read { .. } => "file.read",
            PackageError::SourceChanged { .. } => "export.source_changed",
            PackageError::Mismatch { .. } => "export.mismatch",
            PackageError::Summary(_) => "export.summary",
            PackageError::Attachments(_) => "export.attachments",
            PackageError::Cancelled => "cancelled",
            PackageError::Plan(_) => "plan.too_small",
            PackageError::UnsafePath(_) => "library.unsafe_path",
        }
    }

    fn is_input(&self) -> bool {
        matches!(
            self,
            PackageError::NoDestination(_) | PackageError::UnsafePath(_)
        )
    }
}

/// Small files made in memory: (name, bytes).
pub type Extras = Vec<(String, Vec<u8>)>;

/// The small files every package carries besides the works, made in memory: (name, bytes) —
/// the 汇总表, the manifest, the 说明 and the printable PDFs. The folder package holds them;
/// the mail carries them on its first message (`volumes`: the 说明 then explains joining
/// volumes). `library_root` holds the thumbnails the contact sheet prints.
pub fn extras(
    library_root: &Path,
    batch: &Batch,
    local_time: &str,
    volumes: bool,
) -> Result<Extras, PackageError> {
    let xlsx = summary_table::build(batch, local_time)
        .map_err(|e| PackageError::Summary(e.to_string()))?;
    let manifest = manifest::to_bytes(&manifest::build(batch, None, &|_| true));
    let mut out = vec![
        (SUMMARY_FILE.to_owned(), xlsx),
        (MANIFEST_FILE.to_owned(), manifest),
        (README_FILE.to_owned(), readme(batch, local_time, volumes)),
    ];
    out.extend(pdfs(library_root, batch, local_time)?);
    Ok(out)
}

/// The printable 作品小样 and 报送汇总表 that go with the package and the first message.
pub fn pdfs(
    library_root: &Path,
    batch: &Batch,
    local_time: &str,
) -> Result<Vec<(String, Vec<u8>)>, PackageError> {
    use crate::print::documents;
    let date = local_time.split(' ').next().unwrap_or(local_time);
    let pdf_err = |e: documents::DocumentError| PackageError::Summary(e.to_string());
    Ok(vec![
        (
            SHEET_PDF.to_owned(),
            documents::batch_contact_sheet(
                library_root,
                batch,
                date,
                crate::print::Layout::Grid3x4,
                &mut |_, _| true,
            )
            .map_err(pdf_err)?,
        ),
        (
            SUMMARY_PDF.to_owned(),
            documents::batch_summary(batch).map_err(pdf_err)?,
        ),
    ])
}

/// `说明.txt` for the recipient: UTF-8 with BOM and CRLF line ends, so Notepad shows it.
pub fn readme(batch: &Batch, local_time: &str, volumes: bool) -> Vec<u8> {
    let h = &batch.header;
    let mut lines = vec![
        format!("{}作品报送说明", h.campaign_short_name),
        String::new(),
        format!("报送单位：{}", h.office_name),
        format!("活动：{}", h.campaign_name),
        format!(
            "批次：{}，共{}件作品、{}个文件（{}），制作于{}",
            batch.label(),
            batch.entries.len(),
            batch.files().count(),
            human_size(batch.total_bytes()),
            local_time
        ),
        format!(
            "联系人：{} {} {}",
            h.contact_name, h.contact_title, h.contact_phone
        ),
        String::new(),
        "一、内容".to_owned(),
    ];
    for c in &h.categories {
        lines.push(format!("  {}（{}）：{}件", c.folder, c.name, c.count));
    }
    lines.extend([
        format!("  {SUMMARY_FILE}：作品汇总表，可用 Excel 或 WPS 打开；作品名称、作者以此表为准。"),
        format!("  {SUMMARY_PDF}、{SHEET_PDF}：可直接打印的汇总表与作品小样（PDF）。"),
        format!("  {MANIFEST_FILE}：供程序读取的清单（含每个文件的 SHA-256）。"),
        format!("  {SUMS_FILE}：每个文件的 SHA-256 校验值。"),
        String::new(),
        "二、核对文件是否完整".to_owned(),
        "  在 Windows 中打开“命令提示符”，进入本文件夹后输入：".to_owned(),
        "    certutil -hashfile 文件名 SHA256".to_owned(),
        format!("  输出的校验值应与 {SUMS_FILE} 中该文件的一行相同。"),
        "  在 Linux 中可在本文件夹内运行：sha256sum -c SHA256SUMS.txt".to_owned(),
    ]);
    if volumes {
        lines.extend([
            String::new(),
            "三、分卷压缩包".to_owned(),
            "  文件名以 .zip.001、.zip.002 … 结尾的是一个压缩包的分卷，请把同名的各卷保存到同一文件夹，".to_owned(),
            "  用 7-Zip、360压缩、Bandizip 或 WinRAR 打开第一卷（.001）即可解压；".to_owned(),
            "  也可在命令提示符中合并：copy /b 名称.zip.001+名称.zip.002 名称.zip".to_owned(),
        ]);
    }
    let mut text = String::from('\u{feff}');
    for line in lines {
        text.push_str(&line);
        text.push_str("\r\n");
    }
    text.into_bytes()
}

/// `SHA256SUMS.txt` in the format `sha256sum -c` checks: `<hex>  <path>`, `/` paths, UTF-8.
pub fn sums(entries: &[(String, String)]) -> Vec<u8> {
    let mut out = String::new();
    for (path, hash) in entries {
        out.push_str(hash);
        out.push_str("  ");
        out.push_str(path);
        out.push('\n');
    }
    out.into_bytes()
}

pub use crate::digest::sha256_hex;

/// Writes `batch`'s package into the folder `dest`; the package folder's name is the batch's
/// (with `（2）`… when that name is taken). `library_root` is where the stored files are.
pub fn export(
    library_root: &Path,
    batch: &Batch,
    dest: &Path,
    local_time: &str,
    progress: &mut dyn FnMut(&Progress),
    cancel: &CancelToken,
) -> Result<ExportReport, PackageError> {
    if !dest.is_dir() {
        return Err(PackageError::NoDestination(dest.to_path_buf()));
    }
    let name = batch.package_name();
    let target = free_name(dest, &name);
    sweep_partials(dest, &name);

    let docs = extras(library_root, batch, local_time, false)?;
    let total_bytes = batch.total_bytes();
    let need = total_bytes + docs.iter().map(|(_, b)| b.len() as u64).sum::<u64>() + (1 << 20);
    if let Ok(have) = fs4::available_space(dest)
        && have < need
    {
        return Err(PackageError::DiskFull {
            dest: dest.to_path_buf(),
            need: human_size(need),
            have: human_size(have),
        });
    }

    let tmp = dest.join(format!(".{name}.partial-{}", std::process::id()));
    let result = write_all(
        library_root,
        batch,
        &tmp,
        docs,
        progress,
        cancel,
        total_bytes,
    )
    .and_then(|files| {
        let _ = fsx::sync_dir(&tmp);
        fs::rename(&tmp, &target).map_err(|e| PackageError::Write {
            path: target.clone(),
            reason: io_reason(&e),
        })?;
        let _ = fsx::sync_dir(dest);
        Ok(files)
    });
    match result {
        Ok(files) => Ok(ExportReport {
            folder: target.display().to_string(),
            files,
            bytes: total_bytes,
        }),
        Err(e) => {
            let _ = fs::remove_dir_all(&tmp);
            Err(e)
        }
    }
}

/// `name`, or `name（2）`, `name（3）`… whichever is free in `dest`.
fn free_name(dest: &Path, name: &str) -> PathBuf {
    let first = dest.join(name);
    if !first.exists() {
        return first;
    }
    (2..)
        .map(|n| dest.join(format!("{name}（{n}）")))
        .find(|p| !p.exists())
        .unwrap_or(first)
}

/// Removes what an earlier export of the same package left when it was killed.
fn sweep_partials(dest: &Path, name: &str) {
    let prefix = format!(".{name}.partial-");
    let Ok(dir) = fs::read_dir(dest) else { return };
    for entry in dir.flatten() {
        // Only our own temporary folders: a link of that name is never followed or removed.
        if entry.file_name().to_string_lossy().starts_with(&prefix)
            && entry.file_type().is_ok_and(|t| t.is_dir())
        {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
}

fn write_all(
    library_root: &Path,
    batch: &Batch,
    tmp: &Path,
    docs: Vec<(String, Vec<u8>)>,
    progress: &mut dyn FnMut(&Progress),
    cancel: &CancelToken,
    total_bytes: u64,
) -> Result<u32, PackageError> {
    let write_err = |path: &Path, e: std::io::Error| PackageError::Write {
        path: path.to_path_buf(),
        reason: io_reason(&e),
    };
    fs::create_dir(tmp).map_err(|e| write_err(tmp, e))?;
    let total_files = u32::try_from(batch.files().count()).unwrap_or(u32::MAX);
    let mut state = Progress {
        phase: "复制作品".to_owned(),
        total_bytes,
        total_files,
        ..Progress::default()
    };
    let mut sums_lines = Vec::new();
    for (_, f) in batch.files() {
        if cancel.is_cancelled() {
            return Err(PackageError::Cancelled);
        }
        crate::safe_path::check_relative(&f.package_path)?;
        let to = tmp.join(&f.package_path);
        if let Some(parent) = to.parent() {
            fs::create_dir_all(parent).map_err(|e| write_err(parent, e))?;
        }
        state.current = f.package_path.clone();
        progress(&state);
        let from = crate::library::stored_file_path(library_root, &f.stored_path)?;
        copy_file(&from, &to, &f.original_name, &mut state, progress, cancel)?;
        // One hash per file: the copy read back from where it landed. Only when that differs is
        // the library's own file hashed, to say which side is damaged.
        state.phase = "校验".to_owned();
        progress(&state);
        if crate::digest::sha256_file(&to).map_err(|e| write_err(&to, e))? != f.sha256 {
            let source_ok = crate::digest::sha256_file(&from).is_ok_and(|h| h == f.sha256);
            return Err(if source_ok {
                PackageError::Mismatch {
                    name: f.package_path.clone(),
                }
            } else {
                PackageError::SourceChanged {
                    name: f.original_name.clone(),
                }
            });
        }
        state.phase = "复制作品".to_owned();
        state.done_files += 1;
        sums_lines.push((f.package_path.clone(), f.sha256.clone()));
    }
    state.phase = "写入汇总表与清单".to_owned();
    state.current = String::new();
    progress(&state);
    for (name, bytes) in &docs {
        if name != README_FILE {
            sums_lines.push((name.clone(), sha256_hex(bytes)));
        }
        write_small(&tmp.join(name), bytes).map_err(|e| write_err(&tmp.join(name), e))?;
    }
    let sums_path = tmp.join(SUMS_FILE);
    write_small(&sums_path, &sums(&sums_lines)).map_err(|e| write_err(&sums_path, e))?;
    for c in &batch.header.categories {
        let _ = fsx::sync_dir(&tmp.join(&c.folder));
    }
    state.phase = "完成".to_owned();
    progress(&state);
    Ok(total_files)
}

/// Copies `from` to `to` (a new file) in chunks, with progress and cancel; fsyncs the copy.
fn copy_file(
    from: &Path,
    to: &Path,
    name: &str,
    state: &mut Progress,
    progress: &mut dyn FnMut(&Progress),
    cancel: &CancelToken,
) -> Result<(), PackageError> {
    let read_err = |e: std::io::Error| PackageError::Read {
        name: name.to_owned(),
        reason: io_reason(&e),
    };
    let write_err = |e: std::io::Error| PackageError::Write {
        path: to.to_path_buf(),
        reason: io_reason(&e),
    };
    let mut input = File::open(from).map_err(read_err)?;
    let mut output = File::options()
        .write(true)
        .create_new(true)
        .open(to)
        .map_err(write_err)?;
    let mut buf = vec![0u8; CHUNK];
    loop {
        if cancel.is_cancelled() {
            return Err(PackageError::Cancelled);
        }
        let n = input.read(&mut buf).map_err(read_err)?;
        if n == 0 {
            break;
        }
        output.write_all(&buf[..n]).map_err(write_err)?;
        state.done_bytes += n as u64;
        progress(state);
    }
    output.sync_all().map_err(write_err)
}

fn write_small(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut f = File::options().write(true).create_new(true).open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}
