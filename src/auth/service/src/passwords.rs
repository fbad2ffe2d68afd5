//! Password hashing with Argon2id at the OWASP minimum (m=19 MiB, t=2, p=1), run
//! in a bounded pool so a burst of sign-ins never stalls the async workers.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

use super::AuthError;
use super::domain::Password;
use folio_runtime::CpuPool;

fn argon2() -> Result<Argon2<'static>, AuthError> {
    let params = Params::new(19 * 1024, 2, 1, None)
        .map_err(|e| AuthError::unexpected(format!("argon2 parameters: {e}")))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

fn hash_now(password: &str) -> Result<String, AuthError> {
    let salt = SaltString::generate(&mut OsRng);
    argon2()?
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| AuthError::unexpected(format!("hashing a password: {e}")))
}

fn verify_now(password: &str, hash: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(hash) else {
        return false;
    };
    argon2().is_ok_and(|argon2| argon2.verify_password(password.as_bytes(), &parsed).is_ok())
}

#[derive(Clone)]
pub struct Passwords {
    pool: CpuPool,
    /// Verified against when the email is unknown, so that answer takes as long
    /// as a wrong password does.
    dummy_hash: Arc<str>,
    /// Verifications started since the process began: the figure that shows
    /// whether the sign-in limits hold (`GET /api/v1/admin/stats/auth`).
    verifications: Arc<AtomicU64>,
}

impl Passwords {
    pub async fn new(pool: CpuPool) -> anyhow::Result<Self> {
        let dummy: [u8; 16] = rand::random();
        let dummy = format!("{dummy:x?}");
        let dummy_hash = pool
            .run(move || hash_now(&dummy))
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        Ok(Self {
            pool,
            dummy_hash: dummy_hash.into(),
            verifications: Arc::default(),
        })
    }

    /// How many passwords have been verified (including the dummy verifications).
    pub fn verifications(&self) -> u64 {
        self.verifications.load(Ordering::Relaxed)
    }

    pub async fn hash(&self, password: &Password) -> Result<String, AuthError> {
        let password = password.as_str().to_owned();
        self.pool.run(move || hash_now(&password)).await?
    }

    /// Whether `password` matches `hash`; with no hash, spends the same time and says no.
    pub async fn verify(&self, password: &str, hash: Option<&str>) -> Result<bool, AuthError> {
        self.verifications.fetch_add(1, Ordering::Relaxed);
        let known = hash.is_some();
        let password = password.to_owned();
        let hash = hash.map_or_else(|| self.dummy_hash.to_string(), str::to_owned);
        let matches = self.pool.run(move || verify_now(&password, &hash)).await?;
        Ok(matches && known)
    }
}
