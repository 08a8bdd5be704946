//! Price rules end to end (issue #23, item 1; ADR 047): quantity tiers, a sale with a period and
//! case multiples set on the admin price page price the cart, the confirmation and the order;
//! a customer group's price and tax-exclusive display reach its members only, never a guest or
//! a member outside the group (SWS-11), and every change is audited.

use reqwest::StatusCode;

use akinai_domain::admin::AdminRole;
use akinai_domain::ids::SkuId;
use akinai_domain::Yen;

use crate::support::{Shopper, TestApp};

async fn list_price(app: &TestApp, sku: SkuId) -> i64 {
    app.store.skus_for_sale(&[sku]).await.unwrap()[0].price.0
}

/// Saves a SKU's price form on the admin page as `admin`; the response.
async fn save_rules(
    admin: &Shopper,
    app: &TestApp,
    sku: SkuId,
    fields: &[(&str, &str)],
) -> crate::support::Page {
    let product = app.store.skus_for_sale(&[sku]).await.unwrap()[0].product_id;
    let page = admin
        .get(&format!("/admin/products/{}/prices", product.0))
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let csrf = page.hidden("csrf");
    let mut form = vec![("csrf", csrf.as_str())];
    form.extend_from_slice(fields);
    admin
        .post(
            &format!("/admin/products/{}/prices/{}", product.0, sku.0),
            &form,
        )
        .await
}

#[tokio::test]
async fn tiers_a_sale_and_case_multiples_price_the_cart_and_the_order() {
    let app = TestApp::demo().await;
    let tea = app.sku_named("静岡煎茶 100g").await;
    let list = list_price(&app, tea).await;
    let (ten, fifty) = (list * 9 / 10, list * 8 / 10);
    let owner = crate::admin_orders::signed_in(&app, AdminRole::Owner).await;
    let product = app.store.skus_for_sale(&[tea]).await.unwrap()[0].product_id;
    let csrf = owner.get("/admin").await.hidden("csrf");
    let stocked = owner
        .post(
            &format!("/admin/products/{}/stock", product.0),
            &[
                ("csrf", csrf.as_str()),
                ("sku", &tea.0.to_string()),
                ("delta", "+100"),
            ],
        )
        .await;
    assert_eq!(stocked.status, StatusCode::SEE_OTHER, "{}", stocked.body);

    // Tiers that rise are refused whole: nothing is saved.
    let (ten_s, fifty_s, list_s) = (ten.to_string(), fifty.to_string(), list.to_string());
    let rising = save_rules(
        &owner,
        &app,
        tea,
        &[
            ("tier_qty_1", "10"),
            ("tier_price_1", &fifty_s),
            ("tier_qty_2", "50"),
            ("tier_price_2", &ten_s),
            ("multiple", "5"),
        ],
    )
    .await;
    assert_eq!(rising.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(rising.body.contains("数量が多いほど安くなるように"));
    assert!(app.store.sku_price_rules(&[tea]).await.unwrap().is_empty());
    let at_list = save_rules(&owner, &app, tea, &[("sale_price", &list_s)]).await;
    assert!(at_list.body.contains("セール価格は通常価格より安い金額"));

    let saved = save_rules(
        &owner,
        &app,
        tea,
        &[
            ("tier_qty_1", "１０"),
            ("tier_price_1", &ten_s),
            ("tier_qty_2", "50"),
            ("tier_price_2", &fifty_s),
            ("multiple", "5"),
        ],
    )
    .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    assert!(app
        .audit_actions()
        .await
        .iter()
        .any(|a| a == "sku.price_rules"));

    // The product page shows the tiers and the case multiple to everyone.
    let shopper = app.shopper();
    let page = shopper.get(&format!("/product/{}", product.0)).await;
    for must in [
        format!("10個以上 {}", Yen(ten).display()),
        format!("50個以上 {}", Yen(fifty).display()),
        "この商品は5個単位でご注文いただけます".to_string(),
        "name=\"quantity\" value=\"5\"".to_string(),
    ] {
        assert!(page.body.contains(&must), "product page lacks {must}");
    }

    // Not a multiple of 5: refused with the reason, the cart unchanged.
    let odd = shopper.add(tea, "3").await;
    assert_eq!(odd.status, StatusCode::CONFLICT);
    assert!(odd.body.contains("5個単位でご注文いただけます"));
    assert_eq!(shopper.add(tea, "5").await.status, StatusCode::SEE_OTHER);
    let cart = shopper.get("/cart").await;
    assert!(
        cart.body.contains(&Yen(list * 5).display()),
        "{}",
        cart.body
    );
    let csrf = shopper.csrf().await;
    let updated = shopper
        .post(
            "/cart/update",
            &[
                ("csrf", &csrf),
                ("sku", &tea.0.to_string()),
                ("quantity", "10"),
            ],
        )
        .await;
    assert_eq!(updated.status, StatusCode::SEE_OTHER, "{}", updated.body);
    let cart = shopper.get("/cart").await;
    assert!(cart.body.contains("まとめ買い価格"));
    assert!(cart.body.contains(&format!(
        "<s class=\"list-price\">{}</s> {}",
        Yen(list).display(),
        Yen(ten).display()
    )));
    assert!(cart.body.contains(&Yen(ten * 10).display()));

    // A sale from today for a week, below the 10-unit tier: the lowest price wins.
    let sale = ten - 10;
    let today = app.shop.storefront().today();
    let week = today + chrono::Days::new(6);
    let (sale_s, from_s, until_s) = (sale.to_string(), today.to_string(), week.to_string());
    let with_sale = save_rules(
        &owner,
        &app,
        tea,
        &[
            ("tier_qty_1", "10"),
            ("tier_price_1", &ten_s),
            ("tier_qty_2", "50"),
            ("tier_price_2", &fifty_s),
            ("multiple", "5"),
            ("sale_price", &sale_s),
            ("sale_from", &from_s),
            ("sale_until", &until_s),
        ],
    )
    .await;
    assert_eq!(
        with_sale.status,
        StatusCode::SEE_OTHER,
        "{}",
        with_sale.body
    );
    shopper.submit_details(&[]).await;
    let confirm = shopper.get("/checkout/confirm").await;
    assert_eq!(confirm.status, StatusCode::OK, "{}", confirm.body);
    assert!(confirm.body.contains(&Yen(sale * 10).display()));
    assert_eq!(shopper.place().await.status, StatusCode::SEE_OTHER);
    let order = app.newest_order().await;
    assert_eq!(order.lines[0].unit_price, Yen(sale));
    assert_eq!(order.totals.items_total, Yen(sale * 10));

    // The sale ends after its last day; 50 units then cost the 50-unit tier.
    app.clock.advance(chrono::Duration::days(8));
    let next = app.shopper();
    assert_eq!(next.add(tea, "50").await.status, StatusCode::SEE_OTHER);
    let cart = next.get("/cart").await;
    assert!(
        cart.body.contains(&Yen(fifty * 50).display()),
        "{}",
        cart.body
    );
    assert!(!cart.body.contains("セール価格"));
}

#[tokio::test]
async fn sws_11_a_group_price_reaches_the_groups_members_only() {
    let app = TestApp::demo().await;
    let belt = app.sku_named("本革ベルト").await;
    let list = list_price(&app, belt).await;
    let group_price = list * 7 / 10;
    let buyer = app.member("buyer@example.co.jp").await;
    let other = app.member("consumer@example.jp").await;
    let id = app
        .store
        .customer_by_email("buyer@example.co.jp")
        .await
        .unwrap()
        .unwrap()
        .id;

    // Staff may not make groups (ManageCustomers).
    let staff = crate::admin_orders::signed_in(&app, AdminRole::Staff).await;
    let csrf = staff.get("/admin").await.hidden("csrf");
    let refused = staff
        .post(
            "/admin/customer-groups",
            &[("csrf", csrf.as_str()), ("name", "法人")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    let owner = crate::admin_orders::signed_in(&app, AdminRole::Owner).await;
    let csrf = owner.get("/admin/customer-groups").await.hidden("csrf");
    let made = owner
        .post(
            "/admin/customer-groups",
            &[
                ("csrf", csrf.as_str()),
                ("name", "法人"),
                ("discount_percent", "5"),
                ("tax_exclusive", "1"),
            ],
        )
        .await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
    let twice = owner
        .post(
            "/admin/customer-groups",
            &[("csrf", csrf.as_str()), ("name", "法人")],
        )
        .await;
    assert_eq!(twice.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(twice
        .body
        .contains("「法人」という名前のグループはすでにあります"));
    let group = app.store.customer_groups().await.unwrap()[0].id;
    let g = format!("group_{}", group.0);
    let price_s = group_price.to_string();
    let saved = save_rules(&owner, &app, belt, &[(g.as_str(), price_s.as_str())]).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let joined = owner
        .post(
            &format!("/admin/customers/{}/group", id.0),
            &[("csrf", csrf.as_str()), ("group", &group.0.to_string())],
        )
        .await;
    assert_eq!(joined.status, StatusCode::SEE_OTHER, "{}", joined.body);
    let audit = app.audit_actions().await;
    for action in ["customer_group.save", "customer.group", "sku.price_rules"] {
        assert!(
            audit.iter().any(|a| a == action),
            "no {action} in the audit"
        );
    }

    // The member of the group sees the group price, tax excluded beside it; a guest and a
    // member outside the group see the list price only, the guest's page from the cache.
    let product = app.store.skus_for_sale(&[belt]).await.unwrap()[0].product_id;
    let path = format!("/product/{}", product.0);
    let guest = app.shopper();
    for _ in 0..2 {
        let page = guest.get(&path).await;
        assert!(!page.body.contains("法人価格"));
        assert!(!page.body.contains(&Yen(group_price).display()));
    }
    let mine = buyer.get(&path).await;
    assert!(mine.body.contains("法人価格"), "{}", mine.body);
    assert!(mine.body.contains(&Yen(group_price).display()));
    assert!(mine.body.contains("法人のお客さま向けの価格"));
    let excl = group_price
        - akinai_domain::tax::tax_included_in(
            Yen(group_price),
            10,
            akinai_domain::tax::RoundingMode::Floor,
        )
        .0;
    assert!(mine.body.contains(&format!("税抜 {}", Yen(excl).display())));
    let theirs = other.get(&path).await;
    assert!(!theirs.body.contains("法人価格"));
    assert!(!theirs.body.contains(&Yen(group_price).display()));
    assert!(!guest.get(&path).await.body.contains("法人価格"));

    // Listings too: the member's search shows the group price; a guest's (twice, so from the
    // cache) and the other member's do not.
    let search = format!("/search?q={}", "本革ベルト");
    let shown = Yen(group_price).display();
    assert!(
        buyer.get(&search).await.body.contains(&shown),
        "the group price on the member's listing"
    );
    for _ in 0..2 {
        assert!(!guest.get(&search).await.body.contains(&shown));
    }
    assert!(!other.get(&search).await.body.contains(&shown));
    // And the quick order's check shows the price the member will pay.
    let code = app.store.skus_for_sale(&[belt]).await.unwrap()[0]
        .code
        .clone();
    let lines = format!("{code} 1");
    let checked = buyer
        .submit(
            "/quick-order",
            &[("lines", lines.as_str()), ("action", "check")],
        )
        .await;
    assert!(checked.body.contains(&shown), "{}", checked.body);
    let checked = other
        .submit(
            "/quick-order",
            &[("lines", lines.as_str()), ("action", "check")],
        )
        .await;
    assert!(!checked.body.contains(&shown));
    assert!(checked.body.contains(&Yen(list).display()));

    // The group member's order is placed at the group price; the other member's at list.
    buyer.add(belt, "2").await;
    buyer.submit_details(&[]).await;
    assert_eq!(buyer.place().await.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.newest_order().await.lines[0].unit_price,
        Yen(group_price)
    );
    other.add(belt, "1").await;
    other.submit_details(&[]).await;
    assert_eq!(other.place().await.status, StatusCode::SEE_OTHER);
    assert_eq!(app.newest_order().await.lines[0].unit_price, Yen(list));

    // Out of the group, the list price again.
    owner
        .post(
            &format!("/admin/customers/{}/group", id.0),
            &[("csrf", csrf.as_str()), ("group", "0")],
        )
        .await;
    assert!(!buyer.get(&path).await.body.contains("法人価格"));
}

#[tokio::test]
async fn the_api_reads_groups_price_rules_and_coupons_with_products_read_only() {
    use crate::api_resources::{call, problem, token};
    let app = TestApp::demo().await;
    let tea = app.sku_named("静岡煎茶 100g").await;
    let list = list_price(&app, tea).await;
    let owner = crate::admin_orders::signed_in(&app, AdminRole::Owner).await;
    let csrf = owner.get("/admin/customer-groups").await.hidden("csrf");
    owner
        .post(
            "/admin/customer-groups",
            &[
                ("csrf", csrf.as_str()),
                ("name", "卸"),
                ("discount_percent", "15"),
            ],
        )
        .await;
    let group = app.store.customer_groups().await.unwrap()[0].id;
    let g = format!("group_{}", group.0);
    let (ten, wholesale) = ((list * 9 / 10).to_string(), (list * 7 / 10).to_string());
    let saved = save_rules(
        &owner,
        &app,
        tea,
        &[
            ("tier_qty_1", "10"),
            ("tier_price_1", &ten),
            ("multiple", "5"),
            (g.as_str(), wholesale.as_str()),
        ],
    )
    .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let csrf = owner.get("/admin/coupons").await.hidden("csrf");
    let coupon = owner
        .post(
            "/admin/coupons",
            &[
                ("csrf", csrf.as_str()),
                ("code", "OROSHI10"),
                ("kind", "percent"),
                ("value", "10"),
                ("max_uses", "100"),
            ],
        )
        .await;
    assert_eq!(coupon.status, StatusCode::SEE_OTHER, "{}", coupon.body);

    let reader = token(&app, "products:read").await;
    let groups = call(&app, "GET", "/api/v1/customer-groups", &reader).await;
    assert_eq!(groups.status, StatusCode::OK, "{:?}", groups.body);
    assert_eq!(groups.body[0]["name"], "卸");
    assert_eq!(groups.body[0]["discount_percent"], 15);
    let product = app.store.skus_for_sale(&[tea]).await.unwrap()[0].product_id;
    let path = format!("/api/v1/products/{}/price-rules", product.0);
    let rules = call(&app, "GET", &path, &reader).await;
    assert_eq!(rules.status, StatusCode::OK, "{:?}", rules.body);
    let variant = rules
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["variant_id"] == tea.0)
        .unwrap();
    assert_eq!(variant["list_price"], list);
    assert_eq!(variant["tiers"][0]["min_quantity"], 10);
    assert_eq!(variant["tiers"][0]["price"], list * 9 / 10);
    assert_eq!(variant["multiple"], 5);
    assert_eq!(variant["group_prices"][0]["group_id"], group.0);
    assert_eq!(variant["group_prices"][0]["price"], list * 7 / 10);
    assert!(variant["sale"].is_null());
    let coupons = call(&app, "GET", "/api/v1/coupons", &reader).await;
    assert_eq!(coupons.status, StatusCode::OK);
    let c = &coupons.body[0];
    assert_eq!(
        (c["code"].as_str(), c["kind"].as_str()),
        (Some("OROSHI10"), Some("percent"))
    );
    assert_eq!(
        (c["value"].as_i64(), c["max_uses"].as_i64()),
        (Some(10), Some(100))
    );

    // Without products:read, each is refused; an unknown product is 404.
    let orders_only = token(&app, "orders:read").await;
    for path in ["/api/v1/customer-groups", path.as_str(), "/api/v1/coupons"] {
        problem(
            &call(&app, "GET", path, &orders_only).await,
            StatusCode::FORBIDDEN,
            "insufficient-scope",
        );
    }
    let missing = call(&app, "GET", "/api/v1/products/999999/price-rules", &reader).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}
