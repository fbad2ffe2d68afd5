//! Liveness, readiness and metrics: what an operator or orchestrator polls.

use actix_web::{HttpResponse, get, web};
use serde::Serialize;

use super::Services;
use folio_runtime::{ConcernState, ConcernStatus};

pub(crate) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(healthz).service(readyz).service(metrics);
}

/// 200 while the process can answer at all.
#[get("/healthz")]
async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({ "status": "ok" }))
}

#[derive(Serialize)]
struct Readiness {
    ready: bool,
    concerns: Vec<ConcernStatus>,
}

/// 200 when every concern is up; otherwise 503 with each concern's state.
#[get("/readyz")]
async fn readyz(services: web::Data<Services>) -> HttpResponse {
    let concerns = services.runtime.statuses();
    let ready = concerns
        .iter()
        .all(|status| status.state == ConcernState::Up);
    let mut response = if ready {
        HttpResponse::Ok()
    } else {
        HttpResponse::ServiceUnavailable()
    };
    response
        .insert_header(("Cache-Control", "no-store"))
        .json(Readiness { ready, concerns })
}

#[get("/metrics")]
async fn metrics(services: web::Data<Services>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(services.runtime.render_metrics())
}
