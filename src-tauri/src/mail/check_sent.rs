//! `outbox check-sent`: the question a lost reply leaves (待确认 — did the server take the
//! message?) answered from the mailbox itself. The providers keep a copy of what SMTP sent in
//! the sent folder ("Sent Messages" on QQ); each uncertain message's Message-ID is looked up
//! there over IMAP, read-only, and a message found is settled as delivered. One not found stays
//! 待确认 for the clerk: a provider that does not keep copies cannot prove a message missing.

use serde::Serialize;
use ts_rs::TS;

use super::imap::{self, ImapError};
use super::secret::SecretStore;
use super::send::SendError;
use crate::coded::Coded;
use crate::library::{Library, LibraryError, MessageState, Resolution};

/// What `check-sent` found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, TS)]
pub struct CheckSentReport {
    /// The sent folder searched (its name for people), when one was.
    pub folder: Option<String>,
    /// Uncertain messages looked up.
    pub checked: u32,
    /// Found in the sent folder and settled as delivered: (batch, 第k封).
    pub delivered: Vec<SettledMessage>,
    /// Not found: still 待确认.
    pub not_found: Vec<SettledMessage>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct SettledMessage {
    #[ts(type = "number")]
    pub id: i64,
    #[ts(type = "number")]
    pub batch_id: i64,
    pub position: u32,
    pub message_id: String,
    /// A receiving library's answer (回执, 补正通知): then `batch_id` is the received batch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub reply: Option<crate::city::reply::ReplyKind>,
}

#[derive(Debug, thiserror::Error)]
pub enum CheckSentError {
    #[error(transparent)]
    Send(#[from] SendError),
    #[error(transparent)]
    Imap(#[from] ImapError),
    #[error(transparent)]
    Library(#[from] LibraryError),
    #[error(
        "不知道这个邮箱的收件服务器（IMAP）。请在发件邮箱设置中填写，如 account set … --imap-host imap.example.com"
    )]
    NoImapServer,
    #[error(
        "在邮箱中找不到“已发送”文件夹，无法核对。请在网页邮箱的“已发送”中查找这些邮件，再逐封确认。"
    )]
    NoSentFolder,
}

impl Coded for CheckSentError {
    fn code(&self) -> &'static str {
        match self {
            CheckSentError::Send(e) => e.code(),
            CheckSentError::Imap(e) => e.code(),
            CheckSentError::Library(e) => e.code(),
            CheckSentError::NoImapServer => "mail.no_imap_server",
            CheckSentError::NoSentFolder => "mail.imap.no_sent",
        }
    }

    fn is_input(&self) -> bool {
        match self {
            CheckSentError::Send(e) => e.is_input(),
            CheckSentError::Imap(e) => e.is_input(),
            CheckSentError::Library(e) => e.is_input(),
            CheckSentError::NoImapServer => true,
            CheckSentError::NoSentFolder => false,
        }
    }
}

/// Looks up every 待确认 message in the account's sent folder and settles those found. With no
/// uncertain message nothing is opened.
pub fn check_sent(
    lib: &mut Library,
    secrets: &SecretStore,
) -> Result<CheckSentReport, CheckSentError> {
    let uncertain: Vec<_> = lib
        .outbox()?
        .into_iter()
        .filter(|m| m.state == MessageState::Uncertain)
        .collect();
    let mut report = CheckSentReport::default();
    if uncertain.is_empty() {
        return Ok(report);
    }
    let account = lib.mail_account()?.ok_or(SendError::NoAccount)?;
    let (host, port) = account.imap_server().ok_or(CheckSentError::NoImapServer)?;
    let secret = secrets
        .get(&account.secret_key())
        .map_err(SendError::from)?
        .ok_or(SendError::NoSecret)?;
    let mut server = imap::Server::new(host, port);
    server.extra_root = account.extra_root().map(str::to_owned);
    let mut session = imap::connect(&server, &account.address, &secret)?;
    let folders = session.folders()?;
    let sent = folders.sent.ok_or(CheckSentError::NoSentFolder)?;
    report.folder = Some(sent.name.clone());
    for m in uncertain {
        report.checked += 1;
        let settled = SettledMessage {
            id: m.id,
            batch_id: m.batch_id,
            position: m.position,
            message_id: m.message_id.clone(),
            reply: m.reply,
        };
        if session.find_message_id(&sent, &m.message_id)?.is_empty() {
            report.not_found.push(settled);
        } else {
            lib.resolve_message(m.id, Resolution::Delivered)?;
            report.delivered.push(settled);
        }
    }
    session.logout();
    tracing::info!(
        folder = %sent.name,
        checked = report.checked,
        delivered = report.delivered.len(),
        not_found = report.not_found.len(),
        "sent folder checked"
    );
    Ok(report)
}
