//! Tags as an editor manages them: renamed (the old address and feed lead to
//! the new ones), described (on the tag's page), merged and deleted, with
//! every page, count and search result following at once.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::{Duration, Instant};

use common::TestApp;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// A client that shows a 301 itself rather than following it.
fn reader() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// What a reader gets at `path`: the status, the Location if any, and the body.
async fn visit(app: &TestApp, path: &str) -> (StatusCode, Option<String>, String) {
    let response = reader().get(app.url(path)).send().await.unwrap();
    let location = response
        .headers()
        .get("location")
        .map(|value| value.to_str().unwrap().to_owned());
    (response.status(), location, response.text().await.unwrap())
}

/// Where a 301 from `from` leads, as a path on the site.
async fn leads(app: &TestApp, from: &str) -> Option<String> {
    let (status, location, _) = visit(app, from).await;
    assert_eq!(status, StatusCode::MOVED_PERMANENTLY, "{from}");
    location.map(|url| url.trim_start_matches(&app.url("")).to_owned())
}

async fn send(request: reqwest::RequestBuilder) -> (StatusCode, Value) {
    let response = request.send().await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn publish(app: &TestApp, title: &str, tags: &[&str]) -> Value {
    let (status, post) = send(app.client.post(app.url("/api/v1/posts")).json(&json!({
        "title": title,
        "markdown": format!("All about {title}."),
        "tags": tags,
        "status": "published",
    })))
    .await;
    assert_eq!(status, StatusCode::CREATED, "{post}");
    post
}

async fn edit(app: &TestApp, slug: &str, body: Value) -> (StatusCode, Value) {
    send(
        app.client
            .patch(app.url(&format!("/api/v1/tags/{slug}")))
            .json(&body),
    )
    .await
}

async fn tags(app: &TestApp) -> Vec<Value> {
    let (status, tags) = app.get_json("/api/v1/tags").await;
    assert_eq!(status, 200);
    tags.as_array().unwrap().clone()
}

fn tag<'a>(tags: &'a [Value], slug: &str) -> Option<&'a Value> {
    tags.iter().find(|tag| tag["slug"] == slug)
}

/// The tag names a post's page shows, read back through the API.
async fn post_tags(app: &TestApp, post: &Value) -> Vec<String> {
    let id = post["id"].as_str().unwrap();
    let (_, post) = app.get_json(&format!("/api/v1/posts/{id}")).await;
    post["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|tag| tag["name"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_renamed_tag_moves_its_page_and_feed_and_the_old_addresses_follow() {
    let app = TestApp::spawn().await;
    let first = publish(&app, "Morning light", &["Photo", "Harbour"]).await;
    publish(&app, "Evening light", &["Photo"]).await;
    // Cached under the old name.
    let (status, _, page) = visit(&app, "/tag/photo/").await;
    assert_eq!(status, 200);
    assert!(page.contains("<h1>Photo</h1>"), "{page}");
    assert!(
        visit(&app, "/morning-light/")
            .await
            .2
            .contains(">Photo</a>")
    );

    let (status, renamed) = edit(
        &app,
        "photo",
        json!({ "name": "Photography", "description": "Pictures taken along the quay." }),
    )
    .await;
    assert_eq!(status, 200, "{renamed}");
    assert_eq!(renamed["slug"], "photography");
    assert_eq!(renamed["name"], "Photography");
    assert_eq!(renamed["posts"], 2);

    assert_eq!(
        leads(&app, "/tag/photo/").await.as_deref(),
        Some("/tag/photography/")
    );
    assert_eq!(
        leads(&app, "/tag/photo/feed.xml").await.as_deref(),
        Some("/tag/photography/feed.xml")
    );
    let (status, _, page) = visit(&app, "/tag/photography/").await;
    assert_eq!(status, 200);
    assert!(page.contains("<h1>Photography</h1>"), "{page}");
    assert!(page.contains("Pictures taken along the quay."), "{page}");
    assert!(page.contains("Morning light") && page.contains("Evening light"));
    let (_, _, feed) = visit(&app, "/tag/photography/feed.xml").await;
    assert!(feed.contains("Pictures taken along the quay."), "{feed}");
    // The post's page is not served from the cache with the old name.
    let (_, _, post_page) = visit(&app, "/morning-light/").await;
    assert!(post_page.contains(">Photography</a>"), "{post_page}");
    assert!(!post_page.contains(">Photo</a>"));
    assert_eq!(post_tags(&app, &first).await, ["Photography", "Harbour"]);
    // A save with the new name uses the same tag, not a second one.
    publish(&app, "Night light", &["photography"]).await;
    let listed = tags(&app).await;
    assert_eq!(tag(&listed, "photography").unwrap()["posts"], 3);
    assert!(tag(&listed, "photo").is_none());

    // Renaming back: the tag is at its first address again, with no loop.
    let (status, back) = edit(&app, "photography", json!({ "name": "Photo" })).await;
    assert_eq!(status, 200, "{back}");
    assert_eq!(visit(&app, "/tag/photo/").await.0, 200);
    assert_eq!(
        leads(&app, "/tag/photography/").await.as_deref(),
        Some("/tag/photo/")
    );
    // The description stays; only a changed capitalisation keeps the address.
    assert_eq!(back["description"], "Pictures taken along the quay.");
    let (status, same_place) = edit(&app, "photo", json!({ "name": "PHOTO" })).await;
    assert_eq!(status, 200);
    assert_eq!(same_place["slug"], "photo");
    assert!(
        visit(&app, "/tag/photo/")
            .await
            .2
            .contains("<h1>PHOTO</h1>")
    );

    // The redirects screen shows where they came from.
    let (_, redirects) = app.get_json("/api/v1/redirects").await;
    let from_photography = redirects["redirects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["from"] == "/tag/photography/")
        .unwrap()
        .clone();
    assert_eq!(from_photography["origin"], "tag_change");
}

#[tokio::test]
async fn a_name_another_tag_has_is_refused_and_merging_joins_them() {
    let app = TestApp::spawn().await;
    let both = publish(&app, "Nets and boats", &["Boats", "Boat"]).await;
    let one = publish(&app, "A small boat", &["Boat"]).await;
    publish(&app, "The big boats", &["Boats"]).await;

    let (status, error) = edit(&app, "boat", json!({ "name": "boats" })).await;
    assert_eq!(status, StatusCode::CONFLICT, "{error}");
    assert_eq!(error["error"]["code"], "tag_exists");
    assert!(tag(&tags(&app).await, "boat").is_some(), "nothing changed");

    let (status, merged) = send(
        app.client
            .post(app.url("/api/v1/tags/boat/merge"))
            .json(&json!({ "into": "boats" })),
    )
    .await;
    assert_eq!(status, 200, "{merged}");
    assert_eq!(merged["slug"], "boats");
    assert_eq!(merged["posts"], 3, "three posts, the shared one once");
    assert_eq!(post_tags(&app, &both).await, ["Boats"]);
    assert_eq!(post_tags(&app, &one).await, ["Boats"]);
    let listed = tags(&app).await;
    assert!(tag(&listed, "boat").is_none());
    assert_eq!(
        leads(&app, "/tag/boat/").await.as_deref(),
        Some("/tag/boats/")
    );
    let (_, _, page) = visit(&app, "/tag/boats/").await;
    assert_eq!(page.matches("class=\"post-card\"").count(), 3, "{page}");

    // Refused: into itself, from or into a tag that is not there.
    for (from, into, expected) in [
        ("boats", "boats", StatusCode::UNPROCESSABLE_ENTITY),
        ("boat", "boats", StatusCode::NOT_FOUND),
        ("boats", "nowhere", StatusCode::NOT_FOUND),
    ] {
        let (status, body) = send(
            app.client
                .post(app.url(&format!("/api/v1/tags/{from}/merge")))
                .json(&json!({ "into": into })),
        )
        .await;
        assert_eq!(status, expected, "{from} → {into}: {body}");
    }
}

#[tokio::test]
async fn a_deleted_tag_leaves_every_post_and_its_page_is_gone() {
    let app = TestApp::spawn().await;
    let post = publish(&app, "Odds and ends", &["Misc", "Harbour"]).await;
    assert_eq!(visit(&app, "/tag/misc/").await.0, 200);
    let (status, deleted) = send(app.client.delete(app.url("/api/v1/tags/misc"))).await;
    assert_eq!(status, 200, "{deleted}");
    assert_eq!(deleted["posts"], 1);
    assert_eq!(post_tags(&app, &post).await, ["Harbour"]);
    assert_eq!(visit(&app, "/tag/misc/").await.0, StatusCode::NOT_FOUND);
    assert!(!visit(&app, "/odds-and-ends/").await.2.contains(">Misc</a>"));
    assert!(tag(&tags(&app).await, "misc").is_none());
    let (status, _) = send(app.client.delete(app.url("/api/v1/tags/misc"))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn only_editors_and_above_change_tags_and_bad_values_change_nothing() {
    let app = TestApp::spawn().await;
    publish(&app, "Kites", &["Wind"]).await;
    let author = app.token_for_new_user("author").await;
    let (status, _) = send(
        app.anonymous
            .patch(app.url("/api/v1/tags/wind"))
            .bearer_auth(&author)
            .json(&json!({ "name": "Breeze" })),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = send(
        app.anonymous
            .delete(app.url("/api/v1/tags/wind"))
            .json(&json!({})),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let editor = app.token_for_new_user("editor").await;
    let (status, body) = send(
        app.anonymous
            .patch(app.url("/api/v1/tags/wind"))
            .bearer_auth(&editor)
            .json(&json!({ "description": "Days out with kites." })),
    )
    .await;
    assert_eq!(status, 200, "{body}");

    for bad in [
        json!({ "name": "" }),
        json!({ "name": "x".repeat(81) }),
        json!({ "name": "tab\there" }),
        json!({ "description": "y".repeat(501) }),
        json!({ "colour": "red" }),
    ] {
        let (status, body) = edit(&app, "wind", bad.clone()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {body}");
    }
    let listed = tags(&app).await;
    let wind = tag(&listed, "wind").unwrap();
    assert_eq!(wind["name"], "Wind");
    assert_eq!(wind["description"], "Days out with kites.");
    let (status, _) = edit(&app, "no-such-tag", json!({ "name": "Anything" })).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn search_finds_posts_by_a_tag_s_new_name() {
    let app = TestApp::spawn().await;
    publish(&app, "Quiet mornings", &["Dawn"]).await;
    let (status, _) = edit(&app, "dawn", json!({ "name": "Sunrise" })).await;
    assert_eq!(status, 200);
    let started = Instant::now();
    loop {
        let (status, found) = app.get_json("/api/v1/search?q=sunrise").await;
        assert_eq!(status, 200, "{found}");
        if found["total"] == 1 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "still not found: {found}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
