//! `folio import`: a WordPress export and its uploads folder brought into a
//! stopped site, then read back as readers and the owner see it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::TestApp;
use common::moving::{all_posts, fixture, import_while_stopped, post, uploads};
use reqwest::StatusCode;
use serde_json::json;

#[actix_web::test]
async fn a_wordpress_export_comes_in_with_its_images_dates_tags_and_statuses_once() {
    let app = TestApp::spawn().await;
    let uploads = uploads();
    let wxr = fixture("wordpress-6.wxr");
    let args = [
        "wordpress",
        wxr.to_str().unwrap(),
        "--uploads",
        uploads.path().to_str().unwrap(),
    ];
    let (app, (ok, out, err)) = import_while_stopped(app, &args).await;
    assert!(ok, "the import failed: {err}\n{out}");
    assert!(
        out.contains("The file holds 7 posts, 1 pages, 3 attachments, 2 authors"),
        "{out}"
    );
    assert!(out.contains("7 posts and 1 pages were created"), "{out}");
    assert!(out.contains("Images: 3 were imported"), "{out}");
    assert!(
        out.contains("1 trash") && out.contains("1 revision"),
        "{out}"
    );
    assert!(out.contains("Comments are not imported"), "{out}");
    assert!(out.contains("was private; imported as a draft"), "{out}");

    // Readers see the published post at its slug, with its date, its tags
    // and its images served by media.
    let page = app.get("/block-post/").await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("<h1 class=\"post-title\">A block editor post</h1>"));
    assert!(
        html.contains("datetime=\"2024-02-01T08:30:00+00:00\""),
        "{html}"
    );
    assert!(html.contains(">Ada Lovelace</a>"), "{html}");
    assert!(
        html.contains("&#x2f;tag&#x2f;touring&#x2f;\" rel=\"tag\">Touring</a>"),
        "{html}"
    );
    // The attachment's alt text came over with it, and media's words win.
    assert!(
        html.contains("alt=\"A red bicycle against a wall\""),
        "{html}"
    );
    assert!(
        html.contains("srcset=\"/media/"),
        "an image from media: {html}"
    );
    assert!(!html.contains("wp-content/uploads"), "{html}");
    // A page, and a slug WordPress kept percent-encoded, in Folio's rules.
    assert_eq!(app.get("/about/").await.status(), StatusCode::OK);
    assert_eq!(app.get("/cafe-classic/").await.status(), StatusCode::OK);

    // Every old address answers 301 to the new one: the permalink, ?p=ID,
    // an old slug (bare and dated), a category (nested too).
    for (old, new) in [
        ("/2024/02/block-post/", "/block-post/"),
        ("/?p=20", "/block-post/"),
        ("/riding-to-work/", "/block-post/"),
        ("/2024/02/riding-to-work/", "/block-post/"),
        ("/2015/06/caf%c3%a9-classic/", "/cafe-classic/"),
        ("/?page_id=30", "/about/"),
        ("/category/news/", "/tag/news/"),
        ("/category/programming/rust/", "/tag/rust/"),
    ] {
        let response = app.get(old).await;
        assert_eq!(response.status(), StatusCode::OK, "{old}");
        assert_eq!(response.url().path(), new, "{old}");
    }
    assert!(out.contains("Old addresses: 16 were redirected"), "{out}");

    // Drafts and scheduled posts keep their status, never shown to readers.
    let posts = all_posts(&app).await;
    assert_eq!(posts.len(), 8, "{posts:#?}");
    assert_eq!(post(&posts, "A scheduled post")["status"], "scheduled");
    assert_eq!(
        post(&posts, "A scheduled post")["publish_at"],
        "2030-01-01T09:00:00Z"
    );
    assert_eq!(post(&posts, "A draft")["status"], "draft");
    assert_eq!(post(&posts, "Private thoughts")["status"], "draft");
    assert_eq!(post(&posts, "About")["type"], "page");
    assert!(post(&posts, "A block editor post")["feature_image"].is_string());
    assert_eq!(
        app.get("/scheduled-post/").await.status(),
        StatusCode::NOT_FOUND
    );

    // The same import again creates nothing.
    let (app, (ok, out, err)) = import_while_stopped(app, &args).await;
    assert!(ok, "{err}");
    assert!(
        out.contains("0 posts and 0 pages were created; 8 were already imported"),
        "{out}"
    );
    assert!(
        out.contains("0 created") && out.contains("2 matched by email"),
        "{out}"
    );
    assert_eq!(all_posts(&app).await.len(), 8);
    let (_, media) = app.get_json("/api/v1/media?per_page=100").await;
    assert_eq!(media["media"].as_array().unwrap().len(), 3, "{media}");
}

#[actix_web::test]
async fn imported_authors_cannot_sign_in_until_an_administrator_sets_a_password() {
    let app = TestApp::spawn().await;
    let wxr = fixture("wordpress-6.wxr");
    let (app, (ok, _, err)) =
        import_while_stopped(app, &["wordpress", wxr.to_str().unwrap()]).await;
    assert!(ok, "{err}");
    let sign_in = |password: &'static str| {
        app.anonymous
            .post(app.url("/api/v1/session"))
            .header("origin", &app.address)
            .json(&json!({ "email": "ada@bikes.example", "password": password }))
            .send()
    };
    assert_eq!(
        sign_in("").await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        sign_in("!no-password").await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    let (_, users) = app.get_json("/api/v1/users").await;
    let ada = users
        .as_array()
        .unwrap()
        .iter()
        .find(|user| user["email"] == "ada@bikes.example")
        .unwrap();
    assert_eq!(ada["role"], "contributor");
    let reset = app
        .client
        .post(app.url(&format!(
            "/api/v1/users/{}/password",
            ada["id"].as_str().unwrap()
        )))
        .header("origin", &app.address)
        .json(&json!({ "new_password": "a long enough password" }))
        .send()
        .await
        .unwrap();
    assert_eq!(
        reset.status(),
        StatusCode::OK,
        "{}",
        reset.text().await.unwrap()
    );
    assert_eq!(
        sign_in("a long enough password").await.unwrap().status(),
        StatusCode::OK
    );
}

#[actix_web::test]
async fn a_dry_run_reports_what_would_come_in_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let uploads = uploads();
    let wxr = fixture("wordpress-6.wxr");
    let args = [
        "wordpress",
        wxr.to_str().unwrap(),
        "--uploads",
        uploads.path().to_str().unwrap(),
        "--dry-run",
    ];
    let (app, (ok, out, err)) = import_while_stopped(app, &args).await;
    assert!(ok, "{err}");
    assert!(
        out.contains("7 posts and 1 pages would be created"),
        "{out}"
    );
    assert!(out.contains("Images: 3 would be imported"), "{out}");
    assert!(
        out.contains("This was a dry run: nothing was written."),
        "{out}"
    );
    assert!(all_posts(&app).await.is_empty());
    let (_, media) = app.get_json("/api/v1/media").await;
    assert!(media["media"].as_array().unwrap().is_empty(), "{media}");
    let (_, users) = app.get_json("/api/v1/users").await;
    assert_eq!(
        users.as_array().unwrap().len(),
        1,
        "only the owner: {users}"
    );
}

#[actix_web::test]
async fn hostile_exports_are_refused_before_anything_is_written() {
    let mut app = TestApp::spawn().await;
    for name in [
        "billion-laughs.wxr",
        "external-entity.wxr",
        "unsafe-path.wxr",
        "duplicate-ids.wxr",
        "invalid-utf8.wxr",
    ] {
        let file = fixture(&format!("hostile/{name}"));
        assert!(file.exists(), "{}", file.display());
        let (restarted, (ok, out, err)) =
            import_while_stopped(app, &["wordpress", file.to_str().unwrap()]).await;
        app = restarted;
        assert!(!ok, "{name} was accepted: {out}");
        assert!(
            err.contains("is refused, and nothing was imported"),
            "{name}: {err}"
        );
        assert!(all_posts(&app).await.is_empty(), "{name} left posts behind");
    }
    let (_, users) = app.get_json("/api/v1/users").await;
    assert_eq!(users.as_array().unwrap().len(), 1, "{users}");
}

#[actix_web::test]
async fn a_ghost_export_comes_in_with_its_authors_tags_and_pages() {
    let app = TestApp::spawn().await;
    let json = fixture("ghost-5.json");
    let (app, (ok, out, err)) = import_while_stopped(app, &["ghost", json.to_str().unwrap()]).await;
    assert!(ok, "{err}\n{out}");
    let posts = all_posts(&app).await;
    assert!(!posts.is_empty(), "{out}");
    assert!(
        posts.iter().any(|post| post["type"] == "page"),
        "{posts:#?}"
    );
    let published = posts
        .iter()
        .find(|post| post["status"] == "published" && post["type"] == "post")
        .unwrap();
    let slug = published["slug"].as_str().unwrap();
    let page = app.get(&format!("/{slug}/")).await;
    assert_eq!(page.status(), StatusCode::OK);
    // Again: nothing new.
    let (app, (ok, out, _)) = import_while_stopped(app, &["ghost", json.to_str().unwrap()]).await;
    assert!(ok);
    assert!(out.contains("0 posts and 0 pages were created"), "{out}");
    assert_eq!(all_posts(&app).await.len(), posts.len());
}
