//! Posts and pages over the API: `/api/v1/posts`, `/api/v1/tags`, `/api/v1/render`.

use actix_web::{HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};
use tracing_actix_web::RequestId;
use uuid::Uuid;

use super::identity::MaybeIdentity;
use super::{ApiError, Identity, Services};
use crate::posts::domain::{Excerpt, PostKind, PostStatus, Slug, TagName, Title};
use crate::posts::messages::{
    CreatePost, DeletePost, GetPost, GetRevision, ListPosts, ListRevisions, ListTags, PostFields,
    PostPage, PostView, Publish, RestoreRevision, Unpublish, UpdatePost,
};
use crate::render::markdown::resolve_media;
use crate::render::messages::Render;

pub fn routes(cfg: &mut web::ServiceConfig) {
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
        .service(preview);
}

/// A post as the API answers it: the stored view plus its public URL.
#[derive(Serialize)]
struct PostOut {
    #[serde(flatten)]
    post: PostView,
    url: String,
}

fn out(services: &Services, post: PostView) -> PostOut {
    let url = format!("{}/{}/", services.public_url, post.slug);
    PostOut { post, url }
}

#[derive(Serialize)]
struct PageOut {
    posts: Vec<PostOut>,
    total: u64,
    page: u32,
    per_page: u32,
}

fn page_out(services: &Services, page: PostPage) -> PageOut {
    PageOut {
        posts: page
            .posts
            .into_iter()
            .map(|post| out(services, post))
            .collect(),
        total: page.total,
        page: page.page,
        per_page: page.per_page,
    }
}

fn parse_id(raw: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(raw).map_err(|_| ApiError::not_found(format!("there is no post {raw}")))
}

/// Tells "absent" (leave as is) from `null` (clear) in a PATCH body.
fn present<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(deserializer).map(Some)
}

/// A post as written by the API: every field optional (on create the title is needed).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PostIn {
    #[serde(rename = "type")]
    kind: Option<PostKind>,
    title: Option<Title>,
    slug: Option<Slug>,
    markdown: Option<String>,
    #[serde(default, deserialize_with = "present")]
    excerpt: Option<Option<Excerpt>>,
    tags: Option<Vec<TagName>>,
    status: Option<PostStatus>,
    #[serde(default, deserialize_with = "present")]
    publish_at: Option<Option<DateTime<Utc>>>,
    #[serde(default, deserialize_with = "present")]
    feature_image: Option<Option<String>>,
    /// The revision this save is based on (required on PATCH).
    revision: Option<i32>,
}

impl PostIn {
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
        };
        (fields, self.revision)
    }
}

#[derive(Deserialize)]
struct ListQuery {
    status: Option<PostStatus>,
    #[serde(rename = "type")]
    kind: Option<PostKind>,
    tag: Option<String>,
    author: Option<Uuid>,
    q: Option<String>,
    page: Option<u32>,
    per_page: Option<u32>,
}

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
    };
    let page = services
        .posts
        .call(msg, identity.meta(&services, &request_id))
        .await?;
    Ok(HttpResponse::Ok().json(page_out(&services, page)))
}

#[post("/api/v1/posts")]
async fn create(
    services: web::Data<Services>,
    identity: Identity,
    body: web::Json<PostIn>,
) -> Result<HttpResponse, ApiError> {
    let (fields, _) = body.into_inner().fields();
    let post = services
        .posts
        .call(CreatePost { fields }, identity.meta())
        .await?;
    Ok(HttpResponse::Created().json(out(&services, post)))
}

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

#[patch("/api/v1/posts/{id}")]
async fn update(
    services: web::Data<Services>,
    identity: Identity,
    id: web::Path<String>,
    body: web::Json<PostIn>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&id)?;
    let (fields, revision) = body.into_inner().fields();
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
            },
            identity.meta(),
        )
        .await?;
    Ok(HttpResponse::Ok().json(out(&services, post)))
}

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

#[post("/api/v1/posts/{id}/revisions/{revision}/restore")]
async fn restore(
    services: web::Data<Services>,
    identity: Identity,
    path: web::Path<(String, i32)>,
) -> Result<HttpResponse, ApiError> {
    let (id, revision) = path.into_inner();
    let id = parse_id(&id)?;
    let post = services
        .posts
        .call(RestoreRevision { id, revision }, identity.meta())
        .await?;
    Ok(HttpResponse::Ok().json(out(&services, post)))
}

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

#[derive(Deserialize)]
struct PreviewIn {
    markdown: String,
}

#[derive(Serialize)]
struct PreviewOut {
    /// The HTML the public page will show, images resolved.
    html: String,
    excerpt: String,
}

/// The editor's live preview: the same pipeline the public page uses.
#[post("/api/v1/render")]
async fn preview(
    services: web::Data<Services>,
    identity: Identity,
    body: web::Json<PreviewIn>,
) -> Result<HttpResponse, ApiError> {
    let rendered = services
        .render
        .call(
            Render {
                markdown: body.into_inner().markdown,
            },
            identity.meta(),
        )
        .await?;
    let images = super::site::describe_images(&services, &rendered.media).await;
    let html = resolve_media(&rendered.html, |id| images.get(id).cloned());
    Ok(HttpResponse::Ok().json(PreviewOut {
        html,
        excerpt: rendered.excerpt,
    }))
}
