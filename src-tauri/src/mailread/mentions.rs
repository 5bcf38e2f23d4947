//! Files a message says were sent another way, read from its text: QQ Mail's 超大附件 (a
//! `wx.mail.qq.com/ftn/download?…` or `mail.qq.com/cgi-bin/ftnExs_download?…` link with the
//! name and size QQ prints before it), NetEase's 超大附件 (`mail.163.com/…large-attachment…`
//! and the older `fs.163.com` links) and the Baosong cover letter's 另行传送 list (written by
//! `mail::compose::body`: `  {path}  {size}  SHA-256 {hex}` under a line naming 另行传送).
//! Pure: text in, files out.

/// Which way a mentioned file travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Via {
    /// QQ Mail 超大附件.
    QqLarge,
    /// NetEase (163/126/yeah) 超大附件.
    NeteaseLarge,
    /// The Baosong cover letter's 另行传送 list.
    Separate,
}

/// A file the text mentions.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct MentionedFile {
    pub via: Via,
    pub name: Option<String>,
    /// The size as the text says it (`1.17G`, `312.5 MB`).
    pub size_text: Option<String>,
    /// That size in bytes, as precise as the text is (a rounded size stays rounded).
    pub approx_bytes: Option<u64>,
    pub link: Option<String>,
    pub sha256: Option<String>,
}

/// The files mentioned in `texts` (a message's text body and its HTML made text), each once:
/// the same link or the same 另行传送 path in two texts (a text and an HTML alternative) is
/// one file, with what either said about it.
pub fn mentioned_files(texts: &[&str]) -> Vec<MentionedFile> {
    let mut out: Vec<MentionedFile> = Vec::new();
    for text in texts {
        for found in links(text).into_iter().chain(separate_list(text)) {
            let same = out.iter_mut().find(|f| match (&f.link, &found.link) {
                (Some(a), Some(b)) => a == b,
                (None, None) => f.name == found.name,
                _ => false,
            });
            match same {
                Some(f) => {
                    f.name = f.name.take().or(found.name);
                    f.size_text = f.size_text.take().or(found.size_text);
                    f.approx_bytes = f.approx_bytes.or(found.approx_bytes);
                    f.sha256 = f.sha256.take().or(found.sha256);
                }
                None => out.push(found),
            }
        }
    }
    out
}

/// HTML made rough text (mail-parser's `html_to_text`), after two changes it would not make
/// itself: each link's address is written after its text (`<a href="u">下载</a>` → `下载 u`),
/// and the end of a block (`</div>`, `</tr>`, `</li>`, a heading) breaks the line and the end
/// of a cell leaves a space, so a name and its size in two cells stay two words.
pub(crate) fn html_text(html: &str) -> String {
    mail_parser::decoders::html::html_to_text(&blocks_broken(&keep_links(html)))
}

fn blocks_broken(html: &str) -> String {
    let lower = html.to_ascii_lowercase();
    let mut out = String::with_capacity(html.len() + 64);
    let mut at = 0;
    while let Some(open) = lower[at..].find("</").map(|i| at + i) {
        let name_end = lower[open + 2..]
            .find(|c: char| !c.is_ascii_alphanumeric())
            .map_or(lower.len(), |i| open + 2 + i);
        let tag = &lower[open + 2..name_end];
        out.push_str(&html[at..open]);
        match tag {
            "div" | "tr" | "li" | "table" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => {
                out.push_str("<br>")
            }
            "td" | "th" | "span" => out.push(' '),
            _ => {}
        }
        out.push_str("</");
        at = open + 2;
    }
    out.push_str(&html[at..]);
    out
}

fn keep_links(html: &str) -> String {
    let lower = html.to_ascii_lowercase();
    let mut out = String::with_capacity(html.len() + 256);
    let mut at = 0;
    while let Some(open) = lower[at..].find("<a ").map(|i| at + i) {
        let Some(tag_end) = lower[open..].find('>').map(|i| open + i) else {
            break;
        };
        let Some(close) = lower[tag_end..].find("</a").map(|i| tag_end + i) else {
            break;
        };
        out.push_str(&html[at..close]);
        if let Some(href) = attribute(&html[open..tag_end], &lower[open..tag_end], "href") {
            out.push(' ');
            out.push_str(href);
            out.push(' ');
        }
        at = close;
    }
    out.push_str(&html[at..]);
    out
}

fn attribute<'h>(tag: &'h str, lower: &str, name: &str) -> Option<&'h str> {
    let at = lower.find(&format!("{name}="))? + name.len() + 1;
    let rest = &tag[at..];
    let (quote, body) = match rest.chars().next()? {
        q @ ('"' | '\'') => (q, &rest[1..]),
        _ => (' ', rest),
    };
    let end = body.find([quote, '>']).unwrap_or(body.len());
    Some(&body[..end])
}

fn via_of(url: &str) -> Option<Via> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))?;
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    let host = host.to_ascii_lowercase();
    let path_l = path.to_ascii_lowercase();
    if (host == "wx.mail.qq.com" && path_l.starts_with("ftn/download"))
        || (host.ends_with("mail.qq.com") && path_l.contains("ftnexs_download"))
    {
        return Some(Via::QqLarge);
    }
    let netease = ["mail.163.com", "mail.126.com", "mail.yeah.net"];
    if (netease
        .iter()
        .any(|h| host == *h || host.ends_with(&format!(".{h}")))
        && path_l.contains("large-attachment"))
        || host == "fs.163.com"
        || host == "fs.126.com"
    {
        return Some(Via::NeteaseLarge);
    }
    None
}

/// The 超大附件 links of `text`, each with the file name and size said on its line before it
/// or on the lines since the previous link.
fn links(text: &str) -> Vec<MentionedFile> {
    let mut out = Vec::new();
    let mut since: Vec<&str> = Vec::new();
    for line in text.lines() {
        let mut rest = line;
        let mut before = String::new();
        let mut any = false;
        while let Some(start) = rest.find("http://").or_else(|| rest.find("https://")) {
            let tail = &rest[start..];
            let end = tail
                .find(|c: char| c.is_whitespace() || !c.is_ascii() || "\"'<>()".contains(c))
                .unwrap_or(tail.len());
            let url = &tail[..end];
            before.push_str(&rest[..start]);
            rest = &tail[end..];
            let Some(via) = via_of(url) else {
                continue;
            };
            any = true;
            let mut window: Vec<&str> = since.clone();
            window.push(&before);
            let (name, size_text) = name_and_size(&window.join(" "));
            out.push(MentionedFile {
                via,
                approx_bytes: size_text.as_deref().and_then(size_bytes),
                name,
                size_text,
                link: Some(url.to_owned()),
                sha256: None,
            });
            before.clear();
        }
        if any {
            since.clear();
        } else if !line.trim().is_empty() {
            since.push(line);
            if since.len() > 4 {
                since.remove(0);
            }
        }
    }
    out
}

const TRIM: &[char] = &[
    '(', ')', '（', '）', '[', ']', '【', '】', '"', '“', '”', '\'', '：', ':', ',', '，', '、',
    '<', '>', '《', '》',
];

/// The last file name in `window` and the first size after it.
fn name_and_size(window: &str) -> (Option<String>, Option<String>) {
    let tokens: Vec<&str> = window
        .split(|c: char| c.is_whitespace() || c == ',' || c == '，')
        .map(|t| t.trim_matches(TRIM))
        .filter(|t| !t.is_empty())
        .collect();
    let Some(at) = tokens.iter().rposition(|t| is_file_name(t)) else {
        return (None, None);
    };
    let size = tokens[at + 1..]
        .iter()
        .find(|t| size_bytes(t).is_some())
        .map(|t| (*t).to_owned());
    (Some(tokens[at].to_owned()), size)
}

/// `name.ext`: an extension of 1–5 ASCII letters or digits after a non-empty stem, and no
/// size (`1.17G`).
fn is_file_name(t: &str) -> bool {
    if size_bytes(t).is_some() {
        return false;
    }
    match t.rsplit_once('.') {
        Some((stem, ext)) => {
            !stem.is_empty()
                && !t.contains('/')
                && (1..=5).contains(&ext.len())
                && ext.chars().all(|c| c.is_ascii_alphanumeric())
                && ext.chars().any(|c| c.is_ascii_alphabetic())
        }
        None => false,
    }
}

/// `1.17G`, `312.45M`, `980K`, `1.5 GB`, `1024 字节` → bytes.
fn size_bytes(s: &str) -> Option<u64> {
    let s = s.trim();
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let n: f64 = num.parse().ok()?;
    let mult = match unit.trim().to_ascii_uppercase().as_str() {
        "G" | "GB" | "GIB" => 1024.0 * 1024.0 * 1024.0,
        "M" | "MB" | "MIB" => 1024.0 * 1024.0,
        "K" | "KB" | "KIB" => 1024.0,
        "B" | "字节" => 1.0,
        _ => return None,
    };
    Some((n * mult).round() as u64)
}

/// The cover letter's 另行传送 list: the lines after the one naming it, up to a blank line,
/// each `  {path}  {size}  SHA-256 {hex}`.
fn separate_list(text: &str) -> Vec<MentionedFile> {
    let mut out = Vec::new();
    let mut inside = false;
    for line in text.lines() {
        if line.contains("另行传送") {
            inside = true;
            continue;
        }
        if !inside {
            continue;
        }
        if line.trim().is_empty() {
            inside = false;
            continue;
        }
        let Some((left, hash)) = line.split_once("SHA-256") else {
            continue;
        };
        let hash = hash.trim().trim_start_matches([':', '：']).trim();
        let sha256 = (hash.len() == 64 && hash.chars().all(|c| c.is_ascii_hexdigit()))
            .then(|| hash.to_ascii_lowercase());
        let left = left.trim();
        let (name, size_text) = match left.rsplit_once("  ") {
            Some((name, size)) if size_bytes(size).is_some() => {
                (name.trim().to_owned(), Some(size.trim().to_owned()))
            }
            _ => (left.to_owned(), None),
        };
        out.push(MentionedFile {
            via: Via::Separate,
            approx_bytes: size_text.as_deref().and_then(size_bytes),
            name: Some(name),
            size_text,
            link: None,
            sha256,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_as_mail_providers_print_them() {
        let check = |s: &str, want: Option<u64>| assert_eq!(size_bytes(s), want, "{s}");
        check("1.17G", Some(1_256_277_934));
        check("312.5 MB", Some(327_680_000));
        check("980K", Some(1_003_520));
        check("1024 字节", Some(1024));
        check("2025年07月10日", None);
        check("G", None);
    }

    #[test]
    fn links_keep_their_address_through_html() {
        let h = keep_links(r#"<p>a.mp4 (1M)<A HREF="https://x/y?a=1&amp;b=2">下载</a></p>"#);
        assert!(h.contains("下载 https://x/y?a=1&amp;b=2 </a>"), "{h}");
    }

    #[test]
    fn a_link_to_elsewhere_is_no_mention() {
        assert!(mentioned_files(&["见 https://example.com/a.mp4 1G"]).is_empty());
    }

    #[test]
    fn each_link_takes_the_name_said_since_the_previous_one() {
        let t = "甲.mp4 (1G, 到期)\n进入下载页面：https://wx.mail.qq.com/ftn/download?k=1\n\
                 进入下载页面：https://wx.mail.qq.com/ftn/download?k=2\n";
        let got = mentioned_files(&[t]);
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].name.as_deref(), Some("甲.mp4"));
        assert_eq!(got[0].size_text.as_deref(), Some("1G"));
        assert_eq!(got[1].name, None, "no name of its own: none borrowed");
    }

    #[test]
    fn the_cover_letter_list_gives_path_size_and_hash() {
        let hex = "ab".repeat(32);
        let t = format!(
            "本封附件：\r\n  a.zip  1.0 MB\r\n\r\n以下文件另行传送（QQ 超大附件、网盘或U盘），请按校验值核对：\r\n  \
             微视频/01-金平区-工匠 精神.mp4  312.5 MB  SHA-256 {hex}\r\n\r\n联系人：林\r\n"
        );
        let got = mentioned_files(&[&t]);
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(got[0].via, Via::Separate);
        assert_eq!(
            got[0].name.as_deref(),
            Some("微视频/01-金平区-工匠 精神.mp4")
        );
        assert_eq!(got[0].size_text.as_deref(), Some("312.5 MB"));
        assert_eq!(got[0].sha256.as_deref(), Some(hex.as_str()));
    }
}
