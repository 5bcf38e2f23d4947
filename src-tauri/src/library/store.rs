//! The managed file store: every work file is copied into the library folder, named by its
//! SHA-256, so the library is self-contained and the same content is stored once.
//!
//! A file lands by write-to-temporary (in `files/.incoming/`), fsync, rename; the catalog row
//! is committed only after the rename. A crash therefore leaves at most a stray temporary,
//! which the next open removes.

use crate::fsx;
use crate::fsx::io_reason;

use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use sha2::{Digest, Sha256};

use super::LibraryError;
use crate::safe_path;

const FILES_DIR: &str = "files";
/// Said of a pipe, a device or a socket offered as a work.
pub const NOT_A_FILE: &str = "不是普通文件（可能是管道、设备或链接），已跳过";
const INCOMING_DIR: &str = ".incoming";
/// Bytes read (and hashed, and written) at a time.
use crate::digest::CHUNK;
/// Chunks between early flushes of a large copy.
const FLUSH_EVERY: u32 = 16;

/// A file now held by the library.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFile {
    /// Relative to the library root, '/'-separated (portable between Windows and Linux).
    pub stored_path: String,
    pub size: u64,
    pub sha256: String,
}

/// A lower-case extension safe for a file name, from the original name.
fn safe_extension(original: &Path) -> String {
    original
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .filter(|e| !e.is_empty() && e.len() <= 8 && e.chars().all(|c| c.is_ascii_alphanumeric()))
        .unwrap_or_else(|| "bin".to_owned())
}

/// Copies `source` into the store, hashing it in the same read.
pub fn import(root: &Path, source: &Path) -> Result<StoredFile, LibraryError> {
    import_with(root, source, &mut |_| true)
}

/// [`import`], telling `on_chunk` how many bytes each chunk had; when it returns false the
/// copy stops, its temporary is removed and [`LibraryError::Cancelled`] is returned.
pub fn import_with(
    root: &Path,
    source: &Path,
    on_chunk: &mut dyn FnMut(u64) -> bool,
) -> Result<StoredFile, LibraryError> {
    let read_err = |e: io::Error| LibraryError::ReadFile {
        path: source.to_path_buf(),
        reason: io_reason(&e),
    };
    let meta = fs::metadata(source).map_err(read_err)?;
    if meta.is_dir() {
        return Err(LibraryError::ReadFile {
            path: source.to_path_buf(),
            reason: "这是一个文件夹，不是文件".into(),
        });
    }
    if !meta.is_file() {
        return Err(LibraryError::ReadFile {
            path: source.to_path_buf(),
            reason: NOT_A_FILE.into(),
        });
    }
    let mut input = File::open(source).map_err(read_err)?;

    let incoming = checked_dir(root, &format!("{FILES_DIR}/{INCOMING_DIR}"))?;
    let write_err = |path: &Path, e: io::Error| LibraryError::Write {
        path: path.to_path_buf(),
        reason: io_reason(&e),
    };
    fs::create_dir_all(&incoming).map_err(|e| write_err(&incoming, e))?;
    let mut temp = tempfile::Builder::new()
        .prefix("part-")
        .tempfile_in(&incoming)
        .map_err(|e| write_err(&incoming, e))?;

    // Hashing runs on its own thread, fed the same chunks that are written, so the copy and the
    // SHA-256 overlap instead of adding up (one read of the source either way).
    let (chunks, hashed) = std::sync::mpsc::sync_channel::<Arc<Vec<u8>>>(4);
    let hasher = std::thread::spawn(move || {
        let mut h = Sha256::new();
        for chunk in hashed {
            h.update(chunk.as_slice());
        }
        h.finalize()
    });
    // Writeback starts while the copy goes on: a second handle flushes what has been written
    // so far every few chunks, so the final fsync only has the tail left to wait for.
    let (flush, flushes) = std::sync::mpsc::sync_channel::<()>(1);
    let flusher = temp.as_file().try_clone().ok().map(|file| {
        std::thread::spawn(move || {
            for () in flushes {
                let _ = file.sync_data();
            }
        })
    });
    let mut size = 0u64;
    let mut chunks_written = 0u32;
    loop {
        let mut buf = vec![0u8; CHUNK];
        let n = match input.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(read_err(e)),
        };
        buf.truncate(n);
        let chunk = Arc::new(buf);
        // The hasher only stops early if it panicked; the join below reports that.
        let _ = chunks.send(Arc::clone(&chunk));
        temp.write_all(&chunk)
            .map_err(|e| write_err(temp.path(), e))?;
        size += n as u64;
        chunks_written += 1;
        if chunks_written.is_multiple_of(FLUSH_EVERY) {
            // Skipped when the flusher is still busy with the previous one.
            let _ = flush.try_send(());
        }
        if !on_chunk(n as u64) {
            return Err(LibraryError::Cancelled);
        }
    }
    drop(chunks);
    drop(flush);
    if let Some(f) = flusher {
        let _ = f.join();
    }
    if size != meta.len() {
        return Err(LibraryError::ReadFile {
            path: source.to_path_buf(),
            reason: "读取时文件大小发生了变化（U盘是否被拔出，或文件仍在复制中？）".into(),
        });
    }
    temp.as_file()
        .sync_all()
        .map_err(|e| write_err(temp.path(), e))?;
    let digest = hasher.join().map_err(|_| LibraryError::Write {
        path: source.to_path_buf(),
        reason: "计算文件校验值时出错，请重试".into(),
    })?;

    let sha256 = crate::digest::hex(&digest);
    let shard = &sha256[..2];
    let name = format!("{sha256}.{}", safe_extension(source));
    let dir = checked_dir(root, &format!("{FILES_DIR}/{shard}"))?;
    let new_shard = !dir.is_dir();
    fs::create_dir_all(&dir).map_err(|e| write_err(&dir, e))?;
    if new_shard {
        let _ = fsx::sync_dir(&root.join(FILES_DIR));
    }
    let dest = dir.join(&name);
    if safe_path::is_link(&dest) {
        return Err(link_error(&format!("{FILES_DIR}/{shard}/{name}")));
    }
    if dest.is_file() {
        // Same content already stored: the temporary is dropped (and deleted).
    } else {
        // The mark goes first: if the program dies before the catalog names the file, the next
        // sweep finds it and moves the file to the trash instead of leaving it unexplained.
        let mark = incoming.join(format!("{LANDED_PREFIX}{name}"));
        File::create(&mark).map_err(|e| write_err(&mark, e))?;
        let _ = fsx::sync_dir(&incoming);
        temp.persist(&dest).map_err(|e| write_err(&dest, e.error))?;
        let _ = fsx::sync_dir(&dir);
    }
    Ok(StoredFile {
        stored_path: format!("{FILES_DIR}/{shard}/{name}"),
        size,
        sha256,
    })
}

/// [`import`] of a file the library wrote itself and no longer needs (a package laid out from
/// mail under `receiving/`): hashed in one read, synced, and renamed into the store instead of
/// copied — the same landing (mark first, then the name) without writing the bytes again.
/// Falls back to [`import`] when the rename cannot be done (another file system).
pub fn adopt(root: &Path, source: &Path) -> Result<StoredFile, LibraryError> {
    let read_err = |e: io::Error| LibraryError::ReadFile {
        path: source.to_path_buf(),
        reason: io_reason(&e),
    };
    let meta = fs::symlink_metadata(source).map_err(read_err)?;
    if !meta.is_file() {
        return Err(LibraryError::ReadFile {
            path: source.to_path_buf(),
            reason: NOT_A_FILE.into(),
        });
    }
    let file = File::open(source).map_err(read_err)?;
    let sha256 = crate::digest::sha256_reader(&file).map_err(read_err)?;
    file.sync_all().map_err(read_err)?;
    drop(file);
    let write_err = |path: &Path, e: io::Error| LibraryError::Write {
        path: path.to_path_buf(),
        reason: io_reason(&e),
    };
    let incoming = checked_dir(root, &format!("{FILES_DIR}/{INCOMING_DIR}"))?;
    fs::create_dir_all(&incoming).map_err(|e| write_err(&incoming, e))?;
    let shard = &sha256[..2];
    let name = format!("{sha256}.{}", safe_extension(source));
    let dir = checked_dir(root, &format!("{FILES_DIR}/{shard}"))?;
    let new_shard = !dir.is_dir();
    fs::create_dir_all(&dir).map_err(|e| write_err(&dir, e))?;
    if new_shard {
        let _ = fsx::sync_dir(&root.join(FILES_DIR));
    }
    let dest = dir.join(&name);
    if safe_path::is_link(&dest) {
        return Err(link_error(&format!("{FILES_DIR}/{shard}/{name}")));
    }
    if !dest.is_file() {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            // As a copied file lands (a temporary's mode): readable by this user only.
            let _ = fs::set_permissions(source, fs::Permissions::from_mode(0o600));
        }
        let mark = incoming.join(format!("{LANDED_PREFIX}{name}"));
        File::create(&mark).map_err(|e| write_err(&mark, e))?;
        let _ = fsx::sync_dir(&incoming);
        if fs::rename(source, &dest).is_err() {
            let _ = fs::remove_file(&mark);
            return import(root, source);
        }
        let _ = fsx::sync_dir(&dir);
    }
    Ok(StoredFile {
        stored_path: format!("{FILES_DIR}/{shard}/{name}"),
        size: meta.len(),
        sha256,
    })
}

/// The SHA-256 of a file, read once and not copied (previews use it to find duplicates).
pub fn hash_file(source: &Path) -> Result<String, LibraryError> {
    crate::digest::sha256_file(source).map_err(|e| LibraryError::ReadFile {
        path: source.to_path_buf(),
        reason: io_reason(&e),
    })
}

/// Held (shared) by every program while it copies files into the store; taken exclusively,
/// without waiting, by [`sweep`], so leftovers are only removed when nobody is importing.
pub struct ImportGuard {
    _lock: File,
}

/// Announces an import into the store of `root` (see [`ImportGuard`]).
pub fn begin_import(root: &Path) -> Result<ImportGuard, LibraryError> {
    let dir = checked_dir(root, FILES_DIR)?;
    let path = dir.join(LOCK_FILE);
    if safe_path::is_link(&path) {
        return Err(link_error(&format!("{FILES_DIR}/{LOCK_FILE}")));
    }
    let open = || {
        fs::create_dir_all(&dir)?;
        let f = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)?;
        f.lock_shared()?;
        Ok::<File, io::Error>(f)
    };
    open()
        .map(|f| ImportGuard { _lock: f })
        .map_err(|e| LibraryError::Write {
            path,
            reason: io_reason(&e),
        })
}

const LOCK_FILE: &str = ".import.lock";
/// A temporary being copied into the store.
const PART_PREFIX: &str = "part-";
/// Left in `.incoming/` when a file lands in the store, before the catalog row that names it
/// commits: `landed-<sha256>.<ext>`. The next sweep removes it, and moves the stored file to the
/// trash if no row came to name it (the import was killed in between).
const LANDED_PREFIX: &str = "landed-";

/// What [`sweep`] did and found.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SweepReport {
    /// Temporaries of interrupted copies, removed.
    pub temporaries_removed: usize,
    /// Stored files an interrupted import landed but never catalogued, moved to the trash.
    pub trashed: Vec<String>,
    /// Links found where the store expects a folder or a file, left alone.
    pub links: Vec<String>,
}

/// Tidies what an interrupted import left behind, only when no program is importing into this
/// library right now: its temporaries (`files/.incoming/part-*`, regular files only) are
/// removed, and a stored file that landed but was never catalogued (its `landed-` mark is
/// there and `referenced` does not name it) is moved to the trash — never deleted. A stored
/// file with no mark is never touched: a catalog restored from a backup does not name the works
/// added since, and they stay in the store as 未编目文件. Nothing here follows a link: a link
/// where a folder is expected is reported and left alone. `referenced` is called once the import
/// lock is held and returns the `stored_path` of every file row.
pub fn sweep(
    root: &Path,
    today: &str,
    referenced: impl FnOnce() -> rusqlite::Result<std::collections::HashSet<String>>,
) -> SweepReport {
    let mut report = SweepReport::default();
    let files = root.join(FILES_DIR);
    for rel in [FILES_DIR.to_owned(), format!("{FILES_DIR}/{LOCK_FILE}")] {
        if safe_path::is_link(&root.join(&rel)) {
            report.links.push(rel);
            return report;
        }
    }
    let Ok(lock) = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(files.join(LOCK_FILE))
    else {
        return report;
    };
    if lock.try_lock().is_err() {
        return report; // someone is importing; their files are not leftovers
    }
    let incoming = files.join(INCOMING_DIR);
    if safe_path::is_link(&incoming) {
        report.links.push(format!("{FILES_DIR}/{INCOMING_DIR}"));
        return report;
    }
    let Ok(list) = fs::read_dir(&incoming) else {
        return report;
    };
    let mut landed = Vec::new();
    for item in list.flatten() {
        let name = item.file_name().to_string_lossy().into_owned();
        // `DirEntry::file_type` does not follow links: a link is never a regular file here.
        let regular = item.file_type().is_ok_and(|t| t.is_file());
        if !regular {
            if item.file_type().is_ok_and(|t| t.is_symlink()) {
                report
                    .links
                    .push(format!("{FILES_DIR}/{INCOMING_DIR}/{name}"));
            }
            continue;
        }
        if name.starts_with(PART_PREFIX) {
            if fs::remove_file(item.path()).is_ok() {
                report.temporaries_removed += 1;
            }
        } else if let Some(stored) = name.strip_prefix(LANDED_PREFIX) {
            landed.push((item.path(), stored.to_owned()));
        }
    }
    if landed.is_empty() {
        return report;
    }
    let Ok(referenced) = referenced() else {
        return report;
    };
    for (mark, stored_name) in landed {
        let stored_path = format!(
            "{FILES_DIR}/{}/{stored_name}",
            stored_name.get(..2).unwrap_or("")
        );
        if safe_path::check_stored_path(&stored_path).is_ok() && !referenced.contains(&stored_path)
        {
            match super::trash::put(root, &stored_path, today) {
                Ok(true) => report.trashed.push(stored_path),
                Ok(false) => {}
                Err(_) => continue, // keep the mark: the next open tries again
            }
        }
        let _ = fs::remove_file(mark);
    }
    let _ = fsx::sync_dir(&incoming);
    report
}

/// Holds the store still while the catalog is replaced (a restore): the import lock taken
/// exclusively — [`LibraryError::Busy`] while someone imports — and every `landed-` mark dropped.
/// After a catalog is replaced no mark can tell a killed import from a work the new catalog
/// merely does not name, so every such file stays in the store, offered as 未编目文件.
pub fn quiesce(root: &Path) -> Result<File, LibraryError> {
    let files = checked_dir(root, FILES_DIR)?;
    let lock_path = files.join(LOCK_FILE);
    if safe_path::is_link(&lock_path) {
        return Err(link_error(&format!("{FILES_DIR}/{LOCK_FILE}")));
    }
    let lock = fs::create_dir_all(&files)
        .and_then(|()| {
            File::options()
                .create(true)
                .truncate(false)
                .write(true)
                .open(&lock_path)
        })
        .map_err(|e| LibraryError::Write {
            path: lock_path.clone(),
            reason: io_reason(&e),
        })?;
    if lock.try_lock().is_err() {
        return Err(LibraryError::Busy);
    }
    let incoming = files.join(INCOMING_DIR);
    if !safe_path::is_link(&incoming) {
        for item in fs::read_dir(&incoming).into_iter().flatten().flatten() {
            let regular = item.file_type().is_ok_and(|t| t.is_file());
            if regular
                && item
                    .file_name()
                    .to_string_lossy()
                    .starts_with(LANDED_PREFIX)
            {
                let _ = fs::remove_file(item.path()); // our own mark, by name and place
            }
        }
    }
    Ok(lock)
}

/// The checked absolute path of a stored file: the row's `stored_path` has the store's one
/// shape and no link lies on the way.
pub fn resolve(root: &Path, stored_path: &str) -> Result<PathBuf, safe_path::UnsafePath> {
    safe_path::check_stored_path(stored_path)?;
    safe_path::join_inside(root, stored_path)
}

/// Every regular file in the store's shard folders whose path has the store's shape, with its
/// size. Links, foreign names and folders are left out (the 体检 reports them).
pub fn stored_files(root: &Path) -> Vec<(String, u64)> {
    let mut out = Vec::new();
    let files = root.join(FILES_DIR);
    if safe_path::is_link(&files) {
        return out;
    }
    for shard in fs::read_dir(&files).into_iter().flatten().flatten() {
        if !shard.file_type().is_ok_and(|t| t.is_dir()) {
            continue;
        }
        let shard_name = shard.file_name().to_string_lossy().into_owned();
        for item in fs::read_dir(shard.path()).into_iter().flatten().flatten() {
            let rel = format!(
                "{FILES_DIR}/{shard_name}/{}",
                item.file_name().to_string_lossy()
            );
            if item.file_type().is_ok_and(|t| t.is_file())
                && safe_path::check_stored_path(&rel).is_ok()
                && let Ok(meta) = item.metadata()
            {
                out.push((rel, meta.len()));
            }
        }
    }
    out.sort();
    out
}

/// [`resolve`] for a path read from the catalog: a violation names the row.
pub fn resolve_row(
    root: &Path,
    stored_path: &str,
    row: impl FnOnce() -> String,
) -> Result<PathBuf, LibraryError> {
    resolve(root, stored_path).map_err(|source| LibraryError::UnsafePath { row: row(), source })
}

/// `root/rel` for one of the store's own folders, refusing a link in its place.
fn checked_dir(root: &Path, rel: &str) -> Result<PathBuf, LibraryError> {
    safe_path::join_inside(root, rel).map_err(|e| LibraryError::UnsafePath {
        row: "作品文件库".to_owned(),
        source: e,
    })
}

fn link_error(rel: &str) -> LibraryError {
    LibraryError::UnsafePath {
        row: "作品文件库".to_owned(),
        source: safe_path::UnsafePath {
            path: rel.to_owned(),
            reason: "是一个链接（快捷方式），为安全起见不使用",
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::coded::Coded;

    #[test]
    fn import_copies_hashes_and_dedupes_by_content() {
        let root = tempfile::tempdir().expect("tempdir");
        let src = root.path().join("朗诵 作品.MP4");
        fs::write(&src, b"abc").expect("write");
        let a = import(root.path(), &src).expect("import");
        // sha256("abc"), as `sha256sum` and `certutil -hashfile` print it.
        assert_eq!(
            a.sha256,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(a.size, 3);
        assert!(a.stored_path.ends_with(".mp4"), "{}", a.stored_path);
        assert_eq!(
            fs::read(resolve(root.path(), &a.stored_path).expect("resolve")).expect("read"),
            b"abc"
        );

        let copy = root.path().join("copy.mp4");
        fs::write(&copy, b"abc").expect("write");
        let b = import(root.path(), &copy).expect("import again");
        assert_eq!(a.stored_path, b.stored_path);
        // No temporary is left; the one file that landed left its mark for the next sweep.
        let incoming: Vec<String> = fs::read_dir(root.path().join("files/.incoming"))
            .expect("incoming")
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(incoming, vec![format!("landed-{}.mp4", a.sha256)]);
    }

    #[test]
    fn missing_file_is_a_read_error_in_chinese() {
        let root = tempfile::tempdir().expect("tempdir");
        let err = import(root.path(), &root.path().join("nope.mp4")).expect_err("missing");
        assert_eq!(err.code(), "file.read");
        assert!(err.to_string().contains("不存在"), "{err}");
    }

    #[test]
    fn odd_extensions_are_made_safe() {
        assert_eq!(safe_extension(Path::new("a.MOV")), "mov");
        assert_eq!(safe_extension(Path::new("noext")), "bin");
        assert_eq!(safe_extension(Path::new("a.视频")), "bin");
    }
}
