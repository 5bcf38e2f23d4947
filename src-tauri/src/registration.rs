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
//! [`plan`] turns rows into [`EntryInput`]s without touching the catalog, and lists what is
//! wrong with each row in Chinese. An error (no title, no author, no valid category, a
//! duplicate of an earlier row) blocks its row; a warning does not, and the row's input is
//! then one the library accepts (a malformed phone number is moved into the notes, not
//! imported). The only I/O is listing the folder the works' files are in.

use std::collections::{BTreeMap, HashMap};
use std::io::Cursor;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use calamine::{Data, Reader, SheetType, SheetVisible, Sheets, Xls, XlsOptions, Xlsx};
use encoding_rs::{Encoding, GBK};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::campaign::{Campaign, Category, Severity};
use crate::entry::EntryInput;
use crate::validate::is_phone;

mod limits;
use limits::Refusal;

/// How many non-empty rows from the top are searched for the header row.
pub const HEADER_SEARCH_ROWS: usize = 10;

/// How deep [`plan`] looks into the folder of works for files.
const MAX_FOLDER_DEPTH: usize = 8;
/// How many files [`plan`] lists at most, so choosing a whole drive by mistake cannot hang it.
const MAX_FOLDER_FILES: usize = 50_000;

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

/// The header texts each field is known by, compared after [`normalize_header`] (so the
/// bracketed variants here are documentation as much as data).
pub const HEADER_ALIASES: &[(Field, &[&str])] = &[
    (Field::Serial, &["序号", "编号", "No.", "No"]),
    (
        Field::Title,
        &["作品名称", "作品名", "作品标题", "标题", "名称"],
    ),
    (
        Field::Authors,
        &[
            "作者",
            "作者姓名",
            "姓名",
            "创作者",
            "主创人员",
            "作者（主创）",
        ],
    ),
    (
        Field::Unit,
        &[
            "单位",
            "作者单位",
            "所在单位",
            "推荐单位",
            "工作单位",
            "工作单位及职务",
            "单位及职务",
            "单位职务",
            "报送单位",
        ],
    ),
    (
        Field::Phone,
        &["联系电话", "电话", "手机", "手机号码", "联系方式"],
    ),
    (
        Field::Category,
        &["类别", "作品类别", "项目", "子项目", "参赛项目", "作品类型"],
    ),
    (
        Field::Description,
        &["作品简介", "简介", "作品介绍", "内容简介", "创作说明"],
    ),
    (
        Field::FileName,
        &["文件名", "文件名称", "视频文件名", "附件名称", "附件"],
    ),
];

/// A header that contains a known header of at least this many characters is taken for it
/// when no exact header claimed the field. Two-character headers ("单位", "电话") are left out:
/// "单位联系人" is not the unit.
const PARTIAL_MATCH_MIN_CHARS: usize = 3;

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

/// Reads the first worksheet of the registration sheet at `path`.
pub fn read(path: &Path) -> Result<Sheet, SheetError> {
    let file = path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let bytes = read_bounded(path).map_err(|e| SheetError::Read {
        file: file.clone(),
        reason: match e.kind() {
            std::io::ErrorKind::NotFound => "文件不存在".to_owned(),
            std::io::ErrorKind::PermissionDenied => {
                "没有读取权限，或文件正在Excel等程序中打开，请关闭后重试".to_owned()
            }
            std::io::ErrorKind::IsADirectory => "这是一个文件夹，不是文件".to_owned(),
            _ => e.to_string(),
        },
    })?;
    read_bytes(&bytes, &file)
}

/// Reads the first worksheet of a registration sheet already in memory, as [`read`] does the
/// file `file_name` (only its extension is looked at, and only for text; the content decides
/// whether it is xlsx, xls or delimited text).
pub fn read_bytes(bytes: &[u8], file_name: &str) -> Result<Sheet, SheetError> {
    let file = file_name.to_owned();
    limits::check_file_size(bytes.len() as u64).map_err(|r| refused(r, &file))?;
    let extension = Path::new(file_name)
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    parse(bytes, &extension, &file)
}

/// The file's bytes, never more than one past [`limits::MAX_FILE_BYTES`] (so a file too large
/// is known without reading it all).
fn read_bounded(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let file = std::fs::File::open(path)?;
    if file.metadata()?.is_dir() {
        return Err(std::io::Error::from(std::io::ErrorKind::IsADirectory));
    }
    let mut bytes = Vec::new();
    file.take(limits::MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// A refusal of [`limits`] as the clerk reads it.
fn refused(refusal: Refusal, file: &str) -> SheetError {
    match refusal {
        Refusal::TooLarge(reason) => SheetError::TooLarge {
            file: file.to_owned(),
            reason,
        },
        Refusal::Corrupt(reason) => SheetError::Corrupt {
            file: file.to_owned(),
            reason,
        },
    }
}

// ---------------------------------------------------------------------------------------------
// Reading: bytes → grid of text.

/// A worksheet as text: `(row number, cells from column A)` for every row that has cells.
struct Grid {
    format: SheetFormat,
    encoding: Option<&'static str>,
    sheet_name: String,
    rows: Vec<(u32, Vec<String>)>,
    /// Merged cells: (first row, last row, first column), rows as Excel numbers them.
    merges: Vec<(u32, u32, u32)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Container {
    /// ZIP: xlsx, xlsb, ods.
    Zip,
    /// OLE compound file: xls (or a password-protected xlsx).
    Cfb,
    Other,
}

const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
const CFB_MAGIC: &[u8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";
/// The stream a password-protected xlsx keeps its content in, as its name is stored (UTF-16LE).
const ENCRYPTED_PACKAGE: &[u8] = b"E\0n\0c\0r\0y\0p\0t\0e\0d\0P\0a\0c\0k\0a\0g\0e\0";

fn parse(bytes: &[u8], extension: &str, file: &str) -> Result<Sheet, SheetError> {
    let container = if bytes.starts_with(ZIP_MAGIC) {
        Container::Zip
    } else if bytes.starts_with(CFB_MAGIC) {
        Container::Cfb
    } else {
        Container::Other
    };
    let corrupt = |reason: String| SheetError::Corrupt {
        file: file.to_owned(),
        reason,
    };
    match container {
        Container::Zip => {
            let scan = limits::check_zip(bytes).map_err(|r| refused(r, file))?;
            build_sheet(
                read_workbook(bytes, container, None, file, Some(&scan))?,
                file,
            )
        }
        Container::Cfb => {
            if bytes
                .windows(ENCRYPTED_PACKAGE.len())
                .any(|w| w == ENCRYPTED_PACKAGE)
            {
                return Err(SheetError::Encrypted {
                    file: file.to_owned(),
                });
            }
            limits::check_xls(bytes).map_err(|r| refused(r, file))?;
            // Which code page the text is decoded with. A BIFF8 file (Excel 97 and later)
            // keeps its text as UTF-16, but calamine decodes it with the file's CODEPAGE record,
            // which some writers set to 1252 or 936 — so Unicode first. Old BIFF5 files keep
            // 8-bit text in their code page; one without the record is most likely GBK here.
            // A wrong guess garbles every header, so the first that finds the header wins.
            let mut first_error = None;
            for codepage in [Some(1200), None, Some(936)] {
                match read_workbook(bytes, container, codepage, file, None)
                    .and_then(|grid| build_sheet(grid, file))
                {
                    Err(e @ SheetError::NoHeader { .. }) => {
                        first_error.get_or_insert(e);
                    }
                    other => return other,
                }
            }
            Err(first_error.unwrap_or(SheetError::NoHeader {
                file: file.to_owned(),
            }))
        }
        Container::Other => {
            if matches!(extension, "xlsx" | "xlsm" | "xlsb" | "ods") {
                return Err(corrupt("文件内容不是Excel格式".to_owned()));
            }
            let (text, encoding) = decode_text(bytes);
            let head: String = text.chars().take(2048).collect::<String>().to_lowercase();
            // Web systems export HTML tables (and Excel 2003 XML) under the name .xls.
            let markup = head.trim_start().starts_with('<');
            if markup
                && ["<html", "<table", "<?xml"]
                    .iter()
                    .any(|t| head.contains(t))
            {
                return Err(SheetError::Html {
                    file: file.to_owned(),
                });
            }
            let is_text_extension = matches!(extension, "csv" | "tsv" | "txt");
            if !is_text_extension && head.contains('\0') {
                return Err(corrupt("文件内容不是表格".to_owned()));
            }
            let grid =
                read_delimited(&text, encoding, extension, file).map_err(|r| refused(r, file))?;
            build_sheet(grid, file)
        }
    }
}

/// Why calamine's read of a workbook gave no grid.
enum Failure {
    Calamine(calamine::Error),
    Refused(Refusal),
}

impl From<calamine::Error> for Failure {
    fn from(e: calamine::Error) -> Self {
        Failure::Calamine(e)
    }
}

/// Reads the first worksheet with calamine. A malformed file must never take the app down,
/// so a panic inside the parser is turned into [`SheetError::Corrupt`]. Allocation failures
/// cannot be caught: [`limits`] has checked the file before (`zip_scan` is what it found in
/// an xlsx), and the sheet's extent is checked again before its grid is built.
fn read_workbook(
    bytes: &[u8],
    container: Container,
    codepage: Option<u16>,
    file: &str,
    zip_scan: Option<&limits::Workbook>,
) -> Result<Grid, SheetError> {
    let corrupt = |reason: String| SheetError::Corrupt {
        file: file.to_owned(),
        reason,
    };
    let outcome = panic::catch_unwind(AssertUnwindSafe(|| {
        let mut workbook = open_workbook(bytes, container, codepage)?;
        let format = match &workbook {
            Sheets::Xlsx(_) => SheetFormat::Xlsx,
            Sheets::Xls(_) => SheetFormat::Xls,
            Sheets::Xlsb(_) => SheetFormat::Xlsb,
            Sheets::Ods(_) => SheetFormat::Ods,
        };
        let sheets = workbook.sheets_metadata();
        let worksheets = || sheets.iter().filter(|s| s.typ == SheetType::WorkSheet);
        let Some(name) = worksheets()
            .find(|s| s.visible == SheetVisible::Visible)
            .or_else(|| worksheets().next())
            .map(|s| s.name.clone())
        else {
            return Ok(None);
        };
        if let (Sheets::Xlsx(_), Some(scan)) = (&workbook, zip_scan) {
            limits::check_extent(&scan.extent(&name)).map_err(Failure::Refused)?;
        }
        let range = workbook.worksheet_range(&name)?;
        let (height, width) = range.get_size();
        limits::check_size((height as u64, width as u64), "").map_err(Failure::Refused)?;
        // Merged cells, for giving a merged value to every row of its merge.
        let merged = match &mut workbook {
            Sheets::Xlsx(x) => x.merge_cells_by_sheet_name(&name).ok(),
            Sheets::Xls(x) => x.merge_cells_by_sheet_name(&name).ok(),
            _ => None,
        };
        let merges = merged
            .unwrap_or_default()
            .iter()
            .map(|d| {
                (
                    d.start.0.saturating_add(1),
                    d.end.0.saturating_add(1),
                    d.start.1,
                )
            })
            .collect();
        let Some((first_row, first_column)) = range.start() else {
            return Ok(Some(Grid {
                format,
                encoding: None,
                sheet_name: name,
                rows: Vec::new(),
                merges,
            }));
        };
        let mut rows = Vec::new();
        for (i, cells) in range.rows().enumerate() {
            let mut text = vec![String::new(); usize::try_from(first_column).unwrap_or(0)];
            text.extend(cells.iter().map(cell_text));
            while text.last().is_some_and(String::is_empty) {
                text.pop();
            }
            let number = first_row
                .saturating_add(u32::try_from(i).unwrap_or(u32::MAX))
                .saturating_add(1);
            rows.push((number, text));
        }
        Ok(Some(Grid {
            format,
            encoding: None,
            sheet_name: name,
            rows,
            merges,
        }))
    }));
    match outcome {
        Ok(Ok(Some(grid))) => Ok(grid),
        Ok(Ok(None)) => Err(SheetError::Empty {
            file: file.to_owned(),
        }),
        Ok(Err(Failure::Calamine(calamine::Error::Xls(calamine::XlsError::Password))))
        | Ok(Err(Failure::Calamine(calamine::Error::Ods(calamine::OdsError::Password)))) => {
            Err(SheetError::Encrypted {
                file: file.to_owned(),
            })
        }
        Ok(Err(Failure::Calamine(e))) => Err(corrupt(e.to_string())),
        Ok(Err(Failure::Refused(r))) => Err(refused(r, file)),
        Err(_) => Err(corrupt("文件结构异常".to_owned())),
    }
}

fn open_workbook(
    bytes: &[u8],
    container: Container,
    codepage: Option<u16>,
) -> Result<Sheets<Cursor<&[u8]>>, calamine::Error> {
    let cursor = Cursor::new(bytes);
    if container == Container::Cfb {
        let mut options = XlsOptions::default();
        options.force_codepage = codepage;
        return Xls::new_with_options(cursor, options)
            .map(Sheets::Xls)
            .map_err(calamine::Error::Xls);
    }
    match Xlsx::new(cursor.clone()) {
        Ok(xlsx) => Ok(Sheets::Xlsx(xlsx)),
        // Not an xlsx: perhaps an ods or an xlsb. If neither, the xlsx reason is the useful one.
        Err(xlsx_error) => calamine::open_workbook_auto_from_rs(cursor)
            .map_err(|_| calamine::Error::Xlsx(xlsx_error)),
    }
}

/// A cell as the text a clerk sees in Excel.
fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => clean_cell(s),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => number_text(*f),
        Data::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_owned(),
        Data::DateTime(d) if d.is_datetime() => {
            let (y, m, day, h, min, s, _) = d.to_ymd_hms_milli();
            if (h, min, s) == (0, 0, 0) {
                format!("{y:04}-{m:02}-{day:02}")
            } else {
                format!("{y:04}-{m:02}-{day:02} {h:02}:{min:02}")
            }
        }
        Data::DateTime(d) => number_text(d.as_f64()),
        Data::Error(e) => e.to_string(),
    }
}

/// Excel keeps every number as a float: 13800138000.0 is the phone number 13800138000.
fn number_text(f: f64) -> String {
    if f.is_finite() && f.fract() == 0.0 && f.abs() < 1e15 {
        // Exact: an integral float below 2^53 converts without loss.
        format!("{}", f as i64)
    } else {
        f.to_string()
    }
}

/// Trims whitespace (full-width spaces and zero-width marks included) and Windows line ends.
fn clean_cell(s: &str) -> String {
    s.trim_matches(|c: char| c.is_whitespace() || matches!(c, '\u{200b}' | '\u{feff}'))
        .replace("\r\n", "\n")
}

/// Decodes delimited text: a BOM decides; else UTF-8 if the bytes are UTF-8; else GBK, which
/// is what Excel on a Chinese Windows writes when asked for "CSV".
fn decode_text(bytes: &[u8]) -> (String, &'static str) {
    if let Some((encoding, bom_length)) = Encoding::for_bom(bytes) {
        let body = bytes.get(bom_length..).unwrap_or_default();
        let (text, _) = encoding.decode_without_bom_handling(body);
        return (text.into_owned(), encoding.name());
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => (text.to_owned(), "UTF-8"),
        // Cut off in the middle of the last character: still UTF-8.
        Err(e) if e.error_len().is_none() => (String::from_utf8_lossy(bytes).into_owned(), "UTF-8"),
        Err(_) => {
            let (text, _) = GBK.decode_without_bom_handling(bytes);
            (text.into_owned(), GBK.name())
        }
    }
}

/// Tab-separated when the first lines have more tabs than commas, else comma-separated.
fn guess_delimiter(text: &str, extension: &str) -> u8 {
    if extension == "tsv" {
        return b'\t';
    }
    let head = text.lines().filter(|l| !l.trim().is_empty()).take(20);
    let (mut tabs, mut commas, mut semicolons) = (0usize, 0usize, 0usize);
    for line in head {
        tabs += line.matches('\t').count();
        commas += line.matches(',').count();
        semicolons += line.matches(';').count();
    }
    if tabs > commas && tabs >= semicolons {
        b'\t'
    } else if semicolons > commas {
        b';'
    } else {
        b','
    }
}

/// Reads delimited text into rows: at most [`limits::MAX_ROWS`] rows with content and
/// [`limits::MAX_COLUMNS`] columns up to a row's last non-empty cell.
fn read_delimited(
    text: &str,
    encoding: &'static str,
    extension: &str,
    file: &str,
) -> Result<Grid, Refusal> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(guess_delimiter(text, extension))
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    // The reader skips blank lines, which Excel shows as rows, so numbers come from the line a
    // record starts on, less the line breaks inside earlier quoted cells (which Excel does not
    // show as rows). A record's position is where the reader stood before skipping blank
    // lines, so those are counted here.
    let mut breaks_in_cells: u64 = 0;
    for record in reader.records() {
        let record =
            record.map_err(|e| Refusal::Corrupt(format!("第{}行无法解析：{e}", rows.len() + 1)))?;
        let width = (0..record.len())
            .rev()
            .find(|&i| record.get(i).is_some_and(|c| !clean_cell(c).is_empty()))
            .map_or(0, |i| i + 1);
        if width > 0 {
            // Rows with content so far, this one included.
            limits::check_size((rows.len() as u64 + 1, width as u64), "")?;
        }
        let (line, byte) = record.position().map_or((0, 0), |p| (p.line(), p.byte()));
        let blank_lines = usize::try_from(byte)
            .ok()
            .and_then(|b| text.as_bytes().get(b..))
            .unwrap_or_default()
            .iter()
            .take_while(|b| matches!(b, b'\r' | b'\n'))
            .filter(|b| **b == b'\n')
            .count() as u64;
        let number =
            u32::try_from((line + blank_lines).saturating_sub(breaks_in_cells)).unwrap_or(u32::MAX);
        breaks_in_cells += record
            .iter()
            .map(|cell| cell.matches('\n').count() as u64)
            .sum::<u64>();
        if width == 0 {
            continue;
        }
        let cells: Vec<String> = record.iter().take(width).map(clean_cell).collect();
        rows.push((number, cells));
    }
    Ok(Grid {
        format: SheetFormat::Csv,
        encoding: Some(encoding),
        sheet_name: file.to_owned(),
        rows,
        merges: Vec::new(),
    })
}

// ---------------------------------------------------------------------------------------------
// Header matching: grid → sheet.

/// A header cell as it is compared with [`HEADER_ALIASES`]: no whitespace, full-width forms
/// folded, lower case, and `*`, `※`, colons and bracketed remarks ("（必填）") removed.
pub fn normalize_header(text: &str) -> String {
    let mut out = String::new();
    let mut depth = 0usize;
    for c in text.chars().map(fold_width) {
        match c {
            '(' | '[' | '【' | '〔' | '<' | '《' => depth += 1,
            ')' | ']' | '】' | '〕' | '>' | '》' => depth = depth.saturating_sub(1),
            _ if depth > 0 => {}
            c if c.is_whitespace() || matches!(c, '\u{200b}' | '\u{feff}') => {}
            '*' | '※' | ':' => {}
            c => out.extend(c.to_lowercase()),
        }
    }
    out
}

/// Folds full-width ASCII forms (Ｎｏ．, （, ：, ＊) to ASCII, and the ideographic space to a space.
fn fold_width(c: char) -> char {
    match c {
        '\u{ff01}'..='\u{ff5e}' => char::from_u32(u32::from(c) - 0xfee0).unwrap_or(c),
        '\u{3000}' => ' ',
        c => c,
    }
}

/// The field whose alias the header is, exactly.
fn exact_field(header: &str) -> Option<Field> {
    let header = normalize_header(header);
    if header.is_empty() {
        return None;
    }
    HEADER_ALIASES
        .iter()
        .find(|(_, aliases)| aliases.iter().any(|a| normalize_header(a) == header))
        .map(|(field, _)| *field)
}

/// The field whose longest alias (of [`PARTIAL_MATCH_MIN_CHARS`] or more) the header contains.
fn partial_field(header: &str) -> Option<Field> {
    let header = normalize_header(header);
    HEADER_ALIASES
        .iter()
        .flat_map(|(field, aliases)| aliases.iter().map(move |a| (*field, normalize_header(a))))
        .filter(|(_, alias)| {
            alias.chars().count() >= PARTIAL_MATCH_MIN_CHARS && header.contains(alias.as_str())
        })
        .max_by_key(|(_, alias)| alias.chars().count())
        .map(|(field, _)| field)
}

/// What a header cell is taken for, exactly or by containing a known header.
pub fn match_header(header: &str) -> Option<Field> {
    exact_field(header).or_else(|| partial_field(header))
}

fn exact_matches(cells: &[String]) -> usize {
    cells.iter().filter(|c| exact_field(c).is_some()).count()
}

fn is_blank(cells: &[String]) -> bool {
    cells.iter().all(String::is_empty)
}

/// Column index → letters: 0 → A, 25 → Z, 26 → AA.
fn column_letter(index: u32) -> String {
    let mut n = u64::from(index) + 1;
    let mut letters = Vec::new();
    while n > 0 {
        let rem = u8::try_from((n - 1) % 26).unwrap_or(0);
        letters.push(char::from(b'A' + rem));
        n = (n - 1) / 26;
    }
    letters.iter().rev().collect()
}

/// One column's header.
struct HeaderCell {
    /// As shown to the clerk: the cell, or "作者信息/姓名" for a sub-header under its group.
    text: String,
    /// What is matched with [`HEADER_ALIASES`]: the sub-header under a group, else the cell.
    key: String,
    /// Under a group that names someone other than the author ("联系人信息"): its 姓名 and
    /// 电话 are not the author's, so the column is left for the clerk to assign.
    other_person: bool,
}

/// Group headers over people who are not the work's author.
const OTHER_PERSON_GROUPS: &[&str] = &[
    "联系人",
    "负责人",
    "经办人",
    "填报人",
    "填表人",
    "推荐人",
    "指导",
    "辅导",
];

/// Whether `below`, the row under the header row `top`, is the second row of a two-row
/// header: its cells are all headers (one at least exactly), and one at least stands under a
/// merged cell (empty in `top`) or under a group name that is no header itself ("作者信息").
/// A copy of the header right below it stands under headers only, and is not one.
fn is_sub_header(top: &[String], below: &[String]) -> bool {
    let filled: Vec<(usize, &String)> = below
        .iter()
        .enumerate()
        .filter(|(_, c)| !c.is_empty())
        .collect();
    let under_group = |i: usize| {
        top.get(i)
            .is_none_or(|t| t.is_empty() || exact_field(t).is_none())
    };
    !filled.is_empty()
        && filled.iter().all(|(_, c)| match_header(c).is_some())
        && filled.iter().any(|(_, c)| exact_field(c).is_some())
        && filled.iter().any(|(i, _)| under_group(*i))
}

/// The header of a two-row header: a column with a sub-header is named by it under its
/// group ("作者信息/姓名"); a column merged down over both rows keeps the upper text. The group
/// of a sub-header is the nearest upper cell at or left of it that has a sub-header too: a
/// merged group's text is in its first column, while a cell merged down has nothing below.
fn combine_header_rows(top: &[String], below: &[String]) -> Vec<HeaderCell> {
    fn at(row: &[String], i: usize) -> &str {
        row.get(i).map_or("", String::as_str)
    }
    let width = top.len().max(below.len());
    // The nearest non-empty upper cell at or left of the column, carried along (one pass).
    let mut last_top: Option<usize> = None;
    (0..width)
        .map(|i| {
            if !at(top, i).is_empty() {
                last_top = Some(i);
            }
            let sub = at(below, i);
            if sub.is_empty() {
                let text = at(top, i).to_owned();
                return HeaderCell {
                    key: text.clone(),
                    text,
                    other_person: false,
                };
            }
            let group = last_top
                .filter(|&j| !at(below, j).is_empty())
                .map(|j| at(top, j));
            match group {
                Some(group) => {
                    let key = normalize_header(group);
                    HeaderCell {
                        text: format!("{group}/{sub}"),
                        key: sub.to_owned(),
                        other_person: OTHER_PERSON_GROUPS.iter().any(|g| key.contains(g)),
                    }
                }
                None => HeaderCell {
                    text: sub.to_owned(),
                    key: sub.to_owned(),
                    other_person: false,
                },
            }
        })
        .collect()
}

/// Letters → column index: A → 0, Z → 25, AA → 26 (any case); `None` for anything else,
/// and beyond Excel's last column (XFD).
fn column_index(letters: &str) -> Option<u32> {
    if letters.is_empty() || letters.len() > 3 || !letters.chars().all(|c| c.is_ascii_alphabetic())
    {
        return None;
    }
    let n = letters
        .to_ascii_uppercase()
        .bytes()
        .fold(0u32, |n, b| n * 26 + u32::from(b - b'A') + 1);
    (n <= 16_384).then(|| n - 1)
}

fn build_sheet(grid: Grid, file: &str) -> Result<Sheet, SheetError> {
    // Linear in the sheet's cells throughout: a row thousands of cells wide costs its width,
    // never its width squared.
    let rows: Vec<&(u32, Vec<String>)> = grid.rows.iter().filter(|(_, c)| !is_blank(c)).collect();
    if rows.is_empty() {
        return Err(SheetError::Empty {
            file: file.to_owned(),
        });
    }
    let Some(header_at) = rows
        .iter()
        .take(HEADER_SEARCH_ROWS)
        .position(|(_, cells)| exact_matches(cells) >= 2)
    else {
        return Err(SheetError::NoHeader {
            file: file.to_owned(),
        });
    };
    let (header_row, top) = rows[header_at];
    let mut data_from = header_at + 1;
    let header = match rows.get(header_at + 1) {
        Some((_, below)) if is_sub_header(top, below) => {
            data_from += 1;
            combine_header_rows(top, below)
        }
        _ => top
            .iter()
            .map(|text| HeaderCell {
                text: text.clone(),
                key: text.clone(),
                other_person: false,
            })
            .collect(),
    };

    let data_rows = rows.get(data_from..).unwrap_or_default();
    let width = data_rows
        .iter()
        .map(|(_, c)| c.len())
        .chain([header.len()])
        .max()
        .unwrap_or(0);
    // Which columns hold data, in one pass over the cells.
    let mut has_data = vec![false; width];
    for (_, cells) in data_rows {
        for (i, cell) in cells.iter().enumerate() {
            if !cell.is_empty()
                && let Some(slot) = has_data.get_mut(i)
            {
                *slot = true;
            }
        }
    }
    // Each column with the text its field is matched by.
    let mut columns: Vec<(Column, &HeaderCell)> = Vec::new();
    let none = HeaderCell {
        text: String::new(),
        key: String::new(),
        other_person: false,
    };
    for i in 0..width {
        let cell = header.get(i).unwrap_or(&none);
        let Ok(index) = u32::try_from(i) else { break };
        if cell.text.is_empty() && !has_data.get(i).copied().unwrap_or(false) {
            continue;
        }
        let column = Column {
            index,
            letter: column_letter(index),
            field: exact_field(&cell.key).filter(|_| !cell.other_person),
            header: cell.text.clone(),
        };
        columns.push((column, cell));
    }
    let mut mapping = Mapping::default();
    for (column, _) in &columns {
        if let Some(field) = column.field
            && mapping.get(field).is_none()
        {
            mapping.set(field, Some(column.index));
        }
    }
    for (column, cell) in columns.iter_mut().filter(|(c, _)| c.field.is_none()) {
        if cell.other_person {
            continue;
        }
        if let Some(field) = partial_field(&cell.key) {
            column.field = Some(field);
            if mapping.get(field).is_none() {
                mapping.set(field, Some(column.index));
            }
        }
    }
    let columns: Vec<Column> = columns.into_iter().map(|(c, _)| c).collect();

    let (mut rows, skipped) = take_rows(data_rows, &mapping);
    let header_end = data_rows.first().map_or(u32::MAX, |(n, _)| *n);
    fill_merged_down(&mut rows, &grid.rows, &grid.merges, header_end);
    Ok(Sheet {
        format: grid.format,
        encoding: grid.encoding.map(str::to_owned),
        sheet_name: grid.sheet_name,
        header_row: *header_row,
        columns,
        mapping,
        rows,
        skipped,
    })
}

/// Gives the value of a cell merged down over several rows ("推荐单位" once for five works) to
/// every work row of the merge whose cell is empty, as the clerk reads the sheet. Only merges
/// that start at or below the first data row (`data_from`, an Excel row number) count: the
/// title and a two-row header are merged too, and are no data. Cells merged across columns
/// keep their value in the first column only, as Excel shows it.
///
/// Work: each merge finds its rows by binary search, so it costs the rows it covers.
fn fill_merged_down(
    rows: &mut [Row],
    grid: &[(u32, Vec<String>)],
    merges: &[(u32, u32, u32)],
    data_from: u32,
) {
    for &(first, last, column) in merges {
        if first < data_from || last <= first {
            continue;
        }
        let Ok(at) = grid.binary_search_by_key(&first, |(n, _)| *n) else {
            continue;
        };
        let value = grid
            .get(at)
            .and_then(|(_, cells)| cells.get(usize::try_from(column).ok()?))
            .filter(|v| !v.is_empty());
        let Some(value) = value else { continue };
        let Ok(col) = usize::try_from(column) else {
            continue;
        };
        let from = rows.partition_point(|r| r.number <= first);
        let to = rows.partition_point(|r| r.number <= last);
        for row in rows.get_mut(from..to).unwrap_or_default() {
            if row.cells.len() <= col {
                row.cells.resize(col + 1, String::new());
            }
            if let Some(cell) = row.cells.get_mut(col)
                && cell.is_empty()
            {
                cell.clone_from(value);
            }
        }
    }
}

/// Words that start a notes or footer line below the table.
const NOTES_MARKERS: &[&str] = &[
    "注",
    "备注",
    "附注",
    "说明",
    "填表说明",
    "填报说明",
    "填表人",
    "制表人",
    "审核人",
    "联系人",
    "负责人",
    "合计",
    "总计",
    "小计",
];

/// Words that mark a template's example row.
const EXAMPLE_MARKERS: &[&str] = &["例", "示例", "样例", "范例", "填写示例", "例子"];

/// Whether `text` is `marker`, or starts with it followed by punctuation, a space or a number
/// ("注：", "注1.", "备注 ") — so a title such as "注视" is not a note.
fn starts_with_marker(text: &str, marker: &str) -> bool {
    let Some(rest) = text.strip_prefix(marker) else {
        return false;
    };
    rest.chars().next().is_none_or(|c| {
        let c = fold_width(c);
        c.is_whitespace()
            || c.is_ascii_digit()
            || matches!(c, ':' | ',' | '.' | ';' | '、' | '。' | '①'..='⑳')
    })
}

fn take_rows(data_rows: &[&(u32, Vec<String>)], mapping: &Mapping) -> (Vec<Row>, Vec<SkippedRow>) {
    let serial = mapping.get(Field::Serial);
    let title = mapping.get(Field::Title);
    let mut rows = Vec::new();
    let mut skipped = Vec::new();
    let mut in_notes = false;
    for (number, cells) in data_rows {
        let row = Row {
            number: *number,
            cells: cells.clone(),
        };
        let filled: Vec<(u32, &str)> = cells
            .iter()
            .enumerate()
            .filter(|(_, c)| !c.is_empty())
            .filter_map(|(i, c)| Some((u32::try_from(i).ok()?, c.as_str())))
            .collect();
        let Some(&(first_column, first)) = filled.first() else {
            continue;
        };
        let skip = |reason| SkippedRow {
            row: *number,
            reason,
            text: filled.iter().map(|(_, c)| *c).collect::<Vec<_>>().join(" "),
        };
        // A template's pre-numbered, unused row.
        if filled.len() == 1
            && Some(first_column) == serial
            && first.chars().all(|c| c.is_ascii_digit() || c == '.')
        {
            continue;
        }
        let title_filled = title.is_some_and(|t| !row.cell(t).is_empty());
        let looks_like_work = title_filled && filled.len() >= 2;
        if in_notes && !looks_like_work {
            skipped.push(skip(SkipReason::Notes));
            continue;
        }
        in_notes = false;
        let notes_marker = NOTES_MARKERS.iter().any(|m| starts_with_marker(first, m));
        if notes_marker && (filled.len() == 1 || !title_filled) {
            in_notes = true;
            skipped.push(skip(SkipReason::Notes));
            continue;
        }
        if EXAMPLE_MARKERS.iter().any(|m| starts_with_marker(first, m)) {
            skipped.push(skip(SkipReason::Example));
            continue;
        }
        if exact_matches(cells) >= 2 {
            skipped.push(skip(SkipReason::RepeatedHeader));
            continue;
        }
        rows.push(row);
    }
    (rows, skipped)
}

// ---------------------------------------------------------------------------------------------
// Planning: rows → entries to create.

/// What is wrong with a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, TS)]
#[serde(rename_all = "kebab-case")]
pub enum ProblemKind {
    MissingTitle,
    MissingAuthors,
    /// No category in the row, and the campaign has more than one.
    MissingCategory,
    UnknownCategory,
    BadPhone,
    FileNotFound,
    /// The same file is matched by several rows.
    SharedFile,
    /// Same title and authors as an earlier row.
    Duplicate,
    /// A field the catalog refuses (too long, unknown declaration …), found on import.
    Invalid,
    /// The file was found but could not be copied into the library.
    FileUnreadable,
    /// The file's content is already in the library, in another entry.
    AlreadyInLibrary,
}

impl ProblemKind {
    /// Errors block the row; after a warning the row's input still imports.
    pub fn severity(self) -> Severity {
        match self {
            ProblemKind::MissingTitle
            | ProblemKind::MissingAuthors
            | ProblemKind::MissingCategory
            | ProblemKind::UnknownCategory
            | ProblemKind::Duplicate
            | ProblemKind::Invalid
            | ProblemKind::FileUnreadable
            | ProblemKind::AlreadyInLibrary => Severity::Error,
            // The phone is left out of the input (kept in its notes) and the file can be added
            // to the entry later, so neither stops the row.
            ProblemKind::BadPhone | ProblemKind::FileNotFound | ProblemKind::SharedFile => {
                Severity::Warning
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Problem {
    pub kind: ProblemKind,
    pub severity: Severity,
    /// In Chinese, without the row number (the window shows "第5行" beside it).
    pub message: String,
}

impl Problem {
    pub fn new(kind: ProblemKind, message: impl Into<String>) -> Self {
        Problem {
            kind,
            severity: kind.severity(),
            message: message.into(),
        }
    }
}

/// What importing one row would create.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct RowPlan {
    /// The row number Excel shows.
    pub row: u32,
    /// The 序号 cell, for display.
    pub serial: String,
    pub input: EntryInput,
    /// The work's files found in the folder, sorted.
    pub files: Vec<PathBuf>,
    pub problems: Vec<Problem>,
}

impl RowPlan {
    /// True when an error stops this row from being imported.
    pub fn is_blocked(&self) -> bool {
        self.problems.iter().any(|p| p.severity == Severity::Error)
    }
}

/// Plans the import of `rows` with `mapping` into `campaign`. When `files_dir` is given, each
/// row's file is looked for there (sub-folders included): by the 文件名 cell, with or without
/// its extension, else by a file named like the title.
pub fn plan(
    rows: &[Row],
    mapping: &Mapping,
    campaign: &Campaign,
    files_dir: Option<&Path>,
) -> Vec<RowPlan> {
    let files = files_dir.map(FileIndex::scan);
    let mut plans: Vec<RowPlan> = rows
        .iter()
        .map(|row| plan_row(row, mapping, campaign, files.as_ref()))
        .collect();
    mark_shared_files(&mut plans);
    mark_duplicates(&mut plans);
    plans
}

fn plan_row(
    row: &Row,
    mapping: &Mapping,
    campaign: &Campaign,
    files: Option<&FileIndex>,
) -> RowPlan {
    let cell = |field| mapping.get(field).map_or("", |c| row.cell(c));
    let mut problems = Vec::new();
    let mut input = EntryInput {
        title: cell(Field::Title).to_owned(),
        authors: split_authors(cell(Field::Authors)),
        unit: cell(Field::Unit).to_owned(),
        description: cell(Field::Description).to_owned(),
        ..EntryInput::default()
    };
    if input.title.is_empty() {
        problems.push(Problem::new(ProblemKind::MissingTitle, "缺少作品名称"));
    }
    if input.authors.is_empty() {
        problems.push(Problem::new(ProblemKind::MissingAuthors, "缺少作者"));
    }

    let category_text = cell(Field::Category);
    let options = || {
        campaign
            .categories
            .iter()
            .map(|c| {
                if c.short_name.is_empty() {
                    c.name.as_str()
                } else {
                    c.short_name.as_str()
                }
            })
            .collect::<Vec<_>>()
            .join("、")
    };
    match (category_text.is_empty(), campaign.categories.as_slice()) {
        (true, [only]) => input.category.clone_from(&only.id),
        (true, _) => problems.push(Problem::new(
            ProblemKind::MissingCategory,
            format!("未填写类别（可选：{}）", options()),
        )),
        (false, _) => match resolve_category(campaign, category_text) {
            Some(category) => input.category.clone_from(&category.id),
            None => problems.push(Problem::new(
                ProblemKind::UnknownCategory,
                format!("未知类别“{category_text}”（可选：{}）", options()),
            )),
        },
    }

    let phone = repair_phone(cell(Field::Phone));
    if is_phone(&phone) {
        input.phone = phone;
    } else if !phone.is_empty() {
        let original = cell(Field::Phone);
        problems.push(Problem::new(
            ProblemKind::BadPhone,
            format!("联系电话“{original}”格式不正确：导入时不填电话，原内容记入备注"),
        ));
        input.notes = format!("报名表中的联系电话：{original}");
    }

    let mut found = Vec::new();
    if let Some(files) = files {
        let wanted = cell(Field::FileName);
        if wanted.is_empty() {
            let title = strip_title_marks(&input.title);
            if !title.is_empty() {
                found = files.find(title);
                if found.is_empty() {
                    problems.push(Problem::new(
                        ProblemKind::FileNotFound,
                        format!("找不到文件“{title}”（按作品名称查找）"),
                    ));
                }
            }
        } else {
            found = files.find(wanted);
            if found.is_empty() {
                // Several files in one cell ("a.mp4、a.jpg").
                let parts: Vec<&str> = wanted
                    .split(['、', ',', '，', ';', '；', '\n'])
                    .map(str::trim)
                    .filter(|p| !p.is_empty())
                    .collect();
                let parts = if parts.len() > 1 { parts } else { vec![wanted] };
                for part in parts {
                    let matched = files.find(part);
                    if matched.is_empty() {
                        problems.push(Problem::new(
                            ProblemKind::FileNotFound,
                            format!("找不到文件“{part}”"),
                        ));
                    }
                    found.extend(matched);
                }
            }
        }
        found.sort();
        found.dedup();
    }

    RowPlan {
        row: row.number,
        serial: cell(Field::Serial).to_owned(),
        input,
        files: found,
        problems,
    }
}

/// Authors as a clerk lists them: "张三、李四", "张三，李四", "张三 李四".
fn split_authors(text: &str) -> Vec<String> {
    text.split(|c: char| {
        c.is_whitespace() || matches!(c, '、' | ',' | '，' | ';' | '；' | '/' | '／')
    })
    .map(str::trim)
    .filter(|a| !a.is_empty())
    .map(str::to_owned)
    .collect()
}

/// A landline typed into a number cell loses its leading 0 (075488274135 → 75488274135).
fn repair_phone(text: &str) -> String {
    let text = text.trim();
    let with_zero = format!("0{text}");
    let digits = !text.is_empty() && text.chars().all(|c| c.is_ascii_digit());
    if digits && !text.starts_with(['0', '1']) && !is_phone(text) && is_phone(&with_zero) {
        with_zero
    } else {
        text.to_owned()
    }
}

/// "《光荣劳动者》" → "光荣劳动者": book-title marks are not in file names.
fn strip_title_marks(title: &str) -> &str {
    title
        .trim()
        .trim_start_matches(['《', '“', '"'])
        .trim_end_matches(['》', '”', '"'])
        .trim()
}

/// A text compared without regard to spaces, width or case.
fn fold_key(text: &str) -> String {
    text.chars()
        .map(fold_width)
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect()
}

/// The campaign's category a cell names: by id, name or short name, else the one category
/// whose short name or name the cell contains, or whose name contains the cell ("诵读",
/// "微视频类", "劳模微视频"). `None` when nothing or more than one category fits.
pub fn resolve_category<'a>(campaign: &'a Campaign, text: &str) -> Option<&'a Category> {
    let key = fold_key(text);
    if key.is_empty() {
        return None;
    }
    let categories = &campaign.categories;
    if let Some(exact) = categories.iter().find(|c| {
        fold_key(&c.id) == key || fold_key(&c.name) == key || fold_key(&c.short_name) == key
    }) {
        return Some(exact);
    }
    let mut fitting = categories.iter().filter(|c| {
        let (name, short) = (fold_key(&c.name), fold_key(&c.short_name));
        (!short.is_empty() && key.contains(&short))
            || key.contains(&name)
            || (key.chars().count() >= 2 && name.contains(&key))
    });
    match (fitting.next(), fitting.next()) {
        (Some(only), None) => Some(only),
        _ => None,
    }
}

/// The files of a folder and its sub-folders, for matching by name.
struct FileIndex {
    files: Vec<IndexedFile>,
}

struct IndexedFile {
    path: PathBuf,
    /// File name, lower case.
    name: String,
    /// File name without its extension, lower case.
    stem: String,
}

impl FileIndex {
    fn scan(dir: &Path) -> Self {
        let mut files = Vec::new();
        collect_files(dir, 0, &mut files);
        files.sort_by(|a, b| a.path.cmp(&b.path));
        FileIndex { files }
    }

    /// Files named `wanted` (a bare name or a path from another PC, with or without its
    /// extension, any case). A different extension still matches ("a.mp4" finds "a.MOV").
    fn find(&self, wanted: &str) -> Vec<PathBuf> {
        let name = wanted.rsplit(['/', '\\']).next().unwrap_or(wanted).trim();
        let name = name.to_lowercase();
        if name.is_empty() {
            return Vec::new();
        }
        let pick = |test: &dyn Fn(&IndexedFile) -> bool| -> Vec<PathBuf> {
            self.files
                .iter()
                .filter(|f| test(f))
                .map(|f| f.path.clone())
                .collect()
        };
        let by_name = pick(&|f| f.name == name);
        if !by_name.is_empty() {
            return by_name;
        }
        let by_stem = pick(&|f| f.stem == name);
        if !by_stem.is_empty() {
            return by_stem;
        }
        match name.rsplit_once('.') {
            Some((stem, ext))
                if !stem.is_empty()
                    && (1..=5).contains(&ext.len())
                    && ext.chars().all(|c| c.is_ascii_alphanumeric()) =>
            {
                pick(&|f| f.stem == stem)
            }
            _ => Vec::new(),
        }
    }
}

fn collect_files(dir: &Path, depth: usize, out: &mut Vec<IndexedFile>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        if out.len() >= MAX_FOLDER_FILES {
            return;
        }
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().to_lowercase();
        // Hidden files, Office's lock files (~$报名表.xlsx) and Windows' thumbnails are no works.
        if name.starts_with('.') || name.starts_with("~$") || name == "thumbs.db" {
            continue;
        }
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        // Symbolic links to folders are not followed, so a loop cannot hang the import.
        if kind.is_dir() {
            if depth < MAX_FOLDER_DEPTH {
                collect_files(&path, depth + 1, out);
            }
        } else if kind.is_file() || (kind.is_symlink() && path.is_file()) {
            let stem = path
                .file_stem()
                .map(|s| s.to_string_lossy().to_lowercase())
                .unwrap_or_default();
            out.push(IndexedFile { path, name, stem });
        }
    }
}

fn row_list(rows: &[u32]) -> String {
    rows.iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join("、")
}

fn mark_shared_files(plans: &mut [RowPlan]) {
    let mut users: HashMap<PathBuf, Vec<usize>> = HashMap::new();
    for (i, plan) in plans.iter().enumerate() {
        for file in &plan.files {
            users.entry(file.clone()).or_default().push(i);
        }
    }
    let mut shared: Vec<(PathBuf, Vec<usize>)> = users
        .into_iter()
        .filter(|(_, rows)| rows.len() > 1)
        .collect();
    shared.sort();
    for (file, indexes) in shared {
        let name = file.file_name().map_or_else(
            || file.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        let numbers: Vec<u32> = indexes
            .iter()
            .filter_map(|&i| plans.get(i))
            .map(|p| p.row)
            .collect();
        let message = format!("文件“{name}”被多行使用（第{}行）", row_list(&numbers));
        for i in indexes {
            if let Some(plan) = plans.get_mut(i) {
                plan.problems
                    .push(Problem::new(ProblemKind::SharedFile, message.clone()));
            }
        }
    }
}

fn mark_duplicates(plans: &mut [RowPlan]) {
    let mut first_seen: HashMap<(String, Vec<String>), u32> = HashMap::new();
    for plan in plans.iter_mut() {
        if plan.input.title.is_empty() || plan.input.authors.is_empty() {
            continue;
        }
        let mut authors: Vec<String> = plan.input.authors.iter().map(|a| fold_key(a)).collect();
        authors.sort();
        let key = (fold_key(strip_title_marks(&plan.input.title)), authors);
        match first_seen.get(&key) {
            Some(first) => plan.problems.push(Problem::new(
                ProblemKind::Duplicate,
                format!("与第{first}行重复（作品名称和作者相同）"),
            )),
            None => {
                first_seen.insert(key, plan.row);
            }
        }
    }
}

#[cfg(test)]
mod bounds_tests;
#[cfg(test)]
mod tests;
