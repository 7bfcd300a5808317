//! Slug history, as staff read it: every slug an article, author, source or tag gave up, with
//! the slug it answers to now, so that a frontend can build its own redirects. (The API itself
//! answers `GET` by an old slug with a `301`; the migration `2026-12-04-000009_slug_history`
//! keeps the history.)

use std::collections::HashMap;

use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::dsl::exists;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::AuthUser;
use crate::db::schema::{article_authors, articles, authors, slug_history, sources, tags};
use crate::db::{self, Conn};
use crate::error::AppError;
use crate::http::list::{self, ListBody, PageParams};
use crate::http::{CACHE_PRIVATE, Query};
use crate::openapi::{BadRequest, Unauthorized, Unprocessable};
use crate::site::{self, Site};
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_redirects);
}

/// What an old slug named.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Article,
    Author,
    Source,
    Tag,
}

impl Kind {
    /// The table, as `slug_history.kind` names it.
    fn table(self) -> &'static str {
        match self {
            Self::Article => "articles",
            Self::Author => "authors",
            Self::Source => "sources",
            Self::Tag => "tags",
        }
    }

    fn of_table(table: &str) -> Option<Self> {
        [Self::Article, Self::Author, Self::Source, Self::Tag]
            .into_iter()
            .find(|k| k.table() == table)
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RedirectFilters {
    /// Only old slugs of this kind of item.
    #[param(inline)]
    pub kind: Option<Kind>,
}

/// An old slug and where it leads now.
#[derive(Debug, Serialize, ToSchema)]
pub struct RedirectView {
    pub kind: Kind,
    /// The item's id.
    #[schema(example = 42)]
    pub id: i64,
    /// The slug it gave up.
    #[schema(example = "jets-hit-qaim")]
    pub from: String,
    /// Its slug now.
    #[schema(example = "jets-hit-a-workshop-near-qaim")]
    pub to: String,
    /// The page the old slug made on the website (`DATELINE_SITE_URL`), and the page now:
    /// `null` without a site URL, and for an article without a publication date (its page
    /// path is dated).
    #[schema(example = "https://www.iraqinews.example/2017/11/01/jets-hit-qaim/")]
    pub from_url: Option<String>,
    #[schema(example = "https://www.iraqinews.example/2017/11/01/jets-hit-a-workshop-near-qaim/")]
    pub to_url: Option<String>,
    /// When it gave the old slug up.
    pub retired_at: DateTime<Utc>,
}

/// List old slugs
///
/// Every slug an article, author, source or tag had before, newest change first, with the slug
/// it answers to now and, with `DATELINE_SITE_URL`, both pages on the website: what a frontend
/// needs to build its own redirects. Staff only; authors see the old slugs of articles that
/// are public or their own.
#[utoipa::path(
    tag = "redirects",
    params(PageParams, RedirectFilters),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One page of old slugs.", body = ListBody<RedirectView>,
         headers(
            ("X-Total-Count" = i64, description = "Old slugs in the whole filtered list."),
            ("Link" = String, description = "RFC 8288 links: `first`, `prev`, `next`, `last`."),
            ("ETag" = String, description = "Strong entity tag of this page.")
         )),
        (status = 304, description = "Not modified: `If-None-Match` names the current ETag."),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 422, response = Unprocessable),
    )
)]
#[get("/redirects")]
pub async fn list_redirects(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: AuthUser,
    Query(paging): Query<PageParams>,
    Query(filters): Query<RedirectFilters>,
) -> Result<HttpResponse, AppError> {
    let page = paging.validate()?;
    let site = state.config.site.clone();
    let (views, total) = db::read(&state.db, move |conn| {
        let now = db::now();
        let total: i64 = visible(&user, filters.kind, now).count().get_result(conn)?;
        let rows: Vec<(String, String, i64, NaiveDateTime)> = visible(&user, filters.kind, now)
            .order((
                slug_history::retired_at.desc(),
                slug_history::kind,
                slug_history::slug,
            ))
            .limit(page.limit())
            .offset(page.offset())
            .select((
                slug_history::kind,
                slug_history::slug,
                slug_history::item_id,
                slug_history::retired_at,
            ))
            .load(conn)?;
        Ok((views(conn, rows, &site)?, total))
    })
    .await?;
    list::page_response(
        &req,
        &state.config.public_url,
        page,
        total,
        views,
        None,
        CACHE_PRIVATE,
    )
}

type Visible<'a> = slug_history::BoxedQuery<'a, db::Backend>;

/// The history `user` may read: all of it for editors; for authors, the old slugs of articles
/// that are public at `now` or their own, and every other kind's.
fn visible(user: &AuthUser, kind: Option<Kind>, now: NaiveDateTime) -> Visible<'static> {
    let mut q = slug_history::table.into_boxed();
    if let Some(kind) = kind {
        q = q.filter(slug_history::kind.eq(kind.table()));
    }
    if !user.is_editor() {
        let theirs = articles::table
            .filter(articles::id.eq(slug_history::item_id))
            .filter(
                articles::visible_at
                    .le(now)
                    .or(articles::created_by.eq(user.id)),
            );
        let bylined = article_authors::table
            .filter(article_authors::article_id.eq(slug_history::item_id))
            .filter(article_authors::author_id.nullable().eq(user.author_id));
        q = q.filter(
            slug_history::kind
                .ne(Kind::Article.table())
                .or(exists(theirs))
                .or(exists(bylined)),
        );
    }
    q
}

/// The views of a page of history rows: one query per kind for the items' current slugs.
fn views(
    conn: &mut Conn,
    rows: Vec<(String, String, i64, NaiveDateTime)>,
    site: &Site,
) -> QueryResult<Vec<RedirectView>> {
    let ids_of = |kind: Kind| -> Vec<i64> {
        rows.iter()
            .filter(|r| r.0 == kind.table())
            .map(|r| r.2)
            .collect()
    };
    // (kind, id) → (current slug, when the article went public).
    let mut current: HashMap<(Kind, i64), (String, Option<NaiveDateTime>)> = HashMap::new();
    let found: Vec<(i64, String, Option<NaiveDateTime>)> = articles::table
        .filter(articles::id.eq_any(ids_of(Kind::Article)))
        .select((articles::id, articles::slug, articles::published_at))
        .load(conn)?;
    current.extend(
        found
            .into_iter()
            .map(|(id, slug, at)| ((Kind::Article, id), (slug, at))),
    );
    macro_rules! named {
        ($table:ident, $kind:expr) => {
            let found: Vec<(i64, String)> = $table::table
                .filter($table::id.eq_any(ids_of($kind)))
                .select(($table::id, $table::slug))
                .load(conn)?;
            current.extend(
                found
                    .into_iter()
                    .map(|(id, slug)| (($kind, id), (slug, None))),
            );
        };
    }
    named!(authors, Kind::Author);
    named!(sources, Kind::Source);
    named!(tags, Kind::Tag);
    Ok(rows
        .into_iter()
        .filter_map(|(table, from, id, retired_at)| {
            let kind = Kind::of_table(&table)?;
            let (to, published_at) = current.get(&(kind, id))?;
            let url = |slug: &str| match kind {
                Kind::Article => site.article(id, slug, *published_at),
                Kind::Author => site.page(site::Page::Author, id, slug),
                Kind::Source => site.page(site::Page::Source, id, slug),
                Kind::Tag => site.page(site::Page::Tag, id, slug),
            };
            Some(RedirectView {
                kind,
                id,
                from_url: url(&from),
                to_url: url(to),
                from,
                to: to.clone(),
                retired_at: retired_at.and_utc(),
            })
        })
        .collect())
}
