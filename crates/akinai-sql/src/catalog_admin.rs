//! The admin's catalog work, written once for both backends: products published or not, edits,
//! stock deltas (with `inventory.low` and `product.updated` webhook events in the same
//! transaction), prices and product images (BLOB on SQLite, BYTEA on PostgreSQL; ADR 014).
//! `published` is an integer on SQLite and a boolean on PostgreSQL: it is bound as a `bool` (which
//! SQLite stores as 0/1) and read back through `CASE`, so one statement serves both.

use chrono::{DateTime, Utc};
use sqlx::{ColumnIndex, Database, Decode, Encode, Executor, IntoArguments, Type};

use akinai_domain::ids::{CategoryId, ProductId, SkuId};
use akinai_domain::search::{normalize, searchable_html};
use akinai_domain::webhook::{EventType, LOW_STOCK};
use akinai_store::catalog_admin::{
    AdminProduct, AdminProductRow, NewProductImage, ProductEdit, ProductImage,
    MAX_IMAGES_PER_PRODUCT,
};
use akinai_store::{NewCategory, StoreResult};

use crate::{map_err, Columns, Dialect, Sql};

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
    pub async fn admin_products(
        &self,
        after: Option<ProductId>,
        limit: u32,
    ) -> StoreResult<Vec<AdminProductRow>> {
        let rows = sqlx::query(
            "SELECT p.id, p.name, CAST(CASE WHEN p.published THEN 1 ELSE 0 END AS BIGINT) AS published, COUNT(s.id) AS skus, CAST(COALESCE(SUM(s.stock), 0) AS BIGINT) AS stock, \
             COALESCE(MIN(s.price), 0) AS price_min FROM products p LEFT JOIN skus s ON s.product_id = p.id \
             WHERE p.id > $1 GROUP BY p.id ORDER BY p.id LIMIT $2",
        )
        .bind(after.map_or(0, |p| p.0))
        .bind(i64::from(limit))
        .fetch_all(self.0.reader())
        .await
        .map_err(map_err)?;
        rows.iter().map(crate::admin_product_row).collect()
    }

    pub async fn admin_product(&self, id: ProductId) -> StoreResult<Option<AdminProduct>> {
        let Some(row) = sqlx::query(
            "SELECT p.id, p.category_id, p.name, p.description_html, p.tax_category, p.image_hue, CAST(CASE WHEN p.published THEN 1 ELSE 0 END AS BIGINT) AS published, p.publish_at, \
             (SELECT i.name FROM product_images i WHERE i.product_id = p.id ORDER BY i.position LIMIT 1) AS image \
             FROM products p WHERE p.id = $1",
        )
        .bind(id.0)
        .fetch_optional(self.0.reader())
        .await
        .map_err(map_err)?
        else {
            return Ok(None);
        };
        let skus = self.skus_of(id).await?;
        Ok(Some(AdminProduct {
            publish_at: D::read_time(&row, "publish_at")?,
            published: row.int("published")? != 0,
            product: crate::product(&row, id, skus)?,
        }))
    }

    pub async fn update_product(
        &self,
        id: ProductId,
        e: &ProductEdit,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(
            "UPDATE products SET category_id = $1, name = $2, description_html = $3, tax_category = $4, \
             published = $5, search_name = $6, search_body = $7 WHERE id = $8",
        )
        .bind(e.category_id.0)
        .bind(&e.name)
        .bind(e.description.as_str())
        .bind(e.tax_category.as_str())
        .bind(e.published)
        .bind(normalize(&e.name))
        .bind(searchable_html(e.description.as_str()))
        .bind(id.0)
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        if D::rows_affected(&done) != 1 {
            return Ok(false);
        }
        Self::product_updated(&mut tx, &[id], now).await?;
        tx.commit().await.map_err(map_err)?;
        Ok(true)
    }

    pub async fn adjust_stock(
        &self,
        sku: SkuId,
        delta: i64,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<i64>> {
        let mut tx = self.begin_write().await?;
        let row = sqlx::query(
            "UPDATE skus SET stock = stock + $1 WHERE id = $2 AND stock + $1 >= 0 \
             RETURNING stock, code",
        )
        .bind(delta)
        .bind(sku.0)
        .fetch_optional(&mut *tx)
        .await
        .map_err(map_err)?;
        let Some(row) = row else {
            return Ok(None);
        };
        let left = row.int("stock")?;
        if left <= LOW_STOCK && left - delta > LOW_STOCK {
            let data =
                serde_json::json!({ "sku": row.text("code")?, "sku_id": sku.0, "stock": left });
            Self::emit(&mut tx, EventType::InventoryLow, data, now).await?;
        }
        tx.commit().await.map_err(map_err)?;
        Ok(Some(left))
    }

    pub async fn schedule_publish(
        &self,
        id: ProductId,
        at: Option<DateTime<Utc>>,
    ) -> StoreResult<bool> {
        let done = sqlx::query("UPDATE products SET publish_at = $1 WHERE id = $2")
            .bind(at.map(D::time))
            .bind(id.0)
            .execute(self.0.writer())
            .await
            .map_err(map_err)?;
        Ok(D::rows_affected(&done) == 1)
    }

    pub async fn publish_due(&self, now: DateTime<Utc>) -> StoreResult<u64> {
        let done = sqlx::query(
            "UPDATE products SET published = TRUE, publish_at = NULL WHERE publish_at IS NOT NULL AND publish_at <= $1",
        )
        .bind(D::time(now))
        .execute(self.0.writer())
        .await
        .map_err(map_err)?;
        Ok(D::rows_affected(&done))
    }

    pub async fn sku_code_taken(&self, code: &str) -> StoreResult<bool> {
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM skus WHERE code = $1)")
            .bind(code)
            .fetch_one(self.0.reader())
            .await
            .map_err(map_err)
    }

    pub async fn add_product_image(&self, i: &NewProductImage) -> StoreResult<bool> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(
            "INSERT INTO product_images (product_id, name, content_type, width, height, bytes, position, created_at, source_name) \
             SELECT p.id, $1, $2, $3, $4, $5, \
               (SELECT COALESCE(MAX(position), 0) + 1 FROM product_images WHERE product_id = p.id), $6, $9 \
             FROM products p WHERE p.id = $7 \
               AND (SELECT COUNT(*) FROM product_images WHERE product_id = p.id) < $8",
        )
        .bind(i.name.as_str())
        .bind(&i.content_type)
        .bind(i64::from(i.width))
        .bind(i64::from(i.height))
        .bind(&i.bytes)
        .bind(D::time(i.at))
        .bind(i.product.0)
        .bind(MAX_IMAGES_PER_PRODUCT)
        .bind(i.source.as_deref())
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        self.finish_product_write(tx, &done, i.product, i.at).await
    }

    pub async fn product_images(&self, product: ProductId) -> StoreResult<Vec<ProductImage>> {
        sqlx::query(
            "SELECT name, content_type, width, height FROM product_images WHERE product_id = $1 ORDER BY position",
        )
        .bind(product.0)
        .fetch_all(self.0.reader())
        .await
        .map_err(map_err)?
        .iter()
        .map(crate::product_image)
        .collect()
    }

    pub async fn image_bytes(
        &self,
        name: &akinai_domain::ids::ImageName,
    ) -> StoreResult<Option<(String, Vec<u8>)>> {
        sqlx::query_as("SELECT content_type, bytes FROM product_images WHERE name = $1")
            .bind(name.as_str())
            .fetch_optional(self.0.reader())
            .await
            .map_err(map_err)
    }

    pub async fn image_size(
        &self,
        name: &akinai_domain::ids::ImageName,
        width: u32,
    ) -> StoreResult<Option<(String, Vec<u8>)>> {
        sqlx::query_as(
            "SELECT content_type, bytes FROM product_image_sizes WHERE name = $1 AND width = $2",
        )
        .bind(name.as_str())
        .bind(i64::from(width))
        .fetch_optional(self.0.reader())
        .await
        .map_err(map_err)
    }

    pub async fn save_image_size(
        &self,
        name: &akinai_domain::ids::ImageName,
        width: u32,
        content_type: &str,
        bytes: &[u8],
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO product_image_sizes (name, width, content_type, bytes) \
             SELECT name, $2, $3, $4 FROM product_images WHERE name = $1 \
             ON CONFLICT DO NOTHING",
        )
        .bind(name.as_str())
        .bind(i64::from(width))
        .bind(content_type)
        .bind(bytes.to_vec())
        .execute(self.0.writer())
        .await
        .map_err(map_err)?;
        Ok(())
    }

    pub async fn delete_product_image(
        &self,
        product: ProductId,
        name: &akinai_domain::ids::ImageName,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query("DELETE FROM product_images WHERE product_id = $1 AND name = $2")
            .bind(product.0)
            .bind(name.as_str())
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        self.finish_product_write(tx, &done, product, now).await
    }

    pub async fn make_image_first(
        &self,
        product: ProductId,
        name: &akinai_domain::ids::ImageName,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(
            "UPDATE product_images SET position = (SELECT MIN(position) - 1 FROM product_images WHERE product_id = $1) WHERE product_id = $2 AND name = $3",
        )
        .bind(product.0)
        .bind(product.0)
        .bind(name.as_str())
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        self.finish_product_write(tx, &done, product, now).await
    }

    pub async fn update_category(&self, id: CategoryId, c: &NewCategory) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE categories SET parent_id = $1, slug = $2, name = $3, position = $4 WHERE id = $5",
        )
        .bind(c.parent_id.map(|p| p.0))
        .bind(&c.slug)
        .bind(&c.name)
        .bind(c.position)
        .bind(id.0)
        .execute(self.0.writer())
        .await
        .map_err(map_err)?;
        Ok(D::rows_affected(&done) == 1)
    }

    pub async fn sku_locations(&self, codes: &[String]) -> StoreResult<Vec<(String, String)>> {
        let mut found = Vec::new();
        // In chunks, within every backend's limit on bound values.
        for chunk in codes.chunks(500) {
            let mut q = crate::Filter::new(
                "SELECT code, location FROM skus WHERE location <> '' AND code IN (",
            );
            for (i, code) in chunk.iter().enumerate() {
                q.bind(
                    if i == 0 { "" } else { ", " },
                    crate::Arg::Text(code.clone()),
                );
            }
            q.push(")");
            for r in self.fetch_all(&q).await? {
                found.push((r.text("code")?, r.text("location")?));
            }
        }
        Ok(found)
    }
}

/// Implements `akinai_store::catalog_admin::CatalogAdminStore` for a backend type with the statements above.
#[macro_export]
macro_rules! catalog_admin_store {
    ($store:ty) => {
        const _: () = {
            use akinai_domain::catalog::{NewProduct, NewSku};
            use akinai_domain::ids::{CategoryId, ProductId, SkuId};
            use akinai_domain::search::{normalize, searchable_html};
            use akinai_domain::webhook::{EventType, LOW_STOCK};
            use akinai_domain::Yen;
            use akinai_store::catalog_admin::{
                AdminProduct, AdminProductRow, CatalogAdminStore, NewProductImage, ProductEdit,
                ProductImage, SkuLabel, MAX_IMAGES_PER_PRODUCT,
            };
            use akinai_store::{NewCategory, StoreResult};
            use chrono::{DateTime, Utc};
            #[async_trait::async_trait]
            impl akinai_store::catalog_admin::CatalogAdminStore for $store {
                async fn admin_products(
                    &self,
                    after: Option<ProductId>,
                    limit: u32,
                ) -> StoreResult<Vec<AdminProductRow>> {
                    $crate::Sql(self).admin_products(after, limit).await
                }

                async fn admin_product(&self, id: ProductId) -> StoreResult<Option<AdminProduct>> {
                    $crate::Sql(self).admin_product(id).await
                }

                async fn update_product(
                    &self,
                    id: ProductId,
                    e: &ProductEdit,
                    now: DateTime<Utc>,
                ) -> StoreResult<bool> {
                    $crate::Sql(self).update_product(id, e, now).await
                }

                async fn adjust_stock(
                    &self,
                    sku: SkuId,
                    delta: i64,
                    now: DateTime<Utc>,
                ) -> StoreResult<Option<i64>> {
                    $crate::Sql(self).adjust_stock(sku, delta, now).await
                }

                async fn add_product(
                    &self,
                    p: &NewProduct,
                    now: DateTime<Utc>,
                ) -> StoreResult<ProductId> {
                    $crate::Sql(self).add_product(p, now).await
                }

                async fn set_sku_price(
                    &self,
                    product: ProductId,
                    sku: SkuId,
                    price: Yen,
                    now: DateTime<Utc>,
                ) -> StoreResult<bool> {
                    $crate::Sql(self)
                        .set_sku_price(product, sku, price, now)
                        .await
                }

                async fn set_published(
                    &self,
                    ids: &[ProductId],
                    published: bool,
                    now: DateTime<Utc>,
                ) -> StoreResult<u64> {
                    $crate::Sql(self).set_published(ids, published, now).await
                }

                async fn schedule_publish(
                    &self,
                    id: ProductId,
                    at: Option<DateTime<Utc>>,
                ) -> StoreResult<bool> {
                    $crate::Sql(self).schedule_publish(id, at).await
                }

                async fn publish_due(&self, now: DateTime<Utc>) -> StoreResult<u64> {
                    $crate::Sql(self).publish_due(now).await
                }

                async fn add_sku(
                    &self,
                    product: ProductId,
                    sku: &NewSku,
                    now: DateTime<Utc>,
                ) -> StoreResult<Option<SkuId>> {
                    $crate::Sql(self).add_sku(product, sku, now).await
                }

                async fn sku_code_taken(&self, code: &str) -> StoreResult<bool> {
                    $crate::Sql(self).sku_code_taken(code).await
                }

                async fn add_product_image(&self, i: &NewProductImage) -> StoreResult<bool> {
                    $crate::Sql(self).add_product_image(i).await
                }

                async fn product_images(
                    &self,
                    product: ProductId,
                ) -> StoreResult<Vec<ProductImage>> {
                    $crate::Sql(self).product_images(product).await
                }

                async fn image_bytes(
                    &self,
                    name: &akinai_domain::ids::ImageName,
                ) -> StoreResult<Option<(String, Vec<u8>)>> {
                    $crate::Sql(self).image_bytes(name).await
                }

                async fn image_size(
                    &self,
                    name: &akinai_domain::ids::ImageName,
                    width: u32,
                ) -> StoreResult<Option<(String, Vec<u8>)>> {
                    $crate::Sql(self).image_size(name, width).await
                }

                async fn save_image_size(
                    &self,
                    name: &akinai_domain::ids::ImageName,
                    width: u32,
                    content_type: &str,
                    bytes: &[u8],
                ) -> StoreResult<()> {
                    $crate::Sql(self)
                        .save_image_size(name, width, content_type, bytes)
                        .await
                }

                async fn delete_product_image(
                    &self,
                    product: ProductId,
                    name: &akinai_domain::ids::ImageName,
                    now: DateTime<Utc>,
                ) -> StoreResult<bool> {
                    $crate::Sql(self)
                        .delete_product_image(product, name, now)
                        .await
                }

                async fn make_image_first(
                    &self,
                    product: ProductId,
                    name: &akinai_domain::ids::ImageName,
                    now: DateTime<Utc>,
                ) -> StoreResult<bool> {
                    $crate::Sql(self).make_image_first(product, name, now).await
                }

                async fn update_category(
                    &self,
                    id: CategoryId,
                    c: &NewCategory,
                ) -> StoreResult<bool> {
                    $crate::Sql(self).update_category(id, c).await
                }

                async fn relabel_sku(
                    &self,
                    product: ProductId,
                    sku: SkuId,
                    label: &SkuLabel<'_>,
                    now: DateTime<Utc>,
                ) -> StoreResult<Option<bool>> {
                    $crate::Sql(self)
                        .relabel_sku(product, sku, label, now)
                        .await
                }
                async fn sku_locations(
                    &self,
                    codes: &[String],
                ) -> StoreResult<Vec<(String, String)>> {
                    $crate::Sql(self).sku_locations(codes).await
                }
            }
        };
    };
}
