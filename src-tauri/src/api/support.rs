//! 关于 and 导出诊断信息, for both faces.

use std::path::Path;

use super::{ApiError, Session, secrets};
use crate::diagnostics::{About, DiagnosticsReport};

impl Session {
    /// This build, this computer, the open library and its campaign rules, the folders.
    pub fn about(&self) -> About {
        let library = self.library.as_ref().and_then(|l| l.info().ok());
        let campaign_id = library
            .as_ref()
            .and_then(|l| l.office.as_ref())
            .map(|o| o.campaign_id.clone());
        About::gather(library, campaign_id.as_deref())
    }

    /// Writes the diagnostics zip to `dest`: `about` (the window adds its web engine), the
    /// open library's quick check, the recent logs; never the 授权码.
    pub fn export_diagnostics(
        &self,
        dest: &Path,
        about: &About,
    ) -> Result<DiagnosticsReport, ApiError> {
        let (doctor, secret) = match &self.library {
            Some(lib) => {
                let doctor = lib.doctor(false, false).ok();
                let secret = lib
                    .mail_account()
                    .ok()
                    .flatten()
                    .and_then(|a| secrets().get(&a.secret_key()).ok().flatten());
                (doctor, secret)
            }
            None => (None, None),
        };
        let report = crate::diagnostics::export(
            dest,
            about,
            doctor.as_ref(),
            &crate::logs::log_dir(),
            &secret.into_iter().collect::<Vec<_>>(),
        )
        .map_err(|e| {
            ApiError::new(
                "file.write",
                format!(
                    "无法保存诊断信息到 {}：{}",
                    dest.display(),
                    crate::fsx::io_reason(&e)
                ),
            )
        })?;
        tracing::info!(path = %report.path, bytes = report.bytes, "diagnostics exported");
        Ok(report)
    }
}
