//! Short-lived read caches for what nearly every page shows: shop settings, the category tree,
//! and product pages.
//!
//! Entries live for a configured time (a second or two) and are then read again, so several
//! nodes sharing one PostgreSQL database converge without any invalidation messages, and an
//! owner's edit shows within that time. Nothing that decides money or stock is read from here:
//! carts, checkout and order placement always read the store. A TTL of zero disables caching.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// What [`TtlCache::get_or_claim`] found.
#[derive(Debug)]
pub enum Lookup<V> {
    /// A fresh value.
    Fresh(Arc<V>),
    /// An expired value this caller is to compute again (the others get the old one meanwhile).
    Refresh,
    /// Nothing kept (or caching is off).
    Missing,
}

/// A map whose entries expire `ttl` after they were stored. Holds at most `capacity` entries;
/// when full, expired entries are dropped, and if none had expired the map starts over.
pub struct TtlCache<K, V> {
    ttl: Duration,
    capacity: usize,
    entries: Mutex<HashMap<K, (Instant, Arc<V>)>>,
}

impl<K: Eq + Hash + Clone, V> TtlCache<K, V> {
    pub fn new(ttl: Duration, capacity: usize) -> TtlCache<K, V> {
        TtlCache {
            ttl,
            capacity,
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// The cached value if it is still fresh.
    pub fn get(&self, key: &K) -> Option<Arc<V>> {
        if self.ttl.is_zero() {
            return None;
        }
        let entries = self.entries.lock().ok()?;
        entries
            .get(key)
            .filter(|(at, _)| at.elapsed() < self.ttl)
            .map(|(_, v)| v.clone())
    }

    /// The cached value if it is still fresh. Once it has expired, the first caller is told to
    /// [`Lookup::Refresh`] it — compute it again and [`TtlCache::put`] it — while the old value
    /// is kept as fresh for everyone else meanwhile, so one caller refreshes an entry and the
    /// others are served the previous value instead of all computing it at once (no stampede
    /// every `ttl` on a busy page). A caller that then fails should [`TtlCache::forget`] the key.
    pub fn get_or_claim(&self, key: &K) -> Lookup<V> {
        self.get_or_claim_at(key, Instant::now())
    }

    fn get_or_claim_at(&self, key: &K, now: Instant) -> Lookup<V> {
        if self.ttl.is_zero() {
            return Lookup::Missing;
        }
        let Ok(mut entries) = self.entries.lock() else {
            return Lookup::Missing;
        };
        let Some((at, value)) = entries.get_mut(key) else {
            return Lookup::Missing;
        };
        if now.saturating_duration_since(*at) < self.ttl {
            return Lookup::Fresh(value.clone());
        }
        *at = now;
        Lookup::Refresh
    }

    pub fn put(&self, key: K, value: Arc<V>) {
        if self.ttl.is_zero() {
            return;
        }
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= self.capacity && !entries.contains_key(&key) {
                let ttl = self.ttl;
                entries.retain(|_, (at, _)| at.elapsed() < ttl);
                if entries.len() >= self.capacity {
                    entries.clear();
                }
            }
            entries.insert(key, (Instant::now(), value));
        }
    }

    /// Forgets one entry (after a change made by this process).
    pub fn forget(&self, key: &K) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.remove(key);
        }
    }

    /// Forgets every entry (after a change that may touch any of them).
    pub fn clear(&self) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fresh_entries_are_served_and_expired_ones_are_not() {
        let c: TtlCache<u32, String> = TtlCache::new(Duration::from_secs(60), 10);
        c.put(1, Arc::new("a".into()));
        assert_eq!(c.get(&1).as_deref().map(String::as_str), Some("a"));
        c.forget(&1);
        assert!(c.get(&1).is_none());
        c.put(2, Arc::new("b".into()));
        c.put(3, Arc::new("c".into()));
        c.clear();
        assert!(c.get(&2).is_none() && c.get(&3).is_none());
        let expired: TtlCache<u32, String> = TtlCache::new(Duration::from_nanos(1), 10);
        expired.put(1, Arc::new("a".into()));
        std::thread::sleep(Duration::from_micros(10));
        assert!(expired.get(&1).is_none());
    }

    fn fresh(l: Lookup<String>) -> Option<String> {
        match l {
            Lookup::Fresh(v) => Some((*v).clone()),
            _ => None,
        }
    }

    #[test]
    fn an_expired_entry_is_refreshed_by_one_caller_while_the_others_keep_the_old_value() {
        let c: TtlCache<u32, String> = TtlCache::new(Duration::from_secs(60), 10);
        c.put(1, Arc::new("old".into()));
        let now = Instant::now();
        assert_eq!(fresh(c.get_or_claim_at(&1, now)).as_deref(), Some("old"));
        let later = now + Duration::from_secs(61);
        assert!(
            matches!(c.get_or_claim_at(&1, later), Lookup::Refresh),
            "the first caller refreshes"
        );
        for _ in 0..3 {
            assert_eq!(
                fresh(c.get_or_claim_at(&1, later)).as_deref(),
                Some("old"),
                "the others are served the old value meanwhile"
            );
        }
        c.put(1, Arc::new("new".into()));
        assert_eq!(fresh(c.get_or_claim(&1)).as_deref(), Some("new"));
        assert!(matches!(c.get_or_claim_at(&2, later), Lookup::Missing));
        let off: TtlCache<u32, String> = TtlCache::new(Duration::ZERO, 10);
        off.put(1, Arc::new("a".into()));
        assert!(matches!(off.get_or_claim(&1), Lookup::Missing));
    }

    #[test]
    fn zero_ttl_disables_the_cache() {
        let c: TtlCache<u32, u32> = TtlCache::new(Duration::ZERO, 10);
        c.put(1, Arc::new(1));
        assert!(c.get(&1).is_none());
    }

    #[test]
    fn capacity_is_bounded() {
        let c: TtlCache<u32, u32> = TtlCache::new(Duration::from_secs(60), 3);
        for i in 0..10 {
            c.put(i, Arc::new(i));
        }
        let held = (0..10).filter(|i| c.get(i).is_some()).count();
        assert!(held <= 3, "{held}");
        assert!(c.get(&9).is_some(), "the newest entry is kept");
    }
}
