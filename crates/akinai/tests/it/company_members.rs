//! Several buyers under one company end to end (issue #23 item 2; ADR 051): the company's admin
//! sets the approval amount and invites a buyer, who joins by the mailed link with their own
//! login (nobody else can use it); the buyer's order over the amount waits for approval; an
//! approver of the company approves one and turns down another, while members of other
//! companies and the buyer cannot (SWS-11); a shared address reaches colleagues only.

use reqwest::StatusCode;

use akinai_domain::business::NewCompany;

use crate::support::{Shopper, TestApp};

/// A member whose company is approved (the member is its admin).
pub(crate) async fn company_admin(app: &TestApp, email: &str, name: &str) -> Shopper {
    let member = app.member(email).await;
    let customer = app.store.customer_by_email(email).await.unwrap().unwrap();
    let company = app
        .store
        .apply_business(
            customer.id,
            &NewCompany {
                name: name.into(),
                department: "購買部".into(),
                invoice_number: None,
            },
            chrono::Utc::now(),
        )
        .await
        .unwrap()
        .unwrap();
    assert!(app
        .store
        .decide_company(company, true, None, "admin:1", chrono::Utc::now())
        .await
        .unwrap());
    member
}

/// The invitation link's path in the newest mail that has one.
fn join_link(app: &TestApp) -> String {
    let mails = app.mails();
    let mail = mails
        .iter()
        .rev()
        .find(|m| m.contains("/account/business/join?t="))
        .expect("an invitation mail");
    let start = mail.find("/account/business/join?t=").unwrap();
    mail[start..]
        .chars()
        .take_while(|c| !c.is_whitespace())
        .collect()
}

#[tokio::test]
async fn sws_11_a_company_invites_a_buyer_whose_large_orders_wait_for_its_approver() {
    let app = TestApp::demo().await;
    let admin = company_admin(&app, "kobayashi@example.co.jp", "株式会社あきない").await;
    let rival = company_admin(&app, "rival@example.jp", "他社商事").await;

    // The approval rule: a wrong amount is refused, a good one shown.
    let bad = admin
        .submit("/account/business/approval", &[("approval_over", "abc")])
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("金額は 0 円以上の整数"), "{}", bad.body);
    let set = admin
        .submit("/account/business/approval", &[("approval_over", "10,000")])
        .await;
    assert_eq!(set.status, StatusCode::SEE_OTHER, "{}", set.body);
    let page = admin.get("/account/business").await;
    assert!(page
        .body
        .contains("¥10,000 を超えるご注文は承認者の承認のあとに発送"));

    // Invitations: a wrong address refused; a good one mailed; only the admin may invite.
    let bad = admin
        .submit(
            "/account/business/invite",
            &[("email", "not-an-address"), ("role", "buyer")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("招待する方のメールアドレス"));
    let sent = admin
        .submit(
            "/account/business/invite",
            &[("email", "Buyer@Example.jp"), ("role", "buyer")],
        )
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    app.shop.jobs().run_due_jobs().await.unwrap();
    let link = join_link(&app);
    let token = link.rsplit_once("t=").unwrap().1.to_string();

    // Only the invited address may use the link, once.
    let intruder = app.member("sato@example.jp").await;
    let shown = intruder.get(&link).await;
    assert!(
        shown.body.contains("この招待では参加できません"),
        "{}",
        shown.body
    );
    let stolen = intruder
        .submit("/account/business/join", &[("t", &token)])
        .await;
    assert_eq!(stolen.status, StatusCode::NOT_FOUND);
    let buyer = app.member("buyer@example.jp").await;
    let shown = buyer.get(&link).await;
    assert!(
        shown.body.contains("株式会社あきない 購買部"),
        "{}",
        shown.body
    );
    assert!(shown.body.contains("購入担当者"));
    let joined = buyer
        .submit("/account/business/join", &[("t", &token)])
        .await;
    assert_eq!(joined.status, StatusCode::SEE_OTHER, "{}", joined.body);
    let page = buyer.get("/account/business").await;
    assert!(page.body.contains("購入担当者"), "{}", page.body);
    assert!(
        !page.body.contains("メンバーを招待する"),
        "buyers do not invite"
    );
    assert_eq!(
        buyer
            .submit(
                "/account/business/invite",
                &[("email", "x@example.jp"), ("role", "buyer")]
            )
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let again = buyer
        .submit("/account/business/join", &[("t", &token)])
        .await;
    assert_eq!(again.status, StatusCode::NOT_FOUND, "used once");
    assert!(admin
        .get("/account/business")
        .await
        .body
        .contains("buyer@example.jp"));

    // A shared address reaches the colleague's checkout, not another company's.
    let admin_id = app
        .store
        .customer_by_email("kobayashi@example.co.jp")
        .await
        .unwrap()
        .unwrap()
        .id;
    let recipient = crate::member_data::recipient("丸の内9-9-9 本社ビル");
    let address = match app
        .store
        .save_address(admin_id, None, &recipient, chrono::Utc::now(), 10)
        .await
        .unwrap()
    {
        akinai_store::AddressSaved::Saved(id) => id,
        other => panic!("{other:?}"),
    };
    let shared = admin
        .submit(
            &format!("/account/addresses/{}/share", address.0),
            &[("shared", "1")],
        )
        .await;
    assert_eq!(shared.status, StatusCode::SEE_OTHER, "{}", shared.body);
    assert_eq!(
        rival
            .submit(
                &format!("/account/addresses/{}/share", address.0),
                &[("shared", "0")]
            )
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let mirin = app.sku_named("本みりん").await;
    buyer.add(mirin, "1").await;
    assert!(buyer
        .get("/checkout")
        .await
        .body
        .contains("丸の内9-9-9 本社ビル"));
    rival.add(mirin, "1").await;
    assert!(!rival.get("/checkout").await.body.contains("丸の内9-9-9"));

    // The buyer's order over ¥10,000 waits for approval; one under it does not.
    let jacket = app.sku_named("レザージャケット 黒").await;
    let price = app.store.skus_for_sale(&[jacket]).await.unwrap()[0].price.0;
    assert!(price > 10_000, "one jacket is over the amount");
    let place = |qty: &'static str, sku| {
        let buyer = &buyer;
        async move {
            buyer.add(sku, qty).await;
            buyer.submit_details(&[]).await;
            buyer.place().await;
        }
    };
    buyer.get("/cart").await;
    place("1", jacket).await;
    let held = app.newest_order().await;
    assert_eq!(held.review_reason.as_deref(), Some("company_approval"));
    assert!(held.review_pending);
    place("1", jacket).await;
    let second = app.newest_order().await;
    assert!(second.review_pending);

    // Only an approver of the same company decides: not the buyer, not another company.
    let approve = format!("/account/business/orders/{}/approve", held.id.0);
    assert_eq!(
        buyer.submit(&approve, &[]).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        rival.submit(&approve, &[]).await.status,
        StatusCode::NOT_FOUND
    );
    assert!(!rival
        .get("/account/business")
        .await
        .body
        .contains(&held.number()));
    let listed = admin.get("/account/business").await;
    assert!(listed.body.contains(&held.number()), "{}", listed.body);
    assert_eq!(
        admin.submit(&approve, &[]).await.status,
        StatusCode::SEE_OTHER
    );
    assert!(
        !app.store
            .order(held.id)
            .await
            .unwrap()
            .unwrap()
            .review_pending
    );
    assert_eq!(
        admin.submit(&approve, &[]).await.status,
        StatusCode::NOT_FOUND,
        "decided once"
    );
    let reject = format!("/account/business/orders/{}/reject", second.id.0);
    assert_eq!(
        admin.submit(&reject, &[]).await.status,
        StatusCode::SEE_OTHER
    );
    assert!(
        app.store
            .order(second.id)
            .await
            .unwrap()
            .unwrap()
            .review_pending
    );
    let history = app.store.order_history(second.id).await.unwrap();
    assert!(history.iter().any(|h| h
        .note
        .as_deref()
        .is_some_and(|n| n.contains("承認しませんでした"))));

    let audit = app.audit_actions().await;
    for action in [
        "business.approval_rule",
        "business.invite",
        "business.join",
        "order.company_approve",
        "order.company_reject",
    ] {
        assert!(audit.iter().any(|a| a == action), "no {action}");
    }
}

/// `email` invited by `admin` as `role` and joined with their own login.
async fn joined(app: &TestApp, admin: &Shopper, email: &str, role: &str) -> Shopper {
    let sent = admin
        .submit(
            "/account/business/invite",
            &[("email", email), ("role", role)],
        )
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    app.shop.jobs().run_due_jobs().await.unwrap();
    let link = join_link(app);
    let token = link.rsplit_once("t=").unwrap().1.to_string();
    let member = app.member(email).await;
    let joined = member
        .submit("/account/business/join", &[("t", &token)])
        .await;
    assert_eq!(joined.status, StatusCode::SEE_OTHER, "{}", joined.body);
    member
}

#[tokio::test]
async fn sws_11_the_company_admin_changes_a_members_role_and_removes_them() {
    let app = TestApp::demo().await;
    let admin = company_admin(&app, "kobayashi@example.co.jp", "株式会社あきない").await;
    let rival = company_admin(&app, "rival@example.jp", "他社商事").await;
    let buyer = joined(&app, &admin, "buyer@example.jp", "buyer").await;
    let id = |email| crate::admin_customers::customer_id(&app, email);
    let (buyer_id, admin_id) = (
        id("buyer@example.jp").await,
        id("kobayashi@example.co.jp").await,
    );
    let change = format!("/account/business/members/{buyer_id}");

    // The admin's page lists the member with the forms; the buyer's page has none.
    let page = admin.get("/account/business").await;
    assert!(
        page.body.contains(&format!("action=\"{change}\"")),
        "{}",
        page.body
    );
    assert!(!buyer
        .get("/account/business")
        .await
        .body
        .contains("会社から外す"));

    // Nobody but the company's admin changes anything; the admin's own part never changes.
    for (who, target, what) in [
        (&rival, buyer_id, "approver"),
        (&buyer, buyer_id, "approver"),
        (&buyer, admin_id, "remove"),
        (&admin, admin_id, "buyer"),
        (&admin, admin_id, "remove"),
    ] {
        let tried = who
            .submit(
                &format!("/account/business/members/{target}"),
                &[("change", what)],
            )
            .await;
        assert_eq!(tried.status, StatusCode::NOT_FOUND, "{target} {what}");
    }
    let bad = admin.submit(&change, &[("change", "admin")]).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.body.contains("変更の内容が正しくありません"),
        "{}",
        bad.body
    );
    let bad = admin
        .submit("/account/business/members/x", &[("change", "buyer")])
        .await;
    assert_eq!(bad.status, StatusCode::NOT_FOUND);

    // Buyer → approver: the member now decides the company's held orders.
    let made = admin.submit(&change, &[("change", "approver")]).await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
    let page = buyer.get("/account/business").await;
    assert!(page.body.contains("承認待ちの注文"), "{}", page.body);

    // Removed: no company on the member's page (they may apply again), not among the members.
    let removed = admin.submit(&change, &[("change", "remove")]).await;
    assert_eq!(removed.status, StatusCode::SEE_OTHER, "{}", removed.body);
    let page = buyer.get("/account/business").await;
    assert!(!page.body.contains("株式会社あきない"), "{}", page.body);
    assert!(page.body.contains("法人アカウントを申し込む"));
    assert!(!admin
        .get("/account/business")
        .await
        .body
        .contains(&format!("action=\"{change}\"")));
    assert_eq!(
        admin.submit(&change, &[("change", "buyer")]).await.status,
        StatusCode::NOT_FOUND,
        "no longer a member"
    );
    let audit = app.audit_actions().await;
    for action in ["business.member_role", "business.member_remove"] {
        assert!(audit.iter().any(|a| a == action), "no {action}");
    }
}
