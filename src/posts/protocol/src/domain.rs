//! Parsed post values: ids, titles, slugs, tags, kinds and statuses; and the word
//! count a reading time is computed from.

use serde::{Deserialize, Serialize};

folio_seam::id_newtype! {
    /// A post or page. Made time-ordered (UUIDv7) by the posts concern.
    pub struct PostId;
}

folio_seam::string_newtype! {
    /// A URL slug: lowercase ASCII letters, digits and single hyphens, 1 to 120
    /// characters, not one of the site's own paths.
    pub struct Slug;
}

/// Paths the site itself answers: a post there would be unreachable.
const RESERVED: &[&str] = &[
    "admin",
    "api",
    "author",
    "feed",
    "healthz",
    "media",
    "metrics",
    "page",
    "readyz",
    "robots-txt",
    "rss",
    "setup",
    "sitemap",
    "static",
    "tag",
];

impl Slug {
    pub const MAX: usize = 120;

    pub fn parse(raw: &str) -> Result<Self, String> {
        let valid = !raw.is_empty()
            && raw.len() <= Self::MAX
            && raw
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !raw.starts_with('-')
            && !raw.ends_with('-')
            && !raw.contains("--");
        if !valid {
            return Err(format!(
                "{raw:?} is not a slug: use 1 to {} lowercase letters, digits and single hyphens",
                Self::MAX
            ));
        }
        if RESERVED.contains(&raw) {
            return Err(format!(
                "{raw:?} is used by the site itself; choose another slug"
            ));
        }
        Ok(Self(raw.to_owned()))
    }

    /// A slug made from any text: ASCII letters and digits kept, the rest
    /// becoming hyphens (accents and other scripts are dropped).
    pub fn derive(text: &str) -> Self {
        // "Café" is cafe, not caf; "Ærø" is aero; other scripts are spelt in
        // Latin letters, as WordPress's and Ghost's slugs are.
        let text = deunicode::deunicode(text);
        let mut slug = String::new();
        for c in text.to_lowercase().chars() {
            if c.is_ascii_alphanumeric() {
                slug.push(c);
            } else if !slug.is_empty() && !slug.ends_with('-') {
                slug.push('-');
            }
        }
        let mut slug: String = slug.chars().take(Self::MAX - 8).collect();
        while slug.ends_with('-') {
            slug.pop();
        }
        if slug.is_empty() || RESERVED.contains(&slug.as_str()) {
            slug = format!("post-{slug}").trim_end_matches('-').to_owned();
        }
        Self(slug)
    }

    /// `slug-2`, `slug-3`, … for when the slug is taken.
    pub fn numbered(&self, n: u32) -> Self {
        Self(format!("{}-{n}", self.0))
    }
}

folio_seam::string_newtype! {
    /// A post title: 1 to 300 characters, trimmed.
    pub struct Title;
}

impl Title {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let title = raw.trim();
        if title.is_empty() {
            return Err("the title is empty".into());
        }
        if title.chars().count() > 300 || title.chars().any(char::is_control) {
            return Err(
                "the title must be at most 300 characters, without control characters".into(),
            );
        }
        Ok(Self(title.to_owned()))
    }
}

folio_seam::string_newtype! {
    /// A tag as written: 1 to 80 characters; its slug is derived.
    pub struct TagName;
}

impl TagName {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let name = raw.trim();
        if name.is_empty() || name.chars().count() > 80 || name.chars().any(char::is_control) {
            return Err(format!("{raw:?} is not a tag: use 1 to 80 characters"));
        }
        Ok(Self(name.to_owned()))
    }

    pub fn slug(&self) -> Slug {
        Slug::derive(&self.0)
    }
}

/// A post's tags as given: at most [`TagList::MAX`]. Without a bound one
/// request could ask for tens of thousands, more than one statement can carry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(try_from = "Vec<TagName>", into = "Vec<TagName>")]
pub struct TagList(Vec<TagName>);

impl TagList {
    pub const MAX: usize = 100;

    pub fn parse(names: Vec<TagName>) -> Result<Self, String> {
        if names.len() > Self::MAX {
            return Err(format!(
                "a post has at most {} tags, not {}",
                Self::MAX,
                names.len()
            ));
        }
        Ok(Self(names))
    }

    /// The first [`TagList::MAX`] of `names`: for tags read back from the
    /// store, which never held more.
    pub fn first(mut names: Vec<TagName>) -> Self {
        names.truncate(Self::MAX);
        Self(names)
    }

    pub fn as_slice(&self) -> &[TagName] {
        &self.0
    }
}

impl TryFrom<Vec<TagName>> for TagList {
    type Error = String;

    fn try_from(names: Vec<TagName>) -> Result<Self, String> {
        Self::parse(names)
    }
}

impl From<TagList> for Vec<TagName> {
    fn from(list: TagList) -> Self {
        list.0
    }
}

folio_seam::string_newtype! {
    /// An excerpt as given: at most 1000 characters.
    pub struct Excerpt;
}

impl Excerpt {
    pub fn parse(raw: &str) -> Result<Self, String> {
        if raw.chars().count() > 1000 {
            return Err("the excerpt must be at most 1000 characters".into());
        }
        Ok(Self(raw.trim().to_owned()))
    }
}

/// Words in a Markdown source, for a reading time: what whitespace separates.
/// The posts migration that backfilled `posts.words` counts the same way.
pub fn word_count(markdown: &str) -> u32 {
    u32::try_from(markdown.split_whitespace().count()).unwrap_or(u32::MAX)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum PostKind {
    #[default]
    Post,
    /// An About or Contact page: at its slug, but not in lists or feeds.
    Page,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum PostStatus {
    #[default]
    Draft,
    Scheduled,
    Published,
}

impl PostKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PostKind::Post => "post",
            PostKind::Page => "page",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "post" => Some(PostKind::Post),
            "page" => Some(PostKind::Page),
            _ => None,
        }
    }
}

impl PostStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            PostStatus::Draft => "draft",
            PostStatus::Scheduled => "scheduled",
            PostStatus::Published => "published",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "draft" => Some(PostStatus::Draft),
            "scheduled" => Some(PostStatus::Scheduled),
            "published" => Some(PostStatus::Published),
            _ => None,
        }
    }
}

/// Where an imported post came from: its site and its id there, such as
/// `wordpress:https://example.com/#123`. What makes a second import of the
/// same file create nothing.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ImportSource(String);

impl ImportSource {
    pub const MAX: usize = 400;

    pub fn parse(raw: &str) -> Result<Self, String> {
        if raw.is_empty() || raw.len() > Self::MAX || raw.chars().any(char::is_control) {
            return Err(format!(
                "an import source is 1 to {} characters with no control characters",
                Self::MAX
            ));
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for ImportSource {
    type Error = String;

    fn try_from(raw: String) -> Result<Self, String> {
        Self::parse(&raw)
    }
}

impl From<ImportSource> for String {
    fn from(source: ImportSource) -> String {
        source.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_derived_slug_spells_letters_of_any_script_in_latin() {
        assert_eq!(Slug::derive("Café classic").as_str(), "cafe-classic");
        assert_eq!(
            Slug::derive("Ærøskøbing by bike").as_str(),
            "aeroskobing-by-bike"
        );
        assert_eq!(Slug::derive("  Hello, World!  ").as_str(), "hello-world");
        assert_eq!(Slug::derive("¿?").as_str(), "post");
        assert_eq!(Slug::derive("admin").as_str(), "post-admin");
    }
}
