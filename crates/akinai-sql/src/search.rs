//! Search that scales (ADR 029), written once for both backends. A query's words (each with the
//! shop's synonyms as alternatives) are answered in tiers, each a walk that stops once it has
//! what the page needs — never ranking every match:
//! 1. names holding every typed word, walked along the rarest gram's postings in `search_grams`,
//!    which are already in rank order (in stock first, then newest);
//! 2. names holding every word only through a synonym, the same way;
//! 3. descriptions, for words of three or more characters, through the backend's trigram index
//!    ([`Dialect::description_matches`]), newest first.
//!
//! Each candidate is checked against the normalised text by a plain substring test, so a gram
//! that matches only in pieces never yields a false hit. The total is counted exactly up to
//! [`COUNT_CAP`] by the same walks.

use std::collections::{HashMap, HashSet};

use sqlx::{ColumnIndex, Database, Decode, Encode, Executor, IntoArguments, Type};

use akinai_domain::catalog::ProductSummary;
use akinai_domain::ids::ProductId;
use akinai_domain::search::{index_grams, SearchQuery, SearchTotal, COUNT_CAP};
use akinai_store::{SearchPage, StoreResult};

use crate::{Arg, Columns, Dialect, Filter, Sql};

/// How far a gram's postings are counted to find the rarest (beyond it, a gram is just common;
/// counting further cost more than the walk it chooses).
const RARITY_PROBE: i64 = 100;
/// Most grams probed for one query (a compound `SELECT` has a limit on SQLite).
const MAX_PROBED_GRAMS: usize = 64;

/// ` AND (cond(a) OR cond(b) …)` for each group, with `cond` the substring test of a word in any
/// of `columns` — appended in text order so placeholders number upwards.
pub fn every_group<D: Dialect>(q: &mut Filter, groups: &[Vec<&str>], columns: &[&str]) {
    for g in groups {
        q.push(" AND (");
        let mut first = true;
        for word in g {
            for col in columns {
                if !first {
                    q.push(" OR ");
                }
                first = false;
                let arg = q.arg(Arg::Text((*word).to_string()));
                q.push(&D::contains(col, &arg));
            }
        }
        q.push(")");
    }
}

/// The typed words alone (no synonyms), one group each.
fn typed<'a>(groups: &[Vec<&'a str>]) -> Vec<Vec<&'a str>> {
    groups
        .iter()
        .filter_map(|g| g.first().map(|w| vec![*w]))
        .collect()
}

/// A walk's SQL: the published products along `gram`'s postings in rank order whose name holds
/// `word` and passes `filter`.
fn walk<D: Dialect>(
    gram: &str,
    word: &str,
    limit: usize,
    filter: impl FnOnce(&mut Filter),
) -> Filter {
    let mut q = Filter::new("SELECT g.rank AS rank, g.product_id AS id FROM search_grams g JOIN products p ON p.id = g.product_id");
    q.bind(" WHERE g.gram = ", Arg::Text(gram.to_string()));
    q.push(" AND p.published = TRUE AND ");
    let arg = q.arg(Arg::Text(word.to_string()));
    q.push(&D::contains("p.search_name", &arg));
    filter(&mut q);
    q.bind(
        " ORDER BY g.rank, g.product_id LIMIT ",
        Arg::Int(i64::try_from(limit).unwrap_or(i64::MAX)),
    );
    q
}

/// A gram's postings in rank order, without looking at the products (the index holds published
/// products only).
fn postings(gram: &str, limit: usize) -> Filter {
    let mut q = Filter::new("SELECT rank, product_id AS id FROM search_grams");
    q.bind(" WHERE gram = ", Arg::Text(gram.to_string()));
    q.bind(
        " ORDER BY rank, product_id LIMIT ",
        Arg::Int(i64::try_from(limit).unwrap_or(i64::MAX)),
    );
    q
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
    /// Products whose name or description holds every word of the query, best first: one page
    /// from `offset`, and the total up to [`COUNT_CAP`].
    pub async fn search(
        &self,
        query: &SearchQuery,
        offset: u32,
        limit: u32,
    ) -> StoreResult<SearchPage> {
        let groups = query.groups();
        let asked = (offset.saturating_add(limit) as usize).max(COUNT_CAP as usize + 1);
        let ids = self.matches(&groups, asked, true).await?;
        let total = SearchTotal::of(ids.len(), asked);
        let page: Vec<ProductId> = ids
            .into_iter()
            .skip(offset as usize)
            .take(limit as usize)
            .collect();
        Ok(SearchPage {
            products: self.summaries(&page).await?,
            total,
        })
    }

    /// Names of up to `limit` products whose name holds the query: the name tiers alone, walked
    /// no further than the list.
    pub async fn suggest(&self, query: &SearchQuery, limit: u32) -> StoreResult<Vec<String>> {
        let ids = self.matches(&query.groups(), limit as usize, false).await?;
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut q = Filter::new("SELECT id, name FROM products WHERE id IN (");
        for (n, id) in ids.iter().enumerate() {
            q.bind(if n == 0 { "" } else { ", " }, Arg::Int(id.0));
        }
        q.push(")");
        let mut names: HashMap<ProductId, String> = HashMap::new();
        for row in self.fetch_all(&q).await? {
            names.insert(ProductId(row.int("id")?), row.text("name")?);
        }
        let mut out: Vec<String> = Vec::new();
        for name in ids.iter().filter_map(|id| names.remove(id)) {
            if !out.contains(&name) {
                out.push(name);
            }
        }
        Ok(out)
    }

    /// Up to `asked` matching products in the order shown; descriptions too when `descriptions`.
    pub(crate) async fn matches(
        &self,
        groups: &[Vec<&str>],
        asked: usize,
        descriptions: bool,
    ) -> StoreResult<Vec<ProductId>> {
        let rarity = self.gram_counts(groups).await?;
        // A word's cost: its rarest gram's postings (0: no name holds it). A gram left out of
        // the probe counts as common.
        let count = |g: &String| rarity.get(g).copied().unwrap_or(RARITY_PROBE);
        let cost = |word: &str| index_grams(word).iter().map(count).min().unwrap_or(0);
        let rarest_gram = |word: &str| index_grams(word).into_iter().min_by_key(count);
        let mut found: Vec<ProductId> = Vec::new();
        let mut seen: HashSet<ProductId> = HashSet::new();
        let typed = typed(groups);
        // Tier 1: every typed word in the name, along the rarest typed word's gram.
        if let Some(word) = typed
            .iter()
            .filter_map(|g| g.first())
            .min_by_key(|w| cost(w))
        {
            if let Some(gram) = rarest_gram(word).filter(|_| cost(word) > 0) {
                let q = if typed.len() == 1 && gram == *word {
                    // One word that is its own gram: its postings are the answer, already in order.
                    postings(&gram, asked)
                } else {
                    walk::<D>(&gram, word, asked, |q| {
                        every_group::<D>(q, &typed, &["p.search_name"])
                    })
                };
                for (_, id) in self.ranked(&q).await? {
                    if seen.insert(id) {
                        found.push(id);
                    }
                }
            }
        }
        // Tier 2: every word in the name, some only through a synonym.
        let has_synonyms = groups.iter().any(|g| g.len() > 1);
        if has_synonyms && found.len() < asked {
            let driver = groups
                .iter()
                .min_by_key(|g| g.iter().map(|w| cost(w)).sum::<i64>());
            let mut tier: Vec<(i64, ProductId)> = Vec::new();
            for word in driver.into_iter().flatten().filter(|w| cost(w) > 0) {
                let Some(gram) = rarest_gram(word) else {
                    continue;
                };
                let q = walk::<D>(&gram, word, asked - found.len(), |q| {
                    every_group::<D>(q, groups, &["p.search_name"]);
                    q.push(" AND NOT (1 = 1");
                    every_group::<D>(q, &typed, &["p.search_name"]);
                    q.push(")");
                });
                tier.extend(self.ranked(&q).await?);
            }
            tier.sort();
            for (_, id) in tier {
                if found.len() < asked && seen.insert(id) {
                    found.push(id);
                }
            }
        }
        // Tier 3: descriptions, for words long enough for the trigram index.
        if descriptions && found.len() < asked {
            if let Some(q) = D::description_matches(groups, asked - found.len()) {
                for row in self.fetch_all_planned(&q).await? {
                    let id = ProductId(row.int("id")?);
                    if found.len() < asked && seen.insert(id) {
                        found.push(id);
                    }
                }
            }
        }
        Ok(found)
    }

    /// `(rank, id)` rows of a walk.
    async fn ranked(&self, q: &Filter) -> StoreResult<Vec<(i64, ProductId)>> {
        self.fetch_all(q)
            .await?
            .iter()
            .map(|r| Ok((r.int("rank")?, ProductId(r.int("id")?))))
            .collect()
    }

    /// How many postings each gram of the query's words has, counted up to [`RARITY_PROBE`].
    async fn gram_counts(&self, groups: &[Vec<&str>]) -> StoreResult<HashMap<String, i64>> {
        let mut grams: Vec<String> = Vec::new();
        for word in groups.iter().flatten() {
            for g in index_grams(word) {
                if !grams.contains(&g) && grams.len() < MAX_PROBED_GRAMS {
                    grams.push(g);
                }
            }
        }
        if grams.is_empty() {
            return Ok(HashMap::new());
        }
        let counts = self
            .capped_counts(&grams, RARITY_PROBE, |q, g| {
                q.bind(" FROM search_grams WHERE gram = ", Arg::Text(g.clone()));
            })
            .await?;
        let counts: HashMap<String, i64> = grams.into_iter().zip(counts).collect();
        Ok(counts)
    }

    /// The summaries of `ids`, in that order.
    pub(crate) async fn summaries(&self, ids: &[ProductId]) -> StoreResult<Vec<ProductSummary>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut q = Filter::new(crate::catalog::SUMMARY_SELECT);
        for (n, id) in ids.iter().enumerate() {
            q.bind(if n == 0 { " AND p.id IN (" } else { ", " }, Arg::Int(id.0));
        }
        q.push(") GROUP BY p.id");
        let mut by_id: HashMap<ProductId, ProductSummary> = HashMap::new();
        for row in self.fetch_all(&q).await? {
            let s = crate::summary(&row)?;
            by_id.insert(s.id, s);
        }
        Ok(ids.iter().filter_map(|id| by_id.remove(id)).collect())
    }
}
