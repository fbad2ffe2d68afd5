//! Signing in and out, and who am I: `/api/v1/session`, `/api/v1/me`.

use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};
use serde::{Deserialize, Serialize};
use tracing_actix_web::RequestId;

use super::error::ErrorBody;
use super::identity::{csrf_token, expired_session_cookie, same_origin, session_cookie};
use super::{ApiError, Identity, Services};
use folio_auth_protocol::AuthError;
use folio_auth_protocol::domain::{Password, Secret};
use folio_auth_protocol::messages::{
    ChangePassword, ListSessions, Method, RevokeSession, SessionGranted, SessionView, SignIn,
    SignOut, UserView,
};

pub(crate) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(sign_in)
        .service(sign_out)
        .service(me)
        .service(change_password)
        .service(list_sessions)
        .service(revoke_session);
}

#[derive(Deserialize, utoipa::ToSchema)]
pub(super) struct SignInBody {
    email: String,
    password: String,
}

/// A new session: the cookie is set; send `csrf_token` back as `X-CSRF-Token` on every change.
#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct SignedIn {
    user: UserView,
    csrf_token: String,
    expires_at: chrono::DateTime<chrono::Utc>,
}

/// Starts a session: sets the cookie and answers with the CSRF token the
/// browser must send back on every change.
pub(crate) fn granted(services: &Services, granted: SessionGranted) -> HttpResponse {
    let lifetime = (granted.expires_at - chrono::Utc::now())
        .to_std()
        .unwrap_or_default();
    let csrf_token = csrf_token(services, &granted.secret);
    HttpResponse::Ok()
        .cookie(session_cookie(
            services,
            granted.secret.expose().to_owned(),
            lifetime,
        ))
        .insert_header(("Cache-Control", "no-store"))
        .json(SignedIn {
            user: granted.user,
            csrf_token,
            expires_at: granted.expires_at,
        })
}

/// Signs in with email and password.
///
/// Sets the session cookie and answers with the CSRF token that every change
/// made with this session must send back as `X-CSRF-Token`.
#[utoipa::path(
    tag = "session",
    request_body = SignInBody,
    responses(
        (status = 200, description = "Signed in; the `folio_session` cookie is set", body = SignedIn),
        (status = 401, description = "Wrong email or password", body = ErrorBody),
        (status = 403, description = "The request comes from another site's page", body = ErrorBody),
        (status = 422, description = "The body has a wrong value", body = ErrorBody),
        (status = 429, description = "Too many failed sign-ins; see Retry-After", body = ErrorBody),
        (status = 503, description = "The auth concern is unavailable", body = ErrorBody),
    ),
    security(()),
)]
#[post("/api/v1/session")]
async fn sign_in(
    services: web::Data<Services>,
    request: HttpRequest,
    body: web::Json<SignInBody>,
    request_id: RequestId,
) -> Result<HttpResponse, ApiError> {
    // Browsers always send Origin on a POST: a foreign one is a login-CSRF attempt.
    if request.headers().contains_key("origin") && !same_origin(&request, &services) {
        return Err(ApiError::forbidden_code(
            "csrf_origin",
            "this request does not come from this site's pages",
        ));
    }
    let address = services.client_address(&request);
    let attempt = services
        .logins
        .begin(address, &body.email)
        .map_err(ApiError::too_many_attempts)?;
    // An async wait: the worker serves other requests meanwhile.
    tokio::time::sleep(attempt.delay).await;
    let SignInBody { email, password } = body.into_inner();
    match services
        .auth
        .call(SignIn { email, password }, services.meta(&request_id))
        .await
    {
        Ok(session) => {
            services.logins.succeeded(attempt);
            Ok(granted(&services, session))
        }
        Err(AuthError::InvalidCredentials) => {
            services.logins.failed(attempt);
            Err(AuthError::InvalidCredentials.into())
        }
        Err(other) => {
            services.logins.abandoned(attempt);
            Err(other.into())
        }
    }
}

/// Signs out: ends the session the request was made with and clears the cookie.
#[utoipa::path(
    tag = "session",
    responses(
        (status = 204, description = "Signed out; the cookie is cleared"),
        (status = 400, description = "Signed in with an API token, not a session", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Missing CSRF token or foreign origin", body = ErrorBody),
        (status = 503, description = "The auth concern is unavailable", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = [])),
)]
#[delete("/api/v1/session")]
async fn sign_out(
    services: web::Data<Services>,
    identity: Identity,
) -> Result<HttpResponse, ApiError> {
    let Some(secret) = identity.session.clone() else {
        return Err(ApiError::bad_request(
            "not_a_session",
            "you are signed in with an API token; revoke the token instead",
        ));
    };
    services
        .auth
        .call(
            SignOut {
                secret: secret.clone(),
            },
            identity.meta(),
        )
        .await?;
    Ok(HttpResponse::NoContent()
        .cookie(expired_session_cookie(&services))
        .finish())
}

/// The caller, how they signed in, and (for a session) the CSRF token.
#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct Me {
    user: UserView,
    #[serde(rename = "auth")]
    method: Method,
    /// Only for a session: send it back as `X-CSRF-Token` on every change.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    csrf_token: Option<String>,
}

/// Who am I: the signed-in person and how they authenticated.
#[utoipa::path(
    tag = "session",
    responses(
        (status = 200, description = "The caller", body = Me),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 503, description = "The auth concern is unavailable", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = [])),
)]
#[get("/api/v1/me")]
async fn me(services: web::Data<Services>, identity: Identity) -> HttpResponse {
    let csrf_token = identity
        .session
        .as_ref()
        .map(|secret| csrf_token(&services, secret));
    HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(Me {
            user: identity.user,
            method: identity.method,
            csrf_token,
        })
}

#[derive(Deserialize, utoipa::ToSchema)]
pub(super) struct PasswordChange {
    current_password: String,
    new_password: Password,
}

/// The caller's own password; every other session of theirs ends.
#[utoipa::path(
    tag = "session",
    request_body = PasswordChange,
    responses(
        (status = 204, description = "Changed; the caller's other sessions ended"),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "The current password is wrong (`wrong_password`), or not allowed (a read-only token, or a missing CSRF token)", body = ErrorBody),
        (status = 422, description = "The new password is not acceptable", body = ErrorBody),
        (status = 429, description = "Too many wrong passwords; see Retry-After", body = ErrorBody),
        (status = 503, description = "The auth concern is unavailable", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = [])),
)]
#[post("/api/v1/me/password")]
async fn change_password(
    services: web::Data<Services>,
    request: HttpRequest,
    identity: Identity,
    body: web::Json<PasswordChange>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    // Guessing the current password is guessing a password: the same limits
    // as signing in, counted together with the sign-ins for this account.
    let attempt = services
        .logins
        .begin(services.client_address(&request), &identity.user.email)
        .map_err(ApiError::too_many_attempts)?;
    tokio::time::sleep(attempt.delay).await;
    let msg = ChangePassword {
        current: Secret::new(body.current_password),
        new: body.new_password,
        keep_session: identity.session_id(),
    };
    match services.auth.call(msg, identity.meta()).await {
        Ok(()) => services.logins.succeeded(attempt),
        Err(AuthError::WrongPassword) => {
            services.logins.failed(attempt);
            return Err(AuthError::WrongPassword.into());
        }
        Err(other) => {
            services.logins.abandoned(attempt);
            return Err(other.into());
        }
    }
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct MySession {
    #[serde(flatten)]
    session: SessionView,
    /// The session this request was made with.
    current: bool,
}

/// The caller's sessions, so they can end one they don't recognise.
#[utoipa::path(
    tag = "session",
    responses(
        (status = 200, description = "The caller's sessions, newest first", body = Vec<MySession>),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 503, description = "The auth concern is unavailable", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = [])),
)]
#[get("/api/v1/me/sessions")]
async fn list_sessions(
    services: web::Data<Services>,
    identity: Identity,
) -> Result<HttpResponse, ApiError> {
    let current = identity.session_id();
    let sessions = services.auth.call(ListSessions, identity.meta()).await?;
    let sessions: Vec<_> = sessions
        .into_iter()
        .map(|session| MySession {
            current: Some(session.id) == current,
            session,
        })
        .collect();
    Ok(HttpResponse::Ok().json(sessions))
}

/// Ends one of the caller's own sessions.
#[utoipa::path(
    tag = "session",
    responses(
        (status = 204, description = "The session is ended"),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not allowed (a read-only token, or a missing CSRF token)", body = ErrorBody),
        (status = 404, description = "The caller has no such session", body = ErrorBody),
        (status = 503, description = "The auth concern is unavailable", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = [])),
)]
#[delete("/api/v1/me/sessions/{id}")]
async fn revoke_session(
    services: web::Data<Services>,
    identity: Identity,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = uuid::Uuid::parse_str(&id)
        .map_err(|_| ApiError::not_found(format!("you have no session {id}")))?;
    services
        .auth
        .call(RevokeSession { id }, identity.meta())
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
