//! The sending account in the catalog (never its secret), and the 535 that stops logins.

use rusqlite::{OptionalExtension, params};

use super::{Library, LibraryError, audit, now};
use crate::account::Account;

impl Library {
    /// The office's sending account, once set.
    pub fn mail_account(&self) -> Result<Option<Account>, LibraryError> {
        let row: Option<String> = self
            .conn
            .query_row("SELECT data FROM mail_account WHERE id = 1", [], |r| {
                r.get(0)
            })
            .optional()?;
        Ok(row.and_then(|json| serde_json::from_str(&json).ok()))
    }

    /// Saves the account; a changed address or server forgets the last 535 and the server's
    /// `SIZE` (they belonged to the old one).
    pub fn set_mail_account(&mut self, account: &Account) -> Result<(), LibraryError> {
        let tx = self.conn.transaction()?;
        tx.execute(
            "INSERT INTO mail_account (id, data, auth_failed, updated_at) VALUES (1, ?1, NULL, ?2)
             ON CONFLICT (id) DO UPDATE SET data = excluded.data, auth_failed = NULL,
                 updated_at = excluded.updated_at",
            params![serde_json::to_string(account).unwrap_or_default(), now()],
        )?;
        audit(
            &tx,
            self.actor,
            "mail.account",
            None,
            &serde_json::json!({ "address": account.address, "host": account.host, "port": account.port }),
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Remembers the limit the server announced.
    pub fn set_server_size(&mut self, size: Option<u64>) -> Result<(), LibraryError> {
        if let Some(mut a) = self.mail_account()? {
            a.server_size = size;
            self.conn.execute(
                "UPDATE mail_account SET data = ?1, updated_at = ?2 WHERE id = 1",
                params![serde_json::to_string(&a).unwrap_or_default(), now()],
            )?;
        }
        Ok(())
    }

    /// The refused login that stops further attempts until the 授权码 changes.
    pub fn auth_failed(&self) -> Result<Option<String>, LibraryError> {
        Ok(self
            .conn
            .query_row(
                "SELECT auth_failed FROM mail_account WHERE id = 1",
                [],
                |r| r.get::<_, Option<String>>(0),
            )
            .optional()?
            .flatten())
    }

    pub fn set_auth_failed(&mut self, message: Option<&str>) -> Result<(), LibraryError> {
        self.conn.execute(
            "UPDATE mail_account SET auth_failed = ?1, updated_at = ?2 WHERE id = 1",
            params![message, now()],
        )?;
        Ok(())
    }
}
