//! The monthly sales journal (issue 19, item 5): every order placed in the month (JST) that was
//! not cancelled, as a sale on its day, and every refund made in the month (the refund ledger),
//! as a refund on its day spread over the order's rates — written in the layout the shop's
//! accounting package imports (generic, freee, 弥生) and audited as an export of sales data.

use std::io::Write;

use chrono::{Datelike, NaiveDate};
use serde::Serialize;
use serde_json::json;

use akinai_csv::{CsvOut, OutEncoding};
use akinai_domain::accounting::{journal_rows, Entry, EntryKind, JournalLayout, YAYOI_COLUMNS};
use akinai_domain::documents::RateLine;
use akinai_domain::order::OrderStatus;
use akinai_domain::returns::refunded_per_rate;
use akinai_store::fulfilment::{OrderCursor, OrderFilter, OrderListRow};
use akinai_store::Order;

use super::export::write_error;
use super::Transfer;
use crate::audit::AuditContext;
use crate::clock::{jst, jst_midnight};
use crate::CoreError;

const PAGE: u32 = 200;

/// What a journal export wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct JournalReport {
    pub layout: JournalLayout,
    pub month: String,
    pub sales: u64,
    pub refunds: u64,
    pub rows: u64,
}

fn order_rates(order: &Order) -> Vec<RateLine> {
    order
        .totals
        .rates
        .iter()
        .map(|r| RateLine {
            rate_percent: r.rate_percent,
            reduced: r.tax_category.is_reduced(),
            total: r.total,
            tax: r.tax,
            discount: r.discount,
        })
        .collect()
}

impl Transfer {
    /// Writes the journal of the month starting on `first` (its first day) to `out`.
    pub async fn export_accounting<W: Write + Send>(
        &self,
        layout: JournalLayout,
        first: NaiveDate,
        out: W,
        who: &AuditContext,
    ) -> Result<JournalReport, CoreError> {
        let next = first
            .checked_add_months(chrono::Months::new(1))
            .ok_or(CoreError::NotFound)?;
        let (from, before) = (jst_midnight(first), jst_midnight(next));
        let encoding = if layout.shift_jis() {
            OutEncoding::ShiftJis
        } else {
            OutEncoding::Utf8
        };
        let mut csv = match layout.header() {
            Some(h) => CsvOut::new(out, encoding, h),
            None => CsvOut::headless(out, encoding, &[""; YAYOI_COLUMNS]),
        }
        .map_err(write_error)?;
        let settings = self.base.settings().await?;
        let mut report = JournalReport {
            layout,
            month: format!("{:04}-{:02}", first.year(), first.month()),
            sales: 0,
            refunds: 0,
            rows: 0,
        };
        let filter = OrderFilter {
            placed_from: Some(from),
            placed_before: Some(before),
            ..OrderFilter::default()
        };
        let mut rows: Vec<OrderListRow> = Vec::new();
        let mut cursor: Option<OrderCursor> = None;
        loop {
            let page = self
                .fulfilment_store
                .list_orders(&filter, cursor.as_ref(), PAGE)
                .await?;
            cursor = page.last().map(OrderListRow::cursor);
            let full = page.len() == PAGE as usize;
            rows.extend(page);
            if !full {
                break;
            }
        }
        rows.sort_by_key(|r| (r.placed_at, r.id.0));
        for row in rows.iter().filter(|r| r.status != OrderStatus::Cancelled) {
            let Some(order) = self.order_store.order(row.id).await? else {
                continue;
            };
            let rates = order_rates(&order);
            let entry = Entry {
                on: order.placed_at.with_timezone(&jst()).date_naive(),
                order_number: &order.number(),
                payment: order.payment_method,
                kind: EntryKind::Sale,
                rates: &rates,
            };
            for r in journal_rows(layout, &entry) {
                csv.row(&r).map_err(write_error)?;
                report.rows += 1;
            }
            report.sales += 1;
        }
        for refund in self.payment_store.refunds_between(from, before).await? {
            let Some(order) = self.order_store.order(refund.order).await? else {
                continue;
            };
            let rates = refunded_per_rate(&order_rates(&order), refund.amount, settings.rounding);
            let entry = Entry {
                on: refund.at.with_timezone(&jst()).date_naive(),
                order_number: &order.number(),
                payment: order.payment_method,
                kind: EntryKind::Refund,
                rates: &rates,
            };
            for r in journal_rows(layout, &entry) {
                csv.row(&r).map_err(write_error)?;
                report.rows += 1;
            }
            report.refunds += 1;
        }
        csv.finish().map_err(write_error)?;
        self.audit
            .record(
                who,
                "accounting.export",
                "orders",
                json!({ "layout": layout.name(), "month": report.month, "rows": report.rows }),
            )
            .await?;
        Ok(report)
    }
}
