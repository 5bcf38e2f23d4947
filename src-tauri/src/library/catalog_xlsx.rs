//! The catalog back out as an Excel sheet, with the same Chinese headers a 报名表 has (so the
//! file can be read back in), plus what the office adds: the check verdict, the review state
//! and each file's SHA-256 for the municipal office to verify with `certutil -hashfile`.

use crate::fsx::io_reason;

use std::collections::HashMap;
use std::path::Path;

use rust_xlsxwriter::{Format, FormatAlign, Workbook, XlsxError};

use crate::selection;

use super::{Library, LibraryError};

use crate::entry::{Entry, EntryFilter, EntrySort};

/// The sheet's columns: the 报名表 fields first, in the order offices use.
const COLUMNS: &[(&str, f64)] = &[
    ("序号", 6.0),
    ("作品名称", 28.0),
    ("作者", 16.0),
    ("单位", 22.0),
    ("联系电话", 15.0),
    ("类别", 22.0),
    ("作品简介", 40.0),
    ("文件名", 28.0),
    ("检查结果", 10.0),
    ("审核状态", 10.0),
    ("推荐报送", 10.0),
    ("推荐顺序", 10.0),
    ("SHA-256", 66.0),
];

fn write_err(path: &Path, e: XlsxError) -> LibraryError {
    let reason = match e {
        XlsxError::IoError(io) => io_reason(&io),
        other => other.to_string(),
    };
    LibraryError::Write {
        path: path.to_path_buf(),
        reason,
    }
}

impl Library {
    /// Writes the entries `filter` selects to `path` (.xlsx), by temporary file and rename, so
    /// an existing file is replaced whole or not at all. Returns how many rows were written.
    pub fn export_xlsx(&self, path: &Path, filter: &EntryFilter) -> Result<usize, LibraryError> {
        let campaign = self.campaign()?;
        let entries = self.entries(filter, EntrySort::Title)?;
        // Recommended works first, in the order the batch sends them (one rule: `selection`).
        let everything = self.entries(&EntryFilter::default(), EntrySort::Title)?;
        let positions: HashMap<i64, u32> = selection::select(&campaign, &everything, None)
            .iter()
            .flat_map(|c| c.selected.iter().map(|s| (s.entry.id, s.position)))
            .collect();
        let category_index = |id: &str| {
            campaign
                .categories
                .iter()
                .position(|c| c.id == id)
                .unwrap_or(usize::MAX)
        };
        let mut entries: Vec<&Entry> = entries.iter().collect();
        entries.sort_by_key(|e| {
            (
                category_index(&e.fields.category),
                positions.get(&e.id).copied().unwrap_or(u32::MAX),
            )
        });

        let mut wb = Workbook::new();
        let ws = wb.add_worksheet();
        ws.set_name("作品清单").map_err(|e| write_err(path, e))?;
        let title = Format::new().set_bold().set_font_size(14);
        let head = Format::new()
            .set_bold()
            .set_align(FormatAlign::Center)
            .set_background_color("#E8EEF8")
            .set_border(rust_xlsxwriter::FormatBorder::Thin);
        let office = self.office()?;
        let heading = format!("{} {}作品清单", office.name, campaign.short_name);
        ws.merge_range(0, 0, 0, (COLUMNS.len() - 1) as u16, &heading, &title)
            .map_err(|e| write_err(path, e))?;
        for (c, (name, width)) in COLUMNS.iter().enumerate() {
            ws.write_string_with_format(1, c as u16, *name, &head)
                .map_err(|e| write_err(path, e))?;
            ws.set_column_width(c as u16, *width)
                .map_err(|e| write_err(path, e))?;
        }
        for (i, e) in entries.iter().enumerate() {
            let row = 2 + i as u32;
            let category = campaign
                .category(&e.fields.category)
                .map_or(e.fields.category.as_str(), |c| c.name.as_str());
            let names: Vec<&str> = e.files.iter().map(|f| f.original_name.as_str()).collect();
            let hashes: Vec<&str> = e.files.iter().map(|f| f.sha256.as_str()).collect();
            let cells: [String; 13] = [
                (i + 1).to_string(),
                e.fields.title.clone(),
                e.fields.authors.join("、"),
                e.fields.unit.clone(),
                e.fields.phone.clone(),
                category.to_owned(),
                e.fields.description.clone(),
                names.join("；"),
                e.verdict.label().to_owned(),
                e.review.status.label().to_owned(),
                if e.review.recommended { "是" } else { "" }.to_owned(),
                positions
                    .get(&e.id)
                    .map(|o| o.to_string())
                    .unwrap_or_default(),
                hashes.join("；"),
            ];
            for (c, text) in cells.iter().enumerate() {
                ws.write_string(row, c as u16, text)
                    .map_err(|e| write_err(path, e))?;
            }
        }
        ws.set_freeze_panes(2, 0).map_err(|e| write_err(path, e))?;

        let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
        let dir = dir.unwrap_or_else(|| Path::new("."));
        let tmp = tempfile::Builder::new()
            .prefix(".baosong-export-")
            .suffix(".xlsx")
            .tempfile_in(dir)
            .map_err(|e| LibraryError::Write {
                path: path.to_path_buf(),
                reason: io_reason(&e),
            })?;
        wb.save(tmp.path()).map_err(|e| write_err(path, e))?;
        tmp.as_file().sync_all().map_err(|e| LibraryError::Write {
            path: path.to_path_buf(),
            reason: io_reason(&e),
        })?;
        tmp.persist(path).map_err(|e| LibraryError::Write {
            path: path.to_path_buf(),
            reason: io_reason(&e.error),
        })?;
        Ok(entries.len())
    }
}
