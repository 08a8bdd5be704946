//! CSV in the admin (CSV issue, items 3–5) over real HTTP: an upload is only checked until the
//! admin confirms, the worker's report is shown row by row in Japanese, a file with errors
//! cannot be applied and leaves the shop unchanged, a clean one is applied by the worker; the
//! file is gone once done; personal data downloads need their own capability and the password
//! and code again, and are audited (IPA-C-8).

use chrono::Duration;
use reqwest::StatusCode;

use akinai_core::accounts::totp::code_at;
use akinai_domain::admin::AdminRole;

use crate::support::admin::{self, ADMIN_PASSWORD};
use crate::support::Page;
use crate::support::{Shopper, TestApp};
use crate::transfer::SHOPIFY;

/// Uploads `bytes` as a CSV from the page at `base` (the answer: a redirect to the run's page).
async fn upload(
    admin: &Shopper,
    base: &str,
    name: &str,
    fields: &[(&str, &str)],
    bytes: Vec<u8>,
) -> Page {
    let csrf = admin.get(base).await.hidden("csrf");
    let mut form = reqwest::multipart::Form::new().text("csrf", csrf);
    for (k, v) in fields {
        form = form.text(k.to_string(), v.to_string());
    }
    let part = reqwest::multipart::Part::bytes(bytes)
        .file_name(name.to_string())
        .mime_str("text/csv")
        .unwrap();
    admin.send_multipart(base, form.part("file", part)).await
}

/// Whether the shop has a SKU with this code (from the inventory export).
async fn has_sku(app: &TestApp, code: &str) -> bool {
    let mut out = Vec::new();
    app.shop
        .transfer()
        .export(
            akinai_core::transfer::ExportKind::Inventory,
            akinai_csv::OutEncoding::Utf8,
            &mut out,
            &akinai_core::audit::AuditContext::cli("tester"),
        )
        .await
        .unwrap();
    String::from_utf8(out)
        .unwrap()
        .lines()
        .any(|l| l.starts_with(&format!("{code},")))
}

#[tokio::test]
async fn an_uploaded_file_is_only_checked_until_confirmed_then_the_worker_applies_it() {
    let app = TestApp::demo().await;
    let (staff, _) = admin::signed_in(&app, "staff@example.jp", AdminRole::Staff).await;
    let base = "/admin/products/csv";
    let list = staff.get(base).await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(
        list.body.contains("アップロードして確認する"),
        "{}",
        list.body
    );

    let uploaded = upload(
        &staff,
        base,
        "shopify.csv",
        &[("format", "")],
        SHOPIFY.as_bytes().to_vec(),
    )
    .await;
    assert_eq!(uploaded.status, StatusCode::SEE_OTHER, "{}", uploaded.body);
    let run = uploaded.location().to_string();
    assert!(run.starts_with("/admin/products/csv/"), "{run}");
    let waiting = staff.get(&run).await;
    assert!(waiting.body.contains("確認中"), "{}", waiting.body);
    assert!(
        waiting.body.contains("<progress"),
        "a progress bar while busy"
    );
    assert!(
        waiting.body.contains("http-equiv=\"refresh\""),
        "the page refreshes while busy"
    );
    assert!(
        !has_sku(&app, "TS-S").await,
        "nothing written by the upload"
    );

    assert_eq!(app.shop.jobs().run_due_jobs().await.unwrap(), 1);
    let planned = staff.get(&run).await;
    assert!(planned.body.contains("確認の結果"), "{}", planned.body);
    assert!(
        planned.body.contains("新規</th><td>2 件"),
        "{}",
        planned.body
    );
    assert!(
        planned.body.contains("取り込む</button>"),
        "{}",
        planned.body
    );
    assert!(!planned.body.contains("http-equiv=\"refresh\""));
    let untouched = app.audit_actions().await;
    assert!(
        !untouched.contains(&"catalog.import".to_string()),
        "a check writes nothing"
    );

    assert!(!has_sku(&app, "TS-S").await, "nothing written by the check");
    let confirmed = staff.admin_post(&format!("{run}/apply"), &[]).await;
    assert_eq!(
        confirmed.status,
        StatusCode::SEE_OTHER,
        "{}",
        confirmed.body
    );
    assert!(staff.get(&run).await.body.contains("取り込み中"));
    let again = staff.admin_post(&format!("{run}/apply"), &[]).await;
    assert_eq!(again.status, StatusCode::CONFLICT, "a run is applied once");
    assert_eq!(app.shop.jobs().run_due_jobs().await.unwrap(), 1);
    let applied = staff.get(&run).await;
    assert!(applied.body.contains("取り込みました"), "{}", applied.body);
    assert!(app
        .audit_actions()
        .await
        .contains(&"catalog.import".to_string()));
    assert!(has_sku(&app, "TS-S").await, "the product is in the shop");
    let id = akinai_domain::ids::TransferRunId(run.rsplit('/').next().unwrap().parse().unwrap());
    let chunk =
        akinai_store::transfer_runs::TransferRunStore::transfer_chunk(app.store.as_ref(), id, 0, 0);
    assert_eq!(
        chunk.await.unwrap(),
        None,
        "the uploaded file is deleted once applied"
    );
}

#[tokio::test]
async fn a_file_with_errors_shows_each_row_in_japanese_and_cannot_be_applied() {
    let app = TestApp::demo().await;
    let (staff, _) = admin::signed_in(&app, "staff@example.jp", AdminRole::Staff).await;
    let base = "/admin/products/csv";
    let broken = SHOPIFY.replace("1080,", "千円,");
    let run = upload(&staff, base, "broken.csv", &[], broken.into_bytes())
        .await
        .location()
        .to_string();
    app.shop.jobs().run_due_jobs().await.unwrap();
    let page = staff.get(&run).await;
    assert!(page.body.contains("取り込めません"), "{}", page.body);
    assert!(
        page.body.contains("千円"),
        "the bad value is shown: {}",
        page.body
    );
    assert!(!page.body.contains("取り込む</button>"));
    let refused = staff.admin_post(&format!("{run}/apply"), &[]).await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert!(
        refused.body.contains("エラーがあるため実行できません"),
        "{}",
        refused.body
    );
    assert_eq!(
        app.shop.jobs().run_due_jobs().await.unwrap(),
        0,
        "no job was queued"
    );

    let report = staff.get(&format!("{run}/report")).await;
    assert_eq!(report.status, StatusCode::OK);
    assert!(report.headers["content-disposition"]
        .to_str()
        .unwrap()
        .contains("attachment"));
    assert!(
        report.body.starts_with('\u{feff}'),
        "UTF-8 with BOM for Excel"
    );
    assert!(report.body.contains("千円"));

    let (viewer, _) = admin::signed_in(&app, "viewer@example.jp", AdminRole::Viewer).await;
    assert_eq!(viewer.get(&run).await.status, StatusCode::FORBIDDEN);
    assert_eq!(viewer.get(base).await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn sws_6_uploads_without_the_token_empty_or_with_unknown_options_store_nothing() {
    let app = TestApp::demo().await;
    let (staff, _) = admin::signed_in(&app, "staff@example.jp", AdminRole::Staff).await;
    let part = reqwest::multipart::Part::bytes(SHOPIFY.as_bytes().to_vec()).file_name("x.csv");
    let forged = reqwest::multipart::Form::new()
        .text("csrf", "0".repeat(64))
        .part("file", part);
    let page = staff.send_multipart("/admin/products/csv", forged).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    let empty = upload(&staff, "/admin/products/csv", "empty.csv", &[], Vec::new()).await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(empty.body.contains("ファイルが空です"), "{}", empty.body);
    let odd = upload(
        &staff,
        "/admin/products/csv",
        "x.csv",
        &[("format", "woocommerce")],
        b"a".to_vec(),
    )
    .await;
    assert_eq!(odd.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        staff
            .get("/admin/products/csv")
            .await
            .body
            .contains("まだありません"),
        "no run was kept"
    );
    assert_eq!(app.shop.jobs().run_due_jobs().await.unwrap(), 0);
}

#[tokio::test]
async fn ipa_c_8_personal_data_downloads_need_the_capability_and_a_second_sign_in_and_are_audited()
{
    let app = TestApp::demo().await;
    app.order_one("本みりん").await;
    let (manager, _) = admin::signed_in(&app, "manager@example.jp", AdminRole::Manager).await;
    assert_eq!(
        manager.get("/admin/orders/export").await.status,
        StatusCode::FORBIDDEN
    );
    let refused = manager
        .admin_post(
            "/admin/customers/csv/export",
            &[("password", ADMIN_PASSWORD)],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(manager
        .get("/admin/customers/csv")
        .await
        .body
        .contains("オーナー"));

    let (owner, secret) = admin::signed_in(&app, "owner@example.jp", AdminRole::Owner).await;
    let now = || akinai_core::Clock::now(app.clock.as_ref());
    app.clock.advance(Duration::seconds(30));
    let wrong = owner
        .admin_post(
            "/admin/orders/export",
            &[
                ("password", "wrong"),
                ("code", &code_at(&secret, now()).unwrap()),
            ],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.body.contains("書き出していません"));
    assert!(!app
        .audit_actions()
        .await
        .contains(&"orders.export".to_string()));

    app.clock.advance(Duration::seconds(30));
    let file = owner
        .admin_post(
            "/admin/orders/export",
            &[
                ("encoding", "utf-8"),
                ("password", ADMIN_PASSWORD),
                ("code", &code_at(&secret, now()).unwrap()),
            ],
        )
        .await;
    assert_eq!(file.status, StatusCode::OK, "{}", file.body);
    assert!(file.headers["content-disposition"]
        .to_str()
        .unwrap()
        .contains("orders-"));
    assert_eq!(file.headers["cache-control"], "no-store");
    assert!(file.body.contains("本みりん"), "{}", file.body);
    assert!(app
        .audit_actions()
        .await
        .contains(&"orders.export".to_string()));

    app.clock.advance(Duration::seconds(30));
    let customers = owner
        .admin_post(
            "/admin/customers/csv/export",
            &[
                ("encoding", "shift_jis"),
                ("password", ADMIN_PASSWORD),
                ("code", &code_at(&secret, now()).unwrap()),
            ],
        )
        .await;
    assert_eq!(customers.status, StatusCode::OK);
    assert!(customers.headers["content-disposition"]
        .to_str()
        .unwrap()
        .contains("-sjis.csv"));
    assert!(app
        .audit_actions()
        .await
        .contains(&"customers.export".to_string()));
}

#[tokio::test]
async fn the_catalog_downloads_for_catalog_staff_and_imported_members_are_invited_from_the_page() {
    let app = TestApp::demo().await;
    let (staff, _) = admin::signed_in(&app, "staff@example.jp", AdminRole::Staff).await;
    let file = staff
        .admin_post(
            "/admin/products/csv/export",
            &[("what", "inventory"), ("encoding", "utf-8")],
        )
        .await;
    assert_eq!(file.status, StatusCode::OK);
    assert!(file.body.starts_with('\u{feff}'));
    assert!(app
        .audit_actions()
        .await
        .contains(&"catalog.export".to_string()));
    assert_eq!(
        staff.get("/admin/customers/csv").await.status,
        StatusCode::FORBIDDEN
    );

    let (manager, _) = admin::signed_in(&app, "manager@example.jp", AdminRole::Manager).await;
    let base = "/admin/customers/csv";
    let members = crate::transfer_customers::SHOPIFY.as_bytes().to_vec();
    let run = upload(
        &manager,
        base,
        "customers.csv",
        &[("format", "shopify")],
        members,
    )
    .await
    .location()
    .to_string();
    app.shop.jobs().run_due_jobs().await.unwrap();
    let planned = manager.get(&run).await;
    assert!(
        planned.body.contains("hanako@example.jp"),
        "{}",
        planned.body
    );
    manager.admin_post(&format!("{run}/apply"), &[]).await;
    app.shop.jobs().run_due_jobs().await.unwrap();
    assert!(manager.get(&run).await.body.contains("取り込みました"));
    let page = manager.get(base).await;
    assert!(
        page.body.contains("2 人に招待メールを送る"),
        "{}",
        page.body
    );
    let invited = manager
        .admin_post("/admin/customers/csv/invite", &[("per_hour", "50")])
        .await;
    assert!(
        invited.body.contains("2 人への招待メールを予約しました"),
        "{}",
        invited.body
    );
    app.shop.jobs().run_due_jobs().await.unwrap();
    assert!(
        app.mails().iter().any(|m| m.contains("hanako@example.jp")),
        "the invitation was sent"
    );
    assert!(app
        .audit_actions()
        .await
        .contains(&"customers.invite".to_string()));
}

fn zip_of(files: &[(&str, Vec<u8>)]) -> Vec<u8> {
    use std::io::Write;
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, bytes) in files {
        out.start_file(*name, zip::write::SimpleFileOptions::default())
            .unwrap();
        out.write_all(bytes).unwrap();
    }
    out.finish().unwrap().into_inner()
}

/// Uploads a CSV with a zip of images from the products page.
async fn upload_with_images(staff: &Shopper, csv: &str, zip: Vec<u8>) -> String {
    let base = "/admin/products/csv";
    let csrf = staff.get(base).await.hidden("csrf");
    let part = |bytes: Vec<u8>, name: &str| {
        reqwest::multipart::Part::bytes(bytes).file_name(name.to_string())
    };
    let form = reqwest::multipart::Form::new()
        .text("csrf", csrf)
        .part("file", part(csv.as_bytes().to_vec(), "products.csv"))
        .part("images", part(zip, "images.zip"));
    let page = staff.send_multipart(base, form).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    page.location().to_string()
}

#[tokio::test]
async fn images_come_from_a_zip_uploaded_with_the_file_and_a_broken_zip_writes_nothing() {
    let app = TestApp::empty().await;
    let (staff, _) = admin::signed_in(&app, "staff@example.jp", AdminRole::Staff).await;
    let csv = "handle,name,category,description_html,tax,published,sku,option,price,stock,images\n\
               a,写真つき,食品,,standard,1,A-1,,500,3,\"a.jpg,nope.jpg\"\n";
    let photos = zip_of(&[("写真/a.jpg", crate::admin_catalog::photo_with_exif(64, 48))]);

    let broken = upload_with_images(&staff, csv, b"PK\x03\x04 not a zip".to_vec()).await;
    app.shop.jobs().run_due_jobs().await.unwrap();
    let page = staff.get(&broken).await;
    assert!(
        page.body.contains("zip として開けませんでした"),
        "{}",
        page.body
    );
    assert!(!has_sku(&app, "A-1").await, "nothing written");

    let run = upload_with_images(&staff, csv, photos).await;
    app.shop.jobs().run_due_jobs().await.unwrap();
    let planned = staff.get(&run).await;
    assert!(
        planned.body.contains("nope.jpg"),
        "the missing image is named: {}",
        planned.body
    );
    assert!(
        planned.body.contains("取り込む</button>"),
        "a missing image is a warning"
    );
    staff.admin_post(&format!("{run}/apply"), &[]).await;
    app.shop.jobs().run_due_jobs().await.unwrap();
    assert!(staff.get(&run).await.body.contains("取り込みました"));
    let products = app.shop.transfer();
    let mut out = Vec::new();
    products
        .export(
            akinai_core::transfer::ExportKind::Products(akinai_csv::Format::Akinai),
            akinai_csv::OutEncoding::Utf8,
            &mut out,
            &akinai_core::audit::AuditContext::cli("tester"),
        )
        .await
        .unwrap();
    let exported = String::from_utf8(out).unwrap();
    let row = exported.lines().nth(1).unwrap();
    assert!(
        row.ends_with(".jpg"),
        "one image, stored under its new name: {row}"
    );
}
