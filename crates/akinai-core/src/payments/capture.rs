//! Card payments captured when the order ships (payments issue, item 1: 仮売上 → 実売上).
//!
//! A shop that chose [`CardCapture::AtShipping`](akinai_domain::settings::CardCapture) opens
//! card sessions that only *hold* the money; the order stays 新規受付 with its payment
//! `authorized`, and may ship from there (`akinai_domain::fulfilment`). The shipping step (or the
//! admin's 売上確定 button) captures the payment first: the provider takes the frozen amount under
//! one idempotency key per order, and the capture's report moves the order to 入金確認 by
//! the admin (or `psp:<provider>`, whichever report is recorded first) through the same payment
//! lattice as every other report, so the other one changes nothing. The customer gets no mail
//! for the capture: checkout told them the card is charged when the order ships, and the
//! shipping mail says it did. Cancelling such an order releases the hold instead of refunding; a
//! hold that lapses (Stripe: after seven days) fails the payment and cancels the order like an
//! expired konbini payment, so the shop sees the deadline on the order page.

use crate::Payments;
use chrono::{DateTime, Utc};
use serde_json::json;

use akinai_domain::admin::{ProcessOrders, ViewOrders};
use akinai_domain::ids::OrderId;
use akinai_domain::order::OrderStatus;
use akinai_domain::payment::{PaymentStatus, Report};
use akinai_domain::Yen;
use akinai_store::payments::Payment;

use super::{GatewayError, Incoming};
use crate::accounts::Client;
use crate::admin::Authorized;
use crate::CoreError;

/// How long before a hold lapses the dashboard starts warning about it.
pub const LAPSE_WARNING: chrono::Duration = chrono::Duration::days(2);

/// Orders whose card payment is held for capture at shipping, for the dashboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeldOrders {
    pub held: i64,
    /// Of those, the holds that lapse within [`LAPSE_WARNING`].
    pub lapsing_soon: i64,
}

impl Payments {
    /// The dashboard's reminder of held card payments; `None` when there are none.
    pub async fn held_orders(
        &self,
        _by: &Authorized<ViewOrders>,
    ) -> Result<Option<HeldOrders>, CoreError> {
        let Some(gateway) = &self.gateway else {
            return Ok(None);
        };
        let warn_from = self.base.clock.now() - (gateway.hold_lifetime() - LAPSE_WARNING);
        let (held, lapsing_soon) = self.payment_store.held_payments(warn_from).await?;
        Ok((held > 0).then_some(HeldOrders { held, lapsing_soon }))
    }

    /// The held card payment of order `id`, if it has one.
    pub(crate) async fn held_payment(&self, id: OrderId) -> Result<Option<Payment>, CoreError> {
        Ok(self
            .payment_store
            .payment_of_order(id)
            .await?
            .filter(|p| p.status == PaymentStatus::Authorized))
    }

    /// The card payment held for capture at shipping of an order still 新規受付 (only a
    /// provider's payment of an order not yet paid can be held; nothing is read otherwise).
    pub(crate) async fn held_for_shipping(
        &self,
        order: &akinai_store::Order,
    ) -> Result<Option<Payment>, CoreError> {
        if order.payment_method.through_provider() && order.status == OrderStatus::Placed {
            self.held_payment(order.id).await
        } else {
            Ok(None)
        }
    }

    /// When the hold of `payment` lapses at the provider, if it is held.
    pub fn hold_lapses_at(&self, payment: &Payment) -> Option<DateTime<Utc>> {
        let gateway = self.gateway.as_ref()?;
        payment
            .authorized_at
            .filter(|_| payment.status == PaymentStatus::Authorized)
            .map(|at| at + gateway.hold_lifetime())
    }

    /// Captures a held payment at the provider and records it: the order moves to 入金確認 by
    /// `actor` (or by the provider, if its report of the capture is recorded first), without a
    /// customer mail: the customer was told at checkout that the card is charged at shipping.
    pub(crate) async fn capture_held(
        &self,
        payment: Payment,
        actor: String,
    ) -> Result<Yen, CoreError> {
        let gateway = self.provider()?.clone();
        let payment_ref = payment
            .payment_ref
            .clone()
            .ok_or(CoreError::PaymentClosed)?;
        // One key per order: a retried or doubled capture is answered with the first result.
        let order = payment.order;
        let key = format!("akinai-capture-{}", order.0);
        let captured = match gateway.capture(&payment_ref, payment.amount, &key).await {
            Ok(c) => c,
            Err(refused @ GatewayError::Refused(_)) => {
                // Most likely the hold lapsed and its webhook was lost: learn where the payment
                // stands, so a lapsed hold cancels the order now rather than never.
                if let Err(e) = self.ask_provider(gateway.as_ref(), payment).await {
                    tracing::warn!(target: "akinai::payments", order_id = order.0, error = %e, "could not ask about a payment whose capture was refused");
                }
                return Err(refused.into());
            }
            Err(e) => return Err(e.into()),
        };
        let incoming = Incoming {
            report: Some(Report::Succeeded { amount: captured }),
            payment_ref: Some(payment_ref),
            actor: Some(actor),
            note: Some(format!(
                "{} のカード売上を確定({})",
                captured.display(),
                gateway.name()
            )),
            ..Incoming::default()
        };
        self.apply_incoming(payment, incoming).await?;
        tracing::info!(target: "akinai::payments", order_id = order.0, "held payment captured");
        Ok(captured)
    }

    /// The admin's 売上確定: captures the held payment of an order without shipping it (goods
    /// handed over in the shop, or a shop that prefers to take the money first). Refused while
    /// the order waits for review (CCSG-F-4: the money of a suspect order is not taken).
    pub async fn capture_payment(
        &self,
        by: &Authorized<ProcessOrders>,
        id: OrderId,
        client: &Client,
    ) -> Result<Yen, CoreError> {
        let s = by.principal();
        let order = self
            .order_store
            .order(id)
            .await?
            .ok_or(CoreError::NotFound)?;
        let payment = self
            .held_payment(id)
            .await?
            .filter(|_| order.status == OrderStatus::Placed)
            .ok_or(CoreError::PaymentClosed)?;
        if order.review_pending {
            return Err(CoreError::InvalidForm(vec![(
                "capture",
                "admin.capture_review_first",
            )]));
        }
        let reference = payment.payment_ref.clone();
        let captured = self.capture_held(payment, s.actor()).await?;
        self.audit
            .record(
                &s.audit_context(client),
                "payment.capture",
                &format!("order:{}", id.0),
                json!({
                    "amount": captured.0,
                    "provider": self.provider()?.name(),
                    "reference": reference,
                }),
            )
            .await?;
        Ok(captured)
    }

    /// Releases the hold of a cancelled order's payment before the order is cancelled. A hold
    /// already gone at the provider is fine; a provider that cannot be reached stops the
    /// cancellation (the shop tries again), so no hold is left behind by a cancelled order.
    pub(crate) async fn release_before_cancel(&self, payment: &Payment) -> Result<(), CoreError> {
        let (Some(payment_ref), Some(gateway)) = (&payment.payment_ref, &self.gateway) else {
            return Ok(());
        };
        match gateway.release_hold(payment_ref).await {
            Ok(()) | Err(GatewayError::Refused(_)) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// Releases a hold that arrived for an order already given up (the shopper finished paying
    /// as the shop cancelled). Logged when it fails: the hold then lapses by itself.
    pub(crate) async fn release_late_hold(&self, order: OrderId, payment_ref: Option<&String>) {
        let (Some(payment_ref), Some(gateway)) = (payment_ref, &self.gateway) else {
            return;
        };
        match gateway.release_hold(payment_ref).await {
            Ok(()) | Err(GatewayError::Refused(_)) => {
                tracing::info!(target: "akinai::payments", order_id = order.0, "late card hold released")
            }
            Err(e) => {
                tracing::warn!(target: "akinai::payments", order_id = order.0, error = %e, "could not release the card hold of a cancelled order; it lapses by itself")
            }
        }
    }
}
