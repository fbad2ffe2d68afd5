//! The public site, rendered on the server: home, posts and pages, tag and
//! author listings, feeds, sitemap, robots.txt. Built pages are kept in a
//! cache at the edge and dropped exactly when an event says they changed.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::http::header::ContentType;
use actix_web::web::Bytes;
use actix_web::{HttpMessage, HttpRequest, HttpResponse, get, web};
use serde::Serialize;
use tracing_actix_web::RequestId;

use super::Services;
use super::cache::{CachedPage, conditional, etag_of};
use super::headers::no_store;
use super::seo::{self, Article, PageMeta, SiteFacts, SocialImage};
use super::settings::SiteInfo;
use folio_auth_protocol::AuthError;
use folio_auth_protocol::messages::{AuthorBySlug, AuthorView, DescribeAuthors};
use folio_media_protocol::messages::DescribeImages;
use folio_media_protocol::messages::ImageSource;
use folio_posts_protocol::PostsError;
use folio_posts_protocol::domain::{PostKind, PreviewToken};
use folio_posts_protocol::messages::{
    ListPublished, ListPublishedUrls, PostByPreview, PostPage, PostView, PublishedBySlug,
    SITEMAP_URLS, TagView,
};
use folio_render_protocol::html::resolve_media;
use folio_runtime::{CallMeta, CommonError, UserId};

/// Posts per listing page.
/// Items in a feed.
const FEED_ITEMS: u32 = 20;
/// How long a page waits for media before showing placeholders.
const MEDIA_DEADLINE: Duration = Duration::from_millis(250);
const PAGE_DEADLINE: Duration = Duration::from_secs(3);

pub(crate) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(home_index)
        .service(home_page)
        .service(tag_index)
        .service(tag_page)
        .service(tag_feed)
        .service(author_feed)
        .service(author_index)
        .service(author_page)
        .service(site_feed)
        .service(sitemap_xml)
        .service(sitemap_file)
        .service(robots_txt)
        .service(preview_page)
        .service(post_page);
}

/// Answers from the cache or builds the page; 304 when the browser's copy is current.
async fn serve<F, Fut>(
    request: &HttpRequest,
    services: &Services,
    key: String,
    build: F,
) -> HttpResponse
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = Built>,
{
    let page = match services.pages_cache.get(&key) {
        Some(page) => page,
        None => {
            let generation = services.pages_cache.generation();
            super::settings::fresh(services, &request_id(request)).await;
            let built = build().await;
            // Only where the site has nothing: a live page is never shadowed.
            if built.status == StatusCode::NOT_FOUND
                && let Some(moved) = super::redirects::answer(services, request).await
            {
                return moved;
            }
            if built.status != StatusCode::OK {
                return HttpResponse::build(built.status)
                    .content_type(built.content_type)
                    .body(built.body);
            }
            let page = Arc::new(CachedPage {
                etag: etag_of(built.body.as_bytes()),
                body: Bytes::from(built.body),
                content_type: built.content_type,
            });
            // A page with image placeholders is not kept: media may be back soon.
            if built.complete {
                services.pages_cache.insert(key, page.clone(), generation);
            }
            page
        }
    };
    // Revalidate every time: cheap with the ETag, and an edit shows at once.
    let (mut response, unchanged) =
        conditional(request, &page.etag, "public, max-age=0, must-revalidate");
    if unchanged {
        return response.finish();
    }
    response
        .content_type(page.content_type)
        .body(page.body.clone())
}

/// A page as built, before caching.
pub(crate) struct Built {
    status: StatusCode,
    body: String,
    content_type: &'static str,
    complete: bool,
}

impl Built {
    fn error(services: &Services, status: StatusCode) -> Self {
        let body = match status {
            StatusCode::NOT_FOUND => services.pages.render_to_string("site/404.html", minijinja::context! { site => site(services) }),
            _ => Err(minijinja::Error::new(minijinja::ErrorKind::InvalidOperation, "unavailable")),
        }
        .unwrap_or_else(|_| "<!doctype html><title>Temporarily unavailable</title><h1>This page is temporarily unavailable</h1><p>Please try again in a moment.</p>".to_owned());
        Self {
            status,
            body,
            content_type: "text/html; charset=utf-8",
            complete: false,
        }
    }

    fn from_error(services: &Services, error: &PostsError) -> Self {
        match error {
            PostsError::Common(CommonError::NotFound(_)) => {
                Self::error(services, StatusCode::NOT_FOUND)
            }
            other => {
                tracing::warn!(error = %other, "a public page could not be built");
                Self::error(services, StatusCode::SERVICE_UNAVAILABLE)
            }
        }
    }
}

/// `site` in templates: the settings (`site.title`, `site.primary_menu`
/// with `label`, `url` and `external`, `site.language`, `site.social_accounts`,
/// `site.code_head`…) and the site's addresses.
#[derive(Serialize)]
pub(crate) struct Site {
    #[serde(flatten)]
    info: SiteInfo,
    url: String,
    feed_url: String,
}

pub(crate) fn site(services: &Services) -> Site {
    site_of(services, services.site.get())
}

fn site_of(services: &Services, info: SiteInfo) -> Site {
    Site {
        info,
        url: services.public_url.clone(),
        feed_url: format!("{}/feed.xml", services.public_url),
    }
}

/// What link previews say of the site, from the settings the page is built with.
fn facts<'a>(services: &'a Services, site: &SiteInfo) -> SiteFacts<'a> {
    SiteFacts {
        title: site.title.clone(),
        description: site.description.clone(),
        public_url: &services.public_url,
    }
}

/// The id the request's span was given: every call a page makes carries it,
/// so one reader's request reads as one story in every concern's log.
pub(crate) fn request_id(request: &HttpRequest) -> String {
    request
        .extensions()
        .get::<RequestId>()
        .map_or_else(|| "site".to_owned(), ToString::to_string)
}

fn meta(services: &Services, request_id: &str) -> CallMeta {
    CallMeta::new(
        request_id,
        PAGE_DEADLINE.min(services.runtime.call_timeout()),
    )
}

/// Images for `ids` from the media concern; empty (placeholders) when it is
/// down or slow — the page renders anyway.
pub(crate) async fn describe_images(
    services: &Services,
    ids: &[String],
    request_id: &str,
) -> HashMap<String, ImageSource> {
    if ids.is_empty() {
        return HashMap::new();
    }
    let meta = CallMeta::new(request_id, MEDIA_DEADLINE);
    match services
        .media
        .call(DescribeImages { ids: ids.to_vec() }, meta)
        .await
    {
        Ok(images) => images.into_iter().collect(),
        Err(error) => {
            tracing::warn!(%error, "media did not describe images; showing placeholders");
            HashMap::new()
        }
    }
}

/// The authors of `posts` only (a page shows a handful, however many people
/// write here); none when auth is down — the page shows no names.
async fn authors_of(services: &Services, posts: &[&PostView], request_id: &str) -> Vec<AuthorView> {
    let mut ids: Vec<UserId> = posts.iter().map(|post| post.author).collect();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Vec::new();
    }
    services
        .auth
        .call(DescribeAuthors { ids }, meta(services, request_id))
        .await
        .unwrap_or_else(|error| {
            tracing::warn!(%error, "authors unavailable; pages show no names");
            Vec::new()
        })
}

#[derive(Serialize)]
struct Link {
    name: String,
    url: String,
}

#[derive(Serialize)]
struct AuthorOut {
    name: String,
    url: String,
    bio: String,
    /// Their picture, when they chose one and media described it.
    avatar: Option<AvatarOut>,
    website: Option<WebsiteOut>,
}

/// A person's picture for an `<img>`: the template sets the size it is
/// shown at (`sizes`, `width`, `height`), so the browser picks a small variant.
#[derive(Serialize)]
struct AvatarOut {
    src: String,
    srcset: String,
    /// The person's name: the picture stands for them.
    alt: String,
}

#[derive(Serialize)]
struct WebsiteOut {
    url: String,
    /// The address without its scheme and trailing slash, as people say it.
    label: String,
}

/// What a page shows of `author` (nobody's name when auth had none to give).
fn author_out(author: Option<&AuthorView>, images: &HashMap<String, ImageSource>) -> AuthorOut {
    let Some(author) = author else {
        return AuthorOut {
            name: String::new(),
            url: String::new(),
            bio: String::new(),
            avatar: None,
            website: None,
        };
    };
    AuthorOut {
        name: author.name.clone(),
        url: format!("/author/{}/", author.slug),
        bio: author.bio.clone(),
        avatar: author
            .avatar
            .as_ref()
            .and_then(|id| images.get(id.as_str()))
            .filter(|source| folio_render_protocol::html::is_safe(source))
            .map(|source| AvatarOut {
                src: source.src.clone(),
                srcset: source.srcset.clone(),
                alt: author.name.clone(),
            }),
        website: author.website.as_ref().map(|website| {
            let url = website.as_str();
            let label = url
                .split_once("://")
                .map_or(url, |(_, rest)| rest)
                .trim_end_matches('/');
            WebsiteOut {
                url: url.to_owned(),
                label: label.to_owned(),
            }
        }),
    }
}

/// The media ids of the authors' pictures that `asked` lacks.
fn avatars_of(authors: &[AuthorView], asked: &[String]) -> Vec<String> {
    let mut ids: Vec<String> = Vec::new();
    for id in authors.iter().filter_map(|author| author.avatar.as_ref()) {
        let id = id.as_str().to_owned();
        if !asked.contains(&id) && !ids.contains(&id) {
            ids.push(id);
        }
    }
    ids
}

#[derive(Serialize)]
struct PostOut {
    title: String,
    url: String,
    kind: PostKind,
    html: String,
    excerpt: String,
    published_at: String,
    published_human: String,
    updated_at: String,
    reading_minutes: u32,
    author: AuthorOut,
    tags: Vec<Link>,
    feature_image: Option<FeatureImage>,
}

#[derive(Serialize)]
struct FeatureImage {
    #[serde(flatten)]
    source: ImageSource,
    alt: String,
}

fn post_out(
    services: &Services,
    info: &SiteInfo,
    post: &PostView,
    authors: &[AuthorView],
    images: &HashMap<String, ImageSource>,
    html: String,
) -> PostOut {
    let author = authors.iter().find(|author| author.id == post.author);
    let published = post.published_at.unwrap_or(post.created_at);
    PostOut {
        title: post.title.clone(),
        url: format!("{}/{}/", services.public_url, post.slug),
        kind: post.kind,
        html,
        excerpt: post.excerpt.clone(),
        published_at: info.rfc3339(published),
        published_human: info.date(published),
        updated_at: info.rfc3339(post.updated_at),
        reading_minutes: post.words.div_ceil(230).max(1),
        author: author_out(author, images),
        tags: post
            .tags
            .iter()
            .map(|tag| Link {
                name: tag.name.clone(),
                url: format!("/tag/{}/", tag.slug),
            })
            .collect(),
        feature_image: post
            .feature_image
            .as_ref()
            .and_then(|id| images.get(id))
            .filter(|source| folio_render_protocol::html::is_safe(source))
            .map(|source| FeatureImage {
                source: source.clone(),
                // The picture's own words: the title is right beside it.
                alt: source.alt.clone(),
            }),
    }
}

/// Every media id a set of posts shows: feature images and images in the body.
fn media_of(posts: &[&PostView], with_bodies: bool) -> Vec<String> {
    let mut ids: Vec<String> = Vec::new();
    for post in posts {
        let body = if with_bodies {
            folio_render_protocol::html::media_ids(&post.html)
        } else {
            Vec::new()
        };
        for id in post.feature_image.iter().cloned().chain(body) {
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
    }
    ids
}

async fn build_post(services: &Services, slug: String, request_id: &str) -> Built {
    match services
        .posts
        .call(PublishedBySlug { slug }, meta(services, request_id))
        .await
    {
        Ok(post) => post_page_of(services, post, request_id, false).await,
        Err(error) => Built::from_error(services, &error),
    }
}

/// A post's page; a `preview` says so on the page and asks not to be indexed.
async fn post_page_of(
    services: &Services,
    post: PostView,
    request_id: &str,
    preview: bool,
) -> Built {
    let shown = [&post];
    let mut ids = media_of(&shown, true);
    let social_image = post
        .seo
        .social_image
        .as_ref()
        .and_then(|image| image.medium());
    if let Some(id) = social_image
        && !ids.iter().any(|known| known == id)
    {
        ids.push(id.to_owned());
    }
    let (mut images, authors) = futures::join!(
        describe_images(services, &ids, request_id),
        authors_of(services, &shown, request_id)
    );
    // The author box's picture: known only once auth has answered, so asked
    // after (and only when the author has one).
    let avatars = avatars_of(&authors, &ids);
    images.extend(describe_images(services, &avatars, request_id).await);
    ids.extend(avatars);
    let complete = ids.iter().all(|id| images.contains_key(id));
    let html = resolve_media(&post.html, |id| images.get(id).cloned());
    let mut info = services.site.get();
    if preview {
        // A private address is never handed to the owner's scripts (analytics).
        info.code_head.clear();
        info.code_foot.clear();
    }
    let out = post_out(services, &info, &post, &authors, &images, html);
    let author_url =
        (!out.author.url.is_empty()).then(|| seo::absolute(&services.public_url, &out.author.url));
    // The post's own search and sharing details, where it has them.
    let seo = &post.seo;
    let shared_image = social_image
        .and_then(|id| images.get(id))
        .map(|source| SocialImage::of(source, &services.public_url));
    let page_meta = Article {
        is_post: post.kind == PostKind::Post,
        title: seo.meta_title.as_ref().map_or(&out.title, |t| t.as_str()),
        description: seo
            .meta_description
            .as_ref()
            .map_or(&out.excerpt, |d| d.as_str()),
        canonical: seo.canonical_url.as_ref().map_or(&out.url, |c| c.as_str()),
        published: &out.published_at,
        modified: &out.updated_at,
        author_name: &out.author.name,
        author_url,
        tags: out.tags.iter().map(|tag| tag.name.clone()).collect(),
        image: shared_image.or_else(|| {
            out.feature_image
                .as_ref()
                .map(|image| SocialImage::of(&image.source, &services.public_url))
        }),
    }
    .meta(&facts(services, &info));
    let context = minijinja::context! {
        site => site_of(services, info),
        meta => page_meta,
        post => out,
        preview,
        status => post.status.as_str(),
    };
    render(services, "site/post.html", context, complete)
}

/// A post or page through its preview link, whatever its status: built for
/// each request, never cached (by Folio, a browser or a proxy), never indexed,
/// and "not found" as soon as the link is revoked or replaced.
#[get("/preview/{token}/")]
async fn preview_page(
    services: web::Data<Services>,
    request: HttpRequest,
    token: web::Path<String>,
) -> HttpResponse {
    let rid = request_id(&request);
    let built = match PreviewToken::parse(&token) {
        Err(_) => Built::error(&services, StatusCode::NOT_FOUND),
        Ok(token) => match services
            .posts
            .call(PostByPreview { token }, meta(&services, &rid))
            .await
        {
            Ok(post) => post_page_of(&services, post, &rid, true).await,
            Err(error) => Built::from_error(&services, &error),
        },
    };
    no_store(HttpResponse::build(built.status))
        .content_type(built.content_type)
        .insert_header(("X-Robots-Tag", "noindex, nofollow"))
        .body(built.body)
}

fn render(services: &Services, template: &str, context: minijinja::Value, complete: bool) -> Built {
    render_as(
        services,
        template,
        context,
        "text/html; charset=utf-8",
        complete,
    )
}

fn render_as(
    services: &Services,
    template: &str,
    context: minijinja::Value,
    content_type: &'static str,
    complete: bool,
) -> Built {
    match services.pages.render_to_string(template, context) {
        Ok(body) => Built {
            status: StatusCode::OK,
            body,
            content_type,
            complete,
        },
        Err(error) => {
            tracing::error!(%error, template, "could not render a page");
            Built::error(services, StatusCode::INTERNAL_SERVER_ERROR)
        }
    }
}

struct Listing {
    kind: &'static str,
    /// Open Graph's type of the page.
    og_type: &'static str,
    title: String,
    description: String,
    feed_url: Option<String>,
    base: String,
    /// Whose listing this is, on an author's page: their picture and website
    /// head it.
    author: Option<AuthorView>,
}

async fn build_listing(
    services: &Services,
    listing: Listing,
    query: ListPublished,
    request_id: &str,
) -> Built {
    let info = services.site.get();
    let per_page = info.posts_per_page;
    let page_number = query.page;
    let query = ListPublished { per_page, ..query };
    let page = match services.posts.call(query, meta(services, request_id)).await {
        Ok(page) => page,
        Err(error) => return Built::from_error(services, &error),
    };
    let last_page = page.total.div_ceil(u64::from(per_page)).max(1);
    if u64::from(page_number) > last_page {
        return Built::error(services, StatusCode::NOT_FOUND);
    }
    let refs: Vec<&PostView> = page.posts.iter().collect();
    let mut ids = media_of(&refs, false);
    // Cards show no pictures of their authors; an author's page shows theirs.
    ids.extend(avatars_of(listing.author.as_slice(), &ids));
    let (images, authors) = futures::join!(
        describe_images(services, &ids, request_id),
        authors_of(services, &refs, request_id)
    );
    let complete = ids.iter().all(|id| images.contains_key(id));
    let author = listing
        .author
        .as_ref()
        .map(|author| author_out(Some(author), &images));
    let posts: Vec<PostOut> = page
        .posts
        .iter()
        .map(|post| post_out(services, &info, post, &authors, &images, String::new()))
        .collect();
    let page_url = |n: u32| {
        if n == 1 {
            listing.base.clone()
        } else {
            format!("{}page/{n}/", listing.base)
        }
    };
    let canonical = seo::absolute(&services.public_url, &page_url(page_number));
    let mut page_meta = if listing.kind == "home" {
        PageMeta::home(&facts(services, &info), canonical)
    } else {
        PageMeta::listing(
            format!("{} — {}", listing.title, info.title),
            listing.description.clone(),
            canonical,
            listing.og_type,
        )
    };
    // A profile's preview shows the person (the same picture the page does).
    if let Some((person, source)) = listing.author.as_ref().and_then(|person| {
        let id = person.avatar.as_ref()?;
        let source = images.get(id.as_str())?;
        folio_render_protocol::html::is_safe(source).then_some((person, source))
    }) {
        page_meta.image = Some(SocialImage {
            alt: person.name.clone(),
            ..SocialImage::of(source, &services.public_url)
        });
    }
    let context = minijinja::context! {
        site => site_of(services, info),
        meta => page_meta,
        listing => minijinja::context! {
            kind => listing.kind, title => listing.title, description => listing.description, feed_url => listing.feed_url,
            author,
        },
        posts,
        pagination => minijinja::context! {
            number => page_number,
            prev_url => (page_number > 1).then(|| page_url(page_number - 1)),
            next_url => (u64::from(page_number) < last_page).then(|| page_url(page_number + 1)),
        },
    };
    render(services, "site/index.html", context, complete)
}

fn home_listing() -> Listing {
    Listing {
        kind: "home",
        og_type: "website",
        title: String::new(),
        description: String::new(),
        feed_url: None,
        base: "/".into(),
        author: None,
    }
}

/// Page `page` of the published posts; how many a page holds is the
/// site's setting, filled in by [`build_listing`].
fn published(page: u32) -> ListPublished {
    ListPublished {
        page,
        ..ListPublished::default()
    }
}

#[get("/")]
async fn home_index(services: web::Data<Services>, request: HttpRequest) -> HttpResponse {
    // An old site's links by query (`/?p=123`) land here; the plain home
    // page asks nothing.
    if !request.query_string().is_empty()
        && let Some(moved) = super::redirects::answer(&services, &request).await
    {
        return moved;
    }
    let rid = request_id(&request);
    serve(&request, &services, "/".into(), || {
        build_listing(&services, home_listing(), published(1), &rid)
    })
    .await
}

#[get("/page/{n}/")]
async fn home_page(
    services: web::Data<Services>,
    request: HttpRequest,
    n: web::Path<u32>,
) -> HttpResponse {
    let n = n.into_inner().max(1);
    let rid = request_id(&request);
    serve(&request, &services, format!("/page/{n}/"), || {
        build_listing(&services, home_listing(), published(n), &rid)
    })
    .await
}

/// What a tag's page and feed say of it: its own description, if it has one.
fn tag_description(tag: &TagView) -> String {
    if tag.description.is_empty() {
        format!("Posts tagged “{}”", tag.name)
    } else {
        tag.description.clone()
    }
}

async fn tag_listing(services: &Services, slug: &str, page: u32, request_id: &str) -> Built {
    let tags = match services
        .posts
        .call(
            folio_posts_protocol::messages::ListTags,
            meta(services, request_id),
        )
        .await
    {
        Ok(tags) => tags,
        Err(error) => return Built::from_error(services, &error),
    };
    let Some(tag) = tags.into_iter().find(|tag| tag.slug == slug) else {
        return Built::error(services, StatusCode::NOT_FOUND);
    };
    let listing = Listing {
        kind: "tag",
        og_type: "website",
        title: tag.name.clone(),
        description: tag_description(&tag),
        feed_url: Some(format!("/tag/{slug}/feed.xml")),
        base: format!("/tag/{slug}/"),
        author: None,
    };
    build_listing(
        services,
        listing,
        ListPublished {
            tag: Some(slug.to_owned()),
            ..published(page)
        },
        request_id,
    )
    .await
}

#[get("/tag/{slug}/")]
async fn tag_index(
    services: web::Data<Services>,
    request: HttpRequest,
    slug: web::Path<String>,
) -> HttpResponse {
    let slug = slug.into_inner();
    let rid = request_id(&request);
    serve(&request, &services, format!("/tag/{slug}/"), || {
        tag_listing(&services, &slug, 1, &rid)
    })
    .await
}

#[get("/tag/{slug}/page/{n}/")]
async fn tag_page(
    services: web::Data<Services>,
    request: HttpRequest,
    path: web::Path<(String, u32)>,
) -> HttpResponse {
    let (slug, n) = path.into_inner();
    let n = n.max(1);
    let rid = request_id(&request);
    serve(
        &request,
        &services,
        format!("/tag/{slug}/page/{n}/"),
        || tag_listing(&services, &slug, n, &rid),
    )
    .await
}

async fn author_listing(services: &Services, slug: &str, page: u32, request_id: &str) -> Built {
    let found = services
        .auth
        .call(
            AuthorBySlug {
                slug: slug.to_owned(),
            },
            meta(services, request_id),
        )
        .await;
    let author = match found {
        Ok(author) => author,
        Err(AuthError::Common(CommonError::NotFound(_))) => {
            return Built::error(services, StatusCode::NOT_FOUND);
        }
        Err(error) => {
            tracing::warn!(%error, "an author page could not be built");
            return Built::error(services, StatusCode::SERVICE_UNAVAILABLE);
        }
    };
    let listing = Listing {
        kind: "author",
        og_type: "profile",
        title: author.name.clone(),
        description: author.bio.clone(),
        feed_url: Some(format!("/author/{slug}/feed.xml")),
        base: format!("/author/{slug}/"),
        author: Some(author.clone()),
    };
    build_listing(
        services,
        listing,
        ListPublished {
            author: Some(author.id),
            ..published(page)
        },
        request_id,
    )
    .await
}

/// Author pages are cached by slug: no call to auth to serve a cached one.
fn author_key(slug: &str, page: u32) -> String {
    if page == 1 {
        format!("/author/{slug}/")
    } else {
        format!("/author/{slug}/page/{page}/")
    }
}

#[get("/author/{slug}/")]
async fn author_index(
    services: web::Data<Services>,
    request: HttpRequest,
    slug: web::Path<String>,
) -> HttpResponse {
    let slug = slug.into_inner();
    let rid = request_id(&request);
    serve(&request, &services, author_key(&slug, 1), || {
        author_listing(&services, &slug, 1, &rid)
    })
    .await
}

#[get("/author/{slug}/page/{n}/")]
async fn author_page(
    services: web::Data<Services>,
    request: HttpRequest,
    path: web::Path<(String, u32)>,
) -> HttpResponse {
    let (slug, n) = path.into_inner();
    let n = n.max(1);
    let rid = request_id(&request);
    serve(&request, &services, author_key(&slug, n), || {
        author_listing(&services, &slug, n, &rid)
    })
    .await
}

#[derive(Serialize)]
struct FeedItem {
    title: String,
    url: String,
    pub_date: String,
    author: String,
    html: String,
    tags: Vec<String>,
    image: Option<SocialImage>,
}

/// Which posts a feed follows.
enum FeedOf {
    Site,
    Tag(String),
    Author(String),
}

/// A feed's own title, address and description, and the posts it lists.
struct FeedHead {
    title: String,
    link: String,
    self_url: String,
    description: String,
    query: ListPublished,
}

async fn feed_head(services: &Services, of: FeedOf, request_id: &str) -> Result<FeedHead, Built> {
    let base = &services.public_url;
    let query = ListPublished {
        page: 1,
        per_page: FEED_ITEMS,
        ..ListPublished::default()
    };
    match of {
        FeedOf::Site => {
            let site = services.site.get();
            Ok(FeedHead {
                title: site.title,
                link: format!("{base}/"),
                self_url: format!("{base}/feed.xml"),
                description: site.description,
                query,
            })
        }
        FeedOf::Tag(slug) => {
            let tags = services
                .posts
                .call(
                    folio_posts_protocol::messages::ListTags,
                    meta(services, request_id),
                )
                .await
                .map_err(|error| Built::from_error(services, &error))?;
            let Some(tag) = tags.into_iter().find(|t| t.slug == slug) else {
                return Err(Built::error(services, StatusCode::NOT_FOUND));
            };
            Ok(FeedHead {
                title: format!("{} — {}", tag.name, services.site.get().title),
                link: format!("{base}/tag/{slug}/"),
                self_url: format!("{base}/tag/{slug}/feed.xml"),
                description: tag_description(&tag),
                query: ListPublished {
                    tag: Some(slug),
                    ..query
                },
            })
        }
        FeedOf::Author(slug) => {
            let found = services
                .auth
                .call(
                    AuthorBySlug { slug: slug.clone() },
                    meta(services, request_id),
                )
                .await;
            let author = match found {
                Ok(author) => author,
                Err(AuthError::Common(CommonError::NotFound(_))) => {
                    return Err(Built::error(services, StatusCode::NOT_FOUND));
                }
                Err(error) => {
                    tracing::warn!(%error, "an author's feed could not be built");
                    return Err(Built::error(services, StatusCode::SERVICE_UNAVAILABLE));
                }
            };
            Ok(FeedHead {
                title: format!("{} — {}", author.name, services.site.get().title),
                link: format!("{base}/author/{slug}/"),
                self_url: format!("{base}/author/{slug}/feed.xml"),
                description: if author.bio.is_empty() {
                    format!("Posts by {}", author.name)
                } else {
                    author.bio.clone()
                },
                query: ListPublished {
                    author: Some(author.id),
                    ..query
                },
            })
        }
    }
}

/// An RSS feed. Feed readers show it away from the site, so every address
/// in it is absolute, and each item carries its feature image (as Media RSS
/// and at the top of its text) and its author.
async fn build_feed(services: &Services, of: FeedOf, request_id: &str) -> Built {
    let head = match feed_head(services, of, request_id).await {
        Ok(head) => head,
        Err(built) => return built,
    };
    let page: PostPage = match services
        .posts
        .call(head.query, meta(services, request_id))
        .await
    {
        Ok(page) => page,
        Err(error) => return Built::from_error(services, &error),
    };
    let refs: Vec<&PostView> = page.posts.iter().collect();
    let ids = media_of(&refs, true);
    let (images, authors) = futures::join!(
        describe_images(services, &ids, request_id),
        authors_of(services, &refs, request_id)
    );
    let base = &services.public_url;
    let info = services.site.get();
    let items: Vec<FeedItem> = page
        .posts
        .iter()
        .map(|post| {
            let image = post
                .feature_image
                .as_ref()
                .and_then(|id| images.get(id))
                .filter(|source| folio_render_protocol::html::is_safe(source))
                .map(|source| SocialImage::of(source, base));
            let mut html = String::new();
            if let Some(image) = &image {
                html.push_str(&feature_figure(image));
            }
            html.push_str(&seo::absolute_urls(
                &resolve_media(&post.html, |id| images.get(id).cloned()),
                base,
            ));
            FeedItem {
                title: post.title.clone(),
                url: format!("{base}/{}/", post.slug),
                pub_date: info.rfc2822(post.published_at.unwrap_or(post.created_at)),
                author: authors
                    .iter()
                    .find(|author| author.id == post.author)
                    .map_or_else(String::new, |author| author.name.clone()),
                html,
                tags: post.tags.iter().map(|tag| tag.name.clone()).collect(),
                image,
            }
        })
        .collect();
    let context = minijinja::context! {
        title => head.title, link => head.link, self_url => head.self_url,
        description => head.description, items, language => info.language,
    };
    render_as(
        services,
        "site/rss.xml",
        context,
        "application/rss+xml; charset=utf-8",
        true,
    )
}

/// A feature image as the first thing in a feed item's text.
fn feature_figure(image: &SocialImage) -> String {
    let escape = folio_render_protocol::html::escape;
    format!(
        "<figure><img src=\"{}\" alt=\"{}\" width=\"{}\" height=\"{}\"></figure>",
        escape(&image.url),
        escape(&image.alt),
        image.width,
        image.height
    )
}

#[get("/feed.xml")]
async fn site_feed(services: web::Data<Services>, request: HttpRequest) -> HttpResponse {
    let rid = request_id(&request);
    serve(&request, &services, "/feed.xml".into(), || {
        build_feed(&services, FeedOf::Site, &rid)
    })
    .await
}

#[get("/tag/{slug}/feed.xml")]
async fn tag_feed(
    services: web::Data<Services>,
    request: HttpRequest,
    slug: web::Path<String>,
) -> HttpResponse {
    let slug = slug.into_inner();
    let rid = request_id(&request);
    let response = serve(&request, &services, format!("/tag/{slug}/feed.xml"), || {
        build_feed(&services, FeedOf::Tag(slug.clone()), &rid)
    })
    .await;
    if response.status() == StatusCode::NOT_FOUND
        && let Some(moved) = super::redirects::tag_feed(&services, &request, &slug).await
    {
        return moved;
    }
    response
}

/// Cached under `/author/…` like the author's pages: a change to any post
/// drops them all (see the cache).
#[get("/author/{slug}/feed.xml")]
async fn author_feed(
    services: web::Data<Services>,
    request: HttpRequest,
    slug: web::Path<String>,
) -> HttpResponse {
    let slug = slug.into_inner();
    let rid = request_id(&request);
    serve(
        &request,
        &services,
        format!("/author/{slug}/feed.xml"),
        || build_feed(&services, FeedOf::Author(slug.clone()), &rid),
    )
    .await
}

#[derive(Serialize)]
struct SitemapEntry {
    loc: String,
    lastmod: Option<String>,
}

/// The sitemap index: one file per [`SITEMAP_URLS`] published posts and pages
/// (the home page counts too, in the last), so nothing is ever left out.
async fn build_sitemap_index(services: &Services, request_id: &str) -> Built {
    // A page past the end carries no URLs, only the total: all the index needs.
    let past_the_end = ListPublishedUrls { page: u32::MAX };
    let counted = match services
        .posts
        .call(past_the_end, meta(services, request_id))
        .await
    {
        Ok(counted) => counted,
        Err(error) => return Built::from_error(services, &error),
    };
    let files = sitemap_files(counted.total);
    let sitemaps: Vec<SitemapEntry> = (1..=files)
        .map(|n| SitemapEntry {
            loc: format!("{}/sitemap-{n}.xml", services.public_url),
            lastmod: None,
        })
        .collect();
    render_as(
        services,
        "site/sitemap-index.xml",
        minijinja::context! { sitemaps },
        "application/xml; charset=utf-8",
        true,
    )
}

/// How many sitemap files `total` published posts and pages and the home page
/// fill. The home page goes last, so every file is one page of posts and
/// none holds more than [`SITEMAP_URLS`] URLs.
fn sitemap_files(total: u64) -> u64 {
    (total + 1).div_ceil(u64::from(SITEMAP_URLS))
}

async fn build_sitemap(services: &Services, n: u32, request_id: &str) -> Built {
    if n == 0 {
        return Built::error(services, StatusCode::NOT_FOUND);
    }
    let batch = match services
        .posts
        .call(ListPublishedUrls { page: n }, meta(services, request_id))
        .await
    {
        Ok(batch) => batch,
        Err(error) => return Built::from_error(services, &error),
    };
    let files = sitemap_files(batch.total);
    if u64::from(n) > files {
        return Built::error(services, StatusCode::NOT_FOUND);
    }
    let mut entries: Vec<SitemapEntry> = batch
        .urls
        .iter()
        .map(|url| SitemapEntry {
            loc: format!("{}/{}/", services.public_url, url.slug),
            lastmod: Some(url.updated_at.format("%Y-%m-%d").to_string()),
        })
        .collect();
    if u64::from(n) == files {
        entries.push(SitemapEntry {
            loc: format!("{}/", services.public_url),
            lastmod: None,
        });
    }
    render_as(
        services,
        "site/sitemap.xml",
        minijinja::context! { entries },
        "application/xml; charset=utf-8",
        true,
    )
}

#[get("/sitemap.xml")]
async fn sitemap_xml(services: web::Data<Services>, request: HttpRequest) -> HttpResponse {
    let rid = request_id(&request);
    serve(&request, &services, "/sitemap.xml".into(), || {
        build_sitemap_index(&services, &rid)
    })
    .await
}

#[get("/sitemap-{n:[0-9]{1,6}}.xml")]
async fn sitemap_file(
    services: web::Data<Services>,
    request: HttpRequest,
    n: web::Path<u32>,
) -> HttpResponse {
    let n = n.into_inner();
    let rid = request_id(&request);
    serve(&request, &services, format!("/sitemap-{n}.xml"), || {
        build_sitemap(&services, n, &rid)
    })
    .await
}

#[get("/robots.txt")]
async fn robots_txt(services: web::Data<Services>) -> HttpResponse {
    HttpResponse::Ok().content_type(ContentType::plaintext()).body(format!(
        "User-agent: *\nAllow: /\nDisallow: /api/\nDisallow: /admin/\nDisallow: /setup/\n\nSitemap: {}/sitemap.xml\n",
        services.public_url
    ))
}

/// A post or page at its slug.
#[get("/{slug}/")]
async fn post_page(
    services: web::Data<Services>,
    request: HttpRequest,
    slug: web::Path<String>,
) -> HttpResponse {
    let slug = slug.into_inner();
    let rid = request_id(&request);
    serve(&request, &services, format!("/{slug}/"), || {
        build_post(&services, slug.clone(), &rid)
    })
    .await
}
