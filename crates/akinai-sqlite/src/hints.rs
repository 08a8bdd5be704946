//! Hints between nodes (ADR 042) on SQLite: one process owns the file, so there is no other
//! node to tell and nothing to hear.

use async_trait::async_trait;

use akinai_store::hints::{Hint, HintStore};
use akinai_store::StoreResult;

use crate::SqliteStore;

#[async_trait]
impl HintStore for SqliteStore {
    async fn publish_hint(&self, _hint: Hint) -> StoreResult<()> {
        Ok(())
    }

    async fn subscribe_hints(&self) -> StoreResult<Option<tokio::sync::mpsc::Receiver<Hint>>> {
        Ok(None)
    }
}
