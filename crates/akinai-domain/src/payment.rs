//! Payments through a payment service provider (payments issue, items 1 and 2), decided
//! without IO.
//!
//! akinai never sees card data (CCSG-P-1): the shopper pays on the provider's page and the
//! provider tells akinai what happened, by webhook or when akinai asks. Those reports arrive late,
//! twice, or out of order, so the rule here is a small lattice rather than a chain of steps:
//!
//! ```text
//!  open ──completed (unpaid: konbini)──▶ awaiting ──succeeded──▶ succeeded
//!    │ │                                     │                    ▲  ▲
//!    │ └──authorized (card, capture later)──▶ authorized ─captured┘  │
//!    │ └────────completed (paid) / succeeded─────────────────────────┘
//!    └──expired / failed──▶ failed          (refunds add up on succeeded)
//! ```
//! An *authorized* card payment (仮売上) holds the money on the card until the shop captures it
//! when it ships (実売上, see `crate::fulfilment`); if the hold lapses or is released the payment
//! fails like an expired one. A hold that arrives after the payment was given up is released.
//! A report that would move a payment backwards (a late "completed, unpaid" after "succeeded")
//! changes nothing. A success after the payment was given up (the shopper paid at the last
//! second, the order was already released) is recorded, because the money was taken, and the
//! order is flagged for the shop to decide. The amount the provider reports must equal the
//! amount frozen when the payment was created; otherwise the order is flagged and not marked
//! paid (CCSG-F-4).

use serde::{Deserialize, Serialize};

use crate::order::{OrderEvent, PaymentMethod};
use crate::Yen;

/// Where a payment stands at the provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentStatus {
    /// Created; the shopper has not finished on the provider's page.
    Open,
    /// The shopper finished but pays later (konbini): instructions issued, money not yet in.
    Awaiting,
    /// The card issuer holds the money (仮売上) until the shop captures it at shipping.
    Authorized,
    /// The money was taken.
    Succeeded,
    /// Expired, cancelled or failed without money taken.
    Failed,
}

impl PaymentStatus {
    pub const ALL: [PaymentStatus; 5] = [
        PaymentStatus::Open,
        PaymentStatus::Awaiting,
        PaymentStatus::Authorized,
        PaymentStatus::Succeeded,
        PaymentStatus::Failed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PaymentStatus::Open => "open",
            PaymentStatus::Awaiting => "awaiting",
            PaymentStatus::Authorized => "authorized",
            PaymentStatus::Succeeded => "succeeded",
            PaymentStatus::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<PaymentStatus> {
        PaymentStatus::ALL.into_iter().find(|p| p.as_str() == s)
    }

    /// Still waiting for the provider's word (the reconciliation job asks about these). An
    /// authorized payment waits for the shop, not the provider: a lapsed hold is reported by
    /// webhook, and asking about every hold each few minutes for a week would be waste.
    pub fn is_pending(self) -> bool {
        matches!(self, PaymentStatus::Open | PaymentStatus::Awaiting)
    }
}

/// What the provider reported, in akinai's terms (each adapter maps its own events to these).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Report {
    /// The shopper finished on the provider's page; `paid` when the money was taken then (card),
    /// not when it is to be paid later (konbini).
    Completed { paid: bool, amount: Yen },
    /// The card issuer holds `amount` for the shop to capture later (manual capture).
    Authorized { amount: Yen },
    /// A later payment (konbini) arrived, or a held one was captured.
    Succeeded { amount: Yen },
    /// The payment expired or failed for good (konbini deadline passed, session expired).
    Failed,
    /// An attempt was declined; the shopper may try again on the same page (card testing
    /// defence counts these).
    Declined,
    /// The provider's running total of refunds.
    Refunded { total: Yen },
}

/// What a report means for the order behind the payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrderEffect {
    /// Nothing for the order.
    None,
    /// The money is in: 入金確認 by the provider.
    MarkPaid,
    /// The payment failed for good: cancel the unpaid order and put its stock back.
    CancelUnpaid,
    /// Hold the order for the shop's review, with the reason.
    Flag(&'static str),
    /// The card holds money for an order that was given up: release the hold at the provider.
    Release,
}

/// The outcome of applying a report: the payment's new status and refunded total, and what to
/// do with the order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    pub status: PaymentStatus,
    pub refunded: Yen,
    pub effect: OrderEffect,
}

/// Review reasons a payment can put on an order.
pub const FLAG_AMOUNT_MISMATCH: &str = "payment_amount_mismatch";
pub const FLAG_PAID_AFTER_FAILURE: &str = "payment_after_failure";

/// The report a shop's own order step makes about a payment the shop confirms itself (bank
/// transfer: its 入金確認; cash on delivery: the carrier collects at delivery), so that these
/// payments follow the same rules as the provider's. `None` for steps that say nothing about
/// the money (shipping) and for provider methods (the provider reports those).
pub fn shop_report(event: OrderEvent, method: PaymentMethod, amount: Yen) -> Option<Report> {
    if method.through_provider() {
        return None;
    }
    match (event, method) {
        (OrderEvent::Pay, PaymentMethod::BankTransfer)
        | (OrderEvent::Deliver, PaymentMethod::CashOnDelivery) => {
            Some(Report::Succeeded { amount })
        }
        (OrderEvent::Cancel, _) => Some(Report::Failed),
        (OrderEvent::Refund, _) => Some(Report::Refunded { total: amount }),
        _ => None,
    }
}

/// Applies `report` to a payment that is `status` with `refunded` refunded so far, for an order
/// whose payment was frozen at `expected`.
pub fn apply(status: PaymentStatus, refunded: Yen, expected: Yen, report: &Report) -> Applied {
    use PaymentStatus::*;
    let same = |effect| Applied {
        status,
        refunded,
        effect,
    };
    let paid = |amount: Yen| {
        let effect = if amount != expected {
            OrderEffect::Flag(FLAG_AMOUNT_MISMATCH)
        } else if status == Failed {
            OrderEffect::Flag(FLAG_PAID_AFTER_FAILURE)
        } else {
            OrderEffect::MarkPaid
        };
        Applied {
            status: Succeeded,
            refunded,
            effect,
        }
    };
    match (status, report) {
        // Success is final; only refunds move it.
        (Succeeded, Report::Refunded { total }) => Applied {
            status,
            refunded: if total.0 > refunded.0 {
                *total
            } else {
                refunded
            },
            effect: OrderEffect::None,
        },
        (Succeeded, _) => same(OrderEffect::None),
        (_, Report::Completed { paid: true, amount }) | (_, Report::Succeeded { amount }) => {
            paid(*amount)
        }
        (Open | Awaiting, Report::Authorized { amount }) => Applied {
            status: Authorized,
            refunded,
            effect: if *amount != expected {
                OrderEffect::Flag(FLAG_AMOUNT_MISMATCH)
            } else {
                OrderEffect::None
            },
        },
        (Failed, Report::Authorized { .. }) => same(OrderEffect::Release),
        (Open, Report::Completed { paid: false, .. }) => Applied {
            status: Awaiting,
            refunded,
            effect: OrderEffect::None,
        },
        (Open | Awaiting | Authorized, Report::Failed) => Applied {
            status: Failed,
            refunded,
            effect: OrderEffect::CancelUnpaid,
        },
        // Late or repeated news about a payment that is already further along, declined attempts
        // (the page stays open) and refunds of money never taken change nothing.
        _ => same(OrderEffect::None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use PaymentStatus::*;

    const PRICE: Yen = Yen(5_500);

    fn run(reports: &[Report]) -> (PaymentStatus, Yen, Vec<OrderEffect>) {
        let (mut status, mut refunded, mut effects) = (Open, Yen::ZERO, Vec::new());
        for r in reports {
            let a = apply(status, refunded, PRICE, r);
            status = a.status;
            refunded = a.refunded;
            effects.push(a.effect);
        }
        (status, refunded, effects)
    }

    #[test]
    fn a_card_payment_succeeds_once_whatever_arrives_twice() {
        let done = Report::Completed {
            paid: true,
            amount: PRICE,
        };
        let (status, _, effects) = run(&[Report::Declined, done.clone(), done]);
        assert_eq!(status, Succeeded);
        assert_eq!(
            effects,
            vec![OrderEffect::None, OrderEffect::MarkPaid, OrderEffect::None]
        );
    }

    #[test]
    fn konbini_waits_then_succeeds_or_expires_and_late_news_is_ignored() {
        let issued = Report::Completed {
            paid: false,
            amount: PRICE,
        };
        let paid = Report::Succeeded { amount: PRICE };
        // In order, and with the "issued" report arriving after the payment.
        assert_eq!(run(&[issued.clone(), paid.clone()]).0, Succeeded);
        let (status, _, effects) = run(&[paid, issued.clone()]);
        assert_eq!(
            (status, effects),
            (Succeeded, vec![OrderEffect::MarkPaid, OrderEffect::None])
        );
        let (status, _, effects) = run(&[issued, Report::Failed, Report::Failed]);
        assert_eq!(status, Failed);
        assert_eq!(effects[1], OrderEffect::CancelUnpaid);
        assert_eq!(effects[2], OrderEffect::None, "cancelled once");
    }

    #[test]
    fn ccsg_f_4_a_different_amount_flags_the_order_instead_of_marking_it_paid() {
        let (status, _, effects) = run(&[Report::Completed {
            paid: true,
            amount: Yen(550),
        }]);
        assert_eq!(status, Succeeded, "the money was taken: recorded");
        assert_eq!(effects, vec![OrderEffect::Flag(FLAG_AMOUNT_MISMATCH)]);
    }

    #[test]
    fn money_taken_after_the_payment_failed_is_flagged_for_the_shop() {
        let (status, _, effects) = run(&[Report::Failed, Report::Succeeded { amount: PRICE }]);
        assert_eq!(status, Succeeded);
        assert_eq!(effects[1], OrderEffect::Flag(FLAG_PAID_AFTER_FAILURE));
    }

    #[test]
    fn refunds_keep_the_highest_total_reported() {
        let (_, refunded, _) = run(&[
            Report::Succeeded { amount: PRICE },
            Report::Refunded { total: Yen(3_000) },
            Report::Refunded { total: Yen(1_000) },
        ]);
        assert_eq!(
            refunded,
            Yen(3_000),
            "an older total arriving late is ignored"
        );
        let (_, refunded, _) = run(&[Report::Refunded { total: Yen(1_000) }]);
        assert_eq!(refunded, Yen::ZERO, "nothing to refund before a payment");
    }

    #[test]
    fn a_held_card_payment_is_captured_once_or_lapses_and_cancels() {
        let held = Report::Authorized { amount: PRICE };
        let captured = Report::Succeeded { amount: PRICE };
        // The session's completion and the hold arrive in either order, then the capture.
        let done = Report::Completed {
            paid: false,
            amount: PRICE,
        };
        let (status, _, effects) = run(&[done.clone(), held.clone(), captured.clone()]);
        assert_eq!(status, Succeeded);
        assert_eq!(
            effects,
            vec![OrderEffect::None, OrderEffect::None, OrderEffect::MarkPaid]
        );
        let (status, _, _) = run(&[held.clone(), done, held.clone()]);
        assert_eq!(
            status, Authorized,
            "a late completion does not undo the hold"
        );
        let (status, _, effects) = run(&[held.clone(), captured, held.clone()]);
        assert_eq!((status, effects[2].clone()), (Succeeded, OrderEffect::None));
        // The hold lapses (or is released) before the shop captured it.
        let (status, _, effects) = run(&[held.clone(), Report::Failed]);
        assert_eq!(
            (status, effects[1].clone()),
            (Failed, OrderEffect::CancelUnpaid)
        );
        // No refund of money never taken.
        let (_, refunded, _) = run(&[held, Report::Refunded { total: PRICE }]);
        assert_eq!(refunded, Yen::ZERO);
    }

    #[test]
    fn ccsg_f_4_a_hold_for_a_different_amount_flags_and_a_late_hold_is_released() {
        let (status, _, effects) = run(&[Report::Authorized { amount: Yen(550) }]);
        assert_eq!(status, Authorized);
        assert_eq!(effects, vec![OrderEffect::Flag(FLAG_AMOUNT_MISMATCH)]);
        let (status, _, effects) = run(&[Report::Failed, Report::Authorized { amount: PRICE }]);
        assert_eq!(status, Failed, "the order was given up");
        assert_eq!(effects[1], OrderEffect::Release);
    }

    #[test]
    fn the_shops_own_steps_report_bank_transfer_and_cash_on_delivery_payments() {
        use OrderEvent as E;
        use PaymentMethod as M;
        let steps = |method, events: &[OrderEvent]| {
            let reports: Vec<Report> = events
                .iter()
                .filter_map(|e| shop_report(*e, method, PRICE))
                .collect();
            run(&reports)
        };
        let (status, refunded, _) = steps(M::BankTransfer, &[E::Pay, E::Ship, E::Refund]);
        assert_eq!((status, refunded), (Succeeded, PRICE));
        let (status, refunded, _) = steps(M::CashOnDelivery, &[E::Ship, E::Deliver]);
        assert_eq!((status, refunded), (Succeeded, Yen::ZERO));
        assert_eq!(
            steps(M::CashOnDelivery, &[E::Ship]).0,
            Open,
            "not paid until delivered"
        );
        assert_eq!(steps(M::BankTransfer, &[E::Cancel]).0, Failed);
        for e in OrderEvent::ALL {
            assert_eq!(
                shop_report(e, M::Card, PRICE),
                None,
                "the provider reports cards"
            );
        }
    }

    #[test]
    fn statuses_round_trip_through_their_names() {
        for s in PaymentStatus::ALL {
            assert_eq!(PaymentStatus::parse(s.as_str()), Some(s));
        }
    }
}
