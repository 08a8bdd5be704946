//! A software authenticator for tests (feature `soft`): it makes a P-256 key, answers
//! `create` with an attestation object (format `none`) and `get` with a signed assertion, the
//! way a platform passkey provider does, and lets a test change what it does wrong (flags,
//! counter, origin, key).

use ciborium::Value;
use p256::ecdsa::signature::Signer;
use sha2::{Digest, Sha256};

use crate::{b64url, AssertionResponse, Flags};

/// One credential on a software authenticator.
pub struct Authenticator {
    key: p256::ecdsa::SigningKey,
    pub rp_id: String,
    pub credential_id: Vec<u8>,
    pub user_handle: Vec<u8>,
    /// The signature counter; `None` behaves like synced passkeys, which always send 0.
    pub counter: Option<u32>,
    /// Flags sent with assertions (default: user present and verified, backed up).
    pub flags: u8,
}

/// What `navigator.credentials.create()` gives back.
pub struct Registration {
    pub credential_id: Vec<u8>,
    pub client_data_json: Vec<u8>,
    pub attestation_object: Vec<u8>,
}

/// Client data as a browser writes it.
pub fn client_data(kind: &str, challenge: &[u8], origin: &str) -> Vec<u8> {
    format!(
        r#"{{"type":"{kind}","challenge":"{}","origin":"{origin}","crossOrigin":false}}"#,
        b64url(challenge)
    )
    .into_bytes()
}

impl Authenticator {
    /// A new credential for `rp_id`, without a signature counter.
    pub fn new(rp_id: &str) -> Authenticator {
        let key = loop {
            if let Ok(k) = p256::ecdsa::SigningKey::from_slice(&rand::random::<[u8; 32]>()) {
                break k;
            }
        };
        Authenticator {
            key,
            rp_id: rp_id.to_string(),
            credential_id: rand::random::<[u8; 16]>().to_vec(),
            user_handle: Vec::new(),
            counter: None,
            flags: Flags::UP | Flags::UV | Flags::BE | Flags::BS,
        }
    }

    /// The credential's public key in COSE form.
    pub fn cose_key(&self) -> Vec<u8> {
        let point = self.key.verifying_key().to_encoded_point(false);
        let coord =
            |c: Option<&p256::FieldBytes>| Value::Bytes(c.map(|b| b.to_vec()).unwrap_or_default());
        let key = Value::Map(vec![
            (Value::from(1), Value::from(2)),
            (Value::from(3), Value::from(-7)),
            (Value::from(-1), Value::from(1)),
            (Value::from(-2), coord(point.x())),
            (Value::from(-3), coord(point.y())),
        ]);
        let mut out = Vec::new();
        // Writing to a Vec cannot fail.
        let _ = ciborium::into_writer(&key, &mut out);
        out
    }

    fn auth_data(&self, flags: u8, attested: bool) -> Vec<u8> {
        let mut d = Sha256::digest(self.rp_id.as_bytes()).to_vec();
        d.push(if attested { flags | Flags::AT } else { flags });
        d.extend_from_slice(&self.counter.unwrap_or(0).to_be_bytes());
        if attested {
            d.extend_from_slice(&[0u8; 16]);
            d.extend_from_slice(&(self.credential_id.len() as u16).to_be_bytes());
            d.extend_from_slice(&self.credential_id);
            d.extend_from_slice(&self.cose_key());
        }
        d
    }

    /// Answers a registration for `user_handle` with `challenge` on a page of `origin`.
    pub fn create(&mut self, origin: &str, challenge: &[u8], user_handle: &[u8]) -> Registration {
        self.user_handle = user_handle.to_vec();
        let client_data_json = client_data("webauthn.create", challenge, origin);
        let object = Value::Map(vec![
            (Value::from("fmt"), Value::from("none")),
            (Value::from("attStmt"), Value::Map(Vec::new())),
            (
                Value::from("authData"),
                Value::Bytes(self.auth_data(self.flags, true)),
            ),
        ]);
        let mut attestation_object = Vec::new();
        let _ = ciborium::into_writer(&object, &mut attestation_object);
        Registration {
            credential_id: self.credential_id.clone(),
            client_data_json,
            attestation_object,
        }
    }

    /// Answers an authentication with `challenge` on a page of `origin`; the counter, when
    /// kept, goes up first.
    pub fn get(&mut self, origin: &str, challenge: &[u8]) -> AssertionResponse {
        if let Some(c) = &mut self.counter {
            *c += 1;
        }
        let client_data_json = client_data("webauthn.get", challenge, origin);
        self.sign(client_data_json)
    }

    /// Signs `client_data_json` as it stands (for tests that forge client data).
    pub fn sign(&self, client_data_json: Vec<u8>) -> AssertionResponse {
        let authenticator_data = self.auth_data(self.flags, false);
        let mut signed = authenticator_data.clone();
        signed.extend_from_slice(&Sha256::digest(&client_data_json));
        let signature: p256::ecdsa::Signature = self.key.sign(&signed);
        AssertionResponse {
            credential_id: self.credential_id.clone(),
            client_data_json,
            authenticator_data,
            signature: signature.to_der().as_bytes().to_vec(),
            user_handle: Some(self.user_handle.clone()),
        }
    }
}
