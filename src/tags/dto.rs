//! What the tags endpoints accept and answer.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::error::AppError;
use crate::http::json::{double_option, some};
use crate::site::{Page, Site};
use crate::tags::models::TagRow;
use crate::validate::Errors;

/// A topic stories are filed under.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "id": 1, "slug": "islamic-state", "url": "https://www.iraqinews.example/tag/islamic-state/",
    "name": "Islamic State",
    "description": "The militant group and the campaign against it in Iraq and Syria.",
    "article_count": 12, "created_at": "2017-11-01T09:30:00Z", "updated_at": "2017-11-01T09:30:00Z"
}))]
pub struct TagView {
    #[schema(example = 1)]
    pub id: i64,
    #[schema(example = "islamic-state")]
    pub slug: String,
    /// The tag's page on the website (`DATELINE_SITE_URL` + `DATELINE_TAG_PATH`); `null`
    /// without a site URL.
    #[schema(example = "https://www.iraqinews.example/tag/islamic-state/")]
    pub url: Option<String>,
    #[schema(example = "Islamic State")]
    pub name: String,
    pub description: Option<String>,
    /// Public articles filed under this tag.
    #[schema(example = 12)]
    pub article_count: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl TagView {
    pub fn new(row: TagRow, article_count: i64, site: &Site) -> Self {
        Self {
            id: row.id,
            url: site.page(Page::Tag, row.id, &row.slug),
            slug: row.slug,
            name: row.name,
            description: row.description,
            article_count,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
        }
    }
}

/// The fields `fields=` may name.
pub const TAG_FIELDS: &[&str] = &[
    "id",
    "slug",
    "url",
    "name",
    "description",
    "article_count",
    "created_at",
    "updated_at",
];
/// The sort keys of the tags list.
pub const TAG_SORTS: &[&str] = &["name", "slug", "created_at", "updated_at"];

/// A new tag.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Islamic State", "description": "The militant group and the campaign against it."}))]
pub struct CreateTag {
    #[schema(min_length = 1, max_length = 100, example = "Islamic State")]
    pub name: String,
    /// Derived from the name when left out; a taken slug is a `409`.
    #[schema(
        pattern = "^(?![0-9]+$)[a-z0-9]+(-[a-z0-9]+)*$",
        max_length = 120,
        example = "islamic-state"
    )]
    pub slug: Option<String>,
    #[schema(max_length = 2000)]
    pub description: Option<String>,
}

/// Changes to a tag; absent fields keep their value, `null` clears.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"description": "Coverage of the group in Iraq and Syria."}))]
pub struct UpdateTag {
    #[serde(default, deserialize_with = "some")]
    #[schema(value_type = String, min_length = 1, max_length = 100)]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "some")]
    #[schema(value_type = String, pattern = "^(?![0-9]+$)[a-z0-9]+(-[a-z0-9]+)*$", max_length = 120)]
    pub slug: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, nullable)]
    pub description: Option<Option<String>>,
}

fn check(
    errors: &mut Errors,
    name: Option<&String>,
    slug: Option<&String>,
    description: Option<&String>,
) {
    if let Some(name) = name {
        errors.text("name", name, 1, 100, false);
    }
    if let Some(slug) = slug {
        errors.slug("slug", slug);
    }
    if let Some(d) = description {
        errors.text("description", d, 0, 2000, true);
    }
}

impl CreateTag {
    pub fn validate(mut self) -> Result<Self, AppError> {
        self.name = self.name.trim().to_owned();
        let mut errors = Errors::new();
        check(
            &mut errors,
            Some(&self.name),
            self.slug.as_ref(),
            self.description.as_ref(),
        );
        errors.finish()?;
        Ok(self)
    }
}

impl UpdateTag {
    pub fn validate(mut self) -> Result<Self, AppError> {
        self.name = self.name.map(|n| n.trim().to_owned());
        let mut errors = Errors::new();
        check(
            &mut errors,
            self.name.as_ref(),
            self.slug.as_ref(),
            self.description.as_ref().and_then(Option::as_ref),
        );
        errors.finish()?;
        Ok(self)
    }
}

/// Filters, order and fields of the tags list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TagFilters {
    /// Only tags whose name contains this text (case-insensitive).
    #[param(example = "state")]
    pub q: Option<String>,
    /// Sort keys, comma-separated, `-` for descending: `name`, `slug`, `created_at`,
    /// `updated_at`. Default `name`.
    #[param(example = "name")]
    pub sort: Option<String>,
    /// Sparse fieldset: a comma list of the fields to return.
    #[param(example = "id,slug,name")]
    pub fields: Option<String>,
}
