//! Many shoppers racing for the last units over real sockets: no oversell, stock never negative.

use std::sync::Arc;

use reqwest::StatusCode;

use akinai_domain::catalog::{NewProduct, NewSku};
use akinai_domain::rich_text::SafeHtml;
use akinai_domain::tax::TaxCategory;
use akinai_domain::Yen;
use akinai_store::NewCategory;

use crate::support::TestApp;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_buyers_racing_for_ten_units_make_exactly_ten_orders() {
    let app = Arc::new(TestApp::empty().await);
    let cat = app
        .store
        .create_category(&NewCategory {
            parent_id: None,
            slug: "limited".into(),
            name: "限定".into(),
            position: 0,
        })
        .await
        .unwrap();
    let product = app
        .store
        .create_product(&NewProduct {
            category_id: cat,
            name: "限定トートバッグ".into(),
            description: SafeHtml::sanitize("<p>10個限定</p>"),
            tax_category: TaxCategory::Standard,
            image_hue: 30,
            published: true,
            skus: vec![NewSku {
                code: "LIMITED-1".into(),
                option_label: String::new(),
                price: Yen(5500),
                stock: 10,
            }],
        })
        .await
        .unwrap();
    let sku = app.store.product(product).await.unwrap().unwrap().skus[0].id;
    // Every buyer fills a cart and reaches the confirmation screen while stock lasts.
    let mut buyers = Vec::new();
    for _ in 0..50 {
        let shopper = app.shopper();
        assert_eq!(shopper.add(sku, "1").await.status, StatusCode::SEE_OTHER);
        assert_eq!(
            shopper.submit_details(&[]).await.status,
            StatusCode::SEE_OTHER
        );
        let confirm = shopper.get("/checkout/confirm").await;
        buyers.push((
            shopper,
            confirm.hidden("csrf"),
            confirm.hidden("fingerprint"),
        ));
    }
    // Then all press "place order" at once.
    let tasks: Vec<_> = buyers
        .into_iter()
        .map(|(shopper, csrf, fingerprint)| {
            tokio::spawn(async move {
                shopper
                    .post(
                        "/checkout/confirm",
                        &[("csrf", &csrf), ("fingerprint", &fingerprint)],
                    )
                    .await
            })
        })
        .collect();
    let (mut ordered, mut refused) = (0, 0);
    for t in tasks {
        let page = t.await.unwrap();
        assert_eq!(page.status, StatusCode::SEE_OTHER);
        match page.location() {
            l if l.starts_with("/order/") => ordered += 1,
            "/cart" => refused += 1,
            other => panic!("unexpected redirect {other}"),
        }
    }
    assert_eq!((ordered, refused), (10, 40));
    assert_eq!(app.stock(sku).await, 0);
    assert_eq!(
        app.store.pending_jobs().await.unwrap(),
        10,
        "one confirmation per order"
    );
    assert_eq!(app.shop.jobs().run_due_jobs().await.unwrap(), 10);
    assert_eq!(app.mails().len(), 10);
}
