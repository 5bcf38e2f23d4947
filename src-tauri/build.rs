//! The build's own facts for 关于 (`BAOSONG_BUILD_DATE`, `BAOSONG_COMMIT`), then Tauri's build
//! step for the window.

use std::path::PathBuf;
use std::process::Command;

fn main() {
    build_facts();
    #[cfg(feature = "desktop")]
    tauri_build::build();
}

/// The build date (UTC; `SOURCE_DATE_EPOCH` when a packager sets it) and the git commit. Both
/// are refreshed when the commit changes; a build from a source tarball has no commit.
fn build_facts() {
    let seconds = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse::<i64>().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs() as i64)
        });
    let (y, m, d) = civil_from_days(seconds.div_euclid(86_400));
    println!("cargo:rustc-env=BAOSONG_BUILD_DATE={y:04}-{m:02}-{d:02}");
    println!("cargo:rerun-if-env-changed=SOURCE_DATE_EPOCH");

    let git = |args: &[&str]| -> Option<String> {
        let out = Command::new("git").args(args).output().ok()?;
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
    };
    let commit = git(&["rev-parse", "--short=10", "HEAD"]).unwrap_or_default();
    println!("cargo:rustc-env=BAOSONG_COMMIT={commit}");
    // A new commit moves HEAD or the branch it names (in a worktree, both live in git dirs
    // elsewhere): watch them so the facts follow.
    for dir in ["--git-dir", "--git-common-dir"] {
        if let Some(dir) = git(&["rev-parse", "--path-format=absolute", dir]) {
            let dir = PathBuf::from(dir);
            for watched in [
                dir.join("HEAD"),
                dir.join("refs/heads"),
                dir.join("packed-refs"),
            ] {
                if watched.exists() {
                    println!("cargo:rerun-if-changed={}", watched.display());
                }
            }
        }
    }
    // Without a rerun line of its own, the core-only build would rerun this on any change.
    println!("cargo:rerun-if-changed=build.rs");
}

/// Days since 1970-01-01 → (year, month, day) in the proleptic Gregorian calendar.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}
