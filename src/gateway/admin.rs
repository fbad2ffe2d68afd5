//! Operator routes, for administrators and the owner: per-concern statistics
//! and fault injection.

use actix_web::{HttpResponse, delete, get, post, web};
use serde::Serialize;

use super::{ApiError, Identity, Services};
use crate::auth::messages as auth;
use crate::auth::permissions::Action;
use crate::media::messages as media;
use crate::posts::messages as posts;
use crate::render::messages as render;
use crate::runtime::{ConcernName, FaultRequest};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(all_stats)
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
    };
    value.map_err(|error| ApiError::internal(concern, &error.to_string()))
}

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

#[derive(Serialize)]
#[serde(rename_all = "lowercase")]
enum Part {
    Ok(serde_json::Value),
    Error { code: u16, message: String },
}

/// Asks every concern at once. A concern that fails spoils only its own part:
/// the answer is 200 if all answered, 503 with the parts that did otherwise.
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

#[derive(Serialize)]
struct PendingFaults {
    concern: ConcernName,
    pending: u32,
}

#[get("/api/v1/admin/faults")]
async fn list_faults(
    services: web::Data<Services>,
    identity: Identity,
) -> Result<HttpResponse, ApiError> {
    faults_allowed(&services, &identity)?;
    let pending: Vec<_> = services
        .runtime
        .statuses()
        .into_iter()
        .map(|status| PendingFaults {
            concern: status.concern,
            pending: status.pending_faults,
        })
        .collect();
    Ok(HttpResponse::Ok().json(pending))
}

/// Queues faults for the next messages a concern handles.
#[post("/api/v1/admin/faults")]
async fn inject_fault(
    services: web::Data<Services>,
    identity: Identity,
    request: web::Json<FaultRequest>,
) -> Result<HttpResponse, ApiError> {
    faults_allowed(&services, &identity)?;
    let fault = request.fault().map_err(ApiError::invalid)?;
    let cell = services.runtime.cell(request.concern).ok_or_else(|| {
        ApiError::not_found(format!(
            "the {} concern is not running here",
            request.concern
        ))
    })?;
    cell.faults.push(fault, request.count);
    tracing::warn!(concern = %request.concern, kind = ?request.kind, count = request.count, by = %identity.user.email, "fault injected");
    Ok(HttpResponse::Accepted().json(PendingFaults {
        concern: request.concern,
        pending: cell.faults.pending(),
    }))
}

#[delete("/api/v1/admin/faults")]
async fn clear_faults(
    services: web::Data<Services>,
    identity: Identity,
) -> Result<HttpResponse, ApiError> {
    faults_allowed(&services, &identity)?;
    for concern in ConcernName::ALL {
        if let Some(cell) = services.runtime.cell(concern) {
            cell.faults.clear();
        }
    }
    Ok(HttpResponse::NoContent().finish())
}
