//! The metrics endpoint (operations issue, item 2) reads the shop's figures at each scrape:
//! orders, payments by method and status, the outbox, maintenance and backups, whichever node
//! placed the orders.

use tower::ServiceExt;

use akinai_core::audit::AuditContext;

use crate::support::TestApp;

fn state(app: &TestApp) -> akinai_web::AppState {
    akinai::app_state(&akinai::config::Config::default(), app.shop.clone())
}

async fn scrape(app: &TestApp) -> String {
    scrape_state(state(app)).await
}

async fn scrape_state(state: akinai_web::AppState) -> String {
    let response = akinai_web::metrics::router(state)
        .oneshot(
            axum::http::Request::get("/metrics")
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/openmetrics-text"));
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    String::from_utf8(bytes.to_vec()).unwrap()
}

#[tokio::test]
async fn a_scrape_shows_orders_payments_outbox_maintenance_and_backups() {
    let app = TestApp::demo().await;
    let before = scrape(&app).await;
    assert!(before.contains("akinai_orders 0\n"), "{before}");
    assert!(
        before.contains("akinai_backup_age_seconds -1.0\n"),
        "{before}"
    );

    app.order_one("本みりん").await;
    app.order_one("静岡煎茶").await;
    app.shop
        .operations()
        .switch_maintenance(&AuditContext::cli("ops"), "ops", Some("点検"))
        .await
        .unwrap();
    let after = scrape(&app).await;
    for line in [
        "akinai_orders 2\n",
        "akinai_payments{method=\"bank_transfer\",status=\"open\"} 2\n",
        // Two confirmation mails wait for the worker.
        "akinai_outbox_jobs{state=\"queued\"} 2\n",
        "akinai_outbox_jobs{state=\"buried\"} 0\n",
        "akinai_maintenance 1\n",
        "akinai_integrity_checkout_holds 0\n",
    ] {
        assert!(after.contains(line), "{line} in\n{after}");
    }
}

/// Every metric the example alert rules and the Grafana dashboard use is one akinai exports.
#[tokio::test]
async fn the_alert_rules_and_dashboard_in_deploy_use_only_metrics_that_exist() {
    let app = TestApp::demo().await;
    // Families without members are not listed: give each one.
    app.order_one("本みりん").await;
    let state = state(&app);
    let page = akinai_web::router(state.clone())
        .oneshot(
            axum::http::Request::get("/healthz")
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let scraped = scrape_state(state).await;
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy");
    for file in ["prometheus/alerts.yml", "grafana/akinai-dashboard.json"] {
        let text = std::fs::read_to_string(root.join(file)).unwrap();
        let mut used = 0;
        for start in text.match_indices("akinai_").map(|(i, _)| i) {
            let name: String = text[start..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            assert!(
                scraped.contains(&format!("# TYPE {name} ")),
                "{file} uses {name}, which akinai does not export"
            );
            used += 1;
        }
        for prefix in [
            "http_server_request_duration_seconds",
            "process_resident_memory_bytes",
        ] {
            if text.contains(prefix) {
                assert!(scraped.contains(&format!("# TYPE {prefix} ")), "{prefix}");
            }
        }
        assert!(used >= 5, "{file} uses akinai's metrics");
    }
}
