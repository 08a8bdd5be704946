//! Who the client is when a reverse proxy stands in front (IPA-C-9). The connection's peer is the
//! client unless that peer is one of the configured trusted proxies ([`TrustedProxies`], exact
//! addresses or CIDR ranges); only then are `Forwarded` (RFC 7239) or, failing that,
//! `X-Forwarded-For` believed, read from the right (the hop nearest to us) past every trusted
//! proxy. Anything a client writes into those headers itself sits further left and is never
//! reached. Rate limits, the CSP report log and later the admin allow-list all use
//! [`client_ip`], so a spoofed header from the internet cannot pick its own address.

use std::net::{IpAddr, Ipv4Addr};

use axum::http::HeaderMap;

/// One trusted proxy entry: an address (`10.0.0.1`) or a CIDR range (`10.0.0.0/8`, `fd00::/8`).
pub use akinai_domain::net::{unmap, BadIpRange as BadProxyNet, IpRange as ProxyNet};

/// The configured trusted proxies.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(pub Vec<ProxyNet>);

impl TrustedProxies {
    pub fn contains(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|n| n.contains(ip))
    }
}

/// One hop as a proxy header reports it: an address, or something else (`unknown`, an
/// obfuscated `_name`, garbage) that identifies no address.
fn hop(value: &str) -> Option<IpAddr> {
    let v = value.trim().trim_matches('"');
    if let Ok(ip) = v.parse() {
        return Some(ip);
    }
    if let Some(rest) = v.strip_prefix('[') {
        // `[2001:db8::1]` or `[2001:db8::1]:4711`
        return rest.split_once(']').and_then(|(a, _)| a.parse().ok());
    }
    // `192.0.2.1:8080`
    v.rsplit_once(':')
        .filter(|(_, port)| port.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|(a, _)| a.parse::<Ipv4Addr>().ok())
        .map(IpAddr::V4)
}

/// The `for=` hops of all `Forwarded` headers, left to right; `None` when there is no such
/// header.
fn forwarded_for(headers: &HeaderMap) -> Option<Vec<Option<IpAddr>>> {
    let values: Vec<&str> = headers
        .get_all("forwarded")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    if values.is_empty() {
        return None;
    }
    Some(
        values
            .iter()
            .flat_map(|v| v.split(','))
            .map(|element| {
                element
                    .split(';')
                    .filter_map(|pair| pair.split_once('='))
                    .find(|(k, _)| k.trim().eq_ignore_ascii_case("for"))
                    .and_then(|(_, v)| hop(v))
            })
            .collect(),
    )
}

fn x_forwarded_for(headers: &HeaderMap) -> Vec<Option<IpAddr>> {
    headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(hop)
        .collect()
}

/// The client's address: the connection's peer, or — when the peer is a trusted proxy — the
/// nearest hop in `Forwarded` (else `X-Forwarded-For`) that is not itself a trusted proxy. A hop
/// that names no address stops the walk at the last trusted proxy seen: a request whose origin
/// is unknown is attributed to that proxy rather than to anything a client could write.
/// [`client_ip`] of a request: its connection's peer and its headers.
pub fn request_ip(parts: &axum::http::request::Parts, trusted: &TrustedProxies) -> IpAddr {
    let peer = parts
        .extensions
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip());
    client_ip(peer, &parts.headers, trusted)
}

/// An address as text without allocating or `core::fmt` for IPv4 (every access line names
/// one); IPv6 through its `Display`. The longest IPv6 text is 45 characters.
pub struct IpText {
    bytes: [u8; 45],
    len: usize,
}

impl IpText {
    pub fn new(ip: IpAddr) -> IpText {
        let mut text = IpText {
            bytes: [0; 45],
            len: 0,
        };
        match ip {
            IpAddr::V4(v4) => {
                for (n, octet) in v4.octets().into_iter().enumerate() {
                    if n > 0 {
                        text.push(b".");
                    }
                    text.push(itoa::Buffer::new().format(octet).as_bytes());
                }
            }
            IpAddr::V6(v6) => {
                use std::io::Write;
                let mut room = &mut text.bytes[..];
                if write!(room, "{v6}").is_ok() {
                    text.len = 45 - room.len();
                }
            }
        }
        text
    }

    fn push(&mut self, part: &[u8]) {
        if let Some(room) = self.bytes.get_mut(self.len..self.len + part.len()) {
            room.copy_from_slice(part);
            self.len += part.len();
        }
    }

    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.bytes[..self.len]).unwrap_or_default()
    }
}

pub fn client_ip(peer: Option<IpAddr>, headers: &HeaderMap, trusted: &TrustedProxies) -> IpAddr {
    let mut nearest = unmap(peer.unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED)));
    if !trusted.contains(nearest) {
        return nearest;
    }
    let hops = forwarded_for(headers).unwrap_or_else(|| x_forwarded_for(headers));
    for h in hops.into_iter().rev() {
        let Some(ip) = h.map(unmap) else {
            return nearest;
        };
        if !trusted.contains(ip) {
            return ip;
        }
        nearest = ip;
    }
    nearest
}

/// The scheme the client used, as a trusted proxy reports it (`Forwarded: proto=` or
/// `X-Forwarded-Proto`), lower-cased; `None` when the peer is not trusted or says nothing.
pub fn forwarded_proto(
    peer: Option<IpAddr>,
    headers: &HeaderMap,
    trusted: &TrustedProxies,
) -> Option<String> {
    if !peer.is_some_and(|p| trusted.contains(p)) {
        return None;
    }
    let from_forwarded = headers
        .get_all("forwarded")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .last()
        .and_then(|element| {
            element
                .split(';')
                .filter_map(|pair| pair.split_once('='))
                .find(|(k, _)| k.trim().eq_ignore_ascii_case("proto"))
                .map(|(_, v)| v.trim().trim_matches('"').to_ascii_lowercase())
        });
    from_forwarded.or_else(|| {
        headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next_back())
            .map(|v| v.trim().to_ascii_lowercase())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn addresses_are_written_as_display_writes_them() {
        for text in [
            "0.0.0.0",
            "192.0.2.1",
            "255.255.255.255",
            "10.0.100.9",
            "::",
            "2001:db8::1",
            "::ffff:192.0.2.1",
            "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
            "1:2:3:4:5:6:7:8",
        ] {
            assert_eq!(IpText::new(ip(text)).as_str(), ip(text).to_string());
        }
    }

    proptest::proptest! {
        #[test]
        fn any_address_is_written_as_display_writes_it(v4: u32, v6: u128) {
            let a = IpAddr::from(std::net::Ipv4Addr::from(v4));
            let b = IpAddr::from(std::net::Ipv6Addr::from(v6));
            let (text_a, text_b) = (IpText::new(a), IpText::new(b));
            proptest::prop_assert_eq!(text_a.as_str(), a.to_string());
            proptest::prop_assert_eq!(text_b.as_str(), b.to_string());
        }
    }

    fn proxies(list: &[&str]) -> TrustedProxies {
        TrustedProxies(list.iter().map(|s| s.parse().unwrap()).collect())
    }

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn ranges_parse_and_match() {
        let net: ProxyNet = "10.0.0.0/8".parse().unwrap();
        assert!(net.contains(ip("10.200.3.4")));
        assert!(!net.contains(ip("11.0.0.1")));
        assert!(net.contains(ip("::ffff:10.1.2.3")), "IPv4-mapped peers");
        let one: ProxyNet = "192.0.2.7".parse().unwrap();
        assert!(one.contains(ip("192.0.2.7")) && !one.contains(ip("192.0.2.8")));
        let v6: ProxyNet = "fd00::/8".parse().unwrap();
        assert!(v6.contains(ip("fd12::1")) && !v6.contains(ip("fe80::1")));
        assert!(!v6.contains(ip("10.0.0.1")));
        let all: ProxyNet = "0.0.0.0/0".parse().unwrap();
        assert!(all.contains(ip("203.0.113.1")));
        for bad in [
            "",
            "10.0.0.0/33",
            "10.0.0.0/",
            "10.0.0.0/-1",
            "example.com",
            "::/129",
        ] {
            assert!(bad.parse::<ProxyNet>().is_err(), "{bad}");
        }
        assert_eq!(
            "10.0.0.0/8".parse::<ProxyNet>().unwrap().to_string(),
            "10.0.0.0/8"
        );
    }

    /// IPA-C-9: forwarded addresses count only when the peer is a trusted proxy.
    #[test]
    fn forwarded_addresses_count_only_behind_trusted_proxies() {
        let trusted = proxies(&["10.0.0.0/24"]);
        let h = headers(&[("x-forwarded-for", "203.0.113.9, 198.51.100.7")]);
        let stranger = ip("198.51.100.50");
        assert_eq!(client_ip(Some(stranger), &h, &trusted), stranger);
        assert_eq!(
            client_ip(Some(ip("10.0.0.1")), &h, &trusted),
            ip("198.51.100.7")
        );
        assert_eq!(
            client_ip(Some(ip("10.0.0.1")), &HeaderMap::new(), &trusted),
            ip("10.0.0.1")
        );
    }

    #[test]
    fn chains_of_trusted_proxies_are_walked_from_the_right() {
        let trusted = proxies(&["10.0.0.0/8"]);
        let h = headers(&[("x-forwarded-for", "1.2.3.4, 198.51.100.7, 10.0.0.9")]);
        assert_eq!(
            client_ip(Some(ip("10.0.0.1")), &h, &trusted),
            ip("198.51.100.7")
        );
        let unknown = headers(&[("x-forwarded-for", "198.51.100.7, garbage, 10.0.0.9")]);
        assert_eq!(
            client_ip(Some(ip("10.0.0.1")), &unknown, &trusted),
            ip("10.0.0.9"),
            "an unreadable hop stops at the last trusted proxy"
        );
    }

    #[test]
    fn rfc7239_forwarded_is_preferred() {
        let trusted = proxies(&["10.0.0.1"]);
        let h = headers(&[
            ("forwarded", "for=192.0.2.60;proto=http;by=203.0.113.43"),
            ("forwarded", "for=\"[2001:db8:cafe::17]:4711\";proto=https"),
            ("x-forwarded-for", "198.51.100.1"),
        ]);
        assert_eq!(
            client_ip(Some(ip("10.0.0.1")), &h, &trusted),
            ip("2001:db8:cafe::17")
        );
        assert_eq!(
            forwarded_proto(Some(ip("10.0.0.1")), &h, &trusted).as_deref(),
            Some("https")
        );
        assert_eq!(forwarded_proto(Some(ip("10.9.9.9")), &h, &trusted), None);
        let port = headers(&[("forwarded", "For=192.0.2.43:8080")]);
        assert_eq!(
            client_ip(Some(ip("10.0.0.1")), &port, &trusted),
            ip("192.0.2.43")
        );
        let hidden = headers(&[("forwarded", "for=_hidden, for=unknown")]);
        assert_eq!(
            client_ip(Some(ip("10.0.0.1")), &hidden, &trusted),
            ip("10.0.0.1")
        );
        let xfp = headers(&[("x-forwarded-proto", "HTTP")]);
        assert_eq!(
            forwarded_proto(Some(ip("10.0.0.1")), &xfp, &trusted).as_deref(),
            Some("http")
        );
    }

    proptest::proptest! {
        /// Fuzz-style: any header text is read without panicking, and a client that is not a
        /// trusted proxy is always itself.
        #[test]
        fn arbitrary_headers_never_panic(xff in "\\PC{0,80}", fwd in "\\PC{0,80}") {
            let mut h = HeaderMap::new();
            if let Ok(v) = HeaderValue::from_str(&xff) { h.insert("x-forwarded-for", v); }
            if let Ok(v) = HeaderValue::from_str(&fwd) { h.insert("forwarded", v); }
            let trusted = proxies(&["10.0.0.0/8"]);
            let _ = client_ip(Some(ip("10.0.0.1")), &h, &trusted);
            let _ = forwarded_proto(Some(ip("10.0.0.1")), &h, &trusted);
            proptest::prop_assert_eq!(client_ip(Some(ip("203.0.113.5")), &h, &trusted), ip("203.0.113.5"));
        }

        #[test]
        fn arbitrary_entries_parse_or_fail_cleanly(s in "\\PC{0,40}") {
            let _ = s.parse::<ProxyNet>();
        }
    }
}
