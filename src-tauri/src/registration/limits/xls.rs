//! xls: the compound file and the BIFF records, walked as calamine 0.38 walks them, so a
//! chain that never ends or a sheet that claims billions of cells is refused before calamine
//! goes round it or reserves for it.

use super::{Extent, MAX_CELLS, MAX_XLS_SHEETS, Refusal, over_size};

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
