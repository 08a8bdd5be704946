//! Quick order: reading pasted text and planning the cart lines.

use proptest::prelude::*;

use super::*;
use crate::ids::ProductId;
use crate::tax::TaxCategory;
use crate::Yen;

fn sku(id: i64, code: &str, stock: i64) -> SkuForSale {
    SkuForSale {
        sku_id: SkuId(id),
        product_id: ProductId(id),
        product_name: format!("商品{id}"),
        option_label: String::new(),
        code: code.into(),
        price: Yen(1000),
        tax_category: TaxCategory::Standard,
        stock,
    }
}

fn catalog(skus: &[SkuForSale]) -> HashMap<String, SkuForSale> {
    skus.iter().map(|s| (s.code.clone(), s.clone())).collect()
}

#[test]
fn excel_csv_spaces_full_width_and_a_header_are_read() {
    let text = "商品コード\t数量\nTEA-01\t3\n\n\"TEA-02\",\"12\"\nＴＥＡ－０３　５\nTEA-04\n";
    let entries = parse(text).unwrap();
    let got: Vec<(usize, &str, &str)> = entries
        .iter()
        .map(|e| (e.line, e.code.as_str(), e.quantity.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            (2, "TEA-01", "3"),
            (4, "TEA-02", "12"),
            (5, "TEA-03", "5"),
            (6, "TEA-04", "1")
        ]
    );
}

#[test]
fn more_than_five_thousand_lines_are_refused_with_the_count() {
    let text: String = (0..5_003).map(|i| format!("C{i}\t1\n")).collect();
    assert_eq!(parse(&text), Err(TooManyLines(5_003)));
    let text: String = (0..MAX_LINES).map(|i| format!("C{i}\t1\n")).collect();
    assert_eq!(parse(&text).unwrap().len(), MAX_LINES);
}

#[test]
fn unknown_codes_bad_quantities_and_short_stock_are_reported_per_line() {
    let found = catalog(&[sku(1, "A", 10), sku(2, "B", 5), sku(3, "C", 100)]);
    let in_cart = HashMap::from([(SkuId(2), 2)]);
    let entries = parse("A\t4\nZZZ\t1\nB\t2\nA\t3\nC\tx\nB\t2\nC\t0\n").unwrap();
    let p = plan(&entries, &found, &in_cart);
    assert_eq!(p.planned.len(), 1);
    let a = &p.planned[0];
    assert_eq!(
        (a.sku.code.as_str(), a.quantity.get(), a.adding),
        ("A", 7, 7)
    );
    assert_eq!(a.lines, [1, 4], "repeated codes are added together");
    let refused: Vec<(usize, Problem)> = p
        .refused
        .iter()
        .map(|r| (r.entry.line, r.problem))
        .collect();
    assert_eq!(
        refused,
        [
            (2, Problem::UnknownCode),
            (3, Problem::ShortOfStock { available: 3 }),
            (5, Problem::BadQuantity(QuantityError::NotANumber)),
            (6, Problem::ShortOfStock { available: 3 }),
            (7, Problem::BadQuantity(QuantityError::TooSmall)),
        ],
        "2 in the cart + 2 + 2 > 5: both B lines refused, none bought short"
    );
    assert_eq!(p.refused_text(), "ZZZ\t1\nB\t2\nC\tx\nB\t2\nC\t0\n");
}

proptest! {
    /// Every line is either planned or refused, never both and never lost; nothing planned goes
    /// over the stock or the line limit.
    #[test]
    fn every_line_is_accounted_for(
        lines in prop::collection::vec((0usize..8, 0i64..40), 0..200),
        stocks in prop::collection::vec(0i64..1200, 6),
    ) {
        let skus: Vec<SkuForSale> = stocks.iter().enumerate()
            .map(|(i, s)| sku(i as i64 + 1, &format!("S{i}"), *s)).collect();
        let found = catalog(&skus);
        let text: String = lines.iter().map(|(c, q)| format!("S{c}\t{q}\n")).collect();
        let entries = parse(&text).unwrap();
        let p = plan(&entries, &found, &HashMap::new());
        let mut seen: Vec<usize> = p.planned.iter().flat_map(|x| x.lines.clone())
            .chain(p.refused.iter().map(|r| r.entry.line)).collect();
        seen.sort_unstable();
        prop_assert_eq!(seen, (1..=lines.len()).collect::<Vec<_>>());
        for x in &p.planned {
            prop_assert!(i64::from(x.quantity.get()) <= x.sku.stock);
            prop_assert!(x.quantity.get() <= MAX_LINE_QUANTITY);
        }
    }
}

#[test]
fn quantities_a_sku_is_not_sold_in_are_refused_on_each_of_its_lines() {
    use crate::price_rules::{PriceRules, QuantityRefusal};
    let found = catalog(&[sku(1, "CASE", 100), sku(2, "MIN", 100), sku(3, "ANY", 100)]);
    let entries = parse("CASE 4\nMIN 2\nCASE 3\nANY 1\nMIN 8\n").unwrap();
    let mut p = plan(&entries, &found, &HashMap::new());
    let rules: HashMap<SkuId, PriceRules> = [
        (
            SkuId(1),
            PriceRules {
                multiple: 6,
                ..PriceRules::default()
            },
        ),
        (
            SkuId(2),
            PriceRules {
                min_quantity: 12,
                ..PriceRules::default()
            },
        ),
    ]
    .into_iter()
    .collect();
    refuse_quantities(&mut p, &entries, &rules);
    // CASE 4 + 3 = 7 is no multiple of 6; MIN 2 + 8 = 10 is below 12; ANY has no rules.
    let refused: Vec<(usize, Problem)> = p
        .refused
        .iter()
        .map(|r| (r.entry.line, r.problem))
        .collect();
    assert_eq!(
        refused,
        [
            (1, Problem::QuantityRule(QuantityRefusal::NotAMultiple(6))),
            (2, Problem::QuantityRule(QuantityRefusal::BelowMinimum(12))),
            (3, Problem::QuantityRule(QuantityRefusal::NotAMultiple(6))),
            (5, Problem::QuantityRule(QuantityRefusal::BelowMinimum(12))),
        ]
    );
    let planned: Vec<SkuId> = p.planned.iter().map(|x| x.sku.sku_id).collect();
    assert_eq!(planned, [SkuId(3)]);
}
