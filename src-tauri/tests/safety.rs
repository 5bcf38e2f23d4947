//! A season's works are safe: nothing deleted by mistake, backups that restore, and a library
//! folder treated as a stranger's input. Black-box tests of the real `baosong-cli`.

mod support;

use std::path::{Path, PathBuf};

use support::Run;

fn add(r: &Run, name: &str, bytes: &[u8]) -> serde_json::Value {
    let f = r.file(name, bytes);
    r.cli(&[
        "entry",
        "add",
        f.to_str().unwrap_or_default(),
        "--category",
        "recitation",
        "--title",
        name,
        "--author",
        "林晓",
        "--json",
    ])
    .ok()
    .json()
}

fn stored(r: &Run, entry: &serde_json::Value) -> PathBuf {
    let rel = entry["files"][0]["stored_path"]
        .as_str()
        .expect("stored_path");
    r.library().join(rel)
}

fn sql(r: &Run, statement: &str) {
    let c = rusqlite::Connection::open(r.library().join("catalog.sqlite")).expect("sqlite");
    c.execute_batch(statement).expect("tamper");
}

fn remove_catalog(r: &Run) {
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(r.library().join(format!("catalog.sqlite{suffix}")));
    }
}

#[test]
fn a_lost_catalog_is_never_recreated_over_the_works_and_a_backup_brings_them_back() {
    let r = Run::new();
    r.init();
    let first = add(&r, "第一首.mp3", b"first work");
    let backup = r.cli(&["backup", "create", "--json"]).ok().json();
    assert_eq!(backup["works"], 1, "{backup}");
    assert_eq!(backup["kind"], "manual");
    let second = add(&r, "第二首.mp3", b"second work");
    let (a, b) = (stored(&r, &first), stored(&r, &second));

    remove_catalog(&r);
    // The old advice was 新建 here, which swept every stored work away.
    let init = r
        .cli(&[
            "init",
            "--office",
            "南澳县总工会",
            "--unit-type",
            "county-or-zone",
        ])
        .fails_with(2);
    assert!(init.stderr.contains("备份"), "{}", init.explain());
    let opened = r.cli(&["info"]).fails_with(2);
    assert!(opened.stderr.contains("备份"), "{}", opened.explain());
    assert!(a.is_file() && b.is_file(), "a stored work is gone");
    assert!(!r.library().join("catalog.sqlite").exists());

    // The way back: the backups are listed without a catalog, and one is put in place.
    let list = r.cli(&["backup", "list", "--json"]).ok().json();
    let ids: Vec<&str> = list
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|b| b["id"].as_str())
        .collect();
    assert!(
        ids.contains(&backup["id"].as_str().unwrap_or_default()),
        "{list}"
    );
    let refused = r.cli(&[
        "backup",
        "restore",
        backup["id"].as_str().unwrap_or_default(),
    ]);
    let refused = refused.fails_with(2);
    assert!(refused.stderr.contains("--yes"), "{}", refused.explain());
    let restored = r
        .cli(&[
            "backup",
            "restore",
            backup["id"].as_str().unwrap_or_default(),
            "--yes",
            "--json",
        ])
        .ok()
        .json();
    assert_eq!(restored["unlisted"], 1, "{restored}");
    let entries = r.cli(&["entry", "list", "--json"]).ok().json();
    assert_eq!(entries.as_array().map(Vec::len), Some(1), "{entries}");
    assert!(a.is_file() && b.is_file());

    // The work added after the backup is offered, and catalogued again from its file.
    let unlisted = r.cli(&["files", "unlisted", "--json"]).ok().json();
    let path = second["files"][0]["stored_path"]
        .as_str()
        .unwrap_or_default();
    assert_eq!(unlisted[0]["stored_path"], path, "{unlisted}");
    let adopted = r
        .cli(&["files", "adopt", path, "--category", "recitation", "--json"])
        .ok()
        .json();
    assert_eq!(adopted[0]["outcome"]["kind"], "added", "{adopted}");
    let entries = r.cli(&["entry", "list", "--json"]).ok().json();
    assert_eq!(entries.as_array().map(Vec::len), Some(2), "{entries}");
    assert_eq!(
        r.cli(&["files", "unlisted", "--json"]).ok().json(),
        serde_json::json!([])
    );
}

#[test]
fn restoring_a_live_catalog_keeps_every_file_and_can_be_undone() {
    let r = Run::new();
    r.init();
    add(&r, "甲.mp3", b"work a");
    // Also to a second folder (a stick): the same file, whole.
    let stick = r.file("U盘", b"").with_extension("d");
    let backup = r
        .cli(&[
            "backup",
            "create",
            "--copy-to",
            stick.to_str().unwrap_or_default(),
            "--json",
        ])
        .ok()
        .json();
    let copy = stick.join(format!(
        "catalog-{}.sqlite",
        backup["id"].as_str().unwrap_or_default()
    ));
    let c = rusqlite::Connection::open(&copy).expect("the copy opens");
    let works: i64 = c
        .query_row("SELECT count(*) FROM entries", [], |r| r.get(0))
        .expect("count");
    assert_eq!(works, 1);
    let later = add(&r, "乙.mp3", b"work b");
    let id = backup["id"].as_str().unwrap_or_default();
    let report = r
        .cli(&["backup", "restore", id, "--yes", "--json"])
        .ok()
        .json();
    assert_eq!(report["restored"]["id"], id);
    assert_eq!(report["unlisted"], 1, "{report}");
    assert!(
        stored(&r, &later).is_file(),
        "a restore deleted a stored work"
    );
    // Its name comes from the copy made just before the restore.
    let unlisted = r.cli(&["files", "unlisted", "--json"]).ok().json();
    assert_eq!(unlisted[0]["original_name"], "乙.mp3", "{unlisted}");
    // Undo: the safety backup holds both works.
    let safety = report["safety_backup"]["id"].as_str().unwrap_or_default();
    assert_eq!(report["safety_backup"]["works"], 2, "{report}");
    r.cli(&["backup", "restore", safety, "--yes"]).ok();
    let entries = r.cli(&["entry", "list", "--json"]).ok().json();
    assert_eq!(entries.as_array().map(Vec::len), Some(2));
    // A damaged backup is refused, and changes nothing.
    let dir = r.library().join("backups");
    let damaged = dir.join("catalog-20230101-000000000-manual.sqlite");
    std::fs::write(&damaged, b"SQLite format 3\0 but not really").expect("write");
    let bad = r
        .cli(&["backup", "restore", "20230101-000000000-manual", "--yes"])
        .fails_with(2);
    assert!(bad.stderr.contains("不能使用"), "{}", bad.explain());
    let entries = r.cli(&["entry", "list", "--json"]).ok().json();
    assert_eq!(entries.as_array().map(Vec::len), Some(2));
}

#[cfg(unix)]
#[test]
fn links_in_the_store_are_never_followed_by_the_sweep_or_an_import() {
    use std::os::unix::fs::symlink;
    let r = Run::new();
    r.init();
    add(&r, "甲.mp3", b"work a");
    let outside = r.file("外面", b"").with_extension("d");
    std::fs::create_dir_all(&outside).expect("mkdir");
    let report = outside.join("报告.docx");
    std::fs::write(&report, b"the clerk's report").expect("write");
    std::fs::write(outside.join("part-1"), b"named like a temporary").expect("write");

    let incoming = r.library().join("files/.incoming");
    let _ = std::fs::remove_dir_all(&incoming);
    symlink(&outside, &incoming).expect("link .incoming");
    symlink(&outside, r.library().join("files/zz")).expect("link a shard");
    for _ in 0..2 {
        r.cli(&["info"]).ok();
    }
    assert!(
        report.is_file(),
        "opening deleted a file outside the library"
    );
    assert!(outside.join("part-1").is_file());

    // An import through the linked .incoming is refused, and writes nothing there.
    let f = r.file("乙.mp3", b"work b");
    let refused = r
        .cli(&[
            "entry",
            "add",
            f.to_str().unwrap_or_default(),
            "--category",
            "recitation",
            "--title",
            "乙",
            "--author",
            "林晓",
        ])
        .fails_with(2);
    assert!(refused.stderr.contains("链接"), "{}", refused.explain());
    let inside: Vec<_> = std::fs::read_dir(&outside)
        .expect("outside")
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(inside.len(), 2, "{inside:?}");
}

#[cfg(unix)]
#[test]
fn a_pipe_among_the_files_to_import_is_skipped_and_named() {
    let r = Run::new();
    r.init();
    let stick = r.file("stick", b"").with_extension("d");
    std::fs::create_dir_all(&stick).expect("mkdir");
    std::fs::write(stick.join("朗诵.mp3"), b"a recitation").expect("write");
    let status = std::process::Command::new("mkfifo")
        .arg(stick.join("管道.mp3"))
        .status()
        .expect("mkfifo");
    assert!(status.success());
    std::os::unix::fs::symlink(stick.join("朗诵.mp3"), stick.join("链接.mp3")).expect("link");
    let report = r.cli(&[
        "import",
        stick.to_str().unwrap_or_default(),
        "--category",
        "recitation",
        "--json",
    ]);
    // Exit 1: not every file came in; the report says which and why.
    assert_eq!(report.code, 1, "{}", report.explain());
    let report = report.json();
    assert_eq!(report["added"], 1, "{report}");
    assert_eq!(report["failed"], 2, "{report}");
    let reasons: Vec<String> = report["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|i| i["outcome"]["kind"] == "failed")
        .map(|i| format!("{} {}", i["path"], i["outcome"]["reason"]))
        .collect();
    assert!(
        reasons
            .iter()
            .any(|r| r.contains("管道.mp3") && r.contains("不是普通文件")),
        "{reasons:?}"
    );
    assert!(
        reasons
            .iter()
            .any(|r| r.contains("链接.mp3") && r.contains("链接")),
        "{reasons:?}"
    );
}

#[test]
fn tampered_catalog_paths_are_refused_naming_the_row_and_nothing_outside_is_touched() {
    let r = Run::new();
    r.init();
    let tone = support::ffmpeg(
        Path::new(&lib(&r)).parent().expect("tmp"),
        "朗诵.mp3",
        &["-f", "lavfi", "-i", "sine=frequency=440:duration=1"],
    );
    let work = r
        .cli(&[
            "entry",
            "add",
            tone.to_str().unwrap_or_default(),
            "--category",
            "recitation",
            "--title",
            "朗诵",
            "--author",
            "林晓",
            "--declare",
            "original",
            "--json",
        ])
        .ok()
        .json();
    let id = work["id"].as_i64().expect("id").to_string();
    r.cli(&[
        "entry",
        "update",
        &id,
        "--status",
        "approved",
        "--recommend",
        "true",
    ])
    .ok();
    let batch = r.cli(&["batch", "create", "--json"]).ok().json();
    let batch_id = batch["batch"]["id"].as_i64().expect("batch id").to_string();

    // An export that would write outside the package.
    sql(&r, "UPDATE batch_files SET package_path = '../../逃逸.mp3'");
    let dest = r.file("export", b"").with_extension("d");
    std::fs::create_dir_all(&dest).expect("mkdir");
    let refused = r
        .cli(&[
            "batch",
            "export",
            &batch_id,
            "--out",
            dest.to_str().unwrap_or_default(),
        ])
        .fails_with(2);
    assert!(refused.stderr.contains("报送批次"), "{}", refused.explain());
    assert!(!r.library().join("逃逸.mp3").exists() && !dest.join("../逃逸.mp3").exists());

    // An export that would copy a file from anywhere.
    sql(
        &r,
        "UPDATE batch_files SET package_path = '诵读/01.mp3', stored_path = '../../../etc/passwd'",
    );
    let refused = r
        .cli(&[
            "batch",
            "export",
            &batch_id,
            "--out",
            dest.to_str().unwrap_or_default(),
        ])
        .fails_with(2);
    assert!(
        refused.stderr.contains("不是资料库存放作品文件的路径"),
        "{}",
        refused.explain()
    );

    // A work whose row points elsewhere shows why, and the list still opens.
    let outside = r.file("secret.mp3", b"not a work of this library");
    sql(
        &r,
        &format!("UPDATE files SET stored_path = '{}'", outside.display()),
    );
    sql(&r, "DELETE FROM media_facts");
    let list = r.cli(&["entry", "list", "--json"]).ok().json();
    let text = list.to_string();
    assert!(text.contains("路径不安全"), "{text}");
}

/// The folder of `r`'s library as a string.
fn lib(r: &Run) -> String {
    r.library().display().to_string()
}

#[test]
fn the_store_holds_nothing_but_what_init_refuses_to_cover() {
    // Catalog remnants or backups alone are enough to refuse a new library there.
    for remnant in ["catalog.sqlite-wal", "backups/catalog-x.sqlite"] {
        let r = Run::new();
        let p = Path::new(&lib(&r)).join(remnant);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(&p, b"x").expect("write");
        let out = r
            .cli(&[
                "init",
                "--office",
                "南澳县总工会",
                "--unit-type",
                "county-or-zone",
            ])
            .fails_with(2);
        assert!(
            out.stderr.contains("不能在此新建"),
            "{remnant}: {}",
            out.explain()
        );
        assert!(p.is_file());
    }
}

#[test]
fn a_changed_host_asks_for_the_secret_again_and_a_port_change_keeps_it() {
    let r = Run::new();
    r.init();
    let lib = lib(&r);
    let env = [
        ("BAOSONG_LIBRARY", lib.as_str()),
        ("BAOSONG_SECRET_STORE", "file"),
    ];
    let set = |host: &str, port: &str, stdin: Option<&str>| {
        let mut args = vec![
            "account",
            "set",
            "--preset",
            "custom",
            "--address",
            "office@example.test",
            "--host",
            host,
            "--port",
            port,
            "--security",
            "tls",
            "--json",
        ];
        match stdin {
            Some(secret) => {
                args.push("--password-stdin");
                r.cli_stdin(&args, &env, secret).ok().json()
            }
            None => r.cli_env(&args, &env).ok().json(),
        }
    };
    assert_eq!(
        set("smtp.example.test", "465", Some("abcdefghijklmnop"))["has_secret"],
        true
    );
    // Another port on the same server: the same mailbox, the 授权码 stays.
    assert_eq!(set("smtp.example.test", "994", None)["has_secret"], true);
    // Another host: the 授权码 is not handed to it.
    assert_eq!(set("mail.elsewhere.test", "465", None)["has_secret"], false);
}

fn codes(report: &serde_json::Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| f["code"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[test]
fn doctor_finds_damaged_missing_linked_and_unlisted_files_and_repairs_only_by_putting_back() {
    let r = Run::new();
    r.init();
    let a = add(&r, "甲.mp3", b"work a, whole");
    let b = add(&r, "乙.mp3", b"work b, whole");
    let c = add(&r, "丙.mp3", b"work c, whole");
    r.cli(&["backup", "create"]).ok();
    let clean = r.cli(&["doctor", "--full", "--json"]).ok().json();
    assert_eq!(clean["integrity"], "ok");
    assert_eq!(clean["files_checked"], 3);
    assert_eq!(codes(&clean), Vec::<String>::new(), "{clean}");

    // A: one byte more (a bad copy); B: the same size, other bytes (bit rot); C: gone to the
    // trash by hand.
    let mut bytes = std::fs::read(stored(&r, &a)).expect("a");
    bytes.push(b'!');
    std::fs::write(stored(&r, &a), bytes).expect("grow a");
    std::fs::write(stored(&r, &b), b"work b, WHOLE").expect("rot b");
    let c_rel = c["files"][0]["stored_path"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let trashed = r.library().join("trash/2026-01-01").join(&c_rel);
    std::fs::create_dir_all(trashed.parent().expect("dir")).expect("mkdir");
    std::fs::rename(stored(&r, &c), &trashed).expect("to the trash");
    // And what the store should not hold: a foreign file, an unlisted one, a link.
    std::fs::write(r.library().join("files/readme.txt"), b"?").expect("foreign");
    let unlisted = format!("files/dd/{}.mp4", "d".repeat(64));
    std::fs::create_dir_all(r.library().join("files/dd")).expect("mkdir");
    std::fs::write(r.library().join(&unlisted), b"a work").expect("unlisted");
    #[cfg(unix)]
    std::os::unix::fs::symlink("/etc", r.library().join("files/ee")).expect("link");

    let quick = r.cli(&["doctor", "--json"]);
    assert_eq!(quick.code, 1, "{}", quick.explain());
    let quick = quick.json();
    let found = codes(&quick);
    for code in [
        "doctor.size",
        "doctor.missing",
        "doctor.foreign",
        "doctor.unlisted",
    ] {
        assert!(found.iter().any(|c| c == code), "{code} not in {quick}");
    }
    #[cfg(unix)]
    assert!(found.iter().any(|c| c == "doctor.link"), "{quick}");
    assert!(
        !found.iter().any(|c| c == "doctor.damaged"),
        "quick mode hashed: {quick}"
    );
    let full = r.cli(&["doctor", "--full", "--json"]).json();
    assert!(codes(&full).iter().any(|c| c == "doctor.damaged"), "{full}");
    let text = r.cli(&["doctor"]);
    assert!(
        text.stdout.contains("处理：") && text.stdout.contains("回收站"),
        "{}",
        text.explain()
    );

    // The repair puts C back, and deletes nothing.
    let repaired = r.cli(&["doctor", "--repair", "--json"]).json();
    let missing = repaired["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["code"] == "doctor.missing")
        .cloned()
        .expect("missing");
    assert_eq!(missing["repaired"], true, "{repaired}");
    assert!(stored(&r, &c).is_file());
    assert!(r.library().join(&unlisted).is_file());
    assert!(r.library().join("files/readme.txt").is_file());
    #[cfg(unix)]
    assert!(
        std::fs::symlink_metadata(r.library().join("files/ee")).is_ok(),
        "the link was removed"
    );
}

#[test]
fn only_known_media_is_handed_to_the_system_and_always_under_its_own_extension() {
    use baosong::library::{Actor, Library, Openable};
    let r = Run::new();
    r.init();
    let dir = Path::new(&lib(&r)).parent().expect("tmp").to_path_buf();
    let tone = support::ffmpeg(
        &dir,
        "朗诵.mp3",
        &["-f", "lavfi", "-i", "sine=frequency=440:duration=1"],
    );
    let disguised = dir.join("作品.mp3.exe");
    std::fs::copy(&tone, &disguised).expect("copy");
    let program = r.file(
        "作品.mp4",
        b"MZ\x90\x00 this is a Windows program, not a video",
    );
    let ids: Vec<i64> = [&tone, &disguised, &program]
        .iter()
        .map(|f| add_path(&r, f)["files"][0]["id"].as_i64().expect("file id"))
        .collect();
    let library = Library::open(&r.library(), Actor::Cli).expect("open");
    match library.openable(ids[0]).expect("mp3") {
        Openable::File(p) => assert_eq!(p.extension().and_then(|e| e.to_str()), Some("mp3")),
        other => panic!("{other:?}"),
    }
    // Stored as ….exe (its name's extension); opened only as what it is.
    match library.openable(ids[1]).expect("disguised") {
        Openable::File(p) => {
            assert_eq!(p.extension().and_then(|e| e.to_str()), Some("mp3"), "{p:?}");
            assert!(p.starts_with(r.library().join("opened")));
            assert_eq!(
                std::fs::read(&p).expect("read"),
                std::fs::read(&tone).expect("tone")
            );
        }
        other => panic!("{other:?}"),
    }
    // Not media at all: its folder is shown, the file is never handed over.
    match library.openable(ids[2]).expect("program") {
        Openable::Folder(p) => assert!(p.is_dir(), "{p:?}"),
        other => panic!("a program would be run: {other:?}"),
    }
}

/// Adds the file at `f` as a recitation, by the CLI.
fn add_path(r: &Run, f: &Path) -> serde_json::Value {
    r.cli(&[
        "entry",
        "add",
        f.to_str().unwrap_or_default(),
        "--category",
        "recitation",
        "--title",
        "作品",
        "--author",
        "林晓",
        "--json",
    ])
    .ok()
    .json()
}
