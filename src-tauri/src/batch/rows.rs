//! How a work of a batch reads in a table row — its duration, its check result, its remarks —
//! the same in the 汇总表's workbook, the printed documents and the mail's text. The 汇总表's
//! columns are declared here once ([`WORK_COLUMNS`], [`work_row`]): its workbook and its PDF
//! are both drawn from them, so they agree column for column.

use super::BatchEntry;
use crate::checks::Verdict;

/// `4分32秒`, `58秒`.
pub fn duration_text(seconds: Option<f64>) -> String {
    match seconds {
        Some(s) if s.is_finite() && s >= 0.0 => {
            let total = s.round() as u64;
            let (m, s) = (total / 60, total % 60);
            if m > 0 {
                format!("{m}分{s:02}秒")
            } else {
                format!("{s}秒")
            }
        }
        _ => String::new(),
    }
}

/// The check result as the recipient reads it: 合格 / 有提醒 / 已特批.
pub fn verdict_text(e: &BatchEntry) -> &'static str {
    match (e.verdict, &e.special_reason) {
        (Verdict::Fail, Some(_)) => "已特批",
        (v, _) => v.label(),
    }
}

/// The 备注 cell: the special reason and the warnings.
pub fn remarks(e: &BatchEntry) -> String {
    let mut parts = Vec::new();
    if let Some(r) = &e.special_reason {
        parts.push(format!("特批理由：{r}"));
    }
    parts.extend(e.warnings.iter().cloned());
    parts.join("\n")
}

/// A column of a table that is both a workbook and a printed page.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Column {
    /// The header (an interface: programs read the workbook by it).
    pub header: &'static str,
    /// Its share of the printed page's width.
    pub weight: f32,
    /// Whether it is on paper. A column that is not (a 64-character SHA-256) stays in the
    /// workbook after the print area: on a page it would shrink every other column to
    /// illegibility. Printed columns come first.
    pub printed: bool,
}

impl Column {
    pub const fn printed(header: &'static str, weight: f32) -> Self {
        Column {
            header,
            weight,
            printed: true,
        }
    }

    pub const fn on_screen(header: &'static str, weight: f32) -> Self {
        Column {
            header,
            weight,
            printed: false,
        }
    }
}

/// How many of `columns` are on paper (they come first).
pub fn printed_count(columns: &[Column]) -> usize {
    columns.iter().take_while(|c| c.printed).count()
}

/// The 汇总表's columns for the works of one category, in order.
pub const WORK_COLUMNS: &[Column] = &[
    Column::printed("序号", 0.6),
    Column::printed("作品名称", 2.6),
    Column::printed("作者", 1.4),
    Column::printed("推荐单位", 1.8),
    Column::printed("联系电话", 1.4),
    Column::printed("时长", 0.9),
    Column::printed("分辨率", 1.4),
    Column::printed("文件名", 2.6),
    Column::printed("检查结果", 1.3),
    Column::printed("备注", 2.0),
    Column::on_screen("SHA-256", 5.0),
];

/// A work's cells under [`WORK_COLUMNS`]; a work of several files has a line per file.
pub fn work_row(e: &BatchEntry) -> Vec<String> {
    let per_file = |f: &dyn Fn(&super::BatchFile) -> Option<String>| -> String {
        e.files.iter().filter_map(f).collect::<Vec<_>>().join("\n")
    };
    vec![
        e.seq.to_string(),
        e.fields.title.clone(),
        e.fields.authors.join("、"),
        e.fields.unit.clone(),
        e.fields.phone.clone(),
        per_file(&|f| {
            let d = duration_text(f.facts.as_ref().and_then(|x| x.duration_s));
            (!d.is_empty()).then_some(d)
        }),
        per_file(&|f| {
            let x = f.facts.as_ref()?;
            Some(format!("{}×{}", x.display_width?, x.display_height?))
        }),
        per_file(&|f| {
            Some(
                f.package_path
                    .rsplit('/')
                    .next()
                    .unwrap_or(&f.package_path)
                    .to_owned(),
            )
        }),
        verdict_text(e).to_owned(),
        remarks(e),
        per_file(&|f| Some(f.sha256.clone())),
    ]
}

/// Display width of text in Excel's character units: a CJK or full-width character takes two.
pub fn text_width(text: &str) -> f64 {
    text.lines()
        .map(|line| {
            line.chars()
                .map(|c| if is_wide(c) { 2.0 } else { 1.05 })
                .sum::<f64>()
        })
        .fold(0.0, f64::max)
}

fn is_wide(c: char) -> bool {
    matches!(c as u32,
        0x1100..=0x115F | 0x2E80..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF |
        0xFE30..=0xFE4F | 0xFF00..=0xFF60 | 0xFFE0..=0xFFE6 | 0x1F300..=0x1F64F |
        0x20000..=0x3FFFD)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printed_columns_come_first_and_the_hash_is_not_printed() {
        let n = printed_count(WORK_COLUMNS);
        assert!(WORK_COLUMNS[n..].iter().all(|c| !c.printed));
        assert!(WORK_COLUMNS[..n].iter().all(|c| c.header != "SHA-256"));
        assert_eq!(WORK_COLUMNS.last().map(|c| c.header), Some("SHA-256"));
    }
}
