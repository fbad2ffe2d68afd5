//! The auth concern's actor state and its message handlers.

use futures::future::LocalBoxFuture;

use super::messages::{AuthStats, Stats};
use super::{AuthError, AuthStore};
use crate::runtime::{CallMeta, Concern, ConcernName, Handles};

pub struct Auth {
    store: AuthStore,
}

impl Concern for Auth {
    const NAME: ConcernName = ConcernName::Auth;
    type Deps = AuthStore;

    fn start(store: &AuthStore) -> Self {
        Self {
            store: store.clone(),
        }
    }
}

impl Handles<Stats> for Auth {
    fn handle(
        &mut self,
        _: Stats,
        _: &CallMeta,
    ) -> LocalBoxFuture<'static, Result<AuthStats, AuthError>> {
        let store = self.store.clone();
        Box::pin(async move { Ok(store.stats().await?) })
    }
}
