//! Diesel rows of the `authors` table.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::authors;

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = authors, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct AuthorRow {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub bio: Option<String>,
    pub email: Option<String>,
    pub website: Option<String>,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub avatar_image_id: Option<i64>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = authors)]
pub struct NewAuthor {
    pub slug: String,
    pub name: String,
    pub bio: Option<String>,
    pub email: Option<String>,
    pub website: Option<String>,
    pub avatar_image_id: Option<i64>,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = authors)]
pub struct AuthorChanges {
    pub slug: Option<String>,
    pub name: Option<String>,
    pub bio: Option<Option<String>>,
    pub email: Option<Option<String>>,
    pub website: Option<Option<String>>,
    pub avatar_image_id: Option<Option<i64>>,
    pub updated_at: Option<NaiveDateTime>,
}
