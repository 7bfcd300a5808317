//! Sitemaps for search engines: `/sitemap.xml`, an index of the article sitemaps
//! (`/sitemaps/articles-{page}.xml`, each the public articles of 1,000 ids) and of the tag,
//! author and source sitemaps (`/sitemaps/tags-{page}.xml`…, those of 1,000 ids that file a
//! public article), and `/sitemap-news.xml`, the Google News sitemap of the last 48 hours.
//!
//! Their cost does not grow with the archive: a page is a primary-key range, the index reads
//! one row per page from `sitemap_pages` and one per article scheduled for later from
//! `sitemap_pending` (both kept by triggers, see the migration `2026-12-04-000008_sitemaps`)
//! plus one index seek per tag, author and source, and the news sitemap walks the newest end of
//! the visibility index. Like the feeds they live outside `/api/v1` so that the website can proxy them as they
//! are, which is why the index names its pages on `DATELINE_SITE_URL`: search engines take a
//! sitemap's pages from the sitemap's own host.

use std::collections::HashMap;
use std::io;

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, get, web};
use chrono::{Duration, NaiveDateTime};
use diesel::dsl::{count_star, max, sql};
use diesel::prelude::*;
use diesel::sql_types::{Nullable, Timestamp};
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesText, Event};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::db::schema::{articles, authors, sitemap_pages, sitemap_pending, sources, tags};
use crate::db::{self, Conn};
use crate::error::AppError;
use crate::feeds::site_base;
use crate::http::{CACHE_PUBLIC, etag};
use crate::site::{self, Site};
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(sitemap_index)
        .service(page_sitemap)
        .service(news_sitemap);
}

/// The ids one article sitemap covers; the migration's `(id - 1) / 1000 + 1` says the same.
pub const PAGE_IDS: i64 = 1000;
/// How far back the news sitemap reaches, and the most it lists (Google News' limits).
const NEWS_HOURS: i64 = 48;
const NEWS_MAX: i64 = 1000;

const SITEMAP_NS: &str = "http://www.sitemaps.org/schemas/sitemap/0.9";
const NEWS_NS: &str = "http://www.google.com/schemas/sitemap-news/0.9";
const CONTENT_TYPE: HeaderValue = HeaderValue::from_static("application/xml; charset=utf-8");

/// The sitemap index
///
/// Names every article sitemap that holds a public article, with its `lastmod` (when one of
/// its articles last changed, went public or left). `404` until `DATELINE_SITE_URL` is set.
#[utoipa::path(
    tag = "distribution",
    security(()),
    responses(
        (status = 200, description = "A sitemap index (sitemaps.org 0.9).",
         content_type = "application/xml", body = String,
         headers(
            ("ETag" = String, description = "Strong entity tag of this document."),
            ("Cache-Control" = String, description = "`public, max-age=60`.")
         )),
        (status = 304, description = "Not modified: `If-None-Match` names the current ETag."),
        (status = 404, response = crate::openapi::NotFound),
    )
)]
#[get("/sitemap.xml")]
pub async fn sitemap_index(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let base = site_base(&state.config.site)?.to_owned();
    let sitemaps = db::read(&state.db, move |conn| {
        let now = db::now();
        let mut sitemaps: Vec<(String, i64, NaiveDateTime)> = index_pages(conn, now)?
            .into_iter()
            .map(|(page, lastmod)| ("articles".to_owned(), page, lastmod))
            .collect();
        for kind in Taxonomy::ALL {
            let mut pages: Vec<(i64, NaiveDateTime)> = Vec::new();
            for item in kind.listed(conn, None, now)? {
                let page = (item.id - 1) / PAGE_IDS + 1;
                match pages.last_mut() {
                    Some((p, lastmod)) if *p == page => *lastmod = (*lastmod).max(item.lastmod),
                    _ => pages.push((page, item.lastmod)),
                }
            }
            sitemaps.extend(
                pages
                    .into_iter()
                    .map(|(page, lastmod)| (kind.name().to_owned(), page, lastmod)),
            );
        }
        Ok(sitemaps)
    })
    .await?;
    let mut w = writer()?;
    w.create_element("sitemapindex")
        .with_attribute(("xmlns", SITEMAP_NS))
        .write_inner_content(|w| {
            for (kind, page, lastmod) in &sitemaps {
                w.create_element("sitemap").write_inner_content(|w| {
                    leaf(w, "loc", &format!("{base}/sitemaps/{kind}-{page}.xml"))?;
                    leaf(w, "lastmod", &w3c(*lastmod))
                })?;
            }
            Ok::<_, io::Error>(())
        })
        .map_err(AppError::internal)?;
    Ok(xml(w.into_inner()))
}

/// What a paged sitemap lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum SitemapKind {
    Articles,
    Tags,
    Authors,
    Sources,
}

/// A paged sitemap
///
/// Page `page` (ids `(page - 1) × 1000 + 1` to `page × 1000`) of a kind, in id order, each
/// entry with its canonical URL and `lastmod`: `articles`, the public articles; `tags`,
/// `authors` and `sources`, those that file a public article (their `lastmod` is their newest
/// public article, or their own last change if later). `404` for a page without one, and until
/// `DATELINE_SITE_URL` is set.
#[utoipa::path(
    tag = "distribution",
    params(
        ("kind" = inline(SitemapKind), Path, description = "What the sitemap lists: `articles`, `tags`, `authors` or `sources`."),
        ("page" = u32, Path, description = "The page, from 1, as the index names it.", minimum = 1, example = 1),
    ),
    security(()),
    responses(
        (status = 200, description = "A sitemap (sitemaps.org 0.9) of at most 1,000 URLs.",
         content_type = "application/xml", body = String,
         headers(
            ("ETag" = String, description = "Strong entity tag of this document."),
            ("Cache-Control" = String, description = "`public, max-age=60`.")
         )),
        (status = 304, description = "Not modified: `If-None-Match` names the current ETag."),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 404, response = crate::openapi::NotFound),
    )
)]
#[get("/sitemaps/{kind}-{page}.xml")]
pub async fn page_sitemap(
    state: web::Data<AppState>,
    path: web::Path<(SitemapKind, u32)>,
) -> Result<HttpResponse, AppError> {
    let (kind, page) = path.into_inner();
    let page = i64::from(page);
    site_base(&state.config.site)?;
    let config = state.config.clone();
    let urls: Vec<(String, NaiveDateTime)> = db::read(&state.db, move |conn| {
        let (now, site) = (db::now(), &config.site);
        if page < 1 {
            return Ok(Vec::new());
        }
        let taxonomy = match kind {
            SitemapKind::Articles => {
                return Ok(page_rows(conn, page, now)?
                    .iter()
                    .filter_map(|row| Some((row.url(site)?, row.lastmod())))
                    .collect());
            }
            SitemapKind::Tags => Taxonomy::Tags,
            SitemapKind::Authors => Taxonomy::Authors,
            SitemapKind::Sources => Taxonomy::Sources,
        };
        Ok(taxonomy
            .listed(conn, Some(ids_of(page)), now)?
            .iter()
            .filter_map(|item| {
                Some((
                    site.page(taxonomy.page(), item.id, &item.slug)?,
                    item.lastmod,
                ))
            })
            .collect())
    })
    .await?;
    if urls.is_empty() {
        return Err(AppError::NotFound(format!(
            "Sitemap page {page} of {} holds nothing public; /sitemap.xml names the pages that \
             do.",
            kind.name()
        )));
    }
    urlset(&urls)
}

impl SitemapKind {
    fn name(self) -> &'static str {
        match self {
            Self::Articles => "articles",
            Self::Tags => "tags",
            Self::Authors => "authors",
            Self::Sources => "sources",
        }
    }
}

/// The tags, authors and sources whose pages the sitemaps list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Taxonomy {
    Tags,
    Authors,
    Sources,
}

/// A tag, author or source with a public article, and when its page last changed.
struct ListedItem {
    id: i64,
    slug: String,
    lastmod: NaiveDateTime,
}

impl Taxonomy {
    const ALL: [Self; 3] = [Self::Tags, Self::Authors, Self::Sources];

    fn name(self) -> &'static str {
        match self {
            Self::Tags => "tags",
            Self::Authors => "authors",
            Self::Sources => "sources",
        }
    }

    fn page(self) -> site::Page {
        match self {
            Self::Tags => site::Page::Tag,
            Self::Authors => site::Page::Author,
            Self::Sources => site::Page::Source,
        }
    }

    /// Its items with a public article at `now` (those with ids in `ids`, or all), in id
    /// order: each one's newest public article is one seek of its link's visibility index.
    fn listed(
        self,
        conn: &mut Conn,
        ids: Option<(i64, i64)>,
        now: NaiveDateTime,
    ) -> QueryResult<Vec<ListedItem>> {
        macro_rules! listed {
            ($table:ident, $link:ident, $col:ident) => {{
                // The newest first, one row: a seek (`max()` would walk the tag's whole
                // range on SQLite).
                let newest = sql::<Nullable<Timestamp>>(concat!(
                    "(SELECT l.visible_at FROM ",
                    stringify!($link),
                    " l WHERE l.",
                    stringify!($col),
                    " = ",
                    stringify!($table),
                    ".id AND l.visible_at <= "
                ))
                .bind::<Timestamp, _>(now)
                .sql(" ORDER BY l.visible_at DESC NULLS LAST LIMIT 1)");
                let mut q = $table::table
                    .order($table::id)
                    .select(($table::id, $table::slug, $table::updated_at, newest))
                    .into_boxed();
                if let Some((first, last)) = ids {
                    q = q.filter($table::id.between(first, last));
                }
                q.load::<(i64, String, NaiveDateTime, Option<NaiveDateTime>)>(conn)?
            }};
        }
        let rows = match self {
            Self::Tags => listed!(tags, article_tags, tag_id),
            Self::Authors => listed!(authors, article_authors, author_id),
            Self::Sources => listed!(sources, article_sources, source_id),
        };
        Ok(rows
            .into_iter()
            .filter_map(|(id, slug, updated_at, newest)| {
                Some(ListedItem {
                    id,
                    slug,
                    lastmod: newest?.max(updated_at),
                })
            })
            .collect())
    }
}

/// A sitemap of `urls`, each with its `lastmod`.
fn urlset(urls: &[(String, NaiveDateTime)]) -> Result<HttpResponse, AppError> {
    let mut w = writer()?;
    w.create_element("urlset")
        .with_attribute(("xmlns", SITEMAP_NS))
        .write_inner_content(|w| {
            for (loc, lastmod) in urls {
                w.create_element("url").write_inner_content(|w| {
                    leaf(w, "loc", loc)?;
                    leaf(w, "lastmod", &w3c(*lastmod))
                })?;
            }
            Ok::<_, io::Error>(())
        })
        .map_err(AppError::internal)?;
    Ok(xml(w.into_inner()))
}

/// The Google News sitemap
///
/// The articles that went public in the last 48 hours, newest first (at most 1,000), each with
/// `news:publication` (`DATELINE_PUBLICATION_NAME` and the primary subtag of
/// `DATELINE_PUBLICATION_LANGUAGE`), `news:publication_date` and `news:title`. `404` until
/// `DATELINE_SITE_URL` is set.
#[utoipa::path(
    tag = "distribution",
    security(()),
    responses(
        (status = 200, description = "A sitemap with the Google News extension (sitemap-news 0.9).",
         content_type = "application/xml", body = String,
         headers(
            ("ETag" = String, description = "Strong entity tag of this document."),
            ("Cache-Control" = String, description = "`public, max-age=60`.")
         )),
        (status = 304, description = "Not modified: `If-None-Match` names the current ETag."),
        (status = 404, response = crate::openapi::NotFound),
    )
)]
#[get("/sitemap-news.xml")]
pub async fn news_sitemap(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    site_base(&state.config.site)?;
    let rows = db::read(&state.db, move |conn| Ok(news_rows(conn, db::now())?)).await?;
    let config = &state.config;
    let name = &config.publication.name;
    let language = news_language(&config.publication.language);
    let mut w = writer()?;
    w.create_element("urlset")
        .with_attributes([("xmlns", SITEMAP_NS), ("xmlns:news", NEWS_NS)])
        .write_inner_content(|w| {
            for row in &rows {
                let Some(loc) = row.url(&config.site) else {
                    continue;
                };
                w.create_element("url").write_inner_content(|w| {
                    leaf(w, "loc", &loc)?;
                    leaf(w, "lastmod", &w3c(row.lastmod()))?;
                    w.create_element("news:news").write_inner_content(|w| {
                        w.create_element("news:publication")
                            .write_inner_content(|w| {
                                leaf(w, "news:name", name)?;
                                leaf(w, "news:language", &language)
                            })?;
                        leaf(w, "news:publication_date", &w3c(row.visible_at))?;
                        leaf(w, "news:title", &row.title)
                    })?;
                    Ok(())
                })?;
            }
            Ok::<_, io::Error>(())
        })
        .map_err(AppError::internal)?;
    Ok(xml(w.into_inner()))
}

/// One article as a sitemap lists it.
#[derive(Debug, Queryable)]
struct Listed {
    id: i64,
    slug: String,
    title: String,
    updated_at: NaiveDateTime,
    visible_at: NaiveDateTime,
}

impl Listed {
    fn url(&self, site: &Site) -> Option<String> {
        site.article(self.id, &self.slug, Some(self.visible_at))
    }

    /// When its page last changed: an edit, or going public (a scheduled article's edits
    /// precede it).
    fn lastmod(&self) -> NaiveDateTime {
        self.updated_at.max(self.visible_at)
    }
}

/// The ids of article sitemap `page`.
fn ids_of(page: i64) -> (i64, i64) {
    ((page - 1) * PAGE_IDS + 1, page * PAGE_IDS)
}

/// The public articles of page `page` at `now`, in id order: a primary-key range of at most
/// [`PAGE_IDS`] rows, visibility checked here so that no plan walks another index.
fn page_rows(conn: &mut Conn, page: i64, now: NaiveDateTime) -> QueryResult<Vec<Listed>> {
    let (first, last) = ids_of(page);
    let rows: Vec<(i64, String, String, NaiveDateTime, Option<NaiveDateTime>)> = articles::table
        .filter(articles::id.between(first, last))
        .order(articles::id)
        .select((
            articles::id,
            articles::slug,
            articles::title,
            articles::updated_at,
            articles::visible_at,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, slug, title, updated_at, visible_at)| {
            let visible_at = visible_at.filter(|v| *v <= now)?;
            Some(Listed {
                id,
                slug,
                title,
                updated_at,
                visible_at,
            })
        })
        .collect())
}

/// Every page holding a public article at `now`, with its `lastmod`: the pages' kept rows, with
/// what has fallen due since the last write added and what is still to come left out (see
/// the migration). One row per page and per article scheduled for later; never the archive.
fn index_pages(conn: &mut Conn, now: NaiveDateTime) -> QueryResult<Vec<(i64, NaiveDateTime)>> {
    let kept: Vec<(i64, i32, NaiveDateTime)> = sitemap_pages::table
        .filter(sitemap_pages::listed.gt(0))
        .order(sitemap_pages::page)
        .select((
            sitemap_pages::page,
            sitemap_pages::listed,
            sitemap_pages::lastmod,
        ))
        .load(conn)?;
    let due: HashMap<i64, Option<NaiveDateTime>> = sitemap_pending::table
        .filter(sitemap_pending::visible_at.le(now))
        .group_by(sitemap_pending::page)
        .select((sitemap_pending::page, max(sitemap_pending::visible_at)))
        .load(conn)?
        .into_iter()
        .collect();
    let ahead: HashMap<i64, i64> = sitemap_pending::table
        .filter(sitemap_pending::visible_at.gt(now))
        .group_by(sitemap_pending::page)
        .select((sitemap_pending::page, count_star()))
        .load(conn)?
        .into_iter()
        .collect();
    Ok(kept
        .into_iter()
        .filter(|(page, listed, _)| i64::from(*listed) > ahead.get(page).copied().unwrap_or(0))
        .map(|(page, _, lastmod)| {
            let due = due.get(&page).copied().flatten();
            (page, due.map_or(lastmod, |d| d.max(lastmod)))
        })
        .collect())
}

/// What went public in the [`NEWS_HOURS`] before `now`, newest first.
fn news_rows(conn: &mut Conn, now: NaiveDateTime) -> QueryResult<Vec<Listed>> {
    let since = now - Duration::hours(NEWS_HOURS);
    let rows: Vec<(i64, String, String, NaiveDateTime, Option<NaiveDateTime>)> = articles::table
        .filter(articles::visible_at.gt(since))
        .filter(articles::visible_at.le(now))
        // NULLS LAST said out loud: SQLite's default for DESC, and what lets PostgreSQL walk
        // `articles_visible_at` (built NULLS FIRST) backwards instead of sorting.
        .order(sql::<Timestamp>(
            "articles.visible_at DESC NULLS LAST, articles.id DESC",
        ))
        .limit(NEWS_MAX)
        .select((
            articles::id,
            articles::slug,
            articles::title,
            articles::updated_at,
            articles::visible_at,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, slug, title, updated_at, visible_at)| {
            Some(Listed {
                id,
                slug,
                title,
                updated_at,
                visible_at: visible_at?,
            })
        })
        .collect())
}

/// Google News takes an ISO 639 code (`en`, `ar`), and `zh-cn` / `zh-tw` for Chinese.
fn news_language(tag: &str) -> String {
    let tag = tag.to_ascii_lowercase();
    match tag.as_str() {
        "zh-cn" | "zh-hans" | "zh-hans-cn" => "zh-cn".into(),
        "zh-tw" | "zh-hant" | "zh-hant-tw" => "zh-tw".into(),
        _ => tag.split(['-', '_']).next().unwrap_or_default().to_owned(),
    }
}

/// A W3C datetime in UTC, as sitemaps want it.
fn w3c(t: NaiveDateTime) -> String {
    t.and_utc().format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

fn writer() -> Result<Writer<Vec<u8>>, AppError> {
    let mut w = Writer::new(Vec::with_capacity(64 * 1024));
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))
        .map_err(AppError::internal)?;
    Ok(w)
}

/// `<name>text</name>`, the text escaped.
fn leaf(w: &mut Writer<Vec<u8>>, name: &str, text: &str) -> io::Result<()> {
    w.create_element(name)
        .write_text_content(BytesText::new(text))?;
    Ok(())
}

fn xml(body: Vec<u8>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::ETAG, etag::of(&body)))
        .insert_header((header::CACHE_CONTROL, CACHE_PUBLIC))
        .insert_header((header::CONTENT_TYPE, CONTENT_TYPE))
        .body(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_cover_a_thousand_ids_each_from_one() {
        assert_eq!(ids_of(1), (1, 1000));
        assert_eq!(ids_of(3), (2001, 3000));
    }

    #[test]
    fn news_languages_are_iso_639_codes() {
        assert_eq!(news_language("en"), "en");
        assert_eq!(news_language("ar-IQ"), "ar");
        assert_eq!(news_language("zh-TW"), "zh-tw");
        assert_eq!(news_language("zh-Hans"), "zh-cn");
    }
}
