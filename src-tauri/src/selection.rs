//! What goes out: the one rule for "selected", "ready" and "in what order", per category.
//!
//! The dashboard counts with it, the Excel export orders by it, a batch is made from it and the
//! contact sheets will print in its order, so the four can never disagree about a work.
//!
//! - *Selected* (推荐报送): entries of the active campaign marked recommended, in a category the
//!   campaign has. Entries catalogued under another campaign are not judged or counted here:
//!   `entries.campaign_id` is the campaign a work was entered for.
//! - *Ready*: it has files, they pass the checks (warnings allowed) — or they fail and the clerk
//!   wrote why it goes anyway (已特批, the reason travels with the work) —, the originality
//!   declaration is confirmed (when the campaign has one), it has a title and an author, and it
//!   is not sent back (需修改).
//! - *Order* within a category: the clerk's 推荐顺序 (works without one after those with one),
//!   then the earlier catalogued, then the lower id. The resulting position is unique.

use serde::Serialize;
use ts_rs::TS;

use crate::campaign::ORIGINAL_DECLARATION;
use crate::campaign::{Campaign, Category, Severity};
use crate::checks::Verdict;
use crate::entry::{Entry, ReviewStatus};

/// Whether a selected work can go out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(tag = "state", rename_all = "kebab-case")]
pub enum Readiness {
    /// Everything in order (file warnings are listed with the work, they do not block).
    Ready,
    /// Its files fail a check, and the clerk recommended it anyway with this reason (已特批).
    Special { reason: String },
    /// It cannot go out as it is; every reason, in Chinese.
    Blocked { problems: Vec<String> },
}

impl Readiness {
    pub fn is_ready(&self) -> bool {
        !matches!(self, Readiness::Blocked { .. })
    }
}

/// One selected work of a category, in its place.
#[derive(Debug, Clone)]
pub struct Selected<'a> {
    pub entry: &'a Entry,
    /// 1-based, unique within the category.
    pub position: u32,
    pub readiness: Readiness,
    /// What only warns (e.g. longer than the recommended five minutes), one line each.
    pub warnings: Vec<String>,
}

/// The selected works of one category, in order.
#[derive(Debug, Clone)]
pub struct CategorySelection<'a> {
    pub category: &'a Category,
    /// 1-based place of the category in the campaign (the package's `01-诵读` folder number).
    pub index: u32,
    /// Works of the active campaign in this category, selected or not.
    pub catalogued: u32,
    pub selected: Vec<Selected<'a>>,
}

impl CategorySelection<'_> {
    pub fn ready(&self) -> impl Iterator<Item = &Selected<'_>> {
        self.selected.iter().filter(|s| s.readiness.is_ready())
    }

    pub fn blocked(&self) -> impl Iterator<Item = &Selected<'_>> {
        self.selected.iter().filter(|s| !s.readiness.is_ready())
    }
}

/// True when `e` is judged and counted under `campaign`.
pub fn belongs(e: &Entry, campaign: &Campaign) -> bool {
    e.campaign_id == campaign.id && e.deleted_at.is_none()
}

/// The selection of every category of `campaign` (or only those in `only`), in campaign order.
pub fn select<'a>(
    campaign: &'a Campaign,
    entries: &'a [Entry],
    only: Option<&[String]>,
) -> Vec<CategorySelection<'a>> {
    campaign
        .categories
        .iter()
        .enumerate()
        .filter(|(_, c)| only.is_none_or(|ids| ids.contains(&c.id)))
        .map(|(i, category)| {
            let mine: Vec<&Entry> = entries
                .iter()
                .filter(|e| belongs(e, campaign) && e.fields.category == category.id)
                .collect();
            let mut chosen: Vec<&Entry> = mine
                .iter()
                .copied()
                .filter(|e| e.review.recommended)
                .collect();
            chosen.sort_by(|a, b| order_key(a).cmp(&order_key(b)));
            let selected = chosen
                .into_iter()
                .enumerate()
                .map(|(n, entry)| Selected {
                    entry,
                    position: u32::try_from(n + 1).unwrap_or(u32::MAX),
                    readiness: readiness(entry, campaign),
                    warnings: warnings(entry),
                })
                .collect();
            CategorySelection {
                category,
                index: u32::try_from(i + 1).unwrap_or(u32::MAX),
                catalogued: u32::try_from(mine.len()).unwrap_or(u32::MAX),
                selected,
            }
        })
        .collect()
}

/// The stated tie-break: 推荐顺序 first (unset last), then catalogued earlier, then id.
fn order_key(e: &Entry) -> (i64, &str, i64) {
    (
        e.review.order.unwrap_or(i64::MAX),
        e.created_at.as_str(),
        e.id,
    )
}

/// Whether a recommended entry can go out as it is.
pub fn readiness(e: &Entry, campaign: &Campaign) -> Readiness {
    let mut problems = Vec::new();
    let mut special = None;
    if e.files.is_empty() {
        problems.push("还没有作品文件".to_owned());
    } else if e.verdict == Verdict::Fail {
        let first = e
            .files
            .iter()
            .filter_map(|f| f.check.as_ref())
            .flat_map(|c| c.findings.iter())
            .find(|f| f.severity == Severity::Error)
            .map(|f| f.message.clone())
            .unwrap_or_else(|| "文件检查不合格".to_owned());
        let reason = e.review.override_reason.trim();
        if reason.is_empty() {
            problems.push(format!("文件检查不合格：{first}"));
        } else {
            special = Some(reason.to_owned());
        }
    }
    if let Some(d) = campaign
        .declarations
        .iter()
        .find(|d| d.id == ORIGINAL_DECLARATION)
        && !e
            .fields
            .declarations
            .iter()
            .any(|x| x == ORIGINAL_DECLARATION)
    {
        problems.push(format!("未确认{}", d.label));
    }
    if e.fields.title.trim().is_empty() {
        problems.push("未填写作品名称".to_owned());
    }
    if e.fields.authors.is_empty() {
        problems.push("未填写作者".to_owned());
    }
    if e.review.status == ReviewStatus::NeedsFix {
        problems.push("审核状态为“需修改”".to_owned());
    }
    if e.review.status == ReviewStatus::Excluded {
        problems.push("审核状态为“不报送”".to_owned());
    }
    match (problems.is_empty(), special) {
        (false, _) => Readiness::Blocked { problems },
        (true, Some(reason)) => Readiness::Special { reason },
        (true, None) => Readiness::Ready,
    }
}

/// The warnings of an entry's files, each once.
fn warnings(e: &Entry) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for f in e.files.iter().filter_map(|f| f.check.as_ref()) {
        for w in f
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Warning)
        {
            if !out.contains(&w.message) {
                out.push(w.message.clone());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::campaign::embedded_by_id;
    use crate::checks::{FileCheck, Finding};
    use crate::entry::{EntryFields, EntryFile, Review};

    fn entry(id: i64, order: Option<i64>, created: &str, verdict: Verdict) -> Entry {
        let finding = |severity| Finding {
            rule: "video-aspect".into(),
            severity,
            message: "画面比例不是16:9".into(),
            actual: None,
            expected: None,
        };
        let findings = match verdict {
            Verdict::Pass => vec![],
            Verdict::Warn => vec![finding(Severity::Warning)],
            Verdict::Fail => vec![finding(Severity::Error)],
        };
        Entry {
            id,
            campaign_id: "shantou-2023".into(),
            fields: EntryFields {
                category: "micro-video".into(),
                title: format!("作品{id}"),
                authors: vec!["张三".into()],
                unit: String::new(),
                phone: String::new(),
                description: String::new(),
                tags: vec![],
                declarations: vec![ORIGINAL_DECLARATION.into()],
                notes: String::new(),
            },
            files: vec![EntryFile {
                id,
                original_name: "a.mp4".into(),
                original_path: "/a.mp4".into(),
                stored_path: "files/a".into(),
                size: 1,
                sha256: "00".into(),
                added_at: created.into(),
                facts: None,
                check: Some(FileCheck::from_findings(findings)),
                also_received: vec![],
            }],
            review: Review {
                status: ReviewStatus::Approved,
                recommended: true,
                order,
                override_reason: String::new(),
            },
            verdict,
            created_at: created.into(),
            updated_at: created.into(),
            deleted_at: None,
        }
    }

    fn positions(sel: &[CategorySelection<'_>]) -> Vec<(i64, u32)> {
        sel.iter()
            .find(|c| c.category.id == "micro-video")
            .map(|c| {
                c.selected
                    .iter()
                    .map(|s| (s.entry.id, s.position))
                    .collect()
            })
            .unwrap_or_default()
    }

    #[test]
    fn order_is_unique_with_a_stated_tie_break() {
        let c = embedded_by_id("shantou-2023").expect("campaign");
        let entries = vec![
            entry(1, None, "2023-06-01T00:00:02Z", Verdict::Pass),
            entry(2, Some(2), "2023-06-01T00:00:01Z", Verdict::Pass),
            entry(3, Some(2), "2023-06-01T00:00:00Z", Verdict::Pass),
            entry(4, None, "2023-06-01T00:00:02Z", Verdict::Pass),
            entry(5, Some(1), "2023-06-01T00:00:09Z", Verdict::Pass),
        ];
        let sel = select(&c, &entries, None);
        // Order 1, then the two with order 2 by catalogue time, then the unset ones by id.
        assert_eq!(positions(&sel), [(5, 1), (3, 2), (2, 3), (1, 4), (4, 5)]);
    }

    #[test]
    fn a_failing_work_with_a_reason_is_ready_as_special() {
        let c = embedded_by_id("shantou-2023").expect("campaign");
        let mut e = entry(1, Some(1), "2023-06-01T00:00:00Z", Verdict::Fail);
        assert!(matches!(readiness(&e, &c), Readiness::Blocked { .. }));
        e.review.override_reason = "老劳模生前唯一影像资料".into();
        assert_eq!(
            readiness(&e, &c),
            Readiness::Special {
                reason: "老劳模生前唯一影像资料".into()
            }
        );
        // The reason does not excuse the other problems.
        e.fields.declarations.clear();
        let Readiness::Blocked { problems } = readiness(&e, &c) else {
            panic!("blocked expected");
        };
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].contains("原创"), "{problems:?}");
    }

    #[test]
    fn warnings_travel_but_do_not_block() {
        let c = embedded_by_id("shantou-2023").expect("campaign");
        let entries = vec![entry(1, None, "2023-06-01T00:00:00Z", Verdict::Warn)];
        let sel = select(&c, &entries, Some(&["micro-video".to_owned()]));
        assert_eq!(sel.len(), 1);
        let s = &sel[0].selected[0];
        assert_eq!(s.readiness, Readiness::Ready);
        assert_eq!(s.warnings, ["画面比例不是16:9"]);
    }

    #[test]
    fn entries_of_another_campaign_are_not_counted() {
        let c = embedded_by_id("shantou-2023").expect("campaign");
        let mut other = entry(1, None, "2023-06-01T00:00:00Z", Verdict::Pass);
        other.campaign_id = "guangdong-2023".into();
        let mut deleted = entry(2, None, "2023-06-01T00:00:00Z", Verdict::Pass);
        deleted.deleted_at = Some("2023-06-02T00:00:00Z".into());
        let entries = vec![
            other,
            deleted,
            entry(3, None, "2023-06-01T00:00:00Z", Verdict::Pass),
        ];
        let sel = select(&c, &entries, None);
        assert_eq!(positions(&sel), [(3, 1)]);
        let video = sel
            .iter()
            .find(|c| c.category.id == "micro-video")
            .expect("category");
        assert_eq!(video.catalogued, 1);
        assert_eq!(video.index, 2);
    }

    #[test]
    fn excluded_needs_fix_untitled_and_fileless_works_block() {
        let c = embedded_by_id("shantou-2023").expect("campaign");
        let mut e = entry(1, None, "2023-06-01T00:00:00Z", Verdict::Pass);
        e.review.status = ReviewStatus::NeedsFix;
        e.files.clear();
        e.fields.title = " ".into();
        e.fields.authors.clear();
        let Readiness::Blocked { problems } = readiness(&e, &c) else {
            panic!("blocked expected");
        };
        assert_eq!(
            problems,
            [
                "还没有作品文件",
                "未填写作品名称",
                "未填写作者",
                "审核状态为“需修改”"
            ]
        );
    }
}
