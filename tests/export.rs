//! `folio export`: the whole site written out — a WXR file and a zip archive
//! of it, the posts in Markdown and the images — and the export imported
//! into an empty site giving back the same site.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::HashMap;
use std::path::Path;

use common::TestApp;
use common::moving::{all_posts, fixture, import_while_stopped, post, uploads, while_stopped};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// The site as its owner reads it through the API, with what an import
/// rightly changes (ids, when it ran) left out: posts and pages with their
/// Markdown (images named by file), media, authors, tags and redirects.
async fn site(app: &TestApp) -> Value {
    let (status, media) = app.get_json("/api/v1/media?per_page=100").await;
    assert_eq!(status, 200, "{media}");
    let media = media["media"].as_array().unwrap().clone();
    // Named without the extension: media keeps an opaque PNG's original as
    // a JPEG, so the export (which holds what media keeps) names it .jpg.
    let stem = |m: &Value| {
        let name = m["file_name"].as_str().unwrap();
        name.rsplit_once('.')
            .map_or(name, |(stem, _)| stem)
            .to_owned()
    };
    let name_of: HashMap<String, String> = media
        .iter()
        .map(|m| (m["id"].as_str().unwrap().to_owned(), stem(m)))
        .collect();
    let named = |text: &str| {
        let mut text = text.to_owned();
        for (id, name) in &name_of {
            text = text.replace(id, name);
        }
        text
    };
    let mut posts = Vec::new();
    for summary in all_posts(app).await {
        let id = summary["id"].as_str().unwrap();
        let (status, post) = app.get_json(&format!("/api/v1/posts/{id}")).await;
        assert_eq!(status, 200, "{post}");
        let tags: Vec<&Value> = post["tags"].as_array().unwrap().iter().collect();
        posts.push(json!({
            "type": post["type"],
            "title": post["title"],
            "slug": post["slug"],
            "status": post["status"],
            "excerpt": post["excerpt"],
            "tags": tags,
            // WXR's dates are to the second.
            "published_at": post["published_at"].as_str().map(|at| at[..19].to_owned()),
            "publish_at": post["publish_at"],
            "author": post["author"].as_str().map(|_| "someone"),
            "markdown": named(post["markdown"].as_str().unwrap()),
            "feature_image": post["feature_image"].as_str().map(named),
        }));
    }
    posts.sort_by_key(|p| p["slug"].as_str().unwrap().to_owned());
    let mut media: Vec<Value> = media
        .iter()
        .map(|m| json!([stem(m), m["alt"], m["caption"], m["width"], m["height"]]))
        .collect();
    media.sort_by_key(|m| m.to_string());
    let (_, users) = app.get_json("/api/v1/users").await;
    let users = users
        .get("users")
        .unwrap_or(&users)
        .as_array()
        .unwrap()
        .clone();
    let mut people: Vec<Value> = users
        .iter()
        .map(|u| json!([u["email"], u["name"], u["role"]]))
        .collect();
    people.sort_by_key(|p| p.to_string());
    let (_, redirects) = app.get_json("/api/v1/redirects?per_page=500").await;
    let mut redirects: Vec<Value> = redirects["redirects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| json!([r["from"], r["location"]]))
        .collect();
    redirects.sort_by_key(|r| r.to_string());
    let (_, tags) = app.get_json("/api/v1/tags").await;
    json!({ "posts": posts, "media": media, "people": people, "redirects": redirects, "tags": tags })
}

/// A site with something of everything: the WordPress fixture (published,
/// scheduled and draft posts, a page, images, two authors, nested
/// categories, old addresses), then a slug changed and a redirect added here.
async fn a_lived_in_site() -> TestApp {
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
    assert!(ok, "{err}\n{out}");
    let posts = all_posts(&app).await;
    let block = post(&posts, "A block editor post");
    let id = block["id"].as_str().unwrap();
    let renamed = app
        .client
        .patch(app.url(&format!("/api/v1/posts/{id}")))
        .json(&json!({ "revision": block["revision"], "slug": "blocks-and-bikes" }))
        .send()
        .await
        .unwrap();
    assert_eq!(renamed.status(), StatusCode::OK);
    // A post written here, holding what CDATA cannot (`]]>`).
    let written = app
        .client
        .post(app.url("/api/v1/posts"))
        .json(&json!({
            "title": "Escapes ]]> & <tags>",
            "markdown": "Inline `a]]>b`, **bold**, a [link](https://example.org/?a=1&b=2).\n\n```xml\n<![CDATA[ x ]]>\n```",
            "tags": ["XML & more"],
            "status": "published",
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(written.status(), StatusCode::CREATED);
    let added = app
        .client
        .post(app.url("/api/v1/redirects"))
        .json(&json!({ "from": "/old/contact/", "to": "https://elsewhere.example/contact" }))
        .send()
        .await
        .unwrap();
    assert_eq!(added.status(), StatusCode::CREATED);
    app
}

fn unzip(file: &Path, into: &Path) {
    let mut archive = zip::ZipArchive::new(std::fs::File::open(file).unwrap()).unwrap();
    archive.extract(into).unwrap();
}

#[actix_web::test]
async fn an_export_imported_into_an_empty_site_gives_back_the_same_site() {
    let first = a_lived_in_site().await;
    let before = site(&first).await;
    let out = tempfile::tempdir().unwrap();
    let archive = out.path().join("export.zip");
    let (first, (ok, said, err)) =
        while_stopped(first, &["export", archive.to_str().unwrap()]).await;
    assert!(ok, "{err}");
    assert!(
        said.contains("Exported 8 posts, 1 pages, 3 media, 3 authors, 5 tags and 18 redirects"),
        "{said}"
    );
    unzip(&archive, &out.path().join("export"));

    let second = TestApp::spawn().await;
    let site_xml = out.path().join("export/site.xml");
    let media = out.path().join("export/media");
    let (second, (ok, said, err)) = import_while_stopped(
        second,
        &[
            "wordpress",
            site_xml.to_str().unwrap(),
            "--uploads",
            media.to_str().unwrap(),
        ],
    )
    .await;
    assert!(ok, "{err}\n{said}");
    assert!(said.contains("8 posts and 1 pages were created"), "{said}");
    assert!(!said.contains("Not imported"), "{said}");

    assert_eq!(site(&second).await, before);
    // Readers see the same pages: a post with its images from media, an
    // old address of the first site, the slug changed there.
    for path in ["/blocks-and-bikes/", "/about/", "/tag/touring/"] {
        let (a, b) = (first.get(path).await, second.get(path).await);
        assert_eq!(
            (a.status(), b.status()),
            (StatusCode::OK, StatusCode::OK),
            "{path}"
        );
    }
    let page = second.get("/blocks-and-bikes/").await.text().await.unwrap();
    // The medium's own alt text (the attachment's, brought over) is what
    // pages show: the library's words win over the post's copy.
    assert!(
        page.contains("alt=\"A red bicycle against a wall\""),
        "{page}"
    );
    assert!(page.contains("srcset=\"/media/"), "{page}");
    for old in ["/block-post/", "/?p=20", "/2024/02/riding-to-work/"] {
        let response = second.get(old).await;
        assert_eq!(response.url().path(), "/blocks-and-bikes/", "{old}");
    }
    let away = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(second.url("/old/contact/"))
        .send()
        .await
        .unwrap();
    assert_eq!(away.status(), StatusCode::MOVED_PERMANENTLY);
    assert_eq!(
        away.headers()["location"],
        "https://elsewhere.example/contact"
    );
}

#[actix_web::test]
async fn the_archive_holds_every_post_as_markdown_with_front_matter_and_every_original() {
    let app = a_lived_in_site().await;
    let out = tempfile::tempdir().unwrap();
    let archive = out.path().join("site.zip");
    let (_app, (ok, _, err)) = while_stopped(app, &["export", archive.to_str().unwrap()]).await;
    assert!(ok, "{err}");
    let dir = out.path().join("site");
    unzip(&archive, &dir);

    let post = std::fs::read_to_string(dir.join("posts/2024-02-01-blocks-and-bikes.md")).unwrap();
    let (front, body) = post
        .strip_prefix("---\n")
        .and_then(|rest| rest.split_once("\n---\n"))
        .unwrap();
    for line in [
        r#"title: "A block editor post""#,
        r#"slug: "blocks-and-bikes""#,
        r#"type: "post""#,
        r#"status: "published""#,
        r#"date: "2024-02-01T08:30:00+00:00""#,
        r#"author: "Ada Lovelace""#,
        r#"author_email: "ada@bikes.example""#,
    ] {
        assert!(front.lines().any(|l| l == line), "{line} in:\n{front}");
    }
    assert!(
        front.contains(r#"tags: ["#) && front.contains(r#""Touring""#),
        "{front}"
    );
    assert!(front.contains("feature_image: \"../media/"), "{front}");
    // Images point at the archive's own files, which hold the originals.
    let image = body
        .split("](../media/")
        .nth(1)
        .and_then(|rest| rest.split(')').next())
        .unwrap_or_else(|| panic!("no image in {body}"));
    let bytes = std::fs::read(dir.join("media").join(image)).unwrap();
    assert!(image::load_from_memory(&bytes).is_ok(), "{image}");
    assert!(!body.contains("media:"), "{body}");
    assert!(dir.join("pages/about.md").is_file());
    let drafts = std::fs::read_dir(dir.join("posts"))
        .unwrap()
        .filter(|entry| {
            std::fs::read_to_string(entry.as_ref().unwrap().path())
                .unwrap()
                .contains("status: \"draft\"")
        })
        .count();
    assert_eq!(
        drafts, 4,
        "drafts are exported too (private and password-protected ones came in as drafts)"
    );
    assert_eq!(std::fs::read_dir(dir.join("media")).unwrap().count(), 3);
}

#[actix_web::test]
async fn an_export_to_a_file_that_is_neither_xml_nor_zip_is_refused_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let out = tempfile::tempdir().unwrap();
    let target = out.path().join("site.tar");
    let (_app, (ok, _, err)) = while_stopped(app, &["export", target.to_str().unwrap()]).await;
    assert!(!ok);
    assert!(err.contains("name the file .xml"), "{err}");
    assert_eq!(std::fs::read_dir(out.path()).unwrap().count(), 0);
}

#[actix_web::test]
async fn administrators_download_the_export_from_the_admin_and_no_one_else_can() {
    let app = a_lived_in_site().await;

    let response = app
        .client
        .get(app.url("/api/v1/export?format=zip"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "application/zip");
    let disposition = response.headers()["content-disposition"].to_str().unwrap();
    assert!(
        disposition.starts_with("attachment; filename=\"folio-export-")
            && disposition.ends_with(".zip\""),
        "{disposition}"
    );
    assert_eq!(response.headers()["cache-control"], "no-store");
    // Browsers cancel a download whose sandbox does not allow it.
    let policy = response.headers()["content-security-policy"]
        .to_str()
        .unwrap();
    assert!(policy.contains("sandbox allow-downloads"), "{policy}");
    let bytes = response.bytes().await.unwrap();
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let names: Vec<String> = archive
        .file_names()
        .map(|name| name.unwrap().into_owned())
        .collect();
    assert!(names.contains(&"site.xml".to_owned()), "{names:?}");
    assert!(names.contains(&"pages/about.md".to_owned()), "{names:?}");
    assert_eq!(names.iter().filter(|n| n.starts_with("media/")).count(), 3);
    let mut post = String::new();
    std::io::Read::read_to_string(
        &mut archive
            .by_name("posts/2024-02-01-blocks-and-bikes.md")
            .unwrap(),
        &mut post,
    )
    .unwrap();
    assert!(post.contains("title: \"A block editor post\""), "{post}");

    let wxr = app
        .client
        .get(app.url("/api/v1/export"))
        .send()
        .await
        .unwrap();
    assert_eq!(wxr.status(), StatusCode::OK);
    assert_eq!(wxr.headers()["content-type"], "application/xml");
    let wxr = wxr.text().await.unwrap();
    assert!(wxr.starts_with("<?xml"), "{wxr}");
    assert!(wxr.contains("<wp:post_name><![CDATA[blocks-and-bikes]]></wp:post_name>"));
    // What WordPress makes of it: images with their sizes (for its
    // responsive copies), no heading self-links, the changed slug as its own
    // `_wp_old_slug`, drafts with no GMT date (published there, they take
    // the day they are published).
    assert!(wxr.contains(r#"width="640" height="480""#), "{wxr}");
    assert!(!wxr.contains("#user-content-"), "{wxr}");
    assert!(wxr.contains("<wp:meta_value><![CDATA[block-post]]></wp:meta_value>"));
    assert!(wxr.contains("<wp:post_date_gmt><![CDATA[0000-00-00 00:00:00]]></wp:post_date_gmt>"));
    assert!(wxr.contains("_folio_content_sha256"));
    assert!(wxr.contains(&format!(
        "<link>{}</link>",
        app.url("").trim_end_matches('/')
    )));

    // Nothing of either export is left in the data directory.
    let leftovers: Vec<_> = std::fs::read_dir(app.data_dir.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with("export-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    let bogus = app
        .client
        .get(app.url("/api/v1/export?format=tar"))
        .send()
        .await
        .unwrap();
    assert_eq!(bogus.status(), StatusCode::BAD_REQUEST);
    let error: Value = bogus.json().await.unwrap();
    assert_eq!(error["error"]["code"], "invalid_query", "{error}");

    let editor = app.token_for_new_user("editor").await;
    let refused = app
        .anonymous
        .get(app.url("/api/v1/export"))
        .bearer_auth(&editor)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let anonymous = app
        .anonymous
        .get(app.url("/api/v1/export"))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
}
