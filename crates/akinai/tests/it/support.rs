//! `TestApp`: one shop per test, and `Shopper`: one browser-like client.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use chrono::{TimeZone, Utc};
use reqwest::header::HeaderMap;
use reqwest::StatusCode;

use akinai_core::tokens::SecretKey;
use akinai_core::{FileMailer, FixedClock, Mailer, SecurityConfig, Shop, ShopConfig};
use akinai_domain::ids::SkuId;
use akinai_sqlite::SqliteStore;
use akinai_store::Store;
use akinai_web::{AppState, WebConfig};

pub struct TestApp {
    pub addr: SocketAddr,
    /// The admin back office's own listener (allow-list: loopback only).
    pub admin_addr: SocketAddr,
    pub clock: Arc<FixedClock>,
    pub shop: Shop,
    pub store: Arc<dyn Store>,
    pub mail_dir: PathBuf,
    _dir: tempfile::TempDir,
}

/// The fake Stripe's API key and webhook signing secret in [`TestApp::with_stripe`].
pub const STRIPE_KEY: &str = "sk_test_akinai_it";
pub const STRIPE_WEBHOOK_SECRET: &str = "whsec_akinai_it";

/// The password of members made by [`TestApp::member`].
pub const MEMBER_PASSWORD: &str = "moss lantern river quietly";

/// Account settings for tests: cheap Argon2 parameters (the production ones are measured in
/// docs/security.md), everything else as shipped.
pub fn test_accounts() -> akinai_core::accounts::AccountsConfig {
    akinai_core::accounts::AccountsConfig {
        hash: akinai_core::accounts::HashConfig {
            memory_kib: 1024,
            iterations: 1,
            ..Default::default()
        },
        challenge: akinai_core::accounts::challenge::ChallengePolicy {
            bits: 12,
            ..Default::default()
        },
        ..Default::default()
    }
}

/// 2026-11-25 10:00 JST.
pub fn test_now() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 1, 0, 0)
        .single()
        .unwrap()
}

impl TestApp {
    /// A shop with the demo catalog.
    pub async fn demo() -> TestApp {
        let app = TestApp::empty().await;
        app.seed().await;
        app
    }

    /// The newest order.
    pub async fn newest_order(&self) -> akinai_store::Order {
        use akinai_store::fulfilment::OrderFilter;
        let id = self
            .store
            .list_orders(&OrderFilter::default(), None, 1)
            .await
            .unwrap()[0]
            .id;
        self.store.order(id).await.unwrap().unwrap()
    }

    /// The shop's data directory: the SQLite database files and the mail outbox.
    pub fn data_dir(&self) -> &std::path::Path {
        self._dir.path()
    }

    pub async fn seed(&self) {
        akinai::seed_demo(&self.shop).await.unwrap();
    }

    /// Places one bank-transfer order for one unit of a product matching `needle` and returns
    /// its status path.
    pub async fn order_one(&self, needle: &str) -> String {
        let shopper = self.shopper();
        let sku = self.sku_named(needle).await;
        assert_eq!(shopper.add(sku, "1").await.status, StatusCode::SEE_OTHER);
        assert_eq!(
            shopper.submit_details(&[]).await.status,
            StatusCode::SEE_OTHER
        );
        let placed = shopper.place().await;
        assert_eq!(placed.status, StatusCode::SEE_OTHER);
        placed.location().to_string()
    }

    /// An established member (10 days old) orders to an address typed at checkout, so the order
    /// is flagged for review (CCSG-F-3c).
    pub async fn flagged_member_order(&self, email: &str) {
        self.member(email).await;
        self.clock.advance(chrono::Duration::days(10));
        let member = self.shopper();
        member.login(email, MEMBER_PASSWORD).await;
        member.add(self.sku_named("本みりん").await, "1").await;
        member
            .submit_details(&[
                ("line1", "道玄坂9-9-9"),
                ("delivery_date", ""),
                ("delivery_slot", ""),
            ])
            .await;
        assert_eq!(member.place().await.status, StatusCode::SEE_OTHER);
    }

    /// A shop with no products.
    pub async fn empty() -> TestApp {
        TestApp::with_mailer(|dir| Arc::new(FileMailer::new(dir))).await
    }

    /// A shop with no products whose mail goes through the mailer `make` builds for the mail
    /// directory.
    pub async fn with_mailer(make: impl FnOnce(PathBuf) -> Arc<dyn Mailer>) -> TestApp {
        TestApp::configured(make, SecurityConfig::default()).await
    }

    /// A shop with the demo catalog and these alert and integrity settings.
    pub async fn with_security(security: SecurityConfig) -> TestApp {
        let app = TestApp::configured(|dir| Arc::new(FileMailer::new(dir)), security).await;
        app.seed().await;
        app
    }

    async fn configured(
        make: impl FnOnce(PathBuf) -> Arc<dyn Mailer>,
        security: SecurityConfig,
    ) -> TestApp {
        let (store, dir) = fresh_sqlite().await;
        TestApp::start(Arc::new(store), dir, make, security).await
    }

    /// A shop on a fresh PostgreSQL database, or `None` (with a note) when no server is
    /// reachable; with `AKINAI_REQUIRE_POSTGRES=1` an unreachable server fails the test.
    pub async fn postgres() -> Option<(TestApp, PgDatabase)> {
        use sqlx::{Connection, Executor};
        let url = std::env::var("AKINAI_TEST_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
        let admin = tokio::time::timeout(
            std::time::Duration::from_secs(5),
            sqlx::PgConnection::connect(&url),
        )
        .await;
        let mut admin = match admin {
            Ok(Ok(c)) => c,
            other => {
                let why = match other {
                    Ok(Err(e)) => e.to_string(),
                    _ => "timed out".into(),
                };
                assert!(
                    std::env::var("AKINAI_REQUIRE_POSTGRES").as_deref() != Ok("1"),
                    "PostgreSQL required but unreachable: {why}"
                );
                eprintln!("NOTE: PostgreSQL test DID NOT RUN: cannot reach {url}: {why}");
                return None;
            }
        };
        let name = format!("akinai_it_{}_{:08x}", std::process::id(), rand_u32());
        admin
            .execute(format!("CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8'").as_str())
            .await
            .unwrap();
        let db_url = format!("{}/{name}", url.rsplit_once('/').unwrap().0);
        let store = akinai_postgres::PgStore::connect(&db_url, 16)
            .await
            .unwrap();
        store.migrate().await.unwrap();
        let app = TestApp::start(
            Arc::new(store.clone()),
            tempfile::tempdir().unwrap(),
            |dir| Arc::new(FileMailer::new(dir)),
            SecurityConfig::default(),
        )
        .await;
        Some((
            app,
            PgDatabase {
                admin_url: url,
                name,
                store,
            },
        ))
    }

    /// A shop with the demo catalog whose base URL is `http://localhost:<port>` — the address
    /// a browser reaches it at, as WebAuthn requires (an IP address is no RP ID). Used by the
    /// browser tests.
    #[allow(dead_code)]
    pub async fn demo_at_localhost() -> TestApp {
        let (store, dir) = fresh_sqlite().await;
        let app = TestApp::start_with(
            Arc::new(store),
            dir,
            |dir| Arc::new(FileMailer::new(dir)),
            SecurityConfig::default(),
            true,
            None,
        )
        .await;
        app.seed().await;
        app
    }

    /// A shop with the demo catalog taking card and konbini payments through the fake Stripe
    /// (`akinai-fakepsp`) on loopback, whose deliveries reach this shop's webhook.
    pub async fn with_stripe() -> (TestApp, akinai_fakepsp::FakeStripe) {
        TestApp::stripe_shop(false).await
    }

    /// [`TestApp::with_stripe`] at `http://localhost:<port>`, for a browser that follows the
    /// provider's redirect back to the shop.
    #[allow(dead_code)]
    pub async fn with_stripe_at_localhost() -> (TestApp, akinai_fakepsp::FakeStripe) {
        TestApp::stripe_shop(true).await
    }

    async fn stripe_shop(localhost: bool) -> (TestApp, akinai_fakepsp::FakeStripe) {
        use akinai_core::payments::{StripeConfig, StripeGateway};
        use akinai_domain::order::PaymentMethod;
        let fake = akinai_fakepsp::FakeStripe::start(STRIPE_KEY, STRIPE_WEBHOOK_SECRET, None)
            .await
            .unwrap();
        let gateway = StripeGateway::new(StripeConfig {
            api_base: url::Url::parse(&fake.base_url()).unwrap(),
            checkout_origin: fake.base_url(),
            secret_key: STRIPE_KEY.into(),
            webhook_secret: STRIPE_WEBHOOK_SECRET.into(),
            methods: vec![PaymentMethod::Card, PaymentMethod::Konbini],
            konbini_expires_after_days: 3,
            timeout: std::time::Duration::from_secs(1),
            retries: 1,
        })
        .unwrap();
        let (store, dir) = fresh_sqlite().await;
        let app = TestApp::start_with(
            Arc::new(store),
            dir,
            |dir| Arc::new(FileMailer::new(dir)),
            SecurityConfig::default(),
            localhost,
            Some(Arc::new(gateway)),
        )
        .await;
        app.seed().await;
        let mut settings = app.shop.storefront().settings().await.unwrap();
        settings
            .payment_methods
            .extend([PaymentMethod::Card, PaymentMethod::Konbini]);
        app.store.save_settings(&settings).await.unwrap();
        fake.set_webhook_url(&format!("http://{}/webhooks/stripe", app.addr));
        fake.set_time(akinai_core::Clock::now(app.clock.as_ref()).timestamp());
        (app, fake)
    }

    async fn start(
        store: Arc<dyn Store>,
        dir: tempfile::TempDir,
        make: impl FnOnce(PathBuf) -> Arc<dyn Mailer>,
        security: SecurityConfig,
    ) -> TestApp {
        TestApp::start_with(store, dir, make, security, false, None).await
    }

    async fn start_with(
        store: Arc<dyn Store>,
        dir: tempfile::TempDir,
        make: impl FnOnce(PathBuf) -> Arc<dyn Mailer>,
        security: SecurityConfig,
        localhost: bool,
        gateway: Option<Arc<dyn akinai_core::payments::PaymentGateway>>,
    ) -> TestApp {
        let mail_dir = dir.path().join("mail");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let base_url = if localhost {
            format!("http://localhost:{}", addr.port())
        } else {
            "https://shop.example.jp".to_string()
        };
        let config = ShopConfig {
            base_url: url::Url::parse(&base_url).unwrap(),
            mail_from: "shop@example.jp".into(),
            secret_key: SecretKey::generate(),
            cache_ttl: std::time::Duration::ZERO,
            security,
            accounts: test_accounts(),
        };
        let clock = Arc::new(FixedClock::new(test_now()));
        let shop = Shop::new(store.clone(), make(mail_dir.clone()), clock.clone(), config);
        let shop = match gateway {
            Some(g) => shop.with_gateway(g),
            None => shop,
        };
        // Tests send many forms from one address; the rate limit has its own test.
        let web = WebConfig {
            form_rate: akinai_web::limits::RateLimit {
                burst: 1_000_000,
                per_minute: 1_000_000,
            },
            // The test client stands in for a proxy: shoppers from other addresses say so in
            // `X-Forwarded-For` (see `shopper_from`).
            trusted_proxies: akinai_web::proxy::TrustedProxies(vec!["127.0.0.0/8"
                .parse()
                .unwrap()]),
            ..WebConfig::new(false)
        };
        let state = AppState::new(shop.clone(), web);
        let admin_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let admin_addr = admin_listener.local_addr().unwrap();
        let admin = akinai_web::harden(
            akinai_web::admin::router(
                state.clone(),
                akinai_web::admin::AllowList::default(),
                &format!("http://{admin_addr}"),
            ),
            false,
        )
        .into_make_service_with_connect_info::<SocketAddr>();
        tokio::spawn(async move { axum::serve(admin_listener, admin).await });
        serve_on(listener, state);
        TestApp {
            addr,
            admin_addr,
            clock,
            shop,
            store,
            mail_dir,
            _dir: dir,
        }
    }

    pub fn shopper(&self) -> Shopper {
        self.shopper_with(reqwest::header::HeaderMap::new())
    }

    /// A shopper whose requests come from `ip` (through the trusted test proxy) with a
    /// browser's user agent.
    pub fn shopper_from(&self, ip: &str) -> Shopper {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert("x-forwarded-for", ip.parse().unwrap());
        headers.insert(
            "user-agent",
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Safari/604.1"
                .parse()
                .unwrap(),
        );
        self.shopper_with(headers)
    }

    /// A browser on the admin listener, from `ip` (through the trusted test proxy) when given.
    pub fn admin_user(&self, ip: Option<&str>) -> Shopper {
        let mut headers = reqwest::header::HeaderMap::new();
        if let Some(ip) = ip {
            headers.insert("x-forwarded-for", ip.parse().unwrap());
        }
        Shopper {
            base: format!("http://{}", self.admin_addr),
            ..self.shopper_with(headers)
        }
    }

    fn shopper_with(&self, headers: reqwest::header::HeaderMap) -> Shopper {
        let jar = Arc::new(reqwest::cookie::Jar::default());
        let client = reqwest::Client::builder()
            .default_headers(headers)
            .cookie_provider(jar.clone())
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Shopper {
            client,
            base: format!("http://{}", self.addr),
            jar,
        }
    }

    pub async fn stock(&self, sku: SkuId) -> i64 {
        self.store.skus_for_sale(&[sku]).await.unwrap()[0].stock
    }

    /// The `.eml` files written so far: headers as sent, then the decoded text body.
    pub fn mails(&self) -> Vec<String> {
        use base64::Engine;
        let Ok(entries) = std::fs::read_dir(&self.mail_dir) else {
            return Vec::new();
        };
        let mut out: Vec<String> = entries
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "eml"))
            .map(|p| {
                let raw = std::fs::read_to_string(p).unwrap();
                let (head, body) = raw.split_once("\r\n\r\n").unwrap();
                let text = if head.contains("Content-Transfer-Encoding: base64") {
                    let compact: String = body.split_whitespace().collect();
                    String::from_utf8(
                        base64::engine::general_purpose::STANDARD
                            .decode(compact)
                            .unwrap(),
                    )
                    .unwrap()
                } else {
                    body.to_string()
                };
                format!("{head}\n\n{text}")
            })
            .collect();
        out.sort();
        out
    }

    /// The newest link to `path` (`/account/verify?t=…`) in a mail to `to`.
    pub fn link_in_mail(&self, to: &str, path: &str) -> String {
        let mails = self.mails();
        let mail = mails
            .iter()
            .rev()
            .find(|m| m.contains(&format!("To: {to}")) && m.contains(path))
            .unwrap_or_else(|| panic!("no mail to {to} with {path}: {mails:?}"));
        let start = mail.find(path).unwrap();
        let link: String = mail[start..]
            .chars()
            .take_while(|c| !c.is_whitespace())
            .collect();
        link
    }

    /// A registered, verified and logged-in member with `email` and [`MEMBER_PASSWORD`].
    pub async fn member(&self, email: &str) -> Shopper {
        let shopper = self.shopper();
        let page = shopper
            .submit_solving(
                "/account/register",
                &[
                    ("email", email),
                    ("name", "山田 花子"),
                    ("password", MEMBER_PASSWORD),
                ],
            )
            .await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        self.shop.jobs().run_due_jobs().await.unwrap();
        let link = self.link_in_mail(email, "/account/verify?t=");
        let token = link.rsplit_once("t=").unwrap().1.to_string();
        let page = shopper.submit("/account/verify", &[("t", &token)]).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        let page = shopper.login(email, MEMBER_PASSWORD).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
        shopper
    }

    /// The first SKU with at least `min` units in stock of a product matching `needle`.
    pub async fn sku_with_stock(&self, needle: &str, min: i64) -> SkuId {
        let q = akinai_domain::search::SearchQuery::parse(needle).unwrap();
        for p in self.store.search(&q, 0, 50).await.unwrap() {
            let product = self.store.product(p.id).await.unwrap().unwrap();
            if let Some(s) = product.skus.iter().find(|s| s.stock >= min) {
                return s.id;
            }
        }
        panic!("no product matching {needle} with {min} in stock");
    }

    /// The first in-stock SKU of a product whose name matches `needle`.
    pub async fn sku_named(&self, needle: &str) -> SkuId {
        let q = akinai_domain::search::SearchQuery::parse(needle).unwrap();
        let hits = self.store.search(&q, 0, 50).await.unwrap();
        for p in hits {
            let product = self.store.product(p.id).await.unwrap().unwrap();
            if let Some(s) = product.skus.iter().find(|s| s.stock > 0) {
                return s.id;
            }
        }
        panic!("no in-stock product matching {needle}");
    }
}

/// Serves the storefront for `state` on a loopback port, with client addresses.
pub async fn serve(state: AppState) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    serve_on(listener, state);
    addr
}

fn serve_on(listener: tokio::net::TcpListener, state: AppState) {
    let app = akinai_web::router(state).into_make_service_with_connect_info::<SocketAddr>();
    tokio::spawn(async move { axum::serve(listener, app).await });
}

/// A route-table path with its parameters filled with harmless values.
pub fn concrete_path(path: &str) -> String {
    path.replace("{slug}", "food")
        .replace("{id}", "1")
        .replace("{token}", &"0".repeat(64))
        .replace("{code}", "ja")
        .replace("{name}", "x.css")
        .replace("{hue}", "1.svg")
}

/// A response read whole.
pub struct Page {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Page {
    pub fn location(&self) -> &str {
        self.headers
            .get("location")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// The value of the first hidden input named `name`.
    pub fn hidden(&self, name: &str) -> String {
        let marker = format!("name=\"{name}\" value=\"");
        let start = self
            .body
            .find(&marker)
            .unwrap_or_else(|| panic!("no hidden {name} in page:\n{}", self.body))
            + marker.len();
        let end = self.body[start..].find('"').unwrap();
        self.body[start..start + end].to_string()
    }
}

impl Page {
    /// The value of the first `attr="…"` attribute on the page, with HTML escapes undone.
    pub fn attr(&self, attr: &str) -> String {
        let marker = format!("{attr}=\"");
        let start = self
            .body
            .find(&marker)
            .unwrap_or_else(|| panic!("no {attr} on page:\n{}", self.body))
            + marker.len();
        let end = self.body[start..].find('"').unwrap();
        let raw = &self.body[start..start + end];
        [
            ("&quot;", "\""),
            ("&#34;", "\""),
            ("&#39;", "'"),
            ("&lt;", "<"),
            ("&#60;", "<"),
            ("&gt;", ">"),
            ("&#62;", ">"),
            ("&#38;", "&"),
            ("&amp;", "&"),
        ]
        .iter()
        .fold(raw.to_string(), |s, (from, to)| s.replace(from, to))
    }
}

/// The challenge on `page` and its proof of work.
pub fn solve_page(page: &Page) -> Option<(String, String)> {
    if !page.body.contains("name=\"challenge\"") {
        return None;
    }
    let token = page.hidden("challenge");
    let bits_at = page.body.find("data-pow-bits=\"")? + "data-pow-bits=\"".len();
    let bits: u32 = page.body[bits_at..].split('"').next()?.parse().ok()?;
    let n = akinai_core::accounts::challenge::solve(&akinai_core::accounts::challenge::Challenge {
        token: token.clone(),
        bits,
        wait_secs: 0,
    });
    Some((token, n.to_string()))
}

/// One shopper with its own cookies.
pub struct Shopper {
    pub client: reqwest::Client,
    pub base: String,
    pub jar: Arc<reqwest::cookie::Jar>,
}

impl Shopper {
    async fn read(resp: reqwest::Response) -> Page {
        let status = resp.status();
        let headers = resp.headers().clone();
        let body = resp.text().await.unwrap();
        Page {
            status,
            headers,
            body,
        }
    }

    pub async fn get(&self, path: &str) -> Page {
        Shopper::read(
            self.client
                .get(format!("{}{path}", self.base))
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> Page {
        Shopper::read(
            self.client
                .post(format!("{}{path}", self.base))
                .form(form)
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    /// Posts `multipart/form-data` with a `csrf` field and one file field `image`.
    pub async fn upload(
        &self,
        path: &str,
        csrf: &str,
        file_name: &str,
        mime: &str,
        bytes: Vec<u8>,
    ) -> Page {
        let part = reqwest::multipart::Part::bytes(bytes)
            .file_name(file_name.to_string())
            .mime_str(mime)
            .unwrap();
        let form = reqwest::multipart::Form::new()
            .text("csrf", csrf.to_string())
            .part("image", part);
        Shopper::read(
            self.client
                .post(format!("{}{path}", self.base))
                .multipart(form)
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    pub async fn post_raw(&self, path: &str, body: Vec<u8>) -> Page {
        let req = self
            .client
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body);
        Shopper::read(req.send().await.unwrap()).await
    }

    /// Whether this shopper's cart page shows an empty cart.
    pub async fn cart_is_empty(&self) -> bool {
        self.get("/cart")
            .await
            .body
            .contains("カートに商品は入っていません")
    }

    /// The value of one of this shopper's cookies.
    pub fn cookie(&self, name: &str) -> Option<String> {
        use reqwest::cookie::CookieStore;
        let url = reqwest::Url::parse(&self.base).unwrap();
        let header = self.jar.cookies(&url)?;
        header
            .to_str()
            .ok()?
            .split("; ")
            .find_map(|pair| pair.strip_prefix(&format!("{name}=")).map(str::to_string))
    }

    /// Posts a form with this shopper's CSRF token added.
    /// Posts an admin form: the CSRF token from the dashboard (every role has its logout form),
    /// then `fields`.
    pub async fn admin_post(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        let csrf = self.get("/admin").await.hidden("csrf");
        let mut form = vec![("csrf", csrf.as_str())];
        form.extend_from_slice(fields);
        self.post(path, &form).await
    }

    pub async fn submit(&self, path: &str, form: &[(&str, &str)]) -> Page {
        let csrf = self.csrf().await;
        let mut fields = vec![("csrf", csrf.as_str())];
        fields.extend_from_slice(form);
        self.post(path, &fields).await
    }

    /// Logs in through the form, solving the bot challenge when the shop asks for it (as the
    /// page's script would).
    pub async fn login(&self, email: &str, password: &str) -> Page {
        self.submit_solving(
            "/account/login",
            &[("email", email), ("password", password)],
        )
        .await
    }

    /// Submits the form at `path` like a browser with JavaScript: answers a challenge shown on
    /// the form page, and once more if the answer page asks for one.
    pub async fn submit_solving(&self, path: &str, form: &[(&str, &str)]) -> Page {
        let first = self.get(path).await;
        let page = self.submit_answering(path, form, &first).await;
        if page.status == StatusCode::FORBIDDEN && page.body.contains("name=\"challenge\"") {
            return self.submit_answering(path, form, &page).await;
        }
        page
    }

    /// Submits `form` plus the answer to the challenge `shown` carries, if any.
    async fn submit_answering(&self, path: &str, form: &[(&str, &str)], shown: &Page) -> Page {
        let answer = solve_page(shown);
        let mut fields = form.to_vec();
        if let Some((challenge, solution)) = &answer {
            fields.push(("challenge", challenge));
            fields.push(("solution", solution));
        }
        self.submit(path, &fields).await
    }

    /// The CSRF token the shop gave this shopper (a first visit sets it).
    pub async fn csrf(&self) -> String {
        if let Some(token) = self.cookie("csrf") {
            return token;
        }
        self.get("/").await;
        self.cookie("csrf").expect("the shop sets a csrf cookie")
    }

    pub async fn add(&self, sku: akinai_domain::ids::SkuId, qty: &str) -> Page {
        let csrf = self.csrf().await;
        self.post(
            "/cart/add",
            &[
                ("csrf", &csrf),
                ("sku", &sku.0.to_string()),
                ("quantity", qty),
            ],
        )
        .await
    }

    pub async fn submit_details(&self, overrides: &[(&str, &str)]) -> Page {
        let csrf = self.csrf().await;
        let mut fields: Vec<(&str, String)> = vec![
            ("csrf", csrf),
            ("name", "山田 花子".into()),
            ("name_kana", "ヤマダ ハナコ".into()),
            ("email", "hanako@example.jp".into()),
            ("phone", "090-1234-5678".into()),
            ("postal_code", "150-0001".into()),
            ("prefecture", "13".into()),
            ("city", "渋谷区".into()),
            ("line1", "神宮前1-2-3".into()),
            ("line2", String::new()),
            ("shipping_method", "standard".into()),
            ("delivery_date", "2026-12-01".into()),
            ("delivery_slot", "午前中".into()),
            ("payment_method", "bank_transfer".into()),
        ];
        for (k, v) in overrides {
            if let Some(f) = fields.iter_mut().find(|(name, _)| name == k) {
                f.1 = (*v).to_string();
            }
        }
        let form: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        self.post("/checkout", &form).await
    }

    /// Confirms the order shown on the confirmation screen.
    pub async fn place(&self) -> Page {
        let confirm = self.get("/checkout/confirm").await;
        assert_eq!(confirm.status, StatusCode::OK, "{}", confirm.body);
        self.post(
            "/checkout/confirm",
            &[
                ("csrf", &confirm.hidden("csrf")),
                ("fingerprint", &confirm.hidden("fingerprint")),
            ],
        )
        .await
    }
}

/// A migrated SQLite store in a new temporary directory.
async fn fresh_sqlite() -> (SqliteStore, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("akinai.db"))
        .await
        .unwrap();
    store.migrate().await.unwrap();
    (store, dir)
}

/// A test database to drop when the test is done.
pub struct PgDatabase {
    admin_url: String,
    name: String,
    store: akinai_postgres::PgStore,
}

impl PgDatabase {
    pub async fn drop_database(self) {
        use sqlx::{Connection, Executor};
        self.store.close().await;
        let mut admin = sqlx::PgConnection::connect(&self.admin_url).await.unwrap();
        admin
            .execute(format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name).as_str())
            .await
            .unwrap();
    }
}

fn rand_u32() -> u32 {
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    t.subsec_nanos() ^ std::process::id().rotate_left(16)
}
