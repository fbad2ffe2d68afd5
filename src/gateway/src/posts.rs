//! Posts and pages over the API: `/api/v1/posts` (with their preview
//! links), `/api/v1/tags`, `/api/v1/render`.

use actix_web::{HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tracing_actix_web::RequestId;

use super::error::ErrorBody;
use super::headers::no_store;
use super::identity::MaybeIdentity;
use super::{ApiError, Identity, Services};
use folio_posts_protocol::domain::{
    Excerpt, PostId, PostKind, PostStatus, Slug, TagDescription, TagList, TagName, Title,
};
use folio_posts_protocol::messages::{
    CreatePost, DeletePost, DeleteTag, EditTag, GetPost, GetRevision, ListPosts, ListRevisions,
    ListTags, MergeTags, PostFields, PostSeo, PostSummary, PostView, PreviewOf, Publish,
    RestoreRevision, RevisionView, RevokePreview, SharePreview, SummaryPage, TagChanges, TagView,
    Unpublish, UpdatePost,
};
use folio_render_protocol::html::resolve_media;
use folio_render_protocol::messages::Render;
use folio_runtime::UserId;

pub(crate) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(list)
        .service(create)
        .service(get_one)
        .service(update)
        .service(remove)
        .service(publish)
        .service(unpublish)
        .service(list_revisions)
        .service(get_revision)
        .service(restore)
        .service(list_tags)
        .service(edit_tag)
        .service(merge_tag)
        .service(delete_tag)
        .service(preview)
        .service(share_preview)
        .service(preview_state)
        .service(revoke_preview);
}

/// A post as the API answers it: the stored view plus its public URL.
#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct PostOut {
    #[serde(flatten)]
    post: PostView,
    url: String,
}

fn out(services: &Services, post: PostView) -> PostOut {
    let url = format!("{}/{}/", services.public_url, post.slug);
    PostOut { post, url }
}

/// A post as a list shows it: a summary (the body only with `include=body`)
/// plus its public URL.
#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct SummaryOut {
    #[serde(flatten)]
    post: PostSummary,
    url: String,
}

/// One page of posts, newest first.
#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct PageOut {
    posts: Vec<SummaryOut>,
    total: u64,
    /// False when `total` is a lower bound: a title search (`q`) counts its
    /// matches only up to 1,000, or one page past the page asked for.
    total_exact: bool,
    page: u32,
    per_page: u32,
}

fn page_out(services: &Services, page: SummaryPage) -> PageOut {
    PageOut {
        posts: page
            .posts
            .into_iter()
            .map(|post| {
                let url = format!("{}/{}/", services.public_url, post.slug);
                SummaryOut { post, url }
            })
            .collect(),
        total: page.total,
        total_exact: page.total_exact,
        page: page.page,
        per_page: page.per_page,
    }
}

fn parse_id(raw: &str) -> Result<PostId, ApiError> {
    PostId::parse(raw).map_err(|_| ApiError::not_found(format!("there is no post {raw}")))
}

/// A post as written by the API: every field optional (on create the title is needed).
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct PostIn {
    #[serde(rename = "type")]
    kind: Option<PostKind>,
    title: Option<Title>,
    slug: Option<Slug>,
    markdown: Option<String>,
    #[serde(default, deserialize_with = "folio_runtime::wire::present")]
    excerpt: Option<Option<Excerpt>>,
    tags: Option<TagList>,
    status: Option<PostStatus>,
    #[serde(default, deserialize_with = "folio_runtime::wire::present")]
    publish_at: Option<Option<DateTime<Utc>>>,
    #[serde(default, deserialize_with = "folio_runtime::wire::present")]
    feature_image: Option<Option<String>>,
    /// Search and sharing details; replaces what the post had (`{}` clears them).
    seo: Option<PostSeo>,
    /// `true`: submit the draft for an editor's review; `false`: take the
    /// request back. Publishing or scheduling clears it.
    review: Option<bool>,
    /// The revision this save is based on (required on PATCH).
    revision: Option<i32>,
    /// True when the editor saved on its own (not the writer's choice): the
    /// revision is labelled an autosave, and the same person's autosaves a
    /// few minutes apart are kept as one.
    autosave: Option<bool>,
    /// True when the text saved is an earlier revision the writer brought
    /// back into the editor: the revision is labelled a restore (PATCH only).
    restored: Option<bool>,
}

impl PostIn {
    fn autosave(&self) -> bool {
        self.autosave.unwrap_or(false)
    }

    fn fields(self) -> (PostFields, Option<i32>) {
        let fields = PostFields {
            kind: self.kind,
            title: self.title,
            slug: self.slug,
            markdown: self.markdown,
            excerpt: self
                .excerpt
                .map(|excerpt| excerpt.filter(|e| !e.as_str().is_empty())),
            tags: self.tags,
            status: self.status,
            publish_at: self.publish_at,
            feature_image: self.feature_image,
            seo: self.seo,
            review: self.review,
        };
        (fields, self.revision)
    }
}

/// Filters and paging for the post list.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct ListQuery {
    /// Only posts with this status (anonymous callers always get published ones).
    status: Option<PostStatus>,
    /// Only posts or only pages.
    #[serde(rename = "type")]
    kind: Option<PostKind>,
    /// Only posts with this tag, by the tag's slug.
    tag: Option<String>,
    /// Only posts by this author.
    #[param(value_type = Option<String>, format = Uuid)]
    author: Option<UserId>,
    /// Words that must appear in the title.
    q: Option<String>,
    /// `waiting`: only drafts waiting for an editor's review.
    #[param(inline)]
    review: Option<ReviewQuery>,
    /// The page, from 1 (the default).
    page: Option<u32>,
    /// Posts per page: 20 by default, at most 100.
    per_page: Option<u32>,
    /// `body`: each post's `markdown` and `html` too. Without it a list
    /// carries summaries (with `words`, for a reading time) and no bodies.
    #[param(inline)]
    include: Option<Include>,
}

/// Which posts a list shows by their review.
#[derive(Deserialize, utoipa::ToSchema, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub(super) enum ReviewQuery {
    Waiting,
}

/// What a list may carry besides summaries.
#[derive(Deserialize, utoipa::ToSchema, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub(super) enum Include {
    Body,
}

/// Lists posts and pages, newest first.
///
/// Anonymous callers see only what is published; signed-in ones (bearer token
/// or session) also see what they may edit. Each post is a summary without
/// its `markdown` and `html` unless `include=body` is given.
#[utoipa::path(
    tag = "posts",
    operation_id = "list_posts",
    params(ListQuery),
    responses(
        (status = 200, description = "One page of post summaries (bodies only with include=body)", body = PageOut),
        (status = 503, description = "The posts concern is unavailable", body = ErrorBody),
    ),
    security(()),
)]
#[get("/api/v1/posts")]
async fn list(
    services: web::Data<Services>,
    identity: MaybeIdentity,
    query: web::Query<ListQuery>,
    request_id: RequestId,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let msg = ListPosts {
        status: query.status,
        kind: query.kind,
        tag: query.tag,
        author: query.author,
        search: query.q,
        page: query.page.unwrap_or(1),
        per_page: query.per_page.unwrap_or(0),
        include_body: query.include == Some(Include::Body),
        awaiting_review: query.review == Some(ReviewQuery::Waiting),
    };
    let page = services
        .posts
        .call(msg, identity.meta(&services, &request_id))
        .await?;
    Ok(HttpResponse::Ok().json(page_out(&services, page)))
}

/// Creates a post or page (a title is needed).
#[utoipa::path(
    tag = "posts",
    operation_id = "create_post",
    request_body = PostIn,
    responses(
        (status = 201, description = "The new post", body = PostOut),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "The caller may not do this (role, read-only token, or a missing CSRF token)", body = ErrorBody),
        (status = 409, description = "The slug is taken", body = ErrorBody),
        (status = 413, description = "The Markdown is too large", body = ErrorBody),
        (status = 422, description = "The body has a wrong value", body = ErrorBody),
        (status = 503, description = "The posts concern is unavailable", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = [])),
)]
#[post("/api/v1/posts")]
async fn create(
    services: web::Data<Services>,
    identity: Identity,
    body: web::Json<PostIn>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let autosave = body.autosave();
    let (fields, _) = body.fields();
    let post = services
        .posts
        .call(CreatePost { fields, autosave }, identity.meta())
        .await?;
    Ok(HttpResponse::Created().json(out(&services, post)))
}

/// One post or page.
///
/// Anyone may read it once it is published; before that, only those who may edit it.
#[utoipa::path(
    tag = "posts",
    operation_id = "get_post",
    responses(
        (status = 200, description = "The post", body = PostOut),
        (status = 404, description = "There is no such post (or the caller may not see it)", body = ErrorBody),
        (status = 503, description = "The posts concern is unavailable", body = ErrorBody),
    ),
    security(()),
)]
#[get("/api/v1/posts/{id}")]
async fn get_one(
    services: web::Data<Services>,
    identity: MaybeIdentity,
    id: web::Path<String>,
    request_id: RequestId,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&id)?;
    let post = services
        .posts
        .call(GetPost { id }, identity.meta(&services, &request_id))
        .await?;
    Ok(HttpResponse::Ok().json(out(&services, post)))
}

/// Saves changes to a post, based on the revision given in the body.
#[utoipa::path(
    tag = "posts",
    operation_id = "update_post",
    request_body = PostIn,
    responses(
        (status = 200, description = "The saved post", body = PostOut),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "The caller may not do this (role, read-only token, or a missing CSRF token)", body = ErrorBody),
        (status = 404, description = "There is no such post (or the caller may not see it)", body = ErrorBody),
        (status = 409, description = "The slug is taken, or the post has moved on since the given revision", body = ErrorBody),
        (status = 413, description = "The Markdown is too large", body = ErrorBody),
        (status = 422, description = "The body has a wrong value", body = ErrorBody),
        (status = 503, description = "The posts concern is unavailable", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = [])),
)]
#[patch("/api/v1/posts/{id}")]
async fn update(
    services: web::Data<Services>,
    identity: Identity,
    id: web::Path<String>,
    body: web::Json<PostIn>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&id)?;
    let body = body.into_inner();
    let autosave = body.autosave();
    let restored = body.restored.unwrap_or(false);
    let (fields, revision) = body.fields();
    let revision = revision.ok_or_else(|| {
        ApiError::invalid("send the revision this edit is based on (\"revision\"), so a newer save is never overwritten")
    })?;
    let post = services
        .posts
        .call(
            UpdatePost {
                id,
                revision,
                fields,
                autosave,
                restored,
            },
            identity.meta(),
        )
        .await?;
    Ok(HttpResponse::Ok().json(out(&services, post)))
}

/// Deletes a post or page.
#[utoipa::path(
    tag = "posts",
    operation_id = "delete_post",
    responses(
        (status = 204, description = "The post is deleted"),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "The caller may not do this (role, read-only token, or a missing CSRF token)", body = ErrorBody),
        (status = 404, description = "There is no such post (or the caller may not see it)", body = ErrorBody),
        (status = 503, description = "The posts concern is unavailable", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = [])),
)]
#[delete("/api/v1/posts/{id}")]
async fn remove(
    services: web::Data<Services>,
    identity: Identity,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&id)?;
    services
        .posts
        .call(DeletePost { id }, identity.meta())
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Publishes a post now.
#[utoipa::path(
    tag = "posts",
    responses(
        (status = 200, description = "The published post", body = PostOut),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "The caller may not do this (role, read-only token, or a missing CSRF token)", body = ErrorBody),
        (status = 404, description = "There is no such post (or the caller may not see it)", body = ErrorBody),
        (status = 409, description = "The slug is taken, or the post has moved on since the given revision", body = ErrorBody),
        (status = 422, description = "The body has a wrong value", body = ErrorBody),
        (status = 503, description = "The posts concern is unavailable", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = [])),
)]
#[post("/api/v1/posts/{id}/publish")]
async fn publish(
    services: web::Data<Services>,
    identity: Identity,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&id)?;
    let post = services.posts.call(Publish { id }, identity.meta()).await?;
    Ok(HttpResponse::Ok().json(out(&services, post)))
}

/// Takes a post back to draft.
#[utoipa::path(
    tag = "posts",
    responses(
        (status = 200, description = "The post, now a draft", body = PostOut),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "The caller may not do this (role, read-only token, or a missing CSRF token)", body = ErrorBody),
        (status = 404, description = "There is no such post (or the caller may not see it)", body = ErrorBody),
        (status = 409, description = "The slug is taken, or the post has moved on since the given revision", body = ErrorBody),
        (status = 503, description = "The posts concern is unavailable", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = [])),
)]
#[post("/api/v1/posts/{id}/unpublish")]
async fn unpublish(
    services: web::Data<Services>,
    identity: Identity,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&id)?;
    let post = services
        .posts
        .call(Unpublish { id }, identity.meta())
        .await?;
    Ok(HttpResponse::Ok().json(out(&services, post)))
}

/// A post's saved revisions.
#[utoipa::path(
    tag = "posts",
    responses(
        (status = 200, description = "The revisions", body = Vec<RevisionView>),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "The caller may not do this (role, read-only token, or a missing CSRF token)", body = ErrorBody),
        (status = 404, description = "There is no such post (or the caller may not see it)", body = ErrorBody),
        (status = 503, description = "The posts concern is unavailable", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = [])),
)]
#[get("/api/v1/posts/{id}/revisions")]
async fn list_revisions(
    services: web::Data<Services>,
    identity: Identity,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&id)?;
    Ok(HttpResponse::Ok().json(
        services
            .posts
            .call(ListRevisions { id }, identity.meta())
            .await?,
    ))
}

/// One saved revision of a post.
#[utoipa::path(
    tag = "posts",
    responses(
        (status = 200, description = "The revision", body = RevisionView),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "The caller may not do this (role, read-only token, or a missing CSRF token)", body = ErrorBody),
        (status = 404, description = "There is no such post or revision", body = ErrorBody),
        (status = 503, description = "The posts concern is unavailable", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = [])),
)]
#[get("/api/v1/posts/{id}/revisions/{revision}")]
async fn get_revision(
    services: web::Data<Services>,
    identity: Identity,
    path: web::Path<(String, i32)>,
) -> Result<HttpResponse, ApiError> {
    let (id, revision) = path.into_inner();
    let id = parse_id(&id)?;
    Ok(HttpResponse::Ok().json(
        services
            .posts
            .call(GetRevision { id, revision }, identity.meta())
            .await?,
    ))
}

/// How a restore may go; the body may be left out.
#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct RestoreIn {
    /// Whether the restored content may go live: needed to restore a
    /// published post (else 409 `post_is_live`); publishes a draft.
    #[serde(default)]
    publish: bool,
}

/// Makes an old revision the current content, as a new revision.
///
/// The revision's title, Markdown, excerpt and address come back; the
/// post's search details, type and schedule stay; its tags and feature
/// image are never taken away (the revision's tags come first, then the
/// current ones it lacks; a revision without a feature image keeps the
/// current one). A published post is restored only with `"publish": true`:
/// a restore never changes the live page by surprise.
#[utoipa::path(
    tag = "posts",
    request_body(content = Option<RestoreIn>, description = "Optional: `{\"publish\": true}`"),
    responses(
        (status = 200, description = "The restored post", body = PostOut),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "The caller may not do this (role, read-only token, or a missing CSRF token)", body = ErrorBody),
        (status = 404, description = "There is no such post or revision", body = ErrorBody),
        (status = 409, description = "The post is published and `publish` was not given (`post_is_live`), the slug is taken, or the post has moved on", body = ErrorBody),
        (status = 422, description = "The body has a wrong value", body = ErrorBody),
        (status = 503, description = "The posts concern is unavailable", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = [])),
)]
#[post("/api/v1/posts/{id}/revisions/{revision}/restore")]
async fn restore(
    services: web::Data<Services>,
    identity: Identity,
    path: web::Path<(String, i32)>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let (id, revision) = path.into_inner();
    let id = parse_id(&id)?;
    // No body (as before this option existed) is the safe default.
    let options: RestoreIn = if body.iter().all(u8::is_ascii_whitespace) {
        RestoreIn::default()
    } else {
        serde_json::from_slice(&body).map_err(|error| ApiError::invalid(error.to_string()))?
    };
    let post = services
        .posts
        .call(
            RestoreRevision {
                id,
                revision,
                publish: options.publish,
            },
            identity.meta(),
        )
        .await?;
    Ok(HttpResponse::Ok().json(out(&services, post)))
}

/// Public: the tags of published posts, with how many published posts carry each.
///
/// Anonymous callers see only tags that at least one published post carries;
/// signed-in writers also see the tags of posts they may edit (count 0 until
/// one of them is published).
#[utoipa::path(
    tag = "posts",
    responses(
        (status = 200, description = "The tags", body = Vec<TagView>),
        (status = 503, description = "The posts concern is unavailable", body = ErrorBody),
    ),
    security(()),
)]
#[get("/api/v1/tags")]
async fn list_tags(
    services: web::Data<Services>,
    identity: MaybeIdentity,
    request_id: RequestId,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(
        services
            .posts
            .call(ListTags, identity.meta(&services, &request_id))
            .await?,
    ))
}

/// Changes to a tag: only the fields given change.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct TagIn {
    /// A new name; when its slug differs the tag's page moves and the old
    /// address (and feed) redirect to the new one.
    #[schema(value_type = Option<String>)]
    name: Option<TagName>,
    /// Shown on the tag's page (at most 500 characters; "" removes it).
    #[schema(value_type = Option<String>)]
    description: Option<TagDescription>,
}

/// Renames or describes a tag.
#[utoipa::path(
    tag = "posts",
    request_body = TagIn,
    responses(
        (status = 200, description = "The tag now", body = TagView),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Only editors, administrators and the owner (or a read-only token, or a missing CSRF token)", body = ErrorBody),
        (status = 404, description = "There is no such tag", body = ErrorBody),
        (status = 409, description = "Another tag has that name (`tag_exists`): merge them instead", body = ErrorBody),
        (status = 422, description = "A value is not acceptable", body = ErrorBody),
        (status = 503, description = "The posts concern is unavailable", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = [])),
)]
#[patch("/api/v1/tags/{slug}")]
async fn edit_tag(
    services: web::Data<Services>,
    identity: Identity,
    slug: web::Path<String>,
    body: web::Json<TagIn>,
) -> Result<HttpResponse, ApiError> {
    let TagIn { name, description } = body.into_inner();
    let tag = services
        .posts
        .call(
            EditTag {
                slug: slug.into_inner(),
                name,
                description,
            },
            identity.meta(),
        )
        .await?;
    Ok(HttpResponse::Ok().json(tag))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct MergeIn {
    /// The slug of the tag that stays.
    into: String,
}

/// Merges a tag into another: its posts carry the other, it goes, and its
/// address (and feed) redirect to the other's.
#[utoipa::path(
    tag = "posts",
    request_body = MergeIn,
    responses(
        (status = 200, description = "The tag that stays, now", body = TagView),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Only editors, administrators and the owner (or a read-only token, or a missing CSRF token)", body = ErrorBody),
        (status = 404, description = "One of the tags does not exist", body = ErrorBody),
        (status = 422, description = "A tag cannot be merged into itself", body = ErrorBody),
        (status = 503, description = "The posts concern is unavailable", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = [])),
)]
#[post("/api/v1/tags/{slug}/merge")]
async fn merge_tag(
    services: web::Data<Services>,
    identity: Identity,
    slug: web::Path<String>,
    body: web::Json<MergeIn>,
) -> Result<HttpResponse, ApiError> {
    let tag = services
        .posts
        .call(
            MergeTags {
                from: slug.into_inner(),
                into: body.into_inner().into,
            },
            identity.meta(),
        )
        .await?;
    Ok(HttpResponse::Ok().json(tag))
}

/// Deletes a tag: every post that carried it loses it; its page is gone.
#[utoipa::path(
    tag = "posts",
    responses(
        (status = 200, description = "How many posts lost the tag", body = TagChanges),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Only editors, administrators and the owner (or a read-only token, or a missing CSRF token)", body = ErrorBody),
        (status = 404, description = "There is no such tag", body = ErrorBody),
        (status = 503, description = "The posts concern is unavailable", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = [])),
)]
#[delete("/api/v1/tags/{slug}")]
async fn delete_tag(
    services: web::Data<Services>,
    identity: Identity,
    slug: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let changes = services
        .posts
        .call(
            DeleteTag {
                slug: slug.into_inner(),
            },
            identity.meta(),
        )
        .await?;
    Ok(HttpResponse::Ok().json(changes))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub(super) struct PreviewIn {
    markdown: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct PreviewOut {
    /// The HTML the public page will show, images resolved.
    html: String,
    excerpt: String,
}

/// The editor's live preview: the same pipeline the public page uses.
#[utoipa::path(
    tag = "posts",
    request_body = PreviewIn,
    responses(
        (status = 200, description = "The rendered HTML and excerpt", body = PreviewOut),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "The caller may not do this (role, read-only token, or a missing CSRF token)", body = ErrorBody),
        (status = 413, description = "The Markdown is too large", body = ErrorBody),
        (status = 422, description = "The body has a wrong value, or the Markdown nests too deep", body = ErrorBody),
        (status = 503, description = "The render concern is unavailable", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = [])),
)]
#[post("/api/v1/render")]
async fn preview(
    services: web::Data<Services>,
    identity: Identity,
    body: web::Json<PreviewIn>,
) -> Result<HttpResponse, ApiError> {
    let meta = identity.meta();
    let request_id = meta.request_id.clone();
    let rendered = services
        .render
        .call(
            Render {
                markdown: body.into_inner().markdown,
            },
            meta,
        )
        .await?;
    let images = super::site::describe_images(&services, &rendered.media, &request_id).await;
    let html = resolve_media(&rendered.html, |id| images.get(id).cloned());
    Ok(HttpResponse::Ok().json(PreviewOut {
        html,
        excerpt: rendered.excerpt,
    }))
}

/// A preview link, answered once when made.
#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct PreviewLinkOut {
    /// The address to share: it shows the post, whatever its status, to
    /// whoever opens it, until it is revoked or replaced.
    url: String,
    created_at: DateTime<Utc>,
}

/// Whether a post has a working preview link (its address is not kept).
#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct PreviewStateOut {
    active: bool,
    created_at: Option<DateTime<Utc>>,
}

/// Makes a private link to a post or page (a draft, say) for whoever may
/// edit it; it replaces the post's earlier link, which stops working.
#[utoipa::path(
    tag = "posts",
    responses(
        (status = 201, description = "The link", body = PreviewLinkOut),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "The caller may not do this (role, read-only token, or a missing CSRF token)", body = ErrorBody),
        (status = 404, description = "There is no such post (or the caller may not see it)", body = ErrorBody),
        (status = 503, description = "The posts concern is unavailable", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = [])),
)]
#[post("/api/v1/posts/{id}/preview-link")]
async fn share_preview(
    services: web::Data<Services>,
    identity: Identity,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&id)?;
    let link = services
        .posts
        .call(SharePreview { id }, identity.meta())
        .await?;
    Ok(no_store(HttpResponse::Created()).json(PreviewLinkOut {
        url: format!("{}/preview/{}/", services.public_url, link.token.as_str()),
        created_at: link.created_at,
    }))
}

/// Whether a post has a working preview link.
#[utoipa::path(
    tag = "posts",
    responses(
        (status = 200, description = "Whether there is one, and since when", body = PreviewStateOut),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "The caller may not do this", body = ErrorBody),
        (status = 404, description = "There is no such post (or the caller may not see it)", body = ErrorBody),
        (status = 503, description = "The posts concern is unavailable", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = [])),
)]
#[get("/api/v1/posts/{id}/preview-link")]
async fn preview_state(
    services: web::Data<Services>,
    identity: Identity,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&id)?;
    let state = services
        .posts
        .call(PreviewOf { id }, identity.meta())
        .await?;
    Ok(HttpResponse::Ok().json(PreviewStateOut {
        active: state.is_some(),
        created_at: state.map(|state| state.created_at),
    }))
}

/// Stops a post's preview link working: whoever opens it then gets a 404.
#[utoipa::path(
    tag = "posts",
    responses(
        (status = 204, description = "Revoked"),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "The caller may not do this (role, read-only token, or a missing CSRF token)", body = ErrorBody),
        (status = 404, description = "There is no such post, or it has no preview link", body = ErrorBody),
        (status = 503, description = "The posts concern is unavailable", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = [])),
)]
#[delete("/api/v1/posts/{id}/preview-link")]
async fn revoke_preview(
    services: web::Data<Services>,
    identity: Identity,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&id)?;
    services
        .posts
        .call(RevokePreview { id }, identity.meta())
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
