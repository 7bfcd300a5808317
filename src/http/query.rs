//! The query-string extractor: like `web::Query`, but a value of the wrong type is a `422`
//! that names the parameter, and a query string that cannot be decoded is a `400`.

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use futures_util::future::{Ready, ready};
use serde::de::DeserializeOwned;

use crate::error::AppError;

/// Query parameters of type `T`. Parameters `T` does not name are ignored here: the
/// `routes::known_query` middleware has answered `422` for any the operation does not take
/// before a handler runs (an operation may read its parameters through several extractors).
#[derive(Debug)]
pub struct Query<T>(pub T);

impl<T: DeserializeOwned> FromRequest for Query<T> {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(parse(req.query_string()).map(Query))
    }
}

/// Parses a query string into `T`.
pub fn parse<T: DeserializeOwned>(query: &str) -> Result<T, AppError> {
    let parser = form_urlencoded::parse(query.as_bytes());
    serde_path_to_error::deserialize(serde_urlencoded::Deserializer::new(parser)).map_err(|e| {
        let field = e.path().to_string();
        let message = e.into_inner().to_string();
        let message = if message.contains("invalid digit")
            || message.contains("number too")
            || message.contains("empty string")
        {
            "must be a whole number in range".to_owned()
        } else {
            message
        };
        if field == "." || field.is_empty() {
            AppError::BadRequest(format!("The query string could not be read: {message}."))
        } else {
            AppError::invalid(field, message)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    struct Params {
        page: Option<u32>,
        q: Option<String>,
    }

    #[test]
    fn values_are_decoded_and_unknown_parameters_ignored() {
        let p: Params = parse("page=2&q=Qaim%20raid&utm_source=x").unwrap();
        assert_eq!(p.page, Some(2));
        assert_eq!(p.q.as_deref(), Some("Qaim raid"));
    }

    #[test]
    fn a_wrong_type_is_a_422_naming_the_parameter() {
        let p = parse::<Params>("page=two").unwrap_err().problem();
        assert_eq!(p.status, 422);
        assert_eq!(p.errors[0].field, "page");
        let p = parse::<Params>("page=-1").unwrap_err().problem();
        assert_eq!(p.errors[0].field, "page");
    }
}
