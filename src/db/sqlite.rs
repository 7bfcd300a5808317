//! SQLite, the embedded default: one file (created with its folder, readable by its owner
//! only) in WAL mode, PRAGMAs on every connection, and its own migrations.

use std::path::Path;

use diesel::RunQueryDsl;
use diesel::connection::{Connection, SimpleConnection};
use diesel::sqlite::SqliteConnection;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use super::{BUSY_TIMEOUT, SetupError};

const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");

/// Creates the file's folder, closes the file to others, and switches it to WAL (a property
/// of the file, switched once: switching needs a moment alone with it).
pub(super) fn prepare(path: &Path) -> Result<(), SetupError> {
    if let Some(folder) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(folder).map_err(|source| SetupError::Folder {
            path: folder.display().to_string(),
            source,
        })?;
    }
    owner_only(path)?;
    let url = path.to_string_lossy();
    let mut first =
        SqliteConnection::establish(&url).map_err(|e| SetupError::Open(format!("{url}: {e}")))?;
    first
        .batch_execute(&format!(
            "PRAGMA busy_timeout = {}; PRAGMA journal_mode = WAL;",
            BUSY_TIMEOUT.as_millis()
        ))
        .map_err(|e| SetupError::Open(format!("cannot switch {url} to WAL: {e}")))
}

/// The PRAGMAs every pooled connection needs; every connection runs in WAL.
pub(super) fn on_connect(conn: &mut SqliteConnection) -> diesel::QueryResult<()> {
    conn.batch_execute(&format!(
        "PRAGMA busy_timeout = {};
         PRAGMA synchronous = NORMAL;
         PRAGMA foreign_keys = ON;",
        BUSY_TIMEOUT.as_millis()
    ))
}

/// SQLite reports `SQLITE_BUSY`/`SQLITE_LOCKED` with these messages once `busy_timeout` ran
/// out.
pub(super) fn is_busy(message: &str) -> bool {
    message.contains("database is locked")
        || message.contains("database table is locked")
        || message.contains("database is busy")
}

/// Creates the database file readable and writable by its owner only (it holds password
/// hashes and emails), or takes group and other access away from an existing one and its
/// WAL. SQLite gives the WAL and shared-memory files it creates the database file's mode.
pub(super) fn owner_only(path: &Path) -> Result<(), SetupError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        let open_err = |e: std::io::Error| SetupError::Open(format!("{}: {e}", path.display()));
        if path.as_os_str() == ":memory:" {
            return Ok(());
        }
        std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .open(path)
            .map_err(open_err)?;
        for file in ["", "-wal", "-shm"] {
            let mut name = path.as_os_str().to_owned();
            name.push(file);
            let file = Path::new(&name);
            let Ok(meta) = std::fs::metadata(file) else {
                continue;
            };
            let mode = meta.permissions().mode();
            if mode & 0o077 != 0 {
                // A file provisioned by another user (say root:dateline 0660) cannot be
                // changed here: say so, and go on as before.
                match std::fs::set_permissions(file, std::fs::Permissions::from_mode(mode & 0o700))
                {
                    Ok(()) => {
                        tracing::warn!(path = %file.display(), "took group and other access away from the database file")
                    }
                    Err(e) => {
                        tracing::warn!(path = %file.display(), error = %e, "the database file is readable by others, and its mode cannot be changed")
                    }
                }
            }
        }
    }
    Ok(())
}

/// Applies every pending embedded migration to the database at `path`; returns the versions
/// it applied.
///
/// Migrations run on a connection of their own with foreign keys off, as SQLite's procedure
/// for rebuilding a table asks: dropping the old copy of a table must not cascade to the rows
/// that reference it. The keys are checked once all migrations have run.
pub(super) fn migrate(path: &Path) -> Result<Vec<String>, SetupError> {
    owner_only(path)?;
    let url = path.to_string_lossy().into_owned();
    let failed = |e: &dyn std::fmt::Display| SetupError::Migrate(e.to_string());
    let mut conn = SqliteConnection::establish(&url).map_err(|e| failed(&e))?;
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
