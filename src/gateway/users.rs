//! People: `/api/v1/users` (administrators and the owner) and the public `/api/v1/authors`.

use actix_web::{HttpResponse, delete, get, patch, post, web};
use serde::Deserialize;
use tracing_actix_web::RequestId;
use uuid::Uuid;

use super::identity::MaybeIdentity;
use super::{ApiError, Identity, Services};
use crate::auth::domain::{Bio, DisplayName, Email, Password};
use crate::auth::messages::{
    CreateUser, DeleteUser, GetUser, ListAuthors, ListUsers, ResetPassword, RevokeSessions,
    TransferOwnership, UpdateUser,
};
use crate::runtime::Role;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(list)
        .service(create)
        .service(get_one)
        .service(update)
        .service(remove)
        .service(reset_password)
        .service(revoke_sessions)
        .service(transfer_ownership)
        .service(authors);
}

fn parse_id(raw: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(raw).map_err(|_| ApiError::not_found(format!("there is no user {raw}")))
}

#[get("/api/v1/users")]
async fn list(services: web::Data<Services>, identity: Identity) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(services.auth.call(ListUsers, identity.meta()).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewUser {
    email: Email,
    name: DisplayName,
    role: Role,
    password: Password,
}

#[post("/api/v1/users")]
async fn create(
    services: web::Data<Services>,
    identity: Identity,
    body: web::Json<NewUser>,
) -> Result<HttpResponse, ApiError> {
    let NewUser {
        email,
        name,
        role,
        password,
    } = body.into_inner();
    let user = services
        .auth
        .call(
            CreateUser {
                email,
                name,
                role,
                password,
            },
            identity.meta(),
        )
        .await?;
    Ok(HttpResponse::Created().json(user))
}

#[get("/api/v1/users/{id}")]
async fn get_one(
    services: web::Data<Services>,
    identity: Identity,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&id)?;
    Ok(HttpResponse::Ok().json(services.auth.call(GetUser { id }, identity.meta()).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UserChanges {
    email: Option<Email>,
    name: Option<DisplayName>,
    bio: Option<Bio>,
    role: Option<Role>,
    disabled: Option<bool>,
}

#[patch("/api/v1/users/{id}")]
async fn update(
    services: web::Data<Services>,
    identity: Identity,
    id: web::Path<String>,
    body: web::Json<UserChanges>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&id)?;
    let UserChanges {
        email,
        name,
        bio,
        role,
        disabled,
    } = body.into_inner();
    let user = services
        .auth
        .call(
            UpdateUser {
                id,
                email,
                name,
                bio,
                role,
                disabled,
            },
            identity.meta(),
        )
        .await?;
    // A changed role or status must bite now, not when the cache expires.
    services.identities.forget_user(id);
    Ok(HttpResponse::Ok().json(user))
}

#[delete("/api/v1/users/{id}")]
async fn remove(
    services: web::Data<Services>,
    identity: Identity,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&id)?;
    services
        .auth
        .call(DeleteUser { id }, identity.meta())
        .await?;
    services.identities.forget_user(id);
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewPassword {
    new_password: Password,
}

/// An administrator sets someone's password; their sessions end.
#[post("/api/v1/users/{id}/password")]
async fn reset_password(
    services: web::Data<Services>,
    identity: Identity,
    id: web::Path<String>,
    body: web::Json<NewPassword>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&id)?;
    services
        .auth
        .call(
            ResetPassword {
                id,
                new: body.into_inner().new_password,
            },
            identity.meta(),
        )
        .await?;
    services.identities.forget_user(id);
    Ok(HttpResponse::NoContent().finish())
}

#[delete("/api/v1/users/{id}/sessions")]
async fn revoke_sessions(
    services: web::Data<Services>,
    identity: Identity,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&id)?;
    services
        .auth
        .call(RevokeSessions { id }, identity.meta())
        .await?;
    services.identities.forget_user(id);
    Ok(HttpResponse::NoContent().finish())
}

/// The owner hands the site to an administrator and becomes one.
#[post("/api/v1/users/{id}/ownership")]
async fn transfer_ownership(
    services: web::Data<Services>,
    identity: Identity,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&id)?;
    let owner = services
        .auth
        .call(TransferOwnership { to: id }, identity.meta())
        .await?;
    services.identities.forget_user(id);
    services.identities.forget_user(identity.user.id);
    Ok(HttpResponse::Ok().json(owner))
}

/// Public: the people who write here, without their email addresses.
#[get("/api/v1/authors")]
async fn authors(
    services: web::Data<Services>,
    identity: MaybeIdentity,
    request_id: RequestId,
) -> Result<HttpResponse, ApiError> {
    let meta = identity.meta(&services, &request_id);
    Ok(HttpResponse::Ok().json(services.auth.call(ListAuthors, meta).await?))
}
