//! `akinai-bench`: measures the storefront on a 10,000-product SQLite catalog.
//!
//! 1. Seeds the demo catalog scaled to `--products` into a fresh SQLite store and serves it on
//!    loopback (release build, worker off so only the measured work runs).
//! 2. Drives the category page, a product page and search with `wrk` (Debian package `wrk`) at
//!    `--connections` connections and reads its throughput and latency percentiles.
//! 3. Serves static copies of the product page and the category page with nginx (Debian package
//!    `nginx`) and measures them the same way, as the yardstick for "half of nginx's throughput".
//! 4. Prepares `--orders` checked-out carts for SKUs with limited stock, then places them all
//!    over HTTP with `--connections` concurrent clients, and checks that no SKU was oversold.
//!
//! Prints the date, commit and machine, then a Markdown table for docs/performance.md with every
//! run of every scenario (`--runs`, default 2) and each page's throughput as a share of nginx's
//! best run. With `--sizes 1000,10000,100000` it measures each catalog size in a run of its own
//! and adds a table of every scenario's p99 by size, with the server's memory (growth curves). External tools run as argument vectors, never through a shell (SWS-2).
#![forbid(unsafe_code)]

/// mimalloc serves the allocations instead of glibc's malloc, whose arena lock the runtime's
/// threads contended for on every request (ADR 034).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod api;
mod growth;
mod load;
mod quick;

use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use clap::Parser;

use akinai_core::tokens::SecretKey;
use akinai_core::{FileMailer, Shop, ShopConfig, SystemClock};
use akinai_sqlite::SqliteStore;
use akinai_store::Store;
use akinai_web::{AppState, WebConfig};

#[derive(Parser)]
struct Args {
    /// Products in the catalog.
    #[arg(long, default_value_t = 10_000)]
    products: usize,
    /// Seconds per wrk run.
    #[arg(long, default_value_t = 10)]
    duration: u32,
    /// Concurrent connections.
    #[arg(long, default_value_t = 64)]
    connections: u32,
    /// Orders to place in the order benchmark.
    #[arg(long, default_value_t = 10_000)]
    orders: usize,
    /// Run only the scenarios whose name contains this (e.g. `product` while profiling), or
    /// one of these, separated by commas.
    #[arg(long)]
    only: Option<String>,
    /// Times each page scenario (and nginx) is run; every run is reported.
    #[arg(long, default_value_t = 2)]
    runs: u32,
    /// Measure on PostgreSQL instead of SQLite: an empty database's URL (it is migrated and
    /// seeded; a database that already holds the catalog is reused as it is).
    #[arg(long)]
    postgres: Option<String>,
    /// The read caches' and page cache's time to live (`cache_ttl_ms`); 0 measures every page
    /// rendered from the store.
    #[arg(long, default_value_t = 1000)]
    cache_ttl_ms: u64,
    /// Serve from this many nodes (PostgreSQL only): each its own shop, caches and connection
    /// pool on the same database, on its own port; the load is spread over them evenly.
    #[arg(long, default_value_t = 1)]
    nodes: usize,
    /// Growth curves: measure each of these catalog sizes (e.g. `1000,10000,100000`) in a run
    /// of its own with the other arguments, then print the p99 of every scenario by size.
    #[arg(long, value_delimiter = ',')]
    sizes: Vec<usize>,
}

impl Args {
    fn wanted(&self, scenario: &str) -> bool {
        self.only
            .as_deref()
            .is_none_or(|o| o.split(',').any(|part| scenario.contains(part)))
    }
}

/// One measured row.
pub struct Row {
    pub name: String,
    pub requests_per_sec: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub note: String,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if !args.sizes.is_empty() {
        return growth::run(&args.sizes, &passed_on());
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let dir = tempfile::tempdir()?;
    anyhow::ensure!(
        args.nodes >= 1 && (args.nodes == 1 || args.postgres.is_some()),
        "--nodes above 1 needs --postgres (one SQLite file has one writer process)"
    );
    let (shop, store, addrs) = runtime.block_on(start_shop(
        dir.path(),
        args.products,
        args.postgres.as_deref(),
        std::time::Duration::from_millis(args.cache_ttl_ms),
        args.nodes,
    ))?;
    let bases: Vec<String> = addrs.iter().map(|a| format!("http://{a}")).collect();
    let base = bases[0].clone();
    let product_id = runtime.block_on(store.product_count())? / 2;
    let mut rows = Vec::new();
    for (name, path) in [
        (
            "category page (first page, 24 products)",
            "/category/outer".to_string(),
        ),
        (
            "category page, price low to high, in stock, ¥500–¥5,000",
            "/category/outer?sort=price_asc&stock=1&min=500&max=5000".to_string(),
        ),
        (
            "category page, best selling, deep (after a cursor half way)",
            format!("/category/outer?sort=popular&after=0.{product_id}"),
        ),
        (
            "category page, size M (option filter), newest first",
            "/category/outer?sort=new&opt=M".to_string(),
        ),
        ("product page", format!("/product/{product_id}")),
        (
            "search, 1 character, common, with synonyms (革)",
            "/search?q=%E9%9D%A9".to_string(),
        ),
        (
            "search, 1 character, price low to high, in stock (革)",
            "/search?q=%E9%9D%A9&sort=price_asc&stock=1".to_string(),
        ),
        (
            "search, 2 characters (抹茶)",
            "/search?q=%E6%8A%B9%E8%8C%B6".to_string(),
        ),
        (
            "search, 3 characters (まな板)",
            "/search?q=%E3%81%BE%E3%81%AA%E6%9D%BF".to_string(),
        ),
        (
            "search, 5 characters (ジャケット)",
            "/search?q=%E3%82%B8%E3%83%A3%E3%82%B1%E3%83%83%E3%83%88".to_string(),
        ),
        (
            "search, rare, 8 characters (昔ながらの北海道)",
            "/search?q=%E6%98%94%E3%81%AA%E3%81%8C%E3%82%89%E3%81%AE%E5%8C%97%E6%B5%B7%E9%81%93"
                .to_string(),
        ),
        (
            "search, no match (ジャケット財布)",
            "/search?q=%E3%82%B8%E3%83%A3%E3%82%B1%E3%83%83%E3%83%88%E8%B2%A1%E5%B8%83".to_string(),
        ),
    ] {
        if !args.wanted(name) {
            continue;
        }
        for run in 1..=args.runs {
            let urls: Vec<String> = bases.iter().map(|b| format!("{b}{path}")).collect();
            rows.push(load::wrk_nodes(
                &format!("{name} (run {run})"),
                &urls,
                args.connections,
                args.duration,
            )?);
        }
    }
    let bearer = runtime.block_on(api::bearer(&shop))?;
    for (name, path) in [
        (
            "API product list (50 a page)",
            "/api/v1/products?limit=50".to_string(),
        ),
        ("API product", format!("/api/v1/products/{product_id}")),
    ] {
        if !args.wanted(name) {
            continue;
        }
        for run in 1..=args.runs {
            rows.push(load::wrk_with(
                &format!("{name} (run {run})"),
                &format!("{base}{path}"),
                Some(&bearer),
                args.connections,
                args.duration,
            )?);
        }
    }
    if args.wanted("nginx") {
        // The same bytes akinai served: each page kind beside its own static copy.
        for (what, path) in [
            ("product page", format!("/product/{product_id}")),
            ("category page", "/category/outer".to_string()),
        ] {
            let page = runtime
                .block_on(async { reqwest::get(format!("{base}{path}")).await?.text().await })?;
            for run in 1..=args.runs {
                let mut row =
                    load::nginx_static(dir.path(), what, &page, args.connections, args.duration)?;
                row.name = format!("{} (run {run})", row.name);
                rows.push(row);
            }
        }
    }
    if args.wanted("order placement") {
        rows.push(runtime.block_on(load::orders(
            &shop,
            store.as_ref(),
            &bases,
            args.orders,
            args.connections as usize,
        ))?);
        if let (Some(row), Some(_)) = (rows.last_mut(), args.postgres.as_ref()) {
            row.name = row.name.replace("SQLite", "PostgreSQL");
        }
        if let (Some(row), true) = (rows.last_mut(), args.nodes > 1) {
            row.name = format!("{}, {} nodes", row.name, args.nodes);
        }
    }
    if args.wanted("quick order") {
        let mut row = runtime.block_on(quick::quick_order(store.as_ref(), &base, 5))?;
        if args.postgres.is_some() {
            row.name = format!("{} (PostgreSQL)", row.name);
        }
        rows.push(row);
    }
    // After the orders are placed: the order list has rows to page.
    let name = "API order list (50 a page, recipients masked)";
    if args.wanted(name) {
        for run in 1..=args.runs {
            rows.push(load::wrk_with(
                &format!("{name} (run {run})"),
                &format!("{base}/api/v1/orders?limit=50"),
                Some(&bearer),
                args.connections,
                args.duration,
            )?);
        }
    }
    if args.wanted("webhook") {
        rows.push(runtime.block_on(api::webhook_deliveries(&shop, store.as_ref(), 2_000))?);
    }
    println!();
    println!(
        "date: {} UTC; commit: {}; machine: {}",
        chrono::Utc::now().format("%Y-%m-%d %H:%M"),
        commit(),
        machine()
    );
    println!(
        "catalog: {} products on {} ({} node(s)); {} connections; wrk runs of {} s, each scenario {} times; \
         server RSS after the runs: {} MB (in-process with the load's bookkeeping)",
        args.products,
        if args.postgres.is_some() {
            "PostgreSQL"
        } else {
            "SQLite"
        },
        args.nodes,
        args.connections,
        args.duration,
        args.runs,
        rss_mb()
    );
    println!();
    // The yardstick: nginx's best run serving the same bytes (category pages beside the copy of
    // the category page, everything else beside the product page's).
    let best = |what: &str| {
        rows.iter()
            .filter(|r| {
                r.name
                    .starts_with(&format!("nginx, static copy of the {what}"))
            })
            .map(|r| r.requests_per_sec)
            .fold(0.0_f64, f64::max)
    };
    let (nginx_product, nginx_category) = (best("product page"), best("category page"));
    println!("| scenario | requests/s | vs nginx | p50 ms | p99 ms | note |");
    println!("|---|---:|---:|---:|---:|---|");
    for r in rows {
        let category = r.name.starts_with("category")
            || r.name.starts_with("nginx, static copy of the category");
        let nginx = if category && nginx_category > 0.0 {
            nginx_category
        } else {
            nginx_product
        };
        let ratio = if nginx > 0.0 && !r.name.starts_with("order") && !r.name.starts_with("quick") {
            format!("{:.0}%", 100.0 * r.requests_per_sec / nginx)
        } else {
            "—".to_string()
        };
        println!(
            "| {} | {:.0} | {ratio} | {:.2} | {:.2} | {} |",
            r.name, r.requests_per_sec, r.p50_ms, r.p99_ms, r.note
        );
    }
    Ok(())
}

/// This run's arguments without `--sizes` and `--products` (with their values), for the run of
/// each size.
fn passed_on() -> Vec<String> {
    let mut out = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        if a == "--sizes" || a == "--products" {
            args.next();
        } else if !a.starts_with("--sizes=") && !a.starts_with("--products=") {
            out.push(a);
        }
    }
    out
}

/// The commit measured (`git rev-parse --short HEAD`), or `unknown` outside a checkout.
fn commit() -> String {
    run("git", &["rev-parse", "--short", "HEAD"])
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|_| "unknown".into())
}

/// The processor model, cores and memory, from /proc.
fn machine() -> String {
    let read = |path: &str| std::fs::read_to_string(path).unwrap_or_default();
    let field = |text: &str, key: &str| {
        text.lines()
            .find(|l| l.starts_with(key))
            .and_then(|l| l.split_once(':'))
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_default()
    };
    let model = field(&read("/proc/cpuinfo"), "model name");
    let kib: f64 = field(&read("/proc/meminfo"), "MemTotal")
        .trim_end_matches("kB")
        .trim()
        .parse()
        .unwrap_or(0.0);
    format!(
        "{model}, {} cores, {:.0} GiB",
        cores(),
        kib / 1024.0 / 1024.0
    )
}

/// This process's resident memory in MB (VmRSS), 0 where /proc does not say.
fn rss_mb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kib| kib / 1024)
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// The first node's shop, the store behind it (the benchmark prepares carts and products
/// directly) and the address of every node.
type Started = (Shop, Arc<dyn Store>, Vec<std::net::SocketAddr>);

async fn start_shop(
    dir: &Path,
    products: usize,
    postgres: Option<&str>,
    cache_ttl: std::time::Duration,
    nodes: usize,
) -> anyhow::Result<Started> {
    let store: Arc<dyn Store> = match postgres {
        Some(url) => {
            let store = akinai_postgres::PgStore::connect(url, 16).await?;
            store.migrate().await?;
            Arc::new(store)
        }
        None => {
            let store = SqliteStore::open(&dir.join("akinai.db")).await?;
            store.migrate().await?;
            Arc::new(store)
        }
    };
    let started = Instant::now();
    let made = akinai_core::demo::seed(store.as_ref(), products).await?;
    eprintln!(
        "seeded {made} products in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let config = ShopConfig {
        base_url: url::Url::parse("http://127.0.0.1")?,
        mail_from: "bench@akinai.example".into(),
        secret_key: SecretKey::generate(),
        cache_ttl,
        // The webhook receiver of the delivery benchmark listens on loopback.
        security: akinai_core::SecurityConfig {
            webhooks_allow_internal: true,
            ..Default::default()
        },
        accounts: Default::default(),
    };
    let first = Shop::new(
        store.clone(),
        Arc::new(FileMailer::new(dir.join("mail"))),
        Arc::new(SystemClock),
        config.clone(),
    );
    let mut addrs = vec![serve_node(first.clone()).await?];
    for _ in 1..nodes {
        // Another node: its own pool, caches and listener on the same database and key.
        let url = postgres.context("more nodes need PostgreSQL")?;
        let own: Arc<dyn Store> = Arc::new(akinai_postgres::PgStore::connect(url, 16).await?);
        let shop = Shop::new(
            own,
            Arc::new(FileMailer::new(dir.join("mail"))),
            Arc::new(SystemClock),
            config.clone(),
        );
        addrs.push(serve_node(shop).await?);
    }
    Ok((first, store, addrs))
}

/// Serves one node's storefront on a loopback port of its own.
async fn serve_node(shop: Shop) -> anyhow::Result<std::net::SocketAddr> {
    // The load comes from one address; the form rate limit would stop the order benchmark.
    let web = WebConfig {
        form_rate: akinai_web::limits::RateLimit {
            burst: u32::MAX,
            per_minute: u32::MAX,
        },
        // Nor may the per-token API limit stop the API scenarios.
        api_rate: akinai_web::limits::RateLimit {
            burst: u32::MAX,
            per_minute: u32::MAX,
        },
        ..WebConfig::new(false)
    };
    let app = akinai_web::router(AppState::new(shop, web));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    // The production server loop, as `akinai serve` runs it.
    let limits = akinai_web::server::ServerLimits {
        threads: akinai_web::server::threads_per_core(),
        ..Default::default()
    };
    tokio::spawn(akinai_web::server::serve(
        listener,
        app,
        limits,
        std::future::pending(),
    ));
    Ok(addr)
}

/// Runs a program with arguments (no shell) and returns its stdout.
pub fn run(program: &str, args: &[&str]) -> anyhow::Result<String> {
    let out = Command::new(program).args(args).output().with_context(|| {
        format!("cannot run {program}; install it with apt-get install {program}")
    })?;
    anyhow::ensure!(
        out.status.success(),
        "{program} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}
