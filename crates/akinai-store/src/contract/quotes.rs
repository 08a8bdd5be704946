//! Contract cases: a quote asked for, sent as numbered revisions, filled into a cart and claimed
//! by one order only while it is valid (ADR 049).

use super::*;
use crate::quotes::{NewQuote, QuoteSending};
use akinai_domain::ids::QuoteId;
use akinai_domain::quote::{QuoteContact, QuoteLine, QuoteStatus};

fn contact() -> QuoteContact {
    QuoteContact {
        name: "山田 太郎".into(),
        email: "taro@example.jp".into(),
        phone: "03-1234-5678".into(),
        company: "株式会社あきない".into(),
    }
}

pub(super) async fn quotes_are_sent_as_revisions_and_ordered_once_while_valid(
    store: Arc<dyn Store>,
) {
    let s = store.as_ref();
    let (_, ids) = seed(s, &[("A", "", 1100, 50), ("B", "", 2160, 50)]).await;
    let order = new_order(s, 1, &[(ids[0].1, 10), (ids[1].1, 2)]).await;
    let asked: Vec<QuoteLine> = order
        .lines
        .iter()
        .map(|l| QuoteLine {
            line: l.clone(),
            list_price: l.unit_price,
        })
        .collect();
    let id = s
        .create_quote(&NewQuote {
            token: token(77),
            link_nonce: "n77".into(),
            customer: None,
            contact: contact(),
            note: "毎月 10 個".into(),
            lines: asked.clone(),
            at: t0(),
        })
        .await
        .unwrap();
    let q = s.quote_by_token(&token(77)).await.unwrap().unwrap();
    assert_eq!(
        (q.id, q.status, q.revision),
        (id, QuoteStatus::Requested, 0)
    );
    assert_eq!(q.lines, asked);
    assert_eq!(q.contact, contact());
    assert_eq!(s.quote_by_token(&token(78)).await.unwrap(), None);

    // Sent at 1,000 yen a unit for A and without B, then revised.
    let mut cheaper = asked[0].clone();
    cheaper.line.unit_price = Yen(1000);
    cheaper.line.line_total = Yen(10_000);
    let valid = NaiveDate::from_ymd_opt(2026, 12, 31).unwrap();
    let sending = |lines: Vec<QuoteLine>, fee: i64| QuoteSending {
        lines,
        shipping_fee: Yen(fee),
        valid_until: valid,
        message: "よろしくお願いいたします。".into(),
        content: format!("{{\"fee\":{fee}}}"),
        by: "owner@example.jp".into(),
        at: t0(),
    };
    assert_eq!(
        s.send_quote(id, &sending(vec![cheaper.clone()], 0))
            .await
            .unwrap(),
        Some(1)
    );
    assert_eq!(
        s.send_quote(id, &sending(vec![cheaper.clone()], 500))
            .await
            .unwrap(),
        Some(2)
    );
    let q = s.quote(id).await.unwrap().unwrap();
    assert_eq!((q.status, q.revision), (QuoteStatus::Sent, 2));
    assert_eq!(q.lines, vec![cheaper.clone()]);
    assert_eq!(
        (q.shipping_fee, q.valid_until),
        (Some(Yen(500)), Some(valid))
    );
    let revisions = s.quote_revisions(id).await.unwrap();
    let kept: Vec<(u32, &str)> = revisions
        .iter()
        .map(|r| (r.revision, r.content.as_str()))
        .collect();
    assert_eq!(kept, [(2, "{\"fee\":500}"), (1, "{\"fee\":0}")]);
    assert_eq!(s.quotes(10).await.unwrap().len(), 1);

    // The cart is filled with the quote's lines only.
    s.fill_cart_from_quote(
        order.cart_id,
        id,
        &[(ids[0].1, Quantity::new(10).unwrap())],
        t0(),
    )
    .await
    .unwrap();
    let cart = s.cart_by_token(&token(1)).await.unwrap().unwrap();
    assert_eq!(cart.quote, Some(id));
    let lines: Vec<(SkuId, u32)> = s
        .cart_lines(order.cart_id)
        .await
        .unwrap()
        .into_iter()
        .map(|(s, q)| (s, q.get()))
        .collect();
    assert_eq!(lines, [(ids[0].1, 10)]);

    // Past its last valid day the claim fails and nothing is written.
    let mut late = order.clone();
    late.quote = Some(id);
    late.quote_day = "2027-01-01".into();
    assert!(matches!(
        s.place_order(&late).await,
        Err(PlaceOrderError::QuoteClosed)
    ));
    assert_eq!(
        s.cart_by_token(&token(1)).await.unwrap().unwrap().order_id,
        None
    );
    assert_eq!(s.skus_for_sale(&[ids[0].1]).await.unwrap()[0].stock, 50);

    // On its last day it is ordered, once.
    let mut placed = order.clone();
    placed.quote = Some(id);
    placed.quote_day = "2026-12-31".into();
    let first = s.place_order(&placed).await.unwrap();
    let q = s.quote(id).await.unwrap().unwrap();
    assert_eq!(
        (q.status, q.order_id),
        (QuoteStatus::Ordered, Some(first.id))
    );
    let mut again = new_order(s, 2, &[(ids[0].1, 10)]).await;
    again.quote = Some(id);
    again.quote_day = "2026-12-01".into();
    assert!(matches!(
        s.place_order(&again).await,
        Err(PlaceOrderError::QuoteClosed)
    ));
    assert_eq!(
        s.send_quote(id, &sending(vec![cheaper], 0)).await.unwrap(),
        None
    );
    assert!(!s.withdraw_quote(id, t0()).await.unwrap());

    // A member's quotes are theirs; a requested quote can be withdrawn once.
    let member = s
        .create_customer(&accounts::new_customer("taro@example.jp"))
        .await
        .unwrap()
        .unwrap();
    let mine = s
        .create_quote(&NewQuote {
            token: token(79),
            link_nonce: "n79".into(),
            customer: Some(member),
            contact: contact(),
            note: String::new(),
            lines: asked,
            at: t0(),
        })
        .await
        .unwrap();
    let listed: Vec<QuoteId> = s
        .customer_quotes(member, 10)
        .await
        .unwrap()
        .iter()
        .map(|q| q.id)
        .collect();
    assert_eq!(listed, [mine]);
    assert_eq!(s.quotes(10).await.unwrap()[0].id, mine, "requested first");
    assert!(s.withdraw_quote(mine, t0()).await.unwrap());
    assert!(!s.withdraw_quote(mine, t0()).await.unwrap());
}
