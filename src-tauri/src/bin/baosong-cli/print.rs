//! `print`: the documents a clerk prints, signs and stamps, as A4 PDFs.

use std::path::PathBuf;

use baosong::api::{self, PrintRequest};
use baosong::library::human_size;
use clap::Subcommand;

use super::{Cli, Failure, open_session, print_json};

#[derive(Subcommand)]
pub enum PrintCommand {
    /// 作品小样：缩略图、序号、作品名称、作者、单位、时长分辨率、检查结果，末页签字盖章
    #[command(name = "contact-sheet")]
    ContactSheet {
        #[arg(long)]
        out: PathBuf,
        /// 每页 3x4 或 4x5 格
        #[arg(long, default_value = "3x4", value_parser = ["3x4", "4x5"])]
        layout: String,
        /// 只打印此类别
        #[arg(long)]
        category: Option<String>,
        /// 打印一个批次的作品
        #[arg(long)]
        batch: Option<i64>,
        /// 包括未推荐报送的作品
        #[arg(long)]
        all: bool,
    },
    /// 报送汇总表（PDF，A4 横向，表头每页重复）
    Summary {
        #[arg(long)]
        batch: i64,
        #[arg(long)]
        out: PathBuf,
    },
    /// 发送记录（每封邮件的时间、Message-ID、服务器答复和所含文件）
    #[command(name = "sent-log")]
    SentLog {
        #[arg(long)]
        batch: i64,
        #[arg(long)]
        out: PathBuf,
    },
}

pub fn print_command(cli: &Cli, command: &PrintCommand) -> Result<(), Failure> {
    let session = open_session(cli)?;
    let (request, out) = match command {
        PrintCommand::ContactSheet {
            out,
            layout,
            category,
            batch,
            all,
        } => (
            PrintRequest::ContactSheet {
                batch: *batch,
                category: category.clone(),
                all: *all,
                layout: layout.clone(),
            },
            out,
        ),
        PrintCommand::Summary { batch, out } => (PrintRequest::Summary { batch: *batch }, out),
        PrintCommand::SentLog { batch, out } => (PrintRequest::SentLog { batch: *batch }, out),
    };
    let report = api::print_document(&session, &request, out)?;
    if cli.json {
        print_json(&report);
    } else {
        println!("已生成 {}（{}）", report.path, human_size(report.bytes));
    }
    Ok(())
}
