//! `/api/v1/images`: uploads, metadata, and the files themselves.

use actix_multipart::{Multipart, MultipartError};
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use futures_util::StreamExt;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::{AuthUser, MaybeAuthUser};
use crate::error::AppError;
use crate::http::list::{self, FieldsParam, ListBody, PageParams};
use crate::http::{CACHE_PRIVATE, Json, Query, created, etag, json_response, read_cache};
use crate::images::dto::{
    FileParams, IMAGE_FIELDS, IMAGE_SORTS, ImageFilters, ImageView, UpdateImage, UploadImage,
    check_texts,
};
use crate::images::process::MAX_BYTES;
use crate::images::{serve, service};
use crate::openapi::{
    BadRequest, Conflict, Forbidden, NotFound, PayloadTooLarge, PreconditionFailed, Unauthorized,
    Unprocessable, UnsupportedMediaType,
};
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_images)
        .service(upload_image)
        .service(get_image)
        .service(image_file)
        .service(update_image)
        .service(delete_image);
}

/// Room for the form's other parts (texts, boundaries, part headers) beside the file.
const FORM_OVERHEAD: usize = 64 * 1024;
/// The longest text part accepted, in bytes.
const TEXT_PART_LIMIT: usize = 16 * 1024;

fn too_large() -> AppError {
    AppError::PayloadTooLarge(format!("Images are limited to {MAX_BYTES} bytes (10 MiB)."))
}

fn multipart_error(err: MultipartError) -> AppError {
    match err {
        MultipartError::ContentTypeMissing
        | MultipartError::ContentTypeParse
        | MultipartError::ContentTypeIncompatible => AppError::UnsupportedMediaType(
            "Upload images as `multipart/form-data` with the picture in a part named `file`."
                .into(),
        ),
        MultipartError::Payload(actix_web::error::PayloadError::Overflow) => too_large(),
        other => AppError::BadRequest(format!("The multipart body could not be read: {other}.")),
    }
}

/// A form part's bytes, refused past `limit` with `over`, or past what is left of the
/// form's whole allowance (`left`) with a `413`.
async fn read_part(
    field: &mut actix_multipart::Field,
    limit: usize,
    over: fn() -> AppError,
    left: &mut usize,
) -> Result<Vec<u8>, AppError> {
    // Sized once from what is left of the declared body: ten megabytes read into a growing
    // vector would take sixteen, and copy eight on the way.
    let mut bytes = Vec::with_capacity((*left).min(limit));
    while let Some(chunk) = field.next().await {
        let chunk = chunk.map_err(multipart_error)?;
        if bytes.len() + chunk.len() > limit {
            return Err(over());
        }
        *left = left.checked_sub(chunk.len()).ok_or_else(too_large)?;
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

fn text_too_long() -> AppError {
    AppError::PayloadTooLarge(format!(
        "Text parts are limited to {TEXT_PART_LIMIT} bytes."
    ))
}

/// The parts of an upload form.
#[derive(Default)]
struct Form {
    file: Option<Vec<u8>>,
    alt: Option<String>,
    caption: Option<String>,
    credit: Option<String>,
}

/// Reads the form as it streams in: never more than the size cap is held, whatever the
/// number of parts, and the first part that has no business there ends the reading.
async fn read_form(req: &HttpRequest, payload: web::Payload) -> Result<Form, AppError> {
    let length = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if length.is_some_and(|n| n > MAX_BYTES + FORM_OVERHEAD) {
        return Err(too_large());
    }
    // What the parts may still take: the declared length, when there is one.
    let mut left = length.unwrap_or(MAX_BYTES + FORM_OVERHEAD);
    let mut multipart = Multipart::new(req.headers(), payload);
    let mut form = Form::default();
    let mut seen = std::collections::HashSet::new();
    while let Some(field) = multipart.next().await {
        let mut field = field.map_err(multipart_error)?;
        let name = field.name().unwrap_or_default().to_owned();
        if !matches!(name.as_str(), "file" | "alt" | "caption" | "credit") {
            return Err(AppError::invalid(&name, "is not a part of an image upload"));
        }
        if !seen.insert(name.clone()) {
            return Err(AppError::invalid(&name, "is given more than once"));
        }
        if name == "file" {
            let bytes = read_part(&mut field, MAX_BYTES, too_large, &mut left).await?;
            if bytes.is_empty() {
                return Err(AppError::invalid("file", "is empty"));
            }
            form.file = Some(bytes);
            continue;
        }
        let bytes = read_part(&mut field, TEXT_PART_LIMIT, text_too_long, &mut left).await?;
        let text = String::from_utf8(bytes)
            .map_err(|_| AppError::invalid(&name, "must be UTF-8 text"))?
            .trim()
            .to_owned();
        let slot = match name.as_str() {
            "alt" => &mut form.alt,
            "caption" => &mut form.caption,
            _ => &mut form.credit,
        };
        *slot = Some(text).filter(|t| !t.is_empty());
    }
    if form.file.is_none() {
        return Err(AppError::invalid(
            "file",
            "is required: the picture, in a part named `file`",
        ));
    }
    Ok(form)
}

/// List images
///
/// The media library, newest first. `q` searches alt text, captions and credits.
#[utoipa::path(
    tag = "images",
    params(PageParams, ImageFilters),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "One page of images.", body = ListBody<ImageView>,
         headers(
            ("X-Total-Count" = i64, description = "Images in the whole filtered list."),
            ("Link" = String, description = "RFC 8288 links: `first`, `prev`, `next`, `last`."),
            ("ETag" = String, description = "Strong entity tag of this page.")
         )),
        (status = 304, description = "Not modified: `If-None-Match` names the current ETag."),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 422, response = Unprocessable),
    )
)]
#[get("/images")]
pub async fn list_images(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: MaybeAuthUser,
    Query(paging): Query<PageParams>,
    Query(filters): Query<ImageFilters>,
) -> Result<HttpResponse, AppError> {
    let page = paging.validate()?;
    let sort = list::parse_sort(filters.sort.as_deref(), IMAGE_SORTS, "-created_at")?;
    let fields = list::parse_fields(filters.fields.as_deref(), IMAGE_FIELDS)?;
    let q = filters.q.filter(|q| !q.trim().is_empty());
    let (rows, total) = service::list(&state, q, sort, page).await?;
    let views = rows
        .into_iter()
        .map(|r| ImageView::new(r, &state.config))
        .collect();
    list::page_response(
        &req,
        &state.config.public_url,
        page,
        total,
        views,
        fields.as_deref(),
        read_cache(user.0.is_none()),
    )
}

/// Upload an image
///
/// `multipart/form-data` with the picture in `file` and optional `alt`, `caption` and
/// `credit`. JPEG, PNG, WebP and GIF are recognised by their bytes (anything else, SVG
/// included, is a `415`); at most 10 MiB (`413`), 40 megapixels and 160 MiB decoded (40
/// megapixels at 8 bits a channel; `422`, decided from the header before any pixel is
/// decoded); a truncated or corrupt file is a `422`. Location and
/// camera metadata (EXIF, XMP, IPTC, comments) are removed before the file is stored; the
/// same bytes uploaded twice are stored once. Any staff member may upload.
#[utoipa::path(
    tag = "images",
    request_body(content = UploadImage, content_type = "multipart/form-data"),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The image was stored.", body = ImageView,
         headers(("Location" = String, description = "The new image's metadata URL."))),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = Unprocessable),
    )
)]
#[post("/images")]
pub async fn upload_image(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: AuthUser,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let form = read_form(&req, payload).await?;
    check_texts(
        form.alt.as_deref(),
        form.caption.as_deref(),
        form.credit.as_deref(),
    )?;
    let row = service::upload(
        &state,
        &user,
        form.file.unwrap_or_default(),
        form.alt,
        form.caption,
        form.credit,
    )
    .await?;
    let view = ImageView::new(row, &state.config);
    created(&state.config.public_url, "images", view.id, &view)
}

/// Read an image's metadata
///
/// Its size, type, alt text, caption and credit, and the `url` of its file.
#[utoipa::path(
    tag = "images",
    params(("id" = i64, Path, description = "The image's id.", example = 7), FieldsParam),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "The image's metadata.", body = ImageView,
         headers(("ETag" = String, description = "Strong entity tag; send it in `If-Match` to update safely."))),
        (status = 304, description = "Not modified: `If-None-Match` names the current ETag."),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 422, response = Unprocessable),
    )
)]
#[get("/images/{id}")]
pub async fn get_image(
    state: web::Data<AppState>,
    user: MaybeAuthUser,
    id: web::Path<i64>,
    Query(params): Query<FieldsParam>,
) -> Result<HttpResponse, AppError> {
    let fields = list::parse_fields(params.fields.as_deref(), IMAGE_FIELDS)?;
    let id = id.into_inner();
    let view = ImageView::new(service::find(&state, id).await?, &state.config);
    json_response(
        StatusCode::OK,
        &view,
        fields.as_deref(),
        read_cache(user.0.is_none()),
    )
}

/// Download an image
///
/// The file, with its `Content-Type`, a strong `ETag`, `Cache-Control: public,
/// max-age=31536000, immutable` (an image's bytes never change) and `Range` support. `w`
/// asks for a rendition that wide (one of `DATELINE_IMAGE_WIDTHS`, by default 160, 320, 640,
/// 1024 and 1600; any other is a `422` that lists them), resized with a Lanczos filter, made
/// on first request and kept; a width at or above the original's serves the original. The
/// image's `renditions` list the widths up to its own. Renditions of GIFs are PNG stills.
#[utoipa::path(
    tag = "images",
    params(
        ("id" = i64, Path, description = "The image's id.", example = 7),
        FileParams,
        ("Range" = Option<String>, Header, description = "One byte range, e.g. `bytes=0-1023`."),
        ("If-Range" = Option<String>, Header, description = "Honour `Range` only if the ETag still matches.")
    ),
    security(()),
    responses(
        (status = 200, description = "The whole file.",
         content(
            (Vec<u8> = "image/jpeg"), (Vec<u8> = "image/png"), (Vec<u8> = "image/webp"), (Vec<u8> = "image/gif")
         ),
         headers(
            ("ETag" = String, description = "Strong entity tag of these bytes."),
            ("Cache-Control" = String, description = "`public, max-age=31536000, immutable`."),
            ("Accept-Ranges" = String, description = "`bytes`.")
         )),
        (status = 206, description = "The range asked for.",
         content(
            (Vec<u8> = "image/jpeg"), (Vec<u8> = "image/png"), (Vec<u8> = "image/webp"), (Vec<u8> = "image/gif")
         ),
         headers(("Content-Range" = String, description = "`bytes first-last/length`."))),
        (status = 304, description = "Not modified: `If-None-Match` names the current ETag."),
        (status = 400, response = BadRequest),
        (status = 404, response = NotFound),
        (status = 416, description = "The range lies outside the file.", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, response = Unprocessable),
    )
)]
#[get("/images/{id}/file")]
pub async fn image_file(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    Query(params): Query<FileParams>,
) -> Result<HttpResponse, AppError> {
    let widths = &state.config.image_widths;
    if let Some(w) = params.w.filter(|w| !widths.contains(w)) {
        let listed: Vec<String> = widths.iter().map(ToString::to_string).collect();
        return Err(AppError::invalid(
            "w",
            format!(
                "{w} is not a rendition width; use one of {}",
                listed.join(", ")
            ),
        ));
    }
    let file = service::file(&state, id.into_inner(), params.w).await?;
    let header = |name| req.headers().get(name).and_then(|v| v.to_str().ok());
    serve::respond(
        file.len,
        file.reader,
        file.content_type,
        &file.etag,
        header(header::RANGE),
        header(header::IF_RANGE),
    )
}

/// Update an image's texts
///
/// Alt text, caption and credit; the file itself never changes. Editors and admins may
/// change any image; authors those they uploaded.
#[utoipa::path(
    tag = "images",
    params(
        ("id" = i64, Path, description = "The image's id.", example = 7),
        ("If-Match" = Option<String>, Header, description = "Apply only if the metadata's ETag still matches (else `412`).")
    ),
    request_body = UpdateImage,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The updated metadata.", body = ImageView,
         headers(("ETag" = String, description = "The metadata's new entity tag."))),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 412, response = PreconditionFailed),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = Unprocessable),
    )
)]
#[patch("/images/{id}")]
pub async fn update_image(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i64>,
    body: Json<UpdateImage>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let if_match = etag::if_match(&req);
    let view = ImageView::new(
        service::update(&state, user, id, body.into_inner(), if_match).await?,
        &state.config,
    );
    json_response(StatusCode::OK, &view, None, CACHE_PRIVATE)
}

/// Delete an image
///
/// Removes the metadata, and the file and its renditions unless another upload of the same
/// bytes still uses them. An image that is an article's feature image or an author's avatar
/// cannot be deleted (`409`, naming them). Editors and admins may delete any image; authors
/// those they uploaded.
#[utoipa::path(
    tag = "images",
    params(
        ("id" = i64, Path, description = "The image's id.", example = 7),
        ("If-Match" = Option<String>, Header, description = "Delete only if the metadata's ETag still matches (else `412`).")
    ),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "The image is gone."),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 412, response = PreconditionFailed),
    )
)]
#[delete("/images/{id}")]
pub async fn delete_image(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let if_match = etag::if_match(&req);
    service::delete(&state, user, id, if_match).await?;
    Ok(HttpResponse::NoContent().finish())
}
