//! Admin accounts that cannot be taken over (admin issue, items 2 and 3; CCSG-V-1, IPA-C-5,
//! SWS-11).
//!
//! - No default account: the first owner is created on the command line, which prints a
//!   one-time enrolment link (24 h). Enrolment sets the password (the customers' strength
//!   policy) and an authenticator app in one step; there is no admin without a second factor
//!   and no way to switch it off.
//! - Login asks for e-mail, password and the six-digit code together; any failure reads the
//!   same. Ten consecutive failures lock the account until an owner unlocks it (there is no
//!   "forgot password" path around the second factor). Sessions are short: 30 minutes idle,
//!   12 hours at most.
//! - Authorisation is by capability type: a use case that needs `ViewAudit` takes an
//!   [`Authorized<ViewAudit>`], and only [`SignedInAdmin::authorize`] makes one, from the
//!   role and the owner's per-person grants (`akinai_domain::admin`).
//! - Every login, failure, lock, enrolment and creation goes to the audit trail.
//! - Owners manage admins in [`manage`]: invite, change role or grants, reset a lost factor,
//!   review.

mod accounts;
mod catalog;
mod catalog_new;
mod catalog_patch;
mod categories;
mod customers;
mod dashboard;
mod form_fields;
mod manage;
mod order_desk;
mod orders;
mod overview;
mod settings;

use std::marker::PhantomData;

use chrono::Duration;

use akinai_domain::admin::{holds, Capability};
use akinai_domain::ids::{AdminId, AdminSessionId};

use crate::accounts::Client;
use crate::api::ApiCaller;
use crate::audit::AuditContext;
use crate::CoreError;

/// An admin session ends after this long unused …
pub const IDLE: Duration = Duration::minutes(30);
/// … and this long after login in any case.
pub const LIFETIME: Duration = Duration::hours(12);
/// How long an enrolment link works.
pub const ENROL_LINK: Duration = Duration::hours(24);
pub(crate) const TOKEN_ENROL: &str = "enrol";

pub use accounts::AdminAccounts;
/// The stored admin and the order list's query, as the back office pages read them.
pub use akinai_store::admin::Admin;
pub use akinai_store::fulfilment::{OrderCursor, OrderFilter};
pub use catalog::{
    CatalogAdmin, ImageChange, ProductForm, ProductPage, MAX_STOCK_DELTA, PRODUCTS_PER_PAGE,
};
pub use catalog_new::{VariantForm, MAX_VARIANTS};
pub use catalog_patch::{ProductPatch, VariantPatch};
pub use categories::CategoryForm;
pub use customers::{CustomerDetail, CustomerPage, CustomerView, Customers, CUSTOMERS_PER_PAGE};
pub use dashboard::{BusinessOverview, Dashboard, LOW_STOCK};
pub use manage::{AccountReview, Reauth, REVIEW_UNUSED};
pub use order_desk::{
    OrderDesk, OrderDetail, OrderPage, OrderRow, StepProblem, StepResult, ORDERS_PER_PAGE,
};
pub use orders::FlaggedOrder;
pub use overview::SecurityOverview;
pub use settings::{SettingsSection, LEGAL_FIELDS, MAIL_STATUSES, TIMING_FIELDS};

/// A signed-in admin.
#[derive(Debug, Clone)]
pub struct SignedInAdmin {
    pub admin: Admin,
    pub session_id: AdminSessionId,
}

/// Proof that the caller holds capability `C`: back-office use cases take it instead of the
/// caller, so a use case cannot be reached without the capability it needs. Only
/// [`Principal::authorize`] (for an admin, [`SignedInAdmin::authorize`]) makes one; it carries
/// who it was made for (for the audit trail and for what may be shown unmasked).
#[derive(Debug)]
pub struct Authorized<C> {
    who: Principal,
    _capability: PhantomData<C>,
}

/// Who a capability proof is made for: a signed-in admin (by role and per-person grants) or an
/// API token (by its scopes, [`akinai_domain::api::Scopes::grant`]; ADR 037). The REST API
/// reaches the back office's use cases through the same proofs, so no rule is written twice.
#[derive(Debug, Clone)]
pub enum Principal {
    Admin(SignedInAdmin),
    Token(ApiCaller),
}

impl Principal {
    /// Whether this caller holds `C` (for what a page or a response shows).
    pub fn holds<C: Capability>(&self) -> bool {
        match self {
            Principal::Admin(a) => holds::<C>(a.admin.role, &a.admin.grants),
            Principal::Token(t) => t.scopes.grant(C::NAME),
        }
    }

    /// The proof of `C`, or `Forbidden` when this caller does not hold it.
    pub fn authorize<C: Capability>(&self) -> Result<Authorized<C>, CoreError> {
        if self.holds::<C>() {
            Ok(Authorized {
                who: self.clone(),
                _capability: PhantomData,
            })
        } else {
            Err(CoreError::Forbidden(C::NAME))
        }
    }

    /// Who acts, as the order history and the stores name it: `admin:ID` or `api-token:ID`.
    pub fn actor(&self) -> String {
        match self {
            Principal::Admin(a) => format!("admin:{}", a.admin.id),
            Principal::Token(t) => format!("api-token:{}", t.id.0),
        }
    }

    /// Who acts, in the audit trail: `admin:ID` or `api-token:ID`, from `client`.
    pub fn audit_context(&self, client: &Client) -> AuditContext {
        match self {
            Principal::Admin(a) => AuditContext::admin(a.admin.id, client),
            Principal::Token(t) => t.audit_context(client.ip),
        }
    }
}

impl<C: Capability> Authorized<C> {
    /// Who the proof was made for.
    pub fn principal(&self) -> &Principal {
        &self.who
    }

    /// The signed-in admin the proof was made for, for use cases only people reach
    /// (re-authentication, managing admins); a token never holds their capabilities, and is
    /// refused here all the same.
    pub fn admin(&self) -> Result<&SignedInAdmin, CoreError> {
        match &self.who {
            Principal::Admin(a) => Ok(a),
            Principal::Token(_) => Err(CoreError::Forbidden(C::NAME)),
        }
    }
}

impl SignedInAdmin {
    /// Whether the role or a per-person grant gives this admin `C` (for what a page shows).
    pub fn holds<C: Capability>(&self) -> bool {
        holds::<C>(self.admin.role, &self.admin.grants)
    }

    /// The proof of `C`, or `Forbidden` when neither the role nor a grant gives it.
    pub fn authorize<C: Capability>(&self) -> Result<Authorized<C>, CoreError> {
        Principal::Admin(self.clone()).authorize()
    }

    /// Who this admin is in the audit trail, from `client`.
    pub fn audit_context(&self, client: &Client) -> AuditContext {
        AuditContext::admin(self.admin.id, client)
    }
}

pub(crate) fn owner_label(admin: AdminId) -> String {
    format!("admin-{admin}")
}
