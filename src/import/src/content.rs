//! Turns imported HTML into readable Markdown: WordPress's classic paragraphs
//! (wpautop) and block comments, its shortcodes, images mapped to the
//! caller's media, GFM tables and fenced code; whatever Markdown cannot say
//! is named in a warning, never dropped in silence.

use std::collections::HashMap;
use std::rc::Rc;
use std::sync::LazyLock;

use htmd::element_handler::{HandlerResult, Handlers};
use htmd::{Element, HtmlToMarkdown};
use markup5ever_rcdom::{Node, NodeData};
use regex::Regex;
use serde::{Deserialize, Serialize};

use crate::model::Attachment;

/// What the caller's media answered for an image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaRef {
    /// What the Markdown will point at, e.g. `media:42`.
    pub url: String,
    /// The media's alt text, used when the image in the content has none.
    pub alt: String,
}

/// Maps the images a post points at to the caller's media. The converter asks
/// with the URL exactly as written; the lookup decides how to match it
/// ([`attachment_key`] helps with WordPress's sized copies).
pub trait MediaLookup {
    fn by_url(&self, url: &str) -> Option<MediaRef>;

    /// By the source's attachment id: `[gallery ids="…"]`, or a block image's
    /// `wp-image-N` class when its URL is unknown.
    fn by_id(&self, id: &str) -> Option<MediaRef> {
        let _ = id;
        None
    }
}

/// A lookup that knows no media: images keep their URLs.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoMedia;

impl MediaLookup for NoMedia {
    fn by_url(&self, _url: &str) -> Option<MediaRef> {
        None
    }
}

/// A ready lookup over the attachments of an export: each maps to the
/// reference the caller chose for it (e.g. `media:42`).
#[derive(Debug, Clone, Default)]
pub struct MediaMap {
    by_key: HashMap<String, MediaRef>,
    by_id: HashMap<String, MediaRef>,
}

impl MediaMap {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn insert(&mut self, attachment: &Attachment, reference: &str) {
        let found = MediaRef {
            url: reference.to_owned(),
            alt: attachment.alt.clone(),
        };
        let keys = [
            attachment_key(&attachment.url),
            attachment.relative_path.as_deref().and_then(attachment_key),
        ];
        for key in keys.into_iter().flatten() {
            self.by_key.insert(key, found.clone());
        }
        self.by_id.insert(attachment.source_id.clone(), found);
    }
}

impl MediaLookup for MediaMap {
    fn by_url(&self, url: &str) -> Option<MediaRef> {
        self.by_key.get(&attachment_key(url)?).cloned()
    }

    fn by_id(&self, id: &str) -> Option<MediaRef> {
        self.by_id.get(id).cloned()
    }
}

/// The original upload an image URL or path points at, so that WordPress's
/// sized copies (`photo-300x200.jpg`), its `-scaled` big-image copy and the
/// original (`photo.jpg`) all give `2019/03/photo.jpg`. Works on
/// `…/wp-content/uploads/…` URLs, Ghost's `…/content/images/(size/wN/)…`,
/// and relative paths; `None` for anything else (other sites' images).
pub fn attachment_key(url: &str) -> Option<String> {
    static SIZED: LazyLock<Regex> =
        LazyLock::new(|| regex(r"(?i)(?:-\d+x\d+|-scaled)+(\.[a-z0-9]+)$"));
    let url = url.split(['?', '#']).next().unwrap_or("");
    let path = if let Some((_, rest)) = url.split_once("wp-content/uploads/") {
        rest
    } else if let Some((_, rest)) = url.split_once("/content/images/") {
        match rest.strip_prefix("size/") {
            Some(sized) => sized.split_once('/').map_or(sized, |(_, r)| r),
            None => rest,
        }
    } else if !url.contains(':') && !url.starts_with('/') {
        url
    } else {
        return None;
    };
    if path.is_empty() {
        return None;
    }
    Some(SIZED.replace(path, "$1").into_owned())
}

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
    let html = strip_block_comments(html);
    let html = expand_shortcodes(&html, &mut warnings);
    let html = if is_blocks { html } else { wpautop(&html) };
    convert(&html, media, warnings)
}

/// Converts plain HTML (Ghost's, or a rendered card) to Markdown: no
/// WordPress paragraphs or shortcodes.
pub fn html_to_markdown(html: &str, media: &dyn MediaLookup) -> Converted {
    convert(html, media, Vec::new())
}

fn regex(pattern: &str) -> Regex {
    // The patterns are literals in this file, checked by the tests.
    Regex::new(pattern).unwrap_or_else(|e| panic!("bad pattern {pattern}: {e}"))
}

/// Block comments carry editor state only; the HTML between them is the
/// content. (Image ids stay on the `<img>` as `wp-image-N`.)
fn strip_block_comments(html: &str) -> String {
    static BLOCK: LazyLock<Regex> = LazyLock::new(|| regex(r"(?s)<!--\s*/?wp:.*?-->"));
    BLOCK.replace_all(html, "").into_owned()
}

const BLOCK_TAGS: &str = "table|thead|tbody|tfoot|caption|col|colgroup|tr|td|th|div|dl|dd|dt|ul|ol|li|pre|form|map|area|blockquote|address|math|style|p|h[1-6]|hr|fieldset|legend|section|article|aside|hgroup|header|footer|nav|figure|figcaption|details|menu|summary|iframe|script|video|audio|object";

/// WordPress's wpautop, simplified: in classic content a blank line is a
/// paragraph break and a single newline a line break, except around and
/// inside block elements and `<pre>`.
fn wpautop(html: &str) -> String {
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
fn expand_shortcodes(html: &str, warnings: &mut Vec<String>) -> String {
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

fn article(word: &str) -> &'static str {
    if word.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    }
}

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

/// Resolves media and collects warnings in one walk before conversion: the
/// converter's handlers are `'static` and cannot hold the caller's lookup.
struct Prepare<'a> {
    media: &'a dyn MediaLookup,
    warnings: Vec<String>,
    styles: usize,
}

impl Prepare<'_> {
    fn walk(&mut self, node: &Rc<Node>) {
        for child in node.children.borrow().iter() {
            self.walk(child);
        }
        let Some(tag) = tag_of(node) else { return };
        if attr_of(node, "style").is_some() {
            self.styles += 1;
        }
        match tag {
            "img" => self.image(node),
            "a" => self.link(node),
            "iframe" | "video" | "audio" | "embed" | "object" => {
                let src = attr_of(node, "src")
                    .or_else(|| attr_of(node, "data"))
                    .or_else(|| {
                        node.children
                            .borrow()
                            .iter()
                            .find(|c| tag_of(c) == Some("source"))
                            .and_then(|c| attr_of(c, "src"))
                    });
                match src {
                    Some(src) => self
                        .warnings
                        .push(format!("{} <{tag}> of {src} became a link", article(tag))),
                    None => self.warnings.push(format!(
                        "{} <{tag}> without a source was left out",
                        article(tag)
                    )),
                }
            }
            "script" | "style" | "form" | "canvas" | "svg" | "noscript" | "select" | "textarea"
            | "button" | "input" => self.warnings.push(format!(
                "{} <{tag}> has no Markdown form and was left out",
                article(tag)
            )),
            "sup" | "sub" | "u" | "mark" => self.warnings.push(format!(
                "<{tag}> text has no Markdown form; its text was kept without it"
            )),
            "td" | "th"
                if attr_of(node, "colspan").is_some() || attr_of(node, "rowspan").is_some() =>
            {
                self.warnings
                    .push("a table cell spanning several columns or rows was flattened".into());
            }
            _ => {}
        }
    }

    fn image(&mut self, node: &Node) {
        static WP_IMAGE: LazyLock<Regex> = LazyLock::new(|| regex(r"\bwp-image-(\d+)\b"));
        let src = attr_of(node, "src");
        let gallery_id = attr_of(node, "data-folio-attachment");
        let class_id = attr_of(node, "class")
            .and_then(|c| WP_IMAGE.captures(&c).map(|caps| caps[1].to_owned()));
        let found = match &gallery_id {
            Some(id) => self.media.by_id(id),
            None => src
                .as_deref()
                .and_then(|s| self.media.by_url(s))
                .or_else(|| class_id.as_deref().and_then(|id| self.media.by_id(id))),
        };
        match (found, gallery_id, src) {
            (Some(found), _, src) => {
                if src.is_some() {
                    set_attr(node, "src", &found.url);
                } else if let NodeData::Element { attrs, .. } = &node.data {
                    let mut attrs = attrs.borrow_mut();
                    if let Some(a) = attrs
                        .iter_mut()
                        .find(|a| &*a.name.local == "data-folio-attachment")
                    {
                        // htmd reads `src`; renaming the attribute keeps the element.
                        a.name.local = "src".into();
                        a.value = found.url.as_str().into();
                    }
                }
                if attr_of(node, "alt").is_none_or(|a| a.trim().is_empty())
                    && !found.alt.is_empty()
                    && let NodeData::Element { attrs, .. } = &node.data
                {
                    let mut attrs = attrs.borrow_mut();
                    attrs.retain(|a| &*a.name.local != "alt");
                    // A copy of `src` renamed: building an attribute's
                    // qualified name would need html5ever's own types.
                    if let Some(mut alt) = attrs.first().cloned() {
                        alt.name.local = "alt".into();
                        alt.value = found.alt.as_str().into();
                        attrs.push(alt);
                    }
                }
            }
            (None, Some(id), _) => self.warnings.push(format!(
                "gallery image {id} is not among the export's attachments and was left out"
            )),
            (None, None, Some(src)) if attachment_key(&src).is_some() => self.warnings.push(
                format!("the image {src} is not among the export's attachments; its URL was kept"),
            ),
            _ => {}
        }
    }

    /// A link to the media file an image shows (WordPress's "link to media
    /// file") adds nothing in Markdown: the image stands alone.
    fn link(&mut self, node: &Node) {
        let Some(href) = attr_of(node, "href") else {
            return;
        };
        let Some(found) = self.media.by_url(&href) else {
            return;
        };
        set_attr(node, "href", &found.url);
        let children = node.children.borrow();
        let elements: Vec<_> = children.iter().filter(|c| tag_of(c).is_some()).collect();
        let only_text_is_blank = children.iter().all(|c| match &c.data {
            NodeData::Text { contents } => contents.borrow().trim().is_empty(),
            _ => true,
        });
        if let [img] = elements.as_slice()
            && tag_of(img) == Some("img")
            && only_text_is_blank
            && attr_of(img, "src").as_deref() == Some(found.url.as_str())
            && let NodeData::Element { attrs, .. } = &node.data
        {
            attrs.borrow_mut().retain(|a| &*a.name.local != "href");
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
    let converter = converter();
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

/// The converter walks the tree recursively: deeper HTML (only ever seen in
/// hostile content) would overflow the stack, which aborts the process. 256
/// levels is half of what a 2 MiB thread stack survives in a debug build.
const MAX_HTML_DEPTH: usize = 256;

/// html5ever's cost grows with the square of the nesting of some elements
/// (40,000 nested `<div>`s take seconds), so absurd nesting is caught on
/// the text before parsing; the bound is loose because HTML may leave
/// `<p>` and `<li>` unclosed, which this count takes as nesting.
const PRESCAN_DEPTH: usize = 2_000;

fn too_deep() -> String {
    format!("the content nests elements more than {MAX_HTML_DEPTH} deep; it was kept as plain text")
}

const VOID_TAGS: [&str; 14] = [
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
    "track", "wbr",
];

fn estimated_depth(html: &str) -> usize {
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
fn strip_tags(html: &str) -> String {
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

fn max_depth(root: &Rc<Node>) -> usize {
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
fn plain_text(root: &Rc<Node>) -> String {
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

fn converter() -> HtmlToMarkdown {
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn sized_and_scaled_copies_share_the_original_key() {
        for url in [
            "https://example.com/wp-content/uploads/2019/03/photo-300x200.jpg",
            "https://example.com/wp-content/uploads/2019/03/photo-scaled.jpg",
            "http://cdn.example.com/wp-content/uploads/2019/03/photo.jpg?w=640",
            "2019/03/photo.jpg",
        ] {
            assert_eq!(
                attachment_key(url).as_deref(),
                Some("2019/03/photo.jpg"),
                "{url}"
            );
        }
        assert_eq!(
            attachment_key("__GHOST_URL__/content/images/size/w600/2023/01/cat.png").as_deref(),
            Some("2023/01/cat.png")
        );
        assert_eq!(attachment_key("https://other.example/pic.jpg"), None);
    }

    #[test]
    fn wpautop_makes_paragraphs_and_line_breaks_but_leaves_pre_alone() {
        let html = wpautop("One\nline two\n\nThree\n<pre>a\n\nb</pre>\n<ul>\n<li>x</li>\n</ul>");
        assert_eq!(
            html,
            "<p>One<br />line two</p>\n<p>Three</p>\n<pre>a\n\nb</pre>\n<ul>\n<li>x</li>\n</ul>\n"
        );
    }

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
