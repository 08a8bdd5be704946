//! Batch printing for the packing table (issue 19, items 1 and 4): one PDF with a 納品書 per
//! selected order, and the picking list summed per SKU. The selection is the label file's: the
//! orders ticked in the order list, or every order ready to ship (oldest first, at most
//! [`MAX_BATCH`]). Slips carry names and addresses, so printing them is audited as one entry
//! naming the orders; the picking list carries products only.

use serde_json::json;

use akinai_domain::admin::{ViewOrders, ViewPersonalData};
use akinai_domain::documents::DocumentKind;
use akinai_domain::picking::PickingList;
use akinai_store::Order;

use super::{LabelSelection, Shipping};
use crate::accounts::Client;
use crate::admin::Authorized;
use crate::documents::Pdf;
use crate::CoreError;

/// Most orders one batch prints.
pub const MAX_BATCH: usize = 1_000;

fn drawing_failed(e: impl std::fmt::Display) -> CoreError {
    CoreError::Document(format!("drawing a batch: {e}"))
}

impl Shipping {
    /// The orders of a batch, oldest first; not found when there are none.
    async fn batch(&self, selection: &LabelSelection) -> Result<Vec<Order>, CoreError> {
        let mut orders = Vec::new();
        let ready = matches!(selection, LabelSelection::Ready(_));
        for c in self.selected(selection).await? {
            if ready && c.review_pending {
                continue;
            }
            if let Some(order) = self.order_of(c).await? {
                orders.push(order);
            }
            if orders.len() == MAX_BATCH {
                break;
            }
        }
        if orders.is_empty() {
            return Err(CoreError::NotFound);
        }
        Ok(orders)
    }

    /// One PDF with the delivery slip of every order of `selection`, audited.
    pub async fn delivery_slips(
        &self,
        by: &Authorized<ViewPersonalData>,
        client: &Client,
        selection: &LabelSelection,
    ) -> Result<Pdf, CoreError> {
        let orders = self.batch(selection).await?;
        let mut contents = Vec::with_capacity(orders.len());
        for order in &orders {
            contents.push(
                self.documents
                    .content(order, DocumentKind::DeliverySlip)
                    .await?,
            );
        }
        let bytes = self.documents.draw(contents).await?;
        let numbers: Vec<String> = orders.iter().map(Order::number).collect();
        self.audit
            .record(
                &by.principal().audit_context(client),
                "document.batch_downloaded",
                "orders",
                json!({ "kind": DocumentKind::DeliverySlip.as_str(), "orders": numbers }),
            )
            .await?;
        Ok(Pdf {
            file_name: format!("delivery-slips-{}.pdf", self.base.today().format("%Y%m%d")),
            bytes,
        })
    }

    /// The picking list of `selection`.
    pub async fn picking_list(
        &self,
        _by: &Authorized<ViewOrders>,
        selection: &LabelSelection,
    ) -> Result<Pdf, CoreError> {
        let orders = self.batch(selection).await?;
        let today = self.base.today();
        let list = PickingList::of(
            orders.iter().map(|o| (o.number(), o.lines.as_slice())),
            today,
        );
        let codes: Vec<String> = list.lines.iter().map(|l| l.sku_code.clone()).collect();
        let locations = self
            .catalog_admin_store
            .sku_locations(&codes)
            .await?
            .into_iter()
            .collect();
        let list = list.with_locations(&locations);
        let bytes = tokio::task::spawn_blocking(move || akinai_pdf::render_picking_list(&list))
            .await
            .map_err(drawing_failed)?
            .map_err(drawing_failed)?;
        Ok(Pdf {
            file_name: format!("picking-list-{}.pdf", today.format("%Y%m%d")),
            bytes,
        })
    }
}
