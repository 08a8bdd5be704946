use super::*;
use crate::ids::ProductId;
use crate::tax::TaxCategory;

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn line(sku: i64, qty: u32, price: i64, tax: TaxCategory) -> QuoteLine {
    QuoteLine {
        line: PricedLine {
            sku_id: SkuId(sku),
            product_id: ProductId(sku),
            product_name: format!("商品{sku}"),
            option_label: String::new(),
            sku_code: format!("SKU-{sku}"),
            unit_price: Yen(price),
            quantity: qty,
            tax_category: tax,
            line_total: Yen(price * i64::from(qty)),
        },
        list_price: Yen(price + 100),
    }
}

fn quote(status: QuoteStatus, valid_until: Option<NaiveDate>) -> Quote {
    Quote {
        id: QuoteId(12),
        status,
        revision: 1,
        customer: None,
        contact: QuoteContact {
            name: "山田 太郎".into(),
            email: "taro@example.jp".into(),
            phone: "03-1234-5678".into(),
            company: "株式会社あきない".into(),
        },
        request_note: String::new(),
        lines: vec![
            line(1, 10, 1080, TaxCategory::Reduced),
            line(2, 3, 1100, TaxCategory::Standard),
        ],
        shipping_fee: Some(Yen(880)),
        valid_until,
        message: String::new(),
        order_id: None,
        requested_at: chrono::Utc::now(),
        link_nonce: "n".into(),
    }
}

#[test]
fn a_sent_quote_is_open_through_its_last_valid_day_then_expired() {
    let q = quote(QuoteStatus::Sent, Some(day("2026-12-31")));
    assert_eq!(q.state(day("2026-12-31")), QuoteState::Open);
    assert_eq!(q.state(day("2027-01-01")), QuoteState::Expired);
    assert_eq!(
        quote(QuoteStatus::Requested, None).state(day("2026-12-01")),
        QuoteState::Requested
    );
    assert_eq!(
        quote(QuoteStatus::Ordered, Some(day("2026-12-31"))).state(day("2026-12-01")),
        QuoteState::Ordered
    );
    assert_eq!(q.number(), "Q-00000012");
    assert_eq!(q.contact.addressee(), "株式会社あきない 山田 太郎");
}

#[test]
fn a_cart_matches_a_quote_only_with_exactly_its_lines() {
    let q = quote(QuoteStatus::Sent, None);
    assert!(q.matches(&[(SkuId(2), 3), (SkuId(1), 10)]));
    assert!(!q.matches(&[(SkuId(1), 10)]));
    assert!(!q.matches(&[(SkuId(1), 11), (SkuId(2), 3)]));
    assert!(!q.matches(&[(SkuId(1), 10), (SkuId(2), 3), (SkuId(3), 1)]));
    assert_eq!(q.unit_price(SkuId(2)), Some(Yen(1100)));
}

#[test]
fn jp_inv_2_a_quotes_tax_is_computed_once_per_rate_with_shipping_at_the_standard_rate() {
    let q = quote(QuoteStatus::Sent, None);
    let t = q.totals(RoundingMode::Floor).unwrap();
    // 8 %: 10 × 1,080 = 10,800 → tax 800. 10 %: 3 × 1,100 + 880 shipping = 4,180 → tax 380.
    assert_eq!(t.items_total, Yen(14_100));
    assert_eq!(t.grand_total, Yen(14_980));
    let tax: i64 = t.rates.iter().map(|r| r.tax.0).sum();
    assert_eq!(tax, 800 + 380);
}

#[test]
fn a_request_needs_a_name_an_address_and_a_phone_and_says_every_wrong_field() {
    let typed = QuoteRequestInput {
        name: "".into(),
        email: "not-an-address".into(),
        phone: "abc".into(),
        company: "株式会社あきない".into(),
        note: "x".repeat(NOTE_MAX + 1),
    };
    let errors = typed.parse().unwrap_err();
    let fields: Vec<&str> = errors.iter().map(|e| e.0).collect();
    assert_eq!(fields, ["name", "email", "phone", "note"]);
    let ok = QuoteRequestInput {
        name: "山田 太郎".into(),
        email: "ＴＡＲＯ@example.jp".into(),
        phone: "０３−１２３４−５６７８".into(),
        company: String::new(),
        note: "毎月 100 個ほど\r\n納期は月末希望".into(),
    }
    .parse()
    .unwrap();
    assert_eq!(ok.contact.company, "");
    assert_eq!(ok.note, "毎月 100 個ほど\n納期は月末希望");
}

#[test]
fn an_edit_takes_full_width_numbers_drops_zero_lines_and_refuses_a_past_validity() {
    let today = day("2026-12-07");
    let input = QuoteEditInput {
        lines: vec![
            (SkuId(1), "２０".into(), "９５０円".into()),
            (SkuId(2), "0".into(), "1,100".into()),
        ],
        shipping_fee: "0".into(),
        valid_until: "2026/12/31".into(),
        message: "送料はサービスいたします。".into(),
    };
    let edit = input.parse(&[SkuId(1), SkuId(2)], today).unwrap();
    assert_eq!(edit.lines, vec![(SkuId(1), 20, Yen(950))]);
    assert_eq!(edit.valid_until, day("2026-12-31"));

    let bad = QuoteEditInput {
        lines: vec![(SkuId(1), "-1".into(), "abc".into())],
        shipping_fee: "".into(),
        valid_until: "2026-12-06".into(),
        message: String::new(),
    };
    let fields: Vec<&str> = bad
        .parse(&[SkuId(1)], today)
        .unwrap_err()
        .iter()
        .map(|e| e.0)
        .collect();
    assert_eq!(fields, ["quantity", "shipping_fee", "valid_until"]);

    let none_left = QuoteEditInput {
        lines: vec![(SkuId(1), "0".into(), "100".into())],
        shipping_fee: "0".into(),
        valid_until: "2026-12-31".into(),
        message: String::new(),
    };
    assert_eq!(
        none_left.parse(&[SkuId(1)], today).unwrap_err(),
        vec![("lines", FieldError::Required)]
    );
}
