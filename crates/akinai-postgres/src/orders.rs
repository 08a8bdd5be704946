//! Order placement and lookup for PostgreSQL: the shared statements (`akinai_sql`, ADR 020),
//! each order in a transaction of its own. Row locks make concurrent buyers of the same SKU
//! queue, and the `stock >= n` guard is re-checked after the wait. Two nodes placing the same
//! cart at once collide on the unique `cart_id`; the loser rolls back and returns the winner.

use akinai_sql::Sql;
use akinai_store::{NewOrder, PlaceOrderError, PlacedOrder};

use crate::{map_err, PgStore};

akinai_sql::order_store!(PgStore);

impl PgStore {
    async fn place_new_order(&self, order: &NewOrder) -> Result<PlacedOrder, PlaceOrderError> {
        let mut tx = self.pool.begin().await.map_err(map_err)?;
        if let Some(placed) = Sql::<PgStore>::place_in(&mut tx, order).await? {
            tx.commit().await.map_err(map_err)?;
            return Ok(placed);
        }
        drop(tx);
        let mut conn = self.pool.acquire().await.map_err(map_err)?;
        let winner = Sql::<PgStore>::order_of_cart(&mut conn, order).await?;
        let id = winner
            .ok_or_else(|| akinai_sql::corrupt("cart placed by a transaction that is gone"))?;
        Ok(PlacedOrder {
            id,
            newly_placed: false,
        })
    }
}
