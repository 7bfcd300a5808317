//! Diesel rows of the `images` table.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::images;

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = images, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct ImageRow {
    pub id: i64,
    pub sha256: String,
    pub mime_type: String,
    pub width: i32,
    pub height: i32,
    pub size_bytes: i32,
    pub alt: Option<String>,
    pub caption: Option<String>,
    pub credit: Option<String>,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = images)]
pub struct NewImage {
    pub sha256: String,
    pub mime_type: String,
    pub width: i32,
    pub height: i32,
    pub size_bytes: i32,
    pub alt: Option<String>,
    pub caption: Option<String>,
    pub credit: Option<String>,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = images)]
pub struct ImageChanges {
    pub alt: Option<Option<String>>,
    pub caption: Option<Option<String>>,
    pub credit: Option<Option<String>>,
    pub updated_at: Option<NaiveDateTime>,
}
