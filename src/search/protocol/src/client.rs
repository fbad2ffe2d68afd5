//! The handle other concerns and the gateway use to reach search.

/// Sends any message of the search protocol (`search::messages`).
pub type SearchClient = folio_seam::Client<super::messages::SearchProtocol>;
