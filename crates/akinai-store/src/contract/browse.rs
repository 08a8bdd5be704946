//! Contract cases: category listings in every browse order and filter, page after page, with
//! the sort keys kept true by the store's triggers (ADR 031).

use super::*;
use akinai_domain::browse::{Browse, Filters, OptionValue, Sort};
use akinai_domain::search::{SearchQuery, SearchTotal};

use crate::catalog_admin::ProductEdit;

/// What the listing needs to know of a seeded product, to compute the expected order here.
#[derive(Debug, Clone, Copy)]
struct Known {
    id: i64,
    price: i64,
    in_stock: bool,
    sold: i64,
}

fn key(sort: Sort, p: &Known) -> (i64, i64) {
    let k = match sort {
        Sort::Recommended => i64::from(p.in_stock),
        Sort::Newest => p.id,
        Sort::PriceLow | Sort::PriceHigh => p.price,
        Sort::BestSelling => p.sold,
    };
    (k, p.id)
}

fn expected(sort: Sort, filters: &Filters, all: &[Known]) -> Vec<i64> {
    let mut list: Vec<Known> = all
        .iter()
        .filter(|p| !filters.in_stock || p.in_stock)
        .filter(|p| filters.price_min.is_none_or(|m| p.price >= m.0))
        .filter(|p| filters.price_max.is_none_or(|m| p.price <= m.0))
        .copied()
        .collect();
    list.sort_by_key(|p| key(sort, p));
    if sort.key().1 {
        list.reverse();
    }
    list.iter().map(|p| p.id).collect()
}

/// Every page of a listing, three at a time.
async fn every_page(
    store: &dyn Store,
    cats: &[CategoryId],
    sort: Sort,
    filters: &Filters,
) -> Vec<i64> {
    let mut seen = Vec::new();
    let mut browse = Browse {
        sort,
        filters: filters.clone(),
        after: None,
    };
    loop {
        let page = store.browse(cats, &browse, 3).await.unwrap();
        assert!(page.products.len() <= 3);
        seen.extend(page.products.iter().map(|p| p.id.0));
        match page.next {
            Some(after) => browse.after = Some(after),
            None => break,
        }
        assert!(seen.len() <= 40, "pagination must terminate");
    }
    seen
}

pub(super) async fn listings_sort_filter_and_page_through_subcategories(store: Arc<dyn Store>) {
    // Prices repeat (ties break by id); two products have no stock.
    let spec: Vec<(String, i64, i64)> = (0..9)
        .map(|i| {
            (
                format!("品{i}"),
                [1500, 800, 3000, 800, 12000, 450, 3000, 9800, 2200][i],
                if i % 4 == 1 { 0 } else { 5 },
            )
        })
        .collect();
    let rows: Vec<(&str, &str, i64, i64)> = spec
        .iter()
        .map(|(n, p, s)| (n.as_str(), "", *p, *s))
        .collect();
    let (top, ids) = seed(store.as_ref(), &rows).await;
    let sub = store
        .create_category(&NewCategory {
            parent_id: Some(top),
            slug: "sub".into(),
            name: "小分類".into(),
            position: 2,
        })
        .await
        .unwrap();
    let mut known: Vec<Known> = ids
        .iter()
        .zip(&spec)
        .map(|((p, _), (_, price, stock))| Known {
            id: p.0,
            price: *price,
            in_stock: *stock > 0,
            sold: 0,
        })
        .collect();
    // Three products move to the sub-category, which the top category's listing includes.
    for (pid, _) in ids.iter().skip(5).take(3) {
        let edit = ProductEdit {
            category_id: sub,
            name: store.product(*pid).await.unwrap().unwrap().name,
            description: SafeHtml::sanitize(""),
            tax_category: TaxCategory::Standard,
            published: true,
        };
        assert!(store
            .update_product(*pid, &edit, chrono::Utc::now())
            .await
            .unwrap());
    }
    // Sales: 3 of product 2, 1 of product 6 (sold keys follow order lines).
    for (n, (i, q)) in [(2usize, 3u32), (6, 1)].into_iter().enumerate() {
        let order = new_order(store.as_ref(), 50 + n as u64, &[(ids[i].1, q)]).await;
        store.place_order(&order).await.unwrap();
        known[i].sold += i64::from(q);
    }
    // A price change and a sell-out move their products.
    assert!(store
        .set_sku_price(ids[0].0, ids[0].1, Yen(20_000), chrono::Utc::now())
        .await
        .unwrap());
    known[0].price = 20_000;
    let left = store.skus_for_sale(&[ids[4].1]).await.unwrap()[0].stock;
    store
        .adjust_stock(ids[4].1, -left, chrono::Utc::now())
        .await
        .unwrap();
    known[4].in_stock = false;
    // Whether each is in stock, as the store now says.
    for (k, (_, sku)) in known.iter_mut().zip(&ids) {
        k.in_stock = stock_of(store.as_ref(), *sku).await > 0;
    }

    let cats = [top, sub];
    let no_filter = Filters::default();
    for sort in Sort::ALL {
        assert_eq!(
            every_page(store.as_ref(), &cats, sort, &no_filter).await,
            expected(sort, &no_filter, &known),
            "{sort:?}"
        );
    }
    let filters = [
        Filters {
            in_stock: true,
            ..Filters::default()
        },
        Filters {
            price_min: Some(Yen(800)),
            price_max: Some(Yen(3000)),
            ..Filters::default()
        },
        Filters {
            in_stock: true,
            price_min: Some(Yen(1000)),
            price_max: None,
            option: None,
        },
    ];
    for f in &filters {
        for sort in [Sort::Recommended, Sort::PriceLow, Sort::BestSelling] {
            assert_eq!(
                every_page(store.as_ref(), &cats, sort, f).await,
                expected(sort, f, &known),
                "{sort:?} {f:?}"
            );
        }
    }
    // The sub-category alone; a hidden product leaves every listing.
    assert_eq!(
        every_page(store.as_ref(), &[sub], Sort::Newest, &no_filter).await,
        vec![known[7].id, known[6].id, known[5].id]
    );
    store
        .set_published(&[ids[6].0], false, chrono::Utc::now())
        .await
        .unwrap();
    assert_eq!(
        every_page(store.as_ref(), &[sub], Sort::Newest, &no_filter).await,
        vec![known[7].id, known[5].id]
    );
    let empty = store.browse(&[], &Browse::default(), 3).await.unwrap();
    assert!(empty.products.is_empty() && empty.next.is_none());

    // Counts per category through the same filters, read no further than the cap.
    known.retain(|k| k.id != ids[6].0 .0);
    let in_sub = |k: &&&Known| [5, 7].iter().any(|i| ids[*i].0 .0 == k.id);
    for f in [&no_filter, &filters[0], &filters[1]] {
        let passing: Vec<&Known> = known
            .iter()
            .filter(|k| expected(Sort::Newest, f, &known).contains(&k.id))
            .collect();
        let want_sub = passing.iter().filter(in_sub).count() as u32;
        let want_top = passing.len() as u32 - want_sub;
        let got = store.count_listed(&cats, f, 100).await.unwrap();
        assert_eq!(got, vec![(top, want_top), (sub, want_sub)], "{f:?}");
    }
    let capped = store.count_listed(&cats, &no_filter, 2).await.unwrap();
    assert_eq!(capped, vec![(top, 2), (sub, 2)]);

    // A search's matches arranged in a listing's order and filters (品 is in every name).
    let query = SearchQuery::parse("品").unwrap();
    for (sort, f) in [
        (Sort::PriceLow, &no_filter),
        (Sort::PriceHigh, &filters[0]),
        (Sort::BestSelling, &filters[1]),
        (Sort::Newest, &filters[2]),
    ] {
        let want = expected(sort, f, &known);
        let found = store
            .search_arranged(&query, sort, f, (0, 50), 100)
            .await
            .unwrap();
        let got: Vec<i64> = found.products.iter().map(|p| p.id.0).collect();
        assert_eq!(got, want, "{sort:?} {f:?}");
        assert_eq!(found.total, SearchTotal::Exact(want.len() as u32));
        let second = store
            .search_arranged(&query, sort, f, (1, 2), 100)
            .await
            .unwrap();
        let got: Vec<i64> = second.products.iter().map(|p| p.id.0).collect();
        assert_eq!(
            got,
            want.iter().skip(1).take(2).copied().collect::<Vec<_>>()
        );
    }
    let few = store
        .search_arranged(&query, Sort::PriceLow, &no_filter, (0, 50), 3)
        .await
        .unwrap();
    assert_eq!(
        few.total,
        SearchTotal::AtLeast(3),
        "only the best 3 matches"
    );
}

/// The values offered and their counts, as `(value, count)` summed over `cats`.
async fn offered(store: &dyn Store, cats: &[CategoryId], filters: &Filters) -> Vec<(String, u32)> {
    let mut out: Vec<(String, u32)> = Vec::new();
    for (_, value, n) in store.option_counts(cats, filters, 40, 101).await.unwrap() {
        match out.iter_mut().find(|(v, _)| v == value.as_str()) {
            Some((_, total)) => *total += n,
            None => out.push((value.as_str().to_string(), n)),
        }
    }
    out.sort();
    out
}

fn option(v: &str) -> Filters {
    Filters {
        option: OptionValue::parse(v),
        ..Filters::default()
    }
}

pub(super) async fn option_filters_follow_variant_labels(store: Arc<dyn Store>) {
    let (top, ids) = seed(store.as_ref(), &[("無地", "", 500, 5)]).await;
    let plain = ids[0].0;
    let product = |name: &str, labels: &[(&str, i64)]| {
        let skus = labels
            .iter()
            .enumerate()
            .map(|(i, (label, stock))| NewSku {
                code: format!("{name}-{i}"),
                option_label: (*label).into(),
                price: Yen(1000 + i as i64),
                stock: *stock,
            })
            .collect();
        let store = store.clone();
        let name = name.to_string();
        async move {
            store
                .create_product(&NewProduct {
                    category_id: top,
                    name,
                    description: SafeHtml::sanitize(""),
                    tax_category: TaxCategory::Standard,
                    image_hue: 1,
                    published: true,
                    skus,
                })
                .await
                .unwrap()
        }
    };
    let shirt = product("シャツ", &[("S / 黒", 1), ("M / 黒", 0)]).await;
    let coat = product("コート", &[("M / 白", 2)]).await;
    let cap = product("帽子", &[("フリー", 0)]).await;
    let cats = [top];
    let listed = |f: Filters| {
        let store = store.clone();
        async move {
            let mut ids: Vec<i64> = every_page(store.as_ref(), &[top], Sort::Newest, &f).await;
            ids.sort_unstable();
            ids
        }
    };

    assert_eq!(listed(option("M")).await, vec![shirt.0, coat.0]);
    assert_eq!(listed(option("黒")).await, vec![shirt.0]);
    assert_eq!(listed(option("無い色")).await, Vec::<i64>::new());
    assert!(!listed(Filters::default()).await.is_empty());
    let stocked_m = Filters {
        in_stock: true,
        ..option("M")
    };
    // The shirt has M only sold out, but it has S in stock: the product passes both filters.
    assert_eq!(listed(stocked_m).await, vec![shirt.0, coat.0]);
    assert_eq!(
        offered(store.as_ref(), &cats, &Filters::default()).await,
        [("M", 2), ("S", 1), ("フリー", 1), ("白", 1), ("黒", 1)]
            .map(|(v, n)| (v.to_string(), n))
            .to_vec()
    );
    let stocked = Filters {
        in_stock: true,
        ..Filters::default()
    };
    assert_eq!(
        offered(store.as_ref(), &cats, &stocked).await,
        [("M", 2), ("S", 1), ("フリー", 0), ("白", 1), ("黒", 1)]
            .map(|(v, n)| (v.to_string(), n))
            .to_vec(),
        "counts pass the other filters"
    );

    // A relabelled variant, a new one, a hidden product and a move keep the index true.
    let coat_sku = store.product(coat).await.unwrap().unwrap().skus[0].id;
    assert_eq!(
        store
            .relabel_sku(
                coat,
                coat_sku,
                &crate::catalog_admin::SkuLabel {
                    code: "コート-0",
                    option_label: "L / 白",
                    location: "",
                },
                chrono::Utc::now(),
            )
            .await
            .unwrap(),
        Some(true)
    );
    assert_eq!(listed(option("M")).await, vec![shirt.0]);
    assert_eq!(listed(option("L")).await, vec![coat.0]);
    let added = NewSku {
        code: "無地-M".into(),
        option_label: "M".into(),
        price: Yen(500),
        stock: 1,
    };
    assert!(store
        .add_sku(plain, &added, chrono::Utc::now())
        .await
        .unwrap()
        .is_some());
    assert_eq!(listed(option("M")).await, vec![plain.0, shirt.0]);
    store
        .set_published(&[shirt], false, chrono::Utc::now())
        .await
        .unwrap();
    assert_eq!(listed(option("黒")).await, Vec::<i64>::new());
    assert!(!offered(store.as_ref(), &cats, &Filters::default())
        .await
        .iter()
        .any(|(v, _)| v == "黒"));
    let other = store
        .create_category(&NewCategory {
            parent_id: None,
            slug: "hats".into(),
            name: "帽子".into(),
            position: 3,
        })
        .await
        .unwrap();
    let edit = ProductEdit {
        category_id: other,
        name: "帽子".into(),
        description: SafeHtml::sanitize(""),
        tax_category: TaxCategory::Standard,
        published: true,
    };
    assert!(store
        .update_product(cap, &edit, chrono::Utc::now())
        .await
        .unwrap());
    assert_eq!(
        offered(store.as_ref(), &[other], &Filters::default()).await,
        vec![("フリー".to_string(), 1)]
    );
    assert!(!offered(store.as_ref(), &cats, &Filters::default())
        .await
        .iter()
        .any(|(v, _)| v == "フリー"));
}
