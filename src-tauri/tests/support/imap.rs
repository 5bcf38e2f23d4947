//! A real IMAP server for the tests: Debian's Dovecot 2.3 (`dovecot-imapd`, installed by the
//! test command) on loopback with implicit TLS (993-style) from the test CA's localhost
//! certificate, one passwd-file user whose password is the SMTP test's `SECRET`, and a Maildir
//! that can be the very one the SMTP test server delivers into. QQ's folders are there as
//! Maildir++ subfolders with their special-use: `.Junk` (`\Junk`) and `.Sent Messages`
//! (`\Sent`). Everything — config, sockets, state, log — lives in the test's folder; the server
//! is stopped on Drop. Beside it, [`Proxy`]: a faulty line between the reader and Dovecot.
//!
//! Dovecot refuses to run its login processes or to serve mail as root. As root (CI), the
//! server runs as `nobody`, and the folders it must write are opened to it; as anyone else it
//! runs as that user.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// The Maildir++ folders QQ has besides INBOX, with the special-use Dovecot announces.
pub const FOLDERS: &[(&str, &str)] = &[("Junk", "\\Junk"), ("Sent Messages", "\\Sent")];

pub struct Dovecot {
    child: Child,
    pub port: u16,
    pub maildir: PathBuf,
    pub home: PathBuf,
    pub log: PathBuf,
}

fn id(args: &[&str]) -> String {
    let o = Command::new("id").args(args).output().expect("id");
    String::from_utf8_lossy(&o.stdout).trim().to_owned()
}

fn is_root() -> bool {
    id(&["-u"]) == "0"
}

/// Lets the server's user (nobody, under root) into `path` and everything below it.
pub fn open_up(path: &Path) {
    if !is_root() {
        return;
    }
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return;
    };
    if meta.is_dir() {
        let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o777));
        for e in std::fs::read_dir(path).into_iter().flatten().flatten() {
            open_up(&e.path());
        }
    } else if meta.is_file() {
        let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o666));
    }
}

/// Makes `maildir` (if need be) with INBOX's cur/new/tmp and `folders`.
pub fn make_maildir(maildir: &Path, folders: &[(&str, &str)]) {
    for sub in ["cur", "new", "tmp"] {
        std::fs::create_dir_all(maildir.join(sub)).expect("maildir");
        for (name, _) in folders {
            std::fs::create_dir_all(maildir.join(format!(".{name}")).join(sub)).expect("folder");
        }
    }
}

/// A free loopback port (the kernel's choice; free again once returned, so a rare race with
/// another process is retried by the caller).
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

impl Dovecot {
    /// Starts Dovecot under `dir/name`, serving `maildir` (made if missing; it may be the SMTP
    /// test server's). `dir/certs` must hold the test CA's certificates (`smtp::certs`).
    pub fn start(dir: &Path, name: &str, maildir: &Path, user: &str, password: &str) -> Dovecot {
        Self::start_with(dir, name, maildir, user, password, FOLDERS)
    }

    /// [`Dovecot::start`] with other Maildir++ folders: (name on disk in modified UTF-7, its
    /// special-use or "" for none), e.g. NetEase's Chinese folders that no attribute marks.
    pub fn start_with(
        dir: &Path,
        name: &str,
        maildir: &Path,
        user: &str,
        password: &str,
        folders: &[(&str, &str)],
    ) -> Dovecot {
        let home = dir.join(name);
        std::fs::create_dir_all(&home).expect("server dir");
        make_maildir(maildir, folders);
        // Dovecot's child processes check every ancestor of the folders they use.
        let mut up = Some(dir);
        while let Some(p) = up {
            if p.starts_with(std::env::temp_dir()) && p != std::env::temp_dir() {
                open_up_one(p);
            }
            up = p.parent();
        }
        let certs = dir.join("certs");
        open_up(&certs);
        open_up(maildir);
        let passwd = home.join("passwd");
        std::fs::write(&passwd, format!("{user}:{{PLAIN}}{password}\n")).expect("passwd");
        for sub in ["run", "state", "mailhome"] {
            std::fs::create_dir_all(home.join(sub)).expect("dirs");
        }
        open_up(&home);
        let (run_user, run_group) = if is_root() {
            ("nobody".to_owned(), id(&["-gn", "nobody"]))
        } else {
            (id(&["-un"]), id(&["-gn"]))
        };
        let uid: u32 = id(&["-u", &run_user]).parse().expect("uid");
        let gid: u32 = id(&["-g", &run_user]).parse().expect("gid");
        let log = home.join("dovecot.log");
        for _attempt in 0..5 {
            let port = free_port();
            let conf = home.join("dovecot.conf");
            std::fs::write(
                &conf,
                config(
                    &home, maildir, &certs, port, &run_user, &run_group, uid, gid, folders,
                ),
            )
            .expect("config");
            open_up(&conf);
            let _ = std::fs::remove_file(&log);
            let mut cmd = Command::new("/usr/sbin/dovecot");
            cmd.arg("-F")
                .arg("-c")
                .arg(&conf)
                .stdout(Stdio::null())
                .stderr(std::fs::File::create(home.join("stderr.log")).expect("stderr"))
                .process_group(0);
            if is_root() {
                cmd.uid(uid).gid(gid);
            }
            let child = cmd
                .spawn()
                .expect("dovecot (dovecot-imapd, installed by the test command)");
            let mut server = Dovecot {
                child,
                port,
                maildir: maildir.to_path_buf(),
                home: home.clone(),
                log: log.clone(),
            };
            if server.wait_ready() {
                return server;
            }
            // Port taken between our probe and Dovecot's bind: try another.
            drop(server);
        }
        panic!(
            "Dovecot did not start:\n{}\n{}",
            std::fs::read_to_string(&log).unwrap_or_default(),
            std::fs::read_to_string(home.join("stderr.log")).unwrap_or_default()
        );
    }

    /// Until Dovecot has bound its port and accepts (false if it exits first).
    fn wait_ready(&mut self) -> bool {
        let deadline = Instant::now() + Duration::from_secs(15);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return false;
            }
            // "starting up" is logged only once every listener is bound (so the port is ours).
            if self.log_text().contains("starting up")
                && TcpStream::connect(("127.0.0.1", self.port)).is_ok()
            {
                return true;
            }
            std::thread::sleep(Duration::from_millis(30));
        }
        false
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// The Maildir directory of `folder` ("INBOX", "Junk", "Sent Messages").
    pub fn folder_dir(&self, folder: &str) -> PathBuf {
        if folder == "INBOX" {
            self.maildir.clone()
        } else {
            self.maildir.join(format!(".{folder}"))
        }
    }

    /// Drops a message into `folder`'s `new/` as a delivery agent would (tmp, then rename).
    pub fn deliver(&self, folder: &str, name: &str, bytes: &[u8]) -> PathBuf {
        let dir = self.folder_dir(folder);
        let tmp = dir.join("tmp").join(name);
        std::fs::write(&tmp, bytes).expect("write tmp");
        let dest = dir.join("new").join(name);
        std::fs::rename(&tmp, &dest).expect("rename into new");
        open_up(&dest);
        dest
    }

    /// Every message file of `folder` (new/ and cur/) as (sub, file name).
    pub fn files(&self, folder: &str) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for sub in ["new", "cur"] {
            for e in std::fs::read_dir(self.folder_dir(folder).join(sub))
                .into_iter()
                .flatten()
                .flatten()
            {
                out.push((sub.to_owned(), e.file_name().to_string_lossy().into_owned()));
            }
        }
        out.sort();
        out
    }

    /// Makes Dovecot give `folder` a new UIDVALIDITY, as a server whose mailbox was rebuilt
    /// does: its uid list and indexes go (the messages stay).
    pub fn reset_uids(&self, folder: &str) {
        let dir = self.folder_dir(folder);
        for e in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let n = e.file_name().to_string_lossy().into_owned();
            if n.starts_with("dovecot-uidlist") || n.starts_with("dovecot.index") {
                let _ = std::fs::remove_file(e.path());
            }
        }
        // Dovecot takes the time for a new UIDVALIDITY: make sure it is a later second.
        std::thread::sleep(Duration::from_millis(1100));
    }
}

fn open_up_one(p: &Path) {
    if let Ok(meta) = std::fs::metadata(p) {
        let mode = meta.permissions().mode() | 0o755;
        let _ = std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode));
    }
}

/// One setting per line: Dovecot 2.3 rejects text after `{` on the same line.
#[allow(clippy::too_many_arguments)]
fn config(
    home: &Path,
    maildir: &Path,
    certs: &Path,
    port: u16,
    user: &str,
    group: &str,
    uid: u32,
    gid: u32,
    special: &[(&str, &str)],
) -> String {
    let h = home.display();
    let mut folders = String::new();
    for (name, use_) in special.iter().filter(|(_, u)| !u.is_empty()) {
        folders.push_str(&format!(
            "  mailbox \"{name}\" {{\n    special_use = {use_}\n  }}\n"
        ));
    }
    format!(
        "protocols = imap
listen = 127.0.0.1
base_dir = {h}/run
state_dir = {h}/state
log_path = {h}/dovecot.log
default_internal_user = {user}
default_internal_group = {group}
default_login_user = {user}
ssl = required
ssl_cert = <{certs}/server.pem
ssl_key = <{certs}/server.key
auth_mechanisms = plain login
imap_id_log = *
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {h}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={h}/mailhome
}}
mail_location = maildir:{maildir}
namespace inbox {{
  inbox = yes
  separator = /
{folders}}}
service imap-login {{
  chroot =
  inet_listener imap {{
    port = 0
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {port}
    ssl = yes
  }}
}}
service anvil {{
  chroot =
}}
",
        certs = certs.display(),
        maildir = maildir.display(),
    )
}

impl Drop for Dovecot {
    fn drop(&mut self) {
        // SIGTERM to the whole process group (master, login, auth, imap), then make sure.
        let _ = Command::new("kill")
            .args(["-TERM", "--", &format!("-{}", self.child.id())])
            .stderr(Stdio::null())
            .status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.child.id())])
            .stderr(Stdio::null())
            .status();
        let _ = self.child.wait();
    }
}

/// A line between a client and a server on loopback that can fail: after `cut_after` bytes
/// of server→client traffic on one connection it closes both sides (a connection dropped
/// mid-fetch), or with `stall` it stops forwarding and holds the connection open (a line that
/// went quiet); with `slow` it passes everything at a set pace (a slow line, long enough to
/// watch and to cancel). Set per new connection; the default passes everything at once.
pub struct Proxy {
    pub port: u16,
    cut_after: Arc<AtomicU64>,
    stall: Arc<AtomicBool>,
    /// Bytes a second server→client; 0 for no limit.
    pace: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
    /// Connections cut so far.
    pub cuts: Arc<AtomicU64>,
}

impl Proxy {
    pub fn start(target: u16) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("proxy bind");
        let port = listener.local_addr().expect("addr").port();
        let cut_after = Arc::new(AtomicU64::new(u64::MAX));
        let stall = Arc::new(AtomicBool::new(false));
        let pace = Arc::new(AtomicU64::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let cuts = Arc::new(AtomicU64::new(0));
        let (c, s, st, n) = (cut_after.clone(), stall.clone(), stop.clone(), cuts.clone());
        let p = pace.clone();
        std::thread::spawn(move || {
            for client in listener.incoming() {
                if st.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(client) = client else { continue };
                let Ok(server) = TcpStream::connect(("127.0.0.1", target)) else {
                    continue;
                };
                let limit = c.load(Ordering::SeqCst);
                let stall = s.load(Ordering::SeqCst);
                let pace = p.load(Ordering::SeqCst);
                let n = n.clone();
                let (c2, s2) = (
                    client.try_clone().expect("clone"),
                    server.try_clone().expect("clone"),
                );
                // client → server: plain copy until either side closes.
                std::thread::spawn(move || {
                    let (mut from, mut to) = (c2, s2);
                    let _ = std::io::copy(&mut from, &mut to);
                    let _ = to.shutdown(Shutdown::Write);
                });
                // server → client: counted, cut or stalled at the limit.
                std::thread::spawn(move || {
                    let (mut from, mut to) = (server, client);
                    let mut sent = 0u64;
                    let mut buf = vec![0u8; 16 * 1024];
                    loop {
                        let room = limit.saturating_sub(sent);
                        if room == 0 {
                            if stall {
                                // Hold both ends open and silent until the client gives up.
                                let mut sink = [0u8; 1024];
                                while matches!(to.read(&mut sink), Ok(k) if k > 0) {}
                            } else {
                                n.fetch_add(1, Ordering::SeqCst);
                            }
                            break;
                        }
                        let want = buf.len().min(usize::try_from(room).unwrap_or(usize::MAX));
                        match from.read(&mut buf[..want]) {
                            Ok(0) | Err(_) => break,
                            Ok(k) => {
                                if to.write_all(&buf[..k]).is_err() {
                                    break;
                                }
                                sent += k as u64;
                                if pace > 0 {
                                    std::thread::sleep(Duration::from_secs_f64(
                                        k as f64 / pace as f64,
                                    ));
                                }
                            }
                        }
                    }
                    let _ = to.shutdown(Shutdown::Both);
                    let _ = from.shutdown(Shutdown::Both);
                });
            }
        });
        Proxy {
            port,
            cut_after,
            stall,
            pace,
            stop,
            cuts,
        }
    }

    /// New connections are cut after `bytes` of server→client traffic.
    pub fn cut_after(&self, bytes: u64) {
        self.stall.store(false, Ordering::SeqCst);
        self.cut_after.store(bytes, Ordering::SeqCst);
    }

    /// New connections go silent after `bytes` of server→client traffic.
    pub fn stall_after(&self, bytes: u64) {
        self.stall.store(true, Ordering::SeqCst);
        self.cut_after.store(bytes, Ordering::SeqCst);
    }

    /// New connections pass everything at `bytes_per_second`.
    pub fn slow(&self, bytes_per_second: u64) {
        self.pace.store(bytes_per_second, Ordering::SeqCst);
    }

    /// New connections pass everything, at once.
    pub fn heal(&self) {
        self.pace.store(0, Ordering::SeqCst);
        self.stall.store(false, Ordering::SeqCst);
        self.cut_after.store(u64::MAX, Ordering::SeqCst);
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the stop.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}
