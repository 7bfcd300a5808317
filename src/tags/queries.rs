//! Database access for tags.

use diesel::dsl::count_star;
use diesel::prelude::*;

use crate::db::Conn;
use crate::db::lookup::{linked_queries, slug_lookup};
use crate::db::paging::{Page, SortKey, apply_sort};
use crate::db::schema::tags;
use crate::tags::models::{NewTag, TagChanges, TagRow};

slug_lookup!(tags, TagRow);
linked_queries!(tags, TagRow, NewTag, TagChanges, article_tags, tag_id);

/// One page of tags whose name contains `q`, and the total.
pub fn list(
    conn: &mut Conn,
    q: Option<&str>,
    sort: &[SortKey],
    page: Page,
) -> QueryResult<(Vec<TagRow>, i64)> {
    let postgres = conn.is_postgres();
    let filtered = || {
        let mut query = tags::table.into_boxed();
        if let Some(q) = q {
            query = query.filter(crate::db::contains(postgres, &["tags.name"], q));
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
