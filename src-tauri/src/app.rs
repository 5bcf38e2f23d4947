//! The Tauri shell: commands, state and nothing else. Every command is a thin adapter over
//! [`baosong::api::Session`], the same services the CLI uses.

mod account;
mod batches;
mod city;
mod dashboard;
mod entries;
mod events;
mod import;
mod jobs;
mod launch;
mod library;
mod media;
mod outbox;
mod print;
mod safety;
mod shared;
mod support;
mod window;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use baosong::api::Session;
use baosong::jobs::Jobs;
use baosong::library::{Actor, recent};

/// The window's state: the open library, shared by the commands.
pub type SharedSession = Arc<Mutex<Session>>;

/// The long jobs running now (imports, exports), each with its own cancel token.
pub type SharedJobs = Arc<Jobs>;

/// Runs the window; `started` is taken first thing in `main`, so the first-screen time covers
/// everything the process does.
pub fn run(started: Instant) {
    // The log is for a support call; a computer where it cannot be written still works.
    let log_dir = baosong::logs::log_dir();
    if let Err(e) = baosong::logs::init(&log_dir, "baosong") {
        eprintln!("报送助手无法写日志（{}）：{e}", log_dir.display());
    }
    tracing::info!(
        version = baosong::diagnostics::VERSION,
        commit = baosong::diagnostics::COMMIT,
        "window started"
    );
    let session = Session::new(Some(recent::config_dir()), Actor::App);
    let state: SharedSession = Arc::new(Mutex::new(session));
    // `BAOSONG_LIBRARY` opens a given library (the tests give each run its own); otherwise the
    // library used last is reopened.
    let preferred = std::env::var_os("BAOSONG_LIBRARY")
        .filter(|p| !p.is_empty())
        .map(PathBuf::from);
    let resumed_session = state.clone();
    let worker_session = state.clone();

    let result = tauri::Builder::default()
        // First: a second launch hands over to the running window and exits.
        .plugin(tauri_plugin_single_instance::init(|app, _args, _cwd| {
            window::bring_forward(app);
        }))
        .plugin(window::remembered())
        .setup(move |app| {
            // Here, not before the builder: a second launch has handed over and exited by now,
            // and the window exists, so its page loads while the library opens.
            resume_meanwhile(resumed_session, preferred);
            window::fit_to_screen(app.handle());
            window::save_when_settled(app.handle());
            outbox::start_outbox_worker(worker_session, app.handle().clone());
            Ok(())
        })
        .manage(state)
        .manage(Jobs::new())
        .manage(launch::Launch::new(started))
        .invoke_handler(tauri::generate_handler![
            library::startup,
            launch::ui_ready,
            library::pick_folder,
            entries::pick_files,
            library::create_library,
            library::open_library,
            library::close_library,
            library::forget_recent,
            library::campaign,
            library::campaign_by_id,
            library::update_office,
            entries::list_entries,
            entries::get_entry,
            entries::add_entry,
            entries::update_entry,
            entries::attach_files,
            entries::save_entry,
            entries::delete_entry,
            entries::restore_entry,
            entries::check_files,
            entries::set_review,
            dashboard::dashboard,
            library::switch_campaign,
            dashboard::mark_deadline,
            import::import_files,
            jobs::cancel_job,
            entries::bulk_update,
            media::thumbnail,
            media::open_file,
            media::received_thumbnail,
            media::media_bytes,
            media::received_media_bytes,
            entries::export_xlsx,
            import::pick_sheet,
            import::import_sheet,
            batches::batch_draft,
            batches::create_batch,
            batches::list_batches,
            batches::get_batch,
            batches::delete_batch,
            batches::plan_batch,
            batches::export_batch,
            account::account_view,
            account::set_account,
            account::test_account,
            outbox::send_batch,
            outbox::list_outbox,
            safety::list_backups,
            safety::create_backup,
            safety::restore_backup,
            safety::unlisted_files,
            safety::adopt_unlisted,
            safety::trash_unlisted,
            safety::run_doctor,
            safety::backups_in,
            safety::restore_missing_catalog,
            outbox::outbox_hold,
            outbox::set_outbox_paused,
            outbox::flush_outbox,
            outbox::resolve_message,
            outbox::replan_batch,
            outbox::open_message_folder,
            print::prepare_print,
            print::open_print,
            print::save_print,
            city::create_city_library,
            city::city_status,
            city::city_works,
            city::receive_folder,
            city::receive_imap,
            city::export_city,
            city::city_reply_draft,
            city::city_reply,
            support::about,
            support::export_diagnostics,
            support::open_log_folder,
            support::open_diagnostics_folder,
        ])
        .run(tauri::generate_context!());
    if let Err(e) = result {
        tracing::error!("the window could not start: {e}");
        eprintln!("报送助手无法启动窗口：{e}");
        std::process::exit(1);
    }
}

/// Reopens the library on a thread of its own while the window's page loads: opening may take
/// a daily backup of a large catalog and sweep the store. The session is locked before this returns, so the window's `startup`
/// waits for the reopened library and never sees the first-run state by mistake.
fn resume_meanwhile(state: SharedSession, preferred: Option<PathBuf>) {
    let (locked, is_locked) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut session = state.lock().unwrap_or_else(|p| p.into_inner());
        let _ = locked.send(());
        session.resume(preferred.as_deref());
    });
    // An error here means the thread died before locking; commands then find no library.
    let _ = is_locked.recv();
}
