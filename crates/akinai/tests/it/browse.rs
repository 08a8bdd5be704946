//! Category listings over HTTP (issue #18 item 2, ADR 031): sort links and the filter form work
//! as plain links and a GET form (no JavaScript), the next-page link keeps the order and the
//! filters, and bad input gets a clear answer.

use reqwest::StatusCode;

use crate::support::{Shopper, TestApp};

/// The lowest prices shown on a listing page, in page order.
fn prices(body: &str) -> Vec<i64> {
    body.split("<span class=\"price\">¥")
        .skip(1)
        .map(|rest| {
            let digits: String = rest
                .chars()
                .take_while(|c| c.is_ascii_digit() || *c == ',')
                .filter(char::is_ascii_digit)
                .collect();
            digits.parse().unwrap()
        })
        .collect()
}

fn next_link(body: &str) -> Option<String> {
    body.split("rel=\"next\" href=\"").nth(1).map(|rest| {
        rest.split('"')
            .next()
            .unwrap()
            .replace("&amp;", "&")
            .replace("&#38;", "&")
    })
}

/// Every page of a listing from `path`, following the next links: (prices, sold-out marks).
async fn walk(shopper: &Shopper, path: &str) -> (Vec<i64>, usize) {
    let (mut all, mut sold_out) = (Vec::new(), 0);
    let mut next = Some(path.to_string());
    while let Some(path) = next {
        let page = shopper.get(&path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        all.extend(prices(&page.body));
        sold_out += page.body.matches("class=\"soldout\"").count();
        next = next_link(&page.body);
        assert!(all.len() < 1000, "pagination must end");
    }
    (all, sold_out)
}

#[tokio::test]
async fn categories_sort_by_price_and_filter_by_stock_and_price_without_javascript() {
    let app = TestApp::demo().await;
    let shopper = app.shopper();
    let first = shopper.get("/category/food").await;
    for label in [
        "おすすめ順",
        "新着順",
        "価格の安い順",
        "価格の高い順",
        "売れ筋順",
    ] {
        assert!(first.body.contains(label), "{label}");
    }
    assert!(first
        .body
        .contains("href=\"/category/food?sort=price_asc\""));
    assert!(first
        .body
        .contains("<form method=\"get\" action=\"/category/food\""));

    let (everything, _) = walk(&shopper, "/category/food").await;
    let (low_first, _) = walk(&shopper, "/category/food?sort=price_asc").await;
    assert!(everything.len() > 24, "the demo food category spans pages");
    assert_eq!(low_first.len(), everything.len(), "every product once");
    assert!(low_first.windows(2).all(|w| w[0] <= w[1]), "{low_first:?}");
    let (high_first, _) = walk(&shopper, "/category/food?sort=price_desc").await;
    assert!(
        high_first.windows(2).all(|w| w[0] >= w[1]),
        "{high_first:?}"
    );
    let mut sorted = everything.clone();
    sorted.sort_unstable();
    assert_eq!(low_first, sorted);

    let (in_range, _) = walk(&shopper, "/category/food?sort=price_asc&min=500&max=2000").await;
    assert!(!in_range.is_empty());
    assert!(
        in_range.iter().all(|p| (500..=2000).contains(p)),
        "{in_range:?}"
    );
    assert_eq!(
        in_range.len(),
        sorted.iter().filter(|p| (500..=2000).contains(*p)).count()
    );

    let sku = app.sku_named("栗きんとん").await;
    let left = app.stock(sku).await;
    app.store.adjust_stock(sku, -left).await.unwrap();
    let (_, sold_out) = walk(&shopper, "/category/food").await;
    assert!(sold_out >= 1, "the sold-out product is listed by default");
    let (_, sold_out) = walk(&shopper, "/category/food?stock=1").await;
    assert_eq!(sold_out, 0, "在庫ありのみ leaves sold-out products out");
}

#[tokio::test]
async fn listings_answer_bad_input_clearly() {
    let app = TestApp::demo().await;
    let shopper = app.shopper();
    let page = shopper.get("/category/food?min=abc&max=2000").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("価格は数字で入力してください"));
    assert!(prices(&page.body).iter().all(|p| *p <= 2000));
    let page = shopper
        .get("/category/food?min=%EF%BC%91%EF%BC%90%EF%BC%90%EF%BC%90")
        .await; // １０００
    assert!(!page.body.contains("価格は数字で入力してください"));
    assert!(prices(&page.body).iter().all(|p| *p >= 1000));
    for bad in ["after=abc", "after=-1.5", "after=1.0"] {
        assert_eq!(
            shopper.get(&format!("/category/food?{bad}")).await.status,
            StatusCode::BAD_REQUEST,
            "{bad}"
        );
    }
    let unknown_sort = shopper.get("/category/food?sort=%27%3BDROP").await;
    assert_eq!(
        unknown_sort.status,
        StatusCode::OK,
        "an unknown order is the default"
    );
    let none = shopper.get("/category/food?min=9999999").await;
    assert!(none.body.contains("条件に合う商品がありません"));
}
