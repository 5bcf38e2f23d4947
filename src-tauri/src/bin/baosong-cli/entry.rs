//! `entry`: one work at a time (add, show, update, delete, restore), the list, and bulk edits.

use std::path::PathBuf;

use baosong::campaign::ORIGINAL_DECLARATION;
use baosong::checks::Verdict;
use baosong::entry::{Entry, EntryFields, EntryFilter, Review, ReviewStatus};
use baosong::library::BulkChange;
use clap::{Args, Subcommand};

use super::{Cli, Failure, open_session, print_json, usage};

#[derive(Subcommand)]
pub enum EntryCommand {
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
pub struct BulkArgs {
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
pub struct UpdateArgs {
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
pub struct AddArgs {
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

pub fn entry_command(cli: &Cli, command: &EntryCommand) -> Result<(), Failure> {
    let mut session = open_session(cli)?;
    match command {
        EntryCommand::Add(a) => {
            if a.files.is_empty() {
                return Err(usage("请给出至少一个作品文件"));
            }
            let input = EntryFields {
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
                outln!("已登记作品 #{}：{}", entry.id, entry.fields.title);
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
                outln!("已修改 {n} 件作品");
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
                outln!("（没有作品）");
            } else {
                for e in &entries {
                    outln!(
                        "#{}\t{}\t{}\t{}\t{}\t{}",
                        e.id,
                        e.verdict.label(),
                        e.fields.category,
                        e.fields.title,
                        e.fields.authors.join("、"),
                        e.fields.unit
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
                outln!("已删除作品 #{id}（可用 entry restore {id} 恢复）");
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
                let mut input = EntryFields {
                    category: a.category.clone().unwrap_or(entry.fields.category.clone()),
                    title: entry.fields.title.clone(),
                    authors: entry.fields.authors.clone(),
                    unit: a.unit.clone().unwrap_or(entry.fields.unit.clone()),
                    phone: entry.fields.phone.clone(),
                    description: entry.fields.description.clone(),
                    tags: entry.fields.tags.clone(),
                    declarations: entry.fields.declarations.clone(),
                    notes: entry.fields.notes.clone(),
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
                outln!("已恢复作品 #{}：{}", entry.id, entry.fields.title);
            }
        }
    }
    Ok(())
}

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
    outln!("#{} {}  [{}]", e.id, e.fields.title, e.verdict.label());
    let recommended = if e.review.recommended {
        match e.review.order {
            Some(n) => format!("，推荐报送（第{n}位）"),
            None => "，推荐报送".to_owned(),
        }
    } else {
        String::new()
    };
    outln!("审核：{}{recommended}", e.review.status.label());
    if !e.review.override_reason.is_empty() {
        outln!("推荐理由：{}", e.review.override_reason);
    }
    outln!("类别：{}", e.fields.category);
    outln!("作者：{}", e.fields.authors.join("、"));
    outln!("推荐单位：{}", e.fields.unit);
    outln!("联系电话：{}", e.fields.phone);
    if !e.fields.tags.is_empty() {
        outln!("标签：{}", e.fields.tags.join("、"));
    }
    if !e.fields.description.is_empty() {
        outln!("简介：{}", e.fields.description);
    }
    for f in &e.files {
        outln!(
            "文件：{}（{} 字节，SHA-256 {}）",
            f.original_name,
            f.size,
            f.sha256
        );
    }
    if let Some(d) = &e.deleted_at {
        outln!("已删除：{d}");
    }
}
