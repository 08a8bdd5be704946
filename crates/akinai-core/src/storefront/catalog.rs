//! Browsing: the category tree, category pages with keyset pagination, product pages, search.

use std::collections::HashMap;

use crate::Storefront;
use akinai_domain::browse::{Browse, Filters, OptionValue, Sort};
use akinai_domain::catalog::{Category, Product, ProductSummary};
use akinai_domain::ids::{CategoryId, ProductId, SkuId};
use akinai_domain::price_rules::PriceRules;
use akinai_domain::search::{SearchQuery, SearchTotal, Synonyms, COUNT_CAP};
use akinai_store::Listing;

use crate::CoreError;

/// Products per category page.
pub const PAGE_SIZE: u32 = 24;
/// Search results per page, and the deepest page offered (ranked results use offsets).
pub const SEARCH_PAGE_SIZE: u32 = 24;
pub const SEARCH_MAX_PAGES: u32 = 40;
/// The best matches a search arranges in another order or filters (ADR 031 decision 9): ten
/// pages. Beyond them the walks would read ever more of a common word's postings.
pub const SEARCH_ARRANGED: u32 = 240;
/// Most option values a category page offers as filters.
pub const OPTION_VALUES: u32 = 40;
/// Suggestions offered under the search box.
pub const SUGGESTIONS: u32 = 8;

/// A category page: the category, its path from the root, its children and one page of products
/// in the shopper's order and filters.
pub struct CategoryPage {
    pub category: Category,
    pub path: Vec<Category>,
    /// The sub-categories, each with how many of its products pass the filters.
    pub children: Vec<(Category, SearchTotal)>,
    pub products: Listing,
    /// How many products pass the filters, and how many would with 在庫ありのみ too.
    pub total: SearchTotal,
    pub in_stock: SearchTotal,
    /// The option values offered (sizes, colours), each with how many products would pass the
    /// other filters with it.
    pub options: Vec<(OptionValue, SearchTotal)>,
}

/// A product page with the category path for the breadcrumb.
pub struct ProductPage {
    pub product: Product,
    pub path: Vec<Category>,
    /// Each SKU's price rules (tiers, sale, quantities, group prices; ADR 047).
    pub rules: HashMap<SkuId, PriceRules>,
    /// When the page was priced (a sale runs or not).
    pub at: chrono::DateTime<chrono::Utc>,
}

/// One page of search results.
pub struct SearchResults {
    pub products: Vec<ProductSummary>,
    pub page: u32,
    pub has_next: bool,
    /// How many products matched: exact, or 「100件以上」.
    pub total: SearchTotal,
}

/// `id` and all categories below it.
pub(crate) fn descendants(all: &[Category], id: CategoryId) -> Vec<CategoryId> {
    let mut out = vec![id];
    let mut i = 0;
    while i < out.len() {
        let parent = out[i];
        out.extend(
            all.iter()
                .filter(|c| c.parent_id == Some(parent))
                .map(|c| c.id),
        );
        i += 1;
    }
    out
}

/// The categories from the root down to `id`.
fn path_to(all: &[Category], id: CategoryId) -> Vec<Category> {
    let mut path = Vec::new();
    let mut next = Some(id);
    while let Some(current) = next {
        match all.iter().find(|c| c.id == current) {
            Some(c) if !path.iter().any(|p: &Category| p.id == c.id) => {
                path.push(c.clone());
                next = c.parent_id;
            }
            _ => break,
        }
    }
    path.reverse();
    path
}

impl Storefront {
    /// The product a SKU belongs to, if the SKU exists.
    pub async fn product_of_sku(&self, sku: SkuId) -> Result<Option<ProductId>, CoreError> {
        let found = self.catalog_store.skus_for_sale(&[sku]).await?;
        Ok(found.first().map(|s| s.product_id))
    }

    pub async fn categories(&self) -> Result<Vec<Category>, CoreError> {
        if let Some(c) = self.base.caches.categories.get(&()) {
            return Ok((*c).clone());
        }
        let all = self.catalog_store.categories().await?;
        self.base
            .caches
            .categories
            .put((), std::sync::Arc::new(all.clone()));
        Ok(all)
    }

    pub async fn category_page(
        &self,
        slug: &str,
        browse: &Browse,
    ) -> Result<CategoryPage, CoreError> {
        let all = self.categories().await?;
        let category = all
            .iter()
            .find(|c| c.slug == slug)
            .cloned()
            .ok_or(CoreError::NotFound)?;
        let ids = descendants(&all, category.id);
        let products = self.catalog_store.browse(&ids, browse, PAGE_SIZE).await?;
        let asked = COUNT_CAP + 1;
        let counts: HashMap<CategoryId, u32> = self
            .catalog_store
            .count_listed(&ids, &browse.filters, asked)
            .await?
            .into_iter()
            .collect();
        let in_stock = if browse.filters.in_stock {
            SearchTotal::sum(counts.values().copied(), asked)
        } else {
            let stocked = Filters {
                in_stock: true,
                ..browse.filters.clone()
            };
            let found = self
                .catalog_store
                .count_listed(&ids, &stocked, asked)
                .await?;
            SearchTotal::sum(found.into_iter().map(|(_, n)| n), asked)
        };
        let mut by_value: Vec<(OptionValue, Vec<u32>)> = Vec::new();
        for (_, value, n) in self
            .catalog_store
            .option_counts(&ids, &browse.filters, OPTION_VALUES, asked)
            .await?
        {
            match by_value.iter_mut().find(|(v, _)| *v == value) {
                Some((_, counts)) => counts.push(n),
                None => by_value.push((value, vec![n])),
            }
        }
        let options = by_value
            .into_iter()
            .map(|(v, counts)| (v, SearchTotal::sum(counts, asked)))
            .filter(|(v, total)| total.count() > 0 || browse.filters.option.as_ref() == Some(v))
            .collect();
        let total_of = |id: CategoryId| {
            let under = descendants(&all, id);
            SearchTotal::sum(under.iter().filter_map(|c| counts.get(c).copied()), asked)
        };
        Ok(CategoryPage {
            path: path_to(&all, category.id),
            children: all
                .iter()
                .filter(|c| c.parent_id == Some(category.id))
                .map(|c| (c.clone(), total_of(c.id)))
                .collect(),
            total: total_of(category.id),
            in_stock,
            options,
            category,
            products,
        })
    }

    pub async fn product_page(&self, id: ProductId) -> Result<ProductPage, CoreError> {
        let product = match self.base.caches.products.get(&id) {
            Some(p) => (*p).clone(),
            None => {
                let p = self
                    .catalog_store
                    .product(id)
                    .await?
                    .ok_or(CoreError::NotFound)?;
                self.base
                    .caches
                    .products
                    .put(id, std::sync::Arc::new(p.clone()));
                p
            }
        };
        let all = self.categories().await?;
        let skus: Vec<_> = product.skus.iter().map(|s| (s.id, s.price)).collect();
        Ok(ProductPage {
            path: path_to(&all, product.category_id),
            rules: self.rules_of(&skus).await?,
            at: self.base.clock.now(),
            product,
        })
    }

    /// One page of a search in `sort`'s order (おすすめ: relevance) through `filters`; `page`
    /// starts at 1 and is clamped to the pages offered. Other orders and filters arrange the best
    /// [`SEARCH_ARRANGED`] matches (ADR 031).
    pub async fn search(
        &self,
        raw_query: &str,
        sort: Sort,
        filters: &Filters,
        page: u32,
    ) -> Result<Option<SearchResults>, CoreError> {
        let Some(query) = SearchQuery::parse(raw_query) else {
            return Ok(None);
        };
        let synonyms = Synonyms::from_lines(&self.settings().await?.search_synonyms);
        let query = query.with_synonyms(&synonyms);
        let page = page.clamp(1, SEARCH_MAX_PAGES);
        let window = ((page - 1) * SEARCH_PAGE_SIZE, SEARCH_PAGE_SIZE + 1);
        let found = if sort == Sort::Recommended && !filters.any() {
            self.catalog_store
                .search(&query, window.0, window.1)
                .await?
        } else {
            let candidates = SEARCH_ARRANGED + 1;
            self.catalog_store
                .search_arranged(&query, sort, filters, window, candidates)
                .await?
        };
        let mut products = found.products;
        let has_next = products.len() > SEARCH_PAGE_SIZE as usize && page < SEARCH_MAX_PAGES;
        products.truncate(SEARCH_PAGE_SIZE as usize);
        Ok(Some(SearchResults {
            products,
            page,
            has_next,
            total: found.total,
        }))
    }

    /// The search box's suggestions for what has been typed so far: up to
    /// [`SUGGESTIONS`] product names, best first (none for an empty query).
    pub async fn suggest(&self, raw_query: &str) -> Result<Vec<String>, CoreError> {
        let Some(query) = SearchQuery::parse(raw_query) else {
            return Ok(Vec::new());
        };
        let synonyms = Synonyms::from_lines(&self.settings().await?.search_synonyms);
        Ok(self
            .catalog_store
            .suggest(&query.with_synonyms(&synonyms), SUGGESTIONS)
            .await?)
    }

    /// The first few products (oldest first) of each top-level category for the home page.
    pub async fn featured(
        &self,
        per_category: u32,
    ) -> Result<Vec<(Category, Vec<ProductSummary>)>, CoreError> {
        let all = self.categories().await?;
        let mut out = Vec::new();
        for top in all.iter().filter(|c| c.parent_id.is_none()) {
            let ids = descendants(&all, top.id);
            let page = self
                .catalog_store
                .products_in_categories(&ids, None, per_category)
                .await?;
            out.push((top.clone(), page.items));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cat(id: i64, parent: Option<i64>) -> Category {
        Category {
            id: CategoryId(id),
            parent_id: parent.map(CategoryId),
            slug: format!("c{id}"),
            name: format!("c{id}"),
            position: id,
        }
    }

    #[test]
    fn descendants_and_paths_follow_the_tree() {
        let all = vec![cat(1, None), cat(2, Some(1)), cat(3, Some(2)), cat(4, None)];
        assert_eq!(
            descendants(&all, CategoryId(1)),
            vec![CategoryId(1), CategoryId(2), CategoryId(3)]
        );
        let path: Vec<i64> = path_to(&all, CategoryId(3))
            .iter()
            .map(|c| c.id.0)
            .collect();
        assert_eq!(path, vec![1, 2, 3]);
    }

    #[test]
    fn a_cycle_in_stored_categories_does_not_loop_forever() {
        let all = vec![cat(1, Some(2)), cat(2, Some(1))];
        assert_eq!(path_to(&all, CategoryId(1)).len(), 2);
    }
}
