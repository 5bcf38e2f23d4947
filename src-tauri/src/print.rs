//! Printable documents for Baosong as A4 PDFs.
//!
//! Tauri has no print API and the webview prints its own URL in page headers, so the app
//! makes PDFs in Rust and opens them in the system viewer, which prints them. Two documents:
//!
//! - [`contact_sheet`]: the 作品目录 of one category, a grid of thumbnails with each work's
//!   序号, title, authors, unit, media facts and verdict, for the reviewer to check and sign;
//! - [`table`]: a landscape table (报送汇总表 and the like) whose header row repeats on
//!   every page.
//!
//! Both end with 经办人/审核人 signature lines and a 盖章 box and number their pages
//! `第k页/共N页`. Everything is pure: bytes in, PDF bytes out. Text is real text in the
//! embedded Noto Sans SC (subset by krilla), so the PDF is searchable and prints the same on
//! every machine. Line breaking (UAX #14 plus the Chinese punctuation rules) is [`break_lines`].

pub mod city;
mod contact_sheet;
pub mod documents;
mod draw;
mod font;
mod linebreak;
pub mod preview;
pub mod sent_log;
mod table;
pub mod workbook;

pub use contact_sheet::{
    Cell, Group, Layout, Mark, Picture, SheetHeader, contact_sheet, grouped_contact_sheet,
};
pub use font::{FONT_BYTES, Font};
pub use linebreak::break_lines;
pub use table::{Table, table, tables};

/// Why a document could not be made. Messages are Chinese because the clerk may see them.
#[derive(Debug, thiserror::Error)]
pub enum PrintError {
    /// The embedded font could not be parsed (a build problem, never the user's data).
    #[error("打印字体无法读取：{0}")]
    Font(String),
    /// A table needs at least one column.
    #[error("表格没有列，无法打印")]
    NoColumns,
    /// A column's relative width is zero, negative or not a number.
    #[error("表格第{column}列的宽度无效")]
    BadColumnWidth {
        /// 1-based.
        column: usize,
    },
    /// A row has a different number of cells than the table has columns.
    #[error("表格第{row}行有{got}格，但表头有{expected}列")]
    RowLength {
        /// 1-based, not counting the header.
        row: usize,
        /// Columns in the header.
        expected: usize,
        /// Cells in that row.
        got: usize,
    },
    /// krilla refused to write the PDF.
    #[error("PDF 生成失败：{0}")]
    Pdf(String),
    /// The finished PDF could not be rendered for the window's preview.
    #[error("无法生成预览：{0}")]
    Preview(String),
}

/// A new document; tagging is off because we build no structure tree, and no date is written,
/// so the same input gives the same bytes (the reference-image test relies on that).
fn new_document(title: &str) -> krilla::Document {
    let mut doc = krilla::Document::new_with(krilla::SerializeSettings {
        enable_tagging: false,
        ..krilla::SerializeSettings::default()
    });
    doc.set_metadata(
        krilla::metadata::Metadata::new()
            .title(title.to_string())
            .language("zh-CN".to_string())
            .creator("报送助手".to_string()),
    );
    doc
}

fn finish(doc: krilla::Document) -> Result<Vec<u8>, PrintError> {
    doc.finish().map_err(|e| PrintError::Pdf(e.to_string()))
}
