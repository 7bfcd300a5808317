//! `/api/v1/sources`: the agencies and outlets stories come from or cite.

use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::app::AppState;
use crate::auth::{AuthUser, MaybeAuthUser};
use crate::catalog::{self, Catalog};
use crate::error::AppError;
use crate::http::list::{FieldsParam, ListBody, PageParams};
use crate::http::{Json, Query};
use crate::openapi::{
    BadRequest, Conflict, Forbidden, NotFound, PayloadTooLarge, PreconditionFailed, Unauthorized,
    Unprocessable, UnsupportedMediaType,
};
use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::QueryResult;

use crate::db;
use crate::http::list::{Page, SortKey};
use crate::slug::{self, IdOrSlug};
use crate::sources::dto::{
    CreateSource, SOURCE_FIELDS, SOURCE_SORTS, SourceFilters, SourceKind, SourceView, UpdateSource,
};
use crate::sources::models::{NewSource, SourceChanges, SourceRow};
use crate::sources::queries;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_sources)
        .service(create_source)
        .service(get_source)
        .service(update_source)
        .service(delete_source);
}

/// Sources as a [`Catalog`].
pub struct Sources;

impl Catalog for Sources {
    type Row = SourceRow;
    type View = SourceView;
    type Create = CreateSource;
    type Update = UpdateSource;
    type Filters = SourceFilters;

    const NOUN: &'static str = "source";
    const COLLECTION: &'static str = "sources";
    const FIELDS: &'static [&'static str] = SOURCE_FIELDS;
    const SORTS: &'static [&'static str] = SOURCE_SORTS;

    fn id(row: &SourceRow) -> i64 {
        row.id
    }

    fn created_by(row: &SourceRow) -> Option<i64> {
        row.created_by
    }

    fn view(row: SourceRow, article_count: i64, _staff: bool) -> SourceView {
        SourceView::new(row, article_count)
    }

    fn sort_and_fields(filters: &SourceFilters) -> (Option<&str>, Option<&str>) {
        (filters.sort.as_deref(), filters.fields.as_deref())
    }

    fn find(conn: &mut db::Conn, key: &IdOrSlug) -> QueryResult<Option<SourceRow>> {
        queries::find(conn, key)
    }

    fn list(
        conn: &mut db::Conn,
        filters: &SourceFilters,
        sort: &[SortKey],
        page: Page,
    ) -> QueryResult<(Vec<SourceRow>, i64)> {
        let q = filters.q.as_deref().filter(|q| !q.trim().is_empty());
        queries::list(conn, q, filters.kind.map(SourceKind::as_str), sort, page)
    }

    fn article_counts(
        conn: &mut db::Conn,
        ids: &[i64],
        now: NaiveDateTime,
    ) -> QueryResult<HashMap<i64, i64>> {
        queries::article_counts(conn, ids, now)
    }

    fn validate_create(body: CreateSource) -> Result<CreateSource, AppError> {
        body.validate()
    }

    fn validate_update(body: UpdateSource) -> Result<UpdateSource, AppError> {
        body.validate()
    }

    fn insert(
        conn: &mut db::Conn,
        body: CreateSource,
        created_by: Option<i64>,
    ) -> Result<SourceRow, AppError> {
        let slug = slug::choose(
            conn,
            body.slug.as_deref(),
            &body.name,
            "source",
            queries::taken_slugs,
            |conn, s| queries::slug_taken(conn, s, None),
        )?;
        let now = db::now();
        let new = NewSource {
            slug,
            name: body.name,
            url: body.url,
            kind: body.kind.unwrap_or(SourceKind::Other).as_str().to_owned(),
            description: body.description,
            created_by,
            created_at: now,
            updated_at: now,
        };
        Ok(queries::insert(conn, &new)?)
    }

    fn update(
        conn: &mut db::Conn,
        current: &SourceRow,
        body: UpdateSource,
    ) -> Result<SourceRow, AppError> {
        catalog::check_new_slug(conn, body.slug.as_deref(), current.id, queries::slug_taken)?;
        let changes = SourceChanges {
            slug: body.slug,
            name: body.name,
            url: body.url,
            kind: body.kind.map(|k| k.as_str().to_owned()),
            description: body.description,
            updated_at: Some(db::now()),
        };
        Ok(queries::update(conn, current.id, &changes)?)
    }

    fn delete(conn: &mut db::Conn, id: i64, now: NaiveDateTime) -> QueryResult<usize> {
        queries::delete(conn, id, now)
    }

    fn used_beyond_drafts(conn: &mut db::Conn, id: i64) -> QueryResult<bool> {
        queries::used_beyond_drafts(conn, id)
    }
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
        (status = 404, response = NotFound),
        (status = 422, response = Unprocessable),
    )
)]
#[get("/sources/{id_or_slug}")]
pub async fn get_source(
    state: web::Data<AppState>,
    user: MaybeAuthUser,
    key: web::Path<String>,
    Query(params): Query<FieldsParam>,
) -> Result<HttpResponse, AppError> {
    catalog::get::<Sources>(state, user, key.into_inner(), params).await
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
