//! `import`, `import-sheet` and `export`: works in from files and folders (one entry per file)
//! or from a 报名表, and the works list out as an xlsx with the 报名表's headers.

use baosong::fsx::human_size;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use baosong::api::{ApiError, Session};
use baosong::campaign::Severity;
use baosong::entry::EntryFilter;
use baosong::library::{
    ImportOptions, ImportOutcome, ImportReport, OnDuplicate, SheetImport, SheetImportOptions,
};
use baosong::progress::{Progress, REPORT_EVERY, throttled};
use baosong::registration::Mapping;
use clap::Args;

use super::{Cli, Failure, open_session, print_json};

#[derive(Args)]
pub struct ImportArgs {
    /// 文件或文件夹（可多个；文件夹含子文件夹）
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// 类别（子项目）编号，如 recitation、micro-video
    #[arg(long)]
    category: String,
    /// 推荐单位
    #[arg(long, default_value = "")]
    unit: String,
    /// 资料库中已有相同内容时：skip（跳过）、link（记为同一作品的另一来源）、keep（仍单独登记）
    #[arg(long = "on-duplicate", default_value = "skip", value_parser = parse_on_duplicate)]
    on_duplicate: OnDuplicate,
}

fn parse_on_duplicate(s: &str) -> Result<OnDuplicate, String> {
    match s {
        "skip" => Ok(OnDuplicate::Skip),
        "link" => Ok(OnDuplicate::Link),
        "keep" => Ok(OnDuplicate::Keep),
        _ => Err("应为 skip、link 或 keep".into()),
    }
}

pub fn import_command(cli: &Cli, a: &ImportArgs) -> Result<(), Failure> {
    let mut session = open_session(cli)?;
    let options = ImportOptions {
        category: a.category.clone(),
        unit: a.unit.clone(),
        on_duplicate: a.on_duplicate,
    };
    // A progress line on a terminal; nothing on a pipe (scripts read the report).
    let live = std::io::stderr().is_terminal();
    let mut show = throttled(REPORT_EVERY, |p: &Progress| {
        if live {
            let left = p
                .seconds_left
                .map_or(String::new(), |s| format!("，约剩 {s:.0} 秒"));
            eprint!(
                "\r已导入 {}/{} 个文件，{} / {}{left}    ",
                p.done_files,
                p.total_files,
                human_size(p.done_bytes),
                human_size(p.total_bytes)
            );
            let _ = std::io::stderr().flush();
        }
    });
    let report = session.import_files(&a.paths, &options, &mut show, &AtomicBool::new(false))?;
    if live {
        eprintln!();
    }
    if cli.json {
        print_json(&report);
    } else {
        print_report(&report);
    }
    if report.failed > 0 {
        return Err(Failure {
            message: format!("{} 个文件未能导入（见上）", report.failed),
            code: "import.partial".into(),
            exit: 1,
        });
    }
    Ok(())
}

fn print_report(r: &ImportReport) {
    for item in &r.items {
        match &item.outcome {
            ImportOutcome::Added { entry_id, verdict } => {
                let verdict = verdict.map_or("未检查，可用 entry show 查看", |v| v.label());
                outln!("新增 #{entry_id}（{verdict}）：{}", item.path);
            }
            ImportOutcome::Duplicate {
                existing_entry_id,
                existing_title,
                action,
                entry_id,
            } => {
                let done = match (action, entry_id) {
                    (OnDuplicate::Link, _) => "已记为其另一来源".to_owned(),
                    (OnDuplicate::Keep, Some(id)) => format!("仍单独登记为 #{id}"),
                    _ => "已跳过".to_owned(),
                };
                outln!(
                    "重复：{} 与 #{existing_entry_id}《{existing_title}》内容相同，{done}",
                    item.path
                );
            }
            ImportOutcome::Failed { reason } => outln!("失败：{}：{reason}", item.path),
        }
    }
    outln!(
        "共新增 {} 件，重复 {} 个，失败 {} 个{}",
        r.added,
        r.duplicates,
        r.failed,
        if r.cancelled { "（已取消）" } else { "" }
    );
}

#[derive(Args)]
pub struct SheetArgs {
    /// 报名表文件（.xlsx、.xls、.csv）
    sheet: PathBuf,
    /// 作品文件所在的文件夹（含子文件夹）
    #[arg(long)]
    files: Option<PathBuf>,
    /// 报名表中没有“类别”列时使用的类别编号
    #[arg(long)]
    category: Option<String>,
    /// 只检查并报告每一行将如何处理，不写入资料库
    #[arg(long = "dry-run")]
    dry_run: bool,
    /// 纠正某项取自哪一列（可重复）：作者=D、authors=4、作者=主创人员；列留空则不导入此项
    #[arg(long = "map", value_name = "项=列")]
    map: Vec<String>,
}

pub fn sheet_command(cli: &Cli, a: &SheetArgs) -> Result<(), Failure> {
    let mut session = open_session(cli)?;
    let mapping = if a.map.is_empty() {
        None
    } else {
        Some(corrected_mapping(&session, a)?)
    };
    let options = SheetImportOptions {
        files_dir: a.files.as_ref().map(|d| d.display().to_string()),
        mapping,
        default_category: a.category.clone(),
        dry_run: a.dry_run,
    };
    let result = session.import_sheet(&a.sheet, &options)?;
    if cli.json {
        print_json(&result);
    } else {
        print_sheet(&result);
    }
    if result.blocked > 0 {
        return Err(Failure {
            message: format!("{} 行因有错误未导入（见上）", result.blocked),
            code: "sheet.rows_blocked".into(),
            exit: 1,
        });
    }
    Ok(())
}

/// The suggested mapping with every `--map` applied in order, as the window's column picker
/// applies the clerk's choices.
fn corrected_mapping(session: &Session, a: &SheetArgs) -> Result<Mapping, Failure> {
    let sheet = session.read_sheet(&a.sheet)?;
    let mut mapping = sheet.mapping.clone();
    for correction in &a.map {
        let Some((field, column)) = correction
            .split_once('=')
            .or_else(|| correction.split_once('＝'))
        else {
            return Err(Failure {
                message: format!("--map 应写成“项=列”，如 --map 作者=D（收到的是“{correction}”）"),
                code: "usage".into(),
                exit: 2,
            });
        };
        sheet
            .correct_mapping(&mut mapping, field, column)
            .map_err(ApiError::from)?;
    }
    Ok(mapping)
}

fn print_sheet(r: &SheetImport) {
    outln!(
        "表头在第 {} 行（工作表“{}”）；共 {} 行作品",
        r.header_row,
        r.sheet_name,
        r.rows.len()
    );
    for row in &r.rows {
        let what = match (row.importable, row.entry_id, r.dry_run) {
            (true, Some(id), _) => format!("已登记 #{id}"),
            (true, None, _) => "将登记".to_owned(),
            (false, _, _) => "不导入".to_owned(),
        };
        outln!(
            "第{}行 {}：{}（{} 个文件）",
            row.plan.row,
            row.plan.input.title,
            what,
            row.plan.files.len()
        );
        for p in &row.plan.problems {
            let level = if p.severity == Severity::Error {
                "错误"
            } else {
                "提醒"
            };
            outln!("    {level}：{}", p.message);
        }
    }
    let verb = if r.dry_run { "可导入" } else { "已导入" };
    outln!("{verb} {} 行，{} 行有错误", r.created, r.blocked);
}

/// `export`: the works (of one category, or all) as an xlsx the sheet import reads back.
pub fn export_command(cli: &Cli, out: &Path, category: Option<&str>) -> Result<(), Failure> {
    let session = open_session(cli)?;
    let filter = EntryFilter {
        category: category.map(str::to_owned),
        ..EntryFilter::default()
    };
    let n = session.export_xlsx(out, &filter)?;
    if cli.json {
        print_json(&serde_json::json!({ "rows": n, "path": out.display().to_string() }));
    } else {
        outln!("已导出 {n} 件作品到 {}", out.display());
    }
    Ok(())
}
