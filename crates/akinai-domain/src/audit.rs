//! The audit trail's hash chain (admin issue, item 4; IPA-C-12, IPA-C-13).
//!
//! Every entry carries the SHA-256 of the previous entry's hash and its own fields, so editing
//! an entry, deleting one from the middle or inserting one breaks the chain at that point, and
//! [`verify`] names the first entry that does not fit. Cutting entries off the end cannot be
//! seen from the chain alone: the head hash is logged with every append and kept by whoever
//! ships the exported log, and `verify` can be given the head to expect.

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

/// The hash before the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What an entry says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
    pub at: DateTime<Utc>,
    /// Who: `admin:<id>`, `cli:<name>`, `system`.
    pub actor: String,
    /// What kind of action, e.g. `admin.login`, `product.update`, `customer.export`.
    pub action: String,
    /// What it was done to, e.g. `product:12`; may be empty.
    pub target: String,
    pub ip: Option<String>,
    pub request_id: Option<String>,
    /// JSON text: before/after values and anything else worth keeping.
    pub detail: String,
}

/// A stored entry: its sequence number, the record and the chain values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainedEntry {
    pub seq: i64,
    pub record: AuditRecord,
    pub prev_hash: String,
    pub hash: String,
}

/// The hash of entry `seq` with `record` after `prev_hash`. Every field is length-prefixed, so
/// no two different entries serialise alike.
pub fn entry_hash(prev_hash: &str, seq: i64, record: &AuditRecord) -> String {
    let mut h = Sha256::new();
    let mut field = |bytes: &[u8]| {
        h.update((bytes.len() as u64).to_be_bytes());
        h.update(bytes);
    };
    field(prev_hash.as_bytes());
    field(&seq.to_be_bytes());
    field(&record.at.timestamp_micros().to_be_bytes());
    field(record.actor.as_bytes());
    field(record.action.as_bytes());
    field(record.target.as_bytes());
    field(record.ip.as_deref().unwrap_or("").as_bytes());
    field(record.request_id.as_deref().unwrap_or("").as_bytes());
    field(record.detail.as_bytes());
    to_hex(&h.finalize())
}

fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Where a chain stops fitting.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainBreak {
    #[error("entry {seq}: sequence number out of order (expected {expected})")]
    Gap { seq: i64, expected: i64 },
    #[error("entry {seq}: does not follow the entry before it")]
    Unlinked { seq: i64 },
    #[error("entry {seq}: its contents were changed")]
    Altered { seq: i64 },
    #[error("the chain ends at {found}, not at the expected head {expected}")]
    Truncated { found: String, expected: String },
}

/// Checks a chain entry by entry, so a long log never has to be held in memory.
#[derive(Debug, Clone)]
pub struct Verifier {
    prev: String,
    count: u64,
}

impl Default for Verifier {
    fn default() -> Verifier {
        Verifier {
            prev: GENESIS.to_string(),
            count: 0,
        }
    }
}

impl Verifier {
    /// Goes on after a prefix already verified: `entries` entries ending in `head`.
    pub fn resume(entries: u64, head: String) -> Verifier {
        Verifier {
            prev: head,
            count: entries,
        }
    }

    /// Checks the next entry (sequence numbers 1, 2, 3 …).
    pub fn push(&mut self, e: &ChainedEntry) -> Result<(), ChainBreak> {
        let expected = i64::try_from(self.count + 1).unwrap_or(i64::MAX);
        if e.seq != expected {
            return Err(ChainBreak::Gap {
                seq: e.seq,
                expected,
            });
        }
        if e.prev_hash != self.prev {
            return Err(ChainBreak::Unlinked { seq: e.seq });
        }
        if entry_hash(&e.prev_hash, e.seq, &e.record) != e.hash {
            return Err(ChainBreak::Altered { seq: e.seq });
        }
        self.prev.clone_from(&e.hash);
        self.count += 1;
        Ok(())
    }

    /// The number of entries and the head hash, checked against `expected_head` if given.
    pub fn finish(self, expected_head: Option<&str>) -> Result<(u64, String), ChainBreak> {
        match expected_head {
            Some(head) if head != self.prev => Err(ChainBreak::Truncated {
                found: self.prev,
                expected: head.to_string(),
            }),
            _ => Ok((self.count, self.prev)),
        }
    }
}

/// Checks a whole chain in order; returns the number of entries and the head hash.
pub fn verify(
    entries: impl IntoIterator<Item = ChainedEntry>,
    expected_head: Option<&str>,
) -> Result<(u64, String), ChainBreak> {
    let mut v = Verifier::default();
    for e in entries {
        v.push(&e)?;
    }
    v.finish(expected_head)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn record(n: u32) -> AuditRecord {
        AuditRecord {
            at: Utc.with_ymd_and_hms(2026, 11, 26, 1, 0, n).unwrap(),
            actor: "admin:1".into(),
            action: "product.update".into(),
            target: format!("product:{n}"),
            ip: Some("127.0.0.1".into()),
            request_id: Some(format!("req-{n}")),
            detail: format!(
                r#"{{"before":{{"price":{n}}},"after":{{"price":{}}}}}"#,
                n + 1
            ),
        }
    }

    fn chain(n: u32) -> Vec<ChainedEntry> {
        let mut prev = GENESIS.to_string();
        (1..=n)
            .map(|i| {
                let r = record(i);
                let hash = entry_hash(&prev, i64::from(i), &r);
                let e = ChainedEntry {
                    seq: i64::from(i),
                    record: r,
                    prev_hash: prev.clone(),
                    hash: hash.clone(),
                };
                prev = hash;
                e
            })
            .collect()
    }

    #[test]
    fn an_intact_chain_verifies_with_its_head() {
        let c = chain(5);
        let head = c[4].hash.clone();
        assert_eq!(verify(c.clone(), None), Ok((5, head.clone())));
        assert_eq!(verify(c, Some(&head)), Ok((5, head)));
        assert_eq!(verify(Vec::new(), None), Ok((0, GENESIS.to_string())));
    }

    #[test]
    fn ipa_c_13_editing_deleting_inserting_or_truncating_is_found() {
        let mut edited = chain(5);
        edited[2].record.detail = r#"{"after":{"price":1}}"#.into();
        assert_eq!(verify(edited, None), Err(ChainBreak::Altered { seq: 3 }));
        // Editing and re-hashing one entry unlinks the next one.
        let mut rehashed = chain(5);
        rehashed[2].record.actor = "admin:2".into();
        rehashed[2].hash = entry_hash(&rehashed[2].prev_hash, 3, &rehashed[2].record);
        assert_eq!(verify(rehashed, None), Err(ChainBreak::Unlinked { seq: 4 }));
        let mut deleted = chain(5);
        deleted.remove(1);
        assert_eq!(
            verify(deleted, None),
            Err(ChainBreak::Gap {
                seq: 3,
                expected: 2
            })
        );
        let full = chain(5);
        let head = full[4].hash.clone();
        let truncated: Vec<_> = full.into_iter().take(4).collect();
        assert!(matches!(
            verify(truncated, Some(&head)),
            Err(ChainBreak::Truncated { .. })
        ));
    }

    #[test]
    fn fields_cannot_be_shifted_between_each_other() {
        let a = AuditRecord {
            actor: "ab".into(),
            action: "c".into(),
            ..record(1)
        };
        let b = AuditRecord {
            actor: "a".into(),
            action: "bc".into(),
            ..record(1)
        };
        assert_ne!(entry_hash(GENESIS, 1, &a), entry_hash(GENESIS, 1, &b));
    }
}
