//! The converter and the element handlers we give htmd: GFM tables for
//! every table, fenced code for every `<pre>`, images standing alone when
//! their link only pointed at themselves, captions, strikethrough, and
//! links for embedded media.

use htmd::element_handler::{HandlerResult, Handlers};
use htmd::{Element, HtmlToMarkdown};
use markup5ever_rcdom::{Node, NodeData};

use super::{attr_of, tag_of};

pub(super) fn converter() -> HtmlToMarkdown {
    let options = htmd::options::Options {
        bullet_list_marker: htmd::options::BulletListMarker::Dash,
        ul_bullet_spacing: 1,
        ol_number_spacing: 1,
        hr_style: htmd::options::HrStyle::Dashes,
        link_style: htmd::options::LinkStyle::InlinedPreferAutolinks,
        ..Default::default()
    };
    HtmlToMarkdown::builder()
        .options(options)
        .add_handler(vec!["table"], table_handler)
        .add_handler(vec!["pre"], pre_handler)
        .add_handler(vec!["a"], anchor_handler)
        .add_handler(vec!["figcaption"], figcaption_handler)
        .add_handler(vec!["del", "s", "strike"], strike_handler)
        .add_handler(
            vec!["iframe", "video", "audio", "embed", "object"],
            media_link_handler,
        )
        .skip_tags(vec![
            "script", "style", "form", "canvas", "svg", "noscript", "select", "textarea", "button",
            "input", "head",
        ])
        .build()
}

fn block(text: &str) -> Option<HandlerResult> {
    Some(format!("\n\n{text}\n\n").into())
}

/// An anchor whose `href` the preparation removed wraps an image of itself.
fn anchor_handler(handlers: &dyn Handlers, element: Element<'_>) -> Option<HandlerResult> {
    if element.attrs.iter().any(|a| &*a.name.local == "href") {
        handlers.fallback(element)
    } else {
        Some(handlers.walk_children(element.node).content.into())
    }
}

fn figcaption_handler(handlers: &dyn Handlers, element: Element<'_>) -> Option<HandlerResult> {
    let text = handlers.walk_children(element.node).content;
    let text = text.trim();
    if text.is_empty() {
        return Some("".into());
    }
    block(&format!("*{text}*"))
}

fn strike_handler(handlers: &dyn Handlers, element: Element<'_>) -> Option<HandlerResult> {
    let text = handlers.walk_children(element.node).content;
    Some(format!("~~{}~~", text.trim()).into())
}

fn media_link_handler(_: &dyn Handlers, element: Element<'_>) -> Option<HandlerResult> {
    let src = attr_of(element.node, "src")
        .or_else(|| attr_of(element.node, "data"))
        .or_else(|| {
            element
                .node
                .children
                .borrow()
                .iter()
                .find(|c| tag_of(c) == Some("source"))
                .and_then(|c| attr_of(c, "src"))
        });
    match src {
        Some(src) if src.contains(|c: char| c.is_whitespace() || c == '<' || c == '>') => {
            block(&format!("[{src}](<{}>)", src.replace('>', "%3E")))
        }
        Some(src) => block(&format!("<{src}>")),
        None => Some("".into()),
    }
}

fn text_content(node: &Node, out: &mut String) {
    match &node.data {
        NodeData::Text { contents } => out.push_str(&contents.borrow()),
        NodeData::Element { name, .. } if &*name.local == "br" => out.push('\n'),
        _ => {
            for child in node.children.borrow().iter() {
                text_content(child, out);
            }
        }
    }
}

fn language_of(node: &Node) -> Option<String> {
    let class = attr_of(node, "class")?;
    class.split_whitespace().find_map(|c| {
        c.strip_prefix("language-")
            .or_else(|| c.strip_prefix("lang-"))
            .map(str::to_owned)
    })
}

/// Every `<pre>` becomes a fenced block of its raw text, with or without an
/// inner `<code>`, so no markup inside is interpreted as Markdown.
fn pre_handler(_: &dyn Handlers, element: Element<'_>) -> Option<HandlerResult> {
    let mut code = String::new();
    text_content(element.node, &mut code);
    let code = code.trim_matches('\n');
    let language = element
        .node
        .children
        .borrow()
        .iter()
        .find(|c| tag_of(c) == Some("code"))
        .and_then(|c| language_of(c))
        .or_else(|| language_of(element.node))
        .unwrap_or_default();
    let mut fence = String::from("```");
    while code.contains(&fence) {
        fence.push('`');
    }
    block(&format!("{fence}{language}\n{code}\n{fence}"))
}

fn collect_rows(
    handlers: &dyn Handlers,
    node: &Node,
    rows: &mut Vec<Vec<String>>,
    caption: &mut String,
) {
    for child in node.children.borrow().iter() {
        match tag_of(child) {
            Some("thead" | "tbody" | "tfoot") => collect_rows(handlers, child, rows, caption),
            Some("caption") => caption.push_str(handlers.walk_children(child).content.trim()),
            Some("tr") => {
                let cells = child
                    .children
                    .borrow()
                    .iter()
                    .filter(|c| matches!(tag_of(c), Some("td" | "th")))
                    .map(|c| {
                        let text = handlers.walk_children(c).content;
                        text.split_whitespace()
                            .collect::<Vec<_>>()
                            .join(" ")
                            .replace('|', "\\|")
                    })
                    .collect();
                rows.push(cells);
            }
            _ => {}
        }
    }
}

/// A GFM table; one without a header row takes its first row as the header,
/// since GFM requires one (WordPress's block tables often have none).
fn table_handler(handlers: &dyn Handlers, element: Element<'_>) -> Option<HandlerResult> {
    let mut rows = Vec::new();
    let mut caption = String::new();
    collect_rows(handlers, element.node, &mut rows, &mut caption);
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    if columns == 0 {
        return Some("".into());
    }
    let mut out = String::new();
    if !caption.is_empty() {
        out.push_str(&format!("*{caption}*\n\n"));
    }
    for (i, row) in rows.iter().enumerate() {
        out.push('|');
        for c in 0..columns {
            out.push(' ');
            out.push_str(row.get(c).map_or("", String::as_str));
            out.push_str(" |");
        }
        out.push('\n');
        if i == 0 {
            out.push('|');
            out.push_str(&" --- |".repeat(columns));
            out.push('\n');
        }
    }
    block(out.trim_end())
}
