//! A person's profile on the public site: the picture (from media) and the
//! website they choose, shown on their author page and under their posts,
//! refused when the website is not a plain web address, and removable.
#![allow(clippy::unwrap_used)]

mod common;

use common::TestApp;
use reqwest::StatusCode;
use serde_json::{Value, json};

const WEBSITE: &str = "https://olive.example.org/";

/// A public page, read as a browser does: templates write every `/` in an
/// attribute as `&#x2f;`.
async fn page(app: &TestApp, path: &str) -> String {
    let response = app.anonymous.get(app.url(path)).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    response.text().await.unwrap().replace("&#x2f;", "/")
}

/// The caller's own account.
async fn me(app: &TestApp, token: &str) -> Value {
    let response = app
        .anonymous
        .get(app.url("/api/v1/me"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    response.json::<Value>().await.unwrap()["user"].clone()
}

async fn patch_user(app: &TestApp, token: &str, id: &str, body: Value) -> (StatusCode, Value) {
    let response = app
        .anonymous
        .patch(app.url(&format!("/api/v1/users/{id}")))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn publish(app: &TestApp, token: &str, title: &str) -> String {
    let response = app
        .anonymous
        .post(app.url("/api/v1/posts"))
        .bearer_auth(token)
        .json(&json!({ "title": title, "markdown": "Dough rises slowly on a boat.", "status": "published" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let post: Value = response.json().await.unwrap();
    format!("/{}/", post["slug"].as_str().unwrap())
}

fn portrait() -> Vec<u8> {
    let picture = image::RgbImage::from_pixel(600, 800, image::Rgb([40, 120, 200]));
    let mut jpeg = Vec::new();
    image::DynamicImage::ImageRgb8(picture)
        .write_to(
            &mut std::io::Cursor::new(&mut jpeg),
            image::ImageFormat::Jpeg,
        )
        .unwrap();
    jpeg
}

/// The `<img class="avatar…">` tag of `html`, if it has one.
fn avatar_tag(html: &str) -> Option<&str> {
    let start = html.find("<img class=\"avatar")?;
    let end = html[start..].find('>')?;
    Some(&html[start..=start + end])
}

#[tokio::test]
async fn an_avatar_and_a_website_show_on_the_author_page_and_under_posts_until_removed() {
    let app = TestApp::spawn().await;
    let owner = app.owner_token.clone().unwrap();
    let person = me(&app, &owner).await;
    let (id, name, slug) = (
        person["id"].as_str().unwrap().to_owned(),
        person["name"].as_str().unwrap().to_owned(),
        person["slug"].as_str().unwrap().to_owned(),
    );
    assert_eq!(person["avatar"], Value::Null, "nobody has one at first");
    assert_eq!(person["website"], Value::Null);
    let post = publish(&app, &owner, "Bread at sea").await;
    let author_page = format!("/author/{slug}/");
    // Cached before the change: the change must drop them.
    assert!(avatar_tag(&page(&app, &post).await).is_none());
    assert!(!page(&app, &author_page).await.contains(WEBSITE));

    let medium = common::upload_medium(&app, portrait(), "A blue square").await;
    let medium_id = medium["id"].as_str().unwrap();
    let (status, saved) = patch_user(
        &app,
        &owner,
        &id,
        json!({ "avatar": medium_id, "website": format!("  {WEBSITE} ") }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    assert_eq!(saved["avatar"], medium_id);
    assert_eq!(saved["website"], WEBSITE, "kept as given, trimmed");
    let (_, authors) = app.get_json("/api/v1/authors").await;
    assert_eq!(authors[0]["avatar"], medium_id);
    assert_eq!(authors[0]["website"], WEBSITE);

    let link = format!("<a href=\"{WEBSITE}\" rel=\"me noopener\">olive.example.org</a>");
    for path in [&author_page, &post] {
        let html = page(&app, path).await;
        let avatar = avatar_tag(&html).unwrap_or_else(|| panic!("no avatar on {path}"));
        assert!(avatar.contains(&format!("alt=\"{name}\"")), "{avatar}");
        assert!(
            avatar.contains(" srcset=\"") && avatar.contains(medium_id),
            "{avatar}"
        );
        assert!(html.contains(&link), "no website link on {path}");
    }
    // A link preview of the author's page shows them.
    let profile = page(&app, &author_page).await;
    assert!(profile.contains("<meta property=\"og:image\" content=\""));
    assert!(profile.contains(&format!(
        "<meta property=\"og:image:alt\" content=\"{name}\">"
    )));

    // Removed: null for the picture, "" (an emptied form field) for the website.
    let (status, saved) =
        patch_user(&app, &owner, &id, json!({ "avatar": null, "website": "" })).await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    assert_eq!(saved["avatar"], Value::Null);
    assert_eq!(saved["website"], Value::Null);
    for path in [&author_page, &post] {
        let html = page(&app, path).await;
        assert!(avatar_tag(&html).is_none(), "an avatar is left on {path}");
        assert!(!html.contains(WEBSITE), "the website is left on {path}");
    }
}

#[tokio::test]
async fn a_website_that_is_not_a_plain_web_address_or_an_avatar_that_is_no_media_id_is_refused() {
    let app = TestApp::spawn().await;
    let owner = app.owner_token.clone().unwrap();
    let id = me(&app, &owner).await["id"].as_str().unwrap().to_owned();
    let (status, _) = patch_user(&app, &owner, &id, json!({ "website": WEBSITE })).await;
    assert_eq!(status, StatusCode::OK);

    let long = format!("https://example.com/{}", "a".repeat(600));
    for bad in [
        "javascript:alert(1)",
        "//evil.example",
        "data:text/html,<script>alert(1)</script>",
        "/about/",
        "example.com",
        long.as_str(),
    ] {
        let (status, body) = patch_user(&app, &owner, &id, json!({ "website": bad })).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad:?}: {body}");
        assert_eq!(body["error"]["code"], "invalid_input");
        let message = body["error"]["message"].as_str().unwrap();
        assert!(message.starts_with("website: "), "{message}");
    }
    for bad in [json!("not-a-media-id"), json!(42)] {
        let (status, body) = patch_user(&app, &owner, &id, json!({ "avatar": bad })).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {body}");
        assert_eq!(body["error"]["code"], "invalid_input");
    }
    // A refusal leaves everything as it was, the other fields of the body too.
    let (status, _) = patch_user(
        &app,
        &owner,
        &id,
        json!({ "bio": "Changed?", "website": "javascript:alert(1)" }),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let person = me(&app, &owner).await;
    assert_eq!(person["website"], WEBSITE);
    assert_eq!(person["bio"], "");
}

#[tokio::test]
async fn everyone_sets_their_own_avatar_and_website_but_not_someone_elses() {
    let app = TestApp::spawn().await;
    let owner = app.owner_token.clone().unwrap();
    let contributor = app.token_for_new_user("contributor").await;
    let own = me(&app, &contributor).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let owners = me(&app, &owner).await["id"].as_str().unwrap().to_owned();

    let (status, saved) = patch_user(
        &app,
        &contributor,
        &own,
        json!({ "website": "http://contributor.example/" }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    assert_eq!(saved["website"], "http://contributor.example/");

    let (status, _) = patch_user(
        &app,
        &contributor,
        &owners,
        json!({ "website": "https://not-yours.example/" }),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(me(&app, &owner).await["website"], Value::Null);
}
