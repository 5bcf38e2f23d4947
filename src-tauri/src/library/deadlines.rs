//! 已报送 marks: the day the office sent what a deadline asks for (the contact person over
//! 粤政易, the batch of works). Marks belong to a campaign, so switching campaigns never mixes
//! them up.

use std::collections::HashMap;

use chrono::NaiveDate;
use rusqlite::params;

use super::{Library, LibraryError, audit, now};
use crate::validate::FieldError;

impl Library {
    /// Marks the active campaign's deadline `deadline_id` as done on `done_on`, or clears the
    /// mark with `None`.
    pub fn mark_deadline(
        &mut self,
        deadline_id: &str,
        done_on: Option<NaiveDate>,
    ) -> Result<(), LibraryError> {
        let campaign = self.campaign()?;
        let Some(deadline) = campaign.deadlines.iter().find(|d| d.id == deadline_id) else {
            let known: Vec<String> = campaign
                .deadlines
                .iter()
                .map(|d| format!("{}（{}）", d.id, d.title))
                .collect();
            return Err(LibraryError::Invalid(vec![FieldError::new(
                "deadline",
                format!(
                    "本活动没有“{deadline_id}”这个时间节点，可选：{}",
                    known.join("、")
                ),
            )]));
        };
        let tx = self.conn.transaction()?;
        match done_on {
            Some(day) => {
                tx.execute(
                    "INSERT INTO deadline_marks (campaign_id, deadline_id, done_on, marked_at)
                     VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT (campaign_id, deadline_id) DO UPDATE SET
                         done_on = excluded.done_on, marked_at = excluded.marked_at",
                    params![campaign.id, deadline.id, day.to_string(), now()],
                )?;
            }
            None => {
                tx.execute(
                    "DELETE FROM deadline_marks WHERE campaign_id = ?1 AND deadline_id = ?2",
                    params![campaign.id, deadline.id],
                )?;
            }
        }
        audit(
            &tx,
            self.actor,
            "deadline.mark",
            None,
            &serde_json::json!({
                "campaign": campaign.id,
                "deadline": deadline.id,
                "done_on": done_on.map(|d| d.to_string()),
            }),
        )?;
        tx.commit()?;
        Ok(())
    }

    /// The active campaign's marks: deadline id → the day it was done.
    pub fn deadline_marks(&self) -> Result<HashMap<String, NaiveDate>, LibraryError> {
        let campaign_id = self.office()?.campaign_id;
        let mut stmt = self
            .conn
            .prepare("SELECT deadline_id, done_on FROM deadline_marks WHERE campaign_id = ?1")?;
        let rows = stmt.query_map([campaign_id], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })?;
        let mut marks = HashMap::new();
        for row in rows {
            let (id, day) = row?;
            // Written by us as YYYY-MM-DD; anything else is skipped rather than fatal.
            if let Ok(day) = day.parse::<NaiveDate>() {
                marks.insert(id, day);
            }
        }
        Ok(marks)
    }
}
