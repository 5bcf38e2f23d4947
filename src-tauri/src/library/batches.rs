//! Batches (报送批次) in the catalog: made from the selection as a snapshot, numbered per
//! campaign, listed, shown, exported, and deleted while never sent.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};

use super::{Library, LibraryError, audit, now};

use crate::batch::{
    self, Batch, BatchEntry, BatchFile, BatchHeader, BatchRequest, BatchSummary, Draft,
};
use crate::dashboard;
use crate::entry::{EntryFilter, EntrySort};

/// The facts and check of a batch file, as stored in `batch_files.data`.
#[derive(serde::Serialize, serde::Deserialize)]
struct FileData {
    original_name: String,
    facts: Option<crate::media::MediaFacts>,
    verdict: crate::checks::Verdict,
    findings: Vec<crate::checks::Finding>,
}

impl Library {
    /// What a batch made now would hold, with the works left out and the warnings.
    pub fn batch_draft(
        &self,
        request: &BatchRequest,
        at: DateTime<Utc>,
    ) -> Result<Draft, LibraryError> {
        let campaign = self.campaign()?;
        let office = self.office()?;
        let entries = self.entries(&EntryFilter::default(), EntrySort::Newest)?;
        let marks = self.deadline_marks()?;
        let board = dashboard::compute(&dashboard::Inputs {
            campaign: &campaign,
            office: &office,
            entries: &entries,
            marks: &marks,
            now: at,
        });
        let already = self.already_batched(&campaign.id)?;
        Ok(batch::draft(&batch::DraftInputs {
            campaign: &campaign,
            office: &office,
            entries: &entries,
            dashboard: &board,
            already_batched: &already,
            request,
        })?)
    }

    /// Entries of `campaign_id` already in an exported or sent batch.
    fn already_batched(&self, campaign_id: &str) -> Result<HashSet<i64>, LibraryError> {
        let mut stmt = self.conn.prepare(
            "SELECT DISTINCT be.entry_id FROM batch_entries be JOIN batches b ON b.id = be.batch_id
             WHERE b.campaign_id = ?1 AND (b.exported_at IS NOT NULL OR b.sent_at IS NOT NULL)",
        )?;
        let rows = stmt.query_map([campaign_id], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Makes the batch the draft describes, in one transaction that also sees every write
    /// before it (so two programs cannot make the same number).
    pub fn create_batch(
        &mut self,
        request: &BatchRequest,
        at: DateTime<Utc>,
    ) -> Result<(Batch, Draft), LibraryError> {
        let id = self.immediate(|conn| {
            let draft = self.batch_draft(request, at)?;
            let number: u32 = conn.query_row(
                "SELECT coalesce(max(number), 0) + 1 FROM batches WHERE campaign_id = ?1",
                [&draft.header.campaign_id],
                |r| r.get(0),
            )?;
            // The batch's moment is the clock the deadlines were judged at (BAOSONG_NOW in
            // tests, the system clock otherwise), so its warnings and its time agree.
            let created = at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
            conn.execute(
                "INSERT INTO batches (campaign_id, number, supplement, created_at, header)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    draft.header.campaign_id,
                    number,
                    request.supplement,
                    created,
                    json(&draft.header)
                ],
            )?;
            let id = conn.last_insert_rowid();
            for e in &draft.entries {
                let mut data = e.clone();
                data.files.clear();
                conn.execute(
                    "INSERT INTO batch_entries (batch_id, entry_id, category, seq, data)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![id, e.entry_id, e.fields.category, e.seq, json(&data)],
                )?;
                for (position, f) in e.files.iter().enumerate() {
                    let data = FileData {
                        original_name: f.original_name.clone(),
                        facts: f.facts.clone(),
                        verdict: f.verdict,
                        findings: f.findings.clone(),
                    };
                    conn.execute(
                        "INSERT INTO batch_files (batch_id, entry_id, position, package_path,
                                                  stored_path, size, sha256, data)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                        params![
                            id,
                            e.entry_id,
                            position as i64,
                            f.package_path,
                            f.stored_path,
                            i64::try_from(f.size).unwrap_or(i64::MAX),
                            f.sha256,
                            json(&data)
                        ],
                    )?;
                }
            }
            audit(
                conn,
                self.actor,
                "batch.create",
                None,
                &serde_json::json!({
                    "batch": id,
                    "number": number,
                    "supplement": request.supplement,
                    "entries": draft.entries.iter().map(|e| e.entry_id).collect::<Vec<_>>(),
                }),
            )?;
            Ok((id, draft))
        })?;
        let (id, draft) = id;
        Ok((self.batch(id)?, draft))
    }

    /// The batches of the active campaign, newest first.
    pub fn batches(&self) -> Result<Vec<BatchSummary>, LibraryError> {
        let campaign_id = self.office()?.campaign_id;
        let ids: Vec<i64> = self
            .conn
            .prepare("SELECT id FROM batches WHERE campaign_id = ?1 ORDER BY number DESC")?
            .query_map([campaign_id], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        ids.into_iter()
            .map(|id| self.batch(id).map(|b| BatchSummary::from(&b)))
            .collect()
    }

    /// One batch, as it was frozen.
    pub fn batch(&self, id: i64) -> Result<Batch, LibraryError> {
        let row = self
            .conn
            .query_row(
                "SELECT number, supplement, created_at, exported_at, sent_at, header
                 FROM batches WHERE id = ?1",
                [id],
                |r| {
                    Ok((
                        r.get::<_, u32>(0)?,
                        r.get::<_, bool>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, Option<String>>(3)?,
                        r.get::<_, Option<String>>(4)?,
                        r.get::<_, String>(5)?,
                    ))
                },
            )
            .optional()?
            .ok_or(LibraryError::NoSuchBatch(id))?;
        let (number, supplement, created_at, exported_at, sent_at, header) = row;
        let header: BatchHeader = parse(&header, id)?;
        let mut entries: Vec<BatchEntry> = Vec::new();
        {
            let mut stmt = self
                .conn
                .prepare("SELECT data FROM batch_entries WHERE batch_id = ?1 ORDER BY rowid")?;
            for data in stmt.query_map([id], |r| r.get::<_, String>(0))? {
                entries.push(parse(&data?, id)?);
            }
        }
        let mut stmt = self.conn.prepare(
            "SELECT entry_id, package_path, stored_path, size, sha256, data FROM batch_files
             WHERE batch_id = ?1 ORDER BY rowid",
        )?;
        let rows = stmt.query_map([id], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, i64>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
            ))
        })?;
        for row in rows {
            let (entry_id, package_path, stored_path, size, sha256, data) = row?;
            let data: FileData = parse(&data, id)?;
            check_file_row(id, &package_path, &stored_path, &sha256)?;
            let Some(e) = entries.iter_mut().find(|e| e.entry_id == entry_id) else {
                return Err(LibraryError::DamagedBatch(id));
            };
            e.files.push(BatchFile {
                original_name: data.original_name,
                stored_path,
                package_path,
                size: u64::try_from(size).unwrap_or(0),
                sha256,
                facts: data.facts,
                verdict: data.verdict,
                findings: data.findings,
            });
        }
        for c in &header.categories {
            crate::safe_path::check_name(&c.folder).map_err(|source| LibraryError::UnsafePath {
                row: format!("报送批次 {id} 的类别文件夹"),
                source,
            })?;
        }
        Ok(Batch {
            id,
            number,
            supplement,
            created_at,
            exported_at,
            sent_at,
            header,
            entries,
        })
    }

    /// Deletes a batch that was never sent (the works stay in the catalog as they are).
    pub fn delete_batch(&mut self, id: i64) -> Result<(), LibraryError> {
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let row: Option<(u32, Option<String>)> = tx
            .query_row(
                "SELECT number, sent_at FROM batches WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        match row {
            None => return Err(LibraryError::NoSuchBatch(id)),
            Some((number, Some(_))) => return Err(LibraryError::BatchSent(number)),
            Some((number, None)) => {
                // Partly sent (or perhaps sent) counts as sent: the record is the proof.
                let out: i64 = tx.query_row(
                    "SELECT count(*) FROM outbox WHERE batch_id = ?1
                       AND state IN ('sent', 'sending', 'uncertain')",
                    [id],
                    |r| r.get(0),
                )?;
                if out > 0 {
                    return Err(LibraryError::BatchSent(number));
                }
            }
        }
        tx.execute("DELETE FROM batches WHERE id = ?1", [id])?;
        audit(
            &tx,
            self.actor,
            "batch.delete",
            None,
            &serde_json::json!({ "batch": id }),
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Records that batch `id` was exported to `folder`.
    pub fn record_export(
        &mut self,
        id: i64,
        report: &batch::ExportReport,
    ) -> Result<(), LibraryError> {
        let tx = self.conn.transaction()?;
        let at = now();
        let changed = tx.execute(
            "UPDATE batches SET exported_at = ?2 WHERE id = ?1",
            params![id, at],
        )?;
        if changed == 0 {
            return Err(LibraryError::NoSuchBatch(id));
        }
        tx.execute(
            "INSERT INTO batch_exports (batch_id, at, folder, files, bytes)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                id,
                at,
                report.folder,
                report.files,
                i64::try_from(report.bytes).unwrap_or(i64::MAX)
            ],
        )?;
        audit(
            &tx,
            self.actor,
            "batch.export",
            None,
            &serde_json::json!({ "batch": id, "folder": report.folder }),
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Runs `f` inside an IMMEDIATE transaction on this connection: the write lock is taken
    /// before anything is read, so what `f` reads is what it writes against.
    pub(super) fn immediate<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, LibraryError>,
    ) -> Result<T, LibraryError> {
        self.conn.execute_batch("BEGIN IMMEDIATE")?;
        let result = f(&self.conn).and_then(|v| {
            self.conn.execute_batch("COMMIT")?;
            Ok(v)
        });
        if result.is_err() && !self.conn.is_autocommit() {
            let _ = self.conn.execute_batch("ROLLBACK");
        }
        result
    }
}

fn json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

fn parse<T: serde::de::DeserializeOwned>(text: &str, batch: i64) -> Result<T, LibraryError> {
    serde_json::from_str(text).map_err(|_| LibraryError::DamagedBatch(batch))
}

/// A batch's file row is input like any other: its package path stays inside the package, its
/// stored path has the store's shape and its hash is a hash, or the batch is not used.
fn check_file_row(
    batch_id: i64,
    package_path: &str,
    stored_path: &str,
    sha256: &str,
) -> Result<(), LibraryError> {
    use crate::safe_path::{UnsafePath, check_relative, check_stored_path, is_sha256_hex};
    let row = || format!("报送批次 {batch_id} 的文件记录");
    check_relative(package_path)
        .and_then(|()| check_stored_path(stored_path))
        .and_then(|()| {
            if is_sha256_hex(sha256) {
                Ok(())
            } else {
                Err(UnsafePath {
                    path: stored_path.to_owned(),
                    reason: "的校验值不正常",
                })
            }
        })
        .map_err(|source| LibraryError::UnsafePath { row: row(), source })
}
