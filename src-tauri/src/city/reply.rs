//! The city's answers to a district (市级收件 → 区县): a 回执 that says what arrived — every
//! work and file with its SHA-256, size, whether the bytes match the district's statement and
//! the city's verdict — and a 补正通知 that lists what must be put right, each problem with
//! what to do. Pure: the same received batch gives the same words. Written in the tone of the
//! district's own cover letter (`mail::compose`): plain text, the recipient first, the sender
//! and its contact person last.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::{ReceivedProblem, ReceivedWork};
use crate::campaign::Campaign;
use crate::checks::Verdict;
use crate::fsx::human_size;

/// Which answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "kebab-case")]
pub enum ReplyKind {
    /// 回执: what arrived.
    Receipt,
    /// 补正通知: what must be put right.
    Correction,
}

impl ReplyKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ReplyKind::Receipt => "receipt",
            ReplyKind::Correction => "correction",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "receipt" => Some(ReplyKind::Receipt),
            "correction" => Some(ReplyKind::Correction),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ReplyKind::Receipt => "回执",
            ReplyKind::Correction => "补正通知",
        }
    }
}

/// One received batch (one version of it), as the answers describe it.
#[derive(Debug, Clone, PartialEq)]
pub struct ReceivedBatch {
    pub id: i64,
    /// The sending unit, as its manifest names it.
    pub office: String,
    /// `第1批`, `第2批（补报）`, `第1批（第2版）`.
    pub label: String,
    pub version: u32,
    /// RFC 3339: when the district made it, and when the city first received it.
    pub created_at: String,
    pub received_at: String,
    /// The From address of the mail that brought it (None: from a folder or a stick).
    pub sender: Option<String>,
    pub works: Vec<ReceivedWork>,
    pub problems: Vec<ReceivedProblem>,
}

impl ReceivedBatch {
    /// Every file of every work.
    fn files(&self) -> impl Iterator<Item = &super::ReceivedFile> {
        self.works.iter().flat_map(|w| w.files.iter())
    }
}

/// Who answers: the receiving office and its contact person, in the campaign's words.
#[derive(Debug, Clone, Copy)]
pub struct Letterhead<'a> {
    pub office: &'a str,
    pub contact_name: &'a str,
    pub contact_title: &'a str,
    pub contact_phone: &'a str,
    pub campaign: &'a Campaign,
}

impl Letterhead<'_> {
    fn category(&self, id: &str) -> String {
        self.campaign
            .category(id)
            .map_or_else(|| id.to_owned(), |c| c.name.clone())
    }

    fn local(&self, rfc3339: &str) -> String {
        crate::clock::local_time(rfc3339, self.campaign.zone())
    }

    fn contact(&self) -> Option<String> {
        let parts: Vec<&str> = [self.contact_name, self.contact_title, self.contact_phone]
            .into_iter()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect();
        (!parts.is_empty()).then(|| parts.join(" "))
    }

    fn closing(&self, out: &mut Vec<String>) {
        out.push(String::new());
        if let Some(c) = self.contact() {
            out.push(format!("如有疑问，请联系：{} {c}", self.office));
        }
        out.push(format!("{}（由报送助手生成）", self.office));
    }
}

/// `汕头好网民2023-金平区总工会第1批-收件回执`, `…-补正通知`.
pub fn subject(kind: ReplyKind, batch: &ReceivedBatch, head: &Letterhead<'_>) -> String {
    let what = match kind {
        ReplyKind::Receipt => "收件回执",
        ReplyKind::Correction => "补正通知",
    };
    format!(
        "{}-{}{}-{what}",
        head.campaign.short_name, batch.office, batch.label
    )
}

/// One thing a district must put right.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    pub group: IssueGroup,
    /// In Chinese, naming the file or work.
    pub text: String,
}

/// The kinds of problem, in the order the 补正通知 lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum IssueGroup {
    Missing,
    Damaged,
    Sums,
    Extra,
    Failing,
}

impl IssueGroup {
    fn heading(self) -> &'static str {
        match self {
            IssueGroup::Missing => "缺少的文件（清单中有，但没有收到）",
            IssueGroup::Damaged => "损坏或与校验值不符的文件",
            IssueGroup::Sums => "清单（manifest.json）与 SHA256SUMS.txt 不一致",
            IssueGroup::Extra => "多出的文件（不在清单中，未收入）",
            IssueGroup::Failing => "未通过市级检查的作品",
        }
    }

    fn what_to_do(self) -> &'static str {
        match self {
            IssueGroup::Missing => {
                "请把以上文件重新发送给我们（重发邮件，或把本批次导出的文件夹连同 manifest.json 用U盘送来），文件须与清单中的校验值一致。"
            }
            IssueGroup::Damaged => {
                "请重新发送原文件；发送前可在 Windows 中用 certutil -hashfile 文件名 SHA256 核对，应与清单中的校验值一致。"
            }
            IssueGroup::Sums => "请在报送助手中重新导出本批次后再发送。",
            IssueGroup::Extra => "如这些文件也要报送，请编入作品后以补报批次报送；否则无需处理。",
            IssueGroup::Failing => {
                "请按活动要求更换文件后以补报批次报送；已说明特批理由、确实无法更换的，请回复说明。"
            }
        }
    }
}

/// Everything the district must put right: the batch's problems, then each work whose
/// intact file fails the city's checks. Empty: nothing to correct.
pub fn issues(batch: &ReceivedBatch, head: &Letterhead<'_>) -> Vec<Issue> {
    let stated = |path: &str| batch.files().find(|f| f.path == path);
    let mut out: Vec<Issue> = batch
        .problems
        .iter()
        .map(|p| {
            let (group, text) = match p.kind.as_str() {
                "missing" => (
                    IssueGroup::Missing,
                    match stated(&p.path) {
                        Some(f) => format!(
                            "“{}”（{}，SHA-256 {}）",
                            p.path,
                            human_size(f.size),
                            f.sha256
                        ),
                        None => format!("“{}”", p.path),
                    },
                ),
                "different" => (
                    IssueGroup::Damaged,
                    match stated(&p.path) {
                        Some(f) => format!(
                            "“{}”：收到的文件与清单中的 SHA-256 {} 不符，可能在传递中损坏或被改动",
                            p.path, f.sha256
                        ),
                        None => p.message.clone(),
                    },
                ),
                "unreadable" => (IssueGroup::Damaged, p.message.clone()),
                "sums" => (IssueGroup::Sums, p.message.clone()),
                _ => (IssueGroup::Extra, p.message.clone()),
            };
            Issue { group, text }
        })
        .collect();
    for w in &batch.works {
        for f in w
            .files
            .iter()
            .filter(|f| f.verified && f.verdict == Some(Verdict::Fail))
        {
            let why: Vec<&str> = f.findings.iter().map(|x| x.message.as_str()).collect();
            let why = if why.is_empty() {
                "文件无法识别或不符合要求".to_owned()
            } else {
                why.join("；")
            };
            let special = w
                .special_reason
                .as_deref()
                .map(|r| format!("（贵单位已说明特批理由：{r}）"))
                .unwrap_or_default();
            out.push(Issue {
                group: IssueGroup::Failing,
                text: format!(
                    "{}第{}号《{}》的“{}”：{why}{special}",
                    head.category(&w.category),
                    w.seq,
                    w.title,
                    f.name
                ),
            });
        }
    }
    out.sort_by_key(|i| i.group);
    out
}

fn finish(out: Vec<String>) -> String {
    let mut text = out.join("\r\n");
    text.push_str("\r\n");
    text
}

/// The 回执: what arrived, file by file.
pub fn receipt(batch: &ReceivedBatch, head: &Letterhead<'_>) -> String {
    let files: Vec<_> = batch.files().collect();
    let verified = files.iter().filter(|f| f.verified).count();
    let missing = files.iter().filter(|f| !f.arrived).count();
    let different = files.iter().filter(|f| f.arrived && !f.verified).count();
    let bytes: u64 = files.iter().map(|f| f.size).sum();
    let mut out = vec![format!("{}：", batch.office), String::new()];
    let mut counts =
        format!("经逐一核对，{verified}个文件与贵单位清单（manifest.json）中的 SHA-256 校验值一致");
    if missing > 0 {
        counts.push_str(&format!("，{missing}个文件尚未收到"));
    }
    if different > 0 {
        counts.push_str(&format!("，{different}个文件与校验值不符"));
    }
    out.push(format!(
        "{}已于{}收到贵单位报送的{}作品{}（{}生成），共{}件作品、{}个文件（{}）。{counts}。",
        head.office,
        head.local(&batch.received_at),
        head.campaign.short_name,
        batch.label,
        head.local(&batch.created_at),
        batch.works.len(),
        files.len(),
        human_size(bytes),
    ));
    out.push(String::new());
    out.push("收到的作品与文件：".into());
    let mut category = None;
    for w in &batch.works {
        if category != Some(&w.category) {
            category = Some(&w.category);
            out.push(String::new());
            out.push(format!("【{}】", head.category(&w.category)));
        }
        let verdict = w.verdict.map_or("待收齐", Verdict::label);
        out.push(format!(
            "{}. 《{}》 {}  市级检查：{verdict}",
            w.seq,
            w.title,
            w.authors.join("、")
        ));
        for f in &w.files {
            let state = if f.verified {
                "核对一致"
            } else if f.arrived {
                "与校验值不符"
            } else {
                "尚未收到"
            };
            let checked = match (f.verified, f.verdict) {
                (true, Some(v)) => format!("，市级检查：{}", v.label()),
                _ => String::new(),
            };
            out.push(format!(
                "    {}  {}（{} 字节）",
                f.name,
                human_size(f.size),
                f.size
            ));
            out.push(format!("    SHA-256 {}  {state}{checked}", f.sha256));
        }
    }
    out.push(String::new());
    let issues = issues(batch, head).len();
    if issues == 0 {
        out.push("全部文件核对一致，无需补正。".into());
    } else {
        out.push(format!(
            "核对中发现{issues}项问题，需要补正的内容见补正通知。"
        ));
    }
    out.push("校验值可在 Windows 中用 certutil -hashfile 文件名 SHA256 核对。".into());
    head.closing(&mut out);
    finish(out)
}

const NUMERALS: [&str; 5] = ["一", "二", "三", "四", "五"];

/// The 补正通知: every issue, grouped, each group with what to do; None when there is nothing
/// to correct.
pub fn correction(batch: &ReceivedBatch, head: &Letterhead<'_>) -> Option<String> {
    let issues = issues(batch, head);
    if issues.is_empty() {
        return None;
    }
    let mut out = vec![format!("{}：", batch.office), String::new()];
    out.push(format!(
        "{}收到贵单位报送的{}作品{}（{}收到）后，逐一核对了每个文件的 SHA-256 校验值，并按活动规则重新检查，发现以下{}项问题，请予补正：",
        head.office,
        head.campaign.short_name,
        batch.label,
        head.local(&batch.received_at),
        issues.len()
    ));
    let mut groups: Vec<IssueGroup> = issues.iter().map(|i| i.group).collect();
    groups.dedup();
    for (g, group) in groups.iter().enumerate() {
        out.push(String::new());
        out.push(format!(
            "{}、{}",
            NUMERALS.get(g).copied().unwrap_or("另"),
            group.heading()
        ));
        for (n, issue) in issues.iter().filter(|i| i.group == *group).enumerate() {
            out.push(format!("  {}. {}", n + 1, issue.text));
        }
        out.push(format!("  {}", group.what_to_do()));
    }
    out.push(String::new());
    out.push("补正的文件收到后，我们会再次核对。".into());
    head.closing(&mut out);
    Some(finish(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::campaign::Severity;
    use crate::checks::Finding;
    use crate::city::ReceivedFile;

    fn file(name: &str, sha: char, verified: bool, arrived: bool, v: Verdict) -> ReceivedFile {
        ReceivedFile {
            id: 1,
            pending: false,
            link: None,
            name: name.into(),
            path: format!("01-微视频/{name}"),
            sha256: sha.to_string().repeat(64),
            size: 1_234_567,
            verified,
            arrived,
            district_verdict: Verdict::Pass,
            verdict: arrived.then_some(v),
            findings: if v == Verdict::Fail {
                vec![Finding {
                    rule: "video-landscape".into(),
                    severity: Severity::Error,
                    message: "画面须为横屏 16:9".into(),
                    actual: None,
                    expected: None,
                }]
            } else {
                Vec::new()
            },
        }
    }

    fn work(seq: u32, title: &str, files: Vec<ReceivedFile>) -> ReceivedWork {
        ReceivedWork {
            office: "金平区总工会".into(),
            batch: "第1批".into(),
            batch_id: 7,
            category: "micro-video".into(),
            seq,
            title: title.into(),
            authors: vec!["陈晓".into(), "林堃".into()],
            unit: "金平区总工会".into(),
            special_reason: None,
            district_verdict: Verdict::Pass,
            verdict: None,
            problems: Vec::new(),
            pending: Vec::new(),
            files,
        }
    }

    fn batch(works: Vec<ReceivedWork>, problems: Vec<ReceivedProblem>) -> ReceivedBatch {
        ReceivedBatch {
            id: 7,
            office: "金平区总工会".into(),
            label: "第1批（第2版）".into(),
            version: 2,
            created_at: "2023-06-20T02:00:00Z".into(),
            received_at: "2023-06-21T01:30:00Z".into(),
            sender: Some("jinping@example.test".into()),
            works,
            problems,
        }
    }

    fn check(f: impl FnOnce(&Letterhead<'_>)) {
        let campaign = crate::campaign::embedded_by_id(crate::campaign::DEFAULT_CAMPAIGN_ID)
            .expect("the default campaign");
        let head = Letterhead {
            office: "汕头市工人文化宫",
            contact_name: "李敏",
            contact_title: "干事",
            contact_phone: "0754-88888888",
            campaign: &campaign,
        };
        f(&head);
    }

    #[test]
    fn a_receipt_names_every_file_with_its_hash_size_and_verdict_in_local_time() {
        let b = batch(
            vec![
                work(
                    1,
                    "匠心",
                    vec![file("匠心.mp4", 'a', true, true, Verdict::Pass)],
                ),
                work(
                    2,
                    "春",
                    vec![file("春.mp4", 'b', false, false, Verdict::Pass)],
                ),
            ],
            vec![ReceivedProblem {
                path: "01-微视频/春.mp4".into(),
                kind: "missing".into(),
                message: "x".into(),
            }],
        );
        check(|head| {
            let text = receipt(&b, head);
            assert!(text.starts_with("金平区总工会：\r\n"), "{text}");
            for want in [
                "汕头市工人文化宫已于2023-06-21 09:30收到",
                "第1批（第2版）（2023-06-20 10:00生成）",
                "共2件作品、2个文件",
                "1个文件与贵单位清单（manifest.json）中的 SHA-256 校验值一致，1个文件尚未收到",
                "匠心.mp4  1.2 MB（1234567 字节）",
                &format!("SHA-256 {}  核对一致，市级检查：合格", "a".repeat(64)),
                &format!("SHA-256 {}  尚未收到", "b".repeat(64)),
                "《春》 陈晓、林堃  市级检查：待收齐",
                "核对中发现1项问题",
                "李敏 干事 0754-88888888",
            ] {
                assert!(text.contains(want), "{want} in:\n{text}");
            }
            assert!(text.lines().all(|l| !l.contains('\n')));
            assert_eq!(
                subject(ReplyKind::Receipt, &b, head),
                format!(
                    "{}-金平区总工会第1批（第2版）-收件回执",
                    head.campaign.short_name
                )
            );
        });
    }

    #[test]
    fn a_correction_groups_every_problem_with_what_to_do() {
        let mut failing = work(
            3,
            "夜景",
            vec![file("夜景.mp4", 'c', true, true, Verdict::Fail)],
        );
        failing.special_reason = Some("竖屏为作者原创手法".into());
        let b = batch(
            vec![
                work(
                    1,
                    "春",
                    vec![file("春.mp4", 'b', false, false, Verdict::Pass)],
                ),
                work(
                    2,
                    "秋",
                    vec![file("秋.mp4", 'd', false, true, Verdict::Pass)],
                ),
                failing,
            ],
            vec![
                ReceivedProblem {
                    path: "多余.txt".into(),
                    kind: "extra".into(),
                    message: "“多余.txt”不在清单中（多出的文件，未收入）".into(),
                },
                ReceivedProblem {
                    path: "01-微视频/秋.mp4".into(),
                    kind: "different".into(),
                    message: "x".into(),
                },
                ReceivedProblem {
                    path: "01-微视频/春.mp4".into(),
                    kind: "missing".into(),
                    message: "x".into(),
                },
            ],
        );
        check(|head| {
            let text = correction(&b, head).expect("issues");
            let order = [
                "发现以下4项问题",
                "一、缺少的文件",
                &format!(
                    "1. “01-微视频/春.mp4”（1.2 MB，SHA-256 {}）",
                    "b".repeat(64)
                ),
                "请把以上文件重新发送给我们",
                "二、损坏或与校验值不符的文件",
                &format!("清单中的 SHA-256 {} 不符", "d".repeat(64)),
                "三、多出的文件",
                "“多余.txt”不在清单中",
                "四、未通过市级检查的作品",
                "第3号《夜景》的“夜景.mp4”：画面须为横屏 16:9（贵单位已说明特批理由：竖屏为作者原创手法）",
                "请按活动要求更换文件后以补报批次报送",
            ];
            let mut at = 0;
            for want in order {
                let found = text[at..].find(want).unwrap_or_else(|| {
                    panic!("{want} after byte {at} in:\n{text}");
                });
                at += found + want.len();
            }
        });
    }

    #[test]
    fn nothing_to_correct_gives_no_correction() {
        let b = batch(
            vec![work(
                1,
                "匠心",
                vec![file("匠心.mp4", 'a', true, true, Verdict::Warn)],
            )],
            Vec::new(),
        );
        check(|head| {
            assert_eq!(correction(&b, head), None);
            assert!(receipt(&b, head).contains("全部文件核对一致，无需补正。"));
        });
    }
}
