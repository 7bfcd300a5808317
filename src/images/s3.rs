//! Images in an S3-compatible object store (`DATELINE_MEDIA_STORE=s3://bucket/prefix`), for
//! several nodes: every node reads and writes the same objects. The endpoint, region and
//! credentials come from the usual `AWS_*` variables (`AWS_ENDPOINT_URL`, `AWS_REGION`,
//! `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_ALLOW_HTTP`, …), read by `object_store`.
//!
//! Files are served through Dateline, which keeps `Range`, `ETag` and the response headers
//! the same as from a folder: a reader fetches the object in ranges of [`CHUNK`] bytes as the
//! response streams, so neither a whole image nor a presigned URL is ever handed out.

use std::io::{self, Read, Seek, SeekFrom};
use std::sync::Arc;

use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};

use super::storage::{MediaStore, ReadSeek};

/// Bytes fetched per ranged `GET` while serving a file.
const CHUNK: u64 = 1024 * 1024;

/// A bucket (and a key prefix in it), reached from the blocking threads that call
/// [`MediaStore`]: each call runs on a small runtime of its own and waits for the answer.
pub struct S3Store {
    store: Arc<dyn ObjectStore>,
    prefix: String,
    /// `None` only while dropped.
    runtime: Option<tokio::runtime::Runtime>,
    url: String,
}

impl Drop for S3Store {
    fn drop(&mut self) {
        // Dropped on an async thread (at shutdown, say), waiting for the runtime's threads
        // would block it: let them finish on their own.
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

impl std::fmt::Debug for S3Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Store").field("url", &self.url).finish()
    }
}

fn other(e: impl std::fmt::Display) -> io::Error {
    io::Error::other(e.to_string())
}

fn io_error(e: object_store::Error) -> io::Error {
    match e {
        object_store::Error::NotFound { .. } => io::ErrorKind::NotFound.into(),
        e => other(e),
    }
}

/// Runs `f` on the runtime of `handle` and waits for its answer: callable from any thread,
/// async or not (a blocking `block_on` is not allowed on async ones).
fn run_on<T: Send + 'static>(
    handle: &tokio::runtime::Handle,
    f: impl Future<Output = object_store::Result<T>> + Send + 'static,
) -> io::Result<T> {
    let (tx, rx) = std::sync::mpsc::sync_channel(1);
    handle.spawn(async move {
        let _ = tx.send(f.await);
    });
    rx.recv()
        .map_err(|_| other("the media store's runtime stopped"))?
        .map_err(io_error)
}

impl S3Store {
    /// The store of `url` (`s3://bucket` or `s3://bucket/prefix`), configured from the
    /// environment's `AWS_*` variables.
    pub fn from_url(url: &str) -> io::Result<Self> {
        let rest = url.strip_prefix("s3://").ok_or_else(|| {
            io::Error::new(io::ErrorKind::InvalidInput, "the URL must start with s3://")
        })?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "the URL names no bucket",
            ));
        }
        let store = object_store::aws::AmazonS3Builder::from_env()
            .with_bucket_name(bucket)
            .build()
            .map_err(other)?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("media-store")
            .enable_all()
            .build()?;
        Ok(Self {
            store: Arc::new(store),
            prefix: prefix.trim_matches('/').to_owned(),
            runtime: Some(runtime),
            url: url.to_owned(),
        })
    }

    fn path(&self, key: &str) -> Path {
        if self.prefix.is_empty() {
            Path::from(key)
        } else {
            Path::from(format!("{}/{key}", self.prefix))
        }
    }

    /// Runs `f` on the store's runtime and waits for it (see [`run_on`]).
    fn run<T: Send + 'static>(
        &self,
        f: impl Future<Output = object_store::Result<T>> + Send + 'static,
    ) -> io::Result<T> {
        run_on(&self.handle()?, f)
    }

    fn handle(&self) -> io::Result<tokio::runtime::Handle> {
        self.runtime
            .as_ref()
            .map(|r| r.handle().clone())
            .ok_or_else(|| other("the media store is closed"))
    }

    /// Checks that the bucket answers (a listing of one key), so a wrong URL or credentials
    /// stop the start-up rather than the first upload.
    pub fn check(&self) -> io::Result<()> {
        let store = self.store.clone();
        let prefix = self.path("originals");
        self.run(async move { store.list_with_delimiter(Some(&prefix)).await.map(|_| ()) })
    }
}

impl MediaStore for S3Store {
    fn put(&self, key: &str, bytes: &[u8]) -> io::Result<()> {
        let (store, path) = (self.store.clone(), self.path(key));
        let payload = PutPayload::from(bytes.to_vec());
        // One PUT is atomic: readers see the whole object or none.
        self.run(async move { store.put(&path, payload).await.map(|_| ()) })
    }

    fn exists(&self, key: &str) -> io::Result<bool> {
        let (store, path) = (self.store.clone(), self.path(key));
        match self.run(async move { store.head(&path).await }) {
            Ok(_) => Ok(true),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(e),
        }
    }

    fn open(&self, key: &str) -> io::Result<(u64, Box<dyn ReadSeek>)> {
        let (store, path) = (self.store.clone(), self.path(key));
        let meta = self.run({
            let path = path.clone();
            async move { store.head(&path).await }
        })?;
        let reader = RangeReader {
            store: self.store.clone(),
            handle: self.handle()?,
            path,
            len: meta.size,
            pos: 0,
            chunk: Vec::new(),
            chunk_start: 0,
        };
        Ok((meta.size, Box::new(reader)))
    }

    fn delete(&self, key: &str) -> io::Result<()> {
        let (store, path) = (self.store.clone(), self.path(key));
        match self.run(async move { store.delete(&path).await }) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }

    fn keys_under(&self, folder: &str) -> io::Result<Vec<String>> {
        use futures_util::TryStreamExt;
        let store = self.store.clone();
        let under = [self.prefix.as_str(), folder]
            .into_iter()
            .filter(|part| !part.is_empty())
            .collect::<Vec<_>>()
            .join("/");
        let prefix = (!under.is_empty()).then(|| Path::from(under.as_str()));
        let listed = self.run(async move {
            store
                .list(prefix.as_ref())
                .map_ok(|meta| meta.location.to_string())
                .try_collect::<Vec<String>>()
                .await
        })?;
        let strip = if self.prefix.is_empty() {
            String::new()
        } else {
            format!("{}/", self.prefix)
        };
        let mut keys: Vec<String> = listed
            .into_iter()
            .filter_map(|k| k.strip_prefix(&strip).map(str::to_owned))
            .collect();
        keys.sort();
        Ok(keys)
    }
}

/// Reads an object from where it is asked to, one ranged `GET` of up to [`CHUNK`] bytes at a
/// time.
struct RangeReader {
    store: Arc<dyn ObjectStore>,
    handle: tokio::runtime::Handle,
    path: Path,
    len: u64,
    pos: u64,
    chunk: Vec<u8>,
    chunk_start: u64,
}

impl RangeReader {
    fn fetch(&mut self) -> io::Result<()> {
        let end = (self.pos + CHUNK).min(self.len);
        let (store, path, range) = (self.store.clone(), self.path.clone(), self.pos..end);
        let bytes = run_on(
            &self.handle,
            async move { store.get_range(&path, range).await },
        )?;
        self.chunk = bytes.to_vec();
        self.chunk_start = self.pos;
        Ok(())
    }
}

impl Read for RangeReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.pos >= self.len || buf.is_empty() {
            return Ok(0);
        }
        let in_chunk =
            self.pos >= self.chunk_start && self.pos < self.chunk_start + self.chunk.len() as u64;
        if !in_chunk {
            self.fetch()?;
        }
        let offset = usize::try_from(self.pos - self.chunk_start).map_err(other)?;
        let available = self.chunk.get(offset..).unwrap_or_default();
        if available.is_empty() {
            // The object is shorter than its metadata said: it changed under us.
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        let n = available.len().min(buf.len());
        buf[..n].copy_from_slice(&available[..n]);
        self.pos += n as u64;
        Ok(n)
    }
}

impl Seek for RangeReader {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        let target = match to {
            SeekFrom::Start(n) => Some(n),
            SeekFrom::End(d) => self.len.checked_add_signed(d),
            SeekFrom::Current(d) => self.pos.checked_add_signed(d),
        };
        self.pos = target
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "seek before the start"))?;
        Ok(self.pos)
    }
}
