//! The documents read back with poppler-utils, as a person's viewer and printer would see them.

#[path = "print_support/mod.rs"]
mod common;

use std::path::Path;

use baosong::print::{
    Cell, Group, Layout, Picture, PrintError, Table, contact_sheet, grouped_contact_sheet, table,
    tables,
};
use common::*;

fn sheet(cells: &[Cell], layout: Layout) -> Vec<u8> {
    contact_sheet(&header(), cells, layout).expect("contact sheet")
}

/// Keeps a copy of a test's PDF when `BAOSONG_PRINT_OUT` names a folder, to look at.
fn keep(name: &str, bytes: &[u8]) {
    if let Some(dir) = std::env::var_os("BAOSONG_PRINT_OUT") {
        std::fs::write(Path::new(&dir).join(name), bytes).expect("keep pdf");
    }
}

fn assert_a4(pdf: &Path, portrait: bool) {
    let (_, w, h, size) = info(pdf);
    let (w, h) = (w.round(), h.round());
    let expected = if portrait {
        (595.0, 842.0)
    } else {
        (842.0, 595.0)
    };
    assert_eq!((w, h), expected, "page size {size}");
    assert!(size.contains("A4"), "pdfinfo does not call it A4: {size}");
}

fn assert_fonts_embedded_subset(pdf: &Path) {
    let fonts = fonts(pdf);
    assert!(!fonts.is_empty(), "no fonts at all");
    for (name, emb, sub) in &fonts {
        assert!(*emb && *sub, "font {name} emb {emb} sub {sub}");
        let (tag, _) = name
            .split_once('+')
            .unwrap_or_else(|| panic!("{name} has no subset tag"));
        assert!(
            tag.len() == 6 && tag.chars().all(|c| c.is_ascii_uppercase()),
            "subset tag of {name}"
        );
    }
}

/// The text as one string with line breaks and spaces pdftotext adds between lines removed,
/// so a title wrapped in a cell can be found whole.
fn squeeze(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

#[test]
fn contact_sheet_3x4_of_25_cells() {
    let cells = cells(25);
    let bytes = sheet(&cells, Layout::Grid3x4);
    keep("sheet-3x4.pdf", &bytes);
    let dir = tempfile::tempdir().expect("tempdir");
    let pdf = write(dir.path(), "sheet.pdf", &bytes);

    // 12 + 12 + 1 cells; the signature fits under the last row.
    assert_eq!(info(&pdf).0, 3);
    assert_a4(&pdf, true);
    assert_fonts_embedded_subset(&pdf);

    let pages: Vec<String> = (1..=3).map(|p| page_text(&pdf, p)).collect();
    for (p, text) in pages.iter().enumerate() {
        assert!(
            text.contains(&format!("第{}页/共3页", p + 1)),
            "footer of page {}",
            p + 1
        );
        assert!(text.contains("金平区总工会"), "header of page {}", p + 1);
        assert!(
            text.contains("日期：2026年12月1日"),
            "date on page {}",
            p + 1
        );
        let signed = text.contains("经办人") && text.contains("审核人") && text.contains("盖章");
        assert_eq!(signed, p == 2, "signature block on page {}", p + 1);
    }
    for (i, cell) in cells.iter().enumerate() {
        let text = squeeze(&pages[i / 12]);
        let start: String = cell.title.chars().take(6).collect();
        assert!(
            text.contains(&format!("{}{start}", cell.seq)),
            "title start of cell {} on page {}",
            cell.seq,
            i / 12 + 1
        );
        assert!(
            text.contains(cell.verdict.label()),
            "verdict of {}",
            cell.seq
        );
    }
    let all = squeeze(&pages.concat());
    for name in NAMES {
        assert!(all.contains(name), "name {name} not found");
    }
    // The long title is cut to two lines ending in "…", not printed whole.
    let long = long_title();
    assert!(
        !all.contains(&long),
        "the 120-character title was printed whole"
    );
    assert!(all.contains("…"), "no ellipsis");

    let images = images(&pdf);
    for page in 1..=3 {
        let expected = cells
            .iter()
            .enumerate()
            .filter(|(i, c)| i / 12 + 1 == page && c.picture != Picture::None)
            .count();
        let got = images
            .iter()
            .filter(|r| r.page == page && r.kind == "image")
            .count();
        assert_eq!(got, expected, "images on page {page}");
    }
    let jpegs = cells
        .iter()
        .filter(|c| matches!(c.picture, Picture::Jpeg(_)))
        .count();
    let jpeg_rows: Vec<_> = images.iter().filter(|r| r.enc == "jpeg").collect();
    assert_eq!(jpeg_rows.len(), jpegs, "enc jpeg rows: {images:?}");
    assert!(
        jpeg_rows
            .iter()
            .all(|r| (r.width, r.height) == (320, 180) && r.kind == "image")
    );
    let mut objects: Vec<u32> = jpeg_rows.iter().map(|r| r.object).collect();
    objects.dedup();
    assert_eq!(objects.len(), jpegs, "every JPEG its own image object");

    // Byte for byte: pdfimages -j writes a DCT stream out unchanged.
    let prefix = dir.path().join("img");
    run(
        "pdfimages",
        &[
            "-j",
            "-f",
            "1",
            "-l",
            "1",
            path_str(&pdf),
            path_str(&prefix),
        ],
    );
    let first = std::fs::read(dir.path().join("img-000.jpg")).expect("first image as jpg");
    let Picture::Jpeg(original) = &cells[0].picture else {
        panic!("cell 1 should have a JPEG");
    };
    assert!(first == *original, "the JPEG was re-encoded");
}

#[test]
fn contact_sheet_4x5_of_25_cells() {
    let cells = cells(25);
    let bytes = sheet(&cells, Layout::Grid4x5);
    keep("sheet-4x5.pdf", &bytes);
    let dir = tempfile::tempdir().expect("tempdir");
    let pdf = write(dir.path(), "sheet.pdf", &bytes);

    // 20 + 5 cells; the signature fits under the second page's two rows.
    assert_eq!(info(&pdf).0, 2);
    assert_a4(&pdf, true);
    assert_fonts_embedded_subset(&pdf);
    let p1 = squeeze(&page_text(&pdf, 1));
    let p2 = squeeze(&page_text(&pdf, 2));
    assert!(p1.contains("第1页/共2页") && p2.contains("第2页/共2页"));
    assert!(!p1.contains("经办人") && p2.contains("经办人") && p2.contains("盖章"));
    for (i, cell) in cells.iter().enumerate() {
        let text = if i < 20 { &p1 } else { &p2 };
        let start: String = cell.title.chars().take(4).collect();
        assert!(
            text.contains(&format!("{}{start}", cell.seq)),
            "title start of cell {}",
            cell.seq
        );
    }
    let images = images(&pdf);
    let with_picture = |range: std::ops::Range<usize>| {
        cells[range]
            .iter()
            .filter(|c| c.picture != Picture::None)
            .count()
    };
    assert_eq!(
        images
            .iter()
            .filter(|r| r.page == 1 && r.kind == "image")
            .count(),
        with_picture(0..20)
    );
    assert_eq!(
        images
            .iter()
            .filter(|r| r.page == 2 && r.kind == "image")
            .count(),
        with_picture(20..25)
    );
}

#[test]
fn last_row_moves_with_the_signature_when_the_page_is_full() {
    // 24 cells fill two 3×4 pages: the last row (22–24) goes to page 3 with the signature.
    let cells = cells(24);
    let dir = tempfile::tempdir().expect("tempdir");
    let pdf = write(dir.path(), "sheet.pdf", &sheet(&cells, Layout::Grid3x4));
    assert_eq!(info(&pdf).0, 3);
    let p2 = squeeze(&page_text(&pdf, 2));
    let p3 = squeeze(&page_text(&pdf, 3));
    let marker = |c: &Cell| format!("{}{}", c.seq, c.title.chars().take(4).collect::<String>());
    assert!(!p2.contains("经办人"));
    for (i, cell) in cells.iter().enumerate().skip(12) {
        assert_eq!(
            p2.contains(&marker(cell)),
            i < 21,
            "cell {} on page 2",
            cell.seq
        );
        assert_eq!(
            p3.contains(&marker(cell)),
            i >= 21,
            "cell {} on page 3",
            cell.seq
        );
    }
    assert!(p3.contains("经办人") && p3.contains("审核人") && p3.contains("第3页/共3页"));
    let with_picture = cells[21..]
        .iter()
        .filter(|c| c.picture != Picture::None)
        .count();
    let on_p3 = images(&pdf)
        .iter()
        .filter(|r| r.page == 3 && r.kind == "image")
        .count();
    assert_eq!(on_p3, with_picture);
}

#[test]
fn empty_sheet_is_one_signed_page() {
    let dir = tempfile::tempdir().expect("tempdir");
    let pdf = write(dir.path(), "sheet.pdf", &sheet(&[], Layout::Grid4x5));
    assert_eq!(info(&pdf).0, 1);
    let text = page_text(&pdf, 1);
    assert!(
        text.contains("本类别没有作品") && text.contains("经办人") && text.contains("第1页/共1页")
    );
}

#[test]
fn unreadable_pictures_print_a_note_instead_of_failing() {
    let mut cells = cells(3);
    cells[0].picture = Picture::Jpeg(b"not a jpeg at all".to_vec());
    let png = png(1, 64, 64);
    cells[1].picture = Picture::Png(png[..png.len() / 2].to_vec());
    let dir = tempfile::tempdir().expect("tempdir");
    let pdf = write(dir.path(), "sheet.pdf", &sheet(&cells, Layout::Grid3x4));
    let text = page_text(&pdf, 1);
    assert_eq!(text.matches("缩略图无法读取").count(), 2, "{text}");
    let images = images(&pdf);
    assert_eq!(
        images.iter().filter(|r| r.kind == "image").count(),
        1,
        "{images:?}"
    );
}

#[test]
fn large_png_is_scaled_down() {
    let mut cells = cells(1);
    cells[0].picture = Picture::Png(png(2, 3000, 1500));
    let dir = tempfile::tempdir().expect("tempdir");
    let pdf = write(dir.path(), "sheet.pdf", &sheet(&cells, Layout::Grid3x4));
    let images = images(&pdf);
    let row = images.iter().find(|r| r.kind == "image").expect("the png");
    assert_eq!((row.width, row.height), (1200, 600));
}

/// Page 1 of the 3×4 sheet rendered at 50 dpi against the reviewed reference. Set
/// `BAOSONG_PRINT_BLESS=1` to write a new reference, then look at it before committing it.
#[test]
fn contact_sheet_page_one_looks_like_the_reference() {
    let reference =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/reference/sheet-3x4-page1.png");
    let dir = tempfile::tempdir().expect("tempdir");
    let pdf = write(dir.path(), "sheet.pdf", &sheet(&cells(25), Layout::Grid3x4));
    let prefix = dir.path().join("page");
    run(
        "pdftoppm",
        &[
            "-png",
            "-r",
            "50",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            path_str(&pdf),
            path_str(&prefix),
        ],
    );
    let rendered_path = dir.path().join("page.png");
    if std::env::var_os("BAOSONG_PRINT_BLESS").is_some() {
        std::fs::copy(&rendered_path, &reference).expect("write reference");
    }
    let rendered = image::open(&rendered_path)
        .expect("rendered page")
        .to_rgb8();
    let expected = image::open(&reference)
        .expect("reference png (bless it first)")
        .to_rgb8();
    assert_eq!(
        rendered.dimensions(),
        expected.dimensions(),
        "size at 50 dpi"
    );
    let (w, h) = rendered.dimensions();
    let diff = |x: u32, y: u32| -> u64 {
        let (a, b) = (rendered.get_pixel(x, y), expected.get_pixel(x, y));
        a.0.iter()
            .zip(b.0)
            .map(|(p, q)| u64::from(p.abs_diff(q)))
            .sum()
    };
    let total: u64 = (0..h)
        .flat_map(|y| (0..w).map(move |x| (x, y)))
        .map(|(x, y)| diff(x, y))
        .sum();
    let mean = total as f64 / f64::from(w * h * 3);
    // The mean alone misses a small change (a verdict mark's colour); a 16×16 tile's mean
    // catches it, while anti-aliasing differences between poppler versions stay far below.
    let tile = 16;
    let mut worst: f64 = 0.0;
    for ty in (0..h).step_by(tile as usize) {
        for tx in (0..w).step_by(tile as usize) {
            let (tw, th) = (tile.min(w - tx), tile.min(h - ty));
            let sum: u64 = (ty..ty + th)
                .flat_map(|y| (tx..tx + tw).map(move |x| (x, y)))
                .map(|(x, y)| diff(x, y))
                .sum();
            worst = worst.max(sum as f64 / f64::from(tw * th * 3));
        }
    }
    eprintln!("difference from the reference: mean {mean:.3}, worst 16×16 tile {worst:.3}");
    assert!(mean < 1.5, "mean absolute difference {mean:.3} per channel");
    assert!(
        worst < 12.0,
        "a 16×16 tile differs by {worst:.3} per channel on average"
    );
}

fn table_doc(rows: usize) -> Table {
    Table {
        title: "2026年汕头市职工作品征集 报送汇总表".into(),
        subtitle_lines: vec![
            "报送单位：金平区总工会".into(),
            "联系人：陈珺（办公室主任） 13800138000".into(),
            "报送总数：40件（诵读 20件，要求不少于10件；微视频 20件，要求不少于5件）".into(),
        ],
        columns: vec![
            ("序号".into(), 0.6),
            ("作品名称".into(), 3.0),
            ("作者".into(), 1.4),
            ("单位".into(), 2.2),
            ("类别".into(), 0.9),
            ("审核".into(), 0.9),
            ("备注".into(), 2.0),
        ],
        rows: (0..rows)
            .map(|i| {
                vec![
                    format!("{}", i + 1),
                    format!("行{:02}：{}", i + 1, common::title(i)),
                    format!(
                        "{}、{}",
                        NAMES[i % NAMES.len()],
                        NAMES[(i + 2) % NAMES.len()]
                    ),
                    "汕头市金平区总工会职工服务中心".into(),
                    if i % 2 == 0 { "诵读" } else { "微视频" }.into(),
                    "合格".into(),
                    if i % 5 == 0 {
                        "时长超出要求，已特批：\n主办方同意延长至6分钟".into()
                    } else {
                        String::new()
                    },
                ]
            })
            .collect(),
    }
}

#[test]
fn table_of_40_rows_repeats_its_header_on_every_page() {
    let doc = table_doc(40);
    let bytes = table(&doc).expect("table");
    keep("table.pdf", &bytes);
    let dir = tempfile::tempdir().expect("tempdir");
    let pdf = write(dir.path(), "table.pdf", &bytes);
    let (pages, ..) = info(&pdf);
    assert!(pages >= 3, "40 rows on {pages} pages");
    assert_a4(&pdf, false);
    assert_fonts_embedded_subset(&pdf);

    let texts: Vec<String> = (1..=pages).map(|p| squeeze(&page_text(&pdf, p))).collect();
    for (p, text) in texts.iter().enumerate() {
        for (name, _) in &doc.columns {
            assert!(
                text.contains(name.as_str()),
                "column {name} missing on page {}",
                p + 1
            );
        }
        assert!(
            text.contains(&format!("第{}页/共{pages}页", p + 1)),
            "footer of page {}",
            p + 1
        );
        assert_eq!(
            text.contains("经办人"),
            p + 1 == pages,
            "signature on page {}",
            p + 1
        );
    }
    assert!(texts[0].contains("报送汇总表") && texts[0].contains("联系人：陈珺"));
    assert!(texts[1].contains("报送汇总表（续）"));
    for i in 1..=40 {
        let marker = format!("行{i:02}：");
        let found = texts.iter().filter(|t| t.contains(&marker)).count();
        assert_eq!(found, 1, "row {i} printed {found} times");
    }
    assert!(
        texts.concat().contains("主办方同意延长至6分钟"),
        "second line of a cell"
    );
}

#[test]
fn malformed_tables_are_refused() {
    let mut doc = table_doc(3);
    doc.rows[1].pop();
    assert!(matches!(
        table(&doc),
        Err(PrintError::RowLength {
            row: 2,
            expected: 7,
            got: 6
        })
    ));
    let mut doc = table_doc(1);
    doc.columns[2].1 = 0.0;
    assert!(matches!(
        table(&doc),
        Err(PrintError::BadColumnWidth { column: 3 })
    ));
    let mut doc = table_doc(0);
    doc.columns.clear();
    assert!(matches!(table(&doc), Err(PrintError::NoColumns)));
    let doc = table_doc(0);
    assert!(
        table(&doc).is_ok(),
        "a table without rows still prints its header and signature"
    );
}

#[test]
fn several_tables_start_on_their_own_pages_and_number_them_through_the_document() {
    let mut overview = table_doc(30);
    overview.title = "全市汇总表（总览）".into();
    let mut works = table_doc(3);
    works.title = "全市汇总表（微视频）".into();
    works.subtitle_lines = vec!["全市收到3件".into()];
    works.columns[1].0 = "作品标题".into();
    let bytes = tables("全市汇总表", &[overview, works]).expect("tables");
    keep("tables.pdf", &bytes);
    let dir = tempfile::tempdir().expect("tempdir");
    let pdf = write(dir.path(), "tables.pdf", &bytes);
    let (pages, ..) = info(&pdf);
    assert!(pages >= 3, "30 rows and 3 rows on {pages} pages");
    assert_a4(&pdf, false);
    let texts: Vec<String> = (1..=pages).map(|p| squeeze(&page_text(&pdf, p))).collect();
    let second = texts
        .iter()
        .position(|t| t.contains("全市汇总表（微视频）") && !t.contains("（续）"))
        .expect("the second table's first page");
    assert!(second >= 1);
    assert!(texts[second].contains("全市收到3件") && texts[second].contains("作品标题"));
    assert!(
        !texts[second - 1].contains("作品标题"),
        "the second table starts on a new page"
    );
    for (p, text) in texts.iter().enumerate() {
        assert!(
            text.contains(&format!("第{}页/共{pages}页", p + 1)),
            "page {}",
            p + 1
        );
        assert_eq!(
            text.contains("经办人"),
            p + 1 == pages,
            "signature on page {}",
            p + 1
        );
    }
    assert!(matches!(tables("空", &[]), Err(PrintError::NoColumns)));
}

#[test]
fn grouped_contact_sheet_starts_each_unit_on_a_new_page_under_its_name() {
    let all = cells(15);
    let groups = [
        Group {
            office: "金平区总工会",
            cells: &all[..13],
        },
        Group {
            office: "南澳县总工会",
            cells: &all[13..],
        },
    ];
    let bytes = grouped_contact_sheet(&header(), &groups, Layout::Grid3x4).expect("sheet");
    keep("grouped.pdf", &bytes);
    let dir = tempfile::tempdir().expect("tempdir");
    let pdf = write(dir.path(), "grouped.pdf", &bytes);
    let (pages, ..) = info(&pdf);
    assert_eq!(pages, 3, "12 + 1 cells of one unit, then 2 of the next");
    let texts: Vec<String> = (1..=pages).map(|p| squeeze(&page_text(&pdf, p))).collect();
    let (jinping, nanao) = ("报送单位：金平区总工会", "报送单位：南澳县总工会");
    assert!(texts[0].contains(jinping) && texts[1].contains(jinping));
    assert!(texts[2].contains(nanao) && !texts[2].contains(jinping));
    assert!(texts[2].contains("经办人") && !texts[1].contains("经办人"));
    assert!(texts[2].contains("第3页/共3页"));
}
