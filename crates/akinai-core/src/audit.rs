//! The audit trail (admin issue, item 4; IPA-C-12, IPA-C-13): every administrative action —
//! from the admin screens and from the operator's command line — is appended to a hash-chained,
//! append-only log with actor, time, source, request id and before/after detail. `verify`
//! walks the chain; `export` writes it as JSON lines for shipping to separate storage. The head
//! hash is written to the application log with every append, so a log shipper keeps an anchor
//! that reveals a cut-off tail.

use crate::Base;
/// Which audit entries a page of the trail shows.
pub use akinai_store::AuditFilter;
use akinai_store::AuditStore;
use std::collections::HashMap;
use std::io::Write;
use std::net::IpAddr;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use akinai_domain::audit::{AuditRecord, ChainBreak, ChainedEntry, Verifier};
use akinai_domain::ids::AdminId;

use crate::CoreError;

/// Entries read per query when walking the log.
const PAGE: u32 = 1000;

/// A repeat view of the same personal data by the same actor within this time is the same
/// viewing (a reload, the page shown again after a step) and is not recorded again.
pub const SAME_VIEWING: chrono::Duration = chrono::Duration::minutes(5);

/// When each (actor, record) view was last recorded, for [`Audit::record_view`]; per process.
#[derive(Default)]
pub(crate) struct RecentViews(std::sync::Mutex<HashMap<(String, String), DateTime<Utc>>>);

impl RecentViews {
    /// Whether a view at `now` starts a new viewing; remembers it if so.
    fn is_new(&self, key: (String, String), now: DateTime<Utc>) -> bool {
        let Ok(mut seen) = self.0.lock() else {
            return true;
        };
        if seen.get(&key).is_some_and(|at| now - *at < SAME_VIEWING) {
            return false;
        }
        if seen.len() >= 10_000 {
            seen.retain(|_, at| now - *at < SAME_VIEWING);
        }
        seen.insert(key, now);
        true
    }
}

/// Who did it and from where.
#[derive(Debug, Clone, Default)]
pub struct AuditContext {
    /// `admin:<id>`, `cli:<name>` or `system`.
    pub actor: String,
    pub ip: Option<IpAddr>,
    pub request_id: Option<String>,
}

impl AuditContext {
    /// A signed-in admin (or one enrolling) acting from `client`.
    pub fn admin(id: AdminId, client: &crate::accounts::Client) -> AuditContext {
        AuditContext {
            actor: format!("admin:{id}"),
            ip: Some(client.ip),
            request_id: None,
        }
    }

    /// A signed-in member acting on their own account from `client` (e.g. a business
    /// application).
    pub fn customer(
        id: akinai_domain::ids::CustomerId,
        client: &crate::accounts::Client,
    ) -> AuditContext {
        AuditContext {
            actor: format!("customer:{}", id.0),
            ip: Some(client.ip),
            request_id: None,
        }
    }

    /// A guest (not signed in) from `client`, e.g. asking for a quote.
    pub fn guest(client: &crate::accounts::Client) -> AuditContext {
        AuditContext {
            actor: "guest".to_string(),
            ip: Some(client.ip),
            request_id: None,
        }
    }

    /// akinai itself, e.g. `system:scheduler` publishing a scheduled product.
    pub fn system(part: &str) -> AuditContext {
        AuditContext {
            actor: format!("system:{part}"),
            ..AuditContext::default()
        }
    }

    /// An operator at the command line, named by `--by`.
    pub fn cli(by: &str) -> AuditContext {
        AuditContext {
            actor: format!("cli:{}", by.chars().take(100).collect::<String>()),
            ..AuditContext::default()
        }
    }
}

/// The hash-chained audit trail: append, page through, verify, export.
#[derive(Clone)]
pub struct Audit {
    pub(crate) base: Base,
    pub(crate) audit_store: Arc<dyn AuditStore>,
    pub(crate) recent_views: Arc<RecentViews>,
    /// How far this process has verified the chain (see [`Audit::verify_audit_since_checkpoint`]).
    pub(crate) verified: Arc<std::sync::Mutex<Option<Checkpoint>>>,
}

/// A prefix of the chain this process verified: its length and head, and when the last walk
/// from the first entry was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Checkpoint {
    entries: u64,
    head: String,
    full_at: chrono::DateTime<chrono::Utc>,
}

/// How often the incremental check walks the whole chain again, so an entry changed before the
/// checkpoint is found within this time.
pub const FULL_VERIFY_EVERY: chrono::Duration = chrono::Duration::hours(24);

impl Audit {
    /// Appends an entry; `detail` holds before/after values and whatever explains the action.
    pub async fn record(
        &self,
        who: &AuditContext,
        action: &str,
        target: &str,
        detail: Value,
    ) -> Result<ChainedEntry, CoreError> {
        let record = AuditRecord {
            at: self.base.clock.now(),
            actor: who.actor.clone(),
            action: action.to_string(),
            target: target.to_string(),
            ip: who.ip.map(|ip| ip.to_string()),
            request_id: who.request_id.clone(),
            detail: detail.to_string(),
        };
        let entry = self.audit_store.append_audit(&record).await?;
        tracing::info!(target: "akinai::audit", seq = entry.seq, head = %entry.hash, action, actor = %who.actor, "audit");
        Ok(entry)
    }

    /// Records that `who` saw the personal data (`fields`) of `target` (IPA-C-8, IPA-C-12):
    /// one entry per viewing — the same actor seeing the same record again within
    /// [`SAME_VIEWING`] (a reload, the page shown again after a step) adds none.
    pub async fn record_view(
        &self,
        who: &AuditContext,
        target: &str,
        fields: &[&str],
    ) -> Result<(), CoreError> {
        let key = (who.actor.clone(), target.to_string());
        if self.recent_views.is_new(key, self.base.clock.now()) {
            self.record(
                who,
                "personal_data.viewed",
                target,
                json!({ "fields": fields }),
            )
            .await?;
        }
        Ok(())
    }

    /// The entries of one action, newest first (at most 10,000).
    pub async fn entries_of(&self, action: &str) -> Result<Vec<ChainedEntry>, CoreError> {
        Ok(self.audit_store.audit_entries_of(action, 10_000).await?)
    }

    /// Walks the whole chain; `Ok(Err(..))` names the first entry that does not fit.
    pub async fn verify_audit(
        &self,
        expected_head: Option<&str>,
    ) -> Result<Result<(u64, String), ChainBreak>, CoreError> {
        verify_chain(self.audit_store.as_ref(), expected_head).await
    }

    /// Verifies the chain from where this process last verified it (the dashboard and the
    /// self-assessment call this on every view, so years of entries stay quick): the entry at
    /// the checkpoint must still carry the hash seen, and each newer entry must fit. The whole
    /// chain is walked again when there is no checkpoint, when the checkpoint entry changed, and
    /// once every [`FULL_VERIFY_EVERY`]. `akinai audit verify` always walks it all.
    pub async fn verify_audit_since_checkpoint(
        &self,
    ) -> Result<Result<(u64, String), ChainBreak>, CoreError> {
        let now = self.base.clock.now();
        let saved = self
            .checkpoint()
            .filter(|c| now - c.full_at < FULL_VERIFY_EVERY);
        let start = match saved {
            Some(c) if self.still_there(&c).await? => Some(c),
            _ => None,
        };
        let (verifier, after, full_at) = match start {
            Some(c) => {
                let after = i64::try_from(c.entries).unwrap_or(i64::MAX);
                (Verifier::resume(c.entries, c.head), after, c.full_at)
            }
            None => (Verifier::default(), 0, now),
        };
        let verdict = walk(self.audit_store.as_ref(), verifier, after, None).await?;
        let next = verdict.as_ref().ok().map(|(entries, head)| Checkpoint {
            entries: *entries,
            head: head.clone(),
            full_at,
        });
        if let Ok(mut saved) = self.verified.lock() {
            *saved = next;
        }
        Ok(verdict)
    }

    fn checkpoint(&self) -> Option<Checkpoint> {
        self.verified.lock().ok().and_then(|c| c.clone())
    }

    /// Whether the checkpoint's entry is still stored as it was verified: the same hash, and
    /// contents that still hash to it.
    async fn still_there(&self, c: &Checkpoint) -> Result<bool, CoreError> {
        let Some(before) = c.entries.checked_sub(1) else {
            return Ok(true);
        };
        let before = i64::try_from(before).unwrap_or(i64::MAX);
        let entry = self.audit_store.audit_entries(before, 1).await?;
        Ok(entry.first().is_some_and(|e| {
            e.hash == c.head
                && u64::try_from(e.seq) == Ok(c.entries)
                && akinai_domain::audit::entry_hash(&e.prev_hash, e.seq, &e.record) == e.hash
        }))
    }

    /// Writes every entry after `after` as one JSON object per line; returns how many.
    pub async fn export_audit(&self, after: i64, out: &mut dyn Write) -> Result<u64, CoreError> {
        let mut after = after;
        let mut n = 0;
        loop {
            let page = self.audit_store.audit_entries(after, PAGE).await?;
            for e in &page {
                let detail: Value = serde_json::from_str(&e.record.detail).unwrap_or(Value::Null);
                let line = json!({
                    "seq": e.seq,
                    "at": e.record.at.to_rfc3339(),
                    "actor": e.record.actor,
                    "action": e.record.action,
                    "target": e.record.target,
                    "ip": e.record.ip,
                    "request_id": e.record.request_id,
                    "detail": detail,
                    "prev_hash": e.prev_hash,
                    "hash": e.hash,
                });
                writeln!(out, "{line}").map_err(|e| CoreError::Integrity(e.to_string()))?;
                n += 1;
            }
            match page.last() {
                Some(last) if page.len() == PAGE as usize => after = last.seq,
                _ => break,
            }
        }
        Ok(n)
    }

    /// The newest audit entries before `before` (50 per page), for owners and managers; with
    /// `action`, only that action's entries (its newest 50).
    pub async fn audit_page(
        &self,
        _by: &crate::admin::Authorized<akinai_domain::admin::ViewAudit>,
        before: Option<i64>,
        filter: &AuditFilter,
    ) -> Result<Vec<ChainedEntry>, CoreError> {
        Ok(self
            .audit_store
            .search_audit(filter, before.unwrap_or(i64::MAX), 50)
            .await?)
    }
}

/// Walks a store's whole chain; `Ok(Err(..))` names the first entry that does not fit. Also
/// used on a database no shop runs on yet (`akinai store copy` checks the copy's chain).
pub async fn verify_chain(
    store: &dyn AuditStore,
    expected_head: Option<&str>,
) -> Result<Result<(u64, String), ChainBreak>, CoreError> {
    walk(store, Verifier::default(), 0, expected_head).await
}

/// Verifies the entries after `after` with `verifier` (which has checked those before).
async fn walk(
    store: &dyn AuditStore,
    mut verifier: Verifier,
    mut after: i64,
    expected_head: Option<&str>,
) -> Result<Result<(u64, String), ChainBreak>, CoreError> {
    loop {
        let page = store.audit_entries(after, PAGE).await?;
        for e in &page {
            if let Err(broken) = verifier.push(e) {
                return Ok(Err(broken));
            }
        }
        match page.last() {
            Some(last) if page.len() == PAGE as usize => after = last.seq,
            _ => break,
        }
    }
    Ok(verifier.finish(expected_head))
}
