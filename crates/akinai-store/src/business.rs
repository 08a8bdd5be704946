//! Storage side of business customers (issue #23, item 2): applications and the companies they
//! become, and which company a member buys for.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use akinai_domain::business::{Company, NewCompany};
use akinai_domain::ids::{CompanyId, CustomerId};
use akinai_domain::price_rules::GroupId;

use crate::StoreResult;

#[async_trait]
pub trait BusinessStore: Send + Sync {
    /// Records a member's application; `None` when the member has one pending or approved.
    async fn apply_business(
        &self,
        customer: CustomerId,
        company: &NewCompany,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<CompanyId>>;
    /// Applications and companies, pending first, then newest first.
    async fn companies(&self, limit: u32) -> StoreResult<Vec<Company>>;
    async fn company(&self, id: CompanyId) -> StoreResult<Option<Company>>;
    /// The company a member buys for (approved), else their newest application.
    async fn company_of(&self, customer: CustomerId) -> StoreResult<Option<Company>>;
    /// Approves a pending application (the applicant then buys for the company, in `group`) or
    /// turns it down, in one transaction; false when it is not pending (decided meanwhile).
    async fn decide_company(
        &self,
        id: CompanyId,
        approve: bool,
        group: Option<GroupId>,
        by: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<bool>;
    /// Sets the payment terms and credit limit of an approved company (ADR 050); false when it
    /// is not approved or unknown.
    async fn set_company_terms(
        &self,
        id: CompanyId,
        terms: &akinai_domain::receivables::CreditTerms,
    ) -> StoreResult<bool>;
}
