//! The render concern's one error type.

use serde::{Deserialize, Serialize};

use folio_seam::{ConcernError, ConcernName, Failure, PoolError};

#[derive(Debug, Clone, PartialEq, thiserror::Error, Serialize, Deserialize)]
pub enum RenderError {
    #[error(transparent)]
    Runtime(#[from] Failure),
    #[error("the Markdown is {size} bytes; the limit is {max}")]
    TooLarge { size: usize, max: usize },
    #[error("the Markdown nests blockquotes or lists more than {max} levels deep")]
    TooDeep { max: usize },
    #[error("the render service hit an unexpected error: {0}")]
    Unexpected(String),
}

impl From<PoolError> for RenderError {
    fn from(error: PoolError) -> Self {
        let concern = ConcernName::Render;
        match error {
            PoolError::Busy(_) => Failure::Busy { concern }.into(),
            // A panic in the renderer is a crash of this request only: the
            // pool keeps its thread and the next document renders.
            PoolError::Panicked { message, .. } => {
                tracing::error!(panic = %message, "the renderer panicked");
                Failure::Crashed { concern }.into()
            }
            PoolError::Closed(_) => Failure::Unavailable {
                concern,
                retry_after_secs: 1,
            }
            .into(),
        }
    }
}

impl ConcernError for RenderError {
    fn is_fault(&self) -> bool {
        matches!(self, RenderError::Runtime(_) | RenderError::Unexpected(_))
    }

    fn as_failure(&self) -> Option<&Failure> {
        match self {
            RenderError::Runtime(failure) => Some(failure),
            _ => None,
        }
    }
}
