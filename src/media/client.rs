//! The handle other concerns and the gateway use to reach media.

use super::{Media, MediaDeps, MediaError};
use crate::runtime::{CallMeta, ConcernHandle, ConcernMessage, Handles, Runtime};

#[derive(Clone)]
pub struct MediaClient {
    handle: ConcernHandle<Media>,
}

impl MediaClient {
    /// Starts the media concern on `runtime` and returns its handle.
    pub fn start(runtime: &Runtime, deps: MediaDeps) -> Self {
        Self {
            handle: runtime.start::<Media>(deps),
        }
    }

    /// Sends any message of the media protocol (`media::messages`).
    pub async fn call<M>(&self, msg: M, meta: CallMeta) -> Result<M::Reply, MediaError>
    where
        Media: Handles<M>,
        M: ConcernMessage<Error = MediaError>,
    {
        self.handle.call(msg, meta).await
    }
}
