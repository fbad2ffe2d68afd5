//! A fresh Folio starts, creates its stores and reports itself healthy.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::TestApp;

#[tokio::test]
async fn a_fresh_start_reports_every_concern_up() {
    let app = TestApp::spawn().await;

    let (status, body) = app.get_json("/readyz").await;

    assert_eq!(status, 200, "{body}");
    assert_eq!(body["ready"], true);
    let concerns: Vec<_> = body["concerns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["concern"].as_str().unwrap(), c["state"].as_str().unwrap()))
        .collect();
    assert_eq!(
        concerns,
        [
            ("auth", "up"),
            ("posts", "up"),
            ("media", "up"),
            ("render", "up"),
            ("search", "up")
        ]
    );
}

#[tokio::test]
async fn healthz_answers_while_the_process_lives() {
    let app = TestApp::spawn().await;

    let (status, body) = app.get_json("/healthz").await;

    assert_eq!(status, 200);
    assert_eq!(body["status"], "ok");
}

#[tokio::test]
async fn the_data_directory_holds_one_sqlite_database_per_concern_in_wal_mode() {
    let app = TestApp::spawn().await;

    for concern in ["auth", "posts", "media"] {
        let path = app.data_dir.path().join(format!("{concern}.db"));
        if app.on_postgres() {
            assert!(!path.exists(), "{concern}'s store is on PostgreSQL");
            continue;
        }
        let header = std::fs::read(&path).unwrap_or_else(|_| panic!("{} exists", path.display()));
        assert_eq!(
            &header[..16],
            b"SQLite format 3\0",
            "{concern}.db is an SQLite database"
        );
        // Bytes 18 and 19 of the header are 2 when the database is in WAL mode.
        assert_eq!(
            (header[18], header[19]),
            (2, 2),
            "{concern}.db is in WAL mode"
        );
    }
}

#[tokio::test]
async fn every_concern_answers_its_stats_message() {
    let app = TestApp::spawn().await;

    let (status, body) = app.get_json("/api/v1/admin/stats").await;

    assert_eq!(status, 200, "{body}");
    assert_eq!(body["auth"]["ok"]["users"], 1, "the owner");
    assert_eq!(body["posts"]["ok"]["posts"], 0);
    assert_eq!(body["media"]["ok"]["media"], 0);
}

#[tokio::test]
async fn metrics_expose_each_family_for_each_concern() {
    let app = TestApp::spawn().await;
    app.get("/api/v1/admin/stats").await;

    let response = app.get("/metrics").await;
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    // From every process (one, unless the suite runs split).
    let text = app.metrics_text().await;

    for concern in ["auth", "posts", "media"] {
        for family in [
            "folio_concern_up",
            "folio_concern_restarts_total",
            "folio_concern_panics_total",
            "folio_concern_messages_total",
            "folio_concern_errors_total",
            "folio_concern_message_duration_seconds_count",
        ] {
            let series = format!("{family}{{concern=\"{concern}\"}}");
            assert!(text.contains(&series), "missing {series} in:\n{text}");
        }
        assert_eq!(
            app.metric(&format!("folio_concern_up{{concern=\"{concern}\"}}"))
                .await,
            1.0
        );
        assert!(
            app.metric(&format!(
                "folio_concern_messages_total{{concern=\"{concern}\"}}"
            ))
            .await
                >= 1.0
        );
    }
}

#[tokio::test]
async fn an_unknown_api_route_gets_a_json_404_and_a_page_gets_html() {
    let app = TestApp::spawn().await;

    let (status, body) = app.get_json("/api/v1/nothing-here").await;
    assert_eq!(status, 404);
    assert_eq!(body["error"]["code"], "not_found");

    let response = app.get("/no-such-page").await;
    assert_eq!(response.status().as_u16(), 404);
    assert!(response.text().await.unwrap().contains("Page not found"));
}

#[tokio::test]
async fn an_unknown_concern_is_a_404_naming_the_known_ones() {
    let app = TestApp::spawn().await;

    let (status, body) = app.get_json("/api/v1/admin/stats/comments").await;

    assert_eq!(status, 404);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("auth, posts, media"),
        "{body}"
    );
}

#[tokio::test]
async fn embedded_static_files_are_served_with_an_etag() {
    let app = TestApp::spawn().await;

    let response = app.get("/static/folio.css").await;
    assert_eq!(response.status().as_u16(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/css")
    );
    let etag = response.headers()["etag"].to_str().unwrap().to_owned();

    // Compared weakly (a compressing proxy hands back W/"…"), in a list, or `*`.
    for (if_none_match, status) in [
        (etag.clone(), 304),
        (format!("W/{etag}"), 304),
        (format!("\"other\", {etag}"), 304),
        ("*".to_owned(), 304),
        ("\"other\"".to_owned(), 200),
        ("not a tag".to_owned(), 200),
    ] {
        let again = app
            .client
            .get(app.url("/static/folio.css"))
            .header("if-none-match", &if_none_match)
            .send()
            .await
            .unwrap();
        assert_eq!(
            again.status().as_u16(),
            status,
            "If-None-Match: {if_none_match}"
        );
        assert_eq!(again.headers()["etag"].to_str().unwrap(), etag);
        let body = again.bytes().await.unwrap();
        assert_eq!(
            body.is_empty(),
            status == 304,
            "If-None-Match: {if_none_match}"
        );
    }
}

#[tokio::test]
async fn the_admin_ui_and_its_status_feed_are_served() {
    let app = TestApp::spawn().await;

    let page = app.anonymous.get(app.url("/admin/")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(
        page.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("script-src 'self'")
    );
    assert!(page.text().await.unwrap().contains("/static/admin/app.js"));
    let script = app
        .anonymous
        .get(app.url("/static/admin/app.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(script.status(), 200);
    assert!(
        script.headers()["content-type"]
            .to_str()
            .unwrap()
            .contains("javascript")
    );

    let colours = app
        .anonymous
        .get(app.url("/static/highlight.css"))
        .send()
        .await
        .unwrap();
    assert!(
        colours.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/css")
    );
    let colours = colours.text().await.unwrap();
    assert!(
        colours.contains(".hl-comment") && colours.contains("prefers-color-scheme: dark"),
        "the highlighter's classes, light and dark"
    );

    let (status, body) = app.get_json("/api/v1/admin/status").await;
    assert_eq!(status, 200, "{body}");
    let concerns = body["concerns"].as_array().unwrap();
    assert_eq!(concerns.len(), 5, "{body}");
    assert!(concerns.iter().all(|c| c["state"] == "up"), "{body}");
    assert!(body["restart_limit"].as_u64().unwrap() > 0);
    assert!(concerns.iter().any(|c| c["messages"].as_u64().unwrap() > 0));
    let anonymous = app
        .anonymous
        .get(app.url("/api/v1/admin/status"))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
}
