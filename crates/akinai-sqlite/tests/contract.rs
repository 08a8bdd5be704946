//! Runs the storage contract suite (`akinai_store::contract`) against SQLite, each case on a
//! fresh database file in its own temporary directory.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use akinai_sqlite::SqliteStore;
use akinai_store::contract::cases;
use libtest_mimic::{Arguments, Failed, Trial};

fn main() {
    let args = Arguments::from_args();
    let trials = cases()
        .into_iter()
        .map(|(name, case)| {
            Trial::test(format!("sqlite::{name}"), move || {
                let rt = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .enable_all()
                    .build()?;
                let dir = tempfile::tempdir()?;
                rt.block_on(async {
                    let store = SqliteStore::open(&dir.path().join("akinai.db"))
                        .await
                        .map_err(|e| Failed::from(e.to_string()))?;
                    store
                        .migrate()
                        .await
                        .map_err(|e| Failed::from(e.to_string()))?;
                    case(Arc::new(store)).await;
                    Ok(())
                })
            })
        })
        .collect();
    libtest_mimic::run(&args, trials).exit();
}
