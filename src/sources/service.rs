//! The write rules of sources: what the generic catalog flow (`crate::catalog`) needs to know
//! about them.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::QueryResult;

use crate::catalog::{self, Catalog};
use crate::db::{
    self,
    paging::{Page, SortKey},
};
use crate::error::AppError;
use crate::site::Site;
use crate::slug::{self, IdOrSlug};
use crate::sources::dto::{
    CreateSource, SOURCE_FIELDS, SOURCE_SORTS, SourceFilters, SourceKind, SourceView, UpdateSource,
};
use crate::sources::models::{NewSource, SourceChanges, SourceRow};
use crate::sources::queries;

/// Sources as a [`Catalog`].
pub struct Sources;

impl Catalog for Sources {
    type Row = SourceRow;
    type View = SourceView;
    type Create = CreateSource;
    type Update = UpdateSource;
    type Filters = SourceFilters;

    const NOUN: &'static str = "source";
    const COLLECTION: &'static str = "sources";
    const FIELDS: &'static [&'static str] = SOURCE_FIELDS;
    const SORTS: &'static [&'static str] = SOURCE_SORTS;

    fn id(row: &SourceRow) -> i64 {
        row.id
    }

    fn created_by(row: &SourceRow) -> Option<i64> {
        row.created_by
    }

    fn view(row: SourceRow, article_count: i64, _staff: bool, site: &Site) -> SourceView {
        SourceView::new(row, article_count, site)
    }

    fn sort_and_fields(filters: &SourceFilters) -> (Option<&str>, Option<&str>) {
        (filters.sort.as_deref(), filters.fields.as_deref())
    }

    fn find(conn: &mut db::Conn, key: &IdOrSlug) -> QueryResult<Option<SourceRow>> {
        queries::find(conn, key)
    }

    fn moved(conn: &mut db::Conn, slug: &str) -> QueryResult<Option<(i64, String)>> {
        queries::moved(conn, slug)
    }

    fn by_ids_counted(
        conn: &mut db::Conn,
        ids: &[i64],
        now: NaiveDateTime,
    ) -> QueryResult<Vec<(Self::Row, i64)>> {
        queries::by_ids_counted(conn, ids, now)
    }

    fn list(
        conn: &mut db::Conn,
        filters: &SourceFilters,
        sort: &[SortKey],
        page: Page,
    ) -> QueryResult<(Vec<SourceRow>, i64)> {
        let q = filters.q.as_deref().filter(|q| !q.trim().is_empty());
        queries::list(conn, q, filters.kind.map(SourceKind::as_str), sort, page)
    }

    fn article_counts(
        conn: &mut db::Conn,
        ids: &[i64],
        now: NaiveDateTime,
    ) -> QueryResult<HashMap<i64, i64>> {
        queries::article_counts(conn, ids, now)
    }

    fn validate_create(body: CreateSource) -> Result<CreateSource, AppError> {
        body.validate()
    }

    fn validate_update(body: UpdateSource) -> Result<UpdateSource, AppError> {
        body.validate()
    }

    fn insert(
        conn: &mut db::Conn,
        body: CreateSource,
        created_by: Option<i64>,
    ) -> Result<SourceRow, AppError> {
        let slug = slug::choose(
            conn,
            body.slug.as_deref(),
            &body.name,
            "source",
            queries::taken_slugs,
            |conn, s| queries::slug_taken(conn, s, None),
        )?;
        let now = db::now();
        let new = NewSource {
            slug,
            name: body.name,
            url: body.url,
            kind: body.kind.unwrap_or(SourceKind::Other).as_str().to_owned(),
            description: body.description,
            created_by,
            created_at: now,
            updated_at: now,
        };
        Ok(queries::insert(conn, &new)?)
    }

    fn update(
        conn: &mut db::Conn,
        current: &SourceRow,
        body: UpdateSource,
    ) -> Result<SourceRow, AppError> {
        catalog::check_new_slug(conn, body.slug.as_deref(), current.id, queries::slug_taken)?;
        let changes = SourceChanges {
            slug: body.slug,
            name: body.name,
            url: body.url,
            kind: body.kind.map(|k| k.as_str().to_owned()),
            description: body.description,
            updated_at: Some(db::now()),
        };
        Ok(queries::update(conn, current.id, &changes)?)
    }

    fn delete(conn: &mut db::Conn, id: i64, now: NaiveDateTime) -> QueryResult<usize> {
        queries::delete(conn, id, now)
    }

    fn used_beyond_drafts(conn: &mut db::Conn, id: i64) -> QueryResult<bool> {
        queries::used_beyond_drafts(conn, id)
    }
}
