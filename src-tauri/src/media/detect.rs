//! Sniffs a file's content (never its name) and hands it to the right reader.

use std::io::{Read, Seek, SeekFrom};

use super::{MediaFacts, MediaKind, audio, image, mp4};

/// How many bytes of the head are sniffed.
const HEAD_LEN: usize = 4096;

/// The largest block the windowed reader keeps in memory.
const WINDOW: usize = 64 * 1024;
/// Bytes kept before the requested position when the window moves.
const BACK_MARGIN: u64 = 4096;

pub(super) const PROBLEM_UNKNOWN: &str = "无法识别的文件格式";
pub(super) const PROBLEM_EMPTY: &str = "文件是空的（0 字节）";

/// "The file ends early at byte N" in Chinese.
pub(super) fn truncated_problem(at: u64) -> String {
    format!("文件不完整：内容在第 {at} 字节处被截断（文件可能未复制完）")
}

/// Facts with everything unknown, the file complete and no problems yet.
pub(super) fn base(kind: MediaKind, container: &str, label: &str) -> MediaFacts {
    let mut facts = MediaFacts::unreadable(container, label, String::new());
    facts.kind = kind;
    facts.complete = true;
    facts.problems.clear();
    facts
}

/// Reads as many bytes as are there at `pos` into `buf` (short only at the end of the source).
pub(super) fn read_at<R: Read + Seek>(r: &mut R, pos: u64, buf: &mut [u8]) -> usize {
    if r.seek(SeekFrom::Start(pos)).is_err() {
        return 0;
    }
    let mut filled = 0;
    while filled < buf.len() {
        let Some(rest) = buf.get_mut(filled..) else {
            break;
        };
        match r.read(rest) {
            Ok(0) => break,
            Ok(n) => filled = filled.saturating_add(n),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => break,
        }
    }
    filled.min(buf.len())
}

/// Reads up to `n` bytes at `pos`, never past `len`, never more than `cap`.
pub(super) fn read_vec<R: Read + Seek>(r: &mut R, pos: u64, n: u64, len: u64, cap: u64) -> Vec<u8> {
    let avail = len.saturating_sub(pos);
    let n = n.min(avail).min(cap);
    let Ok(n) = usize::try_from(n) else {
        return Vec::new();
    };
    let mut buf = vec![0u8; n];
    let got = read_at(r, pos, &mut buf);
    buf.truncate(got);
    buf
}

/// A forward-moving read window: many small reads close together cost one block read, and a
/// far jump costs one seek. Avoids `BufReader` refilling 64 KiB after every seek.
pub(super) struct Window {
    buf: Vec<u8>,
    start: u64,
    /// Where the source was found to end, once a read came up short.
    eof: Option<u64>,
}

impl Window {
    pub(super) fn new() -> Self {
        Window {
            buf: Vec::new(),
            start: 0,
            eof: None,
        }
    }

    /// `n` (≤ 64 KiB) bytes at `pos`, or fewer at the end of the source.
    pub(super) fn get<R: Read + Seek>(&mut self, r: &mut R, pos: u64, n: usize) -> &[u8] {
        let n = n.min(WINDOW);
        if self.eof.is_some_and(|eof| pos >= eof) {
            return &[];
        }
        let want_end = pos
            .saturating_add(n as u64)
            .min(self.eof.unwrap_or(u64::MAX));
        let have_end = self.start.saturating_add(self.buf.len() as u64);
        let in_window = pos >= self.start && want_end <= have_end;
        if !in_window {
            // Keep a little before `pos` too, so that a scan stepping back a few bytes after
            // peeking ahead does not make the window ping-pong.
            let margin = pos.min(BACK_MARGIN);
            let start = pos - margin;
            let size = WINDOW + BACK_MARGIN as usize;
            self.buf.resize(size, 0);
            let got = read_at(r, start, &mut self.buf);
            self.buf.truncate(got);
            self.start = start;
            if got < size {
                self.eof = Some(start.saturating_add(got as u64));
            }
        }
        let off = usize::try_from(pos.saturating_sub(self.start)).unwrap_or(usize::MAX);
        let end = off.saturating_add(n).min(self.buf.len());
        self.buf.get(off..end).unwrap_or(&[])
    }
}

pub(super) fn be16(b: &[u8], at: usize) -> Option<u16> {
    let s = b.get(at..at.checked_add(2)?)?;
    Some(u16::from_be_bytes([s[0], s[1]]))
}

pub(crate) fn be32(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at.checked_add(4)?)?;
    Some(u32::from_be_bytes([s[0], s[1], s[2], s[3]]))
}

pub(crate) fn be64(b: &[u8], at: usize) -> Option<u64> {
    let s = b.get(at..at.checked_add(8)?)?;
    let mut a = [0u8; 8];
    a.copy_from_slice(s);
    Some(u64::from_be_bytes(a))
}

pub(super) fn le16(b: &[u8], at: usize) -> Option<u16> {
    let s = b.get(at..at.checked_add(2)?)?;
    Some(u16::from_le_bytes([s[0], s[1]]))
}

pub(super) fn le32(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
}

pub(crate) fn fourcc(b: &[u8], at: usize) -> Option<[u8; 4]> {
    let s = b.get(at..at.checked_add(4)?)?;
    let mut a = [0u8; 4];
    a.copy_from_slice(s);
    Some(a)
}

/// Sniffs and dispatches. Never panics.
pub(super) fn probe<R: Read + Seek>(r: &mut R, len: u64) -> MediaFacts {
    if len == 0 {
        let mut f = MediaFacts::unreadable("empty", "空文件", PROBLEM_EMPTY);
        f.complete = false;
        return f;
    }
    let mut head = vec![0u8; HEAD_LEN.min(usize::try_from(len).unwrap_or(HEAD_LEN))];
    let got = read_at(r, 0, &mut head);
    head.truncate(got);
    if head.is_empty() {
        return MediaFacts::unreadable("unknown", "无法识别的文件", "无法读取文件内容");
    }
    let h = head.as_slice();
    let starts = |magic: &[u8]| h.starts_with(magic);
    let at4 = fourcc(h, 4);
    let at8 = fourcc(h, 8);

    // ISO-BMFF / QuickTime.
    if at4 == Some(*b"ftyp") {
        let major = fourcc(h, 8).unwrap_or(*b"    ");
        if is_heif_brand(&major) {
            return heif(r, len);
        }
        return mp4::probe(r, len);
    }
    if matches!(
        at4.as_ref().map(|b| &b[..]),
        Some(b"moov" | b"mdat" | b"wide" | b"free" | b"skip" | b"pnot")
    ) {
        return mp4::probe(r, len);
    }
    if starts(b"fLaC") {
        return audio::probe_flac(r, len);
    }
    if starts(b"RIFF") {
        match at8.as_ref().map(|b| &b[..]) {
            Some(b"WAVE") => return audio::probe_wav(r, len),
            Some(b"AVI ") => return other(MediaKind::Other, "avi", "AVI 视频", None),
            Some(b"WEBP") => return other(MediaKind::Photo, "webp", "WebP 图片", None),
            _ => {}
        }
    }
    if starts(b"RF64") && at8 == Some(*b"WAVE") {
        return other(MediaKind::Other, "wav", "WAV 音频（RF64）", None);
    }
    if starts(&[0xFF, 0xD8, 0xFF]) {
        return image::probe_jpeg(r, len);
    }
    if starts(b"\x89PNG\r\n\x1a\n") {
        return image::probe_png(r, len);
    }
    if starts(&[0x1A, 0x45, 0xDF, 0xA3]) {
        return matroska(r, len);
    }
    if starts(b"ID3") {
        return audio::probe_mp3(r, len);
    }
    if starts(b"FLV\x01") {
        return other(MediaKind::Other, "flv", "FLV 视频", None);
    }
    if starts(b"OggS") {
        return other(MediaKind::Other, "ogg", "Ogg 音视频", None);
    }
    if starts(b"GIF87a") || starts(b"GIF89a") {
        let mut f = other(MediaKind::Photo, "gif", "GIF 图片", None);
        if let (Some(w), Some(hh)) = (le16(h, 6), le16(h, 8)) {
            set_size(&mut f, u32::from(w), u32::from(hh));
        }
        return f;
    }
    if starts(b"%PDF") {
        return other(MediaKind::Document, "pdf", "PDF 文档", None);
    }
    if starts(b"PK\x03\x04") {
        return other(
            MediaKind::Document,
            "zip",
            "ZIP 压缩包（或 Office 文档）",
            None,
        );
    }
    if starts(&[0x00, 0x00, 0x01, 0xBA]) {
        return other(MediaKind::Other, "mpeg-ps", "MPEG-PS 视频", None);
    }
    if is_mpeg_ts(h, len) {
        return other(MediaKind::Other, "mpeg-ts", "MPEG-TS 视频", None);
    }
    if starts(b"BM") && le32(h, 2).is_some_and(|s| u64::from(s) == len) {
        let mut f = other(MediaKind::Photo, "bmp", "BMP 图片", None);
        if let (Some(w), Some(hh)) = (le32(h, 18), le32(h, 22)) {
            // A negative height means top-down rows.
            set_size(&mut f, w, (hh as i32).unsigned_abs());
        }
        return f;
    }
    if audio::looks_like_mp3(h) {
        return audio::probe_mp3(r, len);
    }
    MediaFacts::unreadable("unknown", "无法识别的文件", PROBLEM_UNKNOWN)
}

fn set_size(f: &mut MediaFacts, w: u32, h: u32) {
    f.width = Some(w);
    f.height = Some(h);
    f.display_width = Some(w);
    f.display_height = Some(h);
}

/// A recognised container this module does not read further.
fn other(kind: MediaKind, container: &str, label: &str, problem: Option<&str>) -> MediaFacts {
    let mut f = base(kind, container, label);
    if let Some(p) = problem {
        f.problems.push(p.to_owned());
    }
    f
}

fn is_heif_brand(brand: &[u8; 4]) -> bool {
    matches!(
        brand,
        b"heic" | b"heix" | b"heim" | b"heis" | b"hevc" | b"hevx" | b"mif1" | b"msf1" | b"avif"
    )
}

fn heif<R: Read + Seek>(r: &mut R, len: u64) -> MediaFacts {
    let mut f = base(MediaKind::Photo, "heic", "HEIC 照片");
    // Best effort: the first `ispe` (image spatial extent) in the `meta` box is the size of
    // the primary image in the common phone layout.
    let head = read_vec(r, 0, 256 * 1024, len, 256 * 1024);
    if let Some(at) = head.windows(4).position(|w| w == b"ispe")
        && let (Some(w), Some(h)) = (be32(&head, at + 8), be32(&head, at + 12))
        && w > 0
        && h > 0
    {
        set_size(&mut f, w, h);
    }
    f
}

fn is_mpeg_ts(h: &[u8], len: u64) -> bool {
    if h.first() != Some(&0x47) {
        return false;
    }
    // Two or three packets in a row, each starting with the sync byte.
    let needed = usize::try_from((len / 188).min(3)).unwrap_or(3);
    needed >= 2 && (0..needed).all(|i| h.get(i * 188) == Some(&0x47))
}

/// Matroska / WebM: the EBML header's DocType tells which; `Info` and `Tracks` (near the
/// start in files from common muxers) give the duration, picture size and codecs.
fn matroska<R: Read + Seek>(r: &mut R, len: u64) -> MediaFacts {
    let head = read_vec(r, 0, MKV_HEAD, len, MKV_HEAD);
    let mut doc_type = None;
    let mut facts = None;
    for (id, body) in ebml(&head) {
        match id {
            0x1A45_DFA3 => {
                doc_type = ebml(body)
                    .find(|(i, _)| *i == 0x4282)
                    .map(|(_, b)| String::from_utf8_lossy(b).trim_end_matches('\0').to_owned());
            }
            0x1853_8067 => {
                let mut f = if doc_type.as_deref() == Some("webm") {
                    other(MediaKind::Other, "webm", "WebM 视频", None)
                } else {
                    other(MediaKind::Other, "matroska", "Matroska（MKV）视频", None)
                };
                read_segment(body, &mut f);
                facts = Some(f);
                break;
            }
            _ => {}
        }
    }
    facts.unwrap_or_else(|| {
        if doc_type.as_deref() == Some("webm") {
            other(MediaKind::Other, "webm", "WebM 视频", None)
        } else {
            other(MediaKind::Other, "matroska", "Matroska（MKV）视频", None)
        }
    })
}

/// How much of a Matroska file's head is read for its `Info` and `Tracks`.
const MKV_HEAD: u64 = 1024 * 1024;

fn read_segment(segment: &[u8], f: &mut MediaFacts) {
    let mut scale = 1_000_000u64;
    let mut duration = None;
    for (id, body) in ebml(segment) {
        match id {
            // Info
            0x1549_A966 => {
                for (i, b) in ebml(body) {
                    match i {
                        0x2A_D7B1 => scale = ebml_uint(b).filter(|s| *s > 0).unwrap_or(scale),
                        0x4489 => duration = ebml_float(b),
                        _ => {}
                    }
                }
            }
            // Tracks
            0x1654_AE6B => {
                for (i, entry) in ebml(body) {
                    if i == 0xAE {
                        read_track(entry, f);
                    }
                }
            }
            // Cluster: media data from here on.
            0x1F43_B675 => break,
            _ => {}
        }
    }
    if let Some(d) = duration.filter(|d| d.is_finite() && *d > 0.0) {
        f.duration_s = Some(d * scale as f64 / 1e9);
    }
}

fn read_track(entry: &[u8], f: &mut MediaFacts) {
    let mut kind = 0u64;
    let mut codec = None;
    let mut video: Option<&[u8]> = None;
    let mut audio: Option<&[u8]> = None;
    for (i, b) in ebml(entry) {
        match i {
            0x83 => kind = ebml_uint(b).unwrap_or(0),
            0x86 => codec = Some(String::from_utf8_lossy(b).trim_end_matches('\0').to_owned()),
            0xE0 => video = Some(b),
            0xE1 => audio = Some(b),
            _ => {}
        }
    }
    if kind == 1 && f.video_codec.is_none() {
        f.video_codec = codec;
        let (mut w, mut h, mut dw, mut dh) = (None, None, None, None);
        for (i, b) in ebml(video.unwrap_or(&[])) {
            let v = ebml_uint(b).and_then(|v| u32::try_from(v).ok());
            match i {
                0xB0 => w = v,
                0xBA => h = v,
                0x54B0 => dw = v,
                0x54BA => dh = v,
                _ => {}
            }
        }
        f.width = w;
        f.height = h;
        f.display_width = dw.or(w);
        f.display_height = dh.or(h);
    } else if kind == 2 && f.audio_codec.is_none() {
        f.audio_codec = codec;
        f.sample_rate = ebml(audio.unwrap_or(&[]))
            .find(|(i, _)| *i == 0xB5)
            .and_then(|(_, b)| ebml_float(b))
            .filter(|r| r.is_finite() && *r > 0.0 && *r < 10_000_000.0)
            .map(|r| r.round() as u32);
    }
}

/// EBML elements in `data`: (id with its marker bits, body). An unknown size runs to the end.
fn ebml(data: &[u8]) -> impl Iterator<Item = (u32, &[u8])> {
    let mut pos = 0usize;
    std::iter::from_fn(move || {
        let (id, id_len) = vint(data.get(pos..)?, true)?;
        let size_at = pos.checked_add(id_len)?;
        let (size, size_len) = vint(data.get(size_at..)?, false)?;
        let body_at = size_at.checked_add(size_len)?;
        let end = match size {
            Some(s) => body_at.saturating_add(usize::try_from(s).unwrap_or(usize::MAX)),
            None => data.len(),
        };
        let body = data.get(body_at..end.min(data.len()))?;
        pos = end;
        Some((u32::try_from(id?).ok()?, body))
    })
}

/// An EBML variable-length integer: (value, length). For an ID the marker bit is kept; for a
/// size an all-ones value means "unknown" (`None`).
fn vint(b: &[u8], is_id: bool) -> Option<(Option<u64>, usize)> {
    let first = *b.first()?;
    if first == 0 {
        return None;
    }
    let n = first.leading_zeros() as usize + 1;
    if is_id && n > 4 {
        return None;
    }
    let bytes = b.get(..n)?;
    let mut v = if is_id {
        u64::from(first)
    } else {
        u64::from(first) & (0xFF >> n)
    };
    for x in bytes.get(1..)? {
        v = (v << 8) | u64::from(*x);
    }
    let all_ones = (1u64 << (7 * n)) - 1;
    if !is_id && v == all_ones {
        return Some((None, n));
    }
    Some((Some(v), n))
}

fn ebml_uint(b: &[u8]) -> Option<u64> {
    if b.is_empty() || b.len() > 8 {
        return None;
    }
    Some(b.iter().fold(0u64, |acc, x| (acc << 8) | u64::from(*x)))
}

fn ebml_float(b: &[u8]) -> Option<f64> {
    match b.len() {
        4 => be32(b, 0).map(|v| f64::from(f32::from_bits(v))),
        8 => be64(b, 0).map(f64::from_bits),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn run(data: &[u8]) -> MediaFacts {
        probe(&mut Cursor::new(data), data.len() as u64)
    }

    #[test]
    fn empty_file() {
        let f = run(&[]);
        assert_eq!(f.container, "empty");
        assert_eq!(f.problems, vec![PROBLEM_EMPTY.to_owned()]);
        assert!(!f.complete);
    }

    #[test]
    fn garbage_is_unknown() {
        let data: Vec<u8> = (0..5000u32).map(|i| (i * 7 + 3) as u8).collect();
        let f = run(&data);
        assert_eq!(f.container, "unknown");
        assert_eq!(f.kind, MediaKind::Other);
        assert_eq!(f.problems, vec![PROBLEM_UNKNOWN.to_owned()]);
    }

    #[test]
    fn magic_numbers() {
        let mut mkv = vec![0x1A, 0x45, 0xDF, 0xA3, 0x9F, 0x42, 0x86, 0x81, 0x01];
        mkv.extend_from_slice(&[0x42, 0x82, 0x88]);
        mkv.extend_from_slice(b"matroska");
        let f = run(&mkv);
        assert_eq!(f.container, "matroska");
        assert_eq!(f.container_label, "Matroska（MKV）视频");
        let mut webm = vec![0x1A, 0x45, 0xDF, 0xA3, 0x9F, 0x42, 0x82, 0x84];
        webm.extend_from_slice(b"webm");
        assert_eq!(run(&webm).container, "webm");
        assert_eq!(run(b"%PDF-1.7\n").kind, MediaKind::Document);
        assert_eq!(run(b"PK\x03\x04rest").container, "zip");
        assert_eq!(run(b"RIFF\0\0\0\0AVI LIST").container, "avi");
        assert_eq!(run(b"FLV\x01\x05").container, "flv");
        assert_eq!(run(b"OggS\0\x02").container, "ogg");
        let gif = run(b"GIF89a\x10\x00\x20\x00");
        assert_eq!(
            (gif.container.as_str(), gif.width, gif.height),
            ("gif", Some(16), Some(32))
        );
        let mut ts = vec![0u8; 188 * 3];
        for i in 0..3 {
            ts[i * 188] = 0x47;
        }
        assert_eq!(run(&ts).container, "mpeg-ts");
        assert_eq!(run(&[0, 0, 1, 0xBA, 0x44]).container, "mpeg-ps");
        let mut heic = vec![0, 0, 0, 24];
        heic.extend_from_slice(b"ftypheic\0\0\0\0mif1heic");
        heic.extend_from_slice(&[0, 0, 0, 20]);
        heic.extend_from_slice(b"ispe\0\0\0\0");
        heic.extend_from_slice(&4032u32.to_be_bytes());
        heic.extend_from_slice(&3024u32.to_be_bytes());
        let f = run(&heic);
        assert_eq!(
            (f.kind, f.container_label.as_str()),
            (MediaKind::Photo, "HEIC 照片")
        );
        assert_eq!((f.width, f.height), (Some(4032), Some(3024)));
    }

    /// Every reader gets its magic followed by pseudo-random bytes: no panics, no hangs.
    #[test]
    fn magic_then_noise() {
        let magics: [&[u8]; 12] = [
            b"\0\0\0\x18ftypisom\0\0\0\0isom",
            b"\0\0\0\x18ftypqt  \0\0\0\0qt  ",
            b"\0\0\x01\0moov",
            b"ID3\x03\0\0\0\0\x01\0",
            b"\xFF\xFB\x90\0",
            b"fLaC",
            b"RIFF\0\0\0\0WAVEfmt ",
            b"\xFF\xD8\xFF\xE1",
            b"\x89PNG\r\n\x1a\n",
            &[0x1A, 0x45, 0xDF, 0xA3],
            b"\0\0\0\x18ftypheic\0\0\0\0mif1",
            b"GIF89a",
        ];
        let mut x = 0x1234_5678_9ABC_DEF0u64;
        for magic in magics {
            for n in [0usize, 1, 7, 100, 3000, 70_000] {
                let mut data = magic.to_vec();
                for _ in 0..n {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    data.push(x as u8);
                }
                let f = run(&data);
                assert!(!f.container.is_empty());
                // A length larger than the data, too.
                let _ = probe(&mut Cursor::new(&data), data.len() as u64 * 3 + 10);
            }
        }
    }

    #[test]
    fn window_reads_in_blocks() {
        let data: Vec<u8> = (0..200_000u32).map(|i| i as u8).collect();
        let mut c = Cursor::new(&data[..]);
        let mut w = Window::new();
        assert_eq!(w.get(&mut c, 10, 4), &data[10..14]);
        assert_eq!(w.get(&mut c, 100_000, 4), &data[100_000..100_004]);
        assert_eq!(w.get(&mut c, 199_998, 4), &data[199_998..]);
        assert!(w.get(&mut c, 300_000, 4).is_empty());
    }
}
