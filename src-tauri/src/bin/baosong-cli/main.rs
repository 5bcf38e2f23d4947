//! `baosong-cli`: the same core as the window, from a terminal — for scripting, batch work and
//! tests. Output is Chinese text, or JSON with `--json`; errors go to stderr in Chinese.
//!
//! Exit codes: 0 success, 1 the operation failed (a busy or damaged library, a disk error),
//! 2 usage or input errors (a bad flag, an invalid field, a missing file).
//!
//! This file is the parsing, the dispatch and the failure → exit code mapping; each group of
//! commands (`entry`, `campaign`, `batch`, `backup`/`files`/`trash` …) is a file beside it.

use std::path::PathBuf;
use std::process::ExitCode;

use baosong::api::{ApiError, Session};
use baosong::library::Actor;
use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

/// `println!` for the CLI's output: a reader that stops early (`baosong-cli … | head`) ends
/// the command quietly instead of a panic with a backtrace.
macro_rules! outln {
    () => {
        $crate::write_out(format_args!(""))
    };
    ($($arg:tt)*) => {
        $crate::write_out(format_args!($($arg)*))
    };
}

mod batch;
mod campaign;
mod check;
mod city;
mod entry;
mod import;
mod mail;
mod print;
mod safety;
mod setup;
mod status;
mod support;

#[derive(Parser)]
#[command(
    name = "baosong-cli",
    version,
    about = "报送助手命令行：与窗口共用同一套核心",
    disable_help_subcommand = true
)]
struct Cli {
    /// 资料库文件夹（也可用环境变量 BAOSONG_LIBRARY 指定）
    #[arg(long, global = true, env = "BAOSONG_LIBRARY", value_name = "DIR")]
    library: Option<PathBuf>,
    /// 以 JSON 输出结果
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// 新建资料库并设置本单位
    Init(setup::InitArgs),
    /// 查看资料库概况
    Info,
    /// 征集活动（规则、类别、配额、截止时间）
    #[command(subcommand)]
    Campaign(campaign::CampaignCommand),
    /// 作品登记
    #[command(subcommand)]
    Entry(entry::EntryCommand),
    /// 导入文件或整个文件夹（含子文件夹），每个文件登记为一件作品
    Import(import::ImportArgs),
    /// 导入报名表（xlsx、xls、csv），按文件名或作品名称匹配作品文件
    #[command(name = "import-sheet")]
    ImportSheet(import::SheetArgs),
    /// 把作品清单导出为 Excel（.xlsx），表头与报名表相同
    Export {
        /// 输出文件，如 作品清单.xlsx
        #[arg(long)]
        out: PathBuf,
        /// 只导出此类别
        #[arg(long)]
        category: Option<String>,
    },
    /// 本单位进度：各类别配额、截止时间、待处理作品、对接联系人
    Status {
        /// 以此时刻计算（RFC 3339，如 2023-06-08T12:00:00+08:00；默认当前时间）
        #[arg(long, env = "BAOSONG_NOW", value_parser = status::parse_now)]
        now: Option<chrono::DateTime<chrono::Utc>>,
    },
    /// 时间节点标记为已报送（如 contact-person 对接联系人、works 作品）
    #[command(subcommand)]
    Deadline(status::DeadlineCommand),
    /// 发件邮箱：设置、查看、测试连接
    #[command(subcommand)]
    Account(mail::AccountCommand),
    /// 把批次按计划逐封发送到活动的接收邮箱（或 --to 指定的地址）
    Send {
        /// 批次编号（batch list 中的编号）
        batch: i64,
        /// 收件地址（默认活动文件中的接收邮箱）
        #[arg(long)]
        to: Option<String>,
        /// 同时把每封邮件保存为 .eml 文件到此文件夹
        #[arg(long = "eml-dir")]
        eml_dir: Option<PathBuf>,
        /// 另行传送（QQ 超大附件、网盘、U盘）而不随邮件发送的文件（批次中的路径，可多次给出）；
        /// 每封邮件的正文列出它们的大小与 SHA-256
        #[arg(long)]
        separate: Vec<String>,
        /// 超过一封邮件的文件：split 分卷（默认），separate 另行传送
        #[arg(long, default_value = "split", value_parser = ["split", "separate"])]
        oversize: String,
    },
    /// 发件箱：列出每封邮件的状态；flush 立即发送；resolve 确认待确认的邮件
    Outbox {
        #[command(subcommand)]
        command: Option<mail::OutboxCommand>,
    },
    /// 打印文件（PDF）：作品小样、报送汇总表、发送记录
    #[command(subcommand)]
    Print(print::PrintCommand),
    /// 报送批次：制作、查看、导出、删除
    #[command(subcommand)]
    Batch(batch::BatchCommand),
    /// 资料库目录的备份：立即备份、列出、恢复
    #[command(subcommand)]
    Backup(safety::BackupCommand),
    /// 作品文件库：未编目文件（列出、重新登记、移到回收站）
    #[command(subcommand)]
    Files(safety::FilesCommand),
    /// 资料库的回收站：列出、放回
    #[command(subcommand)]
    Trash(safety::TrashCommand),
    /// 资料库体检：目录完整性、每个作品文件、批次与发件箱的文件、链接与未编目文件
    Doctor {
        /// 同时核对每个文件的校验值（SHA-256，较慢）
        #[arg(long)]
        full: bool,
        /// 修复能修复的问题（只会放回，不会删除任何文件）
        #[arg(long)]
        repair: bool,
    },
    /// 按活动规则检查作品文件（不需要资料库）
    Check(check::CheckArgs),
    /// 只读取文件的实际信息（格式、时长、分辨率等），并报告读取了多少字节
    Probe {
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// 市级收件：收入报送单位的批次（批次文件夹），逐个文件核对校验值并按活动规则重新检查
    Receive(city::ReceiveArgs),
    /// 市级收件：全市一览、收到的作品
    #[command(subcommand)]
    City(city::CityCommand),
    /// 关于：版本、构建日期、操作系统、活动规则文件、资料库与日志文件夹
    About,
    /// 导出诊断信息（压缩包：版本、系统、资料库体检结果、最近的日志；不含授权码）
    Diagnostics {
        /// 输出文件（默认当前文件夹下的 报送助手诊断信息-日期-时间.zip）
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

/// A failure, with the exit code it maps to.
struct Failure {
    message: String,
    code: String,
    exit: u8,
}

impl From<ApiError> for Failure {
    fn from(e: ApiError) -> Self {
        let mut message = if e.fields.is_empty() {
            e.message
        } else {
            "输入有误，请修改后重试：".to_owned()
        };
        for f in &e.fields {
            message.push_str(&format!("\n  - {}：{}", f.field, f.message));
        }
        Failure {
            message,
            code: e.code,
            // 2 when the clerk's input is at fault, 1 for the machine (see `coded::Coded`).
            exit: if e.input { 2 } else { 1 },
        }
    }
}

fn usage(message: impl Into<String>) -> Failure {
    Failure {
        message: message.into(),
        code: "usage".into(),
        exit: 2,
    }
}

fn main() -> ExitCode {
    let matches = match Cli::command().try_get_matches() {
        Ok(m) => m,
        Err(e) => return clap_failure(&e),
    };
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => return clap_failure(&e),
    };
    // The log is for a support call; a computer where it cannot be written still works.
    let _ = baosong::logs::init(&baosong::logs::log_dir(), "baosong-cli");
    tracing::info!(
        version = baosong::diagnostics::VERSION,
        command = %command_name(&matches),
        "baosong-cli started"
    );
    let json = cli.json;
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            tracing::warn!(code = %f.code, exit = f.exit, "command failed: {}", f.message);
            if json {
                let err = serde_json::json!({ "error": { "code": f.code, "message": f.message } });
                eprintln!("{err}");
            } else {
                eprintln!("错误：{}", f.message);
            }
            ExitCode::from(f.exit)
        }
    }
}

/// The subcommand path (`batch export`), never its arguments: an argument may be a secret.
fn command_name(matches: &clap::ArgMatches) -> String {
    let mut names = Vec::new();
    let mut current = matches;
    while let Some((name, sub)) = current.subcommand() {
        names.push(name.to_owned());
        current = sub;
    }
    names.join(" ")
}

/// clap's own messages are English; say the common ones in Chinese, then show the usage.
fn clap_failure(e: &clap::Error) -> ExitCode {
    let arg = || match e.get(ContextKind::InvalidArg) {
        Some(ContextValue::String(s)) => s.clone(),
        Some(ContextValue::Strings(v)) => v.join("、"),
        _ => String::new(),
    };
    let message = match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            print!("{e}");
            return ExitCode::SUCCESS;
        }
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand | ErrorKind::MissingSubcommand => {
            "缺少子命令".to_owned()
        }
        ErrorKind::MissingRequiredArgument => format!("缺少必需的参数：{}", arg()),
        ErrorKind::UnknownArgument => format!("不认识的参数：{}", arg()),
        ErrorKind::InvalidSubcommand => format!("不认识的子命令：{}", arg()),
        ErrorKind::InvalidValue | ErrorKind::ValueValidation => {
            format!("参数取值无效：{}", arg())
        }
        _ => "命令行参数有误".to_owned(),
    };
    eprintln!("错误：{message}\n");
    eprintln!("{}", e.render());
    ExitCode::from(2)
}

/// Writes one line of output; stops the process, successfully, when stdout is closed.
fn write_out(line: std::fmt::Arguments<'_>) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    if let Err(e) = writeln!(out, "{line}").and_then(|()| out.flush()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("错误：无法输出：{e}");
    }
}

fn print_json<T: serde::Serialize>(value: &T) {
    match serde_json::to_string_pretty(value) {
        Ok(s) => outln!("{s}"),
        Err(e) => eprintln!("错误：无法输出 JSON：{e}"),
    }
}

fn library_dir(cli: &Cli) -> Result<PathBuf, Failure> {
    cli.library
        .clone()
        .ok_or_else(|| usage("请用 --library DIR 或环境变量 BAOSONG_LIBRARY 指定资料库文件夹"))
}

fn open_session(cli: &Cli) -> Result<Session, Failure> {
    let dir = library_dir(cli)?;
    let mut session = Session::new(None, Actor::Cli);
    session.open(&dir)?;
    Ok(session)
}

fn run(cli: Cli) -> Result<(), Failure> {
    match &cli.command {
        Command::Init(a) => setup::init_command(&cli, a)?,
        Command::Info => setup::info_command(&cli)?,
        Command::Campaign(c) => campaign::campaign_command(&cli, c)?,
        Command::Backup(c) => safety::backup_command(&cli, c)?,
        Command::Files(c) => safety::files_command(&cli, c)?,
        Command::Trash(c) => safety::trash_command(&cli, c)?,
        Command::Doctor { full, repair } => return safety::doctor_command(&cli, *full, *repair),
        Command::Check(a) => return check::check_command(&cli, a),
        Command::Probe { files } => check::probe_command(&cli, files)?,
        Command::Entry(e) => entry::entry_command(&cli, e)?,
        Command::Import(a) => return import::import_command(&cli, a),
        Command::ImportSheet(a) => return import::sheet_command(&cli, a),
        Command::Export { out, category } => {
            import::export_command(&cli, out, category.as_deref())?
        }
        Command::Status { now } => status::status_command(&cli, *now)?,
        Command::Deadline(d) => status::deadline_command(&cli, d)?,
        Command::Batch(b) => batch::batch_command(&cli, b)?,
        Command::Account(a) => mail::account_command(&cli, a)?,
        Command::Print(p) => print::print_command(&cli, p)?,
        Command::Send {
            batch,
            to,
            eml_dir,
            separate,
            oversize,
        } => {
            let routing = baosong::mail::queue::Routing {
                separate: separate.clone(),
                oversize: if oversize == "separate" {
                    baosong::batch::plan::OversizeRoute::Separate
                } else {
                    baosong::batch::plan::OversizeRoute::Split
                },
            };
            return mail::send_command(&cli, *batch, to.as_deref(), eml_dir.as_ref(), &routing);
        }
        Command::Outbox { command } => return mail::outbox_command(&cli, command.as_ref()),
        Command::Receive(a) => city::receive_command(&cli, a)?,
        Command::City(c) => city::city_command(&cli, c)?,
        Command::About => support::about_command(&cli)?,
        Command::Diagnostics { out } => support::diagnostics_command(&cli, out.as_ref())?,
    }
    Ok(())
}
