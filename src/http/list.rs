//! What every list endpoint shares: `page`/`per_page`, `sort`, `fields`, the `meta` object,
//! and the `X-Total-Count` and RFC 8288 `Link` headers.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use crate::error::{AppError, FieldError};

pub use crate::db::paging::{Page, SortKey};

/// The highest page number accepted.
pub const MAX_PAGE: u32 = 1_000_000;
/// Items per page when `per_page` is not given.
pub const DEFAULT_PER_PAGE: u32 = 20;
/// The most items one page may hold.
pub const MAX_PER_PAGE: u32 = 100;

/// Pagination parameters, shared by every list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// The page to return, counting from 1 (at most 1,000,000). A page past the last one is
    /// empty.
    #[param(minimum = 1, maximum = 1000000, example = 1)]
    pub page: Option<u32>,
    /// How many items a page holds, 1–100 (default 20).
    #[param(minimum = 1, maximum = 100, example = 20)]
    pub per_page: Option<u32>,
}

impl PageParams {
    /// `422` for a page below 1 or a `per_page` outside 1–100.
    pub fn validate(&self) -> Result<Page, AppError> {
        let mut errors = Vec::new();
        let page = self.page.unwrap_or(1);
        if !(1..=MAX_PAGE).contains(&page) {
            errors.push(FieldError::new(
                "page",
                format!("must be between 1 and {MAX_PAGE}"),
            ));
        }
        let per_page = self.per_page.unwrap_or(DEFAULT_PER_PAGE);
        if !(1..=MAX_PER_PAGE).contains(&per_page) {
            errors.push(FieldError::new(
                "per_page",
                format!("must be between 1 and {MAX_PER_PAGE}"),
            ));
        }
        if !errors.is_empty() {
            return Err(AppError::validation(errors));
        }
        Ok(Page { page, per_page })
    }
}

/// Where a page sits in the whole list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PageMeta {
    /// This page's number, from 1 (absent when the page was reached by `cursor`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false, example = 1)]
    pub page: Option<u32>,
    /// Items per page.
    #[schema(example = 20)]
    pub per_page: u32,
    /// Items in the whole list (absent with `count=none`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false, example = 57)]
    pub total: Option<i64>,
    /// Pages in the whole list (0 when it is empty; absent with `count=none`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false, example = 3)]
    pub total_pages: Option<i64>,
    /// Whether `total` is `exact` or an `estimate` (lists that take `count`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub count: Option<TotalKind>,
    /// Pass as `cursor` for the page after this one (absent on the last page).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(
        nullable = false,
        example = "eyJzIjoiLXB1Ymxpc2hlZF9hdCIsImYiOnRydWUsImsiOlsiMjAxNy0xMS0wMSAwOTozMDowMCJdLCJpIjoxfQ"
    )]
    pub next_cursor: Option<String>,
    /// Pass as `cursor` for the page before this one (absent on the first page).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub prev_cursor: Option<String>,
}

/// What a list's `total` is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum TotalKind {
    /// Counted.
    Exact,
    /// Extrapolated: the list is long and counting it would cost more than the page.
    Estimate,
}

impl PageMeta {
    /// The meta of page `page` of a list of `total` items, counted exactly.
    pub fn new(page: Page, total: i64) -> Self {
        Self {
            page: Some(page.page),
            per_page: page.per_page,
            total: Some(total),
            total_pages: Some(pages(total, page.per_page)),
            count: None,
            next_cursor: None,
            prev_cursor: None,
        }
    }
}

/// Pages of `per_page` items that `total` items fill.
pub fn pages(total: i64, per_page: u32) -> i64 {
    let per_page = i64::from(per_page.max(1));
    (total + per_page - 1) / per_page
}

/// The `fields` parameter of a single-resource `GET`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FieldsParam {
    /// Sparse fieldset: a comma list of the fields to return (all when left out).
    #[param(example = "id")]
    pub fields: Option<String>,
}

/// A name of a comma list without the spaces around it (`sort=title, -published_at`). Only
/// spaces: a tab or another blank is part of the name, so not a name (as the OpenAPI patterns
/// say).
fn spaced(part: &str) -> &str {
    part.trim_matches(' ')
}

/// Whether a comma list names anything (not only commas and spaces).
pub fn names_given(raw: &str) -> bool {
    raw.split(',').any(|p| !spaced(p).is_empty())
}

/// Parses `sort=-published_at,title` against `allowed`; `default` is used when absent.
pub fn parse_sort(
    raw: Option<&str>,
    allowed: &[&'static str],
    default: &str,
) -> Result<Vec<SortKey>, AppError> {
    let raw = raw.filter(|s| names_given(s)).unwrap_or(default);
    let mut keys: Vec<SortKey> = Vec::new();
    for part in raw.split(',').map(spaced).filter(|p| !p.is_empty()) {
        let (name, descending) = match part.strip_prefix('-') {
            Some(name) => (name, true),
            None => (part, false),
        };
        let Some(field) = allowed.iter().copied().find(|a| *a == name) else {
            return Err(AppError::invalid(
                "sort",
                format!(
                    "`{part}` is not a sort field; use one of {} (prefix `-` for descending)",
                    allowed.join(", ")
                ),
            ));
        };
        // A repeated key would never decide anything: the first one counts.
        if keys.iter().any(|k| k.field == field) {
            continue;
        }
        keys.push(SortKey { field, descending });
    }
    Ok(keys)
}

/// Parses `fields=id,slug,title` against `allowed`; `None` means every field.
pub fn parse_fields(
    raw: Option<&str>,
    allowed: &[&'static str],
) -> Result<Option<Vec<&'static str>>, AppError> {
    parse_names("fields", raw, allowed)
}

/// Parses the comma list of names in the query parameter `param` against `allowed`;
/// `None` when the parameter is absent or empty.
pub fn parse_names(
    param: &str,
    raw: Option<&str>,
    allowed: &[&'static str],
) -> Result<Option<Vec<&'static str>>, AppError> {
    let Some(raw) = raw else {
        return Ok(None);
    };
    let mut fields = Vec::new();
    let mut unknown = Vec::new();
    for name in raw.split(',').map(spaced).filter(|s| !s.is_empty()) {
        match allowed.iter().copied().find(|a| *a == name) {
            Some(f) if !fields.contains(&f) => fields.push(f),
            Some(_) => {}
            None => unknown.push(format!("`{name}`")),
        }
    }
    if !unknown.is_empty() {
        return Err(AppError::invalid(
            param,
            format!(
                "{} not allowed here; use any of {}",
                match unknown.len() {
                    1 => format!("{} is", unknown[0]),
                    _ => format!("{} are", unknown.join(", ")),
                },
                allowed.join(", ")
            ),
        ));
    }
    Ok(Some(fields).filter(|f| !f.is_empty()))
}

/// Keeps only `fields` of a serialized object (a sparse fieldset).
pub fn sparse(value: Value, fields: Option<&[&'static str]>) -> Value {
    match (value, fields) {
        (Value::Object(map), Some(fields)) => Value::Object(
            map.into_iter()
                .filter(|(k, _)| fields.contains(&k.as_str()))
                .collect(),
        ),
        (value, _) => value,
    }
}

/// The body of every list: `{"data": [...], "meta": {...}}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ListBody<T> {
    pub data: Vec<T>,
    pub meta: PageMeta,
}

/// A `200` list answer: each item serialized and cut to `fields` (when given; `keep` names
/// members kept regardless, such as embedded objects), in `{"data","meta"}`, with
/// `X-Total-Count`, `Link` and `Cache-Control`.
pub fn page_response<T: Serialize>(
    req: &HttpRequest,
    public_url: &str,
    page: Page,
    total: i64,
    items: Vec<T>,
    fields: Option<&[&'static str]>,
    cache: actix_web::http::header::HeaderValue,
) -> Result<HttpResponse, AppError> {
    meta_response(
        req,
        public_url,
        PageMeta::new(page, total),
        items,
        fields,
        cache,
    )
}

/// [`page_response`] with a `meta` made by the caller (cursors, estimated totals).
pub fn meta_response<T: Serialize>(
    req: &HttpRequest,
    public_url: &str,
    meta: PageMeta,
    items: Vec<T>,
    fields: Option<&[&'static str]>,
    cache: actix_web::http::header::HeaderValue,
) -> Result<HttpResponse, AppError> {
    let mut res = list_response(req, public_url, &meta);
    if cache == super::CACHE_PUBLIC {
        res.insert_header((header::VARY, "Authorization"));
    }
    res.insert_header((header::CACHE_CONTROL, cache));
    let body = match fields {
        // The whole items: serialized straight into the body.
        None => serde_json::to_vec(&ListBody { data: items, meta }),
        Some(fields) => items
            .into_iter()
            .map(|item| serde_json::to_value(item).map(|v| sparse(v, Some(fields))))
            .collect::<Result<Vec<_>, _>>()
            .and_then(|data| serde_json::to_vec(&ListBody { data, meta })),
    }
    .map_err(AppError::internal)?;
    Ok(res.content_type("application/json").body(body))
}

/// Starts a `200` list answer: `X-Total-Count` (when the total is exact) and `Link` set, body
/// still to add.
pub fn list_response(req: &HttpRequest, public_url: &str, meta: &PageMeta) -> HttpResponseBuilder {
    let mut res = HttpResponse::Ok();
    if let (Some(total), None | Some(TotalKind::Exact)) = (meta.total, meta.count) {
        res.insert_header(("X-Total-Count", total.to_string()));
    }
    res.insert_header((header::LINK, link_header(req, public_url, meta)));
    res
}

/// The request's own URL with `page` and `cursor` replaced by `to` (one of them, or neither
/// for the first page).
fn url_with(req: &HttpRequest, public_url: &str, to: Option<(&str, &str)>) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    for (k, v) in form_urlencoded::parse(req.query_string().as_bytes()) {
        if k != "page" && k != "cursor" {
            query.append_pair(&k, &v);
        }
    }
    if let Some((k, v)) = to {
        query.append_pair(k, v);
    }
    let query = query.finish();
    if query.is_empty() {
        format!("{public_url}{}", req.path())
    } else {
        format!("{public_url}{}?{query}", req.path())
    }
}

/// The RFC 8288 `Link` header: `first`, `prev`, `next` and `last` by page number for a
/// numbered page (`last` only when the total is known), or `first`, `prev` and `next` by
/// cursor for a page reached by cursor.
fn link_header(req: &HttpRequest, public_url: &str, meta: &PageMeta) -> String {
    let link = |to: Option<(&str, &str)>, rel: &str| {
        format!("<{}>; rel=\"{rel}\"", url_with(req, public_url, to))
    };
    let Some(page) = meta.page.map(i64::from) else {
        let mut links = vec![link(None, "first")];
        if let Some(prev) = &meta.prev_cursor {
            links.push(link(Some(("cursor", prev)), "prev"));
        }
        if let Some(next) = &meta.next_cursor {
            links.push(link(Some(("cursor", next)), "next"));
        }
        return links.join(", ");
    };
    let number = |n: i64| n.to_string();
    let mut links = vec![link(Some(("page", &number(1))), "first")];
    match meta.total_pages.map(|t| t.max(1)) {
        Some(last) => {
            if page > 1 {
                links.push(link(Some(("page", &number((page - 1).min(last)))), "prev"));
            }
            if page < last {
                links.push(link(Some(("page", &number(page + 1))), "next"));
            }
            links.push(link(Some(("page", &number(last))), "last"));
        }
        None => {
            if page > 1 {
                links.push(link(Some(("page", &number(page - 1))), "prev"));
            }
            if meta.next_cursor.is_some() {
                links.push(link(Some(("page", &number(page + 1))), "next"));
            }
        }
    }
    links.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[test]
    fn page_bounds_are_checked() {
        let ok = PageParams {
            page: None,
            per_page: None,
        }
        .validate()
        .unwrap();
        assert_eq!(
            ok,
            Page {
                page: 1,
                per_page: 20
            }
        );
        assert_eq!(ok.offset(), 0);
        let p = PageParams {
            page: Some(3),
            per_page: Some(100),
        }
        .validate()
        .unwrap();
        assert_eq!(p.offset(), 200);
        let err = PageParams {
            page: Some(0),
            per_page: Some(101),
        }
        .validate()
        .unwrap_err();
        let fields: Vec<_> = err.problem().errors.into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["page", "per_page"]);
    }

    #[test]
    fn total_pages_rounds_up() {
        let meta = PageMeta::new(
            Page {
                page: 1,
                per_page: 20,
            },
            57,
        );
        assert_eq!(meta.total_pages, Some(3));
        assert_eq!(
            PageMeta::new(
                Page {
                    page: 1,
                    per_page: 20
                },
                0
            )
            .total_pages,
            Some(0)
        );
        assert_eq!(
            PageMeta::new(
                Page {
                    page: 1,
                    per_page: 20
                },
                40
            )
            .total_pages,
            Some(2)
        );
    }

    #[test]
    fn sort_is_checked_against_the_allow_list() {
        let keys =
            parse_sort(Some("-published_at,title"), &["published_at", "title"], "x").unwrap();
        assert_eq!(
            keys,
            [
                SortKey {
                    field: "published_at",
                    descending: true
                },
                SortKey {
                    field: "title",
                    descending: false
                }
            ]
        );
        let default = parse_sort(None, &["published_at"], "-published_at").unwrap();
        assert!(default[0].descending);
        let err = parse_sort(Some("body"), &["title"], "title")
            .unwrap_err()
            .problem();
        assert_eq!(err.status, 422);
        assert_eq!(err.errors[0].field, "sort");
        let once = parse_sort(Some("title,-title"), &["title"], "title").unwrap();
        assert_eq!(
            once,
            [SortKey {
                field: "title",
                descending: false
            }]
        );
    }

    #[test]
    fn fields_are_checked_and_applied() {
        let fields = parse_fields(Some("id, slug"), &["id", "slug", "title"])
            .unwrap()
            .unwrap();
        assert_eq!(fields, ["id", "slug"]);
        let value = serde_json::json!({"id": 1, "slug": "a", "title": "A"});
        assert_eq!(
            sparse(value, Some(&fields)),
            serde_json::json!({"id": 1, "slug": "a"})
        );
        let err = parse_fields(Some("id,body,x"), &["id"])
            .unwrap_err()
            .problem();
        assert_eq!(err.errors[0].field, "fields");
        assert!(
            err.errors[0]
                .message
                .starts_with("`body`, `x` are not allowed here")
        );
    }

    #[test]
    fn links_keep_the_query_and_change_the_page() {
        let req = TestRequest::get()
            .uri("/api/v1/users?per_page=2&page=2&role=editor")
            .to_http_request();
        let meta = PageMeta::new(
            Page {
                page: 2,
                per_page: 2,
            },
            5,
        );
        let link = link_header(&req, "https://cms.example.com", &meta);
        assert_eq!(
            link,
            "<https://cms.example.com/api/v1/users?per_page=2&role=editor&page=1>; rel=\"first\", \
             <https://cms.example.com/api/v1/users?per_page=2&role=editor&page=1>; rel=\"prev\", \
             <https://cms.example.com/api/v1/users?per_page=2&role=editor&page=3>; rel=\"next\", \
             <https://cms.example.com/api/v1/users?per_page=2&role=editor&page=3>; rel=\"last\""
        );
    }
}
