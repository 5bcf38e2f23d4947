//! The municipal office's documents (市级收件): the 全市汇总表 as a workbook and as a PDF, both
//! drawn from the row models of [`crate::city::rows`], and a contact sheet per category across
//! the city — its works grouped by sending unit, each with the city's verdict, the thumbnails
//! made from the received files in the city's store. Pure but for reading that store: the
//! caller gathers the status and the works and dates the documents.

use std::path::PathBuf;

use rust_xlsxwriter::{Workbook, XlsxError};

use super::documents::{DocumentError, Tick, audio_card, facts_line, pictures};
use super::workbook::{Formats, table_sheet};
use super::{Cell, Group, Layout, Mark, SheetHeader, Table};
use crate::batch::rows::{Column, printed_count};
use crate::campaign::{Campaign, Category};
use crate::city::rows::{RECEIVED_COLUMNS, STATUS_COLUMNS, WorkState, received_row, status_rows};
use crate::city::{CityStatus, ReceivedWork};
use crate::library::{Library, LibraryError};

/// What the city's documents show, gathered once by the caller.
pub struct CityPicture<'a> {
    pub campaign: &'a Campaign,
    /// The receiving office (汕头市工人文化宫).
    pub office: &'a str,
    pub status: &'a CityStatus,
    /// The received works, current versions, every category.
    pub works: &'a [ReceivedWork],
    /// The day as printed (2023年6月20日).
    pub date: &'a str,
    /// The moment as the workbook says it (2023-06-20 10:00).
    pub made_at: &'a str,
}

/// The workbook's and the PDF's file name.
pub const SUMMARY_NAME: &str = "全市汇总表";

impl CityPicture<'_> {
    /// The works of `category`, units in the 总览's order (the campaign's, then the others),
    /// each unit's works by batch and 序号.
    fn works_of(&self, category: &str) -> Vec<&ReceivedWork> {
        let rank = |office: &str| {
            self.status
                .districts
                .iter()
                .position(|d| d.office == office)
                .unwrap_or(usize::MAX)
        };
        let mut works: Vec<&ReceivedWork> = self
            .works
            .iter()
            .filter(|w| w.category == category)
            .collect();
        works.sort_by_key(|w| (rank(&w.office), w.office.clone()));
        works
    }

    fn received_total(&self) -> (usize, usize) {
        let known: Vec<&ReceivedWork> = self
            .works
            .iter()
            .filter(|w| self.campaign.category(&w.category).is_some())
            .collect();
        (known.len(), known.iter().filter(|w| w.passing()).count())
    }

    /// Lines under the 总览's title: who made it when, the deadline, the totals.
    fn facts(&self) -> Vec<String> {
        let deadline = match &self.status.deadline {
            Some(d) if self.status.deadline_passed => format!("　　报送截止：{d}（已过）"),
            Some(d) => format!("　　报送截止：{d}"),
            None => String::new(),
        };
        let sent = self
            .status
            .districts
            .iter()
            .filter(|d| d.batches > 0)
            .count();
        let (received, passing) = self.received_total();
        vec![
            format!(
                "收件单位：{}　　制表时间：{}{deadline}",
                self.office, self.made_at
            ),
            format!(
                "已报送单位：{sent}/{}　　收到作品{received}件，计入达标{passing}件",
                self.status.districts.len()
            ),
        ]
    }

    fn title(&self) -> String {
        format!("{}全市汇总表", self.campaign.short_name)
    }
}

/// A category's sheet name and file-name part: `01-诵读`, as a district's package folder.
fn category_tag(index: usize, c: &Category) -> String {
    let tag: String = format!("{:02}-{}", index + 1, c.short_name)
        .chars()
        .filter(|ch| !"[]:*?/\\".contains(*ch))
        .take(31)
        .collect();
    crate::naming::safe_component(&tag, 31)
}

/// `全市汇总表.xlsx`: a 总览 sheet (every unit × category under [`STATUS_COLUMNS`]) and a
/// sheet per category of the campaign (every received work under [`RECEIVED_COLUMNS`]).
pub fn workbook(p: &CityPicture<'_>) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let formats = Formats::new();
    let ws = wb.add_worksheet();
    ws.set_name("总览")?;
    let title = format!("{}（{}，{}）", p.title(), p.office, p.made_at);
    table_sheet(
        ws,
        &formats,
        &title,
        STATUS_COLUMNS,
        status_rows(p.status),
        30.0,
    )?;
    for (i, c) in p.campaign.categories.iter().enumerate() {
        let ws = wb.add_worksheet();
        ws.set_name(category_tag(i, c))?;
        let works = p.works_of(&c.id);
        let title = format!("{}（全市收到{}件）", c.name, works.len());
        let rows = works.into_iter().map(received_row);
        table_sheet(ws, &formats, &title, RECEIVED_COLUMNS, rows, 36.0)?;
    }
    wb.save_to_buffer()
}

/// The printed ones of a workbook's columns, as the PDF table lays them out.
fn pdf_columns(columns: &[Column]) -> Vec<(String, f32)> {
    columns
        .iter()
        .take(printed_count(columns))
        .map(|c| (c.header.to_owned(), c.weight))
        .collect()
}

/// `全市汇总表.pdf`: the workbook's rows under its printed columns — the 总览, then each
/// category that has works, each from a new page — A4 landscape, signed at the end.
pub fn summary_pdf(p: &CityPicture<'_>) -> Result<Vec<u8>, DocumentError> {
    let mut sections = vec![Table {
        title: format!("{}（总览）", p.title()),
        subtitle_lines: p.facts(),
        columns: pdf_columns(STATUS_COLUMNS),
        rows: status_rows(p.status),
    }];
    let printed = printed_count(RECEIVED_COLUMNS);
    for c in &p.campaign.categories {
        let works = p.works_of(&c.id);
        if works.is_empty() {
            continue;
        }
        let passing = works.iter().filter(|w| w.passing()).count();
        sections.push(Table {
            title: format!("{}（{}）", p.title(), c.name),
            subtitle_lines: vec![format!(
                "全市收到{}件，计入达标{passing}件；按报送单位排列。",
                works.len()
            )],
            columns: pdf_columns(RECEIVED_COLUMNS),
            rows: works
                .into_iter()
                .map(|w| {
                    let mut row = received_row(w);
                    row.truncate(printed);
                    row
                })
                .collect(),
        });
    }
    Ok(super::tables(&p.title(), &sections)?)
}

fn mark(w: &ReceivedWork) -> Mark {
    match WorkState::of(w) {
        WorkState::Missing => Mark::Missing,
        WorkState::Pending => Mark::Pending,
        WorkState::Different => Mark::Different,
        WorkState::Pass => Mark::Pass,
        WorkState::Warn => Mark::Warn,
        WorkState::Fail => Mark::Fail,
        WorkState::Special => Mark::Special,
    }
}

/// A contact sheet of one category across the city, as written.
pub struct CategorySheet {
    /// `全市作品小样-01-诵读`, without `.pdf`.
    pub name: String,
    pub category: String,
    pub works: usize,
    pub bytes: Vec<u8>,
}

/// A contact sheet per category that has works: each unit's works from a new page under its
/// name, each with its thumbnail (a video's keyframe, a photo; an audio card for a recording),
/// 批次-序号, title, authors, unit, media facts and the city's verdict. The pictures come from
/// the verified bytes in the city's store (a file still to come, different from the stated
/// hash, or whose stored path fails the check gets none); `tick` hears of each, across all
/// categories.
pub fn contact_sheets(
    lib: &Library,
    p: &CityPicture<'_>,
    layout: Layout,
    tick: &mut Tick<'_>,
) -> Result<Vec<CategorySheet>, DocumentError> {
    let root = lib.root();
    let mut chosen: Vec<(usize, &Category, Vec<&ReceivedWork>)> = Vec::new();
    for (i, c) in p.campaign.categories.iter().enumerate() {
        let works = p.works_of(&c.id);
        if !works.is_empty() {
            chosen.push((i, c, works));
        }
    }
    // The first file of each work as the store holds it (verified bytes only, as the window
    // shows them), with its facts read from its headers.
    let mut firsts = Vec::new();
    for (_, _, works) in &chosen {
        for w in works {
            let stored = match w.files.first().map(|f| lib.received_stored_file(f.id)) {
                Some(Ok(stored)) => Some(stored),
                Some(Err(e @ LibraryError::Sqlite(_))) => return Err(e.into()),
                // Still to come, different from the stated hash, or a path that fails the
                // check: no picture, never a read elsewhere.
                Some(Err(_)) | None => None,
            };
            let facts = stored
                .as_ref()
                .and_then(|(_, path)| crate::media::probe(path).ok());
            firsts.push((stored, facts));
        }
    }
    let files: Vec<Option<(&str, PathBuf)>> = firsts
        .iter()
        .map(|(stored, facts)| {
            let (sha, path) = stored.as_ref()?;
            audio_card(facts.as_ref())
                .is_none()
                .then(|| (sha.as_str(), path.clone()))
        })
        .collect();
    let mut made = pictures(root, &files, tick)?.into_iter().zip(&firsts);

    let mut sheets = Vec::new();
    for (i, c, works) in chosen {
        let mut cells = Vec::with_capacity(works.len());
        for w in &works {
            let (picture, (_, facts)) = made.next().ok_or_else(|| {
                DocumentError::Print(super::PrintError::Pdf("缩略图数目不符".into()))
            })?;
            cells.push(Cell {
                seq: format!("{}-{:02}", w.batch, w.seq),
                title: w.title.clone(),
                authors: w.authors.join("、"),
                unit: w.unit.clone(),
                facts: facts_line(facts.as_ref()),
                verdict: mark(w),
                picture: audio_card(facts.as_ref()).unwrap_or(picture),
            });
        }
        // Runs of one office (the works are in the 总览's unit order).
        let mut groups: Vec<Group<'_>> = Vec::new();
        let mut start = 0;
        for end in 1..=works.len() {
            if end == works.len() || works[end].office != works[start].office {
                groups.push(Group {
                    office: &works[start].office,
                    cells: &cells[start..end],
                });
                start = end;
            }
        }
        let header = SheetHeader {
            campaign: p.campaign.name.clone(),
            office: p.office.to_owned(),
            category: format!("{}（全市）", c.name),
            date: p.date.to_owned(),
        };
        sheets.push(CategorySheet {
            name: format!("全市作品小样-{}", category_tag(i, c)),
            category: c.name.clone(),
            works: works.len(),
            bytes: super::grouped_contact_sheet(&header, &groups, layout)?,
        });
    }
    Ok(sheets)
}
