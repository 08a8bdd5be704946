//! SQLite's part of catalog search (the rest: `akinai_sql`, ADR 020 and ADR 029): description
//! matches through the FTS5 trigram index, walked newest first so it stops at the page.

use akinai_domain::search::trigram_searchable;
use akinai_sql::{every_group, Arg, Filter};

use crate::SqliteStore;

/// An FTS5 query that requires every group made only of words the trigram index can look up
/// (any word of the group, as a phrase); `None` when no group is.
fn fts_match(groups: &[Vec<&str>]) -> Option<String> {
    let phrase = |t: &str| format!("\"{}\"", t.replace('"', "\"\""));
    let long: Vec<String> = groups
        .iter()
        .filter(|g| g.iter().all(|t| trigram_searchable(t)))
        .map(|g| {
            format!(
                "({})",
                g.iter().map(|t| phrase(t)).collect::<Vec<_>>().join(" OR ")
            )
        })
        .collect();
    (!long.is_empty()).then(|| long.join(" AND "))
}

/// See [`akinai_sql::Dialect::description_matches`].
pub(crate) fn description_matches(groups: &[Vec<&str>], limit: usize) -> Option<Filter> {
    let fts = fts_match(groups)?;
    let mut q = Filter::new(
        "SELECT p.id AS id FROM product_search JOIN products p ON p.id = product_search.rowid \
         WHERE p.published = TRUE",
    );
    q.bind(" AND product_search MATCH ", Arg::Text(fts));
    every_group::<SqliteStore>(&mut q, groups, &["p.search_name", "p.search_body"]);
    q.push(" AND NOT (1 = 1");
    every_group::<SqliteStore>(&mut q, groups, &["p.search_name"]);
    q.bind(
        ") ORDER BY product_search.rowid DESC LIMIT ",
        Arg::Int(i64::try_from(limit).unwrap_or(i64::MAX)),
    );
    Some(q)
}

akinai_sql::catalog_store!(SqliteStore);
