//! Moving in and out, written once for both backends (ADR 020, ADR 026): the catalog read in
//! pages of products with their SKUs and image names (three queries per page, not one per
//! product), and an import applied in one transaction on the writer — categories first, then
//! each product inserted or updated with its SKUs matched by code.

use sqlx::{ColumnIndex, Database, Decode, Encode, Executor, IntoArguments, Type};

use chrono::{DateTime, Utc};

use akinai_domain::ids::{CategoryId, CustomerId, ProductId};
use akinai_domain::rich_text::SafeHtml;
use akinai_domain::search::{normalize, searchable_html};
use akinai_store::transfer::{
    CatalogImport, CategoryRef, ImportCustomer, ImportProduct, TransferProduct, NO_PASSWORD,
};
use akinai_store::{StoreError, StoreResult};

use crate::{map_err, Arg, Columns, Dialect, Filter, Sql};

/// Imported members (no password; `$1` is [`NO_PASSWORD`]) not yet sent their invitation.
const NOT_INVITED: &str = "password_hash = $1 AND invited_at IS NULL AND deleted_at IS NULL";

/// New products written per statement (9 values each; SKUs of a batch in one more statement).
const BATCH: usize = 200;

/// The category id a reference stands for, once the import's new categories exist.
fn resolve(r: CategoryRef, created: &[i64]) -> StoreResult<i64> {
    match r {
        CategoryRef::Existing(id) => Ok(id.0),
        CategoryRef::New(i) => created.get(i).copied().ok_or_else(|| {
            StoreError::Corrupt(format!(
                "import refers to category #{i} not created before it"
            ))
        }),
    }
}

/// Hands each `(product, item)` to its product; both are in product order.
fn distribute<T>(
    products: &mut [TransferProduct],
    items: Vec<(ProductId, T)>,
    mut add: impl FnMut(&mut TransferProduct, T),
) {
    let mut at = 0;
    for (product, item) in items {
        while products.get(at).is_some_and(|p| p.id != product) {
            at += 1;
        }
        let Some(p) = products.get_mut(at) else {
            return;
        };
        add(p, item);
    }
}

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
    pub async fn transfer_products(
        &self,
        after: Option<ProductId>,
        limit: u32,
    ) -> StoreResult<Vec<TransferProduct>> {
        let after = after.map_or(0, |p| p.0);
        let rows = sqlx::query(
            "SELECT id, handle, category_id, name, description_html, tax_category, \
             CAST(CASE WHEN published THEN 1 ELSE 0 END AS BIGINT) AS published \
             FROM products WHERE id > $1 ORDER BY id LIMIT $2",
        )
        .bind(after)
        .bind(i64::from(limit))
        .fetch_all(self.0.reader())
        .await
        .map_err(map_err)?;
        let mut products = rows
            .iter()
            .map(|r| {
                Ok(TransferProduct {
                    id: ProductId(r.int("id")?),
                    handle: r.opt_text("handle")?,
                    category_id: CategoryId(r.int("category_id")?),
                    name: r.text("name")?,
                    description: SafeHtml::from_stored(r.text("description_html")?),
                    tax: crate::tax(&r.text("tax_category")?)?,
                    published: r.int("published")? != 0,
                    skus: Vec::new(),
                    images: Vec::new(),
                    image_sources: Vec::new(),
                })
            })
            .collect::<StoreResult<Vec<_>>>()?;
        let Some(last) = products.last().map(|p| p.id.0) else {
            return Ok(products);
        };
        let skus = sqlx::query(
            "SELECT id, product_id, code, option_label, price, stock FROM skus \
             WHERE product_id > $1 AND product_id <= $2 ORDER BY product_id, position, id",
        )
        .bind(after)
        .bind(last)
        .fetch_all(self.0.reader())
        .await
        .map_err(map_err)?;
        let images = sqlx::query(
            "SELECT product_id, name, source_name FROM product_images \
             WHERE product_id > $1 AND product_id <= $2 ORDER BY product_id, position, id",
        )
        .bind(after)
        .bind(last)
        .fetch_all(self.0.reader())
        .await
        .map_err(map_err)?;
        let skus = skus
            .iter()
            .map(|s| {
                let product = ProductId(s.int("product_id")?);
                Ok((product, crate::sku(s, product)?))
            })
            .collect::<StoreResult<Vec<_>>>()?;
        distribute(&mut products, skus, |p, s| p.skus.push(s));
        let images = images
            .iter()
            .map(|i| {
                let product = ProductId(i.int("product_id")?);
                Ok((product, (i.text("name")?, i.opt_text("source_name")?)))
            })
            .collect::<StoreResult<Vec<_>>>()?;
        distribute(&mut products, images, |p, (name, source)| {
            p.images.push(name);
            p.image_sources.extend(source);
        });
        Ok(products)
    }

    pub async fn apply_customer_import(&self, customers: &[ImportCustomer]) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        for c in customers {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO customers (email, name, password_hash, created_at, phone, marketing_consent, imported_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $4) RETURNING id",
            )
            .bind(&c.email)
            .bind(&c.name)
            .bind(NO_PASSWORD)
            .bind(D::time(c.at))
            .bind(c.phone.clone())
            .bind(c.marketing)
            .fetch_one(&mut *tx)
            .await
            .map_err(map_err)?;
            if let Some(address) = &c.address {
                let json = serde_json::to_string(address).map_err(crate::corrupt)?;
                sqlx::query(
                    "INSERT INTO customer_addresses (customer_id, recipient, created_at, changed_at) VALUES ($1, $2, $3, $3)",
                )
                .bind(id)
                .bind(json)
                .bind(D::time(c.at))
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
            }
        }
        tx.commit().await.map_err(map_err)
    }

    pub async fn members_awaiting_invitation(&self) -> StoreResult<i64> {
        sqlx::query_scalar(&format!(
            "SELECT COUNT(*) FROM customers WHERE {NOT_INVITED}"
        ))
        .bind(NO_PASSWORD)
        .fetch_one(self.0.reader())
        .await
        .map_err(map_err)
    }

    pub async fn members_to_invite(&self, limit: u32) -> StoreResult<Vec<CustomerId>> {
        let ids: Vec<i64> = sqlx::query_scalar(&format!(
            "SELECT id FROM customers WHERE {NOT_INVITED} ORDER BY id LIMIT $2"
        ))
        .bind(NO_PASSWORD)
        .bind(i64::from(limit))
        .fetch_all(self.0.reader())
        .await
        .map_err(map_err)?;
        Ok(ids.into_iter().map(CustomerId).collect())
    }

    pub async fn mark_invited(&self, id: CustomerId, at: DateTime<Utc>) -> StoreResult<()> {
        sqlx::query("UPDATE customers SET invited_at = $1 WHERE id = $2")
            .bind(D::time(at))
            .bind(id.0)
            .execute(self.0.writer())
            .await
            .map_err(map_err)?;
        Ok(())
    }

    pub async fn apply_catalog_import(
        &self,
        import: &CatalogImport,
    ) -> StoreResult<Vec<ProductId>> {
        let mut tx = self.begin_write().await?;
        let mut created = Vec::with_capacity(import.categories.len());
        for c in &import.categories {
            let parent = c.parent.map(|p| resolve(p, &created)).transpose()?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO categories (parent_id, slug, name, position) VALUES ($1, $2, $3, $4) RETURNING id",
            )
            .bind(parent)
            .bind(&c.slug)
            .bind(&c.name)
            .bind(c.position)
            .fetch_one(&mut *tx)
            .await
            .map_err(map_err)?;
            created.push(id);
        }
        // Updates one product at a time; new products in multi-row batches (a large first
        // import is mostly new products, and one statement per row would dominate its time).
        let mut ids: Vec<Option<ProductId>> = import.products.iter().map(|p| p.id).collect();
        for p in &import.products {
            let Some(id) = p.id else { continue };
            update_product(&mut tx, id.0, resolve(p.category, &created)?, p).await?;
            for s in &p.skus {
                let changed = sqlx::query(
                    "UPDATE skus SET option_label = $1, price = $2, stock = $3 WHERE product_id = $4 AND code = $5",
                )
                .bind(&s.option_label)
                .bind(s.price.0)
                .bind(s.stock)
                .bind(id.0)
                .bind(&s.code)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
                if D::rows_affected(&changed) == 0 {
                    sqlx::query(
                        "INSERT INTO skus (product_id, position, code, option_label, price, stock) \
                         VALUES ($1, (SELECT COALESCE(MAX(position), -1) + 1 FROM skus WHERE product_id = $1), $2, $3, $4, $5)",
                    )
                    .bind(id.0)
                    .bind(&s.code)
                    .bind(&s.option_label)
                    .bind(s.price.0)
                    .bind(s.stock)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                }
            }
        }
        let new: Vec<usize> = (0..import.products.len())
            .filter(|i| import.products[*i].id.is_none())
            .collect();
        for chunk in new.chunks(BATCH) {
            let mut q = Filter::new(
                "INSERT INTO products (category_id, name, description_html, tax_category, image_hue, search_name, search_body, published, handle) VALUES ",
            );
            for (n, i) in chunk.iter().enumerate() {
                let p = &import.products[*i];
                q.bind(
                    if n == 0 { "(" } else { "), (" },
                    Arg::Int(resolve(p.category, &created)?),
                );
                q.bind(", ", Arg::Text(p.name.clone()));
                q.bind(", ", Arg::Text(p.description.as_str().to_string()));
                q.bind(", ", Arg::Text(p.tax.as_str().to_string()));
                q.bind(", ", Arg::Int(i64::from(p.image_hue)));
                q.bind(", ", Arg::Text(normalize(&p.name)));
                q.bind(", ", Arg::Text(searchable_html(p.description.as_str())));
                q.bind(", ", Arg::Bool(p.published));
                q.bind(", ", Arg::Text(p.handle.clone()));
            }
            q.push(") RETURNING id, handle");
            let rows = Self::bound(&q).fetch_all(&mut *tx).await.map_err(map_err)?;
            let mut made = std::collections::HashMap::with_capacity(rows.len());
            for r in &rows {
                made.insert(r.text("handle")?, r.int("id")?);
            }
            let mut skus = Filter::new(
                "INSERT INTO skus (product_id, position, code, option_label, price, stock) VALUES ",
            );
            let mut first = true;
            for i in chunk {
                let p = &import.products[*i];
                let id = *made.get(&p.handle).ok_or_else(|| {
                    StoreError::Corrupt(format!("product {} was not created", p.handle))
                })?;
                ids[*i] = Some(ProductId(id));
                for (pos, s) in p.skus.iter().enumerate() {
                    skus.bind(if first { "(" } else { "), (" }, Arg::Int(id));
                    first = false;
                    skus.bind(", ", Arg::Int(i64::try_from(pos).unwrap_or(i64::MAX)));
                    skus.bind(", ", Arg::Text(s.code.clone()));
                    skus.bind(", ", Arg::Text(s.option_label.clone()));
                    skus.bind(", ", Arg::Int(s.price.0));
                    skus.bind(", ", Arg::Int(s.stock));
                }
            }
            if !first {
                skus.push(")");
                Self::bound(&skus)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
            }
        }
        let ids = ids
            .into_iter()
            .map(|id| id.ok_or_else(|| StoreError::Corrupt("an imported product has no id".into())))
            .collect::<StoreResult<Vec<_>>>()?;
        tx.commit().await.map_err(map_err)?;
        Ok(ids)
    }
}

async fn update_product<'c, Db>(
    tx: &mut sqlx::Transaction<'c, Db>,
    id: i64,
    category: i64,
    p: &ImportProduct,
) -> StoreResult<()>
where
    Db: Database,
    for<'e> &'e mut Db::Connection: Executor<'e, Database = Db>,
    for<'q> Db::Arguments<'q>: IntoArguments<'q, Db>,
    for<'q> i64: Encode<'q, Db> + Type<Db>,
    for<'q> bool: Encode<'q, Db> + Type<Db>,
    for<'q> String: Encode<'q, Db> + Type<Db>,
    for<'q> &'q str: Encode<'q, Db> + Type<Db>,
{
    sqlx::query(
        "UPDATE products SET category_id = $1, name = $2, description_html = $3, tax_category = $4, \
         published = $5, search_name = $6, search_body = $7, handle = $8 WHERE id = $9",
    )
    .bind(category)
    .bind(&p.name)
    .bind(p.description.as_str())
    .bind(p.tax.as_str())
    .bind(p.published)
    .bind(normalize(&p.name))
    .bind(searchable_html(p.description.as_str()))
    .bind(&p.handle)
    .bind(id)
    .execute(&mut **tx)
    .await
    .map_err(map_err)?;
    Ok(())
}

/// Implements `TransferStore` for a backend type with the statements above.
#[macro_export]
macro_rules! transfer_store {
    ($store:ty) => {
        const _: () = {
            use akinai_domain::ids::ProductId;
            use akinai_store::transfer::{CatalogImport, TransferProduct};
            use akinai_store::StoreResult;
            #[async_trait::async_trait]
            impl akinai_store::transfer::TransferStore for $store {
                async fn transfer_products(
                    &self,
                    after: Option<ProductId>,
                    limit: u32,
                ) -> StoreResult<Vec<TransferProduct>> {
                    $crate::Sql(self).transfer_products(after, limit).await
                }
                async fn apply_catalog_import(
                    &self,
                    import: &CatalogImport,
                ) -> StoreResult<Vec<ProductId>> {
                    $crate::Sql(self).apply_catalog_import(import).await
                }
                async fn apply_customer_import(
                    &self,
                    customers: &[akinai_store::transfer::ImportCustomer],
                ) -> StoreResult<()> {
                    $crate::Sql(self).apply_customer_import(customers).await
                }
                async fn members_awaiting_invitation(&self) -> StoreResult<i64> {
                    $crate::Sql(self).members_awaiting_invitation().await
                }
                async fn members_to_invite(
                    &self,
                    limit: u32,
                ) -> StoreResult<Vec<akinai_domain::ids::CustomerId>> {
                    $crate::Sql(self).members_to_invite(limit).await
                }
                async fn mark_invited(
                    &self,
                    id: akinai_domain::ids::CustomerId,
                    at: chrono::DateTime<chrono::Utc>,
                ) -> StoreResult<()> {
                    $crate::Sql(self).mark_invited(id, at).await
                }
            }
        };
    };
}
