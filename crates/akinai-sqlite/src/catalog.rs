//! Catalog search for SQLite (the rest of the catalog: `akinai_sql`, ADR 020).

use sqlx::{QueryBuilder, Sqlite};

use akinai_domain::catalog::ProductSummary;
use akinai_domain::search::SearchQuery;
use akinai_store::StoreResult;

use crate::{map_err, SqliteStore};

/// An FTS5 query that requires every word (any of its synonyms) as a phrase; a word with an
/// alternative too short for the trigram index is left to the substring filter alone, and
/// `None` when no word is left.
fn fts_match(groups: &[Vec<&str>]) -> Option<String> {
    let phrase = |t: &str| format!("\"{}\"", t.replace('"', "\"\""));
    let long: Vec<String> = groups
        .iter()
        .filter(|g| g.iter().all(|t| t.chars().count() >= 3))
        .map(|g| {
            format!(
                "({})",
                g.iter().map(|t| phrase(t)).collect::<Vec<_>>().join(" OR ")
            )
        })
        .collect();
    (!long.is_empty()).then(|| long.join(" AND "))
}

/// `(instr(col, ?) > 0 OR …)` over a word's alternatives and the given columns.
fn any_of(q: &mut QueryBuilder<Sqlite>, group: &[&str], columns: &[&str]) {
    q.push("(");
    let mut first = true;
    for t in group {
        for col in columns {
            if !first {
                q.push(" OR ");
            }
            first = false;
            q.push(format!("instr({col}, "));
            q.push_bind(t.to_string());
            q.push(") > 0");
        }
    }
    q.push(")");
}

akinai_sql::catalog_store!(SqliteStore);

impl SqliteStore {
    async fn search_products(
        &self,
        query: &SearchQuery,
        offset: u32,
        limit: u32,
    ) -> StoreResult<Vec<ProductSummary>> {
        let groups = query.groups();
        // Rank and page over products first, then price only the page's products.
        let mut q: QueryBuilder<Sqlite> = QueryBuilder::new(
            "SELECT p.id, p.name, p.tax_category, p.image_hue, (SELECT i.name FROM product_images i WHERE i.product_id = p.id ORDER BY i.position LIMIT 1) AS image, MIN(s.price) AS price_min, \
             MAX(s.price) AS price_max, MAX(s.stock) AS stock_max FROM (\
             SELECT id, name, tax_category, image_hue, length(search_name) AS name_len, (0",
        );
        // The text is normalised on both sides, so a plain substring test (`instr`, a byte
        // comparison with no wildcards to escape) decides a match.
        // The word itself in the name counts double a synonym in the name.
        for g in &groups {
            if let Some((word, synonyms)) = g.split_first() {
                q.push(" + 2 * ");
                any_of(&mut q, std::slice::from_ref(word), &["search_name"]);
                if !synonyms.is_empty() {
                    q.push(" + ");
                    any_of(&mut q, synonyms, &["search_name"]);
                }
            }
        }
        q.push(") AS score FROM products WHERE published = 1");
        if let Some(fts) = fts_match(&groups) {
            q.push(" AND id IN (SELECT rowid FROM product_search WHERE product_search MATCH ");
            q.push_bind(fts);
            q.push(")");
        }
        for g in &groups {
            q.push(" AND ");
            any_of(&mut q, g, &["search_name", "search_body"]);
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
