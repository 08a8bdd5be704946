//! The load generators: wrk for pages, nginx as the static yardstick, and concurrent HTTP order
//! placement.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;

use akinai_core::Shop;
use akinai_domain::catalog::{NewProduct, NewSku, Quantity};
use akinai_domain::rich_text::SafeHtml;
use akinai_domain::tax::TaxCategory;
use akinai_domain::Yen;
use akinai_store::{NewCategory, Store};

use crate::{run, Row};

/// Parses wrk's `--latency` output.
fn parse_wrk(name: &str, out: &str, note: String) -> anyhow::Result<Row> {
    let field = |prefix: &str| -> Option<&str> {
        out.lines()
            .map(str::trim)
            .find(|l| l.starts_with(prefix))
            .and_then(|l| l.split_whitespace().nth(1))
    };
    let ms = |v: &str| -> f64 {
        let (num, unit) = v.split_at(v.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(v.len()));
        let n: f64 = num.parse().unwrap_or(f64::NAN);
        match unit {
            "us" => n / 1000.0,
            "ms" => n,
            "s" => n * 1000.0,
            "m" => n * 60_000.0,
            _ => f64::NAN,
        }
    };
    let rps: f64 = field("Requests/sec:")
        .context("wrk printed no Requests/sec")?
        .parse()?;
    let errors = out
        .lines()
        .find(|l| l.contains("Non-2xx") || l.contains("Socket errors"))
        .map(str::trim)
        .unwrap_or("");
    Ok(Row {
        name: name.to_string(),
        requests_per_sec: rps,
        p50_ms: field("50%").map(ms).unwrap_or(f64::NAN),
        p99_ms: field("99%").map(ms).unwrap_or(f64::NAN),
        note: if errors.is_empty() {
            note
        } else {
            format!("{note} {errors}")
        },
    })
}

pub fn wrk(name: &str, url: &str, connections: u32, seconds: u32) -> anyhow::Result<Row> {
    wrk_with(name, url, None, connections, seconds)
}

/// [`wrk`] against several nodes at once, the connections shared out evenly: the sum of their
/// throughput, the mean of their medians and the worst of their p99s.
pub fn wrk_nodes(
    name: &str,
    urls: &[String],
    connections: u32,
    seconds: u32,
) -> anyhow::Result<Row> {
    if urls.len() == 1 {
        return wrk(name, &urls[0], connections, seconds);
    }
    let each = (connections / u32::try_from(urls.len())?).max(1);
    let runs: Vec<_> = urls
        .iter()
        .map(|url| {
            let (name, url) = (name.to_string(), url.clone());
            std::thread::spawn(move || wrk(&name, &url, each, seconds))
        })
        .collect();
    let mut rows = Vec::with_capacity(runs.len());
    for run in runs {
        rows.push(
            run.join()
                .map_err(|_| anyhow::anyhow!("wrk thread panicked"))??,
        );
    }
    let n = rows.len() as f64;
    Ok(Row {
        name: format!("{name}, {} nodes", rows.len()),
        requests_per_sec: rows.iter().map(|r| r.requests_per_sec).sum(),
        p50_ms: rows.iter().map(|r| r.p50_ms).sum::<f64>() / n,
        p99_ms: rows.iter().map(|r| r.p99_ms).fold(0.0, f64::max),
        note: format!("{each} connections per node"),
    })
}

/// [`wrk`] sending one more header (`Authorization: Bearer …` for the API).
pub fn wrk_with(
    name: &str,
    url: &str,
    header: Option<&str>,
    connections: u32,
    seconds: u32,
) -> anyhow::Result<Row> {
    eprintln!("wrk: {name}");
    let c = connections.to_string();
    let d = format!("{seconds}s");
    let mut args = vec!["-t2", "-c", &c, "-d", &d, "--latency"];
    if let Some(h) = header {
        args.extend(["-H", h]);
    }
    args.push(url);
    let out = run("wrk", &args)?;
    parse_wrk(name, &out, String::new())
}

struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// nginx serving `page` (a copy of akinai's `what`, e.g. "product page") as a static file,
/// measured like the akinai pages.
pub fn nginx_static(
    dir: &Path,
    what: &str,
    page: &str,
    connections: u32,
    seconds: u32,
) -> anyhow::Result<Row> {
    let root = dir.join("nginx");
    std::fs::create_dir_all(root.join("www"))?;
    std::fs::create_dir_all(root.join("logs"))?;
    std::fs::write(root.join("www/index.html"), page)?;
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let conf = format!(
        "worker_processes auto;\nerror_log {r}/logs/error.log;\npid {r}/nginx.pid;\nevents {{ worker_connections 1024; }}\n\
         http {{ access_log off; types {{ text/html html; }} default_type text/html; client_body_temp_path {r}/tmp; \
         proxy_temp_path {r}/tmp; fastcgi_temp_path {r}/tmp; uwsgi_temp_path {r}/tmp; scgi_temp_path {r}/tmp; \
         server {{ listen 127.0.0.1:{port}; root {r}/www; location / {{ index index.html; }} }} }}\n",
        r = root.display()
    );
    let conf_path = root.join("nginx.conf");
    std::fs::write(&conf_path, conf)?;
    let conf_arg = conf_path.display().to_string();
    let prefix_arg = root.display().to_string();
    let child = Command::new("nginx")
        .args(["-c", &conf_arg, "-p", &prefix_arg, "-g", "daemon off;"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .context("cannot start nginx; install it with apt-get install nginx")?;
    let _guard = KillOnDrop(child);
    let url = format!("http://127.0.0.1:{port}/index.html");
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        anyhow::ensure!(Instant::now() < deadline, "nginx did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    let row = wrk(
        &format!("nginx, static copy of the {what}"),
        &url,
        connections,
        seconds,
    )?;
    Ok(Row {
        note: format!("{} bytes", page.len()),
        ..row
    })
}

/// Places `orders` orders over HTTP with `concurrency` clients. 100 SKUs share stock for 80% of
/// the orders, so the last buyers of each SKU are refused: the run checks none was oversold.
pub async fn orders(
    shop: &Shop,
    store: &dyn Store,
    bases: &[String],
    orders: usize,
    concurrency: usize,
) -> anyhow::Result<Row> {
    eprintln!("orders: preparing {orders} carts");
    let cat = store
        .create_category(&NewCategory {
            parent_id: None,
            slug: "bench-orders".into(),
            name: "bench".into(),
            position: 99,
        })
        .await?;
    let skus_n = 100usize;
    let per_sku = i64::try_from(orders * 8 / 10 / skus_n)?;
    let pid = store
        .create_product(&NewProduct {
            category_id: cat,
            name: "ベンチマーク商品".into(),
            description: SafeHtml::sanitize(""),
            tax_category: TaxCategory::Standard,
            image_hue: 1,
            published: true,
            skus: (0..skus_n)
                .map(|i| NewSku {
                    code: format!("BENCH-{i}"),
                    option_label: format!("{i}"),
                    price: Yen(1100),
                    stock: per_sku,
                })
                .collect(),
        })
        .await?;
    let skus: Vec<_> = store
        .product(pid)
        .await?
        .context("bench product")?
        .skus
        .into_iter()
        .map(|s| s.id)
        .collect();
    let details = akinai_bench::shopper_details()?;
    let one = Quantity::new(1)?;
    let mut carts = Vec::with_capacity(orders);
    for i in 0..orders {
        let token = akinai_core::tokens::generate();
        let cart = store.create_cart(&token.hash, chrono_now()).await?;
        store
            .set_cart_line(cart, skus[i % skus_n], Some(one), chrono_now())
            .await?;
        store.save_checkout(cart, &details, chrono_now()).await?;
        let fingerprint = shop
            .checkout()
            .confirmation(Some(&token.secret), None)
            .await?
            .fingerprint;
        carts.push((token.secret, fingerprint));
    }
    eprintln!("orders: placing {orders} orders with {concurrency} clients");
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(concurrency)
        .build()?;
    let queue = Arc::new(tokio::sync::Mutex::new(carts));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for i in 0..concurrency {
        let queue = queue.clone();
        let client = client.clone();
        // Clients spread evenly over the nodes.
        let url = format!("{}/checkout/confirm", bases[i % bases.len()]);
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let (mut placed, mut refused) = (0usize, 0usize);
            loop {
                let Some((secret, fingerprint)) = queue.lock().await.pop() else {
                    break;
                };
                let csrf = "a".repeat(64);
                let t = Instant::now();
                let resp = client
                    .post(&url)
                    .header("cookie", format!("cart={secret}; csrf={csrf}"))
                    .form(&[
                        ("csrf", csrf.as_str()),
                        ("fingerprint", fingerprint.as_str()),
                    ])
                    .send()
                    .await;
                latencies.push(t.elapsed());
                match resp.ok().and_then(|r| {
                    r.headers()
                        .get("location")
                        .and_then(|l| l.to_str().ok())
                        .map(str::to_string)
                }) {
                    Some(l) if l.starts_with("/order/") => placed += 1,
                    _ => refused += 1,
                }
            }
            (latencies, placed, refused)
        }));
    }
    let (mut latencies, mut placed, mut refused) = (Vec::new(), 0, 0);
    for t in tasks {
        let (l, p, r) = t.await?;
        latencies.extend(l);
        placed += p;
        refused += r;
    }
    let elapsed = started.elapsed().as_secs_f64();
    latencies.sort();
    let pct = |p: f64| {
        latencies
            .get(((latencies.len() as f64 * p) as usize).min(latencies.len().saturating_sub(1)))
            .map_or(f64::NAN, |d| d.as_secs_f64() * 1000.0)
    };
    let mut oversold = 0;
    for sku in &skus {
        let stock = store.skus_for_sale(&[*sku]).await?[0].stock;
        if stock < 0 {
            oversold += 1;
        }
    }
    let expected = usize::try_from(per_sku)? * skus_n;
    anyhow::ensure!(
        placed == expected,
        "placed {placed} orders, stock allowed {expected}"
    );
    anyhow::ensure!(oversold == 0, "{oversold} SKUs oversold");
    Ok(Row {
        name: "order placement over HTTP (durable, SQLite)".into(),
        requests_per_sec: placed as f64 / elapsed,
        p50_ms: pct(0.50),
        p99_ms: pct(0.99),
        note: format!(
            "{placed} placed, {refused} refused for stock, 0 oversold; {:.1} s",
            elapsed
        ),
    })
}

fn chrono_now() -> chrono::DateTime<chrono::Utc> {
    chrono::Utc::now()
}
