//! Database access for tags.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::dsl::count_star;
use diesel::prelude::*;

use crate::db::Conn;
use crate::db::lookup::slug_lookup;
use crate::db::paging::{Page, SortKey, apply_sort};
use crate::db::schema::{article_tags, articles, tags};
use crate::tags::models::{NewTag, TagChanges, TagRow};

slug_lookup!(tags, TagRow);

/// One page of tags whose name contains `q`, and the total.
pub fn list(
    conn: &mut Conn,
    q: Option<&str>,
    sort: &[SortKey],
    page: Page,
) -> QueryResult<(Vec<TagRow>, i64)> {
    let filtered = || {
        let mut query = tags::table.into_boxed();
        if let Some(q) = q {
            query = query.filter(tags::name.like(crate::db::contains_pattern(q)).escape('\\'));
        }
        query
    };
    let total = filtered().select(count_star()).first(conn)?;
    let query = apply_sort!(filtered().select(TagRow::as_select()), sort, {
        "name" => tags::name,
        "slug" => tags::slug,
        "created_at" => tags::created_at,
        "updated_at" => tags::updated_at,
    });
    let rows = query
        .then_order_by(tags::id.asc())
        .limit(page.limit())
        .offset(page.offset())
        .load(conn)?;
    Ok((rows, total))
}

/// Public articles per tag, for the tags in `ids`.
pub fn article_counts(
    conn: &mut Conn,
    ids: &[i64],
    now: NaiveDateTime,
) -> QueryResult<HashMap<i64, i64>> {
    let rows: Vec<(i64, i64)> = article_tags::table
        .inner_join(articles::table)
        .filter(article_tags::tag_id.eq_any(ids))
        .filter(crate::articles::queries::public_now!(now))
        .group_by(article_tags::tag_id)
        .select((article_tags::tag_id, count_star()))
        .load(conn)?;
    Ok(rows.into_iter().collect())
}

/// Whether an article past the draft stage links to `id`.
pub fn used_beyond_drafts(conn: &mut Conn, id: i64) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        article_tags::table
            .inner_join(articles::table)
            .filter(article_tags::tag_id.eq(id))
            .filter(articles::status.ne("draft")),
    ))
    .get_result(conn)
}

pub fn insert(conn: &mut Conn, new: &NewTag) -> QueryResult<TagRow> {
    diesel::insert_into(tags::table)
        .values(new)
        .returning(TagRow::as_returning())
        .get_result(conn)
}

pub fn update(conn: &mut Conn, id: i64, changes: &TagChanges) -> QueryResult<TagRow> {
    diesel::update(tags::table.find(id))
        .set(changes)
        .returning(TagRow::as_returning())
        .get_result(conn)
}

/// Deletes the tag; articles filed under it lose it (`ON DELETE CASCADE`).
pub fn delete(conn: &mut Conn, id: i64, now: NaiveDateTime) -> QueryResult<usize> {
    // The articles that lose the link have changed: clients syncing by `updated_at` must
    // see them.
    diesel::update(
        articles::table.filter(
            articles::id.eq_any(
                article_tags::table
                    .filter(article_tags::tag_id.eq(id))
                    .select(article_tags::article_id),
            ),
        ),
    )
    .set(articles::updated_at.eq(now))
    .execute(conn)?;
    diesel::delete(tags::table.find(id)).execute(conn)
}
