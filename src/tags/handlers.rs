//! `/api/v1/tags`: the topics articles are filed under.

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
use crate::state::AppState;
use crate::tags::dto::{CreateTag, TagFilters, TagView, UpdateTag};
use crate::tags::service::Tags;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_tags)
        .service(create_tag)
        .service(get_tag)
        .service(update_tag)
        .service(delete_tag);
}

/// List tags
///
/// Tags in `name` order (or `sort`), each with the number of public articles filed under it.
#[utoipa::path(
    tag = "tags",
    params(PageParams, TagFilters),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "One page of tags.", body = ListBody<TagView>,
         headers(
            ("X-Total-Count" = i64, description = "Tags in the whole filtered list."),
            ("Link" = String, description = "RFC 8288 links: `first`, `prev`, `next`, `last`."),
            ("ETag" = String, description = "Strong entity tag of this page.")
         )),
        (status = 304, description = "Not modified: `If-None-Match` names the current ETag."),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 422, response = Unprocessable),
    )
)]
#[get("/tags")]
pub async fn list_tags(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: MaybeAuthUser,
    Query(paging): Query<PageParams>,
    Query(filters): Query<TagFilters>,
) -> Result<HttpResponse, AppError> {
    catalog::list::<Tags>(req, state, user, paging, filters).await
}

/// Read a tag
///
/// A tag by id or slug.
#[utoipa::path(
    tag = "tags",
    params(("id_or_slug" = String, Path, description = "The tag's id or slug.", example = "islamic-state"), FieldsParam),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "The tag.", body = TagView,
         headers(("ETag" = String, description = "Strong entity tag; send it in `If-Match` to update safely."))),
        (status = 304, description = "Not modified: `If-None-Match` names the current ETag."),
        (status = 401, response = Unauthorized),
        (status = 301, response = crate::openapi::Moved),
        (status = 404, response = NotFound),
        (status = 422, response = Unprocessable),
    )
)]
#[get("/tags/{id_or_slug}")]
pub async fn get_tag(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: MaybeAuthUser,
    key: web::Path<String>,
    Query(params): Query<FieldsParam>,
) -> Result<HttpResponse, AppError> {
    catalog::get::<Tags>(req, state, user, key.into_inner(), params).await
}

/// Create a tag
///
/// Any staff member may create tags. The slug is derived from the name when left out.
#[utoipa::path(
    tag = "tags",
    request_body = CreateTag,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The tag was created.", body = TagView,
         headers(("Location" = String, description = "The new tag's URL."))),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 409, response = Conflict),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = Unprocessable),
    )
)]
#[post("/tags")]
pub async fn create_tag(
    state: web::Data<AppState>,
    user: AuthUser,
    body: Json<CreateTag>,
) -> Result<HttpResponse, AppError> {
    catalog::create::<Tags>(state, user, body).await
}

/// Update a tag
///
/// Editors and admins may change any tag; authors only those they created.
#[utoipa::path(
    tag = "tags",
    params(
        ("id_or_slug" = String, Path, description = "The tag's id or slug.", example = "islamic-state"),
        ("If-Match" = Option<String>, Header, description = "Apply only if the tag's ETag still matches (else `412`).")
    ),
    request_body = UpdateTag,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The updated tag.", body = TagView),
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
#[patch("/tags/{id_or_slug}")]
pub async fn update_tag(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: AuthUser,
    key: web::Path<String>,
    body: Json<UpdateTag>,
) -> Result<HttpResponse, AppError> {
    catalog::update::<Tags>(req, state, user, key.into_inner(), body).await
}

/// Delete a tag
///
/// Articles filed under the tag lose it. Editors and admins may delete any tag; authors only
/// those they created.
#[utoipa::path(
    tag = "tags",
    params(
        ("id_or_slug" = String, Path, description = "The tag's id or slug.", example = "islamic-state"),
        ("If-Match" = Option<String>, Header, description = "Delete only if the tag's ETag still matches (else `412`).")
    ),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "The tag is gone."),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 412, response = PreconditionFailed),
    )
)]
#[delete("/tags/{id_or_slug}")]
pub async fn delete_tag(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: AuthUser,
    key: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    catalog::delete::<Tags>(req, state, user, key.into_inner()).await
}
