//! Domain: a work (作品) — its data as typed ([`EntryFields`], by the entry form, the CLI or a
//! 报名表 row), as catalogued ([`Entry`] with its [`EntryFile`]s), how it is reviewed
//! ([`Review`]) and how lists of works are asked for ([`EntryFilter`], [`EntrySort`]). The
//! catalog (`library`) stores these; the rules (`checks`, `selection`, `dashboard`, `batch`)
//! read them without knowing where they are stored.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::campaign::Campaign;
use crate::checks::{FileCheck, Verdict};
use crate::media::MediaFacts;
use crate::validate::{self, FieldError};

/// A work's fields as the clerk fills them in — declared once: what the entry form (or the
/// CLI, or a 报名表 row) sends, what the catalog keeps in [`Entry`], and what a batch freezes in
/// `BatchEntry`. Both carry them flattened, so their JSON is flat.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct EntryFields {
    /// The campaign's category id (`recitation`, `video` …).
    pub category: String,
    pub title: String,
    pub authors: Vec<String>,
    /// The recommending unit (推荐单位).
    pub unit: String,
    pub phone: String,
    pub description: String,
    pub tags: Vec<String>,
    /// Ids of the campaign's declarations the clerk has confirmed (原创、肖像权 …).
    pub declarations: Vec<String>,
    /// The clerk's own notes; they stay in the library (not in a package's manifest).
    pub notes: String,
}

/// A work in the catalog.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct Entry {
    #[ts(type = "number")]
    pub id: i64,
    pub campaign_id: String,
    #[serde(flatten)]
    #[ts(flatten)]
    pub fields: EntryFields,
    pub files: Vec<EntryFile>,
    pub review: Review,
    /// The worst verdict of its files against the campaign's current rules (不合格 when it has
    /// no file yet).
    pub verdict: Verdict,
    pub created_at: String,
    pub updated_at: String,
    pub deleted_at: Option<String>,
}

/// A file of an entry, held in the library's store.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct EntryFile {
    #[ts(type = "number")]
    pub id: i64,
    pub original_name: String,
    pub original_path: String,
    /// Relative to the library folder.
    pub stored_path: String,
    #[ts(type = "number")]
    pub size: u64,
    pub sha256: String,
    pub added_at: String,
    /// What the file really is (read from its bytes when it was added).
    pub facts: Option<MediaFacts>,
    /// The file judged against the campaign's rules for the entry's category.
    pub check: Option<FileCheck>,
    /// Where the same content arrived again and was linked here (另经…收到), original paths.
    pub also_received: Vec<String>,
}

/// Which entries to list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct EntryFilter {
    /// Only this category (子项目 id).
    pub category: Option<String>,
    /// Substring of title, authors, unit or description (Chinese works: no word splitting).
    pub text: Option<String>,
    /// List the deleted entries (回收站) instead of the live ones.
    pub deleted: bool,
    /// Only entries with this verdict (e.g. `fail` for 不合格).
    pub verdict: Option<Verdict>,
    /// Only entries of this recommending unit (exactly).
    pub unit: Option<String>,
    /// Only entries with this review status.
    pub status: Option<ReviewStatus>,
}

/// Ways to order a list; the window sorts its table itself, the CLI uses these.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "kebab-case")]
pub enum EntrySort {
    #[default]
    Newest,
    Title,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "kebab-case")]
pub enum ReviewStatus {
    /// 待审核
    #[default]
    Pending,
    /// 已通过
    Approved,
    /// 需修改
    NeedsFix,
    /// 不报送
    Excluded,
}

impl ReviewStatus {
    pub fn label(self) -> &'static str {
        match self {
            ReviewStatus::Pending => "待审核",
            ReviewStatus::Approved => "已通过",
            ReviewStatus::NeedsFix => "需修改",
            ReviewStatus::Excluded => "不报送",
        }
    }

    pub(crate) fn as_db(self) -> &'static str {
        match self {
            ReviewStatus::Pending => "pending",
            ReviewStatus::Approved => "approved",
            ReviewStatus::NeedsFix => "needs-fix",
            ReviewStatus::Excluded => "excluded",
        }
    }

    pub(crate) fn from_db(s: &str) -> Self {
        match s {
            "approved" => ReviewStatus::Approved,
            "needs-fix" => ReviewStatus::NeedsFix,
            "excluded" => ReviewStatus::Excluded,
            _ => ReviewStatus::Pending,
        }
    }
}

/// An entry's review state.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct Review {
    pub status: ReviewStatus,
    /// 推荐报送: selected to go out in the batch.
    pub recommended: bool,
    /// Position among the recommended works of its category (1 = first).
    #[ts(type = "number | null")]
    pub order: Option<i64>,
    /// Why a failing entry is recommended anyway; required in that case.
    pub override_reason: String,
}

/// The review rules, for an entry whose files get `verdict`: returns the cleaned override
/// reason and the order to store (none unless recommended).
pub fn check_review(
    review: &Review,
    verdict: Verdict,
) -> Result<(String, Option<i64>), Vec<FieldError>> {
    let mut errors = Vec::new();
    let reason = validate::optional(
        &mut errors,
        "override_reason",
        "推荐理由",
        &review.override_reason,
        500,
    );
    if review.recommended && verdict == Verdict::Fail && reason.is_empty() {
        errors.push(FieldError::new(
            "override_reason",
            "此作品的文件检查不合格，如仍要推荐报送，请写明理由",
        ));
    }
    if review.recommended && review.status == ReviewStatus::Excluded {
        errors.push(FieldError::new(
            "status",
            "状态为“不报送”的作品不能推荐报送",
        ));
    }
    if let Some(order) = review.order
        && !(1..=999).contains(&order)
    {
        errors.push(FieldError::new("order", "推荐顺序应为 1 到 999 之间的整数"));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok((reason, review.order.filter(|_| review.recommended)))
}

/// The rules for a work's data as typed: a category the campaign has, a title, one or more
/// authors, lengths, a usable phone, the campaign's declarations. Returns the cleaned copy
/// (trimmed, authors split on 、 and commas, tags and declarations once each).
pub fn check_input(
    input: &EntryFields,
    campaign: &Campaign,
) -> Result<EntryFields, Vec<FieldError>> {
    let mut errors = Vec::new();
    let category = input.category.trim().to_owned();
    if category.is_empty() {
        errors.push(FieldError::new("category", "请选择作品类别（子项目）"));
    } else if campaign.category(&category).is_none() {
        errors.push(FieldError::new(
            "category",
            format!(
                "本活动没有“{category}”这个类别，可选：{}",
                campaign.category_choices()
            ),
        ));
    }
    let title = validate::required(&mut errors, "title", "作品名称", &input.title, 100);
    let authors: Vec<String> = input
        .authors
        .iter()
        .flat_map(|a| a.split(['、', ',', '，', ';', '；']))
        .map(|a| a.trim().to_owned())
        .filter(|a| !a.is_empty())
        .collect();
    if authors.is_empty() {
        errors.push(FieldError::new(
            "authors",
            "请填写作者（多位作者用顿号分隔）",
        ));
    } else if let Some(long) = authors.iter().find(|a| a.chars().count() > 30) {
        errors.push(FieldError::new(
            "authors",
            format!("作者“{long}”过长：每位作者不超过30个字，多位作者请用顿号分隔"),
        ));
    }
    let unit = validate::optional(&mut errors, "unit", "推荐单位", &input.unit, 60);
    let phone = validate::phone(&mut errors, "phone", &input.phone, false);
    let description = validate::optional(
        &mut errors,
        "description",
        "作品简介",
        &input.description,
        2000,
    );
    let notes = validate::optional(&mut errors, "notes", "备注", &input.notes, 2000);
    let mut tags: Vec<String> = Vec::new();
    for t in input
        .tags
        .iter()
        .map(|t| t.trim())
        .filter(|t| !t.is_empty())
    {
        if t.chars().count() > 20 {
            errors.push(FieldError::new(
                "tags",
                format!("标签“{t}”过长（不超过20个字）"),
            ));
        } else if !tags.iter().any(|x| x == t) {
            tags.push(t.to_owned());
        }
    }
    let mut declarations: Vec<String> = Vec::new();
    for d in input.declarations.iter().map(|d| d.trim()) {
        if !campaign.declarations.iter().any(|x| x.id == d) {
            errors.push(FieldError::new(
                "declarations",
                format!("本活动没有“{d}”这项声明"),
            ));
        } else if !declarations.iter().any(|x| x == d) {
            declarations.push(d.to_owned());
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(EntryFields {
        category,
        title,
        authors,
        unit,
        phone,
        description,
        tags,
        declarations,
        notes,
    })
}
