//! Domain: the municipal office's picture of the city (市级收件) — what each unit has sent per
//! category, how much of it passes the city's own checks, and a status a clerk reads against
//! the campaign's quotas and its works deadline. Pure: the store hands in the received works.

pub mod rows;

use chrono::{DateTime, Utc};
use serde::Serialize;
use ts_rs::TS;

use crate::campaign::Campaign;
use crate::checks::{Finding, Verdict};

pub mod reply;

/// A problem with a received batch, in Chinese (the store keeps them; the replies name them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ReceivedProblem {
    pub path: String,
    /// `missing`, `extra`, `different`, `unreadable`, `sums`.
    pub kind: String,
    pub message: String,
}

/// One file of a received work: the district's statement and what the city found.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct ReceivedFile {
    /// Its row in the receiving library (for its thumbnail and playing it).
    #[ts(type = "number")]
    pub id: i64,
    /// The file's name in the package (its last path segment).
    pub name: String,
    /// Its path in the package, `/`-separated.
    pub path: String,
    /// The district's stated SHA-256.
    pub sha256: String,
    #[ts(type = "number")]
    pub size: u64,
    /// The bytes received match the stated SHA-256.
    pub verified: bool,
    /// True once any bytes for it arrived (false: still to come).
    pub arrived: bool,
    /// 待补: not arrived, and the district's mail says it travels another way (另行传送, a
    /// 超大附件 link); the clerk fetches it by hand and gives it to `receive --files`.
    pub pending: bool,
    /// The 超大附件 download link for a pending file, when the mail gave one.
    pub link: Option<String>,
    /// The district's verdict, as its manifest states.
    pub district_verdict: Verdict,
    /// The city's verdict by its own copy of the rules (None until the bytes arrived).
    pub verdict: Option<Verdict>,
    pub findings: Vec<Finding>,
}

/// A received work, with the batch it came in.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct ReceivedWork {
    pub office: String,
    /// `第1批`, `第2批（补报）`, with `（第2版）` when resent with changes.
    pub batch: String,
    #[ts(type = "number")]
    pub batch_id: i64,
    pub category: String,
    pub seq: u32,
    pub title: String,
    pub authors: Vec<String>,
    pub unit: String,
    /// The district's 已特批 reason, kept visible beside the city's verdict.
    pub special_reason: Option<String>,
    /// The district's verdict for the work.
    pub district_verdict: Verdict,
    /// The city's: the worst of its files' (None while a file is still to come).
    pub verdict: Option<Verdict>,
    /// In Chinese: files missing, different from the stated hash, failing the city's checks.
    pub problems: Vec<String>,
    /// In Chinese: files 待补 (sent another way, still to fetch by hand), with size and SHA-256.
    pub pending: Vec<String>,
    pub files: Vec<ReceivedFile>,
}

impl ReceivedWork {
    /// Counts towards the quota: every file arrived intact and passes the city's checks
    /// (warnings allowed), or fails only where the district recorded a 特批 reason.
    pub fn passing(&self) -> bool {
        let intact = !self.files.is_empty() && self.files.iter().all(|f| f.verified);
        intact
            && match self.verdict {
                Some(Verdict::Pass | Verdict::Warn) => true,
                Some(Verdict::Fail) => self.special_reason.is_some(),
                None => false,
            }
    }

    /// Waits only for files sent another way (待补): every other file arrived intact and
    /// nothing of it fails without the district's 特批 reason.
    pub fn only_pending(&self) -> bool {
        let waiting = self.files.iter().any(|f| f.pending);
        let rest_intact = self.files.iter().all(|f| f.pending || f.verified);
        let rest_passes = self.files.iter().all(|f| {
            f.pending || f.verdict != Some(Verdict::Fail) || self.special_reason.is_some()
        });
        waiting && rest_intact && rest_passes
    }
}

/// A category of one unit, as the 全市 table shows it.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct CategoryStatus {
    pub category: String,
    pub name: String,
    pub received: u32,
    pub passing: u32,
    /// Works waiting only for files the district sent another way (待补); they count once
    /// filled in.
    pub pending: u32,
    pub min: Option<u32>,
    pub max: Option<u32>,
    pub status: UnitState,
    /// The status in words (`还差3件`, `超出2件`, `2件有问题`).
    pub text: String,
}

/// How a unit stands in a category.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "kebab-case")]
pub enum UnitState {
    /// Nothing received in this category yet.
    NotSent,
    /// Nothing received and the works deadline has passed.
    Overdue,
    /// Fewer passing works than the floor.
    Short,
    /// Works that arrived damaged, different or failing the city's checks.
    Problems,
    /// The floor is met (and the cap kept).
    Met,
    /// More works than the cap.
    Over,
}

impl UnitState {
    pub fn label(self) -> &'static str {
        match self {
            UnitState::NotSent => "未报送",
            UnitState::Overdue => "逾期未报",
            UnitState::Short => "不足",
            UnitState::Problems => "有问题",
            UnitState::Met => "已达标",
            UnitState::Over => "超出",
        }
    }
}

/// One unit of the city: listed in the campaign, or known from its first batch.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct UnitStatus {
    pub office: String,
    pub unit_type: String,
    pub unit_type_name: Option<String>,
    /// Listed in the campaign's `[[units]]` (false: a municipal-direct union that sent).
    pub listed: bool,
    /// Batches received (current versions).
    pub batches: u32,
    pub categories: Vec<CategoryStatus>,
}

/// The whole city at a glance.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct CityStatus {
    pub campaign: String,
    /// The works deadline in the campaign's zone, and whether it has passed.
    pub deadline: Option<String>,
    pub deadline_passed: bool,
    pub districts: Vec<UnitStatus>,
}

/// A unit that has sent: its name, unit type and the current batches' count.
pub struct Sender {
    pub office: String,
    pub unit_type: String,
    pub batches: u32,
}

/// The city's status: every unit of the campaign, then any other unit that sent, each with
/// every category, from the current versions' `works`.
pub fn status(
    campaign: &Campaign,
    senders: &[Sender],
    works: &[ReceivedWork],
    now: DateTime<Utc>,
) -> CityStatus {
    let deadline = campaign.deadlines.iter().find(|d| d.id == "works");
    let passed = deadline.is_some_and(|d| now > d.due);
    let mut units: Vec<(String, String, bool)> = campaign
        .units
        .iter()
        .map(|u| (u.name.clone(), u.unit_type.clone(), true))
        .collect();
    for s in senders {
        if !units.iter().any(|(name, _, _)| *name == s.office) {
            units.push((s.office.clone(), s.unit_type.clone(), false));
        }
    }
    let districts = units
        .into_iter()
        .map(|(office, unit_type, listed)| {
            let kind = campaign.unit_type(&unit_type);
            let categories = campaign
                .categories
                .iter()
                .map(|c| {
                    let here: Vec<&ReceivedWork> = works
                        .iter()
                        .filter(|w| w.office == office && w.category == c.id)
                        .collect();
                    category_status(
                        &c.id,
                        &c.name,
                        &here,
                        kind.and_then(|k| k.min_per_category),
                        kind.and_then(|k| k.max_per_category),
                        passed,
                    )
                })
                .collect();
            UnitStatus {
                batches: senders
                    .iter()
                    .find(|s| s.office == office)
                    .map_or(0, |s| s.batches),
                unit_type_name: kind.map(|k| k.name.clone()),
                office,
                unit_type,
                listed,
                categories,
            }
        })
        .collect();
    CityStatus {
        campaign: campaign.id.clone(),
        deadline: deadline.map(|d| d.due_local.clone()),
        deadline_passed: passed,
        districts,
    }
}

fn category_status(
    id: &str,
    name: &str,
    works: &[&ReceivedWork],
    min: Option<u32>,
    max: Option<u32>,
    deadline_passed: bool,
) -> CategoryStatus {
    let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    let received = count(works.len());
    let passing = count(works.iter().filter(|w| w.passing()).count());
    let pending = count(works.iter().filter(|w| w.only_pending()).count());
    let troubled = received - passing - pending;
    let (status, mut text) = if received == 0 {
        if deadline_passed {
            (UnitState::Overdue, "截止时间已过，未收到作品".to_owned())
        } else {
            (UnitState::NotSent, "尚未收到".to_owned())
        }
    } else if troubled > 0 {
        (UnitState::Problems, format!("{troubled}件有问题"))
    } else if let Some(min) = min.filter(|m| passing < *m) {
        (UnitState::Short, format!("还差{}件", min - passing))
    } else if let Some(max) = max.filter(|m| received > *m) {
        (UnitState::Over, format!("超出{}件", received - max))
    } else {
        (UnitState::Met, format!("{passing}件合格"))
    };
    if pending > 0 {
        text.push_str(&format!("，{pending}件待补"));
    }
    CategoryStatus {
        category: id.to_owned(),
        name: name.to_owned(),
        received,
        passing,
        pending,
        min,
        max,
        status,
        text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::campaign;

    fn work(office: &str, category: &str, verified: bool, verdict: Verdict) -> ReceivedWork {
        ReceivedWork {
            office: office.into(),
            batch: "第1批".into(),
            batch_id: 1,
            category: category.into(),
            seq: 1,
            title: "作品".into(),
            authors: vec!["张三".into()],
            unit: String::new(),
            special_reason: None,
            district_verdict: Verdict::Pass,
            verdict: Some(verdict),
            problems: Vec::new(),
            pending: Vec::new(),
            files: vec![ReceivedFile {
                id: 1,
                name: "a.mp4".into(),
                path: "01-微视频/a.mp4".into(),
                sha256: "0".repeat(64),
                size: 1,
                verified,
                arrived: true,
                pending: false,
                link: None,
                district_verdict: Verdict::Pass,
                verdict: Some(verdict),
                findings: Vec::new(),
            }],
        }
    }

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .expect("time")
            .with_timezone(&Utc)
    }

    #[test]
    fn every_listed_unit_is_present_and_a_stranger_that_sent_joins_them() {
        let c = campaign::embedded_by_id(campaign::DEFAULT_CAMPAIGN_ID).expect("campaign");
        let cat = c.categories[0].id.clone();
        let works = vec![work("汕头市某直属工会", &cat, true, Verdict::Pass)];
        let senders = [Sender {
            office: "汕头市某直属工会".into(),
            unit_type: "municipal-direct".into(),
            batches: 1,
        }];
        let s = status(&c, &senders, &works, at("2023-06-10T12:00:00+08:00"));
        assert_eq!(s.districts.len(), c.units.len() + 1);
        assert!(s.districts[..c.units.len()].iter().all(|d| d.listed));
        let stranger = s.districts.last().expect("the stranger");
        assert!(!stranger.listed);
        assert_eq!(stranger.batches, 1);
        assert_eq!(stranger.categories[0].received, 1);
        assert_eq!(stranger.categories.len(), c.categories.len());
        let first = &s.districts[0];
        assert_eq!(first.categories[0].status, UnitState::NotSent);
        assert!(!s.deadline_passed);
    }

    #[test]
    fn a_unit_reads_short_met_with_problems_or_overdue() {
        let c = campaign::embedded_by_id(campaign::DEFAULT_CAMPAIGN_ID).expect("campaign");
        let cat = c.categories[0].id.clone();
        let office = c.units[0].name.clone();
        let min = c
            .unit_type(&c.units[0].unit_type)
            .and_then(|u| u.min_per_category)
            .expect("the notice sets a floor for districts");
        let before = at("2023-06-20T12:00:00+08:00");
        let after = at("2023-06-26T00:00:01+08:00");
        let one = vec![work(&office, &cat, true, Verdict::Warn)];
        let s = status(&c, &[], &one, before);
        let q = &s.districts[0].categories[0];
        assert_eq!((q.status, q.passing), (UnitState::Short, 1));
        assert_eq!(q.text, format!("还差{}件", min - 1));

        let enough: Vec<_> = (0..min)
            .map(|_| work(&office, &cat, true, Verdict::Pass))
            .collect();
        let s = status(&c, &[], &enough, before);
        assert_eq!(s.districts[0].categories[0].status, UnitState::Met);

        let mut damaged = enough.clone();
        damaged.push(work(&office, &cat, false, Verdict::Pass));
        let s = status(&c, &[], &damaged, before);
        let q = &s.districts[0].categories[0];
        assert_eq!(
            (q.status, q.text.as_str()),
            (UnitState::Problems, "1件有问题")
        );

        let s = status(&c, &[], &[], after);
        assert!(s.deadline_passed);
        assert_eq!(s.districts[0].categories[0].status, UnitState::Overdue);
    }

    #[test]
    fn a_work_waiting_for_a_file_sent_another_way_is_pending_not_a_problem() {
        let c = campaign::embedded_by_id(campaign::DEFAULT_CAMPAIGN_ID).expect("campaign");
        let cat = c.categories[0].id.clone();
        let office = c.units[0].name.clone();
        let before = at("2023-06-20T12:00:00+08:00");
        let mut awaited = work(&office, &cat, false, Verdict::Pass);
        awaited.verdict = None;
        awaited.files[0].arrived = false;
        awaited.files[0].verdict = None;
        awaited.files[0].pending = true;
        assert!(awaited.only_pending() && !awaited.passing());
        let both = vec![work(&office, &cat, true, Verdict::Pass), awaited.clone()];
        let s = status(&c, &[], &both, before);
        let q = &s.districts[0].categories[0];
        assert_eq!((q.received, q.passing, q.pending), (2, 1, 1));
        assert_ne!(q.status, UnitState::Problems);
        assert!(q.text.ends_with("，1件待补"), "{}", q.text);
        // A damaged file beside it is a problem all the same.
        let mut damaged = awaited;
        damaged
            .files
            .push(work(&office, &cat, false, Verdict::Pass).files[0].clone());
        assert!(!damaged.only_pending());
        let s = status(&c, &[], &[damaged], before);
        assert_eq!(s.districts[0].categories[0].status, UnitState::Problems);
    }

    #[test]
    fn a_failing_work_counts_only_with_the_districts_special_reason() {
        let mut w = work("金平区总工会", "micro-video", true, Verdict::Fail);
        assert!(!w.passing());
        w.special_reason = Some("作者已确认原片即为此分辨率".into());
        assert!(w.passing());
        w.files[0].verified = false;
        assert!(!w.passing(), "different bytes never count");
    }
}
