//! The media concern's actor state and the handler of every message it answers.
//! `concern_handlers!` maps each message to the method below that handles it.

use std::path::PathBuf;
use std::sync::Arc;

use chrono::Utc;
use sha2::Digest;
use uuid::Uuid;

use super::MediaError;
use super::domain::{self, MAX_OPERATIONS};
use super::images::{self, Refusal, Rules};
use super::messages::*;
use super::store::{Inserted, MediaStore, MediumRecord, Version};
use folio_auth_protocol::permissions::{Action, allows};
use folio_media_protocol::messages::ImageSource;
use folio_runtime::{Caller, Concern, ConcernName, CpuPool, Principal};

/// What the media concern is built from; survives restarts.
#[derive(Clone)]
pub struct MediaDeps {
    pub store: MediaStore,
    /// Decoding, resizing and encoding run here, bounded, never on an async worker.
    pub pool: CpuPool,
    /// Where the files live: `{blobs}/{id}/v{version}/{file}`, names Folio makes.
    pub blobs: PathBuf,
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

fn principal(caller: &Caller) -> Result<(&Principal, Uuid), MediaError> {
    let principal = caller
        .principal
        .as_ref()
        .ok_or(MediaError::Unauthenticated)?;
    let id = principal
        .user_id()
        .ok_or_else(|| MediaError::Forbidden("media belong to people".into()))?;
    Ok((principal, id))
}

/// Owners manage their own media; editors and above manage all.
fn check_manage(
    principal: &Principal,
    user: Uuid,
    medium: &MediumRecord,
) -> Result<(), MediaError> {
    let role = principal.role();
    if allows(role, Action::ManageAllMedia)
        || (medium.owner == user && allows(role, Action::ManageOwnMedia))
    {
        Ok(())
    } else {
        Err(MediaError::Forbidden(
            "you can only change your own media".into(),
        ))
    }
}

fn not_found(id: Uuid) -> MediaError {
    MediaError::NotFound(format!("there is no medium {id}"))
}

fn base(record: &MediumRecord) -> String {
    format!("/media/{}/v{}", record.id, record.version)
}

fn original_file(record: &MediumRecord) -> String {
    format!("original.{}", record.original_ext)
}

pub fn view(record: &MediumRecord) -> MediumView {
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
        return Err(MediaError::Invalid(format!(
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
        let ids: Vec<Uuid> = msg
            .ids
            .iter()
            .filter_map(|id| Uuid::parse_str(id).ok())
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
                };
                (record.id.to_string(), source)
            })
            .collect())
    }

    async fn ingest(&self, msg: Ingest, caller: &Caller) -> Result<MediumView, MediaError> {
        let (principal, owner) = principal(caller)?;
        if !allows(principal.role(), Action::ManageOwnMedia) {
            return Err(MediaError::Forbidden("you may not upload media".into()));
        }
        let alt = text(&msg.alt, 1000, "alt text")?;
        let caption = text(&msg.caption, 2000, "caption")?;
        let bytes = tokio::fs::read(&msg.upload)
            .await
            .map_err(|e| MediaError::Unexpected(format!("reading the upload: {e}")))?;
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
        let id = Uuid::new_v4();
        let dir = self.blobs.join(id.to_string());
        let (rules, keep_metadata) = (self.rules.clone(), msg.keep_metadata);
        let processed = self
            .write_version(&dir, 1, move |target| {
                images::process(&bytes, target, &rules, keep_metadata)
            })
            .await;
        let processed = match processed {
            Ok(processed) => processed,
            Err(error) => {
                // Nothing half-written stays behind.
                let _ = tokio::fs::remove_dir_all(&dir).await;
                return Err(error);
            }
        };
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
                let _ = tokio::fs::remove_dir_all(&dir).await;
                return match self.store.by_hash(owner, &record.content_hash).await? {
                    Some(existing) => Ok(view(&existing)),
                    None => Err(MediaError::Conflict(
                        "the same picture was being uploaded and deleted at once; try again".into(),
                    )),
                };
            }
            Err(error) => {
                let _ = tokio::fs::remove_dir_all(&dir).await;
                return Err(error.into());
            }
        }
        tracing::info!(medium = %id, width = record.width, height = record.height, "medium stored");
        Ok(view(&record))
    }

    async fn record(&self, id: Uuid) -> Result<MediumRecord, MediaError> {
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
        Ok(view(&record))
    }

    async fn delete(&self, msg: DeleteMedium, caller: &Caller) -> Result<(), MediaError> {
        let (principal, user) = principal(caller)?;
        let record = self.record(msg.id).await?;
        check_manage(principal, user, &record)?;
        self.store.delete(record.id).await?;
        let dir = self.blobs.join(record.id.to_string());
        if let Err(error) = tokio::fs::remove_dir_all(&dir).await {
            tracing::warn!(%error, dir = %dir.display(), "could not remove a deleted medium's files");
        }
        caller.announce(MediaEvent::MediumChanged { id: record.id });
        Ok(())
    }

    /// Runs `job` in the pool to fill `{dir}/v{version}`: it writes into a
    /// scratch directory that becomes the version only when complete, so a
    /// failure or a concurrent edit never leaves a half-written version behind.
    async fn write_version(
        &self,
        dir: &std::path::Path,
        version: i32,
        job: impl FnOnce(&std::path::Path) -> Result<Result<images::Processed, Refusal>, std::io::Error>
        + Send
        + 'static,
    ) -> Result<images::Processed, MediaError> {
        let partial = dir.join(format!("v{version}.partial-{}", Uuid::new_v4()));
        let done = dir.join(format!("v{version}"));
        tokio::fs::create_dir_all(&partial)
            .await
            .map_err(|e| MediaError::Unexpected(format!("creating {}: {e}", partial.display())))?;
        let target = partial.clone();
        let outcome = self.pool.run(move || job(&target)).await;
        let result = match outcome {
            Ok(Ok(Ok(processed))) => match tokio::fs::rename(&partial, &done).await {
                Ok(()) => return Ok(processed),
                // Another edit made this version first.
                Err(error) if tokio::fs::try_exists(&done).await.unwrap_or(false) => {
                    MediaError::Conflict(format!(
                        "the medium changed meanwhile ({error}); reload it and try again"
                    ))
                }
                Err(error) => {
                    MediaError::Unexpected(format!("finishing {}: {error}", done.display()))
                }
            },
            Ok(Ok(Err(Refusal::UnsupportedType))) => {
                MediaError::Unsupported("only JPEG, PNG, WebP and GIF images are accepted".into())
            }
            Ok(Ok(Err(refusal))) => MediaError::Refused(refusal.to_string()),
            Ok(Err(io)) => MediaError::Unexpected(format!("writing variants: {io}")),
            Err(pool) => pool.into(),
        };
        let _ = tokio::fs::remove_dir_all(&partial).await;
        Err(result)
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
            return Err(MediaError::Invalid(format!(
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
        let dir = self.blobs.join(record.id.to_string());
        let source = dir
            .join(format!("v{}", first.version))
            .join(format!("original.{}", first.original_ext));
        let bytes = tokio::fs::read(&source)
            .await
            .map_err(|e| MediaError::Unexpected(format!("reading {}: {e}", source.display())))?;
        let version = record.last_version + 1;
        let (rules, steps) = (self.rules.clone(), operations.clone());
        let processed = self
            .write_version(&dir, version, move |target| {
                images::edit(&bytes, &steps, target, &rules)
            })
            .await?;
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
            let _ = tokio::fs::remove_dir_all(dir.join(format!("v{version}"))).await;
            return Err(MediaError::Conflict(
                "the medium changed meanwhile; reload it and try again".into(),
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
            return Err(MediaError::Conflict(
                "this medium has not been edited: there is no earlier version to go back to".into(),
            ));
        };
        let mut next = record.clone();
        next.history.pop();
        next.switch_to(previous);
        if !self.store.replace_version(&next, record.version).await? {
            return Err(MediaError::Conflict(
                "the medium changed meanwhile; reload it and try again".into(),
            ));
        }
        // The undone version's number is never used again (`last_version`), so
        // a cache holding its files can't show them under another picture's URL.
        let undone = self
            .blobs
            .join(record.id.to_string())
            .join(format!("v{}", record.version));
        if let Err(error) = tokio::fs::remove_dir_all(&undone).await {
            tracing::warn!(%error, dir = %undone.display(), "could not remove an undone version's files");
        }
        caller.announce(MediaEvent::MediumChanged { id: next.id });
        Ok(view(&next))
    }

    async fn locate(&self, msg: Locate, _: &Caller) -> Result<String, MediaError> {
        let record = self.record(msg.id).await?;
        let known = msg.version == record.version
            && (msg.file == original_file(&record)
                || record.widths.iter().any(|w| {
                    msg.file == format!("{w}.{}", record.ext) || msg.file == format!("{w}.webp")
                }));
        if !known {
            return Err(MediaError::NotFound(format!(
                "medium {} has no file {}",
                msg.id, msg.file
            )));
        }
        let path = self
            .blobs
            .join(record.id.to_string())
            .join(format!("v{}", record.version))
            .join(&msg.file);
        Ok(path.to_string_lossy().into_owned())
    }
}
