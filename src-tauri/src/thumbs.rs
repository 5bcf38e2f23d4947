//! Thumbnails of stored works, made in-process (no ffmpeg): photos with the `image` crate,
//! H.264 video from its first keyframe with OpenH264 (built from its bundled source).
//!
//! What a file is comes from [`crate::media::probe`], from its content, never its name. Photos
//! (JPEG, PNG) are decoded whole, turned upright by their EXIF orientation and scaled down;
//! MP4/MOV video has its `moov` read (seeking past `mdat`), the video track's first sync sample
//! located in the sample tables (or the first fragments) and only that sample's bytes read and
//! decoded; the frame is then turned by the `tkhd` rotation and stretched by the pixel aspect
//! ratio, as a player shows it.
//!
//! Everything else is an error the UI turns into a card: [`ThumbError::Unsupported`] for what
//! has no picture or no decoder here (audio, HEVC, Matroska, …), [`ThumbError::Corrupt`] for a
//! damaged file. No input panics; memory is bounded by the file's length for what is read and
//! by fixed caps for what is decoded: a photo over 128 MB or (by its header) 150 megapixels is
//! refused before decoding, and is decoded from the file through a buffer under `image`'s
//! `Limits`; a video's sample tables are never walked over a count the file only claims, and
//! the decoder gets at most 30 samples, 256 MB and 20 seconds.

use std::fs::File;
use std::io::{self, BufReader, Cursor, Read, Seek, SeekFrom};
use std::path::Path;

use image::imageops::FilterType;
use image::metadata::Orientation;
use image::{DynamicImage, ImageError, ImageFormat, ImageReader, Limits, RgbImage};

use crate::media::{self, MediaFacts, MediaKind};

mod h264;
mod mp4;
#[cfg(test)]
mod tests;

/// The longest side a caller may ask for; larger requests are clamped to it.
pub const MAX_SIDE_LIMIT: u32 = 4096;
/// JPEG quality of every thumbnail.
const JPEG_QUALITY: u8 = 80;
/// The most memory a photo decoder may take (a 100-megapixel RGB photo needs 300 MB).
const MAX_PHOTO_ALLOC: u64 = 512 * 1024 * 1024;
/// The largest photo file decoded (a 100-megapixel JPEG is about 40 MB, a PNG scan more).
const MAX_PHOTO_BYTES: u64 = 128 * 1024 * 1024;
/// The most pixels a photo may have, by its header, before the decoder is started.
const MAX_PHOTO_PIXELS: u64 = 150_000_000;
/// Where EXIF is looked for: the start of the file (JPEG APP1, PNG eXIf before IDAT).
const EXIF_PREFIX_BYTES: u64 = 1024 * 1024;

/// A thumbnail: a JPEG of at most `max_side` pixels on its longer side, upright and with the
/// picture's displayed proportions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Thumbnail {
    pub width: u32,
    pub height: u32,
    pub jpeg: Vec<u8>,
    /// False when the file is cut short (`MediaFacts::complete`): the picture came out, but part
    /// of it may be grey or missing, so the UI should mark it rather than show it as the work.
    pub complete: bool,
}

/// Why no thumbnail was made. The message is for the clerk; [`ThumbError::code`] for the UI.
#[derive(Debug, thiserror::Error)]
pub enum ThumbError {
    /// The file has no picture, or none this build can decode (audio, HEVC, Matroska, HEIC, …):
    /// the UI shows a placeholder card. `reason` is a whole Chinese sentence.
    #[error("{reason}")]
    Unsupported { reason: String },
    /// The file claims to be a photo or video but its data cannot be read.
    #[error("无法生成缩略图：{reason}。请向作者索取完好的原文件。")]
    Corrupt { reason: String },
    #[error("读取文件失败：{0}。请确认文件仍在原处且可以打开。")]
    Io(#[from] io::Error),
}

impl crate::coded::Coded for ThumbError {
    fn code(&self) -> &'static str {
        match self {
            ThumbError::Unsupported { .. } => "thumb.unsupported",
            ThumbError::Corrupt { .. } => "thumb.corrupt",
            ThumbError::Io(_) => "thumb.io",
        }
    }

    fn is_input(&self) -> bool {
        false
    }
}

pub(crate) fn unsupported(reason: impl Into<String>) -> ThumbError {
    ThumbError::Unsupported {
        reason: reason.into(),
    }
}

pub(crate) fn corrupt(reason: impl Into<String>) -> ThumbError {
    ThumbError::Corrupt {
        reason: reason.into(),
    }
}

/// Makes the thumbnail of the work at `path`, at most `max_side` pixels on its longer side
/// (clamped to 1..=[`MAX_SIDE_LIMIT`]; a smaller picture is not enlarged).
pub fn thumbnail(path: &Path, max_side: u32) -> Result<Thumbnail, ThumbError> {
    let max_side = max_side.clamp(1, MAX_SIDE_LIMIT);
    let facts = media::probe(path)?;
    match (facts.kind, facts.container.as_str()) {
        (MediaKind::Photo, "jpeg") => photo(path, &facts, ImageFormat::Jpeg, max_side),
        (MediaKind::Photo, "png") => photo(path, &facts, ImageFormat::Png, max_side),
        (MediaKind::Video, "mp4" | "mov") => video(path, &facts, max_side),
        (MediaKind::Audio, _) => Err(unsupported("音频作品没有画面")),
        (MediaKind::Photo, _) => Err(unsupported(format!(
            "{}暂不支持生成缩略图（目前支持 JPEG 和 PNG 照片）",
            facts.container_label
        ))),
        (MediaKind::Video, _) => Err(unsupported(format!(
            "{}暂不支持生成缩略图（目前支持 MP4、MOV 格式的 H.264 视频）",
            facts.container_label
        ))),
        (MediaKind::Document, _) => Err(unsupported(format!(
            "{}没有画面，无法生成缩略图",
            facts.container_label
        ))),
        // An MP4 or MOV without a readable index, or an empty file: what should be a work is
        // damaged.
        (MediaKind::Other, "mp4" | "mov" | "empty") => Err(corrupt(problems(&facts))),
        (MediaKind::Other, "unknown") => Err(unsupported("无法识别的文件格式，无法生成缩略图")),
        (MediaKind::Other, _) => Err(unsupported(format!(
            "{}暂不支持生成缩略图",
            facts.container_label
        ))),
    }
}

fn problems(facts: &MediaFacts) -> String {
    if facts.problems.is_empty() {
        "文件内容无法读取".to_owned()
    } else {
        facts.problems.join("；")
    }
}

fn photo(
    path: &Path,
    facts: &MediaFacts,
    format: ImageFormat,
    max_side: u32,
) -> Result<Thumbnail, ThumbError> {
    // Refused before anything is read or allocated: a file or a picture (as its header says)
    // larger than any photo a clerk catalogs.
    let file = File::open(path)?;
    let len = file.metadata()?.len();
    if len > MAX_PHOTO_BYTES {
        return Err(unsupported(format!(
            "照片文件太大（{} MB，最大 {} MB），无法生成缩略图",
            len.div_ceil(1024 * 1024),
            MAX_PHOTO_BYTES / (1024 * 1024)
        )));
    }
    if let (Some(w), Some(h)) = (facts.width, facts.height)
        && u64::from(w) * u64::from(h) > MAX_PHOTO_PIXELS
    {
        return Err(unsupported(format!(
            "照片太大（{}），无法生成缩略图",
            size_text(facts.width, facts.height)
        )));
    }
    let mut prefix = Vec::new();
    (&file).take(EXIF_PREFIX_BYTES).read_to_end(&mut prefix)?;
    let orientation = exif_orientation(&prefix);
    // Decoded from the file through a buffer, under the decoder's own limits.
    let mut file = BufReader::with_capacity(64 * 1024, file);
    file.seek(SeekFrom::Start(0))?;
    let mut reader = ImageReader::with_format(file, format);
    let mut limits = Limits::default();
    limits.max_alloc = Some(MAX_PHOTO_ALLOC);
    limits.max_image_width = Some(65_535);
    limits.max_image_height = Some(65_535);
    reader.limits(limits);
    let picture = reader.decode().map_err(|e| match e {
        ImageError::Limits(_) => unsupported(format!(
            "照片太大（{}），无法生成缩略图",
            size_text(facts.width, facts.height)
        )),
        ImageError::Unsupported(_) => unsupported(format!(
            "这种{}的编码方式暂不支持，无法生成缩略图",
            facts.container_label
        )),
        _ => corrupt("照片数据无法解码"),
    })?;
    let (w, h) = (picture.width(), picture.height());
    finish(picture, (w, h), orientation, max_side, facts.complete)
}

fn size_text(w: Option<u32>, h: Option<u32>) -> String {
    match (w, h) {
        (Some(w), Some(h)) => format!("{w}×{h} 像素"),
        _ => "尺寸未知".to_owned(),
    }
}

/// The EXIF orientation of a JPEG or PNG (any of the 8 values), or none.
fn exif_orientation(bytes: &[u8]) -> Orientation {
    let Ok(exif) = exif::Reader::new().read_from_container(&mut Cursor::new(bytes)) else {
        return Orientation::NoTransforms;
    };
    exif.get_field(exif::Tag::Orientation, exif::In::PRIMARY)
        .and_then(|f| f.value.get_uint(0))
        .and_then(|o| u8::try_from(o).ok())
        .and_then(Orientation::from_exif)
        .unwrap_or(Orientation::NoTransforms)
}

fn video(path: &Path, facts: &MediaFacts, max_side: u32) -> Result<Thumbnail, ThumbError> {
    let file = File::open(path)?;
    let len = file.metadata()?.len();
    let mut r = BufReader::with_capacity(64 * 1024, file);
    let track = mp4::read_video_track(&mut r, len)?;
    match &track.entry {
        b"avc1" | b"avc3" => {}
        b"hvc1" | b"hev1" | b"dvh1" | b"dvhe" => {
            return Err(unsupported(
                "HEVC（H.265）视频暂无内置解码器，无法生成缩略图",
            ));
        }
        other => {
            let name = String::from_utf8_lossy(other).trim().to_owned();
            return Err(unsupported(format!(
                "{name} 编码的视频暂无内置解码器，无法生成缩略图（目前支持 H.264）"
            )));
        }
    }
    let frame = h264::first_frame(&mut r, len, &track)?;
    let (fw, fh) = frame.dimensions();
    // Non-square pixels: shown wider (or narrower) than stored, as players do.
    let shown_w = match facts.pixel_aspect {
        Some((hs, vs)) if hs > 0 && vs > 0 => {
            let w = u64::from(fw).saturating_mul(u64::from(hs)) / u64::from(vs);
            u32::try_from(w.clamp(1, 65_535)).unwrap_or(fw)
        }
        _ => fw,
    };
    let orientation = match facts.rotation_cw {
        Some(90) => Orientation::Rotate90,
        Some(180) => Orientation::Rotate180,
        Some(270) => Orientation::Rotate270,
        _ => Orientation::NoTransforms,
    };
    finish(
        DynamicImage::ImageRgb8(frame),
        (shown_w, fh),
        orientation,
        max_side,
        facts.complete,
    )
}

fn swaps_sides(o: Orientation) -> bool {
    matches!(
        o,
        Orientation::Rotate90
            | Orientation::Rotate270
            | Orientation::Rotate90FlipH
            | Orientation::Rotate270FlipH
    )
}

/// The size that fits `(w, h)` within `max_side` on its longer side, keeping its proportions
/// and never enlarging; neither side is below 1.
pub(crate) fn fit(w: u32, h: u32, max_side: u32) -> (u32, u32) {
    let (w, h) = (w.max(1), h.max(1));
    let long = w.max(h);
    if long <= max_side {
        return (w, h);
    }
    let scale = |side: u32| {
        let v = (u64::from(side) * u64::from(max_side) + u64::from(long) / 2) / u64::from(long);
        u32::try_from(v.max(1)).unwrap_or(max_side)
    };
    (scale(w), scale(h))
}

/// Scales `picture` to `shown` (its size as displayed before `orientation`) fitted within
/// `max_side`, turns it upright, drops any alpha onto white and encodes the JPEG.
fn finish(
    picture: DynamicImage,
    shown: (u32, u32),
    orientation: Orientation,
    max_side: u32,
    complete: bool,
) -> Result<Thumbnail, ThumbError> {
    let swap = swaps_sides(orientation);
    let upright = if swap { (shown.1, shown.0) } else { shown };
    let (tw, th) = fit(upright.0, upright.1, max_side);
    let (pw, ph) = if swap { (th, tw) } else { (tw, th) };
    let mut picture = if (pw, ph) == (picture.width(), picture.height()) {
        picture
    } else if pw <= picture.width() && ph <= picture.height() {
        // Area averaging: fast, and no aliasing when shrinking by large factors.
        picture.thumbnail_exact(pw, ph)
    } else {
        // Only an anamorphic picture is stretched along one side.
        picture.resize_exact(pw, ph, FilterType::Triangle)
    };
    picture.apply_orientation(orientation);
    let rgb = on_white(picture);
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, JPEG_QUALITY)
        .encode_image(&rgb)
        .map_err(|_| corrupt("缩略图编码失败"))?;
    Ok(Thumbnail {
        width: rgb.width(),
        height: rgb.height(),
        jpeg,
        complete,
    })
}

/// RGB, with transparent parts shown over white (a JPEG has no alpha; black would hide a
/// logo drawn in black on a transparent background).
fn on_white(picture: DynamicImage) -> RgbImage {
    if !picture.color().has_alpha() {
        return picture.into_rgb8();
    }
    let rgba = picture.into_rgba8();
    let (w, h) = rgba.dimensions();
    let mut out = RgbImage::new(w, h);
    for (src, dst) in rgba.pixels().zip(out.pixels_mut()) {
        let [r, g, b, a] = src.0;
        let a = u16::from(a);
        let blend = |c: u8| ((u16::from(c) * a + 255 * (255 - a) + 127) / 255) as u8;
        dst.0 = [blend(r), blend(g), blend(b)];
    }
    out
}
