//! Entries (作品): one work with its catalog data and its files.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use rusqlite::{OptionalExtension, params};

use super::store::{self, StoredFile};
use super::{Library, LibraryError, audit, now};
use crate::checks::Verdict;
use crate::entry::EntryFields;
use crate::entry::{
    Entry, EntryFile, EntryFilter, EntrySort, Review, ReviewStatus, check_input, check_review,
};
use crate::validate::FieldError;

/// The columns that hold an entry's [`EntryFields`], in the order [`with_fields`] gives them
/// and [`entry_from_row`] reads them (the lists as JSON).
macro_rules! field_columns {
    () => {
        "category, title, authors, unit, phone, description, tags, declarations, notes"
    };
}
const FIELD_COLUMNS: &str = field_columns!();

/// `first`, the fields under [`FIELD_COLUMNS`], then `last`: the parameters of a statement
/// that writes an entry's fields (?1, ?2 … ?10, ?11).
fn with_fields<'a>(
    first: &'a dyn rusqlite::ToSql,
    f: &'a EntryFields,
    last: &'a dyn rusqlite::ToSql,
) -> Vec<Box<dyn rusqlite::ToSql + 'a>> {
    vec![
        Box::new(first),
        Box::new(&f.category),
        Box::new(&f.title),
        Box::new(json_list(&f.authors)),
        Box::new(&f.unit),
        Box::new(&f.phone),
        Box::new(&f.description),
        Box::new(json_list(&f.tags)),
        Box::new(json_list(&f.declarations)),
        Box::new(&f.notes),
        Box::new(last),
    ]
}

fn json_list(v: &[String]) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "[]".into())
}

/// A list column (JSON) of an entry that does not read back as a list. Reading it as empty
/// would let the next save write the empty list over what is left of the data, so it is an
/// error instead ([`LibraryError::DamagedEntry`]) and nothing is written.
#[derive(Debug)]
pub(super) struct DamagedList {
    pub(super) entry: i64,
    /// The field as the clerk knows it (作者、标签、声明).
    pub(super) field: &'static str,
}

impl std::fmt::Display for DamagedList {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "entry {} has a damaged {} list", self.entry, self.field)
    }
}

impl std::error::Error for DamagedList {}

impl From<DamagedList> for LibraryError {
    fn from(d: DamagedList) -> Self {
        LibraryError::DamagedEntry {
            id: d.entry,
            field: d.field,
        }
    }
}

pub(super) fn parse_list(
    entry: i64,
    field: &'static str,
    text: &str,
) -> Result<Vec<String>, DamagedList> {
    serde_json::from_str(text).map_err(|_| DamagedList { entry, field })
}

/// A list column read inside a row mapping; the error becomes [`LibraryError::DamagedEntry`]
/// when converted (see `From<rusqlite::Error>`).
fn list_column(
    r: &rusqlite::Row<'_>,
    idx: usize,
    entry: i64,
    field: &'static str,
) -> rusqlite::Result<Vec<String>> {
    parse_list(entry, field, &r.get::<_, String>(idx)?).map_err(|d| {
        rusqlite::Error::FromSqlConversionFailure(idx, rusqlite::types::Type::Text, Box::new(d))
    })
}

const ENTRY_COLUMNS: &str = concat!(
    "id, campaign_id, ",
    field_columns!(),
    ", created_at, updated_at, deleted_at, status, recommended, recommend_order, override_reason"
);

fn entry_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Entry> {
    let id = r.get(0)?;
    Ok(Entry {
        id,
        campaign_id: r.get(1)?,
        fields: EntryFields {
            category: r.get(2)?,
            title: r.get(3)?,
            authors: list_column(r, 4, id, "作者")?,
            unit: r.get(5)?,
            phone: r.get(6)?,
            description: r.get(7)?,
            tags: list_column(r, 8, id, "标签")?,
            declarations: list_column(r, 9, id, "声明")?,
            notes: r.get(10)?,
        },
        files: Vec::new(),
        verdict: Verdict::Fail,
        created_at: r.get(11)?,
        updated_at: r.get(12)?,
        deleted_at: r.get(13)?,
        review: Review {
            status: ReviewStatus::from_db(&r.get::<_, String>(14)?),
            recommended: r.get(15)?,
            order: r.get(16)?,
            override_reason: r.get(17)?,
        },
    })
}

fn file_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(i64, EntryFile)> {
    Ok((
        r.get(0)?,
        EntryFile {
            id: r.get(1)?,
            original_name: r.get(2)?,
            original_path: r.get(3)?,
            stored_path: r.get(4)?,
            size: r.get::<_, i64>(5)?.try_into().unwrap_or(0),
            sha256: r.get(6)?,
            added_at: r.get(7)?,
            facts: None,
            check: None,
            also_received: Vec::new(),
        },
    ))
}

impl Library {
    /// Adds an entry with its files. The files are copied into the store first; the entry,
    /// its file rows and the audit row then commit in one transaction.
    pub fn add_entry(
        &mut self,
        input: &EntryFields,
        files: &[PathBuf],
    ) -> Result<Entry, LibraryError> {
        let campaign = self.campaign()?;
        let input = check_input(input, &campaign).map_err(LibraryError::Invalid)?;
        let _importing = store::begin_import(&self.root)?;
        let stored: Vec<(PathBuf, StoredFile)> = files
            .iter()
            .map(|f| store::import(&self.root, f).map(|s| (f.clone(), s)))
            .collect::<Result<_, _>>()?;

        let at = now();
        let tx = self.conn.transaction()?;
        let id = insert_entry(&tx, &campaign.id, &input, &at)?;
        for (source, s) in &stored {
            insert_file(&tx, id, source, s, &at)?;
        }
        let mut detail = serde_json::to_value(&input).unwrap_or_default();
        detail["files"] = stored
            .iter()
            .map(|(p, s)| serde_json::json!({"path": p.display().to_string(), "sha256": s.sha256}))
            .collect();
        audit(&tx, self.actor, "entry.add", Some(id), &detail)?;
        tx.commit()?;
        self.entry(id)
    }

    /// Replaces an entry's catalog data (not its files). The review rule still holds: a
    /// recommended work cannot move to a category where its files fail without a reason.
    pub fn update_entry(&mut self, id: i64, input: &EntryFields) -> Result<Entry, LibraryError> {
        self.save_entry(id, Some(input), &[], None)
    }

    /// Adds files to an existing entry (its catalog data stays as it is, even unfinished).
    pub fn attach_files(&mut self, id: i64, files: &[PathBuf]) -> Result<Entry, LibraryError> {
        self.save_entry(id, None, files, None)
    }

    /// What the entry drawer saves at once: the catalog data, new files and (if given) the
    /// review, judged together — the review rule sees the category and files being saved —
    /// and written in one transaction. The files are copied into the store first; the entry is
    /// then read, judged and written under the write lock, so the rule holds against the
    /// entry as it is at that moment (another program may have moved it or its files).
    pub fn save_entry(
        &mut self,
        id: i64,
        input: Option<&EntryFields>,
        files: &[PathBuf],
        review: Option<&Review>,
    ) -> Result<Entry, LibraryError> {
        // Refused early, before anything is copied: bad input, a deleted entry.
        let campaign = self.campaign()?;
        if let Some(input) = input {
            check_input(input, &campaign).map_err(LibraryError::Invalid)?;
        }
        if self.entry(id)?.deleted_at.is_some() {
            return Err(LibraryError::NoSuchEntry(id));
        }
        let _importing = store::begin_import(&self.root)?;
        let stored: Vec<(PathBuf, StoredFile)> = files
            .iter()
            .map(|f| store::import(&self.root, f).map(|s| (f.clone(), s)))
            .collect::<Result<_, _>>()?;

        self.immediate(|conn| {
            let campaign = self.campaign()?;
            let before = self.entry(id)?;
            if before.deleted_at.is_some() {
                return Err(LibraryError::NoSuchEntry(id));
            }
            let input = match input {
                Some(input) => check_input(input, &campaign).map_err(LibraryError::Invalid)?,
                None => before.fields.clone(),
            };

            // The entry as it will be, judged before anything is written.
            let mut after = before.clone();
            after.fields.category = input.category.clone();
            after
                .files
                .extend(stored.iter().map(|(source, s)| EntryFile {
                    id: 0,
                    original_name: String::new(),
                    original_path: source.display().to_string(),
                    stored_path: s.stored_path.clone(),
                    size: s.size,
                    sha256: s.sha256.clone(),
                    added_at: String::new(),
                    facts: None,
                    check: None,
                    also_received: Vec::new(),
                }));
            self.judge(&mut after, &campaign)?;
            let review_changed = review.is_some_and(|r| *r != before.review);
            let review = review.unwrap_or(&before.review);
            let (reason, order) = check_review(review, after.verdict)
                .map_err(LibraryError::Invalid)
                .map_err(|e| {
                // Unchanged review, new category or files: say what made it fail.
                match (e, review_changed) {
                    (LibraryError::Invalid(_), false) if after.fields.category != before.fields.category => {
                        LibraryError::Invalid(vec![FieldError::new(
                            "category",
                            "此作品已推荐报送，改为这个类别后文件检查不合格：请先取消推荐，或在“审核与推荐”中写明理由",
                        )])
                    }
                    (e, _) => e,
                }
            })?;

            let at = now();
            conn.execute(
                &format!(
                    "UPDATE entries SET ({FIELD_COLUMNS}) = (?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10),
                            updated_at = ?11
                     WHERE id = ?1 AND deleted_at IS NULL"
                ),
                rusqlite::params_from_iter(with_fields(&id, &input, &at)),
            )?;
            let before_input = before.fields.clone();
            if before_input != input {
                audit(
                    conn,
                    self.actor,
                    "entry.update",
                    Some(id),
                    &serde_json::json!({ "before": before_input, "after": input }),
                )?;
            }
            for (source, s) in &stored {
                insert_file(conn, id, source, s, &at)?;
            }
            if !stored.is_empty() {
                let detail: Vec<serde_json::Value> = stored
                    .iter()
                    .map(|(p, s)| serde_json::json!({"path": p.display().to_string(), "sha256": s.sha256}))
                    .collect();
                audit(
                    conn,
                    self.actor,
                    "entry.attach",
                    Some(id),
                    &serde_json::json!({ "files": detail }),
                )?;
            }
            if review_changed {
                conn.execute(
                    "UPDATE entries SET status = ?2, recommended = ?3, recommend_order = ?4,
                            override_reason = ?5
                     WHERE id = ?1",
                    params![id, review.status.as_db(), review.recommended, order, reason],
                )?;
                audit(
                    conn,
                    self.actor,
                    "entry.review",
                    Some(id),
                    &serde_json::json!({ "before": before.review, "after": review }),
                )?;
            }
            Ok(())
        })?;
        self.entry(id)
    }

    /// Moves an entry to the recycle bin; [`Library::restore_entry`] undoes it.
    pub fn delete_entry(&mut self, id: i64) -> Result<(), LibraryError> {
        self.set_deleted(id, true)
    }

    /// Brings a deleted entry back, exactly as it was.
    pub fn restore_entry(&mut self, id: i64) -> Result<Entry, LibraryError> {
        self.set_deleted(id, false)?;
        self.entry(id)
    }

    fn set_deleted(&mut self, id: i64, deleted: bool) -> Result<(), LibraryError> {
        let tx = self.conn.transaction()?;
        let changed = if deleted {
            tx.execute(
                "UPDATE entries SET deleted_at = ?2 WHERE id = ?1 AND deleted_at IS NULL",
                params![id, now()],
            )?
        } else {
            tx.execute(
                "UPDATE entries SET deleted_at = NULL WHERE id = ?1 AND deleted_at IS NOT NULL",
                params![id],
            )?
        };
        if changed == 0 {
            return Err(LibraryError::NoSuchEntry(id));
        }
        let action = if deleted {
            "entry.delete"
        } else {
            "entry.restore"
        };
        audit(&tx, self.actor, action, Some(id), &serde_json::json!({}))?;
        tx.commit()?;
        Ok(())
    }

    /// One entry (deleted ones too, so the recycle bin can show them).
    pub fn entry(&self, id: i64) -> Result<Entry, LibraryError> {
        let mut entry = self
            .conn
            .query_row(
                &format!("SELECT {ENTRY_COLUMNS} FROM entries WHERE id = ?1"),
                [id],
                entry_from_row,
            )
            .optional()?
            .ok_or(LibraryError::NoSuchEntry(id))?;
        let mut stmt = self.conn.prepare(
            "SELECT entry_id, id, original_name, original_path, stored_path, size, sha256, added_at
             FROM files WHERE entry_id = ?1 ORDER BY id",
        )?;
        entry.files = stmt
            .query_map([id], file_from_row)?
            .map(|r| r.map(|(_, f)| f))
            .collect::<Result<_, _>>()?;
        drop(stmt);
        let campaign = self.campaign()?;
        self.judge(&mut entry, &campaign)?;
        Ok(entry)
    }

    /// Entries matching `filter`, newest first (or by title).
    pub fn entries(
        &self,
        filter: &EntryFilter,
        sort: EntrySort,
    ) -> Result<Vec<Entry>, LibraryError> {
        let order = match sort {
            EntrySort::Newest => "id DESC",
            EntrySort::Title => "title COLLATE NOCASE, id",
        };
        let deleted = if filter.deleted {
            "deleted_at IS NOT NULL"
        } else {
            "deleted_at IS NULL"
        };
        let category = filter
            .category
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty());
        let text = filter
            .text
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty());
        let unit = filter.unit.as_deref().map(str::trim);
        let status = filter.status.map(ReviewStatus::as_db);
        // instr() matches any substring, which is what Chinese text needs (no word breaks).
        let sql = format!(
            "SELECT {ENTRY_COLUMNS} FROM entries
             WHERE {deleted}
               AND (?1 IS NULL OR category = ?1)
               AND (?2 IS NULL OR instr(lower(title || char(10) || authors || char(10) || unit
                                              || char(10) || description), lower(?2)) > 0)
               AND (?3 IS NULL OR unit = ?3)
               AND (?4 IS NULL OR status = ?4)
               AND campaign_id = ?5
             ORDER BY {order}"
        );
        // Works belong to the campaign they were catalogued for (`entries.campaign_id`): a
        // list is always of the active campaign, so nothing is judged or counted under rules
        // it was not entered for.
        let campaign = self.campaign()?;
        let mut stmt = self.conn.prepare(&sql)?;
        let mut entries: Vec<Entry> = stmt
            .query_map(
                params![category, text, unit, status, campaign.id],
                entry_from_row,
            )?
            .collect::<Result<_, _>>()?;

        let mut files: HashMap<i64, Vec<EntryFile>> = HashMap::new();
        let mut stmt = self.conn.prepare(
            "SELECT entry_id, id, original_name, original_path, stored_path, size, sha256, added_at
             FROM files ORDER BY id",
        )?;
        for row in stmt.query_map([], file_from_row)? {
            let (entry_id, f) = row?;
            files.entry(entry_id).or_default().push(f);
        }
        drop(stmt);
        let mut known = self.known()?;
        for e in &mut entries {
            e.files = files.remove(&e.id).unwrap_or_default();
            self.judge_with(e, &campaign, &mut known)?;
        }
        if let Some(v) = filter.verdict {
            entries.retain(|e| e.verdict == v);
        }
        Ok(entries)
    }

    /// The absolute path of one of an entry's stored files, checked (see [`store::resolve`]).
    pub fn file_path(&self, file: &EntryFile) -> Result<PathBuf, LibraryError> {
        store::resolve_row(&self.root, &file.stored_path, || {
            format!("文件“{}”", file.original_name)
        })
    }
}

/// Inserts a cleaned entry; returns its id.
pub(super) fn insert_entry(
    tx: &rusqlite::Transaction<'_>,
    campaign_id: &str,
    input: &EntryFields,
    at: &str,
) -> Result<i64, LibraryError> {
    tx.execute(
        &format!(
            "INSERT INTO entries (campaign_id, {FIELD_COLUMNS}, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11)"
        ),
        rusqlite::params_from_iter(with_fields(&campaign_id, input, &at)),
    )?;
    Ok(tx.last_insert_rowid())
}

pub(super) fn insert_file(
    tx: &rusqlite::Connection,
    entry_id: i64,
    source: &Path,
    s: &StoredFile,
    at: &str,
) -> Result<(), LibraryError> {
    let original_name = source
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    tx.execute(
        "INSERT INTO files (entry_id, original_name, original_path, stored_path, size, sha256, added_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            entry_id,
            original_name,
            source.display().to_string(),
            s.stored_path,
            i64::try_from(s.size).unwrap_or(i64::MAX),
            s.sha256,
            at
        ],
    )?;
    Ok(())
}
