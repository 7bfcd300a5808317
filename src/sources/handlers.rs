//! `/api/v1/sources`: the agencies and outlets stories come from or cite.

use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::{AuthUser, MaybeAuthUser};
use crate::catalog;
use crate::error::AppError;
use crate::http::list::{FieldsParam, ListBody, PageParams};
use crate::http::{Json, Query};
use crate::openapi::{
    BadRequest, Conflict, Forbidden, NotFound, PayloadTooLarge, PreconditionFailed, Unauthorized,
    Unprocessable, UnsupportedMediaType,
};
use crate::sources::dto::{CreateSource, SourceFilters, SourceView, UpdateSource};
use crate::sources::service::Sources;
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_sources)
        .service(create_source)
        .service(get_source)
        .service(update_source)
        .service(delete_source);
}

/// List sources
///
/// Sources in `name` order (or `sort`), each with the number of public articles citing it.
#[utoipa::path(
    tag = "sources",
    params(PageParams, SourceFilters),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "One page of sources.", body = ListBody<SourceView>,
         headers(
            ("X-Total-Count" = i64, description = "Sources in the whole filtered list."),
            ("Link" = String, description = "RFC 8288 links: `first`, `prev`, `next`, `last`."),
            ("ETag" = String, description = "Strong entity tag of this page.")
         )),
        (status = 304, description = "Not modified: `If-None-Match` names the current ETag."),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 422, response = Unprocessable),
    )
)]
#[get("/sources")]
pub async fn list_sources(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: MaybeAuthUser,
    Query(paging): Query<PageParams>,
    Query(filters): Query<SourceFilters>,
) -> Result<HttpResponse, AppError> {
    catalog::list::<Sources>(req, state, user, paging, filters).await
}

/// Read a source
///
/// A source by id or slug.
#[utoipa::path(
    tag = "sources",
    params(("id_or_slug" = String, Path, description = "The source's id or slug.", example = "alsumaria-news"), FieldsParam),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "The source.", body = SourceView,
         headers(("ETag" = String, description = "Strong entity tag; send it in `If-Match` to update safely."))),
        (status = 304, description = "Not modified: `If-None-Match` names the current ETag."),
        (status = 401, response = Unauthorized),
        (status = 301, response = crate::openapi::Moved),
        (status = 404, response = NotFound),
        (status = 422, response = Unprocessable),
    )
)]
#[get("/sources/{id_or_slug}")]
pub async fn get_source(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: MaybeAuthUser,
    key: web::Path<String>,
    Query(params): Query<FieldsParam>,
) -> Result<HttpResponse, AppError> {
    catalog::get::<Sources>(req, state, user, key.into_inner(), params).await
}

/// Create a source
///
/// Any staff member may create sources. The slug is derived from the name when left out;
/// `kind` defaults to `other`.
#[utoipa::path(
    tag = "sources",
    request_body = CreateSource,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The source was created.", body = SourceView,
         headers(("Location" = String, description = "The new source's URL."))),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 409, response = Conflict),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = Unprocessable),
    )
)]
#[post("/sources")]
pub async fn create_source(
    state: web::Data<AppState>,
    user: AuthUser,
    body: Json<CreateSource>,
) -> Result<HttpResponse, AppError> {
    catalog::create::<Sources>(state, user, body).await
}

/// Update a source
///
/// Editors and admins may change any source; authors only those they created.
#[utoipa::path(
    tag = "sources",
    params(
        ("id_or_slug" = String, Path, description = "The source's id or slug.", example = "alsumaria-news"),
        ("If-Match" = Option<String>, Header, description = "Apply only if the source's ETag still matches (else `412`).")
    ),
    request_body = UpdateSource,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The updated source.", body = SourceView),
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
#[patch("/sources/{id_or_slug}")]
pub async fn update_source(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: AuthUser,
    key: web::Path<String>,
    body: Json<UpdateSource>,
) -> Result<HttpResponse, AppError> {
    catalog::update::<Sources>(req, state, user, key.into_inner(), body).await
}

/// Delete a source
///
/// Articles that cited the source lose it. Editors and admins may delete any source; authors
/// only those they created.
#[utoipa::path(
    tag = "sources",
    params(
        ("id_or_slug" = String, Path, description = "The source's id or slug.", example = "alsumaria-news"),
        ("If-Match" = Option<String>, Header, description = "Delete only if the source's ETag still matches (else `412`).")
    ),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "The source is gone."),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 412, response = PreconditionFailed),
    )
)]
#[delete("/sources/{id_or_slug}")]
pub async fn delete_source(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: AuthUser,
    key: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    catalog::delete::<Sources>(req, state, user, key.into_inner()).await
}
