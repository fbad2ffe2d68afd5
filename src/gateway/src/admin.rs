//! Operator routes, for administrators and the owner: per-concern statistics
//! and fault injection.

use actix_web::{HttpResponse, delete, get, post, web};
use serde::Serialize;

use super::error::ErrorBody;
use super::{ApiError, Identity, Services};
use folio_auth_protocol::messages as auth;
use folio_auth_protocol::permissions::Action;
use folio_media_protocol::messages as media;
use folio_posts_protocol::messages as posts;
use folio_render_protocol::messages as render;
use folio_runtime::{ConcernName, ConcernReport, FaultRequest};
use folio_search_protocol::messages as search;

pub(crate) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(system_status)
        .service(all_stats)
        .service(concern_stats)
        .service(list_faults)
        .service(inject_fault)
        .service(clear_faults);
}

/// Asks one concern for its statistics.
async fn stats_of(
    services: &Services,
    concern: ConcernName,
    identity: &Identity,
) -> Result<serde_json::Value, ApiError> {
    let meta = identity.meta();
    let value = match concern {
        ConcernName::Auth => serde_json::to_value(services.auth.call(auth::Stats, meta).await?),
        ConcernName::Posts => serde_json::to_value(services.posts.call(posts::Stats, meta).await?),
        ConcernName::Media => serde_json::to_value(services.media.call(media::Stats, meta).await?),
        ConcernName::Render => {
            serde_json::to_value(services.render.call(render::Stats, meta).await?)
        }
        ConcernName::Search => {
            serde_json::to_value(services.search.call(search::Stats, meta).await?)
        }
    };
    value.map_err(|error| ApiError::internal(concern, &error.to_string()))
}

/// One concern's statistics (auth, posts, media, render or search).
#[utoipa::path(
    tag = "admin",
    params(("concern" = ConcernName, Path, description = "auth, posts, media or render")),
    responses(
        (status = 200, description = "The concern's statistics; their fields depend on the concern", body = Object),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Only administrators and the owner (with a write token or CSRF token for changes)", body = ErrorBody),
        (status = 404, description = "There is no such concern", body = ErrorBody),
        (status = 503, description = "The concern is unavailable", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = [])),
)]
#[get("/api/v1/admin/stats/{concern}")]
async fn concern_stats(
    services: web::Data<Services>,
    path: web::Path<String>,
    identity: Identity,
) -> Result<HttpResponse, ApiError> {
    identity.require(Action::ManageSettings)?;
    let concern = parse_concern(&path)?;
    Ok(HttpResponse::Ok().json(stats_of(&services, concern, &identity).await?))
}

/// One concern's part of the statistics: its numbers, or why it did not answer.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub(super) enum Part {
    Ok(serde_json::Value),
    Error { code: u16, message: String },
}

/// Every concern's statistics, asked at once.
///
/// A concern that fails spoils only its own part: the answer is 200 if all
/// answered, 503 with the parts that did otherwise.
#[utoipa::path(
    tag = "admin",
    responses(
        (status = 200, description = "Every concern's statistics, by concern name", body = HashMap<String, Part>),
        (status = 503, description = "Some concern did not answer: its part is an error", body = HashMap<String, Part>),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Only administrators and the owner (with a write token or CSRF token for changes)", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = [])),
)]
#[get("/api/v1/admin/stats")]
async fn all_stats(
    services: web::Data<Services>,
    identity: Identity,
) -> Result<HttpResponse, ApiError> {
    identity.require(Action::ManageSettings)?;
    let (services, identity) = (&services, &identity);
    let answers = futures::future::join_all(
        ConcernName::ALL
            .map(|concern| async move { (concern, stats_of(services, concern, identity).await) }),
    )
    .await;
    let mut complete = true;
    let mut body = serde_json::Map::new();
    for (concern, answer) in answers {
        let part = match answer {
            Ok(value) => Part::Ok(value),
            Err(error) => {
                complete = false;
                Part::Error {
                    code: error.status().as_u16(),
                    message: error.to_string(),
                }
            }
        };
        body.insert(
            concern.to_string(),
            serde_json::to_value(part).unwrap_or_default(),
        );
    }
    let mut response = if complete {
        HttpResponse::Ok()
    } else {
        HttpResponse::ServiceUnavailable()
    };
    Ok(response.json(body))
}

/// What the status page shows.
#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct SystemStatus {
    /// Whether this server was started with `--fault-injection`.
    fault_injection: bool,
    /// More than this many restarts within `restart_window_secs` degrade a concern…
    restart_limit: u32,
    restart_window_secs: u64,
    /// …which then refuses calls for this long before serving again.
    quiet_period_secs: u64,
    concerns: Vec<ConcernReport>,
}

/// Each concern's state (up, restarting, degraded), restarts, panics and
/// traffic counters, read from the runtime without a round trip to any
/// concern — so it answers while they are down.
#[utoipa::path(
    tag = "admin",
    responses(
        (status = 200, description = "Each concern's state and counters", body = SystemStatus),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Only administrators and the owner", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = [])),
)]
#[get("/api/v1/admin/status")]
async fn system_status(
    services: web::Data<Services>,
    identity: Identity,
) -> Result<HttpResponse, ApiError> {
    identity.require(Action::ManageSettings)?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(SystemStatus {
            fault_injection: services.fault_injection,
            restart_limit: services.runtime.policy().restart_limit,
            restart_window_secs: services.runtime.policy().restart_window.as_secs(),
            quiet_period_secs: services.runtime.policy().quiet_period.as_secs(),
            concerns: services.runtime.reports_everywhere().await,
        }))
}

fn parse_concern(name: &str) -> Result<ConcernName, ApiError> {
    name.parse()
        .map_err(|message: String| ApiError::not_found(message))
}

/// Fault injection exists only when the server was started with it, and only for administrators.
fn faults_allowed(services: &Services, identity: &Identity) -> Result<(), ApiError> {
    if !services.fault_injection {
        return Err(ApiError::not_found(
            "fault injection is off; start the server with --fault-injection to use it",
        ));
    }
    identity.require(Action::ManageSettings)
}

/// How many injected faults a concern has yet to apply.
#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct PendingFaults {
    concern: ConcernName,
    pending: u32,
}

/// The faults still pending, per concern.
#[utoipa::path(
    tag = "admin",
    responses(
        (status = 200, description = "Pending faults per concern", body = Vec<PendingFaults>),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Only administrators and the owner (with a write token or CSRF token for changes)", body = ErrorBody),
        (status = 404, description = "Fault injection is off (start the server with --fault-injection)", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = [])),
)]
#[get("/api/v1/admin/faults")]
async fn list_faults(
    services: web::Data<Services>,
    identity: Identity,
) -> Result<HttpResponse, ApiError> {
    faults_allowed(&services, &identity)?;
    let pending: Vec<_> = services
        .runtime
        .reports_everywhere()
        .await
        .into_iter()
        .map(|report| PendingFaults {
            concern: report.status.concern,
            pending: report.status.pending_faults,
        })
        .collect();
    Ok(HttpResponse::Ok().json(pending))
}

/// Queues faults for the next messages a concern handles.
#[utoipa::path(
    tag = "admin",
    request_body = FaultRequest,
    responses(
        (status = 202, description = "The faults are queued", body = PendingFaults),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Only administrators and the owner (with a write token or CSRF token for changes)", body = ErrorBody),
        (status = 404, description = "Fault injection is off, or the concern is not running here", body = ErrorBody),
        (status = 422, description = "The count or delay is out of range", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = [])),
)]
#[post("/api/v1/admin/faults")]
async fn inject_fault(
    services: web::Data<Services>,
    identity: Identity,
    request: web::Json<FaultRequest>,
) -> Result<HttpResponse, ApiError> {
    faults_allowed(&services, &identity)?;
    request.fault().map_err(ApiError::invalid)?;
    let pending = services
        .runtime
        .inject_fault(&request)
        .await
        .map_err(ApiError::not_found)?;
    tracing::warn!(concern = %request.concern, kind = ?request.kind, count = request.count, by = %identity.user.email, "fault injected");
    Ok(HttpResponse::Accepted().json(PendingFaults {
        concern: request.concern,
        pending,
    }))
}

/// Clears every pending fault.
#[utoipa::path(
    tag = "admin",
    responses(
        (status = 204, description = "No fault is pending any more"),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Only administrators and the owner (with a write token or CSRF token for changes)", body = ErrorBody),
        (status = 404, description = "Fault injection is off (start the server with --fault-injection)", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = [])),
)]
#[delete("/api/v1/admin/faults")]
async fn clear_faults(
    services: web::Data<Services>,
    identity: Identity,
) -> Result<HttpResponse, ApiError> {
    faults_allowed(&services, &identity)?;
    services.runtime.clear_faults().await;
    Ok(HttpResponse::NoContent().finish())
}
