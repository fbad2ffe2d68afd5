//! The render concern's one error type.

use serde::{Deserialize, Serialize};

use folio_seam::{CommonError, ConcernName, Failure, PoolError};

#[derive(Debug, Clone, PartialEq, thiserror::Error, Serialize, Deserialize)]
pub enum RenderError {
    #[error(transparent)]
    Common(#[from] CommonError),
    #[error("the Markdown is {size} bytes; the limit is {max}")]
    TooLarge { size: usize, max: usize },
    #[error("the Markdown nests blockquotes or lists more than {max} levels deep")]
    TooDeep { max: usize },
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

folio_seam::concern_error!(RenderError: ConcernName::Render);
