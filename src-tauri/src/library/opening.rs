//! 用系统程序打开 without running anything: a stored file is handed to the system only when its
//! content is a known media kind, and only under that kind's extension — a unit's
//! `作品.mp4.exe` is stored as `….exe`, and opening that path would run it on Windows. A file
//! whose name does not match its content is opened through a hard link (or copy) named for its
//! content in the library's `opened/` folder; anything else is shown in its folder instead.

use crate::fsx::io_reason;

use std::fs;
use std::path::PathBuf;

use serde::Serialize;

use super::{Library, LibraryError};
use crate::media::{self, MediaFacts};
use crate::safe_path;

const OPENED_DIR: &str = "opened";

/// What the window may hand to the system.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "path", rename_all = "kebab-case")]
pub enum Openable {
    /// A media file under the extension of what it is: open it with the system's handler.
    File(PathBuf),
    /// Not a known media kind: show the folder that holds it.
    Folder(PathBuf),
}

/// The extension the system's handler for this content expects; None for anything that is
/// not a known picture, sound, video or PDF.
pub fn open_extension(facts: &MediaFacts) -> Option<&'static str> {
    crate::media::extension(&facts.container)
}

impl Library {
    /// How stored file `file_id` may be opened (see the module documentation).
    pub fn openable(&self, file_id: i64) -> Result<Openable, LibraryError> {
        let (sha, path) = self.stored_file(file_id)?;
        let read = |e: std::io::Error| LibraryError::ReadFile {
            path: path.clone(),
            reason: io_reason(&e),
        };
        let facts = media::probe(&path).map_err(read)?;
        let Some(ext) = open_extension(&facts) else {
            let folder = path
                .parent()
                .map(PathBuf::from)
                .unwrap_or_else(|| self.root.clone());
            return Ok(Openable::Folder(folder));
        };
        if path.extension().and_then(|e| e.to_str()) == Some(ext) {
            return Ok(Openable::File(path));
        }
        let rel = format!("{OPENED_DIR}/{sha}.{ext}");
        let unsafe_path = |source| LibraryError::UnsafePath {
            row: format!("文件记录 {file_id}"),
            source,
        };
        if !safe_path::is_sha256_hex(&sha) {
            return Err(unsafe_path(safe_path::UnsafePath {
                path: sha,
                reason: "的校验值不正常",
            }));
        }
        let dest = safe_path::join_inside(&self.root, &rel).map_err(unsafe_path)?;
        let size = fs::metadata(&path).map_err(read)?.len();
        if fs::symlink_metadata(&dest).is_ok_and(|m| m.is_file() && m.len() == size) {
            return Ok(Openable::File(dest));
        }
        let write = |e: std::io::Error| LibraryError::Write {
            path: dest.clone(),
            reason: io_reason(&e),
        };
        let dir = self.root.join(OPENED_DIR);
        fs::create_dir_all(&dir).map_err(write)?;
        // A hard link is instant; where the disk has none (FAT32 sticks), a copy by rename.
        let tmp = tempfile::Builder::new()
            .prefix(".opening-")
            .tempfile_in(&dir)
            .map_err(write)?
            .into_temp_path();
        let _ = fs::remove_file(&tmp); // our own empty temporary: the link takes its name
        if fs::hard_link(&path, &tmp).is_err() {
            fs::copy(&path, &tmp).map_err(write)?;
        }
        fs::rename(&tmp, &dest).map_err(write)?;
        Ok(Openable::File(dest))
    }
}
