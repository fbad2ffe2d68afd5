//! The handle other concerns and the gateway use to reach auth.

/// Sends any message of the auth protocol (`auth::messages`).
pub type AuthClient = folio_seam::Client<super::messages::AuthProtocol>;
