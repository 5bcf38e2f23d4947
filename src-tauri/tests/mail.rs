//! Sending batches through a real SMTP server on loopback (aiosmtpd, `tests/smtp/
//! smtp_server.py`, with implicit TLS or STARTTLS, AUTH, a SIZE limit and a Maildir), driven by
//! the real `baosong-cli`; what arrived is read back from the Maildir (`read_maildir.py`):
//! subjects, Message-IDs, both forms of the attachment names, sizes, every file once.

#[path = "support/smtp.rs"]
mod smtp;
mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use smtp::{ADDRESS, SECRET, Server, certs};
use support::{Run, ffmpeg, video};

/// The environment every mail command runs with: the file secret store (no D-Bus here),
/// no pause between messages, short socket timeouts.
fn env(r: &Run) -> Vec<(&'static str, String)> {
    vec![
        ("BAOSONG_LIBRARY", r.library().display().to_string()),
        ("BAOSONG_SECRET_STORE", "file".into()),
        ("BAOSONG_SEND_PAUSE_MS", "0".into()),
        ("BAOSONG_SMTP_TIMEOUT_S", "3".into()),
    ]
}

fn mail(r: &Run, args: &[&str]) -> support::Result {
    let e = env(r);
    let pairs: Vec<(&str, &str)> = e.iter().map(|(k, v)| (*k, v.as_str())).collect();
    r.cli_env(args, &pairs)
}

fn set_account(
    r: &Run,
    server: &Server,
    mode: &str,
    secret: &str,
    extra: &[&str],
) -> support::Result {
    let e = env(r);
    let pairs: Vec<(&str, &str)> = e.iter().map(|(k, v)| (*k, v.as_str())).collect();
    set_account_in(r, server, mode, secret, extra, &pairs)
}

/// [`set_account`] in the environment `pairs`.
fn set_account_in(
    r: &Run,
    server: &Server,
    mode: &str,
    secret: &str,
    extra: &[&str],
    pairs: &[(&str, &str)],
) -> support::Result {
    let ca = r.dir.path().join("certs/ca.pem");
    let port = server.port.to_string();
    let mut args = vec![
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
        mode,
        "--ca-file",
        ca.to_str().unwrap_or_default(),
        "--password-stdin",
        "--json",
    ];
    args.extend_from_slice(extra);
    r.cli_stdin(&args, pairs, secret)
}

/// A library with three ready works (two recitations, one 1080p video) and a batch of them;
/// the video is padded to ~1.2 MB so a small limit splits it. Returns the batch JSON.
fn make_batch(r: &Run) -> serde_json::Value {
    r.init();
    let dir = r.dir.path();
    let mut ids = Vec::new();
    for (i, hz) in [330, 440].into_iter().enumerate() {
        let f = ffmpeg(
            dir,
            &format!("诵读{i}.mp3"),
            &[
                "-f",
                "lavfi",
                "-i",
                &format!("sine=frequency={hz}:duration=1"),
            ],
        );
        let title = format!("读经典《春》第{}篇", i + 1);
        let id = r
            .cli(&[
                "entry",
                "add",
                f.to_str().unwrap_or_default(),
                "--category",
                "recitation",
                "--title",
                &title,
                "--author",
                "林堃",
                "--declare",
                "original",
                "--json",
            ])
            .ok()
            .json()["id"]
            .to_string();
        ids.push(id);
    }
    let v = video(dir, "工匠.mp4", "1920x1080");
    // Pad with a free box so the video is large enough to need volumes.
    let mut bytes = std::fs::read(&v).expect("video");
    let pad = 1_200_000u32;
    bytes.extend_from_slice(&(pad + 8).to_be_bytes());
    bytes.extend_from_slice(b"free");
    bytes.extend((0..pad).map(|i| (i % 251) as u8));
    std::fs::write(&v, bytes).expect("pad");
    let id = r
        .cli(&[
            "entry",
            "add",
            v.to_str().unwrap_or_default(),
            "--category",
            "micro-video",
            "--title",
            "工匠：精神/传承",
            "--author",
            "郑玥",
            "--declare",
            "original",
            "--json",
        ])
        .ok()
        .json()["id"]
        .to_string();
    ids.push(id);
    for id in &ids {
        r.cli(&[
            "entry",
            "update",
            id,
            "--status",
            "approved",
            "--recommend",
            "true",
        ])
        .ok();
    }
    r.cli(&["batch", "create", "--json"]).ok().json()["batch"].clone()
}

/// Standard base64 with padding (what an SMTP AUTH line carries).
fn base64_encode(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Every work file of `batch` found exactly once, byte for byte, in what arrived: zips
/// unpacked, volumes joined in order.
fn assert_every_file_once(batch: &serde_json::Value, arrived: &[serde_json::Value], work: &Path) {
    use std::io::Read;
    let mut found: Vec<(String, Vec<u8>)> = Vec::new();
    let mut volumes: BTreeMap<String, Vec<(u32, Vec<u8>)>> = BTreeMap::new();
    let unzip = |bytes: Vec<u8>, found: &mut Vec<(String, Vec<u8>)>| {
        let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip");
        for i in 0..z.len() {
            let mut f = z.by_index(i).expect("entry");
            let name = f.name().expect("utf-8 name").into_owned();
            let mut data = Vec::new();
            f.read_to_end(&mut data).expect("read");
            if name != "manifest.json" {
                found.push((name, data));
            }
        }
    };
    for m in arrived {
        for a in m["attachments"].as_array().expect("attachments") {
            let name = a["filename"].as_str().expect("filename");
            let data = std::fs::read(a["path"].as_str().expect("path")).expect("saved");
            if let Some((source, n)) = name.rsplit_once(".zip.")
                && let Ok(n) = n.parse::<u32>()
            {
                volumes
                    .entry(format!("{source}.zip"))
                    .or_default()
                    .push((n, data));
            } else if name.ends_with(".zip") {
                unzip(data, &mut found);
            }
        }
    }
    for (source, mut parts) in volumes {
        parts.sort_by_key(|(n, _)| *n);
        let numbers: Vec<u32> = parts.iter().map(|(n, _)| *n).collect();
        assert_eq!(
            numbers,
            (1..=parts.len() as u32).collect::<Vec<_>>(),
            "{source}"
        );
        let joined: Vec<u8> = parts.into_iter().flat_map(|(_, d)| d).collect();
        std::fs::write(work.join(&source), &joined).expect("join");
        unzip(joined, &mut found);
    }
    let mut want = 0;
    for e in batch["entries"].as_array().expect("entries") {
        for f in e["files"].as_array().expect("files") {
            want += 1;
            let path = f["package_path"].as_str().expect("path");
            let hits: Vec<_> = found.iter().filter(|(n, _)| n == path).collect();
            assert_eq!(hits.len(), 1, "{path}: {} copies", hits.len());
            assert_eq!(
                Some(sha256_hex(&hits[0].1).as_str()),
                f["sha256"].as_str(),
                "{path}"
            );
        }
    }
    assert_eq!(found.len(), want, "no stray files");
}

#[test]
fn a_batch_arrives_complete_numbered_and_named_both_ways_within_the_size() {
    let r = Run::new();
    let batch = make_batch(&r);
    certs(r.dir.path());
    let server = Server::start(r.dir.path(), "tls", "tls", "none", 1_000_000);
    set_account(&r, &server, "tls", SECRET, &["--read-receipt"]).ok();
    // 测试连接 reads the server's SIZE; the plan then uses it.
    let tested = mail(&r, &["account", "test", "--json"]).ok().json();
    assert_eq!(tested["server_size"], 1_000_000, "{tested}");
    assert_eq!(tested["size_source"], "server");
    assert_eq!(tested["has_secret"], true);

    let sent = mail(&r, &["send", &batch["id"].to_string(), "--json"])
        .ok()
        .json();
    let flush = &sent["flush"];
    let messages = flush["messages"].as_array().expect("messages");
    let n = messages.len();
    assert!(n >= 3, "a 1 MB limit needs several messages: {sent}");
    assert_eq!(flush["sent"], n as u64, "{sent}");
    assert!(messages.iter().all(|m| m["state"] == "sent"), "{sent}");
    assert!(
        messages.iter().all(|m| m["server_reply"]
            .as_str()
            .is_some_and(|s| s.starts_with("250"))),
        "{sent}"
    );

    let out = r.dir.path().join("arrived");
    let arrived = server.arrived(&out);
    assert_eq!(arrived.len(), n, "every message arrived once");
    let mut subjects: Vec<String> = arrived
        .iter()
        .filter_map(|m| m["subject"].as_str().map(str::to_owned))
        .collect();
    subjects.sort();
    for k in 1..=n {
        let want = format!("南澳县总工会-汕头好网民2023-作品报送（第{k}封/共{n}封）");
        assert!(subjects.contains(&want), "{want} not in {subjects:?}");
    }
    let logged: Vec<&str> = messages
        .iter()
        .filter_map(|m| m["message_id"].as_str())
        .collect();
    for m in &arrived {
        assert!(
            m["size"].as_u64().unwrap_or(u64::MAX) <= 1_000_000,
            "{}",
            m["size"]
        );
        assert!(logged.contains(&m["message_id"].as_str().unwrap_or_default()));
        assert!(
            m["from"]
                .as_str()
                .unwrap_or_default()
                .contains("南澳县总工会"),
            "{}",
            m["from"]
        );
        assert!(
            m["options"].as_str().unwrap_or_default().contains("SIZE="),
            "{}",
            m["options"]
        );
        assert_eq!(m["receipt"].as_str(), Some(format!("<{ADDRESS}>").as_str()));
        for a in m["attachments"].as_array().expect("attachments") {
            // RFC 2231 and RFC 2047 give the same Chinese name.
            assert_eq!(a["filename"], a["name"], "{a}");
        }
    }
    let first = arrived
        .iter()
        .find(|m| m["subject"].as_str().unwrap_or_default().contains("第1封"))
        .expect("message 1");
    let names: Vec<&str> = first["attachments"]
        .as_array()
        .expect("attachments")
        .iter()
        .filter_map(|a| a["filename"].as_str())
        .collect();
    assert!(
        names.contains(&"报送汇总表.xlsx") && names.contains(&"说明.txt"),
        "{names:?}"
    );
    assert_every_file_once(&batch, &arrived, r.dir.path());

    // The sent log as .xlsx, read back: one row per message with its Message-ID and reply.
    let log = r.dir.path().join("发送记录.xlsx");
    mail(
        &r,
        &[
            "outbox",
            "export",
            "--batch",
            &batch["id"].to_string(),
            "--out",
            log.to_str().unwrap_or_default(),
        ],
    )
    .ok();
    {
        use calamine::{Reader, Xlsx, open_workbook};
        let mut wb: Xlsx<_> = open_workbook(&log).expect("xlsx");
        let sheet = wb.worksheet_range("发送记录").expect("sheet");
        let rows: Vec<Vec<String>> = sheet
            .rows()
            .map(|r| r.iter().map(|c| c.to_string()).collect())
            .collect();
        assert_eq!(rows[1][0], "邮件");
        assert_eq!(rows.len(), 2 + n, "{rows:?}");
        for id in &logged {
            assert!(
                rows.iter().any(|r| r.iter().any(|c| c == id)),
                "{id} not in the log"
            );
        }
        assert!(
            rows[2].iter().any(|c| c.starts_with("250")),
            "{:?}",
            rows[2]
        );
    }

    // Sending the same batch again sends nothing twice.
    let again = mail(&r, &["send", &batch["id"].to_string(), "--json"])
        .ok()
        .json();
    assert_eq!(again["flush"]["sent"], 0, "{again}");
    assert_eq!(server.arrived(&r.dir.path().join("again")).len(), n);
    let list = r.cli(&["batch", "list", "--json"]).ok().json();
    assert!(list[0]["sent_at"].is_string(), "{list}");
    let refused = r
        .cli(&["batch", "delete", &batch["id"].to_string()])
        .fails_with(2);
    assert!(refused.stderr.contains("已经发送"), "{}", refused.explain());
}

#[test]
fn starttls_and_eml_copies() {
    let r = Run::new();
    let batch = make_batch(&r);
    certs(r.dir.path());
    let server = Server::start(r.dir.path(), "starttls", "starttls", "none", 50_000_000);
    set_account(&r, &server, "starttls", SECRET, &[]).ok();
    let emls = r.dir.path().join("eml");
    let sent = mail(
        &r,
        &[
            "send",
            &batch["id"].to_string(),
            "--eml-dir",
            emls.to_str().unwrap_or_default(),
            "--json",
        ],
    )
    .ok()
    .json();
    assert_eq!(sent["flush"]["sent"], 1, "{sent}");
    let saved = sent["emls"].as_array().expect("emls");
    assert_eq!(saved.len(), 1);
    let eml = std::fs::read(saved[0].as_str().expect("path")).expect("eml");
    let text = String::from_utf8_lossy(&eml);
    assert!(
        text.contains("Message-ID: <baosong."),
        "the .eml is the message"
    );
    assert!(text.contains("\r\n"), "CRLF line ends");
    assert_every_file_once(
        &batch,
        &server.arrived(&r.dir.path().join("arrived")),
        r.dir.path(),
    );
}

#[test]
fn offline_then_back_queues_and_delivers_on_flush() {
    let r = Run::new();
    let batch = make_batch(&r);
    certs(r.dir.path());
    let server = Server::start(r.dir.path(), "down", "tls", "none", 50_000_000);
    set_account(&r, &server, "tls", SECRET, &[]).ok();
    drop(server); // the line is down: connection refused
    let out = mail(&r, &["send", &batch["id"].to_string()]).fails_with(1);
    assert!(
        out.stdout.contains("无法连接发件服务器") || out.stderr.contains("无法连接发件服务器"),
        "{}",
        out.explain()
    );
    let outbox = mail(&r, &["outbox", "--json"]).ok().json();
    let states: Vec<&str> = outbox
        .as_array()
        .expect("outbox")
        .iter()
        .filter_map(|m| m["state"].as_str())
        .collect();
    assert!(
        states.iter().all(|s| *s == "queued" || *s == "failed"),
        "{states:?}"
    );
    assert!(
        outbox[0]["next_try_at"].is_string(),
        "a retry is scheduled: {outbox}"
    );

    // Back up (a new server; the clerk points the account at it): flush delivers everything.
    let server = Server::start(r.dir.path(), "up", "tls", "none", 50_000_000);
    set_account(&r, &server, "tls", SECRET, &[]).ok();
    let flushed = mail(&r, &["outbox", "flush", "--json"]).ok().json();
    assert_eq!(flushed["waiting"], 0, "{flushed}");
    assert_every_file_once(
        &batch,
        &server.arrived(&r.dir.path().join("arrived")),
        r.dir.path(),
    );
}

#[test]
fn a_wrong_secret_is_said_in_chinese_and_never_retried() {
    let r = Run::new();
    let batch = make_batch(&r);
    certs(r.dir.path());
    let server = Server::start(r.dir.path(), "auth", "tls", "none", 50_000_000);
    set_account(&r, &server, "tls", "wrong-secret-000", &[]).ok();
    let out = mail(&r, &["send", &batch["id"].to_string()]).fails_with(1);
    assert!(out.stdout.contains("授权码不正确"), "{}", out.explain());
    assert_eq!(
        server.logins(),
        1,
        "{}",
        std::fs::read_to_string(&server.log).unwrap_or_default()
    );
    // A flush does not log in again (a retry storm locks QQ accounts).
    let again = mail(&r, &["outbox", "flush"]).fails_with(1);
    assert!(again.stdout.contains("授权码不正确"), "{}", again.explain());
    assert_eq!(server.logins(), 1, "no second login with the wrong 授权码");
    // The refusal is in the log with its code; the wrong 授权码 is not.
    let log = r.log_text();
    assert!(log.contains("mail.auth"), "{log}");
    assert!(!log.contains("wrong-secret-000"), "{log}");
    // A new 授权码 lifts the stop; the messages go.
    set_account(&r, &server, "tls", SECRET, &[]).ok();
    mail(&r, &["outbox", "flush"]).ok();
    assert_every_file_once(
        &batch,
        &server.arrived(&r.dir.path().join("arrived")),
        r.dir.path(),
    );
}

#[test]
fn a_451_is_retried_once_and_a_552_is_too_large() {
    let r = Run::new();
    let batch = make_batch(&r);
    certs(r.dir.path());
    let server = Server::start(r.dir.path(), "busy", "tls", "451-once", 50_000_000);
    set_account(&r, &server, "tls", SECRET, &[]).ok();
    let out = mail(&r, &["send", &batch["id"].to_string()]).fails_with(1);
    assert!(out.stdout.contains("暂时无法处理"), "{}", out.explain());
    let flushed = mail(&r, &["outbox", "flush", "--json"]).ok().json();
    assert_eq!(flushed["waiting"], 0, "{flushed}");
    let arrived = server.arrived(&r.dir.path().join("arrived"));
    assert_eq!(arrived.len(), 1, "delivered once after the 451");

    // A server that refuses the message as too large after the data, though its SIZE did not
    // say so: 552, permanent, said plainly.
    let r2 = Run::new();
    let batch2 = make_batch(&r2);
    certs(r2.dir.path());
    let small = Server::start(r2.dir.path(), "small", "tls", "552", 50_000_000);
    set_account(
        &r2,
        &small,
        "tls",
        SECRET,
        &["--max-message-bytes", "5000000"],
    )
    .ok();
    let out = mail(&r2, &["send", &batch2["id"].to_string()]).fails_with(1);
    assert!(
        out.stdout.contains("超过了发件服务器允许的大小"),
        "{}",
        out.explain()
    );
    let outbox = mail(&r2, &["outbox", "--json"]).ok().json();
    assert!(
        outbox
            .as_array()
            .expect("outbox")
            .iter()
            .any(|m| m["permanent"] == true && m["error_code"] == "mail.too_large"),
        "{outbox}"
    );
    assert!(
        out.stdout.contains("调小后重新计划"),
        "the message says what to do: {}",
        out.explain()
    );

    // 调小后重新计划: a size too small for the first message changes nothing …
    let id = batch2["id"].to_string();
    let refused = mail(
        &r2,
        &["outbox", "replan", &id, "--max-message-bytes", "2000"],
    );
    assert_ne!(refused.code, 0, "{}", refused.explain());
    assert_eq!(
        mail(&r2, &["outbox", "--json"]).ok().json(),
        outbox,
        "the failed messages stay as they were"
    );
    // … one under the server's limit splits the batch and replaces its messages, which go.
    small.set_fault("none");
    let replanned = mail(
        &r2,
        &[
            "outbox",
            "replan",
            &id,
            "--max-message-bytes",
            "190000",
            "--json",
        ],
    )
    .ok()
    .json();
    let messages = replanned.as_array().expect("messages");
    assert!(messages.len() > 1, "{replanned}");
    for m in messages {
        assert_eq!(m["state"], "queued", "{m}");
        assert!(m["bytes"].as_u64().unwrap_or(u64::MAX) <= 190_000, "{m}");
    }
    mail(&r2, &["outbox", "flush"]).ok();
    assert_every_file_once(
        &batch2,
        &small.arrived(&r2.dir.path().join("arrived")),
        r2.dir.path(),
    );
    // Once any message has gone, the batch is never planned again (nothing twice).
    let again = mail(
        &r2,
        &["outbox", "replan", &id, "--max-message-bytes", "150000"],
    );
    assert_ne!(again.code, 0, "{}", again.explain());
    assert!(
        again.stderr.contains("不能整批重新计划"),
        "{}",
        again.explain()
    );
    let after = mail(&r2, &["outbox", "--json"]).ok().json();
    assert_eq!(after.as_array().map(Vec::len), Some(messages.len()));
}

#[test]
fn a_reply_lost_after_the_whole_message_is_uncertain_and_never_resent_by_itself() {
    let r = Run::new();
    let batch = make_batch(&r);
    certs(r.dir.path());
    let server = Server::start(r.dir.path(), "drop", "tls", "drop-after-data", 50_000_000);
    set_account(&r, &server, "tls", SECRET, &[]).ok();
    let sent = mail(&r, &["send", &batch["id"].to_string(), "--json"]).json();
    assert_eq!(sent["flush"]["uncertain"], 1, "{sent}");
    let m = &sent["flush"]["messages"][0];
    assert_eq!(m["state"], "uncertain");
    assert!(
        m["error"].as_str().unwrap_or_default().contains("已发送"),
        "{m}"
    );
    server.set_fault("none");
    let flushed = mail(&r, &["outbox", "flush", "--json"]).ok().json();
    assert_eq!(
        flushed["sent"], 0,
        "an uncertain message is not resent: {flushed}"
    );
    assert_eq!(server.arrived(&r.dir.path().join("a")).len(), 1);
    // The clerk finds it in 已发送 and marks it delivered; it can never go out again.
    let id = m["id"].to_string();
    let resolved = mail(&r, &["outbox", "resolve", &id, "--delivered", "--json"])
        .ok()
        .json();
    assert_eq!(resolved["state"], "sent");
    mail(&r, &["outbox", "resolve", &id, "--resend"]).fails_with(2);
    mail(&r, &["outbox", "flush"]).ok();
    assert_eq!(
        server.arrived(&r.dir.path().join("b")).len(),
        1,
        "never twice"
    );
}

#[test]
fn a_mute_server_times_out_with_a_chinese_message() {
    let r = Run::new();
    let batch = make_batch(&r);
    certs(r.dir.path());
    let server = Server::start(r.dir.path(), "mute", "tls", "mute", 50_000_000);
    set_account(&r, &server, "tls", SECRET, &[]).ok();
    let t = Instant::now();
    let out = mail(&r, &["send", &batch["id"].to_string()]).fails_with(1);
    assert!(
        out.stdout.contains("超时") || out.stdout.contains("没有回应"),
        "{}",
        out.explain()
    );
    assert!(
        t.elapsed() < Duration::from_secs(60),
        "bounded: {:?}",
        t.elapsed()
    );
}

#[test]
fn the_secret_is_never_in_the_library_the_logs_or_any_output() {
    let r = Run::new();
    let batch = make_batch(&r);
    certs(r.dir.path());
    let server = Server::start(r.dir.path(), "secret", "tls", "none", 1_000_000);
    let mut outputs = Vec::new();
    let set = set_account(&r, &server, "tls", SECRET, &[]).ok();
    outputs.push(set.stdout + &set.stderr);
    for args in [
        vec!["account", "show", "--json"],
        vec!["account", "show"],
        vec!["account", "test", "--json"],
    ] {
        let o = mail(&r, &args).ok();
        outputs.push(o.stdout + &o.stderr);
    }
    let o = mail(&r, &["send", &batch["id"].to_string(), "--json"]).ok();
    outputs.push(o.stdout + &o.stderr);
    let o = mail(&r, &["outbox", "--json"]).ok();
    outputs.push(o.stdout + &o.stderr);
    for out in &outputs {
        assert!(!out.contains(SECRET), "the secret in an output: {out}");
    }
    fn walk(dir: &Path, hits: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, hits);
            } else if let Ok(bytes) = std::fs::read(&p)
                && bytes.windows(SECRET.len()).any(|w| w == SECRET.as_bytes())
            {
                hits.push(p);
            }
        }
    }
    let mut hits = Vec::new();
    walk(&r.library(), &mut hits);
    walk(&r.logs(), &mut hits);
    assert!(hits.is_empty(), "the secret is in {hits:?}");
    // The log tells the story a support call needs, and the diagnostics zip carries it.
    let log = r.log_text();
    for event in [
        "library opened",
        "mail.account",
        "account test passed",
        "outbox.sent",
    ] {
        assert!(log.contains(event), "no {event} in the log:\n{log}");
    }
    let zip = r.dir.path().join("诊断.zip");
    mail(
        &r,
        &["diagnostics", "--out", zip.to_str().unwrap_or_default()],
    )
    .ok();
    let texts = support::zip_texts(&zip);
    let names: Vec<&str> = texts.iter().map(|(n, _)| n.as_str()).collect();
    assert!(names.contains(&"about.json"), "{names:?}");
    assert!(names.contains(&"doctor.txt"), "{names:?}");
    assert!(
        texts
            .iter()
            .any(|(n, t)| n.starts_with("logs/baosong-cli.") && t.contains("outbox.sent")),
        "{names:?}"
    );
    let b64 = |s: &str| base64_encode(s.as_bytes());
    let auth_plain = b64(&format!("\0{ADDRESS}\0{SECRET}"));
    for (name, text) in &texts {
        for needle in [SECRET, &b64(SECRET), &auth_plain] {
            assert!(!text.contains(needle), "{name} holds the secret ({needle})");
        }
    }
    // Only the private file store (0600) holds it here, where no system store answers.
    let mut stored = Vec::new();
    walk(&r.dir.path().join("config"), &mut stored);
    assert_eq!(stored.len(), 1, "{stored:?}");
    assert!(
        !std::fs::read_to_string(&server.log)
            .unwrap_or_default()
            .contains(SECRET)
    );
}

#[test]
fn a_send_killed_at_random_moments_loses_nothing_and_sends_nothing_twice() {
    let r = Run::new();
    let batch = make_batch(&r);
    certs(r.dir.path());
    let server = Server::start(r.dir.path(), "kill", "tls", "none", 400_000);
    set_account(&r, &server, "tls", SECRET, &[]).ok();
    mail(&r, &["account", "test"]).ok();
    let id = batch["id"].to_string();
    let e = env(&r);
    let mut seed = 0x2545_f491_u64;
    let mut total = None;
    for round in 0..20 {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_baosong-cli"));
        cmd.args(["send", &id])
            .env("BAOSONG_CONFIG_DIR", r.dir.path().join("config"))
            .env("BAOSONG_LOG_DIR", r.logs())
            .env("BAOSONG_SEND_PAUSE_MS", "120")
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        for (k, v) in &e {
            if *k != "BAOSONG_SEND_PAUSE_MS" {
                cmd.env(k, v);
            }
        }
        let mut child = cmd.spawn().expect("spawn");
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        std::thread::sleep(Duration::from_millis(20 + seed % 900));
        let _ = child.kill();
        let _ = child.wait();
        let outbox = mail(&r, &["outbox", "--json"]).ok().json();
        let list = outbox.as_array().expect("outbox");
        if list.is_empty() {
            continue; // killed before the messages were queued
        }
        let n = *total.get_or_insert(list.len());
        assert_eq!(list.len(), n, "round {round}: no message lost or added");
        for m in list {
            let s = m["state"].as_str().unwrap_or_default();
            assert!(
                ["queued", "sending", "sent", "failed", "uncertain"].contains(&s),
                "round {round}: {m}"
            );
        }
        let arrived = server.arrived(&r.dir.path().join(format!("k{round}")));
        let mut ids: Vec<&str> = arrived
            .iter()
            .filter_map(|m| m["message_id"].as_str())
            .collect();
        let before = ids.len();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), before, "round {round}: a message arrived twice");
    }
    // Finish: what is still due goes; the uncertain ones are checked against the mailbox as a
    // clerk would (in 已发送 → delivered, else resend), then everything is there exactly once.
    mail(&r, &["outbox", "flush"]);
    let arrived = server.arrived(&r.dir.path().join("final"));
    let arrived_ids: Vec<String> = arrived
        .iter()
        .filter_map(|m| m["message_id"].as_str().map(str::to_owned))
        .collect();
    for m in mail(&r, &["outbox", "--json"])
        .ok()
        .json()
        .as_array()
        .expect("outbox")
    {
        if m["state"] == "uncertain" {
            let how = if arrived_ids.iter().any(|a| m["message_id"] == a.as_str()) {
                "--delivered"
            } else {
                "--resend"
            };
            mail(&r, &["outbox", "resolve", &m["id"].to_string(), how]).ok();
        }
    }
    mail(&r, &["outbox", "flush"]).ok();
    let outbox = mail(&r, &["outbox", "--json"]).ok().json();
    assert!(
        outbox
            .as_array()
            .expect("outbox")
            .iter()
            .all(|m| m["state"] == "sent"),
        "{outbox}"
    );
    let arrived = server.arrived(&r.dir.path().join("done"));
    assert_eq!(
        arrived.len(),
        total.unwrap_or(0),
        "each message exactly once"
    );
    assert_every_file_once(&batch, &arrived, r.dir.path());
}

/// A private D-Bus session with a real Secret Service (gnome-keyring, unlocked with a password
/// on its stdin, keyrings under the test's own HOME), as a Linux desktop has; both daemons end
/// with it.
struct SecretService {
    bus: std::process::Child,
    keyring: std::process::Child,
    address: String,
    home: PathBuf,
}

impl SecretService {
    fn start(dir: &Path) -> SecretService {
        use std::io::{BufRead, Write};
        use std::process::{Command, Stdio};
        let home = dir.join("desktop-home");
        let runtime = home.join("run");
        std::fs::create_dir_all(&runtime).expect("home");
        let mut bus = Command::new("dbus-daemon")
            .args(["--session", "--nofork", "--print-address=1"])
            .stdout(Stdio::piped())
            .spawn()
            .expect("dbus-daemon (installed by the test command)");
        let mut address = String::new();
        std::io::BufReader::new(bus.stdout.take().expect("stdout"))
            .read_line(&mut address)
            .expect("bus address");
        let address = address.trim().to_owned();
        assert!(address.starts_with("unix:"), "bus address: {address}");
        let mut keyring = Command::new("gnome-keyring-daemon")
            .args(["--foreground", "--unlock", "--components=secrets"])
            .env("DBUS_SESSION_BUS_ADDRESS", &address)
            .env("HOME", &home)
            .env("XDG_DATA_HOME", home.join("data"))
            .env("XDG_RUNTIME_DIR", &runtime)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("gnome-keyring-daemon (installed by the test command)");
        {
            let mut stdin = keyring.stdin.take().expect("stdin");
            stdin.write_all(b"keyring-password").expect("unlock");
        }
        let service = SecretService {
            bus,
            keyring,
            address,
            home,
        };
        // Ready when it owns its name on the bus.
        for _ in 0..100 {
            let out = Command::new("dbus-send")
                .args([
                    "--session",
                    "--print-reply",
                    "--dest=org.freedesktop.DBus",
                    "/org/freedesktop/DBus",
                    "org.freedesktop.DBus.NameHasOwner",
                    "string:org.freedesktop.secrets",
                ])
                .env("DBUS_SESSION_BUS_ADDRESS", &service.address)
                .output()
                .expect("dbus-send");
            if String::from_utf8_lossy(&out.stdout).contains("boolean true") {
                return service;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        panic!("gnome-keyring never took org.freedesktop.secrets");
    }

    /// What a command needs to reach it.
    fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("DBUS_SESSION_BUS_ADDRESS", self.address.clone()),
            ("HOME", self.home.display().to_string()),
        ]
    }
}

impl Drop for SecretService {
    fn drop(&mut self) {
        let _ = self.keyring.kill();
        let _ = self.keyring.wait();
        let _ = self.bus.kill();
        let _ = self.bus.wait();
    }
}

#[test]
fn the_secret_lives_in_the_desktops_secret_service_when_one_answers() {
    let r = Run::new();
    let batch = make_batch(&r);
    certs(r.dir.path());
    let server = Server::start(r.dir.path(), "auth", "tls", "none", 50_000_000);
    let desktop = SecretService::start(r.dir.path());
    // The usual environment, but the system store allowed (no BAOSONG_SECRET_STORE=file).
    let mut e: Vec<(&str, String)> = env(&r)
        .into_iter()
        .filter(|(k, _)| *k != "BAOSONG_SECRET_STORE")
        .collect();
    e.extend(desktop.env());
    let pairs: Vec<(&str, &str)> = e.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let saved = set_account_in(&r, &server, "tls", SECRET, &[], &pairs)
        .ok()
        .json();
    assert_eq!(saved["stored_in_file"], false, "{saved}");
    assert_eq!(saved["has_secret"], true, "{saved}");
    assert!(
        !r.dir.path().join("config/secrets").exists(),
        "no file copy when the system store took it"
    );
    // Another process reads it back from the keyring and logs in with it.
    r.cli_env(&["send", &batch["id"].to_string()], &pairs).ok();
    assert_every_file_once(
        &batch,
        &server.arrived(&r.dir.path().join("arrived")),
        r.dir.path(),
    );
    // The keyring holds it on disk under the desktop's HOME, not in the library or config.
    let keyrings = desktop.home.join("data/keyrings");
    assert!(
        std::fs::read_dir(&keyrings).is_ok_and(|d| d.count() > 0),
        "gnome-keyring wrote its keyring under {}",
        keyrings.display()
    );
}

#[test]
fn a_message_sent_by_hand_through_webmail_counts_and_is_never_sent_again() {
    let r = Run::new();
    let batch = make_batch(&r);
    certs(r.dir.path());
    let server = Server::start(r.dir.path(), "blocked", "tls", "none", 50_000_000);
    set_account(&r, &server, "tls", SECRET, &[]).ok();
    drop(server); // the office network blocks SMTP
    mail(&r, &["send", &batch["id"].to_string()]).fails_with(1);
    let outbox = mail(&r, &["outbox", "--json"]).ok().json();
    let ids: Vec<String> = outbox
        .as_array()
        .expect("outbox")
        .iter()
        .map(|m| m["id"].to_string())
        .collect();
    assert!(!ids.is_empty(), "{outbox}");

    // The clerk sends each message's attachments through webmail and says so.
    for id in &ids {
        let m = mail(&r, &["outbox", "resolve", id, "--by-hand", "--json"])
            .ok()
            .json();
        assert_eq!(m["state"], "sent", "{m}");
        assert_eq!(m["resolved"], "by-hand", "{m}");
        assert!(
            m["server_reply"]
                .as_str()
                .unwrap_or_default()
                .contains("手工发送"),
            "{m}"
        );
    }
    let batches = mail(&r, &["batch", "list", "--json"]).ok().json();
    assert!(
        batches[0]["sent_at"].is_string(),
        "the batch is sent: {batches}"
    );

    // The line is back: nothing is sent a second time.
    let server = Server::start(r.dir.path(), "up", "tls", "none", 50_000_000);
    set_account(&r, &server, "tls", SECRET, &[]).ok();
    let flushed = mail(&r, &["outbox", "flush", "--json"]).ok().json();
    assert_eq!(flushed["sent"], 0, "{flushed}");
    assert!(server.arrived(&r.dir.path().join("arrived")).is_empty());
    let again = mail(&r, &["outbox", "resolve", &ids[0], "--by-hand"]);
    assert_ne!(again.code, 0, "{}", again.explain());
    assert!(
        again.stderr.contains("不能再标记为手工发送"),
        "{}",
        again.explain()
    );
}

/// Copies a library folder as a clerk copies it to a stick and back (files only).
fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read").flatten() {
        let target = to.join(e.file_name());
        if e.file_type().expect("type").is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).expect("copy");
        }
    }
}

#[test]
fn a_library_copied_to_another_folder_holds_its_outbox_until_resumed() {
    let r = Run::new();
    let batch = make_batch(&r);
    certs(r.dir.path());
    let server = Server::start(r.dir.path(), "down", "tls", "none", 50_000_000);
    set_account(&r, &server, "tls", SECRET, &[]).ok();
    drop(server);
    mail(&r, &["send", &batch["id"].to_string()]).fails_with(1);

    // The folder, copied elsewhere with its queued messages, opened with this computer's
    // stored 授权码: nothing goes out by itself.
    let copy = r.dir.path().join("另一个文件夹");
    copy_dir(&r.library(), &copy);
    let mut e = env(&r);
    e[0].1 = copy.display().to_string();
    let pairs: Vec<(&str, &str)> = e.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let server = Server::start(r.dir.path(), "up", "tls", "none", 50_000_000);
    set_account_in(&r, &server, "tls", SECRET, &[], &pairs).ok();
    let held = r.cli_env(&["outbox", "flush", "--json"], &pairs);
    assert_eq!(held.code, 1, "{}", held.explain());
    assert!(held.stderr.contains("outbox.paused"), "{}", held.explain());
    assert!(
        server
            .arrived(&r.dir.path().join("arrived-held"))
            .is_empty(),
        "a copied library mailed without the clerk"
    );
    let listed = r.cli_env(&["outbox"], &pairs).ok();
    assert!(
        listed.stdout.contains("发件箱已暂停"),
        "{}",
        listed.explain()
    );
    assert!(listed.stdout.contains("继续发送"), "{}", listed.explain());

    // One word from the clerk, and it goes.
    r.cli_env(&["outbox", "resume"], &pairs).ok();
    let flushed = r
        .cli_env(&["outbox", "flush", "--json"], &pairs)
        .ok()
        .json();
    assert_eq!(flushed["waiting"], 0, "{flushed}");
    assert_every_file_once(
        &batch,
        &server.arrived(&r.dir.path().join("arrived")),
        r.dir.path(),
    );

    // Paused by the clerk in the original folder: the same hold.
    mail(&r, &["outbox", "pause"]).ok();
    let paused = mail(&r, &["outbox", "flush", "--json"]);
    assert_eq!(paused.code, 1, "{}", paused.explain());
    assert!(
        paused.stderr.contains("outbox.paused"),
        "{}",
        paused.explain()
    );
}

/// Runs a mail command for at most `limit`; `None` when it had to be killed.
fn mail_bounded(r: &Run, args: &[&str], limit: Duration) -> Option<support::Result> {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_baosong-cli"));
    cmd.args(args)
        .current_dir(r.dir.path())
        .env("BAOSONG_CONFIG_DIR", r.dir.path().join("config"))
        .env("BAOSONG_LOG_DIR", r.logs())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env(r) {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("spawn");
    let t = Instant::now();
    loop {
        if child.try_wait().expect("wait").is_some() {
            let out = child.wait_with_output().expect("output");
            return Some(support::Result {
                code: out.status.code().unwrap_or(-1),
                stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
                stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
                what: format!("baosong-cli {}", args.join(" ")),
            });
        }
        if t.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Opens the catalog behind the library's back, as a test's fault injector.
fn catalog(r: &Run) -> rusqlite::Connection {
    rusqlite::Connection::open(r.library().join("catalog.sqlite")).expect("catalog")
}

#[test]
fn a_catalog_error_while_taking_a_message_stops_the_round_without_a_login_storm() {
    let r = Run::new();
    let batch = make_batch(&r);
    certs(r.dir.path());
    let server = Server::start(r.dir.path(), "gate", "tls", "none", 50_000_000);
    set_account(&r, &server, "tls", SECRET, &[]).ok();
    // The catalog refuses the compare-and-set that takes a message (a disk error, a damaged
    // page …): that is not "another sender has it".
    catalog(&r)
        .execute_batch(
            "CREATE TRIGGER refuse_take BEFORE UPDATE OF state ON outbox
             WHEN NEW.state = 'sending'
             BEGIN SELECT RAISE(ABORT, 'simulated disk error'); END;",
        )
        .expect("trigger");
    let out = mail_bounded(
        &r,
        &["send", &batch["id"].to_string(), "--json"],
        Duration::from_secs(20),
    )
    .expect("the round stops by itself instead of logging in again and again");
    assert_eq!(out.code, 1, "{}", out.explain());
    assert!(out.stderr.contains("library.sqlite"), "{}", out.explain());
    assert!(out.stderr.contains("资料库数据库出错"), "{}", out.explain());
    assert_eq!(server.logins(), 1, "one login, no storm");
    assert!(server.arrived(&r.dir.path().join("a")).is_empty());
    let outbox = mail(&r, &["outbox", "--json"]).ok().json();
    assert!(
        outbox
            .as_array()
            .expect("outbox")
            .iter()
            .all(|m| m["state"] == "queued"),
        "{outbox}"
    );
    // The disk mended: the next round sends.
    catalog(&r)
        .execute_batch("DROP TRIGGER refuse_take")
        .expect("drop");
    mail(&r, &["outbox", "flush"]).ok();
    assert_every_file_once(
        &batch,
        &server.arrived(&r.dir.path().join("b")),
        r.dir.path(),
    );
}

#[test]
fn a_3xx_after_the_data_is_no_acceptance() {
    let r = Run::new();
    let batch = make_batch(&r);
    certs(r.dir.path());
    let server = Server::start(r.dir.path(), "3xx", "tls", "3xx-after-data", 50_000_000);
    set_account(&r, &server, "tls", SECRET, &[]).ok();
    let sent = mail(&r, &["send", &batch["id"].to_string(), "--json"]).json();
    let flush = &sent["flush"];
    assert_eq!(flush["sent"], 0, "{flush}");
    assert_eq!(flush["uncertain"], 1, "{flush}");
    let m = &flush["messages"][0];
    assert_eq!(m["state"], "uncertain", "{m}");
    assert!(
        m["error"].as_str().unwrap_or_default().contains("354"),
        "{m}"
    );
    let list = r.cli(&["batch", "list", "--json"]).ok().json();
    assert!(list[0]["sent_at"].is_null(), "not sent: {list}");
}

/// Queues batch `id` without sending it: the outbox paused, `send` only queues.
fn queue_only(r: &Run, id: &str) -> Vec<serde_json::Value> {
    mail(r, &["outbox", "pause"]).ok();
    let out = mail(r, &["send", id, "--json"]);
    assert_eq!(out.code, 1, "{}", out.explain());
    assert!(out.stderr.contains("outbox.paused"), "{}", out.explain());
    mail(r, &["outbox", "--json"])
        .ok()
        .json()
        .as_array()
        .expect("outbox")
        .clone()
}

#[test]
fn outbox_ids_are_never_reused_so_a_stale_by_hand_marks_nothing() {
    let r = Run::new();
    let batch = make_batch(&r);
    certs(r.dir.path());
    let server = Server::start(r.dir.path(), "ids", "tls", "none", 50_000_000);
    set_account(&r, &server, "tls", SECRET, &[]).ok();
    let id = batch["id"].to_string();
    let before: Vec<i64> = queue_only(&r, &id)
        .iter()
        .filter_map(|m| m["id"].as_i64())
        .collect();
    let replanned = mail(
        &r,
        &[
            "outbox",
            "replan",
            &id,
            "--max-message-bytes",
            "400000",
            "--json",
        ],
    )
    .ok()
    .json();
    let after: Vec<i64> = replanned
        .as_array()
        .expect("messages")
        .iter()
        .filter_map(|m| m["id"].as_i64())
        .collect();
    assert!(after.len() > before.len(), "{replanned}");
    // The new plan lives in a folder of its own; the old one is gone once it was replaced.
    for m in replanned.as_array().expect("messages") {
        let folder = m["folder"].as_str().unwrap_or_default();
        assert!(
            folder.starts_with(&format!("outbox/batch-{id}-2/")),
            "{folder}"
        );
    }
    assert!(!r.library().join(format!("outbox/batch-{id}")).exists());
    let newest_old = before.iter().max().copied().unwrap_or(0);
    assert!(
        after.iter().all(|a| *a > newest_old),
        "a withdrawn message's id was given again: {before:?} → {after:?}"
    );
    // 已手工发送 for a message that no longer exists marks no other message.
    let stale = mail(
        &r,
        &["outbox", "resolve", &before[0].to_string(), "--by-hand"],
    );
    assert_ne!(stale.code, 0, "{}", stale.explain());
    let outbox = mail(&r, &["outbox", "--json"]).ok().json();
    assert!(
        outbox
            .as_array()
            .expect("outbox")
            .iter()
            .all(|m| m["state"] == "queued"),
        "{outbox}"
    );
}

/// The stored file of the batch's first recitation (an .mp3: no thumbnail is made of it).
fn a_stored_mp3(r: &Run, batch: &serde_json::Value) -> PathBuf {
    let stored = batch["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .flat_map(|e| e["files"].as_array().expect("files").iter())
        .filter_map(|f| f["stored_path"].as_str())
        .find(|p| p.ends_with(".mp3"))
        .expect("an mp3 in the batch");
    r.library().join(stored)
}

#[test]
fn a_replan_that_fails_midway_leaves_the_old_plan_intact() {
    let r = Run::new();
    let batch = make_batch(&r);
    certs(r.dir.path());
    let server = Server::start(r.dir.path(), "replan", "tls", "none", 50_000_000);
    set_account(&r, &server, "tls", SECRET, &[]).ok();
    let id = batch["id"].to_string();
    let before = queue_only(&r, &id);
    // A stored work file cannot be read while the new attachments are written.
    let stored = a_stored_mp3(&r, &batch);
    let aside = r.dir.path().join("aside.mp3");
    std::fs::rename(&stored, &aside).expect("move aside");
    let failed = mail(
        &r,
        &["outbox", "replan", &id, "--max-message-bytes", "400000"],
    );
    assert_ne!(failed.code, 0, "{}", failed.explain());
    assert!(failed.stderr.contains("错误"), "{}", failed.explain());
    let after = mail(&r, &["outbox", "--json"]).ok().json();
    assert_eq!(
        after.as_array().expect("outbox"),
        &before,
        "the old plan is intact"
    );
    for m in &before {
        let folder = r.library().join(m["folder"].as_str().expect("folder"));
        for a in m["attachments"].as_array().expect("attachments") {
            assert!(
                folder.join(a["name"].as_str().expect("name")).is_file(),
                "{} lost",
                a["name"]
            );
        }
    }
    // Back in place: the old plan still sends, every work once.
    std::fs::rename(&aside, &stored).expect("put back");
    mail(&r, &["outbox", "resume"]).ok();
    mail(&r, &["outbox", "flush"]).ok();
    assert_every_file_once(
        &batch,
        &server.arrived(&r.dir.path().join("a")),
        r.dir.path(),
    );
}

/// What arrived of batch `id`'s messages (by Message-ID).
fn arrived_of(r: &Run, server: &Server, id: i64, out: &str) -> Vec<serde_json::Value> {
    let outbox = mail(r, &["outbox", "--json"]).ok().json();
    let ids: Vec<String> = outbox
        .as_array()
        .expect("outbox")
        .iter()
        .filter(|m| m["batch_id"] == id)
        .filter_map(|m| m["message_id"].as_str().map(str::to_owned))
        .collect();
    server
        .arrived(&r.dir.path().join(out))
        .into_iter()
        .filter(|m| ids.iter().any(|i| m["message_id"] == i.as_str()))
        .collect()
}

#[test]
fn a_missing_attachments_folder_fails_its_own_batch_only_and_replan_mends_it() {
    let r = Run::new();
    let first = make_batch(&r);
    let second = r
        .cli(&["batch", "create", "--categories", "recitation", "--json"])
        .ok()
        .json()["batch"]
        .clone();
    certs(r.dir.path());
    let server = Server::start(r.dir.path(), "missing", "tls", "none", 50_000_000);
    set_account(&r, &server, "tls", SECRET, &[]).ok();
    let (one, two) = (first["id"].to_string(), second["id"].to_string());
    queue_only(&r, &one);
    queue_only(&r, &two);
    std::fs::remove_dir_all(r.library().join(format!("outbox/batch-{one}"))).expect("rm");
    mail(&r, &["outbox", "resume"]).ok();
    let flushed = mail(&r, &["outbox", "flush", "--json"]);
    assert_eq!(flushed.code, 1, "{}", flushed.explain());
    let report = flushed.json();
    for m in report["messages"].as_array().expect("messages") {
        if m["batch_id"] == first["id"] {
            assert_eq!(m["state"], "failed", "{m}");
            assert_eq!(m["permanent"], true, "{m}");
            assert_eq!(m["error_code"], "mail.attachments_missing", "{m}");
            let error = m["error"].as_str().unwrap_or_default();
            assert!(
                error.contains("重新计划") && error.contains(&format!("outbox replan {one}")),
                "says what to do: {error}"
            );
        } else {
            assert_eq!(m["state"], "sent", "a later batch still goes: {m}");
        }
    }
    assert_every_file_once(
        &second,
        &arrived_of(&r, &server, second["id"].as_i64().unwrap_or(0), "a"),
        r.dir.path(),
    );
    // 重新计划 writes the attachments again from the batch; they go.
    mail(&r, &["outbox", "replan", &one]).ok();
    mail(&r, &["outbox", "flush"]).ok();
    assert_every_file_once(
        &first,
        &arrived_of(&r, &server, first["id"].as_i64().unwrap_or(0), "b"),
        r.dir.path(),
    );
}

#[test]
fn a_send_listens_to_its_server_s_size_and_replans_by_itself() {
    let r = Run::new();
    let batch = make_batch(&r);
    certs(r.dir.path());
    let server = Server::start(r.dir.path(), "size", "tls", "none", 1_000_000);
    // Saved without 测试连接: the account knows no size, the batch is planned for 70 MiB.
    set_account(&r, &server, "tls", SECRET, &[]).ok();
    let sent = mail(&r, &["send", &batch["id"].to_string(), "--json"])
        .ok()
        .json();
    let flush = &sent["flush"];
    let told = flush["replanned"].as_array().expect("replanned");
    assert_eq!(told.len(), 1, "{flush}");
    assert!(
        told[0].as_str().unwrap_or_default().contains("重新计划"),
        "{flush}"
    );
    let messages = flush["messages"].as_array().expect("messages");
    assert!(messages.len() > 1, "more messages: {flush}");
    assert!(messages.iter().all(|m| m["state"] == "sent"), "{flush}");
    assert_eq!(flush["sent"], messages.len() as u64, "{flush}");
    let arrived = server.arrived(&r.dir.path().join("a"));
    assert_eq!(arrived.len(), messages.len(), "each message once");
    assert!(
        arrived
            .iter()
            .all(|m| m["size"].as_u64().unwrap_or(u64::MAX) <= 1_000_000)
    );
    assert_every_file_once(&batch, &arrived, r.dir.path());
    // The size is the account's from now on.
    let account = mail(&r, &["account", "show", "--json"]).ok().json();
    assert_eq!(account["server_size"], 1_000_000, "{account}");
}

#[test]
fn an_attachment_changed_since_it_was_written_is_never_sent() {
    let r = Run::new();
    let batch = make_batch(&r);
    certs(r.dir.path());
    let server = Server::start(r.dir.path(), "sha", "tls", "none", 50_000_000);
    set_account(&r, &server, "tls", SECRET, &[]).ok();
    let queued = queue_only(&r, &batch["id"].to_string());
    let m = &queued[0];
    let zip = m["attachments"]
        .as_array()
        .expect("attachments")
        .iter()
        .filter_map(|a| a["name"].as_str())
        .find(|n| n.ends_with(".zip"))
        .expect("a zip");
    // One byte flipped, the size the same (a bad sector, a stick's bit rot, a hand edit).
    let path = r
        .library()
        .join(m["folder"].as_str().expect("folder"))
        .join(zip);
    let mut bytes = std::fs::read(&path).expect("read");
    let at = bytes.len() / 2;
    bytes[at] ^= 0xff;
    std::fs::write(&path, bytes).expect("write");
    mail(&r, &["outbox", "resume"]).ok();
    let flushed = mail(&r, &["outbox", "flush", "--json"]);
    assert_eq!(flushed.code, 1, "{}", flushed.explain());
    let report = flushed.json();
    let m = &report["messages"][0];
    assert_eq!(m["state"], "failed", "{m}");
    assert_eq!(m["error_code"], "mail.attachment_changed", "{m}");
    let error = m["error"].as_str().unwrap_or_default();
    assert!(
        error.contains("SHA-256") && error.contains("重新计划"),
        "{error}"
    );
    assert!(
        server.arrived(&r.dir.path().join("a")).is_empty(),
        "nothing sent"
    );
}

/// The outbox's audit rows of message `id`, oldest first: (action, detail).
fn message_audit(r: &Run, id: i64) -> Vec<(String, serde_json::Value)> {
    let lib =
        baosong::library::Library::open(&r.library(), baosong::library::Actor::Cli).expect("open");
    let mut rows: Vec<(String, serde_json::Value)> = lib
        .audit_log(10_000)
        .expect("audit")
        .into_iter()
        .filter(|a| a.action.starts_with("outbox."))
        .map(|a| {
            let detail: serde_json::Value = serde_json::from_str(&a.detail).expect("json");
            (a.action, detail)
        })
        .filter(|(_, d)| d["message"] == id)
        .collect();
    rows.reverse();
    rows
}

#[test]
fn every_outbox_state_change_is_in_the_audit_log() {
    let r = Run::new();
    let batch = make_batch(&r);
    certs(r.dir.path());
    let server = Server::start(r.dir.path(), "audit", "tls", "none", 50_000_000);
    set_account(&r, &server, "tls", SECRET, &[]).ok();
    let id = batch["id"].to_string();
    let old = queue_only(&r, &id)[0]["id"].as_i64().expect("id");
    let new = mail(
        &r,
        &[
            "outbox",
            "replan",
            &id,
            "--max-message-bytes",
            "3000000",
            "--json",
        ],
    )
    .ok()
    .json();
    let ids: Vec<i64> = new
        .as_array()
        .expect("messages")
        .iter()
        .filter_map(|m| m["id"].as_i64())
        .collect();
    assert!(ids.len() >= 2, "{new}");
    mail(&r, &["outbox", "resume"]).ok();
    server.set_fault("451-once");
    mail(&r, &["outbox", "flush"]).fails_with(1); // M1: taken, failed (451)
    server.set_fault("drop-after-data");
    mail(&r, &["outbox", "flush"]).ok(); // M1, M2: taken, uncertain
    mail(
        &r,
        &["outbox", "resolve", &ids[0].to_string(), "--delivered"],
    )
    .ok();
    mail(&r, &["outbox", "resolve", &ids[1].to_string(), "--resend"]).ok();
    server.set_fault("none");
    mail(&r, &["outbox", "flush"]).ok(); // M2: taken, sent

    let actions =
        |id: i64| -> Vec<String> { message_audit(&r, id).into_iter().map(|(a, _)| a).collect() };
    assert_eq!(actions(old), ["outbox.queued", "outbox.withdrawn"]);
    assert_eq!(
        actions(ids[0]),
        [
            "outbox.queued",
            "outbox.taken",
            "outbox.failed",
            "outbox.taken",
            "outbox.uncertain",
            "outbox.resolved",
        ]
    );
    assert_eq!(
        actions(ids[1]),
        [
            "outbox.queued",
            "outbox.taken",
            "outbox.uncertain",
            "outbox.resolved",
            "outbox.taken",
            "outbox.sent",
        ]
    );
    let m1 = message_audit(&r, ids[0]);
    assert_eq!(m1[2].1["error_code"], "mail.busy", "{:?}", m1[2]);
    assert_eq!(m1[5].1["how"], "delivered", "{:?}", m1[5]);
    assert_eq!(m1[5].1["state"], "sent", "{:?}", m1[5]);
    let m2 = message_audit(&r, ids[1]);
    assert_eq!(m2[3].1["how"], "resend", "{:?}", m2[3]);
    assert_eq!(m2[3].1["state"], "queued", "{:?}", m2[3]);
    assert!(m2[5].1["message_id"].is_string(), "{:?}", m2[5]);
}

/// A path as strace prints it: bytes outside printable ASCII in 3-digit octal.
fn strace_escaped(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if (0x20..0x7f).contains(&b) && b != b'\\' && b != b'"' {
                (b as char).to_string()
            } else {
                format!("\\{b:03o}")
            }
        })
        .collect()
}

#[test]
fn attachment_folders_and_cover_letters_are_synced_before_the_rows_that_name_them_commit() {
    let r = Run::new();
    let batch = make_batch(&r);
    certs(r.dir.path());
    let server = Server::start(r.dir.path(), "sync", "tls", "none", 1_000_000);
    set_account(&r, &server, "tls", SECRET, &[]).ok();
    mail(&r, &["account", "test"]).ok();
    mail(&r, &["outbox", "pause"]).ok();
    let id = batch["id"].to_string();
    let log = r.dir.path().join("strace.log");
    let mut cmd = Command::new("strace");
    cmd.args([
        "-f",
        "-y",
        "-e",
        "trace=fsync,fdatasync,rename,renameat,renameat2",
        "-o",
    ])
    .arg(&log)
    .arg(env!("CARGO_BIN_EXE_baosong-cli"))
    .args(["send", &id])
    .env("BAOSONG_CONFIG_DIR", r.dir.path().join("config"))
    .env("BAOSONG_LOG_DIR", r.logs())
    .stdout(Stdio::null())
    .stderr(Stdio::null());
    for (k, v) in env(&r) {
        cmd.env(k, v);
    }
    cmd.status()
        .expect("strace (installed by the test command)");
    let text = std::fs::read_to_string(&log).expect("strace log");
    let lines: Vec<&str> = text.lines().collect();
    let messages = mail(&r, &["outbox", "--json"]).ok().json();
    let n = messages.as_array().expect("outbox").len();
    assert!(n > 1, "{messages}");
    let folder = strace_escaped(&format!("{}/outbox/batch-{id}", r.library().display()));
    let renamed = lines
        .iter()
        .position(|l| l.contains("rename") && l.contains(".partial-") && l.contains(&folder))
        .unwrap_or_else(|| panic!("the folder's rename:\n{text}"));
    let commit = renamed
        + lines[renamed..]
            .iter()
            .position(|l| l.contains("fsync(") && l.contains("catalog.sqlite-wal>"))
            .unwrap_or_else(|| panic!("the commit after the rename:\n{text}"));
    let before = &lines[..commit];
    let synced = |suffix: &str| {
        before
            .iter()
            .filter(|l| {
                l.contains("fsync(") && l.contains(&folder) && l.contains(&format!("{suffix}>)"))
            })
            .count()
    };
    assert!(
        lines[renamed..commit]
            .iter()
            .any(|l| l.contains("fsync(") && l.contains(&format!("<{folder}>)"))),
        "the folder holding the renamed plan is synced before the commit:\n{text}"
    );
    for k in 1..=n {
        assert!(
            synced(&strace_escaped(&format!("第{k:02}封"))) > 0,
            "第{k:02}封 synced before the commit:\n{text}"
        );
    }
    assert_eq!(
        synced(".cover.txt"),
        n,
        "every cover letter synced:\n{text}"
    );
}

/// 市级收件 from mail: a district sends its batch through the real SMTP server under a 400 kB
/// limit (stored zips with part manifests, a video cut into volumes across messages); the
/// municipal library reads the Maildir the server delivered into, lays the package out again
/// and verifies every file against the district's SHA-256. The same messages as .eml files,
/// a message that is not a batch, and the volumes before the first message all behave.
#[test]
fn the_city_receives_a_mailed_batch_from_a_maildir_and_from_eml_files() {
    let r = Run::new();
    let batch = make_batch(&r);
    certs(r.dir.path());
    let server = Server::start(r.dir.path(), "city", "tls", "none", 400_000);
    set_account(&r, &server, "tls", SECRET, &[]).ok();
    let sent = mail(&r, &["send", &batch["id"].to_string(), "--json"])
        .ok()
        .json();
    let n = sent["flush"]["sent"].as_u64().unwrap_or(0);
    assert!(n >= 3, "several messages: {sent}");

    let city = r.dir.path().join("市级收件");
    let at = |args: &[&str]| {
        let mut all = vec!["--library", city.to_str().unwrap_or_default()];
        all.extend_from_slice(args);
        r.cli_env(&all, &[])
    };
    at(&["init", "--role", "city", "--office", "汕头市工人文化宫"]).ok();

    // Everything but the first message (it holds the full manifest): the batch waits.
    let mut files: Vec<PathBuf> = std::fs::read_dir(server.maildir.join("new"))
        .expect("maildir")
        .flatten()
        .map(|e| e.path())
        .collect();
    files.sort();
    let first = files
        .iter()
        .position(|f| {
            std::fs::read(f).is_ok_and(|b| {
                b.windows(b"manifest.json".len())
                    .any(|w| w == b"manifest.json")
                    && String::from_utf8_lossy(&b).contains("Subject: =?utf-8?b?")
                    && sent["flush"]["messages"][0]["message_id"]
                        .as_str()
                        .is_some_and(|id| String::from_utf8_lossy(&b).contains(id))
            })
        })
        .expect("the first message");
    let others: Vec<&str> = files
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != first)
        .map(|(_, f)| f.to_str().unwrap_or_default())
        .collect();
    let mut args = vec!["receive", "--json", "--eml"];
    args.extend(others.iter().copied());
    let partial = at(&args).ok().json();
    assert_eq!(
        partial["batches"].as_array().map(Vec::len),
        Some(0),
        "{partial}"
    );
    assert_eq!(
        partial["waiting"].as_array().map(Vec::len),
        Some(1),
        "{partial}"
    );

    // The whole Maildir, plus a message that is no batch: the batch is laid out and verified.
    let stranger = server.maildir.join("new").join("zz-stranger.eml");
    std::fs::write(
        &stranger,
        "From: 某人 <someone@example.test>\r\nTo: city@example.test\r\nSubject: hello\r\n\
         Message-ID: <x@example.test>\r\n\r\n请看附件。超大附件：https://wx.mail.qq.com/ftn/download?func=3&k=abc 作品.mp4 (1.2G)\r\n",
    )
    .expect("stranger");
    let maildir = server.maildir.to_str().unwrap_or_default();
    let got = at(&["receive", "--maildir", maildir, "--json"]).ok().json();
    let batches = got["batches"].as_array().expect("batches");
    assert_eq!(batches.len(), 1, "{got}");
    let b = &batches[0];
    assert_eq!(b["office"], "南澳县总工会");
    assert_eq!(b["works"], 3, "{got}");
    assert_eq!(b["verified"], b["files"], "every file verified: {got}");
    assert!(b["problems"].as_array().is_some_and(Vec::is_empty), "{got}");
    let other = got["messages"]
        .as_array()
        .and_then(|m| m.iter().find(|m| m["kind"] == "other"))
        .expect("the stranger is listed");
    assert_eq!(other["subject"], "hello");
    assert!(
        other["mentioned"].as_array().is_some_and(|m| !m.is_empty()),
        "the 超大附件 link is listed to fetch by hand: {other}"
    );
    let works = at(&["city", "works", "--json"]).ok().json();
    assert_eq!(works.as_array().map(Vec::len), Some(3), "{works}");
    assert!(
        works.as_array().is_some_and(|w| w.iter().all(|w| w["files"]
            .as_array()
            .is_some_and(|f| f.iter().all(|f| f["verified"] == true)))),
        "{works}"
    );

    // The same mail again (now as .eml files): nothing new.
    let mut args = vec!["receive", "--json", "--eml"];
    args.extend(files.iter().map(|f| f.to_str().unwrap_or_default()));
    let again = at(&args).ok().json();
    assert!(
        again["messages"]
            .as_array()
            .is_some_and(|m| m.iter().all(|m| m["already"] == true)),
        "{again}"
    );
    assert_eq!(
        again["batches"].as_array().map(Vec::len),
        Some(0),
        "a whole batch is not taken in again: {again}"
    );
    assert_eq!(
        again["waiting"].as_array().map(Vec::len),
        Some(0),
        "{again}"
    );
    let works = at(&["city", "works", "--json"]).ok().json();
    assert_eq!(works.as_array().map(Vec::len), Some(3));
}

/// Every file under `dir`, relative, sorted: what a refused command must not have changed.
fn tree(dir: &Path) -> Vec<String> {
    fn go(dir: &Path, base: &Path, out: &mut Vec<String>) {
        for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                go(&p, base, out);
            } else {
                out.push(p.strip_prefix(base).unwrap_or(&p).display().to_string());
            }
        }
    }
    let mut out = Vec::new();
    go(dir, dir, &mut out);
    out.sort();
    out
}

/// 另行传送 end to end: the district's video is too big for a message and its clerk routes such
/// files another way (`send --oversize separate`); every cover letter lists it with its SHA-256.
/// The city reads the Maildir the real SMTP server delivered into: the batch is taken in with
/// the video 待补 — not missing, not a problem — named with its size and hash in the report,
/// in `city works` and in `city status`. A damaged download (one byte changed) and a folder of
/// unrelated files are refused in Chinese and change nothing; the real bytes under another
/// name fill the video in by its SHA-256, verified and judged, the batch whole; given again
/// they change nothing, and reading the Maildir again takes nothing in.
#[test]
fn a_file_sent_another_way_is_awaited_then_filled_in_by_its_hash() {
    let r = Run::new();
    let batch = make_batch(&r);
    certs(r.dir.path());
    let server = Server::start(r.dir.path(), "separate", "tls", "none", 400_000);
    set_account(&r, &server, "tls", SECRET, &[]).ok();
    // 测试连接 learns the server's SIZE, so the plan knows the video does not fit.
    mail(&r, &["account", "test", "--json"]).ok();
    // A path not in the batch is refused before anything is queued.
    let unknown = mail(
        &r,
        &[
            "send",
            &batch["id"].to_string(),
            "--separate",
            "02-微视频/没有这个.mp4",
        ],
    )
    .fails_with(2);
    assert!(
        unknown.stderr.contains("不是这个批次中的文件"),
        "{}",
        unknown.explain()
    );
    assert!(
        mail(&r, &["outbox", "--json"])
            .ok()
            .json()
            .as_array()
            .is_some_and(Vec::is_empty),
        "nothing queued"
    );
    let sent = mail(
        &r,
        &[
            "send",
            &batch["id"].to_string(),
            "--oversize",
            "separate",
            "--json",
        ],
    )
    .ok()
    .json();
    assert!(
        sent["flush"]["messages"]
            .as_array()
            .is_some_and(|m| m.iter().all(|m| m["state"] == "sent")),
        "{sent}"
    );
    let video = batch["entries"]
        .as_array()
        .and_then(|e| e.iter().find(|e| e["category"] == "micro-video"))
        .map(|e| e["files"][0].clone())
        .expect("the video");
    let video_path = video["package_path"].as_str().expect("path").to_owned();
    let video_sha = video["sha256"].as_str().expect("sha").to_owned();
    let video_size = video["size"].as_u64().expect("size");

    let city = r.dir.path().join("市级收件");
    let at = |args: &[&str]| {
        let mut all = vec!["--library", city.to_str().unwrap_or_default()];
        all.extend_from_slice(args);
        r.cli_env(&all, &[])
    };
    at(&["init", "--role", "city", "--office", "汕头市工人文化宫"]).ok();
    let maildir = server.maildir.to_str().unwrap_or_default().to_owned();
    let got = at(&["receive", "--maildir", &maildir, "--json"])
        .ok()
        .json();
    let b = &got["batches"][0];
    assert_eq!(b["works"], 3, "{got}");
    assert_eq!(b["files"], 3, "{got}");
    assert_eq!(b["verified"], 2, "{got}");
    assert_eq!(
        b["problems"].as_array().map(Vec::len),
        Some(0),
        "待补 is no problem: {got}"
    );
    let pending = b["pending"].as_array().expect("pending");
    assert_eq!(pending.len(), 1, "{got}");
    assert_eq!(pending[0]["path"], video_path.as_str());
    assert_eq!(pending[0]["sha256"], video_sha.as_str());
    assert_eq!(pending[0]["size"], video_size);
    assert_eq!(pending[0]["via"], "separate");
    assert!(
        got["messages"]
            .as_array()
            .is_some_and(|m| m.iter().any(|m| m["mentioned"]
                .as_array()
                .is_some_and(|l| l.iter().any(|f| f["sha256"] == video_sha.as_str())))),
        "the cover letter's list is read: {got}"
    );
    let text = at(&["receive", "--maildir", &maildir]).ok().stdout;
    assert!(
        !text.contains("[待补]") || text.contains(&video_sha),
        "a second read says nothing new, or says it with the hash: {text}"
    );

    let works_before = at(&["city", "works", "--json"]).ok().stdout;
    let works: serde_json::Value = serde_json::from_str(&works_before).expect("json");
    let w = works
        .as_array()
        .and_then(|w| w.iter().find(|w| w["category"] == "micro-video"))
        .expect("the video's work");
    assert_eq!(w["files"][0]["pending"], true, "{w}");
    assert_eq!(w["files"][0]["verified"], false, "{w}");
    assert_eq!(w["files"][0]["sha256"], video_sha.as_str(), "{w}");
    assert!(w["verdict"].is_null(), "{w}");
    assert_eq!(w["problems"].as_array().map(Vec::len), Some(0), "{w}");
    assert!(
        w["pending"][0]
            .as_str()
            .is_some_and(|p| p.contains("待补") && p.contains(&video_sha)),
        "{w}"
    );
    let status = at(&["city", "status", "--json"]).ok().json();
    let unit = status["districts"]
        .as_array()
        .and_then(|d| d.iter().find(|d| d["office"] == "南澳县总工会"))
        .expect("the unit");
    let cat = unit["categories"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["category"] == "micro-video"))
        .expect("the category");
    assert_eq!(cat["pending"], 1, "{cat}");
    assert_ne!(cat["status"], "problems", "{cat}");
    assert!(
        cat["text"].as_str().is_some_and(|t| t.contains("1件待补")),
        "{cat}"
    );

    // A damaged download (one byte changed, same name and size) is refused; so is it through
    // --zip, and a folder of unrelated files: nothing changes.
    let original = r.dir.path().join("工匠.mp4");
    let mut bytes = std::fs::read(&original).expect("video");
    assert_eq!(bytes.len() as u64, video_size);
    let downloads = r.dir.path().join("下载");
    std::fs::create_dir_all(downloads.join("坏")).expect("dir");
    let last = bytes.len() - 10;
    bytes[last] ^= 0xff;
    let name = video_path.rsplit('/').next().expect("name");
    let damaged = downloads.join("坏").join(name);
    std::fs::write(&damaged, &bytes).expect("damaged");
    let store_before = tree(&city);
    let refused = at(&["receive", "--files", damaged.to_str().unwrap_or_default()]).fails_with(2);
    assert!(
        refused.stderr.contains("SHA-256")
            && refused.stderr.contains("重新下载")
            && refused.stderr.contains("未做任何改动")
            && refused.stderr.contains(&video_sha),
        "{}",
        refused.explain()
    );
    at(&["receive", "--zip", damaged.to_str().unwrap_or_default()]).fails_with(2);
    let junk = downloads.join("杂");
    std::fs::create_dir_all(&junk).expect("dir");
    std::fs::write(junk.join("说明.txt"), "不相干").expect("junk");
    let folder = at(&[
        "receive",
        "--json",
        "--folder",
        junk.to_str().unwrap_or_default(),
    ]);
    assert_eq!(folder.code, 2, "{}", folder.explain());
    assert_eq!(
        folder.json()["received"][0]["error"]["code"],
        "receive.not_awaited",
        "{}",
        folder.explain()
    );
    assert_eq!(at(&["city", "works", "--json"]).ok().stdout, works_before);
    assert_eq!(tree(&city), store_before, "a refusal stores nothing");

    // The real bytes, downloaded under another name beside the unrelated file: filled in.
    std::fs::copy(&original, junk.join("工匠精神(1).mp4")).expect("download");
    let filled = at(&[
        "receive",
        "--json",
        "--folder",
        junk.to_str().unwrap_or_default(),
    ])
    .ok()
    .json();
    let f = &filled["received"][0]["filled"];
    assert_eq!(f["filled"].as_array().map(Vec::len), Some(1), "{filled}");
    assert_eq!(f["filled"][0]["path"], video_path.as_str(), "{filled}");
    assert_eq!(f["filled"][0]["already"], false, "{filled}");
    assert_eq!(f["ignored"].as_array().map(Vec::len), Some(1), "{filled}");
    let rec = &f["batches"][0];
    assert_eq!(rec["verified"], 3, "{filled}");
    assert_eq!(rec["pending"].as_array().map(Vec::len), Some(0), "{filled}");
    assert_eq!(
        rec["problems"].as_array().map(Vec::len),
        Some(0),
        "{filled}"
    );
    let works = at(&["city", "works", "--json"]).ok().json();
    let w = works
        .as_array()
        .and_then(|w| w.iter().find(|w| w["category"] == "micro-video"))
        .expect("the video's work");
    assert_eq!(w["files"][0]["verified"], true, "{w}");
    assert_eq!(w["files"][0]["pending"], false, "{w}");
    assert!(!w["verdict"].is_null(), "judged by the city: {w}");
    assert_eq!(w["pending"].as_array().map(Vec::len), Some(0), "{w}");
    let status = at(&["city", "status", "--json"]).ok().json();
    let cat = status["districts"]
        .as_array()
        .and_then(|d| d.iter().find(|d| d["office"] == "南澳县总工会"))
        .and_then(|u| {
            u["categories"]
                .as_array()
                .and_then(|c| c.iter().find(|c| c["category"] == "micro-video"))
                .cloned()
        })
        .expect("the category");
    assert_eq!(cat["pending"], 0, "{cat}");

    // Given again, by --files: already received, nothing changes. The Maildir again: nothing.
    let works_after = at(&["city", "works", "--json"]).ok().stdout;
    let store_after = tree(&city);
    let again = at(&[
        "receive",
        "--json",
        "--files",
        original.to_str().unwrap_or_default(),
    ])
    .ok()
    .json();
    assert_eq!(again["filled"][0]["already"], true, "{again}");
    assert_eq!(
        again["batches"].as_array().map(Vec::len),
        Some(0),
        "{again}"
    );
    let mail_again = at(&["receive", "--maildir", &maildir, "--json"])
        .ok()
        .json();
    assert_eq!(
        mail_again["batches"].as_array().map(Vec::len),
        Some(0),
        "{mail_again}"
    );
    assert_eq!(at(&["city", "works", "--json"]).ok().stdout, works_after);
    assert_eq!(
        tree(&city)
            .iter()
            .filter(|p| p.starts_with("files"))
            .count(),
        store_after
            .iter()
            .filter(|p| p.starts_with("files"))
            .count()
    );
}
