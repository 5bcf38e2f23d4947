//! 市级收件 for both faces: a receiving library, batches taken in, the city at a glance.

use std::path::Path;

use chrono::{DateTime, Utc};
use serde::Serialize;
use ts_rs::TS;

use super::{ApiError, Session, log_opened};
use crate::city::reply::ReplyKind;
use crate::city::{CityStatus, ReceivedWork};
use crate::library::{Library, LibraryInfo, Recorded};
pub use crate::mail::reply::{ReplyDraft, ReplyQueued};
use crate::office::{OfficeInput, Role};

/// One folder taken in (or not), as the window shows it.
#[derive(Debug, Clone, Serialize, TS)]
pub struct FolderReceived {
    pub folder: String,
    pub batch: Option<Recorded>,
    pub error: Option<ApiError>,
}

/// What 收取邮件 did, as the window shows it.
#[derive(Debug, Clone, Serialize, TS)]
pub struct MailSummary {
    /// New messages read.
    pub messages: u32,
    /// Messages that held no batch (their subjects).
    pub others: Vec<String>,
    /// Files some message says went another way, to fetch by hand.
    pub mentioned: Vec<String>,
    pub batches: Vec<Recorded>,
    pub waiting: Vec<String>,
    /// Why reading stopped early (what was read is kept).
    pub stopped: Option<String>,
}

impl MailSummary {
    fn of(report: &crate::receive::ImapReport) -> Self {
        let m = &report.mail;
        MailSummary {
            messages: report.folders.iter().map(|f| f.new_messages).sum(),
            others: m
                .messages
                .iter()
                .filter(|x| x.kind != "batch" && !x.already)
                .map(|x| x.subject.clone().unwrap_or_else(|| "（无主题）".into()))
                .collect(),
            mentioned: m
                .messages
                .iter()
                .flat_map(|x| x.mentioned.iter())
                .map(|f| {
                    let name = f.name.clone().unwrap_or_else(|| "（未写文件名）".into());
                    match &f.link {
                        Some(link) => format!("{name} {link}"),
                        None => name,
                    }
                })
                .collect(),
            batches: m.batches.clone(),
            waiting: m.waiting.clone(),
            stopped: report.stopped.clone(),
        }
    }
}

impl Session {
    /// Creates the municipal office's receiving library in `path`.
    pub fn create_city(
        &mut self,
        path: &Path,
        office: &OfficeInput,
    ) -> Result<LibraryInfo, ApiError> {
        let lib = Library::create_as(path, office, Role::City, self.actor)?;
        let info = lib.info()?;
        log_opened("receiving library created", &info);
        self.adopt(lib);
        Ok(info)
    }

    /// The open library, which must be a receiving one.
    fn city_library(&mut self) -> Result<&mut Library, ApiError> {
        let lib = self.library_mut()?;
        if lib.office()?.role != Role::City {
            return Err(ApiError::input(
                "city.not_receiving",
                "这是区县报送的资料库；市级收件请新建一个收件资料库（init --role city）。",
            ));
        }
        Ok(lib)
    }

    /// Takes in each package folder of `dirs`; one that cannot be read does not stop the
    /// others (its error is its own result).
    pub fn receive_folders(
        &mut self,
        dirs: &[&Path],
    ) -> Result<Vec<Result<Recorded, ApiError>>, ApiError> {
        let campaign = self.campaign()?;
        let lib = self.city_library()?;
        Ok(dirs
            .iter()
            .map(|dir| {
                crate::receive::receive_folder(lib, dir, &campaign).map_err(|e| {
                    let e = ApiError::from(e);
                    tracing::warn!(folder = %dir.display(), code = %e.code, "not received: {}", e.message);
                    e
                })
            })
            .collect())
    }

    /// Takes in mail: .eml files and Maildirs (every message of each), as one delivery.
    pub fn receive_mail(
        &mut self,
        emls: &[&Path],
        maildirs: &[&Path],
    ) -> Result<crate::receive::MailReport, ApiError> {
        let campaign = self.campaign()?;
        let lib = self.city_library()?;
        let mut messages: Vec<std::path::PathBuf> = emls.iter().map(|f| f.to_path_buf()).collect();
        for d in maildirs {
            messages.extend(crate::receive::maildir_messages(d)?);
        }
        let kind = if maildirs.is_empty() {
            "eml"
        } else {
            "maildir"
        };
        Ok(crate::receive::receive_messages(
            lib, &messages, &campaign, kind,
        )?)
    }

    /// Takes in attachment files saved by hand (zips, volumes, manifest.json …) as one delivery.
    pub fn receive_files(
        &mut self,
        files: &[std::path::PathBuf],
    ) -> Result<crate::receive::MailReport, ApiError> {
        let campaign = self.campaign()?;
        let lib = self.city_library()?;
        Ok(crate::receive::receive_files(lib, files, &campaign)?)
    }

    /// Takes in the new mail of the account's inbox and junk folder over IMAP (read-only).
    pub fn receive_imap(&mut self) -> Result<crate::receive::ImapReport, ApiError> {
        let campaign = self.campaign()?;
        let lib = self.city_library()?;
        Ok(crate::receive::receive_imap(
            lib,
            &super::secrets(),
            &campaign,
        )?)
    }

    /// [`Session::receive_folders`] of one folder, as the window shows it.
    pub fn receive_folder(&mut self, dir: &Path) -> Result<FolderReceived, ApiError> {
        let mut results = self.receive_folders(&[dir])?;
        let result = results.pop().unwrap_or_else(|| Err(ApiError::no_library()));
        Ok(match result {
            Ok(batch) => FolderReceived {
                folder: dir.display().to_string(),
                batch: Some(batch),
                error: None,
            },
            Err(e) => FolderReceived {
                folder: dir.display().to_string(),
                batch: None,
                error: Some(e),
            },
        })
    }

    /// 收取邮件 for the window: [`Session::receive_imap`], summed up.
    pub fn receive_imap_summary(&mut self) -> Result<MailSummary, ApiError> {
        Ok(MailSummary::of(&self.receive_imap()?))
    }

    /// Every unit × category of the campaign at `now`.
    pub fn city_status(&mut self, now: DateTime<Utc>) -> Result<CityStatus, ApiError> {
        let campaign = self.campaign()?;
        let lib = self.city_library()?;
        let senders = lib.senders(&campaign.id)?;
        let works = lib.received_works(&campaign.id, None, None)?;
        Ok(crate::city::status(&campaign, &senders, &works, now))
    }

    /// The received works (current versions), narrowed by office and category.
    pub fn city_works(
        &mut self,
        office: Option<&str>,
        category: Option<&str>,
    ) -> Result<Vec<ReceivedWork>, ApiError> {
        let campaign = self.campaign()?;
        Ok(self
            .city_library()?
            .received_works(&campaign.id, office, category)?)
    }

    /// Answer `kind` (回执 or 补正通知) to received batch `batch_id` as the clerk confirms it:
    /// its words and where it goes — or, once queued, the message already in the outbox.
    pub fn city_reply_draft(
        &mut self,
        batch_id: i64,
        kind: ReplyKind,
    ) -> Result<ReplyDraft, ApiError> {
        let campaign = self.campaign()?;
        let lib = self.city_library()?;
        Ok(crate::mail::reply::draft_reply(
            lib, &campaign, batch_id, kind,
        )?)
    }

    /// Queues answer `kind` to received batch `batch_id` in the outbox, to `to` or else the
    /// batch's sender; once per batch version and kind (again: nothing new, and it says so).
    pub fn city_reply(
        &mut self,
        batch_id: i64,
        kind: ReplyKind,
        to: Option<&str>,
    ) -> Result<ReplyQueued, ApiError> {
        let campaign = self.campaign()?;
        let lib = self.city_library()?;
        Ok(crate::mail::reply::queue_reply(
            lib, &campaign, batch_id, kind, to,
        )?)
    }
}
