//! Backups of the catalog, and the way back from one.
//!
//! A backup is a consistent copy of `catalog.sqlite` made with `VACUUM INTO` (a read
//! transaction: other programs may go on writing), written to a temporary in `backups/`,
//! checked with `PRAGMA integrity_check`, fsynced and renamed to
//! `backups/catalog-<id>.sqlite`. One is made before every migration, once a day when the
//! library is opened, before every restore, and when the clerk asks. Rotation keeps 7 daily and
//! one a week for 4 more weeks, every pre-migration one, and the 10 newest of the others.
//!
//! Restoring copies a backup into the live catalog through SQLite's online backup API, so the
//! catalog changes in one step under SQLite's own locks. It never touches the store: works the
//! restored catalog does not name stay in `files/` and are offered as 未编目文件
//! ([`Library::unlisted_files`]), to be catalogued again or moved to the trash by the clerk.

use crate::fsx;
use crate::fsx::io_reason;

use std::collections::{HashMap, HashSet};
use std::fs;
use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags};
use serde::Serialize;
use ts_rs::TS;

use super::{APPLICATION_ID, CATALOG_FILE, Library, LibraryError, SCHEMA_VERSION, audit};
use crate::safe_path;

pub const BACKUP_DIR: &str = "backups";
const PREFIX: &str = "catalog-";
const SUFFIX: &str = ".sqlite";
const KEEP_DAILY: usize = 7;
const KEEP_WEEKLY: usize = 4;
const KEEP_OTHER: usize = 10;

/// Why a backup was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, TS)]
#[serde(rename_all = "kebab-case")]
pub enum BackupKind {
    Daily,
    Manual,
    BeforeMigration,
    BeforeRestore,
}

impl BackupKind {
    fn as_str(self) -> &'static str {
        match self {
            BackupKind::Daily => "daily",
            BackupKind::Manual => "manual",
            BackupKind::BeforeMigration => "before-migration",
            BackupKind::BeforeRestore => "before-restore",
        }
    }

    fn parse(s: &str) -> Option<BackupKind> {
        [
            BackupKind::Daily,
            BackupKind::Manual,
            BackupKind::BeforeMigration,
            BackupKind::BeforeRestore,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }

    /// In Chinese, for lists.
    pub fn label(self) -> &'static str {
        match self {
            BackupKind::Daily => "每日自动",
            BackupKind::Manual => "手动",
            BackupKind::BeforeMigration => "升级前",
            BackupKind::BeforeRestore => "恢复前",
        }
    }
}

/// One backup in `backups/`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct BackupInfo {
    /// `20261204-051502123-manual`: its time (UTC) and kind; names the file.
    pub id: String,
    pub kind: BackupKind,
    /// RFC 3339, UTC.
    pub created_at: String,
    /// Works catalogued in it (not deleted); None when it cannot be read.
    #[ts(type = "number | null")]
    pub works: Option<i64>,
    #[ts(type = "number")]
    pub size: u64,
}

/// What a restore did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct RestoreReport {
    pub restored: BackupInfo,
    /// The copy of the catalog as it was just before, to undo the restore.
    pub safety_backup: Option<BackupInfo>,
    /// Stored files the restored catalog does not name (未编目文件), left in the store.
    pub unlisted: u32,
}

/// A file in the store that no catalog row names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct UnlistedFile {
    pub stored_path: String,
    #[ts(type = "number")]
    pub size: u64,
    /// Its name when it was taken in, from the newest backup that knew it.
    pub original_name: Option<String>,
}

fn parse_id(id: &str) -> Option<(chrono::DateTime<chrono::Utc>, BackupKind)> {
    let (stamp, kind) = id.get(..18).zip(id.get(19..))?;
    if id.as_bytes().get(18) != Some(&b'-') {
        return None;
    }
    let kind = BackupKind::parse(kind)?;
    let at = chrono::NaiveDateTime::parse_from_str(stamp, "%Y%m%d-%H%M%S%3f").ok()?;
    Some((at.and_utc(), kind))
}

fn file_of(dir: &Path, id: &str) -> PathBuf {
    dir.join(format!("{PREFIX}{id}{SUFFIX}"))
}

fn write_err(path: &Path, e: &std::io::Error) -> LibraryError {
    LibraryError::Write {
        path: path.to_path_buf(),
        reason: io_reason(e),
    }
}

fn backup_dir(root: &Path) -> Result<PathBuf, LibraryError> {
    safe_path::join_inside(root, BACKUP_DIR).map_err(|e| LibraryError::UnsafePath {
        row: "备份文件夹".to_owned(),
        source: e,
    })
}

/// Opens a backup (or any catalog file) read-only, not trusting its schema.
fn open_read_only(path: &Path) -> rusqlite::Result<Connection> {
    let c = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    c.set_db_config(
        rusqlite::config::DbConfig::SQLITE_DBCONFIG_TRUSTED_SCHEMA,
        false,
    )?;
    Ok(c)
}

/// Checks that `path` is a whole catalog this version can open: ours, not newer, intact.
fn verify(path: &Path) -> Result<i64, String> {
    let c = open_read_only(path).map_err(|e| e.to_string())?;
    let app_id: i32 = c
        .pragma_query_value(None, "application_id", |r| r.get(0))
        .map_err(|_| "不是报送助手的资料库文件".to_owned())?;
    if app_id != APPLICATION_ID {
        return Err("不是报送助手的资料库文件".into());
    }
    let version: i64 = c
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .map_err(|e| e.to_string())?;
    if version > SCHEMA_VERSION {
        return Err(format!("由更新版本的报送助手创建（格式第 {version} 版）"));
    }
    let check: String = c
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .map_err(|e| e.to_string())?;
    if check != "ok" {
        return Err(format!("完整性检查未通过（{check}）"));
    }
    c.query_row(
        "SELECT count(*) FROM entries WHERE deleted_at IS NULL",
        [],
        |r| r.get(0),
    )
    .map_err(|e| e.to_string())
}

fn info_of(dir: &Path, id: &str) -> Option<BackupInfo> {
    let (at, kind) = parse_id(id)?;
    let path = file_of(dir, id);
    let meta = fs::symlink_metadata(&path).ok().filter(|m| m.is_file())?;
    let works = open_read_only(&path).ok().and_then(|c| {
        c.query_row(
            "SELECT count(*) FROM entries WHERE deleted_at IS NULL",
            [],
            |r| r.get(0),
        )
        .ok()
    });
    Some(BackupInfo {
        id: id.to_owned(),
        kind,
        created_at: at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        works,
        size: meta.len(),
    })
}

/// The ids in `backups/`, oldest first (links and foreign files are not backups).
fn ids(dir: &Path) -> Vec<String> {
    let mut out: Vec<String> = fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let id = name.strip_prefix(PREFIX)?.strip_suffix(SUFFIX)?.to_owned();
            parse_id(&id).map(|_| id)
        })
        .collect();
    out.sort();
    out
}

/// Every backup of the library at `root`, newest first.
pub fn list(root: &Path) -> Vec<BackupInfo> {
    let Ok(dir) = backup_dir(root) else {
        return Vec::new();
    };
    let mut out: Vec<BackupInfo> = ids(&dir)
        .iter()
        .filter_map(|id| info_of(&dir, id))
        .collect();
    out.reverse();
    out
}

/// Makes a backup of the catalog open on `conn`.
pub(super) fn create(
    conn: &Connection,
    root: &Path,
    kind: BackupKind,
) -> Result<BackupInfo, LibraryError> {
    let dir = backup_dir(root)?;
    fs::create_dir_all(&dir).map_err(|e| write_err(&dir, &e))?;
    let mut now = chrono::Utc::now();
    let mut id = format!("{}-{}", now.format("%Y%m%d-%H%M%S%3f"), kind.as_str());
    while file_of(&dir, &id).exists() {
        now += chrono::Duration::milliseconds(1);
        id = format!("{}-{}", now.format("%Y%m%d-%H%M%S%3f"), kind.as_str());
    }
    sweep_partials(&dir);
    let tmp = dir.join(format!(".{PREFIX}{id}{SUFFIX}.partial"));
    let result = (|| {
        let tmp_str = tmp.to_str().ok_or_else(|| LibraryError::Write {
            path: tmp.clone(),
            reason: "文件夹路径含有无法处理的字符".into(),
        })?;
        conn.execute("VACUUM INTO ?1", [tmp_str])?;
        verify(&tmp).map_err(|reason| LibraryError::Write {
            path: tmp.clone(),
            reason: format!("备份副本{reason}"),
        })?;
        fs::File::open(&tmp)
            .and_then(|f| f.sync_all())
            .map_err(|e| write_err(&tmp, &e))?;
        fs::rename(&tmp, file_of(&dir, &id)).map_err(|e| write_err(&tmp, &e))?;
        let _ = fsx::sync_dir(&dir);
        Ok(())
    })();
    if let Err(e) = result {
        let _ = fs::remove_file(&tmp); // our own temporary, by its name
        return Err(e);
    }
    rotate(&dir);
    info_of(&dir, &id).ok_or_else(|| LibraryError::Write {
        path: file_of(&dir, &id),
        reason: "备份写入后无法读回".into(),
    })
}

/// Removes what a backup killed midway left: our own `.catalog-*.sqlite.partial` temporaries
/// and their `-journal` (regular files, by name and place), once they are an hour old — a younger one may be another
/// program's backup in progress.
fn sweep_partials(dir: &Path) {
    let hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    for e in fs::read_dir(dir).into_iter().flatten().flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let ours = name.starts_with(&format!(".{PREFIX}")) && name.contains(".partial");
        let old = e
            .metadata()
            .and_then(|m| m.modified())
            .is_ok_and(|t| t < hour_ago);
        if ours && old && e.file_type().is_ok_and(|t| t.is_file()) {
            let _ = fs::remove_file(e.path());
        }
    }
}

/// Removes backups beyond the rotation (see the module documentation). Only files whose names
/// are backups' names are ever removed.
fn rotate(dir: &Path) {
    let mut by_kind: HashMap<BackupKind, Vec<(String, chrono::DateTime<chrono::Utc>)>> =
        HashMap::new();
    for id in ids(dir) {
        if let Some((at, kind)) = parse_id(&id) {
            by_kind.entry(kind).or_default().push((id, at));
        }
    }
    let mut drop: Vec<String> = Vec::new();
    for (kind, mut list) in by_kind {
        list.sort_by(|a, b| b.0.cmp(&a.0)); // newest first
        match kind {
            BackupKind::BeforeMigration => {}
            BackupKind::Daily => {
                let mut weeks = HashSet::new();
                for (i, (id, at)) in list.into_iter().enumerate() {
                    if i < KEEP_DAILY {
                        continue;
                    }
                    use chrono::Datelike;
                    let week = at.iso_week();
                    let new_week =
                        weeks.len() < KEEP_WEEKLY && weeks.insert((week.year(), week.week()));
                    if !new_week {
                        drop.push(id);
                    }
                }
            }
            BackupKind::Manual | BackupKind::BeforeRestore => {
                drop.extend(list.into_iter().skip(KEEP_OTHER).map(|(id, _)| id));
            }
        }
    }
    for id in drop {
        let _ = fs::remove_file(file_of(dir, &id));
    }
}

/// A backup of the day, unless one was made since midnight (UTC).
pub(super) fn daily_if_due(conn: &Connection, root: &Path) {
    let today = chrono::Utc::now().format("%Y%m%d").to_string();
    let due = backup_dir(root).is_ok_and(|dir| !ids(&dir).iter().any(|id| id.starts_with(&today)));
    if due {
        // A library on a read-only stick, or a full disk, opens all the same.
        let _ = create(conn, root, BackupKind::Daily);
    }
}

/// The verified file of backup `id` in the library at `root`.
fn checked_backup(root: &Path, id: &str) -> Result<(PathBuf, BackupInfo), LibraryError> {
    let dir = backup_dir(root)?;
    let no_such = || LibraryError::NoSuchBackup(id.to_owned());
    parse_id(id).ok_or_else(no_such)?;
    let path = file_of(&dir, id);
    let info = info_of(&dir, id).ok_or_else(no_such)?;
    verify(&path).map_err(|reason| LibraryError::BadBackup {
        id: id.to_owned(),
        reason,
    })?;
    Ok((path, info))
}

/// Puts backup `id` in place of a catalog that is missing (lost, quarantined, renamed): the
/// way back when the folder still holds its works. The lost catalog's `-wal`/`-shm` companions,
/// which belong to another file, are renamed aside, never deleted.
pub fn restore_missing_catalog(root: &Path, id: &str) -> Result<BackupInfo, LibraryError> {
    let catalog = root.join(CATALOG_FILE);
    if fs::symlink_metadata(&catalog).is_ok() {
        return Err(LibraryError::AlreadyExists(root.to_path_buf()));
    }
    let (path, info) = checked_backup(root, id)?;
    let _still = super::store::quiesce(root)?;
    let stamp = chrono::Utc::now().format("%Y%m%d-%H%M%S");
    for companion in ["-wal", "-shm", "-journal"] {
        let p = root.join(format!("{CATALOG_FILE}{companion}"));
        if fs::symlink_metadata(&p).is_ok() {
            let aside = root.join(format!("{CATALOG_FILE}{companion}.orphaned-{stamp}"));
            fs::rename(&p, &aside).map_err(|e| write_err(&p, &e))?;
        }
    }
    let tmp = root.join(".catalog.sqlite.restoring");
    let copy = || -> std::io::Result<()> {
        fs::copy(&path, &tmp)?;
        fs::File::open(&tmp)?.sync_all()?;
        fs::rename(&tmp, &catalog)?;
        let _ = fsx::sync_dir(root);
        Ok(())
    };
    copy().map_err(|e| {
        let _ = fs::remove_file(&tmp);
        write_err(&catalog, &e)
    })?;
    Ok(info)
}

/// Copies backup `id` into `dest` (a second folder, e.g. a stick), by temporary name and
/// rename; returns the copy's path.
pub fn copy_to(root: &Path, id: &str, dest: &Path) -> Result<PathBuf, LibraryError> {
    let (path, _) = checked_backup(root, id)?;
    let name = path
        .file_name()
        .map(|n| n.to_os_string())
        .ok_or_else(|| LibraryError::NoSuchBackup(id.to_owned()))?;
    let to = dest.join(name);
    let tmp = dest.join(format!(".{PREFIX}{id}{SUFFIX}.partial"));
    let copy = || -> std::io::Result<()> {
        fs::create_dir_all(dest)?;
        fs::copy(&path, &tmp)?;
        fs::File::open(&tmp)?.sync_all()?;
        fs::rename(&tmp, &to)?;
        let _ = fsx::sync_dir(dest);
        Ok(())
    };
    copy().map_err(|e| {
        let _ = fs::remove_file(&tmp); // our own temporary, by its name
        write_err(dest, &e)
    })?;
    Ok(to)
}

impl Library {
    /// A backup now, on the clerk's word.
    pub fn backup(&self) -> Result<BackupInfo, LibraryError> {
        create(&self.conn, &self.root, BackupKind::Manual)
    }

    pub fn backups(&self) -> Vec<BackupInfo> {
        list(&self.root)
    }

    /// Replaces the catalog by backup `id`, after a backup of the catalog as it is. Stored files
    /// are never touched; see the module documentation.
    pub fn restore_backup(&mut self, id: &str) -> Result<RestoreReport, LibraryError> {
        let (path, info) = checked_backup(&self.root, id)?;
        let _still = super::store::quiesce(&self.root)?;
        let safety = create(&self.conn, &self.root, BackupKind::BeforeRestore)?;
        self.conn.restore(
            rusqlite::MAIN_DB,
            &path,
            None::<fn(rusqlite::backup::Progress)>,
        )?;
        super::configure(&self.conn)?;
        super::schema::migrate(&mut self.conn)?;
        let tx = self.conn.transaction()?;
        audit(
            &tx,
            self.actor,
            "backup.restore",
            None,
            &serde_json::json!({ "backup": id, "safety_backup": safety.id }),
        )?;
        tx.commit()?;
        let unlisted = u32::try_from(self.unlisted_files()?.len()).unwrap_or(u32::MAX);
        Ok(RestoreReport {
            restored: info,
            safety_backup: Some(safety),
            unlisted,
        })
    }

    /// Stored files no catalog row names (a file of an entry or of a batch): after a restore,
    /// the works added since the backup. Links and foreign files are not listed (体检 reports
    /// them).
    pub fn unlisted_files(&self) -> Result<Vec<UnlistedFile>, LibraryError> {
        let referenced: HashSet<String> = self
            .conn
            .prepare(super::REFERENCED)?
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        let mut out: Vec<UnlistedFile> = super::store::stored_files(&self.root)
            .into_iter()
            .filter(|(p, _)| !referenced.contains(p))
            .map(|(stored_path, size)| UnlistedFile {
                stored_path,
                size,
                original_name: None,
            })
            .collect();
        if out.is_empty() {
            return Ok(out);
        }
        // Their names, from the newest backup that knew each.
        for b in list(&self.root) {
            if out.iter().all(|f| f.original_name.is_some()) {
                break;
            }
            let Ok(dir) = backup_dir(&self.root) else {
                break;
            };
            let Ok(c) = open_read_only(&file_of(&dir, &b.id)) else {
                continue;
            };
            let Ok(mut stmt) = c.prepare("SELECT original_name FROM files WHERE stored_path = ?1")
            else {
                continue;
            };
            for f in out.iter_mut().filter(|f| f.original_name.is_none()) {
                f.original_name = stmt
                    .query_row([&f.stored_path], |r| r.get::<_, String>(0))
                    .ok()
                    .filter(|n| !n.trim().is_empty());
            }
        }
        Ok(out)
    }

    /// Catalogs unlisted stored files again, one entry each in `category`, titled by the name
    /// the file had when it was taken in. The file is hashed first: a file whose content no
    /// longer matches its name is reported, not catalogued.
    pub fn adopt_unlisted(
        &mut self,
        stored_paths: &[String],
        category: &str,
    ) -> Result<Vec<super::ImportItem>, LibraryError> {
        let unlisted = self.unlisted_files()?;
        let campaign = self.campaign()?;
        if campaign.category(category).is_none() {
            return Err(LibraryError::Invalid(vec![
                crate::validate::FieldError::new("category", "请选择作品类别"),
            ]));
        }
        let mut items = Vec::new();
        for p in stored_paths {
            let Some(f) = unlisted.iter().find(|f| &f.stored_path == p) else {
                return Err(LibraryError::NotUnlisted(p.clone()));
            };
            let path =
                super::store::resolve(&self.root, p).map_err(|e| LibraryError::UnsafePath {
                    row: "未编目文件".to_owned(),
                    source: e,
                })?;
            let sha256 = crate::digest::sha256_file(&path).map_err(|e| LibraryError::ReadFile {
                path: path.clone(),
                reason: io_reason(&e),
            })?;
            let name = f
                .original_name
                .clone()
                .unwrap_or_else(|| p.rsplit('/').next().unwrap_or(p).to_owned());
            let outcome = if !p.contains(&sha256) {
                super::ImportOutcome::Failed {
                    reason: "文件内容与它在资料库中的校验值不符，可能已损坏；未登记。".into(),
                }
            } else {
                let stored = super::store::StoredFile {
                    stored_path: p.clone(),
                    size: f.size,
                    sha256: sha256.clone(),
                };
                self.take_in(
                    Path::new(&name),
                    &stored,
                    category,
                    "",
                    super::OnDuplicate::Keep,
                )?
            };
            items.push(super::ImportItem {
                path: name,
                sha256,
                size: f.size,
                outcome,
            });
        }
        Ok(items)
    }

    /// Moves unlisted stored files to the trash, on the clerk's word.
    pub fn trash_unlisted(&self, stored_paths: &[String]) -> Result<u32, LibraryError> {
        let unlisted = self.unlisted_files()?;
        let mut moved = 0;
        for p in stored_paths {
            if !unlisted.iter().any(|f| &f.stored_path == p) {
                return Err(LibraryError::NotUnlisted(p.clone()));
            }
            if super::trash::put(&self.root, p, &super::today()).map_err(|e| {
                LibraryError::Write {
                    path: self.root.join(p),
                    reason: io_reason(&e),
                }
            })? {
                moved += 1;
            }
        }
        Ok(moved)
    }
}
