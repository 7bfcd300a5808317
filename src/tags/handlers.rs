//! `/api/v1/tags`: the topics articles are filed under.

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
use crate::tags::dto::{CreateTag, TAG_FIELDS, TAG_SORTS, TagFilters, TagView, UpdateTag};
use crate::tags::models::{NewTag, TagChanges, TagRow};
use crate::tags::queries;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_tags)
        .service(create_tag)
        .service(get_tag)
        .service(update_tag)
        .service(delete_tag);
}

fn not_found(key: &IdOrSlug) -> AppError {
    AppError::NotFound(format!("No tag `{key}`."))
}

/// The tag named by `key` with its article count, or a `404`.
fn load(conn: &mut db::Conn, key: &IdOrSlug) -> Result<(TagRow, TagView), AppError> {
    let row = queries::find(conn, key)?.ok_or_else(|| not_found(key))?;
    let count = queries::article_counts(conn, &[row.id], db::now())?
        .get(&row.id)
        .copied()
        .unwrap_or(0);
    Ok((row.clone(), TagView::new(row, count)))
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
    let page = paging.validate()?;
    let sort = list::parse_sort(filters.sort.as_deref(), TAG_SORTS, "name")?;
    let fields = list::parse_fields(filters.fields.as_deref(), TAG_FIELDS)?;
    let q = filters.q.filter(|q| !q.trim().is_empty());
    let (rows, total, counts) = db::read(&state.pool, move |conn| {
        let (rows, total) = queries::list(conn, q.as_deref(), &sort, page)?;
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        let counts = queries::article_counts(conn, &ids, db::now())?;
        Ok((rows, total, counts))
    })
    .await?;
    let views = rows
        .into_iter()
        .map(|r| {
            let count = counts.get(&r.id).copied().unwrap_or(0);
            TagView::new(r, count)
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
        (status = 404, response = NotFound),
        (status = 422, response = Unprocessable),
    )
)]
#[get("/tags/{id_or_slug}")]
pub async fn get_tag(
    state: web::Data<AppState>,
    user: MaybeAuthUser,
    key: web::Path<String>,
    Query(params): Query<FieldsParam>,
) -> Result<HttpResponse, AppError> {
    let fields = list::parse_fields(params.fields.as_deref(), TAG_FIELDS)?;
    let key = IdOrSlug::parse(&key);
    let (_, view) = db::read(&state.pool, move |conn| load(conn, &key)).await?;
    json_response(
        StatusCode::OK,
        &view,
        fields.as_deref(),
        read_cache(user.0.is_none()),
    )
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
    let body = body.into_inner()?.validate()?;
    let row = db::write(&state.pool, move |conn| create(conn, body, Some(user.id))).await?;
    let view = TagView::new(row, 0);
    created(&state, "tags", view.id, &view)
}

/// Creates a validated tag (shared with the demo seed).
pub fn create(
    conn: &mut db::Conn,
    body: CreateTag,
    created_by: Option<i64>,
) -> Result<TagRow, AppError> {
    let slug = slug::choose(
        conn,
        body.slug.as_deref(),
        &body.name,
        "tag",
        queries::taken_slugs,
        |conn, s| queries::slug_taken(conn, s, None),
    )?;
    let now = db::now();
    Ok(queries::insert(
        conn,
        &NewTag {
            slug,
            name: body.name,
            description: body.description,
            created_by,
            created_at: now,
            updated_at: now,
        },
    )?)
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
        let changes = TagChanges {
            slug: body.slug,
            name: body.name,
            description: body.description,
            updated_at: Some(db::now()),
        };
        let row = queries::update(conn, current.id, &changes)?;
        Ok(TagView::new(row, view.article_count))
    })
    .await?;
    json_response(StatusCode::OK, &view, None, CACHE_PRIVATE)
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
