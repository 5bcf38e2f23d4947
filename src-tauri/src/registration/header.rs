//! Header matching: a grid of text → a [`Sheet`], its header row found and its columns
//! matched to [`Field`]s (the docs of [`super`] say how, with examples).
//!
//! One table of known headers ([`HEADER_ALIASES`]) and one way to compare a cell with it
//! ([`normalize_header`]) serve finding the header row, naming columns, and reading the field
//! or column a clerk types on the command line, so the three never disagree.

use super::reading::Grid;
use super::rows::{fill_merged_down, take_rows};
use super::{Column, Field, Mapping, Sheet, SheetError};

/// How many non-empty rows from the top are searched for the header row.
pub const HEADER_SEARCH_ROWS: usize = 10;

/// The header texts each field is known by, compared after [`normalize_header`] (so the
/// bracketed variants here are documentation as much as data).
pub const HEADER_ALIASES: &[(Field, &[&str])] = &[
    (Field::Serial, &["序号", "编号", "No.", "No"]),
    (
        Field::Title,
        &["作品名称", "作品名", "作品标题", "标题", "名称"],
    ),
    (
        Field::Authors,
        &[
            "作者",
            "作者姓名",
            "姓名",
            "创作者",
            "主创人员",
            "作者（主创）",
        ],
    ),
    (
        Field::Unit,
        &[
            "单位",
            "作者单位",
            "所在单位",
            "推荐单位",
            "工作单位",
            "工作单位及职务",
            "单位及职务",
            "单位职务",
            "报送单位",
        ],
    ),
    (
        Field::Phone,
        &["联系电话", "电话", "手机", "手机号码", "联系方式"],
    ),
    (
        Field::Category,
        &["类别", "作品类别", "项目", "子项目", "参赛项目", "作品类型"],
    ),
    (
        Field::Description,
        &["作品简介", "简介", "作品介绍", "内容简介", "创作说明"],
    ),
    (
        Field::FileName,
        &["文件名", "文件名称", "视频文件名", "附件名称", "附件"],
    ),
];

/// A header that contains a known header of at least this many characters is taken for it
/// when no exact header claimed the field. Two-character headers ("单位", "电话") are left out:
/// "单位联系人" is not the unit.
const PARTIAL_MATCH_MIN_CHARS: usize = 3;

/// A header cell as it is compared with [`HEADER_ALIASES`]: no whitespace, full-width forms
/// folded, lower case, and `*`, `※`, colons and bracketed remarks ("（必填）") removed.
pub fn normalize_header(text: &str) -> String {
    let mut out = String::new();
    let mut depth = 0usize;
    for c in text.chars().map(fold_width) {
        match c {
            '(' | '[' | '【' | '〔' | '<' | '《' => depth += 1,
            ')' | ']' | '】' | '〕' | '>' | '》' => depth = depth.saturating_sub(1),
            _ if depth > 0 => {}
            c if c.is_whitespace() || matches!(c, '\u{200b}' | '\u{feff}') => {}
            '*' | '※' | ':' => {}
            c => out.extend(c.to_lowercase()),
        }
    }
    out
}

/// Folds full-width ASCII forms (Ｎｏ．, （, ：, ＊) to ASCII, and the ideographic space to a space.
pub(super) fn fold_width(c: char) -> char {
    match c {
        '\u{ff01}'..='\u{ff5e}' => char::from_u32(u32::from(c) - 0xfee0).unwrap_or(c),
        '\u{3000}' => ' ',
        c => c,
    }
}

/// The field whose alias the header is, exactly.
pub(super) fn exact_field(header: &str) -> Option<Field> {
    let header = normalize_header(header);
    if header.is_empty() {
        return None;
    }
    HEADER_ALIASES
        .iter()
        .find(|(_, aliases)| aliases.iter().any(|a| normalize_header(a) == header))
        .map(|(field, _)| *field)
}

/// The field whose longest alias (of [`PARTIAL_MATCH_MIN_CHARS`] or more) the header contains.
fn partial_field(header: &str) -> Option<Field> {
    let header = normalize_header(header);
    HEADER_ALIASES
        .iter()
        .flat_map(|(field, aliases)| aliases.iter().map(move |a| (*field, normalize_header(a))))
        .filter(|(_, alias)| {
            alias.chars().count() >= PARTIAL_MATCH_MIN_CHARS && header.contains(alias.as_str())
        })
        .max_by_key(|(_, alias)| alias.chars().count())
        .map(|(field, _)| field)
}

/// What a header cell is taken for, exactly or by containing a known header.
pub fn match_header(header: &str) -> Option<Field> {
    exact_field(header).or_else(|| partial_field(header))
}

pub(super) fn exact_matches(cells: &[String]) -> usize {
    cells.iter().filter(|c| exact_field(c).is_some()).count()
}

fn is_blank(cells: &[String]) -> bool {
    cells.iter().all(String::is_empty)
}

/// Column index → letters: 0 → A, 25 → Z, 26 → AA.
pub(super) fn column_letter(index: u32) -> String {
    let mut n = u64::from(index) + 1;
    let mut letters = Vec::new();
    while n > 0 {
        let rem = u8::try_from((n - 1) % 26).unwrap_or(0);
        letters.push(char::from(b'A' + rem));
        n = (n - 1) / 26;
    }
    letters.iter().rev().collect()
}

/// One column's header.
pub(super) struct HeaderCell {
    /// As shown to the clerk: the cell, or "作者信息/姓名" for a sub-header under its group.
    pub(super) text: String,
    /// What is matched with [`HEADER_ALIASES`]: the sub-header under a group, else the cell.
    key: String,
    /// Under a group that names someone other than the author ("联系人信息"): its 姓名 and
    /// 电话 are not the author's, so the column is left for the clerk to assign.
    other_person: bool,
}

/// Group headers over people who are not the work's author.
const OTHER_PERSON_GROUPS: &[&str] = &[
    "联系人",
    "负责人",
    "经办人",
    "填报人",
    "填表人",
    "推荐人",
    "指导",
    "辅导",
];

/// Whether `below`, the row under the header row `top`, is the second row of a two-row
/// header: its cells are all headers (one at least exactly), and one at least stands under a
/// merged cell (empty in `top`) or under a group name that is no header itself ("作者信息").
/// A copy of the header right below it stands under headers only, and is not one.
fn is_sub_header(top: &[String], below: &[String]) -> bool {
    let filled: Vec<(usize, &String)> = below
        .iter()
        .enumerate()
        .filter(|(_, c)| !c.is_empty())
        .collect();
    let under_group = |i: usize| {
        top.get(i)
            .is_none_or(|t| t.is_empty() || exact_field(t).is_none())
    };
    !filled.is_empty()
        && filled.iter().all(|(_, c)| match_header(c).is_some())
        && filled.iter().any(|(_, c)| exact_field(c).is_some())
        && filled.iter().any(|(i, _)| under_group(*i))
}

/// The header of a two-row header: a column with a sub-header is named by it under its
/// group ("作者信息/姓名"); a column merged down over both rows keeps the upper text. The group
/// of a sub-header is the nearest upper cell at or left of it that has a sub-header too: a
/// merged group's text is in its first column, while a cell merged down has nothing below.
pub(super) fn combine_header_rows(top: &[String], below: &[String]) -> Vec<HeaderCell> {
    fn at(row: &[String], i: usize) -> &str {
        row.get(i).map_or("", String::as_str)
    }
    let width = top.len().max(below.len());
    // The nearest non-empty upper cell at or left of the column, carried along (one pass).
    let mut last_top: Option<usize> = None;
    (0..width)
        .map(|i| {
            if !at(top, i).is_empty() {
                last_top = Some(i);
            }
            let sub = at(below, i);
            if sub.is_empty() {
                let text = at(top, i).to_owned();
                return HeaderCell {
                    key: text.clone(),
                    text,
                    other_person: false,
                };
            }
            let group = last_top
                .filter(|&j| !at(below, j).is_empty())
                .map(|j| at(top, j));
            match group {
                Some(group) => {
                    let key = normalize_header(group);
                    HeaderCell {
                        text: format!("{group}/{sub}"),
                        key: sub.to_owned(),
                        other_person: OTHER_PERSON_GROUPS.iter().any(|g| key.contains(g)),
                    }
                }
                None => HeaderCell {
                    text: sub.to_owned(),
                    key: sub.to_owned(),
                    other_person: false,
                },
            }
        })
        .collect()
}

/// Letters → column index: A → 0, Z → 25, AA → 26 (any case); `None` for anything else,
/// and beyond Excel's last column (XFD).
pub(super) fn column_index(letters: &str) -> Option<u32> {
    if letters.is_empty() || letters.len() > 3 || !letters.chars().all(|c| c.is_ascii_alphabetic())
    {
        return None;
    }
    let n = letters
        .to_ascii_uppercase()
        .bytes()
        .fold(0u32, |n, b| n * 26 + u32::from(b - b'A') + 1);
    (n <= 16_384).then(|| n - 1)
}

pub(super) fn build_sheet(grid: Grid, file: &str) -> Result<Sheet, SheetError> {
    // Linear in the sheet's cells throughout: a row thousands of cells wide costs its width,
    // never its width squared.
    let rows: Vec<&(u32, Vec<String>)> = grid.rows.iter().filter(|(_, c)| !is_blank(c)).collect();
    if rows.is_empty() {
        return Err(SheetError::Empty {
            file: file.to_owned(),
        });
    }
    let Some(header_at) = rows
        .iter()
        .take(HEADER_SEARCH_ROWS)
        .position(|(_, cells)| exact_matches(cells) >= 2)
    else {
        return Err(SheetError::NoHeader {
            file: file.to_owned(),
        });
    };
    let (header_row, top) = rows[header_at];
    let mut data_from = header_at + 1;
    let header = match rows.get(header_at + 1) {
        Some((_, below)) if is_sub_header(top, below) => {
            data_from += 1;
            combine_header_rows(top, below)
        }
        _ => top
            .iter()
            .map(|text| HeaderCell {
                text: text.clone(),
                key: text.clone(),
                other_person: false,
            })
            .collect(),
    };

    let data_rows = rows.get(data_from..).unwrap_or_default();
    let width = data_rows
        .iter()
        .map(|(_, c)| c.len())
        .chain([header.len()])
        .max()
        .unwrap_or(0);
    // Which columns hold data, in one pass over the cells.
    let mut has_data = vec![false; width];
    for (_, cells) in data_rows {
        for (i, cell) in cells.iter().enumerate() {
            if !cell.is_empty()
                && let Some(slot) = has_data.get_mut(i)
            {
                *slot = true;
            }
        }
    }
    // Each column with the text its field is matched by.
    let mut columns: Vec<(Column, &HeaderCell)> = Vec::new();
    let none = HeaderCell {
        text: String::new(),
        key: String::new(),
        other_person: false,
    };
    for i in 0..width {
        let cell = header.get(i).unwrap_or(&none);
        let Ok(index) = u32::try_from(i) else { break };
        if cell.text.is_empty() && !has_data.get(i).copied().unwrap_or(false) {
            continue;
        }
        let column = Column {
            index,
            letter: column_letter(index),
            field: exact_field(&cell.key).filter(|_| !cell.other_person),
            header: cell.text.clone(),
        };
        columns.push((column, cell));
    }
    let mut mapping = Mapping::default();
    for (column, _) in &columns {
        if let Some(field) = column.field
            && mapping.get(field).is_none()
        {
            mapping.set(field, Some(column.index));
        }
    }
    for (column, cell) in columns.iter_mut().filter(|(c, _)| c.field.is_none()) {
        if cell.other_person {
            continue;
        }
        if let Some(field) = partial_field(&cell.key) {
            column.field = Some(field);
            if mapping.get(field).is_none() {
                mapping.set(field, Some(column.index));
            }
        }
    }
    let columns: Vec<Column> = columns.into_iter().map(|(c, _)| c).collect();

    let (mut rows, skipped) = take_rows(data_rows, &mapping);
    let header_end = data_rows.first().map_or(u32::MAX, |(n, _)| *n);
    fill_merged_down(&mut rows, &grid.rows, &grid.merges, header_end);
    Ok(Sheet {
        format: grid.format,
        encoding: grid.encoding.map(str::to_owned),
        sheet_name: grid.sheet_name,
        header_row: *header_row,
        columns,
        mapping,
        rows,
        skipped,
    })
}
