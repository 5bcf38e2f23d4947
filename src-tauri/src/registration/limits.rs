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

use std::collections::HashMap;
use std::io::{Cursor, Read};

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

// ---------------------------------------------------------------------------------------------
// Zip: xlsx, xlsb, ods.

/// What the zip scan learnt about an xlsx: the extent of each worksheet, by sheet name.
#[derive(Debug, Default)]
pub struct Workbook {
    pub sheets: HashMap<String, Extent>,
    /// Every worksheet part's extent together, for a sheet name not resolved here.
    pub all: Extent,
}

impl Workbook {
    /// The extent of the sheet calamine calls `name` (all sheets together when unknown).
    pub fn extent(&self, name: &str) -> Extent {
        self.sheets.get(name).copied().unwrap_or(self.all)
    }
}

/// Checks a zip container before calamine opens it. A file the zip reader cannot open at all
/// passes (calamine, with the same zip reader, then reports it as damaged).
pub fn check_zip(bytes: &[u8]) -> Result<Workbook, Refusal> {
    let Ok(mut zip) = zip::ZipArchive::new(Cursor::new(bytes)) else {
        return Ok(Workbook::default());
    };
    if zip.len() > MAX_ZIP_ENTRIES {
        return Err(Refusal::TooLarge(format!(
            "压缩包内有 {} 个部件，超过 {MAX_ZIP_ENTRIES} 个",
            zip.len()
        )));
    }
    // Every part decompressed once, as a stream, under the caps. Parts of an xlsx are scanned
    // for what calamine allocates by.
    let mut total = 0u64;
    let mut names: HashMap<String, usize> = HashMap::new();
    for i in 0..zip.len() {
        let Ok(entry) = zip.by_index(i) else { continue };
        let name = entry.name().map(|n| n.into_owned()).unwrap_or_default();
        names.insert(normalize_part(&name), i);
        let read = drain(
            entry,
            MAX_PART_BYTES.min(MAX_ZIP_BYTES.saturating_sub(total)),
        );
        total = total.saturating_add(read.bytes);
        if read.over {
            return Err(Refusal::TooLarge(if total >= MAX_ZIP_BYTES {
                format!("压缩包解压后超过 {} MB", MAX_ZIP_BYTES / (1024 * 1024))
            } else {
                format!(
                    "其中的“{name}”解压后超过 {} MB",
                    MAX_PART_BYTES / (1024 * 1024)
                )
            }));
        }
    }

    let part = |zip: &mut zip::ZipArchive<Cursor<&[u8]>>, path: &str| -> Option<Vec<u8>> {
        let i = *names.get(&normalize_part(path))?;
        let mut out = Vec::new();
        zip.by_index(i)
            .ok()?
            .take(MAX_PART_BYTES)
            .read_to_end(&mut out)
            .ok()?;
        Some(out)
    };

    // The workbook part, from the package relationships (xl/workbook.xml by default).
    let workbook_path = part(&mut zip, "_rels/.rels")
        .and_then(|rels| {
            relationships(&rels)
                .into_iter()
                .find(|r| r.kind.ends_with("/officeDocument"))
                .map(|r| resolve("", &r.target))
        })
        .unwrap_or_else(|| "xl/workbook.xml".to_owned());
    let dir = workbook_path
        .rfind('/')
        .map_or(String::new(), |i| workbook_path[..=i].to_owned());
    let file = workbook_path.rsplit('/').next().unwrap_or_default();

    // Shared strings: the stated counts against the items present. calamine reserves by
    // `uniqueCount`; `count` (references from cells) is held to the same bound.
    let mut workbook = Workbook::default();
    if let Some(i) = names.get(&normalize_part(&format!("{dir}sharedStrings.xml"))) {
        let i = *i;
        if let Ok(entry) = zip.by_index(i) {
            let mut stated = 0u64;
            let mut items = 0u64;
            let _ = scan_tags(entry, MAX_PART_BYTES, |tag| {
                match tag.name {
                    b"sst" => {
                        for key in [&b"uniqueCount"[..], &b"count"[..]] {
                            if let Some(n) = tag.attr(key).and_then(|v| number(&v)) {
                                stated = stated.max(n);
                            }
                        }
                    }
                    b"si" => items += 1,
                    _ => {}
                }
                items <= MAX_SHARED_STRINGS
            });
            if items > MAX_SHARED_STRINGS {
                return Err(Refusal::TooLarge(format!(
                    "共享字符串超过 {MAX_SHARED_STRINGS} 项"
                )));
            }
            if stated > items.saturating_add(SHARED_STRINGS_SLACK) {
                return Err(Refusal::TooLarge(format!(
                    "共享字符串表声称有 {stated} 项，实际只有 {items} 项"
                )));
            }
        }
    }

    // Worksheets: name → part, through the workbook's relationships.
    let rels = part(&mut zip, &format!("{dir}_rels/{file}.rels"))
        .map(|r| relationships(&r))
        .unwrap_or_default();
    let mut sheet_parts: Vec<(String, String)> = Vec::new();
    if let Some(xml) = part(&mut zip, &workbook_path) {
        let _ = scan_tags(Cursor::new(&xml), MAX_PART_BYTES, |tag| {
            if tag.name == b"sheet"
                && let (Some(name), Some(id)) = (tag.attr(b"name"), tag.attr(b"id"))
                && let Some(rel) = rels.iter().find(|r| r.id == id)
            {
                sheet_parts.push((name, resolve(&dir, &rel.target)));
            }
            sheet_parts.len() <= MAX_ZIP_ENTRIES
        });
    }
    // Every worksheet part is scanned (also one no sheet names), so `all` covers them all.
    let worksheet_parts: Vec<(String, usize)> = names
        .iter()
        .filter(|(n, _)| n.contains("worksheets/") && n.ends_with(".xml"))
        .map(|(n, i)| (n.clone(), *i))
        .collect();
    let mut by_part: HashMap<String, Extent> = HashMap::new();
    for (name, i) in worksheet_parts {
        let Ok(entry) = zip.by_index(i) else { continue };
        let extent = worksheet_extent(entry)?;
        workbook.all.merge(&extent);
        by_part.insert(name, extent);
    }
    for (name, path) in sheet_parts {
        if let Some(e) = by_part.get(&normalize_part(&path)) {
            workbook.sheets.insert(name, *e);
        }
    }
    Ok(workbook)
}

/// A zip part's name as looked up: `/` separated, no leading `/`, lower case (calamine finds
/// parts case-insensitively too).
fn normalize_part(name: &str) -> String {
    name.replace('\\', "/")
        .trim_start_matches('/')
        .to_lowercase()
}

/// A relationship target against the folder of the part that names it.
fn resolve(dir: &str, target: &str) -> String {
    let joined = if let Some(absolute) = target.strip_prefix('/') {
        absolute.to_owned()
    } else {
        format!("{dir}{target}")
    };
    let mut parts: Vec<&str> = Vec::new();
    for p in joined.split('/') {
        match p {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    parts.join("/")
}

struct Relationship {
    id: String,
    target: String,
    kind: String,
}

fn relationships(xml: &[u8]) -> Vec<Relationship> {
    let mut out = Vec::new();
    let _ = scan_tags(Cursor::new(xml), MAX_PART_BYTES, |tag| {
        if tag.name == b"Relationship"
            && let (Some(id), Some(target)) = (tag.attr(b"Id"), tag.attr(b"Target"))
        {
            out.push(Relationship {
                id,
                target,
                kind: tag.attr(b"Type").unwrap_or_default(),
            });
        }
        out.len() <= MAX_ZIP_ENTRIES
    });
    out
}

/// The cells of a worksheet part that hold something, as calamine would place them: a `<c>`
/// without `r` follows the previous cell, a `<row>` without `r` the previous row. Stops as
/// soon as the sheet is over [`MAX_CELLS`] cells.
fn worksheet_extent<R: Read>(part: R) -> Result<Extent, Refusal> {
    let mut extent = Extent::default();
    let mut row: Option<u32> = None;
    let mut col: Option<u32> = None;
    let mut too_many = false;
    let mut bad_ref: Option<String> = None;
    let _ = scan_tags(part, MAX_PART_BYTES, |tag| {
        match tag.name {
            b"row" => {
                row = Some(match tag.attr(b"r").and_then(|v| number(&v)) {
                    Some(n) => u32::try_from(n.saturating_sub(1)).unwrap_or(u32::MAX),
                    None => row.map_or(0, |r| r.saturating_add(1)),
                });
                col = None;
            }
            b"c" => {
                let (r, c) = match tag.attr(b"r") {
                    Some(v) => match cell_ref(&v) {
                        Some(rc) => rc,
                        None => {
                            // calamine would misread it (its arithmetic overflows on a
                            // position past u32) and place the cell anywhere.
                            bad_ref = Some(v.chars().take(20).collect());
                            return false;
                        }
                    },
                    None => (row.unwrap_or(0), col.map_or(0, |c| c.saturating_add(1))),
                };
                row = Some(r);
                col = Some(c);
                // `<c r="XFD1048576" s="1"/>` is a formatted empty cell: calamine skips it.
                if !tag.empty {
                    extent.add(r, c);
                    if extent.cells > MAX_CELLS {
                        too_many = true;
                        return false;
                    }
                }
            }
            _ => {}
        }
        true
    });
    if let Some(text) = bad_ref {
        return Err(Refusal::Corrupt(format!("单元格位置“{text}”无法识别")));
    }
    if too_many {
        return Err(Refusal::TooLarge(format!(
            "工作表中有超过 {MAX_CELLS} 个单元格有内容"
        )));
    }
    // Judge each sheet's grid (calamine may be asked for any); the one read gets the row and
    // column limits later.
    let (rows, cols) = extent.size();
    if rows.saturating_mul(cols) > MAX_CELLS {
        return Err(over_size(rows, cols, &extent.span()));
    }
    Ok(extent)
}

/// "AB12" → (row 11, column 27), 0-based; `None` unless letters then digits.
fn cell_ref(text: &str) -> Option<(u32, u32)> {
    let split = text.find(|c: char| c.is_ascii_digit())?;
    let (letters, digits) = text.split_at(split);
    if letters.is_empty() || letters.len() > 7 || !letters.chars().all(|c| c.is_ascii_alphabetic())
    {
        return None;
    }
    let col = letters
        .to_ascii_uppercase()
        .bytes()
        .try_fold(0u64, |n, b| Some(n * 26 + u64::from(b - b'A') + 1))?;
    let row: u64 = digits.parse().ok()?;
    Some((
        u32::try_from(row.checked_sub(1)?).ok()?,
        u32::try_from(col - 1).ok()?,
    ))
}

fn number(text: &str) -> Option<u64> {
    text.trim().parse().ok()
}

/// What `drain` read.
struct Drained {
    bytes: u64,
    /// More than the cap was there.
    over: bool,
}

/// Reads `r` to its end or to `cap` bytes (then `over`), keeping nothing.
fn drain<R: Read>(r: R, cap: u64) -> Drained {
    let mut limited = r.take(cap.saturating_add(1));
    let mut buf = vec![0u8; 64 * 1024];
    let mut bytes = 0u64;
    loop {
        match limited.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => bytes = bytes.saturating_add(n as u64),
        }
    }
    Drained {
        bytes: bytes.min(cap),
        over: bytes > cap,
    }
}

// ---------------------------------------------------------------------------------------------
// A streaming XML tag scanner: start and empty-element tags with their attributes; text,
// end tags, comments, CDATA, declarations and processing instructions skipped. Memory: one
// read buffer and one tag.

struct Tag<'a> {
    /// The local name (after any `x:` prefix).
    name: &'a [u8],
    attrs: &'a [u8],
    /// `<c/>`: no content.
    empty: bool,
}

impl Tag<'_> {
    /// The value of the attribute whose local name is `key`, entities decoded.
    fn attr(&self, key: &[u8]) -> Option<String> {
        let mut rest = self.attrs;
        loop {
            let start = rest.iter().position(|b| !b.is_ascii_whitespace())?;
            rest = rest.get(start..)?;
            let eq = rest.iter().position(|b| *b == b'=')?;
            let name = rest.get(..eq)?.trim_ascii();
            let after = rest.get(eq + 1..)?.trim_ascii_start();
            let quote = *after.first()?;
            if quote != b'"' && quote != b'\'' {
                return None;
            }
            let body = after.get(1..)?;
            let end = body.iter().position(|b| *b == quote)?;
            let value = body.get(..end)?;
            let local = name.rsplit(|b| *b == b':').next().unwrap_or(name);
            if local == key {
                return Some(unescape(&String::from_utf8_lossy(value)));
            }
            rest = body.get(end + 1..)?;
        }
    }
}

fn unescape(s: &str) -> String {
    if !s.contains('&') {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        let Some(end) = tail.find(';').filter(|e| *e <= 10) else {
            out.push('&');
            rest = &tail[1..];
            continue;
        };
        let entity = &tail[1..end];
        let decoded = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            e => e
                .strip_prefix("#x")
                .or_else(|| e.strip_prefix("#X"))
                .map(|h| u32::from_str_radix(h, 16))
                .or_else(|| e.strip_prefix('#').map(str::parse::<u32>))
                .and_then(Result::ok)
                .and_then(char::from_u32),
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &tail[end + 1..];
            }
            None => {
                out.push('&');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    Text,
    /// Inside `<…`, with the open quote if any.
    Tag(Option<u8>),
    /// Skipping to the terminator (`-->`, `]]>`, `?>`, `>`); `matched` bytes of it seen.
    Skip(&'static [u8], usize),
}

/// Calls `f` for each start or empty-element tag of the XML in `r` (at most `cap` bytes are
/// read) until `f` returns false. Errs on a tag longer than [`MAX_TAG_BYTES`] or more than
/// `cap` bytes.
fn scan_tags<R: Read>(mut r: R, cap: u64, mut f: impl FnMut(&Tag<'_>) -> bool) -> Result<(), ()> {
    let mut buf = vec![0u8; 64 * 1024];
    let mut tag: Vec<u8> = Vec::new();
    let mut state = State::Text;
    let mut total = 0u64;
    loop {
        let n = match r.read(&mut buf) {
            Ok(0) => return Ok(()),
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => return Err(()),
        };
        total = total.saturating_add(n as u64);
        if total > cap {
            return Err(());
        }
        for &b in buf.get(..n).unwrap_or_default() {
            state = match state {
                State::Text => {
                    if b == b'<' {
                        tag.clear();
                        State::Tag(None)
                    } else {
                        State::Text
                    }
                }
                State::Skip(end, matched) => {
                    let matched = if end.get(matched) == Some(&b) {
                        matched + 1
                    } else if matched == 2 && end.first() == Some(&b) && end.get(1) == Some(&b) {
                        // "--->", "]]]>": the last two still match.
                        2
                    } else if end.first() == Some(&b) {
                        1
                    } else {
                        0
                    };
                    if matched == end.len() {
                        State::Text
                    } else {
                        State::Skip(end, matched)
                    }
                }
                State::Tag(quote) => {
                    // Comments, CDATA, declarations, processing instructions: skipped whole.
                    if tag.is_empty() && (b == b'!' || b == b'?') {
                        tag.push(b);
                        State::Tag(None)
                    } else if tag.first() == Some(&b'!') && tag.len() < 8 {
                        tag.push(b);
                        if tag == b"!--" {
                            State::Skip(b"-->", 0)
                        } else if tag == b"![CDATA[" {
                            State::Skip(b"]]>", 0)
                        } else if b == b'>' {
                            State::Text
                        } else if tag.len() == 8 {
                            State::Skip(b">", 0)
                        } else {
                            State::Tag(None)
                        }
                    } else if tag.first() == Some(&b'?') {
                        State::Skip(b"?>", usize::from(b == b'?'))
                    } else {
                        match (quote, b) {
                            (None, b'>') => {
                                if !emit(&tag, &mut f) {
                                    return Ok(());
                                }
                                State::Text
                            }
                            (None, b'"' | b'\'') => {
                                tag.push(b);
                                State::Tag(Some(b))
                            }
                            (Some(q), b) if b == q => {
                                tag.push(b);
                                State::Tag(None)
                            }
                            (q, b) => {
                                if tag.len() >= MAX_TAG_BYTES {
                                    return Err(());
                                }
                                tag.push(b);
                                State::Tag(q)
                            }
                        }
                    }
                }
            };
        }
    }
}

/// Hands one `<…>` (without its brackets) to `f`, unless it is an end tag.
fn emit(tag: &[u8], f: &mut impl FnMut(&Tag<'_>) -> bool) -> bool {
    if tag.first() == Some(&b'/') {
        return true;
    }
    let (body, empty) = match tag.strip_suffix(b"/") {
        Some(b) => (b, true),
        None => (tag, false),
    };
    let name_end = body
        .iter()
        .position(|b| b.is_ascii_whitespace())
        .unwrap_or(body.len());
    let (qualified, attrs) = body.split_at(name_end);
    let name = qualified.rsplit(|b| *b == b':').next().unwrap_or(qualified);
    f(&Tag { name, attrs, empty })
}

// ---------------------------------------------------------------------------------------------
// xls: the compound file and the BIFF records, as calamine 0.38 reads them.

const ENDOFCHAIN: u32 = 0xFFFF_FFFE;
const DIFSECT: u32 = 0xFFFF_FFFC;

fn le16(b: &[u8], at: usize) -> Option<u16> {
    let s = b.get(at..at.checked_add(2)?)?;
    Some(u16::from_le_bytes([s[0], s[1]]))
}

fn le32(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
}

fn le64(b: &[u8], at: usize) -> Option<u64> {
    let s = b.get(at..at.checked_add(8)?)?;
    let mut a = [0u8; 8];
    a.copy_from_slice(s);
    Some(u64::from_le_bytes(a))
}

fn broken(what: &str) -> Refusal {
    Refusal::Corrupt(format!("文件结构异常（{what}）"))
}

/// A table of sector numbers (DIFAT, FAT, mini FAT) cut off by the end of the file in the
/// middle of a number: calamine asserts on it (a panic), so it is refused here first.
fn whole_words(table: &[u8], what: &str) -> Result<(), Refusal> {
    if table.len().is_multiple_of(4) {
        Ok(())
    } else {
        Err(broken(&format!("{what}在文件末尾被截断")))
    }
}

/// One stream's sectors: the bytes of sector `id`, `None` when calamine could not read it.
struct Sectors<'a> {
    data: &'a [u8],
    /// Where sector 0 starts in `data`.
    base: usize,
    size: usize,
    maxid: u64,
}

impl Sectors<'_> {
    /// A sector of the file that starts past its end is refused: calamine slices its buffer
    /// from there (a panic). A mini sector past the mini stream is left to [`Self::chain`].
    fn get(&self, id: u32) -> Result<Option<&[u8]>, Refusal> {
        if u64::from(id) > self.maxid {
            return Ok(None);
        }
        let Some(start) = (id as usize)
            .checked_mul(self.size)
            .and_then(|offset| self.base.checked_add(offset))
        else {
            return Ok(None);
        };
        if self.base > 0 && start > self.data.len() {
            return Err(broken(&format!("扇区 {id} 超出文件末尾")));
        }
        let end = start.saturating_add(self.size).min(self.data.len());
        Ok(Some(self.data.get(start..end).unwrap_or_default()))
    }

    /// The bytes calamine's `get_chain` collects from `start` for `len` bytes. A chain that
    /// has not ended after every sector the file can hold is a cycle: refused, as calamine
    /// would go round it for ever. Where calamine would stop with an error, so does this (with
    /// what it has).
    fn chain(&self, start: u32, fat: &[u32], len: u64, what: &str) -> Result<Vec<u8>, Refusal> {
        let mut out = Vec::new();
        let mut id = start;
        let mut steps = 0u64;
        while id != ENDOFCHAIN {
            steps += 1;
            if steps > self.maxid.saturating_add(2) {
                return Err(broken(&format!("{what}的扇区链循环")));
            }
            let Some(sector) = self.get(id)? else {
                return Ok(out);
            };
            if sector.is_empty() && self.base == 0 {
                // A mini sector past the mini stream: calamine would read from elsewhere in
                // the file. Nothing a real file does.
                return Err(broken(&format!("{what}超出迷你流")));
            }
            let room = usize::try_from(len.saturating_sub(out.len() as u64)).unwrap_or(usize::MAX);
            out.extend_from_slice(sector.get(..sector.len().min(room)).unwrap_or_default());
            if out.len() as u64 >= len {
                break;
            }
            // calamine indexes its FAT with the number unchecked (a panic).
            let Some(next) = fat.get(id as usize) else {
                return Err(broken(&format!("{what}的扇区链超出 FAT")));
            };
            id = *next;
        }
        Ok(out)
    }
}

/// Checks an xls (OLE compound file) before calamine reads it: its chains end, and no sheet
/// makes calamine reserve or build more than [`MAX_CELLS`] cells.
pub fn check_xls(bytes: &[u8]) -> Result<(), Refusal> {
    let Some(header) = bytes.get(..512) else {
        return Ok(()); // calamine refuses a short header itself.
    };
    let size = match le16(header, 30) {
        Some(9) => 512usize,
        Some(12) => 4096,
        _ => return Ok(()),
    };
    let len = bytes.len();
    let maxid = (len / size) as u64;
    let sectors = Sectors {
        data: bytes,
        base: size,
        size,
        maxid,
    };
    let dir_start = le32(header, 48).unwrap_or(ENDOFCHAIN);
    let mini_fat_start = le32(header, 60).unwrap_or(ENDOFCHAIN);
    let mini_fat_len = u64::from(le32(header, 64).unwrap_or(0));
    let mut difat_id = le32(header, 68).unwrap_or(ENDOFCHAIN);
    let mut difat: Vec<u32> = (0..109).filter_map(|i| le32(header, 76 + i * 4)).collect();

    // DIFAT chain, bounded as calamine bounds it; each sector's last entry links the next.
    let mut difat_sectors = 0u64;
    while difat_id < 0xFFFF_FFFA {
        difat_sectors += 1;
        if difat_sectors > maxid.saturating_add(1) {
            return Ok(()); // calamine stops here with an error.
        }
        let Some(sector) = sectors.get(difat_id)? else {
            return Ok(());
        };
        whole_words(sector, "DIFAT")?;
        difat.extend((0..sector.len() / 4).filter_map(|i| le32(sector, i * 4)));
        let Some(next) = difat.pop() else {
            return Ok(());
        };
        difat_id = next;
    }
    // Every FAT sector is a sector of the file: more of them than the file has sectors would
    // make calamine's FAT (a copy per mention) far larger than the file.
    let fat_ids: Vec<u32> = difat.into_iter().filter(|id| *id < DIFSECT).collect();
    if fat_ids.len() as u64 > maxid.saturating_add(1) {
        return Err(broken("FAT 扇区数超过文件所能容纳"));
    }
    let mut fat: Vec<u32> = Vec::new();
    for id in fat_ids {
        let Some(sector) = sectors.get(id)? else {
            return Ok(());
        };
        whole_words(sector, "FAT")?;
        fat.extend((0..sector.len() / 4).filter_map(|i| le32(sector, i * 4)));
    }

    let dirs = sectors.chain(dir_start, &fat, u64::MAX, "目录")?;
    let entries: Vec<&[u8]> = dirs.chunks(128).filter(|c| c.len() == 128).collect();
    let Some(root) = entries.first() else {
        return Ok(());
    };
    let entry_len = |e: &[u8]| -> u64 {
        if size == 512 {
            u64::from(le32(e, 120).unwrap_or(0))
        } else {
            le64(e, 120).unwrap_or(0)
        }
    };
    let (mini_fat, mini_stream) = if mini_fat_len > 0 {
        let stream = sectors.chain(
            le32(root, 116).unwrap_or(ENDOFCHAIN),
            &fat,
            entry_len(root),
            "迷你流",
        )?;
        let table = sectors.chain(
            mini_fat_start,
            &fat,
            mini_fat_len.saturating_mul(size as u64),
            "迷你 FAT",
        )?;
        whole_words(&table, "迷你 FAT")?;
        let table: Vec<u32> = (0..table.len() / 4)
            .filter_map(|i| le32(&table, i * 4))
            .collect();
        (table, stream)
    } else {
        (Vec::new(), Vec::new())
    };

    let name_of = |e: &[u8]| -> String {
        let units: Vec<u16> = (0..32).filter_map(|i| le16(e, i * 2)).collect();
        let s = String::from_utf16_lossy(&units);
        s.split('\0').next().unwrap_or_default().to_owned()
    };
    let find = |name: &str| {
        entries
            .iter()
            .find(|e| name_of(e).eq_ignore_ascii_case(name))
    };
    let Some(book) = find("Workbook").or_else(|| find("Book")) else {
        return Ok(());
    };
    let book_len = entry_len(book);
    let book_start = le32(book, 116).unwrap_or(ENDOFCHAIN);
    let stream = if book_len < 4096 {
        let mini = Sectors {
            data: &mini_stream,
            base: 0,
            size: 64,
            maxid: maxid.saturating_mul(8),
        };
        mini.chain(book_start, &mini_fat, book_len, "工作簿流")?
    } else {
        sectors.chain(book_start, &fat, book_len, "工作簿流")?
    };
    check_biff(&stream)
}

/// Records as calamine's `RecordIter` gives them: type and data; `Continue` records folded
/// into the one before (skipped here, they hold no cells).
fn records(stream: &[u8]) -> impl Iterator<Item = (u16, &[u8])> {
    let mut pos = 0usize;
    std::iter::from_fn(move || {
        loop {
            let typ = le16(stream, pos)?;
            let len = usize::from(le16(stream, pos + 2)?);
            let data = stream.get(pos + 4..pos + 4 + len)?;
            pos += 4 + len;
            if typ != 0x003C {
                return Some((typ, data));
            }
        }
    })
}

fn check_biff(stream: &[u8]) -> Result<(), Refusal> {
    // The globals: where each sheet's records start (BoundSheet8), up to the first EOF.
    let mut starts: Vec<usize> = Vec::new();
    for (typ, data) in records(stream) {
        match typ {
            0x0085 => {
                if let Some(pos) = le32(data, 0) {
                    starts.push(pos as usize);
                }
                if starts.len() > MAX_XLS_SHEETS {
                    return Err(Refusal::TooLarge(format!("工作表超过 {MAX_XLS_SHEETS} 个")));
                }
            }
            0x000A => break,
            _ => {}
        }
    }
    for start in starts {
        let Some(sheet) = stream.get(start..) else {
            continue;
        };
        let mut extent = Extent::default();
        let mut seen_bof = false;
        let mut depth = 0usize;
        let mut formula_at = (0u32, 0u32);
        for (typ, data) in records(sheet) {
            if depth > 0 {
                match typ {
                    0x0809 => depth += 1,
                    0x000A => depth -= 1,
                    _ => {}
                }
                continue;
            }
            let at = |data: &[u8]| -> Option<(u32, u32)> {
                Some((u32::from(le16(data, 0)?), u32::from(le16(data, 2)?)))
            };
            match typ {
                0x0809 => {
                    if seen_bof {
                        depth += 1;
                    } else {
                        seen_bof = true;
                    }
                }
                0x0200 => {
                    let claimed = dimensions_claim(data);
                    if claimed > MAX_CELLS {
                        return Err(Refusal::TooLarge(format!(
                            "工作表声称有 {claimed} 个单元格"
                        )));
                    }
                }
                0x0203 | 0x0204 | 0x00D6 | 0x0205 | 0x027E | 0x00FD => {
                    if let Some((r, c)) = at(data) {
                        extent.add(r, c);
                    }
                }
                0x0207 => extent.add(formula_at.0, formula_at.1),
                0x0006 => {
                    if let Some((r, c)) = at(data) {
                        formula_at = (r, c);
                        extent.add(r, c);
                    }
                }
                0x00BD => {
                    if let (Some((r, first)), Some(last)) = (
                        at(data),
                        data.len().checked_sub(2).and_then(|i| le16(data, i)),
                    ) {
                        extent.add(r, first);
                        extent.add(r, u32::from(last));
                    }
                }
                0x000A => break,
                _ => {}
            }
        }
        let (rows, cols) = extent.size();
        if rows.saturating_mul(cols) > MAX_CELLS {
            return Err(over_size(rows, cols, &extent.span()));
        }
    }
    Ok(())
}

/// The cells calamine reserves for a `Dimensions` record, computed as it does (u32 arithmetic
/// that wraps in a release build: an end before the start claims four billion rows).
fn dimensions_claim(r: &[u8]) -> u64 {
    let (rf, rl, mut cf, cl) = match r.len() {
        10 => (
            u32::from(le16(r, 0).unwrap_or(0)),
            u32::from(le16(r, 2).unwrap_or(0)),
            u32::from(le16(r, 4).unwrap_or(0)),
            u32::from(le16(r, 6).unwrap_or(0)),
        ),
        14 | 16 => (
            le32(r, 0).unwrap_or(0),
            le32(r, 4).unwrap_or(0),
            u32::from(le16(r, 8).unwrap_or(0)),
            u32::from(le16(r, 10).unwrap_or(0)),
        ),
        _ => return 0,
    };
    if 0xFF < cf || cl < cf {
        cf = 0;
    }
    let (start, end) = if 1 <= rl && 1 <= cl {
        ((rf, cf), (rl - 1, cl - 1))
    } else {
        ((rf, cf), (rf, cf))
    };
    let rows = u64::from(end.0.wrapping_sub(start.0).wrapping_add(1));
    let cols = u64::from(end.1.wrapping_sub(start.1).wrapping_add(1));
    rows.saturating_mul(cols)
}
