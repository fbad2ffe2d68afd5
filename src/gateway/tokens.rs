//! API tokens of the signed-in person: `/api/v1/tokens`.

use actix_web::{HttpResponse, delete, get, post, web};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{ApiError, Identity, Services};
use crate::auth::domain::{TokenName, TokenScope};
use crate::auth::messages::{CreateToken, ListTokens, RevokeToken, TokenView};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(list).service(create).service(revoke);
}

#[get("/api/v1/tokens")]
async fn list(services: web::Data<Services>, identity: Identity) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(services.auth.call(ListTokens, identity.meta()).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewToken {
    name: TokenName,
    scope: TokenScope,
}

#[derive(Serialize)]
struct Created {
    /// Shown this once; only a digest is kept.
    token: String,
    #[serde(flatten)]
    view: TokenView,
}

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
    services.identities.forget_user(identity.user.id);
    Ok(HttpResponse::NoContent().finish())
}
