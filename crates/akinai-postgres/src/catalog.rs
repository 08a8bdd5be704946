//! PostgreSQL's part of catalog search (the rest: `akinai_sql`, ADR 020 and ADR 029):
//! description matches through `LIKE`, which the pg_trgm GIN indexes answer for words of three
//! or more characters, newest first.

use akinai_domain::search::trigram_searchable;
use akinai_sql::{every_group, Arg, Filter};

use crate::PgStore;

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

/// See [`akinai_sql::Dialect::description_matches`].
pub(crate) fn description_matches(groups: &[Vec<&str>], limit: usize) -> Option<Filter> {
    let long: Vec<&Vec<&str>> = groups
        .iter()
        .filter(|g| g.iter().all(|t| trigram_searchable(t)))
        .collect();
    if long.is_empty() {
        return None;
    }
    // A one-word query (with its synonyms) is here only for products whose name lacks it, so
    // only the description's index is asked: one bitmap instead of two. With several words, a
    // product may hold one in its name and another in its description.
    let columns: &[&str] = if groups.len() == 1 {
        &["p.search_body"]
    } else {
        &["p.search_name", "p.search_body"]
    };
    let mut q = Filter::new("SELECT p.id AS id FROM products p WHERE p.published");
    for g in long {
        q.push(" AND (");
        let mut first = true;
        for word in g {
            for column in columns {
                if !first {
                    q.push(" OR ");
                }
                first = false;
                q.bind(&format!("{column} LIKE "), Arg::Text(like_pattern(word)));
                q.push(" ESCAPE '\\'");
            }
        }
        q.push(")");
    }
    every_group::<PgStore>(&mut q, groups, &["p.search_name", "p.search_body"]);
    q.push(" AND NOT (1 = 1");
    every_group::<PgStore>(&mut q, groups, &["p.search_name"]);
    q.bind(
        ") ORDER BY p.id DESC LIMIT ",
        Arg::Int(i64::try_from(limit).unwrap_or(i64::MAX)),
    );
    Some(q)
}

akinai_sql::catalog_store!(PgStore);
