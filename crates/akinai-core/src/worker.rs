//! The background worker: drains the job outbox.
//!
//! Jobs are enqueued in the same transaction as the change that causes them (an order and its
//! confirmation mail), so a crash never loses one. A claimed job is leased; if the process dies
//! the lease runs out and another worker (or the restarted one) takes it. A mail is therefore
//! sent twice only when the process dies after the SMTP server accepted it and before the job was
//! marked done, and then with the same Message-ID. Failures retry with exponential backoff and
//! are buried after [`MAX_ATTEMPTS`], kept for the operator.

use crate::AccountCommon;
use crate::Accounts;
use crate::Alerts;
use crate::Base;
use crate::CatalogAdmin;
use crate::Mailer;
use crate::Orders;
use crate::Payments;
use crate::VisitCounter;
use akinai_store::reports::ReportStore;
use akinai_store::JobStore;
use akinai_store::OrderStore;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

use akinai_domain::ids::OrderId;
use akinai_domain::order::OrderStatus;
use akinai_store::{
    Job, Order, JOB_ACCOUNT_MAIL, JOB_ALERT_MAIL, JOB_ORDER_CONFIRMATION, JOB_ORDER_MAIL,
    JOB_TRANSFER,
};

use crate::mail::{order_confirmation, order_step_mail};
use crate::tokens;
use crate::CoreError;

/// How long a claimed job is reserved for its worker.
pub const LEASE: chrono::Duration = chrono::Duration::minutes(5);
/// Attempts before a job is buried.
pub const MAX_ATTEMPTS: i64 = 12;
/// How often an idle worker looks for jobs enqueued by other processes.
pub const POLL_INTERVAL: Duration = Duration::from_secs(2);
/// How often the worker looks for due webhook deliveries.
pub const WEBHOOK_POLL: Duration = Duration::from_secs(1);
/// How often the worker adds the counted visits to the store and publishes scheduled products.
pub const VISIT_FLUSH_INTERVAL: Duration = Duration::from_secs(60);
/// How often the worker prunes old throttle events, tokens and sessions.
pub const PRUNE_INTERVAL: Duration = Duration::from_secs(3600);

/// Why a job did not complete.
#[derive(Debug)]
pub(crate) enum JobFailure {
    /// Worth retrying (SMTP down, database busy).
    Transient(String),
    /// Retrying cannot help (unknown job kind, order gone).
    Permanent(String),
}

/// Delay before retry number `attempts`: 30 s, 1 min, 2 min, … capped at one hour.
pub fn backoff(attempts: i64) -> chrono::Duration {
    let exp = u32::try_from(attempts.clamp(1, 8) - 1).unwrap_or(0);
    chrono::Duration::seconds((30_i64 << exp).min(3600))
}

/// The background worker: drains the job outbox and runs the periodic tasks.
#[derive(Clone)]
pub struct Jobs {
    pub(crate) base: Base,
    pub(crate) job_store: Arc<dyn JobStore>,
    pub(crate) order_store: Arc<dyn OrderStore>,
    pub(crate) report_store: Arc<dyn ReportStore>,
    pub(crate) common: AccountCommon,
    pub(crate) accounts: Accounts,
    pub(crate) alerts: Alerts,
    pub(crate) catalog_admin: CatalogAdmin,
    pub(crate) orders: Orders,
    pub(crate) payments: Payments,
    pub(crate) mailer: Arc<dyn Mailer>,
    pub(crate) visits: VisitCounter,
    pub(crate) transfer: crate::Transfer,
    pub(crate) webhooks: crate::Webhooks,
    pub(crate) api_tokens: crate::api::ApiTokens,
    pub(crate) task_store: Arc<dyn akinai_store::leases::TaskLeaseStore>,
    pub(crate) receivables: crate::Receivables,
    pub(crate) business: crate::Business,
    pub(crate) security_tasks: crate::SecurityTasks,
    pub(crate) points: crate::Points,
    pub(crate) quotes: crate::Quotes,
    /// This process among the nodes (random, new at every start), for task leases.
    pub(crate) node: Arc<str>,
    /// When this process's worker loop last came round (`None`: no worker runs here).
    pub(crate) beat: Arc<std::sync::Mutex<Option<std::time::Instant>>>,
}

/// The task lease of payment reconciliation (ADR 040).
pub const RECONCILE_TASK: &str = "payments.reconcile";

/// The task lease of the weekly reminder of overdue security tasks (issue #22, item 3).
pub const TASKS_REMINDER: &str = "security-tasks.weekly-reminder";

/// The alert that lists overdue periodic security tasks.
pub const TASKS_OVERDUE: &str = "security_tasks.overdue";

/// A worker loop silent for longer than this is taken as stuck (`/readyz` fails).
pub const WORKER_STALL: Duration = Duration::from_secs(60);

/// Whether this process's worker is alive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkerState {
    /// This node runs no worker (`worker = false`): nothing to wait for.
    NotHere,
    Alive,
    /// Silent for longer than [`WORKER_STALL`].
    Stalled,
}

impl Jobs {
    /// Adds the visits counted since the last flush to today's (JST) total; on a store error
    /// they are kept for the next flush.
    pub async fn flush_visits(&self) -> Result<i64, CoreError> {
        let n = self.visits.take();
        if n == 0 {
            return Ok(0);
        }
        let day = self
            .base
            .clock
            .now()
            .with_timezone(&crate::clock::jst())
            .format("%Y-%m-%d")
            .to_string();
        if let Err(e) = self.report_store.add_visits(&day, n).await {
            self.visits.give_back(n);
            return Err(e.into());
        }
        Ok(n)
    }

    /// Runs at most one due job; `Ok(false)` when none was due.
    pub async fn run_one_job(&self) -> Result<bool, CoreError> {
        let now = self.base.clock.now();
        let Some(job) = self.job_store.claim_job(now, now + LEASE).await? else {
            return Ok(false);
        };
        let outcome = match job.kind.as_str() {
            JOB_ORDER_CONFIRMATION => self.send_confirmation(&job).await,
            JOB_ORDER_MAIL => self.send_order_mail(&job).await,
            JOB_ALERT_MAIL => self.alerts.send_alert(&job).await,
            JOB_ACCOUNT_MAIL => self.common.send_account_mail(&job).await,
            JOB_TRANSFER => self.transfer.run_transfer_job(&job).await,
            crate::quotes::JOB_QUOTE_MAIL => self.quotes.send_quote_mail(&job).await,
            crate::business::JOB_INVITE_MAIL => self.business.send_invite_mail(&job).await,
            crate::receivables::JOB_STATEMENT_MAIL => {
                self.receivables.send_statement_mail(&job).await
            }
            other => Err(JobFailure::Permanent(format!("unknown job kind {other}"))),
        };
        let done_at = self.base.clock.now();
        match outcome {
            Ok(()) => self.job_store.complete_job(job.id, done_at).await?,
            Err(JobFailure::Transient(e)) if job.attempts < MAX_ATTEMPTS => {
                tracing::warn!(job = job.id.0, attempts = job.attempts, error = %e, "job failed, will retry");
                self.job_store
                    .retry_job(job.id, done_at + backoff(job.attempts), &e)
                    .await?;
            }
            Err(JobFailure::Transient(e) | JobFailure::Permanent(e)) => {
                tracing::error!(job = job.id.0, attempts = job.attempts, error = %e, "job buried");
                self.job_store.bury_job(job.id, done_at, &e).await?;
            }
        }
        Ok(true)
    }

    /// Runs every due job, returning how many ran (tests use this to drain the queue).
    pub async fn run_due_jobs(&self) -> Result<usize, CoreError> {
        let mut n = 0;
        while self.run_one_job().await? {
            n += 1;
        }
        Ok(n)
    }

    /// Works until `shutdown` turns true: drains due jobs, then waits for a wake-up from this
    /// process or the poll interval.
    /// Whether the worker loop of this process is alive.
    pub fn worker_state(&self) -> WorkerState {
        match self.beat.lock().ok().and_then(|b| *b) {
            None => WorkerState::NotHere,
            Some(at) if at.elapsed() > WORKER_STALL => WorkerState::Stalled,
            Some(_) => WorkerState::Alive,
        }
    }

    /// Takes the named task for `slot` on this node for `lease` (ADR 040); false when another
    /// node holds it or the slot is done. A node that dies holding it lets another take it when
    /// the lease ends.
    pub async fn take_task(
        &self,
        name: &str,
        slot: &str,
        lease: chrono::Duration,
    ) -> Result<bool, CoreError> {
        let now = self.base.clock.now();
        Ok(self
            .task_store
            .take_task(name, slot, &self.node, now, now + lease)
            .await?)
    }

    /// Marks `slot` of the named task done (after [`Jobs::take_task`] gave it to this node).
    pub async fn finish_task(&self, name: &str, slot: &str) -> Result<(), CoreError> {
        let now = self.base.clock.now();
        self.task_store
            .finish_task(name, slot, &self.node, now)
            .await?;
        Ok(())
    }

    /// Once a week (the ISO week, Japan time) across all nodes: when periodic security tasks are
    /// overdue, an alert — log, security event, and mail to the enrolled owners and
    /// `security.alert_mail_to` — lists them. True when it reminded.
    pub async fn remind_overdue_tasks(&self) -> Result<bool, CoreError> {
        use chrono::Datelike;
        let week = self
            .base
            .clock
            .now()
            .with_timezone(&crate::clock::jst())
            .iso_week();
        let slot = format!("{}-W{:02}", week.year(), week.week());
        if !self
            .take_task(TASKS_REMINDER, &slot, chrono::Duration::hours(1))
            .await?
        {
            return Ok(false);
        }
        let overdue: Vec<String> = self
            .security_tasks
            .views()
            .await?
            .into_iter()
            .filter(|v| matches!(v.due, akinai_domain::security_tasks::Due::Overdue(_)))
            .map(|v| format!("{}({})", v.def.title, v.def.period.label_ja()))
            .collect();
        if !overdue.is_empty() {
            let owners = self.security_tasks.owner_addresses().await?;
            self.alerts
                .raise_alert_to(
                    TASKS_OVERDUE,
                    &format!(
                        "期限を過ぎた定期的なセキュリティ作業が {} 件あります(管理画面「定期作業」)",
                        overdue.len()
                    ),
                    None,
                    serde_json::json!({ "tasks": overdue, "where": "/admin/security-tasks" }),
                    &owners,
                )
                .await?;
        }
        self.finish_task(TASKS_REMINDER, &slot).await?;
        Ok(!overdue.is_empty())
    }

    /// One reconciliation round a minute across all nodes: the node that takes the minute's
    /// lease asks the provider; the others skip it.
    async fn reconcile_once_a_minute(&self) {
        let slot = self.base.clock.now().format("%Y-%m-%dT%H:%M").to_string();
        match self
            .take_task(RECONCILE_TASK, &slot, chrono::Duration::minutes(5))
            .await
        {
            Ok(true) => {}
            Ok(false) => return,
            Err(e) => {
                tracing::error!(error = %e, "could not take the reconciliation lease");
                return;
            }
        }
        match self.payments.reconcile_payments().await {
            Ok(n) if n > 0 => {
                tracing::info!(payments = n, "payments reconciled with the provider")
            }
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "could not reconcile payments"),
        }
        if let Err(e) = self.finish_task(RECONCILE_TASK, &slot).await {
            tracing::error!(error = %e, "could not record the reconciliation round");
        }
    }

    /// 締め処理 and overdue reminders once an hour across all nodes (ADR 050): the node that
    /// takes the hour's lease issues the statements of periods closed and mails reminders.
    async fn close_statements_once_an_hour(&self) {
        let slot = self.base.clock.now().format("%Y-%m-%dT%H").to_string();
        let task = crate::receivables::STATEMENTS_TASK;
        match self
            .take_task(task, &slot, chrono::Duration::hours(1))
            .await
        {
            Ok(true) => {}
            Ok(false) => return,
            Err(e) => {
                tracing::error!(error = %e, "could not take the statements lease");
                return;
            }
        }
        match self.receivables.close_and_remind().await {
            Ok((issued, reminded)) if issued + reminded > 0 => {
                tracing::info!(issued, reminded, "statements issued and reminded")
            }
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "could not close the billing periods"),
        }
        if let Err(e) = self.finish_task(task, &slot).await {
            tracing::error!(error = %e, "could not record the statements round");
        }
    }

    /// What a node without the worker (`serve --role web`) still does for itself: its visit
    /// counts, kept in its memory, are stored every flush interval and at shutdown (the
    /// worker does this on the other nodes).
    pub async fn run_node_duties(&self, mut shutdown: watch::Receiver<bool>) {
        loop {
            let stopping = tokio::select! {
                _ = tokio::time::sleep(VISIT_FLUSH_INTERVAL) => false,
                _ = shutdown.wait_for(|s| *s) => true,
            };
            if stopping {
                if let Err(e) = self.flush_visits().await {
                    tracing::error!(error = %e, "could not store the visit count");
                }
                return;
            }
            if let Err(e) = self.flush_visits().await {
                tracing::warn!(error = %e, "could not store the visit count; kept for later");
            }
        }
    }

    /// Looks for work now (another node queued a job, ADR 042).
    pub fn wake(&self) {
        self.base.jobs_ready.notify_one();
    }

    pub async fn run_worker(&self, mut shutdown: watch::Receiver<bool>) {
        // Webhook deliveries wait on slow receivers (up to their timeout): their own loop, so
        // mail never waits behind them.
        let hooks = tokio::spawn(self.clone().run_webhooks(shutdown.clone()));
        let mut next_prune = std::time::Instant::now();
        let mut next_flush = std::time::Instant::now() + VISIT_FLUSH_INTERVAL;
        loop {
            if let Ok(mut beat) = self.beat.lock() {
                *beat = Some(std::time::Instant::now());
            }
            if *shutdown.borrow() {
                if let Err(e) = self.flush_visits().await {
                    tracing::error!(error = %e, "could not store the visit count");
                }
                if let Err(e) = hooks.await {
                    tracing::error!(error = %e, "the webhook loop ended abnormally");
                }
                return;
            }
            if std::time::Instant::now() >= next_flush {
                next_flush = std::time::Instant::now() + VISIT_FLUSH_INTERVAL;
                if let Err(e) = self.flush_visits().await {
                    tracing::warn!(error = %e, "could not store the visit count; kept for later");
                }
                match self.catalog_admin.publish_due_products().await {
                    Ok(n) if n > 0 => tracing::info!(products = n, "scheduled products published"),
                    Ok(_) => {}
                    Err(e) => tracing::error!(error = %e, "could not publish scheduled products"),
                }
                self.reconcile_once_a_minute().await;
                match self.points.settle().await {
                    Ok(s) if s.orders + s.lapsed > 0 => {
                        tracing::info!(orders = s.orders, lapsed = s.lapsed, "points settled")
                    }
                    Ok(_) => {}
                    Err(e) => tracing::error!(error = %e, "could not settle points"),
                }
                if let Err(e) = self.remind_overdue_tasks().await {
                    tracing::error!(error = %e, "could not remind of overdue security tasks");
                }
                self.close_statements_once_an_hour().await;
            }
            if let Err(e) = self.run_due_jobs().await {
                tracing::error!(error = %e, "worker could not run jobs");
            }
            if std::time::Instant::now() >= next_prune {
                next_prune = std::time::Instant::now() + PRUNE_INTERVAL;
                match self.accounts.prune_account_data().await {
                    Ok(n) if n > 0 => tracing::info!(rows = n, "pruned old account data"),
                    Ok(_) => {}
                    Err(e) => tracing::error!(error = %e, "could not prune account data"),
                }
                match self.transfer.prune_import_files().await {
                    Ok(n) if n > 0 => tracing::info!(chunks = n, "deleted old import files"),
                    Ok(_) => {}
                    Err(e) => tracing::error!(error = %e, "could not delete old import files"),
                }
                match self.api_tokens.prune_idempotency().await {
                    Ok(n) if n > 0 => tracing::info!(keys = n, "pruned old idempotency keys"),
                    Ok(_) => {}
                    Err(e) => tracing::error!(error = %e, "could not prune idempotency keys"),
                }
                match self.alerts.prune_security_events().await {
                    Ok(n) if n > 0 => tracing::info!(rows = n, "pruned old security events"),
                    Ok(_) => {}
                    Err(e) => tracing::error!(error = %e, "could not prune security events"),
                }
            }
            tokio::select! {
                _ = self.base.jobs_ready.notified() => {}
                _ = tokio::time::sleep(POLL_INTERVAL) => {}
                _ = shutdown.changed() => {}
            }
        }
    }

    /// Sends due webhook deliveries until `shutdown` turns true, looking again every
    /// [`WEBHOOK_POLL`].
    async fn run_webhooks(self, mut shutdown: watch::Receiver<bool>) {
        while !*shutdown.borrow() {
            if let Err(e) = self.webhooks.deliver_due().await {
                tracing::error!(error = %e, "worker could not send webhooks");
            }
            tokio::select! {
                _ = tokio::time::sleep(WEBHOOK_POLL) => {}
                _ = shutdown.changed() => {}
            }
        }
    }

    /// The job's order, the shop settings and the order's status page link.
    async fn order_for_mail(
        &self,
        job: &Job,
    ) -> Result<(Order, akinai_domain::settings::ShopSettings, String), JobFailure> {
        let order_id = job.payload["order_id"]
            .as_i64()
            .map(OrderId)
            .ok_or_else(|| JobFailure::Permanent("payload without order_id".into()))?;
        let order = self
            .order_store
            .order(order_id)
            .await
            .map_err(|e| JobFailure::Transient(e.to_string()))?
            .ok_or_else(|| JobFailure::Permanent(format!("order {order_id} not found")))?;
        let settings = self
            .base
            .settings()
            .await
            .map_err(|e| JobFailure::Transient(e.to_string()))?;
        let status = tokens::status_token_for_cart(&self.base.config.secret_key, order.cart_id);
        let url = self.orders.status_url(&status.secret);
        Ok((order, settings, url))
    }

    async fn deliver(&self, message: lettre::Message) -> Result<(), JobFailure> {
        self.mailer
            .send(&message)
            .await
            .map_err(|e| JobFailure::Transient(e.to_string()))
    }

    async fn send_confirmation(&self, job: &Job) -> Result<(), JobFailure> {
        let (order, settings, url) = self.order_for_mail(job).await?;
        let message = order_confirmation(&order, &url, &settings, &self.base.config)
            .map_err(|e| JobFailure::Permanent(e.to_string()))?;
        self.deliver(message).await?;
        tracing::info!(order_id = order.id.0, "order confirmation delivered");
        Ok(())
    }

    /// The customer's mail about a step the shop took (payload `order_id`, `status`).
    async fn send_order_mail(&self, job: &Job) -> Result<(), JobFailure> {
        if job.payload["mail"] == "konbini" {
            let (order, settings, url) = self.order_for_mail(job).await?;
            let message = crate::mail::konbini_mail(
                &order,
                &job.payload["instructions"],
                &url,
                &settings,
                &self.base.config,
                self.base.clock.now(),
            )
            .map_err(|e| JobFailure::Permanent(e.to_string()))?;
            self.deliver(message).await?;
            tracing::info!(order_id = order.id.0, "konbini instructions mailed");
            return Ok(());
        }
        let status = job.payload["status"]
            .as_str()
            .and_then(OrderStatus::parse)
            .ok_or_else(|| JobFailure::Permanent("order mail without status".into()))?;
        let at = job.payload["at"]
            .as_str()
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
            .map_or_else(|| self.base.clock.now(), |t| t.with_timezone(&chrono::Utc));
        let (order, settings, url) = self.order_for_mail(job).await?;
        let message = order_step_mail(&order, status, &url, &settings, &self.base.config, at)
            .map_err(|e| JobFailure::Permanent(e.to_string()))?;
        self.deliver(message).await?;
        tracing::info!(
            order_id = order.id.0,
            status = status.as_str(),
            "order mail delivered"
        );
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        assert_eq!(backoff(1).num_seconds(), 30);
        assert_eq!(backoff(2).num_seconds(), 60);
        assert_eq!(backoff(5).num_seconds(), 480);
        assert_eq!(backoff(12).num_seconds(), 3600);
        assert_eq!(backoff(0).num_seconds(), 30);
    }
}
