//! Where the 授权码 lives: the operating system's credential store (Windows Credential
//! Manager, the Secret Service on Linux desktops), or — where none answers (a headless Linux
//! without D-Bus) — a file only the user can read (0600) in the user's config folder, and the
//! clerk is told so once. Never in the library, a log, an error message or the webview.

use std::io::Write;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// The service name credentials are filed under.
const SERVICE: &str = "baosong-smtp";

/// The name the secret under `key` is filed under in Windows' Credential Manager (控制面板 →
/// 凭据管理器 → Windows 凭据), where support may look for it or remove it by hand: the service
/// first, so Baosong's entries sort together and say whose they are, then the account. The
/// store's own default (`{key}.{service}`) puts the address first and the app last.
fn credential_target(key: &str) -> String {
    format!("{SERVICE}:{key}")
}

/// Where a secret was stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
#[serde(rename_all = "kebab-case")]
pub enum StoreKind {
    /// The system's credential store.
    System,
    /// A file only this user can read (no credential store answered).
    File,
}

#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("无法保存授权码：{0}。请检查用户文件夹的权限后重试。")]
    Write(String),
    #[error("无法读取保存的授权码：{0}。请在“设置 → 发件邮箱”中重新填写授权码。")]
    Read(String),
}

/// The credential stores of this user.
#[derive(Debug, Clone)]
pub struct SecretStore {
    /// The user's Baosong config folder (the file fallback lives in `secrets/` below it).
    config_dir: PathBuf,
    /// Tests (and `BAOSONG_SECRET_STORE=file`) use the file store only.
    file_only: bool,
}

impl SecretStore {
    pub fn new(config_dir: &Path) -> Self {
        let file_only = std::env::var("BAOSONG_SECRET_STORE").is_ok_and(|v| v == "file");
        SecretStore {
            config_dir: config_dir.to_path_buf(),
            file_only,
        }
    }

    /// A store that never asks the system (for tests of the file fallback).
    pub fn file_only(config_dir: &Path) -> Self {
        SecretStore {
            config_dir: config_dir.to_path_buf(),
            file_only: true,
        }
    }

    fn file(&self, key: &str) -> PathBuf {
        // The key holds an address: hash it, so the folder listing says nothing.
        let name: String = Sha256::digest(key.as_bytes())
            .iter()
            .take(16)
            .map(|b| format!("{b:02x}"))
            .collect();
        self.config_dir
            .join("secrets")
            .join(format!("{name}.secret"))
    }

    /// Stores `secret` under `key`, in the system store when it answers, else in the file.
    pub fn set(&self, key: &str, secret: &str) -> Result<StoreKind, SecretError> {
        if !self.file_only && system::set(key, secret).is_ok() {
            // A stale file copy must not outlive a newer system one.
            let _ = std::fs::remove_file(self.file(key));
            return Ok(StoreKind::System);
        }
        write_private(&self.file(key), secret.as_bytes())
            .map_err(|e| SecretError::Write(crate::fsx::io_reason(&e)))?;
        Ok(StoreKind::File)
    }

    /// The secret under `key`, if one is stored.
    pub fn get(&self, key: &str) -> Result<Option<String>, SecretError> {
        if !self.file_only
            && let Ok(Some(s)) = system::get(key)
        {
            return Ok(Some(s));
        }
        match std::fs::read(self.file(key)) {
            Ok(bytes) => String::from_utf8(bytes)
                .map(Some)
                .map_err(|_| SecretError::Read("文件已损坏".into())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(SecretError::Read(crate::fsx::io_reason(&e))),
        }
    }

    pub fn has(&self, key: &str) -> bool {
        matches!(self.get(key), Ok(Some(_)))
    }

    /// Removes the secret under `key` from every store.
    pub fn delete(&self, key: &str) {
        if !self.file_only {
            system::delete(key);
        }
        let _ = std::fs::remove_file(self.file(key));
    }
}

/// Writes `bytes` to `path` readable by this user only, by temporary file and rename.
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".secret-")
        .tempfile_in(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// The operating system's store through keyring-core. Every failure (no D-Bus, a locked
/// keyring, no store on this platform) is reported as unavailable, and the file takes over.
mod system {
    use std::collections::HashMap;
    use std::sync::OnceLock;

    use keyring_core::{Entry, Error};

    fn ready() -> bool {
        static READY: OnceLock<bool> = OnceLock::new();
        *READY.get_or_init(|| {
            #[cfg(target_os = "linux")]
            let store = zbus_secret_service_keyring_store::Store::new();
            #[cfg(target_os = "windows")]
            let store = windows_native_keyring_store::Store::new();
            #[cfg(not(any(target_os = "linux", target_os = "windows")))]
            let store: keyring_core::Result<std::sync::Arc<keyring_core::mock::Store>> = Err(
                Error::NotSupportedByStore("no credential store on this system".into()),
            );
            match store {
                Ok(s) => {
                    keyring_core::set_default_store(s);
                    true
                }
                Err(_) => false,
            }
        })
    }

    fn entry(key: &str) -> Result<Entry, Error> {
        if !ready() {
            return Err(Error::NoDefaultStore);
        }
        // `cfg!`, not `#[cfg]`: the Windows branch is compiled (and its name tested) everywhere.
        if cfg!(windows) {
            let target = super::credential_target(key);
            let modifiers = HashMap::from([("target", target.as_str())]);
            Entry::new_with_modifiers(super::SERVICE, key, &modifiers)
        } else {
            Entry::new(super::SERVICE, key)
        }
    }

    pub fn set(key: &str, secret: &str) -> Result<(), Error> {
        entry(key)?.set_password(secret)
    }

    pub fn get(key: &str) -> Result<Option<String>, Error> {
        match entry(key)?.get_password() {
            Ok(s) => Ok(Some(s)),
            Err(Error::NoEntry) => Ok(None),
            Err(e) => Err(e),
        }
    }

    pub fn delete(key: &str) {
        if let Ok(e) = entry(key) {
            let _ = e.delete_credential();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_credential_manager_target_names_the_app_then_the_account() {
        assert_eq!(
            credential_target("12345678@qq.com@smtp.qq.com:465"),
            "baosong-smtp:12345678@qq.com@smtp.qq.com:465"
        );
        // Two accounts of one address (another server or port) are two credentials.
        assert_ne!(
            credential_target("a@163.com@smtp.163.com:465"),
            credential_target("a@163.com@smtp.163.com:994")
        );
        // The longest address (254) and host name (253) stay far inside Credential Manager's
        // limit on a generic target name (CRED_MAX_GENERIC_TARGET_NAME_LENGTH, 32767).
        let key = format!("{}@{}:65535", "a".repeat(254), "h".repeat(253));
        assert!(credential_target(&key).encode_utf16().count() < 32767);
    }

    #[test]
    fn the_file_store_is_private_replaces_and_forgets() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = SecretStore::file_only(dir.path());
        let key = "12345678@qq.com@smtp.qq.com:465";
        assert_eq!(store.get(key).expect("read"), None);
        assert_eq!(
            store.set(key, "abcdefghijklmnop").expect("set"),
            StoreKind::File
        );
        assert_eq!(
            store.set(key, "qrstuvwxyzabcdef").expect("set"),
            StoreKind::File
        );
        assert_eq!(
            store.get(key).expect("read").as_deref(),
            Some("qrstuvwxyzabcdef")
        );
        let file = store.file(key);
        let name = file.file_name().map(|n| n.to_string_lossy().into_owned());
        assert!(
            !name.unwrap_or_default().contains("qq.com"),
            "the address is not in the name"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&file).expect("meta").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        store.delete(key);
        assert!(!store.has(key));
    }
}
