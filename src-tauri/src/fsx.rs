//! Ground: the file-system helpers every layer uses — an I/O error in plain Chinese, a file
//! written whole or not at all, a rename made durable, a size in the units the clerk reads.
//! Knows nothing of campaigns, works or the catalog.

use std::fs::File;
use std::io::Write;
use std::path::Path;

/// An I/O error said in plain Chinese.
pub fn io_reason(e: &std::io::Error) -> String {
    use std::io::ErrorKind as K;
    match e.kind() {
        K::NotFound => "文件或文件夹不存在".into(),
        K::PermissionDenied => "没有访问权限".into(),
        K::StorageFull => "磁盘空间不足，请清理磁盘或换一个位置".into(),
        K::ReadOnlyFilesystem => "磁盘是只读的".into(),
        K::IsADirectory => "这是一个文件夹，不是文件".into(),
        K::UnexpectedEof => "文件读到一半中断（U盘是否被拔出？）".into(),
        // EIO and the like: a failing disk or a stick pulled out mid-copy.
        _ if e.raw_os_error() == Some(5) => "读写出错（磁盘或U盘可能已拔出或损坏）".into(),
        _ => format!("读写出错：{e}"),
    }
}

/// Writes `bytes` to `path` whole or not at all: a temporary file beside it, fsynced, renamed
/// over the target (a document, an `.eml`, a log the clerk saves).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".baosong-")
        .tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// Makes a directory's entries (files created, renamed into it) durable: fsync of the
/// directory itself, where the system allows opening one (not on Windows, whose NTFS journals
/// its metadata).
pub fn sync_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        File::open(dir)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}

/// Bytes in plain units, as every message, the window and the 汇总表 say them.
pub fn human_size(bytes: u64) -> String {
    const MB: f64 = 1024.0 * 1024.0;
    let b = bytes as f64;
    if b >= 1024.0 * MB {
        format!("{:.2} GB", b / 1024.0 / MB)
    } else {
        format!("{:.1} MB", b / MB)
    }
}
