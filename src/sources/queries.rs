//! Database access for sources.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::dsl::count_star;
use diesel::prelude::*;

use crate::db::Conn;
use crate::db::lookup::slug_lookup;
use crate::db::paging::{Page, SortKey, apply_sort};
use crate::db::schema::{article_sources, articles, sources};
use crate::sources::models::{NewSource, SourceChanges, SourceRow};

slug_lookup!(sources, SourceRow);

/// One page of sources whose name contains `q` and of `kind`, and the total.
pub fn list(
    conn: &mut Conn,
    q: Option<&str>,
    kind: Option<&str>,
    sort: &[SortKey],
    page: Page,
) -> QueryResult<(Vec<SourceRow>, i64)> {
    let filtered = || {
        let mut query = sources::table.into_boxed();
        if let Some(q) = q {
            query = query.filter(
                sources::name
                    .like(crate::db::contains_pattern(q))
                    .escape('\\'),
            );
        }
        if let Some(kind) = kind {
            query = query.filter(sources::kind.eq(kind.to_owned()));
        }
        query
    };
    let total = filtered().select(count_star()).first(conn)?;
    let query = apply_sort!(filtered().select(SourceRow::as_select()), sort, {
        "name" => sources::name,
        "slug" => sources::slug,
        "kind" => sources::kind,
        "created_at" => sources::created_at,
        "updated_at" => sources::updated_at,
    });
    let rows = query
        .then_order_by(sources::id.asc())
        .limit(page.limit())
        .offset(page.offset())
        .load(conn)?;
    Ok((rows, total))
}

/// Public articles per source, for the sources in `ids`.
pub fn article_counts(
    conn: &mut Conn,
    ids: &[i64],
    now: NaiveDateTime,
) -> QueryResult<HashMap<i64, i64>> {
    let rows: Vec<(i64, i64)> = article_sources::table
        .inner_join(articles::table)
        .filter(article_sources::source_id.eq_any(ids))
        .filter(crate::articles::queries::public_now!(now))
        .group_by(article_sources::source_id)
        .select((article_sources::source_id, count_star()))
        .load(conn)?;
    Ok(rows.into_iter().collect())
}

/// Whether an article past the draft stage links to `id`.
pub fn used_beyond_drafts(conn: &mut Conn, id: i64) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        article_sources::table
            .inner_join(articles::table)
            .filter(article_sources::source_id.eq(id))
            .filter(articles::status.ne("draft")),
    ))
    .get_result(conn)
}

pub fn insert(conn: &mut Conn, new: &NewSource) -> QueryResult<SourceRow> {
    diesel::insert_into(sources::table)
        .values(new)
        .returning(SourceRow::as_returning())
        .get_result(conn)
}

pub fn update(conn: &mut Conn, id: i64, changes: &SourceChanges) -> QueryResult<SourceRow> {
    diesel::update(sources::table.find(id))
        .set(changes)
        .returning(SourceRow::as_returning())
        .get_result(conn)
}

/// Deletes the source; articles that cited it lose it (`ON DELETE CASCADE`).
pub fn delete(conn: &mut Conn, id: i64, now: NaiveDateTime) -> QueryResult<usize> {
    // The articles that lose the link have changed: clients syncing by `updated_at` must
    // see them.
    diesel::update(
        articles::table.filter(
            articles::id.eq_any(
                article_sources::table
                    .filter(article_sources::source_id.eq(id))
                    .select(article_sources::article_id),
            ),
        ),
    )
    .set(articles::updated_at.eq(now))
    .execute(conn)?;
    diesel::delete(sources::table.find(id)).execute(conn)
}
