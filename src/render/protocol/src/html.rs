//! What rendered HTML carries for its readers: `media:ID` image references
//! (listed, and resolved into responsive images when a page is served). Pure
//! functions over the sanitiser's canonical output, shared by the render
//! concern and its callers.

use folio_media_protocol::messages::ImageSource;

/// Whether `url` is a `media:` reference, in any case.
pub fn has_media_scheme(url: &str) -> bool {
    url.get(..6)
        .is_some_and(|scheme| scheme.eq_ignore_ascii_case("media:"))
}

/// The id in a `media:ID` reference, if it looks like one (media's ids are
/// UUIDs; anything else can only be a mistake or an attack).
pub fn media_id(url: &str) -> Option<&str> {
    let id = url.get(6..).filter(|_| has_media_scheme(url))?;
    let plausible = !id.is_empty()
        && id.len() <= 64
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    plausible.then_some(id)
}

/// The ids of `media:ID` images in rendered HTML, in order, without repeats.
pub fn media_ids(html: &str) -> Vec<String> {
    let mut ids = Vec::new();
    for (_, tag) in media_images(html) {
        if let Some(id) = attribute(tag, "src").and_then(media_id)
            && !ids.iter().any(|seen| seen == id)
        {
            ids.push(id.to_owned());
        }
    }
    ids
}

/// Each `<img src="media:…">` tag in sanitised HTML with its byte offset.
/// Sanitiser output is canonical (values double-quoted, `"` escaped inside
/// them), which is what makes a scan this simple safe. The tag ends at the
/// first `>` outside a value: html5ever escapes `<` and `>` in values too,
/// but the scan must not depend on that (older versions did not, and a `>`
/// in alt text would have ended the tag early, leaving the rest raw).
fn media_images(html: &str) -> impl Iterator<Item = (usize, &str)> {
    html.match_indices("<img ").filter_map(move |(start, _)| {
        let mut quoted = false;
        let length = html[start..].char_indices().find_map(|(i, c)| match c {
            '"' => {
                quoted = !quoted;
                None
            }
            '>' if !quoted => Some(i + 1),
            _ => None,
        })?;
        let tag = &html[start..start + length];
        tag.contains(" src=\"media:").then_some((start, tag))
    })
}

fn attribute<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let needle = format!(" {name}=\"");
    let start = tag.find(&needle)? + needle.len();
    let end = tag[start..].find('"')? + start;
    Some(&tag[start..end])
}

/// Replaces every `media:ID` image with a responsive `<img>` when `lookup`
/// knows the id, and with a placeholder saying an image is missing (with its
/// alt text) when it does not (deleted, or media is down): the page renders
/// either way. The words are the medium's own, read now, so a fix in the
/// media library reaches every post: its alt text wins over the Markdown's
/// (which stays for when the medium has none, or is gone), and a picture
/// alone in its paragraph becomes a figure with the medium's caption.
pub fn resolve_media(html: &str, lookup: impl Fn(&str) -> Option<ImageSource>) -> String {
    let mut out = String::with_capacity(html.len() + 256);
    let mut copied = 0;
    for (start, tag) in media_images(html) {
        if start < copied {
            continue;
        }
        let end = start + tag.len();
        // Alone in its paragraph: the paragraph becomes a figure.
        let alone = html[..start].ends_with("<p>") && html[end..].starts_with("</p>");
        let before = if alone { start - "<p>".len() } else { start };
        out.push_str(&html[copied..before]);
        // Decode the sanitiser's escaping, then escape for both places the
        // alt text goes (an attribute and text).
        let written = unescape_attribute(attribute(tag, "alt").unwrap_or(""));
        // What media says goes into attributes: checked, then escaped.
        let image = attribute(tag, "src")
            .and_then(media_id)
            .and_then(&lookup)
            .filter(is_safe);
        let after = if alone { end + "</p>".len() } else { end };
        match image {
            Some(image) => {
                let alt = escape(if image.alt.trim().is_empty() {
                    &written
                } else {
                    &image.alt
                });
                let img = format!(
                    "<img src=\"{}\" srcset=\"{}\" sizes=\"{}\" width=\"{}\" height=\"{}\" alt=\"{alt}\" loading=\"lazy\" decoding=\"async\">",
                    escape(&image.src),
                    escape(&image.srcset),
                    escape(&image.sizes),
                    image.width,
                    image.height,
                );
                let caption = image.caption.trim();
                match (alone, caption.is_empty()) {
                    (true, false) => out.push_str(&format!(
                        "<figure class=\"post-image\">{img}<figcaption>{}</figcaption></figure>",
                        escape(caption)
                    )),
                    (true, true) => {
                        out.push_str(&format!("<figure class=\"post-image\">{img}</figure>"))
                    }
                    (false, _) => out.push_str(&img),
                }
            }
            None => {
                let label = if written.trim().is_empty() {
                    "Missing image".to_owned()
                } else {
                    format!("Missing image: {}", escape(&written))
                };
                let placeholder = format!(
                    "<span class=\"media-missing\" role=\"img\" aria-label=\"{label}\">{label}</span>"
                );
                if alone {
                    out.push_str(&format!("<p>{placeholder}</p>"));
                } else {
                    out.push_str(&placeholder);
                }
            }
        }
        copied = after;
    }
    out.push_str(&html[copied..]);
    out
}

/// Whether what media says may go into an `<img>`: links to images only (a
/// `javascript:` source is refused like an unknown id), whatever media says.
pub fn is_safe(image: &ImageSource) -> bool {
    safe_url(&image.src) && safe_srcset(&image.srcset) && safe_sizes(&image.sizes)
}

/// A URL fit for an image's `src`: a path on this site or an http(s) URL.
fn safe_url(url: &str) -> bool {
    let scheme_ok = (url.starts_with('/') && !url.starts_with("//"))
        || url.starts_with("https://")
        || url.starts_with("http://");
    scheme_ok
        && !url
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || "\"'<>\\`".contains(c))
}

/// A `srcset`: comma-separated candidates, each a safe URL and a descriptor.
fn safe_srcset(srcset: &str) -> bool {
    srcset
        .split(',')
        .map(str::trim)
        .filter(|candidate| !candidate.is_empty())
        .all(|candidate| {
            let mut parts = candidate.split_whitespace();
            parts.next().is_some_and(safe_url)
                && parts.all(|descriptor| {
                    descriptor.len() > 1
                        && descriptor.ends_with(['w', 'x'])
                        && descriptor[..descriptor.len() - 1]
                            .bytes()
                            .all(|b| b.is_ascii_digit() || b == b'.')
                })
        })
}

/// `sizes`: media conditions in parentheses and lengths, nothing else.
fn safe_sizes(sizes: &str) -> bool {
    let mut depth = 0_u32;
    sizes.chars().all(|c| match c {
        '(' => {
            depth += 1;
            true
        }
        ')' => {
            depth = depth.saturating_sub(1);
            true
        }
        ':' => depth > 0,
        c => c.is_ascii_alphanumeric() || " ,.%-".contains(c),
    })
}

fn unescape_attribute(value: &str) -> String {
    value
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&nbsp;", "\u{a0}")
        .replace("&amp;", "&")
}

/// Text escaped for an attribute value in double quotes (or an element's text).
pub fn escape(value: &str) -> String {
    value
        .replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_media_placeholder_escapes_its_alt_text() {
        let html = "<p><img src=\"media:x\" alt=\"&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;q&quot;\"></p>";
        let out = resolve_media(html, |_| None);
        assert!(!out.contains("<script>"), "{out}");
        assert!(
            out.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;q&quot;"),
            "{out}"
        );
    }

    #[test]
    fn a_bracket_inside_alt_text_does_not_end_the_image_tag() {
        // As an older serialiser wrote it: `<` and `>` in the value as they are.
        let html = "<p><img src=\"media:x\" alt=\"a > <img src=y onerror=alert(1)>\"></p>";
        let out = resolve_media(html, |_| None);
        assert!(!out.contains("<img src=y"), "{out}");
        assert!(out.ends_with("</span></p>"), "{out}");
    }

    #[test]
    fn a_known_medium_becomes_a_responsive_image() {
        let html = "<p><img src=\"media:abc\" alt=\"A kite\"></p>";
        let source = ImageSource {
            src: "/media/abc/1024.jpg".into(),
            srcset: "/media/abc/320.jpg 320w, /media/abc/1024.jpg 1024w".into(),
            sizes: "100vw".into(),
            width: 1024,
            height: 768,
            alt: String::new(),
            caption: String::new(),
        };
        let out = resolve_media(html, |id| (id == "abc").then(|| source.clone()));
        assert!(
            out.contains("srcset=\"/media/abc/320.jpg 320w, /media/abc/1024.jpg 1024w\""),
            "{out}"
        );
        assert!(
            out.contains("width=\"1024\" height=\"768\" alt=\"A kite\" loading=\"lazy\""),
            "{out}"
        );
        assert!(
            out.starts_with("<figure class=\"post-image\"><img "),
            "alone: a figure: {out}"
        );
        assert!(!out.contains("<p>") && !out.contains("figcaption"), "{out}");
    }

    #[test]
    fn the_medium_s_words_win_and_its_caption_shows_under_a_picture_alone() {
        let source = ImageSource {
            src: "/media/abc/1024.jpg".into(),
            srcset: String::new(),
            sizes: String::new(),
            width: 10,
            height: 10,
            alt: "A red kite over the hill".into(),
            caption: "Kites & gulls <in May>".into(),
        };
        let lookup = |id: &str| (id == "abc").then(|| source.clone());
        let alone = resolve_media("<p><img src=\"media:abc\" alt=\"\"></p>", lookup);
        assert!(
            alone.contains("alt=\"A red kite over the hill\""),
            "{alone}"
        );
        assert!(
            alone.ends_with("<figcaption>Kites &amp; gulls &lt;in May&gt;</figcaption></figure>"),
            "{alone}"
        );
        // Inside a sentence: no figure (a paragraph can't hold one).
        let inline = resolve_media(
            "<p>See <img src=\"media:abc\" alt=\"old words\"> here</p>",
            lookup,
        );
        assert!(inline.starts_with("<p>See <img "), "{inline}");
        assert!(
            inline.contains("alt=\"A red kite over the hill\""),
            "{inline}"
        );
        assert!(!inline.contains("figcaption"), "{inline}");
    }

    #[test]
    fn a_missing_picture_says_so_with_its_alt_text_or_without() {
        let named = resolve_media("<p><img src=\"media:gone\" alt=\"A kite\"></p>", |_| None);
        assert_eq!(
            named,
            "<p><span class=\"media-missing\" role=\"img\" aria-label=\"Missing image: A kite\">Missing image: A kite</span></p>"
        );
        let unnamed = resolve_media("<p><img src=\"media:gone\" alt=\"\"></p>", |_| None);
        assert!(
            unnamed.contains("aria-label=\"Missing image\">Missing image</span>"),
            "{unnamed}"
        );
    }
}
