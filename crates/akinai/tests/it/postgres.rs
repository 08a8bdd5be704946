//! The guest flow over HTTP on the PostgreSQL backend: what a multi-node shop runs.

use reqwest::StatusCode;

use crate::support::TestApp;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_guest_flow_and_the_stock_race_work_on_postgresql() {
    let Some((app, db)) = TestApp::postgres().await else {
        return;
    };
    app.seed().await;
    // Japanese search through pg_trgm-backed LIKE.
    let shopper = app.shopper();
    let page = shopper
        .get("/search?q=%EF%BD%BC%EF%BE%9E%EF%BD%AC%EF%BD%B9%EF%BD%AF%EF%BE%84")
        .await; // ｼﾞｬｹｯﾄ
    assert!(page.body.contains("レザージャケット 黒"));
    // A purchase with mail and status page.
    let status = app.order_one("本革ベルト").await;
    assert_eq!(app.shop.jobs().run_due_jobs().await.unwrap(), 1);
    assert!(app.mails()[0].contains(&status));
    assert_eq!(app.shopper().get(&status).await.status, StatusCode::OK);
    // Twenty buyers race for three units.
    let sku = app.sku_with_stock("栗きんとん", 1).await;
    let stock = app.stock(sku).await;
    let mut buyers = Vec::new();
    for _ in 0..stock + 5 {
        let s = app.shopper();
        assert_eq!(s.add(sku, "1").await.status, StatusCode::SEE_OTHER);
        s.submit_details(&[]).await;
        let confirm = s.get("/checkout/confirm").await;
        buyers.push((s, confirm.hidden("csrf"), confirm.hidden("fingerprint")));
    }
    let tasks: Vec<_> = buyers
        .into_iter()
        .map(|(s, csrf, fp)| {
            tokio::spawn(async move {
                s.post(
                    "/checkout/confirm",
                    &[("csrf", &csrf), ("fingerprint", &fp)],
                )
                .await
                .location()
                .to_string()
            })
        })
        .collect();
    let mut ordered = 0;
    for t in tasks {
        if t.await.unwrap().starts_with("/order/") {
            ordered += 1;
        }
    }
    assert_eq!(ordered, stock);
    assert_eq!(app.stock(sku).await, 0);
    drop(app);
    db.drop_database().await;
}
