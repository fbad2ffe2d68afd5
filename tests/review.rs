//! Review requests, seen from outside: a contributor, who may not publish,
//! submits a draft for review; editors find what waits for them; publishing
//! answers the request.
#![allow(clippy::unwrap_used)]

mod common;

use common::TestApp;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// `method path` with `token`'s bearer, and a JSON body if given.
async fn call(
    app: &TestApp,
    token: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut request = app
        .anonymous
        .request(method, app.url(path))
        .bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// The titles of the posts `token` sees waiting for review, and their total.
async fn waiting(app: &TestApp, token: &str) -> (Vec<String>, u64) {
    let (status, page) = call(
        app,
        token,
        Method::GET,
        "/api/v1/posts?review=waiting",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let titles = page["posts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|post| post["title"].as_str().unwrap().to_owned())
        .collect();
    (titles, page["total"].as_u64().unwrap())
}

#[tokio::test]
async fn a_contributor_submits_a_draft_an_editor_finds_it_and_publishing_answers_it() {
    let app = TestApp::spawn().await;
    let contributor = app.token_for_new_user("contributor").await;
    let editor = app.token_for_new_user("editor").await;

    let (status, draft) = call(
        &app,
        &contributor,
        Method::POST,
        "/api/v1/posts",
        Some(json!({ "title": "Field notes" })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{draft}");
    assert_eq!(draft["review_requested_at"], Value::Null);
    let id = draft["id"].as_str().unwrap().to_owned();
    call(
        &app,
        &contributor,
        Method::POST,
        "/api/v1/posts",
        Some(json!({ "title": "Not ready yet" })),
    )
    .await;

    let (status, submitted) = call(
        &app,
        &contributor,
        Method::PATCH,
        &format!("/api/v1/posts/{id}"),
        Some(json!({ "markdown": "Seen today.", "review": true, "revision": 1 })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{submitted}");
    assert_eq!(submitted["status"], "draft");
    assert_eq!(submitted["markdown"], "Seen today.", "the submit saves too");
    let asked_at = submitted["review_requested_at"]
        .as_str()
        .unwrap()
        .to_owned();

    assert_eq!(
        waiting(&app, &editor).await,
        (vec!["Field notes".to_owned()], 1)
    );
    assert_eq!(
        waiting(&app, &contributor).await,
        (vec!["Field notes".to_owned()], 1),
        "a contributor sees their own waiting drafts"
    );
    let (_, listed) = call(&app, &editor, Method::GET, "/api/v1/posts", None).await;
    let summary = listed["posts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|post| post["id"] == id.as_str())
        .unwrap();
    assert_eq!(summary["review_requested_at"], asked_at.as_str());

    let (_, again) = call(
        &app,
        &contributor,
        Method::PATCH,
        &format!("/api/v1/posts/{id}"),
        Some(json!({ "review": true, "revision": 2 })),
    )
    .await;
    assert_eq!(
        again["review_requested_at"],
        asked_at.as_str(),
        "asking again keeps how long it has waited"
    );

    let (status, published) = call(
        &app,
        &editor,
        Method::POST,
        &format!("/api/v1/posts/{id}/publish"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{published}");
    assert_eq!(published["review_requested_at"], Value::Null);
    assert_eq!(waiting(&app, &editor).await, (Vec::new(), 0));
}

#[tokio::test]
async fn a_request_is_taken_back_and_only_whoever_may_edit_the_draft_may_ask() {
    let app = TestApp::spawn().await;
    let contributor = app.token_for_new_user("contributor").await;
    let other = app.token_for_new_user("contributor").await;
    let editor = app.token_for_new_user("editor").await;

    let (_, draft) = call(
        &app,
        &contributor,
        Method::POST,
        "/api/v1/posts",
        Some(json!({ "title": "Straight in", "review": true })),
    )
    .await;
    let id = draft["id"].as_str().unwrap().to_owned();
    assert!(
        draft["review_requested_at"].is_string(),
        "a new draft may be submitted as it is made: {draft}"
    );

    let (status, _) = call(
        &app,
        &other,
        Method::PATCH,
        &format!("/api/v1/posts/{id}"),
        Some(json!({ "review": false, "revision": 1 })),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "another contributor does not even see the draft"
    );

    let (status, back) = call(
        &app,
        &contributor,
        Method::PATCH,
        &format!("/api/v1/posts/{id}"),
        Some(json!({ "review": false, "revision": 1 })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{back}");
    assert_eq!(back["review_requested_at"], Value::Null);
    assert_eq!(waiting(&app, &editor).await, (Vec::new(), 0));

    let (status, _) = call(
        &app,
        &editor,
        Method::PATCH,
        &format!("/api/v1/posts/{id}"),
        Some(json!({ "review": true, "revision": 2 })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "an editor may mark it too");
    let (status, scheduled) = call(
        &app,
        &editor,
        Method::PATCH,
        &format!("/api/v1/posts/{id}"),
        Some(json!({ "status": "scheduled", "publish_at": "2999-01-01T09:00:00Z", "revision": 3 })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{scheduled}");
    assert_eq!(
        scheduled["review_requested_at"],
        Value::Null,
        "scheduling decides it as publishing does"
    );

    let (status, refused) = call(
        &app,
        &editor,
        Method::PATCH,
        &format!("/api/v1/posts/{id}"),
        Some(json!({ "review": true, "revision": 4 })),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    let (_, unchanged) = call(
        &app,
        &editor,
        Method::GET,
        &format!("/api/v1/posts/{id}"),
        None,
    )
    .await;
    assert_eq!(unchanged["revision"], 4, "a refused save leaves nothing");
}
