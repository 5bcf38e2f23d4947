//! `account`, `send` and `outbox`: the sending mailbox, sending a batch, and the outbox.

use baosong::fsx::human_size;
use std::io::Read;
use std::path::PathBuf;

use baosong::account::{AccountInput, Security};
use baosong::api::{self, AccountView};
use baosong::library::{MessageState, OutboxMessage, Resolution};
use baosong::mail::send::FlushReport;
use baosong::progress::Progress;
use clap::Subcommand;

use super::{Cli, Failure, open_session, print_json, usage};

#[derive(Subcommand)]
pub enum AccountCommand {
    /// 设置发件邮箱（授权码从标准输入读取，不会显示或记录）
    Set {
        /// qq、163、126、139、sina、exmail、aliyun 或 custom
        #[arg(long)]
        preset: String,
        #[arg(long)]
        address: String,
        /// 发件人显示名（默认本单位名称）
        #[arg(long = "display-name", default_value = "")]
        display_name: String,
        /// 自定义服务器地址（custom）
        #[arg(long, default_value = "")]
        host: String,
        #[arg(long)]
        port: Option<u16>,
        /// tls（465）或 starttls（587）
        #[arg(long, value_parser = ["tls", "starttls"])]
        security: Option<String>,
        /// 额外信任的根证书（PEM），用于单位自建邮件服务器
        #[arg(long = "ca-file")]
        ca_file: Option<PathBuf>,
        /// 要求已读回执
        #[arg(long = "read-receipt")]
        read_receipt: bool,
        /// 服务器未告知时每封邮件的最大字节数
        #[arg(long = "max-message-bytes")]
        max_message_bytes: Option<u64>,
        /// 收件服务器（IMAP，SSL）地址；常见邮箱已内置（如 imap.qq.com）
        #[arg(long = "imap-host")]
        imap_host: Option<String>,
        /// 收件服务器端口（默认 993）
        #[arg(long = "imap-port")]
        imap_port: Option<u16>,
        /// 从标准输入读取授权码
        #[arg(long = "password-stdin")]
        password_stdin: bool,
    },
    /// 显示发件邮箱（不显示授权码）
    Show,
    /// 测试连接：连接、登录，并报告服务器允许的邮件大小（SIZE）
    Test,
}

#[derive(Subcommand)]
pub enum OutboxCommand {
    /// 立即发送待发和可重试的邮件
    Flush,
    /// 继续发送：资料库在别的电脑、用户或文件夹中打开后，核对无误，允许从这里发送
    Resume,
    /// 暂停自动发送（窗口的后台发送也暂停），直到 resume
    Pause,
    /// 把一个批次的发送记录导出为 Excel（.xlsx），作为报送凭证
    Export {
        #[arg(long)]
        batch: i64,
        #[arg(long)]
        out: PathBuf,
    },
    /// 调小后重新计划：邮件被服务器以“过大”（552）退回时，按更小的每封大小重新拆分一个批次
    /// 的全部邮件（仅当该批次还没有任何邮件发出）
    Replan {
        batch: i64,
        /// 每封邮件的最大字节数（不超过发件邮箱的上限）
        #[arg(long)]
        max_message_bytes: Option<u64>,
    },
    /// 到发件邮箱的“已发送”文件夹（IMAP）查找每封“待确认”的邮件：找到的记为已送达
    CheckSent,
    /// 确认一封“待确认”的邮件：已送达，或重新发送；或把未发出的邮件记为已手工发送
    Resolve {
        /// 邮件编号（outbox --json 中的 id）
        id: i64,
        #[arg(long, conflicts_with_all = ["resend", "by_hand"])]
        delivered: bool,
        #[arg(long, conflicts_with = "by_hand")]
        resend: bool,
        /// 已通过网页邮箱（如 QQ 邮箱超大附件）手工发出此邮件的附件
        #[arg(long)]
        by_hand: bool,
    },
}

pub fn account_command(cli: &Cli, command: &AccountCommand) -> Result<(), Failure> {
    let mut session = open_session(cli)?;
    let view = match command {
        AccountCommand::Set {
            preset,
            address,
            display_name,
            host,
            port,
            security,
            ca_file,
            read_receipt,
            max_message_bytes,
            imap_host,
            imap_port,
            password_stdin,
        } => {
            let secret = if *password_stdin {
                let mut s = String::new();
                std::io::stdin()
                    .read_to_string(&mut s)
                    .map_err(|e| usage(format!("无法读取标准输入：{e}")))?;
                Some(s.trim().to_owned())
            } else {
                None
            };
            let input = AccountInput {
                preset: preset.clone(),
                address: address.clone(),
                display_name: display_name.clone(),
                host: host.clone(),
                port: *port,
                security: security.as_deref().map(|s| match s {
                    "starttls" => Security::Starttls,
                    _ => Security::Tls,
                }),
                ca_file: ca_file.as_ref().map(|p| p.display().to_string()),
                read_receipt: *read_receipt,
                manual_size: *max_message_bytes,
                imap_host: imap_host.clone(),
                imap_port: *imap_port,
            };
            let view = session.set_account(&input, secret.as_deref())?;
            if view.stored_in_file && !cli.json {
                eprintln!(
                    "提醒：本机没有可用的系统密码库，授权码已保存在只有当前用户能读取的文件中（配置文件夹 secrets/）。"
                );
            }
            view
        }
        AccountCommand::Show => session.account_view()?,
        AccountCommand::Test => {
            let jobs = baosong::jobs::Jobs::new();
            let job = session.start_job(&jobs)?;
            drop(session);
            let view = api::test_account(&job)?;
            if !cli.json {
                outln!(
                    "连接成功：已登录。服务器允许每封邮件 {}（{}）。",
                    human_size(view.limit),
                    match view.account.as_ref().and_then(|a| a.server_size) {
                        Some(_) => "服务器告知",
                        None => "服务器未告知，按预设",
                    }
                );
                return Ok(());
            }
            view
        }
    };
    if cli.json {
        print_json(&account_json(&view));
    } else {
        print_account(&view);
    }
    Ok(())
}

/// `account show --json`: the account, never the secret.
fn account_json(v: &AccountView) -> serde_json::Value {
    let a = v.account.as_ref();
    serde_json::json!({
        "configured": a.is_some(),
        "preset": a.map(|a| a.preset.clone()),
        "address": a.map(|a| a.address.clone()),
        "display_name": a.map(|a| a.display_name.clone()),
        "host": a.map(|a| a.host.clone()),
        "port": a.map(|a| a.port),
        "security": a.map(|a| a.security),
        "ca_file": a.and_then(|a| a.ca_file.clone()),
        "read_receipt": a.is_some_and(|a| a.read_receipt),
        "server_size": a.and_then(|a| a.server_size),
        "size": v.limit,
        "size_source": v.limit_source,
        "has_secret": v.has_secret,
        "auth_failed": v.auth_failed,
        "secret_help": v.secret_help,
        "stored_in_file": v.stored_in_file,
    })
}

fn print_account(v: &AccountView) {
    match &v.account {
        None => outln!("还没有设置发件邮箱。用 account set 设置。"),
        Some(a) => {
            outln!("发件邮箱：{}（{}）", a.address, a.display_name);
            outln!(
                "服务器：{}:{} {}",
                a.host,
                a.port,
                match a.security {
                    Security::Tls => "SSL/TLS",
                    Security::Starttls => "STARTTLS",
                }
            );
            outln!(
                "授权码：{}",
                if v.has_secret {
                    "已保存"
                } else {
                    "未填写"
                }
            );
            outln!("每封邮件上限：{}", human_size(v.limit));
            if let Some(why) = &v.auth_failed {
                outln!("已停止发送：{why}");
            }
        }
    }
}

pub fn send_command(
    cli: &Cli,
    batch: i64,
    to: Option<&str>,
    eml_dir: Option<&PathBuf>,
    routing: &baosong::mail::queue::Routing,
) -> Result<(), Failure> {
    let session = open_session(cli)?;
    let jobs = baosong::jobs::Jobs::new();
    let job = session.start_job(&jobs)?;
    drop(session);
    let quiet = cli.json;
    let mut progress = progress_printer(quiet);
    let report = api::send_batch(
        &job,
        batch,
        to,
        eml_dir.map(PathBuf::as_path),
        routing,
        &mut progress,
    )?;
    if cli.json {
        print_json(&report);
    } else {
        for e in &report.emls {
            outln!("已保存 {e}");
        }
        print_flush(&report.flush);
    }
    exit_for(&report.flush)
}

pub fn outbox_command(cli: &Cli, command: Option<&OutboxCommand>) -> Result<(), Failure> {
    match command {
        None => {
            let session = open_session(cli)?;
            let list = session.outbox()?;
            if cli.json {
                print_json(&list);
            } else if list.is_empty() {
                outln!("发件箱是空的。");
            } else {
                if let Some(hold) = session.outbox_hold()? {
                    outln!("{}\n", hold.message());
                }
                for m in &list {
                    print_message(m);
                }
            }
            Ok(())
        }
        Some(OutboxCommand::Resume) | Some(OutboxCommand::Pause) => {
            let mut session = open_session(cli)?;
            let resume = matches!(command, Some(OutboxCommand::Resume));
            if resume {
                session.resume_outbox()?;
            } else {
                session.pause_outbox()?;
            }
            let hold = session.outbox_hold()?;
            if cli.json {
                print_json(&serde_json::json!({ "paused": hold.is_some(), "hold": hold }));
            } else if let Some(h) = hold {
                outln!("{}", h.message());
            } else {
                outln!("发件箱将从这台电脑发送。");
            }
            Ok(())
        }
        Some(OutboxCommand::CheckSent) => {
            let mut session = open_session(cli)?;
            let report = session.check_sent()?;
            if cli.json {
                print_json(&report);
                return Ok(());
            }
            if report.checked == 0 {
                outln!("没有待确认的邮件。");
                return Ok(());
            }
            let folder = report.folder.as_deref().unwrap_or("已发送");
            let which = |m: &baosong::mail::check_sent::SettledMessage| match m.reply {
                Some(kind) => format!("收件批次 {} 的{}", m.batch_id, kind.label()),
                None => format!("第{}批的第{}封", m.batch_id, m.position),
            };
            for m in &report.delivered {
                outln!("{}：在“{folder}”中找到，已记为已送达", which(m));
            }
            for m in &report.not_found {
                outln!(
                    "{}：在“{folder}”中没有找到，仍待确认（请在网页邮箱中查看后用 outbox resolve 确认）",
                    which(m)
                );
            }
            Ok(())
        }
        Some(OutboxCommand::Flush) => {
            let session = open_session(cli)?;
            let jobs = baosong::jobs::Jobs::new();
            let job = session.start_job(&jobs)?;
            drop(session);
            let mut progress = progress_printer(cli.json);
            let report = api::flush_outbox(&job, &mut progress)?;
            if cli.json {
                print_json(&report);
            } else {
                print_flush(&report);
            }
            exit_for(&report)
        }
        Some(OutboxCommand::Export { batch, out }) => {
            let session = open_session(cli)?;
            let n = session.export_sent_log(*batch, out)?;
            if cli.json {
                print_json(
                    &serde_json::json!({ "messages": n, "path": out.display().to_string() }),
                );
            } else {
                outln!("已导出 {n} 封邮件的发送记录到 {}", out.display());
            }
            Ok(())
        }
        Some(OutboxCommand::Replan {
            batch,
            max_message_bytes,
        }) => {
            let session = open_session(cli)?;
            let jobs = baosong::jobs::Jobs::new();
            let job = session.start_job(&jobs)?;
            drop(session);
            let messages = api::replan_batch(&job, *batch, *max_message_bytes)?;
            if cli.json {
                print_json(&messages);
            } else {
                outln!("已重新计划为 {} 封邮件：", messages.len());
                for m in &messages {
                    print_message(m);
                }
            }
            Ok(())
        }
        Some(OutboxCommand::Resolve {
            id,
            delivered,
            resend,
            by_hand,
        }) => {
            let how = match (delivered, resend, by_hand) {
                (true, false, false) => Resolution::Delivered,
                (false, true, false) => Resolution::Resend,
                (false, false, true) => Resolution::ByHand,
                _ => {
                    return Err(usage(
                        "请给出 --delivered（已送达）、--resend（重新发送）或 --by-hand（已手工发送）之一",
                    ));
                }
            };
            let mut session = open_session(cli)?;
            let m = session.resolve_message(*id, how)?;
            if cli.json {
                print_json(&m);
            } else {
                print_message(&m);
            }
            Ok(())
        }
    }
}

/// Exit 1 when something could not be sent (failed or uncertain), so scripts notice.
fn exit_for(report: &FlushReport) -> Result<(), Failure> {
    if report.stopped.is_some() && report.stopped_code.as_deref() != Some("cancelled") {
        return Err(Failure {
            message: report.stopped.clone().unwrap_or_default(),
            code: report.stopped_code.clone().unwrap_or_default(),
            exit: 1,
        });
    }
    Ok(())
}

/// A line per message, phase and tenth of its bytes.
fn progress_printer(quiet: bool) -> impl FnMut(&Progress) {
    let mut last = (None, String::new(), 0u64);
    move |p: &Progress| {
        if quiet {
            return;
        }
        let tenth = (p.done_bytes * 10).checked_div(p.total_bytes).unwrap_or(0);
        if last.0 != p.message || last.1 != p.phase || last.2 != tenth {
            eprintln!(
                "  第{}封/共{}封 {} {}%",
                p.done_files + 1,
                p.total_files,
                p.phase,
                tenth * 10
            );
            last = (p.message, p.phase.clone(), tenth);
        }
    }
}

fn print_message(m: &OutboxMessage) {
    let when = match m.state {
        MessageState::Sent => m.sent_at.clone().unwrap_or_default(),
        MessageState::Failed if !m.permanent => m
            .next_try_at
            .as_ref()
            .map(|t| format!("将于 {t} 重试"))
            .unwrap_or_default(),
        _ => String::new(),
    };
    outln!(
        "{:>4}  {}  {}  {}  {}",
        m.id,
        m.state.label(),
        m.subject,
        human_size(m.bytes),
        when
    );
    if let Some(e) = &m.error
        && m.state != MessageState::Sent
    {
        outln!("      {e}");
    }
}

fn print_flush(r: &FlushReport) {
    for line in &r.replanned {
        outln!("{line}");
    }
    outln!(
        "已发送 {} 封，失败 {} 封，待确认 {} 封，仍在发件箱 {} 封。",
        r.sent,
        r.failed,
        r.uncertain,
        r.waiting
    );
    if let Some(why) = &r.stopped {
        outln!("{why}");
    }
}
