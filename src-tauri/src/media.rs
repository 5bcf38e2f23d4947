//! Probing: what a work file really is, read from its headers only.
//!
//! Never trusts the file name's extension: a `.mp4` that is really Matroska is reported as
//! Matroska. Reads only what it needs (box headers, `moov`, frame headers); a 300 MB video with
//! `moov` at the end costs a few seeks, not a read of `mdat`. No input panics; anything
//! unreadable becomes `MediaKind::Other` with a Chinese `problems` line.

use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom};
use std::path::Path;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Bumped when probing changes what it reports, so cached facts are read again.
pub const PROBE_VERSION: u32 = 2;

mod audio;
mod detect;
mod image;
mod mp4;

// The box and byte readers the thumbnailer shares with the probe.
pub(crate) use detect::{be32, be64, fourcc};
pub(crate) use mp4::{boxes, child, decode};

/// What kind of work a file is, by content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "kebab-case")]
pub enum MediaKind {
    Video,
    Audio,
    Photo,
    Document,
    Other,
}

/// The facts of one file. Every field is measured from the bytes, none from the name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct MediaFacts {
    pub kind: MediaKind,
    /// Container by content: `mp4`, `mov`, `m4a`, `mp3`, `wav`, `flac`, `jpeg`, `png`, `pdf`,
    /// `matroska`, `webm`, `avi`, `flv`, `mpeg-ts`, `zip`, `empty`, `unknown`, …
    pub container: String,
    /// A human name of the container in Chinese, e.g. "Matroska（MKV）视频".
    pub container_label: String,
    pub duration_s: Option<f64>,
    /// Coded (stored) size of the picture.
    pub width: Option<u32>,
    pub height: Option<u32>,
    /// Size as shown: after the rotation matrix, pixel aspect ratio and EXIF orientation.
    pub display_width: Option<u32>,
    pub display_height: Option<u32>,
    /// Rotation applied when shown, clockwise degrees (0, 90, 180, 270).
    pub rotation_cw: Option<u32>,
    /// Pixel aspect ratio (`pasp`) when not 1:1, as (h_spacing, v_spacing).
    pub pixel_aspect: Option<(u32, u32)>,
    /// `avc1`, `hvc1`, `hev1`, `mp4v`, `ap4h`, … as the sample entry names it.
    pub video_codec: Option<String>,
    /// `mp4a`, `sowt`, `lpcm`, `mp3`, `pcm`, `flac`, …
    pub audio_codec: Option<String>,
    pub frame_rate: Option<f64>,
    pub sample_rate: Option<u32>,
    /// False when the file is cut short (box extents or chunk offsets beyond the end, a JPEG
    /// without its end marker, a PNG without IEND, …).
    pub complete: bool,
    /// Title from the file's tags (ID3, MP4 `©nam`, FLAC Vorbis comment), if any.
    pub title: Option<String>,
    /// What could not be read, in Chinese.
    pub problems: Vec<String>,
}

impl MediaFacts {
    pub(crate) fn unreadable(container: &str, label: &str, problem: impl Into<String>) -> Self {
        MediaFacts {
            kind: MediaKind::Other,
            container: container.to_owned(),
            container_label: label.to_owned(),
            duration_s: None,
            width: None,
            height: None,
            display_width: None,
            display_height: None,
            rotation_cw: None,
            pixel_aspect: None,
            video_codec: None,
            audio_codec: None,
            frame_rate: None,
            sample_rate: None,
            complete: false,
            title: None,
            problems: vec![problem.into()],
        }
    }
}

#[cfg(test)]
impl MediaFacts {
    /// Facts of a file that is not a work, for other modules' tests.
    pub(crate) fn unreadable_for_tests(container: &str, label: &str) -> Self {
        MediaFacts::unreadable(container, label, "无法识别的文件格式")
    }
}

/// Counts the bytes actually read, for the benchmark's "bytes read" figure.
pub struct CountingReader<R> {
    inner: R,
    pub bytes_read: u64,
}

impl<R> CountingReader<R> {
    pub fn new(inner: R) -> Self {
        CountingReader {
            inner,
            bytes_read: 0,
        }
    }
}

impl<R: Read> Read for CountingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.bytes_read += n as u64;
        Ok(n)
    }
}

impl<R: Seek> Seek for CountingReader<R> {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        self.inner.seek(pos)
    }
}

/// The file extension of a container as `probe` names it (`jpeg` → `jpg`, `matroska` → `mkv`):
/// what a stored file is named by when it is opened or packaged, whatever its original name
/// said. None for anything that is not a known picture, sound, video or PDF.
pub fn extension(container: &str) -> Option<&'static str> {
    Some(match container {
        "mp4" => "mp4",
        "mov" => "mov",
        "m4a" => "m4a",
        "mp3" => "mp3",
        "wav" => "wav",
        "flac" => "flac",
        "jpeg" => "jpg",
        "png" => "png",
        "gif" => "gif",
        "bmp" => "bmp",
        "webp" => "webp",
        "heic" => "heic",
        "pdf" => "pdf",
        "avi" => "avi",
        "flv" => "flv",
        "matroska" => "mkv",
        "webm" => "webm",
        "ogg" => "ogg",
        "mpeg-ts" => "ts",
        "mpeg-ps" => "mpg",
        _ => return None,
    })
}

/// Probes a file on disk. Only an unopenable file is an `Err`; everything else is facts.
pub fn probe(path: &Path) -> io::Result<MediaFacts> {
    let file = File::open(path)?;
    let len = file.metadata()?.len();
    let mut reader = BufReader::with_capacity(64 * 1024, file);
    Ok(probe_reader(&mut reader, len))
}

/// Probes any seekable source of `len` bytes. Never panics.
pub fn probe_reader<R: Read + Seek>(r: &mut R, len: u64) -> MediaFacts {
    detect::probe(r, len)
}
