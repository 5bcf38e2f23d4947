//! The Tauri shell: commands, state and nothing else. Every command is a thin adapter over
//! [`baosong::api::Session`], the same services the CLI uses.

mod commands;
mod safety;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use baosong::api::Session;
use baosong::jobs::Jobs;
use baosong::library::{Actor, recent};

/// The window's state: the open library, shared by the commands.
pub type SharedSession = Arc<Mutex<Session>>;

/// The long jobs running now (imports, exports), each with its own cancel token.
pub type SharedJobs = Arc<Jobs>;

pub fn run() {
    let mut session = Session::new(Some(recent::config_dir()), Actor::App);
    // `BAOSONG_LIBRARY` opens a given library (the tests give each run its own); otherwise the
    // library used last is reopened.
    let preferred = std::env::var_os("BAOSONG_LIBRARY")
        .filter(|p| !p.is_empty())
        .map(PathBuf::from);
    session.resume(preferred.as_deref());
    let state: SharedSession = Arc::new(Mutex::new(session));
    let worker_session = state.clone();

    let result = tauri::Builder::default()
        .setup(move |app| {
            commands::start_outbox_worker(worker_session, app.handle().clone());
            Ok(())
        })
        .manage(state)
        .manage(Jobs::new())
        .invoke_handler(tauri::generate_handler![
            commands::startup,
            commands::pick_folder,
            commands::pick_files,
            commands::create_library,
            commands::open_library,
            commands::close_library,
            commands::forget_recent,
            commands::campaign,
            commands::campaign_by_id,
            commands::update_office,
            commands::list_entries,
            commands::get_entry,
            commands::add_entry,
            commands::update_entry,
            commands::attach_files,
            commands::save_entry,
            commands::delete_entry,
            commands::restore_entry,
            commands::check_files,
            commands::set_review,
            commands::dashboard,
            commands::switch_campaign,
            commands::mark_deadline,
            commands::import_files,
            commands::cancel_job,
            commands::bulk_update,
            commands::thumbnail,
            commands::media_path,
            commands::open_file,
            commands::export_xlsx,
            commands::pick_sheet,
            commands::import_sheet,
            commands::batch_draft,
            commands::create_batch,
            commands::list_batches,
            commands::get_batch,
            commands::delete_batch,
            commands::plan_batch,
            commands::export_batch,
            commands::account_view,
            commands::set_account,
            commands::test_account,
            commands::send_batch,
            commands::list_outbox,
            safety::list_backups,
            safety::create_backup,
            safety::restore_backup,
            safety::unlisted_files,
            safety::adopt_unlisted,
            safety::trash_unlisted,
            safety::run_doctor,
            safety::backups_in,
            safety::restore_missing_catalog,
            commands::outbox_hold,
            commands::set_outbox_paused,
            commands::flush_outbox,
            commands::resolve_message,
            commands::replan_batch,
            commands::open_message_folder,
            commands::prepare_print,
            commands::open_print,
            commands::save_print,
        ])
        .run(tauri::generate_context!());
    if let Err(e) = result {
        eprintln!("报送助手无法启动窗口：{e}");
        std::process::exit(1);
    }
}
