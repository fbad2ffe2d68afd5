//! Parsed post values: ids, titles, slugs, tags, kinds and statuses; and the word
//! count a reading time is computed from; redirects' addresses and targets.

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
    "search",
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

folio_seam::string_newtype! {
    /// What a tag is about, shown on its page: at most 500 characters,
    /// trimmed; may be empty; line breaks allowed, no other control characters.
    pub struct TagDescription;
}

impl TagDescription {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let text = raw.trim();
        if text.chars().count() > 500 || text.chars().any(|c| c.is_control() && c != '\n') {
            return Err(
                "a tag's description must be at most 500 characters, without control characters"
                    .into(),
            );
        }
        Ok(Self(text.to_owned()))
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

/// What made a revision: the history list says it, so a writer can tell an
/// autosave from a save they chose, the version that went live, or a restore.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum RevisionKind {
    /// Saved by the editor on its own while the writer typed.
    Autosave,
    /// Saved by hand (also every revision kept before revisions had kinds).
    #[default]
    Saved,
    /// A save that left the post published: what the site showed from then on.
    Published,
    /// An earlier revision brought back.
    Restored,
}

impl RevisionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RevisionKind::Autosave => "autosave",
            RevisionKind::Saved => "saved",
            RevisionKind::Published => "published",
            RevisionKind::Restored => "restored",
        }
    }

    /// An unknown word (written by a later version) reads as a plain save.
    pub fn parse(raw: &str) -> Self {
        match raw {
            "autosave" => RevisionKind::Autosave,
            "published" => RevisionKind::Published,
            "restored" => RevisionKind::Restored,
            _ => RevisionKind::Saved,
        }
    }
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

folio_seam::id_newtype! {
    /// A redirect from an old address, for as long as it exists.
    pub struct RedirectId;
}

folio_seam::string_newtype! {
    /// An address on this site that answers 301 elsewhere, in one canonical
    /// spelling, so that every way a browser or an import writes the same
    /// address finds the same stored redirect: a path, percent-decoded and
    /// encoded again the one way (`/café/` and `/caf%c3%a9` are both
    /// `/caf%C3%A9/`), empty segments dropped, always ending in `/` (as the
    /// site's own URLs do); and optionally a query, its pairs decoded, encoded
    /// again and sorted (`/?p=123`, as old WordPress links are). Never the
    /// site's own paths (`/admin/`, `/api/`, feeds…): those answer by
    /// themselves and a redirect there would never be reached, or would
    /// hijack them.
    pub struct RedirectFrom;
}

/// First path segments the site answers by itself.
const RESERVED_PATHS: &[&str] = &[
    "admin",
    "api",
    "feed.xml",
    "healthz",
    "media",
    "metrics",
    "page",
    "preview",
    "readyz",
    "robots.txt",
    "search",
    "setup",
    "sitemap.xml",
    "static",
    "theme.css",
];

/// Longest "from" address kept: longer than any real permalink.
const MAX_REDIRECT_ADDRESS: usize = 2000;

/// Bytes kept as they are in a canonical path segment: RFC 3986's unreserved
/// characters and the sub-delimiters a path may carry literally.
fn path_byte_kept(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@".contains(&b)
}

/// Bytes kept as they are in a canonical query key or value.
fn query_byte_kept(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-._~".contains(&b)
}

fn percent_encode(text: &str, kept: fn(u8) -> bool) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if kept(b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `raw` with every `%XX` decoded (and `+` as a space, in a query), as text.
fn percent_decode(raw: &str, plus_is_space: bool) -> Result<String, String> {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = bytes
                    .get(i + 1..i + 3)
                    .and_then(|pair| std::str::from_utf8(pair).ok())
                    .and_then(|pair| u8::from_str_radix(pair, 16).ok())
                    .ok_or_else(|| {
                        format!("{raw:?} has a % that is not followed by two hex digits")
                    })?;
                out.push(hex);
                i += 3;
            }
            b'+' if plus_is_space => {
                out.push(b' ');
                i += 1;
            }
            other => {
                out.push(other);
                i += 1;
            }
        }
    }
    let text = String::from_utf8(out)
        .map_err(|_| format!("{raw:?} decodes to bytes that are not UTF-8 text"))?;
    if text.chars().any(char::is_control) {
        return Err(format!("{raw:?} holds control characters"));
    }
    Ok(text)
}

impl RedirectFrom {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err(
                "the address to redirect from is empty: give a path such as /old-post/".into(),
            );
        }
        if raw.len() > MAX_REDIRECT_ADDRESS {
            return Err(format!(
                "the address to redirect from is longer than {MAX_REDIRECT_ADDRESS} characters"
            ));
        }
        if !raw.starts_with('/') || raw.starts_with("//") {
            return Err(format!(
                "{raw:?} is not a path on this site: give it starting with a single / (such as /old-post/ or /?p=123)"
            ));
        }
        if raw.contains('#') {
            return Err(format!(
                "{raw:?} has a #fragment, which browsers never send: leave it out"
            ));
        }
        if raw.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(format!(
                "{raw:?} holds spaces or control characters: percent-encode them"
            ));
        }
        let (path, query) = match raw.split_once('?') {
            Some((path, query)) => (path, query),
            None => (raw, ""),
        };
        // Split before decoding: an encoded `/` (%2F) stays inside its segment.
        let mut segments = Vec::new();
        for segment in path.split('/').filter(|s| !s.is_empty()) {
            let decoded = percent_decode(segment, false)?;
            if decoded == "." || decoded == ".." {
                return Err(format!(
                    "{raw:?} has a . or .. segment: give the path it stands for"
                ));
            }
            segments.push(percent_encode(&decoded, path_byte_kept));
        }
        let mut pairs = Vec::new();
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let key = percent_encode(&percent_decode(key, true)?, query_byte_kept);
            let value = percent_encode(&percent_decode(value, true)?, query_byte_kept);
            if key.is_empty() {
                return Err(format!("{raw:?} has a query pair without a name"));
            }
            pairs.push(format!("{key}={value}"));
        }
        // Order of pairs means nothing to the page they name.
        pairs.sort();
        if let Some(first) = segments.first() {
            let last = segments.last().map_or("", String::as_str);
            if RESERVED_PATHS.contains(&first.as_str())
                || (first.starts_with("sitemap-") && first.ends_with(".xml"))
                || last == "feed.xml"
            {
                return Err(format!(
                    "{raw:?} is one of the site's own addresses; it can't be redirected"
                ));
            }
        } else if pairs.is_empty() {
            return Err("/ is the home page; it can't be redirected".into());
        }
        let mut canonical = String::from("/");
        for segment in &segments {
            canonical.push_str(segment);
            canonical.push('/');
        }
        if !pairs.is_empty() {
            canonical.push('?');
            canonical.push_str(&pairs.join("&"));
        }
        if canonical.len() > MAX_REDIRECT_ADDRESS {
            return Err(format!(
                "the address to redirect from is longer than {MAX_REDIRECT_ADDRESS} characters"
            ));
        }
        Ok(Self(canonical))
    }

    /// The address of the post or page at `slug`.
    pub fn of_slug(slug: &str) -> Result<Self, String> {
        Self::parse(&format!("/{slug}/"))
    }

    /// The same address without its query: what a request with a query
    /// that no redirect names falls back to (`/old/?utm_source=x`).
    pub fn without_query(&self) -> Option<Self> {
        self.0
            .split_once('?')
            .filter(|(path, _)| *path != "/")
            .map(|(path, _)| Self(path.to_owned()))
    }

    /// The slug this address would be a post's at: a single segment, no query.
    pub fn as_slug(&self) -> Option<&str> {
        let inner = self.0.strip_prefix('/')?.strip_suffix('/')?;
        (!inner.is_empty() && !inner.contains('/')).then_some(inner)
    }
}

folio_seam::string_newtype! {
    /// Where a redirect leads, when not to a post: a path on this site
    /// (`/tag/photos/`) or an absolute http(s) URL elsewhere.
    pub struct RedirectUrl;
}

impl RedirectUrl {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let url = raw.trim();
        if url.is_empty() {
            return Err("the address to redirect to is empty".into());
        }
        if url.len() > MAX_REDIRECT_ADDRESS {
            return Err(format!(
                "the address to redirect to is longer than {MAX_REDIRECT_ADDRESS} characters"
            ));
        }
        if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(format!(
                "{url:?} holds spaces or control characters: percent-encode them"
            ));
        }
        let local = url.starts_with('/') && !url.starts_with("//") && !url.starts_with("/\\");
        let absolute = ["http://", "https://"].iter().any(|scheme| {
            url.get(..scheme.len())
                .is_some_and(|start| start.eq_ignore_ascii_case(scheme))
                && url[scheme.len()..]
                    .split(['/', '?', '#'])
                    .next()
                    .is_some_and(|host| !host.is_empty() && !host.contains('\\'))
        });
        if !local && !absolute {
            return Err(format!(
                "{url:?} is neither a path on this site (/new-post/) nor an http(s) address"
            ));
        }
        Ok(Self(url.to_owned()))
    }

    /// The address on this site it names, when it names one a redirect could be from.
    pub fn local(&self) -> Option<RedirectFrom> {
        self.0
            .starts_with('/')
            .then(|| RedirectFrom::parse(&self.0).ok())
            .flatten()
    }
}

/// Where a redirect leads.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RedirectTarget {
    /// A post or page, wherever its slug is now.
    Post(#[schema(inline)] PostId),
    /// A fixed address: a path on this site or an absolute URL.
    Url(RedirectUrl),
}

/// Why a redirect exists.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RedirectOrigin {
    /// Added by an administrator.
    Manual,
    /// Kept when a published post's slug changed: its old address.
    SlugChange,
    /// Kept when a tag was renamed or merged into another: its old address.
    TagChange,
}

impl RedirectOrigin {
    pub fn as_str(self) -> &'static str {
        match self {
            RedirectOrigin::Manual => "manual",
            RedirectOrigin::SlugChange => "slug_change",
            RedirectOrigin::TagChange => "tag_change",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "manual" => Some(RedirectOrigin::Manual),
            "slug_change" => Some(RedirectOrigin::SlugChange),
            "tag_change" => Some(RedirectOrigin::TagChange),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

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

    #[test]
    fn the_search_page_is_no_post_s_address() {
        assert!(Slug::parse("search").is_err());
        assert_eq!(Slug::derive("Search").as_str(), "post-search");
        assert!(Slug::parse("search-tips").is_ok());
    }

    fn canonical(raw: &str) -> String {
        RedirectFrom::parse(raw).unwrap().as_str().to_owned()
    }

    #[test]
    fn every_spelling_of_an_address_has_one_canonical_form() {
        for raw in [
            "/old/path",
            "/old/path/",
            "/old//path",
            "/%6fld/path/",
            " /old/path/ ",
        ] {
            assert_eq!(canonical(raw), "/old/path/", "{raw}");
        }
        assert_eq!(canonical("/café/"), "/caf%C3%A9/");
        assert_eq!(canonical("/caf%c3%a9"), "/caf%C3%A9/");
        // An encoded slash stays inside its segment.
        assert_eq!(canonical("/a%2fb/"), "/a%2Fb/");
        assert_eq!(canonical("/?p=123"), "/?p=123");
        assert_eq!(canonical("?p=1".replace('?', "/?").as_str()), "/?p=1");
        assert_eq!(canonical("/x?b=2&a=1&"), "/x/?a=1&b=2");
        assert_eq!(canonical("/x?q=a+b"), "/x/?q=a%20b");
    }

    #[test]
    fn a_canonical_address_parses_to_itself() {
        for raw in [
            "/caf%C3%A9/",
            "/x/?a=1&b=2",
            "/?p=123",
            "/a%2Fb/",
            "/it's/(1)/",
            "/x/?q=a%20b",
        ] {
            assert_eq!(canonical(raw), raw);
            assert_eq!(canonical(&canonical(raw)), canonical(raw));
        }
    }

    #[test]
    fn the_sites_own_addresses_and_malformed_ones_are_refused() {
        for raw in [
            "",
            "/",
            "old",
            "//host/x",
            "https://x/",
            "/admin/",
            "/api/v1/posts",
            "/media/a",
            "/static/x.css",
            "/feed.xml",
            "/tag/x/feed.xml",
            "/sitemap.xml",
            "/sitemap-2.xml",
            "/search/",
            "/healthz",
            "/page/2/",
            "/a/../b/",
            "/%2e%2e/",
            "/x%zz/",
            "/x%ff/",
            "/a b/",
            "/a#b",
        ] {
            assert!(RedirectFrom::parse(raw).is_err(), "{raw:?} was accepted");
        }
    }

    #[test]
    fn an_address_knows_its_slug_and_its_path_without_the_query() {
        let address = RedirectFrom::parse("/hello/").unwrap();
        assert_eq!(address.as_slug(), Some("hello"));
        assert_eq!(RedirectFrom::parse("/a/b/").unwrap().as_slug(), None);
        let queried = RedirectFrom::parse("/hello/?utm=x").unwrap();
        assert_eq!(queried.as_slug(), None);
        assert_eq!(queried.without_query(), Some(address));
        assert_eq!(RedirectFrom::parse("/?p=1").unwrap().without_query(), None);
    }

    #[test]
    fn a_target_is_a_local_path_or_an_http_address() {
        for good in ["/new/", "/", "https://example.org/x", "HTTP://example.org"] {
            assert!(RedirectUrl::parse(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "new",
            "//evil.example/",
            "/\\evil",
            "javascript:alert(1)",
            "https://",
            "ftp://x/",
        ] {
            assert!(RedirectUrl::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(
            RedirectUrl::parse("/b").unwrap().local().unwrap().as_str(),
            "/b/"
        );
        assert!(RedirectUrl::parse("https://x/").unwrap().local().is_none());
    }
}

folio_seam::string_newtype! {
    /// The secret part of a preview link: 64 lowercase hex digits (256
    /// random bits). Whoever has it may read one post that is not public.
    redacted pub struct PreviewToken;
}

impl PreviewToken {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let well_formed = raw.len() == 64
            && raw
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        if well_formed {
            Ok(Self(raw.to_owned()))
        } else {
            Err("that is not a preview link".into())
        }
    }
}

folio_seam::string_newtype! {
    /// The site's name: 1 to 120 characters, trimmed, on one line.
    pub struct SiteTitle;
}

impl SiteTitle {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let title = raw.trim();
        if title.is_empty() {
            return Err("the site's title is empty".into());
        }
        if title.chars().count() > 120 || title.chars().any(char::is_control) {
            return Err("the site's title must be at most 120 characters, on one line".into());
        }
        Ok(Self(title.to_owned()))
    }
}

folio_seam::string_newtype! {
    /// One line about the site: at most 300 characters, trimmed; may be empty.
    pub struct SiteDescription;
}

impl SiteDescription {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let description = raw.trim();
        if description.chars().count() > 300 || description.chars().any(char::is_control) {
            return Err(
                "the site's description must be at most 300 characters, on one line".into(),
            );
        }
        Ok(Self(description.to_owned()))
    }
}

folio_seam::string_newtype! {
    /// A menu link's words: 1 to 60 characters, trimmed, on one line.
    pub struct MenuLabel;
}

impl MenuLabel {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let label = raw.trim();
        if label.is_empty() || label.chars().count() > 60 || label.chars().any(char::is_control) {
            return Err(format!(
                "{raw:?} is not a menu label: use 1 to 60 characters on one line"
            ));
        }
        Ok(Self(label.to_owned()))
    }
}

folio_seam::string_newtype! {
    /// Where a menu link leads: an address on this site (`/about/`,
    /// `/tag/news/`) or a web address (`https://…`); nothing else (no
    /// `javascript:`, no `//host`), at most 2,000 characters, no spaces.
    pub struct MenuUrl;
}

impl MenuUrl {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let url = raw.trim();
        let refused = || {
            Err(format!(
                "{url:?} is not a menu link: use an address on this site such as /about/, or one starting with https://"
            ))
        };
        if url.is_empty()
            || url.len() > 2000
            || url.chars().any(|c| c.is_whitespace() || c.is_control())
        {
            return refused();
        }
        if let Some(rest) = url.strip_prefix('/') {
            if rest.starts_with('/') || rest.starts_with('\\') {
                return refused();
            }
            return Ok(Self(url.to_owned()));
        }
        let lower = url.to_ascii_lowercase();
        let web = ["https://", "http://"]
            .iter()
            .any(|scheme| lower.starts_with(scheme) && url.len() > scheme.len());
        if web && url::Url::parse(url).is_ok() {
            Ok(Self(url.to_owned()))
        } else {
            refused()
        }
    }

    /// Whether it leads away from this site.
    pub fn is_external(&self) -> bool {
        !self.0.starts_with('/')
    }
}

folio_seam::string_newtype! {
    /// The site's timezone, as the IANA database names it (`Europe/Paris`,
    /// `America/New_York`, `UTC`): dates on pages and in feeds are its local
    /// time, daylight saving included.
    pub struct SiteTimezone;
}

impl SiteTimezone {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let zone: chrono_tz::Tz = raw.trim().parse().map_err(|_| {
            format!("{raw:?} is not a timezone: give an IANA name such as Europe/London or America/New_York")
        })?;
        Ok(Self(zone.name().to_owned()))
    }

    pub fn zone(&self) -> chrono_tz::Tz {
        self.0.parse().unwrap_or(chrono_tz::Tz::UTC)
    }
}

/// How dates read on the site: a fixed choice, never a free pattern (a bad
/// pattern would fail while a page is being written).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DateFormat {
    /// 5 December 2026
    #[default]
    DayMonthYear,
    /// December 5, 2026
    MonthDayYear,
    /// 2026-12-05
    Iso,
}

impl DateFormat {
    /// The date alone, for lists and post headers.
    pub fn date_pattern(self) -> &'static str {
        match self {
            DateFormat::DayMonthYear => "%-d %B %Y",
            DateFormat::MonthDayYear => "%B %-d, %Y",
            DateFormat::Iso => "%Y-%m-%d",
        }
    }
}

folio_seam::string_newtype! {
    /// The language the site is written in, as a BCP 47 tag (`en`, `fr`,
    /// `pt-BR`): the pages' `lang`, the feeds' `<language>`.
    pub struct SiteLanguage;
}

impl SiteLanguage {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let tag = raw.trim();
        let mut parts = tag.split('-');
        let primary_ok = parts.next().is_some_and(|p| {
            (2..=3).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphabetic())
        });
        let rest_ok = parts
            .all(|p| (1..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()));
        if !primary_ok || !rest_ok || tag.len() > 35 {
            return Err(format!(
                "{raw:?} is not a language tag: give one such as en, fr or pt-BR"
            ));
        }
        Ok(Self(tag.to_owned()))
    }
}

/// Posts a listing page (home, tag, author) shows: 1 to 50.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(try_from = "u32", into = "u32")]
pub struct PostsPerPage(u32);

impl PostsPerPage {
    pub const MAX: u32 = 50;

    pub fn get(self) -> u32 {
        self.0
    }
}

impl TryFrom<u32> for PostsPerPage {
    type Error = String;

    fn try_from(n: u32) -> Result<Self, String> {
        if (1..=Self::MAX).contains(&n) {
            Ok(Self(n))
        } else {
            Err(format!(
                "posts per page must be 1 to {}, not {n}",
                Self::MAX
            ))
        }
    }
}

impl From<PostsPerPage> for u32 {
    fn from(n: PostsPerPage) -> u32 {
        n.0
    }
}

folio_seam::string_newtype! {
    /// The theme's accent colour: `#rrggbb`, kept in lower case.
    pub struct AccentColour;
}

impl AccentColour {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let colour = raw.trim();
        let hex = colour.strip_prefix('#').unwrap_or("");
        if hex.len() != 6 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(format!(
                "{raw:?} is not a colour: give one as #rrggbb, such as #1f4fa8"
            ));
        }
        Ok(Self(colour.to_ascii_lowercase()))
    }
}

/// Where the site has an account elsewhere: shown in the footer (with
/// `rel="me"`, which Mastodon checks) and, for X, as the card's `twitter:site`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SocialNetwork {
    Mastodon,
    Bluesky,
    X,
    Instagram,
    Facebook,
    Linkedin,
    Github,
    Youtube,
    Other,
}

impl SocialNetwork {
    pub fn label(self) -> &'static str {
        match self {
            SocialNetwork::Mastodon => "Mastodon",
            SocialNetwork::Bluesky => "Bluesky",
            SocialNetwork::X => "X",
            SocialNetwork::Instagram => "Instagram",
            SocialNetwork::Facebook => "Facebook",
            SocialNetwork::Linkedin => "LinkedIn",
            SocialNetwork::Github => "GitHub",
            SocialNetwork::Youtube => "YouTube",
            SocialNetwork::Other => "Elsewhere",
        }
    }
}

folio_seam::string_newtype! {
    /// A web address elsewhere: `https://` or `http://` with a host, at most
    /// 500 characters, no spaces.
    pub struct WebAddress;
}

impl WebAddress {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let address = raw.trim();
        let lower = address.to_ascii_lowercase();
        let web = lower.starts_with("https://") || lower.starts_with("http://");
        let parsed = url::Url::parse(address).ok();
        if !web
            || address.len() > 500
            || address.chars().any(|c| c.is_whitespace() || c.is_control())
            || parsed
                .as_ref()
                .and_then(url::Url::host_str)
                .is_none_or(str::is_empty)
        {
            return Err(format!(
                "{raw:?} is not a web address: give one starting with https://"
            ));
        }
        Ok(Self(address.to_owned()))
    }
}

folio_seam::string_newtype! {
    /// HTML the owner adds to every public page (an analytics snippet, a
    /// verification tag): at most 64 KiB. Trusted: only administrators and
    /// the owner set it, and pages carry it as it is.
    pub struct InjectedCode;
}

impl InjectedCode {
    pub const MAX_BYTES: usize = 64 * 1024;

    pub fn parse(raw: &str) -> Result<Self, String> {
        if raw.len() > Self::MAX_BYTES {
            return Err(format!(
                "code to add to pages must be at most {} KiB",
                Self::MAX_BYTES / 1024
            ));
        }
        if raw.contains('\0') {
            return Err("code to add to pages must not hold NUL characters".into());
        }
        Ok(Self(raw.trim().to_owned()))
    }
}

folio_seam::string_newtype! {
    /// A picture from the media library the site shows as itself (its logo,
    /// its icon): a medium's id, or empty for none.
    pub struct SiteImage;
}

impl SiteImage {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let id = raw.trim();
        if id.is_empty() {
            return Ok(Self(String::new()));
        }
        let id = uuid::Uuid::parse_str(id)
            .map_err(|_| format!("{raw:?} is not a picture of the media library"))?;
        Ok(Self(id.hyphenated().to_string()))
    }

    /// The medium's id; `None` when no picture is chosen.
    pub fn medium(&self) -> Option<&str> {
        (!self.0.is_empty()).then_some(self.0.as_str())
    }
}

folio_seam::string_newtype! {
    /// A post's title for search results and link previews, when it should
    /// differ from its own: 1 to 300 characters, on one line.
    pub struct MetaTitle;
}

impl MetaTitle {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let title = raw.trim();
        if title.is_empty() || title.chars().count() > 300 || title.chars().any(char::is_control) {
            return Err("a meta title must be 1 to 300 characters, on one line".into());
        }
        Ok(Self(title.to_owned()))
    }
}

folio_seam::string_newtype! {
    /// A post's description for search results and link previews: 1 to 500
    /// characters, on one line.
    pub struct MetaDescription;
}

impl MetaDescription {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let text = raw.trim();
        if text.is_empty() || text.chars().count() > 500 || text.chars().any(char::is_control) {
            return Err("a meta description must be 1 to 500 characters, on one line".into());
        }
        Ok(Self(text.to_owned()))
    }
}
