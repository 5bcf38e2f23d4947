//! The campaign file as written, and its validation into [`Campaign`].
//!
//! Fields that other fields refer to, or whose value is checked beyond its type, are read as
//! [`Spanned`] so an error can point at the line the clerk (or the developer preparing next
//! year's file) has to fix.

use std::collections::HashSet;
use std::ops::Range;

use chrono::{NaiveDate, NaiveDateTime, NaiveTime, TimeZone};
use chrono_tz::Tz;
use serde::Deserialize;
use toml::Spanned;
use toml::value::Datetime;

use super::{
    Campaign, CampaignError, Category, Contact, Deadline, Declaration, FileKind, FileRule, Level,
    Notice, RuleCheck, Severity, Submission, SubmissionMethod, Unit, UnitType,
};

/// The only schema this build reads.
const SCHEMA: u32 = 1;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCampaign {
    schema: Spanned<u32>,
    id: Spanned<String>,
    rules_version: u32,
    name: String,
    short_name: String,
    level: Level,
    year: i32,
    #[serde(default)]
    organisers: Vec<String>,
    notice: RawNotice,
    timezone: Spanned<String>,
    submission: RawSubmission,
    #[serde(default)]
    deadlines: Vec<RawDeadline>,
    categories: Vec<RawCategory>,
    #[serde(default)]
    file_rules: Vec<RawFileRule>,
    #[serde(default)]
    theme_tags: Vec<String>,
    #[serde(default)]
    declarations: Vec<Declaration>,
    unit_types: Vec<RawUnitType>,
    #[serde(default)]
    units: Vec<RawUnit>,
    #[serde(default)]
    contacts: Vec<Contact>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNotice {
    title: String,
    document_number: Option<String>,
    issued_on: Option<Spanned<Datetime>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSubmission {
    method: SubmissionMethod,
    mailbox: Option<Spanned<String>>,
    recipient: String,
    note: Option<String>,
    file_pattern: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDeadline {
    id: Spanned<String>,
    title: String,
    /// A local date-time (or a date, meaning the end of that day) in the campaign's zone.
    due: Spanned<Datetime>,
    what: String,
    channel: Option<String>,
    #[serde(default)]
    approximate: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCategory {
    id: Spanned<String>,
    name: String,
    short_name: String,
    accepts: Spanned<Vec<FileKind>>,
    theme: Option<String>,
    description: String,
    organiser: Option<String>,
    #[serde(default)]
    contacts: Vec<Contact>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFileRule {
    id: Spanned<String>,
    applies_to: FileKind,
    severity: Severity,
    check: Spanned<RawCheck>,
    source: String,
}

#[derive(Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
enum RawCheck {
    Container { allowed: Vec<String> },
    AspectRatio { ratio: String, tolerance: f64 },
    MinResolution { width: u32, height: u32 },
    MaxDuration { seconds: f64 },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawUnitType {
    id: Spanned<String>,
    name: String,
    min_per_category: Option<u32>,
    max_per_category: Option<Spanned<u32>>,
    source: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawUnit {
    name: Spanned<String>,
    unit_type: Spanned<String>,
}

/// Where in the text an error is, as 1-based line and column.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before.rfind('\n').map_or(before.chars().count(), |nl| {
        before[nl + 1..].chars().count()
    }) + 1;
    (line, column)
}

struct Checker<'a> {
    file: &'a str,
    text: &'a str,
}

impl Checker<'_> {
    fn err(&self, span: Range<usize>, field: &str, message: impl Into<String>) -> CampaignError {
        let (line, column) = line_col(self.text, span.start);
        CampaignError::Invalid {
            file: self.file.to_owned(),
            line,
            column,
            field: field.to_owned(),
            message: message.into(),
        }
    }
}

/// Parses and validates a campaign file. `file` names it in error messages.
pub fn parse_campaign(file: &str, text: &str) -> Result<Campaign, CampaignError> {
    let ck = Checker { file, text };
    let deserializer = toml::Deserializer::parse(text).map_err(|e| {
        ck.err(
            e.span().unwrap_or(0..0),
            "",
            format!("TOML 语法错误：{}", e.message()),
        )
    })?;
    let raw: RawCampaign = serde_path_to_error::deserialize(deserializer).map_err(|e| {
        let field = e.path().to_string();
        let field = if field == "." { String::new() } else { field };
        let inner = e.into_inner();
        ck.err(
            inner.span().unwrap_or(0..0),
            &field,
            translate_serde_message(inner.message()),
        )
    })?;
    validate(&ck, raw)
}

/// serde's own messages are English; the common ones are said again in Chinese.
fn translate_serde_message(message: &str) -> String {
    if let Some(rest) = message.strip_prefix("missing field ") {
        return format!("缺少必填字段 {}", rest.trim_matches('`'));
    }
    if let Some(rest) = message.strip_prefix("unknown field ") {
        let name = rest.split(',').next().unwrap_or(rest).trim_matches('`');
        return format!("不认识的字段 {name}（字段名拼写是否有误？）");
    }
    if let Some(rest) = message.strip_prefix("invalid type: ") {
        return format!("类型不对：{rest}");
    }
    if let Some(rest) = message.strip_prefix("unknown variant ") {
        let rest = rest
            .replace(", expected one of ", "，可选值：")
            .replace(", expected ", "，可选值：")
            .replace(" or ", "、");
        return format!("不认识的取值 {rest}");
    }
    message.to_owned()
}

fn unique<'a>(
    ck: &Checker<'_>,
    field: &str,
    ids: impl IntoIterator<Item = &'a Spanned<String>>,
) -> Result<(), CampaignError> {
    let mut seen = HashSet::new();
    for id in ids {
        if id.get_ref().trim().is_empty() {
            return Err(ck.err(id.span(), field, "编号不能为空"));
        }
        if !seen.insert(id.get_ref().as_str()) {
            return Err(ck.err(id.span(), field, format!("编号“{}”重复", id.get_ref())));
        }
    }
    Ok(())
}

fn local_due(
    ck: &Checker<'_>,
    zone: Tz,
    due: &Spanned<Datetime>,
) -> Result<(chrono::DateTime<Tz>, String), CampaignError> {
    let dt = due.get_ref();
    let bad = |m: &str| ck.err(due.span(), "deadlines.due", m);
    if dt.offset.is_some() {
        return Err(bad(
            "请写成不带时区的本地时间（如 2023-06-08T12:00:00），时区由 timezone 字段给出",
        ));
    }
    let date = dt.date.ok_or_else(|| bad("缺少日期"))?;
    let date = NaiveDate::from_ymd_opt(
        i32::from(date.year),
        u32::from(date.month),
        u32::from(date.day),
    )
    .ok_or_else(|| bad("日期不存在"))?;
    // A bare date means "by the end of that day" (…日前).
    let time = match dt.time {
        Some(t) => NaiveTime::from_hms_opt(u32::from(t.hour), u32::from(t.minute), 0)
            .ok_or_else(|| bad("时间不存在"))?,
        None => NaiveTime::from_hms_opt(23, 59, 59).ok_or_else(|| bad("时间不存在"))?,
    };
    let local = NaiveDateTime::new(date, time);
    let at = zone
        .from_local_datetime(&local)
        .single()
        .ok_or_else(|| bad("该本地时间在所给时区中不存在或有歧义"))?;
    Ok((at, local.format("%Y-%m-%d %H:%M").to_string()))
}

fn parse_ratio(
    ck: &Checker<'_>,
    span: Range<usize>,
    ratio: &str,
) -> Result<(u32, u32), CampaignError> {
    let bad = || {
        ck.err(
            span.clone(),
            "file_rules.check.ratio",
            format!("“{ratio}”不是宽:高比例，应写成如 16:9"),
        )
    };
    let (w, h) = ratio.split_once(':').ok_or_else(bad)?;
    let w: u32 = w.trim().parse().map_err(|_| bad())?;
    let h: u32 = h.trim().parse().map_err(|_| bad())?;
    if w == 0 || h == 0 {
        return Err(bad());
    }
    Ok((w, h))
}

fn validate(ck: &Checker<'_>, raw: RawCampaign) -> Result<Campaign, CampaignError> {
    if *raw.schema.get_ref() != SCHEMA {
        return Err(ck.err(
            raw.schema.span(),
            "schema",
            format!(
                "本软件只能读取第 {SCHEMA} 版格式，此文件为第 {} 版，请升级软件",
                raw.schema.get_ref()
            ),
        ));
    }
    let id = raw.id.get_ref();
    if id.is_empty()
        || !id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        return Err(ck.err(
            raw.id.span(),
            "id",
            "活动编号只能由小写英文字母、数字和连字符组成，如 shantou-2024",
        ));
    }
    let zone: Tz = raw.timezone.get_ref().parse().map_err(|_| {
        ck.err(
            raw.timezone.span(),
            "timezone",
            format!(
                "“{}”不是有效的时区名，汕头应为 Asia/Shanghai",
                raw.timezone.get_ref()
            ),
        )
    })?;

    if raw.submission.method == SubmissionMethod::Email {
        match &raw.submission.mailbox {
            Some(m) if is_plausible_email(m.get_ref()) => {}
            Some(m) => {
                return Err(ck.err(
                    m.span(),
                    "submission.mailbox",
                    format!("“{}”不是有效的邮箱地址", m.get_ref()),
                ));
            }
            None => {
                return Err(ck.err(
                    0..0,
                    "submission.mailbox",
                    "报送方式为 email 时必须给出接收邮箱 mailbox",
                ));
            }
        }
    }

    if let Some(p) = &raw.submission.file_pattern
        && let Err(message) = crate::naming::validate_pattern(p.get_ref())
    {
        return Err(ck.err(p.span(), "submission.file_pattern", message));
    }

    unique(ck, "deadlines.id", raw.deadlines.iter().map(|d| &d.id))?;
    let mut deadlines = Vec::with_capacity(raw.deadlines.len());
    for d in raw.deadlines {
        let (at, due_local) = local_due(ck, zone, &d.due)?;
        deadlines.push(Deadline {
            id: d.id.into_inner(),
            title: d.title,
            due: at.with_timezone(&chrono::Utc),
            due_local,
            what: d.what,
            channel: d.channel,
            approximate: d.approximate,
        });
    }

    if raw.categories.is_empty() {
        return Err(ck.err(0..0, "categories", "至少需要一个子项目（[[categories]]）"));
    }
    unique(ck, "categories.id", raw.categories.iter().map(|c| &c.id))?;
    let mut categories = Vec::with_capacity(raw.categories.len());
    for c in raw.categories {
        if c.accepts.get_ref().is_empty() {
            return Err(ck.err(
                c.accepts.span(),
                "categories.accepts",
                "至少要接受一种文件类型",
            ));
        }
        categories.push(Category {
            id: c.id.into_inner(),
            name: c.name,
            short_name: c.short_name,
            accepts: c.accepts.into_inner(),
            theme: c.theme,
            description: c.description,
            organiser: c.organiser,
            contacts: c.contacts,
        });
    }

    unique(ck, "file_rules.id", raw.file_rules.iter().map(|r| &r.id))?;
    let mut file_rules = Vec::with_capacity(raw.file_rules.len());
    for r in raw.file_rules {
        let span = r.check.span();
        let check = match r.check.into_inner() {
            RawCheck::Container { allowed } => {
                if allowed.is_empty() {
                    return Err(ck.err(span, "file_rules.check.allowed", "至少列出一种格式"));
                }
                RuleCheck::Container {
                    allowed: allowed
                        .into_iter()
                        .map(|a| a.to_ascii_lowercase())
                        .collect(),
                }
            }
            RawCheck::AspectRatio { ratio, tolerance } => {
                let (width, height) = parse_ratio(ck, span.clone(), &ratio)?;
                if !(0.0..0.2).contains(&tolerance) {
                    return Err(ck.err(
                        span,
                        "file_rules.check.tolerance",
                        "容差应在 0 到 0.2 之间（0.01 即 1%）",
                    ));
                }
                RuleCheck::AspectRatio {
                    width,
                    height,
                    tolerance,
                }
            }
            RawCheck::MinResolution { width, height } => RuleCheck::MinResolution { width, height },
            RawCheck::MaxDuration { seconds } => {
                if !(seconds.is_finite() && seconds > 0.0) {
                    return Err(ck.err(span, "file_rules.check.seconds", "时长必须是正数（秒）"));
                }
                RuleCheck::MaxDuration { seconds }
            }
        };
        file_rules.push(FileRule {
            id: r.id.into_inner(),
            applies_to: r.applies_to,
            severity: r.severity,
            check,
            source: r.source,
        });
    }

    if raw.unit_types.is_empty() {
        return Err(ck.err(0..0, "unit_types", "至少需要一种单位类型（[[unit_types]]）"));
    }
    unique(ck, "unit_types.id", raw.unit_types.iter().map(|u| &u.id))?;
    let mut unit_types = Vec::with_capacity(raw.unit_types.len());
    for u in raw.unit_types {
        if let (Some(min), Some(max)) = (u.min_per_category, &u.max_per_category)
            && min > *max.get_ref()
        {
            return Err(ck.err(
                max.span(),
                "unit_types.max_per_category",
                format!("上限 {} 小于下限 {min}", max.get_ref()),
            ));
        }
        unit_types.push(UnitType {
            id: u.id.into_inner(),
            name: u.name,
            min_per_category: u.min_per_category,
            max_per_category: u.max_per_category.map(Spanned::into_inner),
            source: u.source,
        });
    }

    unique(ck, "units.name", raw.units.iter().map(|u| &u.name))?;
    let mut units = Vec::with_capacity(raw.units.len());
    for u in raw.units {
        if !unit_types.iter().any(|t| t.id == *u.unit_type.get_ref()) {
            let known: Vec<&str> = unit_types.iter().map(|t| t.id.as_str()).collect();
            return Err(ck.err(
                u.unit_type.span(),
                "units.unit_type",
                format!(
                    "单位类型“{}”未在 [[unit_types]] 中定义（已定义：{}）",
                    u.unit_type.get_ref(),
                    known.join("、")
                ),
            ));
        }
        units.push(Unit {
            name: u.name.into_inner(),
            unit_type: u.unit_type.into_inner(),
        });
    }

    let issued_on = match raw.notice.issued_on {
        Some(d) => match d.get_ref().date {
            Some(date) if d.get_ref().time.is_none() => Some(format!(
                "{:04}-{:02}-{:02}",
                date.year, date.month, date.day
            )),
            _ => {
                return Err(ck.err(
                    d.span(),
                    "notice.issued_on",
                    "发文日期应写成日期，如 2023-05-10",
                ));
            }
        },
        None => None,
    };

    Ok(Campaign {
        id: raw.id.into_inner(),
        rules_version: raw.rules_version,
        name: raw.name,
        short_name: raw.short_name,
        level: raw.level,
        year: raw.year,
        organisers: raw.organisers,
        notice: Notice {
            title: raw.notice.title,
            document_number: raw.notice.document_number,
            issued_on,
        },
        timezone: raw.timezone.into_inner(),
        submission: Submission {
            method: raw.submission.method,
            mailbox: raw.submission.mailbox.map(Spanned::into_inner),
            recipient: raw.submission.recipient,
            note: raw.submission.note,
            file_pattern: raw
                .submission
                .file_pattern
                .map(Spanned::into_inner)
                .unwrap_or_else(|| crate::naming::DEFAULT_PATTERN.to_owned()),
        },
        deadlines,
        categories,
        file_rules,
        theme_tags: raw.theme_tags,
        declarations: raw.declarations,
        unit_types,
        units,
        contacts: raw.contacts,
    })
}

fn is_plausible_email(s: &str) -> bool {
    match s.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !s.chars().any(char::is_whitespace)
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHANTOU: &str = include_str!("../../../assets/campaigns/shantou-2023.toml");

    /// Parses `text` and returns the (line, field, message) of the error it must produce.
    fn invalid(text: &str) -> (usize, String, String) {
        match parse_campaign("broken.toml", text) {
            Err(CampaignError::Invalid {
                line,
                field,
                message,
                file,
                ..
            }) => {
                assert_eq!(file, "broken.toml");
                (line, field, message)
            }
            Err(other) => panic!("wrong error: {other}"),
            Ok(_) => panic!("a broken campaign loaded"),
        }
    }

    fn line_of(text: &str, needle: &str) -> usize {
        text.lines()
            .position(|l| l.contains(needle))
            .map(|i| i + 1)
            .unwrap_or_else(|| panic!("{needle} not in text"))
    }

    #[test]
    fn a_file_pattern_with_an_unknown_placeholder_is_refused_on_its_line() {
        let text = SHANTOU.replacen(
            "file_pattern = \"{序号}-{单位}-{作者}-{作品名}\"",
            "file_pattern = \"{序号}-{学校}\"",
            1,
        );
        assert_ne!(text, SHANTOU);
        let (line, field, message) = invalid(&text);
        assert_eq!(line, line_of(&text, "{学校}"));
        assert_eq!(field, "submission.file_pattern");
        assert!(message.contains("学校"), "{message}");
        let c = parse_campaign("ok.toml", SHANTOU).expect("loads");
        assert_eq!(c.submission.file_pattern, "{序号}-{单位}-{作者}-{作品名}");
    }

    #[test]
    fn syntax_error_names_the_line() {
        let text = SHANTOU.replacen("rules_version = ", "rules_version == ", 1);
        let (line, _, message) = invalid(&text);
        assert_eq!(line, line_of(&text, "rules_version =="));
        assert!(message.contains("TOML"), "{message}");
    }

    #[test]
    fn wrong_type_names_the_field_and_line() {
        let text = SHANTOU.replacen("min_per_category = 10", "min_per_category = \"十\"", 1);
        let (line, field, message) = invalid(&text);
        assert_eq!(line, line_of(&text, "min_per_category = \"十\""));
        assert!(field.contains("min_per_category"), "{field}");
        assert!(message.contains("类型不对"), "{message}");
    }

    #[test]
    fn unknown_unit_type_is_refused_with_its_line() {
        let text = SHANTOU.replacen(
            "unit_type = \"county-or-zone\"",
            "unit_type = \"county\"",
            1,
        );
        let (line, field, message) = invalid(&text);
        assert_eq!(line, line_of(&text, "unit_type = \"county\""));
        assert_eq!(field, "units.unit_type");
        assert!(message.contains("county"), "{message}");
    }

    #[test]
    fn misspelt_field_is_refused() {
        let text = SHANTOU.replacen("short_name =", "shortname =", 1);
        let (_, _, message) = invalid(&text);
        assert!(message.contains("shortname"), "{message}");
    }

    #[test]
    fn bad_severity_is_refused() {
        let text = SHANTOU.replacen("severity = \"warning\"", "severity = \"建议\"", 1);
        let (line, field, _) = invalid(&text);
        assert_eq!(line, line_of(&text, "severity = \"建议\""));
        assert!(field.contains("severity"), "{field}");
    }

    #[test]
    fn duplicate_category_is_refused() {
        let text = SHANTOU.replacen("id = \"micro-video\"", "id = \"recitation\"", 1);
        let (_, field, message) = invalid(&text);
        assert_eq!(field, "categories.id");
        assert!(message.contains("重复"), "{message}");
    }

    #[test]
    fn newer_schema_is_refused() {
        let text = SHANTOU.replacen("schema = 1", "schema = 2", 1);
        let (line, field, _) = invalid(&text);
        assert_eq!(
            (line, field.as_str()),
            (line_of(&text, "schema = 2"), "schema")
        );
    }

    #[test]
    fn bad_timezone_is_refused() {
        let text = SHANTOU.replacen("Asia/Shanghai", "Asia/Shantou", 1);
        let (_, field, _) = invalid(&text);
        assert_eq!(field, "timezone");
    }

    #[test]
    fn line_col_counts_chinese_characters_as_one_column() {
        assert_eq!(line_col("一二\n三四五", 10), (2, 2));
        // An offset inside a character never panics.
        assert_eq!(line_col("一二\n三四五", 9), (2, 1));
    }
}
