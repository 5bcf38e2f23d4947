//! The folder the works' files are in, listed once and bounded, for matching a row's 文件名 or
//! title to its files. The only I/O of planning, so it stands apart from the rules.

use std::path::{Path, PathBuf};

/// How deep [`plan`](super::plan) looks into the folder of works for files.
const MAX_FOLDER_DEPTH: usize = 8;
/// How many files [`plan`](super::plan) lists at most, so choosing a whole drive by mistake
/// cannot hang it.
const MAX_FOLDER_FILES: usize = 50_000;

/// The files of a folder and its sub-folders, for matching by name.
pub(super) struct FileIndex {
    files: Vec<IndexedFile>,
}

struct IndexedFile {
    path: PathBuf,
    /// File name, lower case.
    name: String,
    /// File name without its extension, lower case.
    stem: String,
}

impl FileIndex {
    pub(super) fn scan(dir: &Path) -> Self {
        let mut files = Vec::new();
        collect_files(dir, 0, &mut files);
        files.sort_by(|a, b| a.path.cmp(&b.path));
        FileIndex { files }
    }

    /// Files named `wanted` (a bare name or a path from another PC, with or without its
    /// extension, any case). A different extension still matches ("a.mp4" finds "a.MOV").
    pub(super) fn find(&self, wanted: &str) -> Vec<PathBuf> {
        let name = wanted.rsplit(['/', '\\']).next().unwrap_or(wanted).trim();
        let name = name.to_lowercase();
        if name.is_empty() {
            return Vec::new();
        }
        let pick = |test: &dyn Fn(&IndexedFile) -> bool| -> Vec<PathBuf> {
            self.files
                .iter()
                .filter(|f| test(f))
                .map(|f| f.path.clone())
                .collect()
        };
        let by_name = pick(&|f| f.name == name);
        if !by_name.is_empty() {
            return by_name;
        }
        let by_stem = pick(&|f| f.stem == name);
        if !by_stem.is_empty() {
            return by_stem;
        }
        match name.rsplit_once('.') {
            Some((stem, ext))
                if !stem.is_empty()
                    && (1..=5).contains(&ext.len())
                    && ext.chars().all(|c| c.is_ascii_alphanumeric()) =>
            {
                pick(&|f| f.stem == stem)
            }
            _ => Vec::new(),
        }
    }
}

fn collect_files(dir: &Path, depth: usize, out: &mut Vec<IndexedFile>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        if out.len() >= MAX_FOLDER_FILES {
            return;
        }
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().to_lowercase();
        // Hidden files, Office's lock files (~$报名表.xlsx) and Windows' thumbnails are no works.
        if name.starts_with('.') || name.starts_with("~$") || name == "thumbs.db" {
            continue;
        }
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        // Symbolic links to folders are not followed, so a loop cannot hang the import.
        if kind.is_dir() {
            if depth < MAX_FOLDER_DEPTH {
                collect_files(&path, depth + 1, out);
            }
        } else if kind.is_file() || (kind.is_symlink() && path.is_file()) {
            let stem = path
                .file_stem()
                .map(|s| s.to_string_lossy().to_lowercase())
                .unwrap_or_default();
            out.push(IndexedFile { path, name, stem });
        }
    }
}
