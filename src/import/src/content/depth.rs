//! Guards against content nested so deep that converting it would overflow
//! the stack or take quadratic time: such content is kept as plain text.

use std::rc::Rc;
use std::sync::LazyLock;

use markup5ever_rcdom::{Node, NodeData};
use regex::Regex;

use super::{BLOCK_TAGS, regex};

/// The converter walks the tree recursively: deeper HTML (only ever seen in
/// hostile content) would overflow the stack, which aborts the process. 256
/// levels is half of what a 2 MiB thread stack survives in a debug build.
pub(super) const MAX_HTML_DEPTH: usize = 256;

/// html5ever's cost grows with the square of the nesting of some elements
/// (40,000 nested `<div>`s take seconds), so absurd nesting is caught on
/// the text before parsing; the bound is loose because HTML may leave
/// `<p>` and `<li>` unclosed, which this count takes as nesting.
pub(super) const PRESCAN_DEPTH: usize = 2_000;

pub(super) fn too_deep() -> String {
    format!("the content nests elements more than {MAX_HTML_DEPTH} deep; it was kept as plain text")
}

const VOID_TAGS: [&str; 14] = [
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
    "track", "wbr",
];

pub(super) fn estimated_depth(html: &str) -> usize {
    static TAG: LazyLock<Regex> =
        LazyLock::new(|| regex(r"<(/?)([A-Za-z][A-Za-z0-9-]*)[^<>]*?(/?)>"));
    let (mut depth, mut deepest) = (0usize, 0usize);
    for caps in TAG.captures_iter(html) {
        let name = caps[2].to_ascii_lowercase();
        if &caps[1] == "/" {
            depth = depth.saturating_sub(1);
        } else if &caps[3] != "/" && !VOID_TAGS.contains(&name.as_str()) {
            depth += 1;
            deepest = deepest.max(depth);
        }
    }
    deepest
}

/// Text without tags, for content too deep to parse; block tags become
/// paragraph breaks.
pub(super) fn strip_tags(html: &str) -> String {
    static BLOCK: LazyLock<Regex> =
        LazyLock::new(|| regex(&format!(r"(?i)</?(?:{BLOCK_TAGS}|br)\b[^<>]*>")));
    static TAG: LazyLock<Regex> = LazyLock::new(|| regex(r"<[^<>]*>"));
    let text = BLOCK.replace_all(html, "\n\n");
    TAG.replace_all(&text, "")
        .replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#039;", "'")
        .replace("&amp;", "&")
}

pub(super) fn max_depth(root: &Rc<Node>) -> usize {
    let mut deepest = 0;
    let mut stack = vec![(root.clone(), 0)];
    while let Some((node, depth)) = stack.pop() {
        deepest = deepest.max(depth);
        for child in node.children.borrow().iter() {
            stack.push((child.clone(), depth + 1));
        }
    }
    deepest
}

/// The text of a tree, without recursion; block elements end a paragraph.
pub(super) fn plain_text(root: &Rc<Node>) -> String {
    let mut out = String::new();
    let mut stack = vec![root.clone()];
    while let Some(node) = stack.pop() {
        match &node.data {
            NodeData::Text { contents } => out.push_str(&contents.borrow()),
            NodeData::Element { name, .. }
                if matches!(
                    &*name.local,
                    "p" | "div" | "li" | "br" | "h1" | "h2" | "h3" | "tr"
                ) =>
            {
                out.push_str("\n\n");
            }
            _ => {}
        }
        for child in node.children.borrow().iter().rev() {
            stack.push(child.clone());
        }
    }
    out
}
