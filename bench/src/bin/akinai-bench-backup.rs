//! `akinai-bench-backup`: what backups cost (operations issue, "Figures").
//!
//! For the demo-sized shop (200 products, 1 order) and for a shop of `--products` products and
//! `--orders` orders (SQLite; orders copied with the synthetic seeding): the time and size of
//! `akinai backup create` and the time of `akinai backup verify` (the restore drill), running the
//! real binary given by `--akinai` (build it with `cargo build --release -p akinai`). Then, on the
//! large shop served by that binary: product-page latency from `--clients` concurrent keep-alive
//! clients for `--seconds`, without a backup and while backups run back to back.
//!
//! Prints Markdown for docs/performance.md.
#![forbid(unsafe_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::{TimeZone, Utc};
use clap::Parser;

use akinai_store::Store;

#[derive(Parser)]
struct Args {
    /// The akinai binary to measure.
    #[arg(long, default_value = "target/release/akinai")]
    akinai: PathBuf,
    #[arg(long, default_value_t = 10_000)]
    products: usize,
    #[arg(long, default_value_t = 100_000)]
    orders: i64,
    #[arg(long, default_value_t = 16)]
    clients: usize,
    #[arg(long, default_value_t = 10)]
    seconds: u64,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(run(args))
}

/// A SQLite shop in `data` with `products` products and `orders` orders.
async fn make_shop(data: &Path, products: usize, orders: i64) -> anyhow::Result<()> {
    std::fs::create_dir_all(data)?;
    let store = akinai_sqlite::SqliteStore::open(&data.join("akinai.db")).await?;
    store.migrate().await?;
    akinai_core::demo::seed(&store as &dyn Store, products).await?;
    let first = Utc
        .with_ymd_and_hms(2025, 1, 1, 0, 0, 0)
        .single()
        .context("time")?;
    let template = akinai_bench::template_order(&store, first).await?;
    if orders > 1 {
        store
            .add_synthetic_orders(template, orders - 1, first, 60_000)
            .await?;
    }
    store.close().await;
    Ok(())
}

fn akinai(bin: &Path, args: &[&str], data: &Path) -> anyhow::Result<(String, Duration)> {
    let started = Instant::now();
    let out = Command::new(bin)
        .args(args)
        .arg("--data-dir")
        .arg(data)
        .env("AKINAI__LOG", "error")
        .env_remove("AKINAI__DATABASE_URL")
        .output()
        .with_context(|| format!("cannot run {}", bin.display()))?;
    let took = started.elapsed();
    anyhow::ensure!(
        out.status.success(),
        "akinai {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Ok((String::from_utf8_lossy(&out.stdout).into_owned(), took))
}

/// (backup seconds, backup MB, database MB, verify seconds) of one shop.
fn measure_backup(bin: &Path, data: &Path, key: &Path) -> anyhow::Result<(f64, f64, f64, f64)> {
    let key_text = key.to_str().context("path")?;
    akinai(bin, &["backup", "init", "--identity", key_text], data)?;
    let (_, took) = akinai(bin, &["backup", "create"], data)?;
    let file = std::fs::read_dir(data.join("backups"))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|e| e == "tar"))
        .context("no backup written")?;
    let mb = |p: &Path| std::fs::metadata(p).map(|m| m.len() as f64 / 1e6);
    let file_text = file.to_str().context("path")?;
    let (_, verify) = akinai(
        bin,
        &["backup", "verify", file_text, "--identity", key_text],
        data,
    )?;
    Ok((
        took.as_secs_f64(),
        mb(&file)?,
        mb(&data.join("akinai.db"))?,
        verify.as_secs_f64(),
    ))
}

/// Product-page latencies (ms) from `clients` keep-alive clients for `seconds`.
async fn load(url: &str, clients: usize, seconds: u64) -> anyhow::Result<Vec<f64>> {
    let until = Instant::now() + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let url = url.to_string();
        tasks.push(tokio::spawn(async move {
            let client = reqwest::Client::new();
            let mut times = Vec::new();
            while Instant::now() < until {
                let started = Instant::now();
                let ok = client
                    .get(&url)
                    .send()
                    .await
                    .is_ok_and(|r| r.status().is_success());
                if ok {
                    times.push(started.elapsed().as_secs_f64() * 1000.0);
                }
            }
            times
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await?);
    }
    all.sort_by(f64::total_cmp);
    Ok(all)
}

fn pct(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

async fn run(args: Args) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    println!("| shop | database | backup file | backup | restore drill (verify) |");
    println!("|---|---:|---:|---:|---:|");
    let mut large = PathBuf::new();
    for (name, products, orders) in [
        ("demo size (200 products, 1 order)", 200, 1),
        ("large", args.products, args.orders),
    ] {
        let data = dir.path().join(format!("shop-{products}"));
        eprintln!("seeding {name}…");
        make_shop(&data, products, orders).await?;
        let key = dir.path().join(format!("key-{products}.txt"));
        let (backup, file_mb, db_mb, verify) = measure_backup(&args.akinai, &data, &key)?;
        let label = if orders > 1 {
            format!("{products} products, {orders} orders")
        } else {
            name.to_string()
        };
        println!("| {label} | {db_mb:.1} MB | {file_mb:.1} MB | {backup:.2} s | {verify:.2} s |");
        large = data;
    }

    // The large shop serving its product page, without and during backups.
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let admin = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let metrics = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let mut server = Command::new(&args.akinai)
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .arg("--data-dir")
        .arg(&large)
        .env("AKINAI__LOG", "error")
        .env("AKINAI__MODE", "development")
        .env("AKINAI__ADMIN_LISTEN", format!("127.0.0.1:{admin}"))
        .env("AKINAI__METRICS_LISTEN", format!("127.0.0.1:{metrics}"))
        .env("AKINAI__BACKUP__SCHEDULED", "false")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    let url = format!("http://127.0.0.1:{port}/product/1");
    let deadline = Instant::now() + Duration::from_secs(30);
    while reqwest::get(&url).await.is_err() {
        anyhow::ensure!(Instant::now() < deadline, "the shop did not start");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let quiet = load(&url, args.clients, args.seconds).await?;
    let busy = Arc::new(AtomicBool::new(true));
    let backups = {
        let (busy, bin, data) = (busy.clone(), args.akinai.clone(), large.clone());
        std::thread::spawn(move || {
            let mut n = 0;
            while busy.load(Ordering::SeqCst) {
                if akinai(&bin, &["backup", "create"], &data).is_ok() {
                    n += 1;
                }
                // Backups are named by the second: never two in one second.
                std::thread::sleep(Duration::from_millis(1100));
            }
            n
        })
    };
    let during = load(&url, args.clients, args.seconds).await?;
    busy.store(false, Ordering::SeqCst);
    let taken = backups.join().unwrap_or(0);
    let _ = server.kill();
    let _ = server.wait();
    println!();
    println!(
        "| product page, {} clients, {} s | requests/s | p50 | p99 |",
        args.clients, args.seconds
    );
    println!("|---|---:|---:|---:|");
    for (label, times) in [
        ("no backup running".to_string(), &quiet),
        (format!("{taken} backups back to back"), &during),
    ] {
        println!(
            "| {label} | {:.0} | {:.1} ms | {:.1} ms |",
            times.len() as f64 / args.seconds as f64,
            pct(times, 0.5),
            pct(times, 0.99)
        );
    }
    Ok(())
}
