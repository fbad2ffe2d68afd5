//! Media over HTTP: uploads and the media library API (`/api/v1/media`), and
//! the generated files at `/media/{id}/v{version}/{file}`.

use std::sync::Arc;
use std::time::Duration;

use actix_multipart::{Field, Multipart};
use actix_web::body::SizedStream;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder, delete, get, patch, post, web};
use futures::{SinkExt, StreamExt, TryStreamExt};
use serde::{Deserialize, Serialize};
use tracing_actix_web::RequestId;

use super::cache::{CACHE_FILES_UP_TO, CachedFile, FileKey, conditional};
use super::error::ErrorBody;
use super::{ApiError, Identity, Services};
use folio_media_protocol::blobs::{BlobError, BlobKey, Blobs};
use folio_media_protocol::domain::{MediumId, Operation};
use folio_media_protocol::messages::{
    DeleteMedium, EditMedium, GetMedium, Ingest, ListMedia, Locate, LocatedFile, RevertMedium,
    UpdateMedium,
};
use folio_media_protocol::messages::{MediaPage, MediumView};
use folio_posts_protocol::messages::{MediaUsage, PostsShowing, ShowingPosts};
use folio_runtime::{ConcernName, UserId};

pub(crate) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(upload)
        .service(list_media)
        .service(get_medium)
        .service(medium_posts)
        .service(update_medium)
        .service(delete_medium)
        .service(edit_medium)
        .service(revert_medium);
}

/// The generated files, in a `/media` scope the app registers before every
/// other route: actix tries routes in order and matches each dynamic one with
/// a regex, and the hottest public path used to come after thirty of them
/// (~10 % of the CPU while serving a variant). `media` is a reserved slug, so
/// the scope shadows nothing.
pub(crate) fn files(cfg: &mut web::ServiceConfig) {
    cfg.service(web::scope("/media").service(serve_file));
}

/// Processing a large photo takes a while; the upload waits this long.
const INGEST_DEADLINE: Duration = Duration::from_secs(120);
/// Text fields of the upload form (alt, caption) stay small.
const TEXT_FIELD_LIMIT: usize = 8 * 1024;

/// The upload's staging blob, removed however the request ends without media
/// having answered: awaited when the call failed (media removes the blob
/// itself once its handler has it, whatever it answers; a call that never got
/// there, or timed out, leaves it to us), and from `drop` (a task of its own)
/// when the request is cut off.
struct Staged {
    blobs: Blobs,
    key: Option<BlobKey>,
}

impl Staged {
    async fn remove(&mut self) {
        if let Some(key) = self.key.take()
            && let Err(error) = self.blobs.delete(&key).await
        {
            tracing::warn!(%error, blob = %key, "could not remove an upload's staging blob");
        }
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        // Not actix_rt::spawn: that panics outside a LocalSet, and a drop
        // can come while the server winds down; a runtime that is going away
        // just drops the task (the staging blob stays, as after a crash).
        if let Some(key) = self.key.take()
            && let Ok(runtime) = tokio::runtime::Handle::try_current()
        {
            let blobs = self.blobs.clone();
            runtime.spawn(async move {
                let _ = blobs.delete(&key).await;
            });
        }
    }
}

/// The upload form as read.
struct UploadFields {
    file_name: String,
    alt: String,
    caption: String,
    keep_metadata: bool,
}

/// The upload form, for the API document.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub(super) struct UploadForm {
    /// A JPEG, PNG, WebP or GIF image; the type is read from its bytes.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    alt: Option<String>,
    caption: Option<String>,
    /// `true` keeps the original file exactly as uploaded, EXIF included.
    keep_metadata: Option<bool>,
}

/// Upload an image: `multipart/form-data` with `file` and optional `alt` and
/// `caption`. The file is streamed into a staging blob and the size limit
/// enforced while streaming: too large is 413 without reading the rest.
#[utoipa::path(
    tag = "media",
    operation_id = "upload_medium",
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses(
        (status = 201, description = "The stored image with its variants", body = MediumView),
        (status = 400, description = "Not valid multipart form data", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 408, description = "The body stopped arriving (the body idle timeout); the connection is closed", body = ErrorBody),
        (status = 413, description = "The file is over the size limit", body = ErrorBody),
        (status = 415, description = "Not a JPEG, PNG, WebP or GIF image", body = ErrorBody),
        (status = 422, description = "Corrupt, truncated, or too many pixels", body = ErrorBody),
        (status = 503, description = "The media concern is busy or unavailable", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = [])),
)]
#[post("/api/v1/media")]
async fn upload(
    services: web::Data<Services>,
    identity: Identity,
    mut form: Multipart,
) -> Result<HttpResponse, ApiError> {
    let mut staged = Staged {
        blobs: services.media_blobs.clone(),
        key: None,
    };
    let result = match read_upload(&services, &mut form, &mut staged).await {
        Ok(fields) => match staged.key.clone() {
            Some(staging) => {
                let meta = identity.meta().with_budget(INGEST_DEADLINE);
                let msg = Ingest {
                    staging,
                    file_name: fields.file_name,
                    alt: fields.alt,
                    caption: fields.caption,
                    keep_metadata: fields.keep_metadata,
                };
                services
                    .media
                    .call(msg, meta)
                    .await
                    .map(|medium| HttpResponse::Created().json(medium))
                    .map_err(ApiError::from)
            }
            None => Err(ApiError::invalid(
                "send the image in a form field named \"file\"",
            )),
        },
        Err(error) => Err(error),
    };
    if result.is_ok() {
        // Media has taken the blob (read and removed, or kept as the original).
        staged.key = None;
    } else {
        staged.remove().await;
    }
    result
}

/// Reads the form; the file part is streamed into a staging blob (`staged`),
/// the size limit enforced while streaming.
async fn read_upload(
    services: &Services,
    form: &mut Multipart,
    staged: &mut Staged,
) -> Result<UploadFields, ApiError> {
    let (mut file_name, mut alt, mut caption) = (String::new(), String::new(), String::new());
    let mut keep_metadata = String::new();
    let bad = |message: String| ApiError::bad_request("invalid_upload", message);
    while let Some(mut field) = form
        .try_next()
        .await
        .map_err(|e| bad(format!("the upload is not valid multipart form data: {e}")))?
    {
        let name = field.name().unwrap_or_default().to_owned();
        match name.as_str() {
            "file" => {
                file_name = field
                    .content_disposition()
                    .and_then(|d| d.get_filename())
                    .unwrap_or_default()
                    .to_owned();
                // A second file part replaces the first.
                staged.remove().await;
                staged.key = Some(stage_file(services, &mut field).await?);
            }
            "alt" | "caption" | "keep_metadata" => {
                let mut value = Vec::new();
                while let Some(chunk) = field
                    .try_next()
                    .await
                    .map_err(|e| bad(format!("the upload broke off: {e}")))?
                {
                    value.extend_from_slice(&chunk);
                    if value.len() > TEXT_FIELD_LIMIT {
                        return Err(ApiError::invalid(format!("the {name} field is too long")));
                    }
                }
                let value = String::from_utf8(value).map_err(|_| {
                    ApiError::invalid(format!("the {name} field is not UTF-8 text"))
                })?;
                match name.as_str() {
                    "alt" => alt = value,
                    "caption" => caption = value,
                    _ => keep_metadata = value,
                }
            }
            // Unknown fields are drained and ignored.
            _ => {
                while field
                    .try_next()
                    .await
                    .map_err(|e| bad(format!("the upload broke off: {e}")))?
                    .is_some()
                {}
            }
        }
    }
    Ok(UploadFields {
        file_name,
        alt,
        caption,
        keep_metadata: matches!(keep_metadata.trim(), "true" | "1" | "on" | "yes"),
    })
}

/// Streams the file part into a new staging blob. A multipart field lives on
/// this worker's thread (it is not `Send`), the blob store takes a `Send`
/// stream: a one-chunk channel joins them, in this same task. When the store
/// stops early (over the limit) the channel closes and the rest is not read.
async fn stage_file(services: &Services, field: &mut Field) -> Result<BlobKey, ApiError> {
    let limit = services.max_upload_bytes as u64;
    let (mut chunks, body) = futures::channel::mpsc::channel::<std::io::Result<web::Bytes>>(1);
    let pump = async move {
        loop {
            let item = match field.try_next().await {
                Ok(Some(chunk)) => Ok(chunk),
                Ok(None) => break,
                Err(error) => Err(std::io::Error::other(error.to_string())),
            };
            let failed = item.is_err();
            if chunks.send(item).await.is_err() || failed {
                break;
            }
        }
    };
    let (staged, ()) = futures::join!(services.media_blobs.stage(body.boxed(), limit), pump);
    staged.map_err(|error| match error {
        BlobError::TooLarge { .. } => ApiError::too_large(format!(
            "the file is over the limit of {} MB",
            services.max_upload_bytes / 1_000_000
        )),
        BlobError::Source(error) => {
            ApiError::bad_request("invalid_upload", format!("the upload broke off: {error}"))
        }
        other => ApiError::internal(ConcernName::Media, &other.to_string()),
    })
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct ListQuery {
    /// Only this person's media.
    #[param(value_type = Option<String>, format = Uuid)]
    owner: Option<UserId>,
    page: Option<u32>,
    per_page: Option<u32>,
}

/// The media library, newest first.
#[utoipa::path(
    tag = "media",
    operation_id = "list_media",
    params(ListQuery),
    responses(
        (status = 200, description = "One page of media, each with the posts it shows in", body = MediaPageOut),
        (status = 401, description = "Not signed in", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = [])),
)]
#[get("/api/v1/media")]
async fn list_media(
    services: web::Data<Services>,
    identity: Identity,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let msg = ListMedia {
        owner: query.owner,
        page: query.page.unwrap_or(1),
        per_page: query.per_page.unwrap_or(0),
    };
    let MediaPage {
        media,
        total,
        page,
        per_page,
    } = services.media.call(msg, identity.meta()).await?;
    let ids: Vec<String> = media.iter().map(|medium| medium.id.to_string()).collect();
    // Posts knows where pictures show; without it the library still lists them.
    let usage: std::collections::HashMap<String, u64> = match services
        .posts
        .call(MediaUsage { ids }, identity.meta())
        .await
    {
        Ok(usage) => usage.into_iter().map(|u| (u.id, u.posts)).collect(),
        Err(error) => {
            tracing::warn!(%error, "posts could not say where pictures show");
            Default::default()
        }
    };
    let media = media
        .into_iter()
        .map(|medium| MediumOut {
            used_in: usage.get(&medium.id.to_string()).copied(),
            medium,
        })
        .collect();
    Ok(HttpResponse::Ok().json(MediaPageOut {
        media,
        total,
        page,
        per_page,
    }))
}

/// A medium in the library's list.
#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct MediumOut {
    #[serde(flatten)]
    medium: MediumView,
    /// How many posts and pages show it; absent when posts could not say.
    #[serde(skip_serializing_if = "Option::is_none")]
    used_in: Option<u64>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct MediaPageOut {
    media: Vec<MediumOut>,
    total: u64,
    page: u32,
    per_page: u32,
}

/// The posts and pages showing a picture (those the caller may see; the
/// others counted): what deleting it would leave with a placeholder.
#[utoipa::path(
    tag = "media",
    responses(
        (status = 200, description = "Where it shows", body = ShowingPosts),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "No such medium", body = ErrorBody),
        (status = 503, description = "The posts concern is unavailable", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = [])),
)]
#[get("/api/v1/media/{id}/posts")]
async fn medium_posts(
    services: web::Data<Services>,
    identity: Identity,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&id)?;
    Ok(HttpResponse::Ok().json(
        services
            .posts
            .call(
                PostsShowing {
                    medium: id.to_string(),
                },
                identity.meta(),
            )
            .await?,
    ))
}

fn parse_id(raw: &str) -> Result<MediumId, ApiError> {
    MediumId::parse(raw).map_err(|_| ApiError::not_found(format!("there is no medium {raw}")))
}

/// One medium: metadata, variant URLs and a ready `srcset`.
#[utoipa::path(
    tag = "media",
    operation_id = "get_medium",
    responses(
        (status = 200, description = "The medium", body = MediumView),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "No such medium", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = [])),
)]
#[get("/api/v1/media/{id}")]
async fn get_medium(
    services: web::Data<Services>,
    identity: Identity,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&id)?;
    Ok(HttpResponse::Ok().json(
        services
            .media
            .call(GetMedium { id }, identity.meta())
            .await?,
    ))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct MediumChanges {
    alt: Option<String>,
    caption: Option<String>,
}

/// Change the alt text or caption (the owner, or an editor).
#[utoipa::path(
    tag = "media",
    operation_id = "update_medium",
    request_body = MediumChanges,
    responses(
        (status = 200, description = "The medium", body = MediumView),
        (status = 403, description = "Not yours", body = ErrorBody),
        (status = 404, description = "No such medium", body = ErrorBody),
        (status = 422, description = "Too long", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = [])),
)]
#[patch("/api/v1/media/{id}")]
async fn update_medium(
    services: web::Data<Services>,
    identity: Identity,
    id: web::Path<String>,
    body: web::Json<MediumChanges>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&id)?;
    let MediumChanges { alt, caption } = body.into_inner();
    Ok(HttpResponse::Ok().json(
        services
            .media
            .call(UpdateMedium { id, alt, caption }, identity.meta())
            .await?,
    ))
}

/// Delete a medium and its files; posts showing it get a placeholder.
#[utoipa::path(
    tag = "media",
    operation_id = "delete_medium",
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "Not yours", body = ErrorBody),
        (status = 404, description = "No such medium", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = [])),
)]
#[delete("/api/v1/media/{id}")]
async fn delete_medium(
    services: web::Data<Services>,
    identity: Identity,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&id)?;
    services
        .media
        .call(DeleteMedium { id }, identity.meta())
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct EditRequest {
    /// Applied in order, each to the picture the previous one left:
    /// `{"rotate": 90}`, `{"flip": "horizontal"}`,
    /// `{"crop": {"x": 0, "y": 0, "width": 800, "height": 600}}`.
    operations: Vec<Operation>,
}

/// Rotate, flip or crop: makes a new version (new URLs) with its variants; the
/// current version is kept, so `revert` undoes the edit.
#[utoipa::path(
    tag = "media",
    operation_id = "edit_medium",
    request_body = EditRequest,
    responses(
        (status = 200, description = "The medium at its new version", body = MediumView),
        (status = 400, description = "Not JSON", body = ErrorBody),
        (status = 403, description = "Not yours", body = ErrorBody),
        (status = 404, description = "No such medium", body = ErrorBody),
        (status = 409, description = "Another change got there first", body = ErrorBody),
        (status = 422, description = "Not a list of known operations, or one does not fit the picture", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = [])),
)]
#[post("/api/v1/media/{id}/edit")]
async fn edit_medium(
    services: web::Data<Services>,
    identity: Identity,
    id: web::Path<String>,
    body: web::Json<EditRequest>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&id)?;
    let operations = body.into_inner().operations;
    let meta = identity.meta().with_budget(INGEST_DEADLINE);
    Ok(HttpResponse::Ok().json(
        services
            .media
            .call(EditMedium { id, operations }, meta)
            .await?,
    ))
}

/// Undo the latest edit: the previous version becomes current again.
#[utoipa::path(
    tag = "media",
    operation_id = "revert_medium",
    responses(
        (status = 200, description = "The medium at its previous version", body = MediumView),
        (status = 403, description = "Not yours", body = ErrorBody),
        (status = 404, description = "No such medium", body = ErrorBody),
        (status = 409, description = "Nothing to undo, or another change got there first", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = [])),
)]
#[post("/api/v1/media/{id}/revert")]
async fn revert_medium(
    services: web::Data<Services>,
    identity: Identity,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&id)?;
    Ok(HttpResponse::Ok().json(
        services
            .media
            .call(RevertMedium { id }, identity.meta())
            .await?,
    ))
}

const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// A generated file. The media concern names its blob from a parsed id,
/// version and one of the medium's own file names, with its type, length and
/// ETag: nothing from the request path reaches the store. Small files are
/// answered from memory; large ones are streamed from the blob store, ranges
/// included.
#[get("/{id}/v{version}/{file}")]
async fn serve_file(
    services: web::Data<Services>,
    request: HttpRequest,
    request_id: RequestId,
    path: web::Path<(String, String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (id, version, file) = path.into_inner();
    let key = FileKey::parse(&id, &version, file)?;
    if let Some(file) = services.media_files.get(&key) {
        return Ok(from_memory(&request, &file));
    }
    let meta = services.meta(&request_id);
    let located = services
        .media
        .call(
            Locate {
                id: key.id,
                version: key.version,
                file: key.file.clone(),
            },
            meta,
        )
        .await?;
    let blobs = &services.media_blobs;
    if located.len <= CACHE_FILES_UP_TO {
        let body = blobs
            .read_all(&located.blob, CACHE_FILES_UP_TO)
            .await
            .map_err(|_| ApiError::not_found("this file is gone"))?;
        let cached = Arc::new(CachedFile {
            body: web::Bytes::from(body),
            content_type: located.content_type,
            etag: located.etag,
        });
        services.media_files.insert(key, cached.clone());
        return Ok(from_memory(&request, &cached));
    }
    streamed(&request, blobs, located).await
}

/// What to answer a GET of a file of `size` bytes with: a finished response
/// (304, 416), or the start of one whose body is the whole file or a range.
enum Answer {
    Done(HttpResponse),
    Body {
        response: HttpResponseBuilder,
        range: Option<(u64, u64)>,
    },
}

/// 304 when the client has the file, one byte range (206 or 416) when asked
/// for one, else the whole file: the same for memory and the blob store.
fn answer(request: &HttpRequest, etag: &str, content_type: &str, size: u64) -> Answer {
    if let Some(range) = wanted_range(request, etag, size) {
        let Some(range) = range else {
            return Answer::Done(
                HttpResponse::RangeNotSatisfiable()
                    .insert_header((header::CONTENT_RANGE, format!("bytes */{size}")))
                    .insert_header((header::ACCEPT_RANGES, "bytes"))
                    .finish(),
            );
        };
        let (start, end) = (range.start, range.start + range.length);
        let mut response = HttpResponse::PartialContent();
        response
            .insert_header((
                header::CONTENT_RANGE,
                format!("bytes {start}-{}/{size}", end - 1),
            ))
            .insert_header((header::ETAG, etag.to_owned()))
            .insert_header((header::CACHE_CONTROL, IMMUTABLE))
            .insert_header((header::ACCEPT_RANGES, "bytes"))
            .content_type(content_type.to_owned());
        return Answer::Body {
            response,
            range: Some((start, end)),
        };
    }
    let (mut response, unchanged) = conditional(request, etag, IMMUTABLE);
    response.insert_header((header::ACCEPT_RANGES, "bytes"));
    if unchanged {
        return Answer::Done(response.finish());
    }
    response.content_type(content_type.to_owned());
    Answer::Body {
        response,
        range: None,
    }
}

/// A file from memory.
fn from_memory(request: &HttpRequest, file: &CachedFile) -> HttpResponse {
    let size = file.body.len() as u64;
    match answer(request, &file.etag, &file.content_type, size) {
        Answer::Done(response) => response,
        Answer::Body {
            mut response,
            range: None,
        } => response.body(file.body.clone()),
        Answer::Body {
            mut response,
            range: Some((start, end)),
        } => match (usize::try_from(start), usize::try_from(end)) {
            (Ok(from), Ok(to)) => response.body(file.body.slice(from..to)),
            _ => HttpResponse::RangeNotSatisfiable().finish(),
        },
    }
}

/// A file streamed from the blob store, with its length: only the range
/// asked for is read, a chunk at a time as the client takes it.
async fn streamed(
    request: &HttpRequest,
    blobs: &Blobs,
    file: LocatedFile,
) -> Result<HttpResponse, ApiError> {
    let (mut response, range) = match answer(request, &file.etag, &file.content_type, file.len) {
        Answer::Done(response) => return Ok(response),
        Answer::Body { response, range } => (response, range),
    };
    let reader = blobs
        .open(&file.blob, range)
        .await
        .map_err(|_| ApiError::not_found("this file is gone"))?;
    Ok(response.body(SizedStream::new(reader.end - reader.start, reader.body)))
}

/// The one range a request asks for: `None` for the whole file (no Range,
/// an If-Range for another version, or several ranges — the whole file is a
/// valid answer to those), `Some(None)` when the range is outside the file.
fn wanted_range(
    request: &HttpRequest,
    etag: &str,
    size: u64,
) -> Option<Option<actix_files::HttpRange>> {
    let raw = request.headers().get(header::RANGE)?.to_str().ok()?;
    if let Some(condition) = request.headers().get(header::IF_RANGE)
        && condition.to_str().ok() != Some(etag)
    {
        return None;
    }
    match actix_files::HttpRange::parse(raw, size) {
        Ok(ranges) if ranges.len() == 1 => ranges.first().copied().map(Some),
        Ok(_) => None,
        Err(_) => Some(None),
    }
}
