//! Invoice payment (請求書払い, ADR 050), written once for both backends (ADR 020): the credit
//! check inside the order's transaction, the orders a statement collects, statements kept as
//! issued, payments received and reminders.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::{ColumnIndex, Database, Decode, Encode, Executor, IntoArguments, Type};

use akinai_domain::ids::{CompanyId, OrderId, StatementId};
use akinai_domain::tax::TaxCategory;
use akinai_domain::Yen;
use akinai_store::receivables::{BillableOrder, NewStatement, Statement, StatementPayment};
use akinai_store::{PlaceOrderError, StoreResult};

use crate::{corrupt, is_unique_violation, map_err, Columns, Dialect, Sql};

/// What a company owes: unbilled invoice orders plus what is unpaid on its statements.
const OUTSTANDING: &str = "SELECT CAST((SELECT COALESCE(SUM(grand_total), 0) FROM orders \
       WHERE billed_company_id = $1 AND statement_id IS NULL \
       AND status NOT IN ('cancelled', 'refunded')) \
     + (SELECT COALESCE(SUM(total - received), 0) FROM statements \
       WHERE company_id = $1 AND paid_at IS NULL) AS BIGINT)";

const STATEMENT_SELECT: &str = "SELECT s.id, s.company_id, c.name, c.department, s.period_from, \
     s.period_to, s.due_on, s.total, s.content, s.issued_at, s.issued_by, s.received, s.paid_at, \
     s.reminded_at FROM statements s JOIN companies c ON c.id = s.company_id";

fn day(raw: &str) -> StoreResult<NaiveDate> {
    NaiveDate::parse_from_str(raw, "%Y-%m-%d").map_err(corrupt)
}

fn day_text(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

impl<D> Sql<'_, D>
where
    D: Dialect,
    for<'q> D::Time: Encode<'q, D::Db> + Decode<'q, D::Db> + Type<D::Db>,
    for<'q> Option<D::Time>: Encode<'q, D::Db> + Decode<'q, D::Db> + Type<D::Db>,
    for<'c> &'c mut <D::Db as Database>::Connection: Executor<'c, Database = D::Db>,
    for<'q> <D::Db as Database>::Arguments<'q>: IntoArguments<'q, D::Db>,
    for<'q> i64: Encode<'q, D::Db> + Decode<'q, D::Db> + Type<D::Db>,
    for<'q> String: Encode<'q, D::Db> + Decode<'q, D::Db> + Type<D::Db>,
    for<'q> Option<i64>: Encode<'q, D::Db> + Decode<'q, D::Db> + Type<D::Db>,
    for<'q> Option<String>: Encode<'q, D::Db> + Decode<'q, D::Db> + Type<D::Db>,
    for<'q> &'q str: Encode<'q, D::Db> + Type<D::Db> + ColumnIndex<<D::Db as Database>::Row>,
    usize: ColumnIndex<<D::Db as Database>::Row>,
{
    /// Bills the just-inserted invoice order `order` of `amount` to `company` inside the
    /// order's transaction: the company's row is locked (PostgreSQL; SQLite writes one at a
    /// time), its limit read there and what it owes summed, so two racing orders cannot both
    /// take the last of the limit. Refused → [`PlaceOrderError::OverCreditLimit`] and the caller
    /// rolls the order back.
    pub async fn charge_credit(
        conn: &mut <D::Db as Database>::Connection,
        company: CompanyId,
        order: OrderId,
        amount: Yen,
    ) -> Result<(), PlaceOrderError> {
        let limit: Option<Option<i64>> = sqlx::query_scalar(
            "UPDATE companies SET credit_limit = credit_limit \
             WHERE id = $1 AND status = 'approved' RETURNING credit_limit",
        )
        .bind(company.0)
        .fetch_optional(&mut *conn)
        .await
        .map_err(map_err)?;
        let owed: i64 = sqlx::query_scalar(OUTSTANDING)
            .bind(company.0)
            .fetch_one(&mut *conn)
            .await
            .map_err(map_err)?;
        akinai_domain::receivables::check_credit(limit.flatten().map(Yen), Yen(owed), amount)
            .map_err(|refused| PlaceOrderError::OverCreditLimit {
                available: match refused {
                    akinai_domain::receivables::CreditRefusal::OverLimit { available } => available,
                    akinai_domain::receivables::CreditRefusal::NotAgreed => Yen::ZERO,
                },
            })?;
        sqlx::query("UPDATE orders SET billed_company_id = $1 WHERE id = $2")
            .bind(company.0)
            .bind(order.0)
            .execute(&mut *conn)
            .await
            .map_err(map_err)?;
        Ok(())
    }

    pub async fn outstanding(&self, company: CompanyId) -> StoreResult<Yen> {
        let owed: i64 = sqlx::query_scalar(OUTSTANDING)
            .bind(company.0)
            .fetch_one(self.0.reader())
            .await
            .map_err(map_err)?;
        Ok(Yen(owed))
    }

    pub async fn billable_orders(
        &self,
        company: CompanyId,
        placed_before: DateTime<Utc>,
    ) -> StoreResult<Vec<BillableOrder>> {
        let rows = sqlx::query(
            "SELECT o.id, o.placed_at, r.tax_category, r.total FROM orders o \
             JOIN order_tax_rates r ON r.order_id = o.id \
             WHERE o.billed_company_id = $1 AND o.statement_id IS NULL AND o.placed_at < $2 \
             AND o.status NOT IN ('cancelled', 'refunded') ORDER BY o.id, r.tax_category",
        )
        .bind(company.0)
        .bind(D::time(placed_before))
        .fetch_all(self.0.reader())
        .await
        .map_err(map_err)?;
        let mut orders: Vec<BillableOrder> = Vec::new();
        for r in &rows {
            let id = OrderId(r.int("id")?);
            let category = r.text("tax_category")?;
            let rate = (
                TaxCategory::parse(&category)
                    .ok_or_else(|| corrupt(format!("tax category {category}")))?,
                Yen(r.int("total")?),
            );
            match orders.last_mut() {
                Some(last) if last.id == id => last.rates.push(rate),
                _ => orders.push(BillableOrder {
                    id,
                    placed_at: D::at(r, "placed_at")?,
                    rates: vec![rate],
                }),
            }
        }
        Ok(orders)
    }

    pub async fn issue_statement(&self, s: &NewStatement) -> StoreResult<Option<StatementId>> {
        let mut tx = self.begin_write().await?;
        let made = sqlx::query_scalar::<_, i64>(
            "INSERT INTO statements (company_id, period_from, period_to, due_on, total, content, \
             issued_at, issued_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(s.company.0)
        .bind(day_text(s.period_from))
        .bind(day_text(s.period_to))
        .bind(day_text(s.due_on))
        .bind(s.total.0)
        .bind(s.content.as_str())
        .bind(D::time(s.issued_at))
        .bind(s.issued_by.as_str())
        .fetch_one(&mut *tx)
        .await;
        let id = match made {
            Ok(id) => id,
            Err(e) if is_unique_violation(&e) => return Ok(None),
            Err(e) => return Err(map_err(e)),
        };
        for chunk in s.orders.chunks(500) {
            let list = (0..chunk.len())
                .map(|i| format!("${}", i + 3))
                .collect::<Vec<_>>()
                .join(", ");
            let sql = format!(
                "UPDATE orders SET statement_id = $1 WHERE billed_company_id = $2 \
                 AND statement_id IS NULL AND status NOT IN ('cancelled', 'refunded') \
                 AND id IN ({list})"
            );
            let mut q = sqlx::query(&sql).bind(id).bind(s.company.0);
            for o in chunk {
                q = q.bind(o.0);
            }
            let done = q.execute(&mut *tx).await.map_err(map_err)?;
            if D::rows_affected(&done) != chunk.len() as u64 {
                // Billed or cancelled meanwhile: dropping `tx` rolls the statement back.
                return Ok(None);
            }
        }
        tx.commit().await.map_err(map_err)?;
        Ok(Some(StatementId(id)))
    }

    fn read_statement(r: &<D::Db as Database>::Row) -> StoreResult<Statement> {
        let department = r.text("department")?;
        let name = r.text("name")?;
        Ok(Statement {
            id: StatementId(r.int("id")?),
            company: CompanyId(r.int("company_id")?),
            company_name: if department.is_empty() {
                name
            } else {
                format!("{name} {department}")
            },
            period_from: day(&r.text("period_from")?)?,
            period_to: day(&r.text("period_to")?)?,
            due_on: day(&r.text("due_on")?)?,
            total: Yen(r.int("total")?),
            content: r.text("content")?,
            issued_at: D::at(r, "issued_at")?,
            issued_by: r.text("issued_by")?,
            received: Yen(r.int("received")?),
            paid_at: D::read_time(r, "paid_at")?,
            reminded_at: D::read_time(r, "reminded_at")?,
        })
    }

    pub async fn statements(
        &self,
        company: Option<CompanyId>,
        limit: u32,
    ) -> StoreResult<Vec<Statement>> {
        let rows = sqlx::query(&format!(
            "{STATEMENT_SELECT} WHERE ($1 IS NULL OR s.company_id = $1) \
             ORDER BY CASE WHEN s.paid_at IS NULL THEN 0 ELSE 1 END, \
             CASE WHEN s.paid_at IS NULL THEN s.due_on ELSE '' END, s.id DESC LIMIT $2"
        ))
        .bind(company.map(|c| c.0))
        .bind(i64::from(limit))
        .fetch_all(self.0.reader())
        .await
        .map_err(map_err)?;
        rows.iter().map(Self::read_statement).collect()
    }

    pub async fn statement(&self, id: StatementId) -> StoreResult<Option<Statement>> {
        let row = sqlx::query(&format!("{STATEMENT_SELECT} WHERE s.id = $1"))
            .bind(id.0)
            .fetch_optional(self.0.reader())
            .await
            .map_err(map_err)?;
        row.as_ref().map(Self::read_statement).transpose()
    }

    pub async fn record_statement_payment(
        &self,
        id: StatementId,
        p: &StatementPayment,
    ) -> StoreResult<Option<Yen>> {
        let mut tx = self.begin_write().await?;
        let received: Option<i64> = sqlx::query_scalar(
            "UPDATE statements SET received = received + $1, \
             paid_at = CASE WHEN paid_at IS NULL AND received + $1 >= total THEN $2 ELSE paid_at END \
             WHERE id = $3 RETURNING received",
        )
        .bind(p.amount.0)
        .bind(D::time(p.recorded_at))
        .bind(id.0)
        .fetch_optional(&mut *tx)
        .await
        .map_err(map_err)?;
        let Some(received) = received else {
            return Ok(None);
        };
        sqlx::query(
            "INSERT INTO statement_payments (statement_id, received_on, amount, note, \
             recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id.0)
        .bind(day_text(p.received_on))
        .bind(p.amount.0)
        .bind(p.note.as_str())
        .bind(p.recorded_by.as_str())
        .bind(D::time(p.recorded_at))
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        Ok(Some(Yen(received)))
    }

    pub async fn statement_payments(&self, id: StatementId) -> StoreResult<Vec<StatementPayment>> {
        let rows = sqlx::query(
            "SELECT received_on, amount, note, recorded_by, recorded_at FROM statement_payments \
             WHERE statement_id = $1 ORDER BY id",
        )
        .bind(id.0)
        .fetch_all(self.0.reader())
        .await
        .map_err(map_err)?;
        rows.iter()
            .map(|r| {
                Ok(StatementPayment {
                    received_on: day(&r.text("received_on")?)?,
                    amount: Yen(r.int("amount")?),
                    note: r.text("note")?,
                    recorded_by: r.text("recorded_by")?,
                    recorded_at: D::at(r, "recorded_at")?,
                })
            })
            .collect()
    }

    pub async fn mark_reminded(
        &self,
        id: StatementId,
        now: DateTime<Utc>,
        not_since: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE statements SET reminded_at = $1 WHERE id = $2 AND paid_at IS NULL \
             AND (reminded_at IS NULL OR reminded_at <= $3)",
        )
        .bind(D::time(now))
        .bind(id.0)
        .bind(D::time(not_since))
        .execute(self.0.writer())
        .await
        .map_err(map_err)?;
        Ok(D::rows_affected(&done) == 1)
    }
}

/// Implements `ReceivableStore` for a backend with the shared statements.
#[macro_export]
macro_rules! receivable_store {
    ($store:ty) => {
        const _: () = {
            use akinai_domain::ids::{CompanyId, StatementId};
            use akinai_domain::Yen;
            use akinai_store::receivables::{
                BillableOrder, NewStatement, Statement, StatementPayment,
            };
            use akinai_store::StoreResult;
            use chrono::{DateTime, Utc};
            #[async_trait::async_trait]
            impl akinai_store::receivables::ReceivableStore for $store {
                async fn outstanding(&self, company: CompanyId) -> StoreResult<Yen> {
                    $crate::Sql(self).outstanding(company).await
                }
                async fn billable_orders(
                    &self,
                    company: CompanyId,
                    placed_before: DateTime<Utc>,
                ) -> StoreResult<Vec<BillableOrder>> {
                    $crate::Sql(self)
                        .billable_orders(company, placed_before)
                        .await
                }
                async fn issue_statement(
                    &self,
                    statement: &NewStatement,
                ) -> StoreResult<Option<StatementId>> {
                    $crate::Sql(self).issue_statement(statement).await
                }
                async fn statements(
                    &self,
                    company: Option<CompanyId>,
                    limit: u32,
                ) -> StoreResult<Vec<Statement>> {
                    $crate::Sql(self).statements(company, limit).await
                }
                async fn statement(&self, id: StatementId) -> StoreResult<Option<Statement>> {
                    $crate::Sql(self).statement(id).await
                }
                async fn record_statement_payment(
                    &self,
                    id: StatementId,
                    payment: &StatementPayment,
                ) -> StoreResult<Option<Yen>> {
                    $crate::Sql(self)
                        .record_statement_payment(id, payment)
                        .await
                }
                async fn statement_payments(
                    &self,
                    id: StatementId,
                ) -> StoreResult<Vec<StatementPayment>> {
                    $crate::Sql(self).statement_payments(id).await
                }
                async fn mark_reminded(
                    &self,
                    id: StatementId,
                    now: DateTime<Utc>,
                    not_since: DateTime<Utc>,
                ) -> StoreResult<bool> {
                    $crate::Sql(self).mark_reminded(id, now, not_since).await
                }
            }
        };
    };
}
