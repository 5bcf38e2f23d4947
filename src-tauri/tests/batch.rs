//! Batches (报送批次) through the real `baosong-cli`: made from the ready works as a snapshot,
//! numbered, 补报, deleted only while unsent, and exported to a folder that the recipient can
//! open (the 汇总表 read back with calamine), verify (`sha256sum -c`) and read by program
//! (`manifest.json` against its published JSON Schema).

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use calamine::{Data, Reader, Xlsx, open_workbook};
use support::{Run, ffmpeg, video};

fn audio(dir: &Path, name: &str) -> PathBuf {
    ffmpeg(
        dir,
        name,
        &["-f", "lavfi", "-i", "sine=frequency=440:duration=1"],
    )
}

/// Adds an entry and returns its id.
fn add(r: &Run, file: &Path, category: &str, title: &str, extra: &[&str]) -> i64 {
    let mut args = vec![
        "entry",
        "add",
        file.to_str().unwrap_or_default(),
        "--category",
        category,
        "--title",
        title,
        "--json",
    ];
    args.extend_from_slice(extra);
    r.cli(&args).ok().json()["id"].as_i64().expect("id")
}

fn recommend(r: &Run, id: i64, extra: &[&str]) {
    let id = id.to_string();
    let mut args = vec![
        "entry",
        "update",
        &id,
        "--status",
        "approved",
        "--recommend",
        "true",
    ];
    args.extend_from_slice(extra);
    r.cli(&args).ok();
}

/// A library with: a passing 1080p video, a 720p video recommended with a reason (已特批),
/// a recitation (MP3), and a recommended video without the originality declaration (blocked).
fn catalog(r: &Run) -> [i64; 4] {
    r.init();
    let dir = r.dir.path();
    let hd = video(dir, "hd.mp4", "1920x1080");
    let low = video(dir, "low.mp4", "1280x720");
    let voice = audio(dir, "voice.mp3");
    let other = video(dir, "other.mp4", "1920x1080");
    let declared = ["--declare", "original", "--unit", "南澳县后宅镇"];
    let a = add(
        r,
        &hd,
        "micro-video",
        "海岛守护者：CON/灯塔",
        &[&["--author", "王五", "--author", "玥堃"][..], &declared[..]].concat(),
    );
    let b = add(
        r,
        &low,
        "micro-video",
        "老灯塔",
        &[&["--author", "赵六"][..], &declared[..]].concat(),
    );
    let c = add(
        r,
        &voice,
        "recitation",
        "我的祖国",
        &[&["--author", "钱七"][..], &declared[..]].concat(),
    );
    let d = add(
        r,
        &other,
        "micro-video",
        "未声明原创",
        &["--author", "孙八"],
    );
    recommend(r, a, &["--order", "1"]);
    recommend(r, b, &["--override-reason", "老劳模生前唯一影像"]);
    recommend(r, c, &[]);
    recommend(r, d, &[]);
    [a, b, c, d]
}

fn cell(row: &[Data], i: usize) -> String {
    row.get(i).map(|d| d.to_string()).unwrap_or_default()
}

#[test]
fn a_batch_holds_the_ready_works_and_lists_the_left_out_with_why() {
    let r = Run::new();
    let [a, b, c, d] = catalog(&r);
    let created = r
        .cli(&[
            "batch",
            "create",
            "--now",
            "2023-06-20T10:00:00+08:00",
            "--json",
        ])
        .ok()
        .json();
    let batch = &created["batch"];
    assert_eq!(batch["number"], 1);
    let ids: Vec<i64> = batch["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .filter_map(|e| e["entry_id"].as_i64())
        .collect();
    // Category order of the campaign (诵读, 微视频), then 推荐顺序.
    assert_eq!(ids, [c, a, b], "{created}");
    let left = created["left_out"].as_array().expect("left_out");
    assert_eq!(left.len(), 1, "{created}");
    assert_eq!(left[0]["entry_id"], d);
    assert!(
        left[0]["problems"][0]
            .as_str()
            .unwrap_or_default()
            .contains("原创"),
        "{created}"
    );
    // 南澳县 owes at least 5 per category: both short, said as warnings, not refusals.
    let warnings = created["warnings"].to_string();
    assert!(
        warnings.contains("诵读") && warnings.contains("还差"),
        "{warnings}"
    );
    let special = &batch["entries"][2];
    assert_eq!(special["special_reason"], "老劳模生前唯一影像");
    assert_eq!(special["verdict"], "fail");

    // The text face says the same.
    let text = r.cli(&["batch", "list"]).ok().stdout;
    assert!(text.contains("第1批") && text.contains("3件作品"), "{text}");
}

#[test]
fn a_batch_is_a_snapshot_later_edits_do_not_change_it() {
    let r = Run::new();
    let [a, ..] = catalog(&r);
    let id = r.cli(&["batch", "create", "--json"]).ok().json()["batch"]["id"]
        .as_i64()
        .expect("id");
    r.cli(&[
        "entry",
        "update",
        &a.to_string(),
        "--unit",
        "改过的单位",
        "--status",
        "needs-fix",
    ])
    .ok();
    let shown = r
        .cli(&["batch", "show", &id.to_string(), "--json"])
        .ok()
        .json();
    let titles: Vec<&str> = shown["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .filter_map(|e| e["title"].as_str())
        .collect();
    assert!(titles.contains(&"海岛守护者：CON/灯塔"), "{shown}");
    let units: Vec<&str> = shown["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .filter_map(|e| e["unit"].as_str())
        .collect();
    assert!(!units.contains(&"改过的单位"), "{shown}");
    // The work sent back now blocks a new batch, but the first one still holds it.
    let second = r.cli(&["batch", "create", "--json"]).ok().json();
    assert_eq!(second["batch"]["number"], 2);
    assert!(
        second["left_out"].to_string().contains("需修改"),
        "{second}"
    );
}

#[test]
fn supplement_takes_only_works_not_already_exported_and_sent_batches_stay() {
    let r = Run::new();
    catalog(&r);
    let first = r.cli(&["batch", "create", "--json"]).ok().json()["batch"]["id"]
        .as_i64()
        .expect("id");
    // Before an export, a 补报 would take everything again.
    let out = r.dir.path().join("U盘");
    std::fs::create_dir(&out).expect("mkdir");
    r.cli(&[
        "batch",
        "export",
        &first.to_string(),
        "--out",
        out.to_str().unwrap_or_default(),
    ])
    .ok();
    let nothing = r.cli(&["batch", "create", "--supplement"]).fails_with(2);
    assert!(
        nothing.stderr.contains("已在之前的批次"),
        "{}",
        nothing.explain()
    );
    let late = video(r.dir.path(), "late.mp4", "1920x1080");
    let e = add(
        &r,
        &late,
        "micro-video",
        "迟到的作品",
        &["--author", "周九", "--declare", "original"],
    );
    recommend(&r, e, &[]);
    let sup = r
        .cli(&["batch", "create", "--supplement", "--json"])
        .ok()
        .json();
    let ids: Vec<i64> = sup["batch"]["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .filter_map(|x| x["entry_id"].as_i64())
        .collect();
    assert_eq!(ids, [e], "{sup}");
    assert_eq!(sup["batch"]["supplement"], true);
    assert_eq!(sup["already_sent"].as_array().map(Vec::len), Some(3));
    let sup_id = sup["batch"]["id"].as_i64().expect("id");

    // An unsent batch can be deleted; a sent one cannot (the send issue sets sent_at).
    r.cli(&["batch", "delete", &sup_id.to_string()]).ok();
    r.cli(&["batch", "show", &sup_id.to_string()]).fails_with(2);
    let db = rusqlite::Connection::open(r.library().join("catalog.sqlite")).expect("db");
    db.execute(
        "UPDATE batches SET sent_at = '2023-06-21T02:00:00Z' WHERE id = ?1",
        [first],
    )
    .expect("mark sent");
    drop(db);
    let refused = r
        .cli(&["batch", "delete", &first.to_string()])
        .fails_with(2);
    assert!(refused.stderr.contains("已经发送"), "{}", refused.explain());
}

#[test]
fn an_exported_package_verifies_opens_in_excel_and_matches_its_schema() {
    let r = Run::new();
    catalog(&r);
    let id = r.cli(&["batch", "create", "--json"]).ok().json()["batch"]["id"]
        .as_i64()
        .expect("id");
    let out = r.dir.path().join("U盘");
    std::fs::create_dir(&out).expect("mkdir");
    let report = r
        .cli(&[
            "batch",
            "export",
            &id.to_string(),
            "--out",
            out.to_str().unwrap_or_default(),
            "--json",
        ])
        .ok()
        .json();
    let folder = PathBuf::from(report["folder"].as_str().expect("folder"));
    assert_eq!(
        folder.file_name().and_then(|n| n.to_str()),
        Some("南澳县总工会-汕头好网民2023-第1批")
    );
    assert_eq!(report["files"], 3);

    // sha256sum -c verifies every line, the work files and the documents.
    let check = Command::new("sha256sum")
        .args(["-c", "--strict", "SHA256SUMS.txt"])
        .current_dir(&folder)
        .output()
        .expect("sha256sum");
    let said = String::from_utf8_lossy(&check.stdout);
    assert!(check.status.success(), "{said}");
    assert_eq!(said.matches(": OK").count(), 7, "{said}");
    assert!(
        said.contains("作品小样.pdf: OK") && said.contains("报送汇总表.pdf: OK"),
        "{said}"
    );
    assert!(said.contains("报送汇总表.xlsx: OK"), "{said}");

    // Every work is in its category folder under a safe name; the title stays exact elsewhere.
    let video_dir = folder.join("02-微视频");
    let names: Vec<String> = std::fs::read_dir(&video_dir)
        .expect("folder")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(
        names.iter().all(|n| !n.contains('/') && !n.contains(':')),
        "{names:?}"
    );
    assert!(folder.join("01-诵读").is_dir());

    // 说明.txt: UTF-8 with BOM and CRLF, so Notepad shows it.
    let readme = std::fs::read(folder.join("说明.txt")).expect("readme");
    assert!(readme.starts_with(b"\xEF\xBB\xBF"));
    let text = String::from_utf8_lossy(&readme);
    assert!(text.contains("certutil -hashfile"), "{text}");
    assert_eq!(text.matches('\n').count(), text.matches("\r\n").count());

    // The 汇总表 read back with calamine: a 汇总 sheet and one per category.
    let mut wb: Xlsx<_> = open_workbook(folder.join("报送汇总表.xlsx")).expect("xlsx");
    assert_eq!(wb.sheet_names(), ["汇总", "01-诵读", "02-微视频"]);
    let summary = wb.worksheet_range("汇总").expect("summary");
    let all: String = summary
        .rows()
        .flat_map(|r| r.iter().map(|c| c.to_string()))
        .collect::<Vec<_>>()
        .join("|");
    assert!(
        all.contains("南澳县总工会") && all.contains("林晓") && all.contains("0754-86801234"),
        "{all}"
    );
    let videos = wb.worksheet_range("02-微视频").expect("videos");
    let rows: Vec<&[Data]> = videos.rows().collect();
    let headers: Vec<String> = (0..11).map(|i| cell(rows[1], i)).collect();
    assert_eq!(
        headers,
        [
            "序号",
            "作品名称",
            "作者",
            "推荐单位",
            "联系电话",
            "时长",
            "分辨率",
            "文件名",
            "检查结果",
            "备注",
            "SHA-256"
        ]
    );
    assert_eq!(cell(rows[2], 1), "海岛守护者：CON/灯塔");
    assert_eq!(cell(rows[2], 2), "王五、玥堃");
    assert_eq!(cell(rows[2], 6), "1920×1080");
    assert_eq!(cell(rows[3], 8), "已特批");
    assert!(cell(rows[3], 9).contains("老劳模生前唯一影像"));
    assert_eq!(cell(rows[2], 10).len(), 64, "the SHA-256, whole");
    let listed = cell(rows[2], 7);
    assert!(names.contains(&listed), "{listed} not in {names:?}");
    // On paper a category sheet stops before the SHA-256 (columns A to J), so that one page
    // wide stays legible; the works' rows are all in the print area.
    let workbook_xml = {
        use std::io::Read;
        let file = std::fs::File::open(folder.join("报送汇总表.xlsx")).expect("xlsx");
        let mut zip = zip::ZipArchive::new(file).expect("zip");
        let mut text = String::new();
        zip.by_name("xl/workbook.xml")
            .expect("workbook part")
            .read_to_string(&mut text)
            .expect("utf-8");
        text
    };
    assert!(
        workbook_xml.contains(&format!("'02-微视频'!$A$1:$J${}", rows.len())),
        "{workbook_xml}"
    );

    // manifest.json against the published schema (python3-jsonschema, installed by the test
    // command), and read back: every file with its path, size and hash.
    let schema = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../assets/schemas/batch-manifest-v1.schema.json");
    // Debian's python3 (where python3-jsonschema is), not another one earlier on PATH.
    let python = if Path::new("/usr/bin/python3").exists() {
        "/usr/bin/python3"
    } else {
        "python3"
    };
    let validate = Command::new(python)
        .args([
            "-c",
            "import json,sys,jsonschema; jsonschema.validate(json.load(open(sys.argv[1])), json.load(open(sys.argv[2])))",
        ])
        .arg(folder.join("manifest.json"))
        .arg(&schema)
        .output()
        .expect("python3 (installed by the test command)");
    assert!(
        validate.status.success(),
        "{}",
        String::from_utf8_lossy(&validate.stderr)
    );
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(folder.join("manifest.json")).expect("manifest"))
            .expect("json");
    assert_eq!(manifest["schema"], "baosong-batch-manifest");
    assert_eq!(manifest["version"], 1);
    for e in manifest["entries"].as_array().expect("entries") {
        for f in e["files"].as_array().expect("files") {
            let path = folder.join(f["path"].as_str().expect("path"));
            let len = std::fs::metadata(&path).expect("file in package").len();
            assert_eq!(Some(len), f["size"].as_u64());
        }
    }
    let text = manifest.to_string();
    assert!(!text.contains("stored_path") && !text.contains("entry_id"));

    // A second export of the same batch lands beside, never over, the first.
    let again = r
        .cli(&[
            "batch",
            "export",
            &id.to_string(),
            "--out",
            out.to_str().unwrap_or_default(),
            "--json",
        ])
        .ok()
        .json();
    assert!(
        again["folder"]
            .as_str()
            .unwrap_or_default()
            .ends_with("（2）"),
        "{again}"
    );
}

#[test]
fn export_to_a_missing_folder_says_so_and_writes_nothing() {
    let r = Run::new();
    catalog(&r);
    r.cli(&["batch", "create"]).ok();
    let gone = r.dir.path().join("拔出的U盘");
    let out = r
        .cli(&[
            "batch",
            "export",
            "1",
            "--out",
            gone.to_str().unwrap_or_default(),
        ])
        .fails_with(2);
    assert!(out.stderr.contains("U盘"), "{}", out.explain());
    assert!(!gone.exists());
    let list = r.cli(&["batch", "list", "--json"]).ok().json();
    assert_eq!(list[0]["exported_at"], serde_json::Value::Null);
}

#[test]
fn a_killed_export_never_leaves_a_package_under_its_final_name() {
    let r = Run::new();
    catalog(&r);
    // One large work so the export takes a while (a sparse file reads fast but is copied).
    let big = r.dir.path().join("big.mp3");
    let f = std::fs::File::create(&big).expect("create");
    f.set_len(300 << 20).expect("len");
    drop(f);
    let id = add(
        &r,
        &big,
        "recitation",
        "长篇诵读",
        &["--author", "吴十", "--declare", "original"],
    );
    recommend(&r, id, &["--override-reason", "测试用的大文件"]);
    let batch = r.cli(&["batch", "create", "--json"]).ok().json()["batch"]["id"]
        .as_i64()
        .expect("id");
    let out = r.dir.path().join("U盘");
    std::fs::create_dir(&out).expect("mkdir");
    let final_name = out.join("南澳县总工会-汕头好网民2023-第1批");
    let lib = r.library();
    for i in 0..20u64 {
        let mut child = Command::new(env!("CARGO_BIN_EXE_baosong-cli"))
            .args(["batch", "export", &batch.to_string(), "--out"])
            .arg(&out)
            .env("BAOSONG_LIBRARY", &lib)
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("spawn");
        // Spread the kills over the start, the copy and the end of the export.
        std::thread::sleep(std::time::Duration::from_millis(40 + i * 25));
        let _ = child.kill();
        let status = child.wait().expect("wait");
        if final_name.exists() {
            // Renamed into place before the kill (maybe while the export was being recorded):
            // then it is whole; start again without it.
            let whole = Command::new("sha256sum")
                .args(["-c", "--quiet", "SHA256SUMS.txt"])
                .current_dir(&final_name)
                .status()
                .expect("sha256sum");
            assert!(
                whole.success(),
                "kill {i} ({status}): a package under the final name is not whole: {}",
                r.listing()
            );
            std::fs::remove_dir_all(&final_name).expect("remove");
        }
    }
    // The next export sweeps what the killed ones left and completes.
    r.cli(&[
        "batch",
        "export",
        &batch.to_string(),
        "--out",
        out.to_str().unwrap_or_default(),
    ])
    .ok();
    let entries: Vec<String> = std::fs::read_dir(&out)
        .expect("out")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        entries,
        ["南澳县总工会-汕头好网民2023-第1批"],
        "{entries:?}"
    );
    let check = Command::new("sha256sum")
        .args(["-c", "SHA256SUMS.txt"])
        .current_dir(&final_name)
        .status()
        .expect("sha256sum");
    assert!(check.success());
}

/// Reads a zip's entries (name, UTF-8 flag, data) with the zip crate.
fn zip_entries(path: &Path) -> Vec<(String, bool, Vec<u8>)> {
    use std::io::Read;
    let bytes = std::fs::read(path).expect("zip");
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes.clone())).expect("a zip");
    let mut out = Vec::new();
    for i in 0..archive.len() {
        let mut f = archive.by_index(i).expect("entry");
        let mut data = Vec::new();
        f.read_to_end(&mut data).expect("read entry");
        assert_eq!(
            f.compression(),
            zip::CompressionMethod::Stored,
            "media are stored, not deflated"
        );
        // General-purpose flag bit 11 of the local header: names are UTF-8.
        let header = f.header_start() as usize;
        let flag = u16::from_le_bytes([bytes[header + 6], bytes[header + 7]]);
        let name = f.name().expect("a UTF-8 name").into_owned();
        out.push((name, flag & 0x0800 != 0, data));
    }
    out
}

#[test]
fn the_mail_plan_holds_every_file_once_in_zips_and_joinable_volumes() {
    let r = Run::new();
    catalog(&r);
    // A work of ~3 MB, so a 1.5 MB limit must split it into volumes.
    let long = r.dir.path().join("long.mp3");
    std::fs::write(
        &long,
        (0..3_000_000u32)
            .map(|i| (i * 7 % 251) as u8)
            .collect::<Vec<u8>>(),
    )
    .expect("write");
    let id = add(
        &r,
        &long,
        "recitation",
        "长篇诵读《春》",
        &["--author", "吴十", "--declare", "original"],
    );
    recommend(&r, id, &["--override-reason", "格式待转换"]);
    let batch = r.cli(&["batch", "create", "--json"]).ok().json()["batch"].clone();
    let out = r.dir.path().join("附件");
    std::fs::create_dir(&out).expect("mkdir");
    let plan = r
        .cli(&[
            "batch",
            "plan",
            &batch["id"].to_string(),
            "--max-message-bytes",
            "1500000",
            "--write",
            out.to_str().unwrap_or_default(),
            "--json",
        ])
        .ok()
        .json();
    let messages = plan["messages"].as_array().expect("messages");
    assert!(plan["volumes"].as_u64().unwrap_or(0) >= 2, "{plan}");
    for m in messages {
        assert!(
            m["encoded_bytes"].as_u64().unwrap_or(u64::MAX) <= 1_500_000,
            "{m}"
        );
    }
    // Message 1 carries the 汇总表 and 说明 as plain attachments.
    let first: Vec<&str> = messages[0]["attachments"]
        .as_array()
        .expect("attachments")
        .iter()
        .filter_map(|a| a["name"].as_str())
        .collect();
    assert!(
        first.contains(&"报送汇总表.xlsx") && first.contains(&"说明.txt"),
        "{first:?}"
    );

    // Read back what was written: every zip whole, every volume set joined in order.
    let folder = PathBuf::from(plan["written"]["folder"].as_str().expect("folder"));
    let mut found: Vec<(String, Vec<u8>)> = Vec::new();
    let mut volumes: std::collections::BTreeMap<String, Vec<u8>> = Default::default();
    for m in messages {
        let dir = folder.join(format!("第{:02}封", m["index"].as_u64().unwrap_or(0)));
        for a in m["attachments"].as_array().expect("attachments") {
            let name = a["name"].as_str().expect("name");
            let path = dir.join(name);
            let len = std::fs::metadata(&path).expect("attachment written").len();
            assert_eq!(Some(len), a["raw_bytes"].as_u64(), "{name}");
            match a["content"]["kind"].as_str() {
                Some("zip") => {
                    let listed = Command::new("unzip")
                        .arg("-l")
                        .arg(&path)
                        .output()
                        .expect("unzip");
                    assert!(listed.status.success(), "unzip -l {name}");
                    for (entry, utf8, data) in zip_entries(&path) {
                        // Chinese names carry the UTF-8 flag (ASCII ones need none).
                        assert!(utf8 || entry.is_ascii(), "{entry} without the UTF-8 flag");
                        found.push((entry, data));
                    }
                }
                Some("volume") => {
                    let source = a["content"]["source_name"]
                        .as_str()
                        .expect("source")
                        .to_owned();
                    let joined = volumes.entry(source).or_default();
                    assert_eq!(Some(joined.len() as u64), a["content"]["offset"].as_u64());
                    joined.extend(std::fs::read(&path).expect("volume"));
                }
                _ => {}
            }
        }
    }
    for (source, bytes) in &volumes {
        let joined = folder.join(source);
        std::fs::write(&joined, bytes).expect("join");
        let listed = Command::new("unzip")
            .arg("-l")
            .arg(&joined)
            .output()
            .expect("unzip");
        assert!(listed.status.success(), "the joined {source} is a zip");
        for (entry, utf8, data) in zip_entries(&joined) {
            assert!(utf8 || entry.is_ascii(), "{entry} without the UTF-8 flag");
            found.push((entry, data));
        }
    }
    // Every work file exactly once, byte for byte (its SHA-256 is the batch's).
    let mut want: Vec<(String, String)> = Vec::new();
    for e in batch["entries"].as_array().expect("entries") {
        for f in e["files"].as_array().expect("files") {
            want.push((
                f["package_path"].as_str().unwrap_or_default().to_owned(),
                f["sha256"].as_str().unwrap_or_default().to_owned(),
            ));
        }
    }
    let works: Vec<&(String, Vec<u8>)> =
        found.iter().filter(|(n, _)| n != "manifest.json").collect();
    assert_eq!(
        works.len(),
        want.len(),
        "{:?}",
        found.iter().map(|f| &f.0).collect::<Vec<_>>()
    );
    for (path, sha) in &want {
        let hits: Vec<_> = works.iter().filter(|(n, _)| n == path).collect();
        assert_eq!(hits.len(), 1, "{path} found {} times", hits.len());
        let got = sha256_hex(&hits[0].1);
        assert_eq!(&got, sha, "{path}");
    }
    // Each zip's own manifest says which package it is and parses as JSON (padding is spaces).
    let manifests: Vec<serde_json::Value> = found
        .iter()
        .filter(|(n, _)| n == "manifest.json")
        .map(|(_, d)| serde_json::from_slice(d).expect("part manifest"))
        .collect();
    assert!(!manifests.is_empty());
    let count = manifests[0]["part"]["count"].as_u64().expect("count");
    assert_eq!(manifests.len() as u64, count);
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn a_damaged_stored_file_stops_the_export_and_says_which_side() {
    let r = Run::new();
    catalog(&r);
    let batch = r.cli(&["batch", "create", "--json"]).ok().json()["batch"].clone();
    // Damage one stored work file behind the catalog's back (a failing disk, a bad copy).
    let stored = batch["entries"][0]["files"][0]["stored_path"]
        .as_str()
        .expect("stored path")
        .to_owned();
    let path = r.library().join(&stored);
    let mut bytes = std::fs::read(&path).expect("stored file");
    let last = bytes.len() - 1;
    bytes[last] ^= 0xFF;
    std::fs::write(&path, bytes).expect("damage");
    let out = r.dir.path().join("U盘");
    std::fs::create_dir(&out).expect("mkdir");
    let failed = r
        .cli(&[
            "batch",
            "export",
            &batch["id"].to_string(),
            "--out",
            out.to_str().unwrap_or_default(),
        ])
        .fails_with(1);
    assert!(
        failed.stderr.contains("与制作批次时不一致"),
        "{}",
        failed.explain()
    );
    let left: Vec<_> = std::fs::read_dir(&out).expect("out").flatten().collect();
    assert!(left.is_empty(), "nothing left behind: {}", r.listing());
}

/// A poppler tool's output (poppler-utils is installed by the test command).
fn poppler(tool: &str, args: &[&str], pdf: &Path) -> String {
    let out = Command::new(tool)
        .args(args)
        .arg(pdf)
        .args(if tool == "pdftotext" {
            &["-"][..]
        } else {
            &[][..]
        })
        .output()
        .unwrap_or_else(|e| panic!("{tool} (poppler-utils): {e}"));
    assert!(
        out.status.success(),
        "{tool}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn the_printed_documents_are_a4_searchable_with_subset_fonts_and_jpeg_thumbnails() {
    let r = Run::new();
    catalog(&r);
    let batch = r.cli(&["batch", "create", "--json"]).ok().json()["batch"]["id"].to_string();
    let sheet = r.dir.path().join("作品小样.pdf");
    let made = r
        .cli(&[
            "print",
            "contact-sheet",
            "--batch",
            &batch,
            "--out",
            sheet.to_str().unwrap_or_default(),
            "--json",
        ])
        .ok()
        .json();
    assert!(made["bytes"].as_u64().unwrap_or(0) > 1000, "{made}");
    let info = poppler("pdfinfo", &[], &sheet);
    assert!(
        info.contains("(A4)") && info.contains("595.276 x 841.89"),
        "A4 portrait: {info}"
    );
    assert!(info.contains("Pages:           1"), "{info}");
    let text = poppler("pdftotext", &[], &sheet);
    for needle in [
        "海岛守护者",
        "玥堃",
        "我的祖国",
        "老灯塔",
        "已特批",
        "经办人",
        "审核人",
        "盖章",
        "第1页/共1页",
        // The recitation's audio card, with its length.
        "♪",
        "音频 · 1秒",
    ] {
        assert!(
            text.contains(needle),
            "{needle} not in the contact sheet:\n{text}"
        );
    }
    let fonts = poppler("pdffonts", &[], &sheet);
    let rows: Vec<&str> = fonts.lines().skip(2).collect();
    assert!(!rows.is_empty(), "{fonts}");
    for row in &rows {
        assert!(row.contains('+'), "subset name: {row}");
        assert!(row.contains(" yes yes "), "embedded and subset: {row}");
    }
    // One picture per video work (the recitation has none), embedded as JPEG unchanged.
    let images = poppler("pdfimages", &["-list"], &sheet);
    let jpegs = images.lines().filter(|l| l.contains(" jpeg ")).count();
    assert_eq!(jpegs, 2, "{images}");

    // A category of the catalog, 4×5.
    let cat = r.dir.path().join("诵读.pdf");
    r.cli(&[
        "print",
        "contact-sheet",
        "--category",
        "recitation",
        "--layout",
        "4x5",
        "--out",
        cat.to_str().unwrap_or_default(),
    ])
    .ok();
    let text = poppler("pdftotext", &[], &cat);
    assert!(
        text.contains("我的祖国") && !text.contains("老灯塔"),
        "{text}"
    );

    // The 报送汇总表 in landscape with the same rows as the xlsx, and the sent log.
    let summary = r.dir.path().join("汇总表.pdf");
    r.cli(&[
        "print",
        "summary",
        "--batch",
        &batch,
        "--out",
        summary.to_str().unwrap_or_default(),
    ])
    .ok();
    assert!(
        poppler("pdfinfo", &[], &summary).contains("841.89 x 595.276"),
        "A4 landscape"
    );
    let text = poppler("pdftotext", &[], &summary);
    for needle in [
        "报送汇总表",
        "林晓",
        "海岛守护者",
        "老灯塔",
        "特批理由",
        "序号",
        "作品名称",
        "检查结果",
    ] {
        assert!(
            text.contains(needle),
            "{needle} not in the summary:\n{text}"
        );
    }
    // The workbook's printed columns, and not its SHA-256.
    for c in baosong::batch::rows::WORK_COLUMNS {
        assert_eq!(text.contains(c.header), c.printed, "{}:\n{text}", c.header);
    }
    let log = r.dir.path().join("发送记录.pdf");
    r.cli(&[
        "print",
        "sent-log",
        "--batch",
        &batch,
        "--out",
        log.to_str().unwrap_or_default(),
    ])
    .ok();
    let text = poppler("pdftotext", &[], &log);
    assert!(
        text.contains("发送记录") && text.contains("尚未通过邮件发送"),
        "{text}"
    );
    // Its columns are the workbook's printed ones.
    for c in baosong::print::sent_log::SENT_COLUMNS {
        assert_eq!(text.contains(c.header), c.printed, "{}:\n{text}", c.header);
    }

    // Nothing to print is said, and no file is written.
    let none = r.dir.path().join("空.pdf");
    r.cli(&[
        "print",
        "contact-sheet",
        "--category",
        "no-such",
        "--out",
        none.to_str().unwrap_or_default(),
    ])
    .fails_with(2);
    assert!(!none.exists());
}

/// Mean of each 16×16 block of a page image in grey, so two renderers' anti-aliasing cancels
/// out and only where ink is matters.
fn ink_blocks(img: &image::GrayImage, w: u32, h: u32) -> Vec<f64> {
    let mut blocks = Vec::new();
    for by in (0..h - 15).step_by(16) {
        for bx in (0..w - 15).step_by(16) {
            let mut sum = 0u32;
            for y in by..by + 16 {
                for x in bx..bx + 16 {
                    sum += u32::from(img.get_pixel(x, y).0[0]);
                }
            }
            blocks.push(f64::from(sum) / 256.0);
        }
    }
    blocks
}

#[test]
fn contact_sheets_follow_the_works_list_filter_and_the_preview_is_the_first_page() {
    let r = Run::new();
    let [_a, _b, _c, d] = catalog(&r);
    r.cli(&["entry", "update", &d.to_string(), "--unit", "澄海区莲下镇"])
        .ok();
    let dir = r.dir.path();

    // Every work of one unit, recommended or not: what the works list shows.
    let unit = dir.join("单位.pdf");
    let png = dir.join("单位.png");
    r.cli(&[
        "print",
        "contact-sheet",
        "--all",
        "--unit",
        "澄海区莲下镇",
        "--out",
        unit.to_str().unwrap_or_default(),
        "--preview",
        png.to_str().unwrap_or_default(),
    ])
    .ok();
    let text = poppler("pdftotext", &[], &unit);
    assert!(text.contains("未声明原创"), "{text}");
    assert!(
        text.contains("单位：澄海区莲下镇"),
        "the filter in the header: {text}"
    );
    for other in ["老灯塔", "海岛守护者", "我的祖国"] {
        assert!(!text.contains(other), "{other} is of another unit: {text}");
    }

    // Only the selected works among the filtered, numbered as among all selected works.
    let found = dir.join("关键词.pdf");
    r.cli(&[
        "print",
        "contact-sheet",
        "--category",
        "micro-video",
        "--text",
        "老灯塔",
        "--out",
        found.to_str().unwrap_or_default(),
    ])
    .ok();
    let text = poppler("pdftotext", &[], &found);
    assert!(
        text.contains("老灯塔") && !text.contains("海岛守护者"),
        "{text}"
    );
    assert!(
        text.contains("-02"),
        "老灯塔 is the second selected video: {text}"
    );
    assert!(text.contains("关键词：老灯塔"), "{text}");

    // A filter that matches nothing: said, and no file.
    let none = dir.join("无.pdf");
    let failed = r
        .cli(&[
            "print",
            "contact-sheet",
            "--unit",
            "没有这个单位",
            "--out",
            none.to_str().unwrap_or_default(),
        ])
        .fails_with(2);
    assert!(
        failed.stderr.contains("没有可打印的作品"),
        "{}",
        failed.explain()
    );
    assert!(!none.exists());
    // A batch is printed as it is; a filter on it is refused before anything is made.
    r.cli(&[
        "print",
        "contact-sheet",
        "--batch",
        "1",
        "--unit",
        "x",
        "--out",
        none.to_str().unwrap_or_default(),
    ])
    .fails_with(2);

    // The preview is page 1 as another renderer (poppler) draws it.
    let ours = image::open(&png).expect("preview png").to_luma8();
    let theirs_base = dir.join("poppler");
    let made = Command::new("pdftoppm")
        .args(["-png", "-r", "100", "-f", "1", "-l", "1", "-singlefile"])
        .arg(&unit)
        .arg(&theirs_base)
        .status()
        .expect("pdftoppm");
    assert!(made.success());
    let theirs = image::open(theirs_base.with_extension("png"))
        .expect("poppler png")
        .to_luma8();
    assert!(
        ours.width().abs_diff(theirs.width()) <= 1 && ours.height().abs_diff(theirs.height()) <= 1,
        "A4 at 100 dpi: ours {}×{}, poppler {}×{}",
        ours.width(),
        ours.height(),
        theirs.width(),
        theirs.height()
    );
    let (w, h) = (
        ours.width().min(theirs.width()),
        ours.height().min(theirs.height()),
    );
    let (a, b) = (ink_blocks(&ours, w, h), ink_blocks(&theirs, w, h));
    let inked = b.iter().filter(|v| **v < 250.0).count();
    assert!(inked > 100, "poppler's page has ink: {inked} blocks");
    let ours_inked = a.iter().filter(|v| **v < 250.0).count();
    assert!(
        ours_inked.abs_diff(inked) * 10 <= inked,
        "inked blocks: ours {ours_inked}, poppler {inked}"
    );
    let mean = a.iter().zip(&b).map(|(x, y)| (x - y).abs()).sum::<f64>() / a.len() as f64;
    let worst = a
        .iter()
        .zip(&b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max);
    eprintln!("preview vs poppler: mean block difference {mean:.2}, worst {worst:.1}");
    assert!(
        mean < 3.0 && worst < 80.0,
        "mean {mean:.2}, worst {worst:.1}"
    );
}

#[test]
fn the_window_print_step_is_a_job_that_previews_saves_and_cancels() {
    use baosong::api::{self, PrintRequest};
    use baosong::entry::EntryFilter;
    use baosong::jobs::Jobs;
    use baosong::library::Actor;
    use base64::Engine as _;

    let r = Run::new();
    catalog(&r);
    let root = r.library();
    let jobs = Jobs::new();
    let request = PrintRequest::ContactSheet {
        batch: None,
        filter: EntryFilter {
            category: Some("micro-video".into()),
            ..EntryFilter::default()
        },
        all: false,
        layout: "4x5".into(),
    };
    let job = jobs.start(&root, Actor::Cli);
    let mut seen = Vec::new();
    let preview = api::prepare_print(
        &job,
        &request,
        "作品小样/微视频: 全部",
        600,
        &mut |p| seen.push(p.clone()),
    )
    .expect("prepare");
    drop(job);
    assert!(
        !preview.name.contains('/') && !preview.name.contains(':'),
        "a safe file name: {}",
        preview.name
    );
    let made = Path::new(&preview.path);
    assert_eq!(made.parent(), Some(root.join("prints").as_path()));
    let pdf = std::fs::read(made).expect("the PDF in prints/");
    assert_eq!(pdf.len() as u64, preview.bytes);
    assert_eq!(preview.pages, 1);
    let png = base64::engine::general_purpose::STANDARD
        .decode(
            preview
                .image
                .strip_prefix("data:image/png;base64,")
                .expect("a PNG data URL"),
        )
        .expect("base64");
    let img = image::load_from_memory(&png).expect("png");
    assert_eq!((img.width(), img.height()), (preview.width, preview.height));
    assert_eq!(img.width(), 600);
    // Three recommended videos (one blocked, still on the sheet): each was counted off.
    let counts: Vec<(u32, u32)> = seen
        .iter()
        .filter(|p| p.phase == "准备缩略图")
        .map(|p| (p.done_files, p.total_files))
        .collect();
    assert_eq!(counts, [(0, 3), (1, 3), (2, 3), (3, 3)], "{seen:?}");

    // 另存为 into a folder that does not exist yet: the same bytes.
    let dest = r.dir.path().join("给审核会").join("微视频小样.pdf");
    let saved = api::save_print(&root, &preview.name, &dest).expect("save");
    assert_eq!(std::fs::read(&dest).expect("saved"), pdf);
    assert_eq!(saved.bytes, preview.bytes);
    let missing = r.dir.path().join("不该有.pdf");
    let err = api::save_print(&root, "从未生成", &missing).expect_err("never made");
    assert_eq!(err.code, "print.missing");
    assert!(!missing.exists());

    // Cancelled before it starts: an error the window knows, and no file.
    let job = jobs.start(&root, Actor::Cli);
    job.cancel.cancel();
    let err =
        api::prepare_print(&job, &request, "取消的小样", 600, &mut |_| {}).expect_err("cancelled");
    assert_eq!(err.code, "cancelled", "{err:?}");
    assert!(!api::print_path(&root, "取消的小样").exists());

    // A layout the sheet does not have is refused in Chinese.
    let job = jobs.start(&root, Actor::Cli);
    let odd = PrintRequest::ContactSheet {
        batch: None,
        filter: EntryFilter::default(),
        all: true,
        layout: "5x5".into(),
    };
    let err = api::prepare_print(&job, &odd, "版式", 600, &mut |_| {}).expect_err("odd layout");
    assert_eq!(err.code, "print.layout");
    assert!(err.message.contains("3x4"), "{}", err.message);
}
