//! `/api/v1/users`: staff accounts, admin only.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::{AuthUser, Role};
use crate::db;
use crate::error::AppError;
use crate::http::list::{self, ListBody, PageParams};
use crate::http::{CACHE_PRIVATE, Json, Query, created, etag, json_response};
use crate::openapi::{
    BadRequest, Conflict, Forbidden, NotFound, PayloadTooLarge, PreconditionFailed, Unauthorized,
    Unprocessable, UnsupportedMediaType,
};
use crate::state::AppState;
use crate::users::dto::{CreateUser, USER_SORTS, UpdateUser, UserFilters, UserView};
use crate::users::queries;
use crate::users::service::{self, not_found};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_users)
        .service(create_user)
        .service(get_user)
        .service(update_user)
        .service(delete_user);
}

/// List staff accounts
///
/// One page of staff accounts, ordered by `sort` (default `email`). Admin only.
#[utoipa::path(
    tag = "users",
    params(PageParams, UserFilters),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One page of users.", body = ListBody<UserView>,
         headers(
            ("X-Total-Count" = i64, description = "Users in the whole filtered list."),
            ("Link" = String, description = "RFC 8288 links: `first`, `prev`, `next`, `last`."),
            ("ETag" = String, description = "Strong entity tag of this page.")
         )),
        (status = 304, description = "Not modified: `If-None-Match` names the current ETag."),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 422, response = Unprocessable),
    )
)]
#[get("/users")]
pub async fn list_users(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: AuthUser,
    Query(paging): Query<PageParams>,
    Query(filters): Query<UserFilters>,
) -> Result<HttpResponse, AppError> {
    user.require(Role::Admin)?;
    let page = paging.validate()?;
    let sort = list::parse_sort(filters.sort.as_deref(), USER_SORTS, "email")?;
    let role = filters.role.map(Role::as_str);
    let (rows, total) = db::read(&state.db, move |conn| {
        Ok(queries::list(conn, role, &sort, page)?)
    })
    .await?;
    let data = rows
        .into_iter()
        .map(UserView::try_from)
        .collect::<Result<Vec<_>, _>>()?;
    list::page_response(
        &req,
        &state.config.public_url,
        page,
        total,
        data,
        None,
        CACHE_PRIVATE,
    )
}

/// Create a staff account
///
/// Admin only. The password (at least 12 characters) is stored as an Argon2id hash and never
/// shown again.
#[utoipa::path(
    tag = "users",
    request_body = CreateUser,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The account was created.", body = UserView,
         headers(("Location" = String, description = "The new account's URL."))),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 409, response = Conflict),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = Unprocessable),
    )
)]
#[post("/users")]
pub async fn create_user(
    state: web::Data<AppState>,
    user: AuthUser,
    body: Json<CreateUser>,
) -> Result<HttpResponse, AppError> {
    user.require(Role::Admin)?;
    let body = body.into_inner()?.validate()?;
    let row = service::create(&state, body).await?;
    let view = UserView::try_from(row)?;
    created(&state.config.public_url, "users", view.id, &view)
}

/// Read a staff account
///
/// Admin only.
#[utoipa::path(
    tag = "users",
    params(("id" = i64, Path, description = "The user's id.", example = 2)),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The account.", body = UserView,
         headers(("ETag" = String, description = "Strong entity tag; send it in `If-Match` to update safely."))),
        (status = 304, description = "Not modified: `If-None-Match` names the current ETag."),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    )
)]
#[get("/users/{id}")]
pub async fn get_user(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    user.require(Role::Admin)?;
    let id = id.into_inner();
    let row = db::read(&state.db, move |conn| Ok(queries::find(conn, id)?))
        .await?
        .ok_or_else(|| not_found(id))?;
    json_response(
        StatusCode::OK,
        &UserView::try_from(row)?,
        None,
        CACHE_PRIVATE,
    )
}

/// Update a staff account
///
/// Admin only. Absent fields keep their value; `author_id: null` unlinks the byline. A new
/// password or `disabled: true` ends every session of the account at once; a role change
/// applies from the account's next request. The last enabled admin cannot be demoted or
/// disabled (`409`).
#[utoipa::path(
    tag = "users",
    params(
        ("id" = i64, Path, description = "The user's id.", example = 2),
        ("If-Match" = Option<String>, Header, description = "Apply only if the account's ETag still matches (else `412`).")
    ),
    request_body = UpdateUser,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The updated account.", body = UserView,
         headers(("ETag" = String, description = "The account's new entity tag."))),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 412, response = PreconditionFailed),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = Unprocessable),
    )
)]
#[patch("/users/{id}")]
pub async fn update_user(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i64>,
    body: Json<UpdateUser>,
) -> Result<HttpResponse, AppError> {
    user.require(Role::Admin)?;
    let id = id.into_inner();
    let body = body.into_inner()?.validate()?;
    let if_match = etag::if_match(&req);
    let row = service::update(&state, id, body, if_match).await?;
    json_response(
        StatusCode::OK,
        &UserView::try_from(row)?,
        None,
        CACHE_PRIVATE,
    )
}

/// Delete a staff account
///
/// Admin only. The account's sessions end at once. The last enabled admin cannot be deleted
/// (`409`).
#[utoipa::path(
    tag = "users",
    params(
        ("id" = i64, Path, description = "The user's id.", example = 2),
        ("If-Match" = Option<String>, Header, description = "Delete only if the account's ETag still matches (else `412`).")
    ),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "The account is gone."),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 412, response = PreconditionFailed),
    )
)]
#[delete("/users/{id}")]
pub async fn delete_user(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    user.require(Role::Admin)?;
    let id = id.into_inner();
    service::delete(&state, id, etag::if_match(&req)).await?;
    Ok(HttpResponse::NoContent().finish())
}
