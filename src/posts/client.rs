//! The handle other concerns and the gateway use to reach posts.

use super::messages::{PostsStats, Stats};
use super::{Posts, PostsError, PostsStore};
use crate::runtime::{CallMeta, ConcernHandle, Runtime};

#[derive(Clone)]
pub struct PostsClient {
    handle: ConcernHandle<Posts>,
}

impl PostsClient {
    /// Starts the posts concern on `runtime` and returns its handle.
    pub fn start(runtime: &Runtime, store: PostsStore) -> Self {
        Self {
            handle: runtime.start::<Posts>(store),
        }
    }

    pub async fn stats(&self, meta: CallMeta) -> Result<PostsStats, PostsError> {
        self.handle.call(Stats, meta).await
    }
}
