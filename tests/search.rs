//! Search, as readers and writers use it: the `/search/` page and
//! `GET /api/v1/search`, fed by posts' changes, down without taking the site
//! with it, and rebuilt from posts when its index is gone.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::{TestApp, eventually};
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn create(app: &TestApp, body: Value) -> Value {
    let response = app
        .client
        .post(app.url("/api/v1/posts"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json().await.unwrap()
}

/// What `client` finds for `q` through the API.
async fn api_search(app: &TestApp, client: &reqwest::Client, q: &str) -> Value {
    let response = client
        .get(app.url("/api/v1/search"))
        .query(&[("q", q)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK, "searching {q:?}");
    response.json().await.unwrap()
}

/// Up to 50 of what the owner finds for `q`, drafts too.
async fn everything(app: &TestApp, q: &str) -> Value {
    app.client
        .get(app.url("/api/v1/search"))
        .query(&[("q", q), ("per_page", "50")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// The total and every hit's title, status and snippet, in title order: what a
/// rebuilt index must give again. (The order among equal scores is the
/// engine's, by where documents sit in the index.)
fn hits(found: &Value) -> (u64, Vec<(String, String, String)>) {
    let mut hits: Vec<_> = found["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|hit| {
            (
                hit["title"].as_str().unwrap().to_owned(),
                hit["status"].as_str().unwrap().to_owned(),
                hit["snippet_html"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    hits.sort();
    (found["total"].as_u64().unwrap(), hits)
}

fn titles(found: &Value) -> Vec<String> {
    found["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|hit| hit["title"].as_str().unwrap().to_owned())
        .collect()
}

/// Whether an anonymous reader finds exactly `expected` for `q` within a second.
async fn readers_find(app: &TestApp, q: &str, expected: &[&str]) -> bool {
    eventually(Duration::from_secs(1), || async {
        titles(&api_search(app, &app.anonymous, q).await) == expected
    })
    .await
}

#[tokio::test]
async fn search_follows_publish_edit_unpublish_and_delete_within_a_second() {
    let app = TestApp::spawn().await;
    let post = create(
        &app,
        json!({ "title": "Kites over Zanzibar", "markdown": "A windy **afternoon** with kites.", "status": "published", "tags": ["Travel"] }),
    )
    .await;
    let id = post["id"].as_str().unwrap();
    assert!(readers_find(&app, "zanzibar", &["Kites over Zanzibar"]).await);

    // An edit: the new words are found, the old ones no longer.
    let edited = app
        .client
        .patch(app.url(&format!("/api/v1/posts/{id}")))
        .json(&json!({ "title": "Kites over Lamu", "revision": post["revision"] }))
        .send()
        .await
        .unwrap();
    assert_eq!(edited.status(), StatusCode::OK);
    assert!(readers_find(&app, "lamu", &["Kites over Lamu"]).await);
    assert!(readers_find(&app, "zanzibar", &[]).await);

    // Unpublished: gone for readers, still there for its author.
    let unpublished = app
        .client
        .post(app.url(&format!("/api/v1/posts/{id}/unpublish")))
        .send()
        .await
        .unwrap();
    assert_eq!(unpublished.status(), StatusCode::OK);
    assert!(readers_find(&app, "lamu", &[]).await);
    let mine = api_search(&app, &app.client, "lamu").await;
    assert_eq!(titles(&mine), ["Kites over Lamu"]);
    assert_eq!(mine["hits"][0]["status"], "draft");

    // Deleted: gone for everyone.
    let deleted = app
        .client
        .delete(app.url(&format!("/api/v1/posts/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    assert!(
        eventually(Duration::from_secs(1), || async {
            titles(&api_search(&app, &app.client, "lamu").await).is_empty()
        })
        .await,
        "a deleted post is not found by its author either"
    );
}

#[tokio::test]
async fn readers_never_see_drafts_and_an_author_sees_only_their_own() {
    let app = TestApp::spawn().await;
    create(
        &app,
        json!({ "title": "Owner's secret plan", "markdown": "Quokka season.", "status": "draft" }),
    )
    .await;
    create(
        &app,
        json!({ "title": "Quokka facts", "markdown": "Quokkas smile.", "status": "published" }),
    )
    .await;
    assert!(readers_find(&app, "quokka", &["Quokka facts"]).await);

    let owner = api_search(&app, &app.client, "quokka").await;
    assert_eq!(owner["total"], 2, "the owner sees every draft: {owner}");

    let author = app.token_for_new_user("author").await;
    let as_author = reqwest::Client::new()
        .get(app.url("/api/v1/search"))
        .query(&[("q", "quokka")])
        .bearer_auth(&author)
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(
        titles(&as_author),
        ["Quokka facts"],
        "an author does not see the owner's draft"
    );

    // The public page never shows drafts, even to their author.
    let page = app
        .client
        .get(app.url("/search/?q=quokka"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Quokka facts"), "{page}");
    assert!(!page.contains("secret plan"), "{page}");
}

#[tokio::test]
async fn the_search_page_ranks_title_matches_first_and_highlights_escaped_snippets() {
    let app = TestApp::spawn().await;
    create(
        &app,
        json!({ "title": "Notes from the harbour", "markdown": "We watched an albatross glide past. <script>alert(1)</script> Then tea.", "status": "published" }),
    )
    .await;
    create(
        &app,
        json!({ "title": "The albatross", "markdown": "A bird of the southern ocean.", "status": "published" }),
    )
    .await;
    assert!(
        eventually(Duration::from_secs(1), || async {
            api_search(&app, &app.anonymous, "albatross").await["total"] == 2
        })
        .await
    );
    let response = app
        .anonymous
        .get(app.url("/search/?q=albatross"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let page = response.text().await.unwrap();
    let title_match = page.find("The albatross").unwrap();
    let body_match = page.find("Notes from the harbour").unwrap();
    assert!(title_match < body_match, "a title match comes first");
    assert!(page.contains("<mark>albatross</mark>"), "{page}");
    assert!(!page.contains("<script>alert"), "the snippet is escaped");
    assert!(page.contains("2 results for"), "{page}");
    assert!(page.contains("name=\"robots\" content=\"noindex\""));
    // The page's box keeps the words.
    assert!(page.contains("value=\"albatross\""), "{page}");

    // An exact phrase ranks above the same words scattered.
    create(
        &app,
        json!({ "title": "Ocean birds", "markdown": "The glide of a wandering albatross is long.", "status": "published" }),
    )
    .await;
    create(
        &app,
        json!({ "title": "Tides", "markdown": "Wandering the shore, far from any glide of a gull or an albatross.", "status": "published" }),
    )
    .await;
    assert!(
        eventually(Duration::from_secs(1), || async {
            let found = titles(&api_search(&app, &app.anonymous, "wandering albatross").await);
            found.first().map(String::as_str) == Some("Ocean birds") && found.len() == 2
        })
        .await,
        "the exact phrase first"
    );

    // Stemming and accents: the reader's words, not the writer's forms.
    create(
        &app,
        json!({ "title": "Café mornings", "markdown": "Running to the cafés early.", "status": "published" }),
    )
    .await;
    assert!(readers_find(&app, "cafe", &["Café mornings"]).await);
    assert!(readers_find(&app, "run", &["Café mornings"]).await);
    // As one types, the last word is a prefix.
    let typed = app
        .anonymous
        .get(app.url("/api/v1/search"))
        .query(&[("q", "cafe morn"), ("prefix", "true")])
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(titles(&typed), ["Café mornings"]);
}

#[tokio::test]
async fn hostile_queries_get_a_clear_4xx_or_an_empty_result_never_a_5xx() {
    let app = TestApp::spawn().await;
    create(
        &app,
        json!({ "title": "Plain words", "markdown": "Nothing special here.", "status": "published" }),
    )
    .await;
    let long = "word ".repeat(2_000);
    for (q, expected) in [
        (long.as_str(), StatusCode::UNPROCESSABLE_ENTITY),
        ("", StatusCode::UNPROCESSABLE_ENTITY),
        ("title:plain AND (words OR", StatusCode::OK),
        ("\"\"\"", StatusCode::OK),
        ("*", StatusCode::OK),
        ("?!.,;:-", StatusCode::OK),
        ("ｐｌａｉｎ", StatusCode::OK),
        ("plain\u{0}words", StatusCode::OK),
        ("\u{202e}sdrow", StatusCode::OK),
    ] {
        let response = app
            .anonymous
            .get(app.url("/api/v1/search"))
            .query(&[("q", q)])
            .send()
            .await
            .unwrap();
        let status = response.status();
        let body: Value = response.json().await.unwrap();
        assert_eq!(status, expected, "{q:.40?}: {body}");
        if status == StatusCode::OK {
            assert!(body["total"].is_u64(), "{q:.40?}: {body}");
        } else {
            assert!(
                body["error"]["message"].as_str().unwrap().len() > 10,
                "{body}"
            );
        }
    }
    // Operators are words: this finds nothing rather than everything.
    let injected = api_search(&app, &app.anonymous, "title:plain OR anything").await;
    assert_eq!(injected["total"], 0, "{injected}");

    // Bytes that are not UTF-8 in the address are read as U+FFFD, which
    // is no word: nothing found, on the page too.
    let found: Value = app
        .anonymous
        .get(app.url("/api/v1/search?q=%FF%FE"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(found["total"], 0, "{found}");
    let page = app
        .anonymous
        .get(app.url("/search/?q=%FF%FE"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.unwrap().contains("Nothing matches"));
    let page = app
        .anonymous
        .get(app.url(&format!("/search/?q={}", "x".repeat(10_000))))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::BAD_REQUEST);
    assert!(
        page.text()
            .await
            .unwrap()
            .contains("at most 500 characters")
    );
}

#[tokio::test]
async fn with_search_failing_every_other_page_works_and_search_catches_up_after() {
    let app = TestApp::spawn_with(&["--fault-injection"]).await;
    create(
        &app,
        json!({ "title": "Before the storm", "markdown": "Calm seas.", "status": "published" }),
    )
    .await;
    assert!(readers_find(&app, "storm", &["Before the storm"]).await);

    app.inject("search", "error", 1_000).await;
    let page = app
        .anonymous
        .get(app.url("/search/?q=storm"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(page.headers().contains_key("retry-after"));
    let html = page.text().await.unwrap();
    assert!(html.contains("Search is unavailable right now"), "{html}");
    assert!(html.contains("name=\"q\""), "the search box stays");
    // A post published while search fails: the site shows it at once.
    create(
        &app,
        json!({ "title": "After the storm", "markdown": "Driftwood everywhere.", "status": "published" }),
    )
    .await;
    for path in ["/", "/after-the-storm/", "/feed.xml", "/sitemap.xml"] {
        let status = app
            .anonymous
            .get(app.url(path))
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(status, StatusCode::OK, "{path} while search fails");
    }

    let cleared = app
        .client
        .delete(app.url("/api/v1/admin/faults"))
        .send()
        .await
        .unwrap();
    assert!(cleared.status().is_success());
    assert!(
        eventually(Duration::from_secs(15), || async {
            titles(&api_search(&app, &app.anonymous, "driftwood").await) == ["After the storm"]
        })
        .await,
        "search caught up on the post it missed"
    );
}

#[tokio::test]
async fn a_deleted_index_is_rebuilt_from_posts_with_the_same_results() {
    let app = TestApp::spawn().await;
    for n in 0..30 {
        let status = if n % 3 == 0 { "draft" } else { "published" };
        create(
            &app,
            json!({ "title": format!("Lighthouse log {n}"), "markdown": format!("Entry {n}: the lamp turned all night. Keeper {}.", n % 4), "status": status, "tags": [format!("Keeper {}", n % 4)] }),
        )
        .await;
    }
    assert!(
        eventually(Duration::from_secs(2), || async {
            everything(&app, "lamp").await["total"] == 30
        })
        .await
    );
    let before = (
        hits(&everything(&app, "lamp").await),
        hits(&everything(&app, "keeper 2").await),
    );

    let index = app.data_dir.path().join("search");
    assert!(index.is_dir(), "the index lives in the data directory");
    let app = app
        .kill_and_restart_with(&[], |data_dir| {
            std::fs::remove_dir_all(data_dir.join("search")).unwrap();
        })
        .await;
    assert!(
        eventually(Duration::from_secs(10), || async {
            everything(&app, "lamp").await["total"] == 30
        })
        .await,
        "the index is rebuilt"
    );
    let after = (
        hits(&everything(&app, "lamp").await),
        hits(&everything(&app, "keeper 2").await),
    );
    assert_eq!(before, after, "the same results");
    assert_eq!(app.state_of("search").await, "up");
}

#[tokio::test]
async fn panics_in_search_under_load_leave_every_other_page_up_and_nothing_missing() {
    // Six panics pass the restart limit: search is degraded, then serves
    // again after the quiet period (shortened here from 30 s).
    let app = TestApp::spawn_with(&["--fault-injection", "--quiet-period", "3s"]).await;
    create(
        &app,
        json!({ "title": "Anchor post", "markdown": "Always here.", "status": "published" }),
    )
    .await;
    // Panics for search's next messages: the feed's refreshes and readers'
    // searches take them, and the runtime restarts search each time.
    app.inject("search", "panic", 6).await;
    let mut failures = Vec::new();
    for n in 0..20 {
        let post = create(
            &app,
            json!({ "title": format!("Under fire {n}"), "markdown": "Gannets diving.", "status": "published" }),
        )
        .await;
        let slug = post["slug"].as_str().unwrap();
        for path in ["/".to_owned(), format!("/{slug}/"), "/feed.xml".to_owned()] {
            let status = app
                .anonymous
                .get(app.url(&path))
                .send()
                .await
                .unwrap()
                .status();
            if status != StatusCode::OK {
                failures.push(format!("{path}: {status}"));
            }
        }
        // Readers searching meanwhile: an answer or a readable 503, never worse.
        let status = app
            .anonymous
            .get(app.url("/search/?q=gannets"))
            .send()
            .await
            .unwrap()
            .status();
        assert!(
            [StatusCode::OK, StatusCode::SERVICE_UNAVAILABLE].contains(&status),
            "/search/ while search panics: {status}"
        );
    }
    assert!(
        failures.is_empty(),
        "pages outside search failed: {failures:?}"
    );
    let panics = app
        .metric("folio_concern_panics_total{concern=\"search\"}")
        .await;
    assert!(panics >= 1.0, "search did panic ({panics})");
    // Back by itself, with every post that was published meanwhile.
    assert!(
        eventually(Duration::from_secs(20), || async {
            let response = app
                .anonymous
                .get(app.url("/api/v1/search?q=gannets"))
                .send()
                .await
                .unwrap();
            response.status() == StatusCode::OK
                && response.json::<Value>().await.unwrap()["total"] == 20
        })
        .await,
        "search caught up on every post published while it panicked"
    );
    assert_eq!(app.state_of("search").await, "up");
}
