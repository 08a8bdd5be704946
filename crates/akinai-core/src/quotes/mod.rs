//! Quotes (見積, issue #23 item 4; ADR 049). A shopper asks for a quote on the cart — a member,
//! or a guest who leaves contact details — and gets a private link; staff who manage customers
//! adjust quantities, unit prices, the shipping fee, the last valid day and a message, and send
//! it (each sending a numbered revision kept as sent, audited, mailed). The shopper reads it by
//! the link, downloads 御見積書 and orders it: the cart is filled with the quote's lines, which
//! are then priced at the quote (see `Storefront::view_cart`) and the order claims the quote
//! once in its transaction, refused after the last valid day. A member's quote opens for that
//! member only (SWS-11); a guest's by its link alone, like an order's status page.

mod mail;

use std::sync::Arc;

use serde_json::json;

use akinai_domain::admin::{ManageCustomers, ViewPersonalData};
use akinai_domain::catalog::Quantity;
use akinai_domain::ids::QuoteId;
use akinai_domain::quote::{
    Quote, QuoteEditInput, QuoteLine, QuoteRequestInput, QuoteState, QuoteStatus,
};
use akinai_store::quotes::{NewQuote, QuoteRevision, QuoteSending, QuoteStore};
use akinai_store::{JobStore, NewJob};

use crate::accounts::{Client, Member};
use crate::admin::Authorized;
use crate::audit::AuditContext;
use crate::documents::Pdf;
use crate::mail::Mailer;
use crate::storefront::cart::{CartView, OpenCart};
use crate::{tokens, Accounts, Audit, Base, Business, CoreError, Documents, Storefront};

pub use mail::JOB_QUOTE_MAIL;

/// The audit actions of quotes.
pub const QUOTE_REQUEST: &str = "quote.request";
pub const QUOTE_SEND: &str = "quote.send";
pub const QUOTE_WITHDRAW: &str = "quote.withdraw";
/// The shopper filled the cart from the quote to order it.
pub const QUOTE_ACCEPT: &str = "quote.accept";

/// Most lines of one quote (a bigger order goes through quick order and checkout).
pub const MAX_QUOTE_LINES: usize = 500;

#[derive(Clone)]
pub struct Quotes {
    pub(crate) base: Base,
    pub(crate) quote_store: Arc<dyn QuoteStore>,
    pub(crate) job_store: Arc<dyn JobStore>,
    pub(crate) storefront: Storefront,
    pub(crate) accounts: Accounts,
    pub(crate) business: Business,
    pub(crate) documents: Documents,
    pub(crate) audit: Audit,
    pub(crate) mailer: Arc<dyn Mailer>,
}

/// The request form: what it starts with and the cart it is about.
pub struct RequestForm {
    pub input: QuoteRequestInput,
    pub cart: CartView,
}

/// A quote as its shopper sees it.
pub struct QuoteView {
    pub quote: Quote,
    pub state: QuoteState,
    pub totals: akinai_domain::pricing::Totals,
}

/// A quote in the back office, with its revisions and the shopper's link.
pub struct QuoteDetail {
    pub quote: Quote,
    pub state: QuoteState,
    pub totals: akinai_domain::pricing::Totals,
    pub revisions: Vec<QuoteRevision>,
    /// `/quotes/{secret}`.
    pub link: String,
}

/// The private link's token of a quote: derived from its nonce under the server's key, so the
/// database (which keeps only the hash) cannot rebuild it, the mail job can.
fn link_token(key: &tokens::SecretKey, nonce: &str) -> tokens::NewToken {
    tokens::derive(key, &format!("akinai/quote/v1/{nonce}"))
}

impl Quotes {
    fn link_path(&self, q: &Quote) -> String {
        format!(
            "/quotes/{}",
            link_token(&self.base.config.secret_key, &q.link_nonce).secret
        )
    }

    async fn enqueue_mail(&self, id: QuoteId, revision: u32) -> Result<(), CoreError> {
        self.job_store
            .enqueue_job(&NewJob {
                kind: JOB_QUOTE_MAIL.into(),
                payload: json!({ "quote": id.0, "revision": revision }),
                run_at: self.base.clock.now(),
                dedup_key: Some(format!("quote-{}-{revision}", id.0)),
            })
            .await?;
        self.base.jobs_added();
        Ok(())
    }

    /// The cart priced for the shopper (their group's prices), refused when empty.
    async fn cart_for(
        &self,
        cart_secret: Option<&str>,
        member: Option<&Member>,
    ) -> Result<CartView, CoreError> {
        let pricing = self.storefront.pricing(member).await?;
        let cart = self.storefront.find_cart(cart_secret).await?;
        let view = self.storefront.view_cart(cart.as_ref(), &pricing).await?;
        if view.is_empty() {
            return Err(CoreError::EmptyCart);
        }
        Ok(view)
    }

    /// `GET /quote-request`: the cart and the form, filled for a member from the account and
    /// the approved business account.
    pub async fn request_form(
        &self,
        cart_secret: Option<&str>,
        session_secret: Option<&str>,
    ) -> Result<RequestForm, CoreError> {
        let member = self.accounts.member(session_secret).await?;
        let cart = self.cart_for(cart_secret, member.as_ref()).await?;
        let mut input = QuoteRequestInput::default();
        if let Some(m) = &member {
            input.name = m.customer.name.clone();
            input.email = m.customer.email.clone();
            input.phone = m.customer.phone.clone().unwrap_or_default();
            input.company = self
                .business
                .addressee_of(m.customer.id)
                .await?
                .unwrap_or_default();
        }
        Ok(RequestForm { input, cart })
    }

    /// `POST /quote-request`: records the request with the cart's lines at today's prices for
    /// the shopper and returns the secret of its private link; the shopper is mailed the link.
    pub async fn request(
        &self,
        cart_secret: Option<&str>,
        session_secret: Option<&str>,
        client: &Client,
        input: &QuoteRequestInput,
    ) -> Result<String, CoreError> {
        let member = self.accounts.member(session_secret).await?;
        let cart = self.cart_for(cart_secret, member.as_ref()).await?;
        let request = input.parse().map_err(CoreError::InvalidFields)?;
        if cart.lines.len() > MAX_QUOTE_LINES {
            return Err(CoreError::Refused(vec![(
                "lines",
                format!("お見積りは {MAX_QUOTE_LINES} 行までです。"),
            )]));
        }
        let lines: Vec<QuoteLine> = cart
            .lines
            .iter()
            .map(|l| QuoteLine {
                line: l.line.clone(),
                list_price: l.price.list,
            })
            .collect();
        let nonce = tokens::generate().secret;
        let token = link_token(&self.base.config.secret_key, &nonce);
        let customer = member
            .as_ref()
            .filter(|m| m.customer.email_verified_at.is_some())
            .map(|m| m.customer.id);
        let id = self
            .quote_store
            .create_quote(&NewQuote {
                token: token.hash,
                link_nonce: nonce,
                customer,
                contact: request.contact,
                note: request.note,
                lines,
                at: self.base.clock.now(),
            })
            .await?;
        let who = match customer {
            Some(c) => AuditContext::customer(c, client),
            None => AuditContext::guest(client),
        };
        self.audit
            .record(
                &who,
                QUOTE_REQUEST,
                &format!("quote:{}", id.0),
                json!({ "lines": cart.lines.len(), "items_total": cart.items_total.0 }),
            )
            .await?;
        self.enqueue_mail(id, 0).await?;
        Ok(token.secret)
    }

    /// The quote of a link for the shopper signed in with `session_secret`: a member's quote
    /// for that member only (`MembersOnly` when nobody is signed in, so the page asks to sign
    /// in; `NotFound` for anyone else, SWS-11).
    pub async fn view(
        &self,
        secret: &str,
        session_secret: Option<&str>,
    ) -> Result<QuoteView, CoreError> {
        let hash = tokens::parse(secret).ok_or(CoreError::NotFound)?;
        let quote = self
            .quote_store
            .quote_by_token(&hash)
            .await?
            .ok_or(CoreError::NotFound)?;
        if let Some(owner) = quote.customer {
            match self.accounts.member(session_secret).await? {
                None => return Err(CoreError::MembersOnly),
                Some(m) if m.customer.id != owner => return Err(CoreError::NotFound),
                Some(_) => {}
            }
        }
        let settings = self.base.settings().await?;
        let totals = quote
            .totals(settings.rounding)
            .map_err(akinai_domain::checkout::QuoteError::from)?;
        Ok(QuoteView {
            state: quote.state(self.base.today()),
            quote,
            totals,
        })
    }

    /// 御見積書 of a sent quote (its last revision) as PDF.
    pub async fn pdf(&self, secret: &str, session_secret: Option<&str>) -> Result<Pdf, CoreError> {
        let v = self.view(secret, session_secret).await?;
        if v.quote.revision == 0 {
            return Err(CoreError::NotFound);
        }
        self.draw(&v.quote).await
    }

    async fn draw(&self, quote: &Quote) -> Result<Pdf, CoreError> {
        let settings = self.base.settings().await?;
        let doc = quote
            .document(&settings, self.base.today())
            .map_err(akinai_domain::checkout::QuoteError::from)?;
        let file_name = akinai_domain::documents::DocumentKind::Quote.file_name(&doc.number);
        Ok(Pdf {
            file_name,
            bytes: self.documents.draw(vec![doc]).await?,
        })
    }

    /// `POST /quotes/{secret}/order`: fills the shopper's cart with the open quote's lines (the
    /// cart is then priced at the quote) and returns the cart for checkout.
    pub async fn order(
        &self,
        secret: &str,
        session_secret: Option<&str>,
        cart_secret: Option<&str>,
        client: &Client,
    ) -> Result<OpenCart, CoreError> {
        let v = self.view(secret, session_secret).await?;
        if v.state != QuoteState::Open {
            return Err(CoreError::QuoteClosed);
        }
        let lines = v
            .quote
            .lines
            .iter()
            .map(|l| Ok((l.line.sku_id, Quantity::new(i64::from(l.line.quantity))?)))
            .collect::<Result<Vec<_>, CoreError>>()?;
        let open = self.storefront.open_cart(cart_secret).await?;
        self.quote_store
            .fill_cart_from_quote(open.cart.id, v.quote.id, &lines, self.base.clock.now())
            .await?;
        let who = match v.quote.customer {
            Some(c) => AuditContext::customer(c, client),
            None => AuditContext::guest(client),
        };
        self.audit
            .record(
                &who,
                QUOTE_ACCEPT,
                &format!("quote:{}", v.quote.id.0),
                json!({ "revision": v.quote.revision }),
            )
            .await?;
        Ok(open)
    }

    /// A member's quotes with their links (my page).
    pub async fn mine(&self, m: &Member) -> Result<Vec<(Quote, QuoteState, String)>, CoreError> {
        let today = self.base.today();
        Ok(self
            .quote_store
            .customer_quotes(m.customer.id, 100)
            .await?
            .into_iter()
            .map(|q| {
                let (link, state) = (self.link_path(&q), q.state(today));
                (q, state, link)
            })
            .collect())
    }

    /// Quotes for the back office, requested first.
    pub async fn list(
        &self,
        _by: &Authorized<ViewPersonalData>,
    ) -> Result<Vec<(Quote, QuoteState)>, CoreError> {
        let today = self.base.today();
        Ok(self
            .quote_store
            .quotes(300)
            .await?
            .into_iter()
            .map(|q| {
                let state = q.state(today);
                (q, state)
            })
            .collect())
    }

    /// One quote for the back office.
    pub async fn detail(
        &self,
        _by: &Authorized<ViewPersonalData>,
        id: QuoteId,
    ) -> Result<QuoteDetail, CoreError> {
        let quote = self
            .quote_store
            .quote(id)
            .await?
            .ok_or(CoreError::NotFound)?;
        let settings = self.base.settings().await?;
        let totals = quote
            .totals(settings.rounding)
            .map_err(akinai_domain::checkout::QuoteError::from)?;
        Ok(QuoteDetail {
            state: quote.state(self.base.today()),
            link: self.link_path(&quote),
            revisions: self.quote_store.quote_revisions(id).await?,
            totals,
            quote,
        })
    }

    /// 御見積書 for staff (any state, as it stands).
    pub async fn pdf_for_staff(
        &self,
        _by: &Authorized<ViewPersonalData>,
        id: QuoteId,
    ) -> Result<Pdf, CoreError> {
        let quote = self
            .quote_store
            .quote(id)
            .await?
            .ok_or(CoreError::NotFound)?;
        self.draw(&quote).await
    }

    /// Sends the quote with staff's quantities, prices, fee, validity and message as its next
    /// revision; audited and mailed. Every wrong field is refused at once and nothing is saved.
    pub async fn send(
        &self,
        by: &Authorized<ManageCustomers>,
        client: &Client,
        id: QuoteId,
        input: &QuoteEditInput,
    ) -> Result<u32, CoreError> {
        let quote = self
            .quote_store
            .quote(id)
            .await?
            .ok_or(CoreError::NotFound)?;
        if !matches!(quote.status, QuoteStatus::Requested | QuoteStatus::Sent) {
            return Err(CoreError::QuoteClosed);
        }
        let skus: Vec<_> = quote.lines.iter().map(|l| l.line.sku_id).collect();
        let edit = input
            .parse(&skus, self.base.today())
            .map_err(CoreError::InvalidFields)?;
        let mut lines = Vec::with_capacity(edit.lines.len());
        for (sku, quantity, price) in &edit.lines {
            let Some(was) = quote.lines.iter().find(|l| l.line.sku_id == *sku) else {
                continue;
            };
            let mut line = was.clone();
            line.line.quantity = *quantity;
            line.line.unit_price = *price;
            line.line.line_total = price
                .checked_mul(*quantity)
                .map_err(akinai_domain::checkout::QuoteError::from)?;
            lines.push(line);
        }
        let sent = Quote {
            lines,
            shipping_fee: Some(edit.shipping_fee),
            valid_until: Some(edit.valid_until),
            message: edit.message.clone(),
            ..quote
        };
        let settings = self.base.settings().await?;
        let totals = sent
            .totals(settings.rounding)
            .map_err(akinai_domain::checkout::QuoteError::from)?;
        let content = json!({
            "lines": sent.lines, "shipping_fee": edit.shipping_fee,
            "valid_until": edit.valid_until, "message": edit.message, "totals": totals,
        })
        .to_string();
        let revision = self
            .quote_store
            .send_quote(
                id,
                &QuoteSending {
                    lines: sent.lines.clone(),
                    shipping_fee: edit.shipping_fee,
                    valid_until: edit.valid_until,
                    message: edit.message.clone(),
                    content,
                    by: by.principal().actor(),
                    at: self.base.clock.now(),
                },
            )
            .await?
            .ok_or(CoreError::QuoteClosed)?;
        let priced: Vec<_> = sent
            .lines
            .iter()
            .map(|l| json!([l.line.sku_code, l.line.quantity, l.line.unit_price.0]))
            .collect();
        self.audit
            .record(
                &by.principal().audit_context(client),
                QUOTE_SEND,
                &format!("quote:{}", id.0),
                json!({ "revision": revision, "grand_total": totals.grand_total.0,
                    "valid_until": edit.valid_until, "lines": priced }),
            )
            .await?;
        self.enqueue_mail(id, revision).await?;
        Ok(revision)
    }

    /// Withdraws a quote not yet ordered; audited.
    pub async fn withdraw(
        &self,
        by: &Authorized<ManageCustomers>,
        client: &Client,
        id: QuoteId,
    ) -> Result<(), CoreError> {
        if !self
            .quote_store
            .withdraw_quote(id, self.base.clock.now())
            .await?
        {
            return Err(CoreError::QuoteClosed);
        }
        self.audit
            .record(
                &by.principal().audit_context(client),
                QUOTE_WITHDRAW,
                &format!("quote:{}", id.0),
                json!({}),
            )
            .await?;
        Ok(())
    }
}
