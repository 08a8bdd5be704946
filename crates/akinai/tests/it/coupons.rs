//! Coupons end to end (issue #23, item 6): made from the CLI, entered on the cart in any width
//! and case, split across the 8% and 10% items on the confirmation screen, the order, the mail
//! and the status page; refused with the reason; guessing throttled (IPA-C-7); and a 10-use
//! coupon raced by 50 checkouts used exactly 10 times.

use std::sync::Arc;

use reqwest::StatusCode;

use akinai_domain::coupon::CouponCode;
use akinai_domain::tax::{tax_included_in, TaxCategory};
use akinai_domain::Yen;

use crate::support::{Shopper, TestApp};

fn create(app: &TestApp, args: &[&str]) -> std::process::Output {
    let mut all = vec!["coupons", "create"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--by", "campaign-script"]);
    app.cli(&all)
}

async fn apply(shopper: &Shopper, code: &str) -> crate::support::Page {
    let csrf = shopper.csrf().await;
    shopper
        .post("/cart/coupon", &[("csrf", &csrf), ("code", code)])
        .await
}

#[tokio::test]
async fn a_coupon_is_split_across_both_rates_on_every_page_and_the_mail() {
    let app = TestApp::demo().await;
    let out = create(
        &app,
        &["--code", "WELCOME1000", "--amount", "1000", "--min", "3000"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(app
        .audit_actions()
        .await
        .contains(&"coupon.create".to_string()));
    let shopper = app.shopper();
    let tea = app.sku_named("静岡煎茶 100g").await; // 8%
    let belt = app.sku_named("本革ベルト").await; // 10%
    let prices = app.store.skus_for_sale(&[tea, belt]).await.unwrap();
    let price = |id| prices.iter().find(|s| s.sku_id == id).unwrap().price.0;
    let (reduced, standard) = (2 * price(tea), price(belt));
    shopper.add(tea, "2").await;
    shopper.add(belt, "1").await;
    // Typed in full width and lower case.
    let applied = apply(&shopper, "ｗｅｌｃｏｍｅ１０００").await;
    assert_eq!(
        (applied.status, applied.location()),
        (StatusCode::SEE_OTHER, "/cart")
    );
    let cart = shopper.get("/cart").await;
    assert!(
        cart.body
            .contains("クーポン「WELCOME1000」を適用しました: -¥1,000"),
        "{}",
        cart.body
    );
    // By hand: each rate's share is 1000 × its items / all items, rounded down; the yen left
    // goes to the larger remainder (the 10% part on a tie).
    let all = reduced + standard;
    let (mut std_share, mut red_share) = (1000 * standard / all, 1000 * reduced / all);
    if std_share + red_share < 1000 {
        if (1000 * reduced) % all > (1000 * standard) % all {
            red_share += 1;
        } else {
            std_share += 1;
        }
    }
    assert_eq!(std_share + red_share, 1000);
    let items = all - 1000;
    let shipping = if items >= 10_000 { 0 } else { 800 };
    let std_total = standard - std_share + shipping;
    let red_total = reduced - red_share;
    let settings = app.store.settings().await.unwrap().expect("settings");
    let std_tax = tax_included_in(Yen(std_total), 10, settings.rounding);
    let red_tax = tax_included_in(Yen(red_total), 8, settings.rounding);

    shopper.submit_details(&[]).await;
    let confirm = shopper.get("/checkout/confirm").await;
    assert_eq!(confirm.status, StatusCode::OK);
    for must in [
        "<td class=\"num\">-¥1,000</td>".to_string(),
        format!("<td class=\"num\">{}</td>", Yen(items + shipping).display()),
        format!(
            "{} <small>(内消費税 {})</small>",
            Yen(std_total).display(),
            std_tax.display()
        ),
        format!(
            "{} <small>(内消費税 {})</small>",
            Yen(red_total).display(),
            red_tax.display()
        ),
        format!("(値引 -{} 反映後)", Yen(std_share).display()),
        format!("(値引 -{} 反映後)", Yen(red_share).display()),
    ] {
        assert!(confirm.body.contains(&must), "confirmation lacks {must}");
    }
    let placed = shopper.place().await;
    assert_eq!(placed.status, StatusCode::SEE_OTHER);
    let order = app.newest_order().await;
    assert_eq!(order.coupon_code.as_deref(), Some("WELCOME1000"));
    assert_eq!(order.totals.discount, Yen(1000));
    assert_eq!(order.totals.grand_total, Yen(items + shipping));
    let rate = |c: TaxCategory| {
        order
            .totals
            .rates
            .iter()
            .find(|r| r.tax_category == c)
            .unwrap()
    };
    assert_eq!(
        (
            rate(TaxCategory::Standard).total,
            rate(TaxCategory::Standard).tax
        ),
        (Yen(std_total), std_tax)
    );
    assert_eq!(
        (
            rate(TaxCategory::Reduced).total,
            rate(TaxCategory::Reduced).tax
        ),
        (Yen(red_total), red_tax)
    );
    assert_eq!(rate(TaxCategory::Reduced).discount, Yen(red_share));
    // The status page and the confirmation mail say the same.
    let status = shopper.get(placed.location()).await;
    assert!(status.body.contains("<td class=\"num\">-¥1,000</td>"));
    assert!(status
        .body
        .contains(&format!("(値引 -{} 反映後)", Yen(red_share).display())));
    app.shop.jobs().run_due_jobs().await.unwrap();
    let mail = app.mails().join("\n");
    assert!(
        mail.contains("クーポン値引 (WELCOME1000): -¥1,000"),
        "{mail}"
    );
    assert!(mail.contains(&format!(
        "8%対象 {} 内消費税 {}) (値引 -{} 反映後)",
        Yen(red_total).display(),
        red_tax.display(),
        Yen(red_share).display()
    )));
    // The invoice PDF (as a reader sees it) shows the discount and each rate's share.
    let (status_code, _, pdf) = shopper
        .get_bytes(&format!("{}/invoice.pdf", placed.location()))
        .await;
    assert_eq!(status_code, StatusCode::OK);
    if let Some(text) = crate::documents::pdf_text(&pdf) {
        for must in [
            "クーポン値引".to_string(),
            "-¥1,000".to_string(),
            format!("値引 -{} 反映後", Yen(std_share).display()),
            format!("値引 -{} 反映後", Yen(red_share).display()),
            Yen(red_total).display(),
            red_tax.display(),
        ] {
            assert!(text.contains(&must), "{must} missing in:\n{text}");
        }
    }
    let code = CouponCode::parse("WELCOME1000").unwrap();
    assert_eq!(
        app.store.coupon_by_code(&code).await.unwrap().unwrap().used,
        1
    );
}

#[tokio::test]
async fn refusals_say_why_and_the_cli_checks_every_option() {
    let app = TestApp::demo().await;
    let bad = create(
        &app,
        &["--code", "x!", "--percent", "150", "--until", "12/31"],
    );
    assert!(!bad.status.success());
    let err = String::from_utf8_lossy(&bad.stderr);
    for must in ["--code", "--percent", "--until"] {
        assert!(err.contains(must), "{err}");
    }
    let neither = create(&app, &["--code", "NOOFF"]);
    assert!(
        !neither.status.success(),
        "--percent or --amount is required"
    );
    assert!(create(
        &app,
        &["--code", "BIG", "--percent", "10", "--min", "100000"]
    )
    .status
    .success());
    let again = create(&app, &["--code", "big", "--amount", "100"]);
    assert!(String::from_utf8_lossy(&again.stderr).contains("すでに使われています"));
    let list = app.cli(&["coupons", "list"]);
    assert!(String::from_utf8_lossy(&list.stdout).contains("BIG\t10%引\t最低 ¥100,000"));

    let shopper = app.shopper();
    shopper.add(app.sku_named("静岡煎茶 100g").await, "1").await;
    let unknown = apply(&shopper, "NOSUCHCODE").await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(unknown.body.contains("このクーポンコードは見つかりません"));
    assert!(
        unknown.body.contains("value=\"NOSUCHCODE\""),
        "the typed code is kept"
    );
    let below = apply(&shopper, "big").await;
    assert_eq!(below.status, StatusCode::CONFLICT);
    assert!(below
        .body
        .contains("商品合計 ¥100,000 以上でご利用いただけます"));
    assert!(
        shopper.get("/cart").await.body.contains("name=\"code\""),
        "nothing kept"
    );
}

/// IPA-C-7: unknown codes are throttled per source address, like failed logins.
#[tokio::test]
async fn ipa_c_7_guessing_coupon_codes_is_throttled_per_source() {
    let app = TestApp::demo().await;
    assert!(create(&app, &["--code", "REAL10", "--percent", "10"])
        .status
        .success());
    let tea = app.sku_named("静岡煎茶 100g").await;
    let guesser = app.shopper_from("198.51.100.7");
    guesser.add(tea, "1").await;
    for n in 0..akinai_core::coupons::GUESSES {
        let page = apply(&guesser, &format!("GUESS{n:04}")).await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let blocked = apply(&guesser, "REAL10").await;
    assert_eq!(
        blocked.status,
        StatusCode::TOO_MANY_REQUESTS,
        "even a real code waits"
    );
    let other = app.shopper_from("203.0.113.9");
    other.add(tea, "1").await;
    assert_eq!(apply(&other, "REAL10").await.status, StatusCode::SEE_OTHER);
    // After the window the guesser may try again.
    app.clock
        .advance(akinai_core::coupons::GUESS_WINDOW + chrono::Duration::seconds(1));
    assert_eq!(
        apply(&guesser, "REAL10").await.status,
        StatusCode::SEE_OTHER
    );
}

/// A coupon with 10 uses and 50 shoppers placing orders with it at once: 10 orders use it, the
/// others are sent back to the cart, which says it is used up; no stock moves for them.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_racing_checkouts_use_a_ten_use_coupon_ten_times() {
    let app = Arc::new(TestApp::demo().await);
    assert!(create(
        &app,
        &["--code", "FIRST10", "--amount", "300", "--uses", "10"]
    )
    .status
    .success());
    let tea = app.sku_named("静岡煎茶 100g").await;
    app.store
        .adjust_stock(tea, 100, crate::support::test_now())
        .await
        .unwrap();
    let stock = app.stock(tea).await;
    let mut buyers = Vec::new();
    for _ in 0..50 {
        let shopper = app.shopper();
        shopper.add(tea, "1").await;
        assert_eq!(
            apply(&shopper, "FIRST10").await.status,
            StatusCode::SEE_OTHER
        );
        shopper.submit_details(&[]).await;
        let confirm = shopper.get("/checkout/confirm").await;
        assert!(confirm.body.contains("-¥300"));
        buyers.push((
            shopper,
            confirm.hidden("csrf"),
            confirm.hidden("fingerprint"),
        ));
    }
    let tasks: Vec<_> = buyers
        .into_iter()
        .map(|(shopper, csrf, fingerprint)| {
            tokio::spawn(async move {
                let page = shopper
                    .post(
                        "/checkout/confirm",
                        &[("csrf", &csrf), ("fingerprint", &fingerprint)],
                    )
                    .await;
                (shopper, page)
            })
        })
        .collect();
    let (mut ordered, mut refused) = (0, 0);
    for t in tasks {
        let (shopper, page) = t.await.unwrap();
        assert_eq!(page.status, StatusCode::SEE_OTHER);
        match page.location() {
            l if l.starts_with("/order/") => ordered += 1,
            "/cart" => {
                refused += 1;
                if refused == 1 {
                    let cart = shopper.get("/cart").await;
                    assert!(cart.body.contains("利用上限に達したため"), "{}", cart.body);
                }
            }
            other => panic!("unexpected redirect {other}"),
        }
    }
    assert_eq!((ordered, refused), (10, 40));
    let code = CouponCode::parse("FIRST10").unwrap();
    assert_eq!(
        app.store.coupon_by_code(&code).await.unwrap().unwrap().used,
        10
    );
    assert_eq!(app.stock(tea).await, stock - 10);
}

/// The back office's 「クーポン」: made with every field refused at once when wrong, stopped (the
/// cart refuses it) and resumed, each change audited; a viewer may not (SWS-11).
#[tokio::test]
async fn staff_make_stop_and_resume_coupons_in_the_back_office() {
    use akinai_domain::admin::AdminRole;
    let app = TestApp::demo().await;
    let manager = crate::admin_orders::signed_in(&app, AdminRole::Manager).await;
    let bad = manager
        .admin_post(
            "/admin/coupons",
            &[
                ("code", "x"),
                ("kind", "percent"),
                ("value", "120"),
                ("valid_until", "12/31"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    for must in [
        "クーポンは作成していません",
        "英数字・ハイフン・アンダースコアで 3〜32 文字",
        "%引きは 1〜100 の整数",
        "開始日より後",
        "value=\"120\"",
    ] {
        assert!(bad.body.contains(must), "{must} missing");
    }
    let made = manager
        .admin_post(
            "/admin/coupons",
            &[
                ("code", "ｓｐｒｉｎｇ２０２７"),
                ("kind", "amount"),
                ("value", "1,000"),
                ("min_purchase", "5000"),
                ("max_uses", "300"),
                ("per_customer", "1"),
                ("valid_from", "2026-11-01"),
                ("valid_until", "2026-12-31"),
            ],
        )
        .await;
    assert_eq!(
        (made.status, made.location()),
        (StatusCode::SEE_OTHER, "/admin/coupons?done=created")
    );
    let list = manager.get("/admin/coupons?done=created").await;
    for must in [
        "<code>SPRING2027</code>",
        "¥1,000引き",
        "¥5,000以上",
        "お一人様 1 回まで",
        "2026-11-01 〜 2026-12-31",
        "0 / 300",
    ] {
        assert!(list.body.contains(must), "{must} missing");
    }
    let id = app
        .store
        .coupon_by_code(&CouponCode::parse("SPRING2027").unwrap())
        .await
        .unwrap()
        .unwrap()
        .id;
    let switch = format!("/admin/coupons/{}/switch", id.0);
    let stopped = manager.admin_post(&switch, &[("action", "disable")]).await;
    assert_eq!(stopped.status, StatusCode::SEE_OTHER);
    let shopper = app.shopper();
    shopper.add(app.sku_named("本革ベルト").await, "1").await;
    let refused = apply(&shopper, "spring2027").await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert!(refused.body.contains("このクーポンは配布を終了しました"));
    manager.admin_post(&switch, &[("action", "enable")]).await;
    assert_eq!(
        apply(&shopper, "spring2027").await.status,
        StatusCode::SEE_OTHER
    );
    let actions = app.audit_actions().await;
    for a in ["coupon.create", "coupon.disable", "coupon.enable"] {
        assert!(actions.contains(&a.to_string()), "{a} audited");
    }
    let viewer = crate::admin_orders::signed_in(&app, AdminRole::Viewer).await;
    assert_eq!(
        viewer.get("/admin/coupons").await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn a_category_coupon_covers_its_subcategories_products_only() {
    let app = TestApp::demo().await;
    let all = app.store.categories().await.unwrap();
    let food = all.iter().find(|c| c.slug == "food").unwrap().id;
    let out = create(
        &app,
        &[
            "--code",
            "FOOD10",
            "--percent",
            "10",
            "--categories",
            &food.0.to_string(),
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let unknown = create(
        &app,
        &[
            "--code",
            "NOCAT",
            "--percent",
            "10",
            "--categories",
            "99999",
        ],
    );
    assert!(!unknown.status.success());
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("カテゴリ ID 99999 はありません"));
    let bad = create(
        &app,
        &["--code", "BADCAT", "--percent", "10", "--categories", "x"],
    );
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--categories"));

    let shopper = app.shopper();
    let tea = app.sku_named("静岡煎茶 100g").await; // 食品 > お茶
    let belt = app.sku_named("本革ベルト").await; // ファッション
    let product = app.store.skus_for_sale(&[tea]).await.unwrap()[0].product_id;
    let tea_category = app
        .store
        .product(product)
        .await
        .unwrap()
        .unwrap()
        .category_id;
    assert_ne!(tea_category, food, "the tea lies in a subcategory of 食品");
    let price = app.store.skus_for_sale(&[tea]).await.unwrap()[0].price.0;
    shopper.add(tea, "2").await;
    shopper.add(belt, "1").await;
    assert_eq!(
        apply(&shopper, "food10").await.status,
        StatusCode::SEE_OTHER
    );
    let off = 2 * price / 10;
    let cart = shopper.get("/cart").await;
    assert!(
        cart.body.contains(&format!(
            "クーポン「FOOD10」を適用しました: -{}",
            Yen(off).display()
        )),
        "{}",
        cart.body
    );
    shopper.submit_details(&[]).await;
    let confirm = shopper.get("/checkout/confirm").await;
    assert!(confirm
        .body
        .contains(&format!("(値引 -{} 反映後)", Yen(off).display())));
    // Only the 8% part is reduced: the belt's 10% line carries no share.
    assert_eq!(confirm.body.matches("反映後").count(), 1);
}
