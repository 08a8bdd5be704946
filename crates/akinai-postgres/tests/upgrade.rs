//! A shop made by akinai's first release on PostgreSQL (only migration 1, with its catalog, an
//! order and its queued mail) upgrades through every migration and reads back whole (operations
//! issue, item 6). Needs the server of `AKINAI_TEST_POSTGRES_URL`; without it the test says it
//! did not run, and fails when `AKINAI_REQUIRE_POSTGRES=1`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use akinai_postgres::PgStore;
use akinai_store::contract::upgrade;
use rand::Rng;
use sqlx::migrate::Migrate;
use sqlx::{Connection, Executor, PgConnection};

#[tokio::test]
async fn a_first_release_shop_upgrades_through_every_migration() {
    let url = std::env::var("AKINAI_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let mut admin = match PgConnection::connect(&url).await {
        Ok(c) => c,
        Err(e) => {
            assert!(
                std::env::var("AKINAI_REQUIRE_POSTGRES").as_deref() != Ok("1"),
                "PostgreSQL required but unreachable: {e}"
            );
            eprintln!("NOTE: PostgreSQL upgrade test DID NOT RUN: {e}");
            return;
        }
    };
    let name = format!("akinai_upgrade_{:016x}", rand::rng().random::<u64>());
    admin
        .execute(format!("CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8'").as_str())
        .await
        .unwrap();
    let db_url = format!("{}/{name}", url.rsplit_once('/').unwrap().0);
    {
        let mut conn = PgConnection::connect(&db_url).await.unwrap();
        let migrator = sqlx::migrate!("./migrations");
        conn.ensure_migrations_table().await.unwrap();
        let first = migrator.iter().next().unwrap();
        assert_eq!(first.version, 1);
        conn.apply(first).await.unwrap();
        for sql in upgrade::first_release_rows(|ms| format!("to_timestamp({ms} / 1000.0)")) {
            sqlx::query(&sql).execute(&mut conn).await.unwrap();
        }
        conn.close().await.unwrap();
    }
    let store = PgStore::connect(&db_url, 4).await.unwrap();
    assert_eq!(store.schema_state().await.unwrap().applied, vec![1]);
    store.migrate().await.unwrap();
    assert_eq!(store.schema_state().await.unwrap().pending(), 0);
    let outcome = tokio::spawn(upgrade::reads_back(Arc::new(store.clone()))).await;
    store.close().await;
    // JP-INV-4: an issued document cannot be edited or deleted, even with SQL.
    let mut conn = PgConnection::connect(&db_url).await.unwrap();
    let [insert, update, delete] =
        upgrade::kept_document_statements(|ms| format!("to_timestamp({ms} / 1000.0)"));
    sqlx::query(&insert).execute(&mut conn).await.unwrap();
    let mut refusals = Vec::new();
    for refused in [update, delete] {
        refusals.push(sqlx::query(&refused).execute(&mut conn).await.map(|_| ()));
    }
    let kept: Result<(String,), _> = sqlx::query_as("SELECT content FROM documents WHERE id = 1")
        .fetch_one(&mut conn)
        .await;
    conn.close().await.unwrap();
    admin
        .execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str())
        .await
        .unwrap();
    outcome.unwrap();
    for r in refusals {
        let e = r.unwrap_err();
        assert!(e.to_string().contains("JP-INV-4"), "{e}");
    }
    assert_eq!(kept.unwrap().0, r#"{"grand_total":2400}"#);
}
