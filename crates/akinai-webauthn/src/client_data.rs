//! `clientDataJSON` (spec §5.8.1): what the browser says it did — the ceremony type, our
//! challenge, and the origin of the page that asked. The origin check is what stops a phishing
//! site from relaying a shopper's passkey.

use serde::Deserialize;

use crate::{from_b64url, Error};

pub(crate) const CREATE: &str = "webauthn.create";
pub(crate) const GET: &str = "webauthn.get";

/// Client data is a few hundred bytes; anything far larger is not from a browser.
const MAX_LEN: usize = 4096;

#[derive(Deserialize)]
struct ClientData {
    #[serde(rename = "type")]
    kind: String,
    challenge: String,
    origin: String,
    #[serde(rename = "crossOrigin", default)]
    cross_origin: bool,
}

fn parse(json: &[u8]) -> Result<ClientData, Error> {
    if json.len() > MAX_LEN {
        return Err(Error::Malformed("client data"));
    }
    serde_json::from_slice(json).map_err(|_| Error::Malformed("client data"))
}

/// The challenge bytes in client data, so the caller can prove them fresh before verifying.
pub fn peek_challenge(json: &[u8]) -> Result<Vec<u8>, Error> {
    from_b64url(&parse(json)?.challenge).ok_or(Error::Malformed("challenge"))
}

pub(crate) fn check(
    json: &[u8],
    kind: &'static str,
    challenge: &[u8],
    origin: &str,
) -> Result<(), Error> {
    let data = parse(json)?;
    if data.kind != kind {
        return Err(Error::WrongType(kind));
    }
    let sent = from_b64url(&data.challenge).ok_or(Error::Malformed("challenge"))?;
    if sent != challenge {
        return Err(Error::WrongChallenge);
    }
    if data.origin != origin {
        return Err(Error::WrongOrigin(data.origin.chars().take(100).collect()));
    }
    if data.cross_origin {
        return Err(Error::CrossOrigin);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(kind: &str, challenge: &[u8], origin: &str, extra: &str) -> Vec<u8> {
        format!(
            r#"{{"type":"{kind}","challenge":"{}","origin":"{origin}"{extra}}}"#,
            crate::b64url(challenge)
        )
        .into_bytes()
    }

    #[test]
    fn matching_client_data_passes() {
        let j = json(GET, b"abc", "https://shop.example.jp", "");
        assert_eq!(check(&j, GET, b"abc", "https://shop.example.jp"), Ok(()));
        assert_eq!(peek_challenge(&j), Ok(b"abc".to_vec()));
    }

    #[test]
    fn each_mismatch_is_refused() {
        let o = "https://shop.example.jp";
        assert_eq!(
            check(&json(CREATE, b"abc", o, ""), GET, b"abc", o),
            Err(Error::WrongType(GET))
        );
        assert_eq!(
            check(&json(GET, b"abd", o, ""), GET, b"abc", o),
            Err(Error::WrongChallenge)
        );
        assert!(matches!(
            check(
                &json(GET, b"abc", "https://shop.example.jp.evil.test", ""),
                GET,
                b"abc",
                o
            ),
            Err(Error::WrongOrigin(_))
        ));
        assert_eq!(
            check(
                &json(GET, b"abc", o, r#","crossOrigin":true"#),
                GET,
                b"abc",
                o
            ),
            Err(Error::CrossOrigin)
        );
        assert_eq!(
            check(b"not json", GET, b"abc", o),
            Err(Error::Malformed("client data"))
        );
        assert_eq!(
            check(&vec![b' '; MAX_LEN + 1], GET, b"abc", o),
            Err(Error::Malformed("client data"))
        );
    }
}
