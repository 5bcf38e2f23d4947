//! The receiving library's batches (市级收件): each batch known by its manifest, its works and
//! files with the district's statement beside what the city received and judged, and the
//! problems found. Recording is idempotent: the same manifest again adds nothing but the bytes
//! it brings that were missing; a manifest that differs is a new version beside the old.

use std::collections::BTreeMap;
use std::collections::btree_map::Entry;
use std::path::PathBuf;

use rusqlite::{OptionalExtension, params};
use serde::Serialize;
use ts_rs::TS;

use super::{Library, LibraryError, audit, now};
use crate::batch::manifest::Manifest;
use crate::checks::{Finding, Verdict};
use crate::city::reply::ReceivedBatch;
use crate::city::{ReceivedFile, ReceivedWork, Sender};

/// Where a delivery came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Source {
    /// `folder`, `zip`, `eml`, `maildir`, `imap`.
    pub kind: String,
    /// The folder, file or message it was read from.
    pub origin: String,
    /// The From address of the mail that brought it (the city answers there).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub from: Option<String>,
}

/// The bytes of one manifest file as they arrived: stored, hashed, judged.
#[derive(Debug, Clone, PartialEq)]
pub struct Arrived {
    pub stored_path: String,
    pub sha256: String,
    pub verdict: Verdict,
    pub findings: Vec<Finding>,
}

/// How a file the district sent another way travels (另行传送, QQ/NetEase 超大附件).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, TS)]
pub struct Awaited {
    /// `separate` (the cover letter's 另行传送 list), `qq_large`, `netease_large`.
    pub via: String,
    /// The 超大附件 download link, when the message gave one.
    pub link: Option<String>,
}

/// A file of a received batch that is 待补: the district sent it another way and the clerk
/// still has to fetch it by hand; what its manifest states about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct PendingFile {
    pub path: String,
    pub name: String,
    #[ts(type = "number")]
    pub size: u64,
    /// The district's stated SHA-256: the bytes given later must have it.
    pub sha256: String,
    pub via: String,
    pub link: Option<String>,
}

/// A problem with a delivery, in Chinese (a domain type: the replies name them too).
pub use crate::city::ReceivedProblem;

/// One delivery of a batch, read and checked, ready to be recorded.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub manifest: Manifest,
    /// The manifest's bytes as received (kept verbatim) and their SHA-256.
    pub manifest_json: String,
    pub manifest_sha256: String,
    pub source: Source,
    /// By package path: the files that arrived.
    pub arrived: BTreeMap<String, Arrived>,
    /// By package path: the files not in it that the mail said travel another way (待补).
    pub awaited: BTreeMap<String, Awaited>,
    pub problems: Vec<ReceivedProblem>,
}

/// What recording a delivery did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Recorded {
    #[ts(type = "number")]
    pub batch_id: i64,
    pub office: String,
    /// `第1批`, `第2批（补报）`.
    pub label: String,
    pub version: u32,
    /// A batch not seen before (or a new version of one).
    pub new_batch: bool,
    /// Files whose bytes arrived with this delivery for the first time.
    pub files_added: u32,
    pub works: u32,
    pub files: u32,
    /// Files verified against the district's SHA-256, all deliveries so far.
    pub verified: u32,
    pub problems: Vec<ReceivedProblem>,
    /// 待补: files the district sent another way, still to be given (`receive --files`).
    pub pending: Vec<PendingFile>,
}

/// A received file whose intact bytes have not arrived, with its batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unfilled {
    pub batch_id: i64,
    pub office: String,
    /// `第1批` …
    pub batch: String,
    pub category: String,
    pub path: String,
    pub size: u64,
    /// The district's stated SHA-256, lower-case.
    pub sha256: String,
}

fn label(number: u32, supplement: bool, version: u32) -> String {
    let mut s = format!("第{number}批");
    if supplement {
        s.push_str("（补报）");
    }
    if version > 1 {
        s.push_str(&format!("（第{version}版）"));
    }
    s
}

fn verdict_str(v: Verdict) -> &'static str {
    match v {
        Verdict::Pass => "pass",
        Verdict::Warn => "warn",
        Verdict::Fail => "fail",
    }
}

fn parse_verdict(s: &str) -> Verdict {
    match s {
        "pass" => Verdict::Pass,
        "warn" => Verdict::Warn,
        _ => Verdict::Fail,
    }
}

impl Library {
    /// Records `delivery` in one transaction (see the module's rules).
    pub fn record_delivery(&mut self, delivery: &Delivery) -> Result<Recorded, LibraryError> {
        let m = &delivery.manifest;
        let at = now();
        let tx = self.conn.transaction()?;
        let existing: Option<(i64, u32, String)> = tx
            .query_row(
                "SELECT id, version, sources FROM received_batches
                 WHERE campaign_id = ?1 AND office = ?2 AND number = ?3 AND supplement = ?4
                   AND manifest_sha256 = ?5",
                params![
                    m.campaign.id,
                    m.office.name,
                    m.batch.number,
                    m.batch.supplement,
                    delivery.manifest_sha256
                ],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        let new_batch = existing.is_none();
        let (batch_id, version) = match existing {
            Some((id, version, sources)) => {
                let mut list: Vec<serde_json::Value> =
                    serde_json::from_str(&sources).unwrap_or_default();
                let seen = list.iter().any(|s| {
                    s["kind"] == delivery.source.kind && s["origin"] == delivery.source.origin
                });
                if !seen {
                    list.push(serde_json::json!({
                        "kind": delivery.source.kind, "origin": delivery.source.origin, "at": at
                    }));
                    tx.execute(
                        "UPDATE received_batches SET sources = ?2 WHERE id = ?1",
                        params![id, serde_json::Value::Array(list).to_string()],
                    )?;
                }
                // First taken in from a stick, then by mail: now the city knows where to answer.
                if let Some(from) = &delivery.source.from {
                    tx.execute(
                        "UPDATE received_batches SET sender = ?2 WHERE id = ?1 AND sender IS NULL",
                        params![id, from],
                    )?;
                }
                (id, version)
            }
            None => {
                let version: u32 = tx.query_row(
                    "SELECT coalesce(max(version), 0) + 1 FROM received_batches
                     WHERE campaign_id = ?1 AND office = ?2 AND number = ?3 AND supplement = ?4",
                    params![
                        m.campaign.id,
                        m.office.name,
                        m.batch.number,
                        m.batch.supplement
                    ],
                    |r| r.get(0),
                )?;
                tx.execute(
                    "INSERT INTO received_batches (campaign_id, office, unit_type, number,
                        supplement, version, manifest_sha256, manifest, contact_name,
                        contact_phone, created_at, received_at, sources, sender)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
                    params![
                        m.campaign.id,
                        m.office.name,
                        m.office.unit_type,
                        m.batch.number,
                        m.batch.supplement,
                        version,
                        delivery.manifest_sha256,
                        delivery.manifest_json,
                        m.office.contact.name,
                        m.office.contact.phone,
                        m.batch.created_at,
                        at,
                        serde_json::json!([{
                            "kind": delivery.source.kind, "origin": delivery.source.origin, "at": at
                        }])
                        .to_string(),
                        delivery.source.from,
                    ],
                )?;
                let batch_id = tx.last_insert_rowid();
                for e in &m.entries {
                    tx.execute(
                        "INSERT INTO received_works (batch_id, category, seq, title, authors,
                            unit, phone, verdict, special_reason)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                        params![
                            batch_id,
                            e.category,
                            e.seq,
                            e.title,
                            serde_json::to_string(&e.authors).unwrap_or_default(),
                            e.unit,
                            e.phone,
                            verdict_str(e.verdict),
                            e.special_reason,
                        ],
                    )?;
                    let work_id = tx.last_insert_rowid();
                    for f in &e.files {
                        tx.execute(
                            "INSERT INTO received_files (work_id, path, size, sha256,
                                district_verdict)
                             VALUES (?1, ?2, ?3, ?4, ?5)",
                            params![
                                work_id,
                                f.path,
                                f.size as i64,
                                f.sha256,
                                verdict_str(f.verdict)
                            ],
                        )?;
                    }
                }
                (batch_id, version)
            }
        };
        // The bytes this delivery brought: a file not yet verified takes them.
        let mut files_added = 0u32;
        for (path, a) in &delivery.arrived {
            let n = tx.execute(
                "UPDATE received_files SET stored_path = ?3, received_sha256 = ?4, verdict = ?5,
                        findings = ?6, checked_at = ?7
                 WHERE path = ?2
                   AND work_id IN (SELECT id FROM received_works WHERE batch_id = ?1)
                   AND (received_sha256 IS NULL OR received_sha256 <> sha256)",
                params![
                    batch_id,
                    path,
                    a.stored_path,
                    a.sha256,
                    verdict_str(a.verdict),
                    serde_json::to_string(&a.findings).unwrap_or_default(),
                    at
                ],
            )?;
            files_added += u32::try_from(n).unwrap_or(0);
        }
        // Files the mail said travel another way: 待补, not missing.
        for (path, how) in &delivery.awaited {
            tx.execute(
                "UPDATE received_files SET awaited = ?3
                 WHERE path = ?2
                   AND work_id IN (SELECT id FROM received_works WHERE batch_id = ?1)
                   AND received_sha256 IS NULL",
                params![
                    batch_id,
                    path,
                    serde_json::to_string(how).unwrap_or_default()
                ],
            )?;
            tx.execute(
                "DELETE FROM received_problems WHERE batch_id = ?1 AND path = ?2
                   AND kind = 'missing'",
                params![batch_id, path],
            )?;
        }
        // Problems: a file now verified settles its old ones; new ones are kept once.
        tx.execute(
            "DELETE FROM received_problems WHERE batch_id = ?1 AND kind IN ('missing', 'different')
               AND path IN (SELECT f.path FROM received_files f JOIN received_works w
                            ON w.id = f.work_id
                            WHERE w.batch_id = ?1 AND f.received_sha256 = f.sha256)",
            [batch_id],
        )?;
        for p in &delivery.problems {
            let settled: bool = tx
                .query_row(
                    "SELECT 1 FROM received_files f JOIN received_works w ON w.id = f.work_id
                     WHERE w.batch_id = ?1 AND f.path = ?2 AND f.received_sha256 = f.sha256",
                    params![batch_id, p.path],
                    |_| Ok(true),
                )
                .optional()?
                .unwrap_or(false);
            if !settled {
                tx.execute(
                    "INSERT OR IGNORE INTO received_problems (batch_id, path, kind, message, found_at)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![batch_id, p.path, p.kind, p.message, at],
                )?;
            }
        }
        audit(
            &tx,
            self.actor,
            "received.batch",
            None,
            &serde_json::json!({
                "batch": batch_id, "office": m.office.name, "number": m.batch.number,
                "version": version, "new": new_batch, "files_added": files_added,
                "source": delivery.source.kind,
            }),
        )?;
        tx.commit()?;
        self.recorded(batch_id, new_batch, files_added)
    }

    fn recorded(
        &self,
        batch_id: i64,
        new_batch: bool,
        files_added: u32,
    ) -> Result<Recorded, LibraryError> {
        let (office, number, supplement, version): (String, u32, bool, u32) = self.conn.query_row(
            "SELECT office, number, supplement, version FROM received_batches WHERE id = ?1",
            [batch_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )?;
        let pending = self.pending_files(batch_id)?;
        let (works, files, verified): (u32, u32, u32) = self.conn.query_row(
            "SELECT count(DISTINCT w.id), count(f.id),
                    coalesce(sum(f.received_sha256 = f.sha256), 0)
             FROM received_works w LEFT JOIN received_files f ON f.work_id = w.id
             WHERE w.batch_id = ?1",
            [batch_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
        Ok(Recorded {
            batch_id,
            label: label(number, supplement, version),
            office,
            version,
            new_batch,
            files_added,
            works,
            files,
            verified,
            problems: self.batch_problems(batch_id)?,
            pending,
        })
    }

    /// Received batch `batch_id` as recording it reports it (nothing new added).
    pub fn recorded_batch(&self, batch_id: i64) -> Result<Recorded, LibraryError> {
        self.recorded(batch_id, false, 0)
    }

    fn pending_files(&self, batch_id: i64) -> Result<Vec<PendingFile>, LibraryError> {
        let mut stmt = self.conn.prepare(
            "SELECT f.path, f.size, f.sha256, f.awaited
             FROM received_files f JOIN received_works w ON w.id = f.work_id
             WHERE w.batch_id = ?1 AND f.awaited IS NOT NULL AND f.received_sha256 IS NULL
             ORDER BY f.id",
        )?;
        let rows = stmt.query_map([batch_id], |r| {
            let path: String = r.get(0)?;
            let how: Awaited = serde_json::from_str(&r.get::<_, String>(3)?).unwrap_or(Awaited {
                via: "separate".into(),
                link: None,
            });
            Ok(PendingFile {
                name: path.rsplit('/').next().unwrap_or(&path).to_owned(),
                path,
                size: r.get::<_, i64>(1)? as u64,
                sha256: r.get(2)?,
                via: how.via,
                link: how.link,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn batch_problems(&self, batch_id: i64) -> Result<Vec<ReceivedProblem>, LibraryError> {
        let mut stmt = self.conn.prepare(
            "SELECT path, kind, message FROM received_problems WHERE batch_id = ?1 ORDER BY id",
        )?;
        let rows = stmt.query_map([batch_id], |r| {
            Ok(ReceivedProblem {
                path: r.get(0)?,
                kind: r.get(1)?,
                message: r.get(2)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The units that have sent in `campaign_id`, with their current batches' count.
    pub fn senders(&self, campaign_id: &str) -> Result<Vec<Sender>, LibraryError> {
        let mut stmt = self.conn.prepare(
            "SELECT office, unit_type, count(DISTINCT number || '/' || supplement)
             FROM received_batches WHERE campaign_id = ?1
             GROUP BY office ORDER BY min(received_at)",
        )?;
        let rows = stmt.query_map([campaign_id], |r| {
            Ok(Sender {
                office: r.get(0)?,
                unit_type: r.get(1)?,
                batches: r.get(2)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The received works of `campaign_id` in their batches' current versions (the newest of
    /// each batch), by office, category and 序号; `office`/`category` narrow them.
    pub fn received_works(
        &self,
        campaign_id: &str,
        office: Option<&str>,
        category: Option<&str>,
    ) -> Result<Vec<ReceivedWork>, LibraryError> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT b.id, b.office, b.number, b.supplement, b.version, {WORK_COLUMNS}
             FROM received_works w JOIN received_batches b ON b.id = w.batch_id
             WHERE b.campaign_id = ?1
               AND b.version = (SELECT max(version) FROM received_batches o
                                WHERE o.campaign_id = b.campaign_id AND o.office = b.office
                                  AND o.number = b.number AND o.supplement = b.supplement)
               AND (?2 IS NULL OR b.office = ?2) AND (?3 IS NULL OR w.category = ?3)
             ORDER BY b.office, w.category, b.number, w.seq"
        ))?;
        let rows = stmt.query_map(params![campaign_id, office, category], |r| {
            let batch = label(r.get(2)?, r.get(3)?, r.get(4)?);
            work_row(r, 5, r.get(0)?, r.get(1)?, batch)
        })?;
        // Each batch's problems once, however many of its works are listed.
        let mut problems = BTreeMap::new();
        let mut works = Vec::new();
        for row in rows {
            let (work_id, mut work) = row?;
            let said = match problems.entry(work.batch_id) {
                Entry::Occupied(e) => e.into_mut(),
                Entry::Vacant(e) => e.insert(self.batch_problems(work.batch_id)?),
            };
            work.files = self.received_files(work_id)?;
            finish_work(&mut work, said);
            works.push(work);
        }
        Ok(works)
    }

    /// The hash and absolute path of received file `id`'s bytes in the store, once they arrived
    /// whole and verified (a file that differs from the district's statement is not shown).
    pub fn received_stored_file(&self, id: i64) -> Result<(String, PathBuf), LibraryError> {
        let row: Option<(Option<String>, String, Option<String>)> = self
            .conn
            .query_row(
                "SELECT received_sha256, sha256, stored_path FROM received_files WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        match row {
            Some((Some(received), stated, Some(stored))) if received == stated => Ok((
                received,
                super::store::resolve_row(&self.root, &stored, || format!("收到的文件 {id}"))?,
            )),
            Some(_) => Err(LibraryError::NotReceived(id)),
            None => Err(LibraryError::NoSuchFile(id)),
        }
    }

    /// Received batch `id` (that very version) with all its works and problems, as the
    /// answers to the district describe it.
    pub fn received_batch(&self, id: i64) -> Result<ReceivedBatch, LibraryError> {
        let mut batch = self
            .conn
            .query_row(
                "SELECT office, number, supplement, version, created_at, received_at, sender
                 FROM received_batches WHERE id = ?1",
                [id],
                |r| {
                    let version = r.get(3)?;
                    Ok(ReceivedBatch {
                        id,
                        office: r.get(0)?,
                        label: label(r.get(1)?, r.get(2)?, version),
                        version,
                        created_at: r.get(4)?,
                        received_at: r.get(5)?,
                        sender: r
                            .get::<_, Option<String>>(6)?
                            .filter(|s| !s.trim().is_empty()),
                        works: Vec::new(),
                        problems: Vec::new(),
                    })
                },
            )
            .optional()?
            .ok_or(LibraryError::NoSuchReceivedBatch(id))?;
        batch.problems = self.batch_problems(id)?;
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {WORK_COLUMNS} FROM received_works w WHERE w.batch_id = ?1 ORDER BY w.id"
        ))?;
        let rows = stmt.query_map([id], |r| {
            work_row(r, 0, id, batch.office.clone(), batch.label.clone())
        })?;
        let mut works = Vec::new();
        for row in rows {
            let (work_id, mut work) = row?;
            work.files = self.received_files(work_id)?;
            finish_work(&mut work, &batch.problems);
            works.push(work);
        }
        batch.works = works;
        Ok(batch)
    }

    fn received_files(&self, work_id: i64) -> Result<Vec<ReceivedFile>, LibraryError> {
        let mut stmt = self.conn.prepare(
            "SELECT path, sha256, size, received_sha256, district_verdict, verdict, findings,
                    awaited, id
             FROM received_files WHERE work_id = ?1 ORDER BY id",
        )?;
        let rows = stmt.query_map([work_id], |r| {
            let path: String = r.get(0)?;
            let sha256: String = r.get(1)?;
            let received: Option<String> = r.get(3)?;
            let awaited: Option<Awaited> = r
                .get::<_, Option<String>>(7)?
                .and_then(|a| serde_json::from_str(&a).ok())
                .filter(|_| received.is_none());
            Ok(ReceivedFile {
                id: r.get(8)?,
                pending: awaited.is_some(),
                link: awaited.and_then(|a| a.link),
                name: path.rsplit('/').next().unwrap_or(&path).to_owned(),
                verified: received.as_deref() == Some(sha256.as_str()),
                arrived: received.is_some(),
                path,
                sha256,
                size: r.get::<_, i64>(2)? as u64,
                district_verdict: parse_verdict(&r.get::<_, String>(4)?),
                verdict: r.get::<_, Option<String>>(5)?.as_deref().map(parse_verdict),
                findings: r
                    .get::<_, Option<String>>(6)?
                    .and_then(|f| serde_json::from_str(&f).ok())
                    .unwrap_or_default(),
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

/// The columns of a received work that [`work_row`] reads (`w` is `received_works`).
const WORK_COLUMNS: &str =
    "w.id, w.category, w.seq, w.title, w.authors, w.unit, w.special_reason, w.verdict";

/// A received work's row id and the work as the district stated it, read from
/// [`WORK_COLUMNS`] starting at column `at`; its files, city verdict and problems come after.
fn work_row(
    r: &rusqlite::Row<'_>,
    at: usize,
    batch_id: i64,
    office: String,
    batch: String,
) -> rusqlite::Result<(i64, ReceivedWork)> {
    Ok((
        r.get(at)?,
        ReceivedWork {
            batch_id,
            office,
            batch,
            category: r.get(at + 1)?,
            seq: r.get(at + 2)?,
            title: r.get(at + 3)?,
            authors: serde_json::from_str(&r.get::<_, String>(at + 4)?).unwrap_or_default(),
            unit: r.get(at + 5)?,
            special_reason: r.get(at + 6)?,
            district_verdict: parse_verdict(&r.get::<_, String>(at + 7)?),
            verdict: None,
            problems: Vec::new(),
            pending: Vec::new(),
            files: Vec::new(),
        },
    ))
}

/// The work's city verdict (the worst of its files', None while one is still to come) and its
/// problems in Chinese.
fn finish_work(work: &mut ReceivedWork, batch_problems: &[ReceivedProblem]) {
    let mut worst = Some(Verdict::Pass);
    for f in &work.files {
        if f.pending {
            work.pending.push(format!(
                "“{}”另行传送，待补（{}，SHA-256 {}）",
                f.name,
                crate::fsx::human_size(f.size),
                f.sha256
            ));
        } else if !f.verified {
            let said = batch_problems
                .iter()
                .find(|p| p.path == f.path)
                .map(|p| p.message.clone());
            work.problems.push(said.unwrap_or_else(|| {
                if f.arrived {
                    format!("“{}”与报送单位声明的校验值不符", f.name)
                } else {
                    format!("“{}”尚未收到", f.name)
                }
            }));
        }
        worst = match (worst, f.verdict) {
            (_, None) | (None, _) => None,
            (Some(a), Some(b)) => Some(if rank(b) > rank(a) { b } else { a }),
        };
        if f.verdict == Some(Verdict::Fail) && f.verified {
            let why: Vec<&str> = f.findings.iter().map(|x| x.message.as_str()).collect();
            work.problems
                .push(format!("“{}”未通过市级检查：{}", f.name, why.join("；")));
        }
    }
    work.verdict = if work.files.is_empty() { None } else { worst };
}

fn rank(v: Verdict) -> u8 {
    match v {
        Verdict::Pass => 0,
        Verdict::Warn => 1,
        Verdict::Fail => 2,
    }
}

impl Library {
    /// A batch of this manifest is recorded and every one of its files verified (or, with
    /// `but_awaited`, 待补: sent another way, so no mail will bring it): a delivery of it can
    /// bring nothing new.
    pub fn delivery_complete(
        &self,
        manifest_sha256: &str,
        but_awaited: bool,
    ) -> Result<bool, LibraryError> {
        Ok(self
            .conn
            .query_row(
                "SELECT count(f.id) > 0 AND coalesce(sum(CASE
                        WHEN f.received_sha256 = f.sha256 THEN 1
                        WHEN ?2 AND f.awaited IS NOT NULL AND f.received_sha256 IS NULL THEN 1
                        ELSE 0 END), 0) = count(f.id)
                 FROM received_batches b JOIN received_works w ON w.batch_id = b.id
                 JOIN received_files f ON f.work_id = w.id
                 WHERE b.manifest_sha256 = ?1",
                params![manifest_sha256, but_awaited],
                |r| r.get(0),
            )
            .optional()?
            .unwrap_or(false))
    }

    /// Every received file of `campaign_id` whose intact bytes have not arrived (still to
    /// come, 待补, or arrived different): what bytes given by hand can fill in.
    pub fn unfilled_files(&self, campaign_id: &str) -> Result<Vec<Unfilled>, LibraryError> {
        let mut stmt = self.conn.prepare(
            "SELECT b.id, b.office, b.number, b.supplement, b.version, w.category, f.path,
                    f.size, f.sha256
             FROM received_files f JOIN received_works w ON w.id = f.work_id
             JOIN received_batches b ON b.id = w.batch_id
             WHERE b.campaign_id = ?1
               AND (f.received_sha256 IS NULL OR f.received_sha256 <> f.sha256)
             ORDER BY b.id, f.id",
        )?;
        let rows = stmt.query_map([campaign_id], |r| {
            Ok(Unfilled {
                batch_id: r.get(0)?,
                office: r.get(1)?,
                batch: label(r.get(2)?, r.get(3)?, r.get(4)?),
                category: r.get(5)?,
                path: r.get(6)?,
                size: r.get::<_, i64>(7)? as u64,
                sha256: r.get::<_, String>(8)?.to_ascii_lowercase(),
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The stated sizes of every received file of `campaign_id`.
    pub fn received_sizes(
        &self,
        campaign_id: &str,
    ) -> Result<std::collections::HashSet<u64>, LibraryError> {
        let mut stmt = self.conn.prepare(
            "SELECT DISTINCT f.size FROM received_files f
             JOIN received_works w ON w.id = f.work_id
             JOIN received_batches b ON b.id = w.batch_id WHERE b.campaign_id = ?1",
        )?;
        let rows = stmt.query_map([campaign_id], |r| Ok(r.get::<_, i64>(0)? as u64))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Some received file of `campaign_id` already holds verified bytes of this SHA-256.
    pub fn received_hash(&self, campaign_id: &str, sha256: &str) -> Result<bool, LibraryError> {
        Ok(self
            .conn
            .query_row(
                "SELECT 1 FROM received_files f JOIN received_works w ON w.id = f.work_id
                 JOIN received_batches b ON b.id = w.batch_id
                 WHERE b.campaign_id = ?1 AND f.received_sha256 = ?2 AND f.sha256 = ?2
                 LIMIT 1",
                params![campaign_id, sha256],
                |_| Ok(true),
            )
            .optional()?
            .unwrap_or(false))
    }

    /// Records bytes given by hand (待补 filled in) in one transaction: each file takes them
    /// unless already verified, its missing/different problems are settled, its batch notes
    /// the source. Returns the batches touched and how many files each took.
    pub fn record_filled(
        &mut self,
        filled: &[(i64, String, Arrived)],
        source: &Source,
    ) -> Result<Vec<(i64, u32)>, LibraryError> {
        let at = now();
        let tx = self.conn.transaction()?;
        let mut touched: Vec<(i64, u32)> = Vec::new();
        for (batch_id, path, a) in filled {
            let n = tx.execute(
                "UPDATE received_files SET stored_path = ?3, received_sha256 = ?4, verdict = ?5,
                        findings = ?6, checked_at = ?7
                 WHERE path = ?2
                   AND work_id IN (SELECT id FROM received_works WHERE batch_id = ?1)
                   AND (received_sha256 IS NULL OR received_sha256 <> sha256)
                   AND lower(sha256) = ?4",
                params![
                    batch_id,
                    path,
                    a.stored_path,
                    a.sha256,
                    verdict_str(a.verdict),
                    serde_json::to_string(&a.findings).unwrap_or_default(),
                    at
                ],
            )?;
            tx.execute(
                "DELETE FROM received_problems WHERE batch_id = ?1 AND path = ?2
                   AND kind IN ('missing', 'different')",
                params![batch_id, path],
            )?;
            let n = u32::try_from(n).unwrap_or(0);
            match touched.iter_mut().find(|(b, _)| b == batch_id) {
                Some((_, count)) => *count += n,
                None => touched.push((*batch_id, n)),
            }
        }
        for (batch_id, n) in &touched {
            let sources: String = tx.query_row(
                "SELECT sources FROM received_batches WHERE id = ?1",
                [batch_id],
                |r| r.get(0),
            )?;
            let mut list: Vec<serde_json::Value> =
                serde_json::from_str(&sources).unwrap_or_default();
            if !list
                .iter()
                .any(|s| s["kind"] == source.kind && s["origin"] == source.origin)
            {
                list.push(serde_json::json!({
                    "kind": source.kind, "origin": source.origin, "at": at
                }));
                tx.execute(
                    "UPDATE received_batches SET sources = ?2 WHERE id = ?1",
                    params![batch_id, serde_json::Value::Array(list).to_string()],
                )?;
            }
            audit(
                &tx,
                self.actor,
                "received.filled",
                None,
                &serde_json::json!({
                    "batch": batch_id, "files_added": n, "source": source.kind,
                }),
            )?;
        }
        tx.commit()?;
        Ok(touched)
    }

    /// The From address of mail that brought the batch of manifest `manifest_sha256`, kept
    /// where none was known (it came from a stick first): the city's answers go there. True
    /// when it was kept.
    pub fn note_sender(&mut self, manifest_sha256: &str, from: &str) -> Result<bool, LibraryError> {
        let tx = self.conn.transaction()?;
        let ids: Vec<i64> = tx
            .prepare(
                "SELECT id FROM received_batches WHERE manifest_sha256 = ?1 AND sender IS NULL",
            )?
            .query_map([manifest_sha256], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        for id in &ids {
            tx.execute(
                "UPDATE received_batches SET sender = ?2 WHERE id = ?1",
                params![id, from],
            )?;
            audit(
                &tx,
                self.actor,
                "received.sender",
                None,
                &serde_json::json!({ "batch": id, "sender": from }),
            )?;
        }
        tx.commit()?;
        Ok(!ids.is_empty())
    }

    /// Where `receive --imap` stopped in `folder`: (UIDVALIDITY, last UID read whole).
    pub fn imap_state(&self, folder: &str) -> Result<Option<(u32, u32)>, LibraryError> {
        Ok(self
            .conn
            .query_row(
                "SELECT uid_validity, last_uid FROM imap_state WHERE folder = ?1",
                [folder],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?)
    }

    pub fn set_imap_state(
        &self,
        folder: &str,
        uid_validity: u32,
        last_uid: u32,
    ) -> Result<(), LibraryError> {
        self.conn.execute(
            "INSERT INTO imap_state (folder, uid_validity, last_uid, updated_at)
             VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (folder) DO UPDATE SET uid_validity = excluded.uid_validity,
                 last_uid = excluded.last_uid, updated_at = excluded.updated_at",
            params![folder, uid_validity, last_uid, now()],
        )?;
        Ok(())
    }
}
