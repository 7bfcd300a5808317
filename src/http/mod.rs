//! HTTP plumbing every resource shares: the JSON and query extractors, lists (pagination,
//! sort, sparse fields, `Link`), entity tags, caching headers, middleware and the fallback
//! for unknown routes.

pub mod cache;
pub mod etag;
pub mod json;
pub mod list;
pub mod middleware;
pub mod query;
pub mod routes;

use actix_web::HttpRequest;

use crate::config::ProxyHeader;
use actix_web::http::header::{self, HeaderValue};

pub use json::{Json, OptionalJson};
pub use query::Query;

/// `Cache-Control` for anonymous reads of public content.
pub const CACHE_PUBLIC: HeaderValue = HeaderValue::from_static("public, max-age=60");
/// `Cache-Control` for answers that depend on the caller's token.
pub const CACHE_PRIVATE: HeaderValue = HeaderValue::from_static("private, no-store");

/// The header pair for a `Cache-Control` value.
pub fn cache_control(value: HeaderValue) -> (header::HeaderName, HeaderValue) {
    (header::CACHE_CONTROL, value)
}

/// The `Cache-Control` of a read of public content: shared caches may keep what an anonymous
/// reader got; an answer to a token may show more and is private.
pub fn read_cache(anonymous: bool) -> HeaderValue {
    if anonymous {
        CACHE_PUBLIC
    } else {
        CACHE_PRIVATE
    }
}

/// A JSON answer with the strong `ETag` of its body and the given `Cache-Control`; `fields`
/// cuts it to a sparse fieldset (then the tag is of what is sent).
pub fn json_response<T: serde::Serialize>(
    status: actix_web::http::StatusCode,
    view: &T,
    fields: Option<&[&'static str]>,
    cache: HeaderValue,
) -> Result<actix_web::HttpResponse, crate::error::AppError> {
    let value = serde_json::to_value(view).map_err(crate::error::AppError::internal)?;
    let body = serde_json::to_vec(&list::sparse(value, fields))
        .map_err(crate::error::AppError::internal)?;
    let mut res = actix_web::HttpResponse::build(status);
    if cache == CACHE_PUBLIC {
        res.insert_header((header::VARY, "Authorization"));
    }
    res.insert_header((header::ETAG, etag::of(&body)))
        .insert_header((header::CACHE_CONTROL, cache))
        .content_type("application/json");
    Ok(res.body(body))
}

/// A `201 Created` answer for a new resource under `/api/v1/{collection}/{id}`, with its
/// `Location` and `ETag`.
pub fn created<T: serde::Serialize>(
    public_url: &str,
    collection: &str,
    id: i64,
    view: &T,
) -> Result<actix_web::HttpResponse, crate::error::AppError> {
    located(
        actix_web::http::StatusCode::CREATED,
        public_url,
        &format!("{collection}/{id}"),
        view,
    )
}

/// A `status` answer (`201`, `202`) with `view` and `Location: {public_url}/api/v1/{path}`.
pub fn located<T: serde::Serialize>(
    status: actix_web::http::StatusCode,
    public_url: &str,
    path: &str,
    view: &T,
) -> Result<actix_web::HttpResponse, crate::error::AppError> {
    let mut res = json_response(status, view, None, CACHE_PRIVATE)?;
    let location = format!("{public_url}/api/v1/{path}");
    if let Ok(value) = HeaderValue::from_str(&location) {
        res.headers_mut().insert(header::LOCATION, value);
    }
    Ok(res)
}

/// The header a trusted proxy names the client in (`DATELINE_TRUST_PROXY`), in the app data.
#[derive(Debug, Clone, Copy)]
pub struct TrustProxy(pub ProxyHeader);

/// The client's address: the TCP peer or, behind a trusted proxy, the address that proxy
/// saw: the *last* entry of the one header it sets, the entry it added itself. Earlier
/// entries, and other headers, come from the client and prove nothing. Used for rate limits
/// and logs.
pub fn client_addr(req: &HttpRequest) -> String {
    let header = req
        .app_data::<actix_web::web::Data<TrustProxy>>()
        .map_or(ProxyHeader::None, |t| t.0);
    let forwarded = forwarded_for(req, header);
    let peer = req.peer_addr().map(|a| a.ip().to_string());
    forwarded.or(peer).unwrap_or_else(|| "unknown".to_owned())
}

fn forwarded_for(req: &HttpRequest, trusted: ProxyHeader) -> Option<String> {
    let last = |name: header::HeaderName, sep: char| {
        req.headers()
            .get_all(name)
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(sep))
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .last()
            .map(str::to_owned)
    };
    if trusted == ProxyHeader::XForwardedFor {
        return last(header::HeaderName::from_static("x-forwarded-for"), ',')
            .map(|addr| strip_port(&addr));
    }
    if trusted != ProxyHeader::Forwarded {
        return None;
    }
    let element = last(header::FORWARDED, ',')?;
    element
        .split(';')
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| k.eq_ignore_ascii_case("for"))
        .map(|(_, v)| strip_port(v.trim_matches('"')))
}

/// `1.2.3.4:5678` → `1.2.3.4`, `[::1]:80` → `::1`; anything else as it is.
fn strip_port(addr: &str) -> String {
    if let Ok(sa) = addr.parse::<std::net::SocketAddr>() {
        return sa.ip().to_string();
    }
    addr.trim_start_matches('[')
        .trim_end_matches(']')
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn addr(trust: ProxyHeader, headers: &[(&str, &str)]) -> String {
        let mut req = TestRequest::default()
            .peer_addr("10.0.0.9:4000".parse().unwrap())
            .app_data(actix_web::web::Data::new(TrustProxy(trust)));
        for (k, v) in headers {
            req = req.insert_header((*k, *v));
        }
        client_addr(&req.to_http_request())
    }

    #[test]
    fn the_peer_is_used_unless_a_proxy_is_trusted() {
        assert_eq!(
            addr(ProxyHeader::None, &[("x-forwarded-for", "1.1.1.1")]),
            "10.0.0.9"
        );
        assert_eq!(addr(ProxyHeader::XForwardedFor, &[]), "10.0.0.9");
    }

    #[test]
    fn behind_a_trusted_proxy_the_last_entry_of_its_header_counts() {
        let xff = [("x-forwarded-for", "6.6.6.6, 203.0.113.7")];
        assert_eq!(addr(ProxyHeader::XForwardedFor, &xff), "203.0.113.7");
        let fwd = [("forwarded", "for=6.6.6.6, for=\"[2001:db8::1]:443\"")];
        assert_eq!(addr(ProxyHeader::Forwarded, &fwd), "2001:db8::1");
    }

    #[test]
    fn a_header_the_proxy_does_not_set_is_the_clients_and_ignored() {
        // The proxy sets `Forwarded`; an `X-Forwarded-For` came from the client.
        let both = [
            ("x-forwarded-for", "6.6.6.6"),
            ("forwarded", "for=203.0.113.7"),
        ];
        assert_eq!(addr(ProxyHeader::Forwarded, &both), "203.0.113.7");
        assert_eq!(
            addr(ProxyHeader::Forwarded, &[("x-forwarded-for", "6.6.6.6")]),
            "10.0.0.9"
        );
    }
}
