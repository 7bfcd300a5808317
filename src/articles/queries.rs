//! Database access for articles: the filtered, sorted, searched list; lookups; the links to
//! authors, tags and sources, loaded a page at a time.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::dsl::{count_star, sql};
use diesel::prelude::*;
use diesel::sql_types::{Bool, Double, Text};

use crate::articles::dto::{ArticleLinks, StatusFilter};
use crate::articles::models::{ArticleFields, ArticleRow, NewArticle};
use crate::db::Conn;
use crate::db::lookup::slug_lookup;
use crate::db::paging::{Page, SortKey, apply_sort};
use crate::db::schema::{
    article_authors, article_sources, article_tags, articles, authors, sources, tags,
};
use crate::slug::IdOrSlug;

/// The condition "this article is public at `$now`": published, or scheduled and due.
/// Decided by time in the query, so a scheduled article goes public by itself.
macro_rules! public_now {
    ($now:expr) => {
        $crate::db::schema::articles::status.eq("published").or(
            $crate::db::schema::articles::status
                .eq("scheduled")
                .and($crate::db::schema::articles::published_at.le($now)),
        )
    };
}
pub(crate) use public_now;

slug_lookup!(articles, ArticleRow);

/// Which articles a caller may see at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// What is public now (anonymous readers).
    Public,
    /// Everything (editors and admins).
    All,
    /// What is public now and the caller's own (authors).
    Own {
        user_id: i64,
        author_id: Option<i64>,
    },
}

/// Everything that narrows and orders the list.
#[derive(Debug, Clone)]
pub struct ListQuery {
    pub scope: Scope,
    pub status: StatusFilter,
    pub author: Option<IdOrSlug>,
    pub tag: Option<IdOrSlug>,
    pub source: Option<IdOrSlug>,
    pub dateline: Option<String>,
    pub published_after: Option<NaiveDateTime>,
    pub published_before: Option<NaiveDateTime>,
    /// An FTS5 expression (see `search::fts_query`).
    pub fts: Option<String>,
    /// Explicit sort keys; empty means relevance when searching, else `-published_at`.
    pub sort: Vec<SortKey>,
    pub now: NaiveDateTime,
}

fn filtered(q: &ListQuery) -> articles::BoxedQuery<'static, diesel::sqlite::Sqlite> {
    let now = q.now;
    let mut query = articles::table.into_boxed();
    query = match q.scope {
        Scope::Public => query.filter(public_now!(now)),
        Scope::All => query,
        Scope::Own { user_id, author_id } => query.filter(
            public_now!(now)
                .or(articles::created_by.eq(user_id))
                .or(articles::id.eq_any(
                    article_authors::table
                        .filter(article_authors::author_id.eq(author_id.unwrap_or(-1)))
                        .select(article_authors::article_id),
                )),
        ),
    };
    query = match q.status {
        StatusFilter::Published => query.filter(public_now!(now)),
        StatusFilter::Draft => query.filter(articles::status.eq("draft")),
        StatusFilter::Archived => query.filter(articles::status.eq("archived")),
        StatusFilter::Scheduled => query
            .filter(articles::status.eq("scheduled"))
            .filter(articles::published_at.gt(now)),
        StatusFilter::Any => query,
    };
    if let Some(key) = &q.author {
        query = query.filter(
            articles::id.eq_any(
                article_authors::table
                    .inner_join(authors::table)
                    .filter(
                        authors::id
                            .eq(key.id().unwrap_or(-1))
                            .or(authors::slug.eq(key.slug().to_owned())),
                    )
                    .select(article_authors::article_id),
            ),
        );
    }
    if let Some(key) = &q.tag {
        query = query.filter(
            articles::id.eq_any(
                article_tags::table
                    .inner_join(tags::table)
                    .filter(
                        tags::id
                            .eq(key.id().unwrap_or(-1))
                            .or(tags::slug.eq(key.slug().to_owned())),
                    )
                    .select(article_tags::article_id),
            ),
        );
    }
    if let Some(key) = &q.source {
        query = query.filter(
            articles::id.eq_any(
                article_sources::table
                    .inner_join(sources::table)
                    .filter(
                        sources::id
                            .eq(key.id().unwrap_or(-1))
                            .or(sources::slug.eq(key.slug().to_owned())),
                    )
                    .select(article_sources::article_id),
            ),
        );
    }
    if let Some(dateline) = &q.dateline {
        query = query.filter(articles::dateline.eq(dateline.clone()));
    }
    if let Some(after) = q.published_after {
        query = query.filter(articles::published_at.ge(after));
    }
    if let Some(before) = q.published_before {
        query = query.filter(articles::published_at.lt(before));
    }
    if let Some(fts) = &q.fts {
        query = query.filter(
            sql::<Bool>("articles.id IN (SELECT rowid FROM articles_fts WHERE articles_fts MATCH ")
                .bind::<Text, _>(fts.clone())
                .sql(")"),
        );
    }
    query
}

/// One page of the list, and the total.
pub fn list(conn: &mut Conn, q: &ListQuery, page: Page) -> QueryResult<(Vec<ArticleRow>, i64)> {
    let total = filtered(q).select(count_star()).first(conn)?;
    let mut query = filtered(q).select(ArticleRow::as_select());
    query = match (&q.fts, q.sort.is_empty()) {
        (Some(fts), true) => query
            .then_order_by(
                sql::<Double>(
                    "(SELECT bm25(articles_fts, 10.0, 5.0, 3.0, 1.0) FROM articles_fts \
                     WHERE articles_fts.rowid = articles.id AND articles_fts MATCH ",
                )
                .bind::<Text, _>(fts.clone())
                .sql(")"),
            )
            .then_order_by(articles::published_at.desc()),
        (_, true) => query.then_order_by(articles::published_at.desc()),
        (_, false) => apply_sort!(query, &q.sort, {
            "published_at" => articles::published_at,
            "updated_at" => articles::updated_at,
            "created_at" => articles::created_at,
            "title" => articles::title,
        }),
    };
    let rows = query
        .then_order_by(articles::id.desc())
        .limit(page.limit())
        .offset(page.offset())
        .load(conn)?;
    Ok((rows, total))
}

/// The byline, tags and sources of each article in `ids`, in order: three queries whatever
/// the number of articles.
pub fn links(conn: &mut Conn, ids: &[i64]) -> QueryResult<HashMap<i64, ArticleLinks>> {
    let mut map: HashMap<i64, ArticleLinks> = ids
        .iter()
        .map(|id| (*id, ArticleLinks::default()))
        .collect();
    let by_author: Vec<(i64, i64)> = article_authors::table
        .filter(article_authors::article_id.eq_any(ids))
        .order((article_authors::article_id, article_authors::position))
        .select((article_authors::article_id, article_authors::author_id))
        .load(conn)?;
    let by_tag: Vec<(i64, i64)> = article_tags::table
        .filter(article_tags::article_id.eq_any(ids))
        .order((article_tags::article_id, article_tags::position))
        .select((article_tags::article_id, article_tags::tag_id))
        .load(conn)?;
    let by_source: Vec<(i64, i64)> = article_sources::table
        .filter(article_sources::article_id.eq_any(ids))
        .order((article_sources::article_id, article_sources::position))
        .select((article_sources::article_id, article_sources::source_id))
        .load(conn)?;
    for (article, author) in by_author {
        map.entry(article).or_default().author_ids.push(author);
    }
    for (article, tag) in by_tag {
        map.entry(article).or_default().tag_ids.push(tag);
    }
    for (article, source) in by_source {
        map.entry(article).or_default().source_ids.push(source);
    }
    Ok(map)
}

/// Replaces an article's byline, tags and sources (each in the given order).
pub fn set_links(conn: &mut Conn, article_id: i64, links: &ArticleLinks) -> QueryResult<()> {
    let position = |i: usize| i32::try_from(i).unwrap_or(i32::MAX);
    diesel::delete(article_authors::table.filter(article_authors::article_id.eq(article_id)))
        .execute(conn)?;
    diesel::delete(article_tags::table.filter(article_tags::article_id.eq(article_id)))
        .execute(conn)?;
    diesel::delete(article_sources::table.filter(article_sources::article_id.eq(article_id)))
        .execute(conn)?;
    if !links.author_ids.is_empty() {
        let rows: Vec<_> = links
            .author_ids
            .iter()
            .enumerate()
            .map(|(i, id)| {
                (
                    article_authors::article_id.eq(article_id),
                    article_authors::author_id.eq(*id),
                    article_authors::position.eq(position(i)),
                )
            })
            .collect();
        diesel::insert_into(article_authors::table)
            .values(rows)
            .execute(conn)?;
    }
    if !links.tag_ids.is_empty() {
        let rows: Vec<_> = links
            .tag_ids
            .iter()
            .enumerate()
            .map(|(i, id)| {
                (
                    article_tags::article_id.eq(article_id),
                    article_tags::tag_id.eq(*id),
                    article_tags::position.eq(position(i)),
                )
            })
            .collect();
        diesel::insert_into(article_tags::table)
            .values(rows)
            .execute(conn)?;
    }
    if !links.source_ids.is_empty() {
        let rows: Vec<_> = links
            .source_ids
            .iter()
            .enumerate()
            .map(|(i, id)| {
                (
                    article_sources::article_id.eq(article_id),
                    article_sources::source_id.eq(*id),
                    article_sources::position.eq(position(i)),
                )
            })
            .collect();
        diesel::insert_into(article_sources::table)
            .values(rows)
            .execute(conn)?;
    }
    Ok(())
}

pub fn insert(conn: &mut Conn, new: &NewArticle) -> QueryResult<ArticleRow> {
    diesel::insert_into(articles::table)
        .values(new)
        .returning(ArticleRow::as_returning())
        .get_result(conn)
}

pub fn update(conn: &mut Conn, id: i64, fields: &ArticleFields) -> QueryResult<ArticleRow> {
    diesel::update(articles::table.find(id))
        .set(fields)
        .returning(ArticleRow::as_returning())
        .get_result(conn)
}

/// Deletes the article and its links.
pub fn delete(conn: &mut Conn, id: i64) -> QueryResult<usize> {
    diesel::delete(articles::table.find(id)).execute(conn)
}
