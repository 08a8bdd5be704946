//! The contract every storage backend must pass.
//!
//! Each case takes a fresh, migrated store. Backends list [`cases`] in a test binary of their own
//! (see `akinai-sqlite/tests/contract.rs`), so a case added here runs on every backend at once.
//! This is test code, compiled only with the `contract` feature that the backends' dev-dependencies
//! turn on; a panic is a failed case.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};

use akinai_domain::address::{Address, Email, Kana, Phone, PostalCode, Prefecture};
use akinai_domain::catalog::{NewProduct, NewSku, Quantity};
use akinai_domain::checkout::CheckoutDetails;
use akinai_domain::ids::{CategoryId, ProductId, SkuId};
use akinai_domain::order::{OrderStatus, PaymentMethod};
use akinai_domain::pricing::{totals, PricedLine};
use akinai_domain::rich_text::SafeHtml;
use akinai_domain::search::SearchQuery;
use akinai_domain::settings::ShopSettings;
use akinai_domain::tax::{RoundingMode, TaxCategory};
use akinai_domain::Yen;

use crate::{
    NewCategory, NewOrder, NewSecurityEvent, PlaceOrderError, Store, TokenHash,
    JOB_ORDER_CONFIRMATION,
};

/// A contract case: runs against a fresh store and panics on failure.
pub type Case = fn(Arc<dyn Store>) -> Pin<Box<dyn Future<Output = ()> + Send>>;

macro_rules! cases {
    ($($name:ident),* $(,)?) => {
        /// Every contract case with its name.
        pub fn cases() -> Vec<(&'static str, Case)> {
            vec![$((stringify!($name), |s| Box::pin($name(s)))),*]
        }
    };
}

cases!(
    settings_round_trip,
    products_round_trip_with_their_skus,
    keyset_pagination_visits_every_product_once,
    search_finds_japanese_partial_words,
    search_ranks_name_matches_first,
    search_treats_sql_and_wildcards_as_text,
    cart_lines_are_set_changed_and_removed,
    placing_an_order_reserves_stock_and_enqueues_its_mail,
    placing_an_order_twice_for_one_cart_creates_one_order,
    an_order_short_of_stock_writes_nothing,
    concurrent_buyers_never_oversell,
    jobs_are_leased_retried_and_completed,
    a_five_thousand_line_order_round_trips,
    security_events_are_recorded_and_listed_newest_first,
);

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 9, 0, 0)
        .single()
        .unwrap_or_default()
}

fn token(n: u64) -> TokenHash {
    TokenHash(format!("{n:064x}"))
}

/// A category with one product per `(name, description, price, stock)`.
async fn seed(
    store: &dyn Store,
    products: &[(&str, &str, i64, i64)],
) -> (CategoryId, Vec<(ProductId, SkuId)>) {
    let cat = store
        .create_category(&NewCategory {
            parent_id: None,
            slug: "goods".into(),
            name: "雑貨".into(),
            position: 1,
        })
        .await
        .unwrap();
    let mut ids = Vec::new();
    for (i, (name, desc, price, stock)) in products.iter().enumerate() {
        let pid = store
            .create_product(&NewProduct {
                category_id: cat,
                name: (*name).into(),
                description: SafeHtml::sanitize(desc),
                tax_category: TaxCategory::Standard,
                image_hue: 10,
                skus: vec![NewSku {
                    code: format!("SKU-{i}"),
                    option_label: String::new(),
                    price: Yen(*price),
                    stock: *stock,
                }],
            })
            .await
            .unwrap();
        let sku = store.product(pid).await.unwrap().unwrap().skus[0].id;
        ids.push((pid, sku));
    }
    (cat, ids)
}

fn details() -> CheckoutDetails {
    CheckoutDetails {
        name: "山田 花子".into(),
        name_kana: Kana::parse("ヤマダ ハナコ").unwrap(),
        email: Email::parse("hanako@example.jp").unwrap(),
        phone: Phone::parse("090-1234-5678").unwrap(),
        address: Address {
            postal_code: PostalCode::parse("150-0001").unwrap(),
            prefecture: Prefecture::Tokyo,
            city: "渋谷区".into(),
            line1: "神宮前1-2-3".into(),
            line2: None,
        },
        shipping_method: "standard".into(),
        delivery_date: NaiveDate::from_ymd_opt(2026, 12, 1),
        delivery_slot: Some("午前中".into()),
        payment_method: PaymentMethod::BankTransfer,
    }
}

async fn new_order(store: &dyn Store, cart_token: u64, lines: &[(SkuId, u32)]) -> NewOrder {
    let cart = store.create_cart(&token(cart_token), t0()).await.unwrap();
    let ids: Vec<SkuId> = lines.iter().map(|(s, _)| *s).collect();
    let skus = store.skus_for_sale(&ids).await.unwrap();
    let priced: Vec<PricedLine> = lines
        .iter()
        .map(|(id, q)| {
            let sku = skus.iter().find(|s| s.sku_id == *id).unwrap();
            PricedLine::new(sku, Quantity::new(i64::from(*q)).unwrap()).unwrap()
        })
        .collect();
    let totals = totals(&priced, Yen(800), Yen::ZERO, RoundingMode::Floor).unwrap();
    NewOrder {
        cart_id: cart,
        status_token: token(1_000_000 + cart_token),
        placed_at: t0(),
        details: details(),
        lines: priced,
        totals,
    }
}

async fn stock_of(store: &dyn Store, sku: SkuId) -> i64 {
    store.skus_for_sale(&[sku]).await.unwrap()[0].stock
}

async fn settings_round_trip(store: Arc<dyn Store>) {
    assert_eq!(store.settings().await.unwrap(), None);
    let mut s = ShopSettings::starter("テスト商店");
    store.save_settings(&s).await.unwrap();
    assert_eq!(store.settings().await.unwrap(), Some(s.clone()));
    s.shop_name = "改名商店".into();
    store.save_settings(&s).await.unwrap();
    assert_eq!(
        store.settings().await.unwrap().unwrap().shop_name,
        "改名商店"
    );
}

async fn products_round_trip_with_their_skus(store: Arc<dyn Store>) {
    let root = store
        .create_category(&NewCategory {
            parent_id: None,
            slug: "fashion".into(),
            name: "ファッション".into(),
            position: 2,
        })
        .await
        .unwrap();
    let child = store
        .create_category(&NewCategory {
            parent_id: Some(root),
            slug: "jackets".into(),
            name: "ジャケット".into(),
            position: 1,
        })
        .await
        .unwrap();
    let cats = store.categories().await.unwrap();
    assert_eq!(cats.len(), 2);
    assert_eq!(
        cats.iter().find(|c| c.id == child).unwrap().parent_id,
        Some(root)
    );
    let new = NewProduct {
        category_id: child,
        name: "レザージャケット 黒".into(),
        description: SafeHtml::sanitize("<p>牛革の<strong>ジャケット</strong></p>"),
        tax_category: TaxCategory::Standard,
        image_hue: 200,
        skus: vec![
            NewSku {
                code: "LJ-M".into(),
                option_label: "M".into(),
                price: Yen(29800),
                stock: 3,
            },
            NewSku {
                code: "LJ-L".into(),
                option_label: "L".into(),
                price: Yen(31800),
                stock: 0,
            },
        ],
    };
    let id = store.create_product(&new).await.unwrap();
    let p = store.product(id).await.unwrap().unwrap();
    assert_eq!(
        (p.name.as_str(), p.category_id, p.image_hue),
        ("レザージャケット 黒", child, 200)
    );
    assert_eq!(p.description, new.description);
    let skus: Vec<(&str, &str, Yen, i64)> = p
        .skus
        .iter()
        .map(|s| (s.code.as_str(), s.option_label.as_str(), s.price, s.stock))
        .collect();
    assert_eq!(
        skus,
        vec![("LJ-M", "M", Yen(29800), 3), ("LJ-L", "L", Yen(31800), 0)]
    );
    let page = store
        .products_in_categories(&[child], None, 10)
        .await
        .unwrap();
    assert_eq!(page.items.len(), 1);
    let summary = &page.items[0];
    assert_eq!(
        (summary.price_from, summary.price_varies, summary.in_stock),
        (Yen(29800), true, true)
    );
    assert!(store.product(ProductId(999_999)).await.unwrap().is_none());
    assert_eq!(store.product_count().await.unwrap(), 1);
    let for_sale = store
        .skus_for_sale(&[p.skus[0].id, SkuId(999_999)])
        .await
        .unwrap();
    assert_eq!(for_sale.len(), 1, "unknown SKUs are left out");
    assert_eq!(for_sale[0].product_name, "レザージャケット 黒");
}

async fn keyset_pagination_visits_every_product_once(store: Arc<dyn Store>) {
    let items: Vec<(String, i64)> = (0..23)
        .map(|i| (format!("商品{i}"), if i % 5 == 0 { 0 } else { 1 }))
        .collect();
    let spec: Vec<(&str, &str, i64, i64)> = items
        .iter()
        .map(|(n, s)| (n.as_str(), "", 1000, *s))
        .collect();
    let (cat, ids) = seed(store.as_ref(), &spec).await;
    let mut seen = Vec::new();
    let mut after = None;
    loop {
        let page = store
            .products_in_categories(&[cat], after, 10)
            .await
            .unwrap();
        seen.extend(page.items.iter().map(|p| p.id));
        match page.next {
            Some(c) => after = Some(c),
            None => break,
        }
        assert!(seen.len() <= 23, "pagination must terminate");
    }
    let expected: Vec<ProductId> = ids.iter().map(|(p, _)| *p).collect();
    assert_eq!(seen, expected);
    let first = store
        .products_in_categories(&[cat], None, 10)
        .await
        .unwrap();
    assert!(!first.items[0].in_stock, "product 0 has no stock");
    assert!(first.items[1].in_stock);
}

async fn search_names(store: &dyn Store, q: &str) -> Vec<String> {
    let query = SearchQuery::parse(q).unwrap();
    store
        .search(&query, 0, 50)
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.name)
        .collect()
}

async fn search_finds_japanese_partial_words(store: Arc<dyn Store>) {
    seed(
        store.as_ref(),
        &[
            ("レザージャケット 黒", "<p>柔らかな羊革</p>", 29800, 1),
            ("本革ベルト", "<p>栃木レザー</p>", 6600, 1),
            ("Leather Card Case", "<p>名刺入れ</p>", 4400, 1),
            ("緑茶 100g", "<p>静岡県産の煎茶</p>", 1080, 1),
        ],
    )
    .await;
    let s = store.as_ref();
    assert_eq!(
        search_names(s, "ジャケット").await,
        vec!["レザージャケット 黒"]
    );
    assert_eq!(search_names(s, "ｼﾞｬｹｯﾄ").await, vec!["レザージャケット 黒"]);
    assert_eq!(
        search_names(s, "じゃけっと").await,
        vec!["レザージャケット 黒"]
    );
    assert_eq!(
        search_names(s, "ＬＥＡＴＨＥＲ").await,
        vec!["Leather Card Case"]
    );
    assert_eq!(
        search_names(s, "leather case").await,
        vec!["Leather Card Case"]
    );
    assert_eq!(search_names(s, "ベルト").await, vec!["本革ベルト"]);
    assert_eq!(search_names(s, "茶").await, vec!["緑茶 100g"]);
    assert_eq!(
        search_names(s, "煎茶").await,
        vec!["緑茶 100g"],
        "descriptions are searched"
    );
    let mut leather = search_names(s, "革").await;
    leather.sort();
    assert_eq!(leather, vec!["レザージャケット 黒", "本革ベルト"]);
    assert!(
        search_names(s, "ジャケット ベルト").await.is_empty(),
        "all terms must match"
    );
    assert!(search_names(s, "存在しない商品").await.is_empty());
}

async fn search_ranks_name_matches_first(store: Arc<dyn Store>) {
    seed(
        store.as_ref(),
        &[
            ("木製トレイ", "<p>革のような手触り</p>", 3000, 1),
            ("本革キーケース 茶色 大容量タイプ", "", 5000, 1),
            ("革財布", "", 9000, 1),
        ],
    )
    .await;
    assert_eq!(
        search_names(store.as_ref(), "革").await,
        vec!["革財布", "本革キーケース 茶色 大容量タイプ", "木製トレイ"],
        "name matches first, shorter names first, description-only matches last"
    );
    let q = SearchQuery::parse("革").unwrap();
    let second_page = store.search(&q, 1, 1).await.unwrap();
    assert_eq!(second_page.len(), 1);
    assert_eq!(second_page[0].name, "本革キーケース 茶色 大容量タイプ");
}

async fn search_treats_sql_and_wildcards_as_text(store: Arc<dyn Store>) {
    seed(
        store.as_ref(),
        &[
            ("100% コットン Tシャツ", "", 2000, 1),
            ("ふつうの_商品", "", 100, 1),
            ("別の商品", "", 100, 1),
        ],
    )
    .await;
    let s = store.as_ref();
    assert_eq!(search_names(s, "%").await, vec!["100% コットン Tシャツ"]);
    assert_eq!(search_names(s, "_").await, vec!["ふつうの_商品"]);
    for attack in [
        "' OR 1=1 --",
        "\" OR \"\"=\"",
        "'; DROP TABLE products; --",
        "\\",
        "\"",
        "NEAR(a b)",
        "a* OR b",
    ] {
        assert!(search_names(s, attack).await.is_empty(), "{attack}");
    }
    assert_eq!(store.product_count().await.unwrap(), 3);
}

async fn cart_lines_are_set_changed_and_removed(store: Arc<dyn Store>) {
    let (_, ids) = seed(store.as_ref(), &[("A", "", 100, 5), ("B", "", 200, 5)]).await;
    let cart = store.create_cart(&token(1), t0()).await.unwrap();
    let found = store.cart_by_token(&token(1)).await.unwrap().unwrap();
    assert_eq!(
        (found.id, found.order_id, found.checkout),
        (cart, None, None)
    );
    assert!(store.cart_by_token(&token(2)).await.unwrap().is_none());
    let q = |n| Some(Quantity::new(n).unwrap());
    store
        .set_cart_line(cart, ids[0].1, q(2), t0())
        .await
        .unwrap();
    store
        .set_cart_line(cart, ids[1].1, q(1), t0())
        .await
        .unwrap();
    store
        .set_cart_line(cart, ids[0].1, q(3), t0())
        .await
        .unwrap();
    let lines = store.cart_lines(cart).await.unwrap();
    assert_eq!(
        lines,
        vec![
            (ids[0].1, Quantity::new(3).unwrap()),
            (ids[1].1, Quantity::new(1).unwrap())
        ]
    );
    store
        .set_cart_line(cart, ids[0].1, None, t0())
        .await
        .unwrap();
    assert_eq!(
        store.cart_lines(cart).await.unwrap(),
        vec![(ids[1].1, Quantity::new(1).unwrap())]
    );
    store.save_checkout(cart, &details(), t0()).await.unwrap();
    assert_eq!(
        store
            .cart_by_token(&token(1))
            .await
            .unwrap()
            .unwrap()
            .checkout,
        Some(details())
    );
}

async fn placing_an_order_reserves_stock_and_enqueues_its_mail(store: Arc<dyn Store>) {
    let (_, ids) = seed(store.as_ref(), &[("A", "", 1100, 5), ("B", "", 2160, 5)]).await;
    let order = new_order(store.as_ref(), 1, &[(ids[0].1, 2), (ids[1].1, 1)]).await;
    let placed = store.place_order(&order).await.unwrap();
    assert!(placed.newly_placed);
    assert_eq!(stock_of(store.as_ref(), ids[0].1).await, 3);
    assert_eq!(stock_of(store.as_ref(), ids[1].1).await, 4);
    let stored = store
        .order_by_status_token(&order.status_token)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.id, placed.id);
    assert_eq!(stored.cart_id, order.cart_id);
    assert_eq!(stored.status, OrderStatus::Placed);
    assert_eq!(stored.lines, order.lines);
    assert_eq!(stored.totals, order.totals);
    assert_eq!(stored.details, order.details);
    assert_eq!(stored.placed_at, t0());
    assert_eq!(stored.confirmation_sent_at, None);
    assert_eq!(store.order(placed.id).await.unwrap().unwrap(), stored);
    assert_eq!(
        store
            .cart_by_token(&token(1))
            .await
            .unwrap()
            .unwrap()
            .order_id,
        Some(placed.id)
    );
    assert!(store
        .order_by_status_token(&token(42))
        .await
        .unwrap()
        .is_none());
    let job = store
        .claim_job(t0(), t0() + Duration::minutes(5))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(job.kind, JOB_ORDER_CONFIRMATION);
    assert_eq!(job.payload["order_id"], serde_json::json!(placed.id.0));
}

async fn placing_an_order_twice_for_one_cart_creates_one_order(store: Arc<dyn Store>) {
    let (_, ids) = seed(store.as_ref(), &[("A", "", 1000, 5)]).await;
    let order = new_order(store.as_ref(), 1, &[(ids[0].1, 2)]).await;
    let first = store.place_order(&order).await.unwrap();
    let again = NewOrder {
        status_token: token(77),
        ..order.clone()
    };
    let second = store.place_order(&again).await.unwrap();
    assert_eq!(second.id, first.id);
    assert!(!second.newly_placed);
    assert_eq!(
        stock_of(store.as_ref(), ids[0].1).await,
        3,
        "stock reserved once"
    );
    assert_eq!(
        store.pending_jobs().await.unwrap(),
        1,
        "one confirmation mail"
    );
}

async fn an_order_short_of_stock_writes_nothing(store: Arc<dyn Store>) {
    let (_, ids) = seed(store.as_ref(), &[("A", "", 1000, 5), ("B", "", 1000, 1)]).await;
    let order = new_order(store.as_ref(), 1, &[(ids[0].1, 2), (ids[1].1, 2)]).await;
    match store.place_order(&order).await {
        Err(PlaceOrderError::OutOfStock(sku)) => assert_eq!(sku, ids[1].1),
        other => panic!("expected out of stock, got {other:?}"),
    }
    assert_eq!(
        stock_of(store.as_ref(), ids[0].1).await,
        5,
        "the first line's decrement was rolled back"
    );
    assert_eq!(stock_of(store.as_ref(), ids[1].1).await, 1);
    assert!(store
        .order_by_status_token(&order.status_token)
        .await
        .unwrap()
        .is_none());
    assert_eq!(store.pending_jobs().await.unwrap(), 0);
    assert_eq!(
        store
            .cart_by_token(&token(1))
            .await
            .unwrap()
            .unwrap()
            .order_id,
        None
    );
}

async fn concurrent_buyers_never_oversell(store: Arc<dyn Store>) {
    let (_, ids) = seed(store.as_ref(), &[("限定品", "", 5000, 10)]).await;
    let sku = ids[0].1;
    let mut orders = Vec::new();
    for buyer in 0..50 {
        orders.push(new_order(store.as_ref(), 100 + buyer, &[(sku, 1)]).await);
    }
    let tasks: Vec<_> = orders
        .into_iter()
        .map(|o| {
            let store = store.clone();
            tokio::spawn(async move { store.place_order(&o).await })
        })
        .collect();
    let (mut placed, mut refused) = (0, 0);
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => placed += 1,
            Err(PlaceOrderError::OutOfStock(_)) => refused += 1,
            Err(e) => panic!("unexpected error: {e}"),
        }
    }
    assert_eq!((placed, refused), (10, 40));
    assert_eq!(stock_of(store.as_ref(), sku).await, 0);
    assert_eq!(store.pending_jobs().await.unwrap(), 10);
}

async fn jobs_are_leased_retried_and_completed(store: Arc<dyn Store>) {
    let (_, ids) = seed(store.as_ref(), &[("A", "", 1000, 5)]).await;
    let order = new_order(store.as_ref(), 1, &[(ids[0].1, 1)]).await;
    let placed = store.place_order(&order).await.unwrap();
    let lease = Duration::minutes(5);
    let job = store.claim_job(t0(), t0() + lease).await.unwrap().unwrap();
    assert_eq!(job.attempts, 1);
    assert!(
        store.claim_job(t0(), t0() + lease).await.unwrap().is_none(),
        "leased jobs are not handed out twice"
    );
    // The worker died: after the lease the job is due again.
    let later = t0() + lease + Duration::seconds(1);
    let again = store
        .claim_job(later, later + lease)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((again.id, again.attempts), (job.id, 2));
    store
        .retry_job(job.id, later + Duration::minutes(1), "smtp 451")
        .await
        .unwrap();
    assert!(
        store
            .claim_job(later, later + lease)
            .await
            .unwrap()
            .is_none(),
        "not due before run_at"
    );
    let due = later + Duration::minutes(1);
    let third = store.claim_job(due, due + lease).await.unwrap().unwrap();
    assert_eq!(third.attempts, 3);
    store.complete_job(third.id, due).await.unwrap();
    assert_eq!(store.pending_jobs().await.unwrap(), 0);
    assert!(store
        .claim_job(due + lease * 2, due + lease * 3)
        .await
        .unwrap()
        .is_none());
    let stored = store.order(placed.id).await.unwrap().unwrap();
    assert_eq!(stored.confirmation_sent_at, Some(due));
}

async fn a_five_thousand_line_order_round_trips(store: Arc<dyn Store>) {
    let cat = store
        .create_category(&NewCategory {
            parent_id: None,
            slug: "bulk".into(),
            name: "まとめ買い".into(),
            position: 0,
        })
        .await
        .unwrap();
    let skus: Vec<NewSku> = (0..5000)
        .map(|i| NewSku {
            code: format!("B-{i}"),
            option_label: format!("#{i}"),
            price: Yen(100 + i),
            stock: 3,
        })
        .collect();
    let pid = store
        .create_product(&NewProduct {
            category_id: cat,
            name: "ねじ".into(),
            description: SafeHtml::sanitize(""),
            tax_category: TaxCategory::Standard,
            image_hue: 0,
            skus,
        })
        .await
        .unwrap();
    let ids: Vec<(SkuId, u32)> = store
        .product(pid)
        .await
        .unwrap()
        .unwrap()
        .skus
        .iter()
        .map(|s| (s.id, 2))
        .collect();
    assert_eq!(ids.len(), 5000);
    let order = new_order(store.as_ref(), 1, &ids).await;
    let placed = store.place_order(&order).await.unwrap();
    let stored = store.order(placed.id).await.unwrap().unwrap();
    assert_eq!(stored.lines, order.lines);
    assert_eq!(stored.totals, order.totals);
    assert_eq!(stock_of(store.as_ref(), ids[4999].0).await, 1);
}

async fn security_events_are_recorded_and_listed_newest_first(store: Arc<dyn Store>) {
    for (i, ip) in [Some("192.0.2.1"), None, Some("2001:db8::1")]
        .into_iter()
        .enumerate()
    {
        store
            .record_security_event(&NewSecurityEvent {
                kind: "csp_violation".into(),
                at: t0() + Duration::seconds(i as i64),
                source_ip: ip.map(str::to_string),
                detail: serde_json::json!({ "n": i, "blocked": "inline" }),
            })
            .await
            .unwrap();
    }
    store
        .record_security_event(&NewSecurityEvent {
            kind: "other".into(),
            at: t0(),
            source_ip: None,
            detail: serde_json::json!({}),
        })
        .await
        .unwrap();
    let events = store
        .security_events("csp_violation", t0() + Duration::seconds(1), 10)
        .await
        .unwrap();
    let ns: Vec<i64> = events
        .iter()
        .map(|e| e.detail["n"].as_i64().unwrap())
        .collect();
    assert_eq!(ns, vec![2, 1], "since and newest-first");
    assert_eq!(events[0].source_ip.as_deref(), Some("2001:db8::1"));
    assert_eq!(events[1].source_ip, None);
    assert_eq!(events[0].at, t0() + Duration::seconds(2));
    assert_eq!(
        store
            .security_events("csp_violation", t0(), 1)
            .await
            .unwrap()
            .len(),
        1,
        "limit"
    );
}
