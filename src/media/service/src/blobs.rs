//! Media's blobs on the local filesystem: the store of a single process, under
//! the data directory. Keys map to names under its roots, never the other way.

use std::io;
use std::path::{Path, PathBuf};

use bytes::Bytes;
use futures::StreamExt;
use futures::future::BoxFuture;
use tokio::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};

use folio_media_protocol::blobs::{
    BlobError, BlobKey, BlobReader, BlobStore, Blobs, ByteStream, STAGING, store_error,
};

/// The filesystem store in Folio's data directory, laid out as before the
/// store existed (`media/` for stored files, `uploads/` for staging), so
/// existing data directories keep working.
pub fn on_disk(data_dir: &Path) -> Blobs {
    Blobs::new(FsBlobs::new(
        data_dir.join("media"),
        data_dir.join("uploads"),
    ))
}

/// Blobs as files: a key is a relative file name under `root`, staging keys
/// under `staging` instead (`staging/{x}` is `{staging}/{x}`). Both must be on
/// one filesystem for `promote` to be a link, not a copy.
pub(crate) struct FsBlobs {
    root: PathBuf,
    staging: PathBuf,
}

/// Reads from disk go out in chunks of this size: a slow reader of a 40 MB
/// original holds one chunk, not the file.
const READ_CHUNK: usize = 64 * 1024;

impl FsBlobs {
    pub(crate) fn new(root: PathBuf, staging: PathBuf) -> Self {
        Self { root, staging }
    }

    /// The file a key names. Keys are parsed (no `..`, no leading `/`, no NUL),
    /// so the result is always inside `root` or `staging`.
    fn path(&self, key: &BlobKey) -> PathBuf {
        match key
            .as_str()
            .strip_prefix(STAGING)
            .and_then(|rest| rest.strip_prefix('/'))
        {
            Some(rest) => self.staging.join(rest),
            None => self.root.join(key.as_str()),
        }
    }

    async fn parent_of(path: &Path) -> Result<(), BlobError> {
        if let Some(parent) = path.parent() {
            tokio::fs::create_dir_all(parent)
                .await
                .map_err(store_error)?;
        }
        Ok(())
    }

    async fn write_file(
        &self,
        key: &BlobKey,
        mut body: ByteStream<'_>,
        limit: u64,
    ) -> Result<u64, BlobError> {
        let path = self.path(key);
        Self::parent_of(&path).await?;
        let mut file = tokio::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .await
            .map_err(|e| match e.kind() {
                io::ErrorKind::AlreadyExists => BlobError::Exists(key.clone()),
                _ => store_error(e),
            })?;
        // From here on the file is ours: removed unless the write completes,
        // synchronously so even a dropped future (a request cut off) leaves
        // nothing behind.
        let mut partial = Partial(Some(path));
        let mut written = 0u64;
        while let Some(chunk) = body.next().await {
            let chunk = chunk.map_err(BlobError::Source)?;
            written += chunk.len() as u64;
            if written > limit {
                return Err(BlobError::TooLarge { limit });
            }
            file.write_all(&chunk).await.map_err(store_error)?;
        }
        file.flush().await.map_err(store_error)?;
        partial.0 = None;
        Ok(written)
    }
}

/// A file being written; removed on drop unless `None`.
struct Partial(Option<PathBuf>);

impl Drop for Partial {
    fn drop(&mut self) {
        if let Some(path) = self.0.take() {
            let _ = std::fs::remove_file(path);
        }
    }
}

fn missing(key: &BlobKey) -> impl Fn(io::Error) -> BlobError + '_ {
    move |error| match error.kind() {
        io::ErrorKind::NotFound => BlobError::NotFound(key.clone()),
        _ => store_error(error),
    }
}

impl BlobStore for FsBlobs {
    fn write<'a>(
        &'a self,
        key: &'a BlobKey,
        body: ByteStream<'a>,
        limit: u64,
    ) -> BoxFuture<'a, Result<u64, BlobError>> {
        Box::pin(self.write_file(key, body, limit))
    }

    fn len<'a>(&'a self, key: &'a BlobKey) -> BoxFuture<'a, Result<Option<u64>, BlobError>> {
        Box::pin(async move {
            match tokio::fs::metadata(self.path(key)).await {
                Ok(meta) if meta.is_file() => Ok(Some(meta.len())),
                Ok(_) => Ok(None),
                Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(None),
                Err(error) => Err(store_error(error)),
            }
        })
    }

    fn open<'a>(
        &'a self,
        key: &'a BlobKey,
        range: Option<(u64, u64)>,
    ) -> BoxFuture<'a, Result<BlobReader, BlobError>> {
        Box::pin(async move {
            let mut file = tokio::fs::File::open(self.path(key))
                .await
                .map_err(missing(key))?;
            let len = file.metadata().await.map_err(store_error)?.len();
            let (start, end) = range.unwrap_or((0, len));
            if start > end || end > len {
                return Err(BlobError::OutOfRange {
                    key: key.clone(),
                    start,
                    end,
                    len,
                });
            }
            file.seek(io::SeekFrom::Start(start))
                .await
                .map_err(store_error)?;
            let body = futures::stream::try_unfold(
                (file.take(end - start), vec![0u8; READ_CHUNK]),
                |(mut file, mut buffer)| async move {
                    let read = file.read(&mut buffer).await?;
                    if read == 0 {
                        return Ok(None);
                    }
                    let chunk = Bytes::copy_from_slice(&buffer[..read]);
                    Ok(Some((chunk, (file, buffer))))
                },
            )
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
            let (source, target) = (self.path(from), self.path(to));
            Self::parent_of(&target).await?;
            // A hard link fails when the target exists, where a rename would
            // replace it: the no-clobber move that racing edits rely on.
            match tokio::fs::hard_link(&source, &target).await {
                Ok(()) => {}
                Err(error) if error.kind() == io::ErrorKind::AlreadyExists => {
                    return Err(BlobError::Exists(to.clone()));
                }
                Err(error) if error.kind() == io::ErrorKind::NotFound => {
                    return Err(BlobError::NotFound(from.clone()));
                }
                // Another filesystem, or one without links: copy instead.
                Err(_) => self.copy(from, to).await?,
            }
            tokio::fs::remove_file(&source).await.map_err(store_error)
        })
    }

    fn copy<'a>(
        &'a self,
        from: &'a BlobKey,
        to: &'a BlobKey,
    ) -> BoxFuture<'a, Result<(), BlobError>> {
        Box::pin(async move {
            let reader = self.open(from, None).await?;
            let limit = reader.len;
            self.write_file(to, reader.body, limit)
                .await
                .map(|_| ())
                .map_err(|error| match error {
                    BlobError::Source(error) => store_error(error),
                    other => other,
                })
        })
    }

    fn delete<'a>(&'a self, key: &'a BlobKey) -> BoxFuture<'a, Result<(), BlobError>> {
        Box::pin(async move {
            match tokio::fs::remove_file(self.path(key)).await {
                Err(error) if error.kind() != io::ErrorKind::NotFound => Err(store_error(error)),
                _ => Ok(()),
            }
        })
    }

    fn delete_prefix<'a>(&'a self, prefix: &'a BlobKey) -> BoxFuture<'a, Result<(), BlobError>> {
        Box::pin(async move {
            match tokio::fs::remove_dir_all(self.path(prefix)).await {
                Err(error) if error.kind() != io::ErrorKind::NotFound => Err(store_error(error)),
                _ => Ok(()),
            }
        })
    }

    fn any_stored(&self) -> BoxFuture<'_, Result<bool, BlobError>> {
        Box::pin(async move {
            match tokio::fs::read_dir(&self.root).await {
                Ok(mut entries) => Ok(entries.next_entry().await.map_err(store_error)?.is_some()),
                Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(false),
                Err(error) => Err(store_error(error)),
            }
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use futures::TryStreamExt;

    fn store() -> (tempfile::TempDir, Blobs) {
        let dir = tempfile::tempdir().unwrap();
        let blobs = on_disk(dir.path());
        (dir, blobs)
    }

    fn chunks(parts: &[&'static [u8]]) -> ByteStream<'static> {
        let parts: Vec<_> = parts.iter().map(|p| Ok(Bytes::from_static(p))).collect();
        futures::stream::iter(parts).boxed()
    }

    #[test]
    fn keys_refuse_paths_that_climb_or_are_absolute() {
        for bad in [
            "", "/tmp/x", "../x", "a/../b", "a//b", "a/", "./a", "a\0b", "a\\b", "c:x",
        ] {
            assert!(BlobKey::parse(bad).is_err(), "{bad:?}");
        }
        for good in ["a", "staging/abc", "0f/v1/640.jpg", "x/v2/original.webp"] {
            assert!(BlobKey::parse(good).is_ok(), "{good:?}");
        }
        assert!(serde_json::from_str::<BlobKey>("\"../etc/passwd\"").is_err());
        assert!(BlobKey::new_staging().is_staging());
        assert!(!BlobKey::parse("staging").unwrap().is_staging());
        assert!(!BlobKey::parse("stagingx/a").unwrap().is_staging());
    }

    #[tokio::test]
    async fn a_staged_blob_reads_back_whole_and_by_range() {
        let (_dir, blobs) = store();
        let key = blobs
            .stage(chunks(&[b"hello ", b"world"]), 11)
            .await
            .unwrap();
        assert_eq!(blobs.read_all(&key, 100).await.unwrap(), b"hello world");
        let reader = blobs.open(&key, Some((6, 11))).await.unwrap();
        assert_eq!((reader.len, reader.start, reader.end), (11, 6, 11));
        let part: Vec<Bytes> = reader.body.try_collect().await.unwrap();
        assert_eq!(part.concat(), b"world");
        assert!(matches!(
            blobs.open(&key, Some((6, 12))).await,
            Err(BlobError::OutOfRange { .. })
        ));
    }

    #[tokio::test]
    async fn a_write_over_its_limit_or_broken_off_leaves_nothing() {
        let (dir, blobs) = store();
        let over = blobs.stage(chunks(&[b"12345", b"6"]), 5).await;
        assert!(matches!(over, Err(BlobError::TooLarge { limit: 5 })));
        let broken = futures::stream::iter(vec![
            Ok(Bytes::from_static(b"12")),
            Err(io::Error::other("cut")),
        ])
        .boxed();
        assert!(matches!(
            blobs.stage(broken, 5).await,
            Err(BlobError::Source(_))
        ));
        let left = std::fs::read_dir(dir.path().join("uploads"))
            .unwrap()
            .count();
        assert_eq!(left, 0);
    }

    #[tokio::test]
    async fn promote_moves_a_blob_but_never_over_another() {
        let (_dir, blobs) = store();
        let target = BlobKey::parse("m/v1/original.jpg").unwrap();
        let first = blobs.stage_bytes(Bytes::from_static(b"one")).await.unwrap();
        let second = blobs.stage_bytes(Bytes::from_static(b"two")).await.unwrap();
        blobs.promote(&first, &target).await.unwrap();
        assert!(!blobs.exists(&first).await.unwrap());
        assert!(matches!(
            blobs.promote(&second, &target).await,
            Err(BlobError::Exists(_))
        ));
        assert_eq!(blobs.read_all(&target, 10).await.unwrap(), b"one");
        let copy = BlobKey::parse("m/v2/original.jpg").unwrap();
        blobs.copy(&target, &copy).await.unwrap();
        assert_eq!(blobs.len(&copy).await.unwrap(), Some(3));
        blobs
            .delete_prefix(&BlobKey::parse("m").unwrap())
            .await
            .unwrap();
        assert!(!blobs.exists(&target).await.unwrap());
        blobs.delete(&second).await.unwrap();
        blobs.delete(&second).await.unwrap();
        assert!(matches!(
            blobs.open(&second, None).await,
            Err(BlobError::NotFound(_))
        ));
    }
}
