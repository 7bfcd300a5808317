//! Database access for images.

use diesel::dsl::count_star;
use diesel::prelude::*;

use crate::db::Conn;
use crate::db::paging::{Page, SortKey, apply_sort};
use crate::db::schema::{articles, authors, images};
use crate::images::models::{ImageChanges, ImageRow, NewImage};

pub fn find(conn: &mut Conn, id: i64) -> QueryResult<Option<ImageRow>> {
    images::table
        .find(id)
        .select(ImageRow::as_select())
        .first(conn)
        .optional()
}

pub fn by_ids(conn: &mut Conn, ids: &[i64]) -> QueryResult<Vec<ImageRow>> {
    images::table
        .filter(images::id.eq_any(ids))
        .select(ImageRow::as_select())
        .load(conn)
}

pub fn exists(conn: &mut Conn, id: i64) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(images::table.find(id))).get_result(conn)
}

/// One page of images whose alt, caption or credit contains `q`, and the total.
pub fn list(
    conn: &mut Conn,
    q: Option<&str>,
    sort: &[SortKey],
    page: Page,
) -> QueryResult<(Vec<ImageRow>, i64)> {
    let postgres = conn.is_postgres();
    let filtered = || {
        let mut query = images::table.into_boxed();
        if let Some(q) = q {
            query = query.filter(crate::db::contains(
                postgres,
                &["images.alt", "images.caption", "images.credit"],
                q,
            ));
        }
        query
    };
    let total = filtered().select(count_star()).first(conn)?;
    let query = apply_sort!(filtered().select(ImageRow::as_select()), sort, {
        "created_at" => images::created_at,
        "updated_at" => images::updated_at,
        "size_bytes" => images::size_bytes,
        "width" => images::width,
    });
    let rows = query
        .then_order_by(images::id.desc())
        .limit(page.limit())
        .offset(page.offset())
        .load(conn)?;
    Ok((rows, total))
}

/// What uses image `id`: slugs of articles with it as feature image, and of authors with it
/// as avatar.
pub fn users_of(conn: &mut Conn, id: i64) -> QueryResult<(Vec<i64>, Vec<String>)> {
    let articles = articles::table
        .filter(articles::feature_image_id.eq(id))
        .select(articles::id)
        .order(articles::id)
        .load(conn)?;
    let authors = authors::table
        .filter(authors::avatar_image_id.eq(id))
        .select(authors::slug)
        .order(authors::id)
        .load(conn)?;
    Ok((articles, authors))
}

/// Whether rows other than `except` share the stored file `sha256`.
pub fn file_shared(conn: &mut Conn, sha256: &str, except: i64) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        images::table
            .filter(images::sha256.eq(sha256))
            .filter(images::id.ne(except)),
    ))
    .get_result(conn)
}

pub fn insert(conn: &mut Conn, new: &NewImage) -> QueryResult<ImageRow> {
    diesel::insert_into(images::table)
        .values(new)
        .returning(images::id)
        .get_result::<i64>(conn)
        .and_then(|id| {
            images::table
                .find(id)
                .select(ImageRow::as_select())
                .first(conn)
        })
}

pub fn update(conn: &mut Conn, id: i64, changes: &ImageChanges) -> QueryResult<ImageRow> {
    diesel::update(images::table.find(id))
        .set(changes)
        .returning(images::id)
        .get_result::<i64>(conn)
        .and_then(|id| {
            images::table
                .find(id)
                .select(ImageRow::as_select())
                .first(conn)
        })
}

pub fn delete(conn: &mut Conn, id: i64) -> QueryResult<usize> {
    diesel::delete(images::table.find(id)).execute(conn)
}
