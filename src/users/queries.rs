//! Database access for staff accounts. Plain functions over a connection; no HTTP here.

use diesel::dsl::count_star;
use diesel::prelude::*;

use crate::db::Conn;
use crate::db::paging::{Page, SortKey, apply_sort};
use crate::db::schema::{sessions, users};
use crate::users::models::{NewUser, UserChanges, UserRow};

pub fn find(conn: &mut Conn, id: i64) -> QueryResult<Option<UserRow>> {
    users::table
        .find(id)
        .select(UserRow::as_select())
        .first(conn)
        .optional()
}

pub fn find_by_email(conn: &mut Conn, email: &str) -> QueryResult<Option<UserRow>> {
    users::table
        .filter(users::email.eq(email))
        .select(UserRow::as_select())
        .first(conn)
        .optional()
}

pub fn email_taken(conn: &mut Conn, email: &str, except_id: Option<i64>) -> QueryResult<bool> {
    // Ids start at 1: `id <> 0` excludes nothing.
    users::table
        .filter(users::email.eq(email))
        .filter(users::id.ne(except_id.unwrap_or(0)))
        .select(users::id)
        .first::<i64>(conn)
        .optional()
        .map(|found| found.is_some())
}

pub fn count(conn: &mut Conn) -> QueryResult<i64> {
    users::table.select(count_star()).first(conn)
}

/// Enabled admins other than `except_id`.
pub fn other_active_admins(conn: &mut Conn, except_id: i64) -> QueryResult<i64> {
    users::table
        .filter(users::role.eq("admin"))
        .filter(users::disabled.eq(false))
        .filter(users::id.ne(except_id))
        .select(count_star())
        .first(conn)
}

/// One page of users, filtered by `role`, ordered by `sort`; and the total.
pub fn list(
    conn: &mut Conn,
    role: Option<&str>,
    sort: &[SortKey],
    page: Page,
) -> QueryResult<(Vec<UserRow>, i64)> {
    let filtered = || {
        let mut q = users::table.into_boxed();
        if let Some(role) = role {
            q = q.filter(users::role.eq(role.to_owned()));
        }
        q
    };
    let total = filtered().select(count_star()).first(conn)?;
    let query = apply_sort!(filtered().select(UserRow::as_select()), sort, {
        "email" => users::email,
        "display_name" => users::display_name,
        "role" => users::role,
        "created_at" => users::created_at,
    });
    let rows = query
        .then_order_by(users::id.asc())
        .limit(page.limit())
        .offset(page.offset())
        .load(conn)?;
    Ok((rows, total))
}

pub fn insert(conn: &mut Conn, new: &NewUser) -> QueryResult<UserRow> {
    diesel::insert_into(users::table)
        .values(new)
        .returning(users::id)
        .get_result::<i64>(conn)
        .and_then(|id| {
            users::table
                .find(id)
                .select(UserRow::as_select())
                .first(conn)
        })
}

pub fn update(conn: &mut Conn, id: i64, changes: &UserChanges) -> QueryResult<UserRow> {
    diesel::update(users::table.find(id))
        .set(changes)
        .returning(users::id)
        .get_result::<i64>(conn)
        .and_then(|id| {
            users::table
                .find(id)
                .select(UserRow::as_select())
                .first(conn)
        })
}

/// Deletes the user; their sessions and refresh tokens go with them (`ON DELETE CASCADE`).
pub fn delete(conn: &mut Conn, id: i64) -> QueryResult<usize> {
    diesel::delete(users::table.find(id)).execute(conn)
}

/// Ends every session of the user (a new password, or a disabled account).
pub fn end_sessions(
    conn: &mut Conn,
    user_id: i64,
    now: chrono::NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        sessions::table
            .filter(sessions::user_id.eq(user_id))
            .filter(sessions::revoked_at.is_null()),
    )
    .set(sessions::revoked_at.eq(now))
    .execute(conn)
}
