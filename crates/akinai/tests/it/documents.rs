//! 帳票 over real HTTP (documents issue, item 1): the customer's invoice PDF behind the order's
//! link, issued once and kept as issued (JP-INV-1, JP-INV-4); staff's invoice and delivery slip
//! from the order page, audited and only for admins who may see personal data (IPA-C-8). The
//! PDFs are read back with poppler's `pdftotext`, as a reader would see them.

use std::io::Write;
use std::process::Command;

use reqwest::StatusCode;

use akinai_domain::admin::AdminRole;
use akinai_domain::order::OrderStatus;
use akinai_store::fulfilment::OrderFilter;

use crate::admin_orders::signed_in;
use crate::support::{Shopper, TestApp};

/// The text of a PDF (`pdftotext -layout`), or `None` when the tool is missing and not required.
pub(crate) fn pdf_text(pdf: &[u8]) -> Option<String> {
    assert!(pdf.starts_with(b"%PDF-"), "not a PDF");
    let found = Command::new("sh")
        .args(["-c", "command -v pdftotext"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var("AKINAI_REQUIRE_OPS_TOOLS").as_deref() != Ok("1"),
            "pdftotext required but not installed"
        );
        eprintln!("NOTE: the PDF read-back DID NOT RUN: pdftotext is not installed");
        return None;
    }
    let mut file = tempfile::NamedTempFile::new().unwrap();
    file.write_all(pdf).unwrap();
    let out = Command::new("pdftotext")
        .args(["-layout", "-enc", "UTF-8"])
        .arg(file.path())
        .arg("-")
        .output()
        .unwrap();
    assert!(out.status.success());
    Some(String::from_utf8(out.stdout).unwrap())
}

/// The id of the newest order.
pub(crate) async fn newest_order(app: &TestApp) -> akinai_domain::ids::OrderId {
    app.store
        .list_orders(&OrderFilter::default(), None, 1)
        .await
        .unwrap()[0]
        .id
}

/// A shop registered as a qualified issuer, and a guest's order with a reduced-rate item.
pub(crate) async fn registered_shop_with_an_order() -> (TestApp, Shopper, String) {
    let app = TestApp::demo().await;
    let mut settings = app.shop.storefront().settings().await.unwrap();
    settings.invoice_number =
        Some(akinai_domain::invoice::RegistrationNumber::parse("T1234567890123").unwrap());
    app.store.save_settings(&settings).await.unwrap();
    let guest = app.shopper();
    guest.add(app.sku_named("静岡煎茶").await, "2").await;
    guest.add(app.sku_named("本革ベルト").await, "1").await;
    guest.submit_details(&[]).await;
    let status_path = guest.place().await.location().to_string();
    assert!(status_path.starts_with("/order/"), "{status_path}");
    (app, guest, status_path)
}

#[tokio::test]
async fn jp_inv_1_the_customer_downloads_a_qualified_invoice_issued_once_and_kept_as_issued() {
    let (app, guest, status_path) = registered_shop_with_an_order().await;
    let status = guest.get(&status_path).await;
    let link = format!("{status_path}/invoice.pdf");
    assert!(status.body.contains(&link), "the status page links the PDF");

    let (code, headers, pdf) = guest.get_bytes(&link).await;
    assert_eq!(code, StatusCode::OK);
    assert_eq!(headers["content-type"], "application/pdf");
    assert_eq!(headers["cache-control"], "no-store");
    let order_id = newest_order(&app).await;
    let order = app.store.order(order_id).await.unwrap().unwrap();
    assert!(headers["content-disposition"]
        .to_str()
        .unwrap()
        .contains(&format!("invoice-{}.pdf", order.number())));
    let kept = app.store.order_documents(order_id).await.unwrap();
    assert_eq!(kept.len(), 1, "the first download issues the invoice");
    let number = format!("INV-{:08}", kept[0].id.0);

    let settings = app.shop.storefront().settings().await.unwrap();
    if let Some(text) = pdf_text(&pdf) {
        for needle in [
            "請求書",
            "適格請求書",
            number.as_str(),
            "登録番号 T1234567890123",
            settings.legal.seller_name.as_str(),
            "山田 花子 様",
            &order.number(),
            "※ 静岡煎茶",
            "10%対象",
            "8%対象(軽減税率)",
            &order.totals.grand_total.display(),
        ] {
            assert!(text.contains(needle), "{needle} missing in:\n{text}");
        }
        // The tax of each rate, computed once per rate when the order was placed (JP-INV-2).
        for r in &order.totals.rates {
            assert!(text.contains(&r.tax.display()), "tax {r:?} in:\n{text}");
        }
    }

    // The shop moves: the issued invoice still names the address it was issued with, and a
    // second download is the same document, not a new one (JP-INV-4).
    let mut moved = settings.clone();
    moved.legal.seller_name = "株式会社あきない商店 新社名".into();
    app.store.save_settings(&moved).await.unwrap();
    let (_, _, again) = guest.get_bytes(&link).await;
    assert_eq!(app.store.order_documents(order_id).await.unwrap(), kept);
    if let Some(text) = pdf_text(&again) {
        assert!(text.contains(&number));
        assert!(
            !text.contains("新社名"),
            "the kept invoice was changed:\n{text}"
        );
    }

    // Without the order's link there is nothing to find.
    let stranger = app.shopper();
    let (code, _, _) = stranger
        .get_bytes(&format!("/order/{}/invoice.pdf", "0".repeat(64)))
        .await;
    assert_eq!(code, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn ipa_c_8_staff_print_documents_only_with_personal_data_access_and_every_download_is_audited(
) {
    let (app, _, _) = registered_shop_with_an_order().await;
    let id = newest_order(&app).await;
    let manager = signed_in(&app, AdminRole::Manager).await;
    let page = manager.get(&format!("/admin/orders/{}", id.0)).await;
    for link in ["invoice.pdf", "delivery-slip.pdf"] {
        assert!(
            page.body
                .contains(&format!("/admin/orders/{}/{link}", id.0)),
            "{link} on the order page"
        );
    }
    let (code, headers, slip) = manager
        .get_bytes(&format!("/admin/orders/{}/delivery-slip.pdf", id.0))
        .await;
    assert_eq!(code, StatusCode::OK);
    assert_eq!(headers["content-type"], "application/pdf");
    if let Some(text) = pdf_text(&slip) {
        for needle in [
            "納品書",
            "お届け先",
            "山田 花子 様",
            "150-0001",
            "ご依頼主",
            "午前中",
        ] {
            assert!(text.contains(needle), "{needle} missing in:\n{text}");
        }
    }
    let (code, _, _) = manager
        .get_bytes(&format!("/admin/orders/{}/invoice.pdf", id.0))
        .await;
    assert_eq!(code, StatusCode::OK);
    // Staff issued it: the customer's later download is the same invoice.
    assert_eq!(app.store.order_documents(id).await.unwrap().len(), 1);
    let audited = app
        .store
        .audit_entries_of("document.downloaded", 5)
        .await
        .unwrap();
    assert_eq!(audited.len(), 2);
    assert!(audited
        .iter()
        .all(|e| e.record.target == format!("order:{}", id.0)
            && e.record.actor.starts_with("admin:")));

    // Staff see personal data masked: no links and no documents (IPA-C-8).
    let staff = signed_in(&app, AdminRole::Staff).await;
    let page = staff.get(&format!("/admin/orders/{}", id.0)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains("delivery-slip.pdf"));
    for link in ["invoice.pdf", "delivery-slip.pdf"] {
        let (code, _, _) = staff
            .get_bytes(&format!("/admin/orders/{}/{link}", id.0))
            .await;
        assert_eq!(code, StatusCode::FORBIDDEN, "{link}");
    }
    assert_eq!(
        app.store
            .audit_entries_of("document.downloaded", 5)
            .await
            .unwrap()
            .len(),
        2
    );
}

#[tokio::test]
async fn a_cancelled_order_gets_no_invoice() {
    let (app, guest, status_path) = registered_shop_with_an_order().await;
    let id = newest_order(&app).await;
    let owner = signed_in(&app, AdminRole::Owner).await;
    let csrf = owner.get("/admin").await.hidden("csrf");
    let done = owner
        .post(
            &format!("/admin/orders/{}/step", id.0),
            &[("csrf", &csrf), ("event", "cancel"), ("confirm", "1")],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let order = app.store.order(id).await.unwrap().unwrap();
    assert_eq!(order.status, OrderStatus::Cancelled);
    let status = guest.get(&status_path).await;
    assert!(!status.body.contains("invoice.pdf"));
    let (code, _, _) = guest.get_bytes(&format!("{status_path}/invoice.pdf")).await;
    assert_eq!(code, StatusCode::NOT_FOUND);
    assert!(app.store.order_documents(id).await.unwrap().is_empty());
}

/// Runs `akinai documents KIND --order NUMBER --out …` (and `extra`), which must succeed; the
/// file it wrote, in a folder removed when the returned guard drops.
fn cli_document(
    app: &TestApp,
    kind: &str,
    number: &str,
    extra: &[&str],
) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join(format!("{kind}.pdf"));
    let path = file.to_str().unwrap().to_string();
    let mut args = vec!["documents", kind, "--order", number, "--out", &path];
    args.extend_from_slice(extra);
    let out = app.cli(&args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (dir, file)
}

#[tokio::test]
async fn the_cli_writes_the_same_kept_invoice_with_its_fonts_embedded_and_audits_the_operator() {
    let (app, _, _) = registered_shop_with_an_order().await;
    let id = newest_order(&app).await;
    let number = app.store.order(id).await.unwrap().unwrap().number();
    let (dir, file) = cli_document(&app, "invoice", &number, &["--by", "経理"]);
    let pdf = std::fs::read(&file).unwrap();
    let kept = app.store.order_documents(id).await.unwrap();
    assert_eq!(kept.len(), 1);
    if let Some(text) = pdf_text(&pdf) {
        assert!(text.contains(&format!("INV-{:08}", kept[0].id.0)), "{text}");
        // The fonts travel inside the file (a printer or another PC needs none installed).
        let fonts = Command::new("pdffonts").arg(&file).output().unwrap();
        let listing = String::from_utf8_lossy(&fonts.stdout);
        assert!(listing.contains("BIZUDGothic"), "{listing}");
        for line in listing.lines().filter(|l| l.contains("BIZUDGothic")) {
            // Columns: name type encoding emb sub uni …; embedded and subset.
            assert!(
                line.contains(" yes yes "),
                "not embedded and subset: {line}"
            );
        }
    }
    let audited = app
        .store
        .audit_entries_of("document.downloaded", 5)
        .await
        .unwrap();
    assert_eq!(audited.len(), 1);
    assert_eq!(audited[0].record.actor, "cli:経理");

    // The delivery slip too; an unknown order is an error that says so, and writes nothing.
    let (_slip_dir, slip) = cli_document(&app, "delivery-slip", &number, &[]);
    assert!(std::fs::read(&slip).unwrap().starts_with(b"%PDF-"));
    let missing = dir.path().join("missing.pdf");
    let out = app.cli(&[
        "documents",
        "invoice",
        "--order",
        "AK99999999",
        "--out",
        missing.to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("AK99999999"));
    assert!(!missing.exists());
}

#[tokio::test]
async fn a_receipt_is_issued_once_with_the_customers_choice_and_every_later_copy_says_reissue() {
    let (app, guest, status_path) = registered_shop_with_an_order().await;
    let id = newest_order(&app).await;
    // Not paid yet: no receipt, no form.
    assert!(!guest.get(&status_path).await.body.contains("receipt.pdf"));
    let (code, _, _) = guest.get_bytes(&format!("{status_path}/receipt.pdf")).await;
    assert_eq!(code, StatusCode::NOT_FOUND);
    let step = akinai_store::fulfilment::OrderStep::status_change(
        id,
        OrderStatus::Placed,
        OrderStatus::Paid,
        crate::support::test_now(),
        "admin:1".into(),
    );
    assert!(app.store.step_order(&step).await.unwrap());

    // The status page offers the form; an empty 宛名 is refused and issues nothing.
    let page = guest.get(&status_path).await;
    assert!(
        page.body.contains("宛名と但し書きは一度だけ指定できます"),
        "{}",
        page.body
    );
    let path = format!("{status_path}/receipt.pdf");
    let refused = guest
        .post(
            &path,
            &[
                ("csrf", &page.hidden("csrf")),
                ("addressee", ""),
                ("purpose", "書籍代として"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::SEE_OTHER);
    assert!(refused.location().contains("receipt=invalid"));
    assert!(app.store.order_documents(id).await.unwrap().is_empty());

    let resp = guest
        .client
        .post(format!("{}{path}", guest.base))
        .form(&[
            ("csrf", page.hidden("csrf").as_str()),
            ("addressee", "株式会社テスト商事"),
            ("purpose", "書籍代として"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()["content-type"], "application/pdf");
    let first = resp.bytes().await.unwrap();
    let kept = app.store.order_documents(id).await.unwrap();
    assert_eq!(kept.len(), 1);
    assert_eq!(
        kept[0].issued.kind,
        akinai_domain::documents::DocumentKind::Receipt
    );
    if let Some(text) = pdf_text(&first) {
        assert!(text.contains("株式会社テスト商事 様"), "{text}");
        assert!(text.contains("但し 書籍代として"), "{text}");
        assert!(text.contains(&format!("RCT-{:08}", kept[0].id.0)), "{text}");
        assert!(text.contains("登録番号 T1234567890123"), "{text}");
        assert!(!text.contains("再発行"), "{text}");
    }

    // From now on the page offers the reissue, and every copy says 再発行 with the first choice.
    let page = guest.get(&status_path).await;
    assert!(page.body.contains("領収書(PDF・再発行)"), "{}", page.body);
    let (code, _, again) = guest.get_bytes(&path).await;
    assert_eq!(code, StatusCode::OK);
    if let Some(text) = pdf_text(&again) {
        assert!(text.contains("再発行"), "{text}");
        assert!(text.contains("株式会社テスト商事 様"), "{text}");
    }
    assert_eq!(app.store.order_documents(id).await.unwrap().len(), 1);

    // The operator's copy too (`akinai documents receipt`).
    let number = app.store.order(id).await.unwrap().unwrap().number();
    let (_dir, file) = cli_document(&app, "receipt", &number, &[]);
    if let Some(text) = pdf_text(&std::fs::read(&file).unwrap()) {
        assert!(
            text.contains("再発行") && text.contains("株式会社テスト商事 様"),
            "{text}"
        );
    }
}

#[tokio::test]
async fn a_gift_orders_delivery_slip_prints_no_prices() {
    let app = TestApp::demo().await;
    let guest = app.shopper();
    guest.add(app.sku_named("静岡煎茶").await, "2").await;
    let details = guest.submit_details(&[("gift", "1")]).await;
    assert_eq!(details.status, StatusCode::SEE_OTHER, "{}", details.body);
    let confirm = guest.get("/checkout/confirm").await;
    assert!(
        confirm.body.contains("納品書に金額を記載しません"),
        "{}",
        confirm.body
    );
    assert_eq!(guest.place().await.status, StatusCode::SEE_OTHER);
    let order = app.newest_order().await;
    assert!(order.details.gift);

    let manager = signed_in(&app, AdminRole::Manager).await;
    let page = manager.get(&format!("/admin/orders/{}", order.id.0)).await;
    assert!(page.body.contains("ギフト(納品書に金額なし)"));
    let (code, _, slip) = manager
        .get_bytes(&format!("/admin/orders/{}/delivery-slip.pdf", order.id.0))
        .await;
    assert_eq!(code, StatusCode::OK);
    if let Some(text) = pdf_text(&slip) {
        assert!(text.contains("静岡煎茶"), "{text}");
        assert!(!text.contains('¥'), "no prices on a gift's slip:\n{text}");
    }
    // The invoice of the same order still shows its amounts.
    let (_, _, invoice) = manager
        .get_bytes(&format!("/admin/orders/{}/invoice.pdf", order.id.0))
        .await;
    if let Some(text) = pdf_text(&invoice) {
        assert!(text.contains(&order.totals.grand_total.display()), "{text}");
    }
}

#[tokio::test]
async fn jp_inv_3_a_refunded_order_gets_a_return_invoice_referring_to_its_invoice() {
    let (app, guest, status_path) = registered_shop_with_an_order().await;
    let id = newest_order(&app).await;
    // Before any refund there is no return invoice.
    assert!(!guest
        .get(&status_path)
        .await
        .body
        .contains("return-invoice.pdf"));
    let (code, _, _) = guest
        .get_bytes(&format!("{status_path}/return-invoice.pdf"))
        .await;
    assert_eq!(code, StatusCode::NOT_FOUND);

    let manager = signed_in(&app, AdminRole::Manager).await;
    let step = |fields: &'static [(&'static str, &'static str)]| {
        let manager = &manager;
        async move {
            let page = manager
                .admin_post(&format!("/admin/orders/{}/step", id.0), fields)
                .await;
            assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
        }
    };
    step(&[("event", "pay")]).await;
    // The customer takes the invoice, then the shop refunds the order in full.
    let (_, _, _) = guest.get_bytes(&format!("{status_path}/invoice.pdf")).await;
    step(&[("event", "refund"), ("confirm", "1")]).await;
    let order = app.store.order(id).await.unwrap().unwrap();
    let invoice = app.store.order_documents(id).await.unwrap()[0].clone();

    let page = guest.get(&status_path).await;
    let link = format!("{status_path}/return-invoice.pdf");
    assert!(page.body.contains(&link), "{}", page.body);
    let (code, _, pdf) = guest.get_bytes(&link).await;
    assert_eq!(code, StatusCode::OK);
    let kept = app.store.order_documents(id).await.unwrap();
    assert_eq!(kept.len(), 2);
    assert_eq!(
        kept[1].issued.kind,
        akinai_domain::documents::DocumentKind::ReturnInvoice
    );
    if let Some(text) = pdf_text(&pdf) {
        for needle in [
            "適格返還請求書".to_string(),
            format!("RTN-{:08}", kept[1].id.0),
            format!("請求書 INV-{:08}", invoice.id.0),
            "登録番号 T1234567890123".to_string(),
            order.totals.grand_total.display(),
        ] {
            assert!(text.contains(&needle), "{needle} missing:\n{text}");
        }
        // The refund per rate is the order's per rate, each with its tax (JP-INV-2/3).
        for r in &order.totals.rates {
            assert!(
                text.contains(&r.total.display()),
                "{}:\n{text}",
                r.total.display()
            );
            assert!(
                text.contains(&format!("(内消費税 {})", r.tax.display())),
                "{text}"
            );
        }
    }
    // Asking again, or from the CLI, gives the same kept document.
    let (_dir, file) = cli_document(&app, "return-invoice", &order.number(), &[]);
    assert!(std::fs::read(&file).unwrap().starts_with(b"%PDF-"));
    assert_eq!(app.store.order_documents(id).await.unwrap().len(), 2);
}
