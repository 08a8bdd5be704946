//! Money back through the provider (payments issue, items 7 and 8): an owner's or manager's
//! refund from the order page (full or partial, after password and code, audited) or an API
//! token's with the `orders:refund` scope (issue 20, ADR 039), and the
//! release of an unpaid payment when the shop cancels the order (the provider's page is closed,
//! so the shopper can no longer pay; money that still arrives is flagged for the shop; a card
//! hold is released).

use crate::Payments;
use akinai_store::fulfilment::OrderStep;
use serde_json::json;

use akinai_domain::admin::CancelOrders;
use akinai_domain::catalog::parse_whole;
use akinai_domain::ids::OrderId;
use akinai_domain::order::OrderStatus;
use akinai_domain::payment::{PaymentStatus, Report};
use akinai_domain::Yen;

use super::{GatewayError, Incoming};
use crate::accounts::Client;
use crate::admin::{Authorized, Principal, Reauth};
use crate::CoreError;

/// A refund checked and ready to be sent to the provider.
struct PlannedRefund {
    order: akinai_store::Order,
    payment: super::Payment,
    gateway: std::sync::Arc<dyn super::PaymentGateway>,
    amount: i64,
}

impl Payments {
    /// Refunds `amount_input` yen of the order's provider payment (everything not yet refunded
    /// when blank), for an owner or manager in the back office after password and code. A
    /// refund that completes the payment's refunds moves the order to 返金済み and mails the
    /// customer; a partial one is noted in the order's history. Returns the amount refunded.
    pub async fn refund_through_provider(
        &self,
        by: &Authorized<CancelOrders>,
        id: OrderId,
        amount_input: &str,
        r: &Reauth,
        client: &Client,
    ) -> Result<Yen, CoreError> {
        let s = by.admin()?;
        let plan = self.plan_refund(id, amount_input).await?;
        self.admin_accounts.reauthenticate_admin(s, r).await?;
        self.send_refund(by.principal(), plan, client).await
    }

    /// The same refund for an API token (ADR 039): `orders:write` gives the capability, and
    /// the token must hold `orders:refund` as well — a scope an owner grants on purpose, in
    /// place of the password and code a person re-enters.
    pub async fn refund_by_token(
        &self,
        by: &Authorized<CancelOrders>,
        id: OrderId,
        amount_input: &str,
        client: &Client,
    ) -> Result<Yen, CoreError> {
        let refund = akinai_domain::api::Scope::OrdersRefund;
        match by.principal() {
            Principal::Token(t) if t.scopes.allows(refund) => {}
            _ => return Err(CoreError::Forbidden(refund.as_str())),
        }
        let plan = self.plan_refund(id, amount_input).await?;
        self.send_refund(by.principal(), plan, client).await
    }

    /// Checks a refund: the order's provider payment has succeeded and the amount is 1 yen up
    /// to what is left to refund.
    async fn plan_refund(
        &self,
        id: OrderId,
        amount_input: &str,
    ) -> Result<PlannedRefund, CoreError> {
        let gateway = self.provider()?.clone();
        let order = self
            .order_store
            .order(id)
            .await?
            .ok_or(CoreError::NotFound)?;
        let payment = self
            .payment_store
            .payment_of_order(id)
            .await?
            .filter(|p| p.status == PaymentStatus::Succeeded && p.provider == gateway.name())
            .ok_or(CoreError::InvalidForm(vec![(
                "amount",
                "admin.refund_not_paid",
            )]))?;
        let left = payment.amount.0 - payment.refunded.0;
        let amount = match amount_input.trim() {
            "" => Some(left),
            typed => parse_whole(typed, 1..=left.max(1)).filter(|a| *a <= left),
        }
        .filter(|a| *a > 0)
        .ok_or(CoreError::InvalidForm(vec![("amount", "error.invalid")]))?;
        Ok(PlannedRefund {
            order,
            payment,
            gateway,
            amount,
        })
    }

    async fn send_refund(
        &self,
        who: &Principal,
        plan: PlannedRefund,
        client: &Client,
    ) -> Result<Yen, CoreError> {
        let PlannedRefund {
            order,
            payment,
            gateway,
            amount,
        } = plan;
        let id = order.id;
        let payment_ref = payment
            .payment_ref
            .clone()
            .ok_or(CoreError::PaymentClosed)?;
        // The same request again (a double click, a retry) carries the same key, so the
        // provider refunds once.
        let key = format!("akinai-refund-{}-{}-{amount}", id.0, payment.refunded.0);
        let refunded = gateway.refund(&payment_ref, Yen(amount), &key).await?;
        let total = Yen(payment.refunded.0 + refunded.0);
        let full = total == payment.amount;
        let actor = who.actor();
        let now = self.base.clock.now();
        let refundable = matches!(
            order.status,
            OrderStatus::Paid | OrderStatus::Shipped | OrderStatus::Delivered
        );
        let step = (full && refundable).then(|| {
            let mut step = OrderStep::status_change(
                id,
                order.status,
                OrderStatus::Refunded,
                now,
                actor.clone(),
            );
            step.note = Some(format!("{} を返金({})", refunded.display(), gateway.name()));
            step
        });
        if step.is_none() {
            let note = format!(
                "{} を返金({}、返金合計 {})",
                refunded.display(),
                gateway.name(),
                total.display()
            );
            self.fulfilment_store
                .add_order_note(id, now, &actor, &note)
                .await?;
        }
        let incoming = Incoming {
            report: Some(Report::Refunded { total }),
            step,
            ..Incoming::default()
        };
        self.apply_incoming(payment, incoming).await?;
        self.audit
            .record(
                &who.audit_context(client),
                "payment.refund",
                &format!("order:{}", id.0),
                json!({
                    "amount": refunded.0,
                    "refunded_total": total.0,
                    "full": full,
                    "provider": gateway.name(),
                    "reference": payment_ref,
                }),
            )
            .await?;
        Ok(refunded)
    }

    /// Cancels an unpaid provider order for the shop: releases a card hold first, marks the
    /// payment failed, which cancels the order (stock back, customer mailed) in one step by
    /// `actor`, then closes the provider's page. `Ok(false)` when the order has no provider payment (the caller cancels it the
    /// usual way).
    pub(crate) async fn cancel_provider_payment(
        &self,
        id: OrderId,
        actor: String,
        note: Option<String>,
    ) -> Result<bool, CoreError> {
        let Some(payment) = self.payment_store.payment_of_order(id).await? else {
            return Ok(false);
        };
        let held = payment.status == PaymentStatus::Authorized;
        if !payment.status.is_pending() && !held {
            return Ok(false);
        }
        if held {
            self.release_before_cancel(&payment).await?;
        }
        let open_session = payment
            .session_ref
            .clone()
            .filter(|_| payment.status == PaymentStatus::Open);
        let incoming = Incoming {
            report: Some(Report::Failed),
            actor: Some(actor),
            note,
            ..Incoming::default()
        };
        self.apply_incoming(payment, incoming).await?;
        // Then the provider's page is closed. If that fails, the page closes by itself when the
        // session expires, and money paid meanwhile is flagged (paid after failure) for the shop.
        if let (Some(session), Some(gateway)) = (open_session, &self.gateway) {
            match gateway.expire_session(&session).await {
                Ok(()) | Err(GatewayError::Refused(_)) => {}
                Err(e) => {
                    tracing::warn!(target: "akinai::payments", order_id = id.0, error = %e, "could not close the provider's page of a cancelled order")
                }
            }
        }
        Ok(true)
    }
}
