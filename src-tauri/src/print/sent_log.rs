//! The sent log (发送记录) of a batch: each message with its time, Message-ID, the server's reply
//! and the files it held — the office's proof of 报送, as an .xlsx the clerk can print or file.

use rust_xlsxwriter::{Workbook, XlsxError};

use super::workbook::{Formats, table_sheet};
use crate::batch::Batch;
use crate::batch::rows::Column;
use crate::fsx::human_size;
use crate::library::OutboxMessage;

/// The 发送记录's columns, in order, for its workbook and its printed page (an interface:
/// the README lists them). The subject and the address, the same on every row and long, are in
/// the workbook only; the page says the address once above the table.
pub const SENT_COLUMNS: &[Column] = &[
    Column::printed("邮件", 1.0),
    Column::printed("状态", 0.9),
    Column::printed("发送时间", 1.3),
    Column::printed("大小", 0.8),
    Column::printed("Message-ID", 2.4),
    Column::printed("服务器答复", 1.8),
    Column::printed("附件", 2.2),
    Column::printed("作品文件", 2.6),
    Column::on_screen("主题", 3.0),
    Column::on_screen("收件地址", 2.0),
];

/// A message's cells under [`SENT_COLUMNS`]; `local` turns an RFC 3339 instant into the
/// office's time.
pub fn sent_row(m: &OutboxMessage, local: &dyn Fn(&str) -> String) -> Vec<String> {
    let mut state = m.state.label().to_owned();
    if m.resolved.as_deref() == Some("clerk") {
        state.push_str("（经办人确认）");
    }
    vec![
        format!("第{}封/共{}封", m.position, m.count),
        state,
        m.sent_at.as_deref().map(local).unwrap_or_default(),
        human_size(m.bytes),
        m.message_id.clone(),
        m.server_reply
            .clone()
            .or_else(|| m.error.clone())
            .unwrap_or_default(),
        m.attachments
            .iter()
            .map(|a| format!("{}（{}）", a.name, human_size(a.size)))
            .collect::<Vec<_>>()
            .join("\n"),
        m.attachments
            .iter()
            .flat_map(|a| a.paths.iter().map(String::as_str))
            .collect::<Vec<_>>()
            .join("\n"),
        m.subject.clone(),
        m.recipient.clone(),
    ]
}

/// `local` turns an RFC 3339 instant into the office's time.
pub fn xlsx(
    batch: &Batch,
    messages: &[OutboxMessage],
    local: &dyn Fn(&str) -> String,
) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("发送记录")?;
    let title = format!(
        "{} {}发送记录（{}）",
        batch.header.office_name,
        batch.header.campaign_short_name,
        batch.label()
    );
    let rows = messages.iter().map(|m| sent_row(m, local));
    table_sheet(ws, &Formats::new(), &title, SENT_COLUMNS, rows, 48.0)?;
    wb.save_to_buffer()
}
