//! `akinai-bench-orders`: the admin order list at a million orders (admin issue, item 6).
//!
//! 1. Makes a fresh store (SQLite by default; `--postgres URL` for a fresh PostgreSQL database
//!    made and dropped by the run) with the demo catalog, places one real order and copies it
//!    `--orders` times with the backend's set-based synthetic seeding (feature `synthetic`),
//!    spread over two years, six statuses and 200,000 customers.
//! 2. Serves the admin router on loopback, creates and enrols an owner and signs in over HTTP
//!    like a browser (password + TOTP code).
//! 3. Requests each list page `--requests` times, one at a time, and prints p50/p95/p99/max of
//!    the full HTTP round trip (query, masking, rendering 50 rows): the first page, a page ~90%
//!    deep, a rare status first and deep, one customer's orders, and a one-day window.
//!
//! Prints a Markdown table for docs/performance.md.
#![forbid(unsafe_code)]

/// mimalloc serves the allocations instead of glibc's malloc, whose arena lock the runtime's
/// threads contended for on every request (ADR 034).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::{TimeZone, Utc};
use clap::Parser;

use akinai_core::accounts::totp::code_at;
use akinai_core::accounts::Client;
use akinai_core::audit::AuditContext;
use akinai_core::clock::FixedClock;
use akinai_core::tokens::SecretKey;
use akinai_core::{Clock, FileMailer, Shop, ShopConfig};
use akinai_domain::admin::AdminRole;
use akinai_store::Store;
use akinai_web::{AppState, WebConfig};

#[derive(Parser)]
struct Args {
    /// Orders in the store.
    #[arg(long, default_value_t = 1_000_000)]
    orders: i64,
    /// Requests per measured page.
    #[arg(long, default_value_t = 300)]
    requests: usize,
    /// A PostgreSQL server URL (e.g. postgres://postgres@127.0.0.1/postgres); SQLite if absent.
    #[arg(long)]
    postgres: Option<String>,
}

const PASSWORD: &str = "harbor violet seventeen kites";
/// Two years of orders.
const SPAN_MS: i64 = 2 * 365 * 24 * 3600 * 1000;

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(run(args))
}

enum Backend {
    /// The store and the directory holding its file (removed when dropped).
    Sqlite(
        akinai_sqlite::SqliteStore,
        #[allow(dead_code)] tempfile::TempDir,
    ),
    Postgres(akinai_postgres::PgStore, String, String),
}

async fn open(args: &Args) -> anyhow::Result<Backend> {
    match &args.postgres {
        None => {
            let dir = tempfile::tempdir()?;
            let store = akinai_sqlite::SqliteStore::open(&dir.path().join("akinai.db")).await?;
            store.migrate().await?;
            Ok(Backend::Sqlite(store, dir))
        }
        Some(url) => {
            use sqlx::{Connection, Executor};
            let name = format!("akinai_bench_orders_{}", std::process::id());
            let mut admin = sqlx::PgConnection::connect(url).await?;
            admin
                .execute(
                    format!("CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8'").as_str(),
                )
                .await?;
            let db = format!("{}/{name}", url.rsplit_once('/').context("url")?.0);
            let store = akinai_postgres::PgStore::connect(&db, 8).await?;
            store.migrate().await?;
            Ok(Backend::Postgres(store, url.clone(), name))
        }
    }
}

async fn run(args: Args) -> anyhow::Result<()> {
    let backend = open(&args).await?;
    let store: Arc<dyn Store> = match &backend {
        Backend::Sqlite(s, _) => Arc::new(s.clone()),
        Backend::Postgres(s, _, _) => Arc::new(s.clone()),
    };
    akinai_core::demo::seed(store.as_ref(), 100).await?;
    let first = Utc
        .with_ymd_and_hms(2024, 11, 1, 0, 0, 0)
        .single()
        .context("date")?;
    let template = akinai_bench::template_order(store.as_ref(), first).await?;
    let spacing = SPAN_MS / args.orders.max(1);
    let started = Instant::now();
    match &backend {
        Backend::Sqlite(s, _) => {
            s.add_synthetic_orders(template, args.orders, first, spacing)
                .await?
        }
        Backend::Postgres(s, _, _) => {
            s.add_synthetic_orders(template, args.orders, first, spacing)
                .await?
        }
    }
    eprintln!(
        "seeded {} orders in {:.1} s",
        args.orders,
        started.elapsed().as_secs_f64()
    );

    let clock = Arc::new(FixedClock::new(
        first + chrono::Duration::milliseconds(SPAN_MS),
    ));
    let dir = tempfile::tempdir()?;
    let config = ShopConfig {
        base_url: url::Url::parse("http://127.0.0.1")?,
        mail_from: "bench@akinai.example".into(),
        secret_key: SecretKey::generate(),
        cache_ttl: Duration::from_secs(1),
        security: Default::default(),
        accounts: Default::default(),
    };
    let shop = Shop::new(
        store.clone(),
        Arc::new(FileMailer::new(dir.path().join("mail"))),
        clock.clone(),
        config,
    );
    let admin = akinai_web::admin::router(
        AppState::new(shop.clone(), WebConfig::new(false)),
        akinai_web::admin::AllowList::default(),
        "http://127.0.0.1",
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(akinai_web::server::serve(
        listener,
        admin,
        akinai_web::server::ServerLimits::default(),
        std::future::pending(),
    ));

    // An owner, enrolled and signed in like a browser.
    let link = shop
        .admin_accounts()
        .create_admin(
            "owner@example.jp",
            "店長",
            AdminRole::Owner,
            &AuditContext::cli("bench"),
        )
        .await?;
    let (_, setup) = shop.admin_accounts().admin_enrolment(&link).await?;
    let client = Client::new("127.0.0.1".parse()?, "bench");
    let code = code_at(&setup.secret, clock.now()).context("totp code")?;
    shop.admin_accounts()
        .complete_admin_enrolment(&link, PASSWORD, &code, &client)
        .await?;
    clock.advance(chrono::Duration::seconds(30));
    let code = code_at(&setup.secret, clock.now()).context("totp code")?;
    let session = shop
        .admin_accounts()
        .admin_login("owner@example.jp", PASSWORD, &code, &client)
        .await?;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let base = format!("http://{addr}");
    let cookie = format!("{}={session}", akinai_web::admin::SESSION);

    let deep = first + chrono::Duration::milliseconds(SPAN_MS / 10);
    let deep_after = format!("after={}-{}", deep.timestamp_millis(), i64::MAX);
    let day = (first + chrono::Duration::days(365)).format("%Y-%m-%d");
    let pages = [
        ("first page", String::new()),
        ("page ~90% deep", deep_after.clone()),
        (
            "status 入金済み (2%), first page",
            "status=paid".to_string(),
        ),
        (
            "status 入金済み, ~90% deep",
            format!("status=paid&{deep_after}"),
        ),
        (
            "one customer's orders",
            "email=customer4242%40example.jp".to_string(),
        ),
        ("one day", format!("from={day}&to={day}")),
        ("flagged only", "flagged=1".to_string()),
    ];
    println!(
        "| Order list ({} orders, {}) | rows | p50 ms | p95 ms | p99 ms | max ms |",
        args.orders,
        store.backend()
    );
    println!("|---|---|---|---|---|---|");
    for (name, query) in pages {
        let url = format!("{base}/admin/orders?{query}");
        let mut times = Vec::with_capacity(args.requests);
        let mut rows = 0;
        for i in 0..args.requests + 10 {
            let started = Instant::now();
            let response = http.get(&url).header("cookie", &cookie).send().await?;
            let status = response.status();
            let body = response.text().await?;
            let took = started.elapsed();
            anyhow::ensure!(status.is_success(), "{name}: {status}");
            rows = body.matches("<tr><td><a href=\"/admin/orders/").count();
            // The first ten warm the caches and are not counted.
            if i >= 10 {
                times.push(took);
            }
        }
        times.sort();
        let at = |q: f64| {
            let i = ((times.len() as f64 - 1.0) * q).round() as usize;
            times[i].as_secs_f64() * 1000.0
        };
        println!(
            "| {name} | {rows} | {:.2} | {:.2} | {:.2} | {:.2} |",
            at(0.5),
            at(0.95),
            at(0.99),
            at(1.0)
        );
    }
    if let Backend::Postgres(s, url, name) = backend {
        use sqlx::{Connection, Executor};
        s.close().await;
        let mut admin = sqlx::PgConnection::connect(&url).await?;
        admin
            .execute(format!("DROP DATABASE {name} WITH (FORCE)").as_str())
            .await?;
    }
    Ok(())
}
