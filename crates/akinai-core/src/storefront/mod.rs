//! The storefront area: what a shopper browses and keeps before checkout. [`catalog`] serves
//! categories, product pages and search from the short-lived read caches; [`cart`] keeps the
//! server-side cart behind a random cookie token. Nothing here decides money: checkout
//! recomputes everything from the store.

pub mod cart;
pub mod catalog;
pub mod prices;
pub mod quick_order;

pub use cart::QuoteApplied;

use std::sync::Arc;

use akinai_store::price_rules::PriceRuleStore;
use akinai_store::{CartStore, CatalogStore};

use crate::{Base, CoreError, VisitCounter};

/// The storefront: categories, product pages, search and the cart.
#[derive(Clone)]
pub struct Storefront {
    pub(crate) base: Base,
    pub(crate) cart_store: Arc<dyn CartStore>,
    pub(crate) catalog_store: Arc<dyn CatalogStore>,
    pub(crate) price_store: Arc<dyn PriceRuleStore>,
    pub(crate) quote_store: Arc<dyn akinai_store::quotes::QuoteStore>,
    pub(crate) visits: VisitCounter,
}

impl Storefront {
    /// The counter the storefront counts new visitors with.
    pub fn visit_counter(&self) -> VisitCounter {
        self.visits.clone()
    }

    /// The shop settings every page shows (name, notices, payment methods).
    pub async fn settings(&self) -> Result<akinai_domain::settings::ShopSettings, CoreError> {
        self.base.settings().await
    }

    /// Today in Japan.
    pub fn today(&self) -> chrono::NaiveDate {
        self.base.today()
    }

    /// Forgets this process's cached settings, categories and products (after an admin change
    /// made here, or another node's hint; ADR 006, ADR 042).
    pub fn forget_cached_reads(&self) {
        self.base.caches.clear();
    }

    /// After a change made through this node: forgets the cached reads here and tells the other
    /// nodes to forget theirs (ADR 042); their time to live still bounds a lost hint.
    pub async fn changed(&self) {
        self.base.caches.clear();
        self.base.announce(akinai_store::hints::Hint::Catalog).await;
    }
}
