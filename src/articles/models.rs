//! Diesel rows of the `articles` table.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::articles;

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = articles, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct ArticleRow {
    pub id: i64,
    pub slug: String,
    pub title: String,
    pub subtitle: Option<String>,
    pub excerpt: String,
    pub excerpt_custom: bool,
    pub body: String,
    pub body_html: String,
    pub dateline: Option<String>,
    pub status: String,
    pub published_at: Option<NaiveDateTime>,
    /// When the article is public: `published_at` while published or scheduled, else `None`
    /// (a column the database derives).
    pub visible_at: Option<NaiveDateTime>,
    pub word_count: i32,
    pub reading_time_minutes: i32,
    pub comments_enabled: bool,
    pub comment_count: i32,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub feature_image_id: Option<i64>,
}

/// Every stored column of an article but its id and counters: what an insert writes and an
/// update overwrites.
#[derive(Debug, Clone, Insertable, AsChangeset)]
#[diesel(table_name = articles, treat_none_as_null = true)]
pub struct ArticleFields {
    pub slug: String,
    pub title: String,
    pub subtitle: Option<String>,
    pub excerpt: String,
    pub excerpt_custom: bool,
    pub body: String,
    pub body_html: String,
    pub dateline: Option<String>,
    pub status: String,
    pub published_at: Option<NaiveDateTime>,
    pub word_count: i32,
    pub reading_time_minutes: i32,
    pub comments_enabled: bool,
    pub feature_image_id: Option<i64>,
    pub updated_at: NaiveDateTime,
}

/// What an insert adds to [`ArticleFields`].
#[derive(Debug, Insertable)]
#[diesel(table_name = articles)]
pub struct NewArticle {
    #[diesel(embed)]
    pub fields: ArticleFields,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
}
