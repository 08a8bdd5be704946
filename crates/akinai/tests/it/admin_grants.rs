//! Per-person grants over real HTTP (admin issue, item 3; SWS-11, IPA-C-8): an owner grants one
//! staff member unmasked personal data (a packing clerk who needs addresses) after password and
//! code; the grant applies on the staff member's next request, is audited with before/after and
//! listed in the account review; owner-only capabilities cannot be granted; revoking masks again.

use reqwest::StatusCode;

use akinai_domain::admin::AdminRole;

use crate::admin_orders::signed_in;
use crate::support::admin;
use crate::support::{Shopper, TestApp};

use crate::support::admin::ADMIN_PASSWORD as PASSWORD;

/// Posts the grants form for `target` with the owner's password and a fresh code.
async fn set_grants(
    app: &TestApp,
    owner: &Shopper,
    secret: &str,
    target: akinai_domain::ids::AdminId,
    grants: &[&str],
    password: &str,
) -> crate::support::Page {
    let code = admin::fresh_code(app, secret);
    let id = target.to_string();
    let mut form = vec![("id", id.as_str())];
    form.extend(grants.iter().map(|g| ("grants", *g)));
    form.push(("password", password));
    form.push(("code", &code));
    owner.submit("/admin/admins/grants", &form).await
}

#[tokio::test]
async fn sws_11_an_owner_grants_one_staff_member_unmasked_personal_data_and_takes_it_back() {
    let app = TestApp::demo().await;
    app.member("hanako.yamada@example.jp").await;
    let customer = app
        .store
        .customer_by_email("hanako.yamada@example.jp")
        .await
        .unwrap()
        .unwrap()
        .id
        .0;
    let page = format!("/admin/customers/{customer}");
    let (owner, os) = admin::signed_in(&app, "owner@example.jp", AdminRole::Owner).await;
    let staff = signed_in(&app, AdminRole::Staff).await;
    let staff_id = app
        .store
        .admin_by_email("staff@example.jp")
        .await
        .unwrap()
        .unwrap()
        .id;
    assert!(!staff.get(&page).await.body.contains("hanako.yamada@"));

    // Without the owner's password nothing is granted.
    let refused = set_grants(
        &app,
        &owner,
        &os,
        staff_id,
        &["view_personal_data"],
        "wrong",
    )
    .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(!staff.get(&page).await.body.contains("hanako.yamada@"));

    // Owner-only capabilities are not grantable: the whole form is refused.
    let escalate = set_grants(
        &app,
        &owner,
        &os,
        staff_id,
        &["view_personal_data", "manage_admins"],
        PASSWORD,
    )
    .await;
    assert_eq!(escalate.status, StatusCode::UNPROCESSABLE_ENTITY);
    let stored = app.store.admin(staff_id).await.unwrap().unwrap();
    assert!(stored.grants.is_empty());
    assert_eq!(
        staff.get("/admin/admins").await.status,
        StatusCode::FORBIDDEN
    );

    // The grant: the staff member's next request shows the address; the view is audited.
    let granted = set_grants(
        &app,
        &owner,
        &os,
        staff_id,
        &["view_personal_data"],
        PASSWORD,
    )
    .await;
    assert_eq!(granted.status, StatusCode::SEE_OTHER, "{}", granted.body);
    let full = staff.get(&page).await;
    assert!(
        full.body.contains("hanako.yamada@example.jp"),
        "{}",
        full.body
    );
    assert_eq!(
        app.store
            .audit_entries_of("personal_data.viewed", 5)
            .await
            .unwrap()
            .len(),
        1
    );
    // What the role does not have stays refused: the grant gave exactly one capability.
    assert_eq!(
        staff.get("/admin/audit").await.status,
        StatusCode::FORBIDDEN
    );
    let list = owner.get("/admin/admins").await;
    assert!(list.body.contains(r#"value="view_personal_data" checked"#));

    let change = &app
        .store
        .audit_entries_of("admin.grants_change", 5)
        .await
        .unwrap()[0];
    assert_eq!(change.record.target, format!("admin:{staff_id}"));
    assert!(
        change.record.detail.contains(r#""before":{"grants":[]}"#)
            && change
                .record
                .detail
                .contains(r#""after":{"grants":["view_personal_data"]}"#),
        "{}",
        change.record.detail
    );
    let review = owner.get("/admin/review").await;
    assert!(
        review.body.contains("view_personal_data"),
        "the grant is in the account review"
    );

    // Taking it back masks again at once.
    let revoked = set_grants(&app, &owner, &os, staff_id, &[], PASSWORD).await;
    assert_eq!(revoked.status, StatusCode::SEE_OTHER);
    assert!(!staff.get(&page).await.body.contains("hanako.yamada@"));
}
