//! A theme directory overrides the built-in templates it names, and only those.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::TestApp;
use serde_json::json;

#[tokio::test]
async fn a_theme_directory_overrides_the_templates_it_has() {
    let theme = tempfile::tempdir().unwrap();
    std::fs::create_dir(theme.path().join("site")).unwrap();
    std::fs::write(
        theme.path().join("site/post.html"),
        "<!doctype html><title>{{ post.title }}</title><p class=\"my-theme\">{{ post.html|safe }}</p>",
    )
    .unwrap();
    let app = TestApp::spawn_with(&["--theme-dir", theme.path().to_str().unwrap()]).await;
    let created = app
        .client
        .post(app.url("/api/v1/posts"))
        .json(&json!({ "title": "Themed", "markdown": "Hello *theme*.", "status": "published" }))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status().as_u16(), 201);

    let post = app
        .anonymous
        .get(app.url("/themed/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        post.contains("class=\"my-theme\"") && post.contains("<em>theme</em>"),
        "{post}"
    );
    let home = app
        .anonymous
        .get(app.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        home.contains("/static/site.css"),
        "other pages keep the built-in theme"
    );
}

#[test]
fn a_missing_theme_directory_stops_the_start_with_a_sentence() {
    let dir = tempfile::tempdir().unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_folio"))
        .args([
            "--listen",
            "127.0.0.1:0",
            "--data-dir",
            dir.path().to_str().unwrap(),
            "--theme-dir",
            "/no/such/theme",
        ])
        .env_clear()
        .output()
        .unwrap();

    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("--theme-dir"));
}
