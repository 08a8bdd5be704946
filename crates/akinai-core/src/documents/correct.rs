//! Correcting an issued invoice (issue 19, item 1; JP-INV-4): staff issue a new invoice that
//! names the one it replaces and why — the buyer's name as it should read, the order as it is
//! now — and the old one stays kept as it was. Later copies (status page, order page, CLI) are
//! drawn from the newest; a return invoice refers to it. Audited with both numbers.

use serde_json::json;

use akinai_domain::admin::ViewPersonalData;
use akinai_domain::documents::{DocumentKind, InvoiceCorrection};
use akinai_domain::ids::OrderId;
use akinai_store::documents::{NewDocument, StoredDocument};

use super::{newest_of, read_kept, Documents};
use crate::accounts::Client;
use crate::admin::Authorized;
use crate::clock::jst;
use crate::CoreError;

/// An issued invoice as the correction page lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedInvoice {
    pub number: String,
    pub issued_on: chrono::NaiveDate,
    /// `customer`, or the audit actor of the staff member (`admin:3`).
    pub issued_by: String,
    pub buyer: String,
    /// The invoice a later one replaced (only the newest is current).
    pub replaced: bool,
}

impl Documents {
    /// The order's number and its issued invoices, oldest first, for staff who may print them
    /// (the correction page).
    pub async fn invoices_for_staff(
        &self,
        _by: &Authorized<ViewPersonalData>,
        id: OrderId,
    ) -> Result<(String, Vec<IssuedInvoice>), CoreError> {
        let order = self
            .order_store
            .order(id)
            .await?
            .ok_or(CoreError::NotFound)?;
        let kept: Vec<StoredDocument> = self
            .document_store
            .order_documents(id)
            .await?
            .into_iter()
            .filter(|d| d.issued.kind == DocumentKind::Invoice)
            .collect();
        let newest = kept.iter().map(|d| d.id.0).max();
        let mut invoices = Vec::with_capacity(kept.len());
        for d in &kept {
            let content = read_kept(d)?;
            invoices.push(IssuedInvoice {
                number: content.number,
                issued_on: content.issued_on,
                issued_by: d.issued.issued_by.clone(),
                buyer: content.buyer,
                replaced: Some(d.id.0) != newest,
            });
        }
        Ok((order.number(), invoices))
    }

    /// The order's newest kept invoice (an original, or the last correction of it).
    pub(crate) async fn newest_invoice(
        &self,
        id: OrderId,
    ) -> Result<Option<StoredDocument>, CoreError> {
        let kept = self.document_store.order_documents(id).await?;
        Ok(newest_of(&kept, DocumentKind::Invoice).cloned())
    }

    /// Issues a corrected invoice for an order whose invoice was issued; returns the new
    /// number. Refused (not found) when no invoice was issued yet: the first one is simply
    /// issued as it should read.
    pub async fn correct_invoice(
        &self,
        by: &Authorized<ViewPersonalData>,
        client: &Client,
        id: OrderId,
        buyer: &str,
        reason: &str,
    ) -> Result<String, CoreError> {
        let correction =
            InvoiceCorrection::parse(buyer, reason).map_err(CoreError::InvalidFields)?;
        let order = self
            .order_store
            .order(id)
            .await?
            .ok_or(CoreError::NotFound)?;
        let old = self.newest_invoice(id).await?.ok_or(CoreError::NotFound)?;
        let old_number = DocumentKind::Invoice.number(old.id.0);
        let old_on = old.issued.issued_at.with_timezone(&jst()).date_naive();
        let mut content = self.content(&order, DocumentKind::Invoice).await?;
        content.buyer.clone_from(&correction.buyer);
        content.replaces = Some(correction.note(&old_number, old_on));
        let json =
            serde_json::to_string(&content).map_err(|e| CoreError::Document(e.to_string()))?;
        let s = by.principal();
        let who = s.audit_context(client);
        let stored = self
            .document_store
            .issue_document(&NewDocument {
                order_id: id,
                kind: DocumentKind::Invoice,
                issued_at: self.base.clock.now(),
                issued_by: who.actor.clone(),
                content: json,
                corrects: Some(old.id),
            })
            .await?;
        let number = read_kept(&stored)?.number;
        self.audit
            .record(
                &who,
                "document.corrected",
                &format!("order:{}", id.0),
                json!({ "replaces": old_number, "number": number, "reason": correction.reason }),
            )
            .await?;
        Ok(number)
    }
}
