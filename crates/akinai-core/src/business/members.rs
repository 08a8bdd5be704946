//! Several buyers under one company (issue #23 item 2; ADR 051): the company's admin (the
//! member who applied) invites colleagues by e-mail as approvers or buyers; the invited member
//! signs in with their own login and accepts, joining the company's group, prices, invoice
//! payment and documents. The admin sets an amount over which a buyer's order waits for an
//! approver: such an order is placed (stock kept) but held like an order under review until an
//! approver of the same company approves it on my page — or rejects it, which asks the shop to
//! cancel it. Members share delivery addresses with the company. Another company's members,
//! orders and addresses are never reachable (SWS-11). Every step is audited.

use serde_json::json;

use akinai_domain::business::{
    needs_approval, parse_approval_over, Company, CompanyInvite, CompanyMember, CompanyRole,
    InviteInput, MemberChange, INVITE_DAYS,
};
use akinai_domain::ids::{AddressId, OrderId};
use akinai_domain::Yen;
use akinai_store::business::NewInvite;
use akinai_store::{Job, NewJob, Order, SavedAddress};

use super::Business;
use crate::accounts::{Client, Member};
use crate::audit::AuditContext;
use crate::worker::JobFailure;
use crate::{tokens, CoreError};

/// The audit actions of company members.
pub const BUSINESS_INVITE: &str = "business.invite";
pub const BUSINESS_JOIN: &str = "business.join";
pub const BUSINESS_APPROVAL_RULE: &str = "business.approval_rule";
pub const BUSINESS_MEMBER_ROLE: &str = "business.member_role";
pub const BUSINESS_MEMBER_REMOVE: &str = "business.member_remove";
pub const ORDER_COMPANY_APPROVE: &str = "order.company_approve";
pub const ORDER_COMPANY_REJECT: &str = "order.company_reject";

/// The job that mails an invitation's link.
pub const JOB_INVITE_MAIL: &str = "business.invite_mail";

/// The member's company and part in it.
#[derive(Debug, Clone)]
pub struct Membership {
    pub company: Company,
    pub role: CompanyRole,
}

/// What the company's page on my page shows a member.
pub struct CompanyView {
    pub membership: Membership,
    /// The members and invitations (for the admin only; empty otherwise).
    pub members: Vec<CompanyMember>,
    /// Invitations with where each stands (「参加済み」, 「有効(12/14 09:00 まで)」, 「期限切れ」).
    pub invites: Vec<(CompanyInvite, String)>,
    /// Orders waiting for approval (for approvers only).
    pub awaiting: Vec<Order>,
}

/// An invitation as its link shows it.
pub struct InviteView {
    pub company: String,
    pub role: CompanyRole,
    /// The invitation is for the signed-in member's address, open and unexpired.
    pub acceptable: bool,
}

/// The link's token of an invitation: derived from its nonce under the server's key.
fn invite_token(key: &tokens::SecretKey, nonce: &str) -> tokens::NewToken {
    tokens::derive(key, &format!("akinai/company-invite/v1/{nonce}"))
}

fn actor(m: &Member) -> String {
    format!("customer:{}", m.customer.id.0)
}

impl Business {
    /// The approved company the member buys for and their part in it.
    pub async fn membership(&self, m: &Member) -> Result<Option<Membership>, CoreError> {
        Ok(self
            .business_store
            .membership(m.customer.id)
            .await?
            .map(|(company, role)| Membership { company, role }))
    }

    async fn member_in(
        &self,
        m: &Member,
        allowed: fn(CompanyRole) -> bool,
    ) -> Result<Membership, CoreError> {
        self.membership(m)
            .await?
            .filter(|ms| allowed(ms.role))
            .ok_or(CoreError::NotFound)
    }

    /// The company's page on my page: members and invitations for the admin, orders waiting
    /// for approval for approvers.
    pub async fn company_view(&self, m: &Member) -> Result<Option<CompanyView>, CoreError> {
        let Some(membership) = self.membership(m).await? else {
            return Ok(None);
        };
        let id = membership.company.id;
        let now = self.base.clock.now();
        let state = |i: &CompanyInvite| {
            if i.accepted_at.is_some() {
                "参加済み".to_string()
            } else if i.expires_at <= now {
                "期限切れ".to_string()
            } else {
                let until = i.expires_at.with_timezone(&crate::clock::jst());
                format!("有効({} まで)", until.format("%m/%d %H:%M"))
            }
        };
        let (members, invites) = if membership.role == CompanyRole::Admin {
            (
                self.business_store.company_members(id).await?,
                self.business_store
                    .company_invites(id)
                    .await?
                    .into_iter()
                    .map(|i| {
                        let s = state(&i);
                        (i, s)
                    })
                    .collect(),
            )
        } else {
            (Vec::new(), Vec::new())
        };
        let mut awaiting = Vec::new();
        if membership.role.approves() {
            for order in self.business_store.orders_awaiting_approval(id).await? {
                if let Some(o) = self.order_store.order(order).await? {
                    awaiting.push(o);
                }
            }
        }
        Ok(Some(CompanyView {
            membership,
            members,
            invites,
            awaiting,
        }))
    }

    /// `POST /account/business/invite`: the admin invites a colleague; mailed a link valid for
    /// [`INVITE_DAYS`] days.
    pub async fn invite(
        &self,
        m: &Member,
        client: &Client,
        input: &InviteInput,
    ) -> Result<(), CoreError> {
        let ms = self.member_in(m, |r| r == CompanyRole::Admin).await?;
        let (email, role) = input.parse().map_err(CoreError::InvalidFields)?;
        let nonce = tokens::generate().secret;
        let token = invite_token(&self.base.config.secret_key, &nonce);
        let now = self.base.clock.now();
        let id = self
            .business_store
            .create_invite(&NewInvite {
                company: ms.company.id,
                token: token.hash,
                link_nonce: nonce,
                email: email.clone(),
                role,
                invited_by: m.customer.id,
                created_at: now,
                expires_at: now + chrono::Duration::days(INVITE_DAYS),
            })
            .await?;
        self.audit
            .record(
                &AuditContext::customer(m.customer.id, client),
                BUSINESS_INVITE,
                &format!("company:{}", ms.company.id.0),
                json!({ "invite": id, "role": role.as_str() }),
            )
            .await?;
        self.job_store
            .enqueue_job(&NewJob {
                kind: JOB_INVITE_MAIL.into(),
                payload: json!({ "invite": id }),
                run_at: now,
                dedup_key: Some(format!("company-invite-{id}")),
            })
            .await?;
        self.base.jobs_added();
        Ok(())
    }

    async fn open_invite(&self, secret: &str) -> Result<CompanyInvite, CoreError> {
        let hash = tokens::parse(secret).ok_or(CoreError::NotFound)?;
        self.business_store
            .invite_by_token(&hash)
            .await?
            .ok_or(CoreError::NotFound)
    }

    /// `GET /account/business/join?t=…`: the invitation, and whether the signed-in member may
    /// accept it (the address it was sent to, still open).
    pub async fn invite_view(&self, m: &Member, secret: &str) -> Result<InviteView, CoreError> {
        let invite = self.open_invite(secret).await?;
        let company = self
            .business_store
            .company(invite.company)
            .await?
            .ok_or(CoreError::NotFound)?;
        let acceptable = invite.accepted_at.is_none()
            && invite.expires_at > self.base.clock.now()
            && m.customer.email.eq_ignore_ascii_case(&invite.email)
            && m.customer.email_verified_at.is_some();
        Ok(InviteView {
            company: company.addressee(),
            role: invite.role,
            acceptable,
        })
    }

    /// `POST /account/business/join`: the invited member joins (their own login; the invitation
    /// is for their verified address only, used once, within its days).
    pub async fn accept_invite(
        &self,
        m: &Member,
        client: &Client,
        secret: &str,
    ) -> Result<(), CoreError> {
        if !self.invite_view(m, secret).await?.acceptable {
            return Err(CoreError::NotFound);
        }
        let invite = self.open_invite(secret).await?;
        let hash = tokens::parse(secret).ok_or(CoreError::NotFound)?;
        if !self
            .business_store
            .accept_invite(&hash, m.customer.id, self.base.clock.now())
            .await?
        {
            return Err(CoreError::Refused(vec![(
                "invite",
                "この招待ではご参加いただけません(使用済み・期限切れ、またはすでに別の会社の法人アカウントに参加しています)。"
                    .to_string(),
            )]));
        }
        self.audit
            .record(
                &AuditContext::customer(m.customer.id, client),
                BUSINESS_JOIN,
                &format!("company:{}", invite.company.0),
                json!({ "invite": invite.id, "role": invite.role.as_str() }),
            )
            .await?;
        Ok(())
    }

    /// `POST /account/business/approval`: the admin sets (or clears) the amount over which a
    /// buyer's order waits for an approver.
    pub async fn set_approval_rule(
        &self,
        m: &Member,
        client: &Client,
        raw: &str,
    ) -> Result<Option<Yen>, CoreError> {
        let ms = self.member_in(m, |r| r == CompanyRole::Admin).await?;
        let amount = parse_approval_over(raw).map_err(CoreError::InvalidFields)?;
        self.business_store
            .set_approval_over(ms.company.id, amount)
            .await?;
        self.audit
            .record(
                &AuditContext::customer(m.customer.id, client),
                BUSINESS_APPROVAL_RULE,
                &format!("company:{}", ms.company.id.0),
                json!({ "approval_over": amount.map(|a| a.0) }),
            )
            .await?;
        Ok(amount)
    }

    /// `POST /account/business/members/{id}`: the admin gives a member of their own company
    /// another part (approver or buyer) or takes them out of it. Another company's member, the
    /// admin themselves or someone in no company: not found, nothing written (SWS-11); an
    /// unknown change is refused. Audited `business.member_role` / `business.member_remove`.
    pub async fn change_member(
        &self,
        m: &Member,
        client: &Client,
        member: akinai_domain::ids::CustomerId,
        raw: &str,
    ) -> Result<MemberChange, CoreError> {
        let ms = self.member_in(m, |r| r == CompanyRole::Admin).await?;
        let change = MemberChange::parse(raw.trim()).ok_or_else(|| {
            CoreError::InvalidFields(vec![(
                "change",
                akinai_domain::address::FieldError::Invalid,
            )])
        })?;
        if !self
            .business_store
            .change_company_member(ms.company.id, member, change)
            .await?
        {
            return Err(CoreError::NotFound);
        }
        let action = match change {
            MemberChange::Role(_) => BUSINESS_MEMBER_ROLE,
            MemberChange::Remove => BUSINESS_MEMBER_REMOVE,
        };
        self.audit
            .record(
                &AuditContext::customer(m.customer.id, client),
                action,
                &format!("customer:{}", member.0),
                json!({ "company": ms.company.id.0, "change": change.as_str() }),
            )
            .await?;
        Ok(change)
    }

    /// Whether an order of `total` by `customer` waits for the company's approval (checkout
    /// adds the review reason when it does).
    pub(crate) async fn approval_needed(
        &self,
        customer: akinai_domain::ids::CustomerId,
        total: Yen,
    ) -> Result<bool, CoreError> {
        Ok(self
            .business_store
            .membership(customer)
            .await?
            .is_some_and(|(c, role)| needs_approval(role, c.approval_over, total)))
    }

    /// An order of the approver's company still waiting for approval; another company's is
    /// not found (SWS-11).
    async fn awaiting_order(&self, m: &Member, order: OrderId) -> Result<Membership, CoreError> {
        let ms = self.member_in(m, CompanyRole::approves).await?;
        let waiting = self
            .business_store
            .orders_awaiting_approval(ms.company.id)
            .await?;
        if !waiting.contains(&order) {
            return Err(CoreError::NotFound);
        }
        Ok(ms)
    }

    /// `POST /account/business/orders/{id}/approve`: the order may ship.
    pub async fn approve_order(
        &self,
        m: &Member,
        client: &Client,
        order: OrderId,
    ) -> Result<(), CoreError> {
        let ms = self.awaiting_order(m, order).await?;
        let now = self.base.clock.now();
        if !self
            .order_store
            .clear_review_flag(order, &actor(m), now)
            .await?
        {
            return Err(CoreError::NotFound);
        }
        self.audit
            .record(
                &AuditContext::customer(m.customer.id, client),
                ORDER_COMPANY_APPROVE,
                &format!("order:{}", order.0),
                json!({ "company": ms.company.id.0 }),
            )
            .await?;
        Ok(())
    }

    /// `POST /account/business/orders/{id}/reject`: the approver turns the order down; it stays
    /// held and the shop is asked to cancel it (a note on the order; cancelling is the shop's
    /// step, which gives the stock and any card hold back).
    pub async fn reject_order(
        &self,
        m: &Member,
        client: &Client,
        order: OrderId,
    ) -> Result<(), CoreError> {
        let ms = self.awaiting_order(m, order).await?;
        let note = format!(
            "{} の承認者が承認しませんでした。お客様に確認のうえキャンセルしてください。",
            ms.company.addressee()
        );
        self.fulfilment_store
            .add_order_note(order, self.base.clock.now(), &actor(m), &note)
            .await?;
        self.audit
            .record(
                &AuditContext::customer(m.customer.id, client),
                ORDER_COMPANY_REJECT,
                &format!("order:{}", order.0),
                json!({ "company": ms.company.id.0 }),
            )
            .await?;
        Ok(())
    }

    /// Addresses the member's colleagues share with the company (offered at checkout).
    pub async fn shared_addresses(&self, m: &Member) -> Result<Vec<SavedAddress>, CoreError> {
        match self.business_store.membership(m.customer.id).await? {
            Some((c, _)) => Ok(self
                .business_store
                .shared_addresses(c.id, m.customer.id)
                .await?),
            None => Ok(Vec::new()),
        }
    }

    /// `POST /account/addresses/{id}/share`: shares one of the member's addresses with their
    /// company, or stops sharing it.
    pub async fn share_address(
        &self,
        m: &Member,
        id: AddressId,
        shared: bool,
    ) -> Result<(), CoreError> {
        self.membership(m).await?.ok_or(CoreError::NotFound)?;
        if !self
            .business_store
            .share_address(m.customer.id, id, shared)
            .await?
        {
            return Err(CoreError::NotFound);
        }
        Ok(())
    }

    /// Worker step: mails the invitation's link to the invited address.
    pub(crate) async fn send_invite_mail(&self, job: &Job) -> Result<(), JobFailure> {
        let bad = |what: &str| JobFailure::Permanent(format!("invite mail payload: {what}"));
        let transient = |e: &dyn std::fmt::Display| JobFailure::Transient(e.to_string());
        let id = job.payload["invite"]
            .as_i64()
            .ok_or_else(|| bad("invite"))?;
        let invite = self
            .business_store
            .invite(id)
            .await
            .map_err(|e| transient(&e))?
            .ok_or_else(|| bad("invite not found"))?;
        let company = self
            .business_store
            .company(invite.company)
            .await
            .map_err(|e| transient(&e))?
            .ok_or_else(|| bad("company not found"))?;
        let settings = self.base.settings().await.map_err(|e| transient(&e))?;
        let token = invite_token(&self.base.config.secret_key, &invite.link_nonce);
        let link = format!(
            "{}/account/business/join?t={}",
            self.base.config.base_url.as_str().trim_end_matches('/'),
            token.secret
        );
        let subject = format!(
            "【{}】{} の法人アカウントへのご招待",
            settings.shop_name,
            company.addressee()
        );
        let until = invite
            .expires_at
            .with_timezone(&crate::clock::jst())
            .format("%Y年%m月%d日 %H:%M");
        let body = [
            format!(
                "{} から、{}として法人アカウントにご招待がありました。",
                company.addressee(),
                invite.role.label_ja()
            ),
            String::new(),
            "このメールアドレスで会員登録(またはログイン)してから、下記のページで参加してください。".to_string(),
            format!("  {link}"),
            format!("  (有効期限: {until}。このリンクはあなた専用です)"),
            String::new(),
            "お心当たりのない場合は、このメールを破棄してください。".to_string(),
            "--".to_string(),
            settings.shop_name.clone(),
            format!("TEL {}  {}", settings.legal.phone, settings.legal.email),
        ]
        .join("\n");
        let message = crate::mail::shop_message(
            (invite.email.as_str(), invite.email.as_str()),
            &format!("company-invite-{id}"),
            (self.base.clock.now(), &subject),
            body,
            &settings,
            &self.base.config,
        )
        .map_err(|e| bad(&e.to_string()))?;
        self.mailer.send(&message).await.map_err(|e| transient(&e))
    }
}
