//! The office's dashboard: "are we on track, and what is missing?"
//!
//! Everything here is arithmetic over what the library already knows — the campaign's quotas
//! for the office's unit type, the entries with their verdicts and review state, the deadlines
//! and their 已报送 marks — at an instant `now` the caller passes in. Nothing reads the clock
//! itself, so tests (and `baosong-cli status --now`) can stand at any moment of the campaign.
//!
//! Definitions, in the notice's terms:
//! - *selected* (已推荐): entries marked 推荐报送 in the category;
//! - *passing* (合格): selected, every file passes the checks (warnings allowed), the
//!   originality declaration confirmed when the campaign has one, authors filled in, and not
//!   sent back (需修改);
//! - the floor (不少于) counts passing works, the cap (不超过) counts everything selected: a work
//!   that goes out counts against the cap whether or not it is ready.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use ts_rs::TS;

use crate::campaign::{Campaign, Deadline, Level, UnitType};
use crate::entry::Entry;
use crate::office::Office;
use crate::selection::{self, Readiness};

use crate::campaign::CONTACT_DEADLINE;
/// A deadline this close is shown as 即将截止.
const SOON_SECONDS: i64 = 3 * 24 * 3600;

/// The whole first screen.
#[derive(Debug, Clone, Serialize, TS)]
pub struct Dashboard {
    /// The instant the picture is for.
    #[ts(type = "string")]
    pub now: DateTime<Utc>,
    /// `now` in the campaign's zone, `2023-06-08 11:59`.
    pub now_local: String,
    pub campaign_id: String,
    pub campaign_name: String,
    pub campaign_short_name: String,
    pub level: Level,
    pub office_name: String,
    /// The office's unit type in this campaign (None if the campaign does not list it).
    pub unit_type: Option<UnitType>,
    pub quotas: Vec<Quota>,
    pub deadlines: Vec<DeadlineStatus>,
    /// Selected works that cannot go out as they are.
    pub blockers: Vec<Blocker>,
    /// Selected works whose files fail a check but go out with the clerk's written reason.
    pub special: Vec<SpecialApproval>,
    pub contact: ContactPerson,
    /// One sentence for the top of the screen.
    pub headline: String,
    /// True when every quota is met, nothing blocks and no office deadline has passed undone.
    pub on_track: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "kebab-case")]
pub enum QuotaState {
    /// Fewer passing works than the floor.
    Short,
    /// More selected works than the cap.
    Over,
    /// Within the quota.
    Met,
    /// The campaign sets no number for this unit type.
    Open,
}

/// One category (子项目) against the office's quota.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Quota {
    pub category: String,
    pub name: String,
    pub short_name: String,
    /// Works in the catalog in this category.
    pub entries: u32,
    /// 推荐报送.
    pub selected: u32,
    /// Selected and ready to go out: the files pass the checks (warnings allowed), originality
    /// is declared, and it is not sent back for changes.
    pub passing: u32,
    pub min: Option<u32>,
    pub max: Option<u32>,
    /// Ready works still needed to reach the floor.
    pub missing: u32,
    /// Selected works beyond the cap.
    pub excess: u32,
    pub state: QuotaState,
    /// In plain words: 还差3件, 超出2件, 已达要求.
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "kebab-case")]
pub enum DeadlineState {
    Upcoming,
    /// Less than three days left.
    Soon,
    Passed,
    /// Marked 已报送.
    Done,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct DeadlineStatus {
    pub id: String,
    pub title: String,
    pub what: String,
    pub channel: Option<String>,
    #[ts(type = "string")]
    pub due: DateTime<Utc>,
    pub due_local: String,
    pub approximate: bool,
    /// Something the office itself sends (it has a channel), rather than a step of the
    /// organisers; only these can be marked 已报送.
    pub office_task: bool,
    /// Seconds from `now` to the due instant; negative once it has passed.
    #[ts(type = "number")]
    pub seconds_left: i64,
    /// The due day is today in the campaign's zone.
    pub due_today: bool,
    pub state: DeadlineState,
    /// 还剩3天4小时, 已超过截止时间2小时, 已报送（2023-06-07）.
    pub remaining: String,
    /// YYYY-MM-DD the office marked it sent.
    pub done_on: Option<String>,
}

/// A selected work that cannot go out as it is, with every reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Blocker {
    #[ts(type = "number")]
    pub entry_id: i64,
    pub title: String,
    pub category: String,
    pub category_name: String,
    pub problems: Vec<String>,
}

/// A work that goes out although its files fail a check (已特批), with the clerk's reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct SpecialApproval {
    #[ts(type = "number")]
    pub entry_id: i64,
    pub title: String,
    pub category: String,
    pub category_name: String,
    pub reason: String,
}

/// The contact person the notice asks for, as text ready to paste into 粤政易.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ContactPerson {
    pub name: String,
    pub title: String,
    pub phone: String,
    /// The labels of what is still empty (姓名、单位职务、联系电话).
    pub missing: Vec<String>,
    pub text: String,
    /// Where it goes, as the notice says (e.g. 通过粤政易发送至市总工会联系人…).
    pub send_to: Option<String>,
    /// The deadline that marks it sent, when the campaign has one.
    pub deadline_id: Option<String>,
    pub submitted_on: Option<String>,
}

/// Everything the dashboard is computed from.
pub struct Inputs<'a> {
    pub campaign: &'a Campaign,
    pub office: &'a Office,
    /// Live (not deleted) entries, judged against `campaign`.
    pub entries: &'a [Entry],
    /// Deadline id → the day it was marked sent.
    pub marks: &'a HashMap<String, NaiveDate>,
    pub now: DateTime<Utc>,
}

/// The dashboard at `inputs.now`.
pub fn compute(inputs: &Inputs<'_>) -> Dashboard {
    let Inputs {
        campaign,
        office,
        entries,
        marks,
        now,
    } = *inputs;
    let unit_type = campaign.unit_type(&office.unit_type).cloned();
    let unit_type_ref = unit_type.as_ref();
    let selection = selection::select(campaign, entries, None);
    let quotas: Vec<Quota> = selection
        .iter()
        .map(|s| {
            let c = s.category;
            quota(
                c.id.clone(),
                c.name.clone(),
                c.short_name.clone(),
                s.catalogued,
                count(s.selected.len()),
                count(s.ready().count()),
                unit_type_ref,
            )
        })
        .collect();

    let mut blockers = Vec::new();
    let mut special = Vec::new();
    for cat in &selection {
        for s in &cat.selected {
            match &s.readiness {
                Readiness::Blocked { problems } => blockers.push(Blocker {
                    entry_id: s.entry.id,
                    title: s.entry.fields.title.clone(),
                    category: cat.category.id.clone(),
                    category_name: cat.category.short_name.clone(),
                    problems: problems.clone(),
                }),
                Readiness::Special { reason } => special.push(SpecialApproval {
                    entry_id: s.entry.id,
                    title: s.entry.fields.title.clone(),
                    category: cat.category.id.clone(),
                    category_name: cat.category.short_name.clone(),
                    reason: reason.clone(),
                }),
                Readiness::Ready => {}
            }
        }
    }

    let deadlines: Vec<DeadlineStatus> = campaign
        .deadlines
        .iter()
        .map(|d| deadline_status(d, campaign, marks.get(&d.id).copied(), now))
        .collect();
    let contact = contact_person(campaign, office, marks);
    let headline = headline(&quotas, &blockers, &deadlines);
    let on_track = quotas
        .iter()
        .all(|q| matches!(q.state, QuotaState::Met | QuotaState::Open))
        && blockers.is_empty()
        && !deadlines
            .iter()
            .any(|d| d.office_task && d.state == DeadlineState::Passed);
    Dashboard {
        now,
        now_local: now
            .with_timezone(&campaign.zone())
            .format("%Y-%m-%d %H:%M")
            .to_string(),
        campaign_id: campaign.id.clone(),
        campaign_name: campaign.name.clone(),
        campaign_short_name: campaign.short_name.clone(),
        level: campaign.level,
        office_name: office.name.clone(),
        unit_type,
        quotas,
        deadlines,
        blockers,
        special,
        contact,
        headline,
        on_track,
    }
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn quota(
    category: String,
    name: String,
    short_name: String,
    entries: u32,
    selected: u32,
    passing: u32,
    unit_type: Option<&UnitType>,
) -> Quota {
    let min = unit_type.and_then(|u| u.min_per_category);
    let max = unit_type.and_then(|u| u.max_per_category);
    let missing = min.map_or(0, |m| m.saturating_sub(passing));
    let excess = max.map_or(0, |m| selected.saturating_sub(m));
    let (state, message) = if excess > 0 {
        // Too many selected can hide too few passing: say both.
        let short = if missing > 0 {
            format!("；合格的还差{missing}件")
        } else {
            String::new()
        };
        (
            QuotaState::Over,
            format!(
                "超出{excess}件（最多{}件，已推荐{selected}件）{short}",
                max.unwrap_or(0)
            ),
        )
    } else if missing > 0 {
        (
            QuotaState::Short,
            format!(
                "还差{missing}件（至少{}件，合格的推荐作品{passing}件）",
                min.unwrap_or(0)
            ),
        )
    } else {
        match (min, max) {
            (Some(lo), Some(hi)) => (
                QuotaState::Met,
                format!("已达要求（{lo}至{hi}件，已推荐{selected}件）"),
            ),
            (Some(lo), None) => (
                QuotaState::Met,
                format!("已达要求（至少{lo}件，合格{passing}件）"),
            ),
            (None, Some(hi)) => (
                QuotaState::Met,
                format!("未超上限（最多{hi}件，已推荐{selected}件）"),
            ),
            (None, None) => (
                QuotaState::Open,
                format!("本活动未规定数量（已推荐{selected}件）"),
            ),
        }
    };
    Quota {
        category,
        name,
        short_name,
        entries,
        selected,
        passing,
        min,
        max,
        missing,
        excess,
        state,
        message,
    }
}

fn deadline_status(
    d: &Deadline,
    campaign: &Campaign,
    done_on: Option<NaiveDate>,
    now: DateTime<Utc>,
) -> DeadlineStatus {
    let seconds_left = (d.due - now).num_seconds();
    let zone = campaign.zone();
    let due_today =
        d.due.with_timezone(&zone).date_naive() == now.with_timezone(&zone).date_naive();
    let office_task = d.channel.is_some();
    let about = if d.approximate { "约" } else { "" };
    let (state, remaining) = match done_on {
        Some(day) if office_task => (DeadlineState::Done, format!("已报送（{day}）")),
        _ if seconds_left < 0 && office_task => (
            DeadlineState::Passed,
            format!("已超过截止时间{about}{}", span(-seconds_left)),
        ),
        _ if seconds_left < 0 => (
            DeadlineState::Passed,
            format!("已过去{about}{}", span(-seconds_left)),
        ),
        _ if due_today => (
            DeadlineState::Soon,
            format!("今天截止，还剩{}", span(seconds_left)),
        ),
        _ if seconds_left < SOON_SECONDS => (
            DeadlineState::Soon,
            format!("还剩{about}{}", span(seconds_left)),
        ),
        _ => (
            DeadlineState::Upcoming,
            format!("还剩{about}{}", span(seconds_left)),
        ),
    };
    DeadlineStatus {
        id: d.id.clone(),
        title: d.title.clone(),
        what: d.what.clone(),
        channel: d.channel.clone(),
        due: d.due,
        due_local: d.due_local.clone(),
        approximate: d.approximate,
        office_task,
        seconds_left,
        due_today,
        state,
        remaining,
        done_on: done_on.filter(|_| office_task).map(|d| d.to_string()),
    }
}

/// A duration in the two largest units a clerk needs: 3天4小时, 5小时12分, 12分钟.
pub fn span(seconds: i64) -> String {
    let s = seconds.max(0);
    let (days, hours, minutes) = (s / 86_400, s % 86_400 / 3600, s % 3600 / 60);
    match (days, hours, minutes) {
        (0, 0, 0) => "不到1分钟".to_owned(),
        (0, 0, m) => format!("{m}分钟"),
        (0, h, m) => format!("{h}小时{m}分"),
        (d, h, _) => format!("{d}天{h}小时"),
    }
}

fn contact_person(
    campaign: &Campaign,
    office: &Office,
    marks: &HashMap<String, NaiveDate>,
) -> ContactPerson {
    let fields = [
        ("姓名", office.contact_name.trim()),
        ("单位职务", office.contact_title.trim()),
        ("联系电话", office.contact_phone.trim()),
    ];
    let missing = fields
        .iter()
        .filter(|(_, v)| v.is_empty())
        .map(|(label, _)| (*label).to_owned())
        .collect();
    let mut text = format!(
        "{}活动对接联系人\n单位：{}",
        campaign.short_name,
        office.name.trim()
    );
    for (label, value) in fields {
        text.push_str(&format!("\n{label}：{value}"));
    }
    let deadline = campaign.deadlines.iter().find(|d| d.id == CONTACT_DEADLINE);
    ContactPerson {
        name: office.contact_name.clone(),
        title: office.contact_title.clone(),
        phone: office.contact_phone.clone(),
        missing,
        text,
        send_to: deadline.map(|d| d.what.clone()),
        deadline_id: deadline.map(|d| d.id.clone()),
        submitted_on: deadline
            .and_then(|d| marks.get(&d.id))
            .map(|d| d.to_string()),
    }
}

fn headline(quotas: &[Quota], blockers: &[Blocker], deadlines: &[DeadlineStatus]) -> String {
    let mut parts: Vec<String> = quotas
        .iter()
        .filter_map(|q| match q.state {
            QuotaState::Short => Some(format!("{}还差{}件", q.short_name, q.missing)),
            QuotaState::Over if q.missing > 0 => Some(format!(
                "{}超出{}件且合格的还差{}件",
                q.short_name, q.excess, q.missing
            )),
            QuotaState::Over => Some(format!("{}超出{}件", q.short_name, q.excess)),
            QuotaState::Met | QuotaState::Open => None,
        })
        .collect();
    if !blockers.is_empty() {
        parts.push(format!("{}件推荐作品待处理", blockers.len()));
    }
    let tasks = deadlines.iter().filter(|d| d.office_task);
    if let Some(late) = tasks.clone().find(|d| d.state == DeadlineState::Passed) {
        parts.push(format!("“{}”{}", late.title, late.remaining));
    } else if let Some(next) = tasks
        .filter(|d| matches!(d.state, DeadlineState::Upcoming | DeadlineState::Soon))
        .min_by_key(|d| d.seconds_left)
    {
        parts.push(format!("距“{}”截止{}", next.title, next.remaining));
    }
    if parts.is_empty() {
        "各项数量已达要求，没有待处理的作品".to_owned()
    } else {
        parts.join("；")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::campaign::ORIGINAL_DECLARATION;
    use crate::campaign::embedded_by_id;
    use crate::checks::Verdict;
    use crate::entry::{EntryFields, EntryFile, Review, ReviewStatus};

    fn office(unit_type: &str, campaign_id: &str) -> Office {
        Office {
            role: crate::office::Role::District,
            name: "金平区总工会".into(),
            unit_type: unit_type.into(),
            campaign_id: campaign_id.into(),
            contact_name: "陈晓敏".into(),
            contact_title: "办公室主任".into(),
            contact_phone: "0754-88123456".into(),
            created_at: String::new(),
            updated_at: String::new(),
        }
    }

    /// An entry in `category`; made with the files and originality a passing work needs.
    fn entry(id: i64, category: &str, recommended: bool, verdict: Verdict) -> Entry {
        Entry {
            id,
            campaign_id: "shantou-2023".into(),
            fields: EntryFields {
                category: category.into(),
                title: format!("作品{id}"),
                authors: vec!["作者".into()],
                unit: String::new(),
                phone: String::new(),
                description: String::new(),
                tags: Vec::new(),
                declarations: vec![ORIGINAL_DECLARATION.into()],
                notes: String::new(),
            },
            files: vec![EntryFile {
                id,
                original_name: "a.mp4".into(),
                original_path: "/a.mp4".into(),
                stored_path: "files/a.mp4".into(),
                size: 1,
                sha256: String::new(),
                added_at: String::new(),
                facts: None,
                check: None,
                also_received: Vec::new(),
            }],
            review: Review {
                recommended,
                ..Review::default()
            },
            verdict,
            created_at: String::new(),
            updated_at: String::new(),
            deleted_at: None,
        }
    }

    fn ready(n: usize, category: &str) -> Vec<Entry> {
        (0..n)
            .map(|i| entry(i as i64 + 1, category, true, Verdict::Pass))
            .collect()
    }

    fn at(rfc3339: &str) -> DateTime<Utc> {
        crate::clock::parse_now(rfc3339).expect("instant")
    }

    fn board(campaign: &str, unit_type: &str, entries: &[Entry], now: &str) -> Dashboard {
        let campaign = embedded_by_id(campaign).expect("campaign");
        let office = office(unit_type, &campaign.id);
        // The entries were catalogued for the campaign the board is for.
        let entries: Vec<Entry> = entries
            .iter()
            .cloned()
            .map(|mut e| {
                e.campaign_id = campaign.id.clone();
                e
            })
            .collect();
        compute(&Inputs {
            campaign: &campaign,
            office: &office,
            entries: &entries,
            marks: &HashMap::new(),
            now: at(now),
        })
    }

    fn quota_of<'a>(d: &'a Dashboard, category: &str) -> &'a Quota {
        d.quotas
            .iter()
            .find(|q| q.category == category)
            .expect("category")
    }

    const BEFORE: &str = "2023-06-01T09:00:00+08:00";

    #[test]
    fn municipal_floors_for_every_unit_type() {
        for (unit_type, min) in [
            ("district", 10),
            ("county-or-zone", 5),
            ("municipal-direct", 1),
        ] {
            // Empty: everything missing.
            let d = board("shantou-2023", unit_type, &[], BEFORE);
            let q = quota_of(&d, "micro-video");
            assert_eq!(
                (q.min, q.max, q.missing, q.state),
                (Some(min), None, min, QuotaState::Short)
            );
            assert_eq!(
                q.message,
                format!("还差{min}件（至少{min}件，合格的推荐作品0件）")
            );
            assert!(!d.on_track);

            // One short of the floor, exactly at it, one over it.
            let one_short = ready(min as usize - 1, "micro-video");
            let q = quota_of(
                &board("shantou-2023", unit_type, &one_short, BEFORE),
                "micro-video",
            )
            .clone();
            assert_eq!(
                (q.passing, q.missing, q.state),
                (min - 1, 1, QuotaState::Short)
            );
            assert!(q.message.starts_with("还差1件"), "{}", q.message);

            let exact = ready(min as usize, "micro-video");
            let q = quota_of(
                &board("shantou-2023", unit_type, &exact, BEFORE),
                "micro-video",
            )
            .clone();
            assert_eq!(
                (q.passing, q.missing, q.excess, q.state),
                (min, 0, 0, QuotaState::Met)
            );

            let more = ready(min as usize + 1, "micro-video");
            let q = quota_of(
                &board("shantou-2023", unit_type, &more, BEFORE),
                "micro-video",
            )
            .clone();
            assert_eq!(q.state, QuotaState::Met, "no cap in the municipal notice");
            // The other category is untouched.
            let d = board("shantou-2023", unit_type, &more, BEFORE);
            assert_eq!(quota_of(&d, "recitation").missing, min);
        }
    }

    #[test]
    fn provincial_caps_for_every_unit_type() {
        let campaign = embedded_by_id("guangdong-2023").expect("campaign");
        for t in &campaign.unit_types {
            let at_cap = ready(10, "song");
            let q = quota_of(&board("guangdong-2023", &t.id, &at_cap, BEFORE), "song").clone();
            assert_eq!(
                (q.min, q.max, q.excess, q.state),
                (None, Some(10), 0, QuotaState::Met)
            );

            // The cap counts what is selected, ready or not.
            let mut over = ready(10, "song");
            over.push(entry(11, "song", true, Verdict::Fail));
            over.push(entry(12, "song", true, Verdict::Warn));
            let d = board("guangdong-2023", &t.id, &over, BEFORE);
            let q = quota_of(&d, "song");
            assert_eq!((q.selected, q.passing, q.excess), (12, 11, 2));
            assert_eq!(q.state, QuotaState::Over);
            assert_eq!(q.message, "超出2件（最多10件，已推荐12件）");
            assert!(d.headline.contains("歌曲超出2件"), "{}", d.headline);

            let q = quota_of(&d, "micro-video");
            assert_eq!(
                (q.state, q.missing),
                (QuotaState::Met, 0),
                "no floor in the province"
            );
        }
    }

    #[test]
    fn national_sets_no_numbers() {
        let d = board(
            "national-2023",
            "provincial-union",
            &ready(3, "song"),
            BEFORE,
        );
        let q = quota_of(&d, "song");
        assert_eq!((q.state, q.selected), (QuotaState::Open, 3));
        assert!(d.quotas.iter().all(|q| q.state == QuotaState::Open));
    }

    #[test]
    fn failing_undeclared_or_sent_back_works_block_and_do_not_count() {
        let mut entries = ready(1, "recitation");
        entries.push(entry(2, "recitation", true, Verdict::Fail));
        let mut undeclared = entry(3, "recitation", true, Verdict::Pass);
        undeclared.fields.declarations.clear();
        entries.push(undeclared);
        let mut sent_back = entry(4, "recitation", true, Verdict::Warn);
        sent_back.review.status = ReviewStatus::NeedsFix;
        entries.push(sent_back);
        let mut no_file = entry(5, "recitation", true, Verdict::Fail);
        no_file.files.clear();
        entries.push(no_file);
        // Not selected: neither counted nor a blocker.
        entries.push(entry(6, "recitation", false, Verdict::Fail));

        let d = board("shantou-2023", "municipal-direct", &entries, BEFORE);
        let q = quota_of(&d, "recitation");
        assert_eq!((q.entries, q.selected, q.passing), (6, 5, 1));
        assert_eq!(q.state, QuotaState::Met);
        let blocked: Vec<i64> = d.blockers.iter().map(|b| b.entry_id).collect();
        assert_eq!(blocked, [2, 3, 4, 5]);
        assert!(d.blockers[0].problems[0].starts_with("文件检查不合格"));
        assert_eq!(d.blockers[1].problems, ["未确认原创声明"]);
        assert_eq!(d.blockers[2].problems, ["审核状态为“需修改”"]);
        assert_eq!(d.blockers[3].problems, ["还没有作品文件"]);
        // An imported file becomes an entry without authors until the clerk fills them in.
        let mut anonymous = entry(7, "recitation", true, Verdict::Pass);
        anonymous.fields.authors.clear();
        let d2 = board("shantou-2023", "municipal-direct", &[anonymous], BEFORE);
        assert_eq!(d2.blockers[0].problems, ["未填写作者"]);
        assert_eq!(quota_of(&d2, "recitation").passing, 0);
        assert_eq!(d.blockers[0].category_name, "诵读");
        assert!(!d.on_track);
        assert!(d.headline.contains("4件推荐作品待处理"), "{}", d.headline);
    }

    #[test]
    fn a_failing_work_with_a_written_reason_counts_as_special_not_as_a_blocker() {
        let mut special = entry(1, "recitation", true, Verdict::Fail);
        special.review.override_reason = "原件已损毁，仅存此版本".into();
        let d = board("shantou-2023", "municipal-direct", &[special], BEFORE);
        assert!(d.blockers.is_empty(), "{:?}", d.blockers);
        assert_eq!(d.special.len(), 1);
        assert_eq!(d.special[0].reason, "原件已损毁，仅存此版本");
        let q = quota_of(&d, "recitation");
        assert_eq!((q.selected, q.passing, q.state), (1, 1, QuotaState::Met));
    }

    fn deadline<'a>(d: &'a Dashboard, id: &str) -> &'a DeadlineStatus {
        d.deadlines.iter().find(|x| x.id == id).expect("deadline")
    }

    #[test]
    fn contact_deadline_one_second_either_side() {
        // Due 2023-06-08 12:00 Shanghai = 04:00 UTC.
        let d = board("shantou-2023", "district", &[], "2023-06-08T03:59:59Z");
        let c = deadline(&d, CONTACT_DEADLINE);
        assert_eq!((c.seconds_left, c.state), (1, DeadlineState::Soon));
        assert!(c.due_today);
        assert_eq!(c.remaining, "今天截止，还剩不到1分钟");

        let d = board("shantou-2023", "district", &[], "2023-06-08T04:00:01Z");
        let c = deadline(&d, CONTACT_DEADLINE);
        assert_eq!((c.seconds_left, c.state), (-1, DeadlineState::Passed));
        assert_eq!(c.remaining, "已超过截止时间不到1分钟");
        assert!(
            d.headline.contains("“报送活动对接联系人”已超过截止时间"),
            "{}",
            d.headline
        );
        assert!(!d.on_track);
    }

    #[test]
    fn works_deadline_across_midnight_in_shanghai() {
        // “6月25日前” ends 2023-06-25 23:59:59 Shanghai = 15:59:59 UTC. At 16:30 UTC on the
        // 24th the machine's UTC date is still the 24th, but in Shanghai it is already the 25th.
        let d = board("shantou-2023", "district", &[], "2023-06-24T16:30:00Z");
        let w = deadline(&d, "works");
        assert!(w.due_today, "the due day is today in Shanghai");
        assert_eq!(w.seconds_left, 23 * 3600 + 29 * 60 + 59);
        assert_eq!(w.remaining, "今天截止，还剩23小时29分");
        assert_eq!(d.now_local, "2023-06-25 00:30");

        // Half an hour earlier it is still the 24th in Shanghai: not today.
        let d = board("shantou-2023", "district", &[], "2023-06-24T15:30:00Z");
        let w = deadline(&d, "works");
        assert!(!w.due_today);
        assert_eq!(
            (w.state, w.remaining.as_str()),
            (DeadlineState::Soon, "还剩1天0小时")
        );

        let d = board("shantou-2023", "district", &[], "2023-06-25T15:59:59Z");
        assert_eq!(deadline(&d, "works").seconds_left, 0);
        assert_eq!(deadline(&d, "works").state, DeadlineState::Soon);
        let d = board("shantou-2023", "district", &[], "2023-06-25T16:00:00Z");
        let w = deadline(&d, "works");
        assert_eq!((w.seconds_left, w.state), (-1, DeadlineState::Passed));
        assert!(!w.due_today, "the 26th has begun in Shanghai");
    }

    #[test]
    fn deadlines_far_off_and_organiser_steps() {
        let d = board("shantou-2023", "district", &[], "2023-05-20T08:00:00+08:00");
        let c = deadline(&d, CONTACT_DEADLINE);
        assert_eq!(c.state, DeadlineState::Upcoming);
        assert_eq!(c.remaining, "还剩19天4小时");
        assert!(c.office_task);
        let s = deadline(&d, "screening");
        assert!(!s.office_task, "the organisers' step");
        assert!(s.remaining.starts_with("还剩约"), "{}", s.remaining);
        assert!(
            d.headline
                .contains("距“报送活动对接联系人”截止还剩19天4小时"),
            "{}",
            d.headline
        );

        let d = board("shantou-2023", "district", &[], "2023-08-01T00:00:00+08:00");
        assert!(deadline(&d, "final-review").remaining.starts_with("已过去"));
    }

    #[test]
    fn marks_turn_office_tasks_done_and_fill_the_contact_card() {
        let campaign = embedded_by_id("shantou-2023").expect("campaign");
        let office = office("district", &campaign.id);
        let day = NaiveDate::from_ymd_opt(2023, 6, 7).expect("date");
        let marks: HashMap<String, NaiveDate> = [
            (CONTACT_DEADLINE.to_owned(), day),
            ("screening".to_owned(), day),
        ]
        .into();
        let d = compute(&Inputs {
            campaign: &campaign,
            office: &office,
            entries: &[],
            marks: &marks,
            now: at("2023-06-10T09:00:00+08:00"),
        });
        let c = deadline(&d, CONTACT_DEADLINE);
        assert_eq!(
            (c.state, c.remaining.as_str()),
            (DeadlineState::Done, "已报送（2023-06-07）")
        );
        assert_eq!(
            deadline(&d, "screening").state,
            DeadlineState::Upcoming,
            "not the office's"
        );
        assert_eq!(d.contact.submitted_on.as_deref(), Some("2023-06-07"));
        assert_eq!(
            d.contact.text,
            "汕头好网民2023活动对接联系人\n单位：金平区总工会\n姓名：陈晓敏\n单位职务：办公室主任\n联系电话：0754-88123456"
        );
        assert!(d.contact.missing.is_empty());
        assert!(
            d.contact
                .send_to
                .as_deref()
                .is_some_and(|s| s.contains("粤政易"))
        );
    }

    #[test]
    fn an_unfilled_contact_says_what_is_missing() {
        let campaign = embedded_by_id("shantou-2023").expect("campaign");
        let mut office = office("district", &campaign.id);
        office.contact_title.clear();
        office.contact_phone.clear();
        let d = compute(&Inputs {
            campaign: &campaign,
            office: &office,
            entries: &[],
            marks: &HashMap::new(),
            now: at(BEFORE),
        });
        assert_eq!(d.contact.missing, ["单位职务", "联系电话"]);
        assert_eq!(d.contact.submitted_on, None);
    }

    #[test]
    fn everything_met_reads_on_track() {
        let mut entries = ready(10, "micro-video");
        entries.extend((0..10).map(|i| entry(100 + i, "recitation", true, Verdict::Warn)));
        let d = board("shantou-2023", "district", &entries, BEFORE);
        assert!(d.quotas.iter().all(|q| q.state == QuotaState::Met));
        assert!(d.blockers.is_empty());
        assert!(d.on_track);
        assert!(
            d.headline.starts_with("距“报送活动对接联系人”截止"),
            "{}",
            d.headline
        );
    }

    #[test]
    fn over_the_cap_and_short_of_passing_works_says_both() {
        let both = UnitType {
            id: "both".into(),
            name: "上下限都有".into(),
            min_per_category: Some(3),
            max_per_category: Some(5),
            source: None,
        };
        let q = quota(
            "song".into(),
            "歌曲".into(),
            "歌曲".into(),
            6,
            6,
            2,
            Some(&both),
        );
        assert_eq!((q.state, q.excess, q.missing), (QuotaState::Over, 1, 1));
        assert_eq!(q.message, "超出1件（最多5件，已推荐6件）；合格的还差1件");
        let within = quota(
            "song".into(),
            "歌曲".into(),
            "歌曲".into(),
            4,
            4,
            4,
            Some(&both),
        );
        assert_eq!(within.state, QuotaState::Met);
        assert_eq!(within.message, "已达要求（3至5件，已推荐4件）");
        let h = headline(&[q], &[], &[]);
        assert_eq!(h, "歌曲超出1件且合格的还差1件");
    }

    #[test]
    fn spans() {
        assert_eq!(span(0), "不到1分钟");
        assert_eq!(span(59), "不到1分钟");
        assert_eq!(span(60), "1分钟");
        assert_eq!(span(3600 + 120), "1小时2分");
        assert_eq!(span(86_400 * 2 + 3600 * 5 + 59), "2天5小时");
    }
}
