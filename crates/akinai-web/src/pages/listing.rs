//! What category and search pages share for browsing (ADR 031): the query string that carries
//! the order, filters and position, and the sort links and filter form drawn from it — plain
//! links and a GET form, so a listing works without JavaScript and every state has its address.

use serde::Deserialize;

use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};

use akinai_domain::browse::{parse_price, Browse, Filters, OptionValue, Position, Sort};
use akinai_domain::money::Yen;
use akinai_domain::search::SearchTotal;

use crate::error::WebError;

/// A listing's query: order, filters and position, all optional.
#[derive(Deserialize, Default)]
pub struct ListingQuery {
    sort: Option<String>,
    stock: Option<String>,
    min: Option<String>,
    max: Option<String>,
    opt: Option<String>,
    after: Option<String>,
}

impl ListingQuery {
    /// The listing asked for, and whether a price bound had to be left out. An unknown sort is
    /// the default one; a malformed position is refused.
    pub fn browse(&self) -> Result<(Browse, bool), WebError> {
        let after = match self.after.as_deref() {
            None | Some("") => None,
            Some(s) => {
                Some(Position::parse(s).ok_or(WebError::BadRequest("errorpage.bad_cursor"))?)
            }
        };
        let mut bad_price = false;
        let mut price = |raw: &Option<String>| match parse_price(raw.as_deref().unwrap_or_default())
        {
            Ok(v) => v,
            Err(_) => {
                bad_price = true;
                None
            }
        };
        let filters = Filters {
            in_stock: self.stock.as_deref().is_some_and(|s| !s.is_empty()),
            price_min: price(&self.min),
            price_max: price(&self.max),
            option: self.opt.as_deref().and_then(OptionValue::parse),
        };
        let sort = self
            .sort
            .as_deref()
            .and_then(Sort::parse)
            .unwrap_or_default();
        Ok((
            Browse {
                sort,
                filters,
                after,
            },
            bad_price,
        ))
    }
}

/// The query string (with its `?`) that asks for `browse`; empty for the default listing.
pub fn listing_query(browse: &Browse) -> String {
    let parts = query_parts(browse);
    if parts.is_empty() {
        String::new()
    } else {
        format!("?{}", parts.join("&"))
    }
}

fn query_parts(browse: &Browse) -> Vec<String> {
    let mut parts: Vec<String> = Vec::new();
    if browse.sort != Sort::default() {
        parts.push(format!("sort={}", browse.sort.as_str()));
    }
    let f = &browse.filters;
    if f.in_stock {
        parts.push("stock=1".into());
    }
    if let Some(min) = f.price_min {
        parts.push(format!("min={}", min.0));
    }
    if let Some(max) = f.price_max {
        parts.push(format!("max={}", max.0));
    }
    if let Some(option) = &f.option {
        let value = utf8_percent_encode(option.as_str(), NON_ALPHANUMERIC);
        parts.push(format!("opt={value}"));
    }
    if let Some(after) = browse.after {
        parts.push(format!("after={}", after.as_param()));
    }
    parts
}

fn sort_label(sort: Sort) -> &'static str {
    match sort {
        Sort::Recommended => "category.sort_recommended",
        Sort::Newest => "category.sort_new",
        Sort::PriceLow => "category.sort_price_asc",
        Sort::PriceHigh => "category.sort_price_desc",
        Sort::BestSelling => "category.sort_popular",
    }
}

/// The sort links and filter form of a listing (`_listing_tools.html`).
pub struct ListingTools {
    /// The listing's address without order or filters (`/category/tea`, `/search?q=…`).
    pub base: String,
    /// Fields the filter form carries besides the filters (the search words).
    pub hidden: Vec<(&'static str, String)>,
    pub browse: Browse,
    /// A price bound that was not a number (left out of the filters).
    pub bad_price: bool,
    /// How many products 在庫ありのみ would leave, where it is counted.
    pub in_stock: Option<SearchTotal>,
    /// The option values offered, each with how many products it would leave.
    pub options: Vec<(OptionValue, SearchTotal)>,
}

impl ListingTools {
    pub fn new(base: String, browse: Browse, bad_price: bool) -> ListingTools {
        ListingTools {
            base,
            hidden: Vec::new(),
            browse,
            bad_price,
            in_stock: None,
            options: Vec::new(),
        }
    }

    /// Whether `value` is the option chosen.
    pub fn chosen(&self, value: &OptionValue) -> bool {
        self.browse.filters.option.as_ref() == Some(value)
    }

    /// The address of `browse` on this listing, with `extra` query parts after it.
    pub fn link(&self, browse: &Browse, extra: &[String]) -> String {
        let mut parts = query_parts(browse);
        parts.extend(extra.iter().cloned());
        if parts.is_empty() {
            return self.base.clone();
        }
        let joiner = if self.base.contains('?') { '&' } else { '?' };
        format!("{}{joiner}{}", self.base, parts.join("&"))
    }

    /// The sort links: address, message key, whether it is the current order.
    pub fn sorts(&self) -> Vec<(String, &'static str, bool)> {
        Sort::ALL
            .into_iter()
            .map(|s| {
                let browse = Browse {
                    sort: s,
                    after: None,
                    filters: self.browse.filters.clone(),
                };
                (
                    self.link(&browse, &[]),
                    sort_label(s),
                    s == self.browse.sort,
                )
            })
            .collect()
    }

    /// The address that keeps the order and drops the filters.
    pub fn clear_href(&self) -> String {
        self.link(
            &Browse {
                sort: self.browse.sort,
                ..Browse::default()
            },
            &[],
        )
    }

    /// The form's action: the base address without its query (the form sends `hidden`).
    pub fn action(&self) -> &str {
        self.base.split('?').next().unwrap_or_default()
    }

    /// A filter bound as typed back into its field.
    pub fn bound(&self, yen: &Option<Yen>) -> String {
        yen.map(|y| y.0.to_string()).unwrap_or_default()
    }

    /// Whether the form is open: a filter is set or one was refused.
    pub fn open(&self) -> bool {
        self.browse.filters.any() || self.bad_price
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_keep_the_base_query_and_the_state() {
        let browse = Browse {
            sort: Sort::PriceLow,
            filters: Filters {
                in_stock: true,
                price_min: Some(Yen(500)),
                price_max: None,
                option: OptionValue::parse("黒"),
            },
            after: None,
        };
        let search = ListingTools::new("/search?q=%E9%9D%A9".into(), browse.clone(), false);
        assert_eq!(
            search.link(&browse, &["page=2".into()]),
            "/search?q=%E9%9D%A9&sort=price_asc&stock=1&min=500&opt=%E9%BB%92&page=2"
        );
        assert_eq!(search.clear_href(), "/search?q=%E9%9D%A9&sort=price_asc");
        assert_eq!(search.action(), "/search");
        let category = ListingTools::new("/category/tea".into(), browse, false);
        assert_eq!(
            category.link(&Browse::default(), &[]),
            "/category/tea",
            "the default listing has no query"
        );
        let sorts = category.sorts();
        assert_eq!(sorts.len(), 5);
        assert!(sorts.iter().any(|(href, _, current)| *current
            && href == "/category/tea?sort=price_asc&stock=1&min=500&opt=%E9%BB%92"));
    }
}
