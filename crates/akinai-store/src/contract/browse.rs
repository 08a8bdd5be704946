//! Contract cases: category listings in every browse order and filter, page after page, with
//! the sort keys kept true by the store's triggers (ADR 031).

use super::*;
use akinai_domain::browse::{Browse, Filters, Sort};

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
    filters: Filters,
) -> Vec<i64> {
    let mut seen = Vec::new();
    let mut browse = Browse {
        sort,
        filters,
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
        assert!(store.update_product(*pid, &edit).await.unwrap());
    }
    // Sales: 3 of product 2, 1 of product 6 (sold keys follow order lines).
    for (n, (i, q)) in [(2usize, 3u32), (6, 1)].into_iter().enumerate() {
        let order = new_order(store.as_ref(), 50 + n as u64, &[(ids[i].1, q)]).await;
        store.place_order(&order).await.unwrap();
        known[i].sold += i64::from(q);
    }
    // A price change and a sell-out move their products.
    assert!(store
        .set_sku_price(ids[0].0, ids[0].1, Yen(20_000))
        .await
        .unwrap());
    known[0].price = 20_000;
    let left = store.skus_for_sale(&[ids[4].1]).await.unwrap()[0].stock;
    store.adjust_stock(ids[4].1, -left).await.unwrap();
    known[4].in_stock = false;
    // Whether each is in stock, as the store now says.
    for (k, (_, sku)) in known.iter_mut().zip(&ids) {
        k.in_stock = stock_of(store.as_ref(), *sku).await > 0;
    }

    let cats = [top, sub];
    let no_filter = Filters::default();
    for sort in Sort::ALL {
        assert_eq!(
            every_page(store.as_ref(), &cats, sort, no_filter).await,
            expected(sort, &no_filter, &known),
            "{sort:?}"
        );
    }
    let filters = [
        Filters {
            in_stock: true,
            ..no_filter
        },
        Filters {
            price_min: Some(Yen(800)),
            price_max: Some(Yen(3000)),
            ..no_filter
        },
        Filters {
            in_stock: true,
            price_min: Some(Yen(1000)),
            price_max: None,
        },
    ];
    for f in filters {
        for sort in [Sort::Recommended, Sort::PriceLow, Sort::BestSelling] {
            assert_eq!(
                every_page(store.as_ref(), &cats, sort, f).await,
                expected(sort, &f, &known),
                "{sort:?} {f:?}"
            );
        }
    }
    // The sub-category alone; a hidden product leaves every listing.
    assert_eq!(
        every_page(store.as_ref(), &[sub], Sort::Newest, no_filter).await,
        vec![known[7].id, known[6].id, known[5].id]
    );
    store.set_published(&[ids[6].0], false).await.unwrap();
    assert_eq!(
        every_page(store.as_ref(), &[sub], Sort::Newest, no_filter).await,
        vec![known[7].id, known[5].id]
    );
    let empty = store.browse(&[], &Browse::default(), 3).await.unwrap();
    assert!(empty.products.is_empty() && empty.next.is_none());
}
