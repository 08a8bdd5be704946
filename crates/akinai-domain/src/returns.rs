//! The return invoice (適格返還請求書, JP-INV-3): what a refund gives back, per tax rate, with the
//! tax in each rate computed once. akinai refunds amounts, not lines, so a partial refund is
//! spread over the order's rates in proportion to each rate's share of the order (the larger
//! rate takes the remainder of the division); a full refund is exactly the order's rates. A
//! return invoice is required from ¥10,000 (tax included); below that it may still be issued.

use crate::documents::{DocumentContent, DocumentKind, RateLine};
use crate::tax::{tax_included_in, RoundingMode};
use crate::Yen;

/// From this refund (tax included) a return invoice is required (JP-INV-3).
pub const RETURN_INVOICE_FROM: Yen = Yen(10_000);

/// Whether a refund of `amount` needs a return invoice.
pub fn return_invoice_required(amount: Yen) -> bool {
    amount.0 >= RETURN_INVOICE_FROM.0
}

/// `refunded` spread over the order's `rates` (tax-inclusive totals), each with its tax.
pub fn refunded_per_rate(
    rates: &[RateLine],
    refunded: Yen,
    rounding: RoundingMode,
) -> Vec<RateLine> {
    let whole: i64 = rates.iter().map(|r| r.total.0).sum();
    if whole <= 0 || refunded.0 <= 0 {
        return Vec::new();
    }
    let refunded = refunded.min(Yen(whole));
    let mut shares: Vec<i64> = rates
        .iter()
        .map(|r| {
            let share = i128::from(refunded.0) * i128::from(r.total.0) / i128::from(whole);
            i64::try_from(share).unwrap_or(0)
        })
        .collect();
    let rest = refunded.0 - shares.iter().sum::<i64>();
    if let Some(largest) =
        (0..rates.len()).max_by_key(|i| (rates[*i].rate_percent, rates[*i].total.0))
    {
        shares[largest] += rest;
    }
    rates
        .iter()
        .zip(shares)
        .filter(|(_, share)| *share > 0)
        .map(|(r, share)| RateLine {
            rate_percent: r.rate_percent,
            reduced: r.reduced,
            total: Yen(share),
            tax: tax_included_in(Yen(share), r.rate_percent, rounding),
            discount: Yen::ZERO,
        })
        .collect()
}

/// The return invoice of an order's `invoice_like` content (the order as an invoice would
/// show it) for `refunded` so far, referring to `refers_to`.
pub fn return_invoice(
    mut invoice_like: DocumentContent,
    refunded: Yen,
    refers_to: String,
    rounding: RoundingMode,
) -> DocumentContent {
    invoice_like.rates = refunded_per_rate(&invoice_like.rates, refunded, rounding);
    invoice_like.kind = DocumentKind::ReturnInvoice;
    invoice_like.grand_total = refunded;
    invoice_like.lines = Vec::new();
    invoice_like.shipping_fee = Yen::ZERO;
    invoice_like.payment_fee = Yen::ZERO;
    invoice_like.discount = Yen::ZERO;
    invoice_like.points = Yen::ZERO;
    invoice_like.refers_to = Some(refers_to);
    invoice_like
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn rates(standard: i64, reduced: i64) -> Vec<RateLine> {
        vec![
            RateLine {
                rate_percent: 10,
                reduced: false,
                total: Yen(standard),
                tax: Yen(standard / 11),
                discount: Yen::ZERO,
            },
            RateLine {
                rate_percent: 8,
                reduced: true,
                total: Yen(reduced),
                tax: Yen(reduced * 8 / 108),
                discount: Yen::ZERO,
            },
        ]
    }

    #[test]
    fn jp_inv_3_a_refund_of_10000_yen_needs_a_return_invoice_and_9999_does_not() {
        assert!(return_invoice_required(Yen(10_000)));
        assert!(!return_invoice_required(Yen(9_999)));
    }

    #[test]
    fn a_full_refund_returns_each_rate_and_a_partial_one_is_spread_by_share() {
        let full = refunded_per_rate(&rates(11_000, 10_800), Yen(21_800), RoundingMode::Floor);
        assert_eq!(full[0].total, Yen(11_000));
        assert_eq!(full[0].tax, Yen(1_000));
        assert_eq!(full[1].total, Yen(10_800));
        assert_eq!(full[1].tax, Yen(800));
        let half = refunded_per_rate(&rates(11_000, 10_800), Yen(10_901), RoundingMode::Floor);
        assert_eq!(half[0].total.0 + half[1].total.0, 10_901);
        assert_eq!(half[1].total, Yen(5_400));
        assert_eq!(
            half[0].total,
            Yen(5_501),
            "the standard rate takes the remainder"
        );
        assert_eq!(
            half[0].tax,
            Yen(500),
            "tax once per rate: 5,501 × 10/110 floored"
        );
    }

    proptest! {
        /// Whatever the refund, the rates add up to it (never more than the order).
        #[test]
        fn the_rates_add_up_to_the_refund(standard in 0i64..1_000_000, reduced in 0i64..1_000_000, refund in 1i64..2_000_000) {
            let r = rates(standard, reduced);
            let out = refunded_per_rate(&r, Yen(refund), RoundingMode::Floor);
            let total: i64 = out.iter().map(|x| x.total.0).sum();
            prop_assert_eq!(total, refund.min(standard + reduced));
        }
    }
}
