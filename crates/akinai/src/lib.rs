//! Assembly of the akinai process: picks the storage backend from the configuration, prepares
//! the data directory, secret key and mail transport, and runs the HTTP server with the worker.
//! Everything here is wiring; rules live in the other crates.
#![forbid(unsafe_code)]

pub mod api;
pub mod audit_cli;
pub mod backup;
pub mod config;
pub mod coupons;
pub mod documents;
pub mod files;
pub mod golive;
pub mod logbatch;
pub mod logfiles;
pub mod logging;
pub mod logline;
pub mod ops;
pub mod origin;
pub mod payments;
pub mod report;
pub mod selfcheck;
pub mod shipping;
pub mod store_copy;
pub mod transfer;
pub mod webhooks;

use std::sync::Arc;

use anyhow::Context;
use tokio::sync::watch;

use akinai_core::tokens::SecretKey;
use akinai_core::{FileMailer, Mailer, Shop, ShopConfig, SmtpMailer, SystemClock};
use akinai_postgres::PgStore;
use akinai_sqlite::SqliteStore;
use akinai_store::Store;
use akinai_web::{AppState, WebConfig};

use config::{Config, MailTransport};

/// Who runs a command when it does not say (`--by`): the login name, else `operator`.
pub fn login_name() -> String {
    ["USER", "LOGNAME"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|s| !s.trim().is_empty()))
        .unwrap_or_else(|| "operator".to_string())
}

/// Installs the logger the configuration describes (`log`, `[logs]`); `serve` logs to standard
/// output, the operator commands to standard error.
pub fn init_logging(config: &Config, serving: bool) {
    let format = config.logs.format.unwrap_or(match config.mode {
        config::Mode::Production => logfiles::LogFormat::Json,
        config::Mode::Development => logfiles::LogFormat::Text,
    });
    logging::init(&config.log, format, config.logs.dir.as_deref(), !serving)
}

/// Opens and migrates the configured store.
pub async fn open_store(config: &Config) -> anyhow::Result<Arc<dyn Store>> {
    match &config.database_url {
        Some(url) => {
            let store = connect_postgres(config, url.expose()).await?;
            refuse_newer(&store.schema_state().await?)?;
            store.migrate().await?;
            Ok(Arc::new(store))
        }
        None => {
            let store = open_sqlite(config).await?;
            refuse_newer(&store.schema_state().await?)?;
            store.migrate().await?;
            Ok(Arc::new(store))
        }
    }
}

/// A database a newer akinai migrated is not opened: its data would not fit this binary.
fn refuse_newer(state: &akinai_store::operations::SchemaState) -> anyhow::Result<()> {
    if let Some(version) = state.newer_than_binary() {
        anyhow::bail!(
            "the database was upgraded by a newer akinai (migration {version}; this akinai {} \
             knows up to {}). Run that newer akinai, or restore a backup taken before the \
             upgrade (docs/operations.ja.md, アップグレード)",
            env!("CARGO_PKG_VERSION"),
            state.known.last().copied().unwrap_or(0)
        );
    }
    Ok(())
}

/// The store's migration state, without applying any.
pub async fn schema_state(
    config: &Config,
) -> anyhow::Result<akinai_store::operations::SchemaState> {
    Ok(match &config.database_url {
        Some(url) => {
            let store = connect_postgres(config, url.expose()).await?;
            let state = store.schema_state().await;
            store.close().await;
            state?
        }
        None => {
            let store = open_sqlite(config).await?;
            let state = store.schema_state().await;
            store.close().await;
            state?
        }
    })
}

/// Opens the configured store without applying migrations.
pub async fn open_store_as_is(config: &Config) -> anyhow::Result<Arc<dyn Store>> {
    Ok(match &config.database_url {
        Some(url) => Arc::new(connect_postgres(config, url.expose()).await?),
        None => Arc::new(open_sqlite(config).await?),
    })
}

async fn connect_postgres(config: &Config, url: &str) -> anyhow::Result<PgStore> {
    PgStore::connect(url, config.database_max_connections)
        .await
        .context("cannot connect to PostgreSQL")
}

async fn open_sqlite(config: &Config) -> anyhow::Result<SqliteStore> {
    files::ensure_data_dir(&config.data_dir)?;
    let path = config.data_dir.join("akinai.db");
    SqliteStore::open(&path)
        .await
        .with_context(|| format!("cannot open {}", path.display()))
}

/// The configured key, or the one in `<data-dir>/secret.key`, created (mode 0600) on first run.
fn secret_key(config: &Config) -> anyhow::Result<SecretKey> {
    if let Some(hex) = &config.secret_key {
        return SecretKey::from_hex(hex.expose()).context("secret_key must be 64 hex digits");
    }
    let path = config.data_dir.join("secret.key");
    if path.exists() {
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        return SecretKey::from_hex(&text)
            .with_context(|| format!("{} is not a valid key", path.display()));
    }
    let key = SecretKey::generate();
    files::write_private(&path, key.to_hex().as_bytes())?;
    tracing::info!(path = %path.display(), "generated a new secret key");
    Ok(key)
}

fn mailer(config: &Config) -> anyhow::Result<Arc<dyn Mailer>> {
    Ok(match (config.mail.transport, &config.mail.smtp_url) {
        (MailTransport::Smtp, Some(url)) => {
            Arc::new(SmtpMailer::from_url(url.expose()).context("invalid mail.smtp_url")?)
        }
        _ => Arc::new(FileMailer::new(config.data_dir.join("mail"))),
    })
}

/// Builds the shop from the configuration (store opened and migrated).
pub async fn build_shop(config: &Config) -> anyhow::Result<Shop> {
    files::ensure_data_dir(&config.data_dir)?;
    let store = open_store(config).await?;
    let shop_config = ShopConfig {
        base_url: config.base_url()?,
        mail_from: config.mail.from.clone(),
        secret_key: secret_key(config)?,
        cache_ttl: std::time::Duration::from_millis(config.cache_ttl_ms),
        security: config.security(),
        accounts: config.accounts(),
    };
    let shop = Shop::new(store, mailer(config)?, Arc::new(SystemClock), shop_config);
    Ok(match payments::gateway(config)? {
        Some(gateway) => shop.with_gateway(gateway),
        None => shop,
    })
}

/// Seeds the demo catalog and starter settings into an empty store; says what it did.
pub async fn seed_demo(shop: &Shop) -> anyhow::Result<()> {
    report_seed(shop.demo().seed().await?);
    Ok(())
}

/// Seeds the demo as `serve --demo` shows it: with its test payment page, every payment method
/// on offer (`Demo::seed_for_trial`).
pub async fn seed_trial_demo(shop: &Shop) -> anyhow::Result<()> {
    report_seed(shop.demo().seed_for_trial().await?);
    Ok(())
}

fn report_seed(made: usize) {
    if made > 0 {
        println!("demo: seeded the demo catalog ({made} products)");
    } else {
        println!("demo: the store already has products; nothing seeded");
    }
}

/// The web layer's state for a shop as the configuration describes it.
pub fn app_state(config: &Config, shop: Shop) -> AppState {
    AppState::new(
        shop,
        WebConfig {
            secure_cookies: config.https(),
            trusted_proxies: akinai_web::proxy::TrustedProxies(config.trusted_proxies.clone()),
            form_rate: akinai_web::limits::RateLimit {
                burst: config.form_burst,
                per_minute: config.form_per_minute,
            },
            api_rate: akinai_web::limits::RateLimit {
                burst: config.api_burst,
                per_minute: config.api_per_minute,
            },
            deployment: selfcheck::deployment(config),
        },
    )
}

/// What an `akinai serve` node does (issue 21, item 3): by default both; a shop that separates
/// them runs `web` nodes behind its balancer and one or more `worker` nodes on the same
/// PostgreSQL database (jobs are claimed under leases, so workers never run one twice).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Role {
    /// Serves the shop, the admin and the API, and runs the background jobs.
    All,
    /// Serves without the background jobs (order mail, webhooks, backups …).
    Web,
    /// Runs the background jobs without serving (no listener but metrics, if configured).
    Worker,
}

impl Role {
    /// Whether this node answers the shop's and the admin's requests.
    pub fn serves(self) -> bool {
        self != Role::Worker
    }

    /// Whether this node runs the background jobs and the scheduled ones.
    pub fn works(self) -> bool {
        self != Role::Web
    }
}

/// `akinai serve`.
pub async fn serve(
    config: Config,
    demo: bool,
    role: Role,
    config_file: Option<&std::path::Path>,
) -> anyhow::Result<()> {
    backup::before_upgrade(&config).await?;
    let mut shop = build_shop(&config).await?;
    if role.serves() && !demo {
        golive::before_serving(&config, &shop).await?;
    }
    // Kept alive for as long as the shop serves.
    let mut _demo_psp = None;
    if demo {
        seed_trial_demo(&shop).await?;
        if shop.payments().gateway().is_none() {
            let (fake, gateway) = payments::demo_gateway(&config).await?;
            println!(
                "demo: test payment page at {} (test cards only; never in production mode)",
                fake.base_url()
            );
            shop = shop.with_gateway(gateway);
            _demo_psp = Some(fake);
        }
    }
    let state = app_state(&config, shop.clone());
    // On PostgreSQL, the other nodes' changes and queued jobs are heard at once (ADR 042).
    match shop.subscribe_hints().await {
        Ok(Some(hints)) => {
            tokio::spawn(akinai_web::hints::follow_hints(state.clone(), hints));
        }
        Ok(None) => {}
        // Without hints the caches still expire (cache_ttl_ms): serve rather than stop.
        Err(e) => {
            eprintln!("akinai: warning: not listening for other nodes' changes: {e}");
            tracing::warn!(error = %e, "cannot listen for hints; caches converge by expiry");
        }
    }
    let admin_app = akinai_web::harden(
        akinai_web::admin::router(
            state.clone(),
            akinai_web::admin::AllowList(config.admin_allow.clone()),
            &config.admin_base_url(),
        ),
        config.https(),
    );
    let app = akinai_web::router(state.clone());
    let (admin_listener, listener) = if role.serves() {
        let admin = tokio::net::TcpListener::bind(config.admin_listen)
            .await
            .with_context(|| format!("cannot listen on {} (admin)", config.admin_listen))?;
        let shop = tokio::net::TcpListener::bind(config.listen)
            .await
            .with_context(|| format!("cannot listen on {}", config.listen))?;
        (Some(admin), Some(shop))
    } else {
        (None, None)
    };
    let certs = match &config.tls {
        Some(tls) => Some(
            akinai_web::tls::CertStore::open(&tls.cert_file, &tls.key_file)
                .context("cannot set up TLS")?,
        ),
        None => None,
    };
    let (stop_tx, stop_rx) = watch::channel(false);
    let stopped = |mut rx: watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|stop| *stop).await;
    };
    let worker = {
        let shop = shop.clone();
        let rx = stop_rx.clone();
        if config.worker && role.works() {
            tokio::spawn(async move { shop.jobs().run_worker(rx).await })
        } else {
            tokio::spawn(async move { shop.jobs().run_node_duties(rx).await })
        }
    };
    if let Some(addr) = shop.config().security.clamd.clone() {
        match akinai_core::upload_scan::Clamd::new(addr).ping().await {
            Ok(()) => println!("akinai: uploads are scanned by clamd"),
            Err(e) => {
                tracing::error!(error = %e, "clamd is not answering; uploads will be refused until it does")
            }
        }
    }
    // The demo shop is for trying out: no daily backups of it.
    let backups = (!demo && role.works()).then(|| {
        tokio::spawn(backup::schedule::run(
            config.clone(),
            shop.clone(),
            stop_rx.clone(),
        ))
    });
    let tidy = config.logs.dir.clone().map(|dir| {
        tokio::spawn(logfiles::keep_tidy(
            dir,
            config.logs.retention_days,
            stop_rx.clone(),
        ))
    });
    let integrity = {
        let shop = shop.clone();
        let rx = stop_rx.clone();
        let every = std::time::Duration::from_secs(config.security.integrity_check_secs);
        tokio::spawn(async move { shop.integrity().run_integrity_checks(every, rx).await })
    };
    let redirect = match config
        .tls
        .as_ref()
        .and_then(|t| t.redirect_listen)
        .filter(|_| role.serves())
    {
        Some(addr) => {
            let plain = tokio::net::TcpListener::bind(addr)
                .await
                .with_context(|| format!("cannot listen on {addr}"))?;
            println!("akinai: redirecting http://{addr} to {}", config.base_url);
            let app = akinai_web::limits::redirect_router(config.base_url.clone());
            let stop = stopped(stop_rx.clone());
            Some(tokio::spawn(akinai_web::server::serve(
                plain,
                app,
                akinai_web::server::ServerLimits::default(),
                stop,
            )))
        }
        None => None,
    };
    let admin = admin_listener.map(|admin_listener| -> anyhow::Result<_> {
        let stop = stopped(stop_rx.clone());
        println!(
            "akinai: serving the admin at http://{} ({})",
            admin_listener.local_addr()?,
            if config.admin_allow.is_empty() {
                "loopback only".to_string()
            } else {
                format!("{} allowed networks", config.admin_allow.len())
            }
        );
        Ok(tokio::spawn(akinai_web::server::serve(
            admin_listener,
            admin_app,
            akinai_web::server::ServerLimits::default(),
            stop,
        )))
    });
    let admin = admin.transpose()?;
    for warning in files::permission_warnings(&config, config_file) {
        eprintln!("akinai: warning: {warning}");
        tracing::warn!("{warning}");
    }
    let metrics = match config.metrics_listen {
        Some(addr) => match tokio::net::TcpListener::bind(addr).await {
            Ok(l) => {
                println!("akinai: metrics at http://{}/metrics", l.local_addr()?);
                Some(tokio::spawn(akinai_web::server::serve(
                    l,
                    akinai_web::metrics::router(state.clone()),
                    akinai_web::server::ServerLimits::default(),
                    stopped(stop_rx.clone()),
                )))
            }
            // The shop opens without its metrics rather than not at all.
            Err(e) => {
                eprintln!("akinai: warning: no metrics: cannot listen on {addr}: {e}");
                tracing::error!(%addr, error = %e, "cannot listen for metrics");
                None
            }
        },
        None => None,
    };
    let signal = async move {
        shutdown_signal().await;
        tracing::info!("shutting down");
        let _ = stop_tx.send(true);
    };
    match listener {
        Some(listener) => {
            serve_shop(&config, &shop, listener, app, certs, role, signal).await?;
        }
        None => {
            println!(
                "akinai: working without serving (role worker, store: {})",
                shop.backend()
            );
            signal.await;
        }
    }
    let _ = integrity.await;
    let _ = worker.await;
    for task in [admin, redirect, backups, metrics, tidy]
        .into_iter()
        .flatten()
    {
        let _ = task.await;
    }
    Ok(())
}

/// Serves the storefront on `listener` until `signal` completes.
async fn serve_shop(
    config: &Config,
    shop: &akinai_core::Shop,
    listener: tokio::net::TcpListener,
    app: axum::Router,
    certs: Option<std::sync::Arc<akinai_web::tls::CertStore>>,
    role: Role,
    signal: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let bound = listener.local_addr()?;
    println!(
        "akinai: serving the shop at {} (listening on {bound}, store: {}{})",
        config.base_url.trim_end_matches('/'),
        shop.backend(),
        if role.works() {
            ""
        } else {
            ", role web: no background jobs"
        }
    );
    if let Some(why) = origin::base_url_mismatch(&config.base_url()?, bound) {
        eprintln!("akinai: warning: {why}");
        tracing::warn!(%bound, base_url = %config.base_url, "base_url does not lead to the listener");
    }
    let limits = akinai_web::server::ServerLimits {
        max_connections: config.max_connections,
        header_read_timeout: std::time::Duration::from_secs(config.header_read_timeout_secs),
        threads: akinai_web::server::threads_per_core(),
        // Connection threads gather their log lines and hand them over when idle (ADR 053).
        thread_hooks: Some(akinai_web::server::ThreadHooks {
            start: logbatch::batch_this_thread,
            idle: logbatch::flush_thread,
        }),
        ..Default::default()
    };
    match certs {
        Some(certs) => {
            akinai_web::server::serve_tls(listener, app, limits, certs, signal).await?;
        }
        None => akinai_web::server::serve(listener, app, limits, signal).await,
    }
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
}

/// `akinai migrate`.
pub async fn migrate(config: &Config) -> anyhow::Result<()> {
    backup::before_upgrade(config).await?;
    let store = open_store(config).await?;
    println!("akinai: migrations applied ({})", store.backend());
    Ok(())
}

/// `akinai config check`.
pub async fn config_check(config: &Config) -> anyhow::Result<()> {
    println!("# effective configuration (secrets masked)");
    print!("{}", config.to_masked_toml()?);
    Ok(())
}
