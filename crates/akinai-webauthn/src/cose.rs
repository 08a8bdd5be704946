//! COSE public keys (RFC 9052/9053) as authenticators send them, and signature checks with
//! them: ES256 (EC2 key on P-256, DER-encoded ECDSA signature) and EdDSA (OKP key on Ed25519).

use ciborium::Value;

use crate::Error;

/// A signature algorithm we accept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    Es256,
    EdDsa,
}

impl Algorithm {
    /// The COSE algorithm number.
    pub fn cose(self) -> i64 {
        match self {
            Algorithm::Es256 => -7,
            Algorithm::EdDsa => -8,
        }
    }
}

/// A credential's public key, ready to verify signatures.
#[derive(Debug, Clone)]
pub enum PublicKey {
    Es256(p256::ecdsa::VerifyingKey),
    EdDsa(ed25519_dalek::VerifyingKey),
}

/// COSE key parameters (RFC 9052 §7.1, RFC 9053 §7).
const KTY: i64 = 1;
const ALG: i64 = 3;
const CRV: i64 = -1;
const X: i64 = -2;
const Y: i64 = -3;
const KTY_OKP: i64 = 1;
const KTY_EC2: i64 = 2;
const CRV_P256: i64 = 1;
const CRV_ED25519: i64 = 6;

fn int(v: &Value) -> Option<i64> {
    match v {
        Value::Integer(i) => i64::try_from(i128::from(*i)).ok(),
        _ => None,
    }
}

impl PublicKey {
    /// Parses a COSE key; a key type, curve or algorithm we do not accept is `Unsupported`.
    pub fn from_cose(bytes: &[u8]) -> Result<PublicKey, Error> {
        let value: Value =
            ciborium::from_reader(bytes).map_err(|_| Error::Malformed("COSE key"))?;
        let Value::Map(entries) = value else {
            return Err(Error::Malformed("COSE key"));
        };
        let get = |label: i64| {
            entries
                .iter()
                .find(|(k, _)| int(k) == Some(label))
                .map(|(_, v)| v)
        };
        let bytes_of = |label: i64| match get(label) {
            Some(Value::Bytes(b)) => Ok(b.as_slice()),
            _ => Err(Error::Malformed("COSE key coordinate")),
        };
        let kty = get(KTY).and_then(int);
        let alg = get(ALG).and_then(int);
        let crv = get(CRV).and_then(int);
        match (kty, alg, crv) {
            (Some(KTY_EC2), Some(-7), Some(CRV_P256)) => {
                let (x, y) = (bytes_of(X)?, bytes_of(Y)?);
                if x.len() != 32 || y.len() != 32 {
                    return Err(Error::Malformed("COSE key coordinate"));
                }
                let point = p256::EncodedPoint::from_affine_coordinates(x.into(), y.into(), false);
                p256::ecdsa::VerifyingKey::from_encoded_point(&point)
                    .map(PublicKey::Es256)
                    .map_err(|_| Error::Malformed("P-256 point"))
            }
            (Some(KTY_OKP), Some(-8), Some(CRV_ED25519)) => {
                let x: [u8; 32] = bytes_of(X)?
                    .try_into()
                    .map_err(|_| Error::Malformed("COSE key coordinate"))?;
                ed25519_dalek::VerifyingKey::from_bytes(&x)
                    .map(PublicKey::EdDsa)
                    .map_err(|_| Error::Malformed("Ed25519 point"))
            }
            _ => Err(Error::Unsupported),
        }
    }

    pub fn algorithm(&self) -> Algorithm {
        match self {
            PublicKey::Es256(_) => Algorithm::Es256,
            PublicKey::EdDsa(_) => Algorithm::EdDsa,
        }
    }

    /// Checks `signature` over `message` (ES256 hashes it with SHA-256 itself).
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> Result<(), Error> {
        match self {
            PublicKey::Es256(key) => {
                use p256::ecdsa::signature::Verifier;
                let sig =
                    p256::ecdsa::Signature::from_der(signature).map_err(|_| Error::BadSignature)?;
                // Authenticators need not normalise S; accept both halves as the spec does.
                let sig = sig.normalize_s().unwrap_or(sig);
                key.verify(message, &sig).map_err(|_| Error::BadSignature)
            }
            PublicKey::EdDsa(key) => {
                let sig = ed25519_dalek::Signature::from_slice(signature)
                    .map_err(|_| Error::BadSignature)?;
                key.verify_strict(message, &sig)
                    .map_err(|_| Error::BadSignature)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode(v: &Value) -> Vec<u8> {
        let mut out = Vec::new();
        ciborium::into_writer(v, &mut out).unwrap();
        out
    }

    #[test]
    fn rsa_and_unknown_keys_are_unsupported() {
        let rsa = Value::Map(vec![
            (Value::from(KTY), Value::from(3)),
            (Value::from(ALG), Value::from(-257)),
        ]);
        assert!(matches!(
            PublicKey::from_cose(&encode(&rsa)),
            Err(Error::Unsupported)
        ));
        let ec_wrong_alg = Value::Map(vec![
            (Value::from(KTY), Value::from(KTY_EC2)),
            (Value::from(ALG), Value::from(-35)),
            (Value::from(CRV), Value::from(2)),
        ]);
        assert!(matches!(
            PublicKey::from_cose(&encode(&ec_wrong_alg)),
            Err(Error::Unsupported)
        ));
    }

    #[test]
    fn points_off_the_curve_are_refused() {
        let bad = Value::Map(vec![
            (Value::from(KTY), Value::from(KTY_EC2)),
            (Value::from(ALG), Value::from(-7)),
            (Value::from(CRV), Value::from(CRV_P256)),
            (Value::from(X), Value::Bytes(vec![1; 32])),
            (Value::from(Y), Value::Bytes(vec![2; 32])),
        ]);
        assert!(matches!(
            PublicKey::from_cose(&encode(&bad)),
            Err(Error::Malformed(_))
        ));
        assert!(PublicKey::from_cose(b"\xff").is_err());
    }

    #[test]
    fn ed25519_keys_verify_their_signatures_and_nothing_else() {
        use ed25519_dalek::Signer;
        let signer = ed25519_dalek::SigningKey::from_bytes(&[7u8; 32]);
        let cose = Value::Map(vec![
            (Value::from(KTY), Value::from(KTY_OKP)),
            (Value::from(ALG), Value::from(-8)),
            (Value::from(CRV), Value::from(CRV_ED25519)),
            (
                Value::from(X),
                Value::Bytes(signer.verifying_key().to_bytes().to_vec()),
            ),
        ]);
        let key = PublicKey::from_cose(&encode(&cose)).unwrap();
        assert_eq!(key.algorithm(), Algorithm::EdDsa);
        let sig = signer.sign(b"message").to_bytes();
        assert_eq!(key.verify(b"message", &sig), Ok(()));
        assert_eq!(key.verify(b"massage", &sig), Err(Error::BadSignature));
        assert_eq!(key.verify(b"message", &sig[..63]), Err(Error::BadSignature));
    }

    proptest::proptest! {
        /// Outside input never panics the parsers (SWS-9).
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..300)) {
            let _ = PublicKey::from_cose(&bytes);
            let _ = crate::authdata::AuthData::parse(&bytes);
            let _ = crate::authdata::from_attestation_object(&bytes);
            let _ = crate::peek_challenge(&bytes);
        }
    }
}
