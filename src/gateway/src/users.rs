//! People: `/api/v1/users` (administrators and the owner, with sign-up
//! links) and the public `/api/v1/authors`.

use actix_web::{HttpResponse, delete, get, patch, post, web};
use serde::{Deserialize, Deserializer, Serialize};
use tracing_actix_web::RequestId;

use super::error::ErrorBody;
use super::headers::no_store;
use super::identity::MaybeIdentity;
use super::{ApiError, Identity, Services};
use folio_auth_protocol::AuthError;
use folio_auth_protocol::domain::{Avatar, Bio, DisplayName, Email, Password, Website};
use folio_auth_protocol::messages::{
    AuthorView, CanDeleteUser, CreateUser, DeleteUser, GetUser, InviteUser, ListAuthors, ListUsers,
    PasswordReset, ResetPassword, RevokeSessions, TransferOwnership, UpdateUser, UserView,
};
use folio_posts_protocol::messages::{ListPosts, ReassignPosts};
use folio_runtime::{CommonError, Role, UserId};

pub(crate) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(list)
        .service(create)
        .service(get_one)
        .service(update)
        .service(remove)
        .service(reset_password)
        .service(revoke_sessions)
        .service(transfer_ownership)
        .service(invite)
        .service(authors);
}

fn parse_id(raw: &str) -> Result<UserId, ApiError> {
    UserId::parse(raw).map_err(|_| ApiError::not_found(format!("there is no user {raw}")))
}

/// Every account (administrators and the owner).
#[utoipa::path(
    tag = "users",
    operation_id = "list_users",
    responses(
        (status = 200, description = "Every account", body = Vec<UserView>),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "The caller may not do this", body = ErrorBody),
        (status = 503, description = "The auth concern is unavailable", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = [])),
)]
#[get("/api/v1/users")]
async fn list(services: web::Data<Services>, identity: Identity) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(services.auth.call(ListUsers, identity.meta()).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct NewUser {
    email: Email,
    name: DisplayName,
    role: Role,
    /// Leave it out to send them a sign-up link instead
    /// (`POST /api/v1/users/{id}/invite`): they choose their own.
    password: Option<Password>,
}

/// Creates an account.
#[utoipa::path(
    tag = "users",
    operation_id = "create_user",
    request_body = NewUser,
    responses(
        (status = 201, description = "The new account", body = UserView),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "The caller may not do this", body = ErrorBody),
        (status = 409, description = "The email address is taken, or the role is owner", body = ErrorBody),
        (status = 422, description = "The body has a wrong value", body = ErrorBody),
        (status = 503, description = "The auth concern is unavailable", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = [])),
)]
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

/// One account.
#[utoipa::path(
    tag = "users",
    operation_id = "get_user",
    responses(
        (status = 200, description = "The account", body = UserView),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "The caller may not do this", body = ErrorBody),
        (status = 404, description = "There is no such user", body = ErrorBody),
        (status = 503, description = "The auth concern is unavailable", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = [])),
)]
#[get("/api/v1/users/{id}")]
async fn get_one(
    services: web::Data<Services>,
    identity: Identity,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&id)?;
    Ok(HttpResponse::Ok().json(services.auth.call(GetUser { id }, identity.meta()).await?))
}

/// Only the fields given change.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct UserChanges {
    email: Option<Email>,
    name: Option<DisplayName>,
    bio: Option<Bio>,
    role: Option<Role>,
    disabled: Option<bool>,
    /// Their picture: the id of a medium in the media library; `null` (or
    /// `""`) removes it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, format = Uuid, nullable)]
    avatar: Option<Option<String>>,
    /// Their website, an http:// or https:// address; `null` (or `""`)
    /// removes it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, nullable)]
    website: Option<Option<String>>,
}

/// Tells "absent" (leave as is) from `null` (remove) in a PATCH body.
fn present<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(deserializer).map(Some)
}

/// A PATCH's optional, removable field: absent leaves it, `null` or `""`
/// removes it, anything else must parse. Parsed here rather than by serde so
/// that `""` can mean "remove" and a refusal names the field.
fn removable<T>(
    field: &str,
    raw: Option<Option<String>>,
    parse: impl FnOnce(&str) -> Result<T, String>,
) -> Result<Option<Option<T>>, ApiError> {
    match raw {
        None => Ok(None),
        Some(None) => Ok(Some(None)),
        Some(Some(text)) if text.trim().is_empty() => Ok(Some(None)),
        Some(Some(text)) => parse(&text)
            .map(|value| Some(Some(value)))
            .map_err(|message| ApiError::invalid(format!("{field}: {message}"))),
    }
}

/// Changes an account: its email, name, bio, avatar, website, role or
/// whether it is disabled.
#[utoipa::path(
    tag = "users",
    operation_id = "update_user",
    request_body = UserChanges,
    responses(
        (status = 200, description = "The changed account", body = UserView),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "The caller may not do this", body = ErrorBody),
        (status = 404, description = "There is no such user", body = ErrorBody),
        (status = 409, description = "The email address is taken, or the change is not allowed (the owner, or the caller's own role)", body = ErrorBody),
        (status = 422, description = "The body has a wrong value", body = ErrorBody),
        (status = 503, description = "The auth concern is unavailable", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = [])),
)]
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
        avatar,
        website,
    } = body.into_inner();
    let avatar = removable("avatar", avatar, Avatar::parse)?;
    let website = removable("website", website, Website::parse)?;
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
                avatar,
                website,
            },
            identity.meta(),
        )
        .await?;
    // A changed role or status must bite now, not when the cache expires.
    Ok(HttpResponse::Ok().json(user))
}

/// Who takes over the posts of a person being removed.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct Removal {
    /// The id of the person who takes over every post and page of the one removed.
    /// Required when they have any.
    reassign_to: Option<String>,
}

/// Deletes an account. Someone who has written posts or pages can only be
/// removed by naming who takes them over (`?reassign_to=ID`): otherwise their
/// posts would show no author.
#[utoipa::path(
    tag = "users",
    operation_id = "delete_user",
    params(Removal),
    responses(
        (status = 204, description = "The account is deleted; its posts, if any, belong to `reassign_to`"),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "The caller may not do this", body = ErrorBody),
        (status = 404, description = "There is no such user", body = ErrorBody),
        (status = 409, description = "The account cannot be removed (the owner, or the caller), or it has posts and no `reassign_to` names who takes them over (`has_posts`)", body = ErrorBody),
        (status = 422, description = "`reassign_to` names no one who can take the posts over", body = ErrorBody),
        (status = 503, description = "The auth or posts concern is unavailable", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = [])),
)]
#[delete("/api/v1/users/{id}")]
async fn remove(
    services: web::Data<Services>,
    identity: Identity,
    id: web::Path<String>,
    removal: web::Query<Removal>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&id)?;
    // Every refusal comes before any post moves.
    let person = services
        .auth
        .call(CanDeleteUser { id }, identity.meta())
        .await?;
    let successor = match &removal.reassign_to {
        Some(raw) => Some(successor(&services, &identity, id, raw).await?),
        None => None,
    };
    match successor {
        Some(to) => {
            services
                .posts
                .call(ReassignPosts { from: id, to }, identity.meta())
                .await?;
        }
        None => {
            let written = services
                .posts
                .call(
                    ListPosts {
                        author: Some(id),
                        per_page: 1,
                        ..ListPosts::default()
                    },
                    identity.meta(),
                )
                .await?
                .total;
            if written > 0 {
                return Err(ApiError::conflict(
                    "has_posts",
                    format!(
                        "{} has written {written} post{}; name who takes them over with ?reassign_to=ID",
                        person.name,
                        if written == 1 { "" } else { "s" }
                    ),
                ));
            }
        }
    }
    services
        .auth
        .call(DeleteUser { id }, identity.meta())
        .await?;
    if let Some(to) = successor {
        // A post saved between the move and the removal would be left without
        // an author: sweep once more now that they can save nothing.
        if let Err(error) = services
            .posts
            .call(ReassignPosts { from: id, to }, identity.meta())
            .await
        {
            tracing::warn!(%error, removed = %id, "could not sweep the removed person's last posts");
        }
    }
    Ok(HttpResponse::NoContent().finish())
}

/// The person named to take over the posts of `removed`: someone else, active.
async fn successor(
    services: &Services,
    identity: &Identity,
    removed: UserId,
    raw: &str,
) -> Result<UserId, ApiError> {
    let to = UserId::parse(raw)
        .map_err(|_| ApiError::invalid(format!("reassign_to: {raw:?} is not a person's id")))?;
    if to == removed {
        return Err(ApiError::invalid(
            "reassign_to: name someone other than the person being removed",
        ));
    }
    let heir = match services
        .auth
        .call(GetUser { id: to }, identity.meta())
        .await
    {
        Ok(heir) => heir,
        Err(AuthError::Common(CommonError::NotFound(_))) => {
            return Err(ApiError::invalid(format!(
                "reassign_to: there is no user {to} to take the posts over"
            )));
        }
        Err(other) => return Err(other.into()),
    };
    if heir.disabled {
        return Err(ApiError::invalid(format!(
            "reassign_to: {} is disabled; choose an active person",
            heir.name
        )));
    }
    Ok(to)
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct NewPassword {
    new_password: Password,
}

/// An administrator sets someone's password; their sessions end and their API tokens are revoked.
#[utoipa::path(
    tag = "users",
    request_body = NewPassword,
    responses(
        (status = 200, description = "The password is set; says how many sessions ended and API tokens were revoked", body = PasswordReset),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "The caller may not do this", body = ErrorBody),
        (status = 404, description = "There is no such user", body = ErrorBody),
        (status = 422, description = "The body has a wrong value", body = ErrorBody),
        (status = 503, description = "The auth concern is unavailable", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = [])),
)]
#[post("/api/v1/users/{id}/password")]
async fn reset_password(
    services: web::Data<Services>,
    identity: Identity,
    id: web::Path<String>,
    body: web::Json<NewPassword>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&id)?;
    let reset = services
        .auth
        .call(
            ResetPassword {
                id,
                new: body.into_inner().new_password,
            },
            identity.meta(),
        )
        .await?;
    Ok(HttpResponse::Ok().json(reset))
}

/// Ends every session of an account.
#[utoipa::path(
    tag = "users",
    responses(
        (status = 204, description = "Their sessions are ended"),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "The caller may not do this", body = ErrorBody),
        (status = 404, description = "There is no such user", body = ErrorBody),
        (status = 503, description = "The auth concern is unavailable", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = [])),
)]
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
    Ok(HttpResponse::NoContent().finish())
}

/// The owner hands the site to an administrator and becomes one.
#[utoipa::path(
    tag = "users",
    responses(
        (status = 200, description = "The new owner", body = UserView),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "The caller may not do this", body = ErrorBody),
        (status = 404, description = "There is no such user", body = ErrorBody),
        (status = 409, description = "Ownership goes to an active administrator only", body = ErrorBody),
        (status = 503, description = "The auth concern is unavailable", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = [])),
)]
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
    Ok(HttpResponse::Ok().json(owner))
}

/// Public: the people who write here, without their email addresses.
#[utoipa::path(
    tag = "users",
    responses(
        (status = 200, description = "The authors", body = Vec<AuthorView>),
        (status = 503, description = "The auth concern is unavailable", body = ErrorBody),
    ),
    security(()),
)]
#[get("/api/v1/authors")]
async fn authors(
    services: web::Data<Services>,
    identity: MaybeIdentity,
    request_id: RequestId,
) -> Result<HttpResponse, ApiError> {
    let meta = identity.meta(&services, &request_id);
    Ok(HttpResponse::Ok().json(services.auth.call(ListAuthors, meta).await?))
}

/// A sign-up link, answered once when made.
#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct InvitationOut {
    /// The address to send them: they choose their password there, once,
    /// before `expires_at`.
    url: String,
    expires_at: chrono::DateTime<chrono::Utc>,
}

/// A one-time sign-up link for a person who has no password yet; it
/// replaces their earlier link.
#[utoipa::path(
    tag = "users",
    operation_id = "invite_user",
    responses(
        (status = 201, description = "The link", body = InvitationOut),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "The caller may not do this", body = ErrorBody),
        (status = 404, description = "There is no such user", body = ErrorBody),
        (status = 409, description = "They have a password already, or their account is disabled", body = ErrorBody),
        (status = 503, description = "The auth concern is unavailable", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = [])),
)]
#[post("/api/v1/users/{id}/invite")]
async fn invite(
    services: web::Data<Services>,
    identity: Identity,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&id)?;
    let invitation = services
        .auth
        .call(InviteUser { id }, identity.meta())
        .await?;
    Ok(no_store(HttpResponse::Created()).json(InvitationOut {
        url: format!(
            "{}/invite/{}/",
            services.public_url,
            invitation.secret.expose()
        ),
        expires_at: invitation.expires_at,
    }))
}
