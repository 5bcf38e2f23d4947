//! The facts cache: what each stored file really is (`media::probe`), kept by content hash and
//! probe version in `media_facts` so a list of works never probes a file twice; and the
//! verdicts, which are never cached — they are judged from the facts × the campaign's current
//! rules every time a work is shown.

use std::collections::HashMap;

use rusqlite::{OptionalExtension, params};

use super::store;
use super::{Library, LibraryError, now};
use crate::campaign::Campaign;
use crate::checks::{self, Verdict};
use crate::entry::Entry;
use crate::media::{self, MediaFacts};

/// Facts by content hash and linked sources by file id, loaded once per listing.
#[derive(Default)]
pub(super) struct Known {
    facts: HashMap<String, MediaFacts>,
    sources: HashMap<i64, Vec<String>>,
}

impl Library {
    /// Attaches facts (probing files not seen yet) and verdicts to an entry's files.
    pub(super) fn judge(&self, entry: &mut Entry, campaign: &Campaign) -> Result<(), LibraryError> {
        let ids: Vec<i64> = entry.files.iter().map(|f| f.id).collect();
        let mut known = Known::default();
        for &id in &ids {
            known.sources.insert(id, self.sources_of(id)?);
        }
        for f in &entry.files {
            if let Some(facts) = self.cached_facts(&f.sha256)? {
                known.facts.insert(f.sha256.clone(), facts);
            }
        }
        self.judge_with(entry, campaign, &mut known)
    }

    /// [`Library::judge`] with facts and sources already loaded (a whole list at once).
    pub(super) fn judge_with(
        &self,
        entry: &mut Entry,
        campaign: &Campaign,
        known: &mut Known,
    ) -> Result<(), LibraryError> {
        let category = campaign.category(&entry.fields.category);
        for f in &mut entry.files {
            f.also_received = known.sources.remove(&f.id).unwrap_or_default();
            let facts = match known.facts.get(&f.sha256) {
                Some(facts) => facts.clone(),
                None => {
                    let facts = self.probe_and_cache(&f.sha256, &f.stored_path)?;
                    known.facts.insert(f.sha256.clone(), facts.clone());
                    facts
                }
            };
            f.check = Some(checks::check_file(&facts, campaign, category));
            f.facts = Some(facts);
        }
        entry.verdict = if entry.files.is_empty() {
            Verdict::Fail
        } else {
            entry
                .files
                .iter()
                .filter_map(|f| f.check.as_ref().map(|c| c.verdict))
                .max()
                .unwrap_or(Verdict::Fail)
        };
        Ok(())
    }

    fn sources_of(&self, file_id: i64) -> Result<Vec<String>, LibraryError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT original_path FROM file_sources WHERE file_id = ?1 ORDER BY id",
        )?;
        let rows = stmt.query_map([file_id], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Every cached fact and linked source, read in two queries, for listing many entries.
    pub(super) fn known(&self) -> Result<Known, LibraryError> {
        let mut known = Known::default();
        let mut stmt = self
            .conn
            .prepare("SELECT sha256, facts FROM media_facts WHERE probe_version = ?1")?;
        let rows = stmt.query_map([media::PROBE_VERSION], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })?;
        for row in rows {
            let (sha, json) = row?;
            if let Ok(facts) = serde_json::from_str(&json) {
                known.facts.insert(sha, facts);
            }
        }
        let mut stmt = self
            .conn
            .prepare("SELECT file_id, original_path FROM file_sources ORDER BY id")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?;
        for row in rows {
            let (id, path) = row?;
            known.sources.entry(id).or_default().push(path);
        }
        Ok(known)
    }

    fn cached_facts(&self, sha256: &str) -> Result<Option<MediaFacts>, LibraryError> {
        let row: Option<String> = self
            .conn
            .query_row(
                "SELECT facts FROM media_facts WHERE sha256 = ?1 AND probe_version = ?2",
                params![sha256, media::PROBE_VERSION],
                |r| r.get(0),
            )
            .optional()?;
        Ok(row.and_then(|json| serde_json::from_str(&json).ok()))
    }

    /// Reads a stored file's facts and remembers them by content. A file that has gone
    /// missing from the store is reported as such, not as an error of the whole list.
    fn probe_and_cache(&self, sha256: &str, stored_path: &str) -> Result<MediaFacts, LibraryError> {
        let path = match store::resolve_row(&self.root, stored_path, || {
            format!("文件记录“{stored_path}”")
        }) {
            Ok(p) => p,
            // A tampered row is shown on its work, not as a failure of the whole list.
            Err(e) => {
                return Ok(MediaFacts::unreadable(
                    "unsafe-path",
                    "路径不安全",
                    e.to_string(),
                ));
            }
        };
        let facts = match media::probe(&path) {
            Ok(facts) => facts,
            Err(e) => {
                return Ok(MediaFacts::unreadable(
                    "missing",
                    "文件缺失",
                    format!(
                        "资料库中的文件无法读取（{}），请重新添加此文件",
                        crate::fsx::io_reason(&e)
                    ),
                ));
            }
        };
        let json = serde_json::to_string(&facts).unwrap_or_default();
        // A busy library only costs a re-probe next time.
        let _ = self.conn.execute(
            "INSERT OR REPLACE INTO media_facts (sha256, probe_version, facts, probed_at)
             VALUES (?1, ?2, ?3, ?4)",
            params![sha256, media::PROBE_VERSION, json, now()],
        );
        Ok(facts)
    }
}
