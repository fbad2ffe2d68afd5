//! `folio backup` and `folio restore`: a consistent copy of a site's stores,
//! media's files and secret key, taken beside the running server, and put
//! back into empty stores only after every byte is checked against the
//! backup's manifest.
//!
//! Each store is copied as one snapshot sees it, posts first, then auth and
//! media: a SQLite store with `VACUUM INTO` (`posts.db`), a store on
//! PostgreSQL with `pg_dump` (`posts.dump`, see `postgres`). There are no
//! transactions across stores, so "consistent" is per store, as the site
//! itself is. Media's files are those the media snapshot names, read in that
//! same snapshot and copied after it, from the disk or from JetStream's
//! object store alike; a backup holds them as files under `media/`.
//!
//! A restore writes into the stores the configuration names — the data
//! directory, the PostgreSQL databases, the JetStream bucket — and only when
//! every one of them is empty; a SQLite snapshot goes back into SQLite and a
//! dump into PostgreSQL (the files of media go either way).

mod postgres;

use std::io::{Read, Write};
use std::path::{Component, Path, PathBuf};
use std::str::FromStr;
use std::time::{Duration, Instant};

use anyhow::Context;
use futures::StreamExt;
use sea_orm::sqlx::Connection;
use sea_orm::sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use folio_config::{MediaStoreKind, Settings};
use folio_media::{BlobKey, Blobs, MediaStore};
use folio_media_protocol::blobs::BlobError;
use folio_runtime::{ConcernName, Nats};
use folio_storage::{StoreLocation, redact};

use postgres::Tool;

/// The manifest's name inside a backup directory.
pub const MANIFEST: &str = "manifest.json";
/// The format of backups this version writes and reads.
const FORMAT: &str = "folio-backup";
const VERSION: u32 = 1;
/// Media's files, inside a backup and a data directory alike.
const MEDIA_DIR: &str = "media";
const SECRET: &str = "secret.key";
/// A medium deleted (or an edit undone) between the media snapshot and the
/// copy of its files takes a fresh snapshot; this many, then we give up.
const ATTEMPTS: usize = 3;
/// How long a snapshot waits for SQLite's locks (a checkpoint) before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// Why a backup or a restore was refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    /// A configuration this version cannot back up or restore.
    #[error("{0}; nothing was written")]
    Unsupported(String),
    #[error("{} is not empty: {what} only into an empty or new directory; nothing was written", .dir.display())]
    NotEmpty { dir: PathBuf, what: &'static str },
    /// The backup's manifest is missing, cut short or not one we read.
    #[error("{} is not a usable backup manifest: {why}; nothing was written", .path.display())]
    Manifest { path: PathBuf, why: String },
    /// A file does not match the manifest: damaged, truncated or altered.
    #[error(
        "the backup's file {path} {why}: the backup is damaged or was altered; nothing was written"
    )]
    Tampered { path: String, why: String },
    /// A database or the object store a restore would write already holds data.
    #[error("{0}; nothing was written")]
    Occupied(String),
    /// A restore that failed after writing some of its targets: which.
    #[error("{0}")]
    Partial(String),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// What a backup holds, written last: a backup without one is unfinished.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub format: String,
    pub version: u32,
    pub folio_version: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// The concerns whose stores are in it (`auth.db`, …).
    pub stores: Vec<String>,
    /// Whether `secret.key` is in it (not when the secret is configured).
    pub secret_key: bool,
    pub file_count: u64,
    pub total_bytes: u64,
    pub files: Vec<Entry>,
}

/// One file of a backup: where it goes in the data directory, and what it is.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub path: RelativePath,
    pub bytes: u64,
    /// Lowercase hex SHA-256 of the file.
    pub sha256: String,
}

/// A path inside a backup and a data directory: relative, made of plain
/// names only (no `..`, no root), so a manifest can never send a restore
/// outside the directory it writes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RelativePath(String);

impl RelativePath {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let path = Path::new(raw);
        let plain = path.components().all(|c| matches!(c, Component::Normal(_)));
        if raw.is_empty() || !plain || raw.contains('\0') || raw.contains('\\') {
            return Err(format!("{raw:?} is not a plain relative path"));
        }
        Ok(Self(raw.to_owned()))
    }

    fn under(&self, dir: &Path) -> PathBuf {
        dir.join(&self.0)
    }
}

impl TryFrom<String> for RelativePath {
    type Error = String;
    fn try_from(raw: String) -> Result<Self, String> {
        Self::parse(&raw)
    }
}

impl From<RelativePath> for String {
    fn from(path: RelativePath) -> String {
        path.0
    }
}

impl std::fmt::Display for RelativePath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Where a concern's store is, which says how it is copied and put back.
enum Store {
    /// Copied with `VACUUM INTO` as `{concern}.db`, put back as that file.
    Sqlite(PathBuf),
    /// Dumped with `pg_dump` as `{concern}.dump`, put back with `pg_restore`.
    Postgres(String),
}

impl Store {
    fn of(settings: &Settings, concern: ConcernName) -> Result<Self, BackupError> {
        Ok(match settings.store(concern) {
            StoreLocation::SqliteFile(path) => Store::Sqlite(path),
            StoreLocation::Url(url) if url.starts_with("sqlite:") => Store::Sqlite(
                SqliteConnectOptions::from_str(&url)
                    .with_context(|| format!("{url} is not a valid SQLite URL"))?
                    .get_filename()
                    .to_owned(),
            ),
            StoreLocation::Url(url) => Store::Postgres(url),
        })
    }

    /// The store's file in a backup.
    fn file(&self, concern: ConcernName) -> RelativePath {
        RelativePath(match self {
            Store::Sqlite(_) => format!("{concern}.db"),
            Store::Postgres(_) => format!("{concern}.dump"),
        })
    }
}

/// Each store, in the order they are snapshotted: posts first, then auth
/// and media, which posts refer to (authors, `media:ID`). An id the posts
/// snapshot holds existed then and so is in the later snapshots too, unless
/// it was deleted in between (which the site itself allows: a post may
/// outlive its author's account or an image).
fn stores(settings: &Settings) -> Result<Vec<(ConcernName, Store)>, BackupError> {
    [ConcernName::Posts, ConcernName::Auth, ConcernName::Media]
        .into_iter()
        .map(|concern| Ok((concern, Store::of(settings, concern)?)))
        .collect()
}

/// Media's blob store, as the site's media concern opens it.
async fn media_blobs(settings: &Settings) -> anyhow::Result<Blobs> {
    match (settings.media_store, &settings.nats_url) {
        (MediaStoreKind::Nats, Some(url)) => {
            folio_media::object_store::on_nats(Nats::connect(url).await?.jetstream()).await
        }
        _ => Ok(folio_media::blobs::on_disk(settings.data_dir())),
    }
}

fn blobs_in_nats(settings: &Settings) -> bool {
    settings.media_store == MediaStoreKind::Nats
}

/// Whether `dir` is missing or an empty directory.
fn is_empty_or_missing(dir: &Path) -> anyhow::Result<bool> {
    match std::fs::read_dir(dir) {
        Ok(mut entries) => Ok(entries.next().is_none()),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(true),
        Err(error) => Err(error).with_context(|| format!("could not read {}", dir.display())),
    }
}

/// A temporary directory beside `target` (same filesystem, so the final
/// rename is atomic), removed unless the work in it is kept.
fn staging_beside(target: &Path, what: &str) -> anyhow::Result<tempfile::TempDir> {
    let target = std::path::absolute(target)
        .with_context(|| format!("could not resolve {}", target.display()))?;
    let parent = target
        .parent()
        .with_context(|| format!("{} has no parent directory", target.display()))?;
    std::fs::create_dir_all(parent)
        .with_context(|| format!("could not create {}", parent.display()))?;
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    tempfile::Builder::new()
        .prefix(&format!(".{name}.{what}-"))
        .tempdir_in(parent)
        .with_context(|| {
            format!(
                "could not create a temporary directory in {}",
                parent.display()
            )
        })
}

/// Moves the finished `staging` directory to `target` (a missing or empty
/// directory: rename replaces an empty one) and makes the move durable.
fn put_in_place(staging: tempfile::TempDir, target: &Path) -> anyhow::Result<()> {
    let from = staging.keep();
    if let Err(error) = std::fs::rename(&from, target) {
        let _ = std::fs::remove_dir_all(&from);
        return Err(error)
            .with_context(|| format!("could not move the result to {}", target.display()));
    }
    if let Some(parent) = std::path::absolute(target)?.parent() {
        sync_dir(parent)?;
    }
    Ok(())
}

fn sync_dir(dir: &Path) -> anyhow::Result<()> {
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .with_context(|| format!("could not sync {}", dir.display()))
}

/// Syncs `dir` and every directory under it: the names of the files in
/// them are as durable as the files.
fn sync_tree(dir: &Path) -> anyhow::Result<()> {
    let entries =
        std::fs::read_dir(dir).with_context(|| format!("could not read {}", dir.display()))?;
    for entry in entries {
        let entry = entry.with_context(|| format!("could not read {}", dir.display()))?;
        if entry.file_type().is_ok_and(|t| t.is_dir()) {
            sync_tree(&entry.path())?;
        }
    }
    sync_dir(dir)
}

/// Hashes a file, syncs it, and describes it for the manifest.
fn describe(dir: &Path, path: RelativePath) -> anyhow::Result<Entry> {
    let full = path.under(dir);
    let mut file =
        std::fs::File::open(&full).with_context(|| format!("could not read {}", full.display()))?;
    let (bytes, sha256) = hash(&mut file).with_context(|| format!("reading {}", full.display()))?;
    file.sync_all()
        .with_context(|| format!("could not sync {}", full.display()))?;
    Ok(Entry {
        path,
        bytes,
        sha256,
    })
}

fn hash(reader: &mut impl Read) -> std::io::Result<(u64, String)> {
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 256 * 1024];
    let mut total = 0u64;
    loop {
        let read = reader.read(&mut buffer)?;
        if read == 0 {
            break;
        }
        hasher.update(&buffer[..read]);
        total += read as u64;
    }
    Ok((total, hex::encode(hasher.finalize())))
}

/// `VACUUM INTO`: SQLite writes a compact copy of the database as one read
/// transaction sees it. In WAL mode a reader neither blocks the server's
/// writer nor is blocked by it, so the site keeps accepting writes; the copy
/// holds every transaction committed before the read began, none after.
/// SQLite does not sync the copy: `describe` does.
async fn snapshot_sqlite(source: &Path, target: &Path) -> anyhow::Result<()> {
    if !source.is_file() {
        anyhow::bail!(
            "there is no store at {}: is --data-dir (or the database URL) the site's?",
            source.display()
        );
    }
    let options = SqliteConnectOptions::new()
        .filename(source)
        .read_only(true)
        .busy_timeout(BUSY_TIMEOUT);
    let mut connection = SqliteConnection::connect_with(&options)
        .await
        .with_context(|| format!("could not open {}", source.display()))?;
    let into = target
        .to_str()
        .with_context(|| format!("{} is not valid UTF-8", target.display()))?;
    sea_orm::sqlx::query("VACUUM INTO ?")
        .bind(into)
        .execute(&mut connection)
        .await
        .with_context(|| format!("could not snapshot {}", source.display()))?;
    connection.close().await.ok();
    Ok(())
}

/// Why one attempt at a backup stopped.
enum Attempt {
    /// A file the snapshot names was gone when copied: take a new snapshot.
    Vanished(BlobKey),
    Failed(BackupError),
}

impl From<anyhow::Error> for Attempt {
    fn from(error: anyhow::Error) -> Self {
        Attempt::Failed(error.into())
    }
}

/// `folio backup DIR`.
pub async fn backup(settings: &Settings, dir: &Path) -> anyhow::Result<()> {
    let started = Instant::now();
    let manifest = write_backup(settings, dir).await?;
    println!(
        "backed up {} stores and {} files ({} bytes) into {} in {:.1} s; it holds the site's secrets: keep it private",
        manifest.stores.len(),
        manifest.file_count,
        manifest.total_bytes,
        dir.display(),
        started.elapsed().as_secs_f64(),
    );
    if !manifest.secret_key {
        println!(
            "the secret key is configured (--secret-key / FOLIO_SECRET_KEY), not in the data directory: it is not in the backup; keep it with your configuration"
        );
    }
    Ok(())
}

async fn write_backup(settings: &Settings, dir: &Path) -> Result<Manifest, BackupError> {
    let stores = stores(settings)?;
    if !is_empty_or_missing(dir)? {
        return Err(BackupError::NotEmpty {
            dir: dir.to_owned(),
            what: "a backup is written",
        });
    }
    let secret = settings.data_dir().join(SECRET);
    let with_secret = settings.secret_key.is_none();
    if with_secret && !secret.is_file() {
        return Err(anyhow::anyhow!(
            "there is no {}: is --data-dir the site's (one that has started once)?",
            secret.display()
        )
        .into());
    }
    for (_, store) in &stores {
        if let Store::Postgres(url) = store {
            postgres::check_tool(Tool::Dump, url).await?;
        }
    }
    let blobs = media_blobs(settings).await?;
    let mut last_vanished = None;
    for attempt in 1..=ATTEMPTS {
        let staging = staging_beside(dir, "partial")?;
        match attempt_backup(settings, &stores, &blobs, staging.path(), with_secret).await {
            Ok(manifest) => {
                put_in_place(staging, dir)?;
                return Ok(manifest);
            }
            Err(Attempt::Vanished(key)) => {
                tracing::warn!(%key, attempt, "a medium's file went away after the snapshot (deleted meanwhile); taking the snapshot again");
                last_vanished = Some(key);
            }
            Err(Attempt::Failed(error)) => return Err(error),
        }
    }
    Err(anyhow::anyhow!(
        "media's files kept changing under the backup ({ATTEMPTS} attempts; the last missing file was {}); try again when fewer media are being deleted",
        last_vanished.map(|k| k.to_string()).unwrap_or_default()
    )
    .into())
}

async fn attempt_backup(
    settings: &Settings,
    stores: &[(ConcernName, Store)],
    blobs: &Blobs,
    out: &Path,
    with_secret: bool,
) -> Result<Manifest, Attempt> {
    let mut snapshots = Vec::new();
    let mut keys = Vec::new();
    for (concern, store) in stores {
        let name = store.file(*concern);
        let target = name.under(out);
        // Media's snapshot also answers which files its records name.
        let media = *concern == ConcernName::Media;
        let named = match store {
            Store::Sqlite(source) => {
                snapshot_sqlite(source, &target).await?;
                match media {
                    true => Some(referenced_blobs(&target).await?),
                    false => None,
                }
            }
            Store::Postgres(url) => postgres::dump(url, &target, media).await?,
        };
        keys.extend(named.into_iter().flatten());
        snapshots.push(name);
    }
    // Media's files as the media snapshot names them, read after it: each
    // is written once under its name and never rewritten, so the file holds
    // what its record described, or is gone (the medium deleted since).
    // Described only now: reading a SQLite media snapshot put it in WAL mode
    // (a byte of its header), as the site would on opening it anyway.
    let mut files = Vec::new();
    for name in snapshots {
        files.push(describe(out, name)?);
    }
    let progress = indicatif::ProgressBar::new(keys.len() as u64).with_message("media files");
    progress.set_style(
        indicatif::ProgressStyle::with_template("{msg} {bar:30} {pos}/{len}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    for key in keys {
        let path =
            RelativePath::parse(&format!("{MEDIA_DIR}/{key}")).map_err(anyhow::Error::msg)?;
        let bytes = match copy_blob(blobs, &key, &path.under(out)).await {
            Ok(bytes) => bytes,
            Err(CopyError::Vanished) => return Err(Attempt::Vanished(key)),
            Err(CopyError::Failed(error)) => return Err(Attempt::Failed(error.into())),
        };
        files.push(bytes.into_entry(path));
        progress.inc(1);
    }
    progress.finish_and_clear();
    if with_secret {
        let name = RelativePath::parse(SECRET).map_err(anyhow::Error::msg)?;
        let from = settings.data_dir().join(SECRET);
        std::fs::copy(&from, name.under(out))
            .with_context(|| format!("could not copy {}", from.display()))?;
        files.push(describe(out, name)?);
    }
    sync_tree(out)?;
    let manifest = Manifest {
        format: FORMAT.to_owned(),
        version: VERSION,
        folio_version: env!("CARGO_PKG_VERSION").to_owned(),
        created_at: chrono::Utc::now(),
        stores: stores.iter().map(|(c, _)| c.to_string()).collect(),
        secret_key: with_secret,
        file_count: files.len() as u64,
        total_bytes: files.iter().map(|f| f.bytes).sum(),
        files,
    };
    let json = serde_json::to_vec_pretty(&manifest).context("writing the manifest")?;
    let path = out.join(MANIFEST);
    let mut file = std::fs::File::create(&path)
        .with_context(|| format!("could not create {}", path.display()))?;
    file.write_all(&json)
        .and_then(|()| file.sync_all())
        .with_context(|| format!("could not write {}", path.display()))?;
    sync_dir(out)?;
    Ok(manifest)
}

/// The blobs the media snapshot at `db` names (media's own answer: it owns
/// how records map to files).
async fn referenced_blobs(db: &Path) -> anyhow::Result<Vec<BlobKey>> {
    let store = MediaStore::open(&StoreLocation::SqliteFile(db.to_owned())).await?;
    let keys = folio_media::stored_files(&store).await;
    // Closing checkpoints the WAL the store opened the snapshot in, back
    // into the one file the manifest describes.
    store.close().await?;
    for suffix in ["-wal", "-shm"] {
        let mut beside = db.as_os_str().to_owned();
        beside.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(beside));
    }
    keys
}

/// A blob copied: its length and hash.
struct Copied(u64, String);

impl Copied {
    fn into_entry(self, path: RelativePath) -> Entry {
        Entry {
            path,
            bytes: self.0,
            sha256: self.1,
        }
    }
}

enum CopyError {
    Vanished,
    Failed(anyhow::Error),
}

async fn copy_blob(
    blobs: &folio_media::Blobs,
    key: &BlobKey,
    to: &Path,
) -> Result<Copied, CopyError> {
    let mut reader = match blobs.open(key, None).await {
        Ok(reader) => reader,
        Err(BlobError::NotFound(_)) => return Err(CopyError::Vanished),
        Err(error) => return Err(CopyError::Failed(anyhow::anyhow!("reading {key}: {error}"))),
    };
    let failed = |e: std::io::Error| CopyError::Failed(anyhow::anyhow!("copying {key}: {e}"));
    if let Some(parent) = to.parent() {
        std::fs::create_dir_all(parent).map_err(failed)?;
    }
    let mut file = std::fs::File::create(to).map_err(failed)?;
    let mut hasher = Sha256::new();
    let mut total = 0u64;
    while let Some(chunk) = reader.body.next().await {
        let chunk = match chunk {
            Ok(chunk) => chunk,
            // Deleted while read: the same as gone before.
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                return Err(CopyError::Vanished);
            }
            Err(error) => return Err(failed(error)),
        };
        hasher.update(&chunk);
        total += chunk.len() as u64;
        file.write_all(&chunk).map_err(failed)?;
    }
    file.sync_all().map_err(failed)?;
    Ok(Copied(total, hex::encode(hasher.finalize())))
}

/// `folio restore DIR`.
pub async fn restore(settings: &Settings, dir: &Path) -> anyhow::Result<()> {
    let started = Instant::now();
    let (manifest, places) = restore_into(settings, dir).await?;
    println!(
        "restored {} files ({} bytes) from the backup of {} into {} in {:.1} s; the search index is rebuilt from the posts when the site starts",
        manifest.file_count,
        manifest.total_bytes,
        manifest.created_at.to_rfc3339(),
        places.join(", "),
        started.elapsed().as_secs_f64(),
    );
    if !manifest.secret_key {
        println!(
            "the backup holds no secret key (the site's was configured): start the site with the same --secret-key, or sessions and tokens stop working"
        );
    }
    Ok(())
}

/// Restores the backup in `dir`; answers its manifest and where it went.
async fn restore_into(
    settings: &Settings,
    dir: &Path,
) -> Result<(Manifest, Vec<String>), BackupError> {
    let manifest = read_manifest(dir)?;
    let target = settings.data_dir();
    // Every target is looked at before anything is written: the kind of
    // each store, then that the data directory, each database and the
    // bucket are empty (a restore never mixes two sites' data).
    let mut databases = Vec::new();
    for concern in ConcernName::STORED {
        let store = Store::of(settings, concern)?;
        let file = store.file(concern);
        if !manifest.files.iter().any(|entry| entry.path == file) {
            return Err(BackupError::Unsupported(other_kind(concern, &store)));
        }
        match store {
            Store::Postgres(url) => databases.push((concern, url, file)),
            // A SQLite store goes into the data directory, where the site
            // looks for it unless a URL says otherwise.
            Store::Sqlite(path) if path != file.under(target) => {
                return Err(BackupError::Unsupported(format!(
                    "the {concern} store is configured at {}: folio restore writes SQLite stores into the data directory, as {file}; restore without --{concern}-database-url",
                    path.display()
                )));
            }
            Store::Sqlite(_) => {}
        }
    }
    if !is_empty_or_missing(target)? {
        return Err(BackupError::NotEmpty {
            dir: target.to_owned(),
            what: "a backup is restored",
        });
    }
    for (concern, url, _) in &databases {
        postgres::check_tool(Tool::Restore, url).await?;
        let tables = postgres::tables(url).await?;
        if !tables.is_empty() {
            return Err(BackupError::Occupied(format!(
                "the {concern} database {} already holds tables ({}…): a backup is restored only into empty databases",
                redact(url),
                tables.join(", ")
            )));
        }
    }
    let nats = match blobs_in_nats(settings) {
        true => Some(media_blobs(settings).await?),
        false => None,
    };
    if let Some(blobs) = &nats {
        let occupied = blobs.any_stored().await.map_err(anyhow::Error::from)?;
        if occupied {
            return Err(BackupError::Occupied(
                "JetStream's object store already holds media files (the folio-media bucket): a backup is restored only into an empty one".into(),
            ));
        }
    }
    // Everything is checked first, so a damaged backup is refused before a
    // byte is written anywhere…
    for entry in &manifest.files {
        check(dir, entry, None)?;
    }
    // …and copied into a directory beside the target, checked again as it is
    // copied (the backup could change in between): the databases and the
    // bucket are restored from these checked copies, and the rest renamed
    // into place, so the data directory is either untouched or whole.
    let staging = staging_beside(target, "restoring")?;
    for entry in &manifest.files {
        let to = entry.path.under(staging.path());
        if let Some(parent) = to.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("could not create {}", parent.display()))?;
        }
        check(dir, entry, Some(&to))?;
    }
    // Past this point a failure leaves what was restored before it: the
    // error names it, to be emptied before trying again.
    let mut done = Vec::new();
    for (concern, url, file) in &databases {
        let restored = postgres::restore(url, &file.under(staging.path())).await;
        let failed = format!(
            "restoring the {concern} database failed (it is left empty: pg_restore runs in one transaction)"
        );
        restored.map_err(|error| partial(&failed, error, &done))?;
        done.push(format!("the {concern} database {}", redact(url)));
    }
    if let Some(blobs) = &nats {
        let failed = "putting media's files into JetStream's object store failed (some may be in the folio-media bucket already)";
        put_blobs(blobs, &manifest, staging.path())
            .await
            .map_err(|error| partial(failed, error, &done))?;
        done.push("media's files in JetStream's object store".into());
    }
    // What went into the databases and the bucket stays out of the data
    // directory.
    let placed = (|| {
        for (_, _, file) in &databases {
            std::fs::remove_file(file.under(staging.path()))
                .with_context(|| format!("could not remove the copy of {file}"))?;
        }
        let media = staging.path().join(MEDIA_DIR);
        if nats.is_some() && media.exists() {
            std::fs::remove_dir_all(&media)
                .with_context(|| format!("could not remove {}", media.display()))?;
        }
        sync_tree(staging.path())?;
        put_in_place(staging, target)
    })();
    let failed = format!("writing the data directory {} failed", target.display());
    placed.map_err(|error| partial(&failed, error, &done))?;
    done.insert(0, format!("the data directory {}", target.display()));
    Ok((manifest, done))
}

/// A restore that failed after writing some of its targets, saying which.
fn partial(failed: &str, error: anyhow::Error, done: &[String]) -> BackupError {
    let state = match done {
        [] => "nothing else was written".to_owned(),
        done => format!(
            "{} had been restored already and the data directory was not written: empty those before restoring again",
            done.join(" and ")
        ),
    };
    BackupError::Partial(format!("{failed}: {error:#}; {state}"))
}

/// Why a store in the backup cannot go where this site keeps it.
fn other_kind(concern: ConcernName, store: &Store) -> String {
    match store {
        Store::Postgres(url) => format!(
            "the backup holds the {concern} store as a SQLite file ({concern}.db), and this site's is on PostgreSQL ({}): restore it without --{concern}-database-url, into the data directory",
            redact(url)
        ),
        Store::Sqlite(path) => format!(
            "the backup holds the {concern} store as a PostgreSQL dump ({concern}.dump), and this site's is a SQLite file ({}): restore it with --{concern}-database-url naming an empty PostgreSQL database",
            path.display()
        ),
    }
}

/// Puts the backup's media files, checked into `staging`, into `blobs`.
async fn put_blobs(blobs: &Blobs, manifest: &Manifest, staging: &Path) -> anyhow::Result<()> {
    let prefix = format!("{MEDIA_DIR}/");
    for entry in &manifest.files {
        let Some(key) = entry.path.0.strip_prefix(&prefix) else {
            continue;
        };
        let key = BlobKey::parse(key).map_err(anyhow::Error::msg)?;
        let path = entry.path.under(staging);
        let file = tokio::fs::File::open(&path)
            .await
            .with_context(|| format!("could not read {}", path.display()))?;
        blobs
            .put(&key, chunks_of(file), entry.bytes)
            .await
            .with_context(|| format!("putting {key} into the object store"))?;
    }
    Ok(())
}

/// A file as a stream of chunks, read as the stream is polled.
fn chunks_of(file: tokio::fs::File) -> folio_media_protocol::blobs::ByteStream<'static> {
    use tokio::io::AsyncReadExt;
    futures::stream::try_unfold(file, |mut file| async move {
        let mut buffer = bytes::BytesMut::with_capacity(128 * 1024);
        let read = file.read_buf(&mut buffer).await?;
        Ok((read > 0).then(|| (buffer.freeze(), file)))
    })
    .boxed()
}

fn read_manifest(dir: &Path) -> Result<Manifest, BackupError> {
    let path = dir.join(MANIFEST);
    let refuse = |why: String| BackupError::Manifest {
        path: path.clone(),
        why,
    };
    let bytes = std::fs::read(&path).map_err(|e| refuse(format!("it could not be read ({e})")))?;
    let manifest: Manifest =
        serde_json::from_slice(&bytes).map_err(|e| refuse(format!("it does not parse ({e})")))?;
    if manifest.format != FORMAT || manifest.version != VERSION {
        return Err(refuse(format!(
            "it is {} version {}, and this Folio reads {FORMAT} version {VERSION}",
            manifest.format, manifest.version
        )));
    }
    let (count, total) = (
        manifest.files.len() as u64,
        manifest.files.iter().map(|f| f.bytes).sum::<u64>(),
    );
    if count != manifest.file_count || total != manifest.total_bytes {
        return Err(refuse(format!(
            "it lists {count} files of {total} bytes but says {} of {}",
            manifest.file_count, manifest.total_bytes
        )));
    }
    let mut seen = std::collections::HashSet::new();
    for entry in &manifest.files {
        if !seen.insert(entry.path.clone().0) {
            return Err(refuse(format!("it lists {} twice", entry.path)));
        }
    }
    for concern in ConcernName::STORED {
        let (db, dump) = (format!("{concern}.db"), format!("{concern}.dump"));
        if !seen.contains(&db) && !seen.contains(&dump) {
            return Err(refuse(format!("it holds no {db} nor {dump}")));
        }
    }
    Ok(manifest)
}

/// Reads the backup's copy of `entry` (writing it to `copy_to` too, if
/// given) and checks its length and hash against the manifest.
fn check(dir: &Path, entry: &Entry, copy_to: Option<&Path>) -> Result<(), BackupError> {
    let tampered = |why: String| BackupError::Tampered {
        path: entry.path.to_string(),
        why,
    };
    let from = entry.path.under(dir);
    let mut file =
        std::fs::File::open(&from).map_err(|e| tampered(format!("cannot be read ({e})")))?;
    let (bytes, sha256) = match copy_to {
        None => hash(&mut file).map_err(|e| tampered(format!("cannot be read ({e})")))?,
        Some(to) => {
            let mut out = std::fs::File::create(to)
                .with_context(|| format!("could not create {}", to.display()))?;
            let mut tee = Tee(&mut file, &mut out);
            let result = hash(&mut tee).with_context(|| format!("copying to {}", to.display()))?;
            out.sync_all()
                .with_context(|| format!("could not sync {}", to.display()))?;
            result
        }
    };
    if bytes != entry.bytes {
        return Err(tampered(format!(
            "has {bytes} bytes where the manifest says {}",
            entry.bytes
        )));
    }
    if sha256 != entry.sha256 {
        return Err(tampered("does not match its checksum".into()));
    }
    Ok(())
}

/// A reader that writes what it reads to `1`.
struct Tee<'a>(&'a mut std::fs::File, &'a mut std::fs::File);

impl Read for Tee<'_> {
    fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
        let read = self.0.read(buffer)?;
        self.1.write_all(&buffer[..read])?;
        Ok(read)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::RelativePath;

    #[test]
    fn a_manifest_path_is_plain_and_relative() {
        for good in ["posts.db", "media/0190/v1/640.webp", "secret.key"] {
            assert!(RelativePath::parse(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "/etc/passwd",
            "../outside",
            "media/../../outside",
            "./posts.db",
            "media\\x",
            "a\0b",
        ] {
            assert!(RelativePath::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_manifest_with_a_path_leaving_the_directory_does_not_parse() {
        let json = r#"{"path": "../../home/x/.ssh/authorized_keys", "bytes": 1, "sha256": "00"}"#;
        assert!(serde_json::from_str::<super::Entry>(json).is_err());
    }
}
