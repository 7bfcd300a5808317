//! PostgreSQL, for several nodes: connections by URL, its own migrations (applied by one
//! node at a time), and the errors that mean "busy, retry".

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use diesel::PgConnection;
use diesel::connection::{Connection, SimpleConnection};
use diesel::result::DatabaseErrorKind;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use super::{Conn, Generation, SetupError};

const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// The advisory lock nodes take while migrating, so that two starting at once do not both
/// apply the same migration (any fixed number; "dateline" in ASCII).
const MIGRATION_LOCK: i64 = 0x6461_7465_6c69_6e65;

/// Every pooled connection works in UTC (timestamps are stored without a zone, as UTC).
pub(super) fn on_connect(conn: &mut PgConnection) -> diesel::QueryResult<()> {
    conn.batch_execute("SET TIME ZONE 'UTC'; SET application_name = 'dateline'")
}

/// The advisory lock every write transaction holds until it ends.
const WRITE_LOCK: i64 = MIGRATION_LOCK + 1;

/// Takes the write lock for the rest of the transaction: write batches from all nodes
/// commit one at a time, as on SQLite. Numbers handed out inside a batch (the search change
/// log's) then commit in order, and two batches never deadlock on the counters they share.
/// Each node commits its writes in groups (see `db::Writer`), so one lock per group is cheap.
pub(crate) fn take_write_lock(conn: &mut PgConnection) -> diesel::QueryResult<()> {
    conn.batch_execute(&format!("SELECT pg_advisory_xact_lock({WRITE_LOCK})"))
}

#[derive(diesel::QueryableByName)]
struct SharedGeneration {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    generation: i64,
}

/// The channel on which a committed write batch announces the new shared generation.
const CHANNEL: &str = "dateline_generation";

/// Moves the shared content generation on, in the batch's transaction, and announces the new
/// value on [`CHANNEL`] (PostgreSQL delivers it when the transaction commits): every node
/// learns from it that what the API shows may have changed. Returns the new value.
pub(super) fn bump_generation(conn: &mut Conn) -> diesel::QueryResult<i64> {
    use diesel::RunQueryDsl;
    diesel::sql_query(format!(
        "UPDATE content_generation SET generation = generation + 1 WHERE id = 1 \
         RETURNING generation, pg_notify('{CHANNEL}', generation::text)"
    ))
    .get_result::<SharedGeneration>(conn)
    .map(|g| g.generation)
}

/// The shared content generation as committed now.
pub(super) fn shared_generation(conn: &mut Conn) -> diesel::QueryResult<i64> {
    use diesel::RunQueryDsl;
    diesel::sql_query("SELECT generation FROM content_generation WHERE id = 1")
        .get_result::<SharedGeneration>(conn)
        .map(|g| g.generation)
}

/// How often the listener reads its connection for announcements.
const POLL: Duration = Duration::from_millis(1);
/// How often the listener also reads the shared generation itself: proves the connection
/// sound, and catches up on anything it could have missed.
const HEARTBEAT: Duration = Duration::from_secs(1);
/// How long the listener's last sound read is trusted: beyond it (the listener is cut off or
/// stuck) the node looks at the shared generation itself before using its cache.
const TRUSTED_FOR: Duration = Duration::from_secs(3);
/// The pause before the listener connects again after losing its connection.
const RECONNECT: Duration = Duration::from_millis(200);

/// What a node's listener last heard: while it is listening and sound, a node learns of other
/// nodes' writes from it, within [`POLL`] of PostgreSQL delivering their announcement, and
/// needs no look at the shared generation before answering from its cache.
#[derive(Debug)]
pub struct Hearing {
    started: Instant,
    /// Milliseconds after `started` of the listener's last sound read; 0 while not listening.
    heard_at: AtomicU64,
}

impl Hearing {
    fn new() -> Self {
        Self {
            started: Instant::now(),
            heard_at: AtomicU64::new(0),
        }
    }

    /// Whether the listener is listening and was sound a moment ago.
    pub fn is_current(&self) -> bool {
        let at = self.heard_at.load(Ordering::Acquire);
        at != 0 && self.millis().saturating_sub(at) < millis(TRUSTED_FOR)
    }

    fn heard(&self) {
        self.heard_at.store(self.millis().max(1), Ordering::Release);
    }

    fn deaf(&self) {
        self.heard_at.store(0, Ordering::Release);
    }

    fn millis(&self) -> u64 {
        millis(self.started.elapsed())
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// Starts the node's listener on its own connection to `url`: it moves `generation` on
/// whenever another node announces a write, until the returned [`Hearing`] is dropped. Waits
/// up to `wait` for it to listen (it keeps trying after that, and the node looks at the shared
/// generation itself meanwhile).
pub(super) fn listen(
    url: &str,
    generation: Arc<Generation>,
    wait: Duration,
) -> Result<Arc<Hearing>, SetupError> {
    let hearing = Arc::new(Hearing::new());
    let weak = Arc::downgrade(&hearing);
    let url = url.to_owned();
    let (ready, listening) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name("db-listen".into())
        .spawn(move || {
            let mut ready = Some(ready);
            while weak.strong_count() > 0 {
                if let Err(e) = listen_until_lost(&url, &generation, &weak, &mut ready) {
                    if let Some(hearing) = weak.upgrade() {
                        hearing.deaf();
                        tracing::warn!(error = %e, "lost the connection that listens for other nodes' writes");
                    }
                    std::thread::sleep(RECONNECT);
                }
            }
        })
        .map_err(|e| SetupError::Open(format!("cannot start the listener thread: {e}")))?;
    if listening.recv_timeout(wait).is_err() {
        tracing::warn!(
            "not listening for other nodes' writes yet: looking before each cached answer"
        );
    }
    Ok(hearing)
}

/// Listens on one connection until it fails, or until nobody holds the [`Hearing`].
fn listen_until_lost(
    url: &str,
    generation: &Generation,
    hearing: &Weak<Hearing>,
    ready: &mut Option<std::sync::mpsc::Sender<()>>,
) -> Result<(), Box<dyn std::error::Error>> {
    let mut pg = PgConnection::establish(url)?;
    pg.batch_execute(&format!(
        "SET TIME ZONE 'UTC'; SET application_name = 'dateline-listen'; LISTEN {CHANNEL}"
    ))?;
    let mut conn = Conn::Postgres(pg);
    // Listening first, then reading the generation: nothing committed in between is missed.
    let mut last_beat: Option<Instant> = None;
    loop {
        let Some(hearing) = hearing.upgrade() else {
            return Ok(());
        };
        let mut newest = None;
        if let Conn::Postgres(pg) = &mut conn {
            for announced in pg.notifications_iter() {
                newest = newest.max(announced?.payload.parse::<i64>().ok());
            }
        }
        if last_beat.is_none_or(|at| at.elapsed() >= HEARTBEAT) {
            newest = newest.max(Some(shared_generation(&mut conn)?));
            last_beat = Some(Instant::now());
        }
        if let Some(value) = newest
            && generation.seen_shared(value)
        {
            generation.changed(&mut conn, super::now())?;
        }
        hearing.heard();
        if let Some(ready) = ready.take() {
            let _ = ready.send(());
        }
        drop(hearing);
        std::thread::sleep(POLL);
    }
}

/// Forgets throttle events older than any window (a key never tried again keeps its rows
/// otherwise).
pub(super) fn prune_throttle(conn: &mut Conn) -> diesel::QueryResult<usize> {
    use diesel::RunQueryDsl;
    diesel::sql_query("DELETE FROM throttle_hits WHERE at < now() - interval '2 hours'")
        .execute(conn)
}

/// Applies every pending migration under `migrations/postgres`, holding an advisory lock so
/// that nodes starting together take turns; returns the versions applied.
pub(super) fn migrate(url: &str) -> Result<Vec<String>, SetupError> {
    let failed = |e: &dyn std::fmt::Display| SetupError::Migrate(e.to_string());
    let mut conn = PgConnection::establish(url)
        .map_err(|e| SetupError::Open(format!("{}: {e}", redacted(url))))?;
    conn.batch_execute(&format!("SELECT pg_advisory_lock({MIGRATION_LOCK})"))
        .map_err(|e| failed(&e))?;
    let applied = conn
        .run_pending_migrations(MIGRATIONS)
        .map(|versions| versions.iter().map(ToString::to_string).collect())
        .map_err(|e| failed(&e));
    // The lock also ends with the connection; unlock anyway, the connection may be reused.
    let _ = conn.batch_execute(&format!("SELECT pg_advisory_unlock({MIGRATION_LOCK})"));
    applied
}

/// A serialization failure, a deadlock or a lock wait that ran out: the transaction was
/// taken back and may be retried.
pub(super) fn is_busy(kind: &DatabaseErrorKind, message: &str) -> bool {
    matches!(kind, DatabaseErrorKind::SerializationFailure)
        || message.contains("deadlock detected")
        || message.contains("could not obtain lock")
        || message.contains("canceling statement due to lock timeout")
}

/// `url` without its password, for logs.
pub fn redacted(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    match rest.split_once('@') {
        Some((user, host)) => match user.split_once(':') {
            Some((name, _)) => format!("{scheme}://{name}:…@{host}"),
            None => url.to_owned(),
        },
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn passwords_stay_out_of_logs() {
        assert_eq!(
            super::redacted("postgres://news:s3cret@db.internal:5432/dateline"),
            "postgres://news:…@db.internal:5432/dateline"
        );
        for plain in [
            "postgres://127.0.0.1/dateline",
            "postgres://postgres@127.0.0.1:5432/dateline?sslmode=disable",
        ] {
            assert_eq!(super::redacted(plain), plain);
        }
    }
}
