//! The member's own data: profile (name, phone), the address book of up to
//! [`MAX_ADDRESSES`] delivery addresses, the review flag for orders to a freshly changed
//! address, and account deletion (accounts issue, items 8 and 10; CCSG-F-3c, IPA-C-8, IPA-C-11).
//!
//! Every change needs the current password on the same form (re-authentication at the moment
//! of the change) and mails the account's address. Deletion erases what no law requires us to
//! keep and leaves the orders (with the delivery details an invoice or a tax audit needs) on a
//! pseudonymous tombstone; see ADR 011.

use crate::AccountCommon;
use crate::Base;
use akinai_store::MemberStore;
use akinai_store::OrderStore;
use serde_json::json;
use std::sync::Arc;

use akinai_domain::address::{parse_text, Phone};
use akinai_domain::address_book::{review_for_address, Recipient, RecipientInput, MAX_ADDRESSES};
use akinai_domain::checkout::{CheckoutDetails, FieldErrors};
use akinai_domain::ids::AddressId;
use akinai_store::{AddressSaved, SavedAddress};

use super::mail::AccountMail;
use super::{events, Client, Member};
use crate::CoreError;

fn form_errors(errors: FieldErrors) -> CoreError {
    CoreError::InvalidForm(
        errors
            .into_iter()
            .map(|(name, e)| (name, e.message_key()))
            .collect(),
    )
}

/// A member's own data: profile, address book, the review of orders to a fresh address,
/// and deleting the account.
#[derive(Clone)]
pub struct Profiles {
    pub(crate) base: Base,
    pub(crate) member_store: Arc<dyn MemberStore>,
    pub(crate) order_store: Arc<dyn OrderStore>,
    pub(crate) common: AccountCommon,
}

impl Profiles {
    /// The member's address book, oldest first.
    pub async fn member_addresses(&self, member: &Member) -> Result<Vec<SavedAddress>, CoreError> {
        Ok(self.member_store.addresses(member.customer.id).await?)
    }

    /// Adds an address (`id` = None) or changes one of the member's; needs the current password.
    pub async fn save_member_address(
        &self,
        member: &Member,
        id: Option<AddressId>,
        input: &RecipientInput,
        password: &str,
        client: &Client,
    ) -> Result<AddressId, CoreError> {
        let recipient = input.parse().map_err(CoreError::InvalidFields)?;
        self.common.reauthenticate(member, password).await?;
        let c = member.customer.id;
        let saved = self
            .member_store
            .save_address(c, id, &recipient, self.base.clock.now(), MAX_ADDRESSES)
            .await?;
        let id = match saved {
            AddressSaved::Saved(id) => id,
            AddressSaved::BookFull => {
                return Err(CoreError::InvalidForm(vec![(
                    "address",
                    "account.address_book_full",
                )]))
            }
            AddressSaved::NotFound => return Err(CoreError::NotFound),
        };
        self.profile_changed(member, "address", client).await?;
        Ok(id)
    }

    /// Deletes one of the member's addresses; needs the current password.
    pub async fn delete_member_address(
        &self,
        member: &Member,
        id: AddressId,
        password: &str,
        client: &Client,
    ) -> Result<(), CoreError> {
        self.common.reauthenticate(member, password).await?;
        if !self
            .member_store
            .delete_address(member.customer.id, id)
            .await?
        {
            return Err(CoreError::NotFound);
        }
        self.profile_changed(member, "address", client).await
    }

    /// Changes the member's name and phone; needs the current password.
    pub async fn update_profile(
        &self,
        member: &Member,
        name: &str,
        phone: &str,
        password: &str,
        client: &Client,
    ) -> Result<(), CoreError> {
        let mut errors: FieldErrors = Vec::new();
        let name = parse_text(name, 50)
            .map_err(|e| errors.push(("name", e)))
            .ok();
        let phone = if phone.trim().is_empty() {
            Some(None)
        } else {
            Phone::parse(phone)
                .map(Some)
                .map_err(|e| errors.push(("phone", e)))
                .ok()
        };
        let (Some(name), Some(phone)) = (name, phone) else {
            return Err(form_errors(errors));
        };
        self.common.reauthenticate(member, password).await?;
        self.member_store
            .set_profile(member.customer.id, &name, phone.as_ref().map(Phone::as_str))
            .await?;
        self.profile_changed(member, "profile", client).await
    }

    async fn profile_changed(
        &self,
        member: &Member,
        what: &str,
        client: &Client,
    ) -> Result<(), CoreError> {
        let c = member.customer.id;
        self.common
            .enqueue_account_mail(AccountMail::ProfileChanged, c, None)
            .await?;
        let kind = if what == "address" {
            events::ADDRESS_CHANGED
        } else {
            events::PROFILE_CHANGED
        };
        self.common
            .account_event(kind, Some(client), json!({ "customer": c.0 }))
            .await
    }

    /// The checkout form's starting values for a member: the first address of the book, else
    /// the details of the latest order, else the member's name and e-mail address.
    pub async fn member_checkout_defaults(
        &self,
        member: &Member,
    ) -> Result<akinai_domain::checkout::CheckoutInput, CoreError> {
        use akinai_domain::checkout::CheckoutInput;
        let base = CheckoutInput {
            name: member.customer.name.clone(),
            email: member.customer.email.clone(),
            phone: member.customer.phone.clone().unwrap_or_default(),
            ..CheckoutInput::default()
        };
        if let Some(first) = self
            .member_store
            .addresses(member.customer.id)
            .await?
            .first()
        {
            return Ok(first.recipient.fill(base));
        }
        let latest = self
            .order_store
            .customer_orders(member.customer.id, None, 1)
            .await?;
        if let Some(summary) = latest.first() {
            if let Some(order) = self.order_store.order(summary.id).await? {
                // The address carries over; a delivery date from then does not.
                return Ok(CheckoutInput {
                    delivery_date: String::new(),
                    delivery_slot: String::new(),
                    gift: String::new(),
                    ..CheckoutInput::from(&order.details)
                });
            }
        }
        Ok(base)
    }

    /// CCSG-F-3c: why a member's order to these details must be reviewed before shipping —
    /// the delivery address entered the address book (or was typed at checkout) within the
    /// review window of an established account.
    pub(crate) async fn address_review(
        &self,
        member: &Member,
        details: &CheckoutDetails,
    ) -> Result<Option<String>, CoreError> {
        let recipient = Recipient::of(details);
        let known_since = self
            .member_store
            .addresses(member.customer.id)
            .await?
            .into_iter()
            .filter(|a| a.recipient.same_place(&recipient))
            .map(|a| a.changed_at)
            .min();
        // An address the member has ordered to before the window counts as known as well.
        let known_since = match known_since {
            Some(t) => Some(t),
            None => self.earliest_order_to(member, &recipient).await?,
        };
        Ok(review_for_address(
            member.customer.created_at,
            known_since,
            self.base.clock.now(),
            self.base.config.accounts.address_review_window,
        )
        .map(|r| r.as_str().to_string()))
    }

    /// When the member first ordered to `recipient`'s address (looking at the latest 20 orders).
    async fn earliest_order_to(
        &self,
        member: &Member,
        recipient: &Recipient,
    ) -> Result<Option<chrono::DateTime<chrono::Utc>>, CoreError> {
        let mut earliest = None;
        for summary in self
            .order_store
            .customer_orders(member.customer.id, None, 20)
            .await?
        {
            if let Some(order) = self.order_store.order(summary.id).await? {
                if Recipient::of(&order.details).same_place(recipient) {
                    earliest = Some(order.placed_at);
                }
            }
        }
        Ok(earliest)
    }

    /// Deletes the member's account (current password and an explicit confirmation): a last
    /// mail to the address, then everything personal erased in one transaction; orders stay
    /// (ADR 011).
    pub async fn delete_account(
        &self,
        member: &Member,
        password: &str,
        confirmed: bool,
        client: &Client,
    ) -> Result<(), CoreError> {
        if !confirmed {
            return Err(CoreError::InvalidForm(vec![(
                "confirm",
                "account.delete_confirm_needed",
            )]));
        }
        self.common.reauthenticate(member, password).await?;
        let c = member.customer.id;
        self.common
            .enqueue_account_job_to(
                AccountMail::Deleted,
                c,
                &member.customer.email,
                json!({ "name": member.customer.name }),
            )
            .await?;
        let tombstone = format!("deleted-{}@akinai.invalid", c.0);
        self.member_store
            .erase_customer(c, &tombstone, self.base.clock.now())
            .await?;
        self.common
            .account_event(events::DELETED, Some(client), json!({ "customer": c.0 }))
            .await
    }
}
