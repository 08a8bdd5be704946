//! The REST API and webhooks in the benchmark (issue 20): the product and order lists read with
//! a token (50 rows a page, like an integration polling), beside the HTML pages of the same
//! sitting; and webhook delivery throughput — events recorded for one endpoint on loopback
//! (a receiver answering 204), then drained by the worker's delivery loop (signing, POST,
//! recording each attempt), eight at a time as in production.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use akinai_core::api::TokenRequest;
use akinai_core::audit::AuditContext;
use akinai_core::Shop;
use akinai_store::Store;

use crate::Row;

/// A token that reads everything, as `Authorization` header text for wrk.
pub async fn bearer(shop: &Shop) -> anyhow::Result<String> {
    let made = shop
        .api_tokens()
        .create(
            &AuditContext::cli("bench"),
            &TokenRequest {
                name: "bench".into(),
                scopes: "products:read,orders:read".into(),
                ..Default::default()
            },
        )
        .await?;
    Ok(format!("Authorization: Bearer {}", made.secret))
}

/// Records `events` deliveries for an endpoint on loopback and drains them; deliveries a second.
pub async fn webhook_deliveries(
    shop: &Shop,
    store: &dyn Store,
    events: usize,
) -> anyhow::Result<Row> {
    eprintln!("webhooks: {events} deliveries");
    let received = Arc::new(AtomicU64::new(0));
    let counter = received.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move || {
            let counter = counter.clone();
            async move {
                counter.fetch_add(1, Ordering::Relaxed);
                axum::http::StatusCode::NO_CONTENT
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/hook", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, app).await });
    let made = shop
        .webhooks()
        .add(&AuditContext::cli("bench"), &url, "order.created")
        .await?;
    let now = chrono::Utc::now();
    for n in 0..events {
        let data = serde_json::json!({ "id": format!("AK{n:08}"), "status": "placed" });
        store
            .record_webhook_event("order.created", &data, now, Some(made.id))
            .await?;
    }
    let started = Instant::now();
    let mut sent = 0;
    while sent < events {
        let n = shop.webhooks().deliver_due().await?;
        anyhow::ensure!(n > 0, "deliveries stopped after {sent}");
        sent += n;
    }
    let seconds = started.elapsed().as_secs_f64();
    let got = received.load(Ordering::Relaxed);
    anyhow::ensure!(got as usize == events, "the receiver got {got} of {events}");
    Ok(Row {
        name: "webhook deliveries (signed POST to loopback, 8 at a time)".into(),
        requests_per_sec: events as f64 / seconds,
        p50_ms: 0.0,
        p99_ms: 0.0,
        note: format!("{events} deliveries in {seconds:.2} s, all answered 204"),
    })
}
