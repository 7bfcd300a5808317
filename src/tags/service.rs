//! The write rules of tags: what the generic catalog flow (`crate::catalog`) needs to know
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
use crate::tags::dto::{CreateTag, TAG_FIELDS, TAG_SORTS, TagFilters, TagView, UpdateTag};
use crate::tags::models::{NewTag, TagChanges, TagRow};
use crate::tags::queries;

/// Tags as a [`Catalog`].
pub struct Tags;

impl Catalog for Tags {
    type Row = TagRow;
    type View = TagView;
    type Create = CreateTag;
    type Update = UpdateTag;
    type Filters = TagFilters;

    const NOUN: &'static str = "tag";
    const COLLECTION: &'static str = "tags";
    const FIELDS: &'static [&'static str] = TAG_FIELDS;
    const SORTS: &'static [&'static str] = TAG_SORTS;

    fn id(row: &TagRow) -> i64 {
        row.id
    }

    fn created_by(row: &TagRow) -> Option<i64> {
        row.created_by
    }

    fn view(row: TagRow, article_count: i64, _staff: bool, site: &Site) -> TagView {
        TagView::new(row, article_count, site)
    }

    fn sort_and_fields(filters: &TagFilters) -> (Option<&str>, Option<&str>) {
        (filters.sort.as_deref(), filters.fields.as_deref())
    }

    fn find(conn: &mut db::Conn, key: &IdOrSlug) -> QueryResult<Option<TagRow>> {
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
        filters: &TagFilters,
        sort: &[SortKey],
        page: Page,
    ) -> QueryResult<(Vec<TagRow>, i64)> {
        let q = filters.q.as_deref().filter(|q| !q.trim().is_empty());
        queries::list(conn, q, sort, page)
    }

    fn article_counts(
        conn: &mut db::Conn,
        ids: &[i64],
        now: NaiveDateTime,
    ) -> QueryResult<HashMap<i64, i64>> {
        queries::article_counts(conn, ids, now)
    }

    fn validate_create(body: CreateTag) -> Result<CreateTag, AppError> {
        body.validate()
    }

    fn validate_update(body: UpdateTag) -> Result<UpdateTag, AppError> {
        body.validate()
    }

    fn insert(
        conn: &mut db::Conn,
        body: CreateTag,
        created_by: Option<i64>,
    ) -> Result<TagRow, AppError> {
        let slug = slug::choose(
            conn,
            body.slug.as_deref(),
            &body.name,
            "tag",
            queries::taken_slugs,
            |conn, s| queries::slug_taken(conn, s, None),
        )?;
        let now = db::now();
        let new = NewTag {
            slug,
            name: body.name,
            description: body.description,
            created_by,
            created_at: now,
            updated_at: now,
        };
        Ok(queries::insert(conn, &new)?)
    }

    fn update(conn: &mut db::Conn, current: &TagRow, body: UpdateTag) -> Result<TagRow, AppError> {
        catalog::check_new_slug(conn, body.slug.as_deref(), current.id, queries::slug_taken)?;
        let changes = TagChanges {
            slug: body.slug,
            name: body.name,
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
