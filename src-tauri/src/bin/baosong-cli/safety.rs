//! `backup`, `files` and `trash`: the ways back for a clerk's works.

use baosong::fsx::human_size;
use std::path::PathBuf;

use baosong::api::{self, Session};
use baosong::library::{self, Actor, BackupInfo};
use clap::Subcommand;

use crate::{Cli, Failure, library_dir, open_session, print_json, usage};

#[derive(Subcommand)]
pub enum BackupCommand {
    /// 立即备份资料库目录（catalog.sqlite）到资料库的 backups 文件夹
    Create {
        /// 同时复制一份到此文件夹（如U盘）
        #[arg(long = "copy-to", value_name = "DIR")]
        copy_to: Option<PathBuf>,
    },
    /// 列出备份（目录文件丢失时也可用）
    List,
    /// 用备份恢复资料库目录；恢复前自动备份当前目录；作品文件一个也不删
    Restore {
        /// 备份编号（backup list 中的编号）
        id: String,
        /// 确认恢复（不加此参数只说明会发生什么）
        #[arg(long)]
        yes: bool,
    },
}

#[derive(Subcommand)]
pub enum FilesCommand {
    /// 列出未编目文件：作品文件库中有、目录中没有登记的文件（如恢复旧备份后）
    Unlisted,
    /// 重新登记未编目文件：每个文件登记为一件作品
    Adopt {
        /// 文件在资料库中的路径（files unlisted 中列出的），可多个
        #[arg(required = true)]
        paths: Vec<String>,
        /// 类别（子项目）编号
        #[arg(long)]
        category: String,
    },
    /// 把未编目文件移到资料库的回收站（trash 文件夹，可用 trash restore 放回）
    Trash {
        #[arg(required = true)]
        paths: Vec<String>,
    },
}

#[derive(Subcommand)]
pub enum TrashCommand {
    /// 列出回收站中的文件
    List,
    /// 把回收站中的文件放回作品文件库
    Restore {
        /// 移入的日期（trash list 中的 day）
        day: String,
        /// 文件在资料库中的路径
        path: String,
    },
}

/// Which errors mean "the folder has works but no catalog": the backups are still there.
fn catalog_missing(f: &Failure) -> bool {
    matches!(
        f.code.as_str(),
        "library.store_without_catalog" | "library.not_a_library"
    )
}

fn backup_line(b: &BackupInfo) -> String {
    format!(
        "{}  {}  {}  {} 件作品  {}",
        b.id,
        b.created_at,
        b.kind.label(),
        b.works.map_or("?".to_owned(), |n| n.to_string()),
        human_size(b.size)
    )
}

pub fn backup_command(cli: &Cli, c: &BackupCommand) -> Result<(), Failure> {
    match c {
        BackupCommand::Create { copy_to } => {
            let session = open_session(cli)?;
            let b = session.backup(copy_to.as_deref())?;
            if cli.json {
                print_json(&b);
            } else {
                outln!("已备份：{}", backup_line(&b));
                if let Some(d) = copy_to {
                    outln!("并已复制到 {}", d.display());
                }
            }
        }
        BackupCommand::List => {
            let list = match open_session(cli) {
                Ok(s) => s.backups()?,
                Err(f) if catalog_missing(&f) => library::backups_in(&library_dir(cli)?),
                Err(f) => return Err(f),
            };
            if cli.json {
                print_json(&list);
            } else if list.is_empty() {
                outln!("还没有备份。");
            } else {
                for b in &list {
                    outln!("{}", backup_line(b));
                }
            }
        }
        BackupCommand::Restore { id, yes } => {
            let dir = library_dir(cli)?;
            let missing = !library::Library::exists(&dir);
            if !yes {
                return Err(usage(format!(
                    "恢复会用备份“{id}”替换资料库目录（作品、批次和发件箱记录回到备份时的样子）；{}作品文件一个也不删，备份之后添加的作品会列为“未编目文件”，可重新登记。确认请加 --yes。",
                    if missing {
                        ""
                    } else {
                        "恢复前会自动备份当前目录；"
                    }
                )));
            }
            if missing {
                let info = api::restore_missing_catalog(&dir, id)?;
                let mut session = Session::new(None, Actor::Cli);
                session.open(&dir)?;
                let unlisted = session.unlisted_files()?.len();
                if cli.json {
                    print_json(&serde_json::json!({
                        "restored": info, "safety_backup": null, "unlisted": unlisted
                    }));
                } else {
                    outln!("已用备份 {} 找回资料库目录。", info.id);
                    print_unlisted_hint(unlisted);
                }
            } else {
                let mut session = open_session(cli)?;
                let report = session.restore_backup(id)?;
                if cli.json {
                    print_json(&report);
                } else {
                    outln!("已用备份 {} 恢复资料库目录。", report.restored.id);
                    if let Some(s) = &report.safety_backup {
                        outln!("恢复前的目录已备份为 {}（可用它撤销这次恢复）。", s.id);
                    }
                    print_unlisted_hint(report.unlisted as usize);
                }
            }
        }
    }
    Ok(())
}

fn print_unlisted_hint(n: usize) {
    if n > 0 {
        outln!(
            "作品文件库中有 {n} 个文件未登记在恢复后的目录中（未删除）。用 files unlisted 查看，files adopt 重新登记。"
        );
    }
}

pub fn files_command(cli: &Cli, c: &FilesCommand) -> Result<(), Failure> {
    let mut session = open_session(cli)?;
    match c {
        FilesCommand::Unlisted => {
            let list = session.unlisted_files()?;
            if cli.json {
                print_json(&list);
            } else if list.is_empty() {
                outln!("没有未编目文件。");
            } else {
                for f in &list {
                    outln!(
                        "{}  {}  {}",
                        f.stored_path,
                        human_size(f.size),
                        f.original_name.as_deref().unwrap_or("（原文件名不详）")
                    );
                }
            }
        }
        FilesCommand::Adopt { paths, category } => {
            let items = session.adopt_unlisted(paths, category)?;
            if cli.json {
                print_json(&items);
            } else {
                for i in &items {
                    outln!("{}：{:?}", i.path, i.outcome);
                }
            }
        }
        FilesCommand::Trash { paths } => {
            let n = session.trash_unlisted(paths)?;
            if cli.json {
                print_json(&serde_json::json!({ "moved": n }));
            } else {
                outln!("已把 {n} 个文件移到资料库的回收站（trash 文件夹）。");
            }
        }
    }
    Ok(())
}

pub fn trash_command(cli: &Cli, c: &TrashCommand) -> Result<(), Failure> {
    let session = open_session(cli)?;
    match c {
        TrashCommand::List => {
            let list = session.trash()?;
            if cli.json {
                print_json(&list);
            } else if list.is_empty() {
                outln!("回收站是空的。");
            } else {
                for t in &list {
                    outln!("{}  {}  {}", t.day, t.stored_path, human_size(t.size));
                }
            }
        }
        TrashCommand::Restore { day, path } => {
            let done = session.restore_from_trash(day, path)?;
            if cli.json {
                print_json(&serde_json::json!({ "restored": done }));
            } else if done {
                outln!("已放回作品文件库：{path}（未登记，可用 files adopt 重新登记）");
            } else {
                outln!("作品文件库中已有此文件，回收站中的副本未动。");
            }
        }
    }
    Ok(())
}

/// `doctor`: exit 1 when something needs doing (an error finding not repaired).
pub fn doctor_command(cli: &Cli, full: bool, repair: bool) -> Result<(), Failure> {
    let session = open_session(cli)?;
    let report = session.doctor(full, repair)?;
    if cli.json {
        print_json(&report);
    } else {
        outln!(
            "资料库体检：目录{}，检查了 {} 个文件{}。",
            if report.integrity == "ok" {
                "完好"
            } else {
                "已损坏"
            },
            report.files_checked,
            if report.full {
                "（含校验值）"
            } else {
                ""
            }
        );
        if report.findings.is_empty() {
            outln!("没有发现问题。");
        }
        for f in &report.findings {
            let mark = match f.severity {
                library::DoctorSeverity::Error => "问题",
                library::DoctorSeverity::Warning => "提醒",
            };
            let done = if f.repaired { "（已修复）" } else { "" };
            outln!("[{mark}]{done} {}\n    处理：{}", f.message, f.action);
        }
    }
    let errors = report.errors();
    if errors > 0 {
        return Err(Failure {
            message: format!("体检发现 {errors} 个需要处理的问题（见上）。"),
            code: "doctor.findings".into(),
            exit: 1,
        });
    }
    Ok(())
}
