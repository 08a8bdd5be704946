//! Card testing ("credit master") defence (payments issue, item 6; CCSG-V-5), decided without
//! IO. Card testers try many card numbers through a shop's checkout, few per identity or many
//! from one place. akinai counts, over the last hour, payment attempts (checkout sessions
//! opened) and declines (reported by the provider) per source address, cart (the shopper's
//! session), account, e-mail address and delivery address, and site-wide. After a first decline
//! (or many attempts) from a source or cart, each further card payment must pass the bot
//! challenge; past a threshold the next card payment from that identity is refused; a site-wide decline rate past its threshold
//! raises an alert and, if the shop chose so, pauses card payments until an owner resumes them.
//! The shopper always reads the same message, whatever tripped.

use serde::{Deserialize, Serialize};

/// Attempts and declines of one identity in the window.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    pub attempts: i64,
    pub declines: i64,
}

/// The tallies for one payment about to start.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tallies {
    pub source: Tally,
    pub cart: Tally,
    pub account: Tally,
    pub email: Tally,
    pub address: Tally,
    pub site: Tally,
}

/// The shop's thresholds (shop settings; defaults suit a small shop).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CardTestingRules {
    /// Declines of one source, cart, account, e-mail or address in an hour after which its card
    /// payments are refused for the rest of the hour.
    pub declines_per_identity: i64,
    /// Checkout sessions one source may open in an hour (many orders, few declines reported
    /// yet: testers who abandon sessions).
    pub attempts_per_source: i64,
    /// Site-wide: with at least `site_min_attempts` attempts in the hour, a decline share of
    /// `site_decline_percent` or more is a spike.
    pub site_min_attempts: i64,
    pub site_decline_percent: i64,
    /// Pause card payments site-wide on a spike, until an owner resumes them.
    pub pause_on_spike: bool,
    /// Declines of the source or cart in the hour after which each further card payment must
    /// first pass the bot challenge.
    pub challenge_after_declines: i64,
}

impl Default for CardTestingRules {
    fn default() -> CardTestingRules {
        CardTestingRules {
            declines_per_identity: 3,
            attempts_per_source: 10,
            site_min_attempts: 20,
            site_decline_percent: 50,
            pause_on_spike: true,
            challenge_after_declines: 1,
        }
    }
}

/// Which identity went over its threshold (for the log and the alert, never the shopper).
pub type Tripped = &'static str;

/// Whether a card payment may start now; `Err` names what tripped.
pub fn may_start(t: &Tallies, r: &CardTestingRules) -> Result<(), Tripped> {
    let over = |tally: Tally| tally.declines >= r.declines_per_identity;
    if over(t.source) {
        return Err("source_declines");
    }
    if t.source.attempts >= r.attempts_per_source {
        return Err("source_attempts");
    }
    if over(t.cart) {
        return Err("session_declines");
    }
    if over(t.account) {
        return Err("account_declines");
    }
    if over(t.email) {
        return Err("email_declines");
    }
    if over(t.address) {
        return Err("address_declines");
    }
    Ok(())
}

/// Whether a card payment that may start must first pass the bot challenge: the source or the
/// cart has been declined already this hour, or the source opened half its allowance.
pub fn needs_challenge(t: &Tallies, r: &CardTestingRules) -> bool {
    t.source.declines >= r.challenge_after_declines
        || t.cart.declines >= r.challenge_after_declines
        || t.source.attempts * 2 >= r.attempts_per_source
}

/// Whether the site-wide decline rate is a spike.
pub fn spike(site: Tally, r: &CardTestingRules) -> bool {
    site.attempts >= r.site_min_attempts
        && site.declines * 100 >= r.site_decline_percent * site.attempts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tally(attempts: i64, declines: i64) -> Tally {
        Tally { attempts, declines }
    }

    #[test]
    fn ccsg_v_5_each_identity_trips_at_its_threshold() {
        let r = CardTestingRules::default();
        assert_eq!(may_start(&Tallies::default(), &r), Ok(()));
        let mut t = Tallies {
            source: tally(9, 2),
            ..Tallies::default()
        };
        assert_eq!(may_start(&t, &r), Ok(()));
        t.source = tally(9, 3);
        assert_eq!(may_start(&t, &r), Err("source_declines"));
        t.source = tally(10, 0);
        assert_eq!(may_start(&t, &r), Err("source_attempts"));
        for (field, expected) in [
            ("cart", "session_declines"),
            ("account", "account_declines"),
            ("email", "email_declines"),
            ("address", "address_declines"),
        ] {
            let mut t = Tallies::default();
            match field {
                "cart" => t.cart = tally(3, 3),
                "account" => t.account = tally(3, 3),
                "email" => t.email = tally(3, 3),
                _ => t.address = tally(3, 3),
            }
            assert_eq!(may_start(&t, &r), Err(expected));
        }
    }

    #[test]
    fn ccsg_v_5_the_challenge_comes_before_the_refusal() {
        let r = CardTestingRules::default();
        assert!(!needs_challenge(&Tallies::default(), &r));
        let declined_once = Tallies {
            cart: tally(1, 1),
            ..Tallies::default()
        };
        assert!(needs_challenge(&declined_once, &r));
        assert_eq!(may_start(&declined_once, &r), Ok(()));
        let busy = Tallies {
            source: tally(5, 0),
            ..Tallies::default()
        };
        assert!(needs_challenge(&busy, &r));
    }

    #[test]
    fn ccsg_v_5_a_site_wide_spike_needs_enough_attempts() {
        let r = CardTestingRules::default();
        assert!(!spike(tally(10, 10), &r), "too few to judge");
        assert!(!spike(tally(40, 19), &r));
        assert!(spike(tally(40, 20), &r));
    }
}
