//! Stripe's webhook signature (payments issue, item 2): the `Stripe-Signature` header carries
//! `t=<unix seconds>` and one or more `v1=<hex HMAC-SHA256>` over `"<t>.<raw body>"` with the
//! endpoint's signing secret. A delivery is accepted only when one `v1` matches (compared in
//! constant time by the MAC's own verifier) and `t` is within the tolerance of akinai's clock,
//! so a captured delivery cannot be replayed later.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// How far the signed time may be from now (Stripe's libraries use five minutes).
pub const TOLERANCE_SECS: i64 = 300;

/// Why a delivery was refused. The webhook answers 400 whatever the reason; the log says which.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("no usable Stripe-Signature header")]
    Malformed,
    #[error("the signed time is outside the tolerance")]
    Expired,
    #[error("no signature matches")]
    Mismatch,
}

/// Checks `header` for `body` with `secret` at `now` (unix seconds).
pub fn verify(header: &str, body: &[u8], secret: &str, now: i64) -> Result<(), SignatureError> {
    let mut t = None;
    let mut candidates = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", v)) => t = v.parse::<i64>().ok(),
            Some(("v1", v)) => candidates.push(v),
            _ => {}
        }
    }
    let t = t.ok_or(SignatureError::Malformed)?;
    if candidates.is_empty() {
        return Err(SignatureError::Malformed);
    }
    if (now - t).abs() > TOLERANCE_SECS {
        return Err(SignatureError::Expired);
    }
    // HMAC takes keys of any length, so this is `None` only in theory; then nothing verifies.
    let expected = mac(secret, t, body).ok_or(SignatureError::Mismatch)?;
    for candidate in candidates {
        let Ok(sig) = hex::decode(candidate) else {
            continue;
        };
        if expected.clone().verify_slice(&sig).is_ok() {
            return Ok(());
        }
    }
    Err(SignatureError::Mismatch)
}

fn mac(secret: &str, t: i64, body: &[u8]) -> Option<Hmac<Sha256>> {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes()).ok()?;
    mac.update(t.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    Some(mac)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The header a sender would send (the fake PSP signs with its own code).
    fn sign(secret: &str, t: i64, body: &[u8]) -> String {
        let tag = mac(secret, t, body).unwrap().finalize().into_bytes();
        format!("t={t},v1={}", hex::encode(tag))
    }

    const SECRET: &str = "whsec_test_secret";
    const BODY: &[u8] = br#"{"id":"evt_1","type":"checkout.session.completed"}"#;

    #[test]
    fn a_signed_delivery_within_the_tolerance_is_accepted() {
        let header = sign(SECRET, 1_700_000_000, BODY);
        assert_eq!(verify(&header, BODY, SECRET, 1_700_000_100), Ok(()));
        // Rotated secrets: several v1 values, one of which matches.
        let both = format!("{header},v1={}", "00".repeat(32));
        assert_eq!(verify(&both, BODY, SECRET, 1_700_000_000), Ok(()));
    }

    #[test]
    fn wrong_secret_changed_body_old_time_or_garbage_are_refused() {
        let header = sign(SECRET, 1_700_000_000, BODY);
        assert_eq!(
            verify(&header, BODY, "whsec_other", 1_700_000_000),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(&header, b"{\"id\":\"evt_2\"}", SECRET, 1_700_000_000),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(&header, BODY, SECRET, 1_700_000_000 + 301),
            Err(SignatureError::Expired),
            "a replay after five minutes"
        );
        for bad in [
            "",
            "t=abc,v1=00",
            "v1=00",
            "t=1700000000",
            "t=1700000000,v1=zz",
        ] {
            assert_ne!(verify(bad, BODY, SECRET, 1_700_000_000), Ok(()), "{bad}");
        }
    }
}
