//! `/api/v1/articles`.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use chrono::NaiveDateTime;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::articles::dto::{
    ARTICLE_FIELDS, ARTICLE_INCLUDES, ARTICLE_SORTS, ArticleFilters, ArticleLinks, ArticleParams,
    ArticleStatus, ArticleView, CreateArticle, StatusFilter, UpdateArticle,
};
use crate::articles::listing::{self, ListQuery, Listing};
use crate::articles::models::ArticleRow;
use crate::articles::queries::{self, Scope};
use crate::articles::render::{self, Rendered};
use crate::articles::service::{self, Stored};
use crate::auth::{AuthUser, MaybeAuthUser, policy};
use crate::authors::service::Authors;
use crate::catalog;
use crate::config::Config;
use crate::db::paging::{Cursor, Page, Window};
use crate::db::{self, Conn};
use crate::error::AppError;
use crate::http::list::{self, ListBody, PageMeta, PageParams, TotalKind};
use crate::http::{CACHE_PRIVATE, Json, Query, created, etag, json_response, read_cache};
use crate::images::dto::ImageView;
use crate::openapi::{
    BadRequest, Conflict, Forbidden, NotFound, PayloadTooLarge, PreconditionFailed, Unauthorized,
    Unprocessable, UnsupportedMediaType,
};
use crate::search::TextQuery;
use crate::slug::IdOrSlug;
use crate::sources::service::Sources;
use crate::state::AppState;
use crate::tags::service::Tags;
use crate::webhooks::events;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_articles)
        .service(create_article)
        .service(get_article)
        .service(update_article)
        .service(delete_article);
}

/// Which related objects to embed.
#[derive(Debug, Clone, Copy, Default)]
pub struct Include {
    pub authors: bool,
    pub tags: bool,
    pub sources: bool,
    pub feature_image: bool,
    /// Leave out the corrections (a sparse fieldset without them).
    pub without_corrections: bool,
}

impl Include {
    /// The embeds and the sparse fieldset of `include=` and `fields=`. An embedded member
    /// named in `fields` is embedded as if `include` asked for it (`fields=id,authors`); one
    /// that `include` asks for is kept by any `fields`.
    pub fn parse(
        include: Option<&str>,
        fields: Option<&str>,
    ) -> Result<(Self, Option<Vec<&'static str>>), AppError> {
        let mut names =
            list::parse_names("include", include, ARTICLE_INCLUDES)?.unwrap_or_default();
        let allowed: Vec<&'static str> = ARTICLE_FIELDS
            .iter()
            .chain(ARTICLE_INCLUDES)
            .copied()
            .collect();
        let mut fields = list::parse_fields(fields, &allowed)?;
        if let Some(fields) = &mut fields {
            for name in ARTICLE_INCLUDES {
                match (fields.contains(name), names.contains(name)) {
                    (true, false) => names.push(name),
                    (false, true) => fields.push(name),
                    _ => {}
                }
            }
        }
        let include = Self {
            authors: names.contains(&"authors"),
            tags: names.contains(&"tags"),
            sources: names.contains(&"sources"),
            feature_image: names.contains(&"feature_image"),
            without_corrections: fields.as_ref().is_some_and(|f| !f.contains(&"corrections")),
        };
        Ok((include, fields))
    }
}

/// Builds the views of `rows`: their links, and the embedded objects `include` asks for,
/// each kind loaded in one query (plus one for its article counts) whatever the page size.
pub fn views(
    conn: &mut Conn,
    rows: Vec<ArticleRow>,
    include: Include,
    with_email: bool,
    config: &Config,
    now: NaiveDateTime,
) -> Result<Vec<ArticleView>, AppError> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let links = queries::links(conn, &ids)?;
    linked_views(conn, rows, links, include, with_email, config, now)
}

/// [`views`] of rows whose links are already loaded.
fn linked_views(
    conn: &mut Conn,
    rows: Vec<ArticleRow>,
    mut links: HashMap<i64, ArticleLinks>,
    include: Include,
    with_email: bool,
    config: &Config,
    now: NaiveDateTime,
) -> Result<Vec<ArticleView>, AppError> {
    let all = |pick: fn(&ArticleLinks) -> &Vec<i64>| {
        let mut v: Vec<i64> = links
            .values()
            .flat_map(|l| pick(l).iter().copied())
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    };
    let author_ids = all(|l| &l.author_ids);
    let tag_ids = all(|l| &l.tag_ids);
    let source_ids = all(|l| &l.source_ids);

    let author_views = match include.authors {
        true => catalog::views_by_id::<Authors>(conn, &author_ids, with_email, config)?,
        false => HashMap::new(),
    };
    let tag_views = match include.tags {
        true => catalog::views_by_id::<Tags>(conn, &tag_ids, with_email, config)?,
        false => HashMap::new(),
    };
    let source_views = match include.sources {
        true => catalog::views_by_id::<Sources>(conn, &source_ids, with_email, config)?,
        false => HashMap::new(),
    };

    let mut corrections = match include.without_corrections {
        true => HashMap::new(),
        false => {
            let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
            crate::corrections::of_articles(conn, &ids)?
        }
    };

    let mut image_views: HashMap<i64, ImageView> = HashMap::new();
    let image_ids: Vec<i64> = rows.iter().filter_map(|r| r.feature_image_id).collect();
    if include.feature_image && !image_ids.is_empty() {
        for row in crate::images::queries::by_ids(conn, &image_ids)? {
            image_views.insert(row.id, ImageView::new(row, config));
        }
    }

    Ok(rows
        .into_iter()
        .map(|row| {
            let feature_image = include.feature_image.then(|| {
                row.feature_image_id
                    .and_then(|id| image_views.get(&id).cloned())
            });
            let l = links.remove(&row.id).unwrap_or_default();
            let authors = include.authors.then(|| pick(&l.author_ids, &author_views));
            let tags = include.tags.then(|| pick(&l.tag_ids, &tag_views));
            let sources = include.sources.then(|| pick(&l.source_ids, &source_views));
            let id = row.id;
            let mut view = ArticleView::new(row, l, now, &config.site);
            view.corrections = corrections.remove(&id).unwrap_or_default();
            view.authors = authors;
            view.tags = tags;
            view.sources = sources;
            view.feature_image = feature_image;
            view
        })
        .collect())
}

/// The views of `ids` found in `from`, in the order of `ids`.
fn pick<V: Clone>(ids: &[i64], from: &HashMap<i64, V>) -> Vec<V> {
    ids.iter().filter_map(|id| from.get(id).cloned()).collect()
}

/// The article named by `key`, if `user` may edit it: `404` if they may not see it, `403`
/// if they may see but not edit it.
pub fn may_edit(
    conn: &mut Conn,
    key: &IdOrSlug,
    user: &AuthUser,
    now: NaiveDateTime,
) -> Result<Stored, AppError> {
    let current = service::load_visible(conn, key, Some(user), now)?;
    policy::require_edit_article(
        user,
        current.owners(),
        current.status_at(now) == ArticleStatus::Draft,
    )?;
    Ok(current)
}

/// [`may_edit`], and still as the caller saw it: `412` unless `if_match` (when given) is the
/// ETag of the article as `GET` shows it.
fn may_edit_unchanged(
    conn: &mut Conn,
    key: &IdOrSlug,
    user: &AuthUser,
    if_match: Option<&str>,
    config: &Config,
    now: NaiveDateTime,
) -> Result<Stored, AppError> {
    let current = may_edit(conn, key, user, now)?;
    let seen = view_of(
        conn,
        current.clone(),
        Include::default(),
        false,
        config,
        now,
    )?;
    etag::check_if_match(if_match, &etag::of_json(&seen)?)?;
    Ok(current)
}

/// A filter's value, unless it is empty (an empty filter filters nothing).
fn given(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|v| !v.is_empty())
}

/// The most values one list filter may name.
const MAX_ANY_OF: usize = 20;

/// A filter's comma list of slugs or ids, any of which matches (empty: no filter).
fn any_of(name: &str, value: Option<&str>) -> Result<Vec<IdOrSlug>, AppError> {
    let mut keys: Vec<IdOrSlug> = Vec::new();
    for part in value.unwrap_or_default().split(',').map(str::trim) {
        if !part.is_empty() && !keys.iter().any(|k| k.slug() == part) {
            keys.push(IdOrSlug::parse(part));
        }
    }
    if keys.len() > MAX_ANY_OF {
        return Err(AppError::invalid(
            name,
            format!("names {} values; at most {MAX_ANY_OF}", keys.len()),
        ));
    }
    Ok(keys)
}

/// List articles
///
/// What is public now (published, or scheduled and due), newest first. Filter by author, tag,
/// source, dateline, publication time, or full-text search `q` (ranked by relevance unless
/// `sort` is given). Staff may ask for other statuses with `status`. `include` embeds the
/// authors, tags, sources and feature image beside their ids.
#[utoipa::path(
    tag = "articles",
    params(PageParams, ArticleFilters),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "One page of articles.", body = ListBody<ArticleView>,
         headers(
            ("X-Total-Count" = i64, description = "Articles in the whole filtered list, when counted exactly (see `count`)."),
            ("Link" = String, description = "RFC 8288 links: `first`, `prev`, `next` and (when the total is known) `last` by page number; by `cursor` when the page was reached by cursor."),
            ("ETag" = String, description = "Strong entity tag of this page."),
            ("Cache-Control" = String, description = "`public, max-age=60` for anonymous readers, `private, no-store` for staff.")
         )),
        (status = 304, description = "Not modified: `If-None-Match` names the current ETag."),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 422, response = Unprocessable),
    )
)]
#[get("/articles")]
pub async fn list_articles(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: MaybeAuthUser,
    Query(paging): Query<PageParams>,
    Query(filters): Query<ArticleFilters>,
) -> Result<HttpResponse, AppError> {
    let page = paging.validate()?;
    let status = filters.status.unwrap_or(StatusFilter::Published);
    let scope = match &user.0 {
        None if status != StatusFilter::Published => {
            return Err(AppError::Unauthorized(
                "Only signed-in staff may list articles that are not published.".into(),
            ));
        }
        None => Scope::Public,
        Some(u) if u.is_editor() => Scope::All,
        Some(u) => Scope::Own {
            user_id: u.id,
            author_id: u.author_id,
        },
    };
    let sort = match filters.sort.as_deref().filter(|s| list::names_given(s)) {
        Some(raw) => list::parse_sort(Some(raw), ARTICLE_SORTS, "-published_at")?,
        None => Vec::new(),
    };
    let (include, fields) = Include::parse(filters.include.as_deref(), filters.fields.as_deref())?;
    // Without the body or its HTML among the fields, their bytes are never read.
    let light = fields
        .as_ref()
        .is_some_and(|f| !f.contains(&"body") && !f.contains(&"body_html"));
    let q = filters
        .q
        .as_deref()
        .map(str::trim)
        .filter(|q| !q.is_empty());
    let text = match q.map(TextQuery::parse).transpose() {
        Ok(text) => text.flatten(),
        Err(why) => return Err(AppError::invalid("q", why)),
    };
    let query = ListQuery {
        scope,
        status,
        author: any_of("author", filters.author.as_deref())?,
        tag: any_of("tag", filters.tag.as_deref())?,
        source: any_of("source", filters.source.as_deref())?,
        dateline: given(filters.dateline.as_deref()).map(str::to_owned),
        published_after: filters.published_after.map(|t| t.0.naive_utc()),
        published_before: filters.published_before.map(|t| t.0.naive_utc()),
        text,
        sort,
        now: db::now(),
    };
    let window = window(
        &query,
        page,
        paging.page.is_some(),
        filters.cursor.as_deref(),
    )?;
    let count = filters.count.unwrap_or_default();
    let with_email = user.0.is_some();
    let config = state.config.clone();
    // A search with nothing searchable in it (only symbols) finds nothing.
    let nothing_to_find = q.is_some() && query.text.is_none();
    let (views, listing) = if nothing_to_find {
        (Vec::new(), None)
    } else {
        let window = window.clone();
        let search = state.search.clone();
        db::read(&state.db, move |conn| {
            let listing = listing::list(conn, &search, &query, &window, count, light)?;
            let views = views(conn, listing.rows, include, with_email, &config, query.now)?;
            Ok((views, Some((listing.total, listing.next, listing.prev))))
        })
        .await?
    };
    let (total, next, prev) = listing.unwrap_or_else(|| {
        let empty = Listing::empty(count);
        (empty.total, empty.next, empty.prev)
    });
    let meta = PageMeta {
        page: matches!(window, Window::Page(_)).then_some(page.page),
        per_page: page.per_page,
        total: total.map(|t| t.value),
        total_pages: total.map(|t| list::pages(t.value, page.per_page)),
        count: total.map(|t| {
            if t.exact {
                TotalKind::Exact
            } else {
                TotalKind::Estimate
            }
        }),
        next_cursor: next.map(|c| c.encode()),
        prev_cursor: prev.map(|c| c.encode()),
    };
    list::meta_response(
        &req,
        &state.config.public_url,
        meta,
        views,
        fields.as_deref(),
        read_cache(user.0.is_none()),
    )
}

/// The slice the request asks for: a page number, or a cursor of this list's sort (`422` for
/// one that is not, or for both at once).
fn window(
    query: &ListQuery,
    page: Page,
    page_given: bool,
    cursor: Option<&str>,
) -> Result<Window, AppError> {
    let Some(text) = cursor.map(str::trim).filter(|c| !c.is_empty()) else {
        return Ok(Window::Page(page));
    };
    if page_given {
        return Err(AppError::invalid(
            "cursor",
            "give either `page` or `cursor`, not both",
        ));
    }
    let not_one = || {
        AppError::invalid(
            "cursor",
            "is not a cursor of this list; take one from `meta.next_cursor` or `meta.prev_cursor`",
        )
    };
    let cursor = Cursor::decode(text).ok_or_else(not_one)?;
    let sort = query.cursor_sort();
    if cursor.keys.len() != query.cursor_keys() {
        return Err(not_one());
    }
    if cursor.sort != sort {
        return Err(AppError::invalid(
            "cursor",
            format!(
                "was made for `sort={}`, not for this list's `{sort}`; keep the sort while \
                 following cursors",
                cursor.sort
            ),
        ));
    }
    Ok(Window::Cursor {
        cursor,
        per_page: page.per_page,
    })
}

/// Read an article
///
/// An article by id or slug. Anonymous readers see only what is public now; staff also see
/// drafts, scheduled and archived articles within their role. `include` embeds the authors,
/// tags, sources and feature image.
#[utoipa::path(
    tag = "articles",
    params(
        ("id_or_slug" = String, Path, description = "The article's id or slug.", example = "iraqi-jets-strike-is-bomb-workshop-in-qaim-killing-14"),
        ArticleParams
    ),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "The article.", body = ArticleView,
         headers(
            ("ETag" = String, description = "Strong entity tag; send it in `If-Match` to update safely."),
            ("Cache-Control" = String, description = "`public, max-age=60` for anonymous readers, `private, no-store` for staff.")
         )),
        (status = 304, description = "Not modified: `If-None-Match` names the current ETag."),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 301, response = crate::openapi::Moved),
        (status = 404, response = NotFound),
        (status = 422, response = Unprocessable),
    )
)]
#[get("/articles/{id_or_slug}")]
pub async fn get_article(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: MaybeAuthUser,
    key: web::Path<String>,
    Query(params): Query<ArticleParams>,
) -> Result<HttpResponse, AppError> {
    let (include, fields) = Include::parse(params.include.as_deref(), params.fields.as_deref())?;
    let key = IdOrSlug::parse(&key);
    let anonymous = user.0.is_none();
    let config = state.config.clone();
    let query = req.query_string().to_owned();
    let view = db::read(&state.db, move |conn| {
        let now = db::now();
        let stored = match service::load_visible(conn, &key, user.0.as_ref(), now) {
            Err(AppError::NotFound(detail)) => {
                let moved =
                    service::moved(conn, &key, user.0.as_ref(), now, &config.public_url, &query)?;
                return Err(moved.unwrap_or(AppError::NotFound(detail)));
            }
            found => found?,
        };
        view_of(conn, stored, include, !anonymous, &config, now)
    })
    .await?;
    // An anonymous reader only ever gets public content: cacheable by anyone.
    json_response(
        StatusCode::OK,
        &view,
        fields.as_deref(),
        read_cache(anonymous),
    )
}

/// The view of one stored article, with the embeds `include` asks for.
pub fn view_of(
    conn: &mut Conn,
    stored: Stored,
    include: Include,
    with_email: bool,
    config: &Config,
    now: NaiveDateTime,
) -> Result<ArticleView, AppError> {
    let links = HashMap::from([(stored.row.id, stored.links)]);
    let mut views = linked_views(
        conn,
        vec![stored.row],
        links,
        include,
        with_email,
        config,
        now,
    )?;
    views
        .pop()
        .ok_or_else(|| AppError::internal("article view went missing"))
}

/// Validates a change and renders its new body off the async threads, before the write
/// transaction.
pub async fn prepare(
    change: Result<UpdateArticle, AppError>,
) -> Result<(UpdateArticle, Option<Rendered>), AppError> {
    let change = change?;
    // Validation walks the body (its nesting) and rendering is CPU work: both off the async
    // threads.
    web::block(move || {
        let mut change = change;
        service::validate(&mut change)?;
        let rendered = change.body.as_deref().map(render::render);
        Ok((change, rendered))
    })
    .await?
}

/// Create an article
///
/// Any staff member may create articles; authors only drafts (`403` for another status).
/// The slug is derived from the title when left out; the body is Markdown, rendered to
/// sanitized HTML. The byline defaults to the caller's own.
#[utoipa::path(
    tag = "articles",
    request_body = CreateArticle,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The article was created.", body = ArticleView,
         headers(("Location" = String, description = "The new article's URL."))),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 409, response = Conflict),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = Unprocessable),
    )
)]
#[post("/articles")]
pub async fn create_article(
    state: web::Data<AppState>,
    user: AuthUser,
    body: Json<CreateArticle>,
) -> Result<HttpResponse, AppError> {
    let (change, rendered) = prepare(body.into_inner().map(UpdateArticle::from)).await?;
    let config = state.config.clone();
    let view = db::write(&state.db, move |conn| {
        let now = db::now();
        let stored = service::save(conn, Some(&user), None, change, rendered, now)?;
        events::article_changed(conn, None, Some(&stored), &config, now)?;
        Ok(ArticleView::new(
            stored.row,
            stored.links,
            now,
            &config.site,
        ))
    })
    .await?;
    created(&state.config.public_url, "articles", view.id, &view)
}

/// Update an article
///
/// Absent fields keep their value; `null` clears a nullable one. Editors and admins may
/// change any article; authors only their own drafts, and only as drafts. Setting `status`
/// publishes (`published_at` defaults to now), schedules (`published_at` in the future
/// required) or archives.
#[utoipa::path(
    tag = "articles",
    params(
        ("id_or_slug" = String, Path, description = "The article's id or slug.", example = "iraqi-jets-strike-is-bomb-workshop-in-qaim-killing-14"),
        ("If-Match" = Option<String>, Header, description = "Apply only if the article's ETag still matches (else `412`).")
    ),
    request_body = UpdateArticle,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The updated article.", body = ArticleView,
         headers(("ETag" = String, description = "The article's new entity tag."))),
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
#[patch("/articles/{id_or_slug}")]
pub async fn update_article(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: AuthUser,
    key: web::Path<String>,
    body: Json<UpdateArticle>,
) -> Result<HttpResponse, AppError> {
    let key = IdOrSlug::parse(&key);
    let if_match = etag::if_match(&req);
    // Who may edit is settled before any work is spent on the body (rendering is not free),
    // and settled again inside the write, where it counts.
    let (k, u) = (key.clone(), user.clone());
    db::read(&state.db, move |conn| {
        may_edit(conn, &k, &u, db::now()).map(|_| ())
    })
    .await?;
    let prepared = prepare(body.into_inner()).await;
    let config = state.config.clone();
    let view = db::write(&state.db, move |conn| {
        let now = db::now();
        let current = may_edit_unchanged(conn, &key, &user, if_match.as_deref(), &config, now)?;
        let (change, rendered) = prepared?;
        let stored = service::save(conn, Some(&user), Some(&current), change, rendered, now)?;
        events::article_changed(conn, Some(&current), Some(&stored), &config, now)?;
        view_of(conn, stored, Include::default(), false, &config, now)
    })
    .await?;
    json_response(StatusCode::OK, &view, None, CACHE_PRIVATE)
}

/// Delete an article
///
/// Editors and admins may delete any article; authors only their own drafts.
#[utoipa::path(
    tag = "articles",
    params(
        ("id_or_slug" = String, Path, description = "The article's id or slug.", example = "iraqi-jets-strike-is-bomb-workshop-in-qaim-killing-14"),
        ("If-Match" = Option<String>, Header, description = "Delete only if the article's ETag still matches (else `412`).")
    ),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "The article is gone."),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 412, response = PreconditionFailed),
    )
)]
#[delete("/articles/{id_or_slug}")]
pub async fn delete_article(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: AuthUser,
    key: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let key = IdOrSlug::parse(&key);
    let if_match = etag::if_match(&req);
    let config = state.config.clone();
    db::write(&state.db, move |conn| {
        let now = db::now();
        let current = may_edit_unchanged(conn, &key, &user, if_match.as_deref(), &config, now)?;
        events::article_changed(conn, Some(&current), None, &config, now)?;
        queries::delete(conn, current.row.id)?;
        Ok(())
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
