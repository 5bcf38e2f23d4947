//! Tests of the 报名表 reader and planner, on real files made in a temporary folder.

use std::path::{Path, PathBuf};

use encoding_rs::GBK;

use super::header::{column_index, column_letter, exact_field};
use super::reading::{CFB_MAGIC, ENCRYPTED_PACKAGE, ZIP_MAGIC, number_text};
use super::*;
use crate::campaign::{Campaign, DEFAULT_CAMPAIGN_ID, embedded_by_id};
use crate::coded::Coded;

fn campaign() -> Campaign {
    embedded_by_id(DEFAULT_CAMPAIGN_ID).expect("the default campaign is embedded")
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("create folder");
    }
    std::fs::write(&path, bytes).expect("write file");
    path
}

fn read_ok(path: &Path) -> Sheet {
    read(path).unwrap_or_else(|e| panic!("{} should read: {e} ({})", path.display(), e.code()))
}

fn read_err(path: &Path) -> SheetError {
    match read(path) {
        Ok(sheet) => panic!("{} should not read, got {sheet:#?}", path.display()),
        Err(e) => e,
    }
}

fn numbers(sheet: &Sheet) -> Vec<u32> {
    sheet.rows.iter().map(|r| r.number).collect()
}

fn field_cells(sheet: &Sheet, field: Field) -> Vec<&str> {
    let column = sheet.mapping.get(field).expect("field mapped");
    sheet.rows.iter().map(|r| r.cell(column)).collect()
}

/// Deterministic noise: the same bytes on every run, so a failure can be replayed.
fn noise(len: usize, mut seed: u64) -> Vec<u8> {
    (0..len)
        .map(|_| {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (seed >> 56) as u8
        })
        .collect()
}

// --- Header matching -------------------------------------------------------------------

fn check_header(header: &str, expected: Option<Field>) {
    assert_eq!(match_header(header), expected, "header {header:?}");
}

#[test]
fn header_variants_and_decorations_are_recognised() {
    use Field::*;
    check_header("序号", Some(Serial));
    check_header("No.", Some(Serial));
    check_header("ＮＯ．", Some(Serial));
    check_header("作品名称*", Some(Title));
    check_header("＊作品名称（必填）", Some(Title));
    check_header(" 作 品\n名　称 ", Some(Title));
    check_header("标题", Some(Title));
    check_header("作者（主创）", Some(Authors));
    check_header("作者\r\n姓名", Some(Authors));
    check_header("主创人员", Some(Authors));
    check_header("推荐单位（盖章）", Some(Unit));
    check_header("工作单位：", Some(Unit));
    check_header("工作单位及职务", Some(Unit));
    check_header("单位及职务", Some(Unit));
    check_header("单位职务", Some(Unit));
    check_header("作者单位", Some(Unit));
    check_header("所在单位", Some(Unit));
    check_header("联系电话(手机)", Some(Phone));
    check_header("手机号码", Some(Phone));
    check_header("参赛项目", Some(Category));
    check_header("【作品类型】类别", Some(Category));
    check_header("内容简介", Some(Description));
    check_header("视频文件名", Some(FileName));
    check_header("附件", Some(FileName));
    // Containing a known header of three or more characters.
    check_header("参赛作品名称", Some(Title));
    check_header("作者联系电话", Some(Phone));
    check_header("作品简介（300字以内）及创作背景", Some(Description));
    // Not headers of ours.
    check_header("单位联系人", None);
    check_header("作者简介", None);
    check_header("报名日期", None);
    check_header("（必填）", None);
    check_header("", None);
}

#[test]
fn every_field_has_aliases_and_its_label_is_one_of_them() {
    for (field, aliases) in HEADER_ALIASES {
        assert!(
            aliases.contains(&field.label()),
            "{field:?}: label {} not among {aliases:?}",
            field.label()
        );
        for alias in *aliases {
            assert_eq!(exact_field(alias), Some(*field), "alias {alias}");
        }
    }
    assert_eq!(HEADER_ALIASES.len(), 8);
}

#[test]
fn column_letters_are_excel_letters() {
    for (index, letter) in [
        (0, "A"),
        (7, "H"),
        (25, "Z"),
        (26, "AA"),
        (27, "AB"),
        (701, "ZZ"),
        (702, "AAA"),
    ] {
        assert_eq!(column_letter(index), letter);
        assert_eq!(column_index(letter), Some(index));
        assert_eq!(column_index(&letter.to_lowercase()), Some(index));
    }
    assert_eq!(column_index("XFD"), Some(16_383));
    for not_a_column in ["", "XFE", "AAAA", "A1", "作者"] {
        assert_eq!(column_index(not_a_column), None, "{not_a_column:?}");
    }
}

#[test]
fn fields_are_named_by_id_label_or_header_and_ids_are_the_json_ones() {
    for field in Field::ALL {
        let json = serde_json::to_value(field).expect("serializes");
        assert_eq!(json, field.id(), "{field:?}");
        assert_eq!(Field::parse(field.id()), Some(field));
        assert_eq!(Field::parse(field.label()), Some(field));
    }
    assert_eq!(Field::parse(" 电话 "), Some(Field::Phone));
    assert_eq!(Field::parse("FILE-NAME"), Some(Field::FileName));
    assert_eq!(Field::parse("导演"), None);
}

#[test]
fn a_mapping_correction_moves_the_field_as_the_window_does() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text =
        "序号,作品名称,主创,作者信息,\n,,,姓名,联系电话（必填）\n1,春,孙八,李四,13800000000\n";
    let path = write(dir.path(), "纠正.csv", text.as_bytes());
    let sheet = read_ok(&path);
    assert_eq!(sheet.mapping.get(Field::Authors), Some(3));
    let corrected = |corrections: &[(&str, &str)]| {
        let mut mapping = sheet.mapping.clone();
        for (field, column) in corrections {
            sheet
                .correct_mapping(&mut mapping, field, column)
                .unwrap_or_else(|e| panic!("{field}={column}: {e}"));
        }
        mapping
    };
    // By letter, number, header text or the sub-header under its group.
    for column in ["C", "c", "3", "主创"] {
        assert_eq!(corrected(&[("作者", column)]).get(Field::Authors), Some(2));
    }
    assert_eq!(
        corrected(&[("phone", "联系电话")]).get(Field::Phone),
        Some(4)
    );
    assert_eq!(corrected(&[("作者", "姓名")]).get(Field::Authors), Some(3));
    // The field that had the column loses it; an empty column unassigns.
    let moved = corrected(&[("作者", "B")]);
    assert_eq!(moved.get(Field::Authors), Some(1));
    assert_eq!(moved.get(Field::Title), None);
    assert_eq!(corrected(&[("联系电话", "")]).get(Field::Phone), None);

    let mut mapping = sheet.mapping.clone();
    let unknown_field = sheet
        .correct_mapping(&mut mapping, "导演", "C")
        .expect_err("no such field");
    assert_eq!(unknown_field.code(), "sheet.unknown_field");
    assert!(
        unknown_field.to_string().contains("作者（authors）"),
        "{unknown_field}"
    );
    for column in ["Z", "0", "99", "备注"] {
        let e = sheet
            .correct_mapping(&mut mapping, "作者", column)
            .expect_err("no such column");
        assert_eq!(e.code(), "sheet.unknown_column", "{column}");
        assert!(e.to_string().contains("C 主创"), "{e}");
    }
    assert_eq!(
        mapping, sheet.mapping,
        "a failed correction changes nothing"
    );
}

// --- Reading real files ----------------------------------------------------------------

#[test]
fn xlsx_with_title_rows_blank_rows_numbers_and_notes_reads_the_works() {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("龙湖区报名表.xlsx");
    let mut workbook = Workbook::new();
    let ws = workbook.add_worksheet();
    ws.set_name("报名表").expect("sheet name");
    let plain = Format::new();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    ws.merge_range(0, 0, 0, 8, "2023年网聚职工正能量作品报名表", &plain)
        .expect("title row");
    // A line with "单位" and "联系电话" in it that is not the header.
    ws.write_string(1, 0, "填报单位：汕头市龙湖区总工会")
        .expect("cell");
    ws.write_string(1, 4, "联系电话：0754-88274135")
        .expect("cell");
    // Row 3 is blank.
    let headers = [
        "序号",
        "作品名称*",
        "作者\n（主创）",
        "所在单位",
        "手机号码（必填）",
        "参赛项目",
        "作品 简介",
        "视频文件名",
        "报名日期",
    ];
    for (col, text) in headers.iter().enumerate() {
        ws.write_string(3, col as u16, *text).expect("header");
    }
    ws.write_number(4, 0, 1.0).expect("cell");
    ws.write_string(4, 1, "光荣劳动者").expect("cell");
    ws.write_string(4, 2, "张三、李四").expect("cell");
    ws.write_string(4, 3, "汕头港务局").expect("cell");
    ws.write_number(4, 4, 13_800_138_000.0).expect("cell");
    ws.write_string(4, 5, "微视频").expect("cell");
    ws.write_string(4, 6, "  记录港口工人的一天\u{3000}")
        .expect("cell");
    ws.write_string(4, 7, "光荣劳动者.mp4").expect("cell");
    let may_day = ExcelDateTime::from_ymd(2023, 5, 1).expect("date");
    ws.write_datetime_with_format(4, 8, &may_day, &date)
        .expect("cell");
    // Row 6 is blank; row 7 is a second work.
    ws.write_number(6, 0, 2.0).expect("cell");
    ws.write_string(6, 1, "红色家书").expect("cell");
    ws.write_string(6, 2, "王五").expect("cell");
    ws.write_string(6, 4, "0754-88274135").expect("cell");
    ws.write_string(6, 5, "诵读").expect("cell");
    ws.write_number(6, 6, 2.5).expect("cell");
    // Row 8: the template's next number, never filled in.
    ws.write_number(7, 0, 3.0).expect("cell");
    // Notes below the table, over two rows.
    ws.merge_range(8, 0, 8, 8, "注：1.作品须为原创。", &plain)
        .expect("notes");
    ws.write_string(9, 0, "2.每人限报一件。").expect("cell");
    workbook.save(&path).expect("save xlsx");

    let sheet = read_ok(&path);
    assert_eq!(sheet.format, SheetFormat::Xlsx);
    assert_eq!(sheet.encoding, None);
    assert_eq!(sheet.sheet_name, "报名表");
    assert_eq!(sheet.header_row, 4);
    let mapped: Vec<(Field, u32)> = sheet.mapping.iter().collect();
    assert_eq!(
        mapped,
        vec![
            (Field::Serial, 0),
            (Field::Title, 1),
            (Field::Authors, 2),
            (Field::Unit, 3),
            (Field::Phone, 4),
            (Field::Category, 5),
            (Field::Description, 6),
            (Field::FileName, 7),
        ]
    );
    let unknown = sheet
        .columns
        .iter()
        .find(|c| c.index == 8)
        .expect("column I kept");
    assert_eq!(
        (
            unknown.header.as_str(),
            unknown.letter.as_str(),
            unknown.field
        ),
        ("报名日期", "I", None)
    );
    assert_eq!(sheet.columns.len(), 9);
    assert_eq!(numbers(&sheet), vec![5, 7]);
    assert_eq!(field_cells(&sheet, Field::Serial), vec!["1", "2"]);
    assert_eq!(
        field_cells(&sheet, Field::Phone),
        vec!["13800138000", "0754-88274135"]
    );
    assert_eq!(
        field_cells(&sheet, Field::Description),
        vec!["记录港口工人的一天", "2.5"]
    );
    assert_eq!(sheet.rows[0].cell(8), "2023-05-01");
    assert_eq!(sheet.rows[1].cell(8), "");
    let skipped: Vec<(u32, SkipReason)> = sheet.skipped.iter().map(|s| (s.row, s.reason)).collect();
    assert_eq!(
        skipped,
        vec![(9, SkipReason::Notes), (10, SkipReason::Notes)]
    );
    assert_eq!(sheet.skipped[0].text, "注：1.作品须为原创。");
}

#[test]
fn xlsx_reads_the_first_visible_worksheet_only() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("多表.xlsx");
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let hidden = workbook.add_worksheet();
    hidden.set_name("下拉选项").expect("name");
    hidden.write_string(0, 0, "作品名称").expect("cell");
    hidden.write_string(0, 1, "作者").expect("cell");
    hidden.write_string(1, 0, "不该读到").expect("cell");
    hidden.write_string(1, 1, "隐藏").expect("cell");
    hidden.set_hidden(true);
    let main = workbook.add_worksheet();
    main.set_name("报名表").expect("name");
    main.write_string(0, 0, "作品名称").expect("cell");
    main.write_string(0, 1, "作者").expect("cell");
    main.write_string(1, 0, "海之歌").expect("cell");
    main.write_string(1, 1, "陈一").expect("cell");
    main.set_active(true);
    let other = workbook.add_worksheet();
    other.write_string(0, 0, "作品名称").expect("cell");
    other.write_string(0, 1, "作者").expect("cell");
    other.write_string(1, 0, "第三张表").expect("cell");
    workbook.save(&path).expect("save");

    let sheet = read_ok(&path);
    assert_eq!(sheet.sheet_name, "报名表");
    assert_eq!(field_cells(&sheet, Field::Title), vec!["海之歌"]);
}

#[test]
fn gbk_csv_from_chinese_excel_is_decoded() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = "作品名称,作者姓名,联系电话,类别\r\n《海风》,陈一 林二,13912345678,诵读\r\n";
    let (bytes, _, unmappable) = GBK.encode(text);
    assert!(!unmappable);
    assert!(
        std::str::from_utf8(&bytes).is_err(),
        "the fixture must not be UTF-8"
    );
    let path = write(dir.path(), "报名表.csv", &bytes);

    let sheet = read_ok(&path);
    assert_eq!(sheet.format, SheetFormat::Csv);
    assert_eq!(sheet.encoding.as_deref(), Some("GBK"));
    assert_eq!(sheet.header_row, 1);
    assert_eq!(numbers(&sheet), vec![2]);
    assert_eq!(field_cells(&sheet, Field::Title), vec!["《海风》"]);
    assert_eq!(field_cells(&sheet, Field::Authors), vec!["陈一 林二"]);
    assert_eq!(field_cells(&sheet, Field::Category), vec!["诵读"]);
}

#[test]
fn utf8_bom_csv_keeps_excel_row_numbers_across_blank_lines_and_multiline_cells() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text =
        "\u{feff}序号,作品名称,作者,作品简介\n1,晨光,赵六,\"第一段\n第二段\"\n\n2,夜航,钱七,短\n";
    let path = write(dir.path(), "报名表.CSV", text.as_bytes());

    let sheet = read_ok(&path);
    assert_eq!(sheet.encoding.as_deref(), Some("UTF-8"));
    // The BOM does not hide the first header.
    assert_eq!(sheet.mapping.get(Field::Serial), Some(0));
    // Excel shows: 1 header, 2 晨光 (a two-line cell), 3 blank, 4 夜航.
    assert_eq!(numbers(&sheet), vec![2, 4]);
    assert_eq!(
        field_cells(&sheet, Field::Description),
        vec!["第一段\n第二段", "短"]
    );
}

#[test]
fn tab_separated_text_named_xls_is_read() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = "作品名称\t作者\t单位\n春\t孙八\t市一中\n";
    let path = write(dir.path(), "系统导出.xls", text.as_bytes());
    let sheet = read_ok(&path);
    assert_eq!(sheet.format, SheetFormat::Csv);
    assert_eq!(field_cells(&sheet, Field::Unit), vec!["市一中"]);
}

#[test]
fn a_two_level_header_takes_the_lower_cells() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = "2023年报名表,,,,\n序号,作品名称,作者信息,,\n,,姓名,单位,电话\n1,春,孙八,市一中,13800000000\n";
    let path = write(dir.path(), "两级表头.csv", text.as_bytes());
    let sheet = read_ok(&path);
    assert_eq!(sheet.header_row, 2);
    assert_eq!(sheet.mapping.get(Field::Title), Some(1));
    assert_eq!(sheet.mapping.get(Field::Authors), Some(2));
    assert_eq!(sheet.mapping.get(Field::Unit), Some(3));
    assert_eq!(sheet.mapping.get(Field::Phone), Some(4));
    assert_eq!(numbers(&sheet), vec![4]);
}

/// The form most offices use: a merged title, then 作者信息 merged over three sub-columns
/// while 序号, 作品名称, 类别 and 作品简介 are merged down over both header rows.
#[test]
fn xlsx_with_a_merged_two_row_author_header_maps_author_unit_and_phone() {
    use rust_xlsxwriter::{Format, Workbook};
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("金平区报名表.xlsx");
    let mut workbook = Workbook::new();
    let ws = workbook.add_worksheet();
    let plain = Format::new();
    ws.merge_range(0, 0, 0, 6, "2023年网聚职工正能量作品报名表", &plain)
        .expect("title row");
    for (col, text) in [(0, "序号"), (1, "作品名称"), (5, "类别"), (6, "作品简介")] {
        ws.merge_range(1, col, 2, col, text, &plain)
            .expect("header merged over two rows");
    }
    ws.merge_range(1, 2, 1, 4, "作者信息", &plain)
        .expect("group header");
    ws.write_string(2, 2, "姓名").expect("cell");
    ws.write_string(2, 3, "工作单位及职务").expect("cell");
    ws.write_string(2, 4, "联系电话").expect("cell");
    // (作品名称, 作者, 工作单位及职务, 联系电话, 类别); Excel keeps a mobile number as a number.
    let works = [
        (
            "光荣劳动者",
            "张三、李四",
            "汕头港务局 工会主席",
            "13800138000",
            "微视频",
        ),
        (
            "红色家书",
            "王五",
            "金平区实验小学 教师",
            "0754-88274135",
            "诵读",
        ),
        (
            "港口的早晨",
            "赵六",
            "汕头海关 科员",
            "13912345678",
            "微视频",
        ),
    ];
    for (i, (title, authors, unit, phone, category)) in works.iter().enumerate() {
        let r = 3 + i as u32;
        ws.write_number(r, 0, (i + 1) as f64).expect("cell");
        ws.write_string(r, 1, *title).expect("cell");
        ws.write_string(r, 2, *authors).expect("cell");
        ws.write_string(r, 3, *unit).expect("cell");
        match phone.parse::<f64>() {
            Ok(number) => ws.write_number(r, 4, number).expect("cell"),
            Err(_) => ws.write_string(r, 4, *phone).expect("cell"),
        };
        ws.write_string(r, 5, *category).expect("cell");
        ws.write_string(r, 6, "记录身边的劳动者").expect("cell");
    }
    workbook.save(&path).expect("save xlsx");

    let sheet = read_ok(&path);
    assert_eq!(sheet.header_row, 2);
    let mapped: Vec<(Field, u32)> = sheet.mapping.iter().collect();
    assert_eq!(
        mapped,
        vec![
            (Field::Serial, 0),
            (Field::Title, 1),
            (Field::Authors, 2),
            (Field::Unit, 3),
            (Field::Phone, 4),
            (Field::Category, 5),
            (Field::Description, 6),
        ]
    );
    let headers: Vec<&str> = sheet.columns.iter().map(|c| c.header.as_str()).collect();
    assert_eq!(
        headers,
        vec![
            "序号",
            "作品名称",
            "作者信息/姓名",
            "作者信息/工作单位及职务",
            "作者信息/联系电话",
            "类别",
            "作品简介",
        ]
    );
    assert_eq!(numbers(&sheet), vec![4, 5, 6]);
    assert!(
        sheet.skipped.is_empty(),
        "nothing skipped: {:?}",
        sheet.skipped
    );

    let plans = plan(&sheet.rows, &sheet.mapping, &campaign(), None);
    assert_eq!(plans.len(), 3);
    for (p, (title, authors, unit, phone, _)) in plans.iter().zip(&works) {
        assert!(!p.is_blocked(), "row {} blocked: {:?}", p.row, p.problems);
        assert!(p.problems.is_empty(), "row {}: {:?}", p.row, p.problems);
        assert_eq!(p.input.title, *title);
        assert_eq!(p.input.authors.join("、"), *authors);
        assert_eq!(p.input.unit, *unit);
        assert_eq!(p.input.phone, *phone);
        assert!(!p.input.category.is_empty());
    }
}

#[test]
fn a_sub_header_under_a_contact_persons_group_is_not_taken_for_the_author() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = "序号,作品名称,作者,联系人信息,\n,,,姓名,联系电话\n1,春,孙八,李老师,13800000000\n";
    let path = write(dir.path(), "联系人.csv", text.as_bytes());
    let sheet = read_ok(&path);
    assert_eq!(sheet.mapping.get(Field::Authors), Some(2));
    assert_eq!(sheet.mapping.get(Field::Phone), None);
    assert_eq!(sheet.columns[3].header, "联系人信息/姓名");
    assert_eq!(sheet.columns[3].field, None);
    assert_eq!(numbers(&sheet), vec![3]);
}

#[test]
fn a_header_repeated_right_below_is_not_a_second_header_row() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = "序号,作品名称,作者\n序号,作品名称,作者\n1,春,孙八\n";
    let path = write(dir.path(), "重复表头.csv", text.as_bytes());
    let sheet = read_ok(&path);
    assert_eq!(sheet.columns[1].header, "作品名称");
    assert_eq!(numbers(&sheet), vec![3]);
    assert_eq!(sheet.skipped.len(), 1);
    assert_eq!(sheet.skipped[0].reason, SkipReason::RepeatedHeader);
}

#[test]
fn example_repeated_header_and_notes_rows_are_skipped_but_later_works_are_kept() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = "序号,作品名称,作者\n\
                示例,《xx》,张三\n\
                1,甲,乙\n\
                序号,作品名称,作者\n\
                2,注视,丁\n\
                注：见通知\n\
                另：请附授权书\n\
                3,戊,己\n\
                合计：3件,,\n";
    let path = write(dir.path(), "报名表.csv", text.as_bytes());
    let sheet = read_ok(&path);
    assert_eq!(field_cells(&sheet, Field::Title), vec!["甲", "注视", "戊"]);
    assert_eq!(numbers(&sheet), vec![3, 5, 8]);
    let skipped: Vec<(u32, SkipReason)> = sheet.skipped.iter().map(|s| (s.row, s.reason)).collect();
    assert_eq!(
        skipped,
        vec![
            (2, SkipReason::Example),
            (4, SkipReason::RepeatedHeader),
            (6, SkipReason::Notes),
            (7, SkipReason::Notes),
            (9, SkipReason::Notes),
        ]
    );
}

#[test]
fn broken_and_foreign_files_give_coded_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    // A real xlsx cut in half, as an interrupted download leaves it.
    let whole = dir.path().join("whole.xlsx");
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let ws = workbook.add_worksheet();
    ws.write_string(0, 0, "作品名称").expect("cell");
    ws.write_string(0, 1, "作者").expect("cell");
    workbook.save(&whole).expect("save");
    let bytes = std::fs::read(&whole).expect("read back");
    let half = bytes.get(..bytes.len() / 2).expect("half");

    let mut encrypted = CFB_MAGIC.to_vec();
    encrypted.extend(noise(1000, 7));
    encrypted.extend(ENCRYPTED_PACKAGE);
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("随机.xlsx", noise(4096, 1), "sheet.corrupt"),
        ("随机.xls", noise(4096, 2), "sheet.corrupt"),
        (
            "zip头.xlsx",
            [ZIP_MAGIC, &noise(4096, 3)].concat(),
            "sheet.corrupt",
        ),
        (
            "ole头.xls",
            [CFB_MAGIC, &noise(4096, 4)].concat(),
            "sheet.corrupt",
        ),
        ("半截.xlsx", half.to_vec(), "sheet.corrupt"),
        ("半截.xls", half.to_vec(), "sheet.corrupt"),
        ("加密.xlsx", encrypted, "sheet.encrypted"),
        (
            "网页.xls",
            "<html><body><table><tr><td>作品名称</td></tr></table></body></html>".into(),
            "sheet.html",
        ),
        ("空.csv", b"".to_vec(), "sheet.empty"),
        ("空行.csv", b",,,\n\n , ,\n".to_vec(), "sheet.empty"),
        (
            "无表头.csv",
            "姓名,年龄\n张三,30\n".into(),
            "sheet.no_header",
        ),
        ("随机.csv", noise(4096, 5), "sheet.no_header"),
    ];
    for (name, bytes, code) in cases {
        let path = write(dir.path(), name, &bytes);
        let error = read_err(&path);
        assert_eq!(error.code(), code, "{name}: {error}");
        assert!(
            error.to_string().contains(name),
            "{name}: message names the file: {error}"
        );
    }

    let missing = read_err(&dir.path().join("不存在.xlsx"));
    assert_eq!(missing.code(), "sheet.read");
    assert!(missing.to_string().contains("文件不存在"), "{missing}");
    assert_eq!(read_err(dir.path()).code(), "sheet.read");
}

#[test]
fn no_header_message_tells_the_clerk_what_to_look_for() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write(dir.path(), "名单.csv", "姓名,年龄\n张三,30\n".as_bytes());
    let message = read_err(&path).to_string();
    assert!(
        message.starts_with("未找到表头行：请确认表中有“作品名称”“作者”等列"),
        "{message}"
    );
}

#[test]
fn an_empty_workbook_is_empty_not_corrupt() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("空表.xlsx");
    let mut workbook = rust_xlsxwriter::Workbook::new();
    workbook.add_worksheet();
    workbook.save(&path).expect("save");
    assert_eq!(read_err(&path).code(), "sheet.empty");
}

#[test]
fn numbers_read_as_clerks_typed_them() {
    for (f, text) in [
        (1.0, "1"),
        (13_800_138_000.0, "13800138000"),
        (-0.0, "0"),
        (2.5, "2.5"),
        (1e20, "100000000000000000000"),
    ] {
        assert_eq!(number_text(f), text, "{f}");
    }
}

/// A real .xls from a real writer: perl's Spreadsheet::WriteExcel, which the README's test
/// command installs (Debian: libspreadsheet-writeexcel-perl).
#[test]
fn xls_written_by_spreadsheet_writeexcel_is_read() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("旧报名表.xls");
    let script = r#"
        use utf8;
        use Spreadsheet::WriteExcel;
        my $wb = Spreadsheet::WriteExcel->new($ARGV[0]) or die "cannot create";
        my $ws = $wb->add_worksheet('报名表');
        $ws->merge_range(0, 0, 0, 4, '2023年网聚职工正能量作品报名表', $wb->add_format());
        $ws->write_row(2, 0, ['序号', '作品名称', '作者', '联系电话', '类别']);
        $ws->write_row(3, 0, [1, '光荣劳动者', '张三、李四', 13800138000, '微视频']);
        $wb->close() or die "cannot close";
    "#;
    let status = std::process::Command::new("perl")
        .arg("-e")
        .arg(script)
        .arg(&path)
        .status()
        .expect("run perl");
    assert!(status.success(), "perl failed: {status}");

    let sheet = read_ok(&path);
    assert_eq!(sheet.format, SheetFormat::Xls);
    assert_eq!(sheet.sheet_name, "报名表");
    assert_eq!(sheet.header_row, 3);
    assert_eq!(numbers(&sheet), vec![4]);
    assert_eq!(field_cells(&sheet, Field::Serial), vec!["1"]);
    assert_eq!(field_cells(&sheet, Field::Title), vec!["光荣劳动者"]);
    assert_eq!(field_cells(&sheet, Field::Phone), vec!["13800138000"]);
}

// --- Planning --------------------------------------------------------------------------

#[test]
fn categories_are_found_by_id_name_short_name_or_part() {
    let campaign = campaign();
    for (text, expected) in [
        ("micro-video", Some("micro-video")),
        ("Micro-Video", Some("micro-video")),
        ("微视频", Some("micro-video")),
        (" 微 视 频 ", Some("micro-video")),
        ("劳模微视频", Some("micro-video")),
        ("视频", Some("micro-video")),
        ("诵读", Some("recitation")),
        ("诵读类", Some("recitation")),
        ("网络正能量诵读作品", Some("recitation")),
        ("诵读微视频", None),
        ("书法", None),
        ("", None),
    ] {
        assert_eq!(
            resolve_category(&campaign, text).map(|c| c.id.as_str()),
            expected,
            "{text:?}"
        );
    }
}

fn row(number: u32, cells: &[&str]) -> Row {
    Row {
        number,
        cells: cells.iter().map(|c| (*c).to_owned()).collect(),
    }
}

fn kinds(plan: &RowPlan) -> Vec<ProblemKind> {
    plan.problems.iter().map(|p| p.kind).collect()
}

#[test]
fn plan_reports_every_kind_of_problem_in_chinese() {
    let dir = tempfile::tempdir().expect("tempdir");
    let works = dir.path();
    for name in [
        "光荣劳动者.MP4",
        "诵读/红色家书.mp3",
        "海风.wav",
        "共用.mp4",
        "dup.mp4",
        "~$报名表.xlsx",
        ".DS_Store",
    ] {
        write(works, name, b"x");
    }
    let mut mapping = Mapping::default();
    for (field, column) in [
        (Field::Serial, 0),
        (Field::Title, 1),
        (Field::Authors, 2),
        (Field::Unit, 3),
        (Field::Phone, 4),
        (Field::Category, 5),
        (Field::FileName, 6),
    ] {
        mapping.set(field, Some(column));
    }
    use ProblemKind::*;
    let rows = [
        row(
            5,
            &[
                "1",
                "光荣劳动者",
                "张三、李四",
                "港务局",
                "13800138000",
                "微视频",
                "光荣劳动者",
            ],
        ),
        row(
            6,
            &[
                "2",
                "红色家书",
                "王五",
                "",
                "75488274135",
                "网络正能量诵读作品",
            ],
        ),
        row(7, &["3", "", "赵六"]),
        row(8, &["4", "无名", "", "", "", "书法"]),
        row(
            9,
            &[
                "5",
                "海风",
                "陈一",
                "",
                "12345",
                "诵读",
                "D:\\作品\\海风.mp4",
            ],
        ),
        row(10, &["6", "缺文件", "林二", "", "", "诵读", "不存在.mp4"]),
        row(11, &["7", "甲", "孙八", "", "", "诵读", "共用.mp4"]),
        row(12, &["8", "乙", "周九", "", "", "诵读", "共用"]),
        row(
            13,
            &[
                "9",
                "《光荣劳动者》",
                "李四，张三",
                "",
                "",
                "微视频",
                "dup.mp4",
            ],
        ),
        row(
            14,
            &["10", "双文件", "吴十", "", "", "诵读", "海风.wav、丢失.jpg"],
        ),
    ];
    let plans = plan(&rows, &mapping, &campaign(), Some(works));
    assert_eq!(plans.len(), rows.len());
    let expected: Vec<(u32, Vec<ProblemKind>)> = vec![
        (5, vec![]),
        (6, vec![]),
        (7, vec![MissingTitle, MissingCategory]),
        (8, vec![MissingAuthors, UnknownCategory, FileNotFound]),
        (9, vec![BadPhone, SharedFile]),
        (10, vec![FileNotFound]),
        (11, vec![SharedFile]),
        (12, vec![SharedFile]),
        (13, vec![Duplicate]),
        (14, vec![FileNotFound, SharedFile]),
    ];
    let got: Vec<(u32, Vec<ProblemKind>)> = plans.iter().map(|p| (p.row, kinds(p))).collect();
    assert_eq!(got, expected);

    let by_row = |n: u32| plans.iter().find(|p| p.row == n).expect("row planned");
    let message = |n: u32, kind: ProblemKind| {
        by_row(n)
            .problems
            .iter()
            .find(|p| p.kind == kind)
            .map(|p| p.message.clone())
            .expect("problem present")
    };

    // A clean row: everything parsed, the file found without extension and in any case.
    let first = by_row(5);
    assert_eq!(first.serial, "1");
    assert_eq!(first.input.title, "光荣劳动者");
    assert_eq!(first.input.authors, vec!["张三", "李四"]);
    assert_eq!(first.input.unit, "港务局");
    assert_eq!(first.input.phone, "13800138000");
    assert_eq!(first.input.category, "micro-video");
    assert_eq!(first.files, vec![works.join("光荣劳动者.MP4")]);
    assert!(!first.is_blocked());

    // By title, in a sub-folder; a landline that lost its 0 in a number cell gets it back.
    let second = by_row(6);
    assert_eq!(second.files, vec![works.join("诵读").join("红色家书.mp3")]);
    assert_eq!(second.input.phone, "075488274135");
    assert_eq!(second.input.category, "recitation");

    assert_eq!(message(7, MissingTitle), "缺少作品名称");
    assert_eq!(
        message(7, MissingCategory),
        "未填写类别（可选：诵读、微视频）"
    );
    assert_eq!(message(8, MissingAuthors), "缺少作者");
    assert_eq!(
        message(8, UnknownCategory),
        "未知类别“书法”（可选：诵读、微视频）"
    );
    assert_eq!(
        message(8, FileNotFound),
        "找不到文件“无名”（按作品名称查找）"
    );
    assert!(by_row(7).is_blocked() && by_row(8).is_blocked());

    // A bad phone warns, is left out of the input and kept in its notes; a path from the
    // sender's PC and another extension still find the file.
    let bad_phone = by_row(9);
    assert!(message(9, BadPhone).starts_with("联系电话“12345”格式不正确"));
    assert_eq!(bad_phone.input.phone, "");
    assert!(bad_phone.input.notes.contains("12345"));
    assert_eq!(bad_phone.files, vec![works.join("海风.wav")]);
    assert!(!bad_phone.is_blocked());

    assert_eq!(message(10, FileNotFound), "找不到文件“不存在.mp4”");
    assert!(!by_row(10).is_blocked());
    assert_eq!(
        message(11, SharedFile),
        "文件“共用.mp4”被多行使用（第11、12行）"
    );
    assert_eq!(message(12, SharedFile), message(11, SharedFile));
    assert_eq!(message(13, Duplicate), "与第5行重复（作品名称和作者相同）");
    assert!(by_row(13).is_blocked());
    assert_eq!(message(14, FileNotFound), "找不到文件“丢失.jpg”");
    assert_eq!(by_row(14).files, vec![works.join("海风.wav")]);

    for plan in &plans {
        for problem in &plan.problems {
            assert_eq!(problem.severity, problem.kind.severity());
        }
    }
}

#[test]
fn without_a_folder_no_files_are_looked_for() {
    let mut mapping = Mapping::default();
    mapping.set(Field::Title, Some(0));
    mapping.set(Field::Authors, Some(1));
    mapping.set(Field::FileName, Some(2));
    let plans = plan(
        &[row(2, &["春", "孙八", "春.mp4"])],
        &mapping,
        &campaign(),
        None,
    );
    assert_eq!(kinds(&plans[0]), vec![ProblemKind::MissingCategory]);
    assert!(plans[0].files.is_empty());
}

#[test]
fn the_callers_mapping_overrides_the_detected_one() {
    let dir = tempfile::tempdir().expect("tempdir");
    // "节目" is no header we know; the clerk says it holds the title.
    let text = "节目,作者,类别\n春,孙八,诵读\n";
    let path = write(dir.path(), "报名表.csv", text.as_bytes());
    let sheet = read_ok(&path);
    assert_eq!(sheet.mapping.get(Field::Title), None);
    let column = sheet
        .columns
        .iter()
        .find(|c| c.header == "节目")
        .expect("kept");
    assert_eq!(column.field, None);

    let detected = plan(&sheet.rows, &sheet.mapping, &campaign(), None);
    assert_eq!(kinds(&detected[0]), vec![ProblemKind::MissingTitle]);

    let mut mapping = sheet.mapping.clone();
    mapping.set(Field::Title, Some(column.index));
    let fixed = plan(&sheet.rows, &mapping, &campaign(), None);
    assert_eq!(kinds(&fixed[0]), Vec::<ProblemKind>::new());
    assert_eq!(fixed[0].input.title, "春");
    assert_eq!(fixed[0].row, 2);

    let json = serde_json::to_string(&mapping).expect("serialize");
    assert_eq!(json, r#"{"title":0,"authors":1,"category":2}"#);
}
