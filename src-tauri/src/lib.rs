//! Baosong (报送助手): the core of the app a district trade-union office uses to take in
//! campaign works, check them against the campaign's rules, watch quotas and deadlines, and
//! package and send its batch.
//!
//! The modules are layered — ground, readers, domain, store, services, api — and imports point
//! down (`layers.rs` states each module's layer and tests it; ARCHITECTURE.md draws the map).
//! No module of this library imports tauri: the desktop shell (`src/app/`, compiled into the
//! `baosong` binary only) and the CLI (`src/bin/baosong-cli/`) are two thin faces of `api`.

pub mod account;
pub mod api;
pub mod batch;
pub mod campaign;
pub mod checks;
pub mod city;
pub mod clock;
pub mod coded;
pub mod dashboard;
pub mod diagnostics;
pub mod digest;
pub mod entry;
pub mod fsx;
pub mod jobs;
pub mod library;
pub mod logs;
pub mod mail;
pub mod mailread;
pub mod media;
pub mod naming;
pub mod office;
pub mod package;
pub mod print;
pub mod progress;
pub mod receive;
pub mod registration;
pub mod safe_path;
pub mod selection;
pub mod thumbs;
pub mod validate;

#[cfg(test)]
mod bindings;
#[cfg(test)]
mod layers;
