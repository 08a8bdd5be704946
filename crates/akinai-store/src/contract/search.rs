//! Contract cases: search (ADR 029) — Japanese partial words, tiers and rank order, the index
//! following every write, totals, and hostile input.

use super::*;
use crate::catalog_admin::ProductEdit;
use akinai_domain::search::{SearchTotal, Synonyms, COUNT_CAP};

/// Adds products (no description) to the seeded category, each with one SKU of `stock`.
async fn seed_more(store: &dyn Store, products: &[(&str, i64)]) {
    let cat = store.categories().await.unwrap()[0].id;
    for (n, (name, stock)) in products.iter().enumerate() {
        store
            .create_product(&NewProduct {
                category_id: cat,
                name: (*name).into(),
                description: SafeHtml::sanitize(""),
                tax_category: TaxCategory::Standard,
                image_hue: 10,
                published: true,
                skus: vec![NewSku {
                    code: format!("MORE-{n}"),
                    option_label: String::new(),
                    price: Yen(1000),
                    stock: *stock,
                }],
            })
            .await
            .unwrap();
    }
}

pub(super) async fn search_names(store: &dyn Store, q: &str) -> Vec<String> {
    let query = SearchQuery::parse(q).unwrap();
    store
        .search(&query, 0, 50)
        .await
        .unwrap()
        .products
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
        search_names(s, "静岡県産").await,
        vec!["緑茶 100g"],
        "descriptions are searched for words of three characters or more"
    );
    assert!(
        search_names(s, "煎茶").await.is_empty(),
        "one- and two-character words look in names only (ADR 029)"
    );
    assert_eq!(search_names(s, "革").await, vec!["本革ベルト"]);
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
        .products
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
        .products
        .into_iter()
        .map(|p| p.name)
        .collect();
    assert_eq!(
        tea,
        vec!["緑茶 100g"],
        "a short synonym (茶) is matched too"
    );
}

pub(super) async fn search_ranks_names_first_in_stock_first_then_newest(store: Arc<dyn Store>) {
    seed(
        store.as_ref(),
        &[
            ("木製トレイ", "<p>レザーのような手触り</p>", 3000, 1),
            ("レザーキーケース", "", 5000, 1),
            ("レザーベルト", "", 6000, 0),
            ("ヌメレザー財布", "", 9000, 2),
        ],
    )
    .await;
    assert_eq!(
        search_names(store.as_ref(), "レザー").await,
        vec![
            "ヌメレザー財布",
            "レザーキーケース",
            "レザーベルト",
            "木製トレイ"
        ],
        "name matches in stock newest first, then sold out, then description-only matches"
    );
    let q = SearchQuery::parse("れざー").unwrap();
    let second = store.search(&q, 1, 2).await.unwrap();
    assert_eq!(
        second
            .products
            .iter()
            .map(|p| p.name.as_str())
            .collect::<Vec<_>>(),
        vec!["レザーキーケース", "レザーベルト"]
    );
    assert_eq!(second.total, SearchTotal::Exact(4));
    // The typed word before its synonyms.
    seed_more(store.as_ref(), &[("本革トレイ", 1)]).await;
    let synonyms = Synonyms::from_lines(&["革 レザー"]);
    let q = SearchQuery::parse("革").unwrap().with_synonyms(&synonyms);
    let names: Vec<String> = store
        .search(&q, 0, 10)
        .await
        .unwrap()
        .products
        .into_iter()
        .map(|p| p.name)
        .collect();
    assert_eq!(
        names,
        vec![
            "本革トレイ",
            "ヌメレザー財布",
            "レザーキーケース",
            "レザーベルト"
        ],
        "a name with the typed word first; no description tier for a one-character word"
    );
}

/// The index follows every write: renames, unpublishing, selling out and restocking.
pub(super) async fn search_follows_renames_publication_and_stock(store: Arc<dyn Store>) {
    let (cat, ids) = seed(
        store.as_ref(),
        &[
            ("藍染めハンカチ", "", 1200, 1),
            ("藍染めストール", "", 5400, 1),
        ],
    )
    .await;
    let s = store.as_ref();
    assert_eq!(
        search_names(s, "藍").await,
        vec!["藍染めストール", "藍染めハンカチ"]
    );
    // Sold out: last; back in stock: newest first again.
    store
        .adjust_stock(ids[1].1, -1, chrono::Utc::now())
        .await
        .unwrap();
    assert_eq!(
        search_names(s, "藍").await,
        vec!["藍染めハンカチ", "藍染めストール"]
    );
    store
        .adjust_stock(ids[1].1, 5, chrono::Utc::now())
        .await
        .unwrap();
    assert_eq!(
        search_names(s, "藍").await,
        vec!["藍染めストール", "藍染めハンカチ"]
    );
    let edit = |name: &str, published: bool| ProductEdit {
        category_id: cat,
        name: name.into(),
        description: SafeHtml::sanitize(""),
        tax_category: TaxCategory::Standard,
        published,
    };
    assert!(store
        .update_product(
            ids[0].0,
            &edit("柿渋染めハンカチ", true),
            chrono::Utc::now()
        )
        .await
        .unwrap());
    assert_eq!(search_names(s, "藍").await, vec!["藍染めストール"]);
    assert_eq!(search_names(s, "柿渋").await, vec!["柿渋染めハンカチ"]);
    store
        .set_published(&[ids[1].0], false, chrono::Utc::now())
        .await
        .unwrap();
    assert!(search_names(s, "藍").await.is_empty(), "unpublished");
    store
        .set_published(&[ids[1].0], true, chrono::Utc::now())
        .await
        .unwrap();
    assert_eq!(search_names(s, "藍染").await, vec!["藍染めストール"]);
    // A word with more grams than are probed for rarity is still found.
    let long: String = (0..70u32)
        .filter_map(|i| char::from_u32(0x4E00 + i * 7))
        .collect();
    seed_more(s, &[(long.as_str(), 1)]).await;
    assert_eq!(search_names(s, &long).await, vec![long.clone()]);
}

/// Totals are exact up to the cap, then 「N件以上」; a page deep in the list still arrives.
pub(super) async fn search_counts_up_to_the_cap(store: Arc<dyn Store>) {
    let names: Vec<String> = (0..(COUNT_CAP + 5))
        .map(|i| format!("手ぬぐい {i}"))
        .collect();
    let spec: Vec<(&str, &str, i64, i64)> =
        names.iter().map(|n| (n.as_str(), "", 800, 1)).collect();
    seed(store.as_ref(), &spec).await;
    let q = SearchQuery::parse("手ぬぐい").unwrap();
    let first = store.search(&q, 0, 25).await.unwrap();
    assert_eq!(first.products.len(), 25);
    assert_eq!(
        first.products[0].name,
        format!("手ぬぐい {}", COUNT_CAP + 4)
    );
    assert_eq!(first.total, SearchTotal::AtLeast(COUNT_CAP));
    let last = store.search(&q, COUNT_CAP, 25).await.unwrap();
    assert_eq!(last.products.len(), 5);
    assert_eq!(last.products[4].name, "手ぬぐい 0");
    let rare = store
        .search(&SearchQuery::parse("ぬぐい 17").unwrap(), 0, 25)
        .await
        .unwrap();
    assert_eq!(rare.total, SearchTotal::Exact(1));
    assert_eq!(rare.products[0].name, "手ぬぐい 17");
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

/// The search box's suggestions: names only, best first, distinct, at most the limit.
pub(super) async fn suggestions_are_names_best_first_and_bounded(store: Arc<dyn Store>) {
    seed(
        store.as_ref(),
        &[
            ("木製トレイ", "<p>ジャケットに合う</p>", 3000, 1),
            ("デニムジャケット", "", 12800, 0),
            ("レザージャケット", "", 29800, 1),
            ("ウールジャケット", "", 19800, 1),
            ("レザージャケット", "", 31800, 1),
        ],
    )
    .await;
    let q = SearchQuery::parse("ｼﾞｬｹ").unwrap();
    assert_eq!(
        store.suggest(&q, 8).await.unwrap(),
        vec!["レザージャケット", "ウールジャケット", "デニムジャケット"],
        "in stock newest first, a name once, no description matches"
    );
    assert_eq!(
        store.suggest(&q, 1).await.unwrap(),
        vec!["レザージャケット"]
    );
    let none = SearchQuery::parse("ジャケット財布").unwrap();
    assert!(store.suggest(&none, 8).await.unwrap().is_empty());
}
