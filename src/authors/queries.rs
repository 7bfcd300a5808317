//! Database access for authors (bylines).

use diesel::dsl::count_star;
use diesel::prelude::*;

use crate::authors::models::{AuthorChanges, AuthorRow, NewAuthor};
use crate::db::Conn;
use crate::db::lookup::{linked_queries, slug_lookup};
use crate::db::paging::{Page, SortKey, apply_sort};
use crate::db::schema::{article_authors, articles, authors};

slug_lookup!(authors, AuthorRow);
linked_queries!(
    authors,
    AuthorRow,
    NewAuthor,
    AuthorChanges,
    article_authors,
    author_id
);

/// One page of authors whose name contains `q`, and the total.
pub fn list(
    conn: &mut Conn,
    q: Option<&str>,
    sort: &[SortKey],
    page: Page,
) -> QueryResult<(Vec<AuthorRow>, i64)> {
    let postgres = conn.is_postgres();
    let filtered = || {
        let mut query = authors::table.into_boxed();
        if let Some(q) = q {
            query = query.filter(crate::db::contains(postgres, &["authors.name"], q));
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
