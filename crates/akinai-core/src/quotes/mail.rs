//! The quote mails: 「お見積りのご依頼を受け付けました」 when asked for (revision 0) and
//! 「お見積りをお送りします」 at each sending, both with the quote's private link. Built by the
//! worker from the stored quote (the link's token is derived again from its nonce), with a
//! Message-ID per quote and revision so a retried job sends the same message.

use akinai_domain::ids::QuoteId;
use akinai_store::Job;

use super::Quotes;
use crate::worker::JobFailure;

/// The job that mails a quote's link.
pub const JOB_QUOTE_MAIL: &str = "quote.mail";

impl Quotes {
    /// Worker step: mails the shopper about a quote's request or sending.
    pub(crate) async fn send_quote_mail(&self, job: &Job) -> Result<(), JobFailure> {
        let bad = |what: &str| JobFailure::Permanent(format!("quote mail payload: {what}"));
        let transient = |e: &dyn std::fmt::Display| JobFailure::Transient(e.to_string());
        let id = job.payload["quote"]
            .as_i64()
            .map(QuoteId)
            .ok_or_else(|| bad("quote"))?;
        let revision = job.payload["revision"]
            .as_u64()
            .ok_or_else(|| bad("revision"))?;
        let quote = self
            .quote_store
            .quote(id)
            .await
            .map_err(|e| transient(&e))?
            .ok_or_else(|| bad("quote not found"))?;
        let settings = self.base.settings().await.map_err(|e| transient(&e))?;
        let link = format!(
            "{}{}",
            self.base.config.base_url.as_str().trim_end_matches('/'),
            self.link_path(&quote)
        );
        let number = quote.number();
        let (subject, lead) = if revision == 0 {
            (
                format!(
                    "【{}】お見積りのご依頼を受け付けました({number})",
                    settings.shop_name
                ),
                "お見積りのご依頼を受け付けました。内容を確認のうえ、お見積りをお送りします。"
                    .to_string(),
            )
        } else {
            let total = quote.quoted_total().display();
            let until = quote
                .valid_until
                .map(|d| d.format("%Y年%m月%d日").to_string())
                .unwrap_or_default();
            (
                format!(
                    "【{}】お見積りをお送りします({number} 第{revision}版)",
                    settings.shop_name
                ),
                format!(
                    "お見積りをお送りします。\n  御見積金額(税込): {total}\n  有効期限: {until}\n\
                     下記のページで内容の確認、御見積書(PDF)のダウンロード、ご注文ができます。"
                ),
            )
        };
        let body = [
            format!("{} 様", quote.contact.addressee()),
            String::new(),
            lead,
            String::new(),
            format!("  {link}"),
            "  (このリンクはお客さま専用です。ほかの方に知らせないでください)".to_string(),
            String::new(),
            "--".to_string(),
            settings.shop_name.clone(),
            format!("TEL {}  {}", settings.legal.phone, settings.legal.email),
        ]
        .join("\n");
        let message = crate::mail::shop_message(
            (quote.contact.email.as_str(), quote.contact.name.as_str()),
            &format!("quote-{}.{revision}", id.0),
            (self.base.clock.now(), &subject),
            body,
            &settings,
            &self.base.config,
        )
        .map_err(|e| bad(&e.to_string()))?;
        self.mailer.send(&message).await.map_err(|e| transient(&e))
    }
}
