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
    /// Starts the writer on the store's single writer pool, on a thread of its own with its own
    /// single-threaded runtime: each statement of a batch is a round trip to the connection's
    /// thread, and on a busy server the runtime's workers would answer those late, so the batch
    /// (and every order waiting on it) would wait for request handling. The thread ends when the
    /// store's last handle is dropped.
    pub fn start(writer: SqlitePool) -> Result<OrderWriter, StoreError> {
        let (tx, rx) = mpsc::channel(4 * MAX_BATCH);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| StoreError::Unavailable(format!("order writer runtime: {e}")))?;
        std::thread::Builder::new()
            .name("akinai-orders".into())
            .spawn(move || runtime.block_on(run(writer, rx)))
            .map_err(|e| StoreError::Unavailable(format!("order writer thread: {e}")))?;
        Ok(OrderWriter { tx })
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
        let result = match akinai_sql::Sql::<SqliteStore>::place_in(&mut savepoint, order).await {
            Ok(Some(placed)) => {
                savepoint.commit().await.map_err(map_err)?;
                Ok(placed)
            }
            // The cart's order is placed already (a double submit within one batch): answer with
            // that one.
            Ok(None) => {
                savepoint.rollback().await.map_err(map_err)?;
                akinai_sql::Sql::<SqliteStore>::placed_before(&mut tx, order).await
            }
            Err(e) => {
                savepoint.rollback().await.map_err(map_err)?;
                Err(e)
            }
        };
        results.push(result);
    }
    tx.commit().await.map_err(map_err)?;
    Ok(results)
}
