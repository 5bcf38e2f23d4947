//! The sender's side of the outbox: the exactly-once gate. A message is taken by a
//! compare-and-set (`queued`/`failed` → `sending`), and ends `sent` (with the server's reply,
//! in the same transaction), `failed` (with its next try, or permanent) or `uncertain` (the
//! whole message went out and no reply came: only the clerk decides). See the diagram in
//! `outbox.rs`.

use rusqlite::{OptionalExtension, params};

use super::outbox::{
    COLUMNS, MessageState, ORDER, OutboxMessage, Resolution, audit_message, from_row, ids_where,
};
use super::{Library, LibraryError, now};

impl Library {
    /// The next message to send at `at`: queued ones, and failed ones whose retry is due and
    /// that retrying can mend — in batch and message order.
    pub fn next_due(&self, at: &str) -> Result<Option<OutboxMessage>, LibraryError> {
        Ok(self
            .conn
            .query_row(
                &format!(
                    "SELECT {COLUMNS} FROM outbox
                     WHERE state = 'queued'
                        OR (state = 'failed' AND permanent = 0
                            AND (next_try_at IS NULL OR next_try_at <= ?1))
                     ORDER BY {ORDER} LIMIT 1"
                ),
                [at],
                from_row,
            )
            .optional()?)
    }

    /// Takes message `id` for sending (queued/failed → sending); false when another sender
    /// took it first or it is no longer sendable. The gate that makes sending exactly once.
    pub fn take_message(&mut self, id: i64) -> Result<bool, LibraryError> {
        let tx = self.conn.transaction()?;
        let n = tx.execute(
            "UPDATE outbox SET state = 'sending', attempts = attempts + 1, updated_at = ?2
             WHERE id = ?1 AND (state = 'queued' OR (state = 'failed' AND permanent = 0))",
            params![id, now()],
        )?;
        if n == 1 {
            audit_message(&tx, self.actor, "outbox.taken", id, serde_json::json!({}))?;
        }
        tx.commit()?;
        Ok(n == 1)
    }

    /// Records the server's acceptance: sent, with its reply, in one transaction; the batch
    /// is sent when its last message is.
    pub fn mark_sent(&mut self, id: i64, reply: &str) -> Result<(), LibraryError> {
        self.finish(id, "outbox.sent", serde_json::json!({}), |tx, m| {
            tx.execute(
                "UPDATE outbox SET state = 'sent', server_reply = ?2, sent_at = ?3, error = NULL,
                        error_code = NULL, updated_at = ?3
                 WHERE id = ?1 AND state = 'sending'",
                params![m.id, reply, now()],
            )
        })
    }

    /// A failure: temporary ones are tried again at `next_try_at`.
    pub fn mark_failed(
        &mut self,
        id: i64,
        code: &str,
        message: &str,
        permanent: bool,
        next_try_at: Option<&str>,
    ) -> Result<(), LibraryError> {
        let tx = self.conn.transaction()?;
        let n = tx.execute(
            "UPDATE outbox SET state = 'failed', error_code = ?2, error = ?3, permanent = ?4,
                    next_try_at = ?5, updated_at = ?6
             WHERE id = ?1 AND state IN ('queued', 'sending', 'failed')",
            params![id, code, message, permanent, next_try_at, now()],
        )?;
        if n == 0 {
            return Err(LibraryError::NoSuchMessage(id));
        }
        audit_message(
            &tx,
            self.actor,
            "outbox.failed",
            id,
            serde_json::json!({ "permanent": permanent, "next_try_at": next_try_at }),
        )?;
        tx.commit()?;
        Ok(())
    }

    /// The whole message went out and no reply came: only the clerk can tell.
    pub fn mark_uncertain(&mut self, id: i64, message: &str) -> Result<(), LibraryError> {
        let tx = self.conn.transaction()?;
        let n = tx.execute(
            "UPDATE outbox SET state = 'uncertain', error_code = 'mail.uncertain', error = ?2,
                    updated_at = ?3
             WHERE id = ?1 AND state = 'sending'",
            params![id, message, now()],
        )?;
        if n == 1 {
            audit_message(
                &tx,
                self.actor,
                "outbox.uncertain",
                id,
                serde_json::json!({}),
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Messages left `sending` by a sender that died: they become uncertain (the caller holds
    /// the send lock, so no live sender owns them). Returns how many.
    pub fn recover_sending(&mut self) -> Result<usize, LibraryError> {
        let tx = self.conn.transaction()?;
        let ids = ids_where(&tx, "state = 'sending'", [])?;
        let n = tx.execute(
            "UPDATE outbox SET state = 'uncertain', error_code = 'mail.uncertain',
                    error = '发送过程中程序中止，无法确定这封邮件是否已发出。请在发件邮箱的「已发送」中查看是否已发出，再选择“已送达”或“重新发送”。',
                    updated_at = ?1
             WHERE state = 'sending'",
            [now()],
        )?;
        for id in ids {
            audit_message(
                &tx,
                self.actor,
                "outbox.uncertain",
                id,
                serde_json::json!({ "found": "sending" }),
            )?;
        }
        tx.commit()?;
        Ok(n)
    }

    /// Makes failed messages due now (`flush`), except those retrying cannot mend.
    pub fn retry_now(&mut self) -> Result<usize, LibraryError> {
        Ok(self.conn.execute(
            "UPDATE outbox SET next_try_at = NULL WHERE state = 'failed' AND permanent = 0",
            [],
        )?)
    }

    /// Puts permanently failed messages back in the queue (after the clerk fixed the cause,
    /// e.g. a new 授权码).
    pub fn requeue_permanent(&mut self, code: &str) -> Result<usize, LibraryError> {
        let tx = self.conn.transaction()?;
        let ids = ids_where(
            &tx,
            "state = 'failed' AND permanent = 1 AND error_code = ?1",
            [code],
        )?;
        let n = tx.execute(
            "UPDATE outbox SET state = 'queued', permanent = 0, next_try_at = NULL, updated_at = ?2
             WHERE state = 'failed' AND permanent = 1 AND error_code = ?1",
            params![code, now()],
        )?;
        for id in ids {
            audit_message(
                &tx,
                self.actor,
                "outbox.requeued",
                id,
                serde_json::json!({}),
            )?;
        }
        tx.commit()?;
        Ok(n)
    }

    /// The clerk settles an uncertain message: 已送达 (sent, as confirmed by hand) or 重新发送.
    /// Only an uncertain message can be settled; a sent one stays sent whatever is clicked.
    pub fn resolve_message(&mut self, id: i64, how: Resolution) -> Result<(), LibraryError> {
        let m = self.outbox_message(id)?;
        if how == Resolution::ByHand {
            if !matches!(
                m.state,
                MessageState::Queued | MessageState::Failed | MessageState::Uncertain
            ) {
                return Err(LibraryError::NotPending {
                    position: m.position,
                    state: m.state.label(),
                });
            }
        } else if m.state != MessageState::Uncertain {
            return Err(LibraryError::NotUncertain {
                position: m.position,
                state: m.state.label(),
            });
        }
        match how {
            Resolution::ByHand => self.finish(
                id,
                "outbox.resolved",
                serde_json::json!({ "how": "by-hand" }),
                |tx, m| {
                tx.execute(
                    "UPDATE outbox SET state = 'sent', sent_at = ?2, resolved = 'by-hand',
                            server_reply = '（经办人通过网页邮箱等方式手工发送）',
                            error = NULL, error_code = NULL, next_try_at = NULL, updated_at = ?2
                     WHERE id = ?1 AND state IN ('queued', 'failed', 'uncertain')",
                    params![m.id, now()],
                )
            }),
            Resolution::Delivered => self.finish(
                id,
                "outbox.resolved",
                serde_json::json!({ "how": "delivered" }),
                |tx, m| {
                tx.execute(
                    "UPDATE outbox SET state = 'sent', sent_at = ?2, resolved = 'clerk',
                            server_reply = coalesce(server_reply, '（未收到服务器答复，经办人确认已在已发送中）'),
                            updated_at = ?2
                     WHERE id = ?1 AND state = 'uncertain'",
                    params![m.id, now()],
                )
            }),
            Resolution::Resend => {
                let tx = self.conn.transaction()?;
                tx.execute(
                    "UPDATE outbox SET state = 'queued', next_try_at = NULL, error = NULL,
                            error_code = NULL, updated_at = ?2
                     WHERE id = ?1 AND state = 'uncertain'",
                    params![id, now()],
                )?;
                audit_message(
                    &tx,
                    self.actor,
                    "outbox.resolved",
                    id,
                    serde_json::json!({ "how": "resend" }),
                )?;
                tx.commit()?;
                Ok(())
            }
        }
    }

    /// Marks a message sent (by `update`), audits it and marks its batch sent when it was the
    /// last — one transaction.
    fn finish(
        &mut self,
        id: i64,
        action: &str,
        extra: serde_json::Value,
        update: impl FnOnce(&rusqlite::Transaction<'_>, &OutboxMessage) -> rusqlite::Result<usize>,
    ) -> Result<(), LibraryError> {
        let m = self.outbox_message(id)?;
        let tx = self.conn.transaction()?;
        if update(&tx, &m)? == 0 {
            return Err(LibraryError::NoSuchMessage(id));
        }
        // A city's reply belongs to a received batch: no batch of this library is sent by it.
        let unsent: i64 = tx.query_row(
            "SELECT count(*) FROM outbox WHERE batch_id = ?1 AND state != 'sent'",
            [m.batch_id],
            |r| r.get(0),
        )?;
        if unsent == 0 && m.reply.is_none() {
            tx.execute(
                "UPDATE batches SET sent_at = ?2 WHERE id = ?1",
                params![m.batch_id, now()],
            )?;
        }
        audit_message(&tx, self.actor, action, id, extra)?;
        tx.commit()?;
        Ok(())
    }
}
