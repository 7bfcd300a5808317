//! The middleware every request passes through (see `app::app` for their order).

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use actix_web::body::{BodySize, BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, HttpResponse};

use crate::http::etag;

/// The request id header, read from a trusted upstream or made here, and always sent back.
pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The id of the request being served, in its extensions.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// An incoming request id is kept when it is short and plain, so ids can follow a request
/// through a proxy; anything else is replaced.
fn usable_request_id(value: &HeaderValue) -> Option<String> {
    let s = value.to_str().ok()?;
    let plain = !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    plain.then(|| s.to_owned())
}

/// A new request id: a random number drawn once per process, plus a counter, so ids are
/// unique across restarts without a system call per request.
fn new_request_id() -> String {
    static BASE: OnceLock<u64> = OnceLock::new();
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let base = *BASE.get_or_init(|| {
        getrandom::u64().unwrap_or_else(|_| {
            // The clock is a poor but harmless stand-in: ids only correlate log lines.
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or_default()
        })
    });
    format!(
        "{:016x}",
        base.wrapping_add(NEXT.fetch_add(1, Ordering::Relaxed))
    )
}

/// Gives each request an id (`X-Request-Id`), answers `HEAD` as `GET` without a body, and
/// The path as the log keeps it: a preview token is a credential (whoever holds it reads the
/// draft), so `/api/v1/previews/{token}` is logged without it.
fn loggable(path: &str) -> String {
    match path.strip_prefix(PREVIEWS) {
        Some(token) if !token.is_empty() => format!("{PREVIEWS}…"),
        _ => path.to_owned(),
    }
}

const PREVIEWS: &str = "/api/v1/previews/";

/// logs one line per request: method, path, status, latency, client and id.
pub async fn request_log(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let start = Instant::now();
    let id = req
        .headers()
        .get(&REQUEST_ID)
        .and_then(usable_request_id)
        .unwrap_or_else(new_request_id);
    let method = req.method().clone();
    if method == Method::HEAD {
        // actix-http still sends no body for a HEAD request; routing sees a GET.
        req.head_mut().method = Method::GET;
    }
    let path = loggable(req.path());
    let client = super::client_addr(req.request());
    req.extensions_mut().insert(RequestId(id.clone()));

    let mut res = next.call(req).await?;
    let status = res.status();
    let latency_ms = (start.elapsed().as_secs_f64() * 1_000_000.0).round() / 1000.0;
    if let Ok(value) = HeaderValue::from_str(&id) {
        res.headers_mut().insert(REQUEST_ID, value);
    }
    if status.is_server_error() {
        let cause = res.response().error().map(ToString::to_string);
        tracing::error!(
            request_id = %id, method = %method, path = %path, status = status.as_u16(),
            latency_ms, client = %client, cause = cause.as_deref().unwrap_or("-"),
            "request failed"
        );
    } else {
        tracing::info!(
            request_id = %id, method = %method, path = %path, status = status.as_u16(),
            latency_ms, client = %client, "request"
        );
    }
    Ok(res)
}

/// Gives every successful `GET` a strong `ETag` (the hash of its body, unless the handler set
/// one). Responses without a `Cache-Control` get `private, no-store`: caching is opt-in, per
/// handler. Runs inside the compression layer, so the tag is of the identity body.
pub async fn entity_tag(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let is_get = req.method() == Method::GET;
    let mut res = next.call(req).await?;
    if !res.headers().contains_key(header::CACHE_CONTROL) {
        res.headers_mut().insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("private, no-store"),
        );
    }
    if !is_get || res.status() != StatusCode::OK || res.headers().contains_key(header::ETAG) {
        return Ok(res.map_into_boxed_body());
    }
    let (req, res) = res.into_parts();
    let (mut res, body) = res.into_parts();
    let body: BoxBody = match body.size() {
        BodySize::Sized(_) => {
            let bytes = actix_web::body::to_bytes(body).await.map_err(|e| {
                let e: Box<dyn std::error::Error> = e.into();
                actix_web::error::ErrorInternalServerError(e.to_string())
            })?;
            if let Ok(value) = HeaderValue::from_str(&etag::of(&bytes)) {
                res.headers_mut().insert(header::ETAG, value);
            }
            BoxBody::new(bytes)
        }
        _ => body.boxed(),
    };
    Ok(ServiceResponse::new(req, res.set_body(body)))
}

/// Every representation that may be compressed says so in `Vary`, compressed or not, so a
/// shared cache never hands a compressed body to a client that cannot read it (or the
/// reverse). Images are never compressed.
fn vary_on_encoding<B>(res: &mut ServiceResponse<B>) {
    let is_image = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("image/"));
    let varies = res
        .headers()
        .get_all(header::VARY)
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.to_ascii_lowercase().contains("accept-encoding"));
    if !is_image && !varies {
        res.headers_mut()
            .append(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    }
}

/// Answers `304 Not Modified` when `If-None-Match` names the response's `ETag`. Runs outside
/// the compression layer: a compressed body is another representation, so its strong tag
/// gets the coding as a suffix (`"…-gzip"`); either form of the tag revalidates.
pub async fn not_modified(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let is_get = req.method() == Method::GET;
    let if_none_match = req.headers().get(header::IF_NONE_MATCH).cloned();
    let mut res = next.call(req).await?;
    vary_on_encoding(&mut res);
    let revalidates = matches!(res.status(), StatusCode::OK | StatusCode::PARTIAL_CONTENT);
    if !is_get || !revalidates {
        return Ok(res.map_into_boxed_body());
    }
    let coding = res
        .headers()
        .get(header::CONTENT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .filter(|c| !c.eq_ignore_ascii_case("identity"))
        .map(str::to_owned);
    if let (Some(coding), Some(tag)) = (coding, res.headers().get(header::ETAG).cloned())
        && let Some(tagged) = etag::with_coding(&tag, &coding)
    {
        res.headers_mut().insert(header::ETAG, tagged);
    }
    let hit = match (&if_none_match, res.headers().get(header::ETAG)) {
        (Some(inm), Some(tag)) => etag::none_match_hits(inm, tag),
        _ => false,
    };
    if !hit {
        return Ok(res.map_into_boxed_body());
    }
    let mut not_modified = HttpResponse::NotModified();
    for name in [
        header::ETAG,
        header::CACHE_CONTROL,
        header::VARY,
        header::EXPIRES,
    ] {
        for v in res.headers().get_all(&name) {
            not_modified.append_header((name.clone(), v.clone()));
        }
    }
    let (req, _) = res.into_parts();
    Ok(ServiceResponse::new(req, not_modified.finish()))
}

/// The `Content-Security-Policy` of Swagger UI at `/docs/`: its own scripts and styles (it
/// sets inline styles), images from itself or `data:` URLs, requests to this origin only, and
/// never framed.
const DOCS_CSP: HeaderValue = HeaderValue::from_static(
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
     img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; \
     frame-ancestors 'none'",
);
/// The policy of everything else: JSON and images are never documents that run anything.
const API_CSP: HeaderValue =
    HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'; sandbox");

/// Headers every answer carries: `nosniff`, no `Referer` to other sites, and a
/// `Content-Security-Policy` that lets only Swagger UI's pages run scripts.
pub async fn security_headers(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let csp = if req.path() == "/docs" || req.path().starts_with("/docs/") {
        DOCS_CSP
    } else {
        API_CSP
    };
    let mut res = next.call(req).await?;
    let headers = res.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(header::CONTENT_SECURITY_POLICY, csp);
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preview_tokens_stay_out_of_the_log() {
        assert_eq!(
            loggable("/api/v1/previews/eyJ0.eyJz.sig"),
            "/api/v1/previews/…"
        );
        assert_eq!(loggable("/api/v1/previews/"), "/api/v1/previews/");
        assert_eq!(loggable("/api/v1/articles/qaim"), "/api/v1/articles/qaim");
    }
}
