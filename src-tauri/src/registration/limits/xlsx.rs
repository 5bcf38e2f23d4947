//! Zip containers (xlsx, and xlsb and ods, which calamine reads from a zip too): every part
//! decompressed as a stream under the caps, the shared-string counts held to the items
//! present, and each worksheet's cells that hold something measured.

use std::collections::HashMap;
use std::io::{Cursor, Read};

use super::xml_tags::scan_tags;
use super::{
    Extent, MAX_CELLS, MAX_PART_BYTES, MAX_SHARED_STRINGS, MAX_ZIP_BYTES, MAX_ZIP_ENTRIES, Refusal,
    SHARED_STRINGS_SLACK, over_size,
};

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
    let mut bad_range: Option<String> = None;
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
            b"dimension" | b"mergeCell" => {
                if let Some(v) = tag.attr(b"ref")
                    && !range_ref_ok(&v)
                {
                    bad_range = Some(v.chars().take(30).collect());
                    return false;
                }
            }
            _ => {}
        }
        true
    });
    if let Some(text) = bad_ref {
        return Err(Refusal::Corrupt(format!("单元格位置“{text}”无法识别")));
    }
    if let Some(text) = bad_range {
        return Err(Refusal::Corrupt(format!("单元格范围“{text}”无法识别")));
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

/// A sheet's `dimension` or a merge's `ref` as calamine would take it: "B2" or "B2:D5", each
/// corner a position it can hold and the second not before the first. calamine subtracts
/// the corners (an overflow on "A2:G1") and, like a cell's, its position arithmetic
/// overflows past u32. Other shapes calamine refuses by itself.
fn range_ref_ok(text: &str) -> bool {
    let corners: Vec<&str> = text.split(':').collect();
    if corners.len() > 2 {
        return true;
    }
    let Some(parsed) = corners
        .iter()
        .map(|c| cell_ref(c))
        .collect::<Option<Vec<_>>>()
    else {
        return false;
    };
    match parsed.as_slice() {
        [(r1, c1), (r2, c2)] => r2 >= r1 && c2 >= c1,
        _ => true,
    }
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
