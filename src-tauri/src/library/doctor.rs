//! 资料库体检: everything that can be wrong with a library folder, found without changing it.
//!
//! The catalog's own integrity (`PRAGMA integrity_check`); every file a row names — its path of
//! the store's shape, no link on the way, present, its size (and with `full`, its SHA-256); the
//! files of batches and of messages still to send; what the store holds that it should not
//! (links, foreign files) and what no row names (未编目文件). Each finding is said in Chinese with
//! what to do. The one repair offered never deletes: a missing stored file still in the trash is
//! put back.

use std::collections::{HashMap, HashSet};
use std::fs;

use serde::Serialize;
use ts_rs::TS;

use super::{Library, LibraryError, MessageState, store, trash};
use crate::safe_path;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "kebab-case")]
pub enum DoctorSeverity {
    /// Works or their sending are at risk: act now.
    Error,
    /// Worth a look.
    Warning,
}

/// One thing the 体检 found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct DoctorFinding {
    /// Stable: `doctor.missing`, `doctor.size`, `doctor.damaged`, `doctor.unsafe_path`,
    /// `doctor.link`, `doctor.foreign`, `doctor.unlisted`, `doctor.integrity`,
    /// `doctor.batch_file`, `doctor.outbox_file`, `doctor.no_backup`.
    pub code: String,
    pub severity: DoctorSeverity,
    /// What is wrong, in Chinese.
    pub message: String,
    /// What to do about it, in Chinese.
    pub action: String,
    /// The path inside the library it concerns, when there is one.
    pub path: Option<String>,
    /// True when `--repair` mended it.
    pub repaired: bool,
}

/// What the 体检 looked at and found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct DoctorReport {
    /// `ok`, or what SQLite's integrity check said.
    pub integrity: String,
    pub files_checked: u32,
    /// True when every file's SHA-256 was computed too.
    pub full: bool,
    pub findings: Vec<DoctorFinding>,
}

impl DoctorReport {
    pub fn errors(&self) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == DoctorSeverity::Error && !f.repaired)
            .count()
    }
}

fn finding(
    code: &str,
    severity: DoctorSeverity,
    message: String,
    action: &str,
    path: Option<&str>,
) -> DoctorFinding {
    DoctorFinding {
        code: code.to_owned(),
        severity,
        message,
        action: action.to_owned(),
        path: path.map(str::to_owned),
        repaired: false,
    }
}

const READD: &str =
    "在“作品”中打开这件作品，删除这个文件后重新添加原文件；或从回收站、备份U盘找回。";

/// What mends a received file: the same batch taken in again, which stores only the bytes that
/// are missing or damaged.
const RECEIVE_AGAIN: &str = "把这一批再收一次：“从文件夹收入”报送单位的批次文件夹或U盘（baosong-cli receive --folder 或 --zip），缺失或损坏的文件按校验值补回，其余不变。";

impl Library {
    /// Runs the 体检. `full` also hashes every stored file (slow for a season of videos);
    /// `repair` puts back from the trash stored files that are missing.
    pub fn doctor(&self, full: bool, repair: bool) -> Result<DoctorReport, LibraryError> {
        let mut findings = Vec::new();
        let integrity = {
            let mut stmt = self.conn.prepare("PRAGMA integrity_check")?;
            let lines: Vec<String> = stmt
                .query_map([], |r| r.get(0))?
                .take(20)
                .collect::<Result<_, _>>()?;
            lines.join("；")
        };
        if integrity != "ok" {
            findings.push(finding(
                "doctor.integrity",
                DoctorSeverity::Error,
                format!("资料库目录文件（catalog.sqlite）已损坏：{integrity}"),
                "不要再修改此资料库。在“备份与恢复”中选择最近的备份恢复（baosong-cli backup list / backup restore）。",
                Some(super::CATALOG_FILE),
            ));
        }

        // Every file a work names: (stored_path, size when known, sha256, who names it).
        let mut named: HashMap<String, (Option<i64>, String, String, &str)> = HashMap::new();
        {
            let mut stmt = self.conn.prepare(
                "SELECT f.stored_path, f.size, f.sha256, f.original_name, e.title
                 FROM files f JOIN entries e ON e.id = f.entry_id ORDER BY f.id",
            )?;
            let rows = stmt.query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, String>(2)?,
                    format!(
                        "作品《{}》的文件“{}”",
                        r.get::<_, String>(4)?,
                        r.get::<_, String>(3)?
                    ),
                ))
            })?;
            for row in rows {
                let (p, size, sha, who) = row?;
                named.entry(p).or_insert((Some(size), sha, who, READD));
            }
            let mut stmt = self.conn.prepare(
                "SELECT b.number, f.stored_path, f.size, f.sha256, f.package_path
                 FROM batch_files f JOIN batches b ON b.id = f.batch_id ORDER BY f.rowid",
            )?;
            let rows = stmt.query_map([], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                ))
            })?;
            for row in rows {
                let (number, p, size, sha, package_path) = row?;
                if safe_path::check_relative(&package_path).is_err() {
                    findings.push(finding(
                        "doctor.unsafe_path",
                        DoctorSeverity::Error,
                        format!("第{number}批中的文件名“{package_path}”不安全（指向报送包以外）。"),
                        "此批次不能导出或发送。资料库可能来自他人或已被改动：请删除此批次后重新制作。",
                        Some(&package_path),
                    ));
                }
                named.entry(p).or_insert((
                    Some(size),
                    sha,
                    format!("第{number}批中的“{package_path}”"),
                    READD,
                ));
            }
            // 市级收件: the bytes each received file brought, stored under their own hash (the
            // district's stated size holds only where they match its statement).
            let mut stmt = self.conn.prepare(
                "SELECT f.stored_path, f.size, f.sha256, f.received_sha256, f.path, b.office,
                        b.number, b.version
                 FROM received_files f
                 JOIN received_works w ON w.id = f.work_id
                 JOIN received_batches b ON b.id = w.batch_id
                 WHERE f.stored_path IS NOT NULL AND f.received_sha256 IS NOT NULL
                 ORDER BY f.id",
            )?;
            let rows = stmt.query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, String>(5)?,
                    r.get::<_, i64>(6)?,
                    r.get::<_, i64>(7)?,
                ))
            })?;
            for row in rows {
                let (p, size, stated, received, path, office, number, version) = row?;
                let version = if version > 1 {
                    format!("（第{version}版）")
                } else {
                    String::new()
                };
                let size = (received == stated).then_some(size);
                named.entry(p).or_insert((
                    size,
                    received,
                    format!("收到的{office}第{number}批{version}中的“{path}”"),
                    RECEIVE_AGAIN,
                ));
            }
        }

        let trashed = trash::list(&self.root);
        let mut files_checked = 0u32;
        let mut paths: Vec<&String> = named.keys().collect();
        paths.sort();
        for p in paths {
            let (size, sha, who, mend) = &named[p];
            files_checked += 1;
            let path = match store::resolve(&self.root, p) {
                Ok(path) => path,
                Err(e) => {
                    let code = if e.reason.contains("链接") {
                        "doctor.link"
                    } else {
                        "doctor.unsafe_path"
                    };
                    findings.push(finding(
                        code,
                        DoctorSeverity::Error,
                        format!("{who}：{e}。"),
                        "此文件不会被读取或发送。资料库可能来自他人或已被改动：请重新添加原文件。",
                        Some(p),
                    ));
                    continue;
                }
            };
            match fs::symlink_metadata(&path) {
                Ok(m) if m.is_file() => {
                    if size.is_some_and(|size| i64::try_from(m.len()).ok() != Some(size)) {
                        findings.push(finding(
                            "doctor.size",
                            DoctorSeverity::Error,
                            format!(
                                "{who}的大小不对（应为 {} 字节，实为 {} 字节），文件已损坏。",
                                size.unwrap_or_default(),
                                m.len()
                            ),
                            mend,
                            Some(p),
                        ));
                    } else if full {
                        let actual = crate::digest::sha256_file(&path).ok();
                        if actual.as_deref() != Some(sha.as_str()) {
                            findings.push(finding(
                                "doctor.damaged",
                                DoctorSeverity::Error,
                                format!("{who}的内容与登记时不同（SHA-256 不符），文件已损坏。"),
                                mend,
                                Some(p),
                            ));
                        }
                    }
                }
                Ok(_) => findings.push(finding(
                    "doctor.foreign",
                    DoctorSeverity::Error,
                    format!("{who}在作品文件库中不是普通文件。"),
                    mend,
                    Some(p),
                )),
                Err(_) => {
                    let mut f = finding(
                        "doctor.missing",
                        DoctorSeverity::Error,
                        format!("{who}在作品文件库中找不到了。"),
                        mend,
                        Some(p),
                    );
                    if let Some(t) = trashed.iter().find(|t| &t.stored_path == p) {
                        f.action = format!(
                            "它在回收站中（{} 移入）：用“修复”放回（baosong-cli doctor --repair）。",
                            t.day
                        );
                        if repair {
                            f.repaired = trash::restore(&self.root, t).unwrap_or(false);
                        }
                    }
                    findings.push(f);
                }
            }
        }

        // Messages still to send whose attachments are gone.
        for m in self.outbox()? {
            if !matches!(
                m.state,
                MessageState::Queued | MessageState::Failed | MessageState::Uncertain
            ) {
                continue;
            }
            for a in &m.attachments {
                let ok = m
                    .file_path(&self.root, &a.name)
                    .is_ok_and(|p| fs::symlink_metadata(p).is_ok_and(|md| md.is_file()));
                if !ok {
                    findings.push(finding(
                        "doctor.outbox_file",
                        DoctorSeverity::Error,
                        format!("发件箱第{}封邮件的附件“{}”找不到或不安全。", m.position, a.name),
                        "在“发件箱”中对这一批“调小后重新计划”（baosong-cli outbox replan），附件会按批次重新生成。",
                        Some(&m.folder),
                    ));
                }
            }
        }

        // What the store holds that it should not, and what no row names.
        let files_dir = self.root.join("files");
        if safe_path::is_link(&files_dir) {
            findings.push(finding(
                "doctor.link",
                DoctorSeverity::Error,
                "作品文件库（files 文件夹）是一个链接（快捷方式）。".into(),
                "报送助手不会经过它读写。请把它换成真正的文件夹（把链接指向的内容复制进来）。",
                Some("files"),
            ));
        } else {
            let referenced: HashSet<&String> = named.keys().collect();
            for shard in fs::read_dir(&files_dir).into_iter().flatten().flatten() {
                let name = shard.file_name().to_string_lossy().into_owned();
                let rel = format!("files/{name}");
                let Ok(kind) = shard.file_type() else {
                    continue;
                };
                if kind.is_symlink() {
                    findings.push(link_in_store(&rel));
                    continue;
                }
                if name == ".import.lock" || name == ".incoming" {
                    continue;
                }
                if !kind.is_dir() || name.len() != 2 {
                    findings.push(foreign(&rel));
                    continue;
                }
                for item in fs::read_dir(shard.path()).into_iter().flatten().flatten() {
                    let rel = format!("{rel}/{}", item.file_name().to_string_lossy());
                    let is_file = item.file_type().is_ok_and(|t| t.is_file());
                    if item.file_type().is_ok_and(|t| t.is_symlink()) {
                        findings.push(link_in_store(&rel));
                    } else if !is_file || safe_path::check_stored_path(&rel).is_err() {
                        findings.push(foreign(&rel));
                    } else if !referenced.contains(&rel) {
                        findings.push(finding(
                            "doctor.unlisted",
                            DoctorSeverity::Warning,
                            format!("“{rel}”在作品文件库中，但目录中没有作品登记它（未编目文件）。"),
                            "在“未编目文件”中重新登记它，或移到回收站（baosong-cli files adopt / files trash）。",
                            Some(&rel),
                        ));
                    }
                }
            }
        }

        let week_ago = chrono::Utc::now() - chrono::Duration::days(7);
        let recent = super::backup::list(&self.root).iter().any(|b| {
            chrono::DateTime::parse_from_rfc3339(&b.created_at).is_ok_and(|t| t > week_ago)
        });
        if !recent {
            findings.push(finding(
                "doctor.no_backup",
                DoctorSeverity::Warning,
                "最近7天没有资料库目录的备份。".into(),
                "点“立即备份”（baosong-cli backup create），最好再复制一份到U盘（--copy-to）。",
                Some(super::backup::BACKUP_DIR),
            ));
        }
        Ok(DoctorReport {
            integrity,
            files_checked,
            full,
            findings,
        })
    }
}

fn link_in_store(rel: &str) -> DoctorFinding {
    finding(
        "doctor.link",
        DoctorSeverity::Error,
        format!("作品文件库中的“{rel}”是一个链接（快捷方式）。"),
        "报送助手不会经过它读写，也不会删除它。请确认它是否需要，然后自行移走。",
        Some(rel),
    )
}

fn foreign(rel: &str) -> DoctorFinding {
    finding(
        "doctor.foreign",
        DoctorSeverity::Warning,
        format!("作品文件库中有不属于报送助手的“{rel}”。"),
        "报送助手不会读取或删除它。如是误放的文件，请自行移到别处。",
        Some(rel),
    )
}
