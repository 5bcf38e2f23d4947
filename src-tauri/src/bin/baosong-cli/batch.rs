//! `batch`: make, list, show, export, plan and delete 报送批次 from a terminal.

use baosong::fsx::human_size;
use std::path::PathBuf;

use baosong::api::MailPlanView;
use baosong::api::{self, BatchCreated};
use baosong::batch::plan::{Content, OversizeRoute, Packing};
use baosong::batch::{Batch, BatchRequest, LeftOut};
use baosong::package::attachments::PlanOptions;
use chrono::{DateTime, Utc};
use clap::Subcommand;

use super::{Cli, Failure, open_session, print_json, status};

#[derive(Subcommand)]
pub enum BatchCommand {
    /// 用推荐报送且无问题的作品制作一个批次（有问题的作品留在批次外并列出原因）
    Create {
        /// 只包括这些类别（逗号分隔的编号，如 recitation,micro-video；默认全部）
        #[arg(long, value_delimiter = ',')]
        categories: Vec<String>,
        /// 补报：只包括尚未在已导出或已发送批次中的作品
        #[arg(long)]
        supplement: bool,
        /// 以此时刻判断截止时间（RFC 3339；默认当前时间）
        #[arg(long, env = "BAOSONG_NOW", value_parser = status::parse_now)]
        now: Option<DateTime<Utc>>,
    },
    /// 列出本活动的批次
    List,
    /// 显示一个批次的作品与文件名
    Show { id: i64 },
    /// 把批次导出到文件夹（如U盘）：作品、报送汇总表、清单、校验值、说明
    Export {
        id: i64,
        /// 目标文件夹（批次文件夹建在其中）
        #[arg(long)]
        out: PathBuf,
    },
    /// 把批次按邮件大小限制分成若干封邮件，逐封列出附件与大小（不发送）
    Plan {
        id: i64,
        /// 每封邮件（编码后）的最大字节数；默认 QQ 邮箱的 73400320（70 MiB）
        #[arg(long = "max-message-bytes")]
        max_message_bytes: Option<u64>,
        /// 作品作为普通附件发送，而不是打包成 zip
        #[arg(long)]
        attachments: bool,
        /// 另行传送（QQ 超大附件、网盘、U盘）的文件（批次中的路径，可多次给出）
        #[arg(long)]
        separate: Vec<String>,
        /// 超过一封邮件的文件：split 分卷（默认），separate 另行传送
        #[arg(long, default_value = "split", value_parser = ["split", "separate"])]
        oversize: String,
        /// 把各封邮件的附件写到此文件夹（第01封、第02封……），可在网页邮箱中手动添加
        #[arg(long)]
        write: Option<PathBuf>,
    },
    /// 删除一个未发送的批次（作品本身不受影响）
    Delete { id: i64 },
}

pub fn batch_command(cli: &Cli, command: &BatchCommand) -> Result<(), Failure> {
    match command {
        BatchCommand::Create {
            categories,
            supplement,
            now,
        } => {
            let mut session = open_session(cli)?;
            let request = BatchRequest {
                categories: categories
                    .iter()
                    .map(|c| c.trim().to_owned())
                    .filter(|c| !c.is_empty())
                    .collect(),
                supplement: *supplement,
            };
            let now = match now {
                Some(n) => *n,
                None => api::clock()?,
            };
            let created = session.create_batch(&request, now)?;
            if cli.json {
                print_json(&created);
            } else {
                print_created(&created);
            }
        }
        BatchCommand::List => {
            let session = open_session(cli)?;
            let list = session.batches()?;
            if cli.json {
                print_json(&list);
            } else if list.is_empty() {
                outln!("还没有报送批次。用 batch create 制作一个。");
            } else {
                for b in &list {
                    let state = match (&b.sent_at, &b.exported_at) {
                        (Some(_), _) => "已发送",
                        (None, Some(_)) => "已导出",
                        _ => "未发送",
                    };
                    outln!(
                        "{:>4}  {}  {}件作品 {}个文件 {}  {}  {}",
                        b.id,
                        b.label,
                        b.works,
                        b.files,
                        human_size(b.bytes),
                        b.contents,
                        state
                    );
                }
            }
        }
        BatchCommand::Show { id } => {
            let session = open_session(cli)?;
            let batch = session.batch(*id)?;
            if cli.json {
                print_json(&batch);
            } else {
                print_batch(&batch);
            }
        }
        BatchCommand::Export { id, out } => {
            let session = open_session(cli)?;
            let jobs = baosong::jobs::Jobs::new();
            let job = session.start_job(&jobs)?;
            drop(session);
            let mut last = 0u64;
            let quiet = cli.json;
            let report = api::export_batch(&job, *id, out, &mut |p| {
                // A line per 10% is enough in a terminal.
                if !quiet && p.total_bytes > 0 {
                    let tenth = p.done_bytes * 10 / p.total_bytes;
                    if tenth > last {
                        last = tenth;
                        eprintln!("  {}% {}", tenth * 10, p.current);
                    }
                }
            })?;
            if cli.json {
                print_json(&report);
            } else {
                outln!(
                    "已导出 {} 个文件（{}）到 {}",
                    report.files,
                    human_size(report.bytes),
                    report.folder
                );
            }
        }
        BatchCommand::Plan {
            id,
            max_message_bytes,
            attachments,
            separate,
            oversize,
            write,
        } => {
            let options = PlanOptions {
                max_message_bytes: *max_message_bytes,
                packing: if *attachments {
                    Packing::Attachments
                } else {
                    Packing::Zip
                },
                separate: separate.clone(),
                oversize: if oversize == "separate" {
                    OversizeRoute::Separate
                } else {
                    OversizeRoute::Split
                },
            };
            let session = open_session(cli)?;
            let plan = session.plan_batch(*id, &options)?;
            let written = match write {
                Some(dir) => {
                    let jobs = baosong::jobs::Jobs::new();
                    let job = session.start_job(&jobs)?;
                    Some(api::write_attachments(
                        &job,
                        *id,
                        &options,
                        dir,
                        &mut |_| {},
                    )?)
                }
                None => None,
            };
            if cli.json {
                let mut value = serde_json::to_value(&plan).unwrap_or_default();
                if let Some((folder, files)) = &written {
                    value["written"] = serde_json::json!({
                        "folder": folder.display().to_string(),
                        "files": files,
                    });
                }
                print_json(&value);
            } else {
                print_plan(&plan);
                if let Some((folder, files)) = &written {
                    outln!("已写出 {} 个附件到 {}", files.len(), folder.display());
                }
            }
        }
        BatchCommand::Delete { id } => {
            let mut session = open_session(cli)?;
            session.delete_batch(*id)?;
            if cli.json {
                print_json(&serde_json::json!({ "deleted": id }));
            } else {
                outln!("已删除批次 {id}（作品仍在作品库中）");
            }
        }
    }
    Ok(())
}

fn print_left_out(title: &str, list: &[LeftOut]) {
    if list.is_empty() {
        return;
    }
    outln!("{title}（{}件）：", list.len());
    for l in list {
        outln!(
            "  [{}] {}：{}",
            l.category_name,
            l.title,
            l.problems.join("；")
        );
    }
}

fn print_created(c: &BatchCreated) {
    outln!(
        "已制作{}（编号 {}）：{}件作品",
        c.batch.label(),
        c.batch.id,
        c.batch.entries.len()
    );
    print_left_out("未放入批次的作品", &c.left_out);
    print_left_out("之前已报送、本次不再包括", &c.already_sent);
    for w in &c.warnings {
        outln!("提醒：{w}");
    }
}

fn print_batch(b: &Batch) {
    outln!(
        "{} · {} · {}（编号 {}，制作于 {}）",
        b.header.office_name,
        b.header.campaign_short_name,
        b.label(),
        b.id,
        b.created_at
    );
    for c in &b.header.categories {
        outln!("{}（{}件）", c.folder, c.count);
        for e in b.entries.iter().filter(|e| e.fields.category == c.id) {
            for f in &e.files {
                outln!("  {}  {}", f.package_path, human_size(f.size));
            }
        }
    }
    print_left_out("未放入批次的作品", &b.header.left_out);
}

fn print_plan(p: &MailPlanView) {
    outln!(
        "{}：共{}封邮件（每封不超过 {}）",
        p.label,
        p.messages.len(),
        human_size(p.max_message_bytes)
    );
    for m in &p.messages {
        outln!("第{}封（约 {}）", m.index, human_size(m.encoded_bytes));
        for a in &m.attachments {
            let what = match &a.content {
                Content::File { .. } => String::new(),
                Content::Zip { paths } => format!("，含{}个作品文件", paths.len()),
                Content::Volume { index, count, .. } => format!("，分卷 {index}/{count}"),
            };
            outln!("  {}  {}{what}", a.name, human_size(a.raw_bytes));
        }
    }
    for s in &p.separate {
        outln!(
            "另行传送：{}（{}，SHA-256 {}）",
            s.path,
            human_size(s.size),
            s.sha256
        );
    }
}
