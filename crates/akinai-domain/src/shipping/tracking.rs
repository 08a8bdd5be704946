//! Tracking numbers in bulk (issue 19, item 3): what each row of a carrier's issued-slip file
//! means for its order, decided without IO. A row ships its order when the order may ship now
//! (paid, cash on delivery, or a card payment held for capture) and nothing is wrong with the
//! row; a row naming an order already shipped with the same number is done already (a file
//! imported twice changes nothing); every other row is refused with its reason — an unknown
//! order, an unreadable number, an order twice in the file, one number on two orders, an order
//! cancelled or shipped with another number, or flagged for review (CCSG-F-4: it never ships
//! before someone cleared it). The import is all-or-nothing: one refused row and nothing ships.

use std::collections::HashMap;

use chrono::NaiveDate;
use serde::Serialize;

use crate::fulfilment::{Carrier, OrderState, Shipment, StepRefused, TrackingNumber};
use crate::ids::OrderId;
use crate::order::OrderEvent;

/// One row of a tracking file as read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TrackingLine {
    /// The file's line (the header is 1).
    pub row: u64,
    pub order_number: String,
    pub tracking_number: String,
    /// 出荷日 as written, or empty.
    pub shipped_on: String,
}

/// What the shop knows of the order a row names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackedOrder {
    pub id: OrderId,
    pub state: OrderState,
    pub shipment: Option<Shipment>,
}

/// What a row will do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum RowVerdict {
    Ship {
        #[serde(skip)]
        order: OrderId,
        #[serde(skip)]
        shipment: Shipment,
        shipped_on: Option<NaiveDate>,
        /// The card payment is held: it is captured first.
        capture: bool,
    },
    /// Shipped with this number already.
    Done,
    /// Flagged for review and not cleared.
    UnderReview,
    Refused {
        reason: String,
    },
}

/// A row with its verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlannedRow {
    #[serde(flatten)]
    pub line: TrackingLine,
    #[serde(flatten)]
    pub verdict: RowVerdict,
}

impl PlannedRow {
    /// Whether this row stops the import.
    pub fn blocks(&self) -> bool {
        matches!(
            self.verdict,
            RowVerdict::UnderReview | RowVerdict::Refused { .. }
        )
    }
}

/// A 出荷日 as carriers write it: `2026/12/04`, `2026-12-04` or `20261204`.
pub fn parse_ship_date(text: &str) -> Option<NaiveDate> {
    let t = text.trim();
    ["%Y/%m/%d", "%Y-%m-%d", "%Y%m%d"]
        .iter()
        .find_map(|f| NaiveDate::parse_from_str(t, f).ok())
}

fn refused(reason: impl Into<String>) -> RowVerdict {
    RowVerdict::Refused {
        reason: reason.into(),
    }
}

/// The verdict of every line; `orders[i]` is the order `lines[i]` names, if it exists.
pub fn plan_tracking(
    lines: &[TrackingLine],
    orders: &[Option<TrackedOrder>],
    carrier: Carrier,
) -> Vec<PlannedRow> {
    let mut rows_of_order: HashMap<OrderId, Vec<u64>> = HashMap::new();
    let mut orders_of_number: HashMap<String, Vec<OrderId>> = HashMap::new();
    for (line, order) in lines.iter().zip(orders) {
        if let Some(o) = order {
            rows_of_order.entry(o.id).or_default().push(line.row);
            if let Some(n) = TrackingNumber::parse(&line.tracking_number) {
                let ids = orders_of_number.entry(n.as_str().to_string()).or_default();
                if !ids.contains(&o.id) {
                    ids.push(o.id);
                }
            }
        }
    }
    lines
        .iter()
        .zip(orders)
        .map(|(line, order)| PlannedRow {
            line: line.clone(),
            verdict: verdict(
                line,
                order.as_ref(),
                carrier,
                &rows_of_order,
                &orders_of_number,
            ),
        })
        .collect()
}

fn verdict(
    line: &TrackingLine,
    order: Option<&TrackedOrder>,
    carrier: Carrier,
    rows_of_order: &HashMap<OrderId, Vec<u64>>,
    orders_of_number: &HashMap<String, Vec<OrderId>>,
) -> RowVerdict {
    let Some(order) = order else {
        return refused(format!("注文「{}」が見つかりません", line.order_number));
    };
    let Some(tracking) = TrackingNumber::parse(&line.tracking_number) else {
        return refused(format!(
            "送り状番号「{}」が読めません(8〜20桁の英数字)",
            line.tracking_number
        ));
    };
    let shipped_on = if line.shipped_on.trim().is_empty() {
        None
    } else {
        match parse_ship_date(&line.shipped_on) {
            Some(d) => Some(d),
            None => {
                return refused(format!(
                    "出荷日「{}」が読めません(2026/12/04 の形で)",
                    line.shipped_on
                ))
            }
        }
    };
    if let Some(rows) = rows_of_order.get(&order.id).filter(|r| r.len() > 1) {
        let rows: Vec<String> = rows.iter().map(u64::to_string).collect();
        return refused(format!(
            "同じ注文がファイルに複数あります(行 {})",
            rows.join("・")
        ));
    }
    if orders_of_number
        .get(tracking.as_str())
        .is_some_and(|ids| ids.len() > 1)
    {
        return refused("同じ送り状番号が別の注文にもあります");
    }
    if let Some(done) = &order.shipment {
        return if done.tracking_number == tracking {
            RowVerdict::Done
        } else {
            refused(format!(
                "発送済みです(送り状番号 {})",
                done.tracking_number.as_str()
            ))
        };
    }
    let shipment = Shipment {
        carrier,
        tracking_number: tracking,
    };
    match order.state.step(OrderEvent::Ship, Some(&shipment)) {
        Ok(_) => RowVerdict::Ship {
            order: order.id,
            shipment,
            shipped_on,
            capture: order.state.payment_held,
        },
        Err(StepRefused::AwaitingReview) => RowVerdict::UnderReview,
        Err(_) => refused(format!(
            "この注文は「{}」のため発送できません",
            order.state.status.label_ja()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::order::{OrderStatus, PaymentMethod};

    fn line(row: u64, order: &str, tracking: &str) -> TrackingLine {
        TrackingLine {
            row,
            order_number: order.into(),
            tracking_number: tracking.into(),
            shipped_on: String::new(),
        }
    }

    fn order(id: i64, status: OrderStatus) -> Option<TrackedOrder> {
        Some(TrackedOrder {
            id: OrderId(id),
            state: OrderState {
                status,
                payment: PaymentMethod::BankTransfer,
                review_pending: false,
                payment_held: false,
            },
            shipment: None,
        })
    }

    #[test]
    fn good_bad_duplicate_and_under_review_rows_each_get_their_verdict() {
        let mut flagged = order(5, OrderStatus::Paid);
        if let Some(o) = flagged.as_mut() {
            o.state.review_pending = true;
        }
        let mut shipped = order(6, OrderStatus::Shipped);
        if let Some(o) = shipped.as_mut() {
            o.shipment = Some(Shipment {
                carrier: Carrier::Yamato,
                tracking_number: TrackingNumber::parse("111122223333").unwrap(),
            });
        }
        let lines = vec![
            line(2, "AK00000001", "1234-5678-9012"),
            line(3, "AK00000009", "123456789013"),
            line(4, "AK00000003", "12"),
            line(5, "AK00000004", "123456789014"),
            line(6, "AK00000004", "123456789015"),
            line(7, "AK00000005", "123456789016"),
            line(8, "AK00000006", "111122223333"),
            line(9, "AK00000007", "123456789017"),
        ];
        let orders = vec![
            order(1, OrderStatus::Paid),
            None,
            order(3, OrderStatus::Paid),
            order(4, OrderStatus::Paid),
            order(4, OrderStatus::Paid),
            flagged,
            shipped,
            order(7, OrderStatus::Cancelled),
        ];
        let plan = plan_tracking(&lines, &orders, Carrier::Yamato);
        assert!(
            matches!(&plan[0].verdict, RowVerdict::Ship { order, shipment, .. }
            if *order == OrderId(1) && shipment.tracking_number.as_str() == "123456789012")
        );
        let reason = |i: usize| match &plan[i].verdict {
            RowVerdict::Refused { reason } => reason.clone(),
            other => panic!("row {i}: {other:?}"),
        };
        assert!(reason(1).contains("見つかりません"));
        assert!(reason(2).contains("読めません"));
        assert!(reason(3).contains("行 5・6"));
        assert!(reason(4).contains("行 5・6"));
        assert_eq!(plan[5].verdict, RowVerdict::UnderReview);
        assert_eq!(plan[6].verdict, RowVerdict::Done);
        assert!(reason(7).contains("キャンセル"));
        assert!(!plan[0].blocks() && !plan[6].blocks());
        assert!(plan[5].blocks() && plan[7].blocks());
    }

    #[test]
    fn one_slip_number_on_two_orders_refuses_both() {
        let lines = vec![
            line(2, "AK1", "123456789012"),
            line(3, "AK2", "1234-5678-9012"),
        ];
        let plan = plan_tracking(
            &lines,
            &[order(1, OrderStatus::Paid), order(2, OrderStatus::Paid)],
            Carrier::Sagawa,
        );
        assert!(plan.iter().all(PlannedRow::blocks));
    }

    #[test]
    fn ship_dates_read_in_the_carriers_forms() {
        let d = NaiveDate::from_ymd_opt(2026, 12, 4);
        assert_eq!(parse_ship_date("2026/12/04"), d);
        assert_eq!(parse_ship_date("2026-12-04"), d);
        assert_eq!(parse_ship_date("20261204"), d);
        assert_eq!(parse_ship_date("12/04"), None);
    }
}
