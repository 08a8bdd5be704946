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

akinai_sql::catalog_store!(PgStore);

impl PgStore {
    async fn search_products(
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
}
