//! A batch planned into mail messages, and the messages' attachments written to a folder.
//!
//! [`plan_batch`] turns a [`Batch`] into a [`Plan`] (pure: same batch, same options → same
//! messages). [`write_attachments`] writes every attachment of every message into
//! `第01封/`, `第02封/` … of a new folder: the self-contained stored zips (each with its own
//! `manifest.json`, padded to the size the plan reserved, and checked to be exactly the
//! planned size), the volumes cut from a one-file zip, and the plain attachments. The send
//! step attaches these files; a clerk can also attach them by hand in webmail.

use std::fs::{self, File};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use ts_rs::TS;
use zip::write::SimpleFileOptions;

use super::PackageError;
use crate::batch::plan::{self, Content, MailPlan, OversizeRoute, Packing, PlanFile, PlanInput};
use crate::batch::{Batch, manifest};
use crate::fsx::io_reason;
use crate::progress::{CancelToken, Progress};

/// QQ Mail's limit for one whole message as sent (after base64): 70 MiB, what its server
/// announces in EHLO (`SIZE 73400320`). Used until the account's own server says otherwise.
pub const DEFAULT_MAX_MESSAGE_BYTES: u64 = 70 * 1024 * 1024;

/// How the clerk wants the batch cut into messages.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct PlanOptions {
    /// The whole encoded message's limit; `None` for [`DEFAULT_MAX_MESSAGE_BYTES`].
    #[ts(type = "number | null")]
    pub max_message_bytes: Option<u64>,
    pub packing: Packing,
    /// Package paths sent another way (另行传送: QQ 超大附件, 网盘, U盘).
    pub separate: Vec<String>,
    /// What happens to a file too big for one message and not in `separate`.
    pub oversize: OversizeRoute,
}

/// The zips' base name: `金平区总工会-汕头好网民2023`.
pub fn zip_base_name(batch: &Batch) -> String {
    format!(
        "{}-{}",
        batch.header.office_name, batch.header.campaign_short_name
    )
}

/// The messages `batch` goes out in under `options`, with the small files its first message
/// carries (see [`super::extras`]); `zone` is the campaign's, for the times they print.
pub fn plan_for_mail(
    library_root: &Path,
    batch: &Batch,
    zone: chrono_tz::Tz,
    options: &PlanOptions,
) -> Result<(MailPlan, super::Extras), PackageError> {
    let local = crate::clock::local_time(&batch.created_at, zone);
    let extras = super::extras(library_root, batch, &local, true)?;
    let files: Vec<PlanFile> = batch
        .files()
        .map(|(_, f)| PlanFile {
            path: f.package_path.clone(),
            size: f.size,
            sha256: f.sha256.clone(),
        })
        .collect();
    let sizes: Vec<(String, u64)> = extras
        .iter()
        .map(|(n, b)| (n.clone(), b.len() as u64))
        .collect();
    let base = zip_base_name(batch);
    let plan = plan::plan(&PlanInput {
        files: &files,
        first_extras: &sizes,
        max_message_bytes: options
            .max_message_bytes
            .unwrap_or(DEFAULT_MAX_MESSAGE_BYTES),
        packing: options.packing,
        separate: &options.separate,
        default_route: options.oversize,
        zip_base_name: &base,
    })?;
    Ok((plan, extras))
}

/// One attachment as written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct WrittenAttachment {
    pub message: u32,
    pub name: String,
    /// Absolute path of the written file.
    pub path: String,
    #[ts(type = "number")]
    pub size: u64,
}

/// Writes every attachment of `plan` under `dest/<package>-邮件附件/第NN封/`, by temporary
/// folder and rename. `library_root` holds the stored files.
/// What [`write_attachments`] writes: a batch's plan, how it packs, and message 1's extras.
pub struct Attachments<'a> {
    pub batch: &'a Batch,
    pub plan: &'a MailPlan,
    pub packing: Packing,
    pub extras: &'a [(String, Vec<u8>)],
}

pub fn write_attachments(
    library_root: &Path,
    what: &Attachments<'_>,
    dest: &Path,
    progress: &mut dyn FnMut(&Progress),
    cancel: &CancelToken,
) -> Result<(PathBuf, Vec<WrittenAttachment>), PackageError> {
    let Attachments {
        batch,
        plan,
        packing,
        extras,
    } = *what;
    if !dest.is_dir() {
        return Err(PackageError::NoDestination(dest.to_path_buf()));
    }
    let name = format!("{}-邮件附件", batch.package_name());
    let target = dest.join(&name);
    if target.exists() {
        fs::remove_dir_all(&target).map_err(|e| PackageError::Write {
            path: target.clone(),
            reason: io_reason(&e),
        })?;
    }
    let tmp = dest.join(format!(".{name}.partial-{}", std::process::id()));
    let _ = fs::remove_dir_all(&tmp);
    let result = Writer {
        packing,
        library_root,
        batch,
        extras,
        progress,
        cancel,
        state: Progress {
            phase: "生成邮件附件".to_owned(),
            total_bytes: plan
                .messages
                .iter()
                .flat_map(|m| m.attachments.iter())
                .map(|a| a.raw_bytes)
                .sum(),
            total_files: plan
                .messages
                .iter()
                .map(|m| m.attachments.len() as u32)
                .sum(),
            ..Progress::default()
        },
    }
    .write(plan, &tmp)
    .and_then(|written| {
        // Every file was synced as written; their directory entries are made durable before
        // the folder appears under its name, and the rename before anyone names the folder.
        for m in &plan.messages {
            let dir = tmp.join(message_folder(m.index));
            crate::fsx::sync_dir(&dir).map_err(|e| write_err(&dir, e))?;
        }
        crate::fsx::sync_dir(&tmp).map_err(|e| write_err(&tmp, e))?;
        fs::rename(&tmp, &target).map_err(|e| PackageError::Write {
            path: target.clone(),
            reason: io_reason(&e),
        })?;
        crate::fsx::sync_dir(dest).map_err(|e| write_err(dest, e))?;
        Ok(written)
    });
    match result {
        Ok(written) => {
            let written = written
                .into_iter()
                .map(|mut w| {
                    w.path = target
                        .join(w.path.trim_start_matches('/'))
                        .display()
                        .to_string();
                    w
                })
                .collect();
            Ok((target, written))
        }
        Err(e) => {
            let _ = fs::remove_dir_all(&tmp);
            Err(e)
        }
    }
}

/// The folder of message `index`: `第01封`.
pub fn message_folder(index: u32) -> String {
    format!("第{index:02}封")
}

struct Writer<'a> {
    packing: Packing,
    library_root: &'a Path,
    batch: &'a Batch,
    extras: &'a [(String, Vec<u8>)],
    progress: &'a mut dyn FnMut(&Progress),
    cancel: &'a CancelToken,
    state: Progress,
}

impl Writer<'_> {
    fn write(
        mut self,
        plan: &MailPlan,
        tmp: &Path,
    ) -> Result<Vec<WrittenAttachment>, PackageError> {
        fs::create_dir(tmp).map_err(|e| write_err(tmp, e))?;
        let count = u32::try_from(
            plan.messages
                .iter()
                .flat_map(|m| m.attachments.iter())
                .filter(|a| match &a.content {
                    Content::Zip { .. } => true,
                    Content::Volume { index, .. } => *index == 1,
                    Content::File { .. } => false,
                })
                .count(),
        )
        .unwrap_or(u32::MAX);
        let mut package = 0u32;
        let mut written = Vec::new();
        // The one-file zip volumes are cut from, while its volumes are being written.
        let mut source: Option<(String, PathBuf)> = None;
        for m in &plan.messages {
            let folder = message_folder(m.index);
            let dir = tmp.join(&folder);
            fs::create_dir(&dir).map_err(|e| write_err(&dir, e))?;
            for a in &m.attachments {
                if self.cancel.is_cancelled() {
                    return Err(PackageError::Cancelled);
                }
                self.state.current = a.name.clone();
                (self.progress)(&self.state);
                let to = dir.join(&a.name);
                match &a.content {
                    Content::File { path } => {
                        if let Some((_, bytes)) = self.extras.iter().find(|(n, _)| n == path) {
                            write_new(&to, bytes)?;
                        } else {
                            let stored = self.stored(path)?;
                            copy_range(&stored, &to, 0, None)?;
                        }
                    }
                    Content::Zip { paths } => {
                        package += 1;
                        self.zip(&to, paths, package, count, a.raw_bytes)?;
                    }
                    Content::Volume {
                        source_name,
                        paths,
                        index,
                        count: volumes,
                        offset,
                        len,
                    } => {
                        let from = match self.volume_source(paths)? {
                            VolumeSource::Zip => {
                                if *index == 1 {
                                    package += 1;
                                    let zip_path = tmp.join(format!(".{source_name}"));
                                    let size = plan::zip_size(&zip_entries(paths, self.batch));
                                    self.zip(&zip_path, paths, package, count, size)?;
                                    source = Some((source_name.clone(), zip_path));
                                }
                                match &source {
                                    Some((n, p)) if n == source_name => p.clone(),
                                    _ => {
                                        return Err(PackageError::Attachments(
                                            "分卷顺序有误".to_owned(),
                                        ));
                                    }
                                }
                            }
                            VolumeSource::Raw(stored) => stored,
                        };
                        copy_range(&from, &to, *offset, Some(*len))?;
                        if index == volumes
                            && let Some((_, p)) = source.take()
                        {
                            let _ = fs::remove_file(p);
                        }
                    }
                }
                let size = fs::metadata(&to).map_err(|e| write_err(&to, e))?.len();
                if size != a.raw_bytes {
                    return Err(PackageError::Attachments(format!(
                        "附件“{}”的大小（{size}）与计划（{}）不符",
                        a.name, a.raw_bytes
                    )));
                }
                self.state.done_bytes += size;
                self.state.done_files += 1;
                written.push(WrittenAttachment {
                    message: m.index,
                    name: a.name.clone(),
                    path: format!("{folder}/{}", a.name),
                    size,
                });
            }
        }
        Ok(written)
    }

    /// Volumes of a zip (Zip packing) or of the raw file (Attachments packing).
    fn volume_source(&self, paths: &[String]) -> Result<VolumeSource, PackageError> {
        match (self.packing, paths.first()) {
            (Packing::Zip, _) => Ok(VolumeSource::Zip),
            (Packing::Attachments, Some(path)) => Ok(VolumeSource::Raw(self.stored(path)?)),
            (Packing::Attachments, None) => {
                Err(PackageError::Attachments("分卷没有文件".to_owned()))
            }
        }
    }

    fn stored(&self, package_path: &str) -> Result<PathBuf, PackageError> {
        self.batch
            .files()
            .find(|(_, f)| f.package_path == package_path)
            .ok_or_else(|| PackageError::Attachments(format!("批次中没有“{package_path}”")))
            .and_then(|(_, f)| {
                Ok(crate::library::stored_file_path(
                    self.library_root,
                    &f.stored_path,
                )?)
            })
    }

    /// A stored zip of `paths` and its part manifest, exactly `planned` bytes long.
    fn zip(
        &mut self,
        to: &Path,
        paths: &[String],
        index: u32,
        count: u32,
        planned: u64,
    ) -> Result<(), PackageError> {
        let file = File::options()
            .write(true)
            .create_new(true)
            .open(to)
            .map_err(|e| write_err(to, e))?;
        let mut zip = zip::ZipWriter::new(file);
        let time = zip_time(&self.batch.created_at);
        let mut budgeted = 0usize;
        for path in paths {
            let (_, f) = self
                .batch
                .files()
                .find(|(_, f)| &f.package_path == path)
                .ok_or_else(|| PackageError::Attachments(format!("批次中没有“{path}”")))?;
            let options = SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Stored)
                .large_file(f.size >= 0xFFFF_FFFF)
                .last_modified_time(time);
            zip.start_file(path.as_str(), options)
                .map_err(|e| zip_err(to, e))?;
            crate::safe_path::check_relative(path)?;
            let from = crate::library::stored_file_path(self.library_root, &f.stored_path)?;
            let mut input = File::open(from).map_err(|e| PackageError::Read {
                name: f.original_name.clone(),
                reason: io_reason(&e),
            })?;
            let mut buf = vec![0u8; 1 << 20];
            loop {
                if self.cancel.is_cancelled() {
                    return Err(PackageError::Cancelled);
                }
                let n = input.read(&mut buf).map_err(|e| PackageError::Read {
                    name: f.original_name.clone(),
                    reason: io_reason(&e),
                })?;
                if n == 0 {
                    break;
                }
                zip.write_all(&buf[..n]).map_err(|e| write_err(to, e))?;
            }
            budgeted += 1;
        }
        let keep = |f: &crate::batch::BatchFile| paths.contains(&f.package_path);
        let mut m = manifest::build(self.batch, Some(manifest::PartInfo { index, count }), &keep);
        for e in &mut m.entries {
            // The full manifest (message 1) has these; the part's stays within its budget.
            e.description.clear();
            for f in &mut e.files {
                f.findings.clear();
            }
        }
        let mut bytes = serde_json::to_vec(&m).unwrap_or_default();
        let budget = plan::part_manifest_budget(budgeted) as usize;
        if bytes.len() > budget {
            return Err(PackageError::Attachments(format!(
                "分包清单超出预留大小（{} > {budget}）",
                bytes.len()
            )));
        }
        // JSON allows trailing whitespace: pad to the size the plan reserved.
        bytes.resize(budget, b' ');
        let options = SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored)
            .last_modified_time(time);
        zip.start_file(plan::MANIFEST_NAME, options)
            .map_err(|e| zip_err(to, e))?;
        zip.write_all(&bytes).map_err(|e| write_err(to, e))?;
        let file = zip.finish().map_err(|e| zip_err(to, e))?;
        file.sync_all().map_err(|e| write_err(to, e))?;
        let size = file.metadata().map_err(|e| write_err(to, e))?.len();
        if size != planned {
            return Err(PackageError::Attachments(format!(
                "压缩包“{}”的大小（{size}）与计划（{planned}）不符",
                to.display()
            )));
        }
        Ok(())
    }
}

enum VolumeSource {
    Zip,
    Raw(PathBuf),
}

fn zip_entries<'a>(paths: &'a [String], batch: &'a Batch) -> Vec<(&'a str, u64)> {
    let mut list: Vec<(&str, u64)> = paths
        .iter()
        .filter_map(|p| {
            batch
                .files()
                .find(|(_, f)| &f.package_path == p)
                .map(|(_, f)| (p.as_str(), f.size))
        })
        .collect();
    let n = list.len();
    list.push((plan::MANIFEST_NAME, plan::part_manifest_budget(n)));
    list
}

fn zip_time(rfc3339: &str) -> zip::DateTime {
    chrono::DateTime::parse_from_rfc3339(rfc3339)
        .ok()
        .map(|t| t.with_timezone(&chrono_tz::Asia::Shanghai))
        .and_then(|t| {
            use chrono::{Datelike, Timelike};
            zip::DateTime::from_date_and_time(
                u16::try_from(t.year()).ok()?,
                u8::try_from(t.month()).ok()?,
                u8::try_from(t.day()).ok()?,
                u8::try_from(t.hour()).ok()?,
                u8::try_from(t.minute()).ok()?,
                u8::try_from(t.second()).ok()?,
            )
            .ok()
        })
        .unwrap_or_default()
}

fn write_err(path: &Path, e: std::io::Error) -> PackageError {
    PackageError::Write {
        path: path.to_path_buf(),
        reason: io_reason(&e),
    }
}

fn zip_err(path: &Path, e: zip::result::ZipError) -> PackageError {
    match e {
        zip::result::ZipError::Io(io) => write_err(path, io),
        other => PackageError::Write {
            path: path.to_path_buf(),
            reason: other.to_string(),
        },
    }
}

fn write_new(path: &Path, bytes: &[u8]) -> Result<(), PackageError> {
    let mut f = File::options()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|e| write_err(path, e))?;
    f.write_all(bytes).map_err(|e| write_err(path, e))?;
    f.sync_all().map_err(|e| write_err(path, e))
}

/// Copies `len` bytes (all when None) of `from` starting at `offset` into the new file `to`.
fn copy_range(from: &Path, to: &Path, offset: u64, len: Option<u64>) -> Result<(), PackageError> {
    let read_err = |e: std::io::Error| PackageError::Read {
        name: from.display().to_string(),
        reason: io_reason(&e),
    };
    let mut input = File::open(from).map_err(read_err)?;
    input.seek(SeekFrom::Start(offset)).map_err(read_err)?;
    let mut output = File::options()
        .write(true)
        .create_new(true)
        .open(to)
        .map_err(|e| write_err(to, e))?;
    let copied = match len {
        Some(n) => std::io::copy(&mut (&mut input).take(n), &mut output),
        None => std::io::copy(&mut input, &mut output),
    }
    .map_err(|e| write_err(to, e))?;
    if len.is_some_and(|n| n != copied) {
        return Err(read_err(std::io::Error::from(
            std::io::ErrorKind::UnexpectedEof,
        )));
    }
    output.sync_all().map_err(|e| write_err(to, e))
}
