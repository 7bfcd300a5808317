//! Database access for articles: lookups, writes, and the links to authors, tags and
//! sources, loaded a page at a time. (The list itself is `articles::listing`.)

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::articles::dto::ArticleLinks;
use crate::articles::models::{ArticleFields, ArticleRow, NewArticle};
use crate::db::Conn;
use crate::db::lookup::slug_lookup;
use crate::db::schema::{article_authors, article_sources, article_tags, articles};

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

/// Replaces an article's byline, tags and sources (each in the given order). `visible_at` is
/// the article's own, which each link carries (see the `read_paths` migration).
pub fn set_links(
    conn: &mut Conn,
    article_id: i64,
    visible_at: Option<NaiveDateTime>,
    links: &ArticleLinks,
) -> QueryResult<()> {
    diesel::delete(article_authors::table.filter(article_authors::article_id.eq(article_id)))
        .execute(conn)?;
    diesel::delete(article_tags::table.filter(article_tags::article_id.eq(article_id)))
        .execute(conn)?;
    diesel::delete(article_sources::table.filter(article_sources::article_id.eq(article_id)))
        .execute(conn)?;
    insert_links(conn, article_id, visible_at, links)
}

/// Adds the links of a new article (see [`set_links`]).
pub fn insert_links(
    conn: &mut Conn,
    article_id: i64,
    visible_at: Option<NaiveDateTime>,
    links: &ArticleLinks,
) -> QueryResult<()> {
    let position = |i: usize| i32::try_from(i).unwrap_or(i32::MAX);
    // One statement per link: Diesel's multi-backend connection has no multi-row insert. An
    // article has a handful of links (at most 100 of each kind).
    macro_rules! insert_each {
        ($link:ident, $column:ident, $ids:expr) => {
            for (i, id) in $ids.iter().enumerate() {
                diesel::insert_into($link::table)
                    .values((
                        $link::article_id.eq(article_id),
                        $link::$column.eq(*id),
                        $link::position.eq(position(i)),
                        $link::visible_at.eq(visible_at),
                    ))
                    .execute(conn)?;
            }
        };
    }
    insert_each!(article_authors, author_id, links.author_ids);
    insert_each!(article_tags, tag_id, links.tag_ids);
    insert_each!(article_sources, source_id, links.source_ids);
    Ok(())
}

pub fn insert(conn: &mut Conn, new: &NewArticle) -> QueryResult<ArticleRow> {
    diesel::insert_into(articles::table)
        .values(new)
        .returning(articles::id)
        .get_result::<i64>(conn)
        .and_then(|id| {
            articles::table
                .find(id)
                .select(ArticleRow::as_select())
                .first(conn)
        })
}

pub fn update(conn: &mut Conn, id: i64, fields: &ArticleFields) -> QueryResult<ArticleRow> {
    diesel::update(articles::table.find(id))
        .set(fields)
        .returning(articles::id)
        .get_result::<i64>(conn)
        .and_then(|id| {
            articles::table
                .find(id)
                .select(ArticleRow::as_select())
                .first(conn)
        })
}

/// Deletes the article and its links.
pub fn delete(conn: &mut Conn, id: i64) -> QueryResult<usize> {
    diesel::delete(articles::table.find(id)).execute(conn)
}
