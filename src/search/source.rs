//! What the indexer reads from (and clears in) the database: the change log that triggers
//! fill in the same transaction as every article change (`search_changes`), and the searched
//! columns of articles.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::BigInt;

use super::schema::{ArticleText, NEVER};
use crate::db::Conn;
use crate::db::schema::articles;

/// One logged change: article `article_id` was inserted, updated or deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, QueryableByName)]
pub struct Change {
    #[diesel(sql_type = BigInt)]
    pub seq: i64,
    #[diesel(sql_type = BigInt)]
    pub article_id: i64,
}

#[derive(QueryableByName)]
struct Seq {
    #[diesel(sql_type = BigInt)]
    seq: i64,
}

/// The last change ever logged (0 when none was): AUTOINCREMENT keeps it in
/// `sqlite_sequence` even after the log rows are cleared. SQLite has one writer, so changes
/// commit in `seq` order and nothing below this number can still appear.
///
/// On PostgreSQL a sequence hands out numbers outside transactions (a write taken back leaves
/// a gap), so the last change is the highest committed row, which the log keeps there (see
/// [`forget_changes_through`]); writes take one advisory lock per batch (see
/// `db::write_transaction`), so changes commit in `seq` order too.
pub fn last_change(conn: &mut Conn) -> QueryResult<i64> {
    let sql = if conn.is_postgres() {
        "SELECT COALESCE(MAX(seq), 0) AS seq FROM search_changes"
    } else {
        "SELECT seq FROM sqlite_sequence WHERE name = 'search_changes'"
    };
    let seq: Option<Seq> = diesel::sql_query(sql).get_result(conn).optional()?;
    Ok(seq.map_or(0, |s| s.seq))
}

/// Up to `limit` changes after `seq`, oldest first.
pub fn changes_after(conn: &mut Conn, seq: i64, limit: i64) -> QueryResult<Vec<Change>> {
    let sql = "SELECT seq, article_id FROM search_changes WHERE seq > ? ORDER BY seq LIMIT ?";
    diesel::sql_query(conn.placeholders(sql))
        .bind::<BigInt, _>(seq)
        .bind::<BigInt, _>(limit)
        .load(conn)
}

/// Rows deleted per statement by [`forget_changes_through`].
const FORGET_CHUNK: i64 = 5_000;

/// Forgets the changes up to `seq`, which the index has committed, a few thousand rows per
/// statement: each statement is a write, and the request writers wait while it runs (after
/// a rebuild the log may hold a million rows).
///
/// On PostgreSQL several nodes read the log, each for its own index: a node forgets only what
/// every other node either has applied or would not read anyway (it rebuilds once it is more
/// than [`super::indexer::REBUILD_BACKLOG`] changes behind).
pub fn forget_changes_through(conn: &mut Conn, seq: i64) -> QueryResult<usize> {
    let seq = if conn.is_postgres() {
        seq.min(last_change(conn)? - super::indexer::REBUILD_BACKLOG)
    } else {
        seq
    };
    if seq <= 0 {
        return Ok(0);
    }
    let mut forgotten = 0;
    loop {
        let sql = "DELETE FROM search_changes WHERE seq IN \
                   (SELECT seq FROM search_changes WHERE seq <= ? ORDER BY seq LIMIT ?)";
        let n = diesel::sql_query(conn.placeholders(sql))
            .bind::<BigInt, _>(seq)
            .bind::<BigInt, _>(FORGET_CHUNK)
            .execute(conn)?;
        forgotten += n;
        if n < usize::try_from(FORGET_CHUNK).unwrap_or(usize::MAX) {
            return Ok(forgotten);
        }
    }
}

type Row = (
    i64,
    Option<NaiveDateTime>,
    String,
    Option<String>,
    String,
    String,
);

fn columns() -> (
    articles::id,
    articles::visible_at,
    articles::title,
    articles::subtitle,
    articles::excerpt,
    articles::body,
) {
    (
        articles::id,
        articles::visible_at,
        articles::title,
        articles::subtitle,
        articles::excerpt,
        articles::body,
    )
}

fn text((id, visible_at, title, subtitle, excerpt, body): Row) -> ArticleText {
    ArticleText {
        id,
        visible_at: visible_at.map_or(NEVER, |t| t.and_utc().timestamp()),
        title,
        subtitle,
        excerpt,
        body,
    }
}

/// The searched columns of those of `ids` that still exist.
pub fn articles_by_id(conn: &mut Conn, ids: &[i64]) -> QueryResult<Vec<ArticleText>> {
    let rows: Vec<Row> = articles::table
        .filter(articles::id.eq_any(ids))
        .select(columns())
        .load(conn)?;
    Ok(rows.into_iter().map(text).collect())
}

/// Up to `limit` articles after id `after`, in id order: the whole table a batch at a time.
pub fn articles_after(conn: &mut Conn, after: i64, limit: i64) -> QueryResult<Vec<ArticleText>> {
    let rows: Vec<Row> = articles::table
        .filter(articles::id.gt(after))
        .order(articles::id)
        .limit(limit)
        .select(columns())
        .load(conn)?;
    Ok(rows.into_iter().map(text).collect())
}
