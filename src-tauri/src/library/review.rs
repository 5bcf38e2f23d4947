//! Review (审核): each entry's status, the 推荐报送 mark and its order within the category.
//!
//! The rule the window and the CLI share: an entry whose files fail the campaign's checks can
//! only be recommended with a written reason (`override_reason`), so nothing that breaks the
//! notice's rules goes out by accident.

use rusqlite::params;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::{Library, LibraryError, audit, now};
use crate::checks::Verdict;
use crate::validate::{self, FieldError};

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

    pub(super) fn as_db(self) -> &'static str {
        match self {
            ReviewStatus::Pending => "pending",
            ReviewStatus::Approved => "approved",
            ReviewStatus::NeedsFix => "needs-fix",
            ReviewStatus::Excluded => "excluded",
        }
    }

    pub(super) fn from_db(s: &str) -> Self {
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

impl Library {
    /// Sets an entry's review state, enforcing the override rule. The entry is read, judged
    /// and written under the write lock, so the rule sees its category and files as they are
    /// when the review lands, not as another program left them a moment before.
    pub fn set_review(&mut self, id: i64, review: &Review) -> Result<super::Entry, LibraryError> {
        self.immediate(|conn| {
            let entry = self.entry(id)?;
            if entry.deleted_at.is_some() {
                return Err(LibraryError::NoSuchEntry(id));
            }
            let (reason, order) = check_review(review, entry.verdict)?;
            conn.execute(
                "UPDATE entries SET status = ?2, recommended = ?3, recommend_order = ?4,
                        override_reason = ?5, updated_at = ?6
                 WHERE id = ?1 AND deleted_at IS NULL",
                params![
                    id,
                    review.status.as_db(),
                    review.recommended,
                    order,
                    reason,
                    now()
                ],
            )?;
            audit(
                conn,
                self.actor,
                "entry.review",
                Some(id),
                &serde_json::json!({ "before": entry.review, "after": review }),
            )
        })?;
        self.entry(id)
    }
}

/// The review rules, for an entry whose files get `verdict`: returns the cleaned override
/// reason and the order to store (none unless recommended).
pub(super) fn check_review(
    review: &Review,
    verdict: Verdict,
) -> Result<(String, Option<i64>), LibraryError> {
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
        return Err(LibraryError::Invalid(errors));
    }
    Ok((reason, review.order.filter(|_| review.recommended)))
}
