//! The return invoice of a refunded order (JP-INV-3): the refund so far spread over the order's
//! rates by the domain, referring to the kept invoice if one was issued (else to the order).
//! It is kept like an invoice; when the shop refunds more later, the next one is a new document
//! that corrects the last (the refund is cumulative), so every issued copy stays as it was.

use akinai_domain::documents::{DocumentContent, DocumentKind};
use akinai_domain::returns::return_invoice;
use akinai_store::documents::NewDocument;
use akinai_store::Order;

use super::{newest_of, read_kept, Documents};
use crate::clock::jst;
use crate::CoreError;

impl Documents {
    /// What was refunded of an order so far (the status page offers the return invoice).
    pub async fn refunded(&self, order: &Order) -> Result<akinai_domain::Yen, CoreError> {
        Ok(self
            .payment_store
            .payment_of_order(order.id)
            .await?
            .map(|p| p.refunded)
            .unwrap_or_default())
    }

    /// The order's return invoice for what was refunded so far; not found before any refund.
    pub(super) async fn returned(
        &self,
        order: &Order,
        by: &str,
    ) -> Result<DocumentContent, CoreError> {
        let refunded = self.refunded(order).await?;
        if refunded.0 <= 0 {
            return Err(CoreError::NotFound);
        }
        let kept = self.document_store.order_documents(order.id).await?;
        let last = newest_of(&kept, DocumentKind::ReturnInvoice);
        if let Some(d) = last {
            let content = read_kept(d)?;
            if content.grand_total == refunded {
                return Ok(content);
            }
        }
        // The invoice it returns against: the one in force (a correction replaces the old).
        let refers_to = match newest_of(&kept, DocumentKind::Invoice) {
            Some(inv) => format!(
                "請求書 {}({}発行)",
                DocumentKind::Invoice.number(inv.id.0),
                inv.issued
                    .issued_at
                    .with_timezone(&jst())
                    .format("%Y年%m月%d日")
            ),
            None => format!(
                "ご注文 {}({})",
                order.number(),
                order.placed_at.with_timezone(&jst()).format("%Y年%m月%d日")
            ),
        };
        let settings = self.base.settings().await?;
        let invoice_like = self.content(order, DocumentKind::Invoice).await?;
        let content = return_invoice(invoice_like, refunded, refers_to, settings.rounding);
        let json =
            serde_json::to_string(&content).map_err(|e| CoreError::Document(e.to_string()))?;
        let stored = self
            .document_store
            .issue_document(&NewDocument {
                order_id: order.id,
                kind: DocumentKind::ReturnInvoice,
                issued_at: self.base.clock.now(),
                issued_by: by.to_string(),
                content: json,
                corrects: last.map(|d| d.id),
            })
            .await?;
        read_kept(&stored)
    }
}
