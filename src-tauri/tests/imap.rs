//! Reading a mailbox over IMAP against a real server: Dovecot on loopback with implicit TLS
//! from the test CA (`support/imap.rs`), serving the very Maildir the real SMTP test server
//! delivers into. A district library sends its batch through SMTP; the reader logs in over TLS,
//! says ID, finds INBOX, Junk and Sent Messages (or NetEase's unmarked 垃圾邮件 and 已发送), reads
//! each message whole and only once (UID state, UIDVALIDITY), leaves every message unseen and in
//! place, survives a connection dropped mid-fetch or gone quiet, and finds a Message-ID in the
//! sent folder. Dovecot moves a message from `new/` to `cur/` when it first sees it (its own
//! bookkeeping, not the reader's): "in place" means the same files in the same folder.

#[path = "support/imap.rs"]
mod imap;
#[path = "support/smtp.rs"]
mod smtp;
mod support;

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use baosong::coded::Coded;
use baosong::mail::imap::{self as reader, Fetched, FolderState, Interrupted, Server, Session};
use imap::{Dovecot, Proxy};
use smtp::{ADDRESS, SECRET, certs};
use support::district::{city_library, district_batch};
use support::{Run, ffmpeg};

fn start(dir: &Path) -> Dovecot {
    certs(dir);
    Dovecot::start(dir, "imap", &dir.join("imap/Maildir"), ADDRESS, SECRET)
}

fn server(dir: &Path, port: u16) -> Server {
    Server {
        host: "localhost".into(),
        port,
        extra_root: Some(dir.join("certs/ca.pem").display().to_string()),
        timeout: Duration::from_secs(5),
    }
}

fn login(dir: &Path, port: u16) -> Session {
    reader::connect(&server(dir, port), ADDRESS, SECRET).expect("login")
}

/// A plain message of about `size` bytes.
fn eml(n: u32, size: usize) -> Vec<u8> {
    let mut m = format!(
        "From: =?UTF-8?B?5Y2X5r6z5Y6/?= <nanao@localhost.test>\r\n\
         To: <{ADDRESS}>\r\n\
         Subject: test {n}\r\n\
         Message-ID: <msg-{n}@baosong.test>\r\n\
         Date: Mon, 8 Jun 2026 10:00:00 +0800\r\n\
         MIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=us-ascii\r\n\r\n"
    )
    .into_bytes();
    let mut i = 0u32;
    while m.len() < size {
        m.extend_from_slice(format!("line {n}.{i} of the body, plain ascii text\r\n").as_bytes());
        i += 1;
    }
    m
}

/// Reads `folder` (by role) from `since`, keeping every message as (uid, bytes).
fn read(
    s: &mut Session,
    folder: &str,
    since: Option<&FolderState>,
    kept: &mut Vec<(u32, Vec<u8>)>,
) -> Result<Fetched, Interrupted> {
    let folders = s.folders().expect("folders");
    let f = folders
        .all
        .iter()
        .find(|f| f.name == folder)
        .unwrap_or_else(|| panic!("{folder} in {:?}", folders.all))
        .clone();
    s.fetch_new(&f, since, &mut |m| {
        assert_eq!(m.folder, f.raw);
        kept.push((m.uid, m.bytes.to_vec()));
        Ok(())
    })
}

/// No message file of `folder` has the Seen flag (`:2,…S…`).
fn assert_unseen(d: &Dovecot, folder: &str) {
    for (sub, name) in d.files(folder) {
        let flags = name.rsplit_once(":2,").map(|(_, f)| f).unwrap_or("");
        assert!(
            !flags.contains('S'),
            "{folder}/{sub}/{name} was marked seen"
        );
    }
}

#[test]
fn a_district_batch_sent_by_smtp_is_read_whole_over_tls_and_left_unseen_in_place() {
    let r = Run::new();
    let dir = r.dir.path();
    certs(dir);
    // Dovecot serves the SMTP server's own Maildir (made first, open to Dovecot's user).
    let maildir = dir.join("smtp/Maildir");
    let d = Dovecot::start(dir, "imap", &maildir, ADDRESS, SECRET);
    let smtp = smtp::Server::start(dir, "smtp", "tls", "none", 400_000);

    // A district library sends a batch of two recitations and a photo-sized file.
    r.init();
    for (i, hz) in [330, 440].into_iter().enumerate() {
        let f = ffmpeg(
            dir,
            &format!("诵读{i}.mp3"),
            &[
                "-f",
                "lavfi",
                "-i",
                &format!("sine=frequency={hz}:duration=20"),
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
    }
    let batch = r.cli(&["batch", "create", "--json"]).ok().json()["batch"].clone();
    let env = [
        ("BAOSONG_LIBRARY", r.library().display().to_string()),
        ("BAOSONG_SECRET_STORE", "file".into()),
        ("BAOSONG_SEND_PAUSE_MS", "0".into()),
        ("BAOSONG_SMTP_TIMEOUT_S", "5".into()),
    ];
    let pairs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let ca = dir.join("certs/ca.pem");
    let port = smtp.port.to_string();
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
    let sent = r
        .cli_env(&["send", &batch["id"].to_string(), "--json"], &pairs)
        .ok()
        .json();
    let n = sent["flush"]["messages"].as_array().map_or(0, Vec::len);
    assert!(n >= 2, "a 400 kB limit makes several messages: {sent}");
    let before = d.files("INBOX");
    assert_eq!(before.len(), n, "every message is in the Maildir");

    // The reader: TLS with the test CA, LOGIN, ID, LIST.
    let mut s = login(dir, d.port);
    assert_eq!(
        s.server_id.get("name").map(String::as_str),
        Some("Dovecot"),
        "the server answered our ID: {:?}",
        s.server_id
    );
    let folders = s.folders().expect("folders");
    assert_eq!(folders.inbox.raw, "INBOX");
    assert_eq!(folders.junk.as_ref().map(|f| f.name.as_str()), Some("Junk"));
    assert_eq!(
        folders.sent.as_ref().map(|f| f.name.as_str()),
        Some("Sent Messages")
    );

    let mut kept = Vec::new();
    let first = read(&mut s, "INBOX", None, &mut kept).expect("read");
    assert_eq!(first.uids.len(), n, "{first:?}");
    assert!(!first.restarted);
    assert_eq!(first.state.last_uid, *first.uids.last().expect("a uid"));
    // Byte for byte what the SMTP server stored, each once.
    let mut on_disk: Vec<Vec<u8>> = before
        .iter()
        .map(|(sub, name)| std::fs::read(maildir.join(sub).join(name)).expect("stored"))
        .collect();
    let mut fetched: Vec<Vec<u8>> = kept.iter().map(|(_, b)| b.clone()).collect();
    on_disk.sort();
    fetched.sort();
    assert!(
        on_disk == fetched,
        "fetched messages differ from the stored ones"
    );
    let message_ids: Vec<&str> = sent["flush"]["messages"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|m| m["message_id"].as_str())
        .collect();
    for id in &message_ids {
        let needle = id.trim_matches(['<', '>']);
        assert!(
            kept.iter()
                .any(|(_, b)| String::from_utf8_lossy(b).contains(needle)),
            "{id} not among the fetched messages"
        );
    }

    // Again: nothing new.
    let mut again = Vec::new();
    let second = read(&mut s, "INBOX", Some(&first.state), &mut again).expect("read");
    assert!(again.is_empty(), "{second:?}");
    assert_eq!(second.state, first.state);
    s.logout();

    // Nothing was marked seen, moved or removed: the same messages, INBOX only.
    assert_unseen(&d, "INBOX");
    let names = |files: Vec<(String, String)>| -> Vec<String> {
        files
            .into_iter()
            .map(|(_, n)| n.split(':').next().unwrap_or_default().to_owned())
            .collect()
    };
    assert_eq!(names(d.files("INBOX")), names(before));
    assert!(d.files("Junk").is_empty() && d.files("Sent Messages").is_empty());

    // Dovecot's log shows the ID we sent after login.
    assert!(
        d.log_text().contains("name=Baosong"),
        "no ID in the log:\n{}",
        d.log_text()
    );
    drop(smtp);
}

#[test]
fn only_new_messages_are_read_and_a_new_uidvalidity_starts_over() {
    let t = tempfile::tempdir().expect("tempdir");
    let d = start(t.path());
    d.deliver("INBOX", "1.a.test", &eml(1, 2_000));
    d.deliver("INBOX", "2.a.test", &eml(2, 2_000));
    d.deliver("Junk", "3.a.test", &eml(3, 2_000));

    let mut s = login(t.path(), d.port);
    let mut kept = Vec::new();
    let inbox = read(&mut s, "INBOX", None, &mut kept).expect("inbox");
    assert_eq!(inbox.uids.len(), 2);
    let junk = read(&mut s, "Junk", None, &mut kept).expect("junk");
    assert_eq!(junk.uids.len(), 1, "the junk folder is read too");
    assert_eq!(junk.state.folder, "Junk");

    // A new message arrives: only it is read.
    d.deliver("INBOX", "4.a.test", &eml(4, 2_000));
    let mut new = Vec::new();
    let next = read(&mut s, "INBOX", Some(&inbox.state), &mut new).expect("inbox");
    assert_eq!(next.uids.len(), 1, "{next:?}");
    assert!(next.uids[0] > inbox.state.last_uid);
    assert_eq!(new[0].1, eml(4, 2_000));
    // The junk folder's state does not apply to INBOX (it is read from the start).
    let mut all = Vec::new();
    let other = read(&mut s, "INBOX", Some(&junk.state), &mut all).expect("inbox");
    assert_eq!(other.uids.len(), 3);
    s.logout();

    // The server rebuilt the folder: a new UIDVALIDITY, and the reader starts over.
    d.reset_uids("INBOX");
    let mut s = login(t.path(), d.port);
    let mut again = Vec::new();
    let fresh = read(&mut s, "INBOX", Some(&next.state), &mut again).expect("inbox");
    assert!(fresh.restarted, "{fresh:?}");
    assert_ne!(fresh.state.uid_validity, next.state.uid_validity);
    assert_eq!(again.len(), 3, "every message again after the change");
    s.logout();
    assert_unseen(&d, "INBOX");
    assert_unseen(&d, "Junk");
}

#[test]
fn a_wrong_secret_is_refused_in_chinese_with_its_code() {
    let t = tempfile::tempdir().expect("tempdir");
    let d = start(t.path());
    let e = match reader::connect(&server(t.path(), d.port), ADDRESS, "wrongwrongwrong1") {
        Ok(_) => panic!("a wrong 授权码 logged in"),
        Err(e) => e,
    };
    assert_eq!(e.code(), "mail.imap.auth", "{e}");
    assert!(e.is_input());
    assert!(e.to_string().contains("授权码不正确"), "{e}");
}

#[test]
fn a_server_whose_certificate_is_not_trusted_is_refused() {
    let t = tempfile::tempdir().expect("tempdir");
    let d = start(t.path());
    let mut plain = server(t.path(), d.port);
    plain.extra_root = None;
    let e = match reader::connect(&plain, ADDRESS, SECRET) {
        Ok(_) => panic!("an untrusted certificate was accepted"),
        Err(e) => e,
    };
    assert_eq!(e.code(), "mail.imap.tls", "{e}");
    assert!(e.to_string().contains("加密连接"), "{e}");
}

#[test]
fn a_connection_dropped_mid_fetch_keeps_what_was_whole_and_the_next_run_resumes() {
    let t = tempfile::tempdir().expect("tempdir");
    let d = start(t.path());
    let messages: Vec<Vec<u8>> = (1..=5).map(|n| eml(n, 60_000)).collect();
    for (i, m) in messages.iter().enumerate() {
        d.deliver("INBOX", &format!("{i}.drop.test"), m);
    }
    let proxy = Proxy::start(d.port);
    // Past the handshake and two messages, into the third.
    proxy.cut_after(150_000);
    let mut s = login(t.path(), proxy.port);
    let mut kept = Vec::new();
    let stopped = match read(&mut s, "INBOX", None, &mut kept) {
        Ok(f) => panic!("the cut line delivered everything: {f:?}"),
        Err(i) => i,
    };
    assert_eq!(
        stopped.error.code(),
        "mail.imap.dropped",
        "{}",
        stopped.error
    );
    assert!(stopped.error.to_string().contains("下次收取会从中断处继续"));
    let whole = stopped.fetched.uids.len();
    assert!((1..5).contains(&whole), "{:?}", stopped.fetched);
    assert_eq!(kept.len(), whole, "only whole messages reach the callback");
    assert_eq!(
        stopped.fetched.state.last_uid,
        *stopped.fetched.uids.last().expect("a uid")
    );
    // The session is spent; a later call says so instead of hanging.
    assert!(s.folders().is_err());

    // The line is back: the next run goes on from the last whole message.
    proxy.heal();
    let mut s = login(t.path(), proxy.port);
    let folders = s.folders().expect("folders");
    // This run writes each message to a folder as it arrives, as receiving does.
    let saved = t.path().join("received");
    let mut save = reader::save_to(&saved);
    let rest = s
        .fetch_new(&folders.inbox, Some(&stopped.fetched.state), &mut |m| {
            save(m)?;
            kept.push((m.uid, m.bytes.to_vec()));
            Ok(())
        })
        .expect("rest");
    let files: Vec<String> = std::fs::read_dir(&saved)
        .expect("saved")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        files.len(),
        rest.uids.len(),
        "one whole file per message: {files:?}"
    );
    for uid in &rest.uids {
        let name = format!("{}-{uid}.eml", rest.state.uid_validity);
        assert!(files.contains(&name), "{name} not in {files:?}");
    }
    assert_eq!(whole + rest.uids.len(), 5, "{rest:?}");
    s.logout();
    let mut by_uid: BTreeMap<u32, usize> = BTreeMap::new();
    for (uid, _) in &kept {
        *by_uid.entry(*uid).or_default() += 1;
    }
    assert!(
        by_uid.values().all(|c| *c == 1),
        "a message twice: {by_uid:?}"
    );
    let mut got: Vec<Vec<u8>> = kept.into_iter().map(|(_, b)| b).collect();
    let mut want = messages;
    got.sort();
    want.sort();
    assert!(got == want, "every message exactly once, byte for byte");
    assert_unseen(&d, "INBOX");
}

#[test]
fn a_line_gone_quiet_mid_fetch_times_out_with_what_was_whole() {
    let t = tempfile::tempdir().expect("tempdir");
    let d = start(t.path());
    for n in 1..=3 {
        d.deliver("INBOX", &format!("{n}.quiet.test"), &eml(n, 60_000));
    }
    let proxy = Proxy::start(d.port);
    proxy.stall_after(100_000);
    let mut slow = server(t.path(), proxy.port);
    slow.timeout = Duration::from_secs(2);
    let mut s = reader::connect(&slow, ADDRESS, SECRET).expect("login");
    let started = std::time::Instant::now();
    let stopped = match read(&mut s, "INBOX", None, &mut Vec::new()) {
        Ok(f) => panic!("the quiet line delivered everything: {f:?}"),
        Err(i) => i,
    };
    assert!(started.elapsed() < Duration::from_secs(20));
    assert_eq!(
        stopped.error.code(),
        "mail.imap.timeout",
        "{}",
        stopped.error
    );
    assert!(stopped.error.to_string().contains("2 秒内没有回应"));
    assert_eq!(stopped.fetched.uids.len(), 1, "{:?}", stopped.fetched);
}

#[test]
fn a_message_id_is_found_in_the_sent_folder() {
    let t = tempfile::tempdir().expect("tempdir");
    let d = start(t.path());
    d.deliver("Sent Messages", "1.sent.test", &eml(7, 1_000));
    d.deliver("Sent Messages", "2.sent.test", &eml(8, 1_000));
    d.deliver("INBOX", "3.sent.test", &eml(9, 1_000));
    let mut s = login(t.path(), d.port);
    let folders = s.folders().expect("folders");
    let sent = folders.sent.expect("a sent folder");
    assert_eq!(sent.raw, "Sent Messages");
    let found = s
        .find_message_id(&sent, "<msg-8@baosong.test>")
        .expect("search");
    assert_eq!(found.len(), 1, "{found:?}");
    // Without angle brackets too; another folder's message is not in the sent folder.
    assert_eq!(
        s.find_message_id(&sent, "msg-7@baosong.test")
            .expect("search")
            .len(),
        1
    );
    assert!(
        s.find_message_id(&sent, "<msg-9@baosong.test>")
            .expect("search")
            .is_empty()
    );
    s.logout();
    assert_unseen(&d, "Sent Messages");
}

#[test]
fn chinese_folders_without_special_use_are_found_by_their_names() {
    // NetEase's way: 垃圾邮件 and 已发送, in modified UTF-7 on the wire, and no attribute.
    let t = tempfile::tempdir().expect("tempdir");
    certs(t.path());
    let d = Dovecot::start_with(
        t.path(),
        "imap",
        &t.path().join("imap/Maildir"),
        ADDRESS,
        SECRET,
        &[("&V4NXPpCuTvY-", ""), ("&XfJT0ZAB-", ""), ("Drafts", "")],
    );
    d.deliver("&V4NXPpCuTvY-", "1.junk.test", &eml(1, 1_000));
    let mut s = login(t.path(), d.port);
    let folders = s.folders().expect("folders");
    let junk = folders.junk.clone().expect("a junk folder");
    assert_eq!(
        (junk.raw.as_str(), junk.name.as_str()),
        ("&V4NXPpCuTvY-", "垃圾邮件")
    );
    let sent = folders.sent.clone().expect("a sent folder");
    assert_eq!(sent.name, "已发送");
    let mut kept = Vec::new();
    let got = read(&mut s, "垃圾邮件", None, &mut kept).expect("junk");
    assert_eq!(got.uids.len(), 1);
    assert_eq!(
        got.state.folder, "&V4NXPpCuTvY-",
        "state is kept by the wire name"
    );
    assert_eq!(kept[0].1, eml(1, 1_000));
    s.logout();
    assert_unseen(&d, "&V4NXPpCuTvY-");
}

/// `outbox check-sent`: a message whose reply was lost (待确认) is looked up in the account's
/// sent folder over IMAP. Not there yet: it stays 待确认. Once the provider's copy is there (QQ
/// keeps one in "Sent Messages"), it is settled as delivered, and can never go out again.
#[test]
fn check_sent_settles_an_uncertain_message_found_in_the_sent_folder() {
    let r = Run::new();
    let dir = r.dir.path();
    certs(dir);
    let maildir = dir.join("smtp/Maildir");
    let d = Dovecot::start(dir, "imap", &maildir, ADDRESS, SECRET);
    // The server takes the whole message and then drops the line before its reply.
    let smtp = smtp::Server::start(dir, "smtp", "tls", "drop-after-data", 50_000_000);
    r.init();
    let f = ffmpeg(
        dir,
        "诵读.mp3",
        &["-f", "lavfi", "-i", "sine=frequency=440:duration=2"],
    );
    let id = r
        .cli(&[
            "entry",
            "add",
            f.to_str().unwrap_or_default(),
            "--category",
            "recitation",
            "--title",
            "读经典",
            "--author",
            "林堃",
            "--declare",
            "original",
            "--json",
        ])
        .ok()
        .json()["id"]
        .to_string();
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
    let batch = r.cli(&["batch", "create", "--json"]).ok().json()["batch"]["id"].to_string();
    let env = [
        ("BAOSONG_LIBRARY", r.library().display().to_string()),
        ("BAOSONG_SECRET_STORE", "file".into()),
        ("BAOSONG_SEND_PAUSE_MS", "0".into()),
        ("BAOSONG_SMTP_TIMEOUT_S", "5".into()),
        ("BAOSONG_IMAP_TIMEOUT_S", "5".into()),
    ];
    let pairs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let ca = dir.join("certs/ca.pem");
    let (smtp_port, imap_port) = (smtp.port.to_string(), d.port.to_string());
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
            &smtp_port,
            "--security",
            "tls",
            "--ca-file",
            ca.to_str().unwrap_or_default(),
            "--imap-host",
            "localhost",
            "--imap-port",
            &imap_port,
            "--password-stdin",
            "--json",
        ],
        &pairs,
        SECRET,
    )
    .ok();
    let sent = r.cli_env(&["send", &batch, "--json"], &pairs).json();
    assert_eq!(sent["flush"]["uncertain"], 1, "{sent}");
    let message_id = sent["flush"]["messages"][0]["message_id"]
        .as_str()
        .expect("message id")
        .to_owned();

    // Not in the sent folder yet: still 待确认.
    let report = r
        .cli_env(&["outbox", "check-sent", "--json"], &pairs)
        .ok()
        .json();
    assert_eq!(report["checked"], 1, "{report}");
    assert_eq!(report["folder"], "Sent Messages");
    assert_eq!(report["not_found"][0]["message_id"], message_id.as_str());
    let outbox = r.cli_env(&["outbox", "--json"], &pairs).ok().json();
    assert_eq!(outbox[0]["state"], "uncertain", "{outbox}");

    // The provider's copy (the bytes the server took) lands in Sent Messages.
    let (_, name) = d
        .files("INBOX")
        .into_iter()
        .next()
        .expect("the message arrived");
    let bytes = ["new", "cur"]
        .iter()
        .find_map(|sub| std::fs::read(d.folder_dir("INBOX").join(sub).join(&name)).ok())
        .expect("its bytes");
    d.deliver("Sent Messages", "copy.sent", &bytes);
    let report = r
        .cli_env(&["outbox", "check-sent", "--json"], &pairs)
        .ok()
        .json();
    assert_eq!(
        report["delivered"][0]["message_id"],
        message_id.as_str(),
        "{report}"
    );
    let outbox = r.cli_env(&["outbox", "--json"], &pairs).ok().json();
    assert_eq!(outbox[0]["state"], "sent", "{outbox}");
    let text = r.cli_env(&["outbox", "check-sent"], &pairs).ok();
    assert!(
        text.stdout.contains("没有待确认的邮件"),
        "{}",
        text.explain()
    );
    // Nothing was marked read or moved in the mailbox.
    assert_unseen(&d, "Sent Messages");
    assert_eq!(
        smtp.arrived(&dir.join("arrived")).len(),
        1,
        "never sent twice"
    );
}

/// 市级收件 over IMAP: a district's batch sent through the real SMTP server lands in the
/// mailbox Dovecot serves; the municipal library reads it through a proxy that cuts the line
/// mid-fetch (what was whole is kept, the command says it stopped), then again (it goes on
/// from there), and the batch is taken in with every file verified, every message read once
/// and left unseen in place; a new message later is the only one read.
#[test]
fn the_city_receives_over_imap_and_a_cut_line_loses_nothing() {
    let r = Run::new();
    let dir = r.dir.path();
    certs(dir);
    let maildir = dir.join("smtp/Maildir");
    let d = Dovecot::start(dir, "imap", &maildir, ADDRESS, SECRET);
    let smtp = smtp::Server::start(dir, "smtp", "tls", "none", 400_000);
    let batch = district_batch(&r, 3);
    let env = [
        ("BAOSONG_SECRET_STORE", "file".to_owned()),
        ("BAOSONG_SEND_PAUSE_MS", "0".into()),
        ("BAOSONG_SMTP_TIMEOUT_S", "5".into()),
        ("BAOSONG_IMAP_TIMEOUT_S", "5".into()),
    ];
    let ca = dir.join("certs/ca.pem");
    let account = |lib: &Path, imap_port: u16| {
        let mut pairs: Vec<(&str, String)> = env.iter().map(|(k, v)| (*k, v.clone())).collect();
        pairs.push(("BAOSONG_LIBRARY", lib.display().to_string()));
        let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
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
                &smtp.port.to_string(),
                "--security",
                "tls",
                "--ca-file",
                ca.to_str().unwrap_or_default(),
                "--imap-host",
                "localhost",
                "--imap-port",
                &imap_port.to_string(),
                "--password-stdin",
                "--json",
            ],
            &pairs,
            SECRET,
        )
        .ok();
    };
    account(&r.library(), d.port);
    let pairs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let mut district = pairs.clone();
    let lib = r.library().display().to_string();
    district.push(("BAOSONG_LIBRARY", lib.as_str()));
    let sent = r
        .cli_env(&["send", &batch, "--json"], &district)
        .ok()
        .json();
    let n = sent["flush"]["sent"].as_u64().unwrap_or(0);
    assert!(n >= 2, "several messages: {sent}");

    // The municipal library, reading through a line that is cut after 150 kB.
    let city = city_library(&r, "市级收件", &[]);
    let city_s = city.display().to_string();
    let mut at_city = pairs.clone();
    at_city.push(("BAOSONG_LIBRARY", city_s.as_str()));
    let proxy = Proxy::start(d.port);
    account(&city, proxy.port);
    proxy.cut_after(150_000);
    let cut = r.cli_env(&["receive", "--imap", "--json"], &at_city);
    assert_eq!(cut.code, 1, "{}", cut.explain());
    assert!(
        cut.stderr.contains("mail.imap.dropped"),
        "{}",
        cut.explain()
    );
    let first = cut.json();
    let read_first = first["folders"][0]["new_messages"].as_u64().unwrap_or(0);
    assert!(read_first < n, "the cut came mid-fetch: {first}");

    proxy.heal();
    let rest = r
        .cli_env(&["receive", "--imap", "--json"], &at_city)
        .ok()
        .json();
    let read_rest = rest["folders"][0]["new_messages"].as_u64().unwrap_or(0);
    assert_eq!(
        read_first + read_rest,
        n,
        "every message once: {first} {rest}"
    );
    let b = &rest["batches"][0];
    assert_eq!(b["works"], 3, "{rest}");
    assert_eq!(b["verified"], b["files"], "{rest}");
    assert_unseen(&d, "INBOX");

    // Nothing new: no message read again; a stranger's message later is the only one read.
    let again = r
        .cli_env(&["receive", "--imap", "--json"], &at_city)
        .ok()
        .json();
    assert_eq!(again["folders"][0]["new_messages"], 0, "{again}");
    d.deliver("INBOX", "stranger.test", &eml(77, 2_000));
    let later = r
        .cli_env(&["receive", "--imap", "--json"], &at_city)
        .ok()
        .json();
    assert_eq!(later["folders"][0]["new_messages"], 1, "{later}");
    assert_eq!(later["messages"][0]["kind"], "other", "{later}");

    // Without --json the clerk sees each message as it comes, then what it came to.
    d.deliver("INBOX", "stranger-78.test", &eml(78, 2_000));
    d.deliver("INBOX", "stranger-79.test", &eml(79, 2_000));
    let shown = r.cli_env(&["receive", "--imap"], &at_city).ok();
    for line in ["连接收件服务器", "收取邮件", "1/2", "2/2", "读取邮件"] {
        assert!(shown.stderr.contains(line), "{line}: {}", shown.explain());
    }
    assert!(shown.stdout.contains("2 封新邮件"), "{}", shown.explain());
    let works = r
        .cli_env(&["city", "works", "--json"], &at_city)
        .ok()
        .json();
    assert_eq!(works.as_array().map(Vec::len), Some(3), "{works}");
}
