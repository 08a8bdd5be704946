//! Qualified invoices (インボイス制度, JP-INV-1): the issuer's registration number. A shop that is a
//! registered issuer prints it on the simplified invoice (適格簡易請求書) of every order; the
//! per-rate totals and the tax rounded once per rate (JP-INV-2) come from `pricing`.

use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;

use crate::address::FieldError;

/// 登録番号: `T` and 13 digits, e.g. `T1234567890123`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RegistrationNumber(String);

impl RegistrationNumber {
    /// Parses `T` + 13 digits after NFKC (full-width input is accepted), case-insensitive `t`,
    /// ignoring spaces and hyphens.
    pub fn parse(input: &str) -> Result<RegistrationNumber, FieldError> {
        let s: String = input
            .nfkc()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .collect();
        if s.is_empty() {
            return Err(FieldError::Required);
        }
        let mut chars = s.chars();
        let t = chars.next().map(|c| c.to_ascii_uppercase());
        let digits: String = chars.collect();
        if t == Some('T') && digits.len() == 13 && digits.bytes().all(|b| b.is_ascii_digit()) {
            Ok(RegistrationNumber(format!("T{digits}")))
        } else {
            Err(FieldError::Invalid)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for RegistrationNumber {
    type Error = FieldError;
    fn try_from(s: String) -> Result<RegistrationNumber, FieldError> {
        RegistrationNumber::parse(&s)
    }
}

impl From<RegistrationNumber> for String {
    fn from(n: RegistrationNumber) -> String {
        n.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jp_inv_1_registration_numbers_are_t_and_13_digits() {
        assert_eq!(
            RegistrationNumber::parse("T1234567890123")
                .unwrap()
                .as_str(),
            "T1234567890123"
        );
        assert_eq!(
            RegistrationNumber::parse(" ｔ１２３４-５６７８-９０１２３ ")
                .unwrap()
                .as_str(),
            "T1234567890123"
        );
        for bad in [
            "1234567890123",
            "T123456789012",
            "T12345678901234",
            "X1234567890123",
            "T12345678901a3",
        ] {
            assert_eq!(
                RegistrationNumber::parse(bad),
                Err(FieldError::Invalid),
                "{bad}"
            );
        }
        assert_eq!(RegistrationNumber::parse(" "), Err(FieldError::Required));
        // Stored settings with a bad number do not load.
        assert!(serde_json::from_str::<RegistrationNumber>("\"T12\"").is_err());
    }
}
