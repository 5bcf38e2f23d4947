//! Which rows below the header are works: blank and pre-numbered rows, examples, repeated
//! headers and the notes under the table are left out, and a cell merged down over several
//! works is given to each of them.
//!
//! Kept apart from the header matching because its markers are about how offices *fill* the
//! form, not how they head it; both only read the grid.

use super::header::{exact_matches, fold_width};
use super::{Field, Mapping, Row, SkipReason, SkippedRow};

/// Gives the value of a cell merged down over several rows ("推荐单位" once for five works) to
/// every work row of the merge whose cell is empty, as the clerk reads the sheet. Only merges
/// that start at or below the first data row (`data_from`, an Excel row number) count: the
/// title and a two-row header are merged too, and are no data. Cells merged across columns
/// keep their value in the first column only, as Excel shows it.
///
/// Work: each merge finds its rows by binary search, so it costs the rows it covers.
pub(super) fn fill_merged_down(
    rows: &mut [Row],
    grid: &[(u32, Vec<String>)],
    merges: &[(u32, u32, u32)],
    data_from: u32,
) {
    for &(first, last, column) in merges {
        if first < data_from || last <= first {
            continue;
        }
        let Ok(at) = grid.binary_search_by_key(&first, |(n, _)| *n) else {
            continue;
        };
        let value = grid
            .get(at)
            .and_then(|(_, cells)| cells.get(usize::try_from(column).ok()?))
            .filter(|v| !v.is_empty());
        let Some(value) = value else { continue };
        let Ok(col) = usize::try_from(column) else {
            continue;
        };
        let from = rows.partition_point(|r| r.number <= first);
        let to = rows.partition_point(|r| r.number <= last);
        for row in rows.get_mut(from..to).unwrap_or_default() {
            if row.cells.len() <= col {
                row.cells.resize(col + 1, String::new());
            }
            if let Some(cell) = row.cells.get_mut(col)
                && cell.is_empty()
            {
                cell.clone_from(value);
            }
        }
    }
}

/// Words that start a notes or footer line below the table.
const NOTES_MARKERS: &[&str] = &[
    "注",
    "备注",
    "附注",
    "说明",
    "填表说明",
    "填报说明",
    "填表人",
    "制表人",
    "审核人",
    "联系人",
    "负责人",
    "合计",
    "总计",
    "小计",
];

/// Words that mark a template's example row.
const EXAMPLE_MARKERS: &[&str] = &["例", "示例", "样例", "范例", "填写示例", "例子"];

/// Whether `text` is `marker`, or starts with it followed by punctuation, a space or a number
/// ("注：", "注1.", "备注 ") — so a title such as "注视" is not a note.
fn starts_with_marker(text: &str, marker: &str) -> bool {
    let Some(rest) = text.strip_prefix(marker) else {
        return false;
    };
    rest.chars().next().is_none_or(|c| {
        let c = fold_width(c);
        c.is_whitespace()
            || c.is_ascii_digit()
            || matches!(c, ':' | ',' | '.' | ';' | '、' | '。' | '①'..='⑳')
    })
}

pub(super) fn take_rows(
    data_rows: &[&(u32, Vec<String>)],
    mapping: &Mapping,
) -> (Vec<Row>, Vec<SkippedRow>) {
    let serial = mapping.get(Field::Serial);
    let title = mapping.get(Field::Title);
    let mut rows = Vec::new();
    let mut skipped = Vec::new();
    let mut in_notes = false;
    for (number, cells) in data_rows {
        let row = Row {
            number: *number,
            cells: cells.clone(),
        };
        let filled: Vec<(u32, &str)> = cells
            .iter()
            .enumerate()
            .filter(|(_, c)| !c.is_empty())
            .filter_map(|(i, c)| Some((u32::try_from(i).ok()?, c.as_str())))
            .collect();
        let Some(&(first_column, first)) = filled.first() else {
            continue;
        };
        let skip = |reason| SkippedRow {
            row: *number,
            reason,
            text: filled.iter().map(|(_, c)| *c).collect::<Vec<_>>().join(" "),
        };
        // A template's pre-numbered, unused row.
        if filled.len() == 1
            && Some(first_column) == serial
            && first.chars().all(|c| c.is_ascii_digit() || c == '.')
        {
            continue;
        }
        let title_filled = title.is_some_and(|t| !row.cell(t).is_empty());
        let looks_like_work = title_filled && filled.len() >= 2;
        if in_notes && !looks_like_work {
            skipped.push(skip(SkipReason::Notes));
            continue;
        }
        in_notes = false;
        let notes_marker = NOTES_MARKERS.iter().any(|m| starts_with_marker(first, m));
        if notes_marker && (filled.len() == 1 || !title_filled) {
            in_notes = true;
            skipped.push(skip(SkipReason::Notes));
            continue;
        }
        if EXAMPLE_MARKERS.iter().any(|m| starts_with_marker(first, m)) {
            skipped.push(skip(SkipReason::Example));
            continue;
        }
        if exact_matches(cells) >= 2 {
            skipped.push(skip(SkipReason::RepeatedHeader));
            continue;
        }
        rows.push(row);
    }
    (rows, skipped)
}
