//! PostgreSQL, for several nodes: connections by URL, its own migrations (applied by one
//! node at a time), and the errors that mean "busy, retry".

use diesel::PgConnection;
use diesel::connection::{Connection, SimpleConnection};
use diesel::result::DatabaseErrorKind;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use super::SetupError;

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
pub(super) fn take_write_lock(conn: &mut PgConnection) -> diesel::QueryResult<()> {
    conn.batch_execute(&format!("SELECT pg_advisory_xact_lock({WRITE_LOCK})"))
}

#[derive(diesel::QueryableByName)]
struct SharedGeneration {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    generation: i64,
}

/// Moves the shared content generation on, in the batch's transaction: every node learns
/// from it that what the API shows may have changed. Returns the new value.
pub(super) fn bump_generation(conn: &mut super::Conn) -> diesel::QueryResult<i64> {
    use diesel::RunQueryDsl;
    diesel::sql_query(
        "UPDATE content_generation SET generation = generation + 1 WHERE id = 1 \
         RETURNING generation",
    )
    .get_result::<SharedGeneration>(conn)
    .map(|g| g.generation)
}

/// The shared content generation as committed now.
pub(super) fn shared_generation(conn: &mut super::Conn) -> diesel::QueryResult<i64> {
    use diesel::RunQueryDsl;
    diesel::sql_query("SELECT generation FROM content_generation WHERE id = 1")
        .get_result::<SharedGeneration>(conn)
        .map(|g| g.generation)
}

/// Forgets throttle events older than any window (a key never tried again keeps its rows
/// otherwise).
pub(super) fn prune_throttle(conn: &mut super::Conn) -> diesel::QueryResult<usize> {
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
