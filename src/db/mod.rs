//! The embedded SQLite database: the connection pool, per-connection PRAGMAs, the embedded
//! migrations, and the two helpers every handler uses to reach the database off the async
//! threads ([`read`] and [`write`]).

pub mod lookup;
pub mod paging;
pub mod schema;

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use actix_web::web;
use chrono::{NaiveDateTime, SubsecRound, Utc};
use diesel::connection::{Connection, Instrumentation, InstrumentationEvent, SimpleConnection};
use diesel::r2d2::{ConnectionManager, CustomizeConnection, Pool};
use diesel::sqlite::SqliteConnection;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use crate::error::AppError;

/// A pooled SQLite connection's type.
pub type Conn = SqliteConnection;
/// The connection pool shared by all workers.
pub type DbPool = Pool<ConnectionManager<Conn>>;

/// How long a statement waits for SQLite's write lock before giving up with `SQLITE_BUSY`.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

/// Sets the PRAGMAs every connection needs, each time the pool opens one, and counts the
/// statements it runs into the pool's [`StatementCounter`].
#[derive(Debug, Clone)]
struct Pragmas(StatementCounter);

/// How many SQL statements the pool's connections have run: cheap to keep, and how the tests
/// prove that a request costs a fixed number of queries whatever its page size.
#[derive(Debug, Clone, Default)]
pub struct StatementCounter(Arc<AtomicU64>);

impl StatementCounter {
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

impl Instrumentation for StatementCounter {
    fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
        if let InstrumentationEvent::FinishQuery { .. } = event {
            self.0.fetch_add(1, Ordering::Relaxed);
        }
    }
}

impl CustomizeConnection<Conn, diesel::r2d2::Error> for Pragmas {
    fn on_acquire(&self, conn: &mut Conn) -> Result<(), diesel::r2d2::Error> {
        conn.set_instrumentation(self.0.clone());
        // WAL is a property of the database file, switched on once in `open_counted_pool`
        // (switching it needs a moment alone with the file); every connection runs in it.
        conn.batch_execute(&format!(
            "PRAGMA busy_timeout = {};
             PRAGMA synchronous = NORMAL;
             PRAGMA foreign_keys = ON;",
            BUSY_TIMEOUT.as_millis()
        ))
        .map_err(diesel::r2d2::Error::QueryError)
    }
}

/// Errors while opening or migrating the database at start-up.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error("cannot create the database folder {path}: {source}")]
    Folder {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot open the database: {0}")]
    Pool(#[from] diesel::r2d2::PoolError),
    #[error("cannot open the database: {0}")]
    Open(String),
    #[error("cannot migrate the database: {0}")]
    Migrate(String),
}

/// Opens (creating it and its folder if need be) the SQLite file at `path`.
pub fn open_pool(path: &Path, max_size: u32) -> Result<DbPool, SetupError> {
    open_counted_pool(path, max_size, StatementCounter::default())
}

/// [`open_pool`], counting statements into `counter`.
pub fn open_counted_pool(
    path: &Path,
    max_size: u32,
    counter: StatementCounter,
) -> Result<DbPool, SetupError> {
    if let Some(folder) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(folder).map_err(|source| SetupError::Folder {
            path: folder.display().to_string(),
            source,
        })?;
    }
    let url = path.to_string_lossy().into_owned();
    {
        let mut first =
            Conn::establish(&url).map_err(|e| SetupError::Open(format!("{url}: {e}")))?;
        first
            .batch_execute(&format!(
                "PRAGMA busy_timeout = {}; PRAGMA journal_mode = WAL;",
                BUSY_TIMEOUT.as_millis()
            ))
            .map_err(|e| SetupError::Open(format!("cannot switch {url} to WAL: {e}")))?;
    }
    let manager = ConnectionManager::<Conn>::new(url);
    let pool = Pool::builder()
        .max_size(max_size)
        // SQLite connections to a local file do not go stale; skip the `SELECT 1` per checkout.
        .test_on_check_out(false)
        .connection_timeout(BUSY_TIMEOUT)
        .connection_customizer(Box::new(Pragmas(counter)))
        .build(manager)?;
    Ok(pool)
}

/// Applies every pending embedded migration; returns the versions it applied.
pub fn migrate(pool: &DbPool) -> Result<Vec<String>, SetupError> {
    let mut conn = pool.get().map_err(|e| SetupError::Migrate(e.to_string()))?;
    let applied = conn
        .run_pending_migrations(MIGRATIONS)
        .map_err(|e| SetupError::Migrate(e.to_string()))?;
    Ok(applied.iter().map(ToString::to_string).collect())
}

/// Runs `f` with a pooled connection on the blocking thread pool.
pub async fn read<T, F>(pool: &DbPool, f: F) -> Result<T, AppError>
where
    F: FnOnce(&mut Conn) -> Result<T, AppError> + Send + 'static,
    T: Send + 'static,
{
    let pool = pool.clone();
    web::block(move || -> Result<T, AppError> {
        let mut conn = pool.get()?;
        f(&mut conn)
    })
    .await?
}

/// Runs `f` inside an immediate (write-locking) transaction on the blocking thread pool.
///
/// `BEGIN IMMEDIATE` takes SQLite's write lock up front, so two writers queue on
/// `busy_timeout` instead of failing halfway when a read transaction tries to upgrade.
pub async fn write<T, F>(pool: &DbPool, f: F) -> Result<T, AppError>
where
    F: FnOnce(&mut Conn) -> Result<T, AppError> + Send + 'static,
    T: Send + 'static,
{
    read(pool, move |conn| conn.immediate_transaction(f)).await
}

/// A `LIKE` pattern (with `\` as the escape) matching values that contain `text`.
pub fn contains_pattern(text: &str) -> String {
    let text: String = text.chars().filter(|c| !c.is_control()).collect();
    let escaped = text
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

/// The current time as stored: UTC, whole seconds.
pub fn now() -> NaiveDateTime {
    Utc::now().naive_utc().trunc_subsecs(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use diesel::RunQueryDsl;
    use diesel::sql_types::{BigInt, Text};

    #[derive(diesel::QueryableByName)]
    struct Mode {
        #[diesel(sql_type = Text)]
        journal_mode: String,
    }

    #[derive(diesel::QueryableByName)]
    struct Setting {
        #[diesel(sql_type = BigInt)]
        value: i64,
    }

    fn setting(conn: &mut Conn, pragma: &str, column: &str) -> i64 {
        diesel::sql_query(format!("SELECT {column} AS value FROM pragma_{pragma}()"))
            .get_result::<Setting>(conn)
            .unwrap()
            .value
    }

    #[test]
    fn every_pooled_connection_gets_wal_foreign_keys_busy_timeout_and_normal_sync() {
        let dir = tempfile::tempdir().unwrap();
        let pool = open_pool(&dir.path().join("t.db"), 3).unwrap();
        migrate(&pool).unwrap();
        let mut held = Vec::new();
        for _ in 0..3 {
            let mut conn = pool.get().unwrap();
            let mode = diesel::sql_query("PRAGMA journal_mode")
                .get_result::<Mode>(&mut conn)
                .unwrap();
            assert_eq!(mode.journal_mode, "wal");
            assert_eq!(setting(&mut conn, "foreign_keys", "foreign_keys"), 1);
            assert_eq!(setting(&mut conn, "busy_timeout", "timeout"), 5000);
            assert_eq!(
                setting(&mut conn, "synchronous", "synchronous"),
                1,
                "NORMAL"
            );
            held.push(conn);
        }
    }
}
