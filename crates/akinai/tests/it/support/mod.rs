//! The test kit: `TestApp`, one running shop per test (a fresh database, a fixed clock, the
//! file mailer, and optionally the fake card provider), built with [`ShopBuilder`]; `Shopper`,
//! one browser-like client; and helpers for the people tests act as — a verified member
//! ([`TestApp::member`]) and an enrolled, signed-in admin ([`admin::signed_in`]).
//!
//! ```ignore
//! let app = TestApp::builder().demo().stripe().start().await;
//! let owner = admin::signed_in(&app, "owner@example.jp", AdminRole::Owner).await;
//! ```

pub mod admin;
pub mod api;
mod builder;
mod client;
pub mod cluster;
mod db;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use chrono::{TimeZone, Utc};
use reqwest::StatusCode;

use akinai_core::{FixedClock, Shop};
use akinai_domain::ids::SkuId;
use akinai_store::Store;
use akinai_web::AppState;

pub use builder::ShopBuilder;
pub use client::Shopper;
#[allow(unused_imports)] // not every test binary uses each of them
pub use client::{concrete_path, solve_page, Page};
#[allow(unused_imports)]
pub use db::PgDatabase;

pub struct TestApp {
    pub addr: SocketAddr,
    /// The admin back office's own listener (allow-list: loopback only).
    pub admin_addr: SocketAddr,
    pub clock: Arc<FixedClock>,
    pub shop: Shop,
    pub store: Arc<dyn Store>,
    pub mail_dir: PathBuf,
    /// The fake card provider, when the shop was built with [`ShopBuilder::stripe`].
    pub stripe: Option<Arc<akinai_fakepsp::FakeStripe>>,
    _dir: tempfile::TempDir,
}

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
    /// A shop to build: SQLite, no products, no card provider until said otherwise.
    pub fn builder() -> ShopBuilder {
        ShopBuilder::default()
    }

    /// A shop with the demo catalog.
    pub async fn demo() -> TestApp {
        TestApp::builder().demo().start().await
    }

    /// A shop with no products.
    pub async fn empty() -> TestApp {
        TestApp::builder().start().await
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

    /// The actions recorded in the audit trail, oldest first.
    pub async fn audit_actions(&self) -> Vec<String> {
        self.store
            .audit_entries(0, 1000)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.record.action)
            .collect()
    }

    /// Runs `akinai --data-dir DATA ARGS…` on this shop's SQLite file, as an operator would.
    pub fn cli(&self, args: &[&str]) -> std::process::Output {
        std::process::Command::new(env!("CARGO_BIN_EXE_akinai"))
            .arg("--data-dir")
            .arg(self.data_dir())
            .args(args)
            .env("AKINAI__LOG", "warn")
            .env_remove("AKINAI__DATABASE_URL")
            .output()
            .unwrap()
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
        read_mails(&self.mail_dir)
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

    /// The order status page path (`/order/…`) in the newest mail that has one.
    pub fn order_status_path(&self) -> String {
        let mails = self.mails();
        let mail = mails
            .iter()
            .rev()
            .find(|m| m.contains("/order/"))
            .unwrap_or_else(|| panic!("no mail with a status link: {mails:?}"));
        let start = mail.find("/order/").unwrap_or_default();
        mail[start..]
            .chars()
            .take_while(|c| !c.is_whitespace())
            .collect()
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
        for p in self.store.search(&q, 0, 50).await.unwrap().products {
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
        let hits = self.store.search(&q, 0, 50).await.unwrap().products;
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

/// The `.eml` files in `dir`, sorted: headers as sent, then the decoded text body.
pub fn read_mails(dir: &std::path::Path) -> Vec<String> {
    use base64::Engine;
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<String> = entries
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "eml"))
        .map(|p| {
            let raw = std::fs::read_to_string(p).unwrap();
            let (head, body) = raw.split_once("\r\n\r\n").unwrap();
            // A mail with an attachment: its text part, decoded, then the parts as sent.
            if head.contains("multipart/") {
                let text = body
                    .split_once("Content-Type: text/plain")
                    .and_then(|(_, part)| part.split_once("\r\n\r\n"))
                    .map(|(part_head, rest)| {
                        let part = rest.split("\r\n--").next().unwrap_or_default();
                        if part_head.contains("base64") {
                            let compact: String = part.split_whitespace().collect();
                            String::from_utf8(
                                base64::engine::general_purpose::STANDARD
                                    .decode(compact)
                                    .unwrap(),
                            )
                            .unwrap()
                        } else {
                            part.to_string()
                        }
                    })
                    .unwrap_or_default();
                return format!("{head}\n\n{text}\n\n{body}");
            }
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
