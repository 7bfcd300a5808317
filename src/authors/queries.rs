//! Database access for authors (bylines).

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::dsl::count_star;
use diesel::prelude::*;

use crate::authors::models::{AuthorChanges, AuthorRow, NewAuthor};
use crate::db::Conn;
use crate::db::lookup::slug_lookup;
use crate::db::paging::{Page, SortKey, apply_sort};
use crate::db::schema::{article_authors, articles, authors};

slug_lookup!(authors, AuthorRow);

/// One page of authors whose name contains `q`, and the total.
pub fn list(
    conn: &mut Conn,
    q: Option<&str>,
    sort: &[SortKey],
    page: Page,
) -> QueryResult<(Vec<AuthorRow>, i64)> {
    let filtered = || {
        let mut query = authors::table.into_boxed();
        if let Some(q) = q {
            query = query.filter(
                authors::name
                    .like(crate::db::contains_pattern(q))
                    .escape('\\'),
            );
        }
        query
    };
    let total = filtered().select(count_star()).first(conn)?;
    let query = apply_sort!(filtered().select(AuthorRow::as_select()), sort, {
        "name" => authors::name,
        "slug" => authors::slug,
        "created_at" => authors::created_at,
        "updated_at" => authors::updated_at,
    });
    let rows = query
        .then_order_by(authors::id.asc())
        .limit(page.limit())
        .offset(page.offset())
        .load(conn)?;
    Ok((rows, total))
}

/// Public articles per author, for the authors in `ids`.
pub fn article_counts(
    conn: &mut Conn,
    ids: &[i64],
    now: NaiveDateTime,
) -> QueryResult<HashMap<i64, i64>> {
    let rows: Vec<(i64, i64)> = article_authors::table
        .inner_join(articles::table)
        .filter(article_authors::author_id.eq_any(ids))
        .filter(crate::articles::queries::public_now!(now))
        .group_by(article_authors::author_id)
        .select((article_authors::author_id, count_star()))
        .load(conn)?;
    Ok(rows.into_iter().collect())
}

/// Slugs of articles (of any status) on which `author_id` is the only author.
pub fn sole_author_of(conn: &mut Conn, author_id: i64) -> QueryResult<Vec<String>> {
    let (others, mine) = diesel::alias!(article_authors as others, article_authors as mine);
    articles::table
        .filter(
            articles::id.eq_any(
                mine.filter(mine.field(article_authors::author_id).eq(author_id))
                    .select(mine.field(article_authors::article_id)),
            ),
        )
        .filter(diesel::dsl::not(diesel::dsl::exists(
            others
                .filter(others.field(article_authors::article_id).eq(articles::id))
                .filter(others.field(article_authors::author_id).ne(author_id)),
        )))
        .order(articles::id.asc())
        .select(articles::slug)
        .load(conn)
}

/// Whether an article past the draft stage links to `id`.
pub fn used_beyond_drafts(conn: &mut Conn, id: i64) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        article_authors::table
            .inner_join(articles::table)
            .filter(article_authors::author_id.eq(id))
            .filter(articles::status.ne("draft")),
    ))
    .get_result(conn)
}

pub fn insert(conn: &mut Conn, new: &NewAuthor) -> QueryResult<AuthorRow> {
    diesel::insert_into(authors::table)
        .values(new)
        .returning(AuthorRow::as_returning())
        .get_result(conn)
}

pub fn update(conn: &mut Conn, id: i64, changes: &AuthorChanges) -> QueryResult<AuthorRow> {
    diesel::update(authors::table.find(id))
        .set(changes)
        .returning(AuthorRow::as_returning())
        .get_result(conn)
}

/// Deletes the author: bylines lose them (`ON DELETE CASCADE`), a linked staff account
/// keeps working without a byline (`ON DELETE SET NULL`).
pub fn delete(conn: &mut Conn, id: i64, now: NaiveDateTime) -> QueryResult<usize> {
    // The articles that lose the link have changed: clients syncing by `updated_at` must
    // see them.
    diesel::update(
        articles::table.filter(
            articles::id.eq_any(
                article_authors::table
                    .filter(article_authors::author_id.eq(id))
                    .select(article_authors::article_id),
            ),
        ),
    )
    .set(articles::updated_at.eq(now))
    .execute(conn)?;
    diesel::delete(authors::table.find(id)).execute(conn)
}
