//! Paths that come from a catalog, an outbox row or any file a stranger wrote.
//!
//! A library folder may arrive on anyone's USB stick, so every path read from it is input: it is
//! checked when read — relative, `/`-separated, no `..`, no root, drive or UNC prefix — and joined
//! to its folder only through [`join_inside`], which also refuses a link (symlink or Windows
//! junction) on the way. A violation is an error; the caller names the row it came from. Nothing
//! here follows a link.
//!
//! Ground layer: no `crate::` imports.

use std::path::{Path, PathBuf};

/// A path that is not used, and why (in Chinese, for the clerk).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("路径“{path}”{reason}")]
pub struct UnsafePath {
    pub path: String,
    pub reason: &'static str,
}

impl UnsafePath {
    fn new(path: &str, reason: &'static str) -> UnsafePath {
        UnsafePath {
            path: path.to_owned(),
            reason,
        }
    }
}

/// Checks a relative, `/`-separated path: non-empty parts, none `.` or `..`, no `\`, no drive or
/// stream colon, no control characters, not rooted.
pub fn check_relative(rel: &str) -> Result<(), UnsafePath> {
    if rel.is_empty() {
        return Err(UnsafePath::new(rel, "为空"));
    }
    if rel.starts_with('/') {
        return Err(UnsafePath::new(rel, "是绝对路径"));
    }
    if rel.contains('\\') {
        return Err(UnsafePath::new(rel, "含有反斜杠（Windows 路径）"));
    }
    if rel.contains(':') {
        return Err(UnsafePath::new(rel, "含有盘符或冒号"));
    }
    if rel.chars().any(char::is_control) {
        return Err(UnsafePath::new(rel, "含有控制字符"));
    }
    for part in rel.split('/') {
        match part {
            "" => return Err(UnsafePath::new(rel, "含有空的路径段")),
            "." | ".." => return Err(UnsafePath::new(rel, "指向上级文件夹")),
            _ => {}
        }
    }
    Ok(())
}

/// Checks a single file or folder name (no `/` at all), as [`check_relative`].
pub fn check_name(name: &str) -> Result<(), UnsafePath> {
    if name.contains('/') {
        return Err(UnsafePath::new(name, "不是单个文件名"));
    }
    check_relative(name)
}

/// True when `path` itself is a symbolic link or a junction (never follows it).
pub fn is_link(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink())
}

/// `root` joined with the checked relative path `rel`, provided no part of it below `root`
/// that exists is a link. Parts that do not exist yet are fine (a file about to be written).
pub fn join_inside(root: &Path, rel: &str) -> Result<PathBuf, UnsafePath> {
    check_relative(rel)?;
    let mut path = root.to_path_buf();
    let mut exists = true;
    for part in rel.split('/') {
        path.push(part);
        if !exists {
            continue; // below a part that does not exist there is nothing to follow
        }
        match std::fs::symlink_metadata(&path) {
            Ok(m) if m.file_type().is_symlink() => {
                return Err(UnsafePath::new(
                    rel,
                    "经过一个链接（快捷方式），为安全起见不使用",
                ));
            }
            Ok(_) => {}
            Err(_) => exists = false,
        }
    }
    Ok(path)
}

/// True for 64 lower-case hex digits: a SHA-256 as the store names files.
pub fn is_sha256_hex(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Checks the one shape a stored file's path has: `files/<2 hex>/<sha256>.<ext>`, the shard
/// being the hash's first two digits and the extension 1–8 lower-case letters or digits.
pub fn check_stored_path(rel: &str) -> Result<(), UnsafePath> {
    let bad = || {
        UnsafePath::new(
            rel,
            "不是资料库存放作品文件的路径（files/xx/校验值.扩展名）",
        )
    };
    let mut parts = rel.split('/');
    let (Some("files"), Some(shard), Some(name), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(bad());
    };
    let Some((hash, ext)) = name.split_once('.') else {
        return Err(bad());
    };
    let ext_ok = (1..=8).contains(&ext.len())
        && ext
            .bytes()
            .all(|b| b.is_ascii_digit() || b.is_ascii_lowercase());
    if !is_sha256_hex(hash) || !hash.starts_with(shard) || shard.len() != 2 || !ext_ok {
        return Err(bad());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_that_climb_or_root_are_refused() {
        for bad in [
            "",
            "/etc/passwd",
            "../x",
            "a/../../x",
            "a//b",
            "a/./b",
            "C:/Windows/x",
            "C:x",
            "\\\\server\\share\\x",
            "a\\..\\b",
            "a/b\n",
            "a/",
        ] {
            assert!(check_relative(bad).is_err(), "{bad:?} was accepted");
        }
        for good in ["a", "视频/01-金平区-作品.mp4", "outbox/batch-2/第01封"] {
            assert_eq!(check_relative(good), Ok(()), "{good:?}");
        }
        assert!(check_name("a/b").is_err());
        assert!(check_name("第1包.zip").is_ok());
    }

    #[test]
    fn stored_paths_have_exactly_one_shape() {
        let h = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
        assert_eq!(check_stored_path(&format!("files/ba/{h}.mp4")), Ok(()));
        for bad in [
            format!("files/bb/{h}.mp4"),
            format!("files/ba/{h}"),
            format!("files/ba/{h}.MP4"),
            format!("files/ba/{h}.mp4/x"),
            format!("thumbs/ba/{h}.mp4"),
            format!("files/ba/{}.mp4", &h[..63]),
            format!("files/ba/{h}.a.b"),
            "files/../../etc/passwd".to_owned(),
        ] {
            assert!(check_stored_path(&bad).is_err(), "{bad} was accepted");
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_link_on_the_way_is_refused_and_missing_parts_are_fine() {
        let dir = tempfile::tempdir().expect("tempdir");
        let outside = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir(dir.path().join("files")).expect("mkdir");
        std::os::unix::fs::symlink(outside.path(), dir.path().join("files/zz")).expect("link");
        let err = join_inside(dir.path(), "files/zz/a.mp4").expect_err("through a link");
        assert!(err.to_string().contains("链接"), "{err}");
        assert_eq!(
            join_inside(dir.path(), "files/ab/new.mp4"),
            Ok(dir.path().join("files/ab/new.mp4"))
        );
        assert!(is_link(&dir.path().join("files/zz")));
        assert!(!is_link(&dir.path().join("files")));
    }
}
