//! The media concern's actor state and the handler of every message it answers.
//! `concern_handlers!` maps each message to the method below that handles it.

use std::sync::Arc;

use bytes::Bytes;
use chrono::Utc;
use sha2::Digest;
use uuid::Uuid;

use super::MediaError;
use super::domain::{self, MAX_OPERATIONS, MediumId};
use super::images::{self, Refusal, Rules};
use super::messages::*;
use super::store::{Inserted, MediaStore, MediumRecord, Version};
use folio_auth_protocol::permissions::{Action, allows};
use folio_media_protocol::blobs::{BlobError, BlobKey, Blobs};
use folio_media_protocol::messages::ImageSource;
use folio_runtime::{Caller, Concern, ConcernName, CpuPool, NotAPerson, Principal, UserId};

/// What the media concern is built from; survives restarts.
#[derive(Clone)]
pub struct MediaDeps {
    pub store: MediaStore,
    /// Decoding, resizing and encoding run here, bounded, never on an async worker.
    pub pool: CpuPool,
    /// Where the files live: blob `{id}/v{version}/{file}`, names Folio makes;
    /// uploads arrive as staging blobs in the same store.
    pub blobs: Blobs,
    pub rules: Arc<Rules>,
}

pub struct Media {
    deps: MediaDeps,
}

impl Concern for Media {
    const NAME: ConcernName = ConcernName::Media;
    type Protocol = MediaProtocol;
    type Deps = MediaDeps;

    fn start(deps: &MediaDeps) -> Self {
        Self { deps: deps.clone() }
    }
}

folio_runtime::concern_handlers!(Media {
    Stats => stats;
    DescribeImages => describe_images;
    Ingest => ingest;
    GetMedium => get;
    ListMedia => list;
    UpdateMedium => update;
    DeleteMedium => delete;
    Locate => locate;
    EditMedium => edit;
    RevertMedium => revert;
});

/// The signed-in person; the operator owns no media.
fn principal(caller: &Caller) -> Result<(&Principal, UserId), MediaError> {
    caller.person().map_err(|who| match who {
        NotAPerson::Anonymous => MediaError::unauthenticated(),
        NotAPerson::Operator => MediaError::forbidden("media belong to people"),
    })
}

/// Owners manage their own media; editors and above manage all.
fn check_manage(
    principal: &Principal,
    user: UserId,
    medium: &MediumRecord,
) -> Result<(), MediaError> {
    let role = principal.role();
    if allows(role, Action::ManageAllMedia)
        || (medium.owner == user && allows(role, Action::ManageOwnMedia))
    {
        Ok(())
    } else {
        Err(MediaError::forbidden("you can only change your own media"))
    }
}

fn not_found(id: MediumId) -> MediaError {
    MediaError::not_found(format!("there is no medium {id}"))
}

fn base(record: &MediumRecord) -> String {
    format!("/media/{}/v{}", record.id, record.version)
}

fn original_file(record: &MediumRecord) -> String {
    format!("original.{}", record.original_ext)
}

/// `{id}`, or `{id}/v{version}` with a version: where a medium's files are.
fn files_of(id: MediumId, version: Option<i32>) -> Result<BlobKey, MediaError> {
    let key = match version {
        Some(version) => format!("{id}/v{version}"),
        None => id.to_string(),
    };
    BlobKey::parse(&key).map_err(MediaError::unexpected)
}

/// Every blob the media records in `store` name: each version's original
/// and variants, the current one and those an undo goes back to. A backup
/// copies exactly these (staging blobs are uploads in flight, not media).
/// Blobs are written once under a name no later write reuses (version
/// numbers are never reused), so a blob named here has the bytes it had when
/// its record was written — or is gone, if the medium was deleted since.
pub async fn stored_files(store: &MediaStore) -> anyhow::Result<Vec<BlobKey>> {
    files_named(store.all().await?)
}

/// [`stored_files`] as the media database reached by `db` holds them: a
/// backup passes the transaction whose snapshot it dumps, so the files
/// named and the dump are of one moment. Only media's code reads its tables.
pub async fn stored_files_in(db: &impl sea_orm::ConnectionTrait) -> anyhow::Result<Vec<BlobKey>> {
    files_named(super::store::all_in(db).await?)
}

fn files_named(records: Vec<MediumRecord>) -> anyhow::Result<Vec<BlobKey>> {
    let mut keys = Vec::new();
    for record in records {
        for version in record.history.iter().chain([&record.current()]) {
            let dir = files_of(record.id, Some(version.version))?;
            let names = std::iter::once(format!("original.{}", version.original_ext)).chain(
                version
                    .widths
                    .iter()
                    .flat_map(|w| [format!("{w}.{}", version.ext), format!("{w}.webp")]),
            );
            for name in names {
                keys.push(dir.join(&name).map_err(anyhow::Error::msg)?);
            }
        }
    }
    Ok(keys)
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

/// The pool's answer to an image job, as media's errors.
fn processed(
    outcome: Result<
        Result<Result<images::Processed, Refusal>, std::io::Error>,
        folio_runtime::PoolError,
    >,
) -> Result<images::Processed, MediaError> {
    match outcome {
        Ok(Ok(Ok(processed))) => Ok(processed),
        Ok(Ok(Err(Refusal::UnsupportedType))) => Err(MediaError::Unsupported(
            "only JPEG, PNG, WebP and GIF images are accepted".into(),
        )),
        Ok(Ok(Err(refusal))) => Err(MediaError::Refused(refusal.to_string())),
        Ok(Err(io)) => Err(MediaError::unexpected(format!("making variants: {io}"))),
        Err(pool) => Err(pool.into()),
    }
}

pub(crate) fn view(record: &MediumRecord) -> MediumView {
    let base = base(record);
    let variants: Vec<VariantView> = record
        .widths
        .iter()
        .map(|w| VariantView {
            width: *w,
            url: format!("{base}/{w}.{}", record.ext),
            webp_url: format!("{base}/{w}.webp"),
        })
        .collect();
    let srcset = variants
        .iter()
        .map(|v| format!("{} {}w", v.url, v.width))
        .collect::<Vec<_>>()
        .join(", ");
    let webp_srcset = variants
        .iter()
        .map(|v| format!("{} {}w", v.webp_url, v.width))
        .collect::<Vec<_>>()
        .join(", ");
    MediumView {
        id: record.id,
        owner: record.owner,
        file_name: record.file_name.clone(),
        content_type: record.content_type.clone(),
        byte_size: record.byte_size,
        width: record.width,
        height: record.height,
        alt: record.alt.clone(),
        caption: record.caption.clone(),
        version: record.version,
        operations: record.operations.clone(),
        previous_versions: u32::try_from(record.history.len()).unwrap_or(u32::MAX),
        animated: record.animated,
        original_url: format!("{base}/{}", original_file(record)),
        variants,
        srcset,
        webp_srcset,
        created_at: record.created_at,
    }
}

/// File names keep to what a person would recognise, never a path.
fn display_name(raw: &str) -> String {
    let name = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let name: String = name.chars().filter(|c| !c.is_control()).take(200).collect();
    if name.trim().is_empty() {
        "upload".to_owned()
    } else {
        name
    }
}

fn text(raw: &str, max: usize, what: &str) -> Result<String, MediaError> {
    if raw.chars().count() > max {
        return Err(MediaError::invalid(format!(
            "the {what} must be at most {max} characters"
        )));
    }
    Ok(raw.trim().to_owned())
}

impl MediaDeps {
    async fn stats(&self, _: Stats, _: &Caller) -> Result<MediaStats, MediaError> {
        Ok(self.store.stats().await?)
    }

    async fn describe_images(
        &self,
        msg: DescribeImages,
        _: &Caller,
    ) -> Result<Vec<(String, ImageSource)>, MediaError> {
        let ids: Vec<MediumId> = msg
            .ids
            .iter()
            .filter_map(|id| MediumId::parse(id).ok())
            .collect();
        let records = self.store.records(&ids).await?;
        Ok(records
            .iter()
            .filter(|record| !record.widths.is_empty())
            .map(|record| {
                let view = view(record);
                let largest = view
                    .variants
                    .iter()
                    .rev()
                    .find(|v| v.width <= 1024)
                    .or(view.variants.last());
                let source = ImageSource {
                    src: largest.map_or_else(|| view.original_url.clone(), |v| v.url.clone()),
                    srcset: view.srcset.clone(),
                    sizes: "(min-width: 48rem) 42rem, 100vw".to_owned(),
                    width: record.width,
                    height: record.height,
                    alt: record.alt.clone(),
                    caption: record.caption.clone(),
                };
                (record.id.to_string(), source)
            })
            .collect())
    }

    /// Consumes the staging blob: it is removed however ingesting ends (the
    /// gateway removes it too, for calls that never got here).
    async fn ingest(&self, msg: Ingest, caller: &Caller) -> Result<MediumView, MediaError> {
        // Only an upload is consumed: a stored file's key must not be removable this way.
        if !msg.staging.is_staging() {
            return Err(MediaError::invalid(format!(
                "{} is not an upload's staging blob",
                msg.staging
            )));
        }
        let staging = msg.staging.clone();
        let result = self.ingest_staged(msg, caller).await;
        if let Err(error) = self.blobs.delete(&staging).await {
            tracing::warn!(%error, blob = %staging, "could not remove an upload's staging blob");
        }
        result
    }

    async fn ingest_staged(&self, msg: Ingest, caller: &Caller) -> Result<MediumView, MediaError> {
        let (principal, owner) = principal(caller)?;
        if !allows(principal.role(), Action::ManageOwnMedia) {
            return Err(MediaError::forbidden("you may not upload media"));
        }
        let alt = text(&msg.alt, 1000, "alt text")?;
        let caption = text(&msg.caption, 2000, "caption")?;
        let bytes = match self
            .blobs
            .read_all(&msg.staging, self.rules.max_upload_bytes)
            .await
        {
            Ok(bytes) => bytes,
            Err(BlobError::TooLarge { .. }) => {
                return Err(MediaError::Refused(format!(
                    "the file is over the limit of {} MB",
                    self.rules.max_upload_bytes / 1_000_000
                )));
            }
            // Removed meanwhile: the gateway gave up on this call (its deadline).
            Err(BlobError::NotFound(_)) => {
                return Err(MediaError::invalid(
                    "the upload is no longer there; send it again",
                ));
            }
            Err(error) => {
                return Err(MediaError::unexpected(format!(
                    "reading the upload: {error}"
                )));
            }
        };
        let bytes = Arc::new(bytes);
        let hashed = bytes.clone();
        let hash = self
            .pool
            .run(move || hex::encode(sha2::Sha256::digest(hashed.as_slice())))
            .await?;
        if let Some(existing) = self.store.by_hash(owner, &hash).await? {
            // The same picture again: no second copy.
            return Ok(view(&existing));
        }
        let id = MediumId::from_uuid(Uuid::new_v4());
        let (rules, keep_metadata) = (self.rules.clone(), msg.keep_metadata);
        let outcome = self
            .pool
            .run(move || images::process(&bytes, &rules, keep_metadata))
            .await;
        let mut processed = processed(outcome)?;
        let files = std::mem::take(&mut processed.files);
        let upload = processed
            .upload_kept_as
            .take()
            .map(|name| (msg.staging.clone(), name));
        self.store_version(id, 1, files, upload).await?;
        let record = MediumRecord {
            id,
            owner,
            file_name: display_name(&msg.file_name),
            content_type: processed.content_type.to_owned(),
            byte_size: i64::try_from(processed.byte_size).unwrap_or(i64::MAX),
            width: processed.width,
            height: processed.height,
            // Hashed once, above, for de-duplication.
            content_hash: hash,
            alt,
            caption,
            created_at: Utc::now(),
            version: 1,
            ext: processed.ext.to_owned(),
            widths: processed.widths,
            animated: processed.animated,
            original_ext: processed.original_ext.to_owned(),
            operations: Vec::new(),
            history: Vec::new(),
            last_version: 1,
        };
        match self.store.insert(&record).await {
            Ok(Inserted::Stored) => {}
            Ok(Inserted::Duplicate) => {
                // The same picture, uploaded at the same time, was stored first.
                self.remove_files(id, None).await;
                return match self.store.by_hash(owner, &record.content_hash).await? {
                    Some(existing) => Ok(view(&existing)),
                    None => Err(MediaError::conflict(
                        "the same picture was being uploaded and deleted at once; try again",
                    )),
                };
            }
            Err(error) => {
                self.remove_files(id, None).await;
                return Err(error.into());
            }
        }
        tracing::info!(medium = %id, width = record.width, height = record.height, "medium stored");
        Ok(view(&record))
    }

    async fn record(&self, id: MediumId) -> Result<MediumRecord, MediaError> {
        self.store.get(id).await?.ok_or_else(|| not_found(id))
    }

    async fn get(&self, msg: GetMedium, caller: &Caller) -> Result<MediumView, MediaError> {
        principal(caller)?;
        Ok(view(&self.record(msg.id).await?))
    }

    async fn list(&self, msg: ListMedia, caller: &Caller) -> Result<MediaPage, MediaError> {
        principal(caller)?;
        let per_page = if msg.per_page == 0 {
            30
        } else {
            msg.per_page.min(100)
        };
        let page = msg.page.max(1);
        let (records, total) = self.store.list(msg.owner, page, per_page).await?;
        Ok(MediaPage {
            media: records.iter().map(view).collect(),
            total,
            page,
            per_page,
        })
    }

    async fn update(&self, msg: UpdateMedium, caller: &Caller) -> Result<MediumView, MediaError> {
        let (principal, user) = principal(caller)?;
        let mut record = self.record(msg.id).await?;
        check_manage(principal, user, &record)?;
        if let Some(alt) = &msg.alt {
            record.alt = text(alt, 1000, "alt text")?;
        }
        if let Some(caption) = &msg.caption {
            record.caption = text(caption, 2000, "caption")?;
        }
        self.store
            .update_text(record.id, &record.alt, &record.caption)
            .await?;
        // Pages show a medium's own words (alt text, caption): theirs change.
        caller.announce(MediaEvent::MediumChanged { id: record.id });
        Ok(view(&record))
    }

    async fn delete(&self, msg: DeleteMedium, caller: &Caller) -> Result<(), MediaError> {
        let (principal, user) = principal(caller)?;
        let record = self.record(msg.id).await?;
        check_manage(principal, user, &record)?;
        self.store.delete(record.id).await?;
        self.remove_files(record.id, None).await;
        caller.announce(MediaEvent::MediumChanged { id: record.id });
        Ok(())
    }

    /// Removes a medium's files (`version: None`) or one version's; a failure
    /// is logged, not answered: the record, which decides what is served, is
    /// already right.
    async fn remove_files(&self, id: MediumId, version: Option<i32>) {
        let result = match files_of(id, version) {
            Ok(prefix) => self
                .blobs
                .delete_prefix(&prefix)
                .await
                .map_err(MediaError::from),
            Err(error) => Err(error),
        };
        if let Err(error) = result {
            tracing::warn!(%error, medium = %id, ?version, "could not remove a medium's files");
        }
    }

    /// Stores `files` as version `version` of medium `id`, and `upload` (an
    /// upload's staging blob, moved, not copied) under the name given: each is
    /// staged first, then promoted to its name. Promoting never replaces a blob, so of
    /// two edits racing for one version number the second fails on its first
    /// file (409) having promoted nothing; on any failure every blob this call
    /// made is removed, and none of the version is served before the record
    /// names it.
    async fn store_version(
        &self,
        id: MediumId,
        version: i32,
        files: Vec<(String, Vec<u8>)>,
        upload: Option<(BlobKey, String)>,
    ) -> Result<(), MediaError> {
        let dir = files_of(id, Some(version))?;
        let mut staged: Vec<(BlobKey, BlobKey)> = Vec::with_capacity(files.len() + 1);
        let mut promoted = 0;
        let mut result = Ok(());
        if let Some((key, name)) = upload {
            match dir.join(&name) {
                Ok(target) => staged.push((key, target)),
                Err(error) => result = Err(MediaError::unexpected(error)),
            }
        }
        for (name, bytes) in files {
            if result.is_err() {
                break;
            }
            let target = match dir.join(&name) {
                Ok(target) => target,
                Err(error) => {
                    result = Err(MediaError::unexpected(error));
                    break;
                }
            };
            match self.blobs.stage_bytes(Bytes::from(bytes)).await {
                Ok(key) => staged.push((key, target)),
                Err(error) => {
                    result = Err(error.into());
                    break;
                }
            }
        }
        if result.is_ok() {
            for (from, to) in &staged {
                match self.blobs.promote(from, to).await {
                    Ok(()) => promoted += 1,
                    Err(BlobError::Exists(_)) => {
                        result = Err(MediaError::conflict(
                            "the medium changed meanwhile; reload it and try again",
                        ));
                        break;
                    }
                    Err(error) => {
                        result = Err(error.into());
                        break;
                    }
                }
            }
        }
        if result.is_err() {
            for (from, _) in &staged {
                let _ = self.blobs.delete(from).await;
            }
            for (_, to) in staged.iter().take(promoted) {
                let _ = self.blobs.delete(to).await;
            }
        }
        result
    }

    async fn edit(&self, msg: EditMedium, caller: &Caller) -> Result<MediumView, MediaError> {
        let (principal, user) = principal(caller)?;
        let record = self.record(msg.id).await?;
        check_manage(principal, user, &record)?;
        if record.animated {
            return Err(MediaError::Refused(
                "animated images can't be edited: their frames would be lost".into(),
            ));
        }
        if msg.operations.is_empty() || msg.operations.len() > MAX_OPERATIONS {
            return Err(MediaError::invalid(format!(
                "list between 1 and {MAX_OPERATIONS} operations"
            )));
        }
        // Cheap to check here, before any pixel is decoded.
        domain::size_after(&msg.operations, record.width, record.height)
            .map_err(MediaError::Refused)?;
        // Every version is made from the first one's original with all edits so
        // far: one re-encoding away from the upload, however many edits.
        let first = record.first();
        let mut operations = record.operations.clone();
        operations.extend(msg.operations);
        let source = files_of(record.id, Some(first.version))?
            .join(&format!("original.{}", first.original_ext))
            .map_err(MediaError::unexpected)?;
        let bytes = self
            .blobs
            .read_all(&source, u64::MAX)
            .await
            .map_err(|e| MediaError::unexpected(format!("reading {source}: {e}")))?;
        let version = record.last_version + 1;
        let (rules, steps) = (self.rules.clone(), operations.clone());
        let outcome = self
            .pool
            .run(move || images::edit(&bytes, &steps, &rules))
            .await;
        let mut processed = processed(outcome)?;
        let files = std::mem::take(&mut processed.files);
        self.store_version(record.id, version, files, None).await?;
        let mut next = record.clone();
        next.history.push(record.current());
        next.switch_to(Version {
            version,
            width: processed.width,
            height: processed.height,
            byte_size: i64::try_from(processed.byte_size).unwrap_or(i64::MAX),
            ext: processed.ext.to_owned(),
            original_ext: processed.original_ext.to_owned(),
            widths: processed.widths,
            operations,
        });
        if !self.store.replace_version(&next, record.version).await? {
            // Ours: a racing edit of this number failed to promote its first file.
            self.remove_files(next.id, Some(version)).await;
            return Err(MediaError::conflict(
                "the medium changed meanwhile; reload it and try again",
            ));
        }
        tracing::info!(medium = %next.id, version, "medium edited");
        caller.announce(MediaEvent::MediumChanged { id: next.id });
        Ok(view(&next))
    }

    async fn revert(&self, msg: RevertMedium, caller: &Caller) -> Result<MediumView, MediaError> {
        let (principal, user) = principal(caller)?;
        let record = self.record(msg.id).await?;
        check_manage(principal, user, &record)?;
        let Some(previous) = record.history.last().cloned() else {
            return Err(MediaError::conflict(
                "this medium has not been edited: there is no earlier version to go back to",
            ));
        };
        let mut next = record.clone();
        next.history.pop();
        next.switch_to(previous);
        if !self.store.replace_version(&next, record.version).await? {
            return Err(MediaError::conflict(
                "the medium changed meanwhile; reload it and try again",
            ));
        }
        // The undone version's number is never used again (`last_version`), so
        // a cache holding its files can't show them under another picture's URL.
        self.remove_files(record.id, Some(record.version)).await;
        caller.announce(MediaEvent::MediumChanged { id: next.id });
        Ok(view(&next))
    }

    async fn locate(&self, msg: Locate, _: &Caller) -> Result<LocatedFile, MediaError> {
        let record = self.record(msg.id).await?;
        let known = msg.version == record.version
            && (msg.file == original_file(&record)
                || record.widths.iter().any(|w| {
                    msg.file == format!("{w}.{}", record.ext) || msg.file == format!("{w}.webp")
                }));
        let gone = || MediaError::not_found(format!("medium {} has no file {}", msg.id, msg.file));
        if !known {
            return Err(gone());
        }
        // One of the names Folio made, so a key of its own: nothing from the
        // request becomes a key unchecked.
        let blob = files_of(record.id, Some(record.version))?
            .join(&msg.file)
            .map_err(|_| gone())?;
        let len = self.blobs.len(&blob).await?.ok_or_else(gone)?;
        Ok(LocatedFile {
            content_type: content_type_of(&msg.file).to_owned(),
            len,
            etag: format!(
                "\"{}-v{}-{}\"",
                record.id.as_uuid().simple(),
                record.version,
                msg.file
            ),
            blob,
        })
    }
}
