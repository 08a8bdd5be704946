//! The settings screens over real HTTP (admin issue, item 8): a manager sets up the shop (profile,
//! JP-TOK-1 notice, JP-INV-1 registration number, bank account, per-prefecture shipping) and the
//! storefront shows it; bad input saves nothing; member security policies are for owners only and
//! need the password and a fresh code again (IPA-C-10, CCSG-V-1); every change is audited with
//! before and after (IPA-C-12).

use chrono::Duration;
use reqwest::StatusCode;

use akinai_core::accounts::totp::code_at;
use akinai_domain::admin::AdminRole;
use akinai_domain::settings::SecondFactorPolicy;

use crate::admin_orders::signed_in;
use crate::support::admin;
use crate::support::{Shopper, TestApp};

use crate::support::admin::ADMIN_PASSWORD as PASSWORD;

async fn save(admin: &Shopper, section: &str, fields: &[(&str, &str)]) -> crate::support::Page {
    let csrf = admin.get("/admin/settings").await.hidden("csrf");
    let mut form = vec![("csrf", csrf.as_str())];
    form.extend_from_slice(fields);
    admin
        .post(&format!("/admin/settings/{section}"), &form)
        .await
}

#[tokio::test]
async fn jp_tok_1_jp_inv_1_a_manager_sets_up_the_shop_and_the_storefront_shows_it() {
    let app = TestApp::demo().await;
    let manager = signed_in(&app, AdminRole::Manager).await;
    let page = manager.get("/admin/settings").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("特定商取引法に基づく表記"));
    assert!(!page.body.contains("会員のセキュリティ"), "owners only");

    let saved = save(
        &manager,
        "profile",
        &[("shop_name", "みりん堂"), ("tagline", "三河の本みりん")],
    )
    .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    assert!(app.shopper().get("/").await.body.contains("みりん堂"));

    let legal: Vec<(&str, &str)> = vec![
        ("seller_name", "株式会社みりん堂"),
        ("representative", "代表取締役 三河 花子"),
        ("address", "〒444-0000 愛知県岡崎市1-1"),
        ("phone", "0564-00-0000"),
        ("email", "info@mirindo.example"),
        ("business_hours", "平日 9:00〜17:00"),
        ("additional_fees", "送料・代引手数料"),
        ("payment_timing", "前払い・代引"),
        ("delivery_timing", "3 営業日以内に発送"),
        ("returns_policy", "未開封に限り 8 日以内に返品可"),
    ];
    assert_eq!(
        save(&manager, "legal", &legal).await.status,
        StatusCode::SEE_OTHER
    );
    let notice = app.shopper().get("/legal/tokushoho").await;
    assert!(notice.body.contains("0564-00-0000") && notice.body.contains("株式会社みりん堂"));
    // The per-method payment timings are optional (blank: the default) and saved when worded.
    let mut worded = legal.clone();
    worded.push(("timing_card", "発送の前日に決済します。"));
    assert_eq!(
        save(&manager, "legal", &worded).await.status,
        StatusCode::SEE_OTHER
    );
    let timings = app
        .store
        .settings()
        .await
        .unwrap()
        .unwrap()
        .legal
        .payment_timings;
    assert_eq!(timings.card, "発送の前日に決済します。");
    assert_eq!(timings.konbini, "", "blank means the default");
    // A bad e-mail address saves nothing of the form.
    let mut bad = legal.clone();
    bad[3] = ("phone", "0564-99-9999");
    bad[4] = ("email", "not an address");
    let refused = save(&manager, "legal", &bad).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("変更していません"));
    assert!(!app
        .shopper()
        .get("/legal/tokushoho")
        .await
        .body
        .contains("0564-99-9999"));

    let wrong = save(
        &manager,
        "invoice",
        &[("invoice_number", "T1234"), ("rounding", "floor")],
    )
    .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.body.contains("13 桁"));
    let right = save(
        &manager,
        "invoice",
        &[("invoice_number", "T1234567890123"), ("rounding", "floor")],
    )
    .await;
    assert_eq!(right.status, StatusCode::SEE_OTHER, "{}", right.body);
    let s = app.shop.storefront().settings().await.unwrap();
    assert_eq!(s.invoice_number.unwrap().as_str(), "T1234567890123");

    let method = s.shipping_methods[0].code.clone();
    let shipping = save(
        &manager,
        "shipping",
        &[
            ("code", &method),
            ("name", "宅配便"),
            ("fee", "700"),
            ("free_over", "8000"),
            ("prefecture_fees", "北海道 1500\n沖縄県 1800"),
        ],
    )
    .await;
    assert_eq!(shipping.status, StatusCode::SEE_OTHER, "{}", shipping.body);
    let m = app.shop.storefront().settings().await.unwrap();
    let m = m.shipping_method(&method).unwrap();
    use akinai_domain::address::Prefecture;
    use akinai_domain::Yen;
    assert_eq!(m.fee(Prefecture::Hokkaido, Yen(1000)), Yen(1500));
    assert_eq!(m.fee(Prefecture::Tokyo, Yen(1000)), Yen(700));
    assert_eq!(m.fee(Prefecture::Hokkaido, Yen(8000)), Yen::ZERO);

    let bank = save(
        &manager,
        "bank",
        &[
            ("bank", "岡崎信用金庫"),
            ("branch", "本店"),
            ("account_type", "普通"),
            ("number", "1234567"),
            ("holder", "カ)ミリンドウ"),
            ("due_days", "5"),
        ],
    )
    .await;
    assert_eq!(bank.status, StatusCode::SEE_OTHER);

    let changes = app
        .store
        .audit_entries_of("settings.change", 20)
        .await
        .unwrap();
    assert_eq!(changes.len(), 6, "one entry per saved form");
    assert!(changes
        .iter()
        .any(|e| e.record.detail.contains(r#""phone":"03-1234-5678""#)
            && e.record.detail.contains(r#""phone":"0564-00-0000""#)));
}

/// IPA-C-10 / CCSG-V-1: only owners change member security, and only with password and code.
#[tokio::test]
async fn ipa_c_10_security_policies_need_an_owner_and_re_authentication() {
    let app = TestApp::demo().await;
    let staff = signed_in(&app, AdminRole::Staff).await;
    assert_eq!(
        staff.get("/admin/settings").await.status,
        StatusCode::FORBIDDEN
    );
    let manager = signed_in(&app, AdminRole::Manager).await;
    let csrf = manager.get("/admin/settings").await.hidden("csrf");
    let forbidden = manager
        .post(
            "/admin/settings/security",
            &[("csrf", csrf.as_str()), ("second_factor", "required")],
        )
        .await;
    assert_eq!(forbidden.status, StatusCode::FORBIDDEN);

    let (owner, secret) = admin::signed_in(&app, "boss@example.jp", AdminRole::Owner).await;
    app.clock.advance(Duration::seconds(30));
    let now = akinai_core::Clock::now(app.clock.as_ref());
    let csrf = owner.get("/admin/settings").await.hidden("csrf");
    let wrong = owner
        .post(
            "/admin/settings/security",
            &[
                ("csrf", csrf.as_str()),
                ("second_factor", "required"),
                ("password", "wrong password here"),
                ("code", &code_at(&secret, now).unwrap()),
            ],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        app.shop
            .storefront()
            .settings()
            .await
            .unwrap()
            .second_factor,
        SecondFactorPolicy::Optional
    );
    app.clock.advance(Duration::seconds(30));
    let now = akinai_core::Clock::now(app.clock.as_ref());
    let done = owner
        .post(
            "/admin/settings/security",
            &[
                ("csrf", csrf.as_str()),
                ("second_factor", "required"),
                ("guest_checkout", "1"),
                ("password", PASSWORD),
                ("code", &code_at(&secret, now).unwrap()),
            ],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert_eq!(
        app.shop
            .storefront()
            .settings()
            .await
            .unwrap()
            .second_factor,
        SecondFactorPolicy::Required
    );
    let entry = &app
        .store
        .audit_entries_of("settings.change", 5)
        .await
        .unwrap()[0];
    assert!(entry
        .record
        .detail
        .contains(r#""second_factor":"optional""#));
    assert!(entry
        .record
        .detail
        .contains(r#""second_factor":"required""#));
    assert!(entry.record.actor.starts_with("admin:"));
}

/// Item 8 (mail templates, privacy, delivery, payments): the shop's own wording is used for the
/// shipping mail with only the allowed placeholders; the privacy policy page shows the new
/// purposes; a shop without cash on delivery stops offering it.
#[tokio::test]
async fn the_shops_own_mail_wording_privacy_delivery_and_payments_are_used() {
    let app = TestApp::demo().await;
    let manager = signed_in(&app, AdminRole::Manager).await;
    let bad = save(
        &manager,
        "mail",
        &[
            ("code", "shipped"),
            ("subject", "{shop}"),
            ("body", "{customer.password}"),
        ],
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("使えるのは"));
    let ok = save(
        &manager,
        "mail",
        &[
            ("code", "shipped"),
            ("subject", "【{shop}】{number} を出荷しました"),
            (
                "body",
                "{name} 様、いつもありがとうございます。\n{carrier} の伝票番号は {tracking} です。",
            ),
        ],
    )
    .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    app.order_one("本みりん").await;
    let id = app
        .store
        .list_orders(&Default::default(), None, 1)
        .await
        .unwrap()[0]
        .id;
    let csrf = manager.get("/admin").await.hidden("csrf");
    for form in [
        vec![("csrf", csrf.as_str()), ("event", "pay")],
        vec![
            ("csrf", csrf.as_str()),
            ("event", "ship"),
            ("carrier", "japan_post"),
            ("tracking", "1234-5678-9012"),
        ],
    ] {
        let r = manager
            .post(&format!("/admin/orders/{}/step", id.0), &form)
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    }
    app.shop.jobs().run_due_jobs().await.unwrap();
    let mails = app.mails();
    let shipped = mails
        .iter()
        .find(|m| m.contains("伝票番号"))
        .expect("the shop's own shipping mail");
    assert!(shipped.contains("日本郵便 の伝票番号は 123456789012 です。"));
    assert!(shipped.contains("山田 花子 様、いつもありがとうございます。"));
    assert!(
        shipped.contains("https://shop.example.jp/order/"),
        "the link is always added"
    );

    let privacy = save(
        &manager,
        "privacy",
        &[
            ("purposes", "商品の発送\n新商品のご案内(同意された方のみ)"),
            ("business_operator", "株式会社みりん堂"),
            ("third_parties", "配送業者に配送に必要な範囲で提供します"),
            ("security_measures", "アクセス制御と暗号化"),
            ("request_procedure", "メールでご請求ください"),
            ("contact", "privacy@mirindo.example"),
        ],
    )
    .await;
    assert_eq!(privacy.status, StatusCode::SEE_OTHER, "{}", privacy.body);
    let page = app.shopper().get("/legal/privacy").await;
    assert!(page.body.contains("新商品のご案内(同意された方のみ)"));

    let delivery = save(
        &manager,
        "delivery",
        &[
            ("earliest_days", "3"),
            ("latest_days", "2"),
            ("time_slots", "午前中"),
        ],
    )
    .await;
    assert_eq!(
        delivery.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "latest before earliest"
    );
    let payments = save(
        &manager,
        "payments",
        &[("bank_transfer", "1"), ("cod_fees", "")],
    )
    .await;
    assert_eq!(payments.status, StatusCode::SEE_OTHER, "{}", payments.body);
    let s = app.shop.storefront().settings().await.unwrap();
    assert_eq!(
        s.payment_methods,
        vec![akinai_domain::order::PaymentMethod::BankTransfer]
    );
}
