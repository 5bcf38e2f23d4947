//! The TypeScript types of everything that crosses the IPC boundary are generated from these
//! Rust types (ts-rs) into `ui/src/bindings/`, beside the command map (`commands.ts`, see
//! `bindings/commands.rs`) and the labels and samples the window shares with the core
//! (`labels.ts`, `conventions.ts`, `samples.ts`, see `bindings/wording.rs`). This test fails when the committed
//! files are stale; `UPDATE_BINDINGS=1 cargo test -p baosong bindings` rewrites them.

mod commands;
mod wording;

use std::any::TypeId;
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::{Path, PathBuf};

use ts_rs::{TS, TypeVisitor};

fn committed_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/src/bindings")
}

/// Every type that crosses the IPC boundary by name; ts-rs follows each to what it uses.
fn roots(v: &mut impl TypeVisitor) {
    v.visit::<crate::api::ApiError>();
    v.visit::<crate::api::Startup>();
    v.visit::<crate::api::CampaignSummary>();
    v.visit::<crate::api::PathCheck>();
    v.visit::<crate::campaign::Campaign>();
    v.visit::<crate::library::LibraryInfo>();
    v.visit::<crate::office::OfficeInput>();
    v.visit::<crate::entry::Entry>();
    v.visit::<crate::entry::EntryFields>();
    v.visit::<crate::entry::EntryFilter>();
    v.visit::<crate::library::AuditRecord>();
    v.visit::<crate::library::recent::RecentLibrary>();
    v.visit::<crate::dashboard::Dashboard>();
    v.visit::<crate::library::ImportOptions>();
    v.visit::<crate::library::ImportReport>();
    v.visit::<crate::library::BulkChange>();
    v.visit::<crate::library::ThumbInfo>();
    v.visit::<crate::library::SheetImport>();
    v.visit::<crate::library::SheetImportOptions>();
    v.visit::<crate::api::BatchCreated>();
    v.visit::<crate::batch::BatchSummary>();
    v.visit::<crate::batch::BatchRequest>();
    v.visit::<crate::batch::Draft>();
    v.visit::<crate::batch::ExportReport>();
    v.visit::<crate::progress::Progress>();
    v.visit::<crate::api::MailPlanView>();
    v.visit::<crate::package::attachments::PlanOptions>();
    v.visit::<crate::api::AccountView>();
    v.visit::<crate::api::SendReport>();
    v.visit::<crate::account::AccountInput>();
    v.visit::<crate::library::OutboxMessage>();
    v.visit::<crate::library::Resolution>();
    v.visit::<crate::library::OutboxHold>();
    v.visit::<crate::library::BackupInfo>();
    v.visit::<crate::library::RestoreReport>();
    v.visit::<crate::library::UnlistedFile>();
    v.visit::<crate::library::trash::TrashItem>();
    v.visit::<crate::library::DoctorReport>();
    v.visit::<crate::diagnostics::About>();
    v.visit::<crate::city::CityStatus>();
    v.visit::<crate::city::ReceivedWork>();
    v.visit::<crate::api::FolderReceived>();
    v.visit::<crate::api::MailSummary>();
    v.visit::<crate::api::CityExport>();
    v.visit::<crate::api::ReplyDraft>();
    v.visit::<crate::api::ReplyQueued>();
    v.visit::<crate::diagnostics::DiagnosticsReport>();
    v.visit::<crate::api::PrintRequest>();
    v.visit::<crate::api::PrintReport>();
    v.visit::<crate::api::PrintPreview>();
}

/// Writes a root and everything it uses.
struct Export<'a>(&'a Path);

impl TypeVisitor for Export<'_> {
    fn visit<T: TS + 'static + ?Sized>(&mut self) {
        T::export_all_to(self.0).unwrap_or_else(|e| panic!("export {}: {e}", T::name()));
    }
}

/// Which Rust types are written to each file: two types of one name in different modules would
/// write the same `Name.ts`, the last one silently winning.
#[derive(Default)]
struct Files {
    visited: HashSet<TypeId>,
    written_by: BTreeMap<PathBuf, BTreeSet<String>>,
}

impl TypeVisitor for Files {
    fn visit<T: TS + 'static + ?Sized>(&mut self) {
        let Some(path) = T::output_path() else { return };
        if !self.visited.insert(TypeId::of::<T>()) {
            return;
        }
        // `Recorded<Entry>` and `Recorded<Batch>` are one generic type, written once.
        let name = std::any::type_name::<T>();
        let name = name.split('<').next().unwrap_or(name);
        self.written_by
            .entry(path)
            .or_default()
            .insert(name.to_owned());
        T::visit_dependencies(self);
    }
}

fn export_all(dir: &Path) {
    roots(&mut Export(dir));

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

#[test]
fn no_two_rust_types_write_one_typescript_file() {
    let mut files = Files::default();
    roots(&mut files);
    assert!(
        files.written_by.len() > 40,
        "too few types followed: {:?}",
        files.written_by.keys()
    );
    let shared: Vec<_> = files
        .written_by
        .iter()
        .filter(|(_, types)| types.len() > 1)
        .collect();
    assert!(
        shared.is_empty(),
        "one TypeScript file written by several Rust types (rename one, or #[ts(rename)]): {shared:?}"
    );
}
