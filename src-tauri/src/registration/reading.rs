//! Reading a 报名表: the file's bytes → a grid of text, as the clerk sees it in Excel.
//!
//! The format is judged by the first bytes, never by the name (offices rename files, and web
//! systems export HTML as `.xls`). Every container is checked by [`limits`] before calamine
//! sees it, because what calamine allocates by a file's claims cannot be caught afterwards;
//! what calamine does panic on is caught and reported as a damaged file. The grid then goes to
//! [`super::header`] to become a [`Sheet`].

use std::io::Cursor;
use std::panic::{self, AssertUnwindSafe};
use std::path::Path;

use calamine::{Data, Reader, SheetType, SheetVisible, Sheets, Xls, XlsOptions, Xlsx};
use encoding_rs::{Encoding, GBK};

use super::header::build_sheet;
use super::limits::{self, Refusal};
use super::{Sheet, SheetError, SheetFormat};

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
/// A worksheet as text: `(row number, cells from column A)` for every row that has cells.
pub(super) struct Grid {
    pub(super) format: SheetFormat,
    pub(super) encoding: Option<&'static str>,
    pub(super) sheet_name: String,
    pub(super) rows: Vec<(u32, Vec<String>)>,
    /// Merged cells: (first row, last row, first column), rows as Excel numbers them.
    pub(super) merges: Vec<(u32, u32, u32)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Container {
    /// ZIP: xlsx, xlsb, ods.
    Zip,
    /// OLE compound file: xls (or a password-protected xlsx).
    Cfb,
    Other,
}

pub(super) const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
pub(super) const CFB_MAGIC: &[u8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";
/// The stream a password-protected xlsx keeps its content in, as its name is stored (UTF-16LE).
pub(super) const ENCRYPTED_PACKAGE: &[u8] = b"E\0n\0c\0r\0y\0p\0t\0e\0d\0P\0a\0c\0k\0a\0g\0e\0";

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
pub(super) fn number_text(f: f64) -> String {
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
