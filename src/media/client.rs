//! The handle other concerns and the gateway use to reach media.

/// Sends any message of the media protocol (`media::messages`).
pub type MediaClient = crate::runtime::Client<super::messages::MediaProtocol>;
