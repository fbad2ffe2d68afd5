//! The walk over the parsed HTML before conversion: images and media links
//! mapped through the caller's lookup, and a warning for every element
//! Markdown cannot hold.

use std::rc::Rc;
use std::sync::LazyLock;

use markup5ever_rcdom::{Node, NodeData};
use regex::Regex;

use super::{MediaLookup, attachment_key, attr_of, regex, set_attr, tag_of};

/// Resolves media and collects warnings in one walk before conversion: the
/// converter's handlers are `'static` and cannot hold the caller's lookup.
pub(super) struct Prepare<'a> {
    pub(super) media: &'a dyn MediaLookup,
    pub(super) warnings: Vec<String>,
    pub(super) styles: usize,
}

impl Prepare<'_> {
    pub(super) fn walk(&mut self, node: &Rc<Node>) {
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

fn article(word: &str) -> &'static str {
    if word.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    }
}
