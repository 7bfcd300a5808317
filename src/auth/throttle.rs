//! Counting events in a sliding window: login attempts per account and per client address,
//! and comments per client address. In memory for one node ([`SlidingWindow`]); in
//! PostgreSQL's `throttle_hits` when several nodes share the database ([`Throttle`]), so that
//! the allowance is counted across all of them.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use diesel::Connection;

use crate::error::AppError;

/// At most `limit` events per key within `window`.
#[derive(Debug)]
pub struct SlidingWindow {
    limit: usize,
    window: Duration,
    events: Mutex<HashMap<String, VecDeque<Instant>>>,
}

/// Above this many tracked keys, stale ones are swept on the next write.
const SWEEP_ABOVE: usize = 10_000;

impl SlidingWindow {
    pub fn new(limit: usize, window: Duration) -> Self {
        Self {
            limit,
            window,
            events: Mutex::new(HashMap::new()),
        }
    }

    /// Atomically: when every key is under its allowance, records one event for each and
    /// returns `Ok`; otherwise records nothing and returns the longest wait in seconds. Taking
    /// the slot *before* the slow work (a password check) is what stops a burst of parallel
    /// attempts from all passing the check at once.
    pub fn try_acquire(&self, keys: &[&str]) -> Result<(), u64> {
        let now = Instant::now();
        let mut events = self.lock();
        let mut wait = None;
        for key in keys {
            if let Some(queue) = events.get_mut(*key)
                && let Some(w) = self.prune_and_wait(queue, now)
            {
                wait = wait.max(Some(w));
            }
        }
        if let Some(w) = wait {
            return Err(w);
        }
        for key in keys {
            Self::push(&mut events, key, now, self.limit, self.window);
        }
        Ok(())
    }

    /// Takes back the most recent event of `key` (an attempt that turned out fine).
    pub fn release(&self, key: &str) {
        let mut events = self.lock();
        if let Some(queue) = events.get_mut(key) {
            queue.pop_back();
            if queue.is_empty() {
                events.remove(key);
            }
        }
    }

    /// Drops events older than the window; the wait in seconds if the allowance is used up.
    fn prune_and_wait(&self, queue: &mut VecDeque<Instant>, now: Instant) -> Option<u64> {
        while queue
            .front()
            .is_some_and(|t| now.duration_since(*t) >= self.window)
        {
            queue.pop_front();
        }
        if queue.len() < self.limit {
            return None;
        }
        let oldest = *queue.front()?;
        let wait = self.window.saturating_sub(now.duration_since(oldest));
        Some(wait.as_secs_f64().ceil().max(1.0) as u64)
    }

    /// Forgets `key`'s events (a successful login clears the account's failures).
    pub fn clear(&self, key: &str) {
        self.lock().remove(key);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, VecDeque<Instant>>> {
        // A poisoned lock only means another thread panicked mid-update of plain counters;
        // the data is still usable.
        self.events.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// `Some(seconds to wait)` when `key` has used up its allowance at `now`.
    #[cfg(test)]
    fn check_at(&self, key: &str, now: Instant) -> Option<u64> {
        let mut events = self.lock();
        let queue = events.get_mut(key)?;
        self.prune_and_wait(queue, now)
    }

    #[cfg(test)]
    fn record_at(&self, key: &str, now: Instant) {
        let mut events = self.lock();
        Self::push(&mut events, key, now, self.limit, self.window);
    }

    /// Adds an event under a lock already held, sweeping stale keys when there are many.
    fn push(
        events: &mut HashMap<String, VecDeque<Instant>>,
        key: &str,
        now: Instant,
        limit: usize,
        window: Duration,
    ) {
        if events.len() > SWEEP_ABOVE {
            events.retain(|_, q| q.back().is_some_and(|t| now.duration_since(*t) < window));
        }
        let queue = events.entry(key.to_owned()).or_default();
        queue.push_back(now);
        while queue.len() > limit {
            queue.pop_front();
        }
    }
}

/// A throttle as requests use it: in this process on SQLite (one node), in PostgreSQL when
/// the database is shared by several nodes.
pub struct Throttle {
    local: SlidingWindow,
    /// The database and this throttle's name in `throttle_hits`, on PostgreSQL.
    shared: Option<(crate::db::Db, &'static str)>,
    limit: usize,
    window: Duration,
}

impl Throttle {
    /// At most `limit` events per key within `window`; counted in `db` under `bucket` when
    /// `db` is PostgreSQL.
    pub fn new(limit: usize, window: Duration, db: &crate::db::Db, bucket: &'static str) -> Self {
        Self {
            local: SlidingWindow::new(limit, window),
            shared: db.is_postgres().then(|| (db.clone(), bucket)),
            limit,
            window,
        }
    }

    /// See [`SlidingWindow::try_acquire`]: `Ok(Err(seconds))` when an allowance is used up.
    pub async fn try_acquire(&self, keys: &[&str]) -> Result<Result<(), u64>, AppError> {
        let Some((db, bucket)) = &self.shared else {
            return Ok(self.local.try_acquire(keys));
        };
        let (bucket, limit, window) = (*bucket, self.limit, self.window);
        let mut keys: Vec<String> = keys.iter().map(|k| (*k).to_owned()).collect();
        // Locks in one order: two requests sharing keys never wait on each other in a cycle.
        keys.sort();
        keys.dedup();
        crate::db::read(db, move |conn| {
            Ok(conn.transaction(|conn| shared::try_acquire(conn, bucket, &keys, limit, window))?)
        })
        .await
    }

    /// See [`SlidingWindow::release`]. A failure is logged: at worst one attempt counts.
    pub async fn release(&self, key: &str) {
        self.forget(key, false).await;
    }

    /// See [`SlidingWindow::clear`].
    pub async fn clear(&self, key: &str) {
        self.forget(key, true).await;
    }

    async fn forget(&self, key: &str, all: bool) {
        let Some((db, bucket)) = &self.shared else {
            if all {
                self.local.clear(key);
            } else {
                self.local.release(key);
            }
            return;
        };
        let (bucket, key) = (*bucket, key.to_owned());
        let done =
            crate::db::read(db, move |conn| Ok(shared::forget(conn, bucket, &key, all)?)).await;
        if let Err(e) = done {
            tracing::warn!(error = %e, bucket, "cannot take back a throttle event");
        }
    }
}

/// The throttle's SQL on PostgreSQL, in the UNLOGGED `throttle_hits` (a crash forgets recent
/// attempts, which only lifts a rate limit early). Times are the database's, one clock for all
/// nodes.
mod shared {
    use std::time::Duration;

    use diesel::prelude::*;
    use diesel::sql_types::{BigInt, Double, Nullable, Text};

    use crate::db::Conn;

    #[derive(QueryableByName)]
    struct Wait {
        #[diesel(sql_type = Nullable<Double>)]
        seconds: Option<f64>,
    }

    fn interval(window: Duration) -> String {
        format!("{} milliseconds", window.as_millis())
    }

    /// In the caller's transaction: locks each key (a transaction-scoped advisory lock on its
    /// hash), and records an event for each if none has used up its allowance.
    pub(super) fn try_acquire(
        conn: &mut Conn,
        bucket: &str,
        keys: &[String],
        limit: usize,
        window: Duration,
    ) -> QueryResult<Result<(), u64>> {
        let mut wait: Option<u64> = None;
        for key in keys {
            diesel::sql_query("SELECT pg_advisory_xact_lock(hashtextextended($1 || ':' || $2, 0))")
                .bind::<Text, _>(bucket)
                .bind::<Text, _>(key)
                .execute(conn)?;
            diesel::sql_query(format!(
                "DELETE FROM throttle_hits WHERE bucket = $1 AND key = $2 \
                 AND at <= now() - interval '{}'",
                interval(window)
            ))
            .bind::<Text, _>(bucket)
            .bind::<Text, _>(key)
            .execute(conn)?;
            // The wait: until the `limit`-th newest event leaves the window.
            let found: Option<Wait> = diesel::sql_query(format!(
                "SELECT EXTRACT(EPOCH FROM (at + interval '{}' - now()))::float8 AS seconds \
                 FROM throttle_hits WHERE bucket = $1 AND key = $2 \
                 ORDER BY at DESC LIMIT 1 OFFSET $3",
                interval(window)
            ))
            .bind::<Text, _>(bucket)
            .bind::<Text, _>(key)
            .bind::<BigInt, _>(i64::try_from(limit.saturating_sub(1)).unwrap_or(i64::MAX))
            .get_result(conn)
            .optional()?;
            if let Some(seconds) = found.and_then(|w| w.seconds) {
                let w = seconds.ceil().max(1.0) as u64;
                wait = wait.max(Some(w));
            }
        }
        if let Some(w) = wait {
            return Ok(Err(w));
        }
        for key in keys {
            diesel::sql_query(
                "INSERT INTO throttle_hits (bucket, key, at) VALUES ($1, $2, clock_timestamp())",
            )
            .bind::<Text, _>(bucket)
            .bind::<Text, _>(key)
            .execute(conn)?;
        }
        Ok(Ok(()))
    }

    /// Takes back the newest event of `key`, or (`all`) every one.
    pub(super) fn forget(conn: &mut Conn, bucket: &str, key: &str, all: bool) -> QueryResult<()> {
        let sql = if all {
            "DELETE FROM throttle_hits WHERE bucket = $1 AND key = $2"
        } else {
            "DELETE FROM throttle_hits WHERE ctid = (SELECT ctid FROM throttle_hits \
             WHERE bucket = $1 AND key = $2 ORDER BY at DESC LIMIT 1)"
        };
        diesel::sql_query(sql)
            .bind::<Text, _>(bucket)
            .bind::<Text, _>(key)
            .execute(conn)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limit_is_reached_after_limit_events_and_lifts_when_the_window_passes() {
        let w = SlidingWindow::new(5, Duration::from_secs(60));
        let t0 = Instant::now();
        for i in 0..5 {
            assert_eq!(w.check_at("k", t0), None, "event {i}");
            w.record_at("k", t0 + Duration::from_secs(i));
        }
        assert_eq!(w.check_at("k", t0 + Duration::from_secs(10)), Some(50));
        assert_eq!(w.check_at("other", t0), None);
        assert_eq!(w.check_at("k", t0 + Duration::from_secs(60)), None);
    }

    #[test]
    fn try_acquire_takes_a_slot_for_every_key_or_none() {
        let w = SlidingWindow::new(2, Duration::from_secs(60));
        assert!(w.try_acquire(&["a", "b"]).is_ok());
        assert!(w.try_acquire(&["a", "c"]).is_ok());
        // `a` is full: nothing is recorded for `d`.
        assert!(w.try_acquire(&["a", "d"]).is_err());
        assert_eq!(w.check_at("d", Instant::now()), None);
        w.release("a");
        assert!(w.try_acquire(&["a"]).is_ok());
    }

    #[test]
    fn clearing_a_key_forgets_it() {
        let w = SlidingWindow::new(1, Duration::from_secs(60));
        w.record_at("k", Instant::now());
        assert!(w.check_at("k", Instant::now()).is_some());
        w.clear("k");
        assert_eq!(w.check_at("k", Instant::now()), None);
    }
}
