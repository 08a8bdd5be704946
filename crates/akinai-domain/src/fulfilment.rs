//! Running an order through the shop (admin issue, item 6): which step the shop may take next,
//! the carrier and tracking number a shipment needs, and order notes, decided without IO.
//!
//! The state machine itself is [`crate::order`]; this module adds the shop's own rules on top:
//! an order flagged for review (address changed just before ordering, later the payment fraud
//! rules; CCSG-F-3c, CCSG-F-4) cannot ship until someone cleared the flag, and a shipment is
//! recorded with its carrier and tracking number so the customer's mail can name them.
//!
//! A card payment the shop captures at shipping (仮売上 → 実売上) leaves the order 新規受付 with
//! the money held on the card: such an order may ship from there, and the shipping step
//! captures the payment first (the core does the capture; this module only allows the step).

use serde::{Deserialize, Serialize};

use crate::order::{InvalidTransition, OrderEvent, OrderStatus, PaymentMethod};

/// The delivery companies a Japanese shop ships with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Carrier {
    Yamato,
    Sagawa,
    JapanPost,
    Seino,
    Fukuyama,
    Other,
}

impl Carrier {
    pub const ALL: [Carrier; 6] = [
        Carrier::Yamato,
        Carrier::Sagawa,
        Carrier::JapanPost,
        Carrier::Seino,
        Carrier::Fukuyama,
        Carrier::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Carrier::Yamato => "yamato",
            Carrier::Sagawa => "sagawa",
            Carrier::JapanPost => "japan_post",
            Carrier::Seino => "seino",
            Carrier::Fukuyama => "fukuyama",
            Carrier::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<Carrier> {
        Carrier::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// The name customers know.
    pub fn name_ja(self) -> &'static str {
        match self {
            Carrier::Yamato => "ヤマト運輸",
            Carrier::Sagawa => "佐川急便",
            Carrier::JapanPost => "日本郵便",
            Carrier::Seino => "西濃運輸",
            Carrier::Fukuyama => "福山通運",
            Carrier::Other => "その他",
        }
    }
}

/// A tracking number (問い合わせ番号): 8 to 20 ASCII letters and digits once hyphens and spaces
/// (as printed on slips) are removed; letters upper-cased (international numbers such as
/// `EJ123456789JP`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrackingNumber(String);

impl TrackingNumber {
    pub fn parse(input: &str) -> Option<TrackingNumber> {
        use unicode_normalization::UnicodeNormalization;
        let mut out = String::new();
        // NFKC turns full-width digits, letters and spaces typed with a Japanese IME into ASCII.
        for c in input.trim().nfkc() {
            match c {
                '-' | ' ' | 'ー' | '−' => {}
                c if c.is_ascii_alphanumeric() => out.push(c.to_ascii_uppercase()),
                _ => return None,
            }
        }
        (8..=20).contains(&out.len()).then_some(TrackingNumber(out))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// How an order left the shop.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shipment {
    pub carrier: Carrier,
    pub tracking_number: TrackingNumber,
}

/// Why the shop cannot take a step with an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum StepRefused {
    #[error(transparent)]
    Invalid(#[from] InvalidTransition),
    /// The order is flagged for review and nobody cleared it yet.
    #[error("the order must be reviewed before it ships")]
    AwaitingReview,
    /// Shipping needs the carrier and the tracking number.
    #[error("a shipment needs a carrier and a tracking number")]
    ShipmentMissing,
}

/// What the shop knows about an order when it decides the next step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrderState {
    pub status: OrderStatus,
    pub payment: PaymentMethod,
    /// Flagged and not yet cleared.
    pub review_pending: bool,
    /// The card issuer holds the payment for the shop to capture when it ships.
    pub payment_held: bool,
}

impl OrderState {
    /// The status after `event`, or why the shop may not take that step now.
    pub fn step(
        self,
        event: OrderEvent,
        shipment: Option<&Shipment>,
    ) -> Result<OrderStatus, StepRefused> {
        let next = self.by_hand(event)?;
        if event == OrderEvent::Ship {
            if self.review_pending {
                return Err(StepRefused::AwaitingReview);
            }
            if shipment.is_none() {
                return Err(StepRefused::ShipmentMissing);
            }
        }
        Ok(next)
    }

    /// The state machine's answer for a step an admin takes. The payment provider reports card
    /// and konbini payments, and their money goes back through it: nobody marks those paid or
    /// refunded by hand (the admin's refund form calls the provider).
    fn by_hand(self, event: OrderEvent) -> Result<OrderStatus, InvalidTransition> {
        let provider_money = matches!(event, OrderEvent::Pay | OrderEvent::Refund);
        if provider_money && self.payment.through_provider() {
            return Err(InvalidTransition {
                from: self.status,
                event,
            });
        }
        if self.payment_held && self.status == OrderStatus::Placed && event == OrderEvent::Ship {
            return Ok(OrderStatus::Shipped);
        }
        self.status.apply(event, self.payment)
    }

    /// The events the state machine allows now, in the order the admin shows them (the review
    /// flag still refuses shipping; the page says why).
    pub fn next_events(self) -> Vec<OrderEvent> {
        OrderEvent::ALL
            .into_iter()
            .filter(|e| self.by_hand(*e).is_ok())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shipment() -> Shipment {
        Shipment {
            carrier: Carrier::Yamato,
            tracking_number: TrackingNumber::parse("1234-5678-9012").unwrap(),
        }
    }

    #[test]
    fn card_and_konbini_orders_are_never_marked_paid_or_refunded_by_hand() {
        for payment in [PaymentMethod::Card, PaymentMethod::Konbini] {
            let order = OrderState {
                status: OrderStatus::Placed,
                payment,
                review_pending: false,
                payment_held: false,
            };
            assert!(order.step(OrderEvent::Pay, None).is_err());
            assert_eq!(order.next_events(), vec![OrderEvent::Cancel]);
            let paid = OrderState {
                status: OrderStatus::Paid,
                ..order
            };
            assert!(paid.step(OrderEvent::Refund, None).is_err());
            assert_eq!(paid.next_events(), vec![OrderEvent::Ship]);
        }
    }

    #[test]
    fn tracking_numbers_as_printed_or_typed_are_normalised() {
        assert_eq!(
            TrackingNumber::parse("1234-5678-9012").unwrap().as_str(),
            "123456789012"
        );
        assert_eq!(
            TrackingNumber::parse("ej123456789jp").unwrap().as_str(),
            "EJ123456789JP"
        );
        assert_eq!(
            TrackingNumber::parse("１２３４ ５６７８ ９０１２")
                .unwrap()
                .as_str(),
            "123456789012"
        );
        for bad in [
            "",
            "1234",
            "123456789012345678901",
            "1234<script>",
            "1234\n5678",
        ] {
            assert_eq!(TrackingNumber::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn ccsg_f_4_a_flagged_order_cannot_ship_until_cleared() {
        let flagged = OrderState {
            status: OrderStatus::Paid,
            payment: PaymentMethod::BankTransfer,
            review_pending: true,
            payment_held: false,
        };
        assert_eq!(
            flagged.step(OrderEvent::Ship, Some(&shipment())),
            Err(StepRefused::AwaitingReview)
        );
        // Refunding a flagged order stays possible: the review is about where goods go.
        assert_eq!(
            flagged.step(OrderEvent::Refund, None),
            Ok(OrderStatus::Refunded)
        );
        let cleared = OrderState {
            review_pending: false,
            ..flagged
        };
        assert_eq!(
            cleared.step(OrderEvent::Ship, Some(&shipment())),
            Ok(OrderStatus::Shipped)
        );
    }

    #[test]
    fn shipping_needs_a_shipment_and_the_state_machine_still_rules() {
        let paid = OrderState {
            status: OrderStatus::Paid,
            payment: PaymentMethod::BankTransfer,
            review_pending: false,
            payment_held: false,
        };
        assert_eq!(
            paid.step(OrderEvent::Ship, None),
            Err(StepRefused::ShipmentMissing)
        );
        let placed = OrderState {
            status: OrderStatus::Placed,
            ..paid
        };
        assert!(matches!(
            placed.step(OrderEvent::Ship, Some(&shipment())),
            Err(StepRefused::Invalid(_))
        ));
        assert_eq!(
            placed.next_events(),
            vec![OrderEvent::Pay, OrderEvent::Cancel]
        );
        let cod = OrderState {
            payment: PaymentMethod::CashOnDelivery,
            ..placed
        };
        assert_eq!(
            cod.next_events(),
            vec![OrderEvent::Ship, OrderEvent::Cancel]
        );
    }

    #[test]
    fn an_order_whose_card_payment_is_held_ships_unpaid_but_never_when_flagged() {
        let held = OrderState {
            status: OrderStatus::Placed,
            payment: PaymentMethod::Card,
            review_pending: false,
            payment_held: true,
        };
        assert_eq!(
            held.next_events(),
            vec![OrderEvent::Ship, OrderEvent::Cancel]
        );
        assert_eq!(
            held.step(OrderEvent::Ship, Some(&shipment())),
            Ok(OrderStatus::Shipped)
        );
        assert_eq!(
            held.step(OrderEvent::Ship, None),
            Err(StepRefused::ShipmentMissing)
        );
        assert!(
            held.step(OrderEvent::Pay, None).is_err(),
            "only a capture pays it"
        );
        let flagged = OrderState {
            review_pending: true,
            ..held
        };
        assert_eq!(
            flagged.step(OrderEvent::Ship, Some(&shipment())),
            Err(StepRefused::AwaitingReview)
        );
        let not_held = OrderState {
            payment_held: false,
            ..held
        };
        assert!(not_held.step(OrderEvent::Ship, Some(&shipment())).is_err());
    }
}
