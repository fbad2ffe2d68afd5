//! Signing in and out, and who am I: `/api/v1/session`, `/api/v1/me`.

use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};
use serde::{Deserialize, Serialize};
use tracing_actix_web::RequestId;

use super::identity::{csrf_token, expired_session_cookie, same_origin, session_cookie};
use super::{ApiError, Identity, Services};
use crate::auth::AuthError;
use crate::auth::domain::{Password, Secret};
use crate::auth::messages::{
    ChangePassword, ListSessions, Method, RevokeSession, SessionGranted, SessionView, SignIn,
    SignOut, UserView,
};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(sign_in)
        .service(sign_out)
        .service(me)
        .service(change_password)
        .service(list_sessions)
        .service(revoke_session);
}

#[derive(Deserialize)]
struct SignInBody {
    email: String,
    password: String,
}

#[derive(Serialize)]
struct SignedIn {
    user: UserView,
    csrf_token: String,
    expires_at: chrono::DateTime<chrono::Utc>,
}

/// Starts a session: sets the cookie and answers with the CSRF token the
/// browser must send back on every change.
pub fn granted(services: &Services, granted: SessionGranted) -> HttpResponse {
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
    let address = request
        .peer_addr()
        .map(|addr| addr.ip().to_string())
        .unwrap_or_default();
    let account = format!("account:{}", body.email.trim().to_lowercase());
    let keys = [format!("address:{address}"), account.clone()];
    services
        .logins
        .check(&keys)
        .map_err(ApiError::too_many_attempts)?;
    let SignInBody { email, password } = body.into_inner();
    match services
        .auth
        .call(SignIn { email, password }, services.meta(&request_id))
        .await
    {
        Ok(session) => {
            services.logins.succeed(&account);
            Ok(granted(&services, session))
        }
        Err(AuthError::InvalidCredentials) => {
            services.logins.fail(&keys);
            Err(AuthError::InvalidCredentials.into())
        }
        Err(other) => Err(other.into()),
    }
}

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
    services.identities.forget(&secret);
    Ok(HttpResponse::NoContent()
        .cookie(expired_session_cookie(&services))
        .finish())
}

#[derive(Serialize)]
struct Me {
    user: UserView,
    #[serde(rename = "auth")]
    method: Method,
    #[serde(skip_serializing_if = "Option::is_none")]
    csrf_token: Option<String>,
}

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

#[derive(Deserialize)]
struct PasswordChange {
    current_password: String,
    new_password: Password,
}

/// The caller's own password; every other session of theirs ends.
#[post("/api/v1/me/password")]
async fn change_password(
    services: web::Data<Services>,
    identity: Identity,
    body: web::Json<PasswordChange>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let msg = ChangePassword {
        current: Secret::new(body.current_password),
        new: body.new_password,
        keep_session: identity.session_id(),
    };
    services.auth.call(msg, identity.meta()).await?;
    services.identities.forget_user(identity.user.id);
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Serialize)]
struct MySession {
    #[serde(flatten)]
    session: SessionView,
    /// The session this request was made with.
    current: bool,
}

/// The caller's sessions, so they can end one they don't recognise.
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
    services.identities.forget_user(identity.user.id);
    Ok(HttpResponse::NoContent().finish())
}
