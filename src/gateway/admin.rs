//! Operator routes: per-concern statistics and fault injection.
//! (Admin-only once accounts exist: the auth issue adds the check here.)

use actix_web::{HttpResponse, delete, get, post, web};
use serde::Serialize;
use tracing_actix_web::RequestId;

use super::{ApiError, Services};
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
    request_id: &RequestId,
) -> Result<serde_json::Value, ApiError> {
    let meta = services.meta(request_id);
    let value = match concern {
        ConcernName::Auth => serde_json::to_value(services.auth.stats(meta).await?),
        ConcernName::Posts => serde_json::to_value(services.posts.stats(meta).await?),
        ConcernName::Media => serde_json::to_value(services.media.stats(meta).await?),
    };
    value.map_err(|error| ApiError::internal(concern, &error.to_string()))
}

#[get("/api/v1/admin/stats/{concern}")]
async fn concern_stats(
    services: web::Data<Services>,
    path: web::Path<String>,
    request_id: RequestId,
) -> Result<HttpResponse, ApiError> {
    let concern = parse_concern(&path)?;
    Ok(HttpResponse::Ok().json(stats_of(&services, concern, &request_id).await?))
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
async fn all_stats(services: web::Data<Services>, request_id: RequestId) -> HttpResponse {
    let (services, request_id) = (&services, &request_id);
    let answers =
        futures::future::join_all(ConcernName::ALL.map(|concern| async move {
            (concern, stats_of(services, concern, request_id).await)
        }))
        .await;
    let mut complete = true;
    let mut body = serde_json::Map::new();
    for (concern, answer) in answers {
        let part = match answer {
            Ok(value) => Part::Ok(value),
            Err(error) => {
                complete = false;
                Part::Error {
                    code: actix_web::ResponseError::status_code(&error).as_u16(),
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
    response.json(body)
}

fn parse_concern(name: &str) -> Result<ConcernName, ApiError> {
    name.parse()
        .map_err(|message: String| ApiError::not_found(message))
}

fn faults_enabled(services: &Services) -> Result<(), ApiError> {
    if services.fault_injection {
        Ok(())
    } else {
        Err(ApiError::not_found(
            "fault injection is off; start the server with --fault-injection to use it",
        ))
    }
}

#[derive(Serialize)]
struct PendingFaults {
    concern: ConcernName,
    pending: u32,
}

#[get("/api/v1/admin/faults")]
async fn list_faults(services: web::Data<Services>) -> Result<HttpResponse, ApiError> {
    faults_enabled(&services)?;
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
    request: web::Json<FaultRequest>,
) -> Result<HttpResponse, ApiError> {
    faults_enabled(&services)?;
    let fault = request
        .fault()
        .map_err(|message| ApiError::bad_request("invalid_fault", message))?;
    let cell = services.runtime.cell(request.concern).ok_or_else(|| {
        ApiError::not_found(format!(
            "the {} concern is not running here",
            request.concern
        ))
    })?;
    cell.faults.push(fault, request.count);
    tracing::warn!(concern = %request.concern, kind = ?request.kind, count = request.count, "fault injected");
    Ok(HttpResponse::Accepted().json(PendingFaults {
        concern: request.concern,
        pending: cell.faults.pending(),
    }))
}

#[delete("/api/v1/admin/faults")]
async fn clear_faults(services: web::Data<Services>) -> Result<HttpResponse, ApiError> {
    faults_enabled(&services)?;
    for concern in ConcernName::ALL {
        if let Some(cell) = services.runtime.cell(concern) {
            cell.faults.clear();
        }
    }
    Ok(HttpResponse::NoContent().finish())
}
