//! What the images endpoints accept and answer.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::config::Config;
use crate::error::AppError;
use crate::http::json::double_option;
use crate::images::models::ImageRow;
use crate::validate::Errors;

/// An uploaded picture and what the newsroom says about it.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "id": 7,
    "url": "https://cms.example.com/api/v1/images/7/file",
    "mime_type": "image/jpeg",
    "width": 1600,
    "height": 1067,
    "renditions": [
        {"width": 160, "url": "https://cms.example.com/api/v1/images/7/file?w=160"},
        {"width": 320, "url": "https://cms.example.com/api/v1/images/7/file?w=320"},
        {"width": 640, "url": "https://cms.example.com/api/v1/images/7/file?w=640"},
        {"width": 1024, "url": "https://cms.example.com/api/v1/images/7/file?w=1024"},
        {"width": 1600, "url": "https://cms.example.com/api/v1/images/7/file?w=1600"}
    ],
    "size_bytes": 284113,
    "sha256": "9f2c4a7be0c1d3e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d",
    "alt": "An Iraqi Sukhoi jet on the runway",
    "caption": "Iraqi Sukhoi aircraft. File photo.",
    "credit": "Iraqi Ministry of Defence",
    "created_at": "2017-11-01T09:00:00Z",
    "updated_at": "2017-11-01T09:00:00Z"
}))]
pub struct ImageView {
    #[schema(example = 7)]
    pub id: i64,
    /// Where the bytes are served; `renditions` lists the resized ones.
    #[schema(example = "https://cms.example.com/api/v1/images/7/file")]
    pub url: String,
    /// Recognised from the bytes: `image/jpeg`, `image/png`, `image/webp` or `image/gif`.
    #[schema(example = "image/jpeg")]
    pub mime_type: String,
    /// In pixels, as displayed.
    #[schema(example = 1600)]
    pub width: i32,
    #[schema(example = 1067)]
    pub height: i32,
    /// The resized renditions, narrowest first, for `srcset`: one per configured width
    /// (`DATELINE_IMAGE_WIDTHS`) up to the picture's own width.
    pub renditions: Vec<Rendition>,
    /// Of the stored file (location and camera metadata removed).
    #[schema(example = 284113)]
    pub size_bytes: i32,
    /// Hex SHA-256 of the stored file.
    pub sha256: String,
    /// Text for readers who cannot see the picture.
    pub alt: Option<String>,
    #[schema(example = "Iraqi Sukhoi aircraft. File photo.")]
    pub caption: Option<String>,
    /// Who took or owns the picture.
    pub credit: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A resized copy of an image, made on its first request and kept.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Rendition {
    #[schema(example = 320)]
    pub width: u32,
    #[schema(example = "https://cms.example.com/api/v1/images/7/file?w=320")]
    pub url: String,
}

impl ImageView {
    /// The view of `row`, its links under `config.public_url`, with a rendition for each of
    /// `config.image_widths` up to its width.
    pub fn new(row: ImageRow, config: &Config) -> Self {
        let url = format!("{}/api/v1/images/{}/file", config.public_url, row.id);
        let renditions = config
            .image_widths
            .iter()
            .filter(|w| i64::from(**w) <= i64::from(row.width))
            .map(|w| Rendition {
                width: *w,
                url: format!("{url}?w={w}"),
            })
            .collect();
        Self {
            url,
            renditions,
            id: row.id,
            mime_type: row.mime_type,
            width: row.width,
            height: row.height,
            size_bytes: row.size_bytes,
            sha256: row.sha256,
            alt: row.alt,
            caption: row.caption,
            credit: row.credit,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
        }
    }
}

/// The fields `fields=` may name.
pub const IMAGE_FIELDS: &[&str] = &[
    "id",
    "url",
    "mime_type",
    "width",
    "height",
    "renditions",
    "size_bytes",
    "sha256",
    "alt",
    "caption",
    "credit",
    "created_at",
    "updated_at",
];
/// The sort keys of the images list.
pub const IMAGE_SORTS: &[&str] = &["created_at", "updated_at", "size_bytes", "width"];

/// The `multipart/form-data` body of an upload. Any other part, or a part given twice, is a
/// `422`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // documents the form; the handler reads it as a stream
pub struct UploadImage {
    /// The picture: JPEG, PNG, WebP or GIF, at most 10 MiB and 40 megapixels.
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
    /// Text for readers who cannot see the picture (at most 1,000 characters).
    #[schema(max_length = 1000, example = "An Iraqi Sukhoi jet on the runway")]
    pub alt: Option<String>,
    /// At most 2,000 characters.
    #[schema(max_length = 2000, example = "Iraqi Sukhoi aircraft. File photo.")]
    pub caption: Option<String>,
    /// At most 300 characters.
    #[schema(max_length = 300, example = "Iraqi Ministry of Defence")]
    pub credit: Option<String>,
}

/// Changes to an image's texts; absent fields keep their value, `null` clears.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"caption": "Iraqi Sukhoi aircraft over Anbar. File photo."}))]
pub struct UpdateImage {
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, nullable)]
    pub alt: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, nullable)]
    pub caption: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, nullable)]
    pub credit: Option<Option<String>>,
}

/// Checks the three texts an image carries.
pub fn check_texts(
    alt: Option<&str>,
    caption: Option<&str>,
    credit: Option<&str>,
) -> Result<(), AppError> {
    let mut e = Errors::new();
    if let Some(alt) = alt {
        e.text("alt", alt, 0, 1000, false);
    }
    if let Some(caption) = caption {
        e.text("caption", caption, 0, 2000, true);
    }
    if let Some(credit) = credit {
        e.text("credit", credit, 0, 300, false);
    }
    e.finish()
}

impl UpdateImage {
    pub fn validate(self) -> Result<Self, AppError> {
        fn text(f: &Option<Option<String>>) -> Option<&str> {
            f.as_ref().and_then(|v| v.as_deref())
        }
        check_texts(text(&self.alt), text(&self.caption), text(&self.credit))?;
        Ok(self)
    }
}

/// Filters, order and fields of the images list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImageFilters {
    /// Only images whose alt text, caption or credit contains this text (case-insensitive).
    #[param(example = "Sukhoi")]
    pub q: Option<String>,
    /// Sort keys, comma-separated, `-` for descending: `created_at`, `updated_at`,
    /// `size_bytes`, `width`. Default `-created_at` (newest first).
    #[param(example = "-created_at")]
    pub sort: Option<String>,
    /// Sparse fieldset: a comma list of the fields to return.
    #[param(example = "id,url,caption")]
    pub fields: Option<String>,
}

/// Which file to serve.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FileParams {
    /// A rendition this many pixels wide: one of the configured widths
    /// (`DATELINE_IMAGE_WIDTHS`, by default 160, 320, 640, 1024 and 1600). A width at or above
    /// the original's serves the original.
    #[param(example = 320)]
    pub w: Option<u32>,
}
