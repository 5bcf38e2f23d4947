//! The table document: A4 landscape, a title block, a table whose header row repeats on every
//! page, then the signature block.

use krilla::page::PageSettings;

use super::draw::{A4_LONG, A4_SHORT, BLACK, GREY_FILL, GREY_TEXT, Pen, SIGNATURE_HEIGHT};
use super::font::Font;
use super::{PrintError, break_lines, finish, new_document};

/// A table to print, e.g. the 报送汇总表.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// Printed large on the first page, and as `…（续）` on the following ones.
    pub title: String,
    /// Lines under the title on the first page: office, contact person, totals against quotas.
    pub subtitle_lines: Vec<String>,
    /// Header text and relative width of each column (scaled to the page's width).
    pub columns: Vec<(String, f32)>,
    /// One `String` per column; a newline inside one starts a new line in the cell.
    pub rows: Vec<Vec<String>>,
}

const PAGE_W: f32 = A4_LONG;
const PAGE_H: f32 = A4_SHORT;
const MARGIN_X: f32 = 36.0;
const TOP: f32 = 30.0;
const BOTTOM: f32 = PAGE_H - 44.0;
const TEXT_SIZE: f32 = 9.0;
const LINE_H: f32 = 12.0;
const PAD_X: f32 = 4.0;
const PAD_Y: f32 = 3.0;
/// A cell longer than this is cut with "…", so that every row fits on one page and a row is
/// never split across pages (a split row is easily misread as two works).
const MAX_CELL_LINES: usize = 8;
const MAX_HEADER_LINES: usize = 3;

/// A row laid out: each cell's lines and the row's height.
struct Row {
    cells: Vec<Vec<String>>,
    height: f32,
}

/// The table as PDF bytes; the signature block follows the last row, and when it does not fit
/// there that row moves with it to a new page. Fails only on a malformed table (no columns, a bad width, a row
/// with the wrong number of cells), which is the caller's bug rather than the clerk's.
pub fn table(doc: &Table) -> Result<Vec<u8>, PrintError> {
    tables(&doc.title, std::slice::from_ref(doc))
}

/// A section of [`tables`], laid out: its rows broken into lines and into pages.
struct Section<'a> {
    table: &'a Table,
    widths: Vec<f32>,
    header: Row,
    rows: Vec<Row>,
    subtitles: Vec<String>,
    /// The rows on each of its pages.
    pages: Vec<Vec<usize>>,
}

/// Several tables in one document (the 全市汇总表: its 总览, then each category's works), each
/// starting on a new page with its own title, subtitles and header row; page numbers run
/// through the document and the signature block follows the last table, as in [`table`].
pub fn tables(title: &str, sections: &[Table]) -> Result<Vec<u8>, PrintError> {
    let font = Font::embedded()?;
    let content_w = PAGE_W - 2.0 * MARGIN_X;
    let later_table_top = TOP + 22.0;
    let mut laid: Vec<Section<'_>> = Vec::new();
    // Where the last section's last row ends.
    let mut y = 0.0;
    for doc in sections {
        let widths = column_widths(&doc.columns)?;
        if let Some((i, row)) = doc
            .rows
            .iter()
            .enumerate()
            .find(|(_, r)| r.len() != widths.len())
        {
            return Err(PrintError::RowLength {
                row: i + 1,
                expected: widths.len(),
                got: row.len(),
            });
        }
        let header_texts: Vec<&str> = doc.columns.iter().map(|(name, _)| name.as_str()).collect();
        let header = lay_out_row(&header_texts, &widths, MAX_HEADER_LINES, font);
        let rows: Vec<Row> = doc
            .rows
            .iter()
            .map(|r| {
                lay_out_row(
                    &r.iter().map(String::as_str).collect::<Vec<_>>(),
                    &widths,
                    MAX_CELL_LINES,
                    font,
                )
            })
            .collect();
        let subtitles: Vec<String> = doc
            .subtitle_lines
            .iter()
            .flat_map(|l| break_lines(l, content_w, 10.0, 2, font))
            .collect();

        // Rows per page: as many as fit under the repeated header row.
        let mut pages: Vec<Vec<usize>> = Vec::new();
        let mut current = Vec::new();
        y = first_table_top(subtitles.len()) + header.height;
        for (i, row) in rows.iter().enumerate() {
            if y + row.height > BOTTOM && !current.is_empty() {
                pages.push(std::mem::take(&mut current));
                y = later_table_top + header.height;
            }
            current.push(i);
            y += row.height;
        }
        pages.push(current);
        laid.push(Section {
            table: doc,
            widths,
            header,
            rows,
            subtitles,
            pages,
        });
    }
    let Some(last) = laid.last_mut() else {
        return Err(PrintError::NoColumns);
    };
    let mut signature_fits = y + SIGNATURE_HEIGHT <= BOTTOM;
    if !signature_fits
        && let Some(last_page) = last.pages.last_mut()
        && last_page.len() > 1
        && let Some(moved) = last_page.pop()
    {
        // A signature alone on a page signs nothing and is easily lost or swapped: the last
        // row moves down to the signature's page instead.
        last.pages.push(vec![moved]);
        y = later_table_top + last.header.height + last.rows.get(moved).map_or(0.0, |r| r.height);
        signature_fits = y + SIGNATURE_HEIGHT <= BOTTOM;
    }
    if !signature_fits {
        // The signature's own page: the last table's running title, no rows.
        last.pages.push(Vec::new());
    }
    let total: usize = laid.iter().map(|s| s.pages.len()).sum();

    let mut pdf = new_document(title);
    let mut page_number = 0;
    for section in &laid {
        for (index_in_section, on_page) in section.pages.iter().enumerate() {
            page_number += 1;
            let settings = PageSettings::from_wh(PAGE_W, PAGE_H)
                .ok_or_else(|| PrintError::Pdf("page size".into()))?;
            let mut page = pdf.start_page_with(settings);
            let mut surface = page.surface();
            let mut pen = Pen {
                surface: &mut surface,
                font,
            };
            let doc = section.table;
            let mut y = if index_in_section == 0 {
                let title = super::contact_sheet::first_line(&doc.title, content_w, 16.0, font);
                pen.text_center(PAGE_W / 2.0, TOP, 24.0, 16.0, &title, BLACK);
                for (i, line) in section.subtitles.iter().enumerate() {
                    pen.text_in_line(
                        MARGIN_X,
                        TOP + 28.0 + i as f32 * 15.0,
                        15.0,
                        10.0,
                        line,
                        BLACK,
                    );
                }
                first_table_top(section.subtitles.len())
            } else {
                let running = super::contact_sheet::first_line(
                    &format!("{}（续）", doc.title),
                    content_w,
                    10.0,
                    font,
                );
                pen.text_in_line(MARGIN_X, TOP, 16.0, 10.0, &running, GREY_TEXT);
                later_table_top
            };
            let signature_page = page_number == total && !signature_fits;
            if !signature_page {
                draw_row(&mut pen, &section.header, &section.widths, y, true);
                y += section.header.height;
                for &i in on_page {
                    if let Some(row) = section.rows.get(i) {
                        draw_row(&mut pen, row, &section.widths, y, false);
                        y += row.height;
                    }
                }
            }
            if page_number == total {
                pen.signature_block(MARGIN_X, PAGE_W - MARGIN_X, y);
            }
            pen.footer(PAGE_W, PAGE_H, page_number, total);
            surface.finish();
            page.finish();
        }
    }
    finish(pdf)
}

/// Where the table starts on a section's first page, under its title and `subtitles` lines.
fn first_table_top(subtitles: usize) -> f32 {
    TOP + 28.0 + subtitles as f32 * 15.0 + 8.0
}

/// Column widths in points, the relative widths scaled to the page's content width.
fn column_widths(columns: &[(String, f32)]) -> Result<Vec<f32>, PrintError> {
    if columns.is_empty() {
        return Err(PrintError::NoColumns);
    }
    if let Some(i) = columns
        .iter()
        .position(|(_, w)| !(w.is_finite() && *w > 0.0))
    {
        return Err(PrintError::BadColumnWidth { column: i + 1 });
    }
    let sum: f32 = columns.iter().map(|(_, w)| w).sum();
    let content_w = PAGE_W - 2.0 * MARGIN_X;
    Ok(columns.iter().map(|(_, w)| w / sum * content_w).collect())
}

fn lay_out_row(texts: &[&str], widths: &[f32], max_lines: usize, font: &Font) -> Row {
    let cells: Vec<Vec<String>> = texts
        .iter()
        .zip(widths)
        .map(|(t, w)| break_lines(t, w - 2.0 * PAD_X, TEXT_SIZE, max_lines, font))
        .collect();
    let lines = cells.iter().map(Vec::len).max().unwrap_or(0).max(1);
    Row {
        cells,
        height: lines as f32 * LINE_H + 2.0 * PAD_Y,
    }
}

fn draw_row(pen: &mut Pen<'_, '_>, row: &Row, widths: &[f32], top: f32, is_header: bool) {
    let mut x = MARGIN_X;
    for (lines, &w) in row.cells.iter().zip(widths) {
        if is_header {
            pen.fill_rect(x, top, w, row.height, GREY_FILL);
        }
        pen.stroke_rect(x, top, w, row.height, 0.5, BLACK);
        for (k, line) in lines.iter().enumerate() {
            pen.text_in_line(
                x + PAD_X,
                top + PAD_Y + k as f32 * LINE_H,
                LINE_H,
                TEXT_SIZE,
                line,
                BLACK,
            );
        }
        x += w;
    }
}
