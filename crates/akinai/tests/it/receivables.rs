//! Invoice payment end to end (issue #23 item 5; ADR 050): a buyer of an approved company with
//! a credit limit pays by invoice (offered to nobody else), the order ships before payment, an
//! order past the limit is refused, the month is closed into one statement (a qualified
//! invoice whose tax per rate is computed once, JP-INV-2) mailed as PDF and shown on my page
//! to that company only (SWS-11), overdue statements are reminded once a week, and recording the
//! payment settles it and frees the limit.

use base64::Engine;
use chrono::Duration;
use reqwest::StatusCode;

use akinai_domain::admin::AdminRole;
use akinai_domain::order::{OrderStatus, PaymentMethod};
use akinai_domain::receivables::{CreditTerms, MonthDay, PaymentTerms};
use akinai_domain::tax::{tax_included_in, RoundingMode};
use akinai_domain::Yen;

use crate::admin_orders::signed_in;
use crate::support::{Shopper, TestApp, MEMBER_PASSWORD};

const LIMIT: i64 = 30_000;

/// An approved company of `email`'s member, 月末締め翌月末払い with a ¥30,000 limit.
async fn invoice_buyer(app: &TestApp, email: &str) -> Shopper {
    let member = crate::company_members::company_admin(app, email, "株式会社あきない").await;
    let customer = app.store.customer_by_email(email).await.unwrap().unwrap();
    let company = app.store.company_of(customer.id).await.unwrap().unwrap().id;
    let terms = CreditTerms {
        terms: PaymentTerms {
            closing: MonthDay::EndOfMonth,
            months_after: 1,
            pay_day: MonthDay::EndOfMonth,
        },
        credit_limit: Some(Yen(LIMIT)),
    };
    assert!(app.store.set_company_terms(company, &terms).await.unwrap());
    member
}

/// The PDF attached to the newest mail that has `file_name`.
fn attached_pdf(app: &TestApp, file_name: &str) -> Vec<u8> {
    let mails = app.mails();
    let mail = mails
        .iter()
        .rev()
        .find(|m| m.contains(file_name))
        .unwrap_or_else(|| panic!("no mail with {file_name}"));
    let part = &mail[mail.find(file_name).unwrap()..];
    let body = &part[part.find("\r\n\r\n").unwrap() + 4..];
    let encoded: String = body
        .lines()
        .take_while(|l| !l.starts_with("--"))
        .collect::<Vec<_>>()
        .concat();
    base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .unwrap()
}

#[tokio::test]
async fn sws_11_a_company_pays_by_invoice_within_its_limit_and_its_month_is_billed_once() {
    let app = TestApp::demo().await;
    let mirin = app.sku_named("本みりん").await;
    let tea = app.sku_named("静岡煎茶 100g").await;

    // A guest is not offered invoice payment and cannot choose it.
    let guest = app.shopper();
    guest.add(mirin, "1").await;
    assert!(!guest
        .get("/checkout")
        .await
        .body
        .contains("value=\"invoice\""));
    let forged = guest.submit_details(&[("payment_method", "invoice")]).await;
    assert_eq!(forged.status, StatusCode::UNPROCESSABLE_ENTITY);

    // The company's buyer is, with the terms and what is left of the limit.
    let buyer = invoice_buyer(&app, "kobayashi@example.co.jp").await;
    buyer.add(mirin, "1").await;
    buyer.add(tea, "2").await;
    let form = buyer.get("/checkout").await;
    assert!(form.body.contains("value=\"invoice\""), "{}", form.body);
    assert!(form.body.contains("月末締め翌月末払い"));
    assert!(form.body.contains("ご利用限度額の残り: ¥30,000"));
    let details = buyer.submit_details(&[("payment_method", "invoice")]).await;
    assert_eq!(details.status, StatusCode::SEE_OTHER, "{}", details.body);
    let confirm = buyer.get("/checkout/confirm").await;
    assert!(confirm.body.contains("請求書払い"));
    assert!(confirm.body.contains("月末締め翌月末払い"));
    assert_eq!(buyer.place().await.status, StatusCode::SEE_OTHER);
    let first = app.newest_order().await;
    assert_eq!(first.payment_method, PaymentMethod::Invoice);
    assert_eq!(app.store.payment_of_order(first.id).await.unwrap(), None);
    let owed = first.totals.grand_total;
    assert_eq!(first.totals.rates.len(), 2, "both tax rates");

    // No per-order invoice: the statement will be the qualified invoice (ADR 050).
    app.shop.jobs().run_due_jobs().await.unwrap();
    let status = app.order_status_path();
    let status_page = buyer.get(&status).await;
    assert!(
        status_page.body.contains("請求書払い"),
        "{}",
        status_page.body
    );
    assert!(!status_page.body.contains("invoice.pdf"));
    assert_eq!(
        buyer.get(&format!("{status}/invoice.pdf")).await.status,
        StatusCode::NOT_FOUND
    );

    // Shipped before payment.
    let owner = signed_in(&app, AdminRole::Owner).await;
    let shipped = owner
        .admin_post(
            &format!("/admin/orders/{}/step", first.id.0),
            &[
                ("event", "ship"),
                ("carrier", "sagawa"),
                ("tracking", "4000-1111-2222"),
            ],
        )
        .await;
    assert_eq!(shipped.status, StatusCode::SEE_OTHER, "{}", shipped.body);
    assert_eq!(app.newest_order().await.status, OrderStatus::Shipped);

    // An order past what is left is refused at confirmation; nothing is placed.
    let jacket = app.sku_named("レザージャケット 黒").await;
    let sku = &app.store.skus_for_sale(&[jacket]).await.unwrap()[0];
    let qty = (LIMIT - owed.0) / sku.price.0 + 1;
    assert!(qty <= sku.stock, "enough stock to go past the limit");
    let added = buyer.add(jacket, &qty.to_string()).await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    let details = buyer.submit_details(&[("payment_method", "invoice")]).await;
    assert_eq!(details.status, StatusCode::SEE_OTHER, "{}", details.body);
    let over = buyer.get("/checkout/confirm").await;
    assert_ne!(over.status, StatusCode::SEE_OTHER, "{}", over.location());
    assert_eq!(over.status, StatusCode::CONFLICT);
    assert!(over.body.contains("ご利用限度額を超える"), "{}", over.body);
    assert_eq!(app.newest_order().await.id, first.id);

    // Another member is not offered it.
    let other = app.member("sato@example.jp").await;
    other.add(mirin, "1").await;
    assert!(!other
        .get("/checkout")
        .await
        .body
        .contains("value=\"invoice\""));

    // Before the month closes nothing is billed; on 1 December the month is, once.
    let admin = |email: &'static str| {
        let app = &app;
        async move {
            crate::support::admin::signed_in(app, email, AdminRole::Owner)
                .await
                .0
        }
    };
    async fn close(who: &Shopper) -> String {
        let page = who.admin_post("/admin/receivables/close", &[]).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
        page.location().to_string()
    }
    assert_eq!(close(&owner).await, "/admin/receivables?issued=0");
    app.clock.advance(Duration::days(6));
    // Billed even when the limit was withdrawn meanwhile (what was ordered is owed).
    let company = app.store.companies(10).await.unwrap()[0].clone();
    let withdrawn = CreditTerms {
        terms: company.terms.unwrap(),
        credit_limit: None,
    };
    app.store
        .set_company_terms(company.id, &withdrawn)
        .await
        .unwrap();
    // (Admin sessions end after a while: a fresh one after each jump of the clock.)
    let owner = admin("owner-dec@example.jp").await;
    assert_eq!(close(&owner).await, "/admin/receivables?issued=1");
    assert_eq!(close(&owner).await, "/admin/receivables?issued=0");
    assert_eq!(
        app.shop.receivables().close_and_remind().await.unwrap(),
        (0, 0)
    );
    let restored = CreditTerms {
        credit_limit: Some(Yen(LIMIT)),
        ..withdrawn
    };
    app.store
        .set_company_terms(company.id, &restored)
        .await
        .unwrap();
    let statements = app.store.statements(None, 10).await.unwrap();
    assert_eq!(statements.len(), 1);
    let statement = &statements[0];
    assert_eq!(statement.total, owed);
    assert_eq!(statement.due_on.to_string(), "2026-12-31");

    // JP-INV-2: the statement's tax per rate, recomputed by hand from the order's per-rate
    // totals, once per rate.
    let doc: akinai_domain::documents::DocumentContent =
        serde_json::from_str(&statement.content).unwrap();
    for rate in &first.totals.rates {
        let line = doc
            .rates
            .iter()
            .find(|r| r.rate_percent == rate.rate_percent)
            .unwrap();
        assert_eq!(line.total, rate.total);
        assert_eq!(
            line.tax,
            tax_included_in(rate.total, rate.rate_percent, RoundingMode::Floor)
        );
    }

    // Mailed as PDF to the buyer.
    app.shop.jobs().run_due_jobs().await.unwrap();
    let mails = app.mails();
    assert!(
        mails.iter().any(|m| m.contains("kobayashi@example.co.jp")
            && m.contains("のご注文分の請求書(PDF)をお送りします")
            && m.contains("株式会社あきない 購買部 御中")),
        "{mails:?}"
    );
    let pdf = attached_pdf(&app, "statement-STM-00000001.pdf");
    if let Some(text) = crate::documents::pdf_text(&pdf) {
        for expected in [
            "請求書",
            "STM-00000001",
            "株式会社あきない 購買部",
            "2026年12月31日",
            &first.number(),
            "8%対象",
            "10%対象",
        ] {
            assert!(text.contains(expected), "{expected} not in {text}");
        }
    }

    // My page: the company's buyer sees it; another member sees nothing and cannot open it.
    let (buyer, other) = (app.shopper(), app.shopper());
    buyer
        .login("kobayashi@example.co.jp", MEMBER_PASSWORD)
        .await;
    other.login("sato@example.jp", MEMBER_PASSWORD).await;
    let mine = buyer.get("/account/statements").await;
    assert!(mine.body.contains("STM-00000001"), "{}", mine.body);
    let path = format!("/account/statements/{}/pdf", statement.id.0);
    assert_eq!(buyer.get(&path).await.status, StatusCode::OK);
    assert!(!other
        .get("/account/statements")
        .await
        .body
        .contains("STM-00000001"));
    assert_eq!(other.get(&path).await.status, StatusCode::NOT_FOUND);
    let staff = signed_in(&app, AdminRole::Staff).await;
    assert_eq!(
        staff.get("/admin/receivables").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        staff
            .admin_post("/admin/receivables/close", &[])
            .await
            .status,
        StatusCode::FORBIDDEN
    );

    // Past the due date: reminded once a week, listed as overdue.
    app.clock.advance(Duration::days(32));
    let owner = admin("owner-jan@example.jp").await;
    assert_eq!(
        app.shop.receivables().close_and_remind().await.unwrap(),
        (0, 1)
    );
    assert_eq!(
        app.shop.receivables().close_and_remind().await.unwrap(),
        (0, 0)
    );
    app.shop.jobs().run_due_jobs().await.unwrap();
    assert!(app
        .mails()
        .iter()
        .any(|m| m.contains("お支払期日を過ぎても確認できておりません")));
    let list = owner.get("/admin/receivables").await;
    assert!(list.body.contains("支払期日超過 2日"), "{}", list.body);

    // Recording the payment: a bad amount is refused; the full amount settles it.
    let pay = format!("/admin/receivables/{}/payments", statement.id.0);
    let bad = owner
        .admin_post(&pay, &[("received_on", "2027-01-02"), ("amount", "abc")])
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("入金額を 1 円以上"));
    let amount = owed.0.to_string();
    let paid = owner
        .admin_post(
            &pay,
            &[
                ("received_on", "2027-01-02"),
                ("amount", amount.as_str()),
                ("note", "カ)アキナイ"),
            ],
        )
        .await;
    assert_eq!(paid.status, StatusCode::SEE_OTHER, "{}", paid.body);
    let page = owner
        .get(&format!("/admin/receivables/{}", statement.id.0))
        .await;
    assert!(page.body.contains("入金済み"), "{}", page.body);
    let audit = app.audit_actions().await;
    for action in ["statement.issue", "statement.payment"] {
        assert!(audit.iter().any(|a| a == action), "no {action}");
    }
    // The limit is free again.
    let buyer = app.shopper();
    buyer
        .login("kobayashi@example.co.jp", MEMBER_PASSWORD)
        .await;
    buyer.add(mirin, "1").await;
    assert!(buyer
        .get("/checkout")
        .await
        .body
        .contains("ご利用限度額の残り: ¥30,000"));
}
