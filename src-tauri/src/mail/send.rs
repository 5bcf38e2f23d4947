//! Queueing a batch's messages and working the outbox.
//!
//! [`queue_batch`] plans the batch under the account's limit, writes every message's
//! attachments into the library (`outbox/batch-<id>/…`), and queues the messages in one
//! transaction. [`flush`] sends what is due, in order, one connection per message with a pause
//! between them (QQ limits rates), under an exclusive send lock so two programs never send at
//! once; a message is marked `sending` right before DATA and `sent` with the server's reply in
//! one transaction.

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, Utc};
use fs4::fs_std::FileExt;
use serde::Serialize;
use ts_rs::TS;

use super::message;
use super::secret::SecretStore;
use super::transport::{self, Gate, Outcome};
use crate::account::Account;
use crate::coded::Coded;
use crate::library::{Library, LibraryError, MessageState, OutboxMessage};
use crate::progress::{CancelToken, Progress};

/// The cover letter beside a message's attachments.
pub(super) const COVER: &str = ".cover.txt";

#[derive(Debug, thiserror::Error)]
pub enum SendError {
    #[error("还没有设置发件邮箱。请先在“设置 → 发件邮箱”中填写邮箱和授权码（或用 account set）。")]
    NoAccount,
    #[error("还没有保存发件邮箱的授权码。请在“设置 → 发件邮箱”中填写授权码。")]
    NoSecret,
    #[error("另一个窗口或命令行正在发送邮件，请等它发完再试。")]
    Busy,
    #[error("这个活动没有接收邮箱，请用 --to 指定收件地址。")]
    NoRecipient,
    #[error(transparent)]
    Library(#[from] LibraryError),
    #[error(transparent)]
    Secret(#[from] super::secret::SecretError),
    #[error(transparent)]
    Message(#[from] message::MessageError),
    #[error("{0}")]
    Plan(String),
    #[error("无法写入发件箱文件：{0}")]
    Write(String),
    #[error("“{0}”不是这个批次中的文件，无法另行传送：请用 batch show 查看批次中的文件路径。")]
    NotInBatch(String),
}

impl crate::coded::Coded for SendError {
    fn code(&self) -> &'static str {
        match self {
            SendError::NoAccount => "mail.no_account",
            SendError::NoSecret => "mail.no_secret",
            SendError::Busy => "mail.busy_sender",
            SendError::NoRecipient => "mail.no_recipient",
            SendError::Library(e) => e.code(),
            SendError::Secret(_) => "mail.secret",
            SendError::Message(_) => "mail.message",
            SendError::Plan(_) => "plan.too_small",
            SendError::Write(_) => "file.write",
            SendError::NotInBatch(_) => "mail.not_in_batch",
        }
    }

    fn is_input(&self) -> bool {
        match self {
            SendError::NoAccount
            | SendError::NoSecret
            | SendError::NoRecipient
            | SendError::NotInBatch(_) => true,
            SendError::Library(e) => e.is_input(),
            _ => false,
        }
    }

    fn fields(&self) -> Vec<crate::validate::FieldError> {
        match self {
            SendError::Library(e) => e.fields(),
            _ => Vec::new(),
        }
    }
}

/// What a flush did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, TS)]
pub struct FlushReport {
    pub sent: u32,
    pub failed: u32,
    pub uncertain: u32,
    /// Messages still waiting (queued, or failed with a retry ahead).
    pub waiting: u32,
    /// Why sending stopped before the outbox was empty (offline, wrong 授权码 …).
    pub stopped: Option<String>,
    pub stopped_code: Option<String>,
    /// Batches planned again by themselves under the size their server announced, in Chinese
    /// (the clerk is told, not asked).
    pub replanned: Vec<String>,
    pub messages: Vec<OutboxMessage>,
}

/// The message's RFC 5322 bytes, as sent and as saved to `.eml`.
pub fn formatted(
    lib: &Library,
    account: &Account,
    m: &OutboxMessage,
) -> Result<Vec<u8>, SendError> {
    let read = m
        .file_path(lib.root(), COVER)
        .ok()
        .and_then(|p| std::fs::read_to_string(p).ok());
    let cover = match (read, m.reply) {
        (Some(text), _) => text,
        // A reply's text is all it says: never sent without it.
        (None, Some(kind)) => {
            return Err(message::MessageError::Attachment {
                name: format!("{}正文（{COVER}）", kind.label()),
                reason: "文件找不到或无法读取".to_owned(),
            }
            .into());
        }
        (None, None) => format!("{}\r\n", m.subject),
    };
    Ok(message::build(account, m, &cover, lib.root())?.formatted())
}

/// Why message `m` cannot be built from its folder, and what the clerk does about it: 重新计划
/// while none of its batch has gone out, else the folder back from a backup.
fn attachments_failure(
    lib: &Library,
    m: &OutboxMessage,
    e: &message::MessageError,
) -> Result<(&'static str, String), SendError> {
    let code = e.code();
    if let Some(kind) = m.reply {
        return Ok((
            code,
            format!(
                "这封{}未发出：{e}请从备份中找回资料库的“{}”文件夹，再在发件箱中点“重新发送”（命令行：outbox flush）。",
                kind.label(),
                m.folder
            ),
        ));
    }
    let what = match lib.check_replannable(m.batch_id) {
        Ok(()) => format!(
            "请在发件箱中点“重新计划”（命令行：outbox replan {}），从批次重新生成这个批次的邮件附件后再发送。",
            m.batch_id
        ),
        Err(LibraryError::AlreadyOut { .. }) => format!(
            "本批次已有邮件发出，不能整批重新计划：请从备份中找回资料库的“{}”文件夹，再在发件箱中点“重新发送”（命令行：outbox flush）。",
            m.folder
        ),
        Err(other) => return Err(other.into()),
    };
    Ok((
        code,
        format!("第{}封/共{}封邮件未发出：{e}{what}", m.position, m.count),
    ))
}

/// Saves every message of batch `id` as `.eml` files in `dir` (for webmail or Foxmail).
pub fn save_emls(lib: &Library, batch_id: i64, dir: &Path) -> Result<Vec<PathBuf>, SendError> {
    let account = lib.mail_account()?.ok_or(SendError::NoAccount)?;
    let mut out = Vec::new();
    for m in lib.batch_messages(batch_id)? {
        let name = crate::naming::safe_component(&format!("{}.eml", m.subject), 120);
        let path = dir.join(name);
        message::save_eml(&path, &formatted(lib, &account, &m)?)
            .map_err(|e| SendError::Write(crate::fsx::io_reason(&e)))?;
        out.push(path);
    }
    Ok(out)
}

/// Seconds before a temporary failure is tried again, by attempt.
fn backoff(attempts: u32) -> i64 {
    match attempts {
        0 | 1 => 60,
        2 => 120,
        3 => 300,
        4 => 600,
        5 => 1800,
        _ => 3600,
    }
}

/// The pause between two messages (QQ limits how fast one account sends).
fn pause() -> Duration {
    std::env::var("BAOSONG_SEND_PAUSE_MS")
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
        .map_or(Duration::from_secs(3), Duration::from_millis)
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Takes the exclusive send lock of the library, or says someone else is sending.
fn send_lock(root: &Path) -> Result<std::fs::File, SendError> {
    let dir = root.join("outbox");
    std::fs::create_dir_all(&dir).map_err(|e| SendError::Write(crate::fsx::io_reason(&e)))?;
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(dir.join(".send.lock"))
        .map_err(|e| SendError::Write(crate::fsx::io_reason(&e)))?;
    match file.try_lock_exclusive() {
        Ok(true) => Ok(file),
        Ok(false) | Err(_) => Err(SendError::Busy),
    }
}

/// Sends every message that is due, in order, until the outbox is empty, the line fails,
/// or `cancel` is set (between messages). Never logs in after a refused 授权码.
pub fn flush(
    lib: &mut Library,
    secrets: &SecretStore,
    progress: &mut dyn FnMut(&Progress),
    cancel: &CancelToken,
) -> Result<FlushReport, SendError> {
    let _lock = send_lock(lib.root())?;
    lib.recover_sending()?;
    let mut report = FlushReport::default();
    let account = lib.mail_account()?.ok_or(SendError::NoAccount)?;
    let finish = |lib: &Library, mut report: FlushReport| -> Result<FlushReport, SendError> {
        report.messages = lib.outbox()?;
        report.waiting = report
            .messages
            .iter()
            .filter(|m| {
                m.state == MessageState::Queued || (m.state == MessageState::Failed && !m.permanent)
            })
            .count() as u32;
        Ok(report)
    };
    if let Some(why) = lib.auth_failed()? {
        report.stopped = Some(why);
        report.stopped_code = Some("mail.auth".into());
        return finish(lib, report);
    }
    if let Some(hold) = lib.outbox_hold()? {
        report.stopped = Some(hold.message());
        report.stopped_code = Some("outbox.paused".into());
        return finish(lib, report);
    }
    let secret = secrets
        .get(&account.secret_key())?
        .ok_or(SendError::NoSecret)?;
    let from: lettre::Address = account
        .address
        .parse()
        .map_err(|_| message::MessageError::Sender(account.address.clone()))?;
    let mut first = true;
    // Batches planned again in this round: at most once each.
    let mut replanned: Vec<i64> = Vec::new();
    while let Some(m) = lib.next_due(&rfc3339(Utc::now()))? {
        if cancel.is_cancelled() {
            report.stopped = Some("已暂停发送。".into());
            report.stopped_code = Some("cancelled".into());
            break;
        }
        if !first {
            std::thread::sleep(pause());
        }
        first = false;
        // A message whose attachments are gone or changed is its own failure: the batches
        // after it still go.
        let bytes = match formatted(lib, &account, &m) {
            Ok(bytes) => bytes,
            Err(SendError::Message(e)) if e.is_attachment() => {
                let (code, why) = attachments_failure(lib, &m, &e)?;
                lib.mark_failed(m.id, code, &why, true, None)?;
                report.failed += 1;
                report.stopped = Some(why);
                report.stopped_code = Some(code.to_owned());
                continue;
            }
            Err(e) => return Err(e),
        };
        let to: lettre::Address = m
            .recipient
            .parse()
            .map_err(|_| message::MessageError::Recipient(m.recipient.clone()))?;
        // Message `position` of `count`: those before it are done.
        let mut state = Progress {
            phase: "连接发件服务器".into(),
            total_bytes: bytes.len() as u64,
            done_files: m.position.saturating_sub(1),
            total_files: m.count,
            current: m.subject.clone(),
            message: Some(m.id),
            ..Progress::default()
        };
        progress(&state);
        let next_try =
            |attempts: u32| rfc3339(Utc::now() + chrono::Duration::seconds(backoff(attempts)));
        let mut session = match transport::open(&account, &secret) {
            Ok(s) => s,
            Err(f) => {
                let attempts = m.attempts + 1;
                if f.code == "mail.auth" {
                    lib.set_auth_failed(Some(&f.message))?;
                }
                lib.mark_failed(
                    m.id,
                    f.code,
                    &f.message,
                    !f.temporary,
                    f.temporary.then(|| next_try(attempts)).as_deref(),
                )?;
                report.failed += 1;
                report.stopped = Some(f.message.clone());
                report.stopped_code = Some(f.code.to_owned());
                // The line or the login fails the same way for every message: stop here.
                break;
            }
        };
        if let Some(size) = session.size_limit
            && lib.mail_account()?.and_then(|a| a.server_size) != Some(size)
        {
            lib.set_server_size(Some(size))?;
        }
        // The server takes less than this message: while none of its batch has gone out (or
        // may have), the batch is planned again under the server's size, by itself, and sent.
        if let Some(size) = session.size_limit
            && bytes.len() as u64 > size
            && m.reply.is_none()
            && !replanned.contains(&m.batch_id)
            && lib.check_replannable(m.batch_id).is_ok()
        {
            session.quit();
            replanned.push(m.batch_id);
            match super::queue::replan_batch(lib, m.batch_id, Some(size), cancel) {
                Ok(messages) => {
                    report.replanned.push(format!(
                        "发件服务器只接受每封不超过 {} 的邮件，第{}批已按此大小自动重新计划为 {} 封邮件。",
                        crate::fsx::human_size(size),
                        lib.batch(m.batch_id)?.number,
                        messages.len()
                    ));
                }
                Err(e) => {
                    let why = format!(
                        "这封邮件超过了发件服务器允许的大小（{}），按此大小自动重新计划没有成功：{e}",
                        crate::fsx::human_size(size)
                    );
                    lib.mark_failed(m.id, "mail.too_large", &why, true, None)?;
                    report.failed += 1;
                    report.stopped = Some(why);
                    report.stopped_code = Some("mail.too_large".into());
                }
            }
            continue;
        }
        state.phase = "发送".into();
        progress(&state);
        let id = m.id;
        // Only a lost compare-and-set means another sender has it; a catalog that cannot
        // answer (busy, locked, a disk error) stops the round, so no login follows another.
        let mut gate_error = None;
        let outcome = {
            let lib_ref = &mut *lib;
            let mut before_data = || match lib_ref.take_message(id) {
                Ok(true) => Gate::Go,
                Ok(false) => Gate::Taken,
                Err(e) => {
                    gate_error = Some(e);
                    Gate::Stop
                }
            };
            let total = state.total_bytes;
            let mut on_bytes = |done: u64| {
                progress(&Progress {
                    done_bytes: done,
                    total_bytes: total,
                    ..state.clone()
                });
            };
            session.send(&from, &to, &bytes, &mut before_data, &mut on_bytes)
        };
        match outcome {
            Outcome::Stopped => {
                session.quit();
                let e = gate_error.unwrap_or(crate::library::LibraryError::Busy);
                report.stopped = Some(e.to_string());
                report.stopped_code = Some(e.code().to_owned());
                break;
            }
            Outcome::Accepted(reply) => {
                lib.mark_sent(id, &reply)?;
                report.sent += 1;
                session.quit();
            }
            Outcome::Uncertain(why) => {
                lib.mark_uncertain(id, &why)?;
                report.uncertain += 1;
            }
            Outcome::Failed(f) if f.code == "mail.taken" => session.quit(),
            Outcome::Failed(f) => {
                let current = lib.outbox_message(id)?;
                lib.mark_failed(
                    id,
                    f.code,
                    &f.message,
                    !f.temporary,
                    f.temporary
                        .then(|| next_try(current.attempts.max(1)))
                        .as_deref(),
                )?;
                report.failed += 1;
                session.quit();
                report.stopped = Some(f.message.clone());
                report.stopped_code = Some(f.code.to_owned());
                // Too large is this message's own problem (the next may be smaller); anything
                // else would fail the next message the same way.
                if f.code != "mail.too_large" {
                    break;
                }
            }
        }
    }
    finish(lib, report)
}

/// 测试连接: connect, EHLO, AUTH; returns the server's `SIZE` (and remembers it).
pub fn test_account(lib: &mut Library, secrets: &SecretStore) -> Result<Option<u64>, TestError> {
    let account = lib
        .mail_account()
        .map_err(|e| TestError::Send(e.into()))?
        .ok_or(TestError::Send(SendError::NoAccount))?;
    let secret = secrets
        .get(&account.secret_key())
        .map_err(|e| TestError::Send(e.into()))?
        .ok_or(TestError::Send(SendError::NoSecret))?;
    match transport::open(&account, &secret) {
        Ok(session) => {
            let size = session.size_limit;
            session.quit();
            lib.set_server_size(size)
                .map_err(|e| TestError::Send(e.into()))?;
            lib.set_auth_failed(None)
                .map_err(|e| TestError::Send(e.into()))?;
            Ok(size)
        }
        Err(f) => {
            if f.code == "mail.auth" {
                let _ = lib.set_auth_failed(Some(&f.message));
            }
            Err(TestError::Failed(f))
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum TestError {
    #[error(transparent)]
    Send(SendError),
    #[error("{0}")]
    Failed(transport::Failure),
}
