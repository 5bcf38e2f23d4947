//! Sending: the account (never its secret), the outbox, 测试连接, sending a batch and what is
//! due, re-planning, and the 发送记录.

use std::path::Path;

use serde::Serialize;
use ts_rs::TS;

use super::{ApiError, Session};
use crate::jobs::Job;
use crate::library::{self, Actor, LibraryError};

/// The user's credential stores (the file fallback lives in the config folder).
pub fn secrets() -> crate::mail::secret::SecretStore {
    crate::mail::secret::SecretStore::new(&library::recent::config_dir())
}

/// The sending account as the settings page shows it: never the secret, only whether one is
/// stored.
#[derive(Debug, Clone, Serialize, TS)]
pub struct AccountView {
    pub account: Option<crate::account::Account>,
    pub has_secret: bool,
    /// The message limit the plan uses and where it comes from.
    #[ts(type = "number")]
    pub limit: u64,
    pub limit_source: crate::account::LimitSource,
    /// Where to get a 授权码 for this provider.
    pub secret_help: Option<String>,
    /// The refused login that stops sending until the 授权码 is replaced.
    pub auth_failed: Option<String>,
    pub presets: Vec<crate::account::Preset>,
    /// Set after a save when no system credential store answered: the secret is in a file
    /// only this user can read (say so once).
    pub stored_in_file: bool,
}

/// 测试连接 as a job: connect, EHLO, AUTH; the server's SIZE is remembered.
pub fn test_account(job: &Job) -> Result<AccountView, ApiError> {
    let mut lib = job.open()?;
    match crate::mail::send::test_account(&mut lib, &secrets()) {
        Ok(_) => tracing::info!("account test passed"),
        Err(crate::mail::send::TestError::Send(e)) => return Err(e.into()),
        Err(crate::mail::send::TestError::Failed(f)) => {
            return Err(ApiError::new(f.code, f.message));
        }
    }
    let mut session = Session::new(None, Actor::Cli);
    session.library = Some(lib);
    session.account_view()
}

/// What `send` did: the batch's messages (queued now or before), the .eml copies, and how the
/// sending went.
#[derive(Debug, Clone, Serialize, TS)]
pub struct SendReport {
    #[ts(type = "number")]
    pub batch_id: i64,
    pub emls: Vec<String>,
    pub flush: crate::mail::send::FlushReport,
}

/// Queues batch `id` (planned under the account's limit) and sends what is due, as a job.
/// `routing` says which files go another way (另行传送) instead of by mail.
pub fn send_batch(
    job: &Job,
    id: i64,
    to: Option<&str>,
    eml_dir: Option<&Path>,
    routing: &crate::mail::queue::Routing,
    progress: &mut dyn FnMut(&crate::progress::Progress),
) -> Result<SendReport, ApiError> {
    let mut lib = job.open()?;
    crate::mail::queue::queue_batch(&mut lib, id, to, routing, &job.cancel)?;
    let emls = match eml_dir {
        Some(dir) => crate::mail::send::save_emls(&lib, id, dir)?
            .into_iter()
            .map(|p| p.display().to_string())
            .collect(),
        None => Vec::new(),
    };
    let flush = crate::mail::send::flush(&mut lib, &secrets(), progress, &job.cancel)?;
    log_flush(&flush);
    Ok(SendReport {
        batch_id: id,
        emls,
        flush,
    })
}

/// 调小后重新计划: plans batch `id` again under `max_message_bytes` and replaces its messages
/// (only while none has gone out; see [`crate::mail::queue::replan_batch`]), as a job.
pub fn replan_batch(
    job: &Job,
    id: i64,
    max_message_bytes: Option<u64>,
) -> Result<Vec<crate::library::OutboxMessage>, ApiError> {
    let mut lib = job.open()?;
    Ok(crate::mail::queue::replan_batch(
        &mut lib,
        id,
        max_message_bytes,
        &job.cancel,
    )?)
}

/// Sends what is due now (retries included), as a job.
pub fn flush_outbox(
    job: &Job,
    progress: &mut dyn FnMut(&crate::progress::Progress),
) -> Result<crate::mail::send::FlushReport, ApiError> {
    let mut lib = job.open()?;
    lib.retry_now()?;
    let flush = crate::mail::send::flush(&mut lib, &secrets(), progress, &job.cancel)?;
    log_flush(&flush);
    Ok(flush)
}

/// One line per sending round: what went, what waits, and why it stopped (a code and the
/// server's or the line's reason, never the login).
pub(crate) fn log_flush(flush: &crate::mail::send::FlushReport) {
    tracing::info!(
        sent = flush.sent,
        failed = flush.failed,
        uncertain = flush.uncertain,
        waiting = flush.waiting,
        stopped_code = flush.stopped_code.as_deref(),
        stopped = flush.stopped.as_deref(),
        "outbox flushed"
    );
}

impl Session {
    pub fn account_view(&self) -> Result<AccountView, ApiError> {
        let lib = self.library()?;
        let account = lib.mail_account()?;
        let (limit, limit_source) = account.as_ref().map(|a| a.message_limit()).unwrap_or((
            crate::package::attachments::DEFAULT_MAX_MESSAGE_BYTES,
            crate::account::LimitSource::Default,
        ));
        Ok(AccountView {
            has_secret: account
                .as_ref()
                .is_some_and(|a| secrets().has(&a.secret_key())),
            secret_help: account
                .as_ref()
                .and_then(|a| crate::account::preset(&a.preset))
                .map(|p| p.secret_help.to_owned()),
            auth_failed: lib.auth_failed()?,
            account,
            limit,
            limit_source,
            presets: crate::account::PRESETS.to_vec(),
            stored_in_file: false,
        })
    }

    /// Saves the account and, when given, its 授权码 (write-only: it is never read back out).
    /// A new 授权码 lifts the stop a refused login put on sending.
    pub fn set_account(
        &mut self,
        input: &crate::account::AccountInput,
        secret: Option<&str>,
    ) -> Result<AccountView, ApiError> {
        let office = self.library()?.office()?;
        let account = crate::account::resolve(input, &office.name)
            .map_err(|fields| ApiError::from(LibraryError::Invalid(fields)))?;
        let store = secrets();
        let lib = self.library_mut()?;
        let old = lib.mail_account()?;
        let mut stored_in_file = false;
        if let Some(secret) = secret.map(str::trim).filter(|s| !s.is_empty()) {
            let kind = store
                .set(&account.secret_key(), secret)
                .map_err(|e| ApiError::new("mail.secret", e.to_string()))?;
            stored_in_file = kind == crate::mail::secret::StoreKind::File;
        } else if let Some(old) = &old
            && old.secret_key() != account.secret_key()
            && old.address == account.address
            && old.host == account.host
            && let Ok(Some(s)) = store.get(&old.secret_key())
        {
            // The same mailbox on the same server with another port or security keeps its
            // secret; a changed host or address asks for the 授权码 again, so a stored 授权码
            // is never handed to another server.
            let _ = store.set(&account.secret_key(), &s);
        }
        lib.set_mail_account(&account)?;
        if secret.is_some() {
            lib.requeue_permanent("mail.auth")?;
        }
        let mut view = self.account_view()?;
        view.stored_in_file = stored_in_file;
        Ok(view)
    }

    /// Writes batch `id`'s sent log (发送记录) as .xlsx to `path` (temporary file + rename).
    pub fn export_sent_log(&self, id: i64, path: &Path) -> Result<usize, ApiError> {
        let lib = self.library()?;
        let batch = lib.batch(id)?;
        let messages = lib.batch_messages(id)?;
        let zone = lib.campaign()?.zone();
        let local = |t: &str| crate::clock::local_time(t, zone);
        let bytes = crate::print::sent_log::xlsx(&batch, &messages, &local)
            .map_err(|e| ApiError::new("file.write", format!("无法生成发送记录：{e}")))?;
        crate::fsx::write_atomic(path, &bytes).map_err(|e| {
            ApiError::from(LibraryError::Write {
                path: path.to_path_buf(),
                reason: crate::fsx::io_reason(&e),
            })
        })?;
        tracing::info!(path = %path.display(), batch = id, "sent log exported");
        Ok(messages.len())
    }

    pub fn outbox(&self) -> Result<Vec<crate::library::OutboxMessage>, ApiError> {
        Ok(self.library()?.outbox()?)
    }

    /// `outbox check-sent`: each 待确认 message looked up in the account's sent folder over
    /// IMAP; those found are settled as delivered.
    pub fn check_sent(&mut self) -> Result<crate::mail::check_sent::CheckSentReport, ApiError> {
        let lib = self.library_mut()?;
        Ok(crate::mail::check_sent::check_sent(lib, &secrets())?)
    }

    /// The clerk settles an uncertain message: 已送达 or 重新发送.
    pub fn resolve_message(
        &mut self,
        id: i64,
        how: crate::library::Resolution,
    ) -> Result<crate::library::OutboxMessage, ApiError> {
        let lib = self.library_mut()?;
        lib.resolve_message(id, how)?;
        Ok(lib.outbox_message(id)?)
    }
}
