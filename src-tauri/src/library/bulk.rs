//! Bulk edit (批量修改): one change applied to a selection of entries in one transaction, each
//! entry's before/after in the audit log. Either every selected entry changes or none does.

use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::{Library, LibraryError, audit, now};
use crate::entry::ReviewStatus;
use crate::validate::{self, FieldError};

/// What to change; `None` (or an empty list) leaves that part alone.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct BulkChange {
    pub category: Option<String>,
    pub unit: Option<String>,
    pub status: Option<ReviewStatus>,
    pub add_tags: Vec<String>,
    pub remove_tags: Vec<String>,
}

impl Library {
    /// Applies `change` to every entry in `ids`; returns how many changed.
    pub fn bulk_update(&mut self, ids: &[i64], change: &BulkChange) -> Result<usize, LibraryError> {
        let campaign = self.campaign()?;
        let mut ids = ids.to_vec();
        ids.sort_unstable();
        ids.dedup();
        let ids = ids.as_slice();
        let mut errors = Vec::new();
        if ids.is_empty() {
            errors.push(FieldError::new("ids", "请先勾选要修改的作品"));
        }
        let category = change.category.as_deref().map(str::trim);
        if let Some(c) = category
            && campaign.category(c).is_none()
        {
            errors.push(FieldError::new(
                "category",
                format!("本活动没有“{c}”这个类别"),
            ));
        }
        let unit = change
            .unit
            .as_deref()
            .map(|u| validate::optional(&mut errors, "unit", "推荐单位", u, 60));
        for t in change.add_tags.iter().map(|t| t.trim()) {
            if t.is_empty() || t.chars().count() > 20 {
                errors.push(FieldError::new(
                    "add_tags",
                    format!("标签“{t}”应为1到20个字"),
                ));
            }
        }
        if category.is_none()
            && unit.is_none()
            && change.status.is_none()
            && change.add_tags.is_empty()
            && change.remove_tags.is_empty()
        {
            errors.push(FieldError::new("change", "请至少选择一项要修改的内容"));
        }
        if !errors.is_empty() {
            return Err(LibraryError::Invalid(errors));
        }

        let at = now();
        // The review rule and the writes happen under one write lock, so the rule sees each
        // work's recommendation and files as they are when the change lands.
        self.immediate(|tx| {
        // The review rule holds in bulk too: a recommended work whose files fail in its new
        // category needs a written reason, as in the entry form.
        if let Some(c) = category {
            let mut refused = Vec::new();
            for &id in ids {
                let mut e = self.entry(id)?;
                if e.review.recommended && e.review.override_reason.is_empty() && e.fields.category != c {
                    e.fields.category = c.to_owned();
                    self.judge(&mut e, &campaign)?;
                    if e.verdict == crate::checks::Verdict::Fail {
                        refused.push(FieldError::new(
                            "category",
                            format!(
                                "#{id}《{}》已推荐报送，改为此类别后文件检查不合格；请先取消推荐或在作品中写明理由",
                                e.fields.title
                            ),
                        ));
                    }
                }
            }
            if !refused.is_empty() {
                return Err(LibraryError::Invalid(refused));
            }
        }
        for &id in ids {
            let row: Option<(String, String, String, String, bool)> = tx
                .query_row(
                    "SELECT category, unit, status, tags, recommended FROM entries
                     WHERE id = ?1 AND deleted_at IS NULL",
                    [id],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
                )
                .optional()?;
            let Some((old_category, old_unit, old_status, old_tags, recommended)) = row else {
                return Err(LibraryError::NoSuchEntry(id));
            };
            let mut tags = super::entries::parse_list(id, "标签", &old_tags)?;
            tags.retain(|t| !change.remove_tags.iter().any(|r| r.trim() == t));
            for t in change.add_tags.iter().map(|t| t.trim().to_owned()) {
                if !tags.contains(&t) {
                    tags.push(t);
                }
            }
            let new_category = category.unwrap_or(&old_category);
            let new_unit = unit.as_deref().unwrap_or(&old_unit);
            let new_status: String = change
                .status
                .map_or_else(|| old_status.clone(), |s| s.as_db().to_owned());
            // 不报送 and 推荐报送 exclude each other: excluding a work takes it out of the batch.
            let still_recommended = recommended && change.status != Some(ReviewStatus::Excluded);
            let tags_json = serde_json::to_string(&tags).unwrap_or_else(|_| "[]".into());
            tx.execute(
                "UPDATE entries SET category = ?2, unit = ?3, status = ?4, tags = ?5,
                        recommended = ?6,
                        recommend_order = CASE WHEN ?6 AND category = ?2 THEN recommend_order
                                               ELSE NULL END,
                        updated_at = ?7
                 WHERE id = ?1",
                params![
                    id,
                    new_category,
                    new_unit,
                    new_status,
                    tags_json,
                    still_recommended,
                    at
                ],
            )?;
            audit(
                tx,
                self.actor,
                "entry.bulk",
                Some(id),
                &serde_json::json!({
                    "before": {"category": old_category, "unit": old_unit, "status": old_status,
                               "tags": old_tags, "recommended": recommended},
                    "after": {"category": new_category, "unit": new_unit, "status": new_status,
                              "tags": tags, "recommended": still_recommended},
                }),
            )?;
        }
        Ok(ids.len())
        })
    }
}
