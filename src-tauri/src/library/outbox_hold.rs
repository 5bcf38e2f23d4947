//! Whether the outbox may send from here. A library is portable — a clerk prepares a batch
//! offline on one PC and sends it from another — but a library copied from someone's stick must
//! never mail its queued messages by itself with this computer's stored 授权码. So the place
//! where messages were queued (or sending was last resumed) is recorded: this computer, this
//! user and this folder. Opened anywhere else, the outbox is held until the clerk says 继续发送,
//! one click. The clerk can also pause the background sender herself.

use rusqlite::{OptionalExtension, params};
use serde::Serialize;
use ts_rs::TS;

use super::{Library, LibraryError, audit, now};

/// Why the outbox does not send by itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum OutboxHold {
    /// The library was opened on another computer, by another user or from another folder;
    /// `queued_on` says where its messages were queued.
    Moved { queued_on: String },
    /// Messages wait, but where they were queued is not recorded (an older or a foreign
    /// catalog).
    Unknown,
    /// The clerk paused sending.
    Paused,
}

impl OutboxHold {
    /// In Chinese, with what to do.
    pub fn message(&self) -> String {
        match self {
            OutboxHold::Moved { queued_on } => format!(
                "发件箱已暂停：这个资料库的邮件是在{queued_on}排队的，现在在另一台电脑、另一个用户或另一个文件夹中打开。为免未经确认就用本机的邮箱发出，请核对发件箱中的邮件后点“继续发送”（命令行：outbox resume）。"
            ),
            OutboxHold::Unknown => "发件箱已暂停：这些邮件的来历未记录（资料库可能来自旧版本或他人）。请核对发件箱中的邮件后点“继续发送”（命令行：outbox resume）。".to_owned(),
            OutboxHold::Paused => "发件箱已暂停（由您暂停）。点“继续发送”恢复（命令行：outbox resume）。".to_owned(),
        }
    }
}

/// This computer, this user and this folder, as a fingerprint and in words.
fn here(root: &std::path::Path) -> (String, String) {
    let host = hostname::get()
        .map(|h| h.to_string_lossy().into_owned())
        .unwrap_or_default();
    let user = std::env::var("USERNAME")
        .or_else(|_| std::env::var("USER"))
        .unwrap_or_default();
    let folder = std::fs::canonicalize(root)
        .unwrap_or_else(|_| root.to_path_buf())
        .display()
        .to_string();
    let place = crate::digest::sha256_hex(format!("{host}\n{user}\n{folder}").as_bytes());
    (
        place,
        format!("计算机“{host}”、用户“{user}”、文件夹“{folder}”"),
    )
}

/// Records this place as where the outbox sends from (inside the caller's transaction);
/// `paused` None keeps the clerk's pause as it is.
pub(super) fn set_home(
    tx: &rusqlite::Connection,
    root: &std::path::Path,
    paused: Option<bool>,
) -> Result<(), LibraryError> {
    let (place, described) = here(root);
    tx.execute(
        "INSERT INTO outbox_home (id, place, described, paused, updated_at)
         VALUES (1, ?1, ?2, COALESCE(?3, 0), ?4)
         ON CONFLICT (id) DO UPDATE
             SET place = ?1, described = ?2, paused = COALESCE(?3, paused), updated_at = ?4",
        params![place, described, paused, now()],
    )?;
    Ok(())
}

impl Library {
    /// Why the outbox must not send by itself now, if it must not.
    pub fn outbox_hold(&self) -> Result<Option<OutboxHold>, LibraryError> {
        let home: Option<(String, bool, String)> = self
            .conn
            .query_row(
                "SELECT place, paused, described FROM outbox_home WHERE id = 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        let Some((place, paused, described)) = home else {
            let waiting: i64 = self.conn.query_row(
                "SELECT count(*) FROM outbox WHERE state IN ('queued', 'failed')",
                [],
                |r| r.get(0),
            )?;
            return Ok((waiting > 0).then_some(OutboxHold::Unknown));
        };
        if paused {
            return Ok(Some(OutboxHold::Paused));
        }
        if place != here(&self.root).0 {
            return Ok(Some(OutboxHold::Moved {
                queued_on: described,
            }));
        }
        Ok(None)
    }

    /// 继续发送: the outbox sends from here from now on.
    pub fn resume_outbox(&mut self) -> Result<(), LibraryError> {
        let tx = self.conn.transaction()?;
        set_home(&tx, &self.root, Some(false))?;
        audit(
            &tx,
            self.actor,
            "outbox.resume",
            None,
            &serde_json::json!({}),
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Pauses the background sender until [`Library::resume_outbox`].
    pub fn pause_outbox(&mut self) -> Result<(), LibraryError> {
        let tx = self.conn.transaction()?;
        set_home(&tx, &self.root, Some(true))?;
        audit(
            &tx,
            self.actor,
            "outbox.pause",
            None,
            &serde_json::json!({}),
        )?;
        tx.commit()?;
        Ok(())
    }
}
