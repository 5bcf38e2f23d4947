//! The batch (报送批次): what one submission holds, frozen when it is made.
//!
//! A batch is made from the *ready* works of the selection (see [`crate::selection`]) as a
//! snapshot: the office, contact person, quotas, every work's catalog data, verdict and
//! override reason, every file's hash and its name in the package. The library stores the
//! snapshot in its own tables; later edits to an entry never change a batch already made.
//!
//! This module is pure: [`draft`] turns the catalog into what a batch would hold (with the
//! works left out and why, and the warnings), and the submodules write the package from a
//! [`Batch`]. The library (`library/batches.rs`) stores and numbers batches.

pub mod manifest;
pub mod plan;
pub mod rows;

use std::collections::HashSet;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::campaign::CONTACT_DEADLINE;
use crate::campaign::Campaign;
use crate::checks::{Finding, Verdict};
use crate::dashboard::{Dashboard, DeadlineState, QuotaState};
use crate::entry::{Entry, EntryFields};
use crate::media::MediaFacts;
use crate::naming;
use crate::office::Office;
use crate::selection::{self, Readiness};

/// The longest path (in characters) a file may have inside the package, so the package can
/// be unpacked a few folders deep on Windows (MAX_PATH is 260 with the drive and folders).
pub const MAX_PACKAGE_PATH: usize = 240;

/// The frozen circumstances of a batch: who sends what, to whom, against which quotas.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct BatchHeader {
    pub campaign_id: String,
    pub campaign_name: String,
    pub campaign_short_name: String,
    pub campaign_year: i32,
    /// Where the batch goes (the campaign's `submission.mailbox`), if by mail.
    pub mailbox: Option<String>,
    pub recipient: String,
    pub office_name: String,
    pub unit_type: String,
    pub unit_type_name: Option<String>,
    pub contact_name: String,
    pub contact_title: String,
    pub contact_phone: String,
    pub categories: Vec<BatchCategory>,
    /// What only warned when the batch was made (quota short or over, deadline passed).
    pub warnings: Vec<String>,
    /// Selected works that were left out, with why.
    pub left_out: Vec<LeftOut>,
    /// The file naming pattern used.
    pub naming_pattern: String,
}

/// One category of the batch: its folder in the package and its count against the quota.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct BatchCategory {
    pub id: String,
    pub name: String,
    pub short_name: String,
    /// `01-诵读`.
    pub folder: String,
    /// Works of this category in the batch.
    pub count: u32,
    pub min: Option<u32>,
    pub max: Option<u32>,
}

/// A selected work that stayed out of the batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct LeftOut {
    #[ts(type = "number")]
    pub entry_id: i64,
    pub title: String,
    pub category: String,
    pub category_name: String,
    pub problems: Vec<String>,
}

/// A work as it went into the batch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct BatchEntry {
    /// The library entry it was made from.
    #[ts(type = "number")]
    pub entry_id: i64,
    /// Its fields as they were when the batch was made.
    #[serde(flatten)]
    #[ts(flatten)]
    pub fields: EntryFields,
    pub category_name: String,
    /// 序号 within the category, 1-based.
    pub seq: u32,
    pub verdict: Verdict,
    /// Why it goes although its files fail a check (已特批); travels to the 汇总表 and manifest.
    pub special_reason: Option<String>,
    pub warnings: Vec<String>,
    #[serde(default)]
    pub files: Vec<BatchFile>,
}

/// A file as it went into the batch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct BatchFile {
    pub original_name: String,
    /// Relative to the library folder.
    pub stored_path: String,
    /// `02-微视频/01-金平区总工会-张三-最美劳动者.mp4`, `/`-separated.
    pub package_path: String,
    #[ts(type = "number")]
    pub size: u64,
    pub sha256: String,
    pub facts: Option<MediaFacts>,
    pub verdict: Verdict,
    pub findings: Vec<Finding>,
}

/// A stored batch.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct Batch {
    #[ts(type = "number")]
    pub id: i64,
    /// 第k批, numbered per campaign.
    pub number: u32,
    /// 补报: only works not already in a sent or exported batch.
    pub supplement: bool,
    pub created_at: String,
    pub exported_at: Option<String>,
    pub sent_at: Option<String>,
    pub header: BatchHeader,
    pub entries: Vec<BatchEntry>,
}

impl Batch {
    /// 第1批 / 第2批（补报）.
    pub fn label(&self) -> String {
        if self.supplement {
            format!("第{}批（补报）", self.number)
        } else {
            format!("第{}批", self.number)
        }
    }

    /// The package's folder name: `金平区总工会-汕头好网民2023-第1批`.
    pub fn package_name(&self) -> String {
        naming::safe_component(
            &format!(
                "{}-{}-第{}批",
                self.header.office_name, self.header.campaign_short_name, self.number
            ),
            80,
        )
    }

    pub fn files(&self) -> impl Iterator<Item = (&BatchEntry, &BatchFile)> {
        self.entries
            .iter()
            .flat_map(|e| e.files.iter().map(move |f| (e, f)))
    }

    pub fn total_bytes(&self) -> u64 {
        self.files().map(|(_, f)| f.size).sum()
    }
}

/// A batch as a list shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct BatchSummary {
    #[ts(type = "number")]
    pub id: i64,
    pub number: u32,
    pub supplement: bool,
    pub label: String,
    pub created_at: String,
    pub exported_at: Option<String>,
    pub sent_at: Option<String>,
    pub works: u32,
    pub files: u32,
    #[ts(type = "number")]
    pub bytes: u64,
    /// `诵读 12件、微视频 10件`.
    pub contents: String,
}

impl From<&Batch> for BatchSummary {
    fn from(b: &Batch) -> Self {
        let contents: Vec<String> = b
            .header
            .categories
            .iter()
            .map(|c| format!("{} {}件", c.short_name, c.count))
            .collect();
        BatchSummary {
            id: b.id,
            number: b.number,
            supplement: b.supplement,
            label: b.label(),
            created_at: b.created_at.clone(),
            exported_at: b.exported_at.clone(),
            sent_at: b.sent_at.clone(),
            works: u32::try_from(b.entries.len()).unwrap_or(u32::MAX),
            files: u32::try_from(b.files().count()).unwrap_or(u32::MAX),
            bytes: b.total_bytes(),
            contents: contents.join("、"),
        }
    }
}

/// What the clerk asks for.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct BatchRequest {
    /// Category ids; empty means every category of the campaign.
    pub categories: Vec<String>,
    /// 补报: leave out works already in a sent or exported batch.
    pub supplement: bool,
}

/// What a batch would hold, shown before it is made.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct Draft {
    pub header: BatchHeader,
    pub entries: Vec<BatchEntry>,
    /// Works skipped because an earlier batch already holds them (补报 only).
    pub already_sent: Vec<LeftOut>,
}

/// Everything a draft is made from.
pub struct DraftInputs<'a> {
    pub campaign: &'a Campaign,
    pub office: &'a Office,
    /// Live entries, judged against `campaign`.
    pub entries: &'a [Entry],
    /// The dashboard at the moment of the draft (quotas and deadlines for the warnings).
    pub dashboard: &'a Dashboard,
    /// Entries already in a sent or exported batch (left out of a supplement).
    pub already_batched: &'a HashSet<i64>,
    pub request: &'a BatchRequest,
}

#[derive(Debug, thiserror::Error)]
pub enum DraftError {
    #[error("本活动没有“{0}”这个类别。")]
    UnknownCategory(String),
    #[error("没有可以报送的作品：{0}")]
    Empty(String),
}

/// The batch the catalog would give now: ready works in, blocked ones out with why.
pub fn draft(inputs: &DraftInputs<'_>) -> Result<Draft, DraftError> {
    let DraftInputs {
        campaign,
        office,
        entries,
        dashboard,
        already_batched,
        request,
    } = *inputs;
    if let Some(bad) = request
        .categories
        .iter()
        .find(|id| campaign.category(id).is_none())
    {
        return Err(DraftError::UnknownCategory(bad.clone()));
    }
    let only = (!request.categories.is_empty()).then_some(request.categories.as_slice());
    let chosen = selection::select(campaign, entries, only);
    let unit_type = campaign.unit_type(&office.unit_type);
    let pattern = campaign.submission.file_pattern.as_str();

    let mut out = Vec::new();
    let mut left_out = Vec::new();
    let mut already_sent = Vec::new();
    let mut categories = Vec::new();
    for cat in &chosen {
        let folder =
            naming::safe_component(&format!("{:02}-{}", cat.index, cat.category.short_name), 40);
        let mut seq = 0u32;
        let mut works = Vec::new();
        for s in &cat.selected {
            let e = s.entry;
            let left = |problems: Vec<String>| LeftOut {
                entry_id: e.id,
                title: e.fields.title.clone(),
                category: cat.category.id.clone(),
                category_name: cat.category.short_name.clone(),
                problems,
            };
            if request.supplement && already_batched.contains(&e.id) {
                already_sent.push(left(vec!["已在之前的批次中报送".to_owned()]));
                continue;
            }
            let special_reason = match &s.readiness {
                Readiness::Blocked { problems } => {
                    left_out.push(left(problems.clone()));
                    continue;
                }
                Readiness::Special { reason } => Some(reason.clone()),
                Readiness::Ready => None,
            };
            seq += 1;
            works.push(BatchEntry {
                entry_id: e.id,
                fields: EntryFields {
                    category: cat.category.id.clone(),
                    ..e.fields.clone()
                },
                category_name: cat.category.short_name.clone(),
                seq,
                verdict: e.verdict,
                special_reason,
                warnings: s.warnings.clone(),
                files: e
                    .files
                    .iter()
                    .map(|f| BatchFile {
                        original_name: f.original_name.clone(),
                        stored_path: f.stored_path.clone(),
                        package_path: String::new(),
                        size: f.size,
                        sha256: f.sha256.clone(),
                        facts: f.facts.clone(),
                        verdict: f.check.as_ref().map_or(Verdict::Fail, |c| c.verdict),
                        findings: f
                            .check
                            .as_ref()
                            .map(|c| c.findings.clone())
                            .unwrap_or_default(),
                    })
                    .collect(),
            });
        }
        name_files(pattern, &folder, &mut works);
        categories.push(BatchCategory {
            id: cat.category.id.clone(),
            name: cat.category.name.clone(),
            short_name: cat.category.short_name.clone(),
            folder,
            count: u32::try_from(works.len()).unwrap_or(u32::MAX),
            min: unit_type.and_then(|u| u.min_per_category),
            max: unit_type.and_then(|u| u.max_per_category),
        });
        out.extend(works);
    }

    let mut warnings = Vec::new();
    for q in &dashboard.quotas {
        if categories.iter().any(|c| c.id == q.category)
            && matches!(q.state, QuotaState::Short | QuotaState::Over)
        {
            warnings.push(format!("{}：{}", q.short_name, q.message));
        }
    }
    for d in &dashboard.deadlines {
        if d.office_task && d.state == DeadlineState::Passed && d.id != CONTACT_DEADLINE {
            warnings.push(format!("已超过截止时间：{}（{}）", d.title, d.due_local));
        }
    }
    if out.is_empty() {
        let why = match (already_sent.is_empty(), left_out.is_empty()) {
            (false, false) => "推荐报送的作品有的已在之前的批次中报送，其余的还有问题，请先处理。",
            (false, true) => "推荐报送的作品都已在之前的批次中报送。",
            (true, false) => "推荐报送的作品都还有问题，请先处理（见不能报送的作品）。",
            (true, true) => "还没有推荐报送的作品。请在“作品”中审核并勾选“推荐报送”。",
        };
        return Err(DraftError::Empty(why.to_owned()));
    }
    Ok(Draft {
        header: BatchHeader {
            campaign_id: campaign.id.clone(),
            campaign_name: campaign.name.clone(),
            campaign_short_name: campaign.short_name.clone(),
            campaign_year: campaign.year,
            mailbox: campaign.submission.mailbox.clone(),
            recipient: campaign.submission.recipient.clone(),
            office_name: office.name.clone(),
            unit_type: office.unit_type.clone(),
            unit_type_name: unit_type.map(|u| u.name.clone()),
            contact_name: office.contact_name.clone(),
            contact_title: office.contact_title.clone(),
            contact_phone: office.contact_phone.clone(),
            categories,
            warnings,
            left_out,
            naming_pattern: pattern.to_owned(),
        },
        entries: out,
        already_sent,
    })
}

/// Gives every file of one category's works its name in the package.
fn name_files(pattern: &str, folder: &str, works: &mut [BatchEntry]) {
    // Names come back in the order the files are given: every file of every work, in order.
    let fields: Vec<naming::NameFields<'_>> = works
        .iter()
        .flat_map(|w| {
            let several = w.files.len() > 1;
            w.files
                .iter()
                .enumerate()
                .map(move |(i, f)| naming::NameFields {
                    seq: w.seq,
                    unit: &w.fields.unit,
                    authors: &w.fields.authors,
                    title: &w.fields.title,
                    category: &w.category_name,
                    ext: f
                        .facts
                        .as_ref()
                        .and_then(|facts| crate::media::extension(&facts.container))
                        .or_else(|| {
                            std::path::Path::new(&f.original_name)
                                .extension()
                                .and_then(|x| x.to_str())
                        })
                        .unwrap_or(""),
                    part: several.then(|| u32::try_from(i + 1).unwrap_or(u32::MAX)),
                })
        })
        .collect();
    let mut names = naming::name_files(pattern, folder, &fields, MAX_PACKAGE_PATH).into_iter();
    for f in works.iter_mut().flat_map(|w| w.files.iter_mut()) {
        let name = names.next().unwrap_or_default();
        f.package_path = format!("{folder}/{name}");
    }
}

/// What an export wrote: the record a batch keeps of where its package went.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
pub struct ExportReport {
    /// The package folder, absolute.
    pub folder: String,
    pub files: u32,
    #[ts(type = "number")]
    pub bytes: u64,
}
