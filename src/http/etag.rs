//! Strong entity tags: the hash of a representation's bytes, and the comparisons that
//! `If-None-Match` (weak, RFC 9110 §13.1.2) and `If-Match` (strong, §13.1.1) call for.

use actix_web::HttpRequest;
use actix_web::http::header::{self, HeaderValue};
use sha2::{Digest, Sha256};

use crate::error::AppError;

/// The strong `ETag` of a body: `"` + 32 hex digits of its SHA-256 + `"`.
pub fn of(body: &[u8]) -> String {
    let digest = Sha256::digest(body);
    format!("\"{}\"", hex::encode(&digest[..16]))
}

/// The `ETag` the plain `GET` of `view` would carry (same serializer, same bytes as
/// `http::json_response` sends).
pub fn of_json<T: serde::Serialize>(view: &T) -> Result<String, AppError> {
    serde_json::to_vec(view)
        .map(|bytes| of(&bytes))
        .map_err(AppError::internal)
}

fn tags(list: &str) -> impl Iterator<Item = &str> {
    list.split(',').map(str::trim).filter(|t| !t.is_empty())
}

/// The content codings whose tags carry a suffix (see [`with_coding`]).
const CODINGS: &[&str] = &["gzip", "br", "zstd", "deflate"];

/// The tag of the `coding`-compressed form of a representation tagged `tag`:
/// `"abc"` → `"abc-gzip"`.
pub fn with_coding(tag: &HeaderValue, coding: &str) -> Option<HeaderValue> {
    let tag = tag.to_str().ok()?;
    let inner = tag.strip_prefix('"')?.strip_suffix('"')?;
    HeaderValue::from_str(&format!("\"{inner}-{}\"", coding.to_ascii_lowercase())).ok()
}

/// A tag without its `W/` prefix and coding suffix: the identity representation's tag.
fn base(tag: &str) -> &str {
    let tag = tag.trim_start_matches("W/");
    for coding in CODINGS {
        if let Some(inner) = tag.strip_suffix(&format!("-{coding}\"")) {
            return &tag[..inner.len()];
        }
    }
    tag
}

/// Whether an `If-None-Match` list matches `current` (weak comparison: `W/` is ignored, and
/// so is a content-coding suffix: every coding of one representation revalidates).
pub fn none_match_hits(if_none_match: &HeaderValue, current: &HeaderValue) -> bool {
    let (Ok(list), Ok(current)) = (if_none_match.to_str(), current.to_str()) else {
        return false;
    };
    let current = base(current);
    tags(list).any(|t| t == "*" || base(t).trim_end_matches('"') == current.trim_end_matches('"'))
}

/// The `If-Match` header of `req`, taken out before the work moves to another thread.
pub fn if_match(req: &HttpRequest) -> Option<String> {
    req.headers()
        .get(header::IF_MATCH)
        .map(|v| v.to_str().unwrap_or_default().to_owned())
}

/// `412` unless `if_match` (the request's `If-Match`, if any) names `current` (strong
/// comparison) or is `*`.
pub fn check_if_match(if_match: Option<&str>, current: &str) -> Result<(), AppError> {
    let Some(list) = if_match else {
        return Ok(());
    };
    let current = base(current).trim_end_matches('"');
    if tags(list)
        .any(|t| t == "*" || (!t.starts_with("W/") && base(t).trim_end_matches('"') == current))
    {
        Ok(())
    } else {
        Err(AppError::PreconditionFailed(
            "The resource changed since you read it (If-Match does not match its ETag); \
             GET it again and reapply your change."
                .into(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[test]
    fn the_tag_is_strong_and_stable() {
        let t = of(b"{\"id\":1}");
        assert_eq!(t, of(b"{\"id\":1}"));
        assert_ne!(t, of(b"{\"id\":2}"));
        assert!(t.starts_with('"') && t.ends_with('"') && t.len() == 34);
    }

    #[test]
    fn if_none_match_compares_weakly_and_accepts_lists() {
        let current = HeaderValue::from_static("\"abc\"");
        assert!(none_match_hits(
            &HeaderValue::from_static("\"x\", \"abc\""),
            &current
        ));
        assert!(none_match_hits(
            &HeaderValue::from_static("W/\"abc\""),
            &current
        ));
        assert!(none_match_hits(&HeaderValue::from_static("*"), &current));
        assert!(!none_match_hits(
            &HeaderValue::from_static("\"abd\""),
            &current
        ));
    }

    #[test]
    fn if_match_compares_strongly() {
        assert!(check_if_match(Some("\"abc\""), "\"abc\"").is_ok());
        assert!(check_if_match(Some("\"x\", \"abc\""), "\"abc\"").is_ok());
        assert_eq!(
            check_if_match(Some("\"abd\""), "\"abc\"")
                .unwrap_err()
                .problem()
                .status,
            412
        );
        assert!(check_if_match(Some("W/\"abc\""), "\"abc\"").is_err());
        assert!(check_if_match(Some("\"abc-gzip\""), "\"abc\"").is_ok());
        assert!(check_if_match(None, "\"abc\"").is_ok());
        let req = TestRequest::default()
            .insert_header(("if-match", "\"abc\""))
            .to_http_request();
        assert_eq!(if_match(&req).as_deref(), Some("\"abc\""));
    }
}
