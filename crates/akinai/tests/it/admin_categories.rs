//! The catalog's structure over real HTTP (admin issue, item 5): categories renamed, moved and
//! reordered (never under themselves — the storefront's menu follows at once), a variant's code
//! and option label changed (a code in use is refused, nothing written), an image made the main
//! one; every change audited with before/after (IPA-C-12); viewers refused (SWS-11).

use reqwest::StatusCode;

use akinai_domain::admin::AdminRole;
use akinai_domain::catalog::Category;

use crate::admin_catalog::photo_with_exif;
use crate::admin_orders::signed_in;
use crate::support::TestApp;

async fn category(app: &TestApp, slug: &str) -> Category {
    app.store
        .categories()
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.slug == slug)
        .unwrap()
}

#[tokio::test]
async fn categories_are_renamed_and_nested_but_never_under_themselves() {
    let app = TestApp::demo().await;
    let staff = signed_in(&app, AdminRole::Staff).await;
    for (name, slug) in [("お茶", "teas-all"), ("緑茶", "green-leaf")] {
        let added = staff
            .admin_post("/admin/categories", &[("name", name), ("slug", slug)])
            .await;
        assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    }
    let tea = category(&app, "teas-all").await;
    let green = category(&app, "green-leaf").await;
    let (tea_id, green_id) = (tea.id.0.to_string(), green.id.0.to_string());

    // 緑茶 goes under お茶, renamed; the storefront's category page lists it as a child.
    let moved = staff
        .admin_post(
            &format!("/admin/categories/{green_id}"),
            &[
                ("name", "日本の緑茶"),
                ("slug", "green-leaf"),
                ("parent", &tea_id),
                ("position", "3"),
            ],
        )
        .await;
    assert_eq!(moved.status, StatusCode::SEE_OTHER, "{}", moved.body);
    let shop = app.shopper().get("/category/teas-all").await;
    assert!(shop.body.contains("日本の緑茶"), "{}", shop.body);

    // お茶 under 緑茶 would be a cycle: refused, nothing saved.
    let cycle = staff
        .admin_post(
            &format!("/admin/categories/{tea_id}"),
            &[
                ("name", "お茶"),
                ("slug", "teas-all"),
                ("parent", &green_id),
                ("position", "1"),
            ],
        )
        .await;
    assert_eq!(cycle.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(cycle.body.contains("移動できません"));
    assert_eq!(category(&app, "teas-all").await.parent_id, None);
    // Another category's address is refused too.
    let taken = staff
        .admin_post(
            &format!("/admin/categories/{green_id}"),
            &[
                ("name", "緑茶"),
                ("slug", "teas-all"),
                ("parent", ""),
                ("position", "3"),
            ],
        )
        .await;
    assert_eq!(taken.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(category(&app, "green-leaf").await.name, "日本の緑茶");

    let page = staff.get("/admin/categories").await;
    assert!(page.body.contains("└ ") && page.body.contains("日本の緑茶"));
    let update = &app
        .store
        .audit_entries_of("category.update", 5)
        .await
        .unwrap()[0];
    assert!(
        update.record.detail.contains(r#""name":"緑茶""#)
            && update
                .record
                .detail
                .contains(&format!(r#""parent":{tea_id}"#)),
        "{}",
        update.record.detail
    );
    let viewer = signed_in(&app, AdminRole::Viewer).await;
    assert_eq!(
        viewer.get("/admin/categories").await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn a_variant_is_relabelled_and_an_image_becomes_the_main_one() {
    let app = TestApp::demo().await;
    let staff = signed_in(&app, AdminRole::Staff).await;
    let rows = app.store.admin_products(None, 2).await.unwrap();
    let (product, other) = (rows[0].id, rows[1].id);
    let sku = app.store.product(product).await.unwrap().unwrap().skus[0].clone();
    let other_code = app.store.product(other).await.unwrap().unwrap().skus[0]
        .code
        .clone();
    let path = format!("/admin/products/{}/skus/edit", product.0);
    let sku_id = sku.id.0.to_string();

    let taken = staff
        .admin_post(
            &path,
            &[
                ("sku", &sku_id),
                ("code", &other_code),
                ("option_label", "x"),
            ],
        )
        .await;
    assert_eq!(taken.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(taken.body.contains("すでに使われています"));
    let renamed = staff
        .admin_post(
            &path,
            &[
                ("sku", &sku_id),
                ("code", "NEW-CODE-1"),
                ("option_label", "大瓶"),
            ],
        )
        .await;
    assert_eq!(renamed.status, StatusCode::SEE_OTHER, "{}", renamed.body);
    let after = app.store.product(product).await.unwrap().unwrap().skus[0].clone();
    assert_eq!(
        (
            after.code.as_str(),
            after.option_label.as_str(),
            after.stock
        ),
        ("NEW-CODE-1", "大瓶", sku.stock)
    );
    let audit = &app.store.audit_entries_of("sku.update", 5).await.unwrap()[0];
    assert!(audit.record.detail.contains(&sku.code) && audit.record.detail.contains("NEW-CODE-1"));

    // Two photos; the second becomes the storefront's main one.
    let images = format!("/admin/products/{}/images", product.0);
    let token = staff.get("/admin").await.hidden("csrf");
    for size in [40, 60] {
        let up = staff
            .upload(
                &images,
                &token,
                "p.jpg",
                "image/jpeg",
                photo_with_exif(size, size),
            )
            .await;
        assert_eq!(up.status, StatusCode::SEE_OTHER, "{}", up.body);
    }
    let listed = app.store.product_images(product).await.unwrap();
    let second = listed[1].name.clone();
    let first = staff
        .admin_post(&format!("{images}/first"), &[("name", second.as_str())])
        .await;
    assert_eq!(first.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.store.product(product).await.unwrap().unwrap().image,
        Some(second.0.clone())
    );
    let missing = staff
        .admin_post(&format!("{images}/first"), &[("name", "0000.jpg")])
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}
