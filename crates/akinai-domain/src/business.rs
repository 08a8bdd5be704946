//! Business customers (issue #23, item 2): a member applies for a business account with the
//! company's name, department and optional インボイス登録番号; staff approve it (putting the
//! company's buyers into a customer group, e.g. 法人) or turn it down. The company is printed as
//! the addressee of the member's invoices. Pure: parsing and the states.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::address::FieldError;
use crate::checkout::FieldErrors;
use crate::ids::{CompanyId, CustomerId};
use crate::invoice::RegistrationNumber;
use crate::price_rules::GroupId;

/// Most characters in a company's name and in its department.
pub const COMPANY_NAME_MAX: usize = 100;
pub const DEPARTMENT_MAX: usize = 60;

/// Where an application stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CompanyStatus {
    Pending,
    Approved,
    Rejected,
}

impl CompanyStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CompanyStatus::Pending => "pending",
            CompanyStatus::Approved => "approved",
            CompanyStatus::Rejected => "rejected",
        }
    }

    pub fn parse(s: &str) -> Option<CompanyStatus> {
        match s {
            "pending" => Some(CompanyStatus::Pending),
            "approved" => Some(CompanyStatus::Approved),
            "rejected" => Some(CompanyStatus::Rejected),
            _ => None,
        }
    }

    /// The shop's and the member's word for it.
    pub fn label_ja(self) -> &'static str {
        match self {
            CompanyStatus::Pending => "審査中",
            CompanyStatus::Approved => "承認済み",
            CompanyStatus::Rejected => "お見送り",
        }
    }
}

/// A company's details, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCompany {
    pub name: String,
    pub department: String,
    pub invoice_number: Option<RegistrationNumber>,
}

/// The application form as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct BusinessInput {
    pub company: String,
    pub department: String,
    pub invoice_number: String,
}

impl BusinessInput {
    /// The company's details, or every field that is wrong.
    pub fn parse(&self) -> Result<NewCompany, FieldErrors> {
        let mut errors: FieldErrors = Vec::new();
        let name = self.company.trim().to_string();
        if name.is_empty() {
            errors.push(("company", FieldError::Required));
        } else if name.chars().count() > COMPANY_NAME_MAX {
            errors.push(("company", FieldError::TooLong(COMPANY_NAME_MAX)));
        }
        let department = self.department.trim().to_string();
        if department.chars().count() > DEPARTMENT_MAX {
            errors.push(("department", FieldError::TooLong(DEPARTMENT_MAX)));
        }
        let invoice_number = match self.invoice_number.trim() {
            "" => None,
            typed => match RegistrationNumber::parse(typed) {
                Ok(n) => Some(n),
                Err(e) => {
                    errors.push(("invoice_number", e));
                    None
                }
            },
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(NewCompany {
            name,
            department,
            invoice_number,
        })
    }
}

/// A company as the shop keeps it, with its application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Company {
    pub id: CompanyId,
    pub name: String,
    pub department: String,
    pub invoice_number: Option<String>,
    pub status: CompanyStatus,
    /// The member who applied (the company's first buyer).
    pub applicant: CustomerId,
    /// The applicant's e-mail address (how staff recognise the member).
    pub applicant_email: String,
    /// The customer group its buyers were put into when approved.
    pub group: Option<GroupId>,
    pub applied_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decided_by: Option<String>,
    /// 締め日・支払日 agreed for invoice payment (掛け払い, ADR 050).
    pub terms: Option<crate::receivables::PaymentTerms>,
    /// The credit limit; `None`: invoice payment not offered.
    pub credit_limit: Option<crate::Yen>,
    /// A buyer's order over this amount (tax included) waits for an approver; `None`: no rule.
    pub approval_over: Option<crate::Yen>,
}

impl Company {
    /// The addressee on documents: 「株式会社あきない 購買部」.
    pub fn addressee(&self) -> String {
        if self.department.is_empty() {
            self.name.clone()
        } else {
            format!("{} {}", self.name, self.department)
        }
    }
}

/// A member's part in their company (issue #23 item 2, ADR 051).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CompanyRole {
    /// The member who applied: invites members, sets the approval rule, approves.
    Admin,
    /// Approves buyers' orders over the company's amount.
    Approver,
    /// Orders for the company.
    Buyer,
}

impl CompanyRole {
    pub fn as_str(self) -> &'static str {
        match self {
            CompanyRole::Admin => "admin",
            CompanyRole::Approver => "approver",
            CompanyRole::Buyer => "buyer",
        }
    }

    pub fn parse(s: &str) -> Option<CompanyRole> {
        [
            CompanyRole::Admin,
            CompanyRole::Approver,
            CompanyRole::Buyer,
        ]
        .into_iter()
        .find(|r| r.as_str() == s)
    }

    pub fn label_ja(self) -> &'static str {
        match self {
            CompanyRole::Admin => "管理者",
            CompanyRole::Approver => "承認者",
            CompanyRole::Buyer => "購入担当者",
        }
    }

    /// Approves orders (and is never held for approval itself).
    pub fn approves(self) -> bool {
        matches!(self, CompanyRole::Admin | CompanyRole::Approver)
    }
}

/// What the company's admin does to a member (issue #23 item 2): give them another part, or take
/// them out of the company. The admin's own part is never changed this way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemberChange {
    /// Approver or buyer (never admin: a company has one).
    Role(CompanyRole),
    /// Out of the company: its prices, invoice payment and shared addresses no longer apply.
    Remove,
}

impl MemberChange {
    /// The form's value: `approver`, `buyer` or `remove`.
    pub fn parse(s: &str) -> Option<MemberChange> {
        match s {
            "remove" => Some(MemberChange::Remove),
            other => CompanyRole::parse(other)
                .filter(|r| *r != CompanyRole::Admin)
                .map(MemberChange::Role),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            MemberChange::Role(r) => r.as_str(),
            MemberChange::Remove => "remove",
        }
    }
}

/// The review reason of an order waiting for the company's approver.
pub const REVIEW_COMPANY_APPROVAL: &str = "company_approval";

/// Whether an order of `total` by a member in `role` waits for an approver under the company's
/// `approval_over` (strictly over the amount; approvers are not held).
pub fn needs_approval(
    role: CompanyRole,
    approval_over: Option<crate::Yen>,
    total: crate::Yen,
) -> bool {
    !role.approves() && approval_over.is_some_and(|limit| total.0 > limit.0)
}

/// Days an invitation's link stays valid.
pub const INVITE_DAYS: i64 = 7;

/// The invitation form: whom (e-mail address) and as what (approver or buyer).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct InviteInput {
    pub email: String,
    pub role: String,
}

impl InviteInput {
    /// The address (lower case) and the role, or every field that is wrong; an invitation
    /// never makes another admin.
    pub fn parse(&self) -> Result<(String, CompanyRole), FieldErrors> {
        let mut errors: FieldErrors = Vec::new();
        let email = crate::address::Email::parse(&self.email)
            .map(|e| e.as_str().to_lowercase())
            .map_err(|e| errors.push(("email", e)))
            .ok();
        let role = CompanyRole::parse(self.role.trim()).filter(|r| *r != CompanyRole::Admin);
        if role.is_none() {
            errors.push(("role", FieldError::Invalid));
        }
        match (email, role) {
            (Some(email), Some(role)) if errors.is_empty() => Ok((email, role)),
            _ => Err(errors),
        }
    }
}

/// The approval rule's form: an amount in yen, or empty for none.
pub fn parse_approval_over(raw: &str) -> Result<Option<crate::Yen>, FieldErrors> {
    if raw.trim().is_empty() {
        return Ok(None);
    }
    crate::catalog::parse_whole(raw, 0..=100_000_000)
        .map(|n| Some(crate::Yen(n)))
        .ok_or_else(|| vec![("approval_over", FieldError::Invalid)])
}

/// A member of a company as its admin sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompanyMember {
    pub customer: CustomerId,
    pub name: String,
    pub email: String,
    pub role: CompanyRole,
}

/// An invitation to join a company.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompanyInvite {
    pub id: i64,
    pub company: CompanyId,
    pub link_nonce: String,
    pub email: String,
    pub role: CompanyRole,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub accepted_at: Option<DateTime<Utc>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buyers_over_the_amount_wait_for_an_approver_and_invites_never_make_admins() {
        use crate::Yen;
        assert!(needs_approval(
            CompanyRole::Buyer,
            Some(Yen(100_000)),
            Yen(100_001)
        ));
        assert!(!needs_approval(
            CompanyRole::Buyer,
            Some(Yen(100_000)),
            Yen(100_000)
        ));
        assert!(!needs_approval(CompanyRole::Approver, Some(Yen(0)), Yen(1)));
        assert!(!needs_approval(CompanyRole::Buyer, None, Yen(1_000_000)));
        let ok = InviteInput {
            email: " Buyer@Example.JP ".into(),
            role: "buyer".into(),
        }
        .parse()
        .unwrap();
        assert_eq!(ok, ("buyer@example.jp".to_string(), CompanyRole::Buyer));
        let bad = InviteInput {
            email: "not-an-address".into(),
            role: "admin".into(),
        }
        .parse()
        .unwrap_err();
        let fields: Vec<&str> = bad.iter().map(|e| e.0).collect();
        assert_eq!(fields, ["email", "role"]);
        assert_eq!(
            parse_approval_over("１００,０００").unwrap(),
            Some(Yen(100_000))
        );
        assert_eq!(parse_approval_over(" ").unwrap(), None);
        assert!(parse_approval_over("abc").is_err());
    }

    #[test]
    fn an_application_needs_a_name_and_a_well_formed_registration_number() {
        let ok = BusinessInput {
            company: " 株式会社あきない ".into(),
            department: "購買部".into(),
            invoice_number: "Ｔ１２３４５６７８９０１２３".into(),
        }
        .parse()
        .unwrap();
        assert_eq!(ok.name, "株式会社あきない");
        assert_eq!(ok.invoice_number.unwrap().as_str(), "T1234567890123");
        let bad = BusinessInput {
            company: String::new(),
            department: "部".repeat(61),
            invoice_number: "T123".into(),
        }
        .parse()
        .unwrap_err();
        let fields: Vec<&str> = bad.iter().map(|e| e.0).collect();
        assert_eq!(fields, ["company", "department", "invoice_number"]);
        let without = BusinessInput {
            company: "山田商店".into(),
            ..BusinessInput::default()
        }
        .parse()
        .unwrap();
        assert_eq!(without.invoice_number, None);
    }

    #[test]
    fn statuses_round_trip_and_the_addressee_names_the_department() {
        for s in [
            CompanyStatus::Pending,
            CompanyStatus::Approved,
            CompanyStatus::Rejected,
        ] {
            assert_eq!(CompanyStatus::parse(s.as_str()), Some(s));
        }
        let mut c = Company {
            id: CompanyId(1),
            name: "株式会社あきない".into(),
            department: "購買部".into(),
            invoice_number: None,
            status: CompanyStatus::Approved,
            applicant: CustomerId(1),
            applicant_email: "kobayashi@example.co.jp".into(),
            group: None,
            applied_at: DateTime::<Utc>::MIN_UTC,
            decided_at: None,
            decided_by: None,
            terms: None,
            credit_limit: None,
            approval_over: None,
        };
        assert_eq!(c.addressee(), "株式会社あきない 購買部");
        c.department.clear();
        assert_eq!(c.addressee(), "株式会社あきない");
    }
}
