//! 导出全市汇总 through the real CLI: district libraries made here export real packages (media
//! made by ffmpeg), a receiving library takes them in — one copy with a byte changed — and
//! exports the 全市汇总表 and the city-wide contact sheets; the workbook is read back with
//! calamine, the PDFs with poppler-utils.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use baosong::city::rows::{RECEIVED_COLUMNS, STATUS_COLUMNS};
use calamine::{Data, Reader, Xlsx, open_workbook};
use support::district::{a_work_file, city_library, copy_dir, district_package, tone};
use support::{Run, video};

fn export(r: &Run, lib: &Path, out: &Path) -> support::Result {
    r.at(
        lib,
        &[
            "city",
            "export",
            "--out",
            out.to_str().unwrap_or_default(),
            "--now",
            "2023-06-20T10:00:00+08:00",
            "--json",
        ],
    )
}

/// A poppler tool's output (poppler-utils is installed by the test command).
fn poppler(tool: &str, args: &[&str], pdf: &Path) -> String {
    let mut cmd = Command::new(tool);
    cmd.args(args).arg(pdf);
    if tool == "pdftotext" {
        cmd.arg("-");
    }
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("{tool} (poppler-utils): {e}"));
    assert!(
        out.status.success(),
        "{tool} {}: {}",
        pdf.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn cell(row: &[Data], i: usize) -> String {
    row.get(i).map(|c| c.to_string()).unwrap_or_default()
}

/// A sheet's rows as text, from the header row on (row 0 is the title).
fn sheet(wb: &mut Xlsx<std::io::BufReader<std::fs::File>>, name: &str) -> Vec<Vec<String>> {
    let range = wb
        .worksheet_range(name)
        .unwrap_or_else(|e| panic!("sheet {name}: {e}"));
    range
        .rows()
        .skip(1)
        .map(|r| (0..r.len()).map(|i| cell(r, i)).collect())
        .collect()
}

fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// The whole picture: two districts and a municipal-direct union send, one copy arrives with a
/// byte changed; the export's workbook, summary PDF and contact sheets say so, unit by unit.
#[test]
fn the_city_exports_its_summary_workbook_pdf_and_contact_sheets_per_category() {
    let r = Run::new();
    let dir = r.dir.path();
    let hd = video(dir, "hd.mp4", "1920x1080");
    let voice = tone(dir, "voice.mp3", 440, 1);
    let jinping = district_package(
        &r,
        "金平区总工会",
        "district",
        &[
            ("micro-video", "海湾新貌", &hd),
            ("recitation", "读经典", &voice),
        ],
    );
    let song = tone(dir, "song.mp3", 660, 1);
    let nanao = district_package(
        &r,
        "南澳县总工会",
        "county-or-zone",
        &[("recitation", "海岛之歌", &song)],
    );
    // 南澳's package arrives with a byte changed in its work.
    let damaged = dir.join("南澳-损坏");
    copy_dir(&nanao, &damaged);
    let victim = a_work_file(&damaged);
    let mut bytes = std::fs::read(&victim).expect("work");
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x55;
    std::fs::write(&victim, &bytes).expect("damage");
    let tune = tone(dir, "tune.mp3", 550, 1);
    let direct = district_package(
        &r,
        "汕头市某公司工会",
        "municipal-direct",
        &[("recitation", "工厂晨曲", &tune)],
    );

    let lib = city_library(&r, "市级收件", &[]);
    r.at(
        &lib,
        &[
            "receive",
            "--json",
            "--folder",
            jinping.to_str().unwrap_or_default(),
            damaged.to_str().unwrap_or_default(),
            direct.to_str().unwrap_or_default(),
        ],
    )
    .ok();

    let out = dir.join("U盘").join("全市汇总");
    let report = export(&r, &lib, &out).ok().json();
    let written: Vec<&str> = report["files"]
        .as_array()
        .expect("files")
        .iter()
        .filter_map(|f| f["name"].as_str())
        .collect();
    assert_eq!(
        written,
        [
            "全市汇总表.xlsx",
            "全市汇总表.pdf",
            "全市作品小样-01-诵读.pdf",
            "全市作品小样-02-微视频.pdf"
        ],
        "{report}"
    );
    // Exactly those files, no temporary left beside them.
    let mut expected: Vec<String> = written.iter().map(|s| s.to_string()).collect();
    expected.sort();
    assert_eq!(names_in(&out), expected);
    for f in report["files"].as_array().expect("files") {
        let path = PathBuf::from(f["path"].as_str().expect("path"));
        assert_eq!(
            std::fs::metadata(&path).expect("written").len(),
            f["bytes"].as_u64().expect("bytes"),
            "{f}"
        );
    }

    // The workbook read back: a 总览 and a sheet per category, under the documented headers.
    let mut wb: Xlsx<_> = open_workbook(out.join("全市汇总表.xlsx")).expect("xlsx");
    assert_eq!(wb.sheet_names(), ["总览", "01-诵读", "02-微视频"]);
    let overview = sheet(&mut wb, "总览");
    let headers: Vec<&str> = STATUS_COLUMNS.iter().map(|c| c.header).collect();
    assert_eq!(
        headers,
        [
            "单位",
            "单位类型",
            "批次数",
            "类别",
            "收到",
            "合格",
            "至少",
            "最多",
            "状态",
            "说明"
        ]
    );
    assert_eq!(overview[0], headers);
    // Every unit of the campaign (ten) and the union that sent, × two categories.
    assert_eq!(overview.len() - 1, 11 * 2, "{overview:?}");
    let row = |office: &str, category: &str| {
        overview
            .iter()
            .find(|r| r[0] == office && r[3] == category)
            .unwrap_or_else(|| panic!("{office} {category} missing: {overview:?}"))
            .clone()
    };
    assert_eq!(
        row("金平区总工会", "网络正能量诵读作品")[2..],
        [
            "1",
            "网络正能量诵读作品",
            "1",
            "1",
            "10",
            "",
            "不足",
            "还差9件"
        ]
    );
    let nanao_row = row("南澳县总工会", "网络正能量诵读作品");
    assert_eq!(
        (
            nanao_row[4].as_str(),
            nanao_row[5].as_str(),
            nanao_row[8].as_str()
        ),
        ("1", "0", "有问题"),
        "{nanao_row:?}"
    );
    let longhu = row("龙湖区总工会", "各级劳模、先进人物微视频");
    assert_eq!(
        (longhu[2].as_str(), longhu[4].as_str(), longhu[8].as_str()),
        ("0", "0", "未报送")
    );
    let stranger = row("汕头市某公司工会", "网络正能量诵读作品");
    assert!(stranger[1].contains("通知未列出"), "{stranger:?}");
    assert_eq!(stranger[8], "已达标", "{stranger:?}");
    assert_eq!(
        overview.last().map(|r| r[0].as_str()),
        Some("汕头市某公司工会"),
        "a unit the campaign does not list comes after those it does"
    );

    let headers: Vec<&str> = RECEIVED_COLUMNS.iter().map(|c| c.header).collect();
    assert_eq!(
        headers,
        [
            "报送单位",
            "批次",
            "序号",
            "作品名称",
            "作者",
            "推荐单位",
            "市级检查",
            "计入达标",
            "特批理由",
            "问题",
            "文件",
            "SHA-256"
        ]
    );
    let recitation = sheet(&mut wb, "01-诵读");
    assert_eq!(recitation[0], headers);
    let units: Vec<&str> = recitation[1..].iter().map(|r| r[0].as_str()).collect();
    assert_eq!(
        units,
        ["金平区总工会", "南澳县总工会", "汕头市某公司工会"],
        "grouped by unit in the campaign's order"
    );
    assert_eq!(
        recitation[1][..8],
        [
            "金平区总工会",
            "第1批",
            "1",
            "读经典",
            "陈晓",
            "",
            "合格",
            "是"
        ]
    );
    let broken = &recitation[2];
    assert_eq!((broken[6].as_str(), broken[7].as_str()), ("校验不符", "否"));
    assert!(broken[9].contains("校验值不符"), "{broken:?}");
    assert!(broken[10].contains("✗"), "{broken:?}");
    let videos = sheet(&mut wb, "02-微视频");
    assert_eq!(videos.len(), 2, "{videos:?}");
    assert_eq!(
        videos[1][..8],
        [
            "金平区总工会",
            "第1批",
            "1",
            "海湾新貌",
            "陈晓",
            "",
            "合格",
            "是"
        ]
    );
    let sha = &videos[1][11];
    assert!(
        sha.len() == 64 && sha.chars().all(|c| c.is_ascii_hexdigit()),
        "{sha}"
    );
    assert_eq!(
        std::fs::read(&hd)
            .map(|b| baosong::digest::sha256_hex(&b))
            .ok(),
        Some(sha.clone()),
        "the district's stated hash of the video"
    );

    // The PDF: A4 landscape, the same rows under the printed columns, every unit named.
    let pdf = out.join("全市汇总表.pdf");
    let info = poppler("pdfinfo", &[], &pdf);
    assert!(info.contains("841.89 x 595.276"), "A4 landscape: {info}");
    let text = poppler("pdftotext", &[], &pdf);
    let squeezed: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    for needle in [
        "全市汇总表",
        "汕头市工人文化宫",
        "金平区总工会",
        "龙湖区总工会",
        "华侨试验区工联合会",
        "南澳县总工会",
        "汕头市某公司工会",
        "海湾新貌",
        "海岛之歌",
        "校验不符",
        "未报送",
        "经办人",
        "盖章",
    ] {
        assert!(
            squeezed.contains(needle),
            "{needle} not in the PDF:\n{text}"
        );
    }
    // The workbook's printed columns, and not the hashes.
    for c in STATUS_COLUMNS.iter().chain(RECEIVED_COLUMNS) {
        if c.printed {
            assert!(squeezed.contains(c.header), "{}:\n{text}", c.header);
        }
    }
    assert!(
        !text.contains("SHA-256") && !text.contains(sha.as_str()),
        "{text}"
    );

    // The contact sheets: each unit's works on their own pages, the city's verdict on each.
    let sheet_pdf = out.join("全市作品小样-01-诵读.pdf");
    let text = poppler("pdftotext", &[], &sheet_pdf);
    for needle in [
        "报送单位：金平区总工会",
        "报送单位：南澳县总工会",
        "报送单位：汕头市某公司工会",
        "读经典",
        "海岛之歌",
        "校验不符",
        "合格",
        "音频",
    ] {
        assert!(text.contains(needle), "{needle} not in the sheet:\n{text}");
    }
    assert!(
        poppler("pdfinfo", &[], &sheet_pdf).contains("Pages:           3"),
        "a page per unit"
    );
    let videos_pdf = out.join("全市作品小样-02-微视频.pdf");
    let text = poppler("pdftotext", &[], &videos_pdf);
    assert!(
        text.contains("海湾新貌") && text.contains("报送单位：金平区总工会"),
        "{text}"
    );
    assert!(text.contains("1秒 · 1920×1080"), "{text}");
    let images = poppler("pdfimages", &["-list"], &videos_pdf);
    assert_eq!(
        images.lines().filter(|l| l.contains(" jpeg ")).count(),
        1,
        "the video's keyframe from the city's store: {images}"
    );

    // Again, the same folder: the files are replaced, nothing else appears.
    export(&r, &lib, &out).ok();
    assert_eq!(names_in(&out), expected);
}

#[test]
fn an_export_without_batches_or_into_a_place_it_cannot_write_is_refused_and_writes_nothing() {
    let r = Run::new();
    let dir = r.dir.path();

    // No batch received yet.
    let empty = city_library(&r, "空的收件库", &[]);
    let out = dir.join("全市汇总");
    let failed = export(&r, &empty, &out);
    assert_eq!(failed.code, 2, "{}", failed.explain());
    let error: serde_json::Value = serde_json::from_str(failed.stderr.trim())
        .unwrap_or_else(|e| panic!("{e}: {}", failed.explain()));
    assert_eq!(error["error"]["code"], "city.nothing_received", "{error}");
    assert!(
        error["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("还没有收到任何报送批次")),
        "{error}"
    );
    assert!(!out.exists(), "no folder made");

    let voice = tone(dir, "voice.mp3", 440, 1);
    let package = district_package(
        &r,
        "金平区总工会",
        "district",
        &[("recitation", "读经典", &voice)],
    );
    let lib = city_library(&r, "市级收件", &[]);
    r.at(
        &lib,
        &["receive", "--folder", package.to_str().unwrap_or_default()],
    )
    .ok();

    // A file where the folder should be, and a folder under a file (unwritable even as root).
    let file = r.file("一个文件.txt", b"not a folder");
    let failed = export(&r, &lib, &file);
    assert_eq!(failed.code, 2, "{}", failed.explain());
    assert!(
        failed.stderr.contains("city.export_folder"),
        "{}",
        failed.explain()
    );
    assert!(failed.stderr.contains("不是文件夹"), "{}", failed.explain());
    assert_eq!(std::fs::read(&file).ok(), Some(b"not a folder".to_vec()));
    let under = file.join("汇总");
    let failed = export(&r, &lib, &under);
    assert_eq!(failed.code, 1, "{}", failed.explain());
    assert!(failed.stderr.contains("file.write"), "{}", failed.explain());
    assert!(failed.stderr.contains("无法写入"), "{}", failed.explain());

    // A district's library does not export the city's summary.
    let district_lib = dir.join("金平区总工会-资料库");
    let failed = export(&r, &district_lib, &out);
    assert!(
        failed.stderr.contains("city.not_receiving"),
        "{}",
        failed.explain()
    );
    assert!(!out.exists(), "no folder made");

    // Cancelled (取消 in the window) before the documents are made: nothing written either.
    let mut session =
        baosong::api::Session::new(Some(dir.join("config")), baosong::library::Actor::Cli);
    session.open(&lib).expect("open the receiving library");
    let jobs = baosong::jobs::Jobs::new();
    let job = session.start_job(&jobs).expect("a job");
    job.cancel.cancel();
    let now = chrono::DateTime::parse_from_rfc3339("2023-06-20T10:00:00+08:00")
        .expect("time")
        .with_timezone(&chrono::Utc);
    let cancelled =
        baosong::api::export_city(&job, &out, now, &mut |_| {}).expect_err("a cancelled export");
    assert_eq!(cancelled.code, "cancelled", "{cancelled:?}");
    assert!(!out.exists(), "no folder left behind");
    drop(session);

    // The good export still works afterwards.
    export(&r, &lib, &out).ok();
    assert_eq!(names_in(&out).len(), 3, "{:?}", names_in(&out));
}
