//! 帳票 (issue 19, item 1) beyond the first copy: the shop's logo uploaded in ショップ設定 and
//! printed on documents (kept invoices keep the logo they were issued with), and a corrected
//! invoice issued by staff as a new document that names the one it replaces (JP-INV-4).

use std::io::{Cursor, Write};
use std::process::Command;

use reqwest::StatusCode;

use akinai_domain::admin::AdminRole;
use akinai_domain::documents::DocumentKind;

use crate::admin_catalog::photo_with_exif;
use crate::admin_orders::signed_in;
use crate::documents::{newest_order, pdf_text, registered_shop_with_an_order};

/// The images of a PDF as `pdfimages -list` reads them: (width, height) per placement, or
/// `None` without the tool.
fn images_in(pdf: &[u8]) -> Option<Vec<(u32, u32)>> {
    let found = Command::new("sh")
        .args(["-c", "command -v pdfimages"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var("AKINAI_REQUIRE_OPS_TOOLS").as_deref() != Ok("1"),
            "pdfimages required but not installed"
        );
        eprintln!("NOTE: the image listing DID NOT RUN: pdfimages is not installed");
        return None;
    }
    let mut file = tempfile::NamedTempFile::new().unwrap();
    file.write_all(pdf).unwrap();
    let out = Command::new("pdfimages")
        .arg("-list")
        .arg(file.path())
        .output()
        .unwrap();
    assert!(out.status.success());
    Some(
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .skip(2)
            .map(|l| l.split_whitespace().collect::<Vec<_>>())
            .filter(|r| r.get(2) == Some(&"image"))
            .map(|r| (r[3].parse().unwrap(), r[4].parse().unwrap()))
            .collect(),
    )
}

/// A square PNG logo with transparency.
fn square_png(side: u32) -> Vec<u8> {
    let img = image::RgbaImage::from_fn(side, side, |x, _| {
        image::Rgba([180, 40, (x % 250) as u8, if x < 10 { 0 } else { 255 }])
    });
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

#[tokio::test]
async fn jp_inv_4_the_logo_is_printed_on_documents_and_a_kept_invoice_keeps_the_logo_it_was_issued_with(
) {
    let (app, guest, status_path) = registered_shop_with_an_order().await;
    let id = newest_order(&app).await;
    let manager = signed_in(&app, AdminRole::Manager).await;
    let page = manager.get("/admin/settings").await;
    assert!(
        page.body.contains("ロゴは登録されていません"),
        "{}",
        page.body
    );
    let csrf = page.hidden("csrf");

    // Not a picture: refused with the reason, nothing changes (CCSG-V-2).
    let refused = manager
        .upload(
            "/admin/settings/logo",
            &csrf,
            "logo.png",
            "image/png",
            b"<svg onload=alert(1)>".to_vec(),
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.body.contains("ロゴには JPEG・PNG・WebP の画像"),
        "{}",
        refused.body
    );
    assert_eq!(app.shop.storefront().settings().await.unwrap().logo, None);
    assert_eq!(
        app.store
            .audit_entries_of("settings.logo_rejected", 5)
            .await
            .unwrap()
            .len(),
        1
    );

    // A wide photo with a GPS marker: re-encoded, scaled to 800 pixels, the marker gone.
    let up = manager
        .upload(
            "/admin/settings/logo",
            &csrf,
            "logo.jpg",
            "image/jpeg",
            photo_with_exif(1600, 400),
        )
        .await;
    assert_eq!(up.status, StatusCode::SEE_OTHER, "{}", up.body);
    let first = app
        .shop
        .storefront()
        .settings()
        .await
        .unwrap()
        .logo
        .expect("a logo");
    let kept = app.store.logo(&first).await.unwrap().unwrap();
    assert_eq!(
        (kept.width, kept.height, kept.content_type.as_str()),
        (800, 200, "image/jpeg")
    );
    assert!(!kept.bytes.windows(19).any(|w| w == b"akinai-secret-place"));
    let changes = app
        .store
        .audit_entries_of("settings.change", 5)
        .await
        .unwrap();
    assert!(
        changes[0].record.detail.to_string().contains(&first),
        "{:?}",
        changes[0]
    );
    let page = manager.get("/admin/settings").await;
    assert!(page.body.contains(r#"<img src="/admin/settings/logo""#));
    let (code, headers, preview) = manager.get_bytes("/admin/settings/logo").await;
    assert_eq!(code, StatusCode::OK);
    assert_eq!(headers["content-type"], "image/jpeg");
    assert_eq!(preview, kept.bytes);

    // The customer's invoice carries it, once, at the size it was kept.
    let invoice = format!("{status_path}/invoice.pdf");
    let (_, _, pdf) = guest.get_bytes(&invoice).await;
    if let Some(images) = images_in(&pdf) {
        assert_eq!(images, [(800, 200)]);
    }

    // A new logo: new documents carry it, the kept invoice keeps the first.
    let up = manager
        .upload(
            "/admin/settings/logo",
            &csrf,
            "logo.png",
            "image/png",
            square_png(300),
        )
        .await;
    assert_eq!(up.status, StatusCode::SEE_OTHER);
    let second = app
        .shop
        .storefront()
        .settings()
        .await
        .unwrap()
        .logo
        .unwrap();
    assert_ne!(second, first);
    assert_eq!(
        app.store.logo(&second).await.unwrap().unwrap().content_type,
        "image/png"
    );
    let slip = format!("/admin/orders/{}/delivery-slip.pdf", id.0);
    let (_, _, slip_pdf) = manager.get_bytes(&slip).await;
    let (_, _, again) = guest.get_bytes(&invoice).await;
    if let (Some(on_slip), Some(on_invoice)) = (images_in(&slip_pdf), images_in(&again)) {
        assert_eq!(on_slip, [(300, 300)]);
        assert_eq!(
            on_invoice,
            [(800, 200)],
            "the kept invoice changed its logo"
        );
    }

    // Removed: new documents carry none; the kept invoice still has its own.
    let csrf = manager.get("/admin/settings").await.hidden("csrf");
    let out = manager
        .post("/admin/settings/logo/delete", &[("csrf", csrf.as_str())])
        .await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert_eq!(app.shop.storefront().settings().await.unwrap().logo, None);
    assert_eq!(
        manager.get_bytes("/admin/settings/logo").await.0,
        StatusCode::NOT_FOUND
    );
    let (_, _, slip_pdf) = manager.get_bytes(&slip).await;
    let (_, _, again) = guest.get_bytes(&invoice).await;
    if let (Some(on_slip), Some(on_invoice)) = (images_in(&slip_pdf), images_in(&again)) {
        assert!(on_slip.is_empty());
        assert_eq!(on_invoice, [(800, 200)]);
    }
    assert!(
        app.store.logo(&first).await.unwrap().is_some(),
        "versions are kept"
    );
}

#[tokio::test]
async fn jp_inv_4_a_corrected_invoice_is_a_new_document_naming_the_one_it_replaces() {
    let (app, guest, status_path) = registered_shop_with_an_order().await;
    let id = newest_order(&app).await;
    let manager = signed_in(&app, AdminRole::Manager).await;
    let order_page = manager.get(&format!("/admin/orders/{}", id.0)).await;
    let path = format!("/admin/orders/{}/invoice/correct", id.0);
    assert!(
        order_page.body.contains(&path),
        "the order page links the correction"
    );

    // Nothing issued yet: nothing to correct (the first invoice is issued as it should read).
    let page = manager.get(&path).await;
    assert!(
        page.body.contains("まだ発行されていません"),
        "{}",
        page.body
    );
    let early = manager
        .admin_post(
            &path,
            &[("buyer", "株式会社やまだ"), ("reason", "宛名の誤り")],
        )
        .await;
    assert_eq!(early.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(app.store.order_documents(id).await.unwrap().is_empty());

    let invoice = format!("{status_path}/invoice.pdf");
    guest.get_bytes(&invoice).await;
    let original = app.store.order_documents(id).await.unwrap();
    assert_eq!(original.len(), 1);
    let old_number = format!("INV-{:08}", original[0].id.0);
    let page = manager.get(&path).await;
    assert!(page.body.contains(&old_number) && page.body.contains("山田 花子"));

    // A reason is required: nothing is issued without one.
    let bad = manager
        .admin_post(
            &path,
            &[("buyer", "株式会社やまだ 経理部"), ("reason", " ")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.body.contains("訂正の理由(100 文字まで)"),
        "{}",
        bad.body
    );
    assert_eq!(app.store.order_documents(id).await.unwrap(), original);

    let done = manager
        .admin_post(
            &path,
            &[
                ("buyer", "株式会社やまだ 経理部"),
                ("reason", "宛名の誤りのため"),
            ],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let kept = app.store.order_documents(id).await.unwrap();
    assert_eq!(kept.len(), 2);
    assert_eq!(kept[0], original[0], "the original stays as issued");
    assert_eq!(kept[1].issued.kind, DocumentKind::Invoice);
    assert_eq!(kept[1].issued.corrects, Some(original[0].id));
    let new_number = format!("INV-{:08}", kept[1].id.0);
    assert!(done.location().ends_with(&format!("?issued={new_number}")));
    let page = manager.get(done.location()).await;
    assert!(page.body.contains("訂正済み(旧)") && page.body.contains("現在の請求書"));

    // Every later copy is the correction, saying what it replaces and why.
    let (code, _, pdf) = guest.get_bytes(&invoice).await;
    assert_eq!(code, StatusCode::OK);
    if let Some(text) = pdf_text(&pdf) {
        for needle in [
            new_number.as_str(),
            "株式会社やまだ 経理部 様",
            &format!("本書は請求書 {old_number}"),
            "を訂正したものです。訂正の理由:宛名の誤りのため",
            "登録番号 T1234567890123",
        ] {
            assert!(text.contains(needle), "{needle} missing in:\n{text}");
        }
        assert!(!text.contains("山田 花子 様"), "{text}");
    }
    assert_eq!(app.store.order_documents(id).await.unwrap().len(), 2);
    let audited = app
        .store
        .audit_entries_of("document.corrected", 5)
        .await
        .unwrap();
    assert_eq!(audited.len(), 1);
    let detail = audited[0].record.detail.to_string();
    assert!(
        detail.contains(&old_number) && detail.contains(&new_number),
        "{detail}"
    );
    assert!(audited[0].record.actor.starts_with("admin:"));

    // A refund's return invoice refers to the invoice in force: the correction (JP-INV-3).
    for fields in [
        &[("event", "pay")][..],
        &[("event", "refund"), ("confirm", "1")][..],
    ] {
        let step = manager
            .admin_post(&format!("/admin/orders/{}/step", id.0), fields)
            .await;
        assert_eq!(step.status, StatusCode::SEE_OTHER, "{}", step.body);
    }
    let (_, _, pdf) = guest
        .get_bytes(&format!("{status_path}/return-invoice.pdf"))
        .await;
    if let Some(text) = pdf_text(&pdf) {
        assert!(text.contains(&format!("請求書 {new_number}")), "{text}");
    }

    // Staff without access to personal data cannot reach it (IPA-C-8).
    let staff = signed_in(&app, AdminRole::Staff).await;
    assert_eq!(staff.get(&path).await.status, StatusCode::FORBIDDEN);
}
