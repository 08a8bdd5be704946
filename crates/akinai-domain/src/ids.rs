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
int_id!(
    /// An incident in the register (operations issue, item 4).
    IncidentId
);
int_id!(
    /// An issued, kept document such as an invoice (documents issue, JP-INV-4).
    DocumentId
);
int_id!(
    /// An import started in the admin (CSV issue, item 5).
    TransferRunId
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

    /// The name of this image scaled to `width` pixels (`<hex>-w640.jpg`).
    pub fn sized(&self, width: u32) -> String {
        let (stem, ext) = self.0.split_at(32);
        format!("{stem}-w{width}{ext}")
    }

    /// A scaled image's name: the image and one of [`IMAGE_WIDTHS`]; `None` for anything else.
    pub fn parse_sized(name: &str) -> Option<(ImageName, u32)> {
        let (stem, rest) = name.split_at_checked(32)?;
        let rest = rest.strip_prefix("-w")?;
        let dot = rest.find('.')?;
        let width: u32 = rest[..dot].parse().ok()?;
        let image = ImageName::parse(&format!("{stem}{}", &rest[dot..]))?;
        IMAGE_WIDTHS.contains(&width).then_some((image, width))
    }
}

/// The widths product images are also served at (for `srcset`: phones load what they show).
pub const IMAGE_WIDTHS: [u32; 3] = [320, 640, 1280];

impl std::fmt::Display for ImageName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod image_name_tests {
    use super::*;

    #[test]
    fn scaled_names_round_trip_only_for_the_served_widths() {
        let name = ImageName::parse(&format!("{}.jpg", "a1".repeat(16))).unwrap();
        let sized = name.sized(640);
        assert_eq!(sized, format!("{}-w640.jpg", "a1".repeat(16)));
        assert_eq!(ImageName::parse_sized(&sized), Some((name.clone(), 640)));
        for bad in [
            format!("{}-w641.jpg", "a1".repeat(16)),
            format!("{}-w640.gif", "a1".repeat(16)),
            format!("{}-w640.jpg", "A1".repeat(16)),
            format!("{}-w.jpg", "a1".repeat(16)),
            "short-w640.jpg".to_string(),
            format!("{}.jpg", "a1".repeat(16)),
        ] {
            assert_eq!(ImageName::parse_sized(&bad), None, "{bad}");
        }
    }
}
int_id!(
    /// An API token (issue 20): a row of `api_tokens`, never its secret.
    ApiTokenId
);
int_id!(
    /// A webhook endpoint (issue 20): where events are sent.
    WebhookEndpointId
);
int_id!(
    /// One delivery of one event to one endpoint, with its attempts.
    WebhookDeliveryId
);
int_id!(
    /// A coupon code and its rule.
    CouponId
);
int_id!(
    /// A business customer's company (法人アカウント).
    CompanyId
);
int_id!(
    /// A quote (見積, issue #23 item 4).
    QuoteId
);
int_id!(
    /// A monthly statement (請求書) of a company paying by invoice (issue #23 item 5).
    StatementId
);
