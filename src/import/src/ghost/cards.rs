//! What Ghost's two editors share: the cards (markdown, html, image, code,
//! divider, and those that become links), rendered to HTML or kept as
//! Markdown.

use serde_json::Value;

/// A piece of a rendered editor document: HTML to convert, or a Markdown
/// card's source, kept as written.
pub(super) enum Block {
    Html(String),
    Markdown(String),
}

pub(super) fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

pub(super) fn str_field<'a>(value: &'a Value, key: &str) -> &'a str {
    value.get(key).and_then(Value::as_str).unwrap_or("")
}

/// The cards both editors share, by name and payload.
pub(super) fn card(name: &str, payload: &Value, warnings: &mut Vec<String>) -> Option<Block> {
    let block = match name {
        "markdown" => Block::Markdown(str_field(payload, "markdown").to_owned()),
        "html" => Block::Html(str_field(payload, "html").to_owned()),
        "image" => {
            let src = str_field(payload, "src");
            let alt = payload
                .get("alt")
                .or(payload.get("altText"))
                .and_then(Value::as_str)
                .unwrap_or("");
            let caption = str_field(payload, "caption");
            let caption = if caption.is_empty() {
                String::new()
            } else {
                format!("<figcaption>{caption}</figcaption>")
            };
            Block::Html(format!(
                "<figure><img src=\"{}\" alt=\"{}\">{caption}</figure>",
                escape(src),
                escape(alt)
            ))
        }
        "code" | "codeblock" => {
            let language = str_field(payload, "language");
            let class = if language.is_empty() {
                String::new()
            } else {
                format!(" class=\"language-{}\"", escape(language))
            };
            Block::Html(format!(
                "<pre><code{class}>{}</code></pre>",
                escape(str_field(payload, "code"))
            ))
        }
        "hr" | "horizontalrule" => Block::Html("<hr>".into()),
        _ => {
            let url = str_field(payload, "url");
            if url.is_empty() {
                warnings.push(format!(
                    "the Ghost card {name:?} has no Markdown form and was left out"
                ));
                return None;
            }
            warnings.push(format!("the Ghost card {name:?} became a link to {url}"));
            let url = escape(url);
            Block::Html(format!("<p><a href=\"{url}\">{url}</a></p>"))
        }
    };
    Some(block)
}
