//! Line breaking for Chinese and mixed text: UAX #14 opportunities, filtered by the Chinese
//! rules (避头尾), chosen greedily by measured width.
//!
//! UAX #14 (Unicode 15 in `unicode-linebreak`) already forbids a break before closing
//! punctuation and after opening punctuation, but not everywhere a Chinese reader expects:
//! quotation marks are "ambiguous" (class QU), and Unicode 15.1's LB19a starts allowing breaks
//! around them in East Asian text. We therefore check the two rules ourselves at every
//! opportunity, so a newer `unicode-linebreak` can never put `”` at the start of a line. When
//! a forbidden opportunity is dropped, the line breaks at the previous allowed one instead
//! (the character is pushed down, 推入), which keeps every line inside the width.

use unicode_linebreak::{BreakOpportunity, linebreaks};
use unicode_segmentation::UnicodeSegmentation;

use super::font::Font;

/// Characters that may not begin a line (行首禁则).
const NO_LINE_START: &[char] = &[
    '。', '，', '、', '；', '：', '？', '！', '）', '》', '」', '』', '】', '’', '”', '…', '〉',
    '〕', '］', '｝', '〗', '．',
];

/// Characters that may not end a line (行尾禁则).
const NO_LINE_END: &[char] = &[
    '（', '《', '「', '『', '【', '‘', '“', '〈', '〔', '［', '｛', '〖',
];

const ELLIPSIS: &str = "…";

/// Wraps `text` into lines no wider than `max_width_pt` at `size_pt`, at most `max_lines` of
/// them; when text is left over, the last line is shortened to end in "…".
///
/// Newlines are kept as forced breaks; spaces at a line's end are dropped. A single grapheme
/// wider than the line is still placed (alone), so the function always terminates and never
/// loses text except by the final "…".
pub fn break_lines(
    text: &str,
    max_width_pt: f32,
    size_pt: f32,
    max_lines: usize,
    font: &Font,
) -> Vec<String> {
    let text = text.trim();
    if max_lines == 0 || text.is_empty() {
        return Vec::new();
    }
    let fits = |s: &str| font.width(s.trim_end(), size_pt) <= max_width_pt;

    let breaks: Vec<(usize, bool)> = linebreaks(text)
        .filter_map(|(pos, op)| match op {
            BreakOpportunity::Mandatory => Some((pos, true)),
            BreakOpportunity::Allowed => allowed_break(text, pos).then_some((pos, false)),
        })
        .collect();

    // Byte ranges of the lines, each ending at a break position.
    let mut lines: Vec<(usize, usize)> = Vec::new();
    let mut start = 0;
    let mut last_fit: Option<usize> = None;
    let mut next = 0;
    while start < text.len() && lines.len() < max_lines {
        let Some(&(pos, mandatory)) = breaks.get(next) else {
            // UAX #14 always ends with a mandatory break at the end; this is only a safeguard.
            lines.push((start, text.len()));
            start = text.len();
            break;
        };
        if pos <= start {
            next += 1;
            continue;
        }
        if fits(&text[start..pos]) {
            if mandatory {
                lines.push((start, pos));
                start = pos;
                last_fit = None;
            } else {
                last_fit = Some(pos);
            }
            next += 1;
        } else if let Some(end) = last_fit.take() {
            // Break at the last opportunity that fitted and measure this one again from there.
            lines.push((start, end));
            start = end;
        } else {
            // One unbreakable run is wider than the line: break it between graphemes.
            let end = forced_break(text, start, pos, &fits);
            lines.push((start, end));
            start = end;
        }
    }

    let truncated = !text[start..].trim().is_empty();
    let mut out: Vec<String> = lines
        .iter()
        .map(|&(s, e)| text[s..e].trim_end().to_string())
        .collect();
    if truncated && let (Some(last), Some(&(s, _))) = (out.last_mut(), lines.last()) {
        *last = with_ellipsis(&text[s..], max_width_pt, size_pt, font);
    }
    out
}

/// Whether the Chinese rules let a line end just before byte `pos`.
fn allowed_break(text: &str, pos: usize) -> bool {
    let next_starts_ok = text[pos..]
        .chars()
        .next()
        .is_none_or(|c| !NO_LINE_START.contains(&c));
    let prev_ends_ok = text[..pos]
        .trim_end()
        .chars()
        .next_back()
        .is_none_or(|c| !NO_LINE_END.contains(&c));
    next_starts_ok && prev_ends_ok
}

/// A break inside `text[start..limit]` (which does not fit as a whole) at a grapheme boundary:
/// the last one that fits and obeys the Chinese rules, else the last one that fits, else after
/// the first grapheme (so every line holds at least one).
fn forced_break(text: &str, start: usize, limit: usize, fits: &impl Fn(&str) -> bool) -> usize {
    let mut best_allowed = None;
    let mut best_fit = None;
    let mut first = None;
    for (offset, grapheme) in text[start..limit].grapheme_indices(true) {
        let end = start + offset + grapheme.len();
        first.get_or_insert(end);
        if end >= limit || !fits(&text[start..end]) {
            break;
        }
        best_fit = Some(end);
        if allowed_break(text, end) {
            best_allowed = Some(end);
        }
    }
    best_allowed.or(best_fit).or(first).unwrap_or(limit)
}

/// The longest start of `rest`'s first line that fits together with "…", cut between graphemes, without
/// trailing spaces or an opening bracket left dangling before the "…".
fn with_ellipsis(rest: &str, max_width_pt: f32, size_pt: f32, font: &Font) -> String {
    // Only what stays on this line: a forced break ends it.
    let rest = rest
        .split([
            '\n', '\r', '\u{0B}', '\u{0C}', '\u{85}', '\u{2028}', '\u{2029}',
        ])
        .next()
        .unwrap_or_default();
    let budget = max_width_pt - font.width(ELLIPSIS, size_pt);
    let mut width = 0.0;
    let mut end = 0;
    for (offset, grapheme) in rest.grapheme_indices(true) {
        let w = font.width(grapheme, size_pt);
        if width + w > budget {
            break;
        }
        width += w;
        end = offset + grapheme.len();
    }
    let kept =
        rest[..end].trim_end_matches(|c: char| c.is_whitespace() || NO_LINE_END.contains(&c));
    format!("{kept}{ELLIPSIS}")
}
