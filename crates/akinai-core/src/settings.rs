//! Changing the shop settings from the operator's command line (`akinai settings set`, also
//! when no admin can sign in; the admin's screens are `admin::settings`): the member policies (second factor, guest checkout; IPA-C-10) and the invoice
//! registration number (JP-INV-1). Every change goes into the audit trail with who changed
//! what and the values before and after (IPA-C-12).

use crate::AdminAccounts;
use crate::Audit;
use crate::Base;
use akinai_store::SettingsStore;
use serde_json::json;
use std::sync::Arc;

use akinai_domain::invoice::RegistrationNumber;
use akinai_domain::settings::{SecondFactorPolicy, ShopSettings};

use crate::CoreError;

/// Audit action of a settings change.
pub const SETTINGS_CHANGED: &str = "settings.change";

/// What to change; `None` leaves a setting as it is.
#[derive(Debug, Clone, Default)]
pub struct SettingsChange {
    pub second_factor: Option<SecondFactorPolicy>,
    pub guest_checkout: Option<bool>,
    pub invoice_number: Option<RegistrationNumber>,
}

/// The shop settings: read by every page, changed section by section in the back office.
#[derive(Clone)]
pub struct Settings {
    pub(crate) base: Base,
    pub(crate) settings_store: Arc<dyn SettingsStore>,
    pub(crate) admin_accounts: AdminAccounts,
    pub(crate) audit: Audit,
}

impl Settings {
    /// Applies `change` to the stored settings; running nodes see it when their settings cache
    /// expires (`cache_ttl`).
    pub async fn change_settings(
        &self,
        change: SettingsChange,
        who: &crate::audit::AuditContext,
    ) -> Result<ShopSettings, CoreError> {
        let before = self.base.settings().await?;
        let mut after = before.clone();
        if let Some(p) = change.second_factor {
            after.second_factor = p;
        }
        if let Some(g) = change.guest_checkout {
            after.guest_checkout = g;
        }
        if let Some(n) = change.invoice_number {
            after.invoice_number = Some(n);
        }
        self.settings_store.save_settings(&after).await?;
        self.audit
            .record(
                who,
                SETTINGS_CHANGED,
                "settings",
                json!({
                    "before": {
                        "second_factor": before.second_factor,
                        "guest_checkout": before.guest_checkout,
                        "invoice_number": before.invoice_number,
                    },
                    "after": {
                        "second_factor": after.second_factor,
                        "guest_checkout": after.guest_checkout,
                        "invoice_number": after.invoice_number,
                    },
                }),
            )
            .await?;
        Ok(after)
    }
}
