//! [`ShopBuilder`]: what a test's shop is made of — its store (SQLite by default, or a
//! PostgreSQL database), its mailer, its alert and integrity settings, the demo catalog, the
//! fake card provider, and whether it answers at `http://localhost:<port>` (for a browser).
//! The shop runs on loopback with both listeners (storefront and admin) and a fixed clock.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use akinai_core::payments::{PaymentGateway, StripeConfig, StripeGateway};
use akinai_core::tokens::SecretKey;
use akinai_core::{FileMailer, FixedClock, Mailer, SecurityConfig, Shop, ShopConfig};
use akinai_domain::order::PaymentMethod;
use akinai_fakepsp::FakeStripe;
use akinai_store::Store;
use akinai_web::{AppState, WebConfig};

use super::db::{fresh_sqlite, PgDatabase};
use super::{serve_on, test_accounts, test_now, TestApp};

/// The fake Stripe's API key and webhook signing secret of a shop built with
/// [`ShopBuilder::stripe`].
pub const STRIPE_KEY: &str = "sk_test_akinai_it";
pub const STRIPE_WEBHOOK_SECRET: &str = "whsec_akinai_it";

type MakeMailer = Box<dyn FnOnce(PathBuf) -> Arc<dyn Mailer>>;

/// A test shop to start; see the module documentation.
#[derive(Default)]
pub struct ShopBuilder {
    store: Option<(Arc<dyn Store>, tempfile::TempDir)>,
    mailer: Option<MakeMailer>,
    security: SecurityConfig,
    demo: bool,
    stripe: bool,
    localhost: bool,
    secret_key: Option<SecretKey>,
    cache_ttl: std::time::Duration,
}

impl ShopBuilder {
    /// Seeds the demo catalog.
    pub fn demo(mut self) -> ShopBuilder {
        self.demo = true;
        self
    }

    /// Takes card and konbini payments through the fake Stripe (`akinai-fakepsp`) on loopback,
    /// whose deliveries reach this shop's webhook; implies the demo catalog.
    pub fn stripe(mut self) -> ShopBuilder {
        self.stripe = true;
        self.demo = true;
        self
    }

    /// Keeps read caches and rendered pages for `ttl` (tests read the store afresh otherwise).
    pub fn cache_ttl(mut self, ttl: std::time::Duration) -> ShopBuilder {
        self.cache_ttl = ttl;
        self
    }

    /// Answers at `http://localhost:<port>` — the address a browser reaches it at, as WebAuthn
    /// requires (an IP address is no RP ID) — instead of `https://shop.example.jp`.
    pub fn at_localhost(mut self) -> ShopBuilder {
        self.localhost = true;
        self
    }

    /// These alert and integrity settings.
    pub fn security(mut self, security: SecurityConfig) -> ShopBuilder {
        self.security = security;
        self
    }

    /// Mail goes through the mailer `make` builds for the mail directory (default: files).
    pub fn mailer(
        mut self,
        make: impl FnOnce(PathBuf) -> Arc<dyn Mailer> + 'static,
    ) -> ShopBuilder {
        self.mailer = Some(Box::new(make));
        self
    }

    /// Signs tokens with this key (a restored shop's) instead of a new one.
    #[allow(dead_code)]
    pub fn secret_key(mut self, key: SecretKey) -> ShopBuilder {
        self.secret_key = Some(key);
        self
    }

    /// Runs on this store (e.g. a PostgreSQL database) instead of a fresh SQLite file.
    pub fn store(mut self, store: Arc<dyn Store>) -> ShopBuilder {
        self.store = Some((store, tempfile::tempdir().unwrap()));
        self
    }

    /// Starts the shop: both listeners on loopback, the clock at [`test_now`].
    pub async fn start(self) -> TestApp {
        let (store, dir) = match self.store {
            Some(given) => given,
            None => {
                let (store, dir) = fresh_sqlite().await;
                (Arc::new(store) as Arc<dyn Store>, dir)
            }
        };
        let fake = if self.stripe {
            Some(Arc::new(
                FakeStripe::start(STRIPE_KEY, STRIPE_WEBHOOK_SECRET, None)
                    .await
                    .unwrap(),
            ))
        } else {
            None
        };
        let mail_dir = dir.path().join("mail");
        let mailer = match self.mailer {
            Some(make) => make(mail_dir.clone()),
            None => Arc::new(FileMailer::new(mail_dir.clone())),
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let base_url = if self.localhost {
            format!("http://localhost:{}", addr.port())
        } else {
            "https://shop.example.jp".to_string()
        };
        let config = ShopConfig {
            base_url: url::Url::parse(&base_url).unwrap(),
            mail_from: "shop@example.jp".into(),
            secret_key: self.secret_key.unwrap_or_else(SecretKey::generate),
            cache_ttl: self.cache_ttl,
            security: self.security,
            accounts: test_accounts(),
        };
        let clock = Arc::new(FixedClock::new(test_now()));
        let shop = Shop::new(store.clone(), mailer, clock.clone(), config);
        let shop = match &fake {
            Some(f) => shop.with_gateway(gateway(f)),
            None => shop,
        };
        let state = AppState::new(shop.clone(), web_config());
        let admin_addr = serve_admin(state.clone()).await;
        serve_on(listener, state);
        let app = TestApp {
            addr,
            admin_addr,
            clock,
            shop,
            store,
            mail_dir,
            stripe: fake,
            _dir: dir,
        };
        if self.demo {
            app.seed().await;
        }
        if let Some(f) = &app.stripe {
            let mut settings = app.shop.storefront().settings().await.unwrap();
            settings
                .payment_methods
                .extend([PaymentMethod::Card, PaymentMethod::Konbini]);
            app.store.save_settings(&settings).await.unwrap();
            f.set_webhook_url(&format!("http://{}/webhooks/stripe", app.addr));
            f.set_time(akinai_core::Clock::now(app.clock.as_ref()).timestamp());
        }
        app
    }
}

/// The shop's gateway to the fake provider.
fn gateway(fake: &FakeStripe) -> Arc<dyn PaymentGateway> {
    Arc::new(
        StripeGateway::new(StripeConfig {
            api_base: url::Url::parse(&fake.base_url()).unwrap(),
            checkout_origin: fake.base_url(),
            secret_key: STRIPE_KEY.into(),
            webhook_secret: STRIPE_WEBHOOK_SECRET.into(),
            methods: vec![PaymentMethod::Card, PaymentMethod::Konbini],
            konbini_expires_after_days: 3,
            timeout: std::time::Duration::from_secs(1),
            retries: 1,
        })
        .unwrap(),
    )
}

/// The web settings of tests: tests send many forms from one address (the rate limit has its
/// own test), and the test client stands in for a proxy — shoppers from other addresses say
/// so in `X-Forwarded-For` (see `TestApp::shopper_from`).
fn web_config() -> WebConfig {
    WebConfig {
        form_rate: akinai_web::limits::RateLimit {
            burst: 1_000_000,
            per_minute: 1_000_000,
        },
        trusted_proxies: akinai_web::proxy::TrustedProxies(vec!["127.0.0.0/8".parse().unwrap()]),
        ..WebConfig::new(false)
    }
}

/// Serves the admin back office on its own loopback listener.
async fn serve_admin(state: AppState) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let admin = akinai_web::harden(
        akinai_web::admin::router(
            state,
            akinai_web::admin::AllowList::default(),
            &format!("http://{addr}"),
        ),
        false,
    )
    .into_make_service_with_connect_info::<SocketAddr>();
    tokio::spawn(async move { axum::serve(listener, admin).await });
    addr
}

impl TestApp {
    /// A shop with no products whose mail goes through the mailer `make` builds.
    pub async fn with_mailer(make: impl FnOnce(PathBuf) -> Arc<dyn Mailer> + 'static) -> TestApp {
        TestApp::builder().mailer(make).start().await
    }

    /// A shop with the demo catalog and these alert and integrity settings.
    pub async fn with_security(security: SecurityConfig) -> TestApp {
        TestApp::builder().demo().security(security).start().await
    }

    /// A shop with the demo catalog at `http://localhost:<port>` (the browser tests).
    #[allow(dead_code)]
    pub async fn demo_at_localhost() -> TestApp {
        TestApp::builder().demo().at_localhost().start().await
    }

    /// A demo shop taking card and konbini payments through the fake Stripe, and the fake.
    pub async fn with_stripe() -> (TestApp, Arc<FakeStripe>) {
        let app = TestApp::builder().stripe().start().await;
        let fake = app.stripe.clone().unwrap();
        (app, fake)
    }

    /// [`TestApp::with_stripe`] at `http://localhost:<port>`, for a browser that follows the
    /// provider's redirect back to the shop.
    #[allow(dead_code)]
    pub async fn with_stripe_at_localhost() -> (TestApp, Arc<FakeStripe>) {
        let app = TestApp::builder().stripe().at_localhost().start().await;
        let fake = app.stripe.clone().unwrap();
        (app, fake)
    }

    /// A shop on a fresh PostgreSQL database, or `None` (with a note) when no server is
    /// reachable; with `AKINAI_REQUIRE_POSTGRES=1` an unreachable server fails the test.
    pub async fn postgres() -> Option<(TestApp, PgDatabase)> {
        TestApp::postgres_with(SecurityConfig::default()).await
    }

    /// [`TestApp::postgres`] with these security settings.
    pub async fn postgres_with(security: SecurityConfig) -> Option<(TestApp, PgDatabase)> {
        let db = PgDatabase::create().await?;
        let app = TestApp::builder()
            .store(Arc::new(db.store.clone()))
            .security(security)
            .start()
            .await;
        Some((app, db))
    }

    /// Security settings that let webhooks reach a receiver on loopback (as development does).
    pub fn internal_webhooks() -> SecurityConfig {
        SecurityConfig {
            webhooks_allow_internal: true,
            ..SecurityConfig::default()
        }
    }
}
