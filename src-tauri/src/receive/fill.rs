//! 待补 filled in: bytes the clerk fetched by hand (a 超大附件 downloaded from its link, a file
//! from a 网盘 or a stick) given to `receive --files`, as a folder without a manifest, or among
//! the files of `receive --zip`. Each is matched to a received file still without its intact
//! bytes by the SHA-256 the district's manifest states — never by its name — then stored,
//! probed, judged by the city's rules and recorded, settling the file's problems. Everything is
//! read and checked before anything is stored: a file that fits nothing changes nothing.

use std::collections::{BTreeSet, HashSet};
use std::path::{Path, PathBuf};

use serde::Serialize;
use ts_rs::TS;

use super::{ReceiveError, judge};
use crate::campaign::Campaign;
use crate::checks::Verdict;
use crate::fsx::human_size;
use crate::library::{Arrived, Library, Recorded, Source, Unfilled};
use crate::safe_path;

/// One file given by hand and what it filled in.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct FilledFile {
    /// The file as given.
    pub given: String,
    pub office: String,
    /// `第1批` …
    pub batch: String,
    /// Its path in the batch.
    pub path: String,
    #[ts(type = "number")]
    pub size: u64,
    pub sha256: String,
    /// The city's verdict by its own rules.
    pub verdict: Verdict,
    /// Its bytes had already been received and verified: nothing new.
    pub already: bool,
}

/// What giving files by hand did.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct FillReport {
    pub filled: Vec<FilledFile>,
    /// Files of a folder that belong to no received batch (left alone), with why.
    pub ignored: Vec<String>,
    /// The batches filled in, as they stand now.
    pub batches: Vec<Recorded>,
}

/// `dir` holds a package (its `manifest.json`), not loose files.
pub fn is_package(dir: &Path) -> bool {
    safe_path::join_inside(dir, "manifest.json")
        .ok()
        .and_then(|p| std::fs::symlink_metadata(p).ok())
        .is_some_and(|m| m.is_file())
}

/// Some of `files` looks like a file still to fill in — its name or its size is one's — so
/// a mismatch is worth saying rather than keeping it as mail's attachment.
pub(super) fn resembles_unfilled(
    lib: &Library,
    campaign: &Campaign,
    files: &[&PathBuf],
) -> Result<bool, ReceiveError> {
    let unfilled = lib.unfilled_files(&campaign.id)?;
    Ok(files.iter().any(|f| {
        let name = f.file_name().map(|n| n.to_string_lossy().into_owned());
        let size = std::fs::symlink_metadata(f).ok().map(|m| m.len());
        unfilled
            .iter()
            .any(|u| Some(file_name(&u.path)) == name.as_deref() || Some(u.size) == size)
    }))
}

fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// A given file, read: where it is, and its SHA-256 when its size made reading it worthwhile.
struct Given {
    path: PathBuf,
    shown: String,
    size: u64,
    sha256: Option<String>,
}

/// Fills in what `files` hold. With `every`, each file must be the bytes of a file still to
/// fill in (or of one already received: given again, nothing changes) or nothing is done;
/// without, the files that fit are taken and the others listed as ignored — but at least one
/// must fit.
pub fn fill_in(
    lib: &mut Library,
    files: &[PathBuf],
    campaign: &Campaign,
    every: bool,
    source: Source,
) -> Result<FillReport, ReceiveError> {
    let unfilled = lib.unfilled_files(&campaign.id)?;
    let sizes: HashSet<u64> = unfilled.iter().map(|u| u.size).collect();
    let known_sizes = lib.received_sizes(&campaign.id)?;
    let mut given = Vec::new();
    let mut wrong = Vec::new();
    for f in files {
        let shown = f.display().to_string();
        let meta = match std::fs::symlink_metadata(f) {
            Ok(m) if m.is_file() => m,
            Ok(_) => {
                wrong.push(format!(
                    "“{shown}”不是普通文件（可能是文件夹或链接），未读取"
                ));
                continue;
            }
            Err(e) => {
                return Err(ReceiveError::Unreadable {
                    path: f.clone(),
                    reason: crate::fsx::io_reason(&e),
                });
            }
        };
        let size = meta.len();
        // Hashing a file of no size any received file has would tell nothing.
        let sha256 = if sizes.contains(&size) || known_sizes.contains(&size) {
            Some(
                crate::digest::sha256_file(f).map_err(|e| ReceiveError::Unreadable {
                    path: f.clone(),
                    reason: crate::fsx::io_reason(&e),
                })?,
            )
        } else {
            None
        };
        given.push(Given {
            path: f.clone(),
            shown,
            size,
            sha256,
        });
    }
    // Every given file: the unfilled files it fills, or already received, or wrong.
    let mut fits: Vec<(&Given, Vec<&Unfilled>)> = Vec::new();
    let mut already: Vec<&Given> = Vec::new();
    for g in &given {
        let targets: Vec<&Unfilled> = unfilled
            .iter()
            .filter(|u| g.sha256.as_deref() == Some(u.sha256.as_str()))
            .collect();
        if !targets.is_empty() {
            fits.push((g, targets));
        } else if let Some(sha) = &g.sha256
            && lib.received_hash(&campaign.id, sha)?
        {
            already.push(g);
        } else {
            wrong.push(why_not(g, &unfilled));
        }
    }
    if (every && !wrong.is_empty()) || (fits.is_empty() && already.is_empty()) {
        return Err(ReceiveError::NotAwaited(refusal(&wrong, &unfilled)));
    }
    let mut filled = Vec::new();
    let mut records = Vec::new();
    {
        let _importing = lib.begin_import()?;
        for (g, targets) in &fits {
            let (stored_path, sha256) = lib.store_file(&g.path)?;
            if Some(sha256.as_str()) != g.sha256.as_deref() {
                return Err(ReceiveError::Unreadable {
                    path: g.path.clone(),
                    reason: "文件在读取期间被改动，请等它下载或复制完成后再试".into(),
                });
            }
            for u in targets {
                let (verdict, findings) =
                    judge(lib, &stored_path, campaign, campaign.category(&u.category));
                filled.push(FilledFile {
                    given: g.shown.clone(),
                    office: u.office.clone(),
                    batch: u.batch.clone(),
                    path: u.path.clone(),
                    size: u.size,
                    sha256: sha256.clone(),
                    verdict,
                    already: false,
                });
                records.push((
                    u.batch_id,
                    u.path.clone(),
                    Arrived {
                        stored_path: stored_path.clone(),
                        sha256: sha256.clone(),
                        verdict,
                        findings,
                    },
                ));
            }
        }
    }
    let touched = lib.record_filled(&records, &source)?;
    for g in already {
        filled.push(FilledFile {
            given: g.shown.clone(),
            office: String::new(),
            batch: String::new(),
            path: String::new(),
            size: g.size,
            sha256: g.sha256.clone().unwrap_or_default(),
            verdict: Verdict::Pass,
            already: true,
        });
    }
    let mut batches = Vec::new();
    for (batch_id, _) in &touched {
        batches.push(lib.recorded_batch(*batch_id)?);
    }
    tracing::info!(
        filled = records.len(),
        batches = batches.len(),
        ignored = wrong.len(),
        source = %source.kind,
        "files filled in by hand"
    );
    Ok(FillReport {
        filled,
        ignored: wrong,
        batches,
    })
}

/// Why given file `g` fills nothing in, in Chinese: the unfilled file of its name (or else of
/// its size) it differs from, if there is one.
fn why_not(g: &Given, unfilled: &[Unfilled]) -> String {
    let name = g
        .path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let like = unfilled
        .iter()
        .find(|u| file_name(&u.path) == name)
        .or_else(|| unfilled.iter().find(|u| u.size == g.size));
    match like {
        Some(u) if u.size != g.size => format!(
            "“{}”有 {}，而待补的“{}”（{} {}）应有 {}：文件可能没有下载完整，请重新下载",
            g.shown,
            human_size(g.size),
            u.path,
            u.office,
            u.batch,
            human_size(u.size)
        ),
        Some(u) => format!(
            "“{}”的 SHA-256 是 {}，而待补的“{}”（{} {}）应为 {}：文件已损坏或不是同一个文件，请重新下载",
            g.shown,
            g.sha256.as_deref().unwrap_or("?"),
            u.path,
            u.office,
            u.batch,
            u.sha256
        ),
        None => format!(
            "“{}”不是任何批次中待补的文件（大小与校验值都对不上）",
            g.shown
        ),
    }
}

/// The refusal: what was wrong, and what is awaited.
fn refusal(wrong: &[String], unfilled: &[Unfilled]) -> String {
    let mut lines: Vec<String> = wrong.to_vec();
    if lines.is_empty() {
        lines.push("给出的文件都不是待补的文件".into());
    }
    if unfilled.is_empty() {
        lines.push("收到的批次都已收齐，没有待补的文件。".into());
    } else {
        lines.push("仍在等待的文件（按 SHA-256 核对）：".into());
        let shown: BTreeSet<(&str, &str, &str, u64, &str)> = unfilled
            .iter()
            .map(|u| {
                (
                    u.office.as_str(),
                    u.batch.as_str(),
                    u.path.as_str(),
                    u.size,
                    u.sha256.as_str(),
                )
            })
            .collect();
        for (office, batch, path, size, sha) in shown.iter().take(10) {
            lines.push(format!(
                "  {office} {batch} {path}  {}  SHA-256 {sha}",
                human_size(*size)
            ));
        }
        if shown.len() > 10 {
            lines.push(format!("  ……共 {} 个", shown.len()));
        }
    }
    lines.join("\n")
}

/// Fills in from the regular files of folder `dir` (walked, no link followed): those that
/// fit are taken, the others listed as ignored; refused when none fits.
pub fn fill_in_folder(
    lib: &mut Library,
    dir: &Path,
    campaign: &Campaign,
) -> Result<FillReport, ReceiveError> {
    if safe_path::is_link(dir) || !dir.is_dir() {
        return Err(ReceiveError::Unreadable {
            path: dir.to_path_buf(),
            reason: "不是文件夹，或是一个链接（快捷方式），为安全起见不读取".into(),
        });
    }
    // With nothing awaited, a folder without a manifest is simply not a batch.
    if lib.unfilled_files(&campaign.id)?.is_empty() {
        return Err(ReceiveError::NoManifest(dir.to_path_buf()));
    }
    let (files, _links) = super::walk(dir);
    let files: Vec<PathBuf> = files
        .iter()
        .filter_map(|rel| safe_path::join_inside(dir, rel).ok())
        .collect();
    let source = Source {
        kind: "folder".into(),
        origin: dir.display().to_string(),
        from: None,
    };
    fill_in(lib, &files, campaign, false, source).map_err(|e| match e {
        ReceiveError::NotAwaited(why) => ReceiveError::NotAwaited(format!(
            "“{}”里没有 manifest.json（不是批次文件夹），其中也没有待补的文件：\n{why}",
            dir.display()
        )),
        e => e,
    })
}
