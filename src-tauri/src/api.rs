//! The services both faces of the app call: the window's commands (`src/app/`) and the CLI.
//! Everything here is plain Rust; the shapes that cross to the UI are generated to TypeScript
//! from these types (see `bindings.rs`).

use chrono::{DateTime, Utc};

mod batches;
mod city;
mod dashboard;
mod entries;
mod error;
mod intake;
mod mail;
mod print;
mod safety;
mod session;
mod support;

pub use batches::{BatchCreated, MailPlanView, export_batch, write_attachments};
pub use city::{
    CityExport, CityExportFile, FolderReceived, MailSummary, ReplyDraft, ReplyQueued, export_city,
    receive_imap,
};
pub use entries::{PLAY_IN_WINDOW_MAX, playable_bytes};
pub use error::ApiError;
pub use intake::{PathCheck, check_path};
pub use mail::{
    AccountView, SendReport, flush_outbox, replan_batch, secrets, send_batch, test_account,
};
pub use print::{
    PREVIEW_WIDTH, PrintPreview, PrintReport, PrintRequest, prepare_print, print_document,
    print_path, save_print, write_preview,
};
pub use safety::restore_missing_catalog;
use session::log_opened;
pub use session::{CampaignSummary, Session, Startup, campaign_summaries};

/// The clock of the window and the CLI (`BAOSONG_NOW` when set; see
/// [`crate::clock::now_from_env`]).
pub fn clock() -> Result<DateTime<Utc>, ApiError> {
    crate::clock::now_from_env().map_err(|message| ApiError::input("input.clock", message))
}
