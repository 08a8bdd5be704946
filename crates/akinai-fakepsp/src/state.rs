//! The fake's memory: sessions, payment intents and the events they produce, with the rules of
//! Stripe's published test cards. Only a card's last four digits are kept.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::webhooks::WebhookMode;
use super::{
    CARD_3DS_REQUIRED, CARD_3DS_THEN_DECLINE, CARD_DECLINED, CARD_INSUFFICIENT_FUNDS, CARD_SUCCESS,
};

/// One API request as received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub idempotency_key: Option<String>,
    pub form: Vec<(String, String)>,
}

impl Recorded {
    /// The value of form field `name`.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.form
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// What the hosted page shows after a card was entered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CardOutcome {
    /// Paid; the shopper goes back to the shop.
    Succeeded,
    /// The bank asks for 3-D Secure authentication first.
    ChallengeRequired,
    /// Declined; the shopper may try another card.
    Declined,
    /// Not one of Stripe's test cards: refused, nothing kept.
    NotATestCard,
    /// No such session, or it is not open.
    Closed,
}

pub(crate) struct Session {
    pub method: String,
    pub status: &'static str,
    pub payment_status: &'static str,
    pub amount: i64,
    pub order: String,
    pub success_url: String,
    pub cancel_url: String,
    pub three_d_secure: String,
    pub konbini_days: i64,
    pub expires_at: i64,
    pub intent: Option<String>,
    pub challenge_outcome: Option<bool>,
    /// `payment_intent_data[capture_method]=manual`: a paid card is only held.
    pub capture_manual: bool,
}

pub(crate) struct Intent {
    pub status: &'static str,
    pub amount: i64,
    /// What was taken: the amount, or what a capture asked for.
    pub received: i64,
    pub refunded: i64,
    pub order: String,
    pub last4: Option<String>,
    pub konbini: Option<(i64, String)>,
}

pub(crate) struct State {
    pub api_key: String,
    pub webhook_secret: String,
    pub webhook_url: Option<String>,
    pub base_url: String,
    pub now: Option<i64>,
    pub sessions: BTreeMap<String, Session>,
    pub intents: BTreeMap<String, Intent>,
    pub idempotent: BTreeMap<String, (u16, Value)>,
    pub requests: Vec<Recorded>,
    pub fail_next: Vec<u16>,
    pub stall_next: u32,
    pub webhook_mode: WebhookMode,
    pub amount_override: Option<i64>,
    /// The issuing country reported for cards (`charge.succeeded`).
    pub card_country: String,
    pub delivered: Vec<Value>,
    pub delivery_statuses: Vec<u16>,
    counter: u64,
}

impl State {
    pub fn new(
        api_key: &str,
        webhook_secret: &str,
        webhook_url: Option<String>,
        base_url: String,
    ) -> State {
        State {
            api_key: api_key.to_string(),
            webhook_secret: webhook_secret.to_string(),
            webhook_url,
            base_url,
            now: None,
            sessions: BTreeMap::new(),
            intents: BTreeMap::new(),
            idempotent: BTreeMap::new(),
            requests: Vec::new(),
            fail_next: Vec::new(),
            stall_next: 0,
            webhook_mode: WebhookMode::Normal,
            amount_override: None,
            card_country: "JP".into(),
            delivered: Vec::new(),
            delivery_statuses: Vec::new(),
            counter: 0,
        }
    }

    pub fn next_id(&mut self, prefix: &str) -> String {
        self.counter += 1;
        format!("{prefix}_test_{:06}", self.counter)
    }

    pub fn unix_now(&self) -> i64 {
        self.now.unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
                .unwrap_or(0)
        })
    }

    fn reported(&self, amount: i64) -> i64 {
        self.amount_override.unwrap_or(amount)
    }

    /// A PaymentIntent object as the API shows it.
    pub fn intent_json(&self, id: &str) -> Value {
        let Some(i) = self.intents.get(id) else {
            return Value::Null;
        };
        let next_action = match (&i.konbini, i.status) {
            (Some((expires_at, number)), "requires_action") => json!({
                "type": "konbini_display_details",
                "konbini_display_details": {
                    "expires_at": expires_at,
                    "hosted_voucher_url": format!("{}/voucher/{id}", self.base_url),
                    "stores": {
                        "familymart": { "confirmation_number": number, "payment_code": "123456" },
                        "lawson": { "confirmation_number": number, "payment_code": null },
                    }
                }
            }),
            _ => Value::Null,
        };
        json!({
            "id": id,
            "object": "payment_intent",
            "amount": i.amount,
            "amount_received": if i.status == "succeeded" { i.received } else { 0 },
            "amount_capturable": if i.status == "requires_capture" { i.amount } else { 0 },
            "currency": "jpy",
            "status": i.status,
            "metadata": { "order_id": i.order },
            "next_action": next_action,
            "last_payment_error": Value::Null,
        })
    }

    /// A Checkout Session object; the intent expanded when asked.
    pub fn session_json(&self, id: &str, expand_intent: bool) -> Value {
        let Some(s) = self.sessions.get(id) else {
            return Value::Null;
        };
        let intent = match (&s.intent, expand_intent) {
            (Some(i), true) => self.intent_json(i),
            (Some(i), false) => json!(i),
            (None, _) => Value::Null,
        };
        json!({
            "id": id,
            "object": "checkout.session",
            "mode": "payment",
            "status": s.status,
            "payment_status": s.payment_status,
            "amount_total": self.reported(s.amount),
            "currency": "jpy",
            "client_reference_id": s.order,
            "metadata": { "order_id": s.order },
            "payment_intent": intent,
            "payment_method_types": [s.method],
            "payment_method_options": if s.method == "card" {
                json!({ "card": { "request_three_d_secure": s.three_d_secure } })
            } else {
                json!({ "konbini": { "expires_after_days": s.konbini_days } })
            },
            "success_url": s.success_url,
            "cancel_url": s.cancel_url,
            "expires_at": s.expires_at,
            "url": if s.status == "open" { json!(format!("{}/pay/{id}", self.base_url)) } else { Value::Null },
        })
    }

    /// An event as Stripe sends it.
    pub fn event(&mut self, kind: &str, object: Value) -> Value {
        let id = self.next_id("evt");
        json!({
            "id": id,
            "object": "event",
            "type": kind,
            "created": self.unix_now(),
            "livemode": false,
            "data": { "object": object },
        })
    }

    fn open_session(&self, id: &str) -> bool {
        self.sessions.get(id).is_some_and(|s| s.status == "open")
    }

    fn new_intent(&mut self, session: &str, status: &'static str, last4: Option<String>) -> String {
        let id = self.next_id("pi");
        let (amount, order) = self
            .sessions
            .get(session)
            .map(|s| (s.amount, s.order.clone()))
            .unwrap_or_default();
        self.intents.insert(
            id.clone(),
            Intent {
                status,
                amount,
                received: amount,
                refunded: 0,
                order,
                last4,
                konbini: None,
            },
        );
        if let Some(s) = self.sessions.get_mut(session) {
            s.intent = Some(id.clone());
        }
        id
    }

    fn succeed(&mut self, session: &str) -> Vec<Value> {
        let held = self.sessions.get(session).is_some_and(|s| s.capture_manual);
        if let Some(s) = self.sessions.get_mut(session) {
            s.status = "complete";
            s.payment_status = if held { "unpaid" } else { "paid" };
        }
        let intent = self.sessions.get(session).and_then(|s| s.intent.clone());
        if let Some(i) = intent.as_ref().and_then(|i| self.intents.get_mut(i)) {
            i.status = if held {
                "requires_capture"
            } else {
                "succeeded"
            };
        }
        let object = self.session_json(session, false);
        let completed = self.event("checkout.session.completed", object);
        let mut events = vec![completed];
        if let Some(i) = intent.as_deref().filter(|_| held) {
            let object = self.intent_json(i);
            events.push(self.event("payment_intent.amount_capturable_updated", object));
        }
        let charge = json!({
            "id": format!("ch_for_{}", intent.as_deref().unwrap_or("")),
            "object": "charge",
            "payment_intent": intent,
            "amount": self.sessions.get(session).map_or(0, |s| s.amount),
            "paid": true,
            "captured": !held,
            "metadata": { "order_id": self.sessions.get(session).map(|s| s.order.clone()) },
            "payment_method_details": { "type": "card", "card": { "country": self.card_country, "brand": "visa" } },
        });
        events.push(self.event("charge.succeeded", charge));
        events
    }

    /// Captures a held payment (`amount` of it, all when `None`): the answer, or an error
    /// message when it is not held.
    pub fn capture(
        &mut self,
        intent: &str,
        amount: Option<i64>,
    ) -> Result<(Value, Vec<Value>), &'static str> {
        let i = self
            .intents
            .get_mut(intent)
            .ok_or("No such payment_intent")?;
        let amount = amount.unwrap_or(i.amount);
        if i.status != "requires_capture" {
            return Err("This PaymentIntent could not be captured because it has a status other than requires_capture");
        }
        if amount <= 0 || amount > i.amount {
            return Err("The amount to capture must be at most the amount capturable");
        }
        i.status = "succeeded";
        i.received = amount;
        let order = i.order.clone();
        for s in self.sessions.values_mut() {
            if s.intent.as_deref() == Some(intent) {
                s.payment_status = "paid";
            }
        }
        let body = self.intent_json(intent);
        let charge = json!({
            "id": format!("ch_for_{intent}"), "object": "charge", "payment_intent": intent,
            "amount": amount, "amount_captured": amount, "captured": true,
            "metadata": { "order_id": order },
        });
        let events = vec![
            self.event("payment_intent.succeeded", body.clone()),
            self.event("charge.captured", charge),
        ];
        Ok((body, events))
    }

    /// Cancels a payment not yet taken (a released hold; `automatic` when it lapsed).
    pub fn cancel_intent(
        &mut self,
        intent: &str,
        reason: &str,
    ) -> Result<(Value, Vec<Value>), &'static str> {
        let i = self
            .intents
            .get_mut(intent)
            .ok_or("No such payment_intent")?;
        if matches!(i.status, "succeeded" | "canceled") {
            return Err("You cannot cancel this PaymentIntent because it has a status of succeeded or canceled");
        }
        i.status = "canceled";
        let mut body = self.intent_json(intent);
        body["cancellation_reason"] = json!(reason);
        let events = vec![self.event("payment_intent.canceled", body.clone())];
        Ok((body, events))
    }

    /// The payment intent of a session.
    pub fn intent_of(&self, session: &str) -> Option<String> {
        self.sessions.get(session).and_then(|s| s.intent.clone())
    }

    fn decline(&mut self, session: &str) -> Vec<Value> {
        let Some(intent) = self.sessions.get(session).and_then(|s| s.intent.clone()) else {
            return Vec::new();
        };
        if let Some(i) = self.intents.get_mut(&intent) {
            i.status = "requires_payment_method";
        }
        let mut object = self.intent_json(&intent);
        object["last_payment_error"] = json!({ "type": "card_error", "code": "card_declined" });
        vec![self.event("payment_intent.payment_failed", object)]
    }

    pub fn pay_card(&mut self, session: &str, number: &str) -> (CardOutcome, Vec<Value>) {
        if !self.open_session(session)
            || self
                .sessions
                .get(session)
                .is_some_and(|s| s.method != "card")
        {
            return (CardOutcome::Closed, Vec::new());
        }
        let digits: String = number.chars().filter(char::is_ascii_digit).collect();
        let known = [
            CARD_SUCCESS,
            CARD_3DS_REQUIRED,
            CARD_3DS_THEN_DECLINE,
            CARD_DECLINED,
            CARD_INSUFFICIENT_FUNDS,
        ];
        if !known.contains(&digits.as_str()) {
            return (CardOutcome::NotATestCard, Vec::new());
        }
        let last4 = digits[digits.len() - 4..].to_string();
        let intent = match self.sessions.get(session).and_then(|s| s.intent.clone()) {
            Some(i) => i,
            None => self.new_intent(session, "requires_payment_method", Some(last4.clone())),
        };
        if let Some(i) = self.intents.get_mut(&intent) {
            i.last4 = Some(last4);
        }
        match digits.as_str() {
            CARD_SUCCESS => (CardOutcome::Succeeded, self.succeed(session)),
            CARD_3DS_REQUIRED | CARD_3DS_THEN_DECLINE => {
                if let Some(s) = self.sessions.get_mut(session) {
                    s.challenge_outcome = Some(digits == CARD_3DS_REQUIRED);
                }
                if let Some(i) = self.intents.get_mut(&intent) {
                    i.status = "requires_action";
                }
                (CardOutcome::ChallengeRequired, Vec::new())
            }
            _ => (CardOutcome::Declined, self.decline(session)),
        }
    }

    pub fn complete_3ds(
        &mut self,
        session: &str,
        authenticated: bool,
    ) -> (CardOutcome, Vec<Value>) {
        let pending = self
            .sessions
            .get_mut(session)
            .and_then(|s| s.challenge_outcome.take());
        match pending {
            Some(true) if authenticated => (CardOutcome::Succeeded, self.succeed(session)),
            Some(_) => (CardOutcome::Declined, self.decline(session)),
            None => (CardOutcome::Closed, Vec::new()),
        }
    }

    pub fn issue_konbini(&mut self, session: &str) -> Vec<Value> {
        if !self.open_session(session)
            || self
                .sessions
                .get(session)
                .is_some_and(|s| s.method != "konbini")
        {
            return Vec::new();
        }
        let days = self.sessions.get(session).map_or(3, |s| s.konbini_days);
        let expires_at = self.unix_now() + days * 86_400;
        let intent = self.new_intent(session, "requires_action", None);
        let number = format!("{:011}", 12_345_678_901u64 + self.counter);
        if let Some(i) = self.intents.get_mut(&intent) {
            i.konbini = Some((expires_at, number));
        }
        if let Some(s) = self.sessions.get_mut(session) {
            s.status = "complete";
            s.payment_status = "unpaid";
        }
        let completed = self.session_json(session, false);
        let instructions = self.intent_json(&intent);
        vec![
            self.event("checkout.session.completed", completed),
            self.event("payment_intent.requires_action", instructions),
        ]
    }

    pub fn settle_konbini(&mut self, session: &str, paid: bool) -> Vec<Value> {
        let Some(intent) = self.sessions.get(session).and_then(|s| s.intent.clone()) else {
            return Vec::new();
        };
        match self.intents.get_mut(&intent) {
            Some(i) if i.status == "requires_action" && i.konbini.is_some() => {
                i.status = if paid { "succeeded" } else { "canceled" };
            }
            _ => return Vec::new(),
        }
        if paid {
            if let Some(s) = self.sessions.get_mut(session) {
                s.payment_status = "paid";
            }
        }
        let object = self.session_json(session, false);
        let kind = if paid {
            "checkout.session.async_payment_succeeded"
        } else {
            "checkout.session.async_payment_failed"
        };
        vec![self.event(kind, object)]
    }
}
