//! Imports started from the admin (`/api/v1/imports`): the gateway hands
//! an uploaded export here, on a thread of its own; this runs the same
//! importer as `folio import` on that thread (its own actix System, so the
//! file's parsing and conversion never hold a server worker) and words its
//! report for the API. A zip of the old site's `wp-content/uploads` sent
//! with a WordPress export is unpacked here first, inside its folder only.

use std::fs::File;
use std::io::{BufReader, Read as _};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use folio_auth_protocol::AuthClient;
use folio_gateway::{
    FileCounts, ImportItem, ImportPhase, ImportProgress, ImportReport, ImportRequest, ImportRunner,
    ImportSource,
};
use folio_import::{ItemWarning, Report};
use folio_media_protocol::MediaClient;
use folio_media_protocol::blobs::Blobs;
use folio_posts_protocol::PostsClient;
use folio_runtime::SigningKey;

use crate::importer::{Importer, NO_UPLOADS, Tally};

/// What an admin's import is done with: the same handles as the gateway's.
pub struct AdminImports {
    pub auth: AuthClient,
    pub posts: PostsClient,
    pub media: MediaClient,
    pub blobs: Blobs,
    pub key: SigningKey,
    pub max_upload_bytes: u64,
    /// What an uploads zip may unpack to, at most (`--max-import-bytes`):
    /// images barely compress, so more than that is a zip bomb.
    pub max_unpacked_bytes: u64,
}

/// Entries an uploads zip may hold: WordPress keeps five or six sized
/// copies of each image, so this is some thirty thousand pictures.
const MAX_ENTRIES: usize = 200_000;

impl ImportRunner for AdminImports {
    fn run(
        &self,
        request: ImportRequest,
        progress: Arc<ImportProgress>,
    ) -> Result<ImportReport, String> {
        let progress_here = progress.clone();
        let importer = Importer {
            auth: self.auth.clone(),
            posts: self.posts.clone(),
            media: self.media.clone(),
            blobs: self.blobs.clone(),
            key: self.key.clone(),
            max_upload_bytes: self.max_upload_bytes,
            request_id: request.request_id.clone(),
            progress,
            bars: false,
        };
        let (file, as_email, dry_run) = (
            &request.file,
            Some(request.as_email.as_str()),
            request.dry_run,
        );
        let uploads = match &request.uploads {
            Some((zip, folder)) => {
                let unpacked = unpack(zip, folder, self.max_unpacked_bytes, &progress_here)
                    .map_err(|why| {
                        format!("the uploads zip is refused, and nothing was imported: {why}")
                    })?;
                Some(uploads_root(&unpacked))
            }
            None => None,
        };
        // The clients only send to the concerns' mailboxes and wait for the
        // answer, which works from any thread; a System (not a bare tokio
        // runtime) because a handle that finds its concern dead respawns it
        // on an arbiter of the current System.
        let outcome = actix_web::rt::System::new().block_on(async {
            match request.source {
                // The uploads folder is the zip's, when one came: the
                // server cannot reach the old site's.
                ImportSource::Wordpress => {
                    importer
                        .wordpress(file, uploads.as_deref(), as_email, dry_run)
                        .await
                }
                ImportSource::Ghost => importer.ghost(file, as_email, dry_run).await,
            }
        });
        match outcome {
            Ok((report, tally)) => Ok(admin_report(&report, &tally, request.source, dry_run)),
            // The importer names the file by its path: here, a temporary
            // file the administrator never saw.
            Err(error) => {
                Err(format!("{error:#}").replace(&file.display().to_string(), &request.file_name))
            }
        }
    }
}

fn item(warning: &ItemWarning) -> ImportItem {
    ImportItem {
        source_id: warning.source_id.clone(),
        title: warning.title.clone(),
        message: warning.message.clone(),
    }
}

/// The report `folio import` prints, as the API answers it.
fn admin_report(
    report: &Report,
    tally: &Tally,
    source: ImportSource,
    dry_run: bool,
) -> ImportReport {
    // An import from the admin never has an uploads folder: its images are
    // one sentence, not a failure per image.
    let (left_behind, failed): (Vec<&ItemWarning>, Vec<&ItemWarning>) = tally
        .failed
        .iter()
        .partition(|failure| failure.message.ends_with(NO_UPLOADS));
    let mut notes = Vec::new();
    if !left_behind.is_empty() {
        notes.push(format!(
            "{} {} not imported: {} in the old site's wp-content/uploads folder, which an import from here cannot reach by itself. \
             Posts still show them from the old site's addresses while it is up. \
             To import them with the posts, send that folder as a .zip along with the export, \
             or run `folio import wordpress export.xml --uploads /path/to/wp-content/uploads` on the server (with the site stopped). \
             A post already imported is left as it is, so do that before its posts are imported.",
            left_behind.len(),
            if left_behind.len() == 1 { "image was" } else { "images were" },
            if left_behind.len() == 1 { "it is" } else { "they are" },
        ));
    }
    if source == ImportSource::Ghost {
        notes.push(
            "Ghost's export holds no image files: images in posts are still shown from the Ghost site's addresses, and feature images are not imported."
                .to_owned(),
        );
    }
    if report.comments > 0 {
        notes.push(format!(
            "Comments are not imported (Folio has no comments yet): {} counted.",
            report.comments
        ));
    }
    ImportReport {
        dry_run,
        file: FileCounts {
            posts: report.posts,
            pages: report.pages,
            attachments: report.attachments,
            authors: report.authors,
            terms: report.terms,
            comments: report.comments,
        },
        skipped: report.skipped.clone(),
        posts_created: tally.posts_created,
        pages_created: tally.pages_created,
        already_imported: tally.already_imported,
        authors_created: tally.authors_created,
        authors_matched: tally.authors_matched,
        media_imported: tally.media_imported,
        images_not_imported: left_behind.len() as u64,
        redirects_added: tally.redirects_added,
        redirects_kept: tally.redirects_kept,
        notes,
        warnings: tally.warnings.iter().map(item).collect(),
        failed: failed.into_iter().map(item).collect(),
    }
}

/// Unpacks `zip` into `folder`: every entry's path stays inside it (a zip
/// naming `../x` or `/x` is refused, a symbolic link left out), at most
/// [`MAX_ENTRIES`] entries and `max_bytes` bytes in all, counted as they are
/// written (the sizes a zip declares are not believed). Answers `folder`.
fn unpack(
    zip: &Path,
    folder: &Path,
    max_bytes: u64,
    progress: &ImportProgress,
) -> Result<PathBuf, String> {
    let length = std::fs::metadata(zip).map(|m| m.len()).unwrap_or(0);
    progress.phase(ImportPhase::Unpacking, length);
    let reader = File::open(zip).map_err(|e| format!("cannot read it: {e}"))?;
    let mut archive = zip::ZipArchive::new(BufReader::new(reader))
        .map_err(|e| format!("it is not a zip file ({e})"))?;
    if archive.len() > MAX_ENTRIES {
        return Err(format!(
            "it holds {} files; at most {MAX_ENTRIES} are taken",
            archive.len()
        ));
    }
    let mut left = max_bytes;
    for index in 0..archive.len() {
        let mut entry = archive
            .by_index(index)
            .map_err(|e| format!("entry {index} cannot be read: {e}"))?;
        let name = entry
            .name()
            .map(|name| name.into_owned())
            .unwrap_or_else(|_| format!("entry {index}"));
        let Some(relative) = entry.enclosed_name() else {
            return Err(format!("{name} leads outside the folder"));
        };
        progress.read(entry.compressed_size());
        if entry.is_symlink() {
            // A link could lead anywhere on this machine: not followed, not made.
            continue;
        }
        let path = folder.join(relative);
        if entry.is_dir() {
            std::fs::create_dir_all(&path).map_err(|e| format!("{name}: {e}"))?;
            continue;
        }
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| format!("{name}: {e}"))?;
        }
        let mut out = File::create(&path).map_err(|e| format!("{name}: {e}"))?;
        // One byte more than is left says "too much" without writing it all.
        let written = std::io::copy(&mut (&mut entry).take(left + 1), &mut out)
            .map_err(|e| format!("{name}: {e}"))?;
        left = left.checked_sub(written).ok_or_else(|| {
            format!(
                "it unpacks to more than {} (--max-import-bytes)",
                megabytes(max_bytes)
            )
        })?;
    }
    Ok(folder.to_path_buf())
}

/// The uploads folder inside what a zip unpacked to: a zip of
/// `wp-content/uploads` may hold `wp-content/uploads/2019/…`, `uploads/2019/…`
/// or `2019/…`. Goes down through folders that are alone at their level,
/// until one is a year (WordPress's own first level) or holds more.
fn uploads_root(unpacked: &Path) -> PathBuf {
    let mut root = unpacked.to_path_buf();
    for _ in 0..8 {
        let Ok(entries) = std::fs::read_dir(&root) else {
            break;
        };
        // What a Mac adds to a zip it makes is no part of the folder.
        let entries: Vec<_> = entries
            .flatten()
            .filter(|entry| {
                let name = entry.file_name();
                let name = name.to_string_lossy();
                name != "__MACOSX" && !name.starts_with('.')
            })
            .collect();
        let [only] = entries.as_slice() else {
            break;
        };
        let name = only.file_name().to_string_lossy().into_owned();
        let is_year = name.len() == 4 && name.bytes().all(|b| b.is_ascii_digit());
        if is_year || !only.path().is_dir() {
            break;
        }
        root = only.path();
    }
    root
}

/// `512 MB`, `0.3 MB`.
fn megabytes(bytes: u64) -> String {
    if bytes.is_multiple_of(1_000_000) {
        format!("{} MB", bytes / 1_000_000)
    } else {
        format!("{:.1} MB", bytes as f64 / 1e6)
    }
}
