//! Storage side of invoice payment (請求書払い, issue #23 item 5; ADR 050): what a company owes,
//! the invoice orders not yet billed, the monthly statements kept as issued, the payments
//! received against them and the weekly reminders of overdue ones.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};

use akinai_domain::ids::{CompanyId, OrderId, StatementId};
use akinai_domain::tax::TaxCategory;
use akinai_domain::Yen;

use crate::StoreResult;

/// An invoice order billed to a company and not yet on a statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BillableOrder {
    pub id: OrderId,
    pub placed_at: DateTime<Utc>,
    /// Tax-inclusive totals per rate as the order keeps them (after discounts, fees at the
    /// standard rate).
    pub rates: Vec<(TaxCategory, Yen)>,
}

/// A statement to keep.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewStatement {
    pub company: CompanyId,
    pub period_from: NaiveDate,
    pub period_to: NaiveDate,
    pub due_on: NaiveDate,
    pub total: Yen,
    /// The document as issued (JSON of `akinai_domain::documents::DocumentContent`); its
    /// number is filled in from the row by the reader.
    pub content: String,
    pub issued_at: DateTime<Utc>,
    /// `system` (the closing job) or the admin's name.
    pub issued_by: String,
    /// The orders it collects; each must still be unbilled.
    pub orders: Vec<OrderId>,
}

/// A kept statement and where its payment stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    pub id: StatementId,
    pub company: CompanyId,
    /// The company's addressee (会社名 部署), as it reads today.
    pub company_name: String,
    pub period_from: NaiveDate,
    pub period_to: NaiveDate,
    pub due_on: NaiveDate,
    pub total: Yen,
    pub content: String,
    pub issued_at: DateTime<Utc>,
    pub issued_by: String,
    /// Payments received so far.
    pub received: Yen,
    pub paid_at: Option<DateTime<Utc>>,
    pub reminded_at: Option<DateTime<Utc>>,
}

/// A payment received against a statement (入金の記録).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementPayment {
    pub received_on: NaiveDate,
    pub amount: Yen,
    pub note: String,
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
}

#[async_trait]
pub trait ReceivableStore: Send + Sync {
    /// What the company owes: its invoice orders not yet billed (not cancelled or refunded) and
    /// what is left unpaid on its statements.
    async fn outstanding(&self, company: CompanyId) -> StoreResult<Yen>;
    /// The company's invoice orders placed before `placed_before` and not yet on a statement
    /// (not cancelled or refunded), oldest first.
    async fn billable_orders(
        &self,
        company: CompanyId,
        placed_before: DateTime<Utc>,
    ) -> StoreResult<Vec<BillableOrder>>;
    /// Keeps a statement and puts its orders on it, in one transaction; `None` when the
    /// company has one for that closing day already or one of the orders was billed or
    /// cancelled meanwhile (nothing is written then).
    async fn issue_statement(&self, statement: &NewStatement) -> StoreResult<Option<StatementId>>;
    /// Statements, of one company or all, unpaid first (oldest due first), then newest.
    async fn statements(
        &self,
        company: Option<CompanyId>,
        limit: u32,
    ) -> StoreResult<Vec<Statement>>;
    async fn statement(&self, id: StatementId) -> StoreResult<Option<Statement>>;
    /// Records a payment received; the statement is paid once the payments cover its total.
    /// The new amount received, or `None` for an unknown statement.
    async fn record_statement_payment(
        &self,
        id: StatementId,
        payment: &StatementPayment,
    ) -> StoreResult<Option<Yen>>;
    async fn statement_payments(&self, id: StatementId) -> StoreResult<Vec<StatementPayment>>;
    /// Marks an unpaid statement reminded at `now`, unless it was reminded after `not_since`
    /// (another node sent this week's reminder); true when this call should send it.
    async fn mark_reminded(
        &self,
        id: StatementId,
        now: DateTime<Utc>,
        not_since: DateTime<Utc>,
    ) -> StoreResult<bool>;
}
