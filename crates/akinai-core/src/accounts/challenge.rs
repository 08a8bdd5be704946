//! The self-hosted bot challenge (accounts issue, item 4; IPA-C-7): a proof of work solved by a
//! small first-party script, with a no-JavaScript fallback (waiting [`WAIT_SECS`] seconds before
//! pressing the button), and no third-party CAPTCHA.
//!
//! A challenge is `nonce.issued_ms.bits.mac`, signed with the server key (HMAC-SHA256), so it
//! needs no storage until it is used; a used nonce is recorded and refused the second time. The
//! throttling switches it on: for every login and sign-up when `challenge_always` is set, for a
//! source that has failed [`ChallengePolicy::source_failures`] logins within the window, and for an
//! address after `slow_after` failures.

use crate::Base;
use akinai_store::AccountStore;
use chrono::{DateTime, Duration, Utc};
use sha2::{Digest, Sha256};
use std::sync::Arc;

use akinai_domain::challenge::{leading_zero_bits, work_input};
use akinai_store::throttle;

use super::Client;
use crate::{tokens, CoreError};

/// Seconds the no-JavaScript fallback waits.
pub const WAIT_SECS: i64 = 10;
/// How long a challenge may be answered.
const LIFETIME: Duration = Duration::minutes(10);
/// Throttle kind recording used challenge nonces.
const USED: &str = "challenge_used";

/// When the challenge is required.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChallengePolicy {
    /// Every login and sign-up.
    pub always: bool,
    /// Leading zero bits of the proof of work (about 2^bits hashes to find).
    pub bits: u32,
    /// Failed logins from one source within the throttle window that switch it on for the source.
    pub source_failures: u32,
    /// Sign-ups from one source within an hour that switch it on for the source's sign-ups.
    pub source_signups: u32,
}

impl Default for ChallengePolicy {
    fn default() -> ChallengePolicy {
        ChallengePolicy {
            always: false,
            bits: 16,
            source_failures: 10,
            source_signups: 3,
        }
    }
}

/// A challenge to put into a form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    pub token: String,
    pub bits: u32,
    pub wait_secs: i64,
}

/// What a form sent back.
#[derive(Debug, Clone, Default)]
pub struct Answer {
    pub challenge: String,
    /// A number (proof of work) or `wait` (the fallback).
    pub solution: String,
}

fn mac(key: &tokens::SecretKey, text: &str) -> String {
    tokens::derive(key, &format!("akinai/challenge/v1/{text}")).secret
}

/// The self-hosted bot challenge (proof of work) and when sign-up, sign-in or a payment asks
/// for it.
#[derive(Clone)]
pub struct Challenges {
    pub(crate) base: Base,
    pub(crate) account_store: Arc<dyn AccountStore>,
}

impl Challenges {
    /// A fresh signed challenge.
    pub fn issue_challenge(&self) -> Challenge {
        let bits = self.base.config.accounts.challenge.bits;
        let body = format!(
            "{}.{}.{bits}",
            &tokens::generate().secret[..32],
            self.base.clock.now().timestamp_millis()
        );
        let sig = mac(&self.base.config.secret_key, &body);
        Challenge {
            token: format!("{body}.{sig}"),
            bits,
            wait_secs: WAIT_SECS,
        }
    }

    /// Whether `answer` solves a challenge this server issued, in time, for the first time.
    pub(crate) async fn challenge_solved(&self, answer: &Answer) -> Result<bool, CoreError> {
        let now = self.base.clock.now();
        let Some((body, sig)) = answer.challenge.rsplit_once('.') else {
            return Ok(false);
        };
        let expected = mac(&self.base.config.secret_key, body);
        let same = tokens::same_secret(&expected, sig);
        let mut parts = body.split('.');
        let (Some(nonce), Some(issued), Some(bits), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Ok(false);
        };
        let (Ok(issued), Ok(bits)) = (issued.parse::<i64>(), bits.parse::<u32>()) else {
            return Ok(false);
        };
        let Some(issued) = DateTime::<Utc>::from_timestamp_millis(issued) else {
            return Ok(false);
        };
        if !same || now > issued + LIFETIME || now < issued {
            return Ok(false);
        }
        let worked = match answer.solution.trim() {
            "wait" => now >= issued + Duration::seconds(WAIT_SECS),
            n => n.parse::<u64>().is_ok_and(|n| {
                leading_zero_bits(&Sha256::digest(work_input(&answer.challenge, n).as_bytes()))
                    >= bits
            }),
        };
        if !worked {
            return Ok(false);
        }
        if self
            .account_store
            .count_throttle_events(USED, nonce, issued)
            .await?
            > 0
        {
            return Ok(false);
        }
        self.account_store
            .record_throttle_event(USED, nonce, None, now)
            .await?;
        Ok(true)
    }

    /// Whether a login from `client` (for `email`, when known) must solve the challenge now:
    /// always, or the source failed often, or the address reached `slow_after` failures.
    pub async fn login_challenge_needed(
        &self,
        client: &Client,
        email: Option<&str>,
    ) -> Result<bool, CoreError> {
        if self.source_challenge_needed(client).await? {
            return Ok(true);
        }
        let Some(key) = email.map(|e| super::email_key(e).unwrap_or_else(|| e.to_string())) else {
            return Ok(false);
        };
        let (n, _) = self
            .account_store
            .login_failures(&key, self.base.clock.now() - super::login::HORIZON)
            .await?;
        Ok(n >= self.base.config.accounts.throttle.slow_after)
    }

    /// Whether logins from `client` must solve the challenge whatever the address: always, or
    /// the source failed often.
    pub(crate) async fn source_challenge_needed(&self, client: &Client) -> Result<bool, CoreError> {
        let policy = self.base.config.accounts.challenge;
        if policy.always {
            return Ok(true);
        }
        let since = self.base.clock.now() - self.base.config.accounts.throttle.window;
        let failures = self
            .account_store
            .count_throttle_events(throttle::LOGIN_FAIL_SOURCE, &client.ip.to_string(), since)
            .await?;
        Ok(failures >= policy.source_failures)
    }

    /// Whether sign-ups from `client` must solve the challenge now.
    pub async fn signup_challenge_needed(&self, client: &Client) -> Result<bool, CoreError> {
        let policy = self.base.config.accounts.challenge;
        if policy.always {
            return Ok(true);
        }
        let since = self.base.clock.now() - Duration::hours(1);
        let signups = self
            .account_store
            .count_throttle_events(throttle::SIGNUP, &client.ip.to_string(), since)
            .await?;
        Ok(signups >= policy.source_signups)
    }
}

/// Finds the proof of work for `challenge` (what the page script does; used by tests and tools).
pub fn solve(challenge: &Challenge) -> u64 {
    (0u64..)
        .find(|n| {
            leading_zero_bits(&Sha256::digest(work_input(&challenge.token, *n).as_bytes()))
                >= challenge.bits
        })
        .unwrap_or(0)
}
