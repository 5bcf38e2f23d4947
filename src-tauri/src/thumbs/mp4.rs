//! Finds the bytes of a video track's first keyframe in an MP4/MOV file.
//!
//! The top-level boxes are walked by hand with seeks (as `media::mp4` does), so `mdat` is never
//! read; `moov` (and, for a fragmented file, its first few `moof`s) is read into memory. The
//! sample tables (`stss`, `stsc`, `stsz`, `stco`/`co64`) and the `avcC`, `tfhd` and `trun`
//! boxes are decoded with `mp4-atom`, box by box: decoding a whole `moov` fails on the QuickTime
//! sound entries of many phone clips, and only the video track matters here.

use std::io::{Read, Seek, SeekFrom};

use mp4_atom::{Avcc, Co64, Stco, Stsc, Stss, Stsz, StszSamples, Tfhd, Trex, Trun};

use super::{ThumbError, corrupt};
use crate::media::{be32, be64, boxes, child, decode, fourcc};

/// The largest `moov` read into memory.
const MAX_MOOV: u64 = 64 * 1024 * 1024;
/// The largest `moof` read, and how many are read at most (the first one normally holds a
/// whole group of pictures).
const MAX_MOOF: u64 = 16 * 1024 * 1024;
const MAX_MOOFS: usize = 4;
/// Top-level boxes visited at most.
const MAX_TOP_BOXES: usize = 1_000_000;
/// Samples handed to the decoder at most, from the first keyframe on.
pub(super) const MAX_SAMPLES: usize = 30;
/// Fragment samples looked at while searching for the first keyframe.
const MAX_FRAGMENT_SAMPLES: usize = 10_000;

const NO_MOOV: &str = "视频缺少索引（moov）";
const NO_VIDEO: &str = "文件中没有视频轨道";
const BAD_TABLES: &str = "视频索引（样本表）损坏";

/// One sample: where it is in the file and how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Sample {
    pub offset: u64,
    pub size: u64,
}

/// What decoding the first picture needs.
#[derive(Debug)]
pub(super) struct VideoTrack {
    /// The sample entry: `avc1`, `avc3`, `hvc1`, …
    pub entry: [u8; 4],
    /// The H.264 decoder configuration, when the entry has one.
    pub avcc: Option<Avcc>,
    /// From the first keyframe on, in decoding order, at most [`MAX_SAMPLES`].
    pub samples: Vec<Sample>,
}

pub(super) fn read_video_track<R: Read + Seek>(
    r: &mut R,
    len: u64,
) -> Result<VideoTrack, ThumbError> {
    let (moov, moofs) = read_top_level(r, len)?;
    let moov = moov.ok_or_else(|| corrupt(NO_MOOV))?;
    let trak = boxes(&moov)
        .filter(|(k, _)| k == b"trak")
        .map(|(_, body)| trak_info(body))
        .find(|t| &t.handler == b"vide")
        .ok_or_else(|| corrupt(NO_VIDEO))?;
    let stbl = trak.stbl.ok_or_else(|| corrupt(BAD_TABLES))?;
    let stsd = child(stbl, b"stsd").ok_or_else(|| corrupt(BAD_TABLES))?;
    // version/flags, entry_count, then the entries as boxes.
    let (entry, entry_body) = stsd
        .get(8..)
        .and_then(|e| boxes(e).next())
        .ok_or_else(|| corrupt(BAD_TABLES))?;
    let avcc = if matches!(&entry, b"avc1" | b"avc3") {
        // A visual sample entry has 78 bytes before its child boxes.
        entry_body
            .get(78..)
            .and_then(|ext| child(ext, b"avcC"))
            .and_then(decode::<Avcc>)
    } else {
        None
    };

    let mut samples = table_samples(stbl)?;
    if samples.is_empty() && has_child(&moov, b"mvex") {
        let trex = child(&moov, b"mvex").and_then(|mvex| {
            boxes(mvex)
                .filter(|(k, _)| k == b"trex")
                .filter_map(|(_, b)| decode::<Trex>(b))
                .find(|t| t.track_id == trak.id)
        });
        samples = fragment_samples(&moofs, trak.id, trex.as_ref());
    }
    if samples.is_empty() {
        return Err(corrupt("视频轨道中没有画面数据"));
    }
    Ok(VideoTrack {
        entry,
        avcc,
        samples,
    })
}

/// The body of `moov`, and the first few `moof`s with their file offsets.
type TopLevel = (Option<Vec<u8>>, Vec<(u64, Vec<u8>)>);

fn read_top_level<R: Read + Seek>(r: &mut R, len: u64) -> Result<TopLevel, ThumbError> {
    let mut moov: Option<Vec<u8>> = None;
    let mut moofs: Vec<(u64, Vec<u8>)> = Vec::new();
    let mut pos = 0u64;
    for _ in 0..MAX_TOP_BOXES {
        if pos >= len {
            break;
        }
        let mut hdr = [0u8; 16];
        let got = read_at(r, pos, &mut hdr)?;
        let hdr = hdr.get(..got).unwrap_or(&[]);
        let (Some(size32), Some(kind)) = (be32(hdr, 0), fourcc(hdr, 4)) else {
            break;
        };
        let (header, size) = match size32 {
            1 => match be64(hdr, 8) {
                Some(s) => (16u64, s),
                None => break,
            },
            0 => (8, len - pos),
            n => (8, u64::from(n)),
        };
        if size < header {
            break;
        }
        let body_pos = pos.saturating_add(header);
        let body_len = size - header;
        match &kind {
            b"moov" if moov.is_none() => {
                if body_len > MAX_MOOV {
                    return Err(super::unsupported("视频索引（moov）过大，无法生成缩略图"));
                }
                moov = Some(read_vec(r, body_pos, body_len, len)?);
            }
            b"moof" if moov.is_some() && body_len <= MAX_MOOF => {
                moofs.push((pos, read_vec(r, body_pos, body_len, len)?));
            }
            _ => {}
        }
        // Without `mvex` every sample is in `moov`'s tables: nothing after it is needed.
        if let Some(m) = &moov
            && (!has_child(m, b"mvex") || moofs.len() >= MAX_MOOFS)
        {
            break;
        }
        let end = pos.saturating_add(size);
        if end <= pos {
            break;
        }
        pos = end;
    }
    Ok((moov, moofs))
}

struct TrakInfo<'a> {
    id: u32,
    handler: [u8; 4],
    stbl: Option<&'a [u8]>,
}

fn trak_info(trak: &[u8]) -> TrakInfo<'_> {
    let mut t = TrakInfo {
        id: 0,
        handler: [0; 4],
        stbl: None,
    };
    for (kind, body) in boxes(trak) {
        match &kind {
            b"tkhd" => {
                // Version 1 has 64-bit times: the track ID comes 8 bytes later.
                let at = if body.first() == Some(&1) { 20 } else { 12 };
                t.id = be32(body, at).unwrap_or(0);
            }
            b"mdia" => {
                for (k, b) in boxes(body) {
                    match &k {
                        // version/flags, pre_defined (QuickTime: component type), handler.
                        b"hdlr" => t.handler = fourcc(b, 8).unwrap_or([0; 4]),
                        b"minf" => t.stbl = child(b, b"stbl"),
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
    t
}

/// The samples from the first sync sample on, from the sample tables. Empty when the tables
/// hold no samples (a fragmented file).
fn table_samples(stbl: &[u8]) -> Result<Vec<Sample>, ThumbError> {
    let stsz = child(stbl, b"stsz").and_then(decode::<Stsz>);
    let count = match &stsz {
        None => return Ok(Vec::new()),
        Some(Stsz {
            samples: StszSamples::Identical { count, .. },
        }) => u64::from(*count),
        Some(Stsz {
            samples: StszSamples::Different { sizes },
        }) => sizes.len() as u64,
    };
    if count == 0 {
        return Ok(Vec::new());
    }
    let stsz = stsz.ok_or_else(|| corrupt(BAD_TABLES))?;
    let stsc = child(stbl, b"stsc")
        .and_then(decode::<Stsc>)
        .ok_or_else(|| corrupt(BAD_TABLES))?;
    let chunks: Vec<u64> = if let Some(co) = child(stbl, b"stco").and_then(decode::<Stco>) {
        co.entries.into_iter().map(u64::from).collect()
    } else if let Some(co) = child(stbl, b"co64").and_then(decode::<Co64>) {
        co.entries
    } else {
        return Err(corrupt(BAD_TABLES));
    };
    // No `stss`: every sample is a sync sample. An empty one (no sync sample at all) is read
    // from the start too: the decoder then skips what it cannot show.
    let first_sync = child(stbl, b"stss")
        .and_then(decode::<Stss>)
        .and_then(|s| s.entries.first().copied())
        .map_or(1, u64::from)
        .max(1);
    let table = Tables {
        stsc: &stsc,
        stsz: &stsz,
        chunks: &chunks,
    };
    let mut out = Vec::new();
    let last = first_sync.saturating_add(MAX_SAMPLES as u64).min(count + 1);
    for n in first_sync..last {
        match table.locate(n) {
            Some(s) => out.push(s),
            None if out.is_empty() => return Err(corrupt(BAD_TABLES)),
            None => break,
        }
    }
    Ok(out)
}

struct Tables<'a> {
    stsc: &'a Stsc,
    stsz: &'a Stsz,
    chunks: &'a [u64],
}

impl Tables<'_> {
    fn size(&self, n: u64) -> Option<u64> {
        match &self.stsz.samples {
            StszSamples::Identical { count, size } => {
                (n >= 1 && n <= u64::from(*count)).then_some(u64::from(*size))
            }
            StszSamples::Different { sizes } => sizes
                .get(usize::try_from(n.checked_sub(1)?).ok()?)
                .copied()
                .map(u64::from),
        }
    }

    /// The summed sizes of samples `from..to` (1-based): one product for a uniform size, else
    /// a sum over the table's own entries. Never a loop over a count the file merely claims
    /// (a chunk may say it holds four billion samples).
    fn sizes_between(&self, from: u64, to: u64) -> Option<u64> {
        if to <= from {
            return Some(0);
        }
        match &self.stsz.samples {
            StszSamples::Identical { count, size } => (from >= 1 && to - 1 <= u64::from(*count))
                .then(|| (to - from).checked_mul(u64::from(*size)))?,
            StszSamples::Different { sizes } => {
                let from = usize::try_from(from.checked_sub(1)?).ok()?;
                let to = usize::try_from(to - 1).ok()?;
                Some(sizes.get(from..to)?.iter().map(|s| u64::from(*s)).sum())
            }
        }
    }

    /// Sample `n` (1-based): its chunk from `stsc`, the chunk's offset, plus the sizes of the
    /// samples before it in that chunk.
    fn locate(&self, n: u64) -> Option<Sample> {
        let size = self.size(n)?;
        let chunk_count = self.chunks.len() as u64;
        let mut first_sample = 1u64; // of the current run of chunks
        let entries = &self.stsc.entries;
        for (i, e) in entries.iter().enumerate() {
            let first_chunk = u64::from(e.first_chunk);
            let per_chunk = u64::from(e.samples_per_chunk);
            let next_first = entries
                .get(i + 1)
                .map_or(chunk_count + 1, |x| u64::from(x.first_chunk));
            if first_chunk == 0 || next_first < first_chunk {
                return None;
            }
            let run = (next_first - first_chunk).checked_mul(per_chunk)?;
            if per_chunk > 0 && n < first_sample.checked_add(run)? {
                let index = n - first_sample;
                let chunk = first_chunk + index / per_chunk; // 1-based
                let first_in_chunk = n - index % per_chunk;
                let offset = *self.chunks.get(usize::try_from(chunk - 1).ok()?)?;
                let offset = offset.checked_add(self.sizes_between(first_in_chunk, n)?)?;
                return Some(Sample { offset, size });
            }
            first_sample = first_sample.checked_add(run)?;
        }
        None
    }
}

/// The samples of the video track in the first fragments, from its first sync sample on.
fn fragment_samples(moofs: &[(u64, Vec<u8>)], track_id: u32, trex: Option<&Trex>) -> Vec<Sample> {
    let mut all: Vec<Sample> = Vec::new();
    let mut first_sync: Option<usize> = None;
    'moofs: for (moof_pos, moof) in moofs {
        for (_, traf) in boxes(moof).filter(|(k, _)| k == b"traf") {
            let Some(tfhd) = child(traf, b"tfhd").and_then(decode::<Tfhd>) else {
                continue;
            };
            if tfhd.track_id != track_id {
                continue;
            }
            let base = tfhd.base_data_offset.unwrap_or(*moof_pos);
            let default_size = tfhd
                .default_sample_size
                .or(trex.map(|t| t.default_sample_size));
            let default_flags = tfhd
                .default_sample_flags
                .or(trex.map(|t| t.default_sample_flags));
            let mut next = base;
            for (_, body) in boxes(traf).filter(|(k, _)| k == b"trun") {
                let Some(trun) = decode::<Trun>(body) else {
                    continue;
                };
                let mut offset = match trun.data_offset {
                    Some(d) => match base.checked_add_signed(i64::from(d)) {
                        Some(o) => o,
                        None => continue,
                    },
                    None => next,
                };
                for e in trun.samples.iter() {
                    let enough = first_sync.is_some_and(|f| all.len() - f >= MAX_SAMPLES);
                    if enough || all.len() >= MAX_FRAGMENT_SAMPLES {
                        break 'moofs;
                    }
                    let Some(size) = e.size.or(default_size) else {
                        break 'moofs;
                    };
                    let size = u64::from(size);
                    // sample_is_non_sync_sample
                    let sync = e
                        .flags
                        .or(default_flags)
                        .is_none_or(|f| f & 0x0001_0000 == 0);
                    if sync && first_sync.is_none() {
                        first_sync = Some(all.len());
                    }
                    all.push(Sample { offset, size });
                    offset = offset.saturating_add(size);
                }
                next = offset;
            }
        }
    }
    // No sample marked as sync: start at the first, the decoder skips what it cannot show.
    all.into_iter()
        .skip(first_sync.unwrap_or(0))
        .take(MAX_SAMPLES)
        .collect()
}

fn has_child(data: &[u8], kind: &[u8; 4]) -> bool {
    child(data, kind).is_some()
}

/// Reads as many bytes as are there at `pos` into `buf` (short only at the end of the file).
pub(super) fn read_at<R: Read + Seek>(
    r: &mut R,
    pos: u64,
    buf: &mut [u8],
) -> Result<usize, ThumbError> {
    r.seek(SeekFrom::Start(pos))?;
    let mut filled = 0;
    while let Some(rest) = buf.get_mut(filled..).filter(|b| !b.is_empty()) {
        match r.read(rest) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(filled)
}

/// Reads up to `n` bytes at `pos`, never past `len` (so never more than the file holds).
pub(super) fn read_vec<R: Read + Seek>(
    r: &mut R,
    pos: u64,
    n: u64,
    len: u64,
) -> Result<Vec<u8>, ThumbError> {
    let n = n.min(len.saturating_sub(pos));
    let n = usize::try_from(n).map_err(|_| corrupt(BAD_TABLES))?;
    let mut buf = vec![0u8; n];
    let got = read_at(r, pos, &mut buf)?;
    buf.truncate(got);
    Ok(buf)
}

#[cfg(test)]
mod tests {
    use super::*;
    use mp4_atom::StscEntry;

    fn stsc(runs: &[(u32, u32)]) -> Stsc {
        Stsc {
            entries: runs
                .iter()
                .map(|&(first_chunk, samples_per_chunk)| StscEntry {
                    first_chunk,
                    samples_per_chunk,
                    sample_description_index: 1,
                })
                .collect(),
        }
    }

    /// Locates sample `n` in tables built from (first_chunk, samples_per_chunk) runs, sample
    /// sizes and chunk offsets.
    fn check(
        runs: &[(u32, u32)],
        sizes: &[u32],
        chunks: &[u64],
        n: u64,
        expect: Option<(u64, u64)>,
    ) {
        let stsc = stsc(runs);
        let stsz = Stsz {
            samples: StszSamples::Different {
                sizes: sizes.to_vec(),
            },
        };
        let t = Tables {
            stsc: &stsc,
            stsz: &stsz,
            chunks,
        };
        let got = t.locate(n).map(|s| (s.offset, s.size));
        assert_eq!(got, expect, "sample {n} in {runs:?}");
    }

    #[test]
    fn locates_samples_through_stsc_runs() {
        let sizes = [10, 20, 30, 40, 50, 60, 70];
        // Chunks 1-2 hold 2 samples each, chunk 3 on holds 3.
        let runs = [(1, 2), (3, 3)];
        let chunks = [1000, 2000, 3000];
        check(&runs, &sizes, &chunks, 1, Some((1000, 10)));
        check(&runs, &sizes, &chunks, 2, Some((1010, 20)));
        check(&runs, &sizes, &chunks, 3, Some((2000, 30)));
        check(&runs, &sizes, &chunks, 5, Some((3000, 50)));
        check(&runs, &sizes, &chunks, 7, Some((3000 + 50 + 60, 70)));
        check(&runs, &sizes, &chunks, 8, None);
        check(&runs, &sizes, &chunks, 0, None);
        // A damaged stsc (first chunk 0, or going backwards) locates nothing.
        check(&[(0, 2)], &sizes, &chunks, 1, None);
        check(&[(3, 2), (1, 1)], &sizes, &chunks, 1, None);
        // A chunk index beyond the offsets table.
        check(&[(1, 1)], &sizes, &[5], 2, None);
        // Zero samples per chunk in a run is skipped, not divided by.
        check(&[(1, 0), (2, 1)], &sizes, &chunks, 1, Some((2000, 10)));
    }

    #[test]
    fn uniform_sizes() {
        let stsc = stsc(&[(1, 4)]);
        let stsz = Stsz {
            samples: StszSamples::Identical {
                count: 8,
                size: 100,
            },
        };
        let t = Tables {
            stsc: &stsc,
            stsz: &stsz,
            chunks: &[0, 10_000],
        };
        assert_eq!(
            t.locate(6),
            Some(Sample {
                offset: 10_100,
                size: 100
            })
        );
        assert_eq!(t.locate(9), None);
    }
}
