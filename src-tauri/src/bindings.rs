//! The TypeScript types of everything that crosses the IPC boundary are generated from these
//! Rust types (ts-rs) into `ui/src/bindings/`, beside the command map (`commands.ts`, see
//! `bindings/commands.rs`) and the labels and samples the window shares with the core
//! (`labels.ts`, `conventions.ts`, `samples.ts`, see `bindings/wording.rs`). This test fails when the committed
//! files are stale; `UPDATE_BINDINGS=1 cargo test -p baosong bindings` rewrites them.

mod commands;
mod wording;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use ts_rs::TS;

fn committed_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/src/bindings")
}

fn export_all(dir: &Path) {
    fn one<T: TS + 'static>(dir: &Path) {
        T::export_all_to(dir).unwrap_or_else(|e| panic!("export {}: {e}", T::name()));
    }
    one::<crate::api::ApiError>(dir);
    one::<crate::api::Startup>(dir);
    one::<crate::api::CampaignSummary>(dir);
    one::<crate::api::PathCheck>(dir);
    one::<crate::campaign::Campaign>(dir);
    one::<crate::library::LibraryInfo>(dir);
    one::<crate::office::OfficeInput>(dir);
    one::<crate::entry::Entry>(dir);
    one::<crate::entry::EntryFields>(dir);
    one::<crate::entry::EntryFilter>(dir);
    one::<crate::library::AuditRecord>(dir);
    one::<crate::library::recent::RecentLibrary>(dir);
    one::<crate::dashboard::Dashboard>(dir);
    one::<crate::library::ImportOptions>(dir);
    one::<crate::library::ImportReport>(dir);
    one::<crate::library::BulkChange>(dir);
    one::<crate::library::ThumbInfo>(dir);
    one::<crate::library::SheetImport>(dir);
    one::<crate::library::SheetImportOptions>(dir);
    one::<crate::api::BatchCreated>(dir);
    one::<crate::batch::BatchSummary>(dir);
    one::<crate::batch::BatchRequest>(dir);
    one::<crate::batch::Draft>(dir);
    one::<crate::batch::ExportReport>(dir);
    one::<crate::progress::Progress>(dir);
    one::<crate::api::MailPlanView>(dir);
    one::<crate::package::attachments::PlanOptions>(dir);
    one::<crate::api::AccountView>(dir);
    one::<crate::api::SendReport>(dir);
    one::<crate::account::AccountInput>(dir);
    one::<crate::library::OutboxMessage>(dir);
    one::<crate::library::Resolution>(dir);
    one::<crate::library::OutboxHold>(dir);
    one::<crate::library::BackupInfo>(dir);
    one::<crate::library::RestoreReport>(dir);
    one::<crate::library::UnlistedFile>(dir);
    one::<crate::library::trash::TrashItem>(dir);
    one::<crate::library::DoctorReport>(dir);
    one::<crate::diagnostics::About>(dir);
    one::<crate::city::CityStatus>(dir);
    one::<crate::city::ReceivedWork>(dir);
    one::<crate::api::FolderReceived>(dir);
    one::<crate::api::MailSummary>(dir);
    one::<crate::api::CityExport>(dir);
    one::<crate::api::ReplyDraft>(dir);
    one::<crate::api::ReplyQueued>(dir);
    one::<crate::diagnostics::DiagnosticsReport>(dir);
    one::<crate::api::PrintRequest>(dir);
    one::<crate::api::PrintReport>(dir);
    one::<crate::api::PrintPreview>(dir);

    // Written last: the command map imports what ts-rs wrote, and checks that it is there.
    let known = read_dir(dir)
        .into_keys()
        .filter_map(|name| name.strip_suffix(".ts").map(str::to_owned))
        .collect();
    let write = |name: &str, text: String| {
        std::fs::write(dir.join(name), text).unwrap_or_else(|e| panic!("write {name}: {e}"));
    };
    write("commands.ts", commands::commands_ts(&known));
    write("labels.ts", wording::labels_ts());
    write("conventions.ts", wording::conventions_ts());
    write("samples.ts", wording::samples_ts());
}

fn read_dir(dir: &Path) -> BTreeMap<String, String> {
    std::fs::read_dir(dir)
        .map(|list| {
            list.flatten()
                .filter(|e| e.path().extension().is_some_and(|x| x == "ts"))
                .map(|e| {
                    (
                        e.file_name().to_string_lossy().into_owned(),
                        std::fs::read_to_string(e.path()).unwrap_or_default(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn generated_typescript_bindings_are_fresh() {
    let fresh = tempfile::tempdir().expect("tempdir");
    export_all(fresh.path());
    let generated = read_dir(fresh.path());
    assert!(
        generated.len() > 5,
        "ts-rs exported too little: {generated:?}"
    );
    let committed_path = committed_dir();
    if std::env::var_os("UPDATE_BINDINGS").is_some() {
        let _ = std::fs::remove_dir_all(&committed_path);
        std::fs::create_dir_all(&committed_path).expect("create bindings dir");
        for (name, text) in &generated {
            std::fs::write(committed_path.join(name), text).expect("write binding");
        }
        return;
    }
    let committed = read_dir(&committed_path);
    let stale: Vec<&String> = generated
        .iter()
        .filter(|(name, text)| committed.get(*name) != Some(text))
        .map(|(name, _)| name)
        .chain(committed.keys().filter(|n| !generated.contains_key(*n)))
        .collect();
    assert!(
        stale.is_empty(),
        "ui/src/bindings is stale for {stale:?}: run `UPDATE_BINDINGS=1 cargo test -p baosong bindings` and commit the result"
    );
}
