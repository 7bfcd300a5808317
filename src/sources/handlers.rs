//! `/api/v1/sources`: the agencies and outlets stories come from or cite.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::app::AppState;
use crate::auth::{AuthUser, MaybeAuthUser, policy};
use crate::db;
use crate::error::AppError;
use crate::http::list::{self, FieldsParam, ListBody, PageParams};
use crate::http::{CACHE_PRIVATE, Json, Query, created, etag, json_response, read_cache};
use crate::openapi::{
    BadRequest, Conflict, Forbidden, NotFound, PayloadTooLarge, PreconditionFailed, Unauthorized,
    Unprocessable, UnsupportedMediaType,
};
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

fn not_found(key: &IdOrSlug) -> AppError {
    AppError::NotFound(format!("No source `{key}`."))
}

/// The source named by `key` with its article count, or a `404`.
fn load(conn: &mut db::Conn, key: &IdOrSlug) -> Result<(SourceRow, SourceView), AppError> {
    let row = queries::find(conn, key)?.ok_or_else(|| not_found(key))?;
    let count = queries::article_counts(conn, &[row.id], db::now())?
        .get(&row.id)
        .copied()
        .unwrap_or(0);
    Ok((row.clone(), SourceView::new(row, count)))
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
    let page = paging.validate()?;
    let sort = list::parse_sort(filters.sort.as_deref(), SOURCE_SORTS, "name")?;
    let fields = list::parse_fields(filters.fields.as_deref(), SOURCE_FIELDS)?;
    let q = filters.q.filter(|q| !q.trim().is_empty());
    let kind = filters.kind.map(SourceKind::as_str);
    let (rows, total, counts) = db::read(&state.pool, move |conn| {
        let (rows, total) = queries::list(conn, q.as_deref(), kind, &sort, page)?;
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        let counts = queries::article_counts(conn, &ids, db::now())?;
        Ok((rows, total, counts))
    })
    .await?;
    let views = rows
        .into_iter()
        .map(|r| {
            let count = counts.get(&r.id).copied().unwrap_or(0);
            SourceView::new(r, count)
        })
        .collect();
    list::page_response(
        &req,
        &state.config.public_url,
        page,
        total,
        views,
        fields.as_deref(),
        read_cache(user.0.is_none()),
    )
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
    let fields = list::parse_fields(params.fields.as_deref(), SOURCE_FIELDS)?;
    let key = IdOrSlug::parse(&key);
    let (_, view) = db::read(&state.pool, move |conn| load(conn, &key)).await?;
    json_response(
        StatusCode::OK,
        &view,
        fields.as_deref(),
        read_cache(user.0.is_none()),
    )
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
    let body = body.into_inner()?.validate()?;
    let row = db::write(&state.pool, move |conn| create(conn, body, Some(user.id))).await?;
    let view = SourceView::new(row, 0);
    created(&state, "sources", view.id, &view)
}

/// Creates a validated source (shared with the demo seed).
pub fn create(
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
    Ok(queries::insert(
        conn,
        &NewSource {
            slug,
            name: body.name,
            url: body.url,
            kind: body.kind.unwrap_or(SourceKind::Other).as_str().to_owned(),
            description: body.description,
            created_by,
            created_at: now,
            updated_at: now,
        },
    )?)
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
    let key = IdOrSlug::parse(&key);
    let if_match = etag::if_match(&req);
    let view = db::write(&state.pool, move |conn| {
        let (current, view) = load(conn, &key)?;
        policy::require_edit_owned(&user, current.created_by)?;
        let body = body.into_inner()?.validate()?;
        etag::check_if_match(if_match.as_deref(), &etag::of_json(&view)?)?;
        if let Some(s) = &body.slug {
            if queries::slug_taken(conn, s, Some(current.id))? {
                return Err(AppError::Conflict(format!(
                    "The slug `{s}` is already taken."
                )));
            }
        }
        let changes = SourceChanges {
            slug: body.slug,
            name: body.name,
            url: body.url,
            kind: body.kind.map(|k| k.as_str().to_owned()),
            description: body.description,
            updated_at: Some(db::now()),
        };
        let row = queries::update(conn, current.id, &changes)?;
        Ok(SourceView::new(row, view.article_count))
    })
    .await?;
    json_response(StatusCode::OK, &view, None, CACHE_PRIVATE)
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
    let key = IdOrSlug::parse(&key);
    let if_match = etag::if_match(&req);
    db::write(&state.pool, move |conn| {
        let (current, view) = load(conn, &key)?;
        policy::require_edit_owned(&user, current.created_by)?;
        etag::check_if_match(if_match.as_deref(), &etag::of_json(&view)?)?;
        queries::delete(conn, current.id, db::now())?;
        Ok(())
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
