//! `/api/v1/authors`: bylines.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::app::AppState;
use crate::auth::{AuthUser, MaybeAuthUser, policy};
use crate::authors::dto::{
    AUTHOR_FIELDS, AUTHOR_SORTS, AuthorFilters, AuthorView, CreateAuthor, UpdateAuthor,
};
use crate::authors::models::{AuthorChanges, AuthorRow, NewAuthor};
use crate::authors::queries;
use crate::db;
use crate::error::AppError;
use crate::http::list::{self, FieldsParam, ListBody, PageParams};
use crate::http::{CACHE_PRIVATE, Json, Query, created, etag, json_response, read_cache};
use crate::openapi::{
    BadRequest, Conflict, Forbidden, NotFound, PayloadTooLarge, PreconditionFailed, Unauthorized,
    Unprocessable, UnsupportedMediaType,
};
use crate::slug::{self, IdOrSlug};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_authors)
        .service(create_author)
        .service(get_author)
        .service(update_author)
        .service(delete_author);
}

fn not_found(key: &IdOrSlug) -> AppError {
    AppError::NotFound(format!("No author `{key}`."))
}

/// The author named by `key` with their article count, or a `404`; the email only
/// `with_email`.
fn load(
    conn: &mut db::Conn,
    key: &IdOrSlug,
    with_email: bool,
) -> Result<(AuthorRow, AuthorView), AppError> {
    let row = queries::find(conn, key)?.ok_or_else(|| not_found(key))?;
    let count = queries::article_counts(conn, &[row.id], db::now())?
        .get(&row.id)
        .copied()
        .unwrap_or(0);
    Ok((row.clone(), AuthorView::new(row, count, with_email)))
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
    let page = paging.validate()?;
    let sort = list::parse_sort(filters.sort.as_deref(), AUTHOR_SORTS, "name")?;
    let fields = list::parse_fields(filters.fields.as_deref(), AUTHOR_FIELDS)?;
    let q = filters.q.filter(|q| !q.trim().is_empty());
    let (rows, total, counts) = db::read(&state.pool, move |conn| {
        let (rows, total) = queries::list(conn, q.as_deref(), &sort, page)?;
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        let counts = queries::article_counts(conn, &ids, db::now())?;
        Ok((rows, total, counts))
    })
    .await?;
    let with_email = user.0.is_some();
    let views = rows
        .into_iter()
        .map(|r| {
            let count = counts.get(&r.id).copied().unwrap_or(0);
            AuthorView::new(r, count, with_email)
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
        (status = 404, response = NotFound),
        (status = 422, response = Unprocessable),
    )
)]
#[get("/authors/{id_or_slug}")]
pub async fn get_author(
    state: web::Data<AppState>,
    user: MaybeAuthUser,
    key: web::Path<String>,
    Query(params): Query<FieldsParam>,
) -> Result<HttpResponse, AppError> {
    let fields = list::parse_fields(params.fields.as_deref(), AUTHOR_FIELDS)?;
    let key = IdOrSlug::parse(&key);
    let with_email = user.0.is_some();
    let (_, view) = db::read(&state.pool, move |conn| load(conn, &key, with_email)).await?;
    json_response(
        StatusCode::OK,
        &view,
        fields.as_deref(),
        read_cache(user.0.is_none()),
    )
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
    policy::require_create_author(&user)?;
    let body = body.into_inner()?.validate()?;
    let row = db::write(&state.pool, move |conn| create(conn, body, Some(user.id))).await?;
    let view = AuthorView::new(row, 0, true);
    created(&state, "authors", view.id, &view)
}

/// `422` unless `image` names an uploaded image.
fn check_avatar(conn: &mut db::Conn, image: Option<i64>) -> Result<(), AppError> {
    match image {
        Some(id) if !crate::images::queries::exists(conn, id)? => Err(AppError::invalid(
            "avatar_image_id",
            format!("no image with id {id}"),
        )),
        _ => Ok(()),
    }
}

/// Creates a validated author (shared with the demo seed).
pub fn create(
    conn: &mut db::Conn,
    body: CreateAuthor,
    created_by: Option<i64>,
) -> Result<AuthorRow, AppError> {
    check_avatar(conn, body.avatar_image_id)?;
    let slug = slug::choose(
        conn,
        body.slug.as_deref(),
        &body.name,
        "author",
        queries::taken_slugs,
        |conn, s| queries::slug_taken(conn, s, None),
    )?;
    let now = db::now();
    Ok(queries::insert(
        conn,
        &NewAuthor {
            slug,
            name: body.name,
            bio: body.bio,
            email: body.email,
            website: body.website,
            avatar_image_id: body.avatar_image_id,
            created_by,
            created_at: now,
            updated_at: now,
        },
    )?)
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
    let key = IdOrSlug::parse(&key);
    let if_match = etag::if_match(&req);
    let view = db::write(&state.pool, move |conn| {
        let (current, view) = load(conn, &key, true)?;
        policy::require_edit_owned(&user, current.created_by)?;
        let body = body.into_inner()?.validate()?;
        check_avatar(conn, body.avatar_image_id.flatten())?;
        etag::check_if_match(if_match.as_deref(), &etag::of_json(&view)?)?;
        if let Some(s) = &body.slug {
            if queries::slug_taken(conn, s, Some(current.id))? {
                return Err(AppError::Conflict(format!(
                    "The slug `{s}` is already taken."
                )));
            }
        }
        let changes = AuthorChanges {
            slug: body.slug,
            name: body.name,
            bio: body.bio,
            email: body.email,
            website: body.website,
            avatar_image_id: body.avatar_image_id,
            updated_at: Some(db::now()),
        };
        let row = queries::update(conn, current.id, &changes)?;
        Ok(AuthorView::new(row, view.article_count, true))
    })
    .await?;
    json_response(StatusCode::OK, &view, None, CACHE_PRIVATE)
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
    let key = IdOrSlug::parse(&key);
    let if_match = etag::if_match(&req);
    db::write(&state.pool, move |conn| {
        let (current, view) = load(conn, &key, true)?;
        policy::require_edit_owned(&user, current.created_by)?;
        etag::check_if_match(if_match.as_deref(), &etag::of_json(&view)?)?;
        let sole = queries::sole_author_of(conn, current.id)?;
        if !sole.is_empty() {
            return Err(AppError::Conflict(format!(
                "{} is the only author of {} article(s): {}; give them another author first.",
                current.name,
                sole.len(),
                sole.iter()
                    .take(5)
                    .map(String::as_str)
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        queries::delete(conn, current.id, db::now())?;
        Ok(())
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
