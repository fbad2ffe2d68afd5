//! `folio export`: the whole site written out so it can leave — a WXR file
//! WordPress's importer takes (Folio's own importer takes it back whole: the
//! Markdown and the redirects ride along in fields WordPress ignores), or a
//! zip archive of that file, one Markdown file per post and page with YAML
//! front matter, and every medium's original. Read through the concerns'
//! clients, the same way whether they run here or elsewhere.

use std::collections::HashMap;
use std::io::{Seek, Write};
use std::path::Path;
use std::sync::LazyLock;
use std::time::Duration;

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use futures::TryStreamExt as _;
use quick_xml::Writer;
use quick_xml::events::{BytesCData, BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use regex::Regex;
use sha2::{Digest, Sha256};
use zip::ZipWriter;
use zip::write::SimpleFileOptions;

use folio_auth_protocol::AuthClient;
use folio_auth_protocol::messages::{ListUsers, UserView};
use folio_gateway::{ExportFormat, ExportRunner};
use folio_import::wordpress::FOLIO_NS;
use folio_media_protocol::MediaClient;
use folio_media_protocol::blobs::Blobs;
use folio_media_protocol::domain::MediumId;
use folio_media_protocol::messages::{ListMedia, Locate, MediumView};
use folio_posts_protocol::PostId;
use folio_posts_protocol::PostsClient;
use folio_posts_protocol::domain::{PostKind, PostStatus, RedirectOrigin, RedirectTarget};
use folio_posts_protocol::messages::{
    IndexDocuments, IndexVersions, ListRedirects, ListTags, PostView, RedirectView, TagView,
};
use folio_runtime::{CallMeta, Principal, Role, SigningKey, UserId};

const CALL_BUDGET: Duration = Duration::from_secs(60);
/// Posts asked for at once (the most posts answers in one batch).
const BATCH: usize = 500;

/// What an export reads with, and as whom.
pub struct Exporter {
    pub auth: AuthClient,
    pub posts: PostsClient,
    pub media: MediaClient,
    pub blobs: Blobs,
    pub key: SigningKey,
    /// The operator (the command line) or the administrator who asked.
    pub principal: Principal,
    pub request_id: String,
    /// Absolute, no trailing slash: links and image URLs in the file.
    pub site_url: String,
    pub site_title: String,
    pub site_description: String,
}

/// What the admin's download (`/api/v1/export`) exports with: the same
/// handles as the gateway's, and the site's own address and names.
pub struct AdminExports {
    pub auth: AuthClient,
    pub posts: PostsClient,
    pub media: MediaClient,
    pub blobs: Blobs,
    pub key: SigningKey,
    pub site_url: String,
    pub site_title: String,
    pub site_description: String,
}

impl ExportRunner for AdminExports {
    fn run(
        &self,
        format: ExportFormat,
        principal: Principal,
        request_id: String,
        file: &Path,
    ) -> Result<String, String> {
        let exporter = Exporter {
            auth: self.auth.clone(),
            posts: self.posts.clone(),
            media: self.media.clone(),
            blobs: self.blobs.clone(),
            key: self.key.clone(),
            principal,
            request_id,
            site_url: self.site_url.clone(),
            site_title: self.site_title.clone(),
            site_description: self.site_description.clone(),
        };
        let mut out = std::fs::OpenOptions::new()
            .write(true)
            .truncate(true)
            .open(file)
            .map_err(|error| format!("cannot write the export: {error}"))?;
        // This thread's own System: the clients only send to the concerns'
        // mailboxes and wait, which works from any thread, and a handle
        // that finds its concern dead respawns it on the current System.
        let exported = actix_web::rt::System::new().block_on(async {
            match format {
                ExportFormat::Wxr => exporter.wxr(std::io::BufWriter::new(&mut out)).await,
                ExportFormat::Zip => exporter.archive(&mut out).await,
            }
        });
        let exported = exported.map_err(|error| format!("{error:#}"))?;
        out.sync_all()
            .map_err(|error| format!("cannot write the export: {error}"))?;
        Ok(exported.to_string())
    }
}

/// What an export wrote, counted.
#[derive(Debug, Default, Clone, serde::Serialize)]
pub struct Exported {
    pub posts: u64,
    pub pages: u64,
    pub media: u64,
    pub authors: u64,
    pub tags: u64,
    pub redirects: u64,
}

impl std::fmt::Display for Exported {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} posts, {} pages, {} media, {} authors, {} tags and {} redirects",
            self.posts, self.pages, self.media, self.authors, self.tags, self.redirects
        )
    }
}

/// Everything but the posts, read first: small, and what the posts refer to.
struct Snapshot {
    people: Vec<UserView>,
    media: Vec<MediumView>,
    tags: Vec<TagView>,
    redirects: Vec<RedirectView>,
    /// Every post and page, in id (creation) order.
    post_ids: Vec<PostId>,
    /// WXR wants numbers: media are 1..=M, posts follow.
    medium_numbers: HashMap<MediumId, u64>,
    post_numbers: HashMap<PostId, u64>,
    people_by_id: HashMap<UserId, usize>,
    /// Each post's former slugs, from the redirects its slug changes left.
    old_slugs: HashMap<PostId, Vec<String>>,
}

impl Snapshot {
    fn medium(&self, id: &str) -> Option<(u64, &MediumView)> {
        let id = MediumId::parse(id).ok()?;
        let n = *self.medium_numbers.get(&id)?;
        let index = usize::try_from(n).ok()?.checked_sub(1)?;
        Some((n, self.media.get(index)?))
    }

    fn person(&self, id: UserId) -> Option<&UserView> {
        self.people_by_id.get(&id).map(|&i| &self.people[i])
    }
}

const UUID: &str = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}";

fn pattern(text: &str) -> Regex {
    // Every pattern is a literal of this module, run by its tests.
    Regex::new(text).unwrap_or_else(|e| panic!("bad pattern {text}: {e}"))
}

/// `media:ID` in a post's Markdown or HTML.
static MEDIA_REF: LazyLock<Regex> = LazyLock::new(|| pattern(&format!("media:({UUID})")));
/// An image of media in rendered HTML.
static IMAGE_SRC: LazyLock<Regex> = LazyLock::new(|| pattern(&format!("src=\"media:({UUID})\"")));
/// The empty link render puts in each heading, to its own id.
static HEADING_LINK: LazyLock<Regex> =
    LazyLock::new(|| pattern(r##"<a href="#user-content-[^"]*"[^>]*></a>"##));

impl Exporter {
    /// On the command line: done as the owner (media answer people only);
    /// a site with no owner yet is read as the operator.
    pub async fn as_owner(mut self) -> anyhow::Result<Self> {
        let people = self.auth.call(ListUsers, self.meta()).await?;
        if let Some(owner) = people.iter().find(|p| p.role == Role::Owner) {
            self.principal = Principal::User {
                id: owner.id,
                role: owner.role,
            };
        }
        Ok(self)
    }

    fn meta(&self) -> CallMeta {
        CallMeta::new(self.request_id.clone(), CALL_BUDGET)
            .with_principal(self.key.sign(&self.principal))
    }

    async fn snapshot(&self) -> anyhow::Result<Snapshot> {
        let people = self.auth.call(ListUsers, self.meta()).await?;
        let mut media: Vec<MediumView> = Vec::new();
        for page in 1.. {
            let found = self
                .media
                .call(
                    ListMedia {
                        owner: None,
                        page,
                        per_page: 100,
                    },
                    self.meta(),
                )
                .await?;
            let done = found.media.is_empty() || u64::from(page) * 100 >= found.total;
            for medium in found.media {
                // A medium uploaded during the export shifts the pages: seen twice, kept once.
                if !media.iter().any(|m| m.id == medium.id) {
                    media.push(medium);
                }
            }
            if done {
                break;
            }
        }
        let tags = self.posts.call(ListTags, self.meta()).await?;
        let mut redirects = Vec::new();
        for page in 1.. {
            let found = self
                .posts
                .call(
                    ListRedirects {
                        page,
                        per_page: 500,
                    },
                    self.meta(),
                )
                .await?;
            let done = found.redirects.is_empty() || u64::from(page) * 500 >= found.total;
            redirects.extend(found.redirects);
            if done {
                break;
            }
        }
        redirects.dedup_by_key(|r| r.id);
        let mut post_ids = Vec::new();
        let mut after = None;
        loop {
            let found = self
                .posts
                .call(
                    IndexVersions {
                        after,
                        limit: 5_000,
                    },
                    self.meta(),
                )
                .await?;
            let Some(last) = found.last() else { break };
            after = Some(last.id);
            post_ids.extend(found.iter().map(|v| v.id));
        }
        let medium_numbers = media.iter().zip(1..).map(|(m, n)| (m.id, n)).collect();
        let first_post = media.len() as u64 + 1;
        let post_numbers = post_ids
            .iter()
            .zip(first_post..)
            .map(|(&id, n)| (id, n))
            .collect();
        let people_by_id = people.iter().enumerate().map(|(i, p)| (p.id, i)).collect();
        let mut old_slugs: HashMap<PostId, Vec<String>> = HashMap::new();
        for redirect in &redirects {
            if let (RedirectOrigin::SlugChange, RedirectTarget::Post(id)) =
                (redirect.origin, &redirect.to)
                && let Some(slug) = redirect
                    .from
                    .as_str()
                    .strip_prefix('/')
                    .and_then(|rest| rest.strip_suffix('/'))
                    .filter(|slug| !slug.contains('/') && !slug.contains('?'))
            {
                old_slugs.entry(*id).or_default().push(slug.to_owned());
            }
        }
        Ok(Snapshot {
            people,
            media,
            tags,
            redirects,
            post_ids,
            medium_numbers,
            post_numbers,
            people_by_id,
            old_slugs,
        })
    }

    /// Every post and page, a batch at a time, in id order.
    async fn for_each_post(
        &self,
        snapshot: &Snapshot,
        mut each: impl FnMut(PostView) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        for ids in snapshot.post_ids.chunks(BATCH) {
            let posts = self
                .posts
                .call(IndexDocuments { ids: ids.to_vec() }, self.meta())
                .await?;
            // Deleted since the snapshot: left out.
            for post in posts {
                each(post)?;
            }
        }
        Ok(())
    }

    /// Writes the site as one WXR 1.2 file.
    pub async fn wxr(&self, out: impl Write) -> anyhow::Result<Exported> {
        let snapshot = self.snapshot().await?;
        self.write_wxr(&snapshot, out).await
    }

    /// Writes the archive: `site.xml` (WXR), `posts/` and `pages/` in
    /// Markdown, and `media/` (the originals the WXR's attachments name).
    pub async fn archive(&self, out: impl Write + Seek) -> anyhow::Result<Exported> {
        let snapshot = self.snapshot().await?;
        let mut zip = ZipWriter::new(out);
        let text = SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .large_file(true);
        zip.start_file("README.txt", text)?;
        zip.write_all(README.as_bytes())?;
        zip.start_file("site.xml", text)?;
        let exported = self.write_wxr(&snapshot, &mut zip).await?;
        let mut names: HashMap<String, u32> = HashMap::new();
        self.for_each_post(&snapshot, |post| {
            let name = markdown_file_name(&post, &mut names);
            zip.start_file(name, text)?;
            zip.write_all(front_matter(&post, &snapshot).as_bytes())?;
            zip.write_all(relative_media(&post.markdown, &snapshot).as_bytes())?;
            zip.write_all(b"\n")?;
            Ok(())
        })
        .await?;
        // Pictures are compressed already.
        let stored = SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored)
            .large_file(true);
        for (medium, n) in snapshot.media.iter().zip(1_u64..) {
            zip.start_file(format!("media/{}", medium_file_name(n, medium)), stored)?;
            self.copy_original(medium, &mut zip)
                .await
                .with_context(|| format!("reading the original of {}", medium.file_name))?;
        }
        zip.finish()?;
        Ok(exported)
    }

    async fn copy_original(&self, medium: &MediumView, out: &mut impl Write) -> anyhow::Result<()> {
        let (version, file) = original_parts(medium).with_context(|| {
            format!(
                "its original URL {} is not one of media's",
                medium.original_url
            )
        })?;
        let located = self
            .media
            .call(
                Locate {
                    id: medium.id,
                    version,
                    file,
                },
                self.meta(),
            )
            .await?;
        let mut body = self.blobs.open(&located.blob, None).await?.body;
        while let Some(chunk) = body.try_next().await? {
            out.write_all(&chunk)?;
        }
        Ok(())
    }

    async fn write_wxr(&self, snapshot: &Snapshot, out: impl Write) -> anyhow::Result<Exported> {
        let mut xml = Xml(Writer::new_with_indent(out, b'\t', 1));
        let mut exported = Exported::default();
        xml.0
            .write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
        xml.0.write_event(Event::Comment(BytesText::new(
            " This is a WordPress eXtended RSS file generated by Folio as an export of the site. \
             WordPress imports it (Tools, Import, WordPress), and so does folio import wordpress. ",
        )))?;
        let rss = BytesStart::new("rss").with_attributes([
            ("version", "2.0"),
            ("xmlns:excerpt", "http://wordpress.org/export/1.2/excerpt/"),
            ("xmlns:content", "http://purl.org/rss/1.0/modules/content/"),
            ("xmlns:wfw", "http://wellformedweb.org/CommentAPI/"),
            ("xmlns:dc", "http://purl.org/dc/elements/1.1/"),
            ("xmlns:wp", "http://wordpress.org/export/1.2/"),
            ("xmlns:folio", FOLIO_NS),
        ]);
        xml.0.write_event(Event::Start(rss))?;
        xml.open("channel")?;
        let site = self.site_url.as_str();
        xml.text("title", &self.site_title)?;
        xml.text("link", site)?;
        xml.text("description", &self.site_description)?;
        xml.text("pubDate", &Utc::now().to_rfc2822())?;
        xml.text("language", "en")?;
        xml.text("wp:wxr_version", "1.2")?;
        xml.text("wp:base_site_url", site)?;
        xml.text("wp:base_blog_url", site)?;
        xml.text("folio:version", "1")?;
        for (person, n) in snapshot.people.iter().zip(1_u64..) {
            // One line, as WordPress writes it: its importer's fallback
            // parser finds an author only on a single line.
            let mut line = Xml(Writer::new(Vec::new()));
            line.open("wp:author")?;
            line.text("wp:author_id", &n.to_string())?;
            line.cdata("wp:author_login", &person.slug)?;
            line.cdata("wp:author_email", &person.email)?;
            line.cdata("wp:author_display_name", &person.name)?;
            line.cdata("wp:author_first_name", "")?;
            line.cdata("wp:author_last_name", "")?;
            line.close("wp:author")?;
            let out = xml.0.get_mut();
            out.write_all(b"\n\t\t")?;
            out.write_all(&line.0.into_inner())?;
            exported.authors += 1;
        }
        for (tag, n) in snapshot.tags.iter().zip(1_u64..) {
            xml.open("wp:tag")?;
            xml.text("wp:term_id", &n.to_string())?;
            xml.cdata("wp:tag_slug", &tag.slug)?;
            xml.cdata("wp:tag_name", &tag.name)?;
            xml.close("wp:tag")?;
            exported.tags += 1;
        }
        xml.text("generator", concat!("Folio/", env!("CARGO_PKG_VERSION")))?;
        for (medium, n) in snapshot.media.iter().zip(1_u64..) {
            self.write_attachment(&mut xml, snapshot, medium, n)?;
            exported.media += 1;
        }
        self.for_each_post(snapshot, |post| {
            match post.kind {
                PostKind::Post => exported.posts += 1,
                PostKind::Page => exported.pages += 1,
            }
            self.write_post(&mut xml, snapshot, &post)
        })
        .await?;
        for redirect in &snapshot.redirects {
            let to = match &redirect.to {
                RedirectTarget::Post(id) => match snapshot.post_numbers.get(id) {
                    Some(n) => ("folio:to_item", n.to_string()),
                    // Its post was deleted: it leads nowhere now.
                    None => continue,
                },
                RedirectTarget::Url(url) => ("folio:to_url", url.as_str().to_owned()),
            };
            xml.open("folio:redirect")?;
            xml.text("folio:from", redirect.from.as_str())?;
            xml.text(to.0, &to.1)?;
            xml.close("folio:redirect")?;
            exported.redirects += 1;
        }
        xml.close("channel")?;
        xml.close("rss")?;
        xml.0.get_mut().flush()?;
        Ok(exported)
    }

    fn write_attachment<W: Write>(
        &self,
        xml: &mut Xml<W>,
        snapshot: &Snapshot,
        medium: &MediumView,
        n: u64,
    ) -> anyhow::Result<()> {
        let url = format!("{}{}", self.site_url, medium.original_url);
        let login = snapshot
            .person(medium.owner)
            .map_or("", |p| p.slug.as_str());
        let stem = medium
            .file_name
            .rsplit_once('.')
            .map_or(medium.file_name.as_str(), |(stem, _)| stem);
        xml.open("item")?;
        xml.cdata("title", stem)?;
        xml.text("link", &url)?;
        xml.text("pubDate", &medium.created_at.to_rfc2822())?;
        xml.cdata("dc:creator", login)?;
        xml.guid(&url)?;
        xml.text("description", "")?;
        xml.cdata("content:encoded", "")?;
        xml.cdata("excerpt:encoded", &medium.caption)?;
        xml.text("wp:post_id", &n.to_string())?;
        dates(
            xml,
            Some(medium.created_at),
            medium.created_at,
            medium.created_at,
        )?;
        xml.cdata("wp:comment_status", "closed")?;
        xml.cdata("wp:ping_status", "closed")?;
        xml.cdata("wp:post_name", &slug_of(stem))?;
        xml.cdata("wp:status", "inherit")?;
        xml.text("wp:post_parent", "0")?;
        xml.text("wp:menu_order", "0")?;
        xml.cdata("wp:post_type", "attachment")?;
        xml.cdata("wp:post_password", "")?;
        xml.text("wp:is_sticky", "0")?;
        xml.cdata("wp:attachment_url", &url)?;
        // Where the archive keeps the original: `--uploads media` finds it.
        xml.meta("_wp_attached_file", &medium_file_name(n, medium))?;
        if !medium.alt.is_empty() {
            xml.meta("_wp_attachment_image_alt", &medium.alt)?;
        }
        xml.close("item")
    }

    /// A post's HTML as WordPress should hold it: images at their originals
    /// here with their sizes (WordPress's importer swaps each attachment's
    /// URL for its own copy's, and makes responsive sizes only for an image
    /// whose size it knows), and no heading self-links (their `#` addresses
    /// lead nowhere once WordPress rewrites them).
    fn wordpress_html(&self, html: &str, snapshot: &Snapshot) -> String {
        let html = HEADING_LINK.replace_all(html, "");
        let html = IMAGE_SRC.replace_all(&html, |found: &regex::Captures<'_>| {
            snapshot.medium(&found[1]).map_or_else(
                || found[0].to_owned(),
                |(_, m)| {
                    format!(
                        "src=\"{}{}\" width=\"{}\" height=\"{}\"",
                        self.site_url, m.original_url, m.width, m.height
                    )
                },
            )
        });
        MEDIA_REF
            .replace_all(&html, |found: &regex::Captures<'_>| {
                snapshot.medium(&found[1]).map_or_else(
                    || found[0].to_owned(),
                    |(_, m)| format!("{}{}", self.site_url, m.original_url),
                )
            })
            .into_owned()
    }

    fn write_post<W: Write>(
        &self,
        xml: &mut Xml<W>,
        snapshot: &Snapshot,
        post: &PostView,
    ) -> anyhow::Result<()> {
        let n = snapshot.post_numbers.get(&post.id).copied().unwrap_or(0);
        let login = snapshot.person(post.author).map_or("", |p| p.slug.as_str());
        let link = format!("{}/{}/", self.site_url, post.slug);
        let (status, date) = match post.status {
            PostStatus::Published => ("publish", post.published_at),
            PostStatus::Scheduled => ("future", post.publish_at),
            PostStatus::Draft => ("draft", None),
        };
        let html = self.wordpress_html(&post.html, snapshot);
        let markdown = MEDIA_REF.replace_all(&post.markdown, |found: &regex::Captures<'_>| {
            snapshot
                .medium(&found[1])
                .map_or_else(|| found[0].to_owned(), |(n, _)| format!("media:{n}"))
        });
        xml.open("item")?;
        xml.cdata("title", &post.title)?;
        xml.text("link", &link)?;
        xml.text("pubDate", &date.unwrap_or(post.created_at).to_rfc2822())?;
        xml.cdata("dc:creator", login)?;
        xml.guid(&format!("{}/?p={n}", self.site_url))?;
        xml.text("description", "")?;
        xml.cdata("content:encoded", &html)?;
        xml.cdata("excerpt:encoded", &post.excerpt)?;
        xml.text("wp:post_id", &n.to_string())?;
        dates(xml, date, post.created_at, post.updated_at)?;
        xml.cdata("wp:comment_status", "closed")?;
        xml.cdata("wp:ping_status", "closed")?;
        xml.cdata("wp:post_name", &post.slug)?;
        xml.cdata("wp:status", status)?;
        xml.text("wp:post_parent", "0")?;
        xml.text("wp:menu_order", "0")?;
        xml.cdata("wp:post_type", post.kind.as_str())?;
        xml.cdata("wp:post_password", "")?;
        xml.text("wp:is_sticky", "0")?;
        // WordPress's own record of a changed slug: its old address still
        // leads to the post there (Folio's importer reads the redirects).
        for old in snapshot.old_slugs.get(&post.id).into_iter().flatten() {
            xml.meta("_wp_old_slug", old)?;
        }
        for tag in &post.tags {
            xml.0
                .create_element("category")
                .with_attributes([("domain", "post_tag"), ("nicename", tag.slug.as_str())])
                .write_cdata_content(BytesCData::new(split_cdata(&tag.name)))?;
        }
        if let Some((n, _)) = post
            .feature_image
            .as_deref()
            .and_then(|id| snapshot.medium(id))
        {
            xml.meta("_thumbnail_id", &n.to_string())?;
        }
        // WordPress keeps both and writes them back in its own exports; a
        // post changed there no longer matches the hash, and Folio's import
        // then converts its HTML rather than bring back stale Markdown.
        xml.meta("_folio_markdown", &markdown)?;
        xml.meta(
            "_folio_content_sha256",
            &hex::encode(Sha256::digest(html.as_bytes())),
        )?;
        xml.close("item")
    }
}

/// WordPress's two dates: `post_date` in the site's time (UTC here) and
/// `post_date_gmt`; then the same for the last change. A draft has no GMT
/// date, as WordPress writes it: one published there later takes the day
/// it is published, not the day it was begun (`post_date` keeps that).
fn dates<W: Write>(
    xml: &mut Xml<W>,
    date: Option<DateTime<Utc>>,
    created: DateTime<Utc>,
    modified: DateTime<Utc>,
) -> anyhow::Result<()> {
    let wp = |d: DateTime<Utc>| d.format("%Y-%m-%d %H:%M:%S").to_string();
    xml.cdata("wp:post_date", &wp(date.unwrap_or(created)))?;
    xml.cdata(
        "wp:post_date_gmt",
        &date.map_or_else(|| "0000-00-00 00:00:00".to_owned(), wp),
    )?;
    xml.cdata("wp:post_modified", &wp(modified))?;
    xml.cdata("wp:post_modified_gmt", &wp(modified))
}

/// An XML writer with WXR's few shapes.
struct Xml<W: Write>(Writer<W>);

impl<W: Write> Xml<W> {
    fn open(&mut self, name: &str) -> anyhow::Result<()> {
        self.0.write_event(Event::Start(BytesStart::new(name)))?;
        Ok(())
    }

    fn close(&mut self, name: &str) -> anyhow::Result<()> {
        self.0.write_event(Event::End(BytesEnd::new(name)))?;
        Ok(())
    }

    fn text(&mut self, name: &str, text: &str) -> anyhow::Result<()> {
        self.0
            .create_element(name)
            .write_text_content(BytesText::new(text))?;
        Ok(())
    }

    /// As WordPress writes its text fields. `]]>` cannot stand inside a CDATA
    /// section: like WordPress's `wxr_cdata`, it ends one section and opens
    /// the next between its `]]` and `>` (quick-xml writes a section's text
    /// as it is given). Escaped text instead would be read back escaped by
    /// WordPress's fallback parsers.
    fn cdata(&mut self, name: &str, text: &str) -> anyhow::Result<()> {
        self.0
            .create_element(name)
            .write_cdata_content(BytesCData::new(split_cdata(text)))?;
        Ok(())
    }

    fn guid(&mut self, url: &str) -> anyhow::Result<()> {
        self.0
            .create_element("guid")
            .with_attribute(("isPermaLink", "false"))
            .write_text_content(BytesText::new(url))?;
        Ok(())
    }

    fn meta(&mut self, key: &str, value: &str) -> anyhow::Result<()> {
        self.open("wp:postmeta")?;
        self.cdata("wp:meta_key", key)?;
        self.cdata("wp:meta_value", value)?;
        self.close("wp:postmeta")
    }
}

fn split_cdata(text: &str) -> std::borrow::Cow<'_, str> {
    if text.contains("]]>") {
        text.replace("]]>", "]]]]><![CDATA[>").into()
    } else {
        text.into()
    }
}

/// `media/v{version}/original.{ext}` from the medium's original URL.
fn original_parts(medium: &MediumView) -> Option<(i32, String)> {
    let mut parts = medium.original_url.rsplit('/');
    let file = parts.next()?.to_owned();
    let version = parts.next()?.strip_prefix('v')?.parse().ok()?;
    Some((version, file))
}

/// `3/harbour at dawn.jpg`: a folder per medium (names repeat), the name
/// as uploaded with what no file system or unzip takes replaced.
fn medium_file_name(n: u64, medium: &MediumView) -> String {
    let ext = medium
        .original_url
        .rsplit_once('.')
        .map_or("bin", |(_, ext)| ext);
    let stem = medium
        .file_name
        .rsplit_once('.')
        .map_or(medium.file_name.as_str(), |(stem, _)| stem);
    let safe: String = stem
        .chars()
        .map(|c| match c {
            '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|' => '-',
            c if c.is_control() => '-',
            c => c,
        })
        .take(100)
        .collect();
    let safe = safe.trim_start_matches('.').trim();
    let stem = if safe.is_empty() { "image" } else { safe };
    format!("{n}/{stem}.{ext}")
}

/// An attachment's `post_name`: WordPress's shape of a slug.
fn slug_of(text: &str) -> String {
    let slug: String = text
        .chars()
        .map(|c| {
            if c.is_alphanumeric() {
                c.to_lowercase().next().unwrap_or(c)
            } else {
                '-'
            }
        })
        .collect();
    let slug = slug
        .split('-')
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    if slug.is_empty() {
        "image".to_owned()
    } else {
        slug
    }
}

/// `posts/2024-03-01-slug.md`, `pages/about.md`; a name seen before gets a number.
fn markdown_file_name(post: &PostView, seen: &mut HashMap<String, u32>) -> String {
    let base = match post.kind {
        PostKind::Post => {
            let date = post
                .published_at
                .or(post.publish_at)
                .unwrap_or(post.created_at);
            format!("posts/{}-{}", date.format("%Y-%m-%d"), post.slug)
        }
        PostKind::Page => format!("pages/{}", post.slug),
    };
    let count = seen.entry(base.clone()).or_insert(0);
    *count += 1;
    match *count {
        1 => format!("{base}.md"),
        n => format!("{base}-{n}.md"),
    }
}

/// A post's Markdown with its images pointing at the archive's files.
fn relative_media(markdown: &str, snapshot: &Snapshot) -> String {
    MEDIA_REF
        .replace_all(markdown, |found: &regex::Captures<'_>| {
            snapshot.medium(&found[1]).map_or_else(
                || found[0].to_owned(),
                |(n, m)| format!("../media/{}", medium_file_name(n, m)),
            )
        })
        .into_owned()
}

/// YAML front matter. Every value is written as a JSON string or list,
/// which YAML reads as the same thing: nothing a title holds (a colon, a
/// quote, a leading dash) can change its meaning.
fn front_matter(post: &PostView, snapshot: &Snapshot) -> String {
    let json = |s: &str| serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_owned());
    let date =
        |d: Option<DateTime<Utc>>| d.map_or_else(|| "null".to_owned(), |d| json(&d.to_rfc3339()));
    let mut out = String::from("---\n");
    let mut line = |key: &str, value: String| {
        out.push_str(key);
        out.push_str(": ");
        out.push_str(&value);
        out.push('\n');
    };
    line("title", json(&post.title));
    line("slug", json(&post.slug));
    line("type", json(post.kind.as_str()));
    line("status", json(post.status.as_str()));
    line("date", date(post.published_at.or(post.publish_at)));
    line("created", date(Some(post.created_at)));
    line("updated", date(Some(post.updated_at)));
    if let Some(person) = snapshot.person(post.author) {
        line("author", json(&person.name));
        line("author_email", json(&person.email));
    }
    let tags: Vec<&str> = post.tags.iter().map(|t| t.name.as_str()).collect();
    line(
        "tags",
        serde_json::to_string(&tags).unwrap_or_else(|_| "[]".to_owned()),
    );
    line("excerpt", json(&post.excerpt));
    if let Some((n, medium)) = post
        .feature_image
        .as_deref()
        .and_then(|id| snapshot.medium(id))
    {
        line(
            "feature_image",
            json(&format!("../media/{}", medium_file_name(n, medium))),
        );
        line("feature_image_alt", json(&medium.alt));
    }
    out.push_str("---\n\n");
    out
}

const README: &str = "\
A Folio export.

site.xml   the whole site as a WordPress export (WXR 1.2): WordPress's
           importer takes it (Tools > Import > WordPress), and so does Folio:
             unzip export.zip -d export
             folio import wordpress export/site.xml --uploads export/media
posts/     every post, one Markdown file each, with YAML front matter
pages/     every page, the same way
media/     every image as it was uploaded (the files site.xml's
           attachments name)
";
