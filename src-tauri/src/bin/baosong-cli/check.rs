//! `check` and `probe`: files judged by a campaign's rules, or only read, without a library.

use std::path::PathBuf;

use baosong::api::{self, PathCheck};
use baosong::campaign;
use baosong::checks::{self, Finding, Verdict};
use baosong::media;
use clap::Args;

use super::{Cli, Failure, print_json, usage};

#[derive(Args)]
pub struct CheckArgs {
    /// 要检查的文件（可多个）
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// 征集活动编号（默认：资料库所用的活动，或汕头2023）
    #[arg(long)]
    campaign: Option<String>,
    /// 类别（子项目）编号，如 micro-video
    #[arg(long)]
    category: String,
}

/// One file's report, as `check --json` prints it (documented in the README).
#[derive(serde::Serialize)]
struct CheckReport {
    path: String,
    kind: String,
    container: String,
    container_label: String,
    duration_s: Option<f64>,
    width: Option<u32>,
    height: Option<u32>,
    display_width: Option<u32>,
    display_height: Option<u32>,
    rotation_cw: Option<u32>,
    video_codec: Option<String>,
    audio_codec: Option<String>,
    frame_rate: Option<f64>,
    complete: bool,
    verdict: Verdict,
    findings: Vec<Finding>,
}

pub fn check_command(cli: &Cli, a: &CheckArgs) -> Result<(), Failure> {
    let campaign = super::campaign::chosen(cli, a.campaign.as_deref())?;
    let Some(category) = campaign.category(&a.category) else {
        let known: Vec<&str> = campaign.categories.iter().map(|c| c.id.as_str()).collect();
        return Err(usage(format!(
            "活动“{}”没有类别“{}”，可选：{}",
            campaign.id,
            a.category,
            known.join("、")
        )));
    };
    let mut reports = Vec::with_capacity(a.files.len());
    for path in &a.files {
        // The same judgement as the window's entry form (`check_paths`).
        let PathCheck { path, facts, check } =
            api::check_path(&campaign, Some(category.id.as_str()), path);
        let f = facts.as_ref();
        reports.push(CheckReport {
            path,
            kind: f.map_or("other".into(), |f| {
                serde_json::to_value(f.kind)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default()
            }),
            container: f.map_or("unreadable".into(), |f| f.container.clone()),
            container_label: f.map_or("无法打开".into(), |f| f.container_label.clone()),
            duration_s: f.and_then(|f| f.duration_s),
            width: f.and_then(|f| f.width),
            height: f.and_then(|f| f.height),
            display_width: f.and_then(|f| f.display_width),
            display_height: f.and_then(|f| f.display_height),
            rotation_cw: f.and_then(|f| f.rotation_cw),
            video_codec: f.and_then(|f| f.video_codec.clone()),
            audio_codec: f.and_then(|f| f.audio_codec.clone()),
            frame_rate: f.and_then(|f| f.frame_rate),
            complete: f.is_some_and(|f| f.complete),
            verdict: check.verdict,
            findings: check.findings,
        });
    }
    if cli.json {
        print_json(&reports);
    } else {
        for r in &reports {
            print_report(r);
        }
    }
    let failed = reports
        .iter()
        .filter(|r| r.verdict == Verdict::Fail)
        .count();
    if failed > 0 {
        return Err(Failure {
            message: format!("{failed} 个文件不合格"),
            code: "check.failed".into(),
            exit: 1,
        });
    }
    Ok(())
}

pub fn probe_command(cli: &Cli, files: &[PathBuf]) -> Result<(), Failure> {
    let mut out = Vec::with_capacity(files.len());
    for path in files {
        let open = || -> std::io::Result<(media::MediaFacts, u64, u64)> {
            let file = std::fs::File::open(path)?;
            let len = file.metadata()?.len();
            let started = std::time::Instant::now();
            // Count at the file, under the buffer: what really came off the disk.
            let mut reader =
                std::io::BufReader::with_capacity(16 * 1024, media::CountingReader::new(file));
            let facts = media::probe_reader(&mut reader, len);
            let micros = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
            Ok((facts, reader.get_ref().bytes_read, micros))
        };
        let (facts, bytes_read, micros) = open().map_err(|e| Failure {
            message: format!(
                "无法打开“{}”：{}",
                path.display(),
                baosong::fsx::io_reason(&e)
            ),
            code: "file.read".into(),
            exit: 2,
        })?;
        if cli.json {
            out.push(serde_json::json!({
                "path": path.display().to_string(),
                "facts": facts,
                "bytes_read": bytes_read,
                "micros": micros,
            }));
        } else {
            outln!(
                "{}：{}（读取 {bytes_read} 字节，用时 {micros} 微秒）",
                path.display(),
                facts.container_label
            );
        }
    }
    if cli.json {
        print_json(&out);
    }
    Ok(())
}

fn print_report(r: &CheckReport) {
    outln!("{}  [{}]", r.path, r.verdict.label());
    let mut facts = vec![r.container_label.clone()];
    if let Some(d) = r.duration_s {
        facts.push(format!("时长 {}", checks::format_duration(d)));
    }
    if let (Some(w), Some(h)) = (r.display_width, r.display_height) {
        facts.push(format!("画面 {w}×{h}"));
    }
    if let Some(c) = &r.video_codec {
        facts.push(format!("视频编码 {c}"));
    }
    if let Some(c) = &r.audio_codec {
        facts.push(format!("音频编码 {c}"));
    }
    outln!("  {}", facts.join("，"));
    for f in &r.findings {
        let level = match f.severity {
            campaign::Severity::Error => "不合格",
            campaign::Severity::Warning => "提醒",
        };
        outln!("  - {level}：{}", f.message);
    }
}
