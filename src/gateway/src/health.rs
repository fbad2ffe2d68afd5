//! Liveness, readiness and metrics: what an operator or orchestrator polls.
//! Every process serves them, whichever parts of the site it runs.

use actix_web::{HttpResponse, get, web};
use serde::Serialize;

use folio_runtime::{ConcernName, ConcernState, ConcernStatus, Runtime};

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
    /// Every concern: those this process runs, and on a split site those
    /// other processes run, as they report themselves.
    concerns: Vec<ConcernStatus>,
    /// On a split site, the concerns other processes run, and whether one of
    /// them answered just now.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    elsewhere: Vec<Elsewhere>,
}

#[derive(Serialize)]
struct Elsewhere {
    concern: ConcernName,
    reachable: bool,
}

/// 200 when every concern this process runs is up and every other one can
/// be reached; otherwise 503 with each one's state.
#[get("/readyz")]
async fn readyz(runtime: web::Data<Runtime>) -> HttpResponse {
    let here = runtime.statuses();
    // On a split site, with the state each other process reports for its
    // own concerns; one that no process answers for is unreachable.
    let concerns: Vec<ConcernStatus> = if runtime.nats().is_some() {
        runtime
            .reports_everywhere()
            .await
            .into_iter()
            .map(|report| report.status)
            .collect()
    } else {
        here.clone()
    };
    let elsewhere: Vec<Elsewhere> = concerns
        .iter()
        .filter(|status| !here.iter().any(|mine| mine.concern == status.concern))
        .map(|status| Elsewhere {
            concern: status.concern,
            reachable: status.state != ConcernState::Unreachable,
        })
        .collect();
    let ready = concerns
        .iter()
        .all(|status| status.state == ConcernState::Up)
        && elsewhere.iter().all(|other| other.reachable);
    let mut response = if ready {
        HttpResponse::Ok()
    } else {
        HttpResponse::ServiceUnavailable()
    };
    response
        .insert_header(("Cache-Control", "no-store"))
        .json(Readiness {
            ready,
            concerns,
            elsewhere,
        })
}

#[get("/metrics")]
async fn metrics(runtime: web::Data<Runtime>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(runtime.render_metrics())
}
