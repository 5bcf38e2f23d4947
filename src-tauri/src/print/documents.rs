//! The clerk's printed documents, made from the library: the contact sheet (作品小样) of a
//! batch, a category or the whole catalog; the 报送汇总表 of a batch; its sent log (发送记录).
//! Layout and fonts are in the sibling modules; this one only gathers what each page shows.

use chrono::{DateTime, Utc};
use std::path::{Path, PathBuf};

use super::sent_log::{SENT_COLUMNS, sent_row};
use super::{Cell, Layout, Mark, Picture, SheetHeader, Table};
use crate::batch::Batch;
use crate::batch::rows::{Column, WORK_COLUMNS, duration_text, printed_count, work_row};
use crate::entry::{Entry, EntryFilter, EntrySort};
use crate::library::{Library, LibraryError, OutboxMessage, thumbnail_at};
use crate::media::MediaFacts;
use crate::selection;

/// What a contact sheet shows.
pub enum SheetSource<'a> {
    /// The works of a batch, as frozen in it.
    Batch(i64),
    /// The works of the active campaign that pass `filter` (the works list's filter: category,
    /// text, unit, verdict, review status). Without `all`, only the selected works (推荐报送, in
    /// selection order and with their 序号 among all selected works of the category); with
    /// `all`, every such work, recommended or not.
    Catalog { filter: &'a EntryFilter, all: bool },
}

/// Called with (0, total) before the works' pictures are gathered and with (done, total) as
/// each is ready (a thumbnail not cached yet is made first); returning `false` stops the
/// document ([`DocumentError::Cancelled`]).
pub type Tick<'a> = dyn FnMut(usize, usize) -> bool + 'a;

/// How the filter reads in the sheet's header: 微视频（单位：金平区总工会；关键词：春）.
fn filter_label(campaign: &crate::campaign::Campaign, filter: &EntryFilter) -> String {
    let mut label = match filter
        .category
        .as_deref()
        .and_then(|c| campaign.category(c))
    {
        Some(c) => c.name.clone(),
        None => "全部类别".to_owned(),
    };
    let mut parts = Vec::new();
    if let Some(unit) = filter.unit.as_deref().filter(|u| !u.trim().is_empty()) {
        parts.push(format!("单位：{}", unit.trim()));
    }
    if let Some(text) = filter.text.as_deref().filter(|t| !t.trim().is_empty()) {
        parts.push(format!("关键词：{}", text.trim()));
    }
    if let Some(status) = filter.status {
        parts.push(format!("审核：{}", status.label()));
    }
    if let Some(verdict) = filter.verdict {
        parts.push(format!("检查：{}", verdict.label()));
    }
    if !parts.is_empty() {
        label.push_str(&format!("（{}）", parts.join("；")));
    }
    label
}

pub(super) fn facts_line(facts: Option<&MediaFacts>) -> String {
    let Some(f) = facts else { return String::new() };
    let mut parts = Vec::new();
    let d = duration_text(f.duration_s);
    if !d.is_empty() {
        parts.push(d);
    }
    if let (Some(w), Some(h)) = (f.display_width, f.display_height) {
        parts.push(format!("{w}×{h}"));
    }
    parts.join(" · ")
}

/// The audio card of a sound recording, or `None` for anything with a picture.
pub(super) fn audio_card(facts: Option<&MediaFacts>) -> Option<Picture> {
    let f = facts.filter(|f| f.kind == crate::media::MediaKind::Audio)?;
    let duration = duration_text(f.duration_s);
    Some(Picture::Audio {
        caption: if duration.is_empty() {
            "音频".to_owned()
        } else {
            format!("音频 · {duration}")
        },
    })
}

fn picture(root: &Path, sha256: &str, stored: &Path) -> Picture {
    let thumb = thumbnail_at(root, sha256, stored);
    match thumb.path.and_then(|p| std::fs::read(p).ok()) {
        Some(bytes) => Picture::Jpeg(bytes),
        None => Picture::None,
    }
}

/// The pictures of `files` (content hash and stored path of each work's first file; `None`
/// for a work without one), in order. A thumbnail not cached yet means decoding a video's
/// keyframe (~40 ms for 1080p), so they are made on every core, and `tick` hears of each.
pub(super) fn pictures(
    root: &Path,
    files: &[Option<(&str, PathBuf)>],
    tick: &mut Tick<'_>,
) -> Result<Vec<Picture>, DocumentError> {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::Relaxed};
    let total = files.len();
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(!tick(0, total));
    let workers = std::thread::available_parallelism()
        .map_or(1, std::num::NonZero::get)
        .clamp(1, 4)
        .min(total.max(1));
    let mut out: Vec<Option<Picture>> = (0..total).map(|_| None).collect();
    std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::channel::<(usize, Picture)>();
        for _ in 0..workers {
            let tx = tx.clone();
            let (next, stop) = (&next, &stop);
            scope.spawn(move || {
                while !stop.load(Relaxed) {
                    let i = next.fetch_add(1, Relaxed);
                    let Some(file) = files.get(i) else { break };
                    let made = match file {
                        Some((sha256, stored)) => picture(root, sha256, stored),
                        None => Picture::None,
                    };
                    if tx.send((i, made)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);
        let mut done = 0;
        // Ends when every worker has finished (after a stop, with the picture in hand).
        for (i, made) in rx {
            out[i] = Some(made);
            done += 1;
            if !stop.load(Relaxed) && !tick(done, total) {
                stop.store(true, Relaxed);
            }
        }
    });
    if stop.load(Relaxed) {
        return Err(DocumentError::Cancelled);
    }
    Ok(out
        .into_iter()
        .map(|p| p.unwrap_or(Picture::None))
        .collect())
}

fn verdict_of(v: crate::checks::Verdict, special: bool) -> Mark {
    match (v, special) {
        (crate::checks::Verdict::Fail, true) => Mark::Special,
        (crate::checks::Verdict::Fail, false) => Mark::Fail,
        (crate::checks::Verdict::Warn, _) => Mark::Warn,
        (crate::checks::Verdict::Pass, _) => Mark::Pass,
    }
}

/// `now`'s day in the campaign's zone, as printed: 2026年12月1日.
fn print_date(lib: &Library, now: DateTime<Utc>) -> Result<String, LibraryError> {
    let zone = lib.campaign()?.zone();
    Ok(now
        .with_timezone(&zone)
        .format("%Y年%-m月%-d日")
        .to_string())
}

/// The contact sheet PDF of `source`.
/// The sheet is dated `now` (a parameter: nothing in `print` reads the clock).
pub fn contact_sheet(
    lib: &Library,
    source: &SheetSource<'_>,
    layout: Layout,
    now: DateTime<Utc>,
    tick: &mut Tick<'_>,
) -> Result<Vec<u8>, DocumentError> {
    let root = lib.root();
    let campaign = lib.campaign()?;
    let office = lib.office()?;
    let (category_label, cells): (String, Vec<Cell>) = match source {
        SheetSource::Batch(id) => {
            let batch = lib.batch(*id)?;
            return batch_contact_sheet(root, &batch, &print_date(lib, now)?, layout, tick);
        }
        SheetSource::Catalog { filter, all } => {
            let filter = EntryFilter {
                deleted: false,
                ..(*filter).clone()
            };
            if let Some(c) = &filter.category
                && campaign.category(c).is_none()
            {
                return Err(DocumentError::UnknownCategory(c.clone()));
            }
            let everything = lib.entries(&EntryFilter::default(), EntrySort::Title)?;
            let matching = lib.entries(&filter, EntrySort::Title)?;
            let wanted: std::collections::HashSet<i64> = matching.iter().map(|e| e.id).collect();
            let only: Option<Vec<String>> = filter.category.clone().map(|c| vec![c]);
            let chosen = selection::select(&campaign, &everything, only.as_deref());
            let mut works: Vec<(&Entry, String, bool)> = Vec::new();
            for cat in &chosen {
                if *all {
                    works.extend(
                        matching
                            .iter()
                            .filter(|e| e.fields.category == cat.category.id)
                            .map(|e| {
                                (
                                    e,
                                    format!("#{}", e.id),
                                    !e.review.override_reason.is_empty(),
                                )
                            }),
                    );
                } else {
                    works.extend(
                        cat.selected
                            .iter()
                            .filter(|s| wanted.contains(&s.entry.id))
                            .map(|s| {
                                (
                                    s.entry,
                                    format!("{}-{:02}", cat.category.short_name, s.position),
                                    matches!(s.readiness, selection::Readiness::Special { .. }),
                                )
                            }),
                    );
                }
            }
            let files: Vec<Option<(&str, PathBuf)>> = works
                .iter()
                .map(|(e, _, _)| {
                    e.files
                        .first()
                        .filter(|f| audio_card(f.facts.as_ref()).is_none())
                        .and_then(|f| Some((f.sha256.as_str(), lib.file_path(f).ok()?)))
                })
                .collect();
            let cells = works
                .iter()
                .zip(pictures(root, &files, tick)?)
                .map(|((e, seq, special), picture)| {
                    let f = e.files.first();
                    Cell {
                        seq: seq.clone(),
                        title: e.fields.title.clone(),
                        authors: e.fields.authors.join("、"),
                        unit: e.fields.unit.clone(),
                        facts: facts_line(f.and_then(|f| f.facts.as_ref())),
                        verdict: verdict_of(e.verdict, *special),
                        picture: audio_card(f.and_then(|f| f.facts.as_ref())).unwrap_or(picture),
                    }
                })
                .collect();
            (filter_label(&campaign, &filter), cells)
        }
    };
    if cells.is_empty() {
        return Err(DocumentError::Empty);
    }
    let header = SheetHeader {
        campaign: campaign.name.clone(),
        office: office.name.clone(),
        category: category_label,
        date: print_date(lib, now)?,
    };
    Ok(super::contact_sheet(&header, &cells, layout)?)
}

/// The contact sheet of a batch's works, as frozen in it (thumbnails from `root`).
pub fn batch_contact_sheet(
    root: &Path,
    batch: &Batch,
    date: &str,
    layout: Layout,
    tick: &mut Tick<'_>,
) -> Result<Vec<u8>, DocumentError> {
    let files: Vec<Option<(&str, PathBuf)>> = batch
        .entries
        .iter()
        .map(|e| {
            e.files
                .first()
                .filter(|f| audio_card(f.facts.as_ref()).is_none())
                .and_then(|f| {
                    // A path that fails the check gets no picture, never a read elsewhere.
                    let path = crate::library::stored_file_path(root, &f.stored_path).ok()?;
                    Some((f.sha256.as_str(), path))
                })
        })
        .collect();
    let cells: Vec<Cell> = batch
        .entries
        .iter()
        .zip(pictures(root, &files, tick)?)
        .map(|(e, picture)| {
            let f = e.files.first();
            Cell {
                seq: format!("{}-{:02}", e.category_name, e.seq),
                title: e.fields.title.clone(),
                authors: e.fields.authors.join("、"),
                unit: e.fields.unit.clone(),
                facts: facts_line(f.and_then(|f| f.facts.as_ref())),
                verdict: verdict_of(e.verdict, e.special_reason.is_some()),
                picture: audio_card(f.and_then(|f| f.facts.as_ref())).unwrap_or(picture),
            }
        })
        .collect();
    if cells.is_empty() {
        return Err(DocumentError::Empty);
    }
    let label = batch
        .header
        .categories
        .iter()
        .map(|c| c.short_name.as_str())
        .collect::<Vec<_>>()
        .join("、");
    let header = SheetHeader {
        campaign: batch.header.campaign_name.clone(),
        office: batch.header.office_name.clone(),
        category: format!("{label}（{}）", batch.label()),
        date: date.to_owned(),
    };
    Ok(super::contact_sheet(&header, &cells, layout)?)
}

/// The 报送汇总表 of a batch: the same rows as the .xlsx, A4 landscape.
pub fn summary(lib: &Library, batch_id: i64) -> Result<Vec<u8>, DocumentError> {
    batch_summary(&lib.batch(batch_id)?)
}

/// [`summary`] of a batch already loaded.
pub fn batch_summary(batch: &Batch) -> Result<Vec<u8>, DocumentError> {
    let h = &batch.header;
    let mut lines = vec![
        format!(
            "报送单位：{}（{}）　　联系人：{} {} {}",
            h.office_name,
            h.unit_type_name
                .clone()
                .unwrap_or_else(|| h.unit_type.clone()),
            h.contact_name,
            h.contact_title,
            h.contact_phone
        ),
        format!("活动：{}　　报送至：{}", h.campaign_name, h.recipient),
    ];
    let totals: Vec<String> = h
        .categories
        .iter()
        .map(|c| {
            let quota = match (c.min, c.max) {
                (Some(min), Some(max)) => format!("（{min}至{max}件）"),
                (Some(min), None) => format!("（至少{min}件）"),
                (None, Some(max)) => format!("（最多{max}件）"),
                (None, None) => String::new(),
            };
            format!("{} {}件{quota}", c.short_name, c.count)
        })
        .collect();
    lines.push(format!(
        "合计{}件：{}",
        batch.entries.len(),
        totals.join("；")
    ));
    // One table for all categories: the 类别 column stands for the workbook's sheet per
    // category; the rest are the workbook's printed columns.
    let printed = printed_count(WORK_COLUMNS);
    let columns = std::iter::once(("类别".to_owned(), 1.0))
        .chain(pdf_columns(WORK_COLUMNS))
        .collect();
    let rows = batch
        .entries
        .iter()
        .map(|e| {
            let mut row = vec![e.category_name.clone()];
            row.extend(work_row(e).into_iter().take(printed));
            row
        })
        .collect();
    Ok(super::table(&Table {
        title: format!(
            "{}作品报送汇总表（{}）",
            h.campaign_short_name,
            batch.label()
        ),
        subtitle_lines: lines,
        columns,
        rows,
    })?)
}

/// The sent log of a batch (until it is sent: its export record).
pub fn sent_log(lib: &Library, batch_id: i64) -> Result<Vec<u8>, DocumentError> {
    let batch: Batch = lib.batch(batch_id)?;
    let messages: Vec<OutboxMessage> = lib.batch_messages(batch_id)?;
    let zone = lib.campaign()?.zone();
    let local = |t: &str| crate::clock::local_time(t, zone);
    let mut lines = vec![format!(
        "报送单位：{}　　收件：{}",
        batch.header.office_name,
        batch
            .header
            .mailbox
            .clone()
            .unwrap_or_else(|| batch.header.recipient.clone())
    )];
    if let Some(t) = &batch.exported_at {
        lines.push(format!("已导出报送包：{}", local(t)));
    }
    if messages.is_empty() {
        lines.push("本批次尚未通过邮件发送。".to_owned());
    }
    let printed = printed_count(SENT_COLUMNS);
    let rows = messages
        .iter()
        .map(|m| {
            let mut row = sent_row(m, &local);
            row.truncate(printed);
            row
        })
        .collect();
    Ok(super::table(&Table {
        title: format!(
            "{}发送记录（{}）",
            batch.header.campaign_short_name,
            batch.label()
        ),
        subtitle_lines: lines,
        columns: pdf_columns(SENT_COLUMNS).collect(),
        rows,
    })?)
}

/// The printed ones of a workbook's columns, as the PDF table lays them out.
fn pdf_columns(columns: &[Column]) -> impl Iterator<Item = (String, f32)> + '_ {
    columns
        .iter()
        .take(printed_count(columns))
        .map(|c| (c.header.to_owned(), c.weight))
}

#[derive(Debug, thiserror::Error)]
pub enum DocumentError {
    #[error(transparent)]
    Library(#[from] LibraryError),
    #[error(transparent)]
    Print(#[from] super::PrintError),
    #[error("本活动没有“{0}”这个类别。")]
    UnknownCategory(String),
    #[error("没有可打印的作品：请先推荐报送作品，或选择其他类别或批次。")]
    Empty,
    #[error("已取消打印。")]
    Cancelled,
}

impl crate::coded::Coded for DocumentError {
    fn code(&self) -> &'static str {
        match self {
            DocumentError::Library(e) => e.code(),
            DocumentError::Print(_) => "print.failed",
            DocumentError::UnknownCategory(_) => "print.unknown_category",
            DocumentError::Empty => "print.empty",
            DocumentError::Cancelled => "cancelled",
        }
    }

    fn is_input(&self) -> bool {
        match self {
            DocumentError::Library(e) => e.is_input(),
            DocumentError::UnknownCategory(_) | DocumentError::Empty => true,
            DocumentError::Print(_) | DocumentError::Cancelled => false,
        }
    }

    fn fields(&self) -> Vec<crate::validate::FieldError> {
        match self {
            DocumentError::Library(e) => e.fields(),
            _ => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small distinct JPEG, cached as the thumbnail of content `sha256`.
    fn cached_thumb(root: &Path, sha256: &str, shade: u8) -> Vec<u8> {
        let img = image::RgbImage::from_pixel(32, 18, image::Rgb([shade, 255 - shade, 90]));
        let mut bytes = Vec::new();
        image::codecs::jpeg::JpegEncoder::new(&mut bytes)
            .encode_image(&img)
            .expect("jpeg");
        let dir = root.join("thumbs");
        std::fs::create_dir_all(&dir).expect("thumbs dir");
        std::fs::write(dir.join(format!("{sha256}.jpg")), &bytes).expect("thumb");
        bytes
    }

    #[test]
    fn pictures_come_back_in_the_works_order_whichever_worker_made_them() {
        let dir = tempfile::tempdir().expect("tempdir");
        let names: Vec<String> = (0..23).map(|i| format!("{i:064x}")).collect();
        let expected: Vec<Vec<u8>> = names
            .iter()
            .enumerate()
            .map(|(i, n)| cached_thumb(dir.path(), n, (i * 10) as u8))
            .collect();
        let mut files: Vec<Option<(&str, PathBuf)>> = names
            .iter()
            .map(|n| Some((n.as_str(), dir.path().join("none"))))
            .collect();
        files.insert(5, None);
        let mut seen = Vec::new();
        let made = pictures(dir.path(), &files, &mut |done, total| {
            seen.push((done, total));
            true
        })
        .expect("pictures");
        assert_eq!(made.len(), 24);
        assert!(matches!(made[5], Picture::None));
        let jpegs: Vec<&Vec<u8>> = made
            .iter()
            .filter_map(|p| match p {
                Picture::Jpeg(b) => Some(b),
                _ => None,
            })
            .collect();
        assert_eq!(jpegs, expected.iter().collect::<Vec<_>>());
        assert_eq!(seen, (0..=24).map(|d| (d, 24)).collect::<Vec<_>>());
    }

    #[test]
    fn a_tick_saying_stop_cancels_the_pictures() {
        let dir = tempfile::tempdir().expect("tempdir");
        let files: Vec<Option<(&str, PathBuf)>> = vec![None; 50];
        let mut calls = 0;
        let result = pictures(dir.path(), &files, &mut |done, _| {
            calls += 1;
            done < 3
        });
        assert!(matches!(result, Err(DocumentError::Cancelled)));
        assert_eq!(calls, 4, "no progress is reported after the stop");
        let result = pictures(dir.path(), &files, &mut |_, _| false);
        assert!(matches!(result, Err(DocumentError::Cancelled)));
    }
}
