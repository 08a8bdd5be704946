use proptest::prelude::*;

use super::*;

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

#[test]
fn month_end_closing_bills_the_calendar_month_and_is_due_at_the_next_months_end() {
    let terms = PaymentTerms::default();
    assert_eq!(terms.label_ja(), "月末締め翌月末払い");
    let p = terms.period_of(day("2027-02-10")).unwrap();
    assert_eq!((p.first, p.closing), (day("2027-02-01"), day("2027-02-28")));
    assert_eq!(terms.due_date(p.closing), Some(day("2027-03-31")));
    let p = terms.period_of(day("2026-12-31")).unwrap();
    assert_eq!((p.first, p.closing), (day("2026-12-01"), day("2026-12-31")));
    assert_eq!(terms.due_date(p.closing), Some(day("2027-01-31")));
}

#[test]
fn a_twentieth_closing_puts_the_21st_into_the_next_period() {
    let terms = PaymentTerms {
        closing: MonthDay::Day(20),
        months_after: 1,
        pay_day: MonthDay::Day(10),
    };
    assert_eq!(terms.label_ja(), "20日締め翌月10日払い");
    let p = terms.period_of(day("2026-12-20")).unwrap();
    assert_eq!((p.first, p.closing), (day("2026-11-21"), day("2026-12-20")));
    let p = terms.period_of(day("2026-12-21")).unwrap();
    assert_eq!((p.first, p.closing), (day("2026-12-21"), day("2027-01-20")));
    assert_eq!(terms.due_date(p.closing), Some(day("2027-02-10")));
    // 当月 with a pay day before the closing moves to the next month.
    let same = PaymentTerms {
        months_after: 0,
        ..terms
    };
    assert_eq!(same.due_date(day("2027-01-20")), Some(day("2027-02-10")));
}

#[test]
fn month_days_parse_the_ways_staff_type_them() {
    assert_eq!(MonthDay::parse("末"), Some(MonthDay::EndOfMonth));
    assert_eq!(MonthDay::parse("31"), Some(MonthDay::EndOfMonth));
    assert_eq!(MonthDay::parse(" 20 "), Some(MonthDay::Day(20)));
    assert_eq!(MonthDay::parse("29"), None);
    assert_eq!(MonthDay::parse("x"), None);
}

#[test]
fn terms_are_typed_with_full_width_amounts_and_every_wrong_field_is_said() {
    let ok = TermsInput {
        closing: "20".into(),
        months_after: "1".into(),
        pay_day: "末".into(),
        credit_limit: "５００,０００円".into(),
    }
    .parse()
    .unwrap();
    assert_eq!(ok.terms.label_ja(), "20日締め翌月末払い");
    assert_eq!(ok.credit_limit, Some(Yen(500_000)));
    let off = TermsInput {
        closing: "末".into(),
        months_after: "1".into(),
        pay_day: "末".into(),
        credit_limit: String::new(),
    }
    .parse()
    .unwrap();
    assert_eq!(off.credit_limit, None);
    let bad = TermsInput {
        closing: "30".into(),
        months_after: "9".into(),
        pay_day: "x".into(),
        credit_limit: "-1".into(),
    }
    .parse()
    .unwrap_err();
    let fields: Vec<&str> = bad.iter().map(|e| e.0).collect();
    assert_eq!(
        fields,
        ["closing", "pay_day", "months_after", "credit_limit"]
    );
}

#[test]
fn credit_is_refused_past_the_limit_and_without_an_agreement() {
    assert_eq!(
        check_credit(None, Yen::ZERO, Yen(1)),
        Err(CreditRefusal::NotAgreed)
    );
    assert_eq!(
        check_credit(Some(Yen(100_000)), Yen(60_000), Yen(40_000)),
        Ok(())
    );
    assert_eq!(
        check_credit(Some(Yen(100_000)), Yen(60_000), Yen(40_001)),
        Err(CreditRefusal::OverLimit {
            available: Yen(40_000)
        })
    );
    assert_eq!(
        check_credit(Some(Yen(100_000)), Yen(120_000), Yen(1)),
        Err(CreditRefusal::OverLimit { available: Yen(0) })
    );
}

#[test]
fn a_statement_is_paid_open_or_overdue_by_days() {
    let due = day("2027-01-31");
    assert_eq!(
        statement_state(Yen(1000), Yen(1000), due, day("2027-03-01")),
        StatementState::Paid
    );
    assert_eq!(
        statement_state(Yen(1000), Yen(999), due, due),
        StatementState::Open
    );
    assert_eq!(
        statement_state(Yen(1000), Yen(0), due, day("2027-02-03")),
        StatementState::Overdue { days: 3 }
    );
}

#[test]
fn jp_inv_2_a_statement_rounds_each_rates_tax_once_on_its_whole_total() {
    // Three orders of ¥105 at 8 %: rounded per order the tax would be 7 × 3 = ¥21; the statement
    // rounds once on ¥315: ¥23.
    let order = |n: u32, amount: i64| StatementOrder {
        order_number: format!("AK{n:08}"),
        placed_on: day("2026-12-01"),
        rates: vec![(TaxCategory::Reduced, Yen(amount))],
    };
    let orders = [order(1, 105), order(2, 105), order(3, 105)];
    let (rates, total) = statement_totals(&orders, RoundingMode::Floor).unwrap();
    assert_eq!(total, Yen(315));
    assert_eq!(rates.len(), 1);
    assert_eq!(rates[0].tax, Yen(23));
}

#[test]
fn jp_inv_2_a_statement_document_lists_each_order_per_rate_and_totals_once() {
    let settings = crate::settings::ShopSettings::starter("あきない商店");
    let orders = [
        StatementOrder {
            order_number: "AK00000001".into(),
            placed_on: day("2026-11-03"),
            rates: vec![
                (TaxCategory::Standard, Yen(11_000)),
                (TaxCategory::Reduced, Yen(1_080)),
            ],
        },
        StatementOrder {
            order_number: "AK00000002".into(),
            placed_on: day("2026-11-20"),
            rates: vec![(TaxCategory::Reduced, Yen(2_161))],
        },
    ];
    let period = Period {
        first: day("2026-11-01"),
        closing: day("2026-11-30"),
    };
    let doc = statement_document(&StatementFacts {
        settings: &settings,
        addressee: "株式会社あきない 購買部".into(),
        period,
        due_on: day("2026-12-31"),
        issued_on: day("2026-12-01"),
        orders: &orders,
    })
    .unwrap();
    assert_eq!(doc.kind, crate::documents::DocumentKind::Statement);
    assert_eq!(doc.lines.len(), 3);
    assert_eq!(doc.lines[2].name, "2026年11月20日 ご注文 AK00000002");
    assert!(doc.lines[2].reduced);
    assert_eq!(doc.grand_total, Yen(14_241));
    // 8 %: ¥3,241 holds ¥240 (not ¥80 + ¥160 = ¥240 by chance: rounded once on the sum).
    let reduced = doc.rates.iter().find(|r| r.rate_percent == 8).unwrap();
    assert_eq!((reduced.total, reduced.tax), (Yen(3_241), Yen(240)));
    let standard = doc.rates.iter().find(|r| r.rate_percent == 10).unwrap();
    assert_eq!((standard.total, standard.tax), (Yen(11_000), Yen(1_000)));
    assert_eq!(doc.period, Some((period.first, period.closing)));
    assert_eq!(doc.due_on, Some(day("2026-12-31")));
    assert!(doc.remarks.unwrap().contains("お振込先"));
}

proptest! {
    #[test]
    fn every_day_falls_in_exactly_one_period_that_contains_it(
        offset in 0i64..800, closing in 0u8..=28, months_after in 0u8..=2, pay in 0u8..=28,
    ) {
        let to_day = |d: u8| if d == 0 { MonthDay::EndOfMonth } else { MonthDay::Day(d) };
        let terms = PaymentTerms { closing: to_day(closing), months_after, pay_day: to_day(pay) };
        let d = day("2026-01-01") + chrono::Duration::days(offset);
        let p = terms.period_of(d).unwrap();
        prop_assert!(p.first <= d && d <= p.closing);
        // The next day is in this period or starts the next one.
        let next = terms.period_of(d.succ_opt().unwrap()).unwrap();
        prop_assert!(next == p || next.first == p.closing.succ_opt().unwrap());
        prop_assert!(terms.due_date(p.closing).unwrap() >= p.closing);
    }

    #[test]
    fn jp_inv_2_statement_rate_totals_add_up_and_each_tax_is_one_rounding(
        amounts in prop::collection::vec((0u8..3, 0i64..2_000_000), 1..40),
    ) {
        let orders: Vec<StatementOrder> = amounts
            .iter()
            .enumerate()
            .map(|(n, (rate, amount))| StatementOrder {
                order_number: format!("AK{n:08}"),
                placed_on: day("2026-12-01"),
                rates: vec![(TaxCategory::ALL[usize::from(*rate)], Yen(*amount))],
            })
            .collect();
        let (rates, total) = statement_totals(&orders, RoundingMode::Floor).unwrap();
        let sum: i64 = orders.iter().map(|o| o.total().0).sum();
        prop_assert_eq!(total.0, sum);
        prop_assert_eq!(rates.iter().map(|r| r.total.0).sum::<i64>(), sum);
        for r in &rates {
            prop_assert_eq!(r.tax, tax_included_in(r.total, r.rate_percent, RoundingMode::Floor));
        }
    }
}
