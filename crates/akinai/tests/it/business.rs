//! Business customers end to end (issue #23, item 2): a member applies on my page (bad input
//! refused with the reason, a second open application refused), staff without the capability
//! cannot decide (SWS-11), an owner approves into the 法人 group, whose prices then apply, and the
//! member's invoice is addressed to the company; every step is audited.

use reqwest::StatusCode;

use akinai_domain::admin::AdminRole;
use akinai_domain::documents::DocumentKind;
use akinai_domain::price_rules_input::NewGroup;
use akinai_domain::Yen;

use crate::support::TestApp;

#[tokio::test]
async fn sws_11_a_member_applies_staff_cannot_decide_an_owner_approves_and_invoices_name_the_company(
) {
    let app = TestApp::demo().await;
    let member = app.member("kobayashi@example.co.jp").await;
    let page = member.get("/account/business").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("法人アカウントを申し込む"));
    assert_eq!(
        app.shopper().get("/account/business").await.status,
        StatusCode::SEE_OTHER,
        "members only"
    );

    let csrf = member.csrf().await;
    let bad = member
        .post(
            "/account/business",
            &[("csrf", &csrf), ("company", " "), ("invoice_number", "T12")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("会社名を 100 文字以内で入力してください"));
    assert!(bad.body.contains("「T」と 13 桁の数字"));
    assert!(app.store.companies(10).await.unwrap().is_empty());
    let applied = member
        .post(
            "/account/business",
            &[
                ("csrf", &csrf),
                ("company", "株式会社あきない"),
                ("department", "購買部"),
                ("invoice_number", "T1234567890123"),
            ],
        )
        .await;
    assert_eq!(applied.status, StatusCode::SEE_OTHER, "{}", applied.body);
    assert!(member
        .get("/account/business")
        .await
        .body
        .contains("審査中"));
    let twice = member
        .post(
            "/account/business",
            &[("csrf", &csrf), ("company", "株式会社あきない")],
        )
        .await;
    assert_eq!(twice.status, StatusCode::CONFLICT);
    let company = app.store.companies(10).await.unwrap()[0].id;

    let houjin = app
        .store
        .save_customer_group(
            None,
            &NewGroup {
                name: "法人".into(),
                discount_percent: 10,
                tax_exclusive: true,
            },
            chrono::Utc::now(),
        )
        .await
        .unwrap()
        .unwrap();
    let decide = format!("/admin/business/{}/decide", company.0);
    let staff = crate::admin_orders::signed_in(&app, AdminRole::Staff).await;
    let csrf = staff.get("/admin").await.hidden("csrf");
    let refused = staff
        .post(
            &decide,
            &[
                ("csrf", csrf.as_str()),
                ("action", "approve"),
                ("group", &houjin.0.to_string()),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    let owner = crate::admin_orders::signed_in(&app, AdminRole::Owner).await;
    let list = owner.get("/admin/business").await;
    assert!(list.body.contains("株式会社あきない 購買部"));
    assert!(list.body.contains("T1234567890123"));
    assert!(list.body.contains("kobayashi@example.co.jp"));
    let csrf = list.hidden("csrf");
    let approved = owner
        .post(
            &decide,
            &[
                ("csrf", csrf.as_str()),
                ("action", "approve"),
                ("group", &houjin.0.to_string()),
            ],
        )
        .await;
    assert_eq!(approved.status, StatusCode::SEE_OTHER, "{}", approved.body);
    let again = owner
        .post(&decide, &[("csrf", csrf.as_str()), ("action", "reject")])
        .await;
    assert_eq!(again.status, StatusCode::NOT_FOUND, "decided once");
    let audit = app.audit_actions().await;
    for action in ["business.apply", "business.approve"] {
        assert!(
            audit.iter().any(|a| a == action),
            "no {action} in the audit"
        );
    }
    // Invoice terms: staff may not set them; bad terms are refused whole; good ones are shown
    // on my page (ADR 050).
    let terms = format!("/admin/business/{}/terms", company.0);
    let staff_terms = staff
        .post(
            &terms,
            &[("csrf", staff.get("/admin").await.hidden("csrf").as_str())],
        )
        .await;
    assert_eq!(staff_terms.status, StatusCode::FORBIDDEN);
    let bad = owner
        .post(
            &terms,
            &[
                ("csrf", csrf.as_str()),
                ("closing", "30"),
                ("months_after", "1"),
                ("pay_day", "末"),
                ("credit_limit", "abc"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("締め日・支払日は 1〜28 か「末」"));
    assert!(bad.body.contains("与信限度額は"));
    assert_eq!(
        app.store.company(company).await.unwrap().unwrap().terms,
        None
    );
    let set = owner
        .post(
            &terms,
            &[
                ("csrf", csrf.as_str()),
                ("closing", "20"),
                ("months_after", "1"),
                ("pay_day", "末"),
                ("credit_limit", "500,000"),
            ],
        )
        .await;
    assert_eq!(set.status, StatusCode::SEE_OTHER, "{}", set.body);
    assert!(app
        .audit_actions()
        .await
        .iter()
        .any(|a| a == "business.terms"));
    let mine = member.get("/account/business").await;
    assert!(
        mine.body.contains("20日締め翌月末払い・限度額 ¥500,000"),
        "{}",
        mine.body
    );
    assert!(mine.body.contains("承認済み"));
    assert!(mine
        .body
        .contains("請求書の宛名は「株式会社あきない 購買部」"));

    // The group's 10% applies to the member's order; the invoice names the company.
    let belt = app.sku_named("本革ベルト").await;
    let list_price = app.store.skus_for_sale(&[belt]).await.unwrap()[0].price.0;
    member.add(belt, "1").await;
    member.submit_details(&[]).await;
    assert_eq!(member.place().await.status, StatusCode::SEE_OTHER);
    let order = app.newest_order().await;
    assert_eq!(order.lines[0].unit_price, Yen(list_price - list_price / 10));
    let pdf = app
        .shop
        .documents()
        .for_customer(&order, DocumentKind::Invoice)
        .await
        .unwrap();
    if let Some(text) = crate::documents::pdf_text(&pdf.bytes) {
        assert!(text.contains("株式会社あきない 購買部"), "{text}");
    }
}

#[tokio::test]
async fn ipa_c_8_staff_see_business_applicants_addresses_masked_and_managers_in_full() {
    let app = TestApp::demo().await;
    app.member("kobayashi@example.co.jp").await;
    let customer = app
        .store
        .customer_by_email("kobayashi@example.co.jp")
        .await
        .unwrap()
        .unwrap();
    app.store
        .apply_business(
            customer.id,
            &akinai_domain::business::NewCompany {
                name: "株式会社あきない".into(),
                department: String::new(),
                invoice_number: None,
            },
            chrono::Utc::now(),
        )
        .await
        .unwrap()
        .unwrap();
    let staff = crate::admin_orders::signed_in(&app, AdminRole::Staff).await;
    let masked = staff.get("/admin/business").await;
    assert_eq!(masked.status, StatusCode::OK);
    assert!(
        masked.body.contains("k＊＊＊@example.co.jp"),
        "{}",
        masked.body
    );
    assert!(!masked.body.contains("kobayashi@example.co.jp"));
    let manager = crate::admin_orders::signed_in(&app, AdminRole::Manager).await;
    assert!(manager
        .get("/admin/business")
        .await
        .body
        .contains("kobayashi@example.co.jp"));
}
