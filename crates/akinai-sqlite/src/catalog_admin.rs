//! The admin's catalog work for SQLite: products published or not, edits, stock deltas, prices
//! and product images (stored as BLOBs; ADR 014).

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

use crate::{map_err, ms, SqliteStore};

#[async_trait]
impl CatalogAdminStore for SqliteStore {
    async fn admin_products(
        &self,
        after: Option<ProductId>,
        limit: u32,
    ) -> StoreResult<Vec<AdminProductRow>> {
        let rows = sqlx::query(
            "SELECT p.id, p.name, p.published, COUNT(s.id) AS skus, COALESCE(SUM(s.stock), 0) AS stock, \
             COALESCE(MIN(s.price), 0) AS price_min FROM products p LEFT JOIN skus s ON s.product_id = p.id \
             WHERE p.id > ? GROUP BY p.id ORDER BY p.id LIMIT ?",
        )
        .bind(after.map_or(0, |p| p.0))
        .bind(i64::from(limit))
        .fetch_all(&self.reader)
        .await
        .map_err(map_err)?;
        rows.iter().map(akinai_sql::admin_product_row).collect()
    }

    async fn admin_product(&self, id: ProductId) -> StoreResult<Option<AdminProduct>> {
        let Some(row) = sqlx::query(
            "SELECT p.id, p.category_id, p.name, p.description_html, p.tax_category, p.image_hue, p.published, p.publish_at, \
             (SELECT i.name FROM product_images i WHERE i.product_id = p.id ORDER BY i.position LIMIT 1) AS image \
             FROM products p WHERE p.id = ?",
        )
        .bind(id.0)
        .fetch_optional(&self.reader)
        .await
        .map_err(map_err)?
        else {
            return Ok(None);
        };
        let skus = self.skus_of(id).await?;
        Ok(Some(AdminProduct {
            publish_at: row.opt_int("publish_at")?.map(crate::from_ms).transpose()?,
            published: row.int("published")? != 0,
            product: akinai_sql::product(&row, id, skus)?,
        }))
    }

    async fn update_product(&self, id: ProductId, e: &ProductEdit) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE products SET category_id = ?, name = ?, description_html = ?, tax_category = ?, \
             published = ?, search_name = ?, search_body = ? WHERE id = ?",
        )
        .bind(e.category_id.0)
        .bind(&e.name)
        .bind(e.description.as_str())
        .bind(e.tax_category.as_str())
        .bind(i64::from(e.published))
        .bind(normalize(&e.name))
        .bind(searchable_html(e.description.as_str()))
        .bind(id.0)
        .execute(&self.writer)
        .await
        .map_err(map_err)?;
        Ok(done.rows_affected() == 1)
    }

    async fn adjust_stock(&self, sku: SkuId, delta: i64) -> StoreResult<Option<i64>> {
        sqlx::query_scalar(
            "UPDATE skus SET stock = stock + ?1 WHERE id = ?2 AND stock + ?1 >= 0 RETURNING stock",
        )
        .bind(delta)
        .bind(sku.0)
        .fetch_optional(&self.writer)
        .await
        .map_err(map_err)
    }

    async fn set_sku_price(&self, product: ProductId, sku: SkuId, price: Yen) -> StoreResult<bool> {
        let done = sqlx::query("UPDATE skus SET price = ? WHERE id = ? AND product_id = ?")
            .bind(price.0)
            .bind(sku.0)
            .bind(product.0)
            .execute(&self.writer)
            .await
            .map_err(map_err)?;
        Ok(done.rows_affected() == 1)
    }

    async fn set_published(&self, ids: &[ProductId], published: bool) -> StoreResult<u64> {
        if ids.is_empty() {
            return Ok(0);
        }
        let mut q: sqlx::QueryBuilder<sqlx::Sqlite> =
            sqlx::QueryBuilder::new("UPDATE products SET publish_at = NULL, published = ");
        q.push_bind(i64::from(published)).push(" WHERE id IN (");
        let mut list = q.separated(", ");
        for id in ids {
            list.push_bind(id.0);
        }
        q.push(")");
        let done = q.build().execute(&self.writer).await.map_err(map_err)?;
        Ok(done.rows_affected())
    }

    async fn schedule_publish(
        &self,
        id: ProductId,
        at: Option<DateTime<Utc>>,
    ) -> StoreResult<bool> {
        let done = sqlx::query("UPDATE products SET publish_at = ? WHERE id = ?")
            .bind(at.map(ms))
            .bind(id.0)
            .execute(&self.writer)
            .await
            .map_err(map_err)?;
        Ok(done.rows_affected() == 1)
    }

    async fn publish_due(&self, now: DateTime<Utc>) -> StoreResult<u64> {
        let done = sqlx::query(
            "UPDATE products SET published = 1, publish_at = NULL WHERE publish_at IS NOT NULL AND publish_at <= ?",
        )
        .bind(ms(now))
        .execute(&self.writer)
        .await
        .map_err(map_err)?;
        Ok(done.rows_affected())
    }

    async fn add_sku(&self, product: ProductId, sku: &NewSku) -> StoreResult<Option<SkuId>> {
        let id: Option<i64> = sqlx::query_scalar(
            "INSERT INTO skus (product_id, position, code, option_label, price, stock) \
             SELECT p.id, (SELECT COALESCE(MAX(position), -1) + 1 FROM skus WHERE product_id = p.id), ?, ?, ?, ? \
             FROM products p WHERE p.id = ? ON CONFLICT (code) DO NOTHING RETURNING id",
        )
        .bind(&sku.code)
        .bind(&sku.option_label)
        .bind(sku.price.0)
        .bind(sku.stock)
        .bind(product.0)
        .fetch_optional(&self.writer)
        .await
        .map_err(map_err)?;
        Ok(id.map(SkuId))
    }

    async fn sku_code_taken(&self, code: &str) -> StoreResult<bool> {
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM skus WHERE code = ?)")
            .bind(code)
            .fetch_one(&self.reader)
            .await
            .map_err(map_err)
    }

    async fn add_product_image(&self, i: &NewProductImage) -> StoreResult<bool> {
        let done = sqlx::query(
            "INSERT INTO product_images (product_id, name, content_type, width, height, bytes, position, created_at) \
             SELECT p.id, ?, ?, ?, ?, ?, \
               (SELECT COALESCE(MAX(position), 0) + 1 FROM product_images WHERE product_id = p.id), ? \
             FROM products p WHERE p.id = ? \
               AND (SELECT COUNT(*) FROM product_images WHERE product_id = p.id) < ?",
        )
        .bind(&i.name)
        .bind(&i.content_type)
        .bind(i64::from(i.width))
        .bind(i64::from(i.height))
        .bind(&i.bytes)
        .bind(ms(i.at))
        .bind(i.product.0)
        .bind(MAX_IMAGES_PER_PRODUCT)
        .execute(&self.writer)
        .await
        .map_err(map_err)?;
        Ok(done.rows_affected() == 1)
    }

    async fn product_images(&self, product: ProductId) -> StoreResult<Vec<ProductImage>> {
        sqlx::query(
            "SELECT name, content_type, width, height FROM product_images WHERE product_id = ? ORDER BY position",
        )
        .bind(product.0)
        .fetch_all(&self.reader)
        .await
        .map_err(map_err)?
        .iter()
        .map(akinai_sql::product_image)
        .collect()
    }

    async fn image_bytes(&self, name: &str) -> StoreResult<Option<(String, Vec<u8>)>> {
        sqlx::query_as("SELECT content_type, bytes FROM product_images WHERE name = ?")
            .bind(name)
            .fetch_optional(&self.reader)
            .await
            .map_err(map_err)
    }

    async fn delete_product_image(&self, product: ProductId, name: &str) -> StoreResult<bool> {
        let done = sqlx::query("DELETE FROM product_images WHERE product_id = ? AND name = ?")
            .bind(product.0)
            .bind(name)
            .execute(&self.writer)
            .await
            .map_err(map_err)?;
        Ok(done.rows_affected() == 1)
    }

    async fn make_image_first(&self, product: ProductId, name: &str) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE product_images SET position = (SELECT MIN(position) - 1 FROM product_images WHERE product_id = ?) WHERE product_id = ? AND name = ?",
        )
        .bind(product.0)
        .bind(product.0)
        .bind(name)
        .execute(&self.writer)
        .await
        .map_err(map_err)?;
        Ok(done.rows_affected() == 1)
    }

    async fn update_category(&self, id: CategoryId, c: &NewCategory) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE categories SET parent_id = ?, slug = ?, name = ?, position = ? WHERE id = ?",
        )
        .bind(c.parent_id.map(|p| p.0))
        .bind(&c.slug)
        .bind(&c.name)
        .bind(c.position)
        .bind(id.0)
        .execute(&self.writer)
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
            "UPDATE skus SET code = ?, option_label = ? WHERE id = ? AND product_id = ? AND NOT EXISTS (SELECT 1 FROM skus o WHERE o.code = ? AND o.id <> ?)",
        )
        .bind(code)
        .bind(option_label)
        .bind(sku.0)
        .bind(product.0)
        .bind(code)
        .bind(sku.0)
        .execute(&self.writer)
        .await
        .map_err(map_err)?;
        if done.rows_affected() == 1 {
            return Ok(Some(true));
        }
        let taken: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM skus WHERE code = ? AND id <> ?)")
                .bind(code)
                .bind(sku.0)
                .fetch_one(&self.writer)
                .await
                .map_err(map_err)?;
        Ok((!taken).then_some(false))
    }
}
