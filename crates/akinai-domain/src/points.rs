//! Points (自社ポイント): what a member earns on an order, spends on the next, and what happens
//! to both when the order is delivered, cancelled or refunded, or the points lie unused.
//!
//! One point is one yen. Points the shop itself grants are a price reduction when used (ADR 046,
//! 国税庁's Q&A on point programmes), so [`spend`] splits the points used across the tax rates in
//! proportion to what is left of each rate's items after a coupon, the same way as a coupon's
//! discount; each rate's tax is then computed once on the reduced total (JP-INV-2). Points are
//! earned on what the shopper pays for the items (coupon and points taken off, shipping and
//! fees not counted), granted when the order is delivered, taken back — with the points used
//! returned — when it is cancelled or refunded, and taken back in proportion when part of it is
//! refunded ([`settle`]). A balance not earned on or spent from for the shop's expiry period
//! lapses whole ([`lapsed`]). Everything here is pure.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::coupon::{allocate, Discount};
use crate::order::OrderStatus;
use crate::pricing::PricedLine;
use crate::tax::TaxCategory;
use crate::Yen;

/// Most points one adjustment by the shop may add or take.
pub const MAX_ADJUSTMENT: i64 = 1_000_000;

/// Highest earn rate a shop may set (percent of the yen paid for the items).
pub const MAX_EARN_PERCENT: u32 = 20;
/// Longest expiry period (days since the last earning or spending), ten years.
pub const MAX_EXPIRY_DAYS: u32 = 3650;

/// The owner's settings for points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PointsPolicy {
    /// Points earned per 100 yen paid for the items (1 = 1%); 0 turns points off (nothing is
    /// earned; points already held may still be spent).
    pub earn_percent: u32,
    /// Days after a member's last earning or spending at which the balance lapses; 0 for never.
    pub expiry_days: u32,
}

impl Default for PointsPolicy {
    fn default() -> Self {
        PointsPolicy {
            earn_percent: 0,
            expiry_days: 365,
        }
    }
}

impl PointsPolicy {
    /// Reads the settings form's two fields; the field names of the bad ones otherwise.
    pub fn parse(earn_percent: &str, expiry_days: &str) -> Result<PointsPolicy, Vec<&'static str>> {
        let number = |s: &str, max: u32| {
            crate::catalog::parse_whole(s.trim(), 0..=i64::from(max))
                .and_then(|n| u32::try_from(n).ok())
        };
        let rate = number(earn_percent, MAX_EARN_PERCENT);
        let days = number(expiry_days, MAX_EXPIRY_DAYS);
        match (rate, days) {
            (Some(earn_percent), Some(expiry_days)) => Ok(PointsPolicy {
                earn_percent,
                expiry_days,
            }),
            _ => Err([
                ("earn_percent", rate.is_none()),
                ("expiry_days", days.is_none()),
            ]
            .into_iter()
            .filter(|(_, bad)| *bad)
            .map(|(f, _)| f)
            .collect()),
        }
    }

    /// Points earned on `paid_items` yen (rounded down).
    pub fn earned_on(&self, paid_items: Yen) -> i64 {
        (i128::from(paid_items.0.max(0)) * i128::from(self.earn_percent) / 100) as i64
    }
}

/// Why the points asked for cannot be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PointsRefusal {
    #[error("only members signed in may use points")]
    MembersOnly,
    #[error("the member holds only {0} points")]
    MoreThanBalance(i64),
    #[error("points can pay at most the items' {0}")]
    MoreThanItems(Yen),
}

impl PointsRefusal {
    /// The catalogue key of the shopper's message.
    pub fn key(self) -> &'static str {
        match self {
            PointsRefusal::MembersOnly => "points.members_only",
            PointsRefusal::MoreThanBalance(_) => "points.more_than_balance",
            PointsRefusal::MoreThanItems(_) => "points.more_than_items",
        }
    }
}

/// The reduction of using `points` of a `balance` on `lines` after the `coupon`'s discount,
/// split across the rates in proportion to what each rate's items still cost. Points pay for
/// items only, never shipping or fees.
pub fn spend(
    points: i64,
    balance: i64,
    lines: &[PricedLine],
    coupon: &Discount,
) -> Result<Discount, PointsRefusal> {
    if points <= 0 {
        return Ok(Discount::none());
    }
    if points > balance {
        return Err(PointsRefusal::MoreThanBalance(balance.max(0)));
    }
    let mut base: BTreeMap<TaxCategory, i64> = BTreeMap::new();
    for l in lines {
        *base.entry(l.tax_category).or_default() += l.line_total.0;
    }
    for (rate, v) in base.iter_mut() {
        *v -= coupon.of(*rate).0;
    }
    let payable: i64 = base.values().sum();
    if points > payable {
        return Err(PointsRefusal::MoreThanItems(Yen(payable.max(0))));
    }
    let mut d = allocate(Yen(points), &base);
    d.points = d.total;
    Ok(d)
}

/// A coupon's discount and the points' reduction as one: each rate's shares added, the points'
/// part kept apart for the screens and documents.
pub fn combine(coupon: &Discount, points: &Discount) -> Discount {
    let mut per_rate = coupon.per_rate.clone();
    for (rate, share) in &points.per_rate {
        let slot = per_rate.entry(*rate).or_default();
        *slot = Yen(slot.0 + share.0);
    }
    Discount {
        total: Yen(coupon.total.0 + points.total.0),
        per_rate,
        points: points.total,
    }
}

/// Where an order stands with its points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PointsState {
    /// Nothing used, nothing to earn (a guest, points off).
    None,
    /// Points used are taken; points to earn wait for delivery.
    Pending,
    /// Delivered: the points earned are in the balance.
    Granted,
    /// Cancelled or refunded: points used returned, points granted taken back.
    Reversed,
}

impl PointsState {
    pub fn as_str(self) -> &'static str {
        match self {
            PointsState::None => "none",
            PointsState::Pending => "pending",
            PointsState::Granted => "granted",
            PointsState::Reversed => "reversed",
        }
    }

    pub fn parse(s: &str) -> Option<PointsState> {
        [
            PointsState::None,
            PointsState::Pending,
            PointsState::Granted,
            PointsState::Reversed,
        ]
        .into_iter()
        .find(|p| p.as_str() == s)
    }

    /// The state an order is placed in.
    pub fn at_placement(used: i64, earned: i64) -> PointsState {
        if used > 0 || earned > 0 {
            PointsState::Pending
        } else {
            PointsState::None
        }
    }
}

/// One movement of a member's points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    /// Earned on a delivered order.
    Earn,
    /// Used on an order.
    Spend,
    /// Points used on a cancelled or refunded order, given back.
    Return,
    /// Points earned on an order later refunded, taken back.
    Revoke,
    /// The share of the points earned on the part of an order refunded, taken back (one entry
    /// per partial refund).
    RevokePart,
    /// The balance lapsed after the expiry period.
    Expire,
    /// Added or taken by the shop (an apology, a correction, points carried over), with a
    /// reason in the audit trail.
    Adjust,
}

impl EntryKind {
    pub const ALL: [EntryKind; 7] = [
        EntryKind::Earn,
        EntryKind::Spend,
        EntryKind::Return,
        EntryKind::Revoke,
        EntryKind::RevokePart,
        EntryKind::Expire,
        EntryKind::Adjust,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EntryKind::Earn => "earn",
            EntryKind::Spend => "spend",
            EntryKind::Return => "return",
            EntryKind::Revoke => "revoke",
            EntryKind::RevokePart => "revoke_part",
            EntryKind::Expire => "expire",
            EntryKind::Adjust => "adjust",
        }
    }

    pub fn parse(s: &str) -> Option<EntryKind> {
        EntryKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The member's word for it on the points history.
    pub fn label_ja(self) -> &'static str {
        match self {
            EntryKind::Earn => "獲得",
            EntryKind::Spend => "利用",
            EntryKind::Return => "利用の取消(返還)",
            EntryKind::Revoke => "獲得の取消",
            EntryKind::RevokePart => "一部返金による獲得の取消",
            EntryKind::Expire => "有効期限切れ",
            EntryKind::Adjust => "ショップによる調整",
        }
    }

    /// Whether it counts as the member's activity (restarts the expiry period).
    pub fn is_activity(self) -> bool {
        matches!(self, EntryKind::Earn | EntryKind::Spend | EntryKind::Adjust)
    }
}

/// An order's points as the worker finds them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrderPointsNow {
    pub state: PointsState,
    pub status: OrderStatus,
    /// Points the order used (taken at placement).
    pub used: i64,
    /// Points the order earns when delivered, as computed at placement.
    pub earned: i64,
    /// Points of `earned` not granted or taken back so far because of partial refunds.
    pub revoked: i64,
    /// What the shopper paid for the order (its grand total).
    pub total: i64,
    /// Yen refunded on the order so far.
    pub refunded: i64,
}

/// What settling an order's points does: the state it moves to, the points of `earned` not
/// granted or taken back after it, and the movements it makes (signed points).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settlement {
    pub to: PointsState,
    pub revoked: i64,
    pub moves: Vec<(EntryKind, i64)>,
}

/// The points of `earned` an order keeps when `refunded` of its `total` yen has been paid back:
/// in proportion to what is still paid, rounded down (ADR 046 addendum). Nothing refunded keeps
/// everything; everything refunded keeps nothing.
pub fn kept_after_refund(earned: i64, total: i64, refunded: i64) -> i64 {
    if refunded <= 0 || earned <= 0 {
        return earned.max(0);
    }
    if total <= 0 || refunded >= total {
        return 0;
    }
    let kept = i128::from(earned) * i128::from(total - refunded) / i128::from(total);
    i64::try_from(kept).unwrap_or(0)
}

/// What settling an order's points does now, or `None` when nothing is due:
/// - delivered: the points earned are granted, less the share of any part already refunded;
/// - delivered and granted, then partly refunded: the refunded part's share is taken back
///   (`RevokePart`); the points used stay spent — the refund is money, and the shop may return
///   points by hand (「ポイント調整」);
/// - cancelled or wholly refunded: the points used come back and what is still granted goes.
pub fn settle(o: &OrderPointsNow) -> Option<Settlement> {
    let kept = kept_after_refund(o.earned, o.total, o.refunded);
    match (o.state, o.status) {
        (PointsState::Pending, OrderStatus::Delivered) => Some(Settlement {
            to: PointsState::Granted,
            revoked: o.earned - kept,
            moves: (kept > 0)
                .then_some((EntryKind::Earn, kept))
                .into_iter()
                .collect(),
        }),
        (PointsState::Granted, OrderStatus::Delivered) => {
            let granted = o.earned - o.revoked;
            let back = granted - kept;
            Some(Settlement {
                to: PointsState::Granted,
                revoked: o.revoked + back.max(0),
                moves: (back > 0)
                    .then_some((EntryKind::RevokePart, -back))
                    .into_iter()
                    .collect(),
            })
        }
        (
            PointsState::Pending | PointsState::Granted,
            OrderStatus::Cancelled | OrderStatus::Refunded,
        ) => {
            let mut moves = Vec::new();
            if o.used > 0 {
                moves.push((EntryKind::Return, o.used));
            }
            let granted = o.earned - o.revoked;
            if o.state == PointsState::Granted && granted > 0 {
                moves.push((EntryKind::Revoke, -granted));
            }
            Some(Settlement {
                to: PointsState::Reversed,
                revoked: o.revoked,
                moves,
            })
        }
        _ => None,
    }
}

/// Whether a balance last earned on or spent from at `last_activity` has lapsed at `now`.
pub fn lapsed(policy: &PointsPolicy, last_activity: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    policy.expiry_days > 0
        && now >= last_activity + chrono::Duration::days(i64::from(policy.expiry_days))
}

/// The instant before which a balance's last activity means it has lapsed; `None` for never.
pub fn lapse_cutoff(policy: &PointsPolicy, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    (policy.expiry_days > 0).then(|| now - chrono::Duration::days(i64::from(policy.expiry_days)))
}

#[cfg(test)]
#[path = "points_tests.rs"]
mod tests;
