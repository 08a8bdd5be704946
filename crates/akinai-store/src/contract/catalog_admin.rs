//! Contract cases for the admin's catalog work: edits, stock deltas beside purchases, variants,
//! categories, images.

use std::sync::Arc;

use akinai_domain::catalog::NewSku;
use akinai_domain::ids::{CategoryId, ImageName};
use akinai_domain::rich_text::SafeHtml;
use akinai_domain::tax::TaxCategory;
use akinai_domain::Yen;

use super::{new_order, seed, stock_of, t0};
use crate::catalog_admin::{NewProductImage, ProductEdit, SkuLabel, MAX_IMAGES_PER_PRODUCT};

fn label<'a>(code: &'a str, option_label: &'a str, location: &'a str) -> SkuLabel<'a> {
    SkuLabel {
        code,
        option_label,
        location,
    }
}
use crate::{NewCategory, Store};

pub(super) async fn stock_moves_by_delta_beside_purchases_and_edits_keep_it(store: Arc<dyn Store>) {
    let (cat, ids) = seed(store.as_ref(), &[("A", "<p>old</p>", 1000, 10)]).await;
    let (product, sku) = ids[0];
    // The admin loaded the form at stock 10; a purchase of 3 happens; the admin adds 5.
    store
        .place_order(&new_order(store.as_ref(), 1, &[(sku, 3)]).await)
        .await
        .unwrap();
    assert_eq!(
        store
            .adjust_stock(sku, 5, chrono::Utc::now())
            .await
            .unwrap(),
        Some(12)
    );
    assert_eq!(
        store
            .adjust_stock(sku, -13, chrono::Utc::now())
            .await
            .unwrap(),
        None,
        "never below zero"
    );
    assert_eq!(stock_of(store.as_ref(), sku).await, 12);
    assert_eq!(
        store
            .adjust_stock(sku, -12, chrono::Utc::now())
            .await
            .unwrap(),
        Some(0)
    );
    assert_eq!(
        store
            .adjust_stock(akinai_domain::ids::SkuId(9999), 1, chrono::Utc::now())
            .await
            .unwrap(),
        None
    );
    store
        .adjust_stock(sku, 4, chrono::Utc::now())
        .await
        .unwrap();
    // A product edit does not touch stock; unpublishing hides it from the storefront only.
    let edit = ProductEdit {
        category_id: cat,
        name: "新しい名前".into(),
        description: SafeHtml::sanitize("<p>new</p><script>x</script>"),
        tax_category: TaxCategory::Reduced,
        published: false,
    };
    assert!(store
        .update_product(product, &edit, chrono::Utc::now())
        .await
        .unwrap());
    assert!(store.product(product).await.unwrap().is_none());
    let admin = store.admin_product(product).await.unwrap().unwrap();
    assert_eq!(admin.product.skus[0].stock, 4);
    assert!(!admin.published);
    assert_eq!(admin.product.name, "新しい名前");
    assert_eq!(admin.product.tax_category, TaxCategory::Reduced);
    assert!(!admin.product.description.as_str().contains("script"));
    let rows = store.admin_products(None, 10).await.unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!((rows[0].stock, rows[0].published), (4, false));
    assert!(store
        .set_sku_price(product, sku, Yen(1200), t0())
        .await
        .unwrap());
    assert!(!store
        .set_sku_price(akinai_domain::ids::ProductId(9999), sku, Yen(1), t0())
        .await
        .unwrap());
    assert_eq!(
        store
            .admin_product(product)
            .await
            .unwrap()
            .unwrap()
            .product
            .skus[0]
            .price,
        Yen(1200)
    );
}

pub(super) async fn skus_are_added_with_unique_codes(store: Arc<dyn Store>) {
    let (_, ids) = seed(store.as_ref(), &[("A", "", 1000, 10)]).await;
    let product = ids[0].0;
    assert!(store.sku_code_taken("SKU-0").await.unwrap());
    assert!(!store.sku_code_taken("SKU-9").await.unwrap());
    let new = NewSku {
        code: "SKU-9".into(),
        option_label: "L".into(),
        price: Yen(1500),
        stock: 4,
    };
    let added = store.add_sku(product, &new, t0()).await.unwrap().unwrap();
    assert!(
        store.add_sku(product, &new, t0()).await.unwrap().is_none(),
        "code taken"
    );
    let missing = store
        .add_sku(
            akinai_domain::ids::ProductId(9999),
            &NewSku {
                code: "SKU-10".into(),
                ..new.clone()
            },
            t0(),
        )
        .await
        .unwrap();
    assert!(missing.is_none());
    let skus = store.product(product).await.unwrap().unwrap().skus;
    assert_eq!(skus.len(), 2);
    assert_eq!(
        (skus[1].id, skus[1].option_label.as_str(), skus[1].stock),
        (added, "L", 4)
    );

    // Relabelling: another SKU's code is refused, a foreign SKU is not found, and a new code and
    // label are saved (stock untouched).
    assert_eq!(
        store
            .relabel_sku(product, added, &label("SKU-0", "L", ""), t0())
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store
            .relabel_sku(
                akinai_domain::ids::ProductId(9999),
                added,
                &label("SKU-11", "L", ""),
                t0()
            )
            .await
            .unwrap(),
        Some(false)
    );
    assert_eq!(
        store
            .relabel_sku(product, added, &label("SKU-9L", "Lサイズ", "B-02-1"), t0())
            .await
            .unwrap(),
        Some(true)
    );
    let skus = store.product(product).await.unwrap().unwrap().skus;
    assert_eq!(
        (
            skus[1].code.as_str(),
            skus[1].option_label.as_str(),
            skus[1].stock
        ),
        ("SKU-9L", "Lサイズ", 4)
    );
    // The 棚番 is kept with it; SKUs without one are not listed, unknown codes are ignored.
    let mut codes: Vec<String> = (0..1200).map(|i| format!("NONE-{i}")).collect();
    codes.extend(["SKU-9L".to_string(), skus[0].code.clone()]);
    assert_eq!(
        store.sku_locations(&codes).await.unwrap(),
        vec![("SKU-9L".to_string(), "B-02-1".to_string())]
    );
}

pub(super) async fn categories_are_renamed_and_moved(store: Arc<dyn Store>) {
    let (top, _) = seed(store.as_ref(), &[("A", "", 1000, 10)]).await;
    let child = store
        .create_category(&NewCategory {
            parent_id: None,
            slug: "tea".into(),
            name: "お茶".into(),
            position: 2,
        })
        .await
        .unwrap();
    let moved = NewCategory {
        parent_id: Some(top),
        slug: "green-tea".into(),
        name: "緑茶".into(),
        position: 5,
    };
    assert!(store.update_category(child, &moved).await.unwrap());
    assert!(!store
        .update_category(CategoryId(9999), &moved)
        .await
        .unwrap());
    let all = store.categories().await.unwrap();
    let c = all.iter().find(|c| c.id == child).unwrap();
    assert_eq!(
        (c.parent_id, c.slug.as_str(), c.name.as_str(), c.position),
        (Some(top), "green-tea", "緑茶", 5)
    );
}

pub(super) async fn product_images_are_bounded_ordered_and_served_by_name(store: Arc<dyn Store>) {
    let (_, ids) = seed(store.as_ref(), &[("A", "", 1000, 10)]).await;
    let product = ids[0].0;
    let name = |n: i64| ImageName(format!("{n:032x}.jpg"));
    let image = |n: i64| NewProductImage {
        product,
        name: name(n),
        content_type: "image/jpeg".into(),
        width: 10,
        height: 20,
        bytes: vec![0xFF, 0xD8, u8::try_from(n).unwrap()],
        at: t0(),
        source: None,
    };
    for n in 1..=MAX_IMAGES_PER_PRODUCT {
        assert!(store.add_product_image(&image(n)).await.unwrap());
    }
    assert!(
        !store.add_product_image(&image(99)).await.unwrap(),
        "at most {MAX_IMAGES_PER_PRODUCT}"
    );
    let missing = NewProductImage {
        product: akinai_domain::ids::ProductId(9999),
        ..image(100)
    };
    assert!(!store.add_product_image(&missing).await.unwrap());
    let listed = store.product_images(product).await.unwrap();
    assert_eq!(listed.len(), 10);
    assert_eq!(listed[0].name, name(1));
    assert_eq!((listed[0].width, listed[0].height), (10, 20));
    assert_eq!(
        store.product(product).await.unwrap().unwrap().image,
        Some(format!("{:032x}.jpg", 1))
    );
    let (ct, bytes) = store.image_bytes(&name(2)).await.unwrap().unwrap();
    assert_eq!((ct.as_str(), bytes), ("image/jpeg", vec![0xFF, 0xD8, 2]));
    // Scaled copies are kept once, and go with their image.
    store
        .save_image_size(&name(1), 320, "image/jpeg", &[1, 2])
        .await
        .unwrap();
    store
        .save_image_size(&name(1), 320, "image/jpeg", &[9, 9])
        .await
        .unwrap();
    assert_eq!(
        store.image_size(&name(1), 320).await.unwrap(),
        Some(("image/jpeg".to_string(), vec![1, 2])),
        "the first one made stays"
    );
    assert_eq!(store.image_size(&name(1), 640).await.unwrap(), None);
    assert!(store
        .delete_product_image(product, &name(1), t0())
        .await
        .unwrap());
    assert!(!store
        .delete_product_image(product, &name(1), t0())
        .await
        .unwrap());
    assert_eq!(
        store.image_size(&name(1), 320).await.unwrap(),
        None,
        "deleted with it"
    );
    store
        .save_image_size(&name(1), 320, "image/jpeg", &[1])
        .await
        .unwrap();
    assert_eq!(
        store.image_size(&name(1), 320).await.unwrap(),
        None,
        "no image, no copy"
    );
    assert_eq!(
        store.product(product).await.unwrap().unwrap().image,
        Some(format!("{:032x}.jpg", 2))
    );
    // Any image can become the first one; an image of another product cannot be moved.
    assert!(store
        .make_image_first(product, &name(7), t0())
        .await
        .unwrap());
    assert!(!store
        .make_image_first(akinai_domain::ids::ProductId(9999), &name(7), t0())
        .await
        .unwrap());
    assert_eq!(
        store.product(product).await.unwrap().unwrap().image,
        Some(format!("{:032x}.jpg", 7))
    );
    assert_eq!(
        store.product_images(product).await.unwrap()[1].name,
        name(2)
    );
    assert!(store
        .image_bytes(&ImageName("nothing.jpg".into()))
        .await
        .unwrap()
        .is_none());
}

pub(super) async fn products_are_published_in_bulk_and_on_schedule(store: Arc<dyn Store>) {
    let (_, ids) = seed(
        store.as_ref(),
        &[("A", "", 1000, 1), ("B", "", 1000, 1), ("C", "", 1000, 1)],
    )
    .await;
    let (a, b, c) = (ids[0].0, ids[1].0, ids[2].0);
    assert_eq!(
        store
            .set_published(&[a, b], false, chrono::Utc::now())
            .await
            .unwrap(),
        2
    );
    assert!(store.product(a).await.unwrap().is_none());
    assert!(store.product(c).await.unwrap().is_some());
    assert_eq!(
        store
            .set_published(&[], true, chrono::Utc::now())
            .await
            .unwrap(),
        0
    );
    let at = t0() + chrono::Duration::hours(2);
    assert!(store.schedule_publish(a, Some(at)).await.unwrap());
    assert_eq!(
        store.admin_product(a).await.unwrap().unwrap().publish_at,
        Some(at)
    );
    assert_eq!(store.publish_due(t0()).await.unwrap(), 0, "not yet");
    assert!(store.product(a).await.unwrap().is_none());
    assert_eq!(store.publish_due(at).await.unwrap(), 1);
    let published = store.admin_product(a).await.unwrap().unwrap();
    assert!(published.published && published.publish_at.is_none());
    assert!(
        store.product(b).await.unwrap().is_none(),
        "b had no schedule"
    );
    // Publishing by hand drops a schedule.
    store.schedule_publish(b, Some(at)).await.unwrap();
    store
        .set_published(&[b], true, chrono::Utc::now())
        .await
        .unwrap();
    assert_eq!(
        store.admin_product(b).await.unwrap().unwrap().publish_at,
        None
    );
}
