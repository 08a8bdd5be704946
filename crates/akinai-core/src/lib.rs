//! Use cases of akinai.
//!
//! [`Shop`] is what the web layer and the binary call: browse the catalog, keep a cart, check out
//! as a guest, look up an order by its status token, and run the background worker that delivers
//! confirmation mail. It holds its collaborators behind traits (`Store`, [`Mailer`], [`Clock`]) so
//! tests swap them, never names a storage backend, and leaves all rules to `akinai-domain`.
#![forbid(unsafe_code)]

pub mod accounts;
pub mod admin;
pub mod alert;
pub mod audit;
pub mod cache;
pub mod cart;
pub mod catalog;
pub mod checkout;
pub mod clock;
pub mod demo;
mod error;
pub mod i18n;
pub mod images;
pub mod integrity;
pub mod mail;
pub mod payments;
pub mod security;
pub mod settings;
pub mod tokens;
pub mod upload_scan;
pub mod worker;

use std::sync::Arc;

use tokio::sync::Notify;

use akinai_domain::catalog::{Category, Product};
use akinai_domain::ids::ProductId;
use akinai_domain::settings::ShopSettings;
use akinai_store::Store;

use cache::TtlCache;
pub use clock::{Clock, FixedClock, SystemClock};
pub use error::CoreError;
pub use mail::{FileMailer, Mailer, SmtpMailer};

/// Facts about the deployment the use cases need (not shop settings, which the owner edits).
#[derive(Debug, Clone)]
pub struct ShopConfig {
    /// The public base URL, e.g. `https://shop.example.jp`; links in mail are built from it,
    /// never from a request's Host header.
    pub base_url: url::Url,
    /// The sender address of shop mail.
    pub mail_from: String,
    /// Signs derived tokens (order status links).
    pub secret_key: tokens::SecretKey,
    /// How long settings, categories and product pages are served from memory (zero: never).
    pub cache_ttl: std::time::Duration,
    /// Alerts, theme and tamper detection.
    pub security: SecurityConfig,
    /// Customer accounts: sessions, throttling, password hashing.
    pub accounts: accounts::AccountsConfig,
}

/// Where alerts go and what the integrity checks watch.
#[derive(Debug, Clone)]
pub struct SecurityConfig {
    /// Addresses that receive alert mail; empty: alerts go to the log and the event store only.
    pub alert_mail_to: Vec<String>,
    /// Directory of theme files (style sheets, images, fonts); `None`: no theme.
    pub theme_dir: Option<std::path::PathBuf>,
    /// Whether a theme that differs from its approved manifest closes checkout.
    pub close_checkout_on_tamper: bool,
    /// Further files whose change raises an alert (the executable, the configuration file).
    pub watched_files: Vec<std::path::PathBuf>,
    /// ClamAV daemon that scans uploads (fail-closed); `None`: uploads are not scanned.
    pub clamd: Option<upload_scan::ClamdAddr>,
}

impl Default for SecurityConfig {
    fn default() -> SecurityConfig {
        SecurityConfig {
            alert_mail_to: Vec::new(),
            theme_dir: None,
            close_checkout_on_tamper: true,
            watched_files: Vec::new(),
            clamd: None,
        }
    }
}

/// The shop's use cases.
#[derive(Clone)]
pub struct Shop {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) mailer: Arc<dyn Mailer>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) config: ShopConfig,
    /// Wakes the worker when a job was enqueued by this process.
    pub(crate) jobs_ready: Arc<Notify>,
    pub(crate) caches: Arc<Caches>,
    pub(crate) integrity: Arc<std::sync::Mutex<integrity::IntegrityState>>,
    pub(crate) hasher: Arc<accounts::Hasher>,
    pub(crate) visits: VisitCounter,
    /// The payment provider for card and konbini payments; `None`: bank transfer and cash on
    /// delivery only.
    pub(crate) gateway: Option<Arc<dyn payments::PaymentGateway>>,
}

/// New visitors counted in memory by this process and added to the store every minute by the
/// worker (`Shop::flush_visits`), so a page view never waits for a database write.
#[derive(Debug, Clone, Default)]
pub struct VisitCounter(Arc<std::sync::atomic::AtomicI64>);

impl VisitCounter {
    /// Counts one new visitor (a first page without the CSRF cookie).
    pub fn count(&self) {
        self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }

    fn take(&self) -> i64 {
        self.0.swap(0, std::sync::atomic::Ordering::Relaxed)
    }

    fn give_back(&self, n: i64) {
        self.0.fetch_add(n, std::sync::atomic::Ordering::Relaxed);
    }
}

/// The read caches of one process.
pub(crate) struct Caches {
    pub settings: TtlCache<(), ShopSettings>,
    pub categories: TtlCache<(), Vec<Category>>,
    pub products: TtlCache<ProductId, Product>,
}

impl Shop {
    pub fn new(
        store: Arc<dyn Store>,
        mailer: Arc<dyn Mailer>,
        clock: Arc<dyn Clock>,
        config: ShopConfig,
    ) -> Shop {
        let ttl = config.cache_ttl;
        let hasher = accounts::Hasher::new(config.accounts.hash);
        let caches = Arc::new(Caches {
            settings: TtlCache::new(ttl, 1),
            categories: TtlCache::new(ttl, 1),
            products: TtlCache::new(ttl, 20_000),
        });
        Shop {
            store,
            mailer,
            clock,
            config,
            jobs_ready: Arc::new(Notify::new()),
            caches,
            integrity: Arc::default(),
            hasher,
            visits: VisitCounter::default(),
            gateway: None,
        }
    }

    /// The counter the storefront counts new visitors with.
    pub fn visit_counter(&self) -> VisitCounter {
        self.visits.clone()
    }

    /// Adds the visits counted since the last flush to today's (JST) total; on a store error
    /// they are kept for the next flush.
    pub async fn flush_visits(&self) -> Result<i64, CoreError> {
        let n = self.visits.take();
        if n == 0 {
            return Ok(0);
        }
        let day = self
            .clock
            .now()
            .with_timezone(&clock::jst())
            .format("%Y-%m-%d")
            .to_string();
        if let Err(e) = self.store.add_visits(&day, n).await {
            self.visits.give_back(n);
            return Err(e.into());
        }
        Ok(n)
    }

    pub fn config(&self) -> &ShopConfig {
        &self.config
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// The shop settings, falling back to the starter settings until the owner saved some.
    pub async fn settings(&self) -> Result<ShopSettings, CoreError> {
        if let Some(s) = self.caches.settings.get(&()) {
            return Ok((*s).clone());
        }
        let settings = self
            .store
            .settings()
            .await?
            .unwrap_or_else(|| ShopSettings::starter("akinai"));
        self.caches.settings.put((), Arc::new(settings.clone()));
        Ok(settings)
    }

    /// Today in Japan.
    pub fn today(&self) -> chrono::NaiveDate {
        self.clock.today_jst()
    }

    /// Whether the store answers.
    pub async fn health(&self) -> Result<(), CoreError> {
        Ok(self.store.ping().await?)
    }
}
