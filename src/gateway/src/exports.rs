//! The admin's export download (`GET /api/v1/export?format=wxr|zip`, for
//! administrators and the owner): the whole site written by the binary's
//! exporter — reached through [`ExportRunner`], as imports are — into a
//! temporary file in the data directory on a thread of its own, then sent
//! as an attachment. The file is gone when the download ends.

use actix_files::NamedFile;
use actix_web::http::header::{self, ContentDisposition, DispositionParam, DispositionType};
use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::Utc;
use serde::Deserialize;
use std::path::Path;

use super::error::ErrorBody;
use super::{ApiError, Identity, Services};
use folio_auth_protocol::permissions::Action;
use folio_runtime::{ConcernName, Principal};
use tracing_actix_web::RequestId;

pub(crate) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(download);
}

/// The name temporary exports start with, so leftovers of a crash are known.
const TEMP_PREFIX: &str = "export-";

/// What an export is written as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    /// One WordPress export file (WXR 1.2).
    #[serde(alias = "xml")]
    Wxr,
    /// That file, every post and page in Markdown, and every image.
    Zip,
}

/// What writes an export for the gateway: the binary's exporter.
pub trait ExportRunner: Send + Sync + 'static {
    /// Writes the site into `file` as `principal` sees it, on the calling
    /// thread (one of its own, never a server worker). Answers a line that
    /// counts what was written; `Err` is a sentence for the administrator.
    fn run(
        &self,
        format: ExportFormat,
        principal: Principal,
        request_id: String,
        file: &Path,
    ) -> Result<String, String>;
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub(super) struct ExportQuery {
    /// `wxr` (the default) or `zip`.
    format: Option<ExportFormat>,
}

/// Downloads the whole site.
#[utoipa::path(
    get,
    path = "/api/v1/export",
    tag = "site",
    params(ExportQuery),
    responses(
        (status = 200, description = "The export, as an attachment: `application/xml` or `application/zip`"),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Only administrators and the owner", body = ErrorBody),
        (status = 503, description = "A concern the export reads is unavailable", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = []))
)]
#[get("/api/v1/export")]
async fn download(
    request: HttpRequest,
    services: web::Data<Services>,
    identity: Identity,
    query: web::Query<ExportQuery>,
    request_id: RequestId,
) -> Result<HttpResponse, ApiError> {
    identity.require(Action::ManageSettings)?;
    let Some(runner) = services.exporter.clone() else {
        return Err(ApiError::internal(
            ConcernName::Posts,
            "the gateway was started without an exporter",
        ));
    };
    let format = query.format.unwrap_or(ExportFormat::Wxr);
    let temp = tempfile::Builder::new()
        .prefix(TEMP_PREFIX)
        .tempfile_in(&services.data_dir)
        .map_err(|error| {
            ApiError::internal(
                ConcernName::Posts,
                &format!("no room for the export: {error}"),
            )
        })?;
    let (path, principal) = (temp.path().to_owned(), identity.principal.clone());
    // The request waits for the export: its calls carry the request's id.
    let request_id = request_id.to_string();
    let (done, outcome) = tokio::sync::oneshot::channel();
    std::thread::Builder::new()
        .name("export".to_owned())
        .spawn(move || {
            let _ = done.send(runner.run(format, principal, request_id, &path));
        })
        .map_err(|error| {
            ApiError::internal(
                ConcernName::Posts,
                &format!("no thread for the export: {error}"),
            )
        })?;
    let summary = match outcome.await {
        Ok(Ok(summary)) => summary,
        Ok(Err(why)) => {
            return Err(ApiError::unfinished(format!(
                "the export could not be written: {why}"
            )));
        }
        Err(_) => {
            return Err(ApiError::internal(
                ConcernName::Posts,
                "the export stopped before it ended",
            ));
        }
    };
    // Opened, then unlinked as `temp` drops: the download reads the open
    // file, and nothing is left behind whenever it ends.
    let file = temp.reopen().map_err(|error| {
        ApiError::internal(ConcernName::Posts, &format!("reading the export: {error}"))
    })?;
    drop(temp);
    let (name, content_type) = match format {
        ExportFormat::Wxr => ("xml", "application/xml"),
        ExportFormat::Zip => ("zip", "application/zip"),
    };
    let name = format!("folio-export-{}.{name}", Utc::now().format("%Y-%m-%d"));
    let file = NamedFile::from_file(file, &name)
        .map_err(|error| ApiError::internal(ConcernName::Posts, &error.to_string()))?
        .set_content_type(
            content_type
                .parse()
                .unwrap_or(actix_web::mime::APPLICATION_OCTET_STREAM),
        )
        .set_content_disposition(ContentDisposition {
            disposition: DispositionType::Attachment,
            parameters: vec![DispositionParam::Filename(name)],
        })
        .use_etag(false)
        .use_last_modified(false);
    let mut response = file.into_response(&request);
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    response.headers_mut().insert(
        header::HeaderName::from_static("x-folio-exported"),
        header::HeaderValue::from_str(&summary)
            .unwrap_or_else(|_| header::HeaderValue::from_static("")),
    );
    Ok(response)
}

/// Exports a crash left in the data directory.
pub(crate) fn remove_leftovers(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        if name.to_string_lossy().starts_with(TEMP_PREFIX) && entry.path().is_file() {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}
