//! API tokens of the signed-in person: `/api/v1/tokens`.

use actix_web::{HttpResponse, delete, get, post, web};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::error::ErrorBody;
use super::{ApiError, Identity, Services};
use folio_auth_protocol::domain::{TokenName, TokenScope};
use folio_auth_protocol::messages::{CreateToken, ListTokens, RevokeToken, TokenView};

pub(crate) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(list).service(create).service(revoke);
}

/// The caller's own API tokens (never their secrets).
#[utoipa::path(
    tag = "tokens",
    operation_id = "list_tokens",
    responses(
        (status = 200, description = "The caller's tokens", body = Vec<TokenView>),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 503, description = "The auth concern is unavailable", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = [])),
)]
#[get("/api/v1/tokens")]
async fn list(services: web::Data<Services>, identity: Identity) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(services.auth.call(ListTokens, identity.meta()).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct NewToken {
    name: TokenName,
    scope: TokenScope,
}

/// A new token: the secret itself, once, and the token's description.
#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct Created {
    /// Shown this once; only a digest is kept.
    token: String,
    #[serde(flatten)]
    view: TokenView,
}

/// Creates an API token for the caller; its secret is shown this once.
#[utoipa::path(
    tag = "tokens",
    operation_id = "create_token",
    request_body = NewToken,
    responses(
        (status = 201, description = "The new token", body = Created),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not allowed (a read-only token, or a missing CSRF token)", body = ErrorBody),
        (status = 422, description = "The body has a wrong value", body = ErrorBody),
        (status = 503, description = "The auth concern is unavailable", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = [])),
)]
#[post("/api/v1/tokens")]
async fn create(
    services: web::Data<Services>,
    identity: Identity,
    body: web::Json<NewToken>,
) -> Result<HttpResponse, ApiError> {
    let NewToken { name, scope } = body.into_inner();
    let created = services
        .auth
        .call(
            CreateToken {
                name,
                scope,
                for_email: None,
            },
            identity.meta(),
        )
        .await?;
    Ok(HttpResponse::Created()
        .insert_header(("Cache-Control", "no-store"))
        .json(Created {
            token: created.token.expose().to_owned(),
            view: created.view,
        }))
}

/// Revokes one of the caller's tokens.
#[utoipa::path(
    tag = "tokens",
    operation_id = "revoke_token",
    responses(
        (status = 204, description = "The token is revoked"),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not allowed (a read-only token, or a missing CSRF token)", body = ErrorBody),
        (status = 404, description = "The caller has no such token", body = ErrorBody),
        (status = 503, description = "The auth concern is unavailable", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = [])),
)]
#[delete("/api/v1/tokens/{id}")]
async fn revoke(
    services: web::Data<Services>,
    identity: Identity,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id =
        Uuid::parse_str(&id).map_err(|_| ApiError::not_found(format!("you have no token {id}")))?;
    services
        .auth
        .call(RevokeToken { id }, identity.meta())
        .await?;
    // The revoked token may sit in the identity cache: drop this person's entries.
    Ok(HttpResponse::NoContent().finish())
}
