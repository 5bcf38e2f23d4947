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
