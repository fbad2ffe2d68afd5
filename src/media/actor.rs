//! The media concern's actor state and its message handlers.

use futures::future::LocalBoxFuture;

use super::messages::{MediaStats, Stats};
use super::{MediaError, MediaStore};
use crate::runtime::{Caller, Concern, ConcernName, Handles};

pub struct Media {
    store: MediaStore,
}

impl Concern for Media {
    const NAME: ConcernName = ConcernName::Media;
    type Deps = MediaStore;

    fn start(store: &MediaStore) -> Self {
        Self {
            store: store.clone(),
        }
    }
}

impl Handles<Stats> for Media {
    fn handle(
        &mut self,
        _: Stats,
        _: &Caller,
    ) -> LocalBoxFuture<'static, Result<MediaStats, MediaError>> {
        let store = self.store.clone();
        Box::pin(async move { Ok(store.stats().await?) })
    }
}
