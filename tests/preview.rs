//! Preview links: a private address that shows a draft or scheduled post
//! with the site's theme to whoever has it, until it is revoked.
#![allow(clippy::unwrap_used)]

mod common;

use common::TestApp;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const SITE: &str = "https://blog.example";

async fn site() -> TestApp {
    TestApp::spawn_with(&["--public-url", SITE]).await
}

/// Sends `body` (if any) to `path` as the holder of `token`.
async fn call(
    app: &TestApp,
    token: Option<&str>,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut request = app.anonymous.request(method, app.url(path));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn draft(app: &TestApp, token: &str, title: &str) -> String {
    let (status, post) = call(
        app,
        Some(token),
        Method::POST,
        "/api/v1/posts",
        Some(json!({ "title": title, "markdown": "Not *yet* out.", "tags": ["Soon"] })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{post}");
    post["id"].as_str().unwrap().to_owned()
}

/// The path of a link the API gave, on the test server.
fn path_of(url: &str) -> String {
    url[url.find("/preview/").unwrap()..].to_owned()
}

#[tokio::test]
async fn a_draft_shows_through_its_link_to_anyone_and_nowhere_else_until_revoked() {
    let app = site().await;
    let owner = app.owner_token.clone().unwrap();
    let id = draft(&app, &owner, "Coming soon").await;
    let links = format!("/api/v1/posts/{id}/preview-link");

    let (status, state) = call(&app, Some(&owner), Method::GET, &links, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(state["active"], false);

    let (status, link) = call(&app, Some(&owner), Method::POST, &links, None).await;
    assert_eq!(status, StatusCode::CREATED, "{link}");
    let url = link["url"].as_str().unwrap();
    assert!(url.starts_with(&format!("{SITE}/preview/")), "{url}");
    let path = path_of(url);

    // Signed out, with the link: the draft in the site's theme.
    let response = app.anonymous.get(app.url(&path)).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let headers = response.headers().clone();
    assert_eq!(headers["cache-control"], "no-store");
    assert_eq!(headers["x-robots-tag"], "noindex, nofollow");
    assert_eq!(headers["referrer-policy"], "same-origin");
    let html = response.text().await.unwrap();
    assert!(
        html.contains("<h1 class=\"post-title\">Coming soon</h1>"),
        "{html}"
    );
    assert!(html.contains("<em>yet</em>"), "{html}");
    assert!(html.contains("<meta name=\"robots\" content=\"noindex, nofollow\">"));
    assert!(html.contains("Preview of a draft post"), "{html}");
    assert!(
        html.contains("href=\"/static/site.css\""),
        "the site's theme"
    );

    let (_, state) = call(&app, Some(&owner), Method::GET, &links, None).await;
    assert_eq!(state["active"], true);
    assert!(state["created_at"].is_string());

    // Nowhere else: not at its slug, not in the feed, the sitemap or a listing.
    for public in [
        "/coming-soon/",
        "/feed.xml",
        "/sitemap.xml",
        "/",
        "/tag/soon/",
    ] {
        let response = app.anonymous.get(app.url(public)).send().await.unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        assert!(
            !text.contains("Coming soon") && !text.contains("/preview/"),
            "{public} ({status}) shows the draft"
        );
    }

    // A new link replaces the old one.
    let (_, second) = call(&app, Some(&owner), Method::POST, &links, None).await;
    let second = path_of(second["url"].as_str().unwrap());
    assert_ne!(second, path);
    assert_eq!(
        app.anonymous
            .get(app.url(&path))
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

    // Revoked: not found, and the page says so as any missing page does.
    let (status, _) = call(&app, Some(&owner), Method::DELETE, &links, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let response = app.anonymous.get(app.url(&second)).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(response.headers()["cache-control"], "no-store");
    assert!(response.text().await.unwrap().contains("Page not found"));
    let (status, _) = call(&app, Some(&owner), Method::DELETE, &links, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "nothing left to revoke");
    let (_, state) = call(&app, Some(&owner), Method::GET, &links, None).await;
    assert_eq!(state["active"], false);
}

#[tokio::test]
async fn only_who_may_edit_a_post_may_share_it() {
    // Signing a new person in comes from the test server's own address.
    let app = TestApp::spawn().await;
    let owner = app.owner_token.clone().unwrap();
    let theirs = draft(&app, &owner, "The owner's draft").await;
    let contributor = app.token_for_new_user("contributor").await;
    let mine = draft(&app, &contributor, "A contributor's draft").await;

    let link = |id: &str| format!("/api/v1/posts/{id}/preview-link");
    let (status, _) = call(&app, None, Method::POST, &link(&theirs), None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // Someone else's draft is not even there for a contributor.
    let (status, _) = call(&app, Some(&contributor), Method::POST, &link(&theirs), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = call(&app, Some(&contributor), Method::GET, &link(&theirs), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let (status, shared) = call(&app, Some(&contributor), Method::POST, &link(&mine), None).await;
    assert_eq!(status, StatusCode::CREATED, "{shared}");
    let path = path_of(shared["url"].as_str().unwrap());
    assert_eq!(
        app.anonymous
            .get(app.url(&path))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    // An editor above them may revoke it.
    let (status, _) = call(&app, Some(&owner), Method::DELETE, &link(&mine), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(
        app.anonymous
            .get(app.url(&path))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn made_up_links_and_links_to_deleted_posts_find_nothing() {
    let app = site().await;
    let owner = app.owner_token.clone().unwrap();
    let id = draft(&app, &owner, "Short lived").await;
    let (_, link) = call(
        &app,
        Some(&owner),
        Method::POST,
        &format!("/api/v1/posts/{id}/preview-link"),
        None,
    )
    .await;
    let path = path_of(link["url"].as_str().unwrap());

    let guessed = format!("/preview/{}/", "0".repeat(64));
    let upper = path.to_uppercase().replace("/PREVIEW/", "/preview/");
    for made_up in [
        "/preview/abc/",
        guessed.as_str(),
        upper.as_str(),
        "/preview/%00/",
    ] {
        let response = app.anonymous.get(app.url(made_up)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{made_up}");
    }

    let (status, _) = call(
        &app,
        Some(&owner),
        Method::DELETE,
        &format!("/api/v1/posts/{id}"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(
        app.anonymous
            .get(app.url(&path))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::NOT_FOUND
    );
}
