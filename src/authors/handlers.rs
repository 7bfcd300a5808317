//! `/api/v1/authors`: bylines.

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

use crate::auth::policy;
use crate::authors::dto::{
    AUTHOR_FIELDS, AUTHOR_SORTS, AuthorFilters, AuthorView, CreateAuthor, UpdateAuthor,
};
use crate::authors::models::{AuthorChanges, AuthorRow, NewAuthor};
use crate::authors::queries;
use crate::db;
use crate::http::list::{Page, SortKey};
use crate::slug::{self, IdOrSlug};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_authors)
        .service(create_author)
        .service(get_author)
        .service(update_author)
        .service(delete_author);
}

/// Authors (bylines) as a [`Catalog`].
pub struct Authors;

impl Catalog for Authors {
    type Row = AuthorRow;
    type View = AuthorView;
    type Create = CreateAuthor;
    type Update = UpdateAuthor;
    type Filters = AuthorFilters;

    const NOUN: &'static str = "author";
    const COLLECTION: &'static str = "authors";
    const FIELDS: &'static [&'static str] = AUTHOR_FIELDS;
    const SORTS: &'static [&'static str] = AUTHOR_SORTS;

    fn id(row: &AuthorRow) -> i64 {
        row.id
    }

    fn created_by(row: &AuthorRow) -> Option<i64> {
        row.created_by
    }

    /// The email only for signed-in staff.
    fn view(row: AuthorRow, article_count: i64, staff: bool) -> AuthorView {
        AuthorView::new(row, article_count, staff)
    }

    fn sort_and_fields(filters: &AuthorFilters) -> (Option<&str>, Option<&str>) {
        (filters.sort.as_deref(), filters.fields.as_deref())
    }

    fn find(conn: &mut db::Conn, key: &IdOrSlug) -> QueryResult<Option<AuthorRow>> {
        queries::find(conn, key)
    }

    fn list(
        conn: &mut db::Conn,
        filters: &AuthorFilters,
        sort: &[SortKey],
        page: Page,
    ) -> QueryResult<(Vec<AuthorRow>, i64)> {
        let q = filters.q.as_deref().filter(|q| !q.trim().is_empty());
        queries::list(conn, q, sort, page)
    }

    fn article_counts(
        conn: &mut db::Conn,
        ids: &[i64],
        now: NaiveDateTime,
    ) -> QueryResult<HashMap<i64, i64>> {
        queries::article_counts(conn, ids, now)
    }

    /// Bylines are made by editors and admins.
    fn may_create(user: &AuthUser) -> Result<(), AppError> {
        policy::require_create_author(user)
    }

    fn validate_create(body: CreateAuthor) -> Result<CreateAuthor, AppError> {
        body.validate()
    }

    fn validate_update(body: UpdateAuthor) -> Result<UpdateAuthor, AppError> {
        body.validate()
    }

    fn insert(
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
        let new = NewAuthor {
            slug,
            name: body.name,
            bio: body.bio,
            email: body.email,
            website: body.website,
            avatar_image_id: body.avatar_image_id,
            created_by,
            created_at: now,
            updated_at: now,
        };
        Ok(queries::insert(conn, &new)?)
    }

    fn update(
        conn: &mut db::Conn,
        current: &AuthorRow,
        body: UpdateAuthor,
    ) -> Result<AuthorRow, AppError> {
        catalog::check_new_slug(conn, body.slug.as_deref(), current.id, queries::slug_taken)?;
        check_avatar(conn, body.avatar_image_id.flatten())?;
        let changes = AuthorChanges {
            slug: body.slug,
            name: body.name,
            bio: body.bio,
            email: body.email,
            website: body.website,
            avatar_image_id: body.avatar_image_id,
            updated_at: Some(db::now()),
        };
        Ok(queries::update(conn, current.id, &changes)?)
    }

    /// An article's only author cannot go: give the article another author first.
    fn check_delete(conn: &mut db::Conn, row: &AuthorRow) -> Result<(), AppError> {
        let sole = queries::sole_author_of(conn, row.id)?;
        if sole.is_empty() {
            return Ok(());
        }
        Err(AppError::Conflict(format!(
            "{} is the only author of {} article(s): {}; give them another author first.",
            row.name,
            sole.len(),
            sole.iter()
                .take(5)
                .map(String::as_str)
                .collect::<Vec<_>>()
                .join(", ")
        )))
    }

    fn delete(conn: &mut db::Conn, id: i64, now: NaiveDateTime) -> QueryResult<usize> {
        queries::delete(conn, id, now)
    }

    fn used_beyond_drafts(conn: &mut db::Conn, id: i64) -> QueryResult<bool> {
        queries::used_beyond_drafts(conn, id)
    }
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
    catalog::get::<Authors>(state, user, key.into_inner(), params).await
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
