//! Group commit of orders on SQLite.
//!
//! Every SQLite commit with `synchronous=FULL` costs an fsync (about 0.8 ms here), which would cap
//! durable orders near 1,200 per second. Orders placed concurrently are therefore handed to one
//! task that takes all waiting requests (up to [`MAX_BATCH`]), places each in its own savepoint
//! of one transaction, commits once, and only then answers each caller. A failed order (out of
//! stock) rolls back its savepoint alone; a failed commit fails every order of the batch, none of
//! which was acknowledged. Durability and atomicity per order are unchanged; only the fsync is
//! shared.

use sqlx::sqlite::SqlitePool;
use sqlx::Acquire;
use tokio::sync::{mpsc, oneshot};

use akinai_store::{NewOrder, PlaceOrderError, PlacedOrder, StoreError};

use crate::{map_err, SqliteStore};

/// How the store opens a write transaction: with the write lock taken at once (see
/// `akinai_sql::Dialect::BEGIN_WRITE`).
pub const BEGIN_WRITE: &str = "BEGIN IMMEDIATE";

/// Most orders committed together.
pub const MAX_BATCH: usize = 256;

type Reply = oneshot::Sender<Result<PlacedOrder, PlaceOrderError>>;

/// Handle to the order writer task.
#[derive(Clone)]
pub struct OrderWriter {
    tx: mpsc::Sender<(NewOrder, Reply)>,
}

impl OrderWriter {
    /// Starts the writer task on the store's single writer pool.
    pub fn start(writer: SqlitePool) -> OrderWriter {
        let (tx, rx) = mpsc::channel(4 * MAX_BATCH);
        tokio::spawn(run(writer, rx));
        OrderWriter { tx }
    }

    pub async fn place(&self, order: NewOrder) -> Result<PlacedOrder, PlaceOrderError> {
        let (reply, answer) = oneshot::channel();
        let gone =
            || PlaceOrderError::Store(StoreError::Unavailable("order writer stopped".into()));
        self.tx.send((order, reply)).await.map_err(|_| gone())?;
        answer.await.map_err(|_| gone())?
    }
}

async fn run(writer: SqlitePool, mut rx: mpsc::Receiver<(NewOrder, Reply)>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while rx.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let requests = std::mem::take(&mut batch);
        match commit_batch(&writer, &requests).await {
            Ok(results) => {
                for ((_, reply), result) in requests.into_iter().zip(results) {
                    let _ = reply.send(result);
                }
            }
            Err(e) => {
                tracing::error!(error = %e, orders = requests.len(), "order batch failed to commit");
                for (_, reply) in requests {
                    let _ = reply.send(Err(PlaceOrderError::Store(StoreError::Unavailable(
                        e.to_string(),
                    ))));
                }
            }
        }
    }
}

/// Places every order in its own savepoint and commits once. The per-order results are valid
/// only if this returns `Ok`.
async fn commit_batch(
    writer: &SqlitePool,
    requests: &[(NewOrder, Reply)],
) -> Result<Vec<Result<PlacedOrder, PlaceOrderError>>, StoreError> {
    let mut conn = writer.acquire().await.map_err(map_err)?;
    let mut tx = sqlx::Connection::begin_with(&mut *conn, BEGIN_WRITE)
        .await
        .map_err(map_err)?;
    let mut results = Vec::with_capacity(requests.len());
    for (order, _) in requests {
        let mut savepoint = tx.begin().await.map_err(map_err)?;
        let result = akinai_sql::Sql::<SqliteStore>::place_in(&mut savepoint, order)
            .await
            .and_then(|placed| {
                // One writer: the cart check inside the savepoint sees every earlier order.
                placed.ok_or_else(|| StoreError::Unavailable("cart placed twice".into()).into())
            });
        if result.is_ok() {
            savepoint.commit().await.map_err(map_err)?;
        } else {
            savepoint.rollback().await.map_err(map_err)?;
        }
        results.push(result);
    }
    tx.commit().await.map_err(map_err)?;
    Ok(results)
}
