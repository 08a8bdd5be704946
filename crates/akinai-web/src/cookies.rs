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
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim())
}

/// Adds a `Set-Cookie` header. Values are tokens or fixed words chosen by the server, never
/// request data, so they need no escaping; anything else is refused by `HeaderValue`.
pub fn set(headers: &mut HeaderMap, name: &str, value: &str, max_age_days: u32, secure: bool) {
    let secure = if secure { "; Secure" } else { "" };
    let cookie = format!(
        "{name}={value}; Path=/; Max-Age={}; HttpOnly; SameSite=Lax{secure}",
        u64::from(max_age_days) * 86_400
    );
    if let Ok(v) = HeaderValue::from_str(&cookie) {
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
