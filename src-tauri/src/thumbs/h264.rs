//! Decodes the first picture of an H.264 track with OpenH264.
//!
//! MP4 stores H.264 as length-prefixed NAL units with the parameter sets (SPS, PPS) in `avcC`;
//! OpenH264 wants an Annex-B byte stream. So the keyframe's NAL units get start codes and the
//! parameter sets go in front. OpenH264 applies the SPS cropping itself (x264's 1920×1088
//! coded 1080p comes out 1920×1080).

use std::io::{Read, Seek};
use std::panic::{AssertUnwindSafe, catch_unwind};

use image::RgbImage;
use mp4_atom::Avcc;
use openh264::decoder::{DecodedYUV, Decoder};
use openh264::formats::YUVSource;

use super::mp4::{VideoTrack, read_vec};
use super::{ThumbError, corrupt, unsupported};

const START_CODE: [u8; 4] = [0, 0, 0, 1];
/// The largest sample read (an intra frame of 4K at 400 Mbit/s is about 2 MB).
const MAX_SAMPLE_BYTES: u64 = 64 * 1024 * 1024;
/// All samples read and handed to the decoder together (a few keyframes of a 4K clip).
const MAX_DECODE_BYTES: u64 = 256 * 1024 * 1024;
/// How long the decoder may try for one thumbnail.
const MAX_DECODE_TIME: std::time::Duration = std::time::Duration::from_secs(20);
/// The largest picture converted (8K UHD is 33.2 megapixels).
const MAX_PIXELS: usize = 36_000_000;
/// H.264 profiles OpenH264 cannot decode: High 10, High 4:2:2, High 4:4:4, CAVLC 4:4:4.
const PROFILES_WITHOUT_DECODER: [u8; 4] = [110, 122, 244, 44];

const FIRST_FRAME_MISSING: &str = "视频第一帧的数据不在文件中（文件可能未复制完）";

/// Feeds the track's samples from its first keyframe on until a picture comes out.
pub(super) fn first_frame<R: Read + Seek>(
    r: &mut R,
    len: u64,
    track: &VideoTrack,
) -> Result<RgbImage, ThumbError> {
    let (length_size, mut packet) = match &track.avcc {
        Some(config) => {
            check_profile(config)?;
            (usize::from(config.length_size), parameter_sets(config))
        }
        // `avc3` may carry its parameter sets in the samples; the length size is then the
        // usual 4.
        None if &track.entry == b"avc3" => (4, Vec::new()),
        None => return Err(corrupt("视频缺少解码参数（avcC）")),
    };
    if !(1..=4).contains(&length_size) {
        return Err(corrupt("视频解码参数（avcC）损坏"));
    }
    let mut decoder =
        Decoder::new().map_err(|_| unsupported("视频解码器无法启动，无法生成缩略图"))?;
    // At most MAX_SAMPLES samples, MAX_DECODE_BYTES of them and MAX_DECODE_TIME: a file whose
    // samples decode to nothing cannot keep the decoder busy.
    let started = std::time::Instant::now();
    let mut fed = 0u64;
    for (i, sample) in track.samples.iter().enumerate() {
        let in_file = sample
            .offset
            .checked_add(sample.size)
            .is_some_and(|end| end <= len);
        if !in_file || sample.size > MAX_SAMPLE_BYTES {
            if i == 0 {
                return Err(corrupt(FIRST_FRAME_MISSING));
            }
            break;
        }
        fed = fed.saturating_add(sample.size);
        if i > 0 && (fed > MAX_DECODE_BYTES || started.elapsed() > MAX_DECODE_TIME) {
            break;
        }
        let data = read_vec(r, sample.offset, sample.size, len)?;
        if to_annex_b(&data, length_size, &mut packet).is_none() {
            if i == 0 {
                return Err(corrupt("视频第一帧的数据损坏"));
            }
            break;
        }
        // A damaged or reference-less access unit is an error; the next may still decode.
        if let Ok(Some(yuv)) = decoder.decode(&packet) {
            return to_rgb(&yuv);
        }
        packet.clear();
    }
    // A decoder holding pictures back for reordering gives them up when flushed.
    if let Ok(frames) = decoder.flush_remaining()
        && let Some(yuv) = frames.first()
    {
        return to_rgb(yuv);
    }
    Err(corrupt("视频的第一帧无法解码"))
}

/// 10-bit and 4:2:2/4:4:4 H.264 (professional cameras) has no decoder here.
fn check_profile(config: &Avcc) -> Result<(), ThumbError> {
    let profiles = std::iter::once(config.avc_profile_indication).chain(
        config
            .sequence_parameter_sets
            .iter()
            .filter_map(|sps| sps.get(1).copied()),
    );
    for profile in profiles {
        if PROFILES_WITHOUT_DECODER.contains(&profile) {
            return Err(unsupported(
                "此视频是 10 位或 4:2:2/4:4:4 的 H.264（专业摄像机格式），暂无内置解码器，无法生成缩略图",
            ));
        }
    }
    Ok(())
}

/// The SPS and PPS of `avcC` as an Annex-B stream.
fn parameter_sets(config: &Avcc) -> Vec<u8> {
    let mut out = Vec::new();
    for nal in config
        .sequence_parameter_sets
        .iter()
        .chain(&config.picture_parameter_sets)
    {
        out.extend_from_slice(&START_CODE);
        out.extend_from_slice(nal);
    }
    out
}

/// Appends the length-prefixed NAL units of `sample` to `out` with start codes. `None` when a
/// length runs past the sample.
fn to_annex_b(sample: &[u8], length_size: usize, out: &mut Vec<u8>) -> Option<()> {
    let mut pos = 0usize;
    while pos < sample.len() {
        let prefix = sample.get(pos..pos.checked_add(length_size)?)?;
        let n = prefix
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
        pos += length_size;
        let nal = sample.get(pos..pos.checked_add(n)?)?;
        // Zero lengths are padding some writers leave at the end.
        if !nal.is_empty() {
            out.extend_from_slice(&START_CODE);
            out.extend_from_slice(nal);
        }
        pos += n;
    }
    Some(())
}

fn to_rgb(yuv: &DecodedYUV<'_>) -> Result<RgbImage, ThumbError> {
    let (w, h) = yuv.dimensions();
    let pixels = w.checked_mul(h).filter(|p| *p > 0 && *p <= MAX_PIXELS);
    let (Some(pixels), Ok(width), Ok(height)) = (pixels, u32::try_from(w), u32::try_from(h)) else {
        return Err(corrupt(format!("视频画面尺寸异常（{w}×{h}）")));
    };
    let mut rgb = vec![0u8; pixels * 3];
    // `write_rgb8` asserts its preconditions (I420 output, buffer size), which OpenH264's
    // output and the size above meet; a broken promise becomes an error, not a crash.
    catch_unwind(AssertUnwindSafe(|| yuv.write_rgb8(&mut rgb)))
        .map_err(|_| corrupt("视频画面无法转换"))?;
    RgbImage::from_raw(width, height, rgb).ok_or_else(|| corrupt("视频画面无法转换"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::coded::Coded;

    fn annex_b(sample: &[u8], length_size: usize) -> Option<Vec<u8>> {
        let mut out = Vec::new();
        to_annex_b(sample, length_size, &mut out).map(|()| out)
    }

    #[test]
    fn length_prefixes_become_start_codes() {
        let sc = START_CODE;
        // 4-byte lengths, two NAL units and zero padding.
        let sample = [0, 0, 0, 2, 0x65, 1, 0, 0, 0, 1, 0x06, 0, 0, 0, 0];
        let want = [&sc[..], &[0x65, 1], &sc, &[0x06]].concat();
        assert_eq!(annex_b(&sample, 4), Some(want));
        // 2- and 1-byte lengths.
        assert_eq!(
            annex_b(&[0, 1, 0x41, 0, 2, 9, 9], 2),
            Some([&sc[..], &[0x41], &sc, &[9, 9]].concat())
        );
        assert_eq!(annex_b(&[1, 0x41], 1), Some([&sc[..], &[0x41]].concat()));
        // A length past the end, a cut prefix, a huge length.
        assert_eq!(annex_b(&[0, 0, 0, 9, 0x65], 4), None);
        assert_eq!(annex_b(&[0, 0, 0, 1, 0x65, 0, 0], 4), None);
        assert_eq!(annex_b(&[0xFF, 0xFF, 0xFF, 0xFF, 0x65], 4), None);
    }

    #[test]
    fn professional_profiles_are_unsupported() {
        let mut config = Avcc::new(&[0x67, 100, 0, 40], &[0x68]).expect("avcC");
        assert!(check_profile(&config).is_ok());
        config.avc_profile_indication = 110;
        let e = check_profile(&config).expect_err("High 10");
        assert_eq!(e.code(), "thumb.unsupported");
        // The SPS says so even when the avcC header does not.
        let config = Avcc::new(&[0x67, 122, 0, 40], &[0x68]).map(|mut c| {
            c.avc_profile_indication = 100;
            c
        });
        assert!(check_profile(&config.expect("avcC")).is_err());
    }
}
