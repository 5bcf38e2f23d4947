//! Fixtures for the document tests: generated thumbnails, cells with rare name characters,
//! and poppler-utils runners.

#![allow(dead_code)] // each test binary uses a part

use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::process::Command;

use baosong::print::{Cell, Mark, Picture, SheetHeader};

/// Names outside GB2312 (inside GBK) that a font missing them would print as boxes.
pub const NAMES: &[&str] = &["王玥", "李堃", "张喆", "陈珺", "刘昇", "赵一鸣", "孙晓燕"];

pub const LONG_TITLE_LEN: usize = 120;

/// A 320×180-style test picture, different for every `seed` so no two are deduplicated.
pub fn picture_rgb(seed: u32, w: u32, h: u32) -> image::RgbImage {
    image::RgbImage::from_fn(w, h, |x, y| {
        let band = ((x / 40 + y / 30 + seed) % 6) as u8;
        let r = (x * 255 / w.max(1)) as u8;
        let g = (y * 255 / h.max(1)) as u8;
        let b = band.wrapping_mul(40).wrapping_add((seed * 37 % 256) as u8);
        image::Rgb([r, g, b])
    })
}

pub fn jpeg(seed: u32, w: u32, h: u32) -> Vec<u8> {
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85)
        .encode_image(&picture_rgb(seed, w, h))
        .expect("encode jpeg");
    out
}

pub fn png(seed: u32, w: u32, h: u32) -> Vec<u8> {
    let mut out = Vec::new();
    picture_rgb(seed, w, h)
        .write_to(&mut Cursor::new(&mut out), image::ImageFormat::Png)
        .expect("encode png");
    out
}

pub fn header() -> SheetHeader {
    SheetHeader {
        campaign: "2026年汕头市职工“劳动最光荣”主题作品征集".into(),
        office: "金平区总工会".into(),
        category: "微视频".into(),
        date: "2026年12月1日".into(),
    }
}

/// A title of [`LONG_TITLE_LEN`] characters, far more than two lines hold.
pub fn long_title() -> String {
    "致敬平凡岗位上的不平凡——记汕头港码头装卸班组二十年如一日的坚守与奉献，"
        .repeat(4)
        .chars()
        .take(LONG_TITLE_LEN)
        .collect()
}

pub fn title(i: usize) -> String {
    const TITLES: &[&str] = &[
        "玥光下的守护者",
        "堃石筑梦新时代",
        "喆人说安全生产",
        "珺瑶的车间日记",
        "昇平岁月里的匠心",
        "“最美劳动者”在身边",
        "《致敬》——平凡的一天",
    ];
    if i == 7 {
        long_title()
    } else {
        TITLES[i % TITLES.len()].to_string()
    }
}

/// Which picture cell `i` gets: a few PNGs and a few without any, JPEGs otherwise.
pub fn picture(i: usize) -> Picture {
    if i % 7 == 3 {
        Picture::Png(png(i as u32, 240, 240))
    } else if i % 11 == 5 {
        Picture::None
    } else {
        Picture::Jpeg(jpeg(i as u32, 320, 180))
    }
}

pub fn cell(i: usize) -> Cell {
    let verdicts = [Mark::Pass, Mark::Warn, Mark::Fail, Mark::Special];
    Cell {
        seq: format!("{:02}", i + 1),
        title: title(i),
        authors: format!(
            "{}、{}",
            NAMES[i % NAMES.len()],
            NAMES[(i + 3) % NAMES.len()]
        ),
        unit: "汕头市金平区总工会职工服务中心".into(),
        facts: format!("{}分{:02}秒 · 1920×1080", 1 + i % 5, (i * 7) % 60),
        verdict: verdicts[i % verdicts.len()],
        picture: picture(i),
    }
}

pub fn cells(n: usize) -> Vec<Cell> {
    (0..n).map(cell).collect()
}

/// Runs a poppler tool and returns its standard output; a failure fails the test.
pub fn run(tool: &str, args: &[&str]) -> String {
    let out = Command::new(tool)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{tool} could not run ({e}); install poppler-utils"));
    assert!(
        out.status.success(),
        "{tool} {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("write pdf");
    path
}

pub fn path_str(p: &Path) -> &str {
    p.to_str().expect("utf-8 temp path")
}

/// The text of page `page` (1-based).
pub fn page_text(pdf: &Path, page: usize) -> String {
    let p = page.to_string();
    run("pdftotext", &["-f", &p, "-l", &p, path_str(pdf), "-"])
}

/// `Pages:` and `Page size:` of pdfinfo, as (pages, width, height) in points.
pub fn info(pdf: &Path) -> (usize, f32, f32, String) {
    let out = run("pdfinfo", &[path_str(pdf)]);
    let field = |name: &str| {
        out.lines()
            .find_map(|l| l.strip_prefix(name))
            .map(str::trim)
            .unwrap_or_else(|| panic!("pdfinfo has no {name}: {out}"))
            .to_string()
    };
    let pages = field("Pages:").parse().expect("page count");
    let size = field("Page size:");
    let nums: Vec<f32> = size
        .split_whitespace()
        .filter_map(|t| t.parse().ok())
        .collect();
    assert!(nums.len() >= 2, "page size {size}");
    (pages, nums[0], nums[1], size)
}

/// One row of `pdfimages -list`.
#[derive(Debug)]
pub struct ImageRow {
    pub page: usize,
    pub kind: String,
    pub width: u32,
    pub height: u32,
    pub enc: String,
    pub object: u32,
}

pub fn images(pdf: &Path) -> Vec<ImageRow> {
    let out = run("pdfimages", &["-list", path_str(pdf)]);
    out.lines()
        .skip(2)
        .map(|l| {
            let t: Vec<&str> = l.split_whitespace().collect();
            assert!(t.len() >= 12, "pdfimages row {l:?}");
            ImageRow {
                page: t[0].parse().expect("page"),
                kind: t[2].to_string(),
                width: t[3].parse().expect("width"),
                height: t[4].parse().expect("height"),
                enc: t[8].to_string(),
                object: t[10].parse().expect("object"),
            }
        })
        .collect()
}

/// Every font of `pdffonts` as (name, embedded, subset).
pub fn fonts(pdf: &Path) -> Vec<(String, bool, bool)> {
    let out = run("pdffonts", &[path_str(pdf)]);
    out.lines()
        .skip(2)
        .map(|l| {
            let t: Vec<&str> = l.split_whitespace().collect();
            assert!(t.len() >= 6, "pdffonts row {l:?}");
            let n = t.len();
            (t[0].to_string(), t[n - 5] == "yes", t[n - 4] == "yes")
        })
        .collect()
}
