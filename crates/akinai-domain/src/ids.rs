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
