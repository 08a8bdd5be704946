//! Customers of an import (CSV issue, item 2): the member's e-mail address, label-printable
//! name, phone and marketing consent as the file states it (never assumed), and the address as
//! the member's first address-book entry when it passes checkout's rules (name, フリガナ, postal
//! code of the prefecture, printable lines). An address that does not pass is left out with a
//! warning naming why — Shopify has no フリガナ, so many will — and the member is imported
//! without it. Passwords are never imported.

use crate::address::{parse_label_text, Email, Phone, Prefecture};
use crate::address_book::{Recipient, RecipientInput, NAME_MAX};

use super::RowIssue;

/// A customer as read from a file.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ImportedCustomer {
    pub row: u64,
    pub email: String,
    pub name: String,
    pub phone: String,
    pub marketing: bool,
    /// The address as typed; all empty when the file has none.
    pub address: RecipientInput,
    pub issues: Vec<RowIssue>,
}

/// A customer that passed validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidCustomer {
    pub row: u64,
    /// Normalised (lower case), what accounts are keyed by.
    pub email: String,
    pub name: String,
    pub phone: Option<String>,
    pub marketing: bool,
    pub address: Option<Recipient>,
}

/// A prefecture as files write it: its JIS code (`13`, `JP-13`) or its name (`東京都`, `東京`).
pub fn prefecture_code(input: &str) -> String {
    let s = input.trim();
    let s = s.strip_prefix("JP-").unwrap_or(s);
    if s.is_empty() || s.bytes().all(|b| b.is_ascii_digit()) {
        return s.to_string();
    }
    Prefecture::ALL
        .into_iter()
        .find(|p| p.name_ja() == s || p.name_ja().trim_end_matches(['都', '道', '府', '県']) == s)
        .map_or_else(|| s.to_string(), |p| p.code().to_string())
}

/// Checks a customer read from a file; the customer to import, or `None` with errors.
pub fn validate_customer(c: &ImportedCustomer) -> (Option<ValidCustomer>, Vec<RowIssue>) {
    let mut issues = c.issues.clone();
    let email = match Email::parse(&c.email) {
        Ok(e) => Some(e.as_str().to_lowercase()),
        Err(_) => {
            issues.push(RowIssue::error(
                c.row,
                "email",
                &c.email,
                "メールアドレスが空か、形が正しくありません",
            ));
            None
        }
    };
    let name = match parse_label_text(&c.name, NAME_MAX) {
        Ok(n) => Some(n),
        Err(e) => {
            let why = match e {
                crate::address::FieldError::Required => "名前がありません".to_string(),
                crate::address::FieldError::Unprintable(ch) => {
                    format!("名前の「{ch}」は宛名に印字できません")
                }
                _ => format!("名前が長すぎるか、使えない文字があります({NAME_MAX}文字まで)"),
            };
            issues.push(RowIssue::error(c.row, "name", &c.name, why));
            None
        }
    };
    let phone = match c.phone.trim() {
        "" => None,
        p => match Phone::parse(p) {
            Ok(p) => Some(p.as_str().to_string()),
            Err(_) => {
                issues.push(RowIssue::warning(
                    c.row,
                    "phone",
                    p,
                    "電話番号の形が正しくないので取り込みません",
                ));
                None
            }
        },
    };
    let a = &c.address;
    let has_address = [&a.postal_code, &a.prefecture, &a.city, &a.line1, &a.line2]
        .iter()
        .any(|f| !f.trim().is_empty());
    let address = if has_address {
        let input = RecipientInput {
            name: if a.name.trim().is_empty() {
                c.name.clone()
            } else {
                a.name.clone()
            },
            phone: if a.phone.trim().is_empty() {
                c.phone.clone()
            } else {
                a.phone.clone()
            },
            ..a.clone()
        };
        match input.parse() {
            Ok(r) => Some(r),
            Err(errors) => {
                let fields: Vec<&str> = errors.iter().map(|(f, _)| *f).collect();
                issues.push(RowIssue::warning(
                    c.row,
                    "address",
                    &fields.join(", "),
                    format!("住所は取り込みません(足りないか正しくない項目: {})。会員が次の注文のときに登録できます", fields.join("・")),
                ));
                None
            }
        }
    } else {
        None
    };
    if issues.iter().any(RowIssue::is_error) {
        return (None, issues);
    }
    match (email, name) {
        (Some(email), Some(name)) => (
            Some(ValidCustomer {
                row: c.row,
                email,
                name,
                phone,
                marketing: c.marketing,
                address,
            }),
            issues,
        ),
        _ => (None, issues),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn customer() -> ImportedCustomer {
        ImportedCustomer {
            row: 2,
            email: "Hanako@Example.JP".into(),
            name: "山田 花子".into(),
            phone: "090-1234-5678".into(),
            marketing: true,
            address: RecipientInput {
                name_kana: "ヤマダ ハナコ".into(),
                postal_code: "150-0001".into(),
                prefecture: prefecture_code("東京都"),
                city: "渋谷区".into(),
                line1: "神宮前1-2-3".into(),
                ..RecipientInput::default()
            },
            ..ImportedCustomer::default()
        }
    }

    #[test]
    fn a_customer_with_an_address_is_imported_whole() {
        let (v, issues) = validate_customer(&customer());
        assert!(issues.is_empty(), "{issues:?}");
        let v = v.unwrap();
        assert_eq!(v.email, "hanako@example.jp");
        assert!(v.marketing);
        let r = v.address.unwrap();
        assert_eq!(
            r.name, "山田 花子",
            "the member's name when the address has none"
        );
        assert_eq!(r.address.prefecture.code(), 13);
    }

    #[test]
    fn an_address_without_kana_is_left_out_with_a_warning_and_bad_emails_are_errors() {
        let mut c = customer();
        c.address.name_kana.clear();
        let (v, issues) = validate_customer(&c);
        assert!(v.unwrap().address.is_none());
        assert!(
            !issues[0].is_error() && issues[0].message.contains("name_kana"),
            "{issues:?}"
        );
        c.email = "not-an-address".into();
        let (v, issues) = validate_customer(&c);
        assert!(v.is_none());
        assert!(issues.iter().any(|i| i.is_error() && i.column == "email"));
    }

    #[test]
    fn prefectures_are_read_by_code_or_name() {
        assert_eq!(prefecture_code("JP-13"), "13");
        assert_eq!(prefecture_code("東京都"), "13");
        assert_eq!(prefecture_code("北海道"), "1");
        assert_eq!(prefecture_code("大阪"), "27");
        assert_eq!(prefecture_code("27"), "27");
    }
}
