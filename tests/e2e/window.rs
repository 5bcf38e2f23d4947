//! End-to-end: the real Baosong window (WebKitGTK) under Xvfb, driven over WebDriver through
//! tauri-driver, clicking as a clerk would. Each test gets its own HOME, config folder and
//! library in a temporary directory, so the user's own data is never touched; screenshots of
//! every screen are kept in `test-artifacts/screenshots/` (or `$BAOSONG_ARTIFACTS`).
//!
//! Needs: the app built (`target/debug/baosong`, or `$BAOSONG_APP`), `tauri-driver` and
//! `WebKitWebDriver` on PATH, and a display (`xvfb-run`). The README's test command provides
//! all three; without them the test fails and says what is missing.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

#[path = "../../src-tauri/tests/support/smtp.rs"]
mod smtp;

#[path = "../../src-tauri/tests/support/imap.rs"]
mod imap;

type Res<T = ()> = Result<T, Box<dyn std::error::Error>>;

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn app_binary() -> PathBuf {
    let path = std::env::var_os("BAOSONG_APP")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            let target = std::env::var_os("CARGO_TARGET_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(|| workspace_root().join("target"));
            target.join("debug/baosong")
        });
    assert!(
        path.is_file(),
        "the app binary {} is missing: build it first (cargo build -p baosong)",
        path.display()
    );
    path.canonicalize().unwrap_or(path)
}

fn artifacts_dir() -> PathBuf {
    let dir = std::env::var_os("BAOSONG_ARTIFACTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("test-artifacts"))
        .join("screenshots");
    std::fs::create_dir_all(&dir).expect("create the screenshot folder");
    dir
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port on loopback")
}

/// A user's world for one test: HOME, config and data folders, all temporary.
struct Sandbox {
    dir: tempfile::TempDir,
}

impl Sandbox {
    fn new() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        for sub in ["home", "config", "data", "cache", "baosong-config"] {
            std::fs::create_dir_all(dir.path().join(sub)).expect("sandbox folder");
        }
        Sandbox { dir }
    }

    fn path(&self, sub: &str) -> PathBuf {
        self.dir.path().join(sub)
    }
}

/// tauri-driver (which starts WebKitWebDriver, which starts the app) with the sandbox's
/// environment. Stopped with SIGTERM so it also stops WebKitWebDriver.
struct Driver {
    child: Child,
    port: u16,
}

impl Driver {
    fn start(sandbox: &Sandbox) -> Self {
        Driver::start_with(sandbox, &[])
    }

    /// Starts with extra environment for the app (e.g. `BAOSONG_LIBRARY`, `BAOSONG_NOW`).
    fn start_with(sandbox: &Sandbox, env: &[(&str, &Path)]) -> Self {
        assert!(
            std::env::var_os("DISPLAY").is_some(),
            "no X display: run the end-to-end tests under xvfb-run (the README's test command does)"
        );
        let port = free_port();
        let native_port = free_port();
        let child = Command::new("tauri-driver")
            .args([
                "--port",
                &port.to_string(),
                "--native-port",
                &native_port.to_string(),
            ])
            .env("HOME", sandbox.path("home"))
            .env("XDG_CONFIG_HOME", sandbox.path("config"))
            .env("XDG_DATA_HOME", sandbox.path("data"))
            .env("XDG_CACHE_HOME", sandbox.path("cache"))
            .env("BAOSONG_CONFIG_DIR", sandbox.path("baosong-config"))
            .env_remove("BAOSONG_LIBRARY")
            .env_remove("BAOSONG_NOW")
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("tauri-driver must be installed (cargo install tauri-driver --locked)");
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "tauri-driver did not listen on {port}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        Driver { child, port }
    }

    async fn window(&self) -> Res<Client> {
        let mut caps = serde_json::Map::new();
        caps.insert("browserName".into(), json!("wry"));
        caps.insert(
            "tauri:options".into(),
            json!({ "application": app_binary().display().to_string() }),
        );
        let client = ClientBuilder::native()
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{}", self.port))
            .await?;
        Ok(client)
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The clerk's hands: small helpers over the WebDriver client.
struct Clerk {
    c: Client,
    shots: PathBuf,
    test: &'static str,
}

const WAIT: Duration = Duration::from_secs(15);

impl Clerk {
    fn css(id: &str) -> String {
        format!("[data-testid=\"{id}\"]")
    }

    async fn el(&self, testid: &str) -> Res<Element> {
        let css = Self::css(testid);
        match self
            .c
            .wait()
            .at_most(WAIT)
            .for_element(Locator::Css(&css))
            .await
        {
            Ok(el) => Ok(el),
            Err(e) => {
                self.shot(&format!("failed-{testid}")).await;
                let body = match self.c.find(Locator::Css("body")).await {
                    Ok(b) => b.html(false).await.unwrap_or_default(),
                    Err(_) => String::new(),
                };
                Err(format!("element {css} did not appear: {e}; the page is:\n{body}").into())
            }
        }
    }

    /// The text input behind a testid (Element Plus puts the attribute on the input itself
    /// for el-input, on a wrapper for other components).
    async fn input(&self, testid: &str) -> Res<Element> {
        let el = self.el(testid).await?;
        let tag = el.tag_name().await?.to_lowercase();
        if tag == "input" || tag == "textarea" {
            return Ok(el);
        }
        Ok(el.find(Locator::Css("input, textarea")).await?)
    }

    async fn click(&self, testid: &str) -> Res {
        let el = self.el(testid).await?;
        // An element still sliding in (a notification, a drawer) or under a fading overlay can
        // refuse a click for a moment: wait for it as a clerk would, but never click through
        // what covers it (a script click would reach what a clerk's mouse cannot).
        let deadline = Instant::now() + Duration::from_secs(6);
        loop {
            match el.click().await {
                Ok(()) => return Ok(()),
                Err(e) if Instant::now() > deadline => {
                    self.shot(&format!("failed-click-{testid}")).await;
                    return Err(format!("clicking {testid} failed: {e}").into());
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(250)).await,
            }
        }
    }

    /// Clicks the visible button or tab whose text is exactly `label`.
    async fn click_text(&self, label: &str) -> Res {
        let xpath = format!(
            "//*[(self::button or contains(@class,'el-tabs__item'))][normalize-space(.)='{label}']"
        );
        let deadline = Instant::now() + WAIT;
        loop {
            for el in self.c.find_all(Locator::XPath(&xpath)).await? {
                if el.is_displayed().await.unwrap_or(false) && el.click().await.is_ok() {
                    return Ok(());
                }
            }
            if Instant::now() > deadline {
                self.shot("failed-click-text").await;
                return Err(format!("no clickable “{label}”").into());
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Replaces the content of a text field, as typing would (Vue sees input events).
    async fn fill(&self, testid: &str, text: &str) -> Res {
        // Typed as a clerk types, then read back: keys sent while focus is still moving (a
        // dialog's overlay fading out) can be lost, and a field that did not take the text
        // would only show up later as a confusing failure. Typed again up to twice.
        let mut value = None;
        for _attempt in 0..3 {
            let input = self.input(testid).await?;
            // Ctrl+A, then type over the selection.
            input.send_keys("\u{E009}a\u{E000}").await?;
            input.send_keys("\u{E003}").await?;
            if !text.is_empty() {
                input.send_keys(text).await?;
            }
            value = input.prop("value").await?;
            if value.as_deref() == Some(text) {
                return Ok(());
            }
            eprintln!("{testid}: holds {value:?} after typing “{text}”; typing again");
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
        self.shot(&format!("failed-fill-{testid}")).await;
        Err(format!("{testid} holds {value:?} after typing “{text}” three times").into())
    }

    /// Opens an el-select and clicks the visible option with exactly `label`. The select is
    /// clicked again if its list does not open (a closing drawer can swallow the first click).
    async fn choose(&self, testid: &str, label: &str) -> Res {
        let xpath = format!(
            "//li[contains(@class,'el-select-dropdown__item')][normalize-space(.)='{label}']"
        );
        for _attempt in 0..4 {
            self.click(testid).await?;
            let deadline = Instant::now() + Duration::from_secs(3);
            while Instant::now() < deadline {
                for option in self.c.find_all(Locator::XPath(&xpath)).await? {
                    if option.is_displayed().await.unwrap_or(false) {
                        if let Err(e) = option.click().await {
                            self.shot(&format!("failed-option-{testid}")).await;
                            return Err(format!(
                                "clicking option “{label}” of {testid} failed: {e}"
                            )
                            .into());
                        }
                        tokio::time::sleep(Duration::from_millis(300)).await;
                        return Ok(());
                    }
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
        self.shot(&format!("failed-choose-{testid}")).await;
        Err(format!("option “{label}” of {testid} never showed").into())
    }

    /// Chooses `label` in a form's select and checks the select shows it, choosing again (up
    /// to three times) when it does not: an option clicked while the list still opens can be
    /// lost without an error (seen on the first-run form's 单位名称).
    async fn choose_shown(&self, testid: &str, label: &str) -> Res {
        for _attempt in 0..3 {
            self.choose(testid, label).await?;
            if self.text(testid).await?.contains(label) {
                return Ok(());
            }
            eprintln!("{testid}: “{label}” was not taken; choosing again");
            // Close a list left open before the next try.
            self.c.active_element().await?.send_keys("\u{E00C}").await?;
            tokio::time::sleep(Duration::from_millis(400)).await;
        }
        self.shot(&format!("failed-choose-{testid}")).await;
        Err(format!("{testid} never showed “{label}” once chosen").into())
    }

    /// Types a file's path into the entry form, as a clerk pastes one, and waits for the
    /// form to list it.
    async fn add_path(&self, path: &Path) -> Res {
        self.fill("file-path", &path.display().to_string()).await?;
        self.input("file-path").await?.send_keys("\u{E007}").await?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let deadline = Instant::now() + WAIT;
        loop {
            for row in self
                .c
                .find_all(Locator::Css(&Self::css("form-file")))
                .await?
            {
                if row.text().await.unwrap_or_default().contains(&name) {
                    return Ok(());
                }
            }
            if Instant::now() > deadline {
                self.shot("failed-add-path").await;
                return Err(format!("{name} was not added to the form").into());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// An element's rendered text (innerText; WebDriver's text() skips some table cells).
    async fn text(&self, testid: &str) -> Res<String> {
        let el = self.el(testid).await?;
        let text = self
            .c
            .execute(
                "return arguments[0].innerText;",
                vec![serde_json::to_value(&el)?],
            )
            .await?;
        Ok(text.as_str().unwrap_or_default().to_owned())
    }

    /// The page's rendered text (innerText: WebDriver's own text() skips some table cells).
    async fn body_text(&self) -> Res<String> {
        Ok(self
            .c
            .execute("return document.body.innerText;", vec![])
            .await?
            .as_str()
            .unwrap_or_default()
            .to_owned())
    }

    /// Waits until the page's visible text contains `needle`.
    async fn see(&self, needle: &str) -> Res {
        let deadline = Instant::now() + WAIT;
        loop {
            let body = self.body_text().await?;
            if body.contains(needle) {
                return Ok(());
            }
            if Instant::now() > deadline {
                self.shot("failed-see").await;
                return Err(format!("“{needle}” never appeared; the window shows:\n{body}").into());
            }
            tokio::time::sleep(Duration::from_millis(150)).await;
        }
    }

    /// The duration the window's player found in the file of the media element `testid` once
    /// it has read its header, or `"error N"` when it could not (MediaError codes).
    async fn media_duration(&self, testid: &str) -> Res<serde_json::Value> {
        let script = format!(
            r#"const done = arguments[arguments.length - 1];
               const a = document.querySelector('[data-testid="{testid}"]');
               const report = () => done(a.error ? "error " + a.error.code : a.duration);
               if (a.readyState >= 1 || a.error) report();
               else {{ a.addEventListener("loadedmetadata", report); a.addEventListener("error", report); }}"#
        );
        Ok(self.c.execute_async(&script, vec![]).await?)
    }

    /// Waits until the page's visible text no longer contains `needle`.
    async fn gone(&self, needle: &str) -> Res {
        let deadline = Instant::now() + WAIT;
        loop {
            let body = self.body_text().await?;
            if !body.contains(needle) {
                return Ok(());
            }
            if Instant::now() > deadline {
                self.shot("failed-gone").await;
                return Err(format!("“{needle}” is still shown:\n{body}").into());
            }
            tokio::time::sleep(Duration::from_millis(150)).await;
        }
    }

    /// Opens a dropdown menu and clicks one of its items, as a clerk would: the item is clicked
    /// once it shows and its slide-in has settled, and the whole is tried again (after Escape)
    /// when `then_see` does not follow — a click during the menu's transition can fall through.
    async fn menu(&self, trigger: &str, item: &str, then_see: &str) -> Res {
        let css = Self::css(item);
        for _attempt in 0..3 {
            self.click(trigger).await?;
            let deadline = Instant::now() + Duration::from_secs(4);
            let mut last = None;
            while Instant::now() < deadline {
                if let Ok(el) = self.c.find(Locator::Css(&css)).await
                    && el.is_displayed().await.unwrap_or(false)
                {
                    let rect = el.rectangle().await.ok();
                    if rect.is_some() && rect == last {
                        let _ = el.click().await;
                        break;
                    }
                    last = rect;
                }
                tokio::time::sleep(Duration::from_millis(120)).await;
            }
            let deadline = Instant::now() + Duration::from_secs(5);
            while Instant::now() < deadline {
                if self.body_text().await?.contains(then_see) {
                    return Ok(());
                }
                tokio::time::sleep(Duration::from_millis(150)).await;
            }
            if let Ok(body) = self.c.find(Locator::Css("body")).await {
                let _ = body.send_keys("\u{E00C}").await;
            }
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
        self.shot(&format!("failed-menu-{item}")).await;
        Err(format!("the menu item {item} never led to “{then_see}”").into())
    }

    /// Waits until any of `needles` is shown.
    async fn see_any(&self, needles: &[&str]) -> Res {
        let deadline = Instant::now() + WAIT;
        loop {
            let body = self.body_text().await?;
            if needles.iter().any(|n| body.contains(n)) {
                return Ok(());
            }
            if Instant::now() > deadline {
                self.shot("failed-see-any").await;
                return Err(
                    format!("none of {needles:?} appeared; the window shows:\n{body}").into(),
                );
            }
            tokio::time::sleep(Duration::from_millis(150)).await;
        }
    }

    /// Waits for the print dialog's preview to be made and loaded; its natural size. The
    /// image must show a page with print on it, as the window draws it (read back through a
    /// canvas), not a blank sheet.
    async fn preview_size(&self, made_for: &str) -> Res<(u64, u64)> {
        let deadline = Instant::now() + WAIT;
        // One script by selector (an element handle can go stale while Vue swaps the image).
        let script = format!(
            "const i = document.querySelector('{}');
             if (!i || i.dataset.madeFor !== '{made_for}' || !i.complete || !i.naturalWidth)
                 return null;
             const c = document.createElement('canvas');
             c.width = i.naturalWidth; c.height = i.naturalHeight;
             const g = c.getContext('2d'); g.drawImage(i, 0, 0);
             const d = g.getImageData(0, 0, c.width, c.height).data;
             let ink = 0;
             for (let k = 0; k < d.length; k += 4) if (d[k] < 160) ink++;
             return [i.naturalWidth, i.naturalHeight, ink];",
            Self::css("print-preview")
        );
        loop {
            if let Ok(size) = self.c.execute(&script, vec![]).await
                && let (Some(w), Some(h), Some(ink)) =
                    (size[0].as_u64(), size[1].as_u64(), size[2].as_u64())
            {
                // A page of text and rules inks well over one pixel in a thousand.
                if ink * 1000 < w * h {
                    self.shot("failed-blank-preview").await;
                    return Err(format!("the preview is blank: {ink} dark pixels").into());
                }
                return Ok((w, h));
            }
            if let Ok(err) = self.c.find(Locator::Css(&Self::css("print-error"))).await {
                return Err(format!("the preview failed: {}", err.text().await?).into());
            }
            if Instant::now() > deadline {
                self.shot("failed-preview").await;
                return Err(format!("the print preview for {made_for} never appeared").into());
            }
            tokio::time::sleep(Duration::from_millis(150)).await;
        }
    }

    /// Saves a screenshot (after the frame settles) as `<test>-<name>.png`.
    async fn shot(&self, name: &str) {
        tokio::time::sleep(Duration::from_millis(600)).await;
        if let Ok(png) = self.c.screenshot().await {
            let _ = std::fs::write(self.shots.join(format!("{}-{name}.png", self.test)), png);
        }
    }
}

async fn clerk(driver: &Driver, test: &'static str) -> Res<Clerk> {
    let c = driver.window().await?;
    Ok(Clerk {
        c,
        shots: artifacts_dir(),
        test,
    })
}

/// A PDF's text by poppler's pdftotext (installed by the test command).
/// Every file of a zip as (name, text).
fn zip_texts(path: &Path) -> Res<Vec<(String, String)>> {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(path)?)?;
    let mut out = Vec::new();
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i)?;
        let name = entry.name()?.into_owned();
        let mut text = String::new();
        std::io::Read::read_to_string(&mut entry, &mut text)?;
        out.push((name, text));
    }
    Ok(out)
}

fn pdftotext(pdf: &Path) -> String {
    let out = Command::new("pdftotext")
        .arg(pdf)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) must be installed");
    assert!(out.status.success(), "pdftotext {}", pdf.display());
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A real media file made by ffmpeg (installed by the test command).
fn ffmpeg(dir: &Path, name: &str, args: &[&str]) -> PathBuf {
    let path = dir.join(name);
    let status = Command::new("ffmpeg")
        .args(["-v", "error", "-y"])
        .args(args)
        .arg(&path)
        .status()
        .expect("ffmpeg must be installed (the README's test command installs it)");
    assert!(status.success(), "ffmpeg failed to make {name}");
    path
}

/// A two-second recitation, as a worker would send it.
fn work_file(dir: &Path) -> PathBuf {
    ffmpeg(
        dir,
        "我的祖国-朗诵.mp3",
        &[
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=440:duration=2",
            "-c:a",
            "libmp3lame",
            "-b:a",
            "64k",
        ],
    )
}

/// A 720p micro-video: below the notice's 1920×1080.
fn low_res_video(dir: &Path) -> PathBuf {
    ffmpeg(
        dir,
        "劳模风采-720p.mp4",
        &[
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=1280x720:rate=25",
            "-t",
            "1",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-pix_fmt",
            "yuv420p",
        ],
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn setup_add_entry_restart_and_find_it_again() -> Res {
    let sandbox = Sandbox::new();
    let library = sandbox.path("home").join("报送资料库");
    let work = work_file(&sandbox.path("home"));

    // First run: setup.
    {
        let driver = Driver::start(&sandbox);
        let w = clerk(&driver, "01-first-run").await?;
        w.el("setup").await?;
        w.see("新建资料库").await?;
        w.shot("setup-empty").await;
        // 关于 answers before any library exists (when one will not open, the clerk needs it).
        w.click("open-about").await?;
        assert_eq!(w.text("about-version").await?, env!("CARGO_PKG_VERSION"));
        w.see("（未打开）").await?;
        w.shot("setup-about").await;
        w.click_text("关闭").await?;
        w.gone("关于报送助手").await?;
        // The dialog's overlay fades out after its text: let it go before the form is used.
        tokio::time::sleep(Duration::from_millis(800)).await;

        w.fill("setup-location", &library.display().to_string())
            .await?;
        w.choose_shown("setup-office", "金平区总工会").await?;
        // Picking a unit the notice names sets its type and shows its quota.
        w.see("每个子项目不少于 10 件").await?;
        w.fill("setup-contact-name", "陈晓").await?;
        w.fill("setup-contact-title", "宣教部干事").await?;
        w.fill("setup-contact-phone", "12345").await?;
        w.click("setup-create").await?;
        w.see("电话号码无效").await?;
        w.shot("setup-invalid-phone").await;
        assert!(
            !library.join("catalog.sqlite").exists(),
            "an invalid form created a library"
        );

        w.fill("setup-contact-phone", "0754-88123456").await?;
        w.gone("电话号码无效").await?;
        w.shot("setup-filled").await;
        w.click("setup-create").await?;
        // The first screen is the dashboard: an empty library is short of every quota.
        w.el("dashboard").await?;
        assert!(w.text("office-name").await?.contains("金平区总工会"));
        w.see("诵读还差10件").await?;
        w.shot("dashboard-empty").await;
        w.click("nav-entries").await?;
        w.see("还没有作品").await?;
        w.shot("main-empty").await;

        // Add an entry with a file; a half-filled form is refused in Chinese and keeps
        // what was typed.
        w.click("add-entry").await?;
        w.add_path(&work).await?;
        w.choose_shown("entry-category", "网络正能量诵读作品")
            .await?;
        w.fill("entry-title", "").await?;
        w.fill("entry-phone", "1380013800").await?;
        w.click("entry-save").await?;
        w.see("请填写作品名称").await?;
        w.see("请填写作者").await?;
        w.see("电话号码无效").await?;
        w.shot("entry-invalid").await;

        w.fill("entry-title", "我的祖国（朗诵）").await?;
        w.fill("entry-authors", "张三、李四").await?;
        w.fill("entry-unit", "金平区石炮台街道总工会").await?;
        w.fill("entry-phone", "13800138000").await?;
        // Each complaint goes away as soon as its field is fixed.
        w.gone("请填写作品名称").await?;
        w.gone("请填写作者").await?;
        w.gone("电话号码无效").await?;
        w.click("decl-original").await?;
        // The file's facts and verdict show as soon as it is picked.
        w.see("MP3 音频").await?;
        w.see("合格").await?;
        w.shot("entry-filled").await;
        w.click("entry-save").await?;
        w.see("已登记").await?;
        w.see("我的祖国（朗诵）").await?;
        assert!(w.text("entry-count").await?.contains("共 1 件"));
        w.shot("main-one-entry").await;

        // A 720p micro-video is caught with the reason in plain Chinese.
        let video = low_res_video(&sandbox.path("home"));
        w.click("add-entry").await?;
        w.add_path(&video).await?;
        w.choose("entry-category", "各级劳模、先进人物微视频")
            .await?;
        w.see("分辨率为1280×720，低于要求的1920×1080").await?;
        w.fill("entry-authors", "王五").await?;
        w.shot("entry-low-res").await;
        w.click("entry-save").await?;
        w.see("共 2 件").await?;
        w.see("不合格").await?;
        w.choose("filter-verdict", "不合格").await?;
        w.see("共 1 件").await?;
        w.see("劳模风采-720p").await?;
        w.shot("filter-failing").await;
        w.c.clone().close().await?;
    }

    // What the window wrote is really in the library folder.
    {
        let conn = rusqlite::Connection::open(library.join("catalog.sqlite"))?;
        let (title, authors, stored): (String, String, String) = conn.query_row(
            "SELECT e.title, e.authors, f.stored_path FROM entries e JOIN files f ON f.entry_id = e.id
             WHERE e.category = 'recitation'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
        assert_eq!(title, "我的祖国（朗诵）");
        assert_eq!(authors, r#"["张三","李四"]"#);
        assert_eq!(std::fs::read(library.join(&stored))?, std::fs::read(&work)?);
    }

    // Restart: the same library opens by itself with the entry as it was left, in the
    // section the clerk was in (作品), not the dashboard.
    {
        let driver = Driver::start(&sandbox);
        let w = clerk(&driver, "02-restart").await?;
        w.el("entry-table").await?;
        assert!(
            w.c.find(Locator::Css(&Clerk::css("dashboard")))
                .await
                .is_err(),
            "the last section (作品) opens again"
        );
        w.see("我的祖国（朗诵）").await?;
        w.see("张三、李四").await?;
        w.see("劳模风采-720p").await?;
        assert!(w.text("library-path").await?.contains("报送资料库"));
        w.shot("main-after-restart").await;

        // Review: a work that fails its checks is recommended only with a written reason.
        w.fill("filter-text", "劳模").await?;
        w.gone("我的祖国（朗诵）").await?;
        w.see("共 1 件").await?;
        w.click("edit-entry").await?;
        w.see("审核与推荐").await?;
        w.click("review-approved").await?;
        w.click("review-recommended").await?;
        w.click("entry-save").await?;
        w.see("请写明理由").await?;
        w.shot("review-needs-reason").await;
        w.fill("review-reason", "报送人承诺6月20日前补交1080P原片")
            .await?;
        w.gone("请写明理由").await?;
        w.click("entry-save").await?;
        w.see("已保存").await?;
        w.see("已通过").await?;
        assert!(w.text("entry-recommended").await?.contains("推荐"));
        w.shot("reviewed-recommended").await;

        // Delete asks first, and can be undone.
        w.fill("filter-text", "祖国").await?;
        // The filter applies after a short pause in typing: wait for the other work to go.
        w.gone("劳模风采-720p").await?;
        w.see("共 1 件").await?;
        w.click("delete-entry").await?;
        w.see("确定删除作品").await?;
        w.shot("delete-confirm").await;
        let confirm =
            w.c.wait()
                .at_most(WAIT)
                .for_element(Locator::XPath(
                    "//div[contains(@class,'el-message-box')]//button[normalize-space(.)='删除']",
                ))
                .await?;
        confirm.click().await?;
        w.see("共 0 件").await?;
        w.see("已移入回收站").await?;
        w.shot("deleted-undo-offer").await;
        w.click("undo-delete").await?;
        w.see("已恢复").await?;
        w.see("共 1 件").await?;
        w.c.clone().close().await?;
    }
    Ok(())
}

/// `baosong-cli`, built next to the app by the same `cargo test --workspace`.
fn cli(library: &Path, args: &[&str]) -> serde_json::Value {
    let bin = app_binary().with_file_name("baosong-cli");
    let out = Command::new(&bin)
        .arg("--library")
        .arg(library)
        .arg("--json")
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("run {}: {e}", bin.display()));
    assert!(
        out.status.success(),
        "baosong-cli {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null)
}

/// A one-second 25 fps video of `size` (a different picture per `seed`, so contents differ).
fn video(dir: &Path, name: &str, size: &str, seed: u32) -> PathBuf {
    ffmpeg(
        dir,
        name,
        &[
            "-f",
            "lavfi",
            "-i",
            &format!("testsrc2=size={size}:rate=25,hue=h={seed}"),
            "-t",
            "1",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-pix_fmt",
            "yuv420p",
        ],
    )
}

fn tone(dir: &Path, name: &str, hz: u32) -> PathBuf {
    ffmpeg(
        dir,
        name,
        &[
            "-f",
            "lavfi",
            "-i",
            &format!("sine=frequency={hz}:duration=1"),
            "-c:a",
            "libmp3lame",
        ],
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dashboard_shows_quotas_deadlines_blockers_and_switches_campaign() -> Res {
    let sandbox = Sandbox::new();
    let home = sandbox.path("home");
    let library = home.join("金平资料库");
    let lib = library.as_path();
    init_jinping(lib);
    // A partly filled library: three recitations ready, one without its originality
    // declaration, one good micro-video and one 720p one recommended with a reason.
    let add = |file: &Path, category: &str, title: &str, declare: bool| -> String {
        let mut args = vec![
            "entry",
            "add",
            file.to_str().unwrap_or_default(),
            "--category",
            category,
            "--title",
            title,
            "--author",
            "张三",
        ];
        if declare {
            args.extend(["--declare", "original"]);
        }
        cli(lib, &args)["id"].to_string()
    };
    let mut ids = Vec::new();
    for (i, hz) in [330, 440, 550].into_iter().enumerate() {
        let f = tone(&home, &format!("朗诵{i}.mp3"), hz);
        ids.push(add(&f, "recitation", &format!("经典诵读{}", i + 1), true));
    }
    let undeclared = tone(&home, "朗诵-未声明.mp3", 660);
    ids.push(add(&undeclared, "recitation", "未声明的诵读", false));
    let good = video(&home, "劳模风采.mp4", "1920x1080", 0);
    ids.push(add(&good, "micro-video", "劳模风采", true));
    let small = video(&home, "工匠-720p.mp4", "1280x720", 90);
    let small_id = add(&small, "micro-video", "工匠技艺（720P）", true);
    for id in &ids {
        cli(lib, &["entry", "update", id, "--recommend", "true"]);
    }
    cli(
        lib,
        &[
            "entry",
            "update",
            &small_id,
            "--recommend",
            "true",
            "--override-reason",
            "原片在路上",
        ],
    );

    // The clerk opens the window the morning before the contact person is due.
    let now = Path::new("2023-06-07T10:00:00+08:00");
    let driver = Driver::start_with(&sandbox, &[("BAOSONG_LIBRARY", lib), ("BAOSONG_NOW", now)]);
    let w = clerk(&driver, "03-dashboard").await?;
    w.el("dashboard").await?;
    w.see("诵读还差7件").await?;
    // The 720p video recommended with a reason is 已特批: it counts and does not block.
    w.see("微视频还差8件").await?;
    w.see("1件推荐作品待处理").await?;
    w.see("还差7件（至少10件，合格的推荐作品3件）").await?;
    w.see("北京时间 2023-06-07 10:00").await?;
    w.see("还剩1天2小时").await?;
    let contact = w.text("contact-text").await?;
    assert!(
        contact.contains("姓名：陈晓") && contact.contains("联系电话：0754-88123456"),
        "{contact}"
    );
    let blockers = w.text("blocker-panel").await?;
    assert!(blockers.contains("未声明的诵读"), "{blockers}");
    assert!(blockers.contains("未确认原创声明"), "{blockers}");
    assert!(!blockers.contains("分辨率为1280×720"), "{blockers}");
    let special = w.text("special-list").await?;
    assert!(
        special.contains("工匠技艺（720P）") && special.contains("原片在路上"),
        "{special}"
    );
    w.shot("dashboard").await;

    // 已报送, with its date.
    w.click("mark-contact-done").await?;
    w.see("是哪一天报送的").await?;
    let confirm =
        w.c.wait()
            .at_most(WAIT)
            .for_element(Locator::XPath(
                "//div[contains(@class,'el-message-box')]//button[normalize-space(.)='标记']",
            ))
            .await?;
    confirm.click().await?;
    w.see("已报送 2023-06-07").await?;
    w.see("已报送（2023-06-07）").await?;

    // A special approval opens its entry.
    w.click(&format!("special-{small_id}")).await?;
    w.see("审核与推荐").await?;
    let title = w.input("entry-title").await?.prop("value").await?;
    assert_eq!(title.as_deref(), Some("工匠技艺（720P）"));
    w.click("entry-cancel").await?;
    w.gone("审核与推荐").await?;
    w.click("nav-dashboard").await?;
    w.el("dashboard").await?;

    // 打印小样 of one category, from its quota row: every work catalogued in it.
    w.click("quota-print-micro-video").await?;
    w.el("print-dialog").await?;
    w.see("列表中的全部作品（2 件）").await?;
    w.preview_size("contact-sheet-3x4-all").await?;
    let text = pdftotext(&lib.join("prints/作品小样-微视频.pdf"));
    assert!(
        text.contains("劳模风采") && text.contains("工匠技艺") && !text.contains("经典诵读"),
        "{text}"
    );
    w.shot("print-category").await;
    w.click_text("关闭").await?;
    w.gone("列表中的全部作品").await?;

    // The province: its unit type is asked once, then its caps and dates are shown.
    w.choose("campaign-switch", "南粤好网民2023").await?;
    w.el("unit-type-dialog").await?;
    w.see("数量要求按单位类型计算").await?;
    w.choose("unit-type-select", "地级以上市总工会").await?;
    w.click("unit-type-confirm").await?;
    w.see("已切换到“南粤好网民2023”").await?;
    w.see("电脑端报送").await?;
    w.see("最多 10 件").await?;
    w.gone("诵读还差7件").await?;
    w.shot("dashboard-provincial").await;
    w.c.clone().close().await?;

    let office = cli(lib, &["info"]);
    assert_eq!(office["office"]["campaign_id"], "guangdong-2023");
    assert_eq!(office["office"]["unit_type"], "prefecture-city");
    Ok(())
}

/// How many thumbnails the window has really drawn (loaded through the asset protocol).
async fn drawn_thumbnails(w: &Clerk) -> Res<u64> {
    Ok(w.c
        .execute(
            "return [...document.querySelectorAll('[data-testid=\"thumb-img\"]')]
                 .filter(i => i.complete && i.naturalWidth > 0).length;",
            vec![],
        )
        .await?
        .as_u64()
        .unwrap_or(0))
}

/// Ticks the selection box of the table row showing `title`.
async fn select_row(w: &Clerk, title: &str) -> Res {
    let xpath = format!(
        "//tr[contains(@class,'el-table__row')][.//span[@class='entry-title' and normalize-space(.)='{title}']]//label[contains(@class,'el-checkbox')]"
    );
    let boxes = w.c.find_all(Locator::XPath(&xpath)).await?;
    let first = boxes
        .into_iter()
        .next()
        .ok_or_else(|| format!("no row “{title}” to select"))?;
    // A dialog still fading out can cover the row for a moment.
    let mut last = String::new();
    for _ in 0..10 {
        match first.click().await {
            Ok(()) => return Ok(()),
            Err(e) => last = e.to_string(),
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    w.shot(&format!("failed-select-{title}")).await;
    Err(format!("ticking the row “{title}” failed: {last}").into())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_a_folder_see_thumbnails_review_and_bulk_edit() -> Res {
    let sandbox = Sandbox::new();
    let home = sandbox.path("home");
    let library = home.join("澄海资料库");
    cli(
        &library,
        &[
            "init",
            "--office",
            "澄海区总工会",
            "--unit-type",
            "district",
        ],
    );
    // A USB stick from a grassroots union: two good films, a 720p one, and a film sent twice.
    let stick = home.join("U盘");
    std::fs::create_dir_all(stick.join("补充"))?;
    let first = video(&stick, "匠心传承.mp4", "1920x1080", 0);
    video(&stick, "最美劳动者.mp4", "1920x1080", 120);
    let phone = video(&stick.join("补充"), "手机拍摄-720p.mp4", "1280x720", 240);
    // Phone footage is big: pad it with a 160 MB `free` box (still a valid MP4), so the import
    // takes long enough for its progress to be seen.
    {
        use std::io::Write;
        let pad: u32 = 160 << 20;
        let mut f = std::fs::OpenOptions::new().append(true).open(&phone)?;
        f.write_all(&(pad + 8).to_be_bytes())?;
        f.write_all(b"free")?;
        let chunk = vec![0u8; 1 << 20];
        for _ in 0..160 {
            f.write_all(&chunk)?;
        }
    }
    std::fs::copy(&first, stick.join("补充").join("匠心传承（重发）.mp4"))?;

    let driver = Driver::start_with(&sandbox, &[("BAOSONG_LIBRARY", &library)]);
    let w = clerk(&driver, "04-import").await?;
    w.el("dashboard").await?;
    w.click("nav-entries").await?;
    w.click("import-open").await?;
    w.el("import-dialog").await?;
    w.fill("import-path", &stick.display().to_string()).await?;
    w.input("import-path").await?.send_keys("\u{E007}").await?;
    w.see("U盘").await?;
    w.choose("import-category", "各级劳模、先进人物微视频")
        .await?;
    w.shot("import-ready").await;
    w.click("import-start").await?;
    // Files, bytes, speed and time left while it copies.
    w.see("个文件 ·").await?;
    w.shot("import-progress").await;
    w.see("共新增 3 件，重复 1 个，失败 0 个").await?;
    let report = w.text("import-report").await?;
    assert!(report.contains("《匠心传承》"), "{report}");
    assert!(report.contains("内容相同，已跳过"), "{report}");
    w.shot("import-report").await;
    // The clerk decides the resent file is the same work from another sender.
    w.click("dup-link").await?;
    w.see("已记为同一作品的另一来源").await?;
    w.see("已记为其另一来源").await?;
    w.click("import-done").await?;
    w.see("共 3 件").await?;
    w.gone("导入作品文件").await?;

    // Thumbnails of the films, made without ffmpeg and served from the library folder only.
    let deadline = Instant::now() + WAIT;
    while drawn_thumbnails(&w).await? < 3 {
        if Instant::now() > deadline {
            w.shot("failed-thumbnails").await;
            return Err("the three thumbnails were never drawn".into());
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    w.shot("list-with-thumbnails").await;

    // Bulk edit: two works get the right unit and 已通过 at once.
    select_row(&w, "匠心传承").await?;
    select_row(&w, "最美劳动者").await?;
    w.click("bulk-open").await?;
    w.see("批量修改 2 件作品").await?;
    w.click("bulk-change-unit").await?;
    w.fill("bulk-unit", "澄海区莲下镇总工会").await?;
    w.choose("bulk-status", "已通过").await?;
    w.shot("bulk-edit").await;
    w.click("bulk-save").await?;
    w.see("已修改 2 件作品").await?;
    w.choose("filter-unit", "澄海区莲下镇总工会").await?;
    w.see("共 2 件").await?;
    w.gone("手机拍摄-720p").await?;

    // Review one: fill in its author, recommend it; its thumbnail shows in the drawer.
    w.fill("filter-text", "匠心").await?;
    w.gone("最美劳动者").await?;
    w.click("edit-entry").await?;
    w.see("审核与推荐").await?;
    w.see("另经以下来源收到相同内容").await?;
    w.fill("entry-authors", "陈师傅").await?;
    w.click("decl-original").await?;
    w.click("review-recommended").await?;
    w.click("play-file").await?;
    w.el("viewer-video").await?;
    // The window's player reads the stored film itself (not only a dialog around it).
    let duration = w.media_duration("viewer-video").await?;
    assert!(
        duration.as_f64().is_some_and(|d| d > 0.5),
        "the film plays in the window: {duration}"
    );
    w.shot("viewer").await;
    w.c.find(Locator::Css(
        "[data-testid=\"viewer\"] .el-dialog__headerbtn",
    ))
    .await?
    .click()
    .await?;
    w.click("entry-save").await?;
    w.see("已保存").await?;
    assert!(w.text("entry-recommended").await?.contains("推荐"));

    // 不合格 finds the 720p film.
    w.click("filter-reset").await?;
    w.see("共 3 件").await?;
    w.choose("filter-verdict", "不合格").await?;
    w.see("手机拍摄-720p").await?;
    w.see("共 1 件").await?;
    w.shot("filter-failing").await;
    w.click("filter-reset").await?;

    // A registration sheet for works already on the stick: the preview shows each row, the
    // rows whose files are already in the library stay out.
    let sheet = home.join("报名表.csv");
    std::fs::write(
        &sheet,
        "澄海区作品报名表,,,,\n序号,作品名称,作者,联系电话,文件名\n1,新作品,林八,13800138000,\n2,,无名,13800138000,\n",
    )?;
    // The arrow beside 导入文件/文件夹 opens its menu (a click, as the clerk's mouse does).
    w.c.find(Locator::Css(
        "[data-testid=\"import-open-menu\"] .el-dropdown__caret-button",
    ))
    .await?
    .click()
    .await?;
    w.click("sheet-open").await?;
    w.el("sheet-dialog").await?;
    w.fill("sheet-path", &sheet.display().to_string()).await?;
    w.choose("sheet-category", "各级劳模、先进人物微视频")
        .await?;
    w.click("sheet-preview").await?;
    w.see("可导入 1 行，1 行有错误将不导入").await?;
    w.see("缺少作品名称").await?;
    w.shot("sheet-preview").await;
    w.click("sheet-import").await?;
    w.see("已导入 1 件作品").await?;
    w.shot("sheet-done").await;
    w.c.clone().close().await?;

    // The catalog agrees.
    let conn = rusqlite::Connection::open(library.join("catalog.sqlite"))?;
    let units: i64 = conn.query_row(
        "SELECT count(*) FROM entries WHERE unit = '澄海区莲下镇总工会' AND status = 'approved'",
        [],
        |r| r.get(0),
    )?;
    assert_eq!(units, 2);
    let linked: i64 = conn.query_row("SELECT count(*) FROM file_sources", [], |r| r.get(0))?;
    assert_eq!(linked, 1);
    let from_sheet: String = conn.query_row(
        "SELECT authors FROM entries WHERE title = '新作品'",
        [],
        |r| r.get(0),
    )?;
    assert_eq!(from_sheet, r#"["林八"]"#);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn make_a_batch_see_its_names_export_it_and_plan_the_mail() -> Res {
    let sandbox = Sandbox::new();
    let home = sandbox.path("home");
    let library = home.join("龙湖资料库");
    let lib = library.as_path();
    cli(
        lib,
        &[
            "init",
            "--office",
            "龙湖区总工会",
            "--unit-type",
            "district",
            "--contact-name",
            "郑玥",
            "--contact-title",
            "宣教部部长",
            "--contact-phone",
            "0754-88990011",
        ],
    );
    let add = |file: &Path, category: &str, title: &str, declare: bool| -> String {
        let mut args = vec![
            "entry",
            "add",
            file.to_str().unwrap_or_default(),
            "--category",
            category,
            "--title",
            title,
            "--author",
            "林堃",
            "--unit",
            "龙湖区某街道",
        ];
        if declare {
            args.extend(["--declare", "original"]);
        }
        cli(lib, &args)["id"].to_string()
    };
    let mut ready = Vec::new();
    for (i, hz) in [330, 440].into_iter().enumerate() {
        let f = tone(&home, &format!("诵读{i}.mp3"), hz);
        ready.push(add(&f, "recitation", &format!("读经典{}", i + 1), true));
    }
    let v = video(&home, "工匠.mp4", "1920x1080", 30);
    ready.push(add(&v, "micro-video", "工匠：精神/传承", true));
    let undeclared = video(&home, "未声明.mp4", "1920x1080", 60);
    let blocked = add(&undeclared, "micro-video", "未声明的视频", false);
    for id in ready.iter().chain([&blocked]) {
        cli(lib, &["entry", "update", id, "--recommend", "true"]);
    }
    let stick = home.join("U盘");
    std::fs::create_dir_all(&stick)?;

    let now = Path::new("2023-06-20T10:00:00+08:00");
    let driver = Driver::start_with(&sandbox, &[("BAOSONG_LIBRARY", lib), ("BAOSONG_NOW", now)]);
    let w = clerk(&driver, "05-batch").await?;
    w.el("dashboard").await?;
    w.click("nav-batches").await?;
    w.see("还没有批次").await?;
    w.shot("empty").await;

    // Make the batch: the clerk sees what goes in, what stays out and why, and the warnings.
    w.click("batch-create-open").await?;
    w.el("batch-create-dialog").await?;
    let count = w.text("batch-draft-count").await?;
    assert!(count.contains("3件作品"), "{count}");
    let left = w.text("batch-draft-left-out").await?;
    assert!(
        left.contains("未声明的视频") && left.contains("原创"),
        "{left}"
    );
    w.see("诵读：还差8件").await?;
    w.shot("create").await;
    w.click("batch-create-confirm").await?;
    w.see("已制作第1批").await?;
    w.gone("将放入第1批").await?;

    // Its works under their new names, the title kept whole in the table.
    let table = w.text("batch-entries-table").await?;
    assert!(
        table.contains("01-龙湖区某街道-林堃-读经典1.mp3"),
        "{table}"
    );
    assert!(table.contains("工匠：精神/传承"), "{table}");
    assert!(table.contains("工匠：精神／传承.mp4"), "{table}");
    assert!(!table.contains("未声明的视频"), "{table}");
    w.shot("works").await;

    // Export to the stick: progress, then the folder, verifiable with sha256sum.
    w.click("batch-export-open").await?;
    w.fill("export-dest", &stick.display().to_string()).await?;
    w.click("export-start").await?;
    w.el("export-done").await?;
    w.see("龙湖区总工会-汕头好网民2023-第1批").await?;
    w.shot("exported").await;
    let folder = stick.join("龙湖区总工会-汕头好网民2023-第1批");
    let check = Command::new("sha256sum")
        .args(["-c", "SHA256SUMS.txt"])
        .current_dir(&folder)
        .status()?;
    assert!(check.success(), "the exported package does not verify");
    w.click_text("关闭").await?;
    w.see("已导出").await?;

    // The mail plan, message by message, under a small limit so the video is split.
    w.click_text("邮件计划").await?;
    w.el("plan-table").await?;
    w.see("第1封").await?;
    w.see("报送汇总表.xlsx").await?;
    w.shot("plan").await;

    // 打印 from the batch: the dialog makes the document, shows its first page, then opens
    // or saves it. The 汇总表 is landscape; switching to the contact sheet makes that one.
    w.menu("batch-print", "print-summary", "打开并打印").await?;
    w.el("print-dialog").await?;
    let (width, height) = w.preview_size("summary-3x4-all").await?;
    assert!(
        width > height,
        "the 汇总表 is A4 landscape: {width}×{height}"
    );
    assert!(w.text("print-facts").await?.contains("共 1 页"));
    assert!(lib.join("prints/报送汇总表-第1批.pdf").is_file());
    w.shot("print-summary").await;
    w.click("print-document-contact-sheet").await?;
    w.click("print-layout-4x5").await?;
    let (width, height) = w.preview_size("contact-sheet-4x5-all").await?;
    assert!(
        width < height,
        "the contact sheet is A4 portrait: {width}×{height}"
    );
    let sheet = lib.join("prints/作品小样-第1批.pdf");
    let text = pdftotext(&sheet);
    assert!(
        text.contains("工匠：精神/传承") && text.contains("读经典2"),
        "{text}"
    );
    w.shot("print-sheet").await;
    w.click_text("关闭").await?;

    // From the works list, as filtered: only the works the clerk sees are printed.
    w.click("nav-entries").await?;
    w.fill("filter-text", "读经典1").await?;
    w.see("共 1 件").await?;
    w.click("print-entries").await?;
    w.el("print-dialog").await?;
    w.see("列表中的全部作品（1 件）").await?;
    w.preview_size("contact-sheet-3x4-all").await?;
    let text = pdftotext(&lib.join("prints/作品小样-全部类别-筛选结果.pdf"));
    assert!(
        text.contains("读经典1") && !text.contains("读经典2"),
        "{text}"
    );
    assert!(text.contains("关键词：读经典1"), "{text}");
    w.shot("print-filtered").await;
    // 打开 hands the file to the system's viewer; on a machine without one the clerk is told
    // where the file is.
    w.click("print-open").await?;
    w.see_any(&["已在系统的 PDF 阅读器中打开", "无法用系统程序打开 PDF"])
        .await?;
    w.c.clone().close().await?;

    let list = cli(lib, &["batch", "list"]);
    assert!(list[0]["exported_at"].is_string(), "{list}");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_a_batch_from_the_window_and_watch_the_outbox() -> Res {
    let sandbox = Sandbox::new();
    let home = sandbox.path("home");
    let library = home.join("濠江资料库");
    let lib = library.as_path();
    cli(
        lib,
        &[
            "init",
            "--office",
            "濠江区总工会",
            "--unit-type",
            "district",
            "--contact-name",
            "许珺",
            "--contact-title",
            "办公室主任",
            "--contact-phone",
            "0754-87771234",
        ],
    );
    let f = tone(&home, "诵读.mp3", 520);
    let id = cli(
        lib,
        &[
            "entry",
            "add",
            f.to_str().unwrap_or_default(),
            "--category",
            "recitation",
            "--title",
            "海湾之歌",
            "--author",
            "许珺",
            "--declare",
            "original",
        ],
    )["id"]
        .to_string();
    cli(lib, &["entry", "update", &id, "--recommend", "true"]);
    cli(lib, &["batch", "create"]);

    // A real SMTP server on loopback, and the account pointed at it (the 授权码 by stdin).
    smtp::certs(&home);
    let server = smtp::Server::start(&home, "smtp", "tls", "none", 20_000_000);
    let config = sandbox.path("baosong-config");
    let secret_env = [
        ("BAOSONG_SECRET_STORE", Path::new("file")),
        ("BAOSONG_CONFIG_DIR", config.as_path()),
    ];
    let set_account = |port: u16| -> Res {
        let mut set = Command::new(app_binary().with_file_name("baosong-cli"))
            .arg("--library")
            .arg(lib)
            .args([
                "account",
                "set",
                "--preset",
                "custom",
                "--address",
                smtp::ADDRESS,
                "--host",
                "localhost",
            ])
            .args([
                "--port",
                &port.to_string(),
                "--security",
                "tls",
                "--password-stdin",
                "--ca-file",
            ])
            .arg(home.join("certs/ca.pem"))
            .envs(secret_env)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()?;
        if let Some(mut stdin) = set.stdin.take() {
            use std::io::Write;
            stdin.write_all(smtp::SECRET.as_bytes())?;
        }
        assert!(set.wait()?.success(), "account set failed");
        Ok(())
    };
    set_account(server.port)?;

    let now = Path::new("2023-06-20T10:00:00+08:00");
    let driver = Driver::start_with(
        &sandbox,
        &[
            ("BAOSONG_LIBRARY", lib),
            ("BAOSONG_NOW", now),
            ("BAOSONG_SECRET_STORE", Path::new("file")),
            ("BAOSONG_SEND_PAUSE_MS", Path::new("0")),
            ("BAOSONG_OUTBOX_EVERY_S", Path::new("1")),
        ],
    );
    let w = clerk(&driver, "06-send").await?;
    // A new recitation in a new batch, queued by the command line, which cannot send it (no
    // 授权码 where it looks): the window's background sender is the one to act on it.
    let queue_unsent = |file: &Path, title: &str, batch: u32| -> Res {
        let id = cli(
            lib,
            &[
                "entry",
                "add",
                file.to_str().unwrap_or_default(),
                "--category",
                "recitation",
                "--title",
                title,
                "--author",
                "许珺",
                "--declare",
                "original",
            ],
        )["id"]
            .to_string();
        cli(lib, &["entry", "update", &id, "--recommend", "true"]);
        cli(lib, &["batch", "create"]);
        let queued = Command::new(app_binary().with_file_name("baosong-cli"))
            .arg("--library")
            .arg(lib)
            .args(["send", &batch.to_string()])
            .env("BAOSONG_SECRET_STORE", "file")
            .env("BAOSONG_CONFIG_DIR", sandbox.path("empty-config"))
            .output()?;
        assert!(!queued.status.success(), "no 授权码 there: nothing sent");
        Ok(())
    };

    w.el("dashboard").await?;
    w.click("open-account").await?;
    w.el("mail-account-dialog").await?;
    let placeholder = w.input("account-secret").await?.attr("placeholder").await?;
    assert!(
        placeholder.unwrap_or_default().contains("已保存"),
        "the window knows a secret is stored, never what it is"
    );
    // A click while the dialog still fades in can fall through: try again, as a clerk would.
    let mut tested = false;
    for _attempt in 0..3 {
        w.click("account-test").await?;
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline && !tested {
            tested =
                w.c.find(Locator::Css(&Clerk::css("account-tested")))
                    .await
                    .is_ok();
            tokio::time::sleep(Duration::from_millis(150)).await;
        }
        if tested {
            break;
        }
    }
    w.el("account-tested").await?;
    w.see("连接成功").await?;
    w.shot("account").await;
    w.click_text("取消").await?;

    w.click("nav-batches").await?;
    w.click("batch-send").await?;
    w.see("将从 jinping@localhost.test 发送1封邮件").await?;
    w.click_text("发送").await?;
    w.el("outbox-table").await?;
    w.see("已发送 1 封").await?;
    let table = w.text("outbox-table").await?;
    assert!(table.contains("已发送") && table.contains("250"), "{table}");
    w.gone("将从 jinping@localhost.test").await?;
    w.shot("outbox").await;

    // A 补报 batch queued by the command line, which could not send it (no 授权码 where it
    // looked): the window's background sender sends it, and the 发件箱 shows it without a click.
    // Paused first by the clerk: the batch waits, the 发件箱 says so and offers 继续发送, and
    // one click lets the background sender take it.
    w.click("outbox-pause-auto").await?;
    w.el("outbox-hold").await?;
    let more = tone(&home, "补报.mp3", 610);
    queue_unsent(&more, "补报的诵读", 2)?;
    // Three rounds of the background sender (one a second here) pass without a send.
    tokio::time::sleep(Duration::from_secs(3)).await;
    w.click("nav-batches").await?;
    w.click("nav-outbox").await?;
    w.see("由您暂停").await?;
    let table = w.text("outbox-table").await?;
    assert!(table.contains("待发送"), "a paused outbox sent: {table}");
    w.shot("outbox-paused").await;
    w.click("outbox-resume").await?;
    w.gone("由您暂停").await?;
    let deadline = Instant::now() + WAIT;
    loop {
        let table = w.text("outbox-table").await?;
        if table.matches("已发送").count() >= 2 && !table.contains("待发送") {
            break;
        }
        if Instant::now() > deadline {
            w.shot("failed-background").await;
            return Err(format!("the background sender's work never showed:\n{table}").into());
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    w.shot("outbox-background").await;

    // A server that takes less than the account was planned for: the send hears the server's
    // SIZE, plans the batch again under it by itself and sends it in parts — no question to
    // the clerk, no too-large message left waiting.
    let small = smtp::Server::start(&home, "small", "tls", "none", 400_000);
    set_account(small.port)?;
    let long = ffmpeg(
        &home,
        "长诵读.mp3",
        &[
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=700:duration=60",
            "-b:a",
            "64k",
        ],
    );
    queue_unsent(&long, "长篇诵读", 3)?;
    let deadline = Instant::now() + WAIT;
    while small.arrived(&home.join("arrived-small")).len() < 2 {
        if Instant::now() > deadline {
            w.shot("failed-replan").await;
            return Err("the batch was not replanned and sent in parts by itself".into());
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let table = w.text("outbox-table").await?;
    assert!(!table.contains("服务器不接收"), "{table}");
    w.shot("outbox-replanned").await;

    // The office network blocks SMTP (the server is gone): a 补报 batch cannot go, so the clerk
    // sends it through webmail from its attachments folder and marks it 已手工发送.
    drop(small);
    let last = tone(&home, "最后.mp3", 720);
    queue_unsent(&last, "手工发送的诵读", 4)?;
    let outbox = cli(lib, &["outbox"]);
    let stuck: Vec<String> = outbox
        .as_array()
        .map(|a| {
            a.iter()
                .filter(|m| m["batch_id"] == 4)
                .map(|m| m["id"].to_string())
                .collect()
        })
        .unwrap_or_default();
    assert!(!stuck.is_empty(), "{outbox}");
    // The background sender tries each message once (a round a second here), then waits for
    // the retry a minute later: the clerk acts once each shows its retry time.
    let deadline = Instant::now() + WAIT;
    while w.text("outbox-table").await?.matches("自动重试").count() < stuck.len() {
        if Instant::now() > deadline {
            w.shot("failed-offline").await;
            return Err("the offline messages never showed their retry".into());
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    for (n, id) in stuck.iter().enumerate() {
        w.menu(
            &format!("by-hand-{id}"),
            &format!("by-hand-done-{id}"),
            "全部附件已通过网页邮箱发到",
        )
        .await?;
        w.click_text("确认").await?;
        w.gone("全部附件已通过网页邮箱发到").await?;
        // The row now says how it went.
        let deadline = Instant::now() + WAIT;
        while w.text("outbox-table").await?.matches("手工发送）").count() < n + 1 {
            if Instant::now() > deadline {
                w.shot("failed-by-hand").await;
                return Err(format!("message {id} never showed as sent by hand").into());
            }
            tokio::time::sleep(Duration::from_millis(150)).await;
        }
    }
    w.shot("outbox-by-hand").await;
    let outbox = cli(lib, &["outbox"]);
    assert!(
        outbox
            .as_array()
            .is_some_and(|a| a.iter().all(|m| m["state"] == "sent")),
        "{outbox}"
    );

    // 关于 → 导出诊断信息: the zip a support call asks for tells the day's story from the log,
    // and never holds the 授权码 this window sent with.
    w.click("open-about").await?;
    w.el("about-dialog").await?;
    assert_eq!(w.text("about-version").await?, env!("CARGO_PKG_VERSION"));
    assert!(
        w.text("about-campaign-file")
            .await?
            .contains("shantou-2023.toml")
    );
    w.click("export-diagnostics").await?;
    let zip_path = PathBuf::from(w.text("diagnostics-path").await?.trim());
    w.shot("about-diagnostics").await;
    assert!(zip_path.starts_with(&home), "{}", zip_path.display());
    let texts = zip_texts(&zip_path)?;
    let log = texts
        .iter()
        .find(|(name, _)| name.starts_with("logs/baosong."))
        .map(|(_, text)| text.as_str())
        .unwrap_or_default();
    for event in [
        "window started",
        "library opened",
        "outbox.sent",
        "outbox.resolved",
    ] {
        assert!(
            log.contains(event),
            "no {event} in the window's log:\n{log}"
        );
    }
    for (name, text) in &texts {
        assert!(!text.contains(smtp::SECRET), "{name} holds the 授权码");
    }
    w.c.clone().close().await?;

    let arrived = server.arrived(&home.join("arrived"));
    assert_eq!(arrived.len(), 2, "{arrived:?}");
    let subjects: Vec<&str> = arrived
        .iter()
        .filter_map(|m| m["subject"].as_str())
        .collect();
    // The second batch names itself, so the municipal inbox tells the two apart.
    assert!(
        subjects.contains(&"濠江区总工会-汕头好网民2023-作品报送（第1封/共1封）")
            && subjects.contains(&"濠江区总工会-汕头好网民2023-作品报送-第2批（第1封/共1封）"),
        "{subjects:?}"
    );
    Ok(())
}

/// 备份与恢复 in the window: a backup is restored with one confirmation, the work added after it
/// is offered as a 未编目文件 and catalogued again, the 体检 runs; then the catalog is lost, and
/// opening the folder offers its backups instead of 新建 over the works.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restore_a_backup_catalogue_unlisted_files_and_find_a_lost_catalog() -> Res {
    let sandbox = Sandbox::new();
    let home = sandbox.path("home");
    let library = home.join("南澳资料库");
    let lib = library.as_path();
    cli(
        lib,
        &[
            "init",
            "--office",
            "南澳县总工会",
            "--unit-type",
            "county-or-zone",
        ],
    );
    let add = |file: &Path, title: &str| {
        cli(
            lib,
            &[
                "entry",
                "add",
                file.to_str().unwrap_or_default(),
                "--category",
                "recitation",
                "--title",
                title,
                "--author",
                "林晓",
            ],
        )
    };
    add(&tone(&home, "海.mp3", 440), "海的诵读");
    cli(lib, &["backup", "create"]);
    let later = add(&tone(&home, "岛.mp3", 550), "岛的诵读");
    let later_file = library.join(
        later["files"][0]["stored_path"]
            .as_str()
            .unwrap_or_default(),
    );

    {
        let driver = Driver::start_with(&sandbox, &[("BAOSONG_LIBRARY", lib)]);
        let w = clerk(&driver, "07-safety").await?;
        w.el("dashboard").await?;
        w.click("open-safety").await?;
        w.el("backup-table").await?;
        w.see("手动").await?;
        w.shot("backups").await;
        // The newest backup (the clerk's, with one work) first.
        w.click("backup-restore").await?;
        w.see("恢复前会自动备份现在的目录").await?;
        w.shot("restore-confirm").await;
        w.click_text("恢复").await?;
        w.see("有 1 个作品文件未登记").await?;
        assert!(later_file.is_file(), "a restore deleted a stored work");
        w.el("unlisted-table").await?;
        w.see("岛.mp3").await?;
        w.shot("unlisted").await;
        let checkbox =
            w.c.wait()
                .at_most(WAIT)
                .for_element(Locator::Css(
                    "[data-testid=\"unlisted-table\"] .el-table__body .el-checkbox",
                ))
                .await?;
        checkbox.click().await?;
        // An option clicked while the menu still slides in inside a dialog can fall through:
        // choose again until the select shows it, as a clerk would.
        for _attempt in 0..4 {
            w.choose("unlisted-category", "网络正能量诵读作品").await?;
            tokio::time::sleep(Duration::from_millis(400)).await;
            if w.text("unlisted-category")
                .await?
                .contains("网络正能量诵读作品")
            {
                break;
            }
        }
        w.click("unlisted-adopt").await?;
        w.see("已重新登记 1 件作品").await?;
        w.see("没有未编目文件").await?;
        w.click_text("体检").await?;
        w.click("doctor-run").await?;
        w.see("没有发现问题").await?;
        w.shot("doctor").await;
        let entries = cli(lib, &["entry", "list"]);
        assert_eq!(entries.as_array().map(Vec::len), Some(2), "{entries}");
    }

    // The catalog is lost (an antivirus quarantined it): the folder is never set up anew; its
    // backups are offered, and one brings the works back.
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(library.join(format!("catalog.sqlite{suffix}")));
    }
    let driver = Driver::start(&sandbox);
    let w = clerk(&driver, "07-safety").await?;
    w.el("setup").await?;
    w.click_text("打开已有资料库").await?;
    w.fill("open-path", &library.display().to_string()).await?;
    w.click_text("打开").await?;
    w.el("lost-catalog").await?;
    w.see("不能在此新建资料库").await?;
    w.el("lost-backups").await?;
    w.shot("lost-catalog").await;
    w.click("lost-restore").await?;
    w.el("dashboard").await?;
    assert!(library.join("catalog.sqlite").is_file());
    assert!(later_file.is_file());
    w.shot("lost-catalog-found").await;
    Ok(())
}

/// A new library for 金平区总工会 with its contact person, made by the CLI.
fn init_jinping(library: &Path) {
    cli(
        library,
        &[
            "init",
            "--office",
            "金平区总工会",
            "--unit-type",
            "district",
            "--contact-name",
            "陈晓",
            "--contact-title",
            "宣教部干事",
            "--contact-phone",
            "0754-88123456",
        ],
    );
}

/// A second virtual display of the given size, for one test (stopped when dropped).
struct Screen {
    child: Child,
    display: String,
}

impl Screen {
    fn start(width: u32, height: u32) -> Self {
        // Xvfb picks a free display and writes its number to the pipe (`-displayfd`).
        let mut child = Command::new("Xvfb")
            .args([
                "-displayfd",
                "1",
                "-screen",
                "0",
                &format!("{width}x{height}x24"),
                "-nolisten",
                "tcp",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("Xvfb (installed by the test command)");
        let mut number = String::new();
        {
            use std::io::BufRead;
            let out = child.stdout.take().expect("Xvfb's pipe");
            std::io::BufReader::new(out)
                .read_line(&mut number)
                .expect("Xvfb says its display");
        }
        Screen {
            child,
            display: format!(":{}", number.trim()),
        }
    }
}

impl Drop for Screen {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A 1366×768 laptop, common in these offices: the first launch fits the screen (the
/// default window is taller), and every section is usable there — nothing wider than the
/// window, the navigation and each section's main action in view.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_a_1366_by_768_laptop_the_window_fits_and_every_section_is_usable() -> Res {
    let screen = Screen::start(1366, 768);
    let sandbox = Sandbox::new();
    let home = sandbox.path("home");
    let library = home.join("金平资料库");
    init_jinping(&library);
    let work = tone(&home, "朗诵.mp3", 440);
    let id = cli(
        &library,
        &[
            "entry",
            "add",
            work.to_str().unwrap_or_default(),
            "--category",
            "recitation",
            "--title",
            "我的祖国",
            "--author",
            "张三",
            "--declare",
            "original",
        ],
    )["id"]
        .to_string();
    cli(&library, &["entry", "update", &id, "--recommend", "true"]);
    cli(&library, &["batch", "create"]);

    let driver = Driver::start_with(
        &sandbox,
        &[
            ("BAOSONG_LIBRARY", &library),
            ("DISPLAY", Path::new(&screen.display)),
        ],
    );
    let w = clerk(&driver, "07-small-screen").await?;
    w.el("dashboard").await?;
    let sizes =
        w.c.execute(
            "return [window.outerWidth, window.outerHeight, screen.width, screen.height,
                     window.screenX, window.screenY];",
            vec![],
        )
        .await?;
    let n = |i: usize| sizes[i].as_f64().unwrap_or(f64::NAN);
    assert_eq!((n(2), n(3)), (1366.0, 768.0), "{sizes}");
    assert!(
        n(0) <= 1366.0 && n(1) <= 768.0,
        "the window runs off the screen: {sizes}"
    );
    assert!(
        n(4) >= 0.0 && n(5) >= 0.0 && n(4) + n(0) <= 1366.0 && n(5) + n(1) <= 768.0,
        "the window is placed off the screen: {sizes}"
    );

    for (nav, shows, action) in [
        ("nav-dashboard", "dashboard", "quota-panel"),
        ("nav-entries", "entry-table", "add-entry"),
        ("nav-batches", "batch-item", "batch-export-open"),
        ("nav-outbox", "outbox-table", "outbox-flush"),
    ] {
        w.click(nav).await?;
        w.el(shows).await?;
        let el = w.el(action).await?;
        let fit =
            w.c.execute(
                "const r = arguments[0].getBoundingClientRect();
                 return [document.documentElement.scrollWidth, window.innerWidth,
                         r.left, r.top, r.right, window.innerHeight];",
                vec![serde_json::to_value(&el)?],
            )
            .await?;
        let f = |i: usize| fit[i].as_f64().unwrap_or(f64::NAN);
        assert!(
            f(0) <= f(1),
            "{nav}: the page is wider than the window: {fit}"
        );
        assert!(
            f(2) >= 0.0 && f(3) >= 0.0 && f(4) <= f(1) && f(3) < f(5),
            "{nav}: {action} is out of view: {fit}"
        );
        w.shot(nav).await;
    }
    w.c.clone().close().await?;
    Ok(())
}

/// Launching the app again, as a clerk double-clicks the menu entry a second time, brings the
/// running window forward and opens no second one on the same library: the second process
/// hands over over D-Bus (here a private session bus) and exits at once.
#[test]
fn a_second_launch_hands_over_to_the_running_window_and_exits() {
    assert!(
        std::env::var_os("DISPLAY").is_some(),
        "no X display: run the end-to-end tests under xvfb-run (the README's test command does)"
    );
    let mut bus = Command::new("dbus-daemon")
        .args(["--session", "--nofork", "--print-address=1"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("dbus-daemon (installed by the test command)");
    let mut address = String::new();
    {
        use std::io::BufRead;
        let out = bus.stdout.take().expect("dbus-daemon's pipe");
        std::io::BufReader::new(out)
            .read_line(&mut address)
            .expect("dbus-daemon says its address");
    }
    let address = address.trim().to_owned();
    let sandbox = Sandbox::new();
    let library = sandbox.path("home").join("金平资料库");
    init_jinping(&library);
    let launch = || {
        Command::new(app_binary())
            .env("DBUS_SESSION_BUS_ADDRESS", &address)
            .env("HOME", sandbox.path("home"))
            .env("XDG_CONFIG_HOME", sandbox.path("config"))
            .env("XDG_DATA_HOME", sandbox.path("data"))
            .env("XDG_CACHE_HOME", sandbox.path("cache"))
            .env("BAOSONG_CONFIG_DIR", sandbox.path("baosong-config"))
            .env("BAOSONG_LIBRARY", &library)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the app")
    };
    let owned = || {
        Command::new("dbus-send")
            .args([
                &format!("--bus={address}"),
                "--print-reply",
                "--dest=org.freedesktop.DBus",
                "/org/freedesktop/DBus",
                "org.freedesktop.DBus.NameHasOwner",
                "string:cn.gov.shantou.baosong.SingleInstance",
            ])
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).contains("boolean true"))
            .unwrap_or(false)
    };

    let mut first = launch();
    let deadline = Instant::now() + Duration::from_secs(30);
    while !owned() {
        assert!(
            Instant::now() < deadline,
            "the first window never took the bus name"
        );
        assert!(
            first.try_wait().ok().flatten().is_none(),
            "the first window exited"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let mut second = launch();
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Ok(Some(status)) = second.try_wait() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = second.kill();
            let _ = first.kill();
            panic!("the second launch opened a window of its own (it kept running)");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(status.success(), "{status}");
    assert!(
        first.try_wait().ok().flatten().is_none(),
        "the running window must stay open"
    );
    let _ = first.kill();
    let _ = first.wait();
    let _ = bus.kill();
    let _ = bus.wait();
}

/// 市级收件 in the window: first run as the municipal office (市级收件), a district's package
/// taken in from a folder, the whole city's table with every unit, and the works behind a cell
/// with each file verified.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_municipal_office_receives_a_package_and_sees_the_whole_city() -> Res {
    let sandbox = Sandbox::new();
    let home = sandbox.path("home");
    // A district's package, made and exported with the CLI.
    let district = home.join("金平资料库");
    init_jinping(&district);
    for (i, hz) in [330, 440].into_iter().enumerate() {
        let f = tone(&home, &format!("诵读{i}.mp3"), hz);
        let id = cli(
            &district,
            &[
                "entry",
                "add",
                f.to_str().unwrap_or_default(),
                "--category",
                "recitation",
                "--title",
                &format!("读经典第{}篇", i + 1),
                "--author",
                "林堃",
                "--declare",
                "original",
            ],
        )["id"]
            .to_string();
        cli(
            &district,
            &[
                "entry",
                "update",
                &id,
                "--status",
                "approved",
                "--recommend",
                "true",
            ],
        );
    }
    let batch = cli(&district, &["batch", "create"])["batch"]["id"].to_string();
    let out = home.join("U盘");
    std::fs::create_dir_all(&out)?;
    let package = cli(
        &district,
        &[
            "batch",
            "export",
            &batch,
            "--out",
            out.to_str().unwrap_or_default(),
        ],
    )["folder"]
        .as_str()
        .unwrap_or_default()
        .to_owned();

    let driver = Driver::start_with(
        &sandbox,
        &[("BAOSONG_NOW", Path::new("2023-06-20T10:00:00+08:00"))],
    );
    let w = clerk(&driver, "09-city").await?;
    w.el("setup").await?;
    w.click("setup-role-city").await?;
    w.fill(
        "setup-location",
        &home.join("市级收件").display().to_string(),
    )
    .await?;
    assert_eq!(
        w.input("setup-city-office")
            .await?
            .prop("value")
            .await?
            .as_deref(),
        Some("汕头市工人文化宫")
    );
    w.shot("setup-city").await;
    w.click("setup-create").await?;
    w.el("city-table").await?;
    w.see("已报送单位：0 / 10").await?;
    w.see("龙湖区总工会").await?;

    w.click("receive-folder").await?;
    w.el("receive-folder-dialog").await?;
    // Let the dialog's opening animation settle before typing and clicking in it.
    tokio::time::sleep(Duration::from_millis(600)).await;
    w.fill("receive-folder-path", &package).await?;
    w.click("receive-folder-go").await?;
    w.see("已报送单位：1 / 10").await?;
    w.see("收到 2 · 合格 2").await?;
    w.shot("city-table").await;

    // 全部作品: every received work across the units, narrowed by a word of its title.
    w.click("city-section-works").await?;
    w.el("all-works").await?;
    w.see("共 2 件").await?;
    let all = w.text("all-works").await?;
    assert!(
        all.contains("金平区总工会") && all.contains("读经典第1篇") && all.contains("读经典第2篇"),
        "{all}"
    );
    w.fill("works-filter-text", "第2篇").await?;
    w.see("共 1 件").await?;
    assert!(!w.text("all-works").await?.contains("读经典第1篇"));
    w.shot("city-all-works").await;
    w.click("city-section-grid").await?;
    w.el("city-table").await?;

    // 导出全市汇总 into a folder on the stick: the documents are listed once written.
    w.click("city-export").await?;
    w.el("city-export-dialog").await?;
    // Let the dialog's opening animation settle before typing and clicking in it.
    tokio::time::sleep(Duration::from_millis(600)).await;
    let summary = home.join("U盘").join("全市汇总");
    w.fill("city-export-dest", &summary.display().to_string())
        .await?;
    w.click("city-export-start").await?;
    w.el("city-export-done").await?;
    w.see("全市作品小样-01-诵读.pdf").await?;
    w.shot("city-export").await;
    for name in [
        "全市汇总表.xlsx",
        "全市汇总表.pdf",
        "全市作品小样-01-诵读.pdf",
    ] {
        assert!(summary.join(name).is_file(), "{name} written");
    }
    w.click("city-export-close").await?;
    w.gone("导出完成").await?;

    w.click("cell-金平区总工会-recitation").await?;
    w.el("city-works-table").await?;
    w.see("读经典第2篇").await?;
    let table = w.text("city-works-table").await?;
    assert_eq!(
        table.matches('✓').count(),
        2,
        "both files verified: {table}"
    );
    assert!(!table.contains('✗'), "{table}");
    w.el("thumb-audio").await?;
    w.shot("city-works").await;

    // 查看 plays the received bytes in the window: the player reads the verified file from the
    // city's store (through the asset protocol, which allows it) and finds its one second.
    let stated = cli(&home.join("市级收件"), &["city", "works"]);
    let first = &stated[0]["files"][0];
    w.click("view-received").await?;
    w.el("viewer-audio").await?;
    tokio::time::sleep(Duration::from_millis(600)).await;
    let duration = w.media_duration("viewer-audio").await?;
    assert!(
        duration.as_f64().is_some_and(|d| d > 0.5 && d < 2.0),
        "the player reads a received file: {duration} ({first})"
    );
    w.shot("city-viewer").await;
    w.c.find(Locator::Css(
        "[data-testid=\"viewer\"] .el-dialog__headerbtn",
    ))
    .await?
    .click()
    .await?;
    tokio::time::sleep(Duration::from_millis(600)).await;

    // Answering the district: nothing to correct in an intact package; the 回执 shows its
    // text first, and without an address (a stick has no From) or an account nothing is queued.
    w.click("reply-correction-1").await?;
    w.see("没有需要补正的问题").await?;
    w.click("reply-receipt-1").await?;
    w.el("reply-dialog").await?;
    tokio::time::sleep(Duration::from_millis(600)).await;
    w.see("发送回执：金平区总工会 第1批").await?;
    let text = w.text("reply-text").await?;
    assert!(text.starts_with("金平区总工会："), "{text}");
    assert_eq!(
        text.matches("核对一致").count(),
        3,
        "two files and the summary: {text}"
    );
    assert!(text.contains("全部文件核对一致，无需补正。"), "{text}");
    assert!(w.text("reply-subject").await?.ends_with("收件回执"));
    w.shot("city-reply").await;
    w.click("reply-send").await?;
    w.see("没有来信的邮箱地址").await?;
    w.fill("reply-to", "jinping@example.test").await?;
    w.click("reply-send").await?;
    w.see("还没有设置发件邮箱").await?;
    w.c.clone().close().await?;
    Ok(())
}

/// Closes the drawer of a 全市 cell (once the dialog's fading overlay lets its close button
/// take the click) and waits for `shown`, a text in it, to go.
async fn close_city_works(w: &Clerk, shown: &str) -> Res {
    let close =
        w.c.find(Locator::Css(
            "[data-testid=\"city-works\"] .el-drawer__close-btn",
        ))
        .await?;
    let deadline = Instant::now() + Duration::from_secs(6);
    while let Err(e) = close.click().await {
        if Instant::now() > deadline {
            w.shot("failed-close-drawer").await;
            return Err(format!("the drawer's close button never took a click: {e}").into());
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    w.gone(shown).await
}

/// Waits until the 发件箱's table shows every one of `words` (the background sender works
/// on its own); on failure says what the table, the app's log and the SMTP server's log held.
async fn outbox_shows(w: &Clerk, server: &smtp::Server, home: &Path, words: &[&str]) -> Res {
    let deadline = Instant::now() + WAIT;
    loop {
        let table = w.text("outbox-table").await?;
        if words.iter().all(|word| table.contains(word)) {
            return Ok(());
        }
        if Instant::now() > deadline {
            w.shot("failed-outbox").await;
            let app_log: String = std::fs::read_dir(home.join(".local/state/baosong/logs"))
                .into_iter()
                .flatten()
                .flatten()
                .map(|e| std::fs::read_to_string(e.path()).unwrap_or_default())
                .collect();
            let smtp_log = std::fs::read_to_string(&server.log).unwrap_or_default();
            return Err(format!(
                "the 发件箱 never showed {words:?}:\n{table}\nthe app's log:\n{app_log}\nthe SMTP server's log:\n{smtp_log}"
            )
            .into());
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

/// Sets a library's mail account (SMTP on `smtp_port`, IMAP on `imap_port`, both on loopback
/// with the test CA) and its 授权码 in the file store under `config`, with the CLI.
fn set_account(lib: &Path, home: &Path, config: &Path, smtp_port: u16, imap_port: u16) -> Res {
    let mut set = Command::new(app_binary().with_file_name("baosong-cli"))
        .arg("--library")
        .arg(lib)
        .args([
            "account",
            "set",
            "--preset",
            "custom",
            "--address",
            smtp::ADDRESS,
        ])
        .args(["--host", "localhost", "--port", &smtp_port.to_string()])
        .args(["--security", "tls", "--imap-host", "localhost"])
        .args([
            "--imap-port",
            &imap_port.to_string(),
            "--password-stdin",
            "--ca-file",
        ])
        .arg(home.join("certs/ca.pem"))
        .env("BAOSONG_SECRET_STORE", "file")
        .env("BAOSONG_CONFIG_DIR", config)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()?;
    if let Some(mut stdin) = set.stdin.take() {
        use std::io::Write;
        stdin.write_all(smtp::SECRET.as_bytes())?;
    }
    assert!(set.wait()?.success(), "account set failed");
    Ok(())
}

/// 收取邮件 in the window: a district's batch sent through the real SMTP server lands in the
/// mailbox a real Dovecot serves; the municipal office reads it over a slow line, watching
/// each message come (第 k 封 / 共 n 封), stops part-way (取消: what came is kept), then
/// reads again and the batch is whole, every file verified. The 收件邮箱 dialog shows the
/// IMAP server the account reads.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_municipal_office_collects_its_mail_watching_each_message_come() -> Res {
    let sandbox = Sandbox::new();
    let home = sandbox.path("home");
    smtp::certs(&home);
    let dovecot = imap::Dovecot::start(
        &home,
        "imap",
        &home.join("smtp/Maildir"),
        smtp::ADDRESS,
        smtp::SECRET,
    );
    let server = smtp::Server::start(&home, "smtp", "tls", "none", 400_000);

    // 金平 sends three recitations of 12 seconds: more than one message under 400 kB.
    let district = home.join("金平资料库");
    init_jinping(&district);
    for (i, hz) in [330, 440, 550].into_iter().enumerate() {
        let f = ffmpeg(
            &home,
            &format!("诵读{i}.mp3"),
            &[
                "-f",
                "lavfi",
                "-i",
                &format!("sine=frequency={hz}:duration=12"),
            ],
        );
        let id = cli(
            &district,
            &[
                "entry",
                "add",
                f.to_str().unwrap_or_default(),
                "--category",
                "recitation",
                "--title",
                &format!("潮汕家书第{}篇", i + 1),
                "--author",
                "林堃",
                "--declare",
                "original",
            ],
        )["id"]
            .to_string();
        cli(
            &district,
            &[
                "entry",
                "update",
                &id,
                "--status",
                "approved",
                "--recommend",
                "true",
            ],
        );
    }
    let batch = cli(&district, &["batch", "create"])["batch"]["id"].to_string();
    let district_config = sandbox.path("district-config");
    set_account(
        &district,
        &home,
        &district_config,
        server.port,
        dovecot.port,
    )?;
    let sent = Command::new(app_binary().with_file_name("baosong-cli"))
        .arg("--library")
        .arg(&district)
        .args(["--json", "send", &batch])
        .env("BAOSONG_SECRET_STORE", "file")
        .env("BAOSONG_CONFIG_DIR", &district_config)
        .env("BAOSONG_SEND_PAUSE_MS", "0")
        .output()?;
    assert!(
        sent.status.success(),
        "{}",
        String::from_utf8_lossy(&sent.stderr)
    );
    let sent: serde_json::Value = serde_json::from_slice(&sent.stdout)?;
    let n = sent["flush"]["sent"].as_u64().unwrap_or(0);
    assert!(n >= 2, "several messages: {sent}");

    // The municipal office's library reads through a line of 60 kB a second.
    let city = home.join("市级收件");
    cli(
        &city,
        &["init", "--role", "city", "--office", "汕头市工人文化宫"],
    );
    let line = imap::Proxy::start(dovecot.port);
    line.slow(60_000);
    set_account(
        &city,
        &home,
        &sandbox.path("baosong-config"),
        server.port,
        line.port,
    )?;
    let driver = Driver::start_with(
        &sandbox,
        &[
            ("BAOSONG_LIBRARY", city.as_path()),
            ("BAOSONG_NOW", Path::new("2023-06-20T10:00:00+08:00")),
            ("BAOSONG_SECRET_STORE", Path::new("file")),
            ("BAOSONG_IMAP_TIMEOUT_S", Path::new("10")),
            // The background sender looks every second and sends at once.
            ("BAOSONG_OUTBOX_EVERY_S", Path::new("1")),
            ("BAOSONG_SEND_PAUSE_MS", Path::new("0")),
        ],
    );
    let w = clerk(&driver, "10-mail").await?;
    w.el("city-table").await?;
    w.see("已报送单位：0 / 10").await?;

    w.click("open-account").await?;
    w.el("mail-account-dialog").await?;
    tokio::time::sleep(Duration::from_millis(600)).await;
    w.see("收件邮箱").await?;
    assert_eq!(
        w.input("account-imap-host")
            .await?
            .prop("value")
            .await?
            .as_deref(),
        Some("localhost"),
        "the dialog shows the IMAP server the account reads"
    );
    w.shot("account").await;
    w.click("account-cancel").await?;
    tokio::time::sleep(Duration::from_millis(800)).await;

    // The first message comes, shown as it comes; the clerk stops the read there.
    w.click("receive-imap").await?;
    w.see(&format!("收件箱 第 1 封 / 共 {n} 封")).await?;
    w.shot("receiving").await;
    w.click("receive-cancel").await?;
    w.see("已取消").await?;
    w.gone("第 1 封 / 共").await?;

    // Read again at full speed: only the rest comes, and the batch is whole and verified.
    line.heal();
    tokio::time::sleep(Duration::from_millis(800)).await;
    w.click("receive-imap").await?;
    w.see(&format!("收到 {} 封新邮件", n - 1)).await?;
    w.see("已报送单位：1 / 10").await?;
    w.see("收到 3 · 合格 3").await?;
    w.shot("received").await;
    w.click("cell-金平区总工会-recitation").await?;
    w.el("city-works-table").await?;
    w.see("潮汕家书第3篇").await?;
    let table = w.text("city-works-table").await?;
    assert_eq!(
        table.matches('✓').count(),
        3,
        "every file verified: {table}"
    );
    assert!(!table.contains('✗'), "{table}");
    // Read-only: every message is still in the mailbox, unseen.
    assert_eq!(
        dovecot.files("INBOX").len() as u64,
        n,
        "no message moved or deleted"
    );

    // The 回执 goes back to the address the batch came from, queued once. The server refuses
    // that mailbox (550) for good: the city's 发件箱 shows it failed, and the 回执 is sent again
    // to the address the clerk corrects it to, by the background sender through real SMTP.
    w.click("reply-receipt-1").await?;
    w.el("reply-dialog").await?;
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(
        w.input("reply-to").await?.prop("value").await?.as_deref(),
        Some(smtp::ADDRESS),
        "the answer goes to the mail's From"
    );
    server.set_fault("550-rcpt");
    w.click("reply-send").await?;
    w.see("回执已加入发件箱").await?;
    w.gone("发送回执：金平区总工会").await?;
    close_city_works(&w, "潮汕家书第3篇").await?;
    w.click("city-section-outbox").await?;
    w.el("outbox-table").await?;
    outbox_shows(
        &w,
        &server,
        &home,
        &["收件回执", "发送失败", "550", "改正地址"],
    )
    .await?;
    w.shot("reply-refused").await;

    // The refused row itself leads to the 回执's dialog, where its address is corrected.
    w.click("outbox-readdress").await?;
    w.el("reply-refused").await?;
    tokio::time::sleep(Duration::from_millis(600)).await;
    w.see("没有发出").await?;
    w.fill("reply-to", "jinping-office@localhost.test").await?;
    w.shot("reply-readdress").await;
    server.set_fault("none");
    w.click("reply-send").await?;
    w.see("回执改发给 jinping-office@localhost.test").await?;
    w.gone("发送回执：金平区总工会").await?;
    outbox_shows(&w, &server, &home, &["收件回执", "已发送", "250"]).await?;
    assert!(
        !w.text("outbox-table").await?.contains("改正地址"),
        "a sent answer offers no readdressing"
    );
    w.shot("reply-sent").await;
    // It reached the mailbox the district reads, beside the batch's messages.
    assert_eq!(dovecot.files("INBOX").len() as u64, n + 1);
    w.c.clone().close().await?;
    Ok(())
}

/// The window keeps its size between runs: the clerk makes it smaller and the app writes its
/// place once it settles — so even a run that ends without a clean exit (here the window is
/// killed) opens next time at that size, not the default.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_window_opens_at_the_size_it_was_left_at() -> Res {
    let sandbox = Sandbox::new();
    let library = sandbox.path("home").join("金平资料库");
    init_jinping(&library);
    let env = [("BAOSONG_LIBRARY", library.as_path())];
    let kept = sandbox
        .path("config")
        .join("cn.gov.shantou.baosong/.window-state.json");
    let main_size = || -> Option<(u64, u64)> {
        let text = std::fs::read_to_string(&kept).ok()?;
        let state: serde_json::Value = serde_json::from_str(&text).ok()?;
        Some((
            state["main"]["width"].as_u64()?,
            state["main"]["height"].as_u64()?,
        ))
    };
    {
        let driver = Driver::start_with(&sandbox, &env);
        let w = clerk(&driver, "11-window").await?;
        w.el("dashboard").await?;
        let (_, _, width, height) = w.c.get_window_rect().await?;
        assert_ne!(
            (width, height),
            (1100, 660),
            "the default differs from the size chosen"
        );
        w.c.set_window_size(1100, 660).await?;
        let deadline = Instant::now() + Duration::from_secs(10);
        while main_size() != Some((1100, 660)) {
            assert!(
                Instant::now() < deadline,
                "the window's place was not written: {:?}",
                std::fs::read_to_string(&kept)
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        // The driver (and the window) end here without a clean exit.
    }
    let driver = Driver::start_with(&sandbox, &env);
    let w = clerk(&driver, "11-window").await?;
    w.el("dashboard").await?;
    let (_, _, width, height) = w.c.get_window_rect().await?;
    assert_eq!((width, height), (1100, 660), "the size it was left at");
    w.shot("reopened").await;
    w.c.clone().close().await?;
    Ok(())
}
