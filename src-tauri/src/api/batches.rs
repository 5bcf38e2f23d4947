//! Batches: the draft, making one, listing and deleting, the message plan, and the package
//! and the mail attachments written as jobs.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use serde::Serialize;
use ts_rs::TS;

use super::{ApiError, Session};
use crate::batch::ExportReport;
use crate::batch::{Batch, BatchRequest, BatchSummary, Draft, LeftOut};
use crate::jobs::Job;
use crate::package::attachments::{self, PlanOptions};
use crate::progress::Progress;

/// A batch just made, with what stayed out and what only warned.
#[derive(Debug, Clone, Serialize, TS)]
pub struct BatchCreated {
    pub batch: Batch,
    pub warnings: Vec<String>,
    pub left_out: Vec<LeftOut>,
    pub already_sent: Vec<LeftOut>,
}

/// A batch's [`MailPlan`](crate::batch::plan::MailPlan) as the window and `batch plan --json` show it.
#[derive(Debug, Clone, Serialize, TS)]
pub struct MailPlanView {
    #[ts(type = "number")]
    pub batch_id: i64,
    pub label: String,
    /// The limit used and where it came from: `option` (given) or `default` (QQ 邮箱's 70 MiB).
    #[ts(type = "number")]
    pub max_message_bytes: u64,
    pub limit_source: String,
    pub messages: Vec<crate::batch::plan::Message>,
    /// Files that travel another way (另行传送), with their SHA-256 for the cover letter.
    pub separate: Vec<crate::batch::plan::SeparateFile>,
    /// Every work file is in exactly one message (or in `separate`): the counts say so.
    pub files: u32,
    pub volumes: u32,
}

impl MailPlanView {
    fn new(batch: &Batch, options: &PlanOptions, plan: crate::batch::plan::MailPlan) -> Self {
        use crate::batch::plan::Content;
        let volumes = plan
            .messages
            .iter()
            .flat_map(|m| m.attachments.iter())
            .filter(|a| matches!(a.content, Content::Volume { .. }))
            .count();
        MailPlanView {
            batch_id: batch.id,
            label: batch.label(),
            max_message_bytes: plan.max_message_bytes,
            limit_source: if options.max_message_bytes.is_some() {
                "option".into()
            } else {
                "default".into()
            },
            messages: plan.messages,
            separate: plan.separate,
            files: u32::try_from(batch.files().count()).unwrap_or(u32::MAX),
            volumes: u32::try_from(volumes).unwrap_or(u32::MAX),
        }
    }
}

/// Writes the attachments of batch `id`'s messages under `dest` as a job (see
/// [`attachments::write_attachments`]); returns the folder and every file written.
pub fn write_attachments(
    job: &Job,
    id: i64,
    options: &PlanOptions,
    dest: &Path,
    progress: &mut dyn FnMut(&Progress),
) -> Result<(PathBuf, Vec<attachments::WrittenAttachment>), ApiError> {
    let lib = job.open()?;
    let batch = lib.batch(id)?;
    let (plan, extras) =
        attachments::plan_for_mail(job.root(), &batch, lib.campaign()?.zone(), options)?;
    attachments::write_attachments(
        job.root(),
        &attachments::Attachments {
            batch: &batch,
            plan: &plan,
            packing: options.packing,
            extras: &extras,
        },
        dest,
        progress,
        &job.cancel,
    )
    .map_err(ApiError::from)
}

/// Exports batch `id` into the folder `dest` as a job: its own connection, its cancel token,
/// progress through `progress`; the session stays free meanwhile.
pub fn export_batch(
    job: &Job,
    id: i64,
    dest: &Path,
    progress: &mut dyn FnMut(&Progress),
) -> Result<ExportReport, ApiError> {
    let mut lib = job.open()?;
    let batch = lib.batch(id)?;
    let zone = lib.campaign()?.zone();
    let local = crate::clock::local_time(&batch.created_at, zone);
    let report = crate::package::export(job.root(), &batch, dest, &local, progress, &job.cancel)
        .map_err(ApiError::from)?;
    lib.record_export(id, &report)?;
    Ok(report)
}

impl Session {
    /// What a batch made now would hold (nothing is written).
    pub fn batch_draft(
        &self,
        request: &BatchRequest,
        now: DateTime<Utc>,
    ) -> Result<Draft, ApiError> {
        Ok(self.library()?.batch_draft(request, now)?)
    }

    /// Makes a batch of the ready works; the blocked ones stay out and are reported.
    pub fn create_batch(
        &mut self,
        request: &BatchRequest,
        now: DateTime<Utc>,
    ) -> Result<BatchCreated, ApiError> {
        let (batch, draft) = self.library_mut()?.create_batch(request, now)?;
        Ok(BatchCreated {
            warnings: batch.header.warnings.clone(),
            left_out: batch.header.left_out.clone(),
            already_sent: draft.already_sent,
            batch,
        })
    }

    pub fn batches(&self) -> Result<Vec<BatchSummary>, ApiError> {
        Ok(self.library()?.batches()?)
    }

    pub fn batch(&self, id: i64) -> Result<Batch, ApiError> {
        Ok(self.library()?.batch(id)?)
    }

    pub fn delete_batch(&mut self, id: i64) -> Result<(), ApiError> {
        Ok(self.library_mut()?.delete_batch(id)?)
    }

    /// The messages batch `id` goes out in (nothing is written).
    pub fn plan_batch(&self, id: i64, options: &PlanOptions) -> Result<MailPlanView, ApiError> {
        let lib = self.library()?;
        let batch = lib.batch(id)?;
        let (plan, _) =
            attachments::plan_for_mail(lib.root(), &batch, lib.campaign()?.zone(), options)?;
        Ok(MailPlanView::new(&batch, options, plan))
    }
}
