//! The background indexer: one thread that keeps the index in step with the database.
//!
//! Each round it applies the article changes logged in `search_changes` after the last one
//! the index committed: re-reads those articles, replaces (or deletes) their documents,
//! commits with the last applied change as the commit's payload, makes the commit visible to
//! searches, runs the commit callback, then clears the applied log rows. A crash anywhere
//! only repeats work: replacing a document twice is harmless.
//!
//! When the index is missing, unreadable, of an older format, ahead of the database, or so
//! far behind that replaying the log would take longer than starting over, the round
//! rebuilds it from the whole `articles` table instead, a batch of rows at a time.

use std::collections::BTreeSet;
use std::future::Future;
use std::path::Path;
use std::pin::Pin;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Weak};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use tantivy::indexer::{IndexWriterOptions, LogMergePolicy, NoMergePolicy};
use tantivy::{FutureResult, Index, IndexReader, IndexWriter, ReloadPolicy, SegmentMeta, Term};

use super::schema::{self, Fields};
use super::{Live, SearchError, Shared, source};
use crate::db::DbPool;

/// How often the indexer looks at the change log when nobody wakes it.
const TICK: Duration = Duration::from_secs(1);
/// Changes applied per index commit.
const BATCH: i64 = 1000;
/// Rows read per query during a rebuild.
const REBUILD_BATCH: i64 = 1000;
/// A backlog of more changes than this is rebuilt rather than replayed.
pub(super) const REBUILD_BACKLOG: i64 = 100_000;
/// The least time between two rounds that commit. A commit makes a segment and syncs it, and
/// every segment costs searches and merges: under a stream of writes, the changes that arrive
/// meanwhile go into the next commit together. After a quiet spell a change is applied at
/// once.
const COMMIT_GAP: Duration = Duration::from_secs(1);
/// Rounds without changes after which the writer is closed.
const IDLE_ROUNDS: u32 = 30;
/// The smallest layer of the incremental writer's merges, in documents. tantivy's default
/// (10,000) puts every segment below it in one layer, so under a stream of writes each new
/// batch of 8 commits was merged again with everything below 10,000 documents, the whole
/// index of a small archive included: 27% of the server's CPU in a 90/10 read/write mix on
/// 10k articles. With a small bottom layer, a document is merged about once per layer.
const MIN_MERGE_LAYER: u32 = 500;

/// What the commit payload says, before the last applied change. Bump the version whenever
/// the schema or the analyzers change: an index of another version is rebuilt.
const PAYLOAD_PREFIX: &str = "dateline-search/1 seq=";

/// The writer's resources for applying changes: one thread, tantivy's smallest arena.
pub(super) const INCREMENTAL: Resources = Resources {
    threads: 1,
    arena_bytes_per_thread: 15_000_000,
    merge_threads: 1,
};
/// ... and for a rebuild, which is indexing-bound: both cores and larger segments.
const REBUILD: Resources = Resources {
    threads: 2,
    arena_bytes_per_thread: 64_000_000,
    merge_threads: 1,
};

/// An index writer's threads and memory.
#[derive(Debug, Clone, Copy)]
pub struct Resources {
    pub threads: usize,
    pub arena_bytes_per_thread: usize,
    pub merge_threads: usize,
}

/// Starts the indexer thread for `shared` unless it runs already.
pub(super) fn start(shared: &Arc<Shared>) -> Result<(), SearchError> {
    if shared.indexer.get().is_some() {
        return Ok(());
    }
    let weak = Arc::downgrade(shared);
    let handle = std::thread::Builder::new()
        .name("search-indexer".into())
        .spawn(move || run(weak))?;
    if shared.indexer.set(handle.thread().clone()).is_err() {
        // Another caller started one at the same moment; this one stops at its first look.
        handle.thread().unpark();
    }
    Ok(())
}

/// The thread's loop: a round, then sleep until woken or a tick passed. It holds the index
/// only while working, so dropping the last [`super::SearchIndex`] stops it.
fn run(weak: Weak<Shared>) {
    let mut worker = Worker::default();
    let mut failures: u32 = 0;
    loop {
        let Some(shared) = weak.upgrade() else { break };
        match shared.indexer.get() {
            // `start` records this thread just after spawning it.
            None => {
                drop(shared);
                std::thread::park_timeout(Duration::from_millis(10));
                continue;
            }
            // Another thread won the start: this one has nothing to do.
            Some(t) if t.id() != std::thread::current().id() => break,
            Some(_) => {}
        }
        let mut committed = false;
        match worker.round(&shared) {
            Ok(c) => {
                failures = 0;
                committed = c;
            }
            Err(e) => {
                failures = failures.saturating_add(1);
                // Start the next attempt from a fresh writer; a writer that failed may hold
                // half a batch.
                worker.writer = None;
                worker.merging = None;
                if failures == 1 || failures.is_power_of_two() {
                    tracing::error!(error = %e, failures, "search indexer failed; retrying");
                }
            }
        }
        drop(shared);
        if committed {
            // Wake-ups during the gap are not lost: the next round sees their changes.
            std::thread::sleep(COMMIT_GAP);
        } else {
            // Back off up to half a minute while failing.
            std::thread::park_timeout(TICK * failures.clamp(1, 30));
        }
    }
}

/// The indexer thread's own state.
#[derive(Default)]
struct Worker {
    /// Kept between busy rounds (opening a writer starts threads), closed when idle: its
    /// arena is some 17 MB of resident memory.
    writer: Option<IndexWriter>,
    /// Whether the index on disk was looked at (once, in the first round).
    looked: bool,
    /// The merge started after a rebuild, until it is done (it needs the writer).
    merging: Option<Pin<Box<FutureResult<Option<SegmentMeta>>>>>,
    /// Rounds in a row without a change to apply.
    idle_rounds: u32,
}

impl Worker {
    /// Answers whether it committed changes.
    fn round(&mut self, shared: &Shared) -> Result<bool, SearchError> {
        if !self.looked {
            self.looked = true;
            open_on_disk(shared);
        }
        let mut conn = shared.pool.get()?;
        let latest = source::last_change(&mut conn)?;
        let committed = shared.lock_progress().committed;
        let ready = shared.ready.load(Ordering::Acquire);
        if !ready || latest - committed > REBUILD_BACKLOG {
            self.writer = None;
            drop(conn);
            rebuild(shared, REBUILD)?;
            self.merge_everything(shared)?;
            return Ok(true);
        }
        let live = shared.live().ok_or(SearchError::Building)?;
        // Cheap when nothing changed; shows searches what a background merge finished.
        live.reader.reload()?;
        if latest == committed {
            self.idle();
            return Ok(false);
        }
        self.idle_rounds = 0;
        let writer = self.writer(&live)?;
        while catch_up(shared, &live.reader, writer, &mut conn)? {}
        Ok(true)
    }

    /// The incremental writer, opened on first use.
    fn writer(&mut self, live: &Live) -> Result<&mut IndexWriter, SearchError> {
        match &mut self.writer {
            Some(writer) => Ok(writer),
            slot => {
                let writer = writer(&live.index, INCREMENTAL)?;
                let mut policy = LogMergePolicy::default();
                policy.set_min_layer_size(MIN_MERGE_LAYER);
                writer.set_merge_policy(Box::new(policy));
                Ok(slot.insert(writer))
            }
        }
    }

    /// Starts merging every segment into one, in the background: a rebuild leaves one
    /// segment per arena (about 10,000 articles each), and a search pays per segment (a common
    /// word ranks in 15 ms over 100 segments, 1 ms over one). Searches go on meanwhile, and
    /// see the merged segment at the first round after it is done.
    fn merge_everything(&mut self, shared: &Shared) -> Result<(), SearchError> {
        let live = shared.live().ok_or(SearchError::Building)?;
        let segments = live.index.searchable_segment_ids()?;
        if segments.len() > 1 {
            tracing::info!(segments = segments.len(), "merging the search index");
            // The merge runs on the writer's merge thread; `idle` looks at its outcome.
            let merge = self.writer(&live)?.merge(&segments);
            self.merging = Some(Box::pin(merge));
        }
        Ok(())
    }

    /// A round without changes: notes a finished merge, and closes the writer once it has
    /// been idle for a while with no merge running.
    fn idle(&mut self) {
        self.idle_rounds = self.idle_rounds.saturating_add(1);
        if let Some(merge) = self.merging.as_mut() {
            let mut cx = Context::from_waker(Waker::noop());
            if let Poll::Ready(outcome) = merge.as_mut().poll(&mut cx) {
                match outcome {
                    Ok(_) => tracing::info!("search index merged"),
                    Err(e) => tracing::warn!(error = %e, "merging the search index failed"),
                }
                self.merging = None;
            }
        }
        if self.idle_rounds >= IDLE_ROUNDS && self.merging.is_none() {
            self.writer = None;
        }
    }
}

/// Applies one batch of logged changes; answers whether there was any.
fn catch_up(
    shared: &Shared,
    reader: &IndexReader,
    writer: &mut IndexWriter,
    conn: &mut crate::db::Conn,
) -> Result<bool, SearchError> {
    let from = shared.lock_progress().committed;
    let changes = source::changes_after(conn, from, BATCH)?;
    let Some(last) = changes.last().map(|c| c.seq) else {
        return Ok(false);
    };
    let ids: Vec<i64> = changes
        .iter()
        .map(|c| c.article_id)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let articles = source::articles_by_id(conn, &ids)?;
    for &id in &ids {
        writer.delete_term(Term::from_field_i64(shared.fields.id, id));
    }
    for article in &articles {
        writer.add_document(shared.fields.document(article))?;
    }
    commit(writer, last)?;
    reader.reload()?;
    shared.advance(last);
    if let Err(e) = source::forget_changes_through(conn, last) {
        // Harmless: the rows are skipped (they are at or below the committed change) and
        // cleared after the next commit.
        tracing::warn!(error = %e, "cannot clear applied search changes");
    }
    Ok(true)
}

/// Commits what `writer` holds, recording `seq` as the last change applied.
pub(super) fn commit(writer: &mut IndexWriter, seq: i64) -> Result<(), SearchError> {
    let mut prepared = writer.prepare_commit()?;
    prepared.set_payload(&format!("{PAYLOAD_PREFIX}{seq}"));
    prepared.commit()?;
    Ok(())
}

/// The last applied change a commit payload names, if it is of this version.
fn committed_seq(payload: Option<&str>) -> Option<i64> {
    payload?.strip_prefix(PAYLOAD_PREFIX)?.parse().ok()
}

pub(super) fn writer(index: &Index, resources: Resources) -> Result<IndexWriter, SearchError> {
    let options = IndexWriterOptions::builder()
        .num_worker_threads(resources.threads)
        .memory_budget_per_thread(resources.arena_bytes_per_thread)
        .num_merge_threads(resources.merge_threads)
        .build();
    Ok(index.writer_with_options(options)?)
}

fn reader(index: &Index) -> Result<IndexReader, SearchError> {
    // Reloaded by the indexer after each commit, so a search sees a commit exactly when the
    // commit callback has run.
    Ok(index
        .reader_builder()
        .reload_policy(ReloadPolicy::Manual)
        .try_into()?)
}

/// Opens the index on disk, if it is usable, and makes it searchable.
fn open_on_disk(shared: &Shared) {
    let started = Instant::now();
    match open_existing(&shared.dir, &shared.fields, &shared.pool) {
        Ok(Some((live, seq))) => {
            shared.set_live(Some(live));
            shared.ready.store(true, Ordering::Release);
            shared.advance(seq);
            tracing::info!(
                ms = started.elapsed().as_millis() as u64,
                "search index opened"
            );
        }
        Ok(None) => {}
        Err(e) => {
            tracing::warn!(error = %e, dir = %shared.dir.display(), "search index unusable; it will be rebuilt");
        }
    }
}

/// Opens the index in `dir` if it is there, readable, of this version and not ahead of the
/// database; answers it with the last change it holds. `None` (or an error) means "rebuild".
fn open_existing(
    dir: &Path,
    fields: &Fields,
    pool: &DbPool,
) -> Result<Option<(Live, i64)>, SearchError> {
    if !dir.join("meta.json").exists() {
        return Ok(None);
    }
    let index = Index::open_in_dir(dir)?;
    if index.schema() != fields.schema {
        return Ok(None);
    }
    let Some(seq) = committed_seq(index.load_metas()?.payload.as_deref()) else {
        return Ok(None);
    };
    // An index that holds changes the database never logged belongs to another database
    // (one restored from a backup, say).
    let latest = source::last_change(&mut *pool.get()?)?;
    if seq > latest {
        tracing::warn!(
            index = seq,
            database = latest,
            "search index is ahead of the database"
        );
        return Ok(None);
    }
    schema::register(&index);
    let reader = reader(&index)?;
    Ok(Some((Live { index, reader }, seq)))
}

/// Builds the index anew from every article; answers how many it indexed.
///
/// Searches answer "building" until it is done. Changes committed while it runs are logged
/// after `base` and applied by the next rounds (an article read here may be applied again).
pub fn rebuild(shared: &Shared, resources: Resources) -> Result<u64, SearchError> {
    let started = Instant::now();
    shared.ready.store(false, Ordering::Release);
    shared.set_live(None);
    shared.rebuilds.fetch_add(1, Ordering::Relaxed);
    tracing::info!(dir = %shared.dir.display(), "building the search index from the database");
    clear(&shared.dir)?;
    let index = Index::create_in_dir(&shared.dir, shared.fields.schema.clone())?;
    schema::register(&index);
    let mut writer = writer(&index, resources)?;
    // One segment per thread arena, merged once at the end (see `merge_everything`): merging
    // while writing would redo most of the work.
    writer.set_merge_policy(Box::new(NoMergePolicy));
    let mut conn = shared.pool.get()?;
    let base = source::last_change(&mut conn)?;
    let mut after = 0;
    let mut indexed = 0u64;
    loop {
        let batch = source::articles_after(&mut conn, after, REBUILD_BATCH)?;
        let Some(last) = batch.last() else { break };
        after = last.id;
        for article in &batch {
            writer.add_document(shared.fields.document(article))?;
        }
        indexed += batch.len() as u64;
    }
    commit(&mut writer, base)?;
    writer.wait_merging_threads()?;
    let reader = reader(&index)?;
    shared.set_live(Some(Live { index, reader }));
    shared.ready.store(true, Ordering::Release);
    shared.advance(base);
    if let Err(e) = source::forget_changes_through(&mut conn, base) {
        tracing::warn!(error = %e, "cannot clear applied search changes");
    }
    tracing::info!(
        articles = indexed,
        seconds = started.elapsed().as_secs_f64(),
        "search index built"
    );
    Ok(indexed)
}

/// [`rebuild`], then every segment merged into one, waiting for the merge.
pub(super) fn build_now(shared: &Shared) -> Result<u64, SearchError> {
    let indexed = rebuild(shared, REBUILD)?;
    let live = shared.live().ok_or(SearchError::Building)?;
    let segments = live.index.searchable_segment_ids()?;
    if segments.len() > 1 {
        let mut writer = writer(&live.index, REBUILD)?;
        writer.merge(&segments).wait()?;
        writer.wait_merging_threads()?;
    }
    Ok(indexed)
}

/// Removes the index files from `dir` (creating it if need be), and nothing else: the folder
/// may be shared, and a mistyped `DATELINE_SEARCH_DIR` must never cost other files.
fn clear(dir: &Path) -> Result<(), SearchError> {
    std::fs::create_dir_all(dir)?;
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        if is_index_file(&name.to_string_lossy()) && entry.file_type()?.is_file() {
            std::fs::remove_file(entry.path())?;
        }
    }
    Ok(())
}

/// Whether tantivy wrote a file of this name: its metadata and locks, or a segment file
/// (32 hex digits, then an extension).
fn is_index_file(name: &str) -> bool {
    const FIXED: [&str; 4] = [
        "meta.json",
        ".managed.json",
        ".tantivy-meta.lock",
        ".tantivy-writer.lock",
    ];
    let segment = name.len() > 33
        && name.as_bytes()[32] == b'.'
        && name[..32].bytes().all(|b| b.is_ascii_hexdigit());
    FIXED.contains(&name) || segment
}

impl Shared {
    /// The open index, if any.
    pub(super) fn live(&self) -> Option<Live> {
        self.live
            .read()
            .map(|l| l.clone())
            .unwrap_or_else(|p| p.into_inner().clone())
    }

    fn set_live(&self, live: Option<Live>) {
        match self.live.write() {
            Ok(mut slot) => *slot = live,
            Err(poisoned) => *poisoned.into_inner() = live,
        }
    }

    /// Records that the index holds every change up to `seq` and is searchable: wakes the
    /// waiters and runs the commit callback.
    fn advance(&self, seq: i64) {
        self.lock_progress().committed = seq;
        self.advanced.notify_all();
        (self.on_commit)();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_name_their_version_and_change() {
        assert_eq!(committed_seq(Some("dateline-search/1 seq=42")), Some(42));
        assert_eq!(committed_seq(Some("dateline-search/0 seq=42")), None);
        assert_eq!(committed_seq(Some("dateline-search/1 seq=x")), None);
        assert_eq!(committed_seq(None), None);
    }

    #[test]
    fn only_tantivy_files_are_index_files() {
        assert!(is_index_file("meta.json"));
        assert!(is_index_file(".tantivy-writer.lock"));
        assert!(is_index_file("0123456789abcdef0123456789abcdef.idx"));
        assert!(is_index_file("0123456789abcdef0123456789abcdef.12.del"));
        assert!(!is_index_file("dateline.db"));
        assert!(!is_index_file("jwt-secret"));
        assert!(!is_index_file("0123456789abcdef0123456789abcdef"));
        assert!(!is_index_file("0123456789abcdef0123456789abcdeg.idx"));
    }
}
