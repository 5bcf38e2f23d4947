//! Thumbnails of real files made by ffmpeg in a temporary folder, plus damaged copies of them.
//!
//! ffmpeg is required (with libx264, libmp3lame; libx265 when present): without it these tests
//! fail, they do not skip.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

use image::RgbImage;
use tempfile::TempDir;

use super::*;
use crate::coded::Coded;

const X264: &[&str] = &[
    "-c:v",
    "libx264",
    "-preset",
    "ultrafast",
    "-pix_fmt",
    "yuv420p",
];

fn ffmpeg(args: &[&str]) {
    let out = Command::new("ffmpeg")
        .args(["-nostdin", "-hide_banner", "-loglevel", "error", "-y"])
        .args(args)
        .output()
        .unwrap_or_else(|e| {
            panic!("ffmpeg is required by the thumbnail tests ({e}): apt-get install -y ffmpeg")
        });
    assert!(
        out.status.success(),
        "ffmpeg {args:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn has_encoder(name: &str) -> bool {
    Command::new("ffmpeg")
        .args(["-hide_banner", "-encoders"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).contains(name))
        .unwrap_or(false)
}

struct Dir(TempDir);

impl Dir {
    fn new() -> Self {
        Dir(tempfile::tempdir().unwrap())
    }

    fn path(&self, name: &str) -> PathBuf {
        self.0.path().join(name)
    }

    /// The path as an ffmpeg argument.
    fn arg(&self, name: &str) -> String {
        self.path(name).to_string_lossy().into_owned()
    }
}

/// An H.264 video from a lavfi source, with extra output options.
fn h264(dir: &Dir, name: &str, source: &str, extra: &[&str]) -> PathBuf {
    let out = dir.arg(name);
    let mut args = vec!["-f", "lavfi", "-i", source, "-t", "1"];
    args.extend_from_slice(X264);
    args.extend_from_slice(extra);
    args.push(&out);
    ffmpeg(&args);
    dir.path(name)
}

fn thumb(path: &Path, max_side: u32) -> Thumbnail {
    thumbnail(path, max_side).unwrap_or_else(|e| panic!("{}: [{}] {e}", path.display(), e.code()))
}

fn err(path: &Path) -> ThumbError {
    match thumbnail(path, 320) {
        Ok(t) => panic!(
            "{}: expected an error, got {}×{}",
            path.display(),
            t.width,
            t.height
        ),
        Err(e) => e,
    }
}

/// Decodes the thumbnail's JPEG, checking it has the size the thumbnail claims.
fn pixels(t: &Thumbnail) -> RgbImage {
    let img = image::load_from_memory_with_format(&t.jpeg, ImageFormat::Jpeg)
        .unwrap()
        .into_rgb8();
    assert_eq!(img.dimensions(), (t.width, t.height));
    img
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum C {
    Red,
    Green,
    Blue,
    White,
    Other,
}

/// The colour at a fraction of the width and height.
fn colour(img: &RgbImage, fx: f32, fy: f32) -> C {
    let x = ((img.width() - 1) as f32 * fx).round() as u32;
    let y = ((img.height() - 1) as f32 * fy).round() as u32;
    let [r, g, b] = img.get_pixel(x, y).0;
    let (hi, lo) = (|v: u8| v > 200, |v: u8| v < 60);
    match (r, g, b) {
        _ if hi(r) && lo(g) && lo(b) => C::Red,
        _ if lo(r) && hi(g) && lo(b) => C::Green,
        _ if lo(r) && lo(g) && hi(b) => C::Blue,
        _ if hi(r) && hi(g) && hi(b) => C::White,
        _ => C::Other,
    }
}

/// Writes a `tkhd` matrix (a, b, c, d in 16.16) into every track, as a phone does.
fn set_matrix(path: &Path, m: [i32; 4]) {
    fn boxes(data: &[u8], start: usize, end: usize) -> Vec<([u8; 4], usize, usize)> {
        let mut out = Vec::new();
        let mut pos = start;
        while pos + 8 <= end {
            let size = u32::from_be_bytes(data[pos..pos + 4].try_into().unwrap()) as usize;
            if size < 8 || pos + size > end {
                break;
            }
            out.push((
                data[pos + 4..pos + 8].try_into().unwrap(),
                pos + 8,
                pos + size,
            ));
            pos += size;
        }
        out
    }
    let mut data = std::fs::read(path).unwrap();
    let matrix: Vec<u8> = [m[0], m[1], 0, m[2], m[3], 0, 0, 0, 1 << 30]
        .iter()
        .flat_map(|v| v.to_be_bytes())
        .collect();
    let mut patched = 0;
    for (kind, b, e) in boxes(&data, 0, data.len()) {
        if &kind != b"moov" {
            continue;
        }
        for (kind, b, e) in boxes(&data, b, e) {
            if &kind != b"trak" {
                continue;
            }
            for (kind, b, _) in boxes(&data, b, e) {
                if &kind == b"tkhd" {
                    let at = b + if data[b] == 1 { 52 } else { 40 };
                    patched += 1;
                    data.splice(at..at + 36, matrix.iter().copied());
                }
            }
        }
    }
    assert!(patched > 0, "no tkhd in {}", path.display());
    std::fs::write(path, data).unwrap();
}

/// `jpeg` with an EXIF APP1 segment holding `orientation` inserted after SOI.
fn with_exif(jpeg: &[u8], orientation: u16) -> Vec<u8> {
    let mut tiff = b"II*\0".to_vec();
    tiff.extend_from_slice(&8u32.to_le_bytes());
    tiff.extend_from_slice(&1u16.to_le_bytes()); // one IFD entry
    tiff.extend_from_slice(&0x0112u16.to_le_bytes()); // Orientation
    tiff.extend_from_slice(&3u16.to_le_bytes()); // SHORT
    tiff.extend_from_slice(&1u32.to_le_bytes());
    tiff.extend_from_slice(&orientation.to_le_bytes());
    tiff.extend_from_slice(&[0, 0]);
    tiff.extend_from_slice(&0u32.to_le_bytes()); // no next IFD
    let mut app1 = b"Exif\0\0".to_vec();
    app1.extend_from_slice(&tiff);
    let mut out = jpeg[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&(app1.len() as u16 + 2).to_be_bytes());
    out.extend_from_slice(&app1);
    out.extend_from_slice(&jpeg[2..]);
    out
}

/// A 400×300 JPEG in four quadrants: red | green over blue | white.
fn quadrant_jpeg(dir: &Dir) -> Vec<u8> {
    let out = dir.arg("quad.jpg");
    ffmpeg(&[
        "-filter_complex",
        "color=c=red:s=200x150[a];color=c=lime:s=200x150[b];color=c=blue:s=200x150[c];\
         color=c=white:s=200x150[d];[a][b]hstack[t];[c][d]hstack[u];[t][u]vstack",
        "-frames:v",
        "1",
        "-q:v",
        "2",
        &out,
    ]);
    std::fs::read(dir.path("quad.jpg")).unwrap()
}

#[test]
fn fit_keeps_proportions_and_never_enlarges() {
    let check = |w, h, max, want| assert_eq!(fit(w, h, max), want, "{w}×{h} in {max}");
    check(1920, 1080, 320, (320, 180));
    check(1080, 1920, 320, (180, 320));
    check(4000, 3000, 320, (320, 240));
    check(100, 50, 320, (100, 50));
    check(10_000, 1, 320, (320, 1));
    check(0, 0, 320, (1, 1));
    check(u32::MAX, u32::MAX, 4096, (4096, 4096));
}

#[test]
fn red_1080p_video_gives_a_red_16_by_9_thumbnail() {
    let dir = Dir::new();
    let path = h264(&dir, "red.mp4", "color=c=red:s=1920x1080:d=1", &[]);
    let t = thumb(&path, 320);
    // x264 codes 1080 lines as 1088 with a crop: 181 lines here would mean the crop was lost.
    assert_eq!((t.width, t.height), (320, 180));
    assert!(t.complete);
    let img = pixels(&t);
    let [r, g, b] = img.get_pixel(160, 90).0;
    assert!(r > 200 && g < 60 && b < 60, "centre is {r},{g},{b}");
    assert_eq!(colour(&img, 0.02, 0.98), C::Red);
    // At full size the crop is exact too.
    let t = thumb(&path, 4096);
    assert_eq!((t.width, t.height), (1920, 1080));
}

#[test]
fn testsrc_720p_is_scaled_to_fit_with_real_detail() {
    let dir = Dir::new();
    let path = h264(&dir, "720p.mp4", "testsrc2=size=1280x720:rate=25", &[]);
    let t = thumb(&path, 320);
    assert_eq!((t.width, t.height), (320, 180));
    // testsrc2 is colourful: a grey or blank frame has only a few distinct colours.
    let img = pixels(&t);
    let mut distinct: Vec<[u8; 3]> = img.pixels().map(|p| p.0.map(|c| c / 32)).collect();
    distinct.sort_unstable();
    distinct.dedup();
    assert!(distinct.len() > 20, "{} colours", distinct.len());
    // A picture smaller than max_side is not enlarged.
    let t = thumb(&path, 2000);
    assert_eq!((t.width, t.height), (1280, 720));
}

#[test]
fn portrait_phone_clip_is_turned_upright_like_ffmpeg_shows_it() {
    let dir = Dir::new();
    // Stored 1920×1080, left half red, right half blue; QuickTime container.
    let path = dir.path("portrait.mov");
    ffmpeg(&[
        "-filter_complex",
        "color=c=red:s=960x1080:d=1[a];color=c=blue:s=960x1080:d=1[b];[a][b]hstack",
        "-t",
        "1",
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-pix_fmt",
        "yuv420p",
        &dir.arg("portrait.mov"),
    ]);
    let one = 1 << 16;
    // 90° clockwise (a=0 b=1 c=-1 d=0): `-display_rotation` needs ffmpeg 6, so by hand.
    set_matrix(&path, [0, one, -one, 0]);
    assert_eq!(media::probe(&path).unwrap().rotation_cw, Some(90));
    let t = thumb(&path, 320);
    assert_eq!((t.width, t.height), (180, 320));
    assert!(t.height > t.width);
    let img = pixels(&t);
    // Turned clockwise, the stored left edge is the top.
    assert_eq!(colour(&img, 0.5, 0.1), C::Red);
    assert_eq!(colour(&img, 0.5, 0.9), C::Blue);
    // ffmpeg (which applies the matrix when decoding) agrees.
    ffmpeg(&[
        "-i",
        &dir.arg("portrait.mov"),
        "-frames:v",
        "1",
        &dir.arg("ff.png"),
    ]);
    let ff = image::open(dir.path("ff.png")).unwrap().into_rgb8();
    assert!(ff.height() > ff.width());
    assert_eq!(colour(&ff, 0.5, 0.1), C::Red);

    // 270°: the other way round.
    set_matrix(&path, [0, -one, one, 0]);
    let img = pixels(&thumb(&path, 320));
    assert_eq!(img.dimensions(), (180, 320));
    assert_eq!(colour(&img, 0.5, 0.1), C::Blue);
    assert_eq!(colour(&img, 0.5, 0.9), C::Red);
}

#[test]
fn anamorphic_video_is_shown_wide() {
    let dir = Dir::new();
    let path = h264(
        &dir,
        "anamorphic.mp4",
        "testsrc2=size=1440x1080:rate=25",
        &["-vf", "setsar=4/3"],
    );
    assert_eq!(media::probe(&path).unwrap().pixel_aspect, Some((4, 3)));
    let t = thumb(&path, 320);
    assert_eq!((t.width, t.height), (320, 180));
}

#[test]
fn fragmented_mp4_gives_its_first_picture() {
    let dir = Dir::new();
    let path = h264(
        &dir,
        "frag.mp4",
        "color=c=blue:s=1280x720:d=1",
        &["-movflags", "frag_keyframe+empty_moov"],
    );
    let t = thumb(&path, 320);
    assert_eq!((t.width, t.height), (320, 180));
    assert_eq!(colour(&pixels(&t), 0.5, 0.5), C::Blue);
}

#[test]
fn exif_orientation_6_photo_is_turned_upright() {
    let dir = Dir::new();
    let jpeg = quadrant_jpeg(&dir);
    // Sniffed by content: the name says PNG.
    let path = dir.path("photo.png");
    std::fs::write(&path, with_exif(&jpeg, 6)).unwrap();
    let t = thumb(&path, 320);
    assert_eq!((t.width, t.height), (240, 320));
    let img = pixels(&t);
    // Turned clockwise: the stored bottom-left (blue) is now top-left.
    assert_eq!(colour(&img, 0.25, 0.25), C::Blue);
    assert_eq!(colour(&img, 0.75, 0.25), C::Red);
    assert!(t.complete);
}

#[test]
fn all_eight_exif_orientations() {
    use C::{Blue as B, Green as G, Red as R, White as W};
    let dir = Dir::new();
    let jpeg = quadrant_jpeg(&dir);
    // Stored: R G over B W. (orientation, size, top-left, top-right) as shown.
    let table = [
        (1, (400, 300), R, G),
        (2, (400, 300), G, R), // mirrored
        (3, (400, 300), W, B), // 180°
        (4, (400, 300), B, W), // flipped
        (5, (300, 400), R, B), // transposed
        (6, (300, 400), B, R), // 90° clockwise
        (7, (300, 400), W, G), // transversed
        (8, (300, 400), G, W), // 90° anticlockwise
    ];
    for (orientation, size, top_left, top_right) in table {
        let path = dir.path(&format!("o{orientation}.jpg"));
        std::fs::write(&path, with_exif(&jpeg, orientation)).unwrap();
        let t = thumb(&path, 400);
        let img = pixels(&t);
        let got = (
            img.dimensions(),
            colour(&img, 0.25, 0.25),
            colour(&img, 0.75, 0.25),
        );
        assert_eq!(
            got,
            (size, top_left, top_right),
            "orientation {orientation}"
        );
    }
}

#[test]
fn png_transparency_is_shown_on_white() {
    let dir = Dir::new();
    let path = dir.path("alpha.png");
    ffmpeg(&[
        "-filter_complex",
        "color=c=blue:s=100x100,format=rgba[a];color=c=black@0.0:s=100x100,format=rgba[b];\
         [a][b]hstack",
        "-frames:v",
        "1",
        &dir.arg("alpha.png"),
    ]);
    let t = thumb(&path, 320);
    assert_eq!((t.width, t.height), (200, 100));
    let img = pixels(&t);
    assert_eq!(colour(&img, 0.25, 0.5), C::Blue);
    assert_eq!(colour(&img, 0.75, 0.5), C::White);
    let t = thumb(&path, 50);
    assert_eq!((t.width, t.height), (50, 25));
}

#[test]
fn hevc_is_unsupported_with_a_reason() {
    let dir = Dir::new();
    let check = |path: &Path| {
        let e = err(path);
        assert_eq!(e.code(), "thumb.unsupported", "{e}");
        assert!(e.to_string().contains("HEVC（H.265）"), "{e}");
    };
    if has_encoder("libx265") {
        let out = dir.arg("hevc.mp4");
        ffmpeg(&[
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=640x360",
            "-t",
            "1",
            "-c:v",
            "libx265",
            "-preset",
            "ultrafast",
            "-x265-params",
            "log-level=error",
            "-tag:v",
            "hvc1",
            &out,
        ]);
        check(&dir.path("hevc.mp4"));
    } else {
        eprintln!("ffmpeg has no libx265: only the relabelled H.264 file is checked");
    }
    // An H.264 file whose sample entry says hvc1: the entry decides, checked either way.
    let path = h264(&dir, "relabelled.mp4", "testsrc2=size=320x240", &[]);
    let mut data = std::fs::read(&path).unwrap();
    let stsd = data.windows(4).position(|w| w == b"stsd").unwrap();
    let entry = stsd + data[stsd..].windows(4).position(|w| w == b"avc1").unwrap();
    data[entry..entry + 4].copy_from_slice(b"hvc1");
    std::fs::write(&path, data).unwrap();
    check(&path);
}

#[test]
fn ten_bit_h264_is_unsupported() {
    let dir = Dir::new();
    let out = dir.arg("10bit.mp4");
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=320x240",
        "-t",
        "1",
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-pix_fmt",
        "yuv420p10le",
        &out,
    ]);
    let e = err(&dir.path("10bit.mp4"));
    assert_eq!(e.code(), "thumb.unsupported", "{e}");
    assert!(e.to_string().contains("10 位"), "{e}");
}

#[test]
fn audio_works_have_no_picture() {
    let dir = Dir::new();
    let sine = "sine=frequency=440:duration=1";
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        sine,
        "-c:a",
        "libmp3lame",
        &dir.arg("a.mp3"),
    ]);
    ffmpeg(&["-f", "lavfi", "-i", sine, "-c:a", "aac", &dir.arg("a.m4a")]);
    for name in ["a.mp3", "a.m4a"] {
        let e = err(&dir.path(name));
        assert_eq!(e.code(), "thumb.unsupported", "{name}");
        assert_eq!(e.to_string(), "音频作品没有画面", "{name}");
    }
}

#[test]
fn matroska_is_unsupported_even_named_mp4() {
    let dir = Dir::new();
    let path = h264(
        &dir,
        "mkv.mp4",
        "testsrc2=size=320x240",
        &["-f", "matroska"],
    );
    let e = err(&path);
    assert_eq!(e.code(), "thumb.unsupported");
    assert!(e.to_string().contains("Matroska"), "{e}");
}

#[test]
fn truncated_files_never_panic_and_say_so() {
    let dir = Dir::new();
    let fast = h264(
        &dir,
        "fast.mp4",
        "testsrc2=size=1920x1080:rate=25",
        &["-movflags", "+faststart"],
    );
    let end = h264(&dir, "end.mp4", "testsrc2=size=1920x1080:rate=25", &[]);
    let cut = |from: &Path, name: &str, keep: usize| {
        let data = std::fs::read(from).unwrap();
        let path = dir.path(name);
        std::fs::write(&path, &data[..keep.min(data.len())]).unwrap();
        path
    };
    let half = |p: &Path| std::fs::metadata(p).unwrap().len() as usize / 2;

    // moov survives: either a picture marked incomplete, or "damaged" — never a silent one.
    let path = cut(&fast, "fast-half.mp4", half(&fast));
    match thumbnail(&path, 320) {
        Ok(t) => {
            assert!(!t.complete, "a cut file must not look complete");
            assert_eq!((t.width, t.height), (320, 180));
        }
        Err(e) => assert_eq!(e.code(), "thumb.corrupt", "{e}"),
    }
    // moov at the end is lost with the second half.
    let e = err(&cut(&end, "end-half.mp4", half(&end)));
    assert_eq!(e.code(), "thumb.corrupt");
    assert!(e.to_string().contains("moov"), "{e}");
    // moov kept, but the first keyframe is cut.
    let data = std::fs::read(&fast).unwrap();
    let mdat = data.windows(4).position(|w| w == b"mdat").unwrap();
    let e = err(&cut(&fast, "fast-nodata.mp4", mdat + 100));
    assert_eq!(e.code(), "thumb.corrupt");
    assert!(e.to_string().contains("未复制完"), "{e}");

    // A JPEG cut in half: a picture marked incomplete, or an error.
    let jpeg = quadrant_jpeg(&dir);
    let path = dir.path("half.jpg");
    std::fs::write(&path, &jpeg[..jpeg.len() / 2]).unwrap();
    match thumbnail(&path, 320) {
        Ok(t) => assert!(!t.complete, "a cut JPEG must not look complete"),
        Err(e) => assert_eq!(e.code(), "thumb.corrupt", "{e}"),
    }
}

/// Fixed-seed xorshift, so a failure reproduces.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

#[test]
fn random_bytes_and_empty_files_are_errors() {
    let dir = Dir::new();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let noise: Vec<u8> = (0..20_000).map(|_| rng.next() as u8).collect();
    let path = dir.path("noise.mp4");
    std::fs::write(&path, &noise).unwrap();
    assert_eq!(err(&path).code(), "thumb.unsupported");

    std::fs::write(&path, b"").unwrap();
    assert_eq!(err(&path).code(), "thumb.corrupt");

    // An MP4 header followed by noise.
    let mut data = b"\0\0\0\x18ftypisom\0\0\x02\0isomavc1".to_vec();
    data.extend_from_slice(&noise);
    std::fs::write(&path, &data).unwrap();
    assert_eq!(err(&path).code(), "thumb.corrupt");

    assert_eq!(err(&dir.path("missing.jpg")).code(), "thumb.io");
}

#[test]
fn damaged_videos_and_photos_never_panic() {
    let dir = Dir::new();
    let video = std::fs::read(h264(
        &dir,
        "small.mp4",
        "testsrc2=size=320x240:rate=25",
        &["-g", "5", "-movflags", "+faststart"],
    ))
    .unwrap();
    let photo = with_exif(&quadrant_jpeg(&dir), 6);
    let path = dir.path("damaged");
    let mut rng = Rng(0x2545_F491_4F6C_DD1D);
    let (mut ok, mut failed) = (0, 0);
    for round in 0..400 {
        let original = if round % 4 == 3 { &photo } else { &video };
        let mut data = original.clone();
        if round % 5 == 0 {
            data.truncate(rng.below(data.len()));
        } else {
            // Half of the time in the first 2 KiB, where the headers (moov, EXIF, SOF) are.
            let span = if round % 2 == 0 {
                2048.min(data.len())
            } else {
                data.len()
            };
            for _ in 0..1 + rng.below(8) {
                let at = rng.below(span);
                data[at] = rng.next() as u8;
            }
        }
        std::fs::write(&path, &data).unwrap();
        match thumbnail(&path, 64) {
            Ok(t) => {
                assert!(t.width <= 64 && t.height <= 64, "round {round}");
                pixels(&t);
                ok += 1;
            }
            Err(e) => {
                assert_ne!(e.code(), "thumb.io", "round {round}: {e}");
                failed += 1;
            }
        }
    }
    assert!(ok > 0 && failed > 0, "{ok} thumbnails, {failed} errors");
}

// --- Bounded by the file, not by what it claims --------------------------------------------

/// The body (start, end) of the box at `path` below the top level, first match at each level.
fn box_body(data: &[u8], path: &[&[u8; 4]]) -> Option<(usize, usize)> {
    let (mut start, mut end) = (0usize, data.len());
    for kind in path {
        let mut pos = start;
        let mut found = None;
        while pos + 8 <= end {
            let size = u32::from_be_bytes(data[pos..pos + 4].try_into().unwrap()) as usize;
            if size < 8 || pos + size > end {
                break;
            }
            if &data[pos + 4..pos + 8] == *kind {
                found = Some((pos + 8, pos + size));
                break;
            }
            pos += size;
        }
        (start, end) = found?;
    }
    Some((start, end))
}

/// Runs `thumbnail` on another thread and gives up after `limit`: a loop over a claimed count
/// shows as a timeout, not as a test run that never ends.
fn thumbnail_within(path: &Path, limit: std::time::Duration) -> Result<Thumbnail, ThumbError> {
    let (tx, rx) = std::sync::mpsc::channel();
    let owned = path.to_path_buf();
    std::thread::spawn(move || {
        let _ = tx.send(thumbnail(&owned, 320));
    });
    rx.recv_timeout(limit)
        .unwrap_or_else(|_| panic!("{} took over {limit:?}", path.display()))
}

#[test]
fn a_chunk_claiming_four_billion_samples_is_not_walked_sample_by_sample() {
    // A real video whose tables are rewritten in place: every sample 1 byte, u32::MAX of
    // them, all in the first chunk, the first keyframe the 4 294 967 264th. Finding where that
    // sample starts used to add up the sizes of the samples before it, one by one, for each
    // of 30 samples: about 10^11 steps.
    let dir = Dir::new();
    let path = h264(
        &dir,
        "tables.mp4",
        "color=c=red:s=320x240:d=1",
        &["-movflags", "+faststart"],
    );
    let mut data = std::fs::read(&path).unwrap();
    let stbl: &[&[u8; 4]] = &[b"moov", b"trak", b"mdia", b"minf", b"stbl"];
    let at = |data: &[u8], leaf: &[u8; 4]| {
        let mut p = stbl.to_vec();
        p.push(leaf);
        box_body(data, &p)
            .unwrap_or_else(|| panic!("no {}", String::from_utf8_lossy(leaf)))
            .0
    };
    let stsz = at(&data, b"stsz");
    data[stsz + 4..stsz + 8].copy_from_slice(&1u32.to_be_bytes());
    data[stsz + 8..stsz + 12].copy_from_slice(&u32::MAX.to_be_bytes());
    let stsc = at(&data, b"stsc");
    data[stsc + 4..stsc + 8].copy_from_slice(&1u32.to_be_bytes());
    data[stsc + 8..stsc + 12].copy_from_slice(&1u32.to_be_bytes());
    data[stsc + 12..stsc + 16].copy_from_slice(&u32::MAX.to_be_bytes());
    let stss = at(&data, b"stss");
    data[stss + 8..stss + 12].copy_from_slice(&(u32::MAX - 31).to_be_bytes());
    std::fs::write(&path, &data).unwrap();

    let e = thumbnail_within(&path, std::time::Duration::from_secs(20)).unwrap_err();
    assert_eq!(e.code(), "thumb.corrupt", "{e}");
}

#[test]
fn a_photo_file_over_the_size_limit_is_refused_unread() {
    // A real JPEG at the front of a 200 MB (sparse) file: decodable, but never read whole.
    let dir = Dir::new();
    let jpeg = quadrant_jpeg(&dir);
    let path = dir.path("巨大.jpg");
    std::fs::write(&path, &jpeg).unwrap();
    let file = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
    file.set_len(200 * 1024 * 1024).unwrap();
    let e = thumbnail_within(&path, std::time::Duration::from_secs(20)).unwrap_err();
    assert_eq!(e.code(), "thumb.unsupported", "{e}");
    assert!(e.to_string().contains("照片文件太大"), "{e}");
}

#[test]
fn a_photo_whose_header_claims_gigapixels_is_refused_before_decoding() {
    // A PNG header of 60 000 × 60 000 and nothing behind it.
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = 60_000u32.to_be_bytes().to_vec();
    ihdr.extend_from_slice(&60_000u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    png.extend_from_slice(&13u32.to_be_bytes());
    png.extend_from_slice(b"IHDR");
    png.extend_from_slice(&ihdr);
    png.extend_from_slice(&[0, 0, 0, 0]); // CRC, unchecked here
    let dir = Dir::new();
    let path = dir.path("巨幅.png");
    std::fs::write(&path, &png).unwrap();
    let e = thumbnail_within(&path, std::time::Duration::from_secs(20)).unwrap_err();
    assert_eq!(e.code(), "thumb.unsupported", "{e}");
    assert!(e.to_string().contains("照片太大"), "{e}");
}
