//! A 报名表 crafted to make the reader allocate by what it claims is refused with a Chinese
//! message, in-process (a failed allocation would abort the test binary, so each test passing
//! is the proof nothing was allocated); merged data cells reach every row of their merge.

use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::header::combine_header_rows;
use super::limits::{self, Refusal};
use super::*;
use crate::coded::Coded;

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("write file");
    path
}

fn read_err(path: &Path) -> SheetError {
    match read(path) {
        Ok(sheet) => panic!("{} should not read, got {sheet:#?}", path.display()),
        Err(e) => e,
    }
}

fn read_ok(path: &Path) -> Sheet {
    read(path).unwrap_or_else(|e| panic!("{} should read: {e} ({})", path.display(), e.code()))
}

fn assert_too_large(e: &SheetError, says: &[&str]) {
    assert_eq!(e.code(), "sheet.too_large", "{e}");
    let message = e.to_string();
    assert!(message.contains("超出报名表能读取的范围"), "{message}");
    for s in says {
        assert!(message.contains(s), "{s:?} not in {message}");
    }
}

/// An xlsx written part by part: the workbook with one sheet, its `sheetData` as given, and
/// the shared strings as given.
fn xlsx(sheet_data: &str, shared_strings: Option<&str>) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    let mut part = |name: &str, text: &str| {
        zip.start_file(name, options).expect("start part");
        zip.write_all(text.as_bytes()).expect("write part");
    };
    part(
        "[Content_Types].xml",
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#,
    );
    part(
        "_rels/.rels",
        r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#,
    );
    part(
        "xl/workbook.xml",
        r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="报名表 &amp; 附表" sheetId="1" r:id="rId1"/></sheets></workbook>"#,
    );
    let mut rels = String::from(
        r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>"#,
    );
    if shared_strings.is_some() {
        rels.push_str(r#"<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>"#);
    }
    rels.push_str("</Relationships>");
    part("xl/_rels/workbook.xml.rels", &rels);
    part(
        "xl/worksheets/sheet1.xml",
        &format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">{sheet_data}</worksheet>"#
        ),
    );
    if let Some(sst) = shared_strings {
        part("xl/sharedStrings.xml", sst);
    }
    zip.finish().expect("finish zip").into_inner()
}

fn inline(cell: &str, text: &str) -> String {
    format!(r#"<c r="{cell}" t="inlineStr"><is><t>{text}</t></is></c>"#)
}

/// The header and one work, then whatever `extra` adds.
fn registration_sheet(dimension: &str, extra: &str) -> String {
    format!(
        r#"<dimension ref="{dimension}"/><sheetData><row r="1">{}{}</row><row r="2">{}{}</row>{extra}</sheetData>"#,
        inline("A1", "作品名称"),
        inline("B1", "作者"),
        inline("A2", "光荣劳动者"),
        inline("B2", "张三"),
    )
}

#[test]
fn an_xlsx_with_one_cell_at_xfd1048576_is_refused_not_allocated() {
    let dir = tempfile::tempdir().expect("tempdir");
    let sheet = registration_sheet(
        "A1:XFD1048576",
        &format!(r#"<row r="1048576">{}</row>"#, inline("XFD1048576", "x")),
    );
    let bytes = xlsx(&sheet, None);
    assert!(bytes.len() < 5 * 1024, "{} bytes", bytes.len());
    let e = read_err(&write(dir.path(), "远处一格.xlsx", &bytes));
    assert_too_large(&e, &["XFD1048576", "20000 行", "200 列"]);
}

#[test]
fn an_xlsx_too_long_or_too_wide_is_refused_and_one_just_inside_reads() {
    let dir = tempfile::tempdir().expect("tempdir");
    let long = registration_sheet(
        "A1:B20001",
        &format!(r#"<row r="20001">{}</row>"#, inline("A20001", "x")),
    );
    let e = read_err(&write(dir.path(), "长.xlsx", &xlsx(&long, None)));
    assert_too_large(&e, &["20001 行"]);
    // Column 201 is GS.
    let wide = registration_sheet(
        "A1:GS2",
        &format!(r#"<row r="3">{}</row>"#, inline("GS3", "x")),
    );
    let e = read_err(&write(dir.path(), "宽.xlsx", &xlsx(&wide, None)));
    assert_too_large(&e, &["201 列"]);
    // Row 20000, and column 200 (GR): inside.
    for (cell, row) in [("A20000", 20000), ("GR3", 3)] {
        let inside = registration_sheet(
            "A1:B2",
            &format!(r#"<row r="{row}">{}</row>"#, inline(cell, "x")),
        );
        let sheet = read_ok(&write(dir.path(), "刚好.xlsx", &xlsx(&inside, None)));
        assert_eq!(sheet.sheet_name, "报名表 & 附表");
        assert_eq!(sheet.rows.first().map(|r| r.cell(0)), Some("光荣劳动者"));
    }
}

#[test]
fn formatted_empty_cells_far_away_and_a_large_dimension_do_not_refuse_a_sheet() {
    // Excel keeps a formatted but empty cell as `<c r=… s=…/>`: calamine skips it, so must the
    // bound; the stated dimension decides nothing.
    let dir = tempfile::tempdir().expect("tempdir");
    let sheet = registration_sheet(
        "A1:XFD1048576",
        r#"<row r="1048576"><c r="XFD1048576" s="1"/></row>"#,
    );
    let sheet = read_ok(&write(dir.path(), "格式.xlsx", &xlsx(&sheet, None)));
    assert_eq!(sheet.rows.len(), 1);
}

#[test]
fn shared_string_counts_beyond_the_strings_present_are_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = r#"<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row></sheetData>"#;
    for attribute in ["uniqueCount", "count"] {
        let sst = format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" {attribute}="4000000000"><si><t>作品名称</t></si><si><t>作者</t></si></sst>"#
        );
        let e = read_err(&write(dir.path(), "字符串.xlsx", &xlsx(data, Some(&sst))));
        assert_too_large(&e, &["4000000000", "2 项"]);
    }
    // Honest counts read.
    let sst = r#"<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="4" uniqueCount="4"><si><t>作品名称</t></si><si><t>作者</t></si><si><t>光荣劳动者</t></si><si><t>张三</t></si></sst>"#;
    let data = r#"<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row><row r="2"><c r="A2" t="s"><v>2</v></c><c r="B2" t="s"><v>3</v></c></row></sheetData>"#;
    let sheet = read_ok(&write(dir.path(), "正常.xlsx", &xlsx(data, Some(sst))));
    assert_eq!(sheet.rows.len(), 1);
}

#[test]
fn a_zip_bomb_part_is_refused_without_being_held() {
    let dir = tempfile::tempdir().expect("tempdir");
    // 70 MB of spaces inside the sheet compress to under 100 KB.
    let padding = " ".repeat(70 * 1024 * 1024);
    let sheet = registration_sheet("A1:B2", &padding);
    let bytes = xlsx(&sheet, None);
    assert!(bytes.len() < 1024 * 1024, "{} bytes", bytes.len());
    let e = read_err(&write(dir.path(), "炸弹.xlsx", &bytes));
    assert_too_large(&e, &["xl/worksheets/sheet1.xml", "64 MB"]);
}

#[test]
fn a_file_over_the_size_limit_is_refused_unread() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("巨大.csv");
    let file = std::fs::File::create(&path).expect("create");
    file.set_len(limits::MAX_FILE_BYTES + 1)
        .expect("sparse file");
    let e = read_err(&path);
    assert_too_large(&e, &["MB"]);
}

#[test]
fn csv_rows_and_columns_are_bounded() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut wide = "作品名称,作者\n光荣劳动者,张三".to_owned();
    wide.push_str(&",".repeat(199));
    wide.push_str("远处\n");
    let e = read_err(&write(dir.path(), "宽.csv", wide.as_bytes()));
    assert_too_large(&e, &["201 列"]);
    // Trailing empty cells (Excel writes them up to its used range) do not count.
    let mut trailing = "作品名称,作者\n光荣劳动者,张三".to_owned();
    trailing.push_str(&",".repeat(100_000));
    trailing.push('\n');
    let sheet = read_ok(&write(dir.path(), "尾逗号.csv", trailing.as_bytes()));
    assert_eq!(sheet.rows.len(), 1);
    let mut long = "作品名称,作者\n".to_owned();
    for i in 0..20_000 {
        long.push_str(&format!("作品{i},作者{i}\n"));
    }
    let e = read_err(&write(dir.path(), "长.csv", long.as_bytes()));
    assert_too_large(&e, &["20001 行"]);
}

#[test]
fn a_two_row_header_is_combined_in_time_linear_in_its_width() {
    // One group over 200 000 sub-headers: the group search used to go back to column A for
    // every column.
    let width = 200_000;
    let mut top = vec![String::new(); width];
    top[0] = "作者信息".to_owned();
    let below = vec!["姓名".to_owned(); width];
    let started = Instant::now();
    let header = combine_header_rows(&top, &below);
    assert_eq!(header.len(), width);
    assert_eq!(header[width - 1].text, "作者信息/姓名");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}

/// Found by `scripts/fuzz.sh registration` (crash-08a57ad1…): a cell position past u32
/// (`A99999999999`) overflowed calamine's arithmetic — a panic with overflow checks, and in a
/// release build a cell placed anywhere, past the extent judged here. Refused first.
#[test]
fn an_xlsx_cell_position_past_u32_is_refused_before_calamine() {
    let dir = tempfile::tempdir().expect("tempdir");
    for r in ["A99999999999", "AAAAAAAA1", "A0", "1A"] {
        let sheet = registration_sheet(
            "A1:B3",
            &format!(r#"<row r="3"><c r="{r}" t="inlineStr"><is><t>远</t></is></c></row>"#),
        );
        let e = read_err(&write(dir.path(), "位置.xlsx", &xlsx(&sheet, None)));
        assert_eq!(e.code(), "sheet.corrupt", "{r}: {e}");
        assert!(e.to_string().contains("无法识别"), "{r}: {e}");
    }
}

/// Found by `scripts/fuzz.sh registration` (crash-c1cee6ab…): a merge whose corners are the
/// wrong way round (`A2:G1`) overflowed calamine's subtraction — a panic with overflow checks.
/// Such a range, in a merge or the sheet's dimension, is refused before calamine reads it;
/// a merge the right way round still reads.
#[test]
fn an_xlsx_range_the_wrong_way_round_is_refused_before_calamine() {
    let dir = tempfile::tempdir().expect("tempdir");
    let with_merge = |dimension: &str, merge: &str| {
        registration_sheet(dimension, "").replace(
            "</sheetData>",
            &format!(
                r#"</sheetData><mergeCells count="1"><mergeCell ref="{merge}"/></mergeCells>"#
            ),
        )
    };
    for (dimension, merge) in [
        ("A1:B2", "A2:G1"),
        ("A1:B2", "B1:A2"),
        ("B2:A1", "A1:A1"),
        ("A1:B2", "A1:A99999999999"),
    ] {
        let sheet = with_merge(dimension, merge);
        let e = read_err(&write(dir.path(), "范围.xlsx", &xlsx(&sheet, None)));
        assert_eq!(e.code(), "sheet.corrupt", "{dimension} {merge}: {e}");
        assert!(
            e.to_string().contains("单元格范围"),
            "{dimension} {merge}: {e}"
        );
    }
    let sheet = with_merge("A1:B2", "A2:A3");
    let read = read_ok(&write(dir.path(), "范围.xlsx", &xlsx(&sheet, None)));
    assert!(!read.rows.is_empty());
}

// --- xls --------------------------------------------------------------------------------

/// A small .xls by Spreadsheet::WriteExcel (perl): a header, two works, and `extra` perl.
fn writeexcel(dir: &Path, name: &str, extra: &str) -> Vec<u8> {
    let path = dir.join(name);
    let script = format!(
        r#"
        use utf8;
        use Spreadsheet::WriteExcel;
        my $wb = Spreadsheet::WriteExcel->new($ARGV[0]) or die "cannot create";
        my $ws = $wb->add_worksheet('报名表');
        $ws->write_row(0, 0, ['序号', '作品名称', '作者', '推荐单位']);
        $ws->write_row(1, 0, [1, '光荣劳动者', '张三']);
        $ws->write_row(2, 0, [2, '红色家书', '王五']);
        {extra}
        $wb->close() or die "cannot close";
    "#
    );
    let status = std::process::Command::new("perl")
        .arg("-e")
        .arg(&script)
        .arg(&path)
        .status()
        .expect("run perl");
    assert!(status.success(), "perl failed: {status}");
    std::fs::read(&path).expect("read xls")
}

/// Where the record of `typ` whose data starts with `prefix` is in the file.
fn find_record(bytes: &[u8], typ: u16, len: u16, prefix: &[u8]) -> usize {
    let mut head = typ.to_le_bytes().to_vec();
    head.extend_from_slice(&len.to_le_bytes());
    head.extend_from_slice(prefix);
    bytes
        .windows(head.len())
        .position(|w| w == head.as_slice())
        .unwrap_or_else(|| panic!("no record {typ:#06x} {prefix:?}"))
}

/// Found by `scripts/fuzz.sh registration` (crash-37a93ae0…): a workbook record shorter than
/// its fields (here DATEMODE, two bytes, stated as one) makes calamine index past it and panic.
/// The reader contains calamine's panics: the clerk is told the file is damaged, and the
/// process goes on.
#[test]
fn an_xls_record_shorter_than_its_fields_is_damaged_not_a_crash() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bytes = writeexcel(dir.path(), "原.xls", "");
    let at = find_record(&bytes, 0x0022, 2, &[]);
    let mut short = bytes.clone();
    short[at + 2..at + 4].copy_from_slice(&1u16.to_le_bytes());
    let e = read_err(&write(dir.path(), "短记录.xls", &short));
    assert_eq!(e.code(), "sheet.corrupt", "{e}");
    assert!(e.to_string().contains("（文件结构异常）"), "{e}");
    // And the reader is whole afterwards.
    assert_eq!(
        read_ok(&write(dir.path(), "原样.xls", &bytes)).rows.len(),
        2
    );
}

#[test]
fn an_xls_whose_cells_or_dimensions_claim_a_huge_grid_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bytes = writeexcel(dir.path(), "原.xls", "");
    assert_eq!(
        read_ok(&write(dir.path(), "原样.xls", &bytes)).rows.len(),
        2
    );

    // The NUMBER record of 序号 2 (row 2, column A) moved to row 65536, column 65536.
    let at = find_record(&bytes, 0x0203, 14, &[2, 0, 0, 0]);
    let mut far = bytes.clone();
    far[at + 4..at + 8].copy_from_slice(&[0xFF, 0xFF, 0xFF, 0xFF]);
    let e = read_err(&write(dir.path(), "远处.xls", &far));
    assert_too_large(&e, &["65536 行"]);

    // The DIMENSIONS record claiming four billion rows (calamine reserves by it).
    let at = find_record(&bytes, 0x0200, 14, &[0, 0, 0, 0]);
    let mut claim = bytes.clone();
    claim[at + 8..at + 12].copy_from_slice(&u32::MAX.to_le_bytes());
    let e = read_err(&write(dir.path(), "声称.xls", &claim));
    assert_too_large(&e, &["声称"]);
}

#[test]
fn an_xls_whose_sector_chain_loops_is_refused_not_followed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bytes = writeexcel(dir.path(), "原.xls", "");
    let le32 = |at: usize| u32::from_le_bytes(bytes[at..at + 4].try_into().expect("4 bytes"));
    // The directory's first sector points to itself in the FAT: calamine would read the
    // directory for ever.
    let fat_sector = le32(76) as usize;
    let dir_start = le32(48) as usize;
    let entry = (fat_sector + 1) * 512 + dir_start * 4;
    let mut looped = bytes.clone();
    looped[entry..entry + 4].copy_from_slice(&(dir_start as u32).to_le_bytes());
    let started = Instant::now();
    let e = read_err(&write(dir.path(), "循环.xls", &looped));
    assert_eq!(e.code(), "sheet.corrupt", "{e}");
    assert!(e.to_string().contains("扇区链循环"), "{e}");
    assert!(started.elapsed() < Duration::from_secs(5));
}

/// Found by `scripts/fuzz.sh registration` (crash-1c59fe0a…): an xls cut off in the middle of
/// a number of its FAT sector made calamine assert (`to_u32`: length % 4). The reader caught the
/// panic, but a panic is no way to refuse a file: it is refused before calamine reads it.
#[test]
fn an_xls_cut_off_inside_its_fat_is_refused_before_calamine() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bytes = writeexcel(dir.path(), "原.xls", "");
    let fat_sector = u32::from_le_bytes(bytes[76..80].try_into().expect("4 bytes")) as usize;
    let fat_end = (fat_sector + 2) * 512;
    assert!(fat_end <= bytes.len(), "the FAT sector is in the file");
    // The fuzzer's input: 5579 of 5632 bytes, the FAT sector (the last) 459 bytes long.
    let cut = &bytes[..fat_end - 53];
    assert_eq!((cut.len() - 512) % 512 % 4, 3);
    match limits::check_xls(cut) {
        Err(Refusal::Corrupt(reason)) => {
            assert!(reason.contains("FAT在文件末尾被截断"), "{reason}")
        }
        other => panic!("should be refused as corrupt, got {other:?}"),
    }
    let e = read_err(&write(dir.path(), "截断.xls", cut));
    assert_eq!(e.code(), "sheet.corrupt", "{e}");
    assert!(e.to_string().contains("截断"), "{e}");
}

/// Found by `scripts/fuzz.sh registration` (crash-1b26b442…): an xls cut off before its FAT
/// sector starts made calamine slice its buffer backwards (a panic); refused before.
#[test]
fn an_xls_cut_off_before_its_fat_sector_is_refused_before_calamine() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bytes = writeexcel(dir.path(), "原.xls", "");
    let fat_sector = u32::from_le_bytes(bytes[76..80].try_into().expect("4 bytes")) as usize;
    let cut = &bytes[..(fat_sector + 1) * 512 - 1];
    match limits::check_xls(cut) {
        Err(Refusal::Corrupt(reason)) => assert!(reason.contains("超出文件末尾"), "{reason}"),
        other => panic!("should be refused as corrupt, got {other:?}"),
    }
    let e = read_err(&write(dir.path(), "截断.xls", cut));
    assert_eq!(e.code(), "sheet.corrupt", "{e}");
}

/// Found by `scripts/fuzz.sh registration` (crash-ccdfac4e…): an xls cut off 20 bytes into its
/// FAT sector left a FAT of five entries, and the directory's chain went on from sector 8:
/// calamine indexed its FAT out of bounds (a panic). Refused first.
#[test]
fn an_xls_whose_chain_runs_past_a_cut_fat_is_refused_before_calamine() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bytes = writeexcel(dir.path(), "原.xls", "");
    let fat_sector = u32::from_le_bytes(bytes[76..80].try_into().expect("4 bytes")) as usize;
    let dir_start = u32::from_le_bytes(bytes[48..52].try_into().expect("4 bytes")) as usize;
    assert!(
        dir_start >= 5 && dir_start < fat_sector,
        "the directory lies before the FAT"
    );
    let cut = &bytes[..(fat_sector + 1) * 512 + 20];
    match limits::check_xls(cut) {
        Err(Refusal::Corrupt(reason)) => assert!(reason.contains("超出 FAT"), "{reason}"),
        other => panic!("should be refused as corrupt, got {other:?}"),
    }
    let e = read_err(&write(dir.path(), "截断.xls", cut));
    assert_eq!(e.code(), "sheet.corrupt", "{e}");
}

// --- Merged data cells ------------------------------------------------------------------

#[test]
fn a_unit_merged_down_over_five_works_is_every_works_unit_in_xlsx() {
    use rust_xlsxwriter::{Format, Workbook};
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("合并.xlsx");
    let mut workbook = Workbook::new();
    let ws = workbook.add_worksheet();
    let plain = Format::new();
    ws.merge_range(0, 0, 0, 3, "2023年网聚职工正能量作品报名表", &plain)
        .expect("title");
    for (col, text) in ["序号", "作品名称", "作者", "推荐单位"].iter().enumerate() {
        ws.write_string(1, col as u16, *text).expect("header");
    }
    for i in 0..6u32 {
        ws.write_number(2 + i, 0, f64::from(i + 1)).expect("serial");
        ws.write_string(2 + i, 1, format!("作品{}", i + 1))
            .expect("title");
        ws.write_string(2 + i, 2, format!("作者{}", i + 1))
            .expect("author");
    }
    // Rows 3-7 (five works) from one union; the sixth has its own.
    ws.merge_range(2, 3, 6, 3, "金平区总工会", &plain)
        .expect("merged unit");
    ws.write_string(7, 3, "南澳县总工会").expect("unit");
    workbook.save(&path).expect("save");

    let sheet = read_ok(&path);
    assert_eq!(sheet.header_row, 2);
    let unit = sheet.mapping.get(Field::Unit).expect("unit mapped");
    let units: Vec<&str> = sheet.rows.iter().map(|r| r.cell(unit)).collect();
    assert_eq!(
        units,
        vec![
            "金平区总工会",
            "金平区总工会",
            "金平区总工会",
            "金平区总工会",
            "金平区总工会",
            "南澳县总工会"
        ]
    );
    // The title merged across the top is not spread into the header.
    assert_eq!(sheet.columns.len(), 4);
}

#[test]
fn a_unit_merged_down_is_every_works_unit_in_xls() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bytes = writeexcel(
        dir.path(),
        "合并.xls",
        "$ws->merge_range(1, 3, 2, 3, '金平区总工会', $wb->add_format(valign => 'vcenter'));",
    );
    let sheet = read_ok(&write(dir.path(), "合并读.xls", &bytes));
    let unit = sheet.mapping.get(Field::Unit).expect("unit mapped");
    let units: Vec<&str> = sheet.rows.iter().map(|r| r.cell(unit)).collect();
    assert_eq!(units, vec!["金平区总工会", "金平区总工会"]);
}
