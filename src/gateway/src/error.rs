//! How every concern's error becomes an HTTP response: the one place statuses are chosen.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, ContentType};
use actix_web::{HttpRequest, HttpResponse, ResponseError};
use serde::Serialize;

use folio_auth_protocol::AuthError;
use folio_media_protocol::MediaError;
use folio_posts_protocol::PostsError;
use folio_render_protocol::RenderError;
use folio_runtime::{CommonError, ConcernName, Failure};
use folio_search_protocol::SearchError;

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

/// Every API error: `{"error": {"code", "message", "concern"?}}`. What
/// [`ApiError`] writes, and what the OpenAPI document shows.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct ErrorBody {
    error: ErrorDetail,
}

#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct ErrorDetail {
    /// A stable, machine-readable code, such as `not_found` or `stale_revision`.
    code: String,
    /// A sentence for people.
    message: String,
    /// The concern (auth, posts, media or render) the error came from, when it
    /// was a failure of that concern rather than of the request.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    concern: Option<String>,
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

    pub fn unauthenticated() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "sign in first: the session or token is missing, expired or revoked",
        )
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    pub fn forbidden_code(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, code, message)
    }

    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, code, message)
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_input", message)
    }

    /// A job that reads the concerns (an export) could not finish: most
    /// often one of them was down or slow; trying again later may work.
    pub fn unfinished(message: impl Into<String>) -> Self {
        Self {
            retry_after_secs: Some(5),
            ..Self::new(StatusCode::SERVICE_UNAVAILABLE, "unfinished", message)
        }
    }

    pub fn too_large(message: impl Into<String>) -> Self {
        Self::new(StatusCode::PAYLOAD_TOO_LARGE, "too_large", message)
    }

    /// The client stopped sending its request body: the connection is closed
    /// with the answer, since what is left of the body may still arrive.
    pub fn body_stalled(idle: std::time::Duration) -> Self {
        Self::new(
            StatusCode::REQUEST_TIMEOUT,
            "request_timeout",
            format!(
                "the request body stopped arriving for {}; send it again",
                humantime::format_duration(idle)
            ),
        )
    }

    pub fn too_many_attempts(retry_after: std::time::Duration) -> Self {
        Self {
            retry_after_secs: Some(retry_after.as_secs_f64().ceil().max(1.0) as u64),
            ..Self::new(
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_attempts",
                "too many wrong passwords; wait a little and try again",
            )
        }
    }

    pub fn status(&self) -> StatusCode {
        self.status
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

impl ApiError {
    /// An unexpected error of the gateway's own (a disk it cannot write):
    /// logged in full here, answered with a sentence only.
    pub fn unexpected(detail: &str) -> Self {
        tracing::error!(detail, "unexpected error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "the server hit an unexpected error; it has been logged",
        )
    }

    /// One line per refused request (inside the request's span, so with its
    /// id), at the level an operator should care about: a client's mistake at
    /// INFO, shedding load or waiting out a restart at WARN (200 uploads at once
    /// used to log 189 ERROR lines for answers working as designed), anything
    /// else at ERROR. Internal errors' details are logged where they are made.
    fn log(&self) {
        let (status, code, message) = (self.status.as_u16(), self.code, self.message.as_str());
        let concern = self.concern.map(|c| c.to_string()).unwrap_or_default();
        if self.status.is_client_error() {
            tracing::info!(status, code, message, concern, "request refused");
        } else if self.retry_after_secs.is_some() {
            tracing::warn!(status, code, message, concern, "request refused for now");
        } else {
            tracing::error!(status, code, message, concern, "request failed");
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        self.log();
        let mut response = HttpResponse::build(self.status);
        if let Some(secs) = self.retry_after_secs {
            response.insert_header((header::RETRY_AFTER, secs.to_string()));
        }
        response.insert_header(header::CacheControl(vec![header::CacheDirective::NoStore]));
        if self.status == StatusCode::REQUEST_TIMEOUT {
            response.force_close();
        }
        response.json(ErrorBody {
            error: ErrorDetail {
                code: self.code.to_owned(),
                message: self.message.clone(),
                concern: self.concern.map(|concern| concern.as_str().to_owned()),
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
            Failure::Unauthenticated { .. } => (StatusCode::UNAUTHORIZED, "unauthenticated", None),
            Failure::NoResponders { .. } => (
                StatusCode::SERVICE_UNAVAILABLE,
                "concern_unavailable",
                Some(1),
            ),
            Failure::Undeliverable { .. } => {
                (StatusCode::INTERNAL_SERVER_ERROR, "undeliverable", None)
            }
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

/// The answers every concern shares, mapped once.
impl From<CommonError> for ApiError {
    fn from(error: CommonError) -> Self {
        let message = error.to_string();
        match error {
            CommonError::Runtime(failure) => failure.into(),
            CommonError::NotFound(_) => Self::not_found(message),
            CommonError::Forbidden(_) => Self::forbidden(message),
            CommonError::Unauthenticated => Self::unauthenticated(),
            CommonError::Invalid(_) => Self::invalid(message),
            CommonError::Conflict(_) => Self::new(StatusCode::CONFLICT, "conflict", message),
            CommonError::Unexpected { concern, detail } => Self::internal(concern, &detail),
        }
    }
}

impl From<AuthError> for ApiError {
    fn from(error: AuthError) -> Self {
        let message = error.to_string();
        match error {
            AuthError::Common(common) => common.into(),
            AuthError::InvalidCredentials => {
                Self::new(StatusCode::UNAUTHORIZED, "invalid_credentials", message)
            }
            AuthError::WrongPassword => Self::new(StatusCode::FORBIDDEN, "wrong_password", message),
            AuthError::EmailTaken => Self::new(StatusCode::CONFLICT, "email_taken", message),
            AuthError::SetupUnavailable => {
                Self::new(StatusCode::NOT_FOUND, "setup_unavailable", message)
            }
            AuthError::InviteUnavailable => {
                Self::new(StatusCode::NOT_FOUND, "invite_unavailable", message)
            }
            AuthError::TokenNameTaken(_) => {
                Self::new(StatusCode::CONFLICT, "token_name_taken", message)
            }
        }
    }
}

impl From<PostsError> for ApiError {
    fn from(error: PostsError) -> Self {
        let message = error.to_string();
        match error {
            PostsError::Common(common) => common.into(),
            PostsError::Unrenderable(_) => Self::invalid(message),
            PostsError::SlugTaken(_) => Self::new(StatusCode::CONFLICT, "slug_taken", message),
            PostsError::TagExists(_) => Self::new(StatusCode::CONFLICT, "tag_exists", message),
            PostsError::Stale { .. } => Self::new(StatusCode::CONFLICT, "stale_revision", message),
            PostsError::TooLarge(_) => Self::too_large(message),
            PostsError::RedirectExists(_) => {
                Self::new(StatusCode::CONFLICT, "redirect_exists", message)
            }
            PostsError::RedirectFromLive(_) => {
                Self::new(StatusCode::CONFLICT, "redirect_from_live", message)
            }
            PostsError::RedirectLoop(_) => {
                Self::new(StatusCode::CONFLICT, "redirect_loop", message)
            }
            PostsError::Live => Self::new(StatusCode::CONFLICT, "post_is_live", message),
        }
    }
}

impl From<RenderError> for ApiError {
    fn from(error: RenderError) -> Self {
        let message = error.to_string();
        match error {
            RenderError::Common(common) => common.into(),
            RenderError::TooLarge { .. } => Self::too_large(message),
            RenderError::TooDeep { .. } => Self::invalid(message),
        }
    }
}

impl From<SearchError> for ApiError {
    fn from(error: SearchError) -> Self {
        match error {
            SearchError::Common(common) => common.into(),
        }
    }
}

impl From<MediaError> for ApiError {
    fn from(error: MediaError) -> Self {
        let message = error.to_string();
        match error {
            MediaError::Common(common) => common.into(),
            MediaError::Unsupported(_) => Self::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_type",
                message,
            ),
            MediaError::Refused(_) => {
                Self::new(StatusCode::UNPROCESSABLE_ENTITY, "image_refused", message)
            }
        }
    }
}

/// Unknown routes: JSON for the API, a readable page for people.
pub(crate) async fn not_found(request: HttpRequest) -> HttpResponse {
    if request.path().starts_with("/api/") {
        return ApiError::not_found(format!(
            "there is no API route {} {}",
            request.method(),
            request.path()
        ))
        .error_response();
    }
    let services = request.app_data::<actix_web::web::Data<super::Services>>();
    if let Some(services) = services
        && let Some(moved) = super::redirects::answer(services, &request).await
    {
        return moved;
    }
    match services {
        Some(services) => services.pages.message(
            StatusCode::NOT_FOUND,
            "Page not found",
            "There is nothing at this address.",
            Some(super::pages::Link {
                href: "/",
                text: "Go to the home page",
            }),
        ),
        None => HttpResponse::NotFound()
            .content_type(ContentType::plaintext())
            .body("Page not found"),
    }
}
