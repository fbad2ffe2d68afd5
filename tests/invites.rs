//! Sign-up links: a person added without a password chooses their own through
//! a one-time link, instead of an administrator choosing it for them.
#![allow(clippy::unwrap_used)]

mod common;

use common::TestApp;
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn add_person(app: &TestApp, email: &str) -> Value {
    let response = app
        .client
        .post(app.url("/api/v1/users"))
        .json(&json!({ "email": email, "name": "Nia Newcomer", "role": "author" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json().await.unwrap()
}

async fn invite(app: &TestApp, id: &str) -> (StatusCode, Value) {
    let response = app
        .client
        .post(app.url(&format!("/api/v1/users/{id}/invite")))
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn sign_in(app: &TestApp, email: &str, password: &str) -> StatusCode {
    app.anonymous
        .post(app.url("/api/v1/session"))
        .json(&json!({ "email": email, "password": password }))
        .send()
        .await
        .unwrap()
        .status()
}

fn path_of(url: &str) -> String {
    url[url.find("/invite/").unwrap()..].to_owned()
}

async fn submit(app: &TestApp, path: &str, password: &str, again: &str) -> reqwest::Response {
    app.anonymous
        .post(app.url(path))
        .header("origin", &app.address)
        .form(&[("password", password), ("password_again", again)])
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_person_added_without_a_password_signs_up_through_their_link_once() {
    let app = TestApp::spawn().await;
    let person = add_person(&app, "nia@example.com").await;
    assert_eq!(person["signed_up"], false);
    let id = person["id"].as_str().unwrap();

    let (status, link) = invite(&app, id).await;
    assert_eq!(status, StatusCode::CREATED, "{link}");
    assert!(link["expires_at"].is_string());
    let path = path_of(link["url"].as_str().unwrap());

    let page = app.anonymous.get(app.url(&path)).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert_eq!(page.headers()["cache-control"], "no-store");
    assert_eq!(page.headers()["referrer-policy"], "same-origin");
    let html = page.text().await.unwrap();
    assert!(
        html.contains("Nia Newcomer") && html.contains("nia@example.com"),
        "{html}"
    );

    // Mistakes show the form again, saying what is wrong; the link still works.
    let differ = submit(&app, &path, "a long password", "another long one").await;
    assert_eq!(differ.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        differ
            .text()
            .await
            .unwrap()
            .contains("The two passwords differ.")
    );
    let short = submit(&app, &path, "short", "short").await;
    assert_eq!(short.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        short
            .text()
            .await
            .unwrap()
            .contains("The password must be at least 8 characters")
    );
    let foreign = app
        .anonymous
        .post(app.url(&path))
        .header("origin", "https://evil.example")
        .form(&[
            ("password", "a long password"),
            ("password_again", "a long password"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(foreign.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        sign_in(&app, "nia@example.com", "a long password").await,
        StatusCode::UNAUTHORIZED
    );

    let done = submit(&app, &path, "a long password", "a long password").await;
    assert_eq!(done.status(), StatusCode::OK);
    assert!(
        done.headers()
            .get_all("set-cookie")
            .iter()
            .any(|cookie| cookie.to_str().unwrap().starts_with("folio_session=")),
        "signed in at once"
    );
    assert!(done.text().await.unwrap().contains("you are signed in"));
    assert_eq!(
        sign_in(&app, "nia@example.com", "a long password").await,
        StatusCode::OK
    );

    // Used up: the link finds nothing, and there is nothing left to invite.
    let again = app.anonymous.get(app.url(&path)).send().await.unwrap();
    assert_eq!(again.status(), StatusCode::NOT_FOUND);
    assert!(again.text().await.unwrap().contains("no longer works"));
    assert_eq!(
        submit(&app, &path, "a takeover password", "a takeover password")
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        sign_in(&app, "nia@example.com", "a takeover password").await,
        StatusCode::UNAUTHORIZED
    );
    let (status, _) = invite(&app, id).await;
    assert_eq!(status, StatusCode::CONFLICT, "they have a password now");
    let (_, person) = app.get_json(&format!("/api/v1/users/{id}")).await;
    assert_eq!(person["signed_up"], true);
}

#[tokio::test]
async fn a_new_link_replaces_the_last_and_only_administrators_make_them() {
    let app = TestApp::spawn().await;
    let person = add_person(&app, "omar@example.com").await;
    let id = person["id"].as_str().unwrap();
    let (_, first) = invite(&app, id).await;
    let (_, second) = invite(&app, id).await;
    let (first, second) = (
        path_of(first["url"].as_str().unwrap()),
        path_of(second["url"].as_str().unwrap()),
    );
    assert_ne!(first, second);
    assert_eq!(
        app.anonymous
            .get(app.url(&first))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.anonymous
            .get(app.url(&second))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );

    let editor = app.token_for_new_user("editor").await;
    let refused = app
        .anonymous
        .post(app.url(&format!("/api/v1/users/{id}/invite")))
        .bearer_auth(&editor)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    for made_up in ["/invite/nothing-here/", "/invite/%00/"] {
        assert_eq!(
            app.anonymous
                .get(app.url(made_up))
                .send()
                .await
                .unwrap()
                .status(),
            StatusCode::NOT_FOUND,
            "{made_up}"
        );
    }
}
