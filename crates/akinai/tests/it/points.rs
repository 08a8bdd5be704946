//! Points end to end (issue #23, item 6; ADR 046): earned by a member on delivery at the shop's
//! rate, used on a cart of 8% and 10% items and split across the rates on the confirmation
//! screen, the order, the mail and the invoice PDF; given back on cancellation and taken back on
//! refund; lapsed after the expiry period; history on my page; the owner's settings audited.

use reqwest::StatusCode;

use akinai_core::clock::Clock;
use akinai_domain::admin::AdminRole;
use akinai_domain::ids::OrderId;
use akinai_domain::order::OrderStatus;
use akinai_domain::tax::{tax_included_in, TaxCategory};
use akinai_domain::Yen;
use akinai_store::fulfilment::OrderStep;

use crate::support::{Shopper, TestApp};

async fn step(app: &TestApp, id: OrderId, path: &[OrderStatus]) {
    for pair in path.windows(2) {
        let s = OrderStep::status_change(id, pair[0], pair[1], app.clock.now(), "admin:1".into());
        assert!(app.store.step_order(&s).await.unwrap());
    }
}

async fn use_points(shopper: &Shopper, n: &str) -> crate::support::Page {
    let csrf = shopper.csrf().await;
    shopper
        .post("/cart/points", &[("csrf", &csrf), ("points", n)])
        .await
}

/// A member's first order, delivered and settled: the points it earned.
async fn earn(app: &TestApp, member: &Shopper) -> (OrderId, i64) {
    let belt = app.sku_with_stock("本革ベルト", 5).await;
    member.add(belt, "3").await;
    member.submit_details(&[]).await;
    let confirm = member.get("/checkout/confirm").await;
    let placed = member.place().await;
    assert_eq!(placed.status, StatusCode::SEE_OTHER);
    let order = app.newest_order().await;
    let rate = app
        .store
        .settings()
        .await
        .unwrap()
        .unwrap()
        .points
        .earn_percent;
    assert_eq!(rate, 1, "the demo shop grants 1%");
    let earned = order.totals.items_total.0 / 100;
    assert_eq!(order.points_earned, earned);
    let note = format!("このご注文で {earned} ポイントが付与される予定です");
    assert!(confirm.body.contains(&note), "{}", confirm.body);
    assert!(member.get(placed.location()).await.body.contains(&note));
    // Nothing before delivery; granted once after it, however often the worker comes round.
    assert_eq!(app.shop.points().settle().await.unwrap().orders, 0);
    use OrderStatus::*;
    step(app, order.id, &[Placed, Paid, Shipped, Delivered]).await;
    assert_eq!(app.shop.points().settle().await.unwrap().orders, 1);
    assert_eq!(app.shop.points().settle().await.unwrap().orders, 0);
    (order.id, earned)
}

#[tokio::test]
async fn points_are_earned_used_on_both_rates_and_given_back() {
    let app = TestApp::demo().await;
    let member = app.member("hanako@example.jp").await;
    let (first, earned) = earn(&app, &member).await;
    let page = member.get("/account/points").await;
    assert!(
        page.body.contains(&format!("保有ポイント {earned} pt")),
        "{}",
        page.body
    );
    assert!(page.body.contains("獲得"));

    // A cart of both rates; more than the balance is refused with the reason.
    let tea = app.sku_named("静岡煎茶 100g").await; // 8%
    let belt = app.sku_named("本革ベルト").await; // 10%
    let prices = app.store.skus_for_sale(&[tea, belt]).await.unwrap();
    let price = |id| prices.iter().find(|s| s.sku_id == id).unwrap().price.0;
    let (reduced, standard) = (2 * price(tea), price(belt));
    member.add(tea, "2").await;
    member.add(belt, "1").await;
    let cart = member.get("/cart").await;
    assert!(cart.body.contains(&format!("保有ポイント {earned} pt")));
    let greedy = use_points(&member, &(earned + 1).to_string()).await;
    assert_eq!(greedy.status, StatusCode::CONFLICT);
    assert!(greedy
        .body
        .contains(&format!("保有ポイント({earned} pt)を超えています")));
    let typed = use_points(&member, &format!("{earned}")).await;
    assert_eq!(typed.status, StatusCode::SEE_OTHER);
    assert!(member.get("/cart").await.body.contains(&format!(
        "{earned} ポイントを使います: -{}",
        Yen(earned).display()
    )));

    // By hand: each rate's share is the points × its items / all items, rounded down; the
    // point left goes to the larger remainder (the 10% part on a tie).
    let all = reduced + standard;
    let (mut std_share, mut red_share) = (earned * standard / all, earned * reduced / all);
    if std_share + red_share < earned {
        if (earned * reduced) % all > (earned * standard) % all {
            red_share += 1;
        } else {
            std_share += 1;
        }
    }
    let items = all - earned;
    let shipping = if items >= 10_000 { 0 } else { 800 };
    let (std_total, red_total) = (standard - std_share + shipping, reduced - red_share);
    let rounding = app.store.settings().await.unwrap().unwrap().rounding;
    let (std_tax, red_tax) = (
        tax_included_in(Yen(std_total), 10, rounding),
        tax_included_in(Yen(red_total), 8, rounding),
    );
    member.submit_details(&[]).await;
    let confirm = member.get("/checkout/confirm").await;
    assert_eq!(confirm.status, StatusCode::OK);
    for must in [
        format!(
            "ポイント値引</th><td class=\"num\">-{}</td>",
            Yen(earned).display()
        ),
        format!(
            "{} <small>(内消費税 {})</small>",
            Yen(std_total).display(),
            std_tax.display()
        ),
        format!(
            "{} <small>(内消費税 {})</small>",
            Yen(red_total).display(),
            red_tax.display()
        ),
        format!("(値引 -{} 反映後)", Yen(red_share).display()),
    ] {
        assert!(confirm.body.contains(&must), "confirmation lacks {must}");
    }
    let placed = member.place().await;
    assert_eq!(placed.status, StatusCode::SEE_OTHER);
    let second = app.newest_order().await;
    assert_eq!(second.totals.points, Yen(earned));
    assert_eq!(second.totals.grand_total, Yen(items + shipping));
    let rate = |c: TaxCategory| {
        *second
            .totals
            .rates
            .iter()
            .find(|r| r.tax_category == c)
            .unwrap()
    };
    assert_eq!(
        (
            rate(TaxCategory::Reduced).total,
            rate(TaxCategory::Reduced).tax
        ),
        (Yen(red_total), red_tax)
    );
    assert_eq!(
        (
            rate(TaxCategory::Standard).total,
            rate(TaxCategory::Standard).discount
        ),
        (Yen(std_total), Yen(std_share))
    );
    assert_eq!(app.shop.points().settle().await.unwrap().orders, 0);
    // The API's order says the same, so an integration's sums add up.
    let made = app
        .shop
        .api_tokens()
        .create(
            &akinai_core::audit::AuditContext::cli("test"),
            &akinai_core::api::TokenRequest {
                name: "会計ソフト".into(),
                scopes: "orders:read".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let api = app.shopper();
    let json: serde_json::Value = api
        .client
        .get(format!("{}/api/v1/orders/{}", api.base, second.id.0))
        .header("authorization", format!("Bearer {}", made.secret))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let t = &json["totals"];
    assert_eq!(t["points_used"], earned);
    assert_eq!(
        t["items_total"].as_i64().unwrap() - t["discount"].as_i64().unwrap() - earned
            + t["shipping_fee"].as_i64().unwrap()
            + t["payment_fee"].as_i64().unwrap(),
        t["grand_total"].as_i64().unwrap()
    );
    app.shop.jobs().run_due_jobs().await.unwrap();
    let mail = app.mails().join("\n");
    assert!(
        mail.contains(&format!("ポイント値引: -{}", Yen(earned).display())),
        "{mail}"
    );
    let (code, _, pdf) = member
        .get_bytes(&format!("{}/invoice.pdf", placed.location()))
        .await;
    assert_eq!(code, StatusCode::OK);
    if let Some(text) = crate::documents::pdf_text(&pdf) {
        for must in [
            "ポイント値引".to_string(),
            format!("値引 -{} 反映後", Yen(red_share).display()),
            red_tax.display(),
        ] {
            assert!(text.contains(&must), "{must} missing in:\n{text}");
        }
    }

    // Cancelled: the points come back. The first order refunded: its points go again.
    use OrderStatus::*;
    step(&app, second.id, &[Placed, Cancelled]).await;
    assert_eq!(app.shop.points().settle().await.unwrap().orders, 1);
    step(&app, first, &[Delivered, Refunded]).await;
    assert_eq!(app.shop.points().settle().await.unwrap().orders, 1);
    let page = member.get("/account/points").await;
    assert!(page.body.contains("保有ポイント 0 pt"), "{}", page.body);
    for kind in ["獲得", "利用", "利用の取消(返還)", "獲得の取消"] {
        assert!(
            page.body
                .contains(&format!("<td data-label=\"内容\">{kind}</td>")),
            "{kind}"
        );
    }
}

#[tokio::test]
async fn guests_cannot_use_points_and_only_members_see_their_history() {
    let app = TestApp::demo().await;
    let guest = app.shopper();
    guest.add(app.sku_named("本みりん").await, "1").await;
    assert!(!guest.get("/cart").await.body.contains("保有ポイント"));
    let tried = use_points(&guest, "100").await;
    assert_eq!(tried.status, StatusCode::CONFLICT);
    assert!(tried.body.contains("会員としてのログインが必要です"));
    let page = guest.get("/account/points").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "members only");
    // A guest order neither uses nor earns points.
    guest.submit_details(&[]).await;
    assert!(!guest
        .get("/checkout/confirm")
        .await
        .body
        .contains("ポイント"));
    guest.place().await;
    let order = app.newest_order().await;
    assert_eq!((order.points_earned, order.totals.points), (0, Yen(0)));
}

#[tokio::test]
async fn an_unused_balance_lapses_after_the_period_and_the_owner_sets_the_rules() {
    let app = TestApp::demo().await;
    let member = app.member("jiro@example.jp").await;
    let (_, earned) = earn(&app, &member).await;
    app.clock.advance(chrono::Duration::days(364));
    assert_eq!(app.shop.points().settle().await.unwrap().lapsed, 0);
    app.clock.advance(chrono::Duration::days(1));
    assert_eq!(app.shop.points().settle().await.unwrap().lapsed, 1);
    // A year later the session has long ended: signed in again.
    let member = app.shopper();
    let login = member
        .login("jiro@example.jp", crate::support::MEMBER_PASSWORD)
        .await;
    assert_eq!(login.status, StatusCode::SEE_OTHER, "{}", login.body);
    let page = member.get("/account/points").await;
    assert!(page.body.contains("有効期限切れ"));
    assert!(page.body.contains(&format!("-{earned}")));

    let owner = crate::admin_orders::signed_in(&app, AdminRole::Owner).await;
    let csrf = owner.get("/admin/settings").await.hidden("csrf");
    let bad = owner
        .post(
            "/admin/settings/points",
            &[
                ("csrf", &csrf),
                ("earn_percent", "30"),
                ("expiry_days", "0"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        app.store
            .settings()
            .await
            .unwrap()
            .unwrap()
            .points
            .earn_percent,
        1
    );
    let saved = owner
        .post(
            "/admin/settings/points",
            &[
                ("csrf", &csrf),
                ("earn_percent", "５"),
                ("expiry_days", "0"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let p = app.store.settings().await.unwrap().unwrap().points;
    assert_eq!((p.earn_percent, p.expiry_days), (5, 0));
    assert!(app
        .audit_actions()
        .await
        .iter()
        .any(|a| a.starts_with("settings")));
    assert!(member
        .get("/account/points")
        .await
        .body
        .contains("100 円につき 5 ポイント"));
}

#[tokio::test]
async fn sws_11_the_shop_adjusts_points_with_a_reason_and_staff_cannot() {
    let app = TestApp::demo().await;
    let member = app.member("saburo@example.jp").await;
    let id = app
        .store
        .customer_by_email("saburo@example.jp")
        .await
        .unwrap()
        .unwrap()
        .id;
    let path = format!("/admin/customers/{}", id.0);
    let manager = crate::admin_orders::signed_in(&app, AdminRole::Manager).await;
    let page = manager.get(&path).await;
    assert!(page
        .body
        .contains("保有ポイント: <strong class=\"points-balance\">0 pt"));
    let csrf = page.hidden("csrf");
    let adjust = |n: &'static str, reason: &'static str| {
        let (manager, csrf, path) = (&manager, csrf.clone(), path.clone());
        async move {
            manager
                .post(
                    &format!("{path}/points"),
                    &[("csrf", csrf.as_str()), ("points", n), ("reason", reason)],
                )
                .await
        }
    };
    let added = adjust("５００", "配送遅延のお詫び").await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    let too_many = adjust("-501", "修正").await;
    assert_eq!(too_many.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(too_many
        .body
        .contains("残高より多くのポイントは削除できません"));
    let no_reason = adjust("100", " ").await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(no_reason
        .body
        .contains("理由を 200 文字以内で入力してください"));
    assert_eq!(
        adjust("-200", "二重付与の修正").await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(app.store.point_balance(id).await.unwrap().balance, 300);
    let audit = app.audit_actions().await;
    assert_eq!(audit.iter().filter(|a| *a == "points.adjust").count(), 2);
    let mine = member.get("/account/points").await;
    assert!(mine.body.contains("保有ポイント 300 pt"));
    assert!(mine.body.contains("ショップによる調整"));
    // Staff see the customer but may not change points (SWS-11: capability checked).
    let staff = crate::admin_orders::signed_in(&app, AdminRole::Staff).await;
    let seen = staff.get(&path).await;
    assert!(seen.body.contains("300 pt") && !seen.body.contains("ポイントを調整する"));
    let csrf = staff.get("/admin").await.hidden("csrf");
    let refused = staff
        .post(
            &format!("{path}/points"),
            &[("csrf", csrf.as_str()), ("points", "1000"), ("reason", "x")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(app.store.point_balance(id).await.unwrap().balance, 300);
}

/// A member's card order, delivered and granted its points, refunded by a quarter and then the
/// rest through the provider from the back office: the worker takes back the quarter's share of
/// the points (the history says so), then what is still granted when the whole is refunded.
#[tokio::test]
async fn a_partial_refund_takes_back_the_points_earned_on_the_refunded_part() {
    use akinai_domain::points::kept_after_refund;
    use akinai_fakepsp::{CardOutcome, CARD_SUCCESS};
    use OrderStatus::*;
    let (app, fake) = TestApp::with_stripe().await;
    let member = app.member("hanako@example.jp").await;
    member.add(app.sku_named("本みりん").await, "4").await;
    member.submit_details(&[("payment_method", "card")]).await;
    let placed = member.place().await;
    let session = placed.location().rsplit('/').next().unwrap().to_string();
    assert_eq!(
        fake.pay_card(&session, CARD_SUCCESS).await,
        CardOutcome::Succeeded
    );
    let order = app.newest_order().await;
    let (earned, total) = (order.points_earned, order.totals.grand_total.0);
    assert_eq!(order.status, Paid);
    assert!(earned > 4, "earns points: {earned}");
    step(&app, order.id, &[Paid, Shipped, Delivered]).await;
    assert_eq!(app.shop.points().settle().await.unwrap().orders, 1);

    let (admin, secret) =
        crate::support::admin::signed_in(&app, "manager@example.jp", AdminRole::Manager).await;
    let quarter = total / 4;
    let password = crate::support::admin::ADMIN_PASSWORD;
    let part = crate::payments_admin::refund(
        &app,
        &admin,
        &secret,
        order.id.0,
        &quarter.to_string(),
        password,
    )
    .await;
    assert_eq!(part.status, StatusCode::SEE_OTHER, "{}", part.body);
    assert_eq!(app.shop.points().settle().await.unwrap().orders, 1);
    assert_eq!(app.shop.points().settle().await.unwrap().orders, 0, "once");
    let kept = kept_after_refund(earned, total, quarter);
    assert!(kept < earned);
    let page = member.get("/account/points").await;
    assert!(
        page.body.contains(&format!("保有ポイント {kept} pt")),
        "{}",
        page.body
    );
    assert!(page
        .body
        .contains("<td data-label=\"内容\">一部返金による獲得の取消</td>"));

    let rest = crate::payments_admin::refund(&app, &admin, &secret, order.id.0, "", password).await;
    assert_eq!(rest.status, StatusCode::SEE_OTHER, "{}", rest.body);
    assert_eq!(app.newest_order().await.status, Refunded);
    assert_eq!(app.shop.points().settle().await.unwrap().orders, 1);
    let page = member.get("/account/points").await;
    assert!(page.body.contains("保有ポイント 0 pt"), "{}", page.body);
}
