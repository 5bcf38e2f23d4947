//! SMTP with lettre's blocking connection, driven step by step so every outcome is known.
//!
//! - The connection is TLS from the first byte (465) or STARTTLS (587) — never plain — and
//!   trusts Mozilla's roots plus, for an office server with its own CA, one extra root.
//! - Every read and write has a time limit (lettre's blocking connection sets the socket's
//!   timeouts), so a mute server is a Chinese timeout message, not a hang.
//! - The server's `SIZE` is read from the raw EHLO reply (lettre's `ServerInfo` drops it).
//! - A message goes MAIL, RCPT, DATA, body, reply. The body is fed through `message_iter`,
//!   which writes the final `.` only after the iterator is exhausted: a failure before that
//!   means the server cannot have the message (safe to try again), a failure after it means
//!   it may (uncertain — the clerk checks 已发送).

use std::cell::Cell;
use std::error::Error as _;
use std::io;
use std::path::Path;
use std::time::Duration;

use lettre::Address;
use lettre::transport::smtp::Error as SmtpError;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{
    Certificate, CertificateStore, SmtpConnection, TlsParameters,
};
use lettre::transport::smtp::commands::{Data, Ehlo, Mail, Rcpt};
use lettre::transport::smtp::extension::{ClientId, MailBodyParameter, MailParameter};
use lettre::transport::smtp::response::{Response, Severity};

use crate::account::{Account, Security};

/// How long one read or write may take before the line is taken for dead. RFC 5321 allows a
/// server ten minutes for the final reply; a clerk should hear sooner that something is wrong.
pub fn io_timeout() -> Duration {
    std::env::var("BAOSONG_SMTP_TIMEOUT_S")
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
        .filter(|s| *s > 0)
        .map_or(Duration::from_secs(90), Duration::from_secs)
}

/// What went wrong, as the outbox records it: a stable code, a Chinese message saying what to
/// do, and whether retrying can mend it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub code: &'static str,
    pub message: String,
    /// Retrying later can work (offline, busy, 4xx); otherwise the clerk must act.
    pub temporary: bool,
}

impl Failure {
    fn temporary(code: &'static str, message: impl Into<String>) -> Self {
        Failure {
            code,
            message: message.into(),
            temporary: true,
        }
    }

    fn permanent(code: &'static str, message: impl Into<String>) -> Self {
        Failure {
            code,
            message: message.into(),
            temporary: false,
        }
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// An open, logged-in session.
pub struct SmtpSession {
    conn: SmtpConnection,
    /// `SIZE n` from EHLO (None when the server announces no limit).
    pub size_limit: Option<u64>,
}

/// The name we greet with: a fixed ASCII name, since a Chinese Windows' machine name would get
/// a 501 from some servers.
fn hello() -> ClientId {
    ClientId::Domain("localhost".to_owned())
}

fn tls_parameters(account: &Account) -> Result<TlsParameters, Failure> {
    let mut builder = TlsParameters::builder(account.host.clone())
        .certificate_store(CertificateStore::WebpkiRoots);
    if let Some(ca) = account.extra_root() {
        let pem = std::fs::read(Path::new(ca)).map_err(|e| {
            Failure::permanent(
                "mail.ca_file",
                format!(
                    "无法读取证书文件“{ca}”：{}。请在“发件邮箱”中检查证书文件。",
                    crate::fsx::io_reason(&e)
                ),
            )
        })?;
        let cert = Certificate::from_pem(&pem).map_err(|_| {
            Failure::permanent("mail.ca_file", format!("“{ca}”不是有效的证书（PEM）文件。"))
        })?;
        builder = builder.add_root_certificate(cert);
    }
    builder
        .build_rustls()
        .map_err(|e| Failure::permanent("mail.tls", format!("无法建立加密连接的设置：{e}")))
}

/// Connects, says EHLO (STARTTLS first where asked), reads `SIZE` and logs in.
pub fn open(account: &Account, secret: &str) -> Result<SmtpSession, Failure> {
    let tls = tls_parameters(account)?;
    let timeout = Some(io_timeout());
    let addr = (account.host.as_str(), account.port);
    let greet = hello();
    let connect_err = |e: SmtpError| classify_connect(&e, account);
    let mut conn = match account.security {
        Security::Tls => {
            SmtpConnection::connect(addr, timeout, &greet, Some(&tls), None).map_err(connect_err)?
        }
        Security::Starttls => {
            let mut c =
                SmtpConnection::connect(addr, timeout, &greet, None, None).map_err(connect_err)?;
            if !c.can_starttls() {
                c.abort();
                return Err(Failure::permanent(
                    "mail.no_starttls",
                    format!(
                        "服务器 {} 不支持 STARTTLS 加密，为保护授权码，报送助手不会以明文登录。请改用端口 465（SSL）。",
                        account.host
                    ),
                ));
            }
            c.starttls(&tls, &greet).map_err(connect_err)?;
            c
        }
    };
    let ehlo = conn
        .command(Ehlo::new(greet))
        .map_err(|e| classify_connect(&e, account))?;
    let size_limit = ehlo.message().find_map(|line| {
        let mut words = line.split_whitespace();
        if words.next()?.eq_ignore_ascii_case("SIZE") {
            words
                .next()
                .and_then(|n| n.parse::<u64>().ok())
                .filter(|n| *n > 0)
        } else {
            None
        }
    });
    let creds = Credentials::new(account.address.clone(), secret.to_owned());
    // One attempt per connection: lettre would try the next mechanism after a refusal, and
    // every refused login counts towards a provider's lock-out.
    let mechanism = [Mechanism::Plain, Mechanism::Login]
        .into_iter()
        .find(|m| conn.server_info().supports_auth_mechanism(*m))
        .unwrap_or(Mechanism::Plain);
    if let Err(e) = conn.auth(&[mechanism], &creds) {
        conn.abort();
        return Err(classify_auth(&e, account));
    }
    Ok(SmtpSession { conn, size_limit })
}

/// What the outbox says right before DATA.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gate {
    /// Taken: send it.
    Go,
    /// Another sender took it first (a lost compare-and-set): do not send.
    Taken,
    /// The catalog could not say (busy, locked, a disk error): do not send, stop the round.
    Stop,
}

/// What one message came to.
#[derive(Debug)]
pub enum Outcome {
    /// The outbox's gate said stop before DATA: nothing was sent.
    Stopped,
    /// The server's final 2xx, with its text (`250 OK: queued as.`).
    Accepted(String),
    /// It does not have the message.
    Failed(Failure),
    /// The whole message went out and no reply came: it may have arrived.
    Uncertain(String),
}

/// The body in chunks; knows whether the iterator ran out (after which lettre writes the final
/// `.`), and counts the bytes handed to the socket for progress.
struct Tracked<'a> {
    chunks: std::slice::Chunks<'a, u8>,
    last: usize,
    written: &'a Cell<u64>,
    exhausted: &'a Cell<bool>,
    progress: &'a mut dyn FnMut(u64),
}

impl<'a> Iterator for Tracked<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        // Asked again: the previous chunk was written without error.
        if self.last > 0 {
            self.written.set(self.written.get() + self.last as u64);
            (self.progress)(self.written.get());
        }
        match self.chunks.next() {
            Some(c) => {
                self.last = c.len();
                Some(c)
            }
            None => {
                self.last = 0;
                self.exhausted.set(true);
                None
            }
        }
    }
}

const CHUNK: usize = 64 * 1024;

impl SmtpSession {
    /// Sends one formatted message. `before_data` runs right before DATA (the outbox marks the
    /// message `sending` there); unless it says [`Gate::Go`] the message is not sent.
    pub fn send(
        &mut self,
        from: &Address,
        to: &Address,
        formatted: &[u8],
        before_data: &mut dyn FnMut() -> Gate,
        progress: &mut dyn FnMut(u64),
    ) -> Outcome {
        let mut params = Vec::new();
        if self.size_limit.is_some() {
            params.push(MailParameter::Size(formatted.len()));
        }
        if !formatted.is_ascii() {
            params.push(MailParameter::Body(MailBodyParameter::EightBitMime));
        }
        // lettre takes any 2xx or 3xx for success: MAIL and RCPT must be 2xx, DATA a 3xx.
        match self.conn.command(Mail::new(Some(from.clone()), params)) {
            Err(e) => return Outcome::Failed(classify_reply(&e, Step::Mail, to)),
            Ok(r) if r.code().severity != Severity::PositiveCompletion => {
                return Outcome::Failed(unexpected(&r));
            }
            Ok(_) => {}
        }
        match self.conn.command(Rcpt::new(to.clone(), vec![])) {
            Err(e) => return Outcome::Failed(classify_reply(&e, Step::Rcpt, to)),
            Ok(r) if r.code().severity != Severity::PositiveCompletion => {
                return Outcome::Failed(unexpected(&r));
            }
            Ok(_) => {}
        }
        match before_data() {
            Gate::Go => {}
            Gate::Taken => {
                return Outcome::Failed(Failure::temporary(
                    "mail.taken",
                    "这封邮件已由另一个窗口或命令行发送，未重复发送。",
                ));
            }
            Gate::Stop => return Outcome::Stopped,
        }
        match self.conn.command(Data) {
            Err(e) => return Outcome::Failed(classify_reply(&e, Step::Data, to)),
            Ok(r) if r.code().severity != Severity::PositiveIntermediate => {
                return Outcome::Failed(unexpected(&r));
            }
            Ok(_) => {}
        }
        let written = Cell::new(0u64);
        let exhausted = Cell::new(false);
        let body = Tracked {
            chunks: formatted.chunks(CHUNK),
            last: 0,
            written: &written,
            exhausted: &exhausted,
            progress,
        };
        match self.conn.message_iter(body) {
            // Only a 2xx after the final dot is acceptance. A 3xx there is no answer the
            // protocol has: the server has the whole message and may have kept it.
            Ok(reply) if reply.code().severity == Severity::PositiveCompletion => {
                Outcome::Accepted(said(&reply))
            }
            Ok(reply) => Outcome::Uncertain(format!(
                "邮件已全部发出，但服务器的答复（{}）不是“已接收”，无法确定是否已收下。请在发件邮箱的「已发送」中查看是否已发出，再选择“已送达”或“重新发送”。",
                said(&reply)
            )),
            Err(e) if e.is_transient() || e.is_permanent() => {
                Outcome::Failed(classify_reply(&e, Step::Body, to))
            }
            Err(e) if exhausted.get() => Outcome::Uncertain(format!(
                "邮件已全部发出，但没有收到服务器的确认（{}）。请在发件邮箱的「已发送」中查看是否已发出，再选择“已送达”或“重新发送”。",
                short(&e)
            )),
            Err(e) => Outcome::Failed(classify_network(&e)),
        }
    }

    pub fn quit(mut self) {
        let _ = self.conn.quit();
    }
}

/// A reply as the server said it: `250 OK queued as …`.
fn said(reply: &Response) -> String {
    let text: Vec<&str> = reply.message().collect();
    format!("{} {}", u16::from(reply.code()), text.join(" "))
}

/// A reply of the wrong kind before the data went (nothing was sent).
fn unexpected(reply: &Response) -> Failure {
    Failure::permanent(
        "mail.protocol",
        format!(
            "发件服务器的答复不合规范（{}），邮件未发出。请检查“发件邮箱”中的服务器地址和端口是否正确。",
            said(reply)
        ),
    )
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Mail,
    Rcpt,
    Data,
    Body,
}

/// The io::Error at the bottom of a lettre error, if any.
fn io_error(e: &SmtpError) -> Option<&io::Error> {
    let mut src = e.source();
    while let Some(s) = src {
        if let Some(io) = s.downcast_ref::<io::Error>() {
            return Some(io);
        }
        src = s.source();
    }
    None
}

/// lettre's `is_timeout` knows only `TimedOut`; an expired socket timeout on Linux is
/// `WouldBlock` (EAGAIN).
fn is_timeout(e: &SmtpError) -> bool {
    e.is_timeout()
        || matches!(
            io_error(e).map(io::Error::kind),
            Some(io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock)
        )
}

fn short(e: &SmtpError) -> String {
    if is_timeout(e) {
        return format!("{} 秒内没有回应", io_timeout().as_secs());
    }
    match io_error(e) {
        Some(io) => crate::fsx::io_reason(io),
        None => e.to_string(),
    }
}

fn code_of(e: &SmtpError) -> Option<u16> {
    e.status().map(u16::from)
}

fn server_text(e: &SmtpError) -> String {
    e.source().map(|s| s.to_string()).unwrap_or_default()
}

fn classify_network(e: &SmtpError) -> Failure {
    if is_timeout(e) {
        return Failure::temporary(
            "mail.timeout",
            format!(
                "发件服务器 {} 秒内没有回应，网络可能中断。邮件留在发件箱，网络恢复后会自动重发，也可点击“立即重试”。",
                io_timeout().as_secs()
            ),
        );
    }
    Failure::temporary(
        "mail.offline",
        format!(
            "与发件服务器的连接中断（{}）。邮件留在发件箱，网络恢复后会自动重发，也可点击“立即重试”。",
            short(e)
        ),
    )
}

fn classify_connect(e: &SmtpError, account: &Account) -> Failure {
    if e.is_tls() || io_error(e).is_some_and(|io| io.kind() == io::ErrorKind::InvalidData) {
        return Failure::permanent(
            "mail.tls",
            format!(
                "无法与 {} 建立加密连接（证书不受信任或加密方式不符）。请检查服务器地址、端口与加密方式；单位自建服务器请在“发件邮箱”中指定其证书文件。",
                account.host
            ),
        );
    }
    if let Some(code) = code_of(e)
        && e.is_permanent()
    {
        return Failure::permanent(
            "mail.refused",
            format!("发件服务器拒绝连接（{code} {}）。", server_text(e)),
        );
    }
    if is_timeout(e) {
        return Failure::temporary(
            "mail.timeout",
            format!(
                "连接发件服务器 {}:{} 超时（{} 秒），可能没有网络。邮件留在发件箱，网络恢复后会自动重发。",
                account.host,
                account.port,
                io_timeout().as_secs()
            ),
        );
    }
    Failure::temporary(
        "mail.offline",
        format!(
            "无法连接发件服务器 {}:{}（{}）。可能没有网络；邮件留在发件箱，网络恢复后会自动重发。",
            account.host,
            account.port,
            short(e)
        ),
    )
}

/// Any failure during AUTH is about the 授权码 (some servers answer in GBK, which lettre reports
/// as invalid UTF-8): permanent, so no retry storm locks the account.
fn classify_auth(e: &SmtpError, account: &Account) -> Failure {
    if is_timeout(e) || (io_error(e).is_some() && code_of(e).is_none()) {
        return classify_network(e);
    }
    let help = crate::account::preset(&account.preset)
        .map(|p| {
            format!(
                "请重新生成授权码（{}），再在“发件邮箱”中填写。",
                p.secret_help
            )
        })
        .unwrap_or_else(|| "请向邮箱管理员确认 SMTP 密码，再在“发件邮箱”中填写。".into());
    Failure::permanent(
        "mail.auth",
        format!(
            "授权码不正确，发件服务器拒绝登录（{}）。{help}为免邮箱被锁定，在更换授权码之前不会再尝试登录。",
            code_of(e).map_or_else(|| "登录失败".to_owned(), |c| c.to_string())
        ),
    )
}

fn classify_reply(e: &SmtpError, step: Step, to: &Address) -> Failure {
    let Some(code) = code_of(e) else {
        return classify_network(e);
    };
    let text = server_text(e);
    match (code, step) {
        (552, _) | (523, _) => Failure::permanent(
            "mail.too_large",
            format!(
                "这封邮件超过了发件服务器允许的大小（{code} {text}）。请在发件箱中点“调小后重新计划”，按更小的每封大小重新拆分后再发送。"
            ),
        ),
        (550 | 551 | 553 | 501, Step::Rcpt) => Failure::permanent(
            "mail.recipient",
            format!("收件地址 {to} 被拒绝（{code} {text}）。请核对收件邮箱。"),
        ),
        (c, _) if (400..500).contains(&c) => Failure::temporary(
            "mail.busy",
            format!("发件服务器暂时无法处理（{code} {text}），稍后会自动重试。"),
        ),
        _ => Failure::permanent(
            "mail.rejected",
            format!("发件服务器拒绝了这封邮件（{code} {text}）。"),
        ),
    }
}
