//! Importing a registration sheet (报名表): every row the registration module planned becomes an entry
//! with its files, all in one transaction — a sheet goes in whole or not at all. A dry run
//! returns the same report without writing anything (it reads the files to find duplicates but
//! copies nothing), for the preview the clerk checks first.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::entries::{check, insert_entry, insert_file};
use super::store::{self, StoredFile};
use super::{Library, LibraryError, audit, now};
use crate::registration::{
    self, Column, Mapping, Problem, ProblemKind, RowPlan, SheetFormat, SkippedRow,
};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct SheetImportOptions {
    /// The folder the works' files are in (searched recursively); none: entries without files.
    pub files_dir: Option<String>,
    /// The clerk's column mapping, when the suggested one is not right.
    pub mapping: Option<Mapping>,
    /// The category of rows that name none.
    pub default_category: Option<String>,
    /// Report what would happen; write nothing.
    pub dry_run: bool,
}

/// One row of the sheet and what became of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct SheetRowResult {
    pub plan: RowPlan,
    /// The entry made (None on a dry run, or when the row is blocked).
    #[ts(type = "number | null")]
    pub entry_id: Option<i64>,
    /// False when an error keeps the row out.
    pub importable: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct SheetImport {
    pub format: SheetFormat,
    pub encoding: Option<String>,
    pub sheet_name: String,
    pub header_row: u32,
    pub columns: Vec<Column>,
    /// The mapping used (the suggested one unless the clerk gave another).
    pub mapping: Mapping,
    pub skipped: Vec<SkippedRow>,
    pub rows: Vec<SheetRowResult>,
    pub dry_run: bool,
    /// Entries created (or that would be).
    pub created: u32,
    /// Rows kept out by an error.
    pub blocked: u32,
}

impl Library {
    /// Reads `path`, plans its rows against the campaign and, unless `dry_run`, creates the
    /// importable ones in one transaction. Files are copied into the store first.
    pub fn import_sheet(
        &mut self,
        path: &Path,
        options: &SheetImportOptions,
    ) -> Result<SheetImport, LibraryError> {
        let campaign = self.campaign()?;
        let read = registration::read(path).map_err(LibraryError::Sheet)?;
        let mapping = options
            .mapping
            .clone()
            .unwrap_or_else(|| read.mapping.clone());
        let files_dir = options.files_dir.as_deref().map(PathBuf::from);
        if let Some(dir) = &files_dir
            && !dir.is_dir()
        {
            return Err(LibraryError::ReadFile {
                path: dir.clone(),
                reason: "作品文件夹不存在或不是文件夹".into(),
            });
        }
        let default_category = options
            .default_category
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty());
        if let Some(c) = default_category
            && campaign.category(c).is_none()
        {
            return Err(LibraryError::Invalid(vec![super::FieldError::new(
                "default_category",
                format!("本活动没有“{c}”这个类别"),
            )]));
        }
        let mut plans = registration::plan(&read.rows, &mapping, &campaign, files_dir.as_deref());
        for p in &mut plans {
            if let Some(c) = default_category
                && p.problems
                    .iter()
                    .any(|x| x.kind == ProblemKind::MissingCategory)
            {
                p.input.category = c.to_owned();
                p.problems
                    .retain(|x| x.kind != ProblemKind::MissingCategory);
            }
            // The catalog's own rules (lengths, declarations), said per row.
            if !p.is_blocked()
                && let Err(LibraryError::Invalid(errors)) = check(&p.input, &campaign)
            {
                for e in errors {
                    p.problems
                        .push(Problem::new(ProblemKind::Invalid, e.message));
                }
            }
        }

        // Copy the files of every importable row; a file that cannot be read, or whose
        // content is already catalogued, keeps its row out.
        let mut stored: Vec<Vec<(PathBuf, StoredFile)>> = vec![Vec::new(); plans.len()];
        let _importing = if options.dry_run {
            None
        } else {
            Some(store::begin_import(&self.root)?)
        };
        // Content seen in this sheet so far: hash → (row, path), to catch the same film sent
        // under two names.
        let mut seen: std::collections::HashMap<String, (u32, PathBuf)> =
            std::collections::HashMap::new();
        for (i, p) in plans.iter_mut().enumerate() {
            if p.is_blocked() {
                continue;
            }
            for f in p.files.clone() {
                // A dry run reads (hashes) the files without copying them, so the preview
                // shows the same duplicates the import will find.
                let sha = if options.dry_run {
                    store::hash_file(&f)
                } else {
                    store::import(&self.root, &f).map(|s| {
                        let sha = s.sha256.clone();
                        stored[i].push((f.clone(), s));
                        sha
                    })
                };
                let sha = match sha {
                    Ok(sha) => sha,
                    Err(e) => {
                        p.problems
                            .push(Problem::new(ProblemKind::FileUnreadable, e.to_string()));
                        continue;
                    }
                };
                if let Some((id, title)) = self.entry_with_content(&sha)? {
                    p.problems.push(Problem::new(
                        ProblemKind::AlreadyInLibrary,
                        format!("文件“{}”与资料库中的 #{id}《{title}》内容相同", f.display()),
                    ));
                } else if let Some((row, other)) = seen.get(&sha)
                    && *other != f
                {
                    p.problems.push(Problem::new(
                        ProblemKind::AlreadyInLibrary,
                        format!(
                            "文件“{}”与第{row}行的“{}”内容相同",
                            f.display(),
                            other.display()
                        ),
                    ));
                } else {
                    seen.insert(sha, (p.row, f));
                }
            }
        }

        let mut rows: Vec<SheetRowResult> = plans
            .into_iter()
            .map(|plan| SheetRowResult {
                importable: !plan.is_blocked(),
                plan,
                entry_id: None,
            })
            .collect();
        if !options.dry_run {
            let at = now();
            let tx = self.conn.transaction()?;
            for (row, files) in rows.iter_mut().zip(&stored) {
                if !row.importable {
                    continue;
                }
                let cleaned = check(&row.plan.input, &campaign)?.input;
                let id = insert_entry(&tx, &campaign.id, &cleaned, &at)?;
                for (source, s) in files {
                    insert_file(&tx, id, source, s, &at)?;
                }
                let mut detail = serde_json::to_value(&cleaned).unwrap_or_default();
                detail["sheet"] = path.display().to_string().into();
                detail["row"] = row.plan.row.into();
                audit(&tx, self.actor, "entry.sheet", Some(id), &detail)?;
                row.entry_id = Some(id);
            }
            tx.commit()?;
        }
        let created = rows.iter().filter(|r| r.importable).count() as u32;
        let blocked = rows.len() as u32 - created;
        Ok(SheetImport {
            format: read.format,
            encoding: read.encoding,
            sheet_name: read.sheet_name,
            header_row: read.header_row,
            columns: read.columns,
            mapping,
            skipped: read.skipped,
            rows,
            dry_run: options.dry_run,
            created,
            blocked,
        })
    }

    /// The first live entry holding a file with this content.
    pub(super) fn entry_with_content(
        &self,
        sha256: &str,
    ) -> Result<Option<(i64, String)>, LibraryError> {
        use rusqlite::OptionalExtension;
        Ok(self
            .conn
            .query_row(
                "SELECT e.id, e.title FROM files f JOIN entries e ON e.id = f.entry_id
                 WHERE f.sha256 = ?1 AND e.deleted_at IS NULL ORDER BY e.id LIMIT 1",
                [sha256],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?)
    }
}
