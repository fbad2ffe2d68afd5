//! Ghost's older editor document, mobiledoc 0.3: sections of markers whose
//! markups open and close by count, plus cards and atoms referenced by index.

use serde_json::Value;

use super::cards::{Block, card, escape};

pub(super) fn render(doc: &Value, warnings: &mut Vec<String>) -> Vec<Block> {
    let empty = Vec::new();
    let list = |key: &str| doc.get(key).and_then(Value::as_array).unwrap_or(&empty);
    let (markups, atoms, cards) = (list("markups"), list("atoms"), list("cards"));
    let mut blocks = Vec::new();
    for section in list("sections") {
        let kind = section.get(0).and_then(Value::as_u64);
        match kind {
            Some(1) => {
                let tag = match section.get(1).and_then(Value::as_str).unwrap_or("p") {
                    t @ ("p" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "blockquote") => t,
                    "aside" => "blockquote",
                    _ => "p",
                };
                let inner = markers(section.get(2), markups, atoms);
                blocks.push(Block::Html(format!("<{tag}>{inner}</{tag}>")));
            }
            Some(2) => {
                let src = section.get(1).and_then(Value::as_str).unwrap_or("");
                blocks.push(Block::Html(format!("<p><img src=\"{}\"></p>", escape(src))));
            }
            Some(3) => {
                let tag = if section.get(1).and_then(Value::as_str) == Some("ol") {
                    "ol"
                } else {
                    "ul"
                };
                let items: String = section
                    .get(2)
                    .and_then(Value::as_array)
                    .unwrap_or(&empty)
                    .iter()
                    .map(|item| format!("<li>{}</li>", markers(Some(item), markups, atoms)))
                    .collect();
                blocks.push(Block::Html(format!("<{tag}>{items}</{tag}>")));
            }
            Some(10) => {
                let found = section
                    .get(1)
                    .and_then(Value::as_u64)
                    .and_then(|i| cards.get(usize::try_from(i).ok()?));
                if let Some(c) = found {
                    let name = c.get(0).and_then(Value::as_str).unwrap_or("");
                    let payload = c.get(1).unwrap_or(&Value::Null);
                    blocks.extend(card(name, payload, warnings));
                }
            }
            _ => warnings.push(format!(
                "a mobiledoc section of kind {kind:?} is unknown and was left out"
            )),
        }
    }
    blocks
}

fn markers(markers: Option<&Value>, markups: &[Value], atoms: &[Value]) -> String {
    let mut html = String::new();
    let mut open: Vec<String> = Vec::new();
    for marker in markers.and_then(Value::as_array).into_iter().flatten() {
        for index in marker
            .get(1)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let Some(markup) = index
                .as_u64()
                .and_then(|i| markups.get(usize::try_from(i).ok()?))
            else {
                continue;
            };
            let tag = markup.get(0).and_then(Value::as_str).unwrap_or("span");
            let tag = match tag {
                "a" | "strong" | "b" | "em" | "i" | "code" | "s" | "u" | "sup" | "sub" => tag,
                _ => "span",
            };
            let mut attrs = String::new();
            let pairs = markup.get(1).and_then(Value::as_array);
            for pair in pairs.map(|p| p.chunks(2)).into_iter().flatten() {
                if let [k, v] = pair
                    && k.as_str() == Some("href")
                {
                    attrs.push_str(&format!(" href=\"{}\"", escape(v.as_str().unwrap_or(""))));
                }
            }
            html.push_str(&format!("<{tag}{attrs}>"));
            open.push(tag.to_owned());
        }
        let value = match marker.get(0).and_then(Value::as_u64) {
            Some(1) => marker
                .get(3)
                .and_then(Value::as_u64)
                .and_then(|i| atoms.get(usize::try_from(i).ok()?))
                .map(|atom| match atom.get(0).and_then(Value::as_str) {
                    Some("soft-return") => "<br>".to_owned(),
                    _ => escape(atom.get(1).and_then(Value::as_str).unwrap_or("")),
                })
                .unwrap_or_default(),
            _ => escape(marker.get(3).and_then(Value::as_str).unwrap_or("")),
        };
        html.push_str(&value);
        let closed = marker.get(2).and_then(Value::as_u64).unwrap_or(0);
        for _ in 0..closed {
            if let Some(tag) = open.pop() {
                html.push_str(&format!("</{tag}>"));
            }
        }
    }
    while let Some(tag) = open.pop() {
        html.push_str(&format!("</{tag}>"));
    }
    html
}
