//! The workbook side of a printed table (the 汇总表's category sheets, the 发送记录): one sheet
//! drawn from a row model ([`Column`]s and rows of text), laid out to print legibly from Excel,
//! WPS or LibreOffice — A4 landscape, one page wide, the header row frozen and repeated on
//! every page, and the print area ending at the last printed column.

use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Worksheet, XlsxError};

use crate::batch::rows::{Column, printed_count, text_width};

/// The cell formats every sheet shares.
pub struct Formats {
    pub title: Format,
    pub head: Format,
    pub cell: Format,
    pub label: Format,
}

impl Formats {
    pub fn new() -> Self {
        Formats {
            title: Format::new().set_bold().set_font_size(14),
            head: Format::new()
                .set_bold()
                .set_align(FormatAlign::Center)
                .set_align(FormatAlign::VerticalCenter)
                .set_background_color("#E8EEF8")
                .set_border(FormatBorder::Thin),
            cell: Format::new()
                .set_text_wrap()
                .set_align(FormatAlign::Top)
                .set_border(FormatBorder::Thin),
            label: Format::new().set_bold(),
        }
    }
}

impl Default for Formats {
    fn default() -> Self {
        Formats::new()
    }
}

/// A4 landscape, fitted one page wide.
pub fn page_setup(ws: &mut Worksheet) -> Result<(), XlsxError> {
    ws.set_landscape();
    ws.set_paper_size(9); // A4
    ws.set_print_fit_to_pages(1, 0);
    ws.set_margins(0.4, 0.4, 0.6, 0.6, 0.3, 0.3);
    Ok(())
}

/// Writes `title` over the printed columns, the header row and `rows` under `columns`.
/// A printed column is at most `printed_width` characters wide (long text wraps instead of
/// widening the page); one off the page (a SHA-256) is shown whole.
pub fn table_sheet(
    ws: &mut Worksheet,
    f: &Formats,
    title: &str,
    columns: &[Column],
    rows: impl IntoIterator<Item = Vec<String>>,
    printed_width: f64,
) -> Result<(), XlsxError> {
    page_setup(ws)?;
    let last_printed = (printed_count(columns).max(1) - 1) as u16;
    ws.merge_range(0, 0, 0, last_printed, title, &f.title)?;
    let mut widths: Vec<f64> = columns.iter().map(|c| text_width(c.header)).collect();
    for (col, column) in columns.iter().enumerate() {
        ws.write_string_with_format(1, col as u16, column.header, &f.head)?;
    }
    let mut last_row = 1;
    for (i, row) in rows.into_iter().enumerate() {
        last_row = 2 + i as u32;
        for (col, text) in row.iter().enumerate().take(columns.len()) {
            ws.write_string_with_format(last_row, col as u16, text, &f.cell)?;
            widths[col] = widths[col].max(text_width(text));
        }
    }
    for (col, w) in widths.iter().enumerate() {
        let cap = if columns[col].printed {
            printed_width
        } else {
            68.0
        };
        ws.set_column_width(col as u16, (w + 2.0).clamp(6.0, cap))?;
    }
    ws.set_print_area(0, 0, last_row, last_printed)?;
    ws.set_freeze_panes(2, 0)?;
    ws.set_repeat_rows(1, 1)?;
    Ok(())
}
