//! Quotes, written once for both backends (ADR 020, ADR 049): the quote row with its contact
//! details (JSON), its lines, each sending kept as a revision, the cart filled from a quote and
//! the claim made when the quote is ordered.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::{ColumnIndex, Database, Decode, Encode, Executor, IntoArguments, Type};

use akinai_domain::catalog::Quantity;
use akinai_domain::ids::{CartId, CustomerId, OrderId, QuoteId, SkuId};
use akinai_domain::quote::{Quote, QuoteLine, QuoteStatus};
use akinai_domain::Yen;
use akinai_store::quotes::{NewQuote, QuoteRevision, QuoteSending};
use akinai_store::{PlaceOrderError, StoreResult, TokenHash};

use crate::{corrupt, map_err, Arg, Columns, Dialect, Filter, Sql};

const QUOTE_SELECT: &str = "SELECT id, status, revision, customer_id, contact, request_note, \
     shipping_fee, valid_until, message, order_id, requested_at, link_nonce FROM quotes";

/// Rows of lines per INSERT (12 values each).
const LINE_CHUNK: usize = 80;

impl<D> Sql<'_, D>
where
    D: Dialect,
    for<'q> D::Time: Encode<'q, D::Db> + Decode<'q, D::Db> + Type<D::Db>,
    for<'c> &'c mut <D::Db as Database>::Connection: Executor<'c, Database = D::Db>,
    for<'q> <D::Db as Database>::Arguments<'q>: IntoArguments<'q, D::Db>,
    for<'q> i64: Encode<'q, D::Db> + Decode<'q, D::Db> + Type<D::Db>,
    for<'q> bool: Encode<'q, D::Db> + Decode<'q, D::Db> + Type<D::Db>,
    for<'q> String: Encode<'q, D::Db> + Decode<'q, D::Db> + Type<D::Db>,
    for<'q> Option<i64>: Encode<'q, D::Db> + Decode<'q, D::Db> + Type<D::Db>,
    for<'q> Option<String>: Encode<'q, D::Db> + Decode<'q, D::Db> + Type<D::Db>,
    for<'q> Option<&'q str>: Encode<'q, D::Db> + Type<D::Db>,
    for<'q> Option<D::Time>: Encode<'q, D::Db> + Decode<'q, D::Db> + Type<D::Db>,
    for<'q> &'q str: Encode<'q, D::Db> + Type<D::Db> + ColumnIndex<<D::Db as Database>::Row>,
    usize: ColumnIndex<<D::Db as Database>::Row>,
{
    fn read_quote(r: &<D::Db as Database>::Row) -> StoreResult<Quote> {
        let status = r.text("status")?;
        let valid_until = r
            .opt_text("valid_until")?
            .map(|d| NaiveDate::parse_from_str(&d, "%Y-%m-%d").map_err(corrupt))
            .transpose()?;
        Ok(Quote {
            id: QuoteId(r.int("id")?),
            status: QuoteStatus::parse(&status)
                .ok_or_else(|| corrupt(format!("quote status {status}")))?,
            revision: crate::u32_of(r.int("revision")?)?,
            customer: r.opt_int("customer_id")?.map(CustomerId),
            contact: serde_json::from_str(&r.text("contact")?).map_err(corrupt)?,
            request_note: r.text("request_note")?,
            lines: Vec::new(),
            shipping_fee: r.opt_int("shipping_fee")?.map(Yen),
            valid_until,
            message: r.text("message")?,
            order_id: r.opt_int("order_id")?.map(OrderId),
            requested_at: D::at(r, "requested_at")?,
            link_nonce: r.text("link_nonce")?,
        })
    }

    /// Quotes read by `f` (a filtered [`QUOTE_SELECT`]) with their lines.
    async fn quotes_with_lines(&self, f: &Filter) -> StoreResult<Vec<Quote>> {
        let rows = self.fetch_all(f).await?;
        let mut quotes = rows
            .iter()
            .map(Self::read_quote)
            .collect::<StoreResult<Vec<_>>>()?;
        let mut by_id: HashMap<i64, Vec<QuoteLine>> = HashMap::new();
        for chunk in quotes.chunks(500) {
            let mut q = Filter::new(
                "SELECT quote_id, sku_id, product_id, product_name, option_label, sku_code, \
                 unit_price, quantity, tax_category, line_total, list_price FROM quote_lines \
                 WHERE quote_id IN (",
            );
            for (n, quote) in chunk.iter().enumerate() {
                q.bind(if n == 0 { "" } else { ", " }, Arg::Int(quote.id.0));
            }
            q.push(") ORDER BY quote_id, line_no");
            for r in self.fetch_all(&q).await? {
                by_id
                    .entry(r.int("quote_id")?)
                    .or_default()
                    .push(QuoteLine {
                        line: crate::priced_line(&r)?,
                        list_price: Yen(r.int("list_price")?),
                    });
            }
        }
        for quote in &mut quotes {
            quote.lines = by_id.remove(&quote.id.0).unwrap_or_default();
        }
        Ok(quotes)
    }

    async fn one_quote(&self, f: Filter) -> StoreResult<Option<Quote>> {
        Ok(self.quotes_with_lines(&f).await?.into_iter().next())
    }

    /// Replaces a quote's lines inside `conn`'s transaction.
    async fn put_quote_lines(
        conn: &mut <D::Db as Database>::Connection,
        quote: i64,
        lines: &[QuoteLine],
    ) -> StoreResult<()> {
        sqlx::query("DELETE FROM quote_lines WHERE quote_id = $1")
            .bind(quote)
            .execute(&mut *conn)
            .await
            .map_err(map_err)?;
        for (chunk_no, chunk) in lines.chunks(LINE_CHUNK).enumerate() {
            let mut q = Filter::new(
                "INSERT INTO quote_lines (quote_id, line_no, sku_id, product_id, product_name, \
                 option_label, sku_code, unit_price, quantity, tax_category, line_total, \
                 list_price) VALUES ",
            );
            for (k, l) in chunk.iter().enumerate() {
                let line_no = i64::try_from(chunk_no * LINE_CHUNK + k + 1).unwrap_or(i64::MAX);
                let p = &l.line;
                q.bind(if k == 0 { "(" } else { "), (" }, Arg::Int(quote));
                q.bind(", ", Arg::Int(line_no));
                q.bind(", ", Arg::Int(p.sku_id.0));
                q.bind(", ", Arg::Int(p.product_id.0));
                q.bind(", ", Arg::Text(p.product_name.clone()));
                q.bind(", ", Arg::Text(p.option_label.clone()));
                q.bind(", ", Arg::Text(p.sku_code.clone()));
                q.bind(", ", Arg::Int(p.unit_price.0));
                q.bind(", ", Arg::Int(i64::from(p.quantity)));
                q.bind(", ", Arg::Text(p.tax_category.as_str().to_string()));
                q.bind(", ", Arg::Int(p.line_total.0));
                q.bind(", ", Arg::Int(l.list_price.0));
            }
            q.push(")");
            Self::bound(&q).execute(&mut *conn).await.map_err(map_err)?;
        }
        Ok(())
    }

    pub async fn create_quote(&self, quote: &NewQuote) -> StoreResult<QuoteId> {
        let contact = serde_json::to_string(&quote.contact).map_err(corrupt)?;
        let mut tx = self.begin_write().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO quotes (token_hash, link_nonce, status, customer_id, contact, request_note, \
             requested_at, updated_at) VALUES ($1, $2, 'requested', $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(quote.token.0.clone())
        .bind(quote.link_nonce.clone())
        .bind(quote.customer.map(|c| c.0))
        .bind(contact)
        .bind(quote.note.clone())
        .bind(D::time(quote.at))
        .bind(D::time(quote.at))
        .fetch_one(&mut *tx)
        .await
        .map_err(map_err)?;
        Self::put_quote_lines(&mut tx, id, &quote.lines).await?;
        tx.commit().await.map_err(map_err)?;
        Ok(QuoteId(id))
    }

    pub async fn quote(&self, id: QuoteId) -> StoreResult<Option<Quote>> {
        let mut f = Filter::new(QUOTE_SELECT);
        f.bind(" WHERE id = ", Arg::Int(id.0));
        self.one_quote(f).await
    }

    pub async fn quote_by_token(&self, token: &TokenHash) -> StoreResult<Option<Quote>> {
        let mut f = Filter::new(QUOTE_SELECT);
        f.bind(" WHERE token_hash = ", Arg::Text(token.0.clone()));
        self.one_quote(f).await
    }

    pub async fn quotes(&self, limit: u32) -> StoreResult<Vec<Quote>> {
        let mut f = Filter::new(QUOTE_SELECT);
        f.bind(
            " ORDER BY CASE WHEN status = 'requested' THEN 0 ELSE 1 END, id DESC LIMIT ",
            Arg::Int(i64::from(limit)),
        );
        self.quotes_with_lines(&f).await
    }

    pub async fn customer_quotes(
        &self,
        customer: CustomerId,
        limit: u32,
    ) -> StoreResult<Vec<Quote>> {
        let mut f = Filter::new(QUOTE_SELECT);
        f.bind(" WHERE customer_id = ", Arg::Int(customer.0));
        f.bind(" ORDER BY id DESC LIMIT ", Arg::Int(i64::from(limit)));
        self.quotes_with_lines(&f).await
    }

    pub async fn send_quote(&self, id: QuoteId, s: &QuoteSending) -> StoreResult<Option<u32>> {
        let mut tx = self.begin_write().await?;
        let revision: Option<i64> = sqlx::query_scalar(
            "UPDATE quotes SET status = 'sent', revision = revision + 1, shipping_fee = $1, \
             valid_until = $2, message = $3, updated_at = $4 \
             WHERE id = $5 AND status IN ('requested', 'sent') RETURNING revision",
        )
        .bind(s.shipping_fee.0)
        .bind(s.valid_until.format("%Y-%m-%d").to_string())
        .bind(s.message.clone())
        .bind(D::time(s.at))
        .bind(id.0)
        .fetch_optional(&mut *tx)
        .await
        .map_err(map_err)?;
        let Some(revision) = revision else {
            return Ok(None);
        };
        Self::put_quote_lines(&mut tx, id.0, &s.lines).await?;
        sqlx::query(
            "INSERT INTO quote_revisions (quote_id, revision, sent_by, sent_at, content) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id.0)
        .bind(revision)
        .bind(s.by.clone())
        .bind(D::time(s.at))
        .bind(s.content.clone())
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        Ok(Some(crate::u32_of(revision)?))
    }

    pub async fn quote_revisions(&self, id: QuoteId) -> StoreResult<Vec<QuoteRevision>> {
        let rows = sqlx::query(
            "SELECT revision, sent_by, sent_at, content FROM quote_revisions \
             WHERE quote_id = $1 ORDER BY revision DESC",
        )
        .bind(id.0)
        .fetch_all(self.0.reader())
        .await
        .map_err(map_err)?;
        rows.iter()
            .map(|r| {
                Ok(QuoteRevision {
                    revision: crate::u32_of(r.int("revision")?)?,
                    sent_by: r.text("sent_by")?,
                    sent_at: D::at(r, "sent_at")?,
                    content: r.text("content")?,
                })
            })
            .collect()
    }

    pub async fn withdraw_quote(&self, id: QuoteId, at: DateTime<Utc>) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE quotes SET status = 'withdrawn', updated_at = $1 \
             WHERE id = $2 AND status IN ('requested', 'sent')",
        )
        .bind(D::time(at))
        .bind(id.0)
        .execute(self.0.writer())
        .await
        .map_err(map_err)?;
        Ok(D::rows_affected(&done) == 1)
    }

    pub async fn fill_cart_from_quote(
        &self,
        cart: CartId,
        quote: QuoteId,
        lines: &[(SkuId, Quantity)],
        at: DateTime<Utc>,
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM cart_lines WHERE cart_id = $1")
            .bind(cart.0)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        Self::put_cart_lines(&mut tx, cart, lines, at).await?;
        sqlx::query("UPDATE carts SET quote_id = $1, updated_at = $2 WHERE id = $3")
            .bind(quote.0)
            .bind(D::time(at))
            .bind(cart.0)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        tx.commit().await.map_err(map_err)
    }

    /// Claims the order's quote inside the order's transaction: sent and valid through `day`
    /// (`YYYY-MM-DD`, Japan), it becomes ordered by `order`; otherwise
    /// [`PlaceOrderError::QuoteClosed`] and the caller rolls the order back.
    pub async fn claim_quote(
        conn: &mut <D::Db as Database>::Connection,
        quote: QuoteId,
        order: OrderId,
        day: &str,
    ) -> Result<(), PlaceOrderError> {
        let claimed: Option<i64> = sqlx::query_scalar(
            "UPDATE quotes SET status = 'ordered', order_id = $1 \
             WHERE id = $2 AND status = 'sent' AND valid_until >= $3 RETURNING id",
        )
        .bind(order.0)
        .bind(quote.0)
        .bind(day.to_string())
        .fetch_optional(&mut *conn)
        .await
        .map_err(map_err)?;
        claimed.map(|_| ()).ok_or(PlaceOrderError::QuoteClosed)
    }
}

/// Implements `QuoteStore` for a backend with the shared statements.
#[macro_export]
macro_rules! quote_store {
    ($store:ty) => {
        const _: () = {
            use akinai_domain::catalog::Quantity;
            use akinai_domain::ids::{CartId, CustomerId, QuoteId, SkuId};
            use akinai_domain::quote::Quote;
            use akinai_store::quotes::{NewQuote, QuoteRevision, QuoteSending};
            use akinai_store::{StoreResult, TokenHash};
            use chrono::{DateTime, Utc};
            #[async_trait::async_trait]
            impl akinai_store::quotes::QuoteStore for $store {
                async fn create_quote(&self, quote: &NewQuote) -> StoreResult<QuoteId> {
                    $crate::Sql(self).create_quote(quote).await
                }
                async fn quote(&self, id: QuoteId) -> StoreResult<Option<Quote>> {
                    $crate::Sql(self).quote(id).await
                }
                async fn quote_by_token(&self, token: &TokenHash) -> StoreResult<Option<Quote>> {
                    $crate::Sql(self).quote_by_token(token).await
                }
                async fn quotes(&self, limit: u32) -> StoreResult<Vec<Quote>> {
                    $crate::Sql(self).quotes(limit).await
                }
                async fn customer_quotes(
                    &self,
                    customer: CustomerId,
                    limit: u32,
                ) -> StoreResult<Vec<Quote>> {
                    $crate::Sql(self).customer_quotes(customer, limit).await
                }
                async fn send_quote(
                    &self,
                    id: QuoteId,
                    sending: &QuoteSending,
                ) -> StoreResult<Option<u32>> {
                    $crate::Sql(self).send_quote(id, sending).await
                }
                async fn quote_revisions(&self, id: QuoteId) -> StoreResult<Vec<QuoteRevision>> {
                    $crate::Sql(self).quote_revisions(id).await
                }
                async fn withdraw_quote(
                    &self,
                    id: QuoteId,
                    at: DateTime<Utc>,
                ) -> StoreResult<bool> {
                    $crate::Sql(self).withdraw_quote(id, at).await
                }
                async fn fill_cart_from_quote(
                    &self,
                    cart: CartId,
                    quote: QuoteId,
                    lines: &[(SkuId, Quantity)],
                    at: DateTime<Utc>,
                ) -> StoreResult<()> {
                    $crate::Sql(self)
                        .fill_cart_from_quote(cart, quote, lines, at)
                        .await
                }
            }
        };
    };
}
