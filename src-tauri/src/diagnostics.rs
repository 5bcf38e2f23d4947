//! 关于 and 导出诊断信息: what a support call asks first — which version, built when, on which
//! system, which campaign rules, where the library and the logs are — and one zip the clerk can
//! send to whoever supports her: that, the recent logs and the library check's findings.
//!
//! The zip never holds a secret. No log event carries one (see [`crate::logs`]); the exporter
//! is handed the account's 授权码 anyway and scrubs it, in its plain and its SMTP AUTH (base64)
//! forms, from every file it writes. Works' files are never read.

use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};

use base64::Engine;
use serde::Serialize;
use ts_rs::TS;

use crate::library::{DoctorReport, DoctorSeverity, LibraryInfo};

/// The version this build was made from.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
/// The day the build script last ran (`SOURCE_DATE_EPOCH` when set), `YYYY-MM-DD`.
pub const BUILD_DATE: &str = env!("BAOSONG_BUILD_DATE");
/// The git commit built, or empty when the source was not a git checkout.
pub const COMMIT: &str = env!("BAOSONG_COMMIT");

/// How many days of logs the zip takes, and how much of each file (its end).
const LOG_FILES: usize = 7;
const LOG_TAIL_BYTES: u64 = 4 << 20;

/// What the 关于 dialog shows.
#[derive(Debug, Clone, Serialize, TS)]
pub struct About {
    pub version: String,
    /// The commit built (short), empty when unknown.
    pub commit: String,
    pub build_date: String,
    /// The operating system, as its own release file names it, and the architecture.
    pub os: String,
    /// The window's web engine (WebKitGTK, WebView2) when the window asks.
    pub webview: Option<String>,
    /// The open library's folder, office and size.
    pub library: Option<LibraryInfo>,
    /// The campaign rules in use (the open library's, else the default).
    pub campaign: Option<CampaignSource>,
    pub log_dir: String,
    pub config_dir: String,
}

/// A campaign's rules as this build holds them.
#[derive(Debug, Clone, Serialize, TS)]
pub struct CampaignSource {
    pub id: String,
    pub name: String,
    /// The file it was read from (`shantou-2023.toml`, embedded in the program).
    pub file: String,
    /// The SHA-256 of that file, to tell two builds' rules apart.
    pub sha256: String,
}

/// What 导出诊断信息 wrote.
#[derive(Debug, Clone, Serialize, TS)]
pub struct DiagnosticsReport {
    pub path: String,
    /// The files in the zip.
    pub files: Vec<String>,
    #[ts(type = "number")]
    pub bytes: u64,
}

impl About {
    /// The facts of this build and this computer; `library` and `campaign_id` from the open
    /// library, if any.
    pub fn gather(library: Option<LibraryInfo>, campaign_id: Option<&str>) -> About {
        let campaign_id = campaign_id.unwrap_or(crate::campaign::DEFAULT_CAMPAIGN_ID);
        About {
            version: VERSION.to_owned(),
            commit: COMMIT.to_owned(),
            build_date: BUILD_DATE.to_owned(),
            os: os_name(),
            webview: None,
            library,
            campaign: campaign_source(campaign_id),
            log_dir: crate::logs::log_dir().display().to_string(),
            config_dir: crate::library::recent::config_dir().display().to_string(),
        }
    }

    /// One line per fact, in Chinese, as the 关于 dialog and `baosong-cli about` show them.
    pub fn lines(&self) -> Vec<(&'static str, String)> {
        let mut version = self.version.clone();
        if !self.commit.is_empty() {
            version.push_str(&format!("（{}）", self.commit));
        }
        let mut lines = vec![
            ("版本", version),
            ("构建日期", self.build_date.clone()),
            ("操作系统", self.os.clone()),
        ];
        if let Some(webview) = &self.webview {
            lines.push(("网页引擎", webview.clone()));
        }
        if let Some(c) = &self.campaign {
            lines.push((
                "活动规则",
                format!(
                    "{}（{}，内置；SHA-256 {}…）",
                    c.name,
                    c.file,
                    &c.sha256[..12]
                ),
            ));
        }
        lines.push((
            "资料库",
            match &self.library {
                Some(l) => l.path.clone(),
                None => "（未打开）".to_owned(),
            },
        ));
        lines.push(("日志文件夹", self.log_dir.clone()));
        lines.push(("设置文件夹", self.config_dir.clone()));
        lines
    }
}

fn campaign_source(id: &str) -> Option<CampaignSource> {
    let (file, text) = crate::campaign::embedded_source(id)?;
    let campaign = crate::campaign::embedded_by_id(id).ok()?;
    Some(CampaignSource {
        id: campaign.id,
        name: campaign.name,
        file: file.to_owned(),
        sha256: crate::digest::sha256_hex(text.as_bytes()),
    })
}

/// `Debian GNU/Linux 12 (bookworm) · x86_64`: the release file's PRETTY_NAME where there is
/// one, else the OS family.
fn os_name() -> String {
    let pretty = std::fs::read_to_string("/etc/os-release")
        .ok()
        .and_then(|text| pretty_name(&text));
    format!(
        "{} · {}",
        pretty.unwrap_or_else(|| std::env::consts::OS.to_owned()),
        std::env::consts::ARCH
    )
}

fn pretty_name(os_release: &str) -> Option<String> {
    os_release.lines().find_map(|line| {
        let value = line.strip_prefix("PRETTY_NAME=")?.trim();
        let value = value
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .unwrap_or(value);
        (!value.is_empty()).then(|| value.to_owned())
    })
}

/// Writes the diagnostics zip to `dest`: 说明.txt, about.json, the library check (doctor.txt,
/// doctor.json) when a library is open, and the last days of logs from `log_dir`. Every text
/// is scrubbed of `secrets` first. The zip lands by rename: a failure leaves nothing behind.
pub fn export(
    dest: &Path,
    about: &About,
    doctor: Option<&DoctorReport>,
    log_dir: &Path,
    secrets: &[String],
) -> std::io::Result<DiagnosticsReport> {
    let scrub = Scrubber::new(secrets);
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let mut options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .unix_permissions(0o644);
    if let Some(time) = zip_now() {
        options = options.last_modified_time(time);
    }
    let mut names = Vec::new();
    let mut add = |name: &str, text: &str| -> std::io::Result<()> {
        zip.start_file(name, options).map_err(zip_error)?;
        zip.write_all(scrub.apply(text).as_bytes())?;
        names.push(name.to_owned());
        Ok(())
    };
    add("说明.txt", &readme(about))?;
    add("about.json", &to_json(about))?;
    if let Some(report) = doctor {
        add("doctor.txt", &doctor_text(report))?;
        add("doctor.json", &to_json(report))?;
    }
    for path in crate::logs::files(log_dir).into_iter().take(LOG_FILES) {
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        add(&format!("logs/{name}"), &tail(&path, LOG_TAIL_BYTES)?)?;
    }
    let bytes = zip.finish().map_err(zip_error)?.into_inner();
    crate::fsx::write_atomic(dest, &bytes)?;
    Ok(DiagnosticsReport {
        path: dest.display().to_string(),
        files: names,
        bytes: bytes.len() as u64,
    })
}

/// Where the window saves the zip, without asking: the Documents folder where there is one,
/// else the home folder (the dialog then shows the file and opens its folder).
pub fn default_folder() -> PathBuf {
    dirs::document_dir()
        .filter(|d| d.is_dir())
        .or_else(dirs::home_dir)
        .unwrap_or_else(std::env::temp_dir)
}

/// A name for the zip: `报送助手诊断信息-20261204-1530.zip`.
pub fn default_file_name(now: chrono::DateTime<chrono::Local>) -> PathBuf {
    PathBuf::from(format!(
        "报送助手诊断信息-{}.zip",
        now.format("%Y%m%d-%H%M")
    ))
}

/// The computer's local time as a zip entry's time (zips have no zone).
fn zip_now() -> Option<zip::DateTime> {
    use chrono::{Datelike, Timelike};
    let now = chrono::Local::now();
    zip::DateTime::from_date_and_time(
        u16::try_from(now.year()).ok()?,
        u8::try_from(now.month()).ok()?,
        u8::try_from(now.day()).ok()?,
        u8::try_from(now.hour()).ok()?,
        u8::try_from(now.minute()).ok()?,
        u8::try_from(now.second()).ok()?,
    )
    .ok()
}

fn zip_error(e: zip::result::ZipError) -> std::io::Error {
    std::io::Error::other(e.to_string())
}

fn to_json<T: Serialize>(value: &T) -> String {
    serde_json::to_string_pretty(value).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}

fn readme(about: &About) -> String {
    let mut text = String::from(
        "报送助手诊断信息\n\n\
         这个压缩包供技术支持查找问题：程序版本、操作系统、资料库体检结果和最近几天的日志。\n\
         其中没有发件邮箱的授权码，也没有任何作品文件。\n\n",
    );
    for (label, value) in about.lines() {
        text.push_str(&format!("{label}：{value}\n"));
    }
    text
}

fn doctor_text(report: &DoctorReport) -> String {
    let mut text = format!(
        "资料库体检：目录检查 {}，检查了 {} 个文件{}\n",
        report.integrity,
        report.files_checked,
        if report.full {
            "（含校验值）"
        } else {
            ""
        }
    );
    if report.findings.is_empty() {
        text.push_str("没有发现问题。\n");
    }
    for f in &report.findings {
        let level = match f.severity {
            DoctorSeverity::Error => "错误",
            DoctorSeverity::Warning => "提醒",
        };
        text.push_str(&format!("[{level}] {} {}\n", f.code, f.message));
    }
    text
}

/// The last `max` bytes of a log file, from the start of a line, as text.
fn tail(path: &Path, max: u64) -> std::io::Result<String> {
    use std::io::{Read, Seek, SeekFrom};
    let mut file = std::fs::File::open(path)?;
    let len = file.metadata()?.len();
    let start = len.saturating_sub(max);
    file.seek(SeekFrom::Start(start))?;
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)?;
    let text = String::from_utf8_lossy(&bytes);
    Ok(if start > 0 {
        let cut = text.find('\n').map_or(0, |i| i + 1);
        format!("（前面 {start} 字节从略）\n{}", &text[cut..])
    } else {
        text.into_owned()
    })
}

/// Replaces every secret, and the forms an SMTP login would carry it in, with a mark.
struct Scrubber {
    needles: Vec<String>,
}

const SCRUBBED: &str = "［已隐去］";

impl Scrubber {
    fn new(secrets: &[String]) -> Self {
        let b64 = base64::engine::general_purpose::STANDARD;
        let mut needles = Vec::new();
        // A secret of a few characters would blot out ordinary words; 授权码 are 16 letters.
        for secret in secrets.iter().filter(|s| s.chars().count() >= 4) {
            needles.push(secret.clone());
            // In base64 the secret's bytes show differently by their offset mod 3 in the
            // encoded text (AUTH PLAIN sends "\0user\0secret", AUTH LOGIN the secret alone).
            // For each offset keep the characters that depend on the secret's bytes only.
            for shift in 0..3 {
                let encoded = b64.encode(format!("{}{secret}", "\0".repeat(shift)));
                let core = encoded.trim_end_matches('=');
                let skip = (shift * 4).div_ceil(3);
                if core.len() > skip + 6 {
                    needles.push(core[skip..core.len() - 2].to_owned());
                }
            }
        }
        needles.retain(|n| !n.is_empty());
        needles.sort_by_key(|n| std::cmp::Reverse(n.len()));
        Scrubber { needles }
    }

    fn apply(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for needle in &self.needles {
            if out.contains(needle.as_str()) {
                out = out.replace(needle.as_str(), SCRUBBED);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_release_file_names_the_system() {
        let text = "NAME=\"Debian GNU/Linux\"\nPRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n";
        assert_eq!(
            pretty_name(text).as_deref(),
            Some("Debian GNU/Linux 12 (bookworm)")
        );
        assert_eq!(
            pretty_name("PRETTY_NAME=deepin 23\n").as_deref(),
            Some("deepin 23")
        );
        assert_eq!(pretty_name("NAME=x\n"), None);
        assert_eq!(pretty_name("PRETTY_NAME=\"\"\n"), None);
    }

    #[test]
    fn a_secret_is_scrubbed_plain_and_as_an_smtp_login_carries_it() {
        let secret = "abcdefghijklmnop";
        let b64 = base64::engine::general_purpose::STANDARD;
        let plain = format!(
            "AUTH PLAIN {}",
            b64.encode(format!("\0clerk@qq.com\0{secret}"))
        );
        let login = format!("AUTH LOGIN ... {}", b64.encode(secret));
        let shifted = b64.encode(format!("\0\0{secret}"));
        let scrub = Scrubber::new(&[secret.to_owned()]);
        for text in [
            format!("password={secret}"),
            plain,
            login,
            shifted,
            format!("a{}", b64.encode(format!("x{secret}"))),
        ] {
            let out = scrub.apply(&text);
            assert!(out.contains(SCRUBBED), "{text} → {out}");
            assert!(!out.contains(secret), "{out}");
            assert!(
                !out.contains(&b64.encode(secret)[..12]),
                "the base64 form survives in {out}"
            );
        }
        assert_eq!(scrub.apply("nothing here"), "nothing here");
        // A secret too short to scrub safely is not turned into a blot everywhere.
        assert_eq!(Scrubber::new(&["ab".into()]).apply("about"), "about");
    }

    #[test]
    fn the_tail_of_a_long_log_starts_at_a_line() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("baosong.2026-12-04.log");
        let text: String = (0..100).map(|i| format!("第{i}行\n")).collect();
        std::fs::write(&path, &text).expect("write");
        assert_eq!(tail(&path, 10_000).expect("tail"), text);
        let short = tail(&path, 40).expect("tail");
        assert!(short.starts_with("（前面"), "{short}");
        assert!(short.ends_with("第99行\n"), "{short}");
        let body = short.split_once('\n').expect("a note line").1;
        assert!(body.starts_with('第'), "cut at a line: {body}");
    }

    #[test]
    fn the_zip_holds_about_the_checks_and_recent_logs_and_never_the_secret() {
        let dir = tempfile::tempdir().expect("tempdir");
        let logs = dir.path().join("logs");
        std::fs::create_dir(&logs).expect("logs");
        let secret = "qwertyuiopasdfgh".to_owned();
        for day in 1..=9 {
            std::fs::write(
                logs.join(format!("baosong.2026-12-0{day}.log")),
                format!("day {day} INFO 打开资料库\nERROR mail.auth login {secret} refused\n"),
            )
            .expect("log");
        }
        let about = About::gather(None, None);
        let doctor = DoctorReport {
            integrity: "ok".into(),
            files_checked: 3,
            full: false,
            findings: Vec::new(),
        };
        let dest = dir.path().join("诊断.zip");
        let report = export(
            &dest,
            &about,
            Some(&doctor),
            &logs,
            std::slice::from_ref(&secret),
        )
        .expect("zip");
        assert_eq!(report.bytes, std::fs::metadata(&dest).expect("zip").len());
        let mut zip =
            zip::ZipArchive::new(std::fs::File::open(&dest).expect("open")).expect("a zip");
        let mut names = Vec::new();
        for i in 0..zip.len() {
            let mut file = zip.by_index(i).expect("entry");
            let name = file.name().expect("a UTF-8 name").into_owned();
            let mut text = String::new();
            std::io::Read::read_to_string(&mut file, &mut text).expect("text");
            assert!(!text.contains(&secret), "{name} holds the secret");
            names.push(name);
        }
        assert_eq!(names, report.files);
        assert!(names.contains(&"about.json".to_owned()));
        assert!(names.contains(&"doctor.txt".to_owned()));
        let logs_in: Vec<_> = names.iter().filter(|n| n.starts_with("logs/")).collect();
        assert_eq!(logs_in.len(), LOG_FILES, "{names:?}");
        assert!(names.contains(&"logs/baosong.2026-12-09.log".to_owned()));
        assert!(!names.contains(&"logs/baosong.2026-12-01.log".to_owned()));
        let about_json: serde_json::Value = {
            let mut f = zip.by_name("about.json").expect("about");
            serde_json::from_reader(&mut f).expect("json")
        };
        assert_eq!(about_json["version"], VERSION);
        assert_eq!(about_json["campaign"]["id"], "shantou-2023");
    }

    #[test]
    fn about_says_which_build_and_which_rules() {
        let about = About::gather(None, None);
        assert_eq!(about.version, env!("CARGO_PKG_VERSION"));
        assert_eq!(about.build_date.len(), 10, "{}", about.build_date);
        let campaign = about.campaign.as_ref().expect("the default campaign");
        assert_eq!(campaign.file, "shantou-2023.toml");
        assert_eq!(campaign.sha256.len(), 64);
        let lines = about.lines();
        let label = |l: &str| lines.iter().find(|(k, _)| *k == l).map(|(_, v)| v.clone());
        assert_eq!(label("资料库").as_deref(), Some("（未打开）"));
        assert!(
            label("活动规则")
                .expect("rules")
                .contains("shantou-2023.toml")
        );
    }
}
