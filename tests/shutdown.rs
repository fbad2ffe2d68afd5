//! A stop signal lets requests in flight finish, closes the stores and exits 0.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::TestApp;
use serde_json::json;

#[tokio::test]
async fn sigterm_lets_requests_in_flight_finish_and_exits_zero() {
    let mut app = TestApp::spawn_with(&["--fault-injection", "--shutdown-timeout", "10s"]).await;
    // Slow every posts message down so requests are surely in flight at the signal.
    app.inject_body(json!({"concern": "posts", "kind": "delay", "delay_ms": 800, "count": 8}))
        .await;
    let requests: Vec<_> = (0..8)
        .map(|_| {
            let (client, url) = (app.client.clone(), app.url("/api/v1/admin/stats/posts"));
            tokio::spawn(async move { client.get(url).send().await })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(300)).await;

    app.signal("TERM");

    for request in requests {
        let response = request
            .await
            .unwrap()
            .expect("a request in flight is not cut off");
        assert_eq!(response.status().as_u16(), 200);
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["posts"], 0);
    }
    let status = app
        .wait_exit(Duration::from_secs(10))
        .expect("exits within the shutdown timeout");
    assert_eq!(status.code(), Some(0), "{}", app.logs());
    assert!(app.logs().contains("stores closed"), "{}", app.logs());
}

#[tokio::test]
async fn sigint_stops_an_idle_server_with_exit_code_zero() {
    let mut app = TestApp::spawn().await;
    assert_eq!(app.get("/healthz").await.status().as_u16(), 200);

    app.signal("INT");

    let status = app
        .wait_exit(Duration::from_secs(10))
        .expect("exits promptly");
    assert_eq!(status.code(), Some(0));
    assert!(
        app.client.get(app.url("/healthz")).send().await.is_err(),
        "no longer accepting"
    );
}
