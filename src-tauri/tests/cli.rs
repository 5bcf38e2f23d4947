//! Black-box tests of the real `baosong-cli` binary, each in its own temporary folder. On
//! failure they print the command, its output and the folder's listing.

mod support;

use std::path::Path;
use std::process::Command;

use support::{Run, video};

#[test]
fn init_add_list_show_delete_restore() {
    let r = Run::new();
    r.init();
    assert!(r.library().join("catalog.sqlite").is_file());
    let video = r.file("海岛守护者.mp4", b"not really a video yet");
    let added = r
        .cli(&[
            "entry",
            "add",
            video.to_str().unwrap_or_default(),
            "--category",
            "micro-video",
            "--title",
            "海岛守护者",
            "--author",
            "王五",
            "--author",
            "赵六、钱七",
            "--unit",
            "南澳县总工会",
            "--phone",
            "13800138000",
            "--tag",
            "劳模精神",
            "--declare",
            "original",
            "--json",
        ])
        .ok()
        .json();
    assert_eq!(added["title"], "海岛守护者");
    assert_eq!(
        added["authors"],
        serde_json::json!(["王五", "赵六", "钱七"])
    );
    let id = added["id"].as_i64().expect("id");
    assert_eq!(
        added["files"][0]["sha256"].as_str().map(str::len),
        Some(64),
        "{added}"
    );

    let list = r.cli(&["entry", "list", "--json"]).ok().json();
    assert_eq!(list.as_array().map(Vec::len), Some(1));
    let shown = r
        .cli(&["entry", "show", &id.to_string(), "--json"])
        .ok()
        .json();
    assert_eq!(shown["tags"], serde_json::json!(["劳模精神"]));

    let text = r.cli(&["entry", "list"]).ok().stdout;
    assert!(
        text.contains("海岛守护者") && text.contains("王五"),
        "{text}"
    );

    r.cli(&["entry", "delete", &id.to_string()]).ok();
    assert_eq!(
        r.cli(&["entry", "list", "--json"]).ok().json(),
        serde_json::json!([])
    );
    r.cli(&["entry", "restore", &id.to_string()]).ok();
    assert_eq!(
        r.cli(&["entry", "list", "--json"])
            .ok()
            .json()
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    let info = r.cli(&["info", "--json"]).ok().json();
    assert_eq!(info["office"]["name"], "南澳县总工会");
    assert_eq!(info["entry_count"], 1);
}

#[test]
fn the_library_flag_works_like_the_environment_variable() {
    let r = Run::new();
    r.init();
    let lib = r.library();
    let info = r
        .cli_env(
            &[
                "--library",
                lib.to_str().unwrap_or_default(),
                "info",
                "--json",
            ],
            &[],
        )
        .ok()
        .json();
    assert_eq!(info["office"]["unit_type"], "county-or-zone");
}

#[test]
fn invalid_input_exits_2_in_chinese_and_changes_nothing() {
    let r = Run::new();
    r.init();
    let f = r.file("a.mp3", b"a");
    let out = r
        .cli(&[
            "entry",
            "add",
            f.to_str().unwrap_or_default(),
            "--category",
            "song",
            "--title",
            "歌",
            "--author",
            "甲",
            "--phone",
            "12",
        ])
        .fails_with(2);
    assert!(
        out.stderr.contains("类别") && out.stderr.contains("电话"),
        "{}",
        out.explain()
    );
    assert_eq!(
        r.cli(&["entry", "list", "--json"]).ok().json(),
        serde_json::json!([])
    );

    r.cli(&["entry", "show", "42"]).fails_with(2);
    r.cli(&["entry", "add", "--title", "x"]).fails_with(2);
    r.cli(&["--bogus"]).fails_with(2);
    let missing = r.cli(&[
        "entry",
        "add",
        "/nonexistent/作品.mp4",
        "--category",
        "micro-video",
        "--title",
        "t",
        "--author",
        "a",
    ]);
    let missing = missing.fails_with(2);
    assert!(missing.stderr.contains("作品.mp4"), "{}", missing.explain());
}

#[test]
fn init_refuses_an_unknown_unit_type_and_an_existing_library() {
    let r = Run::new();
    let out = r
        .cli(&["init", "--office", "某单位", "--unit-type", "province"])
        .fails_with(2);
    assert!(out.stderr.contains("district"), "{}", out.explain());
    assert!(!r.library().join("catalog.sqlite").exists());
    r.init();
    r.cli(&["init", "--office", "某单位", "--unit-type", "district"])
        .fails_with(2);
}

#[test]
fn no_library_given_is_a_usage_error() {
    let r = Run::new();
    r.cli_env(&["entry", "list"], &[]).fails_with(2);
    r.cli_env(
        &["entry", "list"],
        &[("BAOSONG_LIBRARY", "/nonexistent/lib")],
    )
    .fails_with(2);
}

#[test]
fn campaign_show_prints_the_municipal_rules() {
    let r = Run::new();
    let c = r.cli_env(&["campaign", "show", "--json"], &[]).ok().json();
    assert_eq!(c["id"], "shantou-2023");
    assert_eq!(c["submission"]["mailbox"], "1718755663@qq.com");
    assert_eq!(c["categories"][0]["id"], "recitation");
    assert_eq!(c["categories"][1]["id"], "micro-video");
    let gd = r
        .cli_env(
            &["campaign", "show", "--campaign", "guangdong-2023", "--json"],
            &[],
        )
        .ok()
        .json();
    assert_eq!(gd["submission"]["method"], "portal");
    r.cli_env(&["campaign", "show", "--campaign", "nowhere"], &[])
        .fails_with(2);
    let text = r.cli_env(&["campaign", "show"], &[]).ok().stdout;
    assert!(text.contains("[建议] video-max-duration"), "{text}");
}

/// `baosong-cli … | head`: a reader that stops early ends the command quietly (exit 0, no
/// panic and backtrace on the clerk's terminal).
#[test]
fn output_into_a_closed_pipe_ends_quietly() {
    use std::process::Stdio;
    for args in [
        &["campaign", "show", "--json"][..],
        &["campaign", "show"][..],
    ] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_baosong-cli"))
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run baosong-cli");
        // Close the reading end before the command writes.
        drop(child.stdout.take());
        let out = child.wait_with_output().expect("wait");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert!(out.status.success(), "{args:?}: {:?} {stderr}", out.status);
    }
}

#[test]
fn campaign_check_names_the_line_of_a_broken_file() {
    let r = Run::new();
    let good = include_str!("../../assets/campaigns/shantou-2023.toml");
    let path = r.file("next-year.toml", good.as_bytes());
    r.cli_env(
        &["campaign", "check", path.to_str().unwrap_or_default()],
        &[],
    )
    .ok();
    let broken = good.replacen("seconds = 300", "seconds = \"五分钟\"", 1);
    let line = broken
        .lines()
        .position(|l| l.contains("五分钟"))
        .map(|i| i + 1)
        .expect("line");
    let path = r.file("broken.toml", broken.as_bytes());
    let out = r
        .cli_env(
            &["campaign", "check", path.to_str().unwrap_or_default()],
            &[],
        )
        .fails_with(2);
    assert!(
        out.stderr.contains("broken.toml") && out.stderr.contains(&format!("第 {line} 行")),
        "{}",
        out.explain()
    );
}

#[test]
fn check_reports_facts_and_verdicts_and_exits_1_on_a_failing_file() {
    let r = Run::new();
    let good = video(r.dir.path(), "good.mp4", "1920x1080");
    let small = video(r.dir.path(), "small.mp4", "1280x720");
    let out = r.cli_env(
        &[
            "check",
            "--category",
            "micro-video",
            "--json",
            good.to_str().unwrap_or_default(),
            small.to_str().unwrap_or_default(),
        ],
        &[],
    );
    assert_eq!(out.code, 1, "{}", out.explain());
    let reports = out.json();
    let good_r = &reports[0];
    assert_eq!(good_r["kind"], "video");
    assert_eq!(good_r["container"], "mp4");
    assert_eq!(good_r["width"], 1920);
    assert_eq!(good_r["display_height"], 1080);
    assert_eq!(good_r["video_codec"], "avc1");
    assert_eq!(good_r["complete"], true);
    assert_eq!(good_r["verdict"], "pass");
    let d = good_r["duration_s"].as_f64().expect("duration");
    assert!((d - 1.0).abs() < 0.05, "{d}");

    let small_r = &reports[1];
    assert_eq!(small_r["verdict"], "fail");
    assert_eq!(small_r["findings"][0]["rule"], "video-min-resolution");
    assert_eq!(small_r["findings"][0]["severity"], "error");
    assert_eq!(small_r["findings"][0]["actual"], "1280×720");
    assert!(
        small_r["findings"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("低于要求的1920×1080")),
        "{small_r}"
    );

    let only_good = r.cli_env(
        &[
            "check",
            "--category",
            "micro-video",
            good.to_str().unwrap_or_default(),
        ],
        &[],
    );
    let only_good = only_good.ok();
    assert!(
        only_good.stdout.contains("[合格]"),
        "{}",
        only_good.explain()
    );
}

#[test]
fn check_sees_through_a_wrong_extension() {
    let r = Run::new();
    let mkv = video(r.dir.path(), "real.mkv", "1920x1080");
    let disguised = r.dir.path().join("看起来是MP4.mp4");
    std::fs::rename(&mkv, &disguised).expect("rename");
    let out = r.cli_env(
        &[
            "check",
            "--category",
            "micro-video",
            "--json",
            disguised.to_str().unwrap_or_default(),
        ],
        &[],
    );
    assert_eq!(out.code, 1, "{}", out.explain());
    let report = &out.json()[0];
    assert_eq!(report["container"], "matroska");
    assert!(
        report["findings"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("Matroska")),
        "{report}"
    );
}

#[test]
fn check_usage_errors_exit_2() {
    let r = Run::new();
    let f = r.file("a.mp4", b"x");
    r.cli_env(
        &[
            "check",
            "--category",
            "poetry",
            f.to_str().unwrap_or_default(),
        ],
        &[],
    )
    .fails_with(2);
    r.cli_env(&["check", "--category", "micro-video"], &[])
        .fails_with(2);
}

#[test]
fn entry_list_filters_failing_works() {
    let r = Run::new();
    r.init();
    let good = video(r.dir.path(), "good.mp4", "1920x1080");
    let small = video(r.dir.path(), "small.mp4", "1280x720");
    for (f, title) in [(&good, "合格作品"), (&small, "低清作品")] {
        r.cli(&[
            "entry",
            "add",
            f.to_str().unwrap_or_default(),
            "--category",
            "micro-video",
            "--title",
            title,
            "--author",
            "甲",
        ])
        .ok();
    }
    let failing = r
        .cli(&["entry", "list", "--verdict", "fail", "--json"])
        .ok()
        .json();
    assert_eq!(failing.as_array().map(Vec::len), Some(1), "{failing}");
    assert_eq!(failing[0]["title"], "低清作品");
    assert_eq!(failing[0]["verdict"], "fail");
    assert_eq!(failing[0]["files"][0]["facts"]["width"], 1280);
    let passing = r
        .cli(&["entry", "list", "--verdict", "pass", "--json"])
        .ok()
        .json();
    assert_eq!(passing[0]["title"], "合格作品");
}

#[test]
fn entry_update_sets_review_and_refuses_a_failing_recommendation_without_reason() {
    let r = Run::new();
    r.init();
    let small = video(r.dir.path(), "small.mp4", "1280x720");
    let added = r
        .cli(&[
            "entry",
            "add",
            small.to_str().unwrap_or_default(),
            "--category",
            "micro-video",
            "--title",
            "低清作品",
            "--author",
            "甲",
            "--json",
        ])
        .ok()
        .json();
    let id = added["id"].as_i64().expect("id").to_string();
    assert_eq!(added["review"]["status"], "pending");

    let out = r
        .cli(&["entry", "update", &id, "--recommend", "true"])
        .fails_with(2);
    assert!(out.stderr.contains("理由"), "{}", out.explain());

    let updated = r
        .cli(&[
            "entry",
            "update",
            &id,
            "--status",
            "approved",
            "--recommend",
            "true",
            "--order",
            "2",
            "--override-reason",
            "报送人承诺补交1080P原片",
            "--unit",
            "南澳县总工会",
            "--declared",
            "true",
            "--json",
        ])
        .ok()
        .json();
    assert_eq!(updated["review"]["status"], "approved");
    assert_eq!(updated["review"]["recommended"], true);
    assert_eq!(updated["review"]["order"], 2);
    assert_eq!(updated["unit"], "南澳县总工会");
    assert_eq!(updated["declarations"], serde_json::json!(["original"]));
    r.cli(&["entry", "update", &id, "--status", "done"])
        .fails_with(2);
}

#[test]
fn status_reports_quotas_blockers_deadlines_and_follows_the_campaign() {
    let r = Run::new();
    r.init(); // 南澳县总工会: at least 5 per category in the municipal campaign.
    let good = video(r.dir.path(), "good.mp4", "1920x1080");
    let small = video(r.dir.path(), "small.mp4", "1280x720");
    let add = |file: &Path, title: &str| {
        r.cli(&[
            "entry",
            "add",
            file.to_str().unwrap_or_default(),
            "--category",
            "micro-video",
            "--title",
            title,
            "--author",
            "甲",
            "--declare",
            "original",
            "--json",
        ])
        .ok()
        .json()["id"]
            .as_i64()
            .expect("id")
            .to_string()
    };
    let ok_id = add(&good, "劳模风采");
    let bad_id = add(&small, "低清作品");
    r.cli(&["entry", "update", &ok_id, "--recommend", "true"])
        .ok();
    r.cli(&[
        "entry",
        "update",
        &bad_id,
        "--recommend",
        "true",
        "--override-reason",
        "原片在路上",
    ])
    .ok();

    let s = r
        .cli(&["status", "--now", "2023-06-08T11:59:59+08:00", "--json"])
        .ok()
        .json();
    let video_quota = s["quotas"]
        .as_array()
        .and_then(|q| q.iter().find(|q| q["category"] == "micro-video"))
        .expect("micro-video quota")
        .clone();
    // The failing work recommended with a written reason is 已特批: it counts, and it is
    // listed with its reason instead of as a blocker.
    assert_eq!(video_quota["selected"], 2);
    assert_eq!(video_quota["passing"], 2);
    assert_eq!(video_quota["min"], 5);
    assert_eq!(video_quota["max"], serde_json::Value::Null);
    assert_eq!(video_quota["missing"], 3);
    assert_eq!(video_quota["state"], "short");
    assert_eq!(s["blockers"], serde_json::json!([]), "{s}");
    assert_eq!(s["special"][0]["entry_id"].to_string(), bad_id);
    assert_eq!(s["special"][0]["reason"], "原片在路上");
    let contact = |s: &serde_json::Value| {
        s["deadlines"]
            .as_array()
            .and_then(|d| d.iter().find(|d| d["id"] == "contact-person"))
            .expect("contact deadline")
            .clone()
    };
    assert_eq!(contact(&s)["seconds_left"], 1);
    assert_eq!(contact(&s)["state"], "soon");
    assert!(
        s["contact"]["text"]
            .as_str()
            .is_some_and(|t| t.contains("姓名：林晓") && t.contains("单位职务：办公室主任")),
        "{s}"
    );

    // The clock can also come from the environment; one second later it has passed.
    let lib = r.library();
    let env = [
        ("BAOSONG_LIBRARY", lib.to_str().unwrap_or("")),
        ("BAOSONG_NOW", "2023-06-08T04:00:01Z"),
    ];
    let late = r.cli_env(&["status", "--json"], &env).ok().json();
    assert_eq!(contact(&late)["seconds_left"], -1);
    assert_eq!(contact(&late)["state"], "passed");
    let text = r.cli_env(&["status"], &env).ok().stdout;
    assert!(text.contains("已超过截止时间"), "{text}");

    // 已报送 with its date, then the provincial campaign: its caps, not the municipal floors.
    r.cli_env(&["deadline", "done", "contact-person"], &env)
        .ok();
    let done = r.cli_env(&["status", "--json"], &env).ok().json();
    assert_eq!(contact(&done)["state"], "done");
    assert_eq!(done["contact"]["submitted_on"], "2023-06-08");
    r.cli(&["deadline", "done", "nonsense"]).fails_with(2);

    r.cli(&["campaign", "use", "guangdong-2023"]).fails_with(2);
    r.cli(&[
        "campaign",
        "use",
        "guangdong-2023",
        "--unit-type",
        "prefecture-city",
    ])
    .ok();
    let province = r.cli_env(&["status", "--json"], &env).ok().json();
    assert_eq!(province["campaign_id"], "guangdong-2023");
    let quotas = province["quotas"].as_array().expect("quotas");
    assert_eq!(quotas.len(), 4);
    assert!(quotas.iter().all(|q| q["max"] == 10 && q["min"].is_null()));
    assert_eq!(province["deadlines"][0]["id"], "portal-open");
    assert_eq!(province["contact"]["deadline_id"], serde_json::Value::Null);
    r.cli(&["status", "--now", "明天"]).fails_with(2);
}

#[test]
fn import_takes_a_folder_and_reports_each_file() {
    let r = Run::new();
    r.init();
    let stick = r.dir.path().join("U盘");
    std::fs::create_dir_all(stick.join("子文件夹")).expect("mkdir");
    let good = video(&stick, "劳模风采.mp4", "1920x1080");
    std::fs::copy(&good, stick.join("子文件夹").join("劳模风采-重发.mp4")).expect("copy");
    video(&stick.join("子文件夹"), "低清.mp4", "1280x720");
    let out = r
        .cli(&[
            "import",
            stick.to_str().unwrap_or_default(),
            "--category",
            "micro-video",
            "--unit",
            "南澳县总工会",
            "--json",
        ])
        .ok()
        .json();
    assert_eq!(
        (out["added"].as_u64(), out["duplicates"].as_u64()),
        (Some(2), Some(1))
    );
    let items = out["items"].as_array().expect("items");
    let by_name = |name: &str| {
        items
            .iter()
            .find(|i| i["path"].as_str().is_some_and(|p| p.ends_with(name)))
            .unwrap_or_else(|| panic!("{name} not reported: {out}"))
            .clone()
    };
    let first = by_name("U盘/劳模风采.mp4");
    assert_eq!(first["outcome"]["kind"], "added");
    assert_eq!(first["outcome"]["verdict"], "pass");
    assert_eq!(by_name("低清.mp4")["outcome"]["verdict"], "fail");
    let again = by_name("劳模风采-重发.mp4");
    assert_eq!(again["outcome"]["kind"], "duplicate");
    assert_eq!(again["outcome"]["action"], "skip");
    assert_eq!(
        again["outcome"]["existing_entry_id"],
        first["outcome"]["entry_id"]
    );

    // The hash is the one the municipal office's own tools print.
    let sum = Command::new("sha256sum")
        .arg(&good)
        .output()
        .expect("sha256sum");
    let expected = String::from_utf8_lossy(&sum.stdout);
    assert_eq!(first["sha256"].as_str(), expected.split_whitespace().next());

    // Text mode, an unknown category, and nothing to import.
    let text = r
        .cli(&[
            "import",
            good.to_str().unwrap_or_default(),
            "--category",
            "micro-video",
        ])
        .ok()
        .stdout;
    assert!(text.contains("内容相同，已跳过"), "{text}");
    r.cli(&[
        "import",
        good.to_str().unwrap_or_default(),
        "--category",
        "poetry",
    ])
    .fails_with(2);
    let missing = r
        .cli(&["import", "/no/such/folder", "--category", "micro-video"])
        .fails_with(1);
    assert!(missing.stdout.contains("不存在"), "{}", missing.explain());
}

#[test]
fn import_sheet_reads_a_gbk_csv_dry_then_for_real() {
    let r = Run::new();
    r.init();
    let files = r.dir.path().join("作品");
    std::fs::create_dir_all(&files).expect("mkdir");
    video(&files, "光荣劳动者.mp4", "1920x1080");
    let csv = "南澳县总工会作品报名表,,,,\n序号,作品名称,作者,联系电话,文件名\n1,光荣劳动者,张三,13800138000,光荣劳动者.mp4\n2,,李四,13800138000,\n";
    let (gbk, _, _) = encoding_rs::GBK.encode(csv);
    let sheet = r.file("报名表.csv", &gbk);
    let sheet = sheet.to_str().unwrap_or_default();
    let dir = files.to_str().unwrap_or_default();

    let dry = r
        .cli(&[
            "import-sheet",
            sheet,
            "--files",
            dir,
            "--category",
            "micro-video",
            "--dry-run",
            "--json",
        ])
        .json();
    assert_eq!(dry["encoding"], "GBK");
    assert_eq!(dry["created"], 1);
    assert_eq!(dry["blocked"], 1);
    assert_eq!(dry["rows"][0]["plan"]["input"]["title"], "光荣劳动者");
    assert_eq!(dry["rows"][0]["entry_id"], serde_json::Value::Null);
    let none = r.cli(&["entry", "list", "--json"]).ok().json();
    assert_eq!(none.as_array().map(Vec::len), Some(0), "dry run wrote");

    let done = r
        .cli(&[
            "import-sheet",
            sheet,
            "--files",
            dir,
            "--category",
            "micro-video",
        ])
        .fails_with(1);
    assert!(done.stdout.contains("已登记 #"), "{}", done.explain());
    assert!(done.stdout.contains("缺少作品名称"), "{}", done.explain());
    let list = r.cli(&["entry", "list", "--json"]).ok().json();
    assert_eq!(list[0]["title"], "光荣劳动者");
    assert_eq!(list[0]["verdict"], "pass");

    // And back out: an .xlsx the sheet import itself can read.
    let out = r.dir.path().join("作品清单.xlsx");
    let exported = r
        .cli(&[
            "export",
            "--out",
            out.to_str().unwrap_or_default(),
            "--json",
        ])
        .ok()
        .json();
    assert_eq!(exported["rows"], 1);
    let back = r
        .cli(&[
            "import-sheet",
            out.to_str().unwrap_or_default(),
            "--dry-run",
            "--json",
        ])
        .json();
    assert_eq!(back["rows"][0]["plan"]["input"]["title"], "光荣劳动者");

    let bad = r.file("坏表.xlsx", b"definitely not a spreadsheet");
    r.cli(&["import-sheet", bad.to_str().unwrap_or_default()])
        .fails_with(2);
}

#[test]
fn import_sheet_map_corrects_the_column_mapping_as_the_window_does() {
    let r = Run::new();
    r.init();
    // "主创" is no header the reader knows, so without a correction no row has an author.
    let csv = "序号,作品名称,主创,联系电话,类别\n1,光荣劳动者,张三,13800138000,微视频\n2,红色家书,李四,0754-88274135,诵读\n";
    let sheet = r.file("报名表.csv", csv.as_bytes());
    let sheet = sheet.to_str().unwrap_or_default();

    let uncorrected = r
        .cli(&["import-sheet", sheet, "--dry-run", "--json"])
        .json();
    assert_eq!(uncorrected["blocked"], 2);

    for column in ["C", "3", "主创"] {
        let map = format!("作者={column}");
        let dry = r
            .cli(&["import-sheet", sheet, "--map", &map, "--dry-run", "--json"])
            .ok()
            .json();
        assert_eq!(dry["mapping"]["authors"], 2, "--map {map}");
        assert_eq!(dry["blocked"], 0, "--map {map}");
        assert_eq!(dry["rows"][1]["plan"]["input"]["authors"][0], "李四");
    }

    // Repeatable, by id too; a column taken by another field moves, an empty one unassigns.
    let moved = r
        .cli(&[
            "import-sheet",
            sheet,
            "--map",
            "authors=c",
            "--map",
            "作品名称=D",
            "--map",
            "电话=",
            "--dry-run",
            "--json",
        ])
        .ok()
        .json();
    assert_eq!(moved["mapping"]["title"], 3);
    assert_eq!(moved["mapping"]["phone"], serde_json::Value::Null);
    assert_eq!(moved["rows"][0]["plan"]["input"]["title"], "13800138000");
    assert_eq!(moved["rows"][0]["plan"]["input"]["phone"], "");

    // For real: the corrected mapping is the one imported.
    let done = r.cli(&["import-sheet", sheet, "--map", "作者=C"]).ok();
    assert!(done.stdout.contains("已导入 2 行"), "{}", done.explain());
    let list = r.cli(&["entry", "list", "--json"]).ok().json();
    let mut authors: Vec<String> = list
        .as_array()
        .map(|a| a.iter().map(|e| e["authors"][0].to_string()).collect())
        .unwrap_or_default();
    authors.sort();
    assert_eq!(authors, vec!["\"张三\"", "\"李四\""], "{list}");

    // Wrong corrections: Chinese, exit 2, nothing imported.
    let before = r.cli(&["entry", "list", "--json"]).ok().json();
    let field = r
        .cli(&["import-sheet", sheet, "--map", "导演=C"])
        .fails_with(2);
    assert!(
        field.stderr.contains("没有“导演”这一项"),
        "{}",
        field.explain()
    );
    assert!(
        field.stderr.contains("作者（authors）"),
        "{}",
        field.explain()
    );
    let column = r
        .cli(&["import-sheet", sheet, "--map", "作者=Z"])
        .fails_with(2);
    assert!(
        column.stderr.contains("报名表中没有“Z”这一列") && column.stderr.contains("C 主创"),
        "{}",
        column.explain()
    );
    let json = r.cli(&["import-sheet", sheet, "--map", "作者=备注", "--json"]);
    assert_eq!(json.code, 2, "{}", json.explain());
    let error: serde_json::Value =
        serde_json::from_str(&json.stderr).unwrap_or_else(|e| panic!("{e}: {}", json.explain()));
    assert_eq!(error["error"]["code"], "sheet.unknown_column");
    let syntax = r
        .cli(&["import-sheet", sheet, "--map", "作者"])
        .fails_with(2);
    assert!(syntax.stderr.contains("项=列"), "{}", syntax.explain());
    let after = r.cli(&["entry", "list", "--json"]).ok().json();
    assert_eq!(before, after, "a refused correction imported something");
}

#[test]
fn entry_update_with_a_refused_recommendation_leaves_the_category_as_it_was() {
    let r = Run::new();
    r.init();
    let broken = r.file("坏文件.mp4", b"definitely not a video");
    let added = r
        .cli(&[
            "entry",
            "add",
            broken.to_str().unwrap_or_default(),
            "--category",
            "micro-video",
            "--title",
            "坏文件",
            "--author",
            "甲",
            "--json",
        ])
        .ok()
        .json();
    let id = added["id"].as_i64().expect("id").to_string();

    // The data and the review are one change: the recommendation is refused (the file fails
    // and no reason is written), so the category does not move either.
    let out = r
        .cli(&[
            "entry",
            "update",
            &id,
            "--category",
            "recitation",
            "--recommend",
            "true",
        ])
        .fails_with(2);
    assert!(out.stderr.contains("理由"), "{}", out.explain());
    let shown = r.cli(&["entry", "show", &id, "--json"]).ok().json();
    assert_eq!(shown["category"], "micro-video", "{shown:#}");
    assert_eq!(shown["review"]["recommended"], false);
}
