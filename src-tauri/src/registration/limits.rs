//! What a 报名表 may make the readers allocate, checked before calamine sees the file.
//!
//! calamine builds a worksheet as a dense grid from its first to its last cell: one value at
//! A1 and one at XFD1048576 is 17 billion cells, and the process aborts. It also reserves by
//! counts a file states (the xlsx `sharedStrings.xml` `uniqueCount`, the xls `Dimensions`
//! record) and follows the sector chains of an xls container without looking for a cycle.
//! None of that is caught by `catch_unwind`: a failed allocation aborts.
//!
//! So the file is inspected here first, with memory bounded by its length and fixed caps:
//!
//! - **xlsx** (and any zip: ods, xlsb): every part is decompressed as a stream, at most
//!   [`MAX_PART_BYTES`] each and [`MAX_ZIP_BYTES`] in all (a zip bomb stops there). The
//!   shared-string counts must not exceed the `<si>` items the part really holds; each
//!   worksheet's XML is scanned tag by tag for the cells that hold something (`<c …>…</c>`, not
//!   the empty `<c …/>`), and their extent is what [`check_extent`] judges. The `<dimension>`
//!   a sheet states is read too but decides nothing: calamine 0.38 reserves by it only below
//!   100 000 cells, and the cells themselves are what the grid is built from.
//! - **xls**: the compound file's FAT, directory, mini stream and `Workbook` chains are walked
//!   as calamine walks them; a chain that does not end, or more FAT sectors than the file has,
//!   is refused. Then each sheet's BIFF records are read from where calamine starts them: the
//!   `Dimensions` claim and the cells' extent must fit [`MAX_CELLS`].
//! - **csv** and every sheet once read: at most [`MAX_ROWS`] rows and [`MAX_COLUMNS`] columns.
//!
//! A legitimate 报名表 is a few hundred rows by a few dozen columns, far inside these limits.
//!
//! The caps are here, in one table; how each container is walked is beside it: `xlsx` (any
//! zip, with the XML tag scanner of `xml_tags`) and `xls` (the compound file and its BIFF
//! records).

mod xls;
mod xlsx;
mod xml_tags;

pub use xls::check_xls;
pub use xlsx::{Workbook, check_zip};

/// The largest 报名表 file read at all.
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;
/// Rows and columns of the sheet that is read (from its first to its last cell).
pub const MAX_ROWS: u64 = 20_000;
pub const MAX_COLUMNS: u64 = 200;
/// Cells of the grid calamine builds for any sheet of the file (it builds every sheet of an
/// xls), and of a count it reserves for.
pub const MAX_CELLS: u64 = MAX_ROWS * MAX_COLUMNS;
/// One zip part, decompressed.
const MAX_PART_BYTES: u64 = 64 * 1024 * 1024;
/// All zip parts together, decompressed.
const MAX_ZIP_BYTES: u64 = 256 * 1024 * 1024;
const MAX_ZIP_ENTRIES: usize = 10_000;
/// Shared strings the file may have.
const MAX_SHARED_STRINGS: u64 = 1_000_000;
/// A stated shared-string count may exceed the items present by this much (some writers
/// round), never by more.
const SHARED_STRINGS_SLACK: u64 = 10_000;
/// Sheets of an xls (calamine reads every sheet's records from where the file says).
const MAX_XLS_SHEETS: usize = 1_000;
/// The longest XML tag kept while scanning (attributes included).
const MAX_TAG_BYTES: usize = 1024 * 1024;

/// Why a file is not handed to calamine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// More than the reader takes; the Chinese reason says what.
    TooLarge(String),
    /// Damaged in a way that would make calamine loop or allocate without end.
    Corrupt(String),
}

/// The cells of one sheet that hold something: rows and columns 0-based.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Extent {
    first: Option<(u32, u32)>,
    last: (u32, u32),
    pub cells: u64,
}

impl Extent {
    pub fn add(&mut self, row: u32, col: u32) {
        self.cells = self.cells.saturating_add(1);
        match &mut self.first {
            None => {
                self.first = Some((row, col));
                self.last = (row, col);
            }
            Some(first) => {
                first.0 = first.0.min(row);
                first.1 = first.1.min(col);
                self.last.0 = self.last.0.max(row);
                self.last.1 = self.last.1.max(col);
            }
        }
    }

    /// Rows and columns from the first cell to the last.
    pub fn size(&self) -> (u64, u64) {
        match self.first {
            None => (0, 0),
            Some((r, c)) => (
                u64::from(self.last.0 - r) + 1,
                u64::from(self.last.1 - c) + 1,
            ),
        }
    }

    fn merge(&mut self, other: &Extent) {
        if let Some((r, c)) = other.first {
            let cells = self.cells.saturating_add(other.cells);
            self.add(r, c);
            self.add(other.last.0, other.last.1);
            self.cells = cells;
        }
    }

    /// "A1 到 XFD1048576".
    fn span(&self) -> String {
        match self.first {
            None => String::new(),
            Some((r, c)) => format!(
                "从 {}{} 到 {}{}",
                super::header::column_letter(c),
                u64::from(r) + 1,
                super::header::column_letter(self.last.1),
                u64::from(self.last.0) + 1
            ),
        }
    }
}

/// The sheet that is read may span at most [`MAX_ROWS`] × [`MAX_COLUMNS`].
pub fn check_extent(extent: &Extent) -> Result<(), Refusal> {
    check_size(extent.size(), &extent.span())
}

/// The same for a grid already read (csv, or a range calamine built).
pub fn check_size((rows, cols): (u64, u64), span: &str) -> Result<(), Refusal> {
    if rows > MAX_ROWS || cols > MAX_COLUMNS {
        return Err(over_size(rows, cols, span));
    }
    Ok(())
}

fn over_size(rows: u64, cols: u64, span: &str) -> Refusal {
    let span = if span.is_empty() {
        String::new()
    } else {
        format!("（{span}）")
    };
    Refusal::TooLarge(format!(
        "表格内容跨 {rows} 行、{cols} 列{span}，超过报名表最多 {MAX_ROWS} 行、{MAX_COLUMNS} 列的范围"
    ))
}

pub fn check_file_size(len: u64) -> Result<(), Refusal> {
    if len > MAX_FILE_BYTES {
        return Err(Refusal::TooLarge(format!(
            "文件有 {} MB，超过报名表最大 {} MB",
            len.div_ceil(1024 * 1024),
            MAX_FILE_BYTES / (1024 * 1024)
        )));
    }
    Ok(())
}
