//! Moving in and out (CSV issue): real-shaped Shopify and EC-CUBE files imported with their
//! tax, categories and variants; a broken file leaves the shop exactly as it was; everything
//! exported and imported into an empty shop comes back the same, on SQLite and PostgreSQL.

use std::io::Cursor;

use akinai_core::audit::AuditContext;
use akinai_core::transfer::{ExportKind, ImportOptions, ImportReport};
use akinai_csv::{Format, OutEncoding};
use akinai_domain::transfer::PlanAction;

use crate::support::TestApp;

pub const SHOPIFY: &str = "Handle,Title,Body (HTML),Vendor,Product Category,Type,Tags,Published,Option1 Name,Option1 Value,Option2 Name,Option2 Value,Option3 Name,Option3 Value,Variant SKU,Variant Grams,Variant Inventory Tracker,Variant Inventory Qty,Variant Inventory Policy,Variant Fulfillment Service,Variant Price,Variant Compare At Price,Variant Requires Shipping,Variant Taxable,Variant Barcode,Image Src,Image Position,Image Alt Text,Gift Card,SEO Title,SEO Description,Status
tshirt,綿のTシャツ,<p onmouseover=\"x()\">やわらかい綿</p><script>steal()</script>,akinai,Apparel,衣料 > Tシャツ,,TRUE,サイズ,S,,,,,TS-S,200,shopify,5,deny,manual,2980.00,,TRUE,TRUE,,https://cdn.example/ts.jpg,1,,FALSE,,,active
tshirt,,,,,,,,,M,,,,,TS-M,200,shopify,0,deny,manual,3280.00,,TRUE,TRUE,,,,,,,,
tea,緑茶,<p>静岡の緑茶</p>,akinai,,食品 > お茶,軽減税率,TRUE,Title,Default Title,,,,,TEA-100,100,shopify,12,deny,manual,1080,,TRUE,TRUE,,,,,FALSE,,,active
";

fn eccube() -> Vec<u8> {
    let text = "商品ID,公開ステータス(ID),商品名,ショップ用メモ欄,商品説明(一覧),商品説明(詳細),検索ワード,フリーエリア,商品削除フラグ,商品画像,商品カテゴリ(ID),タグ(ID),販売種別(ID),規格分類1(ID),規格分類2(ID),発送日目安(ID),商品コード,在庫数,在庫数無制限フラグ,販売制限数,通常価格,販売価格,送料,税率
12,1,手造り味噌,,赤味噌,<p>国産大豆～100%</p>,,,0,miso.jpg,3,,1,,,,MISO-500,10,0,,,1000,,8
13,1,湯呑み,,,,,,0,,4,,1,,,,YUNOMI,2,0,,,2500,,10
";
    encoding_rs::SHIFT_JIS.encode(text).0.into_owned()
}

async fn import(
    app: &TestApp,
    bytes: Vec<u8>,
    format: Option<Format>,
    dry_run: bool,
) -> ImportReport {
    let options = ImportOptions {
        format,
        dry_run,
        ..ImportOptions::default()
    };
    app.shop
        .transfer()
        .import_products(
            Cursor::new(bytes),
            options,
            None,
            &AuditContext::cli("tester"),
            std::sync::Arc::new(|_| {}),
        )
        .await
        .unwrap()
}

async fn export(app: &TestApp, kind: ExportKind, encoding: OutEncoding) -> Vec<u8> {
    let mut out = Vec::new();
    app.shop
        .transfer()
        .export(kind, encoding, &mut out, &AuditContext::cli("tester"))
        .await
        .unwrap();
    out
}

/// The id of the product imported with `handle`.
async fn product_id(app: &TestApp, handle: &str) -> i64 {
    let all = app.store.transfer_products(None, 1000).await.unwrap();
    all.iter()
        .find(|p| p.handle.as_deref() == Some(handle))
        .unwrap()
        .id
        .0
}

/// SWS-5, JP-TAX-1: a Shopify file comes in with its variants, categories and reduced rate,
/// its description through the sanitiser (what was removed is reported); a second import of the
/// same file changes nothing.
#[tokio::test]
async fn sws_5_jp_tax_1_a_shopify_file_is_planned_then_imported_once() {
    let app = TestApp::empty().await;
    let plan = import(&app, SHOPIFY.as_bytes().to_vec(), None, true).await;
    assert_eq!(plan.format, Some(Format::Shopify));
    assert_eq!(
        (plan.summary.new, plan.summary.errors),
        (2, 0),
        "{:?}",
        plan.issues
    );
    assert!(plan
        .issues
        .iter()
        .any(|i| i.message.contains("script") && i.message.contains("onmouseover")));
    assert!(!plan.applied);
    assert!(
        app.store
            .transfer_products(None, 10)
            .await
            .unwrap()
            .is_empty(),
        "a dry run writes nothing"
    );

    let done = import(&app, SHOPIFY.as_bytes().to_vec(), None, false).await;
    assert!(done.applied);
    assert_eq!(done.categories_created, 4, "衣料, Tシャツ, 食品, お茶");
    let shirt = app
        .shopper()
        .get(&format!("/product/{}", product_id(&app, "tshirt").await))
        .await;
    assert!(
        shirt.body.contains("綿のTシャツ") && shirt.body.contains("2,980"),
        "{} {}",
        shirt.status,
        shirt.body
    );
    assert!(!shirt.body.contains("steal()") && !shirt.body.contains("onmouseover"));
    let tea = app
        .shopper()
        .get(&format!("/product/{}", product_id(&app, "tea").await))
        .await;
    assert!(
        tea.body.contains("1,080") && tea.body.contains("軽減税率"),
        "8% item marked"
    );
    let audit = app
        .store
        .audit_entries_of("catalog.import", 5)
        .await
        .unwrap();
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].record.actor, "cli:tester");

    let again = import(&app, SHOPIFY.as_bytes().to_vec(), None, false).await;
    assert_eq!(
        (
            again.summary.new,
            again.summary.updated,
            again.summary.unchanged
        ),
        (0, 0, 2)
    );
    assert!(!again.applied, "nothing to write");
    // A changed price is an update naming what changes.
    let changed = SHOPIFY.replace("3280.00", "3480.00");
    let update = import(&app, changed.into_bytes(), None, true).await;
    assert_eq!(update.entries.len(), 1);
    assert_eq!(update.entries[0].action, PlanAction::Update(vec!["価格"]));
}

/// JP-TAX-1: an EC-CUBE export (Shift_JIS, prices without tax) comes in with tax added once by
/// the shop's rounding rule; the rate column decides the tax category.
#[tokio::test]
async fn jp_tax_1_an_ec_cube_export_in_shift_jis_gets_tax_included_prices() {
    let app = TestApp::empty().await;
    let done = import(&app, eccube(), Some(Format::EcCube), false).await;
    assert!(done.applied, "{:?}", done.issues);
    assert_eq!(done.encoding, Some(akinai_csv::TextEncoding::ShiftJis));
    let miso = app
        .shopper()
        .get(&format!(
            "/product/{}",
            product_id(&app, "ec-cube-12").await
        ))
        .await;
    assert!(miso.body.contains("1,080"), "1,000 + 8%");
    assert!(miso.body.contains("国産大豆～100%"));
    let cup = app
        .shopper()
        .get(&format!(
            "/product/{}",
            product_id(&app, "ec-cube-13").await
        ))
        .await;
    assert!(cup.body.contains("2,750"), "2,500 + 10%");
    assert_eq!(
        import(&app, eccube(), None, true).await.summary.unchanged,
        2
    );
}

/// A file with one bad row among good ones, and a SKU another product owns: refused whole, with
/// each problem's row and column; the shop is byte-for-byte as before.
#[tokio::test]
async fn a_broken_file_is_reported_by_row_and_changes_nothing() {
    let app = TestApp::demo().await;
    let before = export(
        &app,
        ExportKind::Products(Format::Akinai),
        OutEncoding::Utf8,
    )
    .await;
    let owned = app.store.transfer_products(None, 1).await.unwrap()[0].skus[0]
        .code
        .clone();
    let file = format!(
        "handle,name,category,description_html,tax,published,sku,option,price,stock,images\r\n\
         new-1,新しい商品,食品,,standard,1,NEW-1,,500,3,\r\n\
         new-2,壊れた価格,食品,,standard,1,NEW-2,,12.5,3,\r\n\
         new-3,借りたSKU,食品,,standard,1,{owned},,500,3,\r\n\
         new-4,\"閉じない引用符,食品,,standard,1,NEW-4,,500,3,\r\n"
    );
    let report = import(&app, file.into_bytes(), None, false).await;
    assert!(report.failed() && !report.applied);
    let errors: Vec<(u64, &str)> = report
        .issues
        .iter()
        .filter(|i| i.is_error())
        .map(|i| (i.row, i.column.as_str()))
        .collect();
    assert_eq!(
        errors,
        vec![(3, "price"), (4, "sku"), (5, "")],
        "{:?}",
        report.issues
    );
    let after = export(
        &app,
        ExportKind::Products(Format::Akinai),
        OutEncoding::Utf8,
    )
    .await;
    assert_eq!(before, after, "the shop is unchanged");
    assert!(app
        .store
        .audit_entries_of("catalog.import", 5)
        .await
        .unwrap()
        .is_empty());
}

/// Everything exported (akinai format, UTF-8; Shopify format, Shift_JIS) and imported into an
/// empty shop comes back the same, and the inventory export lists every SKU — on `app`'s backend
/// and `empty`'s.
async fn round_trip(app: &TestApp, empty: &TestApp) {
    let own = export(app, ExportKind::Products(Format::Akinai), OutEncoding::Utf8).await;
    let shopify = export(
        app,
        ExportKind::Products(Format::Shopify),
        OutEncoding::ShiftJis,
    )
    .await;
    assert!(own.starts_with(b"\xEF\xBB\xBF"), "BOM for Excel");
    let report = import(empty, own.clone(), None, false).await;
    assert!(report.applied && !report.failed(), "{:?}", report.issues);
    assert_eq!(
        export(
            empty,
            ExportKind::Products(Format::Akinai),
            OutEncoding::Utf8
        )
        .await,
        own
    );
    assert_eq!(
        export(
            empty,
            ExportKind::Products(Format::Shopify),
            OutEncoding::ShiftJis
        )
        .await,
        shopify
    );
    let again = import(empty, shopify, None, true).await;
    assert_eq!(
        (
            again.summary.new,
            again.summary.updated,
            again.summary.errors
        ),
        (0, 0, 0),
        "{:?}",
        again.entries
    );
    let inventory =
        String::from_utf8(export(app, ExportKind::Inventory, OutEncoding::Utf8).await).unwrap();
    let skus: usize = app
        .store
        .transfer_products(None, 1000)
        .await
        .unwrap()
        .iter()
        .map(|p| p.skus.len())
        .sum();
    assert_eq!(inventory.lines().count(), skus + 1);
}

#[tokio::test]
async fn the_whole_catalog_moves_out_and_back_in_unchanged() {
    let app = TestApp::demo().await;
    let empty = TestApp::empty().await;
    round_trip(&app, &empty).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_whole_catalog_moves_out_and_back_in_unchanged_on_postgresql() {
    let Some((app, db)) = TestApp::postgres().await else {
        return;
    };
    app.seed().await;
    let Some((empty, db2)) = TestApp::postgres().await else {
        return;
    };
    round_trip(&app, &empty).await;
    // And a broken file leaves PostgreSQL as it was: the transaction is all or nothing.
    let before = export(
        &empty,
        ExportKind::Products(Format::Akinai),
        OutEncoding::Utf8,
    )
    .await;
    let mut file = String::from_utf8(before.clone())
        .unwrap()
        .replace("29800", "29900");
    file.push_str("zz,最後の行,食品,,bogus,1,ZZ-1,,100,1,\r\n");
    let report = import(&empty, file.into_bytes(), None, false).await;
    assert!(
        report.failed() && report.summary.updated > 0,
        "{:?}",
        report.summary
    );
    assert_eq!(
        export(
            &empty,
            ExportKind::Products(Format::Akinai),
            OutEncoding::Utf8
        )
        .await,
        before
    );
    drop((app, empty));
    db.drop_database().await;
    db2.drop_database().await;
}

/// IPA-C-12: orders (one row per line, EC-CUBE-like columns) and customers export for Excel;
/// who exported how many rows of personal data is in the audit trail.
#[tokio::test]
async fn ipa_c_12_orders_and_customers_export_with_an_audit_entry() {
    let app = TestApp::demo().await;
    app.member("hanako@example.jp").await;
    app.order_one("本革ベルト").await;
    let order = app.newest_order().await;
    let mut out = Vec::new();
    let (orders, rows) = app
        .shop
        .transfer()
        .export_orders(OutEncoding::ShiftJis, &mut out, &AuditContext::cli("経理"))
        .await
        .unwrap();
    assert_eq!((orders, rows), (1, order.lines.len() as u64));
    let (text, _, bad) = encoding_rs::SHIFT_JIS.decode(&out);
    assert!(!bad);
    let mut lines = text.lines();
    assert!(lines
        .next()
        .unwrap()
        .starts_with("注文番号,受注日,対応状況,支払方法"));
    let line = lines.next().unwrap();
    assert!(line.starts_with(&format!("{},", order.number())), "{line}");
    assert!(
        line.contains("ご注文受付") && line.contains("本革ベルト"),
        "{line}"
    );
    assert!(
        line.ends_with(&format!(",{}", order.totals.grand_total.0)),
        "{line}"
    );

    let mut out = Vec::new();
    let (customers, _) = app
        .shop
        .transfer()
        .export_customers(OutEncoding::Utf8, &mut out, &AuditContext::cli("経理"))
        .await
        .unwrap();
    assert_eq!(customers, 1);
    assert!(String::from_utf8(out)
        .unwrap()
        .contains("hanako@example.jp"));
    for action in ["orders.export", "customers.export"] {
        let entries = app.store.audit_entries_of(action, 5).await.unwrap();
        assert_eq!(entries.len(), 1, "{action}");
        assert_eq!(entries[0].record.actor, "cli:経理");
        assert!(
            entries[0].record.detail.contains("\"rows\":"),
            "{action}: the count is recorded"
        );
    }
}

/// Images from the folder given with the file: fetched by file name only, re-encoded like an
/// upload (the photo's hidden GPS data gone), a missing one reported, none added twice.
#[tokio::test]
async fn images_named_in_the_file_come_from_its_folder_once() {
    struct Folder(std::collections::HashMap<String, Vec<u8>>);
    impl akinai_core::transfer::ImageSource for Folder {
        fn read(&self, name: &str) -> Option<Vec<u8>> {
            self.0.get(name).cloned()
        }
        fn has(&self, name: &str) -> bool {
            self.0.contains_key(name)
        }
    }
    let folder = Folder(
        [(
            "a.jpg".to_string(),
            crate::admin_catalog::photo_with_exif(64, 48),
        )]
        .into(),
    );
    let file =
        "handle,name,category,description_html,tax,published,sku,option,price,stock,images\n\
                a,写真つき,食品,,standard,1,A-1,,500,3,\"a.jpg,nope.jpg\"\n";
    let app = TestApp::empty().await;
    let run = |dry_run: bool| {
        let options = ImportOptions {
            dry_run,
            ..ImportOptions::default()
        };
        let app = &app;
        let folder = &folder;
        async move {
            app.shop
                .transfer()
                .import_products(
                    Cursor::new(file.as_bytes().to_vec()),
                    options,
                    Some(folder),
                    &AuditContext::cli("t"),
                    std::sync::Arc::new(|_| {}),
                )
                .await
                .unwrap()
        }
    };
    let plan = run(true).await;
    let missing: Vec<&str> = plan.issues.iter().map(|i| i.value.as_str()).collect();
    assert_eq!(
        missing,
        vec!["nope.jpg"],
        "the dry run names the missing file"
    );
    let done = run(false).await;
    assert_eq!(done.images_added, 1);
    assert!(done
        .issues
        .iter()
        .any(|i| i.value == "nope.jpg" && !i.is_error()));
    let product = app
        .store
        .transfer_products(None, 10)
        .await
        .unwrap()
        .remove(0);
    assert_eq!(product.image_sources, vec!["a.jpg"]);
    let page = app
        .shopper()
        .get(&format!("/product/{}", product.id.0))
        .await;
    assert!(page.body.contains(&format!("/media/{}", product.images[0])));
    let stored = app
        .shopper()
        .get(&format!("/media/{}", product.images[0]))
        .await;
    assert!(
        !stored.body.contains("akinai-secret-place"),
        "re-encoded without EXIF"
    );
    assert_eq!(run(false).await.images_added, 0, "not added twice");
    assert_eq!(
        app.store.transfer_products(None, 10).await.unwrap()[0]
            .images
            .len(),
        1
    );
}
