//! `about` and `diagnostics`: what a support call asks first, and the zip to send it.

use std::path::PathBuf;

use baosong::api::Session;
use baosong::library::Actor;

use super::{Cli, Failure, print_json};

/// The open library when `--library` names one that opens; 关于 and the diagnostics say what
/// they can without it (a library that does not open is what the call is about).
fn session(cli: &Cli) -> Session {
    let mut session = Session::new(None, Actor::Cli);
    if let Some(dir) = &cli.library
        && let Err(e) = session.open(dir)
    {
        eprintln!(
            "提醒：资料库没有打开（{}），以下信息不含资料库。",
            e.message
        );
    }
    session
}

pub fn about_command(cli: &Cli) -> Result<(), Failure> {
    let about = session(cli).about();
    if cli.json {
        print_json(&about);
    } else {
        outln!("报送助手（作品报送助手）");
        for (label, value) in about.lines() {
            outln!("{label}：{value}");
        }
    }
    Ok(())
}

pub fn diagnostics_command(cli: &Cli, out: Option<&PathBuf>) -> Result<(), Failure> {
    let session = session(cli);
    let dest = out
        .cloned()
        .unwrap_or_else(|| baosong::diagnostics::default_file_name(chrono::Local::now()));
    let report = session.export_diagnostics(&dest, &session.about())?;
    if cli.json {
        print_json(&report);
    } else {
        outln!(
            "已导出诊断信息：{}（{} 个文件，{}）",
            report.path,
            report.files.len(),
            baosong::fsx::human_size(report.bytes)
        );
        outln!("其中没有授权码，也没有作品文件；可以发给技术支持人员。");
    }
    Ok(())
}
