//! How long the clerk waits for the first screen: the time from the process's start to the
//! window's first drawn screen, as the window reports it (`ui_ready`). `scripts/bench-startup.sh`
//! reads it from the file named by `BAOSONG_READY_FILE`.

use std::path::Path;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use tauri::State;

/// When the process started, and when the window first reported its screen drawn.
pub struct Launch {
    started: Instant,
    drawn: OnceLock<Duration>,
}

impl Launch {
    pub fn new(started: Instant) -> Self {
        Launch {
            started,
            drawn: OnceLock::new(),
        }
    }
}

/// The window has drawn its first screen (it calls this once, a frame after painting it).
/// Only the first call counts: a reloaded page does not make the launch slower.
#[tauri::command]
pub fn ui_ready(launch: State<'_, Launch>) {
    let elapsed = launch.started.elapsed();
    if launch.drawn.set(elapsed).is_err() {
        return;
    }
    let ms = elapsed.as_millis();
    tracing::info!(ms = ms as u64, "first screen drawn");
    if let Some(path) = std::env::var_os("BAOSONG_READY_FILE").filter(|p| !p.is_empty()) {
        // Whole or not at all: the benchmark polls for the file and reads it at once.
        if let Err(e) = baosong::fsx::write_atomic(Path::new(&path), format!("{ms}\n").as_bytes()) {
            tracing::warn!("could not write BAOSONG_READY_FILE: {e}");
        }
    }
}
