//! Ground: how long work reports how far it has got, and how it is asked to stop. Every job
//! (import, export, sending, printing) takes a [`CancelToken`] and reports [`Progress`]; the
//! faces (window, CLI) only show it.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

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

/// How far a job has got; the window shows bytes, files and the current item.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
pub struct Progress {
    /// What is being done: 复制作品, 校验, 写入汇总表 …
    pub phase: String,
    #[ts(type = "number")]
    pub done_bytes: u64,
    #[ts(type = "number")]
    pub total_bytes: u64,
    pub done_files: u32,
    pub total_files: u32,
    /// The file being worked on, as the clerk knows it.
    pub current: String,
}
