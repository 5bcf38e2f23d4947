//! Registration sheets (报名表): reading one into rows, and planning its import.
//!
//! Grassroots unions send their works with an Excel sheet, and no two offices lay it out
//! alike. This module reads `.xlsx`, `.xls` (old BIFF files too, GBK / code page 936
//! included), `.xlsb`, `.ods` and delimited text (`.csv`, `.tsv`, `.txt`; UTF-8 with or
//! without BOM, UTF-16 with BOM, else GBK). The format is judged by the file's first bytes,
//! not by its name, so an `.xlsx` renamed `.xls`, or a tab-separated export named `.xls`, still
//! reads. Only the first visible worksheet is read.
//!
//! # Finding the header row
//!
//! Offices put a merged title row above the table ("2023年网聚职工正能量作品报名表"), often a
//! second line ("填报单位：…  日期：…") and blank rows. The header row is the first of the
//! first [`HEADER_SEARCH_ROWS`] non-empty rows in which at least two cells *are* a known
//! header. A header cell is compared after [`normalize_header`]: whitespace anywhere (newlines,
//! full-width spaces) is dropped, full-width letters and punctuation are folded to ASCII, case
//! is ignored, and decorations are stripped — `*`, `※`, colons, and anything in brackets, so
//! "作品名称*", "联系电话（必填）" and "作者\n（主创）" all match. The known headers and their
//! variants are one table, [`HEADER_ALIASES`].
//!
//! Only such exact matches decide where the header row is: a title line like
//! "填报单位：xx区总工会" contains "单位" but must not be taken for the header. Once the row is
//! found, a header that is not a known variant but *contains* one of three or more characters
//! ("参赛作品名称", "作者联系电话") fills a field no exact header claimed.
//!
//! Most offices' form has a two-row header: "作者信息" merged over "姓名 | 工作单位及职务 |
//! 联系电话", while 序号, 作品名称 and 类别 are merged down over both rows (so their second-row
//! cell is empty). When the row below the header row holds only headers, one of them under a
//! merged cell or a group name that is no header itself, the two rows are one header: a column
//! with a sub-header is matched by it and shown under its group ("作者信息/姓名"), the others
//! keep the upper text. Sub-headers under a group of someone else ("联系人信息") map nothing,
//! so a contact person's name is never taken for the author.
//!
//! Every column with a header or data is kept in [`Sheet::columns`], unknown ones too, so the
//! window can let the clerk assign them; the detected [`Mapping`] (field → column) is a
//! suggestion the caller may override before calling [`plan`].
//!
//! # Rows
//!
//! Row numbers are those Excel shows (1-based), so a message can say "第5行". Blank rows, rows
//! that hold nothing but a pre-filled 序号, repeated header rows and example rows (示例) are
//! skipped; a notes row ("注：…", "备注：…", "填表人：…", "合计") ends the table, and the lines
//! after it are notes too until a row again has a title and another field. Numbers Excel stores
//! as floats come out as the text a clerk typed: `13800138000`, `1`.
//!
//! A cell merged down over several work rows ("推荐单位" written once for five works) gives
//! its value to every row of the merge (xlsx and xls; merges in the title and header rows are
//! left alone).
//!
//! # Bounds
//!
//! A file may claim anything: [`limits`] inspects it before calamine allocates (the xlsx zip's
//! parts, shared-string counts and the cells present; the xls container's chains and records)
//! and refuses more than 20 000 rows × 200 columns, or a file over 64 MB, with
//! [`SheetError::TooLarge`] (`sheet.too_large`). Header detection is linear in the width.
//!
//! # Planning
//!
//! [`plan`] turns rows into [`EntryFields`](crate::entry::EntryFields)s without touching the
//! catalog, and lists what is wrong with each row in Chinese. An error (no title, no author,
//! no valid category, a duplicate of an earlier row) blocks its row; a warning does not, and
//! the row's input is then one the library accepts (a malformed phone number is moved into the
//! notes, not imported). The only I/O is listing the folder the works' files are in.
//!
//! # Where things are
//!
//! The module is the path a sheet takes, one file per step, and this file is what the rest of
//! the app sees: the sheet as read ([`Sheet`], its [`Column`]s, [`Row`]s and [`Mapping`]), the
//! fields, the errors, and the functions the rest calls ([`read`], [`plan`] …), re-exported
//! from the file that holds them.
//!
//! - `reading`: bytes → a grid of text (format by content, encodings, numbers as typed), every
//!   container checked by `limits` before calamine allocates;
//! - `header`: the grid → a [`Sheet`]: the header row found, columns matched to fields;
//! - `rows`: which rows below the header are works (notes, examples, merged cells);
//! - `planning`: rows → [`RowPlan`]s, with `folder` listing the works' folder to match files.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

mod folder;
mod header;
mod limits;
mod planning;
mod reading;
mod rows;

pub use header::{HEADER_ALIASES, HEADER_SEARCH_ROWS, match_header, normalize_header};
use header::{column_index, exact_field};
pub use planning::{Problem, ProblemKind, RowPlan, plan, resolve_category};
pub use reading::{read, read_bytes};

/// A column of the registration sheet the import understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "kebab-case")]
pub enum Field {
    /// 序号: shown with the row, never imported.
    Serial,
    Title,
    Authors,
    Unit,
    Phone,
    Category,
    Description,
    /// 文件名: which file in the works' folder belongs to the row.
    FileName,
}

impl Field {
    /// Every field, in the order of the notice's template.
    pub const ALL: [Field; 8] = [
        Field::Serial,
        Field::Title,
        Field::Authors,
        Field::Unit,
        Field::Phone,
        Field::Category,
        Field::Description,
        Field::FileName,
    ];

    /// The id the window and the JSON use (`authors`, `file-name`).
    pub fn id(self) -> &'static str {
        match self {
            Field::Serial => "serial",
            Field::Title => "title",
            Field::Authors => "authors",
            Field::Unit => "unit",
            Field::Phone => "phone",
            Field::Category => "category",
            Field::Description => "description",
            Field::FileName => "file-name",
        }
    }

    /// The field a clerk names: by its id, its label, or any header it is known by
    /// ("authors", "作者", "姓名").
    pub fn parse(text: &str) -> Option<Field> {
        let text = text.trim();
        Field::ALL
            .into_iter()
            .find(|f| f.id().eq_ignore_ascii_case(text))
            .or_else(|| exact_field(text))
    }

    /// The column's name as the notice's template prints it.
    pub fn label(self) -> &'static str {
        match self {
            Field::Serial => "序号",
            Field::Title => "作品名称",
            Field::Authors => "作者",
            Field::Unit => "单位",
            Field::Phone => "联系电话",
            Field::Category => "类别",
            Field::Description => "作品简介",
            Field::FileName => "文件名",
        }
    }
}

/// Which column (0 = A) holds each field. Serialized as `{ "title": 1, "authors": 2, … }`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(transparent)]
pub struct Mapping(BTreeMap<Field, u32>);

impl Mapping {
    pub fn get(&self, field: Field) -> Option<u32> {
        self.0.get(&field).copied()
    }

    /// Assigns `field` to `column`, or unassigns it with `None`.
    pub fn set(&mut self, field: Field, column: Option<u32>) {
        match column {
            Some(c) => self.0.insert(field, c),
            None => self.0.remove(&field),
        };
    }

    pub fn iter(&self) -> impl Iterator<Item = (Field, u32)> + '_ {
        self.0.iter().map(|(f, c)| (*f, *c))
    }

    /// Puts `field` in `column` as the window's column picker does: a field that had the
    /// column loses it, and `field` leaves the column it had. `None` unassigns `field`.
    pub fn assign(&mut self, field: Field, column: Option<u32>) {
        if let Some(column) = column {
            self.0.retain(|_, c| *c != column);
        }
        self.set(field, column);
    }
}

/// One column of the sheet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Column {
    /// 0 = column A.
    pub index: u32,
    /// The column's letter as Excel shows it (`A`, `AB`).
    pub letter: String,
    /// The header as written (trimmed); empty for a column with data but no header.
    pub header: String,
    /// What the header was recognised as, if anything. Two columns may be recognised as the
    /// same field; the [`Mapping`] says which one is used.
    pub field: Option<Field>,
}

/// One data row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Row {
    /// The row number Excel shows (1-based).
    pub number: u32,
    /// The cells' text from column A on, trimmed; trailing empty cells are left off.
    pub cells: Vec<String>,
}

impl Row {
    /// The text in `column` (0 = A); empty when the row does not reach it.
    pub fn cell(&self, column: u32) -> &str {
        usize::try_from(column)
            .ok()
            .and_then(|c| self.cells.get(c))
            .map_or("", String::as_str)
    }
}

/// The kind of file a sheet was read from, judged by its content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "kebab-case")]
pub enum SheetFormat {
    Xlsx,
    Xls,
    Xlsb,
    Ods,
    /// Delimited text: CSV, or tab-separated.
    Csv,
}

/// Why a non-empty row below the header was not taken as a work.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "kebab-case")]
pub enum SkipReason {
    /// 注、备注、说明、填表人、合计 … and the lines after them.
    Notes,
    /// A row marked 示例 / 例 in its first cell.
    Example,
    /// The header again (sheets printed over several pages repeat it).
    RepeatedHeader,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct SkippedRow {
    pub row: u32,
    pub reason: SkipReason,
    /// The row's non-empty cells, joined by spaces.
    pub text: String,
}

/// A registration sheet as read: its header, columns, the suggested mapping and the rows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Sheet {
    pub format: SheetFormat,
    /// The text encoding, for delimited text (`UTF-8`, `GBK`, `UTF-16LE`).
    pub encoding: Option<String>,
    /// The worksheet's name; the file's name for delimited text.
    pub sheet_name: String,
    /// The header row's number (the first, for a two-level header).
    pub header_row: u32,
    pub columns: Vec<Column>,
    pub mapping: Mapping,
    pub rows: Vec<Row>,
    pub skipped: Vec<SkippedRow>,
}

impl Sheet {
    /// The column a clerk names: by its header text ("联系电话", or "姓名" for
    /// "作者信息/姓名"), by its letter (`D`, `d`), or by its number counted from 1 (`4`).
    /// Only columns the sheet has (a header or data) are found.
    pub fn find_column(&self, text: &str) -> Result<&Column, SheetError> {
        let text = text.trim();
        let key = normalize_header(text);
        let by_header: Vec<&Column> = self
            .columns
            .iter()
            .filter(|c| {
                let sub = c.header.rsplit('/').next().unwrap_or_default();
                !key.is_empty()
                    && (normalize_header(&c.header) == key || normalize_header(sub) == key)
            })
            .collect();
        match by_header.as_slice() {
            [only] => return Ok(only),
            [] => {}
            several => {
                return Err(SheetError::AmbiguousColumn {
                    column: text.to_owned(),
                    letters: several
                        .iter()
                        .map(|c| c.letter.as_str())
                        .collect::<Vec<_>>()
                        .join("、"),
                });
            }
        }
        let index = if text.chars().all(|c| c.is_ascii_digit()) {
            text.parse::<u32>().ok().and_then(|n| n.checked_sub(1))
        } else {
            column_index(text)
        };
        index
            .and_then(|i| self.columns.iter().find(|c| c.index == i))
            .ok_or_else(|| SheetError::UnknownColumn {
                column: text.to_owned(),
                known: self
                    .columns
                    .iter()
                    .map(|c| {
                        if c.header.is_empty() {
                            format!("{}（无表头）", c.letter)
                        } else {
                            format!("{} {}", c.letter, c.header)
                        }
                    })
                    .collect::<Vec<_>>()
                    .join("、"),
            })
    }

    /// Applies a clerk's correction to `mapping`: the field named `field` (see
    /// [`Field::parse`]) is taken from the column named `column` (see [`Sheet::find_column`]),
    /// as the window's column picker does it ([`Mapping::assign`]). An empty `column` leaves
    /// the field out of the import.
    pub fn correct_mapping(
        &self,
        mapping: &mut Mapping,
        field: &str,
        column: &str,
    ) -> Result<(), SheetError> {
        let named = Field::parse(field).ok_or_else(|| SheetError::UnknownField {
            field: field.trim().to_owned(),
            known: Field::ALL
                .iter()
                .map(|f| format!("{}（{}）", f.label(), f.id()))
                .collect::<Vec<_>>()
                .join("、"),
        })?;
        let index = if column.trim().is_empty() {
            None
        } else {
            Some(self.find_column(column)?.index)
        };
        mapping.assign(named, index);
        Ok(())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SheetError {
    #[error("无法读取“{file}”：{reason}。")]
    Read { file: String, reason: String },
    #[error(
        "“{file}”不是能读取的表格文件，或文件已损坏（{reason}）。请用Excel或WPS打开它，另存为 .xlsx 后再导入。"
    )]
    Corrupt { file: String, reason: String },
    #[error("“{file}”设有打开密码，无法读取。请在Excel或WPS中取消密码并另存后再导入。")]
    Encrypted { file: String },
    #[error(
        "“{file}”是网页格式的表格（常见于从网站导出的 .xls），不是真正的Excel文件。请用Excel或WPS打开它，另存为 .xlsx 后再导入。"
    )]
    Html { file: String },
    #[error("“{file}”的第一个工作表是空的。请确认报名表填在第一个工作表中。")]
    Empty { file: String },
    #[error(
        "未找到表头行：请确认表中有“作品名称”“作者”等列（已查看“{file}”第一个工作表的前{HEADER_SEARCH_ROWS}行）"
    )]
    NoHeader { file: String },
    #[error(
        "“{file}”超出报名表能读取的范围：{reason}。请在Excel或WPS中删去表格以外多余的内容（或把报名信息复制到一个新文件），另存后再导入。"
    )]
    TooLarge { file: String, reason: String },
    #[error("没有“{field}”这一项。可对应的项：{known}")]
    UnknownField { field: String, known: String },
    #[error(
        "报名表中没有“{column}”这一列。请写列字母（如 D）、第几列（如 4）或表头文字；表中的列：{known}"
    )]
    UnknownColumn { column: String, known: String },
    #[error("报名表中有几列的表头都是“{column}”（{letters}列），请改用列字母指定")]
    AmbiguousColumn { column: String, letters: String },
}

impl crate::coded::Coded for SheetError {
    fn code(&self) -> &'static str {
        match self {
            SheetError::Read { .. } => "sheet.read",
            SheetError::Corrupt { .. } => "sheet.corrupt",
            SheetError::Encrypted { .. } => "sheet.encrypted",
            SheetError::Html { .. } => "sheet.html",
            SheetError::Empty { .. } => "sheet.empty",
            SheetError::NoHeader { .. } => "sheet.no_header",
            SheetError::TooLarge { .. } => "sheet.too_large",
            SheetError::UnknownField { .. } => "sheet.unknown_field",
            SheetError::UnknownColumn { .. } => "sheet.unknown_column",
            SheetError::AmbiguousColumn { .. } => "sheet.ambiguous_column",
        }
    }

    fn is_input(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod bounds_tests;
#[cfg(test)]
mod tests;
