//! Catalog vocabulary: categories, products, SKUs and quantities.

use serde::{Deserialize, Serialize};

use crate::ids::{CategoryId, ProductId, SkuId};
use crate::rich_text::SafeHtml;
use crate::tax::TaxCategory;
use crate::Yen;

/// Most units of one SKU a cart line may hold.
pub const MAX_LINE_QUANTITY: u32 = 999;

/// A quantity of one SKU in a cart or order: 1 to [`MAX_LINE_QUANTITY`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Quantity(u32);

/// Why a quantity was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum QuantityError {
    #[error("quantity must be a whole number")]
    NotANumber,
    #[error("quantity must be at least 1")]
    TooSmall,
    #[error("quantity must be at most {MAX_LINE_QUANTITY}")]
    TooLarge,
}

impl Quantity {
    pub fn new(n: i64) -> Result<Quantity, QuantityError> {
        if n < 1 {
            Err(QuantityError::TooSmall)
        } else if n > i64::from(MAX_LINE_QUANTITY) {
            Err(QuantityError::TooLarge)
        } else {
            u32::try_from(n)
                .map(Quantity)
                .map_err(|_| QuantityError::TooLarge)
        }
    }

    /// Parses form input (after NFKC, so `３` is 3).
    pub fn parse(input: &str) -> Result<Quantity, QuantityError> {
        use unicode_normalization::UnicodeNormalization;
        let s: String = input.nfkc().collect();
        let s = s.trim();
        if s.is_empty()
            || !s
                .bytes()
                .enumerate()
                .all(|(i, b)| b.is_ascii_digit() || (i == 0 && b == b'-'))
        {
            return Err(QuantityError::NotANumber);
        }
        match s.parse::<i64>() {
            Ok(n) => Quantity::new(n),
            // All digits but too many of them: a huge number.
            Err(_) if s.starts_with('-') => Err(QuantityError::TooSmall),
            Err(_) => Err(QuantityError::TooLarge),
        }
    }

    pub fn get(self) -> u32 {
        self.0
    }
}

/// A node of the category tree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Category {
    pub id: CategoryId,
    pub parent_id: Option<CategoryId>,
    pub slug: String,
    pub name: String,
    pub position: i64,
}

/// What a product list shows of a product.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductSummary {
    pub id: ProductId,
    pub name: String,
    /// Lowest tax-inclusive SKU price.
    pub price_from: Yen,
    /// Whether the SKUs have different prices ("¥1,000〜").
    pub price_varies: bool,
    pub tax_category: TaxCategory,
    pub in_stock: bool,
    /// A hue for the image placeholder, derived from the product.
    pub image_hue: u16,
    /// The name of its first uploaded image, if any.
    pub image: Option<String>,
}

/// A whole number as typed into an admin form — full-width digits and signs (after NFKC, as
/// [`Quantity::parse`]), a leading `+` or `-` (also `−`, `ー`), thousands commas — within
/// `range`; `None` otherwise.
pub fn parse_whole(input: &str, range: std::ops::RangeInclusive<i64>) -> Option<i64> {
    use unicode_normalization::UnicodeNormalization;
    let ascii: String = input
        .nfkc()
        .map(|c| if matches!(c, '−' | 'ー') { '-' } else { c })
        .filter(|c| *c != ',')
        .collect();
    ascii
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|n| range.contains(n))
}

/// A placeholder hue derived from the name, so a product without photos still looks its own.
pub fn hue_of(name: &str) -> u16 {
    let h = name
        .bytes()
        .fold(7u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)));
    u16::try_from(h % 360).unwrap_or(0)
}

/// One purchasable variant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sku {
    pub id: SkuId,
    pub product_id: ProductId,
    pub code: String,
    /// e.g. "M / 黒"; empty for a product without options.
    pub option_label: String,
    /// Tax-inclusive unit price.
    pub price: Yen,
    pub stock: i64,
}

/// A product with everything its page shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Product {
    pub id: ProductId,
    pub category_id: CategoryId,
    pub name: String,
    pub description: SafeHtml,
    pub tax_category: TaxCategory,
    pub image_hue: u16,
    /// The name of its first uploaded image (served at `/media/{name}`), if any.
    pub image: Option<String>,
    pub skus: Vec<Sku>,
}

/// A product to be created (demo seed now, admin later).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewProduct {
    pub category_id: CategoryId,
    pub name: String,
    pub description: SafeHtml,
    pub tax_category: TaxCategory,
    pub image_hue: u16,
    /// Whether the storefront shows it from the start.
    pub published: bool,
    pub skus: Vec<NewSku>,
}

/// A SKU to be created with its product.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSku {
    pub code: String,
    pub option_label: String,
    pub price: Yen,
    pub stock: i64,
}

/// A SKU as the cart needs it: price, tax and stock with the product's name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkuForSale {
    pub sku_id: SkuId,
    pub product_id: ProductId,
    pub product_name: String,
    pub option_label: String,
    pub code: String,
    pub price: Yen,
    pub tax_category: TaxCategory,
    pub stock: i64,
}

/// Where the next page of a product list starts (keyset pagination on `(name, id)` is unstable
/// for Japanese collation, so lists are ordered by `(position, id)`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageCursor {
    pub after_id: ProductId,
}

/// Whether category `id` may be placed under `parent`: not under itself and not under one of
/// its own descendants, so the category tree stays a tree (a cycle would hide its categories
/// from the storefront's menu and make the path to them endless).
pub fn may_place_under(all: &[Category], id: CategoryId, parent: CategoryId) -> bool {
    let mut next = Some(parent);
    // Each step goes one level up; more steps than categories would mean a cycle already.
    for _ in 0..=all.len() {
        match next {
            None => return true,
            Some(current) if current == id => return false,
            Some(current) => match all.iter().find(|c| c.id == current) {
                Some(c) => next = c.parent_id,
                None => return false,
            },
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_category_is_never_placed_under_itself_or_below_itself() {
        let cat = |id: i64, parent: Option<i64>| Category {
            id: CategoryId(id),
            parent_id: parent.map(CategoryId),
            slug: format!("c{id}"),
            name: format!("c{id}"),
            position: id,
        };
        // 1 ─ 2 ─ 3, and 4 on its own.
        let all = [cat(1, None), cat(2, Some(1)), cat(3, Some(2)), cat(4, None)];
        assert!(may_place_under(&all, CategoryId(4), CategoryId(3)));
        assert!(may_place_under(&all, CategoryId(3), CategoryId(1)));
        assert!(!may_place_under(&all, CategoryId(1), CategoryId(1)));
        assert!(!may_place_under(&all, CategoryId(1), CategoryId(3)));
        assert!(
            !may_place_under(&all, CategoryId(4), CategoryId(99)),
            "no such parent"
        );
    }

    #[test]
    fn whole_numbers_are_read_as_typed_within_their_range() {
        assert_eq!(parse_whole("+20", -10..=100), Some(20));
        assert_eq!(parse_whole("－３", -10..=100), Some(-3));
        assert_eq!(parse_whole("1,980", 0..=10_000), Some(1980));
        assert_eq!(parse_whole("１９８０", 0..=10_000), Some(1980));
        assert_eq!(parse_whole("101", -10..=100), None);
        assert_eq!(parse_whole("1e3", 0..=10_000), None);
        assert_eq!(parse_whole("", 0..=10), None);
    }

    #[test]
    fn quantities_are_bounded_whole_numbers() {
        assert_eq!(Quantity::parse("3").unwrap().get(), 3);
        assert_eq!(Quantity::parse("３").unwrap().get(), 3);
        assert_eq!(Quantity::parse("0"), Err(QuantityError::TooSmall));
        assert_eq!(Quantity::parse("-2"), Err(QuantityError::TooSmall));
        assert_eq!(Quantity::parse("1000"), Err(QuantityError::TooLarge));
        assert_eq!(
            Quantity::parse("99999999999999999999999"),
            Err(QuantityError::TooLarge)
        );
        assert_eq!(
            Quantity::parse("-99999999999999999999999"),
            Err(QuantityError::TooSmall)
        );
        assert_eq!(Quantity::parse("1.5"), Err(QuantityError::NotANumber));
        assert_eq!(Quantity::parse(""), Err(QuantityError::NotANumber));
        assert_eq!(Quantity::parse("1e3"), Err(QuantityError::NotANumber));
    }
}
