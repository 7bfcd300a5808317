//! Database access for comments.

use chrono::NaiveDateTime;
use diesel::dsl::count_star;
use diesel::prelude::*;
use diesel::sql_types::BigInt;

use crate::comments::models::{CommentRow, NewComment};
use crate::db::Conn;
use crate::db::paging::Page;
use crate::db::schema::comments;

pub fn find(conn: &mut Conn, id: i64) -> QueryResult<Option<CommentRow>> {
    comments::table
        .find(id)
        .select(CommentRow::as_select())
        .first(conn)
        .optional()
}

/// The comments readers see under an article and the ancestors that keep their threads
/// together: approved comments, plus every comment some approved comment replies to, however
/// far up (a removed one shows as a placeholder).
const SHOWN: &str = "WITH RECURSIVE shown(id) AS (
        SELECT id FROM comments
        WHERE article_id = ? AND status = 'approved' AND deleted_at IS NULL
        UNION
        SELECT c.parent_id FROM comments c JOIN shown s ON c.id = s.id
        WHERE c.parent_id IS NOT NULL
    )";

#[derive(QueryableByName)]
struct Total {
    #[diesel(sql_type = BigInt)]
    total: i64,
}

/// One page of what readers see under an article, oldest first, and the total.
pub fn public_page(
    conn: &mut Conn,
    article_id: i64,
    page: Page,
) -> QueryResult<(Vec<CommentRow>, i64)> {
    // The same SQL on both backends, bar the placeholders.
    let count = format!("{SHOWN} SELECT COUNT(*) AS total FROM shown");
    let total = diesel::sql_query(conn.placeholders(&count))
        .bind::<BigInt, _>(article_id)
        .get_result::<Total>(conn)?
        .total;
    let page_sql = format!(
        "{SHOWN} SELECT * FROM comments WHERE id IN (SELECT id FROM shown)
         ORDER BY created_at, id LIMIT ? OFFSET ?"
    );
    let rows = diesel::sql_query(conn.placeholders(&page_sql))
        .bind::<BigInt, _>(article_id)
        .bind::<BigInt, _>(page.limit())
        .bind::<BigInt, _>(page.offset())
        .load::<CommentRow>(conn)?;
    Ok((rows, total))
}

/// The moderation queue: comments of `status` (on `article_id`), newest first.
pub fn queue(
    conn: &mut Conn,
    status: &str,
    article_id: Option<i64>,
    page: Page,
) -> QueryResult<(Vec<CommentRow>, i64)> {
    let filtered = || {
        let mut q = comments::table
            .filter(comments::status.eq(status.to_owned()))
            .into_boxed();
        if let Some(article) = article_id {
            q = q.filter(comments::article_id.eq(article));
        }
        q
    };
    let total = filtered().select(count_star()).first(conn)?;
    let rows = filtered()
        .order((comments::created_at.desc(), comments::id.desc()))
        .select(CommentRow::as_select())
        .limit(page.limit())
        .offset(page.offset())
        .load(conn)?;
    Ok((rows, total))
}

/// Whether the same body was posted on the article since `since`.
pub fn repeated(
    conn: &mut Conn,
    article_id: i64,
    body_hash: &str,
    since: NaiveDateTime,
) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        comments::table
            .filter(comments::article_id.eq(article_id))
            .filter(comments::body_hash.eq(body_hash))
            .filter(comments::created_at.ge(since))
            .filter(comments::deleted_at.is_null()),
    ))
    .get_result(conn)
}

pub fn has_replies(conn: &mut Conn, id: i64) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        comments::table.filter(comments::parent_id.eq(id)),
    ))
    .get_result(conn)
}

pub fn insert(conn: &mut Conn, new: &NewComment) -> QueryResult<CommentRow> {
    diesel::insert_into(comments::table)
        .values(new)
        .returning(comments::id)
        .get_result::<i64>(conn)
        .and_then(|id| {
            comments::table
                .find(id)
                .select(CommentRow::as_select())
                .first(conn)
        })
}

pub fn set_status(
    conn: &mut Conn,
    id: i64,
    status: &str,
    now: NaiveDateTime,
) -> QueryResult<CommentRow> {
    diesel::update(comments::table.find(id))
        .set((comments::status.eq(status), comments::updated_at.eq(now)))
        .returning(comments::id)
        .get_result::<i64>(conn)
        .and_then(|id| {
            comments::table
                .find(id)
                .select(CommentRow::as_select())
                .first(conn)
        })
}

/// Empties a comment that has replies: it stays in the thread as a placeholder, without its
/// author, email or text.
pub fn soft_delete(conn: &mut Conn, id: i64, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(comments::table.find(id))
        .set((
            comments::author_name.eq(""),
            comments::author_email.eq(""),
            comments::body.eq(""),
            comments::deleted_at.eq(now),
            comments::updated_at.eq(now),
        ))
        .execute(conn)
}

pub fn delete(conn: &mut Conn, id: i64) -> QueryResult<usize> {
    diesel::delete(comments::table.find(id)).execute(conn)
}
