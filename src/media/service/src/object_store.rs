//! Media's blobs in NATS JetStream's object store: the store of a split site,
//! which every media replica and gateway reaches, on whatever machine.
//!
//! Two buckets: `folio-media` holds originals and variants; `folio-staging`
//! holds uploads until media has looked at them. Objects are written and read
//! here, in the object store's own layout (chunks on `$O.<bucket>.C.<id>`, then
//! the object's info on `$O.<bucket>.M.<name>`), not by the library's `put`
//! and `get`: `put` leaves the chunks of a write it did not finish under an id
//! nobody knows (an upload refused at 413 or cut off must leave nothing), and
//! `get` lets the server push the whole object into the client's buffers (ten
//! slow readers of a 20 MB original would hold 200 MB). Reading a chunk at a
//! time, as the reader asks, keeps memory to a chunk per reader. Staging's
//! entries still expire after an hour, for a process killed while writing.
//! The object store has no rename: `promote` copies into `folio-media` and
//! removes the staging object.

use std::time::Duration;

use async_nats::HeaderMap;
use async_nats::jetstream;
use async_nats::jetstream::object_store::{
    DeleteErrorKind, InfoErrorKind, ObjectInfo, ObjectOptions, ObjectStore,
};
use async_nats::jetstream::stream::{DirectGetErrorKind, Stream as JetStream};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE;
use bytes::{Bytes, BytesMut};
use futures::future::BoxFuture;
use futures::stream::BoxStream;
use futures::{StreamExt, TryStreamExt};
use sha2::{Digest, Sha256};

use folio_media_protocol::blobs::{BlobError, BlobKey, BlobReader, BlobStore, Blobs, ByteStream};

const STORED: &str = "folio-media";
const STAGING: &str = "folio-staging";
/// Uploads not looked at within this time are gone (media looks at once).
const STAGING_MAX_AGE: Duration = Duration::from_secs(3600);
/// Objects are stored in chunks of this size (the library's own default).
const CHUNK: usize = 128 * 1024;

/// Opens (creating if needed) the two buckets on `jetstream`.
pub async fn on_nats(jetstream: &jetstream::Context) -> anyhow::Result<Blobs> {
    let open = |name: &'static str, max_age: Duration| async move {
        let config = jetstream::object_store::Config {
            bucket: name.to_owned(),
            description: Some(format!("Folio media: {name}")),
            max_age,
            ..Default::default()
        };
        let store = jetstream
            .create_object_store(config)
            .await
            .map_err(|error| {
                anyhow::anyhow!("the object store {name}: {error} (is JetStream on?)")
            })?;
        let stream = jetstream
            .get_stream(format!("OBJ_{name}"))
            .await
            .map_err(|error| anyhow::anyhow!("the stream of the object store {name}: {error}"))?;
        anyhow::Ok(Bucket {
            name,
            store,
            stream,
            jetstream: jetstream.clone(),
        })
    };
    let stored = open(STORED, Duration::ZERO).await?;
    let staging = open(STAGING, STAGING_MAX_AGE).await?;
    Ok(Blobs::new(NatsBlobs { stored, staging }))
}

/// One object store bucket, with the stream under it (to write, read and
/// purge chunks).
struct Bucket {
    name: &'static str,
    store: ObjectStore,
    stream: JetStream,
    jetstream: jetstream::Context,
}

/// Chunks to write; an `Err` stops the write with that error.
type Chunks<'a> = BoxStream<'a, Result<Bytes, BlobError>>;

impl Bucket {
    /// The live object `name`, if there is one.
    async fn info(&self, name: &str) -> Result<Option<ObjectInfo>, BlobError> {
        match self.store.info(name).await {
            Ok(info) if !info.deleted => Ok(Some(info)),
            Ok(_) => Ok(None),
            Err(error) if error.kind() == InfoErrorKind::NotFound => Ok(None),
            Err(error) => Err(store(error)),
        }
    }

    /// Writes `body` as object `name`. What a write that fails, or is
    /// dropped unfinished, has written is removed.
    async fn put(&self, name: &str, body: Chunks<'_>) -> Result<u64, BlobError> {
        let id = uuid::Uuid::new_v4().simple().to_string();
        let mut unfinished = Unfinished {
            stream: self.stream.clone(),
            chunks: self.chunk_subject(&id),
            finished: false,
        };
        let written = self.put_chunks(name, &id, body).await;
        unfinished.finished = written.is_ok();
        written
    }

    async fn put_chunks(
        &self,
        name: &str,
        id: &str,
        mut body: Chunks<'_>,
    ) -> Result<u64, BlobError> {
        let subject = self.chunk_subject(id);
        let mut sha256 = Sha256::new();
        let (mut size, mut count) = (0usize, 0usize);
        let mut buffer = BytesMut::with_capacity(CHUNK);
        let mut ended = false;
        while !ended {
            // Gather a whole chunk, or what is left, before publishing it.
            while buffer.len() < CHUNK {
                match body.try_next().await? {
                    Some(bytes) => buffer.extend_from_slice(&bytes),
                    None => {
                        ended = true;
                        break;
                    }
                }
            }
            while buffer.len() >= CHUNK || (ended && !buffer.is_empty()) {
                let chunk = buffer.split_to(buffer.len().min(CHUNK)).freeze();
                sha256.update(&chunk);
                size += chunk.len();
                count += 1;
                self.publish(subject.clone(), HeaderMap::new(), chunk)
                    .await?;
            }
        }
        let info = ObjectInfo {
            name: name.to_owned(),
            description: None,
            metadata: Default::default(),
            headers: None,
            options: Some(ObjectOptions {
                link: None,
                max_chunk_size: Some(CHUNK),
            }),
            bucket: self.name.to_owned(),
            nuid: id.to_owned(),
            size,
            chunks: count,
            modified: Some(time::OffsetDateTime::now_utc()),
            digest: Some(format!("SHA-256={}", URL_SAFE.encode(sha256.finalize()))),
            deleted: false,
        };
        let meta = serde_json::to_vec(&info).map_err(store)?;
        // The object's info replaces whatever was on its subject before.
        let mut headers = HeaderMap::new();
        headers.insert("Nats-Rollup", "sub");
        let subject = format!("$O.{}.M.{}", self.name, URL_SAFE.encode(name));
        self.publish(subject, headers, meta.into()).await?;
        Ok(size as u64)
    }

    /// Publishes to the bucket's stream and waits until it is stored.
    async fn publish(
        &self,
        subject: String,
        headers: HeaderMap,
        payload: Bytes,
    ) -> Result<(), BlobError> {
        self.jetstream
            .publish_with_headers(subject, headers, payload)
            .await
            .map_err(store)?
            .await
            .map(|_| ())
            .map_err(store)
    }

    /// The names of the bucket's objects, removed ones too. They come from
    /// the stream's subjects (one request per page), not the library's
    /// `list`, whose consumer waits for ever when objects are replaced or
    /// removed while it reads.
    async fn names(&self) -> Result<Vec<String>, BlobError> {
        let meta = format!("$O.{}.M.", self.name);
        let mut subjects = self
            .stream
            .info_with_subjects(format!("{meta}>"))
            .await
            .map_err(store)?;
        let mut names = Vec::new();
        while let Some((subject, _)) = subjects.try_next().await.map_err(store)? {
            let name = subject
                .strip_prefix(&meta)
                .and_then(|encoded| URL_SAFE.decode(encoded).ok())
                .and_then(|bytes| String::from_utf8(bytes).ok());
            names.extend(name);
        }
        Ok(names)
    }

    fn chunk_subject(&self, id: &str) -> String {
        format!("$O.{}.C.{id}", self.name)
    }

    /// Bytes `start..end` of the object `info`, one chunk fetched at a time
    /// as the stream is polled. The chunks before `start` are fetched and
    /// dropped: where a chunk lies in the stream is known only from the one
    /// before it.
    fn read(
        &self,
        info: &ObjectInfo,
        start: u64,
        end: u64,
    ) -> BoxStream<'static, Result<Bytes, BlobError>> {
        struct At {
            stream: JetStream,
            subject: String,
            /// Where to look for the next chunk.
            sequence: u64,
            /// The object's offset of the next chunk's first byte.
            offset: u64,
        }
        let at = At {
            stream: self.stream.clone(),
            subject: self.chunk_subject(&info.nuid),
            sequence: 1,
            offset: 0,
        };
        futures::stream::try_unfold(at, move |mut at| async move {
            while at.offset < end {
                let message = at
                    .stream
                    .direct_get_next_for_subject(at.subject.clone(), Some(at.sequence))
                    .await
                    .map_err(|error| match error.kind() {
                        DirectGetErrorKind::NotFound => store("the object ended early"),
                        _ => store(error),
                    })?;
                at.sequence = message.sequence + 1;
                let chunk_start = at.offset;
                at.offset += message.payload.len() as u64;
                if at.offset <= start {
                    continue;
                }
                let from = start.saturating_sub(chunk_start) as usize;
                let to = (end.min(at.offset) - chunk_start) as usize;
                return Ok(Some((message.payload.slice(from..to), at)));
            }
            Ok(None)
        })
        .boxed()
    }
}

/// The chunks of a write: purged when dropped unless the write finished.
/// The purge runs on the current runtime, since a drop cannot wait.
struct Unfinished {
    stream: JetStream,
    chunks: String,
    finished: bool,
}

impl Drop for Unfinished {
    fn drop(&mut self) {
        if self.finished {
            return;
        }
        let (stream, chunks) = (self.stream.clone(), std::mem::take(&mut self.chunks));
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            tracing::warn!(%chunks, "an unfinished write's chunks are left to the bucket's expiry");
            return;
        };
        runtime.spawn(async move {
            if let Err(error) = stream.purge().filter(&chunks).await {
                tracing::warn!(%error, %chunks,
                    "could not remove an unfinished write's chunks; the bucket's expiry will");
            }
        });
    }
}

struct NatsBlobs {
    stored: Bucket,
    staging: Bucket,
}

impl NatsBlobs {
    fn bucket(&self, key: &BlobKey) -> &Bucket {
        if key.is_staging() {
            &self.staging
        } else {
            &self.stored
        }
    }

    async fn info(&self, key: &BlobKey) -> Result<ObjectInfo, BlobError> {
        self.bucket(key)
            .info(key.as_str())
            .await?
            .ok_or_else(|| BlobError::NotFound(key.clone()))
    }

    async fn refuse_existing(&self, key: &BlobKey) -> Result<(), BlobError> {
        match self.bucket(key).info(key.as_str()).await? {
            Some(_) => Err(BlobError::Exists(key.clone())),
            None => Ok(()),
        }
    }

    async fn copy_into(&self, from: &BlobKey, to: &BlobKey) -> Result<(), BlobError> {
        self.refuse_existing(to).await?;
        let info = self.info(from).await?;
        let body = self.bucket(from).read(&info, 0, info.size as u64);
        self.bucket(to).put(to.as_str(), body).await.map(|_| ())
    }
}

fn store(error: impl std::fmt::Display) -> BlobError {
    BlobError::Store(error.to_string())
}

impl BlobStore for NatsBlobs {
    fn write<'a>(
        &'a self,
        key: &'a BlobKey,
        body: ByteStream<'a>,
        limit: u64,
    ) -> BoxFuture<'a, Result<u64, BlobError>> {
        Box::pin(async move {
            self.refuse_existing(key).await?;
            let mut written = 0u64;
            let limited = body.map(move |chunk| {
                let chunk = chunk.map_err(BlobError::Source)?;
                written += chunk.len() as u64;
                if written > limit {
                    return Err(BlobError::TooLarge { limit });
                }
                Ok(chunk)
            });
            self.bucket(key).put(key.as_str(), limited.boxed()).await
        })
    }

    fn len<'a>(&'a self, key: &'a BlobKey) -> BoxFuture<'a, Result<Option<u64>, BlobError>> {
        Box::pin(async move {
            let info = self.bucket(key).info(key.as_str()).await?;
            Ok(info.map(|info| info.size as u64))
        })
    }

    fn open<'a>(
        &'a self,
        key: &'a BlobKey,
        range: Option<(u64, u64)>,
    ) -> BoxFuture<'a, Result<BlobReader, BlobError>> {
        Box::pin(async move {
            let info = self.info(key).await?;
            let len = info.size as u64;
            let (start, end) = range.unwrap_or((0, len));
            if start > end || end > len {
                return Err(BlobError::OutOfRange {
                    key: key.clone(),
                    start,
                    end,
                    len,
                });
            }
            let body = self
                .bucket(key)
                .read(&info, start, end)
                .map_err(|error| std::io::Error::other(error.to_string()))
                .boxed();
            Ok(BlobReader {
                len,
                start,
                end,
                body,
            })
        })
    }

    fn promote<'a>(
        &'a self,
        from: &'a BlobKey,
        to: &'a BlobKey,
    ) -> BoxFuture<'a, Result<(), BlobError>> {
        Box::pin(async move {
            self.copy_into(from, to).await?;
            self.delete(from).await
        })
    }

    fn copy<'a>(
        &'a self,
        from: &'a BlobKey,
        to: &'a BlobKey,
    ) -> BoxFuture<'a, Result<(), BlobError>> {
        Box::pin(self.copy_into(from, to))
    }

    fn delete<'a>(&'a self, key: &'a BlobKey) -> BoxFuture<'a, Result<(), BlobError>> {
        Box::pin(async move {
            match self.bucket(key).store.delete(key.as_str()).await {
                Ok(()) => Ok(()),
                Err(error) if error.kind() == DeleteErrorKind::NotFound => Ok(()),
                Err(error) => Err(store(error)),
            }
        })
    }

    fn delete_prefix<'a>(&'a self, prefix: &'a BlobKey) -> BoxFuture<'a, Result<(), BlobError>> {
        Box::pin(async move {
            let bucket = self.bucket(prefix);
            let under = format!("{}/", prefix.as_str());
            let mut names = bucket.names().await?;
            names.retain(|name| name.starts_with(&under));
            let bucket = &bucket.store;
            for name in names {
                match bucket.delete(name.as_str()).await {
                    Ok(()) => {}
                    Err(error) if error.kind() == DeleteErrorKind::NotFound => {}
                    Err(error) => return Err(store(error)),
                }
            }
            Ok(())
        })
    }

    fn any_stored(&self) -> BoxFuture<'_, Result<bool, BlobError>> {
        Box::pin(async move {
            // A removed object keeps its name's subject (marked deleted).
            for name in self.stored.names().await? {
                if self.stored.info(&name).await?.is_some() {
                    return Ok(true);
                }
            }
            Ok(false)
        })
    }
}
