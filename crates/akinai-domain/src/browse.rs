//! How a shopper browses a category: the sort orders a listing offers, the filters it takes,
//! and where the next page starts (issue #18 item 2, ADR 031).
//!
//! Every order is a key per product plus the product id as a tie-breaker, so a page ends at a
//! `(key, id)` position and the next one starts strictly after it (keyset pagination): no
//! `OFFSET`, so a deep page costs what the first one does, and a product added meanwhile neither
//! repeats nor hides one. The query string is the whole state — sort, filters, position — so the
//! listing works with plain links and a GET form, without JavaScript, and can be cached.

use crate::money::Yen;

/// The orders a listing offers, as shops name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Sort {
    /// おすすめ: in stock first, then newest.
    #[default]
    Recommended,
    /// 新着順.
    Newest,
    /// 価格の安い順 (lowest variant price).
    PriceLow,
    /// 価格の高い順.
    PriceHigh,
    /// 売れ筋順 (units sold).
    BestSelling,
}

/// Which stored key a sort walks, and in which direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKey {
    /// 1 when any variant is in stock, else 0.
    InStock,
    /// The product id alone (newer products have larger ids).
    Id,
    /// The lowest variant price in yen.
    PriceMin,
    /// Units sold.
    Sold,
}

impl Sort {
    pub const ALL: [Sort; 5] = [
        Sort::Recommended,
        Sort::Newest,
        Sort::PriceLow,
        Sort::PriceHigh,
        Sort::BestSelling,
    ];

    /// The value in the query string (`sort=`).
    pub fn as_str(self) -> &'static str {
        match self {
            Sort::Recommended => "recommended",
            Sort::Newest => "new",
            Sort::PriceLow => "price_asc",
            Sort::PriceHigh => "price_desc",
            Sort::BestSelling => "popular",
        }
    }

    pub fn parse(s: &str) -> Option<Sort> {
        Sort::ALL.into_iter().find(|o| o.as_str() == s)
    }

    /// The key walked and whether larger keys come first (ties: larger ids first, except for
    /// the lowest-price order, where they follow the key's direction too).
    pub fn key(self) -> (SortKey, bool) {
        match self {
            Sort::Recommended => (SortKey::InStock, true),
            Sort::Newest => (SortKey::Id, true),
            Sort::PriceLow => (SortKey::PriceMin, false),
            Sort::PriceHigh => (SortKey::PriceMin, true),
            Sort::BestSelling => (SortKey::Sold, true),
        }
    }

    /// How `a` and `b` (both `(key, id)`) stand in this order.
    pub fn order(self, a: (i64, i64), b: (i64, i64)) -> std::cmp::Ordering {
        if self.key().1 {
            b.cmp(&a)
        } else {
            a.cmp(&b)
        }
    }
}

/// What a shopper narrowed the listing to.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Filters {
    /// Only products with a variant in stock.
    pub in_stock: bool,
    /// Lowest variant price at least this.
    pub price_min: Option<Yen>,
    /// Lowest variant price at most this.
    pub price_max: Option<Yen>,
    /// Only products with a variant of this option value (a size, a colour).
    pub option: Option<OptionValue>,
}

impl Filters {
    /// Whether any filter is set.
    pub fn any(&self) -> bool {
        self.in_stock
            || self.price_min.is_some()
            || self.price_max.is_some()
            || self.option.is_some()
    }

    /// Whether a product with these keys passes the filters (the option filter is not among
    /// the keys: the store applies it when it reads them).
    pub fn admits(&self, k: &Keys) -> bool {
        (!self.in_stock || k.in_stock)
            && self.price_min.is_none_or(|min| k.price_min >= min.0)
            && self.price_max.is_none_or(|max| k.price_min <= max.0)
    }
}

/// One option value of a variant — a part of its label between ` / ` (「M / 黒」 holds 「M」 and
/// 「黒」), trimmed, as the store splits and indexes them for the option filter (migration 0028,
/// ADR 031).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OptionValue(String);

impl OptionValue {
    /// Longest value a filter takes (labels are at most 60 characters).
    pub const MAX_CHARS: usize = 60;

    /// A value as typed or linked: trimmed; `None` when empty, too long or holding a control
    /// character.
    pub fn parse(raw: &str) -> Option<OptionValue> {
        let v = raw.trim();
        (!v.is_empty() && v.chars().count() <= Self::MAX_CHARS && !v.chars().any(char::is_control))
            .then(|| OptionValue(v.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A product's browse keys (the `browse_keys` row), for arranging a bounded set of products in
/// memory — a search's matches, which come in relevance order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Keys {
    pub id: i64,
    pub in_stock: bool,
    pub price_min: i64,
    pub sold: i64,
}

impl Keys {
    /// The key `sort` walks.
    pub fn key(&self, sort: Sort) -> i64 {
        match sort.key().0 {
            SortKey::InStock => i64::from(self.in_stock),
            SortKey::Id => self.id,
            SortKey::PriceMin => self.price_min,
            SortKey::Sold => self.sold,
        }
    }
}

/// The ids of `candidates` (given best match first) that pass `filters`, in `sort`'s order;
/// おすすめ keeps the given order, which for a search is its relevance.
pub fn arrange(sort: Sort, filters: &Filters, candidates: &[Keys]) -> Vec<i64> {
    let mut kept: Vec<&Keys> = candidates.iter().filter(|k| filters.admits(k)).collect();
    if sort != Sort::Recommended {
        kept.sort_by(|a, b| sort.order((a.key(sort), a.id), (b.key(sort), b.id)));
    }
    kept.into_iter().map(|k| k.id).collect()
}

/// One listing request: the order, the filters and where the page starts.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Browse {
    pub sort: Sort,
    pub filters: Filters,
    pub after: Option<Position>,
}

/// Where the next page starts: after the product `id` whose sort key was `key`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Position {
    pub key: i64,
    pub id: i64,
}

impl Position {
    /// `key.id` as it appears in `after=` (never negative: keys are counts, prices and ids).
    pub fn as_param(&self) -> String {
        format!("{}.{}", self.key, self.id)
    }

    /// Parses [`Position::as_param`]; a bare id (the links of earlier versions) starts after
    /// that id with key 0.
    pub fn parse(s: &str) -> Option<Position> {
        let (key, id) = match s.split_once('.') {
            Some((k, i)) => (k.parse().ok()?, i.parse().ok()?),
            None => (0, s.parse().ok()?),
        };
        (key >= 0 && id > 0).then_some(Position { key, id })
    }
}

/// A price bound that is not a whole number of yen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a price bound must be a whole number of yen")]
pub struct NotAPrice;

/// A price typed into the filter form: digits, optionally with `¥`, `円` and commas, full-width
/// allowed; empty means no bound.
pub fn parse_price(raw: &str) -> Result<Option<Yen>, NotAPrice> {
    let digits: String = raw
        .chars()
        .filter_map(|c| match c {
            '0'..='9' => Some(c),
            '０'..='９' => char::from_u32(u32::from(c) - u32::from('０') + u32::from('0')),
            _ => None,
        })
        .collect();
    let rest_ok = raw
        .chars()
        .all(|c| c.is_ascii_digit() || ('０'..='９').contains(&c) || ",，¥￥円 ".contains(c));
    match (digits.is_empty(), rest_ok) {
        (true, true) => Ok(None),
        (false, true) if digits.len() <= 10 => {
            digits.parse().map(|v| Some(Yen(v))).map_err(|_| NotAPrice)
        }
        _ => Err(NotAPrice),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorts_round_trip_through_the_query_string() {
        for s in Sort::ALL {
            assert_eq!(Sort::parse(s.as_str()), Some(s));
        }
        assert_eq!(Sort::parse("price_asc; DROP TABLE"), None);
        assert_eq!(Sort::default(), Sort::Recommended);
    }

    #[test]
    fn order_follows_the_direction_of_the_key() {
        assert!(Sort::PriceLow.order((100, 9), (200, 1)).is_lt());
        assert!(Sort::PriceLow.order((100, 1), (100, 2)).is_lt());
        assert!(Sort::PriceHigh.order((200, 1), (100, 9)).is_lt());
        assert!(Sort::PriceHigh.order((100, 2), (100, 1)).is_lt());
        assert!(Sort::Recommended.order((1, 1), (0, 9)).is_lt());
        assert!(Sort::Newest.order((9, 9), (8, 8)).is_lt());
    }

    fn keys(id: i64, in_stock: bool, price_min: i64, sold: i64) -> Keys {
        Keys {
            id,
            in_stock,
            price_min,
            sold,
        }
    }

    #[test]
    fn arranging_filters_then_sorts_and_recommended_keeps_relevance() {
        let found = [
            keys(5, true, 3000, 1),
            keys(9, false, 1000, 7),
            keys(2, true, 1000, 7),
            keys(7, true, 8000, 0),
        ];
        let none = Filters::default();
        assert_eq!(arrange(Sort::Recommended, &none, &found), [5, 9, 2, 7]);
        assert_eq!(arrange(Sort::Newest, &none, &found), [9, 7, 5, 2]);
        assert_eq!(arrange(Sort::PriceLow, &none, &found), [2, 9, 5, 7]);
        assert_eq!(arrange(Sort::PriceHigh, &none, &found), [7, 5, 9, 2]);
        assert_eq!(arrange(Sort::BestSelling, &none, &found), [9, 2, 5, 7]);
        let narrow = Filters {
            in_stock: true,
            price_min: Some(Yen(1000)),
            price_max: Some(Yen(3000)),
            option: None,
        };
        assert_eq!(arrange(Sort::Recommended, &narrow, &found), [5, 2]);
        assert_eq!(arrange(Sort::PriceLow, &narrow, &found), [2, 5]);
    }

    #[test]
    fn positions_parse_and_refuse_nonsense() {
        let p = Position { key: 1200, id: 35 };
        assert_eq!(Position::parse(&p.as_param()), Some(p));
        assert_eq!(Position::parse("35"), Some(Position { key: 0, id: 35 }));
        for bad in [
            "",
            "x",
            "1.",
            ".5",
            "-1.5",
            "1.-5",
            "1.0",
            "1.2.3",
            "99999999999999999999.1",
        ] {
            assert_eq!(Position::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn option_values_are_trimmed_and_bounded() {
        assert_eq!(OptionValue::parse("  紺 ").unwrap().as_str(), "紺");
        assert_eq!(
            OptionValue::parse("1/2インチ").unwrap().as_str(),
            "1/2インチ"
        );
        assert_eq!(OptionValue::parse("   "), None);
        assert_eq!(OptionValue::parse(&"x".repeat(61)), None);
        assert!(OptionValue::parse(&"x".repeat(60)).is_some());
        assert_eq!(OptionValue::parse("a\u{0}b"), None);
    }

    #[test]
    fn prices_are_read_as_shoppers_type_them() {
        assert_eq!(parse_price(""), Ok(None));
        assert_eq!(parse_price("  "), Ok(None));
        assert_eq!(parse_price("3000"), Ok(Some(Yen(3000))));
        assert_eq!(parse_price("¥3,000"), Ok(Some(Yen(3000))));
        assert_eq!(parse_price("３０００円"), Ok(Some(Yen(3000))));
        assert_eq!(parse_price("-5"), Err(NotAPrice));
        assert_eq!(parse_price("abc"), Err(NotAPrice));
        assert_eq!(parse_price("12345678901"), Err(NotAPrice));
    }
}
