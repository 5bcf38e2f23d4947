//! Readers: one received mail message — an `.eml`, a Maildir file, an IMAP `BODY[]` — bytes
//! in, what it holds out: its Message-ID, From, To, Subject, Date and In-Reply-To decoded; the
//! text of its body in UTF-8 (text/plain preferred, else the HTML as rough text); every
//! attachment with its decoded name, content type, decoded size and its bytes for a writer;
//! and, in `mailread/mentions.rs`, the files the text says were sent another way (QQ and
//! NetEase 超大附件 links, the Baosong cover letter's 另行传送 list).
//!
//! The MIME work is mail-parser's (0.11, pinned below 1.0, whose rust-version is newer than
//! ours), with its `full_encoding` feature: GBK, GB18030 and GB2312 (read as GBK, its superset)
//! go through encoding_rs. It was chosen over mailparse because it decodes RFC 2231 names with
//! continuations (`filename*0*=…; filename*1*=…`, the octets joined before the charset is
//! applied, so a character split between two segments survives — mailparse did not do that
//! until its PR #139), RFC 2047 words inside quoted `name=`/`filename=` (several words, B and
//! Q, any charset), never panics on damaged input, and is the parser of a production mail
//! server (Stalwart); mailparse is passively maintained. What it does not do is taken care of
//! here: a name written as raw 8-bit GBK bytes (it reads header bytes as UTF-8, lossily) is read
//! again from the raw header through GB18030; a text attachment's bytes are taken from the raw
//! part (mail-parser converts text parts to UTF-8, which would change a GBK file's hash).
//!
//! Memory: mail-parser parses a message held whole in memory and decodes every part while
//! parsing (base64 and quoted-printable into owned buffers; 7bit/8bit/binary parts are borrowed,
//! not copied). Read that way, a message with a 50 MB attachment holds the raw message
//! (≈ 68 MB of base64) and the decoded 50 MB at once: about 2.4× the attachment (measured:
//! 126 MB peak resident for a 50 MiB attachment — `reading_a_large_attachment_for_the_memory_peak`
//! in tests/mailread.rs under `/usr/bin/time -v`). [`Lean`] avoids the second copy: the long
//! base64 bodies are cut out of what mail-parser sees and decoded a chunk at a time straight
//! from the raw bytes by [`MailMessage::write_attachment`] (a writer, never a returned buffer),
//! so reading holds the raw message and a chunk; receiving reads every message that way.

use std::io::Write;

use base64::Engine as _;
use mail_parser::{Address, HeaderName, HeaderValue, MessageParser, MimeHeaders, PartType};

pub mod mentions;

pub use mentions::{MentionedFile, Via};

/// Why a message cannot be read or an attachment not written.
#[derive(Debug, thiserror::Error)]
pub enum MailReadError {
    #[error("邮件已损坏，无法读取：{0}")]
    Damaged(String),
    #[error("邮件中没有第 {0} 个附件。")]
    NoAttachment(usize),
    #[error("无法保存邮件附件“{name}”：{reason}")]
    Write { name: String, reason: String },
}

impl crate::coded::Coded for MailReadError {
    fn code(&self) -> &'static str {
        match self {
            MailReadError::Damaged(_) => "mailread.damaged",
            MailReadError::NoAttachment(_) => "mailread.no_attachment",
            MailReadError::Write { .. } => "mailread.write",
        }
    }

    fn is_input(&self) -> bool {
        matches!(self, MailReadError::Damaged(_))
    }
}

/// An address with its display name decoded.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Mailbox {
    pub address: String,
    pub name: Option<String>,
}

/// What a message says about one attachment; its bytes come from
/// [`MailMessage::write_attachment`] with the same index.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AttachmentInfo {
    /// The decoded file name; `None` when the part names none.
    pub name: Option<String>,
    /// `type/subtype`, lower case (`application/octet-stream` when the part says none).
    pub content_type: String,
    /// Decoded size in bytes.
    pub size: u64,
}

/// Where an attachment's decoded bytes are.
#[derive(Debug)]
enum Held {
    /// The part's body as mail-parser decoded it (binary parts, nested messages).
    Part(u32),
    /// Transfer-decoded from the raw part, charset untouched (text parts).
    Bytes(Vec<u8>),
    /// A long base64 body left in the raw message (see [`Lean`]), and its decoded size:
    /// decoded on writing.
    Raw(std::ops::Range<usize>, u64),
}

/// A base64 body at least this long is not given to mail-parser (see [`Lean`]).
const LEAN_AT: usize = 256 * 1024;

/// A message prepared to be read without its long base64 bodies decoded in memory. Each run of
/// at least [`LEAN_AT`] bytes of base64 lines (every line of the alphabet only, a multiple of 4
/// long; `=` padding ends a run) is replaced by one short base64 line naming it, so mail-parser
/// parses the structure, headers and text as it would the whole message, and an attachment
/// whose decoded body is such a name is decoded from the raw run straight to its writer. The
/// memory peak is then the raw message and a chunk, not the raw message and the decoded
/// attachment. Where a named run is not exactly one attachment's body (a long base64 text
/// body, a run cut by a stray line, a nested message) the message is read whole instead.
pub struct Lean<'r> {
    raw: &'r [u8],
    text: Vec<u8>,
    /// Each run cut out, and how many bytes it decodes to.
    runs: Vec<(std::ops::Range<usize>, u64)>,
}

fn lean_marker(n: usize) -> Vec<u8> {
    format!("\0baosong-elided-{n}\0").into_bytes()
}

fn lean_index(contents: &[u8]) -> Option<usize> {
    let inner = contents
        .strip_prefix(b"\0baosong-elided-")?
        .strip_suffix(b"\0")?;
    std::str::from_utf8(inner).ok()?.parse().ok()
}

/// 1 for the base64 alphabet (`A–Z a–z 0–9 + /`), else 0.
const BASE64_ALPHABET: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        let c = i as u8;
        if c.is_ascii_alphanumeric() || c == b'+' || c == b'/' {
            t[i] = 1;
        }
        i += 1;
    }
    t
};

/// The line of `raw` starting at `at`, in one pass: where the next line starts, and — when
/// it is base64 alphabet only, a multiple of 4 long (at most 998), ended by its own CRLF or
/// LF — how many characters it has and how many of them are `=` padding.
fn scan_line(raw: &[u8], at: usize) -> (usize, Option<(usize, usize)>) {
    let rest = &raw[at..];
    let mut i = 0;
    while i < rest.len() && BASE64_ALPHABET[rest[i] as usize] == 1 {
        i += 1;
    }
    let mut pad = 0;
    while i < rest.len() && rest[i] == b'=' && pad < 2 {
        i += 1;
        pad += 1;
    }
    let ending = if rest[i..].starts_with(b"\r\n") {
        Some(2)
    } else if rest[i..].starts_with(b"\n") {
        Some(1)
    } else {
        None
    };
    match ending {
        Some(n) => {
            let fits = i > 0 && i % 4 == 0 && i <= 998;
            (at + i + n, fits.then_some((i, pad)))
        }
        None => {
            let end = rest[i..]
                .iter()
                .position(|b| *b == b'\n')
                .map_or(raw.len(), |p| at + i + p + 1);
            (end, None)
        }
    }
}

impl<'r> Lean<'r> {
    pub fn new(raw: &'r [u8]) -> Self {
        let mut lean = Lean {
            raw,
            text: Vec::new(),
            runs: Vec::new(),
        };
        let mut copied = 0;
        // The run being read: where it starts and how many base64 characters it has so far.
        let mut run: Option<(usize, u64)> = None;
        let mut at = 0;
        while at < raw.len() {
            let (end, line) = scan_line(raw, at);
            match (line, run) {
                (Some((chars, pad)), current) => {
                    let (start, so_far) = current.unwrap_or((at, 0));
                    let chars = so_far + chars as u64;
                    if pad > 0 {
                        lean.close(start..end, chars / 4 * 3 - pad as u64, &mut copied);
                        run = None;
                    } else {
                        run = Some((start, chars));
                    }
                }
                (None, Some((start, chars))) => {
                    lean.close(start..at, chars / 4 * 3, &mut copied);
                    run = None;
                }
                (None, None) => {}
            }
            at = end;
        }
        if let Some((start, chars)) = run {
            lean.close(start..raw.len(), chars / 4 * 3, &mut copied);
        }
        if !lean.runs.is_empty() {
            lean.text.extend_from_slice(&raw[copied..]);
        }
        lean
    }

    /// Replaces run `range` (decoding to `size` bytes) by its named line, if it is long enough.
    fn close(&mut self, range: std::ops::Range<usize>, size: u64, copied: &mut usize) {
        if range.len() < LEAN_AT {
            return;
        }
        let raw = self.raw;
        self.text.extend_from_slice(&raw[*copied..range.start]);
        let line = base64::engine::general_purpose::STANDARD.encode(lean_marker(self.runs.len()));
        self.text.extend_from_slice(line.as_bytes());
        let ending: &[u8] = if raw[..range.end].ends_with(b"\r\n") {
            b"\r\n"
        } else {
            b"\n"
        };
        self.text.extend_from_slice(ending);
        *copied = range.end;
        self.runs.push((range, size));
    }
}

/// Decodes the base64 lines of `run` (as [`Lean`] found them) to `out`, a chunk at a time.
fn decode_run(run: &[u8], out: &mut dyn Write) -> std::io::Result<u64> {
    use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
    let engine = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new()
            .with_decode_padding_mode(DecodePaddingMode::Indifferent)
            .with_decode_allow_trailing_bits(true),
    );
    let mut chars = Vec::with_capacity(1 << 20);
    let mut decoded = Vec::with_capacity(3 << 18);
    let mut total = 0u64;
    let mut flush = |chars: &mut Vec<u8>, out: &mut dyn Write| -> std::io::Result<()> {
        decoded.clear();
        engine
            .decode_vec(chars.as_slice(), &mut decoded)
            .map_err(std::io::Error::other)?;
        out.write_all(&decoded)?;
        total += decoded.len() as u64;
        chars.clear();
        Ok(())
    };
    for line in run.split(|b| *b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        chars.extend_from_slice(line);
        // Every line is a multiple of 4 long: a chunk ends on a whole quantum.
        if chars.len() >= 1 << 20 {
            flush(&mut chars, out)?;
        }
    }
    flush(&mut chars, out)?;
    Ok(total)
}

/// One received message, read. Borrows the raw bytes it was read from.
#[derive(Debug)]
pub struct MailMessage<'a> {
    /// `<id@host>` as in the header (the form the outbox keeps).
    pub message_id: Option<String>,
    pub from: Option<Mailbox>,
    pub to: Vec<Mailbox>,
    pub subject: Option<String>,
    /// RFC 3339 when the header's date is parseable.
    pub date: Option<String>,
    /// `<id@host>`: the first id of In-Reply-To.
    pub in_reply_to: Option<String>,
    /// The body as UTF-8 text: the text/plain parts, else the HTML made rough text.
    pub text: String,
    pub attachments: Vec<AttachmentInfo>,
    /// What looked damaged, in Chinese (a part whose encoding was broken, a message cut
    /// short); the message is still read as far as it goes.
    pub problems: Vec<String>,
    /// The HTML bodies as rough text with their links kept, for [`MailMessage::mentioned_files`].
    html_text: Vec<String>,
    held: Vec<Held>,
    parsed: mail_parser::Message<'a>,
    /// The raw message [`Held::Raw`] ranges point into.
    raw: &'a [u8],
}

impl<'a> MailMessage<'a> {
    /// Reads one RFC 5322 message. A damaged message is read as far as it goes (its problems
    /// listed); only bytes that are no message at all are an error.
    pub fn read(raw: &'a [u8]) -> Result<Self, MailReadError> {
        Self::read_parts(raw, raw, &[])
    }

    /// [`MailMessage::read`] of a message prepared by [`Lean`]: the same result, with its long
    /// base64 attachments decoded only when written.
    pub fn read_lean(lean: &'a Lean<'a>) -> Result<Self, MailReadError> {
        if lean.runs.is_empty() {
            return Self::read(lean.raw);
        }
        match Self::read_parts(&lean.text, lean.raw, &lean.runs) {
            Ok(m)
                if m.held.iter().filter(|h| matches!(h, Held::Raw(..))).count()
                    == lean.runs.len()
                    && !m.text.contains("baosong-elided-") =>
            {
                Ok(m)
            }
            _ => Self::read(lean.raw),
        }
    }

    /// Reads `raw` (the message, or a [`Lean`] text of it whose named runs are `runs` of
    /// `original`).
    fn read_parts(
        raw: &'a [u8],
        original: &'a [u8],
        runs: &[(std::ops::Range<usize>, u64)],
    ) -> Result<Self, MailReadError> {
        if raw.iter().all(u8::is_ascii_whitespace) {
            return Err(MailReadError::Damaged("文件是空的".into()));
        }
        let parsed = MessageParser::default()
            .parse(raw)
            .ok_or_else(|| MailReadError::Damaged("找不到邮件头".into()))?;
        if parsed.headers().is_empty() {
            return Err(MailReadError::Damaged("找不到邮件头".into()));
        }
        let mut problems = Vec::new();

        let subject = parsed.subject().map(|s| {
            repair_header(raw, &parsed, HeaderName::Subject, s, |m| {
                m.subject().map(str::to_owned)
            })
        });
        let from = parsed.from().and_then(Address::first).map(|a| {
            let name = a.name().map(|n| {
                repair_header(raw, &parsed, HeaderName::From, n, |m| {
                    m.from()
                        .and_then(Address::first)
                        .and_then(|a| a.name())
                        .map(str::to_owned)
                })
            });
            Mailbox {
                address: a.address().unwrap_or_default().to_owned(),
                name,
            }
        });
        let to = parsed
            .to()
            .map(|to| {
                to.iter()
                    .filter_map(|a| {
                        Some(Mailbox {
                            address: a.address()?.to_owned(),
                            name: a.name().map(str::to_owned),
                        })
                    })
                    .collect()
            })
            .unwrap_or_default();
        let date = parsed.date().and_then(|d| {
            let s = d.to_rfc3339();
            chrono::DateTime::parse_from_rfc3339(&s).ok().map(|_| s)
        });
        let in_reply_to = match parsed.header(HeaderName::InReplyTo) {
            Some(HeaderValue::Text(id)) => Some(id.to_string()),
            Some(HeaderValue::TextList(ids)) => ids.first().map(|id| id.to_string()),
            _ => None,
        }
        .map(|id| format!("<{id}>"));

        // mail-parser lists the HTML part among the text bodies when there is no text/plain.
        let text = parsed
            .text_bodies()
            .filter_map(|p| match &p.body {
                PartType::Text(t) => Some(unlabelled_gbk(raw, p).unwrap_or_else(|| t.to_string())),
                PartType::Html(h) => Some(mentions::html_text(h)),
                _ => None,
            })
            .collect::<Vec<_>>()
            .join("\r\n");
        let html_text = parsed
            .html_bodies()
            .filter_map(|p| match &p.body {
                PartType::Html(h) => Some(mentions::html_text(h)),
                _ => None,
            })
            .collect();

        let mut attachments = Vec::new();
        let mut held = Vec::new();
        for &id in &parsed.attachments {
            let Some(part) = parsed.parts.get(id as usize) else {
                continue;
            };
            let name = part
                .attachment_name()
                .map(|n| repair_name(raw, part, n).unwrap_or_else(|| n.to_owned()));
            let content_type = part
                .content_type()
                .map(|ct| match ct.subtype() {
                    Some(sub) => format!("{}/{}", ct.ctype(), sub),
                    None => ct.ctype().to_owned(),
                })
                .unwrap_or_else(|| "application/octet-stream".into())
                .to_ascii_lowercase();
            let shown = name
                .clone()
                .unwrap_or_else(|| format!("第{}个附件", held.len() + 1));
            if part.is_encoding_problem {
                problems.push(format!("附件“{shown}”的编码已损坏，内容可能不完整。"));
            }
            let lean_run = (!runs.is_empty() && part.encoding == mail_parser::Encoding::Base64)
                .then(|| lean_index(part.contents()))
                .flatten()
                .and_then(|n| runs.get(n).cloned());
            let h = match (&part.body, lean_run) {
                (_, Some((range, size))) => Held::Raw(range, size),
                (PartType::Text(_) | PartType::Html(_), None) if !part.is_encoding_problem => {
                    Held::Bytes(raw_part_bytes(raw, part))
                }
                _ => Held::Part(id),
            };
            let size = match &h {
                Held::Bytes(b) => b.len() as u64,
                Held::Part(_) => part.contents().len() as u64,
                Held::Raw(_, size) => *size,
            };
            attachments.push(AttachmentInfo {
                name,
                content_type,
                size,
            });
            held.push(h);
        }
        if let Some(problem) = cut_short(raw, &parsed) {
            problems.push(problem);
        }

        Ok(MailMessage {
            message_id: parsed.message_id().map(|id| format!("<{id}>")),
            from,
            to,
            subject,
            date,
            in_reply_to,
            text,
            attachments,
            problems,
            html_text,
            held,
            parsed,
            raw: original,
        })
    }

    /// How many attachments are decoded only when written (read through [`Lean`]).
    pub fn decoded_on_write(&self) -> usize {
        self.held
            .iter()
            .filter(|h| matches!(h, Held::Raw(..)))
            .count()
    }

    /// Writes attachment `index`'s decoded bytes to `out`; returns how many.
    pub fn write_attachment(
        &self,
        index: usize,
        out: &mut dyn Write,
    ) -> Result<u64, MailReadError> {
        let (info, held) = self
            .attachments
            .get(index)
            .zip(self.held.get(index))
            .ok_or(MailReadError::NoAttachment(index + 1))?;
        let write_err = |e: std::io::Error| MailReadError::Write {
            name: info.name.clone().unwrap_or_default(),
            reason: crate::fsx::io_reason(&e),
        };
        let bytes: &[u8] = match held {
            Held::Raw(r, _) => {
                let n = decode_run(self.raw.get(r.clone()).unwrap_or_default(), out)
                    .and_then(|n| out.flush().map(|()| n))
                    .map_err(write_err)?;
                return Ok(n);
            }
            Held::Bytes(b) => b,
            Held::Part(id) => self
                .parsed
                .parts
                .get(*id as usize)
                .map(|p| p.contents())
                .unwrap_or_default(),
        };
        out.write_all(bytes)
            .and_then(|()| out.flush())
            .map_err(|e| MailReadError::Write {
                name: info.name.clone().unwrap_or_default(),
                reason: crate::fsx::io_reason(&e),
            })?;
        Ok(bytes.len() as u64)
    }

    /// The files the message says were sent another way: 超大附件 links (QQ, NetEase) and the
    /// Baosong cover letter's 另行传送 list, each once.
    pub fn mentioned_files(&self) -> Vec<MentionedFile> {
        let mut texts: Vec<&str> = vec![self.text.as_str()];
        texts.extend(self.html_text.iter().map(String::as_str));
        mentions::mentioned_files(&texts)
    }
}

/// A text body said to be UTF-8 (or said to be nothing) whose bytes are not UTF-8 but are
/// GB18030 throughout, read as GB18030: a Chinese client's default charset, mislabelled or
/// unlabelled. `None` when the body reads as it says or is no GB18030 either.
fn unlabelled_gbk(raw: &[u8], part: &mail_parser::MessagePart<'_>) -> Option<String> {
    if !part.text_contents()?.contains('\u{FFFD}') {
        return None;
    }
    let said = part
        .content_type()
        .and_then(|ct| ct.attribute("charset"))
        .map(str::to_ascii_lowercase);
    if !matches!(said.as_deref(), None | Some("utf-8" | "utf8" | "us-ascii")) {
        return None;
    }
    let bytes = raw_part_bytes(raw, part);
    if std::str::from_utf8(&bytes).is_ok() {
        return None;
    }
    encoding_rs::GB18030
        .decode_without_bom_handling_and_without_replacement(&bytes)
        .map(|s| s.into_owned())
}

/// A header value read again when mail-parser's reading of it holds U+FFFD: the raw bytes were
/// 8-bit and not UTF-8, which a Chinese client means as GBK. Decoded with GB18030 (GBK's
/// superset) and given back to mail-parser as UTF-8 so encoded words and quoting still apply.
fn repair_header(
    raw: &[u8],
    parsed: &mail_parser::Message<'_>,
    name: HeaderName<'_>,
    read: &str,
    pick: impl Fn(&mail_parser::Message<'_>) -> Option<String>,
) -> String {
    if !read.contains('\u{FFFD}') {
        return read.to_owned();
    }
    parsed
        .root_part()
        .headers
        .iter()
        .find(|h| h.name == name)
        .and_then(|h| reparse_gbk(raw, h, name.as_str()))
        .and_then(|bytes| {
            MessageParser::default()
                .parse_headers(&bytes)
                .and_then(|m| pick(&m))
        })
        .unwrap_or_else(|| read.to_owned())
}

/// `Name: <value decoded from GB18030>\r\n\r\n` for header `h`, when its raw bytes are not
/// UTF-8.
fn reparse_gbk(raw: &[u8], h: &mail_parser::Header<'_>, name: &str) -> Option<Vec<u8>> {
    let value = raw.get(h.offset_start as usize..h.offset_end as usize)?;
    if std::str::from_utf8(value).is_ok() {
        return None;
    }
    let (text, _, _) = encoding_rs::GB18030.decode(value);
    Some(format!("{name}: {}\r\n\r\n", text.trim_end()).into_bytes())
}

/// The attachment name read again from the part's raw Content-Disposition or Content-Type when
/// mail-parser's reading of it holds U+FFFD: either an RFC 2231 name continued in the middle
/// of a character (mail-parser decodes each segment alone; the octets are joined here first),
/// or raw GBK bytes in the header.
fn repair_name(raw: &[u8], part: &mail_parser::MessagePart<'_>, read: &str) -> Option<String> {
    if !read.contains('\u{FFFD}') {
        return None;
    }
    let headers = [
        (HeaderName::ContentDisposition, "filename"),
        (HeaderName::ContentType, "name"),
    ];
    let raw_value = |name: &HeaderName<'_>| {
        let h = part.headers.iter().find(|h| h.name == *name)?;
        Some((h, raw.get(h.offset_start as usize..h.offset_end as usize)?))
    };
    let joined = headers.iter().find_map(|(name, param)| {
        let (_, value) = raw_value(name)?;
        rfc2231_joined(value, param)
    });
    joined.or_else(|| {
        headers.iter().find_map(|(name, param)| {
            let (h, _) = raw_value(name)?;
            let bytes = reparse_gbk(raw, h, name.as_str())?;
            let m = MessageParser::default().parse_headers(&bytes)?;
            let p = m.parts.first()?;
            let ct = match name {
                HeaderName::ContentDisposition => p.content_disposition()?,
                _ => p.content_type()?,
            };
            let got = ct.attribute(param)?;
            (!got.contains('\u{FFFD}')).then(|| got.to_owned())
        })
    })
}

/// RFC 2231 parameter `param` of a raw header value (`filename*0*=utf-8''%E5%8D; filename*1*=
/// %97…`, or one `filename*=gbk''…`): the segments in order, percent-decoded to octets and
/// joined, then decoded once in the charset the first names. `None` when the header has no
/// such parameter or the octets are not that charset.
fn rfc2231_joined(value: &[u8], param: &str) -> Option<String> {
    let text = String::from_utf8_lossy(value);
    let mut segments: Vec<(u32, bool, String)> = Vec::new();
    for item in split_params(&text) {
        let Some((key, v)) = item.split_once('=') else {
            continue;
        };
        let key = key.trim().to_ascii_lowercase();
        let Some(rest) = key.strip_prefix(param).and_then(|r| r.strip_prefix('*')) else {
            continue;
        };
        let (number, extended) = match rest.strip_suffix('*') {
            Some(n) => (n, true),
            None if rest.is_empty() => ("0", true),
            None => (rest, false),
        };
        let Ok(number) = number.parse::<u32>() else {
            continue;
        };
        segments.push((number, extended, v.trim().trim_matches('"').to_owned()));
    }
    segments.sort_by_key(|s| s.0);
    let mut charset = None;
    let mut octets = Vec::new();
    for (i, (_, extended, v)) in segments.iter().enumerate() {
        let mut v = v.as_str();
        if i == 0 && *extended {
            let mut it = v.splitn(3, '\'');
            if let (Some(cs), Some(_language), Some(rest)) = (it.next(), it.next(), it.next()) {
                charset = Some(cs.to_owned());
                v = rest;
            }
        }
        if *extended {
            octets.extend(percent_decoded(v));
        } else {
            octets.extend_from_slice(v.as_bytes());
        }
    }
    if octets.is_empty() {
        return None;
    }
    let encoding = charset
        .and_then(|c| encoding_rs::Encoding::for_label(c.trim().as_bytes()))
        .unwrap_or(encoding_rs::UTF_8);
    // No BOM sniffing: `%FF%FE` is no reason to read the name as UTF-16.
    encoding
        .decode_without_bom_handling_and_without_replacement(&octets)
        .map(|s| s.into_owned())
}

/// `a; b="x;y"; c` → `a`, `b="x;y"`, `c`: split on `;` outside quotes.
fn split_params(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut start, mut quoted, mut escaped) = (0, false, false);
    for (i, c) in text.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            ';' if !quoted => {
                out.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&text[start..]);
    out
}

fn percent_decoded(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = (b[i] == b'%')
            .then(|| b.get(i + 1..i + 3))
            .flatten()
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match hex {
            Some(v) => {
                out.push(v);
                i += 3;
            }
            None => {
                out.push(b[i]);
                i += 1;
            }
        }
    }
    out
}

/// A text part's bytes as sent: transfer-decoded from the raw message, no charset applied.
fn raw_part_bytes(raw: &[u8], part: &mail_parser::MessagePart<'_>) -> Vec<u8> {
    let body = raw
        .get(part.offset_body as usize..part.offset_end as usize)
        .unwrap_or_default();
    match part.encoding {
        mail_parser::Encoding::Base64 => {
            let clean: Vec<u8> = body
                .iter()
                .copied()
                .filter(|b| !b.is_ascii_whitespace())
                .collect();
            base64::engine::general_purpose::STANDARD
                .decode(&clean)
                .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(&clean))
                .unwrap_or_else(|_| part.contents().to_vec())
        }
        mail_parser::Encoding::QuotedPrintable => quoted_printable(body),
        mail_parser::Encoding::None => body.to_vec(),
    }
}

/// RFC 2045 quoted-printable: `=XX` octets, `=` at a line's end joins lines; a broken escape
/// is kept as written.
fn quoted_printable(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len());
    let mut i = 0;
    while i < body.len() {
        let b = body[i];
        if b != b'=' {
            out.push(b);
            i += 1;
            continue;
        }
        let rest = &body[i + 1..];
        if rest.starts_with(b"\r\n") {
            i += 3;
        } else if rest.starts_with(b"\n") {
            i += 2;
        } else if let Some(v) = rest
            .get(..2)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(v);
            i += 3;
        } else {
            out.push(b);
            i += 1;
        }
    }
    out
}

/// A multipart message whose closing delimiter never comes was cut short (a download or a
/// copy that stopped): its last part may be incomplete.
fn cut_short(raw: &[u8], parsed: &mail_parser::Message<'_>) -> Option<String> {
    let boundary = parsed
        .root_part()
        .content_type()
        .filter(|ct| ct.ctype().eq_ignore_ascii_case("multipart"))?
        .attribute("boundary")?;
    let close = format!("--{boundary}--");
    let found = raw.windows(close.len()).any(|w| w == close.as_bytes());
    (!found).then(|| "邮件不完整：缺少结尾的分隔行，最后一个部分可能被截断。".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(raw: &[u8]) -> MailMessage<'_> {
        MailMessage::read(raw).expect("a message")
    }

    fn bytes(m: &MailMessage<'_>, i: usize) -> Vec<u8> {
        let mut out = Vec::new();
        m.write_attachment(i, &mut out).expect("write");
        out
    }

    #[test]
    fn empty_or_headerless_bytes_are_a_chinese_damaged_error() {
        for raw in [&b""[..], b"\r\n\r\n", b"   "] {
            let e = MailReadError::Damaged(String::new());
            let got = MailMessage::read(raw).expect_err("no message");
            assert_eq!(
                crate::coded::Coded::code(&got),
                crate::coded::Coded::code(&e)
            );
            assert!(got.to_string().contains("邮件已损坏"), "{got}");
        }
    }

    #[test]
    fn rfc2231_octets_are_joined_before_the_charset() {
        let check = |value: &str, want: Option<&str>| {
            assert_eq!(
                rfc2231_joined(value.as_bytes(), "filename").as_deref(),
                want,
                "{value}"
            );
        };
        check(
            "attachment;\r\n filename*0*=utf-8''%E5%8D; filename*1*=%97%E6%BE%B3.mp4",
            Some("南澳.mp4"),
        );
        check(
            "attachment; filename*=gbk''%C4%CF%B0%C4.txt",
            Some("南澳.txt"),
        );
        check(
            "attachment; filename*1=\"b.txt\"; filename*0*=UTF-8'zh'a%20",
            Some("a b.txt"),
        );
        check("attachment; filename=\"x;y.txt\"", None);
        check("attachment; filename*=utf-8''%FF%FE", None);
    }

    #[test]
    fn quoted_printable_joins_soft_breaks_and_keeps_broken_escapes() {
        assert_eq!(quoted_printable(b"a=3Db=\r\nc=ZZ=4"), b"a=bc=ZZ=4");
    }

    #[test]
    fn a_raw_gbk_subject_and_name_are_read_as_gbk() {
        let mut raw = b"From: a@b.cn\r\nSubject: ".to_vec();
        raw.extend(encoding_rs::GBK.encode("金平区 报送").0.iter());
        raw.extend(b"\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n--b\r\nContent-Type: application/zip\r\nContent-Disposition: attachment; filename=\"");
        raw.extend(encoding_rs::GBK.encode("作品.zip").0.iter());
        raw.extend(b"\"\r\nContent-Transfer-Encoding: base64\r\n\r\nAAEC\r\n--b--\r\n");
        let m = read(&raw);
        assert_eq!(m.subject.as_deref(), Some("金平区 报送"));
        assert_eq!(m.attachments[0].name.as_deref(), Some("作品.zip"));
        assert_eq!(bytes(&m, 0), [0, 1, 2]);
        assert!(m.problems.is_empty(), "{:?}", m.problems);
    }

    #[test]
    fn a_missing_closing_delimiter_is_a_problem_not_an_error() {
        let raw = b"From: a@b.cn\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=x.bin\r\nContent-Transfer-Encoding: base64\r\n\r\nAAEC";
        let m = read(raw);
        assert_eq!(m.attachments.len(), 1);
        assert!(
            m.problems.iter().any(|p| p.contains("不完整")),
            "{:?}",
            m.problems
        );
        assert!(matches!(
            m.write_attachment(5, &mut Vec::new()),
            Err(MailReadError::NoAttachment(6))
        ));
    }
}
