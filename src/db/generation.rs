//! The content generation: a number that moves on whenever what the public API shows may have
//! changed, so that anything derived from the database (the response cache) knows when it is
//! stale without asking the database.
//!
//! Two things change what readers see: a committed write (`db::write` moves the number on after
//! every commit), and the clock, when a scheduled article falls due. For the clock the
//! generation keeps the next moment an article falls due; from that moment until
//! [`crate::db::Db::refresh_generation`] has moved the number on, [`Generation::current`] answers `None`,
//! "unknown", so nothing is served from or stored in a cache in between.
//!
//! The number lives in this process. Several processes sharing one PostgreSQL database each
//! keep their own and learn of the others' writes from the database: every write batch moves
//! `content_generation` on in its transaction and announces the new value with `NOTIFY`. Each
//! node listens on a connection of its own (`postgres::listen`); while that listener is not
//! sound, the node reads the row before it answers from its cache
//! (`Db::sync_shared_generation`).

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

use chrono::NaiveDateTime;
use diesel::dsl::min;
use diesel::prelude::*;

use crate::db::Conn;
use crate::db::schema::articles;

/// No article waits to fall due.
const NEVER: i64 = i64::MAX;

/// See the module documentation.
#[derive(Debug)]
pub struct Generation {
    value: AtomicU64,
    /// Unix seconds of the next scheduled article to fall due, or [`NEVER`].
    next_due: AtomicI64,
    /// The shared generation last seen in PostgreSQL (see `Db::sync_shared_generation`).
    shared: AtomicI64,
}

impl Default for Generation {
    fn default() -> Self {
        Self {
            value: AtomicU64::new(1),
            // Unknown until the first refresh: treat as due now.
            next_due: AtomicI64::new(i64::MIN),
            shared: AtomicI64::new(i64::MIN),
        }
    }
}

impl Generation {
    /// The generation at `now` (unix seconds), or `None` while a scheduled article has fallen
    /// due and the number has not moved on yet.
    pub fn current(&self, now: i64) -> Option<u64> {
        // `next_due` first: a refresh between the two loads then yields the new value with
        // the old moment (the cache stands aside once more), never the old value with the
        // new moment (an answer from before an article fell due).
        let next_due = self.next_due.load(Ordering::Acquire);
        let value = self.value.load(Ordering::Acquire);
        (now < next_due).then_some(value)
    }

    /// Moves the generation on after a write committed, and learns when the next scheduled
    /// article falls due (the write may have scheduled one).
    pub fn changed(&self, conn: &mut Conn, now: NaiveDateTime) -> QueryResult<()> {
        let next = next_due(conn, now)?;
        self.value.fetch_add(1, Ordering::AcqRel);
        self.next_due.store(next, Ordering::Release);
        Ok(())
    }

    /// Notes the shared generation `value` read from PostgreSQL; whether it is newer than any
    /// this node saw (then the caller moves this generation on).
    pub fn seen_shared(&self, value: i64) -> bool {
        self.shared.fetch_max(value, Ordering::AcqRel) < value
    }

    /// Moves the generation on: something derived from the database changed (the search
    /// index committed).
    pub fn bump(&self) {
        self.value.fetch_add(1, Ordering::AcqRel);
    }

    /// Whether the clock has passed the next due moment (then [`crate::db::Db::refresh_generation`]).
    pub fn is_due(&self, now: i64) -> bool {
        now >= self.next_due.load(Ordering::Acquire)
    }
}

/// Unix seconds of the first moment after `now` at which a scheduled article becomes public
/// (a seek at the end of the visibility index), or [`NEVER`].
fn next_due(conn: &mut Conn, now: NaiveDateTime) -> QueryResult<i64> {
    let next: Option<NaiveDateTime> = articles::table
        .filter(articles::visible_at.gt(now))
        .select(min(articles::visible_at))
        .first(conn)?;
    Ok(next.map_or(NEVER, |t| t.and_utc().timestamp()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_until_refreshed_then_due_at_the_next_moment() {
        let g = Generation::default();
        assert_eq!(g.current(0), None);
        g.value.store(5, Ordering::Release);
        g.next_due.store(100, Ordering::Release);
        assert_eq!(g.current(99), Some(5));
        assert_eq!(g.current(100), None);
        assert!(g.is_due(100));
        assert!(!g.is_due(99));
    }
}
