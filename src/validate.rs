//! Small validation helpers that collect every field problem of a request before answering,
//! so an editor fixes a form in one round trip.

use crate::error::{AppError, FieldError};

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

    /// Checks that `value` is an absolute http(s) URL of at most 2,000 characters.
    pub fn url(&mut self, field: &str, value: &str) {
        let host = value
            .strip_prefix("https://")
            .or_else(|| value.strip_prefix("http://"))
            .map(|rest| rest.split(['/', '?', '#']).next().unwrap_or_default());
        let ok = host.is_some_and(|h| !h.is_empty())
            && value.len() <= 2000
            && !value.chars().any(|c| c.is_whitespace() || c.is_control());
        if !ok {
            self.add(
                field,
                "must be an http:// or https:// URL such as https://www.example.com/",
            );
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

/// A deliberately loose check: one `@`, something before it, a dotted domain after it, no
/// spaces or control characters, at most 254 characters. Delivery is the real test.
pub fn is_plausible_email(value: &str) -> bool {
    let Some((local, domain)) = value.split_once('@') else {
        return false;
    };
    value.len() <= 254
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
        ] {
            assert!(!is_plausible_email(bad), "{bad}");
        }
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
