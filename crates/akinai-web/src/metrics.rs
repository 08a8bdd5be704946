//! Prometheus metrics (operations issue, item 2), served on their own listener
//! (`metrics_listen`), never on the storefront's or the admin's. Request durations are measured
//! here by method, route template and status; the shop's figures (orders, payments, outbox,
//! confirmation-mail delay, login failures, blocked sources, CSP reports, integrity, backups,
//! maintenance, worker, store pool) are read at each scrape (`Operations::figures`), so every
//! node reports the same shop-wide numbers and nothing is counted twice; process figures come
//! from `/proc/self`. Names and meanings: docs/operations.ja.md and `deploy/prometheus/`.

use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeLabelSet, EncodeMetric};
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::{ConstGauge, Gauge};
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

use crate::AppState;

type FloatGauge = Gauge<f64, AtomicU64>;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct HttpLabels {
    method: String,
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PaymentLabels {
    method: String,
    status: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StateLabel {
    state: String,
}

/// The response header naming the request (a constant: parsed from a string it cost a parse
/// and a hash of the name on every request).
const X_REQUEST_ID: axum::http::HeaderName = axum::http::HeaderName::from_static("x-request-id");

/// The route template a request matched, carried out to the measuring layer.
#[derive(Clone)]
struct RouteTemplate(MatchedPath);

/// The registry and the metrics akinai keeps.
pub struct Metrics {
    registry: Mutex<Registry>,
    requests: Family<HttpLabels, Histogram>,
    orders: Gauge,
    payments: Family<PaymentLabels, Gauge>,
    jobs: Family<StateLabel, Gauge>,
    oldest_job: FloatGauge,
    confirmation_p50: FloatGauge,
    confirmation_p95: FloatGauge,
    login_failures: Gauge,
    blocked_sources: Gauge,
    csp_reports: Gauge,
    checkout_holds: Gauge,
    backup_age: FloatGauge,
    verify_age: FloatGauge,
    maintenance: Gauge,
    worker_stalled: Gauge,
    connections: Family<StateLabel, Gauge>,
}

impl Default for Metrics {
    fn default() -> Metrics {
        Metrics::new()
    }
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::default();
        let requests = Family::<HttpLabels, Histogram>::new_with_constructor(|| {
            Histogram::new([
                0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
            ])
        });
        registry.register(
            "http_server_request_duration_seconds",
            "Time to answer a request, by method, route template and status",
            requests.clone(),
        );
        let mut m = Metrics {
            registry: Mutex::new(Registry::default()),
            requests,
            orders: Gauge::default(),
            payments: Family::default(),
            jobs: Family::default(),
            oldest_job: FloatGauge::default(),
            confirmation_p50: FloatGauge::default(),
            confirmation_p95: FloatGauge::default(),
            login_failures: Gauge::default(),
            blocked_sources: Gauge::default(),
            csp_reports: Gauge::default(),
            checkout_holds: Gauge::default(),
            backup_age: FloatGauge::default(),
            verify_age: FloatGauge::default(),
            maintenance: Gauge::default(),
            worker_stalled: Gauge::default(),
            connections: Family::default(),
        };
        let r = &mut registry;
        r.register("akinai_orders", "Orders placed, all time", m.orders.clone());
        r.register(
            "akinai_payments",
            "Payments by method and status",
            m.payments.clone(),
        );
        r.register(
            "akinai_outbox_jobs",
            "Outbox jobs (mail, alerts) by state: queued, retrying, buried",
            m.jobs.clone(),
        );
        r.register(
            "akinai_outbox_oldest_job_age_seconds",
            "Age of the oldest job still waiting (0 when none)",
            m.oldest_job.clone(),
        );
        r.register(
            "akinai_confirmation_mail_delay_p50_seconds",
            "Median time from order to delivered confirmation mail, last hour's orders",
            m.confirmation_p50.clone(),
        );
        r.register(
            "akinai_confirmation_mail_delay_p95_seconds",
            "95th percentile time from order to delivered confirmation mail, last hour's orders",
            m.confirmation_p95.clone(),
        );
        r.register(
            "akinai_login_failures_last_hour",
            "Failed member logins in the last hour",
            m.login_failures.clone(),
        );
        r.register(
            "akinai_blocked_sources",
            "Client addresses blocked now (credential stuffing)",
            m.blocked_sources.clone(),
        );
        r.register(
            "akinai_csp_reports_last_hour",
            "Content-Security-Policy violation reports in the last hour",
            m.csp_reports.clone(),
        );
        r.register(
            "akinai_integrity_checkout_holds",
            "Checkout holds raised by tamper detection and not yet acknowledged (0: intact)",
            m.checkout_holds.clone(),
        );
        r.register(
            "akinai_backup_age_seconds",
            "Time since the last successful backup (-1: never)",
            m.backup_age.clone(),
        );
        r.register(
            "akinai_backup_verify_age_seconds",
            "Time since the last successful restore drill (-1: never)",
            m.verify_age.clone(),
        );
        r.register(
            "akinai_maintenance",
            "1 while the storefront is closed for maintenance",
            m.maintenance.clone(),
        );
        r.register(
            "akinai_worker_stalled",
            "1 when this node's background worker has not come round for a minute",
            m.worker_stalled.clone(),
        );
        r.register(
            "akinai_store_connections",
            "Store connections of this node: open, idle",
            m.connections.clone(),
        );
        r.register_collector(Box::new(ProcessCollector {
            started: Instant::now(),
        }));
        m.registry = Mutex::new(registry);
        m
    }

    fn observe(&self, method: &str, route: &str, status: StatusCode, seconds: f64) {
        self.requests
            .get_or_create(&HttpLabels {
                method: method.to_string(),
                route: route.to_string(),
                status: status.as_u16(),
            })
            .observe(seconds);
    }
}

/// Inner layer (matched routes only): notes the route template for [`measure`].
#[derive(Debug, Clone, Copy)]
pub struct MarkRoute;

impl crate::around::Work for MarkRoute {
    type Carry = Option<MatchedPath>;

    fn before(&self, request: &mut Request) -> (Option<MatchedPath>, Option<Response>) {
        (request.extensions().get::<MatchedPath>().cloned(), None)
    }

    fn after(path: Option<MatchedPath>, response: &mut Response) {
        if let Some(path) = path {
            response.extensions_mut().insert(RouteTemplate(path));
        }
    }
}

/// Outer layer of the admin: [`measured`] around the rest of the stack.
pub async fn measure(State(state): State<AppState>, request: Request, next: Next) -> Response {
    measured(&state, request, |request| next.run(request)).await
}

/// Gives the request an id (the `X-Request-Id` header, every log line of the request, its error
/// page), runs `inner`, times it, records it by method, route template and status (`unmatched`
/// for paths no route has, so scanners cannot grow the label set), and writes one access-log line
/// (target `akinai::access`). The admin's [`measure`] layer and the storefront's front door
/// (`crate::front_door`) both start here.
pub async fn measured<F, Fut>(state: &AppState, request: Request, inner: F) -> Response
where
    F: FnOnce(Request) -> Fut,
    Fut: std::future::Future<Output = Response>,
{
    let started = Instant::now();
    let id = crate::error::new_request_id();
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let peer = request
        .extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip());
    let ip = crate::proxy::client_ip(peer, request.headers(), &state.config.trusted_proxies);
    // Every line logged while the request runs names it (the log formatter reads the id).
    let mut response = crate::error::REQUEST_ID
        .scope(id.clone(), inner(request))
        .await;
    let route = response
        .extensions_mut()
        .remove::<RouteTemplate>()
        .map(|r| r.0);
    let seconds = started.elapsed().as_secs_f64();
    let status = response.status();
    // A matched route is logged by its template: concrete paths can carry secrets (an order's
    // status link). A path no route has is logged as asked (a scanner's probe).
    let logged_path = route.as_ref().map_or(path.as_str(), |r| r.as_str());
    tracing::info!(
        target: "akinai::access",
        request_id = id.as_str(),
        ip = crate::proxy::IpText::new(ip).as_str(),
        method = method.as_str(),
        path = logged_path,
        status = status.as_u16(),
        ms = (seconds * 1000.0).round() as u64,
        "access"
    );
    state.metrics.observe(
        method.as_str(),
        route.as_ref().map_or("unmatched", |r| r.as_str()),
        status,
        seconds,
    );
    if let Ok(v) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(X_REQUEST_ID, v);
    }
    response
}

/// The metrics listener's router: `GET /metrics` only.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/metrics", get(metrics_get))
        .with_state(state)
}

async fn metrics_get(State(state): State<AppState>) -> Response {
    let m = &state.metrics;
    match state.shop.operations().figures().await {
        Ok(f) => {
            let s = &f.store;
            m.orders.set(s.orders);
            for (method, status, n) in &s.payments {
                m.payments
                    .get_or_create(&PaymentLabels {
                        method: method.clone(),
                        status: status.clone(),
                    })
                    .set(*n);
            }
            for (name, n) in [
                ("queued", s.jobs_queued),
                ("retrying", s.jobs_retrying),
                ("buried", s.jobs_buried),
            ] {
                m.jobs
                    .get_or_create(&StateLabel { state: name.into() })
                    .set(n);
            }
            m.oldest_job.set(f.oldest_open_job_secs.unwrap_or(0.0));
            let (p50, p95) = f.confirmation_delay_p50_p95_secs.unwrap_or((0.0, 0.0));
            m.confirmation_p50.set(p50);
            m.confirmation_p95.set(p95);
            m.login_failures.set(s.login_failures);
            m.blocked_sources.set(s.blocked_sources);
            m.csp_reports.set(s.csp_reports);
            m.checkout_holds.set(s.checkout_holds);
            m.backup_age.set(f.last_good_backup_secs.unwrap_or(-1.0));
            m.verify_age.set(f.last_good_verify_secs.unwrap_or(-1.0));
            m.maintenance.set(i64::from(f.maintenance));
            m.worker_stalled.set(i64::from(
                f.worker == akinai_core::worker::WorkerState::Stalled,
            ));
        }
        Err(e) => tracing::error!(error = %e, "metrics: cannot read the shop's figures"),
    }
    let (open, idle) = state.shop.pool_usage();
    for (name, n) in [("open", open), ("idle", idle)] {
        m.connections
            .get_or_create(&StateLabel { state: name.into() })
            .set(i64::from(n));
    }
    let mut body = String::new();
    let encoded = match m.registry.lock() {
        Ok(registry) => prometheus_client::encoding::text::encode(&mut body, &registry).is_ok(),
        Err(_) => false,
    };
    if !encoded {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    }
    let mut response = body.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/openmetrics-text; version=1.0.0; charset=utf-8"),
    );
    response
}

/// `process_*` figures of this process from `/proc/self` (Linux).
#[derive(Debug)]
struct ProcessCollector {
    started: Instant,
}

impl ProcessCollector {
    /// (CPU seconds, resident bytes, open file descriptors).
    fn read() -> Option<(f64, i64, i64)> {
        let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
        // Fields after the command name, which is in parentheses and may hold spaces.
        let rest = stat.rsplit_once(')')?.1;
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let ticks = |i: usize| fields.get(i)?.parse::<f64>().ok();
        // utime and stime are fields 14 and 15 (1-based), 11 and 12 after the name; 100 Hz.
        let cpu = (ticks(11)? + ticks(12)?) / 100.0;
        let pages: i64 = std::fs::read_to_string("/proc/self/statm")
            .ok()?
            .split_whitespace()
            .nth(1)?
            .parse()
            .ok()?;
        let fds = std::fs::read_dir("/proc/self/fd").ok()?.count();
        Some((cpu, pages * 4096, i64::try_from(fds).unwrap_or(i64::MAX)))
    }
}

impl Collector for ProcessCollector {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let uptime = ConstGauge::new(self.started.elapsed().as_secs_f64());
        let e = encoder.encode_descriptor(
            "process_uptime_seconds",
            "Seconds since the metrics of this process started",
            None,
            uptime.metric_type(),
        )?;
        uptime.encode(e)?;
        let Some((cpu, resident, fds)) = ProcessCollector::read() else {
            return Ok(());
        };
        let cpu = ConstCounter::new(cpu);
        let e = encoder.encode_descriptor(
            "process_cpu_seconds",
            "User and system CPU time spent",
            None,
            cpu.metric_type(),
        )?;
        cpu.encode(e)?;
        for (name, help, value) in [
            (
                "process_resident_memory_bytes",
                "Resident memory size",
                resident,
            ),
            ("process_open_fds", "Open file descriptors", fds),
        ] {
            let gauge = ConstGauge::new(value);
            let e = encoder.encode_descriptor(name, help, None, gauge.metric_type())?;
            gauge.encode(e)?;
        }
        Ok(())
    }
}

/// The shared handle every router's state carries.
pub type SharedMetrics = Arc<Metrics>;
