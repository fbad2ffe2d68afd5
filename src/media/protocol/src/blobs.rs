//! Media's blob store: where uploads, originals and variants live, as keys and
//! streams, never host paths. [`BlobStore`] is the interface (a filesystem
//! implementation in the media service today; an object store over NATS when media
//! runs in a process of its own), [`Blobs`] the cheap handle media gives out,
//! [`BlobKey`] a parsed key that is safe for any implementation to map to a
//! name of its own.

use std::io;
use std::sync::Arc;

use bytes::Bytes;
use futures::future::BoxFuture;
use futures::stream::BoxStream;
use futures::{StreamExt, TryStreamExt};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The area uploads are written into before media has looked at them.
/// The first segment of every staging blob's key.
pub const STAGING: &str = "staging";

/// A blob's name: `/`-separated segments of letters, digits, `-`, `_` and `.`,
/// none of them empty, `.` or `..`. Nothing that could climb out of a
/// directory or name a host path gets in, so a store may use it as a relative
/// file name as it is; and a key on the wire can't be a path by accident.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct BlobKey(String);

impl BlobKey {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let refuse = |why: &str| Err(format!("{raw:?} is not a blob key: {why}"));
        if raw.is_empty() || raw.len() > 512 {
            return refuse("it must be 1 to 512 characters");
        }
        for segment in raw.split('/') {
            if segment.is_empty() {
                // Also a leading `/` (an absolute path) and `//`.
                return refuse("no empty segment, and no leading or trailing /");
            }
            if segment == "." || segment == ".." {
                return refuse("no . or .. segment");
            }
            if !segment
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
            {
                return refuse("only letters, digits, '-', '_', '.' and '/'");
            }
        }
        Ok(Self(raw.to_owned()))
    }

    /// A new, unique key in the staging area.
    pub fn new_staging() -> Self {
        Self(format!("{STAGING}/{}", Uuid::new_v4().simple()))
    }

    /// Staging blobs are uploads not yet looked at; media consumes (and
    /// removes) only these, so a caller can't make it delete a stored file.
    pub fn is_staging(&self) -> bool {
        self.0
            .strip_prefix(STAGING)
            .is_some_and(|rest| rest.starts_with('/'))
    }

    /// `self/segment`; `segment` is parsed like a key.
    pub fn join(&self, segment: &str) -> Result<Self, String> {
        Self::parse(&format!("{}/{segment}", self.0))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for BlobKey {
    type Error = String;
    fn try_from(raw: String) -> Result<Self, String> {
        Self::parse(&raw)
    }
}

impl From<BlobKey> for String {
    fn from(key: BlobKey) -> String {
        key.0
    }
}

impl std::fmt::Display for BlobKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Why a blob operation failed. `TooLarge` and `Source` are the writer's
/// (the body), the others the store's.
#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    #[error("the body is over the limit of {limit} bytes")]
    TooLarge { limit: u64 },
    /// The stream being written failed (an upload that broke off).
    #[error("the body broke off: {0}")]
    Source(io::Error),
    #[error("there is no blob {0}")]
    NotFound(BlobKey),
    /// `promote` never replaces a blob: someone else got there first.
    #[error("blob {0} already exists")]
    Exists(BlobKey),
    #[error("the range {start}..{end} is outside blob {key} of {len} bytes")]
    OutOfRange {
        key: BlobKey,
        start: u64,
        end: u64,
        len: u64,
    },
    #[error("blob store: {0}")]
    Store(String),
}

/// A stream of chunks to write; an `Err` item makes the write fail as `Source`.
pub type ByteStream<'a> = BoxStream<'a, Result<Bytes, io::Error>>;

/// A blob being read: its whole length, which bytes `body` yields, and them.
pub struct BlobReader {
    /// Of the whole blob, whatever range was asked for.
    pub len: u64,
    /// `start..end` of the blob that `body` yields.
    pub start: u64,
    pub end: u64,
    pub body: BoxStream<'static, Result<Bytes, io::Error>>,
}

/// Where media keeps its bytes. Every method is async and takes keys only, so
/// an implementation may be a directory, an object store or memory.
pub trait BlobStore: Send + Sync + 'static {
    /// Writes `body` into the new blob `key` (a staging key; a stored one only
    /// when a restore puts files back), at most `limit` bytes. Past the limit, or when `body` fails, the partial blob is removed
    /// and `TooLarge` or `Source` says why; also when the future is dropped.
    fn write<'a>(
        &'a self,
        key: &'a BlobKey,
        body: ByteStream<'a>,
        limit: u64,
    ) -> BoxFuture<'a, Result<u64, BlobError>>;

    /// The blob's length, or `None` when there is none.
    fn len<'a>(&'a self, key: &'a BlobKey) -> BoxFuture<'a, Result<Option<u64>, BlobError>>;

    /// Reads `range` (`start..end`, the whole blob when `None`).
    fn open<'a>(
        &'a self,
        key: &'a BlobKey,
        range: Option<(u64, u64)>,
    ) -> BoxFuture<'a, Result<BlobReader, BlobError>>;

    /// Moves `from` to `to`, which must not exist yet (`Exists`): two writers
    /// racing for one name can't overwrite each other.
    fn promote<'a>(
        &'a self,
        from: &'a BlobKey,
        to: &'a BlobKey,
    ) -> BoxFuture<'a, Result<(), BlobError>>;

    /// Copies `from` to `to`, which must not exist yet.
    fn copy<'a>(
        &'a self,
        from: &'a BlobKey,
        to: &'a BlobKey,
    ) -> BoxFuture<'a, Result<(), BlobError>>;

    /// Removes the blob; one that isn't there is not an error.
    fn delete<'a>(&'a self, key: &'a BlobKey) -> BoxFuture<'a, Result<(), BlobError>>;

    /// Removes every blob under `prefix/` (a medium's or a version's files).
    fn delete_prefix<'a>(&'a self, prefix: &'a BlobKey) -> BoxFuture<'a, Result<(), BlobError>>;

    /// Whether any blob outside staging is stored.
    fn any_stored(&self) -> BoxFuture<'_, Result<bool, BlobError>>;
}

/// The handle to media's blob store: cloned into the media concern and, in one
/// process, given to the gateway to stream uploads in and files out.
#[derive(Clone)]
pub struct Blobs(Arc<dyn BlobStore>);

impl Blobs {
    pub fn new(store: impl BlobStore) -> Self {
        Self(Arc::new(store))
    }

    /// Streams `body` into a new staging blob of at most `limit` bytes.
    pub async fn stage(&self, body: ByteStream<'_>, limit: u64) -> Result<BlobKey, BlobError> {
        let key = BlobKey::new_staging();
        self.0.write(&key, body, limit).await?;
        Ok(key)
    }

    /// Writes bytes already in memory into a new staging blob.
    pub async fn stage_bytes(&self, bytes: Bytes) -> Result<BlobKey, BlobError> {
        let limit = bytes.len() as u64;
        self.stage(futures::stream::once(async { Ok(bytes) }).boxed(), limit)
            .await
    }

    /// The whole blob in memory, refused when it is over `limit` bytes.
    pub async fn read_all(&self, key: &BlobKey, limit: u64) -> Result<Vec<u8>, BlobError> {
        let reader = self.0.open(key, None).await?;
        if reader.len > limit {
            return Err(BlobError::TooLarge { limit });
        }
        let mut out = Vec::with_capacity(usize::try_from(reader.len).unwrap_or(0));
        let mut body = reader.body;
        while let Some(chunk) = body.try_next().await.map_err(store_error)? {
            out.extend_from_slice(&chunk);
        }
        Ok(out)
    }

    pub async fn exists(&self, key: &BlobKey) -> Result<bool, BlobError> {
        Ok(self.0.len(key).await?.is_some())
    }

    pub async fn len(&self, key: &BlobKey) -> Result<Option<u64>, BlobError> {
        self.0.len(key).await
    }

    pub async fn open(
        &self,
        key: &BlobKey,
        range: Option<(u64, u64)>,
    ) -> Result<BlobReader, BlobError> {
        self.0.open(key, range).await
    }

    pub async fn promote(&self, from: &BlobKey, to: &BlobKey) -> Result<(), BlobError> {
        self.0.promote(from, to).await
    }

    pub async fn copy(&self, from: &BlobKey, to: &BlobKey) -> Result<(), BlobError> {
        self.0.copy(from, to).await
    }

    pub async fn delete(&self, key: &BlobKey) -> Result<(), BlobError> {
        self.0.delete(key).await
    }

    pub async fn delete_prefix(&self, prefix: &BlobKey) -> Result<(), BlobError> {
        self.0.delete_prefix(prefix).await
    }

    /// Writes `body` as the stored blob `key`, which must not exist yet
    /// (`Exists`), at most `limit` bytes: how `folio restore` puts back the
    /// files a backup took. Media itself only ever promotes staging blobs.
    pub async fn put(
        &self,
        key: &BlobKey,
        body: ByteStream<'_>,
        limit: u64,
    ) -> Result<u64, BlobError> {
        self.0.write(key, body, limit).await
    }

    /// Whether any blob outside staging is stored: a restore puts files back
    /// only into an empty store, never mixing two sites' files.
    pub async fn any_stored(&self) -> Result<bool, BlobError> {
        self.0.any_stored().await
    }
}

/// An I/O failure of the store, said as the store's own error.
pub fn store_error(error: io::Error) -> BlobError {
    BlobError::Store(error.to_string())
}
