//! The handle other concerns and the gateway use to reach render.

/// Sends any message of the render protocol (`render::messages`).
pub type RenderClient = crate::runtime::Client<super::messages::RenderProtocol>;
