//! The handle other concerns and the gateway use to reach posts.

use super::{Posts, PostsDeps, PostsError};
use crate::runtime::{CallMeta, ConcernHandle, ConcernMessage, Handles, Runtime};

#[derive(Clone)]
pub struct PostsClient {
    handle: ConcernHandle<Posts>,
}

impl PostsClient {
    /// Starts the posts concern on `runtime` and returns its handle.
    pub fn start(runtime: &Runtime, deps: PostsDeps) -> Self {
        Self {
            handle: runtime.start::<Posts>(deps),
        }
    }

    /// Sends any message of the posts protocol (`posts::messages`).
    pub async fn call<M>(&self, msg: M, meta: CallMeta) -> Result<M::Reply, PostsError>
    where
        Posts: Handles<M>,
        M: ConcernMessage<Error = PostsError>,
    {
        self.handle.call(msg, meta).await
    }
}
