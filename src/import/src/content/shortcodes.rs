//! WordPress shortcodes rewritten into the HTML they stand for ([caption],
//! [gallery], [code], links for embeds), so one HTML converter handles the
//! rest; unknown ones are named in warnings.

use std::collections::HashMap;
use std::sync::LazyLock;

use regex::Regex;

use super::regex;

/// Shortcodes that are shortcodes even without attributes or a closing tag;
/// other `[words]` in text are left alone unless they look like one.
const KNOWN_SHORTCODES: [&str; 16] = [
    "caption",
    "wp_caption",
    "gallery",
    "embed",
    "audio",
    "video",
    "playlist",
    "youtube",
    "vimeo",
    "tweet",
    "instagram",
    "soundcloud",
    "gist",
    "code",
    "sourcecode",
    "contact-form",
];

fn shortcode_attrs(raw: &str) -> HashMap<String, String> {
    static ATTR: LazyLock<Regex> =
        LazyLock::new(|| regex(r#"([\w-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"']+))"#));
    ATTR.captures_iter(raw)
        .map(|c| {
            let value = c
                .get(2)
                .or(c.get(3))
                .or(c.get(4))
                .map_or("", |m| m.as_str());
            (c[1].to_ascii_lowercase(), value.to_owned())
        })
        .collect()
}

fn first_url(text: &str) -> Option<String> {
    static URL: LazyLock<Regex> = LazyLock::new(|| regex(r#"https?://[^\s"'\]<>]+"#));
    URL.find(text).map(|m| m.as_str().to_owned())
}

fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Rewrites shortcodes into the HTML they stand for, so the one HTML
/// converter handles everything after.
pub(super) fn expand_shortcodes(html: &str, warnings: &mut Vec<String>) -> String {
    expand_nested(html, warnings, 0)
}

/// Shortcodes inside an unknown enclosing one (layout plugins' columns,
/// boxes) are expanded too, a few levels deep: no real content nests more.
const MAX_SHORTCODE_NESTING: usize = 4;

fn expand_nested(html: &str, warnings: &mut Vec<String>, nesting: usize) -> String {
    static OPEN: LazyLock<Regex> =
        LazyLock::new(|| regex(r"\[([A-Za-z][A-Za-z0-9_-]*)((?:[\s=][^\[\]]*)?)\]"));
    static CLOSE: LazyLock<Regex> = LazyLock::new(|| regex(r"\[/([A-Za-z][A-Za-z0-9_-]*)\]"));
    // Every closing tag's span by name, found once: searching the rest of
    // the text for each opening tag would be quadratic on hostile content.
    let mut closes: HashMap<&str, Vec<(usize, usize)>> = HashMap::new();
    for caps in CLOSE.captures_iter(html) {
        if let (Some(whole), Some(name)) = (caps.get(0), caps.get(1)) {
            closes
                .entry(name.as_str())
                .or_default()
                .push((whole.start(), whole.end()));
        }
    }
    let mut out = String::with_capacity(html.len());
    let mut pos = 0;
    for caps in OPEN.captures_iter(html) {
        let (Some(whole), Some(name), Some(raw_attrs)) = (caps.get(0), caps.get(1), caps.get(2))
        else {
            continue;
        };
        if whole.start() < pos {
            continue;
        }
        let close = closes.get(name.as_str()).and_then(|spans| {
            let i = spans.partition_point(|&(start, _)| start < whole.end());
            spans.get(i).copied()
        });
        let lower = name.as_str().to_ascii_lowercase();
        let raw_attrs = raw_attrs.as_str().trim_end_matches('/');
        let is_shortcode = KNOWN_SHORTCODES.contains(&lower.as_str())
            || raw_attrs.contains('=')
            || close.is_some();
        out.push_str(&html[pos..whole.start()]);
        if !is_shortcode {
            out.push_str(whole.as_str());
            pos = whole.end();
            continue;
        }
        let (inner, next) = match close {
            Some((start, end)) => (&html[whole.end()..start], end),
            None => ("", whole.end()),
        };
        let inner = if nesting < MAX_SHORTCODE_NESTING
            && !matches!(lower.as_str(), "code" | "sourcecode" | "source")
        {
            expand_nested(inner, warnings, nesting + 1)
        } else {
            inner.to_owned()
        };
        out.push_str(&shortcode_html(&lower, raw_attrs, &inner, warnings));
        pos = next;
    }
    out.push_str(&html[pos..]);
    out
}

fn shortcode_html(name: &str, raw_attrs: &str, inner: &str, warnings: &mut Vec<String>) -> String {
    static IMAGE_THEN_TEXT: LazyLock<Regex> =
        LazyLock::new(|| regex(r"(?is)^\s*((?:<a\s[^>]*>\s*)?<img\s[^>]*>(?:\s*</a>)?)(.*)$"));
    let attrs = shortcode_attrs(raw_attrs);
    match name {
        "caption" | "wp_caption" => {
            let Some(caps) = IMAGE_THEN_TEXT.captures(inner) else {
                warnings.push(format!("a [{name}] without an image was kept as its text"));
                return inner.to_owned();
            };
            let text = caps[2].trim();
            let text = if text.is_empty() {
                attrs.get("caption").map_or("", String::as_str)
            } else {
                text
            };
            format!(
                "\n\n<figure>{}<figcaption>{}</figcaption></figure>\n\n",
                &caps[1], text
            )
        }
        "gallery" => {
            let Some(ids) = attrs.get("ids").or(attrs.get("include")) else {
                warnings.push(
                    "a [gallery] without ids (the post's attached images) was left out".into(),
                );
                return String::new();
            };
            let mut html = String::from("\n\n");
            for id in ids.split(',').map(str::trim).filter(|id| !id.is_empty()) {
                html.push_str(&format!(
                    "<p><img data-folio-attachment=\"{}\"></p>\n",
                    escape_html(id)
                ));
            }
            html.push('\n');
            html
        }
        "code" | "sourcecode" | "source" => {
            let lang = attrs
                .get("lang")
                .or(attrs.get("language"))
                .map(|l| format!(" class=\"language-{}\"", escape_html(l)))
                .unwrap_or_default();
            format!(
                "\n\n<pre><code{lang}>{}</code></pre>\n\n",
                escape_html(inner.trim_matches('\n'))
            )
        }
        _ => {
            let url = attrs
                .get("src")
                .or(attrs.get("url"))
                .cloned()
                .or_else(|| first_url(raw_attrs))
                // Only an inner text that is a URL and nothing else
                // (`[youtube]https://…[/youtube]`): other text is content.
                .or_else(|| first_url(inner).filter(|url| url == inner.trim()));
            match url {
                Some(url) => {
                    warnings.push(format!("the shortcode [{name}] became a link to {url}"));
                    let url = escape_html(&url);
                    format!("<a href=\"{url}\">{url}</a>")
                }
                None if !inner.trim().is_empty() => {
                    warnings.push(format!(
                        "the shortcode [{name}] has no Markdown form; its content was kept"
                    ));
                    inner.to_owned()
                }
                None => {
                    warnings.push(format!(
                        "the shortcode [{name}] has no Markdown form and was left out"
                    ));
                    String::new()
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn square_brackets_in_prose_are_not_shortcodes() {
        let mut warnings = Vec::new();
        assert_eq!(
            expand_shortcodes("He said [sic] so", &mut warnings),
            "He said [sic] so"
        );
        assert!(warnings.is_empty());
    }
}
