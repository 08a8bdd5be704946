//! Storage side of business customers (issue #23, item 2): applications and the companies they
//! become, which company a member buys for and in what part, invitations of further members,
//! the approval rule with the orders waiting for it, and addresses shared with the company.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use akinai_domain::business::{Company, CompanyInvite, CompanyMember, CompanyRole, NewCompany};
use akinai_domain::ids::{AddressId, CompanyId, CustomerId, OrderId};
use akinai_domain::price_rules::GroupId;

use crate::{SavedAddress, StoreResult, TokenHash};

/// An invitation to keep: only the SHA-256 of the link's token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewInvite {
    pub company: CompanyId,
    pub token: TokenHash,
    pub link_nonce: String,
    pub email: String,
    pub role: CompanyRole,
    pub invited_by: CustomerId,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

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
    /// The approved company a member buys for, with the member's part in it.
    async fn membership(&self, customer: CustomerId)
        -> StoreResult<Option<(Company, CompanyRole)>>;
    /// The company's members (not erased), admin first.
    async fn company_members(&self, company: CompanyId) -> StoreResult<Vec<CompanyMember>>;
    async fn create_invite(&self, invite: &NewInvite) -> StoreResult<i64>;
    async fn invite(&self, id: i64) -> StoreResult<Option<CompanyInvite>>;
    async fn invite_by_token(&self, token: &TokenHash) -> StoreResult<Option<CompanyInvite>>;
    /// The company's invitations, newest first.
    async fn company_invites(&self, company: CompanyId) -> StoreResult<Vec<CompanyInvite>>;
    /// Accepts an open invitation (not used, not expired at `now`) for `customer`, who joins
    /// the company in its role and group, in one transaction; false when the invitation is used
    /// or expired or the member belongs to a company already (nothing is written then).
    async fn accept_invite(
        &self,
        token: &TokenHash,
        customer: CustomerId,
        now: DateTime<Utc>,
    ) -> StoreResult<bool>;
    /// Sets the amount over which a buyer's order waits for an approver (`None`: no rule).
    async fn set_approval_over(
        &self,
        company: CompanyId,
        amount: Option<akinai_domain::Yen>,
    ) -> StoreResult<bool>;
    /// Gives a member of the company another part, or takes them out of it (company and role
    /// cleared, the company's customer group left, their addresses no longer shared), in one
    /// transaction; never the company's admin. False (nothing written) when `customer` is not a
    /// non-admin member of `company`.
    async fn change_company_member(
        &self,
        company: CompanyId,
        customer: CustomerId,
        change: akinai_domain::business::MemberChange,
    ) -> StoreResult<bool>;
    /// Orders of the company's members still waiting for the company's approval, oldest first.
    async fn orders_awaiting_approval(&self, company: CompanyId) -> StoreResult<Vec<OrderId>>;
    /// Addresses the company's other members share with it.
    async fn shared_addresses(
        &self,
        company: CompanyId,
        except: CustomerId,
    ) -> StoreResult<Vec<SavedAddress>>;
    /// Shares one of the member's addresses with their company, or stops; false when not theirs.
    async fn share_address(
        &self,
        customer: CustomerId,
        id: AddressId,
        shared: bool,
    ) -> StoreResult<bool>;
}
