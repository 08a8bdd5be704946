//! Migrations on a database that already holds data. SQLite cannot change a CHECK constraint in
//! place, so 0020 (card holds) rebuilds `payments` and the two tables that refer to it; this
//! checks that a shop upgrading with payments, events and card-testing signals keeps every row,
//! that the references still point at `payments`, that the new status is accepted, and that
//! bank transfer and cash-on-delivery orders get the payment rows their status implies. 0030
//! (receipts) rebuilds `documents` the same way; issued invoices must come through untouched.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use sqlx::migrate::Migrate;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Connection};

/// An in-memory database with the migrations before `version` applied.
async fn migrated_before(
    migrator: &sqlx::migrate::Migrator,
    version: i64,
) -> sqlx::SqliteConnection {
    let mut conn = SqliteConnectOptions::new()
        .in_memory(true)
        .foreign_keys(true)
        .connect()
        .await
        .unwrap();
    conn.ensure_migrations_table().await.unwrap();
    for m in migrator.iter().filter(|m| m.version < version) {
        conn.apply(m).await.unwrap();
    }
    conn
}

#[tokio::test]
async fn rebuilding_payments_for_card_holds_keeps_rows_and_references() {
    let migrator = sqlx::migrate!("./migrations");
    let mut conn = migrated_before(&migrator, 20).await;
    for sql in [
        "INSERT INTO carts (id, token_hash, created_at, updated_at) VALUES (1, 'c', 0, 0)",
        "INSERT INTO orders (id, cart_id, status_token_hash, status, payment_method, email, \
         details, items_total, shipping_fee, payment_fee, grand_total, placed_at) \
         VALUES (7, 1, 's', 'paid', 'card', 'a@example.jp', '{}', 1000, 100, 0, 1100, 0)",
        "INSERT INTO payments (id, order_id, provider, method, amount, status, refunded, \
         session_ref, payment_ref, attempt, version, created_at, updated_at, checked_at) \
         VALUES (3, 7, 'stripe', 'card', 1100, 'succeeded', 100, 'cs_1', 'pi_1', 1, 2, 1, 2, 3)",
        "INSERT INTO payment_events VALUES ('stripe', 'evt_1', 'checkout.session.completed', 3, 5)",
        "INSERT INTO payment_signals (payment_id, at, kind, source, cart_id, email, address_key) \
         VALUES (3, 4, 'attempt', '192.0.2.1', 1, 'a@example.jp', 'k')",
    ] {
        sqlx::query(sql).execute(&mut conn).await.unwrap();
    }
    // Orders paid otherwise, in every state that says something about their money.
    for (id, status, method) in [
        (10, "placed", "bank_transfer"),
        (11, "shipped", "bank_transfer"),
        (12, "refunded", "bank_transfer"),
        (13, "cancelled", "bank_transfer"),
        (14, "shipped", "cash_on_delivery"),
        (15, "delivered", "cash_on_delivery"),
    ] {
        let sql = format!(
            "INSERT INTO carts (id, token_hash, created_at, updated_at) VALUES ({id}, 'c{id}', 0, 0); \
             INSERT INTO orders (id, cart_id, status_token_hash, status, payment_method, email, \
             details, items_total, shipping_fee, payment_fee, grand_total, placed_at) \
             VALUES ({id}, {id}, 's{id}', '{status}', '{method}', 'a@example.jp', '{{}}', 900, 100, \
             0, 1000, 9)"
        );
        sqlx::raw_sql(&sql).execute(&mut conn).await.unwrap();
    }

    migrator.run(&mut conn).await.unwrap();

    let shop: Vec<(i64, String, String, i64, i64)> = sqlx::query_as(
        "SELECT order_id, provider, status, refunded, amount FROM payments \
         WHERE order_id >= 10 ORDER BY order_id",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    let shop: Vec<(i64, &str, &str, i64)> = shop
        .iter()
        .map(|(o, p, s, r, a)| {
            assert_eq!((p.as_str(), *a), ("shop", 1000));
            (*o, p.as_str(), s.as_str(), *r)
        })
        .collect();
    assert_eq!(
        shop,
        vec![
            (10, "shop", "open", 0),
            (11, "shop", "succeeded", 0),
            (12, "shop", "succeeded", 1000),
            (13, "shop", "failed", 0),
            (14, "shop", "open", 0),
            (15, "shop", "succeeded", 0),
        ]
    );

    let payment: (i64, String, i64, String, i64, Option<i64>) = sqlx::query_as(
        "SELECT order_id, status, refunded, payment_ref, checked_at, authorized_at \
         FROM payments WHERE id = 3",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap();
    assert_eq!(
        payment,
        (7, "succeeded".into(), 100, "pi_1".into(), 3, None)
    );
    for (table, rows) in [("payment_events", 1), ("payment_signals", 1)] {
        let n: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(&mut conn)
            .await
            .unwrap();
        assert_eq!(n, rows, "{table}");
        let refers: String = sqlx::query_scalar(&format!(
            "SELECT \"table\" FROM pragma_foreign_key_list('{table}')"
        ))
        .fetch_one(&mut conn)
        .await
        .unwrap();
        assert_eq!(refers, "payments", "{table} still refers to payments");
    }
    let broken: Vec<(String,)> = sqlx::query_as("SELECT \"table\" FROM pragma_foreign_key_check")
        .fetch_all(&mut conn)
        .await
        .unwrap();
    assert!(broken.is_empty(), "{broken:?}");
    sqlx::query("UPDATE payments SET status = 'authorized' WHERE id = 3")
        .execute(&mut conn)
        .await
        .unwrap();
    assert!(
        sqlx::query("UPDATE payments SET status = 'bogus' WHERE id = 3")
            .execute(&mut conn)
            .await
            .is_err(),
        "the CHECK constraint is still there"
    );
    // A payment event for a payment that does not exist is still refused.
    assert!(
        sqlx::query("INSERT INTO payment_events VALUES ('stripe', 'evt_2', 'x', 99, 5)")
            .execute(&mut conn)
            .await
            .is_err()
    );
    conn.close().await.unwrap();
}

/// A shop made by the first release (only migration 1, with its catalog, an order and its
/// queued mail) upgrades through every migration and reads back whole (operations issue, item 6).
#[tokio::test]
async fn a_first_release_shop_upgrades_through_every_migration() {
    use akinai_store::contract::upgrade;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("akinai.db");
    {
        let mut conn = SqliteConnectOptions::new()
            .filename(&path)
            .create_if_missing(true)
            .foreign_keys(true)
            .connect()
            .await
            .unwrap();
        let migrator = sqlx::migrate!("./migrations");
        conn.ensure_migrations_table().await.unwrap();
        let first = migrator.iter().next().unwrap();
        assert_eq!(first.version, 1);
        conn.apply(first).await.unwrap();
        for sql in upgrade::first_release_rows(|ms| ms.to_string()) {
            sqlx::query(&sql).execute(&mut conn).await.unwrap();
        }
        conn.close().await.unwrap();
    }
    let store = akinai_sqlite::SqliteStore::open(&path).await.unwrap();
    let state = store.schema_state().await.unwrap();
    assert_eq!(state.applied, vec![1]);
    assert_eq!(state.pending(), state.known.len() - 1);
    store.migrate().await.unwrap();
    assert_eq!(store.schema_state().await.unwrap().pending(), 0);
    upgrade::reads_back(std::sync::Arc::new(store)).await;

    // JP-INV-4: an issued document cannot be edited or deleted, even with SQL.
    let mut conn = SqliteConnectOptions::new()
        .filename(&path)
        .connect()
        .await
        .unwrap();
    let [insert, update, delete] = upgrade::kept_document_statements(|ms| ms.to_string());
    sqlx::query(&insert).execute(&mut conn).await.unwrap();
    for refused in [update, delete] {
        let e = sqlx::query(&refused).execute(&mut conn).await.unwrap_err();
        assert!(e.to_string().contains("JP-INV-4"), "{refused}: {e}");
    }
    let kept: (String,) = sqlx::query_as("SELECT content FROM documents WHERE id = 1")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(kept.0, r#"{"grand_total":2400}"#);
}

/// 0030 (receipts) rebuilds `documents` to widen its kinds: invoices issued before keep their
/// ids, numbers and content, still refuse edits (JP-INV-4), and a receipt is accepted.
#[tokio::test]
async fn issued_invoices_survive_the_documents_rebuild_and_stay_kept() {
    let migrator = sqlx::migrate!("./migrations");
    let mut conn = migrated_before(&migrator, 30).await;
    sqlx::raw_sql(
        "INSERT INTO carts (id, token_hash, created_at, updated_at) VALUES (1, 'c', 0, 0); \
         INSERT INTO orders (id, cart_id, status_token_hash, status, payment_method, email, \
         details, items_total, shipping_fee, payment_fee, grand_total, placed_at) \
         VALUES (7, 1, 's', 'paid', 'bank_transfer', 'a@example.jp', '{}', 1000, 100, 0, 1100, 0); \
         INSERT INTO documents (id, order_id, kind, issued_at, issued_by, content) \
         VALUES (41, 7, 'invoice', 5, 'customer', '{\"n\":1}'); \
         INSERT INTO payments (order_id, provider, method, amount, status, refunded, \
         created_at, updated_at, checked_at) \
         VALUES (7, 'shop', 'bank_transfer', 1100, 'succeeded', 400, 1, 9, 9)",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    migrator.run(&mut conn).await.unwrap();
    let kept: (i64, String, String) =
        sqlx::query_as("SELECT id, kind, content FROM documents WHERE order_id = 7")
            .fetch_one(&mut conn)
            .await
            .unwrap();
    assert_eq!(kept, (41, "invoice".into(), r#"{"n":1}"#.into()));
    // 0031: a refund made before the ledger existed becomes its first row.
    let ledger: Vec<(i64, i64, i64)> = sqlx::query_as("SELECT order_id, amount, at FROM refunds")
        .fetch_all(&mut conn)
        .await
        .unwrap();
    assert_eq!(ledger, [(7, 400, 9)]);
    let e = sqlx::query("UPDATE documents SET content = '{}' WHERE id = 41")
        .execute(&mut conn)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("JP-INV-4"), "{e}");
    sqlx::query(
        "INSERT INTO documents (order_id, kind, issued_at, issued_by, content) \
         VALUES (7, 'receipt', 6, 'customer', '{}')",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    let e = sqlx::query(
        "INSERT INTO documents (order_id, kind, issued_at, issued_by, content) \
         VALUES (7, 'receipt', 7, 'customer', '{}')",
    )
    .execute(&mut conn)
    .await
    .unwrap_err();
    assert!(
        e.to_string().contains("UNIQUE"),
        "one original receipt: {e}"
    );
}
