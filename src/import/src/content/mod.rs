//! Turns imported HTML into readable Markdown: WordPress's classic paragraphs
//! (wpautop) and block comments, its shortcodes, images mapped to the
//! caller's media, GFM tables and fenced code; whatever Markdown cannot say
//! is named in a warning, never dropped in silence.

mod autop;
mod depth;
mod handlers;
mod media;
mod prepare;
mod shortcodes;

use std::sync::LazyLock;

use markup5ever_rcdom::{Node, NodeData};
use regex::Regex;
use serde::{Deserialize, Serialize};

pub use media::{MediaLookup, MediaMap, MediaRef, NoMedia, attachment_key};

use autop::{strip_block_comments, wpautop};
use depth::{
    MAX_HTML_DEPTH, PRESCAN_DEPTH, estimated_depth, max_depth, plain_text, strip_tags, too_deep,
};
use prepare::Prepare;
use shortcodes::expand_shortcodes;

/// Markdown, and what could not be said in it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Converted {
    pub markdown: String,
    pub warnings: Vec<String>,
}

/// Converts WordPress post content (classic or block editor) to Markdown.
pub fn to_markdown(html: &str, media: &dyn MediaLookup) -> Converted {
    let mut warnings = Vec::new();
    let is_blocks = html.contains("<!-- wp:");
    let html = strip_block_comments(html, &mut warnings);
    let html = expand_shortcodes(&html, &mut warnings);
    let html = if is_blocks { html } else { wpautop(&html) };
    convert(&html, media, warnings)
}

/// Takes a Folio export's own Markdown: only its images move, from the
/// file's attachment ids (`media:12`) to the caller's media; one the caller
/// does not have keeps its reference, with a warning.
pub fn folio_markdown(markdown: &str, media: &dyn MediaLookup) -> Converted {
    static REFERENCE: LazyLock<Regex> =
        LazyLock::new(|| regex(r"media:([0-9]+)([^0-9A-Za-z_-]|$)"));
    let mut warnings = Vec::new();
    let markdown = REFERENCE.replace_all(markdown, |found: &regex::Captures<'_>| {
        let (id, after) = (&found[1], &found[2]);
        match media.by_id(id) {
            Some(medium) => format!("{}{after}", medium.url),
            None => {
                warnings.push(format!(
                    "its image media:{id} is not among the imported media"
                ));
                found[0].to_owned()
            }
        }
    });
    warnings.dedup();
    Converted {
        markdown: markdown.into_owned(),
        warnings,
    }
}

/// Converts plain HTML (Ghost's, or a rendered card) to Markdown: no
/// WordPress paragraphs or shortcodes.
pub fn html_to_markdown(html: &str, media: &dyn MediaLookup) -> Converted {
    convert(html, media, Vec::new())
}

fn regex(pattern: &str) -> Regex {
    // Every pattern is a literal in this module, run by its tests.
    Regex::new(pattern).unwrap_or_else(|e| panic!("bad pattern {pattern}: {e}"))
}

const BLOCK_TAGS: &str = "table|thead|tbody|tfoot|caption|col|colgroup|tr|td|th|div|dl|dd|dt|ul|ol|li|pre|form|map|area|blockquote|address|math|style|p|h[1-6]|hr|fieldset|legend|section|article|aside|hgroup|header|footer|nav|figure|figcaption|details|menu|summary|iframe|script|video|audio|object";

fn tag_of(node: &Node) -> Option<&str> {
    match &node.data {
        NodeData::Element { name, .. } => Some(&name.local),
        _ => None,
    }
}

fn attr_of(node: &Node, attr: &str) -> Option<String> {
    match &node.data {
        NodeData::Element { attrs, .. } => attrs
            .borrow()
            .iter()
            .find(|a| &*a.name.local == attr)
            .map(|a| a.value.to_string()),
        _ => None,
    }
}

fn set_attr(node: &Node, attr: &str, value: &str) {
    if let NodeData::Element { attrs, .. } = &node.data {
        let mut attrs = attrs.borrow_mut();
        if let Some(a) = attrs.iter_mut().find(|a| &*a.name.local == attr) {
            a.value = value.into();
        }
    }
}

fn convert(html: &str, media: &dyn MediaLookup, mut warnings: Vec<String>) -> Converted {
    if html.trim().is_empty() {
        return Converted {
            markdown: String::new(),
            warnings,
        };
    }
    if estimated_depth(html) > PRESCAN_DEPTH {
        warnings.push(too_deep());
        return Converted {
            markdown: tidy(&strip_tags(html)),
            warnings,
        };
    }
    let converter = handlers::converter();
    let tree = match converter.html_to_tree(html) {
        Ok(tree) => tree,
        Err(e) => {
            warnings.push(format!(
                "the content could not be parsed as HTML ({e}); kept as text"
            ));
            return Converted {
                markdown: html.to_owned(),
                warnings,
            };
        }
    };
    if max_depth(&tree) > MAX_HTML_DEPTH {
        warnings.push(too_deep());
        return Converted {
            markdown: tidy(&plain_text(&tree)),
            warnings,
        };
    }
    let mut prepare = Prepare {
        media,
        warnings,
        styles: 0,
    };
    prepare.walk(&tree);
    let mut warnings = prepare.warnings;
    if prepare.styles > 0 {
        warnings.push(format!(
            "{} inline style attribute(s) have no Markdown form and were dropped",
            prepare.styles
        ));
    }
    let markdown = converter.tree_to_markdown(&tree);
    // One line per kind of loss: fifty footnotes need not say so fifty times.
    let mut seen = std::collections::HashSet::new();
    warnings.retain(|w| seen.insert(w.clone()));
    Converted {
        markdown: tidy(&markdown),
        warnings,
    }
}

fn tidy(markdown: &str) -> String {
    static BLANKS: LazyLock<Regex> = LazyLock::new(|| regex(r"\n[ \t]*\n(?:[ \t]*\n)+"));
    let lines: Vec<&str> = markdown.lines().map(trim_line_end).collect();
    BLANKS
        .replace_all(&lines.join("\n"), "\n\n")
        .trim()
        .to_owned()
}

/// Trailing spaces are noise, except Markdown's two-space line break.
fn trim_line_end(line: &str) -> &str {
    if line.ends_with("  ") && !line.trim().is_empty() {
        line
    } else {
        line.trim_end()
    }
}
