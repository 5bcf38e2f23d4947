//! `init` and `info`: a new library with its office, and what an open one holds.

use baosong::api::Session;
use baosong::campaign;
use baosong::library::Actor;
use baosong::office::OfficeInput;
use clap::Args;

use super::{Cli, Failure, library_dir, open_session, print_json};

#[derive(Args)]
pub struct InitArgs {
    /// 本单位名称，如 金平区总工会
    #[arg(long)]
    office: String,
    /// 单位类型编号：district、county-or-zone、municipal-direct（以活动文件为准；市级收件不需要）
    #[arg(long = "unit-type", default_value = "")]
    unit_type: String,
    /// 资料库用途：district（区县报送，默认）或 city（市级收件：接收各单位的报送批次）
    #[arg(long, default_value = "district", value_parser = ["district", "city"])]
    role: String,
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

pub fn init_command(cli: &Cli, a: &InitArgs) -> Result<(), Failure> {
    let dir = library_dir(cli)?;
    let office = OfficeInput {
        name: a.office.clone(),
        unit_type: a.unit_type.clone(),
        campaign_id: a.campaign.clone(),
        contact_name: a.contact_name.clone(),
        contact_title: a.contact_title.clone(),
        contact_phone: a.contact_phone.clone(),
    };
    let mut session = Session::new(None, Actor::Cli);
    let info = if a.role == "city" {
        session.create_city(&dir, &office)?
    } else {
        session.create(&dir, &office)?
    };
    if cli.json {
        print_json(&info);
    } else {
        let what = if a.role == "city" {
            "市级收件资料库"
        } else {
            "资料库"
        };
        outln!("已在 {} 新建{what}：{}", info.path, a.office);
    }
    Ok(())
}

pub fn info_command(cli: &Cli) -> Result<(), Failure> {
    let session = open_session(cli)?;
    let info = session.info()?;
    if cli.json {
        print_json(&info);
    } else {
        let office = info.office.as_ref();
        outln!("资料库：{}", info.path);
        outln!("单位：{}", office.map_or("（未设置）", |o| o.name.as_str()));
        outln!("活动：{}", office.map_or("", |o| o.campaign_id.as_str()));
        outln!("作品：{} 件", info.entry_count);
    }
    Ok(())
}
