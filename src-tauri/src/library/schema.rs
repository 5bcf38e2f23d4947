//! Versioned migrations of the catalog. `PRAGMA user_version` holds the version; each step runs
//! in one transaction with the version bump, so a catalog is always at exactly one version.

use rusqlite::Connection;

use super::LibraryError;

/// Each entry migrates from version `i` to `i + 1`. Append only: never edit a shipped step.
const MIGRATIONS: &[&str] = &[
    // 0 → 1: the foundation.
    r#"
    CREATE TABLE office (
        id            INTEGER PRIMARY KEY CHECK (id = 1),
        name          TEXT NOT NULL,
        unit_type     TEXT NOT NULL,
        campaign_id   TEXT NOT NULL,
        contact_name  TEXT NOT NULL DEFAULT '',
        contact_title TEXT NOT NULL DEFAULT '',
        contact_phone TEXT NOT NULL DEFAULT '',
        created_at    TEXT NOT NULL,
        updated_at    TEXT NOT NULL
    );

    CREATE TABLE entries (
        id            INTEGER PRIMARY KEY,
        campaign_id   TEXT NOT NULL,
        category      TEXT NOT NULL,
        title         TEXT NOT NULL,
        authors       TEXT NOT NULL DEFAULT '[]',   -- JSON array of names
        unit          TEXT NOT NULL DEFAULT '',     -- recommending unit (推荐单位)
        phone         TEXT NOT NULL DEFAULT '',
        description   TEXT NOT NULL DEFAULT '',
        tags          TEXT NOT NULL DEFAULT '[]',   -- JSON array of theme tags
        declarations  TEXT NOT NULL DEFAULT '[]',   -- JSON array of declaration ids confirmed
        notes         TEXT NOT NULL DEFAULT '',
        created_at    TEXT NOT NULL,
        updated_at    TEXT NOT NULL,
        deleted_at    TEXT                          -- set by delete, cleared by undo
    );
    CREATE INDEX entries_category ON entries (campaign_id, category) WHERE deleted_at IS NULL;

    CREATE TABLE files (
        id            INTEGER PRIMARY KEY,
        entry_id      INTEGER NOT NULL REFERENCES entries (id) ON DELETE CASCADE,
        original_name TEXT NOT NULL,
        original_path TEXT NOT NULL,
        stored_path   TEXT NOT NULL,                -- relative to the library folder, '/'-separated
        size          INTEGER NOT NULL,
        sha256        TEXT NOT NULL,
        added_at      TEXT NOT NULL
    );
    CREATE INDEX files_entry ON files (entry_id);
    CREATE INDEX files_sha256 ON files (sha256);

    CREATE TABLE audit_log (
        id        INTEGER PRIMARY KEY,
        at        TEXT NOT NULL,
        actor     TEXT NOT NULL,
        action    TEXT NOT NULL,
        entry_id  INTEGER,
        detail    TEXT NOT NULL
    );
    CREATE INDEX audit_entry ON audit_log (entry_id);
    "#,
    // 1 → 2: facts read from each stored file, by content. Verdicts are not stored: they are
    // recomputed from these facts and the campaign's current rules whenever shown.
    r#"
    CREATE TABLE media_facts (
        sha256         TEXT PRIMARY KEY,
        probe_version  INTEGER NOT NULL,
        facts          TEXT NOT NULL,               -- JSON of media::MediaFacts
        probed_at      TEXT NOT NULL
    );
    "#,
    // 2 → 3: review (审核) state and the 推荐报送 mark with its order within the category.
    r#"
    ALTER TABLE entries ADD COLUMN status TEXT NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'approved', 'needs-fix', 'excluded'));
    ALTER TABLE entries ADD COLUMN recommended INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE entries ADD COLUMN recommend_order INTEGER;
    ALTER TABLE entries ADD COLUMN override_reason TEXT NOT NULL DEFAULT '';
    "#,
    // 3 → 4: the office's unit type in each campaign it has worked on (a district union in the
    // municipal campaign is not a unit type of the provincial one), and the 已报送 marks of
    // the deadlines the office meets itself (contact person, works).
    r#"
    CREATE TABLE office_campaigns (
        campaign_id  TEXT PRIMARY KEY,
        unit_type    TEXT NOT NULL,
        updated_at   TEXT NOT NULL
    );
    INSERT INTO office_campaigns (campaign_id, unit_type, updated_at)
        SELECT campaign_id, unit_type, updated_at FROM office;

    CREATE TABLE deadline_marks (
        campaign_id  TEXT NOT NULL,
        deadline_id  TEXT NOT NULL,
        done_on      TEXT NOT NULL,                 -- YYYY-MM-DD, the day it was sent
        marked_at    TEXT NOT NULL,
        PRIMARY KEY (campaign_id, deadline_id)
    );
    "#,
    // 4 → 5: the same content received again under another name or from another unit, linked
    // to the file already held instead of becoming a second entry.
    r#"
    CREATE TABLE file_sources (
        id             INTEGER PRIMARY KEY,
        file_id        INTEGER NOT NULL REFERENCES files (id) ON DELETE CASCADE,
        original_name  TEXT NOT NULL,
        original_path  TEXT NOT NULL,
        added_at       TEXT NOT NULL
    );
    CREATE INDEX file_sources_file ON file_sources (file_id);
    "#,
    // 5 → 6: batches (报送批次). A batch is a snapshot: what was sent is frozen here — the
    // office, contact and quotas in `header`, each work's catalog data, verdict and override
    // reason in `batch_entries.data`, each file's hash, size and name in the package in
    // `batch_files` — so later edits of an entry never change a batch already made.
    r#"
    CREATE TABLE batches (
        id           INTEGER PRIMARY KEY,
        campaign_id  TEXT NOT NULL,
        number       INTEGER NOT NULL,              -- 第k批 within the campaign
        supplement   INTEGER NOT NULL DEFAULT 0,    -- 补报
        created_at   TEXT NOT NULL,
        header       TEXT NOT NULL,                 -- JSON of batch::BatchHeader
        exported_at  TEXT,                          -- last export to a folder
        sent_at      TEXT,                          -- when its last message was accepted
        UNIQUE (campaign_id, number)
    );
    CREATE TABLE batch_entries (
        batch_id   INTEGER NOT NULL REFERENCES batches (id) ON DELETE CASCADE,
        entry_id   INTEGER NOT NULL REFERENCES entries (id),
        category   TEXT NOT NULL,
        seq        INTEGER NOT NULL,                -- 序号 within the category, 1-based
        data       TEXT NOT NULL,                   -- JSON of batch::BatchEntry without files
        PRIMARY KEY (batch_id, entry_id),
        UNIQUE (batch_id, category, seq)
    );
    CREATE INDEX batch_entries_entry ON batch_entries (entry_id);
    CREATE TABLE batch_files (
        batch_id      INTEGER NOT NULL REFERENCES batches (id) ON DELETE CASCADE,
        entry_id      INTEGER NOT NULL,
        position      INTEGER NOT NULL,
        package_path  TEXT NOT NULL,                -- '/'-separated, inside the package
        stored_path   TEXT NOT NULL,                -- relative to the library folder
        size          INTEGER NOT NULL,
        sha256        TEXT NOT NULL,
        data          TEXT NOT NULL,                -- JSON of batch::BatchFile's facts and check
        PRIMARY KEY (batch_id, entry_id, position),
        UNIQUE (batch_id, package_path)
    );
    CREATE TABLE batch_exports (
        id           INTEGER PRIMARY KEY,
        batch_id     INTEGER NOT NULL REFERENCES batches (id) ON DELETE CASCADE,
        at           TEXT NOT NULL,
        folder       TEXT NOT NULL,
        files        INTEGER NOT NULL,
        bytes        INTEGER NOT NULL
    );
    "#,
    // 6 → 7: sending by mail. The account (never its secret) and the outbox: one row per
    // planned message, whose state moves queued → sending → sent | failed | uncertain; the
    // server's final reply is recorded in the transaction that marks it sent.
    r#"
    CREATE TABLE mail_account (
        id          INTEGER PRIMARY KEY CHECK (id = 1),
        data        TEXT NOT NULL,                  -- JSON of mail::Account
        auth_failed TEXT,                           -- the 535 that stops further logins
        updated_at  TEXT NOT NULL
    );
    CREATE TABLE outbox (
        id            INTEGER PRIMARY KEY,
        batch_id      INTEGER NOT NULL REFERENCES batches (id) ON DELETE CASCADE,
        position      INTEGER NOT NULL,             -- 第k封
        count         INTEGER NOT NULL,             -- 共N封
        sender        TEXT NOT NULL,
        recipient     TEXT NOT NULL,
        subject       TEXT NOT NULL,
        message_id    TEXT NOT NULL UNIQUE,
        folder        TEXT NOT NULL,                -- its attachments, relative to the library
        attachments   TEXT NOT NULL,                -- JSON [{name, size, paths}]
        bytes         INTEGER NOT NULL,             -- the planned encoded size
        state         TEXT NOT NULL DEFAULT 'queued'
            CHECK (state IN ('queued', 'sending', 'sent', 'failed', 'uncertain')),
        attempts      INTEGER NOT NULL DEFAULT 0,
        next_try_at   TEXT,
        error_code    TEXT,
        error         TEXT,
        permanent     INTEGER NOT NULL DEFAULT 0,   -- a failure that retrying cannot mend
        server_reply  TEXT,
        queued_at     TEXT NOT NULL,
        sent_at       TEXT,
        resolved      TEXT,                         -- how an uncertain message was settled
        updated_at    TEXT NOT NULL,
        UNIQUE (batch_id, position)
    );
    "#,
    // 7 → 8: where the outbox may send from. A library copied to another computer, user or
    // folder must not mail its queued messages by itself with that computer's 授权码: the
    // place where messages were queued (or sending was last resumed) is kept here, and a
    // different place holds the outbox until the clerk resumes it. `paused` is the clerk's own
    // pause of the background sender.
    r#"
    CREATE TABLE outbox_home (
        id          INTEGER PRIMARY KEY CHECK (id = 1),
        place       TEXT NOT NULL,                  -- SHA-256 of computer, user and folder
        described   TEXT NOT NULL,                  -- the same, in words, for the 发件箱
        paused      INTEGER NOT NULL DEFAULT 0,
        updated_at  TEXT NOT NULL
    );
    "#,
    // 8 → 9: outbox ids are never given again. Without AUTOINCREMENT SQLite hands out
    // max(id) + 1, so after a batch is withdrawn and planned again a new message got a
    // withdrawn one's id, and a stale 已手工发送 or 已送达 for that id marked another message.
    // The table is rebuilt with AUTOINCREMENT (its rows and ids kept; the sequence starts
    // above the largest id). `plan_bytes` keeps the per-message limit the batch was planned
    // under, so its attachments can be written again from the batch exactly as planned.
    r#"
    CREATE TABLE outbox_v9 (
        id            INTEGER PRIMARY KEY AUTOINCREMENT,
        batch_id      INTEGER NOT NULL REFERENCES batches (id) ON DELETE CASCADE,
        position      INTEGER NOT NULL,             -- 第k封
        count         INTEGER NOT NULL,             -- 共N封
        sender        TEXT NOT NULL,
        recipient     TEXT NOT NULL,
        subject       TEXT NOT NULL,
        message_id    TEXT NOT NULL UNIQUE,
        folder        TEXT NOT NULL,                -- its attachments, relative to the library
        attachments   TEXT NOT NULL,                -- JSON [{name, size, paths, sha256?}]
        bytes         INTEGER NOT NULL,             -- the planned encoded size
        state         TEXT NOT NULL DEFAULT 'queued'
            CHECK (state IN ('queued', 'sending', 'sent', 'failed', 'uncertain')),
        attempts      INTEGER NOT NULL DEFAULT 0,
        next_try_at   TEXT,
        error_code    TEXT,
        error         TEXT,
        permanent     INTEGER NOT NULL DEFAULT 0,   -- a failure that retrying cannot mend
        server_reply  TEXT,
        queued_at     TEXT NOT NULL,
        sent_at       TEXT,
        resolved      TEXT,                         -- how an uncertain message was settled
        updated_at    TEXT NOT NULL,
        plan_bytes    INTEGER,                      -- the limit it was planned under (NULL: older)
        UNIQUE (batch_id, position)
    );
    INSERT INTO outbox_v9 (id, batch_id, position, count, sender, recipient, subject, message_id,
        folder, attachments, bytes, state, attempts, next_try_at, error_code, error, permanent,
        server_reply, queued_at, sent_at, resolved, updated_at)
    SELECT id, batch_id, position, count, sender, recipient, subject, message_id,
        folder, attachments, bytes, state, attempts, next_try_at, error_code, error, permanent,
        server_reply, queued_at, sent_at, resolved, updated_at
    FROM outbox;
    DROP TABLE outbox;
    ALTER TABLE outbox_v9 RENAME TO outbox;
    "#,
    // 9 → 10: the municipal office's receiving library (市级收件). `office.role` says which
    // side a library is on. A received batch is known by its manifest (office, campaign,
    // number, 补报); a resend with changes is a new version beside the old one. Its works and
    // files are rows of their own, each file with the district's stated SHA-256 and what the
    // city received and judged. Problems (missing, extra, different files; a manifest that
    // disagrees with SHA256SUMS.txt) are rows too, so a later delivery can settle them.
    r#"
    ALTER TABLE office ADD COLUMN role TEXT NOT NULL DEFAULT 'district'
        CHECK (role IN ('district', 'city'));

    CREATE TABLE received_batches (
        id            INTEGER PRIMARY KEY AUTOINCREMENT,
        campaign_id   TEXT NOT NULL,
        office        TEXT NOT NULL,                -- the sending unit, as its manifest names it
        unit_type     TEXT NOT NULL,
        number        INTEGER NOT NULL,             -- 第k批
        supplement    INTEGER NOT NULL,             -- 补报
        version       INTEGER NOT NULL,             -- 1, then 2 … when resent with changes
        manifest_sha256 TEXT NOT NULL,              -- of the manifest as received
        manifest      TEXT NOT NULL,                -- the manifest JSON as received
        contact_name  TEXT NOT NULL,
        contact_phone TEXT NOT NULL,
        created_at    TEXT NOT NULL,                -- when the district made it
        received_at   TEXT NOT NULL,
        sources       TEXT NOT NULL,                -- JSON [{kind, origin, at}]
        UNIQUE (campaign_id, office, number, supplement, manifest_sha256)
    );

    CREATE TABLE received_works (
        id            INTEGER PRIMARY KEY AUTOINCREMENT,
        batch_id      INTEGER NOT NULL REFERENCES received_batches (id) ON DELETE CASCADE,
        category      TEXT NOT NULL,
        seq           INTEGER NOT NULL,
        title         TEXT NOT NULL,
        authors       TEXT NOT NULL,                -- JSON array
        unit          TEXT NOT NULL,
        phone         TEXT NOT NULL,
        verdict       TEXT NOT NULL,                -- the district's
        special_reason TEXT,                        -- the district's 已特批 reason
        UNIQUE (batch_id, category, seq)
    );

    CREATE TABLE received_files (
        id            INTEGER PRIMARY KEY AUTOINCREMENT,
        work_id       INTEGER NOT NULL REFERENCES received_works (id) ON DELETE CASCADE,
        path          TEXT NOT NULL,                -- in the package
        size          INTEGER NOT NULL,             -- the district's stated size
        sha256        TEXT NOT NULL,                -- the district's stated SHA-256
        district_verdict TEXT NOT NULL,
        stored_path   TEXT,                         -- in files/, once the bytes arrived
        received_sha256 TEXT,                       -- what arrived (NULL: not yet)
        verdict       TEXT,                         -- the city's, by its own rules
        findings      TEXT,                         -- JSON, the city's findings
        checked_at    TEXT,
        UNIQUE (work_id, path)
    );

    CREATE TABLE received_problems (
        id            INTEGER PRIMARY KEY AUTOINCREMENT,
        batch_id      INTEGER NOT NULL REFERENCES received_batches (id) ON DELETE CASCADE,
        path          TEXT NOT NULL,
        kind          TEXT NOT NULL CHECK (kind IN ('missing', 'extra', 'different', 'unreadable', 'sums')),
        message       TEXT NOT NULL,
        found_at      TEXT NOT NULL,
        UNIQUE (batch_id, path, kind)
    );
    "#,
    // 10 → 11: where `receive --imap` stopped in each folder: the folder's UIDVALIDITY and the
    // highest UID read whole (a new UIDVALIDITY starts the folder over).
    r#"
    CREATE TABLE imap_state (
        folder        TEXT PRIMARY KEY,             -- the raw (wire) name
        uid_validity  INTEGER NOT NULL,
        last_uid      INTEGER NOT NULL,
        updated_at    TEXT NOT NULL
    );
    "#,
    // 11 → 12: a received file the district sent another way (另行传送, a 超大附件 link) is
    // 待补 — awaited, not missing: `awaited` holds how it travels (JSON {via, link}) until the
    // bytes are given by hand and verified.
    r#"
    ALTER TABLE received_files ADD COLUMN awaited TEXT;
    "#,
    // 12 → 13: the city answers the districts (回执, 补正通知) through the same outbox, so the
    // same exactly-once gate and retry rules hold. An outbox row now belongs either to one of
    // this library's own batches (`batch_id`, a district's) or to a received batch it answers
    // (`received_batch_id` with `reply_kind`), never both; each received batch (each version)
    // gets at most one reply of each kind. The table is rebuilt as in step 9 — rows and ids
    // kept — and its AUTOINCREMENT sequence carried over, so an id withdrawn before the
    // migration is still never given again. `received_batches.sender` keeps the From address
    // of the mail that brought a batch (NULL: from a folder or a stick).
    r#"
    ALTER TABLE received_batches ADD COLUMN sender TEXT;

    CREATE TABLE outbox_v12 (
        id            INTEGER PRIMARY KEY AUTOINCREMENT,
        batch_id      INTEGER REFERENCES batches (id) ON DELETE CASCADE,
        received_batch_id INTEGER REFERENCES received_batches (id) ON DELETE CASCADE,
        reply_kind    TEXT CHECK (reply_kind IN ('receipt', 'correction')),
        position      INTEGER NOT NULL,             -- 第k封
        count         INTEGER NOT NULL,             -- 共N封
        sender        TEXT NOT NULL,
        recipient     TEXT NOT NULL,
        subject       TEXT NOT NULL,
        message_id    TEXT NOT NULL UNIQUE,
        folder        TEXT NOT NULL,                -- its attachments, relative to the library
        attachments   TEXT NOT NULL,                -- JSON [{name, size, paths, sha256?}]
        bytes         INTEGER NOT NULL,             -- the planned encoded size
        state         TEXT NOT NULL DEFAULT 'queued'
            CHECK (state IN ('queued', 'sending', 'sent', 'failed', 'uncertain')),
        attempts      INTEGER NOT NULL DEFAULT 0,
        next_try_at   TEXT,
        error_code    TEXT,
        error         TEXT,
        permanent     INTEGER NOT NULL DEFAULT 0,   -- a failure that retrying cannot mend
        server_reply  TEXT,
        queued_at     TEXT NOT NULL,
        sent_at       TEXT,
        resolved      TEXT,                         -- how an uncertain message was settled
        updated_at    TEXT NOT NULL,
        plan_bytes    INTEGER,                      -- the limit it was planned under (NULL: older)
        UNIQUE (batch_id, position),
        UNIQUE (received_batch_id, reply_kind),
        CHECK ((batch_id IS NULL) <> (received_batch_id IS NULL)),
        CHECK ((received_batch_id IS NULL) = (reply_kind IS NULL))
    );
    INSERT INTO outbox_v12 (id, batch_id, position, count, sender, recipient, subject, message_id,
        folder, attachments, bytes, state, attempts, next_try_at, error_code, error, permanent,
        server_reply, queued_at, sent_at, resolved, updated_at, plan_bytes)
    SELECT id, batch_id, position, count, sender, recipient, subject, message_id,
        folder, attachments, bytes, state, attempts, next_try_at, error_code, error, permanent,
        server_reply, queued_at, sent_at, resolved, updated_at, plan_bytes
    FROM outbox;
    DELETE FROM sqlite_sequence WHERE name = 'outbox_v12';
    INSERT INTO sqlite_sequence (name, seq)
        SELECT 'outbox_v12', max(seq) FROM sqlite_sequence WHERE name = 'outbox' HAVING count(*) > 0;
    DROP TABLE outbox;
    ALTER TABLE outbox_v12 RENAME TO outbox;
    "#,
];

/// The version this build writes and reads.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

pub fn migrate(conn: &mut Connection) -> Result<(), LibraryError> {
    loop {
        // Read and step inside one IMMEDIATE transaction so two programs opening an old
        // library at once cannot both run the same step.
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let version: i64 = tx.pragma_query_value(None, "user_version", |r| r.get(0))?;
        if version > SCHEMA_VERSION {
            return Err(LibraryError::TooNew {
                found: version,
                supported: SCHEMA_VERSION,
            });
        }
        let Some(step) = usize::try_from(version)
            .ok()
            .and_then(|v| MIGRATIONS.get(v))
        else {
            return Ok(());
        };
        tx.execute_batch(step)?;
        tx.pragma_update(None, "user_version", version + 1)?;
        tx.commit()?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outbox_rows_keep_their_ids_and_no_id_is_given_twice_after_step_9() {
        let mut conn = Connection::open_in_memory().expect("db");
        for (v, step) in MIGRATIONS[..8].iter().enumerate() {
            conn.execute_batch(step).expect("step");
            conn.pragma_update(None, "user_version", v as i64 + 1)
                .expect("version");
        }
        conn.execute_batch(
            "INSERT INTO batches (id, campaign_id, number, created_at, header)
                VALUES (1, 'c', 1, 't', '{}');
             INSERT INTO outbox (id, batch_id, position, count, sender, recipient, subject,
                message_id, folder, attachments, bytes, queued_at, updated_at)
             VALUES (1, 1, 1, 2, 'a', 'b', 's', 'm1', 'outbox/x', '[]', 1, 't', 't'),
                    (5, 1, 2, 2, 'a', 'b', 's', 'm5', 'outbox/x', '[]', 1, 't', 't');",
        )
        .expect("rows");
        migrate(&mut conn).expect("migrate");
        let ids = |conn: &Connection| -> Vec<i64> {
            let mut stmt = conn
                .prepare("SELECT id FROM outbox ORDER BY id")
                .expect("q");
            stmt.query_map([], |r| r.get(0))
                .expect("q")
                .collect::<Result<_, _>>()
                .expect("ids")
        };
        assert_eq!(ids(&conn), vec![1, 5]);
        // Withdrawn (the largest id), then planned again: a new id, never 5.
        conn.execute("DELETE FROM outbox WHERE id = 5", [])
            .expect("delete");
        conn.execute(
            "INSERT INTO outbox (batch_id, position, count, sender, recipient, subject,
                message_id, folder, attachments, bytes, queued_at, updated_at)
             VALUES (1, 2, 2, 'a', 'b', 's', 'm6', 'outbox/x', '[]', 1, 't', 't')",
            [],
        )
        .expect("insert");
        assert_eq!(ids(&conn), vec![1, 6]);
    }

    #[test]
    fn step_12_keeps_the_outbox_rows_and_never_gives_a_withdrawn_id_again() {
        let mut conn = Connection::open_in_memory().expect("db");
        for (v, step) in MIGRATIONS[..11].iter().enumerate() {
            conn.execute_batch(step).expect("step");
            conn.pragma_update(None, "user_version", v as i64 + 1)
                .expect("version");
        }
        conn.execute_batch(
            "INSERT INTO batches (id, campaign_id, number, created_at, header)
                VALUES (1, 'c', 1, 't', '{}');
             INSERT INTO outbox (batch_id, position, count, sender, recipient, subject,
                message_id, folder, attachments, bytes, queued_at, updated_at, plan_bytes)
             VALUES (1, 1, 3, 'a', 'b', 's', 'm1', 'outbox/x', '[]', 1, 't', 't', 7),
                    (1, 2, 3, 'a', 'b', 's', 'm2', 'outbox/x', '[]', 1, 't', 't', 7),
                    (1, 3, 3, 'a', 'b', 's', 'm3', 'outbox/x', '[]', 1, 't', 't', 7);
             DELETE FROM outbox WHERE id = 3;",
        )
        .expect("rows");
        migrate(&mut conn).expect("migrate");
        let rows: Vec<(i64, Option<i64>, Option<i64>)> = conn
            .prepare("SELECT id, batch_id, plan_bytes FROM outbox ORDER BY id")
            .expect("q")
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .expect("q")
            .collect::<Result<_, _>>()
            .expect("rows");
        assert_eq!(rows, vec![(1, Some(1), Some(7)), (2, Some(1), Some(7))]);
        conn.execute_batch(
            "INSERT INTO received_batches (id, campaign_id, office, unit_type, number,
                supplement, version, manifest_sha256, manifest, contact_name, contact_phone,
                created_at, received_at, sources)
             VALUES (9, 'c', '金平区总工会', 'district', 1, 0, 1, 'h', '{}', '', '', 't', 't', '[]');
             INSERT INTO outbox (received_batch_id, reply_kind, position, count, sender,
                recipient, subject, message_id, folder, attachments, bytes, queued_at,
                updated_at)
             VALUES (9, 'receipt', 1, 1, 'a', 'b', 's', 'r1', 'outbox/r', '[]', 1, 't', 't');",
        )
        .expect("a reply");
        let last: i64 = conn
            .query_row("SELECT max(id) FROM outbox", [], |r| r.get(0))
            .expect("id");
        assert_eq!(
            last, 4,
            "3 was withdrawn before the migration: never given again"
        );
        let insert = |sql: &str| conn.execute_batch(sql).is_ok();
        assert!(
            !insert(
                "INSERT INTO outbox (received_batch_id, reply_kind, position, count, sender,
                    recipient, subject, message_id, folder, attachments, bytes, queued_at,
                    updated_at)
                 VALUES (9, 'receipt', 1, 1, 'a', 'b', 's', 'r2', 'outbox/r', '[]', 1, 't', 't');"
            ),
            "one receipt per received batch"
        );
        assert!(
            !insert(
                "INSERT INTO outbox (batch_id, received_batch_id, reply_kind, position, count,
                    sender, recipient, subject, message_id, folder, attachments, bytes,
                    queued_at, updated_at)
                 VALUES (1, 9, 'correction', 1, 1, 'a', 'b', 's', 'r3', 'outbox/r', '[]', 1,
                    't', 't');"
            ),
            "a row belongs to one batch only"
        );
        assert!(
            !insert(
                "INSERT INTO outbox (position, count, sender, recipient, subject, message_id,
                    folder, attachments, bytes, queued_at, updated_at)
                 VALUES (1, 1, 'a', 'b', 's', 'r4', 'outbox/r', '[]', 1, 't', 't');"
            ),
            "and to some batch"
        );
        assert!(
            !insert(
                "INSERT INTO outbox (received_batch_id, position, count, sender, recipient,
                    subject, message_id, folder, attachments, bytes, queued_at, updated_at)
                 VALUES (9, 2, 1, 'a', 'b', 's', 'r5', 'outbox/r', '[]', 1, 't', 't');"
            ),
            "a reply says which"
        );
    }
}
