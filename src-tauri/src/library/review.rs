//! Review (审核): each entry's status, the 推荐报送 mark and its order within the category.
//!
//! The rule the window and the CLI share: an entry whose files fail the campaign's checks can
//! only be recommended with a written reason (`override_reason`), so nothing that breaks the
//! notice's rules goes out by accident.

use rusqlite::params;

use super::{Library, LibraryError, audit, now};
use crate::entry::{Review, check_review};

impl Library {
    /// Sets an entry's review state, enforcing the override rule. The entry is read, judged
    /// and written under the write lock, so the rule sees its category and files as they are
    /// when the review lands, not as another program left them a moment before.
    pub fn set_review(
        &mut self,
        id: i64,
        review: &Review,
    ) -> Result<crate::entry::Entry, LibraryError> {
        self.immediate(|conn| {
            let entry = self.entry(id)?;
            if entry.deleted_at.is_some() {
                return Err(LibraryError::NoSuchEntry(id));
            }
            let (reason, order) =
                check_review(review, entry.verdict).map_err(LibraryError::Invalid)?;
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
