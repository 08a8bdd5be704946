//! The API's JSON representations, each with its schema for the OpenAPI document. Money is
//! integer yen (tax-inclusive, with the tax per rate where an order has it); times are ISO 8601
//! in Japan time with their offset (`2026-12-05T22:00:00+09:00`); codes are the stable English
//! words of the domain (`paid`, `reduced`, `bank_transfer`).

use chrono::{DateTime, FixedOffset, NaiveDate, Offset, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use akinai_core::admin::{CustomerView, OrderDetail, OrderRow};
use akinai_core::api::AdminProduct;
use akinai_domain::catalog::Category;

/// Japan time, as every time in the API is written.
pub fn jst(t: DateTime<Utc>) -> DateTime<FixedOffset> {
    let offset = FixedOffset::east_opt(9 * 3600).unwrap_or_else(|| Utc.fix());
    t.with_timezone(&offset)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Variant {
    pub id: i64,
    /// The SKU code (unique in the shop).
    pub sku: String,
    /// e.g. `M / 黒`; empty for a product without options.
    pub option_label: String,
    /// Tax-inclusive unit price in yen.
    pub price: i64,
    pub stock: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Product {
    pub id: i64,
    pub category_id: i64,
    pub name: String,
    /// The description as the storefront shows it (sanitised HTML).
    pub description_html: String,
    /// `standard` (10%) or `reduced` (8%, 軽減税率).
    pub tax_category: String,
    pub published: bool,
    /// When the shop will publish it, if scheduled.
    pub publish_at: Option<DateTime<FixedOffset>>,
    /// Its first image, relative to the shop's address.
    pub image_url: Option<String>,
    pub variants: Vec<Variant>,
}

impl From<AdminProduct> for Product {
    fn from(p: AdminProduct) -> Product {
        let AdminProduct {
            product,
            published,
            publish_at,
        } = p;
        Product {
            id: product.id.0,
            category_id: product.category_id.0,
            name: product.name,
            description_html: product.description.as_str().to_string(),
            tax_category: product.tax_category.as_str().to_string(),
            published,
            publish_at: publish_at.map(jst),
            image_url: product.image.map(|n| format!("/media/{n}")),
            variants: product
                .skus
                .into_iter()
                .map(|s| Variant {
                    id: s.id.0,
                    sku: s.code,
                    option_label: s.option_label,
                    price: s.price.0,
                    stock: s.stock,
                })
                .collect(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Category)]
pub struct CategoryJson {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub slug: String,
    pub name: String,
    pub position: i64,
}

impl From<Category> for CategoryJson {
    fn from(c: Category) -> CategoryJson {
        CategoryJson {
            id: c.id.0,
            parent_id: c.parent_id.map(|p| p.0),
            slug: c.slug,
            name: c.name,
            position: c.position,
        }
    }
}

/// Who receives an order. Without `customers:read` the name is masked and only the prefecture
/// is given.
#[derive(Debug, Serialize, ToSchema)]
pub struct Recipient {
    pub name: String,
    /// The whole address (〒, prefecture, city, lines), or only the prefecture when masked.
    pub destination: String,
    pub name_kana: Option<String>,
    pub postal_code: Option<String>,
    pub prefecture: Option<String>,
    pub city: Option<String>,
    pub line1: Option<String>,
    pub line2: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OrderSummary {
    pub id: i64,
    /// The number printed on documents (`AK00000012`).
    pub number: String,
    /// `placed`, `paid`, `shipped`, `delivered`, `cancelled` or `refunded`.
    pub status: String,
    pub payment_method: String,
    /// The card payment is held, captured when the order ships.
    pub payment_held: bool,
    /// Flagged for review (no shipping until cleared).
    pub review_pending: bool,
    pub grand_total: i64,
    pub placed_at: DateTime<FixedOffset>,
    pub recipient: Recipient,
}

fn masked_recipient(name: String, destination: String) -> Recipient {
    Recipient {
        name,
        destination,
        name_kana: None,
        postal_code: None,
        prefecture: None,
        city: None,
        line1: None,
        line2: None,
        phone: None,
        email: None,
    }
}

impl From<OrderRow> for OrderSummary {
    fn from(r: OrderRow) -> OrderSummary {
        OrderSummary {
            id: r.row.id.0,
            number: akinai_core::order_number(r.row.id),
            status: r.row.status.as_str().into(),
            payment_method: r.row.payment_method.as_str().into(),
            payment_held: r.row.payment_held,
            review_pending: r.row.review_pending,
            grand_total: r.row.grand_total.0,
            placed_at: jst(r.row.placed_at),
            recipient: masked_recipient(r.recipient, r.destination),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OrderLine {
    pub sku: String,
    pub product_id: i64,
    pub product_name: String,
    pub option_label: String,
    pub unit_price: i64,
    pub quantity: u32,
    pub tax_category: String,
    pub line_total: i64,
}

/// The total and the tax of one rate, the tax computed once per rate (JP-INV-2).
#[derive(Debug, Serialize, ToSchema)]
pub struct RateTotal {
    pub tax_category: String,
    pub rate_percent: u32,
    /// Everything at this rate after its share of the discount and points (fees in the 10%).
    pub total: i64,
    pub tax: i64,
    /// This rate's share of the coupon's discount and the points used (already out of `total`).
    pub discount: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Totals {
    pub items_total: i64,
    pub shipping_fee: i64,
    pub payment_fee: i64,
    /// The coupon's discount off the items.
    pub discount: i64,
    /// The coupon's code, when one was used.
    pub coupon_code: Option<String>,
    /// Points used (one point one yen), taken off the items like a discount.
    pub points_used: i64,
    /// Points the member earns when the order is delivered.
    pub points_earned: i64,
    /// items_total − discount − points_used + shipping_fee + payment_fee.
    pub grand_total: i64,
    pub rates: Vec<RateTotal>,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Payment)]
pub struct PaymentJson {
    pub method: String,
    /// `pending`, `authorized`, `paid`, `failed`, `refunded`, … as the provider reports it.
    pub status: String,
    pub amount: i64,
    pub refunded: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Shipping {
    /// The shipping method's name in the shop settings (宅配便).
    pub method: String,
    pub delivery_date: Option<NaiveDate>,
    pub delivery_slot: Option<String>,
    /// The parcel's slip shows no prices.
    pub gift: bool,
    pub carrier: Option<String>,
    pub tracking_number: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Order {
    #[serde(flatten)]
    pub summary: OrderSummary,
    pub customer_id: Option<i64>,
    pub lines: Vec<OrderLine>,
    pub totals: Totals,
    pub payment: Option<PaymentJson>,
    pub shipping: Shipping,
    /// The steps the order can take now (`pay`, `ship`, `deliver`, `cancel`, `refund`).
    pub next_steps: Vec<String>,
}

impl From<OrderDetail> for Order {
    fn from(d: OrderDetail) -> Order {
        let o = d.order;
        let unmasked = d.contact.is_some();
        let a = &o.details.address;
        let recipient = if unmasked {
            Recipient {
                name: d.recipient,
                destination: d.destination,
                name_kana: Some(o.details.name_kana.as_str().into()),
                postal_code: Some(a.postal_code.as_str().into()),
                prefecture: Some(a.prefecture.name_ja().into()),
                city: Some(a.city.clone()),
                line1: Some(a.line1.clone()),
                line2: a.line2.clone(),
                phone: d.contact.as_ref().map(|c| c.0.clone()),
                email: d.contact.as_ref().map(|c| c.1.clone()),
            }
        } else {
            masked_recipient(d.recipient, d.destination)
        };
        Order {
            summary: OrderSummary {
                id: o.id.0,
                number: o.number(),
                status: o.status.as_str().into(),
                payment_method: o.payment_method.as_str().into(),
                payment_held: d.hold_lapses_at.is_some(),
                review_pending: o.review_pending,
                grand_total: o.totals.grand_total.0,
                placed_at: jst(o.placed_at),
                recipient,
            },
            customer_id: o.customer_id.map(|c| c.0),
            lines: o
                .lines
                .iter()
                .map(|l| OrderLine {
                    sku: l.sku_code.clone(),
                    product_id: l.product_id.0,
                    product_name: l.product_name.clone(),
                    option_label: l.option_label.clone(),
                    unit_price: l.unit_price.0,
                    quantity: l.quantity,
                    tax_category: l.tax_category.as_str().into(),
                    line_total: l.line_total.0,
                })
                .collect(),
            totals: Totals {
                items_total: o.totals.items_total.0,
                shipping_fee: o.totals.shipping_fee.0,
                payment_fee: o.totals.payment_fee.0,
                discount: o.totals.discount.0,
                coupon_code: o.coupon_code.clone(),
                points_used: o.totals.points.0,
                points_earned: o.points_earned,
                grand_total: o.totals.grand_total.0,
                rates: o
                    .totals
                    .rates
                    .iter()
                    .map(|r| RateTotal {
                        tax_category: r.tax_category.as_str().into(),
                        rate_percent: r.rate_percent,
                        total: r.total.0,
                        tax: r.tax.0,
                        discount: r.discount.0,
                    })
                    .collect(),
            },
            payment: d.payment.map(|p| PaymentJson {
                method: p.method.as_str().into(),
                status: p.status.as_str().into(),
                amount: p.amount.0,
                refunded: p.refunded.0,
            }),
            shipping: Shipping {
                method: d.shipping_method,
                delivery_date: o.details.delivery_date,
                delivery_slot: o.details.delivery_slot.clone(),
                gift: o.details.gift,
                carrier: o.shipment.as_ref().map(|s| s.carrier.as_str().into()),
                tracking_number: o
                    .shipment
                    .as_ref()
                    .map(|s| s.tracking_number.as_str().into()),
            },
            next_steps: d
                .next_events
                .iter()
                .map(|e| e.as_str().to_string())
                .collect(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Customer {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub phone: Option<String>,
    pub email_verified: bool,
    pub marketing_consent: bool,
    pub locked: bool,
    pub created_at: DateTime<FixedOffset>,
    pub last_login_at: Option<DateTime<FixedOffset>>,
    /// Orders placed as a member.
    pub orders: i64,
}

impl From<CustomerView> for Customer {
    fn from(v: CustomerView) -> Customer {
        let c = v.customer;
        Customer {
            id: c.id.0,
            name: v.name,
            email: v.email,
            phone: v.phone,
            email_verified: c.email_verified_at.is_some(),
            marketing_consent: c.marketing_consent,
            locked: c.locked_at.is_some(),
            created_at: jst(c.created_at),
            last_login_at: c.last_login_at.map(jst),
            orders: v.orders,
        }
    }
}
