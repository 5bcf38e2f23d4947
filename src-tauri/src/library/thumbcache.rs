//! Thumbnails of stored files, made once and kept in `<library>/thumbs/<sha256>.jpg` (written
//! to a temporary and renamed into place), so the list shows them instantly the next time.

use crate::fsx::io_reason;

use std::path::{Path, PathBuf};

use rusqlite::OptionalExtension;
use serde::Serialize;
use ts_rs::TS;

use super::{Library, LibraryError, store};
use crate::thumbs::{self, ThumbError};

const THUMBS_DIR: &str = "thumbs";
/// The size the list and the entry view use.
pub const THUMB_SIDE: u32 = 320;

/// A file's thumbnail, or why there is none (the UI then draws a card).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ThumbInfo {
    /// Absolute path of the JPEG inside the library folder.
    pub path: Option<String>,
    pub width: u32,
    pub height: u32,
    /// False when the file is cut short and the picture may be partly grey.
    pub complete: bool,
    /// Why there is no picture (音频作品没有画面, HEVC …), in Chinese.
    pub placeholder: Option<String>,
}

/// Where a file's thumbnail lives (its content hash names it, so it never goes stale). None
/// when `sha256` is not a hash (a tampered row) or the thumbs folder is a link.
fn cache_path(root: &Path, sha256: &str) -> Option<PathBuf> {
    if !crate::safe_path::is_sha256_hex(sha256) {
        return None;
    }
    crate::safe_path::join_inside(root, &format!("{THUMBS_DIR}/{sha256}.jpg")).ok()
}

/// Makes (or finds) the thumbnail of the stored file at `stored`, content `sha256`.
pub fn thumbnail_at(root: &Path, sha256: &str, stored: &Path) -> ThumbInfo {
    let Some(cached) = cache_path(root, sha256) else {
        return placeholder(
            "资料库记录中的校验值或缩略图文件夹不正常，未生成缩略图（请运行资料库体检）".into(),
        );
    };
    if let Ok(bytes) = std::fs::read(&cached)
        && let Ok((width, height)) = jpeg_size(&bytes)
    {
        return ThumbInfo {
            path: Some(cached.display().to_string()),
            width,
            height,
            complete: true,
            placeholder: None,
        };
    }
    match thumbs::thumbnail(stored, THUMB_SIDE) {
        Ok(t) => {
            let written = (|| {
                let dir = root.join(THUMBS_DIR);
                std::fs::create_dir_all(&dir)?;
                let mut tmp = tempfile::NamedTempFile::new_in(&dir)?;
                std::io::Write::write_all(&mut tmp, &t.jpeg)?;
                // A partial picture is shown under its own name, never taken for the whole one.
                let target = if t.complete {
                    cached.clone()
                } else {
                    root.join(THUMBS_DIR).join(format!("{sha256}.partial.jpg"))
                };
                tmp.persist(&target).map_err(|e| e.error)?;
                Ok::<PathBuf, std::io::Error>(target)
            })();
            match written {
                Ok(path) => ThumbInfo {
                    path: Some(path.display().to_string()),
                    width: t.width,
                    height: t.height,
                    complete: t.complete,
                    placeholder: None,
                },
                Err(e) => placeholder(format!("缩略图无法保存：{}", io_reason(&e))),
            }
        }
        Err(ThumbError::Unsupported { reason }) => placeholder(reason),
        Err(e) => placeholder(e.to_string()),
    }
}

fn placeholder(reason: String) -> ThumbInfo {
    ThumbInfo {
        path: None,
        width: 0,
        height: 0,
        complete: true,
        placeholder: Some(reason),
    }
}

/// Width and height from a JPEG's SOF marker (our own files only; anything odd is remade).
fn jpeg_size(bytes: &[u8]) -> Result<(u32, u32), ()> {
    let mut i = 2;
    while i + 9 < bytes.len() {
        if bytes[i] != 0xFF {
            return Err(());
        }
        let marker = bytes[i + 1];
        let len = usize::from(u16::from_be_bytes([bytes[i + 2], bytes[i + 3]]));
        if (0xC0..=0xC3).contains(&marker) {
            let h = u16::from_be_bytes([bytes[i + 5], bytes[i + 6]]);
            let w = u16::from_be_bytes([bytes[i + 7], bytes[i + 8]]);
            return Ok((u32::from(w), u32::from(h)));
        }
        i += 2 + len;
    }
    Err(())
}

impl Library {
    /// The content hash and absolute path of the stored file with row id `file_id`.
    pub fn stored_file(&self, file_id: i64) -> Result<(String, PathBuf), LibraryError> {
        let row: Option<(String, String, i64)> = self
            .conn
            .query_row(
                "SELECT sha256, stored_path, entry_id FROM files WHERE id = ?1",
                [file_id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        let (sha, stored, _) = row.ok_or(LibraryError::NoSuchFile(file_id))?;
        Ok((
            sha,
            store::resolve_row(&self.root, &stored, || format!("文件记录 {file_id}"))?,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_jpeg_size_is_read_from_its_frame_header() {
        let img = image::RgbImage::from_pixel(32, 18, image::Rgb([200, 10, 10]));
        let mut jpeg = Vec::new();
        image::DynamicImage::ImageRgb8(img)
            .write_to(
                &mut std::io::Cursor::new(&mut jpeg),
                image::ImageFormat::Jpeg,
            )
            .expect("encode");
        assert_eq!(jpeg_size(&jpeg), Ok((32, 18)));
        assert_eq!(jpeg_size(b"not a jpeg at all"), Err(()));
    }

    #[test]
    fn audio_gets_a_card_and_nothing_is_cached() {
        let root = tempfile::tempdir().expect("tempdir");
        let wav = root.path().join("a.wav");
        // A valid 8-bit mono WAV: header + 800 samples.
        let mut bytes = b"RIFF".to_vec();
        bytes.extend_from_slice(&(36u32 + 800).to_le_bytes());
        bytes.extend_from_slice(b"WAVEfmt ");
        bytes.extend_from_slice(&16u32.to_le_bytes());
        bytes.extend_from_slice(&1u16.to_le_bytes());
        bytes.extend_from_slice(&1u16.to_le_bytes());
        bytes.extend_from_slice(&8000u32.to_le_bytes());
        bytes.extend_from_slice(&8000u32.to_le_bytes());
        bytes.extend_from_slice(&1u16.to_le_bytes());
        bytes.extend_from_slice(&8u16.to_le_bytes());
        bytes.extend_from_slice(b"data");
        bytes.extend_from_slice(&800u32.to_le_bytes());
        bytes.extend(std::iter::repeat_n(128u8, 800));
        std::fs::write(&wav, bytes).expect("write");
        let sha = "ab".repeat(32);
        let info = thumbnail_at(root.path(), &sha, &wav);
        assert_eq!(info.path, None);
        assert_eq!(info.placeholder.as_deref(), Some("音频作品没有画面"));
        assert!(
            !root
                .path()
                .join(THUMBS_DIR)
                .join(format!("{sha}.jpg"))
                .exists()
        );
        // A row whose hash is not a hash names no file at all.
        let info = thumbnail_at(root.path(), "../../x", &wav);
        assert_eq!(info.path, None);
        assert!(info.placeholder.is_some_and(|p| p.contains("体检")));
    }
}
