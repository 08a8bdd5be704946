//! Quotes end to end (issue #23, item 4; ADR 049): a member asks for a quote on the cart, staff
//! without the capability cannot send it (SWS-11), an owner adjusts price, quantity and shipping
//! and sends it, the member reads it by the mailed link (another member cannot, SWS-11),
//! downloads 御見積書 and orders it at the quoted prices — once; a guest's quote past its last
//! valid day cannot be ordered.

use reqwest::StatusCode;

use akinai_domain::admin::AdminRole;
use akinai_domain::quote::QuoteStatus;
use akinai_domain::Yen;

use crate::support::TestApp;

/// The quote link (`/quotes/…`) in the newest mail to `to`.
fn quote_link(app: &TestApp, to: &str) -> String {
    let mails = app.mails();
    let mail = mails
        .iter()
        .rev()
        .find(|m| m.contains(&format!("<{to}>")) && m.contains("/quotes/"))
        .unwrap_or_else(|| panic!("no quote mail to {to}: {mails:?}"));
    let start = mail.find("/quotes/").unwrap();
    mail[start..]
        .chars()
        .take_while(|c| !c.is_whitespace())
        .collect()
}

#[tokio::test]
async fn sws_11_a_member_orders_a_quote_at_its_prices_once_and_nobody_else_sees_it() {
    let app = TestApp::demo().await;
    let member = app.member("kobayashi@example.co.jp").await;
    let belt = app.sku_named("本革ベルト").await;
    let list = app.store.skus_for_sale(&[belt]).await.unwrap()[0].price;
    member.add(belt, "3").await;
    assert!(member.get("/cart").await.body.contains("/quote-request"));

    // Bad contact details are refused with the reasons; nothing is stored.
    let csrf = member.csrf().await;
    let bad = member
        .post(
            "/quote-request",
            &[
                ("csrf", &csrf),
                ("name", " "),
                ("email", "x"),
                ("phone", "abc"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad
        .body
        .contains("ご担当者名を 60 文字以内で入力してください"));
    assert!(bad.body.contains("メールアドレスを正しく入力してください"));
    assert!(app.store.quotes(10).await.unwrap().is_empty());

    let form = member.get("/quote-request").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(
        form.body.contains("kobayashi@example.co.jp"),
        "filled for the member"
    );
    let asked = member
        .post(
            "/quote-request",
            &[
                ("csrf", &csrf),
                ("company", "株式会社あきない 購買部"),
                ("name", "小林 一郎"),
                ("email", "kobayashi@example.co.jp"),
                ("phone", "03-1234-5678"),
                ("note", "毎月 10 本ほど"),
            ],
        )
        .await;
    assert_eq!(asked.status, StatusCode::SEE_OTHER, "{}", asked.body);
    let page = member.get(asked.location()).await;
    assert!(page.body.contains("見積依頼中"), "{}", page.body);
    app.shop.jobs().run_due_jobs().await.unwrap();
    let link = quote_link(&app, "kobayashi@example.co.jp");
    assert_eq!(&link, asked.location().split('?').next().unwrap());
    let quote = app.store.quotes(10).await.unwrap()[0].clone();
    assert_eq!(quote.lines[0].line.quantity, 3);
    assert_eq!(quote.lines[0].list_price, list);

    // Staff may not send quotes; the owner sends 10 at a lower price, free shipping.
    let send = format!("/admin/quotes/{}/send", quote.id.0);
    let qty = format!("qty_{}", belt.0);
    let price = format!("price_{}", belt.0);
    let quoted = Yen(list.0 - 500);
    let fields = |csrf: &str| -> Vec<(String, String)> {
        vec![
            ("csrf".into(), csrf.into()),
            (qty.clone(), "10".into()),
            (price.clone(), quoted.0.to_string()),
            ("shipping_fee".into(), "0".into()),
            ("valid_until".into(), "2026-12-31".into()),
            ("message".into(), "送料はサービスいたします。".into()),
        ]
    };
    let staff = crate::admin_orders::signed_in(&app, AdminRole::Staff).await;
    let csrf = staff.get("/admin").await.hidden("csrf");
    assert_eq!(
        staff.get("/admin/quotes").await.status,
        StatusCode::FORBIDDEN
    );
    let f = fields(&csrf);
    let form: Vec<(&str, &str)> = f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    assert_eq!(staff.post(&send, &form).await.status, StatusCode::FORBIDDEN);

    let owner = crate::admin_orders::signed_in(&app, AdminRole::Owner).await;
    let detail = owner.get(&format!("/admin/quotes/{}", quote.id.0)).await;
    assert!(detail.body.contains("株式会社あきない 購買部 小林 一郎"));
    let csrf = detail.hidden("csrf");
    let late = [
        ("csrf", csrf.as_str()),
        (qty.as_str(), "-1"),
        (price.as_str(), "x"),
        ("shipping_fee", "0"),
        ("valid_until", "2020-01-01"),
    ];
    let refused = owner.post(&send, &late).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("有効期限は今日以降の日付"));
    assert_eq!(
        app.store.quote(quote.id).await.unwrap().unwrap().revision,
        0
    );
    let f = fields(&csrf);
    let form: Vec<(&str, &str)> = f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let sent = owner.post(&send, &form).await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    let audit = app.audit_actions().await;
    for action in ["quote.request", "quote.send"] {
        assert!(audit.iter().any(|a| a == action), "no {action}");
    }
    app.shop.jobs().run_due_jobs().await.unwrap();
    assert!(app
        .mails()
        .iter()
        .any(|m| m.contains("お見積りをお送りします") && m.contains(&link)));

    // SWS-11: a guest with the link is asked to sign in; another member gets 404.
    let guest = app.shopper().get(&link).await;
    assert_eq!(guest.status, StatusCode::SEE_OTHER);
    assert!(guest.location().starts_with("/account/login?next=/quotes/"));
    let other = app.member("other@example.jp").await;
    assert_eq!(other.get(&link).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        other.get(&format!("{link}/pdf")).await.status,
        StatusCode::NOT_FOUND
    );
    assert!(!other
        .get("/account/quotes")
        .await
        .body
        .contains(&quote.number()));
    assert_eq!(
        app.shopper().get("/quotes/0123").await.status,
        StatusCode::NOT_FOUND
    );

    let page = member.get(&link).await;
    assert!(page.body.contains("有効"), "{}", page.body);
    assert!(page.body.contains("送料はサービスいたします。"));
    assert!(member
        .get("/account/quotes")
        .await
        .body
        .contains(&quote.number()));
    let (status, _, pdf) = member.get_bytes(&format!("{link}/pdf")).await;
    assert_eq!(status, StatusCode::OK);
    if let Some(text) = crate::documents::pdf_text(&pdf) {
        assert!(text.contains("御見積書"), "{text}");
        assert!(text.contains("株式会社あきない 購買部 小林 一郎"), "{text}");
        assert!(text.contains("2026年12月31日"), "{text}");
        assert!(text.contains(&Yen(quoted.0 * 10).display()), "{text}");
    }

    // Ordering fills the cart with the quote and the order carries the quoted prices.
    let ordered = member
        .post(&format!("{link}/order"), &[("csrf", &member.csrf().await)])
        .await;
    assert_eq!(ordered.status, StatusCode::SEE_OTHER);
    assert_eq!(ordered.location(), "/checkout");
    assert!(member.get("/cart").await.body.contains("お見積り Q-"));
    member.submit_details(&[]).await;
    assert_eq!(member.place().await.status, StatusCode::SEE_OTHER);
    let order = app.newest_order().await;
    assert_eq!(order.lines[0].quantity, 10);
    assert_eq!(order.lines[0].unit_price, quoted);
    assert_eq!(order.totals.shipping_fee, Yen::ZERO);
    let q = app.store.quote(quote.id).await.unwrap().unwrap();
    assert_eq!(
        (q.status, q.order_id),
        (QuoteStatus::Ordered, Some(order.id))
    );

    // Once: the quote cannot fill a cart again.
    let again = member
        .post(&format!("{link}/order"), &[("csrf", &member.csrf().await)])
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn a_guests_quote_cannot_be_ordered_after_its_last_valid_day() {
    let app = TestApp::demo().await;
    let guest = app.shopper();
    let belt = app.sku_named("本革ベルト").await;
    guest.add(belt, "2").await;
    let csrf = guest.csrf().await;
    let asked = guest
        .post(
            "/quote-request",
            &[
                ("csrf", &csrf),
                ("name", "山田 太郎"),
                ("email", "taro@example.jp"),
                ("phone", "090-1234-5678"),
            ],
        )
        .await;
    assert_eq!(asked.status, StatusCode::SEE_OTHER, "{}", asked.body);
    let link = asked.location().split('?').next().unwrap().to_string();
    let quote = app.store.quotes(10).await.unwrap()[0].clone();
    assert_eq!(quote.customer, None);
    // Not sent yet: nothing to order, no PDF.
    let early = guest
        .post(&format!("{link}/order"), &[("csrf", &csrf)])
        .await;
    assert_eq!(early.status, StatusCode::CONFLICT);
    assert_eq!(
        guest.get(&format!("{link}/pdf")).await.status,
        StatusCode::NOT_FOUND
    );

    let owner = crate::admin_orders::signed_in(&app, AdminRole::Owner).await;
    let detail = owner.get(&format!("/admin/quotes/{}", quote.id.0)).await;
    let ocsrf = detail.hidden("csrf");
    let today = akinai_core::Clock::now(app.clock.as_ref())
        .with_timezone(&chrono::FixedOffset::east_opt(9 * 3600).unwrap())
        .date_naive();
    let until = today.format("%Y-%m-%d").to_string();
    let qty = format!("qty_{}", belt.0);
    let price = format!("price_{}", belt.0);
    let sent = owner
        .post(
            &format!("/admin/quotes/{}/send", quote.id.0),
            &[
                ("csrf", ocsrf.as_str()),
                (qty.as_str(), "2"),
                (price.as_str(), "1000"),
                ("shipping_fee", "500"),
                ("valid_until", until.as_str()),
            ],
        )
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    // The guest reads it by the link alone, then fills the cart on its last day.
    assert!(guest.get(&link).await.body.contains("有効"));
    let filled = guest
        .post(&format!("{link}/order"), &[("csrf", &csrf)])
        .await;
    assert_eq!(filled.status, StatusCode::SEE_OTHER);
    assert!(guest.get("/cart").await.body.contains("¥1,000"));

    // A day later the quote has expired: the page says so, the cart is back at list prices,
    // and the quote cannot fill a cart.
    app.clock.advance(chrono::Duration::days(1));
    let page = guest.get(&link).await;
    assert!(page.body.contains("有効期限切れ"), "{}", page.body);
    assert!(!guest.get("/cart").await.body.contains("お見積り Q-"));
    let late = guest
        .post(&format!("{link}/order"), &[("csrf", &csrf)])
        .await;
    assert_eq!(late.status, StatusCode::CONFLICT);
    assert!(late.body.contains("この見積からはご注文いただけません"));
}
