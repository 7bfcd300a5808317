//! `/api/v1/articles/{id_or_slug}/comments` (readers) and `/api/v1/comments` (moderators).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::{AuthUser, MaybeAuthUser, Role};
use crate::comments::dto::{
    CommentStatus, CommentView, ModerateComment, ModeratedComment, NewCommentBody, PostedComment,
    QueueFilters,
};
use crate::comments::service;
use crate::error::AppError;
use crate::http::list::{self, ListBody, PageParams};
use crate::http::{self, CACHE_PRIVATE, Json, Query, etag, json_response, read_cache};
use crate::openapi::{
    BadRequest, Conflict, Forbidden, NotFound, PayloadTooLarge, PreconditionFailed,
    TooManyRequests, Unauthorized, Unprocessable, UnsupportedMediaType,
};
use crate::slug::IdOrSlug;
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_comments)
        .service(post_comment)
        .service(moderation_queue)
        .service(get_comment)
        .service(moderate_comment)
        .service(delete_comment);
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
    let (rows, total) = service::public_page(&state, key, user.0, page).await?;
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
    let staff = user.0;
    let client = http::client_addr(&req);
    let row = service::post(
        &state,
        IdOrSlug::parse(&key),
        staff,
        &client,
        body.into_inner(),
    )
    .await?;
    json_response(
        StatusCode::CREATED,
        &PostedComment::from(row),
        None,
        CACHE_PRIVATE,
    )
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
    let (rows, total) = service::queue(&state, status, article, page).await?;
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
    let row = service::find(&state, id).await?;
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
    let row = service::moderate(&state, id, status, if_match).await?;
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
    service::delete(&state, id, if_match).await?;
    Ok(HttpResponse::NoContent().finish())
}
