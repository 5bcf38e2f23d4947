//! `campaign`: the campaigns built in, one campaign's rules, a campaign file checked, and the
//! switch of the office's campaign.

use std::path::PathBuf;

use baosong::api::ApiError;
use baosong::campaign::{self, Campaign};
use baosong::library::{Actor, Library};
use clap::Subcommand;

use super::{Cli, Failure, open_session, print_json};

#[derive(Subcommand)]
pub enum CampaignCommand {
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

/// The campaign a command names with `--campaign`, else the open library's, else the default
/// one (汕头2023): what `campaign show` shows and `check` checks against.
pub fn chosen(cli: &Cli, id: Option<&str>) -> Result<Campaign, Failure> {
    Ok(match (id, &cli.library) {
        (Some(id), _) => campaign::embedded_by_id(id).map_err(ApiError::from)?,
        (None, Some(dir)) => Library::open(dir, Actor::Cli)
            .and_then(|l| l.campaign())
            .map_err(ApiError::from)?,
        (None, None) => {
            campaign::embedded_by_id(campaign::DEFAULT_CAMPAIGN_ID).map_err(ApiError::from)?
        }
    })
}

pub fn campaign_command(cli: &Cli, command: &CampaignCommand) -> Result<(), Failure> {
    match command {
        CampaignCommand::List => {
            let list = baosong::api::campaign_summaries();
            if cli.json {
                print_json(&list);
            } else {
                for c in list {
                    outln!("{}\t{}", c.id, c.name);
                }
            }
        }
        CampaignCommand::Show { campaign: id } => {
            let campaign = chosen(cli, id.as_deref())?;
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
                outln!("已切换到活动 {}，单位类型 {}", o.campaign_id, o.unit_type);
            }
        }
        CampaignCommand::Check { file } => {
            let campaign = campaign::load_file(file).map_err(ApiError::from)?;
            if cli.json {
                print_json(&campaign);
            } else {
                outln!(
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
    outln!("{}（{}）", c.name, c.id);
    if let Some(m) = &c.submission.mailbox {
        outln!("报送邮箱：{m}（{}）", c.submission.recipient);
    } else {
        outln!("报送：{}", c.submission.recipient);
    }
    outln!("\n类别：");
    for cat in &c.categories {
        let kinds: Vec<&str> = cat.accepts.iter().map(|k| k.label()).collect();
        outln!("  {}\t{}（{}）", cat.id, cat.name, kinds.join("、"));
    }
    if !c.file_rules.is_empty() {
        outln!("\n文件规则：");
        for r in &c.file_rules {
            let level = match r.severity {
                campaign::Severity::Error => "必须",
                campaign::Severity::Warning => "建议",
            };
            outln!("  [{level}] {}：{}", r.id, r.source);
        }
    }
    outln!("\n配额：");
    for u in &c.unit_types {
        let min = u
            .min_per_category
            .map(|n| format!("不少于{n}件"))
            .unwrap_or_default();
        let max = u
            .max_per_category
            .map(|n| format!("不超过{n}件"))
            .unwrap_or_default();
        outln!("  {}\t{}\t{min}{max}", u.id, u.name);
    }
    outln!("\n截止时间（{}）：", c.timezone);
    for d in &c.deadlines {
        outln!("  {}\t{}\t{}", d.due_local, d.title, d.what);
    }
}
