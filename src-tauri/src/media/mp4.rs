//! ISO-BMFF (MP4, M4A) and QuickTime (MOV).
//!
//! The top-level boxes are walked by hand, seeking past `mdat` and anything else not needed;
//! `moov` (and each small `moof`) is read into memory. Leaf boxes with a fixed layout (`ftyp`,
//! `mvhd`, `tkhd`, `mdhd`, `elst`) are decoded with `mp4-atom`; sample entries and sample
//! tables are read from their bytes, because QuickTime v1/v2 sound entries and unusual
//! entries make a whole-`moov` decode fail.
//!
//! One file over the 600-line rule on purpose: it is a parser, and the box walk, the sample
//! tables and the truncation checks read best as one piece, each check beside the box it
//! guards.

use std::io::{Read, Seek};

use mp4_atom::{Atom, Elst, Ftyp, Mdhd, Mvhd, Tkhd};

use super::detect::{be16, be32, be64, fourcc, read_at, read_vec, truncated_problem};
use super::{MediaFacts, MediaKind};

/// The largest `moov` read into memory.
const MAX_MOOV: u64 = 64 * 1024 * 1024;
/// The largest `moof` read into memory.
const MAX_MOOF: u64 = 16 * 1024 * 1024;
/// All `moof`s together.
const MAX_MOOF_TOTAL: u64 = 64 * 1024 * 1024;
/// Top-level boxes visited at most (each is at least 8 bytes, so the walk ends anyway).
const MAX_TOP_BOXES: usize = 1_000_000;
/// Top-level media-data boxes remembered for the fragment check; past this many, fragments
/// are only checked against the file's length.
const MAX_MDATS: usize = 100_000;

const PROBLEM_NO_MOOV: &str = "文件缺少索引（moov），无法读取";

#[derive(Debug, Default, Clone)]
struct Track {
    id: u32,
    handler: [u8; 4],
    /// `tkhd` width/height (16.16) and matrix a, b, c, d.
    tkhd: Option<(u32, u32, [i32; 4])>,
    timescale: u32,
    mdhd_duration: u64,
    /// Sum of the edit list's segment durations, in the movie timescale.
    edit_duration: Option<u64>,
    entry: Option<[u8; 4]>,
    coded: Option<(u32, u32)>,
    pasp: Option<(u32, u32)>,
    sample_rate: Option<u32>,
    /// From `stts`: samples and their summed durations.
    stts_samples: u64,
    stts_duration: u64,
    /// The end of the last chunk (offset + its samples' sizes), or its offset.
    data_end: Option<u64>,
    /// Fragmented: `trex` defaults, then summed `trun`s.
    trex_duration: u32,
    trex_size: u32,
    frag_samples: u64,
    frag_duration: u64,
    /// Fragment sample durations and how many samples had each (a few distinct values).
    frag_deltas: Vec<(u32, u64)>,
}

/// One `moof` as read: where it starts in the file and its body.
struct Moof {
    start: u64,
    body: Vec<u8>,
}

/// Where the file's top-level media data lies, for checking fragments' sample ranges.
struct MediaData {
    /// Body start and declared end of each top-level `mdat`/`imda`, in file order.
    boxes: Vec<(u64, u64)>,
    /// More than `MAX_MDATS`: the list is incomplete.
    overflow: bool,
    len: u64,
}

impl MediaData {
    /// Where the bytes `start..end` stop being there: `None` when all of them are inside the
    /// file and inside one media-data box; otherwise the byte where the data runs out (the end
    /// of the box they start in, or of the file).
    fn missing_from(&self, start: u64, end: u64) -> Option<u64> {
        if end <= start {
            return None;
        }
        let file_end = self.len;
        let inside = self
            .boxes
            .partition_point(|(body, _)| *body <= start)
            .checked_sub(1)
            .and_then(|i| self.boxes.get(i))
            .filter(|(_, box_end)| start < *box_end);
        match inside {
            Some((_, box_end)) => {
                let limit = (*box_end).min(file_end);
                (end > limit).then_some(limit)
            }
            None if self.overflow => (end > file_end).then_some(file_end),
            // In no media-data box: the data this fragment names is not in the file.
            None => Some(start.min(file_end)),
        }
    }
}

#[derive(Debug, Default)]
struct Movie {
    timescale: u32,
    duration: u64,
    fragmented: bool,
    tracks: Vec<Track>,
    title: Option<String>,
}

/// Iterates the boxes in `data`: (type, body). A box running past the end yields what is
/// there and ends the walk; a malformed size ends it too.
pub(crate) struct Boxes<'a> {
    data: &'a [u8],
    pos: usize,
}

pub(crate) fn boxes(data: &[u8]) -> Boxes<'_> {
    Boxes { data, pos: 0 }
}

impl<'a> Iterator for Boxes<'a> {
    type Item = ([u8; 4], &'a [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        let start = self.pos;
        let size32 = be32(self.data, start)?;
        let kind = fourcc(self.data, start.checked_add(4)?)?;
        let (header, size) = match size32 {
            1 => (
                16usize,
                usize::try_from(be64(self.data, start.checked_add(8)?)?).ok()?,
            ),
            0 => (8, self.data.len().saturating_sub(start)),
            n => (8, usize::try_from(n).ok()?),
        };
        if size < header {
            self.pos = self.data.len();
            return None;
        }
        let end = start.saturating_add(size);
        let body_start = start.checked_add(header)?;
        let body = self.data.get(body_start..end.min(self.data.len()))?;
        self.pos = if end > self.data.len() {
            self.data.len()
        } else {
            end
        };
        Some((kind, body))
    }
}

pub(crate) fn child<'a>(data: &'a [u8], kind: &[u8; 4]) -> Option<&'a [u8]> {
    boxes(data).find(|(k, _)| k == kind).map(|(_, b)| b)
}

pub(crate) fn decode<T: Atom>(mut body: &[u8]) -> Option<T> {
    T::decode_body(&mut body).ok()
}

pub(super) fn probe<R: Read + Seek>(r: &mut R, len: u64) -> MediaFacts {
    let mut ftyp: Option<Ftyp> = None;
    let mut movie: Option<Movie> = None;
    let mut truncated_at: Option<u64> = None;
    let mut moofs: Vec<Moof> = Vec::new();
    let mut moof_total = 0u64;
    let mut media_data = MediaData {
        boxes: Vec::new(),
        overflow: false,
        len,
    };
    let mut problems: Vec<String> = Vec::new();

    let mut pos = 0u64;
    let mut count = 0usize;
    while pos < len && count < MAX_TOP_BOXES {
        count += 1;
        let mut hdr = [0u8; 16];
        let got = read_at(r, pos, &mut hdr);
        let Some(hdr) = hdr.get(..got) else { break };
        if hdr.len() < 8 {
            // A few stray bytes at the end (some writers pad); not a box.
            break;
        }
        let (Some(size32), Some(kind)) = (be32(hdr, 0), fourcc(hdr, 4)) else {
            break;
        };
        let (header, size) = match size32 {
            1 => match be64(hdr, 8) {
                Some(s) => (16u64, s),
                None => {
                    truncated_at.get_or_insert(len);
                    break;
                }
            },
            0 => (8, len - pos),
            n => (8, u64::from(n)),
        };
        if size < header {
            problems.push(format!("文件结构损坏：第 {pos} 字节处的盒子大小无效"));
            break;
        }
        let end = pos.saturating_add(size);
        if end > len {
            truncated_at.get_or_insert(len);
        }
        let body_pos = pos.saturating_add(header);
        let body_len = size - header;
        match &kind {
            b"ftyp" if ftyp.is_none() => {
                let body = read_vec(r, body_pos, body_len, len, 4096);
                ftyp = decode::<Ftyp>(&body);
            }
            b"moov" if movie.is_none() => {
                if body_len > MAX_MOOV {
                    problems.push("索引（moov）过大，未读取".to_owned());
                } else {
                    let body = read_vec(r, body_pos, body_len, len, MAX_MOOV);
                    movie = Some(parse_moov(&body));
                }
            }
            b"moof"
                if body_len <= MAX_MOOF
                    && moof_total.saturating_add(body_len) <= MAX_MOOF_TOTAL =>
            {
                moof_total += body_len;
                moofs.push(Moof {
                    start: pos,
                    body: read_vec(r, body_pos, body_len, len, MAX_MOOF),
                });
            }
            b"mdat" | b"imda" => {
                if media_data.boxes.len() < MAX_MDATS {
                    media_data.boxes.push((body_pos, end));
                } else {
                    media_data.overflow = true;
                }
            }
            _ => {}
        }
        if end <= pos {
            break;
        }
        pos = end;
    }

    let is_qt = match &ftyp {
        None => true,
        Some(f) => &u32::from(f.major_brand).to_be_bytes() == b"qt  ",
    };
    let brand_audio = ftyp.as_ref().is_some_and(|f| {
        matches!(
            &u32::from(f.major_brand).to_be_bytes(),
            b"M4A " | b"M4B " | b"M4P "
        )
    });

    let Some(mut movie) = movie else {
        let (container, label) = if is_qt {
            ("mov", "MOV（QuickTime）视频")
        } else {
            ("mp4", "MP4 视频")
        };
        let mut f = MediaFacts::unreadable(container, label, PROBLEM_NO_MOOV);
        if let Some(at) = truncated_at {
            f.problems.push(truncated_problem(at));
        }
        f.problems.extend(problems);
        return f;
    };

    // Each fragment's samples must be in the file: a file cut after a `moof`, or whose `mdat`
    // is shorter than its fragment says, is not complete.
    for moof in &moofs {
        if let Some(at) = add_fragment(&mut movie, moof, &media_data) {
            truncated_at = Some(truncated_at.map_or(at, |t| t.min(at)));
        }
    }

    let video = movie.tracks.iter().find(|t| &t.handler == b"vide");
    let audio = movie.tracks.iter().find(|t| &t.handler == b"soun");
    let kind = if video.is_some() {
        MediaKind::Video
    } else if audio.is_some() {
        MediaKind::Audio
    } else {
        MediaKind::Other
    };
    let (container, label) = if is_qt {
        if kind == MediaKind::Audio {
            ("mov", "MOV（QuickTime）音频")
        } else {
            ("mov", "MOV（QuickTime）视频")
        }
    } else if brand_audio || kind == MediaKind::Audio {
        ("m4a", "M4A 音频")
    } else {
        ("mp4", "MP4 视频")
    };
    let mut f = super::detect::base(kind, container, label);
    f.title = movie.title.clone();

    // The track whose timing stands for the file.
    let main = video.or(audio).or(movie.tracks.first());

    // Duration.
    let frag_track = main.filter(|t| t.frag_duration > 0 && t.timescale > 0);
    f.duration_s = if movie.fragmented && movie.duration == 0 && frag_track.is_some() {
        frag_track.map(|t| t.frag_duration as f64 / f64::from(t.timescale))
    } else if let Some(edit) = main.and_then(|t| t.edit_duration).filter(|d| *d > 0)
        && movie.timescale > 0
    {
        Some(edit as f64 / f64::from(movie.timescale))
    } else if movie.timescale > 0 && movie.duration > 0 {
        Some(movie.duration as f64 / f64::from(movie.timescale))
    } else {
        main.filter(|t| t.timescale > 0 && t.mdhd_duration > 0)
            .map(|t| t.mdhd_duration as f64 / f64::from(t.timescale))
    };

    if let Some(v) = video {
        f.video_codec = v.entry.map(|e| fourcc_string(&e));
        if let Some((w, h)) = v.coded {
            f.width = Some(w);
            f.height = Some(h);
        }
        f.pixel_aspect = v.pasp.filter(|(h, v)| h != v && *h > 0 && *v > 0);
        let rotation = v.tkhd.map(|(_, _, m)| rotation_cw(m)).unwrap_or(0);
        f.rotation_cw = Some(rotation);
        let tk_size = v
            .tkhd
            .map(|(w, h, _)| (fixed_16_16(w), fixed_16_16(h)))
            .filter(|(w, h)| *w > 0 && *h > 0);
        let display = tk_size.or_else(|| {
            let (w, h) = v.coded?;
            match f.pixel_aspect {
                Some((hs, vs)) => {
                    let dw = u64::from(w).saturating_mul(u64::from(hs)) / u64::from(vs).max(1);
                    Some((u32::try_from(dw).unwrap_or(u32::MAX), h))
                }
                None => Some((w, h)),
            }
        });
        if let Some((w, h)) = display {
            let (w, h) = if rotation % 180 == 90 { (h, w) } else { (w, h) };
            f.display_width = Some(w);
            f.display_height = Some(h);
        }
        // Fragments: the most common sample duration (ffmpeg stretches the first sample of an
        // `empty_moov` file to cover the audio's priming).
        let dominant = v
            .frag_deltas
            .iter()
            .max_by_key(|(_, n)| *n)
            .map(|(d, _)| u64::from(*d))
            .filter(|d| *d > 0);
        let (samples, dur) = if let Some(d) = dominant.filter(|_| v.frag_samples > 0) {
            (1, d)
        } else if v.frag_samples > 0 {
            (v.frag_samples, v.frag_duration)
        } else if v.stts_samples > 0 && v.stts_duration > 0 {
            (v.stts_samples, v.stts_duration)
        } else {
            (v.stts_samples, v.mdhd_duration)
        };
        if samples > 0 && dur > 0 && v.timescale > 0 {
            let fps = samples as f64 * f64::from(v.timescale) / dur as f64;
            f.frame_rate = Some((fps * 1000.0).round() / 1000.0);
        }
    }
    if let Some(a) = audio {
        f.audio_codec = a.entry.map(|e| fourcc_string(&e));
        f.sample_rate = a.sample_rate.filter(|s| *s > 0);
    }

    // Completeness: box extents, then chunk offsets.
    let data_end = movie.tracks.iter().filter_map(|t| t.data_end).max();
    if truncated_at.is_none() && data_end.is_some_and(|e| e > len) {
        truncated_at = Some(len);
    }
    if let Some(at) = truncated_at {
        f.complete = false;
        f.problems.push(truncated_problem(at));
    }
    if kind == MediaKind::Other {
        f.problems.push("文件中没有音视频轨道".to_owned());
    }
    f.problems.extend(problems);
    f
}

fn fourcc_string(c: &[u8; 4]) -> String {
    String::from_utf8_lossy(c).trim_end().to_owned()
}

/// Rounds a 16.16 fixed-point size to whole pixels.
fn fixed_16_16(v: u32) -> u32 {
    (v >> 16) + ((v >> 15) & 1)
}

/// Clockwise rotation of a `tkhd` matrix (a, b, c, d in 16.16), as mediainfo and exiftool
/// report it: a=0 b=1 c=-1 d=0 is 90°.
fn rotation_cw(m: [i32; 4]) -> u32 {
    let one = 1 << 16;
    let sign = |v: i32| {
        if v >= one / 2 {
            1
        } else if v <= -one / 2 {
            -1
        } else {
            0
        }
    };
    match (sign(m[0]), sign(m[1]), sign(m[2]), sign(m[3])) {
        (0, 1, -1, 0) => 90,
        (-1, 0, 0, -1) => 180,
        (0, -1, 1, 0) => 270,
        _ => 0,
    }
}

fn parse_moov(moov: &[u8]) -> Movie {
    let mut movie = Movie::default();
    for (kind, body) in boxes(moov) {
        match &kind {
            b"mvhd" => {
                if let Some(m) = decode::<Mvhd>(body) {
                    movie.timescale = m.timescale;
                    movie.duration = m.duration;
                } else if let Some((ts, d)) = mvhd_by_hand(body) {
                    movie.timescale = ts;
                    movie.duration = d;
                }
            }
            b"trak" => movie.tracks.push(parse_trak(body)),
            b"mvex" => {
                movie.fragmented = true;
                for (k, trex) in boxes(body) {
                    if &k != b"trex" {
                        continue;
                    }
                    // version/flags, track_ID, default_sample_description_index,
                    // default_sample_duration, default_sample_size, default_sample_flags.
                    let id = be32(trex, 4).unwrap_or(0);
                    let dur = be32(trex, 12).unwrap_or(0);
                    let size = be32(trex, 16).unwrap_or(0);
                    if let Some(t) = movie.tracks.iter_mut().find(|t| t.id == id) {
                        t.trex_duration = dur;
                        t.trex_size = size;
                    } else {
                        // `mvex` before `trak`: remember on a placeholder.
                        movie.tracks.push(Track {
                            id,
                            handler: *b"\0\0\0\0",
                            trex_duration: dur,
                            trex_size: size,
                            ..Track::default()
                        });
                    }
                }
            }
            b"udta" if movie.title.is_none() => movie.title = title_from_udta(body),
            b"meta" if movie.title.is_none() => movie.title = title_from_meta(body),
            _ => {}
        }
    }
    // Merge `trex` placeholders into their tracks.
    let placeholders: Vec<Track> = movie
        .tracks
        .iter()
        .filter(|t| &t.handler == b"\0\0\0\0" && t.timescale == 0)
        .cloned()
        .collect();
    movie
        .tracks
        .retain(|t| !(&t.handler == b"\0\0\0\0" && t.timescale == 0));
    for p in placeholders {
        if let Some(t) = movie.tracks.iter_mut().find(|t| t.id == p.id) {
            t.trex_duration = p.trex_duration;
            t.trex_size = p.trex_size;
        }
    }
    movie
}

fn mvhd_by_hand(body: &[u8]) -> Option<(u32, u64)> {
    match body.first()? {
        1 => Some((be32(body, 20)?, be64(body, 24)?)),
        _ => Some((be32(body, 12)?, u64::from(be32(body, 16)?))),
    }
}

fn parse_trak(trak: &[u8]) -> Track {
    let mut t = Track::default();
    for (kind, body) in boxes(trak) {
        match &kind {
            b"tkhd" => {
                if let Some(h) = decode::<Tkhd>(body) {
                    t.id = h.track_id;
                    let w = (u32::from(h.width.integer()) << 16) | u32::from(h.width.decimal());
                    let hh = (u32::from(h.height.integer()) << 16) | u32::from(h.height.decimal());
                    let m = h.matrix;
                    t.tkhd = Some((w, hh, [m.a, m.b, m.c, m.d]));
                } else if let Some(h) = tkhd_by_hand(body) {
                    t.id = h.0;
                    t.tkhd = Some((h.1, h.2, h.3));
                }
            }
            b"edts" => {
                if let Some(elst) = child(body, b"elst") {
                    let sum = match decode::<Elst>(elst) {
                        Some(e) => e
                            .entries
                            .iter()
                            .fold(0u64, |acc, x| acc.saturating_add(x.segment_duration)),
                        None => elst_by_hand(elst),
                    };
                    t.edit_duration = Some(sum);
                }
            }
            b"mdia" => parse_mdia(body, &mut t),
            _ => {}
        }
    }
    t
}

fn tkhd_by_hand(body: &[u8]) -> Option<(u32, u32, u32, [i32; 4])> {
    // version 1 has 64-bit times and duration: 12 more bytes before the common tail.
    let extra = if *body.first()? == 1 { 12 } else { 0 };
    let id = be32(body, 12 + extra)?;
    let m = 40 + extra;
    let mi = |i: usize| be32(body, m + i * 4).map(|v| v as i32);
    let matrix = [mi(0)?, mi(1)?, mi(3)?, mi(4)?];
    let w = be32(body, m + 36)?;
    let h = be32(body, m + 40)?;
    Some((id, w, h, matrix))
}

fn elst_by_hand(body: &[u8]) -> u64 {
    let v1 = body.first() == Some(&1);
    let n = be32(body, 4).unwrap_or(0);
    let entry = if v1 { 20 } else { 12 };
    let mut sum = 0u64;
    for i in 0..n as usize {
        let at = 8usize.saturating_add(i.saturating_mul(entry));
        let d = if v1 {
            be64(body, at)
        } else {
            be32(body, at).map(u64::from)
        };
        match d {
            Some(d) => sum = sum.saturating_add(d),
            None => break,
        }
    }
    sum
}

fn parse_mdia(mdia: &[u8], t: &mut Track) {
    for (kind, body) in boxes(mdia) {
        match &kind {
            b"mdhd" => {
                if let Some(m) = decode::<Mdhd>(body) {
                    t.timescale = m.timescale;
                    t.mdhd_duration = m.duration;
                } else if let Some((ts, d)) = mvhd_by_hand(body) {
                    // Same leading layout as `mvhd`.
                    t.timescale = ts;
                    t.mdhd_duration = d;
                }
            }
            b"hdlr" => {
                // version/flags, pre_defined (QuickTime: component type), handler type.
                if let Some(h) = fourcc(body, 8) {
                    t.handler = h;
                }
            }
            b"minf" => {
                if let Some(stbl) = child(body, b"stbl") {
                    parse_stbl(stbl, t);
                }
            }
            _ => {}
        }
    }
}

fn parse_stbl(stbl: &[u8], t: &mut Track) {
    let mut stsc: Option<&[u8]> = None;
    let mut stsz: Option<&[u8]> = None;
    let mut chunks: Option<(&[u8], bool)> = None;
    for (kind, body) in boxes(stbl) {
        match &kind {
            b"stsd" => parse_stsd(body, t),
            b"stts" => {
                let n = be32(body, 4).unwrap_or(0);
                for i in 0..n as usize {
                    let at = 8usize.saturating_add(i.saturating_mul(8));
                    let (Some(count), Some(delta)) = (be32(body, at), be32(body, at + 4)) else {
                        break;
                    };
                    t.stts_samples = t.stts_samples.saturating_add(u64::from(count));
                    t.stts_duration = t
                        .stts_duration
                        .saturating_add(u64::from(count).saturating_mul(u64::from(delta)));
                }
            }
            b"stsc" => stsc = Some(body),
            b"stsz" => stsz = Some(body),
            b"stco" => chunks = Some((body, false)),
            b"co64" => chunks = Some((body, true)),
            _ => {}
        }
    }
    if let Some((body, wide)) = chunks {
        t.data_end = last_chunk_end(body, wide, stsc, stsz);
    }
}

/// The end of the chunk with the largest offset: its offset plus its samples' sizes (or just
/// its offset when the tables do not say).
fn last_chunk_end(co: &[u8], wide: bool, stsc: Option<&[u8]>, stsz: Option<&[u8]>) -> Option<u64> {
    let n = be32(co, 4)? as usize;
    let step = if wide { 8 } else { 4 };
    let mut best: Option<(usize, u64)> = None;
    for i in 0..n {
        let at = 8usize.saturating_add(i.saturating_mul(step));
        let off = if wide {
            be64(co, at)
        } else {
            be32(co, at).map(u64::from)
        };
        let Some(off) = off else { break };
        if best.is_none_or(|(_, b)| off >= b) {
            best = Some((i, off));
        }
    }
    let (index, offset) = best?;
    let size = chunk_size(index, stsc, stsz).unwrap_or(0);
    Some(offset.saturating_add(size))
}

/// The byte size of chunk `index` (0-based) from `stsc` and `stsz`.
fn chunk_size(index: usize, stsc: Option<&[u8]>, stsz: Option<&[u8]>) -> Option<u64> {
    let stsc = stsc?;
    let stsz = stsz?;
    let chunk = u64::try_from(index).ok()?.checked_add(1)?; // 1-based
    let entries = be32(stsc, 4)? as usize;
    let mut first_sample = 0u64;
    let mut per_chunk = 0u64;
    let mut found = false;
    for i in 0..entries {
        let at = 8usize.saturating_add(i.saturating_mul(12));
        let (Some(first), Some(spc)) = (be32(stsc, at), be32(stsc, at + 4)) else {
            break;
        };
        let first = u64::from(first);
        let next_first = be32(stsc, at + 12)
            .filter(|_| i + 1 < entries)
            .map(u64::from)
            .unwrap_or(u64::MAX);
        if chunk >= first && chunk < next_first {
            first_sample =
                first_sample.saturating_add((chunk - first).saturating_mul(u64::from(spc)));
            per_chunk = u64::from(spc);
            found = true;
            break;
        }
        let span = next_first.saturating_sub(first);
        first_sample = first_sample.saturating_add(span.saturating_mul(u64::from(spc)));
    }
    if !found {
        return None;
    }
    let uniform = be32(stsz, 4)?;
    if uniform != 0 {
        return Some(per_chunk.saturating_mul(u64::from(uniform)));
    }
    let count = u64::from(be32(stsz, 8)?);
    let mut size = 0u64;
    for s in first_sample..first_sample.saturating_add(per_chunk).min(count) {
        let at = usize::try_from(s).ok()?.checked_mul(4)?.checked_add(12)?;
        size = size.saturating_add(u64::from(be32(stsz, at)?));
    }
    Some(size)
}

/// The first sample entry: its fourcc, and the picture size or the sample rate.
fn parse_stsd(stsd: &[u8], t: &mut Track) {
    // version/flags, entry_count, then entries as boxes.
    let Some(entries) = stsd.get(8..) else { return };
    let Some((kind, entry)) = boxes(entries).next() else {
        // The raw fourcc, if the box is cut short.
        t.entry = fourcc(stsd, 12);
        return;
    };
    t.entry = Some(kind);
    match &t.handler {
        b"vide" => {
            if let (Some(w), Some(h)) = (be16(entry, 24), be16(entry, 26)) {
                t.coded = Some((u32::from(w), u32::from(h)));
            }
            if let Some(ext) = entry.get(78..)
                && let Some(p) = child(ext, b"pasp")
                && let (Some(h), Some(v)) = (be32(p, 0), be32(p, 4))
            {
                t.pasp = Some((h, v));
            }
        }
        b"soun" => {
            let version = be16(entry, 8).unwrap_or(0);
            t.sample_rate = if version == 2 {
                // QuickTime v2: a 64-bit float after sizeOfStructOnly.
                be64(entry, 32)
                    .map(f64::from_bits)
                    .filter(|r| r.is_finite() && *r > 0.0 && *r < 10_000_000.0)
                    .map(|r| r.round() as u32)
            } else {
                be32(entry, 24).map(|r| r >> 16)
            };
        }
        _ => {}
    }
}

/// Adds a `moof`'s runs to their tracks' fragment durations, and checks that every run's
/// samples lie in the file, inside a media-data box. Returns the byte where the first run
/// whose data is not all there runs out.
///
/// Where a run's samples start (ISO/IEC 14496-12, 8.8.7 and 8.8.8): the track fragment's base
/// data offset — `tfhd`'s base-data-offset when present; else the `moof`'s first byte when
/// default-base-is-moof is set or for the first `traf`; else where the previous `traf`'s data
/// ended — plus the `trun`'s data offset; a run without one starts where the previous run of
/// the same `traf` ended. Sizes come from the `trun`, else `tfhd`'s default, else `trex`'s.
fn add_fragment(movie: &mut Movie, moof: &Moof, data: &MediaData) -> Option<u64> {
    let mut missing: Option<u64> = None;
    let mut note = |at: u64| missing = Some(missing.map_or(at, |m| m.min(at)));
    let mut previous_traf_end = moof.start;
    for (kind, traf) in boxes(&moof.body) {
        if &kind != b"traf" {
            continue;
        }
        let mut track_index: Option<usize> = None;
        let mut default_duration = 0u32;
        let mut default_size = 0u32;
        let mut base = previous_traf_end;
        // Where a run without a data offset starts: after the previous run.
        let mut next_run = base;
        for (k, body) in boxes(traf) {
            match &k {
                b"tfhd" => {
                    let flags = be32(body, 0).unwrap_or(0) & 0x00FF_FFFF;
                    let id = be32(body, 4).unwrap_or(0);
                    track_index = movie.tracks.iter().position(|t| t.id == id);
                    let track = track_index.and_then(|i| movie.tracks.get(i));
                    default_duration = track.map(|t| t.trex_duration).unwrap_or(0);
                    default_size = track.map(|t| t.trex_size).unwrap_or(0);
                    let mut at = 8usize;
                    if flags & 0x01 != 0 {
                        if let Some(b) = be64(body, at) {
                            base = b;
                        }
                        at += 8;
                    } else if flags & 0x02_0000 != 0 {
                        base = moof.start;
                    }
                    if flags & 0x02 != 0 {
                        at += 4;
                    }
                    if flags & 0x08 != 0 {
                        if let Some(d) = be32(body, at) {
                            default_duration = d;
                        }
                        at += 4;
                    }
                    if flags & 0x10 != 0
                        && let Some(s) = be32(body, at)
                    {
                        default_size = s;
                    }
                    next_run = base;
                }
                b"trun" => {
                    let flags = be32(body, 0).unwrap_or(0) & 0x00FF_FFFF;
                    let count = be32(body, 4).unwrap_or(0);
                    let mut at = 8usize;
                    let data_offset = if flags & 0x01 != 0 {
                        at += 4;
                        Some(be32(body, 8).map_or(0, |v| i64::from(v as i32)))
                    } else {
                        None
                    };
                    if flags & 0x04 != 0 {
                        at += 4;
                    }
                    let per_sample = [0x100u32, 0x200, 0x400, 0x800]
                        .iter()
                        .filter(|f| flags & **f != 0)
                        .count()
                        * 4;
                    // Never claim more samples than the box can hold.
                    let room = body.len().saturating_sub(at);
                    let count = match room.checked_div(per_sample) {
                        Some(fit) => (count as usize).min(fit),
                        None => count as usize,
                    };
                    let has_durations = flags & 0x100 != 0;
                    let sample = |i: usize, field: usize| {
                        let record = at.saturating_add(i.saturating_mul(per_sample));
                        be32(body, record.saturating_add(field)).unwrap_or(0)
                    };

                    // Where the run's samples lie.
                    let bytes = if flags & 0x200 != 0 {
                        let field = if has_durations { 4 } else { 0 };
                        (0..count).fold(0u64, |sum, i| {
                            sum.saturating_add(u64::from(sample(i, field)))
                        })
                    } else {
                        (count as u64).saturating_mul(u64::from(default_size))
                    };
                    let start = match data_offset {
                        Some(o) => base.checked_add_signed(o),
                        None => Some(next_run),
                    };
                    match start {
                        Some(start) => {
                            let end = start.saturating_add(bytes);
                            if let Some(at) = data.missing_from(start, end) {
                                note(at);
                            }
                            next_run = end;
                        }
                        // Before the file's first byte.
                        None => note(moof.start.min(data.len)),
                    }

                    let Some(t) = track_index.and_then(|i| movie.tracks.get_mut(i)) else {
                        continue;
                    };
                    t.frag_samples = t.frag_samples.saturating_add(count as u64);
                    if has_durations {
                        for i in 0..count {
                            let d = sample(i, 0);
                            t.frag_duration = t.frag_duration.saturating_add(u64::from(d));
                            count_delta(&mut t.frag_deltas, d, 1);
                        }
                    } else {
                        count_delta(&mut t.frag_deltas, default_duration, count as u64);
                        t.frag_duration = t.frag_duration.saturating_add(
                            (count as u64).saturating_mul(u64::from(default_duration)),
                        );
                    }
                }
                _ => {}
            }
        }
        previous_traf_end = next_run;
    }
    missing
}

fn count_delta(deltas: &mut Vec<(u32, u64)>, d: u32, n: u64) {
    if let Some(e) = deltas.iter_mut().find(|(x, _)| *x == d) {
        e.1 = e.1.saturating_add(n);
    } else if deltas.len() < 64 {
        deltas.push((d, n));
    }
}

fn title_from_udta(udta: &[u8]) -> Option<String> {
    for (kind, body) in boxes(udta) {
        match &kind {
            // QuickTime: 16-bit length, 16-bit language, text.
            b"\xa9nam" => {
                let n = usize::from(be16(body, 0)?);
                let text = body.get(4..4usize.saturating_add(n).min(body.len()))?;
                let s = String::from_utf8_lossy(text).trim().to_owned();
                if !s.is_empty() {
                    return Some(s);
                }
            }
            b"meta" => {
                if let Some(t) = title_from_meta(body) {
                    return Some(t);
                }
            }
            _ => {}
        }
    }
    None
}

fn title_from_meta(meta: &[u8]) -> Option<String> {
    // ISO `meta` is a full box (4 bytes of version/flags before its children); QuickTime's
    // is not. Its first child is `hdlr` either way.
    let children = if meta.get(4..8) == Some(b"hdlr") {
        meta
    } else {
        meta.get(4..)?
    };
    let ilst = child(children, b"ilst")?;
    let nam = child(ilst, b"\xa9nam")?;
    let data = child(nam, b"data")?;
    // type (4), locale (4), value.
    let s = String::from_utf8_lossy(data.get(8..)?).trim().to_owned();
    (!s.is_empty()).then_some(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn bx(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
        let mut v = ((body.len() + 8) as u32).to_be_bytes().to_vec();
        v.extend_from_slice(kind);
        v.extend_from_slice(body);
        v
    }

    fn full(kind: &[u8; 4], version: u8, body: &[u8]) -> Vec<u8> {
        let mut b = vec![version, 0, 0, 0];
        b.extend_from_slice(body);
        bx(kind, &b)
    }

    fn mvhd(timescale: u32, duration: u32) -> Vec<u8> {
        let mut b = vec![0u8; 8];
        b.extend_from_slice(&timescale.to_be_bytes());
        b.extend_from_slice(&duration.to_be_bytes());
        b.extend_from_slice(&0x0001_0000u32.to_be_bytes()); // rate
        b.extend_from_slice(&[1, 0]); // volume
        b.extend_from_slice(&[0u8; 10]);
        for v in [0x10000i32, 0, 0, 0, 0x10000, 0, 0, 0, 0x4000_0000] {
            b.extend_from_slice(&v.to_be_bytes());
        }
        b.extend_from_slice(&[0u8; 24]);
        b.extend_from_slice(&2u32.to_be_bytes());
        full(b"mvhd", 0, &b)
    }

    fn tkhd(id: u32, w: u32, h: u32, m: [i32; 4]) -> Vec<u8> {
        let mut b = vec![0u8; 8];
        b.extend_from_slice(&id.to_be_bytes());
        b.extend_from_slice(&[0u8; 4]);
        b.extend_from_slice(&0u32.to_be_bytes()); // duration
        b.extend_from_slice(&[0u8; 8]);
        b.extend_from_slice(&[0u8; 8]); // layer, group, volume, reserved
        for v in [m[0], m[1], 0, m[2], m[3], 0, 0, 0, 0x4000_0000] {
            b.extend_from_slice(&v.to_be_bytes());
        }
        b.extend_from_slice(&(w << 16).to_be_bytes());
        b.extend_from_slice(&(h << 16).to_be_bytes());
        full(b"tkhd", 0, &b)
    }

    fn video_trak(w: u16, h: u16, chunk_offset: u32) -> Vec<u8> {
        let mut mdhd = vec![0u8; 8];
        mdhd.extend_from_slice(&12800u32.to_be_bytes());
        mdhd.extend_from_slice(&(12800u32 * 2).to_be_bytes());
        mdhd.extend_from_slice(&[0x55, 0xC4, 0, 0]);
        let mut hdlr = vec![0u8; 4];
        hdlr.extend_from_slice(b"vide");
        hdlr.extend_from_slice(&[0u8; 12]);
        hdlr.extend_from_slice(b"v\0");
        let mut entry = vec![0u8; 6];
        entry.extend_from_slice(&1u16.to_be_bytes());
        entry.extend_from_slice(&[0u8; 16]);
        entry.extend_from_slice(&w.to_be_bytes());
        entry.extend_from_slice(&h.to_be_bytes());
        entry.extend_from_slice(&[0u8; 46]);
        entry.extend_from_slice(&[0, 24, 0xFF, 0xFF]);
        let mut pasp = 4u32.to_be_bytes().to_vec();
        pasp.extend_from_slice(&3u32.to_be_bytes());
        entry.extend(bx(b"pasp", &pasp));
        let mut stsd = 1u32.to_be_bytes().to_vec();
        stsd.extend(bx(b"avc1", &entry));
        let mut stts = 1u32.to_be_bytes().to_vec();
        stts.extend_from_slice(&50u32.to_be_bytes());
        stts.extend_from_slice(&512u32.to_be_bytes());
        let mut stco = 1u32.to_be_bytes().to_vec();
        stco.extend_from_slice(&chunk_offset.to_be_bytes());
        let stbl = [
            full(b"stsd", 0, &stsd),
            full(b"stts", 0, &stts),
            full(b"stco", 0, &stco),
        ]
        .concat();
        let minf = bx(b"stbl", &stbl);
        let mdia = [
            full(b"mdhd", 0, &mdhd),
            full(b"hdlr", 0, &hdlr),
            bx(b"minf", &minf),
        ]
        .concat();
        bx(
            b"trak",
            &[tkhd(1, 0, 0, [0x10000, 0, 0, 0x10000]), bx(b"mdia", &mdia)].concat(),
        )
    }

    fn run(data: &[u8]) -> MediaFacts {
        super::super::detect::probe(&mut Cursor::new(data), data.len() as u64)
    }

    #[test]
    fn hand_built_movie_with_largesize_mdat() {
        let ftyp = bx(b"ftyp", b"isom\0\0\x02\0isomiso2avc1mp41");
        // mdat with a 64-bit size.
        let mut mdat = 1u32.to_be_bytes().to_vec();
        mdat.extend_from_slice(b"mdat");
        mdat.extend_from_slice(&(16u64 + 100).to_be_bytes());
        mdat.extend_from_slice(&[0u8; 100]);
        let offset = (ftyp.len() + 16) as u32;
        let moov = bx(
            b"moov",
            &[mvhd(1000, 2000), video_trak(1440, 1080, offset)].concat(),
        );
        let file = [ftyp, mdat, moov].concat();
        let f = run(&file);
        assert_eq!(f.container, "mp4");
        assert_eq!(f.kind, MediaKind::Video);
        assert_eq!(f.duration_s, Some(2.0));
        assert_eq!((f.width, f.height), (Some(1440), Some(1080)));
        assert_eq!(f.pixel_aspect, Some((4, 3)));
        // tkhd size is zero: coded size × pasp.
        assert_eq!(
            (f.display_width, f.display_height),
            (Some(1920), Some(1080))
        );
        assert_eq!(f.video_codec.as_deref(), Some("avc1"));
        assert_eq!(f.frame_rate, Some(25.0));
        assert!(f.complete, "{:?}", f.problems);

        // The same with the chunk offset beyond the end.
        let moov = bx(
            b"moov",
            &[mvhd(1000, 2000), video_trak(1440, 1080, 99_999)].concat(),
        );
        let ftyp = bx(b"ftyp", b"qt  \0\0\x02\0qt  ");
        let f = run(&[ftyp, moov].concat());
        assert_eq!(f.container, "mov");
        assert!(!f.complete);
        assert!(f.problems[0].contains("截断"), "{:?}", f.problems);
    }

    fn sound_trak(id: u32, entry_kind: &[u8; 4], entry: &[u8]) -> Vec<u8> {
        let mut mdhd = vec![0u8; 8];
        mdhd.extend_from_slice(&48000u32.to_be_bytes());
        mdhd.extend_from_slice(&0u32.to_be_bytes());
        mdhd.extend_from_slice(&[0x55, 0xC4, 0, 0]);
        let mut hdlr = b"mhlrsoun".to_vec();
        hdlr.extend_from_slice(&[0u8; 12]);
        hdlr.push(0); // QuickTime: an empty Pascal string.
        let mut stsd = 1u32.to_be_bytes().to_vec();
        stsd.extend(bx(entry_kind, entry));
        let stbl = bx(b"stbl", &full(b"stsd", 0, &stsd));
        let mdia = [
            full(b"mdhd", 0, &mdhd),
            full(b"hdlr", 0, &hdlr),
            bx(b"minf", &stbl),
        ]
        .concat();
        bx(
            b"trak",
            &[tkhd(id, 0, 0, [0x10000, 0, 0, 0x10000]), bx(b"mdia", &mdia)].concat(),
        )
    }

    #[test]
    fn quicktime_v2_sound_entry_and_fragments() {
        // A QuickTime v2 `lpcm` entry: the rate is a float64 after sizeOfStructOnly.
        let mut entry = vec![0u8; 6];
        entry.extend_from_slice(&1u16.to_be_bytes());
        entry.extend_from_slice(&2u16.to_be_bytes()); // version 2
        entry.extend_from_slice(&[0u8; 6]);
        entry.extend_from_slice(&[0, 3, 0, 16, 0xFF, 0xFE, 0, 0]);
        entry.extend_from_slice(&0x0001_0000u32.to_be_bytes());
        entry.extend_from_slice(&72u32.to_be_bytes());
        entry.extend_from_slice(&96000f64.to_bits().to_be_bytes());
        entry.extend_from_slice(&[0u8; 20]);
        // mvex/trex: 1024 ticks per sample by default.
        let mut trex = 1u32.to_be_bytes().to_vec();
        trex.extend_from_slice(&1u32.to_be_bytes());
        trex.extend_from_slice(&1024u32.to_be_bytes());
        trex.extend_from_slice(&[0u8; 8]);
        let moov = bx(
            b"moov",
            &[
                mvhd(1000, 0),
                sound_trak(1, b"lpcm", &entry),
                bx(b"mvex", &full(b"trex", 0, &trex)),
            ]
            .concat(),
        );
        // Two fragments: 47 samples by default duration, then 3 with explicit durations.
        let tfhd = full(b"tfhd", 0, &1u32.to_be_bytes());
        let mut trun1 = 47u32.to_be_bytes().to_vec();
        trun1.extend_from_slice(&0u32.to_be_bytes());
        let trun1 = {
            let mut b = vec![0, 0, 0, 1];
            b.extend_from_slice(&trun1);
            bx(b"trun", &b)
        };
        let mut trun2 = vec![0, 0, 1, 0];
        trun2.extend_from_slice(&3u32.to_be_bytes());
        for d in [1024u32, 1024, 2048] {
            trun2.extend_from_slice(&d.to_be_bytes());
        }
        let trun2 = bx(b"trun", &trun2);
        let moof1 = bx(b"moof", &bx(b"traf", &[tfhd.clone(), trun1].concat()));
        let moof2 = bx(b"moof", &bx(b"traf", &[tfhd, trun2].concat()));
        let file = [
            bx(b"ftyp", b"qt  \0\0\0\0qt  "),
            moov,
            moof1,
            bx(b"mdat", &[0u8; 32]),
            moof2,
            bx(b"mdat", &[0u8; 32]),
        ]
        .concat();
        let f = run(&file);
        assert_eq!(f.kind, MediaKind::Audio);
        assert_eq!(f.container, "mov");
        assert_eq!(f.audio_codec.as_deref(), Some("lpcm"));
        assert_eq!(f.sample_rate, Some(96000));
        assert_eq!(f.duration_s, Some((47.0 * 1024.0 + 4096.0) / 48000.0));
        assert!(f.complete, "{:?}", f.problems);
    }

    #[test]
    fn missing_moov() {
        let ftyp = bx(b"ftyp", b"isom\0\0\x02\0isom");
        let f = run(&[ftyp, bx(b"mdat", &[1, 2, 3])].concat());
        assert_eq!(f.kind, MediaKind::Other);
        assert_eq!(f.problems[0], PROBLEM_NO_MOOV);
    }

    #[test]
    fn zero_and_tiny_sizes_terminate() {
        // size 0 = to the end of the file: one box, then done.
        let mut data = b"\0\0\0\0mdat".to_vec();
        data.extend_from_slice(&[0u8; 64]);
        assert_eq!(run(&data).problems[0], PROBLEM_NO_MOOV);
        // size 4 (< header) must not loop.
        let mut data = bx(b"ftyp", b"isom\0\0\0\0");
        data.extend_from_slice(b"\0\0\0\x04free\0\0\0\x04free");
        let f = run(&data);
        assert_eq!(f.kind, MediaKind::Other);
        // A largesize of 0 or 8 (< 16) also stops.
        let mut data = bx(b"ftyp", b"isom\0\0\0\0");
        data.extend_from_slice(b"\0\0\0\x01mdat\0\0\0\0\0\0\0\x08");
        assert_eq!(run(&data).kind, MediaKind::Other);
        // Nested zero-size boxes inside moov.
        let mut moov_body = b"\0\0\0\0trak".to_vec();
        moov_body.extend_from_slice(b"\0\0\0\x00mdia");
        let data = [bx(b"ftyp", b"isom\0\0\0\0"), bx(b"moov", &moov_body)].concat();
        let _ = run(&data);
    }

    #[test]
    fn largesize_beyond_end_is_truncated() {
        let mut data = bx(b"ftyp", b"isom\0\0\0\0");
        data.extend_from_slice(b"\0\0\0\x01mdat");
        data.extend_from_slice(&u64::MAX.to_be_bytes());
        let f = run(&data);
        assert!(!f.complete);
        assert!(f.problems.iter().any(|p| p.contains("截断")));
    }

    #[test]
    fn rotation_matrix() {
        let one = 0x10000;
        assert_eq!(rotation_cw([0, one, -one, 0]), 90);
        assert_eq!(rotation_cw([-one, 0, 0, -one]), 180);
        assert_eq!(rotation_cw([0, -one, one, 0]), 270);
        assert_eq!(rotation_cw([one, 0, 0, one]), 0);
    }

    /// A `tfhd` for track 1 with `flags` and the optional fields in order.
    fn tfhd(flags: u32, base: Option<u64>, default_size: Option<u32>) -> Vec<u8> {
        let mut b = flags.to_be_bytes().to_vec();
        b.extend_from_slice(&1u32.to_be_bytes());
        if let Some(base) = base {
            b.extend_from_slice(&base.to_be_bytes());
        }
        if let Some(s) = default_size {
            b.extend_from_slice(&s.to_be_bytes());
        }
        bx(b"tfhd", &b)
    }

    /// A `trun` with an optional data offset and explicit sample sizes (or `count` samples of
    /// the default size when `sizes` is `None`).
    fn trun(data_offset: Option<i32>, count: u32, sizes: Option<&[u32]>) -> Vec<u8> {
        let mut flags = 0u32;
        if data_offset.is_some() {
            flags |= 0x01;
        }
        if sizes.is_some() {
            flags |= 0x200;
        }
        let mut b = flags.to_be_bytes().to_vec();
        b.extend_from_slice(&count.to_be_bytes());
        if let Some(o) = data_offset {
            b.extend_from_slice(&o.to_be_bytes());
        }
        for s in sizes.unwrap_or(&[]) {
            b.extend_from_slice(&s.to_be_bytes());
        }
        bx(b"trun", &b)
    }

    /// `ftyp` and a `moov` with one video track (`trex`: 512 ticks and 512 bytes a sample).
    fn frag_head() -> Vec<u8> {
        let mut trex = 1u32.to_be_bytes().to_vec();
        trex.extend_from_slice(&1u32.to_be_bytes());
        trex.extend_from_slice(&512u32.to_be_bytes());
        trex.extend_from_slice(&512u32.to_be_bytes());
        trex.extend_from_slice(&[0u8; 4]);
        let moov = bx(
            b"moov",
            &[
                mvhd(1000, 0),
                video_trak(1920, 1080, 0),
                bx(b"mvex", &full(b"trex", 0, &trex)),
            ]
            .concat(),
        );
        [bx(b"ftyp", b"isom\0\0\x02\0isomiso6"), moov].concat()
    }

    fn moof(trafs: &[Vec<u8>]) -> Vec<u8> {
        let mfhd = full(b"mfhd", 0, &1u32.to_be_bytes());
        let mut body = mfhd;
        for t in trafs {
            body.extend(bx(b"traf", t));
        }
        bx(b"moof", &body)
    }

    /// A `moof` (default-base-is-moof) whose one run of three 100-byte samples starts right
    /// after the 8-byte header of the `mdat` that follows.
    fn moof_300() -> Vec<u8> {
        // The data offset counts from the moof's first byte: its size, then the mdat header.
        let probe_len = moof(&[[
            tfhd(0x02_0000, None, None),
            trun(Some(0), 3, Some(&[100; 3])),
        ]
        .concat()])
        .len();
        let offset = (probe_len + 8) as i32;
        moof(&[[
            tfhd(0x02_0000, None, None),
            trun(Some(offset), 3, Some(&[100; 3])),
        ]
        .concat()])
    }

    fn assert_truncated_at(f: &MediaFacts, at: u64) {
        assert!(!f.complete, "{f:?}");
        let want = truncated_problem(at);
        assert!(
            f.problems.contains(&want),
            "want {want:?} in {:?}",
            f.problems
        );
    }

    #[test]
    fn fragment_whose_data_is_all_there_is_complete() {
        let file = [frag_head(), moof_300(), bx(b"mdat", &[7u8; 300])].concat();
        let f = run(&file);
        assert_eq!(f.kind, MediaKind::Video);
        assert_eq!(f.duration_s, Some(3.0 * 512.0 / 12800.0));
        assert!(f.complete, "{:?}", f.problems);
        // Followed by more boxes: still complete.
        let more = [file, bx(b"free", &[0u8; 16])].concat();
        assert!(run(&more).complete);
    }

    #[test]
    fn file_cut_right_after_a_moof_is_truncated() {
        let file = [frag_head(), moof_300()].concat();
        let f = run(&file);
        assert_eq!(f.kind, MediaKind::Video);
        assert_truncated_at(&f, file.len() as u64);
        // Cut after the mdat's header, its size rewritten to fit what is left (size 0 too).
        for size in [8u32, 0] {
            let mut cut = [frag_head(), moof_300()].concat();
            cut.extend_from_slice(&size.to_be_bytes());
            cut.extend_from_slice(b"mdat");
            assert_truncated_at(&run(&cut), cut.len() as u64);
        }
    }

    #[test]
    fn mdat_shorter_than_its_fragment_is_truncated() {
        let head = [frag_head(), moof_300()].concat();
        let mdat_end = (head.len() + 8 + 250) as u64;
        // The mdat says 250 bytes and holds them; the run needs 300.
        let file = [head.clone(), bx(b"mdat", &[7u8; 250])].concat();
        assert_truncated_at(&run(&file), mdat_end);
        // Another box follows that mdat: the run would reach into it.
        let file = [
            head.clone(),
            bx(b"mdat", &[7u8; 250]),
            bx(b"free", &[0u8; 64]),
        ]
        .concat();
        assert_truncated_at(&run(&file), mdat_end);
        // An mdat that runs to the end of the file (size 0), cut inside.
        let mut file = head;
        file.extend_from_slice(&0u32.to_be_bytes());
        file.extend_from_slice(b"mdat");
        file.extend_from_slice(&[7u8; 120]);
        assert_truncated_at(&run(&file), file.len() as u64);
    }

    #[test]
    fn base_offsets_without_flags_follow_the_previous_track_fragment() {
        // No base-data-offset, no default-base-is-moof: the first traf's data starts at the
        // moof, the second's where the first's ended; its run has no data offset. Sizes are
        // `tfhd` defaults (50 bytes).
        let build = |offset: i32| {
            moof(&[
                [tfhd(0x10, None, Some(50)), trun(Some(offset), 2, None)].concat(),
                [tfhd(0x10, None, Some(50)), trun(None, 2, None)].concat(),
            ])
        };
        let len = build(0).len();
        let moof = build((len + 8) as i32);
        let head = [frag_head(), moof].concat();
        let file = [head.clone(), bx(b"mdat", &[1u8; 200])].concat();
        let f = run(&file);
        assert!(f.complete, "{:?}", f.problems);
        assert_eq!(f.duration_s, Some(4.0 * 512.0 / 12800.0));
        let file = [head.clone(), bx(b"mdat", &[1u8; 150])].concat();
        assert_truncated_at(&run(&file), (head.len() + 8 + 150) as u64);
    }

    #[test]
    fn explicit_base_and_trex_default_size() {
        let head = frag_head();
        // Sizes from `trex` (512 bytes each, no size in tfhd or trun); base in tfhd.
        let build =
            |base: u64| moof(&[[tfhd(0x01, Some(base), None), trun(Some(8), 2, None)].concat()]);
        let moof_len = build(0).len();
        let moof_at = head.len() as u64;
        let data_at = moof_at + moof_len as u64; // the mdat's first byte; +8 by the trun
        let whole = [head.clone(), build(data_at), bx(b"mdat", &[0u8; 1024])].concat();
        assert!(run(&whole).complete, "{:?}", run(&whole).problems);
        // A base pointing past the end of the file.
        let far = [head.clone(), build(1 << 40), bx(b"mdat", &[0u8; 1024])].concat();
        assert_truncated_at(&run(&far), far.len() as u64);
        // A base pointing into the moov: the samples are in no mdat.
        let into_moov = [head.clone(), build(40), bx(b"mdat", &[0u8; 1024])].concat();
        assert_truncated_at(&run(&into_moov), 48);
    }

    #[test]
    fn negative_data_offset_before_the_file_is_not_complete() {
        let moof = moof(&[[
            tfhd(0x02_0000, None, None),
            trun(Some(i32::MIN), 1, Some(&[10])),
        ]
        .concat()]);
        let file = [frag_head(), moof, bx(b"mdat", &[0u8; 10])].concat();
        assert!(!run(&file).complete);
    }

    #[test]
    fn claimed_sample_counts_cost_nothing() {
        // u32::MAX samples of the tfhd's default size, no per-sample fields: one product.
        let moof = moof(&[[
            tfhd(0x02_0010, None, Some(1)),
            trun(Some(0), u32::MAX, None),
        ]
        .concat()]);
        let file = [frag_head(), moof, bx(b"mdat", &[0u8; 10])].concat();
        let started = std::time::Instant::now();
        assert!(!run(&file).complete);
        // u32::MAX samples claimed, with sizes: only what the box holds is read.
        let mut b = 0x200u32.to_be_bytes().to_vec();
        b.extend_from_slice(&u32::MAX.to_be_bytes());
        b.extend_from_slice(&[0u8; 40]);
        let moof = moof_of(bx(b"trun", &b));
        let file = [frag_head(), moof, bx(b"mdat", &[0u8; 10])].concat();
        assert!(run(&file).complete);
        assert!(started.elapsed() < std::time::Duration::from_secs(1));
    }

    fn moof_of(trun: Vec<u8>) -> Vec<u8> {
        moof(&[[tfhd(0x02_0000, None, None), trun].concat()])
    }

    #[test]
    fn chunk_size_from_tables() {
        // stsc: chunks 1.. have 2 samples; stsz: sizes 10, 20, 30, 40.
        let mut stsc = vec![0u8; 4];
        stsc.extend_from_slice(&1u32.to_be_bytes());
        stsc.extend_from_slice(&[0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 1]);
        let mut stsz = vec![0u8; 4];
        stsz.extend_from_slice(&0u32.to_be_bytes());
        stsz.extend_from_slice(&4u32.to_be_bytes());
        for s in [10u32, 20, 30, 40] {
            stsz.extend_from_slice(&s.to_be_bytes());
        }
        assert_eq!(chunk_size(0, Some(&stsc), Some(&stsz)), Some(30));
        assert_eq!(chunk_size(1, Some(&stsc), Some(&stsz)), Some(70));
        assert_eq!(chunk_size(5, Some(&stsc), Some(&stsz)), Some(0));
    }
}
