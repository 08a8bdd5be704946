//! Server-side carts, written once for both backends.

use chrono::{DateTime, Utc};
use sqlx::{Database, Decode, Encode, Executor, IntoArguments, Type};

use akinai_domain::catalog::{Quantity, SkuForSale};
use akinai_domain::checkout::CheckoutDetails;
use akinai_domain::ids::{CartId, SkuId};
use akinai_store::{Cart, StoreResult, TokenHash};

use crate::{corrupt, map_err, Columns, Dialect, Sql};

impl<D> Sql<'_, D>
where
    D: Dialect,
    for<'q> D::Time: Encode<'q, D::Db> + Decode<'q, D::Db> + Type<D::Db>,
    for<'c> &'c mut <D::Db as Database>::Connection: Executor<'c, Database = D::Db>,
    for<'q> <D::Db as Database>::Arguments<'q>: IntoArguments<'q, D::Db>,
    for<'q> i64: Encode<'q, D::Db> + Decode<'q, D::Db> + Type<D::Db>,
    for<'q> bool: Encode<'q, D::Db> + Decode<'q, D::Db> + Type<D::Db>,
    for<'q> String: Encode<'q, D::Db> + Decode<'q, D::Db> + Type<D::Db>,
    for<'q> &'q str: Encode<'q, D::Db> + Type<D::Db> + sqlx::ColumnIndex<<D::Db as Database>::Row>,
    for<'q> Option<i64>: Encode<'q, D::Db> + Decode<'q, D::Db> + Type<D::Db>,
    for<'q> Option<String>: Encode<'q, D::Db> + Decode<'q, D::Db> + Type<D::Db>,
    for<'q> Option<&'q str>: Encode<'q, D::Db> + Type<D::Db>,
    for<'q> Option<D::Time>: Encode<'q, D::Db> + Decode<'q, D::Db> + Type<D::Db>,
    usize: sqlx::ColumnIndex<<D::Db as Database>::Row>,
{
    pub async fn create_cart(&self, token: &TokenHash, now: DateTime<Utc>) -> StoreResult<CartId> {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO carts (token_hash, created_at, updated_at) VALUES ($1, $2, $3) RETURNING id",
        )
        .bind(token.0.clone())
        .bind(D::time(now))
        .bind(D::time(now))
        .fetch_all(self.0.writer())
        .await
        .and_then(crate::one)
        .map_err(map_err)?;
        Ok(CartId(id))
    }

    pub async fn cart_by_token(&self, token: &TokenHash) -> StoreResult<Option<Cart>> {
        let row = sqlx::query(
            "SELECT c.id, c.checkout, c.coupon_code, c.points_to_use, c.quote_id, o.id AS order_id FROM carts c LEFT JOIN orders o ON o.cart_id = c.id WHERE c.token_hash = $1",
        )
        .bind(token.0.clone())
        .fetch_optional(self.0.reader())
        .await
        .map_err(map_err)?;
        row.as_ref().map(crate::cart).transpose()
    }

    pub async fn cart_lines(&self, cart: CartId) -> StoreResult<Vec<(SkuId, Quantity)>> {
        let rows = sqlx::query(
            "SELECT sku_id, quantity FROM cart_lines WHERE cart_id = $1 ORDER BY added_at, sku_id",
        )
        .bind(cart.0)
        .fetch_all(self.0.reader())
        .await
        .map_err(map_err)?;
        rows.iter().map(crate::cart_line).collect()
    }

    pub async fn cart_contents(
        &self,
        cart: CartId,
    ) -> StoreResult<Vec<(SkuId, Quantity, Option<SkuForSale>)>> {
        let rows = sqlx::query(
            "SELECT l.sku_id, l.quantity, p.id AS for_sale, s.id, s.product_id, p.name, s.option_label, \
             s.code, s.price, p.tax_category, s.stock FROM cart_lines l \
             LEFT JOIN skus s ON s.id = l.sku_id \
             LEFT JOIN products p ON p.id = s.product_id AND p.published = TRUE \
             WHERE l.cart_id = $1 ORDER BY l.added_at, l.sku_id",
        )
        .bind(cart.0)
        .fetch_all(self.0.reader())
        .await
        .map_err(map_err)?;
        rows.iter()
            .map(|r| {
                let (sku, quantity) = crate::cart_line(r)?;
                let for_sale = match r.opt_int("for_sale")? {
                    Some(_) => Some(crate::sku_for_sale(r)?),
                    None => None,
                };
                Ok((sku, quantity, for_sale))
            })
            .collect()
    }

    pub async fn set_cart_line(
        &self,
        cart: CartId,
        sku: SkuId,
        quantity: Option<Quantity>,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        match quantity {
            Some(q) => sqlx::query(
                "INSERT INTO cart_lines (cart_id, sku_id, quantity, added_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (cart_id, sku_id) DO UPDATE SET quantity = excluded.quantity",
            )
            .bind(cart.0)
            .bind(sku.0)
            .bind(i64::from(q.get()))
            .bind(D::time(now))
            .execute(&mut *tx),
            None => sqlx::query("DELETE FROM cart_lines WHERE cart_id = $1 AND sku_id = $2")
                .bind(cart.0)
                .bind(sku.0)
                .execute(&mut *tx),
        }
        .await
        .map_err(map_err)?;
        Self::touch_and_commit(tx, cart, now).await
    }

    /// Sets many lines' quantities in one transaction (quick order): a few multi-row statements,
    /// not one write per line.
    pub async fn set_cart_lines(
        &self,
        cart: CartId,
        lines: &[(SkuId, Quantity)],
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        Self::put_cart_lines(&mut tx, cart, lines, now).await?;
        Self::touch_and_commit(tx, cart, now).await
    }

    /// Writes `lines` into the cart (a line already there takes the new quantity) inside
    /// `conn`'s transaction, in multi-row statements of 200.
    pub(crate) async fn put_cart_lines(
        conn: &mut <D::Db as Database>::Connection,
        cart: CartId,
        lines: &[(SkuId, Quantity)],
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        for chunk in lines.chunks(200) {
            let mut q = crate::Filter::new(
                "INSERT INTO cart_lines (cart_id, sku_id, quantity, added_at) VALUES ",
            );
            for (n, (sku, quantity)) in chunk.iter().enumerate() {
                use crate::Arg;
                q.bind(if n == 0 { "(" } else { "), (" }, Arg::Int(cart.0));
                q.bind(", ", Arg::Int(sku.0));
                q.bind(", ", Arg::Int(i64::from(quantity.get())));
                q.bind(", ", Arg::Time(now));
            }
            q.push(") ON CONFLICT (cart_id, sku_id) DO UPDATE SET quantity = excluded.quantity");
            Self::bound(&q).execute(&mut *conn).await.map_err(map_err)?;
        }
        Ok(())
    }

    /// Marks the cart changed and commits its transaction.
    async fn touch_and_commit(
        mut tx: sqlx::Transaction<'static, D::Db>,
        cart: CartId,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        sqlx::query("UPDATE carts SET updated_at = $1 WHERE id = $2")
            .bind(D::time(now))
            .bind(cart.0)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        tx.commit().await.map_err(map_err)
    }

    pub async fn save_checkout(
        &self,
        cart: CartId,
        details: &CheckoutDetails,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let doc = serde_json::to_string(details).map_err(corrupt)?;
        sqlx::query("UPDATE carts SET checkout = $1, updated_at = $2 WHERE id = $3")
            .bind(doc)
            .bind(D::time(now))
            .bind(cart.0)
            .execute(self.0.writer())
            .await
            .map_err(map_err)?;
        Ok(())
    }
}

/// Implements `CartStore` for a backend type with the statements above.
#[macro_export]
macro_rules! cart_store {
    ($store:ty) => {
        #[async_trait::async_trait]
        impl akinai_store::CartStore for $store {
            async fn create_cart(
                &self,
                token: &akinai_store::TokenHash,
                now: chrono::DateTime<chrono::Utc>,
            ) -> akinai_store::StoreResult<akinai_domain::ids::CartId> {
                $crate::Sql(self).create_cart(token, now).await
            }

            async fn cart_by_token(
                &self,
                token: &akinai_store::TokenHash,
            ) -> akinai_store::StoreResult<Option<akinai_store::Cart>> {
                $crate::Sql(self).cart_by_token(token).await
            }

            async fn cart_lines(
                &self,
                cart: akinai_domain::ids::CartId,
            ) -> akinai_store::StoreResult<
                Vec<(akinai_domain::ids::SkuId, akinai_domain::catalog::Quantity)>,
            > {
                $crate::Sql(self).cart_lines(cart).await
            }

            async fn cart_contents(
                &self,
                cart: akinai_domain::ids::CartId,
            ) -> akinai_store::StoreResult<
                Vec<(
                    akinai_domain::ids::SkuId,
                    akinai_domain::catalog::Quantity,
                    Option<akinai_domain::catalog::SkuForSale>,
                )>,
            > {
                $crate::Sql(self).cart_contents(cart).await
            }

            async fn set_cart_line(
                &self,
                cart: akinai_domain::ids::CartId,
                sku: akinai_domain::ids::SkuId,
                quantity: Option<akinai_domain::catalog::Quantity>,
                now: chrono::DateTime<chrono::Utc>,
            ) -> akinai_store::StoreResult<()> {
                $crate::Sql(self)
                    .set_cart_line(cart, sku, quantity, now)
                    .await
            }

            async fn set_cart_lines(
                &self,
                cart: akinai_domain::ids::CartId,
                lines: &[(akinai_domain::ids::SkuId, akinai_domain::catalog::Quantity)],
                now: chrono::DateTime<chrono::Utc>,
            ) -> akinai_store::StoreResult<()> {
                $crate::Sql(self).set_cart_lines(cart, lines, now).await
            }

            async fn save_checkout(
                &self,
                cart: akinai_domain::ids::CartId,
                details: &akinai_domain::checkout::CheckoutDetails,
                now: chrono::DateTime<chrono::Utc>,
            ) -> akinai_store::StoreResult<()> {
                $crate::Sql(self).save_checkout(cart, details, now).await
            }
        }
    };
}
