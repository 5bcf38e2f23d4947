//! JPEG (SOF size, EXIF orientation, end marker) and PNG (IHDR, chunk walk to IEND).

use std::io::{Read, Seek};

use super::detect::{Window, base, be16, be32, read_at, read_vec, truncated_problem};
use super::{MediaFacts, MediaKind};

const PROBLEM_NO_EOI: &str = "图片不完整：缺少结束标记（文件可能未复制完）";
/// Segments walked at most before giving up on finding SOF.
const MAX_SEGMENTS: usize = 10_000;

pub(super) fn probe_jpeg<R: Read + Seek>(r: &mut R, len: u64) -> MediaFacts {
    let mut f = base(MediaKind::Photo, "jpeg", "JPEG 照片");
    let mut w = Window::new();
    let mut pos = 2u64;
    let mut orientation: Option<u32> = None;
    let mut size: Option<(u32, u32)> = None;
    for _ in 0..MAX_SEGMENTS {
        let b = w.get(r, pos, 4).to_vec();
        if b.len() < 2 || b.first() != Some(&0xFF) {
            break;
        }
        let Some(&marker) = b.get(1) else { break };
        match marker {
            // Fill bytes.
            0xFF => {
                pos += 1;
                continue;
            }
            // Markers without a length.
            0x01 | 0xD0..=0xD8 => {
                pos += 2;
                continue;
            }
            0xD9 | 0xDA => break,
            _ => {}
        }
        let Some(seg_len) = be16(&b, 2) else { break };
        let seg_len = u64::from(seg_len);
        if seg_len < 2 {
            break;
        }
        let body = pos.saturating_add(4);
        match marker {
            0xC0..=0xCF if !matches!(marker, 0xC4 | 0xC8 | 0xCC) => {
                let s = w.get(r, body, 5).to_vec();
                if let (Some(h), Some(wd)) = (be16(&s, 1), be16(&s, 3)) {
                    size = Some((u32::from(wd), u32::from(h)));
                }
            }
            0xE1 if orientation.is_none() => {
                let seg = read_vec(r, body, seg_len - 2, len, 64 * 1024);
                if let Some(tiff) = seg.strip_prefix(b"Exif\0\0") {
                    orientation = exif_orientation(tiff);
                }
            }
            _ => {}
        }
        if size.is_some() && orientation.is_some() {
            break;
        }
        pos = pos.saturating_add(2).saturating_add(seg_len);
        if pos >= len {
            break;
        }
    }

    match size {
        Some((wd, h)) => {
            f.width = Some(wd);
            f.height = Some(h);
            let o = orientation.unwrap_or(1);
            let swap = (5..=8).contains(&o);
            let (dw, dh) = if swap { (h, wd) } else { (wd, h) };
            f.display_width = Some(dw);
            f.display_height = Some(dh);
            f.rotation_cw = Some(match o {
                3 | 4 => 180,
                5 | 6 => 90,
                7 | 8 => 270,
                _ => 0,
            });
        }
        None => f.problems.push("无法读取 JPEG 图片尺寸".to_owned()),
    }

    // End marker: the last two bytes must be FF D9.
    let mut tail = [0u8; 2];
    let got = if len >= 2 {
        read_at(r, len - 2, &mut tail)
    } else {
        0
    };
    if got < 2 || tail != [0xFF, 0xD9] {
        f.complete = false;
        f.problems.push(PROBLEM_NO_EOI.to_owned());
    }
    f
}

fn exif_orientation(tiff: &[u8]) -> Option<u32> {
    let exif = exif::Reader::new().read_raw(tiff.to_vec()).ok()?;
    let field = exif.get_field(exif::Tag::Orientation, exif::In::PRIMARY)?;
    field.value.get_uint(0).filter(|o| (1..=8).contains(o))
}

pub(super) fn probe_png<R: Read + Seek>(r: &mut R, len: u64) -> MediaFacts {
    let mut f = base(MediaKind::Photo, "png", "PNG 图片");
    let mut w = Window::new();
    let ihdr = w.get(r, 8, 16).to_vec();
    if ihdr.get(4..8) == Some(b"IHDR") {
        if let (Some(wd), Some(h)) = (be32(&ihdr, 8), be32(&ihdr, 12)) {
            f.width = Some(wd);
            f.height = Some(h);
            f.display_width = Some(wd);
            f.display_height = Some(h);
        }
    } else {
        f.problems.push("PNG 文件缺少头信息（IHDR）".to_owned());
    }
    let mut pos = 8u64;
    let mut found_end = false;
    // Each chunk is at least 12 bytes, so the walk ends; the cap bounds pathological input.
    for _ in 0..10_000_000u32 {
        if pos.saturating_add(12) > len {
            break;
        }
        let h = w.get(r, pos, 8).to_vec();
        let (Some(n), Some(kind)) = (be32(&h, 0), h.get(4..8)) else {
            break;
        };
        let end = pos.saturating_add(12).saturating_add(u64::from(n));
        if kind == b"IEND" {
            found_end = end <= len;
            break;
        }
        if end > len {
            break;
        }
        pos = end;
    }
    if !found_end {
        f.complete = false;
        f.problems.push(truncated_problem(len));
    }
    f
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn run(data: &[u8]) -> MediaFacts {
        super::super::detect::probe(&mut Cursor::new(data), data.len() as u64)
    }

    fn chunk(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
        let mut v = (body.len() as u32).to_be_bytes().to_vec();
        v.extend_from_slice(kind);
        v.extend_from_slice(body);
        v.extend_from_slice(&[0, 0, 0, 0]); // CRC, not checked
        v
    }

    fn png() -> Vec<u8> {
        let mut ihdr = 640u32.to_be_bytes().to_vec();
        ihdr.extend_from_slice(&480u32.to_be_bytes());
        ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
        let mut v = b"\x89PNG\r\n\x1a\n".to_vec();
        v.extend(chunk(b"IHDR", &ihdr));
        v.extend(chunk(b"IDAT", &[0u8; 300]));
        v.extend(chunk(b"IEND", &[]));
        v
    }

    #[test]
    fn png_complete_and_cut() {
        let data = png();
        let f = run(&data);
        assert_eq!((f.container.as_str(), f.kind), ("png", MediaKind::Photo));
        assert_eq!((f.width, f.height), (Some(640), Some(480)));
        assert!(f.complete);
        let f = run(&data[..data.len() - 5]);
        assert!(!f.complete);
        assert_eq!(f.width, Some(640));
        let f = run(&data[..20]);
        assert!(!f.complete);
    }

    /// A JPEG with an EXIF orientation, a SOF0 and EOI (no real image data).
    fn jpeg(orientation: u16, eoi: bool) -> Vec<u8> {
        let mut tiff = b"MM\0\x2a\0\0\0\x08".to_vec();
        tiff.extend_from_slice(&1u16.to_be_bytes());
        tiff.extend_from_slice(&0x0112u16.to_be_bytes());
        tiff.extend_from_slice(&3u16.to_be_bytes());
        tiff.extend_from_slice(&1u32.to_be_bytes());
        tiff.extend_from_slice(&orientation.to_be_bytes());
        tiff.extend_from_slice(&[0, 0]);
        tiff.extend_from_slice(&0u32.to_be_bytes());
        let mut app1 = b"Exif\0\0".to_vec();
        app1.extend_from_slice(&tiff);
        let mut v = vec![0xFF, 0xD8, 0xFF, 0xE1];
        v.extend_from_slice(&((app1.len() + 2) as u16).to_be_bytes());
        v.extend_from_slice(&app1);
        // DHT (C4) must not be taken for a SOF.
        v.extend_from_slice(&[0xFF, 0xC4, 0, 7, 1, 2, 3, 4, 5]);
        v.extend_from_slice(&[0xFF, 0xC0, 0, 17, 8]);
        v.extend_from_slice(&3000u16.to_be_bytes());
        v.extend_from_slice(&4000u16.to_be_bytes());
        v.extend_from_slice(&[3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]);
        v.extend_from_slice(&[0xFF, 0xDA, 0, 2]);
        v.extend_from_slice(&[0x12; 100]);
        if eoi {
            v.extend_from_slice(&[0xFF, 0xD9]);
        }
        v
    }

    #[test]
    fn jpeg_orientation_and_eoi() {
        let f = run(&jpeg(6, true));
        assert_eq!(f.container, "jpeg");
        assert_eq!((f.width, f.height), (Some(4000), Some(3000)));
        assert_eq!(
            (f.display_width, f.display_height),
            (Some(3000), Some(4000))
        );
        assert_eq!(f.rotation_cw, Some(90));
        assert!(f.complete, "{:?}", f.problems);
        let f = run(&jpeg(3, false));
        assert_eq!(f.rotation_cw, Some(180));
        assert_eq!(f.display_width, Some(4000));
        assert!(!f.complete);
        assert_eq!(f.problems, vec![PROBLEM_NO_EOI.to_owned()]);
        let f = run(&jpeg(8, true)[..3]);
        assert!(!f.complete);
    }
}
