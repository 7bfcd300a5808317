//! The write rules of authors: what the generic catalog flow (`crate::catalog`) needs to know
//! about them.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::QueryResult;

use crate::auth::{AuthUser, policy};
use crate::authors::dto::{
    AUTHOR_FIELDS, AUTHOR_SORTS, AuthorFilters, AuthorView, CreateAuthor, UpdateAuthor,
};
use crate::authors::models::{AuthorChanges, AuthorRow, NewAuthor};
use crate::authors::queries;
use crate::catalog::{self, Catalog};
use crate::config::Config;
use crate::db::{
    self,
    paging::{Page, SortKey},
};
use crate::error::AppError;
use crate::images::dto::ImageView;
use crate::images::models::ImageRow;
use crate::site::Site;
use crate::slug::{self, IdOrSlug};

/// Authors (bylines) as a [`Catalog`].
pub struct Authors;

impl Catalog for Authors {
    type Row = AuthorRow;
    type View = AuthorView;
    type Create = CreateAuthor;
    type Update = UpdateAuthor;
    type Filters = AuthorFilters;

    const NOUN: &'static str = "author";
    const COLLECTION: &'static str = "authors";
    const FIELDS: &'static [&'static str] = AUTHOR_FIELDS;
    const SORTS: &'static [&'static str] = AUTHOR_SORTS;

    fn id(row: &AuthorRow) -> i64 {
        row.id
    }

    fn created_by(row: &AuthorRow) -> Option<i64> {
        row.created_by
    }

    /// The email only for signed-in staff.
    fn view(row: AuthorRow, article_count: i64, staff: bool, site: &Site) -> AuthorView {
        AuthorView::new(row, article_count, staff, site)
    }

    /// Each author's avatar image, one query for the page.
    fn embed(conn: &mut db::Conn, views: &mut [AuthorView], config: &Config) -> QueryResult<()> {
        let ids: Vec<i64> = views.iter().filter_map(|v| v.avatar_image_id).collect();
        if ids.is_empty() {
            return Ok(());
        }
        let images: HashMap<i64, ImageRow> = crate::images::queries::by_ids(conn, &ids)?
            .into_iter()
            .map(|row| (row.id, row))
            .collect();
        for view in views {
            view.avatar_image = view
                .avatar_image_id
                .and_then(|id| images.get(&id))
                .map(|row| ImageView::new(row.clone(), config));
        }
        Ok(())
    }

    fn sort_and_fields(filters: &AuthorFilters) -> (Option<&str>, Option<&str>) {
        (filters.sort.as_deref(), filters.fields.as_deref())
    }

    fn find(conn: &mut db::Conn, key: &IdOrSlug) -> QueryResult<Option<AuthorRow>> {
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
        filters: &AuthorFilters,
        sort: &[SortKey],
        page: Page,
    ) -> QueryResult<(Vec<AuthorRow>, i64)> {
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

    /// Bylines are made by editors and admins.
    fn may_create(user: &AuthUser) -> Result<(), AppError> {
        policy::require_create_author(user)
    }

    fn validate_create(body: CreateAuthor) -> Result<CreateAuthor, AppError> {
        body.validate()
    }

    fn validate_update(body: UpdateAuthor) -> Result<UpdateAuthor, AppError> {
        body.validate()
    }

    fn insert(
        conn: &mut db::Conn,
        body: CreateAuthor,
        created_by: Option<i64>,
    ) -> Result<AuthorRow, AppError> {
        check_avatar(conn, body.avatar_image_id)?;
        let slug = slug::choose(
            conn,
            body.slug.as_deref(),
            &body.name,
            "author",
            queries::taken_slugs,
            |conn, s| queries::slug_taken(conn, s, None),
        )?;
        let now = db::now();
        let new = NewAuthor {
            slug,
            name: body.name,
            bio: body.bio,
            email: body.email,
            website: body.website,
            avatar_image_id: body.avatar_image_id,
            created_by,
            created_at: now,
            updated_at: now,
        };
        Ok(queries::insert(conn, &new)?)
    }

    fn update(
        conn: &mut db::Conn,
        current: &AuthorRow,
        body: UpdateAuthor,
    ) -> Result<AuthorRow, AppError> {
        catalog::check_new_slug(conn, body.slug.as_deref(), current.id, queries::slug_taken)?;
        check_avatar(conn, body.avatar_image_id.flatten())?;
        let changes = AuthorChanges {
            slug: body.slug,
            name: body.name,
            bio: body.bio,
            email: body.email,
            website: body.website,
            avatar_image_id: body.avatar_image_id,
            updated_at: Some(db::now()),
        };
        Ok(queries::update(conn, current.id, &changes)?)
    }

    /// An article's only author cannot go: give the article another author first.
    fn check_delete(conn: &mut db::Conn, row: &AuthorRow) -> Result<(), AppError> {
        let sole = queries::sole_author_of(conn, row.id)?;
        if sole.is_empty() {
            return Ok(());
        }
        Err(AppError::Conflict(format!(
            "{} is the only author of {} article(s): {}; give them another author first.",
            row.name,
            sole.len(),
            sole.iter()
                .take(5)
                .map(String::as_str)
                .collect::<Vec<_>>()
                .join(", ")
        )))
    }

    fn delete(conn: &mut db::Conn, id: i64, now: NaiveDateTime) -> QueryResult<usize> {
        queries::delete(conn, id, now)
    }

    fn used_beyond_drafts(conn: &mut db::Conn, id: i64) -> QueryResult<bool> {
        queries::used_beyond_drafts(conn, id)
    }
}

/// `422` unless `image` names an uploaded image.
fn check_avatar(conn: &mut db::Conn, image: Option<i64>) -> Result<(), AppError> {
    match image {
        Some(id) if !crate::images::queries::exists(conn, id)? => Err(AppError::invalid(
            "avatar_image_id",
            format!("no image with id {id}"),
        )),
        _ => Ok(()),
    }
}
