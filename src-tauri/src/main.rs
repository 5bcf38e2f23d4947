//! The desktop entry: the Baosong window over the core.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod app;

fn main() {
    // First of all, so the first-screen time counts the whole launch.
    let started = std::time::Instant::now();
    app::run(started);
}
