//! The quick order path at 5,000 lines (issue #23 item 3): `POST /quick-order` with 5,000
//! distinct codes, `POST /checkout` with the shopper's details, `GET /checkout/confirm` (the
//! 特商法 final screen with its 5,000 lines) and `POST /checkout/confirm` — each round trip on
//! loopback timed, `runs` times with a new cart each time.

use std::time::{Duration, Instant};

use anyhow::Context;

use akinai_domain::ids::SkuId;
use akinai_store::Store;

use crate::Row;

const LINES: usize = 5_000;

pub async fn quick_order(store: &dyn Store, base: &str, runs: usize) -> anyhow::Result<Row> {
    let need = i64::try_from(runs)?.max(1);
    let mut codes: Vec<String> = Vec::with_capacity(LINES);
    for first in (1..=40_000).step_by(1_000) {
        let ids: Vec<SkuId> = (first..first + 1_000).map(SkuId).collect();
        codes.extend(
            store
                .skus_for_sale(&ids)
                .await?
                .into_iter()
                .filter(|s| s.stock >= need)
                .map(|s| s.code),
        );
        if codes.len() >= LINES {
            break;
        }
    }
    codes.truncate(LINES);
    anyhow::ensure!(
        codes.len() == LINES,
        "only {} SKUs with stock for {runs} runs: use more --products",
        codes.len()
    );
    let text: String = codes.iter().map(|c| format!("{c}\t1\n")).collect();
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let csrf = "a".repeat(64);
    let mut totals = Vec::new();
    let mut steps = [Duration::ZERO; 4];
    for _ in 0..runs {
        let t = Instant::now();
        let added = client
            .post(format!("{base}/quick-order"))
            .header("cookie", format!("csrf={csrf}"))
            .form(&[("csrf", csrf.as_str()), ("lines", &text), ("action", "add")])
            .send()
            .await?;
        let quick = t.elapsed();
        anyhow::ensure!(added.status() == 303, "quick order: {}", added.status());
        let cart = added
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(|c| c.strip_prefix("cart="))
            .and_then(|c| c.split(';').next())
            .context("no cart cookie")?
            .to_string();
        let cookie = format!("cart={cart}; csrf={csrf}");
        let t = Instant::now();
        let details = client
            .post(format!("{base}/checkout"))
            .header("cookie", &cookie)
            .form(&[
                ("csrf", csrf.as_str()),
                ("name", "山田 花子"),
                ("name_kana", "ヤマダ ハナコ"),
                ("email", "hanako@example.jp"),
                ("phone", "090-1234-5678"),
                ("postal_code", "150-0001"),
                ("prefecture", "13"),
                ("city", "渋谷区"),
                ("line1", "神宮前1-2-3"),
                ("line2", ""),
                ("shipping_method", "standard"),
                ("payment_method", "bank_transfer"),
            ])
            .send()
            .await?;
        let checkout = t.elapsed();
        anyhow::ensure!(details.status() == 303, "checkout: {}", details.status());
        let t = Instant::now();
        let page = client
            .get(format!("{base}/checkout/confirm"))
            .header("cookie", &cookie)
            .send()
            .await?
            .text()
            .await?;
        let confirm = t.elapsed();
        let fingerprint = page
            .split("name=\"fingerprint\" value=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .context("no fingerprint on the confirmation page")?
            .to_string();
        let t = Instant::now();
        let placed = client
            .post(format!("{base}/checkout/confirm"))
            .header("cookie", &cookie)
            .form(&[
                ("csrf", csrf.as_str()),
                ("fingerprint", fingerprint.as_str()),
            ])
            .send()
            .await?;
        let place = t.elapsed();
        let to = placed
            .headers()
            .get("location")
            .and_then(|l| l.to_str().ok())
            .unwrap_or("");
        anyhow::ensure!(
            to.starts_with("/order/"),
            "not placed: {} {to}",
            placed.status()
        );
        for (sum, step) in steps.iter_mut().zip([quick, checkout, confirm, place]) {
            *sum += step;
        }
        totals.push(quick + checkout + confirm + place);
    }
    totals.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let mean = |d: Duration| ms(d) / runs as f64;
    let total: Duration = totals.iter().sum();
    Ok(Row {
        name: format!("quick order of {LINES} lines → cart → checkout → order"),
        requests_per_sec: runs as f64 / total.as_secs_f64(),
        p50_ms: ms(totals[totals.len() / 2]),
        p99_ms: ms(totals[totals.len() - 1]),
        note: format!(
            "{runs} orders one after another; per step (mean): quick order {:.0} ms, details {:.0} ms, final screen {:.0} ms, placing {:.0} ms; p99 column is the slowest",
            mean(steps[0]),
            mean(steps[1]),
            mean(steps[2]),
            mean(steps[3])
        ),
    })
}
