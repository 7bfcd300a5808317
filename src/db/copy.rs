//! `dateline migrate-to`: copies an SQLite newsroom into an empty PostgreSQL database, in one
//! transaction, then checks it before committing: the number of rows of every table and a
//! SHA-256 over what each row says, read back through the same queries on both sides.
//!
//! Rows travel as JSON: SQLite writes a batch of rows with `json_object`, PostgreSQL reads it
//! with `json_populate_recordset`, which turns each value into its column's type. Triggers
//! are off while the rows arrive (the counts they keep are copied as they are, and then
//! checked), and foreign keys are checked at commit (`SET CONSTRAINTS ALL DEFERRED`), so rows
//! that point at each other may arrive in any order.

use diesel::QueryableByName;
use diesel::RunQueryDsl;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text};
use sha2::{Digest, Sha256};

use super::Conn;

/// The tables copied, in an order that suits the reader (keys are checked at commit anyway).
/// `search_changes` is not copied: each node's search index is rebuilt from the articles.
const TABLES: [&str; 23] = [
    "users",
    "images",
    "authors",
    "sources",
    "tags",
    "articles",
    "sitemap_pages",
    "sitemap_pending",
    "slug_history",
    "article_authors",
    "article_tags",
    "article_sources",
    "comments",
    "sessions",
    "refresh_tokens",
    "previews",
    "webhooks",
    "webhook_events",
    "webhook_deliveries",
    "webhook_attempts",
    "article_revisions",
    "corrections",
    "correction_amendments",
];

/// Tables whose `id` comes from an identity sequence, to move on past the copied ids.
const WITH_IDS: [&str; 15] = [
    "users",
    "images",
    "authors",
    "sources",
    "tags",
    "articles",
    "comments",
    "sessions",
    "webhooks",
    "webhook_events",
    "webhook_deliveries",
    "webhook_attempts",
    "article_revisions",
    "corrections",
    "correction_amendments",
];

/// Rows per batch.
const BATCH: i64 = 500;

/// What went wrong while copying; nothing is left in the target then.
#[derive(Debug, thiserror::Error)]
pub enum CopyError {
    #[error("{0}")]
    Database(#[from] diesel::result::Error),
    #[error("the target database is not empty: {0}")]
    NotEmpty(String),
    #[error("the copy differs from the original: {0}")]
    Differs(String),
}

/// Per table: rows copied.
#[derive(Debug, Default)]
pub struct Copied {
    pub tables: Vec<(&'static str, i64)>,
}

#[derive(QueryableByName)]
struct Column {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    kind: String,
}

#[derive(QueryableByName)]
struct Batch {
    #[diesel(sql_type = Nullable<Text>)]
    rows: Option<String>,
    #[diesel(sql_type = Nullable<BigInt>)]
    last: Option<i64>,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

fn count(conn: &mut Conn, table: &str) -> QueryResult<i64> {
    Ok(
        diesel::sql_query(format!("SELECT count(*) AS n FROM {table}"))
            .get_result::<Count>(conn)?
            .n,
    )
}

/// Copies everything from `from` (SQLite) into `to` (PostgreSQL, migrated), which must hold
/// no content; checks the copy and commits it, or leaves `to` as it was.
pub fn copy(from: &mut Conn, to: &mut Conn) -> Result<Copied, CopyError> {
    let mut used = Vec::new();
    for table in TABLES {
        let n = count(to, table)?;
        if n > 0 {
            used.push(format!("{table} has {n} rows"));
        }
    }
    if !used.is_empty() {
        return Err(CopyError::NotEmpty(used.join(", ")));
    }
    to.transaction(|to| {
        to.batch_execute("SET CONSTRAINTS ALL DEFERRED")?;
        for table in TABLES {
            to.batch_execute(&format!("ALTER TABLE {table} DISABLE TRIGGER USER"))?;
        }
        let mut copied = Copied::default();
        for table in TABLES {
            copied.tables.push((table, copy_table(from, to, table)?));
        }
        let listed = diesel::sql_query(
            "SELECT CAST(value AS BIGINT) AS n FROM counters WHERE name = 'listed_articles'",
        )
        .get_result::<Count>(from)?
        .n;
        diesel::sql_query("UPDATE counters SET value = $1 WHERE name = 'listed_articles'")
            .bind::<BigInt, _>(listed)
            .execute(to)?;
        // Every row is there: check the keys now (a table with pending checks cannot have
        // its triggers switched back on).
        to.batch_execute("SET CONSTRAINTS ALL IMMEDIATE")?;
        for table in TABLES {
            to.batch_execute(&format!("ALTER TABLE {table} ENABLE TRIGGER USER"))?;
        }
        for table in WITH_IDS {
            to.batch_execute(&format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), \
                 GREATEST(max(id), 1), max(id) IS NOT NULL) FROM {table}"
            ))?;
        }
        check(from, to)?;
        Ok(copied)
    })
}

/// Copies one table in batches of [`BATCH`] rows, in `rowid` order; answers how many.
fn copy_table(from: &mut Conn, to: &mut Conn, table: &str) -> Result<i64, CopyError> {
    // Stored columns only: generated ones (`visible_at`) are made again by PostgreSQL.
    let columns: Vec<Column> = diesel::sql_query(format!(
        "SELECT name, type AS kind FROM pragma_table_xinfo('{table}') WHERE hidden = 0"
    ))
    .load(from)?;
    let fields: Vec<String> = columns
        .iter()
        .map(|c| {
            if c.kind.eq_ignore_ascii_case("BOOLEAN") {
                // SQLite keeps booleans as 0 and 1; JSON says true and false.
                format!(
                    "'{0}', json(CASE WHEN {0} IS NULL THEN 'null' WHEN {0} THEN 'true' \
                     ELSE 'false' END)",
                    c.name
                )
            } else {
                format!("'{0}', {0}", c.name)
            }
        })
        .collect();
    let names: Vec<&str> = columns.iter().map(|c| c.name.as_str()).collect();
    let read = format!(
        "SELECT json_group_array(json(o)) AS rows, max(r) AS last FROM \
         (SELECT rowid AS r, json_object({}) AS o FROM {table} WHERE rowid > ? \
          ORDER BY rowid LIMIT ?)",
        fields.join(", ")
    );
    let write = format!(
        "INSERT INTO {table} ({0}) SELECT {0} FROM json_populate_recordset(NULL::{table}, \
         CAST($1 AS json))",
        names.join(", ")
    );
    let (mut after, mut total) = (0_i64, 0_i64);
    loop {
        let batch: Batch = diesel::sql_query(&read)
            .bind::<BigInt, _>(after)
            .bind::<BigInt, _>(BATCH)
            .get_result(from)?;
        let (Some(rows), Some(last)) = (batch.rows, batch.last) else {
            break;
        };
        let n = diesel::sql_query(&write)
            .bind::<Text, _>(rows)
            .execute(to)?;
        total += i64::try_from(n).unwrap_or(i64::MAX);
        after = last;
    }
    Ok(total)
}

/// Compares row counts and a digest of every table's rows, read through the same queries
/// from both databases.
fn check(from: &mut Conn, to: &mut Conn) -> Result<(), CopyError> {
    let mut differs = Vec::new();
    for table in TABLES {
        let (a, b) = (count(from, table)?, count(to, table)?);
        if a != b {
            differs.push(format!("{table}: {a} rows, copied {b}"));
        }
    }
    for (name, digest) in DIGESTS {
        let (a, b) = (digest(from)?, digest(to)?);
        if a != b {
            differs.push(format!("{name}: the rows' digests differ"));
        }
    }
    if differs.is_empty() {
        Ok(())
    } else {
        Err(CopyError::Differs(differs.join("; ")))
    }
}

type DigestFn = fn(&mut Conn) -> QueryResult<String>;

/// Rows read per query while digesting.
const DIGEST_CHUNK: i64 = 5_000;

/// A digest of `$table`'s rows, read `DIGEST_CHUNK` at a time in `$key` order, as the tuple
/// `$columns` of Rust types `$types` (the same values, whichever database they come from).
macro_rules! digest {
    ($table:ident, $key:ident, ($($column:ident),+), ($($ty:ty),+)) => {{
        fn digest(conn: &mut Conn) -> QueryResult<String> {
            use crate::db::schema::$table;
            let mut hash = Sha256::new();
            let mut after = i64::MIN;
            loop {
                let rows: Vec<(i64, $($ty),+)> = $table::table
                    .filter($table::$key.gt(after))
                    .order($table::$key)
                    .limit(DIGEST_CHUNK)
                    .select(($table::$key, $($table::$column),+))
                    .load(conn)?;
                let Some(last) = rows.last().map(|r| r.0) else {
                    break;
                };
                for row in &rows {
                    hash.update(format!("{row:?}\n").as_bytes());
                }
                after = last;
            }
            Ok(hex::encode(hash.finalize()))
        }
        (stringify!($table), digest as DigestFn)
    }};
}

/// The link tables have no single key: their rows, ordered by article and position.
macro_rules! link_digest {
    ($table:ident, $other:ident) => {{
        fn digest(conn: &mut Conn) -> QueryResult<String> {
            use crate::db::schema::$table;
            let mut hash = Sha256::new();
            let mut after = i64::MIN;
            loop {
                let rows: Vec<(i64, i64, i32)> = $table::table
                    .filter($table::article_id.gt(after))
                    .filter($table::article_id.le(after.saturating_add(DIGEST_CHUNK)))
                    .order(($table::article_id, $table::position))
                    .select(($table::article_id, $table::$other, $table::position))
                    .load(conn)?;
                for row in &rows {
                    hash.update(format!("{row:?}\n").as_bytes());
                }
                let more: Option<i64> = $table::table
                    .filter($table::article_id.gt(after.saturating_add(DIGEST_CHUNK)))
                    .select(diesel::dsl::min($table::article_id))
                    .first(conn)?;
                match more {
                    Some(next) => after = next - 1,
                    None => break,
                }
            }
            Ok(hex::encode(hash.finalize()))
        }
        (stringify!($table), digest as DigestFn)
    }};
}

type Time = chrono::NaiveDateTime;

const DIGESTS: [(&str, DigestFn); 13] = [
    digest!(
        articles,
        id,
        (slug, title, subtitle, excerpt, body, body_html, dateline),
        (
            String,
            String,
            Option<String>,
            String,
            String,
            String,
            Option<String>
        )
    ),
    digest!(
        articles,
        id,
        (
            status,
            published_at,
            created_at,
            updated_at,
            created_by,
            comment_count,
            feature_image_id,
            comments_enabled
        ),
        (
            String,
            Option<Time>,
            Time,
            Time,
            Option<i64>,
            i32,
            Option<i64>,
            bool
        )
    ),
    digest!(
        comments,
        id,
        (
            article_id,
            parent_id,
            author_name,
            author_email,
            body,
            status,
            deleted_at,
            created_at
        ),
        (
            i64,
            Option<i64>,
            String,
            String,
            String,
            String,
            Option<Time>,
            Time
        )
    ),
    digest!(
        authors,
        id,
        (
            slug,
            name,
            bio,
            email,
            website,
            avatar_image_id,
            listed_count
        ),
        (
            String,
            String,
            Option<String>,
            Option<String>,
            Option<String>,
            Option<i64>,
            i32
        )
    ),
    digest!(
        tags,
        id,
        (slug, name, description, listed_count),
        (String, String, Option<String>, i32)
    ),
    digest!(
        sources,
        id,
        (slug, name, url, kind, description, listed_count),
        (String, String, Option<String>, String, Option<String>, i32)
    ),
    digest!(
        users,
        id,
        (
            email,
            display_name,
            role,
            password_hash,
            disabled,
            author_id
        ),
        (String, String, String, String, bool, Option<i64>)
    ),
    digest!(
        images,
        id,
        (
            sha256, mime_type, width, height, size_bytes, alt, caption, credit
        ),
        (
            String,
            String,
            i32,
            i32,
            i32,
            Option<String>,
            Option<String>,
            Option<String>
        )
    ),
    digest!(
        sessions,
        id,
        (user_id, expires_at, revoked_at),
        (i64, Time, Option<Time>)
    ),
    link_digest!(article_authors, author_id),
    link_digest!(article_tags, tag_id),
    link_digest!(article_sources, source_id),
    refresh_tokens_digest(),
];

/// Refresh tokens are keyed by their hash, not an id.
const fn refresh_tokens_digest() -> (&'static str, DigestFn) {
    fn digest(conn: &mut Conn) -> QueryResult<String> {
        use crate::db::schema::refresh_tokens;
        let rows: Vec<(String, i64, Option<Time>)> = refresh_tokens::table
            .order(refresh_tokens::token_hash)
            .select((
                refresh_tokens::token_hash,
                refresh_tokens::session_id,
                refresh_tokens::used_at,
            ))
            .load(conn)?;
        let mut hash = Sha256::new();
        for row in &rows {
            hash.update(format!("{row:?}\n").as_bytes());
        }
        Ok(hex::encode(hash.finalize()))
    }
    ("refresh_tokens", digest as DigestFn)
}
