//! 帳票 (issue 19): an order's invoice and delivery slip as PDF. The invoice is issued the
//! first time anyone asks for it — the customer on the status page or staff on the order page —
//! numbered and kept as its content (JP-INV-4); every later copy is drawn from what was kept, so
//! it says the same even after the shop's address or a product changes. The delivery slip is
//! drawn from the order whenever printed. Staff downloads go to the audit trail (they carry the
//! customer's name and address). Drawing runs on the blocking pool: subsetting a font is CPU
//! work that must not stall the request threads.

mod correct;
mod logo;
mod returns;

pub use correct::IssuedInvoice;
pub use logo::LOGO_MAX_SIDE;

use std::sync::Arc;

use serde_json::json;

use akinai_domain::admin::ViewPersonalData;
use akinai_domain::documents::{
    may_issue_invoice, may_issue_order_invoice, may_issue_receipt, DocumentContent, DocumentKind,
    OrderFacts, ReceiptChoice,
};
use akinai_domain::ids::OrderId;
use akinai_store::documents::{DocumentStore, NewDocument};
use akinai_store::{Order, OrderStore};

use crate::accounts::Client;
use crate::admin::Authorized;
use crate::audit::AuditContext;
use crate::clock::jst;
use crate::{Audit, Base, CoreError};

/// A PDF ready to send.
#[derive(Debug, Clone)]
pub struct Pdf {
    pub file_name: String,
    pub bytes: Vec<u8>,
}

/// Who asked for a document (kept with an issued one).
pub enum Requester<'a> {
    Customer,
    Staff(&'a Authorized<ViewPersonalData>, &'a Client),
}

#[derive(Clone)]
pub struct Documents {
    pub(crate) base: Base,
    pub(crate) document_store: Arc<dyn DocumentStore>,
    pub(crate) order_store: Arc<dyn OrderStore>,
    pub(crate) payment_store: Arc<dyn akinai_store::payments::PaymentStore>,
    pub(crate) audit: Audit,
    /// The upload wall (malware scan) a logo passes like a product image.
    pub(crate) catalog_admin: crate::CatalogAdmin,
    /// Where the current logo is named (saved and audited like any setting).
    pub(crate) settings: crate::Settings,
    /// A business customer's company, the addressee of their documents.
    pub(crate) business: crate::Business,
}

impl Documents {
    /// An order's document of `kind` for its customer (the caller has checked the status link).
    pub async fn for_customer(&self, order: &Order, kind: DocumentKind) -> Result<Pdf, CoreError> {
        self.document(order, kind, "customer", None).await
    }

    /// The receipt with the 宛名 and 但し書き the customer chose; once issued, the choice is
    /// kept and later requests get a copy marked 再発行 (the new choice is ignored).
    pub async fn receipt_for_customer(
        &self,
        order: &Order,
        addressee: &str,
        purpose: &str,
    ) -> Result<Pdf, CoreError> {
        let choice = ReceiptChoice::parse(addressee, purpose).map_err(CoreError::InvalidFields)?;
        self.document(order, DocumentKind::Receipt, "customer", Some(choice))
            .await
    }

    /// The kinds of document already issued and kept for an order (the status page offers a
    /// receipt's reissue instead of its form).
    pub async fn kept_kinds(&self, order: &Order) -> Result<Vec<DocumentKind>, CoreError> {
        Ok(self
            .document_store
            .order_documents(order.id)
            .await?
            .into_iter()
            .map(|d| d.issued.kind)
            .collect())
    }

    /// An order's document for staff, audited as a view of the customer's personal data.
    pub async fn for_staff(
        &self,
        by: &Authorized<ViewPersonalData>,
        client: &Client,
        id: OrderId,
        kind: DocumentKind,
    ) -> Result<Pdf, CoreError> {
        self.audited(&by.principal().audit_context(client), id, kind)
            .await
    }

    /// An order's document for an operator at the command line (`akinai documents …`), by the
    /// order number printed on it (`AK00000012`); audited like a staff download.
    pub async fn for_operator(
        &self,
        who: &AuditContext,
        order_number: &str,
        kind: DocumentKind,
    ) -> Result<Pdf, CoreError> {
        let id = akinai_store::parse_order_number(order_number).ok_or(CoreError::NotFound)?;
        self.audited(who, id, kind).await
    }

    async fn audited(
        &self,
        who: &AuditContext,
        id: OrderId,
        kind: DocumentKind,
    ) -> Result<Pdf, CoreError> {
        let order = self
            .order_store
            .order(id)
            .await?
            .ok_or(CoreError::NotFound)?;
        let pdf = self.document(&order, kind, &who.actor, None).await?;
        self.audit
            .record(
                who,
                "document.downloaded",
                &format!("order:{}", id.0),
                json!({ "kind": kind.as_str(), "file": pdf.file_name }),
            )
            .await?;
        Ok(pdf)
    }

    async fn document(
        &self,
        order: &Order,
        kind: DocumentKind,
        by: &str,
        choice: Option<ReceiptChoice>,
    ) -> Result<Pdf, CoreError> {
        let content = if kind == DocumentKind::ReturnInvoice {
            self.returned(order, by).await?
        } else if kind.is_kept() {
            self.kept(order, kind, by, choice).await?
        } else {
            self.content(order, kind).await?
        };
        let file_name = kind.file_name(&order.number());
        let bytes = self.draw(vec![content]).await?;
        Ok(Pdf { file_name, bytes })
    }

    /// The kept document of `kind`, issued now if the order has none yet (a receipt with the
    /// customer's choice, or the buyer's name and the default 但し書き); a copy of one issued
    /// before is marked as a reissue.
    async fn kept(
        &self,
        order: &Order,
        kind: DocumentKind,
        by: &str,
        choice: Option<ReceiptChoice>,
    ) -> Result<DocumentContent, CoreError> {
        let kept = self.document_store.order_documents(order.id).await?;
        let mut reissue = false;
        let stored = match newest_of(&kept, kind).cloned() {
            Some(d) => {
                reissue = true;
                d
            }
            None => {
                let allowed = match kind {
                    DocumentKind::Receipt => may_issue_receipt(order.status, order.payment_method),
                    DocumentKind::Invoice => {
                        may_issue_order_invoice(order.status, order.payment_method)
                    }
                    _ => may_issue_invoice(order.status),
                };
                if !allowed {
                    return Err(CoreError::NotFound);
                }
                let mut content = self.content(order, kind).await?;
                if let Some(c) = choice {
                    content.buyer = c.addressee;
                    content.purpose = Some(c.purpose);
                }
                let json = serde_json::to_string(&content)
                    .map_err(|e| CoreError::Document(e.to_string()))?;
                self.document_store
                    .issue_document(&NewDocument {
                        order_id: order.id,
                        kind,
                        issued_at: self.base.clock.now(),
                        issued_by: by.to_string(),
                        content: json,
                        corrects: None,
                    })
                    .await?
            }
        };
        let mut content = read_kept(&stored)?;
        content.reissue = reissue;
        Ok(content)
    }

    pub(crate) async fn content(
        &self,
        order: &Order,
        kind: DocumentKind,
    ) -> Result<DocumentContent, CoreError> {
        let settings = self.base.settings().await?;
        let code = &order.details.shipping_method;
        let shipping_method = settings
            .shipping_method(code)
            .map_or_else(|| code.clone(), |m| m.name.clone());
        let number_text = order.number();
        let facts = OrderFacts {
            order_number: &number_text,
            placed_on: order.placed_at.with_timezone(&jst()).date_naive(),
            details: &order.details,
            lines: &order.lines,
            totals: &order.totals,
            prefecture: order.details.address.prefecture.name_ja(),
            shipping_method: &shipping_method,
        };
        let mut content =
            DocumentContent::for_order(kind, None, &facts, &settings, self.base.today());
        // A business customer's documents are addressed to the company (item 2 of #23).
        if let Some(customer) = order.customer_id {
            if let Some(company) = self.business.addressee_of(customer).await? {
                content.buyer = format!("{company} {}", content.buyer);
            }
        }
        Ok(content)
    }
}

/// The newest kept document of `kind` among an order's: the one in force (a corrected invoice
/// replaces the one before; a later return invoice the earlier).
pub(crate) fn newest_of<'a>(
    kept: impl IntoIterator<Item = &'a akinai_store::documents::StoredDocument>,
    kind: DocumentKind,
) -> Option<&'a akinai_store::documents::StoredDocument> {
    kept.into_iter()
        .filter(|d| d.issued.kind == kind)
        .max_by_key(|d| d.id.0)
}

/// A kept document's content, with the number and date of its row (known only once stored).
fn read_kept(
    stored: &akinai_store::documents::StoredDocument,
) -> Result<DocumentContent, CoreError> {
    let mut content: DocumentContent = serde_json::from_str(&stored.issued.content)
        .map_err(|e| CoreError::Document(format!("kept document {}: {e}", stored.id.0)))?;
    content.number = stored.issued.kind.number(stored.id.0);
    content.issued_on = stored.issued.issued_at.with_timezone(&jst()).date_naive();
    Ok(content)
}
