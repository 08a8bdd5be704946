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

#[cfg(test)]
mod tests {
    use super::*;

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
        };
        assert_eq!(c.addressee(), "株式会社あきない 購買部");
        c.department.clear();
        assert_eq!(c.addressee(), "株式会社あきない");
    }
}
