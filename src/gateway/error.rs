//! How every concern's error becomes an HTTP response: the one place statuses are chosen.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, ContentType};
use actix_web::{HttpRequest, HttpResponse, ResponseError};
use serde::Serialize;

use crate::auth::AuthError;
use crate::media::MediaError;
use crate::posts::PostsError;
use crate::runtime::{ConcernName, Failure};

/// An error as the API answers it: `{"error": {"code", "message", "concern"?}}`.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
    concern: Option<ConcernName>,
    retry_after_secs: Option<u64>,
}

#[derive(Serialize)]
struct Body<'a> {
    error: Detail<'a>,
}

#[derive(Serialize)]
struct Detail<'a> {
    code: &'a str,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    concern: Option<ConcernName>,
}

impl ApiError {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            concern: None,
            retry_after_secs: None,
        }
    }

    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    /// An unexpected error: logged in full here, answered with a sentence only.
    pub fn internal(concern: ConcernName, detail: &str) -> Self {
        tracing::error!(%concern, detail, "unexpected error");
        Self {
            concern: Some(concern),
            ..Self::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                format!("the {concern} service hit an unexpected error; it has been logged"),
            )
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status);
        if let Some(secs) = self.retry_after_secs {
            response.insert_header((header::RETRY_AFTER, secs.to_string()));
        }
        response.insert_header(header::CacheControl(vec![header::CacheDirective::NoStore]));
        response.json(Body {
            error: Detail {
                code: self.code,
                message: &self.message,
                concern: self.concern,
            },
        })
    }
}

impl From<Failure> for ApiError {
    fn from(failure: Failure) -> Self {
        let (status, code, retry_after_secs) = match &failure {
            Failure::Crashed { .. } => {
                (StatusCode::SERVICE_UNAVAILABLE, "concern_crashed", Some(1))
            }
            Failure::Unavailable {
                retry_after_secs, ..
            } => (
                StatusCode::SERVICE_UNAVAILABLE,
                "concern_unavailable",
                Some(*retry_after_secs),
            ),
            Failure::Timeout { .. } => (StatusCode::GATEWAY_TIMEOUT, "concern_timeout", None),
            Failure::Busy { .. } => (StatusCode::SERVICE_UNAVAILABLE, "busy", Some(1)),
            Failure::Injected { .. } => (StatusCode::INTERNAL_SERVER_ERROR, "injected_fault", None),
        };
        Self {
            status,
            code,
            message: failure.to_string(),
            concern: Some(failure.concern()),
            retry_after_secs,
        }
    }
}

impl From<AuthError> for ApiError {
    fn from(error: AuthError) -> Self {
        match error {
            AuthError::Runtime(failure) => failure.into(),
            AuthError::Unexpected(detail) => Self::internal(ConcernName::Auth, &detail),
        }
    }
}

impl From<PostsError> for ApiError {
    fn from(error: PostsError) -> Self {
        match error {
            PostsError::Runtime(failure) => failure.into(),
            PostsError::Unexpected(detail) => Self::internal(ConcernName::Posts, &detail),
        }
    }
}

impl From<MediaError> for ApiError {
    fn from(error: MediaError) -> Self {
        match error {
            MediaError::Runtime(failure) => failure.into(),
            MediaError::Unexpected(detail) => Self::internal(ConcernName::Media, &detail),
        }
    }
}

/// Unknown routes: JSON for the API, a readable page for people.
pub async fn not_found(request: HttpRequest) -> HttpResponse {
    if request.path().starts_with("/api/") {
        return ApiError::not_found(format!(
            "there is no API route {} {}",
            request.method(),
            request.path()
        ))
        .error_response();
    }
    HttpResponse::NotFound()
        .content_type(ContentType::html())
        .body(super::assets::page("Not found", "<h1>Page not found</h1><p>There is nothing at this address. <a href=\"/\">Go to the home page</a>.</p>"))
}
