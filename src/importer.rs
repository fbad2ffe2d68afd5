//! `folio import`: applies another platform's export, as folio-import reads
//! it, to this site through the concerns' clients — authors to auth, images
//! to media, posts and pages to posts — as one administrator, the same way
//! whether the concerns run here or elsewhere.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use actix_web::web::Bytes;
use anyhow::{Context as _, bail};
use futures::StreamExt as _;
use futures::stream::FuturesUnordered;
use indicatif::{ProgressBar, ProgressStyle};

use folio_auth_protocol::AuthClient;
use folio_auth_protocol::domain::{DisplayName, Email};
use folio_auth_protocol::messages::{ImportAuthor, ListUsers, UserView};
use folio_import::{
    Attachment, Author, Export, FeatureImage, ImportError, Item, ItemKind, ItemStatus, ItemWarning,
    Limits, MediaMap, Redirect, RedirectTo, Report, Term, TermKind, ghost, wordpress,
};
use folio_media_protocol::MediaClient;
use folio_media_protocol::blobs::Blobs;
use folio_media_protocol::messages::Ingest;
use folio_posts_protocol::PostsClient;
use folio_posts_protocol::domain::{
    Excerpt, ImportSource, PostKind, PostStatus, Slug, TagList, TagName, Title,
};
use folio_posts_protocol::domain::{RedirectFrom, RedirectTarget, RedirectUrl};
use folio_posts_protocol::messages::{AddRedirect, ImportPost, ImportedPost, PostFields};
use folio_posts_protocol::{PostId, PostsError};
use folio_runtime::{CallMeta, Principal, Role, SigningKey, UserId};
// The admin's import follows these numbers: the gateway, which reports them, owns the type.
use folio_gateway::{ImportPhase, ImportProgress};

/// A call's budget: an image's decode and variants take the longest.
const CALL_BUDGET: Duration = Duration::from_secs(120);
/// Posts sent to posts at once: enough to fill its group commits, few
/// enough to keep memory flat.
const IN_FLIGHT: usize = 8;

/// What the import is done with: the concerns' handles and who does it.
pub struct Importer {
    pub auth: AuthClient,
    pub posts: PostsClient,
    pub media: MediaClient,
    pub blobs: Blobs,
    pub key: SigningKey,
    /// Past it, an image is left out (media would refuse it).
    pub max_upload_bytes: u64,
    /// One id for every call of this run, so its story reads as one in the logs.
    pub request_id: String,
    /// How far it has got: the numbers the terminal's bars show, and the
    /// admin's import reads.
    pub progress: Arc<ImportProgress>,
    /// Draw the bars (on stderr, and only when it is a terminal): the
    /// command line does, an import run by the server does not.
    pub bars: bool,
}

/// How an attachment left behind for want of an uploads folder is reported
/// (the admin's import, which never has one, counts them apart).
pub const NO_UPLOADS: &str = "not imported (no --uploads folder given)";

/// What an import did, beside the file's own report.
#[derive(Debug, Default)]
pub struct Tally {
    pub posts_created: u64,
    pub pages_created: u64,
    /// Made by an earlier run of the same import: left as they are.
    pub already_imported: u64,
    pub authors_created: u64,
    pub authors_matched: u64,
    pub media_imported: u64,
    /// Old addresses that now answer 301 (added by this run).
    pub redirects_added: u64,
    /// Old addresses that already answered 301 (an earlier run), or that are
    /// a live page here now.
    pub redirects_kept: u64,
    /// Each imported post's old addresses, added once every post is in.
    wanted: Vec<(PostId, Vec<String>)>,
    /// Folio's slug of each tag, by name, as posts answered.
    tag_slugs: HashMap<String, String>,
    /// Each imported (or found) post by its id in the file.
    by_source: HashMap<String, PostId>,
    /// Items or images that could not be imported, with why.
    pub failed: Vec<ItemWarning>,
    /// What was imported with a loss or a change (re-slugged, no image…).
    pub warnings: Vec<ItemWarning>,
}

/// Where attachments are read from: a local copy of wp-content/uploads.
struct Uploads {
    root: PathBuf,
}

impl Uploads {
    fn open(dir: &Path) -> anyhow::Result<Self> {
        let root = dir
            .canonicalize()
            .with_context(|| format!("--uploads {}: no such folder", dir.display()))?;
        if !root.is_dir() {
            bail!("--uploads {} is not a folder", dir.display());
        }
        Ok(Self { root })
    }

    /// The file `relative` names inside the folder, never outside it (a
    /// symbolic link out of it is refused too).
    fn file(&self, relative: &str) -> Result<PathBuf, String> {
        let path = self
            .root
            .join(relative)
            .canonicalize()
            .map_err(|_| format!("{relative} is not in the uploads folder"))?;
        if !path.starts_with(&self.root) {
            return Err(format!("{relative} leads outside the uploads folder"));
        }
        Ok(path)
    }
}

fn warning(tally: &mut Vec<ItemWarning>, id: &str, title: &str, message: impl Into<String>) {
    tally.push(ItemWarning {
        source_id: id.to_owned(),
        title: title.to_owned(),
        message: message.into(),
    });
}

/// Counts the bytes read from the file, on the bar and in the progress.
struct Counted<R> {
    inner: R,
    bar: ProgressBar,
    progress: Arc<ImportProgress>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.bar.inc(n as u64);
        self.progress.read(n as u64);
        Ok(n)
    }
}

impl Importer {
    /// Starts a read of the whole file, `what` (`checking`, `reading`,
    /// `importing`): its bar on the terminal (hidden when stderr is not one,
    /// or when the server runs the import).
    fn phase(&self, file: &Path, what: &str) -> ProgressBar {
        let phase = match what {
            "checking" => ImportPhase::Checking,
            "reading" => ImportPhase::Reading,
            _ => ImportPhase::Importing,
        };
        let len = std::fs::metadata(file).map(|m| m.len()).unwrap_or(0);
        self.progress.phase(phase, len);
        if !self.bars {
            return ProgressBar::hidden();
        }
        let bar = ProgressBar::new(len);
        bar.set_style(
            ProgressStyle::with_template(
                "{prefix:>9} [{bar:30}] {bytes}/{total_bytes} {msg} ({elapsed})",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        bar.set_prefix(what.to_owned());
        bar
    }

    fn counted(&self, file: &Path, bar: ProgressBar) -> anyhow::Result<BufReader<Counted<File>>> {
        let inner = File::open(file).with_context(|| format!("cannot read {}", file.display()))?;
        Ok(BufReader::new(Counted {
            inner,
            bar,
            progress: self.progress.clone(),
        }))
    }
}

fn refused(file: &Path, error: ImportError) -> anyhow::Error {
    anyhow::anyhow!(
        "{} is refused, and nothing was imported: {error}",
        file.display()
    )
}

impl Importer {
    fn meta(&self, who: Option<&UserView>) -> CallMeta {
        let principal = match who {
            Some(user) => Principal::User {
                id: user.id,
                role: user.role,
            },
            None => Principal::Operator,
        };
        CallMeta::new(self.request_id.clone(), CALL_BUDGET)
            .with_principal(self.key.sign(&principal))
    }

    /// The administrator the import is done as: `email`'s account, else the owner.
    pub async fn importer(&self, email: Option<&str>) -> anyhow::Result<UserView> {
        let users = self.auth.call(ListUsers, self.meta(None)).await?;
        let found = match email {
            Some(email) => {
                let email = Email::parse(email).map_err(anyhow::Error::msg)?;
                users.into_iter().find(|user| user.email == email.as_str())
            }
            None => users.into_iter().find(|user| user.role == Role::Owner),
        };
        let Some(user) = found else {
            bail!(match email {
                Some(email) => format!("there is no account {email}"),
                None => "the site has no owner yet: create the owner's account first (the setup link, or `folio user add --role owner`)".to_owned(),
            });
        };
        if !matches!(user.role, Role::Owner | Role::Administrator) {
            bail!(
                "{} is {}: an import is done by an administrator or the owner",
                user.email,
                user.role
            );
        }
        Ok(user)
    }

    /// Imports a WordPress export. `dry_run`: every check and conversion,
    /// nothing written; the tally says what would be.
    pub async fn wordpress(
        &self,
        file: &Path,
        uploads: Option<&Path>,
        as_email: Option<&str>,
        dry_run: bool,
    ) -> anyhow::Result<(Report, Tally)> {
        let limits = Limits::default();
        let open = |what: &str| -> anyhow::Result<BufReader<Counted<File>>> {
            self.counted(file, self.phase(file, what))
        };
        // All of it is checked before anything is written.
        let report = wordpress::check(open("checking")?, limits).map_err(|e| refused(file, e))?;
        self.progress.items_total(report.posts + report.pages);
        let uploads = uploads.map(Uploads::open).transpose()?;
        let importer = self.importer(as_email).await?;
        let mut tally = Tally::default();

        // First pass: who wrote, and the images, before the posts that use them.
        let (mut site_url, mut authors, mut attachments, mut terms, mut listed) = (
            String::new(),
            Vec::new(),
            Vec::new(),
            Vec::new(),
            Vec::new(),
        );
        // A Folio export lists its redirects: none is derived from its links.
        let mut from_folio = false;
        for entry in wordpress::WxrReader::without_content(open("reading")?, limits) {
            match entry.map_err(|e| refused(file, e))? {
                wordpress::Entry::Header(header) => {
                    from_folio = header.folio_version.is_some();
                    site_url = if header.base_site_url.is_empty() {
                        header.site_url
                    } else {
                        header.base_site_url
                    };
                }
                wordpress::Entry::Author(author) => authors.push(author),
                wordpress::Entry::Attachment(attachment) => attachments.push(attachment),
                wordpress::Entry::Term(term) => terms.push(term),
                wordpress::Entry::Redirect(redirect) => listed.push(redirect),
                wordpress::Entry::Item(_) => {}
            }
        }
        let people = self
            .authors(&authors, &importer, dry_run, &mut tally)
            .await?;
        let (media, medium_ids) = self
            .attachments(
                &attachments,
                uploads.as_ref(),
                &importer,
                dry_run,
                &mut tally,
            )
            .await;

        // Second pass: posts and pages, their images now known.
        let bar = self.phase(file, "importing");
        let reader = self.counted(file, bar.clone())?;
        let mut in_flight = FuturesUnordered::new();
        for entry in wordpress::WxrReader::new(reader, limits, &media) {
            if let wordpress::Entry::Item(item) = entry.map_err(|e| refused(file, e))? {
                bar.set_message(format!("{} posts and pages", tally_items(&tally)));
                self.progress.item_done();
                let author = author_of(&item, &people, &importer);
                let source = format!("wordpress:{site_url}#{}", item.source_id);
                let Some(mut prepared) =
                    self.prepare(&item, &source, author, &medium_ids, &mut tally)
                else {
                    continue;
                };
                if from_folio {
                    prepared.old_addresses.clear();
                }
                if dry_run {
                    count_created(&mut tally, prepared.kind);
                    tally.redirects_added += prepared.old_addresses.len() as u64;
                    continue;
                }
                in_flight.push(self.send(prepared, &importer));
                if in_flight.len() >= IN_FLIGHT
                    && let Some(done) = in_flight.next().await
                {
                    record(&mut tally, done);
                }
            }
        }
        while let Some(done) = in_flight.next().await {
            record(&mut tally, done);
        }
        bar.finish_and_clear();
        let redirects = if from_folio {
            if dry_run {
                tally.redirects_added += listed.len() as u64;
            }
            listed_redirects(&listed, &mut tally)
        } else {
            let mut redirects = post_redirects(&mut tally);
            redirects.extend(term_redirects(&terms, &tally));
            redirects
        };
        self.redirect(redirects, &importer, dry_run, &mut tally)
            .await;
        Ok((report, tally))
    }

    /// Imports a Ghost export. Its images are not in the file: posts keep
    /// them as links, and the report says so.
    pub async fn ghost(
        &self,
        file: &Path,
        as_email: Option<&str>,
        dry_run: bool,
    ) -> anyhow::Result<(Report, Tally)> {
        let limits = Limits::default();
        let reader = self.counted(file, self.phase(file, "reading"))?;
        let export: Export =
            ghost::read(reader, limits, &folio_import::NoMedia).map_err(|e| refused(file, e))?;
        let importer = self.importer(as_email).await?;
        let mut tally = Tally::default();
        let people = self
            .authors(&export.authors, &importer, dry_run, &mut tally)
            .await?;
        self.progress.phase(ImportPhase::Importing, 0);
        self.progress.items_total(export.items.len() as u64);
        let bar = if self.bars {
            ProgressBar::new(export.items.len() as u64)
        } else {
            ProgressBar::hidden()
        };
        for item in &export.items {
            let author = author_of(item, &people, &importer);
            let source = format!("ghost:{}#{}", export.site_url, item.source_id);
            bar.inc(1);
            self.progress.item_done();
            let Some(prepared) = self.prepare(item, &source, author, &HashMap::new(), &mut tally)
            else {
                continue;
            };
            if dry_run {
                count_created(&mut tally, prepared.kind);
                continue;
            }
            let done = self.send(prepared, &importer).await;
            record(&mut tally, done);
        }
        bar.finish_and_clear();
        Ok((export.report, tally))
    }

    /// Each author's account by login: matched by email, else made (a
    /// contributor with no password).
    async fn authors(
        &self,
        authors: &[Author],
        importer: &UserView,
        dry_run: bool,
        tally: &mut Tally,
    ) -> anyhow::Result<HashMap<String, UserId>> {
        let mut people = HashMap::new();
        for author in authors {
            let (Ok(email), name) = (
                Email::parse(author.email.trim()),
                DisplayName::parse(author.display_name.trim())
                    .or_else(|_| DisplayName::parse(author.login.trim())),
            ) else {
                warning(
                    &mut tally.warnings,
                    &author.source_id,
                    &author.login,
                    format!(
                        "author {} has no usable email: their posts are {}'s",
                        author.login, importer.email
                    ),
                );
                continue;
            };
            let Ok(name) = name else {
                warning(
                    &mut tally.warnings,
                    &author.source_id,
                    &author.login,
                    format!(
                        "author {} has no usable name: their posts are {}'s",
                        author.login, importer.email
                    ),
                );
                continue;
            };
            if dry_run {
                continue;
            }
            let imported = self
                .auth
                .call(ImportAuthor { email, name }, self.meta(Some(importer)))
                .await
                .with_context(|| format!("importing the author {}", author.login))?;
            if imported.created {
                tally.authors_created += 1;
            } else {
                tally.authors_matched += 1;
            }
            people.insert(author.login.clone(), imported.user.id);
        }
        Ok(people)
    }

    /// Uploads each attachment found in the uploads folder; answers the
    /// lookup the converter rewrites references with, and the media ids by
    /// attachment id (for feature images).
    async fn attachments(
        &self,
        attachments: &[Attachment],
        uploads: Option<&Uploads>,
        importer: &UserView,
        dry_run: bool,
        tally: &mut Tally,
    ) -> (MediaMap, HashMap<String, String>) {
        let mut media = MediaMap::new();
        let mut ids = HashMap::new();
        for attachment in attachments {
            let name = attachment
                .relative_path
                .as_deref()
                .unwrap_or(&attachment.url);
            let fail = |tally: &mut Tally, message: String| {
                warning(&mut tally.failed, &attachment.source_id, name, message);
            };
            let (Some(uploads), Some(relative)) = (uploads, attachment.relative_path.as_deref())
            else {
                fail(tally, format!("{name}: {NO_UPLOADS}"));
                continue;
            };
            let path = match uploads.file(relative) {
                Ok(path) => path,
                Err(why) => {
                    fail(tally, why);
                    continue;
                }
            };
            if dry_run {
                let placeholder = format!("media:{}", attachment.source_id);
                media.insert(attachment, &placeholder);
                ids.insert(attachment.source_id.clone(), attachment.source_id.clone());
                tally.media_imported += 1;
                continue;
            }
            match self.upload(&path, attachment, importer).await {
                Ok(id) => {
                    media.insert(attachment, &format!("media:{id}"));
                    ids.insert(attachment.source_id.clone(), id);
                    tally.media_imported += 1;
                }
                Err(why) => fail(tally, format!("{relative}: {why:#}")),
            }
        }
        (media, ids)
    }

    async fn upload(
        &self,
        path: &Path,
        attachment: &Attachment,
        importer: &UserView,
    ) -> anyhow::Result<String> {
        let size = std::fs::metadata(path)?.len();
        if size > self.max_upload_bytes {
            bail!(
                "{} MB is over the upload limit of {} MB",
                size / 1_000_000,
                self.max_upload_bytes / 1_000_000
            );
        }
        // Off the thread the concerns' actors share in this process.
        let bytes = Bytes::from(tokio::fs::read(path).await?);
        let staging = self.blobs.stage_bytes(bytes).await?;
        let file_name = path
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_default();
        // Media keeps one medium per file and owner: a second run finds it.
        let medium = self
            .media
            .call(
                Ingest {
                    staging,
                    file_name,
                    alt: attachment.alt.clone(),
                    caption: attachment.caption.clone(),
                    keep_metadata: false,
                },
                self.meta(Some(importer)),
            )
            .await?;
        Ok(medium.id.to_string())
    }

    /// The posts message for `item`, its own warnings noted; `None` when it
    /// cannot be imported (noted too).
    fn prepare(
        &self,
        item: &Item,
        source: &str,
        author: UserId,
        medium_ids: &HashMap<String, String>,
        tally: &mut Tally,
    ) -> Option<Prepared> {
        let (id, title) = (item.source_id.as_str(), item.title.as_str());
        for message in &item.warnings {
            warning(&mut tally.warnings, id, title, message.clone());
        }
        match self.post_of(item, source, author, medium_ids, tally) {
            Ok(message) => Some(Prepared {
                message,
                old_addresses: old_addresses(item),
                kind: item.kind,
                source_id: id.to_owned(),
                title: title.to_owned(),
            }),
            Err(why) => {
                warning(&mut tally.failed, id, title, why);
                None
            }
        }
    }

    /// Sends a prepared post to posts; the answer, for [`record`].
    async fn send(
        &self,
        prepared: Prepared,
        importer: &UserView,
    ) -> (Prepared, Result<ImportedPost, PostsError>) {
        let answer = self
            .posts
            .call(prepared.message.clone(), self.meta(Some(importer)))
            .await;
        (prepared, answer)
    }

    /// Adds each old address as a redirect, several at a time; one already
    /// there (an earlier run) or now a live page here is kept as it is.
    async fn redirect(
        &self,
        redirects: Vec<(String, RedirectTarget)>,
        importer: &UserView,
        dry_run: bool,
        tally: &mut Tally,
    ) {
        self.progress.phase(ImportPhase::Redirects, 0);
        let mut in_flight = FuturesUnordered::new();
        let mut queue = redirects.into_iter();
        loop {
            while in_flight.len() < IN_FLIGHT * 2 {
                let Some((raw, to)) = queue.next() else { break };
                let Ok(from) = RedirectFrom::parse(&raw) else {
                    // Not an address here (the site's own paths, a foreign shape).
                    continue;
                };
                if dry_run {
                    continue;
                }
                let message = AddRedirect { from, to };
                let meta = self.meta(Some(importer));
                in_flight.push(async move { (raw, self.posts.call(message, meta).await) });
            }
            let Some((raw, answer)) = in_flight.next().await else {
                break;
            };
            match answer {
                Ok(_) => tally.redirects_added += 1,
                Err(
                    PostsError::RedirectExists(_)
                    | PostsError::RedirectFromLive(_)
                    | PostsError::RedirectLoop(_),
                ) => tally.redirects_kept += 1,
                Err(error) => warning(&mut tally.failed, "", &raw, format!("redirect: {error}")),
            }
        }
    }

    /// The posts message for `item`, parsed into Folio's rules (a warning
    /// for each change made on the way).
    fn post_of(
        &self,
        item: &Item,
        source: &str,
        author: UserId,
        medium_ids: &HashMap<String, String>,
        tally: &mut Tally,
    ) -> Result<ImportPost, String> {
        let (id, raw_title) = (item.source_id.as_str(), item.title.as_str());
        let mut warn = |message: String| warning(&mut tally.warnings, id, raw_title, message);
        let title = match Title::parse(raw_title.trim()) {
            Ok(title) => title,
            Err(_) => {
                warn("it has no usable title: it is called \"Untitled\"".to_owned());
                Title::parse("Untitled")?
            }
        };
        let slug = match Slug::parse(&item.slug) {
            Ok(slug) => Some(slug),
            Err(_) if item.slug.trim().is_empty() => None,
            Err(_) => {
                let slug = Slug::derive(&item.slug);
                warn(format!(
                    "its slug {:?} does not fit Folio's rules: it is {:?}",
                    item.slug,
                    slug.as_str()
                ));
                Some(slug)
            }
        };
        let excerpt = match item.excerpt.trim() {
            "" => None,
            text => match Excerpt::parse(text) {
                Ok(excerpt) => Some(Some(excerpt)),
                Err(why) => {
                    warn(format!("its excerpt was left out: {why}"));
                    None
                }
            },
        };
        let mut names = Vec::new();
        for name in &item.tags {
            match TagName::parse(name.trim()) {
                Ok(name) if !names.contains(&name) => names.push(name),
                Ok(_) => {}
                Err(why) => warn(format!("tag {name:?} was left out: {why}")),
            }
        }
        if names.len() > TagList::MAX {
            warn(format!("only its first {} tags were kept", TagList::MAX));
        }
        let feature_image = match &item.feature_image {
            None => None,
            Some(FeatureImage::Attachment(attachment)) => match medium_ids.get(attachment) {
                Some(medium) => Some(Some(medium.clone())),
                None => {
                    warn("its feature image was not imported".to_owned());
                    None
                }
            },
            Some(FeatureImage::Url(url)) => {
                warn(format!(
                    "its feature image {url} is not in the export: not imported"
                ));
                None
            }
        };
        let (status, publish_at) = match item.status {
            ItemStatus::Published => (PostStatus::Published, None),
            ItemStatus::Draft => (PostStatus::Draft, None),
            ItemStatus::Scheduled => match item.date_gmt {
                Some(at) => (PostStatus::Scheduled, Some(Some(at))),
                None => {
                    warn("it was scheduled with no date: it is a draft".to_owned());
                    (PostStatus::Draft, None)
                }
            },
        };
        Ok(ImportPost {
            source: ImportSource::parse(source)?,
            author,
            fields: PostFields {
                kind: Some(match item.kind {
                    ItemKind::Post => PostKind::Post,
                    ItemKind::Page => PostKind::Page,
                }),
                title: Some(title),
                slug,
                markdown: Some(item.markdown.clone()),
                excerpt,
                tags: Some(TagList::first(names)),
                status: Some(status),
                publish_at,
                feature_image,
                seo: None,
                review: None,
            },
            published_at: item.date_gmt,
            created_at: item.date_gmt,
            updated_at: item.modified_gmt,
            original_html: item.html.clone(),
        })
    }
}

/// A post ready to send, and what the report says of it.
struct Prepared {
    message: ImportPost,
    /// Where it was on the old site: each answers 301 to it here.
    old_addresses: Vec<String>,
    kind: ItemKind,
    source_id: String,
    title: String,
}

/// Notes what posts answered for one post.
fn record(tally: &mut Tally, (prepared, answer): (Prepared, Result<ImportedPost, PostsError>)) {
    let (id, title) = (prepared.source_id.as_str(), prepared.title.as_str());
    if let Ok(imported) = &answer {
        for tag in &imported.post.tags {
            tally
                .tag_slugs
                .entry(tag.name.clone())
                .or_insert_with(|| tag.slug.clone());
        }
        tally
            .wanted
            .push((imported.post.id, prepared.old_addresses.clone()));
        tally
            .by_source
            .insert(prepared.source_id.clone(), imported.post.id);
    }
    match answer {
        Ok(imported) if imported.created => {
            count_created(tally, prepared.kind);
            if let Some(slug) = &prepared.message.fields.slug
                && slug.as_str() != imported.post.slug
            {
                warning(
                    &mut tally.warnings,
                    id,
                    title,
                    format!("its slug was taken: it is /{}/ now", imported.post.slug),
                );
            }
        }
        Ok(_) => tally.already_imported += 1,
        Err(error) => warning(&mut tally.failed, id, title, error.to_string()),
    }
}

/// The path (and query) of an old address, without its scheme and host.
fn path_of(link: &str) -> Option<String> {
    let rest = link.split_once("://").map_or(link, |(_, rest)| rest);
    let path = &rest[rest.find('/')?..];
    Some(path.split('#').next().unwrap_or(path).to_owned())
}

/// Every address `item` had on the old site: its permalink, `?p=ID` (or
/// `?page_id=ID`), its slug and each old slug — bare and in the
/// permalink's own shape, such as `/2019/03/04/old-slug/`.
fn old_addresses(item: &Item) -> Vec<String> {
    let mut found = Vec::new();
    let link = path_of(&item.link);
    if let Some(link) = &link {
        found.push(link.clone());
    }
    found.push(match item.kind {
        ItemKind::Post => format!("/?p={}", item.source_id),
        ItemKind::Page => format!("/?page_id={}", item.source_id),
    });
    let slugs = std::iter::once(&item.slug).chain(&item.old_slugs);
    for slug in slugs.filter(|slug| !slug.trim().is_empty()) {
        found.push(format!("/{slug}/"));
        // The permalink with its last segment swapped for this slug.
        if let Some(link) = &link {
            let trimmed = link.trim_end_matches('/');
            if let Some((dir, _)) = trimmed.rsplit_once('/')
                && !dir.is_empty()
            {
                found.push(format!("{dir}/{slug}/"));
            }
        }
    }
    found.dedup();
    found
}

/// Each imported post's old addresses, to it.
fn post_redirects(tally: &mut Tally) -> Vec<(String, RedirectTarget)> {
    std::mem::take(&mut tally.wanted)
        .into_iter()
        .flat_map(|(id, froms)| {
            froms
                .into_iter()
                .map(move |from| (from, RedirectTarget::Post(id)))
        })
        .collect()
}

/// The redirects a Folio export lists, their posts found by id in the file.
fn listed_redirects(listed: &[Redirect], tally: &mut Tally) -> Vec<(String, RedirectTarget)> {
    let mut found = Vec::new();
    for redirect in listed {
        let to = match &redirect.to {
            RedirectTo::Item(id) => match tally.by_source.get(id) {
                Some(&post) => RedirectTarget::Post(post),
                None => {
                    warning(
                        &mut tally.failed,
                        id,
                        &redirect.from,
                        "redirect: its post was not imported",
                    );
                    continue;
                }
            },
            RedirectTo::Url(url) => match RedirectUrl::parse(url) {
                Ok(url) => RedirectTarget::Url(url),
                Err(why) => {
                    warning(
                        &mut tally.failed,
                        "",
                        &redirect.from,
                        format!("redirect: {why}"),
                    );
                    continue;
                }
            },
        };
        found.push((redirect.from.clone(), to));
    }
    found
}

/// `/category/x/` (and nested, `/category/parent/x/`) and `/tag/x/` of the
/// old site, to the tag page here, where a post took that tag.
fn term_redirects(terms: &[Term], tally: &Tally) -> Vec<(String, RedirectTarget)> {
    let by_slug: HashMap<&str, &Term> = terms.iter().map(|t| (t.slug.as_str(), t)).collect();
    let mut found = Vec::new();
    for term in terms {
        let Some(slug) = tally.tag_slugs.get(&term.name) else {
            continue;
        };
        let Ok(to) = RedirectUrl::parse(&format!("/tag/{slug}/")) else {
            continue;
        };
        match term.kind {
            TermKind::Category => {
                let mut path = vec![term.slug.as_str()];
                let mut parent = term.parent.as_deref();
                while let Some(up) = parent.and_then(|p| by_slug.get(p)) {
                    if path.len() > 16 {
                        break;
                    }
                    path.insert(0, up.slug.as_str());
                    parent = up.parent.as_deref();
                }
                found.push((
                    format!("/category/{}/", path.join("/")),
                    RedirectTarget::Url(to.clone()),
                ));
                if path.len() > 1 {
                    found.push((format!("/category/{}/", term.slug), RedirectTarget::Url(to)));
                }
            }
            TermKind::Tag if term.slug != *slug => {
                found.push((format!("/tag/{}/", term.slug), RedirectTarget::Url(to)));
            }
            TermKind::Tag => {}
        }
    }
    found
}

/// Whose `item` is here: its author's account, else the importer's.
fn author_of(item: &Item, people: &HashMap<String, UserId>, importer: &UserView) -> UserId {
    item.author_login
        .as_ref()
        .and_then(|login| people.get(login))
        .copied()
        .unwrap_or(importer.id)
}

fn count_created(tally: &mut Tally, kind: ItemKind) {
    match kind {
        ItemKind::Post => tally.posts_created += 1,
        ItemKind::Page => tally.pages_created += 1,
    }
}

fn tally_items(tally: &Tally) -> u64 {
    tally.posts_created + tally.pages_created + tally.already_imported + tally.failed.len() as u64
}

/// The report as printed at the end: what the file held, what was done,
/// and every warning, item by item.
pub fn print_report(report: &Report, tally: &Tally, dry_run: bool) {
    let verb = if dry_run { "would be" } else { "were" };
    println!(
        "The file holds {} posts, {} pages, {} attachments, {} authors, {} categories and tags, {} comments.",
        report.posts,
        report.pages,
        report.attachments,
        report.authors,
        report.terms,
        report.comments
    );
    if !report.skipped.is_empty() {
        let skipped: Vec<String> = report
            .skipped
            .iter()
            .map(|(kind, n)| format!("{n} {kind}"))
            .collect();
        println!("Skipped: {}.", skipped.join(", "));
    }
    if report.comments > 0 {
        println!(
            "Comments are not imported (Folio has no comments yet): {} counted.",
            report.comments
        );
    }
    println!(
        "{} posts and {} pages {verb} created; {} {verb} already imported by an earlier run.",
        tally.posts_created, tally.pages_created, tally.already_imported
    );
    if !dry_run {
        println!(
            "Authors: {} created (contributors with no password: set one in People), {} matched by email.",
            tally.authors_created, tally.authors_matched
        );
    }
    println!(
        "Images: {} {verb} imported (an image imported before is found, not copied again).",
        tally.media_imported
    );
    println!(
        "Old addresses: {} {verb} redirected to their new pages; {} already were (or are live pages here).",
        tally.redirects_added, tally.redirects_kept
    );
    if !tally.warnings.is_empty() {
        println!("\nWarnings ({}):", tally.warnings.len());
        for w in &tally.warnings {
            println!("  {} {:?}: {}", w.source_id, w.title, w.message);
        }
    }
    if !tally.failed.is_empty() {
        println!("\nNot imported ({}):", tally.failed.len());
        for w in &tally.failed {
            println!("  {} {:?}: {}", w.source_id, w.title, w.message);
        }
    }
}
