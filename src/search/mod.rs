//! Full-text search over articles: an embedded tantivy index beside the database.
//!
//! The database stays the truth; the index is derived from it and may be deleted at any time.
//! Triggers log every article change into `search_changes` in the same transaction as the
//! change, and a background thread ([`indexer`]) tails that log into the index about once a
//! second (at once when [`SearchIndex::notify`] is called after a write), committing the last
//! logged change it applied with each index commit. A missing, unreadable or outdated index is
//! rebuilt from the `articles` table in the background; meanwhile searches fail with
//! [`SearchError::Building`] (a `503`), never with a wrong answer.
//!
//! Searches ([`SearchIndex::public`], [`SearchIndex::all_ids`]) answer article ids; the
//! database supplies everything else.

mod collect;
mod indexer;
mod memo;
mod query;
mod schema;
mod source;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering as AtomicOrdering};
use std::sync::{Arc, Condvar, Mutex, OnceLock, RwLock};
use std::time::{Duration, Instant};

use tantivy::collector::Count;
use tantivy::{Index, IndexReader, Searcher};

use crate::db::DbPool;
use crate::error::AppError;
use collect::{AllIds, AllScored, PublicTop};
pub use query::{MAX_PREFIX_EXPANSIONS, TextQuery};
use schema::Fields;

/// The order of public hits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Order {
    /// Best match first (BM25; a word in the title weighs most), then newest.
    Relevance,
    /// `visible_at` descending, then id descending.
    Newest,
}

/// One matching article.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hit {
    pub id: i64,
    /// Its relevance (0 in [`Order::Newest`]).
    pub score: f32,
    /// Unix seconds from which it is public.
    pub visible_at: i64,
}

/// A window of hits and, when asked for, the number of all of them.
#[derive(Debug, Clone, PartialEq)]
pub struct Hits {
    pub hits: Vec<Hit>,
    pub total: Option<u64>,
}

/// Why a search (or keeping the index) failed.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// The index is being opened or built from the database; nothing can be answered yet.
    #[error("the search index is not ready")]
    Building,
    #[error("search index: {0}")]
    Index(#[from] tantivy::TantivyError),
    #[error("search index folder: {0}")]
    Directory(#[from] tantivy::directory::error::OpenDirectoryError),
    #[error("search index folder: {0}")]
    Io(#[from] std::io::Error),
    #[error("search index, reading the database: {0}")]
    Database(#[from] diesel::result::Error),
    #[error("search index, reaching the database: {0}")]
    Pool(#[from] diesel::r2d2::PoolError),
    #[error("search index: {0}")]
    Corrupt(String),
}

/// What `Retry-After` a client gets while the index is being built, in seconds.
pub const RETRY_WHILE_BUILDING_SECS: u64 = 5;

impl From<SearchError> for AppError {
    fn from(err: SearchError) -> Self {
        match err {
            SearchError::Building => AppError::Unavailable(format!(
                "The search index is not ready: it is being opened, or built from the \
                 database. Retry in {RETRY_WHILE_BUILDING_SECS} s."
            )),
            other => {
                tracing::error!(error = %other, "search failed");
                AppError::internal(other)
            }
        }
    }
}

/// The article search index. Cheap to clone; every clone is the same index.
#[derive(Clone)]
pub struct SearchIndex {
    shared: Arc<Shared>,
}

/// A callback run after every index commit (the response cache moves on with it).
pub type OnCommit = Box<dyn Fn() + Send + Sync>;

/// What the request side and the indexer thread share.
struct Shared {
    dir: PathBuf,
    fields: Fields,
    /// The indexer's own connections: its reads never count against the request pool.
    pool: DbPool,
    on_commit: OnCommit,
    /// The open index; `None` until opened or rebuilt.
    live: RwLock<Option<Live>>,
    /// Whether searches may be answered (the index is complete up to `progress.committed`).
    ready: AtomicBool,
    progress: Mutex<Progress>,
    /// Signalled after every commit, for [`SearchIndex::wait_caught_up`].
    advanced: Condvar,
    /// The indexer thread, once started: [`SearchIndex::notify`] unparks it.
    indexer: OnceLock<std::thread::Thread>,
    /// How many times the index was built from scratch.
    rebuilds: AtomicU64,
    /// Whether public searches' answers are kept in `memo` (see [`SearchIndex::remember`]).
    remember: AtomicBool,
    memo: memo::Memo,
}

#[derive(Clone)]
struct Live {
    index: Index,
    reader: IndexReader,
}

#[derive(Debug, Default, Clone, Copy)]
struct Progress {
    /// The last logged change the index holds (its commit payload).
    committed: i64,
}

impl Drop for Shared {
    fn drop(&mut self) {
        // The indexer holds only a weak handle: woken, it finds the index gone and stops,
        // releasing the index writer's lock.
        if let Some(thread) = self.indexer.get() {
            thread.unpark();
        }
    }
}

impl SearchIndex {
    /// The index in `dir`, of the database `pool` reaches; `on_commit` runs after every
    /// index commit. Touches nothing: [`SearchIndex::start`] opens it in the background (or
    /// rebuilds it when it is missing, unreadable, of another format, or ahead of the
    /// database), and until then searches answer [`SearchError::Building`].
    pub fn open(dir: &Path, pool: DbPool, on_commit: OnCommit) -> SearchIndex {
        SearchIndex {
            shared: Arc::new(Shared {
                dir: dir.to_owned(),
                fields: Fields::new(),
                pool,
                on_commit,
                live: RwLock::new(None),
                ready: AtomicBool::new(false),
                progress: Mutex::new(Progress::default()),
                advanced: Condvar::new(),
                indexer: OnceLock::new(),
                rebuilds: AtomicU64::new(0),
                remember: AtomicBool::new(false),
                memo: memo::Memo::default(),
            }),
        }
    }

    /// Starts the background indexer (once; later calls do nothing), which first opens the
    /// index. It stops by itself when the last clone of this index is dropped.
    pub fn start(&self) -> Result<(), SearchError> {
        indexer::start(&self.shared)
    }

    /// Builds the index from the whole database now, in this thread, and merges it into one
    /// segment; answers how many articles it holds. For `dateline seed`, so that a server
    /// started on a freshly seeded archive finds its index ready. Do not call while an
    /// indexer thread ([`SearchIndex::start`]) works on the same folder.
    pub fn build_now(&self) -> Result<u64, SearchError> {
        indexer::build_now(&self.shared)
    }

    /// Keeps the answers of public searches until the index or the moment could change them
    /// (see `memo`), or stops keeping new ones. Off at first: a server without a response
    /// cache shows what every answer costs.
    pub fn remember(&self, on: bool) {
        self.shared.remember.store(on, AtomicOrdering::Release);
    }

    /// Wakes the indexer: call after every committed write. Cheap (no lock, no syscall
    /// unless the indexer sleeps).
    pub fn notify(&self) {
        if let Some(thread) = self.shared.indexer.get() {
            thread.unpark();
        }
    }

    /// Whether searches are answered (false while the index is being built).
    pub fn is_ready(&self) -> bool {
        self.shared.ready.load(AtomicOrdering::Acquire)
    }

    /// Blocks until the index holds every article change committed before this call, or
    /// `timeout` passed; answers whether it caught up.
    pub fn wait_caught_up(&self, timeout: Duration) -> Result<bool, SearchError> {
        let target = {
            let mut conn = self.shared.pool.get()?;
            source::last_change(&mut conn)?
        };
        self.notify();
        let deadline = Instant::now() + timeout;
        let mut progress = self.shared.lock_progress();
        loop {
            if self.is_ready() && progress.committed >= target {
                return Ok(true);
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Ok(false);
            }
            progress = match self.shared.advanced.wait_timeout(progress, left) {
                Ok((guard, _)) => guard,
                Err(poisoned) => poisoned.into_inner().0,
            };
        }
    }

    /// Public hits at `now` (`visible_at <= now`): the window `[offset, offset + limit)` in
    /// `order`, and the exact number of public matches when `count` is true.
    ///
    /// `before`, for [`Order::Newest`] only, is a keyset: only hits strictly after
    /// `(visible_at, id)` in that order. The count ignores it.
    #[allow(clippy::too_many_arguments)]
    pub fn public(
        &self,
        q: &TextQuery,
        now: i64,
        order: Order,
        offset: usize,
        limit: usize,
        count: bool,
        before: Option<(i64, i64)>,
    ) -> Result<Hits, SearchError> {
        let searcher = self.searcher()?;
        let before = before.filter(|_| order == Order::Newest);
        let find = || -> Result<Hits, SearchError> {
            let collector = PublicTop {
                now,
                keep: offset.saturating_add(limit),
                scored: order == Order::Relevance,
                count,
                before,
            };
            let (hits, total) = searcher.search(&*q.to_query(&self.shared.fields), &collector)?;
            Ok(Hits {
                hits: hits.into_iter().skip(offset).collect(),
                total: count.then_some(total),
            })
        };
        if !self.shared.remember.load(AtomicOrdering::Acquire) {
            return find();
        }
        let asked = memo::Asked {
            query: q.clone(),
            order,
            offset,
            limit,
            count,
            before,
        };
        self.shared.memo.answer(&searcher, now, asked, find)
    }

    /// Every matching article id whatever its status, ascending (for staff lists and other
    /// filters, which SQLite then applies), or `None` when more than `cap` match.
    pub fn all_ids(&self, q: &TextQuery, cap: usize) -> Result<Option<Vec<i64>>, SearchError> {
        let searcher = self.searcher()?;
        let query = q.to_query(&self.shared.fields);
        if searcher.search(&*query, &Count)? > cap {
            return Ok(None);
        }
        Ok(Some(searcher.search(&*query, &AllIds)?))
    }

    /// Every matching article id whatever its status, with its relevance score, in no
    /// particular order, or `None` when more than `cap` match.
    pub fn all_scored(
        &self,
        q: &TextQuery,
        cap: usize,
    ) -> Result<Option<Vec<(i64, f32)>>, SearchError> {
        let searcher = self.searcher()?;
        let query = q.to_query(&self.shared.fields);
        if searcher.search(&*query, &Count)? > cap {
            return Ok(None);
        }
        Ok(Some(searcher.search(&*query, &AllScored)?))
    }

    /// The index as of its last commit, once it is ready.
    fn searcher(&self) -> Result<Searcher, SearchError> {
        if !self.is_ready() {
            return Err(SearchError::Building);
        }
        let live = self
            .shared
            .live
            .read()
            .map_err(|_| SearchError::Corrupt("the index lock was poisoned".into()))?;
        live.as_ref()
            .map(|l| l.reader.searcher())
            .ok_or(SearchError::Building)
    }
}

impl Shared {
    fn lock_progress(&self) -> std::sync::MutexGuard<'_, Progress> {
        // A panic elsewhere cannot leave a plain number half-written.
        self.progress.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod bench;
#[cfg(test)]
mod tests;
