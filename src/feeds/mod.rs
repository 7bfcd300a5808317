//! Feeds for readers and aggregators: the latest public articles as RSS 2.0, Atom 1.0 and
//! JSON Feed 1.1, for the whole site (`/feeds/rss.xml`…) and per tag, author and source
//! (`/feeds/tag/{slug}/rss.xml`…). They live outside `/api/v1` so that a website can proxy
//! them as they are, and need `DATELINE_SITE_URL`: a feed links to the website's pages.

pub mod render;

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, get, web};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::articles::dto::ArticleView;
use crate::articles::handlers::{Include, views};
use crate::articles::listing::{self, ListQuery};
use crate::authors::service::Authors;
use crate::catalog::{Catalog, not_found_or_moved};
use crate::config::Config;
use crate::db::paging::{CountMode, Page, Window};
use crate::db::{self, Conn};
use crate::error::AppError;
use crate::http::{CACHE_PUBLIC, Query, etag};
use crate::site::{self, Site};
use crate::slug::IdOrSlug;
use crate::sources::service::Sources;
use crate::state::AppState;
use crate::tags::service::Tags;
use render::FeedInfo;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(site_feed).service(subject_feed);
}

/// The articles a feed holds unless `limit` says otherwise, and the most it may hold.
const DEFAULT_LIMIT: u32 = 20;
const MAX_LIMIT: u32 = 100;

/// A feed's format, named by its file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
pub enum FeedFile {
    /// RSS 2.0.
    #[serde(rename = "rss.xml")]
    Rss,
    /// Atom 1.0.
    #[serde(rename = "atom.xml")]
    Atom,
    /// JSON Feed 1.1.
    #[serde(rename = "feed.json")]
    Json,
}

impl FeedFile {
    fn name(self) -> &'static str {
        match self {
            Self::Rss => "rss.xml",
            Self::Atom => "atom.xml",
            Self::Json => "feed.json",
        }
    }

    fn content_type(self) -> &'static str {
        match self {
            Self::Rss => "application/rss+xml; charset=utf-8",
            Self::Atom => "application/atom+xml; charset=utf-8",
            Self::Json => "application/feed+json; charset=utf-8",
        }
    }
}

/// A JSON Feed 1.1 document (<https://www.jsonfeed.org/version/1.1/>), as the feeds' JSON
/// form is written.
#[derive(Debug, ToSchema)]
#[allow(dead_code)] // documents the JSON form; `render::json` writes it
pub struct JsonFeedDocument {
    /// `https://jsonfeed.org/version/1.1`.
    version: String,
    title: String,
    home_page_url: String,
    feed_url: String,
    description: String,
    language: String,
    /// The articles, newest first, each with `id`, `url`, `title`, `content_html`, `summary`,
    /// `image`, `date_published`, `date_modified`, `authors`, `tags`, `attachments` (the
    /// feature image) and `_dateline` (its credit and caption, and the story's dateline).
    #[schema(value_type = Vec<Object>)]
    items: Vec<serde_json::Value>,
}

/// What a feed may follow besides the whole site.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum FeedSubject {
    Tag,
    Author,
    Source,
}

impl FeedSubject {
    fn name(self) -> &'static str {
        match self {
            Self::Tag => "tag",
            Self::Author => "author",
            Self::Source => "source",
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct FeedParams {
    /// How many of the latest public articles, 1–100 (default 20).
    #[param(minimum = 1, maximum = 100, example = 20)]
    pub limit: Option<u32>,
}

impl FeedParams {
    fn limit(&self) -> Result<u32, AppError> {
        match self.limit.unwrap_or(DEFAULT_LIMIT) {
            n @ 1..=MAX_LIMIT => Ok(n),
            _ => Err(AppError::invalid(
                "limit",
                format!("must be between 1 and {MAX_LIMIT}"),
            )),
        }
    }
}

/// The website's address, or the `404` that says which variable to set.
pub fn site_base(site: &Site) -> Result<&str, AppError> {
    site.base.as_deref().ok_or_else(|| {
        AppError::NotFound(
            "Feeds and sitemaps link to the public website: set DATELINE_SITE_URL (for \
             example https://www.example.com) and restart."
                .into(),
        )
    })
}

/// The site's feed
///
/// The latest public articles (20 unless `limit` says otherwise, at most 100), newest first,
/// with their full content, authors, tags as categories, feature image (as an enclosure and
/// Media RSS `media:content` with its credit) and times: RSS 2.0 (`rss.xml`), Atom 1.0
/// (`atom.xml`) or JSON Feed 1.1 (`feed.json`). `404` until `DATELINE_SITE_URL` is set.
#[utoipa::path(
    tag = "distribution",
    params(
        ("file" = inline(FeedFile), Path, description = "The format: `rss.xml`, `atom.xml` or `feed.json`."),
        FeedParams,
    ),
    security(()),
    responses(
        (status = 200, description = "The feed.",
         content(
            (String = "application/rss+xml"), (String = "application/atom+xml"), (JsonFeedDocument = "application/feed+json")
         ),
         headers(
            ("ETag" = String, description = "Strong entity tag of this feed."),
            ("Cache-Control" = String, description = "`public, max-age=60`.")
         )),
        (status = 304, description = "Not modified: `If-None-Match` names the current ETag."),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 404, response = crate::openapi::NotFound),
        (status = 422, response = crate::openapi::Unprocessable),
    )
)]
#[get("/feeds/{file}")]
pub async fn site_feed(
    state: web::Data<AppState>,
    file: web::Path<FeedFile>,
    Query(params): Query<FeedParams>,
) -> Result<HttpResponse, AppError> {
    feed(state, file.into_inner(), None, &params).await
}

/// A tag's, author's or source's feed
///
/// As the site's feed, for the articles filed under a tag, with an author on the byline, or
/// citing a source (named by slug or id; `404` for one that does not exist). A slug the tag,
/// author or source gave up answers `301` to its feed under the current slug (a relative
/// `Location`, so that it stays on a website that proxies the feeds).
#[utoipa::path(
    tag = "distribution",
    params(
        ("subject" = inline(FeedSubject), Path, description = "What the feed follows: `tag`, `author` or `source`."),
        ("slug" = String, Path, description = "Its slug or id.", example = "islamic-state"),
        ("file" = inline(FeedFile), Path, description = "The format: `rss.xml`, `atom.xml` or `feed.json`."),
        FeedParams,
    ),
    security(()),
    responses(
        (status = 200, description = "The feed.",
         content(
            (String = "application/rss+xml"), (String = "application/atom+xml"), (JsonFeedDocument = "application/feed+json")
         ),
         headers(
            ("ETag" = String, description = "Strong entity tag of this feed."),
            ("Cache-Control" = String, description = "`public, max-age=60`.")
         )),
        (status = 301, response = crate::openapi::Moved),
        (status = 304, description = "Not modified: `If-None-Match` names the current ETag."),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 404, response = crate::openapi::NotFound),
        (status = 422, response = crate::openapi::Unprocessable),
    )
)]
#[get("/feeds/{subject}/{slug}/{file}")]
pub async fn subject_feed(
    state: web::Data<AppState>,
    path: web::Path<(FeedSubject, String, FeedFile)>,
    Query(params): Query<FeedParams>,
) -> Result<HttpResponse, AppError> {
    let (subject, key, file) = path.into_inner();
    feed(state, file, Some((subject, IdOrSlug::parse(&key))), &params).await
}

/// Whom a feed follows: id, name and page.
struct Followed {
    id: i64,
    name: String,
    page: Option<String>,
}

/// Whom the feed at `path` follows; for an old slug, the `301` to the feed under the current
/// one (`path` makes its path from a slug).
fn followed(
    conn: &mut Conn,
    subject: FeedSubject,
    key: &IdOrSlug,
    config: &Config,
    path: impl FnOnce(&str) -> String,
    query: &str,
) -> Result<Followed, AppError> {
    let site = &config.site;
    let found = match subject {
        FeedSubject::Tag => Tags::find(conn, key)?.map(|r| (r.id, r.name, r.slug)),
        FeedSubject::Author => Authors::find(conn, key)?.map(|r| (r.id, r.name, r.slug)),
        FeedSubject::Source => Sources::find(conn, key)?.map(|r| (r.id, r.name, r.slug)),
    };
    let Some((id, name, slug)) = found else {
        // A relative `Location`: the website may proxy the feeds, and its readers should stay
        // on it.
        let public_url = "";
        return Err(match subject {
            FeedSubject::Tag => not_found_or_moved::<Tags>(conn, key, public_url, path, query),
            FeedSubject::Author => {
                not_found_or_moved::<Authors>(conn, key, public_url, path, query)
            }
            FeedSubject::Source => {
                not_found_or_moved::<Sources>(conn, key, public_url, path, query)
            }
        });
    };
    let page = match subject {
        FeedSubject::Tag => site::Page::Tag,
        FeedSubject::Author => site::Page::Author,
        FeedSubject::Source => site::Page::Source,
    };
    Ok(Followed {
        page: site.page(page, id, &slug),
        id,
        name,
    })
}

async fn feed(
    state: web::Data<AppState>,
    file: FeedFile,
    subject: Option<(FeedSubject, IdOrSlug)>,
    params: &FeedParams,
) -> Result<HttpResponse, AppError> {
    let limit = params.limit()?;
    let path = match &subject {
        None => format!("/feeds/{}", file.name()),
        Some((s, key)) => format!("/feeds/{}/{key}/{}", s.name(), file.name()),
    };
    let limit_query = params
        .limit
        .map(|l| format!("limit={l}"))
        .unwrap_or_default();
    let config = state.config.clone();
    let base = site_base(&config.site)?.to_owned();
    let search = state.search.clone();
    let (followed, articles) = db::read(&state.db, move |conn| {
        let now = db::now();
        let query = limit_query;
        let followed = subject
            .as_ref()
            .map(|(s, key)| {
                let path = |slug: &str| format!("/feeds/{}/{slug}/{}", s.name(), file.name());
                followed(conn, *s, key, &config, path, &query).map(|f| (*s, f))
            })
            .transpose()?;
        let mut query = ListQuery::public(now);
        if let Some((subject, f)) = &followed {
            let key = vec![IdOrSlug::Id(f.id, f.id.to_string())];
            match subject {
                FeedSubject::Tag => query.tag = key,
                FeedSubject::Author => query.author = key,
                FeedSubject::Source => query.source = key,
            }
        }
        let window = Window::Page(Page {
            page: 1,
            per_page: limit,
        });
        let listing = listing::list(conn, &search, &query, &window, CountMode::None, false)?;
        let include = Include {
            authors: true,
            tags: true,
            sources: true,
            feature_image: true,
            without_corrections: false,
        };
        let articles = views(conn, listing.rows, include, false, &config, now)?;
        Ok((followed, articles))
    })
    .await?;
    let config = &state.config;
    let name = &config.publication.name;
    let (title, description, home) = match followed {
        None => (
            name.clone(),
            format!("The latest stories from {name}."),
            format!("{base}/"),
        ),
        Some((subject, f)) => {
            let description = match subject {
                FeedSubject::Tag => format!("Stories filed under {} at {name}.", f.name),
                FeedSubject::Author => format!("Stories by {} at {name}.", f.name),
                FeedSubject::Source => format!("Stories citing {} at {name}.", f.name),
            };
            let home = f.page.unwrap_or_else(|| format!("{base}/"));
            (format!("{name}: {}", f.name), description, home)
        }
    };
    let info = FeedInfo {
        title,
        description,
        home,
        self_url: format!("{}{path}", config.public_url),
        language: config.publication.language.clone(),
        docs: format!("{}/docs/", config.public_url),
    };
    let body = body_of(file, &info, &articles)?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, etag::of(&body)))
        .insert_header((header::CACHE_CONTROL, CACHE_PUBLIC))
        .insert_header((
            header::CONTENT_TYPE,
            HeaderValue::from_static(file.content_type()),
        ))
        .body(body))
}

fn body_of(file: FeedFile, info: &FeedInfo, articles: &[ArticleView]) -> Result<Vec<u8>, AppError> {
    Ok(match file {
        FeedFile::Rss => render::rss(info, articles).into_bytes(),
        FeedFile::Atom => render::atom(info, articles).into_bytes(),
        FeedFile::Json => render::json(info, articles).map_err(AppError::internal)?,
    })
}
