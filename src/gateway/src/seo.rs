//! What each public page says about itself to link previews and search
//! engines: its canonical address, Open Graph and Twitter card tags, and
//! JSON-LD (`WebSite` on the home page, `Article` on posts), rendered by the
//! head of `site/base.html`; and the absolute addresses a feed's HTML needs,
//! read as it is away from the site.

use serde::Serialize;
use serde_json::{Value, json};

use folio_media_protocol::messages::ImageSource;

/// A page's description of itself. Every public page has one; a theme's
/// templates get it as `meta`.
#[derive(Serialize)]
pub(crate) struct PageMeta {
    pub title: String,
    pub description: String,
    /// Absolute: previews and search engines resolve nothing.
    pub canonical: String,
    /// Open Graph's type: `website`, `article` or `profile`.
    pub og_type: &'static str,
    pub image: Option<SocialImage>,
    pub published_time: Option<String>,
    pub modified_time: Option<String>,
    pub tags: Vec<String>,
    /// Already escaped for a `<script>` element.
    pub json_ld: Option<String>,
}

/// The picture a preview shows, with its own alt text.
#[derive(Serialize)]
pub(crate) struct SocialImage {
    pub url: String,
    pub alt: String,
    pub width: u32,
    pub height: u32,
}

impl SocialImage {
    pub(crate) fn of(source: &ImageSource, public_url: &str) -> Self {
        Self {
            url: absolute(public_url, &source.src),
            alt: source.alt.clone(),
            width: source.width,
            height: source.height,
        }
    }
}

/// What a site's pages say about the site.
pub(crate) struct SiteFacts<'a> {
    pub title: String,
    pub description: String,
    pub public_url: &'a str,
}

impl PageMeta {
    /// A listing: the home page, a tag or an author.
    pub(crate) fn listing(
        title: String,
        description: String,
        canonical: String,
        og_type: &'static str,
    ) -> Self {
        Self {
            title,
            description,
            canonical,
            og_type,
            image: None,
            published_time: None,
            modified_time: None,
            tags: Vec::new(),
            json_ld: None,
        }
    }

    /// The home page, which also tells search engines how to search the site.
    pub(crate) fn home(site: &SiteFacts<'_>, canonical: String) -> Self {
        let root = format!("{}/", site.public_url);
        let json_ld = json!({
            "@context": "https://schema.org",
            "@type": "WebSite",
            "name": site.title,
            "description": site.description,
            "url": root,
            "potentialAction": {
                "@type": "SearchAction",
                "target": format!("{}/search/?q={{search_term_string}}", site.public_url),
                "query-input": "required name=search_term_string",
            },
        });
        Self {
            json_ld: Some(script_json(&json_ld)),
            ..Self::listing(
                site.title.clone(),
                site.description.clone(),
                canonical,
                "website",
            )
        }
    }
}

/// A post or a page, as its own page describes it.
pub(crate) struct Article<'a> {
    pub is_post: bool,
    pub title: &'a str,
    pub description: &'a str,
    pub canonical: &'a str,
    pub published: &'a str,
    pub modified: &'a str,
    pub author_name: &'a str,
    pub author_url: Option<String>,
    pub tags: Vec<String>,
    pub image: Option<SocialImage>,
}

impl Article<'_> {
    pub(crate) fn meta(self, site: &SiteFacts<'_>) -> PageMeta {
        let mut ld = json!({
            "@context": "https://schema.org",
            "@type": if self.is_post { "Article" } else { "WebPage" },
            "headline": self.title,
            "name": self.title,
            "description": self.description,
            "url": self.canonical,
            "mainEntityOfPage": { "@type": "WebPage", "@id": self.canonical },
            "datePublished": self.published,
            "dateModified": self.modified,
            "publisher": { "@type": "Organization", "name": site.title, "url": format!("{}/", site.public_url) },
        });
        if !self.author_name.is_empty() {
            let mut author = json!({ "@type": "Person", "name": self.author_name });
            if let Some(url) = &self.author_url {
                author["url"] = Value::String(url.clone());
            }
            ld["author"] = author;
        }
        if let Some(image) = &self.image {
            ld["image"] = json!([image.url]);
        }
        if !self.tags.is_empty() {
            ld["keywords"] = Value::String(self.tags.join(", "));
        }
        PageMeta {
            title: self.title.to_owned(),
            description: self.description.to_owned(),
            canonical: self.canonical.to_owned(),
            og_type: if self.is_post { "article" } else { "website" },
            image: self.image,
            published_time: self.is_post.then(|| self.published.to_owned()),
            modified_time: (self.is_post && self.modified != self.published)
                .then(|| self.modified.to_owned()),
            tags: if self.is_post { self.tags } else { Vec::new() },
            json_ld: Some(script_json(&ld)),
        }
    }
}

/// An address on this site made absolute; one already absolute is kept.
pub(crate) fn absolute(public_url: &str, src: &str) -> String {
    if src.starts_with("http://") || src.starts_with("https://") {
        src.to_owned()
    } else if let Some(rest) = src.strip_prefix("//") {
        // Protocol-relative: the site's own scheme.
        let scheme = public_url.split("://").next().unwrap_or("https");
        format!("{scheme}://{rest}")
    } else if src.starts_with('/') {
        format!("{public_url}{src}")
    } else {
        format!("{public_url}/{src}")
    }
}

/// `html` (as Folio's renderer writes it: attribute values in double
/// quotes) with every site-relative address in `src`, `href`, `poster` and
/// `srcset` made absolute. Text, even text that looks like a tag (a code
/// sample's `&lt;img src="/x"&gt;`), is left as it is.
pub(crate) fn absolute_urls(html: &str, public_url: &str) -> String {
    let mut out = String::with_capacity(html.len() + 256);
    let mut rest = html;
    loop {
        // In text: up to the next tag.
        let Some(open) = rest.find('<') else {
            out.push_str(rest);
            return out;
        };
        out.push_str(&rest[..=open]);
        rest = &rest[open + 1..];
        // In a tag: attribute by attribute, up to its end.
        loop {
            let Some(at) = rest.find(['"', '>']) else {
                out.push_str(rest);
                return out;
            };
            if rest.as_bytes()[at] == b'>' {
                out.push_str(&rest[..=at]);
                rest = &rest[at + 1..];
                break;
            }
            let name = rest[..at]
                .trim_end()
                .trim_end_matches('=')
                .trim_end()
                .rsplit(|c: char| c.is_whitespace() || c == '<')
                .next()
                .unwrap_or_default()
                .to_ascii_lowercase();
            out.push_str(&rest[..=at]);
            rest = &rest[at + 1..];
            let end = rest.find('"').unwrap_or(rest.len());
            let value = &rest[..end];
            match name.as_str() {
                "src" | "href" | "poster" => out.push_str(&site_relative(public_url, value)),
                "srcset" => {
                    let candidates: Vec<String> = value
                        .split(',')
                        .map(|candidate| {
                            let candidate = candidate.trim();
                            site_relative(public_url, candidate)
                        })
                        .collect();
                    out.push_str(&candidates.join(", "));
                }
                _ => out.push_str(value),
            }
            rest = &rest[end..];
            if let Some(after) = rest.strip_prefix('"') {
                out.push('"');
                rest = after;
            }
        }
    }
}

/// An address starting with one `/` made absolute; anything else (already
/// absolute, a `#fragment`, `mailto:`) kept.
fn site_relative(public_url: &str, value: &str) -> String {
    if value.starts_with('/') && !value.starts_with("//") {
        format!("{public_url}{value}")
    } else {
        value.to_owned()
    }
}

/// JSON for a `<script type="application/ld+json">`: a title holding
/// `</script>` must not end the element, so `<`, `>` and `&` are written as
/// JSON escapes (valid JSON, read back as the same characters).
fn script_json(value: &Value) -> String {
    value
        .to_string()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn json_ld_cannot_end_its_script_element() {
        let out = script_json(&json!({ "headline": "</script><script>alert(1)</script> & co" }));
        assert!(
            !out.contains('<') && !out.contains('>') && !out.contains('&'),
            "{out}"
        );
        let back: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(back["headline"], "</script><script>alert(1)</script> & co");
    }

    #[test]
    fn a_feed_gets_absolute_addresses_in_tags_but_not_in_text() {
        let site = "https://blog.example";
        let html = concat!(
            "<p><a href=\"/other/\">x</a> <a href=\"#note\">n</a> <a href=\"https://a.example/\">a</a></p>",
            "<img src=\"/media/a/640.jpg\" srcset=\"/media/a/320.jpg 320w, /media/a/640.jpg 640w\" alt=\"a > b\">",
            "<pre><code>&lt;img src=\"/x.png\"&gt;</code></pre>"
        );
        let out = absolute_urls(html, site);
        assert!(
            out.contains("href=\"https://blog.example/other/\""),
            "{out}"
        );
        assert!(
            out.contains("href=\"#note\"") && out.contains("href=\"https://a.example/\""),
            "{out}"
        );
        assert!(
            out.contains("src=\"https://blog.example/media/a/640.jpg\""),
            "{out}"
        );
        assert!(
            out.contains("srcset=\"https://blog.example/media/a/320.jpg 320w, https://blog.example/media/a/640.jpg 640w\""),
            "{out}"
        );
        assert!(out.contains("alt=\"a > b\""), "{out}");
        assert!(
            out.contains("&lt;img src=\"/x.png\"&gt;"),
            "a code sample is text: {out}"
        );
    }

    #[test]
    fn addresses_on_the_site_become_absolute_and_others_are_kept() {
        let site = "https://blog.example";
        assert_eq!(
            absolute(site, "/media/a/640.jpg"),
            "https://blog.example/media/a/640.jpg"
        );
        assert_eq!(
            absolute(site, "https://cdn.example/a.jpg"),
            "https://cdn.example/a.jpg"
        );
        assert_eq!(
            absolute(site, "//cdn.example/a.jpg"),
            "https://cdn.example/a.jpg"
        );
    }
}
