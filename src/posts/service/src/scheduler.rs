//! Publishes scheduled posts when their time comes: a tick that asks the posts
//! concern to publish what is due. Because it asks the store, not a timer per
//! post, posts scheduled before a restart are published after it.

use std::time::Duration;

use super::PostsClient;
use super::messages::PublishDue;
use folio_runtime::CallMeta;

pub fn spawn(posts: PostsClient, every: Duration) {
    actix::spawn(async move {
        loop {
            let meta = CallMeta::new("scheduler", Duration::from_secs(5)).housekeeping();
            if let Err(error) = posts.call(PublishDue, meta).await {
                tracing::warn!(%error, "could not publish scheduled posts; trying again");
            }
            actix::clock::sleep(every).await;
        }
    });
}
