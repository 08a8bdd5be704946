//! Hints between nodes (ADR 042) on PostgreSQL: `pg_notify` on the [`CHANNEL`], heard by a
//! `LISTEN` on a connection of its own per node, forwarded to the node's tasks. sqlx's listener
//! connects again by itself when the connection drops; as anything said meanwhile is lost, the
//! node is then told that everything changed.

use async_trait::async_trait;
use sqlx::postgres::PgListener;

use akinai_store::hints::{Hint, HintStore, CHANNEL};
use akinai_store::StoreResult;

use akinai_sql::map_err;

use crate::PgStore;

/// Hints waiting for the node's tasks; more are dropped (a hint repeats what is pending).
const QUEUE: usize = 64;

#[async_trait]
impl HintStore for PgStore {
    async fn publish_hint(&self, hint: Hint) -> StoreResult<()> {
        sqlx::query("SELECT pg_notify($1, $2)")
            .bind(CHANNEL)
            .bind(hint.as_str())
            .execute(&self.pool)
            .await
            .map_err(map_err)?;
        Ok(())
    }

    async fn subscribe_hints(&self) -> StoreResult<Option<tokio::sync::mpsc::Receiver<Hint>>> {
        let mut listener = PgListener::connect_with(&self.pool)
            .await
            .map_err(map_err)?;
        listener.listen(CHANNEL).await.map_err(map_err)?;
        let (tx, rx) = tokio::sync::mpsc::channel(QUEUE);
        tokio::spawn(async move {
            // Ends once the node stops listening (checked whenever the listener wakes).
            while !tx.is_closed() {
                let heard = match listener.try_recv().await {
                    Ok(Some(n)) => Hint::parse(n.payload()).into_iter().collect(),
                    // The connection dropped (and will be made again): assume the worst.
                    Ok(None) => vec![Hint::Catalog, Hint::Jobs],
                    Err(e) => {
                        tracing::warn!(error = %e, "hints: listening failed; trying again");
                        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                        vec![Hint::Catalog, Hint::Jobs]
                    }
                };
                for hint in heard {
                    let _ = tx.try_send(hint);
                }
            }
        });
        Ok(Some(rx))
    }
}
