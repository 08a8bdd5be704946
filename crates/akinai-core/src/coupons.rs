//! Coupons (issue #23, item 6): made by the shop (the CLI, scripted campaigns), entered by the
//! shopper on the cart, checked again whenever the cart is priced, and counted when the order is
//! placed (in the order's own transaction, so racing checkouts never pass a limit).
//!
//! Guessing codes is throttled like logins (IPA-C-7): each unknown code is recorded against the
//! source address, and after [`GUESSES`] within [`GUESS_WINDOW`] the cart takes no code from
//! that address until the window has passed.

use std::net::IpAddr;
use std::sync::Arc;

use serde_json::json;

use akinai_domain::coupon::{apply_in, CouponCode, Discount, Refusal, Usage};
use akinai_domain::coupon_input::CouponInput;
use akinai_domain::pricing::PricedLine;
pub use akinai_store::coupons::Coupon;
use akinai_store::coupons::{coupon_shopper, CouponStore, CouponUse};
use akinai_store::{throttle, AccountStore, Cart};

use akinai_domain::admin::ManageCatalog;
use akinai_domain::ids::{CategoryId, CouponId, ProductId};
use std::collections::BTreeSet;

use crate::accounts::Client;
use crate::admin::{Authorized, Principal};
use crate::audit::AuditContext;
use crate::storefront::prices::Pricing;
use crate::{Audit, Base, CoreError, Storefront};

/// Unknown codes one source address may try within [`GUESS_WINDOW`].
pub const GUESSES: u32 = 10;
/// The window the guesses are counted in.
pub const GUESS_WINDOW: chrono::Duration = chrono::Duration::minutes(15);

/// The audit action of a coupon made.
pub const COUPON_CREATE: &str = "coupon.create";
/// The audit actions of a coupon stopped and resumed.
pub const COUPON_DISABLE: &str = "coupon.disable";
pub const COUPON_ENABLE: &str = "coupon.enable";

/// A cart's coupon as the cart page shows it: its code and the discount, or why it does not
/// apply now (the cart changed below the minimum, the period ended).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CartCoupon {
    pub code: String,
    pub outcome: Result<Discount, Refusal>,
}

/// The coupon an order is placed with.
#[derive(Debug, Clone)]
pub struct OrderCoupon {
    pub discount: Discount,
    pub counted: CouponUse,
}

#[derive(Clone)]
pub struct Coupons {
    pub(crate) base: Base,
    pub(crate) coupon_store: Arc<dyn CouponStore>,
    pub(crate) account_store: Arc<dyn AccountStore>,
    pub(crate) audit: Audit,
    pub(crate) storefront: Storefront,
}

impl Coupons {
    /// Makes a coupon from the command line (`akinai coupons create … --by NAME`), audited as
    /// `cli:NAME`.
    pub async fn create_from_cli(
        &self,
        input: &CouponInput,
        by: &str,
    ) -> Result<Coupon, CoreError> {
        let by = by.trim();
        if by.is_empty() {
            return Err(CoreError::Refused(vec![(
                "by",
                "--by に作成者の名前を指定してください(監査ログに記録されます)。".into(),
            )]));
        }
        self.create(input, &AuditContext::cli(by), by).await
    }

    async fn create(
        &self,
        input: &CouponInput,
        who: &AuditContext,
        by: &str,
    ) -> Result<Coupon, CoreError> {
        let (code, rule) = input.parse().map_err(CoreError::InvalidFields)?;
        if !rule.categories.is_empty() {
            let known = self.storefront.categories().await?;
            if let Some(c) = rule
                .categories
                .iter()
                .find(|c| !known.iter().any(|k| k.id == **c))
            {
                return Err(CoreError::Refused(vec![(
                    "categories",
                    format!(
                        "カテゴリ ID {} はありません。カテゴリの画面で ID を確かめてください。",
                        c.0
                    ),
                )]));
            }
        }
        let id = self
            .coupon_store
            .create_coupon(&code, &rule, by, self.base.clock.now())
            .await?
            .ok_or_else(|| {
                CoreError::Refused(vec![(
                    "code",
                    format!(
                        "クーポンコード {code} はすでに使われています。別のコードにしてください。"
                    ),
                )])
            })?;
        self.audit
            .record(
                who,
                COUPON_CREATE,
                &format!("coupon:{}", id.0),
                json!({ "code": code.as_str(), "rule": rule }),
            )
            .await?;
        self.coupon_store
            .coupon_by_code(&code)
            .await?
            .ok_or(CoreError::NotFound)
    }

    /// Makes a coupon from the back office (`ManageCatalog`), audited as the admin.
    pub async fn create_as(
        &self,
        by: &Authorized<ManageCatalog>,
        client: &Client,
        input: &CouponInput,
    ) -> Result<Coupon, CoreError> {
        let name = match by.principal() {
            Principal::Admin(a) => a.admin.name.clone(),
            other => other.actor(),
        };
        self.create(input, &by.principal().audit_context(client), &name)
            .await
    }

    /// Stops (`disabled`) or resumes a coupon, audited: a stopped coupon is refused on carts and
    /// at confirmation, and kept for the orders that used it.
    pub async fn switch(
        &self,
        by: &Authorized<ManageCatalog>,
        client: &Client,
        id: CouponId,
        disabled: bool,
    ) -> Result<(), CoreError> {
        if !self.coupon_store.set_coupon_disabled(id, disabled).await? {
            return Err(CoreError::NotFound);
        }
        let action = if disabled {
            COUPON_DISABLE
        } else {
            COUPON_ENABLE
        };
        self.audit
            .record(
                &by.principal().audit_context(client),
                action,
                &format!("coupon:{}", id.0),
                json!({}),
            )
            .await?;
        Ok(())
    }

    /// The newest coupons first (the CLI's list and the back office's).
    pub async fn list(&self, limit: u32) -> Result<Vec<Coupon>, CoreError> {
        Ok(self.coupon_store.coupons(limit).await?)
    }

    /// `POST /cart/coupon`: keeps the typed code on the shopper's cart if it applies to the
    /// cart now; otherwise says why. Unknown codes count against the source address.
    pub async fn apply_to_cart(
        &self,
        cart_secret: Option<&str>,
        pricing: &Pricing,
        raw_code: &str,
        source: IpAddr,
    ) -> Result<(), CoreError> {
        let now = self.base.clock.now();
        let key = source.to_string();
        let since = now - GUESS_WINDOW;
        let guesses = self
            .account_store
            .count_throttle_events(throttle::COUPON_FAIL, &key, since)
            .await?;
        if guesses >= GUESSES {
            return Err(CoreError::TryLater(now + GUESS_WINDOW));
        }
        let cart = self
            .storefront
            .find_cart(cart_secret)
            .await?
            .ok_or(CoreError::EmptyCart)?;
        let Some(coupon) = self.find(raw_code).await? else {
            self.account_store
                .record_throttle_event(throttle::COUPON_FAIL, &key, None, now)
                .await?;
            return Err(Refusal::Unknown.into());
        };
        let lines = self.lines(&cart, pricing).await?;
        let email = cart.checkout.as_ref().map(|d| d.email.as_str().to_string());
        self.check(&coupon, &lines, email.as_deref()).await?;
        self.coupon_store
            .set_cart_coupon(cart.id, Some(&coupon.code))
            .await?;
        Ok(())
    }

    /// `POST /cart/coupon/remove`: forgets the cart's coupon.
    pub async fn remove_from_cart(&self, cart_secret: Option<&str>) -> Result<(), CoreError> {
        if let Some(cart) = self.storefront.find_cart(cart_secret).await? {
            self.coupon_store.set_cart_coupon(cart.id, None).await?;
        }
        Ok(())
    }

    /// The cart's coupon with its discount on `lines` now, for the cart page.
    pub async fn on_cart(
        &self,
        cart: Option<&Cart>,
        lines: &[PricedLine],
    ) -> Result<Option<CartCoupon>, CoreError> {
        let Some((cart, code)) = cart.and_then(|c| c.coupon.clone().map(|code| (c, code))) else {
            return Ok(None);
        };
        let email = cart.checkout.as_ref().map(|d| d.email.as_str().to_string());
        let outcome = match self.find(&code).await? {
            None => Err(Refusal::Unknown),
            Some(coupon) => match self.check(&coupon, lines, email.as_deref()).await {
                Ok(d) => Ok(d),
                Err(CoreError::Coupon(why)) => Err(why),
                Err(e) => return Err(e),
            },
        };
        Ok(Some(CartCoupon { code, outcome }))
    }

    /// The coupon an order from `cart` is placed with, checked for the shopper's e-mail address
    /// (per-shopper limit, first order); an error when the coupon no longer applies.
    pub async fn for_order(
        &self,
        cart: &Cart,
        lines: &[PricedLine],
        email: &str,
    ) -> Result<Option<OrderCoupon>, CoreError> {
        let Some(code) = &cart.coupon else {
            return Ok(None);
        };
        let coupon = self.find(code).await?.ok_or(Refusal::Unknown)?;
        let discount = self.check(&coupon, lines, Some(email)).await?;
        Ok(Some(OrderCoupon {
            discount,
            counted: CouponUse {
                coupon_id: coupon.id,
                code: coupon.code.clone(),
                shopper: coupon_shopper(email),
                per_customer: coupon.rule.per_customer,
            },
        }))
    }

    /// The coupon with this code as typed; `None` when the code is malformed or unknown.
    async fn find(&self, code: &str) -> Result<Option<Coupon>, CoreError> {
        match CouponCode::parse(code) {
            Some(c) => Ok(self.coupon_store.coupon_by_code(&c).await?),
            None => Ok(None),
        }
    }

    /// Whether `coupon` applies to `lines` for the shopper with `email` (when known yet).
    async fn check(
        &self,
        coupon: &Coupon,
        lines: &[PricedLine],
        email: Option<&str>,
    ) -> Result<Discount, CoreError> {
        if coupon.disabled {
            return Err(Refusal::Disabled.into());
        }
        let mut usage = Usage {
            used: coupon.used,
            ..Usage::default()
        };
        if let Some(email) = email {
            if coupon.rule.per_customer.is_some() {
                usage.used_by_shopper = self
                    .coupon_store
                    .coupon_uses_by(coupon.id, &coupon_shopper(email))
                    .await?;
            }
            if coupon.rule.first_order_only {
                usage.shopper_orders = self.coupon_store.orders_by_email(email, 1).await?;
            }
        }
        let in_categories = self.in_categories(&coupon.rule.categories, lines).await?;
        let now = self.base.clock.now();
        Ok(apply_in(&coupon.rule, lines, &in_categories, usage, now)?)
    }

    /// The products of `lines` that lie in `categories` or their subcategories (no query for a
    /// coupon without categories).
    async fn in_categories(
        &self,
        categories: &[CategoryId],
        lines: &[PricedLine],
    ) -> Result<BTreeSet<ProductId>, CoreError> {
        if categories.is_empty() || lines.is_empty() {
            return Ok(BTreeSet::new());
        }
        let all = self.storefront.categories().await?;
        let targets: BTreeSet<CategoryId> = categories
            .iter()
            .flat_map(|c| crate::storefront::catalog::descendants(&all, *c))
            .collect();
        let products: Vec<ProductId> = lines.iter().map(|l| l.product_id).collect();
        Ok(self
            .coupon_store
            .product_categories(&products)
            .await?
            .into_iter()
            .filter(|(_, c)| targets.contains(c))
            .map(|(p, _)| p)
            .collect())
    }

    async fn lines(&self, cart: &Cart, pricing: &Pricing) -> Result<Vec<PricedLine>, CoreError> {
        let view = self.storefront.view_cart(Some(cart), pricing).await?;
        Ok(view.lines.into_iter().map(|l| l.line).collect())
    }
}
