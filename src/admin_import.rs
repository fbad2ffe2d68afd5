//! Imports started from the admin (`/api/v1/imports`): the gateway hands
//! an uploaded export here, on a thread of its own; this runs the same
//! importer as `folio import` on that thread (its own actix System, so the
//! file's parsing and conversion never hold a server worker) and words its
//! report for the API.

use std::sync::Arc;

use folio_auth_protocol::AuthClient;
use folio_gateway::{
    FileCounts, ImportItem, ImportProgress, ImportReport, ImportRequest, ImportRunner, ImportSource,
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
}

impl ImportRunner for AdminImports {
    fn run(
        &self,
        request: ImportRequest,
        progress: Arc<ImportProgress>,
    ) -> Result<ImportReport, String> {
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
        // The clients only send to the concerns' mailboxes and wait for the
        // answer, which works from any thread; a System (not a bare tokio
        // runtime) because a handle that finds its concern dead respawns it
        // on an arbiter of the current System.
        let outcome = actix_web::rt::System::new().block_on(async {
            match request.source {
                // No uploads folder: the server cannot reach the old site's.
                ImportSource::Wordpress => importer.wordpress(file, None, as_email, dry_run).await,
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
            "{} {} not imported: {} in the old site's wp-content/uploads folder, which an import from here cannot reach. \
             Posts still show them from the old site's addresses while it is up. \
             To import them with the posts, run the import on the server instead: \
             `folio import wordpress export.xml --uploads /path/to/wp-content/uploads` (with the site stopped). \
             A post already imported is left as it is, so do that before importing here.",
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
