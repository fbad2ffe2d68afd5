//! Media's blobs in NATS JetStream's object store: the store of a split site,
//! which every media replica and gateway reaches, on whatever machine.
//!
//! Two buckets: `folio-media` holds originals and variants; `folio-staging`
//! holds uploads until media has looked at them. Staging's entries expire
//! after an hour, so what an upload cut off or refused leaves behind (the
//! chunks of an object that was never finished carry no name to delete them
//! by) goes by itself. The object store has no rename: `promote` copies into
//! `folio-media` and removes the staging object.

use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

use async_nats::jetstream;
use async_nats::jetstream::object_store::{
    DeleteErrorKind, GetErrorKind, InfoErrorKind, ObjectStore,
};
use bytes::Bytes;
use futures::future::BoxFuture;
use futures::{Stream, StreamExt, TryStreamExt};
use tokio::io::{AsyncRead, AsyncReadExt, ReadBuf};

use folio_media_protocol::blobs::{BlobError, BlobKey, BlobReader, BlobStore, Blobs, ByteStream};

const STORED: &str = "folio-media";
const STAGING: &str = "folio-staging";
/// Uploads not looked at within this time are gone (media looks at once).
const STAGING_MAX_AGE: Duration = Duration::from_secs(3600);
/// Reads go out in chunks of this size.
const READ_CHUNK: usize = 64 * 1024;

/// Opens (creating if needed) the two buckets on `jetstream`.
pub async fn on_nats(jetstream: &jetstream::Context) -> anyhow::Result<Blobs> {
    let bucket = |name: &str, max_age: Duration| jetstream::object_store::Config {
        bucket: name.to_owned(),
        description: Some(format!("Folio media: {name}")),
        max_age,
        ..Default::default()
    };
    let stored = jetstream
        .create_object_store(bucket(STORED, Duration::ZERO))
        .await
        .map_err(|error| {
            anyhow::anyhow!("the object store {STORED}: {error} (is JetStream on?)")
        })?;
    let staging = jetstream
        .create_object_store(bucket(STAGING, STAGING_MAX_AGE))
        .await
        .map_err(|error| anyhow::anyhow!("the object store {STAGING}: {error}"))?;
    Ok(Blobs::new(NatsBlobs { stored, staging }))
}

struct NatsBlobs {
    stored: ObjectStore,
    staging: ObjectStore,
}

impl NatsBlobs {
    fn bucket(&self, key: &BlobKey) -> &ObjectStore {
        if key.is_staging() {
            &self.staging
        } else {
            &self.stored
        }
    }

    async fn info(&self, key: &BlobKey) -> Result<Option<u64>, BlobError> {
        match self.bucket(key).info(key.as_str()).await {
            Ok(info) if !info.deleted => Ok(Some(info.size as u64)),
            Ok(_) => Ok(None),
            Err(error) if error.kind() == InfoErrorKind::NotFound => Ok(None),
            Err(error) => Err(store(error)),
        }
    }

    async fn put(
        &self,
        key: &BlobKey,
        reader: &mut (impl AsyncRead + Unpin),
    ) -> Result<u64, BlobError> {
        self.bucket(key)
            .put(key.as_str(), reader)
            .await
            .map(|info| info.size as u64)
            .map_err(store)
    }

    async fn copy_into(&self, from: &BlobKey, to: &BlobKey) -> Result<(), BlobError> {
        if self.info(to).await?.is_some() {
            return Err(BlobError::Exists(to.clone()));
        }
        let mut object = match self.bucket(from).get(from.as_str()).await {
            Ok(object) => object,
            Err(error) if error.kind() == GetErrorKind::NotFound => {
                return Err(BlobError::NotFound(from.clone()));
            }
            Err(error) => return Err(store(error)),
        };
        self.put(to, &mut object).await.map(|_| ())
    }
}

fn store(error: impl std::fmt::Display) -> BlobError {
    BlobError::Store(error.to_string())
}

/// The body being written, as the object store reads it: counts the bytes
/// and stops the write past `limit`, keeping what stopped it.
struct Limited<'a> {
    body: ByteStream<'a>,
    pending: Bytes,
    written: u64,
    limit: u64,
    failed: Arc<Mutex<Option<BlobError>>>,
}

impl AsyncRead for Limited<'_> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        while self.pending.is_empty() {
            match self.body.poll_next_unpin(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(None) => return Poll::Ready(Ok(())),
                Poll::Ready(Some(Err(error))) => {
                    let said = error.to_string();
                    self.fail(BlobError::Source(error));
                    return Poll::Ready(Err(io::Error::other(said)));
                }
                Poll::Ready(Some(Ok(chunk))) => {
                    self.written += chunk.len() as u64;
                    if self.written > self.limit {
                        let limit = self.limit;
                        self.fail(BlobError::TooLarge { limit });
                        return Poll::Ready(Err(io::Error::other("over the limit")));
                    }
                    self.pending = chunk;
                }
            }
        }
        let n = std::cmp::min(buf.remaining(), self.pending.len());
        let chunk = self.pending.split_to(n);
        buf.put_slice(&chunk);
        Poll::Ready(Ok(()))
    }
}

impl Limited<'_> {
    fn fail(&self, error: BlobError) {
        *self.failed.lock().unwrap_or_else(PoisonError::into_inner) = Some(error);
    }
}

impl BlobStore for NatsBlobs {
    fn write<'a>(
        &'a self,
        key: &'a BlobKey,
        body: ByteStream<'a>,
        limit: u64,
    ) -> BoxFuture<'a, Result<u64, BlobError>> {
        Box::pin(async move {
            if self.info(key).await?.is_some() {
                return Err(BlobError::Exists(key.clone()));
            }
            let failed = Arc::new(Mutex::new(None));
            let mut reader = Limited {
                body,
                pending: Bytes::new(),
                written: 0,
                limit,
                failed: failed.clone(),
            };
            let written = self.put(key, &mut reader).await;
            let cause = failed.lock().unwrap_or_else(PoisonError::into_inner).take();
            match (written, cause) {
                (Ok(n), None) => Ok(n),
                (_, Some(cause)) => Err(cause),
                (Err(error), None) => Err(error),
            }
        })
    }

    fn len<'a>(&'a self, key: &'a BlobKey) -> BoxFuture<'a, Result<Option<u64>, BlobError>> {
        Box::pin(self.info(key))
    }

    fn open<'a>(
        &'a self,
        key: &'a BlobKey,
        range: Option<(u64, u64)>,
    ) -> BoxFuture<'a, Result<BlobReader, BlobError>> {
        Box::pin(async move {
            let mut object = match self.bucket(key).get(key.as_str()).await {
                Ok(object) => object,
                Err(error) if error.kind() == GetErrorKind::NotFound => {
                    return Err(BlobError::NotFound(key.clone()));
                }
                Err(error) => return Err(store(error)),
            };
            let len = object.info().size as u64;
            let (start, end) = range.unwrap_or((0, len));
            if start > end || end > len {
                return Err(BlobError::OutOfRange {
                    key: key.clone(),
                    start,
                    end,
                    len,
                });
            }
            // The object store reads from the start: skip what is not asked for.
            let mut skip = start;
            let mut scratch = vec![0u8; READ_CHUNK];
            while skip > 0 {
                let want = usize::try_from(skip.min(READ_CHUNK as u64)).unwrap_or(READ_CHUNK);
                let n = object.read(&mut scratch[..want]).await.map_err(store)?;
                if n == 0 {
                    break;
                }
                skip -= n as u64;
            }
            let body = chunks(object, end - start);
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
            match self.bucket(key).delete(key.as_str()).await {
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
            let names: Vec<String> = bucket
                .list()
                .await
                .map_err(store)?
                .map_err(store)
                .try_filter_map(|info| {
                    let name =
                        (!info.deleted && info.name.starts_with(&under)).then_some(info.name);
                    async move { Ok(name) }
                })
                .try_collect()
                .await?;
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
}

/// `left` bytes of `reader`, as a stream of chunks.
fn chunks(
    reader: impl AsyncRead + Unpin + Send + 'static,
    left: u64,
) -> futures::stream::BoxStream<'static, Result<Bytes, io::Error>> {
    let stream = futures::stream::try_unfold((reader, left), |(mut reader, left)| async move {
        if left == 0 {
            return Ok(None);
        }
        let want = usize::try_from(left.min(READ_CHUNK as u64)).unwrap_or(READ_CHUNK);
        let mut buf = vec![0u8; want];
        let n = reader.read(&mut buf).await?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the object ended early",
            ));
        }
        buf.truncate(n);
        Ok(Some((Bytes::from(buf), (reader, left - n as u64))))
    });
    Box::pin(stream) as Pin<Box<dyn Stream<Item = Result<Bytes, io::Error>> + Send>>
}
