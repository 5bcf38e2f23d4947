//! Queueing a batch's messages: [`queue_batch`] plans the batch under the account's limit,
//! writes every message's attachments and cover letter into the library
//! (`outbox/batch-<id>/…`, fsynced) and queues the messages in one transaction;
//! [`replan_batch`] plans again under a smaller size and swaps the messages, writing the new
//! attachments before anything is withdrawn.

use std::path::Path;

use super::{compose, message};
use crate::account::Account;
use crate::batch::plan::{Content, OversizeRoute};
use crate::library::{Library, NewMessage, OutboxMessage, QueuedAttachment};
use crate::package::attachments::{self, PlanOptions};

use super::send::{COVER, SendError};
use crate::progress::CancelToken;

/// Where a batch's messages live in the library.
fn batch_dir(batch_id: i64) -> String {
    format!("outbox/batch-{batch_id}")
}

/// Which files go another way (另行传送: QQ 超大附件, 网盘, U盘) instead of by mail: the
/// cover letter of every message lists them with their SHA-256, and the municipal office
/// records them as 待补 until the bytes are given.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Routing {
    /// Package paths the clerk chose.
    pub separate: Vec<String>,
    /// A file too big for one message: volumes (the default) or 另行传送.
    pub oversize: OversizeRoute,
}

/// Plans batch `id` under the account's limit, writes the attachments and queues the
/// messages. A batch already in the outbox is left as it is (never queued twice).
pub fn queue_batch(
    lib: &mut Library,
    batch_id: i64,
    to: Option<&str>,
    routing: &Routing,
    cancel: &CancelToken,
) -> Result<Vec<OutboxMessage>, SendError> {
    if lib.has_messages(batch_id)? {
        return Ok(lib.batch_messages(batch_id)?);
    }
    let batch = lib.batch(batch_id)?;
    if let Some(unknown) = routing
        .separate
        .iter()
        .find(|p| !batch.files().any(|(_, f)| f.package_path == **p))
    {
        return Err(SendError::NotInBatch(unknown.clone()));
    }
    queue(lib, batch_id, to, routing, None, cancel)
}

/// 重新计划: after a 552 (the server takes less than the account claims), the batch's
/// messages are planned again under `max_message_bytes` (never above the account's limit)
/// and replace the old ones — only while none of them has gone out or may have (sent,
/// sending, 待确认), so no work is sent twice. The new plan is made before anything is
/// withdrawn: a size too small for the first message changes nothing.
pub fn replan_batch(
    lib: &mut Library,
    batch_id: i64,
    max_message_bytes: Option<u64>,
    cancel: &CancelToken,
) -> Result<Vec<OutboxMessage>, SendError> {
    let old = lib.batch_messages(batch_id)?;
    let recipient = old.first().map(|m| m.recipient.clone());
    // What the old plan sent another way stays so: its cover letters told the recipient.
    let mailed: std::collections::HashSet<&str> = old
        .iter()
        .flat_map(|m| m.attachments.iter())
        .flat_map(|a| a.paths.iter().map(String::as_str))
        .collect();
    let separate = if old.is_empty() {
        Vec::new()
    } else {
        lib.batch(batch_id)?
            .files()
            .map(|(_, f)| f.package_path.clone())
            .filter(|p| !mailed.contains(p.as_str()))
            .collect()
    };
    let routing = Routing {
        separate,
        oversize: OversizeRoute::Split,
    };
    queue(
        lib,
        batch_id,
        recipient.as_deref(),
        &routing,
        Some(Replan { max_message_bytes }),
        cancel,
    )
}

/// How [`queue`] replaces a batch's earlier messages.
struct Replan {
    max_message_bytes: Option<u64>,
}

fn queue(
    lib: &mut Library,
    batch_id: i64,
    to: Option<&str>,
    routing: &Routing,
    replan: Option<Replan>,
    cancel: &CancelToken,
) -> Result<Vec<OutboxMessage>, SendError> {
    let account = lib.mail_account()?.ok_or(SendError::NoAccount)?;
    let batch = lib.batch(batch_id)?;
    let recipient = match to.map(str::trim).filter(|t| !t.is_empty()) {
        Some(t) => t.to_owned(),
        None => batch.header.mailbox.clone().ok_or(SendError::NoRecipient)?,
    };
    if !crate::account::is_address(&recipient) {
        return Err(message::MessageError::Recipient(recipient).into());
    }
    let zone = lib.campaign()?.zone();
    let limit = account.message_limit().0;
    let options = PlanOptions {
        max_message_bytes: Some(
            replan
                .as_ref()
                .and_then(|r| r.max_message_bytes)
                .map_or(limit, |m| m.min(limit)),
        ),
        separate: routing.separate.clone(),
        oversize: routing.oversize,
        ..PlanOptions::default()
    };
    let (plan, extras) = attachments::plan_for_mail(lib.root(), &batch, zone, &options)
        .map_err(|e| SendError::Plan(e.to_string()))?;
    // A replan writes the new attachments beside the old ones (a folder of its own) and swaps
    // the messages in one transaction: a failure on the way leaves the old plan as it was.
    let replacing = replan.is_some();
    let (dest_rel, old) = match replan {
        Some(_) => {
            lib.check_replannable(batch_id)?;
            (
                fresh_batch_dir(lib.root(), batch_id),
                lib.batch_messages(batch_id)?,
            )
        }
        None => (batch_dir(batch_id), Vec::new()),
    };
    // Never through a link: an `outbox` that points elsewhere would have the attachments
    // written (and, on failure, removed) outside the library.
    let dest = crate::safe_path::join_inside(lib.root(), &dest_rel)
        .map_err(|e| SendError::Write(e.to_string()))?;
    let written = (|| {
        let io = |e: std::io::Error| SendError::Write(crate::fsx::io_reason(&e));
        std::fs::create_dir_all(&dest).map_err(io)?;
        // `outbox/` now holds the plan's folder: durable before a row names it.
        crate::fsx::sync_dir(lib.root()).map_err(io)?;
        if let Some(outbox) = dest.parent() {
            crate::fsx::sync_dir(outbox).map_err(io)?;
        }
        write_plan(
            lib, &account, &recipient, &batch, &plan, &options, &extras, &dest, cancel,
        )
    })();
    let result = written.and_then(|new| {
        Ok(if replacing {
            lib.replace_messages(batch_id, &new)?
        } else {
            lib.queue_messages(batch_id, &new)?
        })
    });
    match result {
        Ok(messages) => {
            // The old plan's folders are no longer named by any row.
            for folder in old_dirs(&old, &dest_rel) {
                if let Ok(path) = crate::safe_path::join_inside(lib.root(), &folder) {
                    let _ = std::fs::remove_dir_all(path);
                }
            }
            Ok(messages)
        }
        Err(e) => {
            // The new folder is nobody's: a replan's always, a first plan's unless another
            // program queued the batch meanwhile.
            if replacing || lib.has_messages(batch_id).is_ok_and(|has| !has) {
                let _ = std::fs::remove_dir_all(&dest);
            }
            Err(e)
        }
    }
}

/// `outbox/batch-<id>-<k>`: a folder no plan of the batch has used yet.
fn fresh_batch_dir(root: &Path, batch_id: i64) -> String {
    (2u32..)
        .map(|k| format!("{}-{k}", batch_dir(batch_id)))
        .find(|d| std::fs::symlink_metadata(root.join(d)).is_err())
        .unwrap_or_else(|| batch_dir(batch_id))
}

/// The plan folders (`outbox/<name>`) the old messages live in, other than `keep`.
fn old_dirs(old: &[OutboxMessage], keep: &str) -> Vec<String> {
    let mut dirs: Vec<String> = old
        .iter()
        .filter_map(|m| {
            let mut parts = m.folder.split('/');
            match (parts.next(), parts.next()) {
                (Some(OUTBOX), Some(d)) if !d.is_empty() => Some(format!("{OUTBOX}/{d}")),
                _ => None,
            }
        })
        .filter(|d| d != keep)
        .collect();
    dirs.sort();
    dirs.dedup();
    dirs
}

const OUTBOX: &str = "outbox";

/// Writes every message's attachments and cover letter under `dest` and describes the
/// messages to queue.
#[allow(clippy::too_many_arguments)]
fn write_plan(
    lib: &Library,
    account: &Account,
    recipient: &str,
    batch: &crate::batch::Batch,
    plan: &crate::batch::plan::MailPlan,
    options: &PlanOptions,
    extras: &[(String, Vec<u8>)],
    dest: &Path,
    cancel: &CancelToken,
) -> Result<Vec<NewMessage>, SendError> {
    let (folder, written) = attachments::write_attachments(
        lib.root(),
        &attachments::Attachments {
            batch,
            plan,
            packing: options.packing,
            extras,
        },
        dest,
        &mut |_| {},
        cancel,
    )
    .map_err(|e| SendError::Write(e.to_string()))?;
    let count = u32::try_from(plan.messages.len()).unwrap_or(u32::MAX);
    let relative = |p: &Path| -> String {
        p.strip_prefix(lib.root())
            .unwrap_or(p)
            .to_string_lossy()
            .replace('\\', "/")
    };
    let limit = account.message_limit().0;
    // Each attachment's SHA-256 as written, checked again before the message is built.
    let mut sums = std::collections::HashMap::new();
    for w in &written {
        let sum = crate::digest::sha256_file(Path::new(&w.path))
            .map_err(|e| SendError::Write(crate::fsx::io_reason(&e)))?;
        sums.insert((w.message, w.name.clone()), sum);
    }
    let mut new = Vec::new();
    for m in &plan.messages {
        let dir = folder.join(attachments::message_folder(m.index));
        write_synced(&dir.join(COVER), compose::body(batch, plan, m).as_bytes())
            .and_then(|()| crate::fsx::sync_dir(&dir))
            .map_err(|e| SendError::Write(crate::fsx::io_reason(&e)))?;
        new.push(NewMessage {
            position: m.index,
            count,
            sender: account.address.clone(),
            recipient: recipient.to_owned(),
            subject: compose::subject(batch, m.index, count),
            message_id: compose::message_id(batch, m.index, &account.address),
            folder: relative(&dir),
            attachments: m
                .attachments
                .iter()
                .map(|a| QueuedAttachment {
                    name: a.name.clone(),
                    size: a.raw_bytes,
                    paths: match &a.content {
                        Content::File { path } if path.contains('/') => vec![path.clone()],
                        Content::File { .. } => Vec::new(),
                        Content::Zip { paths } | Content::Volume { paths, .. } => paths.clone(),
                    },
                    sha256: sums.get(&(m.index, a.name.clone())).cloned(),
                })
                .collect(),
            bytes: m.encoded_bytes,
            plan_bytes: options.max_message_bytes.unwrap_or(limit),
        });
    }
    Ok(new)
}

/// A new file, written and synced (the cover letter beside the attachments).
fn write_synced(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut f = std::fs::File::create(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}
