//! Small validation helpers that collect every field problem of a request before answering,
//! so an editor fixes a form in one round trip.

use crate::error::{AppError, FieldError};

/// The longest URL accepted, in characters.
pub const MAX_URL_CHARS: usize = 2000;

/// The OpenAPI pattern of a URL field, anchored at both ends: `http://` or `https://`, a
/// host, then anything without whitespace or control characters. utoipa takes only a literal
/// there: `a_url_field_documents_the_pattern_it_is_checked_by` keeps the copies equal.
pub const URL_PATTERN: &str =
    r"^https?://[^\s/?#\x00-\x1f\x7f-\x9f]+([/?#][^\s\x00-\x1f\x7f-\x9f]*)?$";

/// Collects field problems; [`Errors::finish`] turns them into one `422`.
#[derive(Debug, Default)]
pub struct Errors(Vec<FieldError>);

impl Errors {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0.push(FieldError::new(field, message));
    }

    /// Checks a text's length in characters (after trimming) and that it has no control
    /// characters other than newlines and tabs when `multiline`.
    pub fn text(&mut self, field: &str, value: &str, min: usize, max: usize, multiline: bool) {
        let len = value.trim().chars().count();
        if len < min {
            self.add(
                field,
                if min == 1 {
                    "must not be empty".to_owned()
                } else {
                    format!("must be at least {min} characters")
                },
            );
        } else if len > max {
            self.add(field, format!("must be at most {max} characters"));
        }
        let bad_control = value
            .chars()
            .any(|c| c.is_control() && !(multiline && matches!(c, '\n' | '\r' | '\t')));
        if bad_control {
            self.add(field, "must not contain control characters");
        }
    }

    /// Checks that `value` looks like an email address.
    pub fn email(&mut self, field: &str, value: &str) {
        if !is_plausible_email(value) {
            self.add(field, "must be an email address such as desk@example.com");
        }
    }

    /// Checks the slug shape: `[a-z0-9]+(-[a-z0-9]+)*`, at most 120 characters.
    pub fn slug(&mut self, field: &str, value: &str) {
        if !crate::slug::is_valid(value) {
            self.add(
                field,
                "must be lower-case letters and digits in words joined by single hyphens (qaim-air-raid-14), not only digits, at most 120 characters",
            );
        }
    }

    /// Checks that `value` is an absolute http(s) URL of at most 2,000 characters (what
    /// [`URL_PATTERN`] says, with the length counted in characters as the OpenAPI's
    /// `maxLength` counts it).
    pub fn url(&mut self, field: &str, value: &str) {
        let host = value
            .strip_prefix("https://")
            .or_else(|| value.strip_prefix("http://"))
            .map(|rest| rest.split(['/', '?', '#']).next().unwrap_or_default());
        let shaped = host.is_some_and(|h| !h.is_empty())
            && !value.chars().any(|c| c.is_whitespace() || c.is_control());
        if !shaped {
            self.add(
                field,
                "must be an http:// or https:// URL such as https://www.example.com/",
            );
        } else if value.chars().count() > MAX_URL_CHARS {
            self.add(field, format!("must be at most {MAX_URL_CHARS} characters"));
        }
    }

    /// Checks a list of ids: positive, no repeats.
    pub fn ids(&mut self, field: &str, ids: &[i64]) {
        if ids.iter().any(|&id| id < 1) {
            self.add(field, "ids are positive integers");
        }
        let mut seen = std::collections::HashSet::new();
        if let Some(dup) = ids.iter().find(|id| !seen.insert(**id)) {
            self.add(field, format!("lists id {dup} more than once"));
        }
    }

    /// `Ok` when nothing was added, else a `422` listing everything.
    pub fn finish(self) -> Result<(), AppError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(AppError::validation(self.0))
        }
    }
}

/// The longest email address, in characters (RFC 5321's path limit).
pub const MAX_EMAIL_CHARS: usize = 254;

/// A deliberately loose check: one `@`, something before it, a dotted domain after it, no
/// spaces or control characters, at most [`MAX_EMAIL_CHARS`] characters. Delivery is the
/// real test.
pub fn is_plausible_email(value: &str) -> bool {
    let Some((local, domain)) = value.split_once('@') else {
        return false;
    };
    value.chars().count() <= MAX_EMAIL_CHARS
        && !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@')
        && !value.chars().any(|c| c.is_whitespace() || c.is_control())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_url_is_as_long_as_its_characters_not_its_bytes() {
        let long = |n: usize| format!("https://example.com/{}", "µ".repeat(n));
        let check = |url: &str| {
            let mut e = Errors::new();
            e.url("url", url);
            e.0.into_iter().map(|f| f.message).collect::<Vec<_>>()
        };
        // 1,008 `µ` are 2,016 bytes but 1,028 characters.
        assert!(check(&long(1008)).is_empty());
        assert!(check(&long(MAX_URL_CHARS - 20)).is_empty());
        assert_eq!(
            check(&long(MAX_URL_CHARS - 19)),
            ["must be at most 2000 characters"]
        );
        assert_eq!(check("https://exa mple.com/").len(), 1);
        assert_eq!(check("https://example.com/\u{7}").len(), 1);
    }

    #[test]
    fn a_url_field_documents_the_pattern_it_is_checked_by() {
        let doc = serde_json::to_value(crate::app::openapi()).unwrap();
        let schemas = &doc["components"]["schemas"];
        let mut seen = 0;
        for (schema, field) in [
            ("CreateAuthor", "website"),
            ("CreateSource", "url"),
            ("UpdateAuthor", "website"),
            ("UpdateSource", "url"),
            ("CreateWebhook", "url"),
            ("UpdateWebhook", "url"),
        ] {
            let property = &schemas[schema]["properties"][field];
            if property.is_null() {
                continue;
            }
            seen += 1;
            let pattern = property["pattern"]
                .as_str()
                .or_else(|| property["oneOf"][0]["pattern"].as_str());
            assert_eq!(pattern, Some(URL_PATTERN), "{schema}.{field}: {property}");
        }
        assert_eq!(seen, 6, "the URL fields were not all found");
    }

    #[test]
    fn emails() {
        assert!(is_plausible_email("desk@iraqinews.example"));
        assert!(is_plausible_email("a.b+c@x.co"));
        for bad in [
            "",
            "desk",
            "@x.com",
            "desk@x",
            "de sk@x.com",
            "a@b@c.com",
            "a@.com",
            "a\u{7f}b@example.com",
            "ab@example.com\u{92}",
        ] {
            assert!(!is_plausible_email(bad), "{bad}");
        }
        // Counted in characters, as the OpenAPI's maxLength counts them.
        let accented = format!("{}@example.com", "é".repeat(130));
        assert!(accented.len() > MAX_EMAIL_CHARS && is_plausible_email(&accented));
        let long = format!("{}@example.com", "é".repeat(MAX_EMAIL_CHARS));
        assert!(!is_plausible_email(&long));
    }

    #[test]
    fn every_problem_is_collected() {
        let mut e = Errors::new();
        e.text("title", "   ", 1, 300, false);
        e.text("name", &"x".repeat(101), 1, 100, false);
        e.text("body", "line\nnext\u{7}", 1, 100, true);
        e.email("email", "nope");
        let p = e.finish().unwrap_err().problem();
        let got: Vec<_> = p
            .errors
            .iter()
            .map(|e| (e.field.as_str(), e.message.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("title", "must not be empty"),
                ("name", "must be at most 100 characters"),
                ("body", "must not contain control characters"),
                ("email", "must be an email address such as desk@example.com"),
            ]
        );
    }
}
