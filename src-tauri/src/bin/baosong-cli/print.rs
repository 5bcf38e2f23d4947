//! `print`: the documents a clerk prints, signs and stamps, as A4 PDFs.

use baosong::fsx::human_size;
use std::path::PathBuf;

use baosong::api::{self, PrintRequest};
use clap::Subcommand;

use super::entry::FilterArgs;
use super::{Cli, Failure, open_session, print_json};

/// Where a document goes, and optionally a PNG of its first page (what the window previews).
#[derive(clap::Args)]
pub struct Output {
    #[arg(long)]
    out: PathBuf,
    /// 另存第一页的预览图（PNG）
    #[arg(long, value_name = "PNG")]
    preview: Option<PathBuf>,
}

#[derive(Subcommand)]
pub enum PrintCommand {
    /// 作品小样：缩略图、序号、作品名称、作者、单位、时长分辨率、检查结果，末页签字盖章
    #[command(name = "contact-sheet")]
    ContactSheet {
        #[command(flatten)]
        output: Output,
        /// 每页 3x4 或 4x5 格
        #[arg(long, default_value = "3x4", value_parser = ["3x4", "4x5"])]
        layout: String,
        /// 打印一个批次的作品（不再按下列条件筛选）
        #[arg(long, conflicts_with_all = ["category", "text", "verdict", "unit", "status", "all"])]
        batch: Option<i64>,
        #[command(flatten)]
        filter: FilterArgs,
        /// 包括未推荐报送的作品
        #[arg(long)]
        all: bool,
    },
    /// 报送汇总表（PDF，A4 横向，表头每页重复）
    Summary {
        #[arg(long)]
        batch: i64,
        #[command(flatten)]
        output: Output,
    },
    /// 发送记录（每封邮件的时间、Message-ID、服务器答复和所含文件）
    #[command(name = "sent-log")]
    SentLog {
        #[arg(long)]
        batch: i64,
        #[command(flatten)]
        output: Output,
    },
}

pub fn print_command(cli: &Cli, command: &PrintCommand) -> Result<(), Failure> {
    let session = open_session(cli)?;
    let (request, output) = match command {
        PrintCommand::ContactSheet {
            output,
            layout,
            batch,
            filter,
            all,
        } => (
            PrintRequest::ContactSheet {
                batch: *batch,
                filter: filter.filter(),
                all: *all,
                layout: layout.clone(),
            },
            output,
        ),
        PrintCommand::Summary { batch, output } => {
            (PrintRequest::Summary { batch: *batch }, output)
        }
        PrintCommand::SentLog { batch, output } => {
            (PrintRequest::SentLog { batch: *batch }, output)
        }
    };
    let report = api::print_document(&session, &request, &output.out)?;
    if let Some(png) = &output.preview {
        api::write_preview(&output.out, png)?;
    }
    if cli.json {
        print_json(&report);
    } else {
        outln!("已生成 {}（{}）", report.path, human_size(report.bytes));
        if let Some(png) = &output.preview {
            outln!("第一页预览：{}", png.display());
        }
    }
    Ok(())
}
