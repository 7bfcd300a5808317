//! Creating staff accounts: shared by the API, the CLI and the start-up bootstrap.

use crate::app::AppState;
use crate::auth::password;
use crate::db;
use crate::error::AppError;
use crate::users::dto::CreateUser;
use crate::users::models::{NewUser, UserRow};
use crate::users::queries;

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
