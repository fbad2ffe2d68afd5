//! Search at the edge: the readers' `/search/` page (server-rendered, no
//! JavaScript) and `GET /api/v1/search` for writers' tools. The words are
//! parsed here into a `Query`; the search concern does the rest.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::{Deserialize, Serialize};
use tracing_actix_web::RequestId;

use super::identity::MaybeIdentity;
use super::site::{request_id, site};
use super::{ApiError, Services};
use folio_runtime::{CallMeta, CommonError};
use folio_search_protocol::SearchError;
use folio_search_protocol::domain::Query;
use folio_search_protocol::messages::{Search, SearchPage};

/// Results per page on the readers' page.
const PER_PAGE: u32 = 10;

pub(crate) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(search_page).service(search_api);
}

#[derive(Deserialize, utoipa::IntoParams)]
pub(crate) struct SearchQuery {
    /// The words to look for (at most 500 characters); operators are words too.
    q: Option<String>,
    /// From 1.
    page: Option<u32>,
    /// Results per page, at most 50 [default: 10].
    per_page: Option<u32>,
    /// Take the last word as the start of a word, as one types.
    #[serde(default)]
    prefix: bool,
}

/// Published posts and pages matching the words, best first; with a
/// credential, also the drafts and scheduled posts the caller may see.
#[utoipa::path(
    tag = "search",
    operation_id = "search",
    params(SearchQuery),
    responses(
        (status = 200, description = "One page of matches", body = SearchPage),
        (status = 422, description = "No words, or more than 500 characters", body = super::error::ErrorBody),
        (status = 503, description = "Search is unavailable; every other page works", body = super::error::ErrorBody),
    ),
    security(()),
)]
#[get("/api/v1/search")]
pub(crate) async fn search_api(
    services: web::Data<Services>,
    identity: MaybeIdentity,
    query: web::Query<SearchQuery>,
    request_id: RequestId,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let words = Query::parse(query.q.as_deref().unwrap_or("")).map_err(ApiError::invalid)?;
    let msg = Search {
        query: words,
        page: query.page.unwrap_or(1).max(1),
        per_page: query.per_page.unwrap_or(0),
        drafts: identity.0.is_some(),
        prefix: query.prefix,
    };
    let page = services
        .search
        .call(msg, identity.meta(&services, &request_id))
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("cache-control", "private, no-store"))
        .json(page))
}

#[derive(Serialize)]
struct HitOut {
    title: String,
    url: String,
    published_at: Option<String>,
    published_human: Option<String>,
    tags: Vec<TagOut>,
    snippet_html: String,
}

#[derive(Serialize)]
struct TagOut {
    name: String,
    url: String,
}

/// The readers' search page: the form, and results when there are words.
/// Never cached (the words are the reader's), never indexed by robots.
#[get("/search/")]
async fn search_page(
    services: web::Data<Services>,
    request: HttpRequest,
    query: web::Query<SearchQuery>,
) -> HttpResponse {
    let query = query.into_inner();
    let info = super::settings::fresh(&services, &super::site::request_id(&request)).await;
    let raw = query.q.unwrap_or_default();
    let page_number = query.page.unwrap_or(1).max(1);
    let (status, results, problem) = if raw.trim().is_empty() {
        (StatusCode::OK, None, None)
    } else {
        match Query::parse(&raw) {
            Err(problem) => (StatusCode::BAD_REQUEST, None, Some(problem)),
            Ok(words) => {
                let msg = Search {
                    query: words,
                    page: page_number,
                    per_page: PER_PAGE,
                    drafts: false,
                    prefix: false,
                };
                let meta = CallMeta::new(request_id(&request), services.runtime.call_timeout());
                match services.search.call(msg, meta).await {
                    Ok(found) => (StatusCode::OK, Some(found), None),
                    Err(error) => {
                        let status = unavailable_or_bad(&error);
                        if status.is_server_error() {
                            tracing::warn!(%error, "search is unavailable to a reader");
                        }
                        (status, None, Some(readable(&error, status)))
                    }
                }
            }
        }
    };
    let hits: Vec<HitOut> = results
        .as_ref()
        .map(|found| {
            found
                .hits
                .iter()
                .map(|hit| hit_out(&services, &info, hit))
                .collect()
        })
        .unwrap_or_default();
    let pagination = results.as_ref().map(|found| {
        let last = found.total.div_ceil(u64::from(PER_PAGE)).max(1);
        let url = |n: u32| format!("/search/?q={}&page={n}", urlencoding(&raw));
        minijinja::context! {
            number => page_number,
            last => last,
            prev_url => (page_number > 1).then(|| url(page_number - 1)),
            next_url => (u64::from(page_number) < last).then(|| url(page_number + 1)),
        }
    });
    let context = minijinja::context! {
        site => site(&services),
        search_query => raw.trim(),
        searched => results.is_some(),
        total => results.as_ref().map_or(0, |found| found.total),
        hits,
        pagination,
        problem,
    };
    let body = services
        .pages
        .render_to_string("site/search.html", context)
        .unwrap_or_else(|error| {
            tracing::error!(%error, "could not render the search page");
            "<!doctype html><title>Search</title><h1>Search is temporarily unavailable</h1>"
                .to_owned()
        });
    let mut response = HttpResponse::build(status);
    if status == StatusCode::SERVICE_UNAVAILABLE {
        response.insert_header(("retry-after", "5"));
    }
    response
        .insert_header(("cache-control", "no-store"))
        .content_type("text/html; charset=utf-8")
        .body(body)
}

fn hit_out(
    services: &Services,
    info: &super::settings::SiteInfo,
    hit: &folio_search_protocol::messages::SearchHit,
) -> HitOut {
    HitOut {
        title: hit.title.clone(),
        url: format!("{}/{}/", services.public_url, hit.slug),
        published_at: hit.published_at.map(|at| info.rfc3339(at)),
        published_human: hit.published_at.map(|at| info.date(at)),
        tags: hit
            .tags
            .iter()
            .map(|tag| TagOut {
                name: tag.name.clone(),
                url: format!("/tag/{}/", tag.slug),
            })
            .collect(),
        snippet_html: hit.snippet_html.clone(),
    }
}

/// 503 when search could not answer (down, degraded, slow), 400 when the
/// words were refused.
fn unavailable_or_bad(error: &SearchError) -> StatusCode {
    match error {
        SearchError::Common(CommonError::Invalid(_)) => StatusCode::BAD_REQUEST,
        _ => StatusCode::SERVICE_UNAVAILABLE,
    }
}

fn readable(error: &SearchError, status: StatusCode) -> String {
    if status == StatusCode::BAD_REQUEST {
        error.to_string()
    } else {
        "Search is unavailable right now. Every other page of the site works; please try again in a moment.".to_owned()
    }
}

/// The words as a query-string value.
fn urlencoding(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.trim().as_bytes()).collect()
}
