//! Outgoing mail: the [`Mailer`] transports and the order confirmation (受領連絡) message.
//!
//! Messages are built with lettre's typed builder, so header values are encoded by the library
//! and a shopper's name can never add a header (SWS-8); recipients come from the stored order,
//! never from a form field naming a recipient. Each message carries a stable Message-ID derived
//! from what it is about, so a retry after a crash repeats the same ID and receivers can drop the
//! duplicate.

use std::path::PathBuf;

use async_trait::async_trait;
use lettre::message::header::ContentType;
use lettre::message::{Body, Mailbox, SinglePart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use chrono::{DateTime, Utc};

use akinai_domain::order::{OrderStatus, PaymentMethod};
use akinai_domain::settings::{MailTemplate, ShopSettings};
use akinai_domain::tax::TaxCategory;
use akinai_store::Order;

use crate::clock::jst;
use crate::i18n::{Lang, Tr};
use crate::ShopConfig;

/// Sending a message failed; the worker retries later.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("cannot build the message: {0}")]
    Build(String),
    #[error("cannot deliver the message: {0}")]
    Transport(String),
}

/// Delivers a finished message.
#[async_trait]
pub trait Mailer: Send + Sync {
    async fn send(&self, message: &Message) -> Result<(), MailError>;
}

/// Writes each message as an `.eml` file (the default transport: nothing leaves the machine).
/// The file is named after the Message-ID (`order-1.confirmation@shop.example.jp.eml`), so a
/// repeated delivery replaces the same file.
pub struct FileMailer {
    dir: PathBuf,
}

impl FileMailer {
    pub fn new(dir: PathBuf) -> FileMailer {
        FileMailer { dir }
    }
}

#[async_trait]
impl Mailer for FileMailer {
    async fn send(&self, message: &Message) -> Result<(), MailError> {
        let id = message
            .headers()
            .get_raw("Message-ID")
            .unwrap_or("no-id")
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '@'))
            .collect::<String>();
        let name = format!("{id}.eml");
        let tmp = self.dir.join(format!(".{name}.tmp"));
        let target = self.dir.join(name);
        let bytes = message.formatted();
        let io = |e: std::io::Error| MailError::Transport(e.to_string());
        tokio::fs::create_dir_all(&self.dir).await.map_err(io)?;
        tokio::fs::write(&tmp, bytes).await.map_err(io)?;
        tokio::fs::rename(&tmp, &target).await.map_err(io)
    }
}

/// Sends through an SMTP server (`smtp://`, `smtps://` or `smtp://…?tls=required` URLs as lettre
/// understands them).
pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
}

impl SmtpMailer {
    pub fn from_url(url: &str) -> Result<SmtpMailer, MailError> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| MailError::Build(e.to_string()))?
            .timeout(Some(std::time::Duration::from_secs(30)))
            .build();
        Ok(SmtpMailer { transport })
    }
}

#[async_trait]
impl Mailer for SmtpMailer {
    async fn send(&self, message: &Message) -> Result<(), MailError> {
        self.transport
            .send(message.clone())
            .await
            .map(|_| ())
            .map_err(|e| MailError::Transport(e.to_string()))
    }
}

/// A display name safe to hand to lettre: control characters (CR, LF, …) removed. lettre encodes
/// everything else, but panics on a header value it cannot encode, so this is the last guard
/// behind the domain's own refusal of control characters (SWS-8).
pub fn display_name(name: &str) -> String {
    name.chars().filter(|c| !c.is_control()).collect()
}

/// The host part for Message-IDs.
fn mail_domain(config: &ShopConfig) -> String {
    config
        .base_url
        .host_str()
        .unwrap_or("akinai.invalid")
        .to_string()
}

/// The order confirmation (受領連絡) for `order`, with a link to its status page.
pub fn order_confirmation(
    order: &Order,
    status_url: &str,
    settings: &ShopSettings,
    config: &ShopConfig,
) -> Result<Message, MailError> {
    let subject = Tr::new(Lang::Ja).fmt(
        "mail.subject",
        &[("shop", &settings.shop_name), ("number", &order.number())],
    );
    // lettre picks the transfer encoding (base64 for Japanese text, whose lines exceed what
    // 8bit allows) and normalises line endings.
    let body = confirmation_body(order, status_url, settings, Lang::Ja);
    order_message(
        order,
        "confirmation",
        order.placed_at,
        &subject,
        body,
        settings,
        config,
    )
}

/// The customer's mail about a step of their order (入金確認, 発送, 配達完了, キャンセル, 返金),
/// sent when the shop takes it; the shipping mail names carrier and tracking number.
pub fn order_step_mail(
    order: &Order,
    status: OrderStatus,
    status_url: &str,
    settings: &ShopSettings,
    config: &ShopConfig,
    at: DateTime<Utc>,
) -> Result<Message, MailError> {
    let tr = Tr::new(Lang::Ja);
    let (carrier, tracking) = order.shipment.as_ref().map_or(("", ""), |s| {
        (s.carrier.name_ja(), s.tracking_number.as_str())
    });
    let amount = order.totals.grand_total.display();
    let number = order.number();
    let vars = [
        ("shop", settings.shop_name.as_str()),
        ("number", number.as_str()),
        ("amount", amount.as_str()),
        ("carrier", carrier),
        ("tracking", tracking),
        ("name", order.details.name.as_str()),
    ];
    let key = |part: &str| format!("ordermail.{}_{part}", status.as_str());
    // The shop's own wording when it has one (checked when saved: known placeholders only).
    let own = settings.mail_templates.get(status.as_str());
    let (subject, text) = match own {
        Some(t) => (
            MailTemplate::render(&t.subject, &vars),
            MailTemplate::render(&t.body, &vars),
        ),
        None => (tr.fmt(&key("subject"), &vars), tr.fmt(&key("body"), &vars)),
    };
    let mut lines = vec![
        tr.fmt("mail.greeting", &vars),
        String::new(),
        text,
        String::new(),
    ];
    lines.extend(status_link_and_signature(tr, status_url, settings));
    let body = lines.join("\n");
    order_message(order, status.as_str(), at, &subject, body, settings, config)
}

/// The konbini payment instructions for the customer (payments issue, item 8): each store's
/// number, the deadline (JST) and the provider's payment slip page. `instructions` is the JSON
/// the payment adapter stores (`expires_at`, `voucher_url`, `stores`).
pub fn konbini_mail(
    order: &Order,
    instructions: &serde_json::Value,
    status_url: &str,
    settings: &ShopSettings,
    config: &ShopConfig,
    at: DateTime<Utc>,
) -> Result<Message, MailError> {
    let tr = Tr::new(Lang::Ja);
    let amount = order.totals.grand_total.display();
    let number = order.number();
    let vars = [
        ("shop", settings.shop_name.as_str()),
        ("number", number.as_str()),
        ("amount", amount.as_str()),
        ("name", order.details.name.as_str()),
    ];
    let mut lines = vec![
        tr.fmt("mail.greeting", &vars),
        String::new(),
        tr.fmt("ordermail.konbini_body", &vars),
        String::new(),
    ];
    if let Some(stores) = instructions["stores"].as_object() {
        for (store, d) in stores {
            if let Some(n) = d["confirmation_number"].as_str() {
                let name = match store.as_str() {
                    "familymart" | "lawson" | "ministop" | "seicomart" => {
                        tr.lookup(&format!("konbini.{store}"))
                    }
                    _ => tr.get("konbini.other"),
                };
                lines.push(format!(
                    "  {name}: {} {n}",
                    tr.get("ordermail.konbini_number")
                ));
            }
        }
    }
    if let Some(deadline) = instructions["expires_at"]
        .as_i64()
        .and_then(|s| DateTime::from_timestamp(s, 0))
    {
        lines.push(format!(
            "  {}: {}",
            tr.get("ordermail.konbini_deadline"),
            deadline
                .with_timezone(&crate::clock::jst())
                .format("%Y-%m-%d %H:%M")
        ));
    }
    if let Some(v) = instructions["voucher_url"].as_str() {
        lines.push(format!("  {}: {v}", tr.get("ordermail.konbini_voucher")));
    }
    lines.push(String::new());
    lines.extend(status_link_and_signature(tr, status_url, settings));
    let subject = tr.fmt("ordermail.konbini_subject", &vars);
    order_message(
        order,
        "konbini",
        at,
        &subject,
        lines.join("\n"),
        settings,
        config,
    )
}

/// The end of every order mail: the private status link, then the shop's signature.
fn status_link_and_signature(tr: Tr, status_url: &str, settings: &ShopSettings) -> [String; 7] {
    [
        tr.get("mail.status").to_string(),
        format!("  {status_url}"),
        format!("  {}", tr.get("order.private_link")),
        String::new(),
        "--".to_string(),
        settings.shop_name.clone(),
        format!("TEL {}  {}", settings.legal.phone, settings.legal.email),
    ]
}

/// A plain-text mail from the shop to the order's customer; `kind` makes the Message-ID, so a
/// retried job sends the same message.
fn order_message(
    order: &Order,
    kind: &str,
    date: DateTime<Utc>,
    subject: &str,
    body: String,
    settings: &ShopSettings,
    config: &ShopConfig,
) -> Result<Message, MailError> {
    shop_message(
        (order.details.email.as_str(), &order.details.name),
        &format!("order-{}.{kind}", order.id.0),
        (date, subject),
        body,
        settings,
        config,
    )
}

/// A plain-text mail from the shop to `to` (address, name); `id` is the Message-ID's local part,
/// stable for what the mail is about, so a retried job sends the same message.
pub(crate) fn shop_message(
    to: (&str, &str),
    id: &str,
    (date, subject): (DateTime<Utc>, &str),
    body: String,
    settings: &ShopSettings,
    config: &ShopConfig,
) -> Result<Message, MailError> {
    shop_headers(to, id, (date, subject), settings, config)?
        .singlepart(
            SinglePart::builder()
                .header(ContentType::TEXT_PLAIN)
                .body(Body::new(body)),
        )
        .map_err(|e| MailError::Build(e.to_string()))
}

/// [`shop_message`] with a PDF attached (`file_name`, `bytes`): a statement mailed to the
/// company it bills.
pub(crate) fn shop_message_with_pdf(
    to: (&str, &str),
    id: &str,
    (date, subject): (DateTime<Utc>, &str),
    body: String,
    (settings, config): (&ShopSettings, &ShopConfig),
    (file_name, bytes): (&str, Vec<u8>),
) -> Result<Message, MailError> {
    use lettre::message::{Attachment, MultiPart};
    let build = |e: &dyn std::fmt::Display| MailError::Build(e.to_string());
    let pdf = ContentType::parse("application/pdf").map_err(|e| build(&e))?;
    shop_headers(to, id, (date, subject), settings, config)?
        .multipart(
            MultiPart::mixed()
                .singlepart(
                    SinglePart::builder()
                        .header(ContentType::TEXT_PLAIN)
                        .body(Body::new(body)),
                )
                .singlepart(Attachment::new(file_name.to_string()).body(bytes, pdf)),
        )
        .map_err(|e| build(&e))
}

/// The headers of a mail from the shop: From (the shop's name), To (「name 様」), Subject, a
/// stable Message-ID and the date.
fn shop_headers(
    to: (&str, &str),
    id: &str,
    (date, subject): (DateTime<Utc>, &str),
    settings: &ShopSettings,
    config: &ShopConfig,
) -> Result<lettre::message::MessageBuilder, MailError> {
    let build = |e: &dyn std::fmt::Display| MailError::Build(e.to_string());
    let from: Mailbox = config.mail_from.parse().map_err(|e| build(&e))?;
    let from = Mailbox::new(Some(display_name(&settings.shop_name)), from.email);
    let to_addr = to.0.parse().map_err(|e| build(&e))?;
    let to = Mailbox::new(
        Some(display_name(
            &Tr::new(Lang::Ja).fmt("mail.greeting", &[("name", to.1)]),
        )),
        to_addr,
    );
    Ok(Message::builder()
        .from(from)
        .to(to)
        .subject(display_name(subject))
        .message_id(Some(format!("<{id}@{}>", mail_domain(config))))
        .date(date.into()))
}

/// The mail's text in `lang`; every fixed phrase comes from the message catalogue.
/// 「 値引 -¥718 反映後」 after a rate's line when a coupon took some of it off.
fn discount_note(tr: Tr, discount: akinai_domain::Yen) -> String {
    if discount.0 == 0 {
        String::new()
    } else {
        format!(
            " {}",
            tr.fmt("summary.rate_discount", &[("amount", &discount.display())])
        )
    }
}

fn confirmation_body(order: &Order, status_url: &str, s: &ShopSettings, lang: Lang) -> String {
    use std::fmt::Write;
    let tr = Tr::new(lang);
    let d = &order.details;
    let t = &order.totals;
    let date = |x: chrono::NaiveDate| x.format(tr.get("mail.date_format")).to_string();
    let placed = order.placed_at.with_timezone(&jst());
    let mut b = String::new();
    let mut line = |text: String| {
        let _ = writeln!(b, "{text}");
    };
    line(tr.fmt("mail.greeting", &[("name", &d.name)]));
    line(String::new());
    line(tr.fmt("mail.thanks", &[("shop", &s.shop_name)]));
    line(tr.get("mail.accepted").to_string());
    line(String::new());
    line(tr.fmt("mail.number", &[("number", &order.number())]));
    line(tr.fmt(
        "mail.placed_at",
        &[
            ("date", &date(placed.date_naive())),
            ("time", &placed.format("%H:%M").to_string()),
        ],
    ));
    line(String::new());
    line(tr.get("mail.items").to_string());
    for l in &order.lines {
        let mark = if l.tax_category.is_reduced() {
            "※"
        } else {
            ""
        };
        let option = if l.option_label.is_empty() {
            String::new()
        } else {
            format!(" ({})", l.option_label)
        };
        line(format!(
            "  {mark}{}{option}  {} × {} = {}",
            l.product_name, l.unit_price, l.quantity, l.line_total
        ));
    }
    line(format!("  {}", tr.get("mail.reduced_note")));
    line(String::new());
    line(format!(
        "  {}: {}",
        tr.get("summary.items_total"),
        t.items_total
    ));
    if t.discount.0 != 0 {
        let label = match &order.coupon_code {
            Some(code) => format!("{} ({code})", tr.get("summary.discount")),
            None => tr.get("summary.discount").to_string(),
        };
        line(format!("  {label}: -{}", t.discount));
    }
    if t.points.0 != 0 {
        line(format!("  {}: -{}", tr.get("summary.points"), t.points));
    }
    line(format!(
        "  {}: {}",
        tr.get("summary.shipping"),
        t.shipping_fee
    ));
    if t.payment_fee.0 != 0 {
        line(format!(
            "  {}: {}",
            tr.get("summary.cod_fee"),
            t.payment_fee
        ));
    }
    line(format!(
        "  {}: {}",
        tr.get("summary.grand_total"),
        t.grand_total
    ));
    for r in &t.rates {
        line(match r.tax_category {
            TaxCategory::NonTaxable => format!(
                "    ({} {}){}",
                tr.get("summary.non_taxable"),
                r.total,
                discount_note(tr, r.discount)
            ),
            _ => format!(
                "    ({} {} {} {}){}",
                tr.fmt(
                    "summary.rate_line",
                    &[("rate", &r.rate_percent.to_string())]
                ),
                r.total,
                tr.get("summary.tax"),
                r.tax,
                discount_note(tr, r.discount)
            ),
        });
    }
    if order.points_earned > 0 {
        let n = order.points_earned.to_string();
        line(format!("  {}", tr.fmt("points.earn_note", &[("n", &n)])));
    }
    line(String::new());
    line(tr.get("mail.payment").to_string());
    match order.payment_method {
        PaymentMethod::BankTransfer => {
            let a = &s.bank_account;
            let due = placed.date_naive() + chrono::Days::new(u64::from(a.due_days));
            line(format!("  {}", tr.get("payment.bank_transfer")));
            line(format!(
                "  {} {} {} {}",
                a.bank, a.branch, a.account_type, a.number
            ));
            line(format!("  {}: {}", tr.get("order.holder"), a.holder));
            line(format!("  {}: {}", tr.get("order.due"), date(due)));
            line(format!("  {}", tr.get("order.bank_note")));
        }
        PaymentMethod::CashOnDelivery => {
            line(format!("  {}", tr.get("payment.cash_on_delivery")));
            line(format!(
                "  {}",
                tr.fmt("order.cod_note", &[("amount", &t.grand_total.display())])
            ));
        }
        PaymentMethod::Card => {
            line(format!("  {}", tr.get("payment.card")));
            line(format!("  {}", tr.get("order.card_note")));
        }
        PaymentMethod::Invoice => {
            line(format!("  {}", tr.get("payment.invoice")));
            line(format!("  {}", tr.get("order.invoice_note")));
        }
        PaymentMethod::Konbini => {
            line(format!("  {}", tr.get("payment.konbini")));
            line(format!("  {}", tr.get("order.konbini_note")));
        }
    }
    line(String::new());
    line(tr.get("mail.ship_to").to_string());
    let a = &d.address;
    let prefecture = if lang == Lang::Ja {
        a.prefecture.name_ja()
    } else {
        a.prefecture.name_en()
    };
    let line2 = a
        .line2
        .as_deref()
        .map(|l| format!(" {l}"))
        .unwrap_or_default();
    line(format!(
        "  〒{} {prefecture}{}{}{line2}",
        a.postal_code.as_str(),
        a.city,
        a.line1
    ));
    line(format!(
        "  {} ({})  {}",
        tr.fmt("mail.greeting", &[("name", &d.name)]),
        d.name_kana.as_str(),
        d.phone.as_str()
    ));
    let method = s
        .shipping_method(&d.shipping_method)
        .map_or(d.shipping_method.as_str(), |m| m.name.as_str());
    line(format!("  {}: {method}", tr.get("confirm.shipping_method")));
    if let Some(x) = d.delivery_date {
        line(format!(
            "  {}: {}",
            tr.get("checkout.delivery_date"),
            date(x)
        ));
    }
    if let Some(slot) = &d.delivery_slot {
        line(format!("  {}: {slot}", tr.get("checkout.delivery_slot")));
    }
    line(String::new());
    line(tr.get("mail.status").to_string());
    line(format!("  {status_url}"));
    line(format!("  {}", tr.get("order.private_link")));
    line(String::new());
    line(tr.get("mail.returns").to_string());
    line(format!("  {}", s.legal.returns_policy));
    line(String::new());
    line("--".to_string());
    line(s.shop_name.clone());
    line(s.legal.seller_name.clone());
    line(s.legal.address.clone());
    line(format!("TEL {}  {}", s.legal.phone, s.legal.email));
    b
}
