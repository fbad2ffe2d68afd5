//! The posts concern's actor state and its message handlers.

use futures::future::LocalBoxFuture;

use super::messages::{PostsStats, Stats};
use super::{PostsError, PostsStore};
use crate::runtime::{Caller, Concern, ConcernName, Handles};

pub struct Posts {
    store: PostsStore,
}

impl Concern for Posts {
    const NAME: ConcernName = ConcernName::Posts;
    type Deps = PostsStore;

    fn start(store: &PostsStore) -> Self {
        Self {
            store: store.clone(),
        }
    }
}

impl Handles<Stats> for Posts {
    fn handle(
        &mut self,
        _: Stats,
        _: &Caller,
    ) -> LocalBoxFuture<'static, Result<PostsStats, PostsError>> {
        let store = self.store.clone();
        Box::pin(async move { Ok(store.stats().await?) })
    }
}
