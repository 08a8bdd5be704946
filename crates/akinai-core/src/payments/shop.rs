//! Payments the shop confirms itself (payments issue, item 1: bank transfer and cash on delivery
//! behind the same abstraction). Their payment row is created with the order (provider
//! [`SHOP_PROVIDER`]) and moves by the same lattice as a provider's payment
//! (`akinai_domain::payment::apply`): the shop's order step is the report — 入金確認 pays a bank
//! transfer, 配達完了 pays cash on delivery, キャンセル fails it, 返金 records the refund — and the
//! change is written in the same transaction as the step, so the order and its payment never
//! disagree.

use crate::Payments;
use akinai_domain::order::OrderEvent;
use akinai_domain::payment::{apply, shop_report};
use akinai_store::payments::{PaymentChange, SHOP_PROVIDER};
use akinai_store::Order;

use crate::CoreError;

impl Payments {
    /// How the shop's step `event` changes the order's own payment, if it does.
    pub(crate) async fn shop_payment_change(
        &self,
        order: &Order,
        event: OrderEvent,
    ) -> Result<Option<PaymentChange>, CoreError> {
        let Some(report) = shop_report(event, order.payment_method, order.totals.grand_total)
        else {
            return Ok(None);
        };
        let Some(payment) = self
            .payment_store
            .payment_of_order(order.id)
            .await?
            .filter(|p| p.provider == SHOP_PROVIDER)
        else {
            return Ok(None);
        };
        let applied = apply(payment.status, payment.refunded, payment.amount, &report);
        Ok(
            (applied.status != payment.status || applied.refunded != payment.refunded).then_some(
                PaymentChange {
                    payment: payment.id,
                    status: applied.status,
                    refunded: applied.refunded,
                },
            ),
        )
    }
}
