//! Ghost's JSON export (Ghost 4 and 5, `{"db":[{"meta":…,"data":…}]}`) read
//! into the same model as WordPress's. JSON cannot be streamed sensibly, so
//! the whole file is bounded instead; posts stored only as mobiledoc or
//! lexical are rendered through their cards and sections.

mod cards;
mod lexical;
mod mobiledoc;

use std::collections::{HashMap, HashSet};
use std::io::Read;

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Deserializer};
use serde_json::Value;

use cards::Block;

use crate::content::{MediaLookup, NoMedia, html_to_markdown};
use crate::error::{ImportError, Position};
use crate::model::{
    Author, Export, FeatureImage, Item, ItemKind, ItemStatus, Limits, Report, Term, TermKind,
};

/// Reads a Ghost export from `input`, refusing it whole if it is larger than
/// `limits.max_file_bytes`.
pub fn read<R: Read>(
    input: R,
    limits: Limits,
    media: &dyn MediaLookup,
) -> Result<Export, ImportError> {
    let mut bytes = Vec::new();
    input
        .take(limits.max_file_bytes.saturating_add(1))
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limits.max_file_bytes {
        return Err(ImportError::FileTooLarge {
            size: bytes.len() as u64,
            limit: limits.max_file_bytes,
        });
    }
    read_slice(&bytes, limits, media)
}

/// Validates a whole Ghost export and counts what it holds, keeping nothing:
/// the first pass a caller makes before writing anything.
pub fn check<R: Read>(input: R, limits: Limits) -> Result<Report, ImportError> {
    read(input, limits, &NoMedia).map(|export| export.report)
}

/// Reads a Ghost export already in memory.
pub fn read_slice(
    bytes: &[u8],
    limits: Limits,
    media: &dyn MediaLookup,
) -> Result<Export, ImportError> {
    if bytes.len() as u64 > limits.max_file_bytes {
        return Err(ImportError::FileTooLarge {
            size: bytes.len() as u64,
            limit: limits.max_file_bytes,
        });
    }
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let valid = &bytes[..e.valid_up_to()];
        ImportError::InvalidUtf8 {
            at: Position {
                line: valid.iter().filter(|&&b| b == b'\n').count() as u64 + 1,
                byte: e.valid_up_to() as u64,
            },
        }
    })?;
    let root: Root = serde_json::from_str(text).map_err(|e| ImportError::Json {
        reason: e.to_string(),
        line: e.line(),
        column: e.column(),
    })?;
    let (meta, data) = match root {
        Root {
            db: Some(mut db), ..
        } if !db.is_empty() => {
            let first = db.swap_remove(0);
            (first.meta, first.data)
        }
        Root {
            meta: Some(meta),
            data: Some(data),
            ..
        } => (meta, data),
        _ => {
            return Err(ImportError::NotGhost {
                reason: "it has neither `db[0].meta`/`db[0].data` nor `meta`/`data`".into(),
            });
        }
    };
    let major = meta.version.split('.').next().unwrap_or("");
    if !matches!(major, "4" | "5" | "6") {
        return Err(ImportError::NotGhost {
            reason: format!(
                "its version {:?} is not one this reads (Ghost 4 or 5)",
                meta.version
            ),
        });
    }
    Converter {
        limits,
        media,
        data,
    }
    .convert()
}

#[derive(Deserialize)]
struct Root {
    db: Option<Vec<Db>>,
    meta: Option<Meta>,
    data: Option<Data>,
}

#[derive(Deserialize)]
struct Db {
    meta: Meta,
    data: Data,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Meta {
    version: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Data {
    posts: Vec<Post>,
    tags: Vec<Tag>,
    users: Vec<User>,
    posts_tags: Vec<PostTag>,
    posts_authors: Vec<PostAuthor>,
    posts_meta: Vec<PostMeta>,
    settings: Vec<Setting>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Setting {
    key: String,
    value: Value,
}

/// Ghost's ids are hex strings; very old exports had numbers.
fn id<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::String(s) => s,
        Value::Null => String::new(),
        other => other.to_string(),
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Post {
    #[serde(deserialize_with = "id")]
    id: String,
    uuid: Option<String>,
    title: Option<String>,
    slug: String,
    html: Option<String>,
    mobiledoc: Option<String>,
    lexical: Option<String>,
    feature_image: Option<String>,
    feature_image_alt: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    /// Ghost before 4 said `page: true` instead of `type`.
    page: Option<bool>,
    status: String,
    published_at: Option<String>,
    updated_at: Option<String>,
    custom_excerpt: Option<String>,
    visibility: Option<String>,
    codeinjection_head: Option<String>,
    codeinjection_foot: Option<String>,
    meta_title: Option<String>,
    meta_description: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Tag {
    #[serde(deserialize_with = "id")]
    id: String,
    name: String,
    slug: String,
    #[serde(deserialize_with = "id")]
    parent_id: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct User {
    #[serde(deserialize_with = "id")]
    id: String,
    name: String,
    slug: String,
    email: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PostTag {
    #[serde(deserialize_with = "id")]
    post_id: String,
    #[serde(deserialize_with = "id")]
    tag_id: String,
    sort_order: i64,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PostAuthor {
    #[serde(deserialize_with = "id")]
    post_id: String,
    #[serde(deserialize_with = "id")]
    author_id: String,
    sort_order: i64,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PostMeta {
    #[serde(deserialize_with = "id")]
    post_id: String,
    meta_title: Option<String>,
    meta_description: Option<String>,
    feature_image_alt: Option<String>,
}

struct Converter<'m> {
    limits: Limits,
    media: &'m dyn MediaLookup,
    data: Data,
}

fn unique<'a>(table: &str, ids: impl Iterator<Item = &'a str>) -> Result<(), ImportError> {
    let mut seen = HashSet::new();
    for id in ids {
        if !seen.insert(id) {
            return Err(ImportError::GhostDuplicateId {
                table: table.into(),
                id: id.into(),
            });
        }
    }
    Ok(())
}

impl Converter<'_> {
    fn convert(self) -> Result<Export, ImportError> {
        let data = &self.data;
        if data.posts.len() > self.limits.max_items {
            return Err(ImportError::TooManyItems {
                limit: self.limits.max_items,
            });
        }
        unique("posts", data.posts.iter().map(|p| p.id.as_str()))?;
        unique("tags", data.tags.iter().map(|t| t.id.as_str()))?;
        unique("users", data.users.iter().map(|u| u.id.as_str()))?;

        let mut export = Export {
            site_title: data
                .settings
                .iter()
                .find(|s| s.key == "title")
                .and_then(|s| s.value.as_str())
                .unwrap_or("")
                .to_owned(),
            ..Export::default()
        };
        let tags: HashMap<&str, &Tag> = data.tags.iter().map(|t| (t.id.as_str(), t)).collect();
        let users: HashMap<&str, &User> = data.users.iter().map(|u| (u.id.as_str(), u)).collect();
        let metas: HashMap<&str, &PostMeta> = data
            .posts_meta
            .iter()
            .map(|m| (m.post_id.as_str(), m))
            .collect();

        for user in &data.users {
            export.report.authors += 1;
            export.authors.push(Author {
                source_id: user.id.clone(),
                login: user.slug.clone(),
                email: user.email.clone(),
                display_name: user.name.clone(),
            });
        }
        for tag in &data.tags {
            // `#tags` are Ghost's internal tags, for theming, never shown.
            if tag.name.starts_with('#') {
                export.report.skip("internal tag");
                continue;
            }
            export.report.terms += 1;
            export.terms.push(Term {
                kind: TermKind::Tag,
                slug: tag.slug.clone(),
                name: tag.name.clone(),
                parent: tags.get(tag.parent_id.as_str()).map(|p| p.slug.clone()),
            });
        }

        let mut post_tags: HashMap<&str, Vec<&PostTag>> = HashMap::new();
        for pt in &data.posts_tags {
            post_tags.entry(pt.post_id.as_str()).or_default().push(pt);
        }
        let mut post_authors: HashMap<&str, Vec<&PostAuthor>> = HashMap::new();
        for pa in &data.posts_authors {
            post_authors
                .entry(pa.post_id.as_str())
                .or_default()
                .push(pa);
        }

        for post in &data.posts {
            let kind = match (post.kind.as_deref(), post.page) {
                (Some("post"), _) | (None, Some(false) | None) => ItemKind::Post,
                (Some("page"), _) | (None, Some(true)) => ItemKind::Page,
                (Some(other), _) => {
                    export.report.skip(other);
                    continue;
                }
            };
            let mut warnings = Vec::new();
            let status = match post.status.as_str() {
                "published" => ItemStatus::Published,
                "scheduled" => ItemStatus::Scheduled,
                "draft" => ItemStatus::Draft,
                other => {
                    warnings.push(format!(
                        "has the status {other:?} (e.g. an email-only post); imported as a draft"
                    ));
                    ItemStatus::Draft
                }
            };
            // Folio has no members: a members-only post imported as is
            // would be shown to everyone.
            let status = match post.visibility.as_deref() {
                Some("public") | None => status,
                Some(other) => {
                    warnings.push(format!(
                        "was visible to {other:?} only; Folio has no members, so it was \
                         imported as a draft"
                    ));
                    ItemStatus::Draft
                }
            };
            for (field, value) in [
                ("head", &post.codeinjection_head),
                ("foot", &post.codeinjection_foot),
            ] {
                if value.as_deref().is_some_and(|v| !v.trim().is_empty()) {
                    warnings.push(format!("its code injection ({field}) was left out"));
                }
            }
            let (html, markdown) = self.content(post, &mut warnings)?;

            let mut tag_links = post_tags.remove(post.id.as_str()).unwrap_or_default();
            tag_links.sort_by_key(|pt| pt.sort_order);
            let post_tag_names = tag_links
                .iter()
                .filter_map(|pt| tags.get(pt.tag_id.as_str()))
                .filter(|t| !t.name.starts_with('#'))
                .map(|t| t.name.clone())
                .collect();
            let mut author_links = post_authors.remove(post.id.as_str()).unwrap_or_default();
            author_links.sort_by_key(|pa| pa.sort_order);
            if author_links.len() > 1 {
                warnings.push(format!(
                    "has {} authors; only the first is kept",
                    author_links.len()
                ));
            }
            let author_login = author_links
                .first()
                .and_then(|pa| users.get(pa.author_id.as_str()))
                .map(|u| u.slug.clone());
            let meta = metas.get(post.id.as_str());
            let pick = |own: &Option<String>, from_meta: Option<&Option<String>>| {
                from_meta
                    .and_then(|m| m.clone())
                    .or_else(|| own.clone())
                    .filter(|s| !s.is_empty())
            };
            let item = Item {
                source_id: post.id.clone(),
                kind,
                title: post.title.clone().unwrap_or_default(),
                slug: post.slug.clone(),
                // Ghost's exports carry no URLs; `/slug/` is its default
                // permalink, which the applier can prefix with the old host.
                link: format!("/{}/", post.slug),
                guid: post.uuid.clone().unwrap_or_default(),
                date_gmt: post.published_at.as_deref().and_then(parse_date),
                modified_gmt: post.updated_at.as_deref().and_then(parse_date),
                status,
                author_login,
                excerpt: post.custom_excerpt.clone().unwrap_or_default(),
                html,
                markdown,
                tags: post_tag_names,
                feature_image: post
                    .feature_image
                    .clone()
                    .filter(|u| !u.is_empty())
                    .map(FeatureImage::Url),
                feature_image_alt: pick(
                    &post.feature_image_alt,
                    meta.map(|m| &m.feature_image_alt),
                ),
                meta_title: pick(&post.meta_title, meta.map(|m| &m.meta_title)),
                meta_description: pick(&post.meta_description, meta.map(|m| &m.meta_description)),
                old_slugs: Vec::new(),
                comment_count: 0,
                warnings,
            };
            export.report.record_item(&item);
            export.items.push(item);
        }
        Ok(export)
    }

    /// The post's HTML (as stored, or rendered from its editor document) and
    /// its Markdown.
    fn content(
        &self,
        post: &Post,
        warnings: &mut Vec<String>,
    ) -> Result<(String, String), ImportError> {
        let limit = self.limits.max_field_bytes;
        for (field, value) in [
            ("html", &post.html),
            ("mobiledoc", &post.mobiledoc),
            ("lexical", &post.lexical),
        ] {
            if value.as_ref().is_some_and(|v| v.len() > limit) {
                return Err(ImportError::GhostFieldTooLarge {
                    post: post.id.clone(),
                    field: field.into(),
                    limit,
                });
            }
        }
        let parse = |field: &str, json: &str| {
            serde_json::from_str::<Value>(json).map_err(|e| ImportError::GhostContent {
                post: post.id.clone(),
                field: field.into(),
                reason: e.to_string(),
            })
        };
        let blocks = match (&post.html, &post.lexical, &post.mobiledoc) {
            (Some(html), _, _) if !html.trim().is_empty() => vec![Block::Html(html.clone())],
            (_, Some(lexical), _) if !lexical.trim().is_empty() => {
                lexical::render(&parse("lexical", lexical)?, warnings)
            }
            (_, _, Some(mobiledoc)) if !mobiledoc.trim().is_empty() => {
                mobiledoc::render(&parse("mobiledoc", mobiledoc)?, warnings)
            }
            _ => Vec::new(),
        };
        let mut html = String::new();
        let mut markdown = Vec::new();
        let mut pending = String::new();
        let flush =
            |pending: &mut String, markdown: &mut Vec<String>, warnings: &mut Vec<String>| {
                if !pending.is_empty() {
                    let converted = html_to_markdown(pending, self.media);
                    warnings.extend(converted.warnings);
                    if !converted.markdown.is_empty() {
                        markdown.push(converted.markdown);
                    }
                    pending.clear();
                }
            };
        for block in blocks {
            match block {
                Block::Html(h) => {
                    html.push_str(&h);
                    pending.push_str(&h);
                }
                Block::Markdown(md) => {
                    flush(&mut pending, &mut markdown, warnings);
                    markdown.push(md.trim().to_owned());
                }
            }
        }
        flush(&mut pending, &mut markdown, warnings);
        Ok((html, markdown.join("\n\n")))
    }
}

fn parse_date(raw: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(raw)
        .map(|d| d.with_timezone(&Utc))
        .ok()
        .or_else(|| {
            NaiveDateTime::parse_from_str(raw, "%Y-%m-%d %H:%M:%S")
                .ok()
                .map(|d| d.and_utc())
        })
}
