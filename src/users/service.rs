//! Creating and changing staff accounts, with their rules (the last enabled admin stays; a new
//! password or disabling ends every session): shared by the API, the CLI and the start-up
//! bootstrap.

use crate::auth::Role;
use crate::auth::password;
use crate::db;
use crate::error::AppError;
use crate::http::etag;
use crate::state::AppState;
use crate::users::dto::{CreateUser, UpdateUser, UserView};
use crate::users::models::{NewUser, UserChanges, UserRow};
use crate::users::queries;

/// The `404` for a user id that names nobody.
pub fn not_found(id: i64) -> AppError {
    AppError::NotFound(format!("No user with id {id}."))
}

/// `author_id` if it names an author, else a `422`.
pub fn check_author(conn: &mut db::Conn, author_id: i64) -> Result<i64, AppError> {
    if crate::authors::queries::existing_ids(conn, &[author_id])?.is_empty() {
        Err(AppError::invalid(
            "author_id",
            format!("no author with id {author_id}"),
        ))
    } else {
        Ok(author_id)
    }
}

/// Creates a validated account; shared by the API, the CLI and the start-up bootstrap.
pub async fn create(state: &AppState, body: CreateUser) -> Result<UserRow, AppError> {
    let password = body.password.clone();
    let password_hash = password::hash_gated(password).await?;
    db::write(&state.db, move |conn| {
        if queries::email_taken(conn, &body.email, None)? {
            return Err(AppError::Conflict(format!(
                "A user with the email {} already exists.",
                body.email
            )));
        }
        let author_id = body.author_id.map(|a| check_author(conn, a)).transpose()?;
        let now = db::now();
        let new = NewUser {
            email: body.email,
            display_name: body.display_name.unwrap_or_default(),
            role: body.role.as_str().to_owned(),
            author_id,
            password_hash,
            disabled: body.disabled,
            created_at: now,
            updated_at: now,
        };
        Ok(queries::insert(conn, &new)?)
    })
    .await
}

/// Applies a validated change to account `id` (`404` when there is none): a new password is
/// hashed through the password gate; the last enabled admin cannot stop being one (`409`);
/// a new password or disabling ends every session of the account. With `if_match`, only if
/// the account's ETag still matches (`412`).
pub async fn update(
    state: &AppState,
    id: i64,
    body: UpdateUser,
    if_match: Option<String>,
) -> Result<UserRow, AppError> {
    let password_hash = match body.password.clone() {
        Some(pw) => Some(password::hash_gated(pw).await?),
        None => None,
    };
    db::write(&state.db, move |conn| {
        let stays_admin = body.role.is_none_or(|r| r == Role::Admin) && body.disabled != Some(true);
        guarded(conn, id, if_match.as_deref(), stays_admin)?;
        if let Some(email) = &body.email
            && queries::email_taken(conn, email, Some(id))?
        {
            return Err(AppError::Conflict(format!(
                "A user with the email {email} already exists."
            )));
        }
        let author_id = match body.author_id {
            Some(Some(a)) => Some(Some(check_author(conn, a)?)),
            Some(None) => Some(None),
            None => None,
        };
        let now = db::now();
        if password_hash.is_some() || body.disabled == Some(true) {
            queries::end_sessions(conn, id, now)?;
        }
        let changes = UserChanges {
            email: body.email,
            display_name: body.display_name,
            role: body.role.map(|r| r.as_str().to_owned()),
            author_id,
            password_hash,
            disabled: body.disabled,
            updated_at: Some(now),
        };
        Ok(queries::update(conn, id, &changes)?)
    })
    .await
}

/// Deletes account `id` (`404` when there is none), unless it is the last enabled admin
/// (`409`); its sessions go with it. With `if_match`, only if its ETag still matches (`412`).
pub async fn delete(state: &AppState, id: i64, if_match: Option<String>) -> Result<(), AppError> {
    db::write(&state.db, move |conn| {
        guarded(conn, id, if_match.as_deref(), false)?;
        queries::delete(conn, id)?;
        Ok(())
    })
    .await
}

/// The checks before changing or deleting account `id`: it exists, `if_match` (if any)
/// matches it, and it is not the last enabled admin unless it `stays_admin`.
fn guarded(
    conn: &mut db::Conn,
    id: i64,
    if_match: Option<&str>,
    stays_admin: bool,
) -> Result<(), AppError> {
    let current = queries::find(conn, id)?.ok_or_else(|| not_found(id))?;
    etag::check_if_match(
        if_match,
        &etag::of_json(&UserView::try_from(current.clone())?)?,
    )?;
    if current.role == Role::Admin.as_str()
        && !current.disabled
        && !stays_admin
        && queries::other_active_admins(conn, id)? == 0
    {
        return Err(AppError::Conflict(
            "This is the last enabled admin; make another user admin first.".into(),
        ));
    }
    Ok(())
}
