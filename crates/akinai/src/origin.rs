//! Whether the shop's `base_url` — the address in every mail link and in the payment provider's
//! return — leads to the listener it serves on. In development they must agree, or a shopper
//! returning from the payment page lands on another origin with another cookie jar (a signed-in
//! member appears signed out). A public host name is the reverse proxy's business and not checked.

use std::net::{IpAddr, SocketAddr};

/// Why `base` does not reach `bound`, or `None` when it does (or cannot be judged from here).
pub fn base_url_mismatch(base: &url::Url, bound: SocketAddr) -> Option<String> {
    let reaches_host = match base.host()? {
        url::Host::Domain(name) if name.eq_ignore_ascii_case("localhost") => {
            bound.ip().is_loopback() || bound.ip().is_unspecified()
        }
        url::Host::Domain(_) => return None,
        url::Host::Ipv4(ip) => same_ip(IpAddr::V4(ip), bound.ip()),
        url::Host::Ipv6(ip) => same_ip(IpAddr::V6(ip), bound.ip()),
    };
    let reaches_port = base.port_or_known_default() == Some(bound.port());
    (!(reaches_host && reaches_port)).then(|| {
        format!(
            "base_url {base} does not lead to this listener ({bound}): links in mails and the \
             return from the payment page go elsewhere; set base_url to http://localhost:{}",
            bound.port()
        )
    })
}

fn same_ip(named: IpAddr, bound: IpAddr) -> bool {
    bound.is_unspecified() || named == bound
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(base: &str, bound: &str) -> Option<String> {
        base_url_mismatch(&url::Url::parse(base).unwrap(), bound.parse().unwrap())
    }

    #[test]
    fn localhost_reaches_a_loopback_listener_on_the_same_port() {
        assert_eq!(check("http://localhost:8080", "127.0.0.1:8080"), None);
        assert_eq!(check("http://localhost:8080/", "0.0.0.0:8080"), None);
        assert_eq!(check("http://127.0.0.1:8080", "127.0.0.1:8080"), None);
    }

    #[test]
    fn another_port_or_address_is_reported() {
        let why = check("http://localhost:8080", "127.0.0.1:9090").unwrap();
        assert!(why.contains("http://localhost:9090"), "{why}");
        assert!(check("http://127.0.0.2:8080", "127.0.0.1:8080").is_some());
        assert!(check("http://localhost", "127.0.0.1:8080").is_some());
    }

    #[test]
    fn a_public_name_is_the_proxys_business() {
        assert_eq!(check("https://shop.example.jp", "127.0.0.1:8080"), None);
    }
}
