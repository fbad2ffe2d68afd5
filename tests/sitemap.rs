//! The sitemap index and its files, feeds as XML, and listings deep into a
//! site: what crawlers and feed readers read, parsed as they parse it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::TestApp;
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

async fn page(app: &TestApp, path: &str) -> (StatusCode, String) {
    let response = app.anonymous.get(app.url(path)).send().await.unwrap();
    (response.status(), response.text().await.unwrap())
}

/// The text of every element named `name`, from a document that must parse.
fn texts(xml: &str, name: &str) -> Vec<String> {
    let document = roxmltree::Document::parse(xml).unwrap_or_else(|e| panic!("{e}: {xml}"));
    document
        .descendants()
        .filter(|node| node.tag_name().name() == name)
        .map(|node| node.text().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test]
async fn the_sitemap_is_an_index_of_files_listing_every_published_post_and_page_once() {
    let app = TestApp::spawn().await;
    create(
        &app,
        json!({ "title": "Fish & <Chips>", "markdown": "x", "status": "published" }),
    )
    .await;
    create(
        &app,
        json!({ "title": "About", "type": "page", "markdown": "x", "status": "published" }),
    )
    .await;
    create(&app, json!({ "title": "Secret draft", "markdown": "x" })).await;

    let (status, index) = page(&app, "/sitemap.xml").await;
    assert_eq!(status, StatusCode::OK);
    assert!(index.contains("<sitemapindex"), "{index}");
    let files = texts(&index, "loc");
    assert_eq!(files.len(), 1, "{index}");
    assert!(
        files[0].starts_with("http") && files[0].ends_with("/sitemap-1.xml"),
        "{index}"
    );

    let (status, file) = page(&app, "/sitemap-1.xml").await;
    assert_eq!(status, StatusCode::OK);
    assert!(!file.contains("&#x2f;"), "URLs are written plainly: {file}");
    let mut paths: Vec<String> = texts(&file, "loc")
        .into_iter()
        .map(|loc| {
            loc.split_once("://")
                .unwrap()
                .1
                .split_once('/')
                .unwrap()
                .1
                .to_owned()
        })
        .collect();
    paths.sort();
    assert_eq!(paths, ["", "about/", "fish-chips/"], "{file}");

    assert_eq!(page(&app, "/sitemap-2.xml").await.0, StatusCode::NOT_FOUND);
    assert_eq!(page(&app, "/sitemap-0.xml").await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn feeds_are_escaped_as_xml_and_read_back_as_written() {
    let app = TestApp::spawn().await;
    create(
        &app,
        json!({ "title": "Fish & <Chips> \"today\"", "markdown": "A & B", "tags": ["Food & Drink"], "status": "published" }),
    )
    .await;

    for path in ["/feed.xml", "/tag/food-drink/feed.xml"] {
        let (status, feed) = page(&app, path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert!(!feed.contains("&#x2f;"), "{path}: {feed}");
        assert!(
            texts(&feed, "title").contains(&"Fish & <Chips> \"today\"".to_owned()),
            "{path}: {feed}"
        );
        assert!(
            texts(&feed, "link")
                .iter()
                .any(|link| link.starts_with("http") && link.ends_with("/fish-chips-today/")),
            "{path}: {feed}"
        );
        assert!(
            texts(&feed, "category").contains(&"Food & Drink".to_owned()),
            "{path}: {feed}"
        );
        let description = texts(&feed, "description").pop().unwrap();
        assert!(
            description.contains("<p>A &amp; B</p>"),
            "the post's HTML, as text: {description}"
        );
    }
}

#[tokio::test]
async fn deep_listing_pages_hold_the_oldest_posts_and_the_page_past_the_end_is_404() {
    let app = TestApp::spawn().await;
    for i in 0..23 {
        create(
            &app,
            json!({ "title": format!("Post {i:02}"), "markdown": "x", "tags": ["Everything"], "status": "published" }),
        )
        .await;
    }
    // Ten a page, newest first: page 3 holds the three oldest.
    for base in ["/", "/tag/everything/"] {
        let (status, last) = page(&app, &format!("{base}page/3/")).await;
        assert_eq!(status, StatusCode::OK, "{base}");
        let shown: Vec<usize> = (0..23)
            .filter(|i| last.contains(&format!("Post {i:02}<")))
            .collect();
        assert_eq!(shown, [0, 1, 2], "{base}page/3/");
        let first = last.find("Post 02").unwrap();
        assert!(
            first < last.find("Post 00").unwrap(),
            "newest first: {last}"
        );
        assert_eq!(
            page(&app, &format!("{base}page/4/")).await.0,
            StatusCode::NOT_FOUND
        );
    }
}

#[tokio::test]
async fn an_author_page_shows_its_author_and_their_posts_only() {
    let app = TestApp::spawn().await;
    create(
        &app,
        json!({ "title": "By the owner", "markdown": "x", "status": "published" }),
    )
    .await;
    let other = app.token_for_new_user("author").await;
    let response = app
        .anonymous
        .post(app.url("/api/v1/posts"))
        .bearer_auth(&other)
        .json(&json!({ "title": "By someone else", "markdown": "x", "status": "published" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let (_, me) = app.get_json("/api/v1/me").await;
    let slug = me["user"]["slug"].as_str().unwrap();
    let name = me["user"]["name"].as_str().unwrap();

    let (status, author) = page(&app, &format!("/author/{slug}/")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(author.contains(name), "{author}");
    assert!(
        author.contains("By the owner") && !author.contains("By someone else"),
        "{author}"
    );
    assert_eq!(
        page(&app, "/author/nobody-here/").await.0,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_page_cache_far_smaller_than_the_site_still_serves_every_page_right() {
    let app = TestApp::spawn_with(&["--page-cache-bytes", "65536"]).await;
    let long = "word ".repeat(3_000);
    for i in 0..12 {
        create(
            &app,
            json!({ "title": format!("Long {i}"), "markdown": long, "status": "published" }),
        )
        .await;
    }
    for round in 0..2 {
        for i in 0..12 {
            let (status, body) = page(&app, &format!("/long-{i}/")).await;
            assert_eq!(status, StatusCode::OK, "round {round}");
            assert!(
                body.contains(&format!("Long {i}<")),
                "round {round}: /long-{i}/"
            );
        }
    }
}
