//! A real SMTP server for the tests (aiosmtpd: implicit TLS or STARTTLS, AUTH, SIZE, faults,
//! a Maildir), shared by the mail tests and the end-to-end tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const SECRET: &str = "abcdwxyzefghijkl";
pub const ADDRESS: &str = "jinping@localhost.test";

pub fn smtp_dir() -> PathBuf {
    // Both src-tauri/ and tests/e2e/ include this file: find tests/smtp from either.
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    [here.join("../tests/smtp"), here.join("../smtp")]
        .into_iter()
        .find(|p| p.join("smtp_server.py").is_file())
        .unwrap_or_else(|| here.join("../tests/smtp"))
}

/// Debian's python3 (where python3-aiosmtpd is), not another one earlier on PATH.
pub fn python() -> &'static str {
    if Path::new("/usr/bin/python3").exists() {
        "/usr/bin/python3"
    } else {
        "python3"
    }
}

/// A test CA and a localhost certificate it signed.
pub fn certs(dir: &Path) -> PathBuf {
    let out = dir.join("certs");
    let status = Command::new("sh")
        .arg(smtp_dir().join("make_cert.sh"))
        .arg(&out)
        .stdout(Stdio::null())
        .status()
        .expect("openssl (installed by the test command)");
    assert!(status.success(), "make_cert.sh failed");
    out
}

pub struct Server {
    child: Child,
    pub port: u16,
    pub maildir: PathBuf,
    pub log: PathBuf,
    control: PathBuf,
}

impl Server {
    pub fn start(dir: &Path, name: &str, mode: &str, fault: &str, size_limit: u64) -> Server {
        let certs = dir.join("certs");
        let home = dir.join(name);
        std::fs::create_dir_all(&home).expect("server dir");
        let port_file = home.join("port");
        let log = home.join("server.log");
        let control = home.join("control.json");
        let child = Command::new(python())
            .arg(smtp_dir().join("smtp_server.py"))
            .arg("--maildir")
            .arg(home.join("Maildir"))
            .arg("--cert")
            .arg(certs.join("server.pem"))
            .arg("--key")
            .arg(certs.join("server.key"))
            .args(["--mode", mode, "--fault", fault])
            .arg("--port-file")
            .arg(&port_file)
            .args(["--user", ADDRESS, "--password", SECRET])
            .args(["--size-limit", &size_limit.to_string()])
            .arg("--control-file")
            .arg(&control)
            .stderr(std::fs::File::create(&log).expect("log"))
            .spawn()
            .expect("python3 with aiosmtpd (installed by the test command)");
        let deadline = Instant::now() + Duration::from_secs(15);
        let port = loop {
            if let Ok(s) = std::fs::read_to_string(&port_file)
                && let Ok(p) = s.trim().parse()
            {
                break p;
            }
            assert!(Instant::now() < deadline, "the SMTP server did not start");
            std::thread::sleep(Duration::from_millis(30));
        };
        Server {
            child,
            port,
            maildir: home.join("Maildir"),
            log,
            control,
        }
    }

    pub fn set_fault(&self, fault: &str) {
        std::fs::write(&self.control, format!("{{\"fault\": \"{fault}\"}}")).expect("control");
    }

    pub fn logins(&self) -> usize {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .filter(|l| l.contains("smtp_server: AUTH"))
            .count()
    }

    /// What arrived: decoded by Python's email package, attachments saved under `out`.
    pub fn arrived(&self, out: &Path) -> Vec<serde_json::Value> {
        if !self.maildir.join("new").is_dir() {
            return Vec::new();
        }
        let o = Command::new(python())
            .arg(smtp_dir().join("read_maildir.py"))
            .arg(&self.maildir)
            .arg(out)
            .output()
            .expect("read_maildir.py");
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        serde_json::from_slice::<Vec<serde_json::Value>>(&o.stdout).expect("json")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
