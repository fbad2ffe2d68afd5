//! Liveness, readiness and metrics: what an operator or orchestrator polls.
//! Every process serves them, whichever parts of the site it runs.

use std::time::Duration;

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
    /// them answered NATS's ping just now.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    elsewhere: Vec<Elsewhere>,
}

#[derive(Serialize)]
struct Elsewhere {
    concern: ConcernName,
    reachable: bool,
}

/// How long readiness waits for a concern elsewhere to answer its ping. A
/// concern nobody runs is said at once (no responders); this bounds a slow
/// one only (under CI's load, 500 ms was once too little).
const PING_WITHIN: Duration = Duration::from_secs(2);

/// 200 when every concern this process runs is up and every other one can
/// be reached; otherwise 503 with each one's state.
#[get("/readyz")]
async fn readyz(runtime: web::Data<Runtime>) -> HttpResponse {
    let here = runtime.statuses();
    let mut elsewhere = Vec::new();
    if let Some(nats) = runtime.nats() {
        let remote = ConcernName::ALL
            .into_iter()
            .filter(|name| !here.iter().any(|status| status.concern == *name));
        for concern in remote {
            let reachable = nats.reachable(concern, PING_WITHIN).await;
            elsewhere.push(Elsewhere { concern, reachable });
        }
    }
    // With the state each other process reports for its own.
    let concerns: Vec<ConcernStatus> = if elsewhere.is_empty() {
        here
    } else {
        runtime
            .reports_everywhere()
            .await
            .into_iter()
            .map(|report| report.status)
            .collect()
    };
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
