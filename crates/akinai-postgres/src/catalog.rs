//! Catalog search for PostgreSQL (the rest of the catalog: `akinai_sql`, ADR 020). Search filters with `LIKE` on the
//! normalised text, which the pg_trgm GIN indexes accelerate for terms of three or more characters.

use sqlx::{Postgres, QueryBuilder};

use akinai_domain::catalog::ProductSummary;
use akinai_domain::search::SearchQuery;
use akinai_store::StoreResult;

use crate::{map_err, PgStore};

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

/// `(col LIKE ? OR …)` over a word's alternatives (as LIKE patterns) and the given columns.
fn any_like(q: &mut QueryBuilder<Postgres>, patterns: &[String], columns: &[&str]) {
    q.push("(");
    let mut first = true;
    for p in patterns {
        for col in columns {
            if !first {
                q.push(" OR ");
            }
            first = false;
            q.push(format!("{col} LIKE "));
            q.push_bind(p.clone());
            q.push(" ESCAPE '\\'");
        }
    }
    q.push(")");
}

akinai_sql::catalog_store!(PgStore);

impl PgStore {
    async fn search_products(
        &self,
        query: &SearchQuery,
        offset: u32,
        limit: u32,
    ) -> StoreResult<Vec<ProductSummary>> {
        let groups: Vec<Vec<String>> = query
            .groups()
            .iter()
            .map(|g| g.iter().map(|t| like_pattern(t)).collect())
            .collect();
        // Rank and page over products first, then price only the page's products.
        let mut q: QueryBuilder<Postgres> = QueryBuilder::new(
            "SELECT p.id, p.name, p.tax_category, p.image_hue, (SELECT i.name FROM product_images i WHERE i.product_id = p.id ORDER BY i.position LIMIT 1) AS image, MIN(s.price) AS price_min, \
             MAX(s.price) AS price_max, MAX(s.stock) AS stock_max FROM (\
             SELECT id, name, tax_category, image_hue, length(search_name) AS name_len, (0",
        );
        // The word itself in the name counts double a synonym in the name.
        for g in &groups {
            if let Some((word, synonyms)) = g.split_first() {
                q.push(" + 2 * ");
                any_like(&mut q, std::slice::from_ref(word), &["search_name"]);
                q.push("::int");
                if !synonyms.is_empty() {
                    q.push(" + ");
                    any_like(&mut q, synonyms, &["search_name"]);
                    q.push("::int");
                }
            }
        }
        q.push(") AS score FROM products WHERE published");
        for g in &groups {
            q.push(" AND ");
            any_like(&mut q, g, &["search_name", "search_body"]);
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
}
