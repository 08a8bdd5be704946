//! Stock by SKU code (the API's inventory endpoints), and the product writes that raise
//! `product.updated` in their own transaction (new products, publication, prices, variants;
//! the outbox of ADR 038), written once for both backends (ADR 020).

use chrono::{DateTime, Utc};
use sqlx::{ColumnIndex, Database, Decode, Encode, Executor, IntoArguments, Type};

use akinai_domain::catalog::{NewProduct, NewSku};
use akinai_domain::ids::{ProductId, SkuId};
use akinai_domain::webhook::{EventType, LOW_STOCK};
use akinai_domain::Yen;
use akinai_store::catalog_admin::{AdminProduct, SkuLabel};
use akinai_store::inventory::SkuStock;
use akinai_store::StoreResult;

use crate::{map_err, Arg, Columns, Dialect, Filter, Sql};

impl<D> Sql<'_, D>
where
    D: Dialect,
    for<'q> D::Time: Encode<'q, D::Db> + Decode<'q, D::Db> + Type<D::Db>,
    for<'c> &'c mut <D::Db as Database>::Connection: Executor<'c, Database = D::Db>,
    for<'q> <D::Db as Database>::Arguments<'q>: IntoArguments<'q, D::Db>,
    for<'q> i64: Encode<'q, D::Db> + Decode<'q, D::Db> + Type<D::Db>,
    for<'q> bool: Encode<'q, D::Db> + Decode<'q, D::Db> + Type<D::Db>,
    for<'q> String: Encode<'q, D::Db> + Decode<'q, D::Db> + Type<D::Db>,
    for<'q> &'q str: Encode<'q, D::Db> + Type<D::Db> + ColumnIndex<<D::Db as Database>::Row>,
    for<'q> Option<i64>: Encode<'q, D::Db> + Decode<'q, D::Db> + Type<D::Db>,
    for<'q> Option<String>: Encode<'q, D::Db> + Decode<'q, D::Db> + Type<D::Db>,
    for<'q> Option<&'q str>: Encode<'q, D::Db> + Type<D::Db>,
    for<'q> Option<D::Time>: Encode<'q, D::Db> + Decode<'q, D::Db> + Type<D::Db>,
    usize: ColumnIndex<<D::Db as Database>::Row>,
    for<'q> Vec<u8>: Encode<'q, D::Db> + Decode<'q, D::Db> + Type<D::Db>,
{
    /// `product.updated` for each product, inside the change's transaction.
    pub(crate) async fn product_updated(
        conn: &mut <D::Db as Database>::Connection,
        ids: &[ProductId],
        at: DateTime<Utc>,
    ) -> StoreResult<()> {
        for id in ids {
            let data = serde_json::json!({ "id": id.0 });
            Self::emit(&mut *conn, EventType::ProductUpdated, data, at).await?;
        }
        Ok(())
    }

    /// Commits `tx` after a write that `done` tells about, with `product.updated` when it
    /// changed a row; whether it did.
    pub(crate) async fn finish_product_write(
        &self,
        mut tx: sqlx::Transaction<'static, D::Db>,
        done: &<D::Db as Database>::QueryResult,
        product: ProductId,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let changed = D::rows_affected(done) == 1;
        if changed {
            Self::product_updated(&mut tx, &[product], now).await?;
        }
        tx.commit().await.map_err(map_err)?;
        Ok(changed)
    }

    pub async fn add_product(&self, p: &NewProduct, now: DateTime<Utc>) -> StoreResult<ProductId> {
        let mut tx = self.begin_write().await?;
        let id = Self::insert_product(&mut tx, p).await?;
        Self::product_updated(&mut tx, &[id], now).await?;
        tx.commit().await.map_err(map_err)?;
        Ok(id)
    }

    pub async fn set_sku_price(
        &self,
        product: ProductId,
        sku: SkuId,
        price: Yen,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query("UPDATE skus SET price = $1 WHERE id = $2 AND product_id = $3")
            .bind(price.0)
            .bind(sku.0)
            .bind(product.0)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        self.finish_product_write(tx, &done, product, now).await
    }

    pub async fn add_sku(
        &self,
        product: ProductId,
        sku: &NewSku,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<SkuId>> {
        let mut tx = self.begin_write().await?;
        let id: Option<i64> = sqlx::query_scalar(
            "INSERT INTO skus (product_id, position, code, option_label, price, stock) \
             SELECT p.id, (SELECT COALESCE(MAX(position), -1) + 1 FROM skus WHERE product_id = p.id), $1, $2, $3, $4 \
             FROM products p WHERE p.id = $5 ON CONFLICT (code) DO NOTHING RETURNING id",
        )
        .bind(&sku.code)
        .bind(&sku.option_label)
        .bind(sku.price.0)
        .bind(sku.stock)
        .bind(product.0)
        .fetch_all(&mut *tx)
        .await
        .map(crate::first)
        .map_err(map_err)?;
        if id.is_some() {
            Self::product_updated(&mut tx, &[product], now).await?;
        }
        tx.commit().await.map_err(map_err)?;
        Ok(id.map(SkuId))
    }

    pub async fn relabel_sku(
        &self,
        product: ProductId,
        sku: SkuId,
        l: &SkuLabel<'_>,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<bool>> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(
            "UPDATE skus SET code = $1, option_label = $2, location = $3 WHERE id = $4 AND product_id = $5 \
             AND NOT EXISTS (SELECT 1 FROM skus o WHERE o.code = $6 AND o.id <> $7)",
        )
        .bind(l.code)
        .bind(l.option_label)
        .bind(l.location)
        .bind(sku.0)
        .bind(product.0)
        .bind(l.code)
        .bind(sku.0)
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        if self.finish_product_write(tx, &done, product, now).await? {
            return Ok(Some(true));
        }
        let taken: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM skus WHERE code = $1 AND id <> $2)")
                .bind(l.code)
                .bind(sku.0)
                .fetch_one(self.0.writer())
                .await
                .map_err(map_err)?;
        Ok((!taken).then_some(false))
    }

    pub async fn set_published(
        &self,
        ids: &[ProductId],
        published: bool,
        now: DateTime<Utc>,
    ) -> StoreResult<u64> {
        if ids.is_empty() {
            return Ok(0);
        }
        let mut q = Filter::new("UPDATE products SET publish_at = NULL");
        q.bind(", published = ", Arg::Bool(published));
        for (n, id) in ids.iter().enumerate() {
            q.bind(if n == 0 { " WHERE id IN (" } else { ", " }, Arg::Int(id.0));
        }
        q.push(")");
        let mut tx = self.begin_write().await?;
        let done = Self::bound(&q).execute(&mut *tx).await.map_err(map_err)?;
        if D::rows_affected(&done) > 0 {
            // Events only for products that exist.
            let mut existing = Filter::new("SELECT id FROM products WHERE id IN (");
            for (n, id) in ids.iter().enumerate() {
                existing.bind(if n == 0 { "" } else { ", " }, Arg::Int(id.0));
            }
            existing.push(")");
            let rows = Self::bound(&existing)
                .fetch_all(&mut *tx)
                .await
                .map_err(map_err)?;
            let found = rows
                .iter()
                .map(|r| r.int("id").map(ProductId))
                .collect::<StoreResult<Vec<_>>>()?;
            Self::product_updated(&mut tx, &found, now).await?;
        }
        tx.commit().await.map_err(map_err)?;
        Ok(D::rows_affected(&done))
    }

    pub async fn product_page(
        &self,
        after: Option<ProductId>,
        limit: u32,
    ) -> StoreResult<Vec<AdminProduct>> {
        let rows = sqlx::query(
            "SELECT p.id, p.category_id, p.name, p.description_html, p.tax_category, p.image_hue, \
             CAST(CASE WHEN p.published THEN 1 ELSE 0 END AS BIGINT) AS published, p.publish_at, \
             (SELECT i.name FROM product_images i WHERE i.product_id = p.id ORDER BY i.position LIMIT 1) AS image \
             FROM products p WHERE p.id > $1 ORDER BY p.id LIMIT $2",
        )
        .bind(after.map_or(0, |p| p.0))
        .bind(i64::from(limit))
        .fetch_all(self.0.reader())
        .await
        .map_err(map_err)?;
        let (Some(first), Some(last)) = (rows.first(), rows.last()) else {
            return Ok(Vec::new());
        };
        // The page's SKUs in one read: ids are consecutive in the page's order.
        let skus = sqlx::query(
            "SELECT id, product_id, code, option_label, price, stock FROM skus \
             WHERE product_id BETWEEN $1 AND $2 ORDER BY product_id, position, id",
        )
        .bind(first.int("id")?)
        .bind(last.int("id")?)
        .fetch_all(self.0.reader())
        .await
        .map_err(map_err)?;
        let mut by_product: std::collections::HashMap<i64, Vec<akinai_domain::catalog::Sku>> =
            std::collections::HashMap::new();
        for s in &skus {
            let product = s.int("product_id")?;
            by_product
                .entry(product)
                .or_default()
                .push(crate::sku(s, ProductId(product))?);
        }
        rows.iter()
            .map(|row| {
                let id = ProductId(row.int("id")?);
                let skus = by_product.remove(&id.0).unwrap_or_default();
                Ok(AdminProduct {
                    publish_at: D::read_time(row, "publish_at")?,
                    published: row.int("published")? != 0,
                    product: crate::product(row, id, skus)?,
                })
            })
            .collect()
    }

    pub async fn sku_by_code(&self, code: &str) -> StoreResult<Option<SkuStock>> {
        let row = sqlx::query("SELECT id, product_id, code, stock FROM skus WHERE code = $1")
            .bind(code)
            .fetch_optional(self.0.reader())
            .await
            .map_err(map_err)?;
        row.map(|r| {
            Ok(SkuStock {
                sku: SkuId(r.int("id")?),
                product: ProductId(r.int("product_id")?),
                code: r.text("code")?,
                stock: r.int("stock")?,
            })
        })
        .transpose()
    }

    pub async fn set_stock(
        &self,
        sku: SkuId,
        stock: i64,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<i64>> {
        let mut tx = self.begin_write().await?;
        let before = sqlx::query("SELECT stock, code FROM skus WHERE id = $1")
            .bind(sku.0)
            .fetch_optional(&mut *tx)
            .await
            .map_err(map_err)?;
        let Some(before) = before else {
            return Ok(None);
        };
        let (was, code) = (before.int("stock")?, before.text("code")?);
        sqlx::query("UPDATE skus SET stock = $1 WHERE id = $2")
            .bind(stock)
            .bind(sku.0)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        if stock <= LOW_STOCK && was > LOW_STOCK {
            let data = serde_json::json!({ "sku": code, "sku_id": sku.0, "stock": stock });
            Self::emit(&mut tx, EventType::InventoryLow, data, now).await?;
        }
        tx.commit().await.map_err(map_err)?;
        Ok(Some(was))
    }
}

/// Implements `InventoryStore` for a backend type with the statements above.
#[macro_export]
macro_rules! inventory_store {
    ($store:ty) => {
        const _: () = {
            use akinai_domain::ids::SkuId;
            use akinai_store::inventory::SkuStock;
            use akinai_store::StoreResult;
            use chrono::{DateTime, Utc};
            #[async_trait::async_trait]
            impl akinai_store::inventory::InventoryStore for $store {
                async fn product_page(
                    &self,
                    after: Option<akinai_domain::ids::ProductId>,
                    limit: u32,
                ) -> StoreResult<Vec<akinai_store::catalog_admin::AdminProduct>> {
                    $crate::Sql(self).product_page(after, limit).await
                }
                async fn sku_by_code(&self, code: &str) -> StoreResult<Option<SkuStock>> {
                    $crate::Sql(self).sku_by_code(code).await
                }
                async fn set_stock(
                    &self,
                    sku: SkuId,
                    stock: i64,
                    now: DateTime<Utc>,
                ) -> StoreResult<Option<i64>> {
                    $crate::Sql(self).set_stock(sku, stock, now).await
                }
            }
        };
    };
}
