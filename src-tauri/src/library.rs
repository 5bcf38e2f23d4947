//! One library folder: `catalog.sqlite` plus the managed file store.
//!
//! A library is portable: every path stored in the catalog is relative to the folder, so the
//! folder can be copied to another PC or a USB stick and opened there. The catalog is opened in
//! WAL mode with foreign keys on and a busy timeout, so the window and the CLI can hold the same
//! library at once; every change is one transaction that also writes its audit-log row.
//!
//! Architecture invariant: nothing here knows a window exists. Errors carry a stable code and a
//! Chinese message the clerk can act on.

mod account;
mod backup;
mod batches;
mod bulk;
mod catalog_xlsx;
mod deadlines;
mod doctor;
mod entries;
mod error;
mod facts;
mod import;
mod office;
mod opening;
mod outbox;
mod outbox_gate;
mod outbox_hold;
mod received;
pub mod recent;
mod registration_import;
mod review;
mod schema;
mod store;
mod thumbcache;
pub mod trash;

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};
use serde::Serialize;
use ts_rs::TS;

use crate::campaign::{self, Campaign};
use crate::fsx::io_reason;
use crate::office::{Office, OfficeInput};

pub use crate::validate::FieldError;
pub use backup::{
    BackupInfo, BackupKind, RestoreReport, UnlistedFile, copy_to as copy_backup_to,
    list as backups_in, restore_missing_catalog,
};
pub use bulk::BulkChange;
pub use doctor::{DoctorFinding, DoctorReport, DoctorSeverity};
pub use error::LibraryError;
pub use import::{
    ImportItem, ImportOptions, ImportOutcome, ImportReport, OnDuplicate, collect_files,
};
pub use opening::{Openable, open_extension};
pub use outbox::{MessageState, NewMessage, OutboxMessage, QueuedAttachment, Resolution};
pub use outbox_hold::OutboxHold;
pub use received::{
    Arrived, Awaited, Delivery, PendingFile, ReceivedProblem, Recorded, Source, Unfilled,
};
pub use registration_import::{SheetImport, SheetImportOptions, SheetRowResult};
pub use schema::SCHEMA_VERSION;
pub use store::{ImportGuard, resolve as stored_file_path};
pub use thumbcache::{THUMB_SIDE, ThumbInfo, thumbnail_at};

/// The catalog's file name inside a library folder.
pub const CATALOG_FILE: &str = "catalog.sqlite";
/// Marks a SQLite file as a Baosong catalog (`PRAGMA application_id`), "BSNG".
const APPLICATION_ID: i32 = 0x4253_4E47;
/// How long a write waits for another program (the CLI, a second window) before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(8);

/// Who made a change, for the audit log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    App,
    Cli,
}

impl Actor {
    fn as_str(self) -> &'static str {
        match self {
            Actor::App => "app",
            Actor::Cli => "cli",
        }
    }
}

/// Summary shown in the window's title bar and the CLI's `info`.
#[derive(Debug, Clone, Serialize, TS)]
pub struct LibraryInfo {
    pub path: String,
    #[ts(type = "number")]
    pub schema_version: i64,
    pub office: Option<Office>,
    #[ts(type = "number")]
    pub entry_count: i64,
}

/// An open library.
pub struct Library {
    root: PathBuf,
    conn: Connection,
    actor: Actor,
}

impl std::fmt::Debug for Library {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Library").field("root", &self.root).finish()
    }
}

/// Every catalog connection: a catalog may come from a stranger's stick, so its schema is not
/// trusted to run functions with side effects (`trusted_schema` off) and SQL cannot corrupt the
/// file behind SQLite's back (defensive mode: no writable schema, no direct page writes).
fn configure(conn: &Connection) -> Result<(), LibraryError> {
    use rusqlite::config::DbConfig;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_DEFENSIVE, true)?;
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_TRUSTED_SCHEMA, false)?;
    conn.pragma_update(None, "foreign_keys", true)?;
    Ok(())
}

/// True when `dir` holds what only a library leaves — stored works, the catalog's `-wal`/`-shm`
/// companions, backups or trash — so a new catalog there would orphan them.
fn holds_a_store(dir: &Path) -> bool {
    let non_empty = |rel: &str, ignore: &[&str]| {
        std::fs::read_dir(dir.join(rel)).is_ok_and(|list| {
            list.flatten().any(|e| {
                let name = e.file_name();
                let name = name.to_string_lossy();
                if !ignore.contains(&name.as_ref()) {
                    return true;
                }
                // An empty `.incoming` is harmless; anything in it is not.
                e.file_type().is_ok_and(|t| t.is_dir())
                    && std::fs::read_dir(e.path()).is_ok_and(|mut l| l.next().is_some())
            })
        })
    };
    let companion = ["-wal", "-shm", "-journal"]
        .iter()
        .any(|s| std::fs::symlink_metadata(dir.join(format!("{CATALOG_FILE}{s}"))).is_ok());
    companion
        || non_empty("files", &[".import.lock", ".incoming"])
        || non_empty(backup::BACKUP_DIR, &[])
        || non_empty(trash::TRASH_DIR, &[])
}

impl Library {
    /// True when `dir` holds a catalog.
    pub fn exists(dir: &Path) -> bool {
        dir.join(CATALOG_FILE).is_file()
    }

    /// Creates a new library in `dir` (created if missing; must not already hold one) with its
    /// office set up. Nothing is left behind when setup fails.
    pub fn create(dir: &Path, office: &OfficeInput, actor: Actor) -> Result<Library, LibraryError> {
        Library::create_as(dir, office, crate::office::Role::District, actor)
    }

    /// [`Library::create`] for either side of the mail: a district's, or the municipal
    /// office's receiving library (市级收件).
    pub fn create_as(
        dir: &Path,
        office: &OfficeInput,
        role: crate::office::Role,
        actor: Actor,
    ) -> Result<Library, LibraryError> {
        let campaign = campaign::embedded_by_id(&office.campaign_id)?;
        crate::office::validate_as(office, &campaign, role).map_err(LibraryError::Invalid)?;
        if Library::exists(dir) {
            return Err(LibraryError::AlreadyExists(dir.to_path_buf()));
        }
        if holds_a_store(dir) {
            return Err(LibraryError::StoreWithoutCatalog(dir.to_path_buf()));
        }
        std::fs::create_dir_all(dir).map_err(|e| LibraryError::Write {
            path: dir.to_path_buf(),
            reason: io_reason(&e),
        })?;
        // Build the catalog under a temporary name and rename it into place, so a failed
        // setup never leaves a half-made library that later opens.
        let tmp = dir.join(".catalog.sqlite.creating");
        let _ = std::fs::remove_file(&tmp);
        let result = (|| {
            let mut conn = Connection::open(&tmp)?;
            configure(&conn)?;
            conn.pragma_update(None, "application_id", APPLICATION_ID)?;
            schema::migrate(&mut conn)?;
            let tx = conn.transaction()?;
            office::save(&tx, office, actor)?;
            office::set_role(&tx, role)?;
            tx.commit()?;
            // Switch to WAL only once the file is in place; a rename of a WAL database with
            // live -wal/-shm files would lose them.
            drop(conn);
            Ok::<(), LibraryError>(())
        })();
        if let Err(e) = result {
            let _ = std::fs::remove_file(&tmp);
            return Err(e);
        }
        std::fs::rename(&tmp, dir.join(CATALOG_FILE)).map_err(|e| LibraryError::Write {
            path: dir.to_path_buf(),
            reason: io_reason(&e),
        })?;
        Library::open(dir, actor)
    }

    /// Opens an existing library, migrating an older catalog forward. A catalog written by a
    /// newer version, or a SQLite file that is not ours, is refused untouched.
    pub fn open(dir: &Path, actor: Actor) -> Result<Library, LibraryError> {
        let path = dir.join(CATALOG_FILE);
        if !path.is_file() {
            return Err(if holds_a_store(dir) {
                LibraryError::StoreWithoutCatalog(dir.to_path_buf())
            } else {
                LibraryError::NotALibrary(dir.to_path_buf())
            });
        }
        if crate::safe_path::is_link(&path) {
            return Err(LibraryError::UnsafePath {
                row: "资料库文件夹".to_owned(),
                source: crate::safe_path::UnsafePath {
                    path: CATALOG_FILE.to_owned(),
                    reason: "是一个链接（快捷方式），为安全起见不打开",
                },
            });
        }
        // Look before touching: read-only first, so a foreign or newer file is never changed
        // (not even turned into WAL mode).
        let header = |c: &Connection| -> rusqlite::Result<(i32, i64)> {
            c.busy_timeout(BUSY_TIMEOUT)?;
            Ok((
                c.pragma_query_value(None, "application_id", |r| r.get(0))?,
                c.pragma_query_value(None, "user_version", |r| r.get(0))?,
            ))
        };
        let foreign_or_busy = |e: rusqlite::Error| match LibraryError::from(e) {
            LibraryError::Busy => LibraryError::Busy,
            _ => LibraryError::Foreign(path.clone()),
        };
        let looked = Connection::open_with_flags(&path, OpenFlags::SQLITE_OPEN_READ_ONLY)
            .and_then(|ro| header(&ro));
        let (app_id, version) = match looked {
            Ok(h) => h,
            Err(e)
                if matches!(
                    e.sqlite_error_code(),
                    Some(
                        rusqlite::ErrorCode::NotADatabase
                            | rusqlite::ErrorCode::DatabaseBusy
                            | rusqlite::ErrorCode::DatabaseLocked
                    )
                ) =>
            {
                return Err(foreign_or_busy(e));
            }
            // A WAL left by a program that was killed needs recovery, which a read-only
            // connection cannot run: look again through one that may (recovery replays only
            // committed frames of this file's own WAL and changes nothing else).
            Err(_) => Connection::open_with_flags(&path, OpenFlags::SQLITE_OPEN_READ_WRITE)
                .and_then(|rw| header(&rw))
                .map_err(foreign_or_busy)?,
        };
        if app_id != APPLICATION_ID {
            return Err(LibraryError::Foreign(path.clone()));
        }
        if version > SCHEMA_VERSION {
            return Err(LibraryError::TooNew {
                found: version,
                supported: SCHEMA_VERSION,
            });
        }
        let mut conn = Connection::open(&path)?;
        configure(&conn)?;
        let mode: String =
            conn.pragma_update_and_check(None, "journal_mode", "wal", |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            // Some network drives cannot do WAL; the rollback journal still keeps data safe.
            conn.pragma_update(None, "journal_mode", "delete")?;
        }
        conn.pragma_update(None, "synchronous", "FULL")?;
        let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
        if version > 0 && version < SCHEMA_VERSION {
            // The catalog as it was, before a step that cannot be undone: no backup, no
            // migration.
            backup::create(&conn, dir, backup::BackupKind::BeforeMigration)?;
        }
        schema::migrate(&mut conn)?;
        backup::daily_if_due(&conn, dir);
        // The references are read only once the sweep holds the import lock, so a file an
        // importer commits meanwhile is never taken for a leftover.
        store::sweep(dir, &today(), || {
            // A batch's snapshot names stored files too; they are never swept.
            conn.prepare(REFERENCED)?
                .query_map([], |r| r.get(0))?
                .collect::<Result<_, _>>()
        });
        Ok(Library {
            root: dir.to_path_buf(),
            conn,
            actor,
        })
    }

    /// How long a write waits for another program before [`LibraryError::Busy`].
    pub fn set_busy_timeout(&self, timeout: Duration) -> Result<(), LibraryError> {
        Ok(self.conn.busy_timeout(timeout)?)
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn info(&self) -> Result<LibraryInfo, LibraryError> {
        let entry_count: i64 = self.conn.query_row(
            "SELECT count(*) FROM entries WHERE deleted_at IS NULL",
            [],
            |r| r.get(0),
        )?;
        Ok(LibraryInfo {
            path: self.root.display().to_string(),
            schema_version: SCHEMA_VERSION,
            office: office::load(&self.conn)?,
            entry_count,
        })
    }

    /// Announces files coming into the store for a caller that records them itself: hold the
    /// guard until their rows commit, so no sweep takes them for leftovers meanwhile.
    pub fn begin_import(&self) -> Result<ImportGuard, LibraryError> {
        store::begin_import(&self.root)
    }

    /// Copies `source` into the store (content-addressed, hashed in the same read, landed by
    /// rename): its stored path and SHA-256. Call under [`Library::begin_import`].
    pub fn store_file(&self, source: &Path) -> Result<(String, String), LibraryError> {
        let stored = store::import(&self.root, source)?;
        Ok((stored.stored_path, stored.sha256))
    }

    /// [`Library::store_file`] of a file the library wrote itself and no longer needs (see
    /// [`store::adopt`]): moved into the store, not copied.
    pub fn adopt_file(&self, source: &Path) -> Result<(String, String), LibraryError> {
        let stored = store::adopt(&self.root, source)?;
        Ok((stored.stored_path, stored.sha256))
    }

    /// The office profile; `NoOffice` before first-run setup finished.
    pub fn office(&self) -> Result<Office, LibraryError> {
        office::load(&self.conn)?.ok_or(LibraryError::NoOffice)
    }

    pub fn update_office(&mut self, input: &OfficeInput) -> Result<Office, LibraryError> {
        let campaign = campaign::embedded_by_id(&input.campaign_id)?;
        let role = self.office()?.role;
        crate::office::validate_as(input, &campaign, role).map_err(LibraryError::Invalid)?;
        let tx = self.conn.transaction()?;
        office::save(&tx, input, self.actor)?;
        tx.commit()?;
        self.office()
    }

    /// Moves the office to another campaign (municipal ↔ provincial). The unit type is the one
    /// given, else the one the office had there before (see [`office::unit_type_for`]); when
    /// neither is known the clerk is asked for it (a field error on `unit_type`).
    pub fn switch_campaign(
        &mut self,
        campaign_id: &str,
        unit_type: Option<&str>,
    ) -> Result<Office, LibraryError> {
        let current = self.office()?;
        let campaign = campaign::embedded_by_id(campaign_id.trim())?;
        let unit_type = match unit_type.map(str::trim).filter(|t| !t.is_empty()) {
            Some(t) => t.to_owned(),
            None => {
                office::unit_type_for(&self.conn, &current.name, &campaign)?.ok_or_else(|| {
                    LibraryError::Invalid(vec![FieldError::new(
                        "unit_type",
                        format!("请选择本单位在“{}”中的单位类型", campaign.short_name),
                    )])
                })?
            }
        };
        let input = OfficeInput {
            name: current.name,
            unit_type,
            campaign_id: campaign.id.clone(),
            contact_name: current.contact_name,
            contact_title: current.contact_title,
            contact_phone: current.contact_phone,
        };
        crate::office::validate(&input, &campaign).map_err(LibraryError::Invalid)?;
        let tx = self.conn.transaction()?;
        office::save(&tx, &input, self.actor)?;
        tx.commit()?;
        self.office()
    }

    /// The campaign the office works on.
    pub fn campaign(&self) -> Result<Campaign, LibraryError> {
        Ok(campaign::embedded_by_id(&self.office()?.campaign_id)?)
    }

    /// The audit log, newest first.
    pub fn audit_log(&self, limit: usize) -> Result<Vec<AuditRecord>, LibraryError> {
        let mut stmt = self.conn.prepare(
            "SELECT id, at, actor, action, entry_id, detail FROM audit_log ORDER BY id DESC LIMIT ?1",
        )?;
        let rows = stmt.query_map([limit as i64], |r| {
            Ok(AuditRecord {
                id: r.get(0)?,
                at: r.get(1)?,
                actor: r.get(2)?,
                action: r.get(3)?,
                entry_id: r.get(4)?,
                detail: r.get(5)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

/// One row of the audit log: who changed what, when.
#[derive(Debug, Clone, Serialize, TS)]
pub struct AuditRecord {
    #[ts(type = "number")]
    pub id: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    #[ts(type = "number | null")]
    pub entry_id: Option<i64>,
    /// JSON with the values that changed.
    pub detail: String,
}

/// Every stored file a catalog row names: an entry's, a batch snapshot's, a received batch's.
/// The sweep never touches them and 未编目文件 are the others.
const REFERENCED: &str = "SELECT stored_path FROM files UNION SELECT stored_path FROM batch_files
     UNION SELECT stored_path FROM received_files WHERE stored_path IS NOT NULL";

/// Appends an audit-log row inside the caller's transaction, and says so in the log file
/// (without a work's or the office's fields: they name people and phone numbers).
fn audit(
    tx: &Connection,
    actor: Actor,
    action: &str,
    entry_id: Option<i64>,
    detail: &serde_json::Value,
) -> Result<(), LibraryError> {
    let personal = action.starts_with("entry.") || action.starts_with("office.");
    tracing::info!(
        target: "baosong::audit",
        actor = actor.as_str(),
        entry = entry_id,
        detail = (!personal).then(|| detail.to_string()),
        "{action}"
    );
    tx.execute(
        "INSERT INTO audit_log (at, actor, action, entry_id, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
        rusqlite::params![now(), actor.as_str(), action, entry_id, detail.to_string()],
    )?;
    Ok(())
}

/// Today's date (UTC) for the names of trash and backup folders.
fn today() -> String {
    chrono::Utc::now().format("%Y-%m-%d").to_string()
}

/// Timestamps are stored as RFC 3339 UTC with milliseconds, which sort as text.
fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// The default place for a new library: `<Documents>/报送助手资料库`.
pub fn default_location() -> PathBuf {
    dirs::document_dir()
        .or_else(dirs::home_dir)
        .unwrap_or_else(|| PathBuf::from("."))
        .join("报送助手资料库")
}
