//! What public pages and feeds tell link previews, search engines and feed
//! readers: Open Graph, Twitter cards, JSON-LD, absolute addresses.
#![allow(clippy::unwrap_used)]

mod common;

use common::TestApp;
use reqwest::StatusCode;
use serde_json::{Value, json};

const SITE: &str = "https://blog.example";
const ALT: &str = "A red kite over the hill";

async fn site() -> TestApp {
    TestApp::spawn_with(&[
        "--site-title",
        "Harbour Notes",
        "--site-description",
        "Notes from the quay",
        "--public-url",
        SITE,
    ])
    .await
}

async fn page(app: &TestApp, path: &str) -> (StatusCode, String) {
    let response = app.anonymous.get(app.url(path)).send().await.unwrap();
    (response.status(), response.text().await.unwrap())
}

fn kite() -> Vec<u8> {
    let picture = image::RgbImage::from_pixel(1200, 630, image::Rgb([200, 40, 40]));
    let mut jpeg = Vec::new();
    image::DynamicImage::ImageRgb8(picture)
        .write_to(
            &mut std::io::Cursor::new(&mut jpeg),
            image::ImageFormat::Jpeg,
        )
        .unwrap();
    jpeg
}

/// A published post with a feature image (alt text in media), a tag, an
/// excerpt, a picture in its text and a link to another page of the site.
async fn kites_post(app: &TestApp, title: &str) -> String {
    let medium = common::upload_medium(app, kite(), ALT).await;
    let id = medium["id"].as_str().unwrap().to_owned();
    let markdown = format!("Over the [harbour](/harbour/) today:\n\n![Kite](media:{id})");
    let response = app
        .client
        .post(app.url("/api/v1/posts"))
        .json(&json!({
            "title": title,
            "markdown": markdown,
            "excerpt": "Kites & gulls over the hill",
            "tags": ["Birds"],
            "feature_image": id,
            "status": "published",
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let post: Value = response.json().await.unwrap();
    post["slug"].as_str().unwrap().to_owned()
}

/// The `content` of the `<meta>` whose `attribute` (property or name) is `key`.
fn meta(html: &str, attribute: &str, key: &str) -> Option<String> {
    let start = html.find(&format!("<meta {attribute}=\"{key}\" content=\""))?;
    let rest = &html[start..];
    let value = &rest[rest.find("content=\"")? + 9..];
    Some(unescape(&value[..value.find('"')?]))
}

fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&#x2f;", "/")
        .replace("&amp;", "&")
}

/// Where a post page's byline leads.
fn author_path_in(post: &str) -> String {
    let post = unescape(post);
    let start = post.find("href=\"/author/").unwrap() + "href=\"".len();
    post[start..].split('"').next().unwrap().to_owned()
}

fn json_ld(html: &str) -> Value {
    let open = "<script type=\"application/ld+json\">";
    let start = html
        .find(open)
        .unwrap_or_else(|| panic!("no JSON-LD: {html}"))
        + open.len();
    let end = start + html[start..].find("</script>").unwrap();
    serde_json::from_str(&html[start..end]).unwrap_or_else(|e| panic!("{e}: {}", &html[start..end]))
}

#[tokio::test]
async fn a_post_page_describes_itself_with_open_graph_twitter_and_an_article() {
    let app = site().await;
    let slug = kites_post(&app, "Kites over the harbour").await;

    let (status, html) = page(&app, &format!("/{slug}/")).await;
    assert_eq!(status, StatusCode::OK);
    let og = |key: &str| meta(&html, "property", key);
    let twitter = |key: &str| meta(&html, "name", key);
    assert_eq!(og("og:type").as_deref(), Some("article"));
    assert_eq!(og("og:title").as_deref(), Some("Kites over the harbour"));
    assert_eq!(
        og("og:description").as_deref(),
        Some("Kites & gulls over the hill")
    );
    assert_eq!(og("og:url"), Some(format!("{SITE}/{slug}/")));
    assert_eq!(og("og:site_name").as_deref(), Some("Harbour Notes"));
    let image = og("og:image").unwrap();
    assert!(image.starts_with(&format!("{SITE}/media/")), "{image}");
    assert_eq!(og("og:image:alt").as_deref(), Some(ALT));
    assert_eq!(og("og:image:width").as_deref(), Some("1200"));
    assert!(og("article:published_time").is_some());
    assert_eq!(og("article:tag").as_deref(), Some("Birds"));
    assert_eq!(
        twitter("twitter:card").as_deref(),
        Some("summary_large_image")
    );
    assert_eq!(
        twitter("twitter:title").as_deref(),
        Some("Kites over the harbour")
    );
    assert_eq!(twitter("twitter:image"), Some(image.clone()));
    assert_eq!(twitter("twitter:image:alt").as_deref(), Some(ALT));

    let article = json_ld(&html);
    assert_eq!(article["@context"], "https://schema.org");
    assert_eq!(article["@type"], "Article");
    assert_eq!(article["headline"], "Kites over the harbour");
    assert_eq!(article["description"], "Kites & gulls over the hill");
    assert_eq!(
        article["mainEntityOfPage"]["@id"],
        format!("{SITE}/{slug}/")
    );
    assert_eq!(article["image"][0], image.as_str());
    assert_eq!(article["author"]["@type"], "Person");
    assert!(
        article["author"]["url"]
            .as_str()
            .unwrap()
            .starts_with(&format!("{SITE}/author/")),
        "{article}"
    );
    assert_eq!(article["publisher"]["name"], "Harbour Notes");
    assert!(
        chrono::DateTime::parse_from_rfc3339(article["datePublished"].as_str().unwrap()).is_ok(),
        "{article}"
    );

    // The feature image is announced by its own words, not the title again.
    let feature = &html[html.find("class=\"post-feature\"").unwrap()..];
    let feature = &feature[..feature.find("</figure>").unwrap()];
    assert!(feature.contains(&format!("alt=\"{ALT}\"")), "{feature}");
}

#[tokio::test]
async fn a_title_cannot_break_out_of_the_json_ld() {
    let app = site().await;
    let slug = kites_post(&app, "</script><script>alert(1)</script>").await;
    let (_, html) = page(&app, &format!("/{slug}/")).await;
    assert!(!html.contains("<script>alert(1)"), "{html}");
    assert_eq!(
        json_ld(&html)["headline"],
        "</script><script>alert(1)</script>"
    );
}

#[tokio::test]
async fn listings_describe_themselves_and_the_home_page_is_a_website_with_search() {
    let app = site().await;
    kites_post(&app, "Kites over the harbour").await;

    let (status, home) = page(&app, "/").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        meta(&home, "property", "og:type").as_deref(),
        Some("website")
    );
    assert_eq!(
        meta(&home, "property", "og:title").as_deref(),
        Some("Harbour Notes")
    );
    assert_eq!(
        meta(&home, "property", "og:description").as_deref(),
        Some("Notes from the quay")
    );
    assert_eq!(meta(&home, "property", "og:url"), Some(format!("{SITE}/")));
    assert_eq!(
        meta(&home, "name", "twitter:card").as_deref(),
        Some("summary")
    );
    let website = json_ld(&home);
    assert_eq!(website["@type"], "WebSite");
    assert_eq!(website["name"], "Harbour Notes");
    assert_eq!(website["url"], format!("{SITE}/"));
    assert_eq!(
        website["potentialAction"]["target"],
        format!("{SITE}/search/?q={{search_term_string}}")
    );

    let (status, tag) = page(&app, "/tag/birds/").await;
    assert_eq!(status, StatusCode::OK);
    // Templates escape `/` in attributes too (`&#x2f;`): compare as read.
    let tag = unescape(&tag);
    assert_eq!(
        meta(&tag, "property", "og:title").as_deref(),
        Some("Birds — Harbour Notes")
    );
    assert_eq!(
        meta(&tag, "property", "og:url"),
        Some(format!("{SITE}/tag/birds/"))
    );
    assert!(tag.contains(&format!(
        "<link rel=\"canonical\" href=\"{SITE}/tag/birds/\">"
    )));
    assert!(
        tag.contains("href=\"/tag/birds/feed.xml\""),
        "the tag's feed is announced"
    );

    let (_, post) = page(&app, "/kites-over-the-harbour/").await;
    let author_path = author_path_in(&post);
    let (status, author) = page(&app, &author_path).await;
    assert_eq!(status, StatusCode::OK);
    let author = unescape(&author);
    assert_eq!(
        meta(&author, "property", "og:type").as_deref(),
        Some("profile")
    );
    assert_eq!(
        meta(&author, "property", "og:url"),
        Some(format!("{SITE}{author_path}"))
    );
    assert!(
        author.contains(&format!("href=\"{author_path}feed.xml\"")),
        "the author's feed is announced: {author}"
    );
}

#[tokio::test]
async fn feeds_carry_absolute_addresses_feature_images_and_authors_and_each_author_has_one() {
    let app = site().await;
    let slug = kites_post(&app, "Kites over the harbour").await;
    let (_, post) = page(&app, &format!("/{slug}/")).await;
    let author_path = author_path_in(&post);

    for path in [
        "/feed.xml".to_owned(),
        "/tag/birds/feed.xml".to_owned(),
        format!("{author_path}feed.xml"),
    ] {
        let (status, xml) = page(&app, &path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        let document =
            roxmltree::Document::parse(&xml).unwrap_or_else(|e| panic!("{path}: {e}: {xml}"));
        let item = document
            .descendants()
            .find(|node| node.has_tag_name("item"))
            .unwrap_or_else(|| panic!("{path} lists the post: {xml}"));
        let child = |name: &str| {
            item.children()
                .find(|node| node.tag_name().name() == name)
                .unwrap_or_else(|| panic!("{path}: no <{name}>: {xml}"))
        };
        assert_eq!(child("title").text(), Some("Kites over the harbour"));
        assert!(
            !child("creator").text().unwrap_or_default().is_empty(),
            "{path}: an author"
        );
        let content = child("content");
        assert_eq!(
            content.tag_name().namespace(),
            Some("http://search.yahoo.com/mrss/")
        );
        assert!(
            content
                .attribute("url")
                .unwrap()
                .starts_with(&format!("{SITE}/media/")),
            "{path}"
        );
        let html = child("description").text().unwrap();
        assert!(
            html.contains(&format!("src=\"{SITE}/media/")) && !html.contains("src=\"/"),
            "{path}: images a feed reader can load: {html}"
        );
        assert!(
            !html.contains("srcset=\"/") && !html.contains(", /media/"),
            "{path}: {html}"
        );
        assert!(
            html.contains(&format!("href=\"{SITE}/harbour/\"")),
            "{path}: {html}"
        );
        assert!(
            html.contains(&format!("alt=\"{ALT}\"")),
            "{path}: the feature image first: {html}"
        );
    }
    let (_, site_feed) = page(&app, "/feed.xml").await;
    assert!(site_feed.contains("<description>Notes from the quay</description>"));
    assert_eq!(
        page(&app, "/author/nobody-here/feed.xml").await.0,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_post_s_own_search_and_sharing_details_win_over_its_title_excerpt_address_and_image() {
    let app = site().await;
    let slug = kites_post(&app, "Kites over the harbour").await;
    let gulls = image::RgbImage::from_pixel(1200, 630, image::Rgb([40, 90, 200]));
    let mut jpeg = Vec::new();
    image::DynamicImage::ImageRgb8(gulls)
        .write_to(
            &mut std::io::Cursor::new(&mut jpeg),
            image::ImageFormat::Jpeg,
        )
        .unwrap();
    let picture = common::upload_medium(&app, jpeg, "Gulls on the quay wall").await;
    let picture_id = picture["id"].as_str().unwrap();
    let (_, posts) = app.get_json("/api/v1/posts").await;
    let post = posts["posts"][0].clone();
    let id = post["id"].as_str().unwrap();
    let response = app
        .client
        .patch(app.url(&format!("/api/v1/posts/{id}")))
        .json(&json!({
            "revision": post["revision"],
            "seo": {
                "meta_title": "Kite season: a field guide",
                "meta_description": "Where and when to see red kites from the harbour.",
                "canonical_url": "https://kites.example/field-guide/",
                "social_image": picture_id,
            },
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let saved: Value = response.json().await.unwrap();
    assert_eq!(saved["seo"]["meta_title"], "Kite season: a field guide");
    assert_eq!(saved["seo"]["social_image"], picture_id, "{saved}");

    let (_, html) = page(&app, &format!("/{slug}/")).await;
    let og = |key: &str| meta(&html, "property", key);
    assert!(
        html.contains("<title>Kite season: a field guide</title>"),
        "{html}"
    );
    assert_eq!(
        og("og:title").as_deref(),
        Some("Kite season: a field guide")
    );
    assert_eq!(
        meta(&html, "name", "description").as_deref(),
        Some("Where and when to see red kites from the harbour.")
    );
    assert!(
        unescape(&html)
            .contains("<link rel=\"canonical\" href=\"https://kites.example/field-guide/\">"),
        "{html}"
    );
    assert_eq!(
        og("og:image:alt").as_deref(),
        Some("Gulls on the quay wall")
    );
    assert!(og("og:image").unwrap().contains(picture_id));
    let article = json_ld(&html);
    assert_eq!(article["headline"], "Kite season: a field guide");
    // The page itself still shows the post's own title.
    assert!(html.contains("Kites over the harbour</h1>"), "{html}");

    // Bad details are refused with nothing changed; `{}` clears them.
    for bad in [
        json!({ "canonical_url": "javascript:alert(1)" }),
        json!({ "meta_title": "" }),
        json!({ "meta_description": "x".repeat(501) }),
        json!({ "social_image": "../x" }),
    ] {
        let response = app
            .client
            .patch(app.url(&format!("/api/v1/posts/{id}")))
            .json(&json!({ "revision": saved["revision"], "seo": bad }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    }
    let response = app
        .client
        .patch(app.url(&format!("/api/v1/posts/{id}")))
        .json(&json!({ "revision": saved["revision"], "seo": {} }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let (_, html) = page(&app, &format!("/{slug}/")).await;
    assert_eq!(
        meta(&html, "property", "og:title").as_deref(),
        Some("Kites over the harbour")
    );
    assert_eq!(
        meta(&html, "property", "og:image:alt").as_deref(),
        Some(ALT)
    );
}
