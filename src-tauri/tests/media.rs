//! `media` probing against real files made by ffmpeg (tests/fixtures/make-media.sh), and
//! mutated and truncated copies of them thrown at `probe_reader` (no panics allowed).
//!
//! ffmpeg is required: without it these tests fail, they do not skip.
#![allow(clippy::unwrap_used)]

use std::fs::File;
use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use baosong::campaign;
use baosong::checks::{self, Verdict};
use baosong::media::{CountingReader, MediaFacts, MediaKind, probe, probe_reader};

fn fixtures() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let ffmpeg = Command::new("ffmpeg").arg("-version").output();
        match ffmpeg {
            Ok(o) if o.status.success() => {}
            _ => panic!(
                "ffmpeg is required by the media tests but was not found on PATH; \
                 install it (Debian/Ubuntu: apt-get install -y ffmpeg)"
            ),
        }
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/make-media.sh");
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("media-fixtures");
        let out = Command::new("bash")
            .arg(&script)
            .arg(&dir)
            .output()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", script.display()));
        assert!(
            out.status.success(),
            "{} failed ({}):\n{}",
            script.display(),
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        dir
    })
}

fn facts(name: &str) -> MediaFacts {
    let path = fixtures().join(name);
    probe(&path).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// What one fixture must read as. `None` fields are not checked.
struct Expect {
    file: &'static str,
    container: &'static str,
    kind: MediaKind,
    /// Seconds and tolerance.
    duration: Option<(f64, f64)>,
    coded: Option<(u32, u32)>,
    display: Option<(u32, u32)>,
    rotation: Option<u32>,
    pixel_aspect: Option<Option<(u32, u32)>>,
    video: Option<&'static str>,
    audio: Option<&'static str>,
    sample_rate: Option<u32>,
    frame_rate: Option<f64>,
    title: Option<&'static str>,
    complete: bool,
    /// A problem containing this text.
    problem: Option<&'static str>,
}

const E: Expect = Expect {
    file: "",
    container: "",
    kind: MediaKind::Other,
    duration: None,
    coded: None,
    display: None,
    rotation: None,
    pixel_aspect: None,
    video: None,
    audio: None,
    sample_rate: None,
    frame_rate: None,
    title: None,
    complete: true,
    problem: None,
};

fn video_1080(file: &'static str, container: &'static str) -> Expect {
    Expect {
        file,
        container,
        kind: MediaKind::Video,
        duration: Some((2.0, 0.001)),
        coded: Some((1920, 1080)),
        display: Some((1920, 1080)),
        rotation: Some(0),
        pixel_aspect: Some(None),
        video: Some("avc1"),
        frame_rate: Some(25.0),
        ..E
    }
}

fn expectations() -> Vec<Expect> {
    vec![
        Expect {
            audio: Some("mp4a"),
            sample_rate: Some(48000),
            title: Some("测试视频"),
            ..video_1080("h264-1080p-faststart.mp4", "mp4")
        },
        Expect {
            audio: Some("mp4a"),
            ..video_1080("h264-1080p-moov-end.mp4", "mp4")
        },
        Expect {
            audio: Some("mp4a"),
            ..video_1080("h264-1080p.mov", "mov")
        },
        Expect {
            coded: Some((1280, 720)),
            display: Some((1280, 720)),
            audio: Some("sowt"),
            sample_rate: Some(48000),
            ..video_1080("pcm-sowt.mov", "mov")
        },
        Expect {
            display: Some((1080, 1920)),
            rotation: Some(90),
            ..video_1080("portrait-rotated.mp4", "mp4")
        },
        Expect {
            coded: Some((1280, 720)),
            display: Some((1280, 720)),
            audio: Some("mp4a"),
            ..video_1080("h264-720p.mp4", "mp4")
        },
        Expect {
            coded: Some((1920, 1088)),
            display: Some((1920, 1088)),
            ..video_1080("h264-1920x1088.mp4", "mp4")
        },
        Expect {
            coded: Some((1440, 1080)),
            display: Some((1920, 1080)),
            pixel_aspect: Some(Some((4, 3))),
            ..video_1080("anamorphic-1440x1080.mp4", "mp4")
        },
        Expect {
            video: Some("hvc1"),
            ..video_1080("hevc.mov", "mov")
        },
        Expect {
            // ffmpeg stretches the first video sample of an `empty_moov` file by the AAC
            // priming (21 ms); ffprobe reports 3.021 s too.
            duration: Some((3.0, 0.03)),
            audio: Some("mp4a"),
            ..video_1080("fragmented.mp4", "mp4")
        },
        Expect {
            duration: Some((3.0, 0.03)),
            audio: Some("mp4a"),
            ..video_1080("fragmented-base-moof.mp4", "mp4")
        },
        Expect {
            duration: Some((300.0, 1e-9)),
            frame_rate: Some(1.0),
            ..video_1080("exact-300s.mp4", "mp4")
        },
        Expect {
            duration: Some((301.0, 1e-9)),
            frame_rate: Some(1.0),
            ..video_1080("long-301s.mp4", "mp4")
        },
        Expect {
            complete: false,
            problem: Some("文件不完整"),
            ..video_1080("truncated-half.mp4", "mp4")
        },
        Expect {
            file: "truncated-moov-end.mp4",
            container: "mp4",
            kind: MediaKind::Other,
            complete: false,
            problem: Some("文件缺少索引（moov）"),
            ..E
        },
        Expect {
            file: "matroska-named.mp4",
            container: "matroska",
            kind: MediaKind::Other,
            duration: Some((1.0, 0.05)),
            coded: Some((640, 360)),
            display: Some((640, 360)),
            video: Some("V_MPEG4/ISO/AVC"),
            ..E
        },
        Expect {
            file: "cbr.mp3",
            container: "mp3",
            kind: MediaKind::Audio,
            duration: Some((3.0, 0.06)),
            audio: Some("mp3"),
            sample_rate: Some(48000),
            title: Some("春天的歌"),
            ..E
        },
        Expect {
            file: "vbr-xing.mp3",
            container: "mp3",
            kind: MediaKind::Audio,
            duration: Some((3.0, 0.06)),
            audio: Some("mp3"),
            ..E
        },
        Expect {
            file: "vbr-noxing.mp3",
            container: "mp3",
            kind: MediaKind::Audio,
            duration: Some((3.0, 0.06)),
            audio: Some("mp3"),
            title: Some("无头标签"),
            ..E
        },
        Expect {
            file: "audio.m4a",
            container: "m4a",
            kind: MediaKind::Audio,
            duration: Some((60.0, 0.0005)),
            audio: Some("mp4a"),
            sample_rate: Some(48000),
            ..E
        },
        Expect {
            file: "audio.wav",
            container: "wav",
            kind: MediaKind::Audio,
            duration: Some((2.0, 0.001)),
            audio: Some("pcm"),
            sample_rate: Some(8000),
            ..E
        },
        Expect {
            file: "audio.flac",
            container: "flac",
            kind: MediaKind::Audio,
            duration: Some((2.0, 0.001)),
            audio: Some("flac"),
            sample_rate: Some(44100),
            title: Some("河流"),
            ..E
        },
        Expect {
            file: "photo-exif6.jpg",
            container: "jpeg",
            kind: MediaKind::Photo,
            coded: Some((640, 480)),
            display: Some((480, 640)),
            rotation: Some(90),
            ..E
        },
        Expect {
            file: "plain.jpg",
            container: "jpeg",
            kind: MediaKind::Photo,
            coded: Some((640, 480)),
            display: Some((640, 480)),
            rotation: Some(0),
            ..E
        },
        Expect {
            file: "truncated.jpg",
            container: "jpeg",
            kind: MediaKind::Photo,
            coded: Some((640, 480)),
            complete: false,
            problem: Some("图片不完整"),
            ..E
        },
        Expect {
            file: "image.png",
            container: "png",
            kind: MediaKind::Photo,
            coded: Some((320, 240)),
            display: Some((320, 240)),
            ..E
        },
        Expect {
            file: "empty.mp4",
            container: "empty",
            kind: MediaKind::Other,
            complete: false,
            problem: Some("文件是空的"),
            ..E
        },
        Expect {
            file: "random.bin",
            container: "unknown",
            kind: MediaKind::Other,
            complete: false,
            problem: Some("无法识别"),
            ..E
        },
    ]
}

fn check(e: &Expect) -> Vec<String> {
    let f = facts(e.file);
    let mut bad = Vec::new();
    let mut expect = |what: &str, ok: bool| {
        if !ok {
            bad.push(format!("{}: {what} wrong in {f:?}", e.file));
        }
    };
    expect("container", f.container == e.container);
    expect("kind", f.kind == e.kind);
    expect("complete", f.complete == e.complete);
    if let Some((d, tol)) = e.duration {
        expect(
            "duration",
            f.duration_s.is_some_and(|x| (x - d).abs() <= tol),
        );
    }
    if let Some(c) = e.coded {
        expect("coded size", (f.width, f.height) == (Some(c.0), Some(c.1)));
    }
    if let Some(d) = e.display {
        expect(
            "display size",
            (f.display_width, f.display_height) == (Some(d.0), Some(d.1)),
        );
    }
    if let Some(r) = e.rotation {
        expect("rotation", f.rotation_cw == Some(r));
    }
    if let Some(p) = e.pixel_aspect {
        expect("pixel aspect", f.pixel_aspect == p);
    }
    if let Some(v) = e.video {
        expect("video codec", f.video_codec.as_deref() == Some(v));
    }
    if let Some(a) = e.audio {
        expect("audio codec", f.audio_codec.as_deref() == Some(a));
    }
    if let Some(s) = e.sample_rate {
        expect("sample rate", f.sample_rate == Some(s));
    }
    if let Some(r) = e.frame_rate {
        expect(
            "frame rate",
            f.frame_rate.is_some_and(|x| (x - r).abs() < 0.01),
        );
    }
    if let Some(t) = e.title {
        expect("title", f.title.as_deref() == Some(t));
    }
    match e.problem {
        Some(p) => expect("problems", f.problems.iter().any(|x| x.contains(p))),
        None if e.complete => expect("no problems", f.problems.is_empty()),
        None => {}
    }
    expect("label", !f.container_label.is_empty());
    bad
}

#[test]
fn real_files_read_right() {
    let bad: Vec<String> = expectations().iter().flat_map(check).collect();
    assert!(
        bad.is_empty(),
        "{} mismatches:\n{}",
        bad.len(),
        bad.join("\n")
    );
}

#[test]
fn labels() {
    assert_eq!(
        facts("h264-1080p-faststart.mp4").container_label,
        "MP4 视频"
    );
    assert_eq!(facts("hevc.mov").container_label, "MOV（QuickTime）视频");
    assert_eq!(facts("audio.m4a").container_label, "M4A 音频");
    assert_eq!(facts("cbr.mp3").container_label, "MP3 音频");
    assert_eq!(facts("audio.wav").container_label, "WAV 音频");
    assert_eq!(facts("audio.flac").container_label, "FLAC 音频");
    assert_eq!(facts("plain.jpg").container_label, "JPEG 照片");
    assert_eq!(facts("image.png").container_label, "PNG 图片");
    assert_eq!(
        facts("matroska-named.mp4").container_label,
        "Matroska（MKV）视频"
    );
}

/// `moov` at the end: the walk seeks past `mdat` instead of reading it.
#[test]
fn moov_at_end_reads_little() {
    let path = fixtures().join("h264-1080p-moov-end.mp4");
    let file = File::open(&path).unwrap();
    let len = file.metadata().unwrap().len();
    let mut counting = CountingReader::new(file);
    let f = probe_reader(&mut counting, len);
    assert_eq!(f.kind, MediaKind::Video);
    assert!(
        counting.bytes_read < 64 * 1024,
        "read {} of {len} bytes",
        counting.bytes_read
    );
}

/// A 300 MB file (sparse on disk) with `moov` after a 64-bit `mdat`: probing reads under
/// 1 MiB through `probe` (buffered) and through a bare reader.
#[test]
fn big_file_with_moov_at_end_reads_under_1_mib() {
    let src = std::fs::read(fixtures().join("h264-1080p-moov-end.mp4")).unwrap();
    // The fixture's top-level boxes.
    let mut boxes = Vec::new();
    let mut pos = 0usize;
    while pos + 8 <= src.len() {
        let size = u32::from_be_bytes(src[pos..pos + 4].try_into().unwrap()) as usize;
        assert!(size >= 8, "unexpected box layout in the fixture");
        boxes.push((src[pos + 4..pos + 8].to_vec(), pos, size));
        pos += size;
    }
    let part = |kind: &[u8]| {
        let (_, at, size) = boxes.iter().find(|(k, _, _)| k == kind).unwrap();
        &src[*at..*at + *size]
    };
    let ftyp = part(b"ftyp");
    let moov = part(b"moov");
    let mdat_size: u64 = 300 * 1024 * 1024;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.mp4");
    {
        use std::io::{Seek, SeekFrom, Write};
        let mut f = File::create(&path).unwrap();
        f.write_all(ftyp).unwrap();
        f.write_all(&1u32.to_be_bytes()).unwrap();
        f.write_all(b"mdat").unwrap();
        f.write_all(&mdat_size.to_be_bytes()).unwrap();
        f.seek(SeekFrom::Start(ftyp.len() as u64 + mdat_size))
            .unwrap();
        f.write_all(moov).unwrap();
    }
    let len = std::fs::metadata(&path).unwrap().len();
    assert!(len > mdat_size);
    let facts = probe(&path).unwrap();
    assert_eq!(facts.kind, MediaKind::Video);
    assert_eq!(facts.duration_s, Some(2.0));
    assert!(facts.complete, "{:?}", facts.problems);

    let file = File::open(&path).unwrap();
    // Count what is really read from the file, under the buffer.
    let mut buffered = std::io::BufReader::with_capacity(64 * 1024, CountingReader::new(file));
    let again = probe_reader(&mut buffered, len);
    assert_eq!(again, facts);
    let read = buffered.get_ref().bytes_read;
    assert!(read < 1024 * 1024, "read {read} bytes");
}

/// The top-level boxes of a file made by ffmpeg: (type, start, size).
fn top_boxes(data: &[u8]) -> Vec<([u8; 4], usize, usize)> {
    let mut boxes = Vec::new();
    let mut pos = 0usize;
    while pos + 8 <= data.len() {
        let size = u32::from_be_bytes(data[pos..pos + 4].try_into().unwrap()) as usize;
        assert!(size >= 8, "unexpected box layout in the fixture");
        boxes.push((data[pos + 4..pos + 8].try_into().unwrap(), pos, size));
        pos += size;
    }
    boxes
}

fn probe_bytes(data: &[u8]) -> MediaFacts {
    probe_reader(&mut Cursor::new(data), data.len() as u64)
}

/// Incomplete, with the byte where the data runs out named, and never 合格 as a micro-video.
fn assert_cut_at(what: &str, f: &MediaFacts, at: usize) {
    assert!(!f.complete, "{what}: judged complete: {f:?}");
    let byte = format!("第 {at} 字节处被截断");
    assert!(
        f.problems
            .iter()
            .any(|p| p.contains("文件不完整") && p.contains(&byte)),
        "{what}: want {byte:?} in {:?}",
        f.problems
    );
    let campaign = campaign::embedded_by_id(campaign::DEFAULT_CAMPAIGN_ID).unwrap();
    let check = checks::check_file(f, &campaign, campaign.category("micro-video"));
    assert_eq!(check.verdict, Verdict::Fail, "{what}: {check:?}");
}

/// Fragmented MP4 (`empty_moov`): `moov` holds no samples, each `moof` names its samples'
/// bytes. A copy cut after a `moof` (no `mdat`), or whose `mdat` is shorter than its fragment,
/// is 不完整 however tidy its boxes look. Both base-offset styles ffmpeg writes.
#[test]
fn fragmented_files_cut_short_are_incomplete() {
    for name in ["fragmented.mp4", "fragmented-base-moof.mp4"] {
        let data = std::fs::read(fixtures().join(name)).unwrap();
        let boxes = top_boxes(&data);
        let whole = probe_bytes(&data);
        assert!(whole.complete, "{name}: {:?}", whole.problems);
        let moofs: Vec<_> = boxes.iter().filter(|b| &b.0 == b"moof").collect();
        let mdats: Vec<_> = boxes.iter().filter(|b| &b.0 == b"mdat").collect();
        assert!(
            moofs.len() >= 3 && mdats.len() == moofs.len(),
            "{name}: {boxes:?}"
        );

        for (i, (_, at, size)) in moofs.iter().enumerate() {
            // Cut right after the moof: no mdat at all.
            let end = at + size;
            let f = probe_bytes(&data[..end]);
            assert_eq!(f.kind, MediaKind::Video, "{name}");
            assert_eq!(f.display_width, Some(1920));
            assert_cut_at(&format!("{name} cut after moof {i}"), &f, end);
        }

        for (i, (_, at, size)) in mdats.iter().enumerate() {
            let cut = at + size / 2;
            // Cut inside the mdat.
            let f = probe_bytes(&data[..cut]);
            assert_cut_at(&format!("{name} cut inside mdat {i}"), &f, cut);
            // The same with the mdat's size made to fit what is left, then to-the-end (0):
            // the boxes look whole, the fragment's samples are not there.
            for size_field in [(cut - at) as u32, 0] {
                let mut short = data[..cut].to_vec();
                short[*at..at + 4].copy_from_slice(&size_field.to_be_bytes());
                let f = probe_bytes(&short);
                assert_cut_at(&format!("{name} mdat {i} cut, size {size_field}"), &f, cut);
            }
            // Half the mdat's data gone from the middle of the file, the boxes after it kept.
            let mut spliced = data[..cut].to_vec();
            spliced[*at..at + 4].copy_from_slice(&((cut - at) as u32).to_be_bytes());
            spliced.extend_from_slice(&data[at + size..]);
            let f = probe_bytes(&spliced);
            assert_cut_at(&format!("{name} mdat {i} halved"), &f, cut);
        }

        // ftyp, moov and the first moof, nothing else: no longer a 1920×1080 video that passes.
        let (_, at, size) = moofs[0];
        let head = &data[..at + size];
        assert_cut_at(
            &format!("{name} without mdat"),
            &probe_bytes(head),
            at + size,
        );
    }
}

/// A 64-bit xorshift with a fixed seed: the same mutations on every run.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn all_fixture_bytes() -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(fixtures())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    files.sort();
    assert!(files.len() >= 25, "fixtures missing: {}", files.len());
    files
}

#[test]
fn truncated_copies_never_panic() {
    for (name, data) in all_fixture_bytes() {
        let n = data.len();
        let mut lengths: Vec<usize> = (0..n.min(300)).collect();
        lengths.extend((0..400).map(|i| n * i / 400));
        lengths.extend(n.saturating_sub(300)..n);
        for l in lengths {
            let slice = &data[..l];
            let f = probe_reader(&mut Cursor::new(slice), l as u64);
            assert!(!f.container.is_empty(), "{name} cut at {l}");
            // A source shorter than it claims to be.
            let _ = probe_reader(&mut Cursor::new(slice), n as u64);
        }
    }
}

#[test]
fn mutated_copies_never_panic() {
    let mut rng = XorShift(0x2545_F491_4F6C_DD1D);
    for (name, mut data) in all_fixture_bytes() {
        let n = data.len();
        if n == 0 {
            continue;
        }
        for round in 0..300 {
            let flips = 1 + rng.below(16);
            let mut saved = Vec::with_capacity(flips);
            for _ in 0..flips {
                // Headers and indexes live near the ends: aim there most of the time.
                let at = match round % 3 {
                    0 => rng.below(n.min(4096)),
                    1 => n - 1 - rng.below(n.min(16 * 1024)),
                    _ => rng.below(n),
                };
                saved.push((at, data[at]));
                data[at] = match rng.below(4) {
                    0 => 0,
                    1 => 0xFF,
                    _ => rng.next() as u8,
                };
            }
            let f = probe_reader(&mut Cursor::new(&data[..]), n as u64);
            assert!(!f.container.is_empty(), "{name} round {round}");
            for (at, b) in saved.into_iter().rev() {
                data[at] = b;
            }
        }
    }
}
