//! Alerts: security events that someone must look at now (an injected script reported by a
//! browser, a changed theme file, later a locked admin or a card-testing burst). Every alert is
//! stored as a security event, logged under the target `akinai::alert` for the host's log
//! monitoring, and — when `alert_mail_to` is configured — mailed to the shop's operators through
//! the job outbox, so a crash between the event and the mail loses nothing. A flood of one kind
//! (a page with an injected script reports on every view) sends at most one mail per kind and
//! hour: the job's dedup key carries the kind and the hour.

use crate::Base;
use crate::Mailer;
use akinai_store::JobStore;
use akinai_store::SecurityStore;
use std::net::IpAddr;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use lettre::message::header::ContentType;
use lettre::message::{Mailbox, SinglePart};
use lettre::Message;
use serde_json::{json, Value};

use akinai_store::{Job, NewJob, NewSecurityEvent, JOB_ALERT_MAIL};

use crate::clock::jst;
use crate::i18n::{Lang, Tr};
use crate::mail::display_name;
use crate::worker::JobFailure;
use crate::CoreError;

/// The dedup key of an alert mail: one per kind and hour.
fn mail_key(kind: &str, at: DateTime<Utc>) -> String {
    format!("alert:{kind}:{}", at.timestamp() / 3600)
}

/// Security events are kept at least this long (a year and a margin, as the logs: IPA-C-12).
pub const MIN_EVENT_DAYS: u32 = 400;

/// Alerts that someone must look at now, and the browser's CSP reports.
#[derive(Clone)]
pub struct Alerts {
    pub(crate) base: Base,
    pub(crate) job_store: Arc<dyn JobStore>,
    pub(crate) security_store: Arc<dyn SecurityStore>,
    pub(crate) mailer: Arc<dyn Mailer>,
}

impl Alerts {
    /// Records, logs and (if configured) mails an alert. `summary` is one line for people,
    /// `detail` the evidence.
    pub async fn raise_alert(
        &self,
        kind: &str,
        summary: &str,
        source_ip: Option<IpAddr>,
        detail: Value,
    ) -> Result<(), CoreError> {
        self.raise_alert_to(kind, summary, source_ip, detail, &[])
            .await
    }

    /// [`Alerts::raise_alert`], mailed to `also` (e.g. the shop's owners) besides the configured
    /// recipients.
    pub async fn raise_alert_to(
        &self,
        kind: &str,
        summary: &str,
        source_ip: Option<IpAddr>,
        detail: Value,
        also: &[String],
    ) -> Result<(), CoreError> {
        let at = self.base.clock.now();
        tracing::warn!(target: "akinai::alert", kind, client = ?source_ip, detail = %detail, "{summary}");
        self.security_store
            .record_security_event(&NewSecurityEvent {
                kind: kind.into(),
                at,
                source_ip: source_ip.map(|ip| ip.to_string()),
                detail: detail.clone(),
            })
            .await?;
        if self.base.config.security.alert_mail_to.is_empty() && also.is_empty() {
            return Ok(());
        }
        let job = NewJob {
            kind: JOB_ALERT_MAIL.into(),
            payload: json!({
                "kind": kind, "summary": summary, "detail": detail, "at": at, "also": also,
            }),
            run_at: at,
            dedup_key: Some(mail_key(kind, at)),
        };
        if self.job_store.enqueue_job(&job).await? {
            self.base.jobs_added();
        }
        Ok(())
    }

    /// Deletes security events older than the configured days (never fewer than
    /// [`MIN_EVENT_DAYS`]); returns how many.
    pub async fn prune_security_events(&self) -> Result<u64, CoreError> {
        let days = self
            .base
            .config
            .security
            .events_kept_days
            .max(MIN_EVENT_DAYS);
        let before = self.base.clock.now() - chrono::Duration::days(i64::from(days));
        Ok(self.security_store.prune_security_events(before).await?)
    }

    /// Worker step: delivers one alert mail.
    pub(crate) async fn send_alert(&self, job: &Job) -> Result<(), JobFailure> {
        let settings = self
            .base
            .settings()
            .await
            .map_err(|e| JobFailure::Transient(e.to_string()))?;
        let mut to = self.base.config.security.alert_mail_to.clone();
        for extra in job.payload["also"].as_array().into_iter().flatten() {
            if let Some(addr) = extra.as_str().filter(|a| !to.iter().any(|t| t == a)) {
                to.push(addr.to_string());
            }
        }
        let message = alert_message(
            &job.payload,
            job.id.0,
            &settings.shop_name,
            &self.base.config.mail_from,
            &to,
            self.base
                .config
                .base_url
                .host_str()
                .unwrap_or("akinai.invalid"),
        )
        .map_err(JobFailure::Permanent)?;
        self.mailer
            .send(&message)
            .await
            .map_err(|e| JobFailure::Transient(e.to_string()))?;
        tracing::info!(job = job.id.0, "alert mail delivered");
        Ok(())
    }
}

/// The alert mail for a job payload `{"kind", "summary", "detail", "at"}`.
fn alert_message(
    payload: &Value,
    job_id: i64,
    shop_name: &str,
    from: &str,
    to: &[String],
    domain: &str,
) -> Result<Message, String> {
    let tr = Tr::new(Lang::Ja);
    let text = |k: &str| payload[k].as_str().unwrap_or("").to_string();
    let at = serde_json::from_value::<DateTime<Utc>>(payload["at"].clone())
        .map(|t| {
            t.with_timezone(&jst())
                .format("%Y-%m-%d %H:%M:%S JST")
                .to_string()
        })
        .unwrap_or_default();
    let detail = serde_json::to_string_pretty(&payload["detail"]).unwrap_or_default();
    let body = [
        tr.fmt("alert.intro", &[("shop", shop_name)]),
        String::new(),
        tr.fmt("alert.what", &[("summary", &text("summary"))]),
        tr.fmt("alert.kind", &[("kind", &text("kind"))]),
        tr.fmt("alert.time", &[("time", &at)]),
        String::new(),
        tr.get("alert.detail").to_string(),
        detail,
        String::new(),
        tr.get("alert.next_steps").to_string(),
        tr.get("alert.throttle").to_string(),
    ]
    .join("\n");
    let from: Mailbox = from.parse().map_err(|e| format!("mail.from: {e}"))?;
    let mut builder = Message::builder()
        .from(Mailbox::new(Some(display_name(shop_name)), from.email))
        .subject(display_name(
            &tr.fmt("alert.subject", &[("summary", &text("summary"))]),
        ))
        .message_id(Some(format!("<alert-{job_id}@{domain}>")));
    for addr in to {
        builder = builder.to(addr.parse().map_err(|e| format!("{addr}: {e}"))?);
    }
    builder
        .singlepart(
            SinglePart::builder()
                .header(ContentType::TEXT_PLAIN)
                .body(body),
        )
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_mail_key_per_kind_and_hour() {
        let t = |h, m| {
            chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 11, 25, h, m, 0)
                .single()
                .unwrap()
        };
        assert_eq!(mail_key("csp", t(1, 0)), mail_key("csp", t(1, 59)));
        assert_ne!(mail_key("csp", t(1, 59)), mail_key("csp", t(2, 0)));
        assert_ne!(mail_key("csp", t(1, 0)), mail_key("tamper", t(1, 0)));
    }

    #[test]
    fn alert_mail_carries_summary_and_evidence_without_header_injection() {
        let payload = json!({
            "kind": "tamper_detected",
            "summary": "theme changed\r\nBcc: attacker@example.com",
            "detail": {"modified": ["theme.css"]},
            "at": "2026-11-25T01:00:00Z",
        });
        let m = alert_message(
            &payload,
            7,
            "あきない商店",
            "shop@example.jp",
            &["owner@example.jp".into(), "ops@example.jp".into()],
            "shop.example.jp",
        )
        .unwrap();
        let raw = String::from_utf8(m.formatted()).unwrap();
        assert!(!raw.to_ascii_lowercase().contains("\nbcc:"), "SWS-8: {raw}");
        assert!(raw.contains("owner@example.jp") && raw.contains("ops@example.jp"));
        assert!(raw.contains("<alert-7@shop.example.jp>"));
    }
}
