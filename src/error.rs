//! One error type for the whole service, rendered as RFC 9457 `application/problem+json`.
//!
//! Every answer that is not a success goes through [`AppError`]: handler errors, actix's own
//! extractor errors (malformed JSON, bad query strings, bad path parameters), unknown routes,
//! wrong methods, and — through [`problem_for_bare_errors`] — any error response some other
//! layer produced without a body of this shape. Bodies never carry SQL, file paths or panic
//! text: unexpected failures answer a generic 500 and their cause goes to the log.

use std::fmt;

use actix_web::body::MessageBody;
use actix_web::dev::ServiceResponse;
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::ErrorHandlerResponse;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

/// The media type of every error body.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// One field-level problem inside a `422` answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FieldError {
    /// The offending field, as named in the request (`title`, `author_ids[2]`, `page`).
    #[schema(example = "title")]
    pub field: String,
    /// What is wrong with it, in words an editor understands.
    #[schema(example = "must not be empty")]
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// An RFC 9457 problem details object.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "type": "about:blank",
    "title": "Unprocessable Entity",
    "status": 422,
    "detail": "The request has 1 invalid field.",
    "errors": [{"field": "title", "message": "must not be empty"}]
}))]
pub struct Problem {
    /// Always `about:blank`: the status code says what kind of problem this is.
    #[serde(rename = "type")]
    #[schema(example = "about:blank")]
    pub kind: &'static str,
    /// The reason phrase of the status code.
    #[schema(example = "Unprocessable Entity")]
    pub title: &'static str,
    /// The HTTP status code, repeated for clients that only see the body.
    #[schema(example = 422)]
    pub status: u16,
    /// What went wrong with this request, for a human.
    #[schema(example = "The request has 1 invalid field.")]
    pub detail: String,
    /// Field-level problems (only on `422`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

/// Everything that can go wrong while answering a request.
#[derive(Debug, Clone, thiserror::Error)]
pub enum AppError {
    /// 400: the request could not be read (malformed JSON, query string or path).
    #[error("bad request: {0}")]
    BadRequest(String),
    /// 401: no credentials, or wrong ones (a failed login, an unknown refresh token).
    #[error("unauthorized: {0}")]
    Unauthorized(String),
    /// 401: a bearer token was sent but is not (or no longer) valid.
    #[error("invalid token: {0}")]
    InvalidToken(String),
    /// 403: the caller is known but may not do this.
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// 301: the resource lives at `location` now (an old slug).
    #[error("moved permanently to {location}")]
    Moved { location: String, detail: String },
    /// 404: nothing lives here.
    #[error("not found: {0}")]
    NotFound(String),
    /// 405: the path exists, the method does not.
    #[error("method not allowed; allowed: {allow:?}")]
    MethodNotAllowed { allow: Vec<Method> },
    /// 409: the request conflicts with what is stored (a taken slug or email, a resource in use).
    #[error("conflict: {0}")]
    Conflict(String),
    /// 412: an `If-Match` precondition did not hold.
    #[error("precondition failed: {0}")]
    PreconditionFailed(String),
    /// 416: a `Range` outside the file.
    #[error("range not satisfiable: {0}")]
    RangeNotSatisfiable(String),
    /// 413: the body is larger than this endpoint accepts.
    #[error("payload too large: {0}")]
    PayloadTooLarge(String),
    /// 415: the body is of a type this endpoint does not take.
    #[error("unsupported media type: {0}")]
    UnsupportedMediaType(String),
    /// 422: the body or query parsed, but its values are not acceptable.
    #[error("validation failed: {errors:?}")]
    Validation {
        detail: String,
        errors: Vec<FieldError>,
    },
    /// 429: too many attempts; try again after `retry_after` seconds.
    #[error("too many requests: {detail}")]
    TooManyRequests { detail: String, retry_after: u64 },
    /// 503: the database stayed busy (or the pool empty) for longer than we wait.
    #[error("service unavailable: {0}")]
    Unavailable(String),
    /// 500: anything unexpected. The cause is logged, never sent.
    #[error("internal error: {0}")]
    Internal(String),
}

impl AppError {
    /// A `422` for a list of field problems.
    pub fn validation(errors: Vec<FieldError>) -> Self {
        let detail = match errors.len() {
            1 => "The request has 1 invalid field.".to_owned(),
            n => format!("The request has {n} invalid fields."),
        };
        Self::Validation { detail, errors }
    }

    /// A `422` for a single field.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::validation(vec![FieldError::new(field, message)])
    }

    /// A `500` whose cause goes to the log only.
    pub fn internal(cause: impl fmt::Display) -> Self {
        Self::Internal(cause.to_string())
    }

    /// The `detail` line a client sees.
    fn detail(&self) -> String {
        match self {
            Self::BadRequest(d)
            | Self::Unauthorized(d)
            | Self::InvalidToken(d)
            | Self::Forbidden(d)
            | Self::NotFound(d)
            | Self::Conflict(d)
            | Self::PreconditionFailed(d)
            | Self::PayloadTooLarge(d)
            | Self::RangeNotSatisfiable(d)
            | Self::UnsupportedMediaType(d)
            | Self::Unavailable(d) => d.clone(),
            Self::Validation { detail, .. }
            | Self::TooManyRequests { detail, .. }
            | Self::Moved { detail, .. } => detail.clone(),
            Self::MethodNotAllowed { allow } => format!(
                "This resource answers only {}.",
                allow
                    .iter()
                    .map(Method::as_str)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Self::Internal(_) => "The server could not answer this request. It has been logged; \
                                  quote the X-Request-Id header when you report it."
                .to_owned(),
        }
    }

    /// The problem body this error renders.
    pub fn problem(&self) -> Problem {
        let status = self.status_code();
        Problem {
            kind: "about:blank",
            title: status.canonical_reason().unwrap_or("Error"),
            status: status.as_u16(),
            detail: self.detail(),
            errors: match self {
                Self::Validation { errors, .. } => errors.clone(),
                _ => Vec::new(),
            },
        }
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Unauthorized(_) | Self::InvalidToken(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::Moved { .. } => StatusCode::MOVED_PERMANENTLY,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::PreconditionFailed(_) => StatusCode::PRECONDITION_FAILED,
            Self::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::RangeNotSatisfiable(_) => StatusCode::RANGE_NOT_SATISFIABLE,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Validation { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Self::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let mut res = HttpResponse::build(self.status_code());
        res.content_type(PROBLEM_JSON)
            .insert_header((header::CACHE_CONTROL, "no-store"));
        match self {
            Self::Unauthorized(_) => {
                res.insert_header((header::WWW_AUTHENTICATE, r#"Bearer realm="dateline""#));
            }
            Self::InvalidToken(_) => {
                res.insert_header((
                    header::WWW_AUTHENTICATE,
                    r#"Bearer realm="dateline", error="invalid_token""#,
                ));
            }
            Self::MethodNotAllowed { allow } => {
                let allow = allow.iter().map(Method::as_str).collect::<Vec<_>>();
                res.insert_header((header::ALLOW, allow.join(", ")));
            }
            Self::TooManyRequests { retry_after, .. } => {
                res.insert_header((header::RETRY_AFTER, retry_after.to_string()));
            }
            Self::Unavailable(_) => {
                res.insert_header((header::RETRY_AFTER, "1"));
            }
            Self::Moved { location, .. } => {
                res.insert_header((header::LOCATION, location.as_str()));
            }
            _ => {}
        }
        res.body(problem_body(&self.problem()))
    }
}

fn problem_body(problem: &Problem) -> String {
    // Serializing a struct of strings and integers cannot fail; fall back to a fixed body anyway.
    serde_json::to_string(problem).unwrap_or_else(|_| {
        r#"{"type":"about:blank","title":"Internal Server Error","status":500}"#.to_owned()
    })
}

impl From<diesel::result::Error> for AppError {
    fn from(err: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match err {
            Error::NotFound => Self::NotFound("The requested resource does not exist.".into()),
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => {
                Self::Conflict("A resource with the same unique value already exists.".into())
            }
            Error::DatabaseError(ref kind, ref info)
                if crate::db::is_busy(kind, info.message()) =>
            {
                Self::Unavailable("The database is busy; retry shortly.".into())
            }
            other => Self::Internal(format!("database: {other}")),
        }
    }
}

impl From<diesel::r2d2::PoolError> for AppError {
    fn from(err: diesel::r2d2::PoolError) -> Self {
        tracing::warn!(error = %err, "no database connection available");
        Self::Unavailable("The database is busy; retry shortly.".into())
    }
}

impl From<actix_web::error::BlockingError> for AppError {
    fn from(err: actix_web::error::BlockingError) -> Self {
        Self::Internal(format!("blocking task failed: {err}"))
    }
}

/// The safety net: an error response produced outside [`AppError`] (a middleware, the Swagger
/// UI service, actix itself) gets a problem body of its status instead of whatever it had.
pub fn problem_for_bare_errors<B: MessageBody + 'static>(
    res: ServiceResponse<B>,
) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let is_problem = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(PROBLEM_JSON.as_bytes()));
    if is_problem {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let status = res.status();
    let problem = Problem {
        kind: "about:blank",
        title: status.canonical_reason().unwrap_or("Error"),
        status: status.as_u16(),
        detail: generic_detail(status).to_owned(),
        errors: Vec::new(),
    };
    let (req, mut res) = res.into_parts();
    res.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
    res.headers_mut().remove(header::CONTENT_LENGTH);
    let res = res.set_body(problem_body(&problem)).map_into_boxed_body();
    Ok(ErrorHandlerResponse::Response(
        ServiceResponse::new(req, res).map_into_right_body(),
    ))
}

fn generic_detail(status: StatusCode) -> &'static str {
    match status {
        StatusCode::BAD_REQUEST => "The request could not be read.",
        StatusCode::NOT_FOUND => "Nothing lives at this address.",
        StatusCode::PAYLOAD_TOO_LARGE => "The request body is larger than this endpoint accepts.",
        s if s.is_server_error() => "The server could not answer this request.",
        _ => "The request was not accepted.",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::body::to_bytes;

    async fn render(err: AppError) -> (StatusCode, actix_web::http::header::HeaderMap, String) {
        let res = err.error_response();
        let status = res.status();
        let headers = res.headers().clone();
        let body = to_bytes(res.into_body()).await.unwrap();
        (status, headers, String::from_utf8(body.to_vec()).unwrap())
    }

    #[actix_web::test]
    async fn validation_error_renders_the_exact_problem_json() {
        let (status, headers, body) = render(AppError::invalid("title", "must not be empty")).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(headers.get("content-type").unwrap(), PROBLEM_JSON);
        assert_eq!(
            body,
            r#"{"type":"about:blank","title":"Unprocessable Entity","status":422,"detail":"The request has 1 invalid field.","errors":[{"field":"title","message":"must not be empty"}]}"#
        );
    }

    #[actix_web::test]
    async fn not_found_has_no_errors_member() {
        let (status, _, body) = render(AppError::NotFound("No user with id 7.".into())).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(
            body,
            r#"{"type":"about:blank","title":"Not Found","status":404,"detail":"No user with id 7."}"#
        );
    }

    #[actix_web::test]
    async fn unauthorized_carries_a_bearer_challenge() {
        let (_, headers, _) = render(AppError::Unauthorized("Sign in.".into())).await;
        assert_eq!(
            headers.get("www-authenticate").unwrap(),
            r#"Bearer realm="dateline""#
        );
        let (status, headers, body) = render(AppError::InvalidToken("Token expired.".into())).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(
            headers.get("www-authenticate").unwrap(),
            r#"Bearer realm="dateline", error="invalid_token""#
        );
        assert_eq!(
            body,
            r#"{"type":"about:blank","title":"Unauthorized","status":401,"detail":"Token expired."}"#
        );
    }

    #[actix_web::test]
    async fn method_not_allowed_lists_the_allowed_methods() {
        let err = AppError::MethodNotAllowed {
            allow: vec![Method::GET, Method::POST],
        };
        let (status, headers, body) = render(err).await;
        assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(headers.get("allow").unwrap(), "GET, POST");
        assert_eq!(
            body,
            r#"{"type":"about:blank","title":"Method Not Allowed","status":405,"detail":"This resource answers only GET, POST."}"#
        );
    }

    #[actix_web::test]
    async fn too_many_requests_says_when_to_retry() {
        let err = AppError::TooManyRequests {
            detail: "Too many failed logins.".into(),
            retry_after: 42,
        };
        let (status, headers, body) = render(err).await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(headers.get("retry-after").unwrap(), "42");
        assert_eq!(
            body,
            r#"{"type":"about:blank","title":"Too Many Requests","status":429,"detail":"Too many failed logins."}"#
        );
    }

    #[actix_web::test]
    async fn internal_errors_never_leak_their_cause() {
        let err = AppError::internal("near \"SELEC\": syntax error in /srv/dateline/data.db");
        let (status, _, body) = render(err).await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert!(!body.contains("SELEC"));
        assert!(!body.contains("/srv"));
        assert_eq!(
            body,
            r#"{"type":"about:blank","title":"Internal Server Error","status":500,"detail":"The server could not answer this request. It has been logged; quote the X-Request-Id header when you report it."}"#
        );
    }

    #[actix_web::test]
    async fn a_busy_database_is_a_503_with_retry_after() {
        let busy = diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::Unknown,
            Box::new("database is locked".to_owned()),
        );
        let (status, headers, body) = render(AppError::from(busy)).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(headers.get("retry-after").unwrap(), "1");
        assert!(!body.contains("locked"));
    }

    #[actix_web::test]
    async fn a_unique_violation_is_a_409() {
        let dup = diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            Box::new("UNIQUE constraint failed: users.email".to_owned()),
        );
        let (status, _, body) = render(AppError::from(dup)).await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert!(!body.contains("users.email"));
    }
}
