//! Sessions and refresh tokens in the database.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use crate::auth::tokens::SESSION_TTL_DAYS;
use crate::db::Conn;
use crate::db::schema::{refresh_tokens, sessions, users};
use crate::users::models::UserRow;

/// The user behind an access token, if the session is still open and the user enabled.
pub fn active_user(
    conn: &mut Conn,
    user_id: i64,
    session_id: i64,
    now: NaiveDateTime,
) -> QueryResult<Option<UserRow>> {
    users::table
        .inner_join(sessions::table)
        .filter(users::id.eq(user_id))
        .filter(users::disabled.eq(false))
        .filter(sessions::id.eq(session_id))
        .filter(sessions::revoked_at.is_null())
        .filter(sessions::expires_at.gt(now))
        .select(UserRow::as_select())
        .first(conn)
        .optional()
}

/// Opens a session for `user_id` with its first refresh token (stored by hash).
pub fn open_session(
    conn: &mut Conn,
    user_id: i64,
    token_hash: &str,
    now: NaiveDateTime,
) -> QueryResult<i64> {
    let session_id: i64 = diesel::insert_into(sessions::table)
        .values((
            sessions::user_id.eq(user_id),
            sessions::created_at.eq(now),
            sessions::expires_at.eq(now + Duration::days(SESSION_TTL_DAYS)),
        ))
        .returning(sessions::id)
        .get_result(conn)?;
    add_refresh_token(conn, session_id, token_hash, now)?;
    Ok(session_id)
}

fn add_refresh_token(
    conn: &mut Conn,
    session_id: i64,
    token_hash: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(refresh_tokens::table)
        .values((
            refresh_tokens::token_hash.eq(token_hash),
            refresh_tokens::session_id.eq(session_id),
            refresh_tokens::created_at.eq(now),
        ))
        .execute(conn)
        .map(|_| ())
}

/// What presenting a refresh token led to.
#[derive(Debug)]
pub enum Refresh {
    /// Rotated: the old token is used up, the new one is stored.
    Rotated { user: UserRow, session_id: i64 },
    /// The token was already used: the session has been ended.
    Reused,
    /// Unknown token, or its session ended or expired, or its user is disabled.
    Invalid,
}

/// A refresh token's `used_at`, with its session's id, `revoked_at` and `expires_at`, and
/// its user.
type TokenSession = (
    Option<NaiveDateTime>,
    i64,
    Option<NaiveDateTime>,
    NaiveDateTime,
    UserRow,
);

/// Uses up the refresh token `old_hash` and stores `new_hash` in its place. Run it inside one
/// write transaction: two concurrent uses of one token must not both succeed.
pub fn rotate(
    conn: &mut Conn,
    old_hash: &str,
    new_hash: &str,
    now: NaiveDateTime,
) -> QueryResult<Refresh> {
    let found: Option<TokenSession> = refresh_tokens::table
        .inner_join(sessions::table.inner_join(users::table))
        .filter(refresh_tokens::token_hash.eq(old_hash))
        .select((
            refresh_tokens::used_at,
            sessions::id,
            sessions::revoked_at,
            sessions::expires_at,
            UserRow::as_select(),
        ))
        .first(conn)
        .optional()?;
    let Some((used_at, session_id, revoked_at, expires_at, user)) = found else {
        return Ok(Refresh::Invalid);
    };
    if used_at.is_some() {
        end_session(conn, session_id, now)?;
        return Ok(Refresh::Reused);
    }
    if revoked_at.is_some() || expires_at <= now || user.disabled {
        return Ok(Refresh::Invalid);
    }
    // Used up only if still unused: with several nodes, the one that loses a race for the
    // same token finds it used (writes also take turns, see `db::write_transaction`).
    let taken = diesel::update(
        refresh_tokens::table
            .find(old_hash)
            .filter(refresh_tokens::used_at.is_null()),
    )
    .set(refresh_tokens::used_at.eq(now))
    .execute(conn)?;
    if taken == 0 {
        end_session(conn, session_id, now)?;
        return Ok(Refresh::Reused);
    }
    add_refresh_token(conn, session_id, new_hash, now)?;
    diesel::update(sessions::table.find(session_id))
        .set(sessions::expires_at.eq(now + Duration::days(SESSION_TTL_DAYS)))
        .execute(conn)?;
    Ok(Refresh::Rotated { user, session_id })
}

/// Ends a session: its refresh tokens and access tokens stop working.
pub fn end_session(conn: &mut Conn, session_id: i64, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(
        sessions::table
            .find(session_id)
            .filter(sessions::revoked_at.is_null()),
    )
    .set(sessions::revoked_at.eq(now))
    .execute(conn)
}

/// Forgets sessions that expired or ended more than a day ago (their tokens go with them).
pub fn prune_sessions(conn: &mut Conn, now: NaiveDateTime) -> QueryResult<usize> {
    let cutoff = now - Duration::days(1);
    diesel::delete(
        sessions::table.filter(
            sessions::expires_at
                .lt(cutoff)
                .or(sessions::revoked_at.lt(cutoff)),
        ),
    )
    .execute(conn)
}
