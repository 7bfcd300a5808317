//! HTTP plumbing every resource shares: the JSON and query extractors, lists (pagination,
//! sort, sparse fields, `Link`), entity tags, caching headers, middleware and the fallback
//! for unknown routes.

pub mod etag;
pub mod json;
pub mod list;
pub mod middleware;
pub mod query;
pub mod routes;

use actix_web::HttpRequest;
use actix_web::http::header::{self, HeaderValue};

pub use json::Json;
pub use query::Query;

/// `Cache-Control` for anonymous reads of public content.
pub const CACHE_PUBLIC: HeaderValue = HeaderValue::from_static("public, max-age=60");
/// `Cache-Control` for answers that depend on the caller's token.
pub const CACHE_PRIVATE: HeaderValue = HeaderValue::from_static("private, no-store");

/// The header pair for a `Cache-Control` value.
pub fn cache_control(value: HeaderValue) -> (header::HeaderName, HeaderValue) {
    (header::CACHE_CONTROL, value)
}

/// Whether the client address may be taken from `Forwarded`/`X-Forwarded-For`
/// (`DATELINE_TRUST_PROXY`), stored in the app data.
#[derive(Debug, Clone, Copy)]
pub struct TrustProxy(pub bool);

/// The client's address: the TCP peer, or the first forwarded address when the service sits
/// behind a trusted proxy. Used for rate limits and logs.
pub fn client_addr(req: &HttpRequest) -> String {
    let trust = req
        .app_data::<actix_web::web::Data<TrustProxy>>()
        .is_some_and(|t| t.0);
    let info = req.connection_info();
    let addr = if trust {
        info.realip_remote_addr()
    } else {
        info.peer_addr()
    };
    let addr = addr.unwrap_or("unknown");
    // Drop the port: one client opens many connections.
    match addr.parse::<std::net::SocketAddr>() {
        Ok(sa) => sa.ip().to_string(),
        Err(_) => addr.to_owned(),
    }
}
