//! Planning: rows → the entries an import would create, each with what is wrong with it.
//!
//! Pure but for listing the works' folder ([`super::folder`]): nothing here touches the
//! catalog, so the window's preview and the CLI's `--dry-run` show exactly what the import
//! (in `library`) will then do.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::Serialize;
use ts_rs::TS;

use crate::campaign::{Campaign, Category, Severity};
use crate::entry::EntryFields;
use crate::validate::is_phone;

use super::folder::FileIndex;
use super::header::fold_width;
use super::{Field, Mapping, Row};

/// What is wrong with a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, TS)]
#[serde(rename_all = "kebab-case")]
pub enum ProblemKind {
    MissingTitle,
    MissingAuthors,
    /// No category in the row, and the campaign has more than one.
    MissingCategory,
    UnknownCategory,
    BadPhone,
    FileNotFound,
    /// The same file is matched by several rows.
    SharedFile,
    /// Same title and authors as an earlier row.
    Duplicate,
    /// A field the catalog refuses (too long, unknown declaration …), found on import.
    Invalid,
    /// The file was found but could not be copied into the library.
    FileUnreadable,
    /// The file's content is already in the library, in another entry.
    AlreadyInLibrary,
}

impl ProblemKind {
    /// Errors block the row; after a warning the row's input still imports.
    pub fn severity(self) -> Severity {
        match self {
            ProblemKind::MissingTitle
            | ProblemKind::MissingAuthors
            | ProblemKind::MissingCategory
            | ProblemKind::UnknownCategory
            | ProblemKind::Duplicate
            | ProblemKind::Invalid
            | ProblemKind::FileUnreadable
            | ProblemKind::AlreadyInLibrary => Severity::Error,
            // The phone is left out of the input (kept in its notes) and the file can be added
            // to the entry later, so neither stops the row.
            ProblemKind::BadPhone | ProblemKind::FileNotFound | ProblemKind::SharedFile => {
                Severity::Warning
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Problem {
    pub kind: ProblemKind,
    pub severity: Severity,
    /// In Chinese, without the row number (the window shows "第5行" beside it).
    pub message: String,
}

impl Problem {
    pub fn new(kind: ProblemKind, message: impl Into<String>) -> Self {
        Problem {
            kind,
            severity: kind.severity(),
            message: message.into(),
        }
    }
}

/// What importing one row would create.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct RowPlan {
    /// The row number Excel shows.
    pub row: u32,
    /// The 序号 cell, for display.
    pub serial: String,
    pub input: EntryFields,
    /// The work's files found in the folder, sorted.
    pub files: Vec<PathBuf>,
    pub problems: Vec<Problem>,
}

impl RowPlan {
    /// True when an error stops this row from being imported.
    pub fn is_blocked(&self) -> bool {
        self.problems.iter().any(|p| p.severity == Severity::Error)
    }
}

/// Plans the import of `rows` with `mapping` into `campaign`. When `files_dir` is given, each
/// row's file is looked for there (sub-folders included): by the 文件名 cell, with or without
/// its extension, else by a file named like the title.
pub fn plan(
    rows: &[Row],
    mapping: &Mapping,
    campaign: &Campaign,
    files_dir: Option<&Path>,
) -> Vec<RowPlan> {
    let files = files_dir.map(FileIndex::scan);
    let mut plans: Vec<RowPlan> = rows
        .iter()
        .map(|row| plan_row(row, mapping, campaign, files.as_ref()))
        .collect();
    mark_shared_files(&mut plans);
    mark_duplicates(&mut plans);
    plans
}

fn plan_row(
    row: &Row,
    mapping: &Mapping,
    campaign: &Campaign,
    files: Option<&FileIndex>,
) -> RowPlan {
    let cell = |field| mapping.get(field).map_or("", |c| row.cell(c));
    let mut problems = Vec::new();
    let mut input = EntryFields {
        title: cell(Field::Title).to_owned(),
        authors: split_authors(cell(Field::Authors)),
        unit: cell(Field::Unit).to_owned(),
        description: cell(Field::Description).to_owned(),
        ..EntryFields::default()
    };
    if input.title.is_empty() {
        problems.push(Problem::new(ProblemKind::MissingTitle, "缺少作品名称"));
    }
    if input.authors.is_empty() {
        problems.push(Problem::new(ProblemKind::MissingAuthors, "缺少作者"));
    }

    let category_text = cell(Field::Category);
    let options = || {
        campaign
            .categories
            .iter()
            .map(|c| {
                if c.short_name.is_empty() {
                    c.name.as_str()
                } else {
                    c.short_name.as_str()
                }
            })
            .collect::<Vec<_>>()
            .join("、")
    };
    match (category_text.is_empty(), campaign.categories.as_slice()) {
        (true, [only]) => input.category.clone_from(&only.id),
        (true, _) => problems.push(Problem::new(
            ProblemKind::MissingCategory,
            format!("未填写类别（可选：{}）", options()),
        )),
        (false, _) => match resolve_category(campaign, category_text) {
            Some(category) => input.category.clone_from(&category.id),
            None => problems.push(Problem::new(
                ProblemKind::UnknownCategory,
                format!("未知类别“{category_text}”（可选：{}）", options()),
            )),
        },
    }

    let phone = repair_phone(cell(Field::Phone));
    if is_phone(&phone) {
        input.phone = phone;
    } else if !phone.is_empty() {
        let original = cell(Field::Phone);
        problems.push(Problem::new(
            ProblemKind::BadPhone,
            format!("联系电话“{original}”格式不正确：导入时不填电话，原内容记入备注"),
        ));
        input.notes = format!("报名表中的联系电话：{original}");
    }

    let mut found = Vec::new();
    if let Some(files) = files {
        let wanted = cell(Field::FileName);
        if wanted.is_empty() {
            let title = strip_title_marks(&input.title);
            if !title.is_empty() {
                found = files.find(title);
                if found.is_empty() {
                    problems.push(Problem::new(
                        ProblemKind::FileNotFound,
                        format!("找不到文件“{title}”（按作品名称查找）"),
                    ));
                }
            }
        } else {
            found = files.find(wanted);
            if found.is_empty() {
                // Several files in one cell ("a.mp4、a.jpg").
                let parts: Vec<&str> = wanted
                    .split(['、', ',', '，', ';', '；', '\n'])
                    .map(str::trim)
                    .filter(|p| !p.is_empty())
                    .collect();
                let parts = if parts.len() > 1 { parts } else { vec![wanted] };
                for part in parts {
                    let matched = files.find(part);
                    if matched.is_empty() {
                        problems.push(Problem::new(
                            ProblemKind::FileNotFound,
                            format!("找不到文件“{part}”"),
                        ));
                    }
                    found.extend(matched);
                }
            }
        }
        found.sort();
        found.dedup();
    }

    RowPlan {
        row: row.number,
        serial: cell(Field::Serial).to_owned(),
        input,
        files: found,
        problems,
    }
}

/// Authors as a clerk lists them: "张三、李四", "张三，李四", "张三 李四".
fn split_authors(text: &str) -> Vec<String> {
    text.split(|c: char| {
        c.is_whitespace() || matches!(c, '、' | ',' | '，' | ';' | '；' | '/' | '／')
    })
    .map(str::trim)
    .filter(|a| !a.is_empty())
    .map(str::to_owned)
    .collect()
}

/// A landline typed into a number cell loses its leading 0 (075488274135 → 75488274135).
fn repair_phone(text: &str) -> String {
    let text = text.trim();
    let with_zero = format!("0{text}");
    let digits = !text.is_empty() && text.chars().all(|c| c.is_ascii_digit());
    if digits && !text.starts_with(['0', '1']) && !is_phone(text) && is_phone(&with_zero) {
        with_zero
    } else {
        text.to_owned()
    }
}

/// "《光荣劳动者》" → "光荣劳动者": book-title marks are not in file names.
fn strip_title_marks(title: &str) -> &str {
    title
        .trim()
        .trim_start_matches(['《', '“', '"'])
        .trim_end_matches(['》', '”', '"'])
        .trim()
}

/// A text compared without regard to spaces, width or case.
fn fold_key(text: &str) -> String {
    text.chars()
        .map(fold_width)
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect()
}

/// The campaign's category a cell names: by id, name or short name, else the one category
/// whose short name or name the cell contains, or whose name contains the cell ("诵读",
/// "微视频类", "劳模微视频"). `None` when nothing or more than one category fits.
pub fn resolve_category<'a>(campaign: &'a Campaign, text: &str) -> Option<&'a Category> {
    let key = fold_key(text);
    if key.is_empty() {
        return None;
    }
    let categories = &campaign.categories;
    if let Some(exact) = categories.iter().find(|c| {
        fold_key(&c.id) == key || fold_key(&c.name) == key || fold_key(&c.short_name) == key
    }) {
        return Some(exact);
    }
    let mut fitting = categories.iter().filter(|c| {
        let (name, short) = (fold_key(&c.name), fold_key(&c.short_name));
        (!short.is_empty() && key.contains(&short))
            || key.contains(&name)
            || (key.chars().count() >= 2 && name.contains(&key))
    });
    match (fitting.next(), fitting.next()) {
        (Some(only), None) => Some(only),
        _ => None,
    }
}

fn row_list(rows: &[u32]) -> String {
    rows.iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join("、")
}

fn mark_shared_files(plans: &mut [RowPlan]) {
    let mut users: HashMap<PathBuf, Vec<usize>> = HashMap::new();
    for (i, plan) in plans.iter().enumerate() {
        for file in &plan.files {
            users.entry(file.clone()).or_default().push(i);
        }
    }
    let mut shared: Vec<(PathBuf, Vec<usize>)> = users
        .into_iter()
        .filter(|(_, rows)| rows.len() > 1)
        .collect();
    shared.sort();
    for (file, indexes) in shared {
        let name = file.file_name().map_or_else(
            || file.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        let numbers: Vec<u32> = indexes
            .iter()
            .filter_map(|&i| plans.get(i))
            .map(|p| p.row)
            .collect();
        let message = format!("文件“{name}”被多行使用（第{}行）", row_list(&numbers));
        for i in indexes {
            if let Some(plan) = plans.get_mut(i) {
                plan.problems
                    .push(Problem::new(ProblemKind::SharedFile, message.clone()));
            }
        }
    }
}

fn mark_duplicates(plans: &mut [RowPlan]) {
    let mut first_seen: HashMap<(String, Vec<String>), u32> = HashMap::new();
    for plan in plans.iter_mut() {
        if plan.input.title.is_empty() || plan.input.authors.is_empty() {
            continue;
        }
        let mut authors: Vec<String> = plan.input.authors.iter().map(|a| fold_key(a)).collect();
        authors.sort();
        let key = (fold_key(strip_title_marks(&plan.input.title)), authors);
        match first_seen.get(&key) {
            Some(first) => plan.problems.push(Problem::new(
                ProblemKind::Duplicate,
                format!("与第{first}行重复（作品名称和作者相同）"),
            )),
            None => {
                first_seen.insert(key, plan.row);
            }
        }
    }
}
