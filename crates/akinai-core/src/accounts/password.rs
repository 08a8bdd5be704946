//! Password hashing (SWS-C2-5): Argon2id with the parameters recorded in each PHC string, so a
//! hash made under older parameters is recognised and upgraded at the next successful login.
//! Hashing runs on the blocking pool, never on the async executor, and at most
//! [`HashConfig::concurrency`] hashes run at once while at most [`HashConfig::queue`] wait:
//! beyond that the request is refused as busy, so a login flood cannot exhaust the CPU or memory
//! (each hash holds `memory_kib` of memory). A verification against a fixed dummy hash is run
//! for unknown accounts, so both cases take the same time.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use tokio::sync::Semaphore;

use crate::CoreError;

/// Argon2id cost and the concurrency bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HashConfig {
    /// Memory per hash in KiB (OWASP's minimum for Argon2id: 19 MiB with t = 2).
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
    /// Hashes computed at once.
    pub concurrency: usize,
    /// Hashes that may wait for a slot; more are refused as busy.
    pub queue: usize,
}

impl Default for HashConfig {
    fn default() -> HashConfig {
        HashConfig {
            memory_kib: 19 * 1024,
            iterations: 2,
            parallelism: 1,
            concurrency: 2,
            queue: 64,
        }
    }
}

/// The bounded hasher of one process.
pub struct Hasher {
    config: HashConfig,
    slots: Semaphore,
    waiting: AtomicUsize,
    dummy: OnceLock<String>,
}

impl std::fmt::Debug for Hasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hasher")
            .field("config", &self.config)
            .finish()
    }
}

fn argon2(config: &HashConfig) -> Result<Argon2<'static>, CoreError> {
    let params = Params::new(
        config.memory_kib,
        config.iterations,
        config.parallelism,
        None,
    )
    .map_err(|e| CoreError::Integrity(format!("argon2 parameters: {e}")))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

fn hash_now(config: &HashConfig, password: &str) -> Result<String, CoreError> {
    let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
    argon2(config)?
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| CoreError::Integrity(format!("argon2: {e}")))
}

/// Whether `phc` was made with other parameters than `config`'s (or another algorithm).
fn outdated(config: &HashConfig, phc: &PasswordHash<'_>) -> bool {
    let get = |name: &str| phc.params.get_decimal(name);
    phc.algorithm.as_str() != "argon2id"
        || get("m") != Some(config.memory_kib)
        || get("t") != Some(config.iterations)
        || get("p") != Some(config.parallelism)
}

/// The result of checking a password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verified {
    No,
    Yes,
    /// Correct, and here is a hash under the current parameters to store instead.
    YesRehashed(String),
}

impl Hasher {
    pub fn new(config: HashConfig) -> Arc<Hasher> {
        Arc::new(Hasher {
            config,
            slots: Semaphore::new(config.concurrency.max(1)),
            waiting: AtomicUsize::new(0),
            dummy: OnceLock::new(),
        })
    }

    pub fn config(&self) -> HashConfig {
        self.config
    }

    /// Runs `work` on the blocking pool within the concurrency bound.
    async fn bounded<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> Result<T, CoreError> + Send + 'static,
    ) -> Result<T, CoreError> {
        if self.waiting.fetch_add(1, Ordering::SeqCst) >= self.config.queue {
            self.waiting.fetch_sub(1, Ordering::SeqCst);
            return Err(CoreError::Busy);
        }
        let permit = self.slots.acquire().await;
        self.waiting.fetch_sub(1, Ordering::SeqCst);
        let _permit = permit.map_err(|_| CoreError::Busy)?;
        tokio::task::spawn_blocking(work)
            .await
            .map_err(|e| CoreError::Integrity(format!("hashing task: {e}")))?
    }

    /// A new Argon2id hash of `password` (PHC string).
    pub async fn hash(&self, password: String) -> Result<String, CoreError> {
        let config = self.config;
        self.bounded(move || hash_now(&config, &password)).await
    }

    /// Checks `password` against `phc`, or against a dummy hash when there is no account
    /// (`phc` is `None`), which always fails but takes the same time.
    pub async fn verify(
        &self,
        password: String,
        phc: Option<String>,
    ) -> Result<Verified, CoreError> {
        let config = self.config;
        let known = phc.is_some();
        let phc = match phc {
            Some(p) => p,
            None => self.dummy()?,
        };
        self.bounded(move || {
            let Ok(parsed) = PasswordHash::new(&phc) else {
                return Ok(Verified::No);
            };
            let ok = Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok();
            Ok(match (ok && known, outdated(&config, &parsed)) {
                (false, _) => Verified::No,
                (true, false) => Verified::Yes,
                (true, true) => Verified::YesRehashed(hash_now(&config, &password)?),
            })
        })
        .await
    }

    fn dummy(&self) -> Result<String, CoreError> {
        if let Some(d) = self.dummy.get() {
            return Ok(d.clone());
        }
        let made = hash_now(&self.config, "akinai dummy password for unknown accounts")?;
        Ok(self.dummy.get_or_init(|| made).clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cheap() -> HashConfig {
        HashConfig {
            memory_kib: 1024,
            iterations: 1,
            ..HashConfig::default()
        }
    }

    #[tokio::test]
    async fn hashes_verify_and_carry_their_parameters() {
        let h = Hasher::new(cheap());
        let phc = h.hash("correct horse battery".into()).await.unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=1024,t=1,p=1$"), "{phc}");
        assert_eq!(
            h.verify("correct horse battery".into(), Some(phc.clone()))
                .await
                .unwrap(),
            Verified::Yes
        );
        assert_eq!(
            h.verify("wrong".into(), Some(phc.clone())).await.unwrap(),
            Verified::No
        );
        assert_eq!(
            h.verify("anything".into(), None).await.unwrap(),
            Verified::No,
            "no account never verifies"
        );
        assert_eq!(
            h.verify("x".into(), Some("not a hash".into()))
                .await
                .unwrap(),
            Verified::No
        );
    }

    #[tokio::test]
    async fn hashes_under_old_parameters_are_upgraded_on_success() {
        let old = Hasher::new(cheap());
        let phc = old.hash("correct horse battery".into()).await.unwrap();
        let new = Hasher::new(HashConfig {
            memory_kib: 2048,
            ..cheap()
        });
        match new
            .verify("correct horse battery".into(), Some(phc))
            .await
            .unwrap()
        {
            Verified::YesRehashed(upgraded) => {
                assert!(upgraded.contains("m=2048,t=1,p=1"), "{upgraded}")
            }
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test]
    async fn a_full_queue_is_refused_as_busy() {
        let h = Hasher::new(HashConfig {
            concurrency: 1,
            queue: 0,
            ..cheap()
        });
        assert!(matches!(h.hash("x".into()).await, Err(CoreError::Busy)));
    }
}
