//! The city's answers to a district, queued through the outbox: a 回执 or a 补正通知 for one
//! received batch (one version of it) is written as text (`city::reply`) into the library
//! (`outbox/reply-<id>-<kind>/.cover.txt`, synced before the row that names it commits) and
//! queued as one message to the batch's sender — the From of the mail that brought it, or an
//! address the clerk gives. At most one of each kind per received batch: asking again queues
//! nothing and returns the message already there, in whatever state it is. It is then sent
//! like a district's batch message (`send::flush`), by the same gate and retries.

use std::path::Path;

use serde::Serialize;
use ts_rs::TS;

use super::send::{COVER, SendError};
use crate::campaign::Campaign;
use crate::city::reply::{self, Letterhead, ReceivedBatch, ReplyKind};
use crate::library::{Library, LibraryError, MessageState, NewMessage, OutboxMessage};

#[derive(Debug, thiserror::Error)]
pub enum ReplyError {
    #[error(
        "{office}{label}是从文件夹（U盘）收入的，没有来信的邮箱地址，不知道{kind}该发给谁。请填写报送单位的邮箱地址（命令行：--to 地址）。"
    )]
    NoAddress {
        office: String,
        label: String,
        kind: &'static str,
    },
    #[error("邮箱地址“{0}”无效，请检查后重新填写（例如 jinping@qq.com）。")]
    BadAddress(String),
    #[error(
        "{office}{label}没有需要补正的问题：每个文件都已收到、与校验值一致，也都通过了市级检查，不必发送补正通知（可发送回执）。"
    )]
    NothingToCorrect { office: String, label: String },
    #[error(transparent)]
    Send(#[from] SendError),
}

impl From<LibraryError> for ReplyError {
    fn from(e: LibraryError) -> Self {
        ReplyError::Send(e.into())
    }
}

impl crate::coded::Coded for ReplyError {
    fn code(&self) -> &'static str {
        match self {
            ReplyError::NoAddress { .. } => "city.reply_no_address",
            ReplyError::BadAddress(_) => "city.reply_bad_address",
            ReplyError::NothingToCorrect { .. } => "city.reply_nothing_to_correct",
            ReplyError::Send(e) => e.code(),
        }
    }

    fn is_input(&self) -> bool {
        match self {
            ReplyError::NoAddress { .. }
            | ReplyError::BadAddress(_)
            | ReplyError::NothingToCorrect { .. } => true,
            ReplyError::Send(e) => e.is_input(),
        }
    }

    fn fields(&self) -> Vec<crate::validate::FieldError> {
        match self {
            ReplyError::NoAddress { .. } | ReplyError::BadAddress(_) => {
                vec![crate::validate::FieldError {
                    field: "to".into(),
                    message: self.to_string(),
                }]
            }
            ReplyError::Send(e) => e.fields(),
            ReplyError::NothingToCorrect { .. } => Vec::new(),
        }
    }
}

/// An answer as the clerk confirms it: its words, and where it goes.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct ReplyDraft {
    pub kind: ReplyKind,
    /// The received batch it answers.
    #[ts(type = "number")]
    pub batch_id: i64,
    pub office: String,
    /// `第1批`, `第1批（第2版）`.
    pub label: String,
    pub subject: String,
    /// The text as it will be (or was) sent.
    pub text: String,
    /// The batch's sender (the From of its mail); None when it came from a folder or a stick.
    pub recipient: Option<String>,
    /// How many things the 补正通知 lists.
    pub issues: u32,
    /// The message already in the outbox for this batch and kind, if any: nothing more is
    /// queued.
    pub queued: Option<OutboxMessage>,
}

/// What asking to send an answer did.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct ReplyQueued {
    pub kind: ReplyKind,
    #[ts(type = "number")]
    pub batch_id: i64,
    /// True when this call queued it (or, refused for good before, put it back for another
    /// address); false when it was already in the outbox (nothing new).
    pub queued: bool,
    pub message: OutboxMessage,
    pub text: String,
    /// In Chinese: what happened and what comes next.
    pub note: String,
}

fn letterhead<'a>(office: &'a crate::office::Office, campaign: &'a Campaign) -> Letterhead<'a> {
    Letterhead {
        office: &office.name,
        contact_name: &office.contact_name,
        contact_title: &office.contact_title,
        contact_phone: &office.contact_phone,
        campaign,
    }
}

/// The words of answer `kind` to `batch`, or why there is none.
fn words(
    batch: &ReceivedBatch,
    kind: ReplyKind,
    head: &Letterhead<'_>,
) -> Result<String, ReplyError> {
    match kind {
        ReplyKind::Receipt => Ok(reply::receipt(batch, head)),
        ReplyKind::Correction => {
            reply::correction(batch, head).ok_or_else(|| ReplyError::NothingToCorrect {
                office: batch.office.clone(),
                label: batch.label.clone(),
            })
        }
    }
}

/// The text a queued answer was sent with (its folder's cover letter).
fn queued_text(lib: &Library, m: &OutboxMessage) -> String {
    m.file_path(lib.root(), COVER)
        .ok()
        .and_then(|p| std::fs::read_to_string(p).ok())
        .unwrap_or_default()
}

/// Answer `kind` to received batch `id` as it would be sent now — or, once queued, as it was.
pub fn draft_reply(
    lib: &Library,
    campaign: &Campaign,
    id: i64,
    kind: ReplyKind,
) -> Result<ReplyDraft, ReplyError> {
    let batch = lib.received_batch(id)?;
    let office = lib.office()?;
    let head = letterhead(&office, campaign);
    let issues = u32::try_from(reply::issues(&batch, &head).len()).unwrap_or(u32::MAX);
    let queued = lib.reply_message(id, kind)?;
    let (subject, text, recipient) = match &queued {
        Some(m) => (
            m.subject.clone(),
            queued_text(lib, m),
            Some(m.recipient.clone()),
        ),
        None => (
            reply::subject(kind, &batch, &head),
            words(&batch, kind, &head)?,
            batch.sender.clone(),
        ),
    };
    Ok(ReplyDraft {
        kind,
        batch_id: id,
        office: batch.office,
        label: batch.label,
        subject,
        text,
        recipient,
        issues,
        queued,
    })
}

/// Queues answer `kind` to received batch `id`, to `to` or else the batch's sender — once.
pub fn queue_reply(
    lib: &mut Library,
    campaign: &Campaign,
    id: i64,
    kind: ReplyKind,
    to: Option<&str>,
) -> Result<ReplyQueued, ReplyError> {
    let batch = lib.received_batch(id)?;
    let to = to.map(str::trim).filter(|t| !t.is_empty());
    if let Some(m) = lib.reply_message(id, kind)? {
        return readdress(lib, &batch, kind, m, to);
    }
    let office = lib.office()?;
    let head = letterhead(&office, campaign);
    let text = words(&batch, kind, &head)?;
    let recipient = match to {
        Some(t) => t.to_owned(),
        None => batch.sender.clone().ok_or_else(|| ReplyError::NoAddress {
            office: batch.office.clone(),
            label: batch.label.clone(),
            kind: kind.label(),
        })?,
    };
    if !crate::account::is_address(&recipient) {
        return Err(ReplyError::BadAddress(recipient));
    }
    let account = lib.mail_account()?.ok_or(SendError::NoAccount)?;
    let rel = fresh_dir(lib.root(), id, kind);
    let dir = crate::safe_path::join_inside(lib.root(), &rel)
        .map_err(|e| SendError::Write(e.to_string()))?;
    let io = |e: std::io::Error| ReplyError::Send(SendError::Write(crate::fsx::io_reason(&e)));
    std::fs::create_dir_all(&dir).map_err(io)?;
    let written = (|| {
        crate::fsx::sync_dir(lib.root())?;
        if let Some(outbox) = dir.parent() {
            crate::fsx::sync_dir(outbox)?;
        }
        write_synced(&dir.join(COVER), text.as_bytes())?;
        crate::fsx::sync_dir(&dir)
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_dir_all(&dir);
        return Err(io(e));
    }
    let limit = account.message_limit().0;
    let message = NewMessage {
        position: 1,
        count: 1,
        sender: account.address.clone(),
        recipient,
        subject: reply::subject(kind, &batch, &head),
        message_id: message_id(&batch, kind, &account.address),
        folder: rel,
        attachments: Vec::new(),
        // Base64 of the text, with room for the headers.
        bytes: (text.len() as u64).div_ceil(3) * 4 + 4096,
        plan_bytes: limit,
    };
    match lib.queue_reply(id, kind, &message) {
        Ok((m, true)) => {
            tracing::info!(
                batch = id,
                kind = kind.as_str(),
                message = m.id,
                "reply queued"
            );
            Ok(ReplyQueued {
                kind,
                batch_id: id,
                queued: true,
                note: format!(
                    "{}已加入发件箱，发给 {}；窗口在后台发送（命令行：outbox flush）。",
                    kind.label(),
                    m.recipient
                ),
                message: m,
                text,
            })
        }
        Ok((m, false)) => {
            // Another program queued it meanwhile: ours is nobody's.
            let _ = std::fs::remove_dir_all(&dir);
            Ok(already(lib, &batch, kind, m))
        }
        Err(e) => {
            let _ = std::fs::remove_dir_all(&dir);
            Err(e.into())
        }
    }
}

/// An answer already in the outbox: refused for good by the server (it never went out), it goes
/// to `to` when one is given; otherwise it stays as it is.
fn readdress(
    lib: &mut Library,
    batch: &ReceivedBatch,
    kind: ReplyKind,
    m: OutboxMessage,
    to: Option<&str>,
) -> Result<ReplyQueued, ReplyError> {
    let refused = m.state == MessageState::Failed && m.permanent;
    let Some(to) = to.filter(|_| refused) else {
        return Ok(already(lib, batch, kind, m));
    };
    if !crate::account::is_address(to) {
        return Err(ReplyError::BadAddress(to.to_owned()));
    }
    if !lib.readdress_reply(m.id, to)? {
        // Taken or settled meanwhile: as it is now.
        let now = lib.outbox_message(m.id)?;
        return Ok(already(lib, batch, kind, now));
    }
    let m = lib.outbox_message(m.id)?;
    tracing::info!(
        batch = batch.id,
        kind = kind.as_str(),
        message = m.id,
        "reply readdressed"
    );
    Ok(ReplyQueued {
        kind,
        batch_id: batch.id,
        queued: true,
        note: format!(
            "{}改发给 {}，已重新加入发件箱；窗口在后台发送（命令行：outbox flush）。",
            kind.label(),
            m.recipient
        ),
        text: queued_text(lib, &m),
        message: m,
    })
}

fn already(lib: &Library, batch: &ReceivedBatch, kind: ReplyKind, m: OutboxMessage) -> ReplyQueued {
    ReplyQueued {
        kind,
        batch_id: batch.id,
        queued: false,
        note: if m.state == MessageState::Failed && m.permanent {
            format!(
                "{}{}的{}没有发出：{}可以改发到其他地址（命令行：--to 新地址）。",
                batch.office,
                batch.label,
                kind.label(),
                m.error.as_deref().unwrap_or("服务器拒收。")
            )
        } else {
            format!(
                "{}{}的{}已在发件箱中（{}，发给 {}），没有再次加入：每个批次的每一版只发一次。",
                batch.office,
                batch.label,
                kind.label(),
                m.state.label(),
                m.recipient
            )
        },
        text: queued_text(lib, &m),
        message: m,
    }
}

/// `outbox/reply-<id>-<kind>`, or with `-<k>` when a folder of that name is already there.
fn fresh_dir(root: &Path, id: i64, kind: ReplyKind) -> String {
    let base = format!("outbox/reply-{id}-{}", kind.as_str());
    std::iter::once(base.clone())
        .chain((2u32..1000).map(|k| format!("{base}-{k}")))
        .find(|d| std::fs::symlink_metadata(root.join(d)).is_err())
        .unwrap_or(base)
}

/// A Message-ID unique to this answer and moment, in the sender's domain.
fn message_id(batch: &ReceivedBatch, kind: ReplyKind, sender: &str) -> String {
    let domain = sender.rsplit_once('@').map_or("baosong.local", |(_, d)| d);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let seed = format!(
        "{}|{}|{}|{}|{nanos}|{}",
        batch.office,
        batch.id,
        batch.received_at,
        kind.as_str(),
        std::process::id()
    );
    let hash: String = crate::digest::sha256_hex(seed.as_bytes())
        .chars()
        .take(24)
        .collect();
    format!(
        "<baosong.reply.{}.{}.{hash}@{domain}>",
        kind.as_str(),
        batch.id
    )
}

/// A new file, written and synced.
fn write_synced(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut f = std::fs::File::create(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}
