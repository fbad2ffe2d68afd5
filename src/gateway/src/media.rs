//! Media over HTTP: uploads and the media library API (`/api/v1/media`), and
//! the generated files at `/media/{id}/v{version}/{file}`.

use std::sync::Arc;
use std::time::Duration;

use moka::sync::Cache;

use actix_multipart::Multipart;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use futures::TryStreamExt;
use serde::Deserialize;
use tokio::io::AsyncWriteExt;
use tracing_actix_web::RequestId;
use uuid::Uuid;

use super::error::ErrorBody;
use super::headers::{conditional, etag_of};
use super::{ApiError, Identity, Services};
use folio_media_protocol::domain::Operation;
use folio_media_protocol::messages::{
    DeleteMedium, EditMedium, GetMedium, Ingest, ListMedia, Locate, RevertMedium, UpdateMedium,
};
use folio_media_protocol::messages::{MediaPage, MediumView};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(upload)
        .service(list_media)
        .service(get_medium)
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
pub fn files(cfg: &mut web::ServiceConfig) {
    cfg.service(web::scope("/media").service(serve_file));
}

/// Processing a large photo takes a while; the upload waits this long.
const INGEST_DEADLINE: Duration = Duration::from_secs(120);
/// Text fields of the upload form (alt, caption) stay small.
const TEXT_FIELD_LIMIT: usize = 8 * 1024;

/// Removes the temporary upload however the request ends.
struct TempFile(std::path::PathBuf);

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
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
/// `caption`. The file is streamed to disk and the size limit enforced while
/// streaming: too large is 413 without reading the rest.
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
    let dir = services.uploads_dir.clone();
    tokio::fs::create_dir_all(&dir)
        .await
        .map_err(|e| ApiError::internal(folio_runtime::ConcernName::Media, &e.to_string()))?;
    let temp = TempFile(dir.join(format!("{}.part", Uuid::new_v4())));
    let (mut file_name, mut alt, mut caption, mut got_file) =
        (String::new(), String::new(), String::new(), false);
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
                let mut out = tokio::fs::File::create(&temp.0).await.map_err(|e| {
                    ApiError::internal(folio_runtime::ConcernName::Media, &e.to_string())
                })?;
                let mut written = 0usize;
                while let Some(chunk) = field
                    .try_next()
                    .await
                    .map_err(|e| bad(format!("the upload broke off: {e}")))?
                {
                    written += chunk.len();
                    if written > services.max_upload_bytes {
                        return Err(ApiError::too_large(format!(
                            "the file is over the limit of {} MB",
                            services.max_upload_bytes / 1_000_000
                        )));
                    }
                    out.write_all(&chunk).await.map_err(|e| {
                        ApiError::internal(folio_runtime::ConcernName::Media, &e.to_string())
                    })?;
                }
                out.flush().await.map_err(|e| {
                    ApiError::internal(folio_runtime::ConcernName::Media, &e.to_string())
                })?;
                got_file = true;
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
    if !got_file {
        return Err(ApiError::invalid(
            "send the image in a form field named \"file\"",
        ));
    }
    let meta = identity.meta().with_budget(INGEST_DEADLINE);
    let keep_metadata = matches!(keep_metadata.trim(), "true" | "1" | "on" | "yes");
    let msg = Ingest {
        upload: temp.0.to_string_lossy().into_owned(),
        file_name,
        alt,
        caption,
        keep_metadata,
    };
    let medium = services.media.call(msg, meta).await?;
    Ok(HttpResponse::Created().json(medium))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct ListQuery {
    /// Only this person's media.
    owner: Option<Uuid>,
    page: Option<u32>,
    per_page: Option<u32>,
}

/// The media library, newest first.
#[utoipa::path(
    tag = "media",
    operation_id = "list_media",
    params(ListQuery),
    responses(
        (status = 200, description = "One page of media", body = MediaPage),
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
    Ok(HttpResponse::Ok().json(services.media.call(msg, identity.meta()).await?))
}

fn parse_id(raw: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(raw).map_err(|_| ApiError::not_found(format!("there is no medium {raw}")))
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

/// Generated files recently served, by the parsed id, version and file name
/// (never the raw path: `forget` must drop every key that can serve a file).
/// URLs are immutable (a new version gets new ones), so a copy in memory never
/// goes stale; a change to a medium drops its entries. Bounded by bytes.
#[derive(Clone)]
pub struct FileCache(Cache<FileKey, Arc<CachedFile>>);

/// One generated file, as the only URL that serves it names it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct FileKey {
    id: Uuid,
    version: i32,
    file: String,
}

impl FileKey {
    /// Only the spelling Folio writes in its URLs: the hyphenated lower-case id
    /// and a plain version number. Other spellings of the same id (upper case,
    /// 32 hex digits, `urn:uuid:`, `v01`) are 404s, so a file has exactly one
    /// URL and one cache key.
    fn parse(id: &str, version: &str, file: String) -> Result<Self, ApiError> {
        let gone = || ApiError::not_found("there is no such file");
        let parsed_id = Uuid::parse_str(id).map_err(|_| gone())?;
        let parsed_version: i32 = version.parse().map_err(|_| gone())?;
        if parsed_id.hyphenated().to_string() != id || parsed_version.to_string() != version {
            return Err(gone());
        }
        Ok(Self {
            id: parsed_id,
            version: parsed_version,
            file,
        })
    }
}

pub struct CachedFile {
    body: web::Bytes,
    content_type: &'static str,
    etag: String,
}

/// Files up to this size are kept in memory; larger ones (a kept original can
/// be 40 MB) are streamed from disk in small chunks every time, so slow readers
/// cost a chunk each rather than the whole file each.
const CACHE_FILES_UP_TO: usize = 2 * 1024 * 1024;

impl FileCache {
    pub fn new(max_bytes: u64) -> Self {
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

    /// Forgets every file of medium `id`.
    pub fn forget(&self, id: Uuid) {
        if self
            .0
            .invalidate_entries_if(move |key, _| key.id == id)
            .is_err()
        {
            self.0.invalidate_all();
        }
    }
}

fn content_type_of(file: &str) -> &'static str {
    match file.rsplit('.').next() {
        Some("jpg") => "image/jpeg",
        Some("png") => "image/png",
        Some("webp") => "image/webp",
        Some("gif") => "image/gif",
        _ => "application/octet-stream",
    }
}

const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// A generated file. The media concern names the file on disk from a parsed id,
/// version and one of the medium's own file names: nothing from the request
/// path reaches the filesystem. Small files are answered from memory; large
/// ones are streamed from disk by actix-files (ranges included).
#[get("/{id}/v{version}/{file}")]
async fn serve_file(
    services: web::Data<Services>,
    request: HttpRequest,
    request_id: RequestId,
    path: web::Path<(String, String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (id, version, file) = path.into_inner();
    let key = FileKey::parse(&id, &version, file)?;
    if let Some(file) = services.media_files.0.get(&key) {
        return Ok(from_memory(&request, &file));
    }
    let content_type = content_type_of(&key.file);
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
    let small = tokio::fs::metadata(&located)
        .await
        .is_ok_and(|m| m.len() <= CACHE_FILES_UP_TO as u64);
    if small {
        let body = tokio::fs::read(&located)
            .await
            .map_err(|_| ApiError::not_found("this file is gone"))?;
        let etag = etag_of(&body);
        let cached = Arc::new(CachedFile {
            body: web::Bytes::from(body),
            content_type,
            etag,
        });
        services.media_files.0.insert(key, cached.clone());
        return Ok(from_memory(&request, &cached));
    }
    let named = actix_files::NamedFile::open_async(&located)
        .await
        .map_err(|_| ApiError::not_found("this file is gone"))?
        .use_last_modified(true)
        .use_etag(true);
    let mut response = named.into_response(&request);
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static(IMMUTABLE),
    );
    Ok(response)
}

/// A file from memory: 304 when the client has it, one byte range (206 or
/// 416) when asked for one, else the whole file.
fn from_memory(request: &HttpRequest, file: &CachedFile) -> HttpResponse {
    if let Some(range) = wanted_range(request, file) {
        let size = file.body.len() as u64;
        let Some(range) = range else {
            return HttpResponse::RangeNotSatisfiable()
                .insert_header((header::CONTENT_RANGE, format!("bytes */{size}")))
                .insert_header((header::ACCEPT_RANGES, "bytes"))
                .finish();
        };
        let (start, end) = (range.start, range.start + range.length);
        let (Ok(from), Ok(to)) = (usize::try_from(start), usize::try_from(end)) else {
            return HttpResponse::RangeNotSatisfiable().finish();
        };
        return HttpResponse::PartialContent()
            .insert_header((
                header::CONTENT_RANGE,
                format!("bytes {start}-{}/{size}", end - 1),
            ))
            .insert_header((header::ETAG, file.etag.clone()))
            .insert_header((header::CACHE_CONTROL, IMMUTABLE))
            .insert_header((header::ACCEPT_RANGES, "bytes"))
            .content_type(file.content_type)
            .body(file.body.slice(from..to));
    }
    let (mut response, unchanged) = conditional(request, &file.etag, IMMUTABLE);
    response.insert_header((header::ACCEPT_RANGES, "bytes"));
    if unchanged {
        return response.finish();
    }
    response
        .content_type(file.content_type)
        .body(file.body.clone())
}

/// The one range a request asks for: `None` for the whole file (no Range,
/// an If-Range for another version, or several ranges — the whole file is a
/// valid answer to those), `Some(None)` when the range is outside the file.
fn wanted_range(
    request: &HttpRequest,
    file: &CachedFile,
) -> Option<Option<actix_files::HttpRange>> {
    let raw = request.headers().get(header::RANGE)?.to_str().ok()?;
    if let Some(condition) = request.headers().get(header::IF_RANGE)
        && condition.to_str().ok() != Some(file.etag.as_str())
    {
        return None;
    }
    match actix_files::HttpRange::parse(raw, file.body.len() as u64) {
        Ok(ranges) if ranges.len() == 1 => ranges.first().copied().map(Some),
        Ok(_) => None,
        Err(_) => Some(None),
    }
}
