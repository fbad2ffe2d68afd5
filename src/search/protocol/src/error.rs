//! The search concern's one error type.

use serde::{Deserialize, Serialize};

use folio_seam::{CommonError, ConcernName};

#[derive(Debug, Clone, PartialEq, thiserror::Error, Serialize, Deserialize)]
pub enum SearchError {
    #[error(transparent)]
    Common(#[from] CommonError),
}

folio_seam::concern_error!(SearchError: ConcernName::Search);
