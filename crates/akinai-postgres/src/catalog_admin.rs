//! The admin's catalog work for PostgreSQL: products published or not, edits, stock deltas,
//! prices and product images (stored as BYTEA; ADR 014).

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use akinai_domain::catalog::NewSku;
use akinai_domain::ids::{CategoryId, ProductId, SkuId};
use akinai_domain::search::{normalize, searchable_html};
use akinai_domain::Yen;
use akinai_sql::Columns;
use akinai_store::catalog_admin::{
    AdminProduct, AdminProductRow, CatalogAdminStore, NewProductImage, ProductEdit, ProductImage,
    MAX_IMAGES_PER_PRODUCT,
};
use akinai_store::{NewCategory, StoreResult};

use crate::{map_err, PgStore};

#[async_trait]
impl CatalogAdminStore for PgStore {
    async fn admin_products(
        &self,
        after: Option<ProductId>,
        limit: u32,
    ) -> StoreResult<Vec<AdminProductRow>> {
        let rows = sqlx::query(
            "SELECT p.id, p.name, (CASE WHEN p.published THEN 1 ELSE 0 END)::INT8 AS published, COUNT(s.id) AS skus, COALESCE(SUM(s.stock), 0)::INT8 AS stock, \
             COALESCE(MIN(s.price), 0) AS price_min FROM products p LEFT JOIN skus s ON s.product_id = p.id \
             WHERE p.id > $1 GROUP BY p.id ORDER BY p.id LIMIT $2",
        )
        .bind(after.map_or(0, |p| p.0))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?;
        rows.iter().map(akinai_sql::admin_product_row).collect()
    }

    async fn admin_product(&self, id: ProductId) -> StoreResult<Option<AdminProduct>> {
        let Some(row) = sqlx::query(
            "SELECT p.id, p.category_id, p.name, p.description_html, p.tax_category, p.image_hue, (CASE WHEN p.published THEN 1 ELSE 0 END)::INT8 AS published, p.publish_at, \
             (SELECT i.name FROM product_images i WHERE i.product_id = p.id ORDER BY i.position LIMIT 1) AS image \
             FROM products p WHERE p.id = $1",
        )
        .bind(id.0)
        .fetch_optional(&self.pool)
        .await
        .map_err(map_err)?
        else {
            return Ok(None);
        };
        let skus = self.skus_of(id).await?;
        Ok(Some(AdminProduct {
            publish_at: sqlx::Row::try_get(&row, "publish_at").map_err(map_err)?,
            published: row.int("published")? != 0,
            product: akinai_sql::product(&row, id, skus)?,
        }))
    }

    async fn update_product(&self, id: ProductId, e: &ProductEdit) -> StoreResult<bool> {
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
        .execute(&self.pool)
        .await
        .map_err(map_err)?;
        Ok(done.rows_affected() == 1)
    }

    async fn adjust_stock(&self, sku: SkuId, delta: i64) -> StoreResult<Option<i64>> {
        sqlx::query_scalar(
            "UPDATE skus SET stock = stock + $1 WHERE id = $2 AND stock + $1 >= 0 RETURNING stock",
        )
        .bind(delta)
        .bind(sku.0)
        .fetch_optional(&self.pool)
        .await
        .map_err(map_err)
    }

    async fn set_sku_price(&self, product: ProductId, sku: SkuId, price: Yen) -> StoreResult<bool> {
        let done = sqlx::query("UPDATE skus SET price = $1 WHERE id = $2 AND product_id = $3")
            .bind(price.0)
            .bind(sku.0)
            .bind(product.0)
            .execute(&self.pool)
            .await
            .map_err(map_err)?;
        Ok(done.rows_affected() == 1)
    }

    async fn set_published(&self, ids: &[ProductId], published: bool) -> StoreResult<u64> {
        let ids: Vec<i64> = ids.iter().map(|p| p.0).collect();
        let done =
            sqlx::query("UPDATE products SET publish_at = NULL, published = $1 WHERE id = ANY($2)")
                .bind(published)
                .bind(&ids)
                .execute(&self.pool)
                .await
                .map_err(map_err)?;
        Ok(done.rows_affected())
    }

    async fn schedule_publish(
        &self,
        id: ProductId,
        at: Option<DateTime<Utc>>,
    ) -> StoreResult<bool> {
        let done = sqlx::query("UPDATE products SET publish_at = $1 WHERE id = $2")
            .bind(at)
            .bind(id.0)
            .execute(&self.pool)
            .await
            .map_err(map_err)?;
        Ok(done.rows_affected() == 1)
    }

    async fn publish_due(&self, now: DateTime<Utc>) -> StoreResult<u64> {
        let done = sqlx::query(
            "UPDATE products SET published = TRUE, publish_at = NULL WHERE publish_at IS NOT NULL AND publish_at <= $1",
        )
        .bind(now)
        .execute(&self.pool)
        .await
        .map_err(map_err)?;
        Ok(done.rows_affected())
    }

    async fn add_sku(&self, product: ProductId, sku: &NewSku) -> StoreResult<Option<SkuId>> {
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
        .fetch_optional(&self.pool)
        .await
        .map_err(map_err)?;
        Ok(id.map(SkuId))
    }

    async fn sku_code_taken(&self, code: &str) -> StoreResult<bool> {
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM skus WHERE code = $1)")
            .bind(code)
            .fetch_one(&self.pool)
            .await
            .map_err(map_err)
    }

    async fn add_product_image(&self, i: &NewProductImage) -> StoreResult<bool> {
        let done = sqlx::query(
            "INSERT INTO product_images (product_id, name, content_type, width, height, bytes, position, created_at) \
             SELECT p.id, $1, $2, $3, $4, $5, \
               (SELECT COALESCE(MAX(position), 0) + 1 FROM product_images WHERE product_id = p.id), $6 \
             FROM products p WHERE p.id = $7 \
               AND (SELECT COUNT(*) FROM product_images WHERE product_id = p.id) < $8",
        )
        .bind(&i.name)
        .bind(&i.content_type)
        .bind(i64::from(i.width))
        .bind(i64::from(i.height))
        .bind(&i.bytes)
        .bind(i.at)
        .bind(i.product.0)
        .bind(MAX_IMAGES_PER_PRODUCT)
        .execute(&self.pool)
        .await
        .map_err(map_err)?;
        Ok(done.rows_affected() == 1)
    }

    async fn product_images(&self, product: ProductId) -> StoreResult<Vec<ProductImage>> {
        sqlx::query(
            "SELECT name, content_type, width, height FROM product_images WHERE product_id = $1 ORDER BY position",
        )
        .bind(product.0)
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?
        .iter()
        .map(akinai_sql::product_image)
        .collect()
    }

    async fn image_bytes(&self, name: &str) -> StoreResult<Option<(String, Vec<u8>)>> {
        sqlx::query_as("SELECT content_type, bytes FROM product_images WHERE name = $1")
            .bind(name)
            .fetch_optional(&self.pool)
            .await
            .map_err(map_err)
    }

    async fn delete_product_image(&self, product: ProductId, name: &str) -> StoreResult<bool> {
        let done = sqlx::query("DELETE FROM product_images WHERE product_id = $1 AND name = $2")
            .bind(product.0)
            .bind(name)
            .execute(&self.pool)
            .await
            .map_err(map_err)?;
        Ok(done.rows_affected() == 1)
    }

    async fn make_image_first(&self, product: ProductId, name: &str) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE product_images SET position = (SELECT MIN(position) - 1 FROM product_images WHERE product_id = $1) WHERE product_id = $2 AND name = $3",
        )
        .bind(product.0)
        .bind(product.0)
        .bind(name)
        .execute(&self.pool)
        .await
        .map_err(map_err)?;
        Ok(done.rows_affected() == 1)
    }

    async fn update_category(&self, id: CategoryId, c: &NewCategory) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE categories SET parent_id = $1, slug = $2, name = $3, position = $4 WHERE id = $5",
        )
        .bind(c.parent_id.map(|p| p.0))
        .bind(&c.slug)
        .bind(&c.name)
        .bind(c.position)
        .bind(id.0)
        .execute(&self.pool)
        .await
        .map_err(map_err)?;
        Ok(done.rows_affected() == 1)
    }

    async fn relabel_sku(
        &self,
        product: ProductId,
        sku: SkuId,
        code: &str,
        option_label: &str,
    ) -> StoreResult<Option<bool>> {
        let done = sqlx::query(
            "UPDATE skus SET code = $1, option_label = $2 WHERE id = $3 AND product_id = $4 AND NOT EXISTS (SELECT 1 FROM skus o WHERE o.code = $5 AND o.id <> $6)",
        )
        .bind(code)
        .bind(option_label)
        .bind(sku.0)
        .bind(product.0)
        .bind(code)
        .bind(sku.0)
        .execute(&self.pool)
        .await
        .map_err(map_err)?;
        if done.rows_affected() == 1 {
            return Ok(Some(true));
        }
        let taken: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM skus WHERE code = $1 AND id <> $2)")
                .bind(code)
                .bind(sku.0)
                .fetch_one(&self.pool)
                .await
                .map_err(map_err)?;
        Ok((!taken).then_some(false))
    }
}
