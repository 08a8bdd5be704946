//! The order desk over real HTTP (admin issue, item 6): an order processed from payment to
//! delivery with a mail at each step, the flagged-order rule before shipping (CCSG-F-4), the
//! SWS-11 role matrix of the order routes, IPA-C-8 masking and the audit of unmasked views
//! (IPA-C-12), stale double clicks, cancellations putting stock back, and bad input.

use reqwest::StatusCode;

use akinai_domain::admin::AdminRole;
use akinai_domain::ids::OrderId;
use akinai_domain::order::OrderStatus;

use crate::support::admin;
use crate::support::{Shopper, TestApp};

/// An admin of `role`, signed in.
pub(crate) async fn signed_in(app: &TestApp, role: AdminRole) -> Shopper {
    let email = format!("{}@example.jp", role.as_str());
    let (browser, _) = admin::signed_in(app, &email, role).await;
    browser
}

/// The id of the newest order.
async fn newest_order(app: &TestApp) -> OrderId {
    use akinai_store::fulfilment::OrderFilter;
    app.store
        .list_orders(&OrderFilter::default(), None, 1)
        .await
        .unwrap()[0]
        .id
}

async fn step(admin: &Shopper, id: OrderId, form: &[(&str, &str)]) -> crate::support::Page {
    // The dashboard's logout form carries the CSRF token for every role.
    let csrf = admin.get("/admin").await.hidden("csrf");
    let mut fields = vec![("csrf", csrf.as_str())];
    fields.extend_from_slice(form);
    admin
        .post(&format!("/admin/orders/{}/step", id.0), &fields)
        .await
}

fn mails_with(app: &TestApp, needle: &str) -> Vec<String> {
    app.mails()
        .into_iter()
        .filter(|m| m.contains(needle))
        .collect()
}

#[tokio::test]
async fn an_order_goes_from_payment_to_delivery_with_a_mail_and_an_audit_entry_per_step() {
    let app = TestApp::demo().await;
    app.order_one("本みりん").await;
    let id = newest_order(&app).await;
    app.shop.jobs().run_due_jobs().await.unwrap();
    let owner = signed_in(&app, AdminRole::Owner).await;

    let list = owner.get("/admin/orders").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body.contains(&format!("AK{:08}", id.0)));
    assert!(list.body.contains("受付(入金待ち)"));
    let by_number = owner.get(&format!("/admin/orders?q=AK{:08}", id.0)).await;
    assert_eq!(by_number.status, StatusCode::SEE_OTHER);
    assert_eq!(by_number.location(), format!("/admin/orders/{}", id.0));

    let paid = step(&owner, id, &[("event", "pay"), ("note", "12/1 入金")]).await;
    assert_eq!(paid.status, StatusCode::SEE_OTHER, "{}", paid.body);
    // Shipping without a tracking number is refused with the reason, nothing recorded.
    let no_tracking = step(&owner, id, &[("event", "ship"), ("carrier", "yamato")]).await;
    assert_eq!(no_tracking.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(no_tracking.body.contains("問い合わせ番号"));
    let shipped = step(
        &owner,
        id,
        &[
            ("event", "ship"),
            ("carrier", "yamato"),
            ("tracking", "1234-5678-9012"),
        ],
    )
    .await;
    assert_eq!(shipped.status, StatusCode::SEE_OTHER, "{}", shipped.body);
    let delivered = step(&owner, id, &[("event", "deliver")]).await;
    assert_eq!(delivered.status, StatusCode::SEE_OTHER);
    let order = app.store.order(id).await.unwrap().unwrap();
    assert_eq!(order.status, OrderStatus::Delivered);

    assert_eq!(
        app.shop.jobs().run_due_jobs().await.unwrap(),
        3,
        "one mail per step"
    );
    assert_eq!(mails_with(&app, "ご入金を確認しました").len(), 1);
    let ship_mail = mails_with(&app, "商品を発送しました");
    assert_eq!(ship_mail.len(), 1);
    assert!(ship_mail[0].contains("ヤマト運輸") && ship_mail[0].contains("123456789012"));
    assert!(
        ship_mail[0].contains("https://shop.example.jp/order/"),
        "status link"
    );
    assert_eq!(mails_with(&app, "お届けが完了しました").len(), 1);

    let detail = owner.get(&format!("/admin/orders/{}", id.0)).await;
    assert!(detail.body.contains("配達完了"));
    assert!(detail.body.contains("12/1 入金"));
    assert!(detail.body.contains("ヤマト運輸 123456789012"));
    // The shipping method by its name in the shop settings, not its code (first-hour item 8).
    assert!(detail.body.contains("<dd>宅配便</dd>"), "{}", detail.body);
    assert!(!detail.body.contains("<dd>standard</dd>"));
    for action in ["order.pay", "order.ship", "order.deliver"] {
        let entries = app.store.audit_entries_of(action, 5).await.unwrap();
        assert_eq!(entries.len(), 1, "{action}");
        assert_eq!(entries[0].record.target, format!("order:{}", id.0));
    }
    let ship = &app.store.audit_entries_of("order.ship", 1).await.unwrap()[0];
    assert!(ship.record.detail.contains(r#""before":{"status":"paid"}"#));
    assert!(ship
        .record
        .detail
        .contains(r#""tracking_number":"123456789012""#));
}

/// CCSG-F-4: a flagged order is refused at the shipping step until someone cleared the flag.
#[tokio::test]
async fn ccsg_f_4_a_flagged_order_does_not_ship_before_review() {
    let app = TestApp::demo().await;
    app.flagged_member_order("flag-ship@example.jp").await;
    let id = newest_order(&app).await;
    let staff = signed_in(&app, AdminRole::Staff).await;
    assert_eq!(
        step(&staff, id, &[("event", "pay")]).await.status,
        StatusCode::SEE_OTHER
    );
    let ship = [
        ("event", "ship"),
        ("carrier", "sagawa"),
        ("tracking", "400011112222"),
    ];
    let page = staff.get(&format!("/admin/orders/{}", id.0)).await;
    assert!(
        !page.body.contains("class=\"ship\""),
        "no ship form to fill in and be refused while the order is flagged"
    );
    let refused = step(&staff, id, &ship).await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert!(refused.body.contains("要確認"));
    assert_eq!(
        app.store.order(id).await.unwrap().unwrap().status,
        OrderStatus::Paid
    );
    let flagged = staff.get("/admin/orders?flagged=1").await;
    assert!(flagged.body.contains(&format!("AK{:08}", id.0)));
    let queue = staff.get("/admin/orders/flagged").await;
    let cleared = staff
        .post(
            "/admin/orders/flagged/clear",
            &[
                ("csrf", &queue.hidden("csrf")),
                ("id", &id.0.to_string()),
                ("note", "電話で確認済み"),
            ],
        )
        .await;
    assert_eq!(cleared.status, StatusCode::SEE_OTHER);
    assert!(
        staff
            .get(cleared.location())
            .await
            .body
            .contains("確認済みにしました"),
        "a flash message after the action"
    );
    let page = staff.get(&format!("/admin/orders/{}", id.0)).await;
    assert!(page.body.contains("class=\"ship\""), "cleared: it may ship");
    let missing = step(
        &staff,
        id,
        &[
            ("event", "ship"),
            ("carrier", "sagawa"),
            ("tracking", "40-1"),
        ],
    )
    .await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        missing.body.contains("value=\"40-1\"")
            && missing.body.contains("<option value=\"sagawa\" selected>"),
        "what was typed is kept for correction"
    );
    assert_eq!(step(&staff, id, &ship).await.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.store.order(id).await.unwrap().unwrap().status,
        OrderStatus::Shipped
    );
}

/// SWS-11 and IPA-C-8: every order route for every role; staff and viewers see the recipient
/// masked; an unmasked view is audited.
#[tokio::test]
async fn sws_11_the_order_routes_by_role_with_masking_and_audited_views() {
    let app = TestApp::demo().await;
    app.order_one("本みりん").await;
    let id = newest_order(&app).await;
    let viewer = signed_in(&app, AdminRole::Viewer).await;
    let staff = signed_in(&app, AdminRole::Staff).await;
    let manager = signed_in(&app, AdminRole::Manager).await;
    let detail = format!("/admin/orders/{}", id.0);

    for b in [&viewer, &staff] {
        let list = b.get("/admin/orders").await;
        assert_eq!(list.status, StatusCode::OK);
        assert!(list.body.contains("山＊＊") && !list.body.contains("山田 花子"));
        let page = b.get(&detail).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(!page.body.contains("山田 花子") && !page.body.contains("090-"));
    }
    assert!(app
        .store
        .audit_entries_of("personal_data.viewed", 5)
        .await
        .unwrap()
        .is_empty());
    let full = manager.get(&detail).await;
    assert!(full.body.contains("山田 花子"));
    let viewed = app
        .store
        .audit_entries_of("personal_data.viewed", 5)
        .await
        .unwrap();
    assert_eq!(viewed.len(), 1);
    assert_eq!(viewed[0].record.target, format!("order:{}", id.0));
    // First-hour issue, item 8: a reload is the same viewing, not another entry.
    manager.get(&detail).await;
    manager.get(&format!("{detail}?done=1")).await;
    let again = app
        .store
        .audit_entries_of("personal_data.viewed", 5)
        .await
        .unwrap();
    assert_eq!(again.len(), 1, "one entry per viewing");

    // Viewers take no step and write no note; staff cannot cancel or refund.
    assert_eq!(
        step(&viewer, id, &[("event", "pay")]).await.status,
        StatusCode::FORBIDDEN
    );
    let csrf = viewer.get("/admin").await.hidden("csrf");
    assert_eq!(
        viewer
            .post(
                &format!("{detail}/note"),
                &[("csrf", csrf.as_str()), ("note", "x")]
            )
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        step(&staff, id, &[("event", "cancel"), ("confirm", "1")])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert!(!staff.get(&detail).await.body.contains("キャンセルする"));
    assert_eq!(
        app.store.order(id).await.unwrap().unwrap().status,
        OrderStatus::Placed
    );
    // The manager cancels: the stock comes back and the customer is told.
    let sku = app.sku_named("本みりん").await;
    let before = app.stock(sku).await;
    assert!(manager.get(&detail).await.body.contains("キャンセルする"));
    assert_eq!(
        step(&manager, id, &[("event", "cancel"), ("confirm", "1")])
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(app.stock(sku).await, before + 1);
    app.shop.jobs().run_due_jobs().await.unwrap();
    assert_eq!(mails_with(&app, "をキャンセルしました").len(), 1);
    // The customer's status page says so instead of thanking for the order.
    let status = app.order_status_path();
    let page = app.shopper().get(&status).await;
    assert!(
        page.body.contains("このご注文はキャンセルされました。"),
        "{}",
        page.body
    );
    assert!(!page.body.contains("確認メールをお送りしました"));
    assert_eq!(
        app.store
            .audit_entries_of("order.cancel", 5)
            .await
            .unwrap()
            .len(),
        1
    );
}

/// Two admins on the same order: the second click of the same step records nothing and says so.
#[tokio::test]
async fn a_stale_step_is_refused_and_notes_need_text() {
    let app = TestApp::demo().await;
    app.order_one("本みりん").await;
    let id = newest_order(&app).await;
    let owner = signed_in(&app, AdminRole::Owner).await;
    let detail = format!("/admin/orders/{}", id.0);
    let csrf = owner.get(&detail).await.hidden("csrf");
    let pay = [("csrf", csrf.as_str()), ("event", "pay")];
    let first = owner.post(&format!("{detail}/step"), &pay).await;
    assert_eq!(first.status, StatusCode::SEE_OTHER);
    let again = owner.post(&format!("{detail}/step"), &pay).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!(
        app.store
            .audit_entries_of("order.pay", 5)
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        app.shop.jobs().run_due_jobs().await.unwrap(),
        2,
        "confirmation and one payment mail"
    );

    let empty = owner
        .post(
            &format!("{detail}/note"),
            &[("csrf", csrf.as_str()), ("note", "  ")],
        )
        .await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    let noted = owner
        .post(
            &format!("{detail}/note"),
            &[("csrf", csrf.as_str()), ("note", "<b>要電話</b>")],
        )
        .await;
    assert_eq!(noted.status, StatusCode::SEE_OTHER);
    assert!(owner
        .get(noted.location())
        .await
        .body
        .contains("社内メモを残しました"));
    let page = owner.get(&detail).await;
    assert!(
        page.body.contains("&#60;b&#62;要電話") && !page.body.contains("<b>要電話"),
        "notes are escaped"
    );
    assert_eq!(
        app.store
            .audit_entries_of("order.note_added", 5)
            .await
            .unwrap()
            .len(),
        1
    );
}

/// Bad input gets a clear answer and changes nothing.
#[tokio::test]
async fn bad_order_desk_input_is_refused_clearly() {
    let app = TestApp::demo().await;
    app.order_one("本みりん").await;
    let id = newest_order(&app).await;
    let owner = signed_in(&app, AdminRole::Owner).await;
    for query in [
        "status=lost",
        "from=2026-02-30",
        "after=abc",
        "payment=paypay",
    ] {
        let page = owner.get(&format!("/admin/orders?{query}")).await;
        assert_eq!(page.status, StatusCode::BAD_REQUEST, "{query}");
        assert!(page.body.contains("検索条件が正しくありません"));
    }
    for path in [
        "/admin/orders/0",
        "/admin/orders/abc",
        "/admin/orders/99999",
    ] {
        assert_eq!(
            owner.get(path).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    let unknown = step(&owner, id, &[("event", "teleport")]).await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    let not_now = step(&owner, id, &[("event", "deliver")]).await;
    assert_eq!(not_now.status, StatusCode::CONFLICT);
    assert!(not_now.body.contains("その操作はできません"));
    let no_csrf = owner
        .post(&format!("/admin/orders/{}/step", id.0), &[("event", "pay")])
        .await;
    assert_eq!(no_csrf.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.store.order(id).await.unwrap().unwrap().status,
        OrderStatus::Placed
    );
}

/// First-hour issue, item 8: cancelling and marking refunded cannot be undone, so their forms
/// say what they do and need a ticked confirmation; a cancelled flagged order leaves 要確認.
#[tokio::test]
async fn irreversible_steps_need_a_ticked_confirmation_and_end_the_review() {
    let app = TestApp::demo().await;
    app.flagged_member_order("flag-cancel@example.jp").await;
    let id = newest_order(&app).await;
    let owner = signed_in(&app, AdminRole::Owner).await;
    let page = owner.get(&format!("/admin/orders/{}", id.0)).await;
    assert!(page
        .body
        .contains("在庫を戻し、お客様にメールでお知らせします。元に戻せません。"));
    assert!(page.body.contains("name=\"confirm\" value=\"1\" required"));
    let unconfirmed = step(&owner, id, &[("event", "cancel")]).await;
    assert_eq!(unconfirmed.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(unconfirmed.body.contains("確認のチェックを入れてから"));
    assert_eq!(
        app.store.order(id).await.unwrap().unwrap().status,
        OrderStatus::Placed,
        "nothing happened"
    );
    assert!(owner
        .get("/admin/orders/flagged")
        .await
        .body
        .contains(&format!("AK{:08}", id.0)));
    let cancelled = step(&owner, id, &[("event", "cancel"), ("confirm", "1")]).await;
    assert_eq!(cancelled.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.store.order(id).await.unwrap().unwrap().status,
        OrderStatus::Cancelled
    );
    assert!(
        !owner
            .get("/admin/orders/flagged")
            .await
            .body
            .contains(&format!("AK{:08}", id.0)),
        "a cancelled order has nothing left to review"
    );
    let page = owner.get(&format!("/admin/orders/{}", id.0)).await;
    assert!(
        !page.body.contains("要確認("),
        "no review banner on a cancelled order"
    );
}
