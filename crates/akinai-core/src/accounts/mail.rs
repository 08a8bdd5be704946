//! Account mail (IPA-C-11): verification link, notice to the owner of an address someone tried
//! to register again, reset link, password-changed notice, lock notice. Each goes through the job
//! outbox. Links carry a secret derived from a nonce in the job's payload under the server key,
//! so neither the jobs table nor the token table holds a usable link.

use crate::AccountCommon;
use lettre::message::header::ContentType;
use lettre::message::{Mailbox, SinglePart};
use lettre::Message;
use serde_json::json;

use akinai_domain::ids::{CustomerId, SessionId};
use akinai_store::{Job, NewJob, JOB_ACCOUNT_MAIL};

use super::{describe_device, Client};
use crate::clock::jst;
use crate::i18n::{Lang, Tr};
use crate::mail::display_name;
use crate::tokens::{self, NewToken, SecretKey};
use crate::worker::JobFailure;
use crate::CoreError;

/// The kinds of account mail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountMail {
    Verify,
    AlreadyRegistered,
    Reset,
    PasswordChanged,
    Locked,
    NewDevice,
    ConfirmNewEmail,
    EmailChanged,
    FactorChanged,
    ProfileChanged,
    Deleted,
    LoginCode,
    /// An imported member's invitation to set a password (CSV issue, item 2).
    Invite,
}

impl AccountMail {
    fn code(self) -> &'static str {
        match self {
            AccountMail::Verify => "verify",
            AccountMail::AlreadyRegistered => "exists",
            AccountMail::Reset => "reset",
            AccountMail::PasswordChanged => "changed",
            AccountMail::Locked => "locked",
            AccountMail::NewDevice => "new_device",
            AccountMail::ConfirmNewEmail => "confirm_email",
            AccountMail::EmailChanged => "email_changed",
            AccountMail::FactorChanged => "factor_changed",
            AccountMail::ProfileChanged => "profile_changed",
            AccountMail::Deleted => "deleted",
            AccountMail::LoginCode => "login_code",
            AccountMail::Invite => "invite",
        }
    }

    fn parse(code: &str) -> Option<AccountMail> {
        [
            AccountMail::Verify,
            AccountMail::AlreadyRegistered,
            AccountMail::Reset,
            AccountMail::PasswordChanged,
            AccountMail::Locked,
            AccountMail::NewDevice,
            AccountMail::ConfirmNewEmail,
            AccountMail::EmailChanged,
            AccountMail::FactorChanged,
            AccountMail::ProfileChanged,
            AccountMail::Deleted,
            AccountMail::LoginCode,
            AccountMail::Invite,
        ]
        .into_iter()
        .find(|m| m.code() == code)
    }

    /// The link token of this mail for `nonce`.
    pub fn token(self, key: &SecretKey, nonce: &str) -> NewToken {
        tokens::derive(key, &format!("akinai/account/{}/v1/{nonce}", self.code()))
    }

    /// The path (and query) the mail links to.
    fn link(self, secret: Option<&str>) -> String {
        match (self, secret) {
            (AccountMail::Verify, Some(s)) => format!("/account/verify?t={s}"),
            (AccountMail::Reset | AccountMail::Invite, Some(s)) => {
                format!("/account/password/reset?t={s}")
            }
            (
                AccountMail::AlreadyRegistered | AccountMail::Locked | AccountMail::EmailChanged,
                _,
            ) => "/account/password/forgot".into(),
            _ => "/account/login".into(),
        }
    }
}

impl AccountCommon {
    pub(crate) async fn enqueue_account_mail(
        &self,
        mail: AccountMail,
        customer: CustomerId,
        nonce: Option<&str>,
    ) -> Result<(), CoreError> {
        self.enqueue_account_job(
            json!({ "mail": mail.code(), "customer": customer.0, "nonce": nonce }),
        )
        .await
    }

    /// The new-device notice: when, which browser, from where, and a link ending that session.
    pub(crate) async fn enqueue_new_device_mail(
        &self,
        customer: CustomerId,
        session: SessionId,
        client: &Client,
    ) -> Result<(), CoreError> {
        let at = self.base.clock.now().with_timezone(&jst());
        self.enqueue_account_job(json!({
            "mail": AccountMail::NewDevice.code(),
            "customer": customer.0,
            "session": session.0,
            "device": describe_device(&client.user_agent),
            "ip": client.ip.to_string(),
            "time": at.format("%Y-%m-%d %H:%M").to_string(),
        }))
        .await
    }

    /// An account mail to an address other than the account's current one (the new address to
    /// confirm, the old address to tell), with extra payload fields.
    pub(crate) async fn enqueue_account_job_to(
        &self,
        mail: AccountMail,
        customer: CustomerId,
        to: &str,
        extra: serde_json::Value,
    ) -> Result<(), CoreError> {
        let mut payload = json!({ "mail": mail.code(), "customer": customer.0, "to": to });
        if let (Some(p), Some(e)) = (payload.as_object_mut(), extra.as_object()) {
            for (k, v) in e {
                if k != "mail" && k != "customer" && k != "to" {
                    p.insert(k.clone(), v.clone());
                }
            }
        }
        self.enqueue_account_job(payload).await
    }

    async fn enqueue_account_job(&self, payload: serde_json::Value) -> Result<(), CoreError> {
        self.enqueue_account_job_at(payload, self.base.clock.now())
            .await
    }

    /// An account mail sent no earlier than `run_at` (invitations go out in batches).
    pub(crate) async fn enqueue_account_mail_at(
        &self,
        mail: AccountMail,
        customer: CustomerId,
        nonce: &str,
        run_at: chrono::DateTime<chrono::Utc>,
    ) -> Result<(), CoreError> {
        let payload = json!({ "mail": mail.code(), "customer": customer.0, "nonce": nonce });
        self.enqueue_account_job_at(payload, run_at).await
    }

    async fn enqueue_account_job_at(
        &self,
        payload: serde_json::Value,
        run_at: chrono::DateTime<chrono::Utc>,
    ) -> Result<(), CoreError> {
        self.job_store
            .enqueue_job(&NewJob {
                kind: JOB_ACCOUNT_MAIL.into(),
                payload,
                run_at,
                dedup_key: None,
            })
            .await?;
        self.base.jobs_added();
        Ok(())
    }

    /// Worker step: delivers one account mail.
    pub(crate) async fn send_account_mail(&self, job: &Job) -> Result<(), JobFailure> {
        let bad = |what: &str| JobFailure::Permanent(format!("account mail payload: {what}"));
        let mail = job.payload["mail"]
            .as_str()
            .and_then(AccountMail::parse)
            .ok_or_else(|| bad("mail"))?;
        let id = job.payload["customer"]
            .as_i64()
            .map(CustomerId)
            .ok_or_else(|| bad("customer"))?;
        let customer = self
            .account_store
            .customer(id)
            .await
            .map_err(|e| JobFailure::Transient(e.to_string()))?
            .ok_or_else(|| bad("customer not found"))?;
        let secret = job.payload["nonce"]
            .as_str()
            .filter(|_| !matches!(mail, AccountMail::ConfirmNewEmail | AccountMail::LoginCode))
            .map(|n| mail.token(&self.base.config.secret_key, n).secret);
        let settings = self
            .base
            .settings()
            .await
            .map_err(|e| JobFailure::Transient(e.to_string()))?;
        let path = match (mail, job.payload["session"].as_i64()) {
            (AccountMail::NewDevice, Some(session)) => format!(
                "/account/sessions/end?c={}&s={session}&t={}",
                id.0,
                self.end_session_secret(id, SessionId(session))
            ),
            (AccountMail::ConfirmNewEmail, _) => format!(
                "/account/email/confirm?c={}&e={}&n={}",
                id.0,
                url::form_urlencoded::byte_serialize(
                    job.payload["email"].as_str().unwrap_or("").as_bytes()
                )
                .collect::<String>(),
                job.payload["nonce"].as_str().unwrap_or("")
            ),
            _ => mail.link(secret.as_deref()),
        };
        let link = format!(
            "{}{path}",
            self.base.config.base_url.as_str().trim_end_matches('/')
        );
        let tr = Tr::new(Lang::Ja);
        let p = |k: &str| format!("accountmail.{}_{k}", mail.code());
        let text = |k: &str| job.payload[k].as_str().unwrap_or("").to_string();
        let (device, ip, time) = (text("device"), text("ip"), text("time"));
        let new_email = text("email");
        let code = match (mail, job.payload["nonce"].as_str()) {
            (AccountMail::LoginCode, Some(n)) => {
                super::risk::login_code(&self.base.config.secret_key, n)
            }
            _ => String::new(),
        };
        let vars = [
            // A deleted account's name is gone by the time its last mail goes out.
            (
                "name",
                job.payload["name"].as_str().unwrap_or(&customer.name),
            ),
            ("shop", settings.shop_name.as_str()),
            ("link", link.as_str()),
            ("device", device.as_str()),
            ("ip", ip.as_str()),
            ("time", time.as_str()),
            ("email", new_email.as_str()),
            ("code", code.as_str()),
        ];
        let body = [
            tr.fmt("accountmail.greeting", &vars),
            String::new(),
            tr.fmt(&p("body"), &vars),
            String::new(),
            link.clone(),
            String::new(),
            tr.fmt("accountmail.footer", &vars),
        ]
        .join("\n");
        let build = |e: &dyn std::fmt::Display| JobFailure::Permanent(e.to_string());
        let from: Mailbox = self.base.config.mail_from.parse().map_err(|e| build(&e))?;
        let to_address = job.payload["to"].as_str().unwrap_or(&customer.email);
        let to: Mailbox = to_address.parse().map_err(|e| build(&e))?;
        let domain = self
            .base
            .config
            .base_url
            .host_str()
            .unwrap_or("akinai.invalid");
        let message = Message::builder()
            .from(Mailbox::new(
                Some(display_name(&settings.shop_name)),
                from.email,
            ))
            .to(to)
            .subject(display_name(&tr.fmt(&p("subject"), &vars)))
            .message_id(Some(format!("<account-{}@{domain}>", job.id.0)))
            .singlepart(
                SinglePart::builder()
                    .header(ContentType::TEXT_PLAIN)
                    .body(body),
            )
            .map_err(|e| build(&e))?;
        self.mailer
            .send(&message)
            .await
            .map_err(|e| JobFailure::Transient(e.to_string()))
    }
}
