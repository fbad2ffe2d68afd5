//! The handle other concerns and the gateway use to reach render.

use super::{Render, RenderDeps, RenderError};
use crate::runtime::{CallMeta, ConcernHandle, ConcernMessage, Handles, Runtime};

#[derive(Clone)]
pub struct RenderClient {
    handle: ConcernHandle<Render>,
}

impl RenderClient {
    /// Starts the render concern on `runtime` and returns its handle.
    pub fn start(runtime: &Runtime, deps: RenderDeps) -> Self {
        Self {
            handle: runtime.start::<Render>(deps),
        }
    }

    /// Sends any message of the render protocol (`render::messages`).
    pub async fn call<M>(&self, msg: M, meta: CallMeta) -> Result<M::Reply, RenderError>
    where
        Render: Handles<M>,
        M: ConcernMessage<Error = RenderError>,
    {
        self.handle.call(msg, meta).await
    }
}
