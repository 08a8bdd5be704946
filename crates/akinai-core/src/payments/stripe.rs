//! The Stripe adapter (payments issue, item 2), written from Stripe's public HTTP API reference:
//! hosted Checkout Sessions (`POST /v1/checkout/sessions`, `GET …/{id}?expand[]=payment_intent`,
//! `POST …/{id}/expire`), captures and releases of held card payments
//! (`POST /v1/payment_intents/{id}/capture`, `…/cancel`), refunds (`POST /v1/refunds`) and
//! signed webhook events.
//!
//! - Card numbers are typed only on Stripe's page; akinai sends the amount and references.
//! - Every card session asks for 3-D Secure (`payment_method_options[card]
//!   [request_three_d_secure]=any`, CCSG-F-1). There is no setting to turn it off.
//! - Konbini sessions carry the payment deadline (`expires_after_days`).
//! - A shop that captures at shipping opens card sessions with
//!   `payment_intent_data[capture_method]=manual`: the session completes `unpaid` with the
//!   PaymentIntent in `requires_capture` (reported as a hold), and the hold lapses after seven
//!   days (`payment_intent.canceled`).
//! - Every call has a timeout; a timeout, a connection failure, 409, 429 or 5xx is retried with
//!   the same `Idempotency-Key`, so a retry never creates a second session or refund.
//! - The secret key goes only into the `Authorization` header and is never logged.

use std::time::Duration;

use async_trait::async_trait;
use serde_json::Value;

use akinai_domain::ids::OrderId;
use akinai_domain::order::PaymentMethod;
use akinai_domain::payment::Report;
use akinai_domain::Yen;

use super::gateway::{
    GatewayError, PaymentGateway, ProviderEvent, Session, SessionRequest, SessionState,
    WebhookError,
};
use super::signature;

/// Where and how to reach Stripe.
#[derive(Clone)]
pub struct StripeConfig {
    /// `https://api.stripe.com` in production; the fake's loopback address in tests and the demo.
    pub api_base: url::Url,
    /// Where the shopper's checkout page lives (`https://checkout.stripe.com`).
    pub checkout_origin: String,
    pub secret_key: String,
    pub webhook_secret: String,
    pub methods: Vec<PaymentMethod>,
    /// Days a konbini payment number stays valid (1–60).
    pub konbini_expires_after_days: u32,
    pub timeout: Duration,
    /// Further tries after the first, for failures worth retrying.
    pub retries: u32,
}

impl std::fmt::Debug for StripeConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StripeConfig")
            .field("api_base", &self.api_base.as_str())
            .field("methods", &self.methods)
            .field("secret_key", &"[redacted]")
            .field("webhook_secret", &"[redacted]")
            .finish()
    }
}

/// The adapter.
#[derive(Debug, Clone)]
pub struct StripeGateway {
    config: StripeConfig,
    client: reqwest::Client,
}

impl StripeGateway {
    pub fn new(config: StripeConfig) -> Result<StripeGateway, GatewayError> {
        let client = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.timeout)
            .build()
            .map_err(|e| GatewayError::Unavailable(e.to_string()))?;
        Ok(StripeGateway { config, client })
    }

    fn url(&self, path: &str) -> String {
        format!(
            "{}{path}",
            self.config.api_base.as_str().trim_end_matches('/')
        )
    }

    /// Sends a request, retrying what is worth retrying with the same idempotency key.
    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        form: &[(String, String)],
        idempotency_key: Option<&str>,
    ) -> Result<Value, GatewayError> {
        let mut last = GatewayError::Unavailable("no attempt".into());
        for attempt in 0..=self.config.retries {
            if attempt > 0 {
                // A short, growing pause before a retry (100 ms, 200 ms, 400 ms …).
                tokio::time::sleep(Duration::from_millis(100 << attempt.min(5))).await;
            }
            let mut request = self
                .client
                .request(method.clone(), self.url(path))
                .bearer_auth(&self.config.secret_key);
            if let Some(key) = idempotency_key {
                request = request.header("Idempotency-Key", key);
            }
            if method != reqwest::Method::GET {
                // Form-encoded, as Stripe's API takes every POST (an empty body too).
                request = request.form(form);
            }
            let response = match request.send().await {
                Ok(r) => r,
                Err(e) if e.is_timeout() => {
                    last = GatewayError::Timeout;
                    continue;
                }
                Err(e) => {
                    last = GatewayError::Unavailable(e.to_string());
                    continue;
                }
            };
            let status = response.status();
            let body: Value = match response.json().await {
                Ok(v) => v,
                Err(e) if e.is_timeout() => {
                    last = GatewayError::Timeout;
                    continue;
                }
                Err(e) => return Err(GatewayError::Malformed(e.to_string())),
            };
            if status.is_success() {
                return Ok(body);
            }
            let message = body["error"]["message"]
                .as_str()
                .unwrap_or("no message")
                .to_string();
            if status.as_u16() == 409 || status.as_u16() == 429 || status.is_server_error() {
                last = GatewayError::Unavailable(format!("{status}: {message}"));
                continue;
            }
            return Err(GatewayError::Refused(format!("{status}: {message}")));
        }
        Err(last)
    }
}

fn text(v: &Value) -> Option<String> {
    v.as_str().map(str::to_string)
}

fn yen(v: &Value) -> Result<Yen, String> {
    v.as_i64()
        .map(Yen)
        .ok_or_else(|| "amount missing".to_string())
}

/// A PaymentIntent reference whether the field holds the id or the expanded object.
fn intent_ref(v: &Value) -> Option<String> {
    text(v).or_else(|| text(&v["id"]))
}

/// Konbini instructions from a PaymentIntent's `next_action`, as akinai stores them: deadline
/// (unix seconds), voucher page and each store's numbers.
fn konbini_instructions(intent: &Value) -> Option<String> {
    let details = &intent["next_action"]["konbini_display_details"];
    let expires_at = details["expires_at"].as_i64()?;
    let mut stores = serde_json::Map::new();
    if let Some(all) = details["stores"].as_object() {
        for (store, d) in all {
            if let Some(number) = d["confirmation_number"].as_str() {
                stores.insert(
                    store.clone(),
                    serde_json::json!({
                        "confirmation_number": number,
                        "payment_code": d["payment_code"].as_str(),
                    }),
                );
            }
        }
    }
    Some(
        serde_json::json!({
            "expires_at": expires_at,
            "voucher_url": details["hosted_voucher_url"].as_str(),
            "stores": stores,
        })
        .to_string(),
    )
}

/// What a Checkout Session object says, as a report.
fn session_report(session: &Value) -> Result<Option<Report>, String> {
    let amount = || yen(&session["amount_total"]);
    Ok(
        match (
            session["status"].as_str(),
            session["payment_status"].as_str(),
        ) {
            (Some("complete"), Some("paid")) => Some(Report::Completed {
                paid: true,
                amount: amount()?,
            }),
            (Some("complete"), Some("unpaid")) => {
                match session["payment_intent"]["status"].as_str() {
                    Some("succeeded") => Some(Report::Succeeded { amount: amount()? }),
                    Some("requires_capture") => Some(Report::Authorized { amount: amount()? }),
                    Some("canceled") => Some(Report::Failed),
                    _ => Some(Report::Completed {
                        paid: false,
                        amount: amount()?,
                    }),
                }
            }
            (Some("expired"), _) => Some(Report::Failed),
            (Some("open"), _) => None,
            (status, paid) => return Err(format!("unexpected session state {status:?}/{paid:?}")),
        },
    )
}

/// Reads a verified event.
fn read_event(event: &Value) -> Result<ProviderEvent, String> {
    let id = text(&event["id"]).ok_or("event id missing")?;
    let kind = text(&event["type"]).ok_or("event type missing")?;
    let object = &event["data"]["object"];
    let order = object["metadata"]["order_id"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .map(OrderId);
    let mut e = ProviderEvent {
        id,
        kind: kind.clone(),
        session_ref: None,
        payment_ref: None,
        order,
        report: None,
        instructions: None,
        card_country: None,
    };
    match kind.as_str() {
        "checkout.session.completed"
        | "checkout.session.async_payment_succeeded"
        | "checkout.session.async_payment_failed"
        | "checkout.session.expired" => {
            e.session_ref = text(&object["id"]);
            e.payment_ref = intent_ref(&object["payment_intent"]);
            e.report = match kind.as_str() {
                "checkout.session.async_payment_succeeded" => Some(Report::Succeeded {
                    amount: yen(&object["amount_total"])?,
                }),
                "checkout.session.async_payment_failed" | "checkout.session.expired" => {
                    Some(Report::Failed)
                }
                _ => {
                    let amount = yen(&object["amount_total"])?;
                    let paid = object["payment_status"].as_str() == Some("paid");
                    // A card session completes unpaid only when its payment is held for a
                    // later capture; a konbini one, when the shopper is yet to pay at the store.
                    let card = object["payment_method_types"]
                        .as_array()
                        .is_some_and(|t| t.iter().any(|m| m.as_str() == Some("card")));
                    Some(match (paid, card) {
                        (false, true) => Report::Authorized { amount },
                        _ => Report::Completed { paid, amount },
                    })
                }
            };
        }
        "payment_intent.amount_capturable_updated" => {
            e.payment_ref = text(&object["id"]);
            e.report = Some(Report::Authorized {
                amount: yen(&object["amount_capturable"])?,
            });
        }
        "payment_intent.succeeded" => {
            e.payment_ref = text(&object["id"]);
            e.report = Some(Report::Succeeded {
                amount: yen(&object["amount_received"])?,
            });
        }
        "payment_intent.canceled" => {
            e.payment_ref = text(&object["id"]);
            e.report = Some(Report::Failed);
        }
        "payment_intent.payment_failed" => {
            e.payment_ref = text(&object["id"]);
            e.report = Some(Report::Declined);
        }
        "payment_intent.requires_action" => {
            e.payment_ref = text(&object["id"]);
            e.instructions = konbini_instructions(object);
        }
        "charge.succeeded" => {
            e.payment_ref = text(&object["payment_intent"]);
            e.card_country = text(&object["payment_method_details"]["card"]["country"]);
        }
        "charge.refunded" => {
            e.payment_ref = text(&object["payment_intent"]);
            e.report = Some(Report::Refunded {
                total: yen(&object["amount_refunded"])?,
            });
        }
        _ => {}
    }
    Ok(e)
}

#[async_trait]
impl PaymentGateway for StripeGateway {
    fn name(&self) -> &'static str {
        "stripe"
    }

    fn methods(&self) -> &[PaymentMethod] {
        &self.config.methods
    }

    fn checkout_origin(&self) -> String {
        self.config.checkout_origin.clone()
    }

    async fn create_session(&self, r: &SessionRequest) -> Result<Session, GatewayError> {
        let order = r.order.0.to_string();
        let mut form: Vec<(String, String)> = [
            ("mode", "payment".to_string()),
            ("line_items[0][price_data][currency]", "jpy".to_string()),
            (
                "line_items[0][price_data][unit_amount]",
                r.amount.0.to_string(),
            ),
            (
                "line_items[0][price_data][product_data][name]",
                r.description.clone(),
            ),
            ("line_items[0][quantity]", "1".to_string()),
            ("client_reference_id", order.clone()),
            ("metadata[order_id]", order.clone()),
            ("payment_intent_data[metadata][order_id]", order),
            ("customer_email", r.email.clone()),
            ("success_url", r.success_url.clone()),
            ("cancel_url", r.cancel_url.clone()),
            ("expires_at", r.expires_at.timestamp().to_string()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        match r.method {
            PaymentMethod::Konbini => {
                form.push(("payment_method_types[0]".into(), "konbini".into()));
                form.push((
                    "payment_method_options[konbini][expires_after_days]".into(),
                    self.config.konbini_expires_after_days.to_string(),
                ));
            }
            _ => {
                form.push(("payment_method_types[0]".into(), "card".into()));
                form.push((
                    "payment_method_options[card][request_three_d_secure]".into(),
                    "any".into(),
                ));
                if r.capture_later {
                    form.push((
                        "payment_intent_data[capture_method]".into(),
                        "manual".into(),
                    ));
                }
            }
        }
        let v = self
            .call(
                reqwest::Method::POST,
                "/v1/checkout/sessions",
                &form,
                Some(&r.idempotency_key),
            )
            .await?;
        match (text(&v["id"]), text(&v["url"])) {
            (Some(session_ref), Some(url)) => Ok(Session { session_ref, url }),
            _ => Err(GatewayError::Malformed("session without id or url".into())),
        }
    }

    async fn session_state(&self, session_ref: &str) -> Result<SessionState, GatewayError> {
        let path = format!("/v1/checkout/sessions/{session_ref}?expand[]=payment_intent");
        let v = self.call(reqwest::Method::GET, &path, &[], None).await?;
        let report = session_report(&v).map_err(GatewayError::Malformed)?;
        Ok(SessionState {
            report,
            payment_ref: intent_ref(&v["payment_intent"]),
            instructions: konbini_instructions(&v["payment_intent"]),
        })
    }

    async fn expire_session(&self, session_ref: &str) -> Result<(), GatewayError> {
        let path = format!("/v1/checkout/sessions/{session_ref}/expire");
        self.call(reqwest::Method::POST, &path, &[], None)
            .await
            .map(|_| ())
    }

    fn hold_lifetime(&self) -> chrono::Duration {
        // Stripe's window for online card payments placed on hold.
        chrono::Duration::days(7)
    }

    async fn capture(
        &self,
        payment_ref: &str,
        amount: Yen,
        idempotency_key: &str,
    ) -> Result<Yen, GatewayError> {
        let path = format!("/v1/payment_intents/{payment_ref}/capture");
        let form = vec![("amount_to_capture".to_string(), amount.0.to_string())];
        let v = self
            .call(reqwest::Method::POST, &path, &form, Some(idempotency_key))
            .await?;
        if v["status"].as_str() != Some("succeeded") {
            return Err(GatewayError::Refused(format!(
                "the payment is {} after the capture",
                v["status"].as_str().unwrap_or("unknown")
            )));
        }
        yen(&v["amount_received"]).map_err(GatewayError::Malformed)
    }

    async fn release_hold(&self, payment_ref: &str) -> Result<(), GatewayError> {
        let path = format!("/v1/payment_intents/{payment_ref}/cancel");
        let key = format!("akinai-release-{payment_ref}");
        self.call(reqwest::Method::POST, &path, &[], Some(&key))
            .await
            .map(|_| ())
    }

    async fn refund(
        &self,
        payment_ref: &str,
        amount: Yen,
        idempotency_key: &str,
    ) -> Result<Yen, GatewayError> {
        let form = vec![
            ("payment_intent".to_string(), payment_ref.to_string()),
            ("amount".to_string(), amount.0.to_string()),
        ];
        let v = self
            .call(
                reqwest::Method::POST,
                "/v1/refunds",
                &form,
                Some(idempotency_key),
            )
            .await?;
        if v["status"].as_str() == Some("failed") {
            return Err(GatewayError::Refused("the refund failed".into()));
        }
        yen(&v["amount"]).map_err(GatewayError::Malformed)
    }

    fn read_webhook(
        &self,
        signature: &str,
        body: &[u8],
        now: i64,
    ) -> Result<ProviderEvent, WebhookError> {
        signature::verify(signature, body, &self.config.webhook_secret, now)?;
        let v: Value =
            serde_json::from_slice(body).map_err(|e| WebhookError::Malformed(e.to_string()))?;
        read_event(&v).map_err(WebhookError::Malformed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sessions_read_as_reports() {
        let s = |status: &str, paid: &str, intent: Value| json!({ "status": status, "payment_status": paid, "amount_total": 5500, "payment_intent": intent });
        assert_eq!(
            session_report(&s("complete", "paid", json!("pi_1"))),
            Ok(Some(Report::Completed {
                paid: true,
                amount: Yen(5500)
            }))
        );
        assert_eq!(
            session_report(&s("complete", "unpaid", json!({ "status": "succeeded" }))),
            Ok(Some(Report::Succeeded { amount: Yen(5500) }))
        );
        assert_eq!(
            session_report(&s("expired", "unpaid", Value::Null)),
            Ok(Some(Report::Failed))
        );
        assert_eq!(
            session_report(&s(
                "complete",
                "unpaid",
                json!({ "status": "requires_capture" })
            )),
            Ok(Some(Report::Authorized { amount: Yen(5500) }))
        );
        assert_eq!(session_report(&s("open", "unpaid", Value::Null)), Ok(None));
        assert!(session_report(&s("weird", "unpaid", Value::Null)).is_err());
    }

    #[test]
    fn events_name_their_session_payment_and_order() {
        let e = read_event(&json!({
            "id": "evt_1", "type": "charge.refunded",
            "data": { "object": { "payment_intent": "pi_1", "amount_refunded": 1200, "metadata": { "order_id": "42" } } }
        }))
        .unwrap();
        assert_eq!(e.order, Some(OrderId(42)));
        assert_eq!(e.payment_ref.as_deref(), Some("pi_1"));
        assert_eq!(e.report, Some(Report::Refunded { total: Yen(1200) }));
        let other = read_event(
            &json!({ "id": "evt_2", "type": "customer.created", "data": { "object": {} } }),
        )
        .unwrap();
        assert_eq!(other.report, None);
        assert!(read_event(&json!({ "type": "x" })).is_err());
    }

    #[test]
    fn a_card_session_completed_unpaid_is_a_hold_and_a_konbini_one_is_not() {
        let completed = |method: &str| {
            read_event(&json!({
                "id": "evt_3", "type": "checkout.session.completed",
                "data": { "object": { "id": "cs_1", "payment_status": "unpaid", "amount_total": 5500,
                    "payment_method_types": [method], "payment_intent": "pi_1" } }
            }))
            .unwrap()
            .report
        };
        assert_eq!(
            completed("card"),
            Some(Report::Authorized { amount: Yen(5500) })
        );
        assert_eq!(
            completed("konbini"),
            Some(Report::Completed {
                paid: false,
                amount: Yen(5500)
            })
        );
        let lapsed = read_event(&json!({
            "id": "evt_4", "type": "payment_intent.canceled",
            "data": { "object": { "id": "pi_1", "status": "canceled", "metadata": { "order_id": "7" } } }
        }))
        .unwrap();
        assert_eq!(
            (lapsed.report, lapsed.order),
            (Some(Report::Failed), Some(OrderId(7)))
        );
    }
}
