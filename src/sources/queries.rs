//! Database access for sources.

use diesel::dsl::count_star;
use diesel::prelude::*;

use crate::db::Conn;
use crate::db::lookup::{linked_queries, slug_lookup};
use crate::db::paging::{Page, SortKey, apply_sort};
use crate::db::schema::sources;
use crate::sources::models::{NewSource, SourceChanges, SourceRow};

slug_lookup!(sources, SourceRow);
linked_queries!(
    sources,
    SourceRow,
    NewSource,
    SourceChanges,
    article_sources,
    source_id
);

/// One page of sources whose name contains `q` and of `kind`, and the total.
pub fn list(
    conn: &mut Conn,
    q: Option<&str>,
    kind: Option<&str>,
    sort: &[SortKey],
    page: Page,
) -> QueryResult<(Vec<SourceRow>, i64)> {
    let postgres = conn.is_postgres();
    let filtered = || {
        let mut query = sources::table.into_boxed();
        if let Some(q) = q {
            query = query.filter(crate::db::contains(postgres, &["sources.name"], q));
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
