//! The CLI killed with SIGKILL at random moments of a large import, many times. After each kill
//! the library must open, pass `PRAGMA integrity_check`, hold no half entry (an entry without
//! its file, a file row without its stored file) and no stray file in the store.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use baosong::library::{Actor, Library};

const FILES: usize = 60;

fn cli() -> Command {
    Command::new(env!("CARGO_BIN_EXE_baosong-cli"))
}

/// A folder of distinct 1–3 MB files, as a season's USB stick.
fn stick(dir: &Path) -> PathBuf {
    let root = dir.join("stick");
    std::fs::create_dir_all(&root).expect("mkdir");
    for i in 0..FILES {
        let len = (1 + i % 3) << 20;
        let bytes: Vec<u8> = (0..len)
            .map(|j| (j * 31 + i * 7) as u8 ^ (j >> 12) as u8)
            .collect();
        std::fs::write(root.join(format!("作品{i:02}.mp3")), bytes).expect("write");
    }
    root
}

/// xorshift: random enough moments, and the same ones on every run of the test.
struct Moments(u64);

impl Moments {
    fn next_ms(&mut self, max: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % max
    }
}

fn store_files(root: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for shard in std::fs::read_dir(root.join("files"))
        .into_iter()
        .flatten()
        .flatten()
    {
        let name = shard.file_name().to_string_lossy().into_owned();
        if name.len() == 2 && shard.path().is_dir() {
            for f in std::fs::read_dir(shard.path())
                .into_iter()
                .flatten()
                .flatten()
            {
                out.push(format!("files/{name}/{}", f.file_name().to_string_lossy()));
            }
        }
    }
    out
}

/// Opens the library as the next start would, and checks every promise.
fn assert_whole(library: &Path, round: usize) -> usize {
    drop(Library::open(library, Actor::App).unwrap_or_else(|e| panic!("round {round}: {e}")));
    let conn = rusqlite::Connection::open(library.join("catalog.sqlite")).expect("sqlite");
    let integrity: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .expect("integrity_check");
    assert_eq!(integrity, "ok", "round {round}");
    let orphans: i64 = conn
        .query_row(
            "SELECT count(*) FROM entries e WHERE NOT EXISTS
                 (SELECT 1 FROM files f WHERE f.entry_id = e.id)",
            [],
            |r| r.get(0),
        )
        .expect("count");
    assert_eq!(orphans, 0, "round {round}: an entry without its file");
    let rows: Vec<(String, i64)> = conn
        .prepare("SELECT stored_path, size FROM files")
        .expect("prepare")
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows");
    for (path, size) in &rows {
        let meta = std::fs::metadata(library.join(path))
            .unwrap_or_else(|e| panic!("round {round}: {path} is missing: {e}"));
        assert_eq!(meta.len() as i64, *size, "round {round}: {path} is short");
    }
    let named: HashSet<&str> = rows.iter().map(|(p, _)| p.as_str()).collect();
    let stray: Vec<String> = store_files(library)
        .into_iter()
        .filter(|f| !named.contains(f.as_str()))
        .collect();
    assert!(stray.is_empty(), "round {round}: stray files {stray:?}");
    let incoming = std::fs::read_dir(library.join("files/.incoming"))
        .map(|d| d.count())
        .unwrap_or(0);
    assert_eq!(incoming, 0, "round {round}: temporaries left");
    rows.len()
}

fn init(library: &Path) {
    let status = cli()
        .arg("--library")
        .arg(library)
        .args([
            "init",
            "--office",
            "金平区总工会",
            "--unit-type",
            "district",
        ])
        .status()
        .expect("init");
    assert!(status.success());
}

fn import(library: &Path, stick: &Path) -> Command {
    let mut c = cli();
    c.arg("--library")
        .arg(library)
        .args(["--json", "import"])
        .arg(stick)
        .args(["--category", "recitation"]);
    c
}

#[test]
fn sigkill_at_random_moments_of_an_import_never_leaves_half_an_entry() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let stick = stick(tmp.path());

    // One whole import, timed, so the kills land anywhere inside one.
    let whole = tmp.path().join("whole");
    init(&whole);
    let started = std::time::Instant::now();
    let out = import(&whole, &stick).output().expect("import");
    let full_ms = started.elapsed().as_millis() as u64;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(assert_whole(&whole, 0), FILES);

    let mut moments = Moments(0x5eed_ba05);
    let mut cut_midway = 0;
    let mut last = PathBuf::new();
    for round in 1..=20 {
        let library = tmp.path().join(format!("round{round}"));
        init(&library);
        let mut child = import(&library, &stick)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn");
        std::thread::sleep(Duration::from_millis(1 + moments.next_ms(full_ms.max(2))));
        // SIGKILL: no destructor, no flush, no chance to tidy up.
        let _ = child.kill();
        let _ = child.wait();
        let n = assert_whole(&library, round);
        if n < FILES {
            cut_midway += 1;
        }
        last = library;
    }
    assert!(
        cut_midway >= 10,
        "only {cut_midway} of 20 kills landed inside the import ({full_ms} ms): make it larger"
    );

    // Finishing an interrupted import afterwards takes in exactly what is still missing.
    let before = assert_whole(&last, 98);
    let out = import(&last, &stick).output().expect("final import");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(report["added"].as_u64(), Some((FILES - before) as u64));
    assert_eq!(report["duplicates"].as_u64(), Some(before as u64));
    assert_eq!(assert_whole(&last, 99), FILES);
}

/// Every `catalog-*.sqlite` in `backups/` passes `integrity_check`; returns how many there are.
fn backups_whole(library: &Path, round: usize) -> usize {
    let mut n = 0;
    for e in std::fs::read_dir(library.join("backups"))
        .expect("backups")
        .flatten()
    {
        let name = e.file_name().to_string_lossy().into_owned();
        if !(name.starts_with("catalog-") && name.ends_with(".sqlite")) {
            assert!(
                name.starts_with(".catalog-") && name.contains(".partial"),
                "round {round}: {name} in backups/"
            );
            continue;
        }
        let c = rusqlite::Connection::open_with_flags(
            e.path(),
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
        )
        .expect("open backup");
        let check: String = c
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .expect("check");
        assert_eq!(check, "ok", "round {round}: {name} is damaged");
        n += 1;
    }
    n
}

fn entry_count(library: &Path) -> i64 {
    let c = rusqlite::Connection::open(library.join("catalog.sqlite")).expect("sqlite");
    c.query_row("SELECT count(*) FROM entries", [], |r| r.get(0))
        .expect("count")
}

#[test]
fn sigkill_at_random_moments_of_backups_and_restores_never_damages_the_catalog_or_loses_a_file() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let stick = stick(tmp.path());
    let library = tmp.path().join("library");
    init(&library);
    let out = import(&library, &stick).output().expect("import");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // A catalog of a season's size, so a backup or a restore takes long enough to be cut.
    {
        let c = rusqlite::Connection::open(library.join("catalog.sqlite")).expect("sqlite");
        c.execute_batch(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 80000)
             INSERT INTO audit_log (at, actor, action, entry_id, detail)
             SELECT '2023-06-01T00:00:00.000Z', 'cli', 'test.padding', NULL,
                    printf('%0300d', i) FROM n",
        )
        .expect("pad");
    }
    let cli_json = |args: &[&str]| -> serde_json::Value {
        let out = cli()
            .arg("--library")
            .arg(&library)
            .arg("--json")
            .args(args)
            .output()
            .expect("run");
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).expect("json")
    };
    // The backup restores go back to: the works as imported, minus the last five.
    let backup = cli_json(&["backup", "create"]);
    let id = backup["id"].as_str().expect("id").to_owned();
    let all = entry_count(&library);
    {
        let c = rusqlite::Connection::open(library.join("catalog.sqlite")).expect("sqlite");
        c.execute_batch(
            "PRAGMA foreign_keys = ON;
             DELETE FROM entries WHERE id IN (SELECT id FROM entries ORDER BY id DESC LIMIT 5)",
        )
        .expect("delete five");
    }
    let fewer = entry_count(&library);
    let stored_before = store_files(&library).len();

    let timed = |args: &[&str]| {
        let started = std::time::Instant::now();
        cli_json(args);
        started.elapsed().as_millis() as u64
    };
    let backup_ms = timed(&["backup", "create"]);
    let restore_ms = timed(&["backup", "restore", &id, "--yes"]);
    assert_eq!(entry_count(&library), all);

    let mut moments = Moments(0xbac0_0b5e);
    for round in 1..=80 {
        let restoring = round % 2 == 0;
        let mut c = cli();
        c.arg("--library").arg(&library);
        if restoring {
            c.args(["backup", "restore", &id, "--yes"]);
        } else {
            c.args(["backup", "create"]);
        }
        let mut child = c
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn");
        let span = if restoring { restore_ms } else { backup_ms };
        std::thread::sleep(Duration::from_millis(1 + moments.next_ms(span.max(2) + 20)));
        let _ = child.kill();
        let _ = child.wait();

        drop(Library::open(&library, Actor::App).unwrap_or_else(|e| panic!("round {round}: {e}")));
        let conn = rusqlite::Connection::open(library.join("catalog.sqlite")).expect("sqlite");
        let integrity: String = conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .expect("integrity_check");
        assert_eq!(integrity, "ok", "round {round}");
        let n = entry_count(&library);
        assert!(
            n == all || n == fewer,
            "round {round}: {n} entries, neither before nor after"
        );
        assert_eq!(
            store_files(&library).len(),
            stored_before,
            "round {round}: a file was lost"
        );
        backups_whole(&library, round);
    }
}
