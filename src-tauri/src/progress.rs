//! Ground: how long work reports how far it has got, and how it is asked to stop. Every job
//! (import, export, sending, printing) takes a [`CancelToken`] and reports [`Progress`]; the
//! faces (window, CLI) only show it.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// Asks a running job to stop at its next safe point.
#[derive(Debug, Clone, Default)]
pub struct CancelToken(Arc<AtomicBool>);

impl CancelToken {
    pub fn new() -> Self {
        CancelToken::default()
    }

    pub fn cancel(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }

    /// The flag itself, for the code that polls an `AtomicBool`.
    pub fn flag(&self) -> &AtomicBool {
        &self.0
    }
}

/// How far a job has got — an import, an export, a send, a print — the one shape the window's
/// progress bars and the CLI's progress lines read.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, ts_rs::TS)]
pub struct Progress {
    /// What is being done: 复制作品, 校验, 连接发件服务器, 发送 …
    pub phase: String,
    #[ts(type = "number")]
    pub done_bytes: u64,
    #[ts(type = "number")]
    pub total_bytes: u64,
    /// Files (or, when sending, messages) finished before the current one.
    pub done_files: u32,
    pub total_files: u32,
    /// The file or message being worked on, as the clerk knows it.
    pub current: String,
    /// Bytes a second so far, once known.
    pub bytes_per_second: Option<f64>,
    /// The time left at that speed, once known.
    pub seconds_left: Option<f64>,
    /// The outbox message being sent, when sending.
    #[ts(type = "number | null")]
    pub message: Option<i64>,
}

/// How often a face passes progress on: ten reports a second are enough for a bar.
pub const REPORT_EVERY: Duration = Duration::from_millis(100);

/// Passes progress on to `send` at most once every `every` — a 300 MB copy reports every
/// 64 KiB — but always the first report, a new phase, a new file or message, and a finished
/// one, so that no bar stops short of its end.
pub fn throttled<'a>(
    every: Duration,
    mut send: impl FnMut(&Progress) + 'a,
) -> impl FnMut(&Progress) + 'a {
    let mut last: Option<(Instant, String, u32)> = None;
    move |p: &Progress| {
        let due = match &last {
            None => true,
            Some((at, phase, files)) => {
                at.elapsed() >= every
                    || *phase != p.phase
                    || *files != p.done_files
                    || p.done_bytes == p.total_bytes
            }
        };
        if due {
            last = Some((Instant::now(), p.phase.clone(), p.done_files));
            send(p);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(phase: &str, done_files: u32, done_bytes: u64) -> Progress {
        Progress {
            phase: phase.to_owned(),
            done_files,
            total_files: 2,
            done_bytes,
            total_bytes: 100,
            ..Progress::default()
        }
    }

    #[test]
    fn a_burst_is_thinned_but_its_turns_and_its_end_pass() {
        let mut seen = Vec::new();
        {
            let mut send = throttled(Duration::from_secs(3600), |p: &Progress| {
                seen.push((p.phase.clone(), p.done_files, p.done_bytes));
            });
            for b in 0..50 {
                send(&at("复制", 0, b));
            }
            send(&at("复制", 1, 60));
            send(&at("复制", 1, 61));
            send(&at("校验", 1, 62));
            send(&at("校验", 1, 100));
        }
        assert_eq!(
            seen,
            [
                ("复制".to_owned(), 0, 0),
                ("复制".to_owned(), 1, 60),
                ("校验".to_owned(), 1, 62),
                ("校验".to_owned(), 1, 100),
            ]
        );
    }

    #[test]
    fn with_no_interval_everything_passes() {
        let mut n = 0;
        {
            let mut send = throttled(Duration::ZERO, |_: &Progress| n += 1);
            for b in 0..10 {
                send(&at("复制", 0, b));
            }
        }
        assert_eq!(n, 10);
    }
}
