//! 市级收件: taking in a district's batch. A batch is known by its `manifest.json`; every file
//! is copied into the store (hashed in the same read), compared with the district's stated
//! SHA-256, probed and judged by the city's own copy of the rules. Nothing is taken on trust
//! and nothing from the delivery is followed: a package is a stranger's folder (no link is
//! read, no path leaves the package).
//!
//! Sources: an exported package folder (a stick, a copy), and mail (`mail.rs`: .eml files and
//! Maildirs; their zips, volumes and plain attachments are laid out as the package they came
//! from and taken in the same way).

mod fill;
mod mail;

pub use fill::{FillReport, FilledFile, fill_in, fill_in_folder, is_package};
pub use mail::{
    FolderRead, ImapReport, MailReport, MessageSeen, maildir_messages, read_message, receive_files,
    receive_imap, receive_messages,
};

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::batch::manifest::{self, Manifest};
use crate::campaign::Campaign;
use crate::library::{
    Arrived, Awaited, Delivery, Library, LibraryError, ReceivedProblem, Recorded, Source,
};
use crate::mailread::{MentionedFile, Via};
use crate::safe_path;

/// Files a package holds besides the works (see the README's package interface).
const EXTRAS: &[&str] = &[
    "manifest.json",
    "SHA256SUMS.txt",
    "说明.txt",
    "报送汇总表.xlsx",
    "报送汇总表.pdf",
    "作品小样.pdf",
];

/// A manifest larger than this is not one of ours.
const MANIFEST_LIMIT: u64 = 32 << 20;

/// Why a delivery could not be taken in at all (a problem with one file is a [`ReceivedProblem`]).
#[derive(Debug, thiserror::Error)]
pub enum ReceiveError {
    #[error("“{0}”不是报送批次：里面没有 manifest.json（请选择报送单位导出的批次文件夹）")]
    NoManifest(PathBuf),
    #[error("“{path}”中的 manifest.json 无法读取：{reason}")]
    BadManifest { path: PathBuf, reason: String },
    #[error(
        "“{path}”的 manifest.json 是第 {version} 版格式，本程序只认识第 {known} 版：请升级报送助手"
    )]
    NewerManifest {
        path: PathBuf,
        version: u32,
        known: u32,
    },
    #[error("无法读取“{path}”：{reason}")]
    Unreadable { path: PathBuf, reason: String },
    #[error("这个批次属于活动“{found}”，本资料库收的是“{expected}”")]
    OtherCampaign { found: String, expected: String },
    #[error("{0}")]
    Library(#[from] LibraryError),
    #[error(transparent)]
    Account(#[from] crate::mail::send::SendError),
    #[error(transparent)]
    Imap(#[from] crate::mail::imap::ImapError),
    #[error(
        "不知道这个邮箱的收件服务器（IMAP）。请在邮箱设置中填写，如 account set … --imap-host imap.example.com"
    )]
    NoImapServer,
    #[error("{0}\n未做任何改动。")]
    NotAwaited(String),
}

impl crate::coded::Coded for ReceiveError {
    fn code(&self) -> &'static str {
        match self {
            ReceiveError::NoManifest(_) => "receive.not_a_batch",
            ReceiveError::BadManifest { .. } => "receive.bad_manifest",
            ReceiveError::NewerManifest { .. } => "receive.newer_manifest",
            ReceiveError::OtherCampaign { .. } => "receive.other_campaign",
            ReceiveError::Unreadable { .. } => "receive.unreadable",
            ReceiveError::Library(e) => e.code(),
            ReceiveError::Account(e) => e.code(),
            ReceiveError::Imap(e) => e.code(),
            ReceiveError::NoImapServer => "mail.no_imap_server",
            ReceiveError::NotAwaited(_) => "receive.not_awaited",
        }
    }

    fn is_input(&self) -> bool {
        match self {
            ReceiveError::Library(e) => e.is_input(),
            ReceiveError::Account(e) => e.is_input(),
            ReceiveError::Imap(e) => e.is_input(),
            _ => true,
        }
    }
}

/// Reads and checks the manifest in `dir`: its bytes as received and what they say.
fn read_manifest(dir: &Path) -> Result<(Manifest, String, String), ReceiveError> {
    let bad = |reason: String| ReceiveError::BadManifest {
        path: dir.to_path_buf(),
        reason,
    };
    let path = safe_path::join_inside(dir, "manifest.json").map_err(|e| bad(e.to_string()))?;
    let meta = match std::fs::symlink_metadata(&path) {
        Ok(m) if m.is_file() => m,
        Ok(_) => return Err(bad("不是普通文件".into())),
        Err(_) => return Err(ReceiveError::NoManifest(dir.to_path_buf())),
    };
    if meta.len() > MANIFEST_LIMIT {
        return Err(bad("文件过大，不是报送助手生成的清单".into()));
    }
    let bytes = std::fs::read(&path).map_err(|e| bad(crate::fsx::io_reason(&e)))?;
    let text = String::from_utf8(bytes).map_err(|_| bad("不是 UTF-8 文本".into()))?;
    let value: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| bad(format!("不是有效的 JSON（{e}）")))?;
    if value["schema"] != manifest::SCHEMA {
        return Err(bad("不是报送助手的批次清单（schema 不符）".into()));
    }
    let version = value["version"].as_u64().unwrap_or(0);
    if version > u64::from(manifest::VERSION) {
        return Err(ReceiveError::NewerManifest {
            path: dir.to_path_buf(),
            version: u32::try_from(version).unwrap_or(u32::MAX),
            known: manifest::VERSION,
        });
    }
    let parsed: Manifest = serde_path_to_error::deserialize(&value)
        .map_err(|e| bad(format!("字段 {} 有误：{}", e.path(), e.inner())))?;
    let sha = crate::digest::sha256_hex(text.as_bytes());
    Ok((parsed, text, sha))
}

/// `SHA256SUMS.txt` as path → hash; absent or unreadable is empty (the manifest is the
/// statement; the sums are its second copy).
fn read_sums(dir: &Path) -> BTreeMap<String, String> {
    let Ok(path) = safe_path::join_inside(dir, "SHA256SUMS.txt") else {
        return BTreeMap::new();
    };
    if safe_path::is_link(&path) {
        return BTreeMap::new();
    }
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(|line| {
            let (hash, name) = line.trim_start_matches('\u{feff}').split_once("  ")?;
            safe_path::is_sha256_hex(hash).then(|| (name.trim_end().to_owned(), hash.to_owned()))
        })
        .collect()
}

/// Every regular file under `dir`, `/`-relative; links are listed apart and never followed.
fn walk(dir: &Path) -> (BTreeSet<String>, Vec<String>) {
    fn go(dir: &Path, prefix: &str, files: &mut BTreeSet<String>, links: &mut Vec<String>) {
        let Ok(read) = std::fs::read_dir(dir) else {
            return;
        };
        for e in read.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let rel = if prefix.is_empty() {
                name.clone()
            } else {
                format!("{prefix}/{name}")
            };
            match e.file_type() {
                Ok(t) if t.is_symlink() => links.push(rel),
                Ok(t) if t.is_dir() => go(&e.path(), &rel, files, links),
                Ok(t) if t.is_file() => {
                    files.insert(rel);
                }
                _ => {}
            }
        }
    }
    let mut files = BTreeSet::new();
    let mut links = Vec::new();
    go(dir, "", &mut files, &mut links);
    (files, links)
}

/// Takes in the package folder `dir` (an exported batch, e.g. from a stick).
pub fn receive_folder(
    lib: &mut Library,
    dir: &Path,
    campaign: &Campaign,
) -> Result<Recorded, ReceiveError> {
    let source = Source {
        kind: "folder".into(),
        origin: dir.display().to_string(),
        from: None,
    };
    receive_package(lib, dir, campaign, source, &[], false)
}

/// How `file` travels, when one of the `mentions` (a cover letter's 另行传送 list, a 超大附件
/// link) names it: by its SHA-256 where the mention states one, else by its file name.
fn awaited_by(mentions: &[MentionedFile], file: &manifest::FileInfo) -> Option<Awaited> {
    let name = file.path.rsplit('/').next().unwrap_or(&file.path);
    mentions
        .iter()
        .find(|m| match &m.sha256 {
            Some(sha) => sha.eq_ignore_ascii_case(&file.sha256),
            None => m
                .name
                .as_deref()
                .is_some_and(|n| n == file.path || n == name),
        })
        .map(|m| Awaited {
            via: match m.via {
                Via::Separate => "separate",
                Via::QqLarge => "qq_large",
                Via::NeteaseLarge => "netease_large",
            }
            .to_owned(),
            link: m.link.clone(),
        })
}

/// The city's verdict on stored file `stored_path` of `category`: probed and judged by the
/// campaign's rules (a file that cannot be probed fails).
fn judge(
    lib: &Library,
    stored_path: &str,
    campaign: &Campaign,
    category: Option<&crate::campaign::Category>,
) -> (crate::checks::Verdict, Vec<crate::checks::Finding>) {
    let check = crate::library::stored_file_path(lib.root(), stored_path)
        .ok()
        .and_then(|p| crate::media::probe(&p).ok())
        .map(|facts| crate::checks::check_file(&facts, campaign, category));
    match check {
        Some(c) => (c.verdict, c.findings),
        None => (crate::checks::Verdict::Fail, Vec::new()),
    }
}

/// Takes in a package laid out in `dir` (exported, or assembled from mail), from `source`;
/// files absent that `mentions` say travel another way are 待补. With `owned` (`dir` is the
/// library's own temporary assembly) the files are moved into the store, not copied.
fn receive_package(
    lib: &mut Library,
    dir: &Path,
    campaign: &Campaign,
    source: Source,
    mentions: &[MentionedFile],
    owned: bool,
) -> Result<Recorded, ReceiveError> {
    if safe_path::is_link(dir) {
        return Err(ReceiveError::BadManifest {
            path: dir.to_path_buf(),
            reason: "这个文件夹是一个链接（快捷方式），为安全起见不读取".into(),
        });
    }
    let (manifest, manifest_json, manifest_sha256) = read_manifest(dir)?;
    if manifest.campaign.id != campaign.id {
        return Err(ReceiveError::OtherCampaign {
            found: manifest.campaign.name.clone(),
            expected: campaign.name.clone(),
        });
    }
    let sums = read_sums(dir);
    let (present, links) = walk(dir);
    let mut problems = Vec::new();
    let mut arrived = BTreeMap::new();
    let mut awaited = BTreeMap::new();
    let mut stated = BTreeSet::new();
    let _importing = lib.begin_import()?;
    for entry in &manifest.entries {
        let category = campaign.category(&entry.category);
        for file in &entry.files {
            stated.insert(file.path.clone());
            if let Some(sum) = sums.get(&file.path)
                && !sum.eq_ignore_ascii_case(&file.sha256)
            {
                problems.push(ReceivedProblem {
                    path: file.path.clone(),
                    kind: "sums".into(),
                    message: format!(
                        "“{}”在 manifest.json 与 SHA256SUMS.txt 中的校验值不一致",
                        file.path
                    ),
                });
            }
            let source = match safe_path::join_inside(dir, &file.path) {
                Ok(p) => p,
                Err(e) => {
                    problems.push(ReceivedProblem {
                        path: file.path.clone(),
                        kind: "unreadable".into(),
                        message: format!("清单中的{e}，未读取"),
                    });
                    continue;
                }
            };
            if !present.contains(&file.path) {
                if let Some(how) = awaited_by(mentions, file) {
                    awaited.insert(file.path.clone(), how);
                    continue;
                }
                problems.push(ReceivedProblem {
                    path: file.path.clone(),
                    kind: "missing".into(),
                    message: format!("“{}”没有收到（清单中有，文件夹里没有）", file.path),
                });
                continue;
            }
            let stored = if owned {
                lib.adopt_file(&source)
            } else {
                lib.store_file(&source)
            };
            let (stored_path, sha256) = match stored {
                Ok(s) => s,
                Err(e) => {
                    problems.push(ReceivedProblem {
                        path: file.path.clone(),
                        kind: "unreadable".into(),
                        message: e.to_string(),
                    });
                    continue;
                }
            };
            if sha256 != file.sha256.to_ascii_lowercase() {
                problems.push(ReceivedProblem {
                    path: file.path.clone(),
                    kind: "different".into(),
                    message: format!(
                        "“{}”与报送单位声明的校验值不符：文件在传递中损坏或被改动，请报送单位重发",
                        file.path
                    ),
                });
            }
            let (verdict, findings) = judge(lib, &stored_path, campaign, category);
            arrived.insert(
                file.path.clone(),
                Arrived {
                    stored_path,
                    sha256,
                    verdict,
                    findings,
                },
            );
        }
    }
    for extra in present
        .iter()
        .filter(|p| !stated.contains(*p) && !EXTRAS.contains(&p.as_str()))
    {
        problems.push(ReceivedProblem {
            path: extra.clone(),
            kind: "extra".into(),
            message: format!("“{extra}”不在清单中（多出的文件，未收入）"),
        });
    }
    for link in links {
        problems.push(ReceivedProblem {
            message: format!("“{link}”是一个链接（快捷方式），为安全起见未读取"),
            path: link,
            kind: "extra".into(),
        });
    }
    let delivery = Delivery {
        manifest,
        manifest_json,
        manifest_sha256,
        source,
        arrived,
        awaited,
        problems,
    };
    let recorded = lib.record_delivery(&delivery)?;
    tracing::info!(
        office = %recorded.office,
        batch = %recorded.label,
        new = recorded.new_batch,
        files_added = recorded.files_added,
        verified = recorded.verified,
        files = recorded.files,
        problems = recorded.problems.len(),
        "batch received"
    );
    Ok(recorded)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str, sha256: &str) -> manifest::FileInfo {
        serde_json::from_value(serde_json::json!({
            "path": path, "original_name": "a.mp4", "size": 1, "sha256": sha256,
            "kind": null, "container": null, "duration_s": null, "width": null, "height": null,
            "display_width": null, "display_height": null, "video_codec": null,
            "audio_codec": null, "verdict": "pass", "findings": [],
        }))
        .expect("file info")
    }

    fn mention(via: Via, name: &str, sha256: Option<&str>) -> MentionedFile {
        MentionedFile {
            via,
            name: Some(name.into()),
            size_text: None,
            approx_bytes: None,
            link: (via != Via::Separate).then(|| "https://wx.mail.qq.com/ftn/download?k=1".into()),
            sha256: sha256.map(str::to_owned),
        }
    }

    #[test]
    fn a_file_is_awaited_by_its_hash_where_the_mail_states_one_else_by_its_name() {
        let sha = "ab".repeat(32);
        let f = file("02-微视频/01-工匠.mp4", &sha);
        let by_hash = [mention(
            Via::Separate,
            "别的名字.mp4",
            Some(&sha.to_uppercase()),
        )];
        assert_eq!(
            awaited_by(&by_hash, &f).map(|a| a.via),
            Some("separate".into())
        );
        let other_hash = [mention(
            Via::Separate,
            "02-微视频/01-工匠.mp4",
            Some(&"cd".repeat(32)),
        )];
        assert_eq!(
            awaited_by(&other_hash, &f),
            None,
            "a stated hash must agree"
        );
        let link = [mention(Via::QqLarge, "01-工匠.mp4", None)];
        let how = awaited_by(&link, &f).expect("by its name");
        assert_eq!(how.via, "qq_large");
        assert!(how.link.is_some_and(|l| l.contains("ftn")));
        assert_eq!(
            awaited_by(&[mention(Via::QqLarge, "工匠.mp4", None)], &f),
            None
        );
    }
}
