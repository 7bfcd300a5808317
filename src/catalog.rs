//! What authors, sources and tags have in common: slug-named things that articles link to,
//! each with a count of the public articles linking to it. The HTTP flow of their five
//! endpoints lives here once; each resource says what differs by implementing [`Catalog`]
//! and keeps its own documented handlers, which call these functions.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::NaiveDateTime;
use serde::Serialize;

use crate::auth::{AuthUser, MaybeAuthUser, policy};
use crate::config::Config;
use crate::db::{self, Conn};
use crate::error::AppError;
use crate::http::list::{self, FieldsParam, Page, PageParams, SortKey};
use crate::http::{CACHE_PRIVATE, Json, created, etag, json_response, read_cache};
use crate::site::Site;
use crate::slug::IdOrSlug;
use crate::state::AppState;

/// A slug-named resource articles link to.
pub trait Catalog: 'static {
    /// Its database row.
    type Row: Clone + Send + 'static;
    /// What the API shows.
    type View: Serialize + Send + 'static;
    /// A create body.
    type Create: Send + 'static;
    /// A patch body.
    type Update: Send + 'static;
    /// Its list filters (besides paging).
    type Filters: Send + 'static;

    /// The singular noun, for messages: `tag`.
    const NOUN: &'static str;
    /// The collection under `/api/v1`: `tags`.
    const COLLECTION: &'static str;
    /// What `fields=` may name.
    const FIELDS: &'static [&'static str];
    /// What `sort=` may name.
    const SORTS: &'static [&'static str];
    /// The sort when none is given.
    const DEFAULT_SORT: &'static str = "name";

    fn id(row: &Self::Row) -> i64;
    fn created_by(row: &Self::Row) -> Option<i64>;
    /// The view of a row with its public article count; `staff` for signed-in callers.
    fn view(row: Self::Row, article_count: i64, staff: bool, site: &Site) -> Self::View;
    /// Completes the views of a page with the objects they embed, in one query for the page
    /// (an author's avatar image). Nothing by default.
    fn embed(
        _conn: &mut Conn,
        _views: &mut [Self::View],
        _config: &Config,
    ) -> diesel::QueryResult<()> {
        Ok(())
    }

    /// The `sort` and `fields` parameters among the filters.
    fn sort_and_fields(filters: &Self::Filters) -> (Option<&str>, Option<&str>);
    fn find(conn: &mut Conn, key: &IdOrSlug) -> diesel::QueryResult<Option<Self::Row>>;
    /// The id and current slug of the row that once had `slug` (its slug history).
    fn moved(conn: &mut Conn, slug: &str) -> diesel::QueryResult<Option<(i64, String)>>;
    /// The rows with these ids, in no particular order, each with its count of public
    /// articles at `now`.
    fn by_ids_counted(
        conn: &mut Conn,
        ids: &[i64],
        now: NaiveDateTime,
    ) -> diesel::QueryResult<Vec<(Self::Row, i64)>>;
    fn list(
        conn: &mut Conn,
        filters: &Self::Filters,
        sort: &[SortKey],
        page: Page,
    ) -> diesel::QueryResult<(Vec<Self::Row>, i64)>;
    fn article_counts(
        conn: &mut Conn,
        ids: &[i64],
        now: NaiveDateTime,
    ) -> diesel::QueryResult<HashMap<i64, i64>>;

    /// `403` unless `user` may create one (any staff member, unless overridden).
    fn may_create(_user: &AuthUser) -> Result<(), AppError> {
        Ok(())
    }
    fn validate_create(body: Self::Create) -> Result<Self::Create, AppError>;
    fn validate_update(body: Self::Update) -> Result<Self::Update, AppError>;
    /// Inserts a validated body (shared with the demo seed).
    fn insert(
        conn: &mut Conn,
        body: Self::Create,
        created_by: Option<i64>,
    ) -> Result<Self::Row, AppError>;
    /// Applies a validated patch.
    fn update(
        conn: &mut Conn,
        current: &Self::Row,
        body: Self::Update,
    ) -> Result<Self::Row, AppError>;
    /// `409` when the row may not go yet (authors who are an article's only author).
    fn check_delete(_conn: &mut Conn, _row: &Self::Row) -> Result<(), AppError> {
        Ok(())
    }
    /// Deletes the row, unlinking it from articles.
    fn delete(conn: &mut Conn, id: i64, now: NaiveDateTime) -> diesel::QueryResult<usize>;
    /// Whether an article past the draft stage links to the row.
    fn used_beyond_drafts(conn: &mut Conn, id: i64) -> diesel::QueryResult<bool>;
}

/// Editors and admins change anything; authors only what they created, and only while no
/// article past the draft stage uses it (a rename or delete would change published stories,
/// which authors may not).
fn require_edit<C: Catalog>(
    conn: &mut Conn,
    user: &AuthUser,
    row: &C::Row,
) -> Result<(), AppError> {
    policy::require_edit_owned(user, C::created_by(row))?;
    if !user.is_editor() && C::used_beyond_drafts(conn, C::id(row))? {
        return Err(AppError::Forbidden(format!(
            "This {} is used by articles past the draft stage; an editor must change it.",
            C::NOUN
        )));
    }
    Ok(())
}

fn not_found<C: Catalog>(key: &IdOrSlug) -> AppError {
    AppError::NotFound(format!("No {} `{key}`.", C::NOUN))
}

/// The views of `rows`, each with its count of public articles: one query for all the counts.
pub fn views_of<C: Catalog>(
    conn: &mut Conn,
    rows: Vec<C::Row>,
    staff: bool,
    config: &Config,
) -> diesel::QueryResult<Vec<C::View>> {
    let ids: Vec<i64> = rows.iter().map(C::id).collect();
    let counts = C::article_counts(conn, &ids, db::now())?;
    let mut views: Vec<C::View> = rows
        .into_iter()
        .map(|row| {
            let count = counts.get(&C::id(&row)).copied().unwrap_or(0);
            C::view(row, count, staff, &config.site)
        })
        .collect();
    C::embed(conn, &mut views, config)?;
    Ok(views)
}

/// The views of the rows with these ids, by id (for embedding): one query whatever the
/// number of ids, none when there are none.
pub fn views_by_id<C: Catalog>(
    conn: &mut Conn,
    ids: &[i64],
    staff: bool,
    config: &Config,
) -> diesel::QueryResult<HashMap<i64, C::View>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let (ids, mut views): (Vec<i64>, Vec<C::View>) = C::by_ids_counted(conn, ids, db::now())?
        .into_iter()
        .map(|(row, count)| (C::id(&row), C::view(row, count, staff, &config.site)))
        .unzip();
    C::embed(conn, &mut views, config)?;
    Ok(ids.into_iter().zip(views).collect())
}

/// The view of one row, with its count.
fn view_of<C: Catalog>(
    conn: &mut Conn,
    row: C::Row,
    staff: bool,
    config: &Config,
) -> Result<C::View, AppError> {
    views_of::<C>(conn, vec![row], staff, config)?
        .pop()
        .ok_or_else(|| AppError::internal("a view went missing"))
}

/// The row named by `key` and its view (with its article count), or a `404`.
fn load<C: Catalog>(
    conn: &mut Conn,
    key: &IdOrSlug,
    staff: bool,
    config: &Config,
) -> Result<(C::Row, C::View), AppError> {
    let row = C::find(conn, key)?.ok_or_else(|| not_found::<C>(key))?;
    Ok((row.clone(), view_of::<C>(conn, row, staff, config)?))
}

/// `GET /{collection}`.
pub async fn list<C: Catalog>(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: MaybeAuthUser,
    paging: PageParams,
    filters: C::Filters,
) -> Result<HttpResponse, AppError> {
    let page = paging.validate()?;
    let (sort, fields) = C::sort_and_fields(&filters);
    let sort = list::parse_sort(sort, C::SORTS, C::DEFAULT_SORT)?;
    let fields = list::parse_fields(fields, C::FIELDS)?;
    let staff = user.0.is_some();
    let config = state.config.clone();
    let views = db::read(&state.db, move |conn| {
        let (rows, total) = C::list(conn, &filters, &sort, page)?;
        Ok((views_of::<C>(conn, rows, staff, &config)?, total))
    })
    .await?;
    let (views, total) = views;
    let cache = read_cache(!staff);
    list::page_response(
        &req,
        &state.config.public_url,
        page,
        total,
        views,
        fields.as_deref(),
        cache,
    )
}

/// The `301` to the current slug when `key` is a slug the row had before, else the `404`.
pub fn not_found_or_moved<C: Catalog>(
    conn: &mut Conn,
    key: &IdOrSlug,
    public_url: &str,
    path: impl FnOnce(&str) -> String,
    query: &str,
) -> AppError {
    match C::moved(conn, key.slug()) {
        Ok(Some((_, current))) => crate::slug::moved(
            C::NOUN,
            key.slug(),
            &current,
            public_url,
            &path(&current),
            query,
        ),
        Ok(None) => not_found::<C>(key),
        Err(e) => e.into(),
    }
}

/// `GET /{collection}/{id_or_slug}`; an old slug answers `301` to the current one.
pub async fn get<C: Catalog>(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: MaybeAuthUser,
    key: String,
    params: FieldsParam,
) -> Result<HttpResponse, AppError> {
    let fields = list::parse_fields(params.fields.as_deref(), C::FIELDS)?;
    let key = IdOrSlug::parse(&key);
    let staff = user.0.is_some();
    let config = state.config.clone();
    let query = req.query_string().to_owned();
    let view = db::read(&state.db, move |conn| match C::find(conn, &key)? {
        Some(row) => view_of::<C>(conn, row, staff, &config),
        None => Err(not_found_or_moved::<C>(
            conn,
            &key,
            &config.public_url,
            |slug| format!("/api/v1/{}/{slug}", C::COLLECTION),
            &query,
        )),
    })
    .await?;
    json_response(StatusCode::OK, &view, fields.as_deref(), read_cache(!staff))
}

/// `POST /{collection}`.
pub async fn create<C: Catalog>(
    state: web::Data<AppState>,
    user: AuthUser,
    body: Json<C::Create>,
) -> Result<HttpResponse, AppError> {
    C::may_create(&user)?;
    let body = C::validate_create(body.into_inner()?)?;
    let config = state.config.clone();
    let (id, view) = db::write(&state.db, move |conn| {
        let row = C::insert(conn, body, Some(user.id))?;
        let id = C::id(&row);
        let mut views = [C::view(row, 0, true, &config.site)];
        C::embed(conn, &mut views, &config)?;
        let [view] = views;
        Ok((id, view))
    })
    .await?;
    created(&state.config.public_url, C::COLLECTION, id, &view)
}

/// `PATCH /{collection}/{id_or_slug}`: editors and admins change anything, authors what they
/// created.
pub async fn update<C: Catalog>(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: AuthUser,
    key: String,
    body: Json<C::Update>,
) -> Result<HttpResponse, AppError> {
    let key = IdOrSlug::parse(&key);
    let if_match = etag::if_match(&req);
    let config = state.config.clone();
    let view = db::write(&state.db, move |conn| {
        let (current, view) = load::<C>(conn, &key, true, &config)?;
        require_edit::<C>(conn, &user, &current)?;
        let body = C::validate_update(body.into_inner()?)?;
        etag::check_if_match(if_match.as_deref(), &etag::of_json(&view)?)?;
        let row = C::update(conn, &current, body)?;
        view_of::<C>(conn, row, true, &config)
    })
    .await?;
    json_response(StatusCode::OK, &view, None, CACHE_PRIVATE)
}

/// `DELETE /{collection}/{id_or_slug}`: as for [`update`].
pub async fn delete<C: Catalog>(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: AuthUser,
    key: String,
) -> Result<HttpResponse, AppError> {
    let key = IdOrSlug::parse(&key);
    let if_match = etag::if_match(&req);
    let config = state.config.clone();
    db::write(&state.db, move |conn| {
        let (current, view) = load::<C>(conn, &key, true, &config)?;
        require_edit::<C>(conn, &user, &current)?;
        etag::check_if_match(if_match.as_deref(), &etag::of_json(&view)?)?;
        C::check_delete(conn, &current)?;
        C::delete(conn, C::id(&current), db::now())?;
        Ok(())
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A slug for a new row (see [`crate::slug::choose`]), or for a changed one when the patch
/// names a slug another row has (`409`).
pub fn check_new_slug(
    conn: &mut Conn,
    slug: Option<&str>,
    id: i64,
    taken: impl FnOnce(&mut Conn, &str, Option<i64>) -> diesel::QueryResult<bool>,
) -> Result<(), AppError> {
    match slug {
        Some(s) if taken(conn, s, Some(id))? => Err(AppError::Conflict(format!(
            "The slug `{s}` is already taken."
        ))),
        _ => Ok(()),
    }
}
