//! The daily shipping work end to end (documents issue, items 2–4): the carriers' label files
//! written by `akinai export shipping` and read back as the carriers' software reads them
//! (CP932, CRLF, the layout's columns, limits reported instead of cut, cells guarded against
//! CSV injection), and tracking numbers imported in bulk with `akinai import tracking` — judged
//! row by row, dry run first, all or nothing, each shipping mail once, audited as one batch and
//! per order; a held card payment is captured as its order ships (as the single 発送 step
//! does), and an order under review never ships (CCSG-F-4).

use akinai_core::audit::AuditContext;
use akinai_domain::admin::AdminRole;
use akinai_domain::fulfilment::Carrier;
use akinai_domain::ids::OrderId;
use akinai_domain::order::OrderStatus;
use akinai_domain::payment::PaymentStatus;
use akinai_domain::shipping::{LabelLayout, SAGAWA_HEADER, YAMATO_B2_HEADER};
use akinai_store::fulfilment::OrderStep;
use reqwest::StatusCode;

use crate::admin_orders::signed_in;

use crate::support::{test_now, TestApp};

/// Places an order of one bottle of mirin with the checkout form's `overrides`, each to an
/// address of its own (three orders a day to one address are flagged for review).
async fn order(app: &TestApp, overrides: &[(&str, &str)]) -> OrderId {
    static HOUSE: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(1);
    let house = HOUSE.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let line1 = format!("神宮前1-2-{house}");
    let mut form = vec![("line1", line1.as_str())];
    form.extend_from_slice(overrides);
    let shopper = app.shopper();
    shopper.add(app.sku_named("本みりん").await, "1").await;
    let details = shopper.submit_details(&form).await;
    assert_eq!(details.status, StatusCode::SEE_OTHER, "{}", details.body);
    assert_eq!(shopper.place().await.status, StatusCode::SEE_OTHER);
    app.newest_order().await.id
}

/// Marks an order paid (入金確認), as the order desk would.
async fn paid(app: &TestApp, id: OrderId) {
    let step = OrderStep::status_change(
        id,
        OrderStatus::Placed,
        OrderStatus::Paid,
        test_now(),
        "admin:1".into(),
    );
    assert!(app.store.step_order(&step).await.unwrap());
}

/// Runs `akinai ARGS…` on the shop; (success, standard output).
fn akinai_cli(app: &TestApp, args: &[&str]) -> (bool, String) {
    let out = app.cli(args);
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).to_string(),
    )
}

/// A label file read as a carrier's import screen reads it: CP932 without a byte-order mark,
/// every line ending in CRLF, then CSV.
fn read_cp932(bytes: &[u8]) -> Vec<Vec<String>> {
    assert!(!bytes.starts_with(b"\xEF\xBB\xBF"), "no UTF-8 BOM");
    let (text, _, bad) = encoding_rs::SHIFT_JIS.decode(bytes);
    assert!(!bad, "every byte is CP932");
    assert!(text.ends_with("\r\n"));
    assert!(
        !text.replace("\r\n", "").contains('\n'),
        "CRLF line ends only"
    );
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

fn export(app: &TestApp, carrier: &str, extra: &[&str]) -> (Vec<Vec<String>>, String) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("labels.csv");
    let mut args = vec![
        "export",
        "shipping",
        "--carrier",
        carrier,
        "--out",
        file.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let (ok, stdout) = akinai_cli(app, &args);
    assert!(ok, "{stdout}");
    (read_cp932(&std::fs::read(&file).unwrap()), stdout)
}

fn number(id: OrderId) -> String {
    akinai_store::order_number(id)
}

#[tokio::test]
async fn ccsg_v_3_carrier_label_files_carry_each_layouts_columns_in_cp932_guarded_and_report_what_needs_fixing(
) {
    let app = TestApp::demo().await;
    let bank = order(&app, &[("city", "渋谷区〜テスト")]).await;
    paid(&app, bank).await;
    let cod = order(&app, &[("payment_method", "cash_on_delivery")]).await;
    let unpaid = order(&app, &[]).await;
    let long_street = "神宮前一丁目二番三号".repeat(3);
    let long = order(&app, &[("line1", long_street.as_str())]).await;
    paid(&app, long).await;
    let formula = order(&app, &[("name", "=山田 花子")]).await;
    paid(&app, formula).await;
    app.flagged_member_order("flagged@example.jp").await;
    let flagged = app.newest_order().await.id;
    paid(&app, flagged).await;

    let (rows, report) = export(&app, "yamato-b2", &[]);
    assert_eq!(rows[0], YAMATO_B2_HEADER.map(String::from).to_vec());
    assert!(
        rows.iter().all(|r| r.len() == 95),
        "95 columns on every row"
    );
    let numbers: Vec<&str> = rows[1..].iter().map(|r| r[0].as_str()).collect();
    // Oldest first; the unpaid bank transfer, the address too long and the order under
    // review are not in the file.
    assert_eq!(numbers, [number(bank), number(cod), number(formula)]);
    assert!(
        report.contains(&format!("除外 {} [お届け先住所]", number(long))),
        "{report}"
    );
    assert!(
        report.contains(&format!("除外 {}: 確認待ち", number(flagged))),
        "{report}"
    );
    assert!(!report.contains(&number(unpaid)));
    // The wave dash is written as CP932's; cash on delivery is コレクト with the total.
    assert!(rows[1][11].contains("渋谷区～テスト"), "{:?}", rows[1][11]);
    let cod_order = app.store.order(cod).await.unwrap().unwrap();
    assert_eq!(rows[2][1], "2");
    assert_eq!(rows[2][33], cod_order.totals.grand_total.0.to_string());
    assert_eq!(rows[1][1], "0");
    // A cell that a spreadsheet would run as a formula is neutralised.
    assert_eq!(rows[3][15], "'=山田 花子");

    // e飛伝 with only the paid orders; the generic layout has no limits of its own.
    let (rows, _) = export(&app, "sagawa", &["--status", "paid"]);
    assert_eq!(rows[0], SAGAWA_HEADER.map(String::from).to_vec());
    assert!(rows.iter().all(|r| r.len() == SAGAWA_HEADER.len()));
    let numbers: Vec<&str> = rows[1..].iter().map(|r| r[8].as_str()).collect();
    assert_eq!(numbers, [number(bank), number(formula)]);
    let (rows, _) = export(&app, "generic", &[]);
    assert_eq!(rows.len(), 1 + 4);
    assert!(rows.iter().any(|r| r[11] == long_street));

    let exports = app
        .store
        .audit_entries_of("shipping.export", 10)
        .await
        .unwrap();
    assert_eq!(
        exports.len(),
        3,
        "every label file is audited (it holds addresses)"
    );
    // An unknown carrier is refused and names the layouts.
    let (ok, _) = akinai_cli(
        &app,
        &[
            "export",
            "shipping",
            "--carrier",
            "kuroneko",
            "--out",
            "/tmp/x.csv",
        ],
    );
    assert!(!ok);
}

/// Writes a generic tracking file (注文番号, 送り状番号, 出荷日) with `rows`.
fn tracking_file(dir: &std::path::Path, rows: &[(String, &str)]) -> std::path::PathBuf {
    let mut text = String::from("注文番号,送り状番号,出荷日\r\n");
    for (order, tracking) in rows {
        text.push_str(&format!("{order},{tracking},2026/11/26\r\n"));
    }
    let path = dir.join("tracking.csv");
    std::fs::write(&path, text).unwrap();
    path
}

/// The mails that name one of the imported tracking numbers (the shipping mails).
fn shipping_mails(mails: &[String]) -> usize {
    let numbers = ["123456780001", "123456780002", "123456780003"];
    mails
        .iter()
        .filter(|m| numbers.iter().any(|n| m.contains(n)))
        .count()
}

#[tokio::test]
async fn ccsg_f_4_tracking_numbers_come_back_in_bulk_judged_first_never_shipping_an_order_under_review(
) {
    let app = TestApp::demo().await;
    let a = order(&app, &[]).await;
    paid(&app, a).await;
    let b = order(&app, &[]).await;
    paid(&app, b).await;
    let cod = order(&app, &[("payment_method", "cash_on_delivery")]).await;
    app.flagged_member_order("flagged@example.jp").await;
    let flagged = app.newest_order().await.id;
    paid(&app, flagged).await;
    let dir = tempfile::tempdir().unwrap();

    // One row under review, one unknown order, one unreadable number: nothing ships.
    let file = tracking_file(
        dir.path(),
        &[
            (number(a), "1234-5678-0001"),
            (number(b), "1234-5678-0002"),
            (number(cod), "1234-5678-0003"),
            (number(flagged), "1234-5678-0004"),
            ("AK09999999".into(), "1234-5678-0005"),
            (number(a), "12"),
        ],
    );
    let by = [
        "--carrier",
        "generic",
        file.to_str().unwrap(),
        "--by",
        "出荷係",
    ];
    let (ok, report) = akinai_cli(&app, &[&["import", "tracking"][..], &by].concat());
    assert!(!ok, "{report}");
    assert!(report.contains("確認待ちの注文です"), "{report}");
    assert!(report.contains("見つかりません"), "{report}");
    assert!(
        report.contains("同じ注文がファイルに複数あります"),
        "{report}"
    );
    assert!(report.contains("何も発送にしていません"), "{report}");
    for id in [a, b, cod] {
        let o = app.store.order(id).await.unwrap().unwrap();
        assert_ne!(o.status, OrderStatus::Shipped);
    }

    // The good rows alone: a dry run first changes nothing.
    let rows = [
        (number(a), "1234-5678-0001"),
        (number(b), "1234-5678-0002"),
        (number(cod), "1234-5678-0003"),
    ];
    tracking_file(dir.path(), &rows);
    let (ok, report) = akinai_cli(
        &app,
        &[&["import", "tracking"][..], &by, &["--dry-run"]].concat(),
    );
    assert!(ok, "{report}");
    assert!(report.contains("確認だけです"), "{report}");
    assert_eq!(
        app.store.order(a).await.unwrap().unwrap().status,
        OrderStatus::Paid
    );

    // Then for real: all three ship with their numbers, audited as one batch and per order.
    let (ok, report) = akinai_cli(&app, &[&["import", "tracking"][..], &by].concat());
    assert!(ok, "{report}");
    for (id, tracking) in [
        (a, "123456780001"),
        (b, "123456780002"),
        (cod, "123456780003"),
    ] {
        let o = app.store.order(id).await.unwrap().unwrap();
        assert_eq!(o.status, OrderStatus::Shipped);
        let shipment = o.shipment.unwrap();
        assert_eq!(shipment.carrier, Carrier::Other);
        assert_eq!(shipment.tracking_number.as_str(), tracking);
    }
    let batch = app
        .store
        .audit_entries_of("shipping.tracking_import", 5)
        .await
        .unwrap();
    assert_eq!(batch.len(), 1);
    assert_eq!(batch[0].record.actor, "cli:出荷係");
    let per_order = app.store.audit_entries_of("order.ship", 10).await.unwrap();
    assert_eq!(per_order.len(), 3);
    // The command queued the mails at the machine's time; the test shop's clock catches up.
    app.clock.advance(chrono::Duration::days(3650));
    app.shop.jobs().run_due_jobs().await.unwrap();
    assert_eq!(shipping_mails(&app.mails()), 3, "one shipping mail each");

    // The same file again: every row is done already; nothing changes, no mail goes out.
    let (ok, report) = akinai_cli(&app, &[&["import", "tracking"][..], &by].concat());
    assert!(ok, "{report}");
    assert!(report.contains("発送済み 3 件"), "{report}");
    assert_eq!(
        app.store
            .audit_entries_of("order.ship", 10)
            .await
            .unwrap()
            .len(),
        3
    );
    app.shop.jobs().run_due_jobs().await.unwrap();
    assert_eq!(shipping_mails(&app.mails()), 3);
}

#[tokio::test]
async fn a_held_card_payment_is_captured_when_a_b2_issued_file_ships_its_order() {
    let (app, fake, _manager) = crate::payments_capture::shop_capturing_at_shipping().await;
    let (_, payment) = crate::payments_capture::held_order(&app, &fake).await;
    let order = app.newest_order().await;
    assert_eq!(order.status, OrderStatus::Placed);
    // B2クラウド's 発行済みデータ: the label layout with 伝票番号 filled, in Shift_JIS.
    let mut row = vec![String::new(); YAMATO_B2_HEADER.len()];
    row[0] = order.number();
    row[3] = "400011112222".into();
    row[4] = "2026/11/26".into();
    let text = format!("{}\r\n{}\r\n", YAMATO_B2_HEADER.join(","), row.join(","));
    let (bytes, _, _) = encoding_rs::SHIFT_JIS.encode(&text);
    let report = app
        .shop
        .shipping()
        .import_tracking(
            LabelLayout::YamatoB2,
            &bytes[..],
            false,
            &AuditContext::cli("出荷係"),
        )
        .await
        .unwrap();
    assert!(report.applied, "{report:?}");
    assert_eq!(report.captured, vec![order.number()]);
    let shipped = app.store.order(order.id).await.unwrap().unwrap();
    assert_eq!(shipped.status, OrderStatus::Shipped);
    assert_eq!(shipped.shipment.unwrap().carrier, Carrier::Yamato);
    let p = app.store.payment_of_order(order.id).await.unwrap().unwrap();
    assert_eq!(p.status, PaymentStatus::Succeeded);
    let intent = payment.payment_ref.unwrap();
    let captures: Vec<_> = fake
        .requests()
        .into_iter()
        .filter(|r| r.path == format!("/v1/payment_intents/{intent}/capture"))
        .collect();
    assert_eq!(captures.len(), 1);
}

#[tokio::test]
async fn ipa_c_8_the_shipping_page_previews_for_staff_downloads_only_for_personal_data_access_and_imports(
) {
    let app = TestApp::demo().await;
    let a = order(&app, &[]).await;
    paid(&app, a).await;
    let long_street = "神宮前一丁目二番三号".repeat(3);
    let long = order(&app, &[("line1", long_street.as_str())]).await;
    paid(&app, long).await;
    let cod = order(&app, &[("payment_method", "cash_on_delivery")]).await;

    // Staff process orders but may not see addresses: the preview, no download.
    let staff = signed_in(&app, AdminRole::Staff).await;
    let list = staff.get("/admin/orders").await;
    assert!(
        list.body.contains("form=\"ship-selected\""),
        "{}",
        list.body
    );
    let page = staff.get("/admin/shipping").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("<strong>2 件</strong>を書き出せます"),
        "{}",
        page.body
    );
    assert!(page.body.contains(&number(long)) && page.body.contains("お届け先住所"));
    assert!(!page.body.contains("送り状データ(CSV)をダウンロード"));
    let refused = staff
        .admin_post("/admin/shipping/labels", &[("carrier", "yamato-b2")])
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    // A manager selects two orders in the list (one too long) and downloads e飛伝's file.
    let manager = signed_in(&app, AdminRole::Manager).await;
    let picked = format!(
        "/admin/shipping?carrier=sagawa&order={}&order={}",
        a.0, long.0
    );
    let page = manager.get(&picked).await;
    assert!(
        page.body.contains("<strong>2 件</strong>が対象です"),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("<strong>1 件</strong>を書き出せます"),
        "{}",
        page.body
    );
    let listed = format!(
        "入る注文: <a href=\"/admin/orders/{}\">{}</a>",
        a.0,
        number(a)
    );
    assert!(page.body.contains(&listed), "{}", page.body);
    let csrf = page.hidden("csrf");
    let orders = format!("{},{}", a.0, long.0);
    let resp = manager
        .client
        .post(format!("{}/admin/shipping/labels", manager.base))
        .form(&[
            ("csrf", csrf.as_str()),
            ("carrier", "sagawa"),
            ("status", ""),
            ("orders", orders.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(
        resp.headers()["content-type"],
        "text/csv; charset=Shift_JIS"
    );
    let rows = read_cp932(&resp.bytes().await.unwrap());
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[1][8], number(a));
    let audited = app
        .store
        .audit_entries_of("shipping.export", 5)
        .await
        .unwrap();
    assert_eq!(audited.len(), 1);
    assert!(audited[0].record.actor.starts_with("admin:"));

    // Staff upload the issued numbers, read the verdicts, and confirm.
    let csv = format!(
        "注文番号,送り状番号\r\n{},1234-5678-1001\r\n{},1234-5678-1002\r\n",
        number(a),
        number(cod)
    );
    let page = staff.get("/admin/shipping").await;
    let csrf = page.hidden("csrf");
    let form = reqwest::multipart::Form::new()
        .text("csrf", csrf.clone())
        .text("carrier", "generic")
        .part(
            "file",
            reqwest::multipart::Part::bytes(csv.into_bytes()).file_name("issued.csv"),
        );
    let preview = staff.send_multipart("/admin/shipping/tracking", form).await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.body);
    assert!(preview.body.contains("発送 2 件"), "{}", preview.body);
    assert!(preview.body.contains("2 件を発送済みにする"));
    assert_eq!(
        app.store.order(a).await.unwrap().unwrap().status,
        OrderStatus::Paid,
        "the preview ships nothing"
    );
    let data = preview.hidden("data");
    let form = reqwest::multipart::Form::new()
        .text("csrf", csrf)
        .text("carrier", "generic")
        .text("data", data)
        .text("confirm", "1");
    let done = staff.send_multipart("/admin/shipping/tracking", form).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    for id in [a, cod] {
        assert_eq!(
            app.store.order(id).await.unwrap().unwrap().status,
            OrderStatus::Shipped
        );
    }
    let flash = staff.get(done.location()).await;
    assert!(
        flash.body.contains("2 件の注文を発送済みにしました"),
        "{}",
        flash.body
    );
}

/// Copies `order` `n` times through the store (a busy day without 500 checkouts) and marks
/// every copy paid.
async fn copies(app: &TestApp, order: &akinai_store::Order, n: usize) {
    for l in &order.lines {
        let more = i64::from(l.quantity) * n as i64;
        app.store
            .adjust_stock(l.sku_id, more, chrono::Utc::now())
            .await
            .unwrap();
    }
    for i in 0..n {
        let token = akinai_store::TokenHash(format!("{:064x}", 1_000 + i));
        let cart = app.store.create_cart(&token, test_now()).await.unwrap();
        let copy = akinai_store::NewOrder {
            cart_id: cart,
            customer_id: None,
            status_token: akinai_store::TokenHash(format!("{:064x}", 5_000 + i)),
            placed_at: test_now(),
            details: order.details.clone(),
            lines: order.lines.clone(),
            totals: order.totals.clone(),
            review_reason: None,
            address_key: format!("copy-{i}"),
            coupon: None,
            points: Default::default(),
            quote: None,
            quote_day: String::new(),
            billed_to: None,
        };
        let id = app.store.place_order(&copy).await.unwrap().id;
        paid(app, id).await;
    }
}

#[tokio::test]
async fn ipa_c_8_a_500_order_batch_prints_one_slip_each_for_personal_data_access_and_a_picking_list(
) {
    let app = TestApp::demo().await;
    let shopper = app.shopper();
    shopper.add(app.sku_named("本みりん").await, "2").await;
    shopper.add(app.sku_named("静岡煎茶").await, "1").await;
    shopper.submit_details(&[]).await;
    assert_eq!(shopper.place().await.status, StatusCode::SEE_OTHER);
    let first = app.newest_order().await;
    paid(&app, first.id).await;
    copies(&app, &first, 499).await;

    let manager = signed_in(&app, AdminRole::Manager).await;
    let (code, headers, slips) = manager
        .get_bytes("/admin/shipping/delivery-slips.pdf")
        .await;
    assert_eq!(code, StatusCode::OK);
    assert_eq!(headers["content-type"], "application/pdf");
    let batch = app
        .store
        .audit_entries_of("document.batch_downloaded", 5)
        .await
        .unwrap();
    assert_eq!(batch.len(), 1, "one audit entry for the batch");
    let detail: serde_json::Value = serde_json::from_str(&batch[0].record.detail).unwrap();
    assert_eq!(detail["orders"].as_array().unwrap().len(), 500);
    if let Some(text) = crate::documents::pdf_text(&slips) {
        assert_eq!(text.matches("納品書").count(), 500, "one slip per order");
        assert!(text.contains(&first.number()));
        assert!(text.contains("AK00000500"));
    }

    // Staff may not print slips (names and addresses) but may print the picking list.
    let staff = signed_in(&app, AdminRole::Staff).await;
    let (code, _, _) = staff.get_bytes("/admin/shipping/delivery-slips.pdf").await;
    assert_eq!(code, StatusCode::FORBIDDEN);
    let (code, _, list) = staff.get_bytes("/admin/shipping/picking-list.pdf").await;
    assert_eq!(code, StatusCode::OK);
    if let Some(text) = crate::documents::pdf_text(&list) {
        assert!(text.contains("ピッキングリスト"), "{text}");
        assert!(text.contains("注文 500 件・2 品目・1500 点"), "{text}");
        let mirin = first
            .lines
            .iter()
            .find(|l| l.product_name.contains("みりん"))
            .unwrap();
        let row = text.lines().find(|l| l.contains(&mirin.sku_code)).unwrap();
        assert!(row.contains(" 1000 "), "{row}");
        // Rendered as a printer would: the first page as an image, with ink on it.
        let dir = tempfile::tempdir().unwrap();
        let pdf = dir.path().join("list.pdf");
        std::fs::write(&pdf, &list).unwrap();
        let out = std::process::Command::new("pdftoppm")
            .args(["-r", "40", "-png", "-f", "1", "-l", "1"])
            .arg(&pdf)
            .arg(dir.path().join("page"))
            .output()
            .unwrap();
        assert!(out.status.success());
        let png = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.extension().is_some_and(|x| x == "png"))
            .unwrap();
        let image = image::open(&png).unwrap().to_luma8();
        let dark = image.pixels().filter(|p| p.0[0] < 128).count();
        assert!(dark > 500, "the page shows text ({dark} dark pixels)");
    }
}
