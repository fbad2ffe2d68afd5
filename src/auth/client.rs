//! The handle other concerns and the gateway use to reach auth.

use super::{Auth, AuthDeps, AuthError};
use crate::runtime::{CallMeta, ConcernHandle, ConcernMessage, Handles, Runtime};

#[derive(Clone)]
pub struct AuthClient {
    handle: ConcernHandle<Auth>,
}

impl AuthClient {
    /// Starts the auth concern on `runtime` and returns its handle.
    pub fn start(runtime: &Runtime, deps: AuthDeps) -> Self {
        Self {
            handle: runtime.start::<Auth>(deps),
        }
    }

    /// Sends any message of the auth protocol (`auth::messages`).
    pub async fn call<M>(&self, msg: M, meta: CallMeta) -> Result<M::Reply, AuthError>
    where
        Auth: Handles<M>,
        M: ConcernMessage<Error = AuthError>,
    {
        self.handle.call(msg, meta).await
    }
}
