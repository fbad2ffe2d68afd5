//! The handle other concerns and the gateway use to reach auth.

use super::messages::{AuthStats, Stats};
use super::{Auth, AuthError, AuthStore};
use crate::runtime::{CallMeta, ConcernHandle, Runtime};

#[derive(Clone)]
pub struct AuthClient {
    handle: ConcernHandle<Auth>,
}

impl AuthClient {
    /// Starts the auth concern on `runtime` and returns its handle.
    pub fn start(runtime: &Runtime, store: AuthStore) -> Self {
        Self {
            handle: runtime.start::<Auth>(store),
        }
    }

    pub async fn stats(&self, meta: CallMeta) -> Result<AuthStats, AuthError> {
        self.handle.call(Stats, meta).await
    }
}
