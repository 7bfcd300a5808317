//! Database access for comments.

use chrono::NaiveDateTime;
use diesel::dsl::count_star;
use diesel::prelude::*;

use crate::comments::models::{CommentRow, NewComment};
use crate::db::Conn;
use crate::db::schema::comments;
use crate::http::list::Page;

pub fn find(conn: &mut Conn, id: i64) -> QueryResult<Option<CommentRow>> {
    comments::table
        .find(id)
        .select(CommentRow::as_select())
        .first(conn)
        .optional()
}

/// What readers see under an article: approved comments, oldest first (a deleted one that
/// had replies stays as a placeholder).
pub fn public_page(
    conn: &mut Conn,
    article_id: i64,
    page: Page,
) -> QueryResult<(Vec<CommentRow>, i64)> {
    let filtered = || {
        comments::table
            .filter(comments::article_id.eq(article_id))
            .filter(comments::status.eq("approved"))
    };
    let total = filtered().select(count_star()).first(conn)?;
    let rows = filtered()
        .order((comments::created_at.asc(), comments::id.asc()))
        .select(CommentRow::as_select())
        .limit(page.limit())
        .offset(page.offset())
        .load(conn)?;
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
        .returning(CommentRow::as_returning())
        .get_result(conn)
}

pub fn set_status(
    conn: &mut Conn,
    id: i64,
    status: &str,
    now: NaiveDateTime,
) -> QueryResult<CommentRow> {
    diesel::update(comments::table.find(id))
        .set((comments::status.eq(status), comments::updated_at.eq(now)))
        .returning(CommentRow::as_returning())
        .get_result(conn)
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
