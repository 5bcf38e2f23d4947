//! The mail reader (`baosong::mailread`) on messages shaped the way district offices' clients
//! write them — made by `tests/mailread/make_fixtures.py` with Python's `email` package and
//! committed beside it (a test makes them again and compares the bytes) — and on a message
//! built by Baosong's own sender (`mail::message::build`, the builder behind `send` and
//! `send --eml-dir`, with the cover letter of `mail::compose::body`): every name and byte back.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use baosong::mailread::{Lean, MailMessage, Via};
use sha2::Digest as _;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/mailread")
}

fn sha256_hex(bytes: &[u8]) -> String {
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn load(name: &str) -> Vec<u8> {
    std::fs::read(fixtures().join(name)).expect("fixture")
}

fn bytes(m: &MailMessage<'_>, i: usize) -> Vec<u8> {
    let mut out = Vec::new();
    let n = m.write_attachment(i, &mut out).expect("write");
    assert_eq!(n, out.len() as u64);
    out
}

/// name → (size, sha256) of every attachment of `m`, as read.
fn read_back(m: &MailMessage<'_>) -> BTreeMap<String, (u64, String)> {
    m.attachments
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let b = bytes(m, i);
            assert_eq!(a.size, b.len() as u64, "{:?}", a.name);
            (a.name.clone().unwrap_or_default(), (a.size, sha256_hex(&b)))
        })
        .collect()
}

/// What the script says each fixture's attachments are.
fn expected(fixture: &str) -> BTreeMap<String, (u64, String)> {
    let all: serde_json::Value =
        serde_json::from_slice(&load("expected.json")).expect("expected.json");
    all[fixture]
        .as_array()
        .expect("fixture listed")
        .iter()
        .map(|a| {
            (
                a["name"].as_str().expect("name").to_owned(),
                (
                    a["size"].as_u64().expect("size"),
                    a["sha256"].as_str().expect("sha").to_owned(),
                ),
            )
        })
        .collect()
}

#[test]
fn the_fixtures_are_what_the_script_makes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = std::process::Command::new("python3")
        .arg(fixtures().join("make_fixtures.py"))
        .arg(dir.path())
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut made: Vec<String> = std::fs::read_dir(dir.path())
        .expect("read")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    made.sort();
    assert!(made.len() >= 8, "{made:?}");
    for name in made {
        let again = std::fs::read(dir.path().join(&name)).expect("made");
        assert!(
            again == load(&name),
            "{name} differs from the committed fixture: run make_fixtures.py and commit"
        );
    }
}

#[test]
fn every_fixture_gives_back_every_attachment_name_and_byte() {
    for fixture in [
        "foxmail-gbk.eml",
        "qq-webmail.eml",
        "outlook-q.eml",
        "raw-8bit.eml",
        "qq-ftn-notice.eml",
        "netease-large.eml",
    ] {
        let raw = load(fixture);
        let m = MailMessage::read(&raw).expect(fixture);
        assert_eq!(read_back(&m), expected(fixture), "{fixture}");
        assert!(m.problems.is_empty(), "{fixture}: {:?}", m.problems);
    }
}

#[test]
fn foxmail_gbk_headers_body_and_b_encoded_names() {
    let raw = load("foxmail-gbk.eml");
    let m = MailMessage::read(&raw).expect("read");
    assert_eq!(
        m.subject.as_deref(),
        Some("金平区总工会-作品报送（第1封/共2封）")
    );
    let from = m.from.as_ref().expect("from");
    assert_eq!(from.address, "jinping_zgh@163.com");
    assert_eq!(from.name.as_deref(), Some("金平区总工会"));
    assert_eq!(m.to[0].address, "1718755663@qq.com");
    assert_eq!(m.to[0].name.as_deref(), Some("市总工会"));
    assert_eq!(m.date.as_deref(), Some("2025-06-10T09:30:15+08:00"));
    assert_eq!(
        m.message_id.as_deref(),
        Some("<202506100930150001@163.com>")
    );
    assert!(m.text.contains("附件是金平区的报送作品"), "{}", m.text);
    assert!(!m.text.contains("<p>"), "text/plain preferred: {}", m.text);
    assert_eq!(m.attachments[0].content_type, "application/octet-stream");
}

#[test]
fn qq_webmail_rfc2231_continuations_gbk_2231_and_an_html_only_body() {
    let raw = load("qq-webmail.eml");
    let m = MailMessage::read(&raw).expect("read");
    let names: Vec<&str> = m
        .attachments
        .iter()
        .filter_map(|a| a.name.as_deref())
        .collect();
    assert_eq!(
        names,
        [
            "南澳县总工会-微视频-工匠精神传承-郑玥.mp4",
            "诵读《春》.mp3",
            "说明（GBK）.txt"
        ]
    );
    assert_eq!(m.attachments[0].content_type, "video/mp4");
    assert!(m.text.contains("南澳县的作品见附件"), "{}", m.text);
    assert!(!m.text.contains("<div"), "the HTML made text: {}", m.text);
    assert_eq!(
        m.in_reply_to.as_deref(),
        Some("<baosong.1.1.aabbccddeeff@qq.com>")
    );
    assert_eq!(
        m.from.as_ref().and_then(|f| f.name.as_deref()),
        Some("南澳县总工会")
    );
}

#[test]
fn outlook_q_encoded_names_qp_body_and_a_name_only_on_content_type() {
    let raw = load("outlook-q.eml");
    let m = MailMessage::read(&raw).expect("read");
    assert_eq!(m.subject.as_deref(), Some("龙湖区报送"));
    assert_eq!(
        m.from.as_ref().and_then(|f| f.name.as_deref()),
        Some("龙湖区总工会")
    );
    assert!(
        m.text.contains("龙湖区的报名表和摄影作品请查收。=谢谢"),
        "{}",
        m.text
    );
    assert!(
        m.text.contains(&"很长的一行".repeat(20)),
        "soft breaks joined"
    );
    assert_eq!(
        m.attachments[0].name.as_deref(),
        Some("龙湖区-摄影-海滨晨曦.jpg"),
        "from Content-Type's name= alone"
    );
    assert_eq!(m.attachments[0].content_type, "image/jpeg");
    assert_eq!(m.date.as_deref(), Some("2025-06-12T08:00:00Z"));
}

#[test]
fn raw_8bit_utf8_and_gbk_names_and_headers() {
    let raw = load("raw-8bit.eml");
    let m = MailMessage::read(&raw).expect("read");
    assert_eq!(m.subject.as_deref(), Some("濠江区 作品"));
    assert_eq!(
        m.from.as_ref().and_then(|f| f.name.as_deref()),
        Some("濠江区总工会")
    );
    let names: Vec<&str> = m
        .attachments
        .iter()
        .filter_map(|a| a.name.as_deref())
        .collect();
    assert_eq!(
        names,
        ["濠江区-书法-天道酬勤.pdf", "澄海区-诵读-我和我的祖国.mp3"]
    );
}

#[test]
fn a_qq_large_attachment_notice_lists_each_file_once_with_name_size_and_link() {
    let raw = load("qq-ftn-notice.eml");
    let m = MailMessage::read(&raw).expect("read");
    assert!(m.attachments.is_empty());
    let files = m.mentioned_files();
    assert_eq!(
        files.len(),
        2,
        "text and HTML say the same two files: {files:#?}"
    );
    assert!(files.iter().all(|f| f.via == Via::QqLarge));
    assert_eq!(files[0].name.as_deref(), Some("金平区-微视频-匠心.mp4"));
    assert_eq!(files[0].size_text.as_deref(), Some("1.17G"));
    assert_eq!(
        files[0].link.as_deref(),
        Some(
            "https://wx.mail.qq.com/ftn/download?func=3&k=5a1b2c3d4e5f&key=0f1e2d3c4b5a&code=ab12cd34"
        )
    );
    assert_eq!(files[1].name.as_deref(), Some("金平区-微视频-守护.mov"));
    assert_eq!(files[1].approx_bytes, Some(327_627_571), "312.45 × 1024²");
    assert!(
        files[1]
            .link
            .as_deref()
            .is_some_and(|l| l.contains("mail.qq.com/cgi-bin/ftnExs_download?"))
    );
}

#[test]
fn a_netease_large_attachment_notice_in_html_only() {
    let raw = load("netease-large.eml");
    let m = MailMessage::read(&raw).expect("read");
    assert_eq!(m.subject.as_deref(), Some("潮阳区超大附件"));
    let files = m.mentioned_files();
    assert_eq!(files.len(), 1, "{files:#?}");
    assert_eq!(files[0].via, Via::NeteaseLarge);
    assert_eq!(files[0].name.as_deref(), Some("潮阳区-摄影-练江新貌.zip"));
    assert_eq!(files[0].size_text.as_deref(), Some("1.5G"));
    assert!(
        files[0]
            .link
            .as_deref()
            .is_some_and(|l| l.starts_with("https://mail.163.com/large-attachment-download/"))
    );
}

#[test]
fn nested_message_gbk_text_attachment_unnamed_part_and_a_cut_message() {
    let raw = load("nested-and-odd.eml");
    let m = MailMessage::read(&raw).expect("read");
    let got = read_back(&m);
    for (name, want) in expected("nested-and-odd.eml") {
        assert_eq!(
            got.get(&name),
            Some(&want),
            "{name}: bytes as sent, charset untouched"
        );
    }
    assert_eq!(m.attachments.len(), 3, "{:?}", m.attachments);
    assert_eq!(m.attachments[0].content_type, "message/rfc822");
    assert_eq!(m.attachments[2].name, None, "an unnamed part stays unnamed");
    assert_eq!(m.date.as_deref(), Some("2025-06-14T23:59:59Z"));
    assert!(
        m.problems.iter().any(|p| p.contains("不完整")),
        "{:?}",
        m.problems
    );
}

#[test]
fn a_gbk_body_labelled_utf8_or_unlabelled_reads_as_gbk() {
    let raw = load("mislabelled-gbk.eml");
    let m = MailMessage::read(&raw).expect("read");
    assert!(
        m.text.contains("龙湖区：作品已发送，请查收。"),
        "{}",
        m.text
    );
    assert!(m.text.contains("第二段：没有声明字符集。"), "{}", m.text);
    assert!(!m.text.contains('\u{FFFD}'), "{}", m.text);
}

#[test]
fn truncated_and_mangled_copies_never_panic() {
    for fixture in [
        "foxmail-gbk.eml",
        "qq-webmail.eml",
        "outlook-q.eml",
        "raw-8bit.eml",
        "nested-and-odd.eml",
    ] {
        let raw = load(fixture);
        for cut in (0..raw.len()).step_by(97) {
            let part = &raw[..cut];
            if let Ok(m) = MailMessage::read(part) {
                for i in 0..m.attachments.len() {
                    bytes(&m, i);
                }
                let _ = m.mentioned_files();
            }
        }
        let mut flipped = raw.clone();
        for i in (0..flipped.len()).step_by(31) {
            flipped[i] ^= 0x5a;
        }
        if let Ok(m) = MailMessage::read(&flipped) {
            for i in 0..m.attachments.len() {
                bytes(&m, i);
            }
        }
    }
}

/// A batch message as Baosong sends it: the lettre message of `mail::message::build` with the
/// cover letter of `mail::compose::body` (a 另行传送 list included), read back.
#[test]
fn a_message_from_baosong_s_own_sender_reads_back_name_for_name_byte_for_byte() {
    use baosong::batch::plan::{
        Attachment, Content, MailPlan, Message, SeparateFile, SeparateReason,
    };
    use baosong::library::{MessageState, OutboxMessage, QueuedAttachment};

    let dir = tempfile::tempdir().expect("tempdir");
    let folder = "outbox/batch-1";
    std::fs::create_dir_all(dir.path().join(folder)).expect("folder");
    let files: Vec<(String, Vec<u8>)> = vec![
        ("报送汇总表.xlsx".into(), (0..9000u32).map(|i| (i * 7 % 256) as u8).collect()),
        ("manifest.json".into(), br#"{"version":1,"office":"\u91d1"}"#.to_vec()),
        ("说明.txt".into(), "说明：本批次共两包。\r\n".as_bytes().to_vec()),
        (
            "金平区总工会-汕头好网民2023-作品报送-第1批-第1包-共2包，含微视频与诵读作品的全部文件.zip".into(),
            (0..70_000u32).map(|i| (i * 31 % 251) as u8).collect(),
        ),
        (
            "金平区总工会-汕头好网民2023-第2包-共2包.zip.001".into(),
            (0..5_000u32).map(|i| (i % 13) as u8).collect(),
        ),
    ];
    for (name, data) in &files {
        std::fs::write(dir.path().join(folder).join(name), data).expect("write");
    }
    let header: baosong::batch::BatchHeader = serde_json::from_value(serde_json::json!({
        "campaign_id": "shantou-2023", "campaign_name": "网聚职工正能量 争做汕头好网民",
        "campaign_short_name": "汕头好网民2023", "campaign_year": 2023, "mailbox": null,
        "recipient": "汕头市总工会", "office_name": "金平区总工会", "unit_type": "district",
        "unit_type_name": null, "contact_name": "林堃", "contact_title": "干事",
        "contact_phone": "13800000000", "categories": [], "warnings": [], "left_out": [],
        "naming_pattern": "{seq}-{office}-{title}"
    }))
    .expect("header");
    let batch = baosong::batch::Batch {
        id: 1,
        number: 1,
        supplement: false,
        created_at: "2025-06-10T09:00:00+08:00".into(),
        exported_at: None,
        sent_at: None,
        header,
        entries: Vec::new(),
    };
    let hash = sha256_hex(b"the big video");
    let plan = MailPlan {
        messages: vec![Message {
            index: 1,
            attachments: files
                .iter()
                .map(|(name, data)| Attachment {
                    name: name.clone(),
                    raw_bytes: data.len() as u64,
                    encoded_bytes: data.len() as u64 * 4 / 3,
                    content: Content::File { path: name.clone() },
                })
                .collect(),
            encoded_bytes: 0,
        }],
        separate: vec![SeparateFile {
            path: "微视频/01-金平区总工会-工匠：精神 传承.mp4".into(),
            size: 1_300_000_000,
            sha256: hash.clone(),
            reason: SeparateReason::TooLarge,
        }],
        max_message_bytes: 50_000_000,
    };
    let cover = baosong::mail::compose::body(&batch, &plan, &plan.messages[0]);
    let subject = baosong::mail::compose::subject(&batch, 1, 1);
    let message_id = baosong::mail::compose::message_id(&batch, 1, "jinping@qq.com");
    let account: baosong::account::Account = serde_json::from_value(serde_json::json!({
        "preset": "qq", "address": "jinping@qq.com", "display_name": "金平区总工会",
        "host": "smtp.qq.com", "port": 465, "security": "tls", "ca_file": null,
        "read_receipt": true, "server_size": null, "manual_size": null
    }))
    .expect("account");
    let queued = OutboxMessage {
        id: 1,
        batch_id: 1,
        position: 1,
        count: 1,
        sender: "jinping@qq.com".into(),
        recipient: "1718755663@qq.com".into(),
        subject: subject.clone(),
        message_id: message_id.clone(),
        folder: folder.into(),
        attachments: files
            .iter()
            .map(|(name, data)| QueuedAttachment {
                name: name.clone(),
                size: data.len() as u64,
                paths: Vec::new(),
                sha256: Some(sha256_hex(data)),
            })
            .collect(),
        bytes: 0,
        state: MessageState::Queued,
        attempts: 0,
        next_try_at: None,
        error_code: None,
        error: None,
        permanent: false,
        server_reply: None,
        queued_at: "2025-06-10T09:00:00+08:00".into(),
        sent_at: None,
        resolved: None,
        reply: None,
    };
    let raw = baosong::mail::message::build(&account, &queued, &cover, dir.path())
        .expect("build")
        .formatted();

    let m = MailMessage::read(&raw).expect("read");
    assert_eq!(m.subject.as_deref(), Some(subject.as_str()));
    assert_eq!(m.message_id.as_deref(), Some(message_id.as_str()));
    let from = m.from.as_ref().expect("from");
    assert_eq!(
        (from.address.as_str(), from.name.as_deref()),
        ("jinping@qq.com", Some("金平区总工会"))
    );
    assert_eq!(m.to[0].address, "1718755663@qq.com");
    assert!(m.date.is_some(), "lettre's Date is RFC 3339-able");
    assert_eq!(m.text.replace("\r\n", "\n"), cover.replace("\r\n", "\n"));
    let want: BTreeMap<String, (u64, String)> = files
        .iter()
        .map(|(n, d)| (n.clone(), (d.len() as u64, sha256_hex(d))))
        .collect();
    assert_eq!(read_back(&m), want);
    assert!(m.problems.is_empty(), "{:?}", m.problems);
    let separate = m.mentioned_files();
    assert_eq!(separate.len(), 1, "{separate:#?}");
    assert_eq!(separate[0].via, Via::Separate);
    assert_eq!(
        separate[0].name.as_deref(),
        Some("微视频/01-金平区总工会-工匠：精神 传承.mp4")
    );
    assert_eq!(separate[0].sha256.as_deref(), Some(hash.as_str()));
    assert_eq!(separate[0].size_text.as_deref(), Some("1.21 GB"));
}

/// Every file of a folder of other people's messages (`BAOSONG_MAILREAD_CORPUS`) is read
/// without a panic, and what each holds is printed: for trying the reader by hand.
#[test]
#[ignore = "by hand: BAOSONG_MAILREAD_CORPUS=DIR"]
fn a_corpus_of_foreign_messages_reads_without_a_panic() {
    let Ok(dir) = std::env::var("BAOSONG_MAILREAD_CORPUS") else {
        return;
    };
    let mut stack = vec![PathBuf::from(dir)];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("dir").flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let raw = std::fs::read(&p).expect("read");
            match MailMessage::read(&raw) {
                Ok(m) => {
                    let names: Vec<String> = m
                        .attachments
                        .iter()
                        .enumerate()
                        .map(|(i, a)| {
                            bytes(&m, i);
                            format!("{:?} {} {}", a.name, a.content_type, a.size)
                        })
                        .collect();
                    println!(
                        "{}\n  subject {:?} from {:?} date {:?}\n  text {:?}\n  attachments {names:?}\n  problems {:?} mentions {}",
                        p.display(),
                        m.subject,
                        m.from,
                        m.date,
                        m.text.chars().take(60).collect::<String>(),
                        m.problems,
                        m.mentioned_files().len()
                    );
                }
                Err(e) => println!("{}\n  error {e}", p.display()),
            }
        }
    }
}

/// Reads the message at `BAOSONG_MAILREAD_BIG` (lean, as receiving does; whole with
/// `BAOSONG_MAILREAD_WHOLE=1`) and writes its attachments to a temporary file: run under
/// `/usr/bin/time -v` to see the peak memory of reading a large attachment.
#[test]
#[ignore = "by hand: BAOSONG_MAILREAD_BIG=FILE under /usr/bin/time -v"]
fn reading_a_large_attachment_for_the_memory_peak() {
    let Ok(path) = std::env::var("BAOSONG_MAILREAD_BIG") else {
        return;
    };
    let raw = std::fs::read(path).expect("read");
    let lean = Lean::new(&raw);
    let m = if std::env::var_os("BAOSONG_MAILREAD_WHOLE").is_some() {
        MailMessage::read(&raw).expect("message")
    } else {
        MailMessage::read_lean(&lean).expect("message")
    };
    let dir = tempfile::tempdir().expect("tempdir");
    for i in 0..m.attachments.len() {
        let mut f = std::fs::File::create(dir.path().join(format!("{i}"))).expect("create");
        let n = m.write_attachment(i, &mut f).expect("write");
        println!("{:?} {n}", m.attachments[i].name);
    }
}

/// Base64 in lines of 76 with `ending` after each.
fn b64_lines(data: &[u8], ending: &str) -> String {
    use base64::Engine as _;
    let text = base64::engine::general_purpose::STANDARD.encode(data);
    text.as_bytes()
        .chunks(76)
        .map(|l| format!("{}{ending}", std::str::from_utf8(l).expect("ascii")))
        .collect()
}

/// A message read lean (its long base64 bodies decoded only when written) reads exactly as
/// read whole: the same names, types, sizes, bytes, text and problems — with CRLF and LF
/// endings, a long binary and a long text attachment beside short ones, and, where a long run
/// is not one attachment's body (the text itself, a run broken by a stray line), by falling
/// back to the whole read.
#[test]
fn a_message_read_lean_reads_exactly_as_read_whole() {
    let big: Vec<u8> = (0..700_001u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    let text_att: String = "劳动者之歌，第一段。\n".repeat(20_000);
    for ending in ["\r\n", "\n"] {
        let e = ending;
        let cases = [
            // Attachments: a long binary, a long text, a short one.
            format!(
                "From: a@example.test{e}Subject: =?UTF-8?B?5L2c5ZOB?={e}MIME-Version: 1.0{e}\
                 Content-Type: multipart/mixed; boundary=\"XX\"{e}{e}--XX{e}\
                 Content-Type: text/plain; charset=utf-8{e}{e}正文：见附件。{e}--XX{e}\
                 Content-Type: video/mp4; name=\"a.mp4\"{e}Content-Disposition: attachment; \
                 filename*=utf-8''%E5%B7%A5%E5%8C%A0.mp4{e}Content-Transfer-Encoding: base64{e}{e}{}\
                 --XX{e}Content-Type: text/plain; charset=utf-8{e}Content-Disposition: attachment; \
                 filename=\"说明.txt\"{e}Content-Transfer-Encoding: base64{e}{e}{}--XX{e}\
                 Content-Type: application/json{e}Content-Disposition: attachment; \
                 filename=\"manifest.json\"{e}Content-Transfer-Encoding: base64{e}{e}{}--XX--{e}",
                b64_lines(&big, e),
                b64_lines(text_att.as_bytes(), e),
                b64_lines(b"{\"schema\":1}", e),
            ),
            // The long run is the text body itself: read whole.
            format!(
                "From: a@example.test{e}Subject: t{e}Content-Type: text/plain; charset=utf-8{e}\
                 Content-Transfer-Encoding: base64{e}{e}{}",
                b64_lines(text_att.as_bytes(), e)
            ),
            // A stray line cuts the long run in two: read whole.
            format!(
                "From: a@example.test{e}Subject: t{e}MIME-Version: 1.0{e}\
                 Content-Type: multipart/mixed; boundary=\"XX\"{e}{e}--XX{e}\
                 Content-Type: application/octet-stream; name=\"b.bin\"{e}\
                 Content-Transfer-Encoding: base64{e}{e}{}a stray line{e}{}--XX--{e}",
                b64_lines(&big[..400_000], e),
                b64_lines(&big[400_000..], e),
            ),
        ];
        for (i, raw) in cases.iter().enumerate() {
            let whole = MailMessage::read(raw.as_bytes()).expect("whole");
            let lean = Lean::new(raw.as_bytes());
            let leanly = MailMessage::read_lean(&lean).expect("lean");
            assert_eq!(leanly.attachments, whole.attachments, "case {i} {e:?}");
            assert_eq!(leanly.text, whole.text, "case {i}");
            assert_eq!(leanly.subject, whole.subject, "case {i}");
            assert_eq!(leanly.problems, whole.problems, "case {i}");
            for a in 0..whole.attachments.len() {
                assert_eq!(
                    bytes(&leanly, a),
                    bytes(&whole, a),
                    "case {i} attachment {a}"
                );
            }
            assert_eq!(
                leanly.decoded_on_write(),
                if i == 0 { 2 } else { 0 },
                "case {i}"
            );
            if i == 0 {
                assert_eq!(whole.attachments.len(), 3);
                assert_eq!(bytes(&whole, 0), big);
                assert_eq!(bytes(&whole, 1), text_att.as_bytes());
            }
        }
    }
}
