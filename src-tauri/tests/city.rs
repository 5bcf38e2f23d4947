//! 市级收件 through the real CLI: district libraries made here export real packages (media made
//! by ffmpeg), and a receiving library takes them in, verifies every file, re-checks the rules
//! and shows the whole city.

mod support;

use std::path::{Path, PathBuf};

use support::district::{
    a_work_file, add_recommended, city_library, copy_dir, district_package, package, tone,
};
use support::{Run, video};

fn receive(r: &Run, lib: &Path, folders: &[&Path]) -> support::Result {
    let mut args = vec!["receive", "--json", "--folder"];
    args.extend(folders.iter().map(|f| f.to_str().unwrap_or_default()));
    r.at(lib, &args)
}

fn works(r: &Run, lib: &Path, extra: &[&str]) -> Vec<serde_json::Value> {
    let mut args = vec!["city", "works", "--json"];
    args.extend_from_slice(extra);
    r.at(lib, &args)
        .ok()
        .json()
        .as_array()
        .cloned()
        .unwrap_or_default()
}

#[test]
fn the_city_takes_in_two_districts_once_each_and_sees_every_unit() {
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
    let other = tone(dir, "other.mp3", 660, 1);
    let nanao = district_package(
        &r,
        "南澳县总工会",
        "county-or-zone",
        &[("recitation", "海岛之歌", &other)],
    );
    let lib = city_library(&r, "市级收件", &[]);
    let out = receive(&r, &lib, &[&jinping, &nanao]).ok().json();
    let items = out["received"].as_array().expect("received");
    assert_eq!(items.len(), 2, "{out}");
    for item in items {
        let b = &item["batch"];
        assert_eq!(b["new_batch"], true, "{out}");
        assert_eq!(b["verified"], b["files"], "{out}");
        assert!(b["problems"].as_array().is_some_and(Vec::is_empty), "{out}");
    }
    let all = works(&r, &lib, &[]);
    assert_eq!(all.len(), 3, "{all:?}");
    let bay = all
        .iter()
        .find(|w| w["title"] == "海湾新貌")
        .expect("海湾新貌");
    assert_eq!(bay["office"], "金平区总工会");
    assert_eq!(bay["batch"], "第1批");
    assert_eq!(bay["verdict"], "pass");
    let file = &bay["files"][0];
    assert_eq!(file["verified"], true);
    assert_eq!(file["sha256"].as_str().map(str::len), Some(64));
    assert_eq!(works(&r, &lib, &["--office", "南澳县总工会"]).len(), 1);
    assert_eq!(works(&r, &lib, &["--category", "recitation"]).len(), 2);

    // The same batches again (a stick after the mail): nothing new.
    let again = receive(&r, &lib, &[&jinping, &nanao]).ok().json();
    for item in again["received"].as_array().expect("received") {
        assert_eq!(item["batch"]["new_batch"], false, "{again}");
        assert_eq!(item["batch"]["files_added"], 0, "{again}");
    }
    assert_eq!(works(&r, &lib, &[]).len(), 3);

    // The whole city: every unit the campaign lists, those that sent nothing included.
    let status = r
        .at(
            &lib,
            &[
                "city",
                "status",
                "--now",
                "2023-06-20T10:00:00+08:00",
                "--json",
            ],
        )
        .ok()
        .json();
    let districts = status["districts"].as_array().expect("districts");
    assert_eq!(districts.len(), 10, "{status}");
    let unit = |name: &str| {
        districts
            .iter()
            .find(|d| d["office"] == name)
            .unwrap_or_else(|| panic!("{name} missing: {status}"))
    };
    assert_eq!(unit("金平区总工会")["batches"], 1);
    let recitation = |d: &serde_json::Value| {
        d["categories"]
            .as_array()
            .and_then(|c| c.iter().find(|c| c["category"] == "recitation"))
            .cloned()
            .expect("recitation")
    };
    let j = recitation(unit("金平区总工会"));
    assert_eq!(
        (j["received"].as_u64(), j["passing"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(j["status"], "short", "{j}");
    let l = recitation(unit("龙湖区总工会"));
    assert_eq!(
        (l["received"].as_u64(), l["status"].as_str()),
        (Some(0), Some("not-sent"))
    );
    let late = r
        .at(
            &lib,
            &[
                "city",
                "status",
                "--now",
                "2023-06-26T09:00:00+08:00",
                "--json",
            ],
        )
        .ok()
        .json();
    assert_eq!(late["deadline_passed"], true);
    let l = late["districts"]
        .as_array()
        .and_then(|d| d.iter().find(|d| d["office"] == "龙湖区总工会"))
        .map(recitation)
        .expect("龙湖");
    assert_eq!(l["status"], "overdue");

    // The received files are the library's own: a reopen's sweep keeps them, none is unlisted.
    let unlisted = r.at(&lib, &["files", "unlisted", "--json"]).ok().json();
    assert_eq!(unlisted.as_array().map(Vec::len), Some(0), "{unlisted}");
    assert_eq!(works(&r, &lib, &[]).len(), 3);
}

#[test]
fn a_changed_byte_or_a_missing_file_is_a_problem_until_the_intact_copy_arrives() {
    let r = Run::new();
    let dir = r.dir.path();
    let voice = tone(dir, "voice.mp3", 440, 1);
    let song = tone(dir, "song.mp3", 550, 1);
    let package = district_package(
        &r,
        "金平区总工会",
        "district",
        &[
            ("recitation", "读经典", &voice),
            ("recitation", "唱家乡", &song),
        ],
    );
    // One copy with a byte changed in one work, another without that work at all; plus an
    // extra file and a link to a file outside the package.
    let damaged = dir.join("damaged");
    copy_dir(&package, &damaged);
    let victim = a_work_file(&damaged);
    let mut bytes = std::fs::read(&victim).expect("work");
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x55;
    std::fs::write(&victim, &bytes).expect("write");
    std::fs::write(damaged.join("多余.txt"), "不在清单中").expect("extra");
    let secret = dir.join("outside.txt");
    std::fs::write(&secret, "a file outside the package").expect("outside");
    std::os::unix::fs::symlink(&secret, damaged.join("link.txt")).expect("link");

    let lib = city_library(&r, "市级收件", &[]);
    let out = receive(&r, &lib, &[&damaged]).ok().json();
    let b = &out["received"][0]["batch"];
    assert_eq!(
        (b["files"].as_u64(), b["verified"].as_u64()),
        (Some(2), Some(1)),
        "{out}"
    );
    let kinds: Vec<&str> = b["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .filter_map(|p| p["kind"].as_str())
        .collect();
    assert!(kinds.contains(&"different"), "{kinds:?}");
    assert_eq!(
        kinds.iter().filter(|k| **k == "extra").count(),
        2,
        "{kinds:?}"
    );
    let different = b["problems"]
        .as_array()
        .and_then(|p| p.iter().find(|p| p["kind"] == "different"))
        .expect("different");
    assert!(
        different["message"]
            .as_str()
            .is_some_and(|m| m.contains("校验值不符")),
        "{different}"
    );
    // The link was never read into the store.
    let stored = walk_files(&lib.join("files"));
    assert!(
        !stored
            .iter()
            .any(|p| std::fs::read(p).is_ok_and(|b| b == b"a file outside the package")),
        "{stored:?}"
    );
    let w = works(&r, &lib, &[]);
    let bad: Vec<_> = w
        .iter()
        .filter(|w| w["files"][0]["verified"] == false)
        .collect();
    assert_eq!(bad.len(), 1, "{w:?}");
    assert!(!bad[0]["problems"].as_array().is_some_and(Vec::is_empty));
    // The window shows (thumbnail, player) only bytes that match the district's statement.
    {
        use baosong::coded::Coded;
        let opened = baosong::library::Library::open(&lib, baosong::library::Actor::Cli)
            .expect("open the city's library");
        for work in &w {
            let file = &work["files"][0];
            let id = file["id"].as_i64().expect("a file id");
            match opened.received_stored_file(id) {
                Ok((sha, path)) => {
                    assert_eq!(file["verified"], true, "{file}");
                    assert_eq!(sha, file["sha256"].as_str().unwrap_or_default());
                    let bytes = std::fs::read(&path).expect("stored bytes");
                    assert_eq!(
                        baosong::digest::sha256_hex(&bytes),
                        sha,
                        "{}",
                        path.display()
                    );
                }
                Err(e) => {
                    assert_eq!(file["verified"], false, "{file}");
                    assert_eq!(e.code(), "city.file_not_received", "{e}");
                    assert!(e.to_string().contains("校验值不符"), "{e}");
                }
            }
        }
        assert_eq!(
            opened
                .received_stored_file(987_654)
                .map_err(|e| e.code())
                .err(),
            Some("file.not_found")
        );
    }
    let status = r
        .at(
            &lib,
            &[
                "city",
                "status",
                "--now",
                "2023-06-20T10:00:00+08:00",
                "--json",
            ],
        )
        .ok()
        .json();
    let j = status["districts"][0]["categories"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["category"] == "recitation"))
        .cloned()
        .expect("recitation");
    assert_eq!(
        (j["received"].as_u64(), j["passing"].as_u64()),
        (Some(2), Some(1))
    );
    assert_eq!(j["status"], "problems", "{j}");

    // The intact package arrives (the stick after the mail): the file is filled in, the
    // problem settled, nothing doubled.
    let out = receive(&r, &lib, &[&package]).ok().json();
    let b = &out["received"][0]["batch"];
    assert_eq!(b["new_batch"], false, "{out}");
    assert_eq!(b["files_added"], 1, "{out}");
    assert_eq!(b["verified"], 2, "{out}");
    assert!(
        !b["problems"]
            .as_array()
            .expect("problems")
            .iter()
            .any(|p| p["kind"] == "different"),
        "{out}"
    );
    let w = works(&r, &lib, &[]);
    assert_eq!(w.len(), 2);
    assert!(w.iter().all(|w| w["files"][0]["verified"] == true), "{w:?}");

    // A copy missing a work: listed as missing, the rest verified.
    let r2 = Run::new();
    let lib2 = city_library(&r2, "市级收件", &[]);
    let partial = r2.dir.path().join("partial");
    copy_dir(&package, &partial);
    std::fs::remove_file(a_work_file(&partial)).expect("remove");
    let out = receive(&r2, &lib2, &[&partial]).ok().json();
    let b = &out["received"][0]["batch"];
    assert_eq!(b["verified"], 1, "{out}");
    assert!(
        b["problems"]
            .as_array()
            .is_some_and(|p| p.iter().any(|p| p["kind"] == "missing")),
        "{out}"
    );
    let w = works(&r2, &lib2, &[]);
    assert!(
        w.iter().any(|w| w["verdict"].is_null()),
        "a work still to come: {w:?}"
    );
}

fn walk_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk_files(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn a_batch_resent_with_changes_is_a_new_version_and_the_old_stays_visible() {
    let r = Run::new();
    let dir = r.dir.path();
    let voice = tone(dir, "voice.mp3", 440, 1);
    let jinping = r.dir.path().join("金平区总工会-资料库");
    let first = district_package(
        &r,
        "金平区总工会",
        "district",
        &[("recitation", "读经典", &voice)],
    );
    // The district withdraws its unsent batch, adds a work and makes 第1批 again.
    r.at(&jinping, &["batch", "delete", "1"]).ok();
    let song = tone(dir, "song.mp3", 550, 1);
    add_recommended(&r, &jinping, "陈晓", &[("recitation", "唱家乡", &song)]);
    let second = package(&r, &jinping);

    let lib = city_library(&r, "市级收件", &[]);
    receive(&r, &lib, &[&first]).ok();
    let out = receive(&r, &lib, &[&second]).ok().json();
    let b = &out["received"][0]["batch"];
    assert_eq!(
        (b["new_batch"].as_bool(), b["version"].as_u64()),
        (Some(true), Some(2)),
        "{out}"
    );
    assert_eq!(b["label"], "第1批（第2版）");
    // The city counts the current version only.
    let w = works(&r, &lib, &[]);
    assert_eq!(w.len(), 2, "{w:?}");
    assert!(w.iter().all(|w| w["batch"] == "第1批（第2版）"), "{w:?}");
    // Receiving the first version again changes nothing.
    let again = receive(&r, &lib, &[&first]).ok().json();
    assert_eq!(again["received"][0]["batch"]["version"], 1, "{again}");
    assert_eq!(again["received"][0]["batch"]["new_batch"], false);
    assert_eq!(works(&r, &lib, &[]).len(), 2);
}

#[test]
fn what_is_not_a_batch_or_not_for_this_library_is_refused_in_chinese() {
    let r = Run::new();
    let dir = r.dir.path();
    let voice = tone(dir, "voice.mp3", 440, 1);
    let package = district_package(
        &r,
        "金平区总工会",
        "district",
        &[("recitation", "读经典", &voice)],
    );
    let lib = city_library(&r, "市级收件", &[]);

    let empty = dir.join("空文件夹");
    std::fs::create_dir_all(&empty).expect("dir");
    let out = receive(&r, &lib, &[&empty, &package]);
    assert_eq!(out.code, 2, "{}", out.explain());
    assert!(out.stderr.contains("receive.partial"), "{}", out.explain());
    let json = out.json();
    let items = json["received"].as_array().expect("received");
    assert_eq!(items[0]["error"]["code"], "receive.not_a_batch", "{json}");
    assert!(
        items[0]["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("manifest.json"))
    );
    assert_eq!(
        items[1]["batch"]["new_batch"], true,
        "the good folder is still taken in"
    );

    // A manifest from a newer program, and one that is not JSON.
    for (name, text, code) in [
        (
            "newer",
            r#"{"schema":"baosong-batch-manifest","version":2}"#,
            "receive.newer_manifest",
        ),
        ("broken", "{ not json", "receive.bad_manifest"),
    ] {
        let folder = dir.join(name);
        copy_dir(&package, &folder);
        std::fs::write(folder.join("manifest.json"), text).expect("manifest");
        let out = receive(&r, &lib, &[&folder]);
        assert_eq!(out.code, 2, "{}", out.explain());
        let out = out.json();
        assert_eq!(out["received"][0]["error"]["code"], code, "{out}");
    }

    // A district library does not receive.
    let district_lib = dir.join("金平区总工会-资料库");
    let out = r.at(
        &district_lib,
        &["receive", "--folder", package.to_str().unwrap_or_default()],
    );
    assert!(out.stderr.contains("市级收件"), "{}", out.explain());
    assert_eq!(out.code, 2);
}

/// Attachments saved by hand (webmail's 下载全部附件, a colleague's stick): the zips and
/// volumes of `batch plan --write` in plain-attachments mode and zip mode, handed to
/// `receive --zip`; without the first message's files the batch waits, with them it is taken in
/// and verified; the same files again add nothing.
#[test]
fn attachments_saved_by_hand_are_taken_in_once_the_first_messages_files_are_there() {
    let r = Run::new();
    let dir = r.dir.path();
    let hd = video(dir, "hd.mp4", "1920x1080");
    let voice = tone(dir, "voice.mp3", 440, 1);
    let other = tone(dir, "other.mp3", 550, 1);
    let package = district_package(
        &r,
        "金平区总工会",
        "district",
        &[
            ("micro-video", "海湾新貌", &hd),
            ("recitation", "读经典", &voice),
            ("recitation", "唱家乡", &other),
        ],
    );
    assert!(package.is_dir());
    let jinping = dir.join("金平区总工会-资料库");
    let written = dir.join("附件");
    std::fs::create_dir_all(&written).expect("dir");
    let plan = r
        .at(
            &jinping,
            &[
                "batch",
                "plan",
                "1",
                "--max-message-bytes",
                "130000",
                "--write",
                written.to_str().unwrap_or_default(),
                "--json",
            ],
        )
        .ok()
        .json();
    let mut first = Vec::new();
    let mut rest = Vec::new();
    for f in plan["written"]["files"].as_array().expect("written files") {
        let path = PathBuf::from(f["path"].as_str().expect("path"));
        if f["message"] == 1 {
            first.push(path);
        } else {
            rest.push(path);
        }
    }
    assert!(
        !first.is_empty() && !rest.is_empty(),
        "several messages: {first:?} {rest:?}"
    );
    let lib = city_library(&r, "市级收件", &[]);
    let receive_zip = |files: &[PathBuf]| {
        let mut args = vec!["receive", "--json", "--zip"];
        args.extend(files.iter().map(|f| f.to_str().unwrap_or_default()));
        r.at(&lib, &args).ok().json()
    };
    let waiting = receive_zip(&rest);
    assert_eq!(
        waiting["batches"].as_array().map(Vec::len),
        Some(0),
        "{waiting}"
    );
    let all: Vec<PathBuf> = first.iter().chain(&rest).cloned().collect();
    let got = receive_zip(&all);
    let b = &got["batches"][0];
    assert_eq!(b["works"], 3, "{got}");
    assert_eq!(b["verified"], b["files"], "{got}");
    let again = receive_zip(&all);
    assert_eq!(
        again["batches"].as_array().map(Vec::len),
        Some(0),
        "{again}"
    );
    assert_eq!(works(&r, &lib, &[]).len(), 3);
}

/// 资料库体检 in a receiving library: received files are the library's own (never 未编目文件),
/// their bytes are checked like a district's, and one lost from the store is reported with what
/// mends it — the batch taken in again, which puts it back.
#[test]
fn the_library_check_knows_received_files_and_taking_the_batch_again_mends_a_lost_one() {
    let r = Run::new();
    let dir = r.dir.path();
    let voice = tone(dir, "voice.mp3", 440, 1);
    let song = tone(dir, "song.mp3", 550, 1);
    let package = district_package(
        &r,
        "金平区总工会",
        "district",
        &[
            ("recitation", "读经典", &voice),
            ("recitation", "唱家乡", &song),
        ],
    );
    let lib = city_library(&r, "市级收件", &[]);
    receive(&r, &lib, &[&package]).ok();
    let doctor = |r: &Run| r.at(&lib, &["doctor", "--full", "--json"]).json();
    let findings = |report: &serde_json::Value| -> Vec<String> {
        report["findings"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|f| f["code"].as_str().map(str::to_owned))
            .collect()
    };
    let clean = doctor(&r);
    assert_eq!(clean["files_checked"], 2, "{clean}");
    let codes = findings(&clean);
    assert!(
        !codes
            .iter()
            .any(|c| c == "doctor.unlisted" || c == "doctor.missing" || c == "doctor.damaged"),
        "{clean}"
    );

    // One received file lost from the store: reported, with the way to mend it.
    let w = works(&r, &lib, &[]);
    let lost = {
        let opened =
            baosong::library::Library::open(&lib, baosong::library::Actor::Cli).expect("open");
        let id = w[0]["files"][0]["id"].as_i64().expect("id");
        opened.received_stored_file(id).expect("stored").1
    };
    std::fs::remove_file(&lost).expect("remove");
    let report = doctor(&r);
    let missing = report["findings"]
        .as_array()
        .and_then(|f| f.iter().find(|f| f["code"] == "doctor.missing"))
        .cloned()
        .expect("the lost file is reported");
    assert!(
        missing["message"]
            .as_str()
            .is_some_and(|m| m.contains("收到的金平区总工会第1批")),
        "{missing}"
    );
    assert!(
        missing["action"]
            .as_str()
            .is_some_and(|a| a.contains("receive --folder")),
        "{missing}"
    );

    // The same package again puts the bytes back; the check is clean again.
    receive(&r, &lib, &[&package]).ok();
    assert!(lost.is_file(), "the lost file is back");
    let again = doctor(&r);
    assert!(
        !findings(&again)
            .iter()
            .any(|c| c == "doctor.missing" || c == "doctor.unlisted"),
        "{again}"
    );
}
