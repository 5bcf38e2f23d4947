//! Backups, 未编目文件 and the trash: the ways back for a clerk's works.

use std::path::Path;

use super::{ApiError, Session};
use crate::library::{self, BackupInfo, ImportItem, RestoreReport, UnlistedFile, trash::TrashItem};

impl Session {
    /// A backup now, optionally copied to a second folder (a stick) too.
    pub fn backup(&self, copy_to: Option<&Path>) -> Result<BackupInfo, ApiError> {
        let lib = self.library()?;
        let info = lib.backup()?;
        if let Some(dest) = copy_to {
            library::copy_backup_to(lib.root(), &info.id, dest)?;
        }
        Ok(info)
    }

    pub fn backups(&self) -> Result<Vec<BackupInfo>, ApiError> {
        Ok(self.library()?.backups())
    }

    pub fn restore_backup(&mut self, id: &str) -> Result<RestoreReport, ApiError> {
        Ok(self.library_mut()?.restore_backup(id)?)
    }

    pub fn unlisted_files(&self) -> Result<Vec<UnlistedFile>, ApiError> {
        Ok(self.library()?.unlisted_files()?)
    }

    /// 重新登记: one entry per unlisted file, in `category`.
    pub fn adopt_unlisted(
        &mut self,
        stored_paths: &[String],
        category: &str,
    ) -> Result<Vec<ImportItem>, ApiError> {
        Ok(self.library_mut()?.adopt_unlisted(stored_paths, category)?)
    }

    /// Moves unlisted files to the library's trash.
    pub fn trash_unlisted(&self, stored_paths: &[String]) -> Result<u32, ApiError> {
        Ok(self.library()?.trash_unlisted(stored_paths)?)
    }

    /// Why the outbox does not send by itself, in Chinese; None when it does.
    pub fn outbox_hold(&self) -> Result<Option<library::OutboxHold>, ApiError> {
        Ok(self.library()?.outbox_hold()?)
    }

    /// 继续发送: the outbox sends from this computer, user and folder from now on.
    pub fn resume_outbox(&mut self) -> Result<(), ApiError> {
        Ok(self.library_mut()?.resume_outbox()?)
    }

    /// Pauses the background sender.
    pub fn pause_outbox(&mut self) -> Result<(), ApiError> {
        Ok(self.library_mut()?.pause_outbox()?)
    }

    /// 资料库体检 (see [`Library::doctor`]).
    pub fn doctor(&self, full: bool, repair: bool) -> Result<library::DoctorReport, ApiError> {
        Ok(self.library()?.doctor(full, repair)?)
    }

    /// How a stored file may be handed to the system (用系统程序打开).
    pub fn openable(&self, file_id: i64) -> Result<library::Openable, ApiError> {
        Ok(self.library()?.openable(file_id)?)
    }

    pub fn trash(&self) -> Result<Vec<TrashItem>, ApiError> {
        Ok(library::trash::list(self.library()?.root()))
    }

    /// Puts a trashed file back in the store (it is then unlisted until catalogued).
    pub fn restore_from_trash(&self, day: &str, stored_path: &str) -> Result<bool, ApiError> {
        let root = self.library()?.root();
        let item = library::trash::list(root)
            .into_iter()
            .find(|t| t.day == day && t.stored_path == stored_path)
            .ok_or_else(|| {
                ApiError::input(
                    "trash.not_found",
                    format!("回收站中没有 {day} 移入的“{stored_path}”，请刷新列表。"),
                )
            })?;
        library::trash::restore(root, &item).map_err(|e| {
            ApiError::new(
                "file.write",
                format!("无法从回收站放回：{}", crate::fsx::io_reason(&e)),
            )
        })
    }
}

/// The way back when a library folder has lost its catalog: backup `id` of its `backups/` is
/// put in place, then the library opens as usual.
pub fn restore_missing_catalog(dir: &Path, id: &str) -> Result<BackupInfo, ApiError> {
    Ok(library::restore_missing_catalog(dir, id)?)
}
