//! The handle other concerns and the gateway use to reach render.

/// Sends any message of the render protocol (`render::messages`).
pub type RenderClient = folio_seam::Client<super::messages::RenderProtocol>;
