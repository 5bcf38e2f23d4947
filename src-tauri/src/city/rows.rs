//! How the city's picture reads in a table row, for the 全市汇总表: its 总览 (a row per unit ×
//! category, as `city status` shows them) and its works (a row per received work). Each table
//! has one row model here feeding both its workbook sheet and its printed PDF, as
//! `batch::rows` does for a district's 汇总表; the headers are an interface (the README lists
//! them): other programs read the workbook by them.

use super::{CategoryStatus, CityStatus, ReceivedWork, UnitStatus};
use crate::batch::rows::Column;
use crate::checks::Verdict;

/// The 总览's columns: a row per unit × category.
pub const STATUS_COLUMNS: &[Column] = &[
    Column::printed("单位", 2.2),
    Column::printed("单位类型", 2.0),
    Column::printed("批次数", 0.7),
    Column::printed("类别", 2.4),
    Column::printed("收到", 0.6),
    Column::printed("合格", 0.6),
    Column::printed("至少", 0.6),
    Column::printed("最多", 0.6),
    Column::printed("状态", 0.9),
    Column::printed("说明", 1.8),
];

/// A unit's category under [`STATUS_COLUMNS`].
pub fn status_row(unit: &UnitStatus, c: &CategoryStatus) -> Vec<String> {
    let mut kind = unit
        .unit_type_name
        .clone()
        .unwrap_or_else(|| unit.unit_type.clone());
    if !unit.listed {
        kind.push_str("（通知未列出）");
    }
    vec![
        unit.office.clone(),
        kind,
        unit.batches.to_string(),
        c.name.clone(),
        c.received.to_string(),
        c.passing.to_string(),
        c.min.map(|m| m.to_string()).unwrap_or_default(),
        c.max.map(|m| m.to_string()).unwrap_or_default(),
        c.status.label().to_owned(),
        c.text.clone(),
    ]
}

/// Every unit × category of `status`, units in its order (the campaign's, then the others).
pub fn status_rows(status: &CityStatus) -> Vec<Vec<String>> {
    status
        .districts
        .iter()
        .flat_map(|u| u.categories.iter().map(move |c| status_row(u, c)))
        .collect()
}

/// The works' columns: a row per received work of one category.
pub const RECEIVED_COLUMNS: &[Column] = &[
    Column::printed("报送单位", 1.8),
    Column::printed("批次", 1.2),
    Column::printed("序号", 0.6),
    Column::printed("作品名称", 2.4),
    Column::printed("作者", 1.3),
    Column::printed("推荐单位", 1.6),
    Column::printed("市级检查", 1.1),
    Column::printed("计入达标", 1.0),
    Column::printed("特批理由", 1.8),
    Column::printed("问题", 2.4),
    Column::on_screen("文件", 3.0),
    Column::on_screen("SHA-256", 5.0),
];

/// How a received work stands with the city: its bytes first, then the city's own checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkState {
    /// A file has not arrived yet.
    Missing,
    /// The files still to come travel another way (待补: 另行传送, a 超大附件 link).
    Pending,
    /// A file arrived with bytes other than the district stated.
    Different,
    Pass,
    Warn,
    Fail,
    /// Fails the city's checks, and the district recorded a 特批 reason.
    Special,
}

impl WorkState {
    pub fn of(w: &ReceivedWork) -> Self {
        if w.files.is_empty() || w.files.iter().any(|f| !f.arrived && !f.pending) {
            return WorkState::Missing;
        }
        if w.files.iter().any(|f| f.pending) {
            return WorkState::Pending;
        }
        if w.files.iter().any(|f| !f.verified) {
            return WorkState::Different;
        }
        match w.verdict {
            None => WorkState::Missing,
            Some(Verdict::Pass) => WorkState::Pass,
            Some(Verdict::Warn) => WorkState::Warn,
            Some(Verdict::Fail) if w.special_reason.is_some() => WorkState::Special,
            Some(Verdict::Fail) => WorkState::Fail,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            WorkState::Missing => "待收齐",
            WorkState::Pending => "待补（另行传送）",
            WorkState::Different => "校验不符",
            WorkState::Pass => "合格",
            WorkState::Warn => "有提醒",
            WorkState::Fail => "不合格",
            WorkState::Special => "不合格（已特批）",
        }
    }
}

/// A received work's cells under [`RECEIVED_COLUMNS`]; a work of several files has a line per
/// file in 文件 and SHA-256 (the district's stated hash).
pub fn received_row(w: &ReceivedWork) -> Vec<String> {
    let files = w
        .files
        .iter()
        .map(|f| {
            let mark = if f.verified {
                "✓"
            } else if f.arrived {
                "✗ 校验不符"
            } else {
                "✗ 未收到"
            };
            format!("{} {mark}", f.name)
        })
        .collect::<Vec<_>>()
        .join("\n");
    vec![
        w.office.clone(),
        w.batch.clone(),
        w.seq.to_string(),
        w.title.clone(),
        w.authors.join("、"),
        w.unit.clone(),
        WorkState::of(w).label().to_owned(),
        if w.passing() { "是" } else { "否" }.to_owned(),
        w.special_reason.clone().unwrap_or_default(),
        w.problems.join("\n"),
        files,
        w.files
            .iter()
            .map(|f| f.sha256.clone())
            .collect::<Vec<_>>()
            .join("\n"),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::batch::rows::printed_count;
    use crate::city::ReceivedFile;

    fn work(arrived: bool, verified: bool, verdict: Option<Verdict>) -> ReceivedWork {
        ReceivedWork {
            office: "金平区总工会".into(),
            batch: "第1批".into(),
            batch_id: 1,
            category: "micro-video".into(),
            seq: 3,
            title: "海湾新貌".into(),
            authors: vec!["陈晓".into(), "林玥".into()],
            unit: "金平区某厂".into(),
            special_reason: None,
            district_verdict: Verdict::Pass,
            verdict,
            problems: Vec::new(),
            pending: Vec::new(),
            files: vec![ReceivedFile {
                id: 1,
                pending: false,
                link: None,
                name: "a.mp4".into(),
                path: "02-微视频/a.mp4".into(),
                sha256: "ab".repeat(32),
                size: 1,
                verified,
                arrived,
                district_verdict: Verdict::Pass,
                verdict,
                findings: Vec::new(),
            }],
        }
    }

    #[test]
    fn a_work_reads_by_its_bytes_first_then_the_citys_verdict() {
        let check = |w: &ReceivedWork, state: WorkState, label: &str, counts: &str| {
            assert_eq!(WorkState::of(w), state);
            let row = received_row(w);
            assert_eq!(row.len(), RECEIVED_COLUMNS.len());
            assert_eq!((row[6].as_str(), row[7].as_str()), (label, counts));
        };
        check(
            &work(false, false, None),
            WorkState::Missing,
            "待收齐",
            "否",
        );
        check(
            &work(true, false, Some(Verdict::Pass)),
            WorkState::Different,
            "校验不符",
            "否",
        );
        check(
            &work(true, true, Some(Verdict::Warn)),
            WorkState::Warn,
            "有提醒",
            "是",
        );
        let mut special = work(true, true, Some(Verdict::Fail));
        check(&special, WorkState::Fail, "不合格", "否");
        special.special_reason = Some("原片即为此分辨率".into());
        check(&special, WorkState::Special, "不合格（已特批）", "是");
        let row = received_row(&special);
        assert_eq!(row[4], "陈晓、林玥");
        assert_eq!(row[8], "原片即为此分辨率");
        assert_eq!(row[11], "ab".repeat(32));
    }

    #[test]
    fn the_hashes_and_file_lists_stay_off_the_page() {
        let n = printed_count(RECEIVED_COLUMNS);
        assert_eq!(n, RECEIVED_COLUMNS.len() - 2);
        assert!(RECEIVED_COLUMNS[n..].iter().all(|c| !c.printed));
        assert_eq!(printed_count(STATUS_COLUMNS), STATUS_COLUMNS.len());
    }
}
