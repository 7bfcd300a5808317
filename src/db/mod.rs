//! The embedded SQLite database: the connection pool, per-connection PRAGMAs, the embedded
//! migrations, and the two helpers every handler uses to reach the database off the async
//! threads ([`read`] and [`write`]).

pub mod generation;
pub mod lookup;
pub mod paging;
pub mod schema;

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use actix_web::web;
use chrono::{NaiveDateTime, SubsecRound, Utc};
use diesel::RunQueryDsl;
use diesel::connection::{Connection, Instrumentation, InstrumentationEvent, SimpleConnection};
use diesel::r2d2::{ConnectionManager, CustomizeConnection, Pool};
use diesel::sqlite::SqliteConnection;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use crate::error::AppError;
pub use generation::Generation;

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

/// Applies every pending embedded migration to the database at `path`; returns the versions
/// it applied.
///
/// Migrations run on a connection of their own with foreign keys off, as SQLite's procedure
/// for rebuilding a table asks: dropping the old copy of a table must not cascade to the rows
/// that reference it. The keys are checked once all migrations have run.
pub fn migrate(path: &Path) -> Result<Vec<String>, SetupError> {
    let url = path.to_string_lossy().into_owned();
    let failed = |e: &dyn std::fmt::Display| SetupError::Migrate(e.to_string());
    let mut conn = Conn::establish(&url).map_err(|e| failed(&e))?;
    conn.batch_execute(&format!(
        "PRAGMA busy_timeout = {}; PRAGMA foreign_keys = OFF;",
        BUSY_TIMEOUT.as_millis()
    ))
    .map_err(|e| failed(&e))?;
    let applied = conn
        .run_pending_migrations(MIGRATIONS)
        .map_err(|e| failed(&e))?
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>();
    if !applied.is_empty() {
        #[derive(diesel::QueryableByName)]
        struct Violation {
            #[diesel(sql_type = diesel::sql_types::Text)]
            table: String,
        }
        let violations: Vec<Violation> = diesel::sql_query("PRAGMA foreign_key_check")
            .load(&mut conn)
            .map_err(|e| failed(&e))?;
        if let Some(v) = violations.first() {
            return Err(SetupError::Migrate(format!(
                "the migrated database breaks a foreign key in `{}`",
                v.table
            )));
        }
    }
    Ok(applied)
}

/// The database as requests reach it: the connection pool, the one writer, and the content
/// [`Generation`] that every committed write moves on. Cheap to clone.
#[derive(Clone)]
pub struct Db {
    /// Connections for reads.
    pool: DbPool,
    /// The one connection that writes, kept apart so that a writer never waits for readers
    /// to hand a connection back.
    writer_pool: DbPool,
    /// SQLite has one writer: writers wait their turn here, without holding a thread or a
    /// connection, rather than in SQLite's busy loop.
    writer: Arc<tokio::sync::Semaphore>,
    generation: Arc<Generation>,
    /// Run after every committed write (wakes the search indexer).
    after_commit: Arc<OnceLock<AfterCommit>>,
}

/// What runs after every committed write.
pub type AfterCommit = Box<dyn Fn() + Send + Sync>;

impl Db {
    /// `readers` connections for reads and one for writes to the database at `path`,
    /// counting their statements into `counter`.
    pub fn open(path: &Path, readers: u32, counter: StatementCounter) -> Result<Self, SetupError> {
        Ok(Self {
            pool: open_counted_pool(path, readers, counter.clone())?,
            writer_pool: open_counted_pool(path, 1, counter)?,
            writer: Arc::new(tokio::sync::Semaphore::new(1)),
            generation: Arc::new(Generation::default()),
            after_commit: Arc::new(OnceLock::new()),
        })
    }

    /// Sets what runs after every committed write (once; later calls are ignored).
    pub fn after_commit(&self, f: AfterCommit) {
        let _ = self.after_commit.set(f);
    }

    /// What the public API shows is at this generation (see [`Generation`]).
    pub fn generation(&self) -> &Arc<Generation> {
        &self.generation
    }

    /// Learns the generation's next due moment, and moves it on, if the clock passed it.
    pub async fn refresh_generation(&self) -> Result<(), AppError> {
        let generation = self.generation.clone();
        read(self, move |conn| Ok(generation.refresh(conn, now())?)).await
    }
}

/// Runs `f` with a pooled connection on the blocking thread pool.
pub async fn read<T, F>(db: &Db, f: F) -> Result<T, AppError>
where
    F: FnOnce(&mut Conn) -> Result<T, AppError> + Send + 'static,
    T: Send + 'static,
{
    with(db.pool.clone(), f).await
}

async fn with<T, F>(pool: DbPool, f: F) -> Result<T, AppError>
where
    F: FnOnce(&mut Conn) -> Result<T, AppError> + Send + 'static,
    T: Send + 'static,
{
    web::block(move || -> Result<T, AppError> {
        let mut conn = pool.get()?;
        f(&mut conn)
    })
    .await?
}

/// Runs `f` inside an immediate (write-locking) transaction on the blocking thread pool, one
/// writer at a time; once it committed, the content generation moves on.
///
/// `BEGIN IMMEDIATE` takes SQLite's write lock up front, so a writer from another process
/// queues on `busy_timeout` instead of failing halfway when a read transaction tries to
/// upgrade.
pub async fn write<T, F>(db: &Db, f: F) -> Result<T, AppError>
where
    F: FnOnce(&mut Conn) -> Result<T, AppError> + Send + 'static,
    T: Send + 'static,
{
    let _turn = db
        .writer
        .acquire()
        .await
        .map_err(|_| AppError::internal("the writer's queue is closed"))?;
    let generation = db.generation.clone();
    let after_commit = db.after_commit.clone();
    with(db.writer_pool.clone(), move |conn| {
        let out = conn.immediate_transaction(f)?;
        generation.changed(conn, now())?;
        if let Some(f) = after_commit.get() {
            f();
        }
        Ok(out)
    })
    .await
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
        let path = dir.path().join("t.db");
        let pool = open_pool(&path, 3).unwrap();
        migrate(&path).unwrap();
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
