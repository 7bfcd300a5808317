//! The OpenAPI document: info, tags, the bearer scheme, the shared error responses. Paths and
//! schemas are collected from the router itself (see `app::routes`), so the document describes
//! exactly what the server runs; [`openapi`] builds it and `dateline openapi` prints it.

use std::collections::BTreeSet;

use serde_json::{Value, json};
use utoipa::openapi::content::ContentBuilder;
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::path::Operation;
use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::schema::{Object, Type};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::openapi::{OpenApi as OpenApiDoc, Ref, RefOr};
use utoipa::{Modify, OpenApi, ToResponse};

use crate::articles::dto;
use crate::authors::dto::{AUTHOR_FIELDS, AUTHOR_SORTS};
use crate::error::{FieldError, PROBLEM_JSON, Problem};
use crate::images::dto::{IMAGE_FIELDS, IMAGE_SORTS};
use crate::sources::dto::{SOURCE_FIELDS, SOURCE_SORTS};
use crate::tags::dto::{TAG_FIELDS, TAG_SORTS};
use crate::users::dto::USER_SORTS;

/// The name of the bearer security scheme, as operations' `security(("bearer" = []))` use it.
/// Where the OpenAPI document is served.
pub const OPENAPI_PATH: &str = "/api-docs/openapi.json";

pub const BEARER: &str = "bearer";

/// The document's fixed parts.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Dateline",
        description = "A fast, trustworthy headless CMS for newsrooms: articles with their \
datelines, bylines, sources and tags; images; reader comments with moderation.\n\n\
Reads of published content are public. Writes need `Authorization: Bearer <access token>`: \
get one from `POST /api/v1/auth/login`, then press **Authorize** above.\n\n\
Every error is an RFC 9457 `application/problem+json` body. Every `GET` carries a strong \
`ETag`; send it back in `If-None-Match` for a `304`, or in `If-Match` on `PATCH`/`DELETE` to \
refuse lost updates (`412`).",
        license(name = "MIT", identifier = "MIT"),
        contact(name = "Dateline", url = "https://github.com/dateline-cms/dateline")
    ),
    servers((url = "/", description = "This server")),
    tags(
        (name = "articles", description = "The stories: Markdown bodies, datelines, bylines, tags and sources, the publishing workflow, full-text search."),
        (name = "authors", description = "Bylines."),
        (name = "sources", description = "The agencies and outlets stories come from or cite."),
        (name = "tags", description = "The topics stories are filed under."),
        (name = "images", description = "Photos with alt text, caption and credit: uploads checked by their bytes and stripped of location metadata, served with long-lived caching, `Range` and resized renditions."),
        (name = "comments", description = "Readers' comments: posted by anyone on public articles, held for moderation, threaded. Bodies are plain text, served as JSON strings; escape them for HTML."),
        (name = "auth", description = "Logging in, refreshing and ending sessions."),
        (name = "users", description = "Staff accounts (admin only)."),
        (name = "redirects", description = "Old slugs: `GET` by a slug an item gave up answers `301` to its current one, and staff can list them all to build a website's redirects."),
        (name = "distribution", description = "What a website's frontend and aggregators read outside `/api/v1`: RSS, Atom and JSON feeds of the latest public stories, for the site and per tag, author and source; the sitemap index, article sitemaps and the Google News sitemap (these need `DATELINE_SITE_URL`); and draft previews: signed, expiring, revocable links that show an article as it stands without a staff token."),
        (name = "webhooks", description = "Endpoints that hear at once when a story is published, changed or pulled, or a comment comes in (admin only). Each event is written to a durable outbox in the transaction of the change, then POSTed to every active endpoint that hears of it, in order per endpoint, as `{\"type\",\"timestamp\",\"data\"}` (`data`: the object as the public API shows it), signed as the Standard Webhooks specification says (`webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64 HMAC-SHA256>` with the endpoint's `whsec_` secret). A timeout or an answer other than 2xx is retried with exponential backoff and jitter; an endpoint that fails for 24 hours is disabled and flagged. Events: `article.published`, `article.updated`, `article.unpublished`, `article.scheduled`, `comment.created`, `comment.approved`, `ping`."),
        (name = "operations", description = "Health of the running service.")
    ),
    components(
        schemas(Problem, FieldError),
        responses(
            BadRequest,
            Unauthorized,
            InvalidCredentials,
            InvalidRefreshToken,
            Forbidden,
            Moved,
            NotFound,
            Conflict,
            PreconditionFailed,
            PayloadTooLarge,
            UnsupportedMediaType,
            Unprocessable,
            TooManyRequests,
            Unavailable,
            InternalError
        )
    ),
    modifiers(&Security)
)]
pub struct ApiDoc;

/// Registers the bearer scheme.
struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut OpenApiDoc) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let mut http = Http::new(HttpAuthScheme::Bearer);
        http.bearer_format = Some("JWT".to_owned());
        http.description = Some(
            "An access token from `POST /api/v1/auth/login` (valid 15 minutes; renew it with \
             `POST /api/v1/auth/refresh`)."
                .to_owned(),
        );
        components.add_security_scheme(BEARER, SecurityScheme::Http(http));
    }
}

/// Completes the document once the router has added its paths, with what the per-handler
/// annotations cannot say (or would say a dozen times):
///
/// - every operation reaches the database, so every operation can answer `500` and `503`;
/// - `sort`, `fields` and `include` take comma lists of the names each resource allows;
/// - with `fields`, a body holds only the named members;
/// - every JSON success carries an `ETag` and a `Cache-Control`;
/// - rendition widths are a fixed set; optional headers are strings, never `null`.
///
/// A document that cannot take these steps is served as it came.
pub fn finish(api: OpenApiDoc, widths: &[u32]) -> OpenApiDoc {
    let mut api = api;
    add_server_errors(&mut api);
    let Ok(mut doc) = serde_json::to_value(&api) else {
        return api;
    };
    let mut fields_of = BTreeSet::new();
    if let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) {
        for (path, item) in paths.iter_mut() {
            let Some(item) = item.as_object_mut() else {
                continue;
            };
            for (method, op) in item.iter_mut() {
                complete_operation(path, method, op, &mut fields_of);
                if path.ends_with("/file") {
                    rendition_widths(op, widths);
                }
            }
        }
    }
    if let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    {
        complete_request_bodies(schemas);
        complete_views(schemas, &fields_of);
    }
    serde_json::from_value(doc).unwrap_or(api)
}

/// Where component schemas are referred to.
const SCHEMAS: &str = "#/components/schemas/";
/// What list bodies are named: `ListBody_{item}`.
const LIST_BODY: &str = "ListBody_";
/// What a view cut by `fields` is named: `{view}Fields`.
const FIELDS: &str = "Fields";

/// A list body's items refer to their view instead of repeating it (generators then make one
/// type, not one per list); and each view a `fields` parameter may cut has a `{view}Fields`
/// twin: the same members, none required.
fn complete_views(schemas: &mut serde_json::Map<String, Value>, fields_of: &BTreeSet<String>) {
    let names: Vec<String> = schemas.keys().cloned().collect();
    for name in names {
        let Some(item) = name.strip_prefix(LIST_BODY) else {
            continue;
        };
        if !schemas.contains_key(item) {
            continue;
        }
        let reference = json!({"$ref": format!("{SCHEMAS}{item}")});
        if let Some(items) = schemas
            .get_mut(&name)
            .and_then(|s| s.pointer_mut("/properties/data/items"))
        {
            *items = reference;
        }
    }
    for view in fields_of {
        let Some(mut partial) = schemas.get(view).cloned() else {
            continue;
        };
        if let Some(object) = partial.as_object_mut() {
            object.remove("required");
            object.insert(
                "description".into(),
                json!(format!(
                    "{view} as `fields` cuts it: only the members named (and so none required)."
                )),
            );
        }
        schemas.insert(format!("{view}{FIELDS}"), partial);
    }
}

/// Which create body lends its limits to which update body.
const BODY_PAIRS: &[(&str, &str)] = &[
    ("UpdateArticle", "CreateArticle"),
    ("UpdateAuthor", "CreateAuthor"),
    ("UpdateSource", "CreateSource"),
    ("UpdateTag", "CreateTag"),
    ("UpdateUser", "CreateUser"),
    ("UpdateImage", "UploadImage"),
];

/// Text that may span lines (tabs and line breaks allowed).
const MULTILINE: &[&str] = &[
    "body",
    "bio",
    "description",
    "caption",
    "excerpt",
    "note",
    "reason",
];

/// What `validate::Errors::text` refuses: control characters (but tabs and line breaks in
/// multiline text).
const NO_CONTROL: &str = r"[^\u0000-\u001F\u007F-\u009F]";
const NO_CONTROL_MULTILINE: &str = r"[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]";
/// What `validate::is_plausible_email` takes: one `@`, a dotted domain, no spaces.
const EMAIL: &str = r"^[^\s@\u0000-\u001F\u007F-\u009F]+@[^\s@.\u0000-\u001F\u007F-\u009F][^\s@\u0000-\u001F\u007F-\u009F]*\.[^\s@\u0000-\u001F\u007F-\u009F]*[^\s@.\u0000-\u001F\u007F-\u009F]$";

/// Request bodies say what the validators check: an update field has its create field's
/// limits; text has no control characters (and, when required, is not blank); emails have a
/// dotted domain; id lists hold distinct positive ids.
fn complete_request_bodies(schemas: &mut serde_json::Map<String, Value>) {
    for (update, create) in BODY_PAIRS {
        let Some(source) = schemas
            .get(*create)
            .and_then(|s| s.get("properties"))
            .cloned()
        else {
            continue;
        };
        let Some(target) = schemas
            .get_mut(*update)
            .and_then(|s| s.get_mut("properties"))
            .and_then(Value::as_object_mut)
        else {
            continue;
        };
        for (name, property) in target.iter_mut() {
            let (Some(from), Some(to)) = (source.get(name), property.as_object_mut()) else {
                continue;
            };
            for key in ["minLength", "maxLength", "pattern", "format", "maxItems"] {
                if let (Some(v), false) = (from.get(key), to.contains_key(key)) {
                    to.insert(key.to_owned(), v.clone());
                }
            }
        }
    }
    let bodies = schemas.iter_mut().filter(|(name, _)| {
        name.starts_with("Create")
            || name.starts_with("Update")
            || *name == "NewCommentBody"
            || *name == "UploadImage"
            || *name == "AmendCorrection"
    });
    for (_, schema) in bodies {
        let Some(properties) = schema.get_mut("properties").and_then(Value::as_object_mut) else {
            continue;
        };
        for (name, property) in properties.iter_mut() {
            let Some(p) = property.as_object_mut() else {
                continue;
            };
            let is_text = match p.get("type") {
                Some(Value::String(t)) => t == "string",
                Some(Value::Array(ts)) => ts.iter().any(|t| t == "string"),
                _ => false,
            };
            if name.ends_with("_ids") {
                p.insert("uniqueItems".into(), json!(true));
                p.insert(
                    "items".into(),
                    json!({"type": "integer", "format": "int64", "minimum": 1}),
                );
            }
            // A single id refers to a row: a positive whole number.
            let is_integer = p.get("type").is_some_and(|t| {
                t == "integer"
                    || t.as_array()
                        .is_some_and(|ts| ts.iter().any(|t| t == "integer"))
            });
            if name.ends_with("_id") && is_integer {
                p.insert("minimum".into(), json!(1));
            }
            if !is_text || name == "password" || p.contains_key("pattern") {
                continue;
            }
            if p.get("format").and_then(Value::as_str) == Some("email") {
                // JSON Schema's `email` format is RFC 5321's strict ASCII address; the server
                // checks less (see `validate::is_plausible_email`), and the pattern says what.
                p.remove("format");
                p.insert("pattern".into(), json!(EMAIL));
                p.entry("maxLength")
                    .or_insert(json!(crate::validate::MAX_EMAIL_CHARS));
                continue;
            }
            if p.contains_key("format") {
                continue;
            }
            let class = if MULTILINE.contains(&name.as_str()) {
                NO_CONTROL_MULTILINE
            } else {
                NO_CONTROL
            };
            let required = p.get("minLength").and_then(Value::as_u64).unwrap_or(0) > 0;
            let pattern = if required {
                // Not blank: somewhere a character that is not white space. (Said without a
                // lookahead, which test generators find slow to satisfy.)
                let visible = class.replacen("[^", r"[^\s", 1);
                format!("^{class}*{visible}{class}*$")
            } else {
                format!("^{class}*$")
            };
            p.insert("pattern".into(), json!(pattern));
        }
    }
}

/// Which names `sort`, `fields` and `include` take in one collection.
struct NameLists {
    collection: &'static str,
    sorts: &'static [&'static str],
    fields: &'static [&'static str],
    includes: &'static [&'static str],
}

const NAME_LISTS: &[NameLists] = &[
    NameLists {
        collection: "/api/v1/articles",
        sorts: dto::ARTICLE_SORTS,
        fields: dto::ARTICLE_FIELDS,
        includes: dto::ARTICLE_INCLUDES,
    },
    // A preview is an article, read by its token.
    NameLists {
        collection: "/api/v1/previews",
        sorts: &[],
        fields: dto::ARTICLE_FIELDS,
        includes: dto::ARTICLE_INCLUDES,
    },
    NameLists {
        collection: "/api/v1/authors",
        sorts: AUTHOR_SORTS,
        fields: AUTHOR_FIELDS,
        includes: &[],
    },
    NameLists {
        collection: "/api/v1/sources",
        sorts: SOURCE_SORTS,
        fields: SOURCE_FIELDS,
        includes: &[],
    },
    NameLists {
        collection: "/api/v1/tags",
        sorts: TAG_SORTS,
        fields: TAG_FIELDS,
        includes: &[],
    },
    NameLists {
        collection: "/api/v1/images",
        sorts: IMAGE_SORTS,
        fields: IMAGE_FIELDS,
        includes: &[],
    },
    NameLists {
        collection: "/api/v1/users",
        sorts: USER_SORTS,
        fields: &[],
        includes: &[],
    },
];

/// The widths an image's `w` may name: those this server is configured with.
fn rendition_widths(op: &mut Value, widths: &[u32]) {
    let params = op.get_mut("parameters").and_then(Value::as_array_mut);
    for param in params.into_iter().flatten() {
        if param["name"] == "w" {
            param["schema"] = json!({"type": "integer", "enum": widths});
        }
    }
}

/// A pattern for a comma list of `names`, each perhaps prefixed with `-` when `signed`.
/// Empty items are ignored, and so is an empty list.
fn list_pattern(names: &[&str], signed: bool) -> String {
    let one = format!("{}({})", if signed { "-?" } else { "" }, names.join("|"));
    // Commas between names, spaces around them (see `http::list`), empty items skipped.
    format!("^[ ,]*({one}( *,[ ,]*{one})*)?[ ,]*$")
}

fn complete_operation(path: &str, method: &str, op: &mut Value, fields_of: &mut BTreeSet<String>) {
    let lists = NAME_LISTS
        .iter()
        .filter(|l| path == l.collection || path.starts_with(&format!("{}/{{", l.collection)))
        .find(|l| !path[l.collection.len()..].contains("/comments"));
    let mut sparse = false;
    let mut has_query = false;
    if let Some(params) = op.get_mut("parameters").and_then(Value::as_array_mut) {
        for param in params.iter_mut() {
            let name = param["name"].as_str().unwrap_or_default().to_owned();
            let location = param["in"].as_str().unwrap_or_default().to_owned();
            if location == "header" && param["schema"]["type"].is_array() {
                param["schema"]["type"] = json!("string");
            }
            has_query |= location == "query";
            // Ids in a path are positive whole numbers.
            if location == "path" && param["schema"]["type"] == "integer" {
                param["schema"]["minimum"] = json!(1);
            }
            match (name.as_str(), lists) {
                ("sort", Some(l)) if !l.sorts.is_empty() => {
                    param["schema"]["pattern"] = json!(list_pattern(l.sorts, true));
                }
                ("fields", Some(l)) if !l.fields.is_empty() => {
                    // The embedded members `include` asks for may be named too.
                    let names: Vec<&str> = l.fields.iter().chain(l.includes).copied().collect();
                    param["schema"]["pattern"] = json!(list_pattern(&names, false));
                    sparse = true;
                }
                ("include", Some(l)) if !l.includes.is_empty() => {
                    param["schema"]["pattern"] = json!(list_pattern(l.includes, false));
                }
                ("published_after" | "published_before", _) => {
                    // What `QueryTime` reads: a date or an RFC 3339 time.
                    // (No `type` beside `anyOf`: utoipa would read it back as a plain
                    // string and drop the `anyOf`.)
                    param["schema"] = json!({"anyOf": [
                        {"type": "string", "format": "date"},
                        {"type": "string", "format": "date-time"}
                    ]});
                }
                _ => {}
            }
        }
    }
    if method == "get" {
        let params = op
            .as_object_mut()
            .map(|o| o.entry("parameters").or_insert_with(|| json!([])))
            .and_then(Value::as_array_mut);
        if let Some(params) = params {
            params.push(json!({
                "name": "If-None-Match",
                "in": "header",
                "required": false,
                "description": "An ETag from an earlier answer: `304 Not Modified` when it still matches.",
                "schema": {"type": "string"}
            }));
        }
    }
    let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else {
        return;
    };
    // A query string that cannot be decoded is a 400 wherever one is read.
    if has_query {
        responses
            .entry("400")
            .or_insert_with(|| json!({"$ref": "#/components/responses/BadRequest"}));
    }
    // Logging in and refreshing answer tokens, never cached or tagged.
    let tagged = method == "get" || !path.starts_with("/api/v1/auth/");
    for (status, response) in responses.iter_mut() {
        if !status.starts_with('2') || !tagged {
            continue;
        }
        let Some(schema) = response.pointer_mut("/content/application~1json/schema") else {
            continue;
        };
        let named = schema
            .pointer("/$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix(SCHEMAS))
            .map(str::to_owned);
        if let (true, "200", Some(named)) = (sparse, status.as_str(), named) {
            let (item, list) = match named.strip_prefix(LIST_BODY) {
                Some(item) => (item.to_owned(), true),
                None => (named, false),
            };
            let partial = json!({"$ref": format!("{SCHEMAS}{item}{FIELDS}")});
            let loose = if list {
                json!({
                    "type": "object",
                    "description": "With `fields`: each item holds only the members named.",
                    "required": ["data", "meta"],
                    "properties": {
                        "data": {"type": "array", "items": partial},
                        "meta": {"$ref": format!("{SCHEMAS}PageMeta")}
                    }
                })
            } else {
                partial
            };
            *schema = json!({"anyOf": [schema.clone(), loose]});
            fields_of.insert(item);
        }
        let headers = response
            .as_object_mut()
            .map(|r| r.entry("headers").or_insert_with(|| json!({})));
        if let Some(headers) = headers.and_then(Value::as_object_mut) {
            headers.entry("ETag").or_insert_with(|| {
                json!({"schema": {"type": "string"}, "description": "Strong entity tag of this representation (with `-gzip`/`-br` appended when compressed)."})
            });
            headers.entry("Cache-Control").or_insert_with(|| {
                json!({"schema": {"type": "string"}, "description": "`public, max-age=60` for anonymous reads of public content; `private, no-store` when the answer depends on the caller."})
            });
        }
    }
}

/// Every operation reaches the database, so every operation can also answer `500` and `503`.
fn add_server_errors(openapi: &mut OpenApiDoc) {
    for item in openapi.paths.paths.values_mut() {
        let ops = [
            &mut item.get,
            &mut item.post,
            &mut item.put,
            &mut item.patch,
            &mut item.delete,
        ];
        for op in ops.into_iter().flatten() {
            add_responses(op);
        }
    }
}

fn add_responses(op: &mut Operation) {
    // Any operation answers 422 to a query parameter it does not take
    // (`http::routes::known_query`).
    for (status, name) in [
        ("422", "Unprocessable"),
        ("500", "InternalError"),
        ("503", "Unavailable"),
    ] {
        op.responses
            .responses
            .entry(status.to_owned())
            .or_insert_with(|| RefOr::Ref(Ref::from_response_name(name)));
    }
}

fn header(description: &str) -> utoipa::openapi::header::Header {
    HeaderBuilder::new()
        .schema(Some(Object::with_type(Type::String)))
        .description(Some(description))
        .build()
}

fn problem_response(
    description: &str,
    status: u16,
    title: &str,
    detail: &str,
    errors: Option<serde_json::Value>,
) -> ResponseBuilder {
    let mut example = json!({
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
    });
    if let (Some(errors), Some(map)) = (errors, example.as_object_mut()) {
        map.insert("errors".to_owned(), errors);
    }
    ResponseBuilder::new().description(description).content(
        PROBLEM_JSON,
        ContentBuilder::new()
            .schema(Some(Ref::from_schema_name("Problem")))
            .example(Some(example))
            .build(),
    )
}

/// Declares a reusable problem response component.
macro_rules! problem_responses {
    ($( $(#[$doc:meta])* $name:ident => $build:expr; )*) => {$(
        $(#[$doc])*
        pub struct $name;

        impl<'r> ToResponse<'r> for $name {
            fn response() -> (&'r str, RefOr<Response>) {
                let builder: ResponseBuilder = $build;
                (stringify!($name), builder.build().into())
            }
        }
    )*};
}

problem_responses! {
    /// `400`
    BadRequest => problem_response(
        "The request could not be read: malformed JSON, query string or path parameter.",
        400, "Bad Request", "The body is not valid JSON: EOF while parsing an object at line 1 column 25.", None);
    /// `401`
    Unauthorized => problem_response(
        "No valid access token: missing, malformed, expired, revoked, or its user is disabled.",
        401, "Unauthorized", "The access token has expired; refresh it.", None)
        .header("WWW-Authenticate", header(
            "`Bearer realm=\"dateline\"` when no token was sent; with `error=\"invalid_token\"` \
             when the token is not valid."));
    /// `401` from `POST /auth/login`
    InvalidCredentials => problem_response(
        "The email or the password is wrong (the answer does not say which), or the account is \
         disabled.",
        401, "Unauthorized", "Wrong email or password.", None)
        .header("WWW-Authenticate", header("`Bearer realm=\"dateline\"`"));
    /// `401` from `POST /auth/refresh`
    InvalidRefreshToken => problem_response(
        "The refresh token is unknown, its session has ended, or it was already used (which \
         ends its session).",
        401, "Unauthorized",
        "This refresh token was already used, so the session has been ended; log in again.", None)
        .header("WWW-Authenticate", header("`Bearer realm=\"dateline\"`"));
    /// `403`
    Forbidden => problem_response(
        "Signed in, but this role may not do this.",
        403, "Forbidden", "This needs the admin role or higher; you are signed in as editor.", None);
    /// `301` from a `GET` by an old slug
    Moved => problem_response(
        "The slug named an item that has been renamed since: `Location` gives its current \
         address, with the same query string (absolute on the API, a path for feeds). Clients \
         follow it.",
        301, "Moved Permanently",
        "The article `jets-hit-qaim` is now `jets-hit-a-workshop-near-qaim`.", None)
        .header("Location", header("The current address."));
    /// `404`
    NotFound => problem_response(
        "Nothing lives here.",
        404, "Not Found", "No user with id 42.", None);
    /// `409`
    Conflict => problem_response(
        "The request conflicts with what is stored: a taken slug or email, a resource in use.",
        409, "Conflict", "A user with the email desk@iraqinews.example already exists.", None);
    /// `412`
    PreconditionFailed => problem_response(
        "`If-Match` did not match the resource's current `ETag`.",
        412, "Precondition Failed",
        "The resource changed since you read it (If-Match does not match its ETag); GET it again and reapply your change.",
        None);
    /// `413`
    PayloadTooLarge => problem_response(
        "The body is larger than this endpoint accepts (JSON: 1 MiB).",
        413, "Payload Too Large", "JSON bodies are limited to 1048576 bytes (1 MiB).", None);
    /// `415`
    UnsupportedMediaType => problem_response(
        "The body is not of a media type this endpoint takes.",
        415, "Unsupported Media Type",
        "This endpoint takes a JSON body: send `Content-Type: application/json`.", None);
    /// `422`
    Unprocessable => problem_response(
        "The request was read, but some values are not acceptable; `errors` names each field \
         (unknown and read-only fields included).",
        422, "Unprocessable Entity", "The request has 1 invalid field.",
        Some(json!([{"field": "title", "message": "must not be empty"}])));
    /// `429`
    TooManyRequests => problem_response(
        "Too many attempts; wait for the number of seconds in `Retry-After`.",
        429, "Too Many Requests", "Too many failed logins; try again in 42 seconds.", None)
        .header("Retry-After", header("Seconds to wait before trying again."));
    /// `503`
    Unavailable => problem_response(
        "The database stayed busy longer than the server waits; retry after `Retry-After` seconds.",
        503, "Service Unavailable", "The database is busy; retry shortly.", None)
        .header("Retry-After", header("Seconds to wait before trying again."));
    /// `500`
    InternalError => problem_response(
        "Something unexpected failed. The body never carries internals; quote `X-Request-Id` \
         when reporting it.",
        500, "Internal Server Error",
        "The server could not answer this request. It has been logged; quote the X-Request-Id header when you report it.",
        None);
}
