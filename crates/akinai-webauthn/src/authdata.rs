//! Authenticator data (spec §6.1) and the attestation object that carries it at registration
//! (§6.5): RP ID hash, flags, signature counter and, at registration, the new credential's id
//! and COSE public key.

use ciborium::Value;
use sha2::{Digest, Sha256};

use crate::{Error, RelyingParty};

/// An attestation object is a few hundred bytes (a little more with a certificate chain).
const MAX_ATTESTATION: usize = 16 * 1024;
/// Credential ids are at most 1023 bytes (WebAuthn Level 3, §6.1).
const MAX_CREDENTIAL_ID: usize = 1023;

/// The flags byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Flags(pub u8);

impl Flags {
    pub const UP: u8 = 0x01;
    pub const UV: u8 = 0x04;
    pub const BE: u8 = 0x08;
    pub const BS: u8 = 0x10;
    pub const AT: u8 = 0x40;
    pub const ED: u8 = 0x80;

    pub fn user_present(self) -> bool {
        self.0 & Self::UP != 0
    }
    pub fn user_verified(self) -> bool {
        self.0 & Self::UV != 0
    }
    pub fn backup_eligible(self) -> bool {
        self.0 & Self::BE != 0
    }
    pub fn backed_up(self) -> bool {
        self.0 & Self::BS != 0
    }
}

pub(crate) struct Attested {
    pub aaguid: [u8; 16],
    pub credential_id: Vec<u8>,
    pub public_key: Vec<u8>,
}

pub(crate) struct AuthData {
    pub rp_id_hash: [u8; 32],
    pub flags: Flags,
    pub sign_count: u32,
    pub attested: Option<Attested>,
}

fn take<'a>(bytes: &mut &'a [u8], n: usize, what: &'static str) -> Result<&'a [u8], Error> {
    if bytes.len() < n {
        return Err(Error::Malformed(what));
    }
    let (head, rest) = bytes.split_at(n);
    *bytes = rest;
    Ok(head)
}

impl AuthData {
    pub fn parse(data: &[u8]) -> Result<AuthData, Error> {
        let mut rest = data;
        let mut rp_id_hash = [0u8; 32];
        rp_id_hash.copy_from_slice(take(&mut rest, 32, "authenticator data")?);
        let flags = Flags(take(&mut rest, 1, "authenticator data")?[0]);
        let mut counter = [0u8; 4];
        counter.copy_from_slice(take(&mut rest, 4, "authenticator data")?);
        let attested = if flags.0 & Flags::AT != 0 {
            let mut aaguid = [0u8; 16];
            aaguid.copy_from_slice(take(&mut rest, 16, "attested credential")?);
            let len = take(&mut rest, 2, "attested credential")?;
            let len = usize::from(u16::from_be_bytes([len[0], len[1]]));
            if len == 0 || len > MAX_CREDENTIAL_ID {
                return Err(Error::Malformed("credential id"));
            }
            let credential_id = take(&mut rest, len, "credential id")?.to_vec();
            // The COSE key is one CBOR item; extensions may follow it.
            let mut cursor = std::io::Cursor::new(rest);
            let _: Value = ciborium::from_reader(&mut cursor)
                .map_err(|_| Error::Malformed("credential public key"))?;
            let used = usize::try_from(cursor.position())
                .map_err(|_| Error::Malformed("credential public key"))?;
            let public_key = take(&mut rest, used, "credential public key")?.to_vec();
            Some(Attested {
                aaguid,
                credential_id,
                public_key,
            })
        } else {
            None
        };
        if flags.0 & Flags::ED == 0 && !rest.is_empty() {
            return Err(Error::Malformed("authenticator data (trailing bytes)"));
        }
        Ok(AuthData {
            rp_id_hash,
            flags,
            sign_count: u32::from_be_bytes(counter),
            attested,
        })
    }

    /// RP ID hash, user presence and (when `verified`) user verification.
    pub fn check(&self, rp: &RelyingParty, verified: bool) -> Result<(), Error> {
        let ours: [u8; 32] = Sha256::digest(rp.id.as_bytes()).into();
        if self.rp_id_hash != ours {
            return Err(Error::WrongRp);
        }
        if !self.flags.user_present() {
            return Err(Error::UserNotPresent);
        }
        if verified && !self.flags.user_verified() {
            return Err(Error::UserNotVerified);
        }
        Ok(())
    }
}

/// The `authData` of an attestation object (`{fmt, attStmt, authData}` in CBOR).
pub(crate) fn from_attestation_object(bytes: &[u8]) -> Result<Vec<u8>, Error> {
    if bytes.len() > MAX_ATTESTATION {
        return Err(Error::Malformed("attestation object"));
    }
    let value: Value =
        ciborium::from_reader(bytes).map_err(|_| Error::Malformed("attestation object"))?;
    let Value::Map(entries) = value else {
        return Err(Error::Malformed("attestation object"));
    };
    entries
        .into_iter()
        .find_map(|(k, v)| match (k, v) {
            (Value::Text(k), Value::Bytes(b)) if k == "authData" => Some(b),
            _ => None,
        })
        .ok_or(Error::Malformed("attestation object"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rp() -> RelyingParty {
        RelyingParty {
            id: "shop.example.jp".into(),
            origin: "https://shop.example.jp".into(),
        }
    }

    fn data(rp_id: &str, flags: u8, counter: u32) -> Vec<u8> {
        let mut d = Sha256::digest(rp_id.as_bytes()).to_vec();
        d.push(flags);
        d.extend_from_slice(&counter.to_be_bytes());
        d
    }

    #[test]
    fn flags_and_counter_are_read() {
        let d = AuthData::parse(&data("shop.example.jp", Flags::UP | Flags::UV, 7)).unwrap();
        assert_eq!(d.sign_count, 7);
        assert!(d.check(&rp(), true).is_ok());
    }

    #[test]
    fn wrong_rp_absent_user_and_unverified_user_are_refused() {
        let other = AuthData::parse(&data("evil.example", Flags::UP | Flags::UV, 0)).unwrap();
        assert_eq!(other.check(&rp(), true), Err(Error::WrongRp));
        let absent = AuthData::parse(&data("shop.example.jp", Flags::UV, 0)).unwrap();
        assert_eq!(absent.check(&rp(), true), Err(Error::UserNotPresent));
        let unverified = AuthData::parse(&data("shop.example.jp", Flags::UP, 0)).unwrap();
        assert_eq!(unverified.check(&rp(), true), Err(Error::UserNotVerified));
    }

    #[test]
    fn truncated_and_padded_data_is_malformed() {
        let full = data("shop.example.jp", Flags::UP, 0);
        for n in 0..full.len() {
            assert!(AuthData::parse(&full[..n]).is_err(), "{n} bytes");
        }
        let mut long = full.clone();
        long.push(0);
        assert!(AuthData::parse(&long).is_err());
        // Attested-data flag without the data.
        let at = data("shop.example.jp", Flags::UP | Flags::AT, 0);
        assert!(AuthData::parse(&at).is_err());
    }

    #[test]
    fn attestation_objects_must_be_cbor_maps_with_auth_data() {
        for bad in [&b""[..], b"\xa0", b"\x80", b"\xff\xff"] {
            assert!(from_attestation_object(bad).is_err());
        }
    }
}
