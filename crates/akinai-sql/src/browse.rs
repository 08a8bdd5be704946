//! Category listings in a shopper's order (ADR 031), written once for both backends.
//!
//! `browse_keys` holds each product's sort keys beside its category, with one index per sort
//! led by `(category_id, published)`. A page of a category with its sub-categories is one
//! statement: per category, a walk of that index from the page's position that stops after one
//! page (`LIMIT`), the walks joined by `UNION ALL`; the pieces are merged here in order and cut
//! to the page. Its cost is bounded by the page size times the number of categories, not by how
//! many products they hold, and a deep page costs what the first does.

use sqlx::{ColumnIndex, Database, Decode, Encode, Executor, IntoArguments, Type};

use akinai_domain::browse::{arrange, Browse, Filters, Keys, OptionValue, Position, Sort, SortKey};
use akinai_domain::ids::{CategoryId, ProductId};
use akinai_domain::search::{SearchQuery, SearchTotal};
use akinai_store::{Listing, SearchPage, StoreResult};

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

/// Appends ` WHERE` for the published products of `category` (`browse_keys b`) that pass
/// `filters`.
fn listed(q: &mut Filter, category: CategoryId, filters: &Filters) {
    q.bind(" WHERE b.category_id = ", Arg::Int(category.0));
    q.push(" AND b.published = TRUE");
    conditions(q, filters);
}

/// Appends ` AND …` for each of `filters` on `browse_keys b`.
fn conditions(q: &mut Filter, filters: &Filters) {
    if filters.in_stock {
        q.push(" AND b.in_stock = 1");
    }
    if let Some(min) = filters.price_min {
        q.bind(" AND b.price_min >= ", Arg::Int(min.0));
    }
    if let Some(max) = filters.price_max {
        q.bind(" AND b.price_min <= ", Arg::Int(max.0));
    }
    if let Some(option) = &filters.option {
        q.bind(
            " AND EXISTS (SELECT 1 FROM browse_options o WHERE o.product_id = b.product_id AND o.value = ",
            Arg::Text(option.as_str().to_string()),
        );
        q.push(")");
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
    listed(q, category, &browse.filters);
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

    /// How many published products of each of `categories` pass `filters`, each counted up to
    /// `cap` (one index range per category, read no further than `cap`).
    pub async fn count_listed(
        &self,
        categories: &[CategoryId],
        filters: &Filters,
        cap: u32,
    ) -> StoreResult<Vec<(CategoryId, u32)>> {
        let counts = self
            .capped_counts(categories, i64::from(cap), |q, category| {
                q.push(" FROM browse_keys b");
                listed(q, *category, filters);
            })
            .await?;
        Ok(categories
            .iter()
            .zip(counts)
            .map(|(c, n)| (*c, u32::try_from(n).unwrap_or(u32::MAX)))
            .collect())
    }

    /// The option values of the published products of `categories` (at most `most`, in text
    /// order), with how many products of each category have each value and pass the other
    /// `filters` (`filters.option` is left out; counted no further than `cap`). Values come from a loose scan of `browse_options`' key —
    /// one index seek per value and category — so the cost follows the values, not the products.
    pub async fn option_counts(
        &self,
        categories: &[CategoryId],
        filters: &Filters,
        most: u32,
        cap: u32,
    ) -> StoreResult<Vec<(CategoryId, OptionValue, u32)>> {
        let mut values: Vec<OptionValue> = Vec::new();
        for category in categories {
            let mut q = Filter::default();
            let c = q.arg(Arg::Int(category.0));
            let m = q.arg(Arg::Int(i64::from(most)));
            let first = format!(
                "SELECT MIN(o.value) FROM browse_options o WHERE o.category_id = {c} AND o.published = TRUE"
            );
            q.push(&format!(
                "WITH RECURSIVE v(x, n) AS (SELECT ({first}), 1 UNION ALL \
                 SELECT ({first} AND o.value > v.x), v.n + 1 FROM v WHERE v.x IS NOT NULL AND v.n < {m}) \
                 SELECT x FROM v WHERE x IS NOT NULL"
            ));
            for row in self.fetch_all(&q).await? {
                if let Some(v) = OptionValue::parse(&row.text("x")?) {
                    if !values.contains(&v) {
                        values.push(v);
                    }
                }
            }
        }
        values.sort();
        values.truncate(most as usize);
        let pairs: Vec<(CategoryId, &OptionValue)> = values
            .iter()
            .flat_map(|v| categories.iter().map(move |c| (*c, v)))
            .collect();
        // Each value's count is under the other filters, so a shopper can switch values.
        let others = Filters {
            option: None,
            ..filters.clone()
        };
        let counts = self
            .capped_counts(&pairs, i64::from(cap), |q, (category, value)| {
                q.push(" FROM browse_options o JOIN browse_keys b ON b.product_id = o.product_id");
                q.bind(" WHERE o.category_id = ", Arg::Int(category.0));
                q.bind(
                    " AND o.published = TRUE AND o.value = ",
                    Arg::Text(value.as_str().to_string()),
                );
                conditions(q, &others);
            })
            .await?;
        Ok(pairs
            .into_iter()
            .zip(counts)
            .map(|((c, v), n)| (c, v.clone(), u32::try_from(n).unwrap_or(u32::MAX)))
            .collect())
    }

    /// A search's best `candidates` matches that pass `filters`, in `sort`'s order (おすすめ:
    /// relevance): `limit` of them from `offset`. The arranging happens in memory over at most
    /// `candidates` products, so its cost is bounded like the search's; the total is exact when
    /// the matches ran out first.
    pub async fn search_arranged(
        &self,
        query: &SearchQuery,
        sort: Sort,
        filters: &Filters,
        (offset, limit): (u32, u32),
        candidates: u32,
    ) -> StoreResult<SearchPage> {
        let ids = self
            .matches(&query.groups(), candidates as usize, true)
            .await?;
        let keys = self.keys_of(&ids).await?;
        let arranged = arrange(sort, filters, &keys);
        let n = u32::try_from(arranged.len()).unwrap_or(u32::MAX);
        let total = if ids.len() < candidates as usize {
            SearchTotal::Exact(n)
        } else {
            SearchTotal::AtLeast(n)
        };
        let page: Vec<ProductId> = arranged
            .into_iter()
            .skip(offset as usize)
            .take(limit as usize)
            .map(ProductId)
            .collect();
        Ok(SearchPage {
            products: self.summaries(&page).await?,
            total,
        })
    }

    /// The browse keys of `ids`, in that order (a product without keys is left out).
    async fn keys_of(&self, ids: &[ProductId]) -> StoreResult<Vec<Keys>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut q = Filter::new(
            "SELECT product_id, in_stock, price_min, sold FROM browse_keys WHERE product_id IN (",
        );
        for (n, id) in ids.iter().enumerate() {
            q.bind(if n == 0 { "" } else { ", " }, Arg::Int(id.0));
        }
        q.push(")");
        let mut by_id = std::collections::HashMap::new();
        for row in self.fetch_all(&q).await? {
            let id = row.int("product_id")?;
            by_id.insert(
                id,
                Keys {
                    id,
                    in_stock: row.int("in_stock")? != 0,
                    price_min: row.int("price_min")?,
                    sold: row.int("sold")?,
                },
            );
        }
        Ok(ids.iter().filter_map(|id| by_id.remove(&id.0)).collect())
    }
}
