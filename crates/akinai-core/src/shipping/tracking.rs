//! Tracking numbers in bulk: the carrier's issued-slip file read back. Every row is judged
//! first ([`plan_tracking`]); a dry run stops there. Otherwise, if no row is refused, card
//! payments held for capture are captured (as the single 発送 step does), and then every order
//! ships in one transaction — all or nothing — each with its shipping mail queued once (the
//! outbox's key is per order and status). The batch lands in the audit trail as one entry, and
//! each order as its own `order.ship`.

use std::io::Read;

use serde::Serialize;
use serde_json::json;

use akinai_csv::{read_tracking, TextEncoding};
use akinai_domain::fulfilment::OrderState;
use akinai_domain::order::{OrderEvent, OrderStatus};
use akinai_domain::shipping::{plan_tracking, LabelLayout, PlannedRow, RowVerdict, TrackedOrder};
use akinai_store::fulfilment::OrderStep;

use akinai_domain::admin::ProcessOrders;

use super::Shipping;
use crate::accounts::Client;
use crate::admin::Authorized;
use crate::audit::AuditContext;
use crate::CoreError;

/// What an import found and did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TrackingReport {
    pub layout: LabelLayout,
    pub encoding: Option<TextEncoding>,
    pub dry_run: bool,
    /// Every row with its verdict.
    pub rows: Vec<PlannedRow>,
    /// Orders that ship (or shipped, when applied).
    pub to_ship: u64,
    /// Rows already shipped with the same number.
    pub done: u64,
    /// Rows that stop the import.
    pub refused: u64,
    /// Whether the orders were shipped.
    pub applied: bool,
    /// Why nothing shipped after all, when something failed while applying.
    pub failure: Option<String>,
    /// Orders whose held card payment was captured before a failure stopped the import (they
    /// are 入金済み now and ship with the next import).
    pub captured: Vec<String>,
}

impl TrackingReport {
    /// Whether the file had refused rows or applying failed.
    pub fn failed(&self) -> bool {
        self.refused > 0 || self.failure.is_some()
    }
}

impl Shipping {
    /// A tracking file uploaded on the 出荷 page: judged (`dry_run`) or imported, by an admin
    /// who processes orders.
    pub async fn tracking_for_staff(
        &self,
        by: &Authorized<ProcessOrders>,
        client: &Client,
        layout: LabelLayout,
        file: &[u8],
        dry_run: bool,
    ) -> Result<TrackingReport, CoreError> {
        let who = by.principal().audit_context(client);
        self.import_tracking(layout, file, dry_run, &who).await
    }

    /// Imports a tracking file of `layout`; with `dry_run` only judges its rows.
    pub async fn import_tracking<R: Read + Send>(
        &self,
        layout: LabelLayout,
        input: R,
        dry_run: bool,
        who: &AuditContext,
    ) -> Result<TrackingReport, CoreError> {
        let (encoding, lines) = match read_tracking(input, layout) {
            Ok(read) => read,
            Err(e) => {
                let at = if e.row > 0 {
                    format!("{} 行目: ", e.row)
                } else {
                    String::new()
                };
                return Ok(TrackingReport {
                    layout,
                    encoding: None,
                    dry_run,
                    rows: Vec::new(),
                    to_ship: 0,
                    done: 0,
                    refused: 0,
                    applied: false,
                    failure: Some(format!("{at}{}", e.message)),
                    captured: Vec::new(),
                });
            }
        };
        let mut orders = Vec::with_capacity(lines.len());
        for line in &lines {
            let tracked = match akinai_store::parse_order_number(&line.order_number) {
                Some(id) => match self.order_store.order(id).await? {
                    Some(order) => {
                        let held = self.held(&order).await?;
                        Some(TrackedOrder {
                            id: order.id,
                            state: OrderState {
                                status: order.status,
                                payment: order.payment_method,
                                review_pending: order.review_pending,
                                payment_held: held,
                            },
                            shipment: order.shipment.clone(),
                        })
                    }
                    None => None,
                },
                None => None,
            };
            orders.push(tracked);
        }
        let rows = plan_tracking(&lines, &orders, layout.carrier());
        let count = |f: fn(&PlannedRow) -> bool| rows.iter().filter(|r| f(r)).count() as u64;
        let mut report = TrackingReport {
            layout,
            encoding: Some(encoding),
            dry_run,
            to_ship: count(|r| matches!(r.verdict, RowVerdict::Ship { .. })),
            done: count(|r| r.verdict == RowVerdict::Done),
            refused: count(PlannedRow::blocks),
            rows,
            applied: false,
            failure: None,
            captured: Vec::new(),
        };
        if dry_run || report.refused > 0 || report.to_ship == 0 {
            return Ok(report);
        }
        self.apply(&mut report, who).await?;
        Ok(report)
    }

    async fn apply(
        &self,
        report: &mut TrackingReport,
        who: &AuditContext,
    ) -> Result<(), CoreError> {
        // Held card payments first: a capture the provider refuses stops the import before
        // anything ships.
        for row in &report.rows {
            let RowVerdict::Ship {
                order,
                capture: true,
                ..
            } = &row.verdict
            else {
                continue;
            };
            let Some(payment) = self.payments.held_payment(*order).await? else {
                continue;
            };
            match self.payments.capture_held(payment, who.actor.clone()).await {
                Ok(_) => report.captured.push(row.line.order_number.clone()),
                Err(CoreError::PaymentUnavailable(e)) => {
                    tracing::warn!(target: "akinai::payments", order_id = order.0, error = %e, "capture at bulk shipping failed");
                    report.failure = Some(format!(
                        "注文 {} のカードの売上確定ができませんでした。何も発送にしていません(確定済みの注文は入金済みになっています)。もう一度取り込んでください",
                        row.line.order_number
                    ));
                    return Ok(());
                }
                Err(e) => return Err(e),
            }
        }
        let now = self.base.clock.now();
        let mut steps = Vec::new();
        let mut audits = Vec::new();
        for row in &report.rows {
            let RowVerdict::Ship {
                order: id,
                shipment,
                shipped_on,
                ..
            } = &row.verdict
            else {
                continue;
            };
            let order = self
                .order_store
                .order(*id)
                .await?
                .ok_or(CoreError::NotFound)?;
            let mut step = OrderStep::status_change(
                *id,
                order.status,
                OrderStatus::Shipped,
                now,
                who.actor.clone(),
            );
            step.shipment = Some(shipment.clone());
            step.require_review_cleared = true;
            step.note = Some(match shipped_on {
                Some(d) => format!("送り状番号の一括取り込み(出荷日 {d})"),
                None => "送り状番号の一括取り込み".to_string(),
            });
            step.payment = self
                .payments
                .shop_payment_change(&order, OrderEvent::Ship)
                .await?;
            audits.push((
                *id,
                json!({
                    "before": { "status": order.status.as_str() },
                    "after": {
                        "status": OrderStatus::Shipped.as_str(),
                        "carrier": shipment.carrier.as_str(),
                        "tracking_number": shipment.tracking_number.as_str(),
                    },
                    "note": step.note,
                }),
            ));
            steps.push(step);
        }
        if let Some(stale) = self.fulfilment_store.step_orders(&steps).await? {
            report.failure = Some(format!(
                "注文 AK{:08} が取り込みの間に変わりました。何も発送にしていません。もう一度取り込んでください",
                stale.0
            ));
            return Ok(());
        }
        report.applied = true;
        self.base.jobs_added();
        self.audit
            .record(
                who,
                "shipping.tracking_import",
                "orders",
                json!({
                    "layout": report.layout.name(),
                    "rows": report.rows.len(),
                    "shipped": steps.len(),
                    "done": report.done,
                }),
            )
            .await?;
        for (id, detail) in audits {
            self.audit
                .record(who, "order.ship", &format!("order:{}", id.0), detail)
                .await?;
        }
        Ok(())
    }
}
