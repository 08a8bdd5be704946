//! Server-side carts for SQLite.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use akinai_domain::catalog::Quantity;
use akinai_domain::checkout::CheckoutDetails;
use akinai_domain::ids::{CartId, SkuId};
use akinai_store::{Cart, CartStore, StoreResult, TokenHash};

use crate::{corrupt, map_err, ms, SqliteStore};

#[async_trait]
impl CartStore for SqliteStore {
    async fn create_cart(&self, token: &TokenHash, now: DateTime<Utc>) -> StoreResult<CartId> {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO carts (token_hash, created_at, updated_at) VALUES (?, ?, ?) RETURNING id",
        )
        .bind(&token.0)
        .bind(ms(now))
        .bind(ms(now))
        .fetch_one(&self.writer)
        .await
        .map_err(map_err)?;
        Ok(CartId(id))
    }

    async fn cart_by_token(&self, token: &TokenHash) -> StoreResult<Option<Cart>> {
        let row = sqlx::query(
            "SELECT c.id, c.checkout, o.id AS order_id FROM carts c LEFT JOIN orders o ON o.cart_id = c.id WHERE c.token_hash = ?",
        )
        .bind(&token.0)
        .fetch_optional(&self.reader)
        .await
        .map_err(map_err)?;
        row.as_ref().map(akinai_sql::cart).transpose()
    }

    async fn cart_lines(&self, cart: CartId) -> StoreResult<Vec<(SkuId, Quantity)>> {
        let rows = sqlx::query(
            "SELECT sku_id, quantity FROM cart_lines WHERE cart_id = ? ORDER BY added_at, sku_id",
        )
        .bind(cart.0)
        .fetch_all(&self.reader)
        .await
        .map_err(map_err)?;
        rows.iter().map(akinai_sql::cart_line).collect()
    }

    async fn set_cart_line(
        &self,
        cart: CartId,
        sku: SkuId,
        quantity: Option<Quantity>,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let mut tx = self.writer.begin().await.map_err(map_err)?;
        match quantity {
            Some(q) => sqlx::query(
                "INSERT INTO cart_lines (cart_id, sku_id, quantity, added_at) VALUES (?, ?, ?, ?) \
                 ON CONFLICT (cart_id, sku_id) DO UPDATE SET quantity = excluded.quantity",
            )
            .bind(cart.0)
            .bind(sku.0)
            .bind(i64::from(q.get()))
            .bind(ms(now))
            .execute(&mut *tx),
            None => sqlx::query("DELETE FROM cart_lines WHERE cart_id = ? AND sku_id = ?")
                .bind(cart.0)
                .bind(sku.0)
                .execute(&mut *tx),
        }
        .await
        .map_err(map_err)?;
        sqlx::query("UPDATE carts SET updated_at = ? WHERE id = ?")
            .bind(ms(now))
            .bind(cart.0)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        tx.commit().await.map_err(map_err)
    }

    async fn save_checkout(
        &self,
        cart: CartId,
        details: &CheckoutDetails,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let doc = serde_json::to_string(details).map_err(corrupt)?;
        sqlx::query("UPDATE carts SET checkout = ?, updated_at = ? WHERE id = ?")
            .bind(doc)
            .bind(ms(now))
            .bind(cart.0)
            .execute(&self.writer)
            .await
            .map_err(map_err)?;
        Ok(())
    }
}
