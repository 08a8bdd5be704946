//! Contract cases: settings, catalog and pagination (search: `search.rs`).

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
