//! A queued message as RFC 5322 bytes: From the account's own address with the office's name,
//! the recorded Message-ID, the cover letter, and every attachment named twice — RFC 2231
//! `filename*` on Content-Disposition (what lettre writes) and an RFC 2047 `name="=?UTF-8?B?…?="`
//! on Content-Type, split into encoded words of at most 75 characters — because QQ Mail and
//! Outlook show `tcmime.*.bin` or "Untitled attachment" without the second.

use std::path::Path;

use base64::Engine as _;
use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};

use crate::account::Account;
use crate::library::OutboxMessage;

#[derive(Debug, thiserror::Error)]
pub enum MessageError {
    #[error("发件地址“{0}”无效，请在“发件邮箱”中改正。")]
    Sender(String),
    #[error("收件地址“{0}”无效。")]
    Recipient(String),
    #[error("无法读取邮件附件“{name}”：{reason}。")]
    Attachment { name: String, reason: String },
    #[error("邮件附件“{name}”与生成时不同（{reason}），文件可能已损坏或被替换，未发送。")]
    Changed { name: String, reason: String },
    #[error("无法生成邮件：{0}")]
    Build(String),
    #[error("{0}")]
    Unsafe(String),
}

impl MessageError {
    /// A failure of the message's own attachment files (gone, changed, outside the outbox):
    /// this message's problem, not the sender's.
    pub fn is_attachment(&self) -> bool {
        matches!(
            self,
            MessageError::Attachment { .. }
                | MessageError::Changed { .. }
                | MessageError::Unsafe(_)
        )
    }
}

impl crate::coded::Coded for MessageError {
    fn code(&self) -> &'static str {
        match self {
            MessageError::Sender(_) => "mail.sender",
            MessageError::Recipient(_) => "mail.recipient",
            MessageError::Attachment { .. } => "mail.attachments_missing",
            MessageError::Changed { .. } => "mail.attachment_changed",
            MessageError::Build(_) => "mail.message",
            MessageError::Unsafe(_) => "library.unsafe_path",
        }
    }

    fn is_input(&self) -> bool {
        matches!(self, MessageError::Unsafe(_))
    }
}

/// RFC 2047 B-encoded words of at most 75 characters, each holding whole characters,
/// separated by spaces (so the header can be folded between them).
pub fn encoded_words(s: &str) -> String {
    // 42 bytes → 56 base64 characters + `=?UTF-8?B?` + `?=` = 68 ≤ 75.
    const MAX_RAW: usize = 42;
    let mut words = Vec::new();
    let mut cur = String::new();
    for ch in s.chars() {
        if cur.len() + ch.len_utf8() > MAX_RAW {
            words.push(std::mem::take(&mut cur));
        }
        cur.push(ch);
    }
    if !cur.is_empty() {
        words.push(cur);
    }
    words
        .iter()
        .map(|w| {
            format!(
                "=?UTF-8?B?{}?=",
                base64::engine::general_purpose::STANDARD.encode(w)
            )
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn mime_of(name: &str) -> &'static str {
    let ext = name.rsplit('.').next().unwrap_or("").to_ascii_lowercase();
    match ext.as_str() {
        "zip" => "application/zip",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "txt" => "text/plain; charset=utf-8",
        "json" => "application/json",
        "pdf" => "application/pdf",
        "mp4" => "video/mp4",
        "mov" => "video/quicktime",
        "mp3" => "audio/mpeg",
        "m4a" => "audio/mp4",
        "wav" => "audio/wav",
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        _ => "application/octet-stream",
    }
}

/// One attachment with both forms of its name.
pub fn attachment(name: &str, bytes: Vec<u8>) -> Result<SinglePart, MessageError> {
    let content_type = ContentType::parse(&format!(
        "{}; name=\"{}\"",
        mime_of(name),
        encoded_words(name)
    ))
    .map_err(|e| MessageError::Build(e.to_string()))?;
    Ok(Attachment::new(name.to_owned()).body(bytes, content_type))
}

/// The message `m` of the outbox, sent from `account`, with the cover letter `text`;
/// attachments are read from `library_root/m.folder`.
pub fn build(
    account: &Account,
    m: &OutboxMessage,
    text: &str,
    library_root: &Path,
) -> Result<lettre::Message, MessageError> {
    let from_addr: lettre::Address = account
        .address
        .parse()
        .map_err(|_| MessageError::Sender(account.address.clone()))?;
    let to: lettre::Address = m
        .recipient
        .parse()
        .map_err(|_| MessageError::Recipient(m.recipient.clone()))?;
    let from = Mailbox::new(Some(account.display_name.clone()), from_addr.clone());
    let mut builder = lettre::Message::builder()
        .from(from)
        .to(Mailbox::new(None, to))
        .subject(m.subject.clone())
        .message_id(Some(m.message_id.clone()))
        .date_now();
    if account.read_receipt {
        builder = builder.raw_header(HeaderValue::new(
            HeaderName::new_from_ascii_str("Disposition-Notification-To"),
            format!("<{from_addr}>"),
        ));
    }
    let mut parts = MultiPart::mixed().singlepart(SinglePart::plain(text.to_owned()));
    for a in &m.attachments {
        // Only from the message's own folder: a row's name is input and may try to climb out.
        let path = m
            .file_path(library_root, &a.name)
            .map_err(|e| MessageError::Unsafe(e.to_string()))?;
        let bytes = std::fs::read(&path).map_err(|e| MessageError::Attachment {
            name: a.name.clone(),
            reason: crate::fsx::io_reason(&e),
        })?;
        if bytes.len() as u64 != a.size {
            return Err(MessageError::Changed {
                name: a.name.clone(),
                reason: format!("应为 {} 字节，现为 {} 字节", a.size, bytes.len()),
            });
        }
        if let Some(want) = &a.sha256 {
            let got = crate::digest::sha256_hex(&bytes);
            if !got.eq_ignore_ascii_case(want) {
                return Err(MessageError::Changed {
                    name: a.name.clone(),
                    reason: "SHA-256 校验值不符".to_owned(),
                });
            }
        }
        parts = parts.singlepart(attachment(&a.name, bytes)?);
    }
    builder
        .multipart(parts)
        .map_err(|e| MessageError::Build(e.to_string()))
}

/// Writes an `.eml` file by temporary name and rename.
pub fn save_eml(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    crate::fsx::write_atomic(path, bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoded_words_are_short_and_whole() {
        let name = "金平区总工会-汕头好网民2023-第1包-共3包.zip";
        let words = encoded_words(name);
        let decoded: String = words
            .split(' ')
            .map(|w| {
                assert!(w.len() <= 75, "{w}");
                let b64 = w
                    .strip_prefix("=?UTF-8?B?")
                    .and_then(|w| w.strip_suffix("?="))
                    .expect("an encoded word");
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(b64)
                    .expect("base64");
                String::from_utf8(bytes).expect("whole characters in each word")
            })
            .collect();
        assert_eq!(decoded, name);
        assert!(words.contains(' '), "a long name takes several words");
    }
}
