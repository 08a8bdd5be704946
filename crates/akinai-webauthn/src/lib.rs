//! WebAuthn (passkey) verification for the relying party, in pure Rust (IPA-C-10).
//!
//! The server side of the two ceremonies of the W3C Web Authentication Level 2 specification,
//! the parts an e-commerce shop needs and nothing more:
//!
//! - **Registration** ([`verify_registration`], spec §7.1): client data of type
//!   `webauthn.create` with our challenge and origin, attestation object in CBOR, authenticator
//!   data for our RP ID with the user present *and verified*, and a credential public key we can
//!   check signatures with. We ask for attestation `none` (a shop has no use for the maker's
//!   certificate chain and it is a privacy cost to the shopper), so the attestation statement is
//!   not evaluated; the key is trusted because the registration happens inside a logged-in,
//!   re-authenticated session.
//! - **Authentication** ([`verify_assertion`], spec §7.2): client data of type `webauthn.get`,
//!   RP ID hash, user presence and verification, signature over `authenticatorData ‖
//!   SHA-256(clientDataJSON)` with the stored key, and the signature counter, which must grow
//!   when the authenticator keeps one (a counter that goes back means a cloned authenticator).
//!
//! Keys: ES256 (ECDSA P-256, COSE −7; every platform passkey provider) and EdDSA (Ed25519, COSE
//! −8). RS256 is not accepted (ADR 010). Challenges are opaque bytes chosen by the caller, who
//! also proves they are fresh and single-use; [`peek_challenge`] reads the one in client data so
//! the caller can check it before verification.
//!
//! With feature `soft`, [`soft::Authenticator`] is a software authenticator for tests.

#![forbid(unsafe_code)]

mod authdata;
mod client_data;
mod cose;
#[cfg(feature = "soft")]
pub mod soft;

use sha2::{Digest, Sha256};

pub use authdata::Flags;
pub use client_data::peek_challenge;
pub use cose::{Algorithm, PublicKey};

/// COSE algorithm numbers we accept, in order of preference (for `pubKeyCredParams`).
pub const ALGORITHMS: [i64; 2] = [-7, -8];

/// Who we are to authenticators and browsers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelyingParty {
    /// The RP ID: the shop's host name (`shop.example.jp`), never taken from a request.
    pub id: String,
    /// The exact origin pages are served from (`https://shop.example.jp`).
    pub origin: String,
}

impl RelyingParty {
    /// The RP of a shop served at `base_url` (its host, and its origin without a path).
    pub fn for_base_url(base_url: &url::Url) -> Option<RelyingParty> {
        let host = base_url.host_str()?;
        if host.parse::<std::net::IpAddr>().is_ok() || host.starts_with('[') {
            return None; // WebAuthn needs a domain name; an IP address is not a valid RP ID.
        }
        Some(RelyingParty {
            id: host.to_string(),
            origin: base_url.origin().ascii_serialization(),
        })
    }
}

/// Why a ceremony was refused. The messages are for logs and security events, never for
/// the shopper (who is told only that the passkey could not be used).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    #[error("malformed {0}")]
    Malformed(&'static str),
    #[error("client data type is not {0}")]
    WrongType(&'static str),
    #[error("challenge does not match")]
    WrongChallenge,
    #[error("origin {0:?} is not ours")]
    WrongOrigin(String),
    #[error("cross-origin ceremony")]
    CrossOrigin,
    #[error("RP ID hash is not ours")]
    WrongRp,
    #[error("user not present")]
    UserNotPresent,
    #[error("user not verified")]
    UserNotVerified,
    #[error("no attested credential data")]
    NoCredential,
    #[error("credential id differs from the one the client named")]
    WrongCredential,
    #[error("unsupported key or algorithm")]
    Unsupported,
    #[error("signature does not verify")]
    BadSignature,
    #[error("signature counter went back from {stored} to {seen}")]
    CounterWentBack { stored: u32, seen: u32 },
}

/// A credential that passed registration, to be stored with the account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCredential {
    pub id: Vec<u8>,
    /// The COSE public key as the authenticator sent it (parse with [`PublicKey::from_cose`]).
    pub public_key: Vec<u8>,
    pub algorithm: Algorithm,
    pub sign_count: u32,
    /// Backup eligible (a synced passkey) and backed up, as the authenticator says.
    pub backup_eligible: bool,
    pub backed_up: bool,
    pub aaguid: [u8; 16],
}

/// Verifies a registration response (spec §7.1, steps 5–26 without attestation trust).
pub fn verify_registration(
    rp: &RelyingParty,
    challenge: &[u8],
    client_data_json: &[u8],
    attestation_object: &[u8],
) -> Result<NewCredential, Error> {
    client_data::check(client_data_json, client_data::CREATE, challenge, &rp.origin)?;
    let auth_data = authdata::from_attestation_object(attestation_object)?;
    let parsed = authdata::AuthData::parse(&auth_data)?;
    parsed.check(rp, true)?;
    let attested = parsed.attested.ok_or(Error::NoCredential)?;
    let key = PublicKey::from_cose(&attested.public_key)?;
    Ok(NewCredential {
        id: attested.credential_id,
        algorithm: key.algorithm(),
        public_key: attested.public_key,
        sign_count: parsed.sign_count,
        backup_eligible: parsed.flags.backup_eligible(),
        backed_up: parsed.flags.backed_up(),
        aaguid: attested.aaguid,
    })
}

/// What a browser sent back from `navigator.credentials.get()`.
#[derive(Debug, Clone, Default)]
pub struct AssertionResponse {
    pub credential_id: Vec<u8>,
    pub client_data_json: Vec<u8>,
    pub authenticator_data: Vec<u8>,
    pub signature: Vec<u8>,
    pub user_handle: Option<Vec<u8>>,
}

/// The stored side of a credential, for [`verify_assertion`].
#[derive(Debug, Clone, Copy)]
pub struct StoredCredential<'a> {
    pub id: &'a [u8],
    pub public_key: &'a [u8],
    pub sign_count: u32,
    pub user_handle: &'a [u8],
}

/// A verified assertion: what to store back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verified {
    pub sign_count: u32,
    pub backed_up: bool,
}

/// Verifies an authentication assertion (spec §7.2, steps 5–21). User verification is
/// required: a passkey login stands for both factors.
pub fn verify_assertion(
    rp: &RelyingParty,
    challenge: &[u8],
    stored: StoredCredential<'_>,
    response: &AssertionResponse,
) -> Result<Verified, Error> {
    if response.credential_id != stored.id {
        return Err(Error::WrongCredential);
    }
    if let Some(handle) = &response.user_handle {
        if handle.as_slice() != stored.user_handle {
            return Err(Error::WrongCredential);
        }
    }
    client_data::check(
        &response.client_data_json,
        client_data::GET,
        challenge,
        &rp.origin,
    )?;
    let parsed = authdata::AuthData::parse(&response.authenticator_data)?;
    parsed.check(rp, true)?;
    let key = PublicKey::from_cose(stored.public_key)?;
    let mut signed = response.authenticator_data.clone();
    signed.extend_from_slice(&Sha256::digest(&response.client_data_json));
    key.verify(&signed, &response.signature)?;
    // §7.2 step 21: a counter kept by the authenticator must grow; zero means "not kept".
    if (parsed.sign_count != 0 || stored.sign_count != 0) && parsed.sign_count <= stored.sign_count
    {
        return Err(Error::CounterWentBack {
            stored: stored.sign_count,
            seen: parsed.sign_count,
        });
    }
    Ok(Verified {
        sign_count: parsed.sign_count,
        backed_up: parsed.flags.backed_up(),
    })
}

/// Base64url without padding, the encoding WebAuthn uses for binary values in JSON.
pub fn b64url(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Decodes base64url with or without padding.
pub fn from_b64url(text: &str) -> Option<Vec<u8>> {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(text.trim().trim_end_matches('='))
        .ok()
}
