//! 市级收件: `receive` (batches in) and `city status` / `city works` (the whole city).

use std::path::PathBuf;

use baosong::city::UnitState;
use baosong::city::reply::ReplyKind;
use clap::{Args, Subcommand};

use super::{Cli, Failure, open_session, print_json, usage};

#[derive(Args)]
#[command(group(clap::ArgGroup::new("from").required(true).multiple(true).args(["folders", "emls", "maildirs", "imap", "zips"])))]
pub struct ReceiveArgs {
    /// 报送单位导出的批次文件夹（如U盘上的“金平区总工会-汕头好网民2023-第1批”），可给多个
    #[arg(long = "folder", value_name = "DIR", num_args = 1..)]
    folders: Vec<PathBuf>,
    /// 邮件文件（.eml，如从邮箱网页版下载的），可给多个
    #[arg(long = "eml", value_name = "FILE", num_args = 1..)]
    emls: Vec<PathBuf>,
    /// 邮件文件夹（Maildir：其中的 cur/ 与 new/，连同 .Junk 等子文件夹）
    #[arg(long = "maildir", value_name = "DIR", num_args = 1..)]
    maildirs: Vec<PathBuf>,
    /// 从收件邮箱（IMAP，只读）收取新邮件：收件箱与垃圾邮件文件夹
    #[arg(long)]
    imap: bool,
    /// 手工保存的邮件附件：压缩包、分卷（.zip.001…）、manifest.json 等，一起作为一次收件
    #[arg(long = "zip", value_name = "FILE", num_args = 1..)]
    zips: Vec<PathBuf>,
}

#[derive(Subcommand)]
pub enum CityCommand {
    /// 全市一览：每个单位每个类别收到多少、合格多少、是否达标
    Status {
        /// 以此时刻计算（RFC 3339；默认当前时间）
        #[arg(long, env = "BAOSONG_NOW", value_parser = super::status::parse_now)]
        now: Option<chrono::DateTime<chrono::Utc>>,
    },
    /// 收到的作品（各批次的最新版本）
    Works {
        /// 只列此单位
        #[arg(long)]
        office: Option<String>,
        /// 只列此类别
        #[arg(long)]
        category: Option<String>,
    },
    /// 答复报送单位：把收件回执或补正通知加入发件箱，发给这个批次的来信地址（每批每版每种只发一次）
    #[command(group(clap::ArgGroup::new("kind").required(true).args(["receipt", "correction"])))]
    Reply {
        /// 收件批次编号（city works --json 或 receive --json 中的 batch_id）
        #[arg(long)]
        batch: i64,
        /// 收件回执：收到了什么，每个文件的 SHA-256、大小、是否核对一致、市级检查结论
        #[arg(long)]
        receipt: bool,
        /// 补正通知：缺少、损坏、多出的文件，未通过市级检查的作品，以及如何补正
        #[arg(long)]
        correction: bool,
        /// 收件地址（批次从文件夹或U盘收入、没有来信地址时必填；填了则用它）
        #[arg(long, value_name = "ADDR")]
        to: Option<String>,
        /// 只显示将要发送的内容，不加入发件箱
        #[arg(long)]
        preview: bool,
    },
}

/// Exit 0 when every folder was taken in (problems inside a batch are reported, not fatal),
/// 2 when one could not be read at all (the others are still taken in).
pub fn receive_command(cli: &Cli, a: &ReceiveArgs) -> Result<(), Failure> {
    let mail = !a.emls.is_empty() || !a.maildirs.is_empty();
    if [mail, !a.folders.is_empty(), a.imap]
        .iter()
        .filter(|x| **x)
        .count()
        > 1
    {
        return Err(usage(
            "一次只收一种来源：邮件文件（--eml、--maildir）、收件邮箱（--imap）、附件（--zip）或批次文件夹（--folder）",
        ));
    }
    let mut session = open_session(cli)?;
    if a.imap {
        let report = session.receive_imap()?;
        if cli.json {
            print_json(&report);
        } else {
            for f in &report.folders {
                let restarted = if f.restarted {
                    "（邮箱重建过，从头读取）"
                } else {
                    ""
                };
                outln!("“{}”：{} 封新邮件{restarted}", f.folder, f.new_messages);
            }
            print_mail_report(&report.mail);
        }
        if let (Some(code), Some(message)) = (&report.stopped_code, &report.stopped) {
            return Err(Failure {
                message: format!("收取中断（已收到的邮件已保存，下次从这里继续）：{message}"),
                code: code.clone(),
                exit: 1,
            });
        }
        return Ok(());
    }
    if !a.zips.is_empty() {
        let report = session.receive_files(&a.zips)?;
        if cli.json {
            print_json(&report);
        } else {
            print_mail_report(&report);
        }
        return Ok(());
    }
    if mail {
        let emls: Vec<&std::path::Path> = a.emls.iter().map(PathBuf::as_path).collect();
        let maildirs: Vec<&std::path::Path> = a.maildirs.iter().map(PathBuf::as_path).collect();
        let report = session.receive_mail(&emls, &maildirs)?;
        if cli.json {
            print_json(&report);
        } else {
            print_mail_report(&report);
        }
        return Ok(());
    }
    let dirs: Vec<&std::path::Path> = a.folders.iter().map(PathBuf::as_path).collect();
    let results = session.receive_folders(&dirs)?;
    if cli.json {
        let items: Vec<serde_json::Value> = results
            .iter()
            .zip(&a.folders)
            .map(|(r, dir)| match r {
                Ok(rec) => serde_json::json!({ "folder": dir, "batch": rec }),
                Err(e) => serde_json::json!({
                    "folder": dir, "error": { "code": e.code, "message": e.message }
                }),
            })
            .collect();
        print_json(&serde_json::json!({ "received": items }));
    } else {
        for (r, dir) in results.iter().zip(&a.folders) {
            match r {
                Ok(rec) => {
                    let what = if rec.new_batch {
                        "收到"
                    } else if rec.files_added > 0 {
                        "补收"
                    } else {
                        "已收过"
                    };
                    outln!(
                        "{what}：{} {}（{} 件作品，{}/{} 个文件校验一致）",
                        rec.office,
                        rec.label,
                        rec.works,
                        rec.verified,
                        rec.files
                    );
                    for p in &rec.problems {
                        outln!("  [问题] {}", p.message);
                    }
                }
                Err(e) => outln!("未收：{}：{}", dir.display(), e.message),
            }
        }
    }
    let failed = results.iter().filter(|r| r.is_err()).count();
    if failed > 0 {
        return Err(Failure {
            message: format!("有 {failed} 个文件夹未能收入（见上）"),
            code: "receive.partial".into(),
            exit: 2,
        });
    }
    Ok(())
}

pub fn city_command(cli: &Cli, c: &CityCommand) -> Result<(), Failure> {
    let mut session = open_session(cli)?;
    match c {
        CityCommand::Status { now } => {
            let now = now.unwrap_or_else(chrono::Utc::now);
            let status = session.city_status(now)?;
            if cli.json {
                print_json(&status);
                return Ok(());
            }
            if let Some(d) = &status.deadline {
                let passed = if status.deadline_passed {
                    "（已过）"
                } else {
                    ""
                };
                outln!("报送截止：{d}{passed}");
            }
            for d in &status.districts {
                let cells: Vec<String> = d
                    .categories
                    .iter()
                    .map(|c| {
                        let mark = match c.status {
                            UnitState::Met => "✓",
                            UnitState::NotSent | UnitState::Overdue => "·",
                            _ => "!",
                        };
                        format!("{}{mark}{}", c.name, c.text)
                    })
                    .collect();
                outln!("{}（{} 批）：{}", d.office, d.batches, cells.join("  "));
            }
        }
        CityCommand::Works { office, category } => {
            let works = session.city_works(office.as_deref(), category.as_deref())?;
            if cli.json {
                print_json(&works);
                return Ok(());
            }
            for w in &works {
                let verdict = w.verdict.map_or("待收齐", |v| v.label());
                outln!(
                    "{} {} {}-{} {}（{}）{}",
                    w.office,
                    w.batch,
                    w.category,
                    w.seq,
                    w.title,
                    w.authors.join("、"),
                    verdict
                );
                for p in &w.problems {
                    outln!("  [问题] {p}");
                }
            }
        }
        CityCommand::Reply {
            batch,
            receipt,
            correction: _,
            to,
            preview,
        } => {
            let kind = if *receipt {
                ReplyKind::Receipt
            } else {
                ReplyKind::Correction
            };
            if *preview {
                let draft = session.city_reply_draft(*batch, kind)?;
                if cli.json {
                    print_json(&draft);
                    return Ok(());
                }
                let to = to
                    .clone()
                    .or(draft.recipient.clone())
                    .unwrap_or_else(|| "（没有来信地址，请用 --to 填写）".into());
                if let Some(m) = &draft.queued {
                    outln!("已在发件箱中（{}）", m.state.label());
                }
                outln!("收件人：{to}");
                outln!("主题：{}", draft.subject);
                outln!();
                for line in draft.text.lines() {
                    outln!("{line}");
                }
                return Ok(());
            }
            let done = session.city_reply(*batch, kind, to.as_deref())?;
            if cli.json {
                print_json(&done);
            } else {
                outln!("{}", done.note);
            }
        }
    }
    Ok(())
}

fn print_mail_report(report: &baosong::receive::MailReport) {
    let batches = report.messages.iter().filter(|m| m.kind == "batch").count();
    let already = report.messages.iter().filter(|m| m.already).count();
    outln!(
        "读取 {} 封邮件：{batches} 封含报送批次（其中 {already} 封以前收过）",
        report.messages.len()
    );
    for m in report.messages.iter().filter(|m| m.kind != "batch") {
        let subject = m.subject.as_deref().unwrap_or("（无主题）");
        let what = if m.kind == "damaged" {
            "已损坏"
        } else {
            "不是报送批次"
        };
        outln!(
            "  {what}：{subject}（{}）",
            m.from.as_deref().unwrap_or("?")
        );
    }
    for m in &report.messages {
        for f in &m.mentioned {
            outln!(
                "  另行传送、需手工下载：{}{}",
                f.name.as_deref().unwrap_or("（未写文件名）"),
                f.link
                    .as_deref()
                    .map(|l| format!(" {l}"))
                    .unwrap_or_default()
            );
        }
    }
    for rec in &report.batches {
        outln!(
            "收到：{} {}（{} 件作品，{}/{} 个文件校验一致）",
            rec.office,
            rec.label,
            rec.works,
            rec.verified,
            rec.files
        );
        for p in &rec.problems {
            outln!("  [问题] {}", p.message);
        }
    }
    for w in &report.waiting {
        outln!("等待：{w}");
    }
}
