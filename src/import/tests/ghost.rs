//! A Ghost 5 export with posts stored as HTML, as mobiledoc only and as
//! lexical only, read into the same model as WordPress's.

#![allow(clippy::unwrap_used)]

use std::fs::File;

use folio_import::{
    Export, FeatureImage, ItemKind, ItemStatus, Limits, MediaLookup, MediaRef, attachment_key,
    ghost,
};

/// Ghost's images are not in its export: the applier fetches them and
/// answers with its own reference, keyed by their path under content/images.
struct GhostImages;

impl MediaLookup for GhostImages {
    fn by_url(&self, url: &str) -> Option<MediaRef> {
        let key = attachment_key(url)?;
        Some(MediaRef {
            url: format!("media:{key}"),
            alt: String::new(),
        })
    }
}

fn export() -> Export {
    let file = File::open("tests/fixtures/ghost-5.json").unwrap();
    ghost::read(file, Limits::default(), &GhostImages).unwrap()
}

fn item<'a>(export: &'a Export, slug: &str) -> &'a folio_import::Item {
    export.items.iter().find(|i| i.slug == slug).unwrap()
}

#[test]
fn the_report_counts_posts_pages_authors_and_tags_and_skips_internal_tags() {
    let export = export();
    let r = &export.report;
    assert_eq!(
        (
            r.posts,
            r.pages,
            r.attachments,
            r.authors,
            r.terms,
            r.comments
        ),
        (4, 1, 0, 2, 2, 0)
    );
    assert_eq!(r.skipped.get("internal tag"), Some(&1));
    let file = File::open("tests/fixtures/ghost-5.json").unwrap();
    assert_eq!(
        &ghost::check(file, Limits::default()).unwrap().skipped,
        &r.skipped
    );
    assert_eq!(export.site_title, "Ghostly");
    let grace = &export.authors[0];
    assert_eq!(
        (
            grace.login.as_str(),
            grace.email.as_str(),
            grace.display_name.as_str()
        ),
        ("grace", "grace@ghost.example", "Grace Hopper")
    );
}

#[test]
fn an_html_post_keeps_its_seo_fields_feature_image_and_ordered_tags() {
    let export = export();
    let post = item(&export, "an-html-post");
    assert_eq!(post.kind, ItemKind::Post);
    assert_eq!(post.status, ItemStatus::Published);
    assert_eq!(post.source_id, "64a000000000000000000001");
    assert_eq!(post.link, "/an-html-post/");
    assert_eq!(
        post.date_gmt.unwrap().to_rfc3339(),
        "2023-01-10T09:30:00+00:00"
    );
    assert_eq!(post.excerpt, "A first post.");
    assert_eq!(post.author_login.as_deref(), Some("grace"));
    assert_eq!(
        post.tags,
        ["Getting Started", "Travel"],
        "by sort order, #hero left out"
    );
    assert_eq!(
        post.feature_image,
        Some(FeatureImage::Url(
            "__GHOST_URL__/content/images/2023/01/cover.jpg".into()
        ))
    );
    assert_eq!(
        post.feature_image_alt.as_deref(),
        Some("A cover photo of a desk")
    );
    assert_eq!(post.meta_title.as_deref(), Some("Hello, Ghost"));
    assert_eq!(
        post.meta_description.as_deref(),
        Some("Our first post on Ghost")
    );
    assert_eq!(
        post.markdown,
        "Hello from **Ghost**.

![A cover](media:2023/01/cover.jpg)

*The cover*

<https://www.youtube.com/embed/abc>"
    );
    assert_eq!(
        post.warnings,
        ["an <iframe> of https://www.youtube.com/embed/abc became a link"]
    );
}

#[test]
fn a_mobiledoc_only_post_is_rendered_through_its_sections_and_cards() {
    let export = export();
    let post = item(&export, "a-mobiledoc-post");
    assert_eq!(post.status, ItemStatus::Draft);
    assert_eq!(post.date_gmt, None);
    assert_eq!(post.author_login.as_deref(), Some("linus"));
    assert_eq!(
        post.markdown,
        "Read the [**Ghost docs**](https://example.org/ghost) today.  
New line.

Some *markdown* from a card.

- one
- two

## Pictures

![A green hill](media:2023/02/hill.jpg)

*Top of the hill*

Raw *html* card

- first
- **second**

```sql
SELECT 1;
```

<https://example.org/article>"
    );
    assert_eq!(
        post.warnings,
        [
            "the Ghost card \"bookmark\" became a link to https://example.org/article",
            "the Ghost card \"toggle\" has no Markdown form and was left out",
        ]
    );
}

#[test]
fn a_lexical_only_post_is_rendered_through_its_nodes() {
    let export = export();
    let post = item(&export, "a-lexical-post");
    assert_eq!(post.status, ItemStatus::Scheduled);
    assert_eq!(
        post.date_gmt.unwrap().to_rfc3339(),
        "2030-06-01T08:00:00+00:00"
    );
    assert_eq!(post.tags, ["Travel"]);
    assert_eq!(
        post.markdown,
        "**Bold** and *italic* and [a link](https://example.org/lex)

### A heading

1. alpha
2. beta

> Quoted words

![A still lake](media:2023/03/lake.png)

```python
print('hi')
```

**Card** markdown

| A | B |
| --- | --- |
| 1 | 2 |

- - -"
    );
    assert_eq!(
        post.warnings,
        [
            "the Ghost card \"callout\" has no Markdown form and was left out",
            "has 2 authors; only the first is kept",
        ]
    );
}

#[test]
fn pages_and_members_only_email_posts_are_read_with_what_was_lost_named() {
    let export = export();
    let about = item(&export, "about");
    assert_eq!(
        (about.kind, about.status),
        (ItemKind::Page, ItemStatus::Published)
    );
    assert_eq!(about.warnings, ["its code injection (head) was left out"]);
    let sent = item(&export, "newsletter-only");
    assert_eq!(sent.status, ItemStatus::Draft);
    assert_eq!(
        sent.warnings,
        [
            "has the status \"sent\" (e.g. an email-only post); imported as a draft",
            "was visible to \"members\" only; Folio has no members, so it was imported as a draft",
        ]
    );
}
