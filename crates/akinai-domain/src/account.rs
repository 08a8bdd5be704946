//! Rules of customer accounts that need no IO: what a password must be (SWS-C2-5) and when a
//! login attempt may proceed (IPA-C-7, CCSG-F-3b).
//!
//! Passwords: at least [`MIN_PASSWORD_CHARS`] characters, at most [`MAX_PASSWORD_BYTES`] bytes
//! (bounding hash work), a zxcvbn strength score of at least 3, and none of the shopper's own
//! name, e-mail or the shop's name inside. No composition rules and no expiry (NIST SP 800-63B).
//!
//! Throttling is decided from counters the store keeps per e-mail address — whether or not an
//! account exists for it, so the answers never reveal that — and per source address.

use chrono::{DateTime, Duration, Utc};

/// Fewest characters of a password.
pub const MIN_PASSWORD_CHARS: usize = 10;
/// Most bytes of a password.
pub const MAX_PASSWORD_BYTES: usize = 256;
/// Lowest acceptable zxcvbn score (0–4).
const MIN_SCORE: u8 = 3;

/// Why a password is refused; each maps to a message in the catalogues.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PasswordProblem {
    #[error("too short")]
    TooShort,
    #[error("too long")]
    TooLong,
    #[error("contains the name, e-mail address or shop name")]
    Personal,
    #[error("too easy to guess")]
    TooWeak,
}

impl PasswordProblem {
    /// The catalogue key of the message for the shopper.
    pub fn message_key(self) -> &'static str {
        match self {
            PasswordProblem::TooShort => "account.password_too_short",
            PasswordProblem::TooLong => "account.password_too_long",
            PasswordProblem::Personal => "account.password_personal",
            PasswordProblem::TooWeak => "account.password_weak",
        }
    }
}

/// Checks a new password against the policy; `personal` are words it must not contain (the
/// shopper's name and e-mail, the shop's name).
pub fn check_password(password: &str, personal: &[&str]) -> Result<(), PasswordProblem> {
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(PasswordProblem::TooLong);
    }
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(PasswordProblem::TooShort);
    }
    let lower = password.to_lowercase();
    let words: Vec<String> = personal
        .iter()
        .flat_map(|p| p.split(|c: char| c == '@' || c == '.' || c.is_whitespace()))
        .map(str::to_lowercase)
        .filter(|w| w.chars().count() >= 3)
        .collect();
    if words.iter().any(|w| lower.contains(w.as_str())) {
        return Err(PasswordProblem::Personal);
    }
    let inputs: Vec<&str> = words.iter().map(String::as_str).collect();
    let score = zxcvbn::zxcvbn(password, &inputs).score() as u8;
    if score < MIN_SCORE {
        return Err(PasswordProblem::TooWeak);
    }
    Ok(())
}

/// The throttling thresholds (defaults from the hardening issue and IPA-C-7; configurable).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottlePolicy {
    /// Consecutive failures for one address after which each further try must wait.
    pub slow_after: u32,
    /// Consecutive failures after which the address is locked for `lock_for`.
    pub lock_after: u32,
    pub lock_for: Duration,
    /// Distinct addresses failing from one source within `window` that mark credential
    /// stuffing; the source is then blocked for `block_for`.
    pub stuffing_accounts: u32,
    /// Failures from one source within `window` that block it, whatever the addresses.
    pub source_failures: u32,
    pub window: Duration,
    pub block_for: Duration,
}

impl Default for ThrottlePolicy {
    fn default() -> ThrottlePolicy {
        ThrottlePolicy {
            slow_after: 5,
            lock_after: 10,
            lock_for: Duration::minutes(30),
            stuffing_accounts: 20,
            source_failures: 100,
            window: Duration::minutes(10),
            block_for: Duration::hours(1),
        }
    }
}

/// What the store knows about an e-mail address's recent attempts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttemptHistory {
    /// Failures since the last success (within the lock window's horizon).
    pub consecutive_failures: u32,
    pub last_failure: Option<DateTime<Utc>>,
}

/// Whether a login attempt may be checked now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gate {
    Open,
    /// Too many recent failures: try again at the given time (progressive delay or lock).
    Wait(DateTime<Utc>),
}

impl ThrottlePolicy {
    /// The gate for an address with `history` at `now`: after `slow_after` failures each try
    /// waits 2, 4, 8 … seconds (at most a minute) after the previous failure; after `lock_after`
    /// failures the address is locked for `lock_for` from the last failure.
    pub fn gate(&self, history: AttemptHistory, now: DateTime<Utc>) -> Gate {
        let Some(last) = history.last_failure else {
            return Gate::Open;
        };
        let n = history.consecutive_failures;
        let until = if n >= self.lock_after {
            last + self.lock_for
        } else if n >= self.slow_after {
            let exp = (n - self.slow_after + 1).min(6);
            last + Duration::seconds(1 << exp)
        } else {
            return Gate::Open;
        };
        if now < until {
            Gate::Wait(until)
        } else {
            Gate::Open
        }
    }

    /// Whether failures from one source amount to an attack to block.
    pub fn source_is_attacking(&self, distinct_accounts: u32, failures: u32) -> bool {
        distinct_accounts >= self.stuffing_accounts || failures >= self.source_failures
    }
}

/// What a login needs after the password (IPA-C-10).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecondStep {
    /// Nothing: the login is done.
    None,
    /// The member's own factor: a code from the authenticator app, a recovery code or a
    /// passkey.
    Factor,
    /// A one-time code mailed to the account's address (a risky login of a member without a
    /// factor under the "on risk" policy).
    MailCode,
}

/// The second step a login needs under `policy`, for a member who has a factor of their own
/// (`has_factor`), when the login comes from a browser or network the account has not used
/// (`risky`). Under `Required`, a member without a factor logs in and must then set one up
/// before doing anything else (enforced at the member's pages).
pub fn second_step(
    policy: crate::settings::SecondFactorPolicy,
    has_factor: bool,
    risky: bool,
) -> SecondStep {
    use crate::settings::SecondFactorPolicy as P;
    match (policy, has_factor, risky) {
        (P::Optional | P::Required, true, _) => SecondStep::Factor,
        (P::Optional | P::Required, false, _) => SecondStep::None,
        (P::OnRisk, _, false) => SecondStep::None,
        (P::OnRisk, true, true) => SecondStep::Factor,
        (P::OnRisk, false, true) => SecondStep::MailCode,
    }
}

/// Whether two addresses are in the same network for the "new network" risk signal: the same
/// /24 for IPv4, the same /48 for IPv6.
pub fn same_network(a: std::net::IpAddr, b: std::net::IpAddr) -> bool {
    use std::net::IpAddr::{V4, V6};
    match (a, b) {
        (V4(a), V4(b)) => a.octets()[..3] == b.octets()[..3],
        (V6(a), V6(b)) => a.segments()[..3] == b.segments()[..3],
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(s: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_800_000_000 + s, 0).single().unwrap()
    }

    #[test]
    fn passwords_need_length_and_strength_not_composition() {
        assert_eq!(check_password("short", &[]), Err(PasswordProblem::TooShort));
        assert_eq!(
            check_password("password123", &[]),
            Err(PasswordProblem::TooWeak)
        );
        assert_eq!(
            check_password("1234567890", &[]),
            Err(PasswordProblem::TooWeak)
        );
        assert_eq!(
            check_password(&"a".repeat(300), &[]),
            Err(PasswordProblem::TooLong)
        );
        assert!(check_password("correct horse battery staple", &[]).is_ok());
        assert!(
            check_password("むらさきの空に鳥がとぶ", &[]).is_ok(),
            "Japanese passphrases"
        );
        assert_eq!(
            check_password("yamada-horse-battery", &["山田 花子", "yamada@example.jp"]),
            Err(PasswordProblem::Personal)
        );
        assert_eq!(
            check_password("akinaishop-staple-x", &["akinaishop"]),
            Err(PasswordProblem::Personal)
        );
    }

    #[test]
    fn failures_slow_down_then_lock() {
        let p = ThrottlePolicy::default();
        let h = |n, last| AttemptHistory {
            consecutive_failures: n,
            last_failure: Some(t(last)),
        };
        assert_eq!(p.gate(h(4, 0), t(0)), Gate::Open);
        assert_eq!(p.gate(h(5, 0), t(1)), Gate::Wait(t(2)));
        assert_eq!(p.gate(h(5, 0), t(2)), Gate::Open);
        assert_eq!(p.gate(h(7, 0), t(5)), Gate::Wait(t(8)));
        assert_eq!(p.gate(h(9, 0), t(31)), Gate::Wait(t(32)));
        assert_eq!(p.gate(h(9, 0), t(32)), Gate::Open);
        assert_eq!(
            p.gate(h(10, 0), t(1799)),
            Gate::Wait(t(1800)),
            "locked 30 min"
        );
        assert_eq!(p.gate(h(10, 0), t(1800)), Gate::Open);
        assert_eq!(
            p.gate(
                AttemptHistory {
                    consecutive_failures: 0,
                    last_failure: None
                },
                t(0)
            ),
            Gate::Open
        );
    }

    #[test]
    fn many_accounts_or_many_failures_from_one_source_is_an_attack() {
        let p = ThrottlePolicy::default();
        assert!(!p.source_is_attacking(19, 50));
        assert!(p.source_is_attacking(20, 20));
        assert!(p.source_is_attacking(1, 100));
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_passwords_are_judged_without_panic(pw in "\\PC{0,80}") {
            let _ = check_password(&pw, &["yamada@example.jp"]);
        }
    }

    #[test]
    fn ipa_c_10_second_step_follows_the_policy() {
        use crate::settings::SecondFactorPolicy as P;
        assert_eq!(second_step(P::Optional, true, false), SecondStep::Factor);
        assert_eq!(second_step(P::Optional, false, true), SecondStep::None);
        assert_eq!(second_step(P::Required, true, false), SecondStep::Factor);
        assert_eq!(second_step(P::Required, false, false), SecondStep::None);
        assert_eq!(second_step(P::OnRisk, true, false), SecondStep::None);
        assert_eq!(second_step(P::OnRisk, false, false), SecondStep::None);
        assert_eq!(second_step(P::OnRisk, true, true), SecondStep::Factor);
        assert_eq!(second_step(P::OnRisk, false, true), SecondStep::MailCode);
    }

    #[test]
    fn networks_are_slash_24_and_slash_48() {
        let ip = |s: &str| s.parse::<std::net::IpAddr>().unwrap();
        assert!(same_network(ip("203.0.113.5"), ip("203.0.113.200")));
        assert!(!same_network(ip("203.0.113.5"), ip("203.0.114.5")));
        assert!(same_network(ip("2001:db8:1::1"), ip("2001:db8:1:ffff::2")));
        assert!(!same_network(ip("2001:db8:1::1"), ip("2001:db8:2::1")));
        assert!(!same_network(ip("203.0.113.5"), ip("::ffff:203.0.113.5")));
    }
}
