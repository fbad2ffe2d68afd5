//! The caches at the edge and the one conditional GET: built public pages,
//! where redirects lead, and media's small files kept in memory, each dropped by exactly the events that
//! touch it, and the ETag/304 answer pages, media files and static assets
//! share. A cache here is like a CDN in front of the concerns, never a second
//! owner of their data: every entry can be rebuilt by asking again.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use actix_web::http::header::{self, Header, IfNoneMatch};
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder};
use moka::sync::Cache;

use super::ApiError;
use folio_auth_protocol::messages::AuthEvent;
use folio_media_protocol::MediumId;
use folio_media_protocol::messages::MediaEvent;
use folio_posts_protocol::domain::{PostKind, RedirectFrom};
use folio_posts_protocol::messages::{PostChange, PostState, PostsEvent};
use folio_runtime::{EventBus, EventsMissed};

/// Follows the events of every concern whose data the caches show, for as long
/// as the process runs. Events arrive with the reply of a change made here and,
/// later, from other processes: dropping twice is harmless.
pub(crate) fn follow(
    events: &EventBus,
    pages: &PageCache,
    redirects: &RedirectCache,
    files: &FileCache,
) {
    let (cache, redirected) = (pages.clone(), redirects.clone());
    events.listen(move |event: &PostsEvent| match event {
        PostsEvent::PostChanged(change) => {
            cache.forget(change);
            redirected.forget(change);
        }
        // Every listing, post and author page may show the old author.
        PostsEvent::PostsReassigned { .. } => cache.invalidate_all(),
        PostsEvent::RedirectsChanged => redirected.invalidate_all(),
        // The site's title and description are on every page.
        PostsEvent::SiteSettingsChanged => cache.invalidate_all(),
        // Tag names show on listings, posts and feeds of every kind.
        PostsEvent::TagsChanged { .. } => cache.invalidate_all(),
    });
    let (cache, media_files) = (pages.clone(), files.clone());
    events.listen(move |event: &MediaEvent| match event {
        // Which pages show a medium is not tracked: rebuild them all.
        MediaEvent::MediumChanged { id } => {
            media_files.forget(*id);
            cache.invalidate_all();
        }
    });
    let (cache, all_files, redirected) = (pages.clone(), files.clone(), redirects.clone());
    events.listen(move |_: &EventsMissed| {
        tracing::info!(
            "events may have been missed while NATS was away: every cached page and file is dropped"
        );
        cache.invalidate_all();
        redirected.invalidate_all();
        all_files.0.invalidate_all();
    });
    let cache = pages.clone();
    events.listen(move |event: &AuthEvent| match event {
        // Names and bios show on post, listing and author pages.
        AuthEvent::AuthorChanged { .. } => cache.invalidate_all(),
        AuthEvent::CredentialsChanged { .. } | AuthEvent::SessionEnded { .. } => {}
    });
}

/// A built page: its bytes and their validator.
pub(crate) struct CachedPage {
    pub body: Bytes,
    pub etag: String,
    pub content_type: &'static str,
}

#[derive(Clone)]
pub(crate) struct PageCache {
    pages: Cache<String, Arc<CachedPage>>,
    /// Bumped by every invalidation. A page whose build started before the
    /// latest bump may hold the old content and is not kept.
    generation: Arc<AtomicU64>,
}

impl PageCache {
    /// No page lives longer than `ttl`, whatever events say: a change that
    /// was never announced (another process's write, a lost event) shows
    /// within that time.
    ///
    /// The cache holds at most `max_bytes` of pages (body and key): a site of
    /// 100,000 posts has more pages than memory should keep, and the least
    /// used go first.
    pub(crate) fn new(ttl: Duration, max_bytes: u64) -> Self {
        Self {
            pages: Cache::builder()
                .max_capacity(max_bytes)
                .weigher(|key: &String, page: &Arc<CachedPage>| {
                    let bytes = key.len() + page.body.len() + page.etag.len();
                    u32::try_from(bytes).unwrap_or(u32::MAX)
                })
                .time_to_live(ttl)
                .support_invalidation_closures()
                .build(),
            generation: Arc::default(),
        }
    }

    /// The generation a build starts at: pass it to [`PageCache::insert`].
    pub(crate) fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    pub(crate) fn get(&self, key: &str) -> Option<Arc<CachedPage>> {
        self.pages.get(key)
    }

    /// Keeps `page` unless the cache was invalidated since `built_at`.
    pub(crate) fn insert(&self, key: String, page: Arc<CachedPage>, built_at: u64) {
        if self.generation.load(Ordering::SeqCst) == built_at {
            self.pages.insert(key, page);
        }
    }

    pub(crate) fn invalidate_all(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        self.pages.invalidate_all();
    }

    /// Drops the pages a change to a post touches: the post's own page at its
    /// old and new slugs and, for each side of the change where it is public,
    /// the sitemap and, for a post (not a page), the listings and feeds it
    /// shows in. Both sides count: a post that is now a draft, a page or
    /// deleted must leave the pages it was on.
    pub(crate) fn forget(&self, change: &PostChange) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        for state in change.states() {
            self.pages.invalidate(&format!("/{}/", state.slug));
        }
        if !change.states().any(|state| state.public) {
            // A draft shows nowhere else.
            return;
        }
        let listed: Vec<&PostState> = change
            .states()
            .filter(|state| state.public && state.kind == PostKind::Post)
            .collect();
        let on_listings = !listed.is_empty();
        let tags: Vec<String> = listed
            .iter()
            .flat_map(|state| &state.tags)
            .map(|tag| format!("/tag/{tag}/"))
            .collect();
        let dropped = self.pages.invalidate_entries_if(move |key, _| {
            // A changed or unpublished post may be in any sitemap file.
            key == "/sitemap.xml"
                || key.starts_with("/sitemap-")
                || (on_listings
                    && (key == "/"
                        || key.starts_with("/page/")
                        || key == "/feed.xml"
                        // Author pages are keyed by slug, which the event
                        // doesn't carry; there are few of them, so all go.
                        || key.starts_with("/author/")
                        || tags.iter().any(|tag| key.starts_with(tag.as_str()))))
        });
        if dropped.is_err() {
            self.invalidate_all();
        }
    }
}

/// Where redirects lead, by their parsed address (never the raw path, which
/// has many spellings): the 301s readers of old addresses get, and the "no
/// redirect here" of addresses that lead nowhere (a browser asks for
/// `/favicon.ico` with every page), without a call to posts each time.
/// Bounded by count: a flood of made-up addresses only pushes out the least
/// used. Any change to the redirects, and any change
/// to a post that may move where one leads (a published post's slug, a post
/// published, unpublished or deleted), drops them all: they are few and
/// cheap to ask again, and a finer rule would be one more thing to get wrong.
#[derive(Clone)]
pub(crate) struct RedirectCache {
    locations: Cache<RedirectFrom, Option<Arc<str>>>,
    /// As [`PageCache::generation`]: an answer asked before the latest drop
    /// may be the old one and is not kept.
    generation: Arc<AtomicU64>,
}

/// Redirects kept at the edge.
const CACHED_REDIRECTS: u64 = 10_000;

impl RedirectCache {
    pub(crate) fn new(ttl: Duration) -> Self {
        Self {
            locations: Cache::builder()
                .max_capacity(CACHED_REDIRECTS)
                .time_to_live(ttl)
                .build(),
            generation: Arc::default(),
        }
    }

    pub(crate) fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    /// `Some(None)`: known to lead nowhere.
    pub(crate) fn get(&self, from: &RedirectFrom) -> Option<Option<Arc<str>>> {
        self.locations.get(from)
    }

    /// Keeps where `from` leads (or that it leads nowhere) unless redirects
    /// were dropped since `asked_at`.
    pub(crate) fn insert(&self, from: RedirectFrom, location: Option<Arc<str>>, asked_at: u64) {
        if self.generation.load(Ordering::SeqCst) == asked_at {
            self.locations.insert(from, location);
        }
    }

    pub(crate) fn invalidate_all(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        self.locations.invalidate_all();
    }

    /// Drops every kept redirect when `change` may move where one leads: a
    /// draft saved again at the same slug (autosave) moves none.
    pub(crate) fn forget(&self, change: &PostChange) {
        let moved = match (&change.before, &change.after) {
            (Some(before), Some(after)) => {
                before.slug != after.slug || before.public || after.public
            }
            _ => change.states().any(|state| state.public),
        };
        if moved {
            self.invalidate_all();
        }
    }
}

/// Generated files recently served, by the parsed id, version and file name
/// (never the raw path: `forget` must drop every key that can serve a file).
/// URLs are immutable (a new version gets new ones), so a copy in memory never
/// goes stale; a change to a medium drops its entries. Bounded by bytes.
#[derive(Clone)]
pub(crate) struct FileCache(Cache<FileKey, Arc<CachedFile>>);

/// One generated file, as the only URL that serves it names it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct FileKey {
    pub id: MediumId,
    pub version: i32,
    pub file: String,
}

impl FileKey {
    /// Only the spelling Folio writes in its URLs: the hyphenated lower-case id
    /// and a plain version number. Other spellings of the same id (upper case,
    /// 32 hex digits, `urn:uuid:`, `v01`) are 404s, so a file has exactly one
    /// URL and one cache key.
    pub(crate) fn parse(id: &str, version: &str, file: String) -> Result<Self, ApiError> {
        let gone = || ApiError::not_found("there is no such file");
        let parsed_id = MediumId::parse(id).map_err(|_| gone())?;
        let parsed_version: i32 = version.parse().map_err(|_| gone())?;
        if parsed_id.to_string() != id || parsed_version.to_string() != version {
            return Err(gone());
        }
        Ok(Self {
            id: parsed_id,
            version: parsed_version,
            file,
        })
    }
}

pub(crate) struct CachedFile {
    pub body: Bytes,
    pub content_type: String,
    pub etag: String,
}

/// Files up to this size are kept in memory; larger ones (a kept original can
/// be 40 MB) are streamed from the blob store in small chunks every time, so
/// slow readers cost a chunk each rather than the whole file each.
pub(crate) const CACHE_FILES_UP_TO: u64 = 2 * 1024 * 1024;

impl FileCache {
    pub(crate) fn new(max_bytes: u64) -> Self {
        Self(
            Cache::builder()
                .max_capacity(max_bytes)
                .weigher(|_, file: &Arc<CachedFile>| {
                    u32::try_from(file.body.len()).unwrap_or(u32::MAX)
                })
                .support_invalidation_closures()
                .build(),
        )
    }

    pub(crate) fn get(&self, key: &FileKey) -> Option<Arc<CachedFile>> {
        self.0.get(key)
    }

    pub(crate) fn insert(&self, key: FileKey, file: Arc<CachedFile>) {
        self.0.insert(key, file);
    }

    /// Forgets every file of medium `id`.
    pub(crate) fn forget(&self, id: MediumId) {
        if self
            .0
            .invalidate_entries_if(move |key, _| key.id == id)
            .is_err()
        {
            self.0.invalidate_all();
        }
    }
}

/// A strong ETag for `body`: the first 12 bytes of its SHA-256, hex, quoted.
pub(crate) fn etag_of(body: &[u8]) -> String {
    use sha2::Digest;
    format!("\"{}\"", hex::encode(&sha2::Sha256::digest(body)[..12]))
}

/// Starts the answer to a GET of a body whose ETag is `etag`: 304 Not Modified
/// when the request's If-None-Match already names it, else 200 OK; either way
/// with the ETag and `cache_control`. The flag is true for a 304, which must
/// be finished without a body.
///
/// If-None-Match is compared weakly, as RFC 9110 asks: a proxy that compresses
/// a body sends back `W/"…"` for our strong tag, and `*` matches any body.
pub(crate) fn conditional(
    request: &HttpRequest,
    etag: &str,
    cache_control: &'static str,
) -> (HttpResponseBuilder, bool) {
    // Weak comparison is of the opaque tags alone, whichever is weak.
    let ours = etag.trim_matches('"');
    let unchanged = match IfNoneMatch::parse(request) {
        Ok(IfNoneMatch::Any) => true,
        Ok(IfNoneMatch::Items(tags)) => tags.iter().any(|tag| tag.tag() == ours),
        Err(_) => false,
    };
    let mut response = if unchanged {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    response
        .insert_header((header::ETAG, etag.to_owned()))
        .insert_header((header::CACHE_CONTROL, cache_control));
    (response, unchanged)
}
