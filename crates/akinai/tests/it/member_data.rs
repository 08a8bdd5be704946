//! CCSG-F-3c, IPA-C-11, SWS-11 (accounts issue, items 8, 10, 11): the member's own data over
//! real HTTP — profile and address-book changes need the current password and mail the
//! account; the book holds 20 addresses and only its owner's; checkout fills from it; orders to
//! a freshly changed address are flagged for review; account deletion erases what is personal,
//! keeps the orders, mails the member and ends the session.

use chrono::Duration;
use reqwest::StatusCode;

use akinai_core::accounts::events;
use akinai_domain::address_book::{Recipient, RecipientInput, MAX_ADDRESSES};

use crate::accounts::events_of;
use crate::support::{Shopper, TestApp, MEMBER_PASSWORD};

fn address_form<'a>(line1: &'a str, password: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("name", "山田 花子"),
        ("name_kana", "やまだ はなこ"),
        ("phone", "090-1234-5678"),
        ("postal_code", "150-0001"),
        ("prefecture", "13"),
        ("city", "渋谷区"),
        ("line1", line1),
        ("line2", ""),
        ("current_password", password),
    ]
}

async fn customer_id(app: &TestApp, email: &str) -> akinai_domain::ids::CustomerId {
    app.store
        .customer_by_email(email)
        .await
        .unwrap()
        .unwrap()
        .id
}

pub(crate) fn recipient(line1: &str) -> Recipient {
    RecipientInput {
        name: "山田 花子".into(),
        name_kana: "ヤマダ ハナコ".into(),
        phone: "090-1234-5678".into(),
        postal_code: "150-0001".into(),
        prefecture: "13".into(),
        city: "渋谷区".into(),
        line1: line1.into(),
        line2: String::new(),
    }
    .parse()
    .unwrap()
}

#[tokio::test]
async fn ccsg_f_3c_address_changes_need_the_password_are_mailed_and_bounded() {
    let app = TestApp::demo().await;
    let me = app.member("book@example.jp").await;
    let id = customer_id(&app, "book@example.jp").await;
    let refused = me
        .submit(
            "/account/addresses",
            &address_form("神宮前1-2-3", "wrong password"),
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        app.store.addresses(id).await.unwrap().is_empty(),
        "nothing stored"
    );
    let invalid = me
        .submit("/account/addresses", &address_form("", MEMBER_PASSWORD))
        .await;
    assert_eq!(invalid.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(invalid.body.contains("invalid"), "the field is marked");
    let added = me
        .submit(
            "/account/addresses",
            &address_form("神宮前1-2-3", MEMBER_PASSWORD),
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    let list = me.get("/account/addresses").await;
    assert!(list.body.contains("神宮前1-2-3"));
    assert_eq!(events_of(&app, events::ADDRESS_CHANGED).await.len(), 1);
    app.shop.jobs().run_due_jobs().await.unwrap();
    assert!(app.mails().iter().any(|m| m.contains("To: book@example.jp")
        && m.contains("電話番号またはお届け先が変更されました")));

    // Fill the book to its limit; one more is refused.
    for n in 1..MAX_ADDRESSES {
        app.store
            .save_address(
                id,
                None,
                &recipient(&format!("{n}-1-1")),
                akinai_core::Clock::now(app.clock.as_ref()),
                MAX_ADDRESSES,
            )
            .await
            .unwrap();
    }
    let full = me
        .submit(
            "/account/addresses",
            &address_form("99-9-9", MEMBER_PASSWORD),
        )
        .await;
    assert_eq!(full.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(full.body.contains("20 件まで"));
    assert_eq!(app.store.addresses(id).await.unwrap().len(), MAX_ADDRESSES);
}

#[tokio::test]
async fn sws_11_another_members_address_can_be_neither_read_changed_nor_used() {
    let app = TestApp::demo().await;
    let a = app.member("owner@example.jp").await;
    let b = app.member("other@example.jp").await;
    let a_id = customer_id(&app, "owner@example.jp").await;
    a.submit(
        "/account/addresses",
        &address_form("秘密1-1-1", MEMBER_PASSWORD),
    )
    .await;
    let address = app.store.addresses(a_id).await.unwrap()[0].id.to_string();
    let path = format!("/account/addresses/{address}");
    assert_eq!(b.get(&path).await.status, StatusCode::NOT_FOUND);
    let change = b
        .submit(&path, &address_form("乗っ取り9-9-9", MEMBER_PASSWORD))
        .await;
    assert_eq!(change.status, StatusCode::NOT_FOUND);
    let delete = b
        .submit(
            "/account/addresses/delete",
            &[("id", &address), ("current_password", MEMBER_PASSWORD)],
        )
        .await;
    assert_eq!(delete.status, StatusCode::NOT_FOUND);
    let wrong_password = a
        .submit(
            "/account/addresses/delete",
            &[("id", &address), ("current_password", "not it at all")],
        )
        .await;
    assert_eq!(wrong_password.status, StatusCode::UNPROCESSABLE_ENTITY);
    let kept = app.store.addresses(a_id).await.unwrap();
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].recipient.address.line1, "秘密1-1-1");
    // b's checkout does not fill from a's address.
    let sku = app.sku_named("本みりん").await;
    b.add(sku, "1").await;
    let page = b.get(&format!("/checkout?address={address}")).await;
    assert!(!page.body.contains("秘密1-1-1"));
    // a's does.
    a.add(sku, "1").await;
    let page = a.get(&format!("/checkout?address={address}")).await;
    assert!(page.body.contains("秘密1-1-1"));
}

async fn order_to(app: &TestApp, member: &Shopper, line1: &str) -> Option<String> {
    let sku = app.sku_named("本みりん").await;
    member.add(sku, "1").await;
    let details = member
        .submit_details(&[
            ("line1", line1),
            ("delivery_date", ""),
            ("delivery_slot", ""),
        ])
        .await;
    assert_eq!(details.status, StatusCode::SEE_OTHER, "{}", details.body);
    let placed = member.place().await;
    assert_eq!(placed.status, StatusCode::SEE_OTHER, "{}", placed.body);
    let id = customer_id(app, "flag@example.jp").await;
    let latest = app.store.customer_orders(id, None, 1).await.unwrap()[0].id;
    app.store
        .order(latest)
        .await
        .unwrap()
        .unwrap()
        .review_reason
}

#[tokio::test]
async fn ccsg_f_3c_orders_to_a_freshly_changed_address_are_flagged_for_review() {
    let app = TestApp::demo().await;
    let me = app.member("flag@example.jp").await;
    // A new account's first order is not this rule's business.
    assert_eq!(order_to(&app, &me, "神宮前1-2-3").await, None);
    // Ten days on, the account is established; an address added now is fresh.
    app.clock.advance(Duration::days(10));
    let me = app.shopper();
    me.login("flag@example.jp", MEMBER_PASSWORD).await;
    let added = me
        .submit(
            "/account/addresses",
            &address_form("道玄坂9-9-9", MEMBER_PASSWORD),
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER);
    assert_eq!(
        order_to(&app, &me, "道玄坂9-9-9").await.as_deref(),
        Some("address_recently_changed")
    );
    // An address typed at checkout that the account never used: flagged as well.
    assert_eq!(
        order_to(&app, &me, "宇田川町5-5-5").await.as_deref(),
        Some("address_recently_changed")
    );
    // The address the account has ordered to since its first week: fine.
    assert_eq!(order_to(&app, &me, "神宮前1-2-3").await, None);
    // Once the new address is older than the window (3 days), it is fine too.
    app.clock.advance(Duration::days(4));
    me.login("flag@example.jp", MEMBER_PASSWORD).await;
    assert_eq!(order_to(&app, &me, "道玄坂9-9-9").await, None);
}

#[tokio::test]
async fn ccsg_f_3c_profile_changes_need_the_password_and_are_mailed() {
    let app = TestApp::demo().await;
    let me = app.member("profile@example.jp").await;
    let form = |pw: &'static str| {
        vec![
            ("name", "山田 太郎"),
            ("phone", "０３－１２３４－５６７８"),
            ("current_password", pw),
        ]
    };
    let refused = me
        .submit("/account/profile", &form("wrong wrong wrong"))
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let bad_phone = me
        .submit(
            "/account/profile",
            &[
                ("name", "山田 太郎"),
                ("phone", "12"),
                ("current_password", MEMBER_PASSWORD),
            ],
        )
        .await;
    assert_eq!(bad_phone.status, StatusCode::UNPROCESSABLE_ENTITY);
    let c = app
        .store
        .customer_by_email("profile@example.jp")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (c.name.as_str(), c.phone),
        ("山田 花子", None),
        "nothing changed"
    );
    let ok = me.submit("/account/profile", &form(MEMBER_PASSWORD)).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    let c = app
        .store
        .customer_by_email("profile@example.jp")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (c.name.as_str(), c.phone.as_deref()),
        ("山田 太郎", Some("03-1234-5678"))
    );
    assert_eq!(events_of(&app, events::PROFILE_CHANGED).await.len(), 1);
    app.shop.jobs().run_due_jobs().await.unwrap();
    assert!(app
        .mails()
        .iter()
        .any(|m| m.contains("To: profile@example.jp")
            && m.contains("電話番号またはお届け先が変更されました")));
}

#[tokio::test]
async fn ipa_c_8_deleting_an_account_erases_it_keeps_orders_and_ends_the_session() {
    let app = TestApp::demo().await;
    let me = app.member("leave@example.jp").await;
    let id = customer_id(&app, "leave@example.jp").await;
    me.submit(
        "/account/addresses",
        &address_form("神宮前1-2-3", MEMBER_PASSWORD),
    )
    .await;
    let sku = app.sku_named("本みりん").await;
    me.add(sku, "1").await;
    me.submit_details(&[]).await;
    assert_eq!(me.place().await.status, StatusCode::SEE_OTHER);
    let unconfirmed = me
        .submit("/account/delete", &[("current_password", MEMBER_PASSWORD)])
        .await;
    assert_eq!(unconfirmed.status, StatusCode::UNPROCESSABLE_ENTITY);
    let wrong = me
        .submit(
            "/account/delete",
            &[("current_password", "nope"), ("confirm", "yes")],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(app
        .store
        .customer(id)
        .await
        .unwrap()
        .unwrap()
        .deleted_at
        .is_none());
    let done = me
        .submit(
            "/account/delete",
            &[("current_password", MEMBER_PASSWORD), ("confirm", "yes")],
        )
        .await;
    assert_eq!(done.status, StatusCode::OK);
    assert!(done.body.contains("アカウントを削除しました"));
    // Logged out, cannot log in again, personal data gone, the order kept.
    assert_eq!(me.get("/account").await.status, StatusCode::SEE_OTHER);
    let again = app
        .shopper()
        .login("leave@example.jp", MEMBER_PASSWORD)
        .await;
    assert_eq!(again.status, StatusCode::UNAUTHORIZED);
    let c = app.store.customer(id).await.unwrap().unwrap();
    assert!(c.deleted_at.is_some());
    assert!(!c.email.contains("leave"));
    assert!(c.name.is_empty() && c.password_hash.is_empty());
    assert!(app.store.addresses(id).await.unwrap().is_empty());
    let orders = app.store.customer_orders(id, None, 10).await.unwrap();
    assert_eq!(orders.len(), 1, "the order is kept by law");
    assert_eq!(events_of(&app, events::DELETED).await.len(), 1);
    // The goodbye mail went to the address the account had, with its name.
    app.shop.jobs().run_due_jobs().await.unwrap();
    let mail = app
        .mails()
        .into_iter()
        .find(|m| m.contains("To: leave@example.jp") && m.contains("会員アカウントを削除しました"))
        .expect("a goodbye mail");
    assert!(mail.contains("山田 花子 様"), "{mail}");
    // The address is free to register again.
    let back = app.member("leave@example.jp").await;
    assert_eq!(back.get("/account").await.status, StatusCode::OK);
}

/// JP-INV-1/2, JP-INV-4 (accounts issue, item 10 "documents"): the order statement is a
/// simplified qualified invoice — issuer, registration number, transaction date, reduced-rate
/// marks, per-rate totals and tax — reached only through the order's own link.
#[tokio::test]
async fn jp_inv_1_the_order_statement_is_a_simplified_invoice_behind_the_orders_link() {
    let app = TestApp::demo().await;
    let mut settings = app.shop.storefront().settings().await.unwrap();
    settings.invoice_number =
        Some(akinai_domain::invoice::RegistrationNumber::parse("T1234567890123").unwrap());
    app.store.save_settings(&settings).await.unwrap();
    let me = app.member("invoice@example.jp").await;
    me.add(app.sku_named("静岡煎茶").await, "2").await;
    me.add(app.sku_named("本革ベルト").await, "1").await;
    me.submit_details(&[]).await;
    let placed = me.place().await;
    let status = me.get(placed.location()).await;
    let link = format!("{}/receipt", placed.location());
    assert!(status.body.contains(&link), "the status page links it");
    let doc = me.get(&link).await;
    assert_eq!(doc.status, StatusCode::OK);
    for needle in [
        "適格簡易請求書",
        "T1234567890123",
        &settings.legal.seller_name,
        "2026年11月25日",
        "※静岡煎茶",
        "8%対象",
        "10%対象",
        "山田 花子 様",
    ] {
        assert!(doc.body.contains(needle), "{needle} missing:\n{}", doc.body);
    }
    assert!(
        !doc.body.contains("※本革ベルト"),
        "standard-rate lines carry no mark"
    );
    // Per rate, the tax is computed once from the rate's total (JP-INV-2).
    let id = customer_id(&app, "invoice@example.jp").await;
    let order_id = app.store.customer_orders(id, None, 1).await.unwrap()[0].id;
    let order = app.store.order(order_id).await.unwrap().unwrap();
    for r in &order.totals.rates {
        assert!(doc.body.contains(&r.tax.display()), "tax {:?}", r);
    }
    // Any other link finds nothing.
    let other = app.shopper();
    let guess = other
        .get(&format!("/order/{}/receipt", "0".repeat(64)))
        .await;
    assert_eq!(guess.status, StatusCode::NOT_FOUND);
    // Without a registration number it is a plain statement.
    settings.invoice_number = None;
    app.store.save_settings(&settings).await.unwrap();
    let plain = me.get(&link).await;
    assert!(plain.body.contains("ご注文明細書") && !plain.body.contains("適格簡易請求書"));
}
