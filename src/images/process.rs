//! Checking an upload and making renditions. CPU and memory work: call from a blocking
//! thread, holding a decode permit (`Media::decode_permit`).

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
/// The most bytes a picture may take decoded: 40 megapixels of 8-bit RGBA (a PNG's 16-bit
/// channels are cut to 8 as they are decoded, so no picture within [`MAX_PIXELS`] takes more;
/// the check stays, should a decoder ever change).
pub const MAX_DECODED_BYTES: u64 = 160 * 1024 * 1024;
/// The widths renditions come in unless `DATELINE_IMAGE_WIDTHS` says otherwise.
pub const DEFAULT_WIDTHS: [u32; 5] = [160, 320, 640, 1024, 1600];
/// The widest rendition `DATELINE_IMAGE_WIDTHS` may name.
pub const MAX_WIDTH: u32 = 4096;
/// The most rendition widths `DATELINE_IMAGE_WIDTHS` may name.
pub const MAX_WIDTHS: usize = 16;

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

/// A `422` for a picture that takes more than [`MAX_DECODED_BYTES`] decoded.
fn within_decode_budget(w: u32, h: u32, decoded: u64) -> Result<(), AppError> {
    if decoded <= MAX_DECODED_BYTES {
        return Ok(());
    }
    Err(AppError::invalid(
        "file",
        format!(
            "is {w}×{h} pixels that take {} MB decoded; the limit is {} MB (40 megapixels at \
             8 bits a channel): save it with 8 bits a channel, or with fewer pixels",
            decoded / 1_000_000,
            MAX_DECODED_BYTES / 1_000_000
        ),
    ))
}

/// What decoding `width`×`height` pixels and making a rendition of them may take at most,
/// reserved before decoding: the decoded picture (8-bit RGBA, the most any decoder here makes
/// of a pixel, and never more than [`MAX_DECODED_BYTES`]) and a fifth more for the shrunk
/// copy beside it. (A non-interlaced PNG takes far less: it is shrunk as it is decoded.)
pub fn decode_reservation(width: u32, height: u32) -> u64 {
    let decoded = (u64::from(width) * u64::from(height) * 4).min(MAX_DECODED_BYTES);
    decoded + decoded / 5
}

fn limits() -> Limits {
    let mut limits = Limits::default();
    // The picture itself (at most MAX_DECODED_BYTES), with room for the decoder's buffers.
    limits.max_alloc = Some(MAX_DECODED_BYTES + 64 * 1024 * 1024);
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits
}

/// The longest side an image may have, in pixels.
pub const MAX_SIDE: u32 = 65_535;

fn corrupt(why: impl std::fmt::Display) -> AppError {
    AppError::invalid(
        "file",
        format!("is not a readable image (truncated or corrupt): {why}"),
    )
}

/// Decodes `bytes` (whose size was checked) with limits, in a decode slot; returns the picture
/// as displayed: a JPEG's EXIF orientation applied (other formats keep no orientation).
fn decode(bytes: &[u8], format: Format) -> Result<DynamicImage, AppError> {
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format.image_format());
    reader.limits(limits());
    let mut decoder = reader.into_decoder().map_err(corrupt)?;
    let orientation = match format {
        Format::Jpeg => decoder.orientation().unwrap_or(Orientation::NoTransforms),
        _ => Orientation::NoTransforms,
    };
    let mut image = DynamicImage::from_decoder(decoder).map_err(corrupt)?;
    image.apply_orientation(orientation);
    Ok(image)
}

/// A PNG reader that hands out rows at 8 bits a channel: palettes expanded, 16-bit channels
/// cut to 8 as they arrive (a screen shows no more, and the picture costs half the memory).
fn png_reader(bytes: &[u8]) -> Result<png::Reader<Cursor<&[u8]>>, AppError> {
    let mut decoder = png::Decoder::new(Cursor::new(bytes));
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    decoder.read_info().map_err(corrupt)
}

/// The bytes of the picture `reader` hands out, at 8 bits a channel.
fn png_size(reader: &png::Reader<Cursor<&[u8]>>) -> Result<usize, AppError> {
    reader
        .output_buffer_size()
        .ok_or_else(|| corrupt("its size overflows"))
}

/// What a PNG takes decoded at 8 bits a channel.
fn png_decoded_bytes(bytes: &[u8]) -> Result<u64, AppError> {
    let size = png_size(&png_reader(bytes)?)?;
    Ok(u64::try_from(size).unwrap_or(u64::MAX))
}

/// Decodes every row of a PNG and drops it: the whole data stream is checked (a file that
/// ends early or fails its checksums is a `422`) without ever holding the picture.
fn png_check(bytes: &[u8]) -> Result<(), AppError> {
    let mut reader = png_reader(bytes)?;
    while reader.next_row().map_err(corrupt)?.is_some() {}
    Ok(())
}

/// A PNG ready to be resized to `width`: a non-interlaced one decoded already shrunk by the
/// largest whole factor that keeps it at least `width` wide (a 40-megapixel picture made
/// 1,600 wide holds 17 MB, not 160), an interlaced one (its rows come in seven passes) whole.
fn png_for_width(bytes: &[u8], width: u32) -> Result<DynamicImage, AppError> {
    let mut reader = png_reader(bytes)?;
    let info = reader.info();
    let (w, h, interlaced) = (info.width, info.height, info.interlaced);
    let (color, _) = reader.output_color_type();
    let (k, pixels) = if interlaced {
        let mut pixels = vec![0; png_size(&reader)?];
        reader.next_frame(&mut pixels).map_err(corrupt)?;
        (1, pixels)
    } else {
        let k = (w / width.max(1)).max(1);
        let mut shrink = BoxShrink::new(w, h, color.samples(), k);
        while let Some(row) = reader.next_row().map_err(corrupt)? {
            shrink.push(row.data());
        }
        (k, shrink.finish())
    };
    let (w, h) = (w.div_ceil(k), h.div_ceil(k));
    let image = match color {
        png::ColorType::Grayscale => {
            image::GrayImage::from_raw(w, h, pixels).map(DynamicImage::ImageLuma8)
        }
        png::ColorType::GrayscaleAlpha => {
            image::GrayAlphaImage::from_raw(w, h, pixels).map(DynamicImage::ImageLumaA8)
        }
        png::ColorType::Rgb => image::RgbImage::from_raw(w, h, pixels).map(DynamicImage::ImageRgb8),
        png::ColorType::Rgba => {
            image::RgbaImage::from_raw(w, h, pixels).map(DynamicImage::ImageRgba8)
        }
        png::ColorType::Indexed => None,
    };
    image.ok_or_else(|| corrupt("its rows do not fill the picture its header gives"))
}

/// Averages blocks of `k`×`k` pixels as rows stream in: a picture shrunk by an integer
/// factor while it is decoded, holding only the shrunk copy and one row of sums.
struct BoxShrink {
    k: usize,
    width: usize,
    channels: usize,
    sums: Vec<u32>,
    rows: usize,
    out: Vec<u8>,
}

impl BoxShrink {
    fn new(width: u32, height: u32, channels: usize, k: u32) -> Self {
        let (k, width) = (k.max(1) as usize, width as usize);
        let out_width = width.div_ceil(k);
        let out_height = (height as usize).div_ceil(k);
        Self {
            k,
            width,
            channels,
            sums: vec![0; out_width * channels],
            rows: 0,
            out: Vec::with_capacity(out_width * out_height * channels),
        }
    }

    fn push(&mut self, row: &[u8]) {
        let ch = self.channels;
        for (x, pixel) in row.chunks_exact(ch).take(self.width).enumerate() {
            let at = (x / self.k) * ch;
            for (sum, v) in self.sums[at..at + ch].iter_mut().zip(pixel) {
                *sum += u32::from(*v);
            }
        }
        self.rows += 1;
        if self.rows == self.k {
            self.emit();
        }
    }

    fn emit(&mut self) {
        let ch = self.channels;
        for (ox, sums) in self.sums.chunks_exact_mut(ch).enumerate() {
            let cols = self.k.min(self.width - ox * self.k);
            let n = (cols * self.rows) as u32;
            for sum in sums {
                self.out.push(((*sum + n / 2) / n) as u8);
                *sum = 0;
            }
        }
        self.rows = 0;
    }

    /// The shrunk picture's bytes.
    fn finish(mut self) -> Vec<u8> {
        if self.rows > 0 {
            self.emit();
        }
        self.out
    }
}

/// A JPEG's EXIF orientation, read from its header only.
fn jpeg_orientation(raw: &[u8]) -> Orientation {
    ImageReader::with_format(Cursor::new(raw), image::ImageFormat::Jpeg)
        .into_decoder()
        .ok()
        .and_then(|mut d| d.orientation().ok())
        .unwrap_or(Orientation::NoTransforms)
}

/// Decodes a JPEG strictly: data that ends early or does not add up is an error (the
/// lenient decoder would paint the missing part grey).
fn check_jpeg_pixels(bytes: &[u8]) -> Result<(), AppError> {
    let options = zune_core::options::DecoderOptions::default()
        .set_strict_mode(true)
        .set_max_width(MAX_SIDE as usize)
        .set_max_height(MAX_SIDE as usize);
    let mut decoder = zune_jpeg::JpegDecoder::new_with_options(
        zune_core::bytestream::ZCursor::new(bytes),
        options,
    );
    decoder
        .decode()
        .map(|_| ())
        .map_err(|e| corrupt(format!("{e:?}")))
}

/// Checks an upload: a known format by its bytes (else `415`); metadata removed, and the
/// structure walked (a file that ends early is a `422`); at most [`MAX_PIXELS`] and
/// [`MAX_SIDE`], read from the header *before* any pixel is decoded (else `422`); then a
/// full decode of exactly the bytes that will be stored (a corrupt file is a `422`).
pub fn check(raw: Vec<u8>) -> Result<Checked, AppError> {
    let format = Format::sniff(&raw).ok_or_else(|| {
        AppError::UnsupportedMediaType(
            "The file is not a JPEG, PNG, WebP or GIF image (judged by its bytes, not its name \
             or declared type)."
                .into(),
        )
    })?;
    let orientation = match format {
        Format::Jpeg => jpeg_orientation(&raw),
        _ => Orientation::NoTransforms,
    };
    let bytes = match format {
        Format::Jpeg => strip::jpeg(&raw, orientation.to_exif()),
        Format::Png => strip::png(&raw),
        Format::Webp => strip::webp(&raw),
        Format::Gif => strip::gif(&raw),
    }
    .map_err(corrupt)?;
    // From here on, only the stripped copy.
    drop(raw);
    let (w, h) = ImageReader::with_format(Cursor::new(&bytes), format.image_format())
        .into_dimensions()
        .map_err(corrupt)?;
    if w > MAX_SIDE || h > MAX_SIDE {
        return Err(AppError::invalid(
            "file",
            format!("is {w}×{h} pixels; a side may be at most {MAX_SIDE} pixels"),
        ));
    }
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
    let decoded = match format {
        Format::Png => png_decoded_bytes(&bytes)?,
        _ => ImageReader::with_format(Cursor::new(&bytes), format.image_format())
            .into_decoder()
            .map_err(corrupt)?
            .total_bytes(),
    };
    within_decode_budget(w, h, decoded)?;
    // As displayed: a JPEG turned a quarter is as wide as it is stored high.
    let (width, height) = if format == Format::Jpeg {
        // Every 8×8 block of the picture costs at least a bit of data: a header that claims
        // far more pixels than the data could hold is a lie (the decoder would fill the rest
        // with grey, at the full cost of decoding it).
        let blocks = u64::from(w.div_ceil(8)) * u64::from(h.div_ceil(8));
        if (bytes.len() as u64) * 8 < blocks {
            return Err(corrupt(format!(
                "{} bytes of data cannot hold a {w}×{h} picture",
                bytes.len()
            )));
        }
        check_jpeg_pixels(&bytes)?;
        match orientation {
            Orientation::Rotate90
            | Orientation::Rotate270
            | Orientation::Rotate90FlipH
            | Orientation::Rotate270FlipH => (h, w),
            _ => (w, h),
        }
    } else if format == Format::Png {
        png_check(&bytes)?;
        (w, h)
    } else {
        let image = decode(&bytes, format)?;
        (image.width(), image.height())
    };
    let sha256 = hex::encode(Sha256::digest(&bytes));
    Ok(Checked {
        format,
        width,
        height,
        bytes,
        sha256,
    })
}

/// A rendition of a stored image at `width` pixels wide (Lanczos3, 8 bits a channel), in
/// [`Format::rendition`] of its format.
pub fn rendition(original: &[u8], format: Format, width: u32) -> Result<Vec<u8>, AppError> {
    let image = match format {
        Format::Png => png_for_width(original, width),
        _ => decode(original, format),
    }
    .map_err(|e| AppError::internal(e.to_string()))?;
    // Resizing at 16 bits a channel costs twice the memory for nothing a screen shows.
    let image = if image.color().bytes_per_pixel() > image.color().channel_count() {
        if image.color().has_alpha() {
            DynamicImage::ImageRgba8(image.to_rgba8())
        } else {
            DynamicImage::ImageRgb8(image.to_rgb8())
        }
    } else {
        image
    };
    let height = (u64::from(image.height()) * u64::from(width))
        .div_ceil(u64::from(image.width().max(1)))
        .max(1);
    let height = u32::try_from(height).unwrap_or(u32::MAX);
    // Lanczos3 keeps a row-resampled copy of the picture in 32-bit floats (for a
    // 40-megapixel picture made 1,600 wide, another 160 MB beside the decoded one): from more
    // than twice the width, first shrink to twice it with the integer box filter (no such
    // copy), free the decoded picture, then Lanczos3 the small one.
    let image = if image.width() > width.saturating_mul(2) {
        let step = image.thumbnail_exact(width.saturating_mul(2), height.saturating_mul(2));
        drop(image);
        step
    } else {
        image
    };
    let resized = image.resize_exact(width, height, FilterType::Lanczos3);
    drop(image);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_picture_is_refused_by_its_decoded_bytes_and_reserves_what_it_can_take() {
        // 40 megapixels of 8-bit RGBA pass; a decoder that made 16-bit RGBA of as many (320
        // MB) would be refused, and say why (PNGs are decoded at 8 bits: see below).
        let (w, h) = (6320, 6320);
        let pixels = u64::from(w) * u64::from(h);
        assert!(within_decode_budget(w, h, pixels * 4).is_ok());
        let p = within_decode_budget(w, h, pixels * 8)
            .unwrap_err()
            .problem();
        assert_eq!(p.status, 422);
        assert!(
            p.errors[0].message.contains("8 bits a channel"),
            "{}",
            p.errors[0].message
        );
        // A reservation never exceeds the largest picture plus its shrunk copy, so the
        // largest decodes alone within the budget, and small ones reserve little.
        assert_eq!(decode_reservation(w, h), pixels * 4 * 6 / 5);
        assert!(decode_reservation(w, h) <= MAX_DECODED_BYTES + MAX_DECODED_BYTES / 5);
        assert!(decode_reservation(w, h) <= u64::from(crate::images::DECODE_BUDGET_MIB) << 20);
        assert_eq!(decode_reservation(1600, 1200), 1600 * 1200 * 4 * 6 / 5);
    }

    /// A 16-bit RGBA PNG, `w`×`h`, red rising left to right, opaque.
    fn png16(w: u32, h: u32) -> Vec<u8> {
        let mut out = Vec::new();
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(png::ColorType::Rgba);
        enc.set_depth(png::BitDepth::Sixteen);
        let mut writer = enc.write_header().unwrap();
        let mut data = Vec::new();
        for _ in 0..h {
            for x in 0..w {
                let red = (x * 65535 / (w - 1)) as u16;
                for v in [red, 0, 0x8000, 0xFFFF] {
                    data.extend_from_slice(&v.to_be_bytes());
                }
            }
        }
        writer.write_image_data(&data).unwrap();
        writer.finish().unwrap();
        out
    }

    #[test]
    fn a_sixteen_bit_png_is_checked_row_by_row_and_shrunk_as_it_is_decoded() {
        // The same picture, 140×70, Adam7-interlaced (made with Python's zlib: the encoder
        // here writes no interlaced PNG).
        let interlaced = include_bytes!("../../tests/fixtures/interlaced-16bit.png").to_vec();
        for (raw, (w, h)) in [(png16(700, 350), (700, 350)), (interlaced, (140, 70))] {
            let checked = check(raw.clone()).unwrap();
            assert_eq!((checked.width, checked.height), (w, h));
            // Cut short, the data stream no longer checks out.
            let cut = &raw[..raw.len() - 40];
            assert_eq!(check(cut.to_vec()).unwrap_err().problem().status, 422);
            let small = png_for_width(&checked.bytes, 160).unwrap();
            // Shrunk by 4 (700 / 160) as it is decoded; the interlaced one whole; at 8 bits
            // a channel either way.
            let expect = if w == 700 { (175, 88) } else { (140, 70) };
            assert_eq!((small.width(), small.height()), expect);
            assert_eq!(small.color(), image::ColorType::Rgba8);
            let rgba = small.to_rgba8();
            let left = rgba.get_pixel(0, 0).0;
            let right = rgba.get_pixel(small.width() - 1, 0).0;
            assert!(left[0] < 10 && right[0] > 245, "{left:?} {right:?}");
            assert_eq!(&left[1..], &[0, 128, 255]);
            let out = rendition(&checked.bytes, Format::Png, 120).unwrap();
            let made = image::load_from_memory(&out).unwrap();
            assert_eq!((made.width(), made.height()), (120, 60));
        }
    }

    #[test]
    fn box_shrink_averages_whole_blocks_and_the_ragged_edge() {
        // 5×3 grey, shrunk by 2: blocks of 2×2, 2×2, 1×2 over 1×… at the edges.
        let rows: [[u8; 5]; 3] = [
            [0, 10, 20, 30, 40],
            [10, 20, 30, 40, 50],
            [100, 100, 0, 0, 7],
        ];
        let mut shrink = BoxShrink::new(5, 3, 1, 2);
        for row in &rows {
            shrink.push(row);
        }
        assert_eq!(shrink.finish(), vec![10, 30, 45, 100, 0, 7]);
    }
}
