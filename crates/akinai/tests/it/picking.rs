//! The picking list walks the stock room (issue 19, item 1): each SKU's 棚番 is set on the
//! product page with its code and option, audited, and the list is sorted by 棚番 then SKU code,
//! SKUs without one last.

use reqwest::StatusCode;

use akinai_domain::admin::AdminRole;

use crate::admin_orders::signed_in;
use crate::documents::pdf_text;
use crate::support::TestApp;

#[tokio::test]
async fn the_picking_list_is_sorted_by_the_location_set_on_the_product_page() {
    let app = TestApp::demo().await;
    let shopper = app.shopper();
    for name in ["本みりん", "静岡煎茶", "本革ベルト"] {
        shopper.add(app.sku_named(name).await, "1").await;
    }
    shopper.submit_details(&[]).await;
    assert_eq!(shopper.place().await.status, StatusCode::SEE_OTHER);
    let order = app.newest_order().await;
    let manager = signed_in(&app, AdminRole::Manager).await;
    let pay = manager
        .admin_post(
            &format!("/admin/orders/{}/step", order.id.0),
            &[("event", "pay")],
        )
        .await;
    assert_eq!(pay.status, StatusCode::SEE_OTHER, "{}", pay.body);

    // 棚番: the belt on shelf A, the tea on shelf B; the mirin has none.
    let line = |needle: &str| {
        order
            .lines
            .iter()
            .find(|l| l.product_name.contains(needle))
            .unwrap()
            .clone()
    };
    let (belt, tea, mirin) = (line("ベルト"), line("煎茶"), line("みりん"));
    for (l, location) in [(&belt, "A-01-2"), (&tea, "B-03-1")] {
        let path = format!("/admin/products/{}/skus/edit", l.product_id.0);
        let sku = l.sku_id.0.to_string();
        let done = manager
            .admin_post(
                &path,
                &[
                    ("sku", sku.as_str()),
                    ("code", l.sku_code.as_str()),
                    ("option_label", l.option_label.as_str()),
                    ("location", location),
                ],
            )
            .await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    }
    let page = manager
        .get(&format!("/admin/products/{}", tea.product_id.0))
        .await;
    assert!(
        page.body.contains(r#"name="location" value="B-03-1""#),
        "{}",
        page.body
    );
    let audited = app.store.audit_entries_of("sku.update", 5).await.unwrap();
    assert!(
        audited[0].record.detail.contains(r#""location":"B-03-1""#),
        "{:?}",
        audited[0]
    );

    // A 棚番 longer than 20 characters is refused; the one kept stays.
    let sku = tea.sku_id.0.to_string();
    let long = "棚".repeat(21);
    let refused = manager
        .admin_post(
            &format!("/admin/products/{}/skus/edit", tea.product_id.0),
            &[
                ("sku", sku.as_str()),
                ("code", tea.sku_code.as_str()),
                ("option_label", tea.option_label.as_str()),
                ("location", long.as_str()),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.body.contains("棚番は 20 文字まで"),
        "{}",
        refused.body
    );
    assert_eq!(
        app.store
            .sku_locations(std::slice::from_ref(&tea.sku_code))
            .await
            .unwrap(),
        vec![(tea.sku_code.clone(), "B-03-1".to_string())]
    );

    let (code, _, pdf) = manager.get_bytes("/admin/shipping/picking-list.pdf").await;
    assert_eq!(code, StatusCode::OK);
    if let Some(text) = pdf_text(&pdf) {
        assert!(text.contains("棚番"), "{text}");
        let at = |code: &str| {
            text.find(code)
                .unwrap_or_else(|| panic!("{code} in\n{text}"))
        };
        assert!(at(&belt.sku_code) < at(&tea.sku_code), "{text}");
        assert!(at(&tea.sku_code) < at(&mirin.sku_code), "{text}");
        let row = text.lines().find(|l| l.contains(&belt.sku_code)).unwrap();
        assert!(row.contains("A-01-2"), "{row}");
    }
}
