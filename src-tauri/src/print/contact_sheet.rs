//! The contact sheet (作品目录): one category's works as a grid of thumbnails on A4 portrait.

use std::io::Cursor;
use std::ops::Range;

use krilla::image::Image;
use krilla::page::PageSettings;

use super::draw::{
    A4_LONG, A4_SHORT, BLACK, GREY_FILL, GREY_LINE, GREY_TEXT, Pen, Rgb, SIGNATURE_HEIGHT,
};
use super::font::Font;
use super::{PrintError, break_lines, finish, new_document};

/// A work's verdict as the checks gave it, printed as a coloured, labelled mark.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mark {
    /// 合格.
    Pass,
    /// 有提醒: goes, but something deserves a look.
    Warn,
    /// 不合格.
    Fail,
    /// 已特批: fails a check but goes with an approved reason.
    Special,
    /// 待收齐: a file has not arrived (the city's sheet).
    Missing,
    /// 待补: a file travels another way (另行传送, a 超大附件 link) and is still to fetch.
    Pending,
    /// 校验不符: the bytes that arrived differ from the sender's stated hash (the city's sheet).
    Different,
}

impl Mark {
    /// The word printed in the mark.
    pub fn label(self) -> &'static str {
        match self {
            Mark::Pass => "合格",
            Mark::Warn => "有提醒",
            Mark::Fail => "不合格",
            Mark::Special => "已特批",
            Mark::Missing => "待收齐",
            Mark::Pending => "待补",
            Mark::Different => "校验不符",
        }
    }

    /// Colour of the mark; the word differs too, so a black-and-white print still tells them
    /// apart.
    fn color(self) -> Rgb {
        match self {
            Mark::Pass => [27, 127, 59],
            Mark::Warn => [178, 106, 0],
            Mark::Fail => [198, 40, 40],
            Mark::Special => [21, 101, 192],
            Mark::Missing => [97, 97, 97],
            Mark::Pending => [178, 106, 0],
            Mark::Different => [198, 40, 40],
        }
    }
}

/// The audio card: a quiet blue, so a sheet of recitations reads at a glance.
const AUDIO_FILL: Rgb = [232, 239, 248];
const AUDIO_INK: Rgb = [52, 84, 128];

/// A cell's thumbnail.
#[derive(Clone, PartialEq, Eq)]
pub enum Picture {
    /// A JPEG, embedded byte for byte (no decoding, no quality loss, no time spent).
    Jpeg(Vec<u8>),
    /// A PNG, decoded and stored losslessly (scaled down first if very large).
    Png(Vec<u8>),
    /// A sound recording: a card with a note and `caption` (音频 · 3分20秒) instead of a picture.
    Audio { caption: String },
    /// No thumbnail (none could be made): the box says so.
    None,
}

impl std::fmt::Debug for Picture {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Picture::Jpeg(b) => write!(f, "Jpeg({} bytes)", b.len()),
            Picture::Png(b) => write!(f, "Png({} bytes)", b.len()),
            Picture::Audio { caption } => write!(f, "Audio({caption})"),
            Picture::None => write!(f, "None"),
        }
    }
}

/// One work on the sheet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    /// 序号, printed before the title.
    pub seq: String,
    /// At most two lines are printed, the second cut with "…".
    pub title: String,
    /// The authors as one line, e.g. "王玥、李堃".
    pub authors: String,
    /// The author's unit (单位).
    pub unit: String,
    /// The media facts in one line, e.g. "4分32秒 · 1920×1080".
    pub facts: String,
    /// Printed as a mark at the end of the facts line.
    pub verdict: Mark,
    /// The thumbnail at the top of the cell.
    pub picture: Picture,
}

/// How many cells a page holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Layout {
    /// 3 columns × 4 rows: larger pictures, 9 pt text.
    Grid3x4,
    /// 4 columns × 5 rows: more works per sheet, 7.5 pt text.
    Grid4x5,
}

/// The page header of every sheet page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SheetHeader {
    /// The campaign's name, the sheet's heading.
    pub campaign: String,
    /// The sending office (报送单位).
    pub office: String,
    /// The category whose works the sheet lists.
    pub category: String,
    /// As it should be printed, e.g. "2026年12月1日".
    pub date: String,
}

/// Sizes of one layout, in points.
struct Grid {
    cols: usize,
    rows: usize,
    text_size: f32,
    line_h: f32,
    pad: f32,
    gap: f32,
}

impl Layout {
    fn grid(self) -> Grid {
        match self {
            Layout::Grid3x4 => Grid {
                cols: 3,
                rows: 4,
                text_size: 9.0,
                line_h: 12.5,
                pad: 5.0,
                gap: 4.0,
            },
            Layout::Grid4x5 => Grid {
                cols: 4,
                rows: 5,
                text_size: 7.5,
                line_h: 10.0,
                pad: 4.0,
                gap: 3.0,
            },
        }
    }
}

const PAGE_W: f32 = A4_SHORT;
const PAGE_H: f32 = A4_LONG;
const MARGIN_X: f32 = 36.0;
const GRID_TOP: f32 = 78.0;
const GRID_BOTTOM: f32 = PAGE_H - 44.0;
const GUTTER: f32 = 6.0;
/// Thumbnails are printed at most ~2.3 inches wide; a PNG larger than this is scaled down so
/// the PDF stays small (300 dpi needs ~700 px).
const MAX_PNG_SIDE: u32 = 1200;

/// Works of one sending unit on a sheet that gathers several (the city's sheet of a category).
#[derive(Debug, Clone, Copy)]
pub struct Group<'a> {
    /// The sending unit, printed in the header of each of its pages.
    pub office: &'a str,
    pub cells: &'a [Cell],
}

/// The contact sheet of `cells`, in their order, as PDF bytes.
///
/// The signature block follows the last cell on the last page; when it does not fit below the
/// last row, that row moves with it to a new page. A picture that cannot be read is printed as
/// a box that says so rather than failing the whole sheet: the clerk still needs the list.
pub fn contact_sheet(
    header: &SheetHeader,
    cells: &[Cell],
    layout: Layout,
) -> Result<Vec<u8>, PrintError> {
    grouped_contact_sheet(
        header,
        &[Group {
            office: &header.office,
            cells,
        }],
        layout,
    )
}

/// [`contact_sheet`] of several units' works: each group starts on a new page whose header
/// names its unit (`header.office` names the document's maker in its title), page numbers run
/// through the document, and the signature block follows the last group.
pub fn grouped_contact_sheet(
    header: &SheetHeader,
    groups: &[Group<'_>],
    layout: Layout,
) -> Result<Vec<u8>, PrintError> {
    let font = Font::embedded()?;
    let grid = layout.grid();
    let content_w = PAGE_W - 2.0 * MARGIN_X;
    let cell_w = (content_w - (grid.cols - 1) as f32 * GUTTER) / grid.cols as f32;
    let cell_h = (GRID_BOTTOM - GRID_TOP - (grid.rows - 1) as f32 * GUTTER) / grid.rows as f32;

    // Cells per page (a group's index and a range of its cells); the signature goes under the
    // last row if it fits there.
    let per_page = grid.cols * grid.rows;
    let mut pages: Vec<(usize, Range<usize>)> = Vec::new();
    for (g, group) in groups.iter().enumerate() {
        let n = group.cells.len();
        pages.extend(
            (0..n.div_ceil(per_page).max(1)).map(|p| (g, p * per_page..n.min((p + 1) * per_page))),
        );
    }
    if pages.is_empty() {
        pages.push((0, 0..0));
    }
    let below = |cells_on_page: usize| {
        GRID_TOP + cells_on_page.div_ceil(grid.cols) as f32 * (cell_h + GUTTER)
    };
    let fits = |cells_on_page: usize| below(cells_on_page) + SIGNATURE_HEIGHT <= GRID_BOTTOM;
    if let Some((g, last)) = pages.last_mut()
        && !fits(last.len())
        && last.len() > grid.cols
    {
        // A signature alone on a page signs nothing and is easily lost or swapped: the last
        // row of works moves down to the signature's page instead.
        let last_row = last.start + (last.len() - 1) / grid.cols * grid.cols;
        let moved = last_row..last.end;
        last.end = last_row;
        let g = *g;
        pages.push((g, moved));
    }
    let on_last = pages.last().map_or(0, |(_, r)| r.len());
    let signature_top = if fits(on_last) {
        below(on_last)
    } else {
        GRID_TOP
    };
    if !fits(on_last)
        && let Some((g, r)) = pages.last().cloned()
    {
        pages.push((g, r.end..r.end));
    }
    let total = pages.len();
    let nothing = groups.iter().all(|g| g.cells.is_empty());

    let mut doc = new_document(&format!(
        "{} 作品目录 {} {}",
        header.campaign, header.office, header.category
    ));
    for (page_index, (g, range)) in pages.into_iter().enumerate() {
        let settings = PageSettings::from_wh(PAGE_W, PAGE_H)
            .ok_or_else(|| PrintError::Pdf("page size".into()))?;
        let mut page = doc.start_page_with(settings);
        let mut surface = page.surface();
        let mut pen = Pen {
            surface: &mut surface,
            font,
        };
        let group = groups.get(g);
        page_header(&mut pen, header, group.map_or(&header.office, |g| g.office));

        let on_page = group.and_then(|g| g.cells.get(range)).unwrap_or_default();
        for (i, cell) in on_page.iter().enumerate() {
            let x = MARGIN_X + (i % grid.cols) as f32 * (cell_w + GUTTER);
            let y = GRID_TOP + (i / grid.cols) as f32 * (cell_h + GUTTER);
            draw_cell(&mut pen, &grid, cell, x, y, cell_w, cell_h);
        }
        if nothing {
            pen.text_in_line(
                MARGIN_X,
                GRID_TOP,
                20.0,
                11.0,
                "（本类别没有作品）",
                GREY_TEXT,
            );
        }
        if page_index + 1 == total {
            pen.signature_block(MARGIN_X, PAGE_W - MARGIN_X, signature_top);
        }
        pen.footer(PAGE_W, PAGE_H, page_index + 1, total);
        surface.finish();
        page.finish();
    }
    finish(doc)
}

fn page_header(pen: &mut Pen<'_, '_>, header: &SheetHeader, office: &str) {
    let right = PAGE_W - MARGIN_X;
    let content_w = right - MARGIN_X;
    let kind = "作品目录";
    let kind_w = pen.font.width(kind, 14.0);
    let campaign = first_line(&header.campaign, content_w - kind_w - 16.0, 14.0, pen.font);
    pen.text_in_line(MARGIN_X, 28.0, 20.0, 14.0, &campaign, BLACK);
    pen.text_right(right, 28.0, 20.0, 14.0, kind, GREY_TEXT);

    let date = format!("日期：{}", one_line(&header.date));
    let date_w = pen.font.width(&date, 9.0);
    let who = format!(
        "报送单位：{}　类别：{}",
        one_line(office),
        one_line(&header.category)
    );
    let who = first_line(&who, content_w - date_w - 16.0, 9.0, pen.font);
    pen.text_in_line(MARGIN_X, 52.0, 14.0, 9.0, &who, BLACK);
    pen.text_right(right, 52.0, 14.0, 9.0, &date, BLACK);
    pen.line(MARGIN_X, 70.0, right, 70.0, 0.8, BLACK);
}

fn draw_cell(pen: &mut Pen<'_, '_>, g: &Grid, cell: &Cell, x: f32, y: f32, w: f32, h: f32) {
    let (ts, lh) = (g.text_size, g.line_h);
    let inner_x = x + g.pad;
    let inner_w = w - 2.0 * g.pad;
    // Title (2 lines), authors, unit, facts with the verdict mark.
    let text_h = 5.0 * lh + 1.0;
    let pic_h = h - 2.0 * g.pad - g.gap - text_h;

    pen.stroke_rect(x, y, w, h, 0.5, GREY_LINE);
    let pic_top = y + g.pad;
    if let Picture::Audio { caption } = &cell.picture {
        pen.fill_rect(inner_x, pic_top, inner_w, pic_h, AUDIO_FILL);
        let note = (pic_h * 0.4).min(inner_w * 0.3);
        let caption_h = lh * 1.2;
        let block = note * 1.2 + caption_h;
        let top = pic_top + (pic_h - block) / 2.0;
        let cx = inner_x + inner_w / 2.0;
        pen.text_center(cx, top, note * 1.2, note, "♪", AUDIO_INK);
        let caption = first_line(&one_line(caption), inner_w - 4.0, ts, pen.font);
        pen.text_center(cx, top + note * 1.2, caption_h, ts, &caption, AUDIO_INK);
    } else {
        pen.fill_rect(inner_x, pic_top, inner_w, pic_h, GREY_FILL);
    }
    let placeholder = match picture_image(&cell.picture) {
        Ok(image) => {
            pen.image_fit(image, inner_x, pic_top, inner_w, pic_h);
            None
        }
        Err(text) => Some(text),
    };
    if let Some(text) = placeholder.filter(|t| !t.is_empty()) {
        pen.text_center(
            inner_x + inner_w / 2.0,
            pic_top + (pic_h - lh) / 2.0,
            lh,
            ts,
            text,
            GREY_TEXT,
        );
    }

    let mut top = pic_top + pic_h + g.gap;
    let title = match one_line(&cell.seq) {
        seq if seq.is_empty() => one_line(&cell.title),
        seq => format!("{seq} {}", one_line(&cell.title)),
    };
    for line in break_lines(&title, inner_w, ts, 2, pen.font) {
        pen.text_in_line(inner_x, top, lh, ts, &line, BLACK);
        top += lh;
    }
    top = pic_top + pic_h + g.gap + 2.0 * lh;
    for (field, color) in [(&cell.authors, BLACK), (&cell.unit, GREY_TEXT)] {
        let line = first_line(&one_line(field), inner_w, ts, pen.font);
        pen.text_in_line(inner_x, top, lh, ts, &line, color);
        top += lh;
    }

    let label = cell.verdict.label();
    let mark_w = pen.font.width(label, ts) + 6.0;
    let mark_x = inner_x + inner_w - mark_w;
    let color = cell.verdict.color();
    pen.stroke_rect(mark_x, top + 0.5, mark_w, lh, 0.8, color);
    pen.text_in_line(mark_x + 3.0, top + 0.5, lh, ts, label, color);
    let facts = first_line(&one_line(&cell.facts), inner_w - mark_w - 4.0, ts, pen.font);
    pen.text_in_line(inner_x, top + 0.5, lh, ts, &facts, GREY_TEXT);
}

/// The krilla image of a picture, or the words to print in its place.
fn picture_image(picture: &Picture) -> Result<Image, &'static str> {
    const UNREADABLE: &str = "缩略图无法读取";
    match picture {
        Picture::None => Err("无缩略图"),
        // Drawn as a card by the cell itself.
        Picture::Audio { .. } => Err(""),
        Picture::Jpeg(bytes) => {
            Image::from_jpeg(bytes.clone().into(), true).map_err(|_| UNREADABLE)
        }
        Picture::Png(bytes) => png_image(bytes).ok_or(UNREADABLE),
    }
}

/// Decodes a PNG here rather than leaving it to krilla, whose decoding happens only when the
/// whole document is written, where one broken thumbnail would fail the entire sheet.
fn png_image(bytes: &[u8]) -> Option<Image> {
    let mut reader = image::ImageReader::with_format(Cursor::new(bytes), image::ImageFormat::Png);
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(20_000);
    limits.max_image_height = Some(20_000);
    limits.max_alloc = Some(512 << 20);
    reader.limits(limits);
    let decoded = reader.decode().ok()?;
    let decoded = if decoded.width().max(decoded.height()) > MAX_PNG_SIDE {
        decoded.thumbnail(MAX_PNG_SIDE, MAX_PNG_SIDE)
    } else {
        decoded
    };
    let rgba = decoded.to_rgba8();
    let (w, h) = rgba.dimensions();
    Some(Image::from_rgba8(rgba.into_raw(), w, h))
}

/// Newlines and runs of spaces in a one-line field collapse into single spaces.
pub(crate) fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The text as one line, cut with "…" if it is too wide.
pub(crate) fn first_line(text: &str, max_w: f32, size: f32, font: &Font) -> String {
    break_lines(text, max_w, size, 1, font)
        .into_iter()
        .next()
        .unwrap_or_default()
}
