//! Facts × rules → findings. Pure functions: no I/O, no clock.
//!
//! Each finding names the campaign rule it comes from, its severity (the notice's 须/不得 is an
//! error, its 建议 a warning), a Chinese message that says what is wrong and what to do, and the
//! measured and required values. Facts are cached per file content; verdicts are recomputed
//! from them whenever they are shown, so a changed campaign re-checks every file at once.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::campaign::{Campaign, Category, FileKind, RuleCheck, Severity};
use crate::media::{MediaFacts, MediaKind};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    Pass,
    Warn,
    Fail,
}

impl Verdict {
    pub fn label(self) -> &'static str {
        match self {
            Verdict::Pass => "合格",
            Verdict::Warn => "有提醒",
            Verdict::Fail => "不合格",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct Finding {
    /// The campaign rule's id, or one of the built-in checks: `file-readable`, `file-kind`,
    /// `file-complete`, `file-missing`.
    pub rule: String,
    pub severity: Severity,
    pub message: String,
    pub actual: Option<String>,
    pub expected: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct FileCheck {
    pub verdict: Verdict,
    pub findings: Vec<Finding>,
}

impl FileCheck {
    pub fn from_findings(findings: Vec<Finding>) -> Self {
        let verdict = findings
            .iter()
            .map(|f| match f.severity {
                Severity::Error => Verdict::Fail,
                Severity::Warning => Verdict::Warn,
            })
            .max()
            .unwrap_or(Verdict::Pass);
        FileCheck { verdict, findings }
    }
}

/// The campaign's kind for a probed file, if it is one the campaign knows.
pub fn file_kind(kind: MediaKind) -> Option<FileKind> {
    match kind {
        MediaKind::Video => Some(FileKind::Video),
        MediaKind::Audio => Some(FileKind::Audio),
        MediaKind::Photo => Some(FileKind::Photo),
        MediaKind::Document => Some(FileKind::Document),
        MediaKind::Other => None,
    }
}

/// Containers that hold video but are not MP4/MOV: reported as what they are.
fn is_foreign_video(container: &str) -> bool {
    matches!(
        container,
        "matroska" | "webm" | "avi" | "flv" | "mpeg-ts" | "mpeg-ps" | "wmv" | "asf" | "3gp" | "rm"
    )
}

fn error(rule: &str, message: String, actual: Option<String>, expected: Option<String>) -> Finding {
    Finding {
        rule: rule.to_owned(),
        severity: Severity::Error,
        message,
        actual,
        expected,
    }
}

/// `5分01秒`, `4分59.5秒`, `300秒` → minutes and seconds as a clerk reads them.
pub fn format_duration(seconds: f64) -> String {
    if !seconds.is_finite() || seconds < 0.0 {
        return "未知".into();
    }
    let whole = seconds.floor();
    let frac = seconds - whole;
    let total = whole as u64;
    let (m, s) = (total / 60, total % 60);
    let sec = if frac >= 0.0005 {
        format!("{:.3}", s as f64 + frac)
            .trim_end_matches('0')
            .trim_end_matches('.')
            .to_owned()
    } else {
        format!("{s:02}")
    };
    if m == 0 {
        let sec = sec
            .strip_prefix('0')
            .filter(|r| !r.is_empty() && !r.starts_with('.'))
            .unwrap_or(&sec);
        format!("{sec}秒")
    } else {
        format!("{m}分{sec}秒")
    }
}

fn ratio_label(w: u32, h: u32) -> String {
    fn gcd(a: u32, b: u32) -> u32 {
        if b == 0 { a } else { gcd(b, a % b) }
    }
    let g = gcd(w, h).max(1);
    let (a, b) = (w / g, h / g);
    if a <= 64 && b <= 64 {
        format!("{a}:{b}")
    } else {
        format!("{:.2}:1", f64::from(w) / f64::from(h))
    }
}

/// Judges one file for `category` (when known) against the campaign's rules.
pub fn check_file(
    facts: &MediaFacts,
    campaign: &Campaign,
    category: Option<&Category>,
) -> FileCheck {
    let mut findings = Vec::new();
    let kind = file_kind(facts.kind);

    // What it is, when it is not something the campaign takes.
    let Some(kind) = kind else {
        let video_rule = campaign
            .rules_for(FileKind::Video)
            .find(|r| matches!(r.check, RuleCheck::Container { .. }));
        if is_foreign_video(&facts.container) {
            let expected = video_rule.map(|r| r.source.clone());
            findings.push(error(
                video_rule.map_or("file-kind", |r| r.id.as_str()),
                format!(
                    "文件实际是{}，不是MP4或MOV格式（扩展名不能说明格式）。请用视频软件转换为MP4后重新提交",
                    facts.container_label
                ),
                Some(facts.container_label.clone()),
                expected,
            ));
        } else {
            let why = if facts.problems.is_empty() {
                "无法识别的文件格式".to_owned()
            } else {
                facts.problems.join("；")
            };
            findings.push(error(
                "file-readable",
                format!("无法作为作品读取：{why}。请向报送人索取原始文件"),
                Some(facts.container_label.clone()),
                None,
            ));
        }
        return FileCheck::from_findings(findings);
    };

    if let Some(cat) = category
        && !cat.accepts.contains(&kind)
    {
        let accepted: Vec<&str> = cat.accepts.iter().map(|k| k.label()).collect();
        findings.push(error(
            "file-kind",
            format!(
                "“{}”只接受{}作品，此文件是{}（{}）",
                cat.name,
                accepted.join("、"),
                kind.label(),
                facts.container_label
            ),
            Some(kind.label().to_owned()),
            Some(accepted.join("、")),
        ));
    }

    if !facts.complete {
        let why = if facts.problems.is_empty() {
            "文件不完整".to_owned()
        } else {
            facts.problems.join("；")
        };
        findings.push(error(
            "file-complete",
            format!("{why}。请从原始来源重新复制此文件"),
            Some("不完整".into()),
            Some("完整的文件".into()),
        ));
    }

    for rule in campaign.rules_for(kind) {
        let found = match &rule.check {
            RuleCheck::Container { allowed } => check_container(facts, allowed),
            RuleCheck::AspectRatio {
                width,
                height,
                tolerance,
            } => check_aspect(facts, *width, *height, *tolerance),
            RuleCheck::MinResolution { width, height } => check_resolution(facts, *width, *height),
            RuleCheck::MaxDuration { seconds } => check_duration(facts, *seconds, rule.severity),
        };
        if let Some((message, actual, expected)) = found {
            findings.push(Finding {
                rule: rule.id.clone(),
                severity: rule.severity,
                message,
                actual,
                expected,
            });
        }
    }
    FileCheck::from_findings(findings)
}

type Found = Option<(String, Option<String>, Option<String>)>;

fn check_container(facts: &MediaFacts, allowed: &[String]) -> Found {
    let ok = allowed.iter().any(|a| a == &facts.container);
    if ok {
        return None;
    }
    let expected: Vec<String> = allowed.iter().map(|a| a.to_uppercase()).collect();
    Some((
        format!(
            "视频格式为{}，要求{}。请转换为MP4后重新提交",
            facts.container_label,
            expected.join("、")
        ),
        Some(facts.container_label.clone()),
        Some(expected.join("、")),
    ))
}

fn check_aspect(facts: &MediaFacts, w: u32, h: u32, tolerance: f64) -> Found {
    let expected = format!("{w}:{h} 横屏");
    let (Some(dw), Some(dh)) = (facts.display_width, facts.display_height) else {
        return Some((
            "无法读取画面尺寸，不能确认画幅是否为16:9".into(),
            None,
            Some(expected),
        ));
    };
    if dw == 0 || dh == 0 {
        return Some(("画面尺寸为0，文件可能已损坏".into(), None, Some(expected)));
    }
    let actual = format!("{dw}×{dh}（{}）", ratio_label(dw, dh));
    let target = f64::from(w) / f64::from(h);
    let have = f64::from(dw) / f64::from(dh);
    if dh > dw && w >= h {
        let rotated = match facts.rotation_cw {
            Some(r) if r == 90 || r == 270 => "（手机竖拍，带旋转标记）",
            _ => "",
        };
        return Some((
            format!(
                "竖屏视频（{dw}×{dh}）{rotated}不符合{w}:{h}横屏要求，请横屏拍摄或重新导出为横屏"
            ),
            Some(actual),
            Some(expected),
        ));
    }
    if (have / target - 1.0).abs() > tolerance {
        return Some((
            format!(
                "画幅宽高比为{}（{dw}×{dh}），不符合{w}:{h}要求，请重新导出为{w}:{h}（如1920×1080）",
                ratio_label(dw, dh)
            ),
            Some(actual),
            Some(expected),
        ));
    }
    None
}

fn check_resolution(facts: &MediaFacts, min_w: u32, min_h: u32) -> Found {
    let expected = format!("不小于{min_w}×{min_h}");
    let (Some(cw), Some(ch)) = (facts.width, facts.height) else {
        return Some(("无法读取分辨率".into(), None, Some(expected)));
    };
    // Compare the stored pixels, landscape-wise: a rotated portrait clip is judged by the
    // aspect rule, not twice.
    let (long, short) = (cw.max(ch), cw.min(ch));
    let (need_long, need_short) = (min_w.max(min_h), min_w.min(min_h));
    if long >= need_long && short >= need_short {
        return None;
    }
    let actual = format!("{cw}×{ch}");
    if let Some((hs, vs)) = facts.pixel_aspect
        && hs != vs
    {
        let shown = match (facts.display_width, facts.display_height) {
            (Some(dw), Some(dh)) => format!("，播放时拉伸显示为{dw}×{dh}"),
            _ => String::new(),
        };
        return Some((
            format!(
                "变形宽屏视频：实际只存储{cw}×{ch}像素（像素宽高比{hs}:{vs}）{shown}，分辨率低于{min_w}×{min_h}。请以{min_w}×{min_h}方形像素重新导出"
            ),
            Some(format!("{actual}（像素宽高比{hs}:{vs}）")),
            Some(expected),
        ));
    }
    Some((
        format!(
            "分辨率为{cw}×{ch}，低于要求的{min_w}×{min_h}。请以1080P或更高分辨率重新导出（手机拍摄请调至最高分辨率）"
        ),
        Some(actual),
        Some(expected),
    ))
}

fn check_duration(facts: &MediaFacts, max: f64, severity: Severity) -> Found {
    let expected = format!("{}以内", format_duration(max));
    let Some(d) = facts.duration_s else {
        return Some(("无法读取时长".into(), None, Some(expected)));
    };
    // Half a millisecond of slack: container timescales round, the notice does not.
    if d <= max + 0.0005 {
        return None;
    }
    let advice = match severity {
        Severity::Warning => "（通知为“建议”，可以报送，但建议剪辑）",
        Severity::Error => "，请剪辑后重新导出",
    };
    Some((
        format!("时长{}，超过{}{advice}", format_duration(d), expected),
        Some(format_duration(d)),
        Some(expected),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::campaign::embedded_by_id;

    fn video(w: u32, h: u32) -> MediaFacts {
        MediaFacts {
            kind: MediaKind::Video,
            container: "mp4".into(),
            container_label: "MP4 视频".into(),
            duration_s: Some(120.0),
            width: Some(w),
            height: Some(h),
            display_width: Some(w),
            display_height: Some(h),
            rotation_cw: Some(0),
            pixel_aspect: None,
            video_codec: Some("avc1".into()),
            audio_codec: Some("mp4a".into()),
            frame_rate: Some(25.0),
            sample_rate: Some(48000),
            complete: true,
            title: None,
            problems: vec![],
        }
    }

    /// One line per case: the facts, then the verdict and the rules that fire.
    fn check(facts: MediaFacts, category: &str, verdict: Verdict, rules: &[&str]) -> FileCheck {
        let c = embedded_by_id("shantou-2023").expect("campaign");
        let result = check_file(&facts, &c, c.category(category));
        let fired: Vec<&str> = result.findings.iter().map(|f| f.rule.as_str()).collect();
        assert_eq!(
            (result.verdict, fired.as_slice()),
            (verdict, rules),
            "{result:#?}"
        );
        result
    }

    #[test]
    fn full_hd_landscape_passes() {
        check(video(1920, 1080), "micro-video", Verdict::Pass, &[]);
    }

    #[test]
    fn x264_coded_1088_lines_pass() {
        let mut f = video(1920, 1088);
        f.display_height = Some(1080);
        check(f.clone(), "micro-video", Verdict::Pass, &[]);
        // A file that really displays 1920×1088 is within the 1 % tolerance too.
        f.display_height = Some(1088);
        check(f, "micro-video", Verdict::Pass, &[]);
    }

    #[test]
    fn rotated_portrait_video_fails_landscape_rule() {
        let mut f = video(1920, 1080);
        f.display_width = Some(1080);
        f.display_height = Some(1920);
        f.rotation_cw = Some(90);
        let r = check(f, "micro-video", Verdict::Fail, &["video-aspect"]);
        assert!(
            r.findings[0].message.contains("竖屏视频（1080×1920）"),
            "{r:?}"
        );
        assert!(r.findings[0].message.contains("请横屏拍摄"), "{r:?}");
    }

    #[test]
    fn low_resolution_fails_with_what_to_do() {
        let r = check(
            video(1280, 720),
            "micro-video",
            Verdict::Fail,
            &["video-min-resolution"],
        );
        assert_eq!(r.findings[0].actual.as_deref(), Some("1280×720"));
        assert_eq!(r.findings[0].expected.as_deref(), Some("不小于1920×1080"));
    }

    #[test]
    fn anamorphic_1440_never_passes_silently() {
        let mut f = video(1440, 1080);
        f.display_width = Some(1920);
        f.pixel_aspect = Some((4, 3));
        let r = check(f, "micro-video", Verdict::Fail, &["video-min-resolution"]);
        assert!(r.findings[0].message.contains("变形宽屏"), "{r:?}");
        assert!(r.findings[0].message.contains("4:3"), "{r:?}");
    }

    #[test]
    fn four_by_three_fails_aspect() {
        let r = check(
            video(1920, 1440),
            "micro-video",
            Verdict::Fail,
            &["video-aspect"],
        );
        assert!(r.findings[0].message.contains("4:3"), "{r:?}");
    }

    #[test]
    fn exactly_five_minutes_passes_and_a_second_more_warns() {
        let mut f = video(1920, 1080);
        f.duration_s = Some(300.0);
        check(f.clone(), "micro-video", Verdict::Pass, &[]);
        f.duration_s = Some(301.0);
        let r = check(f, "micro-video", Verdict::Warn, &["video-max-duration"]);
        assert!(r.findings[0].message.contains("5分01秒"), "{r:?}");
        assert!(r.findings[0].message.contains("建议"), "{r:?}");
    }

    #[test]
    fn truncated_file_fails_as_incomplete() {
        let mut f = video(1920, 1080);
        f.complete = false;
        f.problems = vec!["文件不完整：内容在第 1000 字节处被截断".into()];
        check(f, "micro-video", Verdict::Fail, &["file-complete"]);
    }

    #[test]
    fn matroska_named_mp4_fails_with_what_it_really_is() {
        let mut f = MediaFacts::unreadable_for_tests("matroska", "Matroska（MKV）视频");
        f.problems.clear();
        let r = check(f, "micro-video", Verdict::Fail, &["video-container"]);
        assert!(r.findings[0].message.contains("Matroska"), "{r:?}");
    }

    #[test]
    fn hevc_mov_from_an_iphone_is_valid() {
        let mut f = video(1920, 1080);
        f.container = "mov".into();
        f.video_codec = Some("hvc1".into());
        check(f, "micro-video", Verdict::Pass, &[]);
    }

    #[test]
    fn audio_recitation_passes_but_audio_micro_video_does_not() {
        let audio = MediaFacts {
            kind: MediaKind::Audio,
            container: "mp3".into(),
            container_label: "MP3 音频".into(),
            width: None,
            height: None,
            display_width: None,
            display_height: None,
            video_codec: None,
            audio_codec: Some("mp3".into()),
            ..video(0, 0)
        };
        check(audio.clone(), "recitation", Verdict::Pass, &[]);
        check(audio, "micro-video", Verdict::Fail, &["file-kind"]);
    }

    #[test]
    fn unknown_bytes_fail_as_unreadable() {
        let f = MediaFacts::unreadable_for_tests("unknown", "未知格式");
        check(f, "recitation", Verdict::Fail, &["file-readable"]);
    }

    #[test]
    fn durations_read_as_a_clerk_says_them() {
        assert_eq!(format_duration(301.0), "5分01秒");
        assert_eq!(format_duration(300.0), "5分00秒");
        assert_eq!(format_duration(59.5), "59.5秒");
        assert_eq!(format_duration(2.0), "2秒");
        assert_eq!(format_duration(0.0), "0秒");
        assert_eq!(format_duration(f64::NAN), "未知");
    }
}
