//! Recent answers of [`super::SearchIndex::public`], kept while they cannot change.
//!
//! A public search's hits depend on two things only: the documents of the searcher (which
//! changes when the indexer commits, about once a second under writes) and the moment of the
//! search, through which documents are public then. Between two index commits, and between
//! two moments at which an indexed article falls due, the same search finds the same hits,
//! however many writes the database took meanwhile. The response cache, which any write
//! empties, then re-makes a search answer by loading its rows from the database without
//! running the engine again: for a word in a tenth of a million articles, that is the
//! difference between ranking 90,000 matches and loading 20 rows.
//!
//! The memo forgets everything when the searcher changes, and keys each answer by its
//! *epoch*: how many of the searcher's not-yet-public documents had fallen due at the
//! moment of the search.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use tantivy::columnar::ColumnValues;
use tantivy::index::SegmentId;
use tantivy::{Opstamp, Searcher};

use super::schema::NEVER;
use super::{Hits, Order, TextQuery};

/// The most answers kept; the memo empties when it is full.
const MAX_ANSWERS: usize = 512;

/// A search, as [`super::SearchIndex::public`] takes it, but for its moment.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) struct Asked {
    pub query: TextQuery,
    pub order: Order,
    pub offset: usize,
    pub limit: usize,
    pub count: bool,
    pub before: Option<(i64, i64)>,
}

/// What a searcher holds: its segments and the deletes applied to each.
type Identity = Vec<(SegmentId, Option<Opstamp>)>;

/// See the module documentation.
#[derive(Default)]
pub(super) struct Memo {
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// The searcher the answers were found with.
    searcher: Identity,
    /// The moment the searcher was first seen here (unix seconds): every document public by
    /// then stays public.
    since: i64,
    /// When each of the searcher's documents that were not public at `since` falls due,
    /// ascending; `None` when it could not be read (nothing is kept then).
    due: Option<Vec<i64>>,
    answers: HashMap<(Asked, usize), Hits>,
    /// How many times the state was started over: an answer found before a reset is not
    /// kept after it (its epoch was counted on the state before).
    resets: u64,
}

impl Memo {
    fn lock(&self) -> MutexGuard<'_, State> {
        // Answers are inserted whole: a panic elsewhere cannot leave one half-written.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The answer to `asked` on `searcher` at `now`, if one was kept; otherwise `find`'s
    /// answer, kept. `now` earlier than the first search on this searcher is not kept.
    pub fn answer<E>(
        &self,
        searcher: &Searcher,
        now: i64,
        asked: Asked,
        find: impl FnOnce() -> Result<Hits, E>,
    ) -> Result<Hits, E> {
        let key = {
            let mut state = self.lock();
            let identity = identity(searcher);
            if state.searcher != identity {
                *state = State {
                    due: falling_due(searcher, now),
                    searcher: identity,
                    since: now,
                    answers: HashMap::new(),
                    resets: state.resets.wrapping_add(1),
                };
            }
            match &state.due {
                Some(due) if now >= state.since => {
                    let key = (asked, due.partition_point(|&t| t <= now));
                    if let Some(hits) = state.answers.get(&key) {
                        return Ok(hits.clone());
                    }
                    Some((key, state.resets))
                }
                _ => None,
            }
        };
        let hits = find()?;
        if let Some((key, resets)) = key {
            let mut state = self.lock();
            // Kept only if the state the epoch was counted on is still the one in place.
            if state.resets == resets {
                if state.answers.len() >= MAX_ANSWERS {
                    state.answers.clear();
                }
                state.answers.insert(key, hits.clone());
            }
        }
        Ok(hits)
    }
}

fn identity(searcher: &Searcher) -> Identity {
    searcher
        .segment_readers()
        .iter()
        .map(|r| (r.segment_id(), r.delete_opstamp()))
        .collect()
}

/// When each document of `searcher` that is not public at `now` (but will be) falls due,
/// ascending, or `None` when a segment's times cannot be read. Deleted documents are
/// included: they only split an epoch needlessly.
fn falling_due(searcher: &Searcher, now: i64) -> Option<Vec<i64>> {
    let mut due = Vec::new();
    let mut rows = Vec::new();
    for reader in searcher.segment_readers() {
        let column = reader.fast_fields().i64("visible_at").ok()?;
        let values = column.first_or_default_col(NEVER);
        rows.clear();
        values.get_row_ids_for_value_range(
            now.saturating_add(1)..=NEVER - 1,
            0..reader.max_doc(),
            &mut rows,
        );
        due.extend(rows.iter().map(|&row| values.get_val(row)));
    }
    due.sort_unstable();
    Some(due)
}
