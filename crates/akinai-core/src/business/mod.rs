//! Business customers (issue #23, item 2): a signed-in member with a verified e-mail address
//! applies for a business account on my page; staff who manage customers approve it (putting
//! the member into a customer group, e.g. 法人, whose prices then apply) or turn it down; the
//! approved company is the addressee of the member's invoices. Every decision is audited.

mod members;

use std::sync::Arc;

use serde_json::json;

use akinai_domain::admin::{mask_email, ManageCustomers, ViewCustomers, ViewPersonalData};
use akinai_domain::business::{BusinessInput, Company, CompanyStatus};
use akinai_domain::ids::{CompanyId, CustomerId};
use akinai_domain::price_rules::GroupId;
use akinai_domain::receivables::TermsInput;
use akinai_store::business::BusinessStore;
use akinai_store::price_rules::PriceRuleStore;

use crate::accounts::{Client, Member};
use crate::admin::Authorized;
use crate::{Audit, Base, CoreError};

pub use members::{CompanyView, InviteView, Membership, JOB_INVITE_MAIL};

/// The audit actions of business accounts.
pub const BUSINESS_APPLY: &str = "business.apply";
pub const BUSINESS_APPROVE: &str = "business.approve";
pub const BUSINESS_REJECT: &str = "business.reject";
/// Payment terms and credit limit set for a company (掛け払い, ADR 050).
pub const BUSINESS_TERMS: &str = "business.terms";

#[derive(Clone)]
pub struct Business {
    pub(crate) base: Base,
    pub(crate) business_store: Arc<dyn BusinessStore>,
    pub(crate) price_store: Arc<dyn PriceRuleStore>,
    pub(crate) order_store: Arc<dyn akinai_store::OrderStore>,
    pub(crate) fulfilment_store: Arc<dyn akinai_store::fulfilment::FulfilmentStore>,
    pub(crate) job_store: Arc<dyn akinai_store::JobStore>,
    pub(crate) audit: Audit,
    pub(crate) mailer: Arc<dyn crate::mail::Mailer>,
}

impl Business {
    /// The member's company or newest application (my page).
    pub async fn mine(&self, m: &Member) -> Result<Option<Company>, CoreError> {
        Ok(self.business_store.company_of(m.customer.id).await?)
    }

    /// `POST /account/business`: records the application of a member with a verified e-mail
    /// address; refused while one is open.
    pub async fn apply(
        &self,
        m: &Member,
        client: &Client,
        input: &BusinessInput,
    ) -> Result<CompanyId, CoreError> {
        if m.customer.email_verified_at.is_none() {
            return Err(CoreError::MembersOnly);
        }
        let company = input.parse().map_err(CoreError::InvalidFields)?;
        let id = self
            .business_store
            .apply_business(m.customer.id, &company, self.base.clock.now())
            .await?
            .ok_or_else(|| {
                CoreError::Refused(vec![(
                    "company",
                    "すでにお申し込みいただいています(審査中または承認済み)。".to_string(),
                )])
            })?;
        self.audit
            .record(
                &crate::audit::AuditContext::customer(m.customer.id, client),
                BUSINESS_APPLY,
                &format!("company:{}", id.0),
                json!({ "name": company.name, "department": company.department }),
            )
            .await?;
        Ok(id)
    }

    /// Applications (pending first) and companies, for the back office; the applicants' e-mail
    /// addresses masked for those who may not see personal data (IPA-C-8).
    pub async fn list(&self, by: &Authorized<ViewCustomers>) -> Result<Vec<Company>, CoreError> {
        let mut companies = self.business_store.companies(500).await?;
        if !by.principal().holds::<ViewPersonalData>() {
            for c in &mut companies {
                c.applicant_email = mask_email(&c.applicant_email);
            }
        }
        Ok(companies)
    }

    /// Approves a pending application, putting its member into `group` (which must exist), or
    /// turns it down; audited. `NotFound` for an unknown or already decided application.
    pub async fn decide(
        &self,
        by: &Authorized<ManageCustomers>,
        client: &Client,
        id: CompanyId,
        approve: bool,
        group: Option<GroupId>,
    ) -> Result<(), CoreError> {
        if let Some(g) = group {
            if !self
                .price_store
                .customer_groups()
                .await?
                .iter()
                .any(|x| x.id == g)
            {
                return Err(CoreError::NotFound);
            }
        }
        let name = by.principal().actor();
        if !self
            .business_store
            .decide_company(id, approve, group, &name, self.base.clock.now())
            .await?
        {
            return Err(CoreError::NotFound);
        }
        let action = if approve {
            BUSINESS_APPROVE
        } else {
            BUSINESS_REJECT
        };
        self.audit
            .record(
                &by.principal().audit_context(client),
                action,
                &format!("company:{}", id.0),
                json!({ "group": group.map(|g| g.0) }),
            )
            .await?;
        Ok(())
    }

    /// Sets the payment terms (締め日・支払日) and the credit limit of an approved company;
    /// every wrong field is refused at once; audited. `NotFound` unless approved.
    pub async fn set_terms(
        &self,
        by: &Authorized<ManageCustomers>,
        client: &Client,
        id: CompanyId,
        input: &TermsInput,
    ) -> Result<(), CoreError> {
        let terms = input.parse().map_err(CoreError::InvalidFields)?;
        if !self.business_store.set_company_terms(id, &terms).await? {
            return Err(CoreError::NotFound);
        }
        self.audit
            .record(
                &by.principal().audit_context(client),
                BUSINESS_TERMS,
                &format!("company:{}", id.0),
                json!({ "terms": terms.terms.label_ja(),
                    "credit_limit": terms.credit_limit.map(|l| l.0) }),
            )
            .await?;
        Ok(())
    }

    /// The addressee of a customer's documents (and the company a quote request is filled
    /// with): their approved company's name and department, if any.
    pub(crate) async fn addressee_of(
        &self,
        customer: CustomerId,
    ) -> Result<Option<String>, CoreError> {
        Ok(self
            .business_store
            .company_of(customer)
            .await?
            .filter(|c| c.status == CompanyStatus::Approved)
            .map(|c| c.addressee()))
    }
}
