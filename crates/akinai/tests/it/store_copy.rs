//! Moving a shop from SQLite to PostgreSQL (issue 21, item 4; ADR 041): `akinai store copy`
//! run as a real process on a shop with a card payment and its provider events, bank-transfer
//! orders, a member, admins, audit entries and a category moved under a newer one. The copy
//! verifies every table, refuses a database that is not empty, leaves nothing behind on a dry
//! run, and the PostgreSQL shop then serves the same status links and logins and takes new
//! orders (its id sequences were set past the copied ids).

use std::process::Command;
use std::sync::Arc;

use crate::backups::{assert_serves_the_same, fill, restored_shop};
use crate::payments_capture::{held_order, shop_capturing_at_shipping};
use crate::support::PgDatabase;

fn store_copy(from: &std::path::Path, to: &str, extra: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_akinai"))
        .args(["store", "copy", "--from"])
        .arg(from)
        .args(["--to", to])
        .args(extra)
        .env("AKINAI__LOG", "warn")
        .env_remove("AKINAI__DATABASE_URL")
        .output()
        .unwrap()
}

fn said(out: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// The report's row count of a table.
fn rows_of(report: &str, table: &str) -> u64 {
    report
        .lines()
        .find_map(|l| {
            let mut words = l.split_whitespace();
            (words.next() == Some(table)).then(|| words.next()?.parse().ok())?
        })
        .unwrap_or_else(|| panic!("no {table} in {report}"))
}

#[tokio::test]
async fn ipa_c_13_a_sqlite_shop_copied_to_postgres_keeps_its_audit_chain_and_serves_the_same_links_and_logins(
) {
    let Some(target) = PgDatabase::create_blank().await else {
        return;
    };
    let (app, fake, _manager) = shop_capturing_at_shipping().await;
    held_order(&app, &fake).await;
    let before = fill(&app).await;
    // A category moved under one made after it: its row refers to a later id.
    let db = app.data_dir().join("akinai.db");
    let pool = sqlx::SqlitePool::connect(&format!("sqlite:{}", db.display()))
        .await
        .unwrap();
    sqlx::query(
        "UPDATE categories SET parent_id = (SELECT MAX(id) FROM categories)
          WHERE id = (SELECT MIN(id) FROM categories WHERE parent_id IS NULL)",
    )
    .execute(&pool)
    .await
    .unwrap();
    pool.close().await;

    // A dry run copies and verifies, then leaves the database as it was.
    let dry = store_copy(app.data_dir(), &target.url(), &["--dry-run"]);
    assert!(dry.status.success(), "{}", said(&dry));
    assert!(said(&dry).contains("then rolled back"), "{}", said(&dry));
    let pg = sqlx::PgPool::connect(&target.url()).await.unwrap();
    let products: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM products")
        .fetch_one(&pg)
        .await
        .unwrap();
    assert_eq!(products, 0, "a dry run writes nothing");
    pg.close().await;

    let out = store_copy(app.data_dir(), &target.url(), &[]);
    let report = said(&out);
    assert!(out.status.success(), "{report}");
    assert!(report.contains("copied and verified"), "{report}");
    assert!(report.contains("(the same as the source)"), "{report}");
    for table in [
        "orders",
        "payments",
        "payment_events",
        "customers",
        "admins",
        "audit_log",
    ] {
        assert!(rows_of(&report, table) > 0, "{table} copied: {report}");
    }
    assert!(!report.contains("DIFFERS"), "{report}");

    // Again into the now filled database: refused, nothing changed.
    let again = store_copy(app.data_dir(), &target.url(), &[]);
    assert!(!again.status.success());
    assert!(
        said(&again).contains("the PostgreSQL database is not empty"),
        "{}",
        said(&again)
    );

    let copied = restored_shop(Arc::new(target.store.clone()), app.data_dir()).await;
    assert_serves_the_same(&copied, &before).await;
    // New rows get new ids: the sequences run past the copied ones.
    let status = copied.order_one("静岡煎茶").await;
    assert_eq!(
        copied.shopper().get(&status).await.status,
        reqwest::StatusCode::OK
    );
    drop(copied);
    drop(app);
    target.drop_database().await;
}
