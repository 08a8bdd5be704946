//! Contract cases: settings, catalog, pagination and search.

use super::*;

pub(super) async fn settings_round_trip(store: Arc<dyn Store>) {
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

pub(super) async fn products_round_trip_with_their_skus(store: Arc<dyn Store>) {
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
        published: true,
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

pub(super) async fn keyset_pagination_visits_every_product_once(store: Arc<dyn Store>) {
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

pub(super) async fn search_names(store: &dyn Store, q: &str) -> Vec<String> {
    let query = SearchQuery::parse(q).unwrap();
    store
        .search(&query, 0, 50)
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.name)
        .collect()
}

pub(super) async fn search_finds_japanese_partial_words(store: Arc<dyn Store>) {
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
    // The shop's synonyms: any word of a group finds the others (first-hour issue, item 13).
    let synonyms = akinai_domain::search::Synonyms::from_lines(&["革 レザー leather", "茶 tea"]);
    let with = |q: &str| SearchQuery::parse(q).unwrap().with_synonyms(&synonyms);
    let mut found: Vec<String> = store
        .search(&with("leather"), 0, 50)
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.name)
        .collect();
    found.sort();
    assert_eq!(
        found,
        vec!["Leather Card Case", "レザージャケット 黒", "本革ベルト"]
    );
    let tea: Vec<String> = store
        .search(&with("tea 100g"), 0, 50)
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.name)
        .collect();
    assert_eq!(
        tea,
        vec!["緑茶 100g"],
        "a short synonym (茶) is matched too"
    );
}

pub(super) async fn search_ranks_name_matches_first(store: Arc<dyn Store>) {
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

pub(super) async fn search_treats_sql_and_wildcards_as_text(store: Arc<dyn Store>) {
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
