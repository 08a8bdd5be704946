//! Contract cases: invoice orders are billed to their company within its credit limit, checked
//! in the order's transaction; a period's orders go on one statement once; payments received
//! settle it and free the limit; reminders are taken once a week (ADR 050).

use super::*;
use crate::fulfilment::OrderStep;
use crate::receivables::{NewStatement, StatementPayment};
use akinai_domain::ids::{CompanyId, CustomerId};
use akinai_domain::receivables::{CreditTerms, PaymentTerms};

async fn company_with_limit(s: &dyn Store, limit: i64) -> (CustomerId, CompanyId) {
    let (buyer, company) =
        super::company_members::approved(s, "buyer@example.jp", "株式会社あきない").await;
    let terms = CreditTerms {
        terms: PaymentTerms::default(),
        credit_limit: Some(Yen(limit)),
    };
    assert!(s.set_company_terms(company, &terms).await.unwrap());
    (buyer, company)
}

pub(super) async fn invoice_orders_stay_within_the_limit_and_are_billed_once(
    store: Arc<dyn Store>,
) {
    let s = store.as_ref();
    let (_, ids) = seed(s, &[("A", "", 10_000, 100)]).await;
    let sku = ids[0].1;
    let (buyer, company) = company_with_limit(s, 50_000).await;
    let invoice_order = |n: u64, qty: u32| async move {
        let mut o = new_order(s, n, &[(sku, qty)]).await;
        o.customer_id = Some(buyer);
        o.details.payment_method = PaymentMethod::Invoice;
        o.billed_to = Some(company);
        o
    };
    // 2 × ¥10,000 + ¥800 shipping = ¥20,800, twice: ¥41,600 owed.
    let first = s.place_order(&invoice_order(1, 2).await).await.unwrap().id;
    let second = s.place_order(&invoice_order(2, 2).await).await.unwrap().id;
    assert_eq!(s.outstanding(company).await.unwrap(), Yen(41_600));
    // Invoice orders have no payment row of their own (paid per statement).
    assert_eq!(s.payment_of_order(first).await.unwrap(), None);

    // A third would take it to ¥62,400: refused, nothing written (stock, order).
    let third = invoice_order(3, 2).await;
    match s.place_order(&third).await {
        Err(PlaceOrderError::OverCreditLimit { available }) => {
            assert_eq!(available, Yen(8_400))
        }
        other => panic!("expected over the limit, got {other:?}"),
    }
    assert_eq!(stock_of(s, sku).await, 96);
    assert_eq!(
        s.cart_by_token(&token(3)).await.unwrap().unwrap().order_id,
        None
    );

    // A cancelled order frees its share.
    assert!(s
        .step_order(&OrderStep {
            order: second,
            from: OrderStatus::Placed,
            to: OrderStatus::Cancelled,
            at: t0(),
            actor: "admin:1".into(),
            shipment: None,
            note: None,
            require_review_cleared: false,
            release_stock: true,
            mail: None,
            payment: None,
        })
        .await
        .unwrap());
    assert_eq!(s.outstanding(company).await.unwrap(), Yen(20_800));

    // The statement collects the uncancelled orders placed before the end of the period.
    let before = t0() + Duration::days(1);
    let billable = s.billable_orders(company, before).await.unwrap();
    assert_eq!(billable.len(), 1);
    assert_eq!(billable[0].id, first);
    assert_eq!(
        billable[0].rates,
        vec![(TaxCategory::Standard, Yen(20_800))]
    );
    assert!(s.billable_orders(company, t0()).await.unwrap().is_empty());
    let period_to = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
    let statement = |orders: Vec<_>| NewStatement {
        company,
        period_from: NaiveDate::from_ymd_opt(2026, 11, 1).unwrap(),
        period_to,
        due_on: NaiveDate::from_ymd_opt(2026, 12, 31).unwrap(),
        total: Yen(20_800),
        content: "{}".into(),
        issued_at: before,
        issued_by: "system".into(),
        orders,
    };
    // An order already cancelled cannot be put on a statement: nothing is written.
    assert_eq!(
        s.issue_statement(&statement(vec![first, second]))
            .await
            .unwrap(),
        None
    );
    assert!(s.statements(Some(company), 10).await.unwrap().is_empty());
    let id = s
        .issue_statement(&statement(vec![first]))
        .await
        .unwrap()
        .unwrap();
    // Once per company and closing day, and an order on one statement only.
    assert_eq!(
        s.issue_statement(&statement(vec![first])).await.unwrap(),
        None
    );
    assert!(s.billable_orders(company, before).await.unwrap().is_empty());
    assert_eq!(s.outstanding(company).await.unwrap(), Yen(20_800));
    let kept = s.statement(id).await.unwrap().unwrap();
    assert_eq!(
        (kept.company, kept.total, kept.received, kept.paid_at),
        (company, Yen(20_800), Yen::ZERO, None)
    );
    assert_eq!(kept.company_name, "株式会社あきない 購買部");
    assert_eq!(kept.period_to, period_to);

    // Reminded once a week at most.
    let week_later = before + Duration::days(7);
    assert!(s.mark_reminded(id, week_later, before).await.unwrap());
    assert!(!s
        .mark_reminded(id, week_later + Duration::hours(1), before)
        .await
        .unwrap());

    // Paid in two parts: open after the first, paid after the second; the limit is free again.
    let pay = |amount: i64| StatementPayment {
        received_on: NaiveDate::from_ymd_opt(2026, 12, 20).unwrap(),
        amount: Yen(amount),
        note: "カ)アキナイ".into(),
        recorded_by: "admin:1".into(),
        recorded_at: week_later,
    };
    assert_eq!(
        s.record_statement_payment(id, &pay(800)).await.unwrap(),
        Some(Yen(800))
    );
    assert_eq!(s.statement(id).await.unwrap().unwrap().paid_at, None);
    assert_eq!(s.outstanding(company).await.unwrap(), Yen(20_000));
    assert_eq!(
        s.record_statement_payment(id, &pay(20_000)).await.unwrap(),
        Some(Yen(20_800))
    );
    assert!(s.statement(id).await.unwrap().unwrap().paid_at.is_some());
    assert_eq!(s.outstanding(company).await.unwrap(), Yen::ZERO);
    assert_eq!(s.statement_payments(id).await.unwrap().len(), 2);
    assert_eq!(
        s.record_statement_payment(akinai_domain::ids::StatementId(id.0 + 99), &pay(1))
            .await
            .unwrap(),
        None
    );
    // A paid statement is not reminded.
    assert!(!s
        .mark_reminded(id, week_later + Duration::days(30), week_later)
        .await
        .unwrap());

    // Without a limit (invoice payment withdrawn) an invoice order is refused.
    let withdrawn = CreditTerms {
        terms: PaymentTerms::default(),
        credit_limit: None,
    };
    assert!(s.set_company_terms(company, &withdrawn).await.unwrap());
    assert!(matches!(
        s.place_order(&invoice_order(4, 1).await).await,
        Err(PlaceOrderError::OverCreditLimit { available }) if available == Yen::ZERO
    ));
}

/// Twenty buyers of one company order ¥3,800 by invoice at once against a ¥20,000 limit: five
/// fit, the others are refused, and what the company owes never passes the limit.
pub(super) async fn racing_invoice_orders_never_pass_the_credit_limit(store: Arc<dyn Store>) {
    let (_, ids) = seed(store.as_ref(), &[("福袋", "", 3000, 100)]).await;
    let (buyer, company) = company_with_limit(store.as_ref(), 20_000).await;
    let mut orders = Vec::new();
    for n in 0..20 {
        let mut o = new_order(store.as_ref(), 200 + n, &[(ids[0].1, 1)]).await;
        o.customer_id = Some(buyer);
        o.details.payment_method = PaymentMethod::Invoice;
        o.billed_to = Some(company);
        orders.push(o);
    }
    let refused = |e: &PlaceOrderError| matches!(e, PlaceOrderError::OverCreditLimit { .. });
    assert_eq!(race(&store, orders, refused).await, (5, 15));
    assert_eq!(store.outstanding(company).await.unwrap(), Yen(19_000));
    assert_eq!(stock_of(store.as_ref(), ids[0].1).await, 95);
}
