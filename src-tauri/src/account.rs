//! The office's sending mailbox: presets with the providers' real hosts, and the account as
//! the library stores it (never with its secret; see `mail::secret`).

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// How the connection is protected. Never plain: a 授权码 must not cross the line in clear.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "kebab-case")]
pub enum Security {
    /// TLS from the first byte (port 465, `smtps`).
    Tls,
    /// Plain, then STARTTLS before anything else (port 587); refuses a server without it.
    Starttls,
}

/// A provider the clerk picks instead of typing a server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Preset {
    pub id: &'static str,
    pub name: &'static str,
    pub host: &'static str,
    pub port: u16,
    pub security: Security,
    /// The provider's known limit for one whole message (encoded), when its server does not
    /// announce one: used until 测试连接 reads the server's own `SIZE`.
    #[ts(type = "number | null")]
    pub size_limit: Option<u64>,
    /// Where the clerk gets the 授权码 (the mailbox password does not work for SMTP).
    pub secret_help: &'static str,
    /// The provider's IMAP server (implicit TLS, port 993): the same 授权码 reads the sent
    /// folder (`outbox check-sent`) and, for the municipal office, the inbox.
    pub imap_host: &'static str,
}

const MIB: u64 = 1024 * 1024;

/// The providers district offices use, with the hosts and ports they publish.
pub const PRESETS: &[Preset] = &[
    Preset {
        id: "qq",
        name: "QQ 邮箱",
        host: "smtp.qq.com",
        port: 465,
        security: Security::Tls,
        size_limit: Some(70 * MIB),
        secret_help: "QQ邮箱网页版：设置 → 账户 → POP3/IMAP/SMTP/Exchange/CardDAV/CalDAV服务 → 开启服务 → 生成授权码",
        imap_host: "imap.qq.com",
    },
    Preset {
        id: "163",
        name: "网易 163 邮箱",
        host: "smtp.163.com",
        port: 465,
        security: Security::Tls,
        size_limit: Some(50 * MIB),
        secret_help: "163邮箱网页版：设置 → POP3/SMTP/IMAP → 开启 SMTP 服务，按提示获取授权码",
        imap_host: "imap.163.com",
    },
    Preset {
        id: "126",
        name: "网易 126 邮箱",
        host: "smtp.126.com",
        port: 465,
        security: Security::Tls,
        size_limit: Some(50 * MIB),
        secret_help: "126邮箱网页版：设置 → POP3/SMTP/IMAP → 开启 SMTP 服务，按提示获取授权码",
        imap_host: "imap.126.com",
    },
    Preset {
        id: "139",
        name: "139 邮箱",
        host: "smtp.139.com",
        port: 465,
        security: Security::Tls,
        size_limit: Some(50 * MIB),
        secret_help: "139邮箱网页版：设置 → 常用设置 → 邮箱协议设置 → 开启 SMTP 服务并获取授权码",
        imap_host: "imap.139.com",
    },
    Preset {
        id: "sina",
        name: "新浪邮箱",
        host: "smtp.sina.com",
        port: 465,
        security: Security::Tls,
        size_limit: Some(50 * MIB),
        secret_help: "新浪邮箱网页版：设置 → 客户端 pop/imap/smtp → 开启 SMTP 服务并获取授权码",
        imap_host: "imap.sina.com",
    },
    Preset {
        id: "exmail",
        name: "腾讯企业邮箱",
        host: "smtp.exmail.qq.com",
        port: 465,
        security: Security::Tls,
        size_limit: Some(50 * MIB),
        secret_help: "腾讯企业邮箱：设置 → 客户端设置 → 开启安全登录 → 生成客户端专用密码",
        imap_host: "imap.exmail.qq.com",
    },
    Preset {
        id: "aliyun",
        name: "阿里企业邮箱",
        host: "smtp.qiye.aliyun.com",
        port: 465,
        security: Security::Tls,
        size_limit: Some(50 * MIB),
        secret_help: "阿里企业邮箱：设置 → 账户与安全 → 开启 SMTP，并生成三方客户端安全密码",
        imap_host: "imap.qiye.aliyun.com",
    },
];

/// IMAP over implicit TLS.
pub const IMAP_TLS_PORT: u16 = 993;

/// The id of a server the clerk types in.
pub const CUSTOM: &str = "custom";

pub fn preset(id: &str) -> Option<&'static Preset> {
    PRESETS.iter().find(|p| p.id == id)
}

/// The sending account as stored in the library (no secret here, ever).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Account {
    /// A preset id or `custom`.
    pub preset: String,
    pub address: String,
    /// Shown as the sender's name (the office's name).
    pub display_name: String,
    pub host: String,
    pub port: u16,
    pub security: Security,
    /// An extra root certificate (PEM) to trust, for an office server with its own CA.
    pub ca_file: Option<String>,
    /// Ask for a read receipt (`Disposition-Notification-To`).
    pub read_receipt: bool,
    /// The limit the server announced in EHLO (`SIZE`) at the last 测试连接.
    #[ts(type = "number | null")]
    pub server_size: Option<u64>,
    /// A limit the clerk set by hand.
    #[ts(type = "number | null")]
    pub manual_size: Option<u64>,
    /// The IMAP server of a custom account (a preset's is known); absent in older libraries.
    #[serde(default)]
    pub imap_host: Option<String>,
    #[serde(default)]
    pub imap_port: Option<u16>,
}

/// Where the message limit comes from, in order of trust.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "kebab-case")]
pub enum LimitSource {
    /// The server's own `SIZE`.
    Server,
    /// The provider's published figure.
    Preset,
    /// What the clerk set.
    Manual,
    /// QQ 邮箱's figure, when nothing else is known.
    Default,
}

impl Account {
    /// The limit for one whole encoded message and where it comes from: the server's
    /// announced `SIZE`, else the preset's figure, else what the clerk set, else QQ's.
    pub fn message_limit(&self) -> (u64, LimitSource) {
        if let Some(n) = self.server_size.filter(|n| *n > 0) {
            return (n, LimitSource::Server);
        }
        if let Some(n) = preset(&self.preset).and_then(|p| p.size_limit) {
            return (n, LimitSource::Preset);
        }
        if let Some(n) = self.manual_size.filter(|n| *n > 0) {
            return (n, LimitSource::Manual);
        }
        (70 * MIB, LimitSource::Default)
    }

    /// The extra root certificate the TLS connection trusts: only a custom server may add one.
    /// A preset (QQ, 163 …) trusts the system's roots alone, whatever a catalog says, so a
    /// network in the middle can never read the 授权码.
    pub fn extra_root(&self) -> Option<&str> {
        if self.preset == CUSTOM {
            self.ca_file.as_deref()
        } else {
            None
        }
    }

    /// The IMAP server (host, port) the same 授权码 opens: the one given, else the preset's.
    pub fn imap_server(&self) -> Option<(String, u16)> {
        let port = self.imap_port.unwrap_or(IMAP_TLS_PORT);
        match &self.imap_host {
            Some(host) if !host.is_empty() => Some((host.clone(), port)),
            _ => preset(&self.preset).map(|p| (p.imap_host.to_owned(), port)),
        }
    }

    /// The key the secret is filed under in the credential store.
    pub fn secret_key(&self) -> String {
        format!("{}@{}:{}", self.address, self.host, self.port)
    }
}

/// What the settings form (or `account set`) sends.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct AccountInput {
    pub preset: String,
    pub address: String,
    pub display_name: String,
    /// Only for `custom`.
    pub host: String,
    pub port: Option<u16>,
    pub security: Option<Security>,
    pub ca_file: Option<String>,
    pub read_receipt: bool,
    #[ts(type = "number | null")]
    pub manual_size: Option<u64>,
    /// The IMAP server, for a custom account or to override a preset's.
    #[ts(optional)]
    pub imap_host: Option<String>,
    #[ts(optional)]
    pub imap_port: Option<u16>,
}

/// Checks the input and fills in the preset's server; field errors in Chinese.
pub fn resolve(
    input: &AccountInput,
    office_name: &str,
) -> Result<Account, Vec<crate::validate::FieldError>> {
    use crate::validate::FieldError;
    let mut errors = Vec::new();
    let address = input.address.trim().to_owned();
    if !is_address(&address) {
        errors.push(FieldError::new(
            "address",
            "请填写发件邮箱地址，如 12345678@qq.com",
        ));
    }
    let preset_id = input.preset.trim();
    let (host, port, security) = match preset(preset_id) {
        Some(p) => (p.host.to_owned(), p.port, p.security),
        None if preset_id == CUSTOM => {
            let host = input.host.trim().to_owned();
            if host.is_empty() || host.contains(char::is_whitespace) {
                errors.push(FieldError::new("host", "请填写发件服务器（SMTP）地址"));
            }
            let security = input.security.unwrap_or(Security::Tls);
            let port = input.port.unwrap_or(match security {
                Security::Tls => 465,
                Security::Starttls => 587,
            });
            if port == 0 {
                errors.push(FieldError::new("port", "端口应为 1 到 65535"));
            }
            (host, port, security)
        }
        None => {
            let known: Vec<&str> = PRESETS.iter().map(|p| p.id).collect();
            errors.push(FieldError::new(
                "preset",
                format!("请选择邮箱服务商（{}、custom）", known.join("、")),
            ));
            (String::new(), 0, Security::Tls)
        }
    };
    // A preset trusts the system's roots alone (see `Account::extra_root`).
    let ca_file = input
        .ca_file
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty() && preset_id == CUSTOM)
        .map(str::to_owned);
    if let Some(ca) = &ca_file
        && !std::path::Path::new(ca).is_file()
    {
        errors.push(FieldError::new("ca_file", format!("找不到证书文件“{ca}”")));
    }
    let imap_host = input
        .imap_host
        .as_deref()
        .map(str::trim)
        .filter(|h| !h.is_empty())
        .map(str::to_owned);
    if imap_host
        .as_deref()
        .is_some_and(|h| h.contains(char::is_whitespace))
    {
        errors.push(FieldError::new(
            "imap_host",
            "收件服务器（IMAP）地址不能含空格",
        ));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let display_name = match input.display_name.trim() {
        "" => office_name.to_owned(),
        name => name.to_owned(),
    };
    Ok(Account {
        preset: preset_id.to_owned(),
        address,
        display_name,
        host,
        port,
        security,
        ca_file,
        read_receipt: input.read_receipt,
        server_size: None,
        manual_size: input.manual_size.filter(|n| *n > 0),
        imap_host,
        imap_port: input.imap_port.filter(|p| *p > 0),
    })
}

/// A plausible mailbox address (the server has the last word).
pub fn is_address(s: &str) -> bool {
    match s.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !s.chars().any(|c| c.is_whitespace() || c == '<' || c == '>')
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_preset_account_trusts_only_the_system_roots() {
        let ca = tempfile::NamedTempFile::new().expect("ca file");
        let input = AccountInput {
            preset: "qq".into(),
            address: "12345678@qq.com".into(),
            ca_file: Some(ca.path().display().to_string()),
            ..AccountInput::default()
        };
        let mut a = resolve(&input, "金平区总工会").expect("valid");
        assert_eq!(a.ca_file, None, "a preset kept an extra root");
        // Even a catalog that says otherwise (tampered, or from an older version) adds none.
        a.ca_file = Some(ca.path().display().to_string());
        assert_eq!(a.extra_root(), None);
        let custom = AccountInput {
            preset: CUSTOM.into(),
            host: "mail.example.test".into(),
            ..input
        };
        let c = resolve(&custom, "金平区总工会").expect("valid");
        assert_eq!(
            c.extra_root(),
            Some(ca.path().display().to_string().as_str())
        );
    }

    #[test]
    fn presets_fill_in_the_server_and_the_limit_prefers_the_server() {
        let input = AccountInput {
            preset: "qq".into(),
            address: "12345678@qq.com".into(),
            ..AccountInput::default()
        };
        let mut a = resolve(&input, "金平区总工会").expect("valid");
        assert_eq!(
            (a.host.as_str(), a.port, a.security),
            ("smtp.qq.com", 465, Security::Tls)
        );
        assert_eq!(a.display_name, "金平区总工会");
        assert_eq!(a.message_limit(), (70 * MIB, LimitSource::Preset));
        a.server_size = Some(73_400_320);
        assert_eq!(a.message_limit(), (73_400_320, LimitSource::Server));
    }

    #[test]
    fn a_custom_server_needs_a_host_and_a_bad_address_is_named() {
        let input = AccountInput {
            preset: CUSTOM.into(),
            address: "not-an-address".into(),
            security: Some(Security::Starttls),
            ..AccountInput::default()
        };
        let errors = resolve(&input, "x").expect_err("invalid");
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["address", "host"]);
        let ok = resolve(
            &AccountInput {
                host: "mail.example.org".into(),
                address: "a@example.org".into(),
                manual_size: Some(10 * MIB),
                ..input
            },
            "x",
        )
        .expect("valid");
        assert_eq!(ok.port, 587);
        assert_eq!(ok.message_limit(), (10 * MIB, LimitSource::Manual));
    }
}
