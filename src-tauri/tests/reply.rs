//! The city answers the districts (回执, 补正通知) through the outbox, with real parts: a
//! district library made here sends its batch through a real SMTP server on loopback; the
//! receiving library takes that mail in from the server's Maildir (one message held back, so
//! files are missing), queues a 回执 and a 补正通知 to the batch's sender, and sends them
//! through its own outbox to a second real SMTP server, whose Maildir is read back with
//! Python's email package (`read_maildir.py`). Asking twice queues once; bad input is refused
//! in Chinese and changes nothing.

#[path = "support/smtp.rs"]
mod smtp;
mod support;

use std::path::{Path, PathBuf};

use smtp::{ADDRESS, SECRET, Server, certs};
use support::Run;
use support::district::{city_library, district_batch, export};

/// The environment every command of library `lib` runs with: the file secret store (no D-Bus
/// here), no pause between messages, short socket timeouts.
fn env_of(lib: &Path) -> Vec<(&'static str, String)> {
    vec![
        ("BAOSONG_LIBRARY", lib.display().to_string()),
        ("BAOSONG_SECRET_STORE", "file".into()),
        ("BAOSONG_SEND_PAUSE_MS", "0".into()),
        ("BAOSONG_SMTP_TIMEOUT_S", "5".into()),
    ]
}

fn at(r: &Run, lib: &Path, args: &[&str]) -> support::Result {
    let e = env_of(lib);
    let pairs: Vec<(&str, &str)> = e.iter().map(|(k, v)| (*k, v.as_str())).collect();
    r.cli_env(args, &pairs)
}

fn set_account(r: &Run, lib: &Path, server: &Server) {
    let e = env_of(lib);
    let pairs: Vec<(&str, &str)> = e.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let ca = r.dir.path().join("certs/ca.pem");
    let port = server.port.to_string();
    r.cli_stdin(
        &[
            "account",
            "set",
            "--preset",
            "custom",
            "--address",
            ADDRESS,
            "--host",
            "localhost",
            "--port",
            &port,
            "--security",
            "tls",
            "--ca-file",
            ca.to_str().unwrap_or_default(),
            "--password-stdin",
            "--json",
        ],
        &pairs,
        SECRET,
    )
    .ok();
}

/// The receiving library, with a contact for its answers' signature.
fn city(r: &Run) -> PathBuf {
    city_library(
        r,
        "市级收件",
        &["--contact-name", "李敏", "--contact-phone", "0754-88888888"],
    )
}

/// A district's batch of one work, exported to a folder (a stick) and taken in from there by a
/// new receiving library: the library and `receive --json`'s answer.
fn from_a_stick(r: &Run) -> (PathBuf, serde_json::Value) {
    let batch = district_batch(r, 1);
    let package = export(r, &r.library(), &batch);
    let package = package.to_str().unwrap_or_default();
    let lib = city(r);
    let got = at(r, &lib, &["receive", "--folder", package, "--json"])
        .ok()
        .json();
    (lib, got)
}

fn outbox(r: &Run, lib: &Path) -> Vec<serde_json::Value> {
    at(r, lib, &["outbox", "--json"])
        .ok()
        .json()
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// The `outbox/reply-*` folders of `lib`.
fn reply_folders(lib: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(lib.join("outbox"))
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.starts_with("reply-"))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

#[test]
fn a_mailed_batch_is_answered_once_with_a_receipt_and_a_correction_that_arrive_intact() {
    let r = Run::new();
    let batch = district_batch(&r, 3);
    certs(r.dir.path());
    let district_smtp = Server::start(r.dir.path(), "district-smtp", "tls", "none", 400_000);
    set_account(&r, &r.library(), &district_smtp);
    let sent = at(&r, &r.library(), &["send", &batch, "--json"])
        .ok()
        .json();
    let n = sent["flush"]["sent"].as_u64().unwrap_or(0);
    assert!(n >= 2, "several messages: {sent}");

    // The city takes in every message but the last: the first holds the manifest, so the
    // batch is recorded, with the last message's files missing.
    let lib = city(&r);
    let mut files: Vec<PathBuf> = std::fs::read_dir(district_smtp.maildir.join("new"))
        .expect("maildir")
        .flatten()
        .map(|e| e.path())
        .collect();
    files.sort();
    let last_id = sent["flush"]["messages"][n as usize - 1]["message_id"]
        .as_str()
        .expect("the last message's id")
        .to_owned();
    let mut args = vec!["receive", "--json", "--eml"];
    args.extend(
        files
            .iter()
            .filter(|f| {
                !String::from_utf8_lossy(&std::fs::read(f).expect("eml")).contains(&last_id)
            })
            .map(|f| f.to_str().unwrap_or_default()),
    );
    assert_eq!(args.len(), 3 + n as usize - 1, "one message held back");
    let got = at(&r, &lib, &args).ok().json();
    let b = &got["batches"][0];
    let id = b["batch_id"].to_string();
    assert!(
        b["verified"].as_u64() < b["files"].as_u64(),
        "files are missing: {got}"
    );
    let works = at(&r, &lib, &["city", "works", "--json"]).ok().json();
    let files_of: Vec<serde_json::Value> = works
        .as_array()
        .expect("works")
        .iter()
        .flat_map(|w| w["files"].as_array().cloned().unwrap_or_default())
        .collect();
    assert_eq!(files_of.len(), 3, "{works}");
    let missing: Vec<&serde_json::Value> =
        files_of.iter().filter(|f| f["verified"] == false).collect();
    assert!(!missing.is_empty(), "{works}");

    // The city's own account, on a server of its own.
    let city_smtp = Server::start(r.dir.path(), "city-smtp", "tls", "none", 10_000_000);
    set_account(&r, &lib, &city_smtp);

    // The confirmation shows the words and the address before anything is queued.
    let draft = at(
        &r,
        &lib,
        &[
            "city",
            "reply",
            "--batch",
            &id,
            "--receipt",
            "--preview",
            "--json",
        ],
    )
    .ok()
    .json();
    assert_eq!(
        draft["recipient"], ADDRESS,
        "the From of the district's mail: {draft}"
    );
    assert!(draft["queued"].is_null(), "{draft}");
    assert!(outbox(&r, &lib).is_empty(), "a preview queues nothing");

    let receipt = at(
        &r,
        &lib,
        &["city", "reply", "--batch", &id, "--receipt", "--json"],
    )
    .ok()
    .json();
    assert_eq!(receipt["queued"], true, "{receipt}");
    assert_eq!(receipt["message"]["reply"], "receipt", "{receipt}");
    assert_eq!(receipt["message"]["batch_id"].to_string(), id, "{receipt}");
    assert_eq!(receipt["message"]["recipient"], ADDRESS, "{receipt}");
    assert_eq!(receipt["message"]["state"], "queued", "{receipt}");
    assert_eq!(
        receipt["text"], draft["text"],
        "what was shown is what is queued"
    );
    let again = at(
        &r,
        &lib,
        &["city", "reply", "--batch", &id, "--receipt", "--json"],
    )
    .ok()
    .json();
    assert_eq!(again["queued"], false, "{again}");
    assert_eq!(again["message"]["id"], receipt["message"]["id"], "{again}");
    assert!(
        again["note"]
            .as_str()
            .is_some_and(|n| n.contains("没有再次加入")),
        "{again}"
    );
    let said = at(&r, &lib, &["city", "reply", "--batch", &id, "--receipt"]).ok();
    assert!(said.stdout.contains("已在发件箱中"), "{}", said.explain());

    let correction = at(
        &r,
        &lib,
        &["city", "reply", "--batch", &id, "--correction", "--json"],
    )
    .ok()
    .json();
    assert_eq!(correction["queued"], true, "{correction}");
    assert_eq!(correction["message"]["reply"], "correction");
    at(
        &r,
        &lib,
        &["city", "reply", "--batch", &id, "--correction", "--json"],
    )
    .ok();
    let queued = outbox(&r, &lib);
    assert_eq!(queued.len(), 2, "one of each kind: {queued:?}");
    assert_eq!(reply_folders(&lib).len(), 2, "{:?}", reply_folders(&lib));

    let flushed = at(&r, &lib, &["outbox", "flush", "--json"]).ok().json();
    assert_eq!(flushed["sent"], 2, "{flushed}");
    let out = r.dir.path().join("arrived");
    let arrived = city_smtp.arrived(&out);
    assert_eq!(arrived.len(), 2, "{arrived:?}");
    let find = |what: &str| {
        arrived
            .iter()
            .find(|m| m["subject"].as_str().is_some_and(|s| s.ends_with(what)))
            .unwrap_or_else(|| panic!("a message ending {what}: {arrived:?}"))
    };
    let (got_receipt, got_correction) = (find("收件回执"), find("补正通知"));
    for (m, queued) in [(got_receipt, &receipt), (got_correction, &correction)] {
        assert_eq!(m["to"], ADDRESS, "{m}");
        assert_eq!(m["message_id"], queued["message"]["message_id"], "{m}");
        assert!(
            m["attachments"].as_array().is_some_and(Vec::is_empty),
            "{m}"
        );
        assert_eq!(
            m["text"].as_str().map(|t| t.replace("\r\n", "\n")),
            queued["text"].as_str().map(|t| t.replace("\r\n", "\n")),
            "the text arrives as queued"
        );
        assert!(
            m["subject"]
                .as_str()
                .is_some_and(|s| s.contains("南澳县总工会第1批")),
            "{m}"
        );
    }
    let text = got_receipt["text"].as_str().unwrap_or_default();
    assert!(text.starts_with("南澳县总工会："), "{text}");
    assert!(text.contains("汕头市工人文化宫已于"), "{text}");
    for f in &files_of {
        let name = f["name"].as_str().unwrap_or_default();
        let sha = f["sha256"].as_str().unwrap_or_default();
        let state = if f["verified"] == true {
            "核对一致"
        } else {
            "尚未收到"
        };
        assert!(text.contains(name), "{name} in:\n{text}");
        assert!(
            text.contains(&format!("SHA-256 {sha}  {state}")),
            "{sha} {state} in:\n{text}"
        );
    }
    assert!(text.contains("李敏 0754-88888888"), "{text}");
    let text = got_correction["text"].as_str().unwrap_or_default();
    assert!(text.contains("缺少的文件"), "{text}");
    for f in &missing {
        let path = f["path"].as_str().unwrap_or_default();
        let sha = f["sha256"].as_str().unwrap_or_default();
        assert!(
            text.contains(path) && text.contains(sha),
            "{path} {sha} in:\n{text}"
        );
    }
    assert!(text.contains("请把以上文件重新发送给我们"), "{text}");

    // Once sent: asking again still queues nothing, and nothing goes twice.
    let after = at(
        &r,
        &lib,
        &["city", "reply", "--batch", &id, "--receipt", "--json"],
    )
    .ok()
    .json();
    assert_eq!(after["queued"], false);
    assert_eq!(after["message"]["state"], "sent", "{after}");
    let flushed = at(&r, &lib, &["outbox", "flush", "--json"]).ok().json();
    assert_eq!(flushed["sent"], 0, "{flushed}");
    assert_eq!(city_smtp.arrived(&r.dir.path().join("again")).len(), 2);

    // A batch taken in whole from a stick first has no address; its mail, read later, adds
    // nothing to the batch but says where to answer.
    let out = r.dir.path().join("导出");
    std::fs::create_dir_all(&out).expect("out");
    let export = at(
        &r,
        &r.library(),
        &[
            "batch",
            "export",
            &batch,
            "--out",
            out.to_str().unwrap_or_default(),
            "--json",
        ],
    )
    .ok()
    .json();
    let package = export["folder"].as_str().expect("folder").to_owned();
    let second = r.dir.path().join("市级收件-U盘");
    at(
        &r,
        &second,
        &["init", "--role", "city", "--office", "汕头市工人文化宫"],
    )
    .ok();
    let got = at(&r, &second, &["receive", "--folder", &package, "--json"])
        .ok()
        .json();
    let id2 = got["received"][0]["batch"]["batch_id"].to_string();
    let preview = |lib: &Path| {
        at(
            &r,
            lib,
            &[
                "city",
                "reply",
                "--batch",
                &id2,
                "--receipt",
                "--preview",
                "--json",
            ],
        )
        .ok()
        .json()
    };
    assert!(preview(&second)["recipient"].is_null(), "from a stick");
    let maildir = district_smtp.maildir.to_str().unwrap_or_default();
    let mail = at(&r, &second, &["receive", "--maildir", maildir, "--json"])
        .ok()
        .json();
    assert_eq!(
        mail["batches"].as_array().map(Vec::len),
        Some(0),
        "the batch was whole already: {mail}"
    );
    assert_eq!(preview(&second)["recipient"], ADDRESS);
}

#[test]
fn a_batch_from_a_stick_needs_an_address_and_bad_input_is_refused_in_chinese_changing_nothing() {
    let r = Run::new();
    let (lib, got) = from_a_stick(&r);
    let id = got["received"][0]["batch"]["batch_id"].to_string();
    assert!(
        got["received"][0]["batch"]["problems"]
            .as_array()
            .is_some_and(Vec::is_empty),
        "an intact package: {got}"
    );

    let refused = |args: &[&str], code: &str, words: &[&str]| {
        let mut all = vec!["city", "reply"];
        all.extend_from_slice(args);
        let e = at(&r, &lib, &all).fails_with(2);
        for w in words {
            assert!(e.stderr.contains(w), "{w}: {}", e.explain());
        }
        all.push("--json");
        let e = at(&r, &lib, &all);
        assert_eq!(e.code, 2, "{}", e.explain());
        let error: serde_json::Value = serde_json::from_str(e.stderr.trim()).expect("a JSON error");
        assert_eq!(error["error"]["code"], code, "{}", e.explain());
        assert!(outbox(&r, &lib).is_empty(), "nothing queued after {args:?}");
        assert!(
            reply_folders(&lib).is_empty(),
            "no folder left after {args:?}"
        );
    };
    refused(
        &["--batch", &id, "--correction"],
        "city.reply_nothing_to_correct",
        &["没有需要补正的问题", "不必发送补正通知"],
    );
    refused(
        &["--batch", &id, "--receipt"],
        "city.reply_no_address",
        &["从文件夹（U盘）收入", "没有来信的邮箱地址", "--to"],
    );
    refused(
        &["--batch", &id, "--receipt", "--to", "南澳县总工会"],
        "city.reply_bad_address",
        &["邮箱地址“南澳县总工会”无效"],
    );
    refused(
        &["--batch", "999", "--receipt", "--to", "nanao@example.test"],
        "city.batch_not_found",
        &["找不到编号为 999 的收件批次"],
    );
    refused(
        &["--batch", &id, "--receipt", "--to", "nanao@example.test"],
        "mail.no_account",
        &["发件邮箱"],
    );
    let both = at(
        &r,
        &lib,
        &["city", "reply", "--batch", &id, "--receipt", "--correction"],
    );
    assert_ne!(both.code, 0, "{}", both.explain());
    assert!(outbox(&r, &lib).is_empty());

    // The district's own library is no receiving one.
    let e = r.cli(&["city", "reply", "--batch", "1", "--receipt", "--json"]);
    assert_eq!(e.code, 2, "{}", e.explain());
    assert!(e.stderr.contains("city.not_receiving"), "{}", e.explain());

    // With an account and the clerk's address, it is queued — once.
    certs(r.dir.path());
    let smtp = Server::start(r.dir.path(), "city-smtp", "tls", "none", 10_000_000);
    set_account(&r, &lib, &smtp);
    let preview = at(
        &r,
        &lib,
        &["city", "reply", "--batch", &id, "--receipt", "--preview"],
    )
    .ok();
    assert!(
        preview.stdout.contains("没有来信地址") && preview.stdout.contains("收件回执"),
        "{}",
        preview.explain()
    );
    let queued = at(
        &r,
        &lib,
        &[
            "city",
            "reply",
            "--batch",
            &id,
            "--receipt",
            "--to",
            " nanao@example.test ",
            "--json",
        ],
    )
    .ok()
    .json();
    assert_eq!(queued["queued"], true, "{queued}");
    assert_eq!(queued["message"]["recipient"], "nanao@example.test");
    let again = at(&r, &lib, &["city", "reply", "--batch", &id, "--receipt"]).ok();
    assert!(again.stdout.contains("没有再次加入"), "{}", again.explain());
    assert_eq!(outbox(&r, &lib).len(), 1);
    let flushed = at(&r, &lib, &["outbox", "flush", "--json"]).ok().json();
    assert_eq!(flushed["sent"], 1, "{flushed}");
    let arrived = smtp.arrived(&r.dir.path().join("arrived"));
    assert_eq!(arrived.len(), 1);
    assert_eq!(arrived[0]["to"], "nanao@example.test");
    assert!(
        arrived[0]["text"]
            .as_str()
            .is_some_and(|t| t.contains("全部文件核对一致，无需补正。")),
        "{arrived:?}"
    );
}

#[test]
fn a_reply_refused_for_good_goes_to_another_address_and_still_only_once() {
    let r = Run::new();
    let (lib, got) = from_a_stick(&r);
    let id = got["received"][0]["batch"]["batch_id"].to_string();
    certs(r.dir.path());
    // The server refuses every recipient with 550 (no such mailbox).
    let smtp = Server::start(r.dir.path(), "city-smtp", "tls", "550-rcpt", 10_000_000);
    set_account(&r, &lib, &smtp);
    let receipt = |to: Option<&str>| {
        let mut args = vec!["city", "reply", "--batch", &id, "--receipt", "--json"];
        if let Some(to) = to {
            args.extend(["--to", to]);
        }
        at(&r, &lib, &args).ok().json()
    };

    let first = receipt(Some("nanao@typo.example.test"));
    assert_eq!(first["queued"], true, "{first}");
    let message_id = first["message"]["message_id"].clone();
    // The flush stops on the refusal (exit 1) and says why.
    let flushed = at(&r, &lib, &["outbox", "flush", "--json"]);
    assert_eq!(flushed.code, 1, "{}", flushed.explain());
    let report = flushed.json();
    assert_eq!(report["sent"], 0, "{report}");
    assert_eq!(report["stopped_code"], "mail.recipient", "{report}");
    let failed = &outbox(&r, &lib)[0];
    assert_eq!(failed["state"], "failed", "{failed}");
    assert_eq!(failed["permanent"], true, "{failed}");
    assert_eq!(failed["error_code"], "mail.recipient", "{failed}");

    // Asked again without an address: it stays, and the answer says what mends it.
    let again = receipt(None);
    assert_eq!(again["queued"], false, "{again}");
    let note = again["note"].as_str().unwrap_or_default();
    assert!(
        note.contains("没有发出") && note.contains("550") && note.contains("--to"),
        "{note}"
    );
    // A bad address is refused and changes nothing.
    let e = at(
        &r,
        &lib,
        &[
            "city",
            "reply",
            "--batch",
            &id,
            "--receipt",
            "--to",
            "南澳县",
            "--json",
        ],
    );
    assert_eq!(e.code, 2, "{}", e.explain());
    assert!(
        e.stderr.contains("city.reply_bad_address"),
        "{}",
        e.explain()
    );
    assert_eq!(outbox(&r, &lib)[0], *failed);

    // Another address puts the same message back in the queue, and it goes out there.
    smtp.set_fault("none");
    let readdressed = receipt(Some("nanao@example.test"));
    assert_eq!(readdressed["queued"], true, "{readdressed}");
    assert_eq!(readdressed["message"]["recipient"], "nanao@example.test");
    assert_eq!(readdressed["message"]["state"], "queued");
    assert_eq!(readdressed["message"]["message_id"], message_id);
    assert!(
        readdressed["note"]
            .as_str()
            .is_some_and(|n| n.contains("改发给 nanao@example.test")),
        "{readdressed}"
    );
    let flushed = at(&r, &lib, &["outbox", "flush", "--json"]).ok().json();
    assert_eq!(flushed["sent"], 1, "{flushed}");
    let arrived = smtp.arrived(&r.dir.path().join("arrived"));
    assert_eq!(arrived.len(), 1, "{arrived:?}");
    assert_eq!(arrived[0]["to"], "nanao@example.test");

    // Sent: never again, to whatever address.
    let after = receipt(Some("someone@example.test"));
    assert_eq!(after["queued"], false, "{after}");
    assert_eq!(after["message"]["recipient"], "nanao@example.test");
    assert_eq!(outbox(&r, &lib).len(), 1);
    assert_eq!(
        reply_folders(&lib).len(),
        1,
        "one folder for the one answer"
    );
}
