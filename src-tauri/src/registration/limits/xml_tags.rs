//! A streaming XML tag scanner: start and empty-element tags with their attributes; text,
//! end tags, comments, CDATA, declarations and processing instructions skipped. Memory: one
//! read buffer and one tag, so a part of any size is measured without holding it.

use std::io::Read;

use super::MAX_TAG_BYTES;

pub(super) struct Tag<'a> {
    /// The local name (after any `x:` prefix).
    pub(super) name: &'a [u8],
    attrs: &'a [u8],
    /// `<c/>`: no content.
    pub(super) empty: bool,
}

impl Tag<'_> {
    /// The value of the attribute whose local name is `key`, entities decoded.
    pub(super) fn attr(&self, key: &[u8]) -> Option<String> {
        let mut rest = self.attrs;
        loop {
            let start = rest.iter().position(|b| !b.is_ascii_whitespace())?;
            rest = rest.get(start..)?;
            let eq = rest.iter().position(|b| *b == b'=')?;
            let name = rest.get(..eq)?.trim_ascii();
            let after = rest.get(eq + 1..)?.trim_ascii_start();
            let quote = *after.first()?;
            if quote != b'"' && quote != b'\'' {
                return None;
            }
            let body = after.get(1..)?;
            let end = body.iter().position(|b| *b == quote)?;
            let value = body.get(..end)?;
            let local = name.rsplit(|b| *b == b':').next().unwrap_or(name);
            if local == key {
                return Some(unescape(&String::from_utf8_lossy(value)));
            }
            rest = body.get(end + 1..)?;
        }
    }
}

fn unescape(s: &str) -> String {
    if !s.contains('&') {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        let Some(end) = tail.find(';').filter(|e| *e <= 10) else {
            out.push('&');
            rest = &tail[1..];
            continue;
        };
        let entity = &tail[1..end];
        let decoded = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            e => e
                .strip_prefix("#x")
                .or_else(|| e.strip_prefix("#X"))
                .map(|h| u32::from_str_radix(h, 16))
                .or_else(|| e.strip_prefix('#').map(str::parse::<u32>))
                .and_then(Result::ok)
                .and_then(char::from_u32),
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &tail[end + 1..];
            }
            None => {
                out.push('&');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    Text,
    /// Inside `<…`, with the open quote if any.
    Tag(Option<u8>),
    /// Skipping to the terminator (`-->`, `]]>`, `?>`, `>`); `matched` bytes of it seen.
    Skip(&'static [u8], usize),
}

/// Calls `f` for each start or empty-element tag of the XML in `r` (at most `cap` bytes are
/// read) until `f` returns false. Errs on a tag longer than [`MAX_TAG_BYTES`] or more than
/// `cap` bytes.
pub(super) fn scan_tags<R: Read>(
    mut r: R,
    cap: u64,
    mut f: impl FnMut(&Tag<'_>) -> bool,
) -> Result<(), ()> {
    let mut buf = vec![0u8; 64 * 1024];
    let mut tag: Vec<u8> = Vec::new();
    let mut state = State::Text;
    let mut total = 0u64;
    loop {
        let n = match r.read(&mut buf) {
            Ok(0) => return Ok(()),
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => return Err(()),
        };
        total = total.saturating_add(n as u64);
        if total > cap {
            return Err(());
        }
        for &b in buf.get(..n).unwrap_or_default() {
            state = match state {
                State::Text => {
                    if b == b'<' {
                        tag.clear();
                        State::Tag(None)
                    } else {
                        State::Text
                    }
                }
                State::Skip(end, matched) => {
                    let matched = if end.get(matched) == Some(&b) {
                        matched + 1
                    } else if matched == 2 && end.first() == Some(&b) && end.get(1) == Some(&b) {
                        // "--->", "]]]>": the last two still match.
                        2
                    } else if end.first() == Some(&b) {
                        1
                    } else {
                        0
                    };
                    if matched == end.len() {
                        State::Text
                    } else {
                        State::Skip(end, matched)
                    }
                }
                State::Tag(quote) => {
                    // Comments, CDATA, declarations, processing instructions: skipped whole.
                    if tag.is_empty() && (b == b'!' || b == b'?') {
                        tag.push(b);
                        State::Tag(None)
                    } else if tag.first() == Some(&b'!') && tag.len() < 8 {
                        tag.push(b);
                        if tag == b"!--" {
                            State::Skip(b"-->", 0)
                        } else if tag == b"![CDATA[" {
                            State::Skip(b"]]>", 0)
                        } else if b == b'>' {
                            State::Text
                        } else if tag.len() == 8 {
                            State::Skip(b">", 0)
                        } else {
                            State::Tag(None)
                        }
                    } else if tag.first() == Some(&b'?') {
                        State::Skip(b"?>", usize::from(b == b'?'))
                    } else {
                        match (quote, b) {
                            (None, b'>') => {
                                if !emit(&tag, &mut f) {
                                    return Ok(());
                                }
                                State::Text
                            }
                            (None, b'"' | b'\'') => {
                                tag.push(b);
                                State::Tag(Some(b))
                            }
                            (Some(q), b) if b == q => {
                                tag.push(b);
                                State::Tag(None)
                            }
                            (q, b) => {
                                if tag.len() >= MAX_TAG_BYTES {
                                    return Err(());
                                }
                                tag.push(b);
                                State::Tag(q)
                            }
                        }
                    }
                }
            };
        }
    }
}

/// Hands one `<…>` (without its brackets) to `f`, unless it is an end tag.
fn emit(tag: &[u8], f: &mut impl FnMut(&Tag<'_>) -> bool) -> bool {
    if tag.first() == Some(&b'/') {
        return true;
    }
    let (body, empty) = match tag.strip_suffix(b"/") {
        Some(b) => (b, true),
        None => (tag, false),
    };
    let name_end = body
        .iter()
        .position(|b| b.is_ascii_whitespace())
        .unwrap_or(body.len());
    let (qualified, attrs) = body.split_at(name_end);
    let name = qualified.rsplit(|b| *b == b':').next().unwrap_or(qualified);
    f(&Tag { name, attrs, empty })
}
