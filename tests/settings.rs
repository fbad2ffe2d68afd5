//! The site's settings: its title and description, saved by administrators,
//! shown on every page and feed at once, and kept over the command line's.
#![allow(clippy::unwrap_used)]

mod common;

use common::TestApp;
use reqwest::StatusCode;
use serde_json::{Value, json};

const FLAGS: &[&str] = &[
    "--site-title",
    "Flag Title",
    "--site-description",
    "A line from the flags",
];

async fn page(app: &TestApp, path: &str) -> String {
    app.anonymous
        .get(app.url(path))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

async fn patch(app: &TestApp, token: Option<&str>, body: Value) -> (StatusCode, Value) {
    let mut request = app.anonymous.patch(app.url("/api/v1/settings")).json(&body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn saved_settings_show_everywhere_at_once_and_win_over_the_flags_after_a_restart() {
    let app = TestApp::spawn_with(FLAGS).await;
    let owner = app.owner_token.clone().unwrap();
    let (status, settings) = app.get_json("/api/v1/settings").await;
    assert_eq!(status, 200);
    assert_eq!(settings["title"], Value::Null, "nothing saved yet");
    assert_eq!(settings["applied"]["title"], "Flag Title");
    // Cached with the flags' title.
    assert!(page(&app, "/").await.contains("<title>Flag Title</title>"));
    assert!(
        page(&app, "/feed.xml")
            .await
            .contains("<title>Flag Title</title>")
    );

    let (status, saved) = patch(
        &app,
        Some(&owner),
        json!({ "title": "  Harbour Notes ", "description": "Notes from the quay" }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    assert_eq!(saved["title"], "Harbour Notes");
    assert_eq!(saved["applied"]["description"], "Notes from the quay");
    let home = page(&app, "/").await;
    assert!(
        home.contains("<title>Harbour Notes</title>"),
        "at once, though the page was cached"
    );
    assert!(home.contains("Notes from the quay"));
    assert!(home.contains("<meta property=\"og:site_name\" content=\"Harbour Notes\">"));
    let feed = page(&app, "/feed.xml").await;
    assert!(
        feed.contains("<title>Harbour Notes</title>")
            && feed.contains("<description>Notes from the quay</description>")
    );

    // Only what is given changes; an empty description is a choice too.
    let (status, saved) = patch(&app, Some(&owner), json!({ "description": "" })).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(saved["title"], "Harbour Notes");
    assert!(!page(&app, "/").await.contains("Notes from the quay"));

    let app = app.kill_and_restart(FLAGS).await;
    let home = page(&app, "/").await;
    assert!(
        home.contains("<title>Harbour Notes</title>"),
        "saved wins over --site-title: {home}"
    );
    assert!(
        !home.contains("A line from the flags"),
        "the saved empty description wins too"
    );
}

#[tokio::test]
async fn only_administrators_change_settings_and_bad_values_are_refused() {
    let app = TestApp::spawn().await;
    let owner = app.owner_token.clone().unwrap();
    let editor = app.token_for_new_user("editor").await;

    let (status, _) = patch(&app, None, json!({ "title": "Mine" })).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = patch(&app, Some(&editor), json!({ "title": "Mine" })).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let read = app
        .anonymous
        .get(app.url("/api/v1/settings"))
        .bearer_auth(&editor)
        .send()
        .await
        .unwrap();
    assert_eq!(read.status(), StatusCode::FORBIDDEN);

    for bad in [
        json!({ "title": "" }),
        json!({ "title": "   " }),
        json!({ "title": "x".repeat(121) }),
        json!({ "title": "two\nlines" }),
        json!({ "description": "y".repeat(301) }),
        json!({ "theme": "dark" }),
    ] {
        let (status, body) = patch(&app, Some(&owner), bad.clone()).await;
        assert!(
            status == StatusCode::UNPROCESSABLE_ENTITY || status == StatusCode::BAD_REQUEST,
            "{bad}: {status} {body}"
        );
        assert!(
            body["error"]["message"].is_string(),
            "{bad}: a sentence: {body}"
        );
    }
    assert!(
        page(&app, "/").await.contains("<title>Folio</title>"),
        "nothing was saved"
    );
}

#[tokio::test]
async fn menus_show_in_the_header_and_footer_in_order_and_hostile_links_are_refused() {
    let app = TestApp::spawn().await;
    let owner = app.owner_token.clone().unwrap();
    let (status, saved) = patch(
        &app,
        Some(&owner),
        json!({
            "primary_menu": [
                { "label": "About", "url": "/about/" },
                { "label": "Birds & bees", "url": "/tag/birds/" },
                { "label": "Elsewhere", "url": "https://example.org/a?b=1&c=2" },
            ],
            "secondary_menu": [{ "label": "Contact", "url": "/contact/" }],
        }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    assert_eq!(saved["primary_menu"][1]["label"], "Birds & bees");
    let home = page(&app, "/").await;
    let header = &home[home.find("<nav class=\"site-nav\"").unwrap()..];
    let header = &header[..header.find("</nav>").unwrap()];
    let about = header.find(">About<").unwrap();
    let birds = header.find(">Birds &amp; bees<").unwrap();
    let elsewhere = header.find(">Elsewhere<").unwrap();
    assert!(about < birds && birds < elsewhere, "in order: {header}");
    assert!(
        header.contains("example.org") && header.contains("rel=\"noopener\""),
        "{header}"
    );
    let footer = &home[home.find("<footer").unwrap()..];
    assert!(footer.contains(">Contact<"), "{footer}");

    // An empty menu is not shown at all.
    let (status, _) = patch(&app, Some(&owner), json!({ "primary_menu": [] })).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!page(&app, "/").await.contains("class=\"site-nav\""));

    let too_many: Vec<Value> = (0..21)
        .map(|n| json!({ "label": format!("Link {n}"), "url": format!("/p{n}/") }))
        .collect();
    for bad in [
        json!({ "primary_menu": [{ "label": "x", "url": "javascript:alert(1)" }] }),
        json!({ "primary_menu": [{ "label": "x", "url": "//evil.example/" }] }),
        json!({ "primary_menu": [{ "label": "x", "url": "/a b/" }] }),
        json!({ "primary_menu": [{ "label": "x", "url": "data:text/html,hi" }] }),
        json!({ "primary_menu": [{ "label": "", "url": "/about/" }] }),
        json!({ "primary_menu": [{ "label": "x".repeat(61), "url": "/about/" }] }),
        json!({ "primary_menu": too_many }),
    ] {
        let (status, body) = patch(&app, Some(&owner), bad.clone()).await;
        assert!(
            status == StatusCode::UNPROCESSABLE_ENTITY || status == StatusCode::BAD_REQUEST,
            "{bad}: {status} {body}"
        );
    }
    assert!(!page(&app, "/").await.contains("javascript:"));
}
