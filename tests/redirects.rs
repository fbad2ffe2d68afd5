//! Redirects, seen from outside: old addresses answer 301 to where a post is
//! now, administrators list, add and remove redirects, and loops, the site's
//! own addresses and bad input are refused with nothing saved.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::TestApp;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// A client that shows the 301 itself rather than following it.
fn reader() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// What a reader gets at `path`: the status and the Location, if any.
async fn visit(app: &TestApp, path: &str) -> (StatusCode, Option<String>) {
    let response = reader().get(app.url(path)).send().await.unwrap();
    let location = response
        .headers()
        .get("location")
        .map(|value| value.to_str().unwrap().to_owned());
    (response.status(), location)
}

async fn send(app: &TestApp, request: reqwest::RequestBuilder) -> (StatusCode, Value) {
    let _ = app;
    let response = request.send().await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn create_post(app: &TestApp, body: Value) -> Value {
    let (status, post) = send(app, app.client.post(app.url("/api/v1/posts")).json(&body)).await;
    assert_eq!(status, StatusCode::CREATED, "{post}");
    post
}

async fn published(app: &TestApp, title: &str, slug: &str) -> Value {
    create_post(
        app,
        json!({ "title": title, "slug": slug, "markdown": format!("About {title}."), "status": "published" }),
    )
    .await
}

async fn patch_post(app: &TestApp, post: &Value, body: Value) -> Value {
    let mut body = body;
    body["revision"] = post["revision"].clone();
    let id = post["id"].as_str().unwrap();
    let (status, saved) = send(
        app,
        app.client
            .patch(app.url(&format!("/api/v1/posts/{id}")))
            .json(&body),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    saved
}

async fn add(app: &TestApp, body: Value) -> (StatusCode, Value) {
    send(
        app,
        app.client.post(app.url("/api/v1/redirects")).json(&body),
    )
    .await
}

async fn list(app: &TestApp) -> Value {
    let (status, page) = send(app, app.client.get(app.url("/api/v1/redirects"))).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    page
}

async fn remove(app: &TestApp, id: &str) -> StatusCode {
    app.client
        .delete(app.url(&format!("/api/v1/redirects/{id}")))
        .send()
        .await
        .unwrap()
        .status()
}

fn at(app: &TestApp, path: &str) -> Option<String> {
    Some(app.url(path))
}

#[tokio::test]
async fn a_changed_slug_answers_301_from_the_old_address_to_the_new_one() {
    let app = TestApp::spawn().await;
    let post = published(&app, "Moving house", "moving-house").await;
    assert_eq!(visit(&app, "/moving-house/").await, (StatusCode::OK, None));

    patch_post(&app, &post, json!({ "slug": "we-moved" })).await;

    assert_eq!(
        visit(&app, "/moving-house/").await,
        (StatusCode::MOVED_PERMANENTLY, at(&app, "/we-moved/"))
    );
    // Without its trailing slash, as people type it, too.
    assert_eq!(
        visit(&app, "/moving-house").await,
        (StatusCode::MOVED_PERMANENTLY, at(&app, "/we-moved/"))
    );
    assert_eq!(visit(&app, "/we-moved/").await, (StatusCode::OK, None));
    let page = list(&app).await;
    assert_eq!(page["total"], 1, "{page}");
    let redirect = &page["redirects"][0];
    assert_eq!(redirect["from"], "/moving-house/");
    assert_eq!(redirect["to"]["post"], post["id"]);
    assert_eq!(redirect["location"], "/we-moved/");
    assert_eq!(redirect["origin"], "slug_change");
}

#[tokio::test]
async fn a_draft_renamed_before_it_was_ever_published_leaves_no_redirect() {
    let app = TestApp::spawn().await;
    let draft = create_post(
        &app,
        json!({ "title": "Work in progress", "slug": "wip", "markdown": "Soon." }),
    )
    .await;
    patch_post(&app, &draft, json!({ "slug": "almost-there" })).await;
    assert_eq!(visit(&app, "/wip/").await.0, StatusCode::NOT_FOUND);
    assert_eq!(list(&app).await["total"], 0);
}

#[tokio::test]
async fn a_chain_of_slug_changes_leads_every_old_address_straight_to_the_current_one() {
    let app = TestApp::spawn().await;
    let post = published(&app, "Chain", "first").await;
    let post = patch_post(&app, &post, json!({ "slug": "second" })).await;
    // Warm the edge's cache with the first answer.
    assert_eq!(
        visit(&app, "/first/").await,
        (StatusCode::MOVED_PERMANENTLY, at(&app, "/second/"))
    );
    let post = patch_post(&app, &post, json!({ "slug": "third" })).await;

    for old in ["/first/", "/second/"] {
        assert_eq!(
            visit(&app, old).await,
            (StatusCode::MOVED_PERMANENTLY, at(&app, "/third/")),
            "{old}"
        );
    }

    // And back to the first: it is live again, the others lead to it.
    patch_post(&app, &post, json!({ "slug": "first" })).await;
    assert_eq!(visit(&app, "/first/").await, (StatusCode::OK, None));
    for old in ["/second/", "/third/"] {
        assert_eq!(
            visit(&app, old).await,
            (StatusCode::MOVED_PERMANENTLY, at(&app, "/first/")),
            "{old}"
        );
    }
    // A browser following them lands on the page, never in a loop.
    let response = app.anonymous.get(app.url("/second/")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.url().path(), "/first/");
    let froms: Vec<String> = list(&app).await["redirects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["from"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(froms, ["/second/", "/third/"]);
}

#[tokio::test]
async fn a_new_post_that_takes_an_old_slug_wins_over_the_redirect() {
    let app = TestApp::spawn().await;
    let post = published(&app, "Old name", "taken-over").await;
    patch_post(&app, &post, json!({ "slug": "renamed" })).await;
    assert_eq!(
        visit(&app, "/taken-over/").await,
        (StatusCode::MOVED_PERMANENTLY, at(&app, "/renamed/"))
    );

    // A draft at the old address shows nothing yet: the redirect still holds.
    let newcomer = create_post(
        &app,
        json!({ "title": "The newcomer", "slug": "taken-over", "markdown": "Mine now." }),
    )
    .await;
    assert_eq!(
        visit(&app, "/taken-over/").await,
        (StatusCode::MOVED_PERMANENTLY, at(&app, "/renamed/"))
    );

    patch_post(&app, &newcomer, json!({ "status": "published" })).await;
    let response = app
        .anonymous
        .get(app.url("/taken-over/"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.url().path(), "/taken-over/");
    assert!(response.text().await.unwrap().contains("The newcomer"));
    // The redirect is gone for good: unpublishing the newcomer gives a 404,
    // not the old post back.
    assert_eq!(list(&app).await["total"], 0);
}

#[tokio::test]
async fn a_redirect_to_a_post_that_is_not_published_answers_404() {
    let app = TestApp::spawn().await;
    let post = published(&app, "Now you see it", "see-it").await;
    let post = patch_post(&app, &post, json!({ "slug": "saw-it" })).await;
    assert_eq!(
        visit(&app, "/see-it/").await,
        (StatusCode::MOVED_PERMANENTLY, at(&app, "/saw-it/"))
    );

    let id = post["id"].as_str().unwrap();
    let (status, _) = send(
        &app,
        app.client
            .post(app.url(&format!("/api/v1/posts/{id}/unpublish"))),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, location) = visit(&app, "/see-it/").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(location, None, "a draft's address must not leak");
    let page = list(&app).await;
    assert_eq!(page["redirects"][0]["location"], Value::Null, "{page}");

    let (status, _) = send(
        &app,
        app.client
            .post(app.url(&format!("/api/v1/posts/{id}/publish"))),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        visit(&app, "/see-it/").await,
        (StatusCode::MOVED_PERMANENTLY, at(&app, "/saw-it/"))
    );
}

#[tokio::test]
async fn deleting_a_post_removes_its_redirects() {
    let app = TestApp::spawn().await;
    let post = published(&app, "Short lived", "short").await;
    let post = patch_post(&app, &post, json!({ "slug": "shorter" })).await;
    assert_eq!(
        visit(&app, "/short/").await,
        (StatusCode::MOVED_PERMANENTLY, at(&app, "/shorter/"))
    );
    let id = post["id"].as_str().unwrap();
    let status = app
        .client
        .delete(app.url(&format!("/api/v1/posts/{id}")))
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, StatusCode::NO_CONTENT);

    assert_eq!(visit(&app, "/short/").await, (StatusCode::NOT_FOUND, None));
    assert_eq!(list(&app).await["total"], 0);
}

#[tokio::test]
async fn administrators_add_follow_list_and_remove_redirects() {
    let app = TestApp::spawn().await;
    let post = published(&app, "Target", "target").await;

    // Nothing there yet (and the edge remembers that much)…
    assert_eq!(
        visit(&app, "/old/path/").await,
        (StatusCode::NOT_FOUND, None)
    );
    // …until a redirect is added: to an address, given without its trailing
    // slash, kept canonical.
    let (status, to_path) = add(&app, json!({ "from": "/old/path", "to": "/tag/photos/" })).await;
    assert_eq!(status, StatusCode::CREATED, "{to_path}");
    assert_eq!(to_path["from"], "/old/path/");
    assert_eq!(to_path["to"]["url"], "/tag/photos/");
    assert_eq!(to_path["origin"], "manual");
    for spelling in ["/old/path/", "/old/path", "/old//path/", "/%6Fld/path/"] {
        assert_eq!(
            visit(&app, spelling).await,
            (StatusCode::MOVED_PERMANENTLY, at(&app, "/tag/photos/")),
            "{spelling}"
        );
    }

    // To a post: it follows the post's slug.
    let (status, to_post) = add(
        &app,
        json!({ "from": "/2019/03/04/café/", "post_id": post["id"] }),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{to_post}");
    assert_eq!(to_post["from"], "/2019/03/04/caf%C3%A9/");
    assert_eq!(to_post["location"], "/target/");
    assert_eq!(
        visit(&app, "/2019/03/04/caf%c3%a9").await,
        (StatusCode::MOVED_PERMANENTLY, at(&app, "/target/"))
    );
    patch_post(&app, &post, json!({ "slug": "moved-target" })).await;
    assert_eq!(
        visit(&app, "/2019/03/04/caf%C3%A9/").await,
        (StatusCode::MOVED_PERMANENTLY, at(&app, "/moved-target/"))
    );

    // To another site.
    let (status, away) = add(
        &app,
        json!({ "from": "/elsewhere/", "to": "https://example.org/new-home/" }),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{away}");
    assert_eq!(
        visit(&app, "/elsewhere/").await,
        (
            StatusCode::MOVED_PERMANENTLY,
            Some("https://example.org/new-home/".to_owned())
        )
    );

    // Listed by address (the slug change left one too).
    let page = list(&app).await;
    let froms: Vec<&str> = page["redirects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["from"].as_str().unwrap())
        .collect();
    assert_eq!(
        froms,
        [
            "/2019/03/04/caf%C3%A9/",
            "/elsewhere/",
            "/old/path/",
            "/target/"
        ]
    );

    // Removed: the next reader gets the 404 at once (nothing kept at the edge).
    assert_eq!(
        remove(&app, to_path["id"].as_str().unwrap()).await,
        StatusCode::NO_CONTENT
    );
    assert_eq!(visit(&app, "/old/path/").await.0, StatusCode::NOT_FOUND);
    assert_eq!(
        remove(&app, to_path["id"].as_str().unwrap()).await,
        StatusCode::NOT_FOUND
    );
    assert_eq!(remove(&app, "not-an-id").await, StatusCode::NOT_FOUND);
    assert_eq!(list(&app).await["total"], 3);
}

#[tokio::test]
async fn an_old_style_query_address_redirects_and_the_home_page_stays_home() {
    let app = TestApp::spawn().await;
    let post = published(&app, "By number", "by-number").await;
    let (status, redirect) = add(&app, json!({ "from": "/?p=123", "post_id": post["id"] })).await;
    assert_eq!(status, StatusCode::CREATED, "{redirect}");
    assert_eq!(redirect["from"], "/?p=123");
    let (status, _) = add(
        &app,
        json!({ "from": "/archives/?page_id=7&lang=en", "to": "/by-number/" }),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);

    assert_eq!(
        visit(&app, "/?p=123").await,
        (StatusCode::MOVED_PERMANENTLY, at(&app, "/by-number/"))
    );
    // The pairs in any order, encoded or not.
    assert_eq!(
        visit(&app, "/archives?lang=en&page_id=%37").await,
        (StatusCode::MOVED_PERMANENTLY, at(&app, "/by-number/"))
    );
    assert_eq!(visit(&app, "/").await, (StatusCode::OK, None));
    assert_eq!(visit(&app, "/?p=124").await, (StatusCode::OK, None));

    // A query no redirect names falls back to the path alone.
    let (status, _) = add(&app, json!({ "from": "/old-post/", "to": "/by-number/" })).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(
        visit(&app, "/old-post/?utm_source=feed").await,
        (StatusCode::MOVED_PERMANENTLY, at(&app, "/by-number/"))
    );
}

#[tokio::test]
async fn a_redirect_loop_is_refused_when_saved() {
    let app = TestApp::spawn().await;
    let (status, _) = add(&app, json!({ "from": "/a/", "to": "/b/" })).await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, error) = add(&app, json!({ "from": "/b/", "to": "/a" })).await;
    assert_eq!(status, StatusCode::CONFLICT, "{error}");
    assert_eq!(error["error"]["code"], "redirect_loop");
    assert!(
        error["error"]["message"].as_str().unwrap().contains("/a/"),
        "{error}"
    );

    // A longer chain back to the start.
    for (from, to) in [("/x/", "/y/"), ("/y/", "/z/")] {
        let (status, _) = add(&app, json!({ "from": from, "to": to })).await;
        assert_eq!(status, StatusCode::CREATED);
    }
    let (status, error) = add(&app, json!({ "from": "/z/", "to": "/x/" })).await;
    assert_eq!(status, StatusCode::CONFLICT, "{error}");
    assert_eq!(error["error"]["code"], "redirect_loop");

    // To itself, however spelled.
    let (status, error) = add(&app, json!({ "from": "/self/", "to": "/self" })).await;
    assert_eq!(status, StatusCode::CONFLICT, "{error}");
    assert_eq!(error["error"]["code"], "redirect_loop");

    // To a post whose own address is the "from" (a draft: not yet live).
    let draft = create_post(&app, json!({ "title": "Draft", "slug": "draft-here" })).await;
    let (status, error) = add(
        &app,
        json!({ "from": "/draft-here/", "post_id": draft["id"] }),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{error}");
    assert_eq!(error["error"]["code"], "redirect_loop");

    let page = list(&app).await;
    assert_eq!(
        page["total"], 3,
        "only the three good ones are kept: {page}"
    );
    assert_eq!(visit(&app, "/z/").await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn bad_input_is_refused_with_a_clear_error_and_nothing_is_saved() {
    let app = TestApp::spawn().await;
    let post = published(&app, "Live", "live").await;
    let (status, _) = add(&app, json!({ "from": "/kept/", "to": "/live/" })).await;
    assert_eq!(status, StatusCode::CREATED);

    let refused = [
        // The site's own addresses.
        (
            json!({ "from": "/admin/", "to": "/live/" }),
            422,
            "invalid_input",
        ),
        (
            json!({ "from": "/api/v1/posts", "to": "/live/" }),
            422,
            "invalid_input",
        ),
        (
            json!({ "from": "/media/x/v1/320.jpg", "to": "/live/" }),
            422,
            "invalid_input",
        ),
        (
            json!({ "from": "/static/admin/app.js", "to": "/live/" }),
            422,
            "invalid_input",
        ),
        (
            json!({ "from": "/feed.xml", "to": "/live/" }),
            422,
            "invalid_input",
        ),
        (
            json!({ "from": "/tag/photos/feed.xml", "to": "/live/" }),
            422,
            "invalid_input",
        ),
        (
            json!({ "from": "/sitemap-1.xml", "to": "/live/" }),
            422,
            "invalid_input",
        ),
        (
            json!({ "from": "/search/?q=x", "to": "/live/" }),
            422,
            "invalid_input",
        ),
        (
            json!({ "from": "/healthz", "to": "/live/" }),
            422,
            "invalid_input",
        ),
        (json!({ "from": "/", "to": "/live/" }), 422, "invalid_input"),
        // A live post's address.
        (
            json!({ "from": "/live/", "to": "/kept/" }),
            409,
            "redirect_from_live",
        ),
        // Taken.
        (
            json!({ "from": "/kept", "to": "/live/" }),
            409,
            "redirect_exists",
        ),
        // Not paths here.
        (json!({ "from": "", "to": "/live/" }), 422, "invalid_input"),
        (
            json!({ "from": "old-post", "to": "/live/" }),
            422,
            "invalid_input",
        ),
        (
            json!({ "from": "https://old.example/post/", "to": "/live/" }),
            422,
            "invalid_input",
        ),
        (
            json!({ "from": "//old.example/post/", "to": "/live/" }),
            422,
            "invalid_input",
        ),
        (
            json!({ "from": "/a/../admin/", "to": "/live/" }),
            422,
            "invalid_input",
        ),
        (
            json!({ "from": "/bad%zz/", "to": "/live/" }),
            422,
            "invalid_input",
        ),
        (
            json!({ "from": "/bad%ff/", "to": "/live/" }),
            422,
            "invalid_input",
        ),
        (
            json!({ "from": "/a b/", "to": "/live/" }),
            422,
            "invalid_input",
        ),
        (
            json!({ "from": "/old#part", "to": "/live/" }),
            422,
            "invalid_input",
        ),
        (
            json!({ "from": format!("/{}/", "a".repeat(2100)), "to": "/live/" }),
            422,
            "invalid_input",
        ),
        // Targets that are nowhere, or somewhere dangerous.
        (
            json!({ "from": "/t1/", "to": "javascript:alert(1)" }),
            422,
            "invalid_input",
        ),
        (
            json!({ "from": "/t2/", "to": "//evil.example/" }),
            422,
            "invalid_input",
        ),
        (json!({ "from": "/t3/", "to": "" }), 422, "invalid_input"),
        (
            json!({ "from": "/t4/", "to": "/live/", "post_id": post["id"] }),
            422,
            "invalid_input",
        ),
        (json!({ "from": "/t5/" }), 422, "invalid_input"),
        (
            json!({ "from": "/t6/", "post_id": "0190a5b2-0000-7000-8000-000000000000" }),
            422,
            "invalid_input",
        ),
        (
            json!({ "from": "/t7/", "post_id": "nope" }),
            422,
            "invalid_input",
        ),
        (
            json!({ "from": "/t8/", "to": "/live/", "extra": 1 }),
            422,
            "invalid_input",
        ),
    ];
    for (body, status, code) in refused {
        let (got, error) = add(&app, body.clone()).await;
        assert_eq!(got.as_u16(), status, "{body} → {error}");
        assert_eq!(error["error"]["code"], code, "{body} → {error}");
        assert!(
            !error["error"]["message"].as_str().unwrap_or("").is_empty(),
            "{body} → {error}"
        );
    }
    let (status, error) = send(
        &app,
        app.client
            .post(app.url("/api/v1/redirects"))
            .header("content-type", "application/json")
            .body("{not json"),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{error}");

    let page = list(&app).await;
    assert_eq!(page["total"], 1, "{page}");
    // The live page is untouched.
    assert_eq!(visit(&app, "/live/").await, (StatusCode::OK, None));
}

#[tokio::test]
async fn only_administrators_and_the_owner_manage_redirects() {
    let app = TestApp::spawn().await;
    let (status, redirect) = add(&app, json!({ "from": "/mine/", "to": "/" })).await;
    assert_eq!(status, StatusCode::CREATED, "{redirect}");
    let id = redirect["id"].as_str().unwrap();

    let editor = app.token_for_new_user("editor").await;
    let as_editor = |request: reqwest::RequestBuilder| request.bearer_auth(&editor);
    let (status, error) = send(
        &app,
        as_editor(app.anonymous.get(app.url("/api/v1/redirects"))),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{error}");
    let (status, _) = send(
        &app,
        as_editor(app.anonymous.post(app.url("/api/v1/redirects")))
            .json(&json!({ "from": "/theirs/", "to": "/" })),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = send(
        &app,
        as_editor(
            app.anonymous
                .delete(app.url(&format!("/api/v1/redirects/{id}"))),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let (status, _) = send(&app, app.anonymous.get(app.url("/api/v1/redirects"))).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    let admin = app.token_for_new_user("administrator").await;
    let (status, page) = send(
        &app,
        app.anonymous
            .get(app.url("/api/v1/redirects"))
            .bearer_auth(&admin),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page["total"], 1);
    // And the redirect still works for readers.
    assert_eq!(
        visit(&app, "/mine/").await,
        (StatusCode::MOVED_PERMANENTLY, at(&app, "/"))
    );
}

#[tokio::test]
async fn a_pages_changed_slug_redirects_too() {
    let app = TestApp::spawn().await;
    let about = create_post(
        &app,
        json!({ "title": "About us", "slug": "about-us", "type": "page", "markdown": "Who we are.", "status": "published" }),
    )
    .await;
    patch_post(&app, &about, json!({ "slug": "about" })).await;
    assert_eq!(
        visit(&app, "/about-us/").await,
        (StatusCode::MOVED_PERMANENTLY, at(&app, "/about/"))
    );
    let response = app
        .anonymous
        .get(app.url("/about-us/"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.text().await.unwrap().contains("Who we are."));
}
