//! Just enough of the W3C WebDriver protocol to drive Debian's headless Chromium through
//! `chromedriver`: sessions, navigation, finding, typing, clicking, reading, screenshots.

use serde_json::{json, Value};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// A running `chromedriver`, stopped when dropped with every browser it started.
pub struct Driver {
    child: Child,
    pub base: String,
    http: reqwest::Client,
}

impl Drop for Driver {
    /// Kills the driver's whole process group: killing the driver alone left its Chromium
    /// processes running (a few dozen after a test run, each holding memory and waking up).
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.child.id())])
            .stderr(Stdio::null())
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Driver {
    pub async fn start() -> Driver {
        let exe = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into());
        let port = free_port();
        // A process group of its own, so dropping the driver stops its browsers too.
        let child = Command::new(&exe)
            .process_group(0)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot start {exe} ({e}): install Debian's chromium and chromium-driver (.ci/run does)")
            });
        let d = Driver {
            child,
            base: format!("http://127.0.0.1:{port}"),
            http: reqwest::Client::new(),
        };
        for _ in 0..100 {
            if let Ok(r) = d.http.get(format!("{}/status", d.base)).send().await {
                if r.status().is_success() {
                    return d;
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("chromedriver did not start");
    }

    /// A desktop browser window of the given size (CSS pixels).
    pub async fn session(&self, width: u32, height: u32) -> Browser {
        self.open(width, height, false).await
    }

    /// A phone: its screen size, a touch screen and a phone's user agent (a desktop window
    /// cannot be narrower than 500 pixels).
    pub async fn phone(&self, width: u32, height: u32) -> Browser {
        self.open(width, height, true).await
    }

    async fn open(&self, width: u32, height: u32, mobile: bool) -> Browser {
        let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
        let mut options = json!({
            "binary": chromium,
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     format!("--window-size={width},{height}"), "--lang=zh-CN",
                     "--force-device-scale-factor=1"],
        });
        if mobile {
            options["mobileEmulation"] = json!({
                "deviceMetrics": {"width": width, "height": height, "pixelRatio": 1.0, "touch": true},
                "userAgent": "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36",
            });
        }
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": options,
        }}});
        let r: Value = self
            .http
            .post(format!("{}/session", self.base))
            .json(&caps)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let id = r["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {r}"))
            .to_string();
        Browser {
            url: format!("{}/session/{id}", self.base),
            http: self.http.clone(),
            offline: Default::default(),
        }
    }
}

/// One browser window.
pub struct Browser {
    url: String,
    http: reqwest::Client,
    /// Whether [`Browser::offline`] has cut the window off.
    offline: std::sync::atomic::AtomicBool,
}

impl Browser {
    async fn cmd(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let r = self.raw(method, path, body).await;
        if let Some(err) = r["value"].get("error") {
            panic!("webdriver {path}: {err} {}", r["value"]["message"]);
        }
        r["value"].clone()
    }

    pub async fn goto(&self, url: &str) {
        self.cmd(reqwest::Method::POST, "/url", Some(json!({"url": url})))
            .await;
        // Some Chromium releases (148) forget a page's network emulation when it navigates.
        if self.offline.load(std::sync::atomic::Ordering::SeqCst) {
            self.emulate_offline(true).await;
        }
    }

    pub async fn current_url(&self) -> String {
        self.cmd(reqwest::Method::GET, "/url", None)
            .await
            .as_str()
            .unwrap()
            .to_string()
    }

    pub async fn source(&self) -> String {
        self.cmd(reqwest::Method::GET, "/source", None)
            .await
            .as_str()
            .unwrap()
            .to_string()
    }

    /// A command's whole answer, errors included (for callers that wait them out).
    async fn raw(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut req = self.http.request(method, format!("{}{path}", self.url));
        if let Some(b) = body {
            req = req.json(&b);
        }
        req.send().await.unwrap().json().await.unwrap()
    }

    /// The first element matching a CSS selector, waiting up to five seconds for it.
    pub async fn find(&self, css: &str) -> String {
        let query = json!({"using": "css selector", "value": css});
        for _ in 0..50 {
            let r = self
                .raw(reqwest::Method::POST, "/element", Some(query.clone()))
                .await;
            if let Some(id) = r["value"][ELEMENT].as_str() {
                return id.to_string();
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!(
            "no element {css} on {}: {}",
            self.current_url().await,
            self.source().await.chars().take(1500).collect::<String>()
        );
    }

    pub async fn exists(&self, css: &str) -> bool {
        let query = json!({"using": "css selector", "value": css});
        let r = self
            .raw(reqwest::Method::POST, "/elements", Some(query))
            .await;
        r["value"].as_array().is_some_and(|a| !a.is_empty())
    }

    pub async fn click(&self, css: &str) {
        let e = self.find(css).await;
        self.cmd(
            reqwest::Method::POST,
            &format!("/element/{e}/click"),
            Some(json!({})),
        )
        .await;
    }

    pub async fn type_into(&self, css: &str, text: &str) {
        let e = self.find(css).await;
        self.cmd(
            reqwest::Method::POST,
            &format!("/element/{e}/value"),
            Some(json!({"text": text})),
        )
        .await;
    }

    /// The text of the first element matching `css`, found again if the page changed under it.
    pub async fn text(&self, css: &str) -> String {
        for _ in 0..50 {
            let e = self.find(css).await;
            let r = self
                .raw(reqwest::Method::GET, &format!("/element/{e}/text"), None)
                .await;
            if let Some(t) = r["value"].as_str() {
                return t.to_string();
            }
            // A stale element: the page was replaced between finding and reading.
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("cannot read {css}");
    }

    /// A form field's current value.
    pub async fn value(&self, css: &str) -> String {
        let e = self.find(css).await;
        self.cmd(
            reqwest::Method::GET,
            &format!("/element/{e}/property/value"),
            None,
        )
        .await
        .as_str()
        .unwrap_or_default()
        .to_string()
    }

    pub async fn clear(&self, css: &str) {
        let e = self.find(css).await;
        self.cmd(
            reqwest::Method::POST,
            &format!("/element/{e}/clear"),
            Some(json!({})),
        )
        .await;
    }

    /// Runs a script in the page and returns what it returns.
    #[allow(dead_code)] // used by the throttled-link measurement, not every test
    pub async fn execute(&self, script: &str) -> Value {
        self.cmd(
            reqwest::Method::POST,
            "/execute/sync",
            Some(json!({"script": script, "args": []})),
        )
        .await
    }

    /// Slows the window's network down to a link with this round trip (milliseconds) and
    /// these speeds (bytes per second), through chromedriver's network conditions.
    #[allow(dead_code)]
    pub async fn throttle(&self, latency_ms: u32, down: u32, up: u32) {
        self.cmd(
            reqwest::Method::POST,
            "/chromium/network_conditions",
            Some(json!({"network_conditions": {
                "offline": false, "latency": latency_ms,
                "download_throughput": down, "upload_throughput": up,
            }})),
        )
        .await;
    }

    /// A Chrome DevTools protocol command on the window's page.
    #[allow(dead_code)]
    pub async fn cdp(&self, cmd: &str, params: Value) -> Value {
        self.cmd(
            reqwest::Method::POST,
            "/goog/cdp/execute",
            Some(json!({"cmd": cmd, "params": params})),
        )
        .await
    }

    /// Cuts the window off the network, or brings it back, through the DevTools protocol:
    /// the page's own requests, and its service workers' — which the page's emulation does
    /// not cover (a worker fetching a page for it would still reach the server), so each
    /// worker is attached and told the same.
    ///
    /// Chromium 148 forgets a page's emulation when the page navigates, so [`Browser::goto`]
    /// tells the page again; a navigation the page makes itself is not caught that way, which
    /// is what a [`Signal`] in front of the server is for.
    #[allow(dead_code)]
    pub async fn offline(&self, off: bool) {
        self.offline.store(off, std::sync::atomic::Ordering::SeqCst);
        self.emulate_offline(off).await;
    }

    async fn emulate_offline(&self, off: bool) {
        let conditions =
            json!({"offline": off, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1});
        self.cdp("Network.emulateNetworkConditions", conditions.clone())
            .await;
        let targets = self.cdp("Target.getTargets", json!({})).await;
        let workers = targets["targetInfos"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        for w in workers.iter().filter(|t| t["type"] == "service_worker") {
            let attached = self
                .cdp(
                    "Target.attachToTarget",
                    json!({"targetId": w["targetId"], "flatten": false}),
                )
                .await;
            for (id, (method, params)) in [
                ("Network.enable", json!({})),
                ("Network.emulateNetworkConditions", conditions.clone()),
            ]
            .into_iter()
            .enumerate()
            {
                let message = json!({"id": id + 1, "method": method, "params": params});
                self.cdp(
                    "Target.sendMessageToTarget",
                    json!({"sessionId": attached["sessionId"], "message": message.to_string()}),
                )
                .await;
            }
        }
    }

    /// Empties the browser's cache (Chrome DevTools' `Network.clearBrowserCache`).
    #[allow(dead_code)]
    pub async fn clear_cache(&self) {
        self.cmd(
            reqwest::Method::POST,
            "/goog/cdp/execute",
            Some(json!({"cmd": "Network.clearBrowserCache", "params": {}})),
        )
        .await;
    }

    /// Logs in through the page as `user` and waits for the workbench (after any other
    /// session in this window is dropped).
    pub async fn login(&self, base: &str, user: &str, password: &str) {
        self.delete_cookies().await;
        self.goto(&format!("{base}/login")).await;
        self.type_into("#username", user).await;
        self.type_into("#password", password).await;
        self.click("form button[type=submit]").await;
        for _ in 0..100 {
            if self.current_url().await.contains("/workbench") {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!(
            "{user} did not reach the workbench: {}",
            self.source().await
        );
    }

    pub async fn delete_cookies(&self) {
        self.cmd(reqwest::Method::DELETE, "/cookie", None).await;
    }

    /// Writes what the window shows to `target/screenshots/<name>.png`.
    pub async fn screenshot(&self, name: &str) {
        let b64 = self.cmd(reqwest::Method::GET, "/screenshot", None).await;
        let png = base64_decode(b64.as_str().unwrap());
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
    }

    pub async fn close(self) {
        let _ = self.http.delete(&self.url).send().await;
    }
}

fn base64_decode(s: &str) -> Vec<u8> {
    let val = |c: u8| -> u32 {
        match c {
            b'A'..=b'Z' => (c - b'A') as u32,
            b'a'..=b'z' => (c - b'a' + 26) as u32,
            b'0'..=b'9' => (c - b'0' + 52) as u32,
            b'+' => 62,
            b'/' => 63,
            _ => panic!("not base64: {c}"),
        }
    };
    let bytes: Vec<u8> = s
        .bytes()
        .filter(|c| !c.is_ascii_whitespace() && *c != b'=')
        .collect();
    let mut out = Vec::with_capacity(bytes.len() * 3 / 4);
    for chunk in bytes.chunks(4) {
        let mut n = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            n |= val(c) << (18 - 6 * i);
        }
        out.push((n >> 16) as u8);
        if chunk.len() > 2 {
            out.push((n >> 8) as u8);
        }
        if chunk.len() > 3 {
            out.push(n as u8);
        }
    }
    out
}

/// The phone's signal: a relay between the browser and the server that can be cut, as a phone
/// loses its network. While cut, the connections through it are closed and new ones are closed
/// as they come, so every request fails as it does with no network, whatever the browser's own
/// emulation does.
pub struct Signal {
    on: tokio::sync::watch::Sender<bool>,
}

impl Signal {
    /// A relay to the server at `upstream` (`http://host:port`), on; returns it and its own
    /// base URL.
    pub async fn relay(upstream: &str) -> (Signal, String) {
        let upstream = upstream.trim_start_matches("http://").to_string();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (on, _) = tokio::sync::watch::channel(true);
        let signal = on.clone();
        tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let mut state = signal.subscribe();
                if !*state.borrow_and_update() {
                    continue;
                }
                let upstream = upstream.clone();
                tokio::spawn(async move {
                    let Ok(mut outbound) = tokio::net::TcpStream::connect(&upstream).await else {
                        return;
                    };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => {}
                        _ = state.wait_for(|on| !on) => {}
                    }
                });
            }
        });
        (Signal { on }, base)
    }

    /// Cuts the signal (`false`) or brings it back.
    pub fn set(&self, on: bool) {
        self.on.send_replace(on);
    }
}
