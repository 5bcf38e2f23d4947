//! The outbox: every planned message of a batch, with a state that survives the app closing.
//!
//! ```text
//! queued ──take──▶ sending ──250──▶ sent            (reply recorded in the same transaction)
//!    ▲                │  ├──4xx, timeout, offline──▶ failed (next try at …) ──due──▶ sending
//!    │                │  ├──535 / 552 / 550──────────▶ failed (permanent)
//!    │                │  └──whole message out, no reply──▶ uncertain
//!    └──────── clerk: 重新发送 ◀── uncertain ──▶ clerk: 已送达 ──▶ sent
//! ```
//!
//! Never twice: a message is taken (`queued`/`failed` → `sending`) by a compare-and-set
//! update, so two senders cannot both take it; a `sent` row never leaves `sent`; a `sending`
//! row found by the next sender (the app died mid-send) becomes `uncertain`, never `queued`.
//!
//! A receiving library (市级收件) queues its answers to the districts here too: a 回执 or a
//! 补正通知 is one message belonging to the received batch it answers (`reply`), at most one of
//! each kind per received batch (the catalog's own UNIQUE holds it), and it goes through the
//! same gate and retries as a district's batch.

use std::path::{Path, PathBuf};

use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::{Library, LibraryError, audit, now};
use crate::city::reply::ReplyKind;
use crate::safe_path;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "kebab-case")]
pub enum MessageState {
    Queued,
    Sending,
    Sent,
    Failed,
    Uncertain,
}

impl MessageState {
    fn from_db(s: &str) -> Self {
        match s {
            "sending" => MessageState::Sending,
            "sent" => MessageState::Sent,
            "failed" => MessageState::Failed,
            "uncertain" => MessageState::Uncertain,
            _ => MessageState::Queued,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            MessageState::Queued => "待发送",
            MessageState::Sending => "正在发送",
            MessageState::Sent => "已发送",
            MessageState::Failed => "发送失败",
            MessageState::Uncertain => "待确认",
        }
    }
}

/// One attachment of a queued message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct QueuedAttachment {
    pub name: String,
    #[ts(type = "number")]
    pub size: u64,
    /// The package paths of the work files it holds (empty for the 汇总表 and 说明).
    pub paths: Vec<String>,
    /// SHA-256 of the file as written into the outbox, checked before the message is built
    /// (absent in rows queued before it was recorded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub sha256: Option<String>,
}

/// Where every message's folder lives, relative to the library.
pub const OUTBOX_DIR: &str = "outbox";

impl OutboxMessage {
    /// Its attachments' folder: a row's `folder` is input, so it must lie under the library's
    /// `outbox/` with no link on the way.
    pub fn folder_path(&self, root: &Path) -> Result<PathBuf, LibraryError> {
        let row = || format!("发件箱第{}封邮件的记录", self.position);
        if self.folder.split('/').next() != Some(OUTBOX_DIR) || self.folder == OUTBOX_DIR {
            return Err(LibraryError::UnsafePath {
                row: row(),
                source: safe_path::UnsafePath {
                    path: self.folder.clone(),
                    reason: "不在资料库的发件箱文件夹中",
                },
            });
        }
        safe_path::join_inside(root, &self.folder)
            .map_err(|source| LibraryError::UnsafePath { row: row(), source })
    }

    /// One file of its folder by name (an attachment, the cover letter): a single name, no
    /// link.
    pub fn file_path(&self, root: &Path, name: &str) -> Result<PathBuf, LibraryError> {
        self.folder_path(root)?;
        safe_path::check_name(name)
            .and_then(|()| safe_path::join_inside(root, &format!("{}/{name}", self.folder)))
            .map_err(|source| LibraryError::UnsafePath {
                row: format!("发件箱第{}封邮件的附件记录", self.position),
                source,
            })
    }
}

/// A message to queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMessage {
    pub position: u32,
    pub count: u32,
    pub sender: String,
    pub recipient: String,
    pub subject: String,
    pub message_id: String,
    /// Its attachments' folder, relative to the library.
    pub folder: String,
    pub attachments: Vec<QueuedAttachment>,
    pub bytes: u64,
    /// The per-message limit the batch was planned under.
    pub plan_bytes: u64,
}

/// A message in the outbox, as the window and `outbox --json` show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct OutboxMessage {
    #[ts(type = "number")]
    pub id: i64,
    /// The batch it belongs to: in a district's library its own batch; in a receiving library
    /// the received batch it answers (`reply` says with what).
    #[ts(type = "number")]
    pub batch_id: i64,
    pub position: u32,
    pub count: u32,
    pub sender: String,
    pub recipient: String,
    pub subject: String,
    pub message_id: String,
    pub folder: String,
    pub attachments: Vec<QueuedAttachment>,
    #[ts(type = "number")]
    pub bytes: u64,
    pub state: MessageState,
    pub attempts: u32,
    /// RFC 3339: when a failed message is tried again.
    pub next_try_at: Option<String>,
    pub error_code: Option<String>,
    /// The last failure, in Chinese, with what to do.
    pub error: Option<String>,
    /// A failure that retrying cannot mend (wrong 授权码, too large, address refused).
    pub permanent: bool,
    /// The server's final reply (`250 OK: queued as …`).
    pub server_reply: Option<String>,
    pub queued_at: String,
    pub sent_at: Option<String>,
    /// `clerk` when the clerk confirmed an uncertain message as delivered.
    pub resolved: Option<String>,
    /// Set on a receiving library's answer to a district: `receipt` (回执) or `correction`
    /// (补正通知). Absent on a district's batch messages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub reply: Option<ReplyKind>,
}

pub(super) const COLUMNS: &str =
    "id, coalesce(batch_id, received_batch_id), position, count, sender, recipient, subject,
    message_id, folder, attachments, bytes, state, attempts, next_try_at, error_code, error,
    permanent, server_reply, queued_at, sent_at, resolved, reply_kind";

/// The outbox's order: a district's batches and messages in order, a city's replies by the
/// batch they answer, then as queued.
pub(super) const ORDER: &str = "batch_id, received_batch_id, position, id";

pub(super) fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<OutboxMessage> {
    Ok(OutboxMessage {
        id: r.get(0)?,
        batch_id: r.get(1)?,
        position: r.get(2)?,
        count: r.get(3)?,
        sender: r.get(4)?,
        recipient: r.get(5)?,
        subject: r.get(6)?,
        message_id: r.get(7)?,
        folder: r.get(8)?,
        attachments: serde_json::from_str(&r.get::<_, String>(9)?).unwrap_or_default(),
        bytes: u64::try_from(r.get::<_, i64>(10)?).unwrap_or(0),
        state: MessageState::from_db(&r.get::<_, String>(11)?),
        attempts: r.get(12)?,
        next_try_at: r.get(13)?,
        error_code: r.get(14)?,
        error: r.get(15)?,
        permanent: r.get(16)?,
        server_reply: r.get(17)?,
        queued_at: r.get(18)?,
        sent_at: r.get(19)?,
        resolved: r.get(20)?,
        reply: r
            .get::<_, Option<String>>(21)?
            .as_deref()
            .and_then(ReplyKind::parse),
    })
}

fn check_none_out(conn: &rusqlite::Connection, batch_id: i64) -> Result<(), LibraryError> {
    let out: i64 = conn.query_row(
        "SELECT count(*) FROM outbox
         WHERE batch_id = ?1 AND state IN ('sent', 'sending', 'uncertain')",
        [batch_id],
        |r| r.get(0),
    )?;
    if out > 0 {
        return Err(LibraryError::AlreadyOut {
            count: u32::try_from(out).unwrap_or(u32::MAX),
        });
    }
    Ok(())
}

/// Deletes batch `id`'s messages (the caller checked that none is out), with the audit.
fn withdraw(
    conn: &rusqlite::Connection,
    actor: super::Actor,
    batch_id: i64,
) -> Result<usize, LibraryError> {
    for id in ids_where(conn, "batch_id = ?1", [batch_id])? {
        audit_message(conn, actor, "outbox.withdrawn", id, serde_json::json!({}))?;
    }
    Ok(conn.execute("DELETE FROM outbox WHERE batch_id = ?1", [batch_id])?)
}

/// Inserts a batch's messages, with the audit.
fn insert_messages(
    conn: &rusqlite::Connection,
    actor: super::Actor,
    batch_id: i64,
    messages: &[NewMessage],
) -> Result<(), LibraryError> {
    let at = now();
    for m in messages {
        conn.execute(
            "INSERT INTO outbox (batch_id, position, count, sender, recipient, subject,
                message_id, folder, attachments, bytes, queued_at, updated_at, plan_bytes)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11, ?12)",
            params![
                batch_id,
                m.position,
                m.count,
                m.sender,
                m.recipient,
                m.subject,
                m.message_id,
                m.folder,
                serde_json::to_string(&m.attachments).unwrap_or_default(),
                i64::try_from(m.bytes).unwrap_or(i64::MAX),
                at,
                i64::try_from(m.plan_bytes).unwrap_or(i64::MAX)
            ],
        )?;
        let id = conn.last_insert_rowid();
        audit_message(conn, actor, "outbox.queued", id, serde_json::json!({}))?;
    }
    Ok(())
}

/// The ids of the outbox rows matching `filter` (an SQL condition).
pub(super) fn ids_where(
    conn: &rusqlite::Connection,
    filter: &str,
    p: impl rusqlite::Params,
) -> Result<Vec<i64>, LibraryError> {
    let mut stmt = conn.prepare(&format!("SELECT id FROM outbox WHERE {filter} ORDER BY id"))?;
    let ids = stmt.query_map(p, |r| r.get(0))?;
    Ok(ids.collect::<Result<_, _>>()?)
}

/// An audit row for a change of message `id` (inside the caller's transaction): which message
/// (id, batch, 第k封, Message-ID), the state it is in now, its error code, and `extra`.
pub(super) fn audit_message(
    conn: &rusqlite::Connection,
    actor: super::Actor,
    action: &str,
    id: i64,
    extra: serde_json::Value,
) -> Result<(), LibraryError> {
    let mut detail = conn
        .query_row(
            "SELECT coalesce(batch_id, received_batch_id), position, message_id, state,
                    error_code, attempts, reply_kind
             FROM outbox WHERE id = ?1",
            [id],
            |r| {
                let mut d = serde_json::json!({
                    "message": id,
                    "batch": r.get::<_, i64>(0)?,
                    "position": r.get::<_, i64>(1)?,
                    "message_id": r.get::<_, String>(2)?,
                    "state": r.get::<_, String>(3)?,
                    "error_code": r.get::<_, Option<String>>(4)?,
                    "attempts": r.get::<_, i64>(5)?,
                });
                if let Some(kind) = r.get::<_, Option<String>>(6)? {
                    d["reply"] = serde_json::Value::String(kind);
                }
                Ok(d)
            },
        )
        .optional()?
        .unwrap_or_else(|| serde_json::json!({ "message": id }));
    if let (Some(d), serde_json::Value::Object(more)) = (detail.as_object_mut(), extra) {
        d.extend(more);
    }
    audit(conn, actor, action, None, &detail)
}

/// How a clerk settles an uncertain message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "kebab-case")]
pub enum Resolution {
    /// Found in the mailbox's 已发送: it went out.
    Delivered,
    /// Not there: send it again.
    Resend,
    /// The clerk sent it by hand — through webmail (QQ 邮箱 超大附件) where the office network
    /// blocks SMTP — with its attachments folder: it counts as sent. Queued, failed or
    /// uncertain messages only.
    ByHand,
}

impl Library {
    /// Queues a batch's messages in one transaction. A batch that already has messages keeps
    /// them (sending twice never queues twice): they are returned as they are.
    pub fn queue_messages(
        &mut self,
        batch_id: i64,
        messages: &[NewMessage],
    ) -> Result<Vec<OutboxMessage>, LibraryError> {
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let existing: i64 = tx.query_row(
            "SELECT count(*) FROM outbox WHERE batch_id = ?1",
            [batch_id],
            |r| r.get(0),
        )?;
        if existing == 0 {
            insert_messages(&tx, self.actor, batch_id, messages)?;
        }
        // Queued here: the outbox sends from this computer, user and folder.
        super::outbox_hold::set_home(&tx, &self.root, None)?;
        tx.commit()?;
        self.batch_messages(batch_id)
    }

    /// Fails with [`LibraryError::AlreadyOut`] when one of batch `id`'s messages has gone out
    /// or may have (sent, sending, uncertain): such a batch is never planned again.
    pub fn check_replannable(&self, batch_id: i64) -> Result<(), LibraryError> {
        check_none_out(&self.conn, batch_id)
    }

    /// 重新计划's swap: batch `id`'s messages are replaced by `messages` (whose attachments are
    /// already written) in one transaction — checked, withdrawn and queued under one write
    /// lock, so a sender cannot take an old one in between and a failure changes nothing.
    pub fn replace_messages(
        &mut self,
        batch_id: i64,
        messages: &[NewMessage],
    ) -> Result<Vec<OutboxMessage>, LibraryError> {
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        check_none_out(&tx, batch_id)?;
        withdraw(&tx, self.actor, batch_id)?;
        insert_messages(&tx, self.actor, batch_id, messages)?;
        super::outbox_hold::set_home(&tx, &self.root, None)?;
        tx.commit()?;
        self.batch_messages(batch_id)
    }

    /// Withdraws batch `id`'s messages so it can be planned again: only while none of them
    /// has gone out or may have (sent, sending, uncertain); checked and deleted under one
    /// write lock, so a sender cannot take one in between. Returns how many were withdrawn.
    pub fn withdraw_messages(&mut self, batch_id: i64) -> Result<usize, LibraryError> {
        self.immediate(|conn| {
            check_none_out(conn, batch_id)?;
            withdraw(conn, self.actor, batch_id)
        })
    }

    /// True when batch `id` already has messages in the outbox.
    pub fn has_messages(&self, batch_id: i64) -> Result<bool, LibraryError> {
        let n: i64 = self.conn.query_row(
            "SELECT count(*) FROM outbox WHERE batch_id = ?1",
            [batch_id],
            |r| r.get(0),
        )?;
        Ok(n > 0)
    }

    /// Every message of the outbox, oldest batch first, in order.
    pub fn outbox(&self) -> Result<Vec<OutboxMessage>, LibraryError> {
        let mut stmt = self
            .conn
            .prepare(&format!("SELECT {COLUMNS} FROM outbox ORDER BY {ORDER}"))?;
        let rows = stmt.query_map([], from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    pub fn batch_messages(&self, batch_id: i64) -> Result<Vec<OutboxMessage>, LibraryError> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {COLUMNS} FROM outbox WHERE batch_id = ?1 ORDER BY position"
        ))?;
        let rows = stmt.query_map([batch_id], from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Queues a receiving library's answer to received batch `received_batch_id`, once: when
    /// one of this kind is already there (in whatever state) it is returned as it is, with
    /// `false`, and nothing is queued. Checked and inserted under one write lock.
    pub fn queue_reply(
        &mut self,
        received_batch_id: i64,
        kind: ReplyKind,
        message: &NewMessage,
    ) -> Result<(OutboxMessage, bool), LibraryError> {
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let existing: Option<i64> = tx
            .query_row(
                "SELECT id FROM outbox WHERE received_batch_id = ?1 AND reply_kind = ?2",
                params![received_batch_id, kind.as_str()],
                |r| r.get(0),
            )
            .optional()?;
        let (id, new) = match existing {
            Some(id) => (id, false),
            None => {
                let at = now();
                let m = message;
                tx.execute(
                    "INSERT INTO outbox (received_batch_id, reply_kind, position, count, sender,
                        recipient, subject, message_id, folder, attachments, bytes, queued_at,
                        updated_at, plan_bytes)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12, ?13)",
                    params![
                        received_batch_id,
                        kind.as_str(),
                        m.position,
                        m.count,
                        m.sender,
                        m.recipient,
                        m.subject,
                        m.message_id,
                        m.folder,
                        serde_json::to_string(&m.attachments).unwrap_or_default(),
                        i64::try_from(m.bytes).unwrap_or(i64::MAX),
                        at,
                        i64::try_from(m.plan_bytes).unwrap_or(i64::MAX)
                    ],
                )?;
                let id = tx.last_insert_rowid();
                audit_message(&tx, self.actor, "outbox.queued", id, serde_json::json!({}))?;
                super::outbox_hold::set_home(&tx, &self.root, None)?;
                (id, true)
            }
        };
        tx.commit()?;
        Ok((self.outbox_message(id)?, new))
    }

    /// Sends answer `id` to `recipient` instead: only while the server's refusal keeps it
    /// failed for good (a 550 for the address, a 535 for the login — it never went out), back
    /// in the queue under the same Message-ID. False, changing nothing, in any other state (it
    /// may have been sent meanwhile: never twice). Checked and changed under one write lock.
    pub fn readdress_reply(&mut self, id: i64, recipient: &str) -> Result<bool, LibraryError> {
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let before: Option<String> = tx
            .query_row(
                "SELECT recipient FROM outbox
                 WHERE id = ?1 AND reply_kind IS NOT NULL AND state = 'failed' AND permanent = 1",
                [id],
                |r| r.get(0),
            )
            .optional()?;
        let Some(before) = before else {
            return Ok(false);
        };
        tx.execute(
            "UPDATE outbox SET recipient = ?2, state = 'queued', permanent = 0, next_try_at = NULL,
                error_code = NULL, error = NULL, updated_at = ?3
             WHERE id = ?1",
            params![id, recipient, now()],
        )?;
        audit_message(
            &tx,
            self.actor,
            "outbox.readdressed",
            id,
            serde_json::json!({ "from": before, "to": recipient }),
        )?;
        tx.commit()?;
        Ok(true)
    }

    /// The answer of `kind` already queued for received batch `received_batch_id`, if any.
    pub fn reply_message(
        &self,
        received_batch_id: i64,
        kind: ReplyKind,
    ) -> Result<Option<OutboxMessage>, LibraryError> {
        Ok(self
            .conn
            .query_row(
                &format!(
                    "SELECT {COLUMNS} FROM outbox WHERE received_batch_id = ?1 AND reply_kind = ?2"
                ),
                params![received_batch_id, kind.as_str()],
                from_row,
            )
            .optional()?)
    }

    pub fn outbox_message(&self, id: i64) -> Result<OutboxMessage, LibraryError> {
        self.conn
            .query_row(
                &format!("SELECT {COLUMNS} FROM outbox WHERE id = ?1"),
                [id],
                from_row,
            )
            .optional()?
            .ok_or(LibraryError::NoSuchMessage(id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_attachment_row_written_before_the_sha256_was_recorded_still_reads() {
        let old: Vec<QueuedAttachment> =
            serde_json::from_str(r#"[{"name":"说明.txt","size":12,"paths":[]}]"#).expect("old");
        assert_eq!(old[0].sha256, None);
        let new = serde_json::to_string(&QueuedAttachment {
            sha256: Some("ab".repeat(32)),
            ..old[0].clone()
        })
        .expect("json");
        assert!(new.contains("\"sha256\""), "{new}");
        assert!(
            !serde_json::to_string(&old)
                .expect("json")
                .contains("sha256")
        );
    }
}
