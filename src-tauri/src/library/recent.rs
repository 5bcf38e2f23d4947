//! Recently opened libraries, remembered per user (not per library) in the user's config
//! folder (`BAOSONG_CONFIG_DIR` overrides it, which the tests use).

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// How many libraries are remembered.
const KEEP: usize = 8;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct RecentLibrary {
    pub path: String,
    pub office_name: String,
    pub opened_at: String,
}

/// The folder holding the user's Baosong settings.
pub fn config_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("BAOSONG_CONFIG_DIR").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    dirs::config_dir()
        .unwrap_or_else(|| PathBuf::from("."))
        .join("baosong")
}

fn file(dir: &Path) -> PathBuf {
    dir.join("recent.json")
}

/// The remembered libraries, most recent first. A missing or damaged list is empty.
pub fn load(dir: &Path) -> Vec<RecentLibrary> {
    std::fs::read(file(dir))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default()
}

/// Puts `path` first in the list. Failing to remember is not worth an error to the clerk.
pub fn remember(dir: &Path, path: &Path, office_name: &str) {
    let path_s = path.display().to_string();
    let mut list = load(dir);
    list.retain(|r| r.path != path_s);
    list.insert(
        0,
        RecentLibrary {
            path: path_s,
            office_name: office_name.to_owned(),
            opened_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        },
    );
    list.truncate(KEEP);
    let _ = save(dir, &list);
}

/// Drops `path` from the list (a library that was moved or deleted).
pub fn forget(dir: &Path, path: &str) {
    let mut list = load(dir);
    list.retain(|r| r.path != path);
    let _ = save(dir, &list);
}

fn save(dir: &Path, list: &[RecentLibrary]) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    tmp.write_all(&serde_json::to_vec_pretty(list).unwrap_or_default())?;
    tmp.as_file().sync_all()?;
    tmp.persist(file(dir)).map_err(|e| e.error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn most_recent_comes_first_without_duplicates() {
        let dir = tempfile::tempdir().expect("tempdir");
        remember(dir.path(), Path::new("/a"), "金平区总工会");
        remember(dir.path(), Path::new("/b"), "南澳县总工会");
        remember(dir.path(), Path::new("/a"), "金平区总工会");
        let list = load(dir.path());
        let paths: Vec<&str> = list.iter().map(|r| r.path.as_str()).collect();
        assert_eq!(paths, ["/a", "/b"]);
        forget(dir.path(), "/a");
        assert_eq!(load(dir.path()).len(), 1);
    }

    #[test]
    fn damaged_list_reads_as_empty() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(file(dir.path()), b"{not json").expect("write");
        assert!(load(dir.path()).is_empty());
    }
}
