//! Redirects at the edge: the API that lists, adds and removes them
//! (`/api/v1/redirects`, for administrators and the owner), and the 301 a
//! reader gets at an old address. An address is looked up only where the
//! site would otherwise answer 404 (or, for the home page, only when it
//! carries a query such as `?p=123`), so live pages pay nothing.

use std::sync::Arc;

use actix_web::http::{Method, header};
use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};
use serde::Deserialize;

use super::error::ErrorBody;
use super::{ApiError, Identity, Services};
use folio_auth_protocol::permissions::Action;
use folio_posts_protocol::domain::{PostId, RedirectFrom, RedirectId, RedirectTarget, RedirectUrl};
use folio_posts_protocol::messages::{
    AddRedirect, ListRedirects, RedirectPage, RedirectView, RemoveRedirect, ResolveRedirect,
};
use folio_runtime::CallMeta;

pub(crate) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(list).service(add).service(remove);
}

/// How long a reader's 404 waits for posts to say whether a redirect is there.
const RESOLVE_DEADLINE: std::time::Duration = std::time::Duration::from_secs(2);

/// A reader's request for an address nothing else answered: a 301 to where a
/// redirect leads, or `None`. A query no redirect names is tried without its
/// query (`/old/?utm_source=x` still finds `/old/`).
pub(crate) async fn answer(services: &Services, request: &HttpRequest) -> Option<HttpResponse> {
    if request.method() != Method::GET && request.method() != Method::HEAD {
        return None;
    }
    let raw = match request.uri().query() {
        Some(query) if !query.is_empty() => format!("{}?{query}", request.uri().path()),
        _ => request.uri().path().to_owned(),
    };
    // The site's own paths, malformed addresses: nothing to look up.
    let from = RedirectFrom::parse(&raw).ok()?;
    let fallback = from.without_query();
    let request_id = super::site::request_id(request);
    for address in std::iter::once(from).chain(fallback) {
        if let Some(location) = resolve(services, address, &request_id).await {
            return Some(moved(services, &location));
        }
    }
    None
}

/// A tag's feed follows its page: where `/tag/{slug}/` redirects to another
/// tag's page (the tag was renamed or merged), its feed answers 301 to that
/// tag's feed. Feeds themselves are never a redirect's address.
pub(crate) async fn tag_feed(
    services: &Services,
    request: &HttpRequest,
    slug: &str,
) -> Option<HttpResponse> {
    let from = RedirectFrom::parse(&format!("/tag/{slug}/")).ok()?;
    let location = resolve(services, from, &super::site::request_id(request)).await?;
    let tag = location.strip_prefix("/tag/")?.strip_suffix('/')?;
    (!tag.is_empty() && !tag.contains('/'))
        .then(|| moved(services, &format!("/tag/{tag}/feed.xml")))
}

/// Where `from` leads, from the edge's cache or from posts; `None` also when
/// posts can't say (the reader gets the 404 they would have had).
async fn resolve(services: &Services, from: RedirectFrom, request_id: &str) -> Option<String> {
    if let Some(known) = services.redirects_cache.get(&from) {
        return known.map(|location| location.to_string());
    }
    let generation = services.redirects_cache.generation();
    let meta = CallMeta::new(
        request_id,
        RESOLVE_DEADLINE.min(services.runtime.call_timeout()),
    );
    match services
        .posts
        .call(ResolveRedirect { from: from.clone() }, meta)
        .await
    {
        Ok(location) => {
            let kept = location.as_deref().map(Arc::from);
            services.redirects_cache.insert(from, kept, generation);
            location
        }
        Err(error) => {
            tracing::warn!(%error, "posts could not say whether a redirect is there; answering 404");
            None
        }
    }
}

/// A 301 to `location` (a path here is made absolute, as WordPress sends it).
/// Browsers keep a 301 with no caching headers for good; this one they
/// check again, so a removed redirect stops at once.
fn moved(services: &Services, location: &str) -> HttpResponse {
    let location = if location.starts_with('/') {
        format!("{}{location}", services.public_url)
    } else {
        location.to_owned()
    };
    HttpResponse::MovedPermanently()
        .insert_header((header::LOCATION, location))
        .insert_header((header::CACHE_CONTROL, "public, max-age=0, must-revalidate"))
        .finish()
}

/// Paging for the list of redirects.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct ListQuery {
    /// The page, from 1 (the default).
    page: Option<u32>,
    /// Redirects per page: 50 by default, at most 500.
    per_page: Option<u32>,
}

/// Lists the redirects, in the order of their addresses.
#[utoipa::path(
    tag = "redirects",
    operation_id = "list_redirects",
    params(ListQuery),
    responses(
        (status = 200, description = "One page of redirects", body = RedirectPage),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Only administrators and the owner", body = ErrorBody),
        (status = 503, description = "The posts concern is unavailable", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = [])),
)]
#[get("/api/v1/redirects")]
async fn list(
    services: web::Data<Services>,
    identity: Identity,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    identity.require(Action::ManageSettings)?;
    let query = query.into_inner();
    let page = services
        .posts
        .call(
            ListRedirects {
                page: query.page.unwrap_or(1),
                per_page: query.per_page.unwrap_or(0),
            },
            identity.meta(),
        )
        .await?;
    Ok(HttpResponse::Ok().json(page))
}

/// A redirect as written by the API: from an address on this site to a post
/// (`post_id`: it follows the post's slug) or to an address (`to`: a path
/// here or an http(s) URL). Exactly one of `post_id` and `to`.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct RedirectIn {
    /// A path on this site (`/old/path/`), optionally with a query (`/?p=123`).
    #[schema(value_type = String, example = "/2019/03/04/old-post/")]
    from: RedirectFrom,
    /// The post or page to lead to, wherever its slug is.
    #[schema(value_type = Option<String>, format = Uuid)]
    post_id: Option<PostId>,
    /// The address to lead to: `/new/path/` or `https://elsewhere.example/`.
    #[schema(value_type = Option<String>)]
    to: Option<RedirectUrl>,
}

/// Adds a redirect.
///
/// Refused with 409 when the address is a published post's
/// (`redirect_from_live`), when a redirect from it exists (`redirect_exists`)
/// or when it would make a loop (`redirect_loop`: following the target through
/// the redirects there are leads back to it); 422 for an address that is not
/// a path here, is one of the site's own (`/admin/`, `/api/`, feeds…), a
/// target that is neither a path nor an http(s) URL, or a post that does not
/// exist.
#[utoipa::path(
    tag = "redirects",
    operation_id = "add_redirect",
    request_body = RedirectIn,
    responses(
        (status = 201, description = "The new redirect", body = RedirectView),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Only administrators and the owner (with a write token or CSRF token)", body = ErrorBody),
        (status = 409, description = "The address is a live post's, has a redirect already, or the redirect would loop", body = ErrorBody),
        (status = 422, description = "The body has a wrong value", body = ErrorBody),
        (status = 503, description = "The posts concern is unavailable", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = [])),
)]
#[post("/api/v1/redirects")]
async fn add(
    services: web::Data<Services>,
    identity: Identity,
    body: web::Json<RedirectIn>,
) -> Result<HttpResponse, ApiError> {
    identity.require(Action::ManageSettings)?;
    let RedirectIn { from, post_id, to } = body.into_inner();
    let to = match (post_id, to) {
        (Some(id), None) => RedirectTarget::Post(id),
        (None, Some(url)) => RedirectTarget::Url(url),
        _ => {
            return Err(ApiError::invalid(
                "say where the redirect leads: either \"post_id\" (a post or page) or \"to\" (an address), not both",
            ));
        }
    };
    let redirect = services
        .posts
        .call(AddRedirect { from, to }, identity.meta())
        .await?;
    Ok(HttpResponse::Created().json(redirect))
}

/// Removes a redirect.
#[utoipa::path(
    tag = "redirects",
    operation_id = "remove_redirect",
    responses(
        (status = 204, description = "The redirect is removed"),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Only administrators and the owner (with a write token or CSRF token)", body = ErrorBody),
        (status = 404, description = "There is no such redirect", body = ErrorBody),
        (status = 503, description = "The posts concern is unavailable", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = [])),
)]
#[delete("/api/v1/redirects/{id}")]
async fn remove(
    services: web::Data<Services>,
    identity: Identity,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    identity.require(Action::ManageSettings)?;
    let id = RedirectId::parse(&id)
        .map_err(|_| ApiError::not_found(format!("there is no redirect {id}")))?;
    services
        .posts
        .call(RemoveRedirect { id }, identity.meta())
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
