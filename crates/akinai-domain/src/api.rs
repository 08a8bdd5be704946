//! The REST API's access rules (issue 20, item 2), decided without IO: what a token may do
//! ([`Scope`], parsed from the comma-separated list an owner types), what a token looks like
//! (`akn_` and 64 lower-case hex digits: 256 random bits, so the stored SHA-256 is enough and
//! no password hash is needed), the part shown to identify it ([`token_prefix`]), and whether
//! a stored token lets a request in now ([`admit`]: not revoked, not expired, from an allowed
//! address).

use std::collections::BTreeSet;
use std::net::IpAddr;

use chrono::{DateTime, Utc};

use crate::net::IpRange;

/// What a token may do. `…:write` does not imply `…:read`: each is granted by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scope {
    ProductsRead,
    ProductsWrite,
    OrdersRead,
    OrdersWrite,
    /// Money back through the payment provider (`POST /api/v1/orders/{id}/refunds`), on top of
    /// `orders:write`: granted on purpose, in place of the password and code a person
    /// re-enters for a refund (ADR 039).
    OrdersRefund,
    /// Customers' personal data: every read is audited.
    CustomersRead,
    WebhooksRead,
    WebhooksWrite,
}

impl Scope {
    pub const ALL: [Scope; 8] = [
        Scope::ProductsRead,
        Scope::ProductsWrite,
        Scope::OrdersRead,
        Scope::OrdersWrite,
        Scope::OrdersRefund,
        Scope::CustomersRead,
        Scope::WebhooksRead,
        Scope::WebhooksWrite,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::ProductsRead => "products:read",
            Scope::ProductsWrite => "products:write",
            Scope::OrdersRead => "orders:read",
            Scope::OrdersWrite => "orders:write",
            Scope::OrdersRefund => "orders:refund",
            Scope::CustomersRead => "customers:read",
            Scope::WebhooksRead => "webhooks:read",
            Scope::WebhooksWrite => "webhooks:write",
        }
    }

    pub fn parse(s: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

/// A token's scopes: at least one, no unknown names.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Scopes(pub BTreeSet<Scope>);

impl Scopes {
    /// Parses `products:read,orders:read` (commas or spaces between). An unknown name is an
    /// error naming it; an empty list is an error.
    pub fn parse(list: &str) -> Result<Scopes, String> {
        let mut set = BTreeSet::new();
        for name in list
            .split([',', ' '])
            .map(str::trim)
            .filter(|n| !n.is_empty())
        {
            set.insert(Scope::parse(name).ok_or_else(|| name.to_string())?);
        }
        if set.is_empty() {
            return Err(String::new());
        }
        Ok(Scopes(set))
    }

    pub fn allows(&self, scope: Scope) -> bool {
        self.0.contains(&scope)
    }

    /// The stored form: names separated by single spaces, in a fixed order.
    pub fn to_text(&self) -> String {
        self.0
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

impl Scope {
    /// The scope that gives the back-office capability named `capability`
    /// ([`crate::admin::Capability::NAME`]), if any: the API reaches the admin's use cases
    /// through the same capability proofs. Only these are ever given to a token:
    /// `view_orders` by `orders:read`; `process_orders` and `cancel_orders` by `orders:write`;
    /// `manage_catalog` by `products:write`; `view_customers` and `view_personal_data` by
    /// `customers:read` (so an order's recipient is unmasked, and audited, only with it).
    /// Administration, settings, security and exports are never reachable with a token.
    pub fn granting(capability: &str) -> Option<Scope> {
        use crate::admin::{
            CancelOrders, Capability, ManageCatalog, ProcessOrders, ViewCustomers, ViewOrders,
            ViewPersonalData,
        };
        Some(match capability {
            n if n == ViewOrders::NAME => Scope::OrdersRead,
            n if n == ProcessOrders::NAME || n == CancelOrders::NAME => Scope::OrdersWrite,
            n if n == ManageCatalog::NAME => Scope::ProductsWrite,
            n if n == ViewCustomers::NAME || n == ViewPersonalData::NAME => Scope::CustomersRead,
            _ => return None,
        })
    }
}

impl Scopes {
    /// Whether these scopes give the capability named `capability` ([`Scope::granting`]).
    pub fn grant(&self, capability: &str) -> bool {
        Scope::granting(capability).is_some_and(|s| self.allows(s))
    }
}

/// What every API token starts with (so a leaked one is recognisable by secret scanners).
pub const TOKEN_PREFIX: &str = "akn_";
/// Hex digits after the prefix.
const TOKEN_HEX: usize = 64;
/// Hex digits kept visible to identify a token (`akn_1a2b3c4d`).
const VISIBLE_HEX: usize = 8;

/// Whether `s` has the shape of an API token (anything else never reaches the store).
pub fn is_token(s: &str) -> bool {
    s.strip_prefix(TOKEN_PREFIX).is_some_and(|hex| {
        hex.len() == TOKEN_HEX
            && hex
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    })
}

/// The visible part that identifies a token in lists and logs (`akn_` and 8 hex digits).
pub fn token_prefix(token: &str) -> String {
    token
        .chars()
        .take(TOKEN_PREFIX.len() + VISIBLE_HEX)
        .collect()
}

/// A stored token's state as the admission check needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenState {
    pub revoked: bool,
    pub expires_at: Option<DateTime<Utc>>,
    /// Empty: any address.
    pub allowed: Vec<IpRange>,
}

/// Why a token does not let a request in (every case answers 401 without saying which).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    Revoked,
    Expired,
    AddressNotAllowed,
}

/// Whether a token lets a request from `ip` in at `now`.
pub fn admit(token: &TokenState, ip: IpAddr, now: DateTime<Utc>) -> Result<(), Refusal> {
    if token.revoked {
        return Err(Refusal::Revoked);
    }
    if token.expires_at.is_some_and(|at| now >= at) {
        return Err(Refusal::Expired);
    }
    if !token.allowed.is_empty() && !token.allowed.iter().any(|r| r.contains(ip)) {
        return Err(Refusal::AddressNotAllowed);
    }
    Ok(())
}

/// Parses an allow-list (`203.0.113.0/24, 2001:db8::1`); empty: any address.
pub fn parse_allow_list(list: &str) -> Result<Vec<IpRange>, String> {
    list.split([',', ' '])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.parse::<IpRange>().map_err(|_| s.to_string()))
        .collect()
}

/// Longest `Idempotency-Key`, in characters.
pub const MAX_IDEMPOTENCY_KEY: usize = 255;

/// Whether `key` may be an `Idempotency-Key`: 1–255 visible ASCII characters (a UUID, say).
pub fn is_idempotency_key(key: &str) -> bool {
    (1..=MAX_IDEMPOTENCY_KEY).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_graphic())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    #[test]
    fn a_scope_gives_only_the_capabilities_it_names() {
        use crate::admin::*;
        let read = Scopes::parse("orders:read,products:read").unwrap();
        assert!(read.grant(ViewOrders::NAME));
        assert!(!read.grant(ProcessOrders::NAME) && !read.grant(ManageCatalog::NAME));
        assert!(!read.grant(ViewPersonalData::NAME));
        let write = Scopes::parse("orders:write,products:write").unwrap();
        assert!(
            !write.grant(ViewOrders::NAME),
            "a write scope does not grant the read"
        );
        assert!(write.grant(ProcessOrders::NAME) && write.grant(CancelOrders::NAME));
        assert!(write.grant(ManageCatalog::NAME));
        let all = Scopes(Scope::ALL.into_iter().collect());
        assert!(all.grant(ViewCustomers::NAME) && all.grant(ViewPersonalData::NAME));
        for never in [
            ManageAdmins::NAME,
            ManageSecurity::NAME,
            ManageShop::NAME,
            ViewAudit::NAME,
            ExportPersonalData::NAME,
            ManageCustomers::NAME,
            ReviewOrders::NAME,
            ViewDashboard::NAME,
            ViewSales::NAME,
        ] {
            assert!(!all.grant(never), "{never}");
        }
    }

    #[test]
    fn scopes_are_parsed_by_name_and_unknown_names_are_named() {
        let s = Scopes::parse("orders:read, products:read,orders:read").unwrap();
        assert_eq!(s.to_text(), "products:read orders:read");
        assert!(s.allows(Scope::OrdersRead) && !s.allows(Scope::OrdersWrite));
        assert_eq!(
            Scopes::parse("orders:read,orders:admin"),
            Err("orders:admin".into())
        );
        assert!(Scopes::parse(" , ").is_err());
        for scope in Scope::ALL {
            assert_eq!(Scope::parse(scope.as_str()), Some(scope));
        }
    }

    #[test]
    fn tokens_have_one_shape_and_show_only_their_prefix() {
        let token = format!("akn_{}", "0123456789abcdef".repeat(4));
        assert!(is_token(&token));
        assert_eq!(token_prefix(&token), "akn_01234567");
        for bad in [
            "",
            "akn_",
            &token[..token.len() - 1],
            &token.to_uppercase(),
            &token.replace("akn_", "ak_"),
            &format!("{token}0"),
            &token.replacen('0', "g", 1),
        ] {
            assert!(!is_token(bad), "{bad}");
        }
    }

    #[test]
    fn a_token_lets_in_only_until_revoked_or_expired_and_from_allowed_addresses() {
        let now = DateTime::parse_from_rfc3339("2026-12-05T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let ip: IpAddr = "203.0.113.9".parse().unwrap();
        let open = TokenState {
            revoked: false,
            expires_at: Some(now + Duration::days(1)),
            allowed: Vec::new(),
        };
        assert_eq!(admit(&open, ip, now), Ok(()));
        let expired = TokenState {
            expires_at: Some(now),
            ..open.clone()
        };
        assert_eq!(admit(&expired, ip, now), Err(Refusal::Expired));
        let revoked = TokenState {
            revoked: true,
            ..open.clone()
        };
        assert_eq!(admit(&revoked, ip, now), Err(Refusal::Revoked));
        let fenced = TokenState {
            allowed: parse_allow_list("198.51.100.0/24, 2001:db8::1").unwrap(),
            ..open.clone()
        };
        assert_eq!(admit(&fenced, ip, now), Err(Refusal::AddressNotAllowed));
        assert_eq!(
            admit(&fenced, "198.51.100.77".parse().unwrap(), now),
            Ok(())
        );
        assert_eq!(
            admit(&fenced, "::ffff:198.51.100.1".parse().unwrap(), now),
            Ok(())
        );
        assert_eq!(parse_allow_list("10.0.0.0/33"), Err("10.0.0.0/33".into()));
        assert_eq!(parse_allow_list(""), Ok(Vec::new()));
    }

    #[test]
    fn idempotency_keys_are_short_visible_ascii() {
        assert!(is_idempotency_key("7c9e6679-7425-40de-944b-e07fc1f90ae7"));
        assert!(is_idempotency_key(&"k".repeat(255)));
        for bad in ["", " ", "キー", "a b", "a\nb"] {
            assert!(!is_idempotency_key(bad), "{bad:?}");
        }
        assert!(!is_idempotency_key(&"k".repeat(256)));
    }
}
