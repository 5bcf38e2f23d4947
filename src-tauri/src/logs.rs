//! The log file: what a support call needs — a library opened, an import, an export, a send, an
//! error with its code — one file a day per program, in local time, two weeks kept.
//!
//! The core only emits `tracing` events; a face (the window, the CLI) calls [`init`] once. What
//! is logged is ids, counts, codes, paths and the Chinese message an error showed: never a
//! 授权码 (no event carries an account's secret, and [`crate::diagnostics`] scrubs it again
//! from what it exports) and never a work's content.

use std::path::{Path, PathBuf};

use tracing_appender::rolling::{RollingFileAppender, Rotation};
use tracing_subscriber::filter::Targets;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::time::FormatTime;
use tracing_subscriber::prelude::*;

/// How many daily files of each program are kept; older ones are deleted as a new day begins.
pub const KEEP_FILES: usize = 14;

/// The suffix of every log file (`baosong.2026-12-04.log`).
pub const SUFFIX: &str = "log";

/// The log folder: `BAOSONG_LOG_DIR` when set (tests), otherwise the user's state folder
/// (`~/.local/state/baosong/logs` on Linux, `%LOCALAPPDATA%\baosong\logs` on Windows).
pub fn log_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("BAOSONG_LOG_DIR").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    dirs::state_dir()
        .or_else(dirs::data_local_dir)
        .unwrap_or_else(std::env::temp_dir)
        .join("baosong")
        .join("logs")
}

/// Timestamps in the computer's local time with its offset, to the millisecond: what the
/// clerk's clock said when it happened.
struct LocalTime;

impl FormatTime for LocalTime {
    fn format_time(&self, w: &mut Writer<'_>) -> std::fmt::Result {
        write!(
            w,
            "{}",
            chrono::Local::now().format("%Y-%m-%d %H:%M:%S%.3f %:z")
        )
    }
}

/// Starts logging `program`'s events (`baosong`, `baosong-cli`) into `dir`: INFO and above
/// from Baosong's own code, warnings and errors from libraries (`BAOSONG_LOG`, in the
/// `target=level,…` form, changes that). A panic is logged before the usual report. Logging
/// that cannot start (a read-only home, a second call) is not an error the clerk needs to see:
/// the reason is returned for the caller to print where it can.
pub fn init(dir: &Path, program: &str) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| crate::fsx::io_reason(&e))?;
    let appender = RollingFileAppender::builder()
        .rotation(Rotation::DAILY)
        .filename_prefix(program)
        .filename_suffix(SUFFIX)
        .max_log_files(KEEP_FILES)
        .build(dir)
        .map_err(|e| e.to_string())?;
    let layer = tracing_subscriber::fmt::layer()
        .with_writer(appender)
        .with_ansi(false)
        .with_timer(LocalTime)
        .with_filter(filter());
    tracing_subscriber::registry()
        .with(layer)
        .try_init()
        .map_err(|e| e.to_string())?;
    log_panics();
    Ok(())
}

fn filter() -> Targets {
    let default = Targets::new()
        .with_default(tracing::Level::WARN)
        .with_target("baosong", tracing::Level::INFO)
        .with_target("baosong_cli", tracing::Level::INFO);
    std::env::var("BAOSONG_LOG")
        .ok()
        .and_then(|s| s.parse::<Targets>().ok())
        .unwrap_or(default)
}

/// A panic goes into the log (where and why) and then to the usual report. Panics the readers
/// contain (a damaged spreadsheet inside calamine) are logged too: they explain a refusal.
fn log_panics() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        tracing::error!(target: "baosong::panic", "panic: {info}");
        previous(info);
    }));
}

/// The log files in `dir`, newest first (by the date in their names, then by name).
pub fn files(dir: &Path) -> Vec<PathBuf> {
    let Ok(read) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut found: Vec<(String, PathBuf)> = read
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter_map(|e| {
            let name = e.file_name().to_str()?.to_owned();
            let date = log_date(&name)?.to_owned();
            Some((date, e.path()))
        })
        .collect();
    found.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    found.into_iter().map(|(_, p)| p).collect()
}

/// The `YYYY-MM-DD` of a log file's name (`program.YYYY-MM-DD.log`), if it is one.
fn log_date(name: &str) -> Option<&str> {
    let stem = name.strip_suffix(SUFFIX)?.strip_suffix('.')?;
    let (_, date) = stem.rsplit_once('.')?;
    let ok = date.len() == 10
        && date.bytes().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    ok.then_some(date)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_log_file_is_known_by_the_date_in_its_name() {
        assert_eq!(log_date("baosong.2026-12-04.log"), Some("2026-12-04"));
        assert_eq!(log_date("baosong-cli.2026-01-31.log"), Some("2026-01-31"));
        assert_eq!(log_date("baosong.log"), None);
        assert_eq!(log_date("baosong.2026-12-4.log"), None);
        assert_eq!(log_date("notes.2026-12-04.txt"), None);
        assert_eq!(log_date("baosong.2026x12-04.log"), None);
    }

    #[test]
    fn files_are_listed_newest_first_and_strangers_are_left_out() {
        let dir = tempfile::tempdir().expect("tempdir");
        for name in [
            "baosong.2026-12-02.log",
            "baosong-cli.2026-12-04.log",
            "baosong.2026-12-04.log",
            "readme.txt",
        ] {
            std::fs::write(dir.path().join(name), "x").expect("write");
        }
        std::fs::create_dir(dir.path().join("old.2026-12-05.log")).expect("dir");
        let names: Vec<String> = files(dir.path())
            .iter()
            .map(|p| p.file_name().expect("name").to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            names,
            [
                "baosong-cli.2026-12-04.log",
                "baosong.2026-12-04.log",
                "baosong.2026-12-02.log"
            ]
        );
    }

    #[test]
    fn the_log_line_carries_local_time_with_its_offset() {
        let mut line = String::new();
        LocalTime
            .format_time(&mut Writer::new(&mut line))
            .expect("format");
        // 2026-12-04 23:59:01.123 +08:00
        let parsed = chrono::DateTime::parse_from_str(&line, "%Y-%m-%d %H:%M:%S%.3f %:z")
            .expect("a local timestamp with its offset");
        let now = chrono::Local::now();
        assert!((now.timestamp() - parsed.timestamp()).abs() < 5, "{line}");
        assert_eq!(
            parsed.offset().local_minus_utc(),
            now.offset().local_minus_utc()
        );
    }
}
