//! What the authors endpoints accept and answer.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::authors::models::AuthorRow;
use crate::error::AppError;
use crate::http::json::{double_option, some};
use crate::images::dto::ImageView;
use crate::site::{Page, Site};
use crate::validate::Errors;

/// A byline.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "id": 3, "slug": "samir-khalil", "url": "https://www.iraqinews.example/author/samir-khalil/",
    "name": "Samir Khalil",
    "bio": "Covers security in Anbar province from Baghdad.",
    "email": "samir.khalil@iraqinews.example", "website": null, "avatar_image_id": null,
    "avatar_image": null,
    "article_count": 31, "created_at": "2017-11-01T09:30:00Z", "updated_at": "2017-11-01T09:30:00Z"
}))]
pub struct AuthorView {
    #[schema(example = 3)]
    pub id: i64,
    #[schema(example = "samir-khalil")]
    pub slug: String,
    /// The author's page on the website (`DATELINE_SITE_URL` + `DATELINE_AUTHOR_PATH`);
    /// `null` without a site URL.
    #[schema(example = "https://www.iraqinews.example/author/samir-khalil/")]
    pub url: Option<String>,
    #[schema(example = "Samir Khalil")]
    pub name: String,
    pub bio: Option<String>,
    /// Shown to signed-in staff only; absent for anonymous readers.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, nullable, example = "samir.khalil@iraqinews.example")]
    pub email: Option<Option<String>>,
    pub website: Option<String>,
    /// The author's picture (an uploaded image's id).
    pub avatar_image_id: Option<i64>,
    /// That picture's image object, with its `renditions` for `srcset`; `null` without one.
    pub avatar_image: Option<ImageView>,
    /// Public articles with this author on the byline.
    #[schema(example = 31)]
    pub article_count: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl AuthorView {
    /// The view of `row`; `with_email` for signed-in callers.
    pub fn new(row: AuthorRow, article_count: i64, with_email: bool, site: &Site) -> Self {
        Self {
            id: row.id,
            url: site.page(Page::Author, row.id, &row.slug),
            slug: row.slug,
            name: row.name,
            bio: row.bio,
            email: with_email.then_some(row.email),
            website: row.website,
            avatar_image_id: row.avatar_image_id,
            avatar_image: None,
            article_count,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
        }
    }
}

/// The fields `fields=` may name.
pub const AUTHOR_FIELDS: &[&str] = &[
    "id",
    "slug",
    "url",
    "name",
    "bio",
    "email",
    "website",
    "avatar_image_id",
    "avatar_image",
    "article_count",
    "created_at",
    "updated_at",
];
/// The sort keys of the authors list.
pub const AUTHOR_SORTS: &[&str] = &["name", "slug", "created_at", "updated_at"];

/// A new byline.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Samir Khalil", "bio": "Covers security in Anbar province from Baghdad."}))]
pub struct CreateAuthor {
    #[schema(min_length = 1, max_length = 200, example = "Samir Khalil")]
    pub name: String,
    /// Derived from the name when left out; a taken slug is a `409`.
    #[schema(
        pattern = "^(?![0-9]+$)[a-z0-9]+(-[a-z0-9]+)*$",
        max_length = 120,
        example = "samir-khalil"
    )]
    pub slug: Option<String>,
    #[schema(max_length = 5000)]
    pub bio: Option<String>,
    /// Contact address, shown to staff only.
    #[schema(format = Email)]
    pub email: Option<String>,
    #[schema(
        pattern = r"^https?://[^\s/?#\x00-\x1f\x7f-\x9f]+([/?#][^\s\x00-\x1f\x7f-\x9f]*)?$",
        max_length = 2000
    )]
    pub website: Option<String>,
    /// The author's picture (an uploaded image's id).
    pub avatar_image_id: Option<i64>,
}

/// Changes to a byline; absent fields keep their value, `null` clears.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"bio": "Reports on the Anbar offensive from Qaim and Rawa."}))]
pub struct UpdateAuthor {
    #[serde(default, deserialize_with = "some")]
    #[schema(value_type = String, min_length = 1, max_length = 200)]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "some")]
    #[schema(value_type = String, pattern = "^(?![0-9]+$)[a-z0-9]+(-[a-z0-9]+)*$", max_length = 120)]
    pub slug: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, nullable)]
    pub bio: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, nullable)]
    pub email: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, nullable)]
    pub website: Option<Option<String>>,
    /// `null` removes the picture.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<i64>, nullable)]
    pub avatar_image_id: Option<Option<i64>>,
}

fn check(
    errors: &mut Errors,
    name: Option<&String>,
    slug: Option<&String>,
    bio: Option<&String>,
    email: Option<&String>,
    website: Option<&String>,
) {
    if let Some(name) = name {
        errors.text("name", name, 1, 200, false);
    }
    if let Some(slug) = slug {
        errors.slug("slug", slug);
    }
    if let Some(bio) = bio {
        errors.text("bio", bio, 0, 5000, true);
    }
    if let Some(email) = email {
        errors.email("email", email);
    }
    if let Some(website) = website {
        errors.url("website", website);
    }
}

impl CreateAuthor {
    pub fn validate(mut self) -> Result<Self, AppError> {
        self.name = self.name.trim().to_owned();
        let mut errors = Errors::new();
        check(
            &mut errors,
            Some(&self.name),
            self.slug.as_ref(),
            self.bio.as_ref(),
            self.email.as_ref(),
            self.website.as_ref(),
        );
        errors.finish()?;
        Ok(self)
    }
}

impl UpdateAuthor {
    pub fn validate(mut self) -> Result<Self, AppError> {
        self.name = self.name.map(|n| n.trim().to_owned());
        let mut errors = Errors::new();
        check(
            &mut errors,
            self.name.as_ref(),
            self.slug.as_ref(),
            self.bio.as_ref().and_then(Option::as_ref),
            self.email.as_ref().and_then(Option::as_ref),
            self.website.as_ref().and_then(Option::as_ref),
        );
        errors.finish()?;
        Ok(self)
    }
}

/// Filters, order and fields of the authors list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuthorFilters {
    /// Only authors whose name contains this text (case-insensitive).
    #[param(example = "khalil")]
    pub q: Option<String>,
    /// Sort keys, comma-separated, `-` for descending: `name`, `slug`, `created_at`,
    /// `updated_at`. Default `name`.
    #[param(example = "name")]
    pub sort: Option<String>,
    /// Sparse fieldset: a comma list of the fields to return.
    #[param(example = "id,slug,name")]
    pub fields: Option<String>,
}
