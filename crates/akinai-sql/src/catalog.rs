//! Catalog reads, product and category creation and the shop settings, written once for both
//! backends (search: `search.rs`).

use chrono::Utc;
use sqlx::{ColumnIndex, Database, Decode, Encode, Executor, IntoArguments, Type};

use akinai_domain::catalog::{
    Category, NewProduct, PageCursor, Product, ProductSummary, SkuForSale,
};
use akinai_domain::ids::{CategoryId, ProductId, SkuId};
use akinai_domain::search::{normalize, searchable_html};
use akinai_domain::settings::ShopSettings;
use akinai_store::{NewCategory, Page, StoreResult};

use crate::{corrupt, map_err, Arg, Columns, Dialect, Filter, Sql};

/// Columns of a product summary; the query must join `skus s` and group by `p.id`.
pub(crate) const SUMMARY_SELECT: &str = "SELECT p.id, p.name, p.tax_category, p.image_hue, \
     (SELECT i.name FROM product_images i WHERE i.product_id = p.id ORDER BY i.position LIMIT 1) AS image, \
     MIN(s.price) AS price_min, MAX(s.price) AS price_max, MAX(s.stock) AS stock_max \
     FROM products p JOIN skus s ON s.product_id = p.id WHERE p.published = TRUE";

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
{
    /// The variants of a product in their shop order.
    pub async fn skus_of(&self, id: ProductId) -> StoreResult<Vec<akinai_domain::catalog::Sku>> {
        sqlx::query(
            "SELECT id, code, option_label, price, stock FROM skus WHERE product_id = $1 ORDER BY position, id",
        )
        .bind(id.0)
        .fetch_all(self.0.reader())
        .await
        .map_err(map_err)?
        .iter()
        .map(|s| crate::sku(s, id))
        .collect()
    }

    pub async fn categories(&self) -> StoreResult<Vec<Category>> {
        let rows = sqlx::query(
            "SELECT id, parent_id, slug, name, position FROM categories ORDER BY position, id",
        )
        .fetch_all(self.0.reader())
        .await
        .map_err(map_err)?;
        rows.iter().map(crate::category).collect()
    }

    pub async fn products_in_categories(
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
        let mut q = Filter::new(SUMMARY_SELECT);
        for (n, c) in categories.iter().enumerate() {
            let fragment = if n == 0 {
                " AND p.category_id IN ("
            } else {
                ", "
            };
            q.bind(fragment, Arg::Int(c.0));
        }
        q.bind(") AND p.id > ", Arg::Int(after.map_or(0, |c| c.after_id.0)));
        q.bind(
            " GROUP BY p.id ORDER BY p.id LIMIT ",
            Arg::Int(i64::from(limit) + 1),
        );
        let rows = self.fetch_all(&q).await?;
        let mut items = rows
            .iter()
            .map(crate::summary)
            .collect::<StoreResult<Vec<_>>>()?;
        let next = if items.len() > limit as usize {
            items.truncate(limit as usize);
            items.last().map(|p| PageCursor { after_id: p.id })
        } else {
            None
        };
        Ok(Page { items, next })
    }

    pub async fn product(&self, id: ProductId) -> StoreResult<Option<Product>> {
        let Some(row) = sqlx::query(
            "SELECT p.id, p.category_id, p.name, p.description_html, p.tax_category, p.image_hue, \
             (SELECT i.name FROM product_images i WHERE i.product_id = p.id ORDER BY i.position LIMIT 1) AS image FROM products p WHERE p.id = $1 AND p.published = TRUE",
        )
        .bind(id.0)
        .fetch_optional(self.0.reader())
        .await
        .map_err(map_err)?
        else {
            return Ok(None);
        };
        let skus = self.skus_of(id).await?;
        Ok(Some(crate::product(&row, id, skus)?))
    }

    pub async fn skus_for_sale(&self, ids: &[SkuId]) -> StoreResult<Vec<SkuForSale>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut q = Filter::new(
            "SELECT s.id, s.product_id, p.name, s.option_label, s.code, s.price, p.tax_category, s.stock \
             FROM skus s JOIN products p ON p.id = s.product_id WHERE p.published = TRUE",
        );
        for (n, id) in ids.iter().enumerate() {
            q.bind(if n == 0 { " AND s.id IN (" } else { ", " }, Arg::Int(id.0));
        }
        q.push(") ORDER BY s.id");
        let rows = self.fetch_all(&q).await?;
        rows.iter().map(crate::sku_for_sale).collect()
    }

    /// The category of each of `products` that exists (coupons targeting categories), in chunks
    /// of 500, so a 5,000-line cart is a handful of indexed reads.
    pub async fn product_categories(
        &self,
        products: &[ProductId],
    ) -> StoreResult<Vec<(ProductId, CategoryId)>> {
        let mut out = Vec::with_capacity(products.len());
        for chunk in products.chunks(500) {
            let mut q = Filter::new("SELECT id, category_id FROM products WHERE id IN (");
            for (n, id) in chunk.iter().enumerate() {
                q.bind(if n == 0 { "" } else { ", " }, Arg::Int(id.0));
            }
            q.push(")");
            for r in self.fetch_all(&q).await? {
                out.push((ProductId(r.int("id")?), CategoryId(r.int("category_id")?)));
            }
        }
        Ok(out)
    }

    /// The SKUs for sale among `codes` (quick order): in chunks, so 5,000 codes are a handful of
    /// indexed reads.
    pub async fn skus_for_sale_by_code(&self, codes: &[String]) -> StoreResult<Vec<SkuForSale>> {
        let mut out = Vec::with_capacity(codes.len());
        for chunk in codes.chunks(500) {
            let mut q = Filter::new(
                "SELECT s.id, s.product_id, p.name, s.option_label, s.code, s.price, p.tax_category, s.stock \
                 FROM skus s JOIN products p ON p.id = s.product_id WHERE p.published = TRUE",
            );
            for (n, code) in chunk.iter().enumerate() {
                q.bind(
                    if n == 0 { " AND s.code IN (" } else { ", " },
                    Arg::Text(code.clone()),
                );
            }
            q.push(")");
            for row in self.fetch_all(&q).await? {
                out.push(crate::sku_for_sale(&row)?);
            }
        }
        Ok(out)
    }

    pub async fn create_category(&self, c: &NewCategory) -> StoreResult<CategoryId> {
        let id: i64 = sqlx::query_scalar("INSERT INTO categories (parent_id, slug, name, position) VALUES ($1, $2, $3, $4) RETURNING id")
            .bind(c.parent_id.map(|p| p.0))
            .bind(&c.slug)
            .bind(&c.name)
            .bind(c.position)
            .fetch_all(self.0.writer())
            .await
            .and_then(crate::one)
            .map_err(map_err)?;
        Ok(CategoryId(id))
    }

    pub async fn create_product(&self, p: &NewProduct) -> StoreResult<ProductId> {
        let mut tx = self.begin_write().await?;
        let id = Self::insert_product(&mut tx, p).await?;
        tx.commit().await.map_err(map_err)?;
        Ok(id)
    }

    /// Inserts a product and its SKUs on `conn` (inside the caller's transaction).
    pub(crate) async fn insert_product(
        conn: &mut <D::Db as Database>::Connection,
        p: &NewProduct,
    ) -> StoreResult<ProductId> {
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
        .fetch_one(&mut *conn)
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
                .execute(&mut *conn)
                .await
                .map_err(map_err)?;
        }
        Ok(ProductId(id))
    }

    pub async fn product_count(&self) -> StoreResult<i64> {
        sqlx::query_scalar("SELECT COUNT(*) FROM products")
            .fetch_one(self.0.reader())
            .await
            .map_err(map_err)
    }

    pub async fn settings(&self) -> StoreResult<Option<ShopSettings>> {
        let doc: Option<String> = sqlx::query_scalar("SELECT document FROM settings WHERE id = 1")
            .fetch_optional(self.0.reader())
            .await
            .map_err(map_err)?;
        doc.map(|d| serde_json::from_str(&d).map_err(corrupt))
            .transpose()
    }

    pub async fn save_settings(&self, settings: &ShopSettings) -> StoreResult<()> {
        let doc = serde_json::to_string(settings).map_err(corrupt)?;
        sqlx::query(
            "INSERT INTO settings (id, document, updated_at) VALUES (1, $1, $2) \
             ON CONFLICT (id) DO UPDATE SET document = excluded.document, updated_at = excluded.updated_at",
        )
        .bind(doc)
        .bind(D::time(Utc::now()))
        .execute(self.0.writer())
        .await
        .map_err(map_err)?;
        Ok(())
    }
}

/// Implements `CatalogStore` and `SettingsStore` for a backend type with the statements above.
#[macro_export]
macro_rules! catalog_store {
    ($store:ty) => {
        const _: () = {
            use akinai_domain::catalog::{
                Category, NewProduct, PageCursor, Product, ProductSummary, SkuForSale,
            };
            use akinai_domain::ids::{CategoryId, ProductId, SkuId};
            use akinai_domain::search::SearchQuery;
            use akinai_domain::settings::ShopSettings;
            use akinai_store::{NewCategory, Page, StoreResult};
            #[async_trait::async_trait]
            impl akinai_store::CatalogStore for $store {
                async fn categories(&self) -> StoreResult<Vec<Category>> {
                    $crate::Sql(self).categories().await
                }

                async fn products_in_categories(
                    &self,
                    categories: &[CategoryId],
                    after: Option<PageCursor>,
                    limit: u32,
                ) -> StoreResult<Page<ProductSummary>> {
                    $crate::Sql(self)
                        .products_in_categories(categories, after, limit)
                        .await
                }

                async fn browse(
                    &self,
                    categories: &[CategoryId],
                    browse: &akinai_domain::browse::Browse,
                    limit: u32,
                ) -> StoreResult<akinai_store::Listing> {
                    $crate::Sql(self).browse(categories, browse, limit).await
                }

                async fn count_listed(
                    &self,
                    categories: &[CategoryId],
                    filters: &akinai_domain::browse::Filters,
                    cap: u32,
                ) -> StoreResult<Vec<(CategoryId, u32)>> {
                    $crate::Sql(self)
                        .count_listed(categories, filters, cap)
                        .await
                }

                async fn option_counts(
                    &self,
                    categories: &[CategoryId],
                    filters: &akinai_domain::browse::Filters,
                    most: u32,
                    cap: u32,
                ) -> StoreResult<Vec<(CategoryId, akinai_domain::browse::OptionValue, u32)>>
                {
                    $crate::Sql(self)
                        .option_counts(categories, filters, most, cap)
                        .await
                }

                async fn search_arranged(
                    &self,
                    query: &SearchQuery,
                    sort: akinai_domain::browse::Sort,
                    filters: &akinai_domain::browse::Filters,
                    window: (u32, u32),
                    candidates: u32,
                ) -> StoreResult<akinai_store::SearchPage> {
                    $crate::Sql(self)
                        .search_arranged(query, sort, filters, window, candidates)
                        .await
                }

                async fn product(&self, id: ProductId) -> StoreResult<Option<Product>> {
                    $crate::Sql(self).product(id).await
                }

                async fn search(
                    &self,
                    query: &SearchQuery,
                    offset: u32,
                    limit: u32,
                ) -> StoreResult<akinai_store::SearchPage> {
                    $crate::Sql(self).search(query, offset, limit).await
                }

                async fn suggest(
                    &self,
                    query: &SearchQuery,
                    limit: u32,
                ) -> StoreResult<Vec<String>> {
                    $crate::Sql(self).suggest(query, limit).await
                }

                async fn skus_for_sale(&self, ids: &[SkuId]) -> StoreResult<Vec<SkuForSale>> {
                    $crate::Sql(self).skus_for_sale(ids).await
                }

                async fn skus_for_sale_by_code(
                    &self,
                    codes: &[String],
                ) -> StoreResult<Vec<SkuForSale>> {
                    $crate::Sql(self).skus_for_sale_by_code(codes).await
                }

                async fn create_category(&self, c: &NewCategory) -> StoreResult<CategoryId> {
                    $crate::Sql(self).create_category(c).await
                }

                async fn create_product(&self, p: &NewProduct) -> StoreResult<ProductId> {
                    $crate::Sql(self).create_product(p).await
                }

                async fn product_count(&self) -> StoreResult<i64> {
                    $crate::Sql(self).product_count().await
                }
            }

            #[async_trait::async_trait]
            impl akinai_store::SettingsStore for $store {
                async fn settings(&self) -> StoreResult<Option<ShopSettings>> {
                    $crate::Sql(self).settings().await
                }

                async fn save_settings(&self, settings: &ShopSettings) -> StoreResult<()> {
                    $crate::Sql(self).save_settings(settings).await
                }
            }
        };
    };
}
