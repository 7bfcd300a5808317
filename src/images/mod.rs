//! Images: uploads checked by their bytes and stripped of location and camera metadata,
//! stored once per content, served with long-lived caching, `Range` and resized renditions.

pub mod dto;
pub mod format;
pub mod handlers;
pub mod models;
pub mod process;
pub mod queries;
pub mod s3;
pub mod serve;
pub mod service;
pub mod storage;
pub mod strip;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

pub use handlers::configure;
use tokio::sync::{Semaphore, SemaphorePermit};

use crate::error::AppError;
use format::Format;
use storage::MediaStore;

/// The media store, and a lock per stored file being worked on, so that concurrent first
/// requests for a rendition make it once and a delete never races a rendition.
pub struct Media {
    store: Box<dyn MediaStore>,
    busy: Mutex<HashMap<String, Arc<Mutex<()>>>>,
    renditions_made: AtomicU64,
    /// What decoding may take at once, in MiB ([`DECODE_BUDGET_MIB`]): a picture reserves
    /// what it can take decoded before it is decoded, so a 40-megapixel one decodes alone
    /// and small ones share.
    decoding: Semaphore,
    /// Requests waiting for a decode permit.
    waiting: AtomicUsize,
}

/// The memory all decodes in progress may take together, in MiB: one picture of the largest
/// decoded size ([`process::MAX_DECODED_BYTES`], 160 MiB) and room for small ones beside it.
pub(crate) const DECODE_BUDGET_MIB: u32 = 192;

/// How many requests may wait for a decode permit before more are turned away (`503`).
const MAX_WAITING: usize = 32;

/// The key of an original file.
pub fn original_key(sha256: &str, format: Format) -> String {
    let shard = sha256.get(..2).unwrap_or("00");
    format!("originals/{shard}/{sha256}.{}", format.extension())
}

/// The folder of an original's renditions, and the start of each one's key.
fn renditions_of(sha256: &str) -> (String, String) {
    let shard = sha256.get(..2).unwrap_or("00");
    let folder = format!("renditions/{shard}");
    let stem = format!("{folder}/{sha256}-w");
    (folder, stem)
}

/// The key of a rendition `width` pixels wide.
pub fn rendition_key(sha256: &str, format: Format, width: u32) -> String {
    let (_, stem) = renditions_of(sha256);
    format!("{stem}{width}.{}", format.rendition().extension())
}

fn io(err: std::io::Error) -> AppError {
    if err.kind() == std::io::ErrorKind::NotFound {
        // The image was deleted while this request was on its way.
        AppError::NotFound("This image no longer exists.".into())
    } else {
        AppError::internal(format!("media store: {err}"))
    }
}

impl Media {
    pub fn new(store: Box<dyn MediaStore>) -> Self {
        Self {
            store,
            busy: Mutex::new(HashMap::new()),
            renditions_made: AtomicU64::new(0),
            decoding: Semaphore::new(DECODE_BUDGET_MIB as usize),
            waiting: AtomicUsize::new(0),
        }
    }

    /// A permit to decode a picture that may take `bytes` decoded (see
    /// [`process::decode_reservation`]), waited for without holding a thread; `503` when too
    /// many requests already wait. Hold it while the blocking work runs.
    pub async fn decode_permit(&self, bytes: u64) -> Result<SemaphorePermit<'_>, AppError> {
        let mib = u32::try_from(bytes.div_ceil(1024 * 1024))
            .unwrap_or(u32::MAX)
            .clamp(1, DECODE_BUDGET_MIB);
        if self.waiting.fetch_add(1, Ordering::AcqRel) >= MAX_WAITING {
            self.waiting.fetch_sub(1, Ordering::AcqRel);
            return Err(AppError::Unavailable(
                "Too many pictures are being processed; retry shortly.".into(),
            ));
        }
        let permit = self.decoding.acquire_many(mib).await;
        self.waiting.fetch_sub(1, Ordering::AcqRel);
        permit.map_err(|_| AppError::internal("the decode semaphore was closed"))
    }

    pub fn store(&self) -> &dyn MediaStore {
        self.store.as_ref()
    }

    /// Opens a stored file; a missing one is a `404` (deleted meanwhile).
    pub fn open(&self, key: &str) -> Result<(u64, Box<dyn storage::ReadSeek>), AppError> {
        self.store.open(key).map_err(io)
    }

    /// How many renditions this process has made (a rendition is made once, then kept).
    pub fn renditions_made(&self) -> u64 {
        self.renditions_made.load(Ordering::Relaxed)
    }

    /// Runs `f` holding the lock of the stored file `sha256`: one rendition is made once,
    /// however many requests ask for it at the same moment.
    fn with_file_lock<T>(&self, sha256: &str, f: impl FnOnce() -> T) -> T {
        let lock = {
            let mut busy = self.busy.lock().unwrap_or_else(|p| p.into_inner());
            busy.entry(sha256.to_owned()).or_default().clone()
        };
        let out = {
            let _guard = lock.lock().unwrap_or_else(|p| p.into_inner());
            f()
        };
        let mut busy = self.busy.lock().unwrap_or_else(|p| p.into_inner());
        // Forget the lock once nobody else holds a handle to it.
        if busy.get(sha256).is_some_and(|l| Arc::strong_count(l) <= 2) {
            busy.remove(sha256);
        }
        out
    }

    /// Makes sure the rendition of `sha256` at `width` is stored, making it if need be.
    /// Blocking: call from a blocking thread.
    pub fn ensure_rendition(
        &self,
        sha256: &str,
        format: Format,
        width: u32,
    ) -> Result<String, AppError> {
        let key = rendition_key(sha256, format, width);
        if self.store.exists(&key).map_err(io)? {
            return Ok(key);
        }
        self.with_file_lock(sha256, || {
            // Whoever held the lock before us may have made it.
            if self.store.exists(&key).map_err(io)? {
                return Ok(key.clone());
            }
            let original_key = original_key(sha256, format);
            let original = self.store.read(&original_key).map_err(io)?;
            let bytes = process::rendition(&original, format, width)?;
            self.store.put(&key, &bytes).map_err(io)?;
            // A delete may have removed the original while this was made: leave nothing behind.
            if !self.store.exists(&original_key).map_err(io)? {
                self.store.delete(&key).map_err(io)?;
                return Err(io(std::io::ErrorKind::NotFound.into()));
            }
            self.renditions_made.fetch_add(1, Ordering::Relaxed);
            tracing::info!(key = %key, "made a rendition");
            Ok(key.clone())
        })
    }

    /// Removes an original and every rendition of it, whatever widths they were made at
    /// (the configured widths may have changed since). It does not wait for a rendition being
    /// made (that notices the original is gone and removes its own output).
    pub fn remove_all(&self, sha256: &str, format: Format) -> Result<(), AppError> {
        self.store
            .delete(&original_key(sha256, format))
            .map_err(io)?;
        let (folder, stem) = renditions_of(sha256);
        for key in self.store.keys_under(&folder).map_err(io)? {
            if key.starts_with(&stem) {
                self.store.delete(&key).map_err(io)?;
            }
        }
        Ok(())
    }
}
