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
    app.store
        .adjust_stock(sku, -left, chrono::Utc::now())
        .await
        .unwrap();
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

/// The number in 「N件の商品」 on a category page.
fn found(body: &str) -> usize {
    let at = body.find("件の商品").expect("a count of products");
    let digits: String = body[..at]
        .chars()
        .rev()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.chars().rev().collect::<String>().parse().unwrap()
}

/// The sub-category link named `name`: its address and the count beside it.
fn sub_category(body: &str, name: &str) -> (String, usize) {
    let nav = body.split("class=\"subcategories\"").nth(1).unwrap();
    let before = nav
        .split(&format!(">{name} <span class=\"count\">("))
        .next()
        .unwrap();
    let href = before.rsplit("href=\"").next().unwrap();
    let href = href.split('"').next().unwrap().replace("&#38;", "&");
    let rest = nav
        .split(&format!(">{name} <span class=\"count\">("))
        .nth(1)
        .unwrap();
    let n = rest.split(')').next().unwrap().parse().unwrap();
    (href, n)
}

#[tokio::test]
async fn category_pages_count_what_the_filters_leave_and_sub_categories_keep_the_choice() {
    let app = TestApp::demo().await;
    let shopper = app.shopper();
    let sku = app.sku_named("栗きんとん").await;
    let left = app.stock(sku).await;
    app.store
        .adjust_stock(sku, -left, chrono::Utc::now())
        .await
        .unwrap();

    let page = shopper.get("/category/food").await;
    let (all, _) = walk(&shopper, "/category/food").await;
    assert_eq!(
        found(&page.body),
        all.len(),
        "the total is what the pages list"
    );
    let (all, sold_out) = walk(&shopper, "/category/food").await;
    let (stocked, _) = walk(&shopper, "/category/food?stock=1").await;
    assert!(sold_out >= 1);
    assert_eq!(stocked.len(), all.len() - sold_out);
    let label = format!(
        "在庫ありのみ <span class=\"count\">({})</span>",
        stocked.len()
    );
    assert!(
        page.body.contains(&label),
        "the stock filter shows its count"
    );

    let query = "sort=price_asc&stock=1&min=500";
    let narrowed = shopper.get(&format!("/category/food?{query}")).await;
    let (href, n) = sub_category(&narrowed.body, "和菓子・お菓子");
    assert_eq!(
        href,
        format!("/category/sweets?{query}"),
        "order and filters kept"
    );
    let (sweets, _) = walk(&shopper, &href).await;
    assert_eq!(
        n,
        sweets.len(),
        "the count beside a sub-category is what it lists"
    );
    assert!(sweets.windows(2).all(|w| w[0] <= w[1]) && sweets.iter().all(|p| *p >= 500));
    let (all_sweets, _) = walk(&shopper, "/category/sweets").await;
    assert!(
        n < all_sweets.len(),
        "the sold-out sweet and cheap ones are not counted"
    );
    let (_, plain) = sub_category(&page.body, "和菓子・お菓子");
    assert_eq!(plain, all_sweets.len());
}

#[tokio::test]
async fn search_results_sort_and_filter_and_the_pager_keeps_the_choice() {
    let app = TestApp::empty().await;
    akinai_core::demo::seed(app.store.as_ref(), 300)
        .await
        .unwrap();
    let shopper = app.shopper();
    let (relevant, _) = walk(&shopper, "/search?q=%E8%8C%B6").await; // 茶
    assert!(
        relevant.len() > 24,
        "more than a page of 茶: {}",
        relevant.len()
    );
    let first = shopper.get("/search?q=%E8%8C%B6").await;
    assert!(first
        .body
        .contains("href=\"/search?q=%E8%8C%B6&#38;sort=price_asc\""));
    assert!(first
        .body
        .contains("<input type=\"hidden\" name=\"q\" value=\"茶\">"));

    let (low_first, _) = walk(&shopper, "/search?q=%E8%8C%B6&sort=price_asc").await;
    let mut sorted = relevant.clone();
    sorted.sort_unstable();
    assert_eq!(low_first, sorted, "every match once, cheapest first");
    let (high_first, _) = walk(&shopper, "/search?q=%E8%8C%B6&sort=price_desc").await;
    assert!(high_first.windows(2).all(|w| w[0] >= w[1]));

    let (in_range, _) = walk(&shopper, "/search?q=%E8%8C%B6&min=800&max=1500").await;
    assert_eq!(
        in_range.len(),
        sorted.iter().filter(|p| (800..=1500).contains(*p)).count()
    );
    let page = shopper.get("/search?q=%E8%8C%B6&min=800&max=1500").await;
    assert!(
        page.body.contains(&format!("（{}件）", in_range.len())),
        "the total counts the filtered matches"
    );
    let none = shopper.get("/search?q=%E8%8C%B6&min=99999999").await;
    assert!(none.body.contains("条件に合う商品がありません"));
    let bad = shopper.get("/search?q=%E8%8C%B6&max=abc").await;
    assert!(bad.body.contains("価格は数字で入力してください"));
}

#[tokio::test]
async fn categories_filter_by_a_size_or_colour_with_counts_and_keep_it_in_every_link() {
    let app = TestApp::demo().await;
    let shopper = app.shopper();
    let page = shopper.get("/category/fashion").await;
    assert!(page.body.contains("種類(サイズ・カラーなど)"));
    let m = "<input type=\"radio\" name=\"opt\" value=\"M\"> M <span class=\"count\">(";
    let offered: usize = page
        .body
        .split(m)
        .nth(1)
        .expect("M is offered")
        .split(')')
        .next()
        .unwrap()
        .parse()
        .unwrap();

    let (sized, _) = walk(&shopper, "/category/fashion?opt=M").await;
    assert_eq!(sized.len(), offered, "the count beside M is what M lists");
    let (all, _) = walk(&shopper, "/category/fashion").await;
    assert!(
        sized.len() < all.len(),
        "products without sizes are left out"
    );
    let chosen = shopper.get("/category/fashion?opt=M").await;
    assert!(chosen.body.contains("value=\"M\" checked"));
    assert!(
        chosen
            .body
            .contains("href=\"/category/fashion?sort=price_asc&#38;opt=M\""),
        "the sort links keep the option"
    );
    assert!(chosen.body.contains(&format!("{}件の商品", sized.len())));
    let (cheap_first, _) = walk(&shopper, "/category/fashion?sort=price_asc&opt=M").await;
    assert!(cheap_first.windows(2).all(|w| w[0] <= w[1]));
    assert_eq!(cheap_first.len(), sized.len());
    // A value no product has lists nothing; one too long to be a label is no filter at all.
    let none = shopper.get("/category/fashion?opt=%E9%87%91").await;
    assert!(none.body.contains("条件に合う商品がありません"));
    let long = "x".repeat(200);
    let (ignored, _) = walk(&shopper, &format!("/category/fashion?opt={long}")).await;
    assert_eq!(ignored.len(), all.len());
}
