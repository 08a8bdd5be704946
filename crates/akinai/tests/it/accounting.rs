//! The monthly sales journal for the accountant (documents issue, item 5): `akinai export
//! accounting` writes every order of the month that was not cancelled as sales per tax rate and
//! every refund of the month as a negative line on its day, in the generic layout (UTF-8 with
//! BOM), freee's 取引インポート (with its header) and 弥生's インポート形式 (Shift_JIS, no
//! header, 25 columns), read back as those packages would.

use reqwest::StatusCode;

use akinai_domain::admin::AdminRole;
use akinai_domain::order::OrderStatus;

use crate::admin_orders::signed_in;
use crate::support::TestApp;

fn csv_rows(text: &str) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

#[tokio::test]
async fn the_months_sales_and_refunds_are_written_for_generic_freee_and_yayoi() {
    let app = TestApp::demo().await;
    let mut ids = Vec::new();
    for needle in ["静岡煎茶", "本みりん", "本革ベルト"] {
        let shopper = app.shopper();
        shopper.add(app.sku_named(needle).await, "1").await;
        shopper.submit_details(&[]).await;
        assert_eq!(shopper.place().await.status, StatusCode::SEE_OTHER);
        ids.push(app.newest_order().await.id);
    }
    let manager = signed_in(&app, AdminRole::Manager).await;
    let step = |id: akinai_domain::ids::OrderId,
                fields: &'static [(&'static str, &'static str)]| {
        let manager = &manager;
        async move {
            let page = manager
                .admin_post(&format!("/admin/orders/{}/step", id.0), fields)
                .await;
            assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
        }
    };
    step(ids[0], &[("event", "pay")]).await;
    step(ids[1], &[("event", "pay")]).await;
    step(ids[1], &[("event", "refund"), ("confirm", "1")]).await;
    step(ids[2], &[("event", "cancel"), ("confirm", "1")]).await;
    let tea = app.store.order(ids[0]).await.unwrap().unwrap();
    let mirin = app.store.order(ids[1]).await.unwrap().unwrap();
    assert_eq!(mirin.status, OrderStatus::Refunded);

    let dir = tempfile::tempdir().unwrap();
    let export = |format: &str| {
        let file = dir.path().join(format!("{format}.csv"));
        let out = app.cli(&[
            "export",
            "accounting",
            "--month",
            "2026-11",
            "--format",
            format,
            "--out",
            file.to_str().unwrap(),
            "--by",
            "税理士",
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        std::fs::read(file).unwrap()
    };

    let generic = export("generic");
    let text = String::from_utf8(generic).unwrap();
    let text = text.strip_prefix('\u{feff}').expect("UTF-8 with a BOM");
    let rows = csv_rows(text);
    assert_eq!(rows[0][0], "日付");
    let lines: Vec<_> = rows[1..].iter().collect();
    // The cancelled order is not a sale; the refunded one is a sale and a refund.
    let cancelled = akinai_store::order_number(ids[2]);
    assert!(lines.iter().all(|r| r[1] != cancelled));
    let sum = |number: &str, kind: &str| -> i64 {
        lines
            .iter()
            .filter(|r| r[1] == number && r[2] == kind)
            .map(|r| r[6].parse::<i64>().unwrap())
            .sum()
    };
    assert_eq!(sum(&tea.number(), "売上"), tea.totals.grand_total.0);
    assert_eq!(sum(&mirin.number(), "売上"), mirin.totals.grand_total.0);
    assert_eq!(sum(&mirin.number(), "返金"), -mirin.totals.grand_total.0);
    let tax: i64 = lines
        .iter()
        .filter(|r| r[1] == tea.number())
        .map(|r| r[7].parse::<i64>().unwrap())
        .sum();
    assert_eq!(tax, tea.totals.rates.iter().map(|r| r.tax.0).sum::<i64>());

    let freee = String::from_utf8(export("freee")).unwrap();
    let rows = csv_rows(freee.trim_start_matches('\u{feff}'));
    assert_eq!(rows[0][0], "収支区分");
    assert!(rows[1..].iter().all(|r| r.len() == 17));
    assert!(rows
        .iter()
        .any(|r| r[0] == "支出" && r[1] == mirin.number()));

    let yayoi = export("yayoi");
    let (text, _, bad) = encoding_rs::SHIFT_JIS.decode(&yayoi);
    assert!(!bad, "弥生's file is Shift_JIS");
    let rows = csv_rows(&text);
    assert!(
        rows.iter().all(|r| r.len() == 25 && r[0] == "2000"),
        "no header, 25 columns"
    );
    assert!(rows
        .iter()
        .any(|r| r[3] == "2026/11/25" && r[10] == "売上高"));

    let audited = app
        .store
        .audit_entries_of("accounting.export", 5)
        .await
        .unwrap();
    assert_eq!(audited.len(), 3);
    assert_eq!(audited[0].record.actor, "cli:税理士");
}
