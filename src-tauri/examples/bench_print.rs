//! A contact sheet of 200 works with 320×180 JPEG thumbnails: how long it takes and how big
//! the PDF is (goals: under 3 s and under 20 MB on the office's machine).
//!
//! Also the window's preview of the first page (hayro), and with `BENCH_THUMBS_DIR` set, the
//! 200 thumbnails are written there as JPEG files for `scripts/bench-print.sh` to hand to
//! ImageMagick's `montage`, the reference.
//!
//! `cargo run --release -p baosong --no-default-features --example bench_print [-- out.pdf]`

use std::io::Cursor;
use std::time::Instant;

use baosong::print::{Cell, Font, Layout, Mark, Picture, SheetHeader, contact_sheet, preview};

const CELLS: usize = 200;

/// A distinct 320×180 JPEG per seed, so none is deduplicated and the size is honest.
fn jpeg(seed: u32) -> Result<Vec<u8>, image::ImageError> {
    let img = image::RgbImage::from_fn(320, 180, |x, y| {
        image::Rgb([
            (x * 255 / 320) as u8,
            (y * 255 / 180) as u8,
            ((x / 20 + y / 20 + seed * 13) % 256) as u8,
        ])
    });
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(Cursor::new(&mut out), 85)
        .encode_image(&img)?;
    Ok(out)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let verdicts = [Mark::Pass, Mark::Warn, Mark::Fail, Mark::Special];
    let cells = (0..CELLS)
        .map(|i| {
            Ok(Cell {
                seq: format!("{:03}", i + 1),
                title: format!(
                    "第{}号作品：玥光下的守护者——堃石筑梦新时代的劳动者之歌",
                    i + 1
                ),
                authors: "王玥、李堃、张喆".into(),
                unit: "汕头市金平区总工会职工服务中心".into(),
                facts: "4分32秒 · 1920×1080".into(),
                verdict: verdicts[i % verdicts.len()],
                picture: Picture::Jpeg(jpeg(i as u32)?),
            })
        })
        .collect::<Result<Vec<_>, image::ImageError>>()?;
    let jpeg_bytes: usize = cells
        .iter()
        .map(|c| match &c.picture {
            Picture::Jpeg(b) => b.len(),
            _ => 0,
        })
        .sum();
    let header = SheetHeader {
        campaign: "2026年汕头市职工“劳动最光荣”主题作品征集".into(),
        office: "金平区总工会".into(),
        category: "微视频".into(),
        date: "2026年12月1日".into(),
    };

    if let Ok(dir) = std::env::var("BENCH_THUMBS_DIR") {
        std::fs::create_dir_all(&dir)?;
        for (i, c) in cells.iter().enumerate() {
            if let Picture::Jpeg(bytes) = &c.picture {
                std::fs::write(format!("{dir}/{:03}.jpg", i + 1), bytes)?;
            }
        }
    }
    let start = Instant::now();
    Font::embedded()?;
    let font_time = start.elapsed();
    for layout in [Layout::Grid3x4, Layout::Grid4x5] {
        let start = Instant::now();
        let pdf = contact_sheet(&header, &cells, layout)?;
        let took = start.elapsed();
        println!(
            "{layout:?}: {CELLS} cells in {:.3} s, PDF {:.2} MB ({:.2} MB of it JPEG thumbnails)",
            took.as_secs_f64(),
            pdf.len() as f64 / 1e6,
            jpeg_bytes as f64 / 1e6,
        );
        let start = Instant::now();
        let first = preview::first_page(&pdf, 900)?;
        println!(
            "{layout:?}: preview of page 1 of {} at {}×{} in {:.3} s",
            first.pages,
            first.width,
            first.height,
            start.elapsed().as_secs_f64()
        );
        if let Some(path) = std::env::args().nth(1) {
            std::fs::write(format!("{path}.{layout:?}.pdf"), &pdf)?;
        }
    }
    println!(
        "font parse (once per process): {:.3} s",
        font_time.as_secs_f64()
    );
    Ok(())
}
