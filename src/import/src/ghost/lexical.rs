//! Ghost's current editor document, lexical: a tree of typed nodes under
//! `root`, whose text formats are bit flags.

use serde_json::Value;

use super::cards::{Block, card, escape, str_field};

pub(super) fn render(doc: &Value, warnings: &mut Vec<String>) -> Vec<Block> {
    let mut blocks = Vec::new();
    for node in children(doc.get("root").unwrap_or(&Value::Null)) {
        block(node, &mut blocks, warnings);
    }
    blocks
}

fn children(node: &Value) -> impl Iterator<Item = &Value> {
    node.get("children")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
}

fn block(node: &Value, blocks: &mut Vec<Block>, warnings: &mut Vec<String>) {
    let kind = str_field(node, "type");
    let html = match kind {
        "paragraph" => format!("<p>{}</p>", inline(node, warnings)),
        "heading" => {
            let tag = match str_field(node, "tag") {
                t @ ("h1" | "h2" | "h3" | "h4" | "h5" | "h6") => t,
                _ => "h2",
            };
            format!("<{tag}>{}</{tag}>", inline(node, warnings))
        }
        "quote" | "aside" => format!("<blockquote>{}</blockquote>", inline(node, warnings)),
        "list" => list(node, warnings),
        _ => {
            blocks.extend(card(kind, node, warnings));
            return;
        }
    };
    blocks.push(Block::Html(html));
}

fn list(node: &Value, warnings: &mut Vec<String>) -> String {
    let tag = if str_field(node, "listType") == "number" || str_field(node, "tag") == "ol" {
        "ol"
    } else {
        "ul"
    };
    let items: String = children(node)
        .map(|item| format!("<li>{}</li>", inline(item, warnings)))
        .collect();
    format!("<{tag}>{items}</{tag}>")
}

fn inline(node: &Value, warnings: &mut Vec<String>) -> String {
    let mut html = String::new();
    for child in children(node) {
        match str_field(child, "type") {
            "text" | "extended-text" => {
                let mut text = escape(str_field(child, "text"));
                let format = child.get("format").and_then(Value::as_u64).unwrap_or(0);
                for (bit, tag) in [(16, "code"), (4, "s"), (2, "em"), (1, "strong")] {
                    if format & bit != 0 {
                        text = format!("<{tag}>{text}</{tag}>");
                    }
                }
                html.push_str(&text);
            }
            "link" | "autolink" => html.push_str(&format!(
                "<a href=\"{}\">{}</a>",
                escape(str_field(child, "url")),
                inline(child, warnings)
            )),
            "linebreak" => html.push_str("<br>"),
            "tab" => html.push(' '),
            "list" => html.push_str(&list(child, warnings)),
            "listitem" | "paragraph" => html.push_str(&inline(child, warnings)),
            other => warnings.push(format!(
                "the lexical inline node {other:?} is unknown and was left out"
            )),
        }
    }
    html
}
