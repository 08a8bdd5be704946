//! What a node does with hints between nodes (ADR 042): after a change made through it (an
//! admin's or an API write) it forgets its cached reads and rendered pages and tells the other
//! nodes; when another node's hint arrives it forgets the same, reads the maintenance switch
//! again, or wakes its worker. The read caches' time to live stays the bound when a hint is lost.

use akinai_core::Hint;

use crate::AppState;

impl AppState {
    /// After a change made through this node.
    pub(crate) async fn changed(&self) {
        self.forget_pages();
        self.shop.storefront().changed().await;
    }

    /// Forgets every rendered page, searches included.
    fn forget_pages(&self) {
        self.pages.clear();
        self.searches.clear();
    }

    /// A hint heard from a node (this one's own come back too, harmlessly).
    pub fn hear(&self, hint: Hint) {
        match hint {
            Hint::Catalog => {
                self.shop.storefront().forget_cached_reads();
                self.forget_pages();
                self.shop.operations().forget_maintenance();
            }
            Hint::Jobs => self.shop.jobs().wake(),
        }
    }
}

/// Applies every hint until the sender goes away (`serve` runs it on PostgreSQL).
pub async fn follow_hints(state: AppState, mut hints: tokio::sync::mpsc::Receiver<Hint>) {
    while let Some(hint) = hints.recv().await {
        state.hear(hint);
    }
}
