//! `/api/v1/articles/{id_or_slug}/comments` (readers) and `/api/v1/comments` (moderators).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use chrono::Duration;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::app::AppState;
use crate::articles::service as articles;
use crate::auth::{AuthUser, MaybeAuthUser, Role};
use crate::comments::dto::{
    CommentStatus, CommentView, ModerateComment, ModeratedComment, NewCommentBody, PostedComment,
    QueueFilters, body_hash,
};
use crate::comments::models::NewComment;
use crate::comments::queries;
use crate::db::{self, Conn};
use crate::error::AppError;
use crate::http::list::{self, ListBody, PageParams};
use crate::http::{self, CACHE_PRIVATE, Json, Query, etag, json_response, read_cache};
use crate::openapi::{
    BadRequest, Conflict, Forbidden, NotFound, PayloadTooLarge, PreconditionFailed,
    TooManyRequests, Unauthorized, Unprocessable, UnsupportedMediaType,
};
use crate::slug::IdOrSlug;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_comments)
        .service(post_comment)
        .service(moderation_queue)
        .service(get_comment)
        .service(moderate_comment)
        .service(delete_comment);
}

/// How long the same text on the same article counts as a repeat.
pub const REPEAT_WINDOW_MINUTES: i64 = 10;

fn comment_not_found(id: i64) -> AppError {
    AppError::NotFound(format!("No comment with id {id}."))
}

/// List an article's comments
///
/// Approved comments, oldest first, each with its `parent_id` so a client can build the
/// thread. A deleted comment that has replies stays as a placeholder (`deleted: true`, no
/// author or text). Never an email, never a pending, rejected or spam comment. Bodies are
/// plain text: escape them when you put them in HTML.
#[utoipa::path(
    tag = "comments",
    params(
        ("id_or_slug" = String, Path, description = "The article's id or slug.", example = "iraqi-jets-strike-is-bomb-workshop-in-qaim-killing-14"),
        PageParams
    ),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "One page of the article's comments.", body = ListBody<CommentView>,
         headers(
            ("X-Total-Count" = i64, description = "Comments shown under the article."),
            ("Link" = String, description = "RFC 8288 links: `first`, `prev`, `next`, `last`."),
            ("ETag" = String, description = "Strong entity tag of this page.")
         )),
        (status = 304, description = "Not modified: `If-None-Match` names the current ETag."),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 422, response = Unprocessable),
    )
)]
#[get("/articles/{id_or_slug}/comments")]
pub async fn list_comments(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: MaybeAuthUser,
    key: web::Path<String>,
    Query(paging): Query<PageParams>,
) -> Result<HttpResponse, AppError> {
    let page = paging.validate()?;
    let key = IdOrSlug::parse(&key);
    let anonymous = user.0.is_none();
    let (rows, total) = db::read(&state.db, move |conn| {
        let article = articles::load_visible(conn, &key, user.0.as_ref(), db::now())?;
        Ok(queries::public_page(conn, article.row.id, page)?)
    })
    .await?;
    let views: Vec<CommentView> = rows.into_iter().map(CommentView::public).collect();
    list::page_response(
        &req,
        &state.config.public_url,
        page,
        total,
        views,
        None,
        read_cache(anonymous),
    )
}

/// Post a comment
///
/// Anyone may comment on a public article whose `comments_enabled` is true (else `403`). An
/// article the caller may not read is a `404`, as for `GET`; staff who may read an article
/// that is not public get a `403`.
/// Readers' comments wait for a moderator (`status: pending`); staff comments (with a bearer
/// token) are approved at once. `parent_id` replies to an approved comment of the same
/// article. The same text on the same article within 10 minutes is a `409`; more than 2
/// links is a `422`. One client address may post `DATELINE_COMMENTS_PER_HOUR` comments an
/// hour (default 20), then `429`. The body is stored exactly as given and always served as a
/// JSON string: escape it for HTML.
#[utoipa::path(
    tag = "comments",
    params(("id_or_slug" = String, Path, description = "The article's id or slug.", example = "iraqi-jets-strike-is-bomb-workshop-in-qaim-killing-14")),
    request_body = NewCommentBody,
    security((), ("bearer" = [])),
    responses(
        (status = 201, description = "The comment was taken; `status` says whether it shows yet.", body = PostedComment),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = Unprocessable),
        (status = 429, response = TooManyRequests),
    )
)]
#[post("/articles/{id_or_slug}/comments")]
pub async fn post_comment(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: MaybeAuthUser,
    key: web::Path<String>,
    body: Json<NewCommentBody>,
) -> Result<HttpResponse, AppError> {
    let key = IdOrSlug::parse(&key);
    // Readers share an hourly allowance per address; a comment that is refused gives its
    // slot back. Staff are not limited.
    let throttle_key = user
        .0
        .is_none()
        .then(|| format!("comment:{}", http::client_addr(&req)));
    if let Some(k) = &throttle_key
        && let Err(retry_after) = state.comment_throttle.try_acquire(&[k])
    {
        return Err(AppError::TooManyRequests {
            detail: format!(
                "This address has posted its {} comments for the hour; try again in {retry_after} seconds.",
                state.config.comments_per_hour
            ),
            retry_after,
        });
    }
    let staff = user.0.clone();
    let body = body.into_inner();
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
                Ok(queries::insert(conn, &new)?)
            })
            .await
        }
        Err(err) => Err(err),
    };
    let row = match posted {
        Ok(row) => row,
        Err(err) => {
            // A mistake in the form gives the slot back; refusals (closed, repeats) count.
            if let (Some(k), AppError::Validation { .. }) = (&throttle_key, &err) {
                state.comment_throttle.release(k);
            }
            return Err(err);
        }
    };
    json_response(
        StatusCode::CREATED,
        &PostedComment::from(row),
        None,
        CACHE_PRIVATE,
    )
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

/// The moderation queue
///
/// Comments of one status (`pending` by default), newest first, with the commenter's email.
/// Editors and admins only.
#[utoipa::path(
    tag = "comments",
    params(PageParams, QueueFilters),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One page of the queue.", body = ListBody<ModeratedComment>,
         headers(
            ("X-Total-Count" = i64, description = "Comments in the whole queue."),
            ("Link" = String, description = "RFC 8288 links: `first`, `prev`, `next`, `last`.")
         )),
        (status = 304, description = "Not modified: `If-None-Match` names the current ETag."),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 422, response = Unprocessable),
    )
)]
#[get("/comments")]
pub async fn moderation_queue(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: AuthUser,
    Query(paging): Query<PageParams>,
    Query(filters): Query<QueueFilters>,
) -> Result<HttpResponse, AppError> {
    user.require(Role::Editor)?;
    let page = paging.validate()?;
    let status = filters.status.unwrap_or(CommentStatus::Pending);
    let article = filters.article.as_deref().map(IdOrSlug::parse);
    let (rows, total) = db::read(&state.db, move |conn| {
        let article_id = match &article {
            Some(key) => match crate::articles::queries::find(conn, key)? {
                Some(row) => Some(row.id),
                None => return Ok((Vec::new(), 0)),
            },
            None => None,
        };
        Ok(queries::queue(conn, status.as_str(), article_id, page)?)
    })
    .await?;
    let views: Vec<ModeratedComment> = rows.into_iter().map(ModeratedComment::from).collect();
    list::page_response(
        &req,
        &state.config.public_url,
        page,
        total,
        views,
        None,
        CACHE_PRIVATE,
    )
}

/// Read a comment (moderators)
///
/// With its email and status. Editors and admins only.
#[utoipa::path(
    tag = "comments",
    params(("id" = i64, Path, description = "The comment's id.", example = 12)),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The comment.", body = ModeratedComment,
         headers(("ETag" = String, description = "Strong entity tag; send it in `If-Match` to moderate safely."))),
        (status = 304, description = "Not modified: `If-None-Match` names the current ETag."),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    )
)]
#[get("/comments/{id}")]
pub async fn get_comment(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    user.require(Role::Editor)?;
    let id = id.into_inner();
    let row = db::read(&state.db, move |conn| Ok(queries::find(conn, id)?))
        .await?
        .ok_or_else(|| comment_not_found(id))?;
    json_response(
        StatusCode::OK,
        &ModeratedComment::from(row),
        None,
        CACHE_PRIVATE,
    )
}

/// Moderate a comment
///
/// `approved` shows it under the article, `rejected` and `spam` hide it; the article's
/// `comment_count` follows. Editors and admins only.
#[utoipa::path(
    tag = "comments",
    params(
        ("id" = i64, Path, description = "The comment's id.", example = 12),
        ("If-Match" = Option<String>, Header, description = "Apply only if the comment's ETag still matches (else `412`).")
    ),
    request_body = ModerateComment,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The comment, moderated.", body = ModeratedComment),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 412, response = PreconditionFailed),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = Unprocessable),
    )
)]
#[patch("/comments/{id}")]
pub async fn moderate_comment(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i64>,
    body: Json<ModerateComment>,
) -> Result<HttpResponse, AppError> {
    user.require(Role::Editor)?;
    let status = CommentStatus::from(body.into_inner()?.status);
    let id = id.into_inner();
    let if_match = etag::if_match(&req);
    let row = db::write(&state.db, move |conn| {
        let current = queries::find(conn, id)?.ok_or_else(|| comment_not_found(id))?;
        etag::check_if_match(
            if_match.as_deref(),
            &etag::of_json(&ModeratedComment::from(current))?,
        )?;
        Ok(queries::set_status(conn, id, status.as_str(), db::now())?)
    })
    .await?;
    json_response(
        StatusCode::OK,
        &ModeratedComment::from(row),
        None,
        CACHE_PRIVATE,
    )
}

/// Delete a comment
///
/// A comment without replies disappears. One with replies stays in the thread as an empty
/// placeholder (no author, email or text) so the replies still read in context; a
/// placeholder goes too once its last reply is deleted. Editors and admins only.
#[utoipa::path(
    tag = "comments",
    params(
        ("id" = i64, Path, description = "The comment's id.", example = 12),
        ("If-Match" = Option<String>, Header, description = "Delete only if the comment's ETag still matches (else `412`).")
    ),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "The comment is gone (or emptied, if it has replies)."),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 412, response = PreconditionFailed),
    )
)]
#[delete("/comments/{id}")]
pub async fn delete_comment(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    user.require(Role::Editor)?;
    let id = id.into_inner();
    let if_match = etag::if_match(&req);
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
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
