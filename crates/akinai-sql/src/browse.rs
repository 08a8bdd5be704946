//! Category listings in a shopper's order (ADR 031), written once for both backends.
//!
//! `browse_keys` holds each product's sort keys beside its category, with one index per sort
//! led by `(category_id, published)`. A page of a category with its sub-categories is one
//! statement: per category, a walk of that index from the page's position that stops after one
//! page (`LIMIT`), the walks joined by `UNION ALL`; the pieces are merged here in order and cut
//! to the page. Its cost is bounded by the page size times the number of categories, not by how
//! many products they hold, and a deep page costs what the first does.

use sqlx::{ColumnIndex, Database, Decode, Encode, Executor, IntoArguments, Type};

use akinai_domain::browse::{Browse, Position, SortKey};
use akinai_domain::ids::{CategoryId, ProductId};
use akinai_store::{Listing, StoreResult};

use crate::{Arg, Columns, Dialect, Filter, Sql};

/// Categories walked by one statement (SQLite allows 500 terms in a compound `SELECT`).
const CATEGORIES_PER_STATEMENT: usize = 100;

fn column(key: SortKey) -> &'static str {
    match key {
        SortKey::InStock => "in_stock",
        SortKey::Id => "product_id",
        SortKey::PriceMin => "price_min",
        SortKey::Sold => "sold",
    }
}

/// Appends one category's walk: up to `limit` `(key, id)` rows in the order of `browse.sort`,
/// strictly after its position, passing its filters.
fn walk(q: &mut Filter, category: CategoryId, browse: &Browse, limit: u32) {
    let (key, descending) = browse.sort.key();
    let col = column(key);
    let (cmp, dir) = if descending {
        ("<", "DESC")
    } else {
        (">", "ASC")
    };
    q.push(&format!(
        "SELECT * FROM (SELECT b.{col} AS k, b.product_id AS id FROM browse_keys b"
    ));
    q.bind(" WHERE b.category_id = ", Arg::Int(category.0));
    q.push(" AND b.published = TRUE");
    let filters = &browse.filters;
    if filters.in_stock {
        q.push(" AND b.in_stock = 1");
    }
    if let Some(min) = filters.price_min {
        q.bind(" AND b.price_min >= ", Arg::Int(min.0));
    }
    if let Some(max) = filters.price_max {
        q.bind(" AND b.price_min <= ", Arg::Int(max.0));
    }
    if let Some(Position { key: at, id }) = browse.after {
        if key == SortKey::Id {
            q.bind(&format!(" AND b.product_id {cmp} "), Arg::Int(id));
        } else {
            let k = q.arg(Arg::Int(at));
            let i = q.arg(Arg::Int(id));
            q.push(&format!(" AND (b.{col}, b.product_id) {cmp} ({k}, {i})"));
        }
    }
    let order = if key == SortKey::Id {
        format!(" ORDER BY b.product_id {dir}")
    } else {
        format!(" ORDER BY b.{col} {dir}, b.product_id {dir}")
    };
    q.push(&order);
    q.bind(" LIMIT ", Arg::Int(i64::from(limit)));
    q.push(") w");
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
    /// One page of the published products of `categories` in `browse`'s order and filters.
    pub async fn browse(
        &self,
        categories: &[CategoryId],
        browse: &Browse,
        limit: u32,
    ) -> StoreResult<Listing> {
        let mut rows: Vec<(i64, i64)> = Vec::new();
        for chunk in categories.chunks(CATEGORIES_PER_STATEMENT) {
            let mut q = Filter::default();
            for (n, category) in chunk.iter().enumerate() {
                if n > 0 {
                    q.push(" UNION ALL ");
                }
                walk(&mut q, *category, browse, limit + 1);
            }
            for row in self.fetch_all(&q).await? {
                rows.push((row.int("k")?, row.int("id")?));
            }
        }
        let sort = browse.sort;
        rows.sort_by(|a, b| sort.order(*a, *b));
        let limit = limit as usize;
        let next = (rows.len() > limit)
            .then(|| rows.get(limit.saturating_sub(1)))
            .flatten()
            .map(|(key, id)| Position { key: *key, id: *id });
        rows.truncate(limit);
        let ids: Vec<ProductId> = rows.iter().map(|(_, id)| ProductId(*id)).collect();
        Ok(Listing {
            products: self.summaries(&ids).await?,
            next,
        })
    }
}
