//! The database, SQLite or PostgreSQL as `DATABASE_URL` says: the connection pool, the
//! embedded migrations, the writer with its group commit, and the two helpers every handler
//! uses to reach the database off the async threads ([`read`] and [`write`]).
//!
//! The backends differ behind this module: [`sqlite`] and [`postgres`] set up connections,
//! migrate, and recognise a busy database; raw SQL that differs asks [`Conn::is_postgres`].

pub mod copy;
pub mod generation;
pub mod lookup;
pub mod paging;
pub mod postgres;
pub mod schema;
pub mod sqlite;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use actix_web::web;
use chrono::{NaiveDateTime, SubsecRound, Utc};
use diesel::connection::{Connection, Instrumentation, InstrumentationEvent};
use diesel::r2d2::Pool;
use diesel::sqlite::SqliteConnection;

use crate::error::AppError;
pub use generation::Generation;

/// A connection to either backend: PostgreSQL when `DATABASE_URL` says `postgres://`, else
/// SQLite. Diesel's query builder speaks both; what differs lives in [`sqlite`] and
/// [`postgres`].
#[derive(diesel::MultiConnection)]
pub enum Conn {
    Postgres(diesel::PgConnection),
    Sqlite(SqliteConnection),
}

/// The backend type of [`Conn`]: what raw SQL and boxed queries are built for.
pub type Backend = multi_connection_impl::MultiBackend;

impl Conn {
    /// Whether this is a PostgreSQL connection.
    pub fn is_postgres(&self) -> bool {
        matches!(self, Self::Postgres(_))
    }

    /// `sql`, written with `?` for each bind as SQLite takes it, in this connection's
    /// dialect (`$1`, `$2`, … on PostgreSQL). `sql` must hold no other `?`.
    pub fn placeholders<'a>(&self, sql: &'a str) -> std::borrow::Cow<'a, str> {
        match self {
            Self::Sqlite(_) => sql.into(),
            Self::Postgres(_) => {
                let mut out = String::with_capacity(sql.len() + 16);
                let mut n = 0;
                for c in sql.chars() {
                    if c == '?' {
                        n += 1;
                        out.push('$');
                        out.push_str(&n.to_string());
                    } else {
                        out.push(c);
                    }
                }
                out.into()
            }
        }
    }
}
/// The connection pool shared by all workers.
pub type DbPool = Pool<Manager>;

/// How long a statement waits for SQLite's write lock before giving up with `SQLITE_BUSY`,
/// and a request for a pooled connection.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Where the database is: `DATABASE_URL`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// An SQLite file (created with its folder if missing).
    Sqlite(PathBuf),
    /// A PostgreSQL database (`postgres://…` or `postgresql://…`).
    Postgres(String),
}

impl Location {
    /// `postgres://…` and `postgresql://…` name PostgreSQL; anything else is an SQLite file,
    /// with or without `sqlite://`.
    pub fn parse(url: &str) -> Self {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Self::Postgres(url.to_owned())
        } else {
            Self::Sqlite(PathBuf::from(url.strip_prefix("sqlite://").unwrap_or(url)))
        }
    }

    /// The SQLite file, if this is one.
    pub fn sqlite_path(&self) -> Option<&Path> {
        match self {
            Self::Sqlite(path) => Some(path),
            Self::Postgres(_) => None,
        }
    }
}

impl std::fmt::Display for Location {
    /// The file, or the PostgreSQL URL without its password.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Sqlite(path) => write!(f, "{}", path.display()),
            Self::Postgres(url) => f.write_str(&postgres::redacted(url)),
        }
    }
}

impl From<&Path> for Location {
    fn from(path: &Path) -> Self {
        Self::Sqlite(path.to_owned())
    }
}

impl From<&PathBuf> for Location {
    fn from(path: &PathBuf) -> Self {
        Self::Sqlite(path.clone())
    }
}

impl From<&Location> for Location {
    fn from(location: &Location) -> Self {
        location.clone()
    }
}

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

/// Opens the pool's connections to the backend its [`Location`] names (never trying the
/// other), and sets each up as its backend needs.
#[derive(Debug)]
pub struct Manager {
    location: Location,
    counter: StatementCounter,
}

impl diesel::r2d2::ManageConnection for Manager {
    type Connection = Conn;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<Conn, Self::Error> {
        let mut conn = match &self.location {
            Location::Sqlite(path) => {
                SqliteConnection::establish(&path.to_string_lossy()).map(Conn::Sqlite)
            }
            Location::Postgres(url) => diesel::PgConnection::establish(url).map(Conn::Postgres),
        }
        .map_err(diesel::r2d2::Error::ConnectionError)?;
        conn.set_instrumentation(self.counter.clone());
        match &mut conn {
            Conn::Sqlite(c) => sqlite::on_connect(c),
            Conn::Postgres(c) => postgres::on_connect(c),
        }
        .map_err(diesel::r2d2::Error::QueryError)?;
        Ok(conn)
    }

    fn is_valid(&self, conn: &mut Conn) -> Result<(), Self::Error> {
        use diesel::r2d2::R2D2Connection;
        conn.ping().map_err(diesel::r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut Conn) -> bool {
        use diesel::r2d2::R2D2Connection;
        conn.is_broken()
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

/// Opens a pool of `max_size` connections to the database at `location` (an SQLite file and
/// its folder are created if need be).
pub fn open_pool(location: impl Into<Location>, max_size: u32) -> Result<DbPool, SetupError> {
    open_counted_pool(location, max_size, StatementCounter::default())
}

/// [`open_pool`], counting statements into `counter`.
pub fn open_counted_pool(
    location: impl Into<Location>,
    max_size: u32,
    counter: StatementCounter,
) -> Result<DbPool, SetupError> {
    let location = location.into();
    if let Location::Sqlite(path) = &location {
        sqlite::prepare(path)?;
    }
    let pool = Pool::builder()
        .max_size(max_size)
        // Local files do not go stale and a broken PostgreSQL connection is noticed by the
        // query that fails: skip the `SELECT 1` per checkout.
        .test_on_check_out(false)
        .connection_timeout(BUSY_TIMEOUT)
        .build(Manager { location, counter })?;
    Ok(pool)
}

/// Applies every pending embedded migration of the backend at `location` (each backend has
/// its own, under `migrations/sqlite` and `migrations/postgres`); returns the versions applied.
pub fn migrate(location: impl Into<Location>) -> Result<Vec<String>, SetupError> {
    match location.into() {
        Location::Sqlite(path) => sqlite::migrate(&path),
        Location::Postgres(url) => postgres::migrate(&url),
    }
}

/// Whether a database error says the database was busy (SQLite's lock wait ran out; a
/// PostgreSQL serialization failure, deadlock or lock timeout): the request may be retried.
pub fn is_busy(kind: &diesel::result::DatabaseErrorKind, message: &str) -> bool {
    sqlite::is_busy(message) || postgres::is_busy(kind, message)
}

/// The database as requests reach it: the connection pool, the one writer, and the content
/// [`Generation`] that every committed write moves on. Cheap to clone.
#[derive(Clone)]
pub struct Db {
    /// Connections for reads.
    pool: DbPool,
    /// Writes queue here for the writer thread (see [`write`]).
    writes: std::sync::mpsc::Sender<Job>,
    generation: Arc<Generation>,
    /// Run after every committed write (wakes the search indexer).
    after_commit: Arc<OnceLock<AfterCommit>>,
    postgres: bool,
    /// On PostgreSQL, what the listener for other nodes' writes heard (see [`postgres::listen`]).
    hearing: Option<Arc<postgres::Hearing>>,
    /// Looks at the shared generation on behalf of every request waiting for a look, while
    /// the listener is not sound.
    looks: Arc<Looks>,
}

/// Marks the look as over, and wakes its waiters, when dropped.
struct LookUnderWay<'a>(&'a Looks);

impl Drop for LookUnderWay<'_> {
    fn drop(&mut self) {
        self.0.running.store(false, Ordering::Release);
        self.0.finished.notify_waiters();
    }
}

/// One look at the shared generation serves every request that arrived before it started:
/// under load a node reads the row once per round trip, not once per request.
#[derive(Default)]
struct Looks {
    /// Numbers arrivals and looks in one order.
    ticket: AtomicU64,
    /// The ticket of the latest look that has finished.
    done: AtomicU64,
    /// Whether a look is under way.
    running: std::sync::atomic::AtomicBool,
    finished: tokio::sync::Notify,
}

/// What runs after every committed write.
pub type AfterCommit = Box<dyn Fn() + Send + Sync>;

/// A queued write: runs on the writer's connection inside the batch's transaction and returns
/// what answers its caller once the batch's commit succeeded (`None`) or failed, and whether
/// it panicked. A caller whose job is dropped unrun gets a `503`.
type Job = Box<dyn FnOnce(&mut Conn) -> (Answer, Panicked) + Send>;
type Answer = Box<dyn FnOnce(Option<&AppError>) + Send>;
type Panicked = bool;

/// The most writes committed together.
const MAX_BATCH: usize = 64;

impl Db {
    /// `readers` connections for reads and one for writes to the database at `path`,
    /// counting their statements into `counter`. Starts the writer thread, which ends when the
    /// last clone of this `Db` is dropped.
    pub fn open(
        location: impl Into<Location>,
        readers: u32,
        counter: StatementCounter,
    ) -> Result<Self, SetupError> {
        let location = location.into();
        let writer_pool = open_counted_pool(&location, 1, counter.clone())?;
        let generation = Arc::new(Generation::default());
        let after_commit: Arc<OnceLock<AfterCommit>> = Arc::new(OnceLock::new());
        let (writes, queue) = std::sync::mpsc::channel::<Job>();
        let writer = Writer {
            pool: writer_pool,
            generation: generation.clone(),
            after_commit: after_commit.clone(),
        };
        std::thread::Builder::new()
            .name("db-writer".into())
            .spawn(move || writer.run(&queue))
            .map_err(|e| SetupError::Open(format!("cannot start the writer thread: {e}")))?;
        let hearing = match &location {
            Location::Postgres(url) => {
                Some(postgres::listen(url, generation.clone(), BUSY_TIMEOUT)?)
            }
            Location::Sqlite(_) => None,
        };
        Ok(Self {
            postgres: hearing.is_some(),
            hearing,
            looks: Arc::default(),
            pool: open_counted_pool(&location, readers, counter)?,
            writes,
            generation,
            after_commit,
        })
    }

    /// Whether the database is PostgreSQL (shared by any number of nodes).
    pub fn is_postgres(&self) -> bool {
        self.postgres
    }

    /// Whether this node hears of other nodes' writes as they commit (on PostgreSQL, while its
    /// listener is sound): then answers from the cache need no look at the shared generation.
    pub fn is_listening(&self) -> bool {
        self.hearing.as_ref().is_some_and(|h| h.is_current())
    }

    /// Sets what runs after every committed write (once; later calls are ignored).
    pub fn after_commit(&self, f: AfterCommit) {
        let _ = self.after_commit.set(f);
    }

    /// What the public API shows is at this generation (see [`Generation`]).
    pub fn generation(&self) -> &Arc<Generation> {
        &self.generation
    }

    /// On PostgreSQL, learns whether another node wrote since this one last looked (the
    /// shared generation moved on), and if so moves this node's generation on: called before
    /// any answer is taken from the response cache, so that no node serves what another
    /// changed for longer than it takes to hear of it.
    ///
    /// While the listener is sound it has already done this as each write's announcement
    /// arrived (within milliseconds of the commit), and this costs nothing. Otherwise a look that started after this call began answers for it:
    /// whoever arrives while a look is under way waits for it to end and, if it started too
    /// early, for the next one.
    pub async fn sync_shared_generation(&self) -> Result<(), AppError> {
        if !self.postgres || self.is_listening() {
            return Ok(());
        }
        let looks = &self.looks;
        let arrived = looks.ticket.fetch_add(1, Ordering::AcqRel) + 1;
        loop {
            if looks.done.load(Ordering::Acquire) > arrived {
                return Ok(());
            }
            let finished = looks.finished.notified();
            tokio::pin!(finished);
            // Registered before `running` is read: a look ending in between still wakes it.
            finished.as_mut().enable();
            if looks.running.swap(true, Ordering::AcqRel) {
                finished.await;
                continue;
            }
            // Ends the look however this request ends (an abandoned request drops it half-way).
            let _look = LookUnderWay(looks);
            let started = looks.ticket.fetch_add(1, Ordering::AcqRel) + 1;
            let generation = self.generation.clone();
            let looked = read(self, move |conn| {
                let value = postgres::shared_generation(conn)?;
                if generation.seen_shared(value) {
                    generation.changed(conn, now())?;
                }
                Ok(())
            })
            .await;
            if looked.is_ok() {
                looks.done.fetch_max(started, Ordering::AcqRel);
            }
            return looked;
        }
    }

    /// On PostgreSQL, forgets throttle events older than any window.
    pub async fn prune_throttle(&self) -> Result<(), AppError> {
        if !self.postgres {
            return Ok(());
        }
        read(self, |conn| Ok(postgres::prune_throttle(conn).map(|_| ())?)).await
    }

    /// Learns the generation's next due moment, and moves it on, if the clock passed it.
    pub async fn refresh_generation(&self) -> Result<(), AppError> {
        let generation = self.generation.clone();
        // The clock reached a moment at which an article may have fallen due.
        read(self, move |conn| Ok(generation.changed(conn, now())?)).await
    }
}

/// The writer thread: SQLite has one writer, so writes queue for it, and whatever queued while
/// one batch ran is committed together in the next (group commit): one transaction, one commit
/// and one generation step for up to [`MAX_BATCH`] writes, each in a savepoint of its own so
/// that a failing write takes only itself back.
struct Writer {
    pool: DbPool,
    generation: Arc<Generation>,
    after_commit: Arc<OnceLock<AfterCommit>>,
}

impl Writer {
    fn run(&self, queue: &std::sync::mpsc::Receiver<Job>) {
        while let Ok(first) = queue.recv() {
            let mut jobs = vec![first];
            while jobs.len() < MAX_BATCH {
                match queue.try_recv() {
                    Ok(job) => jobs.push(job),
                    Err(_) => break,
                }
            }
            // A panic outside a write (the jobs catch their own) must not stop all writes
            // for good: the batch's callers hear of it when their answers are dropped.
            let batch = std::panic::AssertUnwindSafe(|| self.batch(jobs));
            if std::panic::catch_unwind(batch).is_err() {
                tracing::error!("a batch of writes panicked");
                // It may have committed: nothing cached may outlive that.
                self.generation.bump();
            }
        }
    }

    fn batch(&self, jobs: Vec<Job>) {
        let mut conn = match self.pool.get() {
            Ok(conn) => conn,
            Err(e) => {
                tracing::warn!(error = %e, writes = jobs.len(), "no connection for writes");
                return;
            }
        };
        let mut answers = Vec::with_capacity(jobs.len());
        // `BEGIN IMMEDIATE` takes SQLite's write lock up front, so a writer from another
        // process queues on `busy_timeout` instead of failing halfway when a read transaction
        // tries to upgrade.
        let mut shared = None;
        let outcome = write_transaction(&mut conn, |conn| {
            for job in jobs {
                let (answer, panicked) = job(conn);
                answers.push(answer);
                if panicked {
                    // Its savepoint was left open: take the whole batch back. The pool
                    // discards a connection whose transaction is still open.
                    return Err(AppError::internal("a write panicked"));
                }
                // Some errors (a full disk, an I/O error) make SQLite roll the whole
                // transaction back; the writes after it would then each commit on their own
                // while their callers heard of a failure. Stop here instead: the writes not
                // run yet are dropped, and their callers get a 503.
                if !matches!(in_batch(conn), Ok(Some(depth)) if depth.get() == 1) {
                    return Err(AppError::internal("the batch's transaction ended early"));
                }
            }
            // Other nodes learn of the batch from the shared generation, moved on with it.
            if conn.is_postgres() {
                shared = Some(postgres::bump_generation(conn)?);
            }
            Ok(())
        });
        if let (Ok(()), Some(value)) = (&outcome, shared) {
            self.generation.seen_shared(value);
        }
        if outcome.is_ok()
            && let Err(e) = self.generation.changed(&mut conn, now())
        {
            // What was committed stays committed; caches must not outlive it.
            tracing::error!(error = %e, "cannot learn the next scheduled moment");
            self.generation.bump();
        }
        let failed = outcome.as_ref().err();
        if let Some(e) = failed {
            tracing::warn!(error = %e, writes = answers.len(), "a batch of writes failed");
        } else if let Some(f) = self.after_commit.get() {
            f();
        }
        for answer in answers {
            answer(failed);
        }
    }
}

/// The depth of `conn`'s open transaction (1: the batch, no savepoint open).
fn in_batch(conn: &mut Conn) -> diesel::QueryResult<Option<std::num::NonZeroU32>> {
    use diesel::connection::TransactionManager;
    <Conn as Connection>::TransactionManager::transaction_manager_status_mut(conn)
        .transaction_depth()
}

/// Runs `f` in a transaction that may write from its first statement: on SQLite `BEGIN
/// IMMEDIATE` takes the write lock up front, so a writer from another process queues on
/// `busy_timeout` instead of failing halfway when a read transaction tries to upgrade; on
/// PostgreSQL the transaction takes the cluster's write lock (see
/// [`postgres::take_write_lock`]). Committed if `f` succeeds, rolled back otherwise.
pub fn write_transaction<T, E>(
    conn: &mut Conn,
    f: impl FnOnce(&mut Conn) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<diesel::result::Error>,
{
    use diesel::connection::{AnsiTransactionManager, TransactionManager};
    type Manager = <Conn as Connection>::TransactionManager;
    match conn {
        Conn::Sqlite(c) => AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?,
        Conn::Postgres(c) => {
            AnsiTransactionManager::begin_transaction(c)?;
            postgres::take_write_lock(c)?;
        }
    }
    match f(conn) {
        Ok(value) => {
            Manager::commit_transaction(conn)?;
            Ok(value)
        }
        Err(error) => match Manager::rollback_transaction(conn) {
            Ok(()) | Err(diesel::result::Error::BrokenTransactionManager) => Err(error),
            Err(rollback) => Err(rollback.into()),
        },
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

/// Runs `f` in a transaction of its own on a connection of `pool`, beside the writer's batches:
/// for bookkeeping that is not content (webhook deliveries), which should neither queue behind
/// content writes nor move the content generation on. On SQLite `BEGIN IMMEDIATE` (it waits
/// for the writer's lock on `busy_timeout`); on PostgreSQL a plain transaction, without the
/// cluster's write lock.
pub async fn transaction_aside<T, F>(pool: &DbPool, f: F) -> Result<T, AppError>
where
    F: FnOnce(&mut Conn) -> Result<T, AppError> + Send + 'static,
    T: Send + 'static,
{
    with(pool.clone(), move |conn| match conn {
        Conn::Sqlite(_) => write_transaction(conn, f),
        Conn::Postgres(_) => conn.transaction(f),
    })
    .await
}

/// Runs `f` on the writer thread inside an immediate (write-locking) transaction, in a
/// savepoint of its own, and answers once the transaction committed; the content generation
/// has moved on by then. See [`Writer`].
pub async fn write<T, F>(db: &Db, f: F) -> Result<T, AppError>
where
    F: FnOnce(&mut Conn) -> Result<T, AppError> + Send + 'static,
    T: Send + 'static,
{
    let (tx, rx) = tokio::sync::oneshot::channel::<Result<T, AppError>>();
    let job: Job = Box::new(move |conn: &mut Conn| {
        let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            conn.transaction::<T, AppError, _>(f)
        }));
        let panicked = out.is_err();
        let out = out.unwrap_or_else(|_| Err(AppError::internal("a write panicked")));
        let answer: Answer = Box::new(move |failed: Option<&AppError>| {
            let answer = match (out, failed) {
                (Ok(_), Some(e)) => Err(e.clone()),
                (out, _) => out,
            };
            let _ = tx.send(answer);
        });
        (answer, panicked)
    });
    db.writes
        .send(job)
        .map_err(|_| AppError::internal("the writer thread has stopped"))?;
    rx.await.unwrap_or_else(|_| {
        Err(AppError::Unavailable(
            "The database could not take this write; retry shortly.".into(),
        ))
    })
}

/// The condition "one of `columns` contains `text`", ignoring ASCII case as SQLite's `LIKE`
/// does; on PostgreSQL `ILIKE` over the bytes (`COLLATE "C"`: its case-insensitive collation
/// refuses `LIKE`, and folding ASCII only is SQLite's answer). `columns` are SQL names.
pub fn contains<QS: 'static>(
    postgres: bool,
    columns: &[&str],
    text: &str,
) -> Box<dyn diesel::BoxableExpression<QS, Backend, SqlType = diesel::sql_types::Bool>> {
    use diesel::BoolExpressionMethods;
    use diesel::sql_types::{Bool, Text};
    let operator = if postgres {
        " COLLATE \"C\" ILIKE "
    } else {
        " LIKE "
    };
    let pattern = contains_pattern(text);
    let one = |column: &str| -> Box<dyn diesel::BoxableExpression<QS, Backend, SqlType = Bool>> {
        Box::new(
            diesel::dsl::sql::<Bool>(&format!("{column}{operator}"))
                .bind::<Text, _>(pattern.clone())
                .sql(" ESCAPE '\\'"),
        )
    };
    let mut all = columns.iter().map(|c| one(c));
    let first = all
        .next()
        .unwrap_or_else(|| Box::new(diesel::dsl::sql::<Bool>("FALSE")));
    all.fold(first, |either, next| Box::new(either.or(next)))
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
    use diesel::connection::SimpleConnection;
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

    #[derive(diesel::QueryableByName)]
    struct Row {
        #[diesel(sql_type = BigInt)]
        x: i64,
    }

    #[cfg(unix)]
    #[test]
    fn the_database_and_its_wal_are_the_owners_alone() {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("fresh.db");
        let pool = open_pool(&path, 1).unwrap();
        pool.get()
            .unwrap()
            .batch_execute("CREATE TABLE t (x); INSERT INTO t VALUES (1);")
            .unwrap();
        let wal = dir.path().join("fresh.db-wal");
        assert!(wal.exists());
        assert_eq!((mode(&path), mode(&wal)), (0o600, 0o600));
        drop(pool);
        // A database made before, readable by everyone, is closed to them.
        let old = dir.path().join("old.db");
        std::fs::write(&old, b"").unwrap();
        std::fs::set_permissions(&old, std::fs::Permissions::from_mode(0o644)).unwrap();
        migrate(&old).unwrap();
        assert_eq!(mode(&old), 0o600);
    }

    /// Writes queued together commit together, each in a savepoint: one that fails takes back
    /// only its own changes, and every caller hears its own outcome.
    #[actix_web::test]
    async fn a_failing_write_in_a_batch_takes_back_only_itself() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        migrate(&path).unwrap();
        let db = Db::open(&path, 2, StatementCounter::default()).unwrap();
        write(&db, |conn| {
            Ok(conn.batch_execute("CREATE TABLE t (x INTEGER NOT NULL)")?)
        })
        .await
        .unwrap();
        let before = db.generation().current(0).unwrap_or_default();
        let writes = (0..40_i64).map(|i| {
            write(&db, move |conn| {
                diesel::sql_query(format!("INSERT INTO t (x) VALUES ({i})")).execute(conn)?;
                if i % 3 == 0 {
                    return Err(AppError::Conflict(format!("{i} refused")));
                }
                Ok(i)
            })
        });
        let outcomes = futures_util::future::join_all(writes).await;
        for (i, outcome) in (0..40_i64).zip(&outcomes) {
            match outcome {
                Ok(v) => assert_eq!(*v, i),
                Err(AppError::Conflict(m)) => assert_eq!(m, &format!("{i} refused")),
                Err(e) => panic!("{i}: {e}"),
            }
        }
        let kept: Vec<i64> = read(&db, |conn| {
            Ok(diesel::sql_query("SELECT x FROM t ORDER BY x").load::<Row>(conn)?)
        })
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.x)
        .collect();
        assert_eq!(kept, (0..40).filter(|i| i % 3 != 0).collect::<Vec<_>>());
        assert!(db.generation().current(0).unwrap_or_default() > before);
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
