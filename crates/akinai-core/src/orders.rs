//! Orders as their customers see them: the status page behind its signed link (any shopper)
//! and a signed-in member's order history. The back office's view of orders is the
//! [`crate::OrderDesk`].

use crate::accounts::Member;
use crate::accounts::ORDERS_PER_PAGE;

/// A stored order, as its pages read it.
pub use akinai_store::Order;
use std::sync::Arc;

use akinai_store::OrderStore;

use crate::{tokens, Base, CoreError};

/// Orders as their customers see them: the status page behind its link and a member's order
/// history.
#[derive(Clone)]
pub struct Orders {
    pub(crate) base: Base,
    pub(crate) order_store: Arc<dyn OrderStore>,
}

impl Orders {
    /// The order behind a status link.
    pub async fn order_by_status_secret(&self, secret: &str) -> Result<Order, CoreError> {
        let hash = tokens::parse(secret).ok_or(CoreError::NotFound)?;
        self.order_store
            .order_by_status_token(&hash)
            .await?
            .ok_or(CoreError::NotFound)
    }

    /// The absolute URL of an order's status page.
    pub fn status_url(&self, status_secret: &str) -> String {
        let base = self.base.config.base_url.as_str().trim_end_matches('/');
        format!("{base}/order/{status_secret}")
    }
}

impl Orders {
    /// The member's orders, newest first, before `before` (20 per page).
    pub async fn member_orders(
        &self,
        member: &Member,
        before: Option<akinai_domain::ids::OrderId>,
    ) -> Result<Vec<akinai_store::OrderSummary>, CoreError> {
        Ok(self
            .order_store
            .customer_orders(member.customer.id, before, ORDERS_PER_PAGE)
            .await?)
    }

    /// One of the member's orders with its status-page secret; another customer's order (or a
    /// guest order) is not found (SWS-11).
    pub async fn member_order(
        &self,
        member: &Member,
        id: akinai_domain::ids::OrderId,
    ) -> Result<(akinai_store::Order, String), CoreError> {
        let order = self
            .order_store
            .order(id)
            .await?
            .filter(|o| o.customer_id == Some(member.customer.id))
            .ok_or(CoreError::NotFound)?;
        let secret =
            tokens::status_token_for_cart(&self.base.config.secret_key, order.cart_id).secret;
        Ok((order, secret))
    }

    /// The status-page secret of an order in the member's history.
    pub fn order_status_secret(&self, cart: akinai_domain::ids::CartId) -> String {
        tokens::status_token_for_cart(&self.base.config.secret_key, cart).secret
    }
}
