//! Accessibility (first-hour issue, item 18; JIS X 8341-3:2016 = WCAG 2.0 AA): axe-core's WCAG 2.0
//! A and AA rules run in Debian's headless Chromium over the storefront's key pages and the back
//! office's, at a phone's width (375 px) and a desktop's (1280 px), and any violation fails; and
//! a purchase is made with the keyboard alone.
//!
//! axe-core comes from npm, pinned in `tools/a11y/package-lock.json` (`npm ci --prefix
//! tools/a11y`, which CI runs); it is injected through WebDriver, outside the pages' CSP. Without
//! it (or without Chromium) the tests print that they did not run and pass; with
//! `AKINAI_REQUIRE_BROWSER=1` (CI) its absence fails the run.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "browser/kit.rs"]
#[allow(dead_code)]
mod kit;
#[allow(dead_code)]
#[path = "it/support/mod.rs"]
mod support;
#[path = "browser/webdriver.rs"]
#[allow(dead_code)]
mod webdriver;

use akinai_domain::admin::AdminRole;
use serde_json::{json, Value};

use akinai_domain::ids::ProductId;
use kit::{browser, fill_checkout, log_in, GUEST};
use support::TestApp;
use webdriver::{Browser, ARROW_DOWN, END, ENTER, TAB};

/// axe-core's source, or `None` (said on stderr) when it is not installed.
fn axe_source() -> Option<String> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tools/a11y/node_modules/axe-core/axe.min.js"
    );
    match std::fs::read_to_string(path) {
        Ok(source) => Some(source),
        Err(_) => {
            assert!(
                std::env::var("AKINAI_REQUIRE_BROWSER").as_deref() != Ok("1"),
                "axe-core is required: run `npm ci --prefix tools/a11y`"
            );
            eprintln!("NOTE: accessibility test DID NOT RUN: npm ci --prefix tools/a11y");
            None
        }
    }
}

/// The demo shop on `localhost`, its storefront's address and a product in stock (本みりん).
async fn demo_shop() -> (TestApp, String, ProductId) {
    let app = TestApp::demo_at_localhost().await;
    let base = format!("http://localhost:{}", app.addr.port());
    let sku = app.sku_named("本みりん").await;
    let product = app.store.skus_for_sale(&[sku]).await.unwrap()[0].product_id;
    (app, base, product)
}

/// axe-core's WCAG 2.0 A/AA violations of the page now shown, at both widths, as text.
async fn violations(b: &Browser, axe: &str, name: &str) -> Vec<String> {
    let mut found = Vec::new();
    for (width, height) in [(375, 812), (1280, 900)] {
        b.resize(width, height).await;
        if b.execute("return typeof axe").await != json!("object") {
            b.execute(&format!("{axe}\nreturn true;")).await;
        }
        let result = b
            .execute_async(
                "var done = arguments[arguments.length - 1];\
                 axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa']}})\
                   .then(function (r) { done(r.violations.map(function (v) {\
                     return v.id + ': ' + v.help + ' at ' + v.nodes.map(function (n) {\
                       return n.target.join(' '); }).join(', '); })); },\
                         function (e) { done(['axe failed: ' + e]); });",
                vec![],
            )
            .await;
        let list = result
            .as_array()
            .cloned()
            .unwrap_or_else(|| panic!("axe-core did not answer on {name}: {result}"));
        for v in list {
            found.push(format!("{name} @{width}px: {}", v.as_str().unwrap_or("?")));
        }
    }
    found
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_storefront_and_the_back_office_have_no_axe_violations_at_phone_and_desktop_width() {
    let Some(axe) = axe_source() else { return };
    let Some(b) = browser().await else { return };
    let (app, base, product) = demo_shop().await;
    // The check itself works: an image without a text alternative is found.
    b.goto(&format!("{base}/")).await;
    b.execute("var i = document.createElement('img'); i.src = '/x.png'; document.querySelector('main').appendChild(i); return true;")
        .await;
    let planted = violations(&b, &axe, "planted").await;
    assert!(
        planted.iter().any(|v| v.contains("image-alt")),
        "axe-core should have found the planted image: {planted:?}"
    );
    let mut all = Vec::new();
    let mut check = |found: Vec<String>| all.extend(found);

    for (name, path) in [
        ("home", "/".to_string()),
        ("category", "/category/food".to_string()),
        ("search", "/search?q=%E9%9D%A9".to_string()),
        (
            "category, filters open",
            "/category/fashion?opt=M&stock=1&min=abc".to_string(),
        ),
        (
            "search, sorted and filtered",
            "/search?q=%E9%9D%A9&sort=price_asc&stock=1".to_string(),
        ),
        ("product", format!("/product/{}", product.0)),
        ("tokushoho", "/legal/tokushoho".to_string()),
        ("privacy", "/legal/privacy".to_string()),
        ("accessibility", "/accessibility".to_string()),
        ("quick order", "/quick-order".to_string()),
        ("login", "/account/login".to_string()),
        ("register", "/account/register".to_string()),
        ("not found", "/no-such-page".to_string()),
    ] {
        b.goto(&format!("{base}{path}")).await;
        check(violations(&b, &axe, name).await);
    }
    // Quick order checks the lines as they are typed (its script runs under the CSP and SRI).
    b.goto(&format!("{base}/quick-order")).await;
    b.type_into("#lines", "NO-SUCH-CODE 1").await;
    b.wait_for_text("入る行 0 件、直す行 1 件").await;
    check(violations(&b, &axe, "quick order, checked as typed").await);
    // The purchase: cart, checkout empty and with errors, confirmation, status.
    b.goto(&format!("{base}/product/{}", product.0)).await;
    b.click("form[action='/cart/add'] button[type=submit]")
        .await;
    b.wait_for_url("/cart").await;
    check(violations(&b, &axe, "cart").await);
    b.goto(&format!("{base}/checkout")).await;
    check(violations(&b, &axe, "checkout").await);
    b.click("form.checkout button.primary").await;
    b.wait_for_text("class=\"field invalid\"").await;
    check(violations(&b, &axe, "checkout with errors").await);
    fill_checkout(&b).await;
    b.click("form.checkout button.primary").await;
    b.wait_for_url("/checkout/confirm").await;
    check(violations(&b, &axe, "confirmation").await);
    b.click("form.place button[type=submit]").await;
    b.wait_for_url("/order/").await;
    check(violations(&b, &axe, "order status").await);

    // A member's pages.
    app.member("a11y@example.jp").await;
    log_in(&b, &base, "a11y@example.jp").await;
    for (name, path) in [
        ("my page", "/account"),
        ("addresses", "/account/addresses"),
        ("new address", "/account/addresses/new"),
        ("profile", "/account/profile"),
        ("business account", "/account/business"),
    ] {
        b.goto(&format!("{base}{path}")).await;
        check(violations(&b, &axe, name).await);
    }
    // A business application, so the back office lists one waiting.
    b.goto(&format!("{base}/account/business")).await;
    b.type_into("input[name=company]", "株式会社あきない").await;
    b.click("form[action='/account/business'] button[type=submit]")
        .await;
    b.wait_for_text("business-status").await;
    check(violations(&b, &axe, "business account applied").await);
    // With points: the history and the cart's points box.
    let customer = app
        .store
        .customer_by_email("a11y@example.jp")
        .await
        .unwrap()
        .unwrap()
        .id;
    let now = akinai_core::Clock::now(app.clock.as_ref());
    app.store.adjust_points(customer, 500, now).await.unwrap();
    b.goto(&format!("{base}/account/points")).await;
    check(violations(&b, &axe, "points").await);
    b.goto(&format!("{base}/product/{}", product.0)).await;
    b.click("form[action='/cart/add'] button[type=submit]")
        .await;
    b.wait_for_url("/cart").await;
    b.wait_for_text("points-to-use").await;
    check(violations(&b, &axe, "cart with points").await);
    // A quote asked for on the cart: the form, then its page by the private link.
    b.goto(&format!("{base}/quote-request")).await;
    check(violations(&b, &axe, "quote request").await);
    b.type_into("input[name=phone]", "03-1234-5678").await;
    b.click("form[action='/quote-request'] button[type=submit]")
        .await;
    b.wait_for_url("/quotes/").await;
    check(violations(&b, &axe, "quote").await);
    b.goto(&format!("{base}/account/quotes")).await;
    check(violations(&b, &axe, "my quotes").await);
    // The member's company approved with invoice terms, and a statement issued to it.
    let company = app.store.companies(1).await.unwrap()[0].id;
    let now = akinai_core::Clock::now(app.clock.as_ref());
    app.store
        .decide_company(company, true, None, "admin:1", now)
        .await
        .unwrap();
    let terms = akinai_domain::receivables::CreditTerms {
        terms: Default::default(),
        credit_limit: Some(akinai_domain::Yen(100_000)),
    };
    app.store.set_company_terms(company, &terms).await.unwrap();
    let settings = app.store.settings().await.unwrap().unwrap();
    let day = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    let orders = [akinai_domain::receivables::StatementOrder {
        order_number: "AK00000001".into(),
        placed_on: day("2026-11-03"),
        rates: vec![(
            akinai_domain::tax::TaxCategory::Reduced,
            akinai_domain::Yen(2_160),
        )],
    }];
    let period = akinai_domain::receivables::Period {
        first: day("2026-11-01"),
        closing: day("2026-11-30"),
    };
    let doc = akinai_domain::receivables::statement_document(
        &akinai_domain::receivables::StatementFacts {
            settings: &settings,
            addressee: "株式会社あきない".into(),
            period,
            due_on: day("2026-12-31"),
            issued_on: day("2026-12-01"),
            orders: &orders,
        },
    )
    .unwrap();
    app.store
        .issue_statement(&akinai_store::receivables::NewStatement {
            company,
            period_from: period.first,
            period_to: period.closing,
            due_on: day("2026-12-31"),
            total: doc.grand_total,
            content: serde_json::to_string(&doc).unwrap(),
            issued_at: now,
            issued_by: "system".into(),
            orders: Vec::new(),
        })
        .await
        .unwrap()
        .unwrap();
    b.goto(&format!("{base}/account/statements")).await;
    check(violations(&b, &axe, "my statements").await);
    // The approved company's page for its admin (members with a buyer's role and removal
    // forms, invitation, approval rule), and an invitation's page.
    let colleague = app
        .store
        .create_customer(&akinai_store::NewCustomer {
            email: "buyer@example.jp".into(),
            name: "佐藤 次郎".into(),
            password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
            created_at: now,
        })
        .await
        .unwrap()
        .unwrap();
    // An invitation to the company for `email`; its link's secret.
    let invite = |email: &'static str| {
        let app = &app;
        async move {
            let token = akinai_core::tokens::generate();
            app.store
                .create_invite(&akinai_store::business::NewInvite {
                    company,
                    token: token.hash.clone(),
                    link_nonce: format!("a11y-{email}"),
                    email: email.into(),
                    role: akinai_domain::business::CompanyRole::Buyer,
                    invited_by: customer,
                    created_at: now,
                    expires_at: now + chrono::Duration::days(7),
                })
                .await
                .unwrap();
            token
        }
    };
    let joined = invite("buyer@example.jp").await;
    assert!(app
        .store
        .accept_invite(&joined.hash, colleague, now)
        .await
        .unwrap());
    b.goto(&format!("{base}/account/business")).await;
    b.wait_for_text("会社から外す").await;
    check(violations(&b, &axe, "company admin").await);
    let invite = invite("colleague@example.jp").await;
    b.goto(&format!("{base}/account/business/join?t={}", invite.secret))
        .await;
    check(violations(&b, &axe, "company invitation").await);
    let recipient = akinai_domain::address_book::RecipientInput {
        name: "山田 花子".into(),
        name_kana: "ヤマダ ハナコ".into(),
        phone: "090-1234-5678".into(),
        postal_code: "150-0001".into(),
        prefecture: "13".into(),
        city: "渋谷区".into(),
        line1: "神宮前1-2-3".into(),
        line2: String::new(),
    }
    .parse()
    .unwrap();
    app.store
        .save_address(customer, None, &recipient, now, 10)
        .await
        .unwrap();
    b.goto(&format!("{base}/account/addresses")).await;
    check(violations(&b, &axe, "addresses with sharing").await);

    // The back office, signed in as the owner.
    let admin = format!("http://{}", app.admin_addr);
    let email = "a11y-owner@example.jp";
    let (_, secret) = support::admin::enrolled(&app, email, AdminRole::Owner).await;
    b.goto(&format!("{admin}/admin/login")).await;
    check(violations(&b, &axe, "admin login").await);
    b.type_into("input[name=email]", email).await;
    b.type_into("input[name=password]", support::admin::ADMIN_PASSWORD)
        .await;
    let code =
        akinai_core::accounts::totp::code_at(&secret, akinai_core::Clock::now(app.clock.as_ref()))
            .unwrap();
    b.type_into("input[name=code]", &code).await;
    b.click("form.account button[type=submit]").await;
    b.wait_for_text("ダッシュボード").await;
    let order = app.newest_order().await.id;
    // An issued invoice, so the correction page shows its table and form.
    let placed = app.store.order(order).await.unwrap().unwrap();
    app.shop
        .documents()
        .for_customer(&placed, akinai_domain::documents::DocumentKind::Invoice)
        .await
        .unwrap();
    // A customer group, so the groups page lists one and the price page has a group price field.
    {
        let group = akinai_domain::price_rules_input::NewGroup {
            name: "法人".into(),
            discount_percent: 5,
            tax_exclusive: true,
        };
        app.store
            .save_customer_group(None, &group, chrono::Utc::now())
            .await
            .unwrap();
    }
    for (name, path) in [
        ("dashboard", "/admin".to_string()),
        ("customer groups", "/admin/customer-groups".to_string()),
        ("business accounts", "/admin/business".to_string()),
        ("quotes", "/admin/quotes".to_string()),
        ("quote", "/admin/quotes/1".to_string()),
        ("receivables", "/admin/receivables".to_string()),
        ("statement", "/admin/receivables/1".to_string()),
        (
            "product prices",
            format!("/admin/products/{}/prices", product.0),
        ),
        ("customer", format!("/admin/customers/{}", customer.0)),
        ("orders", "/admin/orders".to_string()),
        ("order", format!("/admin/orders/{}", order.0)),
        ("products", "/admin/products".to_string()),
        ("product edit", format!("/admin/products/{}", product.0)),
        ("settings", "/admin/settings".to_string()),
        ("products CSV", "/admin/products/csv".to_string()),
        ("customers CSV", "/admin/customers/csv".to_string()),
        ("orders export", "/admin/orders/export".to_string()),
        ("shipping", format!("/admin/shipping?order={}", order.0)),
        ("API tokens", "/admin/api-tokens".to_string()),
        ("webhooks", "/admin/webhooks".to_string()),
        ("self-assessment", "/admin/selfcheck".to_string()),
        ("security tasks", "/admin/security-tasks".to_string()),
        ("go-live gate", "/admin/go-live".to_string()),
        ("security report", "/admin/security-report".to_string()),
        (
            "invoice correction",
            format!("/admin/orders/{}/invoice/correct", order.0),
        ),
    ] {
        b.goto(&format!("{admin}{path}")).await;
        check(violations(&b, &axe, name).await);
    }
    assert!(all.is_empty(), "axe-core found:\n{}", all.join("\n"));
}

/// Presses Tab until the focused element matches `css` (bounded), so that the next key acts
/// on it; fails if it is never reached.
async fn tab_to(b: &Browser, css: &str) {
    for _ in 0..80 {
        let here = b
            .execute(&format!(
                "return document.activeElement && document.activeElement.matches({});",
                Value::String(css.to_string())
            ))
            .await;
        if here == json!(true) {
            return;
        }
        b.keys(TAB).await;
    }
    panic!("{css} is not reachable with Tab");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_purchase_can_be_made_with_the_keyboard_alone() {
    let Some(b) = browser().await else { return };
    let (app, base, product) = demo_shop().await;
    b.goto(&format!("{base}/")).await;
    tab_to(&b, "input[name=q]").await;
    b.keys(&format!("本みりん{ENTER}")).await;
    b.wait_for_url("/search?q=").await;
    tab_to(&b, &format!("a[href='/product/{}']", product.0)).await;
    b.keys(ENTER).await;
    b.wait_for_url("/product/").await;
    tab_to(&b, "form[action='/cart/add'] button[type=submit]").await;
    b.keys(ENTER).await;
    b.wait_for_url("/cart").await;
    tab_to(&b, "a[href='/checkout']").await;
    b.keys(ENTER).await;
    b.wait_for_url("/checkout").await;
    // Name to postal code by the keyboard; the address comes from the postal code.
    for (field, value) in &GUEST[..5] {
        tab_to(&b, &format!("input[name={field}]")).await;
        b.keys(value).await;
    }
    // 「住所を自動入力」 fills prefecture, city and town from the postal code.
    tab_to(&b, "button[name=autofill]").await;
    b.keys(ENTER).await;
    b.wait_for_text("郵便番号から住所を入力しました").await;
    // Tab selects a field's text: End keeps the filled town and adds the number after it.
    tab_to(&b, "input[name=line1]").await;
    b.keys(&format!("{END}1-2-3")).await;
    // Tab enters a radio group at its chosen button; the arrow keys choose within it.
    tab_to(&b, "input[name=payment_method]:checked").await;
    b.keys(ARROW_DOWN).await;
    assert_eq!(
        b.execute("return document.querySelector('input[name=payment_method]:checked').value")
            .await,
        json!("cash_on_delivery")
    );
    tab_to(&b, "form.checkout button.primary").await;
    b.keys(ENTER).await;
    b.wait_for_url("/checkout/confirm").await;
    let confirm = b.source().await;
    assert!(confirm.contains("神宮前1-2-3") && confirm.contains("代金引換"));
    tab_to(&b, "form.place button[type=submit]").await;
    b.keys(ENTER).await;
    b.wait_for_url("/order/").await;
    assert!(b.source().await.contains("ご注文受付"));
    let order = app.newest_order().await;
    assert_eq!(order.details.address.line1, "神宮前1-2-3");
    assert_eq!(order.details.address.city, "渋谷区");
}
