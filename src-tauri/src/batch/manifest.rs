//! `manifest.json`: the package described for the municipal office's own tools.
//!
//! This is an interface, versioned on its own (`schema` + `version`) and documented in the
//! README; it is not the IPC `Entry` type and holds no library-local ids or stored paths — only
//! what a reader on another machine can use: campaign, office, contact person, batch, every
//! work with its fields, and every file with its package path, size, SHA-256, facts and
//! verdict. A zip of a mailed part carries a manifest of the same schema with `part` set and
//! only the works it holds. Fields are only ever added within a version; a reader ignores the
//! ones it does not know.

use serde::{Deserialize, Serialize};

use super::{Batch, BatchEntry, BatchFile};
use crate::checks::Verdict;

/// The `schema` value of every Baosong batch manifest.
pub const SCHEMA: &str = "baosong-batch-manifest";
/// Bumped when a field changes meaning or goes away (never for an added field).
pub const VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub schema: String,
    pub version: u32,
    /// `baosong 0.1.0`.
    pub generator: String,
    pub campaign: CampaignInfo,
    pub office: OfficeInfo,
    pub batch: BatchInfo,
    /// Set in the manifest inside one mailed zip: which of the parts this is.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub part: Option<PartInfo>,
    pub categories: Vec<CategoryInfo>,
    pub entries: Vec<EntryInfo>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CampaignInfo {
    pub id: String,
    pub name: String,
    pub short_name: String,
    pub year: i32,
    pub recipient: String,
    pub mailbox: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OfficeInfo {
    pub name: String,
    /// The campaign's unit-type id (`district`) and its name (区（县）总工会).
    pub unit_type: String,
    pub unit_type_name: Option<String>,
    pub contact: ContactInfo,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContactInfo {
    pub name: String,
    pub title: String,
    pub phone: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BatchInfo {
    pub number: u32,
    pub label: String,
    pub supplement: bool,
    /// RFC 3339, UTC.
    pub created_at: String,
    pub works: u32,
    pub files: u32,
    pub bytes: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartInfo {
    pub index: u32,
    pub count: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CategoryInfo {
    pub id: String,
    pub name: String,
    pub short_name: String,
    pub folder: String,
    pub count: u32,
    pub min: Option<u32>,
    pub max: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EntryInfo {
    pub category: String,
    pub seq: u32,
    /// Exactly as the clerk wrote it (file names may be shortened; this never is).
    pub title: String,
    pub authors: Vec<String>,
    pub unit: String,
    pub phone: String,
    pub description: String,
    pub tags: Vec<String>,
    pub declarations: Vec<String>,
    /// `pass`, `warn` or `fail` (a `fail` goes only with `special_reason`).
    pub verdict: Verdict,
    /// The office's written reason for sending a work that fails a check (已特批).
    pub special_reason: Option<String>,
    pub warnings: Vec<String>,
    pub files: Vec<FileInfo>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FileInfo {
    /// `/`-separated, relative to the package root.
    pub path: String,
    pub original_name: String,
    pub size: u64,
    /// Lower-case hex; `certutil -hashfile 文件 SHA256` prints the same.
    pub sha256: String,
    /// `video`, `audio`, `photo`, `document`, `other`.
    pub kind: Option<String>,
    pub container: Option<String>,
    pub duration_s: Option<f64>,
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub display_width: Option<u32>,
    pub display_height: Option<u32>,
    pub video_codec: Option<String>,
    pub audio_codec: Option<String>,
    pub verdict: Verdict,
    pub findings: Vec<FindingInfo>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FindingInfo {
    pub rule: String,
    /// `error` or `warning`.
    pub severity: String,
    pub message: String,
}

/// The manifest of the whole batch, or (with `part`) of the works `keep` admits.
pub fn build(batch: &Batch, part: Option<PartInfo>, keep: &dyn Fn(&BatchFile) -> bool) -> Manifest {
    let entries: Vec<EntryInfo> = batch
        .entries
        .iter()
        .filter_map(|e| {
            let files: Vec<FileInfo> = e.files.iter().filter(|f| keep(f)).map(file_info).collect();
            (!files.is_empty()).then(|| entry_info(e, files))
        })
        .collect();
    let files = entries.iter().map(|e| e.files.len()).sum::<usize>();
    let bytes = entries
        .iter()
        .flat_map(|e| e.files.iter())
        .map(|f| f.size)
        .sum();
    let h = &batch.header;
    Manifest {
        schema: SCHEMA.to_owned(),
        version: VERSION,
        generator: format!("baosong {}", env!("CARGO_PKG_VERSION")),
        campaign: CampaignInfo {
            id: h.campaign_id.clone(),
            name: h.campaign_name.clone(),
            short_name: h.campaign_short_name.clone(),
            year: h.campaign_year,
            recipient: h.recipient.clone(),
            mailbox: h.mailbox.clone(),
        },
        office: OfficeInfo {
            name: h.office_name.clone(),
            unit_type: h.unit_type.clone(),
            unit_type_name: h.unit_type_name.clone(),
            contact: ContactInfo {
                name: h.contact_name.clone(),
                title: h.contact_title.clone(),
                phone: h.contact_phone.clone(),
            },
        },
        batch: BatchInfo {
            number: batch.number,
            label: batch.label(),
            supplement: batch.supplement,
            created_at: batch.created_at.clone(),
            works: u32::try_from(entries.len()).unwrap_or(u32::MAX),
            files: u32::try_from(files).unwrap_or(u32::MAX),
            bytes,
        },
        part,
        categories: h
            .categories
            .iter()
            .map(|c| CategoryInfo {
                id: c.id.clone(),
                name: c.name.clone(),
                short_name: c.short_name.clone(),
                folder: c.folder.clone(),
                count: c.count,
                min: c.min,
                max: c.max,
            })
            .collect(),
        entries,
    }
}

fn entry_info(e: &BatchEntry, files: Vec<FileInfo>) -> EntryInfo {
    EntryInfo {
        category: e.fields.category.clone(),
        seq: e.seq,
        title: e.fields.title.clone(),
        authors: e.fields.authors.clone(),
        unit: e.fields.unit.clone(),
        phone: e.fields.phone.clone(),
        description: e.fields.description.clone(),
        tags: e.fields.tags.clone(),
        declarations: e.fields.declarations.clone(),
        verdict: e.verdict,
        special_reason: e.special_reason.clone(),
        warnings: e.warnings.clone(),
        files,
    }
}

fn file_info(f: &BatchFile) -> FileInfo {
    let facts = f.facts.as_ref();
    FileInfo {
        path: f.package_path.clone(),
        original_name: f.original_name.clone(),
        size: f.size,
        sha256: f.sha256.clone(),
        kind: facts.and_then(|x| {
            serde_json::to_value(x.kind)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
        }),
        container: facts.map(|x| x.container.clone()),
        duration_s: facts.and_then(|x| x.duration_s),
        width: facts.and_then(|x| x.width),
        height: facts.and_then(|x| x.height),
        display_width: facts.and_then(|x| x.display_width),
        display_height: facts.and_then(|x| x.display_height),
        video_codec: facts.and_then(|x| x.video_codec.clone()),
        audio_codec: facts.and_then(|x| x.audio_codec.clone()),
        verdict: f.verdict,
        findings: f
            .findings
            .iter()
            .map(|x| FindingInfo {
                rule: x.rule.clone(),
                severity: match x.severity {
                    crate::campaign::Severity::Error => "error".to_owned(),
                    crate::campaign::Severity::Warning => "warning".to_owned(),
                },
                message: x.message.clone(),
            })
            .collect(),
    }
}

/// The manifest as written: pretty JSON, UTF-8 without BOM, LF line ends.
pub fn to_bytes(m: &Manifest) -> Vec<u8> {
    let mut out = serde_json::to_vec_pretty(m).unwrap_or_default();
    out.push(b'\n');
    out
}
