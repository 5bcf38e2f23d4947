//! `baosong-cli`: the same core as the window, from a terminal — for scripting, batch work and
//! tests. Output is Chinese text, or JSON with `--json`; errors go to stderr in Chinese.
//!
//! Exit codes: 0 success, 1 the operation failed (a busy or damaged library, a disk error),
//! 2 usage or input errors (a bad flag, an invalid field, a missing file).

use std::path::PathBuf;
use std::process::ExitCode;

use baosong::api::{ApiError, Session};
use baosong::campaign::{self, Campaign};
use baosong::checks::{self, FileCheck, Finding, Verdict};
use baosong::entry::{Entry, EntryFilter, EntryInput, Review, ReviewStatus};
use baosong::library::{Actor, BulkChange, Library};
use baosong::media;
use baosong::office::OfficeInput;
use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{Args, Parser, Subcommand};

mod batch;
mod import;
mod mail;
mod print;
mod safety;
mod status;

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
    Init(InitArgs),
    /// 查看资料库概况
    Info,
    /// 征集活动（规则、类别、配额、截止时间）
    #[command(subcommand)]
    Campaign(CampaignCommand),
    /// 作品登记
    #[command(subcommand)]
    Entry(EntryCommand),
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
    Check(CheckArgs),
    /// 只读取文件的实际信息（格式、时长、分辨率等），并报告读取了多少字节
    Probe {
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
}

#[derive(Args)]
struct CheckArgs {
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

#[derive(Args)]
struct InitArgs {
    /// 本单位名称，如 金平区总工会
    #[arg(long)]
    office: String,
    /// 单位类型编号：district、county-or-zone、municipal-direct（以活动文件为准）
    #[arg(long = "unit-type")]
    unit_type: String,
    /// 征集活动编号
    #[arg(long, default_value = campaign::DEFAULT_CAMPAIGN_ID)]
    campaign: String,
    /// 对接联系人姓名
    #[arg(long = "contact-name", default_value = "")]
    contact_name: String,
    /// 对接联系人单位职务
    #[arg(long = "contact-title", default_value = "")]
    contact_title: String,
    /// 对接联系人电话
    #[arg(long = "contact-phone", default_value = "")]
    contact_phone: String,
}

#[derive(Subcommand)]
enum CampaignCommand {
    /// 列出内置的征集活动
    List,
    /// 显示一个征集活动的全部规则（默认：资料库所用的活动，或汕头2023）
    Show {
        #[arg(long)]
        campaign: Option<String>,
    },
    /// 检查一个活动文件（TOML）是否有效
    Check { file: PathBuf },
    /// 切换本单位所用的活动（如市级 shantou-2023 ↔ 省级 guangdong-2023）
    Use {
        campaign: String,
        /// 本单位在该活动中的单位类型（曾用过或活动名单中有本单位时可省略）
        #[arg(long = "unit-type")]
        unit_type: Option<String>,
    },
}

#[derive(Subcommand)]
enum EntryCommand {
    /// 登记一件作品（文件复制进资料库）
    Add(AddArgs),
    /// 列出作品
    List {
        #[command(flatten)]
        filter: FilterArgs,
        /// 列出回收站中的作品
        #[arg(long)]
        deleted: bool,
    },
    /// 批量修改多件作品的类别、推荐单位、审核状态或标签（一次提交，全部成功或全部不改）
    Bulk(BulkArgs),
    /// 显示一件作品
    Show { id: i64 },
    /// 删除一件作品（移入回收站，可用 restore 恢复）
    Delete { id: i64 },
    /// 从回收站恢复一件作品
    Restore { id: i64 },
    /// 修改作品的审核状态、推荐报送、类别、单位或原创声明
    Update(UpdateArgs),
}

/// Which works: the same filter as the window's works list (`entry list`, `print contact-sheet`).
#[derive(clap::Args)]
pub struct FilterArgs {
    /// 只要此类别的作品
    #[arg(long)]
    category: Option<String>,
    /// 按作品名称、作者、单位、简介搜索
    #[arg(long)]
    text: Option<String>,
    /// 只要检查结果为此的作品：fail（不合格）、warn（有提醒）、pass（合格）
    #[arg(long, value_parser = parse_verdict)]
    verdict: Option<Verdict>,
    /// 只要此推荐单位的作品
    #[arg(long)]
    unit: Option<String>,
    /// 只要此审核状态的作品：pending、approved、needs-fix、excluded
    #[arg(long, value_parser = parse_status)]
    status: Option<ReviewStatus>,
}

impl FilterArgs {
    pub fn filter(&self) -> EntryFilter {
        EntryFilter {
            category: self.category.clone(),
            text: self.text.clone(),
            verdict: self.verdict,
            unit: self.unit.clone(),
            status: self.status,
            deleted: false,
        }
    }
}

#[derive(Args)]
struct BulkArgs {
    /// 作品编号，用逗号分隔，如 1,2,5
    #[arg(long, value_delimiter = ',', required = true)]
    ids: Vec<i64>,
    #[arg(long)]
    category: Option<String>,
    #[arg(long)]
    unit: Option<String>,
    /// pending、approved、needs-fix、excluded
    #[arg(long, value_parser = parse_status)]
    status: Option<ReviewStatus>,
    /// 添加标签（可重复）
    #[arg(long = "add-tag")]
    add_tags: Vec<String>,
    /// 去掉标签（可重复）
    #[arg(long = "remove-tag")]
    remove_tags: Vec<String>,
}

#[derive(Args)]
struct UpdateArgs {
    id: i64,
    /// 审核状态：pending（待审核）、approved（已通过）、needs-fix（需修改）、excluded（不报送）
    #[arg(long, value_parser = parse_status)]
    status: Option<ReviewStatus>,
    /// 推荐报送：true 或 false
    #[arg(long)]
    recommend: Option<bool>,
    /// 在本类别推荐作品中的顺序（1 为第一）
    #[arg(long)]
    order: Option<i64>,
    /// 检查不合格仍推荐报送时的理由
    #[arg(long = "override-reason")]
    override_reason: Option<String>,
    /// 类别（子项目）编号
    #[arg(long)]
    category: Option<String>,
    /// 推荐单位
    #[arg(long)]
    unit: Option<String>,
    /// 原创声明已确认：true 或 false
    #[arg(long)]
    declared: Option<bool>,
}

#[derive(Args)]
struct AddArgs {
    /// 作品文件（可多个）
    files: Vec<PathBuf>,
    /// 类别（子项目）编号，如 recitation、micro-video
    #[arg(long)]
    category: String,
    /// 作品名称
    #[arg(long)]
    title: String,
    /// 作者（可重复，或用顿号分隔）
    #[arg(long = "author", required = true)]
    authors: Vec<String>,
    /// 推荐单位
    #[arg(long, default_value = "")]
    unit: String,
    /// 联系电话
    #[arg(long, default_value = "")]
    phone: String,
    /// 作品简介
    #[arg(long, default_value = "")]
    description: String,
    /// 主题标签（可重复）
    #[arg(long = "tag")]
    tags: Vec<String>,
    /// 已确认的声明编号（可重复），如 original、portrait-rights
    #[arg(long = "declare")]
    declarations: Vec<String>,
    /// 备注
    #[arg(long, default_value = "")]
    notes: String,
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
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return clap_failure(&e),
    };
    let json = cli.json;
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
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

fn print_json<T: serde::Serialize>(value: &T) {
    match serde_json::to_string_pretty(value) {
        Ok(s) => println!("{s}"),
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
        Command::Init(a) => {
            let dir = library_dir(&cli)?;
            let office = OfficeInput {
                name: a.office.clone(),
                unit_type: a.unit_type.clone(),
                campaign_id: a.campaign.clone(),
                contact_name: a.contact_name.clone(),
                contact_title: a.contact_title.clone(),
                contact_phone: a.contact_phone.clone(),
            };
            let mut session = Session::new(None, Actor::Cli);
            let info = session.create(&dir, &office)?;
            if cli.json {
                print_json(&info);
            } else {
                println!("已在 {} 新建资料库：{}", info.path, a.office);
            }
        }
        Command::Info => {
            let session = open_session(&cli)?;
            let info = session.info()?;
            if cli.json {
                print_json(&info);
            } else {
                let office = info.office.as_ref();
                println!("资料库：{}", info.path);
                println!("单位：{}", office.map_or("（未设置）", |o| o.name.as_str()));
                println!("活动：{}", office.map_or("", |o| o.campaign_id.as_str()));
                println!("作品：{} 件", info.entry_count);
            }
        }
        Command::Campaign(c) => campaign_command(&cli, c)?,
        Command::Backup(c) => safety::backup_command(&cli, c)?,
        Command::Files(c) => safety::files_command(&cli, c)?,
        Command::Trash(c) => safety::trash_command(&cli, c)?,
        Command::Doctor { full, repair } => return safety::doctor_command(&cli, *full, *repair),
        Command::Check(a) => return check_command(&cli, a),
        Command::Probe { files } => probe_command(&cli, files)?,
        Command::Entry(e) => entry_command(&cli, e)?,
        Command::Import(a) => return import::import_command(&cli, a),
        Command::ImportSheet(a) => return import::sheet_command(&cli, a),
        Command::Export { out, category } => {
            let session = open_session(&cli)?;
            let filter = EntryFilter {
                category: category.clone(),
                ..EntryFilter::default()
            };
            let n = session.export_xlsx(out, &filter)?;
            if cli.json {
                print_json(&serde_json::json!({ "rows": n, "path": out.display().to_string() }));
            } else {
                println!("已导出 {n} 件作品到 {}", out.display());
            }
        }
        Command::Status { now } => status::status_command(&cli, *now)?,
        Command::Deadline(d) => status::deadline_command(&cli, d)?,
        Command::Batch(b) => batch::batch_command(&cli, b)?,
        Command::Account(a) => mail::account_command(&cli, a)?,
        Command::Print(p) => print::print_command(&cli, p)?,
        Command::Send { batch, to, eml_dir } => {
            return mail::send_command(&cli, *batch, to.as_deref(), eml_dir.as_ref());
        }
        Command::Outbox { command } => return mail::outbox_command(&cli, command.as_ref()),
    }
    Ok(())
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

fn check_command(cli: &Cli, a: &CheckArgs) -> Result<(), Failure> {
    let campaign = match (&a.campaign, &cli.library) {
        (Some(id), _) => campaign::embedded_by_id(id).map_err(ApiError::from)?,
        (None, Some(dir)) => Library::open(dir, Actor::Cli)
            .and_then(|l| l.campaign())
            .map_err(ApiError::from)?,
        (None, None) => {
            campaign::embedded_by_id(campaign::DEFAULT_CAMPAIGN_ID).map_err(ApiError::from)?
        }
    };
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
        let (facts, check) = match media::probe(path) {
            Ok(facts) => {
                let check = checks::check_file(&facts, &campaign, Some(category));
                (Some(facts), check)
            }
            Err(e) => (
                None,
                FileCheck::from_findings(vec![Finding {
                    rule: "file-readable".into(),
                    severity: campaign::Severity::Error,
                    message: format!("无法打开文件：{}", baosong::fsx::io_reason(&e)),
                    actual: None,
                    expected: None,
                }]),
            ),
        };
        let f = facts.as_ref();
        reports.push(CheckReport {
            path: path.display().to_string(),
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

fn probe_command(cli: &Cli, files: &[PathBuf]) -> Result<(), Failure> {
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
            println!(
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
    println!("{}  [{}]", r.path, r.verdict.label());
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
    println!("  {}", facts.join("，"));
    for f in &r.findings {
        let level = match f.severity {
            campaign::Severity::Error => "不合格",
            campaign::Severity::Warning => "提醒",
        };
        println!("  - {level}：{}", f.message);
    }
}

fn campaign_command(cli: &Cli, command: &CampaignCommand) -> Result<(), Failure> {
    match command {
        CampaignCommand::List => {
            let list = baosong::api::campaign_summaries();
            if cli.json {
                print_json(&list);
            } else {
                for c in list {
                    println!("{}\t{}", c.id, c.name);
                }
            }
        }
        CampaignCommand::Show { campaign: id } => {
            let campaign = match (id, &cli.library) {
                (Some(id), _) => campaign::embedded_by_id(id).map_err(ApiError::from)?,
                (None, Some(dir)) => Library::open(dir, Actor::Cli)
                    .and_then(|l| l.campaign())
                    .map_err(ApiError::from)?,
                (None, None) => campaign::embedded_by_id(campaign::DEFAULT_CAMPAIGN_ID)
                    .map_err(ApiError::from)?,
            };
            if cli.json {
                print_json(&campaign);
            } else {
                print_campaign(&campaign);
            }
        }
        CampaignCommand::Use {
            campaign: id,
            unit_type,
        } => {
            let mut session = open_session(cli)?;
            let info = session.switch_campaign(id, unit_type.as_deref())?;
            if cli.json {
                print_json(&info);
            } else if let Some(o) = &info.office {
                println!("已切换到活动 {}，单位类型 {}", o.campaign_id, o.unit_type);
            }
        }
        CampaignCommand::Check { file } => {
            let campaign = campaign::load_file(file).map_err(ApiError::from)?;
            if cli.json {
                print_json(&campaign);
            } else {
                println!(
                    "活动文件有效：{}（{}），{} 个类别，{} 条文件规则",
                    campaign.name,
                    campaign.id,
                    campaign.categories.len(),
                    campaign.file_rules.len()
                );
            }
        }
    }
    Ok(())
}

fn print_campaign(c: &Campaign) {
    println!("{}（{}）", c.name, c.id);
    if let Some(m) = &c.submission.mailbox {
        println!("报送邮箱：{m}（{}）", c.submission.recipient);
    } else {
        println!("报送：{}", c.submission.recipient);
    }
    println!("\n类别：");
    for cat in &c.categories {
        let kinds: Vec<&str> = cat.accepts.iter().map(|k| k.label()).collect();
        println!("  {}\t{}（{}）", cat.id, cat.name, kinds.join("、"));
    }
    if !c.file_rules.is_empty() {
        println!("\n文件规则：");
        for r in &c.file_rules {
            let level = match r.severity {
                campaign::Severity::Error => "必须",
                campaign::Severity::Warning => "建议",
            };
            println!("  [{level}] {}：{}", r.id, r.source);
        }
    }
    println!("\n配额：");
    for u in &c.unit_types {
        let min = u
            .min_per_category
            .map(|n| format!("不少于{n}件"))
            .unwrap_or_default();
        let max = u
            .max_per_category
            .map(|n| format!("不超过{n}件"))
            .unwrap_or_default();
        println!("  {}\t{}\t{min}{max}", u.id, u.name);
    }
    println!("\n截止时间（{}）：", c.timezone);
    for d in &c.deadlines {
        println!("  {}\t{}\t{}", d.due_local, d.title, d.what);
    }
}

fn entry_command(cli: &Cli, command: &EntryCommand) -> Result<(), Failure> {
    let mut session = open_session(cli)?;
    match command {
        EntryCommand::Add(a) => {
            if a.files.is_empty() {
                return Err(usage("请给出至少一个作品文件"));
            }
            let input = EntryInput {
                category: a.category.clone(),
                title: a.title.clone(),
                authors: a.authors.clone(),
                unit: a.unit.clone(),
                phone: a.phone.clone(),
                description: a.description.clone(),
                tags: a.tags.clone(),
                declarations: a.declarations.clone(),
                notes: a.notes.clone(),
            };
            let entry = session.add_entry(&input, &a.files)?;
            if cli.json {
                print_json(&entry);
            } else {
                println!("已登记作品 #{}：{}", entry.id, entry.title);
            }
        }
        EntryCommand::Bulk(b) => {
            let change = BulkChange {
                category: b.category.clone(),
                unit: b.unit.clone(),
                status: b.status,
                add_tags: b.add_tags.clone(),
                remove_tags: b.remove_tags.clone(),
            };
            let n = session.bulk_update(&b.ids, &change)?;
            if cli.json {
                print_json(&serde_json::json!({ "changed": n }));
            } else {
                println!("已修改 {n} 件作品");
            }
        }
        EntryCommand::List { filter, deleted } => {
            let entries = session.entries(&EntryFilter {
                deleted: *deleted,
                ..filter.filter()
            })?;
            if cli.json {
                print_json(&entries);
            } else if entries.is_empty() {
                println!("（没有作品）");
            } else {
                for e in &entries {
                    println!(
                        "#{}\t{}\t{}\t{}\t{}\t{}",
                        e.id,
                        e.verdict.label(),
                        e.category,
                        e.title,
                        e.authors.join("、"),
                        e.unit
                    );
                }
            }
        }
        EntryCommand::Show { id } => {
            let entry = session.entry(*id)?;
            if cli.json {
                print_json(&entry);
            } else {
                print_entry(&entry);
            }
        }
        EntryCommand::Delete { id } => {
            session.delete_entry(*id)?;
            if cli.json {
                print_json(&serde_json::json!({ "deleted": id }));
            } else {
                println!("已删除作品 #{id}（可用 entry restore {id} 恢复）");
            }
        }
        EntryCommand::Update(a) => {
            let entry = session.entry(a.id)?;
            let review = (a.status.is_some()
                || a.recommend.is_some()
                || a.order.is_some()
                || a.override_reason.is_some())
            .then(|| Review {
                status: a.status.unwrap_or(entry.review.status),
                recommended: a.recommend.unwrap_or(entry.review.recommended),
                order: a.order.or(entry.review.order),
                override_reason: a
                    .override_reason
                    .clone()
                    .unwrap_or(entry.review.override_reason.clone()),
            });
            // Data and review are one change (one transaction): a refused review leaves the
            // category and the unit as they were too.
            let entry = if a.category.is_some() || a.unit.is_some() || a.declared.is_some() {
                let mut input = EntryInput {
                    category: a.category.clone().unwrap_or(entry.category.clone()),
                    title: entry.title.clone(),
                    authors: entry.authors.clone(),
                    unit: a.unit.clone().unwrap_or(entry.unit.clone()),
                    phone: entry.phone.clone(),
                    description: entry.description.clone(),
                    tags: entry.tags.clone(),
                    declarations: entry.declarations.clone(),
                    notes: entry.notes.clone(),
                };
                if let Some(declared) = a.declared {
                    input.declarations.retain(|d| d != ORIGINAL_DECLARATION);
                    if declared {
                        input.declarations.push(ORIGINAL_DECLARATION.to_owned());
                    }
                }
                session.save_entry(a.id, &input, &[], review.as_ref())?
            } else if let Some(review) = &review {
                session.set_review(a.id, review)?
            } else {
                entry
            };
            if cli.json {
                print_json(&entry);
            } else {
                print_entry(&entry);
            }
        }
        EntryCommand::Restore { id } => {
            let entry = session.restore_entry(*id)?;
            if cli.json {
                print_json(&entry);
            } else {
                println!("已恢复作品 #{}：{}", entry.id, entry.title);
            }
        }
    }
    Ok(())
}

/// The campaign declaration `--declared` stands for (原创声明).
const ORIGINAL_DECLARATION: &str = "original";

fn parse_status(s: &str) -> Result<ReviewStatus, String> {
    match s {
        "pending" | "待审核" => Ok(ReviewStatus::Pending),
        "approved" | "已通过" => Ok(ReviewStatus::Approved),
        "needs-fix" | "需修改" => Ok(ReviewStatus::NeedsFix),
        "excluded" | "不报送" => Ok(ReviewStatus::Excluded),
        _ => Err("应为 pending、approved、needs-fix 或 excluded".into()),
    }
}

fn parse_verdict(s: &str) -> Result<Verdict, String> {
    match s {
        "pass" | "合格" => Ok(Verdict::Pass),
        "warn" | "有提醒" => Ok(Verdict::Warn),
        "fail" | "不合格" => Ok(Verdict::Fail),
        _ => Err("应为 pass、warn 或 fail".into()),
    }
}

fn print_entry(e: &Entry) {
    println!("#{} {}  [{}]", e.id, e.title, e.verdict.label());
    let recommended = if e.review.recommended {
        match e.review.order {
            Some(n) => format!("，推荐报送（第{n}位）"),
            None => "，推荐报送".to_owned(),
        }
    } else {
        String::new()
    };
    println!("审核：{}{recommended}", e.review.status.label());
    if !e.review.override_reason.is_empty() {
        println!("推荐理由：{}", e.review.override_reason);
    }
    println!("类别：{}", e.category);
    println!("作者：{}", e.authors.join("、"));
    println!("推荐单位：{}", e.unit);
    println!("联系电话：{}", e.phone);
    if !e.tags.is_empty() {
        println!("标签：{}", e.tags.join("、"));
    }
    if !e.description.is_empty() {
        println!("简介：{}", e.description);
    }
    for f in &e.files {
        println!(
            "文件：{}（{} 字节，SHA-256 {}）",
            f.original_name, f.size, f.sha256
        );
    }
    if let Some(d) = &e.deleted_at {
        println!("已删除：{d}");
    }
}
