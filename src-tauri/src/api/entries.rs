//! The works in the catalog: list, show, add, change, review, delete and restore, bulk edit,
//! thumbnails, and the catalog as an .xlsx.

use std::path::{Path, PathBuf};

use super::{ApiError, Session};
use crate::entry::{Entry, EntryFields, EntryFilter, EntrySort, Review};
use crate::library;

impl Session {
    pub fn entries(&self, filter: &EntryFilter) -> Result<Vec<Entry>, ApiError> {
        Ok(self.library()?.entries(filter, EntrySort::Newest)?)
    }

    pub fn entry(&self, id: i64) -> Result<Entry, ApiError> {
        Ok(self.library()?.entry(id)?)
    }

    pub fn add_entry(&mut self, input: &EntryFields, files: &[PathBuf]) -> Result<Entry, ApiError> {
        Ok(self.library_mut()?.add_entry(input, files)?)
    }

    pub fn update_entry(&mut self, id: i64, input: &EntryFields) -> Result<Entry, ApiError> {
        Ok(self.library_mut()?.update_entry(id, input)?)
    }

    /// The entry drawer's save: data, new files and review in one transaction.
    pub fn save_entry(
        &mut self,
        id: i64,
        input: &EntryFields,
        files: &[PathBuf],
        review: Option<&Review>,
    ) -> Result<Entry, ApiError> {
        Ok(self
            .library_mut()?
            .save_entry(id, Some(input), files, review)?)
    }

    pub fn attach_files(&mut self, id: i64, files: &[PathBuf]) -> Result<Entry, ApiError> {
        Ok(self.library_mut()?.attach_files(id, files)?)
    }

    pub fn delete_entry(&mut self, id: i64) -> Result<(), ApiError> {
        Ok(self.library_mut()?.delete_entry(id)?)
    }

    pub fn set_review(&mut self, id: i64, review: &Review) -> Result<Entry, ApiError> {
        Ok(self.library_mut()?.set_review(id, review)?)
    }

    pub fn restore_entry(&mut self, id: i64) -> Result<Entry, ApiError> {
        Ok(self.library_mut()?.restore_entry(id)?)
    }

    /// Applies one change to many entries at once; see [`Library::bulk_update`].
    pub fn bulk_update(
        &mut self,
        ids: &[i64],
        change: &library::BulkChange,
    ) -> Result<usize, ApiError> {
        Ok(self.library_mut()?.bulk_update(ids, change)?)
    }

    /// What a thumbnail needs, taken quickly so the picture is made outside the session:
    /// (library folder, content hash, stored file).
    pub fn thumbnail_source(&self, file_id: i64) -> Result<(PathBuf, String, PathBuf), ApiError> {
        let lib = self.library()?;
        let (sha, path) = lib.stored_file(file_id)?;
        Ok((lib.root().to_path_buf(), sha, path))
    }

    /// Writes the entries `filter` selects to an .xlsx file; returns the row count.
    pub fn export_xlsx(&self, path: &Path, filter: &EntryFilter) -> Result<usize, ApiError> {
        let rows = self.library()?.export_xlsx(path, filter)?;
        tracing::info!(path = %path.display(), rows, "catalog exported");
        Ok(rows)
    }
}

/// The largest work the window plays itself. WebKitGTK's player cannot read from the asset
/// protocol (tauri-apps/tauri#3725), so a played file's bytes cross to the window whole and
/// play from memory; a bigger one goes to the system's player.
pub const PLAY_IN_WINDOW_MAX: u64 = 200 * 1024 * 1024;

/// The bytes of a stored work for the window's player (see [`PLAY_IN_WINDOW_MAX`]), never
/// through a link.
pub fn playable_bytes(path: &Path) -> Result<Vec<u8>, ApiError> {
    let unreadable = |reason: String| {
        ApiError::new(
            "file.read",
            format!("无法读取“{}”：{reason}", path.display()),
        )
    };
    let meta =
        std::fs::symlink_metadata(path).map_err(|e| unreadable(crate::fsx::io_reason(&e)))?;
    if !meta.is_file() {
        return Err(unreadable("不是普通文件".into()));
    }
    if meta.len() > PLAY_IN_WINDOW_MAX {
        return Err(ApiError::input(
            "media.too_big_to_play",
            format!(
                "这个文件有 {}，超过窗口内播放的上限 {}，请用系统程序打开。",
                crate::fsx::human_size(meta.len()),
                crate::fsx::human_size(PLAY_IN_WINDOW_MAX)
            ),
        ));
    }
    std::fs::read(path).map_err(|e| unreadable(crate::fsx::io_reason(&e)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_player_gets_a_files_bytes_never_a_links_nor_a_folders() {
        let t = tempfile::tempdir().expect("tempdir");
        let work = t.path().join("work.mp3");
        std::fs::write(&work, b"ID3 bytes").expect("work");
        assert_eq!(playable_bytes(&work).expect("bytes"), b"ID3 bytes");
        let link = t.path().join("link.mp3");
        std::os::unix::fs::symlink(&work, &link).expect("link");
        let e = playable_bytes(&link).expect_err("a link is refused");
        assert!(e.message.contains("不是普通文件"), "{e}");
        assert!(playable_bytes(t.path()).is_err());
        let e = playable_bytes(&t.path().join("gone.mp3")).expect_err("missing");
        assert_eq!(e.code, "file.read");
        // Too big: a sparse file over the limit is refused before anything is read.
        let big = t.path().join("big.mp4");
        std::fs::File::create(&big)
            .and_then(|f| f.set_len(PLAY_IN_WINDOW_MAX + 1))
            .expect("sparse");
        let e = playable_bytes(&big).expect_err("too big");
        assert_eq!(e.code, "media.too_big_to_play");
        assert!(e.message.contains("系统程序"), "{e}");
    }
}
