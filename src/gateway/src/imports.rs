//! The admin's imports (`/api/v1/imports`, for administrators and the owner):
//! a WordPress or Ghost export uploaded into a temporary file in the data
//! directory, imported in the background on a thread of its own, its
//! progress and report read back while and after it runs. One at a time.
//!
//! The gateway owns the HTTP side and the jobs; the work itself is the
//! binary's importer, reached through [`ImportRunner`] (the importer depends
//! on the gateway, not the other way round), which reports how far it got in
//! an [`ImportProgress`] both sides share.

use std::collections::{BTreeMap, VecDeque};
use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use actix_multipart::{Field, Multipart};
use actix_web::http::header;
use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use futures::TryStreamExt;
use serde::{Deserialize, Serialize};
use tokio::io::AsyncWriteExt as _;

use super::error::ErrorBody;
use super::headers::no_store;
use super::{ApiError, Identity, Services};
use folio_auth_protocol::permissions::Action;

pub(crate) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(start_import).service(list).service(get_one);
}

/// Finished jobs kept for `GET`, newest first: enough to read the last
/// report again, never a growing list.
const KEPT: usize = 10;
/// The form's text fields (`source`, `dry_run`) stay small.
const TEXT_FIELD_LIMIT: usize = 64;
/// The name temporary uploads start with, so leftovers of a crash are known.
const TEMP_PREFIX: &str = "upload-";

/// Which platform an export comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ImportSource {
    /// A WordPress export (WXR, `.xml`).
    Wordpress,
    /// A Ghost export (`.json`).
    Ghost,
}

impl ImportSource {
    fn parse(text: &str) -> Option<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "wordpress" | "wxr" => Some(Self::Wordpress),
            "ghost" => Some(Self::Ghost),
            _ => None,
        }
    }

    /// From the file's first bytes: WXR is XML, Ghost's export is JSON.
    fn sniff(start: &[u8]) -> Option<Self> {
        let start = start.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(start);
        match start.iter().find(|b| !b.is_ascii_whitespace()) {
            Some(b'<') => Some(Self::Wordpress),
            Some(b'{') => Some(Self::Ghost),
            _ => None,
        }
    }
}

/// Where an import is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
#[repr(u8)]
pub enum ImportPhase {
    /// The file is arriving.
    Uploading,
    /// The uploads folder's zip is unpacked (WordPress, when one was sent).
    Unpacking,
    /// The whole file is checked before anything is written.
    Checking,
    /// Authors and attachments are read (WordPress), or the whole file (Ghost).
    Reading,
    /// Posts and pages go in.
    Importing,
    /// Old addresses are made to answer 301.
    Redirects,
}

impl ImportPhase {
    const ALL: [Self; 6] = [
        Self::Uploading,
        Self::Unpacking,
        Self::Checking,
        Self::Reading,
        Self::Importing,
        Self::Redirects,
    ];
}

/// How far an import has got: updated by the importer (which also draws the
/// same numbers as bars on a terminal), read by `GET /api/v1/imports/{id}`.
/// Plain counters: a reader may see a phase with the previous phase's bytes
/// for an instant, which a progress bar shrugs off.
#[derive(Debug, Default)]
pub struct ImportProgress {
    phase: AtomicU8,
    bytes_read: AtomicU64,
    bytes_total: AtomicU64,
    items_done: AtomicU64,
    items_total: AtomicU64,
}

impl ImportProgress {
    /// A new phase, which reads the file's `bytes_total` bytes from the start.
    pub fn phase(&self, phase: ImportPhase, bytes_total: u64) {
        self.bytes_read.store(0, Ordering::Relaxed);
        self.bytes_total.store(bytes_total, Ordering::Relaxed);
        self.phase.store(phase as u8, Ordering::Relaxed);
    }

    pub fn read(&self, bytes: u64) {
        self.bytes_read.fetch_add(bytes, Ordering::Relaxed);
    }

    /// How many posts and pages there are to go through.
    pub fn items_total(&self, items: u64) {
        self.items_total.store(items, Ordering::Relaxed);
    }

    /// One more post or page gone through (imported, found, or failed).
    pub fn item_done(&self) {
        self.items_done.fetch_add(1, Ordering::Relaxed);
    }

    pub fn items_done(&self) -> u64 {
        self.items_done.load(Ordering::Relaxed)
    }

    pub fn view(&self) -> ProgressView {
        let phase = self.phase.load(Ordering::Relaxed);
        ProgressView {
            phase: ImportPhase::ALL
                .get(usize::from(phase))
                .copied()
                .unwrap_or(ImportPhase::Uploading),
            bytes_read: self.bytes_read.load(Ordering::Relaxed),
            bytes_total: self.bytes_total.load(Ordering::Relaxed),
            items_done: self.items_done.load(Ordering::Relaxed),
            items_total: self.items_total.load(Ordering::Relaxed),
        }
    }
}

/// The numbers of [`ImportProgress`] at one moment.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ProgressView {
    pub phase: ImportPhase,
    /// Of the file, in this phase (each phase reads it from the start).
    pub bytes_read: u64,
    /// The file's size (0 while it is being uploaded).
    pub bytes_total: u64,
    /// Posts and pages gone through.
    pub items_done: u64,
    /// Posts and pages in the file (0 until it is checked).
    pub items_total: u64,
}

/// What the import of an uploaded file is asked to do.
#[derive(Debug, Clone)]
pub struct ImportRequest {
    /// The uploaded file (removed by the gateway once the import ends).
    pub file: PathBuf,
    /// The name it had on the uploader's computer, for messages.
    pub file_name: String,
    /// A zip of the old site's `wp-content/uploads` (WordPress), and an
    /// empty folder to unpack it into: both removed by the gateway once the
    /// import ends.
    pub uploads: Option<(PathBuf, PathBuf)>,
    pub source: ImportSource,
    pub dry_run: bool,
    /// The administrator the import is done as: the caller.
    pub as_email: String,
    /// One id for every call of this import, so its story reads as one in the logs.
    pub request_id: String,
}

/// What runs an import for the gateway: the binary's importer.
pub trait ImportRunner: Send + Sync + 'static {
    /// Runs the import to its end on the calling thread, which is one of its
    /// own and never a server worker: reading and converting the file is CPU
    /// work. `Err` is a sentence for the administrator.
    fn run(
        &self,
        request: ImportRequest,
        progress: Arc<ImportProgress>,
    ) -> Result<ImportReport, String>;
}

/// The report of a finished import, as `folio import` prints it.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct ImportReport {
    /// A check only: nothing was written, and the counts say what would be.
    pub dry_run: bool,
    /// What the file holds.
    pub file: FileCounts,
    /// Left out, by kind (`trash`, `revision`, `nav_menu_item`, …).
    pub skipped: BTreeMap<String, u64>,
    pub posts_created: u64,
    pub pages_created: u64,
    /// Made by an earlier import of the same file: left as they are.
    pub already_imported: u64,
    /// Contributors with no password: an administrator sets one in People.
    pub authors_created: u64,
    pub authors_matched: u64,
    pub media_imported: u64,
    /// Attachments that stayed behind: no zip of the uploads folder came
    /// with the export.
    pub images_not_imported: u64,
    /// Old addresses that now answer 301.
    pub redirects_added: u64,
    /// Old addresses that already did, or are live pages here.
    pub redirects_kept: u64,
    /// Sentences for the administrator: what was not imported, and how to.
    pub notes: Vec<String>,
    /// Imported with a loss or a change.
    pub warnings: Vec<ImportItem>,
    /// Not imported.
    pub failed: Vec<ImportItem>,
}

/// What an export holds.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct FileCounts {
    pub posts: u64,
    pub pages: u64,
    pub attachments: u64,
    pub authors: u64,
    /// Categories and tags.
    pub terms: u64,
    pub comments: u64,
}

/// One item of the report: which, and what happened to it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ImportItem {
    /// Its id in the export (empty for an old address).
    pub source_id: String,
    pub title: String,
    pub message: String,
}

/// An import's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub(crate) enum ImportState {
    Running,
    Done,
    Failed,
}

/// An import, as `GET /api/v1/imports/{id}` answers it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub(crate) struct ImportView {
    id: String,
    state: ImportState,
    /// Known once the file is in.
    #[schema(nullable = false)]
    source: Option<ImportSource>,
    file_name: String,
    /// A zip of the uploads folder came with it.
    uploads: bool,
    dry_run: bool,
    /// Who started it.
    by: String,
    started_at: DateTime<Utc>,
    #[schema(nullable = false)]
    finished_at: Option<DateTime<Utc>>,
    progress: ProgressView,
    /// When it is done.
    #[schema(nullable = false)]
    report: Option<ImportReport>,
    /// When it failed: why, and that nothing was written if so.
    #[schema(nullable = false)]
    error: Option<String>,
}

/// The imports of this gateway: the one running, and the last few finished.
/// (On a site with several gateways each keeps its own.)
pub(crate) struct Imports {
    /// Set once, by the binary, before the server starts.
    runner: OnceLock<Arc<dyn ImportRunner>>,
    /// `<data dir>/imports`: uploads wait here while they are imported.
    dir: PathBuf,
    max_bytes: u64,
    jobs: Mutex<Jobs>,
}

#[derive(Default)]
struct Jobs {
    /// The import under way (uploading or running), if any.
    busy: Option<String>,
    /// Newest first.
    recent: VecDeque<Arc<Job>>,
}

struct Job {
    id: String,
    by: String,
    started_at: DateTime<Utc>,
    progress: Arc<ImportProgress>,
    state: Mutex<JobState>,
}

#[derive(Default)]
struct JobState {
    source: Option<ImportSource>,
    file_name: String,
    uploads: bool,
    dry_run: bool,
    finished_at: Option<DateTime<Utc>>,
    outcome: Option<Result<ImportReport, String>>,
}

impl Job {
    fn view(&self) -> ImportView {
        let state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let (job_state, report, error) = match &state.outcome {
            None => (ImportState::Running, None, None),
            Some(Ok(report)) => (ImportState::Done, Some(report.clone()), None),
            Some(Err(error)) => (ImportState::Failed, None, Some(error.clone())),
        };
        ImportView {
            id: self.id.clone(),
            state: job_state,
            source: state.source,
            file_name: state.file_name.clone(),
            uploads: state.uploads,
            dry_run: state.dry_run,
            by: self.by.clone(),
            started_at: self.started_at,
            finished_at: state.finished_at,
            progress: self.progress.view(),
            report,
            error,
        }
    }

    fn finish(&self, outcome: Result<ImportReport, String>) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        if state.outcome.is_none() {
            state.outcome = Some(outcome);
            state.finished_at = Some(Utc::now());
        }
    }
}

impl Imports {
    pub(crate) fn new(data_dir: &Path, max_bytes: u64) -> Self {
        let dir = data_dir.join("imports");
        remove_leftovers(&dir);
        Self {
            runner: OnceLock::new(),
            dir,
            max_bytes,
            jobs: Mutex::new(Jobs::default()),
        }
    }

    pub(crate) fn set_runner(&self, runner: Arc<dyn ImportRunner>) {
        if self.runner.set(runner).is_err() {
            tracing::warn!("the importer was set twice; the first one stays");
        }
    }

    fn jobs(&self) -> std::sync::MutexGuard<'_, Jobs> {
        self.jobs.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Takes the one slot for an import by `by`, or says which import holds it.
    fn begin(self: &Arc<Self>, by: &str) -> Result<Slot, ApiError> {
        let mut jobs = self.jobs();
        if let Some(busy) = &jobs.busy {
            return Err(ApiError::conflict(
                "import_running",
                format!("another import is under way (/api/v1/imports/{busy}); wait for it to end"),
            ));
        }
        let job = Arc::new(Job {
            id: uuid::Uuid::now_v7().simple().to_string(),
            by: by.to_owned(),
            started_at: Utc::now(),
            progress: Arc::new(ImportProgress::default()),
            state: Mutex::new(JobState::default()),
        });
        jobs.busy = Some(job.id.clone());
        jobs.recent.push_front(job.clone());
        jobs.recent.truncate(KEPT);
        Ok(Slot {
            imports: self.clone(),
            job,
            keep: false,
        })
    }

    fn find(&self, id: &str) -> Option<Arc<Job>> {
        self.jobs().recent.iter().find(|job| job.id == id).cloned()
    }
}

/// Leftovers of a process that stopped mid-import: nobody will read them.
fn remove_leftovers(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        if !entry.file_name().to_string_lossy().starts_with(TEMP_PREFIX) {
            continue;
        }
        // A folder is an uploads zip being unpacked when the process stopped.
        let removed = if entry.path().is_dir() {
            std::fs::remove_dir_all(entry.path())
        } else {
            std::fs::remove_file(entry.path())
        };
        if let Err(error) = removed {
            tracing::warn!(%error, file = %entry.path().display(), "could not remove an old import upload");
        }
    }
}

/// The import slot, held from the first byte of the upload to the import's
/// end. Dropped before the job was handed to its thread (the upload was
/// refused or broke off), it forgets the job; dropped by the thread, it
/// frees the slot, with the job failed if it ended without an outcome (a
/// panic).
struct Slot {
    imports: Arc<Imports>,
    job: Arc<Job>,
    /// The job ran: keep it in the list.
    keep: bool,
}

impl Drop for Slot {
    fn drop(&mut self) {
        if self.keep {
            self.job
                .finish(Err("the import stopped unexpectedly; it has been logged. Running it again finishes it: what is in is not made twice".to_owned()));
        }
        let mut jobs = self.imports.jobs();
        if jobs.busy.as_deref() == Some(self.job.id.as_str()) {
            jobs.busy = None;
        }
        if !self.keep {
            jobs.recent.retain(|job| job.id != self.job.id);
        }
    }
}

/// The form, read.
struct Upload {
    file: Option<(tempfile::TempPath, String)>,
    uploads: Option<tempfile::TempPath>,
    source: Option<ImportSource>,
    dry_run: bool,
}

/// Starts an import: `multipart/form-data` with the export in `file`, and
/// optionally `uploads` (WordPress: a zip of `wp-content/uploads`, for the
/// images), `source` (`wordpress` or `ghost`; else told from the file's
/// content) and `dry_run` (`true`: check and report, write nothing).
///
/// The files are streamed to temporary files in the data directory, their
/// size limit (`--max-import-bytes`, for both) enforced while streaming. The
/// import then runs in the background as the caller; follow it at the
/// `Location` answered. Without `uploads` a WordPress site's images are not
/// imported: the report says so, and how to import them.
#[utoipa::path(
    tag = "imports",
    operation_id = "start_import",
    request_body(content = ImportForm, content_type = "multipart/form-data"),
    responses(
        (status = 202, description = "The import is under way", body = ImportView,
            headers(("Location" = String, description = "Where to follow it"))),
        (status = 400, description = "Not valid multipart form data", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Only administrators and the owner (with a write token or CSRF token)", body = ErrorBody),
        (status = 408, description = "The body stopped arriving (the body idle timeout); the connection is closed", body = ErrorBody),
        (status = 409, description = "Another import is under way", body = ErrorBody),
        (status = 413, description = "The file is over --max-import-bytes", body = ErrorBody),
        (status = 422, description = "No file, or a file that is neither a WordPress nor a Ghost export", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = [])),
)]
#[post("/api/v1/imports")]
async fn start_import(
    services: web::Data<Services>,
    identity: Identity,
    mut form: Multipart,
) -> Result<HttpResponse, ApiError> {
    identity.require(Action::ManageSettings)?;
    let imports = services.imports.clone();
    let Some(runner) = imports.runner.get().cloned() else {
        return Err(ApiError::unexpected(
            "the gateway was started without an importer",
        ));
    };
    let mut slot = imports.begin(&identity.user.email)?;
    let upload = read_form(&imports, &mut form, &slot.job.progress).await?;
    let Some((file, file_name)) = upload.file else {
        return Err(ApiError::invalid(
            "send the export file in a form field named \"file\"",
        ));
    };
    let source = match upload.source {
        Some(source) => source,
        None => detect(&file).await?,
    };
    if source == ImportSource::Ghost && upload.uploads.is_some() {
        return Err(ApiError::invalid(
            "a Ghost export comes with no uploads folder: send the export alone",
        ));
    }
    {
        let mut state = slot
            .job
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        state.source = Some(source);
        state.file_name = file_name.clone();
        state.uploads = upload.uploads.is_some();
        state.dry_run = upload.dry_run;
    }
    let unpack_into = match &upload.uploads {
        Some(_) => Some(
            tempfile::Builder::new()
                .prefix(TEMP_PREFIX)
                .tempdir_in(&imports.dir)
                .map_err(|error| {
                    ApiError::unexpected(&format!(
                        "a folder for the uploads in {}: {error}",
                        imports.dir.display()
                    ))
                })?,
        ),
        None => None,
    };
    let request = ImportRequest {
        file: file.to_path_buf(),
        file_name,
        uploads: match (&upload.uploads, &unpack_into) {
            (Some(zip), Some(folder)) => Some((zip.to_path_buf(), folder.path().to_path_buf())),
            _ => None,
        },
        source,
        dry_run: upload.dry_run,
        as_email: identity.user.email.clone(),
        request_id: format!("import-{}", slot.job.id),
    };
    let job = slot.job.clone();
    slot.keep = true;
    let (view, location) = (job.view(), format!("/api/v1/imports/{}", job.id));
    std::thread::Builder::new()
        .name("import".to_owned())
        .spawn(move || {
            let outcome = runner.run(request, job.progress.clone());
            if let Err(error) = &outcome {
                tracing::info!(import = %job.id, error, "import failed");
            }
            job.finish(outcome);
            // The uploads go, then the slot frees: a next import never
            // finds this one's files still there.
            drop(file);
            drop(upload.uploads);
            drop(unpack_into);
            drop(slot);
        })
        .map_err(|error| ApiError::unexpected(&format!("no thread for the import: {error}")))?;
    Ok(HttpResponse::Accepted()
        .insert_header((header::LOCATION, location))
        .json(view))
}

/// The form `POST /api/v1/imports` takes.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub(super) struct ImportForm {
    /// The export: WordPress's WXR (`.xml`) or Ghost's JSON.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    /// WordPress only: a zip of the site's `wp-content/uploads` folder, to
    /// import the images too. Counted in the same size limit; unpacked, it
    /// may not exceed it either, nor hold a path leading outside itself.
    #[schema(value_type = Option<String>, format = Binary)]
    uploads: Option<Vec<u8>>,
    /// `wordpress` or `ghost`; told from the file's content when left out.
    #[schema(value_type = Option<String>)]
    source: Option<ImportSource>,
    /// `true`: every check and conversion, nothing written.
    dry_run: Option<bool>,
}

/// Reads the form; the file part is streamed to a temporary file, the size
/// limit enforced while streaming (the rest is not read).
async fn read_form(
    imports: &Imports,
    form: &mut Multipart,
    progress: &ImportProgress,
) -> Result<Upload, ApiError> {
    let bad = |message: String| ApiError::bad_request("invalid_upload", message);
    let mut upload = Upload {
        file: None,
        uploads: None,
        source: None,
        dry_run: false,
    };
    // The export and the uploads' zip share the one limit.
    let mut budget = imports.max_bytes;
    while let Some(mut field) = form
        .try_next()
        .await
        .map_err(|e| bad(format!("the upload is not valid multipart form data: {e}")))?
    {
        let name = field.name().unwrap_or_default().to_owned();
        match name.as_str() {
            "file" => {
                let file_name = field
                    .content_disposition()
                    .and_then(|d| d.get_filename())
                    .map(file_name_only)
                    .unwrap_or_else(|| "the export".to_owned());
                // A second file part replaces the first (which is removed on drop).
                upload.file = None;
                let file = save(imports, &mut field, progress, &mut budget).await?;
                upload.file = Some((file, file_name));
            }
            "uploads" => {
                upload.uploads = None;
                upload.uploads = Some(save(imports, &mut field, progress, &mut budget).await?);
            }
            "source" | "dry_run" => {
                let value = text_field(&name, &mut field).await?;
                if name == "source" {
                    if !value.trim().is_empty() {
                        upload.source = Some(ImportSource::parse(&value).ok_or_else(|| {
                            ApiError::invalid(format!(
                                "source {value:?} is not one Folio imports: say \"wordpress\" or \"ghost\""
                            ))
                        })?);
                    }
                } else {
                    upload.dry_run = matches!(value.trim(), "true" | "1" | "on" | "yes");
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
    Ok(upload)
}

async fn text_field(name: &str, field: &mut Field) -> Result<String, ApiError> {
    let mut value = Vec::new();
    while let Some(chunk) = field.try_next().await.map_err(|e| {
        ApiError::bad_request("invalid_upload", format!("the upload broke off: {e}"))
    })? {
        value.extend_from_slice(&chunk);
        if value.len() > TEXT_FIELD_LIMIT {
            return Err(ApiError::invalid(format!("the {name} field is too long")));
        }
    }
    String::from_utf8(value)
        .map_err(|_| ApiError::invalid(format!("the {name} field is not UTF-8 text")))
}

/// The last part of a name a browser sent (some send a whole Windows path),
/// kept short.
fn file_name_only(name: &str) -> String {
    let name = name.rsplit(['/', '\\']).next().unwrap_or(name);
    name.chars().filter(|c| !c.is_control()).take(200).collect()
}

/// Streams a file part into a new temporary file, removed when the
/// returned path is dropped; `budget` is the bytes the form may still send.
async fn save(
    imports: &Imports,
    field: &mut Field,
    progress: &ImportProgress,
    budget: &mut u64,
) -> Result<tempfile::TempPath, ApiError> {
    let unexpected = |error: std::io::Error| {
        ApiError::unexpected(&format!(
            "writing an import upload to {}: {error}",
            imports.dir.display()
        ))
    };
    std::fs::create_dir_all(&imports.dir).map_err(unexpected)?;
    let (file, path) = tempfile::Builder::new()
        .prefix(TEMP_PREFIX)
        .tempfile_in(&imports.dir)
        .map_err(unexpected)?
        .into_parts();
    let mut file = tokio::fs::File::from_std(file);
    while let Some(chunk) = field.try_next().await.map_err(|e| {
        ApiError::bad_request("invalid_upload", format!("the upload broke off: {e}"))
    })? {
        let Some(left) = budget.checked_sub(chunk.len() as u64) else {
            // `path` is dropped on the way out: the part written goes with it.
            return Err(ApiError::too_large(format!(
                "the upload is over the import limit of {} MB (--max-import-bytes)",
                imports.max_bytes / 1_000_000
            )));
        };
        *budget = left;
        file.write_all(&chunk).await.map_err(unexpected)?;
        progress.read(chunk.len() as u64);
    }
    file.flush().await.map_err(unexpected)?;
    Ok(path)
}

/// Which platform the file comes from, by its first bytes.
async fn detect(file: &Path) -> Result<ImportSource, ApiError> {
    let path = file.to_path_buf();
    let start = web::block(move || -> std::io::Result<Vec<u8>> {
        let mut start = Vec::with_capacity(1024);
        std::fs::File::open(path)?
            .take(1024)
            .read_to_end(&mut start)?;
        Ok(start)
    })
    .await
    .map_err(|error| ApiError::unexpected(&error.to_string()))?
    .map_err(|error| ApiError::unexpected(&error.to_string()))?;
    ImportSource::sniff(&start).ok_or_else(|| {
        ApiError::invalid(
            "this file is neither a WordPress export (WXR, .xml) nor a Ghost export (.json); choose which it is, or export it again",
        )
    })
}

/// The imports of this gateway, newest first.
#[utoipa::path(
    tag = "imports",
    operation_id = "list_imports",
    responses(
        (status = 200, description = "The import under way, if any, and the last few finished", body = ImportList),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Only administrators and the owner", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = [])),
)]
#[get("/api/v1/imports")]
async fn list(services: web::Data<Services>, identity: Identity) -> Result<HttpResponse, ApiError> {
    identity.require(Action::ManageSettings)?;
    let jobs: Vec<Arc<Job>> = services.imports.jobs().recent.iter().cloned().collect();
    Ok(no_store(HttpResponse::Ok()).json(ImportList {
        imports: jobs.iter().map(|job| job.view()).collect(),
    }))
}

#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct ImportList {
    imports: Vec<ImportView>,
}

/// An import: its state and progress, and its report once done.
#[utoipa::path(
    tag = "imports",
    operation_id = "get_import",
    responses(
        (status = 200, description = "The import", body = ImportView),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Only administrators and the owner", body = ErrorBody),
        (status = 404, description = "No such import (or the server restarted since)", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = [])),
)]
#[get("/api/v1/imports/{id}")]
async fn get_one(
    services: web::Data<Services>,
    identity: Identity,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    identity.require(Action::ManageSettings)?;
    let job = services.imports.find(&id).ok_or_else(|| {
        ApiError::not_found(format!(
            "there is no import {id} (this server keeps the last {KEPT}, until it restarts)"
        ))
    })?;
    Ok(no_store(HttpResponse::Ok()).json(job.view()))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn imports() -> (tempfile::TempDir, Arc<Imports>) {
        let dir = tempfile::tempdir().unwrap();
        let imports = Arc::new(Imports::new(dir.path(), 1_000));
        (dir, imports)
    }

    #[test]
    fn a_second_import_is_refused_while_one_is_under_way() {
        let (_dir, imports) = imports();
        let first = imports.begin("a@example.com").unwrap();
        let refused = imports.begin("b@example.com").err().unwrap();
        assert_eq!(refused.status(), actix_web::http::StatusCode::CONFLICT);
        assert!(refused.to_string().contains(&first.job.id), "{refused}");
        drop(first);
        assert!(imports.begin("b@example.com").is_ok());
    }

    #[test]
    fn an_upload_that_never_became_an_import_leaves_no_job() {
        let (_dir, imports) = imports();
        let slot = imports.begin("a@example.com").unwrap();
        let id = slot.job.id.clone();
        assert!(imports.find(&id).is_some());
        drop(slot);
        assert!(imports.find(&id).is_none());
        assert!(imports.jobs().busy.is_none());
    }

    #[test]
    fn an_import_that_ended_without_an_outcome_reads_as_failed() {
        let (_dir, imports) = imports();
        let mut slot = imports.begin("a@example.com").unwrap();
        slot.keep = true;
        let id = slot.job.id.clone();
        drop(slot);
        let view = imports.find(&id).unwrap().view();
        assert_eq!(view.state, ImportState::Failed);
        assert!(view.error.unwrap().contains("stopped unexpectedly"));
    }

    #[test]
    fn only_the_last_few_imports_are_kept() {
        let (_dir, imports) = imports();
        for _ in 0..KEPT + 3 {
            let mut slot = imports.begin("a@example.com").unwrap();
            slot.job.finish(Ok(ImportReport::default()));
            slot.keep = true;
        }
        assert_eq!(imports.jobs().recent.len(), KEPT);
    }

    #[test]
    fn the_platform_is_told_from_the_first_bytes() {
        assert_eq!(
            ImportSource::sniff(b"\xEF\xBB\xBF  <?xml version"),
            Some(ImportSource::Wordpress)
        );
        assert_eq!(
            ImportSource::sniff(b"\n{\"db\": []}"),
            Some(ImportSource::Ghost)
        );
        assert_eq!(ImportSource::sniff(b"PK\x03\x04"), None);
        assert_eq!(ImportSource::sniff(b""), None);
    }

    #[test]
    fn leftover_uploads_of_a_stopped_process_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let imports = dir.path().join("imports");
        std::fs::create_dir_all(&imports).unwrap();
        std::fs::write(imports.join("upload-abc"), "x").unwrap();
        std::fs::create_dir_all(imports.join("upload-def/2019/03")).unwrap();
        std::fs::write(imports.join("upload-def/2019/03/a.jpg"), "x").unwrap();
        std::fs::write(imports.join("keep.txt"), "x").unwrap();
        let _ = Imports::new(dir.path(), 1);
        assert!(!imports.join("upload-abc").exists());
        assert!(!imports.join("upload-def").exists());
        assert!(imports.join("keep.txt").exists());
    }

    #[test]
    fn a_browsers_whole_path_is_cut_to_the_file_name() {
        assert_eq!(file_name_only("C:\\Users\\me\\export.xml"), "export.xml");
        assert_eq!(file_name_only("export.xml"), "export.xml");
    }
}
