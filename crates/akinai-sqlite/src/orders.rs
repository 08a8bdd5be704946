//! Order placement and lookup for SQLite: the shared statements (`akinai_sql`, ADR 020), placed
//! through the group commit (see `group_commit`): each order in a savepoint of one transaction
//! whose commit is fsynced before any shopper of the batch sees an order.

use akinai_store::{NewOrder, PlaceOrderError, PlacedOrder};

use crate::SqliteStore;

akinai_sql::order_store!(SqliteStore);

impl SqliteStore {
    async fn place_new_order(&self, order: &NewOrder) -> Result<PlacedOrder, PlaceOrderError> {
        self.orders.place(order.clone()).await
    }
}
