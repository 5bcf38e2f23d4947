//! The library on real SQLite files in temporary folders.

use baosong::coded::Coded;
use std::path::{Path, PathBuf};
use std::time::Duration;

use baosong::library::{Actor, Library};

use baosong::office::OfficeInput;

use baosong::entry::{EntryFields, EntryFilter, EntrySort};

fn office() -> OfficeInput {
    OfficeInput {
        name: "金平区总工会".into(),
        unit_type: "district".into(),
        campaign_id: "shantou-2023".into(),
        contact_name: "陈晓".into(),
        contact_title: "宣教部干事".into(),
        contact_phone: "0754-88123456".into(),
    }
}

fn entry(title: &str) -> EntryFields {
    EntryFields {
        category: "recitation".into(),
        title: title.into(),
        authors: vec!["张三".into(), "李四".into()],
        unit: "金平区石炮台街道总工会".into(),
        phone: "13800138000".into(),
        description: "朗诵《我的祖国》".into(),
        tags: vec!["阅读经典好书".into()],
        declarations: vec!["original".into()],
        notes: String::new(),
    }
}

fn work(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).expect("write work file");
    p
}

fn new_library() -> (tempfile::TempDir, Library) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let lib = Library::create(&tmp.path().join("lib"), &office(), Actor::App).expect("create");
    (tmp, lib)
}

/// A one-second MP3 made by ffmpeg (installed by the test command): a real recording.
fn tone(dir: &Path, hz: u32) -> PathBuf {
    let path = dir.join("朗诵.mp3");
    let status = std::process::Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-f", "lavfi", "-i"])
        .arg(format!("sine=frequency={hz}:duration=1"))
        .args(["-c:a", "libmp3lame"])
        .arg(&path)
        .status()
        .expect("ffmpeg (installed by the test command)");
    assert!(status.success(), "ffmpeg failed");
    path
}

fn bytes(path: &Path) -> Vec<u8> {
    std::fs::read(path).expect("read")
}

#[test]
fn library_survives_reopen_with_office_entries_and_files() {
    let (tmp, mut lib) = new_library();
    let file = work(tmp.path(), "我的祖国.mp3", b"recitation audio");
    let added = lib
        .add_entry(&entry("我的祖国"), std::slice::from_ref(&file))
        .expect("add");
    assert_eq!(added.files.len(), 1);
    let root = lib.root().to_path_buf();
    drop(lib);

    let lib = Library::open(&root, Actor::Cli).expect("reopen");
    let office = lib.office().expect("office");
    assert_eq!(office.name, "金平区总工会");
    assert_eq!(office.contact_phone, "0754-88123456");
    let entries = lib
        .entries(&EntryFilter::default(), EntrySort::Newest)
        .expect("list");
    assert_eq!(entries.len(), 1);
    let e = &entries[0];
    assert_eq!(e.fields.title, "我的祖国");
    assert_eq!(e.fields.authors, ["张三", "李四"]);
    assert_eq!(e.fields.declarations, ["original"]);
    assert_eq!(e.files[0].original_name, "我的祖国.mp3");
    assert_eq!(
        std::fs::read(lib.file_path(&e.files[0]).expect("path")).expect("stored"),
        b"recitation audio"
    );
}

#[test]
fn a_copied_library_folder_opens_elsewhere() {
    let (tmp, mut lib) = new_library();
    let file = work(tmp.path(), "a.mp4", b"video");
    lib.add_entry(&entry("工匠"), &[file]).expect("add");
    let root = lib.root().to_path_buf();
    drop(lib);

    let copy = tmp.path().join("U盘").join("lib");
    std::fs::create_dir_all(&copy).expect("mkdir");
    let mut stack = vec![(root.clone(), copy.clone())];
    while let Some((from, to)) = stack.pop() {
        for item in std::fs::read_dir(&from).expect("read_dir").flatten() {
            let target = to.join(item.file_name());
            if item.path().is_dir() {
                std::fs::create_dir_all(&target).expect("mkdir");
                stack.push((item.path(), target));
            } else {
                std::fs::copy(item.path(), &target).expect("copy");
            }
        }
    }
    std::fs::remove_dir_all(&root).expect("remove original");
    let lib = Library::open(&copy, Actor::App).expect("open copy");
    let e = &lib
        .entries(&EntryFilter::default(), EntrySort::Newest)
        .expect("list")[0];
    assert_eq!(
        std::fs::read(lib.file_path(&e.files[0]).expect("path")).expect("stored"),
        b"video"
    );
}

#[test]
fn a_library_from_a_newer_version_is_refused_untouched() {
    let (_tmp, lib) = new_library();
    let root = lib.root().to_path_buf();
    drop(lib);
    let catalog = root.join("catalog.sqlite");
    {
        let conn = rusqlite::Connection::open(&catalog).expect("raw open");
        conn.pragma_update(None, "journal_mode", "delete")
            .expect("journal");
        conn.pragma_update(None, "user_version", 99).expect("bump");
    }
    let before = bytes(&catalog);
    let err = Library::open(&root, Actor::App).expect_err("newer library opened");
    assert_eq!(err.code(), "library.too_new");
    assert!(err.to_string().contains("升级"), "{err}");
    assert_eq!(bytes(&catalog), before, "the newer library was changed");
    assert!(!root.join("catalog.sqlite-wal").exists());
}

#[test]
fn a_foreign_sqlite_file_is_refused_untouched() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let catalog = tmp.path().join("catalog.sqlite");
    {
        let conn = rusqlite::Connection::open(&catalog).expect("raw");
        conn.execute_batch("CREATE TABLE t(x); INSERT INTO t VALUES (1);")
            .expect("make");
    }
    let before = bytes(&catalog);
    let err = Library::open(tmp.path(), Actor::App).expect_err("foreign opened");
    assert_eq!(err.code(), "library.foreign");
    assert_eq!(bytes(&catalog), before);

    std::fs::write(&catalog, b"this is not sqlite at all").expect("garbage");
    let err = Library::open(tmp.path(), Actor::App).expect_err("garbage opened");
    assert_eq!(err.code(), "library.foreign");
}

#[test]
fn an_empty_folder_is_not_a_library_and_an_existing_one_is_not_recreated() {
    let (tmp, lib) = new_library();
    let err = Library::open(&tmp.path().join("empty"), Actor::App).expect_err("empty");
    assert_eq!(err.code(), "library.not_a_library");
    let err = Library::create(lib.root(), &office(), Actor::App).expect_err("recreate");
    assert_eq!(err.code(), "library.already_exists");
}

#[test]
fn invalid_setup_creates_nothing() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("lib");
    let mut bad = office();
    bad.unit_type = "province".into();
    bad.contact_phone = "8827".into();
    let err = Library::create(&dir, &bad, Actor::App).expect_err("invalid");
    assert_eq!(err.code(), "input.invalid");
    let fields: Vec<String> = match err {
        baosong::library::LibraryError::Invalid(f) => f.into_iter().map(|f| f.field).collect(),
        other => panic!("{other}"),
    };
    assert_eq!(fields, ["unit_type", "contact_phone"]);
    assert!(!dir.join("catalog.sqlite").exists());
}

#[test]
fn a_half_filled_entry_is_refused_field_by_field_and_nothing_is_written() {
    let (tmp, mut lib) = new_library();
    let file = work(tmp.path(), "x.mp4", b"x");
    let input = EntryFields {
        category: "poetry".into(),
        title: "   ".into(),
        phone: "1380013800".into(),
        declarations: vec!["nonexistent".into()],
        ..EntryFields::default()
    };
    let err = lib.add_entry(&input, &[file]).expect_err("invalid");
    let fields: Vec<(String, String)> = match err {
        baosong::library::LibraryError::Invalid(f) => {
            f.into_iter().map(|f| (f.field, f.message)).collect()
        }
        other => panic!("{other}"),
    };
    let names: Vec<&str> = fields.iter().map(|(f, _)| f.as_str()).collect();
    assert_eq!(
        names,
        ["category", "title", "authors", "phone", "declarations"]
    );
    assert!(fields.iter().all(|(_, m)| !m.is_ascii()), "{fields:?}");
    assert_eq!(lib.info().expect("info").entry_count, 0);
    let stored = lib.root().join("files");
    assert!(!stored.exists() || std::fs::read_dir(&stored).expect("files").count() == 0);
}

#[test]
fn a_missing_file_is_reported_and_no_entry_is_made() {
    let (tmp, mut lib) = new_library();
    let err = lib
        .add_entry(&entry("丢失"), &[tmp.path().join("拔出的U盘/作品.mp4")])
        .expect_err("missing file");
    assert_eq!(err.code(), "file.read");
    assert!(err.to_string().contains("作品.mp4"), "{err}");
    assert_eq!(lib.info().expect("info").entry_count, 0);
}

#[test]
fn delete_is_undoable_and_everything_is_in_the_audit_log() {
    let (tmp, mut lib) = new_library();
    let file = work(tmp.path(), "a.mp3", b"a");
    let e = lib.add_entry(&entry("原题"), &[file]).expect("add");
    let mut changed = entry("新题");
    changed.category = "micro-video".into();
    lib.update_entry(e.id, &changed).expect("update");
    lib.delete_entry(e.id).expect("delete");
    assert!(
        lib.entries(&EntryFilter::default(), EntrySort::Newest)
            .expect("list")
            .is_empty()
    );
    let bin = EntryFilter {
        deleted: true,
        ..EntryFilter::default()
    };
    assert_eq!(lib.entries(&bin, EntrySort::Newest).expect("bin").len(), 1);
    let restored = lib.restore_entry(e.id).expect("restore");
    assert_eq!(restored.fields.title, "新题");
    assert_eq!(restored.files.len(), 1);
    assert_eq!(
        lib.delete_entry(9999).expect_err("none").code(),
        "entry.not_found"
    );

    let actions: Vec<String> = lib
        .audit_log(10)
        .expect("log")
        .into_iter()
        .rev()
        .map(|r| r.action)
        .collect();
    assert_eq!(
        actions,
        [
            "office.save",
            "entry.add",
            "entry.update",
            "entry.delete",
            "entry.restore"
        ]
    );
    let update = &lib.audit_log(10).expect("log")[2];
    assert!(update.detail.contains("原题") && update.detail.contains("新题"));
}

#[test]
fn filters_by_category_and_chinese_substring() {
    let (tmp, mut lib) = new_library();
    let f = work(tmp.path(), "a.mp4", b"a");
    lib.add_entry(&entry("我的祖国"), std::slice::from_ref(&f))
        .expect("add");
    let mut video = entry("大国工匠陈师傅");
    video.category = "micro-video".into();
    video.unit = "濠江区总工会".into();
    lib.add_entry(&video, &[f]).expect("add");

    let titles = |filter: EntryFilter| -> Vec<String> {
        lib.entries(&filter, EntrySort::Title)
            .expect("list")
            .into_iter()
            .map(|e| e.fields.title)
            .collect()
    };
    assert_eq!(
        titles(EntryFilter {
            text: Some("工匠".into()),
            ..Default::default()
        }),
        ["大国工匠陈师傅"]
    );
    assert_eq!(
        titles(EntryFilter {
            text: Some("濠江".into()),
            ..Default::default()
        }),
        ["大国工匠陈师傅"]
    );
    assert_eq!(
        titles(EntryFilter {
            category: Some("recitation".into()),
            ..Default::default()
        }),
        ["我的祖国"]
    );
    assert_eq!(
        titles(EntryFilter {
            text: Some("李四".into()),
            ..Default::default()
        })
        .len(),
        2
    );
}

#[test]
fn window_and_cli_share_a_library_and_a_long_write_gives_a_clear_message() {
    let (tmp, mut window) = new_library();
    let root = window.root().to_path_buf();
    let mut cli = Library::open(&root, Actor::Cli).expect("second handle");
    let f = work(tmp.path(), "a.mp3", b"a");
    window
        .add_entry(&entry("窗口登记"), std::slice::from_ref(&f))
        .expect("window add");
    cli.add_entry(&entry("命令行登记"), std::slice::from_ref(&f))
        .expect("cli add");
    assert_eq!(window.info().expect("info").entry_count, 2);

    // Another program holds a write transaction for longer than we wait.
    let holder = rusqlite::Connection::open(root.join("catalog.sqlite")).expect("holder");
    holder.execute_batch("BEGIN IMMEDIATE").expect("lock");
    cli.set_busy_timeout(Duration::from_millis(200))
        .expect("timeout");
    let err = cli
        .add_entry(&entry("等待"), std::slice::from_ref(&f))
        .expect_err("busy");
    assert_eq!(err.code(), "library.busy");
    assert!(err.to_string().contains("稍后再试"), "{err}");
    // Reading still works while the other program writes (WAL).
    assert_eq!(cli.info().expect("read while locked").entry_count, 2);
    holder.execute_batch("COMMIT").expect("unlock");
    cli.add_entry(&entry("等待"), &[f]).expect("after unlock");
    assert_eq!(window.info().expect("info").entry_count, 3);
}

#[test]
fn a_failing_entry_is_recommended_only_with_a_written_reason() {
    use baosong::entry::{Review, ReviewStatus};
    let (tmp, mut lib) = new_library();
    // Not a media file at all: it fails the checks.
    let f = work(tmp.path(), "坏文件.mp4", b"definitely not a video");
    let e = lib.add_entry(&entry("坏文件"), &[f]).expect("add");
    assert_eq!(e.verdict, baosong::checks::Verdict::Fail);
    assert_eq!(e.review.status, ReviewStatus::Pending);

    let mut review = Review {
        status: ReviewStatus::Approved,
        recommended: true,
        order: Some(1),
        override_reason: String::new(),
    };
    let err = lib
        .set_review(e.id, &review)
        .expect_err("recommended without a reason");
    assert_eq!(err.code(), "input.invalid");
    assert!(err.to_string().contains("理由"), "{err}");
    assert!(
        !lib.entry(e.id).expect("entry").review.recommended,
        "state changed"
    );

    review.override_reason = "原件在报送人处，已约定6月20日前补交".into();
    let saved = lib.set_review(e.id, &review).expect("with a reason");
    assert!(saved.review.recommended);
    assert_eq!(saved.review.order, Some(1));
    assert_eq!(saved.review.status, ReviewStatus::Approved);

    // Excluded works cannot be recommended; un-recommending clears the order.
    review.status = ReviewStatus::Excluded;
    assert_eq!(
        lib.set_review(e.id, &review).expect_err("excluded").code(),
        "input.invalid"
    );
    review.recommended = false;
    let saved = lib
        .set_review(e.id, &review)
        .expect("excluded, not recommended");
    assert_eq!(saved.review.order, None);
    assert_eq!(lib.audit_log(1).expect("log")[0].action, "entry.review");
}

#[test]
fn switching_campaigns_remembers_the_unit_type_of_each() {
    let (_tmp, mut lib) = new_library();
    // 金平区总工会 is not a unit of the provincial campaign and it has three unit types: ask.
    let err = lib
        .switch_campaign("guangdong-2023", None)
        .expect_err("unit type unknown");
    assert_eq!(err.code(), "input.invalid");
    assert!(err.to_string().contains("南粤好网民2023"), "{err}");
    assert_eq!(lib.office().expect("office").campaign_id, "shantou-2023");

    let bad = lib
        .switch_campaign("guangdong-2023", Some("district"))
        .expect_err("not a provincial unit type");
    assert_eq!(bad.code(), "input.invalid");

    let office = lib
        .switch_campaign("guangdong-2023", Some("prefecture-city"))
        .expect("switch");
    assert_eq!(
        (office.campaign_id.as_str(), office.unit_type.as_str()),
        ("guangdong-2023", "prefecture-city")
    );
    assert_eq!(lib.campaign().expect("campaign").id, "guangdong-2023");
    assert_eq!(office.contact_name, "陈晓", "the contact person stays");

    // Back and forth: each campaign's unit type is remembered.
    let office = lib.switch_campaign("shantou-2023", None).expect("back");
    assert_eq!(office.unit_type, "district");
    let office = lib.switch_campaign("guangdong-2023", None).expect("again");
    assert_eq!(office.unit_type, "prefecture-city");

    let unknown = lib
        .switch_campaign("shantou-2099", None)
        .expect_err("no such campaign");
    assert_eq!(unknown.code(), "campaign.unknown");
}

#[test]
fn deadline_marks_belong_to_their_campaign_and_survive_reopen() {
    let (_tmp, mut lib) = new_library();
    let day = chrono::NaiveDate::from_ymd_opt(2023, 6, 7).expect("date");
    lib.mark_deadline("contact-person", Some(day))
        .expect("mark");
    let err = lib
        .mark_deadline("no-such-step", Some(day))
        .expect_err("unknown deadline");
    assert!(err.to_string().contains("contact-person"), "{err}");

    let root = lib.root().to_path_buf();
    drop(lib);
    let mut lib = Library::open(&root, Actor::Cli).expect("reopen");
    assert_eq!(
        lib.deadline_marks().expect("marks").get("contact-person"),
        Some(&day)
    );

    lib.switch_campaign("guangdong-2023", Some("prefecture-city"))
        .expect("switch");
    assert!(lib.deadline_marks().expect("marks").is_empty());
    lib.switch_campaign("shantou-2023", None).expect("back");
    assert_eq!(lib.deadline_marks().expect("marks").len(), 1);

    lib.mark_deadline("contact-person", None).expect("clear");
    assert!(lib.deadline_marks().expect("marks").is_empty());
    let actions: Vec<String> = lib
        .audit_log(10)
        .expect("audit")
        .into_iter()
        .map(|r| r.action)
        .collect();
    assert_eq!(actions.iter().filter(|a| *a == "deadline.mark").count(), 2);
}

#[test]
fn a_version_3_library_is_migrated_with_its_unit_type_remembered() {
    // A unit the campaign does not list, so only the migrated row can know its unit type.
    let tmp = tempfile::tempdir().expect("tempdir");
    let setup = OfficeInput {
        name: "汕头市自来水公司工会".into(),
        unit_type: "municipal-direct".into(),
        ..office()
    };
    let lib = Library::create(&tmp.path().join("lib"), &setup, Actor::App).expect("create");
    let root = lib.root().to_path_buf();
    drop(lib);
    // Turn the catalog back into what version 3 wrote.
    {
        let conn = rusqlite::Connection::open(root.join("catalog.sqlite")).expect("sqlite");
        conn.execute_batch(
            "DROP TABLE outbox_home; DROP TABLE outbox; DROP TABLE mail_account;
             DROP TABLE batch_exports; DROP TABLE batch_files; DROP TABLE batch_entries;
             DROP TABLE batches;
             DROP TABLE file_sources; DROP TABLE office_campaigns; DROP TABLE deadline_marks;
             DROP TABLE received_problems; DROP TABLE received_files; DROP TABLE received_works;
             DROP TABLE received_batches; DROP TABLE imap_state;
             ALTER TABLE office DROP COLUMN role;
             PRAGMA user_version = 3;",
        )
        .expect("downgrade");
    }
    let mut lib = Library::open(&root, Actor::App).expect("open migrates");
    assert_eq!(
        lib.info().expect("info").schema_version,
        baosong::library::SCHEMA_VERSION
    );
    lib.switch_campaign("guangdong-2023", Some("prefecture-city"))
        .expect("switch");
    let office = lib.switch_campaign("shantou-2023", None).expect("back");
    assert_eq!(
        office.unit_type, "municipal-direct",
        "seeded from the version-3 office row"
    );
}

mod import {
    use super::*;
    use baosong::library::{ImportOptions, ImportOutcome, OnDuplicate};
    use baosong::progress::Progress;
    use std::sync::atomic::{AtomicBool, Ordering};

    fn options(on_duplicate: OnDuplicate) -> ImportOptions {
        ImportOptions {
            category: "recitation".into(),
            unit: "金平区总工会".into(),
            on_duplicate,
        }
    }

    /// A USB stick: a folder with a sub-folder, litter, and the same recording twice.
    fn stick(dir: &Path) -> PathBuf {
        let root = dir.join("U盘");
        std::fs::create_dir_all(root.join("第二批")).expect("mkdir");
        work(&root, "朗诵一.mp3", &vec![1u8; 300_000]);
        work(&root, "朗诵二.mp3", &vec![2u8; 200_000]);
        work(&root.join("第二批"), "朗诵三.wav", b"three");
        work(
            &root.join("第二批"),
            "朗诵一（重发）.mp3",
            &vec![1u8; 300_000],
        );
        work(&root, "Thumbs.db", b"litter");
        work(&root, "~$报名表.xlsx", b"lock");
        work(&root, ".DS_Store", b"litter");
        root
    }

    #[test]
    fn a_folder_is_imported_recursively_with_progress_and_duplicates_skipped() {
        let (tmp, mut lib) = new_library();
        let root = stick(tmp.path());
        let mut seen: Vec<Progress> = Vec::new();
        let report = lib
            .import_files(
                &[root],
                &options(OnDuplicate::Skip),
                &mut |p| seen.push(p.clone()),
                &AtomicBool::new(false),
            )
            .expect("import");
        assert_eq!(
            (
                report.added,
                report.duplicates,
                report.failed,
                report.cancelled
            ),
            (3, 1, 0, false),
            "{report:#?}"
        );
        let dup = report
            .items
            .iter()
            .find(|i| i.path.ends_with("朗诵一（重发）.mp3"))
            .expect("the resent file");
        let first = report
            .items
            .iter()
            .find(|i| i.path.ends_with("U盘/朗诵一.mp3"))
            .expect("the first file");
        let ImportOutcome::Added { entry_id, .. } = first.outcome else {
            panic!("{first:?}")
        };
        assert_eq!(
            dup.outcome,
            ImportOutcome::Duplicate {
                existing_entry_id: entry_id,
                existing_title: "朗诵一".into(),
                action: OnDuplicate::Skip,
                entry_id: None,
            }
        );
        assert_eq!(dup.sha256, first.sha256);

        let entries = lib
            .entries(&EntryFilter::default(), EntrySort::Title)
            .expect("list");
        let titles: Vec<&str> = entries.iter().map(|e| e.fields.title.as_str()).collect();
        assert_eq!(titles, ["朗诵一", "朗诵三", "朗诵二"]);
        assert!(
            entries
                .iter()
                .all(|e| e.fields.unit == "金平区总工会" && e.fields.authors.is_empty())
        );

        // Progress only grows and ends with every byte and file counted.
        let last = seen.last().expect("progress");
        assert_eq!((last.done_files, last.total_files), (4, 4));
        assert_eq!(last.done_bytes, last.total_bytes);
        assert_eq!(last.total_bytes, 300_000 * 2 + 200_000 + 5);
        assert!(seen.windows(2).all(|w| w[0].done_bytes <= w[1].done_bytes));
    }

    #[test]
    fn duplicates_can_be_linked_or_kept() {
        let (tmp, mut lib) = new_library();
        let first = work(tmp.path(), "原片.mp3", b"same content");
        let again = work(tmp.path(), "另一单位发来的.mp3", b"same content");
        let none = AtomicBool::new(false);
        let r = lib
            .import_files(&[first], &options(OnDuplicate::Skip), &mut |_| {}, &none)
            .expect("first");
        let ImportOutcome::Added { entry_id, .. } = r.items[0].outcome else {
            panic!("{r:?}")
        };

        let linked = lib
            .import_files(
                std::slice::from_ref(&again),
                &options(OnDuplicate::Link),
                &mut |_| {},
                &none,
            )
            .expect("link");
        assert!(matches!(
            linked.items[0].outcome,
            ImportOutcome::Duplicate { action: OnDuplicate::Link, existing_entry_id, entry_id: None, .. }
                if existing_entry_id == entry_id
        ));
        let held = lib.entry(entry_id).expect("entry");
        assert_eq!(held.files[0].also_received, [again.display().to_string()]);

        let kept = lib
            .import_files(&[again], &options(OnDuplicate::Keep), &mut |_| {}, &none)
            .expect("keep");
        let ImportOutcome::Duplicate {
            action: OnDuplicate::Keep,
            entry_id: Some(new_id),
            ..
        } = kept.items[0].outcome
        else {
            panic!("{kept:?}")
        };
        assert_ne!(new_id, entry_id);
        assert_eq!(lib.info().expect("info").entry_count, 2);
    }

    #[test]
    fn a_file_whose_entry_cannot_be_read_back_after_its_commit_is_reported_imported() {
        let (tmp, mut lib) = new_library();
        let root = lib.root().to_path_buf();
        // A catalog damaged by another program: every new file row gets a size that cannot be
        // read as a number, so reading the entry back after its commit fails for real.
        let other = rusqlite::Connection::open(root.join("catalog.sqlite")).expect("open");
        other
            .execute_batch(
                "CREATE TRIGGER damage AFTER INSERT ON files BEGIN
                     UPDATE files SET size = 'damaged' WHERE id = NEW.id;
                 END;",
            )
            .expect("trigger");
        let f = work(tmp.path(), "朗诵.mp3", b"a recording");
        let report = lib
            .import_files(
                &[f],
                &options(OnDuplicate::Skip),
                &mut |_| {},
                &AtomicBool::new(false),
            )
            .expect("import");
        assert_eq!((report.added, report.failed), (1, 0), "{report:#?}");
        let ImportOutcome::Added { entry_id, verdict } = report.items[0].outcome else {
            panic!("{report:#?}")
        };
        assert_eq!(
            verdict, None,
            "not judged: the entry could not be read back"
        );

        // The entry and its file are in the catalog; once repaired it reads normally.
        other
            .execute_batch("DROP TRIGGER damage; UPDATE files SET size = 11;")
            .expect("repair");
        let entry = lib.entry(entry_id).expect("the imported entry");
        assert_eq!(entry.fields.title, "朗诵");
        assert_eq!(entry.files.len(), 1);
    }

    #[test]
    fn cancel_stops_between_chunks_and_keeps_what_was_done() {
        let (tmp, mut lib) = new_library();
        let a = work(tmp.path(), "a.mp3", &[1u8; 100]);
        let b = work(tmp.path(), "b.mp3", &vec![2u8; 5 << 20]);
        let cancel = AtomicBool::new(false);
        let report = lib
            .import_files(
                &[a, b],
                &options(OnDuplicate::Skip),
                &mut |p| {
                    // The clerk presses 取消 once the big file has started.
                    if p.current.ends_with("b.mp3") {
                        cancel.store(true, Ordering::Relaxed);
                    }
                },
                &cancel,
            )
            .expect("import");
        assert!(report.cancelled);
        assert_eq!(report.added, 1);
        assert_eq!(lib.info().expect("info").entry_count, 1);
        let incoming = lib.root().join("files/.incoming");
        // The landed mark of the file that made it stays for the next sweep; no temporary does.
        let leftovers = std::fs::read_dir(incoming)
            .map(|d| {
                d.flatten()
                    .filter(|e| !e.file_name().to_string_lossy().starts_with("landed-"))
                    .count()
            })
            .unwrap_or(0);
        assert_eq!(leftovers, 0, "the half copy is removed");
    }

    #[test]
    fn unreadable_paths_and_bad_settings_are_reported_in_chinese() {
        let (tmp, mut lib) = new_library();
        let good = work(tmp.path(), "好.mp3", b"ok");
        let none = AtomicBool::new(false);
        let report = lib
            .import_files(
                &[tmp.path().join("不存在.mp3"), good.clone()],
                &options(OnDuplicate::Skip),
                &mut |_| {},
                &none,
            )
            .expect("import");
        assert_eq!((report.added, report.failed), (1, 1));
        let ImportOutcome::Failed { reason } = &report.items[0].outcome else {
            panic!("{report:?}")
        };
        assert!(reason.contains("不存在"), "{reason}");

        let bad = ImportOptions {
            category: "poetry".into(),
            ..options(OnDuplicate::Skip)
        };
        let err = lib
            .import_files(&[good], &bad, &mut |_| {}, &none)
            .expect_err("unknown category");
        assert_eq!(err.code(), "input.invalid");
        assert!(err.to_string().contains("recitation"), "{err}");
        assert_eq!(lib.info().expect("info").entry_count, 1);
    }

    #[test]
    fn leftovers_of_a_killed_import_are_swept_unless_someone_is_importing() {
        let (tmp, mut lib) = new_library();
        let kept = work(tmp.path(), "留下.mp3", b"kept");
        lib.import_files(
            &[kept],
            &options(OnDuplicate::Skip),
            &mut |_| {},
            &AtomicBool::new(false),
        )
        .expect("import");
        let root = lib.root().to_path_buf();
        drop(lib);
        // What a kill between the rename and the commit leaves: a stored file no row names,
        // with the mark the store left before the rename, and a half-written temporary.
        let h = |c: char| c.to_string().repeat(64);
        std::fs::create_dir_all(root.join("files/ab")).expect("mkdir");
        let landed = format!("a{}.mp3", &h('b')[1..]);
        let stray = work(&root.join("files/ab"), &landed, b"stray");
        let mark = work(
            &root.join("files/.incoming"),
            &format!("landed-{landed}"),
            b"",
        );
        let temp = work(&root.join("files/.incoming"), "part-x", b"half");
        // A stored file with no mark: what a restored backup does not name. Never touched.
        std::fs::create_dir_all(root.join("files/cc")).expect("mkdir");
        let unlisted = work(&root.join("files/cc"), &format!("{}.mp4", h('c')), b"work");

        // Another program importing right now: its files are not leftovers.
        let held = baosong_import_guard(&root);
        drop(Library::open(&root, Actor::App).expect("open while importing"));
        assert!(stray.exists() && temp.exists(), "swept under a live import");
        drop(held);

        let lib = Library::open(&root, Actor::App).expect("open");
        assert!(!temp.exists() && !mark.exists(), "leftovers stay");
        assert!(
            !stray.exists(),
            "the landed, uncatalogued file stays in the store"
        );
        let trashed = baosong::library::trash::list(&root);
        assert_eq!(trashed.len(), 1, "{trashed:?}");
        assert_eq!(trashed[0].stored_path, format!("files/ab/{landed}"));
        assert_eq!(
            std::fs::read(
                root.join("trash")
                    .join(&trashed[0].day)
                    .join(&trashed[0].stored_path)
            )
            .expect("in the trash"),
            b"stray"
        );
        assert!(unlisted.exists(), "an unmarked stored file was moved");
        let offered = lib.unlisted_files().expect("unlisted");
        assert_eq!(offered.len(), 1, "{offered:?}");
        assert_eq!(offered[0].stored_path, format!("files/cc/{}.mp4", h('c')));
        let entries = lib
            .entries(&EntryFilter::default(), EntrySort::Title)
            .expect("list");
        assert_eq!(entries.len(), 1);
        assert!(
            lib.file_path(&entries[0].files[0]).expect("path").exists(),
            "a real file was swept"
        );
        // Put back from the trash, it is in the store again.
        assert!(baosong::library::trash::restore(&root, &trashed[0]).expect("restore"));
        assert!(stray.exists());
    }

    /// Holds the store's import lock as an importing program does.
    fn baosong_import_guard(root: &Path) -> std::fs::File {
        let f = std::fs::File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(root.join("files/.import.lock"))
            .expect("lock file");
        f.lock_shared().expect("shared lock");
        f
    }
}

#[test]
fn bulk_edit_changes_all_or_nothing_and_filters_find_the_result() {
    use baosong::entry::{Review, ReviewStatus};
    use baosong::library::BulkChange;
    let (tmp, mut lib) = new_library();
    let mut ids = Vec::new();
    for (i, title) in ["甲", "乙", "丙"].into_iter().enumerate() {
        let f = work(
            tmp.path(),
            &format!("{i}.mp3"),
            format!("content {i}").as_bytes(),
        );
        ids.push(lib.add_entry(&entry(title), &[f]).expect("add").id);
    }
    lib.set_review(
        ids[0],
        &Review {
            status: ReviewStatus::Approved,
            recommended: true,
            order: Some(1),
            override_reason: "理由".into(),
        },
    )
    .expect("review");

    // One unknown id: nothing changes at all.
    let err = lib
        .bulk_update(
            &[ids[0], 999],
            &BulkChange {
                unit: Some("澄海区总工会".into()),
                ..BulkChange::default()
            },
        )
        .expect_err("unknown id");
    assert_eq!(err.code(), "entry.not_found");
    assert_eq!(
        lib.entry(ids[0]).expect("entry").fields.unit,
        "金平区石炮台街道总工会"
    );

    let nothing = lib
        .bulk_update(&ids, &BulkChange::default())
        .expect_err("no change given");
    assert!(nothing.to_string().contains("至少选择一项"), "{nothing}");

    let n = lib
        .bulk_update(
            &ids[..2],
            &BulkChange {
                unit: Some("澄海区总工会".into()),
                status: Some(ReviewStatus::Excluded),
                add_tags: vec!["工匠精神".into()],
                remove_tags: vec!["阅读经典好书".into()],
                ..BulkChange::default()
            },
        )
        .expect("bulk");
    assert_eq!(n, 2);
    let first = lib.entry(ids[0]).expect("entry");
    assert_eq!(first.fields.unit, "澄海区总工会");
    assert_eq!(first.fields.tags, ["工匠精神"]);
    assert_eq!(first.review.status, ReviewStatus::Excluded);
    assert!(
        !first.review.recommended,
        "不报送 takes a work out of the batch"
    );

    let by_unit = lib
        .entries(
            &EntryFilter {
                unit: Some("澄海区总工会".into()),
                ..EntryFilter::default()
            },
            EntrySort::Title,
        )
        .expect("filter");
    assert_eq!(by_unit.len(), 2);
    let pending = lib
        .entries(
            &EntryFilter {
                status: Some(ReviewStatus::Pending),
                ..EntryFilter::default()
            },
            EntrySort::Title,
        )
        .expect("filter");
    assert_eq!(pending.iter().map(|e| e.id).collect::<Vec<_>>(), [ids[2]]);
    let bulk_rows = lib
        .audit_log(20)
        .expect("audit")
        .into_iter()
        .filter(|r| r.action == "entry.bulk")
        .count();
    assert_eq!(bulk_rows, 2);
}

mod sheets {
    use super::*;
    use baosong::library::SheetImportOptions;

    /// A sheet as offices send them: a merged title row above Chinese headers.
    fn sheet(dir: &Path) -> PathBuf {
        let path = dir.join("金平区报名表.xlsx");
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        let plain = rust_xlsxwriter::Format::new();
        ws.merge_range(0, 0, 0, 6, "2023年网聚职工正能量作品报名表", &plain)
            .expect("title");
        let header = [
            "序号",
            "作品名称",
            "作者姓名",
            "所在单位",
            "联系电话",
            "参赛项目",
            "视频文件名",
        ];
        for (c, h) in header.iter().enumerate() {
            ws.write_string(2, c as u16, *h).expect("header");
        }
        let rows: [[&str; 7]; 4] = [
            [
                "1",
                "我的祖国",
                "张三、李四",
                "石炮台街道总工会",
                "13800138000",
                "诵读",
                "祖国.mp3",
            ],
            [
                "2",
                "工匠之光",
                "王五",
                "金平区总工会",
                "0754-88123456",
                "微视频",
                "工匠之光.mp4",
            ],
            ["3", "", "赵六", "金平区总工会", "13800138000", "微视频", ""],
            [
                "4",
                "海风",
                "钱七",
                "金平区总工会",
                "123",
                "诵读",
                "海风.wav",
            ],
        ];
        for (r, row) in rows.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                ws.write_string(3 + r as u32, c as u16, *v).expect("cell");
            }
        }
        wb.save(&path).expect("save xlsx");
        path
    }

    #[test]
    fn a_sheet_previews_then_imports_in_one_go_with_its_files() {
        let (tmp, mut lib) = new_library();
        let files = tmp.path().join("作品");
        std::fs::create_dir_all(files.join("视频")).expect("mkdir");
        work(&files, "祖国.mp3", b"recitation");
        work(&files.join("视频"), "工匠之光.mp4", b"video bytes");
        let path = sheet(tmp.path());
        let options = SheetImportOptions {
            files_dir: Some(files.display().to_string()),
            dry_run: true,
            ..SheetImportOptions::default()
        };

        let preview = lib.import_sheet(&path, &options).expect("preview");
        assert_eq!(preview.header_row, 3);
        assert_eq!((preview.created, preview.blocked), (3, 1));
        assert_eq!(
            lib.info().expect("info").entry_count,
            0,
            "a dry run writes nothing"
        );
        let row = |n: u32| {
            preview
                .rows
                .iter()
                .find(|r| r.plan.row == n)
                .unwrap_or_else(|| panic!("row {n}"))
        };
        assert!(!row(6).importable, "no title");
        assert!(
            row(7)
                .plan
                .problems
                .iter()
                .any(|p| p.message.contains("海风"))
        );
        assert_eq!(row(5).plan.files.len(), 1);

        let done = lib
            .import_sheet(
                &path,
                &SheetImportOptions {
                    dry_run: false,
                    ..options
                },
            )
            .expect("import");
        assert_eq!(done.created, 3);
        let ids: Vec<i64> = done.rows.iter().filter_map(|r| r.entry_id).collect();
        assert_eq!(ids.len(), 3);
        let first = lib.entry(ids[0]).expect("entry");
        assert_eq!(first.fields.title, "我的祖国");
        assert_eq!(first.fields.authors, ["张三", "李四"]);
        assert_eq!(first.fields.category, "recitation");
        assert_eq!(first.files.len(), 1);
        assert_eq!(
            bytes(&lib.file_path(&first.files[0]).expect("path")),
            b"recitation"
        );
        let wind = lib.entry(ids[2]).expect("entry");
        assert!(
            wind.files.is_empty(),
            "its file was not found; it comes later"
        );
        assert!(
            wind.fields.phone.is_empty() && wind.fields.notes.contains("123"),
            "{wind:?}"
        );

        // The same sheet again: every file is already in the library, so those rows stay out.
        let again = lib
            .import_sheet(
                &path,
                &SheetImportOptions {
                    files_dir: Some(files.display().to_string()),
                    ..SheetImportOptions::default()
                },
            )
            .expect("again");
        let known: Vec<u32> = again
            .rows
            .iter()
            .filter(|r| {
                r.plan
                    .problems
                    .iter()
                    .any(|p| p.message.contains("内容相同"))
            })
            .map(|r| r.plan.row)
            .collect();
        assert_eq!(known, [4, 5]);
    }

    #[test]
    fn the_preview_finds_content_already_in_the_library_or_twice_in_the_sheet() {
        let (tmp, mut lib) = new_library();
        let files = tmp.path().join("作品");
        std::fs::create_dir_all(&files).expect("mkdir");
        let known = work(&files, "祖国.mp3", b"recitation");
        // The same recording as 工匠之光.mp4 (row 5) under another name? Make row 5's file
        // equal to row 4's content instead: the second one is flagged, the first is not.
        work(&files, "工匠之光.mp4", b"recitation");
        lib.add_entry(&entry("早已登记"), &[known]).expect("add");
        let path = sheet(tmp.path());
        let preview = lib
            .import_sheet(
                &path,
                &SheetImportOptions {
                    files_dir: Some(files.display().to_string()),
                    dry_run: true,
                    ..SheetImportOptions::default()
                },
            )
            .expect("preview");
        let problems = |n: u32| -> String {
            preview
                .rows
                .iter()
                .find(|r| r.plan.row == n)
                .map(|r| {
                    r.plan
                        .problems
                        .iter()
                        .map(|p| p.message.clone())
                        .collect::<Vec<_>>()
                        .join("；")
                })
                .unwrap_or_default()
        };
        assert!(
            problems(4).contains("《早已登记》内容相同"),
            "{}",
            problems(4)
        );
        assert!(
            problems(5).contains("《早已登记》内容相同"),
            "{}",
            problems(5)
        );
        assert_eq!(
            lib.info().expect("info").entry_count,
            1,
            "a preview writes nothing"
        );
        let stored = std::fs::read_dir(lib.root().join("files"))
            .expect("files")
            .flatten()
            .filter(|e| e.file_name().len() == 2)
            .count();
        assert_eq!(stored, 1, "a preview copies nothing");
    }

    #[test]
    fn a_broken_sheet_is_refused_in_chinese_and_changes_nothing() {
        let (tmp, mut lib) = new_library();
        let bad = work(
            tmp.path(),
            "报名表.xlsx",
            b"PK\x03\x04 not really a workbook",
        );
        let err = lib
            .import_sheet(&bad, &SheetImportOptions::default())
            .expect_err("corrupt");
        assert!(err.code().starts_with("sheet."), "{}", err.code());
        assert!(!err.to_string().is_empty());
        let missing_dir = SheetImportOptions {
            files_dir: Some(tmp.path().join("没有这个文件夹").display().to_string()),
            ..SheetImportOptions::default()
        };
        let path = sheet(tmp.path());
        let err = lib
            .import_sheet(&path, &missing_dir)
            .expect_err("no folder");
        assert!(err.to_string().contains("文件夹"), "{err}");
        assert_eq!(lib.info().expect("info").entry_count, 0);
    }
}

#[test]
fn the_catalog_exports_to_xlsx_and_reads_back_as_a_sheet() {
    let (tmp, mut lib) = new_library();
    let f = work(tmp.path(), "祖国.mp3", b"recitation");
    let e = lib.add_entry(&entry("我的祖国"), &[f]).expect("add");
    lib.add_entry(&entry("海风"), &[]).expect("add");
    let out = tmp.path().join("导出").join("作品清单.xlsx");
    std::fs::create_dir_all(out.parent().expect("parent")).expect("mkdir");
    // An older export is replaced whole.
    std::fs::write(&out, b"old").expect("old");
    let n = lib
        .export_xlsx(&out, &EntryFilter::default())
        .expect("export");
    assert_eq!(n, 2);

    let back = baosong::registration::read(&out).expect("reads back");
    assert_eq!(back.header_row, 2, "title row above the header");
    let campaign = lib.campaign().expect("campaign");
    let plans = baosong::registration::plan(&back.rows, &back.mapping, &campaign, None);
    let first = plans
        .iter()
        .find(|p| p.input.title == "我的祖国")
        .expect("row");
    assert_eq!(first.input.authors, ["张三", "李四"]);
    assert_eq!(first.input.category, "recitation");
    assert_eq!(first.input.phone, "13800138000");
    let sha = back
        .columns
        .iter()
        .position(|c| c.header == "SHA-256")
        .expect("sha column") as u32;
    let row = back
        .rows
        .iter()
        .find(|r| r.cells.iter().any(|c| c == "我的祖国"))
        .expect("row");
    assert_eq!(row.cell(sha), e.files[0].sha256);
    let leftovers = std::fs::read_dir(out.parent().expect("dir"))
        .expect("dir")
        .count();
    assert_eq!(leftovers, 1, "no temporary left beside the export");

    let err = lib
        .export_xlsx(
            &tmp.path().join("没有/这个/文件夹/x.xlsx"),
            &EntryFilter::default(),
        )
        .expect_err("no folder");
    assert_eq!(err.code(), "file.write");
}

#[test]
fn an_import_larger_than_the_free_space_copies_nothing() {
    use baosong::library::{ImportOptions, OnDuplicate};
    let (tmp, mut lib) = new_library();
    // A sparse file a gigabyte larger than the disk's free space (it takes no room itself).
    let free = fs4::available_space(tmp.path()).expect("free space");
    let huge = tmp.path().join("超大视频.mp4");
    std::fs::File::create(&huge)
        .and_then(|f| f.set_len(free + (1 << 30)))
        .expect("sparse file");
    let small = work(tmp.path(), "小.mp3", b"small");
    let err = lib
        .import_files(
            &[small, huge],
            &ImportOptions {
                category: "recitation".into(),
                unit: String::new(),
                on_duplicate: OnDuplicate::Skip,
            },
            &mut |_| {},
            &std::sync::atomic::AtomicBool::new(false),
        )
        .expect_err("no room");
    assert_eq!(err.code(), "disk.full");
    assert!(err.to_string().contains("磁盘空间不足"), "{err}");
    assert!(err.to_string().contains("未复制任何文件"), "{err}");
    assert_eq!(lib.info().expect("info").entry_count, 0);
    let stored = std::fs::read_dir(lib.root().join("files"))
        .map(|d| d.flatten().filter(|e| e.path().is_dir()).count())
        .unwrap_or(0);
    assert!(stored <= 1, "only .incoming may exist: nothing was copied");
}

#[test]
fn bulk_edit_counts_each_entry_once_and_keeps_the_review_rule() {
    use baosong::entry::Review;
    use baosong::library::BulkChange;
    let (tmp, mut lib) = new_library();
    // A real recording: passes as a recitation (audio accepted), fails as a micro-video
    // (video only).
    let film = tone(tmp.path(), 440);
    let e = lib.add_entry(&entry("朗诵视频"), &[film]).expect("add");
    assert_ne!(
        e.verdict,
        baosong::checks::Verdict::Fail,
        "{:?}",
        e.files[0].check
    );
    lib.set_review(
        e.id,
        &Review {
            recommended: true,
            order: Some(1),
            ..Review::default()
        },
    )
    .expect("recommend");

    let n = lib
        .bulk_update(
            &[e.id, e.id],
            &BulkChange {
                add_tags: vec!["工匠精神".into()],
                ..BulkChange::default()
            },
        )
        .expect("bulk");
    assert_eq!(n, 1, "the same entry twice is one entry");

    let refused = lib
        .bulk_update(
            &[e.id],
            &BulkChange {
                category: Some("micro-video".into()),
                ..BulkChange::default()
            },
        )
        .expect_err("would recommend a failing work without a reason");
    assert!(refused.to_string().contains("写明理由"), "{refused}");
    let after = lib.entry(e.id).expect("entry");
    assert_eq!(after.fields.category, "recitation");
    assert_eq!(after.review.order, Some(1));

    lib.delete_entry(e.id).expect("delete");
    let more = work(tmp.path(), "补充.mp3", b"more");
    let err = lib
        .attach_files(e.id, &[more])
        .expect_err("no attaching to a deleted work");
    assert_eq!(err.code(), "entry.not_found");
}

#[test]
fn the_drawer_saves_data_files_and_review_together_under_the_review_rule() {
    use baosong::entry::Review;
    let (tmp, mut lib) = new_library();
    let tone = tone(tmp.path(), 330);
    let e = lib.add_entry(&entry("晨读"), &[tone]).expect("add");
    let recommended = Review {
        recommended: true,
        order: Some(2),
        ..Review::default()
    };
    lib.set_review(e.id, &recommended)
        .expect("a passing work is recommended");

    // Moving it where an MP3 fails (micro-video takes video only) is refused, nothing changes.
    let as_video = EntryFields {
        category: "micro-video".into(),
        ..entry("晨读")
    };
    let err = lib
        .save_entry(e.id, Some(&as_video), &[], None)
        .expect_err("would send a failing work without a reason");
    assert!(err.to_string().contains("请先取消推荐"), "{err}");
    assert_eq!(
        lib.entry(e.id).expect("entry").fields.category,
        "recitation"
    );
    let err = lib
        .update_entry(e.id, &as_video)
        .expect_err("the CLI path has the same rule");
    assert_eq!(err.code(), "input.invalid");

    // The same save with the recommendation taken back goes through, in one step.
    let not_recommended = Review::default();
    let saved = lib
        .save_entry(
            e.id,
            Some(&as_video),
            &[work(tmp.path(), "补充说明.txt", b"notes")],
            Some(&not_recommended),
        )
        .expect("save");
    assert_eq!(saved.fields.category, "micro-video");
    assert!(!saved.review.recommended);
    assert_eq!(saved.files.len(), 2);
    let actions: Vec<String> = lib
        .audit_log(3)
        .expect("audit")
        .into_iter()
        .map(|r| r.action)
        .collect();
    assert_eq!(actions, ["entry.review", "entry.attach", "entry.update"]);

    // Attaching files keeps unfinished data as it is (an imported work has no authors yet).
    let imported = lib
        .import_files(
            &[work(tmp.path(), "导入.mp3", b"imported")],
            &baosong::library::ImportOptions {
                category: "recitation".into(),
                ..Default::default()
            },
            &mut |_| {},
            &std::sync::atomic::AtomicBool::new(false),
        )
        .expect("import");
    let id = lib
        .entries(&EntryFilter::default(), EntrySort::Newest)
        .expect("list")[0]
        .id;
    assert_eq!(imported.added, 1);
    let more = lib
        .attach_files(id, &[work(tmp.path(), "另一段.mp3", b"more")])
        .expect("attach without authors");
    assert_eq!(more.files.len(), 2);
}

#[test]
fn a_damaged_list_column_is_an_error_naming_the_entry_and_is_never_overwritten() {
    use baosong::library::BulkChange;
    let (tmp, mut lib) = new_library();
    let e = lib
        .add_entry(&entry("晨读"), &[work(tmp.path(), "a.mp3", b"a")])
        .expect("add");
    let root = lib.root().to_path_buf();
    let other = rusqlite::Connection::open(root.join("catalog.sqlite")).expect("open");
    let damaged = r#"["张三", 李四"#;
    other
        .execute(
            "UPDATE entries SET authors = ?2, tags = 'not json' WHERE id = ?1",
            rusqlite::params![e.id, damaged],
        )
        .expect("damage");

    let err = lib
        .entry(e.id)
        .expect_err("a damaged list is not read as empty");
    assert_eq!(err.code(), "entry.damaged");
    let message = err.to_string();
    assert!(message.contains(&format!("作品 {}", e.id)), "{message}");
    assert!(message.contains("作者"), "{message}");
    let err = lib
        .entries(&EntryFilter::default(), EntrySort::Newest)
        .expect_err("the list names the damaged entry too");
    assert_eq!(err.code(), "entry.damaged");

    // Nothing that would write the lists back goes through.
    let more = work(tmp.path(), "b.mp3", b"b");
    assert_eq!(
        lib.attach_files(e.id, &[more]).expect_err("attach").code(),
        "entry.damaged"
    );
    assert_eq!(
        lib.update_entry(e.id, &entry("晨读（改）"))
            .expect_err("update")
            .code(),
        "entry.damaged"
    );
    let bulk = lib.bulk_update(
        &[e.id],
        &BulkChange {
            add_tags: vec!["工匠精神".into()],
            ..BulkChange::default()
        },
    );
    assert_eq!(bulk.expect_err("bulk tags").code(), "entry.damaged");
    let (authors, tags): (String, String) = other
        .query_row(
            "SELECT authors, tags FROM entries WHERE id = ?1",
            [e.id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("raw");
    assert_eq!((authors.as_str(), tags.as_str()), (damaged, "not json"));
}

/// Another program holds a write open while it changes an entry; `write` runs on `lib` in a
/// thread meanwhile, and the other program commits half a second later. Returns `lib` and what
/// `write` said.
fn while_another_program_writes<T: Send + 'static>(
    mut lib: Library,
    change: &str,
    write: impl FnOnce(&mut Library) -> T + Send + 'static,
) -> (Library, T) {
    let other = rusqlite::Connection::open(lib.root().join("catalog.sqlite")).expect("open");
    other.execute_batch("BEGIN IMMEDIATE").expect("lock");
    other.execute_batch(change).expect("change");
    let window = std::thread::spawn(move || {
        let result = write(&mut lib);
        (lib, result)
    });
    std::thread::sleep(Duration::from_millis(500));
    other.execute_batch("COMMIT").expect("commit");
    window.join().expect("thread")
}

#[test]
fn set_review_judges_the_entry_as_it_is_when_the_review_is_written() {
    use baosong::entry::Review;
    let (tmp, mut lib) = new_library();
    // A recording passes as a recitation and fails as a micro-video (video only).
    let e = lib
        .add_entry(&entry("晨读"), &[tone(tmp.path(), 440)])
        .expect("add");
    assert_ne!(e.verdict, baosong::checks::Verdict::Fail);
    let cli = Library::open(lib.root(), Actor::Cli).expect("second handle");

    // Another program moves it to micro-video while the window recommends it.
    let (lib, result) = while_another_program_writes(
        lib,
        &format!(
            "UPDATE entries SET category = 'micro-video' WHERE id = {}",
            e.id
        ),
        move |lib| {
            lib.set_review(
                e.id,
                &Review {
                    recommended: true,
                    ..Review::default()
                },
            )
            .map(|_| ())
            .map_err(|e| e.to_string())
        },
    );
    let err = result.expect_err("a failing work is not recommended without a reason");
    assert!(err.contains("理由"), "{err}");
    for handle in [&lib, &cli] {
        let now = handle.entry(e.id).expect("entry");
        assert_eq!(now.fields.category, "micro-video");
        assert!(!now.review.recommended, "recommended against stale files");
    }
}

#[test]
fn save_entry_judges_the_files_as_they_are_when_the_entry_is_written() {
    use baosong::entry::Review;
    let (tmp, mut lib) = new_library();
    let good = lib
        .add_entry(&entry("晨读"), &[tone(tmp.path(), 440)])
        .expect("add");
    let bad = lib
        .add_entry(
            &entry("坏文件"),
            &[work(tmp.path(), "坏文件.mp4", b"definitely not a video")],
        )
        .expect("add");
    assert_ne!(good.verdict, baosong::checks::Verdict::Fail);
    assert_eq!(bad.verdict, baosong::checks::Verdict::Fail);

    // Another program swaps the two works' files while the drawer saves a recommendation.
    let swap = format!(
        "UPDATE files SET entry_id = CASE entry_id WHEN {g} THEN {b} ELSE {g} END
         WHERE entry_id IN ({g}, {b})",
        g = good.id,
        b = bad.id
    );
    let (lib, result) = while_another_program_writes(lib, &swap, move |lib| {
        lib.save_entry(
            good.id,
            Some(&entry("晨读")),
            &[],
            Some(&Review {
                recommended: true,
                ..Review::default()
            }),
        )
        .map(|_| ())
        .map_err(|e| e.to_string())
    });
    let err = result.expect_err("judged against the files it has now");
    assert!(err.contains("理由"), "{err}");
    let now = lib.entry(good.id).expect("entry");
    assert_eq!(now.verdict, baosong::checks::Verdict::Fail);
    assert!(!now.review.recommended, "recommended against stale files");
}

#[test]
fn works_belong_to_the_campaign_they_were_catalogued_for() {
    let (tmp, mut lib) = new_library();
    let f = tone(tmp.path(), 440);
    let e = lib.add_entry(&entry("我的祖国"), &[f]).expect("add");
    assert_eq!(e.campaign_id, "shantou-2023");
    let all = || EntryFilter::default();
    assert_eq!(
        lib.entries(&all(), EntrySort::Newest).expect("list").len(),
        1
    );

    // In the provincial campaign the municipal work is neither listed nor judged nor counted.
    lib.switch_campaign("guangdong-2023", Some("prefecture-city"))
        .expect("switch");
    assert!(
        lib.entries(&all(), EntrySort::Newest)
            .expect("list")
            .is_empty()
    );
    let draft = lib.batch_draft(&Default::default(), chrono::Utc::now());
    assert!(draft.is_err(), "no work of this campaign to send");

    lib.switch_campaign("shantou-2023", None).expect("back");
    let listed = lib.entries(&all(), EntrySort::Newest).expect("list");
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].fields.title, "我的祖国");
}

#[test]
fn bulk_edit_judges_the_review_rule_as_the_works_are_when_it_writes() {
    use baosong::library::BulkChange;
    let (tmp, mut lib) = new_library();
    // A recording passes as a recitation and fails as a micro-video (video only).
    let e = lib
        .add_entry(&entry("晨读"), &[tone(tmp.path(), 440)])
        .expect("add");
    assert_ne!(e.verdict, baosong::checks::Verdict::Fail);
    let e = e.id;
    // Another program recommends it (no reason needed: it passes where it is) while the
    // window moves it, with others, to micro-video.
    let (lib, result) = while_another_program_writes(
        lib,
        &format!("UPDATE entries SET recommended = 1 WHERE id = {e}"),
        move |lib| {
            lib.bulk_update(
                &[e],
                &BulkChange {
                    category: Some("micro-video".into()),
                    ..BulkChange::default()
                },
            )
            .map_err(|e| e.to_string())
        },
    );
    let err = result.expect_err("a recommended work is not moved to where it fails");
    assert!(err.contains("写明理由"), "{err}");
    let now = lib.entry(e).expect("entry");
    assert_eq!(now.fields.category, "recitation");
    assert!(now.review.recommended);
}
