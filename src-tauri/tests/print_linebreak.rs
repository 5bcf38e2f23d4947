//! `break_lines` against the Chinese punctuation rules, widths measured with the real font.
//! At 10 pt every ideograph and full-width mark of Noto Sans SC is exactly 10 pt wide, so a
//! width of 40 holds four of them.

use baosong::print::{Font, break_lines};

const SIZE: f32 = 10.0;

fn font() -> &'static Font {
    Font::embedded().expect("embedded font")
}

/// Wraps without a line limit and compares.
fn check(input: &str, width: f32, expected: &[&str]) {
    check_cut(input, width, 100, expected);
}

fn check_cut(input: &str, width: f32, max_lines: usize, expected: &[&str]) {
    let got = break_lines(input, width, SIZE, max_lines, font());
    assert_eq!(
        got, expected,
        "input {input:?} at width {width}, max {max_lines} lines"
    );
}

#[test]
fn punctuation_rules() {
    // (input, width, expected lines)
    let cases: &[(&str, f32, &[&str])] = &[
        ("一二三四五六", 30.0, &["一二三", "四五六"]),
        // 。 would start line 2: 三 moves down with it.
        ("一二三。四五", 30.0, &["一二", "三。四", "五"]),
        (
            "春眠不觉晓，处处闻啼鸟",
            50.0,
            &["春眠不觉", "晓，处处闻", "啼鸟"],
        ),
        ("甲、乙、丙", 20.0, &["甲、", "乙、", "丙"]),
        ("问题；答案：好", 20.0, &["问", "题；", "答", "案：", "好"]),
        ("真的？是！", 20.0, &["真", "的？", "是！"]),
        // ） may not start a line.
        ("作品（修订版）说明", 60.0, &["作品（修订", "版）说明"]),
        // （ may not end one.
        ("一二三四（五六）", 50.0, &["一二三四", "（五六）"]),
        (
            "参赛作品《劳动最光荣》",
            50.0,
            &["参赛作品", "《劳动最光", "荣》"],
        ),
        ("标题「内容」完", 30.0, &["标题", "「内", "容」完"]),
        ("标题『内容』完", 30.0, &["标题", "『内", "容』完"]),
        ("标题【内容】完", 30.0, &["标题", "【内", "容】完"]),
        ("他说‘你好’了", 30.0, &["他", "说‘你", "好’了"]),
        // “ never ends a line, ” never starts one.
        ("他说“你好”再见", 30.0, &["他", "说“你", "好”再", "见"]),
        ("等等……走了", 30.0, &["等", "等……", "走了"]),
        // UAX #14 alone breaks after a space, even before 。 or ”: the rules still hold.
        ("作品完成 。下一", 40.0, &["作品完", "成 。下", "一"]),
        ("作品完成 ”下一", 40.0, &["作品完", "成 ”下", "一"]),
        // Latin words break at spaces; trailing spaces are dropped.
        ("hello world Rust", 52.0, &["hello", "world Rust"]),
        ("我爱Rust语言", 40.0, &["我爱", "Rust语", "言"]),
        // Newlines are forced breaks.
        ("一二\n三四", 100.0, &["一二", "三四"]),
        // Narrower than one character: one grapheme per line, nothing lost.
        ("一二三", 5.0, &["一", "二", "三"]),
        ("", 100.0, &[]),
    ];
    for (input, width, expected) in cases {
        check(input, *width, expected);
    }
}

#[test]
fn cut_with_ellipsis() {
    check_cut("一二三四五六七八九十", 40.0, 2, &["一二三四", "五六七…"]);
    // Fits: no ellipsis.
    check_cut("一二三四五六七八", 40.0, 2, &["一二三四", "五六七八"]);
    // An opening bracket is not left before the "…".
    check_cut("一二三四（五六七）", 60.0, 1, &["一二三四…"]);
    // The cut line is refilled from all the text left, "…" included in the width.
    check_cut("一二三。四五六七", 50.0, 1, &["一二三。…"]);
    // A forced break ends the cut line.
    check_cut("一\n二\n三", 100.0, 2, &["一", "二…"]);
    check_cut("一二三", 100.0, 0, &[]);
}

const NO_START: &str = "。，、；：？！）》」』】’”…";
const NO_END: &str = "（《「『【‘“";

/// Deterministic pseudo-random texts: every line fits, obeys both rules where the text allows
/// it, and the lines together are the text.
#[test]
fn random_texts_keep_the_rules() {
    let alphabet: Vec<char> =
        "劳动最光荣我们的时代玥堃喆珺昇。，、；：？！（）《》「」『』【】‘’“”… abcXYZ12"
            .chars()
            .collect();
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for round in 0..2000 {
        let len = 1 + (next() % 60) as usize;
        let text: String = (0..len)
            .map(|_| alphabet[(next() % alphabet.len() as u64) as usize])
            .collect();
        let width = 30.0 + (next() % 150) as f32;
        let lines = break_lines(&text, width, SIZE, 100, font());
        let joined: String = lines.concat();
        let strip = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
        assert_eq!(
            strip(&joined),
            strip(&text),
            "round {round}: text lost in {lines:?}"
        );
        for (i, line) in lines.iter().enumerate() {
            let fits = font().width(line, SIZE) <= width;
            assert!(fits, "round {round}: {line:?} wider than {width}");
            // A line made of nothing but forbidden marks cannot be helped; otherwise the rules hold.
            let all_marks = line
                .chars()
                .all(|c| NO_START.contains(c) || NO_END.contains(c));
            if i > 0 && !all_marks {
                let first = line.chars().next().unwrap_or(' ');
                let prev_last = lines[i - 1].chars().last().unwrap_or(' ');
                let forced = !text_has_choice(&lines[i - 1]);
                if !forced {
                    assert!(
                        !NO_START.contains(first),
                        "round {round}: line starts with {first}: {lines:?}"
                    );
                    assert!(
                        !NO_END.contains(prev_last),
                        "round {round}: line ends with {prev_last}: {lines:?}"
                    );
                }
            }
        }
    }
}

/// Whether a line had any allowed place to break other than where it did: a line of only
/// punctuation and one other character may have had to break against the rules.
fn text_has_choice(line: &str) -> bool {
    line.chars()
        .filter(|c| !NO_START.contains(*c) && !NO_END.contains(*c) && !c.is_whitespace())
        .count()
        > 1
}

#[test]
fn font_covers_rare_name_characters() {
    for c in ['玥', '堃', '喆', '珺', '昇', '…', '“', '”', '·', '×'] {
        assert!(font().has_glyph(c), "no glyph for {c}");
    }
    assert!(
        !font().has_glyph('\u{E000}'),
        "a private-use code point should be missing"
    );
}
