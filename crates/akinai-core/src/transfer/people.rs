//! Exports that hold personal data (CSV issue, item 3): customers (with their first saved
//! address) and orders, one row per order line with EC-CUBE-like columns (注文番号, 受注日,
//! 対応状況, 支払方法, 配送先, 送料, 税金, 合計, …), so a shop can keep them in Excel or move them
//! elsewhere. Who exported how many rows is recorded in the audit trail (IPA-C-8, IPA-C-12);
//! every cell is guarded like any export.

use std::io::Write;

use chrono::{DateTime, Utc};
use serde_json::json;

use akinai_csv::{CsvOut, OutEncoding};
use akinai_domain::tax::TaxCategory;
use akinai_store::fulfilment::{OrderCursor, OrderFilter};
use akinai_store::Order;

use super::export::write_error;
use super::Transfer;
use crate::audit::AuditContext;
use crate::clock::jst;
use crate::i18n::{Lang, Tr};
use crate::CoreError;

/// Rows read per page.
const PAGE: u32 = 200;

/// The customers export's columns.
pub const CUSTOMER_HEADER: [&str; 16] = [
    "email",
    "name",
    "phone",
    "registered_at",
    "orders",
    "locked",
    "marketing",
    "address_name",
    "address_kana",
    "address_phone",
    "postal_code",
    "prefecture",
    "city",
    "line1",
    "line2",
    "last_login_at",
];

/// The orders export's columns (one row per order line).
pub const ORDER_HEADER: [&str; 34] = [
    "注文番号",
    "受注日",
    "対応状況",
    "支払方法",
    "会員ID",
    "お名前",
    "お名前(フリガナ)",
    "メールアドレス",
    "TEL",
    "郵便番号",
    "都道府県",
    "住所1",
    "住所2",
    "配送方法",
    "お届け希望日",
    "お届け時間",
    "配送業者",
    "出荷伝票番号",
    "商品コード",
    "商品名",
    "規格名",
    "価格(税込)",
    "個数",
    "税率",
    "明細小計",
    "商品合計",
    "送料",
    "手数料",
    "値引き",
    "使用ポイント",
    "加算ポイント",
    "税金(10%)",
    "税金(8%)",
    "合計",
];

fn time(t: Option<DateTime<Utc>>) -> String {
    t.map(|t| {
        t.with_timezone(&jst())
            .format("%Y-%m-%d %H:%M:%S")
            .to_string()
    })
    .unwrap_or_default()
}

/// The rows of one order.
fn order_rows(o: &Order, tr: &Tr) -> Vec<Vec<String>> {
    let d = &o.details;
    let a = &d.address;
    let tax_of = |c: TaxCategory| {
        o.totals
            .rates
            .iter()
            .find(|r| r.tax_category == c)
            .map_or(0, |r| r.tax.0)
            .to_string()
    };
    let order = [
        o.number(),
        time(Some(o.placed_at)),
        tr.lookup(&format!("status.{}", o.status.as_str()))
            .to_string(),
        tr.lookup(&format!("payment.{}", o.payment_method.as_str()))
            .to_string(),
        o.customer_id.map(|c| c.0.to_string()).unwrap_or_default(),
        d.name.clone(),
        d.name_kana.as_str().to_string(),
        d.email.as_str().to_string(),
        d.phone.as_str().to_string(),
        a.postal_code.as_str().to_string(),
        a.prefecture.name_ja().to_string(),
        format!("{}{}", a.city, a.line1),
        a.line2.clone().unwrap_or_default(),
        d.shipping_method.clone(),
        d.delivery_date.map(|x| x.to_string()).unwrap_or_default(),
        d.delivery_slot.clone().unwrap_or_default(),
        o.shipment
            .as_ref()
            .map(|s| s.carrier.name_ja().to_string())
            .unwrap_or_default(),
        o.shipment
            .as_ref()
            .map(|s| s.tracking_number.as_str().to_string())
            .unwrap_or_default(),
    ];
    let totals = [
        o.totals.items_total.0.to_string(),
        o.totals.shipping_fee.0.to_string(),
        o.totals.payment_fee.0.to_string(),
        o.totals.discount.0.to_string(),
        o.totals.points.0.to_string(),
        o.points_earned.to_string(),
        tax_of(TaxCategory::Standard),
        tax_of(TaxCategory::Reduced),
        o.totals.grand_total.0.to_string(),
    ];
    o.lines
        .iter()
        .map(|l| {
            let mut row = order.to_vec();
            row.extend([
                l.sku_code.clone(),
                l.product_name.clone(),
                l.option_label.clone(),
                l.unit_price.0.to_string(),
                l.quantity.to_string(),
                format!("{}%", l.tax_category.rate_percent()),
                l.line_total.0.to_string(),
            ]);
            row.extend(totals.iter().cloned());
            row
        })
        .collect()
}

impl Transfer {
    /// Completes an export of personal data (`what`: orders or customers) and records who
    /// exported how many rows; `(items, rows)`.
    async fn finish_personal<W: Write + Send>(
        &self,
        csv: CsvOut<W>,
        who: &AuditContext,
        what: &str,
        items: u64,
    ) -> Result<(u64, u64), CoreError> {
        let rows = csv.rows() - 1;
        csv.finish().map_err(write_error)?;
        self.audit
            .record(
                who,
                &format!("{what}.export"),
                what,
                json!({ what: items, "rows": rows }),
            )
            .await?;
        Ok((items, rows))
    }

    /// Writes every order, one row per line, newest first.
    pub async fn export_orders<W: Write + Send>(
        &self,
        encoding: OutEncoding,
        out: W,
        who: &AuditContext,
    ) -> Result<(u64, u64), CoreError> {
        let tr = Tr::new(Lang::Ja);
        let mut csv = CsvOut::new(out, encoding, &ORDER_HEADER).map_err(write_error)?;
        let mut cursor: Option<OrderCursor> = None;
        let mut orders = 0;
        loop {
            let page = self
                .fulfilment_store
                .list_orders(&OrderFilter::default(), cursor.as_ref(), PAGE)
                .await?;
            for row in &page {
                let Some(order) = self.order_store.order(row.id).await? else {
                    continue;
                };
                orders += 1;
                for r in order_rows(&order, &tr) {
                    csv.row(&r).map_err(write_error)?;
                }
            }
            match page.last() {
                Some(last) if page.len() == PAGE as usize => {
                    cursor = Some(OrderCursor {
                        placed_at: last.placed_at,
                        id: last.id,
                    });
                }
                _ => break,
            }
        }
        self.finish_personal(csv, who, "orders", orders).await
    }

    /// Writes every customer (tombstones of deleted accounts left out) with the first saved
    /// address.
    pub async fn export_customers<W: Write + Send>(
        &self,
        encoding: OutEncoding,
        out: W,
        who: &AuditContext,
    ) -> Result<(u64, u64), CoreError> {
        let mut csv = CsvOut::new(out, encoding, &CUSTOMER_HEADER).map_err(write_error)?;
        let mut before = None;
        let mut customers = 0;
        loop {
            let page = self
                .customer_store
                .customer_rows(&Default::default(), before, PAGE)
                .await?;
            for row in &page {
                let c = &row.customer;
                if c.deleted_at.is_some() {
                    continue;
                }
                customers += 1;
                let addresses = self.member_store.addresses(c.id).await?;
                let first = addresses.first().map(|a| &a.recipient);
                let field = |f: &dyn Fn(&akinai_domain::address_book::Recipient) -> String| {
                    first.map(f).unwrap_or_default()
                };
                csv.row(&[
                    c.email.clone(),
                    c.name.clone(),
                    c.phone.clone().unwrap_or_default(),
                    time(Some(c.created_at)),
                    row.orders.to_string(),
                    if c.locked_at.is_some() { "1" } else { "0" }.to_string(),
                    if c.marketing_consent { "1" } else { "0" }.to_string(),
                    field(&|r| r.name.clone()),
                    field(&|r| r.name_kana.as_str().to_string()),
                    field(&|r| r.phone.as_str().to_string()),
                    field(&|r| r.address.postal_code.as_str().to_string()),
                    field(&|r| r.address.prefecture.name_ja().to_string()),
                    field(&|r| r.address.city.clone()),
                    field(&|r| r.address.line1.clone()),
                    field(&|r| r.address.line2.clone().unwrap_or_default()),
                    time(c.last_login_at),
                ])
                .map_err(write_error)?;
            }
            match page.last() {
                Some(last) if page.len() == PAGE as usize => before = Some(last.customer.id),
                _ => break,
            }
        }
        self.finish_personal(csv, who, "customers", customers).await
    }
}
