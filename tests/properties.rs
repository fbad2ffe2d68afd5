//! Properties that must hold for every input, not only the ones we thought
//! of: derived slugs are always valid, and what the renderer gives a browser
//! (also once `media:` images are resolved, with whatever media says about
//! them) never runs script. `PROPTEST_CASES=10000 cargo test --test
//! properties` searches harder.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, LazyLock};

use folio::media::messages::ImageSource;
use folio::posts::domain::Slug;
use folio::render::html::resolve_media;
use folio::render::markdown::{Renderer, to_html};
use proptest::prelude::*;

proptest! {
    #[test]
    fn a_slug_derived_from_any_text_is_a_valid_slug(text in any::<String>()) {
        let slug = Slug::derive(&text);
        prop_assert!(Slug::parse(slug.as_str()).is_ok(), "{:?} from {:?}", slug.as_str(), text);
    }

    #[test]
    fn a_numbered_derived_slug_is_a_valid_slug(text in ".{0,200}", n in 2u32..10_000_000) {
        let slug = Slug::derive(&text).numbered(n);
        prop_assert!(Slug::parse(slug.as_str()).is_ok(), "{:?}", slug.as_str());
    }

    #[test]
    fn deriving_a_derived_slug_changes_nothing(text in any::<String>()) {
        let once = Slug::derive(&text);
        prop_assert_eq!(Slug::derive(once.as_str()), once);
    }

    #[test]
    fn a_valid_short_slug_derives_to_itself(raw in "[a-z0-9]{1,12}(-[a-z0-9]{1,12}){0,6}") {
        if let Ok(slug) = Slug::parse(&raw) {
            prop_assert_eq!(Slug::derive(&raw), slug);
        }
    }

    #[test]
    fn rendered_markdown_never_runs_script(markdown in markdown()) {
        let html = to_html(&RENDERER, &markdown);
        assert_harmless(&html, &markdown);
    }

    #[test]
    fn resolved_media_never_runs_script(
        markdown in markdown(),
        source in image_source(),
        known in any::<bool>(),
    ) {
        let html = to_html(&RENDERER, &markdown);
        let resolved = resolve_media(&html, |_| known.then(|| source.clone()));
        assert_harmless(&resolved, &format!("{markdown:?} with {source:?}"));
    }
}

static RENDERER: LazyLock<Arc<Renderer>> = LazyLock::new(Renderer::new);

/// Pieces attackers use, to mix with arbitrary text.
const HOSTILE: &[&str] = &[
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//x.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "<a href=\"javascript:alert(1)\">x</a>",
    "<details open ontoggle=alert(1)>",
    "<iframe src=//x.example>",
    "<style>*{}</style>",
    "<math><mi xlink:href=\"javascript:alert(1)\">x</mi></math>",
    "\" onmouseover=\"alert(1)",
    "' onfocus='alert(1)' autofocus='",
    " onclick=alert(1) ",
    "javascript:alert(1)",
    "<",
    ">",
    "\"",
    "'",
    "`",
    "&",
    "&lt;script&gt;",
    "&#60;script&#62;",
    "<!--",
    "-->",
    "</p>",
    "> ",
    "# ",
    "- ",
    "1. ",
    "```\n",
    "`",
    "*",
    "_",
    "[^1]",
    "\n[^1]: a note\n",
    "|a|b|\n|-|-|\n",
    "- [x] ",
    "www.example.com",
];

const URLS: &[&str] = &[
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    " javascript:alert(1)",
    "java\tscript:alert(1)",
    "java%0ascript:alert(1)",
    "&#106;avascript:alert(1)",
    "&#x6A;avascript&#58;alert(1)",
    "javascript&colon;alert(1)",
    "vbscript:msgbox(1)",
    "data:text/html;base64,PHNjcmlwdD4=",
    "media:abc",
    "media:\"><script>alert(1)</script>",
    "media:x onerror=alert(1)",
    "media:javascript:alert(1)",
    "https://example.com/a\"b",
    "//x.example",
    "#frag",
    "mailto:a@example.com",
    "<javascript:alert(1)>",
];

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(HOSTILE).prop_map(str::to_owned),
        2 => ".{0,12}",
        1 => "[a-z <>\"'=/&;:#]{0,16}",
    ]
}

fn fragment() -> impl Strategy<Value = String> {
    let url = || prop::sample::select(URLS).prop_map(str::to_owned);
    prop_oneof![
        4 => text(),
        2 => (text(), url()).prop_map(|(alt, url)| format!("![{alt}]({url})")),
        2 => (text(), url()).prop_map(|(label, url)| format!("[{label}]({url})")),
        1 => (text(), url(), text()).prop_map(|(alt, url, title)| format!("![{alt}]({url} \"{title}\")")),
        1 => url().prop_map(|url| format!("<{url}>")),
        1 => text().prop_map(|heading| format!("\n# {heading}\n")),
        1 => (text(), url()).prop_map(|(label, url)| format!("\n[{label}]: {url}\n[{label}]\n")),
    ]
}

fn markdown() -> impl Strategy<Value = String> {
    let separator = prop::sample::select(&["", " ", "\n", "\n\n"][..]);
    prop::collection::vec((fragment(), separator), 0..16).prop_map(|parts| {
        parts
            .into_iter()
            .map(|(fragment, separator)| fragment + separator)
            .collect()
    })
}

/// Whatever the media concern might say about an image, hostile included.
fn image_source() -> impl Strategy<Value = ImageSource> {
    let value = || {
        prop_oneof![
            Just("/media/0b6f/v1/640.jpg".to_owned()),
            Just("/media/0b6f/v1/320.jpg 320w, /media/0b6f/v1/640.jpg 640w".to_owned()),
            Just("https://cdn.example/a.jpg".to_owned()),
            prop::sample::select(HOSTILE).prop_map(str::to_owned),
            prop::sample::select(URLS).prop_map(str::to_owned),
            ".{0,12}",
        ]
    };
    (
        value(),
        value(),
        value(),
        any::<u32>(),
        any::<u32>(),
        value(),
        value(),
    )
        .prop_map(
            |(src, srcset, sizes, width, height, alt, caption)| ImageSource {
                src,
                srcset,
                sizes,
                width,
                height,
                // Media's words go into an attribute and a caption: as hostile as the rest.
                alt,
                caption,
            },
        )
}

/// Checks `html` as a browser would read it: no script element, no event
/// handler attribute, no `javascript:` (or `vbscript:`) URL in any attribute
/// but those shown as text.
fn assert_harmless(html: &str, input: &str) {
    let lower = html.to_lowercase();
    assert!(
        !lower.contains("<script"),
        "<script in {html:?} from {input}"
    );
    for tag in tags(html) {
        assert!(
            !FORBIDDEN_ELEMENTS.contains(&tag.name.as_str()),
            "<{}> in {html:?} from {input}",
            tag.name
        );
        for (name, value) in &tag.attributes {
            assert!(
                !name.starts_with("on"),
                "an event handler {name}= in {html:?} from {input}"
            );
            if TEXT_ATTRIBUTES.contains(&name.as_str()) {
                // Shown as text, never followed: `alt="javascript:…"` is inert.
                continue;
            }
            // What makes a URL run script is its scheme, not the words in
            // its path: `https://example.com/javascript:x` is a page. Each
            // comma-separated part counts (a srcset holds several URLs), and
            // the scheme is read as a browser reads it: tabs and newlines
            // inside it dropped, so `java\tscript:` is still `javascript:`.
            let decoded = decode(value).to_lowercase();
            for candidate in decoded.split(',') {
                let url: String = candidate
                    .trim_matches(|c: char| c.is_ascii_whitespace() || c.is_control())
                    .chars()
                    .filter(|c| !matches!(c, '\t' | '\n' | '\r') && !c.is_control())
                    .collect();
                let scheme = url
                    .find([':', '/', '?', '#'])
                    .filter(|&at| url[at..].starts_with(':'))
                    .map(|at| &url[..at]);
                assert!(
                    !matches!(scheme, Some("javascript" | "vbscript")),
                    "a script URL in {name}={value:?} in {html:?} from {input}"
                );
            }
        }
    }
}

const TEXT_ATTRIBUTES: &[&str] = &["alt", "title", "aria-label"];

const FORBIDDEN_ELEMENTS: &[&str] = &[
    "script",
    "style",
    "iframe",
    "frame",
    "object",
    "embed",
    "form",
    "base",
    "meta",
    "link",
    "svg",
    "math",
    "template",
    "noscript",
    "textarea",
    "title",
    "xmp",
    "plaintext",
];

struct Tag {
    name: String,
    attributes: Vec<(String, String)>,
}

/// The start tags in `html`, tokenised as the HTML standard does (closely
/// enough for this check): a `<` followed by a letter opens a tag, attribute
/// values are quoted with `"` or `'` or run to the next space or `>`.
fn tags(html: &str) -> Vec<Tag> {
    let bytes = html.as_bytes();
    let mut tags = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'<' {
            i += 1;
            continue;
        }
        i += 1;
        if html[i..].starts_with("!--") {
            i = html[i..].find("-->").map_or(bytes.len(), |end| i + end + 3);
            continue;
        }
        let closing = bytes.get(i) == Some(&b'/');
        if closing {
            i += 1;
        }
        if !bytes.get(i).is_some_and(u8::is_ascii_alphabetic) {
            continue;
        }
        let start = i;
        while i < bytes.len() && !matches!(bytes[i], b'\t' | b'\n' | b'\x0c' | b' ' | b'/' | b'>') {
            i += 1;
        }
        let name = html[start..i].to_ascii_lowercase();
        let mut attributes = Vec::new();
        loop {
            while i < bytes.len() && matches!(bytes[i], b'\t' | b'\n' | b'\x0c' | b' ' | b'/') {
                i += 1;
            }
            if i >= bytes.len() || bytes[i] == b'>' {
                i += 1;
                break;
            }
            let start = i;
            i += 1;
            while i < bytes.len()
                && !matches!(
                    bytes[i],
                    b'\t' | b'\n' | b'\x0c' | b' ' | b'/' | b'>' | b'='
                )
            {
                i += 1;
            }
            let attribute = html[start..i].to_ascii_lowercase();
            while i < bytes.len() && matches!(bytes[i], b'\t' | b'\n' | b'\x0c' | b' ') {
                i += 1;
            }
            let mut value = String::new();
            if bytes.get(i) == Some(&b'=') {
                i += 1;
                while i < bytes.len() && matches!(bytes[i], b'\t' | b'\n' | b'\x0c' | b' ') {
                    i += 1;
                }
                match bytes.get(i) {
                    Some(&quote @ (b'"' | b'\'')) => {
                        let end = html[i + 1..]
                            .find(quote as char)
                            .map_or(bytes.len(), |end| i + 1 + end);
                        value = html[i + 1..end].to_owned();
                        i = end + 1;
                    }
                    _ => {
                        let start = i;
                        while i < bytes.len()
                            && !matches!(bytes[i], b'\t' | b'\n' | b'\x0c' | b' ' | b'>')
                        {
                            i += 1;
                        }
                        value = html[start..i].to_owned();
                    }
                }
            }
            attributes.push((attribute, value));
        }
        if !closing {
            tags.push(Tag { name, attributes });
        }
    }
    tags
}

/// Character references a browser decodes in an attribute value.
fn decode(value: &str) -> String {
    let mut out = String::new();
    let mut rest = value;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let end = rest.find(';').filter(|end| *end <= 10);
        let decoded = end.and_then(|end| {
            let entity = &rest[1..end];
            let c = match entity.to_ascii_lowercase().as_str() {
                "amp" => '&',
                "quot" => '"',
                "lt" => '<',
                "gt" => '>',
                "nbsp" => '\u{a0}',
                "colon" => ':',
                "tab" => '\t',
                "newline" => '\n',
                numeric => {
                    let number = numeric.strip_prefix('#')?;
                    let code = match number.strip_prefix('x') {
                        Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                        None => number.parse().ok()?,
                    };
                    char::from_u32(code)?
                }
            };
            Some((c, end + 1))
        });
        match decoded {
            Some((c, used)) => {
                out.push(c);
                rest = &rest[used..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The oracle itself: it must flag what a browser would run, and only that.
#[test]
fn the_harmless_check_flags_script_urls_not_words_in_a_path() {
    for html in [
        "<a href=\"javascript:alert(1)\">x</a>",
        "<a href=\" JavaScript:alert(1)\">x</a>",
        "<a href=\"java&#x09;script:alert(1)\">x</a>",
        "<img src=\"/a.jpg\" srcset=\"/a.jpg 1x, vbscript:x 2x\">",
    ] {
        let caught = std::panic::catch_unwind(|| assert_harmless(html, "oracle"));
        assert!(caught.is_err(), "not flagged: {html}");
    }
    assert_harmless(
        "<a href=\"https://example.com/a%22b)!%5B%60%5D(media:javascript:alert(1)\">x</a>",
        "oracle",
    );
}
