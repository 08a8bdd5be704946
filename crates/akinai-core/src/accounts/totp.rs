//! TOTP second factor for customers (IPA-C-10; RFC 6238 with HMAC-SHA1, 30-second steps, six
//! digits — what every authenticator app speaks) and single-use recovery codes.
//!
//! The secret is stored encrypted: XORed with a keystream derived from the server key, the
//! customer and a per-enrolment nonce, so a copy of the database alone yields no usable secret.
//! A code is accepted for the current step or one step either side, and each step only once
//! (replay protection). Recovery codes are random, shown once, stored as SHA-256 and used once.
//! Turning the factor on or off needs the password (re-authentication) and tells the account's
//! address.

use crate::Factors;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use rand::RngCore;
use serde_json::json;
use sha2::{Digest, Sha256};

use akinai_domain::ids::CustomerId;

use super::mail::AccountMail;
use super::{events, Client, Member};
use crate::{tokens, CoreError};

/// Seconds per step.
const STEP_SECS: i64 = 30;
/// Bytes of a secret (160 bits, RFC 4226's recommendation).
const SECRET_BYTES: usize = 20;
/// Recovery codes per enrolment.
pub const RECOVERY_CODES: usize = 10;

const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// RFC 4648 base32 without padding (what authenticator apps read).
pub fn base32(bytes: &[u8]) -> String {
    let mut out = String::new();
    let (mut buffer, mut bits) = (0u32, 0u32);
    for b in bytes {
        buffer = (buffer << 8) | u32::from(*b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(BASE32[((buffer >> bits) & 31) as usize]));
        }
    }
    if bits > 0 {
        out.push(char::from(BASE32[((buffer << (5 - bits)) & 31) as usize]));
    }
    out
}

/// Decodes [`base32`] (case-insensitive, spaces ignored); `None` for anything else.
pub fn from_base32(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let (mut buffer, mut bits) = (0u32, 0u32);
    for c in text.chars().filter(|c| !c.is_whitespace()) {
        let v = BASE32
            .iter()
            .position(|b| char::from(*b) == c.to_ascii_uppercase())?;
        buffer = (buffer << 5) | u32::try_from(v).ok()?;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push(u8::try_from((buffer >> bits) & 0xff).ok()?);
        }
    }
    Some(out)
}

/// The HOTP value (RFC 4226) of `secret` at `counter`, six digits.
pub fn hotp(secret: &[u8], counter: u64) -> u32 {
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(secret)
        .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
    mac.update(&counter.to_be_bytes());
    let h = mac.finalize().into_bytes();
    let offset = usize::from(h[19] & 0x0f);
    let bin = (u32::from(h[offset]) & 0x7f) << 24
        | u32::from(h[offset + 1]) << 16
        | u32::from(h[offset + 2]) << 8
        | u32::from(h[offset + 3]);
    bin % 1_000_000
}

/// The TOTP step of `t`.
pub fn step_of(t: DateTime<Utc>) -> i64 {
    t.timestamp().div_euclid(STEP_SECS)
}

/// The code an authenticator shows at `t` for a base32 secret (tests and tools).
pub fn code_at(secret_b32: &str, t: DateTime<Utc>) -> Option<String> {
    let secret = from_base32(secret_b32)?;
    Some(format!(
        "{:06}",
        hotp(&secret, u64::try_from(step_of(t)).ok()?)
    ))
}

/// The key stream a TOTP secret is encrypted with: derived from the server key, the owner
/// (`"<customer id>"` or `"admin-<id>"`) and a per-enrolment nonce.
fn keystream(key: &tokens::SecretKey, owner: &str, nonce: &str) -> Vec<u8> {
    let derived = tokens::derive(key, &format!("akinai/totp/v1/{owner}/{nonce}")).secret;
    hex::decode(derived).unwrap_or_default()
}

/// The step within ±1 of `now` at which `secret` shows `code`, if any.
pub(crate) fn matching_step(secret: &[u8], code: &str, now: DateTime<Utc>) -> Option<i64> {
    let code = code.trim();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let now_step = step_of(now);
    (now_step - 1..=now_step + 1)
        .find(|s| u64::try_from(*s).is_ok_and(|c| format!("{:06}", hotp(secret, c)) == code))
}

/// A TOTP secret typed back from an enrolment form (base32, the right length).
pub(crate) fn parse_secret(secret_b32: &str) -> Option<Vec<u8>> {
    from_base32(secret_b32).filter(|b| b.len() == SECRET_BYTES)
}

/// Encrypts a TOTP secret for `owner`: (hex ciphertext, nonce).
pub(crate) fn seal(key: &tokens::SecretKey, owner: &str, secret: &[u8]) -> (String, String) {
    let nonce = tokens::generate().secret;
    let enc = hex::encode(xor(secret, &keystream(key, owner, &nonce)));
    (enc, nonce)
}

/// Decrypts a TOTP secret sealed for `owner`.
pub(crate) fn open(
    key: &tokens::SecretKey,
    owner: &str,
    enc_hex: &str,
    nonce: &str,
) -> Option<Vec<u8>> {
    let enc = hex::decode(enc_hex).ok()?;
    Some(xor(&enc, &keystream(key, owner, nonce)))
}

/// A fresh secret with its `otpauth://` URI and QR code, for `account` at `issuer`.
pub(crate) fn new_setup(issuer: &str, account: &str) -> Result<TotpSetup, CoreError> {
    let mut bytes = [0u8; SECRET_BYTES];
    rand::rng().fill_bytes(&mut bytes);
    setup_of(issuer, account, &bytes)
}

/// The secret that belongs to one enrolment link: derived from the link under the server key,
/// so every showing of the link's page — a reload, a wrong code — shows the same secret, and
/// an app that scanned it keeps working; another link gives another secret.
pub(crate) fn setup_for_link(
    key: &tokens::SecretKey,
    link: &str,
    issuer: &str,
    account: &str,
) -> Result<TotpSetup, CoreError> {
    setup_of(issuer, account, &link_secret(key, link)?)
}

/// The raw authenticator secret of an enrolment link (see [`setup_for_link`]).
pub(crate) fn link_secret(key: &tokens::SecretKey, link: &str) -> Result<Vec<u8>, CoreError> {
    let derived = tokens::derive(key, &format!("akinai/enrolment-totp/v1/{link}"));
    let mut bytes = hex::decode(&derived.secret)
        .map_err(|e| CoreError::Integrity(format!("derived secret: {e}")))?;
    bytes.truncate(SECRET_BYTES);
    Ok(bytes)
}

fn setup_of(issuer: &str, account: &str, bytes: &[u8]) -> Result<TotpSetup, CoreError> {
    let secret = base32(bytes);
    let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let uri = format!(
        "otpauth://totp/{}:{}?secret={secret}&issuer={}&algorithm=SHA1&digits=6&period=30",
        enc(issuer),
        enc(account),
        enc(issuer)
    );
    let qr_svg = qrcode::QrCode::new(uri.as_bytes())
        .map(|q| {
            q.render::<qrcode::render::svg::Color>()
                .min_dimensions(200, 200)
                .build()
        })
        .map_err(|e| CoreError::Integrity(format!("QR code: {e}")))?;
    let qr_svg = match qr_svg.find("<svg") {
        Some(i) => qr_svg[i..].to_string(),
        None => qr_svg,
    };
    Ok(TotpSetup {
        secret,
        uri,
        qr_svg,
    })
}

fn xor(data: &[u8], stream: &[u8]) -> Vec<u8> {
    data.iter()
        .zip(stream.iter().cycle())
        .map(|(a, b)| a ^ b)
        .collect()
}

fn recovery_hash(code: &str) -> String {
    let normal: String = code
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    hex::encode(Sha256::digest(normal.as_bytes()))
}

/// What the enrolment page shows.
#[derive(Debug, Clone)]
pub struct TotpSetup {
    /// The secret in base32, also for typing in by hand.
    pub secret: String,
    /// `otpauth://totp/…`.
    pub uri: String,
    /// The URI as a QR code (SVG markup made by the `qrcode` crate: only shapes).
    pub qr_svg: String,
}

impl Factors {
    /// A fresh secret and its QR code for `member` to scan.
    pub async fn totp_setup(&self, member: &Member) -> Result<TotpSetup, CoreError> {
        let shop = self.base.settings().await?.shop_name;
        new_setup(&shop, &member.customer.email)
    }

    /// Whether `customer` has a TOTP factor.
    pub async fn totp_enabled(&self, customer: CustomerId) -> Result<bool, CoreError> {
        Ok(self.account_store.totp(customer).await?.is_some())
    }

    /// Turns TOTP on: needs the password and a code from the app for `secret`. Returns the
    /// recovery codes, which are shown once.
    pub async fn enable_totp(
        &self,
        member: &Member,
        secret: &str,
        code: &str,
        password: &str,
        client: &Client,
    ) -> Result<Vec<String>, CoreError> {
        self.common.reauthenticate(member, password).await?;
        let wrong = || CoreError::InvalidForm(vec![("code", "account.totp_wrong_code")]);
        let bytes = parse_secret(secret).ok_or_else(wrong)?;
        let now_step = matching_step(&bytes, code, self.base.clock.now()).ok_or_else(wrong)?;
        let c = member.customer.id;
        let (enc, nonce) = seal(&self.base.config.secret_key, &c.0.to_string(), &bytes);
        let codes: Vec<String> = (0..RECOVERY_CODES)
            .map(|_| {
                let t = tokens::generate().secret;
                format!("{}-{}", &t[..5], &t[5..10])
            })
            .collect();
        let hashes: Vec<String> = codes.iter().map(|c| recovery_hash(c)).collect();
        self.account_store
            .enable_totp(c, &enc, &nonce, self.base.clock.now(), &hashes)
            .await?;
        // The enrolment code counts as used.
        self.account_store.advance_totp_step(c, now_step).await?;
        self.common
            .enqueue_account_job_to(
                AccountMail::FactorChanged,
                c,
                &member.customer.email,
                json!({}),
            )
            .await?;
        self.common
            .account_event(
                events::FACTOR_ADDED,
                Some(client),
                json!({ "customer": c.0, "factor": "totp" }),
            )
            .await?;
        Ok(codes)
    }

    /// Turns TOTP off: needs the password and a current code (or a recovery code).
    pub async fn disable_totp(
        &self,
        member: &Member,
        password: &str,
        code: &str,
        client: &Client,
    ) -> Result<(), CoreError> {
        self.common.reauthenticate(member, password).await?;
        let c = member.customer.id;
        if !self.second_factor_ok(c, code).await? {
            return Err(CoreError::InvalidForm(vec![(
                "code",
                "account.totp_wrong_code",
            )]));
        }
        self.account_store.disable_totp(c).await?;
        self.common
            .enqueue_account_job_to(
                AccountMail::FactorChanged,
                c,
                &member.customer.email,
                json!({}),
            )
            .await?;
        self.common
            .account_event(
                events::FACTOR_REMOVED,
                Some(client),
                json!({ "customer": c.0, "factor": "totp" }),
            )
            .await
    }

    /// Whether `code` is a current TOTP code (each step once) or an unused recovery code.
    pub(crate) async fn second_factor_ok(
        &self,
        customer: CustomerId,
        code: &str,
    ) -> Result<bool, CoreError> {
        let Some(rec) = self.account_store.totp(customer).await? else {
            return Ok(false);
        };
        let code = code.trim();
        if code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()) {
            let owner = customer.0.to_string();
            let Some(secret) = open(
                &self.base.config.secret_key,
                &owner,
                &rec.secret_enc,
                &rec.nonce,
            ) else {
                return Ok(false);
            };
            return match matching_step(&secret, code, self.base.clock.now()) {
                Some(step) => Ok(self.account_store.advance_totp_step(customer, step).await?),
                None => Ok(false),
            };
        }
        Ok(self
            .account_store
            .use_recovery_code(customer, &recovery_hash(code), self.base.clock.now())
            .await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B (SHA-1 secret "12345678901234567890"), truncated to six digits.
    #[test]
    fn rfc_6238_test_vectors() {
        let secret = b"12345678901234567890";
        for (time, expected) in [
            (59, 287_082),
            (1_111_111_109, 81_804),
            (1_111_111_111, 50_471),
            (1_234_567_890, 5_924),
            (2_000_000_000, 279_037),
        ] {
            assert_eq!(hotp(secret, time / 30), expected, "t = {time}");
        }
    }

    #[test]
    fn base32_round_trips() {
        assert_eq!(base32(b"foobar"), "MZXW6YTBOI");
        assert_eq!(from_base32("mzxw 6ytb oi").unwrap(), b"foobar");
        assert!(from_base32("0189").is_none());
        let bytes: Vec<u8> = (0..20).collect();
        assert_eq!(from_base32(&base32(&bytes)).unwrap(), bytes);
    }

    #[test]
    fn encryption_hides_the_secret_and_reverses() {
        let key = tokens::SecretKey::generate();
        let s = b"12345678901234567890";
        let ks = keystream(&key, "1", "n");
        let enc = xor(s, &ks);
        assert_ne!(enc.as_slice(), s.as_slice());
        assert_eq!(xor(&enc, &ks), s);
        // Sealed for one owner, it does not open for another.
        let (sealed, nonce) = seal(&key, "admin-1", s);
        assert_eq!(open(&key, "admin-1", &sealed, &nonce).unwrap(), s);
        assert_ne!(open(&key, "admin-2", &sealed, &nonce).unwrap(), s);
        // Codes match within one step either side only.
        let t = chrono::DateTime::from_timestamp(59, 0).unwrap();
        let code = format!("{:06}", hotp(s, 1));
        assert_eq!(matching_step(s, &code, t), Some(1));
        assert_eq!(
            matching_step(s, &code, t + chrono::Duration::seconds(90)),
            None
        );
        assert_eq!(matching_step(s, "12345", t), None);
    }
}
