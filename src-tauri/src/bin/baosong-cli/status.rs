//! `status` and `deadline`: the dashboard from a terminal.

pub use baosong::clock::parse_now;

use baosong::dashboard::{Dashboard, DeadlineState, QuotaState};
use chrono::{DateTime, NaiveDate, Utc};
use clap::Subcommand;

use super::{Cli, Failure, open_session, print_json};

#[derive(Subcommand)]
pub enum DeadlineCommand {
    /// 标记为已报送
    Done {
        /// 时间节点编号，如 contact-person、works（见 campaign show）
        id: String,
        /// 报送日期 YYYY-MM-DD（默认今天，北京时间）
        #[arg(long)]
        date: Option<NaiveDate>,
    },
    /// 取消已报送标记
    Undo { id: String },
}

pub fn status_command(cli: &Cli, now: Option<DateTime<Utc>>) -> Result<(), Failure> {
    let session = open_session(cli)?;
    let board = session.dashboard(now.unwrap_or_else(Utc::now))?;
    if cli.json {
        print_json(&board);
    } else {
        print_dashboard(&board);
    }
    Ok(())
}

pub fn deadline_command(cli: &Cli, command: &DeadlineCommand) -> Result<(), Failure> {
    let mut session = open_session(cli)?;
    match command {
        DeadlineCommand::Done { id, date } => {
            let day = match date {
                Some(d) => *d,
                None => {
                    let now = baosong::api::clock()?;
                    let zone = session.campaign()?.zone();
                    now.with_timezone(&zone).date_naive()
                }
            };
            session.mark_deadline(id, Some(day))?;
            if !cli.json {
                outln!("已标记“{id}”于 {day} 报送");
            }
        }
        DeadlineCommand::Undo { id } => {
            session.mark_deadline(id, None)?;
            if !cli.json {
                outln!("已取消“{id}”的已报送标记");
            }
        }
    }
    if cli.json {
        print_json(&session.dashboard(baosong::api::clock()?)?);
    }
    Ok(())
}

fn print_dashboard(d: &Dashboard) {
    let unit_type = d.unit_type.as_ref().map_or("", |u| u.name.as_str());
    outln!(
        "{} · {} · {}（{} 北京时间）",
        d.office_name,
        d.campaign_short_name,
        unit_type,
        d.now_local
    );
    outln!("{}", d.headline);
    outln!();
    outln!("各类别数量");
    for q in &d.quotas {
        let mark = match q.state {
            QuotaState::Short | QuotaState::Over => "✗",
            QuotaState::Met => "✓",
            QuotaState::Open => "·",
        };
        outln!(
            "  {mark} {}：登记{}件，推荐{}件，合格{}件 — {}",
            q.short_name,
            q.entries,
            q.selected,
            q.passing,
            q.message
        );
    }
    outln!();
    outln!("时间节点");
    for t in &d.deadlines {
        let mark = match t.state {
            DeadlineState::Done => "✓",
            DeadlineState::Passed if t.office_task => "✗",
            DeadlineState::Soon => "!",
            DeadlineState::Passed | DeadlineState::Upcoming => "·",
        };
        outln!(
            "  {mark} {}  {}（{}）— {}",
            t.due_local,
            t.title,
            t.id,
            t.remaining
        );
    }
    if !d.blockers.is_empty() {
        outln!();
        outln!("待处理的推荐作品");
        for b in &d.blockers {
            outln!(
                "  #{} {}（{}）：{}",
                b.entry_id,
                b.title,
                b.category_name,
                b.problems.join("；")
            );
        }
    }
    outln!();
    outln!("对接联系人");
    for line in d.contact.text.lines() {
        outln!("  {line}");
    }
    if !d.contact.missing.is_empty() {
        outln!("  （尚未填写：{}）", d.contact.missing.join("、"));
    }
    match &d.contact.submitted_on {
        Some(day) => outln!("  已报送：{day}"),
        None => {
            if let Some(to) = &d.contact.send_to {
                outln!("  报送方式：{to}");
            }
        }
    }
}
