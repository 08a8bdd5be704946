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

use akinai_domain::order::PaymentMethod;
use akinai_domain::settings::ShopSettings;
use akinai_domain::tax::TaxCategory;
use akinai_store::Order;

use crate::clock::jst;
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
/// The file is named after the Message-ID, so a repeated delivery replaces the same file.
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
            .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_'))
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
    let build = |e: &dyn std::fmt::Display| MailError::Build(e.to_string());
    let from: Mailbox = config.mail_from.parse().map_err(|e| build(&e))?;
    let from = Mailbox::new(Some(settings.shop_name.clone()), from.email);
    let to_addr = order
        .details
        .email
        .as_str()
        .parse()
        .map_err(|e| build(&e))?;
    let to = Mailbox::new(Some(format!("{} 様", order.details.name)), to_addr);
    // lettre picks the transfer encoding (base64 for Japanese text, whose lines exceed what
    // 8bit allows) and normalises line endings.
    let body = Body::new(confirmation_body(order, status_url, settings));
    Message::builder()
        .from(from)
        .to(to)
        .subject(format!(
            "【{}】ご注文ありがとうございます(注文番号 {})",
            settings.shop_name,
            order.number()
        ))
        .message_id(Some(format!(
            "<order-{}.confirmation@{}>",
            order.id.0,
            mail_domain(config)
        )))
        .date(order.placed_at.into())
        .singlepart(
            SinglePart::builder()
                .header(ContentType::TEXT_PLAIN)
                .body(body),
        )
        .map_err(|e| build(&e))
}

fn confirmation_body(order: &Order, status_url: &str, s: &ShopSettings) -> String {
    use std::fmt::Write;
    let d = &order.details;
    let t = &order.totals;
    let mut b = String::new();
    let placed = order
        .placed_at
        .with_timezone(&jst())
        .format("%Y年%m月%d日 %H:%M");
    let _ = writeln!(b, "{} 様\n", d.name);
    let _ = writeln!(b, "{}をご利用いただき、ありがとうございます。", s.shop_name);
    let _ = writeln!(b, "以下の内容でご注文を承りました。\n");
    let _ = writeln!(b, "■ 注文番号: {}", order.number());
    let _ = writeln!(b, "■ ご注文日時: {placed}\n");
    let _ = writeln!(b, "■ ご注文内容");
    for l in &order.lines {
        let mark = if l.tax_category == TaxCategory::Reduced {
            "※"
        } else {
            ""
        };
        let option = if l.option_label.is_empty() {
            String::new()
        } else {
            format!(" ({})", l.option_label)
        };
        let _ = writeln!(
            b,
            "  {mark}{}{option}  {} × {} = {}",
            l.product_name, l.unit_price, l.quantity, l.line_total
        );
    }
    let _ = writeln!(b, "  ※は軽減税率(8%)対象商品です。\n");
    let _ = writeln!(b, "  商品合計: {}", t.items_total);
    let _ = writeln!(b, "  送料: {}", t.shipping_fee);
    if t.payment_fee.0 != 0 {
        let _ = writeln!(b, "  代引手数料: {}", t.payment_fee);
    }
    let _ = writeln!(b, "  お支払い合計: {} (税込)", t.grand_total);
    for r in &t.rates {
        let _ = match r.tax_category {
            TaxCategory::NonTaxable => writeln!(b, "    (非課税対象 {})", r.total),
            _ => writeln!(
                b,
                "    ({}%対象 {} 内消費税 {})",
                r.rate_percent, r.total, r.tax
            ),
        };
    }
    let _ = writeln!(b, "\n■ お支払い方法");
    match order.payment_method {
        PaymentMethod::BankTransfer => {
            let a = &s.bank_account;
            let due = (order.placed_at.with_timezone(&jst())
                + chrono::Duration::days(i64::from(a.due_days)))
            .format("%Y年%m月%d日");
            let _ = writeln!(b, "  銀行振込(前払い)");
            let _ = writeln!(
                b,
                "  {} {} {} {}",
                a.bank, a.branch, a.account_type, a.number
            );
            let _ = writeln!(b, "  口座名義: {}", a.holder);
            let _ = writeln!(b, "  お振込期限: {due}");
            let _ = writeln!(
                b,
                "  ご入金を確認後、商品を発送いたします。振込手数料はお客様のご負担となります。"
            );
        }
        PaymentMethod::CashOnDelivery => {
            let _ = writeln!(
                b,
                "  代金引換: 商品お受け取り時に配達員へ {} をお支払いください。",
                t.grand_total
            );
        }
    }
    let _ = writeln!(b, "\n■ お届け先");
    let a = &d.address;
    let _ = writeln!(
        b,
        "  〒{} {}{}{}{}",
        a.postal_code.as_str(),
        a.prefecture.name_ja(),
        a.city,
        a.line1,
        a.line2
            .as_deref()
            .map(|l| format!(" {l}"))
            .unwrap_or_default()
    );
    let _ = writeln!(
        b,
        "  {} 様 ({})  {}",
        d.name,
        d.name_kana.as_str(),
        d.phone.as_str()
    );
    let method = s
        .shipping_method(&d.shipping_method)
        .map_or(d.shipping_method.as_str(), |m| m.name.as_str());
    let _ = writeln!(b, "  配送方法: {method}");
    if let Some(date) = d.delivery_date {
        let _ = writeln!(b, "  お届け希望日: {}", date.format("%Y年%m月%d日"));
    }
    if let Some(slot) = &d.delivery_slot {
        let _ = writeln!(b, "  お届け希望時間帯: {slot}");
    }
    let _ = writeln!(b, "\n■ ご注文状況の確認");
    let _ = writeln!(b, "  {status_url}");
    let _ = writeln!(
        b,
        "  (このURLはお客様専用です。他の方に共有しないでください。)\n"
    );
    let _ = writeln!(b, "■ 返品について\n  {}\n", s.legal.returns_policy);
    let _ = writeln!(b, "--");
    let _ = writeln!(b, "{}", s.shop_name);
    let _ = writeln!(b, "{}", s.legal.seller_name);
    let _ = writeln!(b, "{}", s.legal.address);
    let _ = writeln!(b, "TEL {}  {}", s.legal.phone, s.legal.email);
    b
}
