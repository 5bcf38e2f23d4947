//! 市级收件 for both faces: a receiving library, batches taken in, the city at a glance.

use std::path::Path;

use chrono::{DateTime, Utc};
use serde::Serialize;
use ts_rs::TS;

use super::{ApiError, Session, log_opened};
use crate::city::reply::ReplyKind;
use crate::city::{CityStatus, ReceivedWork};
use crate::jobs::Job;
use crate::library::{Library, LibraryError, LibraryInfo, Recorded};
pub use crate::mail::reply::{ReplyDraft, ReplyQueued};
use crate::office::{OfficeInput, Role};
use crate::progress::{CancelToken, Progress};

/// One folder taken in (or not), as the window shows it.
#[derive(Debug, Clone, Serialize, TS)]
pub struct FolderReceived {
    pub folder: String,
    pub batch: Option<Recorded>,
    /// A folder without a manifest: the 待补 files its bytes filled in.
    pub filled: Option<crate::receive::FillReport>,
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

/// Refuses a district's library where a receiving one is needed.
fn receiving(lib: &Library) -> Result<(), ApiError> {
    if lib.office()?.role != Role::City {
        return Err(ApiError::input(
            "city.not_receiving",
            "这是区县报送的资料库；市级收件请新建一个收件资料库（init --role city）。",
        ));
    }
    Ok(())
}

fn imap_into(
    lib: &mut Library,
    progress: &mut dyn FnMut(&Progress),
    cancel: &CancelToken,
) -> Result<crate::receive::ImapReport, ApiError> {
    receiving(lib)?;
    let campaign = lib.campaign()?;
    let report = crate::receive::receive_imap(lib, &super::secrets(), &campaign, progress, cancel)?;
    tracing::info!(
        messages = report.folders.iter().map(|f| f.new_messages).sum::<u32>(),
        batches = report.mail.batches.len(),
        stopped_code = report.stopped_code.as_deref(),
        "mail received over IMAP"
    );
    Ok(report)
}

/// 收取邮件 for the window, as a job on its own connection (the window stays free while the
/// mail comes), summed up.
pub fn receive_imap(
    job: &Job,
    progress: &mut dyn FnMut(&Progress),
) -> Result<MailSummary, ApiError> {
    let mut lib = job.open()?;
    Ok(MailSummary::of(&imap_into(
        &mut lib,
        progress,
        &job.cancel,
    )?))
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
        receiving(lib)?;
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
    pub fn receive_imap(
        &mut self,
        progress: &mut dyn FnMut(&Progress),
    ) -> Result<crate::receive::ImapReport, ApiError> {
        imap_into(self.library_mut()?, progress, &CancelToken::new())
    }

    /// Files fetched by hand (a downloaded 超大附件, a file from a 网盘): each must be the bytes
    /// of a received file still to fill in (待补) by its SHA-256, or nothing is done.
    pub fn fill_in_files(
        &mut self,
        files: &[std::path::PathBuf],
    ) -> Result<crate::receive::FillReport, ApiError> {
        let campaign = self.campaign()?;
        let lib = self.city_library()?;
        let source = crate::library::Source {
            kind: "files".into(),
            origin: files
                .iter()
                .map(|f| f.display().to_string())
                .collect::<Vec<_>>()
                .join("; "),
            from: None,
        };
        Ok(crate::receive::fill_in(
            lib, files, &campaign, true, source,
        )?)
    }

    /// A folder without a manifest (downloaded files): what fits fills in 待补 files.
    pub fn fill_in_folder(&mut self, dir: &Path) -> Result<crate::receive::FillReport, ApiError> {
        let campaign = self.campaign()?;
        let lib = self.city_library()?;
        Ok(crate::receive::fill_in_folder(lib, dir, &campaign)?)
    }

    /// [`Session::receive_folders`] of one folder, as the window shows it; a folder without a
    /// manifest fills in 待补 files ([`Session::fill_in_folder`]).
    pub fn receive_folder(&mut self, dir: &Path) -> Result<FolderReceived, ApiError> {
        if dir.is_dir() && !crate::receive::is_package(dir) {
            let (filled, error) = match self.fill_in_folder(dir) {
                Ok(r) => (Some(r), None),
                Err(e) => (None, Some(e)),
            };
            return Ok(FolderReceived {
                folder: dir.display().to_string(),
                batch: filled.as_ref().and_then(|r| r.batches.first().cloned()),
                filled,
                error,
            });
        }
        let mut results = self.receive_folders(&[dir])?;
        let result = results.pop().unwrap_or_else(|| Err(ApiError::no_library()));
        Ok(match result {
            Ok(batch) => FolderReceived {
                folder: dir.display().to_string(),
                batch: Some(batch),
                filled: None,
                error: None,
            },
            Err(e) => FolderReceived {
                folder: dir.display().to_string(),
                batch: None,
                filled: None,
                error: Some(e),
            },
        })
    }

    /// What a received file's thumbnail or player needs, taken quickly so the picture is made
    /// outside the session: (library folder, content hash, stored file).
    pub fn received_file_source(
        &mut self,
        id: i64,
    ) -> Result<(std::path::PathBuf, String, std::path::PathBuf), ApiError> {
        let lib = self.city_library()?;
        let (sha, path) = lib.received_stored_file(id)?;
        Ok((lib.root().to_path_buf(), sha, path))
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

/// A file that 导出全市汇总 wrote.
#[derive(Debug, Clone, Serialize, TS)]
pub struct CityExportFile {
    /// Its name in the folder: 全市汇总表.xlsx, 全市作品小样-01-诵读.pdf …
    pub name: String,
    pub path: String,
    #[ts(type = "number")]
    pub bytes: u64,
    /// What it is, in words: 全市汇总表（Excel）, 作品小样：微视频（12件）…
    pub what: String,
}

/// What 导出全市汇总 wrote.
#[derive(Debug, Clone, Serialize, TS)]
pub struct CityExport {
    pub folder: String,
    pub files: Vec<CityExportFile>,
    /// Categories no unit has sent a work in yet: they have no contact sheet.
    pub without_works: Vec<String>,
}

fn write_error(path: &Path, e: &std::io::Error) -> ApiError {
    ApiError::from(LibraryError::Write {
        path: path.to_path_buf(),
        reason: crate::fsx::io_reason(e),
    })
}

/// The folder the export goes to: made if missing, and shown writable by a temporary file
/// before the long work starts. True when this call made it.
fn prepare_folder(dest: &Path) -> Result<bool, ApiError> {
    if dest.as_os_str().is_empty() {
        return Err(ApiError::input(
            "city.export_folder",
            "请选择导出全市汇总的文件夹。",
        ));
    }
    let made = !dest.exists();
    if dest.exists() && !dest.is_dir() {
        return Err(ApiError::input(
            "city.export_folder",
            format!(
                "“{}”是一个文件，不是文件夹：请选择一个文件夹。",
                dest.display()
            ),
        ));
    }
    std::fs::create_dir_all(dest).map_err(|e| write_error(dest, &e))?;
    if let Err(e) = tempfile::Builder::new()
        .prefix(".baosong-")
        .tempfile_in(dest)
    {
        if made {
            let _ = std::fs::remove_dir(dest);
        }
        return Err(write_error(dest, &e));
    }
    Ok(made)
}

/// Writes every file whole or none of them: each to a temporary beside its final name, fsynced;
/// only when all are written are they renamed (a full disk leaves nothing behind).
fn write_all<'a>(
    dest: &Path,
    files: impl IntoIterator<Item = (&'a str, &'a [u8])>,
) -> Result<(), ApiError> {
    use std::io::Write as _;
    let mut temps = Vec::new();
    for (name, bytes) in files {
        let written = tempfile::Builder::new()
            .prefix(".baosong-")
            .tempfile_in(dest)
            .and_then(|mut tmp| {
                tmp.write_all(bytes)?;
                tmp.as_file().sync_all()?;
                Ok(tmp)
            })
            .map_err(|e| write_error(&dest.join(name), &e))?;
        temps.push((written, dest.join(name)));
    }
    for (tmp, path) in temps {
        tmp.persist(&path)
            .map_err(|e| write_error(&path, &e.error))?;
    }
    crate::fsx::sync_dir(dest).map_err(|e| write_error(dest, &e))?;
    Ok(())
}

/// 导出全市汇总, as a job: into `dest`, 全市汇总表.xlsx (a 总览 sheet of every unit ×
/// category and a sheet per category of every received work), 全市汇总表.pdf (the same rows)
/// and a 全市作品小样 PDF per category that has works (thumbnails grouped by unit, with the
/// city's verdict), dated `now`. Nothing is written until every document is made; an existing
/// export of the same names is replaced. Refused while no batch has been received.
pub fn export_city(
    job: &Job,
    dest: &Path,
    now: DateTime<Utc>,
    progress: &mut dyn FnMut(&Progress),
) -> Result<CityExport, ApiError> {
    use crate::print::city::{self as docs, CityPicture, SUMMARY_NAME};
    let lib = job.open()?;
    receiving(&lib)?;
    let campaign = lib.campaign()?;
    let senders = lib.senders(&campaign.id)?;
    if senders.is_empty() {
        return Err(ApiError::input(
            "city.nothing_received",
            "还没有收到任何报送批次，无法导出全市汇总：请先收取邮件或从文件夹收入批次。",
        ));
    }
    let made_folder = prepare_folder(dest)?;
    let result = (|| {
        let works = lib.received_works(&campaign.id, None, None)?;
        let status = crate::city::status(&campaign, &senders, &works, now);
        let local = now.with_timezone(&campaign.zone());
        let date = local.format("%Y年%-m月%-d日").to_string();
        let made_at = local.format("%Y-%m-%d %H:%M").to_string();
        let office = lib.office()?;
        let picture = CityPicture {
            campaign: &campaign,
            office: &office.name,
            status: &status,
            works: &works,
            date: &date,
            made_at: &made_at,
        };
        let mut report = |phase: &str, done: usize, total: usize| {
            progress(&Progress {
                phase: phase.to_owned(),
                done_files: done as u32,
                total_files: total as u32,
                ..Progress::default()
            });
        };
        report("制作全市汇总表", 0, 1);
        let xlsx = docs::workbook(&picture)
            .map_err(|e| ApiError::new("city.export", format!("无法生成全市汇总表：{e}")))?;
        let pdf = docs::summary_pdf(&picture)?;
        let sheets = docs::contact_sheets(
            &lib,
            &picture,
            crate::print::Layout::Grid3x4,
            &mut |done, total| {
                report("准备缩略图", done, total);
                !job.cancel.is_cancelled()
            },
        )?;
        let mut files = vec![
            (
                format!("{SUMMARY_NAME}.xlsx"),
                xlsx,
                "全市汇总表（Excel）".to_owned(),
            ),
            (
                format!("{SUMMARY_NAME}.pdf"),
                pdf,
                "全市汇总表（PDF）".to_owned(),
            ),
        ];
        let without_works: Vec<String> = campaign
            .categories
            .iter()
            .filter(|c| !sheets.iter().any(|s| s.category == c.name))
            .map(|c| c.name.clone())
            .collect();
        for s in sheets {
            files.push((
                format!("{}.pdf", s.name),
                s.bytes,
                format!("作品小样：{}（{}件）", s.category, s.works),
            ));
        }
        if job.cancel.is_cancelled() {
            return Err(ApiError::from(LibraryError::Cancelled));
        }
        report("写入文件", 0, files.len());
        write_all(
            dest,
            files
                .iter()
                .map(|(name, bytes, _)| (name.as_str(), bytes.as_slice())),
        )?;
        report("写入文件", files.len(), files.len());
        Ok(CityExport {
            folder: dest.display().to_string(),
            files: files
                .into_iter()
                .map(|(name, bytes, what)| CityExportFile {
                    path: dest.join(&name).display().to_string(),
                    bytes: bytes.len() as u64,
                    name,
                    what,
                })
                .collect(),
            without_works,
        })
    })();
    match &result {
        Ok(done) => {
            tracing::info!(folder = %dest.display(), files = done.files.len(), "city export written")
        }
        Err(e) => {
            if made_folder {
                // Only ever empty here: nothing is renamed into it before the last step.
                let _ = std::fs::remove_dir(dest);
            }
            tracing::warn!(folder = %dest.display(), code = %e.code, "city export not written: {}", e.message);
        }
    }
    result
}
