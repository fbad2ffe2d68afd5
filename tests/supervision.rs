//! Supervision seen from outside: injected panics, hangs, errors and crashes cost
//! the requests they meet and nothing more, and the concern comes back by itself.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, Instant};

use common::{TestApp, eventually};
use serde_json::json;

async fn spawn_with_faults(extra: &[&str]) -> TestApp {
    let mut args = vec!["--fault-injection", "--backoff-min", "50ms"];
    args.extend_from_slice(extra);
    TestApp::spawn_with(&args).await
}

#[tokio::test]
async fn fault_injection_is_off_unless_the_server_is_started_with_it() {
    let app = TestApp::spawn().await;

    let response = app
        .client
        .post(app.url("/api/v1/admin/faults"))
        .json(&json!({"concern": "posts", "kind": "panic", "count": 1}))
        .send()
        .await
        .unwrap();

    assert_eq!(response.status().as_u16(), 404);
    let (status, _) = app.get_json("/api/v1/admin/stats/posts").await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn a_bad_fault_request_gets_a_clear_4xx() {
    let app = spawn_with_faults(&[]).await;

    for body in [
        json!({"concern": "comments", "kind": "panic"}),
        json!({"concern": "posts", "kind": "explode"}),
        json!({"concern": "posts", "kind": "panic", "count": 0}),
        json!({"concern": "posts", "kind": "delay"}),
    ] {
        let response = app
            .client
            .post(app.url("/api/v1/admin/faults"))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 422, "{body}");
        let error: serde_json::Value = response.json().await.unwrap();
        assert!(!error["error"]["message"].as_str().unwrap().is_empty());
    }
    let response = app
        .client
        .post(app.url("/api/v1/admin/faults"))
        .body("{not json")
        .header("content-type", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 400);
}

#[tokio::test]
async fn a_panic_costs_exactly_the_request_that_met_it() {
    let app = spawn_with_faults(&[]).await;
    app.inject("posts", "panic", 1).await;

    let (status, body) = app.get_json("/api/v1/admin/stats/posts").await;
    assert_eq!(status, 503);
    assert_eq!(body["error"]["code"], "concern_crashed");
    assert_eq!(body["error"]["concern"], "posts");

    let (status, body) = app.get_json("/api/v1/admin/stats/posts").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        app.metric("folio_concern_panics_total{concern=\"posts\"}")
            .await,
        1.0
    );
    assert_eq!(
        app.metric("folio_concern_restarts_total{concern=\"posts\"}")
            .await,
        1.0
    );
}

#[tokio::test]
async fn repeated_panics_degrade_the_concern_until_a_quiet_period_passes() {
    let mut app = spawn_with_faults(&["--restart-limit", "3", "--quiet-period", "2s"]).await;
    let pid = app.pid();

    // Up to the limit, each panic costs one request; the other concerns never notice.
    for round in 1..=3 {
        app.inject("posts", "panic", 1).await;
        assert_eq!(
            app.get("/api/v1/admin/stats/posts").await.status().as_u16(),
            503,
            "round {round}"
        );
        assert_eq!(
            app.get("/api/v1/admin/stats/auth").await.status().as_u16(),
            200,
            "round {round}"
        );
        assert_eq!(
            app.get("/api/v1/admin/stats/media").await.status().as_u16(),
            200,
            "round {round}"
        );
        assert_eq!(
            app.get("/api/v1/admin/stats/posts").await.status().as_u16(),
            200,
            "round {round}"
        );
    }
    assert_eq!(
        app.metric("folio_concern_panics_total{concern=\"posts\"}")
            .await,
        3.0
    );
    assert_eq!(
        app.metric("folio_concern_restarts_total{concern=\"posts\"}")
            .await,
        3.0
    );

    // One more restart than the limit: posts is degraded and refused at once.
    app.inject("posts", "panic", 1).await;
    assert_eq!(
        app.get("/api/v1/admin/stats/posts").await.status().as_u16(),
        503
    );
    let (status, ready) = app.get_json("/readyz").await;
    assert_eq!(status, 503);
    assert_eq!(app.state_of("posts").await, "degraded", "{ready}");
    assert_eq!(app.metric("folio_concern_up{concern=\"posts\"}").await, 0.0);

    let started = Instant::now();
    let refused = app.get("/api/v1/admin/stats/posts").await;
    assert!(
        started.elapsed() < Duration::from_millis(500),
        "refused at once"
    );
    assert_eq!(refused.status().as_u16(), 503);
    let retry_after: u64 = refused.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=2).contains(&retry_after), "Retry-After {retry_after}");
    let body: serde_json::Value = refused.json().await.unwrap();
    assert_eq!(body["error"]["code"], "concern_unavailable");
    assert_eq!(
        app.get("/api/v1/admin/stats/auth").await.status().as_u16(),
        200
    );
    assert_eq!(
        app.get("/api/v1/admin/stats/media").await.status().as_u16(),
        200
    );

    // After the quiet period it is back, in the same process.
    let back = eventually(Duration::from_secs(6), || async {
        app.get("/readyz").await.status().as_u16() == 200
    })
    .await;
    assert!(back, "posts came back after its quiet period");
    assert_eq!(
        app.get("/api/v1/admin/stats/posts").await.status().as_u16(),
        200
    );
    assert!(app.is_running());
    assert_eq!(app.pid(), pid);
}

#[tokio::test]
async fn a_hang_is_answered_within_the_deadline_and_the_concern_recovers() {
    let app = spawn_with_faults(&["--call-timeout", "400ms"]).await;
    app.inject("posts", "hang", 1).await;

    let started = Instant::now();
    let (status, body) = app.get_json("/api/v1/admin/stats/posts").await;
    let waited = started.elapsed();

    assert_eq!(status, 504, "{body}");
    assert_eq!(body["error"]["code"], "concern_timeout");
    assert!(
        waited >= Duration::from_millis(350) && waited < Duration::from_millis(2000),
        "waited {waited:?}"
    );
    let (status, _) = app.get_json("/api/v1/admin/stats/posts").await;
    assert_eq!(status, 200);
    assert_eq!(app.state_of("posts").await, "up");
}

#[tokio::test]
async fn an_injected_error_fails_one_request_and_is_counted() {
    let app = spawn_with_faults(&[]).await;
    app.inject("media", "error", 2).await;

    for _ in 0..2 {
        let (status, body) = app.get_json("/api/v1/admin/stats/media").await;
        assert_eq!(status, 500);
        assert_eq!(body["error"]["code"], "injected_fault");
    }
    assert_eq!(
        app.get("/api/v1/admin/stats/media").await.status().as_u16(),
        200
    );
    assert_eq!(
        app.metric("folio_concern_errors_total{concern=\"media\"}")
            .await,
        2.0
    );
    assert_eq!(
        app.metric("folio_concern_restarts_total{concern=\"media\"}")
            .await,
        0.0
    );
}

#[tokio::test]
async fn a_concern_killed_outside_a_handler_is_respawned_by_the_watchdog() {
    let app = spawn_with_faults(&[]).await;
    app.inject("auth", "crash", 1).await;

    let (status, _) = app.get_json("/api/v1/admin/stats/auth").await;
    assert_eq!(status, 503);

    let back = eventually(Duration::from_secs(5), || async {
        app.get("/api/v1/admin/stats/auth").await.status().as_u16() == 200
    })
    .await;
    assert!(
        back,
        "auth answers again after the watchdog respawned it:\n{}",
        app.logs()
    );
    assert_eq!(
        app.metric("folio_concern_restarts_total{concern=\"auth\"}")
            .await,
        1.0
    );
    assert!(app.logs().contains("the watchdog respawns it"));
}

#[tokio::test]
async fn the_aggregate_stats_report_the_failing_part_and_keep_the_others() {
    let app = spawn_with_faults(&[]).await;
    app.inject("posts", "error", 1).await;

    let (status, body) = app.get_json("/api/v1/admin/stats").await;

    assert_eq!(status, 503);
    assert_eq!(body["posts"]["error"]["code"], 500);
    assert_eq!(body["auth"]["ok"]["users"], 1);
    assert_eq!(body["media"]["ok"]["media"], 0);
}

#[tokio::test]
async fn a_concern_wedged_by_a_blocking_handler_is_restarted_on_a_fresh_thread() {
    let app = spawn_with_faults(&["--call-timeout", "300ms", "--timeout-limit", "2"]).await;
    app.inject_body(json!({"concern": "media", "kind": "block", "delay_ms": 5000, "count": 1}))
        .await;

    // The first call blocks media's thread; the second queues behind it. Both
    // time out at their deadline: the caller's clock is not on the blocked thread.
    for _ in 0..2 {
        let started = Instant::now();
        let (status, _) = app.get_json("/api/v1/admin/stats/media").await;
        assert_eq!(status, 504);
        assert!(
            started.elapsed() < Duration::from_millis(2000),
            "answered near the deadline"
        );
    }

    // Two timeouts in a row: media was restarted on a fresh thread and serves
    // again while the old thread is still blocked.
    let started = Instant::now();
    let (status, body) = app.get_json("/api/v1/admin/stats/media").await;
    assert_eq!(status, 200, "{body}");
    assert!(started.elapsed() < Duration::from_millis(1000));
    assert_eq!(
        app.metric("folio_concern_restarts_total{concern=\"media\"}")
            .await,
        1.0
    );
    assert!(
        app.logs()
            .contains("restarting the concern on a fresh thread")
    );
    assert_eq!(
        app.get("/api/v1/admin/stats/posts").await.status().as_u16(),
        200
    );
}

#[tokio::test]
async fn the_request_id_is_returned_and_travels_into_the_concern() {
    let app = spawn_with_faults(&[]).await;
    app.inject("posts", "error", 1).await;

    let response = app.get("/api/v1/admin/stats/posts").await;

    let id = response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(id.len(), 36, "a UUID: {id}");
    // The server's log lines reach the harness through a pipe and a reader
    // thread: the response can arrive before the line does.
    let logged = common::eventually(std::time::Duration::from_secs(5), || async {
        app.logs().contains("message failed")
    })
    .await;
    assert!(logged, "the concern logged the failure: {}", app.logs());
    let logs = app.logs();
    let line = logs
        .lines()
        .find(|line| line.contains("message failed"))
        .expect("the concern logged the failure");
    assert!(
        line.contains(&id),
        "the concern's log line carries the request id: {line}"
    );
}

#[tokio::test]
async fn a_media_file_request_carries_its_own_request_id_into_the_media_concern() {
    // A file request is a reader's request like any page: its call to media
    // must carry its id, not a fixed label shared by every file request.
    let app = spawn_with_faults(&[]).await;
    app.inject("media", "error", 1).await;

    let response = app
        .get("/media/0b6f1c52-3f0e-4d8a-9c2e-5a7d3b1e9f40/v1/photo-640.webp")
        .await;

    let id = response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let logged = common::eventually(std::time::Duration::from_secs(5), || async {
        app.logs().contains("message failed")
    })
    .await;
    assert!(
        logged,
        "the media concern logged the failure: {}",
        app.logs()
    );
    let logs = app.logs();
    let line = logs
        .lines()
        .find(|line| line.contains("message failed") && line.contains("media"))
        .expect("the media concern logged the failure");
    assert!(
        line.contains(&id),
        "the media concern's log line carries the file request's id: {line}"
    );
    assert!(!logs.contains("media-file"), "no fixed request id: {logs}");
}

/// The log line of the first failed message that `concern` logged, once it arrives.
async fn failure_line(app: &TestApp, concern: &str) -> String {
    let marker = format!("concern={concern}");
    let logged = common::eventually(std::time::Duration::from_secs(5), || async {
        app.logs()
            .lines()
            .any(|line| line.contains("message failed") && line.contains(&marker))
    })
    .await;
    assert!(logged, "{concern} logged the failure: {}", app.logs());
    app.logs()
        .lines()
        .find(|line| line.contains("message failed") && line.contains(&marker))
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn a_public_page_request_carries_its_own_request_id_into_the_posts_concern() {
    let app = spawn_with_faults(&[]).await;
    app.inject("posts", "error", 1).await;

    let response = app.get("/a-post-nobody-cached/").await;

    let id = response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let line = failure_line(&app, "posts").await;
    assert!(
        line.contains(&id),
        "the posts concern's log line carries the page request's id: {line}"
    );
    assert!(!app.logs().contains("request_id=site"), "{}", app.logs());
}

#[tokio::test]
async fn a_save_carries_its_request_id_through_posts_into_the_render_concern() {
    let app = spawn_with_faults(&[]).await;
    app.inject("render", "error", 1).await;

    let response = app
        .client
        .post(app.url("/api/v1/posts"))
        .json(&json!({"title": "Traced", "markdown": "Hello."}))
        .send()
        .await
        .unwrap();

    let id = response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let line = failure_line(&app, "render").await;
    assert!(
        line.contains(&id),
        "render's log line carries the id of the request that saved: {line}"
    );
}

#[tokio::test]
async fn every_queued_panic_fires_on_a_request_and_is_counted_none_vanishes() {
    // A long backoff keeps posts restarting for seconds, across several ticks
    // of the scheduler, which sends posts a message of its own every second.
    let app = TestApp::spawn_with(&[
        "--fault-injection",
        "--backoff-min",
        "200ms",
        "--restart-limit",
        "10",
    ])
    .await;
    app.inject("posts", "panic", 5).await;

    let mut statuses = Vec::new();
    for _ in 0..5 {
        statuses.push(app.get("/api/v1/admin/stats/posts").await.status().as_u16());
    }

    assert_eq!(
        statuses, [503; 5],
        "each request met one of the five panics"
    );
    assert_eq!(
        app.metric("folio_concern_panics_total{concern=\"posts\"}")
            .await,
        5.0
    );
    let (status, pending) = app.get_json("/api/v1/admin/faults").await;
    assert_eq!(status, 200);
    let posts = pending
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["concern"] == "posts")
        .unwrap();
    assert_eq!(posts["pending"], 0, "{pending}");
    let (status, body) = app.get_json("/api/v1/admin/stats/posts").await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn faults_taken_by_calls_dropped_in_a_restart_stay_pending() {
    let app = TestApp::spawn_with(&["--fault-injection", "--restart-limit", "10"]).await;
    app.inject("posts", "panic", 5).await;

    // Five calls at once: the first panic restarts posts with the others in
    // flight, and a restart drops their work before it runs.
    let statuses = futures::future::join_all(
        (0..5).map(|_| async { app.get("/api/v1/admin/stats/posts").await.status() }),
    )
    .await;

    assert!(statuses.iter().all(|s| s.as_u16() == 503), "{statuses:?}");
    let panics = app
        .metric("folio_concern_panics_total{concern=\"posts\"}")
        .await;
    let (_, pending) = app.get_json("/api/v1/admin/faults").await;
    let pending = pending
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["concern"] == "posts")
        .unwrap()["pending"]
        .as_f64()
        .unwrap();
    assert_eq!(panics + pending, 5.0, "{panics} fired, {pending} pending");
}
