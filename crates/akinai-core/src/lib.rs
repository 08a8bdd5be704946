//! Use cases of akinai, in area services.
//!
//! Each area of the shop is one service whose public methods are its use cases: the
//! [`Storefront`] (catalog, search, cart), [`Checkout`], [`Orders`] (status pages, a member's
//! orders), [`Accounts`] with [`Factors`], [`Profiles`] and [`Challenges`], the back office
//! ([`OrderDesk`], [`CatalogAdmin`], [`Customers`], [`AdminAccounts`], [`Settings`], [`Audit`],
//! [`Dashboard`]), [`Payments`], [`Alerts`], [`Integrity`] and the worker's [`Jobs`]. A service
//! holds only the storage traits it uses and the services it calls, so its struct is the honest
//! list of its dependencies; dependencies between areas point one way (ADR 019). [`Shop`] only
//! wires them from one backend object, a [`Mailer`], a [`Clock`] and the configuration. Core
//! never names a storage backend and leaves all rules to `akinai-domain`.
#![forbid(unsafe_code)]

pub mod accounts;
pub mod admin;
pub mod alert;
pub mod api;
pub mod audit;
mod base;
pub mod business;
pub mod cache;
pub mod checkout;
pub mod clock;
pub mod coupons;
pub mod demo;
pub mod documents;
mod error;
pub mod golive;
pub mod i18n;
pub mod images;
pub mod incidents;
pub mod integrity;
pub mod mail;
pub mod operations;
pub mod orders;
pub mod payments;
pub mod points;
pub mod prices;
pub mod quotes;
pub mod receivables;
pub mod security;
pub mod security_report;
pub mod security_tasks;
pub mod selfcheck;
pub mod settings;
pub mod shipping;
pub mod storefront;
pub mod tokens;
pub mod transfer;
pub mod upload_scan;
pub mod webhooks;
pub mod worker;

mod areas;

use std::sync::Arc;

use akinai_store::Store;

pub(crate) use accounts::AccountCommon;
pub use accounts::{Accounts, Challenges, Factors, Profiles};
pub use admin::{AdminAccounts, CatalogAdmin, Customers, Dashboard, OrderDesk};
pub use akinai_store::hints::Hint;
pub use akinai_store::StoreError;
/// The number of an order as printed (`AK00000012`).
pub use akinai_store::{order_number, parse_order_number};
pub use alert::Alerts;
pub use audit::Audit;
pub(crate) use base::Base;
pub use base::VisitCounter;
pub use business::Business;
pub use checkout::Checkout;
pub use clock::{Clock, FixedClock, SystemClock};
pub use coupons::Coupons;
pub use documents::Documents;
pub use error::CoreError;
pub use golive::GoLive;
pub use incidents::Incidents;
pub use integrity::Integrity;
pub use mail::{FileMailer, Mailer, SmtpMailer};
pub use operations::Operations;
pub use orders::Orders;
pub use payments::{PaymentGateway, Payments};
pub use points::Points;
pub use prices::Prices;
pub use quotes::Quotes;
pub use receivables::Receivables;
pub use security_report::SecurityReports;
pub use security_tasks::SecurityTasks;
pub use selfcheck::SelfCheck;
pub use settings::Settings;
pub use shipping::Shipping;
pub use storefront::Storefront;
pub use transfer::Transfer;
pub use webhooks::Webhooks;
pub use worker::Jobs;

/// Facts about the deployment the use cases need (not shop settings, which the owner edits).
#[derive(Debug, Clone)]
pub struct ShopConfig {
    /// The public base URL, e.g. `https://shop.example.jp`; links in mail are built from it,
    /// never from a request's Host header.
    pub base_url: url::Url,
    /// The sender address of shop mail.
    pub mail_from: String,
    /// Signs derived tokens (order status links).
    pub secret_key: tokens::SecretKey,
    /// How long settings, categories and product pages are served from memory (zero: never).
    pub cache_ttl: std::time::Duration,
    /// Alerts, theme and tamper detection.
    pub security: SecurityConfig,
    /// Customer accounts: sessions, throttling, password hashing.
    pub accounts: accounts::AccountsConfig,
}

/// Where alerts go and what the integrity checks watch.
#[derive(Debug, Clone)]
pub struct SecurityConfig {
    /// Addresses that receive alert mail; empty: alerts go to the log and the event store only.
    pub alert_mail_to: Vec<String>,
    /// Directory of theme files (style sheets, images, fonts); `None`: no theme.
    pub theme_dir: Option<std::path::PathBuf>,
    /// Whether a theme that differs from its approved manifest closes checkout.
    pub close_checkout_on_tamper: bool,
    /// Further files whose change raises an alert (the executable, the configuration file).
    pub watched_files: Vec<std::path::PathBuf>,
    /// ClamAV daemon that scans uploads (fail-closed); `None`: uploads are not scanned.
    pub clamd: Option<upload_scan::ClamdAddr>,
    /// Days security events are kept (at least [`alert::MIN_EVENT_DAYS`]); the audit trail is
    /// never pruned (ADR 024).
    pub events_kept_days: u32,
    /// Whether webhooks may go to loopback, private and link-local addresses (development mode
    /// or the `webhooks_allow_internal` setting); production refuses them (SSRF, ADR 038).
    pub webhooks_allow_internal: bool,
}

impl Default for SecurityConfig {
    fn default() -> SecurityConfig {
        SecurityConfig {
            alert_mail_to: Vec::new(),
            theme_dir: None,
            close_checkout_on_tamper: true,
            watched_files: Vec::new(),
            clamd: None,
            events_kept_days: 730,
            webhooks_allow_internal: false,
        }
    }
}

/// The area services of one shop, wired from one backend object. It holds no use case of its
/// own: callers pick the area (`shop.checkout().confirmation(…)`).
#[derive(Clone)]
pub struct Shop {
    store: Arc<dyn Store>,
    mailer: Arc<dyn Mailer>,
    clock: Arc<dyn Clock>,
    config: ShopConfig,
    /// Behind one pointer: the services together are tens of kilobytes, and a `Shop` is held
    /// across awaits in many futures (by value it overflowed a test thread's stack).
    areas: Arc<Areas>,
}

/// Every service, built once in [`Shop::wire`].
#[derive(Clone)]
struct Areas {
    storefront: Storefront,
    checkout: Checkout,
    coupons: Coupons,
    prices: Prices,
    business: Business,
    quotes: Quotes,
    receivables: Receivables,
    points: Points,
    orders: Orders,
    accounts: Accounts,
    factors: Factors,
    profiles: Profiles,
    challenges: Challenges,
    order_desk: OrderDesk,
    catalog_admin: CatalogAdmin,
    customers: Customers,
    admin_accounts: AdminAccounts,
    settings: Settings,
    audit: Audit,
    dashboard: Dashboard,
    payments: Payments,
    alerts: Alerts,
    integrity: Integrity,
    jobs: Jobs,
    operations: Operations,
    incidents: Incidents,
    transfer: Transfer,
    documents: Documents,
    shipping: Shipping,
    api_tokens: api::ApiTokens,
    api: api::ApiResources,
    webhooks: Webhooks,
    selfcheck: SelfCheck,
    golive: GoLive,
    security_tasks: SecurityTasks,
    security_reports: SecurityReports,
}

impl Shop {
    pub fn new(
        store: Arc<dyn Store>,
        mailer: Arc<dyn Mailer>,
        clock: Arc<dyn Clock>,
        config: ShopConfig,
    ) -> Shop {
        let areas = Shop::wire(&store, &mailer, &clock, &config, None);
        Shop {
            store,
            mailer,
            clock,
            config,
            areas,
        }
    }

    /// The shop with a payment provider for card and konbini payments.
    pub fn with_gateway(self, gateway: Arc<dyn PaymentGateway>) -> Shop {
        let areas = Shop::wire(
            &self.store,
            &self.mailer,
            &self.clock,
            &self.config,
            Some(gateway),
        );
        Shop { areas, ..self }
    }

    /// Builds every service in dependency order; each gets the storage traits it names.
    fn wire(
        store: &Arc<dyn Store>,
        mailer: &Arc<dyn Mailer>,
        clock: &Arc<dyn Clock>,
        config: &ShopConfig,
        gateway: Option<Arc<dyn PaymentGateway>>,
    ) -> Arc<Areas> {
        let base = Base::new(clock.clone(), config.clone(), store.clone(), store.clone());
        let visits = VisitCounter::default();
        let audit = Audit {
            base: base.clone(),
            audit_store: store.clone(),
            recent_views: Arc::default(),
            verified: Arc::default(),
        };
        let alerts = Alerts {
            base: base.clone(),
            job_store: store.clone(),
            security_store: store.clone(),
            mailer: mailer.clone(),
        };
        let challenges = Challenges {
            base: base.clone(),
            account_store: store.clone(),
        };
        let common = AccountCommon {
            base: base.clone(),
            account_store: store.clone(),
            job_store: store.clone(),
            security_store: store.clone(),
            mailer: mailer.clone(),
        };
        let integrity = Integrity {
            base: base.clone(),
            integrity_store: store.clone(),
            alerts: alerts.clone(),
            state: Arc::default(),
        };
        let orders = Orders {
            base: base.clone(),
            order_store: store.clone(),
        };
        let storefront = Storefront {
            base: base.clone(),
            cart_store: store.clone(),
            catalog_store: store.clone(),
            price_store: store.clone(),
            quote_store: store.clone(),
            visits: visits.clone(),
        };
        let admin_accounts = AdminAccounts {
            base: base.clone(),
            admin_store: store.clone(),
            audit_store: store.clone(),
            alerts: alerts.clone(),
            audit: audit.clone(),
        };
        let settings = Settings {
            base: base.clone(),
            settings_store: store.clone(),
            admin_accounts: admin_accounts.clone(),
            audit: audit.clone(),
        };
        let factors = Factors {
            base: base.clone(),
            account_store: store.clone(),
            member_store: store.clone(),
            common: common.clone(),
        };
        let profiles = Profiles {
            base: base.clone(),
            member_store: store.clone(),
            order_store: store.clone(),
            common: common.clone(),
        };
        let accounts = Accounts {
            base: base.clone(),
            account_store: store.clone(),
            member_store: store.clone(),
            common: common.clone(),
            alerts: alerts.clone(),
            challenges: challenges.clone(),
            factors: factors.clone(),
        };
        let customers = Customers {
            base: base.clone(),
            account_store: store.clone(),
            customer_admin_store: store.clone(),
            member_store: store.clone(),
            order_store: store.clone(),
            common: common.clone(),
            admin_accounts: admin_accounts.clone(),
            audit: audit.clone(),
        };
        let catalog_admin = CatalogAdmin {
            base: base.clone(),
            catalog_admin_store: store.clone(),
            catalog_store: store.clone(),
            alerts: alerts.clone(),
            audit: audit.clone(),
        };
        let payments = Payments {
            base: base.clone(),
            fulfilment_store: store.clone(),
            job_store: store.clone(),
            order_store: store.clone(),
            payment_store: store.clone(),
            settings_store: store.clone(),
            admin_accounts: admin_accounts.clone(),
            alerts: alerts.clone(),
            audit: audit.clone(),
            challenges: challenges.clone(),
            orders: orders.clone(),
            gateway,
        };
        let order_desk = OrderDesk {
            base: base.clone(),
            fulfilment_store: store.clone(),
            order_store: store.clone(),
            payment_store: store.clone(),
            audit: audit.clone(),
            payments: payments.clone(),
        };
        let coupons = Coupons {
            base: base.clone(),
            coupon_store: store.clone(),
            account_store: store.clone(),
            audit: audit.clone(),
            storefront: storefront.clone(),
        };
        let prices = Prices {
            base: base.clone(),
            price_store: store.clone(),
            catalog_admin_store: store.clone(),
            audit: audit.clone(),
        };
        let business = Business {
            base: base.clone(),
            business_store: store.clone(),
            price_store: store.clone(),
            order_store: store.clone(),
            fulfilment_store: store.clone(),
            job_store: store.clone(),
            audit: audit.clone(),
            mailer: mailer.clone(),
        };
        let points = Points {
            base: base.clone(),
            point_store: store.clone(),
            accounts: accounts.clone(),
            storefront: storefront.clone(),
            coupons: coupons.clone(),
            audit: audit.clone(),
            account_store: store.clone(),
        };
        let documents = Documents {
            base: base.clone(),
            document_store: store.clone(),
            order_store: store.clone(),
            payment_store: store.clone(),
            audit: audit.clone(),
            catalog_admin: catalog_admin.clone(),
            settings: settings.clone(),
            business: business.clone(),
        };
        let receivables = Receivables {
            base: base.clone(),
            receivable_store: store.clone(),
            business_store: store.clone(),
            job_store: store.clone(),
            documents: documents.clone(),
            audit: audit.clone(),
            mailer: mailer.clone(),
        };
        let checkout = Checkout {
            coupons: coupons.clone(),
            points: points.clone(),
            base: base.clone(),
            cart_store: store.clone(),
            order_store: store.clone(),
            accounts: accounts.clone(),
            integrity: integrity.clone(),
            payments: payments.clone(),
            profiles: profiles.clone(),
            storefront: storefront.clone(),
            receivables: receivables.clone(),
            business: business.clone(),
        };
        let dashboard = Dashboard {
            base: base.clone(),
            integrity_store: store.clone(),
            report_store: store.clone(),
            security_store: store.clone(),
            audit: audit.clone(),
        };
        let transfer = Transfer {
            base: base.clone(),
            transfer_store: store.clone(),
            catalog_store: store.clone(),
            order_store: store.clone(),
            fulfilment_store: store.clone(),
            customer_store: store.clone(),
            member_store: store.clone(),
            catalog_admin: catalog_admin.clone(),
            catalog_admin_store: store.clone(),
            account_store: store.clone(),
            account_common: common.clone(),
            audit: audit.clone(),
            run_store: store.clone(),
            admin_accounts: admin_accounts.clone(),
            payment_store: store.clone(),
        };
        let api_tokens = api::ApiTokens {
            base: base.clone(),
            api_token_store: store.clone(),
            audit: audit.clone(),
        };
        let webhooks = Webhooks {
            base: base.clone(),
            webhook_store: store.clone(),
            audit: audit.clone(),
            sender: webhooks::Sender::new(config.security.webhooks_allow_internal)
                .map_err(|e| tracing::error!(error = %e, "webhooks cannot be sent"))
                .ok(),
            allow_internal: config.security.webhooks_allow_internal,
        };
        let security_tasks = SecurityTasks {
            base: base.clone(),
            task_store: store.clone(),
            admin_store: store.clone(),
            audit: audit.clone(),
        };
        let quotes = Quotes {
            base: base.clone(),
            quote_store: store.clone(),
            job_store: store.clone(),
            storefront: storefront.clone(),
            accounts: accounts.clone(),
            business: business.clone(),
            documents: documents.clone(),
            audit: audit.clone(),
            mailer: mailer.clone(),
        };
        let jobs = Jobs {
            base: base.clone(),
            job_store: store.clone(),
            order_store: store.clone(),
            report_store: store.clone(),
            common: common.clone(),
            accounts: accounts.clone(),
            alerts: alerts.clone(),
            catalog_admin: catalog_admin.clone(),
            orders: orders.clone(),
            payments: payments.clone(),
            mailer: mailer.clone(),
            visits,
            transfer: transfer.clone(),
            webhooks: webhooks.clone(),
            api_tokens: api_tokens.clone(),
            task_store: store.clone(),
            security_tasks: security_tasks.clone(),
            points: points.clone(),
            quotes: quotes.clone(),
            receivables: receivables.clone(),
            business: business.clone(),
            node: tokens::generate().secret[..16].into(),
            beat: Arc::default(),
        };
        let incidents = Incidents {
            base: base.clone(),
            incident_store: store.clone(),
            audit: audit.clone(),
        };
        let api = api::ApiResources {
            catalog_admin_store: store.clone(),
            catalog_store: store.clone(),
            order_desk: order_desk.clone(),
            customers: customers.clone(),
            audit: audit.clone(),
            inventory_store: store.clone(),
            price_store: store.clone(),
            coupon_store: store.clone(),
            prices: prices.clone(),
            base: base.clone(),
        };
        let shipping = Shipping {
            catalog_admin_store: store.clone(),
            documents: documents.clone(),
            base: base.clone(),
            fulfilment_store: store.clone(),
            order_store: store.clone(),
            payments: payments.clone(),
            audit: audit.clone(),
        };
        let operations = Operations {
            base: base.clone(),
            operations_store: store.clone(),
            audit: audit.clone(),
            report_store: store.clone(),
            admin_accounts: admin_accounts.clone(),
            jobs: jobs.clone(),
            maintenance_seen: Arc::default(),
        };
        let shared_operations = Arc::new(operations.clone());
        let selfcheck = SelfCheck {
            tasks: security_tasks.clone(),
            base,
            admin_store: store.clone(),
            audit: audit.clone(),
            operations: shared_operations.clone(),
            integrity: integrity.clone(),
            storefront: storefront.clone(),
        };
        let golive = GoLive {
            base: selfcheck.base.clone(),
            task_store: store.clone(),
            admin_store: store.clone(),
            audit: audit.clone(),
            selfcheck: selfcheck.clone(),
        };
        let security_reports = SecurityReports {
            base: selfcheck.base.clone(),
            security_store: store.clone(),
            task_store: store.clone(),
            incident_store: store.clone(),
            audit_store: store.clone(),
            audit: audit.clone(),
            operations: shared_operations,
            tasks: security_tasks.clone(),
            selfcheck: Arc::new(selfcheck.clone()),
            storefront: storefront.clone(),
        };
        Arc::new(Areas {
            storefront,
            checkout,
            coupons,
            prices,
            business: business.clone(),
            quotes,
            receivables,
            points,
            orders,
            accounts,
            factors,
            profiles,
            challenges,
            order_desk,
            catalog_admin,
            customers,
            admin_accounts,
            settings,
            audit,
            dashboard,
            payments,
            alerts,
            integrity,
            jobs,
            operations,
            incidents,
            transfer,
            documents,
            shipping,
            api_tokens,
            api,
            webhooks,
            selfcheck,
            golive,
            security_tasks,
            security_reports,
        })
    }

    /// The hints the other nodes on the same database send (ADR 042); `None` on a backend
    /// with no other nodes (SQLite).
    pub async fn subscribe_hints(
        &self,
    ) -> Result<Option<tokio::sync::mpsc::Receiver<Hint>>, CoreError> {
        Ok(self.store.subscribe_hints().await?)
    }

    /// The backend's name, for logs and `config check`.
    pub fn backend(&self) -> &'static str {
        self.store.backend()
    }

    /// The demo shop's seeding (`serve --demo`).
    pub fn demo(&self) -> demo::Demo {
        demo::Demo {
            settings_store: self.store.clone(),
            catalog_store: self.store.clone(),
        }
    }

    pub fn config(&self) -> &ShopConfig {
        &self.config
    }

    /// Store connections open and idle (for the metrics).
    pub fn pool_usage(&self) -> (u32, u32) {
        self.store.pool_usage()
    }

    /// Whether the store answers.
    pub async fn health(&self) -> Result<(), CoreError> {
        Ok(self.store.ping().await?)
    }
}
