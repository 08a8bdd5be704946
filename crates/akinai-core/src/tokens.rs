//! Bearer tokens (cart cookies, order status links): 256 random bits from a CSPRNG (rand's
//! OS-seeded ChaCha thread generator),
//! hex-encoded for the shopper; only their SHA-256 is stored (SWS-4).

use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::{Digest, Sha256};

use akinai_domain::ids::CartId;
use akinai_store::TokenHash;

/// A freshly generated token: the secret goes to the shopper, the hash to the store.
pub struct NewToken {
    pub secret: String,
    pub hash: TokenHash,
}

pub fn generate() -> NewToken {
    let secret = new_secret();
    let hash = hash(&secret);
    NewToken { secret, hash }
}

/// A fresh secret alone (256 random bits in hex), for a token never stored, as the CSRF
/// cookie's: every new visitor's first page makes one.
pub fn new_secret() -> String {
    to_hex(&new_secret_bytes())
}

/// A fresh secret's 256 random bits, for a caller that needs them raw as well as in hex (the
/// CSRF token is masked from its bytes).
pub fn new_secret_bytes() -> [u8; 32] {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    bytes
}

/// `bytes` in lowercase hex, each byte's pair of digits looked up at once and written into a
/// buffer of the right size (`hex::encode` and `String::push` go character by character,
/// checking room for each; the CSRF token and its mask are made on every new visitor's page).
pub fn to_hex(bytes: &[u8]) -> String {
    const PAIRS: [[u8; 2]; 256] = {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let mut pairs = [[0u8; 2]; 256];
        let mut b = 0;
        while b < 256 {
            pairs[b] = [DIGITS[b >> 4], DIGITS[b & 0x0f]];
            b += 1;
        }
        pairs
    };
    let mut text = vec![0u8; bytes.len() * 2];
    for (pair, b) in text.chunks_exact_mut(2).zip(bytes) {
        pair.copy_from_slice(&PAIRS[usize::from(*b)]);
    }
    // Only ASCII digits and letters were written.
    String::from_utf8(text).unwrap_or_default()
}

/// The stored form of a token; `None` for anything that is not a well-formed token, so garbage
/// from a cookie or URL never reaches a query.
pub fn parse(secret: &str) -> Option<TokenHash> {
    (secret.len() == 64
        && secret
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()))
    .then(|| hash(secret))
}

/// The server's secret key: signs derived tokens. Kept outside the database (configuration or
/// `<data-dir>/secret.key`), never logged.
#[derive(Clone)]
pub struct SecretKey([u8; 32]);

impl SecretKey {
    pub fn new(bytes: [u8; 32]) -> SecretKey {
        SecretKey(bytes)
    }

    pub fn generate() -> SecretKey {
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        SecretKey(bytes)
    }

    /// Parses 64 hex digits.
    pub fn from_hex(s: &str) -> Option<SecretKey> {
        let bytes = hex::decode(s.trim()).ok()?;
        Some(SecretKey(bytes.try_into().ok()?))
    }

    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }
}

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretKey(***)")
    }
}

/// The status token of the order placed from cart `cart_id`: HMAC-SHA256 under the server key.
/// Neither the database (which holds only its hash) nor the cart cookie reveals it, yet a repeated
/// "place order" request and the mail worker can both derive it again.
pub fn status_token_for_cart(key: &SecretKey, cart_id: CartId) -> NewToken {
    derive(key, &format!("akinai/order-status/v1/{}", cart_id.0))
}

/// A token derived from `label` under the server key (HMAC-SHA256). Used where a job must
/// rebuild a link the database alone cannot: the database holds the label's nonce and the
/// token's hash, never the secret.
pub fn derive(key: &SecretKey, label: &str) -> NewToken {
    let mut mac = Hmac::<Sha256>::new_from_slice(&key.0)
        .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
    mac.update(label.as_bytes());
    let secret = hex::encode(mac.finalize().into_bytes());
    let hash = hash(&secret);
    NewToken { secret, hash }
}

/// Whether two secrets are equal, in time independent of where they differ (for comparing a
/// presented secret with the expected one: CSRF tokens, signed links, challenges).
pub fn same_secret(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

pub(crate) fn hash(secret: &str) -> TokenHash {
    TokenHash(hex::encode(Sha256::digest(secret.as_bytes())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_compare_exactly() {
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abc", "abd"));
        assert!(!same_secret("abc", "abcd"));
        assert!(same_secret("", ""));
    }

    #[test]
    fn hex_is_the_hex_crates_lowercase() {
        let bytes: Vec<u8> = (0..=255).collect();
        assert_eq!(to_hex(&bytes), hex::encode(&bytes));
    }

    #[test]
    fn sws_4_new_secrets_are_256_random_bits_in_lowercase_hex() {
        let (a, b) = (new_secret(), new_secret());
        assert_ne!(a, b);
        assert!(parse(&a).is_some(), "{a}");
        assert!(a
            .bytes()
            .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c)));
    }

    #[test]
    fn tokens_are_random_and_parse_back_to_their_hash() {
        let a = generate();
        let b = generate();
        assert_ne!(a.secret, b.secret);
        assert_eq!(a.secret.len(), 64);
        assert_eq!(parse(&a.secret), Some(a.hash.clone()));
        assert_ne!(a.hash.0, a.secret, "the secret is not stored");
    }

    #[test]
    fn status_tokens_depend_on_key_and_cart() {
        let k1 = SecretKey::generate();
        let k2 = SecretKey::generate();
        let a = status_token_for_cart(&k1, CartId(1));
        assert_eq!(a.secret, status_token_for_cart(&k1, CartId(1)).secret);
        assert_ne!(a.secret, status_token_for_cart(&k1, CartId(2)).secret);
        assert_ne!(a.secret, status_token_for_cart(&k2, CartId(1)).secret);
        assert_eq!(parse(&a.secret), Some(a.hash));
        assert_eq!(format!("{k1:?}"), "SecretKey(***)");
        assert_eq!(
            SecretKey::from_hex(&k1.to_hex()).unwrap().to_hex(),
            k1.to_hex()
        );
    }

    #[test]
    fn malformed_tokens_are_refused() {
        for bad in ["", "abc", &"g".repeat(64), &"A".repeat(64), "' OR 1=1 --"] {
            assert!(parse(bad).is_none(), "{bad}");
        }
    }
}
