//! The rules for images: checking and storing an upload, finding or making the file a request
//! asks for, editing the texts, and refusing to delete an image still in use.

use actix_web::web;

use crate::articles::service as articles;
use crate::auth::{AuthUser, policy};
use crate::db::paging::Page;
use crate::db::paging::SortKey;
use crate::db::{self, Conn};
use crate::error::AppError;
use crate::http::etag;
use crate::images::dto::{ImageView, UpdateImage};
use crate::images::format::Format;
use crate::images::models::{ImageChanges, ImageRow, NewImage};
use crate::images::process::{self};
use crate::images::storage::ReadSeek;
use crate::images::{original_key, queries, rendition_key};
use crate::slug::IdOrSlug;
use crate::state::AppState;

pub fn not_found(id: i64) -> AppError {
    AppError::NotFound(format!("No image with id {id}."))
}

/// One page of images, matching `q` in their texts when given.
pub async fn list(
    state: &AppState,
    q: Option<String>,
    sort: Vec<SortKey>,
    page: Page,
) -> Result<(Vec<ImageRow>, i64), AppError> {
    db::read(&state.db, move |conn| {
        Ok(queries::list(conn, q.as_deref(), &sort, page)?)
    })
    .await
}

/// Checks an upload by its bytes (within a decode permit, so that a burst of uploads cannot
/// take more memory than the budget), strips its metadata, stores it once per content and
/// records it.
pub async fn upload(
    state: &AppState,
    user: &AuthUser,
    raw: Vec<u8>,
    alt: Option<String>,
    caption: Option<String>,
    credit: Option<String>,
) -> Result<ImageRow, AppError> {
    let user_id = user.id;
    let checked = {
        // What the header says the picture takes decoded (the most, when it cannot be read:
        // the check then refuses it).
        let reserve = image::ImageReader::new(std::io::Cursor::new(&raw))
            .with_guessed_format()
            .ok()
            .and_then(|r| r.into_dimensions().ok())
            .map_or(process::MAX_DECODED_BYTES, |(w, h)| {
                process::decode_reservation(w, h)
            });
        let _permit = state.media.decode_permit(reserve).await?;
        web::block(move || process::check(raw)).await??
    };
    let media = state.media.clone();
    db::write(&state.db, move |conn| {
        // Stored inside the write transaction, so a concurrent delete of the last other row
        // with these bytes cannot remove the file under this new row.
        let key = original_key(&checked.sha256, checked.format);
        media
            .store()
            .put(&key, &checked.bytes)
            .map_err(|e| AppError::internal(format!("storing {key}: {e}")))?;
        let now = db::now();
        let new = NewImage {
            sha256: checked.sha256,
            mime_type: checked.format.mime().to_owned(),
            width: i32::try_from(checked.width).unwrap_or(i32::MAX),
            height: i32::try_from(checked.height).unwrap_or(i32::MAX),
            size_bytes: i32::try_from(checked.bytes.len()).unwrap_or(i32::MAX),
            alt,
            caption,
            credit,
            created_by: Some(user_id),
            created_at: now,
            updated_at: now,
        };
        Ok(queries::insert(conn, &new)?)
    })
    .await
}

/// One image's metadata.
pub async fn find(state: &AppState, id: i64) -> Result<ImageRow, AppError> {
    db::read(&state.db, move |conn| Ok(queries::find(conn, id)?))
        .await?
        .ok_or_else(|| not_found(id))
}

fn stored_format(row: &ImageRow) -> Result<Format, AppError> {
    Format::from_mime(&row.mime_type)
        .ok_or_else(|| AppError::internal(format!("image {} has type {}", row.id, row.mime_type)))
}

/// A stored file, opened for serving.
pub struct File {
    pub len: u64,
    pub reader: Box<dyn ReadSeek>,
    pub content_type: &'static str,
    pub etag: String,
}

/// Image `id`'s original or, with `w`, its rendition `w` pixels wide (made on first request;
/// the original when it is no wider).
pub async fn file(state: &AppState, id: i64, w: Option<u32>) -> Result<File, AppError> {
    let row = db::read(&state.db, move |conn| Ok(queries::find(conn, id)?))
        .await?
        .ok_or_else(|| not_found(id))?;
    let format = stored_format(&row)?;
    let tag = row.sha256.get(..32).unwrap_or(&row.sha256).to_owned();
    let original_width = u32::try_from(row.width).unwrap_or(0);
    let (key, etag, content_type) = match w.filter(|w| *w < original_width) {
        Some(width) => {
            let key = rendition_key(&row.sha256, format, width);
            let media = state.media.clone();
            let probe = key.clone();
            let made = web::block(move || media.store().exists(&probe)).await?;
            if !made.unwrap_or(false) {
                // Made on first request, within a decode permit: waiting for one holds no
                // thread, so a burst of first requests cannot starve the database's threads.
                let height = u32::try_from(row.height).unwrap_or(u32::MAX);
                let reserve = process::decode_reservation(original_width, height);
                let _permit = state.media.decode_permit(reserve).await?;
                let media = state.media.clone();
                let sha = row.sha256.clone();
                web::block(move || media.ensure_rendition(&sha, format, width)).await??;
            }
            (
                key,
                format!("\"{tag}-w{width}\""),
                format.rendition().mime(),
            )
        }
        None => (
            original_key(&row.sha256, format),
            format!("\"{tag}\""),
            format.mime(),
        ),
    };
    let media = state.media.clone();
    let (len, reader) = web::block(move || media.open(&key)).await??;
    Ok(File {
        len,
        reader,
        content_type,
        etag,
    })
}

/// Edits an image's texts, if the metadata still is as the caller saw it (`if_match`).
pub async fn update(
    state: &AppState,
    user: AuthUser,
    id: i64,
    body: Result<UpdateImage, AppError>,
    if_match: Option<String>,
) -> Result<ImageRow, AppError> {
    let config = state.config.clone();
    db::write(&state.db, move |conn| {
        let current = queries::find(conn, id)?.ok_or_else(|| not_found(id))?;
        policy::require_edit_owned(&user, current.created_by)?;
        let body = body?.validate()?;
        etag::check_if_match(
            if_match.as_deref(),
            &etag::of_json(&ImageView::new(current, &config))?,
        )?;
        let changes = ImageChanges {
            alt: body.alt,
            caption: body.caption,
            credit: body.credit,
            updated_at: Some(db::now()),
        };
        Ok(queries::update(conn, id, &changes)?)
    })
    .await
}

/// The articles `ids` as `user` may know of them: the slugs of those they may read, and how
/// many others there are ("article(s) a, b and 2 unpublished articles").
fn readable_articles(conn: &mut Conn, ids: &[i64], user: &AuthUser) -> Result<String, AppError> {
    let now = db::now();
    let mut slugs = Vec::new();
    for &id in ids {
        let key = IdOrSlug::parse(&id.to_string());
        match articles::load_visible(conn, &key, Some(user), now) {
            Ok(stored) => slugs.push(stored.row.slug),
            Err(AppError::NotFound(_)) => {}
            Err(e) => return Err(e),
        }
    }
    let hidden = ids.len() - slugs.len();
    let unpublished = match hidden {
        0 => String::new(),
        1 => "1 unpublished article".to_owned(),
        n => format!("{n} unpublished articles"),
    };
    Ok(match (slugs.is_empty(), unpublished.is_empty()) {
        (true, _) => unpublished,
        (false, true) => format!("article(s) {}", slugs.join(", ")),
        (false, false) => format!("article(s) {} and {unpublished}", slugs.join(", ")),
    })
}

/// Deletes an image no article or author uses; its files go with the last row that holds them.
pub async fn delete(
    state: &AppState,
    user: AuthUser,
    id: i64,
    if_match: Option<String>,
) -> Result<(), AppError> {
    let config = state.config.clone();
    let media = state.media.clone();
    db::write(&state.db, move |conn| {
        let current = queries::find(conn, id)?.ok_or_else(|| not_found(id))?;
        policy::require_edit_owned(&user, current.created_by)?;
        etag::check_if_match(
            if_match.as_deref(),
            &etag::of_json(&ImageView::new(current.clone(), &config))?,
        )?;
        let (articles, authors) = queries::users_of(conn, id)?;
        if !articles.is_empty() || !authors.is_empty() {
            let mut uses = Vec::new();
            if !articles.is_empty() {
                uses.push(format!(
                    "the feature image of {}",
                    readable_articles(conn, &articles, &user)?
                ));
            }
            if !authors.is_empty() {
                uses.push(format!("the avatar of author(s) {}", authors.join(", ")));
            }
            return Err(AppError::Conflict(format!(
                "Image {id} is in use: {}. Replace it there first.",
                uses.join("; ")
            )));
        }
        queries::delete(conn, id)?;
        if !queries::file_shared(conn, &current.sha256, id)? {
            media.remove_all(&current.sha256, stored_format(&current)?)?;
        }
        Ok(())
    })
    .await
}
