//! Who is calling: roles, the bearer-token extractors ([`AuthUser`], [`MaybeAuthUser`]),
//! password hashing, token issuing, login throttling and the `auth/*` endpoints.
//!
//! A token alone is never trusted: each request looks its user and session up, so disabling,
//! deleting or demoting a user, or ending a session, takes effect on the very next request.

pub mod dto;
pub mod handlers;
pub mod password;
pub mod policy;
pub mod queries;
pub mod throttle;
pub mod tokens;

use std::fmt;
use std::str::FromStr;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::future::LocalBoxFuture;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db;
use crate::error::AppError;
use crate::state::AppState;
use crate::users::models::UserRow;

pub use handlers::configure;

/// What a staff account may do. Ordered: `Author < Editor < Admin`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Writes articles; edits only their own drafts and what they created.
    Author,
    /// Edits, publishes, schedules and archives everything; moderates comments.
    Editor,
    /// Everything an editor may, plus managing users.
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Author => "author",
            Self::Editor => "editor",
            Self::Admin => "admin",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "author" => Ok(Self::Author),
            "editor" => Ok(Self::Editor),
            "admin" => Ok(Self::Admin),
            other => Err(format!("`{other}` is not a role (admin, editor or author)")),
        }
    }
}

/// An authenticated staff member, checked against the database on this request.
#[derive(Debug, Clone)]
pub struct AuthUser {
    pub id: i64,
    pub role: Role,
    pub author_id: Option<i64>,
    pub session_id: i64,
}

impl AuthUser {
    /// `403` unless the caller's role is at least `role`.
    pub fn require(&self, role: Role) -> Result<(), AppError> {
        if self.role >= role {
            Ok(())
        } else {
            Err(AppError::Forbidden(format!(
                "This needs the {role} role or higher; you are signed in as {}.",
                self.role
            )))
        }
    }

    /// Whether the caller is an editor or an admin.
    pub fn is_editor(&self) -> bool {
        self.role >= Role::Editor
    }
}

/// The caller when a token was sent, `None` for anonymous readers. A token that was sent but
/// is not valid is still a `401`: a client that believes it is signed in must learn it is not.
#[derive(Debug, Clone)]
pub struct MaybeAuthUser(pub Option<AuthUser>);

/// The bearer token of `req`, `Ok(None)` when there is no `Authorization` header.
fn bearer_token(req: &HttpRequest) -> Result<Option<String>, AppError> {
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let malformed = || {
        AppError::InvalidToken("The Authorization header must read `Bearer <access token>`.".into())
    };
    let value = value.to_str().map_err(|_| malformed())?;
    let (scheme, token) = value.trim().split_once(' ').ok_or_else(malformed)?;
    let token = token.trim();
    if !scheme.eq_ignore_ascii_case("bearer") || token.is_empty() {
        return Err(malformed());
    }
    Ok(Some(token.to_owned()))
}

async fn authenticate(state: web::Data<AppState>, token: String) -> Result<AuthUser, AppError> {
    let claims = state.keys.verify_access(&token)?;
    let user_id: i64 = claims
        .sub
        .parse()
        .map_err(|_| AppError::InvalidToken("The access token is not valid.".into()))?;
    let session_id = claims.sid;
    let row: Option<UserRow> = db::read(&state.db, move |conn| {
        Ok(queries::active_user(conn, user_id, session_id, db::now())?)
    })
    .await?;
    let row = row.ok_or_else(|| {
        AppError::InvalidToken(
            "This session has ended, or its user was disabled or deleted; log in again.".into(),
        )
    })?;
    let role = row
        .role
        .parse()
        .map_err(|e: String| AppError::internal(format!("user {}: {e}", row.id)))?;
    Ok(AuthUser {
        id: row.id,
        role,
        author_id: row.author_id,
        session_id,
    })
}

fn app_state(req: &HttpRequest) -> Result<web::Data<AppState>, AppError> {
    req.app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| AppError::internal("AppState is not registered"))
}

impl FromRequest for AuthUser {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let parts = app_state(req).and_then(|state| Ok((state, bearer_token(req)?)));
        Box::pin(async move {
            let (state, token) = parts?;
            let token = token.ok_or_else(|| {
                AppError::Unauthorized(
                    "This needs a bearer token: send `Authorization: Bearer <access token>` \
                     (get one from POST /api/v1/auth/login)."
                        .into(),
                )
            })?;
            authenticate(state, token).await
        })
    }
}

impl FromRequest for MaybeAuthUser {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let parts = app_state(req).and_then(|state| Ok((state, bearer_token(req)?)));
        Box::pin(async move {
            match parts? {
                (_, None) => Ok(Self(None)),
                (state, Some(token)) => Ok(Self(Some(authenticate(state, token).await?))),
            }
        })
    }
}
