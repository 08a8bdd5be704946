//! Points (issue #23, item 6; ADR 046): a signed-in member with a verified e-mail address
//! chooses on the cart how many points to use, the confirmation screen shows them taken off
//! per tax rate with the points the order will earn, and the order takes them from the balance
//! as it is placed (in its own transaction). The worker settles orders afterwards — points
//! earned are granted on delivery, a partial refund takes back the points earned on the refunded
//! part, and cancellation or refund gives back the points used and takes back those granted —
//! and lapses balances left unused for the shop's expiry period.
//! Members see their balance and every movement on 「ポイント」 of my page.

use std::sync::Arc;

use akinai_domain::coupon::Discount;
use akinai_domain::points::{self, lapse_cutoff, PointsPolicy, PointsRefusal};
use akinai_domain::pricing::PricedLine;
use akinai_domain::Yen;
use akinai_store::points::PointStore;
pub use akinai_store::points::{OrderPoints, PointBalance, PointEntry};
use akinai_store::Cart;

use akinai_domain::admin::{ManageCustomers, ViewCustomers};
use akinai_domain::ids::CustomerId;

use crate::accounts::Member;
use crate::admin::Authorized;
use crate::{Accounts, Base, CoreError, Storefront};

/// Orders settled and balances lapsed in one round of the worker, at most.
const SETTLE_BATCH: u32 = 200;
/// Movements shown on the history page.
pub const HISTORY_LIMIT: u32 = 100;

/// The points box of the cart page, for a member who may use points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CartPoints {
    pub balance: i64,
    /// Points the member chose to use (0 for none).
    pub chosen: i64,
    /// The reduction of the chosen points now, or why they cannot be used as they are.
    pub outcome: Result<Discount, PointsRefusal>,
}

/// What a member's points page shows.
pub struct PointsPage {
    pub balance: PointBalance,
    pub policy: PointsPolicy,
    /// When the balance lapses if nothing is earned or spent before (none: never, or nothing).
    pub lapses_on: Option<chrono::NaiveDate>,
    pub entries: Vec<PointEntry>,
}

/// What settling did in one round.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Settled {
    pub orders: usize,
    pub lapsed: usize,
}

#[derive(Clone)]
pub struct Points {
    pub(crate) base: Base,
    pub(crate) point_store: Arc<dyn PointStore>,
    pub(crate) accounts: Accounts,
    pub(crate) storefront: Storefront,
    pub(crate) coupons: crate::Coupons,
    pub(crate) audit: crate::Audit,
    pub(crate) account_store: Arc<dyn akinai_store::AccountStore>,
}

/// The audit action of the shop's adjustment of a member's points.
pub const POINTS_ADJUST: &str = "points.adjust";

impl Points {
    /// The member whose points count: signed in with a verified e-mail address (only such
    /// orders join the member's history, CCSG-F-3a).
    async fn holder(&self, session_secret: Option<&str>) -> Result<Option<Member>, CoreError> {
        Ok(self
            .accounts
            .member(session_secret)
            .await?
            .filter(|m| m.customer.email_verified_at.is_some()))
    }

    /// `POST /cart/points`: keeps how many points to use on the cart, after checking them
    /// against the balance and the cart's items.
    pub async fn choose_on_cart(
        &self,
        cart_secret: Option<&str>,
        session_secret: Option<&str>,
        typed: &str,
    ) -> Result<(), CoreError> {
        let member = self
            .holder(session_secret)
            .await?
            .ok_or(CoreError::Points(PointsRefusal::MembersOnly))?;
        let cart = self
            .storefront
            .find_cart(cart_secret)
            .await?
            .ok_or(CoreError::EmptyCart)?;
        let wanted = match typed.trim() {
            "" => 0,
            t => akinai_domain::catalog::parse_whole(t, 0..=i64::from(i32::MAX)).ok_or(
                CoreError::InvalidForm(vec![("points", "points.not_a_number")]),
            )?,
        };
        let pricing = self.storefront.pricing(Some(&member)).await?;
        let view = self.storefront.view_cart(Some(&cart), &pricing).await?;
        let lines: Vec<PricedLine> = view.lines.into_iter().map(|l| l.line).collect();
        let coupon = match self.coupons.on_cart(Some(&cart), &lines).await? {
            Some(crate::coupons::CartCoupon { outcome: Ok(d), .. }) => d,
            _ => Discount::none(),
        };
        let balance = self.point_store.point_balance(member.customer.id).await?;
        points::spend(wanted, balance.balance, &lines, &coupon)?;
        self.point_store.set_cart_points(cart.id, wanted).await?;
        Ok(())
    }

    /// The cart's points box: `None` for a guest or a member who holds no points and chose none.
    pub async fn on_cart(
        &self,
        cart: Option<&Cart>,
        session_secret: Option<&str>,
        lines: &[PricedLine],
        coupon: &Discount,
    ) -> Result<Option<CartPoints>, CoreError> {
        let Some(member) = self.holder(session_secret).await? else {
            return Ok(None);
        };
        let chosen = cart.map(|c| c.points).unwrap_or(0);
        let balance = self.point_store.point_balance(member.customer.id).await?;
        if balance.balance <= 0 && chosen == 0 {
            return Ok(None);
        }
        Ok(Some(CartPoints {
            balance: balance.balance,
            chosen,
            outcome: points::spend(chosen, balance.balance, lines, coupon),
        }))
    }

    /// The points an order from `cart` uses and earns, for the member placing it (`None`: a
    /// guest, who neither uses nor earns). Points chosen on the cart that no longer fit (the
    /// balance or the cart changed) stop the order: the cart page says why.
    pub(crate) async fn for_order(
        &self,
        cart: &Cart,
        member: Option<&Member>,
        lines: &[PricedLine],
        coupon: &Discount,
    ) -> Result<(Discount, OrderPoints), CoreError> {
        let Some(member) = member.filter(|m| m.customer.email_verified_at.is_some()) else {
            return Ok((Discount::none(), OrderPoints::default()));
        };
        let used = if cart.points > 0 {
            let balance = self.point_store.point_balance(member.customer.id).await?;
            points::spend(cart.points, balance.balance, lines, coupon)?
        } else {
            Discount::none()
        };
        let policy = self.base.settings().await?.points;
        let items: i64 = lines.iter().map(|l| l.line_total.0).sum();
        let paid_items = Yen(items - coupon.total.0 - used.total.0);
        let order = OrderPoints {
            used: used.total.0,
            earned: policy.earned_on(paid_items),
        };
        Ok((used, order))
    }

    /// The member's balance, the shop's rules and the newest movements.
    pub async fn page(&self, member: &Member) -> Result<PointsPage, CoreError> {
        let id = member.customer.id;
        let balance = self.point_store.point_balance(id).await?;
        let policy = self.base.settings().await?.points;
        let lapses_on = match (balance.last_activity_at, policy.expiry_days) {
            (Some(at), days) if days > 0 && balance.balance > 0 => Some(
                (at + chrono::Duration::days(i64::from(days)))
                    .with_timezone(&crate::clock::jst())
                    .date_naive(),
            ),
            _ => None,
        };
        Ok(PointsPage {
            balance,
            policy,
            lapses_on,
            entries: self.point_store.point_entries(id, HISTORY_LIMIT).await?,
        })
    }

    /// A member's balance and newest movements, for the back office's customer page.
    pub async fn of_customer(
        &self,
        _by: &Authorized<ViewCustomers>,
        customer: CustomerId,
    ) -> Result<(PointBalance, Vec<PointEntry>), CoreError> {
        Ok((
            self.point_store.point_balance(customer).await?,
            self.point_store.point_entries(customer, 10).await?,
        ))
    }

    /// `POST /admin/customers/{id}/points`: adds (or, negative, takes) points with a reason,
    /// audited as `points.adjust`; refused when the member is gone, the number is not a whole
    /// number of at most a million either way, the reason is missing, or it would take the
    /// balance below zero. The new balance.
    pub async fn adjust(
        &self,
        by: &Authorized<ManageCustomers>,
        customer: CustomerId,
        typed: &str,
        reason: &str,
        client: &crate::accounts::Client,
    ) -> Result<i64, CoreError> {
        let c = self
            .account_store
            .customer(customer)
            .await?
            .filter(|c| c.deleted_at.is_none())
            .ok_or(CoreError::NotFound)?;
        let max = points::MAX_ADJUSTMENT;
        let n = akinai_domain::catalog::parse_whole(typed, -max..=max).filter(|n| *n != 0);
        let reason = reason.trim();
        let mut bad = Vec::new();
        if n.is_none() {
            bad.push(("points", "points.adjust_number"));
        }
        if reason.is_empty() || reason.chars().count() > 200 {
            bad.push(("reason", "points.adjust_reason"));
        }
        let Some(n) = n.filter(|_| bad.is_empty()) else {
            return Err(CoreError::InvalidForm(bad));
        };
        let balance = self
            .point_store
            .adjust_points(c.id, n, self.base.clock.now())
            .await?
            .ok_or(CoreError::InvalidForm(vec![(
                "points",
                "points.adjust_below_zero",
            )]))?;
        self.audit
            .record(
                &by.principal().audit_context(client),
                POINTS_ADJUST,
                &format!("customer:{}", c.id.0),
                serde_json::json!({ "points": n, "reason": reason, "balance_after": balance }),
            )
            .await?;
        Ok(balance)
    }

    /// One round of the worker: settles the orders whose points are due (delivered: granted;
    /// cancelled or refunded: given back and taken back) and lapses unused balances. Safe to
    /// run on several nodes at once: each order and balance moves once.
    pub async fn settle(&self) -> Result<Settled, CoreError> {
        let now = self.base.clock.now();
        let mut done = Settled::default();
        for due in self.point_store.points_due(SETTLE_BATCH).await? {
            if let Some(settlement) = points::settle(&due.points) {
                if self
                    .point_store
                    .settle_points(&due, &settlement, now)
                    .await?
                {
                    done.orders += 1;
                }
            }
        }
        let policy = self.base.settings().await?.points;
        if let Some(cutoff) = lapse_cutoff(&policy, now) {
            let lapsed = self
                .point_store
                .lapse_points(cutoff, now, SETTLE_BATCH)
                .await?;
            done.lapsed = lapsed.len();
        }
        Ok(done)
    }
}
