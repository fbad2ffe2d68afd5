//! The handle other concerns and the gateway use to reach media.

/// Sends any message of the media protocol (`media::messages`).
pub type MediaClient = folio_seam::Client<super::messages::MediaProtocol>;
