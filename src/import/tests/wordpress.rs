//! A WordPress 6 export (WXR 1.2) and a WordPress 3 one (WXR 1.1) read the
//! way the applier will: a first pass for attachments, a second for items.

#![allow(clippy::unwrap_used)]

use std::fs::File;
use std::io::{BufReader, Cursor};

use folio_import::wordpress::{self, Entry, WxrReader};
use folio_import::{
    Export, FeatureImage, ItemKind, ItemStatus, Limits, MediaMap, NoMedia, TermKind,
};

const WP6: &str = "tests/fixtures/wordpress-6.wxr";
const WP3: &str = "tests/fixtures/wordpress-3-wxr-1.1.wxr";

fn open(path: &str) -> BufReader<File> {
    BufReader::new(File::open(path).unwrap())
}

/// Pass one finds the attachments (the applier would upload them); pass two
/// converts the items with every image mapped to `media:<source id>`.
fn two_passes(path: &str) -> Export {
    let first = wordpress::read_all(open(path), Limits::default(), &NoMedia).unwrap();
    let mut media = MediaMap::new();
    for attachment in &first.attachments {
        media.insert(attachment, &format!("media:{}", attachment.source_id));
    }
    wordpress::read_all(open(path), Limits::default(), &media).unwrap()
}

fn item<'a>(export: &'a Export, id: &str) -> &'a folio_import::Item {
    export.items.iter().find(|i| i.source_id == id).unwrap()
}

#[test]
fn the_report_counts_what_was_read_and_what_was_skipped_by_kind() {
    let report = wordpress::check(open(WP6), Limits::default()).unwrap();
    assert_eq!(
        (
            report.posts,
            report.pages,
            report.attachments,
            report.authors,
            report.terms,
            report.comments
        ),
        (7, 1, 3, 2, 6, 2)
    );
    let skipped: Vec<(&str, u64)> = report
        .skipped
        .iter()
        .map(|(k, v)| (k.as_str(), *v))
        .collect();
    assert_eq!(
        skipped,
        [
            ("auto-draft", 1),
            ("nav_menu_item", 1),
            ("product", 1),
            ("revision", 1),
            ("term:nav_menu", 1),
            ("trash", 1),
        ]
    );
}

#[test]
fn a_block_editor_post_becomes_clean_markdown_with_its_images_mapped() {
    let export = two_passes(WP6);
    let post = item(&export, "20");
    assert_eq!(post.kind, ItemKind::Post);
    assert_eq!(post.status, ItemStatus::Published);
    assert_eq!(post.title, "A block editor post");
    assert_eq!(post.slug, "block-post");
    assert_eq!(post.link, "https://bikes.example/2024/02/block-post/");
    assert_eq!(post.guid, "https://bikes.example/?p=20");
    assert_eq!(
        post.date_gmt.unwrap().to_rfc3339(),
        "2024-02-01T08:30:00+00:00"
    );
    assert_eq!(
        post.modified_gmt.unwrap().to_rfc3339(),
        "2024-02-03T10:00:00+00:00"
    );
    assert_eq!(post.author_login.as_deref(), Some("ada"));
    assert_eq!(post.excerpt, "Why ride to work.");
    assert_eq!(post.tags, ["News", "Tips", "Touring"]);
    assert_eq!(
        post.feature_image,
        Some(FeatureImage::Attachment("11".into()))
    );
    assert_eq!(
        post.old_slugs,
        ["riding-to-work"],
        "comment meta is not post meta"
    );
    assert_eq!(post.comment_count, 2);
    assert!(
        post.html.contains("<!-- wp:paragraph -->"),
        "the original is kept"
    );
    assert_eq!(
        post.markdown,
        "Riding to work is **faster** than you think, and *cheaper*. See [the study](https://example.org/study).

## What you need

![My red bicycle](media:10)

*The bike, at dawn*

- A bike
- A [good light](https://example.org/lights)

> Life is like riding a bicycle.

```rust
fn main() {
    println!(\"ride & code\");
}
```

| Distance | Time |
| --- | --- |
| 5 km | 15 min |
| 10 km | 30 min |

https://www.youtube.com/watch?v=abc123"
    );
    assert!(post.warnings.is_empty(), "{:?}", post.warnings);
}

#[test]
fn a_classic_post_gets_paragraphs_and_its_shortcodes_become_images_and_links() {
    let export = two_passes(WP6);
    let post = item(&export, "21");
    assert_eq!(post.slug, "café-classic", "the slug is percent-decoded");
    assert_eq!(
        post.tags,
        ["Rust", "Tips"],
        "a nested category keeps its own name; Uncategorized goes"
    );
    assert_eq!(
        post.markdown,
        "A classic post, written before blocks.  
Its second line is a line break.

![Red bicycle by the café](media:10)

*The café where it all began*

Red words and a gallery:

![A sleeping cat](media:11)

![A dog fetching a stick](media:12)

<https://www.youtube.com/watch?v=xyz789>

<https://youtu.be/def456>

<https://maps.example/embed?q=cafe>

```
let x = 1;

let y = 2;
```

Last paragraph with an image from elsewhere: ![elsewhere](https://other.example/pic.png)"
    );
    assert_eq!(
        post.warnings,
        [
            "the shortcode [embed] became a link to https://www.youtube.com/watch?v=xyz789",
            "the shortcode [youtube] became a link to https://youtu.be/def456",
            "an <iframe> of https://maps.example/embed?q=cafe became a link",
            "1 inline style attribute(s) have no Markdown form and were dropped",
        ]
    );
}

#[test]
fn statuses_map_to_published_scheduled_or_draft_with_warnings_where_meaning_changes() {
    let export = two_passes(WP6);
    let status = |id| item(&export, id).status;
    assert_eq!(status("40"), ItemStatus::Scheduled);
    assert_eq!(status("41"), ItemStatus::Draft);
    assert_eq!(status("42"), ItemStatus::Draft);
    assert_eq!(status("43"), ItemStatus::Draft);
    assert_eq!(
        item(&export, "43").warnings,
        ["was private; imported as a draft"]
    );
    assert_eq!(
        item(&export, "40").date_gmt.unwrap().to_rfc3339(),
        "2030-01-01T09:00:00+00:00"
    );

    let draft = item(&export, "41");
    assert_eq!(draft.slug, "");
    assert_eq!(
        draft.date_gmt.unwrap().to_rfc3339(),
        "2024-02-10T14:00:00+00:00"
    );
    assert_eq!(
        draft.warnings,
        ["has no GMT date; its local date 2024-02-10 14:00:00 was read as UTC"]
    );
    let ids: Vec<&str> = export.items.iter().map(|i| i.source_id.as_str()).collect();
    assert_eq!(ids, ["20", "21", "30", "40", "41", "42", "46", "43"]);
    let page = item(&export, "30");
    assert_eq!(page.kind, ItemKind::Page);
    assert_eq!(page.markdown, "We ride & write.");
    assert_eq!(
        page.warnings,
        ["the block wp:latest-posts is rendered by WordPress when shown and was left out"]
    );

    let protected = item(&export, "46");
    assert_eq!(protected.status, ItemStatus::Draft);
    assert_eq!(
        protected.warnings,
        ["was password-protected; imported as a draft"]
    );
}

#[test]
fn attachments_terms_authors_and_the_site_are_read() {
    let export = two_passes(WP6);
    assert_eq!(export.site_title, "Bicycles & Code");
    assert_eq!(export.site_url, "https://bikes.example");

    let photo = &export.attachments[0];
    assert_eq!(photo.source_id, "10");
    assert_eq!(
        photo.url,
        "https://bikes.example/wp-content/uploads/2019/03/photo.jpg"
    );
    assert_eq!(photo.relative_path.as_deref(), Some("2019/03/photo.jpg"));
    assert_eq!(photo.alt, "A red bicycle against a wall");
    assert_eq!(photo.title, "photo");
    assert_eq!(photo.caption, "My bike at dawn");
    assert_eq!(photo.parent.as_deref(), Some("20"));
    assert_eq!(export.attachments[1].parent, None);

    let rust = export.terms.iter().find(|t| t.slug == "rust").unwrap();
    assert_eq!(
        (rust.kind, rust.name.as_str()),
        (TermKind::Category, "Rust")
    );
    assert_eq!(rust.parent.as_deref(), Some("programming"));
    let tags: Vec<&str> = export
        .terms
        .iter()
        .filter(|t| t.kind == TermKind::Tag)
        .map(|t| t.name.as_str())
        .collect();
    assert_eq!(tags, ["Tips", "Touring"]);

    let ada = &export.authors[0];
    assert_eq!(
        (
            ada.source_id.as_str(),
            ada.login.as_str(),
            ada.email.as_str(),
            ada.display_name.as_str()
        ),
        ("1", "ada", "ada@bikes.example", "Ada Lovelace")
    );
}

#[test]
fn the_stream_sends_the_header_first_then_entries_in_file_order() {
    let mut reader = WxrReader::new(open(WP6), Limits::default(), &NoMedia);
    let mut kinds = Vec::new();
    while let Some(entry) = reader.next_entry().unwrap() {
        kinds.push(match entry {
            Entry::Header(h) => {
                assert_eq!(h.wxr_version, "1.2");
                assert_eq!(h.base_site_url, "https://bikes.example");
                "header"
            }
            Entry::Author(_) => "author",
            Entry::Term(_) => "term",
            Entry::Attachment(_) => "attachment",
            Entry::Item(_) => "item",
            Entry::Redirect(_) => "redirect",
        });
    }
    kinds.dedup();
    assert_eq!(kinds, ["header", "author", "term", "attachment", "item"]);
    assert_eq!(reader.report().posts, 7);
}

#[test]
fn a_wxr_1_1_file_is_read_with_its_namespaces_matched_by_uri_not_prefix() {
    let export = two_passes(WP3);
    assert_eq!(export.site_title, "Old \u{201c}Blog\u{201d}");
    let post = item(&export, "5");
    assert_eq!(post.title, "Tom & Jerry\u{2019}s trip");
    assert_eq!(post.slug, "旅行");
    assert_eq!(post.tags, ["旅行"]);
    assert_eq!(post.author_login.as_deref(), Some("admin"));
    assert_eq!(post.comment_count, 1);
    assert_eq!(
        post.markdown,
        "We went **north**.

1. Day one: rain
2. Day two: sun

![Map of the route](media:6)

> Travel is the only thing you buy that makes you richer."
    );
    assert!(post.warnings.is_empty(), "{:?}", post.warnings);
    assert_eq!(export.terms[1].slug, "旅行");
    assert_eq!(
        export.attachments[0].relative_path.as_deref(),
        Some("2012/05/map.gif")
    );
}

/// What `folio export` adds to WXR: its version, each post's Markdown and
/// the redirects, all in a namespace WordPress ignores.
const FOLIO_EXPORT: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:wp="http://wordpress.org/export/1.2/"
  xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:folio="urn:folio:export:1">
<channel>
  <wp:wxr_version>1.2</wp:wxr_version>
  <folio:version>1</folio:version>
  <item><title>pic</title><wp:post_id>1</wp:post_id><wp:post_type>attachment</wp:post_type>
    <wp:attachment_url>https://old.example/media/x/v1/original.jpg</wp:attachment_url></item>
  <item><title>Hello</title><wp:post_id>2</wp:post_id><wp:status>publish</wp:status>
    <wp:post_type>post</wp:post_type><wp:post_name>hello</wp:post_name>
    <content:encoded><![CDATA[<p>Lossy <em>HTML</em></p>]]></content:encoded>
    <wp:postmeta><wp:meta_key>_folio_content_sha256</wp:meta_key><wp:meta_value>1c03007face8059f1834fc85eeee7c61ad1b794130d30d77b269de594493081d</wp:meta_value></wp:postmeta>
    <wp:postmeta><wp:meta_key>_folio_markdown</wp:meta_key>
      <wp:meta_value><![CDATA[Kept *as written*, ![a pic](media:1) and ![gone](media:9).]]></wp:meta_value></wp:postmeta>
  </item>
  <folio:redirect><folio:from>/old/</folio:from><folio:to_item>2</folio:to_item></folio:redirect>
  <folio:redirect><folio:from>/away/</folio:from><folio:to_url>https://elsewhere.example/</folio:to_url></folio:redirect>
</channel></rss>"#;

#[test]
fn a_folio_export_brings_its_own_markdown_and_redirects() {
    let mut media = folio_import::MediaMap::new();
    let first =
        wordpress::read_all(Cursor::new(FOLIO_EXPORT), Limits::default(), &NoMedia).unwrap();
    media.insert(&first.attachments[0], "media:new-id");
    let export = wordpress::read_all(Cursor::new(FOLIO_EXPORT), Limits::default(), &media).unwrap();
    let post = &export.items[0];
    assert_eq!(
        post.markdown,
        "Kept *as written*, ![a pic](media:new-id) and ![gone](media:9)."
    );
    assert_eq!(
        post.warnings,
        ["its image media:9 is not among the imported media"]
    );
    assert_eq!(
        export.redirects,
        [
            folio_import::Redirect {
                from: "/old/".into(),
                to: folio_import::RedirectTo::Item("2".into()),
            },
            folio_import::Redirect {
                from: "/away/".into(),
                to: folio_import::RedirectTo::Url("https://elsewhere.example/".into()),
            },
        ]
    );
    assert_eq!(export.report.redirects, 2);
}

#[test]
fn a_folio_post_changed_since_its_export_is_converted_from_its_html() {
    // WordPress writes the Markdown back unchanged in its own export, beside
    // content edited there: the hash no longer matches.
    let edited = FOLIO_EXPORT.replace("Lossy <em>HTML</em>", "Edited <em>in WordPress</em>");
    let export = wordpress::read_all(Cursor::new(edited), Limits::default(), &NoMedia).unwrap();
    assert_eq!(export.items[0].markdown, "Edited *in WordPress*");
}

#[test]
fn a_folio_redirect_with_no_target_refuses_the_file() {
    let broken = FOLIO_EXPORT.replace("<folio:to_item>2</folio:to_item>", "");
    let error = wordpress::check(Cursor::new(broken), Limits::default()).unwrap_err();
    assert!(error.to_string().contains("<folio:redirect>"), "{error}");
}
