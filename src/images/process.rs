//! Checking an upload and making renditions. CPU work: call from a blocking thread.

use std::io::Cursor;

use image::imageops::FilterType;
use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, ImageReader, Limits};
use sha2::{Digest, Sha256};

use crate::error::AppError;
use crate::images::format::Format;
use crate::images::strip;

/// The largest upload, in bytes: 10 MiB.
pub const MAX_BYTES: usize = 10 * 1024 * 1024;
/// The most pixels an image may have: 40 megapixels.
pub const MAX_PIXELS: u64 = 40_000_000;
/// The widths renditions come in.
pub const WIDTHS: [u32; 5] = [160, 320, 640, 1024, 1600];

/// An upload that passed every check, with its metadata removed.
#[derive(Debug)]
pub struct Checked {
    pub format: Format,
    /// The bytes to store: the upload without EXIF, XMP, comments or text chunks.
    pub bytes: Vec<u8>,
    /// As displayed (after the EXIF orientation).
    pub width: u32,
    pub height: u32,
    /// Hex SHA-256 of `bytes`.
    pub sha256: String,
}

fn limits() -> Limits {
    let mut limits = Limits::default();
    // 40 MP of 16-bit RGBA is 320 MB; leave room for the decoder's own buffers.
    limits.max_alloc = Some(512 * 1024 * 1024);
    limits.max_image_width = Some(65_535);
    limits.max_image_height = Some(65_535);
    limits
}

fn corrupt(why: impl std::fmt::Display) -> AppError {
    AppError::invalid(
        "file",
        format!("is not a readable image (truncated or corrupt): {why}"),
    )
}

/// Decodes `bytes` (whose pixel count was checked) with limits; returns the picture as
/// displayed (its EXIF orientation applied) and that orientation.
fn decode(bytes: &[u8], format: Format) -> Result<(DynamicImage, Orientation), AppError> {
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format.image_format());
    reader.limits(limits());
    let mut decoder = reader.into_decoder().map_err(corrupt)?;
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let mut image = DynamicImage::from_decoder(decoder).map_err(corrupt)?;
    image.apply_orientation(orientation);
    Ok((image, orientation))
}

/// Checks an upload: a known format by its bytes (else `415`), at most [`MAX_PIXELS`] read
/// from the header *before* any pixel is decoded (else `422`), then a full decode (a
/// truncated or corrupt file is a `422`). Returns it without its metadata.
pub fn check(raw: &[u8]) -> Result<Checked, AppError> {
    let format = Format::sniff(raw).ok_or_else(|| {
        AppError::UnsupportedMediaType(
            "The file is not a JPEG, PNG, WebP or GIF image (judged by its bytes, not its name \
             or declared type)."
                .into(),
        )
    })?;
    let (w, h) = ImageReader::with_format(Cursor::new(raw), format.image_format())
        .into_dimensions()
        .map_err(corrupt)?;
    let pixels = u64::from(w) * u64::from(h);
    if pixels > MAX_PIXELS {
        return Err(AppError::invalid(
            "file",
            format!(
                "is {w}×{h} pixels ({:.1} megapixels); the limit is {} megapixels",
                pixels as f64 / 1e6,
                MAX_PIXELS / 1_000_000
            ),
        ));
    }
    let (image, orientation) = decode(raw, format)?;
    let bytes = match format {
        Format::Jpeg => strip::jpeg(raw, orientation.to_exif()),
        Format::Png => strip::png(raw),
        Format::Webp => strip::webp(raw),
        Format::Gif => strip::gif(raw),
    }
    .map_err(corrupt)?;
    let sha256 = hex::encode(Sha256::digest(&bytes));
    Ok(Checked {
        format,
        width: image.width(),
        height: image.height(),
        bytes,
        sha256,
    })
}

/// A rendition of a stored image at `width` pixels wide (Lanczos3), in
/// [`Format::rendition`] of its format.
pub fn rendition(original: &[u8], format: Format, width: u32) -> Result<Vec<u8>, AppError> {
    let (image, _) = decode(original, format).map_err(|e| AppError::internal(e.to_string()))?;
    let height = (u64::from(image.height()) * u64::from(width))
        .div_ceil(u64::from(image.width().max(1)))
        .max(1);
    let height = u32::try_from(height).unwrap_or(u32::MAX);
    let resized = image.resize_exact(width, height, FilterType::Lanczos3);
    let mut out = Vec::new();
    let encoded = match format.rendition() {
        Format::Jpeg => DynamicImage::ImageRgb8(resized.to_rgb8()).write_with_encoder(
            image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85),
        ),
        Format::Webp => DynamicImage::ImageRgba8(resized.to_rgba8())
            .write_with_encoder(image::codecs::webp::WebPEncoder::new_lossless(&mut out)),
        Format::Png | Format::Gif => {
            resized.write_with_encoder(image::codecs::png::PngEncoder::new(&mut out))
        }
    };
    encoded.map_err(|e| AppError::internal(format!("encoding a rendition: {e}")))?;
    Ok(out)
}
