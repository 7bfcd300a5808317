//! The JSON body extractor every write endpoint uses.
//!
//! The extractor never fails by itself: it holds the outcome, and the handler takes it with
//! [`Json::into_inner`] *after* checking who is calling, so a caller who may not write at all
//! learns that (`401`/`403`) before anything about their body.
//!
//! Unlike actix's `web::Json`, it answers in problem+json with the status a client can act on:
//! `415` for another media type, `413` over [`JSON_LIMIT`], `400` for text that is not JSON,
//! `422` for a key an object names twice, then `422` naming *every* unknown or read-only
//! field at once, then the first field whose value has the wrong type (with its path, such as
//! `author_ids[2]`).

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::web::BytesMut;
use actix_web::{FromRequest, HttpRequest};
use futures_util::StreamExt;
use futures_util::future::LocalBoxFuture;
use serde::de::{self, DeserializeOwned, Deserializer, Visitor};
use serde::{Deserialize, forward_to_deserialize_any};
use serde_json::Value;

use crate::error::{AppError, FieldError};

/// The largest JSON body accepted: 1 MiB.
pub const JSON_LIMIT: usize = 1024 * 1024;

/// Fields the server computes. Sending one is a `422` that says it is read-only.
const READ_ONLY: &[&str] = &[
    "id",
    "created_at",
    "updated_at",
    "body_html",
    "word_count",
    "reading_time_minutes",
    "comment_count",
    "article_count",
    "url",
    "mime_type",
    "width",
    "height",
    "size_bytes",
    "sha256",
];

/// A JSON request body of type `T`, or why it is not one.
#[derive(Debug)]
pub struct Json<T>(Result<T, AppError>);

impl<T> Json<T> {
    /// The body, or the `400`/`413`/`415`/`422` that says what is wrong with it.
    pub fn into_inner(self) -> Result<T, AppError> {
        self.0
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for Json<T> {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let (is_json, declared_length) = declared(req);
        let mut payload = payload.take();
        Box::pin(async move { Ok(Json(read(is_json, declared_length, &mut payload).await)) })
    }
}

/// Whether the request declares a JSON body, and its declared length.
fn declared(req: &HttpRequest) -> (bool, Option<usize>) {
    let is_json = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<mime::Mime>().ok())
        .is_some_and(|m| {
            m.type_() == mime::APPLICATION
                && (m.subtype() == mime::JSON || m.suffix() == Some(mime::JSON))
        });
    let declared_length = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    (is_json, declared_length)
}

/// A JSON body that may be left out: a request with neither a `Content-Type` nor a body, or
/// with an empty body or the JSON `null`, reads as `T::default()`; anything else is read as
/// [`Json`] reads it.
#[derive(Debug)]
pub struct OptionalJson<T>(Result<T, AppError>);

impl<T> OptionalJson<T> {
    /// The body (or its default), or what is wrong with it.
    pub fn into_inner(self) -> Result<T, AppError> {
        self.0
    }
}

impl<T: DeserializeOwned + Default + 'static> FromRequest for OptionalJson<T> {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let headers = req.headers();
        let absent = !headers.contains_key(header::CONTENT_TYPE)
            && !headers.contains_key(header::TRANSFER_ENCODING)
            && headers
                .get(header::CONTENT_LENGTH)
                .is_none_or(|v| v.as_bytes() == b"0");
        if absent {
            return Box::pin(async { Ok(OptionalJson(Ok(T::default()))) });
        }
        let (is_json, declared_length) = declared(req);
        let mut payload = payload.take();
        Box::pin(async move {
            let body = match read_bytes(is_json, declared_length, &mut payload).await {
                Ok(bytes) if matches!(bytes.trim_ascii(), b"" | b"null") => Ok(T::default()),
                Ok(bytes) => parse(&bytes),
                Err(e) => Err(e),
            };
            Ok(OptionalJson(body))
        })
    }
}

async fn read<T: DeserializeOwned>(
    is_json: bool,
    declared_length: Option<usize>,
    payload: &mut Payload,
) -> Result<T, AppError> {
    parse(&read_bytes(is_json, declared_length, payload).await?)
}

/// The body's bytes: `415` unless it is declared JSON, `413` past [`JSON_LIMIT`].
async fn read_bytes(
    is_json: bool,
    declared_length: Option<usize>,
    payload: &mut Payload,
) -> Result<BytesMut, AppError> {
    if !is_json {
        return Err(AppError::UnsupportedMediaType(
            "This endpoint takes a JSON body: send `Content-Type: application/json`.".into(),
        ));
    }
    if declared_length.is_some_and(|n| n > JSON_LIMIT) {
        return Err(too_large());
    }
    let mut body = BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| {
            AppError::BadRequest(format!("The request body could not be read: {e}."))
        })?;
        if body.len() + chunk.len() > JSON_LIMIT {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

fn too_large() -> AppError {
    AppError::PayloadTooLarge(format!(
        "JSON bodies are limited to {JSON_LIMIT} bytes (1 MiB)."
    ))
}

/// Parses a JSON object into `T`, with the error statuses described in the module docs.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    let value = unique_keys(bytes)?;
    let Value::Object(map) = &value else {
        return Err(AppError::invalid("body", "must be a JSON object"));
    };
    let known = struct_fields::<T>();
    let unknown: Vec<FieldError> = map
        .keys()
        .filter(|k| !known.contains(&k.as_str()))
        .map(|k| {
            if READ_ONLY.contains(&k.as_str()) {
                FieldError::new(k, "is read-only")
            } else {
                FieldError::new(k, "is not a field of this resource")
            }
        })
        .collect();
    if !unknown.is_empty() {
        return Err(AppError::validation(unknown));
    }
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let message = e.into_inner().to_string();
        if path == "." || path.is_empty() {
            // Only a missing field fails at the top level of an object.
            match message.split('`').nth(1) {
                Some(field) if message.starts_with("missing field") => {
                    AppError::invalid(field, "is required")
                }
                _ => AppError::invalid("body", message),
            }
        } else {
            AppError::invalid(path, message)
        }
    })
}

/// What a duplicate key's error message starts with (see [`Unique`]).
const DUPLICATE: &str = "duplicate key ";

/// Reads JSON text as a [`Value`], refusing an object that names a key twice (a `422` naming
/// it, with its path inside nested objects): a plain parse keeps the last and drops the
/// others without a word.
fn unique_keys(bytes: &[u8]) -> Result<Value, AppError> {
    let broken = |e: &dyn std::fmt::Display| {
        AppError::BadRequest(format!("The body is not valid JSON: {e}."))
    };
    let mut reader = serde_json::Deserializer::from_slice(bytes);
    match serde_path_to_error::deserialize::<_, Unique>(&mut reader) {
        Ok(Unique(value)) => {
            reader.end().map_err(|e| broken(&e))?;
            Ok(value)
        }
        Err(e) => {
            let path = e.path().to_string();
            let inner = e.into_inner();
            let message = inner.to_string();
            match message
                .strip_prefix(DUPLICATE)
                .and_then(|rest| rest.split('`').nth(1))
            {
                Some(key) => {
                    let field = if path == "." || path.is_empty() {
                        key.to_owned()
                    } else {
                        format!("{path}.{key}")
                    };
                    Err(AppError::invalid(field, "is given more than once"))
                }
                None => Err(broken(&inner)),
            }
        }
    }
}

/// A JSON value whose objects each name a key at most once.
struct Unique(Value);

impl<'de> Deserialize<'de> for Unique {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(UniqueVisitor).map(Unique)
    }
}

struct UniqueVisitor;

impl<'de> Visitor<'de> for UniqueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        // A whole number written with a fraction or an exponent (`1.0`, `1e2`) is an integer,
        // as JSON Schema counts it: integer fields take it. (No field here takes a fraction.)
        const LIMIT: f64 = 9_007_199_254_740_992.0; // 2^53: exact in an f64
        if v.fract() == 0.0 && v.abs() <= LIMIT {
            return Ok(Value::from(v as i64));
        }
        Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        Unique::deserialize(d).map(|u| u.0)
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(Unique(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut object = serde_json::Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if object.contains_key(&key) {
                return Err(de::Error::custom(format!("{DUPLICATE}`{key}`")));
            }
            let Unique(value) = map.next_value()?;
            object.insert(key, value);
        }
        Ok(Value::Object(object))
    }
}

/// Deserializes a field that may be absent, `null`, or a value, as `Option<Option<V>>`:
/// `None` (absent: keep), `Some(None)` (`null`: clear), `Some(Some(v))` (set). Use with
/// `#[serde(default, deserialize_with = "double_option")]`.
pub fn double_option<'de, D, V>(deserializer: D) -> Result<Option<Option<V>>, D::Error>
where
    D: Deserializer<'de>,
    V: Deserialize<'de>,
{
    Option::<V>::deserialize(deserializer).map(Some)
}

/// Deserializes an optional field that must not be `null` when present: `None` when absent,
/// a `422` naming the field when `null`. Use with `#[serde(default, deserialize_with = "some")]`.
pub fn some<'de, D, V>(deserializer: D) -> Result<Option<V>, D::Error>
where
    D: Deserializer<'de>,
    V: Deserialize<'de>,
{
    Option::<V>::deserialize(deserializer)?
        .map(Some)
        .ok_or_else(|| de::Error::custom("must not be null"))
}

/// The field names `T`'s derived `Deserialize` accepts, read from what it passes to
/// `deserialize_struct` (empty for anything that is not a plain struct).
pub fn struct_fields<T: DeserializeOwned>() -> &'static [&'static str] {
    #[derive(Debug)]
    struct Found(&'static [&'static str]);
    impl std::fmt::Display for Found {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("introspection")
        }
    }
    impl std::error::Error for Found {}
    impl de::Error for Found {
        fn custom<M: std::fmt::Display>(_: M) -> Self {
            Found(&[])
        }
    }
    struct Introspect;
    impl<'de> Deserializer<'de> for Introspect {
        type Error = Found;
        fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Found> {
            Err(Found(&[]))
        }
        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _: &'static str,
            fields: &'static [&'static str],
            _: V,
        ) -> Result<V::Value, Found> {
            Err(Found(fields))
        }
        forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes
            byte_buf option unit unit_struct newtype_struct seq tuple tuple_struct map enum
            identifier ignored_any
        }
    }
    match T::deserialize(Introspect) {
        Err(Found(fields)) => fields,
        Ok(_) => &[],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Draft {
        title: String,
        #[serde(default)]
        author_ids: Vec<i64>,
        #[serde(default, deserialize_with = "double_option")]
        subtitle: Option<Option<String>>,
    }

    fn problem(err: AppError) -> (u16, Vec<(String, String)>) {
        let p = err.problem();
        (
            p.status,
            p.errors.into_iter().map(|e| (e.field, e.message)).collect(),
        )
    }

    #[test]
    fn fields_are_read_from_the_derive() {
        assert_eq!(
            struct_fields::<Draft>(),
            &["title", "author_ids", "subtitle"]
        );
    }

    #[test]
    fn every_unknown_and_read_only_field_is_named() {
        let err = parse::<Draft>(br#"{"title":"x","id":3,"colour":"red","body_html":"<p>"}"#)
            .unwrap_err();
        let (status, errors) = problem(err);
        assert_eq!(status, 422);
        assert_eq!(
            errors,
            vec![
                ("id".into(), "is read-only".into()),
                ("colour".into(), "is not a field of this resource".into()),
                ("body_html".into(), "is read-only".into()),
            ]
        );
    }

    #[test]
    fn a_wrong_type_names_its_path() {
        let err = parse::<Draft>(br#"{"title":"x","author_ids":[1,"two"]}"#).unwrap_err();
        let (status, errors) = problem(err);
        assert_eq!(status, 422);
        assert_eq!(errors[0].0, "author_ids[1]");
        assert!(errors[0].1.contains("expected i64"), "{}", errors[0].1);
    }

    #[test]
    fn a_whole_number_with_a_fraction_or_exponent_is_an_integer() {
        let draft = parse::<Draft>(br#"{"title":"x","author_ids":[1.0,2e0,3]}"#).unwrap();
        assert_eq!(draft.author_ids, vec![1, 2, 3]);
        let err = parse::<Draft>(br#"{"title":"x","author_ids":[1.5]}"#).unwrap_err();
        assert_eq!(problem(err).1[0].0, "author_ids[0]");
    }

    #[test]
    fn a_missing_field_is_required() {
        let (status, errors) = problem(parse::<Draft>(b"{}").unwrap_err());
        assert_eq!(status, 422);
        assert_eq!(errors, vec![("title".into(), "is required".into())]);
    }

    #[test]
    fn broken_json_is_a_400_and_a_non_object_a_422() {
        assert_eq!(
            parse::<Draft>(b"{\"title\":").unwrap_err().problem().status,
            400
        );
        assert_eq!(parse::<Draft>(b"[1,2]").unwrap_err().problem().status, 422);
    }

    #[test]
    fn a_key_given_twice_is_a_422_naming_it() {
        let (status, errors) =
            problem(parse::<Draft>(br#"{"title":"x","title":"y"}"#).unwrap_err());
        assert_eq!(status, 422);
        assert_eq!(
            errors,
            vec![("title".into(), "is given more than once".into())]
        );
        let err = unique_keys(br#"{"a":[{"b":1},{"b":2,"c":{"d":1,"d":1}}]}"#).unwrap_err();
        assert_eq!(problem(err).1[0].0, "a[1].c.d");
        // The same key in two objects is fine, and values come through as they were.
        let v =
            unique_keys(br#"{"a":{"k":1.5},"b":{"k":[true,null,"s",-3,18446744073709551615]}}"#)
                .unwrap();
        assert_eq!(
            v,
            serde_json::json!({"a":{"k":1.5},"b":{"k":[true,null,"s",-3,u64::MAX]}})
        );
        // Text after the value is still broken JSON.
        assert_eq!(
            unique_keys(br#"{"a":1} x"#).unwrap_err().problem().status,
            400
        );
    }

    #[test]
    fn null_and_absent_differ() {
        let absent: Draft = parse(br#"{"title":"x"}"#).unwrap();
        let null: Draft = parse(br#"{"title":"x","subtitle":null}"#).unwrap();
        let set: Draft = parse(br#"{"title":"x","subtitle":"y"}"#).unwrap();
        assert_eq!(absent.subtitle, None);
        assert_eq!(null.subtitle, Some(None));
        assert_eq!(set.subtitle, Some(Some("y".into())));
    }
}
