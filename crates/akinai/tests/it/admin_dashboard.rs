//! The dashboard's business figures over real HTTP (admin issue, item 9): today's orders and
//! sales without cancelled ones, the time to the delivered confirmation mail, the funnel from
//! counted new visitors to orders, low stock, and the 30-day chart drawn as plain SVG; staff do
//! not see sales.

use chrono::Duration;
use reqwest::StatusCode;

use akinai_domain::admin::AdminRole;

use crate::admin_orders::signed_in;
use crate::support::TestApp;

#[tokio::test]
async fn owners_see_sales_confirmation_time_funnel_low_stock_and_a_chart() {
    let app = TestApp::demo().await;
    // Three new visitors; one of them comes back (not new again).
    let first = app.shopper();
    assert_eq!(first.get("/").await.status, StatusCode::OK);
    first.get("/").await;
    app.shopper().get("/").await;
    app.shopper().get("/").await;
    // Two orders; the confirmation of each is delivered 45 seconds after it was placed.
    app.order_one("本みりん").await;
    app.order_one("本みりん").await;
    app.clock.advance(Duration::seconds(45));
    app.shop.jobs().run_due_jobs().await.unwrap();
    let visits = app.shop.jobs().flush_visits().await.unwrap();
    assert!(visits >= 3, "{visits} new visitors counted");
    assert_eq!(
        app.shop.jobs().flush_visits().await.unwrap(),
        0,
        "flushed once"
    );

    let manager = signed_in(&app, AdminRole::Manager).await;
    // One order is cancelled: it is no sale.
    let newest = app
        .store
        .list_orders(&Default::default(), None, 1)
        .await
        .unwrap()[0]
        .clone();
    let csrf = manager.get("/admin").await.hidden("csrf");
    let cancelled = manager
        .post(
            &format!("/admin/orders/{}/step", newest.id.0),
            &[
                ("csrf", csrf.as_str()),
                ("event", "cancel"),
                ("confirm", "1"),
            ],
        )
        .await;
    assert_eq!(cancelled.status, StatusCode::SEE_OTHER);
    // A SKU runs low.
    let sku = app.sku_named("本革ベルト").await;
    let left = app.stock(sku).await;
    app.store
        .adjust_stock(sku, 2 - left, chrono::Utc::now())
        .await
        .unwrap();

    let page = manager.get("/admin").await;
    assert_eq!(page.status, StatusCode::OK);
    let kept = app
        .store
        .order(akinai_domain::ids::OrderId(newest.id.0 - 1))
        .await
        .unwrap()
        .unwrap()
        .totals
        .grand_total;
    assert!(
        page.body.contains(&format!(
            "<span class=\"value today-orders\">1 件</span><span class=\"sub\">{}",
            kept.display()
        )),
        "today: one order, the cancelled one left out"
    );
    assert!(page.body.contains("中央値 45 秒・95% 45 秒(2 件)"));
    assert!(page.body.contains("<td>新規訪問</td>"));
    assert!(page.body.contains("<td>注文</td><td class=\"num\">2</td>"));
    let low = app.store.low_stock(5, 1000).await.unwrap();
    assert!(low.iter().any(|l| l.sku == sku && l.stock == 2));
    let first = format!(
        "<li><a href=\"/admin/products/{}\">{}",
        low[0].product.0, low[0].name
    );
    assert!(page.body.contains(&first), "the fewest first");
    assert!(page
        .body
        .contains(&format!("</a>: 残り {}</li>", low[0].stock)));
    assert_eq!(
        page.body.matches("<rect x=").count(),
        31,
        "30 bars and the background"
    );
    assert!(!page.body.contains("<script"), "no script draws the chart");

    let staff = signed_in(&app, AdminRole::Staff).await;
    let limited = staff.get("/admin").await;
    assert!(!limited.body.contains("今日の注文") && !limited.body.contains("<svg class=\"chart\""));
}

/// Issue 21, item 3: a node without the worker (`serve --role web`) still stores the visits it
/// counted in its memory — at shutdown at the latest — so the funnel loses nothing.
#[tokio::test]
async fn a_web_node_stores_its_visit_counts_when_it_stops() {
    let app = TestApp::demo().await;
    app.shopper().get("/").await;
    app.shopper().get("/").await;
    let (stop, rx) = tokio::sync::watch::channel(true);
    app.shop.jobs().run_node_duties(rx).await;
    drop(stop);
    assert_eq!(
        app.shop.jobs().flush_visits().await.unwrap(),
        0,
        "already stored by the node's duties"
    );
    use akinai_core::Clock;
    let today = app
        .clock
        .now()
        .with_timezone(&akinai_core::clock::jst())
        .format("%Y-%m-%d")
        .to_string();
    let funnel = app
        .store
        .funnel(app.clock.now() - Duration::days(1), &today)
        .await
        .unwrap();
    assert_eq!(funnel.visits, 2);
}
