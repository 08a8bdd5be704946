//! Catalog search for SQLite (the rest of the catalog: `akinai_sql`, ADR 020).

use sqlx::{QueryBuilder, Sqlite};

use akinai_domain::catalog::ProductSummary;
use akinai_domain::search::SearchQuery;
use akinai_store::StoreResult;

use crate::{map_err, SqliteStore};

/// An FTS5 query that requires every term as a phrase; `None` when no term is long enough for the
/// trigram index (the LIKE filter alone then decides).
fn fts_match(terms: &[&str]) -> Option<String> {
    let long: Vec<String> = terms
        .iter()
        .filter(|t| t.chars().count() >= 3)
        .map(|t| format!("\"{}\"", t.replace('"', "\"\"")))
        .collect();
    (!long.is_empty()).then(|| long.join(" "))
}

akinai_sql::catalog_store!(SqliteStore);

impl SqliteStore {
    async fn search_products(
        &self,
        query: &SearchQuery,
        offset: u32,
        limit: u32,
    ) -> StoreResult<Vec<ProductSummary>> {
        let terms = query.terms();
        // Rank and page over products first, then price only the page's products.
        let mut q: QueryBuilder<Sqlite> = QueryBuilder::new(
            "SELECT p.id, p.name, p.tax_category, p.image_hue, (SELECT i.name FROM product_images i WHERE i.product_id = p.id ORDER BY i.position LIMIT 1) AS image, MIN(s.price) AS price_min, \
             MAX(s.price) AS price_max, MAX(s.stock) AS stock_max FROM (\
             SELECT id, name, tax_category, image_hue, length(search_name) AS name_len, (0",
        );
        // The text is normalised on both sides, so a plain substring test (`instr`, a byte
        // comparison with no wildcards to escape) decides a match.
        for t in &terms {
            q.push(" + (instr(search_name, ");
            q.push_bind(t.to_string());
            q.push(") > 0)");
        }
        q.push(") AS score FROM products WHERE published = 1");
        if let Some(fts) = fts_match(&terms) {
            q.push(" AND id IN (SELECT rowid FROM product_search WHERE product_search MATCH ");
            q.push_bind(fts);
            q.push(")");
        }
        for t in &terms {
            q.push(" AND (instr(search_name, ");
            q.push_bind(t.to_string());
            q.push(") > 0 OR instr(search_body, ");
            q.push_bind(t.to_string());
            q.push(") > 0)");
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
        let rows = q.build().fetch_all(&self.reader).await.map_err(map_err)?;
        rows.iter().map(akinai_sql::summary).collect()
    }
}
