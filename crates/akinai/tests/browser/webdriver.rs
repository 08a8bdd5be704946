//! A small W3C WebDriver client for the browser tests: enough to open pages, find elements by
//! CSS selector, click, type, read the URL and page source, and ask whether a JavaScript dialog is
//! open. It drives Debian's `chromium` through `chromedriver`, both started by the test on
//! loopback.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

/// WebDriver's key codes for [`Browser::keys`].
pub const TAB: &str = "\u{E004}";
pub const ENTER: &str = "\u{E007}";
pub const ARROW_DOWN: &str = "\u{E015}";
pub const END: &str = "\u{E010}";

/// How long a wait for the browser may take before the test fails (generous: on a loaded
/// two-core machine the browser tests' Chromiums run at once).
const WAIT_SECS: u64 = 30;

/// Where the browser tools are; `None` when this machine has none (the tests then say so).
pub fn tools() -> Option<(&'static str, &'static str)> {
    let chromium = "/usr/bin/chromium";
    let driver = "/usr/bin/chromedriver";
    (std::path::Path::new(chromium).exists() && std::path::Path::new(driver).exists())
        .then_some((chromium, driver))
}

/// A running chromedriver with one headless Chromium session.
pub struct Browser {
    driver: Child,
    http: reqwest::Client,
    session: String,
    _profile: tempfile::TempDir,
}

impl Drop for Browser {
    /// Ends the WebDriver session (which closes Chromium) with a plain blocking HTTP request,
    /// so it happens even when a test panics, then stops chromedriver.
    fn drop(&mut self) {
        use std::io::{Read, Write};
        if let Some((host, path)) = self
            .session
            .strip_prefix("http://")
            .and_then(|r| r.split_once('/'))
        {
            if let Ok(mut s) = std::net::TcpStream::connect(host) {
                let _ = s.set_read_timeout(Some(Duration::from_secs(10)));
                let _ = write!(s, "DELETE /{path} HTTP/1.1\r\nHost: {host}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
                let mut sink = Vec::new();
                let _ = s.read_to_end(&mut sink);
            }
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

impl Browser {
    pub async fn start(chromium: &str, driver: &str) -> Browser {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(driver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let http = reqwest::Client::new();
        let base = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if http.get(format!("{base}/status")).send().await.is_ok() {
                break;
            }
            assert!(Instant::now() < deadline, "chromedriver did not start");
            tokio::task::yield_now().await;
        }
        let profile = tempfile::tempdir().unwrap();
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium,
                "prefs": {"intl.accept_languages": "ja,en"},
                "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                         "--disable-background-networking", "--disable-component-update", "--disable-sync",
                         "--lang=ja", format!("--user-data-dir={}", profile.path().display())]
            }
        }}});
        let resp: Value = http
            .post(format!("{base}/session"))
            .json(&caps)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let session = resp["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {resp}"))
            .to_string();
        Browser {
            driver: child,
            http,
            session: format!("{base}/session/{session}"),
            _profile: profile,
        }
    }

    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut req = self.http.request(method, format!("{}{path}", self.session));
        if let Some(b) = body {
            req = req.json(&b);
        }
        req.send().await.unwrap().json().await.unwrap()
    }

    pub async fn goto(&self, url: &str) {
        self.call(reqwest::Method::POST, "/url", Some(json!({"url": url})))
            .await;
    }

    /// Sets the window's outer size (a phone: 375 × 812; a desktop: 1280 × 900).
    pub async fn resize(&self, width: u32, height: u32) {
        self.call(
            reqwest::Method::POST,
            "/window/rect",
            Some(json!({"width": width, "height": height})),
        )
        .await;
    }

    pub async fn url(&self) -> String {
        self.call(reqwest::Method::GET, "/url", None).await["value"]
            .as_str()
            .unwrap_or("")
            .to_string()
    }

    /// Waits (bounded, [`WAIT_SECS`]) until the browser's URL contains `part`, as after a form
    /// submission whose navigation may finish after the click returned; returns the URL.
    pub async fn wait_for_url(&self, part: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(WAIT_SECS);
        loop {
            let url = self.url().await;
            if url.contains(part) {
                return url;
            }
            assert!(
                Instant::now() < deadline,
                "the browser stayed on {url}, waiting for {part}:\n{}",
                self.source().await
            );
            tokio::task::yield_now().await;
        }
    }

    /// Waits (bounded, [`WAIT_SECS`]) until the page source contains `text`; returns the source.
    pub async fn wait_for_text(&self, text: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(WAIT_SECS);
        loop {
            let source = self.source().await;
            if source.contains(text) {
                return source;
            }
            assert!(
                Instant::now() < deadline,
                "the page at {} never showed {text:?}:\n{source}",
                self.url().await
            );
            tokio::task::yield_now().await;
        }
    }

    /// Waits (bounded, [`WAIT_SECS`]) until `script` (a JavaScript expression run by the driver)
    /// evaluates to true, e.g. until a page script has shown a form.
    pub async fn wait_until(&self, script: &str) {
        let deadline = Instant::now() + Duration::from_secs(WAIT_SECS);
        loop {
            if self.execute(&format!("return !!({script});")).await == Value::Bool(true) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "never true: {script}:\n{}",
                self.source().await
            );
            tokio::task::yield_now().await;
        }
    }

    pub async fn source(&self) -> String {
        self.call(reqwest::Method::GET, "/source", None).await["value"]
            .as_str()
            .unwrap_or("")
            .to_string()
    }

    /// The element id of the first match, panicking with the page source when there is none.
    pub async fn find(&self, css: &str) -> String {
        let v = self
            .call(
                reqwest::Method::POST,
                "/element",
                Some(json!({"using": "css selector", "value": css})),
            )
            .await;
        match v["value"]
            .as_object()
            .and_then(|o| o.values().next())
            .and_then(Value::as_str)
        {
            Some(id) => id.to_string(),
            None => panic!("no element {css}: {v}\n{}", self.source().await),
        }
    }

    pub async fn click(&self, css: &str) {
        let id = self.find(css).await;
        self.call(
            reqwest::Method::POST,
            &format!("/element/{id}/click"),
            Some(json!({})),
        )
        .await;
    }

    pub async fn type_into(&self, css: &str, text: &str) {
        let id = self.find(css).await;
        self.call(
            reqwest::Method::POST,
            &format!("/element/{id}/clear"),
            Some(json!({})),
        )
        .await;
        self.call(
            reqwest::Method::POST,
            &format!("/element/{id}/value"),
            Some(json!({"text": text})),
        )
        .await;
    }

    /// Runs `script` in the page (through the driver, outside the page's CSP) and returns its
    /// value.
    pub async fn execute(&self, script: &str) -> Value {
        self.call(
            reqwest::Method::POST,
            "/execute/sync",
            Some(json!({"script": script, "args": []})),
        )
        .await["value"]
            .clone()
    }

    /// Runs an asynchronous `script` (its last argument is the callback to call with the
    /// result), outside the page's CSP, and returns the value passed to the callback.
    pub async fn execute_async(&self, script: &str, args: Vec<Value>) -> Value {
        self.call(
            reqwest::Method::POST,
            "/execute/async",
            Some(json!({"script": script, "args": args})),
        )
        .await["value"]
            .clone()
    }

    /// Presses keys as a keyboard would, into whatever has the focus (WebDriver key codes:
    /// [`TAB`], [`ENTER`], [`ARROW_DOWN`], [`END`], or plain text).
    pub async fn keys(&self, keys: &str) {
        let actions: Vec<Value> = keys
            .chars()
            .flat_map(|c| {
                [
                    json!({"type": "keyDown", "value": c.to_string()}),
                    json!({"type": "keyUp", "value": c.to_string()}),
                ]
            })
            .collect();
        self.call(
            reqwest::Method::POST,
            "/actions",
            Some(json!({"actions": [{"type": "key", "id": "keyboard", "actions": actions}]})),
        )
        .await;
    }

    /// How many script elements the page has and how many script resources it loaded.
    pub async fn scripts(&self) -> (u64, u64) {
        let v = self
            .execute(
                "return [document.scripts.length, performance.getEntriesByType('resource')\
                 .filter(e => e.initiatorType === 'script').length];",
            )
            .await;
        (
            v[0].as_u64().unwrap_or(u64::MAX),
            v[1].as_u64().unwrap_or(u64::MAX),
        )
    }

    pub async fn dismiss_dialog(&self) {
        self.call(reqwest::Method::POST, "/alert/dismiss", Some(json!({})))
            .await;
    }

    /// The text of an open alert/confirm/prompt dialog, if any.
    pub async fn dialog(&self) -> Option<String> {
        let v = self.call(reqwest::Method::GET, "/alert/text", None).await;
        v["value"].as_str().map(str::to_string)
    }

    /// Adds a virtual platform authenticator (WebAuthn extension of WebDriver): CTAP2, internal
    /// transport, resident keys, user verification that always succeeds. Returns its id.
    pub async fn add_virtual_authenticator(&self) -> String {
        let v = self
            .call(
                reqwest::Method::POST,
                "/webauthn/authenticator",
                Some(json!({
                    "protocol": "ctap2",
                    "transport": "internal",
                    "hasResidentKey": true,
                    "hasUserVerification": true,
                    "isUserConsenting": true,
                    "isUserVerified": true
                })),
            )
            .await;
        v["value"]
            .as_str()
            .unwrap_or_else(|| panic!("no virtual authenticator: {v}"))
            .to_string()
    }

    /// The credentials a virtual authenticator holds.
    pub async fn credentials(&self, authenticator: &str) -> Vec<Value> {
        let v = self
            .call(
                reqwest::Method::GET,
                &format!("/webauthn/authenticator/{authenticator}/credentials"),
                None,
            )
            .await;
        v["value"].as_array().cloned().unwrap_or_default()
    }
}
