//! `akinai-bench-documents`: what 帳票 and the shipping files cost (documents issue, "Figures").
//!
//! On a fresh SQLite shop with the demo catalog and `--orders` paid orders (copies of one real
//! order), in this process: one invoice drawn (`akinai_pdf::render`, median and
//! slowest of `--repeat` runs), a batch of 500 delivery slips in one PDF, a picking list of the
//! 500, and the B2クラウド label file of every order (`Shipping::export_labels`, CP932). For each,
//! the wall time, the output size and the growth of this process's peak resident memory
//! (`VmHWM`). Build with `--release`.
//!
//! Prints Markdown for docs/performance.md.
#![forbid(unsafe_code)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::{TimeZone, Utc};
use clap::Parser;

use akinai_core::audit::AuditContext;
use akinai_core::clock::FixedClock;
use akinai_core::shipping::LabelSelection;
use akinai_core::tokens::SecretKey;
use akinai_core::{FileMailer, Shop, ShopConfig};
use akinai_domain::documents::{DocumentContent, DocumentKind, OrderFacts};
use akinai_domain::order::OrderStatus;
use akinai_domain::picking::PickingList;
use akinai_domain::shipping::LabelLayout;
use akinai_store::Store;

#[derive(Parser)]
struct Args {
    /// Paid orders in the shop (the label file holds them all).
    #[arg(long, default_value_t = 10_000)]
    orders: usize,
    /// Invoices drawn to time one.
    #[arg(long, default_value_t = 50)]
    repeat: usize,
}

/// This process's peak resident memory so far, MiB.
fn peak_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        })
        .map_or(0.0, |kib| kib / 1024.0)
}

fn row(what: &str, took: Duration, bytes: usize, before: f64) {
    println!(
        "| {what} | {:.1} ms | {:.0} KB | +{:.0} MiB |",
        took.as_secs_f64() * 1000.0,
        bytes as f64 / 1024.0,
        (peak_mib() - before).max(0.0)
    );
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(run(args))
}

async fn run(args: Args) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("akinai.db");
    let store = akinai_sqlite::SqliteStore::open(&path).await?;
    store.migrate().await?;
    let shared: Arc<dyn Store> = Arc::new(store.clone());
    akinai_core::demo::seed(shared.as_ref(), 100).await?;
    let first = Utc
        .with_ymd_and_hms(2026, 11, 1, 0, 0, 0)
        .single()
        .context("date")?;
    let template = akinai_bench::template_order(shared.as_ref(), first).await?;
    store
        .add_synthetic_orders(template, args.orders.saturating_sub(1) as i64, first, 1_000)
        .await?;
    {
        use sqlx::{Connection, Executor};
        let mut db =
            sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display())).await?;
        db.execute("UPDATE orders SET status = 'paid'").await?;
    }
    let shop = Shop::new(
        shared.clone(),
        Arc::new(FileMailer::new(dir.path().join("mail"))),
        Arc::new(FixedClock::new(first + chrono::Duration::days(2))),
        ShopConfig {
            base_url: url::Url::parse("http://127.0.0.1")?,
            mail_from: "bench@akinai.example".into(),
            secret_key: SecretKey::generate(),
            cache_ttl: Duration::from_secs(1),
            security: Default::default(),
            accounts: Default::default(),
        },
    );
    let order = shared.order(template).await?.context("the order")?;
    anyhow::ensure!(order.status == OrderStatus::Paid, "orders are paid");
    let settings = shop.storefront().settings().await?;
    let number = order.number();
    let facts = OrderFacts {
        order_number: &number,
        placed_on: first.date_naive(),
        details: &order.details,
        lines: &order.lines,
        totals: &order.totals,
        prefecture: order.details.address.prefecture.name_ja(),
        shipping_method: "宅配便",
    };
    let day = first.date_naive();
    let invoice = DocumentContent::for_order(
        DocumentKind::Invoice,
        Some("INV-00000001".into()),
        &facts,
        &settings,
        day,
    );
    let slip = DocumentContent::for_order(DocumentKind::DeliverySlip, None, &facts, &settings, day);

    println!(
        "{} paid orders of {} lines; SQLite; {} runs for one invoice.\n",
        args.orders,
        order.lines.len(),
        args.repeat
    );
    println!("| work | time | output | peak memory growth |");
    println!("|---|---:|---:|---:|");
    let before = peak_mib();
    let mut times = Vec::with_capacity(args.repeat);
    let mut size = 0;
    for _ in 0..args.repeat.max(1) {
        let t = Instant::now();
        size = akinai_pdf::render(&invoice, None)?.len();
        times.push(t.elapsed());
    }
    times.sort();
    row("one invoice (median)", times[times.len() / 2], size, before);
    row(
        "one invoice (slowest, first includes font load)",
        times[times.len() - 1],
        size,
        before,
    );

    let before = peak_mib();
    let batch = vec![slip; 500];
    let t = Instant::now();
    let pdf = akinai_pdf::render_all(&batch, None)?;
    row(
        "500 delivery slips in one PDF",
        t.elapsed(),
        pdf.len(),
        before,
    );

    let before = peak_mib();
    let lines: Vec<_> = (0..500)
        .map(|i| (format!("AK{i:08}"), order.lines.as_slice()))
        .collect();
    let t = Instant::now();
    let list = PickingList::of(lines, day);
    let pdf = akinai_pdf::render_picking_list(&list)?;
    row("picking list of 500 orders", t.elapsed(), pdf.len(), before);

    let before = peak_mib();
    let mut file = Vec::new();
    let t = Instant::now();
    let report = shop
        .shipping()
        .export_labels(
            LabelLayout::YamatoB2,
            &LabelSelection::Ready(Some(OrderStatus::Paid)),
            &mut file,
            &AuditContext::cli("bench"),
        )
        .await?;
    // The synthetic orders include a few flagged for review: those stay out of the file.
    let accounted = report.written as usize + report.under_review.len();
    anyhow::ensure!(
        accounted == args.orders,
        "every order accounted for: {report:?}"
    );
    row(
        &format!("B2クラウド label file of {} orders", report.written),
        t.elapsed(),
        file.len(),
        before,
    );
    Ok(())
}
