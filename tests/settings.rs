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

async fn publish(app: &TestApp, title: &str) -> Value {
    let response = app
        .client
        .post(app.url("/api/v1/posts"))
        .json(&json!({ "title": title, "markdown": format!("About {title}."), "status": "published" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json().await.unwrap()
}

#[tokio::test]
async fn timezone_date_format_language_and_posts_per_page_show_on_pages_and_feeds() {
    let app = TestApp::spawn().await;
    let owner = app.owner_token.clone().unwrap();
    for title in ["First light", "Second light", "Third light"] {
        publish(&app, title).await;
    }
    // Cached in UTC, ten a page, in English.
    assert!(page(&app, "/").await.contains("<html lang=\"en\">"));
    let (status, saved) = patch(
        &app,
        Some(&owner),
        json!({
            "timezone": "Pacific/Kiritimati",
            "date_format": "iso",
            "language": "fr",
            "posts_per_page": 2,
        }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    assert_eq!(saved["applied"]["timezone"], "Pacific/Kiritimati");

    // Kiritimati is UTC+14 all year: the date there is often not UTC's.
    let kiritimati = chrono::FixedOffset::east_opt(14 * 3600).unwrap();
    let today = || {
        chrono::Utc::now()
            .with_timezone(&kiritimati)
            .format("%Y-%m-%d")
            .to_string()
    };
    let (before, home, after) = (today(), page(&app, "/").await, today());
    assert!(home.contains("<html lang=\"fr\">"), "{home}");
    assert!(
        home.contains(&format!(">{before}</time>")) || home.contains(&format!(">{after}</time>")),
        "the date in the site's timezone and format: {home}"
    );
    assert!(
        home.contains("+14:00\">"),
        "a machine-readable time at the site's offset"
    );
    assert_eq!(home.matches("class=\"post-card\"").count(), 2, "two a page");
    assert!(home.contains("rel=\"next\""), "a next page");
    assert!(page(&app, "/page/2/").await.contains("First light"));
    let post = page(&app, "/first-light/").await;
    assert!(
        post.contains(&format!(">{before}</time>")) || post.contains(&format!(">{after}</time>"))
    );
    let feed = page(&app, "/feed.xml").await;
    assert!(feed.contains("<language>fr</language>"), "{feed}");
    assert!(feed.contains(" +1400</pubDate>"), "{feed}");
    let (status, site) = app.get_json("/api/v1/site").await;
    assert_eq!(status, 200);
    assert_eq!(site["timezone"], "Pacific/Kiritimati");
    assert_eq!(site["language"], "fr");

    for bad in [
        json!({ "timezone": "Mars/Olympus_Mons" }),
        json!({ "timezone": "" }),
        json!({ "date_format": "%Y" }),
        json!({ "language": "english!" }),
        json!({ "language": "" }),
        json!({ "posts_per_page": 0 }),
        json!({ "posts_per_page": 51 }),
        json!({ "posts_per_page": -1 }),
    ] {
        let (status, body) = patch(&app, Some(&owner), bad.clone()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {body}");
    }
    let (_, settings) = app.get_json("/api/v1/settings").await;
    assert_eq!(settings["applied"]["posts_per_page"], 2, "nothing changed");
}

#[tokio::test]
async fn accent_colour_and_accounts_elsewhere_show_on_every_page() {
    let app = TestApp::spawn().await;
    let owner = app.owner_token.clone().unwrap();
    assert!(!page(&app, "/").await.contains("/theme.css"));
    let (status, saved) = patch(
        &app,
        Some(&owner),
        json!({
            "accent_colour": "#1F4FA8",
            "social_accounts": [
                { "network": "mastodon", "url": "https://mastodon.social/@harbour" },
                { "network": "x", "url": "https://x.com/harbour_notes" },
            ],
        }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    let home = page(&app, "/").await;
    assert!(
        home.contains("<link rel=\"stylesheet\" href=\"/theme.css?accent=1f4fa8\">"),
        "{home}"
    );
    assert!(home.contains(
        "<a href=\"https:&#x2f;&#x2f;mastodon.social&#x2f;@harbour\" rel=\"me noopener\">Mastodon</a>"
    ) || home.contains("<a href=\"https://mastodon.social/@harbour\" rel=\"me noopener\">Mastodon</a>"),
        "{home}");
    assert!(home.contains("<meta name=\"twitter:site\" content=\"@harbour_notes\">"));
    let css = app
        .anonymous
        .get(app.url("/theme.css?accent=1f4fa8"))
        .send()
        .await
        .unwrap();
    assert_eq!(css.status(), 200);
    assert!(
        css.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/css")
    );
    assert!(css.text().await.unwrap().contains("--accent: #1f4fa8;"));
    let bad = app
        .anonymous
        .get(app.url("/theme.css?accent=red;}body{x"))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::NOT_FOUND);

    let eleven: Vec<Value> = (0..11)
        .map(|n| json!({ "network": "other", "url": format!("https://example.org/{n}") }))
        .collect();
    for bad in [
        json!({ "accent_colour": "red" }),
        json!({ "accent_colour": "#12345" }),
        json!({ "social_accounts": [{ "network": "mastodon", "url": "javascript:alert(1)" }] }),
        json!({ "social_accounts": [{ "network": "mastodon", "url": "//evil.example/" }] }),
        json!({ "social_accounts": [{ "network": "myspace", "url": "https://myspace.com/x" }] }),
        json!({ "social_accounts": eleven }),
    ] {
        let (status, body) = patch(&app, Some(&owner), bad.clone()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {body}");
    }
    assert!(
        page(&app, "/")
            .await
            .contains("rel=\"me noopener\">Mastodon</a>"),
        "unchanged"
    );
}

fn policy(response: &reqwest::Response) -> String {
    response.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn code_injection_reaches_every_public_page_but_no_preview_and_only_from_administrators() {
    let app = TestApp::spawn().await;
    let owner = app.owner_token.clone().unwrap();
    let post = publish(&app, "Harbour days").await;
    let strict = app.anonymous.get(app.url("/")).send().await.unwrap();
    assert!(policy(&strict).contains("script-src 'none'"));

    let editor = app.token_for_new_user("editor").await;
    let (status, _) = patch(
        &app,
        Some(&editor),
        json!({ "code_head": "<script>x()</script>" }),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = patch(
        &app,
        Some(&owner),
        json!({ "code_head": "x".repeat(64 * 1024 + 1) }),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    let (status, saved) = patch(
        &app,
        Some(&owner),
        json!({
            "code_head": "<meta name=\"site-verification\" content=\"abc123\">",
            "code_foot": "<script src=\"https://stats.example/count.js\" defer></script>",
        }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    for path in ["/", "/harbour-days/", "/no-such-page/"] {
        let response = app.anonymous.get(app.url(path)).send().await.unwrap();
        let csp = policy(&response);
        let body = response.text().await.unwrap();
        let head = body.find("<meta name=\"site-verification\" content=\"abc123\">");
        assert!(
            head.is_some_and(|at| at < body.find("</head>").unwrap()),
            "{path}: in the head: {body}"
        );
        let foot = body.find("<script src=\"https://stats.example/count.js\" defer></script>");
        assert!(
            foot.is_some_and(|at| at > body.find("</footer>").unwrap()),
            "{path}: at the end of the body"
        );
        assert!(
            csp.contains("script-src 'self' 'unsafe-inline' https:"),
            "{path}: {csp}"
        );
    }

    // A preview link's secret address never reaches the owner's scripts.
    let id = post["id"].as_str().unwrap();
    let link: Value = app
        .client
        .post(app.url(&format!("/api/v1/posts/{id}/preview-link")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let preview = app
        .anonymous
        .get(link["url"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert!(policy(&preview).contains("script-src 'none'"));
    let body = preview.text().await.unwrap();
    assert!(
        body.contains("Harbour days") && !body.contains("stats.example"),
        "{body}"
    );

    // Emptied: the strict policy is back.
    let (status, _) = patch(
        &app,
        Some(&owner),
        json!({ "code_head": "", "code_foot": "" }),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let response = app.anonymous.get(app.url("/")).send().await.unwrap();
    assert!(policy(&response).contains("script-src 'none'"));
    assert!(!response.text().await.unwrap().contains("site-verification"));
}

/// A picture uploaded to the media library: its id.
async fn upload_picture(app: &TestApp, width: u32, height: u32) -> String {
    let picture = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 90])
    });
    let mut bytes = Vec::new();
    image::DynamicImage::ImageRgb8(picture)
        .write_to(
            &mut std::io::Cursor::new(&mut bytes),
            image::ImageFormat::Png,
        )
        .unwrap();
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(bytes).file_name("logo.png"),
    );
    let response = app
        .client
        .post(app.url("/api/v1/media"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let medium: Value = response.json().await.unwrap();
    medium["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_logo_replaces_the_title_in_the_header_and_an_icon_marks_the_tab() {
    let app = TestApp::spawn().await;
    let owner = app.owner_token.clone().unwrap();
    let logo = upload_picture(&app, 600, 200).await;
    let icon = upload_picture(&app, 256, 256).await;
    let (status, saved) = patch(&app, Some(&owner), json!({ "logo": logo, "icon": icon })).await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    let home = page(&app, "/").await.replace("&#x2f;", "/");
    assert!(
        home.contains(&format!(
            "<a class=\"site-title site-logo\" href=\"/\"><img src=\"/media/{logo}/"
        )),
        "{home}"
    );
    assert!(
        home.contains("alt=\"Folio\"></a>"),
        "the title is the logo's alt text"
    );
    assert!(home.contains(&format!("<link rel=\"icon\" href=\"/media/{icon}/")));

    // A deleted logo leaves the header: its title is back.
    let gone = app
        .client
        .delete(app.url(&format!("/api/v1/media/{logo}")))
        .send()
        .await
        .unwrap();
    assert!(gone.status().is_success());
    let home = page(&app, "/").await;
    assert!(
        home.contains("<a class=\"site-title\" href=\"/\">Folio</a>"),
        "{home}"
    );

    let (status, _) = patch(&app, Some(&owner), json!({ "icon": "" })).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!page(&app, "/").await.contains("rel=\"icon\""));
    for bad in [json!({ "logo": "../../etc/passwd" }), json!({ "icon": 12 })] {
        let (status, body) = patch(&app, Some(&owner), bad.clone()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {body}");
    }
}
