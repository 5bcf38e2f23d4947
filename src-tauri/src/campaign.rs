//! Campaign rules as data.
//!
//! A campaign file (TOML, documented in `assets/campaigns/README.md`) holds everything one
//! notice asks of an office: the categories (子项目), the file rules with their severity, the
//! quotas per unit type, the deadlines, where the works go and who to call. Loading validates
//! the whole file before anything is returned, so a campaign is either complete or refused with
//! the file, the line and the field named — it never half-loads.
//!
//! The three campaigns of the 2023 notice are embedded; `shantou-2023` is the default.

mod raw;

use std::path::Path;
use std::sync::OnceLock;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

pub use raw::parse_campaign;

/// The two ids the code knows by name — conventions the campaign README documents, not rules:
/// the declaration whose absence blocks a work (the notice: 作品必须是原创) …
pub const ORIGINAL_DECLARATION: &str = "original";
/// … and the deadline the contact-person card marks as sent.
pub const CONTACT_DEADLINE: &str = "contact-person";

/// The campaign a new library starts with.
pub const DEFAULT_CAMPAIGN_ID: &str = "shantou-2023";

/// Campaign files shipped inside the binary: (file name, contents).
const EMBEDDED: &[(&str, &str)] = &[
    (
        "shantou-2023.toml",
        include_str!("../../assets/campaigns/shantou-2023.toml"),
    ),
    (
        "guangdong-2023.toml",
        include_str!("../../assets/campaigns/guangdong-2023.toml"),
    ),
    (
        "national-2023.toml",
        include_str!("../../assets/campaigns/national-2023.toml"),
    ),
];

/// A validated campaign. Every cross-reference (unit → unit type, rule → file kind, deadline
/// time) has been checked when one of these exists.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct Campaign {
    pub id: String,
    /// Bumped whenever a rule changes, so cached check results are redone.
    pub rules_version: u32,
    pub name: String,
    pub short_name: String,
    pub level: Level,
    pub year: i32,
    pub organisers: Vec<String>,
    pub notice: Notice,
    /// IANA zone all times of the campaign are stated in.
    pub timezone: String,
    pub submission: Submission,
    pub deadlines: Vec<Deadline>,
    pub categories: Vec<Category>,
    pub file_rules: Vec<FileRule>,
    pub theme_tags: Vec<String>,
    pub declarations: Vec<Declaration>,
    pub unit_types: Vec<UnitType>,
    pub units: Vec<Unit>,
    pub contacts: Vec<Contact>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "kebab-case")]
pub enum Level {
    National,
    Provincial,
    Municipal,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct Notice {
    pub title: String,
    pub document_number: Option<String>,
    pub issued_on: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct Submission {
    pub method: SubmissionMethod,
    /// The mailbox works are emailed to, for `method = "email"`.
    pub mailbox: Option<String>,
    /// Who receives the works (e.g. 汕头市工人文化宫).
    pub recipient: String,
    pub note: Option<String>,
    /// How files are named in the package (`{序号}-{单位}-{作者}-{作品名}` unless the file says).
    pub file_pattern: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "kebab-case")]
pub enum SubmissionMethod {
    /// Packaged and emailed to `mailbox`.
    Email,
    /// Entered through a web portal by the office; the app prepares the files.
    Portal,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct Deadline {
    pub id: String,
    pub title: String,
    /// The instant, in UTC; shown in the campaign's time zone.
    #[ts(type = "string")]
    pub due: DateTime<Utc>,
    /// The due time as the notice states it, in the campaign's zone (e.g. `2023-06-08 12:00`).
    pub due_local: String,
    /// What is due and how it is sent.
    pub what: String,
    pub channel: Option<String>,
    /// True when the notice names only a month or a period, not a day.
    pub approximate: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct Category {
    pub id: String,
    pub name: String,
    pub short_name: String,
    pub accepts: Vec<FileKind>,
    pub theme: Option<String>,
    pub description: String,
    pub organiser: Option<String>,
    pub contacts: Vec<Contact>,
}

/// What a file is, judged by its content (never by its extension).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "kebab-case")]
pub enum FileKind {
    Video,
    Audio,
    Photo,
    Document,
}

impl FileKind {
    pub fn label(self) -> &'static str {
        match self {
            FileKind::Video => "视频",
            FileKind::Audio => "音频",
            FileKind::Photo => "照片",
            FileKind::Document => "文档",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "kebab-case")]
pub enum Severity {
    /// The notice requires it (不得、须): the file cannot be submitted as it is.
    Error,
    /// The notice recommends it (建议): the clerk is told, the file may still go.
    Warning,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct FileRule {
    pub id: String,
    pub applies_to: FileKind,
    pub severity: Severity,
    pub check: RuleCheck,
    /// The notice's own words this rule comes from.
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum RuleCheck {
    /// The container must be one of these (lower-case names: `mp4`, `mov`).
    Container { allowed: Vec<String> },
    /// Display aspect ratio `width:height`, landscape, within `tolerance` (relative).
    AspectRatio {
        width: u32,
        height: u32,
        tolerance: f64,
    },
    /// Display size at least `width`×`height`.
    MinResolution { width: u32, height: u32 },
    /// Duration at most `seconds`.
    MaxDuration { seconds: f64 },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct Declaration {
    pub id: String,
    pub label: String,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct UnitType {
    pub id: String,
    pub name: String,
    /// Works each unit of this type must send per category, if the notice sets a floor.
    pub min_per_category: Option<u32>,
    /// Works each unit of this type may send per category, if the notice sets a cap.
    pub max_per_category: Option<u32>,
    pub source: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct Unit {
    pub name: String,
    pub unit_type: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct Contact {
    pub name: String,
    pub organisation: String,
    pub phone: String,
    pub role: Option<String>,
}

/// Why a campaign could not be loaded. Messages are for the clerk, in Chinese.
#[derive(Debug, thiserror::Error)]
pub enum CampaignError {
    #[error("无法读取活动文件 {file}：{source}")]
    Read {
        file: String,
        #[source]
        source: std::io::Error,
    },
    #[error("活动文件 {file} 第 {line} 行{}有误：{message}", field_label(.field))]
    Invalid {
        file: String,
        line: usize,
        column: usize,
        field: String,
        message: String,
    },
    #[error("没有名为“{id}”的活动。可用的活动：{available}")]
    Unknown { id: String, available: String },
}

fn field_label(field: &str) -> String {
    if field.is_empty() {
        String::new()
    } else {
        format!("（字段 {field}）")
    }
}

impl crate::coded::Coded for CampaignError {
    fn code(&self) -> &'static str {
        match self {
            CampaignError::Read { .. } => "campaign.read",
            CampaignError::Invalid { .. } => "campaign.invalid",
            CampaignError::Unknown { .. } => "campaign.unknown",
        }
    }

    fn is_input(&self) -> bool {
        true
    }
}

impl Campaign {
    pub fn zone(&self) -> Tz {
        // Validated when the campaign was loaded.
        self.timezone.parse().unwrap_or(chrono_tz::Asia::Shanghai)
    }

    pub fn category(&self, id: &str) -> Option<&Category> {
        self.categories.iter().find(|c| c.id == id)
    }

    /// The categories a clerk may choose, for a message: `recitation（诵读）、micro-video（微视频）…`.
    pub fn category_choices(&self) -> String {
        self.categories
            .iter()
            .map(|c| format!("{}（{}）", c.id, c.name))
            .collect::<Vec<_>>()
            .join("、")
    }

    pub fn unit_type(&self, id: &str) -> Option<&UnitType> {
        self.unit_types.iter().find(|u| u.id == id)
    }

    /// The unit type a named unit belongs to, when the campaign lists it.
    pub fn unit_type_of(&self, unit_name: &str) -> Option<&UnitType> {
        let unit = self.units.iter().find(|u| u.name == unit_name)?;
        self.unit_type(&unit.unit_type)
    }

    /// The rules that apply to a file of `kind`.
    pub fn rules_for(&self, kind: FileKind) -> impl Iterator<Item = &FileRule> {
        self.file_rules.iter().filter(move |r| r.applies_to == kind)
    }
}

/// How many times the embedded files were parsed, for the test that they are parsed once.
#[cfg(test)]
static EMBEDDED_PARSES: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// The embedded campaigns, parsed and validated on first use only: every entry read asks
/// for the campaign, and parsing three TOML files each time showed in long lists.
fn parsed() -> &'static [Campaign] {
    static PARSED: OnceLock<Vec<Campaign>> = OnceLock::new();
    PARSED.get_or_init(|| {
        #[cfg(test)]
        EMBEDDED_PARSES.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        EMBEDDED
            .iter()
            .map(|(file, text)| {
                // The embedded files are tested; a failure here is a build defect, so say
                // which.
                parse_campaign(file, text)
                    .unwrap_or_else(|e| panic!("embedded campaign {file} is invalid: {e}"))
            })
            .collect()
    })
}

/// All campaigns shipped with the app, in file order.
pub fn embedded() -> Vec<Campaign> {
    parsed().to_vec()
}

/// An embedded campaign by id.
pub fn embedded_by_id(id: &str) -> Result<Campaign, CampaignError> {
    let all = parsed();
    all.iter()
        .find(|c| c.id == id)
        .cloned()
        .ok_or_else(|| CampaignError::Unknown {
            id: id.to_owned(),
            available: all
                .iter()
                .map(|c| c.id.as_str())
                .collect::<Vec<_>>()
                .join("、"),
        })
}

/// The file an embedded campaign was read from and its text (for 关于 and the diagnostics: which
/// rules this build holds).
pub fn embedded_source(id: &str) -> Option<(&'static str, &'static str)> {
    let index = parsed().iter().position(|c| c.id == id)?;
    EMBEDDED.get(index).copied()
}

/// Loads a campaign file from disk.
pub fn load_file(path: &Path) -> Result<Campaign, CampaignError> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| CampaignError::Read {
        file: file.clone(),
        source,
    })?;
    parse_campaign(&file, &text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::coded::Coded;

    #[test]
    fn embedded_campaigns_are_parsed_once_and_every_call_gets_the_same() {
        let first = embedded();
        assert_eq!(embedded(), first);
        assert_eq!(
            embedded_by_id(DEFAULT_CAMPAIGN_ID).expect("default"),
            embedded_by_id(DEFAULT_CAMPAIGN_ID).expect("default again")
        );
        assert_eq!(embedded_by_id("national-2023").expect("national"), first[2]);
        // Other tests in this process call these too: still one parse in all.
        assert_eq!(EMBEDDED_PARSES.load(std::sync::atomic::Ordering::SeqCst), 1);
    }

    #[test]
    fn embedded_campaigns_all_load() {
        let all = embedded();
        let ids: Vec<&str> = all.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, ["shantou-2023", "guangdong-2023", "national-2023"]);
    }

    #[test]
    fn shantou_default_holds_the_notice_rules() {
        let c = embedded_by_id(DEFAULT_CAMPAIGN_ID).expect("default campaign");
        assert_eq!(c.submission.mailbox.as_deref(), Some("1718755663@qq.com"));
        assert_eq!(c.submission.method, SubmissionMethod::Email);
        let cats: Vec<&str> = c.categories.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(cats, ["recitation", "micro-video"]);
        assert_eq!(
            c.category("recitation").map(|c| c.name.as_str()),
            Some("网络正能量诵读作品")
        );
        assert_eq!(
            c.category("micro-video").map(|c| c.name.as_str()),
            Some("各级劳模、先进人物微视频")
        );

        let min = |t: &str| c.unit_type(t).and_then(|u| u.min_per_category);
        assert_eq!(min("district"), Some(10));
        assert_eq!(min("county-or-zone"), Some(5));
        assert_eq!(min("municipal-direct"), Some(1));

        let video_rules: Vec<(&str, Severity)> = c
            .rules_for(FileKind::Video)
            .map(|r| (r.id.as_str(), r.severity))
            .collect();
        assert!(video_rules.contains(&("video-container", Severity::Error)));
        assert!(video_rules.contains(&("video-aspect", Severity::Error)));
        assert!(video_rules.contains(&("video-min-resolution", Severity::Error)));
        assert!(video_rules.contains(&("video-max-duration", Severity::Warning)));

        let districts: Vec<&str> = c
            .units
            .iter()
            .filter(|u| u.unit_type == "district")
            .map(|u| u.name.as_str())
            .collect();
        assert_eq!(districts.len(), 6, "{districts:?}");
        assert_eq!(
            c.unit_type_of("南澳县总工会").map(|u| u.id.as_str()),
            Some("county-or-zone")
        );
        assert!(c.theme_tags.iter().any(|t| t == "工匠精神"));
    }

    #[test]
    fn shantou_deadlines_are_shanghai_time() {
        let c = embedded_by_id(DEFAULT_CAMPAIGN_ID).expect("default campaign");
        let contact = c
            .deadlines
            .iter()
            .find(|d| d.id == CONTACT_DEADLINE)
            .expect("contact");
        // 2023-06-08 12:00 in Shanghai is 04:00 UTC.
        assert_eq!(contact.due.to_rfc3339(), "2023-06-08T04:00:00+00:00");
        assert_eq!(contact.due_local, "2023-06-08 12:00");
        let works = c.deadlines.iter().find(|d| d.id == "works").expect("works");
        assert_eq!(works.due_local, "2023-06-25 23:59");
    }

    #[test]
    fn guangdong_caps_ten_per_category_and_uses_the_portal() {
        let c = embedded_by_id("guangdong-2023").expect("guangdong");
        assert_eq!(c.categories.len(), 4);
        assert_eq!(c.submission.method, SubmissionMethod::Portal);
        assert!(c.unit_types.iter().all(|u| u.max_per_category == Some(10)));
    }

    #[test]
    fn national_has_ten_sub_projects_with_organisers() {
        let c = embedded_by_id("national-2023").expect("national");
        assert_eq!(c.categories.len(), 10);
        assert!(c.categories.iter().all(|c| c.organiser.is_some()));
    }

    #[test]
    fn an_embedded_campaign_names_the_file_it_came_from() {
        let (file, text) = embedded_source(DEFAULT_CAMPAIGN_ID).expect("the default is embedded");
        assert!(file.ends_with("shantou-2023.toml"), "{file}");
        assert!(text.contains(DEFAULT_CAMPAIGN_ID));
        assert_eq!(embedded_source("no-such-campaign"), None);
    }

    #[test]
    fn unknown_campaign_lists_the_available_ones() {
        let err = embedded_by_id("shantou-2099").expect_err("unknown");
        assert_eq!(err.code(), "campaign.unknown");
        assert!(err.to_string().contains("shantou-2023"), "{err}");
    }
}
