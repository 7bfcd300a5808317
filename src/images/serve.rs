//! Serving stored bytes: `Range` requests (RFC 9110 §14), and a body streamed from the store
//! in chunks rather than read whole into memory.

use std::io::{Read, SeekFrom};

use actix_web::HttpResponse;
use actix_web::body::SizedStream;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::web::{self, Bytes};
use futures_util::stream;

use actix_web::ResponseError;

use crate::error::AppError;
use crate::images::storage::ReadSeek;

const CHUNK: u64 = 64 * 1024;

/// What a `Range` header asks of a body of `len` bytes.
#[derive(Debug, PartialEq, Eq)]
pub enum Ranged {
    /// No (usable) range: the whole body.
    Whole,
    /// Bytes `start..=end`.
    Part { start: u64, end: u64 },
    /// A range that lies outside the body: `416`.
    Unsatisfiable,
}

/// Parses a single `bytes=` range; several ranges, or another unit, fall back to the whole
/// body (which RFC 9110 allows).
pub fn parse_range(value: Option<&str>, len: u64) -> Ranged {
    let Some(spec) = value.and_then(|v| v.trim().strip_prefix("bytes=")) else {
        return Ranged::Whole;
    };
    if spec.contains(',') {
        return Ranged::Whole;
    }
    let Some((first, last)) = spec.trim().split_once('-') else {
        return Ranged::Whole;
    };
    let (first, last) = (first.trim(), last.trim());
    let (start, end) = match (first.parse::<u64>(), last.parse::<u64>()) {
        // bytes=-500: the last 500 bytes.
        (Err(_), Ok(suffix)) if first.is_empty() => {
            if suffix == 0 || len == 0 {
                return Ranged::Unsatisfiable;
            }
            (len.saturating_sub(suffix), len - 1)
        }
        // bytes=100-: from 100 to the end.
        (Ok(start), Err(_)) if last.is_empty() => (start, len.saturating_sub(1)),
        (Ok(start), Ok(end)) if start <= end => (start, end.min(len.saturating_sub(1))),
        _ => return Ranged::Whole,
    };
    if start >= len {
        Ranged::Unsatisfiable
    } else {
        Ranged::Part { start, end }
    }
}

/// Streams `len` bytes of `reader` from `start`, a chunk at a time on the blocking pool.
fn body(
    reader: Box<dyn ReadSeek>,
    start: u64,
    len: u64,
) -> SizedStream<impl futures_util::Stream<Item = Result<Bytes, actix_web::Error>>> {
    let state = Some((reader, start, len, true));
    let chunks = stream::unfold(state, |state| async move {
        let (mut reader, start, left, first) = state?;
        if left == 0 {
            return None;
        }
        let n = left.min(CHUNK);
        let read = web::block(move || -> std::io::Result<_> {
            if first {
                std::io::Seek::seek(&mut reader, SeekFrom::Start(start))?;
            }
            let mut buf = vec![0; usize::try_from(n).unwrap_or(0)];
            reader.read_exact(&mut buf)?;
            Ok((reader, buf))
        })
        .await;
        match read {
            Ok(Ok((reader, buf))) => {
                Some((Ok(Bytes::from(buf)), Some((reader, start, left - n, false))))
            }
            Ok(Err(e)) => Some((Err(actix_web::error::ErrorInternalServerError(e)), None)),
            Err(e) => Some((Err(actix_web::error::ErrorInternalServerError(e)), None)),
        }
    });
    SizedStream::new(len, chunks)
}

/// The answer for stored bytes: `200` with everything, `206` with the asked range, or `416`;
/// always with the given content type and entity tag, long-lived immutable caching, and
/// `Accept-Ranges`. A `Range` with an `If-Range` that no longer matches gets everything.
pub fn respond(
    len: u64,
    reader: Box<dyn ReadSeek>,
    content_type: &str,
    etag: &str,
    range: Option<&str>,
    if_range: Option<&str>,
) -> Result<HttpResponse, AppError> {
    let range = match if_range {
        Some(tag) if tag.trim() != etag => None,
        _ => range,
    };
    let mut res = HttpResponse::build(StatusCode::OK);
    res.insert_header((header::CONTENT_TYPE, content_type.to_owned()))
        .insert_header((header::ETAG, etag.to_owned()))
        .insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable"))
        .insert_header((header::ACCEPT_RANGES, "bytes"));
    match parse_range(range, len) {
        Ranged::Whole => Ok(res.body(body(reader, 0, len))),
        Ranged::Part { start, end } => {
            res.status(StatusCode::PARTIAL_CONTENT);
            res.insert_header((header::CONTENT_RANGE, format!("bytes {start}-{end}/{len}")));
            Ok(res.body(body(reader, start, end - start + 1)))
        }
        Ranged::Unsatisfiable => {
            let mut res = AppError::RangeNotSatisfiable(format!(
                "The file has {len} bytes; the range asked for lies outside them."
            ))
            .error_response();
            if let Ok(v) = HeaderValue::from_str(&format!("bytes */{len}")) {
                res.headers_mut().insert(header::CONTENT_RANGE, v);
            }
            Ok(res)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        assert_eq!(parse_range(None, 100), Ranged::Whole);
        assert_eq!(
            parse_range(Some("bytes=0-9"), 100),
            Ranged::Part { start: 0, end: 9 }
        );
        assert_eq!(
            parse_range(Some("bytes=90-"), 100),
            Ranged::Part { start: 90, end: 99 }
        );
        assert_eq!(
            parse_range(Some("bytes=-10"), 100),
            Ranged::Part { start: 90, end: 99 }
        );
        assert_eq!(
            parse_range(Some("bytes=50-500"), 100),
            Ranged::Part { start: 50, end: 99 }
        );
        assert_eq!(
            parse_range(Some("bytes=-500"), 100),
            Ranged::Part { start: 0, end: 99 }
        );
        assert_eq!(parse_range(Some("bytes=100-"), 100), Ranged::Unsatisfiable);
        assert_eq!(parse_range(Some("bytes=-0"), 100), Ranged::Unsatisfiable);
        assert_eq!(parse_range(Some("bytes=0-1,5-6"), 100), Ranged::Whole);
        assert_eq!(parse_range(Some("bytes=9-0"), 100), Ranged::Whole);
        assert_eq!(parse_range(Some("items=0-1"), 100), Ranged::Whole);
        assert_eq!(parse_range(Some("bytes=x-y"), 100), Ranged::Whole);
    }
}
