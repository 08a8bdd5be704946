//! The shop's customers (admin issue, item 7): the list and a customer's page with their orders,
//! contact data masked for roles without `ViewPersonalData` (IPA-C-8; an unmasked view is
//! audited), the shop's lock on an account (no login, every session ended) and its release, and
//! erasure on the customer's request (ADR 011's deletion, done by an owner or manager after
//! re-authentication, with the request noted in the audit trail; IPA-C-12).

use crate::AccountCommon;
use crate::AdminAccounts;
use crate::Audit;
use crate::Base;
use akinai_store::customers::CustomerAdminStore;
use akinai_store::AccountStore;
use akinai_store::MemberStore;
use akinai_store::OrderStore;
use serde_json::json;
use std::sync::Arc;

use akinai_domain::admin::{
    mask_email, mask_name, ManageCustomers, ViewCustomers, ViewPersonalData,
};
use akinai_domain::ids::CustomerId;
use akinai_store::customers::CustomerFilter;
use akinai_store::{throttle, Customer, OrderSummary};

use super::manage::Reauth;
use super::Authorized;
use crate::accounts::Client;
use crate::CoreError;

/// Customers per page.
pub const CUSTOMERS_PER_PAGE: u32 = 50;

/// A customer as the admin may see them.
#[derive(Debug, Clone)]
pub struct CustomerView {
    pub customer: Customer,
    /// Masked unless the admin may see personal data.
    pub name: String,
    pub email: String,
    pub phone: Option<String>,
    pub orders: i64,
}

/// One page of the customer list.
#[derive(Debug, Clone)]
pub struct CustomerPage {
    pub rows: Vec<CustomerView>,
    pub next: Option<CustomerId>,
}

/// A customer's page.
#[derive(Debug, Clone)]
pub struct CustomerDetail {
    pub view: CustomerView,
    pub orders: Vec<OrderSummary>,
    pub live_sessions: usize,
    pub addresses: usize,
}

fn view(customer: Customer, orders: i64, unmasked: bool) -> CustomerView {
    let (name, email, phone) = if unmasked {
        (
            customer.name.clone(),
            customer.email.clone(),
            customer.phone.clone(),
        )
    } else {
        (
            mask_name(&customer.name),
            mask_email(&customer.email),
            customer.phone.as_ref().map(|_| "＊＊＊".to_string()),
        )
    };
    CustomerView {
        customer,
        name,
        email,
        phone,
        orders,
    }
}

/// Customers in the back office: list, detail, lock and unlock, erasure on request.
#[derive(Clone)]
pub struct Customers {
    pub(crate) base: Base,
    pub(crate) account_store: Arc<dyn AccountStore>,
    pub(crate) customer_admin_store: Arc<dyn CustomerAdminStore>,
    pub(crate) member_store: Arc<dyn MemberStore>,
    pub(crate) order_store: Arc<dyn OrderStore>,
    pub(crate) common: AccountCommon,
    pub(crate) admin_accounts: AdminAccounts,
    pub(crate) audit: Audit,
}

impl Customers {
    /// Customers newest first; `email` narrows to addresses starting with it.
    pub async fn admin_customers(
        &self,
        by: &Authorized<ViewCustomers>,
        email: &str,
        locked_only: bool,
        before: Option<CustomerId>,
    ) -> Result<CustomerPage, CoreError> {
        self.customers_page(by, email, locked_only, before, CUSTOMERS_PER_PAGE)
            .await
    }

    /// [`Customers::admin_customers`] with `limit` rows a page (the API's `limit`).
    pub async fn customers_page(
        &self,
        by: &Authorized<ViewCustomers>,
        email: &str,
        locked_only: bool,
        before: Option<CustomerId>,
        limit: u32,
    ) -> Result<CustomerPage, CoreError> {
        let s = by.principal();
        let unmasked = s.holds::<ViewPersonalData>();
        let prefix = email.trim().to_lowercase();
        // Searching by address is itself looking for a person: only for those who may see them.
        let filter = CustomerFilter {
            email_prefix: (!prefix.is_empty() && unmasked)
                .then(|| prefix.chars().take(254).collect()),
            locked_only,
        };
        let mut rows = self
            .customer_admin_store
            .customer_rows(&filter, before, limit + 1)
            .await?;
        let more = rows.len() > limit as usize;
        rows.truncate(limit as usize);
        let next = more.then(|| rows.last().map(|r| r.customer.id)).flatten();
        Ok(CustomerPage {
            rows: rows
                .into_iter()
                .map(|r| view(r.customer, r.orders, unmasked))
                .collect(),
            next,
        })
    }

    /// A customer with their recent orders; an unmasked view is audited.
    pub async fn admin_customer(
        &self,
        by: &Authorized<ViewCustomers>,
        id: CustomerId,
        client: &Client,
    ) -> Result<CustomerDetail, CoreError> {
        let s = by.principal();
        let customer = self
            .account_store
            .customer(id)
            .await?
            .ok_or(CoreError::NotFound)?;
        let orders = self.order_store.customer_orders(id, None, 50).await?;
        let now = self.base.clock.now();
        let live_sessions = self
            .account_store
            .sessions(id, now, now - self.base.config.accounts.session_idle)
            .await?
            .len();
        let addresses = self.member_store.addresses(id).await?.len();
        let unmasked = s.holds::<ViewPersonalData>();
        if unmasked {
            let target = format!("customer:{}", id.0);
            self.audit
                .record_view(
                    &s.audit_context(client),
                    &target,
                    &["name", "email", "phone"],
                )
                .await?;
        }
        let count = i64::try_from(orders.len()).unwrap_or(i64::MAX);
        Ok(CustomerDetail {
            view: view(customer, count, unmasked),
            orders,
            live_sessions,
            addresses,
        })
    }

    /// Locks a member account: no login, every session ends. `note` says why (audited).
    pub async fn lock_customer(
        &self,
        by: &Authorized<ManageCustomers>,
        id: CustomerId,
        note: &str,
        client: &Client,
    ) -> Result<(), CoreError> {
        let s = by.principal();
        let note = akinai_domain::admin::note(note)
            .ok_or(CoreError::InvalidForm(vec![("note", "error.required")]))?;
        let now = self.base.clock.now();
        let actor = s.actor();
        if !self
            .customer_admin_store
            .set_customer_lock(id, Some(now), &actor)
            .await?
        {
            return Err(CoreError::NotFound);
        }
        let ended = self.account_store.revoke_sessions(id, None, now).await?;
        self.audit
            .record(
                &s.audit_context(client),
                "customer.lock",
                &format!("customer:{}", id.0),
                json!({ "note": note, "sessions_ended": ended }),
            )
            .await?;
        Ok(())
    }

    /// Releases the shop's lock and the address's run of failed logins.
    pub async fn unlock_customer(
        &self,
        by: &Authorized<ManageCustomers>,
        id: CustomerId,
        client: &Client,
    ) -> Result<(), CoreError> {
        let s = by.principal();
        let customer = self
            .account_store
            .customer(id)
            .await?
            .ok_or(CoreError::NotFound)?;
        let now = self.base.clock.now();
        let actor = s.actor();
        let was_locked = self
            .customer_admin_store
            .set_customer_lock(id, None, &actor)
            .await?;
        self.account_store
            .record_throttle_event(throttle::LOGIN_OK, &customer.email, Some(&actor), now)
            .await?;
        self.audit
            .record(
                &s.audit_context(client),
                "customer.unlock",
                &format!("customer:{}", id.0),
                json!({ "was_locked_by_shop": was_locked }),
            )
            .await?;
        Ok(())
    }

    /// Erases a member's personal data on their request (by phone, mail, letter): owners and
    /// managers, after password and code again. Orders stay (tax law), as with self-deletion.
    pub async fn erase_customer_on_request(
        &self,
        by: &Authorized<ManageCustomers>,
        id: CustomerId,
        request: &str,
        reauth: &Reauth,
        client: &Client,
    ) -> Result<(), CoreError> {
        let s = by.admin()?;
        let request = akinai_domain::admin::note(request)
            .ok_or(CoreError::InvalidForm(vec![("request", "error.required")]))?;
        let customer = self
            .account_store
            .customer(id)
            .await?
            .filter(|c| c.deleted_at.is_none())
            .ok_or(CoreError::NotFound)?;
        self.admin_accounts.reauthenticate_admin(s, reauth).await?;
        self.common
            .enqueue_account_job_to(
                crate::accounts::mail::AccountMail::Deleted,
                id,
                &customer.email,
                json!({ "name": customer.name }),
            )
            .await?;
        let tombstone = format!("deleted-{}@akinai.invalid", id.0);
        self.member_store
            .erase_customer(id, &tombstone, self.base.clock.now())
            .await?;
        self.audit
            .record(
                &s.audit_context(client),
                "customer.erased",
                &format!("customer:{}", id.0),
                json!({ "request": request }),
            )
            .await?;
        Ok(())
    }
}
