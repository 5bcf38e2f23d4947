//! What the black-box tests share: a temporary folder per test, the real `baosong-cli` run in
//! it, and real media made by ffmpeg. On failure a result explains itself: the command, its
//! output and the folder's listing.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub mod district;

pub struct Run {
    pub dir: tempfile::TempDir,
}

pub struct Result {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    pub what: String,
}

impl Result {
    pub fn explain(&self) -> String {
        format!(
            "{}\nexit: {}\n--- stdout\n{}\n--- stderr\n{}",
            self.what, self.code, self.stdout, self.stderr
        )
    }

    pub fn ok(self) -> Self {
        assert_eq!(self.code, 0, "{}", self.explain());
        self
    }

    pub fn fails_with(self, code: i32) -> Self {
        assert_eq!(self.code, code, "{}", self.explain());
        assert!(
            self.stderr.contains("错误"),
            "no Chinese error: {}",
            self.explain()
        );
        self
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("{e}: {}", self.explain()))
    }
}

impl Run {
    pub fn new() -> Self {
        Run {
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }

    pub fn library(&self) -> PathBuf {
        self.dir.path().join("资料库")
    }

    /// The log folder the CLI writes to in this run.
    pub fn logs(&self) -> PathBuf {
        self.dir.path().join("logs")
    }

    /// Everything the run's CLI has logged so far.
    #[allow(dead_code)]
    pub fn log_text(&self) -> String {
        let mut text = String::new();
        for e in std::fs::read_dir(self.logs())
            .into_iter()
            .flatten()
            .flatten()
        {
            text.push_str(&std::fs::read_to_string(e.path()).unwrap_or_default());
        }
        text
    }

    pub fn file(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let p = self.dir.path().join(name);
        std::fs::write(&p, bytes).expect("write");
        p
    }

    pub fn listing(&self) -> String {
        fn walk(p: &Path, out: &mut String) {
            if let Ok(list) = std::fs::read_dir(p) {
                for e in list.flatten() {
                    out.push_str(&format!("{}\n", e.path().display()));
                    walk(&e.path(), out);
                }
            }
        }
        let mut s = String::new();
        walk(self.dir.path(), &mut s);
        s
    }

    pub fn cli(&self, args: &[&str]) -> Result {
        self.cli_env(
            args,
            &[("BAOSONG_LIBRARY", self.library().to_str().unwrap_or(""))],
        )
    }

    /// Runs the CLI with `stdin` as its standard input (e.g. a 授权码 for --password-stdin).
    pub fn cli_stdin(&self, args: &[&str], env: &[(&str, &str)], stdin: &str) -> Result {
        use std::io::Write;
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_baosong-cli"));
        cmd.args(args)
            .current_dir(self.dir.path())
            .env("BAOSONG_CONFIG_DIR", self.dir.path().join("config"))
            .env("BAOSONG_LOG_DIR", self.logs())
            .env("BAOSONG_LIBRARY", self.library())
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("run baosong-cli");
        if let Some(mut input) = child.stdin.take() {
            input.write_all(stdin.as_bytes()).expect("write stdin");
        }
        let Output {
            status,
            stdout,
            stderr,
        } = child.wait_with_output().expect("wait for baosong-cli");
        Result {
            code: status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&stdout).into_owned(),
            stderr: String::from_utf8_lossy(&stderr).into_owned(),
            what: format!("baosong-cli {} (with stdin)", args.join(" ")),
        }
    }

    pub fn cli_env(&self, args: &[&str], env: &[(&str, &str)]) -> Result {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_baosong-cli"));
        cmd.args(args)
            .current_dir(self.dir.path())
            .env_remove("BAOSONG_LIBRARY")
            .env("BAOSONG_CONFIG_DIR", self.dir.path().join("config"))
            .env("BAOSONG_LOG_DIR", self.logs());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let Output {
            status,
            stdout,
            stderr,
        } = cmd.output().expect("run baosong-cli");
        Result {
            code: status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&stdout).into_owned(),
            stderr: String::from_utf8_lossy(&stderr).into_owned(),
            what: format!(
                "baosong-cli {}\n--- files\n{}",
                args.join(" "),
                self.listing()
            ),
        }
    }

    pub fn init(&self) {
        self.cli(&[
            "init",
            "--office",
            "南澳县总工会",
            "--unit-type",
            "county-or-zone",
            "--contact-name",
            "林晓",
            "--contact-title",
            "办公室主任",
            "--contact-phone",
            "0754-86801234",
        ])
        .ok();
    }
}

/// A real media file made by ffmpeg (installed by the README's test command).
pub fn ffmpeg(dir: &Path, name: &str, args: &[&str]) -> PathBuf {
    let path = dir.join(name);
    let status = Command::new("ffmpeg")
        .args(["-v", "error", "-y"])
        .args(args)
        .arg(&path)
        .status()
        .expect("ffmpeg must be installed (the README's test command installs it)");
    assert!(status.success(), "ffmpeg failed to make {name}");
    path
}

pub fn video(dir: &Path, name: &str, size: &str) -> PathBuf {
    ffmpeg(
        dir,
        name,
        &[
            "-f",
            "lavfi",
            "-i",
            &format!("testsrc2=size={size}:rate=25"),
            "-t",
            "1",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-pix_fmt",
            "yuv420p",
        ],
    )
}

/// Every file in the zip at `path` as (name, text).
#[allow(dead_code)]
pub fn zip_texts(path: &Path) -> Vec<(String, String)> {
    let file = std::fs::File::open(path).expect("open the zip");
    let mut zip = zip::ZipArchive::new(file).expect("a zip");
    (0..zip.len())
        .map(|i| {
            let mut entry = zip.by_index(i).expect("an entry");
            let name = entry.name().expect("a UTF-8 name").into_owned();
            let mut text = String::new();
            std::io::Read::read_to_string(&mut entry, &mut text).expect("text");
            (name, text)
        })
        .collect()
}
