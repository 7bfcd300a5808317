//! What the users endpoints accept and answer.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::Role;
use crate::config::MIN_PASSWORD_CHARS;
use crate::http::json::{double_option, some};
use crate::users::models::UserRow;
use crate::validate::Errors;

/// The longest password accepted (hashing cost grows with length).
pub const MAX_PASSWORD_CHARS: usize = 1024;

/// A staff account as the API shows it. The password hash never leaves the server.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "id": 2,
    "email": "desk@iraqinews.example",
    "display_name": "Baghdad desk",
    "role": "editor",
    "author_id": null,
    "disabled": false,
    "created_at": "2017-11-01T09:30:00Z",
    "updated_at": "2017-11-01T09:30:00Z"
}))]
pub struct UserView {
    #[schema(example = 2)]
    pub id: i64,
    /// Login name; unique, compared without regard to case.
    #[schema(example = "desk@iraqinews.example")]
    pub email: String,
    /// How the newsroom tool shows this account.
    #[schema(example = "Baghdad desk")]
    pub display_name: String,
    pub role: Role,
    /// The author (byline) this account writes as, if any.
    #[schema(example = json!(null))]
    pub author_id: Option<i64>,
    /// A disabled account cannot log in, and its tokens stop working at once.
    pub disabled: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl TryFrom<UserRow> for UserView {
    type Error = crate::error::AppError;

    fn try_from(row: UserRow) -> Result<Self, Self::Error> {
        let role = row.role.parse().map_err(|e: String| {
            crate::error::AppError::internal(format!("user {}: {e}", row.id))
        })?;
        Ok(Self {
            id: row.id,
            email: row.email,
            display_name: row.display_name,
            role,
            author_id: row.author_id,
            disabled: row.disabled,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
        })
    }
}

/// A new staff account.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "email": "desk@iraqinews.example",
    "display_name": "Baghdad desk",
    "role": "editor",
    "password": "correct horse battery staple"
}))]
pub struct CreateUser {
    /// Login name; unique, stored in lower case.
    #[schema(format = Email, max_length = 254, example = "desk@iraqinews.example")]
    pub email: String,
    /// Shown in the newsroom tool; defaults to the part of the email before the `@`.
    #[schema(min_length = 1, max_length = 100, example = "Baghdad desk")]
    pub display_name: Option<String>,
    pub role: Role,
    /// At least 12 characters. Write-only: stored as an Argon2id hash.
    #[schema(
        write_only,
        min_length = 12,
        max_length = 1024,
        example = "correct horse battery staple"
    )]
    pub password: String,
    /// The author (byline) this account writes as.
    #[serde(default)]
    pub author_id: Option<i64>,
    /// Create the account disabled.
    #[serde(default)]
    pub disabled: bool,
}

/// Changes to a staff account; absent fields keep their value.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"role": "admin", "disabled": false}))]
pub struct UpdateUser {
    #[serde(default, deserialize_with = "some")]
    #[schema(value_type = String, format = Email, max_length = 254, example = "desk@iraqinews.example")]
    pub email: Option<String>,
    #[serde(default, deserialize_with = "some")]
    #[schema(value_type = String, min_length = 1, max_length = 100, example = "Baghdad desk")]
    pub display_name: Option<String>,
    #[serde(default, deserialize_with = "some")]
    #[schema(value_type = Role)]
    pub role: Option<Role>,
    /// A new password (at least 12 characters); ends every session of this user.
    #[serde(default, deserialize_with = "some")]
    #[schema(value_type = String, write_only, min_length = 12, max_length = 1024)]
    pub password: Option<String>,
    /// `null` unlinks the account from its byline.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<i64>, nullable)]
    pub author_id: Option<Option<i64>>,
    /// Disabling ends every session of this user.
    #[serde(default, deserialize_with = "some")]
    #[schema(value_type = bool)]
    pub disabled: Option<bool>,
}

fn check_password(errors: &mut Errors, password: &str) {
    let n = password.chars().count();
    if password.trim().is_empty() && n > 0 {
        errors.add("password", "must not be only spaces");
    } else if n < MIN_PASSWORD_CHARS {
        errors.add(
            "password",
            format!("must be at least {MIN_PASSWORD_CHARS} characters"),
        );
    } else if n > MAX_PASSWORD_CHARS {
        errors.add(
            "password",
            format!("must be at most {MAX_PASSWORD_CHARS} characters"),
        );
    }
}

impl CreateUser {
    /// Trims, fills defaults and collects every field problem.
    pub fn validate(mut self) -> Result<Self, crate::error::AppError> {
        self.email = self.email.trim().to_lowercase();
        let mut errors = Errors::new();
        errors.email("email", &self.email);
        let name = self
            .display_name
            .take()
            .map(|n| n.trim().to_owned())
            .unwrap_or_else(|| {
                let local = self.email.split('@').next().unwrap_or_default();
                local.chars().take(100).collect()
            });
        errors.text("display_name", &name, 1, 100, false);
        self.display_name = Some(name);
        check_password(&mut errors, &self.password);
        errors.finish()?;
        Ok(self)
    }
}

impl UpdateUser {
    /// Trims and collects every field problem.
    pub fn validate(mut self) -> Result<Self, crate::error::AppError> {
        let mut errors = Errors::new();
        if let Some(email) = &mut self.email {
            *email = email.trim().to_lowercase();
            errors.email("email", email);
        }
        if let Some(name) = &mut self.display_name {
            *name = name.trim().to_owned();
            errors.text("display_name", name, 1, 100, false);
        }
        if let Some(password) = &self.password {
            check_password(&mut errors, password);
        }
        errors.finish()?;
        Ok(self)
    }
}

/// Filters and order of the users list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserFilters {
    /// Only users of this role.
    #[param(inline)]
    pub role: Option<Role>,
    /// Sort keys, comma-separated, `-` for descending: `email`, `display_name`, `role`,
    /// `created_at`. Default `email`.
    #[param(example = "-created_at")]
    pub sort: Option<String>,
}

/// The sort keys the users list accepts.
pub const USER_SORTS: &[&str] = &["email", "display_name", "role", "created_at"];
