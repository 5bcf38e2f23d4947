//! The dashboard and the campaign's deadlines: what the clerk sees first, at a given instant.

use chrono::{DateTime, NaiveDate, Utc};

use super::{ApiError, Session};
use crate::dashboard::{self, Dashboard};
use crate::entry::{EntryFilter, EntrySort};
use crate::library::LibraryInfo;

impl Session {
    /// The dashboard of the open library at `now`.
    pub fn dashboard(&self, now: DateTime<Utc>) -> Result<Dashboard, ApiError> {
        let lib = self.library()?;
        let office = lib.office()?;
        let campaign = lib.campaign()?;
        let entries = lib.entries(&EntryFilter::default(), EntrySort::Newest)?;
        let marks = lib.deadline_marks()?;
        Ok(dashboard::compute(&dashboard::Inputs {
            campaign: &campaign,
            office: &office,
            entries: &entries,
            marks: &marks,
            now,
        }))
    }

    /// Moves the office to another campaign; see [`Library::switch_campaign`].
    pub fn switch_campaign(
        &mut self,
        campaign_id: &str,
        unit_type: Option<&str>,
    ) -> Result<LibraryInfo, ApiError> {
        let lib = self.library_mut()?;
        lib.switch_campaign(campaign_id, unit_type)?;
        Ok(lib.info()?)
    }

    /// Marks a deadline of the active campaign 已报送 on `done_on` (or clears it).
    pub fn mark_deadline(
        &mut self,
        deadline_id: &str,
        done_on: Option<NaiveDate>,
    ) -> Result<(), ApiError> {
        Ok(self.library_mut()?.mark_deadline(deadline_id, done_on)?)
    }
}
