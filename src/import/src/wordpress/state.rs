//! What the reader has open and what it has seen: elements are folded into
//! authors, terms, attachments and items as they close, and every rule a
//! whole file must keep (one id per item, safe paths, limits) is checked
//! here.

use std::collections::HashSet;

use sha2::{Digest, Sha256};

use super::values::{decode_slug, is_safe_relative_path, parent_id, parse_wp_date};
use super::{Entry, Header, Ns, Tag, malformed};
use crate::content::{MediaLookup, folio_markdown, to_markdown};
use crate::error::{ImportError, Position};
use crate::model::{
    Attachment, Author, FeatureImage, Item, ItemKind, ItemStatus, Limits, Redirect, RedirectTo,
    Report, Term, TermKind,
};

/// Deeper than any real export nests; bounds the element stack.
const MAX_DEPTH: usize = 64;

/// Meta keys worth keeping; the rest (edit locks, plugin data) is dropped
/// as it is read so an item's memory stays bounded.
const KEPT_META: [&str; 6] = [
    "_folio_content_sha256",
    "_folio_markdown",
    "_wp_attached_file",
    "_wp_attachment_image_alt",
    "_thumbnail_id",
    "_wp_old_slug",
];

#[derive(Default)]
struct ItemFields {
    start: Option<Position>,
    title: String,
    link: String,
    guid: String,
    creator: String,
    content: String,
    excerpt: String,
    post_id: String,
    post_date: String,
    post_date_gmt: String,
    modified_gmt: String,
    post_name: String,
    status: String,
    post_parent: String,
    post_type: String,
    attachment_url: String,
    has_password: bool,
    /// (domain, nicename, name)
    categories: Vec<(String, String, String)>,
    meta: Vec<(String, String)>,
    meta_key: String,
    meta_value: String,
    comments: u64,
}

#[derive(Default)]
struct TermFields {
    taxonomy: String,
    slug: String,
    name: String,
    parent: String,
}

#[derive(Default)]
struct AuthorFields {
    id: String,
    login: String,
    email: String,
    display_name: String,
}

#[derive(Default)]
struct RedirectFields {
    from: String,
    to_item: String,
    to_url: String,
}

enum Open {
    Nothing,
    Redirect(RedirectFields),
    Author(AuthorFields),
    Term(TermKind, TermFields),
    Item(Box<ItemFields>),
}

pub(super) struct State<'m> {
    limits: Limits,
    media: &'m dyn MediaLookup,
    /// False for the passes that only check and collect: converting every
    /// post's HTML is most of a read's time, and they would throw it away.
    pub(super) convert: bool,
    stack: Vec<Tag>,
    text: String,
    open: Open,
    /// The stack depth of the element `open` was started by.
    open_depth: usize,
    /// The `(domain, nicename)` of the `<category>` being read.
    category_attrs: (String, String),
    header: Header,
    header_sent: bool,
    saw_root: bool,
    seen_ids: HashSet<u64>,
    items: usize,
    pub(super) report: Report,
}

impl<'m> State<'m> {
    pub(super) fn new(limits: Limits, media: &'m dyn MediaLookup) -> Self {
        Self {
            limits,
            media,
            convert: true,
            stack: Vec::new(),
            text: String::new(),
            open: Open::Nothing,
            open_depth: 0,
            category_attrs: Default::default(),
            header: Header::default(),
            header_sent: false,
            saw_root: false,
            seen_ids: HashSet::new(),
            items: 0,
            report: Report::default(),
        }
    }

    pub(super) fn field_too_large(&self, at: Position) -> ImportError {
        ImportError::FieldTooLarge {
            field: self
                .stack
                .last()
                .map_or("", |t| t.qname.as_str())
                .to_owned(),
            limit: self.limits.max_field_bytes,
            at,
        }
    }

    pub(super) fn push_text(&mut self, text: &str, at: Position) -> Result<(), ImportError> {
        if self.text.len() + text.len() > self.limits.max_field_bytes {
            return Err(self.field_too_large(at));
        }
        self.text.push_str(text);
        Ok(())
    }

    fn header_once(&mut self) -> Result<Option<Entry>, ImportError> {
        if self.header_sent {
            return Ok(None);
        }
        if self.header.wxr_version.is_empty() {
            return Err(ImportError::NotWxr {
                reason: "it has no <wp:wxr_version> before its first entry".into(),
            });
        }
        self.header_sent = true;
        Ok(Some(Entry::Header(self.header.clone())))
    }

    pub(super) fn start(
        &mut self,
        tag: Tag,
        category_attrs: (String, String),
        at: Position,
    ) -> Result<Option<Entry>, ImportError> {
        self.text.clear();
        if !self.saw_root {
            if !tag.is(Ns::None, "rss") {
                return Err(ImportError::NotWxr {
                    reason: format!("its root element is <{}>, not <rss>", tag.qname),
                });
            }
            self.saw_root = true;
        }
        if self.stack.len() >= MAX_DEPTH {
            return Err(malformed(
                format!("elements are nested more than {MAX_DEPTH} deep"),
                at,
            ));
        }
        let in_channel = self.stack.len() == 2 && self.stack[1].is(Ns::None, "channel");
        let mut found = None;
        if in_channel {
            let open = match (tag.ns, tag.local.as_str()) {
                (Ns::Wp, "author") => Some(Open::Author(AuthorFields::default())),
                (Ns::Wp, "category") => Some(Open::Term(TermKind::Category, TermFields::default())),
                (Ns::Wp, "tag") => Some(Open::Term(TermKind::Tag, TermFields::default())),
                (Ns::Wp, "term") => Some(Open::Term(TermKind::Tag, TermFields::default())),
                (Ns::Folio, "redirect") => Some(Open::Redirect(RedirectFields::default())),
                (Ns::None, "item") => {
                    self.items += 1;
                    if self.items > self.limits.max_items {
                        return Err(ImportError::TooManyItems {
                            limit: self.limits.max_items,
                        });
                    }
                    Some(Open::Item(Box::new(ItemFields {
                        start: Some(at),
                        ..Default::default()
                    })))
                }
                _ => None,
            };
            if let Some(open) = open {
                found = self.header_once()?;
                self.open = open;
                self.open_depth = self.stack.len() + 1;
            }
        }
        if tag.is(Ns::None, "category") {
            self.category_attrs = category_attrs;
        }
        self.stack.push(tag);
        Ok(found)
    }

    pub(super) fn end(&mut self, at: Position) -> Result<Option<Entry>, ImportError> {
        let Some(tag) = self.stack.pop() else {
            return Err(malformed("a closing tag with no opening tag".into(), at));
        };
        let text = std::mem::take(&mut self.text);
        let depth = self.stack.len();
        if depth + 1 == self.open_depth {
            let open = std::mem::replace(&mut self.open, Open::Nothing);
            self.open_depth = 0;
            return match open {
                Open::Nothing => Ok(None),
                Open::Author(a) => Ok(Some(self.finish_author(a))),
                Open::Redirect(r) => self.finish_redirect(r, at),
                Open::Term(kind, t) => Ok(self.finish_term(kind, t)),
                Open::Item(i) => self.finish_item(*i),
            };
        }
        let parent = self.stack.last();
        let direct = depth == self.open_depth;
        match &mut self.open {
            Open::Nothing if depth == 2 && parent.is_some_and(|p| p.is(Ns::None, "channel")) => {
                let h = &mut self.header;
                match (tag.ns, tag.local.as_str()) {
                    (Ns::Wp, "wxr_version") => {
                        if !text.trim().starts_with("1.") {
                            return Err(ImportError::NotWxr {
                                reason: format!(
                                    "WXR version {:?} is not one this reads (1.0 to 1.2)",
                                    text.trim()
                                ),
                            });
                        }
                        h.wxr_version = text.trim().to_owned();
                    }
                    (Ns::None, "title") => h.site_title = text,
                    (Ns::None, "link") => h.site_url = text.trim().to_owned(),
                    (Ns::Wp, "base_site_url") => h.base_site_url = text.trim().to_owned(),
                    (Ns::Folio, "version") => h.folio_version = Some(text.trim().to_owned()),
                    _ => {}
                }
            }
            Open::Author(a) if direct && tag.ns == Ns::Wp => match tag.local.as_str() {
                "author_id" => a.id = text.trim().to_owned(),
                "author_login" => a.login = text,
                "author_email" => a.email = text,
                "author_display_name" => a.display_name = text,
                _ => {}
            },
            Open::Redirect(r) if direct && tag.ns == Ns::Folio => match tag.local.as_str() {
                "from" => r.from = text.trim().to_owned(),
                "to_item" => r.to_item = text.trim().to_owned(),
                "to_url" => r.to_url = text.trim().to_owned(),
                _ => {}
            },
            Open::Term(_, t) if direct && tag.ns == Ns::Wp => match tag.local.as_str() {
                "category_nicename" | "tag_slug" | "term_slug" => t.slug = text,
                "cat_name" | "tag_name" | "term_name" => t.name = text,
                "category_parent" | "term_parent" => t.parent = text,
                "term_taxonomy" => t.taxonomy = text,
                _ => {}
            },
            Open::Item(i) if direct => match (tag.ns, tag.local.as_str()) {
                (Ns::None, "title") => i.title = text,
                (Ns::None, "link") => i.link = text.trim().to_owned(),
                (Ns::None, "guid") => i.guid = text.trim().to_owned(),
                (Ns::Dc, "creator") => i.creator = text,
                (Ns::Content, "encoded") => i.content = text,
                (Ns::Excerpt, "encoded") => i.excerpt = text,
                (Ns::None, "category") => {
                    let (domain, nicename) = std::mem::take(&mut self.category_attrs);
                    i.categories.push((domain, nicename, text));
                }
                (Ns::Wp, "post_id") => i.post_id = text.trim().to_owned(),
                (Ns::Wp, "post_date") => i.post_date = text,
                (Ns::Wp, "post_date_gmt") => i.post_date_gmt = text,
                (Ns::Wp, "post_modified_gmt") => i.modified_gmt = text,
                (Ns::Wp, "post_name") => i.post_name = text,
                (Ns::Wp, "status") => i.status = text.trim().to_owned(),
                (Ns::Wp, "post_parent") => i.post_parent = text.trim().to_owned(),
                (Ns::Wp, "post_type") => i.post_type = text.trim().to_owned(),
                (Ns::Wp, "attachment_url") => i.attachment_url = text.trim().to_owned(),
                (Ns::Wp, "post_password") => i.has_password = !text.is_empty(),
                (Ns::Wp, "comment") => i.comments += 1,
                (Ns::Wp, "postmeta") => {
                    let key = std::mem::take(&mut i.meta_key);
                    let value = std::mem::take(&mut i.meta_value);
                    if KEPT_META.contains(&key.as_str()) {
                        i.meta.push((key, value));
                    }
                }
                _ => {}
            },
            Open::Item(i)
                if depth == self.open_depth + 1
                    && tag.ns == Ns::Wp
                    && parent.is_some_and(|p| p.is(Ns::Wp, "postmeta")) =>
            {
                match tag.local.as_str() {
                    "meta_key" => i.meta_key = text,
                    "meta_value" => i.meta_value = text,
                    _ => {}
                }
            }
            _ => {}
        }
        Ok(None)
    }

    pub(super) fn eof(&mut self, at: Position) -> Result<Option<Entry>, ImportError> {
        if let Some(open) = self.stack.last() {
            return Err(malformed(
                format!("the file ends inside <{}>", open.qname),
                at,
            ));
        }
        if !self.saw_root {
            return Err(ImportError::NotWxr {
                reason: "it holds no XML elements".into(),
            });
        }
        self.header_once()
    }

    fn finish_author(&mut self, a: AuthorFields) -> Entry {
        self.report.authors += 1;
        Entry::Author(Author {
            source_id: a.id,
            login: a.login,
            email: a.email,
            display_name: a.display_name,
        })
    }

    fn finish_redirect(
        &mut self,
        r: RedirectFields,
        at: Position,
    ) -> Result<Option<Entry>, ImportError> {
        let to = match (r.to_item.is_empty(), r.to_url.is_empty()) {
            (false, true) => RedirectTo::Item(r.to_item),
            (true, false) => RedirectTo::Url(r.to_url),
            _ => {
                return Err(malformed(
                    "a <folio:redirect> names neither or both of <folio:to_item> and <folio:to_url>"
                        .into(),
                    at,
                ));
            }
        };
        if r.from.is_empty() {
            return Err(malformed(
                "a <folio:redirect> has no <folio:from>".into(),
                at,
            ));
        }
        self.report.redirects += 1;
        Ok(Some(Entry::Redirect(Redirect { from: r.from, to })))
    }

    fn finish_term(&mut self, kind: TermKind, t: TermFields) -> Option<Entry> {
        // <wp:term> carries every other taxonomy (nav menus, post formats):
        // only categories and tags have a place in Folio.
        let kind = match (kind, t.taxonomy.as_str()) {
            (_, "") => kind,
            (_, "category") => TermKind::Category,
            (_, "post_tag") => TermKind::Tag,
            (_, other) => {
                self.report.skip(&format!("term:{other}"));
                return None;
            }
        };
        self.report.terms += 1;
        Some(Entry::Term(Term {
            kind,
            slug: decode_slug(&t.slug).0,
            name: t.name,
            parent: Some(decode_slug(&t.parent).0).filter(|p| !p.is_empty()),
        }))
    }

    fn finish_item(&mut self, f: ItemFields) -> Result<Option<Entry>, ImportError> {
        let at = f.start.unwrap_or(Position { line: 0, byte: 0 });
        let id: u64 = f.post_id.parse().map_err(|_| ImportError::NotANumber {
            field: "wp:post_id".into(),
            value: f.post_id.clone(),
            at,
        })?;
        if !self.seen_ids.insert(id) {
            return Err(ImportError::DuplicateId {
                id: id.to_string(),
                at,
            });
        }
        let meta = |key: &str| {
            f.meta
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.as_str())
        };
        let kind = match f.post_type.as_str() {
            "attachment" => {
                let relative_path = match meta("_wp_attached_file") {
                    Some(path) if !is_safe_relative_path(path) => {
                        return Err(ImportError::UnsafePath {
                            id: id.to_string(),
                            path: path.to_owned(),
                            at,
                        });
                    }
                    path => path.map(str::to_owned),
                };
                self.report.attachments += 1;
                return Ok(Some(Entry::Attachment(Attachment {
                    source_id: id.to_string(),
                    url: f.attachment_url,
                    relative_path,
                    alt: meta("_wp_attachment_image_alt").unwrap_or("").to_owned(),
                    title: f.title,
                    caption: f.excerpt,
                    parent: parent_id(&f.post_parent),
                })));
            }
            "post" => ItemKind::Post,
            "page" => ItemKind::Page,
            other => {
                self.report
                    .skip(if other.is_empty() { "no type" } else { other });
                return Ok(None);
            }
        };
        let mut warnings = Vec::new();
        let status = match f.status.as_str() {
            "publish" => ItemStatus::Published,
            "future" => ItemStatus::Scheduled,
            "draft" | "pending" => ItemStatus::Draft,
            "private" => {
                warnings.push("was private; imported as a draft".to_owned());
                ItemStatus::Draft
            }
            skipped @ ("trash" | "auto-draft" | "inherit") => {
                self.report.skip(skipped);
                return Ok(None);
            }
            other => {
                warnings.push(format!(
                    "has the unknown status {other:?}; imported as a draft"
                ));
                ItemStatus::Draft
            }
        };
        // Folio has no password-protected posts: publishing one would show
        // what its author hid.
        let status = if f.has_password && status != ItemStatus::Draft {
            warnings.push("was password-protected; imported as a draft".to_owned());
            ItemStatus::Draft
        } else {
            status
        };
        let date_gmt = match parse_wp_date(&f.post_date_gmt) {
            Some(date) => Some(date),
            None => {
                let local = parse_wp_date(&f.post_date);
                // Folio writes drafts so (its time is UTC); WordPress's
                // own files mean the site's local time.
                if local.is_some() && self.header.folio_version.is_none() {
                    warnings.push(format!(
                        "has no GMT date; its local date {} was read as UTC",
                        f.post_date.trim()
                    ));
                }
                local
            }
        };
        let (slug, slug_ok) = decode_slug(&f.post_name);
        if !slug_ok {
            warnings.push(format!(
                "its slug {:?} is not valid percent-encoded UTF-8; kept as written",
                f.post_name
            ));
        }
        let mut tags: Vec<String> = Vec::new();
        for (domain, nicename, name) in &f.categories {
            match domain.as_str() {
                // WordPress files every post without a category here; it
                // says nothing about the post.
                "category" if nicename == "uncategorized" => {}
                "category" | "post_tag" => {
                    if !tags.contains(name) {
                        tags.push(name.clone());
                    }
                }
                "post_format" => {}
                other => warnings.push(format!(
                    "its term {name:?} in the taxonomy {other:?} was left out"
                )),
            }
        }
        // A Folio export carries the Markdown itself: converting its HTML
        // back would only lose what the writer wrote.
        // Only while the HTML is the one it was exported with: a post
        // edited in WordPress and exported again carries its old Markdown.
        let markdown = meta("_folio_markdown").filter(|_| {
            meta("_folio_content_sha256").is_some_and(|hash| {
                hash.trim() == hex::encode(Sha256::digest(f.content.as_bytes()))
            })
        });
        let converted = match markdown {
            _ if !self.convert => Default::default(),
            Some(markdown) => folio_markdown(markdown, self.media),
            None => to_markdown(&f.content, self.media),
        };
        warnings.extend(converted.warnings);
        let item = Item {
            source_id: id.to_string(),
            kind,
            title: f.title,
            slug,
            link: f.link,
            guid: f.guid,
            date_gmt,
            modified_gmt: parse_wp_date(&f.modified_gmt),
            status,
            author_login: Some(f.creator).filter(|c| !c.is_empty()),
            excerpt: f.excerpt,
            html: f.content,
            markdown: converted.markdown,
            tags,
            feature_image: meta("_thumbnail_id")
                .map(str::trim)
                .filter(|id| !id.is_empty())
                .map(|id| FeatureImage::Attachment(id.to_owned())),
            feature_image_alt: None,
            meta_title: None,
            meta_description: None,
            old_slugs: f
                .meta
                .iter()
                .filter(|(k, _)| k == "_wp_old_slug")
                .map(|(_, v)| decode_slug(v).0)
                .collect(),
            comment_count: f.comments,
            warnings,
        };
        self.report.record_item(&item);
        Ok(Some(Entry::Item(Box::new(item))))
    }
}
