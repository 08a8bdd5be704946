//! Fresh databases for one test: a migrated SQLite file in a temporary directory, or a new
//! PostgreSQL database dropped when the test is done.

use akinai_sqlite::SqliteStore;

/// A migrated SQLite store in a new temporary directory.
pub(crate) async fn fresh_sqlite() -> (SqliteStore, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("akinai.db"))
        .await
        .unwrap();
    store.migrate().await.unwrap();
    (store, dir)
}

/// A test database to drop when the test is done.
pub struct PgDatabase {
    admin_url: String,
    name: String,
    pub(crate) store: akinai_postgres::PgStore,
}

impl PgDatabase {
    /// A new, migrated database on the test server, or `None` (with a note) when no server is
    /// reachable; with `AKINAI_REQUIRE_POSTGRES=1` an unreachable server fails the test.
    pub async fn create() -> Option<PgDatabase> {
        let db = PgDatabase::create_blank().await?;
        db.store.migrate().await.unwrap();
        Some(db)
    }

    /// A new database with no tables (a restore's target), or `None` as [`PgDatabase::create`].
    pub async fn create_blank() -> Option<PgDatabase> {
        use sqlx::{Connection, Executor};
        let url = std::env::var("AKINAI_TEST_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
        let admin = tokio::time::timeout(
            std::time::Duration::from_secs(5),
            sqlx::PgConnection::connect(&url),
        )
        .await;
        let mut admin = match admin {
            Ok(Ok(c)) => c,
            other => {
                let why = match other {
                    Ok(Err(e)) => e.to_string(),
                    _ => "timed out".into(),
                };
                assert!(
                    std::env::var("AKINAI_REQUIRE_POSTGRES").as_deref() != Ok("1"),
                    "PostgreSQL required but unreachable: {why}"
                );
                eprintln!("NOTE: PostgreSQL test DID NOT RUN: cannot reach {url}: {why}");
                return None;
            }
        };
        let name = format!("akinai_it_{}_{:08x}", std::process::id(), rand_u32());
        admin
            .execute(format!("CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8'").as_str())
            .await
            .unwrap();
        let db_url = format!("{}/{name}", url.rsplit_once('/').unwrap().0);
        let store = akinai_postgres::PgStore::connect(&db_url, 16)
            .await
            .unwrap();
        Some(PgDatabase {
            admin_url: url,
            name,
            store,
        })
    }

    /// The database's URL (for the command line's `AKINAI__DATABASE_URL`).
    #[allow(dead_code)]
    pub fn url(&self) -> String {
        format!(
            "{}/{}",
            self.admin_url.rsplit_once('/').unwrap().0,
            self.name
        )
    }

    pub async fn drop_database(self) {
        use sqlx::{Connection, Executor};
        self.store.close().await;
        let mut admin = sqlx::PgConnection::connect(&self.admin_url).await.unwrap();
        admin
            .execute(format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name).as_str())
            .await
            .unwrap();
    }
}

fn rand_u32() -> u32 {
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    t.subsec_nanos() ^ std::process::id().rotate_left(16)
}
