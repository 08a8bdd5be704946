//! Typed identifiers, so that a product id can never be passed where a SKU id is expected.

use serde::{Deserialize, Serialize};

macro_rules! int_id {
    ($(#[$m:meta])* $name:ident) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "{}", self.0)
            }
        }

        /// Parses the decimal form (`Display`'s), as ids come in paths and forms.
        impl std::str::FromStr for $name {
            type Err = std::num::ParseIntError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                s.parse().map($name)
            }
        }
    };
}

int_id!(
    /// A category of the catalog tree.
    CategoryId
);
int_id!(
    /// A product (what the shopper browses); it has one or more SKUs.
    ProductId
);
int_id!(
    /// A stock keeping unit: one purchasable combination of a product's options.
    SkuId
);
int_id!(
    /// An order, as stored. Never shown to shoppers as an access key.
    OrderId
);
int_id!(
    /// A server-side cart.
    CartId
);
int_id!(
    /// A background job in the outbox.
    JobId
);
int_id!(
    /// A customer account (会員).
    CustomerId
);
int_id!(
    /// A customer's login session.
    SessionId
);
int_id!(
    /// An admin account of the back office.
    AdminId
);
int_id!(
    /// An admin's login session.
    AdminSessionId
);
int_id!(
    /// A payment of an order (one per order, whichever the method).
    PaymentId
);
int_id!(
    /// A member's passkey (WebAuthn credential), as stored.
    PasskeyId
);
int_id!(
    /// An entry of a member's address book.
    AddressId
);
int_id!(
    /// An approved theme manifest.
    ThemeManifestId
);
int_id!(
    /// A reason checkout is closed until an owner acknowledges it.
    CheckoutHoldId
);
int_id!(
    /// A recorded security event.
    SecurityEventId
);

/// A stored product image, known by its random, unguessable name (`[0-9a-f]{32}` and the
/// extension): the name is its identity and its address.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ImageName(pub String);

impl ImageName {
    /// A name of the form the image pipeline makes (32 lower-case hex digits, `.jpg` or
    /// `.png`); `None` for anything else, which is then never looked up.
    pub fn parse(name: &str) -> Option<ImageName> {
        let well_formed = name.len() == 36
            && (name.ends_with(".jpg") || name.ends_with(".png"))
            && name[..32]
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        well_formed.then(|| ImageName(name.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for ImageName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
