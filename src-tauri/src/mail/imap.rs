//! Reading a mailbox over IMAP, read-only: the city's 收取邮件 (INBOX and the junk folder) and
//! a district's question "did this message reach 已发送?".
//!
//! - TLS from the first byte (993) over rustls, trusting Mozilla's roots plus, for an office
//!   server with its own CA, one extra root — never plain, never OpenSSL.
//! - LOGIN with the address and the 授权码, then RFC 2971 `ID` right away (NetEase refuses
//!   SELECT without it; a server that does not know ID may say BAD and we go on).
//! - Folders are found by LIST: INBOX, the junk folder by `\Junk` or else its name (Junk,
//!   垃圾邮件 …, decoded from modified UTF-7), the sent folder by `\Sent` or else its name
//!   (QQ's "Sent Messages").
//! - Nothing on the server changes: folders are opened with EXAMINE, messages fetched with
//!   `BODY.PEEK[]` (no `\Seen`), nothing is stored, moved or expunged.
//! - Only what is new is read: the caller keeps `(folder, UIDVALIDITY, last UID)` per folder
//!   ([`FolderState`]); a changed UIDVALIDITY means the old UIDs mean nothing and the folder is
//!   read from the start. Messages are fetched one UID per command in ascending order (plain
//!   UID sets: QQ has answered BAD to complex ones) and each is handed to the caller's callback
//!   as soon as it has arrived whole, so at most one message is in memory and, after a drop,
//!   every message up to the last complete UID is the caller's and the next run goes on after
//!   it.
//! - Every read has a time limit (`BAOSONG_IMAP_TIMEOUT_S`, as SMTP's), and every failure is an
//!   [`ImapError`] with a stable code and a Chinese message.
//!
//! Why async-imap: it is the maintained IMAP client (Delta Chat's, released steadily; `ID`,
//! `EXAMINE`, UID commands, special-use attributes from imap-proto); the synchronous `imap`
//! crate has been a 3.0 alpha for years and looks for maintainers, and its rustls feature
//! goes through rustls-connector, which has no place for an office's own root. The core is
//! blocking (jobs run on threads), so each [`Session`] owns a current-thread tokio runtime and
//! every call drives it with `block_on`; no runtime escapes this file. Commands whose end
//! matters (UID SEARCH, UID FETCH) are driven response by response, so a tagged NO/BAD or a
//! connection that ends early is never mistaken for "nothing more".

use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use async_imap::imap_proto::{AttributeValue, MailboxDatum, NameAttribute, Response, Status};
use futures_util::StreamExt;
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;
use tokio_rustls::rustls;

/// How long one read may take before the line is taken for dead (as SMTP's
/// `BAOSONG_SMTP_TIMEOUT_S`).
pub fn io_timeout() -> Duration {
    std::env::var("BAOSONG_IMAP_TIMEOUT_S")
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
        .filter(|s| *s > 0)
        .map_or(Duration::from_secs(90), Duration::from_secs)
}

/// Where the mailbox is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Server {
    pub host: String,
    pub port: u16,
    /// An extra root certificate (PEM) to trust, for an office server with its own CA (see
    /// `Account::extra_root`: a preset never has one).
    pub extra_root: Option<String>,
    /// The limit for each read.
    pub timeout: Duration,
}

impl Server {
    pub fn new(host: impl Into<String>, port: u16) -> Server {
        Server {
            host: host.into(),
            port,
            extra_root: None,
            timeout: io_timeout(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ImapError {
    #[error("无法读取证书文件“{file}”：{reason}。请在“邮箱设置”中检查证书文件。")]
    CaFile { file: String, reason: String },
    #[error("无法连接收件服务器 {host}:{port}（{reason}）。可能没有网络，请稍后再收取。")]
    Offline {
        host: String,
        port: u16,
        reason: String,
    },
    #[error(
        "无法与收件服务器 {0} 建立加密连接（证书不受信任或加密方式不符）。请检查收件服务器地址和端口（QQ邮箱为 imap.qq.com，端口 993）。"
    )]
    Tls(String),
    #[error(
        "收件服务器 {0} 秒内没有回应，网络可能中断。已完整收到的邮件已保存，下次收取会接着收。"
    )]
    Timeout(u64),
    #[error(
        "授权码不正确，收件服务器拒绝登录（{0}）。请确认邮箱已开启 IMAP 服务，并填写授权码（不是邮箱登录密码）。"
    )]
    Auth(String),
    #[error("与收件服务器的连接中断（{0}）。已完整收到的邮件已保存，下次收取会从中断处继续。")]
    Dropped(String),
    #[error("收件服务器拒绝了请求（{command}：{text}）。")]
    Refused { command: String, text: String },
    #[error("收件服务器的答复无法识别（{0}）。请检查收件服务器地址和端口是否正确。")]
    Protocol(String),
    #[error("收件服务器上找不到收件箱（INBOX）。请检查收件服务器地址是否正确。")]
    NoInbox,
    #[error("无法保存收到的邮件：{0}。请检查磁盘空间和资料库文件夹的权限后再收取。")]
    Keep(String),
}

impl crate::coded::Coded for ImapError {
    fn code(&self) -> &'static str {
        match self {
            ImapError::CaFile { .. } => "mail.imap.ca_file",
            ImapError::Offline { .. } => "mail.imap.offline",
            ImapError::Tls(_) => "mail.imap.tls",
            ImapError::Timeout(_) => "mail.imap.timeout",
            ImapError::Auth(_) => "mail.imap.auth",
            ImapError::Dropped(_) => "mail.imap.dropped",
            ImapError::Refused { .. } => "mail.imap.refused",
            ImapError::Protocol(_) => "mail.imap.protocol",
            ImapError::NoInbox => "mail.imap.no_inbox",
            ImapError::Keep(_) => "mail.imap.keep",
        }
    }

    fn is_input(&self) -> bool {
        matches!(self, ImapError::CaFile { .. } | ImapError::Auth(_))
    }
}

impl ImapError {
    /// Trying again later can mend it (the line, the server's mood), as opposed to a setting.
    pub fn is_temporary(&self) -> bool {
        matches!(
            self,
            ImapError::Offline { .. } | ImapError::Timeout(_) | ImapError::Dropped(_)
        )
    }
}

/// What a folder is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Inbox,
    Junk,
    Sent,
}

/// A folder as LIST gave it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Folder {
    /// The name on the wire (modified UTF-7): what EXAMINE takes and what state is kept by.
    pub raw: String,
    /// The name for people (decoded).
    pub name: String,
    pub role: Option<Role>,
}

/// The folders that matter, found by LIST.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Folders {
    pub inbox: Folder,
    pub junk: Option<Folder>,
    pub sent: Option<Folder>,
    /// Every selectable folder, in the server's order.
    pub all: Vec<Folder>,
}

/// What the caller keeps per folder between runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FolderState {
    /// The folder's raw (wire) name.
    pub folder: String,
    pub uid_validity: u32,
    /// The highest UID read whole; 0 before the first.
    pub last_uid: u32,
}

/// One whole message, as it arrived.
#[derive(Debug)]
pub struct Message<'a> {
    pub folder: &'a str,
    pub uid_validity: u32,
    pub uid: u32,
    /// The RFC 5322 bytes, exactly as the server holds them.
    pub bytes: &'a [u8],
    /// Its place among this read's new messages of the folder: the `position`-th (from 0) of
    /// `count`.
    pub position: usize,
    pub count: usize,
}

/// What one read of a folder came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetched {
    /// Where the next run starts.
    pub state: FolderState,
    /// The UIDs handed to the callback, in order.
    pub uids: Vec<u32>,
    /// The folder's UIDVALIDITY had changed: it was read from the start.
    pub restarted: bool,
}

/// A read that stopped part-way: what was read whole before it stopped, and why.
#[derive(Debug)]
pub struct Interrupted {
    pub fetched: Fetched,
    pub error: ImapError,
}

impl Message<'_> {
    /// The file name a message is kept under: its folder's UIDVALIDITY and its UID, so one
    /// message is one file however often it is fetched, and a new UIDVALIDITY never overwrites.
    pub fn file_name(&self) -> String {
        format!("{}-{}.eml", self.uid_validity, self.uid)
    }
}

/// A callback for [`Session::fetch_new`] that writes each message to `dir` as it arrives
/// (`<uidvalidity>-<uid>.eml`, temp → fsync → rename, then the folder synced): a file there is
/// always a whole message, and a message is counted only once its file is on disk.
pub fn save_to(dir: &Path) -> impl FnMut(&Message<'_>) -> io::Result<()> + '_ {
    move |m| {
        std::fs::create_dir_all(dir)?;
        crate::fsx::write_atomic(&dir.join(m.file_name()), m.bytes)?;
        crate::fsx::sync_dir(dir)
    }
}

type Inner = async_imap::Session<TlsStream<TcpStream>>;

/// A logged-in connection. Dropped without [`Session::logout`] it simply closes.
pub struct Session {
    rt: tokio::runtime::Runtime,
    inner: Inner,
    timeout: Duration,
    /// After a timeout or a drop the connection's state is unknown: every later call fails.
    broken: bool,
    /// What the server said of itself in answer to ID (empty if it said nothing).
    pub server_id: HashMap<String, String>,
}

/// Connects with TLS, logs in with `address` and the 授权码, and sends ID.
pub fn connect(server: &Server, address: &str, secret: &str) -> Result<Session, ImapError> {
    let config = tls_config(server)?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .enable_time()
        .build()
        .map_err(|e| ImapError::Offline {
            host: server.host.clone(),
            port: server.port,
            reason: crate::fsx::io_reason(&e),
        })?;
    let t = server.timeout;
    let (inner, server_id) = rt.block_on(async {
        let offline = |e: io::Error| ImapError::Offline {
            host: server.host.clone(),
            port: server.port,
            reason: crate::fsx::io_reason(&e),
        };
        let tcp = timed(t, TcpStream::connect((server.host.as_str(), server.port)))
            .await?
            .map_err(offline)?;
        let name = rustls::pki_types::ServerName::try_from(server.host.clone())
            .map_err(|_| ImapError::Tls(server.host.clone()))?;
        let tls = timed(t, TlsConnector::from(Arc::new(config)).connect(name, tcp))
            .await?
            .map_err(|e| {
                if e.kind() == io::ErrorKind::InvalidData {
                    ImapError::Tls(server.host.clone())
                } else {
                    offline(e)
                }
            })?;
        let mut client = async_imap::Client::new(tls);
        match timed(t, client.read_response()).await? {
            Ok(Some(greeting)) => {
                if let Response::Data {
                    status: Status::Bye,
                    outcome,
                } = greeting.parsed()
                {
                    return Err(ImapError::Refused {
                        command: "连接".into(),
                        text: outcome.information.as_deref().unwrap_or("BYE").to_owned(),
                    });
                }
            }
            Ok(None) => return Err(ImapError::Dropped("服务器没有问候就关闭了连接".into())),
            Err(e) => return Err(from_io(&e)),
        }
        let mut inner = match timed(t, client.login(address, secret)).await? {
            Ok(s) => s,
            Err((async_imap::error::Error::No(text), _))
            | Err((async_imap::error::Error::Bad(text), _)) => {
                return Err(ImapError::Auth(short_text(&text)));
            }
            Err((e, _)) => return Err(from_imap(&e, "LOGIN")),
        };
        // RFC 2971: who we are. NetEase refuses SELECT until it has heard this.
        let version = env!("CARGO_PKG_VERSION");
        let said = timed(
            t,
            inner.id([
                ("name", Some("Baosong")),
                ("version", Some(version)),
                ("vendor", Some("Baosong")),
            ]),
        )
        .await?;
        let server_id = match said {
            Ok(map) => map.unwrap_or_default(),
            // A server without ID says NO or BAD: go on without it.
            Err(async_imap::error::Error::No(_) | async_imap::error::Error::Bad(_)) => {
                HashMap::new()
            }
            Err(e) => return Err(from_imap(&e, "ID")),
        };
        Ok((inner, server_id))
    })?;
    Ok(Session {
        rt,
        inner,
        timeout: t,
        broken: false,
        server_id,
    })
}

fn tls_config(server: &Server) -> Result<rustls::ClientConfig, ImapError> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    if let Some(ca) = &server.extra_root {
        let bad = |reason: String| ImapError::CaFile {
            file: ca.clone(),
            reason,
        };
        let pem = std::fs::read(Path::new(ca)).map_err(|e| bad(crate::fsx::io_reason(&e)))?;
        let mut added = 0;
        for cert in CertificateDer::pem_slice_iter(&pem) {
            let cert = cert.map_err(|_| bad("不是有效的证书（PEM）文件".into()))?;
            roots
                .add(cert)
                .map_err(|_| bad("不是有效的证书（PEM）文件".into()))?;
            added += 1;
        }
        if added == 0 {
            return Err(bad("文件中没有证书（PEM）".into()));
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| ImapError::Tls(e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(config)
}

async fn timed<F: Future>(t: Duration, f: F) -> Result<F::Output, ImapError> {
    tokio::time::timeout(t, f)
        .await
        .map_err(|_| ImapError::Timeout(t.as_secs()))
}

/// A server's text, short enough for a message to the clerk.
fn short_text(s: &str) -> String {
    let s = s.trim();
    if s.chars().count() > 120 {
        s.chars().take(120).collect::<String>() + "…"
    } else {
        s.to_owned()
    }
}

fn from_io(e: &io::Error) -> ImapError {
    match e.kind() {
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => {
            ImapError::Dropped(crate::fsx::io_reason(e))
        }
        io::ErrorKind::InvalidData if e.get_ref().is_some_and(|r| r.is::<rustls::Error>()) => {
            ImapError::Dropped(format!("加密连接出错：{e}"))
        }
        io::ErrorKind::UnexpectedEof => ImapError::Dropped("连接被关闭".into()),
        io::ErrorKind::Other if e.to_string().contains("during parsing") => {
            ImapError::Protocol(short_text(&e.to_string()))
        }
        _ => ImapError::Dropped(crate::fsx::io_reason(e)),
    }
}

fn from_imap(e: &async_imap::error::Error, command: &str) -> ImapError {
    use async_imap::error::Error;
    match e {
        Error::Io(io) => from_io(io),
        Error::ConnectionLost => ImapError::Dropped("连接被关闭".into()),
        Error::No(text) | Error::Bad(text) => ImapError::Refused {
            command: command.to_owned(),
            text: short_text(text),
        },
        other => ImapError::Protocol(short_text(&other.to_string())),
    }
}

/// Decodes a folder name from IMAP's modified UTF-7 (RFC 3501 §5.1.3): `&`…`-` holds UTF-16
/// in base64 with `,` for `/`; `&-` is `&`. A name that does not decode is shown as it came.
pub fn decode_folder_name(raw: &str) -> String {
    use base64::Engine;
    let engine = base64::engine::general_purpose::STANDARD_NO_PAD;
    let mut out = String::new();
    let mut rest = raw;
    while let Some(start) = rest.find('&') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        let Some(end) = after.find('-') else {
            return raw.to_owned();
        };
        let b64 = &after[..end];
        if b64.is_empty() {
            out.push('&');
        } else {
            let Ok(bytes) = engine.decode(b64.replace(',', "/")) else {
                return raw.to_owned();
            };
            if bytes.len() % 2 != 0 {
                return raw.to_owned();
            }
            let units: Vec<u16> = bytes
                .chunks_exact(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]))
                .collect();
            match String::from_utf16(&units) {
                Ok(s) => out.push_str(&s),
                Err(_) => return raw.to_owned(),
            }
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}

/// Names that mean the junk folder or the sent folder where the server marks neither.
const JUNK_NAMES: &[&str] = &[
    "junk",
    "junk e-mail",
    "junk email",
    "spam",
    "垃圾邮件",
    "垃圾箱",
];
const SENT_NAMES: &[&str] = &["sent messages", "sent", "sent items", "sent mail", "已发送"];

/// The roles of LIST's answer: attributes first, names where no folder has the attribute.
fn assign_roles(listed: Vec<(String, Option<String>, Vec<Role>)>) -> Option<Folders> {
    let mut all: Vec<Folder> = listed
        .iter()
        .map(|(raw, _, attr_roles)| Folder {
            raw: raw.clone(),
            name: decode_folder_name(raw),
            role: if raw.eq_ignore_ascii_case("INBOX") {
                Some(Role::Inbox)
            } else {
                attr_roles.first().copied()
            },
        })
        .collect();
    let leaf = |f: &Folder, delim: &Option<String>| -> String {
        let name = match delim.as_deref() {
            Some(d) if !d.is_empty() => f.name.rsplit(d).next().unwrap_or(&f.name),
            _ => f.name.as_str(),
        };
        name.trim().to_lowercase()
    };
    for (role, names) in [(Role::Junk, JUNK_NAMES), (Role::Sent, SENT_NAMES)] {
        if all.iter().any(|f| f.role == Some(role)) {
            continue;
        }
        // The first name in our list's order wins ("Sent Messages" before "Sent").
        let pick = names.iter().find_map(|want| {
            all.iter().position(|f| {
                f.role.is_none()
                    && listed
                        .iter()
                        .find(|(raw, _, _)| *raw == f.raw)
                        .is_some_and(|(_, d, _)| leaf(f, d) == *want)
            })
        });
        if let Some(i) = pick {
            all[i].role = Some(role);
        }
    }
    let find = |role| all.iter().find(|f| f.role == Some(role)).cloned();
    Some(Folders {
        inbox: find(Role::Inbox)?,
        junk: find(Role::Junk),
        sent: find(Role::Sent),
        all: all.clone(),
    })
}

/// Quotes a string for a command line (RFC 3501 quoted); refuses CR and LF.
fn quoted(s: &str) -> Option<String> {
    if s.contains(['\r', '\n']) {
        return None;
    }
    Some(format!(
        "\"{}\"",
        s.replace('\\', "\\\\").replace('"', "\\\"")
    ))
}

impl Session {
    fn check(&self) -> Result<(), ImapError> {
        if self.broken {
            Err(ImapError::Dropped("连接已不可用，请重新收取".into()))
        } else {
            Ok(())
        }
    }

    /// Marks the connection unusable after an error that leaves it in an unknown state.
    fn note<T>(&mut self, r: Result<T, ImapError>) -> Result<T, ImapError> {
        if let Err(e) = &r
            && matches!(
                e,
                ImapError::Timeout(_) | ImapError::Dropped(_) | ImapError::Protocol(_)
            )
        {
            self.broken = true;
        }
        r
    }

    /// LIST: INBOX, the junk folder and the sent folder, and every selectable folder.
    pub fn folders(&mut self) -> Result<Folders, ImapError> {
        self.check()?;
        let t = self.timeout;
        let Session { rt, inner, .. } = self;
        let r = rt.block_on(async {
            let mut listed = Vec::new();
            let mut names = timed(t, inner.list(Some(""), Some("*")))
                .await?
                .map_err(|e| from_imap(&e, "LIST"))?;
            while let Some(name) = timed(t, names.next()).await? {
                let name = name.map_err(|e| from_imap(&e, "LIST"))?;
                let attrs = name.attributes();
                if attrs.iter().any(|a| matches!(a, NameAttribute::NoSelect)) {
                    continue;
                }
                let roles = attrs
                    .iter()
                    .filter_map(|a| match a {
                        NameAttribute::Junk => Some(Role::Junk),
                        NameAttribute::Sent => Some(Role::Sent),
                        _ => None,
                    })
                    .collect();
                listed.push((
                    name.name().to_owned(),
                    name.delimiter().map(str::to_owned),
                    roles,
                ));
            }
            assign_roles(listed).ok_or(ImapError::NoInbox)
        });
        self.note(r)
    }

    /// EXAMINE (read-only): the folder's UIDVALIDITY.
    async fn examine(inner: &mut Inner, t: Duration, folder: &str) -> Result<u32, ImapError> {
        let mailbox = timed(t, inner.examine(folder))
            .await?
            .map_err(|e| from_imap(&e, "EXAMINE"))?;
        mailbox
            .uid_validity
            .ok_or_else(|| ImapError::Protocol(format!("“{folder}”没有 UIDVALIDITY")))
    }

    /// UID SEARCH, driven to its tagged end: the UIDs, ascending.
    async fn uid_search(
        inner: &mut Inner,
        t: Duration,
        query: &str,
    ) -> Result<Vec<u32>, ImapError> {
        let tag = timed(t, inner.run_command(format!("UID SEARCH {query}")))
            .await?
            .map_err(|e| from_imap(&e, "UID SEARCH"))?;
        let mut uids = Vec::new();
        loop {
            let resp = timed(t, inner.read_response())
                .await?
                .map_err(|e| from_io(&e))?
                .ok_or_else(|| ImapError::Dropped("连接被关闭".into()))?;
            match resp.parsed() {
                Response::MailboxData(MailboxDatum::Search(found)) => {
                    uids.extend(found.iter().copied())
                }
                Response::Done {
                    tag: done,
                    status,
                    outcome,
                } if *done == tag => {
                    if *status != Status::Ok {
                        return Err(ImapError::Refused {
                            command: "UID SEARCH".into(),
                            text: short_text(outcome.information.as_deref().unwrap_or("")),
                        });
                    }
                    break;
                }
                Response::Data {
                    status: Status::Bye,
                    outcome,
                } => {
                    return Err(ImapError::Dropped(short_text(
                        outcome.information.as_deref().unwrap_or("BYE"),
                    )));
                }
                _ => {}
            }
        }
        uids.sort_unstable();
        uids.dedup();
        Ok(uids)
    }

    /// Reads what is new in `folder` since `since` (None, or another folder's state, or a stale
    /// UIDVALIDITY: from the start), handing each whole message to `on_message` in UID order.
    /// A callback error stops the read; that message does not count as read.
    pub fn fetch_new(
        &mut self,
        folder: &Folder,
        since: Option<&FolderState>,
        on_message: &mut dyn FnMut(&Message<'_>) -> io::Result<()>,
    ) -> Result<Fetched, Interrupted> {
        let mut fetched = Fetched {
            state: FolderState {
                folder: folder.raw.clone(),
                uid_validity: 0,
                last_uid: 0,
            },
            uids: Vec::new(),
            restarted: false,
        };
        if let Err(error) = self.check() {
            return Err(Interrupted { fetched, error });
        }
        let t = self.timeout;
        let Session { rt, inner, .. } = self;
        let r = rt.block_on(async {
            let validity = Self::examine(inner, t, &folder.raw).await?;
            fetched.state.uid_validity = validity;
            match since.filter(|s| s.folder == folder.raw) {
                Some(s) if s.uid_validity == validity => fetched.state.last_uid = s.last_uid,
                Some(_) => fetched.restarted = true,
                None => {}
            }
            let after = fetched.state.last_uid;
            // `n:*` always includes the highest UID, even below n: keep only what is new.
            let uids: Vec<u32> = Self::uid_search(inner, t, &format!("UID {}:*", after + 1))
                .await?
                .into_iter()
                .filter(|u| *u > after)
                .collect();
            let count = uids.len();
            for (position, uid) in uids.into_iter().enumerate() {
                let got = Self::fetch_one(inner, t, uid, &mut |bytes| {
                    on_message(&Message {
                        folder: &folder.raw,
                        uid_validity: validity,
                        uid,
                        bytes,
                        position,
                        count,
                    })
                })
                .await?;
                if got {
                    fetched.uids.push(uid);
                }
                // Read whole, or gone from the server meanwhile: either way done with.
                fetched.state.last_uid = uid;
            }
            Ok(())
        });
        match self.note(r) {
            Ok(()) => Ok(fetched),
            Err(error) => Err(Interrupted { fetched, error }),
        }
    }

    /// `UID FETCH uid (UID BODY.PEEK[])`, driven to its tagged end. True when the message came
    /// (false: it was expunged meanwhile).
    async fn fetch_one(
        inner: &mut Inner,
        t: Duration,
        uid: u32,
        keep: &mut dyn FnMut(&[u8]) -> io::Result<()>,
    ) -> Result<bool, ImapError> {
        let tag = timed(
            t,
            inner.run_command(format!("UID FETCH {uid} (UID BODY.PEEK[])")),
        )
        .await?
        .map_err(|e| from_imap(&e, "UID FETCH"))?;
        let mut got = false;
        loop {
            let resp = timed(t, inner.read_response())
                .await?
                .map_err(|e| from_io(&e))?
                .ok_or_else(|| ImapError::Dropped("连接被关闭".into()))?;
            match resp.parsed() {
                Response::Fetch(_, attrs) => {
                    let this_uid = attrs.iter().find_map(|a| match a {
                        AttributeValue::Uid(u) => Some(*u),
                        _ => None,
                    });
                    let body = attrs.iter().find_map(|a| match a {
                        AttributeValue::BodySection {
                            section: None,
                            data,
                            ..
                        } => Some(data.as_deref().unwrap_or_default()),
                        _ => None,
                    });
                    // A FETCH for another message (a flag change the server reports) is not ours.
                    if let (Some(u), Some(bytes)) = (this_uid, body)
                        && u == uid
                        && !got
                    {
                        keep(bytes).map_err(|e| ImapError::Keep(crate::fsx::io_reason(&e)))?;
                        got = true;
                    }
                }
                Response::Done {
                    tag: done,
                    status,
                    outcome,
                } if *done == tag => {
                    if *status != Status::Ok && !got {
                        return Err(ImapError::Refused {
                            command: "UID FETCH".into(),
                            text: short_text(outcome.information.as_deref().unwrap_or("")),
                        });
                    }
                    return Ok(got);
                }
                Response::Data {
                    status: Status::Bye,
                    outcome,
                } => {
                    return Err(ImapError::Dropped(short_text(
                        outcome.information.as_deref().unwrap_or("BYE"),
                    )));
                }
                _ => {}
            }
        }
    }

    /// The UIDs in `folder` of messages whose Message-ID header is `message_id` (with or without
    /// its angle brackets), for `outbox check-sent`.
    pub fn find_message_id(
        &mut self,
        folder: &Folder,
        message_id: &str,
    ) -> Result<Vec<u32>, ImapError> {
        self.check()?;
        let id = message_id
            .trim()
            .trim_start_matches('<')
            .trim_end_matches('>');
        let Some(q) = quoted(&format!("<{id}>")) else {
            return Ok(Vec::new());
        };
        let t = self.timeout;
        let Session { rt, inner, .. } = self;
        let r = rt.block_on(async {
            Self::examine(inner, t, &folder.raw).await?;
            Self::uid_search(inner, t, &format!("HEADER Message-ID {q}")).await
        });
        self.note(r)
    }

    /// Says goodbye (best effort: the connection closes either way).
    pub fn logout(mut self) {
        if self.broken {
            return;
        }
        let t = self.timeout;
        let Session { rt, inner, .. } = &mut self;
        let _ = rt.block_on(timed(t, inner.logout()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folder_names_decode_from_modified_utf7() {
        for (raw, want) in [
            ("INBOX", "INBOX"),
            ("&V4NXPpCuTvY-", "垃圾邮件"),
            ("&XfJT0ZAB-", "已发送"),
            ("Tom &- Jerry", "Tom & Jerry"),
            ("Sent Messages", "Sent Messages"),
            ("&ZeVnLIqe-/&U,BTFw-", "日本語/台北"),
            // Not valid modified UTF-7: shown as it came.
            ("&Jjo", "&Jjo"),
            ("&AGE", "&AGE"),
        ] {
            assert_eq!(decode_folder_name(raw), want, "{raw}");
        }
    }

    fn folders(listed: &[(&str, &[Role])]) -> Folders {
        assign_roles(
            listed
                .iter()
                .map(|(raw, roles)| ((*raw).to_owned(), Some("/".to_owned()), roles.to_vec()))
                .collect(),
        )
        .expect("an inbox")
    }

    #[test]
    fn roles_come_from_attributes_first_then_from_names() {
        // QQ: no special-use, English names.
        let qq = folders(&[
            ("INBOX", &[]),
            ("Sent Messages", &[]),
            ("Drafts", &[]),
            ("Deleted Messages", &[]),
            ("Junk", &[]),
        ]);
        assert_eq!(qq.inbox.raw, "INBOX");
        assert_eq!(qq.junk.as_ref().map(|f| f.raw.as_str()), Some("Junk"));
        assert_eq!(
            qq.sent.as_ref().map(|f| f.raw.as_str()),
            Some("Sent Messages")
        );
        // NetEase: Chinese names in modified UTF-7.
        let netease = folders(&[("INBOX", &[]), ("&XfJT0ZAB-", &[]), ("&V4NXPpCuTvY-", &[])]);
        assert_eq!(
            netease.junk.as_ref().map(|f| f.name.as_str()),
            Some("垃圾邮件")
        );
        assert_eq!(
            netease.sent.as_ref().map(|f| f.name.as_str()),
            Some("已发送")
        );
        // The attribute wins over a name.
        let marked = folders(&[
            ("inbox", &[]),
            ("Junk", &[]),
            ("Spam-Box", &[Role::Junk]),
            ("Sent", &[]),
            ("Outgoing", &[Role::Sent]),
        ]);
        assert_eq!(marked.inbox.raw, "inbox");
        assert_eq!(
            marked.junk.as_ref().map(|f| f.raw.as_str()),
            Some("Spam-Box")
        );
        assert_eq!(
            marked.sent.as_ref().map(|f| f.raw.as_str()),
            Some("Outgoing")
        );
        // No INBOX: no folders.
        assert!(assign_roles(vec![("Junk".into(), None, vec![])]).is_none());
    }

    #[test]
    fn a_search_string_is_quoted_and_never_carries_a_line_break() {
        assert_eq!(
            quoted("<a\"b\\c@x>").as_deref(),
            Some("\"<a\\\"b\\\\c@x>\"")
        );
        assert_eq!(quoted("<a@x>\r\nA1 DELETE INBOX"), None);
    }

    #[test]
    fn every_error_has_a_code_and_chinese_words() {
        use crate::coded::Coded;
        let errors = [
            ImapError::Auth("AUTHENTICATIONFAILED".into()),
            ImapError::Timeout(3),
            ImapError::Dropped("连接被关闭".into()),
            ImapError::NoInbox,
        ];
        for e in errors {
            assert!(e.code().starts_with("mail.imap."));
            assert!(
                e.to_string()
                    .chars()
                    .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
            );
        }
        assert!(ImapError::Auth(String::new()).is_input());
        assert!(ImapError::Dropped(String::new()).is_temporary());
    }
}
