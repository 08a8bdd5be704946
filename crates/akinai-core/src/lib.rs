//! Use cases of akinai.
//!
//! [`Shop`] is what the web layer and the binary call: browse the catalog, keep a cart, check out
//! as a guest, look up an order by its status token, and run the background worker that delivers
//! confirmation mail. It holds its collaborators behind traits (`Store`, [`Mailer`], [`Clock`]) so
//! tests swap them, never names a storage backend, and leaves all rules to `akinai-domain`.
#![forbid(unsafe_code)]

pub mod cart;
pub mod catalog;
pub mod checkout;
pub mod clock;
pub mod demo;
mod error;
pub mod mail;
pub mod tokens;
pub mod worker;

use std::sync::Arc;

use tokio::sync::Notify;

use akinai_domain::settings::ShopSettings;
use akinai_store::Store;

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
}

impl Shop {
    pub fn new(
        store: Arc<dyn Store>,
        mailer: Arc<dyn Mailer>,
        clock: Arc<dyn Clock>,
        config: ShopConfig,
    ) -> Shop {
        Shop {
            store,
            mailer,
            clock,
            config,
            jobs_ready: Arc::new(Notify::new()),
        }
    }

    pub fn config(&self) -> &ShopConfig {
        &self.config
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// The shop settings, falling back to the starter settings until the owner saved some.
    pub async fn settings(&self) -> Result<ShopSettings, CoreError> {
        Ok(self
            .store
            .settings()
            .await?
            .unwrap_or_else(|| ShopSettings::starter("akinai")))
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
