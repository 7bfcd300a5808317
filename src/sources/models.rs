//! Diesel rows of the `sources` table.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::sources;

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = sources, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct SourceRow {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub url: Option<String>,
    pub kind: String,
    pub description: Option<String>,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = sources)]
pub struct NewSource {
    pub slug: String,
    pub name: String,
    pub url: Option<String>,
    pub kind: String,
    pub description: Option<String>,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = sources)]
pub struct SourceChanges {
    pub slug: Option<String>,
    pub name: Option<String>,
    pub url: Option<Option<String>>,
    pub kind: Option<String>,
    pub description: Option<Option<String>>,
    pub updated_at: Option<NaiveDateTime>,
}
