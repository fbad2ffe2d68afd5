//! Security headers on every kind of response: pages of the public theme get
//! a strict policy (no script at all), the admin shell its own, and every
//! file — JSON, feeds, the sitemap, assets, media — a sandbox and `nosniff`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::Cursor;

use common::TestApp;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

struct Seen {
    status: u16,
    csp: String,
    nosniff: bool,
    referrer_policy: String,
    body: String,
}

async fn seen(app: &TestApp, path: &str) -> Seen {
    let response = app.anonymous.get(app.url(path)).send().await.unwrap();
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .map(|value| value.to_str().unwrap().to_owned())
            .unwrap_or_default()
    };
    let (csp, referrer_policy) = (header("content-security-policy"), header("referrer-policy"));
    let nosniff = header("x-content-type-options") == "nosniff";
    let status = response.status().as_u16();
    let body = response.text().await.unwrap_or_default();
    Seen {
        status,
        csp,
        nosniff,
        referrer_policy,
        body,
    }
}

/// A published post with a tag and an uploaded picture; returns the post's
/// path and a variant's path.
async fn publish_with_picture(app: &TestApp) -> (String, String) {
    let image = image::RgbImage::from_fn(700, 400, |x, y| image::Rgb([x as u8, y as u8, 90]));
    let mut jpeg = Vec::new();
    image::DynamicImage::ImageRgb8(image)
        .write_to(&mut Cursor::new(&mut jpeg), image::ImageFormat::Jpeg)
        .unwrap();
    let form = Form::new()
        .part("file", Part::bytes(jpeg).file_name("card.jpg"))
        .text("alt", "A card");
    let medium: Value = app
        .client
        .post(app.url("/api/v1/media"))
        .multipart(form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = medium["id"].as_str().unwrap();
    let variant = medium["variants"][0]["url"].as_str().unwrap().to_owned();
    let post: Value = app
        .client
        .post(app.url("/api/v1/posts"))
        .json(&json!({
            "title": "Headers",
            "markdown": format!("Some *text*.\n\n![A card](media:{id})\n\n```rust\nfn main() {{}}\n```\n"),
            "tags": ["safety"],
            "status": "published",
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let url = post["url"].as_str().unwrap();
    let path = url.strip_prefix(&app.address).unwrap_or(url).to_owned();
    (
        path,
        variant
            .strip_prefix(&app.address)
            .unwrap_or(&variant)
            .to_owned(),
    )
}

fn directives(csp: &str) -> Vec<String> {
    csp.split(';').map(|d| d.trim().to_owned()).collect()
}

#[tokio::test]
async fn public_pages_get_a_strict_policy_their_theme_lives_within() {
    let app = TestApp::spawn().await;
    let (post, _) = publish_with_picture(&app).await;

    for (path, status) in [
        ("/", 200),
        (post.as_str(), 200),
        ("/tag/safety/", 200),
        ("/no-such-page/", 404),
    ] {
        let page = seen(&app, path).await;
        assert_eq!(page.status, status, "{path}");
        assert!(page.nosniff, "{path}");
        assert_eq!(
            page.referrer_policy, "strict-origin-when-cross-origin",
            "{path}"
        );
        let csp = directives(&page.csp);
        for directive in [
            "default-src 'none'",
            "script-src 'none'",
            "style-src 'self'",
            "base-uri 'none'",
            "frame-ancestors 'self'",
        ] {
            assert!(
                csp.iter().any(|d| d == directive),
                "{path}: {directive} in {csp:?}"
            );
        }
        // The built-in theme needs nothing the policy forbids: no script, no
        // inline style, stylesheets from this site only. JSON-LD is a data
        // block, never run, so the policy does not concern it.
        let body = page.body.to_lowercase();
        for forbidden in ["<style", " style=", "javascript:"] {
            assert!(!body.contains(forbidden), "{path} has {forbidden}");
        }
        for script in body.split("<script").skip(1) {
            assert!(
                script.starts_with(" type=\"application/ld+json\">"),
                "{path} has a script that is not JSON-LD: <script{script}"
            );
        }
        for link in body.split("<link ").skip(1) {
            if link.contains("rel=\"stylesheet\"") {
                assert!(link.contains("href=\"/static/"), "{path}: {link}");
            }
        }
    }
}

#[tokio::test]
async fn feeds_json_media_and_assets_are_sandboxed_and_never_sniffed() {
    let app = TestApp::spawn().await;
    let (_, variant) = publish_with_picture(&app).await;

    for (path, status) in [
        ("/feed.xml", 200),
        ("/tag/safety/feed.xml", 200),
        ("/sitemap.xml", 200),
        ("/robots.txt", 200),
        ("/api/v1/posts", 200),
        ("/api/v1/no-such-route", 404),
        ("/static/site.css", 200),
        ("/static/admin/app.js", 200),
        (variant.as_str(), 200),
        ("/healthz", 200),
    ] {
        let file = seen(&app, path).await;
        assert_eq!(file.status, status, "{path}");
        assert!(file.nosniff, "{path}");
        let csp = directives(&file.csp);
        for directive in ["default-src 'none'", "sandbox", "frame-ancestors 'none'"] {
            assert!(
                csp.iter().any(|d| d == directive),
                "{path}: {directive} in {csp:?}"
            );
        }
    }
}

#[tokio::test]
async fn the_admin_shell_is_served_only_at_admin_with_its_own_policy() {
    let app = TestApp::spawn().await;

    let admin = seen(&app, "/admin/").await;
    assert_eq!(admin.status, 200);
    assert!(admin.body.contains("/static/admin/app.js"));
    assert!(admin.nosniff);
    assert_eq!(admin.referrer_policy, "same-origin");
    let csp = directives(&admin.csp);
    for directive in [
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "frame-ancestors 'none'",
    ] {
        assert!(csp.iter().any(|d| d == directive), "{directive} in {csp:?}");
    }

    // The same document under /static would run without those headers.
    let copy = seen(&app, "/static/admin/index.html").await;
    assert_eq!(copy.status, 404);
    assert!(!copy.body.contains("/static/admin/app.js"));
    // Its modules and stylesheets still load.
    for asset in ["/static/admin/app.js", "/static/admin/admin.css"] {
        assert_eq!(seen(&app, asset).await.status, 200, "{asset}");
    }
}
