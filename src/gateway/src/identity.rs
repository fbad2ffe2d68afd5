//! Authentication at the edge: who is calling (session cookie or bearer token),
//! whether they may change anything (CSRF, token scope), and the signed
//! principal that goes into every message sent on their behalf.

use std::pin::Pin;
use std::time::Duration;

use actix_web::cookie::{Cookie, SameSite};
use actix_web::dev::Payload;
use actix_web::http::{Method as HttpMethod, header};
use actix_web::{FromRequest, HttpRequest, web};
use moka::sync::Cache;
use uuid::Uuid;

use super::{ApiError, Services};
use folio_auth_protocol::AuthError;
use folio_auth_protocol::domain::{Secret, TokenScope};
use folio_auth_protocol::messages::AuthEvent;
use folio_auth_protocol::messages::{Authenticate, Authenticated, Credential, Method, UserView};
use folio_auth_protocol::permissions::{Action, allows};
use folio_runtime::{CallMeta, CommonError, EventBus, Principal, SignedPrincipal, UserId};

/// How long a validated credential is trusted without asking auth again: this
/// is what keeps sessions off the database on every request, and it bounds how
/// long a revocation takes to bite elsewhere than in this gateway.
const TRUST_FOR: Duration = Duration::from_secs(1);

/// How a secret was presented. Part of the cache key: a token's digest must not
/// let the same bytes pass as a session cookie (skipping the CSRF check), nor a
/// session's as a bearer token, just because the other kind was seen recently.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Presented {
    Cookie,
    Bearer,
}

/// Recently validated credentials, by how they were presented and their digest.
#[derive(Clone)]
pub(crate) struct IdentityCache(Cache<(Presented, String), Authenticated>);

impl IdentityCache {
    pub(crate) fn new() -> Self {
        Self(
            Cache::builder()
                .max_capacity(100_000)
                .time_to_live(TRUST_FOR)
                .support_invalidation_closures()
                .build(),
        )
    }

    /// Forget every credential of `user`: their role, password or status changed.
    pub(crate) fn forget_user(&self, user: UserId) {
        if let Err(error) = self
            .0
            .invalidate_entries_if(move |_, entry| entry.user.id == user)
        {
            tracing::warn!(%error, "could not invalidate cached identities; they expire within a second");
            self.0.invalidate_all();
        }
    }

    /// Forget a session that was signed out.
    fn forget_digest(&self, digest: String) {
        self.0.invalidate(&(Presented::Cookie, digest));
    }

    /// Follows auth's announcements of revoked and changed credentials, made
    /// through this gateway or another: what they name is asked again.
    pub(crate) fn follow(&self, events: &EventBus) {
        let identities = self.clone();
        events.listen(move |event: &AuthEvent| match event {
            AuthEvent::CredentialsChanged { user } => identities.forget_user(*user),
            AuthEvent::SessionEnded { digest } => identities.forget_digest(digest.clone()),
            AuthEvent::AuthorChanged { .. } => {}
        });
    }
}

/// The session cookie's name: `__Host-` pins it to this host over https.
pub(crate) fn session_cookie_name(secure: bool) -> &'static str {
    if secure {
        "__Host-folio_session"
    } else {
        "folio_session"
    }
}

pub(crate) fn session_cookie(
    services: &Services,
    value: String,
    max_age: Duration,
) -> Cookie<'static> {
    let secure = services.secure_cookies();
    Cookie::build(session_cookie_name(secure), value)
        .path("/")
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Lax)
        .max_age(actix_web::cookie::time::Duration::seconds(
            max_age.as_secs().try_into().unwrap_or(i64::MAX),
        ))
        .finish()
}

pub(crate) fn expired_session_cookie(services: &Services) -> Cookie<'static> {
    let mut cookie = session_cookie(services, String::new(), Duration::ZERO);
    cookie.make_removal();
    cookie
}

/// The CSRF token for a session: an HMAC of its secret, so it needs no storage
/// and is worthless for any other session.
pub(crate) fn csrf_token(services: &Services, session: &Secret) -> String {
    services
        .runtime
        .key()
        .tag("csrf", session.expose().as_bytes())
}

/// Does this request come from Folio's own pages? The Origin header must be
/// this site's (Sec-Fetch-Site: same-origin stands in where Origin is absent).
pub(crate) fn same_origin(request: &HttpRequest, services: &Services) -> bool {
    let headers = request.headers();
    match headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        Some(origin) => {
            origin == services.public_origin()
                || Some(origin) == request_origin(request, services).as_deref()
        }
        None => headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) == Some("same-origin"),
    }
}

/// The origin the request was sent to, by its Host header.
fn request_origin(request: &HttpRequest, services: &Services) -> Option<String> {
    let host = request.headers().get(header::HOST)?.to_str().ok()?;
    let scheme = if services.secure_cookies() {
        "https"
    } else {
        "http"
    };
    Some(format!("{scheme}://{host}"))
}

fn is_safe(method: &HttpMethod) -> bool {
    matches!(
        *method,
        HttpMethod::GET | HttpMethod::HEAD | HttpMethod::OPTIONS
    )
}

/// An authenticated caller. Extracting it refuses, with the right status,
/// anyone who may not make this request: 401 without a valid credential, 503
/// when auth can't say, 403 for a failed CSRF check or a read-only token writing.
pub struct Identity {
    pub principal: Principal,
    pub user: UserView,
    pub method: Method,
    /// The session secret, when the caller came by cookie.
    pub session: Option<Secret>,
    signed: SignedPrincipal,
    request_id: String,
    budget: Duration,
}

impl Identity {
    /// The meta for a call made on this caller's behalf.
    pub fn meta(&self) -> CallMeta {
        CallMeta::new(self.request_id.clone(), self.budget).with_principal(self.signed.clone())
    }

    /// Refuses with 403 unless the caller's role allows `action`.
    pub fn require(&self, action: Action) -> Result<(), ApiError> {
        if allows(self.principal.role(), action) {
            Ok(())
        } else {
            Err(ApiError::forbidden(format!(
                "a {} may not do this",
                self.principal.role()
            )))
        }
    }

    pub fn session_id(&self) -> Option<Uuid> {
        match self.method {
            Method::Session { session_id } => Some(session_id),
            Method::Token { .. } => None,
        }
    }
}

fn credential(request: &HttpRequest, services: &Services) -> Option<Credential> {
    if let Some(value) = request.headers().get(header::AUTHORIZATION) {
        let token = value.to_str().ok()?.strip_prefix("Bearer ")?.trim();
        return Some(Credential::Token(Secret::new(token)));
    }
    let cookie = request.cookie(session_cookie_name(services.secure_cookies()))?;
    Some(Credential::Session(Secret::new(cookie.value())))
}

async fn identify(request: HttpRequest) -> Result<Identity, ApiError> {
    let services = request
        .app_data::<web::Data<Services>>()
        .ok_or_else(|| ApiError::internal(folio_runtime::ConcernName::Auth, "no services"))?
        .clone();
    let request_id = request
        .extensions()
        .get::<tracing_actix_web::RequestId>()
        .map(ToString::to_string)
        .unwrap_or_default();
    let credential = credential(&request, &services).ok_or_else(ApiError::unauthenticated)?;
    let (presented, secret) = match &credential {
        Credential::Session(secret) => (Presented::Cookie, secret.clone()),
        Credential::Token(secret) => (Presented::Bearer, secret.clone()),
    };
    let key = (presented, secret.digest());
    let authenticated = match services.identities.0.get(&key) {
        Some(hit) => hit,
        None => {
            let meta = CallMeta::new(request_id.clone(), services.runtime.call_timeout());
            let fresh = services
                .auth
                .call(
                    Authenticate {
                        credential: credential.clone(),
                    },
                    meta,
                )
                .await
                .map_err(|error| match error {
                    AuthError::Common(CommonError::Unauthenticated) => ApiError::unauthenticated(),
                    other => ApiError::from(other),
                })?;
            services.identities.0.insert(key, fresh.clone());
            fresh
        }
    };
    // Auth answers a session for a cookie and a token for a bearer header; anything
    // else means the two kinds got mixed up somewhere, and is refused.
    let consistent = matches!(
        (presented, &authenticated.method),
        (Presented::Cookie, Method::Session { .. }) | (Presented::Bearer, Method::Token { .. })
    );
    if !consistent {
        return Err(ApiError::unauthenticated());
    }
    if !is_safe(request.method()) {
        match &authenticated.method {
            Method::Token {
                scope: TokenScope::Read,
                ..
            } => {
                return Err(ApiError::forbidden_code(
                    "insufficient_scope",
                    "this API token may only read; create a write token to make changes",
                ));
            }
            Method::Token { .. } => {}
            Method::Session { .. } => {
                if !same_origin(&request, &services) {
                    return Err(ApiError::forbidden_code(
                        "csrf_origin",
                        "this request does not come from this site's pages",
                    ));
                }
                let token = request
                    .headers()
                    .get("x-csrf-token")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default();
                if !services
                    .runtime
                    .key()
                    .check("csrf", secret.expose().as_bytes(), token)
                {
                    return Err(ApiError::forbidden_code(
                        "csrf_token",
                        "the X-CSRF-Token header is missing or wrong; reload the page",
                    ));
                }
            }
        }
    }
    let signed = services.runtime.key().sign(&authenticated.principal);
    Ok(Identity {
        principal: authenticated.principal,
        user: authenticated.user,
        session: matches!(credential, Credential::Session(_)).then_some(secret),
        method: authenticated.method,
        signed,
        request_id,
        budget: services.runtime.call_timeout(),
    })
}

/// On public routes: anonymous callers pass, but a credential that is
/// presented is checked like anywhere else (a bad one is refused, not ignored).
pub(crate) struct MaybeIdentity(pub Option<Identity>);

impl MaybeIdentity {
    /// The meta for a call made for this request, with the principal if any.
    pub(crate) fn meta(
        &self,
        services: &Services,
        request_id: &tracing_actix_web::RequestId,
    ) -> CallMeta {
        match &self.0 {
            Some(identity) => identity.meta(),
            None => services.meta(request_id),
        }
    }
}

impl FromRequest for MaybeIdentity {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        let request = request.clone();
        Box::pin(async move {
            let presented = request
                .app_data::<web::Data<Services>>()
                .is_some_and(|services| credential(&request, services).is_some());
            if presented {
                identify(request)
                    .await
                    .map(|identity| MaybeIdentity(Some(identity)))
            } else {
                Ok(MaybeIdentity(None))
            }
        })
    }
}

impl FromRequest for Identity {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        Box::pin(identify(request.clone()))
    }
}

use actix_web::HttpMessage;

/// The page a person lands on once an account of theirs is ready (setup, a
/// sign-up link): `message` and a link into the admin, with the session
/// cookie of the session auth just opened.
pub(crate) fn signed_in_page(
    services: &Services,
    granted: &folio_auth_protocol::messages::SessionGranted,
    title: &str,
    message: &str,
) -> Result<actix_web::HttpResponse, ApiError> {
    let lifetime = (granted.expires_at - chrono::Utc::now())
        .to_std()
        .unwrap_or_default();
    let cookie = session_cookie(services, granted.secret.expose().to_owned(), lifetime);
    let mut page = services.pages.message(
        actix_web::http::StatusCode::OK,
        title,
        message,
        Some(super::pages::Link {
            href: "/admin/",
            text: "Start writing",
        }),
    );
    page.add_cookie(&cookie)
        .map_err(|e| ApiError::internal(folio_runtime::ConcernName::Auth, &e.to_string()))?;
    Ok(page)
}
