//! Hints between nodes (ADR 042): a node that changed something other nodes keep in memory —
//! the catalog, the settings, the maintenance switch — or that queued a background job says so,
//! and every other node hears it at once (PostgreSQL `LISTEN/NOTIFY`). A hint is only a hint:
//! it carries no data, a lost one costs nothing but time (the read caches' time to live and
//! the worker's poll still bound how stale a node can be), and a single-node backend (SQLite)
//! has no one to tell.

use async_trait::async_trait;

use crate::StoreResult;

/// The PostgreSQL channel the hints travel on.
pub const CHANNEL: &str = "akinai_hints";

/// What changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hint {
    /// What the storefront reads through its caches (catalog, categories, settings, the
    /// maintenance switch): forget the cached reads and rendered pages.
    Catalog,
    /// A job was queued: look for work now.
    Jobs,
}

impl Hint {
    pub fn as_str(self) -> &'static str {
        match self {
            Hint::Catalog => "catalog",
            Hint::Jobs => "jobs",
        }
    }

    pub fn parse(text: &str) -> Option<Hint> {
        match text {
            "catalog" => Some(Hint::Catalog),
            "jobs" => Some(Hint::Jobs),
            _ => None,
        }
    }
}

/// Hints to and from the other nodes on the same database.
#[async_trait]
pub trait HintStore: Send + Sync {
    /// Tells every node listening (this one too); nothing where there are no other nodes.
    async fn publish_hint(&self, hint: Hint) -> StoreResult<()>;
    /// The hints every node publishes, from now on; `None` where there are no other nodes.
    /// When the connection is lost and made again, [`Hint::Catalog`] and [`Hint::Jobs`] are
    /// delivered, as whatever was said meanwhile is lost.
    async fn subscribe_hints(&self) -> StoreResult<Option<tokio::sync::mpsc::Receiver<Hint>>>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hints_read_back_as_they_are_written() {
        for hint in [Hint::Catalog, Hint::Jobs] {
            assert_eq!(Hint::parse(hint.as_str()), Some(hint));
        }
        assert_eq!(Hint::parse("other"), None);
    }
}
