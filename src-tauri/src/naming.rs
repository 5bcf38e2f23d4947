//! Safe, distinct file names for one package.
//!
//! The municipal office unpacks our zips on Windows, the clerk works on Windows or macOS,
//! and archives pass through Linux servers and zip tools. A name that any of them rejects
//! (a `:` on Windows, `CON`, a trailing dot, a 300-character title) makes the whole copy or
//! unzip fail far from the clerk, so every name is made safe *here*, once, in a way a
//! Chinese-speaking clerk can still read: forbidden ASCII punctuation becomes its full-width
//! twin instead of vanishing.

use std::collections::HashSet;

use unicode_segmentation::UnicodeSegmentation;

/// One work file to be named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameFields<'a> {
    /// 序号 within its category, 1-based.
    pub seq: u32,
    /// 推荐单位 (may be empty).
    pub unit: &'a str,
    /// Authors in credit order.
    pub authors: &'a [String],
    /// 作品名.
    pub title: &'a str,
    /// Category short name, e.g. 诵读.
    pub category: &'a str,
    /// Extension without dot, e.g. "mp4" (may be empty).
    pub ext: &'a str,
    /// `Some(k)` when a work has several files: the k-th file, 1-based.
    pub part: Option<u32>,
}

/// The pattern used when the clerk has not chosen one; it sorts by 序号 and tells the
/// recipient at a glance who sent what.
pub const DEFAULT_PATTERN: &str = "{序号}-{单位}-{作者}-{作品名}";

/// Extensions longer than this are not real extensions; capping them keeps the length
/// budget for the parts a person reads.
pub const MAX_EXT_CHARS: usize = 16;

/// ext4, APFS and NTFS all cap one component at 255 (bytes, resp. UTF-16 units; UTF-8
/// bytes are never fewer than UTF-16 units, so the byte cap covers both).
pub const MAX_NAME_BYTES: usize = 255;

/// Shown instead of an empty title, so a file never has a name made only of separators.
pub const UNTITLED: &str = "未命名";

/// Marks where a field was shortened, so nobody mistakes a cut title for the real one.
const ELLIPSIS: &str = "…";

/// Joins authors the way Chinese forms list names.
const AUTHOR_SEP: &str = "、";

/// Appended when authors were left out.
const AUTHORS_ETC: &str = "等";

/// More authors than this are written as the first three plus 等, as on award lists.
const MAX_LISTED_AUTHORS: usize = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Seq,
    Unit,
    Authors,
    Title,
    Category,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Lit(String),
    Field(Field),
}

fn field_by_name(name: &str) -> Option<Field> {
    match name {
        "序号" => Some(Field::Seq),
        "单位" => Some(Field::Unit),
        "作者" => Some(Field::Authors),
        "作品名" => Some(Field::Title),
        "类别" => Some(Field::Category),
        _ => None,
    }
}

fn parse_pattern(pattern: &str) -> Result<Vec<Token>, String> {
    let mut tokens = Vec::new();
    let mut lit = String::new();
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        match c {
            '{' => {
                let mut name = String::new();
                let mut closed = false;
                for n in chars.by_ref() {
                    if n == '}' {
                        closed = true;
                        break;
                    }
                    name.push(n);
                }
                if !closed {
                    return Err("命名模板中的“{”没有对应的“}”。".to_string());
                }
                let Some(field) = field_by_name(&name) else {
                    return Err(format!(
                        "命名模板中有未知的占位符“{{{name}}}”，可用的只有 {{序号}} {{单位}} {{作者}} {{作品名}} {{类别}}。"
                    ));
                };
                if !lit.is_empty() {
                    tokens.push(Token::Lit(std::mem::take(&mut lit)));
                }
                tokens.push(Token::Field(field));
            }
            '}' => return Err("命名模板中的“}”没有对应的“{”。".to_string()),
            _ => lit.push(c),
        }
    }
    if !lit.is_empty() {
        tokens.push(Token::Lit(lit));
    }
    let has = |f: Field| tokens.contains(&Token::Field(f));
    if !has(Field::Seq) && !has(Field::Title) {
        return Err(
            "命名模板必须包含 {序号} 或 {作品名}，否则不同作品的文件名无法区分。".to_string(),
        );
    }
    Ok(tokens)
}

/// Checks a pattern: only known placeholders {序号} {单位} {作者} {作品名} {类别}; must
/// contain {序号} or {作品名} (otherwise every work would get the same name and only the
/// ` (2)` suffixes would tell them apart). `Err` carries a message for the clerk.
pub fn validate_pattern(pattern: &str) -> Result<(), String> {
    parse_pattern(pattern).map(|_| ())
}

/// Replaces what no file system accepts and normalises whitespace, keeping everything a
/// reader needs (CJK, emoji, 《》).
///
/// Forbidden ASCII punctuation becomes its full-width twin so `a/b` still reads `a／b`.
/// Controls are dropped: they are invisible and Windows rejects U+0000–U+001F. Bidi
/// overrides and BOM are dropped too: they make a name display differently from what it is.
fn clean(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut last_space = false;
    for c in s.chars() {
        let mapped = match c {
            '\t' | '\n' | '\r' | '\u{0B}' | '\u{0C}' => Some(' '),
            '\u{00}'..='\u{1F}' | '\u{7F}'..='\u{9F}' => None,
            '\u{FEFF}'
            | '\u{200E}'
            | '\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2066}'..='\u{2069}' => None,
            '\\' => Some('＼'),
            '/' => Some('／'),
            ':' => Some('：'),
            '*' => Some('＊'),
            '?' => Some('？'),
            '"' => Some('＂'),
            '<' => Some('＜'),
            '>' => Some('＞'),
            '|' => Some('｜'),
            c if c.is_whitespace() => Some(' '),
            c => Some(c),
        };
        match mapped {
            Some(' ') => {
                if !last_space {
                    out.push(' ');
                }
                last_space = true;
            }
            Some(c) => {
                out.push(c);
                last_space = false;
            }
            None => {}
        }
    }
    out.trim_matches(' ').to_string()
}

/// Cleans a whole stem and trims spaces and dots at both ends: Windows drops a trailing
/// dot or space (so the file on disk would not match our name) and a leading dot hides
/// the file on Linux and macOS. With no leading dot left, `.` and `..` cannot occur.
fn finish_stem(raw: &str) -> String {
    clean(raw)
        .trim_matches(|c| c == ' ' || c == '.')
        .to_string()
}

fn clean_ext(ext: &str) -> String {
    let cleaned: String = clean(ext)
        .chars()
        .filter(|c| *c != ' ')
        .flat_map(char::to_lowercase)
        .collect();
    // Collapse ".." inside ("tar..gz") and trim dots so the extension never adds a dot
    // at the end of the name or an empty component.
    let mut out = String::new();
    for piece in cleaned.split('.').filter(|p| !p.is_empty()) {
        if !out.is_empty() {
            out.push('.');
        }
        out.push_str(piece);
    }
    let capped: String = out.chars().take(MAX_EXT_CHARS).collect();
    capped.trim_end_matches('.').to_string()
}

/// Windows refuses these device names as a file's base name, whatever follows the first
/// dot and whatever the case; COM0/LPT0 and the superscript digits are in Microsoft's list.
fn is_reserved_windows(name: &str) -> bool {
    let base = name.split('.').next().unwrap_or("");
    let base = base.trim_end_matches(' ').to_uppercase();
    match base.as_str() {
        "CON" | "PRN" | "AUX" | "NUL" => true,
        _ => {
            let mut cs = base.chars();
            let head: String = cs.by_ref().take(3).collect();
            let rest: Vec<char> = cs.collect();
            (head == "COM" || head == "LPT")
                && rest.len() == 1
                && matches!(rest[0], '0'..='9' | '¹' | '²' | '³')
        }
    }
}

fn unreserve(name: String) -> String {
    if is_reserved_windows(&name) {
        format!("_{name}")
    } else {
        name
    }
}

/// Case-insensitive identity as Windows and default macOS volumes see it. Upper- then
/// lower-casing also folds pairs like `ſ`/`s` that only the upper-case table joins; it may
/// fold a few pairs Windows keeps apart, which only costs an unneeded ` (2)`.
fn fold(name: &str) -> String {
    name.chars()
        .flat_map(char::to_uppercase)
        .flat_map(char::to_lowercase)
        .collect()
}

/// Windows' MAX_PATH counts UTF-16 units (an emoji is two); counting them keeps the
/// documented `chars()` bound as well, since a char is never fewer units.
fn units(s: &str) -> usize {
    s.encode_utf16().count()
}

fn cut_graphemes(s: &str, keep: usize) -> String {
    let mut out: String = s.graphemes(true).take(keep).collect();
    out.push_str(ELLIPSIS);
    out
}

/// A field that may be shortened: `keep = None` renders it whole, `Some(k)` renders its
/// first k grapheme clusters plus `…`.
#[derive(Debug, Clone)]
struct Cut {
    full: String,
    keep: Option<usize>,
}

impl Cut {
    fn new(full: String) -> Self {
        Cut { full, keep: None }
    }
    fn text(&self) -> String {
        match self.keep {
            None => self.full.clone(),
            Some(k) => cut_graphemes(&self.full, k),
        }
    }
    fn graphemes(&self) -> usize {
        self.full.graphemes(true).count()
    }
}

#[derive(Debug, Clone, Copy)]
enum Shrink {
    Title,
    Unit,
    Authors,
    Category,
}

struct Namer<'t> {
    tokens: &'t [Token],
    seq: String,
    unit: Cut,
    authors_full: String,
    authors: Cut,
    authors_short: Option<String>,
    title: Cut,
    category: Cut,
    tail: String,
    ext: String,
    budget_units: usize,
}

impl Namer<'_> {
    fn cut_mut(&mut self, s: Shrink) -> &mut Cut {
        match s {
            Shrink::Title => &mut self.title,
            Shrink::Unit => &mut self.unit,
            Shrink::Authors => &mut self.authors,
            Shrink::Category => &mut self.category,
        }
    }

    fn value(&self, f: Field) -> String {
        match f {
            Field::Seq => self.seq.clone(),
            Field::Unit => self.unit.text(),
            Field::Authors => self.authors.text(),
            Field::Title => self.title.text(),
            Field::Category => self.category.text(),
        }
    }

    /// Renders the stem; an empty field takes one adjoining `-` with it so an empty 单位
    /// leaves no `--` and no dangling `-`.
    fn stem(&self) -> String {
        let mut pieces: Vec<String> = Vec::with_capacity(self.tokens.len());
        let mut empty_fields = Vec::new();
        for (i, t) in self.tokens.iter().enumerate() {
            match t {
                Token::Lit(s) => pieces.push(s.clone()),
                Token::Field(f) => {
                    let v = self.value(*f);
                    if v.is_empty() {
                        empty_fields.push(i);
                    }
                    pieces.push(v);
                }
            }
        }
        for i in empty_fields {
            let next_is_lit = matches!(self.tokens.get(i + 1), Some(Token::Lit(_)));
            if next_is_lit && pieces[i + 1].starts_with('-') {
                pieces[i + 1].remove(0);
            } else if i > 0
                && matches!(self.tokens.get(i - 1), Some(Token::Lit(_)))
                && pieces[i - 1].ends_with('-')
            {
                pieces[i - 1].pop();
            }
        }
        pieces.concat()
    }

    fn assemble(&self, stem: &str) -> String {
        let stem = finish_stem(stem);
        let stem = if stem.is_empty() {
            UNTITLED.to_string()
        } else {
            stem
        };
        let mut name = stem;
        name.push_str(&self.tail);
        if !self.ext.is_empty() {
            name.push('.');
            name.push_str(&self.ext);
        }
        unreserve(name)
    }

    fn fits(&self, name: &str) -> bool {
        units(name) <= self.budget_units && name.len() <= MAX_NAME_BYTES
    }

    fn render(&self) -> String {
        self.assemble(&self.stem())
    }

    fn render_fits(&self) -> Option<String> {
        let name = self.render();
        self.fits(&name).then_some(name)
    }

    /// Gives field `s` the most graphemes that still fit; leaves it at `…` if none do.
    fn shrink(&mut self, s: Shrink) -> Option<String> {
        self.cut_mut(s).keep = None;
        if let Some(n) = self.render_fits() {
            return Some(n);
        }
        let total = self.cut_mut(s).graphemes();
        if total == 0 {
            return None;
        }
        // Largest k in [0, total) that fits; lengths grow with k.
        let (mut lo, mut hi) = (0usize, total);
        let mut best = None;
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            self.cut_mut(s).keep = Some(mid);
            match self.render_fits() {
                Some(n) => {
                    best = Some((mid, n));
                    lo = mid + 1;
                }
                None => hi = mid,
            }
        }
        match best {
            Some((k, n)) => {
                self.cut_mut(s).keep = Some(k);
                Some(n)
            }
            None => {
                self.cut_mut(s).keep = Some(0);
                None
            }
        }
    }

    /// Fits the name into the budget, giving up parts in the order a reader misses least:
    /// the title's tail, the extra authors, the unit, the first author, the category.
    fn fit(&mut self) -> String {
        self.title.keep = None;
        self.unit.keep = None;
        self.category.keep = None;
        self.authors = Cut::new(self.authors_full.clone());
        if let Some(n) = self.shrink(Shrink::Title) {
            return n;
        }
        if let Some(short) = self.authors_short.clone() {
            self.authors = Cut::new(short);
            if let Some(n) = self.shrink(Shrink::Title) {
                return n;
            }
        }
        for s in [Shrink::Unit, Shrink::Authors, Shrink::Category] {
            if let Some(n) = self.shrink(s) {
                return n;
            }
        }
        // Only a path prefix that leaves almost no room gets here: cut the stem itself
        // (the 序号 included) rather than return a name the file system refuses.
        let stem = finish_stem(&self.stem());
        let total = stem.graphemes(true).count();
        for k in (1..=total).rev() {
            let cand = self.assemble(&stem.graphemes(true).take(k).collect::<String>());
            if self.fits(&cand) {
                return cand;
            }
        }
        self.assemble(&stem.graphemes(true).take(1).collect::<String>())
    }
}

fn authors_text(authors: &[String]) -> (String, Option<String>) {
    let cleaned: Vec<String> = authors
        .iter()
        .map(|a| clean(a))
        .filter(|a| !a.is_empty())
        .collect();
    let full = if cleaned.len() > MAX_LISTED_AUTHORS {
        format!(
            "{}{AUTHORS_ETC}",
            cleaned[..MAX_LISTED_AUTHORS].join(AUTHOR_SEP)
        )
    } else {
        cleaned.join(AUTHOR_SEP)
    };
    let short = (cleaned.len() > 1).then(|| format!("{}{AUTHORS_ETC}", cleaned[0]));
    (full, short)
}

/// Names every file of one folder of the package: returns, in input order, a file name
/// (no directory) for each, such that the name is safe on Windows, macOS, Linux and inside
/// a zip; all names are distinct case-insensitively (Windows and default macOS volumes
/// would otherwise overwrite one work with another); `dir_prefix` + `/` + name stays
/// within `max_path_chars` (counted in UTF-16 units, which is never less than `chars()`),
/// and each name is at most 255 UTF-8 bytes.
///
/// An invalid `pattern` falls back to [`DEFAULT_PATTERN`]: naming must never fail
/// mid-package, and the UI validates patterns with [`validate_pattern`] beforehand.
/// If `dir_prefix` leaves fewer than ~40 units the 序号 itself may be cut; if it leaves
/// nothing at all, the names exceed the bound — callers keep prefixes short.
pub fn name_files(
    pattern: &str,
    dir_prefix: &str,
    items: &[NameFields<'_>],
    max_path_chars: usize,
) -> Vec<String> {
    let tokens = parse_pattern(pattern)
        .or_else(|_| parse_pattern(DEFAULT_PATTERN))
        .unwrap_or_default();
    let budget_units = max_path_chars.saturating_sub(units(dir_prefix) + 1);
    // Two keys per name: `fold` catches what Windows' upper-case table joins, plain
    // lower-casing what macOS and the tests join; a hit on either means "taken".
    let mut taken: HashSet<String> = HashSet::new();
    let mut taken_lower: HashSet<String> = HashSet::new();
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        let title = clean(item.title);
        let title = if title.trim_matches(|c| c == ' ' || c == '.').is_empty() {
            UNTITLED.to_string()
        } else {
            title
        };
        let (authors, authors_short) = authors_text(item.authors);
        let part = item.part.map(|k| format!("-{k}")).unwrap_or_default();
        let mut namer = Namer {
            tokens: &tokens,
            seq: format!("{:02}", item.seq),
            unit: Cut::new(clean(item.unit)),
            authors: Cut::new(authors.clone()),
            authors_full: authors,
            authors_short,
            title: Cut::new(title),
            category: Cut::new(clean(item.category)),
            tail: part.clone(),
            ext: clean_ext(item.ext),
            budget_units,
        };
        let mut name = namer.fit();
        let mut n = 2u64;
        while taken.contains(&fold(&name)) || taken_lower.contains(&name.to_lowercase()) {
            namer.tail = format!("{part} ({n})");
            name = namer.fit();
            n += 1;
        }
        taken.insert(fold(&name));
        taken_lower.insert(name.to_lowercase());
        out.push(name);
    }
    out
}

/// Makes one path component safe (folder names like "01-诵读", zip base names). The
/// result is never empty, never a reserved device name, at most `max_chars` UTF-16 units
/// (at least 1) and 255 bytes; a cut is marked with `…`. Pass a stem: an extension in `s`
/// could be cut.
pub fn safe_component(s: &str, max_chars: usize) -> String {
    let max_units = max_chars.max(1);
    let stem = finish_stem(s);
    let stem = if stem.is_empty() {
        UNTITLED.to_string()
    } else {
        stem
    };
    let fits = |n: &str| units(n) <= max_units && n.len() <= MAX_NAME_BYTES;
    let whole = unreserve(stem.clone());
    if fits(&whole) {
        return whole;
    }
    let total = stem.graphemes(true).count();
    let (mut lo, mut hi) = (0usize, total);
    let mut best = ELLIPSIS.to_string();
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        let cand = unreserve(cut_graphemes(&stem, mid));
        if fits(&cand) {
            best = cand;
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Independent of the implementation: what Windows Explorer, ext4 and zip tools accept.
    fn is_safe_windows_name(name: &str) -> bool {
        if name.is_empty() || name == "." || name == ".." {
            return false;
        }
        if name.len() > 255 {
            return false;
        }
        if name.chars().any(|c| {
            matches!(c, '\\' | '/' | ':' | '*' | '?' | '"' | '<' | '>' | '|')
                || (c as u32) < 0x20
                || (0x7F..=0x9F).contains(&(c as u32))
        }) {
            return false;
        }
        if name.ends_with('.') || name.ends_with(' ') || name.starts_with(' ') {
            return false;
        }
        if name.starts_with('.') {
            return false;
        }
        let base = name
            .split('.')
            .next()
            .unwrap_or("")
            .trim_end()
            .to_uppercase();
        let reserved = ["CON", "PRN", "AUX", "NUL"];
        if reserved.contains(&base.as_str()) {
            return false;
        }
        for dev in ["COM", "LPT"] {
            for d in "0123456789¹²³".chars() {
                if base == format!("{dev}{d}") {
                    return false;
                }
            }
        }
        true
    }

    struct Item {
        pattern: &'static str,
        seq: u32,
        unit: String,
        authors: Vec<String>,
        title: String,
        ext: &'static str,
        part: Option<u32>,
    }

    fn item(title: &str) -> Item {
        Item {
            pattern: DEFAULT_PATTERN,
            seq: 1,
            unit: "金平区".into(),
            authors: vec!["张三".into()],
            title: title.into(),
            ext: "mp4",
            part: None,
        }
    }

    fn bare(title: &str, ext: &'static str) -> Item {
        Item {
            pattern: "{作品名}",
            ext,
            ..item(title)
        }
    }

    fn fields(it: &Item) -> NameFields<'_> {
        NameFields {
            seq: it.seq,
            unit: &it.unit,
            authors: &it.authors,
            title: &it.title,
            category: "诵读",
            ext: it.ext,
            part: it.part,
        }
    }

    fn assert_limits(names: &[String], prefix: &str, max: usize) {
        let mut seen = HashSet::new();
        for n in names {
            assert!(is_safe_windows_name(n), "unsafe: {n:?}");
            assert!(n.len() <= 255, "too many bytes: {n:?}");
            assert!(
                prefix.chars().count() + 1 + n.chars().count() <= max,
                "too long: {n:?}"
            );
            assert!(seen.insert(n.to_lowercase()), "duplicate: {n:?}");
        }
    }

    /// Names one item alone under "02-微视频" and compares with the expected name.
    fn check(input: Item, expected: &str) {
        let names = name_files(input.pattern, "02-微视频", &[fields(&input)], 240);
        assert_limits(&names, "02-微视频", 240);
        assert_eq!(names, vec![expected.to_string()], "title {:?}", input.title);
    }

    #[test]
    fn table() {
        let five: Vec<String> = ["甲", "乙", "丙", "丁", "戊"].map(String::from).to_vec();
        let cases: Vec<(Item, &str)> = vec![
            (item("劳动者"), "01-金平区-张三-劳动者.mp4"),
            (bare("CON", ""), "_CON"),
            (bare("con", "txt"), "_con.txt"),
            (bare("Aux.tar", "GZ"), "_Aux.tar.gz"),
            (bare("com¹", "mp3"), "_com¹.mp3"),
            (bare("lpt9 ", "mp3"), "_lpt9.mp3"),
            (bare("CONsole", "mp3"), "CONsole.mp3"),
            (item("a/b"), "01-金平区-张三-a／b.mp4"),
            (item("x:y"), "01-金平区-张三-x：y.mp4"),
            (
                item(r#"a\b*c?d"e<f>g|h"#),
                "01-金平区-张三-a＼b＊c？d＂e＜f＞g｜h.mp4",
            ),
            (item("《劳动最光荣》"), "01-金平区-张三-《劳动最光荣》.mp4"),
            (bare("结尾点.", ""), "结尾点"),
            (bare("...结尾点...", "jpg"), "结尾点.jpg"),
            (bare(".hidden", ""), "hidden"),
            (bare("..", ""), "未命名"),
            (item(".."), "01-金平区-张三-未命名.mp4"),
            (item(""), "01-金平区-张三-未命名.mp4"),
            (item("   "), "01-金平区-张三-未命名.mp4"),
            (item("玥 堃 喆 珺 昇"), "01-金平区-张三-玥 堃 喆 珺 昇.mp4"),
            (item("👷‍♀️劳动🎉"), "01-金平区-张三-👷‍♀️劳动🎉.mp4"),
            (
                item("a\u{0}b\u{7}c\u{7f}d\u{85}e\u{9f}f"),
                "01-金平区-张三-abcdef.mp4",
            ),
            (
                item("第一行\n第二行\t\t尾  部"),
                "01-金平区-张三-第一行 第二行 尾 部.mp4",
            ),
            (item("\u{202E}4pm.exe"), "01-金平区-张三-4pm.exe.mp4"),
            (
                Item {
                    authors: five.clone(),
                    ..item("合唱")
                },
                "01-金平区-甲、乙、丙等-合唱.mp4",
            ),
            (
                Item {
                    authors: five[..3].to_vec(),
                    ..item("合唱")
                },
                "01-金平区-甲、乙、丙-合唱.mp4",
            ),
            (
                Item {
                    unit: String::new(),
                    ..item("劳动者")
                },
                "01-张三-劳动者.mp4",
            ),
            (
                Item {
                    unit: String::new(),
                    authors: vec![],
                    ..item("劳动者")
                },
                "01-劳动者.mp4",
            ),
            (
                Item {
                    part: Some(1),
                    ..item("组照")
                },
                "01-金平区-张三-组照-1.mp4",
            ),
            (
                Item {
                    part: Some(2),
                    ext: "JPG",
                    ..item("组照")
                },
                "01-金平区-张三-组照-2.jpg",
            ),
            (
                Item {
                    seq: 123,
                    ext: "",
                    ..item("无扩展名")
                },
                "123-金平区-张三-无扩展名",
            ),
            (
                Item {
                    pattern: "{类别}-{序号}",
                    ..item("x")
                },
                "诵读-01.mp4",
            ),
            (
                Item {
                    pattern: "{未知}",
                    ..item("回退")
                },
                "01-金平区-张三-回退.mp4",
            ),
        ];
        for (input, expected) in cases {
            check(input, expected);
        }
    }

    #[test]
    fn long_title_is_cut_at_grapheme_with_ellipsis() {
        let title = "劳".repeat(300);
        let it = item(&title);
        let names = name_files(DEFAULT_PATTERN, "02-微视频", &[fields(&it)], 240);
        assert_limits(&names, "02-微视频", 240);
        let n = &names[0];
        assert!(n.starts_with("01-金平区-张三-劳"), "{n}");
        assert!(n.ends_with("劳….mp4"), "{n}");
        // 255 bytes is the binding limit here: 3 bytes per 劳.
        assert!(n.len() > 240, "{n} should use the budget");
    }

    #[test]
    fn emoji_title_never_splits_a_cluster() {
        let title = "👨‍👩‍👧".repeat(300);
        let it = item(&title);
        let names = name_files(DEFAULT_PATTERN, "", &[fields(&it)], 240);
        assert_limits(&names, "", 240);
        let stem = names[0].trim_end_matches(".mp4").trim_end_matches('…');
        let title_part = stem.trim_start_matches("01-金平区-张三-");
        assert!(!title_part.is_empty());
        assert_eq!(title_part.replace("👨‍👩‍👧", ""), "", "{}", names[0]);
    }

    #[test]
    fn deep_prefix_shrinks_title_then_authors_then_unit() {
        let prefix = "甲".repeat(200);
        let mut it = item(&"题".repeat(50));
        it.authors = ["张三", "李四"].map(String::from).to_vec();
        it.unit = "汕头市金平区总工会".into();
        let names = name_files(DEFAULT_PATTERN, &prefix, &[fields(&it)], 240);
        assert_limits(&names, &prefix, 240);
        assert_eq!(names[0].chars().count(), 39);
        assert!(names[0].starts_with("01-汕头市金平区总工会-张三、李四-题"));

        let prefix = "甲".repeat(215);
        let names = name_files(DEFAULT_PATTERN, &prefix, &[fields(&it)], 240);
        assert_limits(&names, &prefix, 240);
        assert_eq!(names[0], "01-汕头市金平区总工会-张三、李四-….mp4");

        let prefix = "甲".repeat(216);
        let names = name_files(DEFAULT_PATTERN, &prefix, &[fields(&it)], 240);
        assert_limits(&names, &prefix, 240);
        assert_eq!(names[0], "01-汕头市金平区总工会-张三等-题….mp4");

        let prefix = "甲".repeat(220);
        let names = name_files(DEFAULT_PATTERN, &prefix, &[fields(&it)], 240);
        assert_limits(&names, &prefix, 240);
        assert!(names[0].starts_with("01-汕头") && names[0].contains("…-张三等-….mp4"));
    }

    #[test]
    fn same_titles_become_distinct_case_insensitively() {
        let a = bare("劳动者", "mp4");
        let b = bare("劳动者", "MP4");
        let c = bare("Song", "mp3");
        let d = bare("SONG", "mp3");
        let e = bare("劳动者 (2)", "mp4");
        let all = [&a, &b, &c, &d, &e].map(fields);
        let names = name_files("{作品名}", "", &all, 240);
        assert_eq!(
            names,
            [
                "劳动者.mp4",
                "劳动者 (2).mp4",
                "Song.mp3",
                "SONG (2).mp3",
                "劳动者 (2) (2).mp4"
            ]
        );
        assert_limits(&names, "", 240);
    }

    #[test]
    fn duplicates_of_long_names_stay_within_limits() {
        let title = "长".repeat(300);
        let its: Vec<Item> = (0..12).map(|_| item(&title)).collect();
        let fs: Vec<NameFields<'_>> = its.iter().map(fields).collect();
        let names = name_files(DEFAULT_PATTERN, "x", &fs, 240);
        assert_limits(&names, "x", 240);
        assert!(names[11].ends_with("… (12).mp4"), "{}", names[11]);
    }

    #[test]
    fn pattern_validation() {
        assert!(validate_pattern(DEFAULT_PATTERN).is_ok());
        assert!(validate_pattern("{作品名}").is_ok());
        assert!(validate_pattern("{类别}_{序号}").is_ok());
        for bad in ["{单位}-{作者}", "{序号}-{标题}", "{序号", "序号}", ""] {
            let err = validate_pattern(bad);
            assert!(err.is_err(), "{bad}");
            assert!(err.err().is_some_and(|e| e.contains("模板")));
        }
    }

    #[test]
    fn safe_component_cases() {
        assert_eq!(safe_component("01-诵读", 50), "01-诵读");
        assert_eq!(safe_component("..", 50), "未命名");
        assert_eq!(safe_component(" nul ", 50), "_nul");
        assert_eq!(safe_component("a/b:c", 50), "a／b：c");
        assert_eq!(safe_component("汕头好网民2023", 5), "汕头好网…");
        assert_eq!(safe_component("金平区.", 0), "…");
        let long = safe_component(&"𠀀".repeat(300), 240);
        assert!(long.len() <= 255 && is_safe_windows_name(&long));
    }

    fn arb_text() -> impl Strategy<Value = String> {
        prop_oneof![
            any::<String>(),
            "[a-zA-Z0-9 .:/\\\\*?\"<>|\t\n]{0,12}",
            "(CON|con|Aux|NUL|COM1|lpt¹|com0)(\\.[a-z]{1,3}){0,2}",
            "[玥堃喆珺昇劳动者《》😀👨‍👩‍👧 .]{0,120}",
            "[\\x00-\\x1f\\x7f-\\x9f. ]{0,8}",
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]
        #[test]
        fn prop_names_safe_distinct_bounded(
            works in prop::collection::vec(
                (0u32..200, arb_text(), prop::collection::vec(arb_text(), 0..6), arb_text(),
                 arb_text(), "[a-zA-Z0-9.]{0,20}|.{0,4}", prop::option::of(1u32..5)),
                0..12),
            pattern in prop_oneof![
                Just(DEFAULT_PATTERN.to_string()),
                Just("{作品名}".to_string()),
                Just("{类别}-{序号}-{作品名}".to_string()),
                Just("{单位}-{作者}-{作品名}".to_string()),
            ],
            prefix in "[a-z劳/]{0,120}",
        ) {
            let items: Vec<NameFields<'_>> = works
                .iter()
                .map(|(seq, unit, authors, title, cat, ext, part)| NameFields {
                    seq: *seq,
                    unit,
                    authors,
                    title,
                    category: cat,
                    ext,
                    part: *part,
                })
                .collect();
            let names = name_files(&pattern, &prefix, &items, 240);
            prop_assert_eq!(names.len(), items.len());
            let mut seen = HashSet::new();
            for n in &names {
                prop_assert!(!n.is_empty());
                prop_assert!(is_safe_windows_name(n), "unsafe {:?}", n);
                prop_assert!(n.len() <= 255);
                prop_assert!(prefix.chars().count() + 1 + n.chars().count() <= 240);
                prop_assert!(seen.insert(n.to_lowercase()), "dup {:?}", n);
            }
        }

        #[test]
        fn prop_safe_component(s in arb_text(), max in 1usize..80) {
            let c = safe_component(&s, max);
            prop_assert!(is_safe_windows_name(&c), "unsafe {:?}", c);
            prop_assert!(c.chars().count() <= max);
        }
    }
}
