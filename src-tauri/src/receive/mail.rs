//! Batches that came by mail: each message is read (`mailread`), its attachments kept under
//! `<library>/receiving/mail/<SHA-256 of the message>/` (the same message twice is kept once),
//! and every batch whose full `manifest.json` (the first message's) has arrived is laid out as
//! its package from what all kept messages hold — the plain attachments, the members of the
//! stored zips (each with its part manifest), the volumes joined in order — and taken in as a
//! package folder is. A batch whose first message has not come yet waits; a later delivery
//! (another .eml, the stick) completes it. Mail that holds no batch is listed, with the files
//! it says were sent another way (超大附件, 另行传送).

use std::collections::BTreeMap;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::{EXTRAS, ReceiveError, receive_package};
use crate::batch::manifest::{self, Manifest};
use crate::campaign::Campaign;
use crate::library::{Library, LibraryError, Recorded, Source};
use crate::mailread::{MailMessage, MentionedFile};
use crate::progress::{CancelToken, Progress};
use crate::safe_path;

/// The folder (under the library) where received mail is kept.
const MAIL_DIR: &str = "receiving/mail";
/// A message larger than this is not one a mail server carried.
const MESSAGE_LIMIT: u64 = 512 << 20;

/// What one message was.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MessageSeen {
    /// The file it was read from.
    pub origin: String,
    pub message_id: Option<String>,
    pub subject: Option<String>,
    pub from: Option<String>,
    /// `batch` (it carries a batch's files), `other` (mail that is not a batch), `damaged`.
    pub kind: String,
    /// Already received before (the same bytes): nothing new from it.
    pub already: bool,
    pub attachments: Vec<String>,
    /// Files the text says went another way (QQ/NetEase 超大附件, 另行传送), to fetch by hand.
    pub mentioned: Vec<MentionedFile>,
    pub problems: Vec<String>,
}

/// What a mail delivery did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MailReport {
    pub messages: Vec<MessageSeen>,
    /// The batches laid out and taken in: new ones and ones this mail completed or added to (a
    /// batch already whole is not taken in again).
    pub batches: Vec<Recorded>,
    /// Batches some of whose mail came but not the first message with the full manifest.
    pub waiting: Vec<String>,
    /// 待补 files filled in by bytes given by hand (`receive --zip` of a downloaded 超大附件).
    pub filled: Vec<super::FilledFile>,
}

/// A kept attachment: its decoded name and where its bytes are.
#[derive(Debug, Clone)]
struct Kept {
    name: String,
    path: PathBuf,
    size: u64,
    /// The message it came in (`<SHA-256>`), for the extras of the manifest's own message.
    message: String,
}

/// (campaign, office, number, 补报): which batch a manifest or part manifest belongs to.
type BatchKey = (String, String, u32, bool);

fn key_of(m: &Manifest) -> BatchKey {
    (
        m.campaign.id.clone(),
        m.office.name.clone(),
        m.batch.number,
        m.batch.supplement,
    )
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> ReceiveError + '_ {
    move |e| {
        ReceiveError::Library(LibraryError::Write {
            path: path.to_path_buf(),
            reason: crate::fsx::io_reason(&e),
        })
    }
}

/// A folder of the library for received mail, made if missing, never through a link.
fn checked_dir(root: &Path, rel: &str) -> Result<PathBuf, ReceiveError> {
    let dir = safe_path::join_inside(root, rel).map_err(|e| {
        ReceiveError::Library(LibraryError::UnsafePath {
            row: "收件文件夹".into(),
            source: e,
        })
    })?;
    std::fs::create_dir_all(&dir).map_err(io(&dir))?;
    Ok(dir)
}

/// Reads the message files one at a time, keeps their attachments, and takes in every batch
/// complete enough; `kind` is the source's (`eml`, `maildir`, `imap`).
pub fn receive_messages(
    lib: &mut Library,
    files: &[PathBuf],
    campaign: &Campaign,
    kind: &str,
) -> Result<MailReport, ReceiveError> {
    take_in(lib, files, campaign, kind, Vec::new(), &mut |_| {})
}

/// [`receive_messages`], telling `progress` of each message kept and each batch checked.
pub fn receive_messages_reporting(
    lib: &mut Library,
    files: &[PathBuf],
    campaign: &Campaign,
    kind: &str,
    progress: &mut dyn FnMut(&Progress),
) -> Result<MailReport, ReceiveError> {
    take_in(lib, files, campaign, kind, Vec::new(), progress)
}

/// [`receive_messages_reporting`]; `written` holds a folder kept just before (files given by
/// hand).
fn take_in(
    lib: &mut Library,
    files: &[PathBuf],
    campaign: &Campaign,
    kind: &str,
    mut written: Vec<PathBuf>,
    progress: &mut dyn FnMut(&Progress),
) -> Result<MailReport, ReceiveError> {
    let root = lib.root().to_path_buf();
    let mail_dir = checked_dir(&root, MAIL_DIR)?;
    let fresh = !written.is_empty();
    let mut seen = Vec::new();
    let total_files = u32::try_from(files.len()).unwrap_or(u32::MAX);
    for (k, file) in files.iter().enumerate() {
        progress(&Progress {
            phase: "读取邮件".into(),
            current: file
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            done_files: u32::try_from(k).unwrap_or(u32::MAX),
            total_files,
            ..Progress::default()
        });
        let bytes = read_message(file)?;
        seen.push(keep_message(
            &mail_dir,
            &file.display().to_string(),
            &bytes,
            &mut written,
        )?);
    }
    let kept = load_kept(&mail_dir);
    // A batch waiting only for files sent another way (待补) is laid out again only when new
    // mail came: mail alone cannot bring those.
    let fresh = fresh || seen.iter().any(|s| s.kind == "batch" && !s.already);
    let mut mentions = kept_mentions(&mail_dir);
    mentions.extend(seen.iter().flat_map(|s| s.mentioned.iter().cloned()));
    let mut batches = Vec::new();
    let mut done_keys = Vec::new();
    for (manifest_path, message) in full_manifests(&kept) {
        let Ok(text) = std::fs::read_to_string(&manifest_path) else {
            continue;
        };
        let Ok(m) = serde_json::from_str::<Manifest>(&text) else {
            continue;
        };
        if m.schema != manifest::SCHEMA || m.part.is_some() || m.campaign.id != campaign.id {
            continue;
        }
        // A batch already whole is never laid out again: a season's mail is not re-read on
        // every 收取邮件.
        let manifest_sha256 = crate::digest::sha256_hex(text.as_bytes());
        if lib.delivery_complete(&manifest_sha256, !fresh)? {
            // Taken in whole from a stick before its mail came: the mail still says where the
            // city answers.
            if let Some(from) = kept_from(&mail_dir, &message) {
                lib.note_sender(&manifest_sha256, &from)?;
            }
            done_keys.push(key_of(&m));
            continue;
        }
        let assembly = tempfile::Builder::new()
            .prefix(".assemble-")
            .tempdir_in(checked_dir(&root, "receiving")?)
            .map_err(io(&root))?;
        lay_out(assembly.path(), &text, &m, &kept, &message)?;
        let origins: Vec<&str> = seen
            .iter()
            .filter(|s| s.kind == "batch")
            .map(|s| s.origin.as_str())
            .collect();
        let source = Source {
            kind: kind.to_owned(),
            origin: if origins.is_empty() {
                "mail".to_owned()
            } else {
                origins.join("; ")
            },
            // The manifest's own message says who sent the batch: the city answers there.
            from: kept_from(&mail_dir, &message),
        };
        done_keys.push(key_of(&m));
        progress(&Progress {
            phase: "核对作品".into(),
            current: format!("{} {}", m.office.name, m.batch.label),
            done_files: u32::try_from(batches.len()).unwrap_or(u32::MAX),
            ..Progress::default()
        });
        batches.push(receive_package(
            lib,
            assembly.path(),
            campaign,
            source,
            &mentions,
            true,
        )?);
    }
    let mut waiting = Vec::new();
    let mut zips: Vec<Vec<PathBuf>> = kept
        .iter()
        .filter(|k| k.name.ends_with(".zip"))
        .map(|k| vec![k.path.clone()])
        .collect();
    zips.extend(
        volume_runs(&kept)
            .into_iter()
            .filter(|(name, _)| name.ends_with(".zip"))
            .map(|(_, parts)| parts),
    );
    for key in zips
        .iter()
        .filter_map(|z| zip_manifest(z))
        .map(|m| key_of(&m))
    {
        if !done_keys.contains(&key) && !waiting.iter().any(|(k, _)| *k == key) {
            let label = format!(
                "{} 第{}批{}：已收到部分邮件，还在等含完整清单（manifest.json）的第1封",
                key.1,
                key.2,
                if key.3 { "（补报）" } else { "" }
            );
            waiting.push((key, label));
        }
    }
    settle_kept(lib, &kept, &written, waiting.is_empty())?;
    let report = MailReport {
        messages: seen,
        batches,
        waiting: waiting.into_iter().map(|(_, l)| l).collect(),
        filled: Vec::new(),
    };
    tracing::info!(
        messages = report.messages.len(),
        batches = report.batches.len(),
        waiting = report.waiting.len(),
        source = kind,
        "mail received"
    );
    Ok(report)
}

/// Takes in attachment files saved by hand (from webmail or a forwarded stick): the zips,
/// `.zip.001` volumes, `manifest.json` and the other files of a batch's messages. They are kept
/// together as one delivery (the same files again are kept once) and the batches they make
/// whole are taken in as mail's are. Files among them that are the bytes of a 待补 file (a
/// downloaded 超大附件) fill it in; given alone, such files must all fit (see `fill`).
pub fn receive_files(
    lib: &mut Library,
    files: &[PathBuf],
    campaign: &Campaign,
) -> Result<MailReport, ReceiveError> {
    let source = || Source {
        kind: "zip".into(),
        origin: files
            .iter()
            .map(|f| f.display().to_string())
            .collect::<Vec<_>>()
            .join("; "),
        from: None,
    };
    let loose: Vec<&PathBuf> = files
        .iter()
        .filter(|f| !f.file_name().and_then(|n| n.to_str()).is_some_and(is_ours))
        .collect();
    // Only plain files, and one of them looks like a file still awaited: they are bytes
    // fetched by hand, and each must fit (a wrong download is said, not kept).
    if !files.is_empty()
        && loose.len() == files.len()
        && super::fill::resembles_unfilled(lib, campaign, &loose)?
    {
        let r = super::fill_in(lib, files, campaign, true, source())?;
        return Ok(MailReport {
            messages: Vec::new(),
            batches: r.batches,
            waiting: Vec::new(),
            filled: r.filled,
        });
    }
    let mut report = keep_files(lib, files, campaign)?;
    if !loose.is_empty() {
        let loose: Vec<PathBuf> = loose.into_iter().cloned().collect();
        // What fits fills in; the rest stay kept as attachments for a batch still to come.
        if let Ok(r) = super::fill_in(lib, &loose, campaign, false, source()) {
            report.filled = r.filled.into_iter().filter(|f| !f.already).collect();
            for b in r.batches {
                report.batches.retain(|x| x.batch_id != b.batch_id);
                report.batches.push(b);
            }
        }
    }
    Ok(report)
}

/// [`receive_files`]: the files kept as one delivery and the batches they complete.
fn keep_files(
    lib: &mut Library,
    files: &[PathBuf],
    campaign: &Campaign,
) -> Result<MailReport, ReceiveError> {
    let root = lib.root().to_path_buf();
    let mail_dir = checked_dir(&root, MAIL_DIR)?;
    let mut named = Vec::new();
    for f in files {
        let name = f
            .file_name()
            .and_then(|n| n.to_str())
            .filter(|n| safe_path::check_name(n).is_ok())
            .ok_or_else(|| ReceiveError::Unreadable {
                path: f.clone(),
                reason: "文件名无法识别".into(),
            })?;
        let meta = std::fs::symlink_metadata(f).map_err(|e| ReceiveError::Unreadable {
            path: f.clone(),
            reason: crate::fsx::io_reason(&e),
        })?;
        if !meta.is_file() {
            return Err(ReceiveError::Unreadable {
                path: f.clone(),
                reason: "不是普通文件（可能是文件夹或链接）".into(),
            });
        }
        let sha = crate::digest::sha256_file(f).map_err(|e| ReceiveError::Unreadable {
            path: f.clone(),
            reason: crate::fsx::io_reason(&e),
        })?;
        named.push((name.to_owned(), f.clone(), sha));
    }
    named.sort();
    let key = crate::digest::sha256_hex(
        named
            .iter()
            .map(|(n, _, sha)| format!("{n}\0{sha}\n"))
            .collect::<String>()
            .as_bytes(),
    );
    let dir = mail_dir.join(format!("files-{key}"));
    if !dir.is_dir() {
        let part = mail_dir.join(format!(".files-{key}.part"));
        let _ = std::fs::remove_dir_all(&part);
        std::fs::create_dir_all(&part).map_err(io(&part))?;
        let mut list = Vec::new();
        for (i, (name, path, _)) in named.iter().enumerate() {
            let to = part.join(format!("att-{i}"));
            std::fs::copy(path, &to).map_err(io(&to))?;
            list.push(serde_json::json!({ "file": format!("att-{i}"), "name": name }));
        }
        let meta = serde_json::json!({ "origin": "files", "attachments": list, "synced": false });
        std::fs::write(part.join("message.json"), meta.to_string()).map_err(io(&part))?;
        std::fs::rename(&part, &dir).map_err(io(&dir))?;
        return take_in(lib, &[], campaign, "zip", vec![dir], &mut |_| {});
    }
    take_in(lib, &[], campaign, "zip", Vec::new(), &mut |_| {})
}

/// A kept folder written by a run that did not finish (see [`settle_kept`]): after a power
/// loss its files may not hold what was written, so it is not trusted and is written again.
fn unsettled(dir: &Path) -> bool {
    std::fs::read_to_string(dir.join("message.json"))
        .ok()
        .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
        .is_some_and(|m| m["synced"] == false && m["released"] != true)
}

/// The folders this run kept are written without waiting for the disk. Once the batches are
/// recorded: when nothing waits and every kept batch is whole, their attachments are no longer
/// needed (the store holds the works, synced) and are released — the folder, its
/// `message.json` and a `manifest.json` stay, so the same message again is known and adds
/// nothing; otherwise they are synced to disk, for a later delivery to complete them.
fn settle_kept(
    lib: &Library,
    kept: &[Kept],
    written: &[PathBuf],
    nothing_waits: bool,
) -> Result<(), ReceiveError> {
    if written.is_empty() {
        return Ok(());
    }
    let mut whole = nothing_waits;
    for (path, _) in full_manifests(kept) {
        if !whole {
            break;
        }
        let sha = std::fs::read(&path)
            .map(|b| crate::digest::sha256_hex(&b))
            .unwrap_or_default();
        whole = lib.delivery_complete(&sha, true)?;
    }
    for dir in written {
        let meta_path = dir.join("message.json");
        let Ok(text) = std::fs::read_to_string(&meta_path) else {
            continue;
        };
        let mut meta: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
        let attachments: Vec<(PathBuf, bool)> = meta["attachments"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|a| {
                Some((
                    kept_file(dir, a["file"].as_str()?)?,
                    a["name"] == manifest_name(),
                ))
            })
            .collect();
        if whole {
            // The manifest stays: it tells later mail of the batch that it is whole. Only
            // regular files in the folder itself go (a link is never followed nor removed).
            for (f, _) in attachments.iter().filter(|(_, manifest)| !manifest) {
                if std::fs::symlink_metadata(f).is_ok_and(|m| m.is_file()) {
                    let _ = std::fs::remove_file(f);
                }
            }
            meta["released"] = serde_json::Value::Bool(true);
        } else {
            for (f, _) in &attachments {
                File::open(f).and_then(|f| f.sync_all()).map_err(io(f))?;
            }
            crate::fsx::sync_dir(dir).map_err(io(dir))?;
            meta["synced"] = serde_json::Value::Bool(true);
        }
        crate::fsx::write_atomic(&meta_path, meta.to_string().as_bytes()).map_err(io(dir))?;
    }
    Ok(())
}

/// An attachment's file in a kept message's folder, by the name its `message.json` gives: a
/// plain name in that very folder only (a library from a stranger's stick may say
/// `../../files/…`).
fn kept_file(dir: &Path, file: &str) -> Option<PathBuf> {
    let mut parts = Path::new(file).components();
    match (parts.next(), parts.next()) {
        (Some(std::path::Component::Normal(name)), None) => Some(dir.join(name)),
        _ => None,
    }
}

/// Reads one message and keeps its attachments (once per distinct message); a folder it
/// writes is added to `written` (see [`settle_kept`]).
fn keep_message(
    mail_dir: &Path,
    origin: &str,
    bytes: &[u8],
    written: &mut Vec<PathBuf>,
) -> Result<MessageSeen, ReceiveError> {
    let sha = crate::digest::sha256_hex(bytes);
    let mut seen = MessageSeen {
        origin: origin.to_owned(),
        message_id: None,
        subject: None,
        from: None,
        kind: "other".into(),
        already: false,
        attachments: Vec::new(),
        mentioned: Vec::new(),
        problems: Vec::new(),
    };
    // Long attachments stay encoded in `bytes` until written: one message's bytes in memory,
    // not also its decoded attachment.
    let lean = crate::mailread::Lean::new(bytes);
    let message = match MailMessage::read_lean(&lean) {
        Ok(m) => m,
        Err(e) => {
            seen.kind = "damaged".into();
            seen.problems.push(e.to_string());
            return Ok(seen);
        }
    };
    seen.message_id = message.message_id.clone();
    seen.subject = message.subject.clone();
    seen.from = message.from.as_ref().map(|f| f.address.clone());
    seen.problems = message.problems.clone();
    seen.mentioned = message.mentioned_files();
    seen.attachments = message
        .attachments
        .iter()
        .map(|a| a.name.clone().unwrap_or_default())
        .collect();
    if seen.attachments.iter().any(|n| is_ours(n)) {
        seen.kind = "batch".into();
    }
    let dir = mail_dir.join(&sha);
    if dir.is_dir() && !written.contains(&dir) && unsettled(&dir) {
        // Kept by a run that did not finish: written again from these bytes.
        std::fs::remove_dir_all(&dir).map_err(io(&dir))?;
    }
    if dir.is_dir() {
        seen.already = true;
        return Ok(seen);
    }
    if seen.kind != "batch" {
        return Ok(seen);
    }
    // Kept under a temporary name and renamed whole: a crash leaves no half message.
    let part = mail_dir.join(format!(".{sha}.part"));
    let _ = std::fs::remove_dir_all(&part);
    std::fs::create_dir_all(&part).map_err(io(&part))?;
    let mut names = Vec::new();
    for (i, a) in message.attachments.iter().enumerate() {
        let Some(name) = a.name.clone().filter(|n| safe_path::check_name(n).is_ok()) else {
            continue;
        };
        let file = part.join(format!("att-{i}"));
        let mut out = File::create(&file).map_err(io(&file))?;
        message
            .write_attachment(i, &mut out)
            .map_err(|e| io(&file)(std::io::Error::other(e.to_string())))?;
        names.push(serde_json::json!({ "file": format!("att-{i}"), "name": name }));
    }
    let meta = serde_json::json!({
        "message_id": seen.message_id, "subject": seen.subject, "origin": origin,
        "from": seen.from, "attachments": names, "mentioned": seen.mentioned, "synced": false,
    });
    std::fs::write(part.join("message.json"), meta.to_string()).map_err(io(&part))?;
    std::fs::rename(&part, &dir).map_err(io(&dir))?;
    written.push(dir);
    Ok(seen)
}

/// The From address kept with message `message` (`<SHA-256>`), if it was a valid one.
fn kept_from(mail_dir: &Path, message: &str) -> Option<String> {
    let meta = std::fs::read_to_string(mail_dir.join(message).join("message.json")).ok()?;
    let meta: serde_json::Value = serde_json::from_str(&meta).ok()?;
    meta["from"]
        .as_str()
        .map(str::trim)
        .filter(|a| crate::account::is_address(a))
        .map(str::to_owned)
}

/// An attachment name a Baosong batch message carries.
fn is_ours(name: &str) -> bool {
    name == manifest_name() || name.ends_with(".zip") || volume_of(name).is_some()
}

fn manifest_name() -> &'static str {
    crate::batch::plan::MANIFEST_NAME
}

/// `X.001` → (`X`, 1): a volume of the source `X` (3 or more digits).
fn volume_of(name: &str) -> Option<(&str, u32)> {
    let (source, index) = name.rsplit_once('.')?;
    (index.len() >= 3 && index.bytes().all(|b| b.is_ascii_digit()))
        .then(|| index.parse().ok().map(|i| (source, i)))
        .flatten()
}

/// Every kept attachment of every kept message.
fn load_kept(mail_dir: &Path) -> Vec<Kept> {
    let mut kept = Vec::new();
    let Ok(read) = std::fs::read_dir(mail_dir) else {
        return kept;
    };
    for e in read.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') || !e.file_type().is_ok_and(|t| t.is_dir()) {
            continue;
        }
        let dir = e.path();
        let Ok(meta) = std::fs::read_to_string(dir.join("message.json")) else {
            continue;
        };
        let meta: serde_json::Value = serde_json::from_str(&meta).unwrap_or_default();
        for a in meta["attachments"].as_array().into_iter().flatten() {
            let (Some(file), Some(att)) = (a["file"].as_str(), a["name"].as_str()) else {
                continue;
            };
            let Some(path) = kept_file(&dir, file) else {
                continue;
            };
            let Ok(m) = std::fs::symlink_metadata(&path) else {
                continue;
            };
            if m.is_file() {
                kept.push(Kept {
                    name: att.to_owned(),
                    path,
                    size: m.len(),
                    message: name.clone(),
                });
            }
        }
    }
    kept.sort_by(|a, b| (&a.message, &a.name).cmp(&(&b.message, &b.name)));
    kept
}

/// What every kept message said was sent another way (另行传送, 超大附件).
fn kept_mentions(mail_dir: &Path) -> Vec<MentionedFile> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(mail_dir).into_iter().flatten().flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') || !e.file_type().is_ok_and(|t| t.is_dir()) {
            continue;
        }
        let Ok(meta) = std::fs::read_to_string(e.path().join("message.json")) else {
            continue;
        };
        let meta: serde_json::Value = serde_json::from_str(&meta).unwrap_or_default();
        if let Ok(list) = serde_json::from_value::<Vec<MentionedFile>>(meta["mentioned"].clone()) {
            out.extend(list);
        }
    }
    out
}

/// The kept full manifests (not a part's): their file and the message they came in.
fn full_manifests(kept: &[Kept]) -> Vec<(PathBuf, String)> {
    kept.iter()
        .filter(|k| k.name == manifest_name() && k.size < 32 << 20)
        .map(|k| (k.path.clone(), k.message.clone()))
        .collect()
}

/// The manifest inside a stored zip (one file, or its volumes in order), if it holds one.
fn zip_manifest(parts: &[PathBuf]) -> Option<Manifest> {
    let mut zip = zip::ZipArchive::new(Joined::open(parts).ok()?).ok()?;
    let mut entry = zip.by_name(manifest_name()).ok()?;
    if entry.size() > 32 << 20 {
        return None;
    }
    let mut text = String::new();
    entry.read_to_string(&mut text).ok()?;
    serde_json::from_str(&text).ok()
}

/// Lays out the package of manifest `m` (its JSON `text`, from message `message`) in `dir`
/// from the kept attachments: the extras of its own message, then every listed file from a
/// zip of the same batch, a joined volume, or a plain attachment of its name and size.
fn lay_out(
    dir: &Path,
    text: &str,
    m: &Manifest,
    kept: &[Kept],
    message: &str,
) -> Result<(), ReceiveError> {
    std::fs::write(dir.join(manifest_name()), text).map_err(io(dir))?;
    for k in kept.iter().filter(|k| k.message == message) {
        if EXTRAS.contains(&k.name.as_str()) && k.name != manifest_name() {
            std::fs::copy(&k.path, dir.join(&k.name)).map_err(io(dir))?;
        }
    }
    let key = key_of(m);
    let wanted: BTreeMap<&str, u64> = m
        .entries
        .iter()
        .flat_map(|e| e.files.iter())
        .map(|f| (f.path.as_str(), f.size))
        .collect();
    // Volumes are read where they are kept, one after another: never joined into a copy.
    let mut sources: Vec<Vec<PathBuf>> = kept
        .iter()
        .filter(|k| k.name.ends_with(".zip"))
        .map(|k| vec![k.path.clone()])
        .collect();
    for (name, parts) in volume_runs(kept) {
        if name.ends_with(".zip") {
            sources.push(parts);
        } else {
            place_plain(dir, &wanted, &name, &parts)?;
        }
    }
    for parts in sources {
        if zip_manifest(&parts).is_some_and(|pm| key_of(&pm) == key) {
            extract(&parts, dir, &wanted)?;
        }
    }
    for k in kept {
        if !EXTRAS.contains(&k.name.as_str()) && !k.name.ends_with(".zip") {
            place_plain(dir, &wanted, &k.name, std::slice::from_ref(&k.path))?;
        }
    }
    Ok(())
}

/// A plain attachment (Attachments mode: the work itself, or its volumes in order) at the
/// listed path of its name and size, unless that path is already laid out.
fn place_plain(
    dir: &Path,
    wanted: &BTreeMap<&str, u64>,
    name: &str,
    parts: &[PathBuf],
) -> Result<(), ReceiveError> {
    let size: u64 = parts
        .iter()
        .map(|p| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0))
        .sum();
    for (p, s) in wanted {
        if p.rsplit('/').next() == Some(name) && *s == size {
            let to = target(dir, p)?;
            if to.exists() {
                continue;
            }
            let mut out = File::create(&to).map_err(io(&to))?;
            let mut input = Joined::open(parts).map_err(io(&to))?;
            std::io::copy(&mut input, &mut out).map_err(io(&to))?;
        }
    }
    Ok(())
}

/// Where listed path `p` goes under `dir` (its folders made), checked like any stranger's path.
fn target(dir: &Path, p: &str) -> Result<PathBuf, ReceiveError> {
    let to = safe_path::join_inside(dir, p).map_err(|e| ReceiveError::BadManifest {
        path: dir.to_path_buf(),
        reason: e.to_string(),
    })?;
    if let Some(parent) = to.parent() {
        std::fs::create_dir_all(parent).map_err(io(parent))?;
    }
    Ok(to)
}

/// Copies the members of a stored zip that the manifest lists (no larger than listed) to
/// their paths; anything else in it is left out.
fn extract(
    parts: &[PathBuf],
    dir: &Path,
    wanted: &BTreeMap<&str, u64>,
) -> Result<(), ReceiveError> {
    let Ok(file) = Joined::open(parts) else {
        return Ok(());
    };
    let Ok(mut zip) = zip::ZipArchive::new(file) else {
        return Ok(());
    };
    for i in 0..zip.len() {
        let Ok(mut entry) = zip.by_index(i) else {
            continue;
        };
        let Ok(name) = entry.name().map(|n| n.into_owned()) else {
            continue;
        };
        let Some(size) = wanted.get(name.as_str()) else {
            continue;
        };
        if entry.size() != *size {
            continue;
        }
        let to = target(dir, &name)?;
        if to.exists() {
            continue;
        }
        let mut out = File::create(&to).map_err(io(&to))?;
        std::io::copy(&mut (&mut entry).take(*size), &mut out).map_err(io(&to))?;
    }
    Ok(())
}

/// Every complete run of volumes (`X.001`, `X.002` … with no gap) as `X` and its parts in
/// order; a zip whose last volume has not come yet does not open, and waits.
fn volume_runs(kept: &[Kept]) -> Vec<(String, Vec<PathBuf>)> {
    let mut groups: BTreeMap<&str, BTreeMap<u32, &Kept>> = BTreeMap::new();
    for k in kept {
        if let Some((source, index)) = volume_of(&k.name) {
            groups.entry(source).or_default().insert(index, k);
        }
    }
    let mut out = Vec::new();
    for (source, parts) in groups {
        let contiguous = parts
            .keys()
            .copied()
            .eq(1..=u32::try_from(parts.len()).unwrap_or(0));
        if !contiguous || safe_path::check_name(source).is_err() {
            continue;
        }
        let paths: Vec<PathBuf> = parts.values().map(|k| k.path.clone()).collect();
        if source.ends_with(".zip")
            && Joined::open(&paths)
                .ok()
                .and_then(|j| zip::ZipArchive::new(j).ok())
                .is_none()
        {
            continue;
        }
        out.push((source.to_owned(), paths));
    }
    out
}

/// Files read as one, in order (a zip's volumes), without joining them into a copy.
struct Joined {
    files: Vec<(File, u64)>,
    len: u64,
    pos: u64,
}

impl Joined {
    fn open(parts: &[PathBuf]) -> std::io::Result<Joined> {
        let mut files = Vec::with_capacity(parts.len());
        let mut len = 0u64;
        for p in parts {
            let f = File::open(p)?;
            let n = f.metadata()?.len();
            len += n;
            files.push((f, n));
        }
        Ok(Joined { files, len, pos: 0 })
    }
}

impl Read for Joined {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        use std::io::Seek;
        let mut start = 0u64;
        for (f, n) in &mut self.files {
            if self.pos < start + *n {
                let within = self.pos - start;
                f.seek(std::io::SeekFrom::Start(within))?;
                let room = usize::try_from(*n - within).unwrap_or(usize::MAX);
                let take = buf.len().min(room);
                let got = f.read(&mut buf[..take])?;
                self.pos += got as u64;
                return Ok(got);
            }
            start += *n;
        }
        Ok(0)
    }
}

impl std::io::Seek for Joined {
    fn seek(&mut self, to: std::io::SeekFrom) -> std::io::Result<u64> {
        let target = match to {
            std::io::SeekFrom::Start(n) => Some(n),
            std::io::SeekFrom::End(d) => self.len.checked_add_signed(d),
            std::io::SeekFrom::Current(d) => self.pos.checked_add_signed(d),
        };
        self.pos = target.ok_or_else(|| {
            std::io::Error::new(std::io::ErrorKind::InvalidInput, "seek before the start")
        })?;
        Ok(self.pos)
    }
}

/// The messages the IMAP spool holds: its own `.eml` copies, regular files only (a link there
/// is neither read nor, afterwards, removed).
fn spool_files(spool: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(spool)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "eml"))
        .collect();
    files.sort();
    files
}

/// The message files of a Maildir (`cur/` and `new/`, and its `.Junk`-style subfolders'),
/// never through a link.
pub fn maildir_messages(dir: &Path) -> Result<Vec<PathBuf>, ReceiveError> {
    if safe_path::is_link(dir) || !dir.is_dir() {
        return Err(ReceiveError::Unreadable {
            path: dir.to_path_buf(),
            reason: "不是邮件文件夹（Maildir），或是一个链接".into(),
        });
    }
    let mut folders = vec![dir.to_path_buf()];
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') && name.len() > 1 && e.file_type().is_ok_and(|t| t.is_dir()) {
            folders.push(e.path());
        }
    }
    let mut out = Vec::new();
    for folder in folders {
        for sub in ["cur", "new"] {
            for e in std::fs::read_dir(folder.join(sub))
                .into_iter()
                .flatten()
                .flatten()
            {
                if !e.file_type().is_ok_and(|t| t.is_file()) {
                    continue;
                }
                out.push(e.path());
            }
        }
    }
    out.sort();
    Ok(out)
}

/// One message file (an .eml), bounded.
pub fn read_message(path: &Path) -> Result<Vec<u8>, ReceiveError> {
    let bad = |reason: String| ReceiveError::Unreadable {
        path: path.to_path_buf(),
        reason,
    };
    let meta = std::fs::symlink_metadata(path).map_err(|e| bad(crate::fsx::io_reason(&e)))?;
    if !meta.is_file() {
        return Err(bad("不是普通文件（可能是链接）".into()));
    }
    if meta.len() > MESSAGE_LIMIT {
        return Err(bad("文件过大，不是一封邮件".into()));
    }
    std::fs::read(path).map_err(|e| bad(crate::fsx::io_reason(&e)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn volumes_are_known_by_three_or_more_digits() {
        assert_eq!(
            volume_of("a-第2包-共3包.zip.001"),
            Some(("a-第2包-共3包.zip", 1))
        );
        assert_eq!(volume_of("02-大.mp4.012"), Some(("02-大.mp4", 12)));
        assert_eq!(volume_of("report.v2"), None);
        assert_eq!(volume_of("a.01"), None);
        assert!(is_ours("manifest.json") && is_ours("x.zip") && is_ours("x.zip.002"));
        assert!(!is_ours("照片.jpg"));
    }

    #[test]
    fn a_folder_kept_by_a_run_that_did_not_finish_is_written_again_from_the_message() {
        let t = tempfile::tempdir().expect("tempdir");
        let mail_dir = t.path();
        let raw = b"From: a@example.test\r\nSubject: s\r\nMIME-Version: 1.0\r\n\
            Content-Type: multipart/mixed; boundary=\"B\"\r\n\r\n--B\r\n\
            Content-Type: application/zip; name=\"a.zip\"\r\n\
            Content-Disposition: attachment; filename=\"a.zip\"\r\n\
            Content-Transfer-Encoding: base64\r\n\r\nUEsFBgAAAAAAAAAAAAAAAAAAAAAAAA==\r\n--B--\r\n";
        let mut written = Vec::new();
        let seen = keep_message(mail_dir, "m.eml", raw, &mut written).expect("kept");
        assert!(!seen.already && seen.kind == "batch", "{seen:?}");
        assert_eq!(written.len(), 1);
        let dir = written[0].clone();
        assert!(unsettled(&dir), "not yet synced nor released");
        // The same message again in the same run: kept once.
        let again = keep_message(mail_dir, "m.eml", raw, &mut written).expect("again");
        assert!(again.already);
        assert_eq!(written.len(), 1);
        // A later run finds the folder unsettled (the power went): its bytes are not trusted.
        std::fs::write(dir.join("att-0"), b"").expect("damage");
        let mut later = Vec::new();
        let seen = keep_message(mail_dir, "m.eml", raw, &mut later).expect("rewritten");
        assert!(!seen.already);
        assert_eq!(std::fs::read(dir.join("att-0")).expect("att").len(), 22);
        // Once settled it is trusted as it is.
        let meta = std::fs::read_to_string(dir.join("message.json")).expect("meta");
        let meta = meta.replace("\"synced\":false", "\"synced\":true");
        std::fs::write(dir.join("message.json"), meta).expect("meta");
        assert!(!unsettled(&dir));
        let seen = keep_message(mail_dir, "m.eml", raw, &mut Vec::new()).expect("known");
        assert!(seen.already);
    }

    #[test]
    fn a_kept_message_names_only_files_in_its_own_folder() {
        let dir = Path::new("/lib/receiving/mail/ab");
        assert_eq!(kept_file(dir, "0-x.zip"), Some(dir.join("0-x.zip")));
        for bad in ["../../files/aa/bb.mp4", "/etc/passwd", "..", "a/b", ""] {
            assert_eq!(kept_file(dir, bad), None, "{bad}");
        }
    }

    #[test]
    fn a_link_in_the_spool_or_a_maildir_is_never_read_nor_removed() {
        let t = tempfile::tempdir().expect("tempdir");
        let outside = t.path().join("clerk.eml");
        std::fs::write(&outside, "the clerk's own file").expect("outside");
        let spool = t.path().join("spool");
        std::fs::create_dir_all(spool.join("new")).expect("spool");
        std::fs::write(spool.join("1-1.eml"), "From: a\r\n\r\nx").expect("message");
        std::os::unix::fs::symlink(&outside, spool.join("1-2.eml")).expect("link");
        std::os::unix::fs::symlink(&outside, spool.join("new/link.eml")).expect("link");
        assert_eq!(spool_files(&spool), [spool.join("1-1.eml")]);
        let in_maildir = maildir_messages(&spool).expect("maildir");
        assert!(in_maildir.is_empty(), "{in_maildir:?}");
        assert!(
            read_message(&spool.join("1-2.eml")).is_err(),
            "a link is not read"
        );
        // The spool is emptied of what it listed only: the link and its target stay.
        for f in spool_files(&spool) {
            std::fs::remove_file(f).expect("remove");
        }
        assert!(safe_path::is_link(&spool.join("1-2.eml")));
        assert_eq!(
            std::fs::read_to_string(&outside).expect("outside"),
            "the clerk's own file"
        );
    }
}

/// The code and message of a read the clerk stopped.
fn cancelled() -> (String, String) {
    (
        "receive.cancelled".to_owned(),
        "已取消：已收到的邮件都已保存，下次收取从这里继续".to_owned(),
    )
}

/// What `receive --imap` did: the mail report, and each folder read.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ImapReport {
    #[serde(flatten)]
    pub mail: MailReport,
    /// Each folder read and how many new messages it had.
    pub folders: Vec<FolderRead>,
    /// Why reading stopped early (what was read whole is kept; the next run goes on).
    pub stopped: Option<String>,
    pub stopped_code: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FolderRead {
    pub folder: String,
    pub new_messages: u32,
    /// The folder's UIDVALIDITY had changed: it was read from the start.
    pub restarted: bool,
}

/// Reads the account's inbox and junk folder over IMAP — read-only, only messages not read
/// before (by UID, per folder, UIDVALIDITY respected) — and takes the mail in. Each message is
/// written to `receiving/imap/` as it arrives and the folder's place is saved only once its
/// messages are kept, so a dropped line loses nothing: the next run goes on from there.
///
/// `progress` hears of the connection, each message as it arrives (the k-th of the folder's
/// new ones, and the bytes so far) and the checking after; `cancel` stops the read after the
/// message being fetched, keeping what came whole.
pub fn receive_imap(
    lib: &mut Library,
    secrets: &crate::mail::secret::SecretStore,
    campaign: &Campaign,
    progress: &mut dyn FnMut(&Progress),
    cancel: &CancelToken,
) -> Result<ImapReport, ReceiveError> {
    use crate::coded::Coded;
    use crate::mail::imap;
    use crate::mail::send::SendError;

    let account = lib.mail_account()?.ok_or(SendError::NoAccount)?;
    let (host, port) = account.imap_server().ok_or(ReceiveError::NoImapServer)?;
    let secret = secrets
        .get(&account.secret_key())
        .map_err(SendError::from)?
        .ok_or(SendError::NoSecret)?;
    let root = lib.root().to_path_buf();
    let spool = checked_dir(&root, "receiving/imap")?;
    let mut server = imap::Server::new(host.clone(), port);
    server.extra_root = account.extra_root().map(str::to_owned);
    progress(&Progress {
        phase: "连接收件服务器".into(),
        current: format!("{host}:{port}"),
        ..Progress::default()
    });
    let mut session = imap::connect(&server, &account.address, &secret)?;
    let found = session.folders()?;
    let mut folders = Vec::new();
    let mut stopped = None;
    let mut saves = Vec::new();
    for folder in std::iter::once(&found.inbox).chain(found.junk.as_ref()) {
        // As the clerk knows the folders in webmail.
        let shown = if std::ptr::eq(folder, &found.inbox) {
            "收件箱".to_owned()
        } else {
            format!("垃圾箱（{}）", folder.name)
        };
        if cancel.is_cancelled() {
            stopped = Some(cancelled());
            break;
        }
        let since = lib
            .imap_state(&folder.raw)?
            .map(|(uid_validity, last_uid)| imap::FolderState {
                folder: folder.raw.clone(),
                uid_validity,
                last_uid,
            });
        progress(&Progress {
            phase: "收取邮件".into(),
            current: shown.clone(),
            ..Progress::default()
        });
        let mut write = imap::save_to(&spool);
        let mut bytes_so_far = 0u64;
        let mut save = |m: &imap::Message<'_>| {
            if cancel.is_cancelled() {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::Interrupted,
                    "已取消",
                ));
            }
            write(m)?;
            bytes_so_far += m.bytes.len() as u64;
            progress(&Progress {
                phase: "收取邮件".into(),
                current: shown.clone(),
                done_files: u32::try_from(m.position + 1).unwrap_or(u32::MAX),
                total_files: u32::try_from(m.count).unwrap_or(u32::MAX),
                done_bytes: bytes_so_far,
                ..Progress::default()
            });
            Ok(())
        };
        let (fetched, error) = match session.fetch_new(folder, since.as_ref(), &mut save) {
            Ok(f) => (f, None),
            Err(imap::Interrupted { fetched, error }) => (fetched, Some(error)),
        };
        folders.push(FolderRead {
            folder: folder.name.clone(),
            new_messages: u32::try_from(fetched.uids.len()).unwrap_or(u32::MAX),
            restarted: fetched.restarted,
        });
        saves.push(fetched.state);
        if let Some(e) = error {
            stopped = Some(if cancel.is_cancelled() {
                cancelled()
            } else {
                (e.code().to_owned(), e.to_string())
            });
            break;
        }
    }
    if stopped.is_none() {
        session.logout();
    }
    // Everything in the spool (this run's, and any a crash left) is taken in, then the
    // folders' places are saved, then the spool's copies go (the attachments are kept).
    let files = spool_files(&spool);
    let mail = receive_messages_reporting(lib, &files, campaign, "imap", progress)?;
    for state in &saves {
        if state.uid_validity != 0 {
            lib.set_imap_state(&state.folder, state.uid_validity, state.last_uid)?;
        }
    }
    for f in &files {
        let _ = std::fs::remove_file(f);
    }
    let (stopped_code, stopped) = match stopped {
        Some((code, message)) => (Some(code), Some(message)),
        None => (None, None),
    };
    Ok(ImapReport {
        mail,
        folders,
        stopped,
        stopped_code,
    })
}
