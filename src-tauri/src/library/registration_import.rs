//! Importing a registration sheet (报名表): every row the registration module planned becomes an entry
//! with its files, all in one transaction — a sheet goes in whole or not at all. A dry run
//! returns the same report without writing anything (it reads the files to find duplicates but
//! copies nothing), for the preview the clerk checks first. A real import looks for content the
//! catalog already holds inside its IMMEDIATE write transaction, as the file import does, so a
//! file another program catalogued while the sheet's files were being copied keeps its row out.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use rusqlite::{Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::entries::{insert_entry, insert_file};
use super::store::{self, StoredFile};
use super::{Library, LibraryError, audit, now};
use crate::entry::check_input;
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
        self.import_sheet_with(path, options, &mut || {})
    }

    /// [`Library::import_sheet`], calling `before_write` once the files are in the store and
    /// just before the write transaction begins: where another program may commit meanwhile.
    fn import_sheet_with(
        &mut self,
        path: &Path,
        options: &SheetImportOptions,
        before_write: &mut dyn FnMut(),
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
                && let Err(errors) = check_input(&p.input, &campaign)
            {
                for e in errors {
                    p.problems
                        .push(Problem::new(ProblemKind::Invalid, e.message));
                }
            }
        }

        // Copy the files of every importable row (a dry run only hashes them, so the preview
        // shows the same duplicates the import will find); a file that cannot be read keeps
        // its row out.
        let mut stored: Vec<Vec<(PathBuf, StoredFile)>> = vec![Vec::new(); plans.len()];
        let mut hashes: Vec<Vec<(PathBuf, String)>> = vec![Vec::new(); plans.len()];
        let _importing = if options.dry_run {
            None
        } else {
            Some(store::begin_import(&self.root)?)
        };
        for (i, p) in plans.iter_mut().enumerate() {
            if p.is_blocked() {
                continue;
            }
            for f in p.files.clone() {
                let sha = if options.dry_run {
                    store::hash_file(&f)
                } else {
                    store::import(&self.root, &f).map(|s| {
                        let sha = s.sha256.clone();
                        stored[i].push((f.clone(), s));
                        sha
                    })
                };
                match sha {
                    Ok(sha) => hashes[i].push((f, sha)),
                    Err(e) => p
                        .problems
                        .push(Problem::new(ProblemKind::FileUnreadable, e.to_string())),
                }
            }
        }

        let rows = if options.dry_run {
            mark_known_content(&self.conn, &mut plans, &hashes)?;
            results(plans)
        } else {
            before_write();
            // IMMEDIATE: what is already catalogued is looked up under the write lock, so a
            // file another program (the window, the CLI) committed since the copy is found,
            // and nothing can be committed between the look-up and the sheet's entries.
            let tx = self
                .conn
                .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            mark_known_content(&tx, &mut plans, &hashes)?;
            let mut rows = results(plans);
            let at = now();
            for (row, files) in rows.iter_mut().zip(&stored) {
                if !row.importable {
                    continue;
                }
                let cleaned =
                    check_input(&row.plan.input, &campaign).map_err(LibraryError::Invalid)?;
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
            rows
        };
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
}

fn results(plans: Vec<RowPlan>) -> Vec<SheetRowResult> {
    plans
        .into_iter()
        .map(|plan| SheetRowResult {
            importable: !plan.is_blocked(),
            plan,
            entry_id: None,
        })
        .collect()
}

/// Keeps out the rows whose files (`hashes`, per row) hold content the catalog already has in
/// a live entry, or that an earlier row of the sheet brings under another name (the same
/// film sent twice). A real import calls this inside its write transaction.
fn mark_known_content(
    conn: &Connection,
    plans: &mut [RowPlan],
    hashes: &[Vec<(PathBuf, String)>],
) -> Result<(), LibraryError> {
    // Content seen in this sheet so far: hash → (row, path).
    let mut seen: HashMap<&str, (u32, &Path)> = HashMap::new();
    for (p, files) in plans.iter_mut().zip(hashes) {
        for (f, sha) in files {
            if let Some((id, title)) = entry_with_content(conn, sha)? {
                p.problems.push(Problem::new(
                    ProblemKind::AlreadyInLibrary,
                    format!("文件“{}”与资料库中的 #{id}《{title}》内容相同", f.display()),
                ));
            } else if let Some((row, other)) = seen.get(sha.as_str())
                && *other != f.as_path()
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
    Ok(())
}

/// The first live entry holding a file with this content.
fn entry_with_content(
    conn: &Connection,
    sha256: &str,
) -> Result<Option<(i64, String)>, LibraryError> {
    Ok(conn
        .query_row(
            "SELECT e.id, e.title FROM files f JOIN entries e ON e.id = f.entry_id
             WHERE f.sha256 = ?1 AND e.deleted_at IS NULL ORDER BY e.id LIMIT 1",
            [sha256],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?)
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::sync::atomic::AtomicBool;

    use super::SheetImportOptions;
    use crate::library::{Actor, ImportOptions, Library};
    use crate::office::OfficeInput;
    use crate::registration::ProblemKind;

    fn office() -> OfficeInput {
        OfficeInput {
            name: "金平区总工会".into(),
            unit_type: "district".into(),
            campaign_id: "shantou-2023".into(),
            contact_name: "陈晓".into(),
            contact_title: "宣教部干事".into(),
            contact_phone: "0754-88123456".into(),
        }
    }

    fn write(path: &Path, bytes: &[u8]) {
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, bytes).expect("write");
    }

    #[test]
    fn a_file_another_program_catalogues_while_the_sheet_is_copied_keeps_its_row_out() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let root = tmp.path().join("资料库");
        let mut lib = Library::create(&root, &office(), Actor::App).expect("create");
        let works = tmp.path().join("作品");
        let film = works.join("光荣劳动者.mp4");
        write(&film, b"the same film, sent twice");
        write(&works.join("红色家书.mp3"), b"a recitation");
        let sheet = tmp.path().join("报名表.csv");
        let csv = "作品名称,作者,类别,文件名\n\
                   光荣劳动者,张三,微视频,光荣劳动者.mp4\n\
                   红色家书,李四,诵读,红色家书.mp3\n";
        write(&sheet, csv.as_bytes());
        let options = SheetImportOptions {
            files_dir: Some(works.display().to_string()),
            ..SheetImportOptions::default()
        };

        // The CLI, on its own connection, imports the film after the sheet import has copied
        // its files, but before it writes.
        let mut other_program = || {
            let mut cli = Library::open(&root, Actor::Cli).expect("second connection");
            let options = ImportOptions {
                category: "micro-video".into(),
                ..ImportOptions::default()
            };
            let report = cli
                .import_files(
                    std::slice::from_ref(&film),
                    &options,
                    &mut |_| {},
                    &AtomicBool::new(false),
                )
                .expect("the other import");
            assert_eq!(report.added, 1, "{report:?}");
        };
        let result = lib
            .import_sheet_with(&sheet, &options, &mut other_program)
            .expect("sheet import");

        let film_row = &result.rows[0];
        assert!(!film_row.importable, "{film_row:?}");
        assert_eq!(film_row.entry_id, None);
        assert!(
            film_row
                .plan
                .problems
                .iter()
                .any(|p| p.kind == ProblemKind::AlreadyInLibrary
                    && p.message.contains("《光荣劳动者》内容相同")),
            "{:?}",
            film_row.plan.problems
        );
        assert!(
            result.rows[1].entry_id.is_some(),
            "the other row still goes in"
        );
        assert_eq!((result.created, result.blocked), (1, 1));
        let film_entries: i64 = lib
            .conn
            .query_row(
                "SELECT count(*) FROM files f JOIN entries e ON e.id = f.entry_id
                 WHERE f.original_name = '光荣劳动者.mp4' AND e.deleted_at IS NULL",
                [],
                |r| r.get(0),
            )
            .expect("count");
        assert_eq!(film_entries, 1, "the film is catalogued once");
        assert_eq!(lib.info().expect("info").entry_count, 2);
    }
}
