//! The daily shipping work (issue 19, items 2–4): the carrier's label file for the orders
//! ready to ship, and the carrier's issued-slip file read back to ship them in bulk.
//!
//! The label file is written as its orders are read, in CP932 with CRLF (what B2クラウド and
//! e飛伝 import), every cell guarded against CSV injection. An order whose name or address does
//! not fit the carrier's field is left out and reported with the reason, so the shop fixes it
//! instead of a label printing half an address; an order awaiting review is left out and listed
//! (it may not ship, CCSG-F-4). Exporting is audited: the file holds customers' addresses.

mod batch;
mod tracking;

use std::io::Write;
use std::sync::Arc;

use serde::Serialize;
use serde_json::json;

use akinai_csv::{CsvOut, OutEncoding, WriteError};
use akinai_domain::ids::OrderId;
use akinai_domain::order::{OrderEvent, OrderStatus, PaymentMethod};
use akinai_domain::shipping::{label_row, LabelLayout, LabelProblem, Parcel, Sender};
use akinai_store::fulfilment::{FulfilmentStore, OrderCursor, OrderFilter, OrderListRow};
use akinai_store::OrderStore;

pub use tracking::TrackingReport;

use akinai_domain::admin::{ViewOrders, ViewPersonalData};

use crate::accounts::Client;
use crate::admin::Authorized;
use crate::audit::AuditContext;
use crate::{Audit, Base, CoreError, Payments};

/// Rows read from the store at a time.
const PAGE: u32 = 200;

/// Which orders go into a label file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LabelSelection {
    /// Every order that may ship now (`None`: 入金済み, cash on delivery and held card
    /// payments), or only those in one status.
    Ready(Option<OrderStatus>),
    /// The orders staff selected in the order list.
    Orders(Vec<OrderId>),
}

/// An order as a report names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrderRef {
    pub id: OrderId,
    /// `AK00000012`.
    pub number: String,
}

impl OrderRef {
    fn of(id: OrderId) -> OrderRef {
        OrderRef {
            id,
            number: akinai_store::order_number(id),
        }
    }
}

/// An order and what is wrong with its row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrderProblems {
    pub order: OrderRef,
    pub problems: Vec<LabelProblem>,
}

/// What a label export wrote and left out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LabelReport {
    pub layout: LabelLayout,
    /// Orders written.
    pub written: u64,
    /// Those orders, in the file's order.
    pub written_orders: Vec<OrderRef>,
    /// Orders left out, with the reasons (fix them and export again).
    pub left_out: Vec<OrderProblems>,
    /// Orders written with a notice (a shortened 品名).
    pub notices: Vec<OrderProblems>,
    /// Orders awaiting review, left out.
    pub under_review: Vec<OrderRef>,
}

/// The shipping desk: label files out, tracking numbers in.
#[derive(Clone)]
pub struct Shipping {
    pub(crate) base: Base,
    pub(crate) fulfilment_store: Arc<dyn FulfilmentStore>,
    pub(crate) order_store: Arc<dyn OrderStore>,
    pub(crate) payments: Payments,
    pub(crate) audit: Audit,
    pub(crate) documents: crate::Documents,
    /// The SKUs' 棚番 for the picking list.
    pub(crate) catalog_admin_store: Arc<dyn akinai_store::catalog_admin::CatalogAdminStore>,
}

fn write_error(e: WriteError) -> CoreError {
    CoreError::Export(e.to_string())
}

/// Whether an order may ship now, review aside.
fn may_ship(status: OrderStatus, payment: PaymentMethod, payment_held: bool) -> bool {
    akinai_domain::fulfilment::OrderState {
        status,
        payment,
        review_pending: false,
        payment_held,
    }
    .next_events()
    .contains(&OrderEvent::Ship)
}

/// An order considered for a label file, with the order itself when selecting it read it
/// already (so it is not read twice).
struct Candidate {
    id: OrderId,
    review_pending: bool,
    may_ship: bool,
    order: Option<akinai_store::Order>,
}

impl Candidate {
    fn of(row: &OrderListRow) -> Candidate {
        Candidate {
            id: row.id,
            review_pending: row.review_pending,
            may_ship: may_ship(row.status, row.payment_method, row.payment_held),
            order: None,
        }
    }
}

impl Shipping {
    /// Whether the order's card payment is held for capture at shipping.
    async fn held(&self, order: &akinai_store::Order) -> Result<bool, CoreError> {
        Ok(self.payments.held_for_shipping(order).await?.is_some())
    }

    /// The candidate's order, read now unless selecting it read it already.
    async fn order_of(&self, c: Candidate) -> Result<Option<akinai_store::Order>, CoreError> {
        match c.order {
            Some(order) => Ok(Some(order)),
            None => Ok(self.order_store.order(c.id).await?),
        }
    }

    /// The orders of `selection`.
    async fn selected(&self, selection: &LabelSelection) -> Result<Vec<Candidate>, CoreError> {
        let mut out = Vec::new();
        match selection {
            LabelSelection::Orders(ids) => {
                for id in ids {
                    if let Some(order) = self.order_store.order(*id).await? {
                        let held = self.held(&order).await?;
                        out.push(Candidate {
                            id: order.id,
                            review_pending: order.review_pending,
                            may_ship: may_ship(order.status, order.payment_method, held),
                            order: Some(order),
                        });
                    }
                }
            }
            LabelSelection::Ready(status) => {
                let statuses = match status {
                    Some(s) => vec![*s],
                    None => vec![OrderStatus::Paid, OrderStatus::Placed],
                };
                for status in statuses {
                    let filter = OrderFilter {
                        status: Some(status),
                        ..OrderFilter::default()
                    };
                    let mut cursor: Option<OrderCursor> = None;
                    loop {
                        let page = self
                            .fulfilment_store
                            .list_orders(&filter, cursor.as_ref(), PAGE)
                            .await?;
                        cursor = page.last().map(OrderListRow::cursor);
                        let full = page.len() == PAGE as usize;
                        out.extend(page.iter().map(Candidate::of).filter(|c| c.may_ship));
                        if !full {
                            break;
                        }
                    }
                }
                // Oldest first: the order the shop packs them in.
                out.sort_by_key(|c| c.id.0);
            }
        }
        Ok(out)
    }

    /// What the label file of `layout` would hold for `selection`, for the 出荷 page (nothing
    /// is written or audited: the page shows order numbers and reasons only).
    pub async fn check_labels(
        &self,
        _by: &Authorized<ViewOrders>,
        layout: LabelLayout,
        selection: &LabelSelection,
    ) -> Result<LabelReport, CoreError> {
        self.write_labels(layout, selection, std::io::sink()).await
    }

    /// The label file for staff, audited (it holds the customers' names and addresses).
    pub async fn labels_for_staff(
        &self,
        by: &Authorized<ViewPersonalData>,
        client: &Client,
        layout: LabelLayout,
        selection: &LabelSelection,
    ) -> Result<(LabelReport, Vec<u8>), CoreError> {
        let mut file = Vec::new();
        let report = self
            .export_labels(
                layout,
                selection,
                &mut file,
                &by.principal().audit_context(client),
            )
            .await?;
        Ok((report, file))
    }

    /// Writes the label file of `layout` for `selection` to `out`, audited.
    pub async fn export_labels<W: Write + Send>(
        &self,
        layout: LabelLayout,
        selection: &LabelSelection,
        out: W,
        who: &AuditContext,
    ) -> Result<LabelReport, CoreError> {
        let report = self.write_labels(layout, selection, out).await?;
        self.audit
            .record(
                who,
                "shipping.export",
                "orders",
                json!({
                    "layout": layout.name(),
                    "written": report.written,
                    "left_out": report.left_out.len(),
                    "under_review": report.under_review.len(),
                }),
            )
            .await?;
        Ok(report)
    }

    async fn write_labels<W: Write + Send>(
        &self,
        layout: LabelLayout,
        selection: &LabelSelection,
        out: W,
    ) -> Result<LabelReport, CoreError> {
        let settings = self.base.settings().await?;
        let sender = Sender::from_legal(&settings.legal);
        let ships_on = self.base.today();
        let mut csv =
            CsvOut::new(out, OutEncoding::ShiftJis, layout.header()).map_err(write_error)?;
        let mut report = LabelReport {
            layout,
            written: 0,
            written_orders: Vec::new(),
            left_out: Vec::new(),
            notices: Vec::new(),
            under_review: Vec::new(),
        };
        for row in self.selected(selection).await? {
            let at = OrderRef::of(row.id);
            if row.review_pending {
                report.under_review.push(at);
                continue;
            }
            if !row.may_ship {
                report.left_out.push(OrderProblems {
                    order: at,
                    problems: vec![LabelProblem {
                        field: "",
                        message: "発送できる状態ではありません(入金待ち・発送済み・キャンセルなど)"
                            .into(),
                    }],
                });
                continue;
            }
            let Some(order) = self.order_of(row).await? else {
                continue;
            };
            let tax = order.totals.rates.iter().map(|r| r.tax.0).sum();
            let parcel = Parcel {
                order_number: &at.number,
                details: &order.details,
                lines: &order.lines,
                grand_total: order.totals.grand_total,
                tax: akinai_domain::money::Yen(tax),
                method: settings.shipping_method(&order.details.shipping_method),
                ships_on,
            };
            match label_row(layout, &parcel, &sender) {
                Ok(r) => {
                    csv.row(&r.cells).map_err(write_error)?;
                    report.written += 1;
                    if !r.notices.is_empty() {
                        report.notices.push(OrderProblems {
                            order: at.clone(),
                            problems: r.notices,
                        });
                    }
                    report.written_orders.push(at);
                }
                Err(problems) => report.left_out.push(OrderProblems {
                    order: at,
                    problems,
                }),
            }
        }
        csv.finish().map_err(write_error)?;
        Ok(report)
    }
}
