//! The managed file store: every work file is copied into the library folder, named by its
//! SHA-256, so the library is self-contained and the same content is stored once.
//!
//! A file lands by write-to-temporary (in `files/.incoming/`), fsync, rename; the catalog row
//! is committed only after the rename. A crash therefore leaves at most a stray temporary,
//! which the next open removes.

use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use sha2::{Digest, Sha256};

use super::{LibraryError, io_reason};

const FILES_DIR: &str = "files";
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
    let mut input = File::open(source).map_err(read_err)?;

    let incoming = root.join(FILES_DIR).join(INCOMING_DIR);
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
    let dir = root.join(FILES_DIR).join(shard);
    let new_shard = !dir.is_dir();
    fs::create_dir_all(&dir).map_err(|e| write_err(&dir, e))?;
    if new_shard {
        sync_dir(&root.join(FILES_DIR));
    }
    let dest = dir.join(&name);
    if dest.is_file() {
        // Same content already stored: the temporary is dropped (and deleted).
    } else {
        temp.persist(&dest).map_err(|e| write_err(&dest, e.error))?;
        sync_dir(&dir);
    }
    Ok(StoredFile {
        stored_path: format!("{FILES_DIR}/{shard}/{name}"),
        size,
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

/// The absolute path of a stored file.
pub fn absolute(root: &Path, stored_path: &str) -> PathBuf {
    stored_path
        .split('/')
        .fold(root.to_path_buf(), |p, part| p.join(part))
}

/// Makes a rename durable (a no-op where directories cannot be opened, as on Windows).
fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

/// Held (shared) by every program while it copies files into the store; taken exclusively,
/// without waiting, by [`sweep`], so leftovers are only removed when nobody is importing.
pub struct ImportGuard {
    _lock: File,
}

/// Announces an import into the store of `root` (see [`ImportGuard`]).
pub fn begin_import(root: &Path) -> Result<ImportGuard, LibraryError> {
    let dir = root.join(FILES_DIR);
    let path = dir.join(LOCK_FILE);
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

/// Removes what an interrupted import left behind — temporaries in `files/.incoming/` and
/// stored files no catalog row names (the program died between the rename and the commit) —
/// but only when no program is importing into this library right now. `referenced` is called
/// once the import lock is held and returns the `stored_path` of every file row. Returns how
/// many files were removed.
pub fn sweep(
    root: &Path,
    referenced: impl FnOnce() -> rusqlite::Result<std::collections::HashSet<String>>,
) -> usize {
    let files = root.join(FILES_DIR);
    let Ok(lock) = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(files.join(LOCK_FILE))
    else {
        return 0;
    };
    if lock.try_lock().is_err() {
        return 0; // someone is importing; their files are not leftovers
    }
    let Ok(referenced) = referenced() else {
        return 0;
    };
    let mut removed = 0;
    let mut remove = |p: &Path| {
        if fs::remove_file(p).is_ok() {
            removed += 1;
        }
    };
    if let Ok(list) = fs::read_dir(files.join(INCOMING_DIR)) {
        for item in list.flatten() {
            remove(&item.path());
        }
    }
    if let Ok(shards) = fs::read_dir(&files) {
        for shard in shards.flatten() {
            let name = shard.file_name().to_string_lossy().into_owned();
            if name.len() != 2 || !shard.path().is_dir() {
                continue;
            }
            for item in fs::read_dir(shard.path()).into_iter().flatten().flatten() {
                let file = item.file_name().to_string_lossy().into_owned();
                if !referenced.contains(&format!("{FILES_DIR}/{name}/{file}")) {
                    remove(&item.path());
                }
            }
        }
    }
    removed
}

#[cfg(test)]
mod tests {
    use super::*;

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
            fs::read(absolute(root.path(), &a.stored_path)).expect("read"),
            b"abc"
        );

        let copy = root.path().join("copy.mp4");
        fs::write(&copy, b"abc").expect("write");
        let b = import(root.path(), &copy).expect("import again");
        assert_eq!(a.stored_path, b.stored_path);
        let incoming = root.path().join("files/.incoming");
        assert_eq!(fs::read_dir(incoming).expect("incoming").count(), 0);
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
