//! `/api/v1/authors`: bylines.

use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::{AuthUser, MaybeAuthUser};
use crate::authors::dto::{AuthorFilters, AuthorView, CreateAuthor, UpdateAuthor};
use crate::authors::service::Authors;
use crate::catalog;
use crate::error::AppError;
use crate::http::list::{FieldsParam, ListBody, PageParams};
use crate::http::{Json, Query};
use crate::openapi::{
    BadRequest, Conflict, Forbidden, NotFound, PayloadTooLarge, PreconditionFailed, Unauthorized,
    Unprocessable, UnsupportedMediaType,
};
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_authors)
        .service(create_author)
        .service(get_author)
        .service(update_author)
        .service(delete_author);
}

/// List authors
///
/// Bylines in `name` order (or `sort`), each with the number of public articles they are on.
/// `email` is shown to signed-in staff only.
#[utoipa::path(
    tag = "authors",
    params(PageParams, AuthorFilters),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "One page of authors.", body = ListBody<AuthorView>,
         headers(
            ("X-Total-Count" = i64, description = "Authors in the whole filtered list."),
            ("Link" = String, description = "RFC 8288 links: `first`, `prev`, `next`, `last`."),
            ("ETag" = String, description = "Strong entity tag of this page.")
         )),
        (status = 304, description = "Not modified: `If-None-Match` names the current ETag."),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 422, response = Unprocessable),
    )
)]
#[get("/authors")]
pub async fn list_authors(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: MaybeAuthUser,
    Query(paging): Query<PageParams>,
    Query(filters): Query<AuthorFilters>,
) -> Result<HttpResponse, AppError> {
    catalog::list::<Authors>(req, state, user, paging, filters).await
}

/// Read an author
///
/// A byline by id or slug. `email` is shown to signed-in staff only.
#[utoipa::path(
    tag = "authors",
    params(("id_or_slug" = String, Path, description = "The author's id or slug.", example = "samir-khalil"), FieldsParam),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "The author.", body = AuthorView,
         headers(("ETag" = String, description = "Strong entity tag; send it in `If-Match` to update safely."))),
        (status = 304, description = "Not modified: `If-None-Match` names the current ETag."),
        (status = 401, response = Unauthorized),
        (status = 301, response = crate::openapi::Moved),
        (status = 404, response = NotFound),
        (status = 422, response = Unprocessable),
    )
)]
#[get("/authors/{id_or_slug}")]
pub async fn get_author(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: MaybeAuthUser,
    key: web::Path<String>,
    Query(params): Query<FieldsParam>,
) -> Result<HttpResponse, AppError> {
    catalog::get::<Authors>(req, state, user, key.into_inner(), params).await
}

/// Create an author
///
/// Editors and admins create bylines. The slug is derived from the name when left out.
#[utoipa::path(
    tag = "authors",
    request_body = CreateAuthor,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The author was created.", body = AuthorView,
         headers(("Location" = String, description = "The new author's URL."))),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 409, response = Conflict),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = Unprocessable),
    )
)]
#[post("/authors")]
pub async fn create_author(
    state: web::Data<AppState>,
    user: AuthUser,
    body: Json<CreateAuthor>,
) -> Result<HttpResponse, AppError> {
    catalog::create::<Authors>(state, user, body).await
}

/// Update an author
///
/// Editors and admins may change any byline; authors only the ones they created.
#[utoipa::path(
    tag = "authors",
    params(
        ("id_or_slug" = String, Path, description = "The author's id or slug.", example = "samir-khalil"),
        ("If-Match" = Option<String>, Header, description = "Apply only if the author's ETag still matches (else `412`).")
    ),
    request_body = UpdateAuthor,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The updated author.", body = AuthorView),
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
#[patch("/authors/{id_or_slug}")]
pub async fn update_author(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: AuthUser,
    key: web::Path<String>,
    body: Json<UpdateAuthor>,
) -> Result<HttpResponse, AppError> {
    catalog::update::<Authors>(req, state, user, key.into_inner(), body).await
}

/// Delete an author
///
/// The byline disappears from the articles it was on, and a staff account linked to it loses
/// the link. While the author is the only author of an article, the answer is `409` naming
/// the articles: give them another author first. Editors and admins may delete any author;
/// authors only the ones they created.
#[utoipa::path(
    tag = "authors",
    params(
        ("id_or_slug" = String, Path, description = "The author's id or slug.", example = "samir-khalil"),
        ("If-Match" = Option<String>, Header, description = "Delete only if the author's ETag still matches (else `412`).")
    ),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "The author is gone."),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 412, response = PreconditionFailed),
    )
)]
#[delete("/authors/{id_or_slug}")]
pub async fn delete_author(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: AuthUser,
    key: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    catalog::delete::<Authors>(req, state, user, key.into_inner()).await
}
