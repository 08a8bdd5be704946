//! The service of a member's second factors; the use cases are in [`super::totp`] (the
//! authenticator app) and [`super::passkey`] (WebAuthn).

use std::sync::Arc;

use akinai_store::{AccountStore, MemberStore};

use crate::{AccountCommon, Base};

/// A member's second factors: the authenticator app (TOTP) and passkeys.
#[derive(Clone)]
pub struct Factors {
    pub(crate) base: Base,
    pub(crate) account_store: Arc<dyn AccountStore>,
    pub(crate) member_store: Arc<dyn MemberStore>,
    pub(crate) common: AccountCommon,
}
