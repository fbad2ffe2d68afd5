//! Fuzzes the render pipeline a post goes through: Markdown to sanitised HTML
//! (`to_html`), its excerpt and media ids, then `media:ID` images resolved
//! (`resolve_media`) as when a page is served. Beyond "does not panic", the
//! HTML before and after resolving must carry no script: no `<script`, no
//! `on*=` attribute, no `javascript:` URL.
#![no_main]

use std::sync::LazyLock;

use folio_fuzz::markdown::{self, MAX_NESTING, Renderer};
use folio_media_protocol::messages::ImageSource;
use folio_render_protocol::html::{media_ids, resolve_media};
use libfuzzer_sys::fuzz_target;

static RENDERER: LazyLock<std::sync::Arc<Renderer>> = LazyLock::new(Renderer::new);

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    // The render actor refuses deeper documents before rendering.
    if markdown::nesting_depth(&text) > MAX_NESTING {
        return;
    }
    let html = markdown::to_html(&RENDERER, &text);
    if let Some(problem) = script_in(&html) {
        panic!("sanitised HTML carries script ({problem}):\n{html}");
    }
    let _ = markdown::first_paragraph(&html, 300);
    let ids = media_ids(&html);
    // Half the ids are known (a real image), the rest missing (a placeholder).
    let resolved = resolve_media(&html, |id| {
        (id.len() % 2 == 0).then(|| ImageSource {
            src: format!("/media/{id}/v1/640.jpg"),
            srcset: format!("/media/{id}/v1/320.jpg 320w, /media/{id}/v1/640.jpg 640w"),
            sizes: "100vw".into(),
            width: 640,
            height: 480,
        })
    });
    if let Some(problem) = script_in(&resolved) {
        panic!("HTML with media resolved carries script ({problem}):\n{html}\n---\n{resolved}");
    }
    assert!(
        ids.is_empty() || !unresolved_image(&resolved),
        "a media: image was left unresolved:\n{resolved}"
    );
});

/// Whether an `<img>` tag still points at `media:`. Only tags count: the
/// sanitiser escapes every `<` in text, but not `"`, so a paragraph may
/// well read `src="media:` (the fuzzer's first finding was exactly that).
fn unresolved_image(html: &str) -> bool {
    html.match_indices("<img").any(|(start, _)| {
        let tag = &html[start..];
        let tag = &tag[..tag.find('>').unwrap_or(tag.len())];
        tag.contains("src=\"media:")
    })
}

/// The first way `html` could run script, if any. It reads markup the way the
/// sanitiser writes it (every `<` outside a tag escaped, attribute values
/// double-quoted), and a browser would read anything else just as loosely, so
/// a tag this scanner cannot follow is itself a finding.
fn script_in(html: &str) -> Option<String> {
    let bytes = html.as_bytes();
    let mut i = 0;
    while let Some(offset) = html[i..].find('<') {
        let start = i + offset;
        let mut j = start + 1;
        if bytes.get(j) == Some(&b'/') {
            j += 1;
        }
        let name_end = j + html[j..]
            .find(|c: char| !c.is_ascii_alphanumeric())
            .unwrap_or(html.len() - j);
        let name = html[j..name_end].to_ascii_lowercase();
        if name.is_empty() {
            return Some(format!("a `<` that opens no tag at byte {start}"));
        }
        if matches!(
            name.as_str(),
            "script" | "iframe" | "object" | "embed" | "style"
        ) {
            return Some(format!("a <{name}> element"));
        }
        j = name_end;
        // Attributes up to the closing `>`, quotes respected.
        loop {
            while bytes
                .get(j)
                .is_some_and(|b| b.is_ascii_whitespace() || *b == b'/')
            {
                j += 1;
            }
            match bytes.get(j) {
                None => return Some(format!("an unclosed <{name}> tag")),
                Some(b'>') => break,
                Some(_) => {}
            }
            let attr_end = j + html[j..]
                .find(|c: char| c.is_ascii_whitespace() || c == '=' || c == '>')
                .unwrap_or(html.len() - j);
            let attr = html[j..attr_end].to_ascii_lowercase();
            if attr.starts_with("on") {
                return Some(format!("an event handler `{attr}` on <{name}>"));
            }
            j = attr_end;
            if bytes.get(j) == Some(&b'=') {
                if bytes.get(j + 1) != Some(&b'"') {
                    return Some(format!("an unquoted value of `{attr}` on <{name}>"));
                }
                let value_start = j + 2;
                let Some(len) = html[value_start..].find('"') else {
                    return Some(format!("an unclosed value of `{attr}` on <{name}>"));
                };
                let value = &html[value_start..value_start + len];
                if matches!(
                    attr.as_str(),
                    "href" | "src" | "srcset" | "action" | "formaction"
                ) && runs_script(value)
                {
                    return Some(format!("a script URL in `{attr}` on <{name}>: {value}"));
                }
                j = value_start + len + 1;
            }
        }
        i = j + 1;
    }
    None
}

/// Whether a browser would run this attribute value as a `javascript:` (or
/// `vbscript:`) URL: entities decoded, tabs, newlines and leading spaces or
/// control characters dropped, case ignored.
fn runs_script(value: &str) -> bool {
    let decoded = value
        .replace("&quot;", "\"")
        .replace("&nbsp;", "\u{a0}")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    let url: String = decoded
        .trim_start_matches(|c: char| c <= ' ')
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect::<String>()
        .to_ascii_lowercase();
    url.starts_with("javascript:") || url.starts_with("vbscript:")
}
