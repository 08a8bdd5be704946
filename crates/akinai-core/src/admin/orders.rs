//! The queue of orders flagged for review before shipping (admin issue, item 6; CCSG-F-3c,
//! CCSG-F-4): orders of an established member to a freshly changed delivery address today,
//! the payment fraud rules later. Staff and above clear a flag with a note; the note and who
//! cleared it go to the audit trail. Recipients are masked for roles without
//! `ViewPersonalData` (IPA-C-8).

use crate::OrderDesk;
use serde_json::json;

use akinai_domain::admin::{mask_name, ReviewOrders, ViewPersonalData};
use akinai_domain::checkout::CheckoutDetails;
use akinai_domain::ids::OrderId;
use akinai_store::Order;

use super::Authorized;
use crate::accounts::Client;
use crate::CoreError;

/// A flagged order as the queue shows it.
#[derive(Debug, Clone)]
pub struct FlaggedOrder {
    pub order: Order,
    /// The recipient's name, masked unless the admin may see personal data.
    pub recipient: String,
    /// The delivery address: in full, or only the prefecture when masked.
    pub destination: String,
}

/// The recipient's name and the delivery address as an admin may see them: in full with
/// `ViewPersonalData`, else the name masked and only the prefecture (IPA-C-8).
pub(super) fn recipient(d: &CheckoutDetails, unmasked: bool) -> (String, String) {
    let a = &d.address;
    if unmasked {
        (
            d.name.clone(),
            format!(
                "〒{} {}{}{} {}",
                a.postal_code.as_str(),
                a.prefecture.name_ja(),
                a.city,
                a.line1,
                a.line2.as_deref().unwrap_or("")
            )
            .trim_end()
            .to_string(),
        )
    } else {
        (mask_name(&d.name), a.prefecture.name_ja().to_string())
    }
}

impl OrderDesk {
    /// Flagged orders not yet cleared, newest first (at most 100).
    pub async fn orders_awaiting_review(
        &self,
        by: &Authorized<ReviewOrders>,
    ) -> Result<Vec<FlaggedOrder>, CoreError> {
        let s = by.principal();
        let unmasked = s.holds::<ViewPersonalData>();
        let mut out = Vec::new();
        for id in self.order_store.orders_awaiting_review(100).await? {
            let Some(order) = self.order_store.order(id).await? else {
                continue;
            };
            let (recipient, destination) = recipient(&order.details, unmasked);
            out.push(FlaggedOrder {
                order,
                recipient,
                destination,
            });
        }
        Ok(out)
    }

    /// Clears an order's flag after the shop checked it (e.g. called the customer).
    pub async fn clear_order_review(
        &self,
        by: &Authorized<ReviewOrders>,
        id: OrderId,
        note: &str,
        client: &Client,
    ) -> Result<(), CoreError> {
        let s = by.principal();
        let note = akinai_domain::admin::note(note)
            .ok_or(CoreError::InvalidForm(vec![("note", "error.required")]))?;
        let actor = s.actor();
        if !self
            .order_store
            .clear_review_flag(id, &actor, self.base.clock.now())
            .await?
        {
            return Err(CoreError::NotFound);
        }
        self.audit
            .record(
                &s.audit_context(client),
                "order.review_cleared",
                &format!("order:{}", id.0),
                json!({ "note": note }),
            )
            .await?;
        Ok(())
    }
}
