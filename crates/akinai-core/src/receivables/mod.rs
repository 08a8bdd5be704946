//! Invoice payment (請求書払い・掛け払い, issue #23 item 5; ADR 050). A buyer of an approved
//! company with a credit limit may pay by invoice: checkout offers the method with what is left
//! of the limit, and placing the order checks the limit again in its transaction. After each
//! closing day the worker (or staff, 「締め処理」) issues one statement per company over its
//! unbilled invoice orders — a qualified invoice with the tax per rate rounded once
//! (JP-INV-2), kept as issued and mailed as PDF. Staff record payments received; unpaid
//! statements past their due date are listed as overdue and reminded by mail once a week. A
//! buyer sees the company's statements on my page, and no one else's (SWS-11).

mod closing;

use std::sync::Arc;

use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::json;

use akinai_domain::admin::{ManageCustomers, ViewSales};
use akinai_domain::business::{Company, CompanyStatus};
use akinai_domain::documents::{DocumentContent, DocumentKind};
use akinai_domain::ids::{CustomerId, StatementId};
use akinai_domain::receivables::{statement_state, PaymentTerms, StatementState};
use akinai_domain::Yen;
use akinai_store::business::BusinessStore;
use akinai_store::receivables::{ReceivableStore, Statement, StatementPayment};
use akinai_store::JobStore;

use crate::accounts::{Client, Member};
use crate::admin::Authorized;
use crate::documents::Pdf;
use crate::mail::Mailer;
use crate::{Audit, Base, CoreError, Documents};

pub use closing::{JOB_STATEMENT_MAIL, STATEMENTS_TASK};

/// The audit actions of invoice payment.
pub const STATEMENT_ISSUE: &str = "statement.issue";
pub const STATEMENT_PAYMENT: &str = "statement.payment";

/// Most statements listed on one page.
const LIST_LIMIT: u32 = 200;

#[derive(Clone)]
pub struct Receivables {
    pub(crate) base: Base,
    pub(crate) receivable_store: Arc<dyn ReceivableStore>,
    pub(crate) business_store: Arc<dyn BusinessStore>,
    pub(crate) job_store: Arc<dyn JobStore>,
    pub(crate) documents: Documents,
    pub(crate) audit: Audit,
    pub(crate) mailer: Arc<dyn Mailer>,
}

/// A company's invoice payment as its buyer may use it now.
#[derive(Debug, Clone)]
pub struct InvoiceAccount {
    pub company: Company,
    pub terms: PaymentTerms,
    pub limit: Yen,
    /// What the company owes (unbilled orders and unpaid statements).
    pub outstanding: Yen,
}

impl InvoiceAccount {
    /// What is left of the limit.
    pub fn available(&self) -> Yen {
        Yen((self.limit.0 - self.outstanding.0).max(0))
    }
}

/// A statement with where its payment stands today.
#[derive(Debug, Clone)]
pub struct StatementView {
    pub statement: Statement,
    pub number: String,
    pub state: StatementState,
}

impl StatementView {
    /// 「入金済み」, 「未入金(期日前)」, 「支払期日超過 12日」.
    pub fn state_ja(&self) -> String {
        match self.state {
            StatementState::Paid => "入金済み".into(),
            StatementState::Open => "未入金(期日前)".into(),
            StatementState::Overdue { days } => format!("支払期日超過 {days}日"),
        }
    }

    pub fn overdue(&self) -> bool {
        matches!(self.state, StatementState::Overdue { .. })
    }

    /// What is still to be paid.
    pub fn balance(&self) -> Yen {
        Yen((self.statement.total.0 - self.statement.received.0).max(0))
    }
}

/// A statement's page for staff: the statement, its document and the payments received.
pub struct StatementDetail {
    pub view: StatementView,
    pub document: DocumentContent,
    pub payments: Vec<StatementPayment>,
}

/// The 入金の記録 form as typed.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct PaymentInput {
    pub received_on: String,
    pub amount: String,
    pub note: String,
}

impl Receivables {
    /// The invoice payment a member may use: their approved company's, when it has a credit
    /// limit; `None` otherwise (and for a member whose e-mail address is not verified, whose
    /// orders are guest orders).
    pub async fn invoice_account(&self, m: &Member) -> Result<Option<InvoiceAccount>, CoreError> {
        if m.customer.email_verified_at.is_none() {
            return Ok(None);
        }
        self.account_of(m.customer.id).await
    }

    async fn account_of(&self, customer: CustomerId) -> Result<Option<InvoiceAccount>, CoreError> {
        let Some(company) = self
            .business_store
            .company_of(customer)
            .await?
            .filter(|c| c.status == CompanyStatus::Approved)
        else {
            return Ok(None);
        };
        let Some(limit) = company.credit_limit else {
            return Ok(None);
        };
        let outstanding = self.receivable_store.outstanding(company.id).await?;
        Ok(Some(InvoiceAccount {
            terms: company.terms.unwrap_or_default(),
            company,
            limit,
            outstanding,
        }))
    }

    fn view(&self, statement: Statement) -> StatementView {
        let state = statement_state(
            statement.total,
            statement.received,
            statement.due_on,
            self.base.today(),
        );
        StatementView {
            number: DocumentKind::Statement.number(statement.id.0),
            statement,
            state,
        }
    }

    /// 「請求・入金」: every statement, unpaid first (oldest due first), then newest.
    pub async fn list(&self, _by: &Authorized<ViewSales>) -> Result<Vec<StatementView>, CoreError> {
        Ok(self
            .receivable_store
            .statements(None, LIST_LIMIT)
            .await?
            .into_iter()
            .map(|s| self.view(s))
            .collect())
    }

    /// The document a statement was issued as, numbered by its row.
    fn document(statement: &Statement, number: &str) -> Result<DocumentContent, CoreError> {
        let mut doc: DocumentContent = serde_json::from_str(&statement.content)
            .map_err(|e| CoreError::Store(akinai_store::StoreError::Corrupt(e.to_string())))?;
        doc.number = number.to_string();
        doc.order_number = number.to_string();
        Ok(doc)
    }

    /// A statement's page for staff.
    pub async fn detail(
        &self,
        _by: &Authorized<ViewSales>,
        id: StatementId,
    ) -> Result<StatementDetail, CoreError> {
        let statement = self
            .receivable_store
            .statement(id)
            .await?
            .ok_or(CoreError::NotFound)?;
        let payments = self.receivable_store.statement_payments(id).await?;
        let view = self.view(statement);
        let document = Self::document(&view.statement, &view.number)?;
        Ok(StatementDetail {
            view,
            document,
            payments,
        })
    }

    async fn draw(&self, view: &StatementView) -> Result<Pdf, CoreError> {
        let doc = Self::document(&view.statement, &view.number)?;
        Ok(Pdf {
            file_name: DocumentKind::Statement.file_name(&view.number),
            bytes: self.documents.draw(vec![doc]).await?,
        })
    }

    /// The statement as PDF, for staff.
    pub async fn pdf_for_staff(
        &self,
        by: &Authorized<ViewSales>,
        id: StatementId,
    ) -> Result<Pdf, CoreError> {
        let d = self.detail(by, id).await?;
        self.draw(&d.view).await
    }

    /// The statements of the member's company (my page); empty for a member of none.
    pub async fn mine(&self, m: &Member) -> Result<Vec<StatementView>, CoreError> {
        let Some(company) = self
            .business_store
            .company_of(m.customer.id)
            .await?
            .filter(|c| c.status == CompanyStatus::Approved)
        else {
            return Ok(Vec::new());
        };
        Ok(self
            .receivable_store
            .statements(Some(company.id), LIST_LIMIT)
            .await?
            .into_iter()
            .map(|s| self.view(s))
            .collect())
    }

    /// One of the member's company's statements as PDF; another company's is not found
    /// (SWS-11).
    pub async fn pdf_for_member(&self, m: &Member, id: StatementId) -> Result<Pdf, CoreError> {
        let view = self
            .mine(m)
            .await?
            .into_iter()
            .find(|v| v.statement.id == id)
            .ok_or(CoreError::NotFound)?;
        self.draw(&view).await
    }

    /// `POST /admin/receivables/{id}/payments`: records a payment received (day, amount, a
    /// note); the statement is paid once payments cover it. Audited.
    pub async fn record_payment(
        &self,
        by: &Authorized<ManageCustomers>,
        client: &Client,
        id: StatementId,
        input: &PaymentInput,
    ) -> Result<Yen, CoreError> {
        use akinai_domain::address::FieldError;
        let mut errors = Vec::new();
        let received_on = NaiveDate::parse_from_str(input.received_on.trim(), "%Y-%m-%d").ok();
        if received_on.is_none() {
            errors.push(("received_on", FieldError::Invalid));
        }
        let amount = akinai_domain::catalog::parse_whole(&input.amount, 1..=100_000_000);
        if amount.is_none() {
            errors.push(("amount", FieldError::Invalid));
        }
        let note = input.note.trim().to_string();
        if note.chars().count() > 200 {
            errors.push(("note", FieldError::TooLong(200)));
        }
        let (Some(received_on), Some(amount), true) = (received_on, amount, errors.is_empty())
        else {
            return Err(CoreError::InvalidFields(errors));
        };
        let who = by.principal().actor();
        let received = self
            .receivable_store
            .record_statement_payment(
                id,
                &StatementPayment {
                    received_on,
                    amount: Yen(amount),
                    note: note.clone(),
                    recorded_by: who,
                    recorded_at: self.base.clock.now(),
                },
            )
            .await?
            .ok_or(CoreError::NotFound)?;
        self.audit
            .record(
                &by.principal().audit_context(client),
                STATEMENT_PAYMENT,
                &format!("statement:{}", id.0),
                json!({ "received_on": received_on.to_string(), "amount": amount,
                    "received_total": received.0, "note": note }),
            )
            .await?;
        Ok(received)
    }
}
