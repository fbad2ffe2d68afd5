//! WordPress's own markup around classic and block content: block comments
//! removed, and blank lines made paragraphs as its wpautop does.

use std::sync::LazyLock;

use regex::Regex;

use super::{BLOCK_TAGS, regex};

/// Block comments carry editor state only; the HTML between them is the
/// content. (Image ids stay on the `<img>` as `wp-image-N`.) A self-closing
/// block (`<!-- wp:latest-posts /-->`, a reusable `wp:block`) has no HTML:
/// WordPress renders it when the page is shown, so it is named in a warning.
pub(super) fn strip_block_comments(html: &str, warnings: &mut Vec<String>) -> String {
    static BLOCK: LazyLock<Regex> = LazyLock::new(|| regex(r"(?s)<!--\s*/?wp:.*?-->"));
    static DYNAMIC: LazyLock<Regex> =
        LazyLock::new(|| regex(r#"^<!--\s*wp:([a-z0-9/-]+)(?:\s.*?"ref"\s*:\s*(\d+))?.*/-->$"#));
    BLOCK
        .replace_all(html, |caps: &regex::Captures<'_>| {
            if let Some(dynamic) = DYNAMIC.captures(&caps[0]) {
                let warning = match dynamic.get(2) {
                    Some(reference) => format!(
                        "the reusable block {} is not expanded; its content is in that \
                         wp_block item",
                        reference.as_str()
                    ),
                    None => format!(
                        "the block wp:{} is rendered by WordPress when shown and was left out",
                        &dynamic[1]
                    ),
                };
                warnings.push(warning);
            }
            ""
        })
        .into_owned()
}

/// WordPress's wpautop, simplified: in classic content a blank line is a
/// paragraph break and a single newline a line break, except around and
/// inside block elements and `<pre>`.
pub(super) fn wpautop(html: &str) -> String {
    static PRE: LazyLock<Regex> = LazyLock::new(|| regex(r"(?is)<pre[\s>].*?</pre>"));
    static OPEN: LazyLock<Regex> =
        LazyLock::new(|| regex(&format!(r"(?i)(<(?:{BLOCK_TAGS})[\s/>])")));
    static CLOSE: LazyLock<Regex> = LazyLock::new(|| regex(&format!(r"(?i)(</(?:{BLOCK_TAGS})>)")));
    static STARTS_BLOCK: LazyLock<Regex> =
        LazyLock::new(|| regex(&format!(r"(?i)^</?(?:{BLOCK_TAGS}|!--)[\s/>-]")));
    static BLANK: LazyLock<Regex> = LazyLock::new(|| regex(r"\n\s*\n"));

    let html = html.replace("\r\n", "\n").replace('\r', "\n");
    let mut pres = Vec::new();
    let html = PRE.replace_all(&html, |caps: &regex::Captures<'_>| {
        pres.push(caps[0].to_owned());
        format!("\n\n<!--folio-pre-{}-->\n\n", pres.len() - 1)
    });
    let html = OPEN.replace_all(&html, "\n\n$1");
    let html = CLOSE.replace_all(&html, "$1\n\n");
    let mut out = String::with_capacity(html.len() + 64);
    for chunk in BLANK.split(&html) {
        let chunk = chunk.trim();
        if chunk.is_empty() {
            continue;
        }
        if let Some(n) = chunk
            .strip_prefix("<!--folio-pre-")
            .and_then(|r| r.strip_suffix("-->"))
            .and_then(|n| n.parse::<usize>().ok())
            .filter(|n| *n < pres.len())
        {
            out.push_str(&pres[n]);
        } else if STARTS_BLOCK.is_match(chunk) {
            out.push_str(chunk);
        } else {
            out.push_str("<p>");
            out.push_str(&chunk.replace('\n', "<br />"));
            out.push_str("</p>");
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn self_closing_blocks_are_named_because_they_have_no_html() {
        let mut warnings = Vec::new();
        let html = strip_block_comments(
            "<!-- wp:paragraph --><p>A</p><!-- /wp:paragraph -->\n<!-- wp:latest-posts {\"postsToShow\":3} /-->\n<!-- wp:block {\"ref\":123} /-->",
            &mut warnings,
        );
        assert_eq!(html, "<p>A</p>\n\n");
        assert_eq!(
            warnings,
            [
                "the block wp:latest-posts is rendered by WordPress when shown and was left out",
                "the reusable block 123 is not expanded; its content is in that wp_block item",
            ]
        );
    }

    #[test]
    fn wpautop_makes_paragraphs_and_line_breaks_but_leaves_pre_alone() {
        let html = wpautop("One\nline two\n\nThree\n<pre>a\n\nb</pre>\n<ul>\n<li>x</li>\n</ul>");
        assert_eq!(
            html,
            "<p>One<br />line two</p>\n<p>Three</p>\n<pre>a\n\nb</pre>\n<ul>\n<li>x</li>\n</ul>\n"
        );
    }
}
