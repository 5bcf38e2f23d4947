//! The sent log (发送记录) of a batch: each message with its time, Message-ID, the server's reply
//! and the files it held — the office's proof of 报送, as an .xlsx the clerk can print or file.

use crate::fsx::human_size;
use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook, XlsxError};

use crate::batch::Batch;
use crate::library::OutboxMessage;
use crate::package::summary_table::text_width;

/// The sheet's headers (an interface: the README lists them).
pub const COLUMNS: &[&str] = &[
    "邮件",
    "主题",
    "状态",
    "发送时间",
    "收件地址",
    "大小",
    "Message-ID",
    "服务器答复",
    "附件",
    "作品文件",
];

/// `local` turns an RFC 3339 instant into the office's time.
pub fn xlsx(
    batch: &Batch,
    messages: &[OutboxMessage],
    local: &dyn Fn(&str) -> String,
) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("发送记录")?;
    ws.set_landscape();
    ws.set_paper_size(9);
    ws.set_print_fit_to_pages(1, 0);
    let title = Format::new().set_bold().set_font_size(14);
    let head = Format::new()
        .set_bold()
        .set_align(FormatAlign::Center)
        .set_background_color("#E8EEF8")
        .set_border(FormatBorder::Thin);
    let cell = Format::new()
        .set_text_wrap()
        .set_align(FormatAlign::Top)
        .set_border(FormatBorder::Thin);
    ws.merge_range(
        0,
        0,
        0,
        (COLUMNS.len() - 1) as u16,
        &format!(
            "{} {}发送记录（{}）",
            batch.header.office_name,
            batch.header.campaign_short_name,
            batch.label()
        ),
        &title,
    )?;
    let mut widths: Vec<f64> = COLUMNS.iter().map(|c| text_width(c)).collect();
    for (c, name) in COLUMNS.iter().enumerate() {
        ws.write_string_with_format(1, c as u16, *name, &head)?;
    }
    for (i, m) in messages.iter().enumerate() {
        let row = 2 + i as u32;
        let files: Vec<&str> = m
            .attachments
            .iter()
            .flat_map(|a| a.paths.iter().map(String::as_str))
            .collect();
        let mut state = m.state.label().to_owned();
        if m.resolved.as_deref() == Some("clerk") {
            state.push_str("（经办人确认）");
        }
        let cells = [
            format!("第{}封/共{}封", m.position, m.count),
            m.subject.clone(),
            state,
            m.sent_at.as_deref().map(local).unwrap_or_default(),
            m.recipient.clone(),
            human_size(m.bytes),
            m.message_id.clone(),
            m.server_reply
                .clone()
                .or_else(|| m.error.clone())
                .unwrap_or_default(),
            m.attachments
                .iter()
                .map(|a| a.name.as_str())
                .collect::<Vec<_>>()
                .join("\n"),
            files.join("\n"),
        ];
        for (c, text) in cells.iter().enumerate() {
            ws.write_string_with_format(row, c as u16, text, &cell)?;
            widths[c] = widths[c].max(text_width(text));
        }
    }
    for (c, w) in widths.iter().enumerate() {
        ws.set_column_width(c as u16, (w + 2.0).clamp(6.0, 48.0))?;
    }
    ws.set_freeze_panes(2, 0)?;
    ws.set_repeat_rows(1, 1)?;
    wb.save_to_buffer()
}
