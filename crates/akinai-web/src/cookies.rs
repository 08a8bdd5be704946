//! The few cookies the storefront uses, read from and written to raw headers.
//!
//! `cart` holds only the cart's random token; `csrf` the double-submit token of forms; `lang` the
//! chosen language; `sid` a customer's login session. All are `HttpOnly; SameSite=Lax; Path=/`, plus `Secure` when the shop is
//! served over HTTPS (SWS-4).

use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue};

pub const CART: &str = "cart";
pub const CSRF: &str = "csrf";
pub const LANG: &str = "lang";
/// A customer's login session (only its hash is stored on the server).
pub const SESSION: &str = "sid";
/// A login waiting for its second factor (five minutes on the server).
pub const SECOND_STEP: &str = "mfa";
/// A random identifier of the browser, set at its first login (new-device notices).
pub const DEVICE: &str = "dev";

/// The value of cookie `name`, if sent.
pub fn get<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    pairs(headers).find(|(k, _)| *k == name).map(|(_, v)| v)
}

/// Every `name=value` pair of the request's `Cookie` headers, in order, trimmed.
fn pairs(headers: &HeaderMap) -> impl Iterator<Item = (&str, &str)> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .map(|(k, v)| (k, v.trim()))
}

/// The storefront's cookies as a request sent them, read in one pass over its `Cookie`
/// headers (every page reads all of them); the first of a repeated name counts, as in [`get`].
#[derive(Debug, Default, Clone, Copy)]
pub struct Sent<'a> {
    pub cart: Option<&'a str>,
    pub csrf: Option<&'a str>,
    pub lang: Option<&'a str>,
    pub session: Option<&'a str>,
    pub second_step: Option<&'a str>,
    pub device: Option<&'a str>,
}

/// The storefront's cookies in `headers`.
pub fn sent(headers: &HeaderMap) -> Sent<'_> {
    let mut sent = Sent::default();
    for (name, value) in pairs(headers) {
        let slot = match name {
            CART => &mut sent.cart,
            CSRF => &mut sent.csrf,
            LANG => &mut sent.lang,
            SESSION => &mut sent.session,
            SECOND_STEP => &mut sent.second_step,
            DEVICE => &mut sent.device,
            _ => continue,
        };
        slot.get_or_insert(value);
    }
    sent
}

/// Adds a `Set-Cookie` header. Values are tokens or fixed words chosen by the server, never
/// request data, so they need no escaping; anything else is refused by `HeaderValue`.
pub fn set(headers: &mut HeaderMap, name: &str, value: &str, max_age_days: u32, secure: bool) {
    // Written piece by piece rather than with `format!`: a new visitor's every page sets one.
    let mut cookie = String::with_capacity(name.len() + value.len() + 64);
    for part in [
        name,
        "=",
        value,
        "; Path=/; Max-Age=",
        itoa::Buffer::new().format(u64::from(max_age_days) * 86_400),
        "; HttpOnly; SameSite=Lax",
        if secure { "; Secure" } else { "" },
    ] {
        cookie.push_str(part);
    }
    if let Ok(v) = HeaderValue::try_from(cookie) {
        headers.append(SET_COOKIE, v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_cookies_among_others() {
        let mut h = HeaderMap::new();
        h.insert(COOKIE, HeaderValue::from_static("a=1; cart=abc ; lang=en"));
        assert_eq!(get(&h, "cart"), Some("abc"));
        assert_eq!(get(&h, "lang"), Some("en"));
        assert_eq!(get(&h, "csrf"), None);
    }

    proptest::proptest! {
        #[test]
        fn any_cookie_header_is_parsed_without_panicking(raw in "[ -~]{0,200}") {
            let mut h = HeaderMap::new();
            if let Ok(v) = HeaderValue::from_str(&raw) {
                h.insert(COOKIE, v);
            }
            let _ = get(&h, "cart");
        }
    }

    #[test]
    fn all_cookies_are_read_in_one_pass_as_one_by_one() {
        let mut h = HeaderMap::new();
        h.append(
            COOKIE,
            HeaderValue::from_static("a=1; cart=abc ; lang=en; csrf=t1"),
        );
        h.append(
            COOKIE,
            HeaderValue::from_static("sid=s; csrf=t2; mfa=; dev=d"),
        );
        let sent = sent(&h);
        for (name, value) in [
            (CART, sent.cart),
            (CSRF, sent.csrf),
            (LANG, sent.lang),
            (SESSION, sent.session),
            (SECOND_STEP, sent.second_step),
            (DEVICE, sent.device),
        ] {
            assert_eq!(value, get(&h, name), "{name}");
        }
        assert_eq!(sent.csrf, Some("t1"), "the first of a repeated name");
        assert_eq!(sent.second_step, Some(""));
        assert!(super::sent(&HeaderMap::new()).cart.is_none());
    }

    #[test]
    fn writes_hardened_cookies() {
        let mut h = HeaderMap::new();
        set(&mut h, CART, "abc", 30, true);
        let v = h.get(SET_COOKIE).unwrap().to_str().unwrap();
        assert_eq!(
            v,
            "cart=abc; Path=/; Max-Age=2592000; HttpOnly; SameSite=Lax; Secure"
        );
    }
}
