//! Catalog, search and settings queries for PostgreSQL. Search filters with `LIKE` on the
//! normalised text, which the pg_trgm GIN indexes accelerate for terms of three or more characters.

use async_trait::async_trait;
use chrono::Utc;
use sqlx::{Postgres, QueryBuilder};

use akinai_domain::catalog::{
    Category, NewProduct, PageCursor, Product, ProductSummary, SkuForSale,
};
use akinai_domain::ids::{CategoryId, ProductId, SkuId};
use akinai_domain::search::{normalize, searchable_html, SearchQuery};
use akinai_domain::settings::ShopSettings;
use akinai_store::{CatalogStore, NewCategory, Page, SettingsStore, StoreResult};

use crate::{corrupt, map_err, PgStore};

/// Columns of a product summary; the query must join `skus s` and group by `p.id`.
const SUMMARY_SELECT: &str = "SELECT p.id, p.name, p.tax_category, p.image_hue, \
     (SELECT i.name FROM product_images i WHERE i.product_id = p.id ORDER BY i.position LIMIT 1) AS image, \
     MIN(s.price) AS price_min, MAX(s.price) AS price_max, MAX(s.stock) AS stock_max \
     FROM products p JOIN skus s ON s.product_id = p.id WHERE p.published";

/// `%term%` for LIKE, with the wildcards of the term escaped.
fn like_pattern(term: &str) -> String {
    let mut p = String::with_capacity(term.len() + 2);
    p.push('%');
    for c in term.chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

#[async_trait]
impl CatalogStore for PgStore {
    async fn categories(&self) -> StoreResult<Vec<Category>> {
        let rows = sqlx::query(
            "SELECT id, parent_id, slug, name, position FROM categories ORDER BY position, id",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?;
        rows.iter().map(akinai_sql::category).collect()
    }

    async fn products_in_categories(
        &self,
        categories: &[CategoryId],
        after: Option<PageCursor>,
        limit: u32,
    ) -> StoreResult<Page<ProductSummary>> {
        if categories.is_empty() {
            return Ok(Page {
                items: Vec::new(),
                next: None,
            });
        }
        let mut q: QueryBuilder<Postgres> = QueryBuilder::new(SUMMARY_SELECT);
        q.push(" AND p.category_id IN (");
        let mut sep = q.separated(", ");
        for c in categories {
            sep.push_bind(c.0);
        }
        q.push(") AND p.id > ");
        q.push_bind(after.map_or(0, |c| c.after_id.0));
        q.push(" GROUP BY p.id ORDER BY p.id LIMIT ");
        q.push_bind(i64::from(limit) + 1);
        let rows = q.build().fetch_all(&self.pool).await.map_err(map_err)?;
        let mut items = rows
            .iter()
            .map(akinai_sql::summary)
            .collect::<StoreResult<Vec<_>>>()?;
        let next = if items.len() > limit as usize {
            items.truncate(limit as usize);
            items.last().map(|p| PageCursor { after_id: p.id })
        } else {
            None
        };
        Ok(Page { items, next })
    }

    async fn product(&self, id: ProductId) -> StoreResult<Option<Product>> {
        let Some(row) = sqlx::query(
            "SELECT p.id, p.category_id, p.name, p.description_html, p.tax_category, p.image_hue, \
             (SELECT i.name FROM product_images i WHERE i.product_id = p.id ORDER BY i.position LIMIT 1) AS image FROM products p WHERE p.id = $1 AND p.published",
        )
        .bind(id.0)
        .fetch_optional(&self.pool)
        .await
        .map_err(map_err)?
        else {
            return Ok(None);
        };
        let skus = self.skus_of(id).await?;
        Ok(Some(akinai_sql::product(&row, id, skus)?))
    }

    async fn search(
        &self,
        query: &SearchQuery,
        offset: u32,
        limit: u32,
    ) -> StoreResult<Vec<ProductSummary>> {
        let terms = query.terms();
        let patterns: Vec<String> = terms.iter().map(|t| like_pattern(t)).collect();
        // Rank and page over products first, then price only the page's products.
        let mut q: QueryBuilder<Postgres> = QueryBuilder::new(
            "SELECT p.id, p.name, p.tax_category, p.image_hue, (SELECT i.name FROM product_images i WHERE i.product_id = p.id ORDER BY i.position LIMIT 1) AS image, MIN(s.price) AS price_min, \
             MAX(s.price) AS price_max, MAX(s.stock) AS stock_max FROM (\
             SELECT id, name, tax_category, image_hue, length(search_name) AS name_len, (0",
        );
        for p in &patterns {
            q.push(" + (search_name LIKE ");
            q.push_bind(p.clone());
            q.push(" ESCAPE '\\')::int");
        }
        q.push(") AS score FROM products WHERE published");
        for p in &patterns {
            q.push(" AND (search_name LIKE ");
            q.push_bind(p.clone());
            q.push(" ESCAPE '\\' OR search_body LIKE ");
            q.push_bind(p.clone());
            q.push(" ESCAPE '\\')");
        }
        q.push(" ORDER BY score DESC, name_len, id LIMIT ");
        q.push_bind(i64::from(limit));
        q.push(" OFFSET ");
        q.push_bind(i64::from(offset));
        q.push(
            ") p JOIN skus s ON s.product_id = p.id \
             GROUP BY p.id, p.name, p.tax_category, p.image_hue, p.score, p.name_len \
             ORDER BY p.score DESC, p.name_len, p.id",
        );
        let rows = q.build().fetch_all(&self.pool).await.map_err(map_err)?;
        rows.iter().map(akinai_sql::summary).collect()
    }

    async fn skus_for_sale(&self, ids: &[SkuId]) -> StoreResult<Vec<SkuForSale>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut q: QueryBuilder<Postgres> = QueryBuilder::new(
            "SELECT s.id, s.product_id, p.name, s.option_label, s.code, s.price, p.tax_category, s.stock \
             FROM skus s JOIN products p ON p.id = s.product_id WHERE p.published AND s.id IN (",
        );
        let mut sep = q.separated(", ");
        for id in ids {
            sep.push_bind(id.0);
        }
        q.push(") ORDER BY s.id");
        let rows = q.build().fetch_all(&self.pool).await.map_err(map_err)?;
        rows.iter().map(akinai_sql::sku_for_sale).collect()
    }

    async fn create_category(&self, c: &NewCategory) -> StoreResult<CategoryId> {
        let id: i64 = sqlx::query_scalar("INSERT INTO categories (parent_id, slug, name, position) VALUES ($1, $2, $3, $4) RETURNING id")
            .bind(c.parent_id.map(|p| p.0))
            .bind(&c.slug)
            .bind(&c.name)
            .bind(c.position)
            .fetch_one(&self.pool)
            .await
            .map_err(map_err)?;
        Ok(CategoryId(id))
    }

    async fn create_product(&self, p: &NewProduct) -> StoreResult<ProductId> {
        let mut tx = self.pool.begin().await.map_err(map_err)?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO products (category_id, name, description_html, tax_category, image_hue, search_name, search_body, published) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(p.category_id.0)
        .bind(&p.name)
        .bind(p.description.as_str())
        .bind(p.tax_category.as_str())
        .bind(i64::from(p.image_hue))
        .bind(normalize(&p.name))
        .bind(searchable_html(p.description.as_str()))
        .bind(p.published)
        .fetch_one(&mut *tx)
        .await
        .map_err(map_err)?;
        for (pos, s) in p.skus.iter().enumerate() {
            sqlx::query("INSERT INTO skus (product_id, position, code, option_label, price, stock) VALUES ($1, $2, $3, $4, $5, $6)")
                .bind(id)
                .bind(i64::try_from(pos).map_err(corrupt)?)
                .bind(&s.code)
                .bind(&s.option_label)
                .bind(s.price.0)
                .bind(s.stock)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
        }
        tx.commit().await.map_err(map_err)?;
        Ok(ProductId(id))
    }

    async fn product_count(&self) -> StoreResult<i64> {
        sqlx::query_scalar("SELECT COUNT(*) FROM products")
            .fetch_one(&self.pool)
            .await
            .map_err(map_err)
    }
}

#[async_trait]
impl SettingsStore for PgStore {
    async fn settings(&self) -> StoreResult<Option<ShopSettings>> {
        let doc: Option<String> = sqlx::query_scalar("SELECT document FROM settings WHERE id = 1")
            .fetch_optional(&self.pool)
            .await
            .map_err(map_err)?;
        doc.map(|d| serde_json::from_str(&d).map_err(corrupt))
            .transpose()
    }

    async fn save_settings(&self, settings: &ShopSettings) -> StoreResult<()> {
        let doc = serde_json::to_string(settings).map_err(corrupt)?;
        sqlx::query(
            "INSERT INTO settings (id, document, updated_at) VALUES (1, $1, $2) \
             ON CONFLICT (id) DO UPDATE SET document = excluded.document, updated_at = excluded.updated_at",
        )
        .bind(doc)
        .bind(Utc::now())
        .execute(&self.pool)
        .await
        .map_err(map_err)?;
        Ok(())
    }
}

impl PgStore {
    /// A product's SKUs in their order.
    pub(crate) async fn skus_of(
        &self,
        id: ProductId,
    ) -> StoreResult<Vec<akinai_domain::catalog::Sku>> {
        sqlx::query(
            "SELECT id, code, option_label, price, stock FROM skus WHERE product_id = $1 ORDER BY position, id",
        )
        .bind(id.0)
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?
        .iter()
        .map(|s| akinai_sql::sku(s, id))
        .collect()
    }
}
