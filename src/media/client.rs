//! The handle other concerns and the gateway use to reach media.

use super::messages::{MediaStats, Stats};
use super::{Media, MediaError, MediaStore};
use crate::runtime::{CallMeta, ConcernHandle, Runtime};

#[derive(Clone)]
pub struct MediaClient {
    handle: ConcernHandle<Media>,
}

impl MediaClient {
    /// Starts the media concern on `runtime` and returns its handle.
    pub fn start(runtime: &Runtime, store: MediaStore) -> Self {
        Self {
            handle: runtime.start::<Media>(store),
        }
    }

    pub async fn stats(&self, meta: CallMeta) -> Result<MediaStats, MediaError> {
        self.handle.call(Stats, meta).await
    }
}
