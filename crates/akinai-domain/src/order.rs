//! The order state machine.
//!
//! ```text
//!  placed ──pay──▶ paid ──ship──▶ shipped ──deliver──▶ delivered
//!    │  └───ship (cash on delivery, invoice)───▶ ▲
//!    └─cancel─▶ cancelled          paid | shipped | delivered ──refund──▶ refunded
//! ```
//! Cash-on-delivery orders are paid to the carrier, and invoice orders (請求書払い) on the
//! company's monthly statement, so both ship from `placed` and their refund is possible only
//! once delivered. Cancelled and refunded are final.

use serde::{Deserialize, Serialize};

/// How the shopper pays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentMethod {
    /// 銀行振込: paid in advance to the shop's bank account.
    BankTransfer,
    /// 代金引換: paid to the carrier on delivery, with a fee.
    CashOnDelivery,
    /// クレジットカード: typed only on the payment provider's page, with 3-D Secure; akinai
    /// never sees the card (CCSG-P-1, CCSG-F-1).
    Card,
    /// コンビニ払い: the provider issues a payment number; the shopper pays at a store before
    /// the deadline.
    Konbini,
    /// 請求書払い (掛け払い): an approved business customer's order, shipped before payment and
    /// paid on the company's monthly statement (ADR 050). Offered only to buyers of a company
    /// with a credit limit, never shop-wide.
    Invoice,
}

impl PaymentMethod {
    pub const ALL: [PaymentMethod; 5] = [
        PaymentMethod::BankTransfer,
        PaymentMethod::CashOnDelivery,
        PaymentMethod::Card,
        PaymentMethod::Konbini,
        PaymentMethod::Invoice,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PaymentMethod::BankTransfer => "bank_transfer",
            PaymentMethod::CashOnDelivery => "cash_on_delivery",
            PaymentMethod::Card => "card",
            PaymentMethod::Konbini => "konbini",
            PaymentMethod::Invoice => "invoice",
        }
    }

    /// A method the shop may offer to every shopper (its settings); invoice payment is agreed
    /// per company instead.
    pub fn shop_wide(self) -> bool {
        self != PaymentMethod::Invoice
    }

    /// Shipped before the money is in: paid to the carrier on delivery, or on the monthly
    /// statement.
    pub fn ships_before_payment(self) -> bool {
        matches!(self, PaymentMethod::CashOnDelivery | PaymentMethod::Invoice)
    }

    /// Paid per order with a payment record the shop confirms itself (bank transfer, cash on
    /// delivery); invoice orders are paid per statement, provider methods by the provider.
    pub fn shop_confirms(self) -> bool {
        matches!(
            self,
            PaymentMethod::BankTransfer | PaymentMethod::CashOnDelivery
        )
    }

    /// Paid through the payment provider, which reports the payment; the shop never marks
    /// these paid by hand.
    pub fn through_provider(self) -> bool {
        matches!(self, PaymentMethod::Card | PaymentMethod::Konbini)
    }

    pub fn parse(s: &str) -> Option<PaymentMethod> {
        PaymentMethod::ALL.into_iter().find(|m| m.as_str() == s)
    }
}

/// Where an order stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    Placed,
    Paid,
    Shipped,
    Delivered,
    Cancelled,
    Refunded,
}

impl OrderStatus {
    /// The back office's word for the status.
    pub fn label_ja(self) -> &'static str {
        match self {
            OrderStatus::Placed => "受付(入金待ち)",
            OrderStatus::Paid => "入金済み",
            OrderStatus::Shipped => "発送済み",
            OrderStatus::Delivered => "配達完了",
            OrderStatus::Cancelled => "キャンセル",
            OrderStatus::Refunded => "返金済み",
        }
    }
}

/// Something that happens to an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum OrderEvent {
    /// 入金確認.
    Pay,
    /// 発送.
    Ship,
    /// 配達完了.
    Deliver,
    Cancel,
    Refund,
}

/// The event is not allowed in the order's current state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{event:?} is not allowed for an order that is {from:?}")]
pub struct InvalidTransition {
    pub from: OrderStatus,
    pub event: OrderEvent,
}

impl OrderEvent {
    pub const ALL: [OrderEvent; 5] = [
        OrderEvent::Pay,
        OrderEvent::Ship,
        OrderEvent::Deliver,
        OrderEvent::Cancel,
        OrderEvent::Refund,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OrderEvent::Pay => "pay",
            OrderEvent::Ship => "ship",
            OrderEvent::Deliver => "deliver",
            OrderEvent::Cancel => "cancel",
            OrderEvent::Refund => "refund",
        }
    }

    pub fn parse(s: &str) -> Option<OrderEvent> {
        OrderEvent::ALL.into_iter().find(|e| e.as_str() == s)
    }
}

impl OrderStatus {
    pub const ALL: [OrderStatus; 6] = [
        OrderStatus::Placed,
        OrderStatus::Paid,
        OrderStatus::Shipped,
        OrderStatus::Delivered,
        OrderStatus::Cancelled,
        OrderStatus::Refunded,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::Placed => "placed",
            OrderStatus::Paid => "paid",
            OrderStatus::Shipped => "shipped",
            OrderStatus::Delivered => "delivered",
            OrderStatus::Cancelled => "cancelled",
            OrderStatus::Refunded => "refunded",
        }
    }

    pub fn parse(s: &str) -> Option<OrderStatus> {
        OrderStatus::ALL.into_iter().find(|st| st.as_str() == s)
    }

    pub fn is_final(self) -> bool {
        matches!(self, OrderStatus::Cancelled | OrderStatus::Refunded)
    }

    /// The state after `event`, or why it is not allowed.
    pub fn apply(
        self,
        event: OrderEvent,
        payment: PaymentMethod,
    ) -> Result<OrderStatus, InvalidTransition> {
        use OrderEvent as E;
        use OrderStatus as S;
        let cod = payment.ships_before_payment();
        let next = match (self, event) {
            (S::Placed, E::Pay) if !cod => Some(S::Paid),
            (S::Placed, E::Ship) if cod => Some(S::Shipped),
            (S::Paid, E::Ship) => Some(S::Shipped),
            (S::Shipped, E::Deliver) => Some(S::Delivered),
            (S::Placed, E::Cancel) => Some(S::Cancelled),
            (S::Paid | S::Shipped, E::Refund) if !cod => Some(S::Refunded),
            (S::Delivered, E::Refund) => Some(S::Refunded),
            _ => None,
        };
        next.ok_or(InvalidTransition { from: self, event })
    }

    /// Whether stock reserved by the order goes back on sale after this transition.
    pub fn releases_stock(self) -> bool {
        self == OrderStatus::Cancelled
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const EVENTS: [OrderEvent; 5] = [
        OrderEvent::Pay,
        OrderEvent::Ship,
        OrderEvent::Deliver,
        OrderEvent::Cancel,
        OrderEvent::Refund,
    ];

    #[test]
    fn bank_transfer_happy_path() {
        let p = PaymentMethod::BankTransfer;
        let s = OrderStatus::Placed;
        let s = s.apply(OrderEvent::Pay, p).unwrap();
        let s = s.apply(OrderEvent::Ship, p).unwrap();
        let s = s.apply(OrderEvent::Deliver, p).unwrap();
        assert_eq!(s, OrderStatus::Delivered);
        assert_eq!(s.apply(OrderEvent::Refund, p), Ok(OrderStatus::Refunded));
    }

    #[test]
    fn unpaid_bank_transfer_cannot_ship() {
        let err = OrderStatus::Placed
            .apply(OrderEvent::Ship, PaymentMethod::BankTransfer)
            .unwrap_err();
        assert_eq!(err.from, OrderStatus::Placed);
    }

    #[test]
    fn invoice_orders_ship_unpaid_and_are_never_marked_paid_per_order() {
        let p = PaymentMethod::Invoice;
        assert!(OrderStatus::Placed.apply(OrderEvent::Pay, p).is_err());
        let shipped = OrderStatus::Placed.apply(OrderEvent::Ship, p).unwrap();
        assert!(shipped.apply(OrderEvent::Refund, p).is_err());
        assert_eq!(
            shipped.apply(OrderEvent::Deliver, p),
            Ok(OrderStatus::Delivered)
        );
        assert!(!p.shop_wide() && !p.shop_confirms() && !p.through_provider());
        assert_eq!(PaymentMethod::parse("invoice"), Some(p));
    }

    #[test]
    fn cash_on_delivery_ships_unpaid_and_refunds_only_after_delivery() {
        let p = PaymentMethod::CashOnDelivery;
        assert!(OrderStatus::Placed.apply(OrderEvent::Pay, p).is_err());
        let shipped = OrderStatus::Placed.apply(OrderEvent::Ship, p).unwrap();
        assert!(shipped.apply(OrderEvent::Refund, p).is_err());
        let delivered = shipped.apply(OrderEvent::Deliver, p).unwrap();
        assert_eq!(
            delivered.apply(OrderEvent::Refund, p),
            Ok(OrderStatus::Refunded)
        );
    }

    #[test]
    fn paid_orders_are_refunded_not_cancelled() {
        let p = PaymentMethod::BankTransfer;
        assert!(OrderStatus::Paid.apply(OrderEvent::Cancel, p).is_err());
        assert_eq!(
            OrderStatus::Paid.apply(OrderEvent::Refund, p),
            Ok(OrderStatus::Refunded)
        );
    }

    #[test]
    fn statuses_round_trip_through_their_names() {
        for s in OrderStatus::ALL {
            assert_eq!(OrderStatus::parse(s.as_str()), Some(s));
        }
    }

    fn event() -> impl Strategy<Value = OrderEvent> {
        prop::sample::select(EVENTS.to_vec())
    }

    fn payment() -> impl Strategy<Value = PaymentMethod> {
        prop::sample::select(PaymentMethod::ALL.to_vec())
    }

    proptest! {
        /// Whatever happens to an order, final states stay final, delivery always follows
        /// shipping, and shipping a prepaid order always follows payment.
        #[test]
        fn any_event_sequence_respects_the_invariants(p in payment(), events in prop::collection::vec(event(), 0..30)) {
            let mut state = OrderStatus::Placed;
            let mut history = vec![state];
            for e in events {
                match state.apply(e, p) {
                    Ok(next) => {
                        prop_assert!(!state.is_final(), "left final state {state:?}");
                        state = next;
                        history.push(state);
                    }
                    Err(err) => prop_assert_eq!(err.from, state),
                }
            }
            let pos = |s: OrderStatus| history.iter().position(|h| *h == s);
            if let Some(d) = pos(OrderStatus::Delivered) {
                prop_assert!(pos(OrderStatus::Shipped).is_some_and(|s| s < d));
            }
            if p == PaymentMethod::BankTransfer {
                if let Some(s) = pos(OrderStatus::Shipped) {
                    prop_assert!(pos(OrderStatus::Paid).is_some_and(|paid| paid < s));
                }
            }
            if pos(OrderStatus::Cancelled).is_some() {
                prop_assert!(pos(OrderStatus::Paid).is_none() && pos(OrderStatus::Shipped).is_none());
            }
        }

        #[test]
        fn final_states_accept_nothing(e in event(), p in payment()) {
            prop_assert!(OrderStatus::Cancelled.apply(e, p).is_err());
            prop_assert!(OrderStatus::Refunded.apply(e, p).is_err());
        }
    }
}
