//! The server-side cart. The shopper's cookie holds only a random token; the cart, its lines and
//! the checkout details live in the store under the token's hash. A cart that has been ordered is
//! closed: the next change starts a new cart.

use crate::Storefront;
use akinai_domain::catalog::{Quantity, SkuForSale};
use akinai_domain::ids::SkuId;
use akinai_domain::price_rules::QuantityRefusal;
use akinai_domain::pricing::{items_total, PricedLine};
use akinai_domain::Yen;
use akinai_store::Cart;

use crate::storefront::prices::{price_line, LinePrice, Pricing};
use crate::tokens;
use crate::CoreError;

/// A line of the cart as the cart page shows it.
#[derive(Debug, Clone)]
pub struct CartLineView {
    pub line: PricedLine,
    /// Units in stock now.
    pub available: i64,
    /// The unit price's source and list price, and whether the quantity breaks the SKU's
    /// quantity rules (ADR 047).
    pub price: LinePrice,
}

impl CartLineView {
    pub fn short_of_stock(&self) -> bool {
        i64::from(self.line.quantity) > self.available
    }

    /// Why the line cannot be ordered as it is, other than stock.
    pub fn quantity_refusal(&self) -> Option<QuantityRefusal> {
        self.price.refusal
    }
}

/// The cart page.
#[derive(Debug, Clone, Default)]
pub struct CartView {
    pub lines: Vec<CartLineView>,
    pub items_total: Yen,
    /// Lines of the cart whose product is no longer for sale (unpublished or deleted): not
    /// shown, not priced, not ordered.
    pub withdrawn: Vec<SkuId>,
    /// The quote whose prices the lines carry (the cart holds exactly its lines and it is valid
    /// today; ADR 049).
    pub quote: Option<QuoteApplied>,
}

/// A quote applied to the cart: ordered at its prices and shipping fee.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuoteApplied {
    pub id: akinai_domain::ids::QuoteId,
    pub number: String,
    pub shipping_fee: Yen,
}

impl CartView {
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    pub fn item_count(&self) -> u32 {
        self.lines.iter().map(|l| l.line.quantity).sum()
    }

    pub fn can_check_out(&self) -> bool {
        !self.is_empty()
            && !self
                .lines
                .iter()
                .any(|l| l.short_of_stock() || l.quantity_refusal().is_some())
    }
}

/// The shopper's open cart, and the new cookie secret when one was created.
pub struct OpenCart {
    pub cart: Cart,
    pub new_secret: Option<String>,
}

impl Storefront {
    /// The open (not yet ordered) cart of a cookie token, if any.
    pub async fn find_cart(&self, secret: Option<&str>) -> Result<Option<Cart>, CoreError> {
        let Some(hash) = secret.and_then(tokens::parse) else {
            return Ok(None);
        };
        Ok(self
            .cart_store
            .cart_by_token(&hash)
            .await?
            .filter(|c| c.order_id.is_none()))
    }

    /// The open cart, created if the shopper has none (or only an ordered one).
    pub async fn open_cart(&self, secret: Option<&str>) -> Result<OpenCart, CoreError> {
        if let Some(cart) = self.find_cart(secret).await? {
            return Ok(OpenCart {
                cart,
                new_secret: None,
            });
        }
        let token = tokens::generate();
        let id = self
            .cart_store
            .create_cart(&token.hash, self.base.clock.now())
            .await?;
        Ok(OpenCart {
            cart: Cart {
                id,
                order_id: None,
                checkout: None,
                coupon: None,
                points: 0,
                quote: None,
            },
            new_secret: Some(token.secret),
        })
    }

    /// The cart's lines priced now for `pricing`'s buyer by the price rules (ADR 047),
    /// dropping SKUs that are no longer sold.
    pub async fn view_cart(
        &self,
        cart: Option<&Cart>,
        pricing: &Pricing,
    ) -> Result<CartView, CoreError> {
        let Some(cart) = cart else {
            return Ok(CartView::default());
        };
        let lines = self.cart_store.cart_contents(cart.id).await?;
        let quote = self.quote_for(cart, &lines).await?;
        // A quoted cart is priced at the quote alone: no rules to read.
        let rules = match quote {
            Some(_) => Default::default(),
            None => {
                let for_sale: Vec<(SkuId, Yen)> = lines
                    .iter()
                    .filter_map(|l| l.2.as_ref().map(|s| (s.sku_id, s.price)))
                    .collect();
                self.rules_of(&for_sale).await?
            }
        };
        let (buyer, now) = (pricing.buyer(), self.base.clock.now());
        let mut view = Vec::with_capacity(lines.len());
        let mut withdrawn = Vec::new();
        for (sku_id, qty, for_sale) in lines {
            match for_sale {
                Some(sku) => {
                    let quoted = quote.as_ref().and_then(|q| q.unit_price(sku_id));
                    let (line, price) = match quoted {
                        Some(unit) => (
                            PricedLine::at(&sku, qty, unit)
                                .map_err(akinai_domain::checkout::QuoteError::from)?,
                            LinePrice {
                                unit,
                                list: sku.price,
                                source: akinai_domain::price_rules::PriceSource::Quote,
                                refusal: None,
                            },
                        ),
                        None => price_line(&sku, qty, rules.get(&sku_id), &buyer, now)?,
                    };
                    view.push(CartLineView {
                        line,
                        available: sku.stock,
                        price,
                    })
                }
                None => withdrawn.push(sku_id),
            }
        }
        let priced: Vec<PricedLine> = view.iter().map(|l| l.line.clone()).collect();
        let total = items_total(&priced).map_err(akinai_domain::checkout::QuoteError::from)?;
        Ok(CartView {
            lines: view,
            items_total: total,
            withdrawn,
            quote: quote.map(|q| QuoteApplied {
                id: q.id,
                number: q.number(),
                shipping_fee: q.shipping_fee.unwrap_or(Yen::ZERO),
            }),
        })
    }

    /// The quote the cart was filled from, when it is open today and the cart holds exactly its
    /// lines (all still for sale); otherwise the cart is priced as usual.
    async fn quote_for(
        &self,
        cart: &Cart,
        lines: &[(SkuId, Quantity, Option<SkuForSale>)],
    ) -> Result<Option<akinai_domain::quote::Quote>, CoreError> {
        let Some(id) = cart.quote else {
            return Ok(None);
        };
        if lines.iter().any(|l| l.2.is_none()) {
            return Ok(None);
        }
        let held: Vec<(SkuId, u32)> = lines.iter().map(|l| (l.0, l.1.get())).collect();
        Ok(self.quote_store.quote(id).await?.filter(|q| {
            q.state(self.base.today()) == akinai_domain::quote::QuoteState::Open && q.matches(&held)
        }))
    }

    /// The units in the cart that are for sale (the header's count; nothing priced).
    pub async fn item_count(&self, cart: Option<&Cart>) -> Result<u32, CoreError> {
        let Some(cart) = cart else {
            return Ok(0);
        };
        Ok(self
            .cart_store
            .cart_contents(cart.id)
            .await?
            .iter()
            .filter(|l| l.2.is_some())
            .map(|l| l.1.get())
            .sum())
    }

    /// The cart page's view: lines whose product is no longer for sale are taken out of the
    /// cart (so the page can say once what was removed and why) and listed in `withdrawn`.
    pub async fn tidy_cart(
        &self,
        cart: Option<&Cart>,
        pricing: &Pricing,
    ) -> Result<CartView, CoreError> {
        let view = self.view_cart(cart, pricing).await?;
        if let Some(cart) = cart {
            for sku in &view.withdrawn {
                self.cart_store
                    .set_cart_line(cart.id, *sku, None, self.base.clock.now())
                    .await?;
            }
        }
        Ok(view)
    }

    async fn sku_for_sale(&self, sku: SkuId) -> Result<SkuForSale, CoreError> {
        self.catalog_store
            .skus_for_sale(&[sku])
            .await?
            .into_iter()
            .next()
            .ok_or(CoreError::UnknownSku)
    }

    /// Adds `quantity` units (on top of any already in the cart), within stock.
    pub async fn add_to_cart(
        &self,
        secret: Option<&str>,
        sku: SkuId,
        quantity: &str,
    ) -> Result<OpenCart, CoreError> {
        let add = Quantity::parse(quantity)?;
        let item = self.sku_for_sale(sku).await?;
        let open = self.open_cart(secret).await?;
        let current = self
            .cart_store
            .cart_lines(open.cart.id)
            .await?
            .into_iter()
            .find(|(s, _)| *s == sku)
            .map_or(0, |(_, q)| q.get());
        let total = Quantity::new(i64::from(current) + i64::from(add.get()))?;
        if i64::from(total.get()) > item.stock {
            return Err(CoreError::InsufficientStock {
                sku,
                available: item.stock,
            });
        }
        self.check_quantity(&item, total).await?;
        self.cart_store
            .set_cart_line(open.cart.id, sku, Some(total), self.base.clock.now())
            .await?;
        Ok(open)
    }

    /// Sets a line's quantity; `"0"` removes it.
    pub async fn update_cart_line(
        &self,
        secret: Option<&str>,
        sku: SkuId,
        quantity: &str,
    ) -> Result<(), CoreError> {
        let cart = self.find_cart(secret).await?.ok_or(CoreError::NotFound)?;
        if quantity.trim() == "0" {
            self.cart_store
                .set_cart_line(cart.id, sku, None, self.base.clock.now())
                .await?;
            return Ok(());
        }
        let qty = Quantity::parse(quantity)?;
        let item = self.sku_for_sale(sku).await?;
        if i64::from(qty.get()) > item.stock {
            return Err(CoreError::InsufficientStock {
                sku,
                available: item.stock,
            });
        }
        self.check_quantity(&item, qty).await?;
        self.cart_store
            .set_cart_line(cart.id, sku, Some(qty), self.base.clock.now())
            .await?;
        Ok(())
    }

    pub async fn remove_cart_line(
        &self,
        secret: Option<&str>,
        sku: SkuId,
    ) -> Result<(), CoreError> {
        let cart = self.find_cart(secret).await?.ok_or(CoreError::NotFound)?;
        self.cart_store
            .set_cart_line(cart.id, sku, None, self.base.clock.now())
            .await?;
        Ok(())
    }
}
