//! Runs the storage contract suite (`akinai_store::contract`) against PostgreSQL, each case in a
//! fresh database that is dropped afterwards.
//!
//! The server is `AKINAI_TEST_POSTGRES_URL` (default `postgres://postgres@127.0.0.1:5432/postgres`).
//! When it cannot be reached the cases are reported as ignored with a banner saying the suite did
//! not run, so `cargo test` passes on a machine without PostgreSQL; with
//! `AKINAI_REQUIRE_POSTGRES=1` (set by CI) an unreachable server fails the run instead.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use akinai_postgres::PgStore;
use akinai_store::contract::cases;
use libtest_mimic::{Arguments, Failed, Trial};
use rand::Rng;
use sqlx::{Connection, Executor, PgConnection};

const DEFAULT_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

fn admin_url() -> String {
    std::env::var("AKINAI_TEST_POSTGRES_URL").unwrap_or_else(|_| DEFAULT_URL.to_string())
}

/// `url` with its database name replaced.
fn with_database(url: &str, db: &str) -> String {
    let (base, _) = url.rsplit_once('/').unwrap_or((url, ""));
    format!("{base}/{db}")
}

async fn reachable(url: &str) -> Result<(), String> {
    let connect = tokio::time::timeout(
        std::time::Duration::from_secs(5),
        PgConnection::connect(url),
    );
    match connect.await {
        Ok(Ok(c)) => c.close().await.map_err(|e| e.to_string()),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err("timed out".into()),
    }
}

async fn run_case(url: &str, case: akinai_store::contract::Case) -> Result<(), Failed> {
    let db = format!(
        "akinai_test_{}_{:016x}",
        std::process::id(),
        rand::rng().random::<u64>()
    );
    let mut admin = PgConnection::connect(url)
        .await
        .map_err(|e| Failed::from(e.to_string()))?;
    admin
        .execute(format!("CREATE DATABASE {db} TEMPLATE template0 ENCODING 'UTF8'").as_str())
        .await
        .map_err(|e| Failed::from(e.to_string()))?;
    let store = PgStore::connect(&with_database(url, &db), 16)
        .await
        .map_err(|e| Failed::from(e.to_string()))?;
    store
        .migrate()
        .await
        .map_err(|e| Failed::from(e.to_string()))?;
    let outcome = tokio::spawn(case(Arc::new(store.clone()))).await;
    store.close().await;
    admin
        .execute(format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)").as_str())
        .await
        .map_err(|e| Failed::from(e.to_string()))?;
    outcome.map_err(|e| Failed::from(format!("case failed: {e}")))
}

fn main() {
    let args = Arguments::from_args();
    let url = admin_url();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let available = rt.block_on(reachable(&url));
    drop(rt);
    if let Err(why) = &available {
        if std::env::var("AKINAI_REQUIRE_POSTGRES").is_ok_and(|v| v == "1") {
            eprintln!("PostgreSQL is required (AKINAI_REQUIRE_POSTGRES=1) but {url} is unreachable: {why}");
            std::process::exit(1);
        }
        println!("NOTE: the PostgreSQL contract suite DID NOT RUN: cannot reach {url}: {why}");
        println!("      (start PostgreSQL or set AKINAI_TEST_POSTGRES_URL; CI sets AKINAI_REQUIRE_POSTGRES=1)");
    }
    let trials = cases()
        .into_iter()
        .map(|(name, case)| {
            let url = url.clone();
            Trial::test(format!("postgres::{name}"), move || {
                let rt = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .enable_all()
                    .build()?;
                rt.block_on(run_case(&url, case))
            })
            .with_ignored_flag(available.is_err())
        })
        .collect();
    libtest_mimic::run(&args, trials).exit();
}
