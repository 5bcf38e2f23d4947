//! What the receiving side's tests share: district libraries made with the real CLI, their
//! works recommended, batched and exported as real packages; a receiving library; and a
//! package's files, copied as a clerk copies a stick.

use std::path::{Path, PathBuf};

use super::{Run, ffmpeg};

impl Run {
    /// `baosong-cli --library LIB args…`.
    pub fn at(&self, lib: &Path, args: &[&str]) -> super::Result {
        let mut all = vec!["--library", lib.to_str().unwrap_or_default()];
        all.extend_from_slice(args);
        self.cli_env(&all, &[])
    }
}

/// A tone of `hz` lasting `seconds`, as an MP3 named `name` in `dir` (a recitation).
pub fn tone(dir: &Path, name: &str, hz: u32, seconds: u32) -> PathBuf {
    ffmpeg(
        dir,
        name,
        &[
            "-f",
            "lavfi",
            "-i",
            &format!("sine=frequency={hz}:duration={seconds}"),
        ],
    )
}

/// Adds one work per (category, title, file) to `lib` by `author`, declared original,
/// approved and recommended for the batch; their ids.
pub fn add_recommended(
    r: &Run,
    lib: &Path,
    author: &str,
    works: &[(&str, &str, &Path)],
) -> Vec<String> {
    let mut ids = Vec::new();
    for (category, title, file) in works {
        let id = r
            .at(
                lib,
                &[
                    "entry",
                    "add",
                    file.to_str().unwrap_or_default(),
                    "--category",
                    category,
                    "--title",
                    title,
                    "--author",
                    author,
                    "--declare",
                    "original",
                    "--json",
                ],
            )
            .ok()
            .json()["id"]
            .to_string();
        r.at(
            lib,
            &[
                "entry",
                "update",
                &id,
                "--status",
                "approved",
                "--recommend",
                "true",
            ],
        )
        .ok();
        ids.push(id);
    }
    ids
}

/// The run's own district library (`Run::init`, 南澳县总工会) with `n` recitations of 12 s
/// (读经典第0篇…, tones from 330 Hz up) in a new batch; the batch's id.
pub fn district_batch(r: &Run, n: u32) -> String {
    r.init();
    let lib = r.library();
    let files: Vec<(String, PathBuf)> = (0..n)
        .map(|i| {
            let file = tone(r.dir.path(), &format!("诵读{i}.mp3"), 330 + 110 * i, 12);
            (format!("读经典第{i}篇"), file)
        })
        .collect();
    let works: Vec<(&str, &str, &Path)> = files
        .iter()
        .map(|(title, file)| ("recitation", title.as_str(), file.as_path()))
        .collect();
    add_recommended(r, &lib, "林堃", &works);
    r.at(&lib, &["batch", "create", "--json"]).ok().json()["batch"]["id"].to_string()
}

/// A district library of `office` (in the run's folder) with one recommended work per
/// (category, title, file) by 陈晓, batched and exported; the package folder.
pub fn district_package(
    r: &Run,
    office: &str,
    unit_type: &str,
    works: &[(&str, &str, &Path)],
) -> PathBuf {
    let lib = r.dir.path().join(format!("{office}-资料库"));
    r.at(
        &lib,
        &["init", "--office", office, "--unit-type", unit_type],
    )
    .ok();
    add_recommended(r, &lib, "陈晓", works);
    package(r, &lib)
}

/// Makes the next batch of `lib` and exports it into a folder of its own; the package folder.
pub fn package(r: &Run, lib: &Path) -> PathBuf {
    let id = r.at(lib, &["batch", "create", "--json"]).ok().json()["batch"]["id"].to_string();
    export(r, lib, &id)
}

/// Exports batch `id` of `lib` into a new folder (a stick); the package folder.
pub fn export(r: &Run, lib: &Path, id: &str) -> PathBuf {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    let out = r
        .dir
        .path()
        .join(format!("导出-{}", N.fetch_add(1, Ordering::SeqCst)));
    std::fs::create_dir_all(&out).expect("out");
    let report = r
        .at(
            lib,
            &[
                "batch",
                "export",
                id,
                "--out",
                out.to_str().unwrap_or_default(),
                "--json",
            ],
        )
        .ok()
        .json();
    PathBuf::from(report["folder"].as_str().expect("folder"))
}

/// A new receiving library `name` (汕头市工人文化宫) in the run's folder, with `extra` given to
/// `init` (a contact, say).
pub fn city_library(r: &Run, name: &str, extra: &[&str]) -> PathBuf {
    let lib = r.dir.path().join(name);
    let mut args = vec![
        "init",
        "--role",
        "city",
        "--office",
        "汕头市工人文化宫",
        "--json",
    ];
    args.extend_from_slice(extra);
    r.at(&lib, &args).ok();
    lib
}

/// Copies a folder as a clerk copies it to a stick and back (files only).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read").flatten() {
        let target = to.join(e.file_name());
        if e.file_type().expect("type").is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).expect("copy");
        }
    }
}

/// The first work file of a package (under a category folder).
pub fn a_work_file(package: &Path) -> PathBuf {
    std::fs::read_dir(package)
        .expect("package")
        .flatten()
        .filter(|e| e.path().is_dir())
        .flat_map(|e| std::fs::read_dir(e.path()).expect("category").flatten())
        .map(|f| f.path())
        .next()
        .expect("a work file")
}
