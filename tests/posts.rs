//! Posts, pages and the public site, seen from outside.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::{TestApp, eventually};
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn create(app: &TestApp, body: Value) -> (StatusCode, Value) {
    let response = app
        .client
        .post(app.url("/api/v1/posts"))
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn patch(app: &TestApp, id: &str, body: Value) -> (StatusCode, Value) {
    let response = app
        .client
        .patch(app.url(&format!("/api/v1/posts/{id}")))
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn page(app: &TestApp, path: &str) -> (StatusCode, String) {
    let response = app.anonymous.get(app.url(path)).send().await.unwrap();
    (response.status(), response.text().await.unwrap())
}

/// A user of `role` with a write token; returns the token.
async fn writer(app: &TestApp, role: &str) -> String {
    app.token_for_new_user(role).await
}

#[tokio::test]
async fn a_post_is_written_and_read_back_with_its_rendered_html() {
    let app = TestApp::spawn().await;
    let markdown = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/fixtures/article.md"
    ))
    .unwrap_or_else(|_| {
        // Outside the workspace (a clone on its own) the shared fixture is absent.
        "# Hello\n\nA first paragraph.\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n```rust\nfn main() {}\n```\n"
            .to_owned()
    });

    let (status, post) = create(&app, json!({ "title": "Serving photos", "markdown": markdown, "tags": ["Photos", "Small sites"] })).await;

    assert_eq!(status, StatusCode::CREATED, "{post}");
    assert_eq!(post["slug"], "serving-photos");
    assert_eq!(post["status"], "draft");
    assert_eq!(post["revision"], 1);
    assert_eq!(post["type"], "post");
    assert!(post["html"].as_str().unwrap().contains("<table>"));
    assert!(
        post["html"]
            .as_str()
            .unwrap()
            .contains("<pre class=\"syntax-highlighting\"")
            && post["html"].as_str().unwrap().contains("<span class=\"hl-"),
        "highlighted code, by class"
    );
    assert!(
        post["html"]
            .as_str()
            .unwrap()
            .contains("aria-label=\"Link to heading"),
        "heading anchors keep their accessible name"
    );
    assert!(
        !post["excerpt"].as_str().unwrap().is_empty(),
        "excerpt from the first paragraph"
    );
    assert_eq!(post["tags"][1]["slug"], "small-sites");
    assert!(post["url"].as_str().unwrap().ends_with("/serving-photos/"));
    let id = post["id"].as_str().unwrap();
    let read: Value = app
        .client
        .get(app.url(&format!("/api/v1/posts/{id}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(read["markdown"], post["markdown"]);
}

#[tokio::test]
async fn a_stale_save_gets_409_and_overwrites_nothing() {
    let app = TestApp::spawn().await;
    let (_, post) = create(&app, json!({ "title": "First", "markdown": "one" })).await;
    let id = post["id"].as_str().unwrap();
    let (status, _) = patch(&app, id, json!({ "markdown": "two", "revision": 1 })).await;
    assert_eq!(status, StatusCode::OK);

    let (status, body) = patch(
        &app,
        id,
        json!({ "markdown": "from a stale tab", "revision": 1 }),
    )
    .await;

    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(body["error"]["code"], "stale_revision");
    let read: Value = app
        .client
        .get(app.url(&format!("/api/v1/posts/{id}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(read["markdown"], "two");
    let (status, _) = patch(&app, id, json!({ "markdown": "no revision given" })).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn revisions_are_kept_and_an_old_one_can_be_restored() {
    let app = TestApp::spawn().await;
    let (_, post) = create(&app, json!({ "title": "Draft", "markdown": "first words" })).await;
    let id = post["id"].as_str().unwrap();
    patch(
        &app,
        id,
        json!({ "markdown": "second words", "revision": 1 }),
    )
    .await;

    let revisions: Value = app
        .client
        .get(app.url(&format!("/api/v1/posts/{id}/revisions")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(revisions.as_array().unwrap().len(), 2);
    let first: Value = app
        .client
        .get(app.url(&format!("/api/v1/posts/{id}/revisions/1")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(first["markdown"], "first words");

    let restored: Value = app
        .client
        .post(app.url(&format!("/api/v1/posts/{id}/revisions/1/restore")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(restored["markdown"], "first words");
    assert_eq!(restored["revision"], 3, "a restore is a new revision");
}

async fn revisions(app: &TestApp, id: &str) -> Vec<Value> {
    app.client
        .get(app.url(&format!("/api/v1/posts/{id}/revisions")))
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

async fn restore(
    app: &TestApp,
    id: &str,
    revision: i64,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut request = app
        .client
        .post(app.url(&format!("/api/v1/posts/{id}/revisions/{revision}/restore")));
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn revisions_say_what_made_them_and_close_autosaves_are_kept_as_one() {
    let app = TestApp::spawn().await;
    let (_, post) = create(&app, json!({ "title": "Notes", "markdown": "one" })).await;
    let id = post["id"].as_str().unwrap();
    for (n, words) in ["two", "three", "four"].iter().enumerate() {
        let (status, saved) = patch(
            &app,
            id,
            json!({ "markdown": words, "revision": n + 1, "autosave": true }),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{saved}");
        assert_eq!(
            saved["revision"],
            n + 2,
            "the post's own number still moves on"
        );
    }

    let listed = revisions(&app, id).await;
    let kinds: Vec<(i64, &str)> = listed
        .iter()
        .map(|r| (r["revision"].as_i64().unwrap(), r["kind"].as_str().unwrap()))
        .collect();
    assert_eq!(kinds, [(4, "autosave"), (1, "saved")], "{listed:?}");
    assert_eq!(
        listed[0]["markdown"], "four",
        "the row holds the latest text"
    );
    assert_eq!(
        listed[0]["first_revision"], 2,
        "and says which numbers it stands for"
    );
    assert!(
        listed[0]["first_saved_at"].as_str().unwrap() <= listed[0]["created_at"].as_str().unwrap()
    );
    assert!(listed[1].get("first_revision").is_none());

    // A save by hand ends the run: the next autosave starts a row of its own.
    patch(&app, id, json!({ "markdown": "five", "revision": 4 })).await;
    patch(
        &app,
        id,
        json!({ "markdown": "six", "revision": 5, "autosave": true }),
    )
    .await;
    let (status, _) = patch(&app, id, json!({ "status": "published", "revision": 6 })).await;
    assert_eq!(status, StatusCode::OK);
    let kinds: Vec<(i64, String)> = revisions(&app, id)
        .await
        .iter()
        .map(|r| {
            (
                r["revision"].as_i64().unwrap(),
                r["kind"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            (7, "published".to_owned()),
            (6, "autosave".to_owned()),
            (5, "saved".to_owned()),
            (4, "autosave".to_owned()),
            (1, "saved".to_owned()),
        ]
    );
    let response = app
        .client
        .get(app.url(&format!("/api/v1/posts/{id}/revisions/3")))
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        StatusCode::NOT_FOUND,
        "3 is inside 4 now"
    );
}

#[tokio::test]
async fn restoring_a_published_post_keeps_its_tags_and_picture_and_the_live_page_until_asked() {
    let app = TestApp::spawn().await;
    let picture = "0190f0aa-0000-7000-8000-000000000001";
    // Revision 1 was saved before any tag, picture or search detail.
    let (_, post) = create(
        &app,
        json!({ "title": "Harbour", "markdown": "Old words." }),
    )
    .await;
    let id = post["id"].as_str().unwrap();
    let (status, live) = patch(
        &app,
        id,
        json!({
            "markdown": "New words.",
            "tags": ["Boats", "Sea"],
            "feature_image": picture,
            "seo": { "meta_title": "Harbour, at length" },
            "status": "published",
            "revision": 1,
        }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{live}");

    for body in [None, Some(json!({})), Some(json!({ "publish": false }))] {
        let (status, refused) = restore(&app, id, 1, body).await;
        assert_eq!(status, StatusCode::CONFLICT, "{refused}");
        assert_eq!(refused["error"]["code"], "post_is_live");
    }
    let (_, public) = page(&app, "/harbour/").await;
    assert!(public.contains("New words."), "the live page is unchanged");
    assert_eq!(
        revisions(&app, id).await.len(),
        2,
        "and nothing was written"
    );
    let (status, _) = restore(&app, id, 1, Some(json!({ "publish": "yes" }))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    let (status, restored) = restore(&app, id, 1, Some(json!({ "publish": true }))).await;
    assert_eq!(status, StatusCode::OK, "{restored}");
    assert_eq!(restored["markdown"], "Old words.");
    assert_eq!(restored["status"], "published");
    let tags: Vec<&str> = restored["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(tags, ["Boats", "Sea"], "{restored}");
    assert_eq!(restored["feature_image"], picture);
    assert_eq!(restored["seo"]["meta_title"], "Harbour, at length");
    assert_eq!(revisions(&app, id).await[0]["kind"], "restored");
    let (_, public) = page(&app, "/harbour/").await;
    assert!(public.contains("Old words."), "published when asked");
}

#[tokio::test]
async fn a_restored_draft_stays_a_draft_unless_published_with_it() {
    let app = TestApp::spawn().await;
    let (_, post) = create(
        &app,
        json!({ "title": "Quiet", "markdown": "first", "tags": ["Calm"] }),
    )
    .await;
    let id = post["id"].as_str().unwrap();
    patch(
        &app,
        id,
        json!({ "markdown": "second", "tags": ["Storm"], "revision": 1 }),
    )
    .await;

    let (status, restored) = restore(&app, id, 1, None).await;
    assert_eq!(status, StatusCode::OK, "{restored}");
    assert_eq!(restored["status"], "draft");
    assert_eq!(restored["markdown"], "first");
    // The revision's tags come back first; none of today's is taken away.
    let tags: Vec<&str> = restored["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(tags, ["Calm", "Storm"]);

    let (status, published) = restore(&app, id, 2, Some(json!({ "publish": true }))).await;
    assert_eq!(status, StatusCode::OK, "{published}");
    assert_eq!(published["status"], "published");
    assert_eq!(published["markdown"], "second");
}

#[tokio::test]
async fn hostile_markdown_comes_out_harmless() {
    let app = TestApp::spawn().await;
    let markdown = "<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n\n[a](javascript:alert(1)) [b](JaVaScRiPt&#58;alert(1)) [c](https://example.com)\n\n![<img src=x onerror=alert(1)>](media:nope)";

    let (status, post) = create(
        &app,
        json!({ "title": "Hostile", "markdown": markdown, "status": "published" }),
    )
    .await;

    assert_eq!(status, StatusCode::CREATED);
    let html = post["html"].as_str().unwrap().to_lowercase();
    // Hostile text may survive as escaped, inert text (an alt attribute); never as markup.
    assert!(
        !html.contains("<script") && !html.contains("<img src=x") && !html.contains("javascript:"),
        "{html}"
    );
    assert!(html.contains("href=\"https://example.com\""));
    let (status, public) = page(&app, "/hostile/").await;
    assert_eq!(status, StatusCode::OK);
    let public = public.to_lowercase();
    assert!(
        !public.contains("<script>alert")
            && !public.contains("<img src=x")
            && !public.contains("javascript:")
    );
    assert!(
        public.contains("class=\"media-missing\""),
        "an unknown medium shows its alt text"
    );
}

#[tokio::test]
async fn bad_slugs_and_titles_get_clear_errors() {
    let app = TestApp::spawn().await;
    for slug in [
        "../etc",
        "a%2Fb",
        "Upper-Case",
        "cаfe",
        "api",
        "search",
        "-x",
        &"a".repeat(121),
    ] {
        let (status, body) =
            create(&app, json!({ "title": "T", "slug": slug, "markdown": "" })).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{slug}: {body}");
    }
    let (status, _) = create(&app, json!({ "title": "   ", "markdown": "" })).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = create(&app, json!({ "markdown": "no title" })).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    create(
        &app,
        json!({ "title": "Taken", "slug": "taken", "markdown": "" }),
    )
    .await;
    let (status, body) = create(
        &app,
        json!({ "title": "Other", "slug": "taken", "markdown": "" }),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(body["error"]["code"], "slug_taken");
    let (_, derived) = create(&app, json!({ "title": "Taken", "markdown": "" })).await;
    assert_eq!(
        derived["slug"], "taken-2",
        "a derived slug finds a free one"
    );
}

#[tokio::test]
async fn a_post_takes_at_most_a_hundred_tags_and_more_are_refused_with_nothing_saved() {
    let app = TestApp::spawn().await;
    let names = |n: usize| (0..n).map(|i| format!("tag {i}")).collect::<Vec<_>>();

    // Far more than one statement can carry: a clear 422, not a 500.
    for count in [101, 20_000] {
        let (status, body) = create(
            &app,
            json!({ "title": "Many tags", "markdown": "x", "tags": names(count), "status": "published" }),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{count}: {body}");
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap_or_default()
                .contains("at most 100 tags"),
            "{body}"
        );
    }
    let (_, page) = app.get_json("/api/v1/posts").await;
    assert_eq!(page["total"], 0, "{page}");
    let (_, tags) = app.get_json("/api/v1/tags").await;
    assert_eq!(tags, json!([]));

    let (status, body) = create(
        &app,
        json!({ "title": "Enough tags", "markdown": "x", "tags": names(100), "status": "published" }),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["tags"].as_array().map(Vec::len), Some(100), "{body}");
}

#[tokio::test]
async fn oversized_deep_and_malformed_bodies_are_refused_and_the_server_keeps_answering() {
    let app = TestApp::spawn().await;
    let huge = "a".repeat(10 * 1024 * 1024);
    let (status, _) = create(&app, json!({ "title": "Huge", "markdown": huge })).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);

    let just_over = "a".repeat(1024 * 1024 + 10);
    let (status, body) = create(&app, json!({ "title": "Over", "markdown": just_over })).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");

    let deep = ">".repeat(50_000) + " deep";
    let (status, body) = create(&app, json!({ "title": "Deep", "markdown": deep })).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let lists = "- ".repeat(50_000) + "deep";
    let (status, _) = create(&app, json!({ "title": "Lists", "markdown": lists })).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    let invalid_utf8 = app
        .client
        .post(app.url("/api/v1/posts"))
        .header("content-type", "application/json")
        .body(b"{\"title\": \"\xff\xfe\", \"markdown\": \"\"}".to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(invalid_utf8.status(), StatusCode::BAD_REQUEST);

    // 100,000 links: rendered, or (in a slow debug build) refused at the render
    // deadline with 504. Either way nothing is half-saved and the server answers.
    let links = "www.a.co ".repeat(100_000);
    let (status, body) = create(&app, json!({ "title": "Links", "markdown": links })).await;
    let expected_posts = match status {
        StatusCode::CREATED => 1,
        StatusCode::GATEWAY_TIMEOUT => {
            assert_eq!(body["error"]["code"], "concern_timeout");
            0
        }
        other => panic!("100,000 links gave {other}: {body}"),
    };

    let stats: Value = app
        .client
        .get(app.url("/api/v1/admin/stats/posts"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(stats["posts"], expected_posts, "nothing half-saved");
    let (status, _) = create(
        &app,
        json!({ "title": "Still answering", "markdown": "yes" }),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
}

#[tokio::test]
async fn contributors_write_drafts_only_and_authors_keep_to_their_own_posts() {
    let app = TestApp::spawn().await;
    let contributor = writer(&app, "contributor").await;
    let author = writer(&app, "author").await;
    let editor = writer(&app, "editor").await;
    let as_user = |token: &str, method: reqwest::Method, path: &str| {
        app.anonymous
            .request(method, app.url(path))
            .bearer_auth(token)
    };

    let published = as_user(&contributor, reqwest::Method::POST, "/api/v1/posts")
        .json(&json!({ "title": "Mine", "status": "published" }));
    assert_eq!(
        published.send().await.unwrap().status(),
        StatusCode::FORBIDDEN
    );
    let draft: Value = as_user(&contributor, reqwest::Method::POST, "/api/v1/posts")
        .json(&json!({ "title": "Mine" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = draft["id"].as_str().unwrap();
    let publish = as_user(
        &contributor,
        reqwest::Method::POST,
        &format!("/api/v1/posts/{id}/publish"),
    );
    assert_eq!(
        publish.send().await.unwrap().status(),
        StatusCode::FORBIDDEN
    );

    let others = as_user(
        &author,
        reqwest::Method::PATCH,
        &format!("/api/v1/posts/{id}"),
    )
    .json(&json!({ "title": "Hijacked", "revision": 1 }));
    assert_eq!(
        others.send().await.unwrap().status(),
        StatusCode::NOT_FOUND,
        "an author does not even see another's draft"
    );
    let own: Value = as_user(&author, reqwest::Method::POST, "/api/v1/posts")
        .json(&json!({ "title": "Author's", "status": "published" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let own_id = own["id"].as_str().unwrap();
    let contributor_edits = as_user(
        &contributor,
        reqwest::Method::PATCH,
        &format!("/api/v1/posts/{own_id}"),
    )
    .json(&json!({ "title": "x", "revision": 1 }));
    assert_eq!(
        contributor_edits.send().await.unwrap().status(),
        StatusCode::FORBIDDEN,
        "visible (published) but not theirs"
    );

    let editor_publishes = as_user(
        &editor,
        reqwest::Method::POST,
        &format!("/api/v1/posts/{id}/publish"),
    );
    assert_eq!(
        editor_publishes.send().await.unwrap().status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn the_public_site_shows_published_posts_and_hides_drafts() {
    let app = TestApp::spawn_with(&["--site-title", "Test Blog"]).await;
    create(&app, json!({ "title": "Hello world", "markdown": "First **post**.", "tags": ["News"], "status": "published" })).await;
    create(
        &app,
        json!({ "title": "Secret draft", "markdown": "not yet" }),
    )
    .await;
    create(
        &app,
        json!({ "title": "About", "type": "page", "markdown": "About us.", "status": "published" }),
    )
    .await;

    let (status, home) = page(&app, "/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(home.contains("Hello world") && home.contains("Test Blog"));
    assert!(
        !home.contains("Secret draft") && !home.contains(">About<"),
        "no drafts, no pages in the list"
    );

    let (status, post) = page(&app, "/hello-world/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(post.contains("<strong>post</strong>"));
    assert!(
        post.contains("rel=\"canonical\"")
            && post.contains("og:title")
            && post.contains("name=\"description\"")
    );
    assert_eq!(
        page(&app, "/about/").await.0,
        StatusCode::OK,
        "a page is served at its slug"
    );
    assert_eq!(page(&app, "/secret-draft/").await.0, StatusCode::NOT_FOUND);
    let (status, missing) = page(&app, "/no-such-post/").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(missing.contains("Page not found"));

    let (status, tag) = page(&app, "/tag/news/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(tag.contains("Hello world"));
    let (status, author) = page(&app, "/author/olive-owner/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(author.contains("Hello world"));
    // A renamed author shows under the new name on the (cached) pages at once.
    let (_, me) = app.get_json("/api/v1/me").await;
    let renamed = app
        .client
        .patch(app.url(&format!(
            "/api/v1/users/{}",
            me["user"]["id"].as_str().unwrap()
        )))
        .json(&json!({ "name": "Olive Renamed" }))
        .send()
        .await
        .unwrap();
    assert_eq!(renamed.status(), StatusCode::OK);
    let slug = renamed.json::<Value>().await.unwrap()["slug"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, renamed_page) = page(&app, &format!("/author/{slug}/")).await;
    assert!(renamed_page.contains("Olive Renamed"), "{renamed_page}");
    assert!(
        page(&app, "/hello-world/")
            .await
            .1
            .contains("Olive Renamed")
    );

    let feed = app
        .anonymous
        .get(app.url("/feed.xml"))
        .send()
        .await
        .unwrap();
    assert!(
        feed.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/rss+xml")
    );
    let feed = feed.text().await.unwrap();
    assert!(
        feed.contains("<rss version=\"2.0\"")
            && feed.contains("Hello world")
            && !feed.contains("About us")
    );
    assert!(
        page(&app, "/tag/news/feed.xml")
            .await
            .1
            .contains("Hello world")
    );
    let (_, sitemap) = page(&app, "/sitemap-1.xml").await;
    assert!(
        sitemap.contains("hello-world")
            && sitemap.contains("about")
            && !sitemap.contains("secret-draft")
    );
    let (_, robots) = page(&app, "/robots.txt").await;
    assert!(robots.contains("Sitemap:"));
}

#[tokio::test]
async fn an_edit_refreshes_exactly_the_cached_pages_and_etags_give_304() {
    let app = TestApp::spawn().await;
    let (_, post) = create(&app, json!({ "title": "Cached", "markdown": "old body", "tags": ["Cache"], "status": "published" })).await;
    let id = post["id"].as_str().unwrap();
    let first = app.anonymous.get(app.url("/cached/")).send().await.unwrap();
    let etag = first.headers()["etag"].to_str().unwrap().to_owned();
    assert!(
        first.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("must-revalidate")
    );
    assert!(first.text().await.unwrap().contains("old body"));
    assert!(page(&app, "/").await.1.contains("Cached"));

    let again = app
        .anonymous
        .get(app.url("/cached/"))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    // What a compressing proxy in front sends back for our strong tag.
    let weakened = app
        .anonymous
        .get(app.url("/cached/"))
        .header("if-none-match", format!("W/{etag}"))
        .send()
        .await
        .unwrap();
    assert_eq!(weakened.status(), StatusCode::NOT_MODIFIED);

    patch(
        &app,
        id,
        json!({ "title": "Renamed", "markdown": "new body", "revision": 1 }),
    )
    .await;

    let edited = app
        .anonymous
        .get(app.url("/cached/"))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(edited.status(), StatusCode::OK);
    assert!(edited.text().await.unwrap().contains("new body"));
    assert!(page(&app, "/").await.1.contains("Renamed"));
    assert!(page(&app, "/tag/cache/").await.1.contains("Renamed"));
    assert!(page(&app, "/feed.xml").await.1.contains("Renamed"));

    app.client
        .post(app.url(&format!("/api/v1/posts/{id}/unpublish")))
        .send()
        .await
        .unwrap();
    assert_eq!(page(&app, "/cached/").await.0, StatusCode::NOT_FOUND);
    assert!(!page(&app, "/").await.1.contains("Renamed"));
}

#[tokio::test]
async fn with_media_down_a_post_still_renders_with_placeholders() {
    let app = TestApp::spawn_with(&["--fault-injection"]).await;
    let kite = image::RgbImage::from_pixel(640, 480, image::Rgb([200, 40, 40]));
    let mut jpeg = Vec::new();
    image::DynamicImage::ImageRgb8(kite)
        .write_to(
            &mut std::io::Cursor::new(&mut jpeg),
            image::ImageFormat::Jpeg,
        )
        .unwrap();
    let medium = common::upload_medium(&app, jpeg, "A red kite over the hill").await;
    let id = medium["id"].as_str().unwrap();
    let markdown = format!("Look:\n\n![A red kite over the hill](media:{id})");
    create(
        &app,
        json!({ "title": "Kites", "markdown": markdown, "status": "published" }),
    )
    .await;
    // The picture exists: only media being down can make it a placeholder.
    assert_eq!(app.get_json(&format!("/api/v1/media/{id}")).await.0, 200);
    app.inject("media", "hang", 5).await;

    let started = std::time::Instant::now();
    let (status, html) = page(&app, "/kites/").await;

    assert_eq!(status, StatusCode::OK);
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "did not wait for media"
    );
    assert!(
        html.contains("media-missing")
            && html.contains("A red kite over the hill")
            && !html.contains("srcset"),
        "{html}"
    );
    let cleared = app
        .client
        .delete(app.url("/api/v1/admin/faults"))
        .send()
        .await
        .unwrap();
    assert!(cleared.status().is_success());
    let image = format!("srcset=\"/media/{id}/");
    let back = eventually(Duration::from_secs(10), || async {
        page(&app, "/kites/").await.1.contains(&image)
    })
    .await;
    assert!(
        back,
        "with media answering again, the page shows the picture"
    );
}

#[tokio::test]
async fn a_scheduled_post_publishes_itself_also_across_a_restart() {
    let app = TestApp::spawn().await;
    let at = (chrono::Utc::now() + chrono::Duration::seconds(2)).to_rfc3339();
    let (status, post) = create(
        &app,
        json!({ "title": "Later", "markdown": "soon", "status": "scheduled", "publish_at": at }),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{post}");
    assert_eq!(post["status"], "scheduled");
    assert_eq!(page(&app, "/later/").await.0, StatusCode::NOT_FOUND);

    let app = app.kill_and_restart(&[]).await;

    let published = eventually(Duration::from_secs(6), || async {
        page(&app, "/later/").await.0 == StatusCode::OK
    })
    .await;
    assert!(
        published,
        "published after its time, by the restarted server"
    );
}

#[tokio::test]
async fn a_created_post_survives_kill_9_right_after() {
    let app = TestApp::spawn().await;
    let (status, post) = create(&app, json!({ "title": "Durable", "markdown": "kept" })).await;
    assert_eq!(status, StatusCode::CREATED);
    let id = post["id"].as_str().unwrap().to_owned();

    let app = app.kill_and_restart(&[]).await;

    let read = app
        .client
        .get(app.url(&format!("/api/v1/posts/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(read.status(), StatusCode::OK);
    assert_eq!(read.json::<Value>().await.unwrap()["markdown"], "kept");
}

#[tokio::test]
async fn the_preview_renders_what_the_page_will_show() {
    let app = TestApp::spawn().await;
    let response = app
        .client
        .post(app.url("/api/v1/render"))
        .json(&json!({ "markdown": "# Title\n\n- [x] done\n\n~~gone~~ https://example.com" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let html = response.json::<Value>().await.unwrap()["html"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(html.contains("<h1 id=\"user-content-title\">"), "{html}");
    assert!(
        html.contains("<del>gone</del>")
            && html.contains("checked")
            && html.contains("href=\"https://example.com\""),
        "{html}"
    );
}

/// One change to the subject post of a listing test.
#[derive(Clone, Copy, Debug)]
enum Step {
    Publish,
    Unpublish,
    Kind(&'static str),
    Slug(&'static str),
    Tags(&'static [&'static str]),
    Schedule,
    /// Kind, slug, tags and status in one save.
    All(
        &'static str,
        &'static str,
        &'static [&'static str],
        &'static str,
    ),
    Delete,
}

/// What the subject post is, as the test believes it to be.
struct Subject {
    id: String,
    marker: &'static str,
    published: bool,
    page: bool,
    deleted: bool,
    slug: String,
    tags: Vec<&'static str>,
    slugs_ever: Vec<String>,
    /// Slugs it moved away from while published: each leads to it (301)
    /// while it is published elsewhere, until it is published there again.
    redirected_slugs: Vec<String>,
    tags_ever: Vec<&'static str>,
}

fn tag_slug(name: &str) -> String {
    name.to_lowercase().replace(' ', "-")
}

async fn current_revision(app: &TestApp, id: &str) -> i64 {
    let (_, post) = app.get_json(&format!("/api/v1/posts/{id}")).await;
    post["revision"].as_i64().unwrap()
}

impl Subject {
    async fn apply(&mut self, app: &TestApp, step: Step) {
        let id = self.id.clone();
        let (old_slug, was_public) = (self.slug.clone(), self.published && !self.deleted);
        let save = |body: Value| async {
            let mut body = body;
            body["revision"] = json!(current_revision(app, &id).await);
            let (status, saved) = patch(app, &id, body).await;
            assert_eq!(status, StatusCode::OK, "{step:?}: {saved}");
        };
        match step {
            Step::Publish | Step::Unpublish => {
                let action = if matches!(step, Step::Publish) {
                    "publish"
                } else {
                    "unpublish"
                };
                let response = app
                    .client
                    .post(app.url(&format!("/api/v1/posts/{id}/{action}")))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(response.status(), StatusCode::OK, "{step:?}");
                self.published = matches!(step, Step::Publish);
            }
            Step::Kind(kind) => {
                save(json!({ "type": kind })).await;
                self.page = kind == "page";
            }
            Step::Slug(slug) => {
                save(json!({ "slug": slug })).await;
                self.slug = slug.to_owned();
            }
            Step::Tags(tags) => {
                save(json!({ "tags": tags })).await;
                self.tags = tags.to_vec();
            }
            Step::Schedule => {
                let at = (chrono::Utc::now() + chrono::Duration::hours(1)).to_rfc3339();
                save(json!({ "status": "scheduled", "publish_at": at })).await;
                self.published = false;
            }
            Step::All(kind, slug, tags, status) => {
                save(json!({ "type": kind, "slug": slug, "tags": tags, "status": status })).await;
                self.page = kind == "page";
                self.slug = slug.to_owned();
                self.tags = tags.to_vec();
                self.published = status == "published";
            }
            Step::Delete => {
                let response = app
                    .client
                    .delete(app.url(&format!("/api/v1/posts/{id}")))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(response.status(), StatusCode::NO_CONTENT);
                self.deleted = true;
            }
        }
        if !self.slugs_ever.contains(&self.slug) {
            self.slugs_ever.push(self.slug.clone());
        }
        if was_public && self.slug != old_slug && !self.redirected_slugs.contains(&old_slug) {
            self.redirected_slugs.push(old_slug);
        }
        if self.published && !self.deleted {
            self.redirected_slugs.retain(|slug| *slug != self.slug);
        }
        for tag in &self.tags {
            if !self.tags_ever.contains(tag) {
                self.tags_ever.push(tag);
            }
        }
    }

    /// Reads every public page the subject could show on (which also fills
    /// the page cache for the next step) and checks each shows it exactly
    /// when it should.
    async fn check(&self, app: &TestApp, after: &str) {
        let public = self.published && !self.deleted;
        let listed = public && !self.page;
        let marker = self.marker;
        let mut seen_on_home = false;
        let mut seen_on_author = false;
        for n in 1..=3 {
            let home = if n == 1 {
                "/".to_owned()
            } else {
                format!("/page/{n}/")
            };
            let author = if n == 1 {
                "/author/olive-owner/".to_owned()
            } else {
                format!("/author/olive-owner/page/{n}/")
            };
            for (path, seen) in [(home, &mut seen_on_home), (author, &mut seen_on_author)] {
                let (_, body) = page(app, &path).await;
                if body.contains(marker) {
                    assert!(listed, "after {after}: {path} still shows {marker}");
                    *seen = true;
                }
            }
        }
        assert_eq!(seen_on_home, listed, "after {after}: the home listing");
        assert_eq!(seen_on_author, listed, "after {after}: the author listing");
        let (_, feed) = page(app, "/feed.xml").await;
        assert_eq!(
            feed.contains(marker),
            listed,
            "after {after}: /feed.xml shows {marker}: {}",
            feed.contains(marker)
        );
        for tag in &self.tags_ever {
            let tagged = listed && self.tags.contains(tag);
            for path in [
                format!("/tag/{}/", tag_slug(tag)),
                format!("/tag/{}/feed.xml", tag_slug(tag)),
            ] {
                let (status, body) = page(app, &path).await;
                assert_eq!(
                    status == StatusCode::OK && body.contains(marker),
                    tagged,
                    "after {after}: {path} ({status}) shows {marker}"
                );
            }
        }
        let (_, sitemap) = page(app, "/sitemap-1.xml").await;
        for slug in &self.slugs_ever {
            let here = public && *slug == self.slug;
            assert_eq!(
                sitemap.contains(&format!("/{slug}/</loc>")),
                here,
                "after {after}: the sitemap lists /{slug}/"
            );
            let response = reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap()
                .get(app.url(&format!("/{slug}/")))
                .send()
                .await
                .unwrap();
            // An old address of a published post leads to it, and only then.
            let redirected = public && !here && self.redirected_slugs.contains(slug);
            let expected = if here {
                StatusCode::OK
            } else if redirected {
                StatusCode::MOVED_PERMANENTLY
            } else {
                StatusCode::NOT_FOUND
            };
            assert_eq!(response.status(), expected, "after {after}: /{slug}/");
            if redirected {
                assert_eq!(
                    response.headers()["location"],
                    app.url(&format!("/{}/", self.slug)).as_str(),
                    "after {after}: /{slug}/"
                );
            }
        }
    }
}

#[tokio::test]
async fn no_public_page_feed_or_sitemap_shows_a_post_once_it_is_no_longer_published() {
    let app = TestApp::spawn().await;
    const SEQUENCES: &[(&str, &str, &[&str], &[Step])] = &[
        // What the review saw: a post made a page, unpublished, deleted.
        (
            "post",
            "Alpha",
            &["Alpha tag"],
            &[Step::Kind("page"), Step::Unpublish, Step::Delete],
        ),
        (
            "post",
            "Bravo",
            &["Bravo one", "Bravo two"],
            &[
                Step::Slug("bravo-moved"),
                Step::Tags(&["Bravo two", "Bravo three"]),
                Step::Kind("page"),
                Step::Kind("post"),
                Step::Unpublish,
                Step::Tags(&["Bravo four"]),
                Step::Slug("bravo-again"),
                Step::Publish,
                Step::Tags(&[]),
                Step::Delete,
            ],
        ),
        (
            "page",
            "Charlie",
            &["Charlie tag"],
            &[
                Step::Kind("post"),
                Step::All("page", "charlie-page", &["Charlie other"], "draft"),
                Step::All("post", "charlie-post", &["Charlie tag"], "published"),
                Step::Schedule,
                Step::Publish,
                Step::Slug("charlie-last"),
                Step::Kind("page"),
                Step::Delete,
            ],
        ),
        (
            "post",
            "Delta",
            &["Delta tag"],
            &[Step::Unpublish, Step::Publish, Step::Delete],
        ),
    ];
    for (kind, name, tags, steps) in SEQUENCES {
        let marker: &'static str = Box::leak(format!("{name}-marker-words").into_boxed_str());
        let (status, post) = create(
            &app,
            json!({ "title": format!("{name} subject"), "type": kind, "markdown": format!("Body of {marker}."), "tags": tags, "status": "published" }),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{post}");
        let slug = post["slug"].as_str().unwrap().to_owned();
        let mut subject = Subject {
            id: post["id"].as_str().unwrap().to_owned(),
            marker,
            published: true,
            page: *kind == "page",
            deleted: false,
            slugs_ever: vec![slug.clone()],
            redirected_slugs: Vec::new(),
            slug,
            tags: tags.to_vec(),
            tags_ever: tags.to_vec(),
        };
        if *name == "Alpha" {
            // Enough later posts to push the subject onto /page/2/.
            for n in 0..10 {
                create(
                    &app,
                    json!({ "title": format!("Filler {n}"), "markdown": "filler", "tags": ["Filler"], "status": "published" }),
                )
                .await;
            }
        }
        subject.check(&app, &format!("creating {name}")).await;
        for step in *steps {
            subject.apply(&app, *step).await;
            subject.check(&app, &format!("{name}: {step:?}")).await;
        }
    }
}

#[tokio::test]
async fn a_cached_page_lives_no_longer_than_the_page_cache_ttl() {
    let app = TestApp::spawn_with(&["--page-cache-ttl", "1s"]).await;
    create(
        &app,
        json!({ "title": "Short lived", "markdown": "words", "status": "published" }),
    )
    .await;
    assert!(page(&app, "/short-lived/").await.1.contains("Short lived"));
    assert!(page(&app, "/").await.1.contains("Short lived"));

    // A change nobody announces (another process, a lost event).
    app.execute_sql("posts", "UPDATE posts SET title = 'Changed quietly'")
        .await;

    let refreshed = eventually(Duration::from_secs(5), || async {
        page(&app, "/short-lived/")
            .await
            .1
            .contains("Changed quietly")
            && page(&app, "/").await.1.contains("Changed quietly")
    })
    .await;
    assert!(refreshed, "cached pages are rebuilt after --page-cache-ttl");
}

#[tokio::test]
async fn tags_that_no_published_post_carries_are_not_public() {
    let app = TestApp::spawn().await;
    let later = (chrono::Utc::now() + chrono::Duration::hours(1)).to_rfc3339();
    create(&app, json!({ "title": "Public one", "markdown": "x", "tags": ["Shared"], "status": "published" })).await;
    create(
        &app,
        json!({ "title": "Draft one", "markdown": "x", "tags": ["Shared", "Draft only"] }),
    )
    .await;
    create(&app, json!({ "title": "Later one", "markdown": "x", "tags": ["Scheduled only"], "status": "scheduled", "publish_at": later })).await;
    let (_, doomed) = create(&app, json!({ "title": "Doomed", "markdown": "x", "tags": ["Deleted only"], "status": "published" })).await;
    // Seen (and cached) while it was public.
    assert_eq!(page(&app, "/tag/deleted-only/").await.0, StatusCode::OK);
    assert_eq!(
        page(&app, "/tag/deleted-only/feed.xml").await.0,
        StatusCode::OK
    );
    let deleted = app
        .client
        .delete(app.url(&format!("/api/v1/posts/{}", doomed["id"].as_str().unwrap())))
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);

    let public: Value = app
        .anonymous
        .get(app.url("/api/v1/tags"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        public,
        json!([{ "name": "Shared", "slug": "shared", "description": "", "posts": 1 }])
    );
    for slug in ["draft-only", "scheduled-only", "deleted-only"] {
        for path in [
            format!("/tag/{slug}/"),
            format!("/tag/{slug}/feed.xml"),
            format!("/tag/{slug}/page/2/"),
        ] {
            assert_eq!(page(&app, &path).await.0, StatusCode::NOT_FOUND, "{path}");
        }
    }
    assert_eq!(page(&app, "/tag/shared/").await.0, StatusCode::OK);

    // Editors also see the tags of drafts and scheduled posts (with their
    // published count), never those of deleted posts.
    let (_, all) = app.get_json("/api/v1/tags").await;
    let names: Vec<&str> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|tag| tag["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Shared", "Draft only", "Scheduled only"], "{all}");
}

#[tokio::test]
async fn parallel_creates_with_one_title_each_get_a_slug_of_their_own() {
    let app = TestApp::spawn().await;
    let creates = (0..16).map(|_| create(&app, json!({ "title": "Same title", "markdown": "x" })));

    let results = futures::future::join_all(creates).await;

    let mut slugs: Vec<String> = results
        .iter()
        .map(|(status, body)| {
            assert_eq!(*status, StatusCode::CREATED, "{body}");
            body["slug"].as_str().unwrap().to_owned()
        })
        .collect();
    slugs.sort();
    let mut expected: Vec<String> = std::iter::once("same-title".to_owned())
        .chain((2..=16).map(|n| format!("same-title-{n}")))
        .collect();
    expected.sort();
    assert_eq!(slugs, expected);
}

#[tokio::test]
async fn parallel_creates_asking_for_one_slug_give_it_to_one_and_keep_every_other_create() {
    // Creates that arrive together are written in one transaction: the one
    // whose slug is taken must get its 409 without undoing its neighbours,
    // and the counts must hold exactly what was acknowledged.
    let app = TestApp::spawn().await;
    let creates = (0..24).map(|n| {
        let slug = if n % 3 == 0 { "wanted".to_owned() } else { format!("free-{n}") };
        create(
            &app,
            json!({ "title": format!("Post {n}"), "slug": slug, "markdown": "x", "tags": ["Shared"], "status": "published" }),
        )
    });

    let results = futures::future::join_all(creates).await;

    let created = results
        .iter()
        .filter(|(status, _)| *status == StatusCode::CREATED)
        .count();
    let refused: Vec<&Value> = results
        .iter()
        .filter(|(status, _)| *status == StatusCode::CONFLICT)
        .map(|(_, body)| body)
        .collect();
    assert_eq!((created, refused.len()), (17, 7), "{results:?}");
    for body in refused {
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap_or_default()
                .contains("wanted"),
            "{body}"
        );
    }
    let (_, page) = app.get_json("/api/v1/posts?per_page=100").await;
    assert_eq!(page["total"], 17, "{page}");
    let wanted = page["posts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|post| post["slug"] == "wanted")
        .count();
    assert_eq!(wanted, 1);
    let (_, tags) = app.get_json("/api/v1/tags").await;
    assert_eq!(
        tags,
        json!([{ "name": "Shared", "slug": "shared", "description": "", "posts": 17 }])
    );
}

#[tokio::test]
async fn parallel_posts_with_the_same_new_tags_all_save_and_share_them() {
    let app = TestApp::spawn().await;
    let creates = (0..16).map(|n| {
        create(
            &app,
            json!({ "title": format!("Tagged {n}"), "markdown": "x", "tags": ["Brand new", "Also new"], "status": "published" }),
        )
    });

    let results = futures::future::join_all(creates).await;

    for (status, body) in &results {
        assert_eq!(*status, StatusCode::CREATED, "{body}");
    }
    let (_, tags) = app.get_json("/api/v1/tags").await;
    assert_eq!(
        tags,
        json!([
            { "name": "Also new", "slug": "also-new", "description": "", "posts": 16 },
            { "name": "Brand new", "slug": "brand-new", "description": "", "posts": 16 },
        ])
    );
}

#[tokio::test]
async fn generated_ids_cannot_clash_with_the_admin_page_and_in_page_links_still_land() {
    let app = TestApp::spawn().await;
    let markdown =
        "# toasts\n\nSee [the heading](#toasts) and a note.[^1]\n\n## main\n\n[^1]: The note.\n";
    let preview: Value = app
        .client
        .post(app.url("/api/v1/render"))
        .json(&json!({ "markdown": markdown }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    create(
        &app,
        json!({ "title": "Ids", "markdown": markdown, "status": "published" }),
    )
    .await;
    let (_, public) = page(&app, "/ids/").await;
    let body = public
        .split("<div class=\"post-content\">")
        .nth(1)
        .and_then(|rest| rest.split("</div>").next())
        .expect("the post body is marked");
    for html in [preview["html"].as_str().unwrap(), body] {
        let ids: Vec<&str> = html
            .split(" id=\"")
            .skip(1)
            .map(|rest| &rest[..rest.find('"').unwrap()])
            .collect();
        assert!(ids.contains(&"user-content-toasts"), "{html}");
        assert!(ids.contains(&"user-content-main"), "{html}");
        assert!(
            ids.iter().all(|id| id.starts_with("user-content-")),
            "every generated id is prefixed: {ids:?}"
        );
        let fragments: Vec<&str> = html
            .split(" href=\"#")
            .skip(1)
            .map(|rest| &rest[..rest.find('"').unwrap()])
            .collect();
        assert!(
            fragments.len() >= 4,
            "heading anchors, the link, the footnote: {html}"
        );
        for fragment in fragments {
            assert!(
                ids.contains(&fragment),
                "#{fragment} lands on an id: {html}"
            );
        }
    }
}

#[tokio::test]
async fn alt_text_cannot_close_its_image_tag_when_the_image_is_resolved() {
    let app = TestApp::spawn().await;
    let markdown = "![a > <img src=x onerror=alert(1)> <script>alert(2)</script>](media:nope)";
    let (status, _) = create(
        &app,
        json!({ "title": "Alt", "markdown": markdown, "status": "published" }),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let preview: Value = app
        .client
        .post(app.url("/api/v1/render"))
        .json(&json!({ "markdown": markdown }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();

    let (_, public) = page(&app, "/alt/").await;
    let (_, feed) = page(&app, "/feed.xml").await;
    for html in [public.as_str(), preview["html"].as_str().unwrap()] {
        // The page's own JSON-LD is a data block; any other script is the alt text's.
        let html = html
            .to_lowercase()
            .replace("<script type=\"application/ld+json\">", "");
        assert!(
            !html.contains("<img src=x") && !html.contains("<script"),
            "{html}"
        );
        assert!(html.contains("media-missing"), "{html}");
    }
    // The feed carries the body as escaped text: unescaped once by a reader.
    let body = feed
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    assert!(
        !body.contains("<img src=x") && !body.contains("<script"),
        "{body}"
    );
}

/// Concurrent saves share one transaction (group commit), each in a savepoint
/// of its own: a refused save must not undo its neighbours, and every save
/// that was acknowledged must be on disk.
#[tokio::test]
async fn concurrent_creates_are_each_durable_and_a_refused_one_undoes_only_itself() {
    let app = TestApp::spawn().await;
    let mut saves = tokio::task::JoinSet::new();
    for i in 0..24 {
        let client = app.client.clone();
        let url = app.url("/api/v1/posts");
        // Eight want the same slug: one gets it, seven are refused.
        let body = if i % 3 == 0 {
            json!({ "title": format!("Wanted {i}"), "slug": "wanted", "markdown": "same slug" })
        } else {
            json!({ "title": format!("Own {i}"), "markdown": format!("post {i}") })
        };
        saves.spawn(async move {
            let response = client.post(url).json(&body).send().await.unwrap();
            let status = response.status();
            (
                status,
                response.json::<Value>().await.unwrap_or(Value::Null),
            )
        });
    }
    let mut created = Vec::new();
    let mut refused = 0;
    for (status, body) in saves.join_all().await {
        match status {
            StatusCode::CREATED => created.push(body["id"].as_str().unwrap().to_owned()),
            StatusCode::CONFLICT => {
                assert_eq!(body["error"]["code"], "slug_taken", "{body}");
                refused += 1;
            }
            other => panic!("unexpected {other}: {body}"),
        }
    }
    assert_eq!(
        (created.len(), refused),
        (17, 7),
        "16 own slugs and one of the eight"
    );

    let app = app.kill_and_restart(&[]).await;

    for id in &created {
        let (status, post) = app.get_json(&format!("/api/v1/posts/{id}")).await;
        assert_eq!(
            status, 200,
            "acknowledged post {id} survives kill -9: {post}"
        );
    }
    let (_, list) = app.get_json("/api/v1/posts?per_page=100").await;
    assert_eq!(list["total"], 17, "nothing refused was kept: {list}");
}

/// `GET /api/v1/posts?{query}` as `client` sees it.
async fn listed(app: &TestApp, client: &reqwest::Client, query: &str) -> Value {
    let response = client
        .get(app.url(&format!("/api/v1/posts?{query}")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK, "?{query}");
    response.json().await.unwrap()
}

/// How many posts `GET /api/v1/posts?{query}` counts for the owner.
async fn total(app: &TestApp, query: &str) -> u64 {
    listed(app, &app.client, &format!("{query}&per_page=1")).await["total"]
        .as_u64()
        .unwrap()
}

fn titles(page: &Value) -> Vec<String> {
    page["posts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|post| post["title"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn the_last_page_of_a_list_holds_the_oldest_posts_in_order_and_a_page_past_the_end_is_empty()
{
    let app = TestApp::spawn().await;
    for n in 0..25 {
        let tags = if n % 10 == 3 {
            json!(["Everywhere", "Rare"])
        } else {
            json!(["Everywhere"])
        };
        let (status, body) = create(
            &app,
            json!({ "title": format!("Post {n:02}"), "markdown": "a few words", "tags": tags, "status": "published" }),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    // Neither shows in a list of published posts, and the draft has no publication date.
    create(
        &app,
        json!({ "title": "A draft", "markdown": "x", "tags": ["Everywhere"] }),
    )
    .await;
    create(
        &app,
        json!({ "title": "A page", "type": "page", "markdown": "x", "tags": ["Everywhere"], "status": "published" }),
    )
    .await;
    let owner = app.get_json("/api/v1/me").await.1["user"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let newest_first: Vec<String> = (0..25).rev().map(|n| format!("Post {n:02}")).collect();

    for filter in [
        "type=post".to_owned(),
        "status=published&type=post".to_owned(),
        "tag=everywhere&type=post".to_owned(),
        format!("author={owner}&type=post"),
    ] {
        let mut seen = Vec::new();
        for number in 1..=3 {
            let page = listed(
                &app,
                &app.anonymous,
                &format!("{filter}&per_page=10&page={number}"),
            )
            .await;
            assert_eq!(page["total"], 25, "?{filter}: {page}");
            seen.extend(titles(&page));
        }
        assert_eq!(seen, newest_first, "?{filter}: pages 1 to 3, newest first");
        let past = listed(
            &app,
            &app.anonymous,
            &format!("{filter}&per_page=10&page=4"),
        )
        .await;
        assert_eq!(titles(&past), Vec::<String>::new(), "?{filter}: page 4");
        assert_eq!(past["total"], 25, "?{filter}: page 4 still counts");
    }
    let last = listed(&app, &app.anonymous, "per_page=10&page=3&type=post").await;
    assert_eq!(
        titles(&last),
        ["Post 04", "Post 03", "Post 02", "Post 01", "Post 00"]
    );

    // The owner sees the draft and the page too: 27 posts, each exactly once.
    let mut everything = Vec::new();
    for number in 1..=3 {
        let page = listed(&app, &app.client, &format!("per_page=10&page={number}")).await;
        assert_eq!(page["total"], 27);
        everything.extend(titles(&page));
    }
    everything.sort();
    let mut expected: Vec<String> = newest_first.clone();
    expected.extend(["A draft".to_owned(), "A page".to_owned()]);
    expected.sort();
    assert_eq!(everything, expected);

    // A title search pages the same way.
    let matching: Vec<String> = newest_first
        .iter()
        .filter(|title| title.contains("Post") && title.contains('1'))
        .cloned()
        .collect();
    let mut searched = Vec::new();
    for number in 1..=4 {
        let page = listed(
            &app,
            &app.anonymous,
            &format!("q=Post%201&per_page=4&page={number}"),
        )
        .await;
        assert_eq!(page["total"], matching.len(), "{page}");
        searched.extend(titles(&page));
    }
    assert_eq!(searched, matching);

    let rare = listed(&app, &app.anonymous, "tag=rare").await;
    assert_eq!(rare["total"], 3);
    assert_eq!(titles(&rare), ["Post 23", "Post 13", "Post 03"]);
    let none = listed(&app, &app.anonymous, "tag=no-such-tag").await;
    assert_eq!((none["total"].as_u64(), titles(&none).len()), (Some(0), 0));

    // The public tag listing, 10 a page: its last page holds the five oldest.
    let (status, deep) = page(&app, "/tag/everywhere/page/3/").await;
    assert_eq!(status, StatusCode::OK);
    for n in 0..25 {
        assert_eq!(
            deep.contains(&format!("Post {n:02}<")),
            n < 5,
            "Post {n:02} on /tag/everywhere/page/3/"
        );
    }
    let at = |n: u32| deep.find(&format!("Post {n:02}<")).unwrap();
    assert!(
        at(4) < at(3) && at(3) < at(2) && at(2) < at(0),
        "newest first"
    );
    assert_eq!(
        page(&app, "/tag/everywhere/page/4/").await.0,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_list_carries_summaries_and_the_bodies_only_when_asked() {
    let app = TestApp::spawn().await;
    create(
        &app,
        json!({ "title": "Bodied", "markdown": "Five words are in here.", "status": "published" }),
    )
    .await;

    let summaries = listed(&app, &app.client, "").await;
    let post = &summaries["posts"][0];
    assert_eq!(post["title"], "Bodied");
    assert_eq!(post["words"], 5);
    assert!(post["url"].as_str().unwrap().ends_with("/bodied/"));
    assert!(
        post.get("markdown").is_none() && post.get("html").is_none(),
        "no body, not an empty one: {post}"
    );

    let bodies = listed(&app, &app.client, "include=body").await;
    let post = &bodies["posts"][0];
    assert_eq!(post["markdown"], "Five words are in here.");
    assert!(
        post["html"].as_str().unwrap().contains("Five words"),
        "{post}"
    );
    assert_eq!(post["words"], 5);
    let (_, one) = app
        .get_json(&format!("/api/v1/posts/{}", post["id"].as_str().unwrap()))
        .await;
    assert_eq!(one["words"], 5, "a post read alone has its word count too");
    let (status, _) = app.get_json("/api/v1/posts?include=everything").await;
    assert_eq!(status, 400, "an unknown include is refused");
}

#[tokio::test]
async fn totals_and_tag_counts_follow_every_create_publish_retag_unpublish_reassign_and_delete() {
    let app = TestApp::spawn().await;
    let public_tags = || async {
        app.anonymous
            .get(app.url("/api/v1/tags"))
            .send()
            .await
            .unwrap()
            .json::<Value>()
            .await
            .unwrap()
    };
    let owner_tags = || async { app.get_json("/api/v1/tags").await.1 };
    let owner_id = app.get_json("/api/v1/me").await.1["user"]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let (_, post) = create(
        &app,
        json!({ "title": "Counted", "markdown": "x", "tags": ["Apple"] }),
    )
    .await;
    let id = post["id"].as_str().unwrap().to_owned();
    assert_eq!(
        [
            total(&app, "").await,
            total(&app, "status=draft").await,
            total(&app, "status=published").await,
            total(&app, "tag=apple").await,
            total(&app, "tag=apple&status=published").await,
        ],
        [1, 1, 0, 1, 0],
        "a new draft"
    );
    assert_eq!(public_tags().await, json!([]));
    assert_eq!(
        owner_tags().await,
        json!([{ "name": "Apple", "slug": "apple", "description": "", "posts": 0 }])
    );

    let published = app
        .client
        .post(app.url(&format!("/api/v1/posts/{id}/publish")))
        .send()
        .await
        .unwrap();
    assert_eq!(published.status(), StatusCode::OK);
    assert_eq!(
        [
            total(&app, "status=draft").await,
            total(&app, "status=published").await,
            total(&app, "tag=apple&status=published&type=post").await,
        ],
        [0, 1, 1],
        "published"
    );
    assert_eq!(
        public_tags().await,
        json!([{ "name": "Apple", "slug": "apple", "description": "", "posts": 1 }])
    );

    let rev = current_revision(&app, &id).await;
    patch(&app, &id, json!({ "tags": ["Banana"], "revision": rev })).await;
    assert_eq!(
        [
            total(&app, "tag=apple").await,
            total(&app, "tag=banana").await
        ],
        [0, 1],
        "retagged"
    );
    assert_eq!(
        public_tags().await,
        json!([{ "name": "Banana", "slug": "banana", "description": "", "posts": 1 }])
    );

    let rev = current_revision(&app, &id).await;
    patch(&app, &id, json!({ "type": "page", "revision": rev })).await;
    assert_eq!(
        [
            total(&app, "type=page").await,
            total(&app, "type=post").await
        ],
        [1, 0],
        "made a page"
    );
    assert_eq!(public_tags().await, json!([]), "pages are not on tag pages");
    assert_eq!(
        owner_tags().await,
        json!([{ "name": "Banana", "slug": "banana", "description": "", "posts": 0 }])
    );
    let rev = current_revision(&app, &id).await;
    patch(&app, &id, json!({ "type": "post", "revision": rev })).await;

    app.client
        .post(app.url(&format!("/api/v1/posts/{id}/unpublish")))
        .send()
        .await
        .unwrap();
    assert_eq!(
        [
            total(&app, "status=draft").await,
            total(&app, "status=published").await
        ],
        [1, 0],
        "unpublished"
    );
    assert_eq!(public_tags().await, json!([]));
    app.client
        .post(app.url(&format!("/api/v1/posts/{id}/publish")))
        .send()
        .await
        .unwrap();

    // Someone else's post, then they leave and the owner takes it over.
    let token = writer(&app, "author").await;
    let theirs: Value = app
        .anonymous
        .post(app.url("/api/v1/posts"))
        .bearer_auth(&token)
        .json(&json!({ "title": "Theirs", "markdown": "x", "tags": ["Banana"], "status": "published" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let author = theirs["author"].as_str().unwrap().to_owned();
    // Their draft's tag is theirs to see, no one else's below an editor.
    app.anonymous
        .post(app.url("/api/v1/posts"))
        .bearer_auth(&token)
        .json(&json!({ "title": "Their draft", "markdown": "x", "tags": ["Cherry"] }))
        .send()
        .await
        .unwrap();
    let their_tags: Value = app
        .anonymous
        .get(app.url("/api/v1/tags"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        their_tags,
        json!([
            { "name": "Banana", "slug": "banana", "description": "", "posts": 2 },
            { "name": "Cherry", "slug": "cherry", "description": "", "posts": 0 },
        ])
    );
    let other = writer(&app, "author").await;
    let other_tags: Value = app
        .anonymous
        .get(app.url("/api/v1/tags"))
        .bearer_auth(&other)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        other_tags,
        json!([{ "name": "Banana", "slug": "banana", "description": "", "posts": 2 }])
    );
    assert_eq!(
        [
            total(&app, &format!("author={author}")).await,
            total(&app, &format!("author={owner_id}")).await,
        ],
        [2, 1]
    );
    assert_eq!(
        public_tags().await,
        json!([{ "name": "Banana", "slug": "banana", "description": "", "posts": 2 }])
    );
    let removed = app
        .client
        .delete(app.url(&format!("/api/v1/users/{author}?reassign_to={owner_id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(removed.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        [
            total(&app, &format!("author={author}")).await,
            total(&app, &format!("author={owner_id}")).await
        ],
        [0, 3],
        "reassigned, their draft too"
    );
    let owner_published = listed(
        &app,
        &app.client,
        &format!("author={owner_id}&status=published&page=2&per_page=1"),
    )
    .await;
    assert_eq!(owner_published["total"], 2);
    assert_eq!(titles(&owner_published), ["Counted"], "the older one, last");

    for (post, left, tagged) in [(id.as_str(), 2, 1), (theirs["id"].as_str().unwrap(), 1, 0)] {
        let deleted = app
            .client
            .delete(app.url(&format!("/api/v1/posts/{post}")))
            .send()
            .await
            .unwrap();
        assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
        assert_eq!(total(&app, "").await, left, "deleted");
        assert_eq!(total(&app, "tag=banana").await, tagged);
    }
    assert_eq!(public_tags().await, json!([]));
    assert_eq!(
        owner_tags().await,
        json!([{ "name": "Cherry", "slug": "cherry", "description": "", "posts": 0 }]),
        "only the draft (now the owner's) carries a tag"
    );
}

#[tokio::test]
async fn a_title_search_follows_renames_and_deletes_and_takes_its_words_literally() {
    let app = TestApp::spawn().await;
    let mut ids = Vec::new();
    for title in [
        "Quokka sighting at dawn",
        "Notes on 100% rye",
        "Notes on snake_case",
        "Notes on snakeXcase",
        "Ab initio",
    ] {
        let (status, post) = create(
            &app,
            json!({ "title": title, "markdown": "x", "status": "published", "tags": ["Field"] }),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{post}");
        ids.push(post["id"].as_str().unwrap().to_owned());
    }
    let search = |query: &'static str| {
        let app = &app;
        async move {
            let page = listed(app, &app.anonymous, &format!("q={query}")).await;
            let mut found = titles(&page);
            assert_eq!(page["total"], found.len(), "?q={query}: {page}");
            found.sort();
            found
        }
    };

    // Rare words come from the title index, case-insensitively, also with a
    // tag filter and with words too short for trigrams.
    assert_eq!(search("QUOKKA").await, ["Quokka sighting at dawn"]);
    assert_eq!(
        search("quokka%20at&tag=field").await,
        ["Quokka sighting at dawn"]
    );
    assert_eq!(search("ab").await, ["Ab initio"]);
    assert_eq!(search("notes").await.len(), 3);
    assert_eq!(search("quokka&tag=other").await, Vec::<String>::new());
    // `%`, `_` and quotes are letters, not wildcards or query syntax.
    assert_eq!(search("100%25").await, ["Notes on 100% rye"]);
    assert_eq!(search("snake_case").await, ["Notes on snake_case"]);
    assert_eq!(search("%25").await, ["Notes on 100% rye"]);
    assert_eq!(
        search("%22quokka%22%20OR%20notes").await,
        Vec::<String>::new()
    );

    // A rename moves the post in the index; a delete takes it out.
    let (status, renamed) = patch(
        &app,
        &ids[0],
        json!({ "title": "Wombat sighting at dusk", "revision": 1 }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{renamed}");
    assert_eq!(search("quokka").await, Vec::<String>::new());
    assert_eq!(search("wombat").await, ["Wombat sighting at dusk"]);
    let deleted = app
        .client
        .delete(app.url(&format!("/api/v1/posts/{}", ids[1])))
        .send()
        .await
        .unwrap();
    assert!(deleted.status().is_success(), "{}", deleted.status());
    assert_eq!(search("rye").await, Vec::<String>::new());
    assert_eq!(search("notes").await.len(), 2);
}

#[tokio::test]
async fn a_title_search_with_more_matches_than_anyone_pages_through_says_at_least() {
    let app = TestApp::spawn().await;
    // 1,030 matches: past the 1,000 a search counts exactly, and within one
    // page of page 51 (which counts on to 1,040).
    // Through the file's own `create`, eight at a time.
    use futures::StreamExt;
    let statuses: Vec<StatusCode> = futures::stream::iter(0..1030)
        .map(|i| {
            create(
                &app,
                json!({ "title": format!("Field note {i:04}"), "markdown": "x" }),
            )
        })
        .buffer_unordered(8)
        .map(|(status, _)| status)
        .collect()
        .await;
    assert!(statuses.iter().all(|status| *status == StatusCode::CREATED));

    let first = listed(&app, &app.client, "q=note&per_page=20").await;
    assert_eq!(
        (&first["total"], &first["total_exact"], titles(&first).len()),
        (&json!(1000), &json!(false), 20),
        "at least 1,000: {}",
        first["total"]
    );
    // Paging on past the bound still finds the rest, and near the end the count is exact.
    let deep = listed(&app, &app.client, "q=note&per_page=20&page=51").await;
    assert_eq!(
        (&deep["total"], &deep["total_exact"]),
        (&json!(1030), &json!(true))
    );
    assert_eq!(titles(&deep).len(), 20);
    let last = listed(&app, &app.client, "q=note&per_page=20&page=52").await;
    assert_eq!(
        (&last["total"], &last["total_exact"]),
        (&json!(1030), &json!(true))
    );
    assert_eq!(titles(&last).len(), 10, "the last ten of 1,030");

    // A rarer word, and the list without words, count exactly as before.
    let rare = listed(&app, &app.client, "q=note%201029").await;
    assert_eq!(
        (&rare["total"], &rare["total_exact"]),
        (&json!(1), &json!(true))
    );
    let all = listed(&app, &app.client, "per_page=1").await;
    assert_eq!(
        (&all["total"], &all["total_exact"]),
        (&json!(1030), &json!(true))
    );
}

#[tokio::test]
async fn null_clears_a_feature_image_an_excerpt_and_a_schedule_over_any_transport() {
    let app = TestApp::spawn().await;
    let at = (chrono::Utc::now() + chrono::Duration::days(3)).to_rfc3339();
    let (status, post) = create(
        &app,
        json!({
            "title": "Cleared later",
            "markdown": "Body.",
            "excerpt": "A hand-written excerpt.",
            "feature_image": "0190f0aa-0000-7000-8000-000000000001",
            "status": "scheduled",
            "publish_at": at,
        }),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{post}");
    assert_eq!(post["excerpt"], "A hand-written excerpt.");
    let id = post["id"].as_str().unwrap();
    let (status, saved) = patch(
        &app,
        id,
        json!({
            "revision": post["revision"],
            "feature_image": null,
            "excerpt": null,
            "status": "draft",
            "publish_at": null,
        }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    assert_eq!(saved["feature_image"], Value::Null, "{saved}");
    assert_eq!(saved["excerpt"], "Body.", "back to the first paragraph");
    assert_eq!(saved["publish_at"], Value::Null);
}

#[tokio::test]
async fn saving_an_earlier_revision_brought_back_into_the_editor_is_labelled_a_restore() {
    let app = TestApp::spawn().await;
    let (status, post) = create(
        &app,
        json!({ "title": "Tides", "markdown": "first words", "status": "published" }),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let id = post["id"].as_str().unwrap();
    let (_, second) = patch(
        &app,
        id,
        json!({ "revision": post["revision"], "markdown": "second words" }),
    )
    .await;
    // The writer loads revision 1 into the editor and saves it (the live post
    // changes only now, by their save).
    let (status, saved) = patch(
        &app,
        id,
        json!({ "revision": second["revision"], "markdown": "first words", "restored": true }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    assert_eq!(saved["status"], "published");
    let (_, revisions) = app.get_json(&format!("/api/v1/posts/{id}/revisions")).await;
    let newest = &revisions.as_array().unwrap()[0];
    assert_eq!(newest["revision"], saved["revision"]);
    assert_eq!(newest["kind"], "restored", "{revisions}");
    assert_eq!(revisions.as_array().unwrap()[1]["kind"], "published");
}
