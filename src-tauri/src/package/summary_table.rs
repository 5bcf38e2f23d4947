//! `报送汇总表.xlsx`: the batch as the municipal office opens it in Excel or WPS.
//!
//! A 汇总 sheet (office, unit type, contact person, per category the count against the quota)
//! and one sheet per category with a row per work, under the columns of
//! [`WORK_COLUMNS`] (the printed 汇总表 has the same). Column widths are computed for Chinese
//! text (rust_xlsxwriter's autofit counts a CJK character as one Latin one), the header row is
//! frozen and repeated on every printed page, and pages are A4 landscape, one page wide; the
//! SHA-256 column stays after the print area so that the page is legible. The headers are an
//! interface (the README lists them): other programs read this file by them.

use rust_xlsxwriter::{Workbook, XlsxError};

use crate::batch::Batch;
use crate::batch::rows::{WORK_COLUMNS, text_width, work_row};
use crate::print::workbook::{Formats, page_setup, table_sheet};

/// The 汇总 sheet's table headers.
pub const SUMMARY_COLUMNS: &[&str] = &["类别", "报送件数", "至少", "最多", "情况"];

/// The workbook's bytes; `local_time` is the batch's time as the office reads it.
pub fn build(batch: &Batch, local_time: &str) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let formats = Formats::new();
    let Formats {
        title,
        head,
        cell,
        label,
    } = &formats;
    let h = &batch.header;

    let ws = wb.add_worksheet();
    ws.set_name("汇总")?;
    page_setup(ws)?;
    ws.write_string_with_format(
        0,
        0,
        format!(
            "{}作品报送汇总表（{}）",
            h.campaign_short_name,
            batch.label()
        ),
        title,
    )?;
    let facts: [(&str, String); 7] = [
        ("报送单位", h.office_name.clone()),
        (
            "单位类型",
            h.unit_type_name
                .clone()
                .unwrap_or_else(|| h.unit_type.clone()),
        ),
        ("活动", h.campaign_name.clone()),
        (
            "联系人",
            format!("{}（{}）", h.contact_name, h.contact_title),
        ),
        ("联系电话", h.contact_phone.clone()),
        (
            "报送至",
            match &h.mailbox {
                Some(m) => format!("{}（{m}）", h.recipient),
                None => h.recipient.clone(),
            },
        ),
        ("制表时间", local_time.to_owned()),
    ];
    for (i, (k, v)) in facts.iter().enumerate() {
        let row = 2 + i as u32;
        ws.write_string_with_format(row, 0, *k, label)?;
        ws.write_string(row, 1, v)?;
    }
    let table = 2 + facts.len() as u32 + 1;
    let mut widths: Vec<f64> = SUMMARY_COLUMNS.iter().map(|c| text_width(c)).collect();
    for (c, name) in SUMMARY_COLUMNS.iter().enumerate() {
        ws.write_string_with_format(table, c as u16, *name, head)?;
    }
    for (i, c) in h.categories.iter().enumerate() {
        let row = table + 1 + i as u32;
        let state = match (c.min, c.max) {
            (Some(min), _) if c.count < min => format!("少于要求的{min}件"),
            (_, Some(max)) if c.count > max => format!("超过上限{max}件"),
            (None, None) => "未规定数量".to_owned(),
            _ => "符合要求".to_owned(),
        };
        let row_cells = [
            c.name.clone(),
            c.count.to_string(),
            c.min.map(|m| m.to_string()).unwrap_or_default(),
            c.max.map(|m| m.to_string()).unwrap_or_default(),
            state,
        ];
        for (col, text) in row_cells.iter().enumerate() {
            ws.write_string_with_format(row, col as u16, text, cell)?;
            widths[col] = widths[col].max(text_width(text));
        }
    }
    let total_row = table + 1 + h.categories.len() as u32;
    ws.write_string_with_format(total_row, 0, "合计", head)?;
    ws.write_string_with_format(total_row, 1, batch.entries.len().to_string(), head)?;
    widths[0] = widths[0].max(text_width("报送单位") + 2.0);
    let value_width = facts
        .iter()
        .map(|(_, v)| text_width(v))
        .fold(0.0, f64::max)
        .min(60.0);
    widths[1] = widths[1].max(value_width.min(40.0));
    for (c, w) in widths.iter().enumerate() {
        ws.set_column_width(c as u16, (w + 2.0).clamp(6.0, 60.0))?;
    }

    for c in &h.categories {
        let ws = wb.add_worksheet();
        // Sheet names: at most 31 characters, none of []:*?/\ (folder names are already safe).
        let name: String = c
            .folder
            .chars()
            .filter(|ch| !"[]:*?/\\".contains(*ch))
            .take(31)
            .collect();
        ws.set_name(&name)?;
        let title = format!("{}（{} {}）", c.name, h.office_name, batch.label());
        let rows = batch
            .entries
            .iter()
            .filter(|e| e.fields.category == c.id)
            .map(work_row);
        table_sheet(ws, &formats, &title, WORK_COLUMNS, rows, 40.0)?;
    }
    wb.save_to_buffer()
}
