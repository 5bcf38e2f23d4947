//! How a work of a batch reads in a table row — its duration, its check result, its remarks —
//! the same in the 汇总表's workbook, the printed documents and the mail's text.

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
