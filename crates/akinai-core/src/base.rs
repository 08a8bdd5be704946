//! What every area service shares: the clock, the deployment's configuration, the process's
//! read caches, the bell that wakes the worker, the bounded password hasher, and the one read
//! of the shop settings that nearly every use case needs.
//!
//! [`Base`] holds infrastructure only, never a use case: a service that needs another area's
//! use case holds that service (ADR 019). It is cheap to clone (reference-counted parts).

use std::sync::Arc;

use tokio::sync::Notify;

use akinai_domain::catalog::{Category, Product};
use akinai_domain::ids::ProductId;
use akinai_domain::settings::ShopSettings;
use akinai_store::hints::{Hint, HintStore};
use akinai_store::SettingsStore;

use crate::accounts::Hasher;
use crate::cache::TtlCache;
use crate::{Clock, CoreError, ShopConfig};

/// The shared infrastructure of the area services.
#[derive(Clone)]
pub struct Base {
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) config: Arc<ShopConfig>,
    /// Wakes the worker when a job was enqueued by this process.
    pub(crate) jobs_ready: Arc<Notify>,
    pub(crate) caches: Arc<Caches>,
    pub(crate) hasher: Arc<Hasher>,
    pub(crate) settings_store: Arc<dyn SettingsStore>,
    /// Hints to the other nodes on the same database (ADR 042).
    pub(crate) hints: Arc<dyn HintStore>,
    /// Whether a `jobs` hint is on its way: one is enough to wake the other workers, who then
    /// take every due job, so a busy node sends one per round trip rather than one per order.
    jobs_hint_sending: Arc<std::sync::atomic::AtomicBool>,
}

/// The read caches of one process.
pub(crate) struct Caches {
    pub settings: TtlCache<(), ShopSettings>,
    pub categories: TtlCache<(), Vec<Category>>,
    pub products: TtlCache<ProductId, Product>,
}

impl Caches {
    /// Forgets everything read, so the next page reads the store again.
    pub fn clear(&self) {
        self.settings.clear();
        self.categories.clear();
        self.products.clear();
    }
}

/// New visitors counted in memory by this process and added to the store every minute by the
/// worker (`Jobs::flush_visits`), so a page view never waits for a database write.
#[derive(Debug, Clone, Default)]
pub struct VisitCounter(Arc<std::sync::atomic::AtomicI64>);

impl VisitCounter {
    /// Counts one new visitor (a first page without the CSRF cookie).
    pub fn count(&self) {
        self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }

    pub(crate) fn take(&self) -> i64 {
        self.0.swap(0, std::sync::atomic::Ordering::Relaxed)
    }

    pub(crate) fn give_back(&self, n: i64) {
        self.0.fetch_add(n, std::sync::atomic::Ordering::Relaxed);
    }
}

impl Base {
    pub(crate) fn new(
        clock: Arc<dyn Clock>,
        config: ShopConfig,
        settings_store: Arc<dyn SettingsStore>,
        hints: Arc<dyn HintStore>,
    ) -> Base {
        let ttl = config.cache_ttl;
        let hasher = Hasher::new(config.accounts.hash);
        Base {
            clock,
            jobs_ready: Arc::new(Notify::new()),
            caches: Arc::new(Caches {
                settings: TtlCache::new(ttl, 1),
                categories: TtlCache::new(ttl, 1),
                products: TtlCache::new(ttl, 20_000),
            }),
            hasher,
            settings_store,
            hints,
            jobs_hint_sending: Arc::default(),
            config: Arc::new(config),
        }
    }

    /// The shop settings, falling back to the starter settings until the owner saved some.
    pub(crate) async fn settings(&self) -> Result<ShopSettings, CoreError> {
        if let Some(s) = self.caches.settings.get(&()) {
            return Ok((*s).clone());
        }
        let settings = self
            .settings_store
            .settings()
            .await?
            .unwrap_or_else(|| ShopSettings::starter("akinai"));
        self.caches.settings.put((), Arc::new(settings.clone()));
        Ok(settings)
    }

    /// A job was queued: wakes this node's worker at once and tells the other nodes', without
    /// waiting for the database (a hint lost costs only the worker's poll interval).
    pub(crate) fn jobs_added(&self) {
        use std::sync::atomic::Ordering;
        self.jobs_ready.notify_one();
        if self.jobs_hint_sending.swap(true, Ordering::AcqRel) {
            return;
        }
        let (hints, sending) = (self.hints.clone(), self.jobs_hint_sending.clone());
        tokio::spawn(async move {
            let _ = hints.publish_hint(Hint::Jobs).await;
            sending.store(false, Ordering::Release);
        });
    }

    /// Tells the other nodes that what they cache changed (ADR 042); a failure is logged, as
    /// their caches still expire.
    pub(crate) async fn announce(&self, hint: Hint) {
        if let Err(e) = self.hints.publish_hint(hint).await {
            tracing::warn!(error = %e, hint = hint.as_str(), "could not tell the other nodes");
        }
    }

    /// Today in Japan.
    pub(crate) fn today(&self) -> chrono::NaiveDate {
        self.clock.today_jst()
    }
}
