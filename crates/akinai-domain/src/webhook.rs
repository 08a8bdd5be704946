//! Outgoing webhooks (issue 20, item 4; ADR 038), the pure part: the events a shop sends, the
//! `whsec_` secrets and the Standard Webhooks 1.0 signature (`v1,` + base64 HMAC-SHA256 of
//! `id.timestamp.body`), the retry schedule, which destinations are refused as internal (SSRF)
//! and what an endpoint URL may look like. Sending is the core's work; this module does no IO.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The events a shop sends, by their Standard Webhooks `type` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EventType {
    OrderCreated,
    OrderPaid,
    OrderShipped,
    OrderCancelled,
    OrderRefunded,
    ProductUpdated,
    InventoryLow,
    CustomerCreated,
}

impl EventType {
    pub const ALL: [EventType; 8] = [
        EventType::OrderCreated,
        EventType::OrderPaid,
        EventType::OrderShipped,
        EventType::OrderCancelled,
        EventType::OrderRefunded,
        EventType::ProductUpdated,
        EventType::InventoryLow,
        EventType::CustomerCreated,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventType::OrderCreated => "order.created",
            EventType::OrderPaid => "order.paid",
            EventType::OrderShipped => "order.shipped",
            EventType::OrderCancelled => "order.cancelled",
            EventType::OrderRefunded => "order.refunded",
            EventType::ProductUpdated => "product.updated",
            EventType::InventoryLow => "inventory.low",
            EventType::CustomerCreated => "customer.created",
        }
    }

    /// What the event means, for the admin's checkboxes.
    pub fn label_ja(self) -> &'static str {
        match self {
            EventType::OrderCreated => "注文を受け付けた",
            EventType::OrderPaid => "入金を確認した",
            EventType::OrderShipped => "発送した",
            EventType::OrderCancelled => "キャンセルした",
            EventType::OrderRefunded => "返金した",
            EventType::ProductUpdated => "商品を更新した",
            EventType::InventoryLow => "在庫が少なくなった",
            EventType::CustomerCreated => "会員が登録した",
        }
    }
}

impl EventType {
    /// The event an order's step into `status` raises (delivery raises none).
    pub fn for_order_status(status: crate::order::OrderStatus) -> Option<EventType> {
        use crate::order::OrderStatus;
        match status {
            OrderStatus::Paid => Some(EventType::OrderPaid),
            OrderStatus::Shipped => Some(EventType::OrderShipped),
            OrderStatus::Cancelled => Some(EventType::OrderCancelled),
            OrderStatus::Refunded => Some(EventType::OrderRefunded),
            OrderStatus::Placed | OrderStatus::Delivered => None,
        }
    }
}

impl fmt::Display for EventType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An event name that is not one of [`EventType::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown webhook event `{0}`")]
pub struct UnknownEvent(pub String);

impl FromStr for EventType {
    type Err = UnknownEvent;

    fn from_str(s: &str) -> Result<EventType, UnknownEvent> {
        EventType::ALL
            .into_iter()
            .find(|e| e.as_str() == s.trim())
            .ok_or_else(|| UnknownEvent(s.trim().to_string()))
    }
}

/// A non-empty set of events, parsed from names separated by commas or spaces; kept sorted and
/// without repeats, stored as names separated by spaces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventSet(Vec<EventType>);

impl EventSet {
    pub fn parse(text: &str) -> Result<EventSet, UnknownEvent> {
        let mut events = text
            .split([',', ' '])
            .filter(|s| !s.trim().is_empty())
            .map(EventType::from_str)
            .collect::<Result<Vec<_>, _>>()?;
        events.sort();
        events.dedup();
        if events.is_empty() {
            return Err(UnknownEvent(String::new()));
        }
        Ok(EventSet(events))
    }

    pub fn events(&self) -> &[EventType] {
        &self.0
    }

    pub fn contains(&self, event: EventType) -> bool {
        self.0.contains(&event)
    }

    /// Names separated by spaces, as stored (the store matches `' ' || events || ' '`).
    pub fn to_text(&self) -> String {
        self.0
            .iter()
            .map(|e| e.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// What starts every endpoint secret.
pub const SECRET_PREFIX: &str = "whsec_";

/// A secret that is not `whsec_` + base64 of 24 to 64 bytes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a webhook secret is whsec_ followed by base64 of 24 to 64 bytes")]
pub struct BadSecret;

/// An endpoint's signing key, as its `whsec_…` text.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Vec<u8>);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(…)")
    }
}

impl Secret {
    /// A secret from random key bytes (the caller draws them).
    pub fn from_key(key: [u8; 32]) -> Secret {
        Secret(key.to_vec())
    }

    pub fn parse(text: &str) -> Result<Secret, BadSecret> {
        let key = text
            .strip_prefix(SECRET_PREFIX)
            .and_then(|b| STANDARD.decode(b).ok())
            .ok_or(BadSecret)?;
        if !(24..=64).contains(&key.len()) {
            return Err(BadSecret);
        }
        Ok(Secret(key))
    }

    pub fn to_text(&self) -> String {
        format!("{SECRET_PREFIX}{}", STANDARD.encode(&self.0))
    }

    /// The `v1,` signature of one message: base64 HMAC-SHA256 of `id.timestamp.body`.
    pub fn sign(&self, msg_id: &str, timestamp: i64, body: &str) -> String {
        // HMAC accepts a key of any length, so this cannot fail.
        let mut mac = match Hmac::<Sha256>::new_from_slice(&self.0) {
            Ok(mac) => mac,
            Err(_) => return String::new(),
        };
        mac.update(msg_id.as_bytes());
        mac.update(b".");
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(body.as_bytes());
        format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
    }
}

/// The `webhook-signature` header: one `v1,` signature per live secret, separated by spaces
/// (during a rotation's overlap the receiver accepts either).
pub fn signature_header(secrets: &[&Secret], msg_id: &str, timestamp: i64, body: &str) -> String {
    secrets
        .iter()
        .map(|s| s.sign(msg_id, timestamp, body))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The `webhook-id` of an event: stable across retries and endpoints.
pub fn message_id(event_id: i64) -> String {
    format!("msg_{event_id:012}")
}

/// Waits after each failed attempt (about 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 24 h); after the
/// last one the delivery has failed for good. Eight attempts over about 41.6 hours.
pub const RETRY_AFTER_SECS: [i64; 7] = [5, 300, 1_800, 7_200, 18_000, 36_000, 86_400];

/// How long to wait after `attempts` failed attempts; `None`: give up.
pub fn retry_after(attempts: i64) -> Option<chrono::Duration> {
    let i = usize::try_from(attempts.checked_sub(1)?).ok()?;
    RETRY_AFTER_SECS
        .get(i)
        .map(|s| chrono::Duration::seconds(*s))
}

/// Stock at or below this is low: the dashboard lists it and `inventory.low` fires when a SKU
/// falls to it.
pub const LOW_STOCK: i64 = 5;

/// Whether a delivery may go to `ip`: false for loopback, private (RFC 1918, unique local),
/// shared (100.64/10), link-local (with the cloud metadata address 169.254.169.254), multicast,
/// unspecified, broadcast, documentation and other reserved ranges. IPv4-mapped IPv6 counts as
/// its IPv4 address.
pub fn is_public(ip: IpAddr) -> bool {
    match crate::net::unmap(ip) {
        IpAddr::V4(v4) => {
            let [a, b, _, _] = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_multicast()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_documentation()
                || a == 0
                || (a == 100 && (64..128).contains(&b))
                || (a == 192 && b == 0)
                || (a == 198 && (18..20).contains(&b))
                || a >= 240)
        }
        IpAddr::V6(v6) => {
            let first = v6.segments()[0];
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
                || first == 0x2001 && v6.segments()[1] == 0x0db8
                || first == 0x0064)
        }
    }
}

/// Longest endpoint URL, in characters.
pub const MAX_URL: usize = 2_000;

/// Why an endpoint URL is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum BadUrl {
    #[error("not an absolute http(s) URL")]
    NotHttp,
    #[error("user names and passwords do not belong in the URL")]
    Credentials,
    #[error("longer than 2,000 characters")]
    TooLong,
    #[error("plain http is only allowed for internal receivers in development")]
    PlainHttp,
    #[error("the address is internal (loopback, private, link-local or metadata)")]
    Internal,
}

/// Checks an endpoint URL: absolute `https` (or `http` when internal destinations are allowed),
/// no credentials, a host; a literal internal address is refused unless `allow_internal`.
/// Names are resolved and checked again at every delivery.
pub fn parse_url(text: &str, allow_internal: bool) -> Result<url::Url, BadUrl> {
    let text = text.trim();
    if text.chars().count() > MAX_URL {
        return Err(BadUrl::TooLong);
    }
    let url = url::Url::parse(text).map_err(|_| BadUrl::NotHttp)?;
    match url.scheme() {
        "https" => {}
        "http" if allow_internal => {}
        "http" => return Err(BadUrl::PlainHttp),
        _ => return Err(BadUrl::NotHttp),
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(BadUrl::Credentials);
    }
    let internal = match url.host() {
        None => return Err(BadUrl::NotHttp),
        Some(url::Host::Ipv4(ip)) => !is_public(IpAddr::V4(ip)),
        Some(url::Host::Ipv6(ip)) => !is_public(IpAddr::V6(ip)),
        Some(url::Host::Domain(name)) => {
            let name = name.trim_end_matches('.').to_ascii_lowercase();
            name == "localhost" || name.ends_with(".localhost")
        }
    };
    if internal && !allow_internal {
        return Err(BadUrl::Internal);
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_webhooks_signature_matches_the_specification_example() {
        // The example of the Standard Webhooks specification (spec/standard-webhooks.md).
        let secret = Secret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        let body = r#"{"test": 2432232314}"#;
        assert_eq!(
            secret.sign("msg_p5jXN8AQM9LWM0D4loKWxJek", 1_614_265_330, body),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
    }

    #[test]
    fn secrets_round_trip_and_bad_ones_are_refused() {
        let s = Secret::from_key([7; 32]);
        assert_eq!(Secret::parse(&s.to_text()).unwrap(), s);
        assert!(s.to_text().starts_with("whsec_"));
        for bad in ["", "whsec_", "whsec_!!!", "sk_AAAA", "whsec_AAAA"] {
            assert_eq!(Secret::parse(bad), Err(BadSecret), "{bad}");
        }
        assert!(!format!("{s:?}").contains(&s.to_text()));
    }

    #[test]
    fn a_rotation_signs_with_both_secrets() {
        let (a, b) = (Secret::from_key([1; 32]), Secret::from_key([2; 32]));
        let header = signature_header(&[&a, &b], "msg_1", 10, "{}");
        let parts: Vec<_> = header.split(' ').collect();
        assert_eq!(
            parts,
            [a.sign("msg_1", 10, "{}"), b.sign("msg_1", 10, "{}")]
        );
    }

    #[test]
    fn events_parse_sorted_without_repeats_and_unknown_ones_are_named() {
        let set = EventSet::parse("order.paid, order.created order.paid").unwrap();
        assert_eq!(set.to_text(), "order.created order.paid");
        assert_eq!(EventSet::parse(&set.to_text()).unwrap(), set);
        assert_eq!(
            EventSet::parse("order.created,order.exploded"),
            Err(UnknownEvent("order.exploded".into()))
        );
        assert!(EventSet::parse(" , ").is_err());
        for e in EventType::ALL {
            assert_eq!(e.as_str().parse::<EventType>(), Ok(e));
        }
    }

    #[test]
    fn retries_follow_the_schedule_then_stop() {
        let waits: Vec<i64> = (1..=8)
            .map(|n| retry_after(n).map_or(-1, |d| d.num_seconds()))
            .collect();
        assert_eq!(waits, [5, 300, 1_800, 7_200, 18_000, 36_000, 86_400, -1]);
        assert_eq!(retry_after(0), None);
    }

    #[test]
    fn internal_destinations_are_not_public_ssrf() {
        for internal in [
            "127.0.0.1",
            "127.8.9.10",
            "10.0.0.1",
            "172.16.5.4",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "224.0.0.1",
            "::1",
            "::",
            "fe80::1",
            "fd00:ec2::254",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
        ] {
            assert!(!is_public(internal.parse().unwrap()), "{internal}");
        }
        for public in ["8.8.8.8", "203.0.114.1", "2a00:1450:4001::1", "133.242.0.1"] {
            assert!(is_public(public.parse().unwrap()), "{public}");
        }
    }

    #[test]
    fn endpoint_urls_are_checked_ssrf() {
        assert!(parse_url("https://hooks.example.jp/akinai", false).is_ok());
        assert_eq!(
            parse_url("http://hooks.example.jp/", false),
            Err(BadUrl::PlainHttp)
        );
        for internal in [
            "https://127.0.0.1/",
            "https://10.1.2.3/x",
            "https://169.254.169.254/latest/meta-data",
            "https://[::1]:8443/",
            "https://localhost/",
            "https://api.localhost./",
        ] {
            assert_eq!(
                parse_url(internal, false),
                Err(BadUrl::Internal),
                "{internal}"
            );
            assert!(parse_url(internal, true).is_ok(), "{internal}");
        }
        assert!(parse_url("http://127.0.0.1:9000/hook", true).is_ok());
        assert_eq!(
            parse_url("https://u:p@hooks.example.jp/", false),
            Err(BadUrl::Credentials)
        );
        for bad in ["ftp://x.jp/", "/relative", "", "mailto:a@b.jp"] {
            assert_eq!(parse_url(bad, true), Err(BadUrl::NotHttp), "{bad}");
        }
        let long = format!("https://x.jp/{}", "a".repeat(MAX_URL));
        assert_eq!(parse_url(&long, true), Err(BadUrl::TooLong));
    }
}
