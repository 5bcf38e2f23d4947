//! MP3 (frame headers, Xing/VBRI, ID3v2 title), WAV and FLAC.

use std::io::{Read, Seek};

use super::detect::{Window, base, be32, le16, le32, read_at, read_vec, truncated_problem};
use super::{MediaFacts, MediaKind};

/// The largest ID3v2 tag read for its title.
const MAX_ID3_READ: u64 = 256 * 1024;
/// How far past the tag the first frame is looked for.
const MAX_SYNC_SEARCH: u64 = 64 * 1024;
/// Bytes scanned to find the next frame after a bad header, and how often.
const MAX_RESYNC: u64 = 64 * 1024;
const MAX_RESYNCS: u32 = 32;

/// One MPEG audio frame header.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Frame {
    /// 1 = MPEG-1, 2 = MPEG-2, 25 = MPEG-2.5.
    version: u8,
    layer: u8,
    sample_rate: u32,
    mono: bool,
    len: u32,
    samples: u32,
}

fn frame_header(b: &[u8]) -> Option<Frame> {
    let h = be32(b, 0)?;
    if h & 0xFFE0_0000 != 0xFFE0_0000 {
        return None;
    }
    let version = match (h >> 19) & 3 {
        0 => 25,
        2 => 2,
        3 => 1,
        _ => return None,
    };
    let layer = match (h >> 17) & 3 {
        1 => 3,
        2 => 2,
        3 => 1,
        _ => return None,
    };
    let br_index = ((h >> 12) & 0xF) as usize;
    let sr_index = ((h >> 10) & 3) as usize;
    let padding = (h >> 9) & 1;
    let mono = (h >> 6) & 3 == 3;
    if br_index == 0 || br_index == 15 || sr_index == 3 {
        return None;
    }
    const V1_L1: [u32; 15] = [
        0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448,
    ];
    const V1_L2: [u32; 15] = [
        0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384,
    ];
    const V1_L3: [u32; 15] = [
        0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320,
    ];
    const V2_L1: [u32; 15] = [
        0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256,
    ];
    const V2_L23: [u32; 15] = [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160];
    let table = match (version, layer) {
        (1, 1) => &V1_L1,
        (1, 2) => &V1_L2,
        (1, _) => &V1_L3,
        (_, 1) => &V2_L1,
        _ => &V2_L23,
    };
    let kbps = *table.get(br_index)?;
    let base_rate = *[44100u32, 48000, 32000].get(sr_index)?;
    let sample_rate = match version {
        1 => base_rate,
        2 => base_rate / 2,
        _ => base_rate / 4,
    };
    let bitrate = kbps * 1000;
    let (len, samples) = match layer {
        1 => ((12 * bitrate / sample_rate + padding) * 4, 384),
        2 => (144 * bitrate / sample_rate + padding, 1152),
        _ if version == 1 => (144 * bitrate / sample_rate + padding, 1152),
        _ => (72 * bitrate / sample_rate + padding, 576),
    };
    if len < 4 {
        return None;
    }
    Some(Frame {
        version,
        layer,
        sample_rate,
        mono,
        len,
        samples,
    })
}

fn same_stream(a: &Frame, b: &Frame) -> bool {
    a.version == b.version && a.layer == b.layer && a.sample_rate == b.sample_rate
}

/// Two consecutive valid frame headers at the start of `h`: an MP3 without an ID3 tag.
pub(super) fn looks_like_mp3(h: &[u8]) -> bool {
    let Some(first) = frame_header(h) else {
        return false;
    };
    match h.get(first.len as usize..).and_then(frame_header) {
        Some(second) => same_stream(&first, &second),
        // A file of one frame.
        None => h.len() <= first.len as usize,
    }
}

/// The ID3v2 tag's total size (header, body, footer) when one starts at `b`.
fn id3v2_size(b: &[u8]) -> Option<u64> {
    if b.get(..3)? != b"ID3" {
        return None;
    }
    let flags = *b.get(5)?;
    let s = b.get(6..10)?;
    if s.iter().any(|x| x & 0x80 != 0) {
        return None;
    }
    let size = s.iter().fold(0u64, |acc, x| (acc << 7) | u64::from(*x));
    let footer = if flags & 0x10 != 0 { 10 } else { 0 };
    Some(10 + size + footer)
}

fn decode_text(enc: u8, b: &[u8]) -> String {
    let s = match enc {
        0 => b.iter().map(|c| char::from(*c)).collect(),
        1 | 2 => {
            let (big_endian, body) = match b {
                [0xFF, 0xFE, rest @ ..] => (false, rest),
                [0xFE, 0xFF, rest @ ..] => (true, rest),
                _ => (enc == 2, b),
            };
            let units: Vec<u16> = body
                .chunks_exact(2)
                .map(|c| {
                    if big_endian {
                        u16::from_be_bytes([c[0], c[1]])
                    } else {
                        u16::from_le_bytes([c[0], c[1]])
                    }
                })
                .take_while(|u| *u != 0)
                .collect();
            String::from_utf16_lossy(&units)
        }
        _ => String::from_utf8_lossy(b).into_owned(),
    };
    s.trim_end_matches('\0').trim().to_owned()
}

/// TIT2 (or v2.2 TT2) from an ID3v2 tag.
fn id3_title(tag: &[u8]) -> Option<String> {
    let major = *tag.get(3)?;
    let flags = *tag.get(5)?;
    let mut pos = 10usize;
    if flags & 0x40 != 0 && major >= 3 {
        // Extended header: skip it.
        let n = be32(tag, 10)? as usize;
        pos = pos.checked_add(if major == 4 { n } else { n.checked_add(4)? })?;
    }
    let (id_len, hdr_len) = if major == 2 { (3, 6) } else { (4, 10) };
    while pos.checked_add(hdr_len)? <= tag.len() {
        let id = tag.get(pos..pos + id_len)?;
        if id.first() == Some(&0) {
            break;
        }
        let size = match major {
            2 => {
                let s = tag.get(pos + 3..pos + 6)?;
                (usize::from(s[0]) << 16) | (usize::from(s[1]) << 8) | usize::from(s[2])
            }
            4 => {
                let s = tag.get(pos + 4..pos + 8)?;
                s.iter()
                    .fold(0usize, |acc, x| (acc << 7) | usize::from(x & 0x7F))
            }
            _ => be32(tag, pos + 4)? as usize,
        };
        let body_start = pos + hdr_len;
        let body_end = body_start.checked_add(size)?;
        if id == b"TIT2" || id == b"TT2" {
            let body = tag.get(body_start..body_end.min(tag.len()))?;
            let (enc, text) = body.split_first()?;
            let t = decode_text(*enc, text);
            return (!t.is_empty()).then_some(t);
        }
        if size == 0 && body_end <= pos {
            break;
        }
        pos = body_end;
    }
    None
}

pub(super) fn probe_mp3<R: Read + Seek>(r: &mut R, len: u64) -> MediaFacts {
    let mut f = base(MediaKind::Audio, "mp3", "MP3 音频");
    f.audio_codec = Some("mp3".to_owned());

    let mut head = [0u8; 10];
    let got = read_at(r, 0, &mut head);
    let mut start = 0u64;
    if let Some(size) = head.get(..got).and_then(id3v2_size) {
        let tag = read_vec(r, 0, size, len, MAX_ID3_READ);
        f.title = id3_title(&tag);
        start = size;
        if size > len {
            f.complete = false;
            f.problems.push(truncated_problem(len));
        }
    }

    let mut w = Window::new();
    // The first frame: a valid header followed by another of the same stream.
    let mut first: Option<(u64, Frame)> = None;
    let mut pos = start;
    let limit = start.saturating_add(MAX_SYNC_SEARCH).min(len);
    while pos < limit {
        let b = w.get(r, pos, 4);
        if b.len() < 4 {
            break;
        }
        if let Some(fr) = frame_header(b) {
            let next = pos.saturating_add(u64::from(fr.len));
            let nb = w.get(r, next, 4);
            let ok = match frame_header(nb) {
                Some(n) => same_stream(&fr, &n),
                None => next >= len || nb.starts_with(b"TAG"),
            };
            if ok {
                first = Some((pos, fr));
                break;
            }
        }
        pos += 1;
    }
    let Some((first_pos, first_frame)) = first else {
        f.kind = MediaKind::Other;
        f.complete = false;
        f.problems
            .push("找不到 MP3 音频帧，文件可能已损坏".to_owned());
        return f;
    };
    f.sample_rate = Some(first_frame.sample_rate);

    // Xing/Info or VBRI in the first frame.
    let frame_bytes = w
        .get(r, first_pos, first_frame.len.min(2048) as usize)
        .to_vec();
    let side = match (first_frame.version, first_frame.mono) {
        (1, false) => 32,
        (1, true) => 17,
        (_, false) => 17,
        (_, true) => 9,
    };
    let mut header_frames: Option<(u64, Option<u64>)> = None;
    let xing_at = 4 + side;
    if let Some(tag) = frame_bytes.get(xing_at..xing_at + 4)
        && (tag == b"Xing" || tag == b"Info")
    {
        let flags = be32(&frame_bytes, xing_at + 4).unwrap_or(0);
        let mut at = xing_at + 8;
        let frames = if flags & 1 != 0 {
            let n = be32(&frame_bytes, at).map(u64::from);
            at += 4;
            n
        } else {
            None
        };
        let bytes = if flags & 2 != 0 {
            be32(&frame_bytes, at).map(u64::from)
        } else {
            None
        };
        if let Some(n) = frames {
            header_frames = Some((n, bytes));
        }
    } else if frame_bytes.get(36..40) == Some(b"VBRI") {
        let bytes = be32(&frame_bytes, 46).map(u64::from);
        if let Some(n) = be32(&frame_bytes, 50).map(u64::from) {
            header_frames = Some((n, bytes));
        }
    }

    let spf = u64::from(first_frame.samples);
    let sr = f64::from(first_frame.sample_rate);
    if let Some((frames, bytes)) = header_frames.filter(|(n, _)| *n > 0) {
        f.duration_s = Some((frames.saturating_mul(spf)) as f64 / sr);
        if let Some(b) = bytes
            && first_pos.saturating_add(b) > len
            && f.complete
        {
            f.complete = false;
            f.problems.push(truncated_problem(len));
        }
        return f;
    }

    // No header: count the frames.
    let mut frames = 0u64;
    let mut pos = first_pos;
    let mut resyncs = 0u32;
    let mut cut_short = false;
    loop {
        if pos.saturating_add(4) > len {
            break;
        }
        let b = w.get(r, pos, 4);
        if let Some(fr) = frame_header(b).filter(|fr| same_stream(fr, &first_frame)) {
            let next = pos.saturating_add(u64::from(fr.len));
            if next > len {
                cut_short = true;
                break;
            }
            frames += 1;
            pos = next;
            continue;
        }
        if b.starts_with(b"TAG") || b.starts_with(b"APET") || b.starts_with(b"LYRI") {
            break;
        }
        if b.starts_with(b"ID3") {
            break;
        }
        // Resync: the next header followed by another.
        resyncs += 1;
        if resyncs > MAX_RESYNCS {
            break;
        }
        let scan_end = pos.saturating_add(MAX_RESYNC).min(len);
        let mut found = None;
        let mut p = pos.saturating_add(1);
        while p < scan_end {
            let b = w.get(r, p, 4);
            if b.len() < 4 {
                break;
            }
            if let Some(fr) = frame_header(b).filter(|fr| same_stream(fr, &first_frame)) {
                let next = p.saturating_add(u64::from(fr.len));
                let nb = w.get(r, next, 4);
                if frame_header(nb).is_some_and(|n| same_stream(&n, &first_frame)) || next == len {
                    found = Some(p);
                    break;
                }
            }
            p += 1;
        }
        match found {
            Some(p) => pos = p,
            None => break,
        }
    }
    if frames > 0 {
        f.duration_s = Some(frames.saturating_mul(spf) as f64 / sr);
    }
    if cut_short && f.complete {
        f.complete = false;
        f.problems.push(truncated_problem(len));
    }
    f
}

pub(super) fn probe_wav<R: Read + Seek>(r: &mut R, len: u64) -> MediaFacts {
    let mut f = base(MediaKind::Audio, "wav", "WAV 音频");
    let mut w = Window::new();
    let mut pos = 12u64;
    let mut fmt: Option<(u16, u32, u32)> = None;
    let mut data: Option<(u64, u64)> = None;
    let mut guard = 0;
    while pos.saturating_add(8) <= len && guard < 100_000 {
        guard += 1;
        let h = w.get(r, pos, 8).to_vec();
        let (Some(id), Some(size)) = (h.get(..4), le32(&h, 4)) else {
            break;
        };
        let size = u64::from(size);
        let body = pos + 8;
        match id {
            b"fmt " => {
                let b = w.get(r, body, 40).to_vec();
                let mut tag = le16(&b, 0).unwrap_or(0);
                if tag == 0xFFFE {
                    // WAVE_FORMAT_EXTENSIBLE: the sub-format GUID starts with the real tag.
                    tag = le16(&b, 24).unwrap_or(tag);
                }
                let rate = le32(&b, 4).unwrap_or(0);
                let byte_rate = le32(&b, 8).unwrap_or(0);
                fmt = Some((tag, rate, byte_rate));
            }
            b"data" => {
                data = Some((body, size));
                if body.saturating_add(size) > len && size != u64::from(u32::MAX) {
                    f.complete = false;
                    f.problems.push(truncated_problem(len));
                }
                break;
            }
            _ => {}
        }
        // Chunks are padded to an even size.
        pos = body.saturating_add(size).saturating_add(size & 1);
    }
    let Some((tag, rate, byte_rate)) = fmt else {
        f.kind = MediaKind::Other;
        f.complete = false;
        f.problems
            .push("WAV 文件缺少格式信息（fmt），无法读取".to_owned());
        return f;
    };
    f.sample_rate = (rate > 0).then_some(rate);
    f.audio_codec = Some(match tag {
        1 => "pcm".to_owned(),
        3 => "pcm-float".to_owned(),
        0x55 => "mp3".to_owned(),
        t => format!("wav-{t}"),
    });
    match data {
        Some((at, size)) => {
            let present = size.min(len.saturating_sub(at));
            if byte_rate > 0 {
                f.duration_s = Some(present as f64 / f64::from(byte_rate));
            }
        }
        None => {
            f.complete = false;
            f.problems.push("WAV 文件缺少音频数据（data）".to_owned());
        }
    }
    f
}

pub(super) fn probe_flac<R: Read + Seek>(r: &mut R, len: u64) -> MediaFacts {
    let mut f = base(MediaKind::Audio, "flac", "FLAC 音频");
    f.audio_codec = Some("flac".to_owned());
    let mut pos = 4u64;
    let mut seen_info = false;
    for _ in 0..1024 {
        let mut h = [0u8; 4];
        if read_at(r, pos, &mut h) < 4 {
            f.complete = false;
            f.problems.push(truncated_problem(len));
            break;
        }
        let last = h[0] & 0x80 != 0;
        let kind = h[0] & 0x7F;
        let size = (u64::from(h[1]) << 16) | (u64::from(h[2]) << 8) | u64::from(h[3]);
        let body = pos.saturating_add(4);
        match kind {
            0 => {
                let b = read_vec(r, body, size, len, 64);
                if let (Some(x), Some(y)) = (be32(&b, 10), be32(&b, 14)) {
                    let rate = x >> 12;
                    let total = (u64::from(x & 0x0F) << 32) | u64::from(y);
                    if rate > 0 {
                        f.sample_rate = Some(rate);
                        if total > 0 {
                            f.duration_s = Some(total as f64 / f64::from(rate));
                        }
                    }
                    seen_info = true;
                }
            }
            4 if f.title.is_none() => {
                let b = read_vec(r, body, size, len, 1024 * 1024);
                f.title = vorbis_title(&b);
            }
            _ => {}
        }
        pos = body.saturating_add(size);
        if pos > len {
            f.complete = false;
            f.problems.push(truncated_problem(len));
            break;
        }
        if last {
            break;
        }
    }
    if !seen_info {
        f.kind = MediaKind::Other;
        f.problems
            .push("FLAC 文件缺少流信息（STREAMINFO），无法读取".to_owned());
    }
    f
}

fn vorbis_title(b: &[u8]) -> Option<String> {
    let vendor = le32(b, 0)? as usize;
    let mut pos = 4usize.checked_add(vendor)?;
    let n = le32(b, pos)?;
    pos = pos.checked_add(4)?;
    for _ in 0..n.min(10_000) {
        let l = le32(b, pos)? as usize;
        let s = b.get(pos.checked_add(4)?..pos.checked_add(4)?.checked_add(l)?)?;
        pos = pos.checked_add(4 + l)?;
        if let Some(eq) = s.iter().position(|c| *c == b'=')
            && s.get(..eq)
                .is_some_and(|k| k.eq_ignore_ascii_case(b"TITLE"))
        {
            let v = String::from_utf8_lossy(s.get(eq + 1..)?).trim().to_owned();
            if !v.is_empty() {
                return Some(v);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn run(data: &[u8]) -> MediaFacts {
        super::super::detect::probe(&mut Cursor::new(data), data.len() as u64)
    }

    /// An MPEG-1 layer III frame at 128 kb/s, 44.1 kHz, stereo: 417 or 418 bytes.
    fn frame(padding: bool) -> Vec<u8> {
        let h: u32 = 0xFFFB_9000 | if padding { 0x200 } else { 0 };
        let len = if padding { 418 } else { 417 };
        let mut v = h.to_be_bytes().to_vec();
        v.resize(len, 0x55);
        v
    }

    fn id3_title_tag(enc: u8, text: &[u8]) -> Vec<u8> {
        let mut frame_body = vec![enc];
        frame_body.extend_from_slice(text);
        let mut body = b"TIT2".to_vec();
        body.extend_from_slice(&(frame_body.len() as u32).to_be_bytes());
        body.extend_from_slice(&[0, 0]);
        body.extend_from_slice(&frame_body);
        body.extend_from_slice(&[0u8; 20]); // padding
        let n = body.len() as u32;
        let mut tag = b"ID3\x03\x00\x00".to_vec();
        tag.extend_from_slice(&[
            ((n >> 21) & 0x7F) as u8,
            ((n >> 14) & 0x7F) as u8,
            ((n >> 7) & 0x7F) as u8,
            (n & 0x7F) as u8,
        ]);
        tag.extend_from_slice(&body);
        tag
    }

    #[test]
    fn counts_frames_without_xing() {
        let mut data = id3_title_tag(3, "春天的歌".as_bytes());
        for i in 0..100 {
            data.extend(frame(i % 3 == 0));
        }
        data.extend_from_slice(b"TAG");
        data.resize(data.len() + 125, 0);
        let f = run(&data);
        assert_eq!(f.container, "mp3");
        assert_eq!(f.kind, MediaKind::Audio);
        assert_eq!(f.title.as_deref(), Some("春天的歌"));
        assert_eq!(f.sample_rate, Some(44100));
        let d = f.duration_s.unwrap_or(0.0);
        assert!((d - 100.0 * 1152.0 / 44100.0).abs() < 1e-9, "{d}");
        assert!(f.complete);
    }

    #[test]
    fn utf16_title_and_truncated_frame() {
        let mut text = vec![0xFF, 0xFE];
        for u in "标题".encode_utf16() {
            text.extend_from_slice(&u.to_le_bytes());
        }
        let mut data = id3_title_tag(1, &text);
        for _ in 0..10 {
            data.extend(frame(false));
        }
        data.truncate(data.len() - 100);
        let f = run(&data);
        assert_eq!(f.title.as_deref(), Some("标题"));
        assert!(!f.complete);
        let d = f.duration_s.unwrap_or(0.0);
        assert!((d - 9.0 * 1152.0 / 44100.0).abs() < 1e-9, "{d}");
    }

    #[test]
    fn xing_frame_count() {
        let mut first = frame(false);
        first[36..40].copy_from_slice(b"Xing");
        first[40..44].copy_from_slice(&1u32.to_be_bytes());
        first[44..48].copy_from_slice(&1000u32.to_be_bytes());
        let mut data = first;
        for _ in 0..3 {
            data.extend(frame(false));
        }
        let f = run(&data);
        let d = f.duration_s.unwrap_or(0.0);
        assert!((d - 1000.0 * 1152.0 / 44100.0).abs() < 1e-9, "{d}");
    }

    #[test]
    fn latin1_decoding() {
        assert_eq!(decode_text(0, b"Caf\xe9\0"), "Café");
        assert_eq!(decode_text(3, "歌".as_bytes()), "歌");
        assert_eq!(decode_text(1, &[0xFF]), "");
    }

    #[test]
    fn wav_and_truncated_wav() {
        let mut data = b"RIFF\0\0\0\0WAVEfmt ".to_vec();
        data.extend_from_slice(&16u32.to_le_bytes());
        data.extend_from_slice(&1u16.to_le_bytes());
        data.extend_from_slice(&1u16.to_le_bytes());
        data.extend_from_slice(&8000u32.to_le_bytes());
        data.extend_from_slice(&16000u32.to_le_bytes());
        data.extend_from_slice(&2u16.to_le_bytes());
        data.extend_from_slice(&16u16.to_le_bytes());
        data.extend_from_slice(b"data");
        data.extend_from_slice(&32000u32.to_le_bytes());
        data.resize(data.len() + 32000, 0);
        let f = run(&data);
        assert_eq!(f.container, "wav");
        assert_eq!(f.audio_codec.as_deref(), Some("pcm"));
        assert_eq!(f.duration_s, Some(2.0));
        assert!(f.complete);
        data.truncate(data.len() - 16000);
        let f = run(&data);
        assert!(!f.complete);
        assert_eq!(f.duration_s, Some(1.0));
    }

    #[test]
    fn flac_streaminfo_and_title() {
        let mut data = b"fLaC".to_vec();
        data.extend_from_slice(&[0x00, 0, 0, 34]);
        let mut si = vec![0u8; 34];
        // 44100 Hz, 2 channels, 16 bits, 441000 samples.
        let packed: u64 = (44100u64 << 44) | (1 << 41) | (15 << 36) | 441_000;
        si[10..18].copy_from_slice(&packed.to_be_bytes());
        data.extend_from_slice(&si);
        let mut vc = 3u32.to_le_bytes().to_vec();
        vc.extend_from_slice(b"abc");
        vc.extend_from_slice(&1u32.to_le_bytes());
        let c = "title=河流".as_bytes();
        vc.extend_from_slice(&(c.len() as u32).to_le_bytes());
        vc.extend_from_slice(c);
        data.extend_from_slice(&[0x84, 0, 0, vc.len() as u8]);
        data.extend_from_slice(&vc);
        data.extend_from_slice(&[0xFF, 0xF8, 0, 0]);
        let f = run(&data);
        assert_eq!(f.container, "flac");
        assert_eq!(f.sample_rate, Some(44100));
        assert_eq!(f.duration_s, Some(10.0));
        assert_eq!(f.title.as_deref(), Some("河流"));
    }
}
