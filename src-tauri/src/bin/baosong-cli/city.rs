//! 市级收件: `receive` (batches in) and `city status` / `city works` (the whole city).

use std::path::PathBuf;

use baosong::city::UnitState;
use baosong::city::reply::ReplyKind;
use clap::{Args, Subcommand};

use super::{Cli, Failure, open_session, print_json, usage};

#[derive(Args)]
#[command(group(clap::ArgGroup::new("from").required(true).multiple(true).args(["folders", "emls", "maildirs", "imap", "zips", "files"])))]
pub struct ReceiveArgs {
    /// 报送单位导出的批次文件夹（如U盘上的“金平区总工会-汕头好网民2023-第1批”），可给多个；
    /// 没有 manifest.json 的文件夹（如下载的超大附件所在文件夹）用来补收待补的文件
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
    /// 补收另行传送的文件（手工下载的超大附件、网盘或U盘上的文件）：按清单中的 SHA-256
    /// 对上待补的文件；有一个对不上就什么也不做
    #[arg(long = "files", value_name = "FILE", num_args = 1..)]
    files: Vec<PathBuf>,
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
    /// 导出全市汇总：全市汇总表（Excel 与 PDF）和每个类别的全市作品小样（PDF）
    Export {
        /// 导出到此文件夹（没有则新建；以前导出的同名文件会被替换）
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// 以此时刻计算并落款（RFC 3339；默认当前时间）
        #[arg(long, env = "BAOSONG_NOW", value_parser = super::status::parse_now)]
        now: Option<chrono::DateTime<chrono::Utc>>,
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
    if [
        mail,
        !a.folders.is_empty(),
        a.imap,
        !a.zips.is_empty(),
        !a.files.is_empty(),
    ]
    .iter()
    .filter(|x| **x)
    .count()
        > 1
    {
        return Err(usage(
            "一次只收一种来源：邮件文件（--eml、--maildir）、收件邮箱（--imap）、附件（--zip）、补收的文件（--files）或批次文件夹（--folder）",
        ));
    }
    let mut session = open_session(cli)?;
    if a.imap {
        let mut progress = receive_printer(cli.json);
        let report = session.receive_imap(&mut progress)?;
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
    if !a.files.is_empty() {
        let report = session.fill_in_files(&a.files)?;
        if cli.json {
            print_json(&report);
        } else {
            print_fill_report(&report);
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
    // A folder without a manifest holds files fetched by hand: they fill in 待补 files.
    let mut results = Vec::new();
    for dir in &a.folders {
        if dir.is_dir() && !baosong::receive::is_package(dir) {
            results.push(session.fill_in_folder(dir).map(Taken::Filled));
        } else {
            results.extend(
                session
                    .receive_folders(&[dir.as_path()])?
                    .into_iter()
                    .map(|r| r.map(Taken::Batch)),
            );
        }
    }
    if cli.json {
        let items: Vec<serde_json::Value> = results
            .iter()
            .zip(&a.folders)
            .map(|(r, dir)| match r {
                Ok(Taken::Batch(rec)) => serde_json::json!({ "folder": dir, "batch": rec }),
                Ok(Taken::Filled(f)) => serde_json::json!({ "folder": dir, "filled": f }),
                Err(e) => serde_json::json!({
                    "folder": dir, "error": { "code": e.code, "message": e.message }
                }),
            })
            .collect();
        print_json(&serde_json::json!({ "received": items }));
    } else {
        for (r, dir) in results.iter().zip(&a.folders) {
            match r {
                Ok(Taken::Filled(f)) => print_fill_report(f),
                Ok(Taken::Batch(rec)) => {
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
                    print_pending(rec);
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

/// What one `--folder` was: a package taken in, or files that filled in 待补 ones.
enum Taken {
    Batch(baosong::library::Recorded),
    Filled(baosong::receive::FillReport),
}

fn print_pending(rec: &baosong::library::Recorded) {
    for p in &rec.pending {
        outln!(
            "  [待补] {}（{}，SHA-256 {}）另行传送，请下载后用 receive --files 补收{}",
            p.path,
            baosong::fsx::human_size(p.size),
            p.sha256,
            p.link
                .as_deref()
                .map(|l| format!("：{l}"))
                .unwrap_or_default()
        );
    }
}

fn print_fill_report(report: &baosong::receive::FillReport) {
    for f in &report.filled {
        if f.already {
            outln!("已收过：{}", f.given);
        } else {
            outln!(
                "补收：{} {} {}（校验一致，市级检查：{}）",
                f.office,
                f.batch,
                f.path,
                f.verdict.label()
            );
        }
    }
    for i in &report.ignored {
        outln!("  [未用] {i}");
    }
    for rec in &report.batches {
        outln!(
            "{} {}：{}/{} 个文件校验一致",
            rec.office,
            rec.label,
            rec.verified,
            rec.files
        );
        for p in &rec.problems {
            outln!("  [问题] {}", p.message);
        }
        print_pending(rec);
    }
}

pub fn city_command(cli: &Cli, c: &CityCommand) -> Result<(), Failure> {
    let mut session = open_session(cli)?;
    match c {
        CityCommand::Export { out, now } => {
            let now = now.unwrap_or_else(chrono::Utc::now);
            let jobs = baosong::jobs::Jobs::new();
            let job = session.start_job(&jobs)?;
            drop(session);
            let quiet = cli.json;
            let mut last = String::new();
            let report = baosong::api::export_city(&job, out, now, &mut |p| {
                // A line per phase is enough in a terminal.
                if !quiet && p.phase != last {
                    last = p.phase.clone();
                    eprintln!("  {}", p.phase);
                }
            })?;
            if cli.json {
                print_json(&report);
                return Ok(());
            }
            outln!("已导出到 {}：", report.folder);
            for f in &report.files {
                outln!("  {}：{}", f.what, f.name);
            }
            if !report.without_works.is_empty() {
                outln!(
                    "尚无作品、未生成作品小样的类别：{}",
                    report.without_works.join("、")
                );
            }
        }
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
                for p in &w.pending {
                    outln!("  [待补] {p}");
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
        print_pending(rec);
    }
    if !report.filled.is_empty() {
        print_fill_report(&baosong::receive::FillReport {
            filled: report.filled.clone(),
            ignored: Vec::new(),
            batches: Vec::new(),
        });
    }
    for w in &report.waiting {
        outln!("等待：{w}");
    }
}

/// A line on stderr per phase and per message: 收取邮件 “收件箱” 3/12 …
fn receive_printer(quiet: bool) -> impl FnMut(&baosong::progress::Progress) {
    let mut last = (String::new(), u32::MAX);
    move |p| {
        if quiet || (last.0 == p.phase && last.1 == p.done_files) {
            return;
        }
        last = (p.phase.clone(), p.done_files);
        if p.total_files > 0 {
            eprintln!(
                "  {} {} {}/{}",
                p.phase, p.current, p.done_files, p.total_files
            );
        } else {
            eprintln!("  {} {}", p.phase, p.current);
        }
    }
}
