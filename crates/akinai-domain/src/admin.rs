//! Admin roles and capabilities (admin issue, item 3; SWS-11), decided without IO.
//!
//! A capability is a type; a use case that needs one takes the proof of it
//! (`akinai_core::admin::Authorized<C>`), which only an authorisation check of the signed-in
//! admin's role can make. So "may this role do that" is answered in one place, here, and the
//! compiler makes sure no admin use case runs without asking.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

/// Consecutive failed logins after which an admin account locks until an owner unlocks it
/// (CCSG-V-1: at most 10).
pub const LOCK_AFTER_FAILURES: u32 = 10;

/// The role of an admin account (per person; no shared accounts).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AdminRole {
    /// Everything, including admins and security settings.
    Owner,
    /// Runs the shop: catalog, orders, customers, reports; reads the audit trail.
    Manager,
    /// Day-to-day order and catalog work; personal data masked.
    Staff,
    /// Reads; personal data masked.
    Viewer,
    /// An information-security auditor (システム監査, issue #22 item 6): reads the audit trail,
    /// the self-assessment, the security reports and tasks, and the settings; personal data
    /// masked; changes nothing.
    Auditor,
}

impl AdminRole {
    pub const ALL: [AdminRole; 5] = [
        AdminRole::Owner,
        AdminRole::Manager,
        AdminRole::Staff,
        AdminRole::Viewer,
        AdminRole::Auditor,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AdminRole::Owner => "owner",
            AdminRole::Manager => "manager",
            AdminRole::Staff => "staff",
            AdminRole::Viewer => "viewer",
            AdminRole::Auditor => "auditor",
        }
    }

    /// Whether the role does the shop's day-to-day work (owners, managers, staff).
    pub fn works(self) -> bool {
        matches!(
            self,
            AdminRole::Owner | AdminRole::Manager | AdminRole::Staff
        )
    }

    pub fn parse(s: &str) -> Option<AdminRole> {
        AdminRole::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// Something an admin may be allowed to do.
pub trait Capability {
    /// For audit entries and error messages.
    const NAME: &'static str;
    /// Whether `role` has it.
    fn granted_to(role: AdminRole) -> bool;
}

/// See the dashboard.
#[derive(Debug, Clone, Copy)]
pub struct ViewDashboard;
impl Capability for ViewDashboard {
    const NAME: &'static str = "view_dashboard";
    fn granted_to(_: AdminRole) -> bool {
        true
    }
}

/// Read the audit trail.
#[derive(Debug, Clone, Copy)]
pub struct ViewAudit;
impl Capability for ViewAudit {
    const NAME: &'static str = "view_audit";
    fn granted_to(role: AdminRole) -> bool {
        matches!(
            role,
            AdminRole::Owner | AdminRole::Manager | AdminRole::Auditor
        )
    }
}

/// Create admins, change roles, unlock accounts.
#[derive(Debug, Clone, Copy)]
pub struct ManageAdmins;
impl Capability for ManageAdmins {
    const NAME: &'static str = "manage_admins";
    fn granted_to(role: AdminRole) -> bool {
        role == AdminRole::Owner
    }
}

/// See customers' personal data unmasked (IPA-C-8).
#[derive(Debug, Clone, Copy)]
pub struct ViewPersonalData;
impl Capability for ViewPersonalData {
    const NAME: &'static str = "view_personal_data";
    fn granted_to(role: AdminRole) -> bool {
        matches!(role, AdminRole::Owner | AdminRole::Manager)
    }
}

/// Download customers' and orders' personal data as files (CSV issue, item 3): a copy of the
/// whole customer base leaves the shop's control, so it is a capability of its own, asked with
/// the password and code again each time, and audited.
#[derive(Debug, Clone, Copy)]
pub struct ExportPersonalData;
impl Capability for ExportPersonalData {
    const NAME: &'static str = "export_personal_data";
    fn granted_to(role: AdminRole) -> bool {
        role == AdminRole::Owner
    }
}

/// Clear orders flagged for review before shipping (address changes, later fraud rules).
#[derive(Debug, Clone, Copy)]
pub struct ReviewOrders;
impl Capability for ReviewOrders {
    const NAME: &'static str = "review_orders";
    fn granted_to(role: AdminRole) -> bool {
        role.works()
    }
}

/// See the order list and an order's detail (recipients masked without [`ViewPersonalData`]).
#[derive(Debug, Clone, Copy)]
pub struct ViewOrders;
impl Capability for ViewOrders {
    const NAME: &'static str = "view_orders";
    fn granted_to(_: AdminRole) -> bool {
        true
    }
}

/// Move an order forward: payment received, shipped, delivered; add order notes.
#[derive(Debug, Clone, Copy)]
pub struct ProcessOrders;
impl Capability for ProcessOrders {
    const NAME: &'static str = "process_orders";
    fn granted_to(role: AdminRole) -> bool {
        role.works()
    }
}

/// Cancel or refund an order: money decisions, kept to owners and managers.
#[derive(Debug, Clone, Copy)]
pub struct CancelOrders;
impl Capability for CancelOrders {
    const NAME: &'static str = "cancel_orders";
    fn granted_to(role: AdminRole) -> bool {
        matches!(role, AdminRole::Owner | AdminRole::Manager)
    }
}

/// Edit products, prices, stock and images.
#[derive(Debug, Clone, Copy)]
pub struct ManageCatalog;
impl Capability for ManageCatalog {
    const NAME: &'static str = "manage_catalog";
    fn granted_to(role: AdminRole) -> bool {
        role.works()
    }
}

/// Change the shop's settings: profile, 特商法 notice, invoice number, bank account, shipping.
#[derive(Debug, Clone, Copy)]
pub struct ManageShop;
impl Capability for ManageShop {
    const NAME: &'static str = "manage_shop";
    fn granted_to(role: AdminRole) -> bool {
        matches!(role, AdminRole::Owner | AdminRole::Manager)
    }
}

/// Change security settings (member second-factor policy, guest checkout).
#[derive(Debug, Clone, Copy)]
pub struct ManageSecurity;
impl Capability for ManageSecurity {
    const NAME: &'static str = "manage_security";
    fn granted_to(role: AdminRole) -> bool {
        role == AdminRole::Owner
    }
}

/// Read the security self-assessment, the periodic security tasks and the monthly security
/// reports (owners and auditors; changing them needs [`ManageSecurity`]).
#[derive(Debug, Clone, Copy)]
pub struct ViewSecurity;
impl Capability for ViewSecurity {
    const NAME: &'static str = "view_security";
    fn granted_to(role: AdminRole) -> bool {
        matches!(role, AdminRole::Owner | AdminRole::Auditor)
    }
}

/// Read the shop settings (changing them needs [`ManageShop`]).
#[derive(Debug, Clone, Copy)]
pub struct ViewSettings;
impl Capability for ViewSettings {
    const NAME: &'static str = "view_settings";
    fn granted_to(role: AdminRole) -> bool {
        matches!(
            role,
            AdminRole::Owner | AdminRole::Manager | AdminRole::Auditor
        )
    }
}

/// See the customer list and a customer's page (contact data masked without
/// [`ViewPersonalData`]).
#[derive(Debug, Clone, Copy)]
pub struct ViewCustomers;
impl Capability for ViewCustomers {
    const NAME: &'static str = "view_customers";
    fn granted_to(_: AdminRole) -> bool {
        true
    }
}

/// Lock and unlock member accounts; erase one on the customer's request.
#[derive(Debug, Clone, Copy)]
pub struct ManageCustomers;
impl Capability for ManageCustomers {
    const NAME: &'static str = "manage_customers";
    fn granted_to(role: AdminRole) -> bool {
        matches!(role, AdminRole::Owner | AdminRole::Manager)
    }
}

/// See sales figures, the funnel and stock on the dashboard.
#[derive(Debug, Clone, Copy)]
pub struct ViewSales;
impl Capability for ViewSales {
    const NAME: &'static str = "view_sales";
    fn granted_to(role: AdminRole) -> bool {
        matches!(role, AdminRole::Owner | AdminRole::Manager)
    }
}

/// An e-mail address as shown to roles without [`ViewPersonalData`]: the first character of the
/// local part, `＊＊＊`, and the domain.
pub fn mask_email(email: &str) -> String {
    match email.split_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}＊＊＊@{domain}")
        }
        None => "＊＊＊".to_string(),
    }
}

/// A capability as a value, made from its type (`Gate::of::<ManageCatalog>()`), so that a route
/// table declares what a route needs by type rather than by a string, and a test can ask it
/// the same question [`holds`] answers.
#[derive(Clone, Copy)]
pub struct Gate {
    name: &'static str,
    granted_to: fn(AdminRole) -> bool,
}

impl Gate {
    pub fn of<C: Capability>() -> Gate {
        Gate {
            name: C::NAME,
            granted_to: C::granted_to,
        }
    }

    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Whether the role alone gives it (per-person grants aside).
    pub fn granted_to(&self, role: AdminRole) -> bool {
        (self.granted_to)(role)
    }

    /// Whether an admin with `role` and `grants` passes it (as [`holds`] for its capability).
    pub fn open_to(&self, role: AdminRole, grants: &Grants) -> bool {
        self.granted_to(role) || grants.contains(self.name)
    }
}

impl PartialEq for Gate {
    fn eq(&self, other: &Gate) -> bool {
        self.name == other.name
    }
}

impl Eq for Gate {}

impl std::fmt::Debug for Gate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Gate({})", self.name)
    }
}

/// Capabilities an owner may grant one admin beyond the role's (item 3, "per-permission
/// grants"): e.g. a packing clerk (staff) who needs recipients' addresses unmasked. Managing
/// admins and security settings are never grantable: whoever needs them should be an owner, so
/// that "who can take over the shop" stays a question of roles the account review lists.
pub const GRANTABLE: [&str; 10] = [
    ViewPersonalData::NAME,
    ExportPersonalData::NAME,
    ViewAudit::NAME,
    ViewSales::NAME,
    ReviewOrders::NAME,
    ProcessOrders::NAME,
    CancelOrders::NAME,
    ManageCatalog::NAME,
    ManageCustomers::NAME,
    ManageShop::NAME,
];

/// The capabilities granted to one admin on top of the role (only names in [`GRANTABLE`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Grants(BTreeSet<&'static str>);

impl Grants {
    /// Grants from capability names; `Err` with the first name that is not grantable.
    pub fn from_names<'a>(names: impl IntoIterator<Item = &'a str>) -> Result<Grants, String> {
        let mut set = BTreeSet::new();
        for name in names {
            match GRANTABLE.iter().find(|g| **g == name) {
                Some(g) => {
                    set.insert(*g);
                }
                None => return Err(name.to_string()),
            }
        }
        Ok(Grants(set))
    }

    /// Grants as stored (names separated by spaces); a name no longer grantable is dropped,
    /// so a stored value can never widen what an admin may do.
    pub fn from_stored(stored: &str) -> Grants {
        Grants(
            stored
                .split_whitespace()
                .filter_map(|n| GRANTABLE.iter().find(|g| **g == n).copied())
                .collect(),
        )
    }

    /// The stored form: names in order, separated by spaces.
    pub fn to_stored(&self) -> String {
        self.0.iter().copied().collect::<Vec<_>>().join(" ")
    }

    pub fn contains(&self, name: &str) -> bool {
        self.0.contains(name)
    }

    pub fn names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.0.iter().copied()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Whether an admin with `role` and `grants` holds capability `C`.
pub fn holds<C: Capability>(role: AdminRole, grants: &Grants) -> bool {
    C::granted_to(role) || grants.contains(C::NAME)
}

/// An admin's free-text note (why an order was cleared or an account locked, a customer's
/// request, an internal order note): control characters but line breaks dropped, trimmed, 1 to
/// 1,000 characters. Never shown to customers.
pub fn note(input: &str) -> Option<String> {
    let text: String = input
        .chars()
        .filter(|c| *c == '\n' || !c.is_control())
        .collect();
    let text = text.trim().to_string();
    (!text.is_empty() && text.chars().count() <= 1000).then_some(text)
}

/// A name as shown to roles without [`ViewPersonalData`]: the first character, then `＊＊`.
pub fn mask_name(name: &str) -> String {
    let first: String = name.chars().take(1).collect();
    format!("{first}＊＊")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sws_11_the_role_matrix() {
        use AdminRole::*;
        /// Capability, its check, and whether owner, manager, staff, viewer, auditor have it.
        type Row = (&'static str, fn(AdminRole) -> bool, [bool; 5]);
        let rows: [Row; 17] = [
            (
                ViewSecurity::NAME,
                ViewSecurity::granted_to,
                [true, false, false, false, true],
            ),
            (
                ViewSettings::NAME,
                ViewSettings::granted_to,
                [true, true, false, false, true],
            ),
            (
                ViewDashboard::NAME,
                ViewDashboard::granted_to,
                [true, true, true, true, true],
            ),
            (
                ViewAudit::NAME,
                ViewAudit::granted_to,
                [true, true, false, false, true],
            ),
            (
                ManageAdmins::NAME,
                ManageAdmins::granted_to,
                [true, false, false, false, false],
            ),
            (
                ReviewOrders::NAME,
                ReviewOrders::granted_to,
                [true, true, true, false, false],
            ),
            (
                ViewPersonalData::NAME,
                ViewPersonalData::granted_to,
                [true, true, false, false, false],
            ),
            (
                ViewOrders::NAME,
                ViewOrders::granted_to,
                [true, true, true, true, true],
            ),
            (
                ProcessOrders::NAME,
                ProcessOrders::granted_to,
                [true, true, true, false, false],
            ),
            (
                ViewSales::NAME,
                ViewSales::granted_to,
                [true, true, false, false, false],
            ),
            (
                ViewCustomers::NAME,
                ViewCustomers::granted_to,
                [true, true, true, true, true],
            ),
            (
                ManageCustomers::NAME,
                ManageCustomers::granted_to,
                [true, true, false, false, false],
            ),
            (
                ManageShop::NAME,
                ManageShop::granted_to,
                [true, true, false, false, false],
            ),
            (
                ManageSecurity::NAME,
                ManageSecurity::granted_to,
                [true, false, false, false, false],
            ),
            (
                ManageCatalog::NAME,
                ManageCatalog::granted_to,
                [true, true, true, false, false],
            ),
            (
                CancelOrders::NAME,
                CancelOrders::granted_to,
                [true, true, false, false, false],
            ),
            (
                ExportPersonalData::NAME,
                ExportPersonalData::granted_to,
                [true, false, false, false, false],
            ),
        ];
        for (name, granted, expected) in rows {
            for (role, want) in [Owner, Manager, Staff, Viewer, Auditor]
                .into_iter()
                .zip(expected)
            {
                assert_eq!(granted(role), want, "{name} for {role:?}");
            }
        }
    }

    #[test]
    fn ipa_c_8_masked_addresses_keep_the_first_character_and_the_domain() {
        assert_eq!(mask_email("hanako@example.jp"), "h＊＊＊@example.jp");
        assert_eq!(mask_email("broken"), "＊＊＊");
    }

    #[test]
    fn notes_are_trimmed_and_bounded() {
        assert_eq!(
            note("  電話で確認済み\n折り返し不要 \u{7}").as_deref(),
            Some("電話で確認済み\n折り返し不要")
        );
        assert_eq!(note("   "), None);
        assert_eq!(note(&"あ".repeat(1001)), None);
    }

    #[test]
    fn ipa_c_8_masked_names_keep_one_character() {
        assert_eq!(mask_name("山田 花子"), "山＊＊");
        assert_eq!(mask_name(""), "＊＊");
    }

    #[test]
    fn sws_11_grants_add_to_the_role_and_never_reach_admins_or_security() {
        let grants = Grants::from_names(["view_personal_data"]).unwrap();
        assert!(holds::<ViewPersonalData>(AdminRole::Staff, &grants));
        assert!(!holds::<ViewPersonalData>(
            AdminRole::Staff,
            &Grants::default()
        ));
        assert!(!holds::<ManageShop>(AdminRole::Staff, &grants));
        assert_eq!(
            Grants::from_names(["manage_admins"]),
            Err("manage_admins".to_string())
        );
        assert!(Grants::from_names(["manage_security"]).is_err());
        // A stored value with a name that is not grantable (edited in the database) widens nothing.
        let stored = Grants::from_stored("manage_admins view_audit bogus");
        assert_eq!(stored.to_stored(), "view_audit");
        assert!(!holds::<ManageAdmins>(AdminRole::Viewer, &stored));
        assert_eq!(Grants::from_stored(&grants.to_stored()), grants);
    }

    #[test]
    fn roles_round_trip_through_their_names() {
        for r in AdminRole::ALL {
            assert_eq!(AdminRole::parse(r.as_str()), Some(r));
        }
        assert_eq!(AdminRole::parse("root"), None);
    }
}
