//! The rules for comments: who may post where, the repeat and rate limits, moderation, and
//! deleting inside a thread. Handlers parse and answer; this module decides.

use chrono::Duration;

use crate::articles::service as articles;
use crate::auth::AuthUser;
use crate::comments::dto::{CommentStatus, ModeratedComment, NewCommentBody, body_hash};
use crate::comments::models::{CommentRow, NewComment};
use crate::comments::queries;
use crate::db::paging::Page;
use crate::db::{self, Conn};
use crate::error::AppError;
use crate::http::etag;
use crate::slug::IdOrSlug;
use crate::state::AppState;

/// How long the same text on the same article counts as a repeat.
pub const REPEAT_WINDOW_MINUTES: i64 = 10;

fn comment_not_found(id: i64) -> AppError {
    AppError::NotFound(format!("No comment with id {id}."))
}

/// An article's approved comments (one page) and their number, for whoever may read it.
pub async fn public_page(
    state: &AppState,
    key: IdOrSlug,
    user: Option<AuthUser>,
    page: Page,
) -> Result<(Vec<CommentRow>, i64), AppError> {
    db::read(&state.db, move |conn| {
        let article = articles::load_visible(conn, &key, user.as_ref(), db::now())?;
        Ok(queries::public_page(conn, article.row.id, page)?)
    })
    .await
}

/// Posts a comment on the article `key`: approved at once from staff, held for moderation
/// from readers, who share an hourly allowance per client address (`client`).
pub async fn post(
    state: &AppState,
    key: IdOrSlug,
    staff: Option<AuthUser>,
    client: &str,
    body: Result<NewCommentBody, AppError>,
) -> Result<CommentRow, AppError> {
    // Readers share an hourly allowance per address; a comment that is refused gives its
    // slot back. Staff are not limited.
    let throttle_key = staff.is_none().then(|| format!("comment:{client}"));
    if let Some(k) = &throttle_key
        && let Err(retry_after) = state.comment_throttle.try_acquire(&[k]).await?
    {
        return Err(AppError::TooManyRequests {
            detail: format!(
                "This address has posted its {} comments for the hour; try again in {retry_after} seconds.",
                state.config.comments_per_hour
            ),
            retry_after,
        });
    }
    // Everything is checked with a read first, so a refused comment never takes the single
    // write lock; the write checks again (things may have changed) and inserts.
    let checked = {
        let (key, staff, body) = (key.clone(), staff.clone(), body.clone());
        db::read(&state.db, move |conn| {
            comment_to_insert(conn, &key, staff.as_ref(), body, db::now()).map(|_| ())
        })
        .await
    };
    let posted = match checked {
        Ok(()) => {
            db::write(&state.db, move |conn| {
                let new = comment_to_insert(conn, &key, staff.as_ref(), body, db::now())?;
                let row = queries::insert(conn, &new)?;
                crate::webhooks::events::comment_created(conn, &row)?;
                Ok(row)
            })
            .await
        }
        Err(err) => Err(err),
    };
    match posted {
        Ok(row) => Ok(row),
        Err(err) => {
            // A mistake in the form gives the slot back; refusals (closed, repeats) count.
            if let (Some(k), AppError::Validation { .. }) = (&throttle_key, &err) {
                state.comment_throttle.release(k).await;
            }
            Err(err)
        }
    }
}

/// What a staff comment without a name shows when the user has neither a byline nor a display
/// name of their own.
const STAFF_NAME: &str = "Newsroom staff";

/// The name a staff comment shows when it gives none: the byline the user is linked to, else
/// their display name unless it is only the default taken from their email, else
/// [`STAFF_NAME`]. Nothing of a staff email is ever shown in public.
fn staff_name(conn: &mut Conn, user: crate::users::models::UserRow) -> Result<String, AppError> {
    use crate::db::schema::authors;
    use diesel::prelude::*;
    let byline = match user.author_id {
        Some(id) => authors::table
            .find(id)
            .select(authors::name)
            .first::<String>(conn)
            .optional()?,
        None => None,
    };
    let local_part = user.email.split('@').next().unwrap_or_default();
    Ok(byline.unwrap_or_else(|| {
        if user.display_name.eq_ignore_ascii_case(local_part) {
            STAFF_NAME.to_owned()
        } else {
            user.display_name
        }
    }))
}

/// Checks a comment against the article it is for and what is stored (open for comments,
/// a valid parent, not a repeat) and builds the row to insert.
fn comment_to_insert(
    conn: &mut Conn,
    key: &IdOrSlug,
    staff: Option<&AuthUser>,
    body: Result<NewCommentBody, AppError>,
    now: chrono::NaiveDateTime,
) -> Result<NewComment, AppError> {
    // An article the caller may not read does not exist for them (`404`, as for `GET`);
    // staff who may read it learn why they cannot comment on it.
    let article = articles::load_visible(conn, key, staff, now)?;
    if !article.is_public_at(now) {
        return Err(AppError::Forbidden(
            "Comments are open only on published articles.".into(),
        ));
    }
    if !article.row.comments_enabled {
        return Err(AppError::Forbidden(
            "Comments are closed on this article.".into(),
        ));
    }
    let staff_row = match staff {
        Some(u) => crate::users::queries::find(conn, u.id)?,
        None => None,
    };
    let staff_email = staff_row.as_ref().map(|row| row.email.clone());
    let body = body?.validate(staff_email.as_deref())?;
    if let Some(parent_id) = body.parent_id {
        let parent = queries::find(conn, parent_id)?;
        let ok = parent.is_some_and(|p| {
            p.article_id == article.row.id && p.status == "approved" && p.deleted_at.is_none()
        });
        if !ok {
            return Err(AppError::invalid(
                "parent_id",
                format!("no approved comment with id {parent_id} on this article"),
            ));
        }
    }
    let hash = body_hash(&body.body);
    let since = now - Duration::minutes(REPEAT_WINDOW_MINUTES);
    if queries::repeated(conn, article.row.id, &hash, since)? {
        return Err(AppError::Conflict(
            "The same comment was just posted on this article.".into(),
        ));
    }
    let status = if staff.is_some() {
        CommentStatus::Approved
    } else {
        CommentStatus::Pending
    };
    let author_name = match (body.author_name, staff_row) {
        (Some(name), _) => name,
        (None, Some(user)) => staff_name(conn, user)?,
        (None, None) => String::new(),
    };
    Ok(NewComment {
        article_id: article.row.id,
        parent_id: body.parent_id,
        author_name,
        author_email: body.author_email.unwrap_or_default(),
        body: body.body,
        body_hash: hash,
        status: status.as_str().to_owned(),
        user_id: staff.map(|u| u.id),
        created_at: now,
        updated_at: now,
    })
}

/// The moderation queue: comments in `status`, on one article or all.
pub async fn queue(
    state: &AppState,
    status: CommentStatus,
    article: Option<IdOrSlug>,
    page: Page,
) -> Result<(Vec<CommentRow>, i64), AppError> {
    db::read(&state.db, move |conn| {
        let article_id = match &article {
            Some(key) => match crate::articles::queries::find(conn, key)? {
                Some(row) => Some(row.id),
                None => return Ok((Vec::new(), 0)),
            },
            None => None,
        };
        Ok(queries::queue(conn, status.as_str(), article_id, page)?)
    })
    .await
}

/// One comment, whatever its status.
pub async fn find(state: &AppState, id: i64) -> Result<CommentRow, AppError> {
    db::read(&state.db, move |conn| Ok(queries::find(conn, id)?))
        .await?
        .ok_or_else(|| comment_not_found(id))
}

/// Sets a comment's status, if it still is as the caller saw it (`if_match`).
pub async fn moderate(
    state: &AppState,
    id: i64,
    status: CommentStatus,
    if_match: Option<String>,
) -> Result<CommentRow, AppError> {
    db::write(&state.db, move |conn| {
        let current = queries::find(conn, id)?.ok_or_else(|| comment_not_found(id))?;
        etag::check_if_match(
            if_match.as_deref(),
            &etag::of_json(&ModeratedComment::from(current.clone()))?,
        )?;
        let row = queries::set_status(conn, id, status.as_str(), db::now())?;
        crate::webhooks::events::comment_moderated(conn, &current.status, &row)?;
        Ok(row)
    })
    .await
}

/// Deletes a comment: one with replies stays as a placeholder; placeholders left without
/// replies go too, up the thread.
pub async fn delete(state: &AppState, id: i64, if_match: Option<String>) -> Result<(), AppError> {
    db::write(&state.db, move |conn| {
        let current = queries::find(conn, id)?.ok_or_else(|| comment_not_found(id))?;
        etag::check_if_match(
            if_match.as_deref(),
            &etag::of_json(&ModeratedComment::from(current.clone()))?,
        )?;
        let now = db::now();
        if queries::has_replies(conn, id)? {
            queries::soft_delete(conn, id, now)?;
            return Ok(());
        }
        queries::delete(conn, id)?;
        // Placeholders left without replies go too, up the thread.
        let mut parent = current.parent_id;
        while let Some(pid) = parent {
            match queries::find(conn, pid)? {
                Some(p) if p.deleted_at.is_some() && !queries::has_replies(conn, pid)? => {
                    queries::delete(conn, pid)?;
                    parent = p.parent_id;
                }
                _ => break,
            }
        }
        Ok(())
    })
    .await
}
