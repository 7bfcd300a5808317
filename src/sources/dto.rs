//! What the sources endpoints accept and answer.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::error::AppError;
use crate::http::json::{double_option, some};
use crate::site::{Page, Site};
use crate::sources::models::SourceRow;
use crate::validate::Errors;

/// What kind of outlet a source is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum SourceKind {
    /// A news agency (Reuters, AFP).
    Agency,
    Newspaper,
    /// Television or radio (Alsumaria).
    Broadcaster,
    /// A news website (IraqiNews.com, Mawazin).
    Website,
    /// A ministry, army or other official body.
    Government,
    Other,
}

impl SourceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Agency => "agency",
            Self::Newspaper => "newspaper",
            Self::Broadcaster => "broadcaster",
            Self::Website => "website",
            Self::Government => "government",
            Self::Other => "other",
        }
    }

    fn from_db(s: &str) -> Self {
        match s {
            "agency" => Self::Agency,
            "newspaper" => Self::Newspaper,
            "broadcaster" => Self::Broadcaster,
            "website" => Self::Website,
            "government" => Self::Government,
            _ => Self::Other,
        }
    }
}

/// An agency or outlet a story comes from or cites.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "id": 2, "slug": "alsumaria-news",
    "page_url": "https://www.iraqinews.example/source/alsumaria-news/",
    "name": "Alsumaria News", "url": "https://www.alsumaria.tv/",
    "kind": "broadcaster", "description": "Iraqi satellite television channel and news site.",
    "article_count": 4, "created_at": "2017-11-01T09:30:00Z", "updated_at": "2017-11-01T09:30:00Z"
}))]
pub struct SourceView {
    #[schema(example = 2)]
    pub id: i64,
    #[schema(example = "alsumaria-news")]
    pub slug: String,
    /// The source's page on the website (`DATELINE_SITE_URL` + `DATELINE_SOURCE_PATH`);
    /// `null` without a site URL. (`url` is the outlet's own website.)
    #[schema(example = "https://www.iraqinews.example/source/alsumaria-news/")]
    pub page_url: Option<String>,
    #[schema(example = "Alsumaria News")]
    pub name: String,
    /// The outlet's own website.
    #[schema(example = "https://www.alsumaria.tv/")]
    pub url: Option<String>,
    pub kind: SourceKind,
    pub description: Option<String>,
    /// Public articles that cite this source.
    #[schema(example = 4)]
    pub article_count: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl SourceView {
    pub fn new(row: SourceRow, article_count: i64, site: &Site) -> Self {
        Self {
            id: row.id,
            page_url: site.page(Page::Source, row.id, &row.slug),
            slug: row.slug,
            name: row.name,
            url: row.url,
            kind: SourceKind::from_db(&row.kind),
            description: row.description,
            article_count,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
        }
    }
}

/// The fields `fields=` may name.
pub const SOURCE_FIELDS: &[&str] = &[
    "id",
    "slug",
    "page_url",
    "name",
    "url",
    "kind",
    "description",
    "article_count",
    "created_at",
    "updated_at",
];
/// The sort keys of the sources list.
pub const SOURCE_SORTS: &[&str] = &["name", "slug", "kind", "created_at", "updated_at"];

/// A new source.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Mawazin News", "url": "https://www.mawazin.net/", "kind": "website"}))]
pub struct CreateSource {
    #[schema(min_length = 1, max_length = 200, example = "Mawazin News")]
    pub name: String,
    /// Derived from the name when left out; a taken slug is a `409`.
    #[schema(
        pattern = "^(?![0-9]+$)[a-z0-9]+(-[a-z0-9]+)*$",
        max_length = 120,
        example = "mawazin-news"
    )]
    pub slug: Option<String>,
    #[schema(
        pattern = r"^https?://[^\s/?#\x00-\x1f\x7f-\x9f]+([/?#][^\s\x00-\x1f\x7f-\x9f]*)?$",
        max_length = 2000,
        example = "https://www.mawazin.net/"
    )]
    pub url: Option<String>,
    /// Defaults to `other`.
    pub kind: Option<SourceKind>,
    #[schema(max_length = 2000)]
    pub description: Option<String>,
}

/// Changes to a source; absent fields keep their value, `null` clears.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"kind": "website"}))]
pub struct UpdateSource {
    #[serde(default, deserialize_with = "some")]
    #[schema(value_type = String, min_length = 1, max_length = 200)]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "some")]
    #[schema(value_type = String, pattern = "^(?![0-9]+$)[a-z0-9]+(-[a-z0-9]+)*$", max_length = 120)]
    pub slug: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, nullable)]
    pub url: Option<Option<String>>,
    #[serde(default, deserialize_with = "some")]
    #[schema(value_type = SourceKind)]
    pub kind: Option<SourceKind>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, nullable)]
    pub description: Option<Option<String>>,
}

fn check(
    errors: &mut Errors,
    name: Option<&String>,
    slug: Option<&String>,
    url: Option<&String>,
    description: Option<&String>,
) {
    if let Some(name) = name {
        errors.text("name", name, 1, 200, false);
    }
    if let Some(slug) = slug {
        errors.slug("slug", slug);
    }
    if let Some(url) = url {
        errors.url("url", url);
    }
    if let Some(d) = description {
        errors.text("description", d, 0, 2000, true);
    }
}

impl CreateSource {
    pub fn validate(mut self) -> Result<Self, AppError> {
        self.name = self.name.trim().to_owned();
        let mut errors = Errors::new();
        check(
            &mut errors,
            Some(&self.name),
            self.slug.as_ref(),
            self.url.as_ref(),
            self.description.as_ref(),
        );
        errors.finish()?;
        Ok(self)
    }
}

impl UpdateSource {
    pub fn validate(mut self) -> Result<Self, AppError> {
        self.name = self.name.map(|n| n.trim().to_owned());
        let mut errors = Errors::new();
        check(
            &mut errors,
            self.name.as_ref(),
            self.slug.as_ref(),
            self.url.as_ref().and_then(Option::as_ref),
            self.description.as_ref().and_then(Option::as_ref),
        );
        errors.finish()?;
        Ok(self)
    }
}

/// Filters, order and fields of the sources list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SourceFilters {
    /// Only sources whose name contains this text (case-insensitive).
    #[param(example = "news")]
    pub q: Option<String>,
    /// Only sources of this kind.
    #[param(inline)]
    pub kind: Option<SourceKind>,
    /// Sort keys, comma-separated, `-` for descending: `name`, `slug`, `kind`, `created_at`,
    /// `updated_at`. Default `name`.
    #[param(example = "kind,name")]
    pub sort: Option<String>,
    /// Sparse fieldset: a comma list of the fields to return.
    #[param(example = "id,slug,name,kind")]
    pub fields: Option<String>,
}
